/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-test.h"
#include "cascade-test-server.h"

/*
 * The account calls of the app (password reset, email verification, sessions,
 * password change, two-factor authentication, deleting the account) against a
 * real cascaded, whose mails land in its mail-outbox/ folder. TOTP codes are
 * computed by the test.
 */

#define PASSWORD "correct horse battery"
#define NEW_PASSWORD "a brand new passphrase"

typedef struct
{
  CascadeTestServer *server;
  char *outbox;
  GHashTable *seen_mail;
  CascadeSession *session; /* signed up in set-up, in memory only */
  char *username;
  char *email;
} Fixture;

/* Calls cascade_<kind>_<name>_async on obj with the arguments, waits, and is
 * what cascade_<kind>_<name>_finish returns. */
#define AWAIT(kind, name, obj, error, ...)                                                         \
  ({                                                                                               \
    g_autoptr (GAsyncResult) result_ = NULL;                                                       \
    cascade_##kind##_##name##_async (obj, __VA_ARGS__ __VA_OPT__ (, ) NULL,                        \
                                     cascade_test_keep_result, &result_);                          \
    cascade_##kind##_##name##_finish (obj, cascade_test_await (&result_, CASCADE_TEST_TIMEOUT_MS), \
                                      error);                                                      \
  })

static CascadeSession *
new_session (Fixture *f)
{
  return cascade_session_new_in_memory (cascade_test_server_get_url (f->server));
}

static gboolean
sign_in_otp (Fixture *f, CascadeSession *session, const char *otp, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_session_sign_in_with_otp_async (session, f->username, PASSWORD, otp, NULL,
                                          cascade_test_keep_result, &result);
  return cascade_session_sign_in_finish (
    session, cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS), error);
}

static CascadeSession *
signed_in (Fixture *f, const char *password)
{
  CascadeSession *session = new_session (f);
  g_autoptr (GError) error = NULL;

  g_assert_true (cascade_test_session_sign_in (session, f->username, password, &error));
  g_assert_no_error (error);
  return session;
}

static char *
next_mail (Fixture *f, const char *subject)
{
  char *mail = cascade_test_next_mail (f->outbox, f->email, subject, f->seen_mail, 30);

  if (mail == NULL)
    g_error ("no mail “%s” came to %s", subject, f->email);
  return mail;
}

static void
assert_server_error (const GError *error, CascadeClientError code, const char *server_code)
{
  g_assert_error (error, CASCADE_CLIENT_ERROR, (int) code);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, server_code);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->server = cascade_test_server_new (NULL);
  f->outbox = g_build_filename (cascade_test_server_get_data_dir (f->server), "mail-outbox", NULL);
  f->seen_mail = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->username = cascade_test_unique_name ("acct");
  f->email = g_strdup_printf ("%s@example.com", f->username);
  f->session = new_session (f);
  g_assert_true (
    cascade_test_session_sign_up (f->session, f->email, f->username, PASSWORD, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cascade_test_assert_finalized (g_steal_pointer (&f->session), CASCADE_TEST_TIMEOUT_MS);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_hash_table_unref (f->seen_mail);
  g_free (f->outbox);
  g_free (f->username);
  g_free (f->email);
}

/* Forgot password: the mailed code sets a new one, once; the old password and
 * every session stop working. */
static void
test_password_reset (Fixture *f, gconstpointer data)
{
  CascadeClient *client = cascade_session_get_client (f->session);
  g_autoptr (CascadeClient) anonymous =
    cascade_client_new (cascade_test_server_get_url (f->server));
  g_autoptr (CascadeSession) again = NULL;
  g_autoptr (CascadeUser) me = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *code = NULL;

  /* An unknown address gets the same answer. */
  g_assert_true (AWAIT (client, request_password_reset, anonymous, &error, "nobody@example.com"));
  g_assert_no_error (error);
  g_assert_true (AWAIT (client, request_password_reset, anonymous, &error, f->email));
  g_assert_no_error (error);
  mail = next_mail (f, "Reset your Cascade password");
  code = cascade_test_mail_code (mail);

  g_assert_false (
    AWAIT (client, confirm_password_reset, anonymous, &error, "not-a-code", NEW_PASSWORD));
  assert_server_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_email_token");
  g_clear_error (&error);
  g_assert_false (AWAIT (client, confirm_password_reset, anonymous, &error, code, "short"));
  assert_server_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_password");
  g_clear_error (&error);
  g_assert_true (AWAIT (client, confirm_password_reset, anonymous, &error, code, NEW_PASSWORD));
  g_assert_no_error (error);
  g_assert_false (AWAIT (client, confirm_password_reset, anonymous, &error, code, PASSWORD));
  assert_server_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_email_token");
  g_clear_error (&error);

  /* The session signed in before the reset is signed out. */
  me = cascade_test_session_get_me (f->session, &error);
  g_assert_null (me);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  g_clear_error (&error);
  (void) client;

  again = new_session (f);
  g_assert_false (cascade_test_session_sign_in (again, f->username, PASSWORD, &error));
  assert_server_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_credentials");
  g_clear_error (&error);
  g_assert_true (cascade_test_session_sign_in (again, f->username, NEW_PASSWORD, &error));
  g_assert_no_error (error);
}

/* The sign-up mail's code verifies the address; the session's user says so
 * once refreshed. Asking again mails again until it is verified. */
static void
test_verify_email (Fixture *f, gconstpointer data)
{
  CascadeClient *client = cascade_session_get_client (f->session);
  g_autoptr (GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *code = NULL;

  g_assert_false (cascade_user_get_email_verified (cascade_session_get_user (f->session)));
  first = next_mail (f, "Confirm your email address");
  g_assert_true (AWAIT (client, resend_verification, client, &error));
  g_assert_no_error (error);
  second = next_mail (f, "Confirm your email address");
  code = cascade_test_mail_code (second);

  g_assert_false (AWAIT (client, verify_email, client, &error, "wrong"));
  assert_server_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_email_token");
  g_clear_error (&error);
  g_assert_true (AWAIT (client, verify_email, client, &error, code));
  g_assert_no_error (error);
  g_assert_true (AWAIT (session, refresh_user, f->session, &error));
  g_assert_no_error (error);
  g_assert_true (cascade_user_get_email_verified (cascade_session_get_user (f->session)));
}

static GListStore *
list_sessions (CascadeSession *session)
{
  g_autoptr (GError) error = NULL;
  GListStore *list = AWAIT (client, list_sessions, cascade_session_get_client (session), &error);

  g_assert_no_error (error);
  g_assert_nonnull (list);
  return list;
}

static gboolean
still_signed_in (CascadeSession *session)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeUser) me = cascade_test_session_get_me (session, &error);

  if (me != NULL)
    return TRUE;
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  return FALSE;
}

/* The sessions list shows each sign-in with its device and address; one is
 * signed out by id, then all the others at once. */
static void
test_sessions (Fixture *f, gconstpointer data)
{
  CascadeClient *client = cascade_session_get_client (f->session);
  g_autoptr (CascadeSession) laptop = signed_in (f, PASSWORD);
  g_autoptr (CascadeSession) phone = signed_in (f, PASSWORD);
  g_autoptr (GListStore) list = list_sessions (f->session);
  g_autoptr (GListStore) after = NULL;
  g_autoptr (CascadeSessionInfo) first = NULL;
  g_autoptr (GError) error = NULL;
  const char *laptop_id = NULL;
  guint n_current = 0;

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (CascadeSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (list), i);

      g_assert_true (g_str_has_prefix (cascade_session_info_get_device (info), "Cascade/"));
      g_assert_cmpstr (cascade_session_info_get_address (info), ==, "127.0.0.1");
      g_assert_nonnull (cascade_session_info_get_last_used_at (info));
      n_current += cascade_session_info_get_current (info);
    }
  g_assert_cmpuint (n_current, ==, 1);

  /* The laptop's own list marks the laptop's session: sign that one out. */
  {
    g_autoptr (GListStore) own = list_sessions (laptop);

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (own)); i++)
      {
        g_autoptr (CascadeSessionInfo) info = g_list_model_get_item (G_LIST_MODEL (own), i);

        if (cascade_session_info_get_current (info))
          {
            first = g_object_ref (info);
            laptop_id = cascade_session_info_get_id (info);
          }
      }
  }
  g_assert_nonnull (laptop_id);
  g_assert_true (AWAIT (client, revoke_session, client, &error, laptop_id));
  g_assert_no_error (error);
  g_assert_false (still_signed_in (laptop));
  g_assert_true (still_signed_in (phone));
  g_assert_false (AWAIT (client, revoke_session, client, &error, laptop_id));
  assert_server_error (error, CASCADE_CLIENT_ERROR_NOT_FOUND, "not_found");
  g_clear_error (&error);

  g_assert_true (AWAIT (client, revoke_other_sessions, client, &error));
  g_assert_no_error (error);
  g_assert_false (still_signed_in (phone));
  g_assert_true (still_signed_in (f->session));
  after = list_sessions (f->session);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (after)), ==, 1);
}

/* Changing the password takes the current one, and signs out the others. */
static void
test_change_password (Fixture *f, gconstpointer data)
{
  CascadeClient *client = cascade_session_get_client (f->session);
  g_autoptr (CascadeSession) other = signed_in (f, PASSWORD);
  g_autoptr (CascadeSession) later = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (
    AWAIT (client, change_password, client, &error, "not the password", NEW_PASSWORD));
  assert_server_error (error, CASCADE_CLIENT_ERROR_FORBIDDEN, "wrong_password");
  g_clear_error (&error);
  g_assert_false (AWAIT (client, change_password, client, &error, PASSWORD, "password"));
  assert_server_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_password");
  g_clear_error (&error);
  g_assert_true (still_signed_in (other));

  g_assert_true (AWAIT (client, change_password, client, &error, PASSWORD, NEW_PASSWORD));
  g_assert_no_error (error);
  g_assert_false (still_signed_in (other));
  g_assert_true (still_signed_in (f->session));
  later = signed_in (f, NEW_PASSWORD);
}

/* Two-factor authentication: enrolment with a code computed here, ten
 * recovery codes, the sign-in asks for a code, a wrong one is refused, a
 * recovery code works once; turning it off takes the password. */
static void
test_totp (Fixture *f, gconstpointer data)
{
  CascadeClient *client = cascade_session_get_client (f->session);
  g_autoptr (CascadeTotpEnrolment) enrolment = NULL;
  g_autoptr (CascadeSession) phone = new_session (f);
  g_auto (GStrv) recovery = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *next = NULL;

  enrolment = AWAIT (client, begin_totp, client, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (enrolment->otpauth_uri, "otpauth://totp/"));
  g_assert_nonnull (strstr (enrolment->otpauth_uri, enrolment->secret));

  g_assert_null (AWAIT (client, confirm_totp, client, &error, "000000x"));
  assert_server_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_otp");
  g_clear_error (&error);
  code = cascade_test_totp (enrolment->secret, 0);
  recovery = AWAIT (client, confirm_totp, client, &error, code);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (recovery), ==, 10);
  g_assert_true (AWAIT (session, refresh_user, f->session, &error));
  g_assert_true (cascade_user_get_totp_enabled (cascade_session_get_user (f->session)));

  /* Sign-in now asks for the code. */
  g_assert_false (cascade_test_session_sign_in (phone, f->username, PASSWORD, &error));
  assert_server_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "otp_required");
  g_assert_cmpstr (cascade_client_error_get_field (error), ==, "otp");
  g_clear_error (&error);
  g_assert_false (sign_in_otp (f, phone, "123", &error));
  assert_server_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_otp");
  g_clear_error (&error);
  g_assert_cmpint (cascade_session_get_state (phone), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  next = cascade_test_totp (enrolment->secret, 1);
  g_assert_true (sign_in_otp (f, phone, next, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (phone), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  g_assert_true (cascade_test_session_sign_out (phone, &error));
  g_assert_true (sign_in_otp (f, phone, recovery[0], &error));
  g_assert_no_error (error);

  g_assert_false (AWAIT (client, disable_totp, client, &error, "not the password"));
  assert_server_error (error, CASCADE_CLIENT_ERROR_FORBIDDEN, "wrong_password");
  g_clear_error (&error);
  g_assert_true (AWAIT (client, disable_totp, client, &error, PASSWORD));
  g_assert_no_error (error);
  g_assert_true (AWAIT (session, refresh_user, f->session, &error));
  g_assert_false (cascade_user_get_totp_enabled (cascade_session_get_user (f->session)));
}

/* Deleting the account takes the password, signs out, and frees the name. */
static void
test_delete_account (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeSession) again = new_session (f);
  g_autoptr (GError) error = NULL;

  g_assert_false (AWAIT (session, delete_account, f->session, &error, "not the password"));
  assert_server_error (error, CASCADE_CLIENT_ERROR_FORBIDDEN, "wrong_password");
  g_clear_error (&error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);

  g_assert_true (AWAIT (session, delete_account, f->session, &error, PASSWORD));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (f->session));

  g_assert_false (cascade_test_session_sign_in (again, f->username, PASSWORD, &error));
  assert_server_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_credentials");
  g_clear_error (&error);
  g_assert_true (cascade_test_session_sign_up (again, f->email, f->username, PASSWORD, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/app/account/password-reset", test_password_reset);
  ADD ("/cascade/app/account/verify-email", test_verify_email);
  ADD ("/cascade/app/account/sessions", test_sessions);
  ADD ("/cascade/app/account/change-password", test_change_password);
  ADD ("/cascade/app/account/totp", test_totp);
  ADD ("/cascade/app/account/delete", test_delete_account);

  return g_test_run ();
}
