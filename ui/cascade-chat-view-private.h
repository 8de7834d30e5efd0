/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cascade-chat-color-button.h"
#include "cascade-chat-held-queue.h"
#include "cascade-chat-view.h"

G_BEGIN_DECLS

/* What CascadeChatView's files share (cascade-chat-view.c: the list, the
 * composer and the modes; cascade-chat-view-moderation.c: the message
 * menu, moderation, held messages and the chat settings). */

struct _CascadeChatView
{
  AdwBin parent_instance;

  CascadeChatRoom *room;
  GCancellable *cancellable; /* this room's calls */
  GHashTable *textures;      /* emote server path → GdkPaintable */
  GHashTable *loading;       /* emote server paths asked for */
  gboolean stick;            /* following the newest message */
  gboolean sending;
  guint error_id;
  guint timeout_update_id;
  gint64 chatters_asked_us;
  int completion_start; /* character offset of the '@' being completed, or -1 */

  GtkWidget *completion_popover;
  GtkListBox *completion_list;
  GtkWidget *context_menu;

  GtkLabel *counts_label;
  GtkMenuButton *modes_button;
  GtkLabel *modes_label;
  CascadeChatHeldQueue *held_queue;
  GtkScrolledWindow *scroller;
  GtkListBox *list;
  GtkWidget *empty_label;
  GtkWidget *new_messages_button;
  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  CascadeChatColorButton *color_button;
  GtkMenuButton *emote_button;
  GtkFlowBox *emote_box;
  GtkEntry *entry;
  GtkWidget *send_button;
};

void _cascade_chat_view_show_error (CascadeChatView *self, const GError *error);
void _cascade_chat_view_on_moderated (GObject *source, GAsyncResult *result, gpointer user_data);
void _cascade_chat_view_class_init_moderation (GtkWidgetClass *widget_class);
void _cascade_chat_view_init_moderation (CascadeChatView *self);
/* The room changed (or its role): what moderators see follows. */
void _cascade_chat_view_update_moderation (CascadeChatView *self);

G_END_DECLS
