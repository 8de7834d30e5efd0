/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-chat-room.h"

G_BEGIN_DECLS

/* What CascadeChatRoom's files share (cascade-chat-room.c keeps the state and
 * the realtime connection; cascade-chat-room-requests.c the requests in
 * flight; cascade-chat-room-calls.c makes the calls;
 * cascade-chat-room-moderation.c the held messages, the moderation log,
 * blocked terms and moderators). */

typedef struct _CascadeChatModeration CascadeChatModeration;

struct _CascadeChatRoom
{
  GObject parent_instance;

  CascadeSession *session;
  char *channel;
  GListStore *messages;
  GHashTable *pending; /* request id → GTask */
  GHashTable *emotes;  /* code → server path */
  GStrv emote_codes;
  GHashTable *chatter_names; /* username → NULL, from the last chatter list */
  gulong realtime_handlers[16];
  gboolean wanted; /* join was called, leave was not */
  char *join_id;   /* the id of the chat.join in flight */
  char *join_error;

  gboolean joined;
  gboolean open;
  char *role;
  gboolean banned;
  gint64 timeout_until;
  gint64 following_since;
  guint slow_seconds;
  gboolean followers_only;
  guint follow_age_seconds;
  gboolean emote_only;
  guint viewers;
  guint chatters;

  CascadeChatModeration *moderation;
};

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
char *_cascade_chat_format_duration (gint64 seconds);
gint64 _cascade_chat_get_int (JsonObject *object, const char *name, gint64 fallback);
void
_cascade_chat_room_complete_request (CascadeChatRoom *self, const char *type, JsonObject *message);
void _cascade_chat_room_fail_all_requests (CascadeChatRoom *self, const char *why);
void _cascade_chat_room_set_emotes (CascadeChatRoom *self, JsonArray *emotes);
void _cascade_chat_room_set_following_since (CascadeChatRoom *self, gint64 since);

/* cascade-chat-room-moderation.c */
CascadeChatModeration *_cascade_chat_moderation_new (void);
void _cascade_chat_moderation_free (CascadeChatModeration *moderation);
/* The room joined (again): the server sends the pending held messages next. */
void _cascade_chat_room_moderation_joined (CascadeChatRoom *self);
void _cascade_chat_room_add_held (CascadeChatRoom *self, CascadeChatMessage *message);
void
_cascade_chat_room_on_mod_action (CascadeChatRoom *self, const char *type, JsonObject *message);

G_END_DECLS
