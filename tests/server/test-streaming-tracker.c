/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "cascade-server-config.h"
#include "streaming/cascade-ice-servers.h"
#include "streaming/cascade-stream-tracker.h"

/* The swarm tracker and the streaming config, linked directly. */

/* A clock the test moves by hand. */
static gint64
test_clock (gpointer user_data)
{
  return *(gint64 *) user_data;
}

static CascadeStreamTracker *
tracker_new (gint64 *now)
{
  CascadeStreamTracker *tracker = cascade_stream_tracker_new ();

  cascade_stream_tracker_set_clock (tracker, test_clock, now);
  cascade_stream_tracker_add_stream (tracker, "s1", "owner");
  return tracker;
}

/* A viewer joins with @capacity: its peer id. */
static char *
join (CascadeStreamTracker *tracker, const char *connection, guint capacity)
{
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  const CascadeTrackerPeer *peer =
    cascade_stream_tracker_join (tracker, "s1", connection, "user", capacity, moves);

  g_assert_nonnull (peer);
  return g_strdup (peer->peer_id);
}

static const CascadeTrackerPeer *
peer (CascadeStreamTracker *tracker, const char *peer_id)
{
  const CascadeTrackerPeer *found = cascade_stream_tracker_get_peer (tracker, peer_id);

  g_assert_nonnull (found);
  return found;
}

static const char *
parent_of (CascadeStreamTracker *tracker, const char *peer_id)
{
  return peer (tracker, peer_id)->parent_peer_id;
}

static void
report (CascadeStreamTracker *tracker,
        const char *connection,
        gint capacity,
        double loss,
        gint rtt_ms,
        gboolean receiving,
        GPtrArray *moves)
{
  CascadeTrackerHealth health = { capacity, loss, rtt_ms, receiving, NULL };

  g_assert_true (cascade_stream_tracker_report_health (tracker, "s1", connection, &health, moves));
}

/* The move of @peer_id in @moves, or NULL. */
static CascadeTrackerMove *
find_move (GPtrArray *moves, const char *peer_id)
{
  for (guint i = 0; i < moves->len; i++)
    {
      CascadeTrackerMove *move = g_ptr_array_index (moves, i);

      if (g_strcmp0 (move->peer->peer_id, peer_id) == 0)
        return move;
    }
  return NULL;
}

/* Every viewer's parent chain reaches the root without a loop, and every
 * children count is true. */
static void
assert_tree_sound (CascadeStreamTracker *tracker)
{
  g_autoptr (GPtrArray) peers = cascade_stream_tracker_dup_peers (tracker, "s1");

  for (guint i = 0; i < peers->len; i++)
    {
      CascadeTrackerPeer *p = g_ptr_array_index (peers, i);
      const CascadeTrackerPeer *up = p;
      guint children = 0;
      guint steps = 0;

      for (guint j = 0; j < peers->len; j++)
        if (g_strcmp0 (((CascadeTrackerPeer *) g_ptr_array_index (peers, j))->parent_peer_id,
                       p->peer_id) == 0)
          children++;
      g_assert_cmpuint (p->children, ==, children);
      g_assert_cmpuint (p->children, <=, p->capacity);
      while (up != NULL && up->parent_peer_id != NULL && steps <= peers->len)
        {
          up = cascade_stream_tracker_get_peer (tracker, up->parent_peer_id);
          steps++;
        }
      g_assert_cmpuint (steps, <=, peers->len);
      if (up != NULL && up->is_root)
        g_assert_cmpuint (p->depth, ==, steps);
    }
}

static void
test_place_under_root (void)
{
  g_autoptr (CascadeStreamTracker) tracker = cascade_stream_tracker_new ();
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) more = cascade_tracker_moves_new ();
  g_autoptr (CascadeTrackerPeer) replaced = NULL;
  g_autofree char *early_id = NULL;
  const CascadeTrackerPeer *early;
  const CascadeTrackerPeer *root;
  const CascadeTrackerPeer *late;
  CascadeTrackerMove *move;

  cascade_stream_tracker_add_stream (tracker, "s1", "owner");
  g_assert_true (cascade_stream_tracker_has_stream (tracker, "s1"));
  g_assert_cmpstr (cascade_stream_tracker_get_owner (tracker, "s1"), ==, "owner");
  g_assert_null (cascade_stream_tracker_join (tracker, "nope", "c1", NULL, 0, moves));

  /* Before the streamer publishes, a viewer waits without a parent. */
  early = cascade_stream_tracker_join (tracker, "s1", "c1", "u1", 0, moves);
  g_assert_nonnull (early);
  g_assert_null (early->parent_peer_id);
  g_assert_cmpuint (moves->len, ==, 0);
  early_id = g_strdup (early->peer_id);
  g_assert_null (cascade_stream_tracker_join (tracker, "s1", "c1", "u1", 0, moves));
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 1);

  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 8, &replaced, moves);
  g_assert_nonnull (root);
  g_assert_true (root->is_root);
  g_assert_null (replaced);
  g_assert_cmpuint (moves->len, ==, 1);
  move = g_ptr_array_index (moves, 0);
  g_assert_cmpstr (move->peer->peer_id, ==, early_id);
  g_assert_cmpstr (move->peer->parent_peer_id, ==, root->peer_id);
  g_assert_null (move->old_parent_peer_id);
  g_assert_cmpuint (move->peer->depth, ==, 1);
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 1);

  late = cascade_stream_tracker_join (tracker, "s1", "c2", "u2", 0, more);
  g_assert_cmpstr (late->parent_peer_id, ==, root->peer_id);
  g_assert_cmpuint (late->depth, ==, 1);
  g_assert_cmpstr (late->user_id, ==, "u2");
  g_assert_cmpuint (more->len, ==, 1);
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 2);
  g_assert_cmpuint (root->children, ==, 2);

  /* Parent and child are paired; two children are not. */
  g_assert_true (cascade_stream_tracker_are_paired (tracker, root->peer_id, late->peer_id));
  g_assert_true (cascade_stream_tracker_are_paired (tracker, late->peer_id, root->peer_id));
  g_assert_false (cascade_stream_tracker_are_paired (tracker, late->peer_id, early_id));
  g_assert_false (cascade_stream_tracker_are_paired (tracker, late->peer_id, late->peer_id));
  g_assert_false (cascade_stream_tracker_are_paired (tracker, late->peer_id, "nobody"));
}

static void
test_root_leaves_and_returns (void)
{
  g_autoptr (CascadeStreamTracker) tracker = cascade_stream_tracker_new ();
  g_autoptr (GPtrArray) placed = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) placed_again = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) orphans = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) none = cascade_tracker_moves_new ();
  g_autoptr (CascadeTrackerPeer) gone = NULL;
  g_autoptr (CascadeTrackerPeer) viewer_gone = NULL;
  g_autofree char *old_root = NULL;
  g_autofree char *viewer = NULL;
  const CascadeTrackerPeer *root;
  CascadeTrackerMove *move;
  g_auto (GStrv) streams = NULL;

  cascade_stream_tracker_add_stream (tracker, "s1", "owner");
  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", NULL, 8, NULL, placed);
  old_root = g_strdup (root->peer_id);
  viewer = join (tracker, "c1", 0);

  streams = cascade_stream_tracker_dup_streams_of_connection (tracker, "streamer");
  g_assert_cmpuint (g_strv_length (streams), ==, 1);
  gone = cascade_stream_tracker_leave (tracker, "s1", "streamer", orphans);
  g_assert_true (gone->is_root);
  g_assert_cmpuint (orphans->len, ==, 1);
  move = g_ptr_array_index (orphans, 0);
  g_assert_null (move->peer->parent_peer_id);
  g_assert_cmpstr (move->old_parent_peer_id, ==, old_root);
  g_assert_null (cascade_stream_tracker_get_root (tracker, "s1"));
  g_assert_null (parent_of (tracker, viewer));
  g_assert_false (cascade_stream_tracker_are_paired (tracker, viewer, old_root));

  root =
    cascade_stream_tracker_set_root (tracker, "s1", "streamer-again", NULL, 8, NULL, placed_again);
  g_assert_cmpstr (root->peer_id, !=, old_root);
  g_assert_cmpuint (placed_again->len, ==, 1);
  g_assert_true (cascade_stream_tracker_are_paired (tracker, viewer, root->peer_id));

  viewer_gone = cascade_stream_tracker_leave (tracker, "s1", "c1", none);
  g_assert_false (viewer_gone->is_root);
  g_assert_cmpstr (viewer_gone->parent_peer_id, ==, root->peer_id);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 0);
  g_assert_cmpuint (root->children, ==, 0);
}

/* A second connection of the streamer publishing takes over, with the children. */
static void
test_root_replaced (void)
{
  g_autoptr (CascadeStreamTracker) tracker = cascade_stream_tracker_new ();
  g_autoptr (GPtrArray) placed = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) moved = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) same = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) removed = NULL;
  g_autoptr (CascadeTrackerPeer) replaced = NULL;
  g_autoptr (CascadeTrackerPeer) nothing = NULL;
  g_autofree char *first = NULL;
  g_autofree char *viewer = NULL;
  const CascadeTrackerPeer *root;

  cascade_stream_tracker_add_stream (tracker, "s1", "owner");
  first =
    g_strdup (cascade_stream_tracker_set_root (tracker, "s1", "a", NULL, 8, NULL, placed)->peer_id);
  viewer = join (tracker, "c1", 0);

  /* The same connection publishing again keeps its peer. */
  root = cascade_stream_tracker_set_root (tracker, "s1", "a", NULL, 8, &nothing, same);
  g_assert_cmpstr (root->peer_id, ==, first);
  g_assert_null (nothing);
  g_assert_cmpuint (same->len, ==, 0);

  root = cascade_stream_tracker_set_root (tracker, "s1", "b", NULL, 8, &replaced, moved);
  g_assert_cmpstr (replaced->peer_id, ==, first);
  g_assert_cmpstr (replaced->connection_id, ==, "a");
  g_assert_cmpuint (moved->len, ==, 1);
  g_assert_true (cascade_stream_tracker_are_paired (tracker, viewer, root->peer_id));
  g_assert_null (cascade_stream_tracker_get_peer (tracker, first));

  removed = cascade_stream_tracker_remove_stream (tracker, "s1");
  g_assert_cmpuint (removed->len, ==, 2);
  g_assert_false (cascade_stream_tracker_has_stream (tracker, "s1"));
  g_assert_null (cascade_stream_tracker_get_peer (tracker, viewer));
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 0);
}

/* Slots: nobody gets more children than its capacity, a viewer that does
 * not relay gets none, the shallowest free slot wins, and a viewer with no
 * slot anywhere waits until one frees up. */
static void
test_capacity_and_depth (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) freed = cascade_tracker_moves_new ();
  g_autoptr (CascadeTrackerPeer) gone = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL, *g = NULL;
  const CascadeTrackerPeer *root;
  CascadeTrackerSummary summary;

  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 2, NULL, moves);
  a = join (tracker, "a", 1);
  now += G_USEC_PER_SEC;
  g_assert_cmpstr (parent_of (tracker, a), ==, root->peer_id);
  /* The root's last slot is kept for a relay: the leaf goes under a. */
  b = join (tracker, "b", 0);
  g_assert_cmpstr (parent_of (tracker, b), ==, a);
  g_assert_cmpuint (peer (tracker, b)->depth, ==, 2);
  c = join (tracker, "c", 1);
  g_assert_cmpstr (parent_of (tracker, c), ==, root->peer_id);
  d = join (tracker, "d", 1);
  g_assert_cmpstr (parent_of (tracker, d), ==, c);
  e = join (tracker, "e", 0);
  g_assert_cmpstr (parent_of (tracker, e), ==, d);
  g_assert_cmpuint (peer (tracker, e)->depth, ==, 3);

  /* Full everywhere (b and e do not relay): f waits. */
  f = join (tracker, "f", 0);
  g_assert_null (parent_of (tracker, f));
  g_assert_cmpuint (peer (tracker, b)->children, ==, 0);
  g_assert_cmpuint (peer (tracker, e)->children, ==, 0);

  summary = cascade_stream_tracker_get_summary (tracker, "s1");
  g_assert_cmpuint (summary.viewers, ==, 6);
  g_assert_cmpuint (summary.relays, ==, 3);
  g_assert_cmpuint (summary.depth, ==, 3);

  /* b leaves: its slot under a goes to the one waiting. */
  gone = cascade_stream_tracker_leave (tracker, "s1", "b", freed);
  g_assert_cmpuint (freed->len, ==, 1);
  g_assert_cmpstr (find_move (freed, f)->peer->parent_peer_id, ==, a);
  g_assert_null (find_move (freed, f)->old_parent_peer_id);
  assert_tree_sound (tracker);

  /* Capacities above the limits are cut to them. */
  g = join (tracker, "g", 99);
  g_assert_cmpuint (peer (tracker, g)->capacity, ==, CASCADE_TRACKER_MAX_CAPACITY);
}

/* As the audience grows the root keeps its last slot for a relay. */
static void
test_root_keeps_slots_for_relays (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autofree char *relay = NULL, *leaf1 = NULL, *leaf2 = NULL, *relay2 = NULL;
  const CascadeTrackerPeer *root;

  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 3, NULL, moves);
  relay = join (tracker, "r1", 2);
  leaf1 = join (tracker, "l1", 0);
  g_assert_cmpstr (parent_of (tracker, relay), ==, root->peer_id);
  g_assert_cmpstr (parent_of (tracker, leaf1), ==, root->peer_id);
  /* One slot left at the root: the leaf goes under the relay. */
  leaf2 = join (tracker, "l2", 0);
  g_assert_cmpstr (parent_of (tracker, leaf2), ==, relay);
  /* A relay still gets the root's last slot. */
  relay2 = join (tracker, "r2", 4);
  g_assert_cmpstr (parent_of (tracker, relay2), ==, root->peer_id);
  assert_tree_sound (tracker);
}

/* Among parents with room at the same depth: a healthy one before one that
 * loses packets or receives nothing, then low loss, low round trip, and the
 * longest uptime. A parent in bad health still takes a viewer nobody else can. */
static void
test_health_preference (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autofree char *r1 = NULL, *r2 = NULL, *v1 = NULL, *v2 = NULL, *v3 = NULL, *v4 = NULL;
  g_autofree char *v5 = NULL;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 2, NULL, moves);
  r1 = join (tracker, "r1", 1);
  now += G_USEC_PER_SEC;
  r2 = join (tracker, "r2", 3);

  report (tracker, "r1", -1, 0.2, 10, TRUE, moves);
  report (tracker, "r2", -1, 0.0, 10, TRUE, moves);
  v1 = join (tracker, "v1", 0);
  g_assert_cmpstr (parent_of (tracker, v1), ==, r2);
  g_assert_cmpuint (peer (tracker, r1)->capacity, ==, 1);

  /* r2 stops receiving: bad too; then the lower loss wins (r2). */
  report (tracker, "r2", -1, 0.0, 10, FALSE, moves);
  v2 = join (tracker, "v2", 0);
  g_assert_cmpstr (parent_of (tracker, v2), ==, r2);

  /* Both healthy: lower round trip wins, then longer uptime. */
  report (tracker, "r1", 2, 0.0, 80, TRUE, moves);
  report (tracker, "r2", 4, 0.0, 20, TRUE, moves);
  v3 = join (tracker, "v3", 0);
  g_assert_cmpstr (parent_of (tracker, v3), ==, r2);
  report (tracker, "r2", 4, 0.0, 80, TRUE, moves);
  v4 = join (tracker, "v4", 0);
  g_assert_cmpstr (parent_of (tracker, v4), ==, r1);
  /* Differences within a step (CASCADE_TRACKER_LOSS_STEP,
   * CASCADE_TRACKER_RTT_STEP_MS) are noise: uptime decides (r1). */
  report (tracker, "r1", 3, 0.004, 25, TRUE, moves);
  report (tracker, "r2", 5, 0.001, 22, TRUE, moves);
  v5 = join (tracker, "v5", 0);
  g_assert_cmpstr (parent_of (tracker, v5), ==, r1);
  assert_tree_sound (tracker);
}

/* A parent's health names the round trip to each of its children (a
 * receive-only child cannot measure it): each becomes that child's, and a
 * child with a long round trip is the worse parent. A name that is not the
 * reporter's child changes nothing, nor does a child's report without one. */
static void
test_children_rtt (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GHashTable) rtts = g_hash_table_new (g_str_hash, g_str_equal);
  CascadeTrackerHealth health = { -1, 0.0, 0, TRUE, rtts };
  g_autofree char *r1 = NULL, *r2 = NULL, *v1 = NULL;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 2, NULL, moves);
  r1 = join (tracker, "r1", 1);
  now += G_USEC_PER_SEC;
  r2 = join (tracker, "r2", 1);
  report (tracker, "r1", -1, 0.0, -1, TRUE, moves);
  report (tracker, "r2", -1, 0.0, -1, TRUE, moves);
  g_assert_cmpuint (peer (tracker, r1)->rtt_ms, ==, 0);

  g_hash_table_insert (rtts, r1, GUINT_TO_POINTER (90));
  g_hash_table_insert (rtts, r2, GUINT_TO_POINTER (5));
  g_hash_table_insert (rtts, "nobody", GUINT_TO_POINTER (1));
  g_assert_true (cascade_stream_tracker_report_health (tracker, "s1", "streamer", &health, moves));
  g_assert_cmpuint (peer (tracker, r1)->rtt_ms, ==, 90);
  g_assert_cmpuint (peer (tracker, r2)->rtt_ms, ==, 5);
  g_assert_cmpuint (cascade_stream_tracker_get_root (tracker, "s1")->rtt_ms, ==, 0);

  /* r1 is older, r2 closer: the round trip decides. */
  v1 = join (tracker, "v1", 0);
  g_assert_cmpstr (parent_of (tracker, v1), ==, r2);

  /* Their own reports without a round trip keep it; r2 cannot set r1's. */
  report (tracker, "r1", -1, 0.0, -1, TRUE, moves);
  g_hash_table_remove_all (rtts);
  g_hash_table_insert (rtts, r1, GUINT_TO_POINTER (1));
  g_assert_true (cascade_stream_tracker_report_health (tracker, "s1", "r2", &health, moves));
  g_assert_cmpuint (peer (tracker, r1)->rtt_ms, ==, 90);
  assert_tree_sound (tracker);
}

/* A relay that goes: each of its children is placed again with its whole
 * subtree, relays first into the shallow slots, never into its own subtree. */
static void
test_replace_subtrees (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) replaced = cascade_tracker_moves_new ();
  g_autoptr (CascadeTrackerPeer) gone = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;
  const CascadeTrackerPeer *root;

  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 2, NULL, moves);
  a = join (tracker, "a", 2);
  now += G_USEC_PER_SEC;
  b = join (tracker, "b", 1);
  now += G_USEC_PER_SEC;
  d = join (tracker, "d", 0);
  now += G_USEC_PER_SEC;
  c = join (tracker, "c", 2);
  e = join (tracker, "e", 0);
  f = join (tracker, "f", 0);
  g_assert_cmpstr (parent_of (tracker, d), ==, a);
  g_assert_cmpstr (parent_of (tracker, c), ==, a);
  g_assert_cmpstr (parent_of (tracker, e), ==, b);
  g_assert_cmpstr (parent_of (tracker, f), ==, c);
  g_assert_cmpuint (peer (tracker, f)->depth, ==, 3);

  gone = cascade_stream_tracker_leave (tracker, "s1", "a", replaced);
  g_assert_cmpstr (gone->peer_id, ==, a);
  g_assert_cmpuint (replaced->len, ==, 2);
  /* The relay c takes a's slot at the root, keeping f; d goes under c. */
  g_assert_cmpstr (find_move (replaced, c)->peer->parent_peer_id, ==, root->peer_id);
  g_assert_cmpstr (find_move (replaced, c)->old_parent_peer_id, ==, a);
  g_assert_cmpuint (find_move (replaced, c)->peer->depth, ==, 1);
  g_assert_cmpstr (find_move (replaced, d)->peer->parent_peer_id, ==, c);
  g_assert_cmpuint (find_move (replaced, d)->peer->depth, ==, 2);
  g_assert_null (find_move (replaced, f));
  g_assert_cmpstr (parent_of (tracker, f), ==, c);
  g_assert_cmpuint (peer (tracker, f)->depth, ==, 2);
  assert_tree_sound (tracker);
}

/* A graceful leave hands the children over first; the leaver takes no new
 * ones meanwhile. */
static void
test_hand_over (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) handed = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) after = cascade_tracker_moves_new ();
  g_autoptr (CascadeTrackerPeer) gone = NULL;
  g_autofree char *r1 = NULL, *r2 = NULL, *v1 = NULL, *v2 = NULL;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 2, NULL, moves);
  r1 = join (tracker, "r1", 1);
  now += G_USEC_PER_SEC;
  r2 = join (tracker, "r2", 2);
  v1 = join (tracker, "v1", 0);
  g_assert_cmpstr (parent_of (tracker, v1), ==, r1);

  g_assert_false (cascade_stream_tracker_hand_over (tracker, "s1", "nobody", handed));
  g_assert_true (cascade_stream_tracker_hand_over (tracker, "s1", "r1", handed));
  g_assert_cmpuint (handed->len, ==, 1);
  g_assert_cmpstr (find_move (handed, v1)->peer->parent_peer_id, ==, r2);
  g_assert_cmpstr (find_move (handed, v1)->old_parent_peer_id, ==, r1);
  g_assert_cmpuint (peer (tracker, r1)->children, ==, 0);
  v2 = join (tracker, "v2", 0);
  g_assert_cmpstr (parent_of (tracker, v2), ==, r2);

  gone = cascade_stream_tracker_leave (tracker, "s1", "r1", after);
  g_assert_cmpuint (after->len, ==, 0);
  assert_tree_sound (tracker);
}

/* A child reports its parent silent: it moves at once (never into its own
 * subtree); a parent most of whose children report it is dropped. */
static void
test_silent_parent (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) first = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) second = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) cycle = cascade_tracker_moves_new ();
  g_autofree char *a = NULL, *b = NULL, *x = NULL, *y = NULL, *z = NULL, *w = NULL;
  const CascadeTrackerPeer *root;

  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 2, NULL, moves);
  a = join (tracker, "a", 2);
  now += G_USEC_PER_SEC;
  b = join (tracker, "b", 3);
  x = join (tracker, "x", 0);
  y = join (tracker, "y", 0);
  z = join (tracker, "z", 0);
  g_assert_cmpstr (parent_of (tracker, x), ==, a);
  g_assert_cmpstr (parent_of (tracker, y), ==, a);
  g_assert_cmpstr (parent_of (tracker, z), ==, b);

  /* x reports a: one of two, not a majority; x moves under b. */
  g_assert_true (cascade_stream_tracker_parent_silent (tracker, "s1", "x", first));
  g_assert_cmpuint (first->len, ==, 1);
  g_assert_cmpstr (find_move (first, x)->peer->parent_peer_id, ==, b);
  g_assert_cmpstr (find_move (first, x)->old_parent_peer_id, ==, a);
  g_assert_cmpstr (parent_of (tracker, y), ==, a);

  /* y reports a too: two of two; a is dropped, y placed under b. */
  g_assert_true (cascade_stream_tracker_parent_silent (tracker, "s1", "y", second));
  g_assert_cmpstr (find_move (second, y)->peer->parent_peer_id, ==, b);
  g_assert_cmpuint (peer (tracker, a)->children, ==, 0);
  /* a gets no children for a while, even with room. */
  w = join (tracker, "w", 0);
  g_assert_null (parent_of (tracker, w));
  now += CASCADE_TRACKER_DEMOTION_US + G_USEC_PER_SEC;
  report (tracker, "a", -1, 0, 5, TRUE, moves);
  g_assert_cmpstr (parent_of (tracker, w), ==, a);
  assert_tree_sound (tracker);

  /* x reports b: one of three; a has room again. */
  g_assert_true (cascade_stream_tracker_parent_silent (tracker, "s1", "x", cycle));
  g_assert_cmpstr (parent_of (tracker, x), ==, a);
  assert_tree_sound (tracker);
  g_assert_cmpstr (parent_of (tracker, a), ==, root->peer_id);
  g_assert_false (cascade_stream_tracker_parent_silent (tracker, "s1", "nobody", cycle));
}

/* No re-placement into one's own subtree, even when that is the only room. */
static void
test_no_cycles (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) silent = cascade_tracker_moves_new ();
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 1, NULL, moves);
  a = join (tracker, "a", 1);
  b = join (tracker, "b", 1);
  c = join (tracker, "c", 4);
  g_assert_cmpstr (parent_of (tracker, b), ==, a);
  g_assert_cmpstr (parent_of (tracker, c), ==, b);

  /* b's only child-free... c has room, but c is b's own child: b, dropped
   * from a (its only child reported it), waits with its subtree. */
  g_assert_true (cascade_stream_tracker_parent_silent (tracker, "s1", "b", silent));
  g_assert_cmpuint (silent->len, ==, 1);
  g_assert_null (find_move (silent, b)->peer->parent_peer_id);
  g_assert_cmpstr (find_move (silent, b)->old_parent_peer_id, ==, a);
  g_assert_cmpstr (parent_of (tracker, c), ==, b);
  assert_tree_sound (tracker);
}

/* A relay whose health reports stop is dropped as a parent after the
 * timeout; a viewer that never relays is left alone. */
static void
test_health_timeout (void)
{
  gint64 now = G_USEC_PER_SEC;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) early = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) expired = cascade_tracker_moves_new ();
  g_autofree char *r1 = NULL, *r2 = NULL, *leaf = NULL, *v = NULL;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", "owner", 2, NULL, moves);
  r1 = join (tracker, "r1", 1);
  now += G_USEC_PER_SEC;
  r2 = join (tracker, "r2", 1);
  v = join (tracker, "v", 0);
  g_assert_cmpstr (parent_of (tracker, v), ==, r1);

  now += 5 * G_USEC_PER_SEC;
  report (tracker, "r2", -1, 0, 5, TRUE, moves);
  cascade_stream_tracker_expire (tracker, early);
  g_assert_cmpuint (early->len, ==, 0);

  /* r1 never reported: 7 s after its join it is dropped; v goes to r2. */
  now += 3 * G_USEC_PER_SEC;
  cascade_stream_tracker_expire (tracker, expired);
  g_assert_cmpuint (expired->len, ==, 1);
  g_assert_cmpstr (find_move (expired, v)->peer->parent_peer_id, ==, r2);
  g_assert_cmpstr (find_move (expired, v)->old_parent_peer_id, ==, r1);
  g_assert_true (peer (tracker, r1)->stale);

  /* The leaf viewer (no health, no relaying) is still there, and r1 comes
   * back as a parent with its next report. */
  g_assert_nonnull (parent_of (tracker, r1));
  report (tracker, "r1", -1, 0, 5, TRUE, moves);
  g_assert_false (peer (tracker, r1)->stale);
  leaf = join (tracker, "leaf", 0);
  g_assert_cmpstr (parent_of (tracker, leaf), ==, r1);
  assert_tree_sound (tracker);
}

/* A relay lowers its capacity below the children it has: the extra ones go
 * elsewhere, leaves (the smallest subtrees) first and the newest of those,
 * so the relay keeps the child with a subtree; a shed child with no room
 * anywhere waits. */
static void
test_capacity_lowered_sheds (void)
{
  gint64 now = 1;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) shed = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) again = cascade_tracker_moves_new ();
  g_autofree char *r1 = NULL, *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
  const char *ids[4];

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", NULL, 1, NULL, moves);
  r1 = join (tracker, "r1", 4);
  now += 10;
  a = join (tracker, "a", 2);
  now += 10;
  b = join (tracker, "b", 0);
  now += 10;
  c = join (tracker, "c", 0);
  now += 10;
  d = join (tracker, "d", 0);
  now += 10;
  ids[0] = a, ids[1] = b, ids[2] = c, ids[3] = d;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpstr (parent_of (tracker, ids[i]), ==, r1);
  e = join (tracker, "e", 0);
  g_assert_cmpstr (parent_of (tracker, e), ==, a);
  g_assert_cmpuint (peer (tracker, r1)->children, ==, 4);

  report (tracker, "r1", 2, 0, 5, TRUE, shed);
  g_assert_cmpuint (peer (tracker, r1)->children, ==, 2);
  g_assert_cmpuint (peer (tracker, r1)->capacity, ==, 2);
  /* a keeps its subtree under r1; of the leaves, the two newest go. */
  g_assert_cmpstr (parent_of (tracker, a), ==, r1);
  g_assert_cmpstr (parent_of (tracker, b), ==, r1);
  g_assert_cmpstr (parent_of (tracker, e), ==, a);
  g_assert_cmpuint (shed->len, ==, 2);
  g_assert_cmpstr (find_move (shed, c)->old_parent_peer_id, ==, r1);
  g_assert_cmpstr (find_move (shed, d)->old_parent_peer_id, ==, r1);
  /* c takes a's last slot (depth 3); d finds none and waits. */
  g_assert_cmpstr (find_move (shed, c)->peer->parent_peer_id, ==, a);
  g_assert_cmpuint (find_move (shed, c)->peer->depth, ==, 3);
  g_assert_null (find_move (shed, d)->peer->parent_peer_id);
  g_assert_null (find_move (shed, e));
  assert_tree_sound (tracker);

  /* The same capacity again sheds nothing; a larger one takes d back. */
  report (tracker, "r1", 2, 0, 5, TRUE, again);
  g_assert_cmpuint (again->len, ==, 0);
  report (tracker, "r1", 3, 0, 5, TRUE, again);
  g_assert_cmpuint (again->len, ==, 1);
  g_assert_cmpstr (parent_of (tracker, d), ==, r1);
  assert_tree_sound (tracker);
}

/* The streamer publishes again with fewer slots: its extra children are
 * placed below the ones that stay. */
static void
test_root_capacity_lowered (void)
{
  gint64 now = 1;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) shed = cascade_tracker_moves_new ();
  g_autofree char *r1 = NULL, *r2 = NULL, *leaf = NULL;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", NULL, 4, NULL, moves);
  r1 = join (tracker, "r1", 2);
  now += 10;
  r2 = join (tracker, "r2", 2);
  now += 10;
  leaf = join (tracker, "leaf", 0);
  g_assert_cmpstr (parent_of (tracker, leaf), ==,
                   cascade_stream_tracker_get_root (tracker, "s1")->peer_id);
  cascade_stream_tracker_set_root (tracker, "s1", "streamer", NULL, 1, NULL, shed);
  g_assert_cmpuint (
    peer (tracker, cascade_stream_tracker_get_root (tracker, "s1")->peer_id)->children, ==, 1);
  g_assert_cmpuint (shed->len, ==, 2);
  g_assert_nonnull (find_move (shed, leaf));
  g_assert_cmpuint (peer (tracker, leaf)->depth, ==, 2);
  g_assert_cmpuint (peer (tracker, r1)->depth + peer (tracker, r2)->depth, ==, 3);
  assert_tree_sound (tracker);
}

/* A subtree moves up: the viewers below the moved one are told their new
 * depth once (the moved one has its stream.placed), and the tree's depth
 * follows. */
static void
test_depth_after_move (void)
{
  gint64 now = 1;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) left = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) changed = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autoptr (CascadeTrackerPeer) gone = NULL;
  g_autofree char *r1 = NULL, *r2 = NULL, *a = NULL, *b = NULL, *a2 = NULL, *a3 = NULL;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", NULL, 2, NULL, moves);
  r1 = join (tracker, "r1", 1);
  now += 10;
  r2 = join (tracker, "r2", 1);
  now += 10;
  a = join (tracker, "a", 1);
  now += 10;
  b = join (tracker, "b", 1);
  now += 10;
  a2 = join (tracker, "a2", 1);
  now += 10;
  a3 = join (tracker, "a3", 0);
  g_assert_cmpstr (parent_of (tracker, a), ==, r1);
  g_assert_cmpstr (parent_of (tracker, b), ==, r2);
  g_assert_cmpstr (parent_of (tracker, a2), ==, a);
  g_assert_cmpstr (parent_of (tracker, a3), ==, b);
  g_assert_cmpuint (peer (tracker, a2)->depth, ==, 3);
  g_assert_cmpuint (cascade_stream_tracker_get_summary (tracker, "s1").depth, ==, 3);
  none = cascade_stream_tracker_take_depth_changes (tracker, "s1");
  g_assert_cmpuint (none->len, ==, 0);
  g_clear_pointer (&none, g_ptr_array_unref);

  /* r1 goes: a (with a2) takes its slot at the root. */
  gone = cascade_stream_tracker_leave (tracker, "s1", "r1", left);
  g_assert_nonnull (gone);
  g_assert_cmpuint (left->len, ==, 1);
  g_assert_cmpuint (find_move (left, a)->peer->depth, ==, 1);
  g_assert_cmpuint (peer (tracker, a2)->depth, ==, 2);
  changed = cascade_stream_tracker_take_depth_changes (tracker, "s1");
  g_assert_cmpuint (changed->len, ==, 1);
  g_assert_cmpstr (((CascadeTrackerPeer *) g_ptr_array_index (changed, 0))->peer_id, ==, a2);
  g_assert_cmpuint (((CascadeTrackerPeer *) g_ptr_array_index (changed, 0))->depth, ==, 2);
  none = cascade_stream_tracker_take_depth_changes (tracker, "s1");
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (cascade_stream_tracker_get_summary (tracker, "s1").depth, ==, 3);
  assert_tree_sound (tracker);
}

/* A relay cut off from the root with its subtree (no room anywhere) keeps
 * the depths it had, not 0, and counts as waiting, not in the tree's depth;
 * placed again where it was, nobody below it hears of a new depth. */
static void
test_waiting_subtree_depth (void)
{
  gint64 now = 1;
  g_autoptr (CascadeStreamTracker) tracker = tracker_new (&now);
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) cut = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) back = cascade_tracker_moves_new ();
  g_autoptr (GPtrArray) none = NULL;
  g_autofree char *r1 = NULL, *a = NULL, *b = NULL;
  CascadeTrackerSummary summary;

  cascade_stream_tracker_set_root (tracker, "s1", "streamer", NULL, 1, NULL, moves);
  r1 = join (tracker, "r1", 1);
  a = join (tracker, "a", 1);
  b = join (tracker, "b", 0);
  g_assert_cmpuint (peer (tracker, b)->depth, ==, 3);

  report (tracker, "r1", 0, 0, 5, TRUE, cut);
  g_assert_cmpuint (cut->len, ==, 1);
  g_assert_null (find_move (cut, a)->peer->parent_peer_id);
  g_assert_cmpuint (peer (tracker, a)->depth, ==, 2);
  g_assert_false (peer (tracker, a)->attached);
  g_assert_cmpuint (peer (tracker, b)->depth, ==, 3);
  g_assert_false (peer (tracker, b)->attached);
  g_assert_cmpstr (parent_of (tracker, b), ==, a);
  summary = cascade_stream_tracker_get_summary (tracker, "s1");
  g_assert_cmpuint (summary.viewers, ==, 3);
  g_assert_cmpuint (summary.depth, ==, 1);
  g_assert_cmpuint (summary.relays, ==, 0);

  report (tracker, "r1", 1, 0, 5, TRUE, back);
  g_assert_cmpstr (parent_of (tracker, a), ==, r1);
  g_assert_true (peer (tracker, b)->attached);
  g_assert_cmpuint (peer (tracker, b)->depth, ==, 3);
  none = cascade_stream_tracker_take_depth_changes (tracker, "s1");
  g_assert_cmpuint (none->len, ==, 0);
  assert_tree_sound (tracker);
}

static char *
write_config (const char *contents)
{
  char *path = g_build_filename (g_get_user_config_dir (), "streaming.conf", NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_config (void)
{
  g_autoptr (CascadeServerConfig) defaults = cascade_server_config_new ();
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *good = write_config (
    "[streaming]\ngrace-seconds=2\n[ice]\nstun-urls=stun:a.example:3478; stun:b.example:19302\n"
    "turn-urls=turn:127.0.0.1:3478?transport=udp;turns:t.example:5349\nturn-secret=north-wind\n"
    "turn-ttl-seconds=600\n");
  const char *bad[] = {
    "[streaming]\ngrace-seconds=0\n",
    "[streaming]\ngrace-seconds=3601\n",
    "[streaming]\ngrace=5\n",
    "[ice]\nstun-urls=turn:a.example\n",
    "[ice]\nturn-urls=turn:a.example\n",
    "[ice]\nturn-secret=alone\n",
    "[ice]\nturn-urls=stun:a.example\nturn-secret=s\n",
    "[ice]\nturn-urls=turn:a.example\nturn-secret=s\nturn-ttl-seconds=10\n",
    "[ice]\nturn-urls=turn:a.example\nturn-secret=\n",
    "[ice]\nturn-user=me\n",
  };

  g_assert_cmpuint (defaults->stream_grace_seconds, ==, 30);
  g_assert_cmpuint (g_strv_length (defaults->ice_stun_urls), ==, 0);
  g_assert_cmpuint (g_strv_length (defaults->ice_turn_urls), ==, 0);
  g_assert_null (defaults->ice_turn_secret);
  g_assert_cmpuint (defaults->ice_turn_ttl_seconds, ==, 3600);

  g_assert_true (cascade_server_config_load_file (config, good, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->stream_grace_seconds, ==, 2);
  g_assert_cmpuint (g_strv_length (config->ice_stun_urls), ==, 2);
  g_assert_cmpstr (config->ice_stun_urls[0], ==, "stun:a.example:3478");
  g_assert_cmpstr (config->ice_stun_urls[1], ==, "stun:b.example:19302");
  g_assert_cmpuint (g_strv_length (config->ice_turn_urls), ==, 2);
  g_assert_cmpstr (config->ice_turn_urls[0], ==, "turn:127.0.0.1:3478?transport=udp");
  g_assert_cmpstr (config->ice_turn_secret, ==, "north-wind");
  g_assert_cmpuint (config->ice_turn_ttl_seconds, ==, 600);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (CascadeServerConfig) refused = cascade_server_config_new ();
      g_autofree char *path = write_config (bad[i]);
      g_autoptr (GError) local_error = NULL;

      if (cascade_server_config_load_file (refused, path, &local_error))
        g_error ("accepted the config %s", bad[i]);
      g_assert_error (local_error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG);
    }
}

/* TURN REST credentials: "<expiry>:<user id>" and base64 (HMAC-SHA1),
 * checked against a value computed elsewhere (Python's hmac). */
static void
test_ice_servers (void)
{
  const char *stun[] = { "stun:a.example:3478", NULL };
  const char *turn[] = { "turn:127.0.0.1:3478?transport=udp", NULL };
  const char *user = "9b2f4c1e-5d3a-4f6b-8e7c-0a1b2c3d4e5f";
  g_autoptr (CascadeIceServers) plain = cascade_ice_servers_new (stun, NULL, NULL, 3600);
  g_autoptr (CascadeIceServers) ice = cascade_ice_servers_new (stun, turn, "north-wind", 3600);
  g_autoptr (JsonNode) none = cascade_ice_servers_dup_json (plain, user, 1700000000);
  g_autoptr (JsonNode) anonymous = cascade_ice_servers_dup_json (ice, NULL, 1700000000);
  g_autoptr (JsonNode) both = cascade_ice_servers_dup_json (ice, user, 1700000000);
  g_autofree char *credential = NULL;
  JsonObject *server;

  g_assert_cmpuint (json_array_get_length (json_node_get_array (none)), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (anonymous)), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (both)), ==, 2);
  server = json_array_get_object_element (json_node_get_array (both), 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (server, "urls"), 0),
                   ==, turn[0]);
  g_assert_cmpstr (json_object_get_string_member (server, "username"), ==,
                   "1700003600:9b2f4c1e-5d3a-4f6b-8e7c-0a1b2c3d4e5f");
  g_assert_cmpstr (json_object_get_string_member (server, "credential"), ==,
                   "ZoEDiJNjRYF3iVvMvGTswEnkl90=");
  credential =
    cascade_ice_servers_turn_credential ("north-wind", "1700003600:"
                                                       "9b2f4c1e-5d3a-4f6b-8e7c-0a1b2c3d4e5f");
  g_assert_cmpstr (credential, ==, "ZoEDiJNjRYF3iVvMvGTswEnkl90=");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/server/streaming/tracker/place-under-root", test_place_under_root);
  g_test_add_func ("/cascade/server/streaming/tracker/root-leaves-and-returns",
                   test_root_leaves_and_returns);
  g_test_add_func ("/cascade/server/streaming/tracker/root-replaced", test_root_replaced);
  g_test_add_func ("/cascade/server/streaming/tracker/capacity-and-depth", test_capacity_and_depth);
  g_test_add_func ("/cascade/server/streaming/tracker/root-keeps-slots-for-relays",
                   test_root_keeps_slots_for_relays);
  g_test_add_func ("/cascade/server/streaming/tracker/health-preference", test_health_preference);
  g_test_add_func ("/cascade/server/streaming/tracker/children-rtt", test_children_rtt);
  g_test_add_func ("/cascade/server/streaming/tracker/replace-subtrees", test_replace_subtrees);
  g_test_add_func ("/cascade/server/streaming/tracker/hand-over", test_hand_over);
  g_test_add_func ("/cascade/server/streaming/tracker/silent-parent", test_silent_parent);
  g_test_add_func ("/cascade/server/streaming/tracker/no-cycles", test_no_cycles);
  g_test_add_func ("/cascade/server/streaming/tracker/health-timeout", test_health_timeout);
  g_test_add_func ("/cascade/server/streaming/tracker/capacity-lowered-sheds",
                   test_capacity_lowered_sheds);
  g_test_add_func ("/cascade/server/streaming/tracker/root-capacity-lowered",
                   test_root_capacity_lowered);
  g_test_add_func ("/cascade/server/streaming/tracker/depth-after-move", test_depth_after_move);
  g_test_add_func ("/cascade/server/streaming/tracker/waiting-subtree-depth",
                   test_waiting_subtree_depth);
  g_test_add_func ("/cascade/server/streaming/config", test_config);
  g_test_add_func ("/cascade/server/streaming/ice-servers", test_ice_servers);

  return g_test_run ();
}
