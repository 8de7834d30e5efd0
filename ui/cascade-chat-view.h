/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-chat-room.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_VIEW (cascade_chat_view_get_type ())

G_DECLARE_FINAL_TYPE (CascadeChatView, cascade_chat_view, CASCADE, CHAT_VIEW, AdwBin)

/*
 * A chat room, shown: its messages as they arrive (following the newest,
 * unless the person scrolled up: then a "New Messages" button), a composer
 * with @-completion of chatter names and an emote picker, refusals said
 * inline, moderation on each message (right-click, long press, or the Menu
 * key) and the room's modes, for moderators.
 */
GtkWidget *cascade_chat_view_new (void);
/* @room: (nullable): the room to show; the view does not join or leave it. */
void cascade_chat_view_set_room (CascadeChatView *self, CascadeChatRoom *room);
CascadeChatRoom *cascade_chat_view_get_room (CascadeChatView *self);

G_END_DECLS
