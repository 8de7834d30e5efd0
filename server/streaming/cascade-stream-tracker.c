/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-stream-tracker.h"

typedef struct
{
  char *id;
  char *owner_user_id;
  char *root_peer_id;
  GPtrArray *peer_ids; /* every peer, root included, in the order they came */
} TrackedStream;

struct _CascadeStreamTracker
{
  GObject parent_instance;

  GHashTable *streams; /* id → TrackedStream */
  GHashTable *peers;   /* peer id → CascadeTrackerPeer */

  GMutex counts_lock; /* guards counts, read by worker threads */
  GHashTable *counts; /* stream id → viewer count */
};

G_DEFINE_FINAL_TYPE (CascadeStreamTracker, cascade_stream_tracker, G_TYPE_OBJECT)

CascadeTrackerPeer *
cascade_tracker_peer_copy (const CascadeTrackerPeer *peer)
{
  CascadeTrackerPeer *copy;

  g_return_val_if_fail (peer != NULL, NULL);

  copy = g_new0 (CascadeTrackerPeer, 1);
  copy->peer_id = g_strdup (peer->peer_id);
  copy->stream_id = g_strdup (peer->stream_id);
  copy->connection_id = g_strdup (peer->connection_id);
  copy->parent_peer_id = g_strdup (peer->parent_peer_id);
  copy->is_root = peer->is_root;
  return copy;
}

void
cascade_tracker_peer_free (CascadeTrackerPeer *peer)
{
  if (peer == NULL)
    return;
  g_free (peer->peer_id);
  g_free (peer->stream_id);
  g_free (peer->connection_id);
  g_free (peer->parent_peer_id);
  g_free (peer);
}

static void
tracked_stream_free (gpointer data)
{
  TrackedStream *stream = data;

  g_free (stream->id);
  g_free (stream->owner_user_id);
  g_free (stream->root_peer_id);
  g_ptr_array_unref (stream->peer_ids);
  g_free (stream);
}

static void
cascade_stream_tracker_finalize (GObject *object)
{
  CascadeStreamTracker *self = CASCADE_STREAM_TRACKER (object);

  g_hash_table_unref (self->streams);
  g_hash_table_unref (self->peers);
  g_hash_table_unref (self->counts);
  g_mutex_clear (&self->counts_lock);

  G_OBJECT_CLASS (cascade_stream_tracker_parent_class)->finalize (object);
}

static void
cascade_stream_tracker_class_init (CascadeStreamTrackerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cascade_stream_tracker_finalize;
}

static void
cascade_stream_tracker_init (CascadeStreamTracker *self)
{
  self->streams = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tracked_stream_free);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) cascade_tracker_peer_free);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->counts_lock);
}

CascadeStreamTracker *
cascade_stream_tracker_new (void)
{
  return g_object_new (CASCADE_TYPE_STREAM_TRACKER, NULL);
}

static void
update_count (CascadeStreamTracker *self, TrackedStream *stream)
{
  guint viewers = stream->peer_ids->len - (stream->root_peer_id != NULL ? 1 : 0);

  g_mutex_lock (&self->counts_lock);
  g_hash_table_replace (self->counts, g_strdup (stream->id), GUINT_TO_POINTER (viewers));
  g_mutex_unlock (&self->counts_lock);
}

/* Registers a live stream (nothing happens if it is already known). */
void
cascade_stream_tracker_add_stream (CascadeStreamTracker *self,
                                   const char *stream_id,
                                   const char *owner_user_id)
{
  TrackedStream *stream;

  g_return_if_fail (CASCADE_IS_STREAM_TRACKER (self));
  g_return_if_fail (stream_id != NULL && owner_user_id != NULL);

  if (g_hash_table_contains (self->streams, stream_id))
    return;
  stream = g_new0 (TrackedStream, 1);
  stream->id = g_strdup (stream_id);
  stream->owner_user_id = g_strdup (owner_user_id);
  stream->peer_ids = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_insert (self->streams, stream->id, stream);
  update_count (self, stream);
}

/**
 * cascade_stream_tracker_remove_stream:
 *
 * Forgets a stream and all its peers.
 *
 * Returns: (transfer full) (element-type CascadeTrackerPeer): the peers it had
 */
GPtrArray *
cascade_stream_tracker_remove_stream (CascadeStreamTracker *self, const char *stream_id)
{
  GPtrArray *removed = g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_tracker_peer_free);
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), removed);

  stream = g_hash_table_lookup (self->streams, stream_id);
  if (stream == NULL)
    return removed;
  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      gpointer peer = NULL;

      if (g_hash_table_steal_extended (self->peers, g_ptr_array_index (stream->peer_ids, i), NULL,
                                       &peer))
        g_ptr_array_add (removed, peer);
    }
  g_mutex_lock (&self->counts_lock);
  g_hash_table_remove (self->counts, stream_id);
  g_mutex_unlock (&self->counts_lock);
  g_hash_table_remove (self->streams, stream_id);
  return removed;
}

gboolean
cascade_stream_tracker_has_stream (CascadeStreamTracker *self, const char *stream_id)
{
  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), FALSE);

  return stream_id != NULL && g_hash_table_contains (self->streams, stream_id);
}

const char *
cascade_stream_tracker_get_owner (CascadeStreamTracker *self, const char *stream_id)
{
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);

  stream = g_hash_table_lookup (self->streams, stream_id);
  return stream != NULL ? stream->owner_user_id : NULL;
}

/* Returns: (transfer full): the ids of the live streams */
GStrv
cascade_stream_tracker_dup_stream_ids (CascadeStreamTracker *self)
{
  GHashTableIter iter;
  gpointer key;
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv ids;

  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (builder, key);
  ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ids;
}

/* Returns: (transfer full) (element-type CascadeTrackerPeer): copies of the
 * peers of @stream_id, root included */
GPtrArray *
cascade_stream_tracker_dup_peers (CascadeStreamTracker *self, const char *stream_id)
{
  GPtrArray *peers = g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_tracker_peer_free);
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), peers);

  stream = g_hash_table_lookup (self->streams, stream_id);
  for (guint i = 0; stream != NULL && i < stream->peer_ids->len; i++)
    g_ptr_array_add (peers, cascade_tracker_peer_copy (g_hash_table_lookup (
                              self->peers, g_ptr_array_index (stream->peer_ids, i))));
  return peers;
}

const CascadeTrackerPeer *
cascade_stream_tracker_get_peer (CascadeStreamTracker *self, const char *peer_id)
{
  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);

  return peer_id != NULL ? g_hash_table_lookup (self->peers, peer_id) : NULL;
}

const CascadeTrackerPeer *
cascade_stream_tracker_get_root (CascadeStreamTracker *self, const char *stream_id)
{
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);

  stream = g_hash_table_lookup (self->streams, stream_id);
  if (stream == NULL || stream->root_peer_id == NULL)
    return NULL;
  return g_hash_table_lookup (self->peers, stream->root_peer_id);
}

/* The peer that @connection_id has in @stream_id, if any. */
const CascadeTrackerPeer *
cascade_stream_tracker_find_peer (CascadeStreamTracker *self,
                                  const char *stream_id,
                                  const char *connection_id)
{
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);

  stream = g_hash_table_lookup (self->streams, stream_id);
  if (stream == NULL)
    return NULL;
  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *peer =
        g_hash_table_lookup (self->peers, g_ptr_array_index (stream->peer_ids, i));

      if (g_strcmp0 (peer->connection_id, connection_id) == 0)
        return peer;
    }
  return NULL;
}

static CascadeTrackerPeer *
add_peer (CascadeStreamTracker *self, TrackedStream *stream, const char *connection_id)
{
  CascadeTrackerPeer *peer = g_new0 (CascadeTrackerPeer, 1);

  peer->peer_id = g_uuid_string_random ();
  peer->stream_id = g_strdup (stream->id);
  peer->connection_id = g_strdup (connection_id);
  g_hash_table_insert (self->peers, peer->peer_id, peer);
  g_ptr_array_add (stream->peer_ids, g_strdup (peer->peer_id));
  return peer;
}

static CascadeTrackerPeer *
remove_peer (CascadeStreamTracker *self, TrackedStream *stream, const char *peer_id)
{
  gpointer peer = NULL;

  for (guint i = 0; i < stream->peer_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (stream->peer_ids, i), peer_id) == 0)
      {
        g_ptr_array_remove_index (stream->peer_ids, i);
        break;
      }
  g_hash_table_steal_extended (self->peers, peer_id, NULL, &peer);
  return peer;
}

/* Sets the parent of every waiting viewer of @stream to its root; copies of
 * the peers placed go to @placed. */
static void
place_waiting (CascadeStreamTracker *self, TrackedStream *stream, GPtrArray *placed)
{
  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *peer =
        g_hash_table_lookup (self->peers, g_ptr_array_index (stream->peer_ids, i));

      if (peer->is_root || peer->parent_peer_id != NULL)
        continue;
      peer->parent_peer_id = g_strdup (stream->root_peer_id);
      g_ptr_array_add (placed, cascade_tracker_peer_copy (peer));
    }
}

/**
 * cascade_stream_tracker_set_root:
 * @out_replaced: (out) (transfer full) (optional): the root of another
 *   connection this one replaces
 * @out_placed: (out) (transfer full) (element-type CascadeTrackerPeer): the
 *   waiting viewers now placed under the root
 *
 * Makes @connection_id the root of @stream_id (the streamer publishing). A
 * connection that already is the root stays it, with the same peer id.
 *
 * Returns: (transfer none) (nullable): the root, or %NULL for an unknown stream
 */
const CascadeTrackerPeer *
cascade_stream_tracker_set_root (CascadeStreamTracker *self,
                                 const char *stream_id,
                                 const char *connection_id,
                                 CascadeTrackerPeer **out_replaced,
                                 GPtrArray **out_placed)
{
  GPtrArray *placed = g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_tracker_peer_free);
  TrackedStream *stream;
  CascadeTrackerPeer *root;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  if (out_replaced != NULL)
    *out_replaced = NULL;
  *out_placed = placed;
  stream = g_hash_table_lookup (self->streams, stream_id);
  if (stream == NULL)
    return NULL;

  if (stream->root_peer_id != NULL)
    {
      root = g_hash_table_lookup (self->peers, stream->root_peer_id);
      if (g_strcmp0 (root->connection_id, connection_id) == 0)
        return root;
      root = remove_peer (self, stream, stream->root_peer_id);
      if (out_replaced != NULL)
        *out_replaced = root;
      else
        cascade_tracker_peer_free (root);
      g_clear_pointer (&stream->root_peer_id, g_free);
      for (guint i = 0; i < stream->peer_ids->len; i++)
        {
          CascadeTrackerPeer *peer =
            g_hash_table_lookup (self->peers, g_ptr_array_index (stream->peer_ids, i));

          g_clear_pointer (&peer->parent_peer_id, g_free);
        }
    }

  /* The streamer's connection may have joined its own stream as a viewer:
   * that peer goes, the root takes its place. */
  root = (CascadeTrackerPeer *) cascade_stream_tracker_find_peer (self, stream_id, connection_id);
  if (root != NULL)
    cascade_tracker_peer_free (remove_peer (self, stream, root->peer_id));

  root = add_peer (self, stream, connection_id);
  root->is_root = TRUE;
  stream->root_peer_id = g_strdup (root->peer_id);
  place_waiting (self, stream, placed);
  update_count (self, stream);
  return root;
}

/**
 * cascade_stream_tracker_join:
 *
 * Adds a viewer to @stream_id, under its root when there is one (else it
 * waits for one: its parent_peer_id is %NULL).
 *
 * Returns: (transfer none) (nullable): the new peer; %NULL for an unknown
 *   stream or a connection that already has a peer in it
 */
const CascadeTrackerPeer *
cascade_stream_tracker_join (CascadeStreamTracker *self,
                             const char *stream_id,
                             const char *connection_id)
{
  TrackedStream *stream;
  CascadeTrackerPeer *peer;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);
  g_return_val_if_fail (connection_id != NULL, NULL);

  stream = g_hash_table_lookup (self->streams, stream_id);
  if (stream == NULL || cascade_stream_tracker_find_peer (self, stream_id, connection_id) != NULL)
    return NULL;
  peer = add_peer (self, stream, connection_id);
  peer->parent_peer_id = g_strdup (stream->root_peer_id);
  update_count (self, stream);
  return peer;
}

/**
 * cascade_stream_tracker_leave:
 * @out_orphans: (out) (transfer full) (element-type CascadeTrackerPeer):
 *   when the root leaves, its children, now waiting for a new root
 *
 * Returns: (transfer full) (nullable): the peer removed, or %NULL if
 *   @connection_id had none in @stream_id
 */
CascadeTrackerPeer *
cascade_stream_tracker_leave (CascadeStreamTracker *self,
                              const char *stream_id,
                              const char *connection_id,
                              GPtrArray **out_orphans)
{
  GPtrArray *orphans = g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_tracker_peer_free);
  const CascadeTrackerPeer *found;
  CascadeTrackerPeer *peer;
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);

  *out_orphans = orphans;
  found = cascade_stream_tracker_find_peer (self, stream_id, connection_id);
  if (found == NULL)
    return NULL;
  stream = g_hash_table_lookup (self->streams, stream_id);
  peer = remove_peer (self, stream, found->peer_id);
  if (peer->is_root)
    {
      g_clear_pointer (&stream->root_peer_id, g_free);
      for (guint i = 0; i < stream->peer_ids->len; i++)
        {
          CascadeTrackerPeer *child =
            g_hash_table_lookup (self->peers, g_ptr_array_index (stream->peer_ids, i));

          if (g_strcmp0 (child->parent_peer_id, peer->peer_id) != 0)
            continue;
          g_clear_pointer (&child->parent_peer_id, g_free);
          g_ptr_array_add (orphans, cascade_tracker_peer_copy (child));
        }
    }
  update_count (self, stream);
  return peer;
}

/* Returns: (transfer full): the streams in which @connection_id has a peer */
GStrv
cascade_stream_tracker_dup_streams_of_connection (CascadeStreamTracker *self,
                                                  const char *connection_id)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer value;
  GStrv ids;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CascadeTrackerPeer *peer = value;

      if (g_strcmp0 (peer->connection_id, connection_id) == 0)
        g_strv_builder_add (builder, peer->stream_id);
    }
  ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ids;
}

/* Whether the tracker put @peer_a and @peer_b together (one is the other's
 * parent): only such peers may signal each other. */
gboolean
cascade_stream_tracker_are_paired (CascadeStreamTracker *self,
                                   const char *peer_a,
                                   const char *peer_b)
{
  const CascadeTrackerPeer *a = cascade_stream_tracker_get_peer (self, peer_a);
  const CascadeTrackerPeer *b = cascade_stream_tracker_get_peer (self, peer_b);

  if (a == NULL || b == NULL || a == b || g_strcmp0 (a->stream_id, b->stream_id) != 0)
    return FALSE;
  return g_strcmp0 (a->parent_peer_id, b->peer_id) == 0 ||
         g_strcmp0 (b->parent_peer_id, a->peer_id) == 0;
}

/* Viewers of a live stream (the streamer not counted). Thread-safe. */
guint
cascade_stream_tracker_get_viewer_count (CascadeStreamTracker *self, const char *stream_id)
{
  guint count;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), 0);

  g_mutex_lock (&self->counts_lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, stream_id));
  g_mutex_unlock (&self->counts_lock);
  return count;
}
