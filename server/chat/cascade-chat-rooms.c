/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-private.h"

#include <string.h>

#include "cascade-chat-text.h"

/*
 * The chat context's blocking use cases (cascade-chat.c has the object and
 * the writer): loading a room and a member, history and replay, moderation
 * and its log, moderators, blocked terms and emotes. Worker threads only.
 */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static CascadeChannel *
find_channel (CascadeChat *self, const char *channel, GError **error)
{
  return cascade_streaming_get_channel (self->streaming, channel, error);
}

/* ---- loading a room ---------------------------------------------------------- */

static gboolean
load_room_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  CascadeChatRoomState *state = ((gpointer *) user_data)[0];
  guint n_recent = GPOINTER_TO_UINT (((gpointer *) user_data)[1]);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT slow_seconds, followers_only, follow_age_seconds,"
                                   " emote_only, terms, open_until FROM chat_rooms"
                                   " WHERE channel_user_id = ?1",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state->channel_user_id, -1, SQLITE_STATIC);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    {
      g_autoptr (JsonNode) terms =
        json_from_string ((const char *) sqlite3_column_text (stmt, 4), NULL);
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

      state->modes.slow_seconds = sqlite3_column_int (stmt, 0);
      state->modes.followers_only = sqlite3_column_int (stmt, 1) != 0;
      state->modes.follow_age_seconds = sqlite3_column_int (stmt, 2);
      state->modes.emote_only = sqlite3_column_int (stmt, 3) != 0;
      if (terms != NULL && JSON_NODE_HOLDS_ARRAY (terms))
        for (guint i = 0; i < json_array_get_length (json_node_get_array (terms)); i++)
          g_strv_builder_add (builder,
                              json_array_get_string_element (json_node_get_array (terms), i));
      state->terms = g_strv_builder_end (builder);
      state->open_until_ms = sqlite3_column_int64 (stmt, 5);
    }
  else if (rc != SQLITE_DONE)
    return FALSE;
  else
    state->terms = g_new0 (char *, 1);
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = cascade_store_tx_prepare (
    tx, "SELECT user_id FROM chat_moderators WHERE channel_user_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state->channel_user_id, -1, SQLITE_STATIC);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    g_hash_table_add (state->moderators, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = cascade_store_tx_prepare (
    tx, "SELECT user_id, until FROM chat_bans WHERE channel_user_id = ?1 AND until > ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now_ms ());
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    g_hash_table_insert (state->bans, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_memdup2 (&(gint64){ sqlite3_column_int64 (stmt, 1) }, sizeof (gint64)));
  if (rc != SQLITE_DONE)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = cascade_store_tx_prepare (
    tx, "SELECT id, code FROM chat_emotes WHERE channel_user_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state->channel_user_id, -1, SQLITE_STATIC);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    g_hash_table_insert (state->emotes, g_strdup ((const char *) sqlite3_column_text (stmt, 1)),
                         g_strdup_printf ("/api/v1/emotes/%" G_GINT64_FORMAT,
                                          (gint64) sqlite3_column_int64 (stmt, 0)));
  if (rc != SQLITE_DONE)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT json FROM chat_messages WHERE channel_user_id = ?1"
                                   " AND deleted = 0 ORDER BY id DESC LIMIT ?2",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, n_recent);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    g_ptr_array_insert (state->recent, 0, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  if (rc != SQLITE_DONE)
    return FALSE;
  return _cascade_chat_load_held_tx (tx, state, error);
}

/**
 * cascade_chat_load_room:
 *
 * Returns: (transfer full): the room of @channel as stored, with its last
 *   @n_recent messages, or %NULL (NOT_FOUND: no such channel)
 */
CascadeChatRoomState *
cascade_chat_load_room (CascadeChat *self, const char *channel, guint n_recent, GError **error)
{
  g_autoptr (CascadeChannel) found = find_channel (self, channel, error);
  g_autoptr (CascadeChatRoomState) state = NULL;
  gpointer args[2];

  if (found == NULL)
    return NULL;
  state = g_new0 (CascadeChatRoomState, 1);
  state->channel_user_id = g_strdup (found->user_id);
  state->channel = g_strdup (found->username);
  if (found->live_stream != NULL)
    {
      state->session_id = g_strdup (found->live_stream->id);
      state->session_started_ms = found->live_stream->started_at * 1000;
    }
  state->moderators = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state->bans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state->emotes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state->recent = g_ptr_array_new_with_free_func (g_free);
  state->held = g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_chat_held_free);
  args[0] = state;
  args[1] = GUINT_TO_POINTER (n_recent);
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, load_room_tx, args, error))
    return NULL;
  return g_steal_pointer (&state);
}

/**
 * cascade_chat_load_member:
 *
 * Returns: (transfer full): @user_id's names, site role, chat colour and
 *   how long they follow the channel
 */
CascadeChatMember *
cascade_chat_load_member (CascadeChat *self,
                          const char *user_id,
                          const char *channel_user_id,
                          GError **error)
{
  g_autoptr (CascadeUser) user = cascade_identity_get_user (self->identity, user_id, error);
  CascadeChatMember *member;

  if (user == NULL)
    return NULL;
  member = g_new0 (CascadeChatMember, 1);
  member->user_id = g_strdup (user->id);
  member->username = g_strdup (user->username);
  member->display_name = g_strdup (user->display_name);
  member->site_role = g_strdup (user->role);
  if (self->follow_lookup != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      member->following_since_ms =
        self->follow_lookup (user_id, channel_user_id, self->follow_owner, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          cascade_chat_member_free (member);
          return NULL;
        }
    }
  if (self->color_lookup != NULL)
    {
      g_autoptr (GError) local_error = NULL;

      member->color = self->color_lookup (user_id, self->color_owner, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          cascade_chat_member_free (member);
          return NULL;
        }
    }
  return member;
}

static gboolean
set_open_until_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  gpointer *args = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx,
    "INSERT INTO chat_rooms (channel_user_id, open_until) VALUES (?1, ?2)"
    " ON CONFLICT (channel_user_id) DO UPDATE SET open_until = excluded.open_until",
    error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, args[0], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, *(gint64 *) args[1]);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

/* Keeps when a room stays open till (after a stream, or opened early). */
gboolean
cascade_chat_set_open_until (CascadeChat *self,
                             const char *channel_user_id,
                             gint64 open_until_ms,
                             GError **error)
{
  gpointer args[2] = { (gpointer) channel_user_id, &open_until_ms };

  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, set_open_until_tx, args,
                                    error);
}

/* ---- history and replay -------------------------------------------------------- */

typedef struct
{
  const char *channel_user_id;
  const char *session_id;
  gint64 before;
  gint64 from_offset;
  gint64 to_offset;
  guint limit;
  JsonArray *items;
  gboolean more;
  gint64 last_key;
} PageCall;

static gboolean
history_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  PageCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  if (call->session_id == NULL)
    stmt = cascade_store_tx_prepare (tx,
                                     "SELECT json, id FROM chat_messages WHERE channel_user_id = ?1"
                                     " AND deleted = 0 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                                     error);
  else
    stmt = cascade_store_tx_prepare (
      tx,
      "SELECT json, offset_ms FROM chat_messages WHERE channel_user_id = ?1 AND session_id = ?4"
      " AND deleted = 0 AND offset_ms >= ?5 AND offset_ms < ?6 ORDER BY offset_ms, id LIMIT ?3",
      error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, call->before);
  sqlite3_bind_int (stmt, 3, call->limit + 1);
  if (call->session_id != NULL)
    {
      sqlite3_bind_text (stmt, 4, call->session_id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 5, call->from_offset);
      sqlite3_bind_int64 (stmt, 6, call->to_offset);
    }
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    {
      JsonNode *node;

      if (json_array_get_length (call->items) == call->limit)
        {
          call->more = TRUE;
          /* replay: the next page starts at this offset (ties come again, later ones only) */
          if (call->session_id != NULL)
            call->last_key = sqlite3_column_int64 (stmt, 1);
          break;
        }
      node = json_from_string ((const char *) sqlite3_column_text (stmt, 0), NULL);
      if (node == NULL)
        continue;
      json_array_add_element (call->items, node);
      if (call->session_id == NULL)
        call->last_key = sqlite3_column_int64 (stmt, 1);
    }
  return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

static JsonNode *
run_page (CascadeChat *self, const char *channel, PageCall *call, GError **error)
{
  g_autoptr (CascadeChannel) found = find_channel (self, channel, error);
  g_autoptr (JsonArray) items = json_array_new ();
  JsonObject *page;

  if (found == NULL)
    return NULL;
  call->channel_user_id = found->user_id;
  call->items = items;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, history_tx, call, error))
    return NULL;
  page = json_object_new ();
  json_object_set_array_member (page, "items", g_steal_pointer (&items));
  if (call->more)
    json_object_set_string_member (page, "next_cursor",
                                   g_strdup_printf ("%" G_GINT64_FORMAT, call->last_key));
  else
    json_object_set_null_member (page, "next_cursor");
  return json_node_init_object (json_node_alloc (), page);
}

/* Newest first, before the message @before (a message id, or NULL). */
JsonNode *
cascade_chat_history (
  CascadeChat *self, const char *channel, const char *before, guint limit, GError **error)
{
  PageCall call = { .before = G_MAXINT64, .limit = limit };
  guint64 value;

  if (before != NULL)
    {
      if (!g_ascii_string_to_unsigned (before, 10, 1, G_MAXINT64, &value, NULL))
        {
          g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                               "“before” must be a message id.");
          return NULL;
        }
      call.before = (gint64) value;
    }
  return run_page (self, channel, &call, error);
}

/* A live session's messages in [from_offset, to_offset), oldest first. */
JsonNode *
cascade_chat_replay (CascadeChat *self,
                     const char *channel,
                     const char *session_id,
                     gint64 from_offset,
                     gint64 to_offset,
                     guint limit,
                     GError **error)
{
  PageCall call = {
    .session_id = session_id, .from_offset = from_offset, .to_offset = to_offset, .limit = limit
  };

  return run_page (self, channel, &call, error);
}
