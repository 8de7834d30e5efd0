/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-color-button.h"

#include <glib/gi18n.h>

#include "cascade-chat-row.h"

struct _CascadeChatColorButton
{
  AdwBin parent_instance;

  CascadeClient *client;
  GCancellable *cancellable;
  char *color; /* chosen, or NULL: the default */
  gboolean loaded;
  gboolean updating; /* setting the toggles from the server's answer */

  GtkFlowBox *swatches;
  GtkToggleButton *default_button;
  GtkLabel *status_label;
};

G_DEFINE_FINAL_TYPE (CascadeChatColorButton, cascade_chat_color_button, ADW_TYPE_BIN)

static void
show_status (CascadeChatColorButton *self, const char *text)
{
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL);
}

/* The toggles say what the server has. */
static void
sync_toggles (CascadeChatColorButton *self)
{
  GtkWidget *child;

  self->updating = TRUE;
  for (child = gtk_widget_get_first_child (GTK_WIDGET (self->swatches)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *toggle = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
      const char *color = g_object_get_data (G_OBJECT (toggle), "cascade-color");

      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle),
                                    g_strcmp0 (color, self->color) == 0);
    }
  gtk_toggle_button_set_active (self->default_button, self->color == NULL);
  self->updating = FALSE;
}

static void on_swatch_toggled (GtkToggleButton *toggle, CascadeChatColorButton *self);

static void
fill_swatches (CascadeChatColorButton *self, const char *const *palette)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->swatches))) != NULL)
    gtk_flow_box_remove (self->swatches, child);
  for (guint i = 0; palette[i] != NULL; i++)
    {
      g_autofree char *shown = cascade_chat_row_readable_color (palette[i], dark);
      g_autofree char *markup = NULL;
      GtkWidget *toggle;
      GtkWidget *label;

      if (shown == NULL)
        continue;
      markup = g_strdup_printf ("<span foreground=\"%s\" size=\"x-large\">●</span>", shown);
      label = gtk_label_new (NULL);
      gtk_label_set_markup (GTK_LABEL (label), markup);
      toggle = gtk_toggle_button_new ();
      gtk_button_set_child (GTK_BUTTON (toggle), label);
      gtk_widget_add_css_class (toggle, "flat");
      gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (toggle), self->default_button);
      gtk_widget_set_tooltip_text (toggle, palette[i]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      palette[i], -1);
      gtk_widget_set_name (toggle, palette[i]);
      g_object_set_data_full (G_OBJECT (toggle), "cascade-color", g_strdup (palette[i]), g_free);
      g_signal_connect (toggle, "toggled", G_CALLBACK (on_swatch_toggled), self);
      gtk_flow_box_append (self->swatches, toggle);
    }
}

static void
on_color (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatColorButton) self = user_data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) palette = NULL;
  g_autofree char *color =
    cascade_client_chat_color_finish (CASCADE_CLIENT (source), result, &palette, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->swatches), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->default_button), TRUE);
  if (error != NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          show_status (self, error->message);
          sync_toggles (self);
        }
      return;
    }
  show_status (self, NULL);
  g_free (self->color);
  self->color = g_steal_pointer (&color);
  if (!self->loaded)
    fill_swatches (self, (const char *const *) palette);
  self->loaded = TRUE;
  sync_toggles (self);
}

static void
call (CascadeChatColorButton *self, gboolean set, const char *color)
{
  if (self->client == NULL)
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->swatches), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->default_button), FALSE);
  cascade_client_chat_color_async (self->client, set, color, self->cancellable, on_color,
                                   g_object_ref (self));
}

static void
on_swatch_toggled (GtkToggleButton *toggle, CascadeChatColorButton *self)
{
  const char *color = g_object_get_data (G_OBJECT (toggle), "cascade-color");

  if (!self->updating && gtk_toggle_button_get_active (toggle) &&
      g_strcmp0 (color, self->color) != 0)
    call (self, TRUE, color);
}

static void
on_default_toggled (CascadeChatColorButton *self)
{
  if (!self->updating && gtk_toggle_button_get_active (self->default_button) && self->color != NULL)
    call (self, TRUE, NULL);
}

static void
on_popover_show (CascadeChatColorButton *self)
{
  call (self, FALSE, NULL);
}

GtkWidget *
cascade_chat_color_button_new (void)
{
  return g_object_new (CASCADE_TYPE_CHAT_COLOR_BUTTON, NULL);
}

void
cascade_chat_color_button_set_client (CascadeChatColorButton *self, CascadeClient *client)
{
  g_return_if_fail (CASCADE_IS_CHAT_COLOR_BUTTON (self));
  g_return_if_fail (client == NULL || CASCADE_IS_CLIENT (client));

  if (self->client == client)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->client, client);
  self->loaded = FALSE;
}

static void
on_dark_changed (CascadeChatColorButton *self)
{
  self->loaded = FALSE; /* the swatches again, for the new background */
  if (gtk_widget_get_visible (GTK_WIDGET (
        gtk_menu_button_get_popover (GTK_MENU_BUTTON (adw_bin_get_child (ADW_BIN (self)))))))
    call (self, FALSE, NULL);
}

static void
cascade_chat_color_button_dispose (GObject *object)
{
  CascadeChatColorButton *self = CASCADE_CHAT_COLOR_BUTTON (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_CHAT_COLOR_BUTTON);

  G_OBJECT_CLASS (cascade_chat_color_button_parent_class)->dispose (object);
}

static void
cascade_chat_color_button_finalize (GObject *object)
{
  CascadeChatColorButton *self = CASCADE_CHAT_COLOR_BUTTON (object);

  g_free (self->color);

  G_OBJECT_CLASS (cascade_chat_color_button_parent_class)->finalize (object);
}

static void
cascade_chat_color_button_class_init (CascadeChatColorButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cascade_chat_color_button_dispose;
  object_class->finalize = cascade_chat_color_button_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-chat-color-button.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeChatColorButton, swatches);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatColorButton, default_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatColorButton, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_popover_show);
  gtk_widget_class_bind_template_callback (widget_class, on_default_toggled);
}

static void
cascade_chat_color_button_init (CascadeChatColorButton *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_dark_changed), self, G_CONNECT_SWAPPED);
}
