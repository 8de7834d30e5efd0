/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "cascade-app-test.h"
#include "cascade-test-server.h"

/*
 * The app's social sign-in (CascadeOidcFlow through CascadeSession) end to
 * end: a real cascaded configured with the test OpenID provider of
 * tests/common/oidc-provider.py, the flow's own loopback listener, and a
 * browser played by the test: a thread that follows the redirects from the
 * authorization URL to the app's loopback page.
 */

typedef struct
{
  GSubprocess *provider;
  char *issuer;
  char *dir;
  CascadeTestServer *server;
  CascadeSession *session;
  GThread *browser;
  char *landing_page; /* what the browser showed at the end (set by its thread) */
  guint landing_status;
  gboolean browse; /* FALSE: the browser is never opened (timeout, cancel) */
} Fixture;

/* GET @url with a session of its own, following redirects; the final status
 * and body. Runs in the browser's thread. */
static guint
browser_get (const char *url, char **body_out)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (msg);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *body_out = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return soup_message_get_status (msg);
}

typedef struct
{
  Fixture *f;
  char *url;
} Visit;

static gpointer
browser_thread (gpointer data)
{
  Visit *visit = data;
  Fixture *f = visit->f;
  char *page = NULL;
  guint status;

  status = browser_get (visit->url, &page);
  g_atomic_pointer_set (&f->landing_page, page);
  g_atomic_int_set (&f->landing_status, status);
  g_free (visit->url);
  g_free (visit);
  return NULL;
}

/* What the UI's callback does: here, the test's browser opens the URL. */
static void
open_uri (const char *uri, gpointer user_data)
{
  Fixture *f = user_data;
  Visit *visit;

  g_assert_true (g_str_has_prefix (uri, f->issuer));
  if (!f->browse)
    return;
  visit = g_new0 (Visit, 1);
  visit->f = f;
  visit->url = g_strdup (uri);
  f->browser = g_thread_new ("browser", browser_thread, visit);
}

static void
configure_provider (Fixture *f, const char *json)
{
  g_autofree char *url = g_strconcat (f->issuer, "/test/config", NULL);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
  g_autoptr (GBytes) request = g_bytes_new (json, strlen (json));
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 204);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *config = NULL;
  g_autofree char *redirect = NULL;
  const char *args[] = { "--config", NULL, NULL };

  f->browse = TRUE;
  f->provider = cascade_test_oidc_provider_start (&f->issuer);
  f->dir = cascade_test_make_tmp_dir ();
  config_path = g_build_filename (f->dir, "cascaded.conf", NULL);
  data_dir = g_build_filename (f->dir, "data", NULL);
  config = g_strdup_printf ("[oidc.testid]\nname=Test ID\nissuer=%s\nclient-id=cascade-test\n"
                            "client-secret=test-secret\n",
                            f->issuer);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);
  args[1] = config_path;
  f->server = cascade_test_server_new_in_dir (data_dir, args);
  redirect = g_strdup_printf ("{\"redirect_uri\": \"%s/api/v1/auth/oidc/callback\"}",
                              cascade_test_server_get_url (f->server));
  configure_provider (f, redirect);
  f->session = cascade_session_new_in_memory (cascade_test_server_get_url (f->server));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->browser != NULL)
    g_thread_join (f->browser);
  cascade_test_assert_finalized (g_steal_pointer (&f->session), CASCADE_TEST_TIMEOUT_MS);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  cascade_test_oidc_provider_stop (g_steal_pointer (&f->provider));
  cascade_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->issuer);
  g_free (f->landing_page);
}

/* Runs the flow as the welcome page's button does; its result. */
static gboolean
sign_in (
  Fixture *f, CascadeOidcFlow *flow, const char *otp, GCancellable *cancellable, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_session_sign_in_with_oidc_async (f->session, flow, otp, cancellable,
                                           cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_session_sign_in_finish (f->session, result, error);
}

static CascadeOidcFlow *
flow_new (Fixture *f)
{
  return cascade_oidc_flow_new (cascade_session_get_client (f->session), "testid", open_uri, f,
                                NULL);
}

static gboolean
landed (gpointer data)
{
  Fixture *f = data;

  return g_atomic_pointer_get (&f->landing_page) != NULL;
}

/* The server lists the provider; the flow signs in a new account made from
 * the provider's verified email, and the browser is told to close the tab. */
static void
test_sign_in (Fixture *f, gconstpointer data)
{
  CascadeClient *client = cascade_session_get_client (f->session);
  g_autoptr (CascadeOidcFlow) flow = flow_new (f);
  g_autoptr (GAsyncResult) listed = NULL;
  g_autoptr (GPtrArray) providers = NULL;
  g_autoptr (GError) error = NULL;
  CascadeIdentityProvider *provider;

  cascade_client_list_providers_async (client, NULL, cascade_test_keep_result, &listed);
  providers = cascade_client_list_providers_finish (
    client, cascade_test_await (&listed, CASCADE_TEST_TIMEOUT_MS), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (providers->len, ==, 1);
  provider = providers->pdata[0];
  g_assert_cmpstr (provider->id, ==, "testid");
  g_assert_cmpstr (provider->name, ==, "Test ID");

  g_assert_true (sign_in (f, flow, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (cascade_user_get_email (cascade_session_get_user (f->session)), ==,
                   "social@example.com");
  g_assert_true (cascade_user_get_email_verified (cascade_session_get_user (f->session)));

  cascade_test_wait_until (landed, f, CASCADE_TEST_TIMEOUT_MS, "the browser's page");
  g_assert_cmpuint (f->landing_status, ==, 200);
  g_assert_nonnull (strstr (f->landing_page, "You can close this tab"));
  /* The loopback listener is gone once the flow has ended. */
  g_assert_null (cascade_oidc_flow_get_redirect_uri (flow));
}

/* The provider refuses: the redirect's error comes back as the flow's. */
static void
test_denied (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeOidcFlow) flow = flow_new (f);
  g_autoptr (GError) error = NULL;

  configure_provider (f, "{\"deny\": true}");
  g_assert_false (sign_in (f, flow, NULL, NULL, &error));
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "access_denied");
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  cascade_test_wait_until (landed, f, CASCADE_TEST_TIMEOUT_MS, "the browser's page");
  g_assert_nonnull (strstr (f->landing_page, "Sign-In Failed"));
}

/* A browser that never comes back: the flow gives up at its timeout. A
 * visit with a wrong state, meanwhile, is turned away. */
static void
test_timeout_and_wrong_state (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeOidcFlow) flow = flow_new (f);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *forged = NULL;
  g_autofree char *page = NULL;

  f->browse = FALSE;
  cascade_oidc_flow_set_timeout (flow, 3);
  cascade_session_sign_in_with_oidc_async (f->session, flow, NULL, NULL, cascade_test_keep_result,
                                           &result);
  while (cascade_oidc_flow_get_redirect_uri (flow) == NULL)
    g_main_context_iteration (NULL, TRUE);
  /* A page that guesses the port, with a code and a state of its own. */
  forged =
    g_strdup_printf ("%s?code=stolen&state=guessed", cascade_oidc_flow_get_redirect_uri (flow));
  {
    Visit *visit = g_new0 (Visit, 1);

    visit->f = f;
    visit->url = g_strdup (forged);
    f->browser = g_thread_new ("browser", browser_thread, visit);
  }
  cascade_test_wait_until (landed, f, CASCADE_TEST_TIMEOUT_MS, "the forged visit's page");
  g_assert_cmpuint (f->landing_status, ==, 400);

  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  g_assert_false (cascade_session_sign_in_finish (f->session, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
}

/* Cancelling (the welcome page's Cancel) ends the flow at once. */
static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeOidcFlow) flow = flow_new (f);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  f->browse = FALSE;
  cascade_session_sign_in_with_oidc_async (f->session, flow, NULL, cancellable,
                                           cascade_test_keep_result, &result);
  while (cascade_oidc_flow_get_redirect_uri (flow) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  g_assert_false (cascade_session_sign_in_finish (f->session, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/app/oidc/sign-in", test_sign_in);
  ADD ("/cascade/app/oidc/denied", test_denied);
  ADD ("/cascade/app/oidc/timeout-and-wrong-state", test_timeout_and_wrong_state);
  ADD ("/cascade/app/oidc/cancel", test_cancel);

  return g_test_run ();
}
