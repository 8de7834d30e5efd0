/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_MESSAGE (cascade_chat_message_get_type ())

G_DECLARE_FINAL_TYPE (CascadeChatMessage, cascade_chat_message, CASCADE, CHAT_MESSAGE, GObject)

typedef enum
{
  CASCADE_CHAT_FRAGMENT_TEXT,
  CASCADE_CHAT_FRAGMENT_MENTION, /* username set */
  CASCADE_CHAT_FRAGMENT_LINK,    /* url set: an http:// or https:// address */
  CASCADE_CHAT_FRAGMENT_EMOTE,   /* code and url (a server path, /api/v1/emotes/...) set */
} CascadeChatFragmentType;

/* One piece of a message's text, as the server split it. */
typedef struct
{
  CascadeChatFragmentType type;
  char *text;
  char *username;
  char *url;
  char *code;
} CascadeChatFragment;

/*
 * One chat message: the ChatMessage object of docs/api.md, checked.
 * Properties (read-only): "id", "channel", "username", "display-name",
 * "color" ("#rrggbb" or NULL), "text".
 *
 * Fragments the app cannot show safely (a link that is not http(s), an emote
 * whose image is not on the server) become text.
 */
CascadeChatMessage *cascade_chat_message_new_from_json (JsonObject *object, GError **error);

const char *cascade_chat_message_get_id (CascadeChatMessage *self);
const char *cascade_chat_message_get_channel (CascadeChatMessage *self);
const char *cascade_chat_message_get_username (CascadeChatMessage *self);
const char *cascade_chat_message_get_display_name (CascadeChatMessage *self);
const char *cascade_chat_message_get_color (CascadeChatMessage *self);
const char *const *cascade_chat_message_get_badges (CascadeChatMessage *self);
gboolean cascade_chat_message_has_badge (CascadeChatMessage *self, const char *badge);
const char *cascade_chat_message_get_text (CascadeChatMessage *self);
gint64 cascade_chat_message_get_sent_at (CascadeChatMessage *self);
gint64 cascade_chat_message_get_offset_ms (CascadeChatMessage *self);
guint cascade_chat_message_get_n_fragments (CascadeChatMessage *self);
const CascadeChatFragment *cascade_chat_message_get_fragment (CascadeChatMessage *self, guint i);
gboolean cascade_chat_message_mentions (CascadeChatMessage *self, const char *username);

G_END_DECLS
