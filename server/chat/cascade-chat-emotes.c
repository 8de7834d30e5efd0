/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-private.h"

#include <string.h>

/*
 * A channel's own emotes (docs/api.md, "Chat"): small PNGs the streamer
 * uploads, shown inline where a message has their code. Blocking.
 */

typedef struct
{
  const char *channel_user_id;
  const char *code;
  GBytes *png;
  JsonObject *map; /* code → url, after the change */
  gboolean found;
} EmoteCall;

static gboolean
check_code (const char *code, GError **error)
{
  gsize n = strlen (code);

  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (code[i]) && code[i] != '_')
      n = 0;
  if (n < 2 || n > 20)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_EMOTE_CODE,
                           "An emote code is 2 to 20 of A-Z, a-z, 0-9 and _.");
      return FALSE;
    }
  return TRUE;
}

/* A PNG's signature and IHDR, and its size. */
static gboolean
check_png (GBytes *png, GError **error)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  gsize length;
  const guint8 *data = g_bytes_get_data (png, &length);
  guint32 width, height;

  if (length > CASCADE_CHAT_EMOTE_MAX_BYTES)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PAYLOAD_TOO_LARGE,
                           "An emote is at most 64 KiB.");
      return FALSE;
    }
  if (length < 33 || memcmp (data, signature, 8) != 0 || memcmp (data + 12, "IHDR", 4) != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_IMAGE,
                           "An emote must be a PNG image.");
      return FALSE;
    }
  width = (guint32) data[16] << 24 | data[17] << 16 | data[18] << 8 | data[19];
  height = (guint32) data[20] << 24 | data[21] << 16 | data[22] << 8 | data[23];
  if (width == 0 || height == 0 || width > CASCADE_CHAT_EMOTE_MAX_SIDE ||
      height > CASCADE_CHAT_EMOTE_MAX_SIDE)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_IMAGE,
                           "An emote is at most 128×128 pixels.");
      return FALSE;
    }
  return TRUE;
}

static gboolean
emote_map_tx (CascadeStoreTx *tx, EmoteCall *call, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx, "SELECT id, code FROM chat_emotes WHERE channel_user_id = ?1 ORDER BY code", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->channel_user_id, -1, SQLITE_STATIC);
  call->map = json_object_new ();
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    json_object_set_string_member (call->map, (const char *) sqlite3_column_text (stmt, 1),
                                   g_strdup_printf ("/api/v1/emotes/%" G_GINT64_FORMAT,
                                                    (gint64) sqlite3_column_int64 (stmt, 0)));
  return rc == SQLITE_DONE;
}

static gboolean
put_emote_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  EmoteCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gsize length;
  const void *data;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT COUNT (*), SUM (code = ?2) FROM chat_emotes"
                                   " WHERE channel_user_id = ?1",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->code, -1, SQLITE_STATIC);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
    return FALSE;
  if (sqlite3_column_int (stmt, 0) >= CASCADE_CHAT_MAX_EMOTES && sqlite3_column_int (stmt, 1) == 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_TOO_MANY_EMOTES,
                           "A channel has at most 50 emotes: delete one first.");
      return FALSE;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO chat_emotes (channel_user_id, code, image)"
                                   " VALUES (?1, ?2, ?3) ON CONFLICT (channel_user_id, code)"
                                   " DO UPDATE SET image = excluded.image",
                                   error);
  if (stmt == NULL)
    return FALSE;
  data = g_bytes_get_data (call->png, &length);
  sqlite3_bind_text (stmt, 1, call->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->code, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 3, data, (int) length, SQLITE_STATIC);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  return emote_map_tx (tx, call, error);
}

static gboolean
delete_emote_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  EmoteCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx, "DELETE FROM chat_emotes WHERE channel_user_id = ?1 AND code = ?2", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->channel_user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->code, -1, SQLITE_STATIC);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  if (sqlite3_changes (cascade_store_tx_get_db (tx)) == 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                           "This channel has no emote with that code.");
      return FALSE;
    }
  return emote_map_tx (tx, call, error);
}

static gboolean
list_emotes_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  return emote_map_tx (tx, user_data, error);
}

static CascadeChannel *
owned_channel (CascadeChat *self, const char *user_id, const char *channel, GError **error)
{
  g_autoptr (CascadeChannel) found =
    cascade_streaming_get_channel (self->streaming, channel, error);
  g_autoptr (CascadeUser) user = NULL;

  if (found == NULL)
    return NULL;
  if (g_strcmp0 (found->user_id, user_id) != 0)
    {
      user = cascade_identity_get_user (self->identity, user_id, error);
      if (user == NULL)
        return NULL;
      if (g_strcmp0 (user->role, "admin") != 0)
        {
          g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN,
                               "Only the streamer manages the emotes of their channel.");
          return NULL;
        }
    }
  return g_steal_pointer (&found);
}

static void
announce_emotes (CascadeChat *self, EmoteCall *call)
{
  CascadeChatChange change = { 0 };

  change.channel_user_id = (char *) call->channel_user_id;
  change.action = (char *) "emotes";
  change.emotes = json_node_init_object (json_node_alloc (), call->map);
  _cascade_chat_announce (self, &change);
  json_node_unref (change.emotes);
}

gboolean
cascade_chat_put_emote (CascadeChat *self,
                        const char *user_id,
                        const char *channel,
                        const char *code,
                        GBytes *png,
                        GError **error)
{
  g_autoptr (CascadeChannel) found = NULL;
  EmoteCall call = { 0 };

  if (!check_code (code, error) || !check_png (png, error))
    return FALSE;
  found = owned_channel (self, user_id, channel, error);
  if (found == NULL)
    return FALSE;
  call.channel_user_id = found->user_id;
  call.code = code;
  call.png = png;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, put_emote_tx, &call, error))
    {
      g_clear_pointer (&call.map, json_object_unref);
      return FALSE;
    }
  announce_emotes (self, &call);
  json_object_unref (call.map);
  return TRUE;
}

gboolean
cascade_chat_delete_emote (
  CascadeChat *self, const char *user_id, const char *channel, const char *code, GError **error)
{
  g_autoptr (CascadeChannel) found = owned_channel (self, user_id, channel, error);
  EmoteCall call = { 0 };

  if (found == NULL)
    return FALSE;
  call.channel_user_id = found->user_id;
  call.code = code;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, delete_emote_tx, &call, error))
    {
      g_clear_pointer (&call.map, json_object_unref);
      return FALSE;
    }
  announce_emotes (self, &call);
  json_object_unref (call.map);
  return TRUE;
}

/* {"items": [{"code", "url"}]} */
JsonNode *
cascade_chat_list_emotes (CascadeChat *self, const char *channel, GError **error)
{
  g_autoptr (CascadeChannel) found =
    cascade_streaming_get_channel (self->streaming, channel, error);
  EmoteCall call = { 0 };
  JsonArray *items;
  JsonObject *body;
  GList *members;

  if (found == NULL)
    return NULL;
  call.channel_user_id = found->user_id;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, list_emotes_tx, &call, error))
    {
      g_clear_pointer (&call.map, json_object_unref);
      return NULL;
    }
  items = json_array_new ();
  members = json_object_get_members (call.map);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "code", l->data);
      json_object_set_string_member (item, "url",
                                     json_object_get_string_member (call.map, l->data));
      json_array_add_object_element (items, item);
    }
  g_list_free (members);
  json_object_unref (call.map);
  body = json_object_new ();
  json_object_set_array_member (body, "items", items);
  return json_node_init_object (json_node_alloc (), body);
}

static gboolean
get_emote_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  gpointer *args = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_query_row (
    tx, "SELECT image FROM chat_emotes WHERE id = ?1", args[0], "There is no such emote.", error);

  if (stmt == NULL)
    return FALSE;
  args[1] = g_bytes_new (sqlite3_column_blob (stmt, 0), sqlite3_column_bytes (stmt, 0));
  return TRUE;
}

/* The PNG of emote @id. */
GBytes *
cascade_chat_dup_emote (CascadeChat *self, const char *id, GError **error)
{
  gpointer args[2] = { (gpointer) id, NULL };

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, get_emote_tx, args, error))
    return NULL;
  return args[1];
}
