/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-account-page.h"

#include <glib/gi18n.h>

#include "cascade-error-text.h"
#include "cascade-qr-code.h"
#include "cascade-session-info.h"
#include "cascade-session.h"
#include "cascade-user.h"

#define QR_MODULE_PIXELS 5

struct _CascadeAccountPage
{
  AdwBin parent_instance;

  CascadeSession *session;
  GCancellable *cancellable;
  guint n_pending;

  AdwToastOverlay *toast_overlay; /* the bin's child (not bound: AdwBin unparents it) */
  AdwActionRow *identity_row;
  AdwAvatar *avatar;
  AdwActionRow *email_row;
  GtkImage *email_state_icon;
  GtkLabel *email_state_label;
  GtkButton *resend_button;
  AdwEntryRow *verify_row;
  GtkListBox *sessions_list;
  GtkButton *sign_out_others_button;
  AdwPasswordEntryRow *current_password_row;
  AdwPasswordEntryRow *new_password_row;
  GtkButton *change_password_button;
  AdwActionRow *totp_row;
  GtkImage *totp_icon;
  GtkButton *totp_setup_button;
  AdwPasswordEntryRow *totp_disable_row;
  AdwPreferencesGroup *enrol_group;
  GtkPicture *qr_picture;
  GtkLabel *secret_label;
  AdwEntryRow *enrol_code_row;
  AdwPreferencesGroup *recovery_group;
  GtkLabel *recovery_label;
  GtkButton *recovery_done_button;
  GtkButton *delete_button;
  AdwMessageDialog *delete_dialog; /* weak */
};

G_DEFINE_FINAL_TYPE (CascadeAccountPage, cascade_account_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- requests -------------------------------------------------------------- */

static void
begin_request (CascadeAccountPage *self)
{
  if (self->n_pending++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* Ends a request: FALSE when the page has gone away meanwhile (then nothing
 * of it may be touched) or the request was interrupted; an error is shown. */
static gboolean
end_request (CascadeAccountPage *self, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->session == NULL)
    {
      if (--self->n_pending == 0)
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
      return FALSE;
    }
  if (error != NULL)
    {
      g_autofree char *text =
        cascade_error_text (error, cascade_session_get_server_url (self->session));

      g_debug ("account: the server refused: %s", error->message);
      adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
    }
  if (--self->n_pending == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  return TRUE;
}

static void
toast (CascadeAccountPage *self, const char *text)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

static CascadeClient *
client (CascadeAccountPage *self)
{
  return cascade_session_get_client (self->session);
}

static void
mark_error (gpointer row, gboolean error)
{
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

/* Marks @row when @error is about what was typed in it. */
static void
mark_if (gpointer row, const GError *error, const char *const *codes)
{
  const char *code = error != NULL ? cascade_client_error_get_code (error) : NULL;

  mark_error (row, code != NULL && g_strv_contains (codes, code));
}

/* Empties an entry (and only one that has text: an empty AdwEntryRow left
 * alone starts no animation). */
static void
clear_text (gpointer editable)
{
  if (*gtk_editable_get_text (GTK_EDITABLE (editable)) != '\0')
    gtk_editable_set_text (GTK_EDITABLE (editable), "");
}

static void
refresh_user_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;

  cascade_session_refresh_user_finish (CASCADE_SESSION (source), result, &error);
  end_request (self, error);
}

static void
refresh_user (CascadeAccountPage *self)
{
  begin_request (self);
  cascade_session_refresh_user_async (self->session, self->cancellable, refresh_user_cb,
                                      g_object_ref (self));
}

/* ---- the user -------------------------------------------------------------- */

static void
update_user (CascadeAccountPage *self)
{
  CascadeUser *user = self->session != NULL ? cascade_session_get_user (self->session) : NULL;
  g_autofree char *username = NULL;
  gboolean verified;
  gboolean totp;

  if (user == NULL)
    return;

  username = g_strdup_printf ("@%s", cascade_user_get_username (user));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->identity_row),
                                 cascade_user_get_display_name (user));
  adw_action_row_set_subtitle (self->identity_row, username);
  adw_avatar_set_text (self->avatar, cascade_user_get_display_name (user));
  adw_action_row_set_subtitle (self->email_row, cascade_user_get_email (user));

  verified = cascade_user_get_email_verified (user);
  gtk_image_set_from_icon_name (self->email_state_icon,
                                verified ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  gtk_label_set_text (self->email_state_label, verified ? _ ("Verified") : _ ("Not Verified"));
  if (verified)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->email_state_icon), "success");
      gtk_widget_remove_css_class (GTK_WIDGET (self->email_state_icon), "warning");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->email_state_icon), "warning");
      gtk_widget_remove_css_class (GTK_WIDGET (self->email_state_icon), "success");
    }
  gtk_widget_set_visible (GTK_WIDGET (self->resend_button), !verified);
  gtk_widget_set_visible (GTK_WIDGET (self->verify_row), !verified);

  totp = cascade_user_get_totp_enabled (user);
  adw_action_row_set_subtitle (self->totp_row, totp
                                                 ? _ ("On: sign-in asks for a code from your app")
                                                 : _ ("Off: sign-in asks only for your password"));
  gtk_image_set_from_icon_name (self->totp_icon,
                                totp ? "security-high-symbolic" : "security-low-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->totp_setup_button),
                          !totp && !gtk_widget_get_visible (GTK_WIDGET (self->enrol_group)));
  gtk_widget_set_visible (GTK_WIDGET (self->totp_disable_row), totp);
  if (totp)
    gtk_widget_set_visible (GTK_WIDGET (self->enrol_group), FALSE);
}

/* ---- email ----------------------------------------------------------------- */

static void
resend_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;

  cascade_client_resend_verification_finish (CASCADE_CLIENT (source), result, &error);
  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->resend_button), TRUE);
  if (error == NULL)
    toast (self, _ ("A new code is on its way. Look in your mail."));
}

static void
on_resend_clicked (CascadeAccountPage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->resend_button), FALSE);
  begin_request (self);
  cascade_client_resend_verification_async (client (self), self->cancellable, resend_cb,
                                            g_object_ref (self));
}

static void
verify_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  static const char *const codes[] = { "invalid_email_token", "missing_field", NULL };
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;

  cascade_client_verify_email_finish (CASCADE_CLIENT (source), result, &error);
  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->verify_row), TRUE);
  mark_if (self->verify_row, error, codes);
  if (error != NULL)
    return;
  clear_text (self->verify_row);
  toast (self, _ ("Your email address is confirmed."));
  refresh_user (self);
}

static void
on_verify_apply (CascadeAccountPage *self)
{
  g_autofree char *token =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->verify_row))));

  if (*token == '\0')
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->verify_row), FALSE);
  begin_request (self);
  cascade_client_verify_email_async (client (self), token, self->cancellable, verify_cb,
                                     g_object_ref (self));
}

/* ---- devices --------------------------------------------------------------- */

static char *
describe_last_use (GDateTime *when)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) local = g_date_time_to_local (when);
  GTimeSpan ago = g_date_time_difference (now, when);
  int n;

  if (ago < 2 * G_TIME_SPAN_MINUTE)
    return g_strdup (_ ("Active now"));
  if (ago < G_TIME_SPAN_HOUR)
    {
      n = (int) (ago / G_TIME_SPAN_MINUTE);
      return g_strdup_printf (ngettext ("Last used %d minute ago", "Last used %d minutes ago", n),
                              n);
    }
  if (ago < G_TIME_SPAN_DAY)
    {
      n = (int) (ago / G_TIME_SPAN_HOUR);
      return g_strdup_printf (ngettext ("Last used %d hour ago", "Last used %d hours ago", n), n);
    }
  {
    /* Translators: a date, as in "Last used 3 March 2026"; see g_date_time_format(). */
    g_autofree char *date = g_date_time_format (local, _ ("%-d %B %Y"));

    /* Translators: %s is a date. */
    return g_strdup_printf (_ ("Last used %s"), date);
  }
}

static void revoke_clicked (GtkButton *button, CascadeAccountPage *self);

static GtkWidget *
session_row_new (CascadeAccountPage *self, CascadeSessionInfo *info)
{
  const char *device = cascade_session_info_get_device (info);
  const char *address = cascade_session_info_get_address (info);
  g_autofree char *when = describe_last_use (cascade_session_info_get_last_used_at (info));
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("computer-symbolic");

  subtitle = address != NULL ? g_strdup_printf ("%s · %s", address, when) : g_strdup (when);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 device != NULL ? device : _ ("Unknown Device"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_widget_set_name (row, cascade_session_info_get_id (info));

  if (cascade_session_info_get_current (info))
    {
      GtkWidget *label = gtk_label_new (_ ("This Device"));

      gtk_widget_add_css_class (label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  else
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_ ("Sign _Out"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data_full (G_OBJECT (button), "session-id",
                              g_strdup (cascade_session_info_get_id (info)), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (revoke_clicked), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
show_sessions (CascadeAccountPage *self, GListModel *sessions)
{
  GtkWidget *child;
  guint n_others = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sessions_list))) != NULL)
    gtk_list_box_remove (self->sessions_list, child);
  for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
    {
      g_autoptr (CascadeSessionInfo) info = g_list_model_get_item (sessions, i);

      gtk_list_box_append (self->sessions_list, session_row_new (self, info));
      n_others += !cascade_session_info_get_current (info);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_out_others_button), n_others > 0);
}

static void
list_sessions_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListStore) sessions =
    cascade_client_list_sessions_finish (CASCADE_CLIENT (source), result, &error);

  if (!end_request (self, error) || sessions == NULL)
    return;
  show_sessions (self, G_LIST_MODEL (sessions));
}

static void
load_sessions (CascadeAccountPage *self)
{
  begin_request (self);
  cascade_client_list_sessions_async (client (self), self->cancellable, list_sessions_cb,
                                      g_object_ref (self));
}

static void
revoke_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (g_task_get_source_tag (G_TASK (result)) == cascade_client_revoke_session_async)
    cascade_client_revoke_session_finish (CASCADE_CLIENT (source), result, &error);
  else
    cascade_client_revoke_other_sessions_finish (CASCADE_CLIENT (source), result, &error);
  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sessions_list), TRUE);
  if (error == NULL)
    toast (self, _ ("Signed out."));
  load_sessions (self);
}

static void
revoke_clicked (GtkButton *button, CascadeAccountPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "session-id");

  gtk_widget_set_sensitive (GTK_WIDGET (self->sessions_list), FALSE);
  begin_request (self);
  cascade_client_revoke_session_async (client (self), id, self->cancellable, revoke_cb,
                                       g_object_ref (self));
}

static void
on_sign_out_others_clicked (CascadeAccountPage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->sessions_list), FALSE);
  begin_request (self);
  cascade_client_revoke_other_sessions_async (client (self), self->cancellable, revoke_cb,
                                              g_object_ref (self));
}

/* ---- password -------------------------------------------------------------- */

static gboolean
is_empty (gpointer editable)
{
  return *gtk_editable_get_text (GTK_EDITABLE (editable)) == '\0';
}

static void
on_password_changed (CascadeAccountPage *self)
{
  mark_error (self->current_password_row, FALSE);
  mark_error (self->new_password_row, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->change_password_button),
                            !is_empty (self->current_password_row) &&
                              !is_empty (self->new_password_row));
}

static void
change_password_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  static const char *const current_codes[] = { "wrong_password", NULL };
  static const char *const new_codes[] = { "invalid_password", NULL };
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;

  cascade_client_change_password_finish (CASCADE_CLIENT (source), result, &error);
  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->current_password_row), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_password_row), TRUE);
  if (error != NULL)
    {
      on_password_changed (self);
      mark_if (self->current_password_row, error, current_codes);
      mark_if (self->new_password_row, error, new_codes);
      return;
    }
  clear_text (self->current_password_row);
  clear_text (self->new_password_row);
  toast (self, _ ("Password changed. Every other device is signed out."));
  load_sessions (self);
}

static void
on_change_password_clicked (CascadeAccountPage *self)
{
  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->change_password_button)))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->change_password_button), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->current_password_row), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_password_row), FALSE);
  begin_request (self);
  cascade_client_change_password_async (
    client (self), gtk_editable_get_text (GTK_EDITABLE (self->current_password_row)),
    gtk_editable_get_text (GTK_EDITABLE (self->new_password_row)), self->cancellable,
    change_password_cb, g_object_ref (self));
}

/* ---- two-factor authentication --------------------------------------------- */

static void
begin_totp_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeTotpEnrolment) enrolment =
    cascade_client_begin_totp_finish (CASCADE_CLIENT (source), result, &error);
  g_autoptr (GdkTexture) qr = NULL;

  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->totp_setup_button), TRUE);
  if (enrolment == NULL)
    return;

  qr = cascade_qr_code_new (enrolment->otpauth_uri, QR_MODULE_PIXELS, &error);
  if (qr == NULL)
    g_warning ("account: %s", error->message);
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (qr));
  gtk_label_set_text (self->secret_label, enrolment->secret);
  clear_text (self->enrol_code_row);
  gtk_widget_set_visible (GTK_WIDGET (self->enrol_group), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->totp_setup_button), FALSE);
}

static void
on_totp_setup_clicked (CascadeAccountPage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->totp_setup_button), FALSE);
  begin_request (self);
  cascade_client_begin_totp_async (client (self), self->cancellable, begin_totp_cb,
                                   g_object_ref (self));
}

static void
confirm_totp_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  static const char *const codes[] = { "invalid_otp", "missing_field", NULL };
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) recovery =
    cascade_client_confirm_totp_finish (CASCADE_CLIENT (source), result, &error);
  g_autofree char *text = NULL;

  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->enrol_code_row), TRUE);
  mark_if (self->enrol_code_row, error, codes);
  if (recovery == NULL)
    return;

  /* Two columns of codes. */
  {
    g_autoptr (GString) lines = g_string_new (NULL);

    for (guint i = 0; recovery[i] != NULL; i++)
      g_string_append_printf (lines, "%s%s", recovery[i],
                              recovery[i + 1] == NULL ? ""
                              : i % 2 == 0            ? "    "
                                                      : "\n");
    text = g_string_free (g_steal_pointer (&lines), FALSE);
  }
  gtk_label_set_text (self->recovery_label, text);
  gtk_picture_set_paintable (self->qr_picture, NULL);
  gtk_label_set_text (self->secret_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->enrol_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->recovery_group), TRUE);
  toast (self, _ ("Two-factor authentication is on."));
  refresh_user (self);
}

static void
on_enrol_code_apply (CascadeAccountPage *self)
{
  g_autofree char *code =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->enrol_code_row))));

  if (*code == '\0')
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->enrol_code_row), FALSE);
  begin_request (self);
  cascade_client_confirm_totp_async (client (self), code, self->cancellable, confirm_totp_cb,
                                     g_object_ref (self));
}

static void
on_recovery_done_clicked (CascadeAccountPage *self)
{
  gtk_label_set_text (self->recovery_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->recovery_group), FALSE);
}

static void
disable_totp_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  static const char *const codes[] = { "wrong_password", NULL };
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;

  cascade_client_disable_totp_finish (CASCADE_CLIENT (source), result, &error);
  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->totp_disable_row), TRUE);
  mark_if (self->totp_disable_row, error, codes);
  if (error != NULL)
    return;
  clear_text (self->totp_disable_row);
  toast (self, _ ("Two-factor authentication is off."));
  refresh_user (self);
}

static void
on_totp_disable_apply (CascadeAccountPage *self)
{
  if (is_empty (self->totp_disable_row))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->totp_disable_row), FALSE);
  begin_request (self);
  cascade_client_disable_totp_async (client (self),
                                     gtk_editable_get_text (GTK_EDITABLE (self->totp_disable_row)),
                                     self->cancellable, disable_totp_cb, g_object_ref (self));
}

/* ---- delete ---------------------------------------------------------------- */

static void
delete_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeAccountPage) self = user_data;
  g_autoptr (GError) error = NULL;

  cascade_session_delete_account_finish (CASCADE_SESSION (source), result, &error);
  if (!end_request (self, error))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_button), TRUE);
  /* Done: the session is signed out, and the window shows the welcome page. */
}

static void
on_delete_response (CascadeAccountPage *self, const char *response, AdwMessageDialog *dialog)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "password-entry");
  g_autofree char *password = g_strdup (gtk_editable_get_text (entry));

  gtk_editable_set_text (entry, "");
  if (g_strcmp0 (response, "delete") != 0 || self->session == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->delete_button), FALSE);
  begin_request (self);
  cascade_session_delete_account_async (self->session, password, self->cancellable, delete_cb,
                                        g_object_ref (self));
}

static void
on_delete_password_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "delete",
                                           *gtk_editable_get_text (entry) != '\0');
}

static void
on_delete_clicked (CascadeAccountPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  CascadeUser *user = cascade_session_get_user (self->session);
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  g_autofree char *body = NULL;

  /* Translators: %s is the username. */
  body = g_strdup_printf (_ ("The account @%s, its channel and all its sign-ins are removed, and "
                             "cannot be brought back. Enter your password to confirm."),
                          user != NULL ? cascade_user_get_username (user) : "");
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
    GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _ ("Delete Your Account?"), body));
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "delete",
                                    _ ("_Delete Account"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_enabled (dialog, "delete", FALSE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");

  /* A GtkEntry: GTK 4.8's GtkPasswordEntry warns when its dialog goes away. */
  entry = gtk_entry_new ();
  gtk_entry_set_visibility (GTK_ENTRY (entry), FALSE);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_PASSWORD);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _ ("Password"));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Password"), -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  g_object_set_data (G_OBJECT (dialog), "password-entry", entry);
  g_signal_connect_object (entry, "changed", G_CALLBACK (on_delete_password_changed), dialog, 0);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self,
                           G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->delete_dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- object ---------------------------------------------------------------- */

/* Everything typed and every secret shown goes when the user changes. */
static void
forget_typed (CascadeAccountPage *self)
{
  clear_text (self->verify_row);
  clear_text (self->current_password_row);
  clear_text (self->new_password_row);
  clear_text (self->totp_disable_row);
  clear_text (self->enrol_code_row);
  gtk_picture_set_paintable (self->qr_picture, NULL);
  gtk_label_set_text (self->secret_label, "");
  gtk_label_set_text (self->recovery_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->enrol_group), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->recovery_group), FALSE);
  if (self->delete_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->delete_dialog));
}

static void
on_state_changed (CascadeAccountPage *self)
{
  if (cascade_session_get_state (self->session) == CASCADE_SESSION_STATE_SIGNED_IN)
    cascade_account_page_reload (self);
  else
    forget_typed (self);
}

void
cascade_account_page_reload (CascadeAccountPage *self)
{
  g_return_if_fail (CASCADE_IS_ACCOUNT_PAGE (self));

  if (self->session == NULL ||
      cascade_session_get_state (self->session) != CASCADE_SESSION_STATE_SIGNED_IN)
    return;
  update_user (self);
  refresh_user (self);
  load_sessions (self);
}

static void
cascade_account_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeAccountPage *self = CASCADE_ACCOUNT_PAGE (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        g_value_set_object (value, self->session);
        break;
      case PROP_BUSY:
        g_value_set_boolean (value, self->n_pending > 0);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_account_page_set_property (GObject *object,
                                   guint prop_id,
                                   const GValue *value,
                                   GParamSpec *pspec)
{
  CascadeAccountPage *self = CASCADE_ACCOUNT_PAGE (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        cascade_account_page_set_session (self, g_value_get_object (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_account_page_dispose (GObject *object)
{
  CascadeAccountPage *self = CASCADE_ACCOUNT_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  if (self->delete_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->delete_dialog));
  g_clear_weak_pointer (&self->delete_dialog);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_ACCOUNT_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cascade_account_page_parent_class)->dispose (object);
}

static void
cascade_account_page_finalize (GObject *object)
{
  CascadeAccountPage *self = CASCADE_ACCOUNT_PAGE (object);

  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (cascade_account_page_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (widget_class, CascadeAccountPage, name)

static void
cascade_account_page_class_init (CascadeAccountPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cascade_account_page_get_property;
  object_class->set_property = cascade_account_page_set_property;
  object_class->dispose = cascade_account_page_dispose;
  object_class->finalize = cascade_account_page_finalize;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CASCADE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-account-page.ui");
  BIND (identity_row);
  BIND (avatar);
  BIND (email_row);
  BIND (email_state_icon);
  BIND (email_state_label);
  BIND (resend_button);
  BIND (verify_row);
  BIND (sessions_list);
  BIND (sign_out_others_button);
  BIND (current_password_row);
  BIND (new_password_row);
  BIND (change_password_button);
  BIND (totp_row);
  BIND (totp_icon);
  BIND (totp_setup_button);
  BIND (totp_disable_row);
  BIND (enrol_group);
  BIND (qr_picture);
  BIND (secret_label);
  BIND (enrol_code_row);
  BIND (recovery_group);
  BIND (recovery_label);
  BIND (recovery_done_button);
  BIND (delete_button);
  gtk_widget_class_bind_template_callback (widget_class, on_resend_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_verify_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_out_others_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_password_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_change_password_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_totp_setup_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_enrol_code_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_recovery_done_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_totp_disable_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_delete_clicked);
}

static void
cascade_account_page_init (CascadeAccountPage *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  self->toast_overlay = ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self)));
}

/**
 * cascade_account_page_get_session:
 *
 * Returns: (transfer none) (nullable): the session whose account the page shows
 */
CascadeSession *
cascade_account_page_get_session (CascadeAccountPage *self)
{
  g_return_val_if_fail (CASCADE_IS_ACCOUNT_PAGE (self), NULL);
  return self->session;
}

void
cascade_account_page_set_session (CascadeAccountPage *self, CascadeSession *session)
{
  g_return_if_fail (CASCADE_IS_ACCOUNT_PAGE (self));
  g_return_if_fail (session == NULL || CASCADE_IS_SESSION (session));

  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      g_signal_connect_object (session, "notify::user", G_CALLBACK (update_user), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "notify::state", G_CALLBACK (on_state_changed), self,
                               G_CONNECT_SWAPPED);
      cascade_account_page_reload (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

gboolean
cascade_account_page_get_busy (CascadeAccountPage *self)
{
  g_return_val_if_fail (CASCADE_IS_ACCOUNT_PAGE (self), FALSE);
  return self->n_pending > 0;
}
