/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "cascade-netlab.h"
#include "cascade-swarm.h"

/*
 * The cascade with real processes on loopback: a real cascaded, one
 * `cascade-peer publish` and several `cascade-peer watch`, each its own
 * process, driven through their --json events.
 */

#define TIMEOUT_S 90
/* The tracker's CASCADE_TRACKER_HEALTH_TIMEOUT_US: a node silent that long
 * is dropped from the tree; a node reports every HEALTH_PERIOD_S (2 s). */
#define HEALTH_TIMEOUT_US (7 * G_USEC_PER_SEC)
#define HEALTH_PERIOD_US (2 * G_USEC_PER_SEC)

typedef struct
{
  CascadeSwarm *swarm;
  CascadeSwarmPeer *streamer;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  fixture->swarm = cascade_swarm_new (NULL, NULL);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_clear_pointer (&fixture->swarm, cascade_swarm_free);
}

/* Accounts streamer, viewer1..viewerN; the streamer live with @options. */
static void
go_live (Fixture *fixture, guint n_viewers, const char *const *options)
{
  cascade_swarm_add_account (fixture->swarm, "streamer");
  for (guint i = 1; i <= n_viewers; i++)
    {
      g_autofree char *name = g_strdup_printf ("viewer%u", i);

      cascade_swarm_add_account (fixture->swarm, name);
    }
  fixture->streamer = cascade_swarm_spawn_streamer (fixture->swarm, "streamer", options);
}

static CascadeSwarmPeer *
watch (Fixture *fixture, guint number, const char *const *options)
{
  g_autofree char *name = g_strdup_printf ("viewer%u", number);

  return cascade_swarm_spawn_viewer (fixture->swarm, name, "streamer", options);
}

typedef struct
{
  CascadeSwarm *swarm;
  CascadeSwarmPeer **peers;
  guint n;
} PeersWait;

/* Every peer placed, along parents that lead to the streamer. */
static gboolean
all_in_tree (gpointer data)
{
  PeersWait *wait = data;

  for (guint i = 0; i < wait->n; i++)
    if (cascade_swarm_chain_depth (wait->swarm, wait->peers[i]) == 0)
      return FALSE;
  return TRUE;
}

/* ---- the tree ---- */

/* How many viewers (in the swarm) name @parent_peer_id as their parent. */
static guint
count_children (CascadeSwarm *swarm, const char *parent_peer_id)
{
  GPtrArray *peers = cascade_swarm_get_peers (swarm);
  guint children = 0;

  for (guint i = 0; i < peers->len; i++)
    {
      CascadeSwarmPeer *peer = g_ptr_array_index (peers, i);

      if (!cascade_swarm_peer_has_exited (peer) &&
          g_strcmp0 (cascade_swarm_peer_get_parent_peer_id (peer), parent_peer_id) == 0)
        children++;
    }
  return children;
}

/* Joins viewer@number and waits until it is placed in the tree. */
static CascadeSwarmPeer *
join (Fixture *fixture, guint number, const char *relay)
{
  const char *options[] = { "--relay", relay, NULL };
  CascadeSwarmPeer *viewer = watch (fixture, number, options);
  PeersWait placed = { fixture->swarm, &viewer, 1 };

  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, all_in_tree, &placed,
                             "the viewer to be placed in the tree");
  return viewer;
}

typedef struct
{
  CascadeSwarm *swarm;
  const char *stream_id;
  const char *bearer;
  guint viewers;
  guint depth;
  JsonObject *tree;
} TreeWait;

/* The tracker's tree (GET …/tree) has @viewers nodes below the root, as deep as the peers say. */
static gboolean
tree_matches (gpointer data)
{
  TreeWait *wait = data;

  g_clear_pointer (&wait->tree, json_object_unref);
  if (cascade_swarm_get_tree (wait->swarm, wait->stream_id, wait->bearer, &wait->tree) != 200 ||
      wait->tree == NULL)
    return FALSE;
  return json_object_get_int_member_with_default (wait->tree, "viewers", -1) == wait->viewers &&
         json_object_get_int_member_with_default (wait->tree, "depth", -1) == wait->depth;
}

/* Seven viewers relaying to two each under a streamer feeding two: each is
 * placed where a slot is free, nobody gets more children than its capacity,
 * the tree grows to depth 3, and every viewer (depth 1 to 3) decodes the
 * stamped pattern through its relays; the tracker's tree (GET …/tree) shows
 * the same to the streamer, and is forbidden to a viewer. */
static void
test_tree_placement (Fixture *fixture, gconstpointer data)
{
  const char *publish[] = { "--max-viewers", "2", NULL };
  CascadeSwarmPeer *viewers[7];
  guint depth = 0;
  g_autofree char *streamer_token = NULL;
  g_autofree char *viewer_token = NULL;
  TreeWait tree = { fixture->swarm };
  JsonArray *nodes;
  gint64 relays = 0;

  go_live (fixture, 7, publish);
  for (guint i = 0; i < 7; i++)
    viewers[i] = join (fixture, i + 1, "2");
  cascade_swarm_wait_frames (fixture->swarm, viewers, 7, 30, TIMEOUT_S,
                             "every viewer, at every depth, to decode stamped frames");

  g_assert_cmpuint (
    count_children (fixture->swarm, cascade_swarm_peer_get_peer_id (fixture->streamer)), <=, 2);
  for (guint i = 0; i < 7; i++)
    {
      guint chain = cascade_swarm_chain_depth (fixture->swarm, viewers[i]);

      g_assert_cmpuint (
        count_children (fixture->swarm, cascade_swarm_peer_get_peer_id (viewers[i])), <=, 2);
      /* The depth the tracker told the viewer is the one its parents make. */
      g_assert_cmpuint (cascade_swarm_peer_get_depth (viewers[i]), ==, chain);
      depth = MAX (depth, chain);
    }
  /* 2 + 4 + 1: with two slots everywhere, seven viewers need three levels. */
  g_assert_cmpuint (depth, ==, 3);

  streamer_token = cascade_swarm_sign_in (fixture->swarm, "streamer");
  viewer_token = cascade_swarm_sign_in (fixture->swarm, "viewer1");
  tree.stream_id = cascade_swarm_peer_get_stream_id (fixture->streamer);
  tree.bearer = streamer_token;
  tree.viewers = 7;
  tree.depth = depth;
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, tree_matches, &tree,
                             "the tracker's tree to show 7 viewers 3 deep");
  nodes = json_object_get_array_member (tree.tree, "nodes");
  g_assert_cmpuint (json_array_get_length (nodes), ==, 8);
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *node = json_array_get_object_element (nodes, i);
      g_autofree char *peer_id = cascade_swarm_event_dup_string (node, "peer_id");
      g_autofree char *parent = cascade_swarm_event_dup_string (node, "parent_peer_id");
      CascadeSwarmPeer *peer = cascade_swarm_find_peer (fixture->swarm, peer_id);

      g_assert_nonnull (peer);
      g_assert_cmpstr (parent, ==, cascade_swarm_peer_get_parent_peer_id (peer));
      g_assert_cmpint (json_object_get_int_member_with_default (node, "children", -1), ==,
                       count_children (fixture->swarm, peer_id));
      relays += parent != NULL && count_children (fixture->swarm, peer_id) > 0;
    }
  g_assert_cmpint (json_object_get_int_member_with_default (tree.tree, "relays", -1), ==, relays);
  g_clear_pointer (&tree.tree, json_object_unref);
  g_assert_cmpuint (cascade_swarm_get_tree (fixture->swarm, tree.stream_id, viewer_token, NULL), ==,
                    403);
}

/* The nodes of the tracker's tree (GET …/tree as @bearer), or NULL. */
static JsonArray *
dup_tree_nodes (CascadeSwarm *swarm, const char *stream_id, const char *bearer)
{
  g_autoptr (JsonObject) tree = NULL;
  JsonNode *nodes;

  if (cascade_swarm_get_tree (swarm, stream_id, bearer, &tree) != 200 || tree == NULL)
    return NULL;
  nodes = json_object_get_member (tree, "nodes");
  return nodes != NULL && JSON_NODE_HOLDS_ARRAY (nodes)
           ? json_array_ref (json_node_get_array (nodes))
           : NULL;
}

typedef struct
{
  CascadeSwarm *swarm;
  const char *stream_id;
  const char *bearer;
  const char *username;
} WaitingWait;

/* The tracker's tree lists @username as a viewer waiting for a parent. */
static gboolean
tree_has_waiting (gpointer data)
{
  WaitingWait *wait = data;
  g_autoptr (JsonArray) nodes = dup_tree_nodes (wait->swarm, wait->stream_id, wait->bearer);

  if (nodes == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *node = json_array_get_object_element (nodes, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (node, "username", ""),
                     wait->username) == 0 &&
          json_object_get_boolean_member_with_default (node, "waiting", FALSE))
        return TRUE;
    }
  return FALSE;
}

/* Viewers with relaying off are never given children, even when they are the
 * only peers left with a place for one: three of them fill the streamer's
 * three slots, and a fourth viewer, a relay, waits rather than go under one
 * of them; when one leaves, the fourth takes its slot at the root. */
static void
test_tree_no_relay (Fixture *fixture, gconstpointer data)
{
  const char *publish[] = { "--max-viewers", "3", NULL };
  const char *relay[] = { "--relay", "2", NULL };
  CascadeSwarmPeer *viewers[4];
  g_autofree char *token = NULL;
  WaitingWait waiting = { fixture->swarm };
  PeersWait placed = { fixture->swarm, viewers + 3, 1 };

  go_live (fixture, 4, publish);
  for (guint i = 0; i < 3; i++)
    viewers[i] = join (fixture, i + 1, "0");
  cascade_swarm_wait_frames (fixture->swarm, viewers, 3, 30, TIMEOUT_S,
                             "the viewers that do not relay to decode stamped frames");
  g_assert_cmpuint (
    count_children (fixture->swarm, cascade_swarm_peer_get_peer_id (fixture->streamer)), ==, 3);

  viewers[3] = watch (fixture, 4, relay);
  token = cascade_swarm_sign_in (fixture->swarm, "streamer");
  waiting.stream_id = cascade_swarm_peer_get_stream_id (fixture->streamer);
  waiting.bearer = token;
  waiting.username = "viewer4";
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, tree_has_waiting, &waiting,
                             "the fourth viewer to wait for a slot");
  g_assert_null (cascade_swarm_peer_get_parent_peer_id (viewers[3]));

  cascade_swarm_peer_signal (viewers[0], SIGTERM);
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, all_in_tree, &placed,
                             "the fourth viewer to be placed when a slot frees");
  g_assert_cmpstr (cascade_swarm_peer_get_parent_peer_id (viewers[3]), ==,
                   cascade_swarm_peer_get_peer_id (fixture->streamer));
  cascade_swarm_wait_frames (fixture->swarm, viewers + 3, 1, 30, TIMEOUT_S,
                             "the fourth viewer to decode stamped frames");
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (cascade_swarm_peer_count_events (viewers[i], "child_added"), ==, 0);
}

typedef struct
{
  GPtrArray *peers;
  GArray *times_placed;
} ReplacedWait;

/* Every peer in @wait was placed again since (and has a parent). */
static gboolean
all_replaced (gpointer data)
{
  ReplacedWait *wait = data;

  for (guint i = 0; i < wait->peers->len; i++)
    {
      CascadeSwarmPeer *peer = g_ptr_array_index (wait->peers, i);

      if (cascade_swarm_peer_get_times_placed (peer) <=
            g_array_index (wait->times_placed, guint, i) ||
          cascade_swarm_peer_get_parent_peer_id (peer) == NULL)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  CascadeSwarm *swarm;
  CascadeSwarmPeer **peers;
  guint n;
  guint resumed_before[4];
} ResumedWait;

/* Every peer in @wait showed video again after a freeze (a `resumed` event
 * since), and knows its depth as the chain of parents has it (`placed` or
 * `depth`: a viewer that kept its parent while a subtree above it moved is
 * told too). */
static gboolean
all_resumed_at_true_depth (gpointer data)
{
  ResumedWait *wait = data;

  for (guint i = 0; i < wait->n; i++)
    {
      guint depth = cascade_swarm_chain_depth (wait->swarm, wait->peers[i]);

      if (cascade_swarm_peer_count_events (wait->peers[i], "resumed") <= wait->resumed_before[i] ||
          depth == 0 || cascade_swarm_peer_get_depth (wait->peers[i]) != depth)
        return FALSE;
    }
  return TRUE;
}

/* The children of @parent among @viewers, and the rest (with their parents). */
static void
split_children (CascadeSwarmPeer *parent,
                CascadeSwarmPeer **viewers,
                guint n,
                ReplacedWait *children,
                GPtrArray *others,
                GPtrArray *other_parents)
{
  children->peers = g_ptr_array_new ();
  children->times_placed = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < n; i++)
    {
      const char *up = cascade_swarm_peer_get_parent_peer_id (viewers[i]);
      guint placed = cascade_swarm_peer_get_times_placed (viewers[i]);

      if (viewers[i] == parent)
        continue;
      if (g_strcmp0 (up, cascade_swarm_peer_get_peer_id (parent)) == 0)
        {
          g_ptr_array_add (children->peers, viewers[i]);
          g_array_append_val (children->times_placed, placed);
        }
      else
        {
          g_ptr_array_add (others, viewers[i]);
          g_ptr_array_add (other_parents, g_strdup (up));
        }
    }
}

/* The streamer feeds one relay (viewer1: the root has one slot), and three
 * more viewers relaying to two each are below it, at least one of them not
 * directly. viewer1 is killed with SIGKILL: its children are placed again on
 * its socket closing (or their reports of its silence), not when the tracker
 * gives up on its missing health reports (HEALTH_TIMEOUT_US after the last
 * one; how fast, bench-swarm's failover measures), every other viewer keeps
 * its parent (a subtree moves whole), and
 * all of them play on: each reports `resumed` (the ones that kept their
 * parent too) and knows its new depth. */
static void
test_tree_kill_relay (Fixture *fixture, gconstpointer data)
{
  const char *publish[] = { "--max-viewers", "1", NULL };
  CascadeSwarmPeer *viewers[4];
  ReplacedWait children;
  g_autoptr (GPtrArray) others = g_ptr_array_new ();
  g_autoptr (GPtrArray) other_parents = g_ptr_array_new_with_free_func (g_free);
  ResumedWait resumed = { fixture->swarm, viewers + 1, 3, { 0 } };
  gint64 killed;

  go_live (fixture, 4, publish);
  for (guint i = 0; i < 4; i++)
    viewers[i] = join (fixture, i + 1, "2");
  cascade_swarm_wait_frames (fixture->swarm, viewers, 4, 30, TIMEOUT_S,
                             "every viewer to decode stamped frames");
  g_assert_cmpstr (cascade_swarm_peer_get_parent_peer_id (viewers[0]), ==,
                   cascade_swarm_peer_get_peer_id (fixture->streamer));
  split_children (viewers[0], viewers, 4, &children, others, other_parents);
  g_assert_cmpuint (children.peers->len, >=, 1);
  g_assert_cmpuint (others->len, >=, 1);

  for (guint i = 0; i < resumed.n; i++)
    resumed.resumed_before[i] = cascade_swarm_peer_count_events (resumed.peers[i], "resumed");
  killed = g_get_monotonic_time ();
  cascade_swarm_peer_signal (viewers[0], SIGKILL);
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, all_replaced, &children,
                             "the dead relay's children to be placed again");
  g_test_message ("placed again %.1f s after the kill",
                  (g_get_monotonic_time () - killed) / (double) G_USEC_PER_SEC);
  /* Not by the health timeout, which comes no sooner than this after the
   * kill (the relay's last report was at most a period before it). */
  g_assert_cmpint (g_get_monotonic_time () - killed, <, HEALTH_TIMEOUT_US - HEALTH_PERIOD_US);
  for (guint i = 0; i < others->len; i++)
    g_assert_cmpstr (cascade_swarm_peer_get_parent_peer_id (g_ptr_array_index (others, i)), ==,
                     g_ptr_array_index (other_parents, i));
  cascade_swarm_wait_frames (fixture->swarm, viewers + 1, 3, 60, TIMEOUT_S,
                             "the dead relay's subtree to play on");
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, all_resumed_at_true_depth, &resumed,
                             "every viewer below the dead relay to report `resumed` and its depth");
  for (guint i = 1; i < 4; i++)
    g_assert_cmpuint (cascade_swarm_chain_depth (fixture->swarm, viewers[i]), >, 0);
  g_ptr_array_unref (children.peers);
  g_array_unref (children.times_placed);
}

static gboolean
saw_state (CascadeSwarmPeer *peer, const char *state)
{
  GPtrArray *events = cascade_swarm_peer_get_events (peer);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "state") ==
            0 &&
          g_strcmp0 (json_object_get_string_member_with_default (event, "state", ""), state) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The relay below the streamer leaves gracefully (SIGTERM): its children are
 * handed over (placed under a new parent) before it goes, it exits cleanly,
 * and everyone plays on. */
static void
test_tree_graceful_leave (Fixture *fixture, gconstpointer data)
{
  const char *publish[] = { "--max-viewers", "1", NULL };
  CascadeSwarmPeer *viewers[3];
  ReplacedWait children;
  g_autoptr (GPtrArray) others = g_ptr_array_new ();
  g_autoptr (GPtrArray) other_parents = g_ptr_array_new_with_free_func (g_free);

  go_live (fixture, 3, publish);
  for (guint i = 0; i < 3; i++)
    viewers[i] = join (fixture, i + 1, "2");
  cascade_swarm_wait_frames (fixture->swarm, viewers, 3, 30, TIMEOUT_S,
                             "every viewer to decode stamped frames");
  split_children (viewers[0], viewers, 3, &children, others, other_parents);
  g_assert_cmpuint (children.peers->len, >=, 1);

  cascade_swarm_peer_signal (viewers[0], SIGTERM);
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, all_replaced, &children,
                             "the leaving relay's children to be handed over");
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, cascade_swarm_peer_exited, viewers[0],
                             "the relay to leave");
  g_assert_cmpint (cascade_swarm_peer_get_exit_status (viewers[0]), ==, 0);
  /* It left with a hand-over: the tracker answered stream.left. */
  g_assert_true (saw_state (viewers[0], "left"));
  cascade_swarm_wait_frames (fixture->swarm, viewers + 1, 2, 60, TIMEOUT_S,
                             "the handed-over viewers to play on");
  g_assert_cmpuint (
    count_children (fixture->swarm, cascade_swarm_peer_get_peer_id (fixture->streamer)), ==, 1);
  g_ptr_array_unref (children.peers);
  g_array_unref (children.times_placed);
}

typedef struct
{
  CascadeSwarm *swarm;
  const char *stream_id;
  const char *bearer;
  const char *peer_ids[2];
  gint64 min_rtt_ms[2];
  gint64 rtt_ms[2];
} RttWait;

/* The tracker's tree gives each of the peers a round trip of at least its minimum. */
static gboolean
tree_has_rtts (gpointer data)
{
  RttWait *wait = data;
  g_autoptr (JsonArray) nodes = dup_tree_nodes (wait->swarm, wait->stream_id, wait->bearer);
  guint found = 0;

  if (nodes == NULL)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *node = json_array_get_object_element (nodes, i);
      const char *peer_id = json_object_get_string_member_with_default (node, "peer_id", "");

      for (guint j = 0; j < G_N_ELEMENTS (wait->peer_ids); j++)
        if (g_strcmp0 (peer_id, wait->peer_ids[j]) == 0)
          {
            wait->rtt_ms[j] = json_object_get_int_member_with_default (node, "rtt_ms", -1);
            found += wait->rtt_ms[j] >= wait->min_rtt_ms[j];
          }
    }
  return found == G_N_ELEMENTS (wait->peer_ids);
}

/* The round trip of every link reaches the tracker, measured where webrtcbin
 * knows it (at the sender, from the child's receiver reports) and reported in
 * the parent's health: the streamer's link to a relay (loopback: more than 0
 * ms), and that relay's to a leaf that holds what it receives 20 ms
 * (--impair-delay-ms 20: at least 20 ms). */
static void
test_tree_rtt (Fixture *fixture, gconstpointer data)
{
  const char *publish[] = { "--max-viewers", "1", NULL };
  const char *delayed[] = { "--relay", "0", "--impair-delay-ms", "20", NULL };
  CascadeSwarmPeer *viewers[2];
  PeersWait placed = { fixture->swarm, viewers + 1, 1 };
  g_autofree char *streamer_token = NULL;
  RttWait rtt = { fixture->swarm };

  go_live (fixture, 2, publish);
  viewers[0] = join (fixture, 1, "1");
  viewers[1] = watch (fixture, 2, delayed);
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, all_in_tree, &placed,
                             "the delayed viewer to be placed in the tree");
  g_assert_cmpstr (cascade_swarm_peer_get_parent_peer_id (viewers[1]), ==,
                   cascade_swarm_peer_get_peer_id (viewers[0]));
  cascade_swarm_wait_frames (fixture->swarm, viewers, 2, 30, TIMEOUT_S,
                             "both viewers to decode stamped frames");

  streamer_token = cascade_swarm_sign_in (fixture->swarm, "streamer");
  rtt.stream_id = cascade_swarm_peer_get_stream_id (fixture->streamer);
  rtt.bearer = streamer_token;
  rtt.peer_ids[0] = cascade_swarm_peer_get_peer_id (viewers[0]);
  rtt.peer_ids[1] = cascade_swarm_peer_get_peer_id (viewers[1]);
  rtt.min_rtt_ms[0] = 1;
  rtt.min_rtt_ms[1] = 20;
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, tree_has_rtts, &rtt,
                             "the tracker to know the round trip of both links");
  g_test_message ("rtt_ms: streamer -> relay %" G_GINT64_FORMAT
                  ", relay -> delayed leaf %" G_GINT64_FORMAT,
                  rtt.rtt_ms[0], rtt.rtt_ms[1]);
}

/* Why the tests that need network namespaces cannot run here, or NULL. */
static char *netns_unavailable;

/* The network lab works, and a lossy link is repaired: streamer and viewer
 * each in a namespace of their own, 1% of each one's incoming UDP dropped by
 * nftables; the drops really happen, and the viewer still decodes stamped
 * frames steadily. */
static void
test_lossy_link (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeNetlab) lab = NULL;
  g_autoptr (CascadeSwarm) swarm = NULL;
  g_autofree char *listen = NULL;
  const char *publish[] = { "publish", "--title", "Lossy", "--category", "Quake", NULL };
  const char *watch_stream[] = { "watch", "streamer", NULL };
  CascadeSwarmPeer *streamer, *viewer;

  if (netns_unavailable != NULL)
    {
      g_test_skip (netns_unavailable);
      return;
    }
  lab = cascade_netlab_new (2, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      cascade_netlab_set_loss (lab, i, 1, &error);
      g_assert_no_error (error);
    }
  listen = g_strdup_printf ("%s:0", cascade_netlab_get_hub_address (lab));
  swarm = cascade_swarm_new (listen, NULL);
  cascade_swarm_add_account (swarm, "streamer");
  cascade_swarm_add_account (swarm, "viewer1");

  streamer = cascade_swarm_spawn (swarm, "streamer", cascade_netlab_get_node_netns (lab, 0),
                                  cascade_netlab_get_node_address (lab, 0), publish);
  cascade_swarm_wait_or_die (swarm, TIMEOUT_S, cascade_swarm_peer_is_live, streamer,
                             "the stream to go live in its namespace");
  viewer = cascade_swarm_spawn (swarm, "viewer1", cascade_netlab_get_node_netns (lab, 1),
                                cascade_netlab_get_node_address (lab, 1), watch_stream);
  cascade_swarm_wait_frames (swarm, &viewer, 1, 150, TIMEOUT_S,
                             "the viewer across the lossy link to decode 150 stamped frames");
  g_assert_cmpuint (cascade_netlab_get_dropped (lab, 1), >, 0);
  g_test_message ("dropped at the viewer: %" G_GUINT64_FORMAT " packets",
                  cascade_netlab_get_dropped (lab, 1));
}

/* Privacy mode: the streamer, a relay and a leaf each in a namespace of
 * their own, coturn on the hub with TURN REST credentials from cascaded. The
 * relay and the leaf watch with --privacy: the stamped pattern reaches both,
 * every packet they get comes from the TURN server, and no packet from
 * their own addresses ever reaches another peer (nftables counters): no peer
 * learns where they are. */
static void
test_privacy_turn_only (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeNetlab) lab = NULL;
  g_autoptr (CascadeTurn) turn = NULL;
  g_autoptr (CascadeSwarm) swarm = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *config = NULL;
  const char *publish[] = { "publish", "--title",       "Private", "--category",
                            "Quake",   "--max-viewers", "1",       NULL };
  const char *relay[] = { "watch", "streamer", "--privacy", "--relay", "1", NULL };
  const char *leaf[] = { "watch", "streamer", "--privacy", "--relay", "0", NULL };
  const char *hub, *address[3];
  CascadeSwarmPeer *peers[3];

  if (netns_unavailable != NULL)
    {
      g_test_skip (netns_unavailable);
      return;
    }
  if (!cascade_turn_check (&reason))
    {
      g_test_skip (reason);
      return;
    }
  lab = cascade_netlab_new (3, &error);
  g_assert_no_error (error);
  hub = cascade_netlab_get_hub_address (lab);
  for (guint i = 0; i < 3; i++)
    address[i] = cascade_netlab_get_node_address (lab, i);
  for (guint i = 0; i < 3; i++)
    {
      const char *sources[] = { hub, address[(i + 1) % 3], address[(i + 2) % 3], NULL };

      cascade_netlab_count_udp_from (lab, i, sources, &error);
      g_assert_no_error (error);
    }
  turn = cascade_turn_new (hub, "swarm-test-turn-secret", &error);
  g_assert_no_error (error);
  config = g_strdup_printf ("[ice]\nturn-urls=%s\nturn-secret=swarm-test-turn-secret\n",
                            cascade_turn_get_url (turn));
  listen = g_strdup_printf ("%s:0", hub);
  swarm = cascade_swarm_new (listen, config);
  cascade_swarm_add_account (swarm, "streamer");
  cascade_swarm_add_account (swarm, "viewer1");
  cascade_swarm_add_account (swarm, "viewer2");

  peers[0] = cascade_swarm_spawn (swarm, "streamer", cascade_netlab_get_node_netns (lab, 0),
                                  address[0], publish);
  cascade_swarm_wait_or_die (swarm, TIMEOUT_S, cascade_swarm_peer_is_live, peers[0],
                             "the stream to go live");
  peers[1] = cascade_swarm_spawn (swarm, "viewer1", cascade_netlab_get_node_netns (lab, 1),
                                  address[1], relay);
  cascade_swarm_wait_frames (swarm, peers + 1, 1, 30, TIMEOUT_S,
                             "the private relay to decode stamped frames through TURN");
  peers[2] = cascade_swarm_spawn (swarm, "viewer2", cascade_netlab_get_node_netns (lab, 2),
                                  address[2], leaf);
  cascade_swarm_wait_frames (swarm, peers + 1, 2, 60, TIMEOUT_S,
                             "both private viewers to decode stamped frames");
  g_assert_cmpstr (cascade_swarm_peer_get_parent_peer_id (peers[2]), ==,
                   cascade_swarm_peer_get_peer_id (peers[1]));

  for (guint i = 0; i < 3; i++)
    g_test_message (
      "at %s: %" G_GUINT64_FORMAT " UDP packets from the hub (TURN), %" G_GUINT64_FORMAT
      " from %s, %" G_GUINT64_FORMAT " from %s",
      address[i], cascade_netlab_get_udp_from (lab, i, hub),
      cascade_netlab_get_udp_from (lab, i, address[(i + 1) % 3]), address[(i + 1) % 3],
      cascade_netlab_get_udp_from (lab, i, address[(i + 2) % 3]), address[(i + 2) % 3]);
  /* Media reached the viewers from the TURN server, and the streamer its
   * child's RTCP and checks (a few a second) the same way... */
  g_assert_cmpuint (cascade_netlab_get_udp_from (lab, 0, hub), >, 0);
  for (guint i = 1; i < 3; i++)
    g_assert_cmpuint (cascade_netlab_get_udp_from (lab, i, hub), >, 100);
  /* ...and not one packet from a private viewer's own address reached anyone,
   * nor did anyone reach them directly. */
  g_assert_cmpuint (cascade_netlab_get_udp_from (lab, 0, address[1]), ==, 0);
  g_assert_cmpuint (cascade_netlab_get_udp_from (lab, 0, address[2]), ==, 0);
  g_assert_cmpuint (cascade_netlab_get_udp_from (lab, 2, address[1]), ==, 0);
  g_assert_cmpuint (cascade_netlab_get_udp_from (lab, 1, address[2]), ==, 0);
  g_assert_cmpuint (cascade_netlab_get_udp_from (lab, 1, address[0]), ==, 0);
  g_assert_cmpuint (cascade_netlab_get_udp_from (lab, 2, address[0]), ==, 0);
}

static void
run_or_die (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A pid no process has now (one that has just exited). */
static int
dead_pid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process =
    g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL);
  int pid;

  g_assert_no_error (error);
  pid = atoi (g_subprocess_get_identifier (process));
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  return pid;
}

/* What a crashed run leaves (its network namespaces, coturn's directory
 * with a pid file) is removed by the next one: the namespaces when the lab
 * is checked, coturn's leftovers when coturn starts; a live process's are
 * left alone. */
static void
test_stale_cleanup (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  int pid = dead_pid ();
  g_autofree char *stale = g_strdup_printf ("cascade-%d-0", pid);
  g_autofree char *stale_path = g_build_filename ("/run/netns", stale, NULL);
  g_autofree char *live = g_strdup_printf ("cascade-%d-99", (int) getpid ());
  g_autofree char *live_path = g_build_filename ("/run/netns", live, NULL);
  g_autofree char *turn_name = g_strdup_printf ("cascade-turn-%d-CRASHD", pid);
  g_autofree char *turn_dir = g_build_filename (g_get_tmp_dir (), turn_name, NULL);
  g_autofree char *pid_file = g_build_filename (turn_dir, "turnserver.pid", NULL);
  g_autofree char *pid_text = g_strdup_printf ("%d\n", pid);
  const char *add_stale[] = { "ip", "netns", "add", stale, NULL };
  const char *add_live[] = { "ip", "netns", "add", live, NULL };
  const char *del_live[] = { "ip", "netns", "del", live, NULL };
  CascadeTurn *turn;

  if (netns_unavailable != NULL)
    {
      g_test_skip (netns_unavailable);
      return;
    }
  run_or_die (add_stale);
  run_or_die (add_live);
  g_assert_true (g_file_test (stale_path, G_FILE_TEST_EXISTS));
  g_assert_true (cascade_netlab_check (&reason));
  g_assert_false (g_file_test (stale_path, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live_path, G_FILE_TEST_EXISTS));
  run_or_die (del_live);

  if (!cascade_turn_check (&reason))
    {
      g_test_skip (reason);
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (turn_dir, 0700), ==, 0);
  g_file_set_contents (pid_file, pid_text, -1, &error);
  g_assert_no_error (error);
  turn = cascade_turn_new ("127.0.0.1", "stale-cleanup-secret", &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (turn_dir, G_FILE_TEST_EXISTS));
  cascade_turn_free (turn);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  /* Before anything starts a thread: this whole test program moves into a
   * network namespace of its own (loopback there, and the lab's bridge), so
   * the lab leaves the machine's own network alone. */
  if (geteuid () != 0)
    netns_unavailable = g_strdup ("network namespaces need root (CAP_NET_ADMIN); not root here");
  else if (!cascade_netlab_enter_own_netns (&error))
    netns_unavailable = g_strdup_printf ("no network namespace of our own: %s", error->message);
  else
    cascade_netlab_check (&netns_unavailable);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cascade/swarm/tree/placement", Fixture, NULL, fixture_set_up, test_tree_placement,
              fixture_tear_down);
  g_test_add ("/cascade/swarm/tree/no-relay", Fixture, NULL, fixture_set_up, test_tree_no_relay,
              fixture_tear_down);
  g_test_add ("/cascade/swarm/tree/kill-relay", Fixture, NULL, fixture_set_up, test_tree_kill_relay,
              fixture_tear_down);
  g_test_add ("/cascade/swarm/tree/graceful-leave", Fixture, NULL, fixture_set_up,
              test_tree_graceful_leave, fixture_tear_down);
  g_test_add ("/cascade/swarm/tree/rtt", Fixture, NULL, fixture_set_up, test_tree_rtt,
              fixture_tear_down);
  g_test_add_func ("/cascade/swarm/lossy-link", test_lossy_link);
  g_test_add_func ("/cascade/swarm/privacy/turn-only", test_privacy_turn_only);
  g_test_add_func ("/cascade/swarm/netlab/stale-cleanup", test_stale_cleanup);
  return g_test_run ();
}
