/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat.h"

#include "cascade-chat-private.h"

/*
 * CascadeChat: the chat context's domain (docs/api.md, "Chat"). Rooms per
 * channel, their messages, modes, moderators, bans, blocked terms, emotes and
 * the moderation log, in the chat_* tables.
 *
 * Messages are written by one writer thread: the realtime side hands it a
 * message already serialised, the thread commits what has queued up in one
 * transaction (with a chat.mention event per mentioned user, in the same
 * transaction) and only then calls back on the main thread, which sends the
 * message to the room and acknowledges it to its sender. Everything else
 * here blocks and runs on worker threads; committed changes to a room are
 * announced on the main thread with the "changed" signal.
 */

#define WRITE_BATCH_MAX 512

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const CascadeMigration chat_migrations[] = {
  { 1, "CREATE TABLE chat_messages ("
       "  id INTEGER PRIMARY KEY,"
       "  channel_user_id TEXT NOT NULL,"
       "  user_id TEXT NOT NULL,"
       "  session_id TEXT,"
       "  offset_ms INTEGER,"
       "  sent_at INTEGER NOT NULL,"
       "  json TEXT NOT NULL,"
       "  deleted INTEGER NOT NULL DEFAULT 0"
       ");"
       "CREATE INDEX chat_messages_channel ON chat_messages (channel_user_id, id);"
       "CREATE INDEX chat_messages_session ON chat_messages (session_id, offset_ms, id)"
       "  WHERE session_id IS NOT NULL;"
       "CREATE TABLE chat_rooms ("
       "  channel_user_id TEXT PRIMARY KEY,"
       "  slow_seconds INTEGER NOT NULL DEFAULT 0,"
       "  followers_only INTEGER NOT NULL DEFAULT 0,"
       "  follow_age_seconds INTEGER NOT NULL DEFAULT 0,"
       "  emote_only INTEGER NOT NULL DEFAULT 0,"
       "  terms TEXT NOT NULL DEFAULT '[]' CHECK (json_valid (terms)),"
       "  open_until INTEGER NOT NULL DEFAULT 0"
       ");"
       "CREATE TABLE chat_moderators ("
       "  channel_user_id TEXT NOT NULL,"
       "  user_id TEXT NOT NULL,"
       "  username TEXT NOT NULL,"
       "  display_name TEXT NOT NULL,"
       "  added_at INTEGER NOT NULL,"
       "  PRIMARY KEY (channel_user_id, user_id)"
       ");"
       "CREATE TABLE chat_bans ("
       "  channel_user_id TEXT NOT NULL,"
       "  user_id TEXT NOT NULL,"
       "  until INTEGER NOT NULL,"
       "  reason TEXT,"
       "  PRIMARY KEY (channel_user_id, user_id)"
       ");"
       "CREATE TABLE chat_mod_log ("
       "  id INTEGER PRIMARY KEY,"
       "  channel_user_id TEXT NOT NULL,"
       "  json TEXT NOT NULL"
       ");"
       "CREATE INDEX chat_mod_log_channel ON chat_mod_log (channel_user_id, id);"
       "CREATE TABLE chat_emotes ("
       "  id INTEGER PRIMARY KEY,"
       "  channel_user_id TEXT NOT NULL,"
       "  code TEXT NOT NULL,"
       "  image BLOB NOT NULL,"
       "  UNIQUE (channel_user_id, code)"
       ");" },
  { 2, "CREATE TABLE chat_held ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  channel_user_id TEXT NOT NULL,"
       "  user_id TEXT NOT NULL,"
       "  json TEXT NOT NULL,"
       "  held_at INTEGER NOT NULL"
       ");"
       "CREATE INDEX chat_held_channel ON chat_held (channel_user_id, id);" },
};

void
cascade_chat_add_migrations (CascadeStore *store)
{
  cascade_store_add_migrations (store, "chat", chat_migrations, G_N_ELEMENTS (chat_migrations));
}

/* ---- settings ------------------------------------------------------------- */

void
cascade_chat_settings_init (CascadeChatSettings *settings)
{
  settings->open_before_minutes = 15;
  settings->open_after_minutes = 30;
  settings->rate_messages = 20;
  settings->rate_seconds = 30;
  settings->duplicate_seconds = 30;
  settings->history_on_join = 50;
}

static gboolean
load_uint (GKeyFile *file, const char *key, guint min, guint max, guint *out, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 value;

  if (!g_key_file_has_key (file, "chat", key, NULL))
    return TRUE;
  value = g_key_file_get_int64 (file, "chat", key, &local_error);
  if (local_error != NULL || value < min || value > max)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                   "[chat] %s must be a number from %u to %u", key, min, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

/* Reads [chat]; unknown keys are errors. */
gboolean
cascade_chat_settings_load (CascadeChatSettings *settings, GKeyFile *file, GError **error)
{
  static const char *const known[] = { "open-before-minutes",
                                       "open-after-minutes",
                                       "rate-messages",
                                       "rate-seconds",
                                       "duplicate-seconds",
                                       "history-on-join",
                                       NULL };
  g_auto (GStrv) keys = NULL;

  if (file == NULL)
    return TRUE;
  keys = g_key_file_get_keys (file, "chat", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                     "unknown key “%s” in [chat]", keys[i]);
        return FALSE;
      }
  return load_uint (file, "open-before-minutes", 0, 1440, &settings->open_before_minutes, error) &&
         load_uint (file, "open-after-minutes", 0, 1440, &settings->open_after_minutes, error) &&
         load_uint (file, "rate-messages", 1, 1000, &settings->rate_messages, error) &&
         load_uint (file, "rate-seconds", 1, 3600, &settings->rate_seconds, error) &&
         load_uint (file, "duplicate-seconds", 0, 3600, &settings->duplicate_seconds, error) &&
         load_uint (file, "history-on-join", 0, 100, &settings->history_on_join, error);
}

/* ---- records ------------------------------------------------------------- */

void
cascade_chat_room_state_free (CascadeChatRoomState *state)
{
  if (state == NULL)
    return;
  g_free (state->channel_user_id);
  g_free (state->channel);
  g_free (state->session_id);
  g_strfreev (state->terms);
  g_clear_pointer (&state->moderators, g_hash_table_unref);
  g_clear_pointer (&state->bans, g_hash_table_unref);
  g_clear_pointer (&state->emotes, g_hash_table_unref);
  g_clear_pointer (&state->recent, g_ptr_array_unref);
  g_clear_pointer (&state->held, g_ptr_array_unref);
  g_free (state);
}

CascadeChatMember *
cascade_chat_member_copy (const CascadeChatMember *member)
{
  CascadeChatMember *copy = g_new0 (CascadeChatMember, 1);

  copy->user_id = g_strdup (member->user_id);
  copy->username = g_strdup (member->username);
  copy->display_name = g_strdup (member->display_name);
  copy->site_role = g_strdup (member->site_role);
  copy->color = g_strdup (member->color);
  copy->following_since_ms = member->following_since_ms;
  return copy;
}

void
cascade_chat_member_free (CascadeChatMember *member)
{
  if (member == NULL)
    return;
  g_free (member->user_id);
  g_free (member->username);
  g_free (member->display_name);
  g_free (member->site_role);
  g_free (member->color);
  g_free (member);
}

void
cascade_chat_change_free (CascadeChatChange *change)
{
  if (change == NULL)
    return;
  g_free (change->channel_user_id);
  g_free (change->action);
  g_free (change->target_user_id);
  g_free (change->target_username);
  g_free (change->message_id);
  g_strfreev (change->terms);
  g_clear_pointer (&change->mod_action, json_node_unref);
  g_clear_pointer (&change->emotes, json_node_unref);
  g_clear_pointer (&change->held, cascade_chat_held_free);
  g_free (change);
}

/* ---- object --------------------------------------------------------------- */

typedef struct
{
  CascadeChat *chat;
  char *channel_user_id;
  guint64 id;
  char *user_id;
  char *session_id;
  gint64 offset_ms;
  gint64 sent_at;
  char *json;
  GPtrArray *mentions;    /* usernames */
  GPtrArray *mention_ids; /* user ids, filled by the writer */
  CascadeChatWrittenFunc done;
  gpointer user_data;
  GError *error;
  gboolean stop;
} WriteItem;

static void
write_item_free (WriteItem *item)
{
  g_free (item->channel_user_id);
  g_free (item->user_id);
  g_free (item->session_id);
  g_free (item->json);
  g_clear_pointer (&item->mentions, g_ptr_array_unref);
  g_clear_pointer (&item->mention_ids, g_ptr_array_unref);
  g_clear_error (&item->error);
  g_free (item);
}

G_DEFINE_FINAL_TYPE (CascadeChat, cascade_chat, G_TYPE_OBJECT)

static void
cascade_chat_dispose (GObject *object)
{
  CascadeChat *self = CASCADE_CHAT (object);

  cascade_chat_stop (self);
  g_clear_object (&self->store);
  g_clear_object (&self->identity);
  g_clear_object (&self->streaming);
  g_clear_object (&self->follow_owner);
  g_clear_object (&self->color_owner);

  G_OBJECT_CLASS (cascade_chat_parent_class)->dispose (object);
}

static void
cascade_chat_finalize (GObject *object)
{
  CascadeChat *self = CASCADE_CHAT (object);

  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);

  G_OBJECT_CLASS (cascade_chat_parent_class)->finalize (object);
}

static void
cascade_chat_class_init (CascadeChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_chat_dispose;
  object_class->finalize = cascade_chat_finalize;

  /* A committed change to a room (main thread): (CascadeChatChange *). */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
cascade_chat_init (CascadeChat *self)
{
  self->queue = g_async_queue_new ();
  self->main_context = g_main_context_ref_thread_default ();
}

CascadeChat *
cascade_chat_new (CascadeStore *store,
                  CascadeIdentity *identity,
                  CascadeStreaming *streaming,
                  const CascadeChatSettings *settings)
{
  CascadeChat *self;

  g_return_val_if_fail (CASCADE_IS_STORE (store), NULL);
  g_return_val_if_fail (CASCADE_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (CASCADE_IS_STREAMING (streaming), NULL);
  g_return_val_if_fail (settings != NULL, NULL);

  self = g_object_new (CASCADE_TYPE_CHAT, NULL);
  self->store = g_object_ref (store);
  self->identity = g_object_ref (identity);
  self->streaming = g_object_ref (streaming);
  self->settings = *settings;
  return self;
}

/**
 * cascade_chat_set_follow_lookup:
 * @owner: (type GObject): kept alive
 */
void
cascade_chat_set_follow_lookup (CascadeChat *self, CascadeChatFollowLookup lookup, gpointer owner)
{
  g_return_if_fail (CASCADE_IS_CHAT (self));

  self->follow_lookup = lookup;
  g_set_object (&self->follow_owner, owner);
}

/**
 * cascade_chat_set_color_lookup:
 * @owner: (type GObject): kept alive
 */
void
cascade_chat_set_color_lookup (CascadeChat *self, CascadeChatColorLookup lookup, gpointer owner)
{
  g_return_if_fail (CASCADE_IS_CHAT (self));

  self->color_lookup = lookup;
  g_set_object (&self->color_owner, owner);
}

const CascadeChatSettings *
cascade_chat_get_settings (CascadeChat *self)
{
  return &self->settings;
}

CascadeIdentity *
cascade_chat_get_identity (CascadeChat *self)
{
  return self->identity;
}

CascadeStreaming *
cascade_chat_get_streaming (CascadeChat *self)
{
  return self->streaming;
}

/* ---- the writer ------------------------------------------------------------ */

static gboolean
max_id_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
    cascade_store_tx_prepare (tx, "SELECT COALESCE (MAX (id), 0) FROM chat_messages", error);

  if (stmt == NULL || cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
    return FALSE;
  *(guint64 *) user_data = (guint64) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
write_batch_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  GPtrArray *batch = user_data;
  g_autoptr (sqlite3_stmt) insert = cascade_store_tx_prepare (
    tx,
    "INSERT INTO chat_messages (id, channel_user_id, user_id, session_id, offset_ms, sent_at, json)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    error);

  if (insert == NULL)
    return FALSE;
  for (guint i = 0; i < batch->len; i++)
    {
      WriteItem *item = g_ptr_array_index (batch, i);

      sqlite3_reset (insert);
      sqlite3_bind_int64 (insert, 1, (sqlite3_int64) item->id);
      sqlite3_bind_text (insert, 2, item->channel_user_id, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, item->user_id, -1, SQLITE_STATIC);
      if (item->session_id != NULL)
        {
          sqlite3_bind_text (insert, 4, item->session_id, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (insert, 5, item->offset_ms);
        }
      else
        {
          sqlite3_bind_null (insert, 4);
          sqlite3_bind_null (insert, 5);
        }
      sqlite3_bind_int64 (insert, 6, item->sent_at);
      sqlite3_bind_text (insert, 7, item->json, -1, SQLITE_STATIC);
      if (cascade_store_tx_step (tx, insert, error) != SQLITE_DONE)
        return FALSE;

      for (guint m = 0; item->mention_ids != NULL && m < item->mention_ids->len; m++)
        {
          g_autoptr (JsonBuilder) builder = json_builder_new ();
          g_autoptr (JsonNode) payload = NULL;
          g_autofree char *message_id = g_strdup_printf ("%" G_GUINT64_FORMAT, item->id);
          g_autoptr (JsonNode) parsed = json_from_string (item->json, NULL);
          JsonObject *message = parsed != NULL ? json_node_get_object (parsed) : NULL;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "message_id");
          json_builder_add_string_value (builder, message_id);
          json_builder_set_member_name (builder, "channel");
          json_builder_add_string_value (
            builder, message != NULL ? json_object_get_string_member (message, "channel") : "");
          json_builder_set_member_name (builder, "from_user_id");
          json_builder_add_string_value (builder, item->user_id);
          json_builder_set_member_name (builder, "to_user_id");
          json_builder_add_string_value (builder, g_ptr_array_index (item->mention_ids, m));
          json_builder_set_member_name (builder, "text");
          json_builder_add_string_value (
            builder, message != NULL ? json_object_get_string_member (message, "text") : "");
          json_builder_end_object (builder);
          payload = json_builder_get_root (builder);
          if (!cascade_store_tx_append_event (tx, "chat.mention", payload, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
deliver_written (gpointer data)
{
  WriteItem *item = data;

  item->done (item->user_data, item->error);
  write_item_free (item);
  return G_SOURCE_REMOVE;
}

static void
resolve_mentions (CascadeChat *self, WriteItem *item)
{
  if (item->mentions == NULL || item->mentions->len == 0)
    return;
  item->mention_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < item->mentions->len; i++)
    {
      g_autoptr (CascadeUser) user =
        cascade_identity_find_user (self->identity, g_ptr_array_index (item->mentions, i), NULL);

      if (user != NULL && g_strcmp0 (user->id, item->user_id) != 0)
        g_ptr_array_add (item->mention_ids, g_strdup (user->id));
    }
}

static gpointer
writer_thread (gpointer data)
{
  CascadeChat *self = data;
  gboolean stop = FALSE;

  while (!stop)
    {
      g_autoptr (GPtrArray) batch = g_ptr_array_new ();
      g_autoptr (GError) error = NULL;
      WriteItem *item = g_async_queue_pop (self->queue);

      do
        {
          if (item->stop)
            {
              stop = TRUE;
              write_item_free (item);
              continue;
            }
          resolve_mentions (self, item);
          g_ptr_array_add (batch, item);
        }
      while (batch->len < WRITE_BATCH_MAX && (item = g_async_queue_try_pop (self->queue)) != NULL);

      if (batch->len == 0)
        continue;
      if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, write_batch_tx, batch,
                                      &error))
        g_warning ("Chat messages not stored: %s", error->message);
      for (guint i = 0; i < batch->len; i++)
        {
          item = g_ptr_array_index (batch, i);
          if (error != NULL)
            item->error = g_error_copy (error);
          g_main_context_invoke (self->main_context, deliver_written, item);
        }
    }
  return NULL;
}

/* Reads where message ids stand and starts the writer thread. Blocking. */
gboolean
cascade_chat_start (CascadeChat *self, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT (self), FALSE);
  g_return_val_if_fail (self->writer == NULL, FALSE);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, max_id_tx, &self->last_id,
                                  error))
    return FALSE;
  self->writer = g_thread_new ("chat-writer", writer_thread, self);
  return TRUE;
}

/* Lets the writer commit what is queued, and stops it. */
void
cascade_chat_stop (CascadeChat *self)
{
  WriteItem *stop;

  g_return_if_fail (CASCADE_IS_CHAT (self));

  if (self->writer == NULL)
    return;
  stop = g_new0 (WriteItem, 1);
  stop->stop = TRUE;
  g_async_queue_push (self->queue, stop);
  g_thread_join (g_steal_pointer (&self->writer));
}

guint64
cascade_chat_next_message_id (CascadeChat *self)
{
  return ++self->last_id;
}

/**
 * cascade_chat_write_message:
 * @json: the ChatMessage, serialised
 * @mentions: (nullable) (element-type utf8): the usernames it mentions
 * @done: called on the main thread once committed (error %NULL) or failed
 */
void
cascade_chat_write_message (CascadeChat *self,
                            const char *channel_user_id,
                            guint64 id,
                            const char *user_id,
                            const char *session_id,
                            gint64 offset_ms,
                            gint64 sent_at,
                            const char *json,
                            GPtrArray *mentions,
                            CascadeChatWrittenFunc done,
                            gpointer user_data)
{
  WriteItem *item;

  g_return_if_fail (CASCADE_IS_CHAT (self));
  g_return_if_fail (self->writer != NULL);

  item = g_new0 (WriteItem, 1);
  item->chat = self;
  item->channel_user_id = g_strdup (channel_user_id);
  item->id = id;
  item->user_id = g_strdup (user_id);
  item->session_id = g_strdup (session_id);
  item->offset_ms = offset_ms;
  item->sent_at = sent_at;
  item->json = g_strdup (json);
  item->mentions = mentions != NULL ? g_ptr_array_ref (mentions) : NULL;
  item->done = done;
  item->user_data = user_data;
  g_async_queue_push (self->queue, item);
}

/* ---- announcing changes --------------------------------------------------- */

typedef struct
{
  CascadeChat *chat;
  CascadeChatChange *change;
} Announcement;

static gboolean
announce_in_main (gpointer data)
{
  Announcement *announcement = data;

  g_signal_emit (announcement->chat, signals[SIGNAL_CHANGED], 0, announcement->change);
  g_object_unref (announcement->chat);
  cascade_chat_change_free (announcement->change);
  g_free (announcement);
  return G_SOURCE_REMOVE;
}

/* Any thread: emits "changed" with a copy of what matters on the main thread. */
void
_cascade_chat_announce (CascadeChat *self, const CascadeChatChange *change)
{
  Announcement *announcement = g_new0 (Announcement, 1);
  CascadeChatChange *copy = g_new0 (CascadeChatChange, 1);

  copy->channel_user_id = g_strdup (change->channel_user_id);
  copy->action = g_strdup (change->action);
  copy->target_user_id = g_strdup (change->target_user_id);
  copy->target_username = g_strdup (change->target_username);
  copy->message_id = g_strdup (change->message_id);
  copy->until_ms = change->until_ms;
  copy->modes = change->modes;
  copy->terms = g_strdupv (change->terms);
  copy->mod_action = change->mod_action != NULL ? json_node_copy (change->mod_action) : NULL;
  copy->emotes = change->emotes != NULL ? json_node_copy (change->emotes) : NULL;
  announcement->chat = g_object_ref (self);
  announcement->change = copy;
  g_main_context_invoke (self->main_context, announce_in_main, announcement);
}
