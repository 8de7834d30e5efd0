/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-stream-tracker-private.h"

/*
 * The tracker's placement rules (see cascade-stream-tracker.h): which parent
 * a viewer gets, what health reports and silence reports change, and how a
 * parent's children are placed again when it goes. Pure: no I/O, the time
 * from the tracker's clock.
 */

static void
forget_old_reports (CascadeTrackerPeer *peer, gint64 now)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, peer->silent_reports);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (now - *(gint64 *) value > CASCADE_TRACKER_SILENT_WINDOW_US)
      g_hash_table_iter_remove (&iter);
}

/* Bad health: losing packets, receiving nothing, or reported silent lately. */
static gboolean
is_bad (const CascadeTrackerPeer *peer)
{
  if (peer->is_root)
    return FALSE;
  return peer->loss > CASCADE_TRACKER_BAD_LOSS || !peer->receiving ||
         g_hash_table_size (peer->silent_reports) > 0;
}

static guint
free_slots (const CascadeTrackerPeer *peer, gint64 now)
{
  guint capacity = peer->capacity;

  if (peer->leaving || (!peer->is_root && (peer->stale || now < peer->demoted_until_us)))
    capacity = 0;
  return capacity > peer->children ? capacity - peer->children : 0;
}

/* Whether @peer is @ancestor or below it. */
static gboolean
is_within (CascadeStreamTracker *self,
           const CascadeTrackerPeer *peer,
           const CascadeTrackerPeer *ancestor,
           guint limit)
{
  for (guint i = 0; peer != NULL && i <= limit; i++)
    {
      if (peer == ancestor)
        return TRUE;
      peer = peer->parent_peer_id != NULL ? g_hash_table_lookup (self->peers, peer->parent_peer_id)
                                          : NULL;
    }
  return FALSE;
}

typedef struct
{
  CascadeTrackerPeer *peer;
  gint depth;
} Candidate;

static guint
loss_step (const CascadeTrackerPeer *peer)
{
  return (guint) (peer->loss / CASCADE_TRACKER_LOSS_STEP);
}

/* Negative when @a is the better parent: good health, then shallow, then
 * low loss, low round trip (each in steps), long uptime. */
static gint
compare_candidates (const Candidate *a, const Candidate *b)
{
  if (is_bad (a->peer) != is_bad (b->peer))
    return is_bad (a->peer) ? 1 : -1;
  if (a->depth != b->depth)
    return a->depth < b->depth ? -1 : 1;
  if (loss_step (a->peer) != loss_step (b->peer))
    return loss_step (a->peer) < loss_step (b->peer) ? -1 : 1;
  if (a->peer->rtt_ms / CASCADE_TRACKER_RTT_STEP_MS !=
      b->peer->rtt_ms / CASCADE_TRACKER_RTT_STEP_MS)
    return a->peer->rtt_ms < b->peer->rtt_ms ? -1 : 1;
  if (a->peer->joined_us != b->peer->joined_us)
    return a->peer->joined_us < b->peer->joined_us ? -1 : 1;
  return 0;
}

/* The best parent with a free slot for @peer (connected to the root, not in
 * @peer's own subtree, not @avoid), or %NULL. The root's last free slot goes
 * to a relay: a leaf goes under a healthy relay with room instead. */
static CascadeTrackerPeer *
choose_parent (CascadeStreamTracker *self,
               TrackedStream *stream,
               CascadeTrackerPeer *peer,
               const CascadeTrackerPeer *avoid)
{
  gint64 now = _cascade_stream_tracker_now (self);
  guint limit = stream->peer_ids->len;
  Candidate best = { NULL, 0 };
  Candidate best_relay = { NULL, 0 };
  guint root_free = 0;

  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *candidate = _cascade_stream_tracker_peer_at (self, stream, i);
      Candidate c = { candidate, 0 };
      guint slots;

      if (candidate == peer || candidate == avoid)
        continue;
      slots = free_slots (candidate, now);
      if (slots == 0)
        continue;
      c.depth = _cascade_stream_tracker_walk_depth (self, candidate, limit);
      if (c.depth < 0 || is_within (self, candidate, peer, limit))
        continue;
      if (best.peer == NULL || compare_candidates (&c, &best) < 0)
        best = c;
      if (candidate->is_root)
        root_free = slots;
      else if (best_relay.peer == NULL || compare_candidates (&c, &best_relay) < 0)
        best_relay = c;
    }
  if (best.peer != NULL && best.peer->is_root && peer->capacity == 0 && root_free <= 1 &&
      best_relay.peer != NULL && !is_bad (best_relay.peer))
    return best_relay.peer;
  return best.peer;
}

static gint
compare_waiting (gconstpointer a, gconstpointer b)
{
  const CascadeTrackerPeer *x = *(CascadeTrackerPeer *const *) a;
  const CascadeTrackerPeer *y = *(CascadeTrackerPeer *const *) b;

  if (x->capacity != y->capacity)
    return x->capacity > y->capacity ? -1 : 1;
  return 0;
}

/* Places every viewer without a parent that can be placed: relays first
 * (they bring slots with them), then in the order they came. */
void
_cascade_stream_tracker_place_waiting (CascadeStreamTracker *self,
                                       TrackedStream *stream,
                                       GPtrArray *moves)
{
  g_autoptr (GPtrArray) waiting = g_ptr_array_new ();

  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *peer = _cascade_stream_tracker_peer_at (self, stream, i);

      if (!peer->is_root && peer->parent_peer_id == NULL && !peer->leaving)
        g_ptr_array_add (waiting, peer);
    }
  g_ptr_array_sort (waiting, compare_waiting); /* stable */
  for (guint i = 0; i < waiting->len; i++)
    {
      CascadeTrackerPeer *peer = g_ptr_array_index (waiting, i);
      CascadeTrackerPeer *parent = choose_parent (self, stream, peer, NULL);

      if (parent == NULL)
        continue;
      _cascade_stream_tracker_add_move (moves, peer, NULL);
      _cascade_stream_tracker_set_parent (self, peer, parent->peer_id);
    }
}

/* Every child of @parent is placed again (each with its subtree), or waits.
 * The caller has made sure @parent takes no children now. */
void
_cascade_stream_tracker_replace_children (CascadeStreamTracker *self,
                                          TrackedStream *stream,
                                          CascadeTrackerPeer *parent,
                                          GPtrArray *moves)
{
  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *child = _cascade_stream_tracker_peer_at (self, stream, i);

      if (g_strcmp0 (child->parent_peer_id, parent->peer_id) != 0)
        continue;
      _cascade_stream_tracker_add_move (moves, child, parent->peer_id);
      _cascade_stream_tracker_set_parent (self, child, NULL);
    }
  _cascade_stream_tracker_place_waiting (self, stream, moves);
}

/* How many peers are in @peer's subtree, itself included. */
static guint
subtree_size (CascadeStreamTracker *self, TrackedStream *stream, const CascadeTrackerPeer *peer)
{
  guint size = 0;

  for (guint i = 0; i < stream->peer_ids->len; i++)
    size += is_within (self, _cascade_stream_tracker_peer_at (self, stream, i), peer,
                       stream->peer_ids->len);
  return size;
}

typedef struct
{
  CascadeTrackerPeer *peer;
  guint size;
} Shed;

/* The child to move first: the one whose move deepens the fewest viewers
 * (the smallest subtree), then the one with the fewest slots to offer up
 * here, then the newest. */
static gint
compare_shed (gconstpointer a, gconstpointer b)
{
  const Shed *x = a;
  const Shed *y = b;

  if (x->size != y->size)
    return x->size < y->size ? -1 : 1;
  if (x->peer->capacity != y->peer->capacity)
    return x->peer->capacity < y->peer->capacity ? -1 : 1;
  if (x->peer->joined_us != y->peer->joined_us)
    return x->peer->joined_us > y->peer->joined_us ? -1 : 1;
  return 0;
}

/* @parent has more children than its capacity now: the extra ones go
 * elsewhere (each with its subtree), or wait; the others stay. */
void
_cascade_stream_tracker_shed_children (CascadeStreamTracker *self,
                                       TrackedStream *stream,
                                       CascadeTrackerPeer *parent,
                                       GPtrArray *moves)
{
  g_autoptr (GArray) children = NULL;
  guint excess;

  if (parent->children <= parent->capacity)
    return;
  excess = parent->children - parent->capacity;
  children = g_array_new (FALSE, FALSE, sizeof (Shed));
  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *child = _cascade_stream_tracker_peer_at (self, stream, i);
      Shed shed = { child, 0 };

      if (g_strcmp0 (child->parent_peer_id, parent->peer_id) != 0)
        continue;
      shed.size = subtree_size (self, stream, child);
      g_array_append_val (children, shed);
    }
  g_array_sort (children, compare_shed);
  for (guint i = 0; i < MIN (excess, children->len); i++)
    {
      CascadeTrackerPeer *child = g_array_index (children, Shed, i).peer;

      _cascade_stream_tracker_add_move (moves, child, parent->peer_id);
      _cascade_stream_tracker_set_parent (self, child, NULL);
    }
  _cascade_stream_tracker_place_waiting (self, stream, moves);
}

/**
 * cascade_stream_tracker_hand_over:
 * @moves: (element-type CascadeTrackerMove): gets its children's moves
 *
 * A graceful leave, first half: the children of @connection_id's peer are
 * placed elsewhere (or wait), and the peer takes no new ones. Its
 * cascade_stream_tracker_leave() follows.
 *
 * Returns: %FALSE if @connection_id has no peer in @stream_id
 */
gboolean
cascade_stream_tracker_hand_over (CascadeStreamTracker *self,
                                  const char *stream_id,
                                  const char *connection_id,
                                  GPtrArray *moves)
{
  CascadeTrackerPeer *peer;
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), FALSE);
  g_return_val_if_fail (moves != NULL, FALSE);

  stream = _cascade_stream_tracker_lookup (self, stream_id, connection_id, &peer);
  if (stream == NULL)
    return FALSE;
  peer->leaving = TRUE;
  _cascade_stream_tracker_replace_children (self, stream, peer, moves);
  _cascade_stream_tracker_finish (self, stream, moves);
  return TRUE;
}

/* A sender knows the round trip to each child from its receiver reports (a
 * receive-only child does not): each child named that is @parent's own child
 * gets it as its rtt_ms; any other name is ignored. */
static void
attribute_children_rtt (CascadeStreamTracker *self,
                        const CascadeTrackerPeer *parent,
                        GHashTable *children_rtt_ms)
{
  GHashTableIter iter;
  gpointer key, value;

  if (children_rtt_ms == NULL)
    return;
  g_hash_table_iter_init (&iter, children_rtt_ms);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      CascadeTrackerPeer *child = g_hash_table_lookup (self->peers, key);

      if (child != NULL && g_strcmp0 (child->parent_peer_id, parent->peer_id) == 0)
        child->rtt_ms = GPOINTER_TO_UINT (value);
    }
}

/**
 * cascade_stream_tracker_report_health:
 * @health: what the peer reports; a negative capacity leaves it as it is
 * @moves: (element-type CascadeTrackerMove): gets the viewers placed
 *   because slots opened, and the children a lowered capacity sheds
 *
 * Returns: %FALSE if @connection_id has no peer in @stream_id
 */
gboolean
cascade_stream_tracker_report_health (CascadeStreamTracker *self,
                                      const char *stream_id,
                                      const char *connection_id,
                                      const CascadeTrackerHealth *health,
                                      GPtrArray *moves)
{
  CascadeTrackerPeer *peer;
  TrackedStream *stream;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), FALSE);
  g_return_val_if_fail (health != NULL && moves != NULL, FALSE);

  stream = _cascade_stream_tracker_lookup (self, stream_id, connection_id, &peer);
  if (stream == NULL)
    return FALSE;
  if (health->capacity >= 0)
    peer->capacity =
      MIN ((guint) health->capacity,
           peer->is_root ? CASCADE_TRACKER_MAX_ROOT_CAPACITY : CASCADE_TRACKER_MAX_CAPACITY);
  peer->loss = CLAMP (health->loss, 0.0, 1.0);
  if (health->rtt_ms >= 0)
    peer->rtt_ms = (guint) health->rtt_ms;
  attribute_children_rtt (self, peer, health->children_rtt_ms);
  peer->receiving = peer->is_root || health->receiving;
  peer->health_us = _cascade_stream_tracker_now (self);
  peer->stale = FALSE;
  _cascade_stream_tracker_shed_children (self, stream, peer, moves);
  _cascade_stream_tracker_place_waiting (self, stream, moves);
  _cascade_stream_tracker_finish (self, stream, moves);
  return TRUE;
}

/* Its children now, and the children that reported it silent lately and
 * moved away. */
static guint
count_children_and_reporters (CascadeStreamTracker *self,
                              TrackedStream *stream,
                              const CascadeTrackerPeer *parent)
{
  guint count = g_hash_table_size (parent->silent_reports);

  for (guint i = 0; i < stream->peer_ids->len; i++)
    {
      CascadeTrackerPeer *peer = _cascade_stream_tracker_peer_at (self, stream, i);

      if (g_strcmp0 (peer->parent_peer_id, parent->peer_id) == 0 &&
          !g_hash_table_contains (parent->silent_reports, peer->peer_id))
        count++;
    }
  return count;
}

/**
 * cascade_stream_tracker_parent_silent:
 * @moves: (element-type CascadeTrackerMove): gets the moves
 *
 * @connection_id's viewer has had no media from its parent. It is placed
 * under another parent at once when one has room (else it stays), and the
 * report counts against the parent: a parent a majority of whose children
 * reported it silent (within CASCADE_TRACKER_SILENT_WINDOW_US) loses all its
 * children and gets none for CASCADE_TRACKER_DEMOTION_US.
 *
 * Returns: %FALSE if @connection_id has no peer in @stream_id
 */
gboolean
cascade_stream_tracker_parent_silent (CascadeStreamTracker *self,
                                      const char *stream_id,
                                      const char *connection_id,
                                      GPtrArray *moves)
{
  gint64 now = _cascade_stream_tracker_now (self);
  CascadeTrackerPeer *child;
  CascadeTrackerPeer *parent;
  CascadeTrackerPeer *other;
  TrackedStream *stream;
  guint reports;

  g_return_val_if_fail (CASCADE_IS_STREAM_TRACKER (self), FALSE);
  g_return_val_if_fail (moves != NULL, FALSE);

  stream = _cascade_stream_tracker_lookup (self, stream_id, connection_id, &child);
  if (stream == NULL)
    return FALSE;
  parent =
    child->parent_peer_id != NULL ? g_hash_table_lookup (self->peers, child->parent_peer_id) : NULL;
  if (parent == NULL)
    return TRUE; /* waiting already */

  forget_old_reports (parent, now);
  g_hash_table_replace (parent->silent_reports, g_strdup (child->peer_id),
                        g_memdup2 (&now, sizeof now));
  reports = g_hash_table_size (parent->silent_reports);
  if (!parent->is_root && reports * 2 > count_children_and_reporters (self, stream, parent))
    {
      parent->demoted_until_us = now + CASCADE_TRACKER_DEMOTION_US;
      _cascade_stream_tracker_replace_children (self, stream, parent, moves);
    }
  else
    {
      _cascade_stream_tracker_set_parent (self, child, NULL);
      other = choose_parent (self, stream, child, parent);
      _cascade_stream_tracker_set_parent (self, child, (other != NULL ? other : parent)->peer_id);
      if (other != NULL)
        _cascade_stream_tracker_add_move (moves, child, parent->peer_id);
    }
  _cascade_stream_tracker_finish (self, stream, moves);
  return TRUE;
}

/**
 * cascade_stream_tracker_expire:
 * @moves: (element-type CascadeTrackerMove): gets the moves
 *
 * Call about once a second. A viewer that relays (or could) and has sent no
 * health report for CASCADE_TRACKER_HEALTH_TIMEOUT_US (counted from its join
 * until its first) is dropped as a parent: its children are placed again,
 * and it gets none until it reports again. Viewers waiting for a slot that
 * has opened are placed.
 */
void
cascade_stream_tracker_expire (CascadeStreamTracker *self, GPtrArray *moves)
{
  gint64 now;
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (CASCADE_IS_STREAM_TRACKER (self));
  g_return_if_fail (moves != NULL);

  now = _cascade_stream_tracker_now (self);
  g_hash_table_iter_init (&iter, self->streams);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TrackedStream *stream = value;

      for (guint i = 0; i < stream->peer_ids->len; i++)
        {
          CascadeTrackerPeer *peer = _cascade_stream_tracker_peer_at (self, stream, i);

          forget_old_reports (peer, now);
          if (peer->is_root || peer->stale || (peer->capacity == 0 && peer->children == 0) ||
              now - MAX (peer->health_us, peer->joined_us) <= CASCADE_TRACKER_HEALTH_TIMEOUT_US)
            continue;
          peer->stale = TRUE;
          _cascade_stream_tracker_replace_children (self, stream, peer, moves);
        }
      _cascade_stream_tracker_place_waiting (self, stream, moves);
      _cascade_stream_tracker_finish (self, stream, moves);
    }
}
