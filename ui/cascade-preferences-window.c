/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-preferences-window.h"

#include <glib/gi18n.h>

#include "cascade-server-url.h"

struct _CascadePreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;

  AdwEntryRow *server_row;
  GtkLabel *server_error;
  GtkSwitch *relay_switch;
  AdwActionRow *children_row;
  GtkSpinButton *children_spin;
  GtkSwitch *privacy_switch;
};

G_DEFINE_FINAL_TYPE (CascadePreferencesWindow,
                     cascade_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

enum
{
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_server_error (CascadePreferencesWindow *self, const char *message)
{
  gboolean is_error = message != NULL;

  gtk_label_set_text (self->server_error, is_error ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->server_error), is_error);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->server_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->server_row), "error");
  gtk_accessible_update_state (
    GTK_ACCESSIBLE (self->server_row), GTK_ACCESSIBLE_STATE_INVALID,
    is_error ? GTK_ACCESSIBLE_INVALID_TRUE : GTK_ACCESSIBLE_INVALID_FALSE, -1);
}

/* Enter or the apply button: a valid address goes into the settings (the
 * session follows them, and signs out when it changes); anything else stays
 * in the entry with the reason under it. */
static void
on_server_apply (CascadePreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  g_autoptr (GError) error = NULL;
  g_autofree char *url = cascade_server_url_normalize (text, &error);
  g_autofree char *current = NULL;

  if (url == NULL)
    {
      show_server_error (self, error->message);
      return;
    }

  show_server_error (self, NULL);
  current = g_settings_get_string (self->settings, "server-url");
  if (g_strcmp0 (current, url) == 0)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
      return;
    }

  g_settings_set_string (self->settings, "server-url", url);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                    adw_toast_new_format (_ ("Cascade now uses %s"), url));
}

static void
on_server_changed (CascadePreferencesWindow *self)
{
  show_server_error (self, NULL);
}

static void
cascade_preferences_window_constructed (GObject *object)
{
  CascadePreferencesWindow *self = CASCADE_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (cascade_preferences_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));
  g_settings_bind (self->settings, "server-url", self->server_row, "text", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "relay-enabled", self->relay_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "relay-enabled", self->children_row, "sensitive",
                   G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "relay-max-children", self->children_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "privacy-mode", self->privacy_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
cascade_preferences_window_get_property (GObject *object,
                                         guint prop_id,
                                         GValue *value,
                                         GParamSpec *pspec)
{
  CascadePreferencesWindow *self = CASCADE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
      case PROP_SETTINGS:
        g_value_set_object (value, self->settings);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_preferences_window_set_property (GObject *object,
                                         guint prop_id,
                                         const GValue *value,
                                         GParamSpec *pspec)
{
  CascadePreferencesWindow *self = CASCADE_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
      case PROP_SETTINGS:
        g_set_object (&self->settings, g_value_get_object (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_preferences_window_dispose (GObject *object)
{
  CascadePreferencesWindow *self = CASCADE_PREFERENCES_WINDOW (object);

  if (self->server_row != NULL)
    {
      g_settings_unbind (self->server_row, "text");
      g_settings_unbind (self->relay_switch, "active");
      g_settings_unbind (self->children_row, "sensitive");
      g_settings_unbind (self->children_spin, "value");
      g_settings_unbind (self->privacy_switch, "active");
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cascade_preferences_window_parent_class)->dispose (object);
}

static void
cascade_preferences_window_class_init (CascadePreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = cascade_preferences_window_constructed;
  object_class->get_property = cascade_preferences_window_get_property;
  object_class->set_property = cascade_preferences_window_set_property;
  object_class->dispose = cascade_preferences_window_dispose;

  /**
   * CascadePreferencesWindow:settings:
   *
   * The app's settings (net.cascadecast.Cascade).
   */
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadePreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, CascadePreferencesWindow, server_error);
  gtk_widget_class_bind_template_child (widget_class, CascadePreferencesWindow, relay_switch);
  gtk_widget_class_bind_template_child (widget_class, CascadePreferencesWindow, children_row);
  gtk_widget_class_bind_template_child (widget_class, CascadePreferencesWindow, children_spin);
  gtk_widget_class_bind_template_child (widget_class, CascadePreferencesWindow, privacy_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_server_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_server_changed);
}

static void
cascade_preferences_window_init (CascadePreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cascade_preferences_window_new:
 * @parent: (nullable): the window it belongs to
 * @settings: the app's settings
 *
 * Returns: (transfer none): a new preferences window
 */
CascadePreferencesWindow *
cascade_preferences_window_new (GtkWindow *parent, GSettings *settings)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (CASCADE_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "settings",
                       settings, NULL);
}
