/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-test.h"
#include "cascade-test-server.h"

#define PASSWORD "correct horse battery"

/*
 * Run WITHOUT a session bus: no Secret Service can answer. Signing up and in
 * must still work, with the session in memory only, and say so through
 * secrets-available, without a single warning (G_DEBUG=fatal-warnings).
 */

static void
test_store_unavailable (void)
{
  g_autoptr (CascadeSecretStore) store = cascade_secret_store_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *token = NULL;

  cascade_secret_store_lookup_async (store, "http://127.0.0.1:1", NULL, cascade_test_keep_result,
                                     &result);
  token = cascade_secret_store_lookup_finish (
    store, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), &error);
  g_assert_null (token);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NO_SECRETS);
  g_clear_error (&error);
  g_clear_object (&result);

  cascade_secret_store_store_async (store, "http://127.0.0.1:1", "token", NULL,
                                    cascade_test_keep_result, &result);
  g_assert_false (cascade_secret_store_store_finish (
    store, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), &error));
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NO_SECRETS);
}

static void
test_sign_in_without_keyring (void)
{
  g_autoptr (CascadeTestServer) server = cascade_test_server_new (NULL);
  const char *url = cascade_test_server_get_url (server);
  CascadeSession *session = cascade_session_new (url);
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeUser) me = NULL;
  g_autofree char *username = cascade_test_unique_name ("nokeys");
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);
  guint secrets_notified = 0;

  cascade_test_count_notify (session, "secrets-available", &secrets_notified);

  /* Starting up finds nothing, and learns that nothing can be stored. */
  g_assert_true (cascade_test_session_restore (session, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_false (cascade_session_get_secrets_available (session));
  g_assert_cmpuint (secrets_notified, ==, 1);

  g_assert_true (cascade_test_session_sign_up (session, email, username, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_cmpstr (cascade_user_get_username (cascade_session_get_user (session)), ==, username);
  g_assert_false (cascade_session_get_secrets_available (session));
  me = cascade_test_session_get_me (session, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_username (me), ==, username);
  g_clear_object (&me);

  g_assert_true (cascade_test_session_sign_out (session, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);

  g_assert_true (cascade_test_session_sign_in (session, username, PASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_false (cascade_session_get_secrets_available (session));
  g_assert_cmpuint (secrets_notified, ==, 1);

  cascade_test_assert_finalized (session, CASCADE_TEST_TIMEOUT_MS);
}

int
main (int argc, char **argv)
{
  /* No session bus, and no X display to autolaunch one from. */
  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_unsetenv ("DISPLAY");

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/app/no-keyring/secret-store", test_store_unavailable);
  g_test_add_func ("/cascade/app/no-keyring/sign-in", test_sign_in_without_keyring);

  return g_test_run ();
}
