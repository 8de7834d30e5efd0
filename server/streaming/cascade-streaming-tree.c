/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-streaming-private.h"

#include <sqlite3.h>

/*
 * The tree of a live stream as its streamer, moderators and admins see it
 * (GET /api/v1/streams/{id}/tree). The use case runs on a worker thread; the
 * tracker lives on the main thread, so the worker asks the main thread for a
 * copy of the peers and waits for it.
 */

#define SNAPSHOT_WAIT_US (5 * G_USEC_PER_SEC)

typedef struct
{
  CascadeStreamTracker *tracker;
  char *stream_id;
  GPtrArray *peers; /* copies; NULL while not taken, or when the stream is not live */
  CascadeTrackerSummary summary;
  gint64 now_us;
  gboolean done;
  GMutex lock;
  GCond cond;
} Snapshot;

static void
snapshot_clear (gpointer data)
{
  Snapshot *snapshot = data;

  g_object_unref (snapshot->tracker);
  g_free (snapshot->stream_id);
  g_clear_pointer (&snapshot->peers, g_ptr_array_unref);
  g_mutex_clear (&snapshot->lock);
  g_cond_clear (&snapshot->cond);
}

static void
snapshot_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, snapshot_clear);
}

/* Main thread. */
static gboolean
take_snapshot (gpointer data)
{
  Snapshot *snapshot = data;

  g_mutex_lock (&snapshot->lock);
  if (cascade_stream_tracker_get_root (snapshot->tracker, snapshot->stream_id) != NULL ||
      cascade_stream_tracker_has_stream (snapshot->tracker, snapshot->stream_id))
    {
      snapshot->peers = cascade_stream_tracker_dup_peers (snapshot->tracker, snapshot->stream_id);
      snapshot->summary =
        cascade_stream_tracker_get_summary (snapshot->tracker, snapshot->stream_id);
    }
  snapshot->now_us = g_get_monotonic_time ();
  snapshot->done = TRUE;
  g_cond_signal (&snapshot->cond);
  g_mutex_unlock (&snapshot->lock);
  return G_SOURCE_REMOVE;
}

/* The peers of @stream_id from the main thread (%NULL when it is not live,
 * with @error set). */
static Snapshot *
dup_snapshot (CascadeStreaming *self, const char *stream_id, GError **error)
{
  Snapshot *snapshot = g_atomic_rc_box_new0 (Snapshot);
  gint64 end = g_get_monotonic_time () + SNAPSHOT_WAIT_US;
  gboolean done;

  snapshot->tracker = g_object_ref (self->tracker);
  snapshot->stream_id = g_strdup (stream_id);
  g_mutex_init (&snapshot->lock);
  g_cond_init (&snapshot->cond);
  g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, take_snapshot,
                              g_atomic_rc_box_acquire (snapshot), snapshot_release);
  g_mutex_lock (&snapshot->lock);
  while (!snapshot->done && g_cond_wait_until (&snapshot->cond, &snapshot->lock, end))
    ;
  done = snapshot->done;
  g_mutex_unlock (&snapshot->lock);
  if (!done)
    {
      snapshot_release (snapshot);
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAVAILABLE,
                           "The server is too busy to show the tree now: try again.");
      return NULL;
    }
  if (snapshot->peers == NULL)
    {
      snapshot_release (snapshot);
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                           "This stream is not live.");
      return NULL;
    }
  return snapshot;
}

static gboolean
usernames_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  GHashTable *usernames = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GHashTableIter iter;
  gpointer key;

  stmt = cascade_store_tx_prepare (tx, "SELECT username FROM streaming_channels WHERE user_id = ?1",
                                   error);
  if (stmt == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, usernames);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
      rc = cascade_store_tx_step (tx, stmt, error);
      if (rc == SQLITE_ROW)
        g_hash_table_iter_replace (&iter, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      else if (rc != SQLITE_DONE)
        return FALSE;
    }
  return TRUE;
}

static void
add_node (JsonBuilder *builder,
          const CascadeTrackerPeer *peer,
          GHashTable *usernames,
          gint64 now_us)
{
  const char *username =
    peer->user_id != NULL ? g_hash_table_lookup (usernames, peer->user_id) : NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "peer_id");
  json_builder_add_string_value (builder, peer->peer_id);
  json_builder_set_member_name (builder, "username");
  if (username != NULL)
    json_builder_add_string_value (builder, username);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "parent_peer_id");
  if (peer->parent_peer_id != NULL)
    json_builder_add_string_value (builder, peer->parent_peer_id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "waiting");
  json_builder_add_boolean_value (builder, !peer->is_root && !peer->attached);
  json_builder_set_member_name (builder, "depth");
  json_builder_add_int_value (builder, peer->depth);
  json_builder_set_member_name (builder, "capacity");
  json_builder_add_int_value (builder, peer->capacity);
  json_builder_set_member_name (builder, "children");
  json_builder_add_int_value (builder, peer->children);
  json_builder_set_member_name (builder, "loss");
  json_builder_add_double_value (builder, peer->loss);
  json_builder_set_member_name (builder, "rtt_ms");
  json_builder_add_int_value (builder, peer->rtt_ms);
  json_builder_set_member_name (builder, "uptime_s");
  json_builder_add_int_value (builder, MAX (now_us - peer->joined_us, 0) / G_USEC_PER_SEC);
  json_builder_set_member_name (builder, "receiving");
  json_builder_add_boolean_value (builder, peer->receiving);
  json_builder_end_object (builder);
}

static gboolean
may_see_tree (const CascadeStreamRecord *record, const CascadePrincipal *principal)
{
  return g_strcmp0 (record->user_id, principal->user_id) == 0 ||
         g_strcmp0 (principal->role, "moderator") == 0 || g_strcmp0 (principal->role, "admin") == 0;
}

/**
 * cascade_streaming_dup_tree:
 * @principal: who asks: the stream's owner, a moderator or an admin
 *
 * Blocks (database, and the main thread's answer): call from a worker.
 *
 * Returns: (transfer full): the tree, as GET /api/v1/streams/{id}/tree shows
 *   it; %NULL with FORBIDDEN, NOT_FOUND (no such stream, or not live) or
 *   UNAVAILABLE
 */
JsonNode *
cascade_streaming_dup_tree (CascadeStreaming *self,
                            const char *stream_id,
                            const CascadePrincipal *principal,
                            GError **error)
{
  g_autoptr (CascadeStreamRecord) record = NULL;
  g_autoptr (GHashTable) usernames = NULL;
  g_autoptr (JsonBuilder) builder = NULL;
  Snapshot *snapshot;

  g_return_val_if_fail (CASCADE_IS_STREAMING (self), NULL);
  g_return_val_if_fail (stream_id != NULL && principal != NULL, NULL);

  record = cascade_streaming_get_stream (self, stream_id, error);
  if (record == NULL)
    return NULL;
  if (!may_see_tree (record, principal))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN,
                           "Only the streamer, moderators and admins can see a stream's tree.");
      return NULL;
    }
  snapshot = dup_snapshot (self, stream_id, error);
  if (snapshot == NULL)
    return NULL;

  usernames = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (guint i = 0; i < snapshot->peers->len; i++)
    {
      CascadeTrackerPeer *peer = g_ptr_array_index (snapshot->peers, i);

      if (peer->user_id != NULL)
        g_hash_table_insert (usernames, peer->user_id, NULL);
    }
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, usernames_tx, usernames, error))
    {
      snapshot_release (snapshot);
      return NULL;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "stream_id");
  json_builder_add_string_value (builder, stream_id);
  json_builder_set_member_name (builder, "viewers");
  json_builder_add_int_value (builder, snapshot->summary.viewers);
  json_builder_set_member_name (builder, "relays");
  json_builder_add_int_value (builder, snapshot->summary.relays);
  json_builder_set_member_name (builder, "depth");
  json_builder_add_int_value (builder, snapshot->summary.depth);
  json_builder_set_member_name (builder, "nodes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->peers->len; i++)
    add_node (builder, g_ptr_array_index (snapshot->peers, i), usernames, snapshot->now_us);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  snapshot_release (snapshot);
  return json_builder_get_root (builder);
}
