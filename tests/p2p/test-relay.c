/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/gst.h>

#include "cascade-netlab.h"
#include "cascade-publisher.h"
#include "cascade-relay.h"
#include "cascade-viewer.h"
#include "cascade-webrtc-util.h"

/*
 * A relay chain in one process on 127.0.0.1: publisher → relay → relay →
 * viewer, real webrtcbin peers whose signalling objects are handed across
 * directly (the realtime server only relays them).
 */

#define TIMEOUT_S 60

typedef struct _Fixture Fixture;
typedef struct _Node Node;

struct _Node
{
  Fixture *fixture;
  char *peer_id;
  Node *parent;                /* NULL: the publisher */
  GPtrArray *candidates;       /* char *: every ICE candidate its viewer gathered */
  GPtrArray *relay_candidates; /* and its relay, for its children */
  CascadeViewer *viewer;
  CascadeRelay *relay; /* NULL: a leaf */
  guint64 stamped;
  gint64 last_latency_us;
};

struct _Fixture
{
  CascadePublisher *publisher;
  GPtrArray *nodes;
  gboolean timed_out;
};

static void
node_free (gpointer data)
{
  Node *node = data;

  cascade_viewer_close (node->viewer);
  cascade_viewer_set_relay (node->viewer, NULL);
  g_assert_finalize_object (node->viewer);
  if (node->relay != NULL)
    g_assert_finalize_object (node->relay);
  g_ptr_array_unref (node->candidates);
  g_ptr_array_unref (node->relay_candidates);
  g_free (node->peer_id);
  g_free (node);
}

static Node *
find_node (Fixture *f, const char *peer_id)
{
  for (guint i = 0; i < f->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (f->nodes, i);

      if (g_str_equal (node->peer_id, peer_id))
        return node;
    }
  return NULL;
}

static void
to_viewer (Fixture *f, const char *peer_id, JsonObject *signal)
{
  Node *node = find_node (f, peer_id);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (node);
  cascade_viewer_handle_signal (node->viewer, signal, &error);
  g_assert_no_error (error);
}

static void
publisher_signal (CascadePublisher *publisher, const char *peer_id, JsonObject *signal, Fixture *f)
{
  to_viewer (f, peer_id, signal);
}

static void
relay_signal (CascadeRelay *relay, const char *peer_id, JsonObject *signal, Node *node)
{
  to_viewer (node->fixture, peer_id, signal);
}

static void
viewer_signal (CascadeViewer *viewer, JsonObject *signal, Node *node)
{
  g_autoptr (GError) error = NULL;

  if (json_object_has_member (signal, "ice"))
    g_ptr_array_add (node->candidates,
                     g_strdup (json_object_get_string_member (
                       json_object_get_object_member (signal, "ice"), "candidate")));
  if (node->parent == NULL)
    cascade_publisher_handle_signal (node->fixture->publisher, node->peer_id, signal, &error);
  else
    cascade_relay_handle_signal (node->parent->relay, node->peer_id, signal, &error);
  g_assert_no_error (error);
}

static void
viewer_frame (CascadeViewer *viewer, gint64 latency_us, Node *node)
{
  if (latency_us < 0)
    return;
  node->stamped++;
  node->last_latency_us = latency_us;
}

static Node *
add_node (Fixture *f, const char *peer_id, gboolean relay, gboolean playback)
{
  Node *node = g_new0 (Node, 1);

  node->fixture = f;
  node->peer_id = g_strdup (peer_id);
  node->candidates = g_ptr_array_new_with_free_func (g_free);
  node->relay_candidates = g_ptr_array_new_with_free_func (g_free);
  node->viewer = cascade_viewer_new (NULL);
  g_object_set (node->viewer, "local-address", "127.0.0.1", "playback", playback, NULL);
  g_signal_connect (node->viewer, "signal", G_CALLBACK (viewer_signal), node);
  g_signal_connect (node->viewer, "frame", G_CALLBACK (viewer_frame), node);
  if (relay)
    {
      node->relay = cascade_relay_new ();
      g_object_set (node->relay, "local-address", "127.0.0.1", NULL);
      g_signal_connect (node->relay, "signal", G_CALLBACK (relay_signal), node);
      cascade_viewer_set_relay (node->viewer, node->relay);
    }
  g_ptr_array_add (f->nodes, node);
  return node;
}

static void
join (Fixture *f, Node *node, Node *parent)
{
  g_autoptr (GError) error = NULL;

  node->parent = parent;
  if (parent == NULL)
    cascade_publisher_add_viewer (f->publisher, node->peer_id, NULL, &error);
  else
    cascade_relay_add_child (parent->relay, node->peer_id, &error);
  g_assert_no_error (error);
}

static gboolean
on_timeout (gpointer user_data)
{
  Fixture *f = user_data;

  f->timed_out = TRUE;
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @done says so; fails the test after TIMEOUT_S. */
static void
run_until (Fixture *f, gboolean (*done) (Fixture *, gpointer), gpointer data)
{
  guint timeout = g_timeout_add_seconds (TIMEOUT_S, on_timeout, f);

  f->timed_out = FALSE;
  while (!done (f, data) && !f->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  g_assert_false (f->timed_out);
}

typedef struct
{
  Node *node;
  guint64 stamped;
} StampedWait;

static gboolean
stamped_at_least (Fixture *f, gpointer data)
{
  StampedWait *wait = data;

  return wait->node->stamped >= wait->stamped;
}

static void
wait_stamped (Fixture *f, Node *node, guint64 frames)
{
  StampedWait wait = { node, frames };

  run_until (f, stamped_at_least, &wait);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->nodes = g_ptr_array_new_with_free_func (node_free);
  f->publisher = cascade_publisher_new (CASCADE_QUALITY_720P30);
  g_object_set (f->publisher, "local-address", "127.0.0.1", NULL);
  g_signal_connect (f->publisher, "signal", G_CALLBACK (publisher_signal), f);
  cascade_publisher_start (f->publisher, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cascade_publisher_stop (f->publisher);
  /* Leaves first: a relay outlives the children it feeds. */
  while (f->nodes->len > 0)
    g_ptr_array_remove_index (f->nodes, f->nodes->len - 1);
  g_ptr_array_unref (f->nodes);
  g_assert_finalize_object (f->publisher);
}

/* publisher → A (forwards only, never decodes) → B (forwards and plays) → C. */
static void
build_chain (Fixture *f, Node **a, Node **b, Node **c)
{
  *a = add_node (f, "relay-a", TRUE, FALSE);
  *b = add_node (f, "relay-b", TRUE, TRUE);
  *c = add_node (f, "viewer-c", FALSE, TRUE);
  join (f, *a, NULL);
  join (f, *b, *a);
  join (f, *c, *b);
  wait_stamped (f, *c, 30);
  wait_stamped (f, *b, 30);
}

static void
test_chain (Fixture *f, gconstpointer data)
{
  Node *a, *b, *c;
  CascadeViewerStats stats;
  CascadeRelayStats relay_stats;
  CascadeViewerHealth health;

  build_chain (f, &a, &b, &c);
  g_test_message ("latency at depth 2: %.1f ms, depth 3: %.1f ms", b->last_latency_us / 1000.0,
                  c->last_latency_us / 1000.0);

  /* A forwarded every frame C decoded without decoding one itself. */
  cascade_viewer_get_stats (a->viewer, &stats);
  g_assert_cmpuint (stats.frames, ==, 0);
  g_assert_cmpint (stats.state, ==, CASCADE_PEER_STATE_CONNECTED);
  cascade_relay_get_stats (a->relay, &relay_stats);
  g_assert_cmpuint (relay_stats.children, ==, 1);
  g_assert_cmpuint (relay_stats.bytes_sent, >, 0);
  g_assert_cmpuint (cascade_relay_get_n_children (a->relay), ==, 1);
  g_assert_true (cascade_relay_has_child (a->relay, "relay-b"));

  /* B plays its own copy beside forwarding it. */
  cascade_viewer_get_stats (b->viewer, &stats);
  g_assert_cmpuint (stats.frames, >=, 30);
  cascade_relay_get_stats (b->relay, &relay_stats);
  g_assert_cmpuint (relay_stats.bytes_sent, >, 0);

  cascade_viewer_get_health (c->viewer, &health);
  g_assert_true (health.receiving);
  g_assert_cmpuint (health.bytes_received, >, 0);
}

static guint64
keyframes_forced (Fixture *f)
{
  CascadePublisherStats stats;

  cascade_publisher_get_stats (f->publisher, &stats);
  return stats.keyframes_forced;
}

static guint64
keyframes_up (Node *node)
{
  CascadeRelayStats stats;

  cascade_relay_get_stats (node->relay, &stats);
  return stats.keyframes_up;
}

typedef struct
{
  Node *a, *b;
  guint64 a_up, b_up, forced;
} KeyframeWait;

static gboolean
keyframe_reached_root (Fixture *f, gpointer data)
{
  KeyframeWait *wait = data;

  return keyframes_up (wait->b) > wait->b_up && keyframes_up (wait->a) > wait->a_up &&
         keyframes_forced (f) > wait->forced;
}

/* A viewer joining at depth 3 needs a key frame: its request travels
 * through both relays (coalesced there) to the publisher, which forces one. */
static void
test_keyframe_reaches_root (Fixture *f, gconstpointer data)
{
  Node *a, *b, *c;
  KeyframeWait wait;

  build_chain (f, &a, &b, &c);
  cascade_relay_remove_child (b->relay, "viewer-c");
  cascade_viewer_close (c->viewer);
  c->stamped = 0;

  wait = (KeyframeWait){ a, b, keyframes_up (a), keyframes_up (b), keyframes_forced (f) };
  join (f, c, b);
  run_until (f, keyframe_reached_root, &wait);
  wait_stamped (f, c, 10);
}

static gboolean
relays_n_children (Fixture *f, gpointer data)
{
  Node *node = data;

  return cascade_relay_get_n_children (node->relay) == 0;
}

/* B is re-placed under the publisher: its child C stays connected to it and
 * keeps receiving, through B's new upstream connection. */
static void
test_replaced_parent_keeps_children (Fixture *f, gconstpointer data)
{
  Node *a, *b, *c;
  CascadeViewerStats before, after;
  guint64 stamped;

  build_chain (f, &a, &b, &c);
  cascade_viewer_get_stats (c->viewer, &before);

  cascade_relay_remove_child (a->relay, "relay-b");
  run_until (f, relays_n_children, a);
  join (f, b, NULL);
  stamped = c->stamped;
  wait_stamped (f, c, stamped + 30);

  cascade_viewer_get_stats (c->viewer, &after);
  g_assert_cmpuint (after.connections, ==, before.connections);
  cascade_viewer_get_stats (b->viewer, &after);
  g_assert_cmpuint (after.connections, ==, 2);
}

/* Link emulation: packets held 60 ms before webrtcbin and 2% dropped still
 * play (NACK repairs the losses), never earlier than the hold allows. */
static void
test_impaired_link (Fixture *f, gconstpointer data)
{
  Node *a = add_node (f, "relay-a", TRUE, TRUE);
  Node *b = add_node (f, "viewer-b", FALSE, TRUE);
  CascadeViewerStats stats;

  g_object_set (b->viewer, "impair-delay-ms", 60, "impair-loss", 2.0, NULL);
  join (f, a, NULL);
  join (f, b, a);
  wait_stamped (f, b, 60);
  g_test_message ("latency behind a 60 ms hold: %.1f ms", b->last_latency_us / 1000.0);
  g_assert_cmpint (b->last_latency_us, >=, 60 * 1000);
  cascade_viewer_get_stats (b->viewer, &stats);
  g_assert_cmpuint (stats.frames, >=, 60);
}

/* The TURN REST scheme coturn's use-auth-secret checks: "expiry:user" and
 * base64 (HMAC-SHA1 (secret, username)), the server's ice_servers shape. */
static JsonArray *
turn_ice_servers (CascadeTurn *turn, const char *secret)
{
  g_autofree char *username =
    g_strdup_printf ("%" G_GINT64_FORMAT ":viewer", g_get_real_time () / G_USEC_PER_SEC + 3600);
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  guint8 digest[20];
  gsize length = sizeof digest;
  g_autofree char *credential = NULL;
  JsonArray *servers = json_array_new ();
  JsonObject *server = json_object_new ();
  JsonArray *urls = json_array_new ();

  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &length);
  credential = g_base64_encode (digest, length);
  json_array_add_string_element (urls, cascade_turn_get_url (turn));
  json_object_set_array_member (server, "urls", urls);
  json_object_set_string_member (server, "username", username);
  json_object_set_string_member (server, "credential", credential);
  json_array_add_object_element (servers, server);
  return servers;
}

static void
collect_relay_candidates (CascadeRelay *relay, const char *peer_id, JsonObject *signal, Node *node)
{
  const char *candidate;

  if (!json_object_has_member (signal, "ice"))
    return;
  candidate =
    json_object_get_string_member (json_object_get_object_member (signal, "ice"), "candidate");
  if (*candidate != '\0')
    g_ptr_array_add (node->relay_candidates, g_strdup (candidate));
}

static void
assert_only_relay_candidates (Node *node)
{
  guint gathered = 0;

  for (guint i = 0; i < node->candidates->len; i++)
    {
      const char *candidate = g_ptr_array_index (node->candidates, i);

      if (*candidate == '\0')
        continue;
      g_test_message ("%s: %s", node->peer_id, candidate);
      g_assert_nonnull (strstr (candidate, " typ relay"));
      gathered++;
    }
  g_assert_cmpuint (gathered, >, 0);
}

/* Privacy mode: a relay and its child talk only through TURN (coturn on
 * loopback): every candidate either of them offers is a relay candidate, and
 * the picture still arrives. */
static void
test_privacy_turn_only (Fixture *f, gconstpointer data)
{
  const char *secret = "relay-test-secret";
  g_autofree char *reason = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeTurn) turn = NULL;
  g_autoptr (JsonArray) servers = NULL;
  Node *a, *b;

  if (!cascade_turn_check (&reason))
    {
      g_test_skip (reason);
      return;
    }
  turn = cascade_turn_new ("127.0.0.1", secret, &error);
  g_assert_no_error (error);
  servers = turn_ice_servers (turn, secret);

  a = add_node (f, "relay-a", TRUE, FALSE);
  b = add_node (f, "viewer-b", FALSE, TRUE);
  g_object_set (a->viewer, "privacy", TRUE, NULL);
  g_object_set (a->relay, "privacy", TRUE, NULL);
  g_object_set (b->viewer, "privacy", TRUE, NULL);
  cascade_viewer_set_ice_servers (a->viewer, servers);
  cascade_relay_set_ice_servers (a->relay, servers);
  cascade_viewer_set_ice_servers (b->viewer, servers);
  g_signal_connect (a->relay, "signal", G_CALLBACK (collect_relay_candidates), a);
  join (f, a, NULL);
  join (f, b, a);
  wait_stamped (f, b, 30);

  assert_only_relay_candidates (a);
  assert_only_relay_candidates (b);
  g_assert_cmpuint (a->relay_candidates->len, >, 0);
  for (guint i = 0; i < a->relay_candidates->len; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (a->relay_candidates, i), " typ relay"));

  /* Leaves first, while coturn still runs: each agent gives its TURN
   * allocations back, and libnice's "alive TURN refreshes" warning (fatal
   * here) never comes. */
  while (f->nodes->len > 0)
    g_ptr_array_remove_index (f->nodes, f->nodes->len - 1);
  cascade_p2p_wait_closed ();
}

/* One relay, several children joining one after the other: each gets its
 * own connection and the picture. */
static void
test_several_children (Fixture *f, gconstpointer data)
{
  Node *a = add_node (f, "relay-a", TRUE, FALSE);
  Node *b = add_node (f, "viewer-b", FALSE, TRUE);
  Node *c = add_node (f, "viewer-c", FALSE, TRUE);
  Node *d = add_node (f, "viewer-d", FALSE, TRUE);

  join (f, a, NULL);
  join (f, b, a);
  wait_stamped (f, b, 10);
  join (f, c, a);
  wait_stamped (f, c, 10);
  join (f, d, a);
  wait_stamped (f, d, 10);
  g_assert_cmpuint (cascade_relay_get_n_connected (a->relay), ==, 3);
}

static void
test_hostile_child_signals (Fixture *f, gconstpointer data)
{
  Node *a = add_node (f, "relay-a", TRUE, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) offer =
    json_from_string ("{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 "
                      "0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n"
                      "m=video 9 UDP/TLS/RTP/SAVPF 96\\r\\n\"}}",
                      NULL);
  g_autoptr (JsonNode) garbage =
    json_from_string ("{\"sdp\":{\"type\":\"answer\",\"sdp\":7}}", NULL);

  join (f, a, NULL);
  /* Unknown children, offers (a relay only offers), malformed signals. */
  g_assert_false (
    cascade_relay_handle_signal (a->relay, "nobody", json_node_get_object (offer), &error));
  g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_UNKNOWN_PEER);
  g_clear_error (&error);
  g_assert_true (cascade_relay_add_child (a->relay, "child", &error));
  g_assert_no_error (error);
  g_assert_false (
    cascade_relay_handle_signal (a->relay, "child", json_node_get_object (offer), &error));
  g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL);
  g_clear_error (&error);
  g_assert_false (
    cascade_relay_handle_signal (a->relay, "child", json_node_get_object (garbage), &error));
  g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL);
  g_clear_error (&error);
  cascade_relay_remove_child (a->relay, "child");
  g_assert_cmpuint (cascade_relay_get_n_children (a->relay), ==, 0);
}

static void
test_capacity (void)
{
  /* The setting, capped by 80% of the upload over the stream's bitrate. */
  g_assert_cmpuint (cascade_relay_compute_capacity (3, 0, 4000), ==, 3);
  g_assert_cmpuint (cascade_relay_compute_capacity (3, 10000, 4000), ==, 2);
  g_assert_cmpuint (cascade_relay_compute_capacity (8, 100000, 4000), ==, 8);
  g_assert_cmpuint (cascade_relay_compute_capacity (3, 4000, 4000), ==, 0);
  g_assert_cmpuint (cascade_relay_compute_capacity (0, 100000, 4000), ==, 0);
  g_assert_cmpuint (cascade_relay_compute_capacity (40, 0, 0), ==, 16);
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/relay/capacity", test_capacity);
#define ADD(path, func)                                                                            \
  g_test_add ("/cascade/p2p/relay/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("chain", test_chain);
  ADD ("keyframe-reaches-root", test_keyframe_reaches_root);
  ADD ("replaced-parent-keeps-children", test_replaced_parent_keeps_children);
  ADD ("impaired-link", test_impaired_link);
  ADD ("several-children", test_several_children);
  ADD ("privacy-turn-only", test_privacy_turn_only);
  ADD ("hostile-child-signals", test_hostile_child_signals);
#undef ADD
  status = g_test_run ();
  /* Exiting while the engine still works in the background crashes. */
  cascade_p2p_wait_closed ();
  return status;
}
