/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-welcome-page.h"

#include <glib/gi18n.h>

#include "cascade-error-text.h"
#include "cascade-oidc-flow.h"
#include "cascade-session.h"

/* One entry of a form, with the line under it that shows a hint or the
 * server's complaint about what was typed. */
typedef struct
{
  const char *name; /* the request member the server names in its errors */
  const char *hint; /* shown dimmed when there is no error; NULL hides the line */
  AdwEntryRow *row;
  GtkWidget *message_row;
  GtkLabel *message;
} Field;

enum
{
  CREATE_EMAIL,
  CREATE_USERNAME,
  CREATE_DISPLAY_NAME,
  CREATE_PASSWORD,
  N_CREATE_FIELDS
};

enum
{
  SIGN_IN_LOGIN,
  SIGN_IN_PASSWORD,
  N_SIGN_IN_FIELDS
};

typedef enum
{
  MODE_FORMS,         /* create an account, or sign in */
  MODE_RESET_REQUEST, /* forgot password: which address */
  MODE_RESET_CONFIRM, /* the code from the mail and a new password */
  MODE_OTP,           /* the sign-in asks for a two-factor code */
} WelcomeMode;

struct _CascadeWelcomePage
{
  AdwBin parent_instance;

  CascadeSession *session;
  GCancellable *cancellable;
  gboolean busy;
  guint generation;             /* bumped by reset: answers to older requests are ignored */
  GtkWidget *focus_before_busy; /* weak */

  Field create_fields[N_CREATE_FIELDS];
  Field sign_in_fields[N_SIGN_IN_FIELDS];

  GtkStackSwitcher *form_switcher;
  GtkStack *form_stack;
  GtkLabel *form_error;
  GtkButton *submit_button;
  GtkSpinner *submit_spinner;
  GtkLabel *submit_label;
  GtkWidget *server_box;
  GtkLabel *server_label;

  /* Forgot password, the two-factor step, social sign-in. */
  WelcomeMode mode;
  GtkWidget *forgot_button;
  GtkWidget *reset_box;
  GtkLabel *reset_description;
  AdwEntryRow *reset_email_row;
  AdwEntryRow *reset_code_row;
  AdwEntryRow *reset_password_row;
  GtkWidget *reset_send_button;
  GtkWidget *reset_confirm_button;
  GtkWidget *otp_box;
  AdwEntryRow *otp_row;
  GtkWidget *otp_submit_button;
  GtkWidget *providers_box;
  GtkWidget *oidc_cancel_button;
  CascadeOidcFlow *oidc_flow; /* running, or waiting for its two-factor code */
  GCancellable *oidc_cancellable;
  GCancellable *providers_cancellable;
  guint n_providers;
};

G_DEFINE_FINAL_TYPE (CascadeWelcomePage, cascade_welcome_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SESSION,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static Field *
get_fields (CascadeWelcomePage *self, guint *n_fields)
{
  if (cascade_welcome_page_get_form (self) == CASCADE_WELCOME_FORM_CREATE_ACCOUNT)
    {
      *n_fields = N_CREATE_FIELDS;
      return self->create_fields;
    }
  *n_fields = N_SIGN_IN_FIELDS;
  return self->sign_in_fields;
}

static void
field_show_message (Field *field, const char *text, gboolean is_error)
{
  gtk_label_set_text (field->message, text);
  gtk_widget_set_visible (field->message_row, TRUE);
  if (is_error)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (field->message), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (field->message), "error");
      gtk_widget_add_css_class (GTK_WIDGET (field->row), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (field->message), "error");
      gtk_widget_add_css_class (GTK_WIDGET (field->message), "dim-label");
      gtk_widget_remove_css_class (GTK_WIDGET (field->row), "error");
    }
  gtk_accessible_update_state (
    GTK_ACCESSIBLE (field->row), GTK_ACCESSIBLE_STATE_INVALID,
    is_error ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE, -1);
}

static void
field_clear_error (Field *field)
{
  if (field->hint != NULL)
    {
      field_show_message (field, _ (field->hint), FALSE);
      return;
    }

  field_show_message (field, "", FALSE);
  gtk_widget_set_visible (field->message_row, FALSE);
}

static void
clear_errors (CascadeWelcomePage *self)
{
  for (guint i = 0; i < N_CREATE_FIELDS; i++)
    field_clear_error (&self->create_fields[i]);
  for (guint i = 0; i < N_SIGN_IN_FIELDS; i++)
    field_clear_error (&self->sign_in_fields[i]);

  gtk_label_set_text (self->form_error, "");
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), FALSE);
}

static gboolean
row_is_empty (AdwEntryRow *row)
{
  return *gtk_editable_get_text (GTK_EDITABLE (row)) == '\0';
}

/* The server judges what was typed; this only waits until the required
 * entries have something in them. */
static gboolean
form_is_filled (CascadeWelcomePage *self)
{
  if (cascade_welcome_page_get_form (self) == CASCADE_WELCOME_FORM_CREATE_ACCOUNT)
    return !row_is_empty (self->create_fields[CREATE_EMAIL].row) &&
           !row_is_empty (self->create_fields[CREATE_USERNAME].row) &&
           !row_is_empty (self->create_fields[CREATE_PASSWORD].row);

  return !row_is_empty (self->sign_in_fields[SIGN_IN_LOGIN].row) &&
         !row_is_empty (self->sign_in_fields[SIGN_IN_PASSWORD].row);
}

static void
update_submit_button (CascadeWelcomePage *self)
{
  gboolean create = cascade_welcome_page_get_form (self) == CASCADE_WELCOME_FORM_CREATE_ACCOUNT;
  const char *label;

  if (self->busy)
    label = create ? _ ("Creating Account…") : _ ("Signing In…");
  else
    label = create ? _ ("_Create Account") : _ ("_Sign In");

  gtk_label_set_text_with_mnemonic (self->submit_label, label);
  gtk_widget_set_sensitive (GTK_WIDGET (self->submit_button),
                            !self->busy && self->session != NULL && form_is_filled (self));
}

/* While the page waits, nothing in it can be used, so nothing in it keeps the
 * keyboard focus; it comes back afterwards if the page is still shown. */
static void
move_focus_for_busy (CascadeWelcomePage *self, gboolean busy)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus;

  if (root == NULL)
    return;

  focus = gtk_root_get_focus (root);
  if (busy)
    {
      if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
        {
          g_set_weak_pointer (&self->focus_before_busy, focus);
          gtk_root_set_focus (root, NULL);
        }
      return;
    }

  if (focus == NULL && self->focus_before_busy != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    gtk_widget_grab_focus (self->focus_before_busy);
  g_clear_weak_pointer (&self->focus_before_busy);
}

static void
set_busy (CascadeWelcomePage *self, gboolean busy)
{
  if (self->busy == busy)
    return;

  self->busy = busy;
  if (busy)
    move_focus_for_busy (self, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->form_switcher), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->form_stack), !busy);
  gtk_widget_set_sensitive (self->server_box, !busy);
  gtk_widget_set_sensitive (self->forgot_button, !busy);
  gtk_widget_set_sensitive (self->reset_box, !busy);
  gtk_widget_set_sensitive (self->otp_box, !busy);
  gtk_widget_set_sensitive (self->providers_box, !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->submit_spinner), busy);
  gtk_spinner_set_spinning (self->submit_spinner, busy);
  update_submit_button (self);
  if (!busy)
    move_focus_for_busy (self, FALSE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static Field *
find_field (CascadeWelcomePage *self, const char *name)
{
  guint n_fields;
  Field *fields = get_fields (self, &n_fields);

  if (name == NULL)
    return NULL;

  for (guint i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].name, name))
        return &fields[i];
    }
  return NULL;
}

static char *
describe_error (CascadeWelcomePage *self, const GError *error)
{
  return cascade_error_text (error, cascade_session_get_server_url (self->session));
}

static void
show_error (CascadeWelcomePage *self, const GError *error)
{
  g_autofree char *text = describe_error (self, error);
  const char *name = NULL;
  Field *field;

  if (error->domain == CASCADE_CLIENT_ERROR)
    name = cascade_client_error_get_field (error);

  field = find_field (self, name);
  if (field != NULL)
    {
      field_show_message (field, text, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (field->row));
      return;
    }

  gtk_label_set_text (self->form_error, text);
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), TRUE);
}

static void set_mode (CascadeWelcomePage *self, WelcomeMode mode);

/* One request of the page to the session. */
typedef struct
{
  CascadeWelcomePage *self;
  guint generation;
} Request;

static Request *
request_new (CascadeWelcomePage *self)
{
  Request *request = g_new0 (Request, 1);

  request->self = g_object_ref (self);
  request->generation = self->generation;
  return request;
}

static void
request_free (Request *request)
{
  g_object_unref (request->self);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static void
finish_request (Request *request, gboolean ok, GError *error)
{
  CascadeWelcomePage *self = request->self;

  /* Our own cancellable is cancelled only when the page goes away; a reset
   * since the request means the page no longer waits for it. */
  if (g_cancellable_is_cancelled (self->cancellable) || self->form_stack == NULL ||
      request->generation != self->generation)
    return;

  set_busy (self, FALSE);
  if (ok)
    return;

  /* Overtaken by a sign-out or a change of server: nothing to tell. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("The request was interrupted: %s", error->message);
      return;
    }

  g_debug ("The server refused: %s", error->message);
  if (g_error_matches (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED) &&
      g_strcmp0 (cascade_client_error_get_code (error), "otp_required") == 0)
    {
      set_mode (self, MODE_OTP);
      return;
    }
  show_error (self, error);
  if (self->mode == MODE_OTP)
    gtk_widget_add_css_class (GTK_WIDGET (self->otp_row), "error");
}

static void
sign_up_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Request) request = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = cascade_session_sign_up_finish (CASCADE_SESSION (object), result, &error);

  finish_request (request, ok, error);
}

static void
sign_in_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Request) request = user_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = cascade_session_sign_in_finish (CASCADE_SESSION (object), result, &error);

  finish_request (request, ok, error);
}

static char *
dup_stripped_text (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

static void
submit (CascadeWelcomePage *self)
{
  if (self->busy || self->session == NULL || !form_is_filled (self))
    return;

  clear_errors (self);
  set_busy (self, TRUE);

  if (cascade_welcome_page_get_form (self) == CASCADE_WELCOME_FORM_CREATE_ACCOUNT)
    {
      g_autofree char *email = dup_stripped_text (self->create_fields[CREATE_EMAIL].row);
      g_autofree char *username = dup_stripped_text (self->create_fields[CREATE_USERNAME].row);
      const char *display_name =
        gtk_editable_get_text (GTK_EDITABLE (self->create_fields[CREATE_DISPLAY_NAME].row));
      const char *password =
        gtk_editable_get_text (GTK_EDITABLE (self->create_fields[CREATE_PASSWORD].row));

      cascade_session_sign_up_async (self->session, email, username, password,
                                     *display_name != '\0' ? display_name : NULL, self->cancellable,
                                     sign_up_cb, request_new (self));
    }
  else
    {
      g_autofree char *login = dup_stripped_text (self->sign_in_fields[SIGN_IN_LOGIN].row);
      const char *password =
        gtk_editable_get_text (GTK_EDITABLE (self->sign_in_fields[SIGN_IN_PASSWORD].row));

      cascade_session_sign_in_async (self->session, login, password, self->cancellable, sign_in_cb,
                                     request_new (self));
    }
}

/* ---- modes: forms, forgot password, two-factor code ---------------------- */

static void
update_mode_buttons (CascadeWelcomePage *self)
{
  gboolean has_email = !row_is_empty (self->reset_email_row);

  gtk_widget_set_sensitive (self->reset_send_button, has_email);
  gtk_widget_set_sensitive (self->reset_confirm_button, !row_is_empty (self->reset_code_row) &&
                                                          !row_is_empty (self->reset_password_row));
  gtk_widget_set_sensitive (self->otp_submit_button, !row_is_empty (self->otp_row));
}

static void
set_mode (CascadeWelcomePage *self, WelcomeMode mode)
{
  gboolean forms = mode == MODE_FORMS;
  gboolean sign_in = cascade_welcome_page_get_form (self) == CASCADE_WELCOME_FORM_SIGN_IN;

  self->mode = mode;
  gtk_widget_set_visible (GTK_WIDGET (self->form_switcher), forms);
  gtk_widget_set_visible (GTK_WIDGET (self->form_stack), forms);
  gtk_widget_set_visible (GTK_WIDGET (self->submit_button), forms);
  gtk_widget_set_visible (self->forgot_button, forms && sign_in);
  gtk_widget_set_visible (self->providers_box, forms && self->n_providers > 0);
  gtk_widget_set_visible (self->reset_box,
                          mode == MODE_RESET_REQUEST || mode == MODE_RESET_CONFIRM);
  gtk_widget_set_visible (GTK_WIDGET (self->reset_email_row), mode == MODE_RESET_REQUEST);
  gtk_widget_set_visible (self->reset_send_button, mode == MODE_RESET_REQUEST);
  gtk_widget_set_visible (GTK_WIDGET (self->reset_code_row), mode == MODE_RESET_CONFIRM);
  gtk_widget_set_visible (GTK_WIDGET (self->reset_password_row), mode == MODE_RESET_CONFIRM);
  gtk_widget_set_visible (self->reset_confirm_button, mode == MODE_RESET_CONFIRM);
  gtk_widget_set_visible (self->otp_box, mode == MODE_OTP);
  if (mode == MODE_RESET_REQUEST)
    gtk_label_set_text (self->reset_description,
                        _ ("Cascade mails you a code to set a new password with."));
  if (mode != MODE_OTP)
    {
      if (!row_is_empty (self->otp_row))
        gtk_editable_set_text (GTK_EDITABLE (self->otp_row), "");
      g_clear_object (&self->oidc_flow);
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->otp_row), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), FALSE);
  update_mode_buttons (self);

  if (mode == MODE_OTP)
    gtk_widget_grab_focus (GTK_WIDGET (self->otp_row));
}

static void
on_forgot_clicked (CascadeWelcomePage *self)
{
  const char *login =
    gtk_editable_get_text (GTK_EDITABLE (self->sign_in_fields[SIGN_IN_LOGIN].row));

  if (strchr (login, '@') != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->reset_email_row), login);
  set_mode (self, MODE_RESET_REQUEST);
}

static void
on_back_to_sign_in (CascadeWelcomePage *self)
{
  /* A two-factor step given up: the password typed goes too. */
  if (self->mode == MODE_OTP)
    gtk_editable_set_text (GTK_EDITABLE (self->sign_in_fields[SIGN_IN_PASSWORD].row), "");
  set_mode (self, MODE_FORMS);
}

static void
on_reset_changed (CascadeWelcomePage *self, GtkEditable *editable)
{
  gtk_widget_remove_css_class (GTK_WIDGET (editable), "error");
  update_mode_buttons (self);
}

static void
on_otp_changed (CascadeWelcomePage *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->otp_row), "error");
  update_mode_buttons (self);
}

static void
reset_sent_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Request) request = user_data;
  CascadeWelcomePage *self = request->self;
  g_autoptr (GError) error = NULL;
  gboolean ok =
    cascade_client_request_password_reset_finish (CASCADE_CLIENT (object), result, &error);
  g_autofree char *text = NULL;

  finish_request (request, ok, error);
  if (!ok || request->generation != self->generation || self->form_stack == NULL)
    return;
  text = g_strdup_printf (_ ("If an account has the address %s, a mail with a code is on its way. "
                             "Enter the code and a new password."),
                          gtk_editable_get_text (GTK_EDITABLE (self->reset_email_row)));
  set_mode (self, MODE_RESET_CONFIRM);
  gtk_label_set_text (self->reset_description, text);
  gtk_widget_grab_focus (GTK_WIDGET (self->reset_code_row));
}

static void
on_reset_send_clicked (CascadeWelcomePage *self)
{
  g_autofree char *email = NULL;

  if (self->busy || self->session == NULL || !gtk_widget_get_sensitive (self->reset_send_button))
    return;
  email = dup_stripped_text (self->reset_email_row);
  set_busy (self, TRUE);
  cascade_client_request_password_reset_async (cascade_session_get_client (self->session), email,
                                               self->cancellable, reset_sent_cb,
                                               request_new (self));
}

static void
reset_confirmed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Request) request = user_data;
  CascadeWelcomePage *self = request->self;
  g_autoptr (GError) error = NULL;
  gboolean ok =
    cascade_client_confirm_password_reset_finish (CASCADE_CLIENT (object), result, &error);
  const char *code = error != NULL ? cascade_client_error_get_code (error) : NULL;

  finish_request (request, ok, error);
  if (request->generation != self->generation || self->form_stack == NULL)
    return;
  if (!ok)
    {
      if (g_strcmp0 (code, "invalid_email_token") == 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->reset_code_row), "error");
      else if (g_strcmp0 (code, "invalid_password") == 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->reset_password_row), "error");
      return;
    }

  /* Back to signing in, with the address filled in and a word about it. */
  gtk_editable_set_text (GTK_EDITABLE (self->sign_in_fields[SIGN_IN_LOGIN].row),
                         gtk_editable_get_text (GTK_EDITABLE (self->reset_email_row)));
  gtk_editable_set_text (GTK_EDITABLE (self->sign_in_fields[SIGN_IN_PASSWORD].row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->reset_code_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->reset_password_row), "");
  cascade_welcome_page_set_form (self, CASCADE_WELCOME_FORM_SIGN_IN);
  set_mode (self, MODE_FORMS);
  field_show_message (&self->sign_in_fields[SIGN_IN_PASSWORD],
                      _ ("Your password is changed. Sign in with the new one."), FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->sign_in_fields[SIGN_IN_PASSWORD].row));
}

static void
on_reset_confirm_clicked (CascadeWelcomePage *self)
{
  g_autofree char *code = NULL;

  if (self->busy || self->session == NULL || !gtk_widget_get_sensitive (self->reset_confirm_button))
    return;
  code = dup_stripped_text (self->reset_code_row);
  set_busy (self, TRUE);
  cascade_client_confirm_password_reset_async (
    cascade_session_get_client (self->session), code,
    gtk_editable_get_text (GTK_EDITABLE (self->reset_password_row)), self->cancellable,
    reset_confirmed_cb, request_new (self));
}

static void
oidc_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (Request) request = user_data;
  CascadeWelcomePage *self = request->self;
  g_autoptr (GError) error = NULL;
  gboolean ok = cascade_session_sign_in_finish (CASCADE_SESSION (object), result, &error);

  if (!g_cancellable_is_cancelled (self->cancellable) && self->form_stack != NULL)
    gtk_widget_set_visible (self->oidc_cancel_button, FALSE);
  /* The sign-in in the browser was given up here: say nothing. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->form_stack != NULL &&
      request->generation == self->generation)
    {
      set_busy (self, FALSE);
      g_clear_object (&self->oidc_flow);
      return;
    }
  finish_request (request, ok, error);
  if (request->generation != self->generation || self->form_stack == NULL)
    return;
  /* Kept only for the second try with a two-factor code. */
  if (self->mode != MODE_OTP)
    g_clear_object (&self->oidc_flow);
}

/* Shows the provider's page in the person's browser. */
static void
open_in_browser (const char *uri, gpointer user_data)
{
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, NULL, NULL);
}

static void
on_provider_clicked (GtkButton *button, CascadeWelcomePage *self)
{
  const char *provider = g_object_get_data (G_OBJECT (button), "provider-id");

  if (self->busy || self->session == NULL)
    return;
  clear_errors (self);
  g_clear_object (&self->oidc_flow);
  self->oidc_flow = cascade_oidc_flow_new (cascade_session_get_client (self->session), provider,
                                           open_in_browser, NULL, NULL);
  set_busy (self, TRUE);
  gtk_widget_set_visible (self->oidc_cancel_button, TRUE);
  cascade_session_sign_in_with_oidc_async (
    self->session, self->oidc_flow, NULL, self->oidc_cancellable, oidc_done_cb, request_new (self));
}

static void
on_oidc_cancel_clicked (CascadeWelcomePage *self)
{
  g_cancellable_cancel (self->oidc_cancellable);
  g_object_unref (self->oidc_cancellable);
  self->oidc_cancellable = g_cancellable_new ();
}

static void
on_otp_submit_clicked (CascadeWelcomePage *self)
{
  g_autofree char *otp = NULL;

  if (self->busy || self->session == NULL || !gtk_widget_get_sensitive (self->otp_submit_button))
    return;
  otp = dup_stripped_text (self->otp_row);
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), FALSE);
  set_busy (self, TRUE);
  if (self->oidc_flow != NULL)
    cascade_session_sign_in_with_oidc_async (self->session, self->oidc_flow, otp,
                                             self->oidc_cancellable, oidc_done_cb,
                                             request_new (self));
  else
    {
      g_autofree char *login = dup_stripped_text (self->sign_in_fields[SIGN_IN_LOGIN].row);

      cascade_session_sign_in_with_otp_async (
        self->session, login,
        gtk_editable_get_text (GTK_EDITABLE (self->sign_in_fields[SIGN_IN_PASSWORD].row)), otp,
        self->cancellable, sign_in_cb, request_new (self));
    }
}

/* ---- social sign-in buttons ------------------------------------------------ */

static void
providers_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) providers =
    cascade_client_list_providers_finish (CASCADE_CLIENT (object), result, &error);
  CascadeWelcomePage *self = user_data;
  GtkWidget *child;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* self may be gone */
  while ((child = gtk_widget_get_first_child (self->providers_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->providers_box), child);
  self->n_providers = 0;
  if (providers == NULL)
    {
      /* A server without social sign-in (or unreachable): password only. */
      g_debug ("No sign-in providers: %s", error->message);
      set_mode (self, self->mode);
      return;
    }
  for (guint i = 0; i < providers->len; i++)
    {
      CascadeIdentityProvider *provider = providers->pdata[i];
      /* Translators: %s is a sign-in provider, such as Google. */
      g_autofree char *label = g_strdup_printf (_ ("Sign In with %s"), provider->name);
      GtkWidget *button = gtk_button_new_with_label (label);

      gtk_widget_add_css_class (button, "pill");
      gtk_widget_set_name (button, provider->id);
      g_object_set_data_full (G_OBJECT (button), "provider-id", g_strdup (provider->id), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (on_provider_clicked), self, 0);
      gtk_box_append (GTK_BOX (self->providers_box), button);
      self->n_providers++;
    }
  set_mode (self, self->mode);
}

static void
load_providers (CascadeWelcomePage *self)
{
  if (self->providers_cancellable != NULL)
    g_cancellable_cancel (self->providers_cancellable);
  g_clear_object (&self->providers_cancellable);
  if (self->session == NULL)
    return;
  self->providers_cancellable = g_cancellable_new ();
  cascade_client_list_providers_async (cascade_session_get_client (self->session),
                                       self->providers_cancellable, providers_cb, self);
}

static void
on_submit_clicked (CascadeWelcomePage *self)
{
  submit (self);
}

static void
on_entry_activated (CascadeWelcomePage *self)
{
  submit (self);
}

static void
on_field_changed (CascadeWelcomePage *self, GtkEditable *editable)
{
  for (guint i = 0; i < N_CREATE_FIELDS; i++)
    {
      if ((GtkEditable *) self->create_fields[i].row == editable)
        field_clear_error (&self->create_fields[i]);
    }
  for (guint i = 0; i < N_SIGN_IN_FIELDS; i++)
    {
      if ((GtkEditable *) self->sign_in_fields[i].row == editable)
        field_clear_error (&self->sign_in_fields[i]);
    }
  update_submit_button (self);
}

static void
on_form_changed (CascadeWelcomePage *self)
{
  if (self->forgot_button != NULL)
    set_mode (self, self->mode);
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), FALSE);
  update_submit_button (self);
}

static void
update_server_label (CascadeWelcomePage *self)
{
  g_autofree char *text = NULL;

  if (self->session == NULL)
    {
      gtk_label_set_text (self->server_label, "");
      return;
    }

  text = g_strdup_printf (_ ("Server: %s"), cascade_session_get_server_url (self->session));
  gtk_label_set_text (self->server_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->server_label), text);
}

static void
cascade_welcome_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeWelcomePage *self = CASCADE_WELCOME_PAGE (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        g_value_set_object (value, self->session);
        break;

      case PROP_BUSY:
        g_value_set_boolean (value, self->busy);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_welcome_page_set_property (GObject *object,
                                   guint prop_id,
                                   const GValue *value,
                                   GParamSpec *pspec)
{
  CascadeWelcomePage *self = CASCADE_WELCOME_PAGE (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        cascade_welcome_page_set_session (self, g_value_get_object (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_welcome_page_dispose (GObject *object)
{
  CascadeWelcomePage *self = CASCADE_WELCOME_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->oidc_cancellable);
  if (self->providers_cancellable != NULL)
    g_cancellable_cancel (self->providers_cancellable);
  g_clear_object (&self->providers_cancellable);
  g_clear_object (&self->oidc_flow);
  g_clear_weak_pointer (&self->focus_before_busy);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_WELCOME_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cascade_welcome_page_parent_class)->dispose (object);
}

static void
cascade_welcome_page_finalize (GObject *object)
{
  CascadeWelcomePage *self = CASCADE_WELCOME_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->oidc_cancellable);

  G_OBJECT_CLASS (cascade_welcome_page_parent_class)->finalize (object);
}

#define BIND_FIELD(form, index, id)                                                                \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gtk_widget_class_bind_template_child_full (                                                    \
      widget_class, id "_row", FALSE, G_STRUCT_OFFSET (CascadeWelcomePage, form[index].row));      \
    gtk_widget_class_bind_template_child_full (                                                    \
      widget_class, id "_message_row", FALSE,                                                      \
      G_STRUCT_OFFSET (CascadeWelcomePage, form[index].message_row));                              \
    gtk_widget_class_bind_template_child_full (                                                    \
      widget_class, id "_message", FALSE,                                                          \
      G_STRUCT_OFFSET (CascadeWelcomePage, form[index].message));                                  \
  }                                                                                                \
  G_STMT_END

static void
cascade_welcome_page_class_init (CascadeWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cascade_welcome_page_get_property;
  object_class->set_property = cascade_welcome_page_set_property;
  object_class->dispose = cascade_welcome_page_dispose;
  object_class->finalize = cascade_welcome_page_finalize;

  /**
   * CascadeWelcomePage:session:
   *
   * The session to create the account in, or to sign in to.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CASCADE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * CascadeWelcomePage:busy:
   *
   * Whether the page waits for the server.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-welcome-page.ui");
  BIND_FIELD (create_fields, CREATE_EMAIL, "create_email");
  BIND_FIELD (create_fields, CREATE_USERNAME, "create_username");
  BIND_FIELD (create_fields, CREATE_DISPLAY_NAME, "create_display_name");
  BIND_FIELD (create_fields, CREATE_PASSWORD, "create_password");
  BIND_FIELD (sign_in_fields, SIGN_IN_LOGIN, "sign_in_login");
  BIND_FIELD (sign_in_fields, SIGN_IN_PASSWORD, "sign_in_password");
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, form_switcher);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, form_stack);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, form_error);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, submit_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, submit_spinner);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, submit_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, server_box);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, server_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, forgot_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, reset_box);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, reset_description);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, reset_email_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, reset_code_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, reset_password_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, reset_send_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, reset_confirm_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, otp_box);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, otp_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, otp_submit_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, providers_box);
  gtk_widget_class_bind_template_child (widget_class, CascadeWelcomePage, oidc_cancel_button);
  gtk_widget_class_bind_template_callback (widget_class, on_forgot_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_back_to_sign_in);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_send_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_confirm_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_otp_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_otp_submit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_oidc_cancel_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_submit_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_form_changed);
}

static void
cascade_welcome_page_init (CascadeWelcomePage *self)
{
  static const char *const create_names[N_CREATE_FIELDS] = {
    [CREATE_EMAIL] = "email",
    [CREATE_USERNAME] = "username",
    [CREATE_DISPLAY_NAME] = "display_name",
    [CREATE_PASSWORD] = "password",
  };
  static const char *const sign_in_names[N_SIGN_IN_FIELDS] = {
    [SIGN_IN_LOGIN] = "login",
    [SIGN_IN_PASSWORD] = "password",
  };

  self->cancellable = g_cancellable_new ();
  self->oidc_cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < N_CREATE_FIELDS; i++)
    self->create_fields[i].name = create_names[i];
  for (guint i = 0; i < N_SIGN_IN_FIELDS; i++)
    self->sign_in_fields[i].name = sign_in_names[i];
  self->create_fields[CREATE_PASSWORD].hint = N_ ("Use at least 8 characters.");

  clear_errors (self);
  update_submit_button (self);
  update_server_label (self);
  set_mode (self, MODE_FORMS);
}

/**
 * cascade_welcome_page_get_session:
 *
 * Returns: (transfer none) (nullable): the session the page signs in to
 */
CascadeSession *
cascade_welcome_page_get_session (CascadeWelcomePage *self)
{
  g_return_val_if_fail (CASCADE_IS_WELCOME_PAGE (self), NULL);

  return self->session;
}

void
cascade_welcome_page_set_session (CascadeWelcomePage *self, CascadeSession *session)
{
  g_return_if_fail (CASCADE_IS_WELCOME_PAGE (self));
  g_return_if_fail (session == NULL || CASCADE_IS_SESSION (session));

  if (self->session == session)
    return;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      g_signal_connect_object (session, "notify::server-url", G_CALLBACK (update_server_label),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (session, "notify::server-url", G_CALLBACK (load_providers), self,
                               G_CONNECT_SWAPPED);
    }

  update_server_label (self);
  update_submit_button (self);
  load_providers (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/**
 * cascade_welcome_page_get_busy:
 *
 * Returns: whether the page waits for the server to answer
 */
gboolean
cascade_welcome_page_get_busy (CascadeWelcomePage *self)
{
  g_return_val_if_fail (CASCADE_IS_WELCOME_PAGE (self), FALSE);

  return self->busy;
}

CascadeWelcomeForm
cascade_welcome_page_get_form (CascadeWelcomePage *self)
{
  g_return_val_if_fail (CASCADE_IS_WELCOME_PAGE (self), CASCADE_WELCOME_FORM_CREATE_ACCOUNT);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->form_stack), "sign-in") == 0)
    return CASCADE_WELCOME_FORM_SIGN_IN;
  return CASCADE_WELCOME_FORM_CREATE_ACCOUNT;
}

void
cascade_welcome_page_set_form (CascadeWelcomePage *self, CascadeWelcomeForm form)
{
  g_return_if_fail (CASCADE_IS_WELCOME_PAGE (self));

  gtk_stack_set_visible_child_name (
    self->form_stack, form == CASCADE_WELCOME_FORM_SIGN_IN ? "sign-in" : "create-account");
}

/**
 * cascade_welcome_page_focus_form:
 *
 * Puts the keyboard focus in the first entry of the visible form.
 */
void
cascade_welcome_page_focus_form (CascadeWelcomePage *self)
{
  guint n_fields;
  Field *fields;

  g_return_if_fail (CASCADE_IS_WELCOME_PAGE (self));

  fields = get_fields (self, &n_fields);
  gtk_widget_grab_focus (GTK_WIDGET (fields[0].row));
}

/**
 * cascade_welcome_page_reset:
 *
 * Empties every entry of both forms and takes away every message, so nothing
 * typed (passwords least of all) stays behind. A request still on its way is
 * no longer waited for: the page can be used again at once.
 */
void
cascade_welcome_page_reset (CascadeWelcomePage *self)
{
  g_return_if_fail (CASCADE_IS_WELCOME_PAGE (self));

  self->generation++;
  set_busy (self, FALSE);

  for (guint i = 0; i < N_CREATE_FIELDS; i++)
    gtk_editable_set_text (GTK_EDITABLE (self->create_fields[i].row), "");
  for (guint i = 0; i < N_SIGN_IN_FIELDS; i++)
    gtk_editable_set_text (GTK_EDITABLE (self->sign_in_fields[i].row), "");
  if (!row_is_empty (self->reset_email_row))
    gtk_editable_set_text (GTK_EDITABLE (self->reset_email_row), "");
  if (!row_is_empty (self->reset_code_row))
    gtk_editable_set_text (GTK_EDITABLE (self->reset_code_row), "");
  if (!row_is_empty (self->reset_password_row))
    gtk_editable_set_text (GTK_EDITABLE (self->reset_password_row), "");
  on_oidc_cancel_clicked (self);
  gtk_widget_set_visible (self->oidc_cancel_button, FALSE);
  set_mode (self, MODE_FORMS);

  clear_errors (self);
  update_submit_button (self);
}
