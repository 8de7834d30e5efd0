/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-held-queue.h"

#include <glib/gi18n.h>

#include "cascade-chat-row.h"

struct _CascadeChatHeldQueue
{
  AdwBin parent_instance;

  CascadeChatRoom *room;
  GCancellable *cancellable;

  GtkLabel *title_label;
  GtkListBox *list;
  GtkLabel *error_label;
};

G_DEFINE_FINAL_TYPE (CascadeChatHeldQueue, cascade_chat_held_queue, ADW_TYPE_BIN)

static void
update (CascadeChatHeldQueue *self)
{
  guint n =
    self->room != NULL ? g_list_model_get_n_items (cascade_chat_room_get_held (self->room)) : 0;
  g_autofree char *title = NULL;

  /* Translators: messages a blocked term held back, waiting for a moderator. */
  title = g_strdup_printf (
    g_dngettext (GETTEXT_PACKAGE, "Held for Review (%u)", "Held for Review (%u)", n), n);
  gtk_label_set_text (self->title_label, title);
  gtk_widget_set_visible (GTK_WIDGET (self), n > 0);
  if (n == 0)
    gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
}

static void
on_decided (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatHeldQueue) self = user_data;
  g_autoptr (GError) error = NULL;

  if (cascade_chat_room_moderate_finish (CASCADE_CHAT_ROOM (source), result, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_label_set_text (self->error_label, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void
decide (CascadeChatHeldQueue *self, GtkWidget *button, gboolean approve)
{
  const char *id = g_object_get_data (G_OBJECT (button), "cascade-held-id");

  if (self->room == NULL || id == NULL)
    return;
  gtk_widget_set_sensitive (gtk_widget_get_parent (button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  cascade_chat_room_decide_held_async (self->room, id, approve, self->cancellable, on_decided,
                                       g_object_ref (self));
}

static void
on_approve_clicked (GtkButton *button, CascadeChatHeldQueue *self)
{
  decide (self, GTK_WIDGET (button), TRUE);
}

static void
on_deny_clicked (GtkButton *button, CascadeChatHeldQueue *self)
{
  decide (self, GTK_WIDGET (button), FALSE);
}

static GtkWidget *
add_button (CascadeChatHeldQueue *self,
            GtkWidget *box,
            const char *label,
            const char *style,
            const char *id,
            GCallback callback)
{
  GtkWidget *button = gtk_button_new_with_label (label);

  gtk_widget_add_css_class (button, style);
  g_object_set_data_full (G_OBJECT (button), "cascade-held-id", g_strdup (id), g_free);
  g_signal_connect (button, "clicked", callback, self);
  gtk_box_append (GTK_BOX (box), button);
  return button;
}

static GtkWidget *
create_row (gpointer item, gpointer user_data)
{
  CascadeChatHeldQueue *self = user_data;
  CascadeChatMessage *message = item;
  const char *id = cascade_chat_message_get_id (message);
  g_autofree char *name =
    g_markup_escape_text (cascade_chat_message_get_display_name (message), -1);
  g_autofree char *text = g_markup_escape_text (cascade_chat_message_get_text (message), -1);
  g_autofree char *color =
    cascade_chat_row_readable_color (cascade_chat_message_get_color (message),
                                     adw_style_manager_get_dark (adw_style_manager_get_default ()));
  g_autofree char *markup = NULL;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *row = gtk_list_box_row_new ();

  markup = color != NULL ? g_strdup_printf ("<span weight=\"bold\" foreground=\"%s\">%s</span>: %s",
                                            color, name, text)
                         : g_strdup_printf ("<b>%s</b>: %s", name, text);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  gtk_box_append (GTK_BOX (box), label);

  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  add_button (self, buttons, _ ("Deny"), "destructive-action", id, G_CALLBACK (on_deny_clicked));
  add_button (self, buttons, _ ("Approve"), "suggested-action", id,
              G_CALLBACK (on_approve_clicked));
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_name (row, id);
  return row;
}

GtkWidget *
cascade_chat_held_queue_new (void)
{
  return g_object_new (CASCADE_TYPE_CHAT_HELD_QUEUE, NULL);
}

void
cascade_chat_held_queue_set_room (CascadeChatHeldQueue *self, CascadeChatRoom *room)
{
  g_return_if_fail (CASCADE_IS_CHAT_HELD_QUEUE (self));
  g_return_if_fail (room == NULL || CASCADE_IS_CHAT_ROOM (room));

  if (self->room == room)
    return;
  if (self->room != NULL)
    {
      g_signal_handlers_disconnect_by_data (cascade_chat_room_get_held (self->room), self);
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);
    }
  g_set_object (&self->room, room);
  if (room != NULL)
    {
      self->cancellable = g_cancellable_new ();
      gtk_list_box_bind_model (self->list, cascade_chat_room_get_held (room), create_row, self,
                               NULL);
      g_signal_connect_swapped (cascade_chat_room_get_held (room), "items-changed",
                                G_CALLBACK (update), self);
    }
  update (self);
}

static void
cascade_chat_held_queue_dispose (GObject *object)
{
  CascadeChatHeldQueue *self = CASCADE_CHAT_HELD_QUEUE (object);

  if (self->list != NULL)
    cascade_chat_held_queue_set_room (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_CHAT_HELD_QUEUE);

  G_OBJECT_CLASS (cascade_chat_held_queue_parent_class)->dispose (object);
}

static void
cascade_chat_held_queue_class_init (CascadeChatHeldQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cascade_chat_held_queue_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-chat-held-queue.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeChatHeldQueue, title_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatHeldQueue, list);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatHeldQueue, error_label);
}

static void
cascade_chat_held_queue_init (CascadeChatHeldQueue *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
