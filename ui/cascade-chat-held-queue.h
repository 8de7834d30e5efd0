/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-chat-room.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_HELD_QUEUE (cascade_chat_held_queue_get_type ())

G_DECLARE_FINAL_TYPE (
  CascadeChatHeldQueue, cascade_chat_held_queue, CASCADE, CHAT_HELD_QUEUE, AdwBin)

/*
 * To moderators, above the chat: the messages held back by a blocked term
 * ("Held for Review"), each with Approve and Deny. Hidden while there are
 * none. A failed decision shows in the queue's own error line.
 */
GtkWidget *cascade_chat_held_queue_new (void);
void cascade_chat_held_queue_set_room (CascadeChatHeldQueue *self, CascadeChatRoom *room);

G_END_DECLS
