/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-streaming-private.h"

#include <string.h>

/*
 * CascadeStreaming: the streaming context's domain. Channels (one per user,
 * fed by the identity context's user.registered events), live sessions in
 * SQLite with their outbox events (stream.online, stream.offline), the
 * thumbnails, and the live state of the running server: the tracker and,
 * for every live stream without a publisher, the grace timer that ends it.
 *
 * The use cases run on worker threads; what they change in the live state is
 * handed to the main thread (the context this object was made in), which
 * updates the tracker and emits "stream-started" or "stream-ended".
 */

enum
{
  SIGNAL_STREAM_STARTED,
  SIGNAL_STREAM_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CascadeStreaming, cascade_streaming, G_TYPE_OBJECT)

/* Released migrations are never edited: a change is a new entry. Times are
 * seconds since the epoch. */
static const CascadeMigration streaming_migrations[] = {
  { 1, "CREATE TABLE streaming_channels ("
       "  user_id TEXT PRIMARY KEY,"
       "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
       "  display_name TEXT NOT NULL,"
       "  created_at INTEGER NOT NULL"
       ");"
       "CREATE TABLE streaming_streams ("
       "  id TEXT PRIMARY KEY,"
       "  user_id TEXT NOT NULL REFERENCES streaming_channels (user_id),"
       "  title TEXT NOT NULL,"
       "  category TEXT NOT NULL,"
       "  renditions TEXT NOT NULL CHECK (json_valid (renditions)),"
       "  started_at INTEGER NOT NULL,"
       "  ended_at INTEGER,"
       "  end_reason TEXT"
       ");"
       /* One live stream per user, whatever the race. */
       "CREATE UNIQUE INDEX streaming_streams_one_live ON streaming_streams (user_id)"
       "  WHERE ended_at IS NULL;"
       "CREATE INDEX streaming_streams_user ON streaming_streams (user_id, started_at);"
       "CREATE TABLE streaming_thumbnails ("
       "  stream_id TEXT PRIMARY KEY REFERENCES streaming_streams (id) ON DELETE CASCADE,"
       "  content_type TEXT NOT NULL,"
       "  data BLOB NOT NULL,"
       "  updated_at INTEGER NOT NULL"
       ");" },
};

void
cascade_stream_record_free (CascadeStreamRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->user_id);
  g_free (record->username);
  g_free (record->display_name);
  g_free (record->title);
  g_free (record->category);
  g_clear_pointer (&record->renditions, json_node_unref);
  g_free (record);
}

void
cascade_channel_free (CascadeChannel *channel)
{
  if (channel == NULL)
    return;
  g_free (channel->user_id);
  g_free (channel->username);
  g_free (channel->display_name);
  cascade_stream_record_free (channel->live_stream);
  g_free (channel);
}

/* ---- database helpers ---------------------------------------------------- */

static void
bind_text (sqlite3_stmt *stmt, int index, const char *value)
{
  sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

#define RECORD_COLUMNS                                                                             \
  "s.id, s.user_id, c.username, c.display_name, s.title, s.category, s.renditions,"                \
  " s.started_at, s.ended_at, t.stream_id IS NOT NULL"                                             \
  " FROM streaming_streams s JOIN streaming_channels c ON c.user_id = s.user_id"                   \
  " LEFT JOIN streaming_thumbnails t ON t.stream_id = s.id"

static CascadeStreamRecord *
record_from_row (sqlite3_stmt *stmt)
{
  CascadeStreamRecord *record = g_new0 (CascadeStreamRecord, 1);

  record->id = column_dup (stmt, 0);
  record->user_id = column_dup (stmt, 1);
  record->username = column_dup (stmt, 2);
  record->display_name = column_dup (stmt, 3);
  record->title = column_dup (stmt, 4);
  record->category = column_dup (stmt, 5);
  record->renditions = json_from_string ((const char *) sqlite3_column_text (stmt, 6), NULL);
  if (record->renditions == NULL || !JSON_NODE_HOLDS_ARRAY (record->renditions))
    {
      g_clear_pointer (&record->renditions, json_node_unref);
      record->renditions = json_node_init_array (json_node_alloc (), json_array_new ());
    }
  record->started_at = sqlite3_column_int64 (stmt, 7);
  record->ended_at =
    sqlite3_column_type (stmt, 8) == SQLITE_NULL ? 0 : sqlite3_column_int64 (stmt, 8);
  record->has_thumbnail = sqlite3_column_int (stmt, 9) != 0;
  return record;
}

/* The stream @stream_id, or %NULL with CASCADE_SERVER_ERROR_NOT_FOUND. */
static CascadeStreamRecord *
load_record (CascadeStoreTx *tx, const char *stream_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
    cascade_store_tx_query_row (tx, "SELECT " RECORD_COLUMNS " WHERE s.id = ?1", stream_id,
                                "There is no stream with this id.", error);

  return stmt != NULL ? record_from_row (stmt) : NULL;
}

/* ---- live state, on the main thread -------------------------------------- */

typedef struct
{
  CascadeStreaming *self;
  char *stream_id;
  char *user_id;
  gboolean started;
} LiveChange;

static void
live_change_free (gpointer data)
{
  LiveChange *change = data;

  g_object_unref (change->self);
  g_free (change->stream_id);
  g_free (change->user_id);
  g_free (change);
}

static void disarm_grace (CascadeStreaming *self, const char *stream_id);
static void arm_grace (CascadeStreaming *self, const char *stream_id);

static gboolean
apply_live_change (gpointer data)
{
  LiveChange *change = data;
  CascadeStreaming *self = change->self;

  if (change->started)
    {
      cascade_stream_tracker_add_stream (self->tracker, change->stream_id, change->user_id);
      if (cascade_stream_tracker_get_root (self->tracker, change->stream_id) == NULL)
        arm_grace (self, change->stream_id);
      g_signal_emit (self, signals[SIGNAL_STREAM_STARTED], 0, change->stream_id);
    }
  else if (cascade_stream_tracker_has_stream (self->tracker, change->stream_id))
    {
      /* Handlers still see the stream's peers, to tell them. */
      g_signal_emit (self, signals[SIGNAL_STREAM_ENDED], 0, change->stream_id);
      disarm_grace (self, change->stream_id);
      g_ptr_array_unref (cascade_stream_tracker_remove_stream (self->tracker, change->stream_id));
    }
  return G_SOURCE_REMOVE;
}

static void
post_live_change (CascadeStreaming *self,
                  const char *stream_id,
                  const char *user_id,
                  gboolean started)
{
  LiveChange *change = g_new0 (LiveChange, 1);

  change->self = g_object_ref (self);
  change->stream_id = g_strdup (stream_id);
  change->user_id = g_strdup (user_id);
  change->started = started;
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, apply_live_change, change,
                              live_change_free);
}

static void
end_by_grace_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *c)
{
  g_autoptr (GError) error = NULL;

  if (!cascade_streaming_end_stream (source_object, NULL, task_data, "streamer_gone", &error))
    g_warning ("Could not end stream %s: %s", (const char *) task_data, error->message);
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  CascadeStreaming *self; /* not a reference: the timer goes with it */
  char *stream_id;
} GraceTimer;

static void
grace_timer_free (gpointer data)
{
  GraceTimer *timer = data;

  g_free (timer->stream_id);
  g_free (timer);
}

static gboolean
on_grace_expired (gpointer data)
{
  GraceTimer *timer = data;
  CascadeStreaming *self = timer->self;
  g_autoptr (GTask) task = g_task_new (self, NULL, NULL, NULL);

  g_message ("Stream %s had no publisher for %u s: ending it", timer->stream_id,
             self->grace_seconds);
  g_task_set_source_tag (task, on_grace_expired);
  g_task_set_task_data (task, g_strdup (timer->stream_id), g_free);
  g_task_run_in_thread (task, end_by_grace_thread);
  g_hash_table_remove (self->grace_timers, timer->stream_id);
  return G_SOURCE_REMOVE;
}

static void
arm_grace (CascadeStreaming *self, const char *stream_id)
{
  GraceTimer *timer;
  GSource *source;

  if (g_hash_table_contains (self->grace_timers, stream_id))
    return;
  timer = g_new0 (GraceTimer, 1);
  timer->self = self;
  timer->stream_id = g_strdup (stream_id);
  source = g_timeout_source_new (self->grace_seconds * 1000);
  g_source_set_callback (source, on_grace_expired, timer, grace_timer_free);
  g_source_set_static_name (source, "cascade-stream-grace");
  g_source_attach (source, self->main_context);
  g_hash_table_insert (self->grace_timers, g_strdup (stream_id), source);
}

static void
disarm_grace (CascadeStreaming *self, const char *stream_id)
{
  g_hash_table_remove (self->grace_timers, stream_id);
}

static void
destroy_source (gpointer data)
{
  g_source_destroy (data);
  g_source_unref (data);
}

/**
 * cascade_streaming_set_publisher_present:
 *
 * Main thread. While a live stream has no publisher, its grace timer runs;
 * when it fires, the stream ends.
 */
void
cascade_streaming_set_publisher_present (CascadeStreaming *self,
                                         const char *stream_id,
                                         gboolean present)
{
  g_return_if_fail (CASCADE_IS_STREAMING (self));
  g_return_if_fail (stream_id != NULL);

  if (present)
    disarm_grace (self, stream_id);
  else if (cascade_stream_tracker_has_stream (self->tracker, stream_id))
    arm_grace (self, stream_id);
}

/* ---- object --------------------------------------------------------------- */

static void
cascade_streaming_dispose (GObject *object)
{
  CascadeStreaming *self = CASCADE_STREAMING (object);

  if (self->grace_timers != NULL)
    g_hash_table_remove_all (self->grace_timers);
  g_clear_object (&self->tracker);
  g_clear_object (&self->channel_extension_owner);
  g_clear_object (&self->identity);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cascade_streaming_parent_class)->dispose (object);
}

static void
cascade_streaming_finalize (GObject *object)
{
  CascadeStreaming *self = CASCADE_STREAMING (object);

  g_clear_pointer (&self->grace_timers, g_hash_table_unref);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_strfreev (self->stun_urls);
  g_clear_pointer (&self->ice_servers, cascade_ice_servers_free);

  G_OBJECT_CLASS (cascade_streaming_parent_class)->finalize (object);
}

static void
cascade_streaming_class_init (CascadeStreamingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_streaming_dispose;
  object_class->finalize = cascade_streaming_finalize;

  /* A stream went live (main thread; the tracker knows it already). */
  signals[SIGNAL_STREAM_STARTED] =
    g_signal_new ("stream-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A stream ended (main thread; the tracker still has its peers). */
  signals[SIGNAL_STREAM_ENDED] =
    g_signal_new ("stream-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
cascade_streaming_init (CascadeStreaming *self)
{
  self->grace_timers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, destroy_source);
}

void
cascade_streaming_add_migrations (CascadeStore *store)
{
  g_return_if_fail (CASCADE_IS_STORE (store));

  cascade_store_add_migrations (store, "streaming", streaming_migrations,
                                G_N_ELEMENTS (streaming_migrations));
}

/* user.registered: the new user's channel. */
static gboolean
on_user_registered (
  CascadeStoreTx *tx, const char *topic, JsonNode *payload, gpointer user_data, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (payload))
    return TRUE;
  object = json_node_get_object (payload);
  if (json_object_get_string_member_with_default (object, "user_id", NULL) == NULL ||
      json_object_get_string_member_with_default (object, "username", NULL) == NULL)
    return TRUE;

  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT OR IGNORE INTO streaming_channels "
                                   "(user_id, username, display_name, created_at) "
                                   "VALUES (?, ?, ?, ?)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, json_object_get_string_member (object, "user_id"));
  bind_text (stmt, 2, json_object_get_string_member (object, "username"));
  bind_text (stmt, 3,
             json_object_get_string_member_with_default (
               object, "display_name", json_object_get_string_member (object, "username")));
  sqlite3_bind_int64 (stmt, 4, cascade_store_tx_get_now (tx));
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

/**
 * cascade_streaming_new:
 * @grace_seconds: how long a live stream may lack its publisher
 * @stun_urls: (array zero-terminated=1) (nullable): STUN servers for peers
 *
 * Call on the main thread, before the store's dispatcher starts.
 */
CascadeStreaming *
cascade_streaming_new (CascadeStore *store,
                       CascadeIdentity *identity,
                       guint grace_seconds,
                       const char *const *stun_urls)
{
  CascadeStreaming *self;

  g_return_val_if_fail (CASCADE_IS_STORE (store), NULL);
  g_return_val_if_fail (CASCADE_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (grace_seconds > 0, NULL);

  self = g_object_new (CASCADE_TYPE_STREAMING, NULL);
  self->store = g_object_ref (store);
  self->identity = g_object_ref (identity);
  self->tracker = cascade_stream_tracker_new ();
  self->main_context = g_main_context_ref_thread_default ();
  self->grace_seconds = grace_seconds;
  self->stun_urls = g_strdupv ((char **) stun_urls);
  self->ice_servers = cascade_ice_servers_new (stun_urls, NULL, NULL, 0);
  cascade_store_subscribe (store, "user.registered", on_user_registered, NULL, NULL);
  return self;
}

static gboolean
load_live_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  GPtrArray *rows = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (
    tx, "SELECT id, user_id FROM streaming_streams WHERE ended_at IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    {
      g_ptr_array_add (rows, column_dup (stmt, 0));
      g_ptr_array_add (rows, column_dup (stmt, 1));
    }
  return rc == SQLITE_DONE;
}

/**
 * cascade_streaming_load_live:
 *
 * At start (blocking): the streams a previous run left live are live again,
 * each with its grace period to get its publisher back.
 */
gboolean
cascade_streaming_load_live (CascadeStreaming *self, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), FALSE);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, load_live_tx, rows, error))
    return FALSE;
  for (guint i = 0; i + 1 < rows->len; i += 2)
    {
      cascade_stream_tracker_add_stream (self->tracker, g_ptr_array_index (rows, i),
                                         g_ptr_array_index (rows, i + 1));
      arm_grace (self, g_ptr_array_index (rows, i));
    }
  return TRUE;
}

CascadeStreamTracker *
cascade_streaming_get_tracker (CascadeStreaming *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);

  return self->tracker;
}

/**
 * cascade_streaming_set_channel_extension:
 * @owner: (type GObject): kept alive
 *
 * Lets another context add members to the Channel object (the profile
 * context adds its followers): the server composes them, so neither context
 * reads the other's tables.
 */
void
cascade_streaming_set_channel_extension (CascadeStreaming *self,
                                         CascadeChannelExtension extension,
                                         gpointer owner)
{
  g_return_if_fail (CASCADE_IS_STREAMING (self));

  self->channel_extension = extension;
  g_set_object (&self->channel_extension_owner, owner);
}

/* Worker thread: adds the extension's members to the Channel being built. */
void
cascade_streaming_extend_channel (CascadeStreaming *self,
                                  JsonBuilder *builder,
                                  const char *channel_user_id,
                                  CascadeRequest *request)
{
  g_return_if_fail (CASCADE_IS_STREAMING (self));

  if (self->channel_extension != NULL)
    self->channel_extension (builder, channel_user_id, request, self->channel_extension_owner);
}

/* Main thread, at start: TURN servers for peers, with credentials made
 * from @secret lasting @ttl_seconds (see CascadeIceServers). */
void
cascade_streaming_set_turn (CascadeStreaming *self,
                            const char *const *urls,
                            const char *secret,
                            guint ttl_seconds)
{
  g_return_if_fail (CASCADE_IS_STREAMING (self));

  cascade_ice_servers_free (self->ice_servers);
  self->ice_servers =
    cascade_ice_servers_new ((const char *const *) self->stun_urls, urls, secret, ttl_seconds);
}

/**
 * cascade_streaming_dup_ice_servers:
 * @user_id: (nullable): the peer's user, for its TURN credentials
 *
 * Returns: (transfer full): the "ice_servers" array handed to a peer
 */
JsonNode *
cascade_streaming_dup_ice_servers (CascadeStreaming *self, const char *user_id)
{
  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);

  return cascade_ice_servers_dup_json (self->ice_servers, user_id,
                                       g_get_real_time () / G_USEC_PER_SEC);
}

guint
cascade_streaming_get_viewer_count (CascadeStreaming *self, const char *stream_id)
{
  g_return_val_if_fail (CASCADE_IS_STREAMING (self), 0);

  return cascade_stream_tracker_get_viewer_count (self->tracker, stream_id);
}

/* ---- use cases (worker threads) ------------------------------------------ */

static gboolean
check_text (const char *text, glong max_chars)
{
  glong length;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  length = g_utf8_strlen (text, -1);
  if (length < 1 || length > max_chars)
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return TRUE;
  return FALSE; /* only spaces */
}

static gboolean
check_int (JsonObject *object, const char *name, gint64 min, gint64 max)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  value = json_node_get_int (node);
  return value >= min && value <= max;
}

/* The renditions, checked and rewritten with only the members we know. */
static JsonNode *
check_renditions (JsonArray *renditions, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  guint n = renditions != NULL ? json_array_get_length (renditions) : 0;

  if (n < 1 || n > CASCADE_STREAM_MAX_RENDITIONS)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_RENDITIONS,
                   "A stream has 1 to %d renditions.", CASCADE_STREAM_MAX_RENDITIONS);
      return NULL;
    }
  json_builder_begin_array (builder);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (renditions, i);
      JsonObject *object;
      const char *codec;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        goto invalid;
      object = json_node_get_object (node);
      codec = json_object_get_string_member_with_default (object, "codec", NULL);
      if (!check_int (object, "width", 16, 7680) || !check_int (object, "height", 16, 4320) ||
          !check_int (object, "fps", 1, 240) || !check_int (object, "bitrate_kbps", 1, 100000) ||
          g_strcmp0 (codec, "h264") != 0)
        goto invalid;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, json_object_get_int_member (object, "width"));
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, json_object_get_int_member (object, "height"));
      json_builder_set_member_name (builder, "fps");
      json_builder_add_int_value (builder, json_object_get_int_member (object, "fps"));
      json_builder_set_member_name (builder, "bitrate_kbps");
      json_builder_add_int_value (builder, json_object_get_int_member (object, "bitrate_kbps"));
      json_builder_set_member_name (builder, "codec");
      json_builder_add_string_value (builder, codec);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);

invalid:
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_RENDITIONS,
                       "Each rendition is {\"width\", \"height\", \"fps\", \"bitrate_kbps\", "
                       "\"codec\": \"h264\"} with whole numbers in range.");
  return NULL;
}

typedef struct
{
  const char *user_id;
  CascadeUser *user; /* for a channel the events have not made yet */
  const char *title;
  const char *category;
  JsonNode *renditions;
  char *stream_id;
  CascadeStreamRecord *record;
} StartCall;

static gboolean
channel_exists_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  StartCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_query_row (
    tx, "SELECT 1 FROM streaming_channels WHERE user_id = ?1", call->user_id, "no channel", error);

  return stmt != NULL;
}

static gboolean
start_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  StartCall *call = user_data;
  g_autoptr (sqlite3_stmt) live = NULL;
  g_autoptr (sqlite3_stmt) insert = NULL;
  g_autoptr (JsonBuilder) event = json_builder_new ();
  g_autofree char *renditions = json_to_string (call->renditions, FALSE);
  int rc;

  if (call->user != NULL)
    {
      g_autoptr (sqlite3_stmt) channel = cascade_store_tx_prepare (
        tx,
        "INSERT OR IGNORE INTO streaming_channels (user_id, username, display_name, created_at) "
        "VALUES (?, ?, ?, ?)",
        error);

      if (channel == NULL)
        return FALSE;
      bind_text (channel, 1, call->user->id);
      bind_text (channel, 2, call->user->username);
      bind_text (channel, 3, call->user->display_name);
      sqlite3_bind_int64 (channel, 4, cascade_store_tx_get_now (tx));
      if (cascade_store_tx_step (tx, channel, error) != SQLITE_DONE)
        return FALSE;
    }

  live = cascade_store_tx_prepare (
    tx, "SELECT 1 FROM streaming_streams WHERE user_id = ? AND ended_at IS NULL", error);
  if (live == NULL)
    return FALSE;
  bind_text (live, 1, call->user_id);
  rc = cascade_store_tx_step (tx, live, error);
  if (rc == SQLITE_ROW)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_ALREADY_LIVE,
                           "You are already live: end that stream first.");
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return FALSE;

  insert = cascade_store_tx_prepare (tx,
                                     "INSERT INTO streaming_streams "
                                     "(id, user_id, title, category, renditions, started_at) "
                                     "VALUES (?, ?, ?, ?, ?, ?)",
                                     error);
  if (insert == NULL)
    return FALSE;
  bind_text (insert, 1, call->stream_id);
  bind_text (insert, 2, call->user_id);
  bind_text (insert, 3, call->title);
  bind_text (insert, 4, call->category);
  bind_text (insert, 5, renditions);
  sqlite3_bind_int64 (insert, 6, cascade_store_tx_get_now (tx));
  if (cascade_store_tx_step (tx, insert, error) != SQLITE_DONE)
    return FALSE;

  call->record = load_record (tx, call->stream_id, error);
  if (call->record == NULL)
    return FALSE;

  json_builder_begin_object (event);
  json_builder_set_member_name (event, "stream_id");
  json_builder_add_string_value (event, call->stream_id);
  json_builder_set_member_name (event, "user_id");
  json_builder_add_string_value (event, call->user_id);
  json_builder_set_member_name (event, "username");
  json_builder_add_string_value (event, call->record->username);
  json_builder_set_member_name (event, "title");
  json_builder_add_string_value (event, call->title);
  json_builder_set_member_name (event, "category");
  json_builder_add_string_value (event, call->category);
  json_builder_set_member_name (event, "started_at");
  json_builder_add_int_value (event, call->record->started_at);
  json_builder_end_object (event);
  {
    g_autoptr (JsonNode) payload = json_builder_get_root (event);

    return cascade_store_tx_append_event (tx, "stream.online", payload, error);
  }
}

/**
 * cascade_streaming_start_stream:
 * @renditions: (element-type JsonObject): what the streamer sends
 *
 * Starts a live session for @user_id (409 already_live if one runs), with
 * its stream.online event. Blocking.
 *
 * Returns: (transfer full): the new stream, or %NULL with @error set
 */
CascadeStreamRecord *
cascade_streaming_start_stream (CascadeStreaming *self,
                                const char *user_id,
                                const char *title,
                                const char *category,
                                JsonArray *renditions,
                                GError **error)
{
  g_autoptr (JsonNode) checked = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CascadeUser) user = NULL;
  g_autofree char *stream_id = NULL;
  StartCall call = { 0 };

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  if (!check_text (title, CASCADE_STREAM_TITLE_MAX))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TITLE,
                   "A title has 1 to %d characters, not only spaces.", CASCADE_STREAM_TITLE_MAX);
      return NULL;
    }
  if (!check_text (category, CASCADE_STREAM_CATEGORY_MAX))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_CATEGORY,
                   "A category (the game) has 1 to %d characters, not only spaces.",
                   CASCADE_STREAM_CATEGORY_MAX);
      return NULL;
    }
  checked = check_renditions (renditions, error);
  if (checked == NULL)
    return NULL;

  call.user_id = user_id;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, channel_exists_tx, &call,
                                  &local_error))
    {
      if (!g_error_matches (local_error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      /* Registered, but the user.registered event is not delivered yet. */
      user = cascade_identity_get_user (self->identity, user_id, error);
      if (user == NULL)
        return NULL;
    }

  stream_id = g_uuid_string_random ();
  call.user = user;
  call.title = title;
  call.category = category;
  call.renditions = checked;
  call.stream_id = stream_id;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, start_tx, &call, error))
    {
      g_clear_pointer (&call.record, cascade_stream_record_free);
      return NULL;
    }
  g_message ("Stream %s started by %s", stream_id, call.record->username);
  post_live_change (self, stream_id, user_id, TRUE);
  return call.record;
}

typedef struct
{
  const char *user_id; /* NULL: the server itself ends it */
  const char *stream_id;
  const char *reason;
  gboolean ended_now;
} EndCall;

static gboolean
end_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  EndCall *call = user_data;
  g_autoptr (CascadeStreamRecord) record = load_record (tx, call->stream_id, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) event = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  if (record == NULL)
    return FALSE;
  if (call->user_id != NULL && g_strcmp0 (record->user_id, call->user_id) != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_OWNER,
                           "Only the streamer can end this stream.");
      return FALSE;
    }
  if (record->ended_at != 0)
    return TRUE; /* ended already: nothing to do */

  stmt = cascade_store_tx_prepare (
    tx, "UPDATE streaming_streams SET ended_at = ?, end_reason = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  bind_text (stmt, 2, call->reason);
  bind_text (stmt, 3, call->stream_id);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;

  json_builder_begin_object (event);
  json_builder_set_member_name (event, "stream_id");
  json_builder_add_string_value (event, call->stream_id);
  json_builder_set_member_name (event, "user_id");
  json_builder_add_string_value (event, record->user_id);
  json_builder_set_member_name (event, "reason");
  json_builder_add_string_value (event, call->reason);
  json_builder_set_member_name (event, "ended_at");
  json_builder_add_int_value (event, cascade_store_tx_get_now (tx));
  json_builder_end_object (event);
  payload = json_builder_get_root (event);
  call->ended_now = TRUE;
  return cascade_store_tx_append_event (tx, "stream.offline", payload, error);
}

/**
 * cascade_streaming_end_stream:
 * @user_id: (nullable): the user asking (only the owner may), or %NULL when
 *   the server ends it
 * @reason: why, for the stream.offline event ("ended", "streamer_gone")
 *
 * Ends a live session; ending an ended one does nothing. Blocking.
 */
gboolean
cascade_streaming_end_stream (CascadeStreaming *self,
                              const char *user_id,
                              const char *stream_id,
                              const char *reason,
                              GError **error)
{
  EndCall call = { user_id, stream_id, reason, FALSE };

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), FALSE);
  g_return_val_if_fail (stream_id != NULL && reason != NULL, FALSE);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, end_tx, &call, error))
    return FALSE;
  if (call.ended_now)
    {
      g_message ("Stream %s ended (%s)", stream_id, reason);
      post_live_change (self, stream_id, NULL, FALSE);
    }
  return TRUE;
}

typedef struct
{
  const char *key;
  CascadeStreamRecord *record;
  GPtrArray *records;
  CascadeChannel *channel;
  char *content_type;
  GBytes *image;
} ReadCall;

static gboolean
get_stream_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ReadCall *call = user_data;

  call->record = load_record (tx, call->key, error);
  return call->record != NULL;
}

/* Returns: (transfer full): the stream, live or ended, or %NULL (404) */
CascadeStreamRecord *
cascade_streaming_get_stream (CascadeStreaming *self, const char *stream_id, GError **error)
{
  ReadCall call = { stream_id };

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);
  g_return_val_if_fail (stream_id != NULL, NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, get_stream_tx, &call, error))
    return NULL;
  return call.record;
}

static gboolean
list_live_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ReadCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (tx, "SELECT " RECORD_COLUMNS " WHERE s.ended_at IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (call->records, record_from_row (stmt));
  return rc == SQLITE_DONE;
}

typedef struct
{
  CascadeStreamRecord *record;
  guint viewers;
} Ranked;

static int
compare_ranked (gconstpointer a, gconstpointer b)
{
  const Ranked *x = a;
  const Ranked *y = b;

  if (x->viewers != y->viewers)
    return x->viewers > y->viewers ? -1 : 1;
  if (x->record->started_at != y->record->started_at)
    return x->record->started_at > y->record->started_at ? -1 : 1;
  return strcmp (x->record->id, y->record->id);
}

/**
 * cascade_streaming_list_live:
 * @out_more: (out): whether more follow
 *
 * The live streams, most viewers first, then newest.
 *
 * Returns: (transfer full) (element-type CascadeStreamRecord): one page
 */
GPtrArray *
cascade_streaming_list_live (
  CascadeStreaming *self, guint offset, guint limit, gboolean *out_more, GError **error)
{
  g_autoptr (GPtrArray) all =
    g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_stream_record_free);
  g_autoptr (GArray) ranked = g_array_new (FALSE, FALSE, sizeof (Ranked));
  GPtrArray *page = g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_stream_record_free);
  ReadCall call = { NULL };

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);

  call.records = all;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, list_live_tx, &call, error))
    {
      g_ptr_array_unref (page);
      return NULL;
    }
  for (guint i = 0; i < all->len; i++)
    {
      Ranked entry = { g_ptr_array_index (all, i), 0 };

      entry.viewers = cascade_stream_tracker_get_viewer_count (self->tracker, entry.record->id);
      g_array_append_val (ranked, entry);
    }
  g_array_sort (ranked, compare_ranked);
  g_ptr_array_set_free_func (all, NULL); /* each record goes to the page or is freed here */
  for (guint i = 0; i < ranked->len; i++)
    {
      CascadeStreamRecord *record = g_array_index (ranked, Ranked, i).record;

      if (i >= offset && i - offset < limit)
        g_ptr_array_add (page, record);
      else
        cascade_stream_record_free (record);
    }
  *out_more = ranked->len > offset + limit;
  return page;
}

static gboolean
get_channel_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ReadCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) live = NULL;
  int rc;

  stmt = cascade_store_tx_query_row (
    tx, "SELECT user_id, username, display_name FROM streaming_channels WHERE username = ?1",
    call->key, "There is no channel with this name.", error);
  if (stmt == NULL)
    return FALSE;
  call->channel = g_new0 (CascadeChannel, 1);
  call->channel->user_id = column_dup (stmt, 0);
  call->channel->username = column_dup (stmt, 1);
  call->channel->display_name = column_dup (stmt, 2);

  live = cascade_store_tx_prepare (
    tx, "SELECT " RECORD_COLUMNS " WHERE s.user_id = ? AND s.ended_at IS NULL", error);
  if (live == NULL)
    return FALSE;
  bind_text (live, 1, call->channel->user_id);
  rc = cascade_store_tx_step (tx, live, error);
  if (rc == SQLITE_ROW)
    call->channel->live_stream = record_from_row (live);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Returns: (transfer full): the channel named @username, or %NULL (404) */
CascadeChannel *
cascade_streaming_get_channel (CascadeStreaming *self, const char *username, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  ReadCall call = { username };

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  if (cascade_store_transaction (self->store, CASCADE_STORE_READ, get_channel_tx, &call,
                                 &local_error))
    return call.channel;
  g_clear_pointer (&call.channel, cascade_channel_free);
  if (!g_error_matches (local_error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* A user who registered a moment ago: deliver the pending events, look again. */
  if (!cascade_store_dispatch_pending (self->store, NULL, error) ||
      !cascade_store_transaction (self->store, CASCADE_STORE_READ, get_channel_tx, &call, error))
    {
      g_clear_pointer (&call.channel, cascade_channel_free);
      return NULL;
    }
  return call.channel;
}

typedef struct
{
  const char *user_id;
  const char *stream_id;
  const char *content_type;
  GBytes *image;
} ThumbnailCall;

static gboolean
set_thumbnail_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ThumbnailCall *call = user_data;
  g_autoptr (CascadeStreamRecord) record = load_record (tx, call->stream_id, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gsize size;
  gconstpointer data;

  if (record == NULL)
    return FALSE;
  if (g_strcmp0 (record->user_id, call->user_id) != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_OWNER,
                           "Only the streamer can set this stream's thumbnail.");
      return FALSE;
    }
  if (record->ended_at != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_STREAM_ENDED,
                           "This stream has ended.");
      return FALSE;
    }
  stmt =
    cascade_store_tx_prepare (tx,
                              "INSERT OR REPLACE INTO streaming_thumbnails "
                              "(stream_id, content_type, data, updated_at) VALUES (?, ?, ?, ?)",
                              error);
  if (stmt == NULL)
    return FALSE;
  data = g_bytes_get_data (call->image, &size);
  bind_text (stmt, 1, call->stream_id);
  bind_text (stmt, 2, call->content_type);
  sqlite3_bind_blob64 (stmt, 3, data, size, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, cascade_store_tx_get_now (tx));
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static gboolean
looks_like (GBytes *image, const char *content_type)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff };
  gsize size;
  const guint8 *data = g_bytes_get_data (image, &size);

  if (g_strcmp0 (content_type, "image/png") == 0)
    return size > sizeof png && memcmp (data, png, sizeof png) == 0;
  if (g_strcmp0 (content_type, "image/jpeg") == 0)
    return size > sizeof jpeg && memcmp (data, jpeg, sizeof jpeg) == 0;
  return FALSE;
}

/**
 * cascade_streaming_set_thumbnail:
 * @content_type: "image/jpeg" or "image/png"
 *
 * Replaces the live stream's thumbnail (owner only, at most
 * %CASCADE_THUMBNAIL_MAX_BYTES). Blocking.
 */
gboolean
cascade_streaming_set_thumbnail (CascadeStreaming *self,
                                 const char *user_id,
                                 const char *stream_id,
                                 const char *content_type,
                                 GBytes *image,
                                 GError **error)
{
  ThumbnailCall call = { user_id, stream_id, content_type, image };

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), FALSE);
  g_return_val_if_fail (image != NULL, FALSE);

  if (g_bytes_get_size (image) > CASCADE_THUMBNAIL_MAX_BYTES)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PAYLOAD_TOO_LARGE,
                   "A thumbnail is at most %d KiB.", CASCADE_THUMBNAIL_MAX_BYTES / 1024);
      return FALSE;
    }
  if (!looks_like (image, content_type))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE,
                           "A thumbnail is a PNG (image/png) or JPEG (image/jpeg) image.");
      return FALSE;
    }
  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, set_thumbnail_tx, &call,
                                    error);
}

static gboolean
get_thumbnail_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ReadCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = cascade_store_tx_query_row (
    tx, "SELECT content_type, data FROM streaming_thumbnails WHERE stream_id = ?1", call->key,
    "This stream has no thumbnail.", error);
  if (stmt == NULL)
    return FALSE;
  call->content_type = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  call->image = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
  return TRUE;
}

/**
 * cascade_streaming_dup_thumbnail:
 * @out_content_type: (out) (transfer full): its media type
 *
 * Returns: (transfer full): the image, or %NULL (404 when there is none)
 */
GBytes *
cascade_streaming_dup_thumbnail (CascadeStreaming *self,
                                 const char *stream_id,
                                 char **out_content_type,
                                 GError **error)
{
  ReadCall call = { stream_id };

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, get_thumbnail_tx, &call, error))
    {
      g_free (call.content_type);
      return NULL;
    }
  *out_content_type = call.content_type;
  return call.image;
}
