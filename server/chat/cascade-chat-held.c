/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-private.h"

/*
 * Held messages (docs/api.md, "Chat"): a message that matched a blocked term
 * is stored in chat_held, not in chat_messages, until a moderator approves
 * or denies it; the decision removes it in the transaction that logs it
 * (cascade-chat-moderation.c). A room loads the ones still pending, so they
 * survive a restart. Blocking: worker threads only.
 */

CascadeChatHeld *
cascade_chat_held_new (const char *id, const char *user_id, const char *json)
{
  CascadeChatHeld *held = g_new0 (CascadeChatHeld, 1);

  held->id = g_strdup (id);
  held->user_id = g_strdup (user_id);
  held->json = g_strdup (json);
  return held;
}

void
cascade_chat_held_free (CascadeChatHeld *held)
{
  if (held == NULL)
    return;
  g_free (held->id);
  g_free (held->user_id);
  g_free (held->json);
  g_free (held);
}

/* The message @json with its "id" set to @id, or NULL when it is not an object. */
static char *
with_id (const char *json, const char *id)
{
  g_autoptr (JsonNode) node = json_from_string (json, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  json_object_set_string_member (json_node_get_object (node), "id", id);
  return json_to_string (node, FALSE);
}

/* "held-N" → N, or 0 when it is not such an id. */
static gint64
parse_held_id (const char *id)
{
  guint64 value;

  if (id == NULL || !g_str_has_prefix (id, "held-") ||
      !g_ascii_string_to_unsigned (id + 5, 10, 1, G_MAXINT64, &value, NULL))
    return 0;
  return (gint64) value;
}

typedef struct
{
  const char *channel_user_id;
  const char *user_id;
  const char *json;
  CascadeChatHeld *held;
} HoldCall;

static gboolean
hold_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  HoldCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *id = NULL;
  g_autofree char *json = NULL;
  gint64 row;

  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO chat_held (channel_user_id, user_id, json, held_at)"
                                   " VALUES (?1, ?2, '{}', ?3)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->user_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time () / 1000);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);
  row = sqlite3_last_insert_rowid (cascade_store_tx_get_db (tx));
  id = g_strdup_printf ("held-%" G_GINT64_FORMAT, row);
  json = with_id (call->json, id);
  if (json == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                           "A held message must be a JSON object.");
      return FALSE;
    }
  stmt = cascade_store_tx_prepare (tx, "UPDATE chat_held SET json = ?1 WHERE id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, row);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  call->held = cascade_chat_held_new (id, call->user_id, json);
  return TRUE;
}

/**
 * cascade_chat_hold:
 * @json: the ChatMessage as it would have been (its "id" is replaced)
 *
 * Stores a message held back by a blocked term. Blocking.
 *
 * Returns: (transfer full): the held message with its id ("held-N"), or
 *   %NULL
 */
CascadeChatHeld *
cascade_chat_hold (CascadeChat *self,
                   const char *channel_user_id,
                   const char *user_id,
                   const char *json,
                   GError **error)
{
  HoldCall call = { channel_user_id, user_id, json, NULL };

  g_return_val_if_fail (CASCADE_IS_CHAT (self), NULL);
  g_return_val_if_fail (channel_user_id != NULL && user_id != NULL && json != NULL, NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, hold_tx, &call, error))
    {
      cascade_chat_held_free (call.held);
      return NULL;
    }
  return call.held;
}

/* The room's pending held messages, oldest first, into state->held. */
gboolean
_cascade_chat_load_held_tx (CascadeStoreTx *tx, CascadeChatRoomState *state, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx, "SELECT id, user_id, json FROM chat_held WHERE channel_user_id = ?1 ORDER BY id", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, state->channel_user_id, -1, SQLITE_STATIC);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    {
      g_autofree char *id =
        g_strdup_printf ("held-%" G_GINT64_FORMAT, (gint64) sqlite3_column_int64 (stmt, 0));

      g_ptr_array_add (state->held,
                       cascade_chat_held_new (id, (const char *) sqlite3_column_text (stmt, 1),
                                              (const char *) sqlite3_column_text (stmt, 2)));
    }
  return rc == SQLITE_DONE;
}

/* Approve and deny: removes the held message change->message_id of the room
 * from the store, into change->held; NOT_FOUND when there is none. */
gboolean
_cascade_chat_take_held_tx (CascadeStoreTx *tx, CascadeChatChange *change, GError **error)
{
  gint64 row = parse_held_id (change->message_id);
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (row != 0)
    {
      stmt =
        cascade_store_tx_prepare (tx,
                                  "DELETE FROM chat_held WHERE id = ?1 AND channel_user_id = ?2"
                                  " RETURNING user_id, json",
                                  error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, row);
      sqlite3_bind_text (stmt, 2, change->channel_user_id, -1, SQLITE_STATIC);
      switch (cascade_store_tx_step (tx, stmt, error))
        {
          case SQLITE_ROW:
            change->held = cascade_chat_held_new (change->message_id,
                                                  (const char *) sqlite3_column_text (stmt, 0),
                                                  (const char *) sqlite3_column_text (stmt, 1));
            return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
          case SQLITE_DONE:
            break;
          default:
            return FALSE;
        }
    }
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                       "There is no such held message.");
  return FALSE;
}
