/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-chat-room.h"

G_BEGIN_DECLS

/* What CascadeChatRoom's files share (cascade-chat-room.c keeps the state and
 * the realtime connection; cascade-chat-room-calls.c makes the calls). */

/* What a request's answer carries. */
typedef enum
{
  CASCADE_CHAT_REPLY_SENT,     /* chat.sent: the message id */
  CASCADE_CHAT_REPLY_OK,       /* chat.ok */
  CASCADE_CHAT_REPLY_CHATTERS, /* chat.chatters: the usernames */
} CascadeChatReplyKind;

/* Sends @message (its "type" set) with a fresh "id" and the room's channel;
 * @task (taken) completes with the answer, or fails when not connected, on
 * an error, when the connection drops, after a timeout, or when cancelled. */
void _cascade_chat_room_send_request (CascadeChatRoom *self,
                                      JsonObject *message,
                                      CascadeChatReplyKind kind,
                                      GTask *task);
/* The error the server sent for a request, in words a person understands,
 * with the server's code. */
GError *_cascade_chat_error_new_from_message (JsonObject *message);
gint64 _cascade_chat_get_int (JsonObject *object, const char *name, gint64 fallback);
void _cascade_chat_room_set_emotes (CascadeChatRoom *self, JsonArray *emotes);
void _cascade_chat_room_set_following_since (CascadeChatRoom *self, gint64 since);

G_END_DECLS
