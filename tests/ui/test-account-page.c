/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * The real CascadeAccountPage under Xvfb, signed in to a real cascaded (its
 * mails in the server's mail-outbox/): the address and its verification, the
 * devices signed in, two-factor enrolment with a code computed here, the
 * password, and deleting the account through its confirmation dialog.
 */

#include <adwaita.h>

#include "cascade-account-page.h"
#include "cascade-session-info.h"
#include "cascade-session.h"
#include "cascade-test-server.h"
#include "cascade-ui-test.h"
#include "cascade-user.h"
#include "cascade-welcome-page.h"

#define PASSWORD "correct horse battery"
#define NEW_PASSWORD "a brand new passphrase"
#define WAIT_FOR CASCADE_UI_TEST_WAIT_FOR

typedef struct
{
  CascadeTestServer *server;
  CascadeSession *session;
  CascadeSession *other; /* the same account on a second device */
  GtkWindow *window;
  CascadeAccountPage *page;
  GHashTable *seen_mail;
} Fixture;

static gpointer
page_child (Fixture *f, const char *name)
{
  GObject *child =
    gtk_widget_get_template_child (GTK_WIDGET (f->page), CASCADE_TYPE_ACCOUNT_PAGE, name);

  g_assert_nonnull (child);
  return child;
}

static gboolean
signed_in (CascadeSession *session)
{
  return cascade_session_get_state (session) == CASCADE_SESSION_STATE_SIGNED_IN;
}

static gboolean
not_busy (Fixture *f)
{
  return !cascade_account_page_get_busy (f->page);
}

static guint
n_device_rows (Fixture *f)
{
  guint n = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (page_child (f, "sessions_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    n++;
  return n;
}

/* What a click does, on a button a person could click. */
static void
click (gpointer button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_is_drawable (button));
  g_signal_emit_by_name (button, "clicked");
}

/* Types into an entry row and presses its apply button. */
static void
apply (Fixture *f, const char *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (page_child (f, row)), text);
  g_signal_emit_by_name (page_child (f, row), "apply");
}

static gboolean
has_error (Fixture *f, const char *row)
{
  return gtk_widget_has_css_class (page_child (f, row), "error");
}

static const char *
subtitle (Fixture *f, const char *row)
{
  return adw_action_row_get_subtitle (page_child (f, row));
}

static void
keep_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Whether the session's tokens still work (GET /api/v1/me). */
static gboolean
still_signed_in (CascadeSession *session)
{
  CascadeClient *client = cascade_session_get_client (session);
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CascadeUser) me = NULL;
  g_autoptr (GError) error = NULL;

  cascade_client_get_me_async (client, NULL, keep_result, &result);
  WAIT_FOR (result != NULL);
  me = cascade_client_get_me_finish (client, result, &error);
  if (me != NULL)
    return TRUE;
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  return FALSE;
}

static char *
next_mail (Fixture *f, const char *subject)
{
  g_autofree char *outbox =
    g_build_filename (cascade_test_server_get_data_dir (f->server), "mail-outbox", NULL);
  CascadeUser *user = cascade_session_get_user (f->session);
  char *mail =
    cascade_test_next_mail (outbox, cascade_user_get_email (user), subject, f->seen_mail, 30);

  g_assert_nonnull (mail);
  return mail;
}

/* The "Sign Out" button of the one device row that has one. */
static GtkWidget *
other_device_button (Fixture *f)
{
  for (GtkWidget *row = gtk_widget_get_first_child (page_child (f, "sessions_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      for (GtkWidget *w = row; w != NULL;)
        {
          if (GTK_IS_BUTTON (w) && g_object_get_data (G_OBJECT (w), "session-id") != NULL)
            return w;
          /* Depth first through the row. */
          if (gtk_widget_get_first_child (w) != NULL)
            w = gtk_widget_get_first_child (w);
          else
            {
              while (w != row && gtk_widget_get_next_sibling (w) == NULL)
                w = gtk_widget_get_parent (w);
              w = w == row ? NULL : gtk_widget_get_next_sibling (w);
            }
        }
    }
  return NULL;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *name = NULL;
  g_autofree char *email = NULL;
  static guint counter;

  cascade_ui_test_use_system_data ();
  f->server = cascade_test_server_new (NULL);
  f->seen_mail = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  name = g_strdup_printf ("ada%u", ++counter);
  email = g_strdup_printf ("%s@example.org", name);
  f->session = cascade_session_new_in_memory (cascade_test_server_get_url (f->server));
  f->other = cascade_session_new_in_memory (cascade_test_server_get_url (f->server));
  cascade_session_sign_up_async (f->session, email, name, PASSWORD, "Ada Lovelace", NULL, NULL,
                                 NULL);
  WAIT_FOR (signed_in (f->session));
  cascade_session_sign_in_async (f->other, name, PASSWORD, NULL, NULL, NULL);
  WAIT_FOR (signed_in (f->other));

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 800, 900);
  f->page = CASCADE_ACCOUNT_PAGE (g_object_new (CASCADE_TYPE_ACCOUNT_PAGE, NULL));
  gtk_window_set_child (f->window, GTK_WIDGET (f->page));
  g_object_ref (f->window);
  gtk_window_present (f->window);
  cascade_account_page_set_session (f->page, f->session);
  WAIT_FOR (not_busy (f) && n_device_rows (f) == 2);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->page != NULL)
    WAIT_FOR (not_busy (f));
  gtk_window_destroy (f->window);
  g_assert_finalize_object (g_steal_pointer (&f->window));
  f->page = NULL;
  g_clear_object (&f->session);
  g_clear_object (&f->other);
  g_hash_table_unref (f->seen_mail);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
}

/* The page shows the account, and its two devices; one is signed out. */
static void
test_devices (Fixture *f, gconstpointer data)
{
  CascadeUser *user = cascade_session_get_user (f->session);

  g_assert_cmpstr (subtitle (f, "email_row"), ==, cascade_user_get_email (user));
  g_assert_cmpstr (gtk_label_get_text (page_child (f, "email_state_label")), ==, "Not Verified");
  g_assert_cmpstr (subtitle (f, "totp_row"), ==, "Off: sign-in asks only for your password");
  g_assert_cmpuint (n_device_rows (f), ==, 2);

  click (other_device_button (f));
  WAIT_FOR (not_busy (f) && n_device_rows (f) == 1);
  g_assert_null (other_device_button (f));
  g_assert_false (still_signed_in (f->other));
  g_assert_true (still_signed_in (f->session));
  g_assert_false (gtk_widget_get_sensitive (page_child (f, "sign_out_others_button")));
}

/* The code from the mail, typed in, verifies the address. */
static void
test_verify_email (Fixture *f, gconstpointer data)
{
  g_autofree char *mail = next_mail (f, "Confirm your email address");
  g_autofree char *code = cascade_test_mail_code (mail);

  g_assert_true (gtk_widget_get_visible (page_child (f, "verify_row")));
  apply (f, "verify_row", "not the code");
  WAIT_FOR (not_busy (f));
  g_assert_true (has_error (f, "verify_row"));
  apply (f, "verify_row", code);
  WAIT_FOR (not_busy (f) &&
            cascade_user_get_email_verified (cascade_session_get_user (f->session)));
  g_assert_cmpstr (gtk_label_get_text (page_child (f, "email_state_label")), ==, "Verified");
  g_assert_false (gtk_widget_get_visible (page_child (f, "verify_row")));
  g_assert_false (gtk_widget_get_visible (page_child (f, "resend_button")));
}

/* Enrolment shows a QR code and the key; the app's code turns it on and the
 * recovery codes are shown once; the password turns it off. */
static void
test_two_factor (Fixture *f, gconstpointer data)
{
  GdkPaintable *qr;
  g_autofree char *code = NULL;
  const char *secret;

  click (page_child (f, "totp_setup_button"));
  WAIT_FOR (not_busy (f) && gtk_widget_get_visible (page_child (f, "enrol_group")));
  qr = gtk_picture_get_paintable (page_child (f, "qr_picture"));
  g_assert_nonnull (qr);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (qr), >=, 21 * 5);
  secret = gtk_label_get_text (page_child (f, "secret_label"));
  g_assert_cmpuint (strlen (secret), ==, 32);

  apply (f, "enrol_code_row", "000000x");
  WAIT_FOR (not_busy (f));
  g_assert_true (has_error (f, "enrol_code_row"));
  code = cascade_test_totp (secret, 0);
  apply (f, "enrol_code_row", code);
  WAIT_FOR (not_busy (f) && gtk_widget_get_visible (page_child (f, "recovery_group")));
  WAIT_FOR (cascade_user_get_totp_enabled (cascade_session_get_user (f->session)));
  {
    g_auto (GStrv) codes =
      g_strsplit_set (gtk_label_get_text (page_child (f, "recovery_label")), " \n", -1);
    guint n = 0;

    for (guint i = 0; codes[i] != NULL; i++)
      n += *codes[i] != '\0';
    g_assert_cmpuint (n, ==, 10);
  }
  g_assert_false (gtk_widget_get_visible (page_child (f, "enrol_group")));
  g_assert_null (gtk_picture_get_paintable (page_child (f, "qr_picture")));
  g_assert_cmpstr (subtitle (f, "totp_row"), ==, "On: sign-in asks for a code from your app");
  click (page_child (f, "recovery_done_button"));
  g_assert_false (gtk_widget_get_visible (page_child (f, "recovery_group")));
  g_assert_cmpstr (gtk_label_get_text (page_child (f, "recovery_label")), ==, "");

  g_assert_true (gtk_widget_get_visible (page_child (f, "totp_disable_row")));
  apply (f, "totp_disable_row", "not the password");
  WAIT_FOR (not_busy (f));
  g_assert_true (has_error (f, "totp_disable_row"));
  apply (f, "totp_disable_row", PASSWORD);
  WAIT_FOR (not_busy (f) && !cascade_user_get_totp_enabled (cascade_session_get_user (f->session)));
  g_assert_cmpstr (subtitle (f, "totp_row"), ==, "Off: sign-in asks only for your password");
  g_assert_true (gtk_widget_get_visible (page_child (f, "totp_setup_button")));
}

/* A wrong current password is marked; the right one changes it and signs the
 * other device out. */
static void
test_change_password (Fixture *f, gconstpointer data)
{
  gtk_editable_set_text (page_child (f, "current_password_row"), "not the password");
  gtk_editable_set_text (page_child (f, "new_password_row"), NEW_PASSWORD);
  click (page_child (f, "change_password_button"));
  WAIT_FOR (not_busy (f));
  g_assert_true (has_error (f, "current_password_row"));
  g_assert_true (still_signed_in (f->other));

  gtk_editable_set_text (page_child (f, "current_password_row"), PASSWORD);
  g_assert_false (has_error (f, "current_password_row"));
  click (page_child (f, "change_password_button"));
  WAIT_FOR (not_busy (f) && n_device_rows (f) == 1);
  g_assert_cmpstr (gtk_editable_get_text (page_child (f, "current_password_row")), ==, "");
  g_assert_cmpstr (gtk_editable_get_text (page_child (f, "new_password_row")), ==, "");
  g_assert_false (still_signed_in (f->other));
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* Delete asks first, with the password; then the session is signed out. */
static void
test_delete (Fixture *f, gconstpointer data)
{
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  click (page_child (f, "delete_button"));
  WAIT_FOR ((dialog = find_dialog ()) != NULL);
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "delete"));
  /* What the Cancel button does. */
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_close (GTK_WINDOW (dialog));
  WAIT_FOR (find_dialog () == NULL);
  g_assert_true (signed_in (f->session));

  click (page_child (f, "delete_button"));
  WAIT_FOR ((dialog = find_dialog ()) != NULL);
  entry = adw_message_dialog_get_extra_child (dialog);
  gtk_editable_set_text (GTK_EDITABLE (entry), PASSWORD);
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "delete"));
  adw_message_dialog_response (dialog, "delete");
  gtk_window_close (GTK_WINDOW (dialog));
  WAIT_FOR (not_busy (f) && !signed_in (f->session));
  g_assert_false (still_signed_in (f->other));
}

/* ---- the welcome page: forgot password, the two-factor step -------------- */

static gpointer
welcome_child (CascadeWelcomePage *welcome, const char *name)
{
  GObject *child =
    gtk_widget_get_template_child (GTK_WIDGET (welcome), CASCADE_TYPE_WELCOME_PAGE, name);

  g_assert_nonnull (child);
  return child;
}

static void
welcome_type (CascadeWelcomePage *welcome, const char *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (welcome_child (welcome, row)), text);
}

static gboolean
welcome_shows (CascadeWelcomePage *welcome, const char *name)
{
  return gtk_widget_get_visible (welcome_child (welcome, name));
}

/* A window with a welcome page signing in to a fresh in-memory session. */
static CascadeWelcomePage *
welcome_new (Fixture *f, CascadeSession **out_session)
{
  CascadeWelcomePage *welcome = g_object_new (CASCADE_TYPE_WELCOME_PAGE, NULL);

  WAIT_FOR (not_busy (f));
  f->page = NULL; /* replaced */
  *out_session = cascade_session_new_in_memory (cascade_test_server_get_url (f->server));
  cascade_welcome_page_set_session (welcome, *out_session);
  gtk_window_set_child (f->window, GTK_WIDGET (welcome));
  cascade_welcome_page_set_form (welcome, CASCADE_WELCOME_FORM_SIGN_IN);
  return welcome;
}

/* Forgot password: the address, the mailed code and a new password; then
 * signing in with it. */
static void
test_welcome_forgot_password (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeSession) session = NULL;
  CascadeWelcomePage *welcome = welcome_new (f, &session);
  const char *email = cascade_user_get_email (cascade_session_get_user (f->session));
  g_autofree char *mail = NULL;
  g_autofree char *code = NULL;

  welcome_type (welcome, "sign_in_login_row", email);
  click (welcome_child (welcome, "forgot_button"));
  g_assert_true (welcome_shows (welcome, "reset_box"));
  g_assert_false (welcome_shows (welcome, "form_stack"));
  g_assert_cmpstr (gtk_editable_get_text (welcome_child (welcome, "reset_email_row")), ==, email);
  click (welcome_child (welcome, "reset_send_button"));
  WAIT_FOR (!cascade_welcome_page_get_busy (welcome) && welcome_shows (welcome, "reset_code_row"));

  mail = next_mail (f, "Reset your Cascade password");
  code = cascade_test_mail_code (mail);
  welcome_type (welcome, "reset_code_row", "not the code");
  welcome_type (welcome, "reset_password_row", NEW_PASSWORD);
  click (welcome_child (welcome, "reset_confirm_button"));
  WAIT_FOR (!cascade_welcome_page_get_busy (welcome));
  g_assert_true (gtk_widget_has_css_class (welcome_child (welcome, "reset_code_row"), "error"));
  welcome_type (welcome, "reset_code_row", code);
  click (welcome_child (welcome, "reset_confirm_button"));
  WAIT_FOR (!cascade_welcome_page_get_busy (welcome) && welcome_shows (welcome, "form_stack"));
  g_assert_false (welcome_shows (welcome, "reset_box"));
  g_assert_cmpstr (gtk_label_get_text (welcome_child (welcome, "sign_in_password_message")), ==,
                   "Your password is changed. Sign in with the new one.");

  /* Every session was signed out; the new password signs in. */
  g_assert_false (still_signed_in (f->session));
  welcome_type (welcome, "sign_in_password_row", NEW_PASSWORD);
  click (welcome_child (welcome, "submit_button"));
  WAIT_FOR (signed_in (session));
}

/* An account with two-factor authentication: sign-in asks for the code,
 * refuses a wrong one, and takes the right one. */
static void
test_welcome_two_factor (Fixture *f, gconstpointer data)
{
  CascadeClient *client = cascade_session_get_client (f->session);
  g_autoptr (CascadeSession) session = NULL;
  g_autoptr (GAsyncResult) begun = NULL;
  g_autoptr (GAsyncResult) confirmed = NULL;
  g_autoptr (CascadeTotpEnrolment) enrolment = NULL;
  g_auto (GStrv) recovery = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *next = NULL;
  CascadeWelcomePage *welcome;

  cascade_client_begin_totp_async (client, NULL, keep_result, &begun);
  WAIT_FOR (begun != NULL);
  enrolment = cascade_client_begin_totp_finish (client, begun, &error);
  g_assert_no_error (error);
  code = cascade_test_totp (enrolment->secret, 0);
  cascade_client_confirm_totp_async (client, code, NULL, keep_result, &confirmed);
  WAIT_FOR (confirmed != NULL);
  recovery = cascade_client_confirm_totp_finish (client, confirmed, &error);
  g_assert_no_error (error);

  welcome = welcome_new (f, &session);
  welcome_type (welcome, "sign_in_login_row",
                cascade_user_get_username (cascade_session_get_user (f->session)));
  welcome_type (welcome, "sign_in_password_row", PASSWORD);
  click (welcome_child (welcome, "submit_button"));
  WAIT_FOR (!cascade_welcome_page_get_busy (welcome) && welcome_shows (welcome, "otp_box"));
  g_assert_false (welcome_shows (welcome, "form_stack"));
  g_assert_false (signed_in (session));

  welcome_type (welcome, "otp_row", "123456x");
  click (welcome_child (welcome, "otp_submit_button"));
  WAIT_FOR (!cascade_welcome_page_get_busy (welcome));
  g_assert_true (gtk_widget_has_css_class (welcome_child (welcome, "otp_row"), "error"));
  g_assert_true (welcome_shows (welcome, "form_error"));
  g_assert_true (welcome_shows (welcome, "otp_box"));

  /* The code of the next step: the one enrolment used is spent. */
  next = cascade_test_totp (enrolment->secret, 1);
  welcome_type (welcome, "otp_row", next);
  click (welcome_child (welcome, "otp_submit_button"));
  WAIT_FOR (signed_in (session));
}

int
main (int argc, char *argv[])
{
  cascade_ui_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/ui/account/devices", test_devices);
  ADD ("/cascade/ui/account/verify-email", test_verify_email);
  ADD ("/cascade/ui/account/two-factor", test_two_factor);
  ADD ("/cascade/ui/account/change-password", test_change_password);
  ADD ("/cascade/ui/account/delete", test_delete);
  ADD ("/cascade/ui/welcome/forgot-password", test_welcome_forgot_password);
  ADD ("/cascade/ui/welcome/two-factor", test_welcome_two_factor);

  return g_test_run ();
}
