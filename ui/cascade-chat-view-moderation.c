/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-view-private.h"

#include <glib/gi18n.h>

#include "cascade-chat-row.h"
#include "cascade-chat-settings-window.h"

/*
 * CascadeChatView's moderation: the menu of a message (right-click, long
 * press, Menu or Shift+F10) with its actions, the queue of held messages,
 * and the chat settings (moderation log, blocked terms, moderators) from the
 * room's mode menu.
 */

/* ---- context menu -------------------------------------------------------- */

/* The streamer (or a site admin) appoints the channel's moderators. */
static gboolean
may_appoint (CascadeChatView *self)
{
  const char *role = self->room != NULL ? cascade_chat_room_get_role (self->room) : NULL;

  return g_strcmp0 (role, "streamer") == 0 || g_strcmp0 (role, "admin") == 0;
}

static GMenu *
build_message_menu (CascadeChatView *self, CascadeChatMessage *message)
{
  GMenu *menu = g_menu_new ();
  const char *username = cascade_chat_message_get_username (message);
  const char *me = cascade_chat_room_get_username (self->room);
  g_autoptr (GMenu) mention = g_menu_new ();
  g_autoptr (GMenuItem) item = NULL;

  item = g_menu_item_new (_ ("Mention"), NULL);
  g_menu_item_set_action_and_target_value (item, "chat.mention", g_variant_new_string (username));
  g_menu_append_item (mention, item);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (mention));

  if (cascade_chat_room_get_can_moderate (self->room))
    {
      g_autoptr (GMenu) moderate = g_menu_new ();
      static const struct
      {
        const char *label;
        guint seconds;
      } timeouts[] = {
        { N_ ("Time Out for 10 Minutes"), 600 },
        { N_ ("Time Out for 1 Hour"), 3600 },
        { N_ ("Time Out for 24 Hours"), 86400 },
      };

      g_clear_object (&item);
      item = g_menu_item_new (_ ("Delete Message"), NULL);
      g_menu_item_set_action_and_target_value (
        item, "chat.delete-message", g_variant_new_string (cascade_chat_message_get_id (message)));
      g_menu_append_item (moderate, item);

      /* The server refuses to time out or ban the streamer, and a
       * moderator's timing out or banning another moderator: not offered. */
      if (g_strcmp0 (username, me) != 0 && !cascade_chat_message_has_badge (message, "streamer") &&
          (may_appoint (self) || (!cascade_chat_message_has_badge (message, "moderator") &&
                                  !cascade_chat_message_has_badge (message, "admin"))))
        {
          for (guint i = 0; i < G_N_ELEMENTS (timeouts); i++)
            {
              g_clear_object (&item);
              item = g_menu_item_new (_ (timeouts[i].label), NULL);
              g_menu_item_set_action_and_target_value (
                item, "chat.timeout", g_variant_new ("(su)", username, timeouts[i].seconds));
              g_menu_append_item (moderate, item);
            }
          g_clear_object (&item);
          item = g_menu_item_new (_ ("Ban"), NULL);
          g_menu_item_set_action_and_target_value (item, "chat.ban",
                                                   g_variant_new_string (username));
          g_menu_append_item (moderate, item);
          g_clear_object (&item);
          item = g_menu_item_new (_ ("Unban"), NULL);
          g_menu_item_set_action_and_target_value (item, "chat.unban",
                                                   g_variant_new_string (username));
          g_menu_append_item (moderate, item);
        }
      g_menu_append_section (menu, NULL, G_MENU_MODEL (moderate));
    }
  if (may_appoint (self) && g_strcmp0 (username, me) != 0 &&
      !cascade_chat_message_has_badge (message, "streamer"))
    {
      g_autoptr (GMenu) appoint = g_menu_new ();
      gboolean is_moderator = cascade_chat_message_has_badge (message, "moderator");

      g_clear_object (&item);
      item = g_menu_item_new (is_moderator ? _ ("Remove Moderator") : _ ("Make Moderator"), NULL);
      g_menu_item_set_action_and_target_value (item, "chat.set-moderator",
                                               g_variant_new ("(sb)", username, !is_moderator));
      g_menu_append_item (appoint, item);
      g_menu_append_section (menu, NULL, G_MENU_MODEL (appoint));
    }
  return menu;
}

static void
popup_menu_for_row (CascadeChatView *self, GtkListBoxRow *row, double x, double y)
{
  GtkWidget *child;
  g_autoptr (GMenu) menu = NULL;
  graphene_point_t point;

  if (row == NULL || self->room == NULL)
    return;
  child = gtk_list_box_row_get_child (row);
  if (!CASCADE_IS_CHAT_ROW (child))
    return;
  menu = build_message_menu (self, cascade_chat_row_get_message (CASCADE_CHAT_ROW (child)));
  if (x < 0 || !gtk_widget_compute_point (GTK_WIDGET (row), GTK_WIDGET (self),
                                          &GRAPHENE_POINT_INIT (x, y), &point))
    {
      if (!gtk_widget_compute_point (GTK_WIDGET (row), GTK_WIDGET (self),
                                     &GRAPHENE_POINT_INIT (24, 12), &point))
        return;
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (self->context_menu), G_MENU_MODEL (menu));
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle){ (int) point.x, (int) point.y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
on_list_pressed (GtkGestureClick *gesture, int n_press, double x, double y, CascadeChatView *self)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_y (self->list, (int) y);
  graphene_point_t point;

  if (row == NULL || !gtk_widget_compute_point (GTK_WIDGET (self->list), GTK_WIDGET (row),
                                                &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  popup_menu_for_row (self, row, point.x, point.y);
}

static void
on_list_long_pressed (GtkGestureLongPress *gesture, double x, double y, CascadeChatView *self)
{
  on_list_pressed (NULL, 1, x, y, self);
}

static void
context_menu_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (widget));

  while (focus != NULL && !GTK_IS_LIST_BOX_ROW (focus))
    focus = gtk_widget_get_parent (focus);
  if (focus != NULL && gtk_widget_get_parent (focus) == GTK_WIDGET (self->list))
    popup_menu_for_row (self, GTK_LIST_BOX_ROW (focus), -1, -1);
}

/* ---- moderation ---------------------------------------------------------- */

/* Shows why a moderation call failed; @user_data is a reference to the view. */
void
_cascade_chat_view_on_moderated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_chat_room_moderate_finish (CASCADE_CHAT_ROOM (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _cascade_chat_view_show_error (self, error);
}

static void
delete_message_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);

  if (self->room != NULL)
    cascade_chat_room_delete_message_async (self->room, g_variant_get_string (parameter, NULL),
                                            self->cancellable, _cascade_chat_view_on_moderated,
                                            g_object_ref (self));
}

static void
timeout_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);
  const char *username;
  guint seconds;

  g_variant_get (parameter, "(&su)", &username, &seconds);
  if (self->room != NULL && seconds >= 1 && seconds <= 1209600)
    cascade_chat_room_timeout_async (self->room, username, seconds, self->cancellable,
                                     _cascade_chat_view_on_moderated, g_object_ref (self));
}

static void
ban_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);
  const char *username = g_variant_get_string (parameter, NULL);

  if (self->room == NULL)
    return;
  if (g_str_equal (action_name, "chat.ban"))
    cascade_chat_room_ban_async (self->room, username, self->cancellable,
                                 _cascade_chat_view_on_moderated, g_object_ref (self));
  else
    cascade_chat_room_unban_async (self->room, username, self->cancellable,
                                   _cascade_chat_view_on_moderated, g_object_ref (self));
}

static void
on_moderator_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_chat_room_set_moderator_finish (CASCADE_CHAT_ROOM (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _cascade_chat_view_show_error (self, error);
}

static void
set_moderator_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);
  const char *username;
  gboolean add;

  g_variant_get (parameter, "(&sb)", &username, &add);
  if (self->room != NULL && may_appoint (self))
    cascade_chat_room_set_moderator_async (self->room, username, add, self->cancellable,
                                           on_moderator_set, g_object_ref (self));
}

/* ---- chat settings ---------------------------------------------------------- */

static void
show_settings_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *window;
  const char *page = g_str_equal (action_name, "chat.show-mod-log")         ? "log"
                     : g_str_equal (action_name, "chat.show-blocked-terms") ? "terms"
                                                                            : "moderators";

  if (self->room == NULL || !cascade_chat_room_get_can_moderate (self->room))
    return;
  window = cascade_chat_settings_window_new (self->room, page);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (window));
}

void
_cascade_chat_view_update_moderation (CascadeChatView *self)
{
  gboolean can_moderate = self->room != NULL && cascade_chat_room_get_can_moderate (self->room);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.show-mod-log", can_moderate);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.show-blocked-terms", can_moderate);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.show-moderators",
                                 can_moderate && may_appoint (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.set-moderator", may_appoint (self));
  if (self->held_queue != NULL)
    cascade_chat_held_queue_set_room (self->held_queue, can_moderate ? self->room : NULL);
}

void
_cascade_chat_view_class_init_moderation (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "chat.delete-message", "s", delete_message_action);
  gtk_widget_class_install_action (widget_class, "chat.timeout", "(su)", timeout_action);
  gtk_widget_class_install_action (widget_class, "chat.ban", "s", ban_action);
  gtk_widget_class_install_action (widget_class, "chat.unban", "s", ban_action);
  gtk_widget_class_install_action (widget_class, "chat.set-moderator", "(sb)",
                                   set_moderator_action);
  gtk_widget_class_install_action (widget_class, "chat.show-mod-log", NULL, show_settings_action);
  gtk_widget_class_install_action (widget_class, "chat.show-blocked-terms", NULL,
                                   show_settings_action);
  gtk_widget_class_install_action (widget_class, "chat.show-moderators", NULL,
                                   show_settings_action);
  gtk_widget_class_install_action (widget_class, "chat.context-menu", NULL, context_menu_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "chat.context-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "chat.context-menu", NULL);
}

void
_cascade_chat_view_init_moderation (CascadeChatView *self)
{
  GtkGesture *gesture;

  gesture = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_SECONDARY);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_list_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list), GTK_EVENT_CONTROLLER (gesture));
  gesture = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (gesture), TRUE);
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_list_long_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list), GTK_EVENT_CONTROLLER (gesture));

  self->context_menu = gtk_popover_menu_new_from_model (NULL);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self->context_menu), GTK_POS_BOTTOM);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
}
