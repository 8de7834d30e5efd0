/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-private.h"

#include <string.h>

/*
 * Moderation in the chat context (docs/api.md, "Chat"): who may moderate a
 * room, the actions (each logged as a ModAction in chat_mod_log in the same
 * transaction), the room's moderators, blocked terms and emotes. Blocking:
 * worker threads only. Every committed change is announced to the realtime
 * side ("changed").
 */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

typedef struct
{
  CascadeChannel *channel;
  CascadeUser *actor;
  gboolean is_owner;
  gboolean is_admin;
  gboolean may_moderate;
} Actor;

static void
actor_clear (Actor *actor)
{
  g_clear_pointer (&actor->channel, cascade_channel_free);
  g_clear_pointer (&actor->actor, cascade_user_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Actor, actor_clear)

static gboolean
is_channel_moderator_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  gpointer *args = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx, "SELECT 1 FROM chat_moderators WHERE channel_user_id = ?1 AND user_id = ?2", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, args[0], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, args[1], -1, SQLITE_STATIC);
  rc = cascade_store_tx_step (tx, stmt, error);
  *(gboolean *) args[2] = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static gboolean
is_channel_moderator (CascadeChat *self,
                      const char *channel_user_id,
                      const char *user_id,
                      gboolean *out,
                      GError **error)
{
  gpointer args[3] = { (gpointer) channel_user_id, (gpointer) user_id, out };

  return cascade_store_transaction (self->store, CASCADE_STORE_READ, is_channel_moderator_tx, args,
                                    error);
}

static gboolean
load_actor (CascadeChat *self, const char *user_id, const char *channel, Actor *out, GError **error)
{
  gboolean channel_mod = FALSE;

  out->channel = cascade_streaming_get_channel (self->streaming, channel, error);
  if (out->channel == NULL)
    return FALSE;
  out->actor = cascade_identity_get_user (self->identity, user_id, error);
  if (out->actor == NULL)
    return FALSE;
  if (!is_channel_moderator (self, out->channel->user_id, user_id, &channel_mod, error))
    return FALSE;
  out->is_owner = g_strcmp0 (user_id, out->channel->user_id) == 0;
  out->is_admin = g_strcmp0 (out->actor->role, "admin") == 0;
  out->may_moderate =
    out->is_owner || out->is_admin || channel_mod || g_strcmp0 (out->actor->role, "moderator") == 0;
  return TRUE;
}

static gboolean
forbidden (GError **error, const char *text)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN, text);
  return FALSE;
}

/* Whether @user_id moderates the room of @channel_user_id. Blocking. */
gboolean
cascade_chat_can_moderate (CascadeChat *self,
                           const char *user_id,
                           const char *channel_user_id,
                           gboolean *out_is_owner,
                           GError **error)
{
  g_autoptr (CascadeUser) user = cascade_identity_get_user (self->identity, user_id, error);
  gboolean channel_mod = FALSE;

  if (user == NULL || !is_channel_moderator (self, channel_user_id, user_id, &channel_mod, error))
    return FALSE;
  if (out_is_owner != NULL)
    *out_is_owner = g_strcmp0 (user_id, channel_user_id) == 0;
  return g_strcmp0 (user_id, channel_user_id) == 0 || channel_mod ||
         g_strcmp0 (user->role, "admin") == 0 || g_strcmp0 (user->role, "moderator") == 0;
}

/* ---- the actions ----------------------------------------------------------- */

typedef struct
{
  CascadeChat *chat;
  Actor *actor;
  JsonObject *args;
  CascadeChatChange *change;
  const char *reason;
  gint64 seconds;
  char *target_display_name;
} ModCall;

static gboolean
invalid_value (GError **error, const char *text)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_VALUE, text);
  return FALSE;
}

static gboolean
exec_bound (
  CascadeStoreTx *tx, const char *sql, const char *a, const char *b, gint64 n, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, a, -1, SQLITE_STATIC);
  if (b != NULL)
    sqlite3_bind_text (stmt, 2, b, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, n);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static gboolean
delete_message_tx (CascadeStoreTx *tx, ModCall *call, GError **error)
{
  CascadeChatChange *change = call->change;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) message = NULL;
  guint64 id;

  if (!g_ascii_string_to_unsigned (change->message_id, 10, 1, G_MAXINT64, &id, NULL))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                           "There is no such message in this room.");
      return FALSE;
    }
  stmt = cascade_store_tx_prepare (tx,
                                   "UPDATE chat_messages SET deleted = 1 WHERE id = ?1"
                                   " AND channel_user_id = ?2 AND deleted = 0 RETURNING json",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (sqlite3_int64) id);
  sqlite3_bind_text (stmt, 2, change->channel_user_id, -1, SQLITE_STATIC);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                             "There is no such message in this room.");
      return FALSE;
    }
  message = json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);
  if (message != NULL && JSON_NODE_HOLDS_OBJECT (message))
    {
      JsonObject *user = json_object_get_object_member (json_node_get_object (message), "user");

      if (user != NULL)
        change->target_username = g_strdup (json_object_get_string_member (user, "username"));
    }
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static gboolean
modes_tx (CascadeStoreTx *tx, ModCall *call, GError **error)
{
  CascadeChatModes *modes = &call->change->modes;
  JsonObject *args = call->args;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  if (!exec_bound (tx, "INSERT OR IGNORE INTO chat_rooms (channel_user_id) VALUES (?1)",
                   call->change->channel_user_id, NULL, 0, error))
    return FALSE;
  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT slow_seconds, followers_only, follow_age_seconds,"
                                   " emote_only FROM chat_rooms WHERE channel_user_id = ?1",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->change->channel_user_id, -1, SQLITE_STATIC);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc != SQLITE_ROW)
    return FALSE;
  modes->slow_seconds = sqlite3_column_int (stmt, 0);
  modes->followers_only = sqlite3_column_int (stmt, 1) != 0;
  modes->follow_age_seconds = sqlite3_column_int (stmt, 2);
  modes->emote_only = sqlite3_column_int (stmt, 3) != 0;
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (json_object_has_member (args, "slow_seconds") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (args, "slow_seconds")))
    {
      gint64 value = json_object_get_int_member (args, "slow_seconds");

      if (value < 0 || value > CASCADE_CHAT_SLOW_MAX_SECONDS)
        return invalid_value (error, "“slow_seconds” must be from 0 to 3600.");
      modes->slow_seconds = (guint) value;
    }
  if (json_object_has_member (args, "follow_age_seconds") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (args, "follow_age_seconds")))
    {
      gint64 value = json_object_get_int_member (args, "follow_age_seconds");

      if (value < 0 || value > CASCADE_CHAT_FOLLOW_AGE_MAX_SECONDS)
        return invalid_value (error, "“follow_age_seconds” must be from 0 to 7776000 (90 days).");
      modes->follow_age_seconds = (guint) value;
    }
  if (json_object_has_member (args, "followers_only") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (args, "followers_only")))
    modes->followers_only = json_object_get_boolean_member (args, "followers_only");
  if (json_object_has_member (args, "emote_only") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (args, "emote_only")))
    modes->emote_only = json_object_get_boolean_member (args, "emote_only");

  stmt = cascade_store_tx_prepare (tx,
                                   "UPDATE chat_rooms SET slow_seconds = ?2, followers_only = ?3,"
                                   " follow_age_seconds = ?4, emote_only = ?5"
                                   " WHERE channel_user_id = ?1",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->change->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, modes->slow_seconds);
  sqlite3_bind_int (stmt, 3, modes->followers_only);
  sqlite3_bind_int (stmt, 4, modes->follow_age_seconds);
  sqlite3_bind_int (stmt, 5, modes->emote_only);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static gboolean
terms_tx (CascadeStoreTx *tx, ModCall *call, GError **error)
{
  JsonArray *array = json_object_get_array_member (call->args, "terms");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *json = NULL;
  JsonArray *stored = json_array_new ();

  node = json_node_init_array (json_node_alloc (), stored);
  if (array == NULL || json_array_get_length (array) > CASCADE_CHAT_MAX_TERMS)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TERMS,
                           "“terms” must be a list of at most 200 terms.");
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      g_autofree char *term = NULL;
      glong n;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        {
          g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TERMS,
                               "Every blocked term must be a string.");
          return FALSE;
        }
      term = g_strstrip (g_strdup (json_node_get_string (element)));
      n = g_utf8_strlen (term, -1);
      if (n < 1 || n > CASCADE_CHAT_TERM_MAX_CHARS)
        {
          g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TERMS,
                               "A blocked term must be 1 to 100 characters.");
          return FALSE;
        }
      g_strv_builder_add (builder, term);
      json_array_add_string_element (stored, term);
    }
  call->change->terms = g_strv_builder_end (builder);
  json = json_to_string (node, FALSE);
  if (!exec_bound (tx, "INSERT OR IGNORE INTO chat_rooms (channel_user_id) VALUES (?1)",
                   call->change->channel_user_id, NULL, 0, error))
    return FALSE;
  return exec_bound (tx, "UPDATE chat_rooms SET terms = ?2 WHERE channel_user_id = ?1",
                     call->change->channel_user_id, json, 0, error);
}

static JsonNode *
build_mod_action (ModCall *call, gint64 log_id)
{
  CascadeChatChange *change = call->change;
  JsonObject *action = json_object_new ();

  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, log_id);

  json_object_set_string_member (action, "id", id);
  json_object_set_string_member (action, "action", change->action);
  json_object_set_string_member (action, "moderator", call->actor->actor->username);
  if (change->target_username != NULL)
    json_object_set_string_member (action, "target", change->target_username);
  else
    json_object_set_null_member (action, "target");
  if (change->message_id != NULL)
    json_object_set_string_member (action, "message_id", change->message_id);
  if (call->seconds > 0)
    json_object_set_int_member (action, "seconds", call->seconds);
  if (call->reason != NULL)
    json_object_set_string_member (action, "reason", call->reason);
  json_object_set_int_member (action, "at", now_ms ());
  return json_node_init_object (json_node_alloc (), action);
}

static gboolean
moderate_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ModCall *call = user_data;
  CascadeChatChange *change = call->change;
  const char *action = change->action;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *json = NULL;
  gint64 log_id;
  gboolean ok = TRUE;

  if (g_str_equal (action, "delete"))
    ok = delete_message_tx (tx, call, error);
  else if (g_str_equal (action, "timeout") || g_str_equal (action, "ban"))
    ok = exec_bound (tx,
                     "INSERT INTO chat_bans (channel_user_id, user_id, until) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT DO UPDATE SET until = excluded.until",
                     change->channel_user_id, change->target_user_id, change->until_ms, error);
  else if (g_str_equal (action, "unban"))
    ok = exec_bound (tx, "DELETE FROM chat_bans WHERE channel_user_id = ?1 AND user_id = ?2",
                     change->channel_user_id, change->target_user_id, 0, error);
  else if (g_str_equal (action, "modes"))
    ok = modes_tx (tx, call, error);
  else if (g_str_equal (action, "terms"))
    ok = terms_tx (tx, call, error);
  else if (g_str_equal (action, "mod_add"))
    {
      stmt = cascade_store_tx_prepare (
        tx,
        "INSERT OR IGNORE INTO chat_moderators (channel_user_id, user_id, username,"
        " display_name, added_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, change->channel_user_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, change->target_user_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, change->target_username, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, call->target_display_name, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, now_ms ());
      ok = cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  else if (g_str_equal (action, "mod_remove"))
    ok = exec_bound (tx, "DELETE FROM chat_moderators WHERE channel_user_id = ?1 AND user_id = ?2",
                     change->channel_user_id, change->target_user_id, 0, error);
  else if (g_str_equal (action, "approve") || g_str_equal (action, "deny"))
    {
      ok = _cascade_chat_take_held_tx (tx, change, error);
      if (ok)
        {
          g_autoptr (JsonNode) held = json_from_string (change->held->json, NULL);
          JsonObject *user = held != NULL && JSON_NODE_HOLDS_OBJECT (held)
                               ? json_object_get_object_member (json_node_get_object (held), "user")
                               : NULL;

          g_clear_pointer (&change->target_username, g_free);
          if (user != NULL)
            change->target_username = g_strdup (json_object_get_string_member (user, "username"));
        }
    }
  if (!ok)
    return FALSE;

  if (!exec_bound (tx, "INSERT INTO chat_mod_log (channel_user_id, json) VALUES (?1, '{}')",
                   change->channel_user_id, NULL, 0, error))
    return FALSE;
  log_id = sqlite3_last_insert_rowid (cascade_store_tx_get_db (tx));
  change->mod_action = build_mod_action (call, log_id);
  json = json_to_string (change->mod_action, FALSE);
  stmt = cascade_store_tx_prepare (tx, "UPDATE chat_mod_log SET json = ?1 WHERE id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, log_id);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static const char *
string_arg (JsonObject *args, const char *name)
{
  JsonNode *node = json_object_get_member (args, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The target of a timeout, ban, unban or moderator change. */
static gboolean
load_target (CascadeChat *self, ModCall *call, GError **error)
{
  CascadeChatChange *change = call->change;
  const char *username = string_arg (call->args, "username");
  g_autoptr (CascadeUser) target = NULL;
  gboolean target_mod = FALSE;

  if (username == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MISSING_FIELD,
                           "Say whom: “username”.");
      return FALSE;
    }
  target = cascade_identity_find_user (self->identity, username, error);
  if (target == NULL)
    return FALSE;
  change->target_user_id = g_strdup (target->id);
  change->target_username = g_strdup (target->username);
  call->target_display_name = g_strdup (target->display_name);

  if (!g_str_equal (change->action, "timeout") && !g_str_equal (change->action, "ban"))
    return TRUE;
  if (g_strcmp0 (target->id, call->actor->channel->user_id) == 0 ||
      g_strcmp0 (target->id, call->actor->actor->id) == 0)
    return forbidden (error, "The streamer, or oneself, cannot be timed out or banned.");
  if (call->actor->is_owner || call->actor->is_admin)
    return TRUE;
  if (!is_channel_moderator (self, change->channel_user_id, target->id, &target_mod, error))
    return FALSE;
  if (target_mod || g_strcmp0 (target->role, "moderator") == 0 ||
      g_strcmp0 (target->role, "admin") == 0)
    return forbidden (error, "Only the streamer can time out or ban a moderator.");
  return TRUE;
}

/**
 * cascade_chat_moderate:
 * @action: delete, timeout, ban, unban, modes, mod_add, mod_remove, terms,
 *   approve or deny
 * @args: the message's members (message_id, username, seconds, reason,
 *   the modes, terms)
 *
 * Checks that @moderator_id may, applies and logs the action and announces
 * it. Blocking.
 *
 * Returns: (transfer full): what changed, or %NULL (FORBIDDEN, NOT_FOUND,
 *   INVALID_VALUE, INVALID_TERMS)
 */
CascadeChatChange *
cascade_chat_moderate (CascadeChat *self,
                       const char *moderator_id,
                       const char *channel,
                       const char *action,
                       JsonObject *args,
                       GError **error)
{
  g_auto (Actor) actor = { 0 };
  g_autoptr (CascadeChatChange) change = g_new0 (CascadeChatChange, 1);
  ModCall call = { self, &actor, args, change };
  gboolean needs_target;

  g_return_val_if_fail (CASCADE_IS_CHAT (self), NULL);

  if (!load_actor (self, moderator_id, channel, &actor, error))
    return NULL;
  change->channel_user_id = g_strdup (actor.channel->user_id);
  change->action = g_strdup (action);
  change->message_id = g_strdup (string_arg (args, "message_id"));
  call.reason = string_arg (args, "reason");
  if (call.reason != NULL && g_utf8_strlen (call.reason, -1) > 500)
    {
      invalid_value (error, "“reason” must be at most 500 characters.");
      return NULL;
    }

  if (g_str_equal (action, "mod_add") || g_str_equal (action, "mod_remove"))
    {
      if (!actor.is_owner && !actor.is_admin)
        return forbidden (error, "Only the streamer appoints the moderators of their chat."), NULL;
    }
  else if (!actor.may_moderate)
    return forbidden (error, "Only the streamer and their moderators can do this."), NULL;

  if (g_str_equal (action, "timeout"))
    {
      call.seconds = json_object_get_int_member_with_default (args, "seconds", 0);
      if (call.seconds < 1 || call.seconds > CASCADE_CHAT_TIMEOUT_MAX_SECONDS)
        return invalid_value (error, "“seconds” must be from 1 to 1209600 (two weeks)."), NULL;
      change->until_ms = now_ms () + call.seconds * 1000;
    }
  else if (g_str_equal (action, "ban"))
    change->until_ms = CASCADE_CHAT_BANNED_FOREVER;

  needs_target = g_str_equal (action, "timeout") || g_str_equal (action, "ban") ||
                 g_str_equal (action, "unban") || g_str_equal (action, "mod_add") ||
                 g_str_equal (action, "mod_remove");
  if (needs_target && !load_target (self, &call, error))
    {
      g_free (call.target_display_name);
      return NULL;
    }
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, moderate_tx, &call, error))
    {
      g_free (call.target_display_name);
      return NULL;
    }
  g_free (call.target_display_name);
  _cascade_chat_announce (self, change);
  return g_steal_pointer (&change);
}

/* ---- lists -------------------------------------------------------------------- */

typedef struct
{
  const char *sql;
  const char *key;
  gint64 cursor;
  guint limit;
  JsonArray *items;
  gint64 last;
  gboolean more;
} ListCall;

static gboolean
list_moderators_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ListCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx,
    "SELECT username, display_name FROM chat_moderators WHERE channel_user_id = ?1"
    " ORDER BY added_at, username",
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->key, -1, SQLITE_STATIC);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "username",
                                     (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (item, "display_name",
                                     (const char *) sqlite3_column_text (stmt, 1));
      json_array_add_object_element (call->items, item);
    }
  return rc == SQLITE_DONE;
}

static JsonNode *
items_node (JsonArray *items, gboolean more, gint64 last)
{
  JsonObject *page = json_object_new ();

  json_object_set_array_member (page, "items", json_array_ref (items));
  if (more)
    json_object_set_string_member (page, "next_cursor",
                                   g_strdup_printf ("%" G_GINT64_FORMAT, last));
  return json_node_init_object (json_node_alloc (), page);
}

JsonNode *
cascade_chat_list_moderators (CascadeChat *self, const char *channel, GError **error)
{
  g_autoptr (CascadeChannel) found =
    cascade_streaming_get_channel (self->streaming, channel, error);
  g_autoptr (JsonArray) items = json_array_new ();
  ListCall call = { .items = items };

  if (found == NULL)
    return NULL;
  call.key = found->user_id;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, list_moderators_tx, &call,
                                  error))
    return NULL;
  return items_node (items, FALSE, 0);
}

static gboolean
mod_log_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ListCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx,
    "SELECT id, json FROM chat_mod_log WHERE channel_user_id = ?1 AND id < ?2"
    " ORDER BY id DESC LIMIT ?3",
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, call->cursor);
  sqlite3_bind_int (stmt, 3, call->limit + 1);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    {
      JsonNode *node;

      if (json_array_get_length (call->items) == call->limit)
        {
          call->more = TRUE;
          break;
        }
      node = json_from_string ((const char *) sqlite3_column_text (stmt, 1), NULL);
      if (node != NULL)
        json_array_add_element (call->items, node);
      call->last = sqlite3_column_int64 (stmt, 0);
    }
  return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

/* The moderation log, newest first; for the room's moderators. */
JsonNode *
cascade_chat_mod_log (CascadeChat *self,
                      const char *user_id,
                      const char *channel,
                      const char *cursor,
                      guint limit,
                      GError **error)
{
  g_auto (Actor) actor = { 0 };
  g_autoptr (JsonArray) items = json_array_new ();
  ListCall call = { .items = items, .limit = limit, .cursor = G_MAXINT64 };
  guint64 value;

  if (!load_actor (self, user_id, channel, &actor, error))
    return NULL;
  if (!actor.may_moderate)
    return forbidden (error, "Only the streamer and their moderators can read this."), NULL;
  if (cursor != NULL)
    {
      if (!g_ascii_string_to_unsigned (cursor, 10, 1, G_MAXINT64, &value, NULL))
        {
          g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                               "“cursor” must be a cursor this server gave.");
          return NULL;
        }
      call.cursor = (gint64) value;
    }
  call.key = actor.channel->user_id;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, mod_log_tx, &call, error))
    return NULL;
  return items_node (items, call.more, call.last);
}

/* The blocked terms; for the room's moderators. */
JsonNode *
cascade_chat_get_terms (CascadeChat *self, const char *user_id, const char *channel, GError **error)
{
  g_auto (Actor) actor = { 0 };
  g_autoptr (CascadeChatRoomState) state = NULL;
  JsonArray *terms;
  JsonObject *body;

  if (!load_actor (self, user_id, channel, &actor, error))
    return NULL;
  if (!actor.may_moderate)
    return forbidden (error, "Only the streamer and their moderators can read this."), NULL;
  state = cascade_chat_load_room (self, channel, 0, error);
  if (state == NULL)
    return NULL;
  terms = json_array_new ();
  for (guint i = 0; state->terms[i] != NULL; i++)
    json_array_add_string_element (terms, state->terms[i]);
  body = json_object_new ();
  json_object_set_array_member (body, "terms", terms);
  return json_node_init_object (json_node_alloc (), body);
}
