/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "cascade-app-test.h"
#include "cascade-test-server.h"

#define PASSWORD "correct horse battery"
/* Access-token lifetime of the short-lived server, in seconds. */
#define SHORT_TTL 4

typedef struct
{
  char *data_dir;
  char *config_file;
  CascadeTestServer *server;
  const char *url;
  CascadeSession *session;
  char *username;
  char *email;
} Fixture;

static void
start_server (Fixture *f, const char *listen)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();

  if (f->config_file != NULL)
    {
      g_ptr_array_add (args, (char *) "--config");
      g_ptr_array_add (args, f->config_file);
    }
  if (listen != NULL)
    {
      g_ptr_array_add (args, (char *) "--listen");
      g_ptr_array_add (args, (char *) listen);
    }
  g_ptr_array_add (args, NULL);
  f->server = cascade_test_server_new_in_dir (f->data_dir, (const char *const *) args->pdata);
  f->url = cascade_test_server_get_url (f->server);
}

/* data: the server's access-token lifetime in seconds, or 0 for its default. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  int ttl = GPOINTER_TO_INT (data);

  f->data_dir = cascade_test_make_tmp_dir ();
  if (ttl > 0)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *config = g_strdup_printf ("[auth]\naccess-token-ttl=%d\n", ttl);

      f->config_file = g_build_filename (f->data_dir, "cascaded.conf", NULL);
      g_file_set_contents (f->config_file, config, -1, &error);
      g_assert_no_error (error);
    }
  start_server (f, NULL);
  f->session = cascade_session_new (f->url);
  f->username = cascade_test_unique_name ("sess");
  f->email = g_strdup_printf ("%s@example.org", f->username);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->session != NULL)
    cascade_test_assert_finalized (g_steal_pointer (&f->session), CASCADE_TEST_TIMEOUT_MS);
  g_clear_pointer (&f->server, cascade_test_server_free);
  cascade_test_rm_rf (f->data_dir);
  g_free (f->data_dir);
  g_free (f->config_file);
  g_free (f->username);
  g_free (f->email);
}

static void
sign_up (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (
    cascade_test_session_sign_up (f->session, f->email, f->username, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
}

typedef struct
{
  const char *server;
  const char *old_token; /* wait for a token other than this one */
  gboolean want_none;    /* or wait for no token at all */
} KeyringWait;

static gboolean
keyring_matches (gpointer data)
{
  KeyringWait *wait = data;
  g_autofree char *token = cascade_test_keyring_lookup (wait->server);
  gboolean matches;

  if (wait->want_none)
    matches = token == NULL;
  else
    matches = token != NULL && g_strcmp0 (token, wait->old_token) != 0;
  if (!matches)
    cascade_test_run_for (50);
  return matches;
}

static void
wait_for_keyring_cleared (const char *server)
{
  KeyringWait wait = { server, NULL, TRUE };

  cascade_test_wait_until (keyring_matches, &wait, CASCADE_TEST_TIMEOUT_MS,
                           "the keyring entry to be removed");
}

static char *
wait_for_new_token (const char *server, const char *old_token, guint timeout_ms)
{
  KeyringWait wait = { server, old_token, FALSE };

  cascade_test_wait_until (keyring_matches, &wait, timeout_ms,
                           "a new refresh token in the keyring");
  return cascade_test_keyring_lookup (server);
}

static void
record_state (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GArray *states = user_data;
  CascadeSessionState state = cascade_session_get_state (CASCADE_SESSION (object));

  g_array_append_val (states, state);
}

static gboolean
is_signed_out (gpointer data)
{
  return cascade_session_get_state (data) == CASCADE_SESSION_STATE_SIGNED_OUT;
}

/* ---- tests ---- */

static void
test_sign_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeUser) me = NULL;
  g_autofree char *token = NULL;
  guint state_notified = 0;
  guint user_notified = 0;
  guint secrets_notified = 0;
  CascadeUser *user;

  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (f->session));
  g_assert_cmpstr (cascade_session_get_server_url (f->session), ==, f->url);

  cascade_test_count_notify (f->session, "state", &state_notified);
  cascade_test_count_notify (f->session, "user", &user_notified);
  cascade_test_count_notify (f->session, "secrets-available", &secrets_notified);
  sign_up (f);

  user = cascade_session_get_user (f->session);
  g_assert_nonnull (user);
  g_assert_cmpstr (cascade_user_get_username (user), ==, f->username);
  g_assert_cmpstr (cascade_user_get_email (user), ==, f->email);
  g_assert_cmpuint (state_notified, ==, 1);
  g_assert_cmpuint (user_notified, ==, 1);
  g_assert_true (cascade_session_get_secrets_available (f->session));
  g_assert_cmpuint (secrets_notified, ==, 0);

  /* The refresh token is in the keyring, and the access token works. */
  token = cascade_test_keyring_lookup (f->url);
  g_assert_nonnull (token);
  me = cascade_test_session_get_me (f->session, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_id (me), ==, cascade_user_get_id (user));
}

static void
test_restore (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) states = g_array_new (FALSE, FALSE, sizeof (CascadeSessionState));
  g_autoptr (CascadeUser) me = NULL;
  g_autofree char *first_token = NULL;
  g_autofree char *second_token = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) joined = NULL;
  CascadeSession *second;
  CascadeSession *third;

  sign_up (f);
  id = g_strdup (cascade_user_get_id (cascade_session_get_user (f->session)));
  first_token = cascade_test_keyring_lookup (f->url);
  g_assert_nonnull (first_token);
  /* As if the app quit: only the keyring remains. */
  cascade_test_assert_finalized (g_steal_pointer (&f->session), CASCADE_TEST_TIMEOUT_MS);

  /* The app may ask twice at start-up: both calls share one restore, which
   * presents the stored token once (twice would revoke the session). */
  second = cascade_session_new (f->url);
  g_signal_connect (second, "notify::state", G_CALLBACK (record_state), states);
  cascade_session_restore_async (second, NULL, cascade_test_keep_result, &result);
  cascade_session_restore_async (second, NULL, cascade_test_keep_result, &joined);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  cascade_test_await (&joined, CASCADE_TEST_TIMEOUT_MS);
  g_assert_true (cascade_session_restore_finish (second, result, &error));
  g_assert_no_error (error);
  g_assert_true (cascade_session_restore_finish (second, joined, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (states->len, ==, 2);
  g_assert_cmpint (g_array_index (states, CascadeSessionState, 0), ==,
                   CASCADE_SESSION_STATE_RESTORING);
  g_assert_cmpint (g_array_index (states, CascadeSessionState, 1), ==,
                   CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (cascade_user_get_id (cascade_session_get_user (second)), ==, id);
  g_assert_cmpstr (cascade_user_get_username (cascade_session_get_user (second)), ==, f->username);
  me = cascade_test_session_get_me (second, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_id (me), ==, id);

  /* Restoring used the stored token up; its successor is stored instead. */
  second_token = wait_for_new_token (f->url, first_token, CASCADE_TEST_TIMEOUT_MS);
  g_assert_cmpstr (second_token, !=, first_token);
  /* Restoring again while signed in changes nothing. */
  g_assert_true (cascade_test_session_restore (second, &error));
  g_assert_cmpuint (states->len, ==, 2);
  /* The results hold the session (their source object). */
  g_clear_object (&result);
  g_clear_object (&joined);
  cascade_test_assert_finalized (second, CASCADE_TEST_TIMEOUT_MS);

  /* ...and that successor works: a third start is signed in too. */
  third = cascade_session_new (f->url);
  g_assert_true (cascade_test_session_restore (third, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (third), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (cascade_user_get_id (cascade_session_get_user (third)), ==, id);
  cascade_test_assert_finalized (third, CASCADE_TEST_TIMEOUT_MS);
}

static void
test_restore_nothing_stored (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) states = g_array_new (FALSE, FALSE, sizeof (CascadeSessionState));

  /* Nothing stored for this server: no request is even needed. */
  g_signal_connect (f->session, "notify::state", G_CALLBACK (record_state), states);
  g_assert_true (cascade_test_session_restore (f->session, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (f->session));
  g_assert_cmpuint (states->len, ==, 2);
  g_assert_cmpint (g_array_index (states, CascadeSessionState, 0), ==,
                   CASCADE_SESSION_STATE_RESTORING);
  g_assert_cmpint (g_array_index (states, CascadeSessionState, 1), ==,
                   CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_true (cascade_session_get_secrets_available (f->session));
}

static void
test_restore_offline (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *still = NULL;
  CascadeSession *later;

  sign_up (f);
  token = cascade_test_keyring_lookup (f->url);
  cascade_test_assert_finalized (g_steal_pointer (&f->session), CASCADE_TEST_TIMEOUT_MS);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);

  later = cascade_session_new (f->url);
  g_assert_false (cascade_test_session_restore (later, &error));
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NETWORK);
  g_assert_cmpint (cascade_session_get_state (later), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  /* Being offline is no reason to forget the sign-in. */
  still = cascade_test_keyring_lookup (f->url);
  g_assert_cmpstr (still, ==, token);
  cascade_test_assert_finalized (later, CASCADE_TEST_TIMEOUT_MS);
}

static void
test_restore_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autofree char *token = NULL;
  g_autofree char *body = NULL;
  CascadeSession *later;

  sign_up (f);
  token = cascade_test_keyring_lookup (f->url);
  cascade_test_assert_finalized (g_steal_pointer (&f->session), CASCADE_TEST_TIMEOUT_MS);

  /* Someone else used the stored token (the server revokes the session). */
  body = g_strdup_printf ("{\"refresh_token\": \"%s\"}", token);
  g_assert_cmpuint (
    cascade_test_server_request (f->server, "POST", "/api/v1/auth/refresh", NULL, body, &answer),
    ==, 200);

  later = cascade_session_new (f->url);
  g_assert_true (cascade_test_session_restore (later, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (later), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (later));
  wait_for_keyring_cleared (f->url);
  cascade_test_assert_finalized (later, CASCADE_TEST_TIMEOUT_MS);
}

static void
test_sign_in_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other = cascade_test_unique_name ("other");
  g_autofree char *other_email = g_strdup_printf ("%s@example.org", other);
  guint state_notified = 0;

  sign_up (f);
  g_assert_true (cascade_test_session_sign_out (f->session, &error));
  g_assert_no_error (error);

  cascade_test_count_notify (f->session, "state", &state_notified);
  g_assert_false (cascade_test_session_sign_in (f->session, f->username, "wrong password", &error));
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "invalid_credentials");
  g_clear_error (&error);

  /* Sign-up errors come through unchanged, field and all. */
  g_assert_false (
    cascade_test_session_sign_up (f->session, other_email, f->username, PASSWORD, &error));
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_CONFLICT);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "username_taken");
  g_assert_cmpstr (cascade_client_error_get_field (error), ==, "username");
  g_clear_error (&error);

  g_assert_false (cascade_test_session_sign_up (f->session, other_email, other, "short", &error));
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_INVALID);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "invalid_password");
  g_assert_cmpstr (cascade_client_error_get_field (error), ==, "password");
  g_clear_error (&error);

  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_cmpuint (state_notified, ==, 0);
  g_assert_null (cascade_test_keyring_lookup (f->url));

  /* By e-mail address this time. */
  g_assert_true (cascade_test_session_sign_in (f->session, f->email, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (cascade_user_get_username (cascade_session_get_user (f->session)), ==,
                   f->username);
  g_assert_cmpuint (state_notified, ==, 1);
}

static void
test_sign_out (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;
  g_autoptr (CascadeClient) client = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  guint state_notified = 0;
  guint user_notified = 0;
  CascadeSession *later;

  sign_up (f);
  token = cascade_test_keyring_lookup (f->url);
  g_assert_nonnull (token);

  cascade_test_count_notify (f->session, "state", &state_notified);
  cascade_test_count_notify (f->session, "user", &user_notified);
  g_assert_true (cascade_test_session_sign_out (f->session, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (f->session));
  g_assert_cmpuint (state_notified, ==, 1);
  g_assert_cmpuint (user_notified, ==, 1);

  /* The keyring entry is gone... */
  g_assert_null (cascade_test_keyring_lookup (f->url));
  /* ...the server was told (the old refresh token no longer works)... */
  client = cascade_client_new (f->url);
  cascade_client_refresh_async (client, token, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  tokens = cascade_client_refresh_finish (client, result, &error);
  g_assert_null (tokens);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  /* ...and the next start is signed out. */
  later = cascade_session_new (f->url);
  g_assert_true (cascade_test_session_restore (later, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (later), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  cascade_test_assert_finalized (later, CASCADE_TEST_TIMEOUT_MS);
}

static void
test_sign_out_offline (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  sign_up (f);
  cascade_test_server_kill (f->server);

  g_assert_true (cascade_test_session_sign_out (f->session, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (f->session));
  g_assert_null (cascade_test_keyring_lookup (f->url));
}

static void
test_refresh (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeClient) bystander = NULL;
  g_autoptr (CascadeAuthTokens) bystander_tokens = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CascadeUser) me = NULL;
  g_autofree char *first_token = NULL;
  g_autofree char *token = NULL;
  guint state_notified = 0;

  sign_up (f);
  first_token = cascade_test_keyring_lookup (f->url);
  cascade_test_count_notify (f->session, "state", &state_notified);

  /* A second sign-in that never refreshes shows when tokens really expire. */
  bystander = cascade_client_new (f->url);
  cascade_client_login_async (bystander, f->username, PASSWORD, NULL, cascade_test_keep_result,
                              &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  bystander_tokens = cascade_client_login_finish (bystander, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bystander_tokens->expires_in, ==, SHORT_TTL);
  cascade_client_set_access_token (bystander, bystander_tokens->access_token);

  /* Past the first access token's expiry, on the main loop. */
  cascade_test_run_for ((SHORT_TTL + 2) * 1000);

  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpuint (state_notified, ==, 0);
  me = cascade_test_session_get_me (f->session, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_username (me), ==, f->username);
  g_clear_object (&me);

  g_clear_object (&result);
  cascade_client_get_me_async (bystander, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  me = cascade_client_get_me_finish (bystander, result, &error);
  g_assert_null (me);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "token_expired");
  g_clear_error (&error);

  /* Each rotation was stored. */
  token = cascade_test_keyring_lookup (f->url);
  g_assert_nonnull (token);
  g_assert_cmpstr (token, !=, first_token);
}

static void
test_refresh_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) answer = NULL;
  g_autofree char *token = NULL;
  g_autofree char *body = NULL;
  guint user_notified = 0;

  sign_up (f);
  token = cascade_test_keyring_lookup (f->url);

  /* Someone else uses the session's refresh token first: when the session
   * presents it, the server refuses it (and revokes the session). */
  body = g_strdup_printf ("{\"refresh_token\": \"%s\"}", token);
  g_assert_cmpuint (
    cascade_test_server_request (f->server, "POST", "/api/v1/auth/refresh", NULL, body, &answer),
    ==, 200);

  cascade_test_count_notify (f->session, "user", &user_notified);
  cascade_test_wait_until (is_signed_out, f->session, (SHORT_TTL + 10) * 1000,
                           "the refused refresh to sign out");
  g_assert_null (cascade_session_get_user (f->session));
  g_assert_cmpuint (user_notified, ==, 1);
  wait_for_keyring_cleared (f->url);
}

static void
test_refresh_retry (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GUri) uri = g_uri_parse (f->url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%d", g_uri_get_port (uri));
  g_autofree char *url = g_strdup (f->url);
  g_autofree char *first_token = NULL;
  g_autofree char *token = NULL;
  g_autoptr (CascadeUser) me = NULL;
  guint state_notified = 0;

  sign_up (f);
  first_token = cascade_test_keyring_lookup (f->url);
  cascade_test_count_notify (f->session, "state", &state_notified);

  /* The server goes away across the refresh time: the session keeps trying
   * and stays signed in. */
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  cascade_test_run_for ((SHORT_TTL + 1) * 1000);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpuint (state_notified, ==, 0);

  /* Back on the same address: the next retry succeeds. */
  start_server (f, listen);
  g_assert_cmpstr (f->url, ==, url);
  token = wait_for_new_token (url, first_token, 20000);
  g_assert_cmpstr (token, !=, first_token);
  me = cascade_test_session_get_me (f->session, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_username (me), ==, f->username);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpuint (state_notified, ==, 0);
}

static void
test_server_url (Fixture *f, gconstpointer data)
{
  g_autofree char *slashed = g_strconcat (f->url, "/", NULL);
  g_autofree char *elsewhere = g_strdup_printf ("http://127.0.0.1:%u", cascade_test_closed_port ());
  g_autofree char *url_property = NULL;
  guint state_notified = 0;
  guint user_notified = 0;
  guint url_notified = 0;

  sign_up (f);
  cascade_test_count_notify (f->session, "state", &state_notified);
  cascade_test_count_notify (f->session, "user", &user_notified);
  cascade_test_count_notify (f->session, "server-url", &url_notified);

  /* The same server, spelled differently: nothing changes. */
  cascade_session_set_server_url (f->session, slashed);
  g_assert_cmpuint (url_notified, ==, 0);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);

  g_object_set (f->session, "server-url", elsewhere, NULL);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (f->session));
  g_assert_cmpuint (state_notified, ==, 1);
  g_assert_cmpuint (user_notified, ==, 1);
  g_assert_cmpuint (url_notified, ==, 1);
  g_object_get (f->session, "server-url", &url_property, NULL);
  g_assert_cmpstr (url_property, ==, elsewhere);
  g_assert_cmpstr (cascade_client_get_base_url (cascade_session_get_client (f->session)), ==,
                   elsewhere);
  wait_for_keyring_cleared (f->url);
}

static void
test_secret_store (void)
{
  g_autoptr (CascadeSecretStore) store = cascade_secret_store_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  cascade_secret_store_store_async (store, "http://a.example:1", "token-a", NULL,
                                    cascade_test_keep_result, &result);
  g_assert_true (cascade_secret_store_store_finish (
    store, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  cascade_secret_store_store_async (store, "http://b.example:1", "token-b", NULL,
                                    cascade_test_keep_result, &result);
  g_assert_true (cascade_secret_store_store_finish (
    store, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), &error));
  g_clear_object (&result);
  /* Storing again replaces. */
  cascade_secret_store_store_async (store, "http://a.example:1", "token-a2", NULL,
                                    cascade_test_keep_result, &result);
  g_assert_true (cascade_secret_store_store_finish (
    store, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), &error));
  g_clear_object (&result);

  a = cascade_test_keyring_lookup ("http://a.example:1");
  b = cascade_test_keyring_lookup ("http://b.example:1");
  g_assert_cmpstr (a, ==, "token-a2");
  g_assert_cmpstr (b, ==, "token-b");

  cascade_secret_store_clear_async (store, "http://a.example:1", NULL, cascade_test_keep_result,
                                    &result);
  g_assert_true (cascade_secret_store_clear_finish (
    store, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), &error));
  g_clear_object (&result);
  g_assert_null (cascade_test_keyring_lookup ("http://a.example:1"));
  g_clear_pointer (&b, g_free);
  b = cascade_test_keyring_lookup ("http://b.example:1");
  g_assert_cmpstr (b, ==, "token-b");

  /* Clearing what is not there is fine. */
  cascade_secret_store_clear_async (store, "http://a.example:1", NULL, cascade_test_keep_result,
                                    &result);
  g_assert_true (cascade_secret_store_clear_finish (
    store, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), &error));
  g_assert_no_error (error);
}

/* A second instance (cascade --new-instance) signs in as someone else with a
 * session kept in memory: it works, says it keeps nothing, and leaves the
 * first instance's keyring entry alone, through sign-in, refresh-free use and
 * sign-out; the first user is still the one a restart restores. */
static void
test_in_memory (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeSession) guest = cascade_session_new_in_memory (f->url);
  g_autoptr (CascadeSession) later = NULL;
  g_autoptr (CascadeUser) me = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *still = NULL;
  g_autofree char *guest_name = cascade_test_unique_name ("guest");
  g_autofree char *guest_email = g_strdup_printf ("%s@example.org", guest_name);

  sign_up (f);
  stored = cascade_test_keyring_lookup (f->url);
  g_assert_nonnull (stored);

  g_assert_false (cascade_session_get_secrets_available (guest));
  g_assert_true (cascade_test_session_sign_up (guest, guest_email, guest_name, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (guest), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_false (cascade_session_get_secrets_available (guest));
  me = cascade_test_session_get_me (guest, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_username (me), ==, guest_name);

  g_assert_true (cascade_test_session_sign_out (guest, &error));
  g_assert_no_error (error);
  still = cascade_test_keyring_lookup (f->url);
  g_assert_cmpstr (still, ==, stored);

  later = cascade_session_new (f->url);
  g_assert_true (cascade_test_session_restore (later, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (later), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (cascade_user_get_username (cascade_session_get_user (later)), ==, f->username);
  cascade_test_assert_finalized (g_steal_pointer (&guest), CASCADE_TEST_TIMEOUT_MS);
  cascade_test_assert_finalized (g_steal_pointer (&later), CASCADE_TEST_TIMEOUT_MS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, ttl, func)                                                                       \
  g_test_add ("/cascade/app/session/" path, Fixture, GINT_TO_POINTER (ttl), fixture_set_up, func,  \
              fixture_tear_down)

  g_test_add_func ("/cascade/app/secret-store/round-trip", test_secret_store);
  ADD ("sign-up", 0, test_sign_up);
  ADD ("sign-in-errors", 0, test_sign_in_errors);
  ADD ("restore", 0, test_restore);
  ADD ("restore/nothing-stored", 0, test_restore_nothing_stored);
  ADD ("restore/offline", 0, test_restore_offline);
  ADD ("restore/refused", 0, test_restore_refused);
  ADD ("sign-out", 0, test_sign_out);
  ADD ("sign-out/offline", 0, test_sign_out_offline);
  ADD ("server-url", 0, test_server_url);
  ADD ("in-memory", 0, test_in_memory);
  ADD ("refresh", SHORT_TTL, test_refresh);
  ADD ("refresh/refused", SHORT_TTL, test_refresh_refused);
  ADD ("refresh/retry", SHORT_TTL, test_refresh_retry);

#undef ADD

  return g_test_run ();
}
