/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-follow-button.h"

#include <glib/gi18n.h>

struct _CascadeFollowButton
{
  GtkButton parent_instance;

  CascadeChatRoom *room;
  GCancellable *cancellable;
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (CascadeFollowButton, cascade_follow_button, GTK_TYPE_BUTTON)

static void
update (CascadeFollowButton *self)
{
  const char *me = self->room != NULL ? cascade_chat_room_get_username (self->room) : NULL;
  gboolean following = self->room != NULL && cascade_chat_room_get_following_since (self->room) > 0;

  gtk_widget_set_visible (GTK_WIDGET (self),
                          me != NULL &&
                            g_strcmp0 (me, cascade_chat_room_get_channel (self->room)) != 0);
  gtk_button_set_label (GTK_BUTTON (self), following ? _ ("Following") : _ ("Follow"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), following ? _ ("Stop following this channel")
                                                            : _ ("Follow this channel"));
  if (following)
    gtk_widget_remove_css_class (GTK_WIDGET (self), "suggested-action");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self), "suggested-action");
  gtk_widget_set_sensitive (GTK_WIDGET (self), !self->busy);
}

static void
on_followed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeFollowButton) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_chat_room_follow_finish (CASCADE_CHAT_ROOM (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), error->message);
      g_debug ("Could not follow: %s", error->message);
    }
  self->busy = FALSE;
  update (self);
  if (error != NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self), error->message);
}

static void
cascade_follow_button_clicked (GtkButton *button)
{
  CascadeFollowButton *self = CASCADE_FOLLOW_BUTTON (button);

  if (self->room == NULL || self->busy)
    return;
  self->busy = TRUE;
  update (self);
  cascade_chat_room_follow_async (self->room,
                                  cascade_chat_room_get_following_since (self->room) == 0,
                                  self->cancellable, on_followed, g_object_ref (self));
}

void
cascade_follow_button_set_room (CascadeFollowButton *self, CascadeChatRoom *room)
{
  g_return_if_fail (CASCADE_IS_FOLLOW_BUTTON (self));
  g_return_if_fail (room == NULL || CASCADE_IS_CHAT_ROOM (room));

  if (self->room == room)
    return;
  if (self->room != NULL)
    g_signal_handlers_disconnect_by_data (self->room, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->busy = FALSE;
  g_set_object (&self->room, room);
  if (room != NULL)
    {
      self->cancellable = g_cancellable_new ();
      g_signal_connect_swapped (room, "notify::following-since", G_CALLBACK (update), self);
      g_signal_connect_swapped (room, "notify::joined", G_CALLBACK (update), self);
    }
  update (self);
}

GtkWidget *
cascade_follow_button_new (void)
{
  return g_object_new (CASCADE_TYPE_FOLLOW_BUTTON, NULL);
}

static void
cascade_follow_button_dispose (GObject *object)
{
  cascade_follow_button_set_room (CASCADE_FOLLOW_BUTTON (object), NULL);

  G_OBJECT_CLASS (cascade_follow_button_parent_class)->dispose (object);
}

static void
cascade_follow_button_class_init (CascadeFollowButtonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkButtonClass *button_class = GTK_BUTTON_CLASS (klass);

  object_class->dispose = cascade_follow_button_dispose;
  button_class->clicked = cascade_follow_button_clicked;
}

static void
cascade_follow_button_init (CascadeFollowButton *self)
{
  update (self);
}
