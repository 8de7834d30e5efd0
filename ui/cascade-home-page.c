/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-home-page.h"

#include <glib/gi18n.h>

#include "cascade-session.h"
#include "cascade-user.h"

struct _CascadeHomePage
{
  AdwBin parent_instance;

  CascadeSession *session;

  AdwAvatar *avatar;
  GtkLabel *greeting_label;
  GtkLabel *username_label;
  AdwActionRow *email_row;
  AdwActionRow *server_row;
};

G_DEFINE_FINAL_TYPE (CascadeHomePage, cascade_home_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_user (CascadeHomePage *self)
{
  CascadeUser *user = self->session != NULL ? cascade_session_get_user (self->session) : NULL;
  g_autofree char *greeting = NULL;
  g_autofree char *username = NULL;
  const char *display_name;

  if (user == NULL)
    {
      adw_avatar_set_text (self->avatar, NULL);
      gtk_label_set_text (self->greeting_label, "");
      gtk_label_set_text (self->username_label, "");
      adw_action_row_set_subtitle (self->email_row, "");
      return;
    }

  display_name = cascade_user_get_display_name (user);
  if (display_name == NULL || *display_name == '\0')
    display_name = cascade_user_get_username (user);

  /* Translators: the greeting on Home; %s is the person's display name. */
  greeting = g_strdup_printf (_ ("Welcome, %s!"), display_name);
  username = g_strdup_printf ("@%s", cascade_user_get_username (user));

  adw_avatar_set_text (self->avatar, display_name);
  gtk_label_set_text (self->greeting_label, greeting);
  gtk_label_set_text (self->username_label, username);
  adw_action_row_set_subtitle (self->email_row, cascade_user_get_email (user));
}

static void
update_server (CascadeHomePage *self)
{
  adw_action_row_set_subtitle (
    self->server_row, self->session != NULL ? cascade_session_get_server_url (self->session) : "");
}

static void
cascade_home_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeHomePage *self = CASCADE_HOME_PAGE (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        g_value_set_object (value, self->session);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_home_page_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  CascadeHomePage *self = CASCADE_HOME_PAGE (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        cascade_home_page_set_session (self, g_value_get_object (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_home_page_dispose (GObject *object)
{
  CascadeHomePage *self = CASCADE_HOME_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_HOME_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cascade_home_page_parent_class)->dispose (object);
}

static void
cascade_home_page_class_init (CascadeHomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cascade_home_page_get_property;
  object_class->set_property = cascade_home_page_set_property;
  object_class->dispose = cascade_home_page_dispose;

  /**
   * CascadeHomePage:session:
   *
   * The session whose user the page greets.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CASCADE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-home-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeHomePage, avatar);
  gtk_widget_class_bind_template_child (widget_class, CascadeHomePage, greeting_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeHomePage, username_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeHomePage, email_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeHomePage, server_row);
}

static void
cascade_home_page_init (CascadeHomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cascade_home_page_get_session:
 *
 * Returns: (transfer none) (nullable): the session whose user the page greets
 */
CascadeSession *
cascade_home_page_get_session (CascadeHomePage *self)
{
  g_return_val_if_fail (CASCADE_IS_HOME_PAGE (self), NULL);

  return self->session;
}

void
cascade_home_page_set_session (CascadeHomePage *self, CascadeSession *session)
{
  g_return_if_fail (CASCADE_IS_HOME_PAGE (self));
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
      g_signal_connect_object (session, "notify::server-url", G_CALLBACK (update_server), self,
                               G_CONNECT_SWAPPED);
    }

  update_user (self);
  update_server (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
