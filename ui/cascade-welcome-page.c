/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-welcome-page.h"

#include <glib/gi18n.h>

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

/* What to tell a person about @error, in their language where we know the
 * case, else in the server's words. */
static char *
describe_error (CascadeWelcomePage *self, const GError *error)
{
  static const struct
  {
    const char *code;
    const char *text;
  } codes[] = {
    { "email_taken", N_ ("This email address already has an account. Sign in instead.") },
    { "username_taken", N_ ("This username is taken. Choose another one.") },
    { "invalid_email", N_ ("Enter an email address, such as ada@example.org.") },
    { "invalid_username", N_ ("Use 3 to 32 lower-case letters, digits and underscores.") },
    { "invalid_password", N_ ("Use 8 to 128 characters.") },
    { "invalid_display_name", N_ ("Use 1 to 64 characters, or leave it empty.") },
    { "missing_field", N_ ("This cannot be empty.") },
    { "invalid_credentials", N_ ("The email, username or password is not right.") },
  };
  const char *server_url = cascade_session_get_server_url (self->session);
  const char *code;

  if (error->domain != CASCADE_CLIENT_ERROR)
    return g_strdup (error->message);

  code = cascade_client_error_get_code (error);
  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (codes); i++)
    {
      if (g_str_equal (codes[i].code, code))
        return g_strdup (_ (codes[i].text));
    }

  switch ((CascadeClientError) error->code)
    {
      case CASCADE_CLIENT_ERROR_NETWORK:
        return g_strdup_printf (_ ("Could not reach the server at %s. Check that it is running "
                                   "and that the address is right."),
                                server_url);
      case CASCADE_CLIENT_ERROR_PROTOCOL:
        return g_strdup_printf (_ ("The server at %s answered something Cascade cannot read. "
                                   "Is it a Cascade server?"),
                                server_url);
      case CASCADE_CLIENT_ERROR_SERVER:
        return g_strdup (_ ("The server ran into a problem. Try again in a moment."));
      case CASCADE_CLIENT_ERROR_RATE_LIMITED:
        return g_strdup (_ ("Too many attempts. Wait a moment, then try again."));
      case CASCADE_CLIENT_ERROR_INVALID:
      case CASCADE_CLIENT_ERROR_UNAUTHORIZED:
      case CASCADE_CLIENT_ERROR_FORBIDDEN:
      case CASCADE_CLIENT_ERROR_NOT_FOUND:
      case CASCADE_CLIENT_ERROR_CONFLICT:
      case CASCADE_CLIENT_ERROR_TOO_LARGE:
      case CASCADE_CLIENT_ERROR_NO_SECRETS:
      default:
        return g_strdup (error->message);
    }
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
  show_error (self, error);
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

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < N_CREATE_FIELDS; i++)
    self->create_fields[i].name = create_names[i];
  for (guint i = 0; i < N_SIGN_IN_FIELDS; i++)
    self->sign_in_fields[i].name = sign_in_names[i];
  self->create_fields[CREATE_PASSWORD].hint = N_ ("Use at least 8 characters.");

  clear_errors (self);
  update_submit_button (self);
  update_server_label (self);
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
    g_signal_connect_object (session, "notify::server-url", G_CALLBACK (update_server_label), self,
                             G_CONNECT_SWAPPED);

  update_server_label (self);
  update_submit_button (self);
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

  clear_errors (self);
  update_submit_button (self);
}
