/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_MOD_ACTION (cascade_chat_mod_action_get_type ())

G_DECLARE_FINAL_TYPE (
  CascadeChatModAction, cascade_chat_mod_action, CASCADE, CHAT_MOD_ACTION, GObject)

/*
 * One entry of a room's moderation log: the ModAction object of docs/api.md,
 * checked. Properties (read-only): "id", "action" (delete, timeout, ban,
 * unban, modes, mod_add, mod_remove, terms, approve, deny), "moderator",
 * "target" (or NULL), "reason" (or NULL), "seconds" (a timeout's, else 0),
 * "at" (ms since the epoch), "description" (what happened, in words).
 */
CascadeChatModAction *cascade_chat_mod_action_new_from_json (JsonObject *object, GError **error);

const char *cascade_chat_mod_action_get_id (CascadeChatModAction *self);
const char *cascade_chat_mod_action_get_action (CascadeChatModAction *self);
const char *cascade_chat_mod_action_get_moderator (CascadeChatModAction *self);
const char *cascade_chat_mod_action_get_target (CascadeChatModAction *self);
const char *cascade_chat_mod_action_get_message_id (CascadeChatModAction *self);
const char *cascade_chat_mod_action_get_reason (CascadeChatModAction *self);
gint64 cascade_chat_mod_action_get_seconds (CascadeChatModAction *self);
gint64 cascade_chat_mod_action_get_at (CascadeChatModAction *self);
/* "alice timed out bob for 10 minutes": who did what to whom. */
const char *cascade_chat_mod_action_get_description (CascadeChatModAction *self);

G_END_DECLS
