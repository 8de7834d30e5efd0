/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-stream-tracker-private.h"

/* The tracker's bookkeeping: streams, peers, roots, joins and leaves. Where
 * a viewer goes is decided in cascade-stream-placement.c. */

G_DEFINE_FINAL_TYPE (CascadeStreamTracker, cascade_stream_tracker, G_TYPE_OBJECT)

CascadeTrackerPeer *
cascade_tracker_peer_copy (const CascadeTrackerPeer *peer)
{
  CascadeTrackerPeer *copy;

  g_return_val_if_fail (peer != NULL, NULL);

  copy = g_memdup2 (peer, sizeof *peer);
  copy->peer_id = g_strdup (peer->peer_id);
  copy->stream_id = g_strdup (peer->stream_id);
  copy->connection_id = g_strdup (peer->connection_id);
  copy->user_id = g_strdup (peer->user_id);
  copy->parent_peer_id = g_strdup (peer->parent_peer_id);
  copy->silent_reports = NULL;
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
  g_free (peer->user_id);
  g_free (peer->parent_peer_id);
  g_clear_pointer (&peer->silent_reports, g_hash_table_unref);
  g_free (peer);
}

void
cascade_tracker_move_free (CascadeTrackerMove *move)
{
  if (move == NULL)
    return;
  cascade_tracker_peer_free (move->peer);
  g_free (move->old_parent_peer_id);
  g_free (move);
}

/* Returns: (transfer full) (element-type CascadeTrackerMove): an empty list of moves */
GPtrArray *
cascade_tracker_moves_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_tracker_move_free);
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
  g_hash_table_unref (self->summaries);
  g_mutex_clear (&self->summaries_lock);

  G_OBJECT_CLASS (cascade_stream_tracker_parent_class)->finalize (object);
}

static void
cascade_stream_tracker_class_init (CascadeStreamTrackerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cascade_stream_tracker_finalize;
}

static gint64
monotonic_clock (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static void
cascade_stream_tracker_init (CascadeStreamTracker *self)
{
  self->streams = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, tracked_stream_free);
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) cascade_tracker_peer_free);
  self->summaries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_init (&self->summaries_lock);
  self->clock = monotonic_clock;
}

CascadeStreamTracker *
cascade_stream_tracker_new (void)
{
  return g_object_new (CASCADE_TYPE_STREAM_TRACKER, NULL);
}

/* Where the tracker's time comes from (microseconds, monotonic); tests set
 * their own. %NULL restores g_get_monotonic_time(). */
void
cascade_stream_tracker_set_clock (CascadeStreamTracker *self,
                                  CascadeTrackerClock clock,
                                  gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_STREAM_TRACKER (self));

  self->clock = clock != NULL ? clock : monotonic_clock;
  self->clock_data = user_data;
}

gint64
_cascade_stream_tracker_now (CascadeStreamTracker *self)
{
  return self->clock (self->clock_data);
}

CascadeTrackerPeer *
_cascade_stream_tracker_peer_at (CascadeStreamTracker *self, TrackedStream *stream, guint index)
{
  return g_hash_table_lookup (self->peers, g_ptr_array_index (stream->peer_ids, index));
}

/* The one place a parent changes, so the children counts stay true. */
void
_cascade_stream_tracker_set_parent (CascadeStreamTracker *self,
                                    CascadeTrackerPeer *peer,
                                    const char *parent_peer_id)
{
  CascadeTrackerPeer *parent;

  parent =
    peer->parent_peer_id != NULL ? g_hash_table_lookup (self->peers, peer->parent_peer_id) : NULL;
  if (parent != NULL && parent->children > 0)
    parent->children--;
  g_free (peer->parent_peer_id);
  peer->parent_peer_id = g_strdup (parent_peer_id);
  parent = parent_peer_id != NULL ? g_hash_table_lookup (self->peers, parent_peer_id) : NULL;
  if (parent != NULL)
    parent->children++;
}

/* Notes that @peer moved; a peer that moves twice in one change keeps its
 * first old parent, and its copy is brought up to date by the refresh. */
void
_cascade_stream_tracker_add_move (GPtrArray *moves,
                                  const CascadeTrackerPeer *peer,
                                  const char *old_parent_peer_id)
{
  CascadeTrackerMove *move;

  for (guint i = 0; i < moves->len; i++)
    {
      move = g_ptr_array_index (moves, i);
      if (g_strcmp0 (move->peer->peer_id, peer->peer_id) == 0)
        return;
    }
  move = g_new0 (CascadeTrackerMove, 1);
  move->peer = cascade_tracker_peer_copy (peer);
  move->old_parent_peer_id = g_strdup (old_parent_peer_id);
  g_ptr_array_add (moves, move);
}

/* The depth of @peer: 0 for the root, -1 when its chain does not reach it. */
gint
_cascade_stream_tracker_walk_depth (CascadeStreamTracker *self,
                                    const CascadeTrackerPeer *peer,
                                    guint limit)
{
  gint depth = 0;

  while (!peer->is_root)
    {
      if (peer->parent_peer_id == NULL || (guint) depth > limit)
        return -1;
      peer = g_hash_table_lookup (self->peers, peer->parent_peer_id);
      if (peer == NULL)
        return -1;
      depth++;
    }
  return depth;
}

/* Brings every peer's depth and the stream's summary up to date. */
static void
refresh (CascadeStreamTracker *self, TrackedStream *stream)
{
  CascadeTrackerSummary summary = { 0 };

  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *peer = _cascade_stream_tracker_peer_at (self, stream, i);
      gint depth = _cascade_stream_tracker_walk_depth (self, peer, stream->peer_ids->len);

      /* Cut off from the root, it keeps the depth it had: its subtree moves
       * whole, and is told its new depths once connected again. */
      peer->attached = depth >= 0;
      if (peer->attached)
        peer->depth = depth;
      if (peer->is_root)
        continue;
      summary.viewers++;
      if (!peer->attached)
        continue;
      if (peer->children > 0)
        summary.relays++;
      summary.depth = MAX (summary.depth, peer->depth);
    }
  g_mutex_lock (&self->summaries_lock);
  g_hash_table_replace (self->summaries, g_strdup (stream->id),
                        g_memdup2 (&summary, sizeof summary));
  g_mutex_unlock (&self->summaries_lock);
}

/* Ends a change to @stream: depths and summary, then the moves' copies as
 * the peers are now; a peer back under its old parent did not move. */
void
_cascade_stream_tracker_finish (CascadeStreamTracker *self, TrackedStream *stream, GPtrArray *moves)
{
  refresh (self, stream);
  for (guint i = moves->len; i > 0; i--)
    {
      CascadeTrackerMove *move = g_ptr_array_index (moves, i - 1);
      CascadeTrackerPeer *peer;

      if (g_strcmp0 (move->peer->stream_id, stream->id) != 0)
        continue;
      peer = g_hash_table_lookup (self->peers, move->peer->peer_id);
      if (peer == NULL || g_strcmp0 (peer->parent_peer_id, move->old_parent_peer_id) == 0)
        {
          g_ptr_array_remove_index (moves, i - 1);
          continue;
        }
      /* stream.placed carries the depth. */
      if (peer->parent_peer_id != NULL && peer->attached)
        peer->told_depth = peer->depth;
      cascade_tracker_peer_free (move->peer);
      move->peer = cascade_tracker_peer_copy (peer);
    }
}

/**
 * cascade_stream_tracker_take_depth_changes:
 *
 * The viewers of @stream_id connected to the root whose depth is not the one
 * they were last told (because a subtree above them moved); from now on they
 * count as told. A viewer's own move (stream.placed) tells it already.
 *
 * Returns: (transfer full) (element-type CascadeTrackerPeer): copies of them
 */
GPtrArray *
cascade_stream_tracker_take_depth_changes (CascadeStreamTracker *self, const char *stream_id)
{
  GPtrArray *changed = g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_tracker_peer_free);
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), changed);

  stream = g_hash_table_lookup (self->streams, stream_id);
  for (guint i = 0; stream != NULL && i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *peer = _cascade_stream_tracker_peer_at (self, stream, i);

      if (peer->is_root || !peer->attached || peer->told_depth == 0 ||
          peer->told_depth == peer->depth)
        continue;
      peer->told_depth = peer->depth;
      g_ptr_array_add (changed, cascade_tracker_peer_copy (peer));
    }
  return changed;
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
  refresh (self, stream);
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
  g_mutex_lock (&self->summaries_lock);
  g_hash_table_remove (self->summaries, stream_id);
  g_mutex_unlock (&self->summaries_lock);
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
    g_ptr_array_add (peers,
                     cascade_tracker_peer_copy (_cascade_stream_tracker_peer_at (self, stream, i)));
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
      CascadeTrackerPeer *peer = _cascade_stream_tracker_peer_at (self, stream, i);

      if (g_strcmp0 (peer->connection_id, connection_id) == 0)
        return peer;
    }
  return NULL;
}

static CascadeTrackerPeer *
add_peer (CascadeStreamTracker *self,
          TrackedStream *stream,
          const char *connection_id,
          const char *user_id,
          guint capacity)
{
  CascadeTrackerPeer *peer = g_new0 (CascadeTrackerPeer, 1);

  peer->peer_id = g_uuid_string_random ();
  peer->stream_id = g_strdup (stream->id);
  peer->connection_id = g_strdup (connection_id);
  peer->user_id = g_strdup (user_id);
  peer->capacity = capacity;
  peer->receiving = TRUE;
  peer->joined_us = _cascade_stream_tracker_now (self);
  peer->silent_reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->peers, peer->peer_id, peer);
  g_ptr_array_add (stream->peer_ids, g_strdup (peer->peer_id));
  return peer;
}

/* Takes @peer_id out of @stream; its children are left without a parent
 * (waiting, each with its subtree) and listed in @orphans. */
static CascadeTrackerPeer *
remove_peer (CascadeStreamTracker *self,
             TrackedStream *stream,
             const char *peer_id,
             GPtrArray *orphans)
{
  g_autofree char *parent_peer_id = NULL;
  gpointer peer = NULL;

  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *child = _cascade_stream_tracker_peer_at (self, stream, i);

      if (g_strcmp0 (child->parent_peer_id, peer_id) == 0)
        {
          _cascade_stream_tracker_set_parent (self, child, NULL);
          if (orphans != NULL)
            g_ptr_array_add (orphans, child);
        }
    }
  for (guint i = 0; i < stream->peer_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (stream->peer_ids, i), peer_id) == 0)
      {
        g_ptr_array_remove_index (stream->peer_ids, i);
        break;
      }
  if (g_strcmp0 (stream->root_peer_id, peer_id) == 0)
    g_clear_pointer (&stream->root_peer_id, g_free);
  if (!g_hash_table_steal_extended (self->peers, peer_id, NULL, &peer))
    return NULL;
  /* Its parent has one child fewer; the peer returned still names it. */
  parent_peer_id = g_strdup (((CascadeTrackerPeer *) peer)->parent_peer_id);
  _cascade_stream_tracker_set_parent (self, peer, NULL);
  ((CascadeTrackerPeer *) peer)->parent_peer_id = g_steal_pointer (&parent_peer_id);
  return peer;
}

/* Removes @peer_id and places its children again (each with its subtree):
 * a move for each, under its new parent or waiting. */
static CascadeTrackerPeer *
remove_and_replace (CascadeStreamTracker *self,
                    TrackedStream *stream,
                    const char *peer_id,
                    GPtrArray *moves)
{
  g_autoptr (GPtrArray) orphans = g_ptr_array_new ();
  g_autofree char *old_parent = g_strdup (peer_id);
  CascadeTrackerPeer *peer = remove_peer (self, stream, old_parent, orphans);

  for (guint i = 0; i < orphans->len; i++)
    _cascade_stream_tracker_add_move (moves, g_ptr_array_index (orphans, i), old_parent);
  _cascade_stream_tracker_place_waiting (self, stream, moves);
  return peer;
}

/**
 * cascade_stream_tracker_set_root:
 * @user_id: (nullable): the streamer
 * @capacity: how many children the streamer feeds directly
 * @out_replaced: (out) (transfer full) (optional): the root of another
 *   connection this one replaces
 * @moves: (element-type CascadeTrackerMove): gets the viewers placed
 *
 * Makes @connection_id the root of @stream_id (the streamer publishing). A
 * connection that already is the root stays it, with the same peer id (and
 * the new capacity). Viewers waiting are placed.
 *
 * Returns: (transfer none) (nullable): the root, or %NULL for an unknown stream
 */
const CascadeTrackerPeer *
cascade_stream_tracker_set_root (CascadeStreamTracker *self,
                                 const char *stream_id,
                                 const char *connection_id,
                                 const char *user_id,
                                 guint capacity,
                                 CascadeTrackerPeer **out_replaced,
                                 GPtrArray *moves)
{
  TrackedStream *stream;
  CascadeTrackerPeer *root;
  const CascadeTrackerPeer *own;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);
  g_return_val_if_fail (connection_id != NULL && moves != NULL, NULL);

  if (out_replaced != NULL)
    *out_replaced = NULL;
  stream = g_hash_table_lookup (self->streams, stream_id);
  if (stream == NULL)
    return NULL;
  capacity = MIN (capacity, CASCADE_TRACKER_MAX_ROOT_CAPACITY);

  root =
    stream->root_peer_id != NULL ? g_hash_table_lookup (self->peers, stream->root_peer_id) : NULL;
  if (root != NULL && g_strcmp0 (root->connection_id, connection_id) == 0)
    {
      root->capacity = capacity;
      _cascade_stream_tracker_shed_children (self, stream, root, moves);
      _cascade_stream_tracker_place_waiting (self, stream, moves);
      _cascade_stream_tracker_finish (self, stream, moves);
      return root;
    }
  if (root != NULL)
    {
      g_autoptr (GPtrArray) orphans = g_ptr_array_new ();
      g_autofree char *old_root = g_strdup (root->peer_id);

      root = remove_peer (self, stream, old_root, orphans);
      for (guint i = 0; i < orphans->len; i++)
        _cascade_stream_tracker_add_move (moves, g_ptr_array_index (orphans, i), old_root);
      if (out_replaced != NULL)
        *out_replaced = root;
      else
        cascade_tracker_peer_free (root);
    }

  /* The streamer's connection may have joined its own stream as a viewer:
   * that peer goes (its children wait), the root takes its place. */
  own = cascade_stream_tracker_find_peer (self, stream_id, connection_id);
  if (own != NULL)
    {
      g_autoptr (GPtrArray) orphans = g_ptr_array_new ();
      g_autofree char *old_parent = g_strdup (own->peer_id);

      cascade_tracker_peer_free (remove_peer (self, stream, old_parent, orphans));
      for (guint i = 0; i < orphans->len; i++)
        _cascade_stream_tracker_add_move (moves, g_ptr_array_index (orphans, i), old_parent);
    }

  root = add_peer (self, stream, connection_id, user_id, capacity);
  root->is_root = TRUE;
  stream->root_peer_id = g_strdup (root->peer_id);
  _cascade_stream_tracker_place_waiting (self, stream, moves);
  _cascade_stream_tracker_finish (self, stream, moves);
  return root;
}

/**
 * cascade_stream_tracker_join:
 * @user_id: (nullable): the viewer
 * @capacity: how many children the viewer can feed (0: it does not relay)
 * @moves: (element-type CascadeTrackerMove): gets the new viewer's move
 *   when it is placed at once
 *
 * Adds a viewer to @stream_id, under a parent with a free slot, or waiting
 * (parent_peer_id %NULL) until one frees up or a root appears.
 *
 * Returns: (transfer none) (nullable): the new peer; %NULL for an unknown
 *   stream or a connection that already has a peer in it
 */
const CascadeTrackerPeer *
cascade_stream_tracker_join (CascadeStreamTracker *self,
                             const char *stream_id,
                             const char *connection_id,
                             const char *user_id,
                             guint capacity,
                             GPtrArray *moves)
{
  TrackedStream *stream;
  CascadeTrackerPeer *peer;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);
  g_return_val_if_fail (connection_id != NULL && moves != NULL, NULL);

  stream = g_hash_table_lookup (self->streams, stream_id);
  if (stream == NULL || cascade_stream_tracker_find_peer (self, stream_id, connection_id) != NULL)
    return NULL;
  peer =
    add_peer (self, stream, connection_id, user_id, MIN (capacity, CASCADE_TRACKER_MAX_CAPACITY));
  _cascade_stream_tracker_place_waiting (self, stream, moves);
  _cascade_stream_tracker_finish (self, stream, moves);
  return peer;
}

/**
 * cascade_stream_tracker_leave:
 * @moves: (element-type CascadeTrackerMove): gets its children's moves
 *   (each placed again with its subtree, or waiting)
 *
 * Returns: (transfer full) (nullable): the peer removed, or %NULL if
 *   @connection_id had none in @stream_id
 */
CascadeTrackerPeer *
cascade_stream_tracker_leave (CascadeStreamTracker *self,
                              const char *stream_id,
                              const char *connection_id,
                              GPtrArray *moves)
{
  const CascadeTrackerPeer *found;
  CascadeTrackerPeer *peer;
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), NULL);
  g_return_val_if_fail (moves != NULL, NULL);

  found = cascade_stream_tracker_find_peer (self, stream_id, connection_id);
  if (found == NULL)
    return NULL;
  stream = g_hash_table_lookup (self->streams, stream_id);
  peer = remove_and_replace (self, stream, found->peer_id, moves);
  _cascade_stream_tracker_finish (self, stream, moves);
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

/* The tree at a glance (all zero for an unknown stream). Thread-safe. */
CascadeTrackerSummary
cascade_stream_tracker_get_summary (CascadeStreamTracker *self, const char *stream_id)
{
  CascadeTrackerSummary summary = { 0 };
  CascadeTrackerSummary *found;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), summary);

  g_mutex_lock (&self->summaries_lock);
  found = stream_id != NULL ? g_hash_table_lookup (self->summaries, stream_id) : NULL;
  if (found != NULL)
    summary = *found;
  g_mutex_unlock (&self->summaries_lock);
  return summary;
}

/* Viewers of a live stream (the streamer not counted). Thread-safe. */
guint
cascade_stream_tracker_get_viewer_count (CascadeStreamTracker *self, const char *stream_id)
{
  return cascade_stream_tracker_get_summary (self, stream_id).viewers;
}

/* The stream @stream_id and the peer @connection_id has in it, or %NULL. */
TrackedStream *
_cascade_stream_tracker_lookup (CascadeStreamTracker *self,
                                const char *stream_id,
                                const char *connection_id,
                                CascadeTrackerPeer **out_peer)
{
  *out_peer =
    (CascadeTrackerPeer *) cascade_stream_tracker_find_peer (self, stream_id, connection_id);
  return *out_peer != NULL ? g_hash_table_lookup (self->streams, stream_id) : NULL;
}
