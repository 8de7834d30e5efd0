/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cascade-chat-room.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_FOLLOW_BUTTON (cascade_follow_button_get_type ())

G_DECLARE_FINAL_TYPE (CascadeFollowButton, cascade_follow_button, CASCADE, FOLLOW_BUTTON, GtkButton)

/*
 * Follow / Following for a channel: the channel of a chat room, whose
 * "following-since" says whether the signed-in user follows it. Hidden when
 * signed out, and on one's own channel.
 */
GtkWidget *cascade_follow_button_new (void);
/* @room: (nullable) */
void cascade_follow_button_set_room (CascadeFollowButton *self, CascadeChatRoom *room);

G_END_DECLS
