/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * The whole app as `cascade` runs it (g_application_run with a command line)
 * under Xvfb, against a real cascaded and a real keyring: `--server URL` and
 * the account ./dev run passes in the environment.
 */

#include <adwaita.h>

#include "cascade-application.h"
#include "cascade-secret-store.h"
#include "cascade-session.h"
#include "cascade-test-server.h"
#include "cascade-ui-test.h"
#include "cascade-window.h"

#define DEV_USERNAME "demo"
#define DEV_PASSWORD "cascade-demo"

typedef struct
{
  CascadeTestServer *server;
  CascadeApplication *app;
  CascadeWindow *window;
  guint poll_id;
  gint64 deadline;

  /* What the window showed once the app settled. */
  char *shown_view;
  char *signed_in_as;
  gboolean dev_login_visible;
  gboolean timed_out;

  /* The restore-failure test. */
  char *toast_text;
  guint restores_seen;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->server = cascade_test_server_new (NULL);
  f->app = cascade_application_new ();
  g_application_set_flags (G_APPLICATION (f->app), G_APPLICATION_NON_UNIQUE);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_handle_id (&f->poll_id, g_source_remove);
  g_assert_finalize_object (g_steal_pointer (&f->app));
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_free (f->shown_view);
  g_free (f->signed_in_as);
  g_free (f->toast_text);
}

static void
on_startup (GApplication *app, Fixture *f)
{
  /* GTK is initialised now; the window is not built yet. */
  cascade_ui_test_use_system_data ();
}

static void
quit (Fixture *f)
{
  g_clear_handle_id (&f->poll_id, g_source_remove);
  /* Closing the last window ends g_application_run. */
  gtk_window_destroy (GTK_WINDOW (f->window));
}

/* Waits for the app to settle signed in, notes what it shows, and closes it. */
static gboolean
poll_signed_in (gpointer user_data)
{
  Fixture *f = user_data;
  CascadeSession *session = cascade_application_get_session (f->app);
  GtkStack *stack = GTK_STACK (
    gtk_widget_get_template_child (GTK_WIDGET (f->window), CASCADE_TYPE_WINDOW, "main_stack"));
  CascadeUser *user = cascade_session_get_user (session);

  if (g_get_monotonic_time () > f->deadline)
    {
      f->timed_out = TRUE;
      quit (f);
      return G_SOURCE_REMOVE;
    }
  if (cascade_session_get_state (session) != CASCADE_SESSION_STATE_SIGNED_IN || user == NULL)
    return G_SOURCE_CONTINUE;

  f->poll_id = 0;
  f->shown_view = g_strdup (gtk_stack_get_visible_child_name (stack));
  f->signed_in_as = g_strdup (cascade_user_get_username (user));
  f->dev_login_visible =
    g_getenv ("CASCADE_DEV_LOGIN") != NULL || g_getenv ("CASCADE_DEV_PASSWORD") != NULL;
  quit (f);
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app, Fixture *f)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    {
      if (CASCADE_IS_WINDOW (l->data))
        f->window = l->data;
    }
  g_assert_nonnull (f->window);

  f->deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  f->poll_id = g_timeout_add (20, poll_signed_in, f);
}

static void
test_dev_sign_in (Fixture *f, gconstpointer data)
{
  const char *url = cascade_test_server_get_url (f->server);
  char *argv[] = { (char *) "cascade", (char *) "--server", (char *) url, NULL };
  g_autofree char *setting = NULL;

  /* What ./dev run does: a demo account, passed in the environment. */
  g_assert_cmpuint (cascade_test_server_request (f->server, "POST", "/api/v1/auth/register", NULL,
                                                 "{\"email\": \"demo@cascade.invalid\", "
                                                 "\"username\": \"" DEV_USERNAME "\", "
                                                 "\"password\": \"" DEV_PASSWORD "\"}",
                                                 NULL),
                    ==, 201);
  g_setenv ("CASCADE_DEV_LOGIN", DEV_USERNAME, TRUE);
  g_setenv ("CASCADE_DEV_PASSWORD", DEV_PASSWORD, TRUE);

  g_signal_connect_after (f->app, "startup", G_CALLBACK (on_startup), f);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (on_activate), f);
  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), G_N_ELEMENTS (argv) - 1, argv), ==,
                   0);

  /* Opened signed in as the demo account, on the server from the command
   * line, which is kept in the settings for next time. */
  g_assert_false (f->timed_out);
  g_assert_cmpstr (f->signed_in_as, ==, DEV_USERNAME);
  g_assert_cmpstr (f->shown_view, ==, "main");
  setting = g_settings_get_string (cascade_application_get_settings (f->app), "server-url");
  g_assert_cmpstr (setting, ==, url);
  g_assert_cmpstr (cascade_session_get_server_url (cascade_application_get_session (f->app)), ==,
                   url);

  /* The password went no further than the app. */
  g_assert_false (f->dev_login_visible);
  g_assert_null (g_getenv ("CASCADE_DEV_PASSWORD"));
}

static void
on_signed_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (cascade_session_sign_in_finish (CASCADE_SESSION (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_dev_sign_in_replaces_other_account (Fixture *f, gconstpointer data)
{
  const char *url = cascade_test_server_get_url (f->server);
  char *argv[] = { (char *) "cascade", (char *) "--server", (char *) url, NULL };
  g_autoptr (CascadeSession) earlier = cascade_session_new (url);
  gboolean done = FALSE;

  /* Someone else signed in with this app before: their session is in the
   * keyring and comes back at start. */
  g_assert_cmpuint (cascade_test_server_request (f->server, "POST", "/api/v1/auth/register", NULL,
                                                 "{\"email\": \"ada@example.org\", "
                                                 "\"username\": \"ada\", "
                                                 "\"password\": \"analytical\"}",
                                                 NULL),
                    ==, 201);
  g_assert_cmpuint (cascade_test_server_request (f->server, "POST", "/api/v1/auth/register", NULL,
                                                 "{\"email\": \"demo@cascade.invalid\", "
                                                 "\"username\": \"" DEV_USERNAME "\", "
                                                 "\"password\": \"" DEV_PASSWORD "\"}",
                                                 NULL),
                    ==, 201);
  cascade_session_sign_in_async (earlier, "ada", "analytical", NULL, on_signed_in, &done);
  CASCADE_UI_TEST_WAIT_FOR (done);
  g_clear_object (&earlier);

  g_setenv ("CASCADE_DEV_LOGIN", DEV_USERNAME, TRUE);
  g_setenv ("CASCADE_DEV_PASSWORD", DEV_PASSWORD, TRUE);
  g_signal_connect_after (f->app, "startup", G_CALLBACK (on_startup), f);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (on_activate), f);
  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), G_N_ELEMENTS (argv) - 1, argv), ==,
                   0);

  /* ./dev run means the demo account, whoever was signed in before. */
  g_assert_false (f->timed_out);
  g_assert_cmpstr (f->signed_in_as, ==, DEV_USERNAME);
  g_assert_cmpstr (f->shown_view, ==, "main");
}

static void
on_token_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_true (cascade_secret_store_store_finish (CASCADE_SECRET_STORE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

/* The text of the first toast the window shows, or NULL. */
static char *
dup_toast_text (GtkWidget *widget, gboolean in_toast)
{
  in_toast = in_toast || g_str_equal (gtk_widget_get_css_name (widget), "toast");
  if (in_toast && GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0')
    return g_strdup (gtk_label_get_text (GTK_LABEL (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      char *text = dup_toast_text (child, in_toast);

      if (text != NULL)
        return text;
    }
  return NULL;
}

static void
on_session_state (CascadeSession *session, GParamSpec *pspec, Fixture *f)
{
  if (cascade_session_get_state (session) == CASCADE_SESSION_STATE_RESTORING)
    f->restores_seen++;
}

/* Waits for the toast about the unreachable server, presses its Retry, and
 * waits for the second attempt to fail too. */
static gboolean
poll_toast (gpointer user_data)
{
  Fixture *f = user_data;
  CascadeSession *session = cascade_application_get_session (f->app);
  g_autofree char *text = dup_toast_text (GTK_WIDGET (f->window), FALSE);

  if (g_get_monotonic_time () > f->deadline)
    {
      f->timed_out = TRUE;
      quit (f);
      return G_SOURCE_REMOVE;
    }
  if (text == NULL || cascade_session_get_state (session) == CASCADE_SESSION_STATE_RESTORING)
    return G_SOURCE_CONTINUE;

  if (f->toast_text == NULL)
    {
      f->toast_text = g_steal_pointer (&text);
      g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (f->app), "reconnect"));
      g_action_group_activate_action (G_ACTION_GROUP (f->app), "reconnect", NULL);
      return G_SOURCE_CONTINUE;
    }
  if (f->restores_seen < 2)
    return G_SOURCE_CONTINUE;

  f->poll_id = 0;
  quit (f);
  return G_SOURCE_REMOVE;
}

static void
on_activate_for_toast (GApplication *app, Fixture *f)
{
  on_activate (app, f);
  g_source_remove (f->poll_id);
  f->poll_id = g_timeout_add (20, poll_toast, f);
}

static void
on_startup_for_toast (GApplication *app, Fixture *f)
{
  on_startup (app, f);
  /* The restore started in the application's startup, before us. */
  f->restores_seen = 1;
  g_signal_connect (cascade_application_get_session (f->app), "notify::state",
                    G_CALLBACK (on_session_state), f);
}

static void
test_restore_failure_offers_retry (Fixture *f, gconstpointer data)
{
  g_autofree char *url = g_strdup (cascade_test_server_get_url (f->server));
  char *argv[] = { (char *) "cascade", (char *) "--server", url, NULL };
  g_autoptr (CascadeSecretStore) store = cascade_secret_store_new ();
  g_autofree char *expected = g_strdup_printf ("Could not reach the server at %s", url);
  gboolean stored = FALSE;

  /* Signed in last time, but the server is gone now. */
  cascade_secret_store_store_async (store, url, "a-refresh-token", NULL, on_token_stored, &stored);
  CASCADE_UI_TEST_WAIT_FOR (stored);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);

  g_signal_connect_after (f->app, "startup", G_CALLBACK (on_startup_for_toast), f);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (on_activate_for_toast), f);
  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), G_N_ELEMENTS (argv) - 1, argv), ==,
                   0);

  /* A toast says so and offers to retry; Retry tries again. */
  g_assert_false (f->timed_out);
  g_assert_cmpstr (f->toast_text, ==, expected);
  g_assert_cmpuint (f->restores_seen, ==, 2);
}

static void
test_bad_server_option (Fixture *f, gconstpointer data)
{
  char *argv[] = { (char *) "cascade", (char *) "--server", (char *) "ftp://example.org", NULL };
  g_autofree char *before = NULL;
  g_autofree char *setting = NULL;

  before = g_settings_get_string (cascade_application_get_settings (f->app), "server-url");
  g_signal_connect_after (f->app, "activate", G_CALLBACK (on_activate), f);

  /* Refused before any window opens; the setting is left alone. */
  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), G_N_ELEMENTS (argv) - 1, argv), ==,
                   1);
  g_assert_null (f->window);
  setting = g_settings_get_string (cascade_application_get_settings (f->app), "server-url");
  g_assert_cmpstr (setting, ==, before);
}

int
main (int argc, char *argv[])
{
  cascade_ui_test_init (&argc, &argv);

  g_test_add ("/cascade/ui/application/dev-sign-in", Fixture, NULL, fixture_set_up,
              test_dev_sign_in, fixture_tear_down);
  g_test_add ("/cascade/ui/application/dev-sign-in-replaces-other-account", Fixture, NULL,
              fixture_set_up, test_dev_sign_in_replaces_other_account, fixture_tear_down);
  g_test_add ("/cascade/ui/application/restore-failure-offers-retry", Fixture, NULL, fixture_set_up,
              test_restore_failure_offers_retry, fixture_tear_down);
  g_test_add ("/cascade/ui/application/bad-server-option", Fixture, NULL, fixture_set_up,
              test_bad_server_option, fixture_tear_down);

  return g_test_run ();
}
