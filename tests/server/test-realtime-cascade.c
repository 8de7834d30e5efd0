/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "streaming/cascade-ice-servers.h"
#include "test-realtime-client.h"

/* The cascade's realtime messages (capacity, depth, re-placement, health,
 * silent parents, graceful handover), with real WebSocket clients against a
 * real cascaded. */

typedef struct
{
  CascadeTestServer *server;
  char *streamer_token;
  char *stream_id;
  TestRealtime *streamer;
  char *root;
} Fixture;

static TestRealtime *
connect_ready_to (CascadeTestServer *server, const char *token)
{
  TestRealtime *rt = test_realtime_connect (server, token);
  g_autoptr (JsonObject) hello = test_realtime_expect (rt, "hello");

  return rt;
}

static TestRealtime *
connect_ready (Fixture *f, const char *token)
{
  return connect_ready_to (f->server, token);
}

static TestRealtime *
connect_viewer (Fixture *f)
{
  g_autofree char *token = test_streaming_sign_up (f->server, NULL);

  return connect_ready (f, token);
}

static void
expect_viewers (Fixture *f, guint count, guint depth, guint relays)
{
  g_autoptr (JsonObject) viewers = test_realtime_expect (f->streamer, "stream.viewers");

  g_assert_cmpint (json_object_get_int_member (viewers, "count"), ==, count);
  g_assert_cmpint (json_object_get_int_member (viewers, "depth"), ==, depth);
  g_assert_cmpint (json_object_get_int_member (viewers, "relays"), ==, relays);
}

/* The streamer publishes, feeding at most @max_viewers directly. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) published = NULL;

  f->server = test_streaming_server_new (NULL);
  f->streamer_token = test_streaming_sign_up (f->server, NULL);
  f->stream_id = test_streaming_go_live (f->server, f->streamer_token);
  f->streamer = connect_ready (f, f->streamer_token);
  test_realtime_send_printf (
    f->streamer, "{\"type\":\"stream.publish\",\"stream_id\":\"%s\",\"max_viewers\":%u}",
    f->stream_id, GPOINTER_TO_UINT (data));
  published = test_realtime_expect (f->streamer, "stream.published");
  f->root = g_strdup (json_object_get_string_member (published, "peer_id"));
  expect_viewers (f, 0, 0, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->streamer, test_realtime_free);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_free (f->streamer_token);
  g_free (f->stream_id);
  g_free (f->root);
}

/* @viewer joins with @capacity (-1: none given) and is placed under
 * @parent_rt (peer @parent) at @depth: returns its peer id. */
static char *
join_under (Fixture *f,
            TestRealtime *viewer,
            gint capacity,
            TestRealtime *parent_rt,
            const char *parent,
            guint depth)
{
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autofree char *extra =
    capacity >= 0 ? g_strdup_printf (",\"capacity\":%d", capacity) : g_strdup ("");

  test_realtime_send_printf (viewer, "{\"type\":\"stream.join\",\"stream_id\":\"%s\"%s}",
                             f->stream_id, extra);
  placed = test_realtime_expect (viewer, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (placed, "parent_peer_id"), ==, parent);
  g_assert_cmpint (json_object_get_int_member (placed, "depth"), ==, depth);
  added = test_realtime_expect (parent_rt, "stream.child_added");
  g_assert_cmpstr (json_object_get_string_member (added, "peer_id"), ==,
                   json_object_get_string_member (placed, "peer_id"));
  return g_strdup (json_object_get_string_member (placed, "peer_id"));
}

/* Relays go where the slots are shallowest, leaves under relays once the
 * root has one slot left, and the next viewer waits when every slot is
 * taken; signals pass between a relay and its child. A relay that dies:
 * its child goes under the root's freed slot, the other waits. */
static void
test_placement (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) relay = connect_viewer (f);
  g_autoptr (TestRealtime) leaf1 = connect_viewer (f);
  g_autoptr (TestRealtime) leaf2 = connect_viewer (f);
  g_autoptr (TestRealtime) leaf3 = connect_viewer (f);
  g_autoptr (JsonObject) waiting = NULL;
  g_autoptr (JsonObject) relayed = NULL;
  g_autoptr (JsonObject) removed = NULL;
  g_autoptr (JsonObject) replaced = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autoptr (JsonObject) left = NULL;
  g_autofree char *r = NULL;
  g_autofree char *l1 = NULL;
  g_autofree char *l2 = NULL;

  r = join_under (f, relay, 2, f->streamer, f->root, 1);
  expect_viewers (f, 1, 1, 0);
  l1 = join_under (f, leaf1, -1, relay, r, 2);
  expect_viewers (f, 2, 2, 1);
  l2 = join_under (f, leaf2, 0, relay, r, 2);
  expect_viewers (f, 3, 2, 1);

  test_realtime_send_printf (leaf3, "{\"type\":\"stream.join\",\"stream_id\":\"%s\",\"id\":\"w\"}",
                             f->stream_id);
  waiting = test_realtime_expect (leaf3, "stream.waiting");
  g_assert_cmpstr (json_object_get_string_member (waiting, "id"), ==, "w");
  expect_viewers (f, 4, 2, 1);

  test_realtime_send_printf (leaf1,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\",\"sdp\":{"
                             "\"type\":\"answer\",\"sdp\":\"v=0\"}}",
                             f->stream_id, r);
  relayed = test_realtime_expect (relay, "signal");
  g_assert_cmpstr (json_object_get_string_member (relayed, "from"), ==, l1);

  /* The relay dies: leaf1 takes its slot at the root, leaf2 waits. */
  test_realtime_close (relay);
  removed = test_realtime_expect (f->streamer, "stream.child_removed");
  g_assert_cmpstr (json_object_get_string_member (removed, "peer_id"), ==, r);
  replaced = test_realtime_expect (leaf1, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (replaced, "peer_id"), ==, l1);
  g_assert_cmpstr (json_object_get_string_member (replaced, "parent_peer_id"), ==, f->root);
  g_assert_cmpint (json_object_get_int_member (replaced, "depth"), ==, 1);
  added = test_realtime_expect (f->streamer, "stream.child_added");
  g_assert_cmpstr (json_object_get_string_member (added, "peer_id"), ==, l1);
  left = test_realtime_expect (leaf2, "stream.parent_left");
  g_assert_cmpstr (json_object_get_string_member (left, "peer_id"), ==, r);
  expect_viewers (f, 3, 1, 0);
  test_realtime_expect_nothing (leaf3, 200);
}

/* A relay leaving with handover: its child is placed under another relay
 * first (its old parent hears nothing of it), then the leaver gets
 * stream.left. */
static void
test_handover (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) r1 = connect_viewer (f);
  g_autoptr (TestRealtime) r2 = connect_viewer (f);
  g_autoptr (TestRealtime) leaf = connect_viewer (f);
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autoptr (JsonObject) left = NULL;
  g_autoptr (JsonObject) removed = NULL;
  g_autofree char *p1 = NULL;
  g_autofree char *p2 = NULL;
  g_autofree char *l = NULL;

  p1 = join_under (f, r1, 2, f->streamer, f->root, 1);
  expect_viewers (f, 1, 1, 0);
  p2 = join_under (f, r2, 2, f->streamer, f->root, 1);
  expect_viewers (f, 2, 1, 0);
  l = join_under (f, leaf, 0, r1, p1, 2);
  expect_viewers (f, 3, 2, 1);

  test_realtime_send_printf (
    r1, "{\"type\":\"stream.leave\",\"stream_id\":\"%s\",\"handover\":true,\"id\":\"bye\"}",
    f->stream_id);
  placed = test_realtime_expect (leaf, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (placed, "parent_peer_id"), ==, p2);
  g_assert_cmpint (json_object_get_int_member (placed, "depth"), ==, 2);
  added = test_realtime_expect (r2, "stream.child_added");
  g_assert_cmpstr (json_object_get_string_member (added, "peer_id"), ==, l);
  left = test_realtime_expect (r1, "stream.left");
  g_assert_cmpstr (json_object_get_string_member (left, "id"), ==, "bye");
  removed = test_realtime_expect (f->streamer, "stream.child_removed");
  g_assert_cmpstr (json_object_get_string_member (removed, "peer_id"), ==, p1);
  expect_viewers (f, 2, 2, 1);

  test_realtime_send_printf (
    r1, "{\"type\":\"stream.leave\",\"stream_id\":\"%s\",\"handover\":true,\"id\":\"again\"}",
    f->stream_id);
  test_realtime_expect_error (r1, "not_joined", "again");
}

/* A child reports its only parent silent: the parent is dropped (it hears
 * child_removed) and the child goes under the other relay; the dropped
 * relay gets no new child, the root does once its health raises its
 * capacity. Bad values are refused with the field named. */
static void
test_health_and_silence (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) r1 = connect_viewer (f);
  g_autoptr (TestRealtime) r2 = connect_viewer (f);
  g_autoptr (TestRealtime) leaf = connect_viewer (f);
  g_autoptr (TestRealtime) late = connect_viewer (f);
  g_autoptr (JsonObject) removed = NULL;
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autoptr (JsonObject) waiting = NULL;
  g_autoptr (JsonObject) late_placed = NULL;
  g_autoptr (JsonObject) late_added = NULL;
  g_autoptr (JsonObject) error = NULL;
  g_autofree char *p1 = NULL;
  g_autofree char *p2 = NULL;
  g_autofree char *l = NULL;

  p1 = join_under (f, r1, 1, f->streamer, f->root, 1);
  expect_viewers (f, 1, 1, 0);
  p2 = join_under (f, r2, 1, f->streamer, f->root, 1);
  expect_viewers (f, 2, 1, 0);
  l = join_under (f, leaf, 0, r1, p1, 2);
  expect_viewers (f, 3, 2, 1);
  test_realtime_send_printf (r2,
                             "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"capacity\":1,"
                             "\"children\":0,\"loss\":0.01,\"rtt_ms\":12.5,\"receiving\":true}",
                             f->stream_id);

  test_realtime_send_printf (leaf, "{\"type\":\"stream.parent_silent\",\"stream_id\":\"%s\"}",
                             f->stream_id);
  removed = test_realtime_expect (r1, "stream.child_removed");
  g_assert_cmpstr (json_object_get_string_member (removed, "peer_id"), ==, l);
  placed = test_realtime_expect (leaf, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (placed, "parent_peer_id"), ==, p2);
  added = test_realtime_expect (r2, "stream.child_added");
  g_assert_cmpstr (json_object_get_string_member (added, "peer_id"), ==, l);

  /* Every slot taken (r1 dropped): the late viewer waits until the
   * streamer's health says it feeds three. */
  test_realtime_send_printf (late, "{\"type\":\"stream.join\",\"stream_id\":\"%s\"}", f->stream_id);
  waiting = test_realtime_expect (late, "stream.waiting");
  expect_viewers (f, 4, 2, 1);
  test_realtime_send_printf (f->streamer,
                             "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"capacity\":3,"
                             "\"children\":2,\"loss\":0,\"rtt_ms\":0,\"receiving\":true}",
                             f->stream_id);
  late_placed = test_realtime_expect (late, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (late_placed, "parent_peer_id"), ==, f->root);
  late_added = test_realtime_expect (f->streamer, "stream.child_added");

  test_realtime_send_printf (
    r2, "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"loss\":2,\"id\":\"h1\"}", f->stream_id);
  error = test_realtime_expect (r2, "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "invalid_value");
  g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, "loss");
  test_realtime_send_printf (
    r2, "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"capacity\":-1,\"id\":\"h2\"}",
    f->stream_id);
  test_realtime_expect_error (r2, "invalid_value", "h2");
  test_realtime_send_printf (
    r2, "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"rtt_ms\":\"x\",\"id\":\"h3\"}",
    f->stream_id);
  test_realtime_expect_error (r2, "invalid_type", "h3");
  test_realtime_send_printf (r2,
                             "{\"type\":\"stream.health\",\"stream_id\":\"%s\","
                             "\"children_rtt_ms\":{\"%s\":-1},\"id\":\"h4\"}",
                             f->stream_id, l);
  g_clear_pointer (&error, json_object_unref);
  error = test_realtime_expect (r2, "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "invalid_value");
  g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, "children_rtt_ms");
  test_realtime_send_printf (r2,
                             "{\"type\":\"stream.health\",\"stream_id\":\"%s\","
                             "\"children_rtt_ms\":{\"%s\":\"fast\"},\"id\":\"h5\"}",
                             f->stream_id, l);
  test_realtime_expect_error (r2, "invalid_value", "h5");
  test_realtime_send_printf (
    r2, "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"children_rtt_ms\":5,\"id\":\"h6\"}",
    f->stream_id);
  test_realtime_expect_error (r2, "invalid_type", "h6");
  test_realtime_send_printf (
    r2, "{\"type\":\"stream.join\",\"stream_id\":\"%s\",\"capacity\":-3,\"id\":\"j\"}",
    f->stream_id);
  test_realtime_expect_error (r2, "invalid_value", "j");
  test_realtime_send_printf (
    f->streamer, "{\"type\":\"stream.parent_silent\",\"stream_id\":\"%s\",\"id\":\"s\"}", "nope");
  test_realtime_expect_error (f->streamer, "not_joined", "s");
}

/* A relay's health lowers its capacity below its children: the leaf goes
 * (stream.parent_left: no room anywhere), the child with a subtree stays.
 * Then the relay dies: that child moves up to the root (stream.placed, depth
 * 1) and its own child, which did not move, hears its new depth
 * (stream.depth). */
static void
test_shed_and_depth (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) r1 = connect_viewer (f);
  g_autoptr (TestRealtime) a = connect_viewer (f);
  g_autoptr (TestRealtime) b = connect_viewer (f);
  g_autoptr (TestRealtime) c = connect_viewer (f);
  g_autoptr (JsonObject) removed = NULL;
  g_autoptr (JsonObject) left = NULL;
  g_autoptr (JsonObject) gone = NULL;
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autoptr (JsonObject) depth = NULL;
  g_autofree char *p1 = NULL;
  g_autofree char *pa = NULL;
  g_autofree char *pb = NULL;
  g_autofree char *pc = NULL;

  p1 = join_under (f, r1, 2, f->streamer, f->root, 1);
  expect_viewers (f, 1, 1, 0);
  pa = join_under (f, a, 1, r1, p1, 2);
  expect_viewers (f, 2, 2, 1);
  pb = join_under (f, b, 0, r1, p1, 2);
  expect_viewers (f, 3, 2, 1);
  pc = join_under (f, c, 0, a, pa, 3);
  expect_viewers (f, 4, 3, 2);

  test_realtime_send_printf (r1,
                             "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"capacity\":1,"
                             "\"children\":2,\"loss\":0,\"rtt_ms\":3,\"receiving\":true}",
                             f->stream_id);
  removed = test_realtime_expect (r1, "stream.child_removed");
  g_assert_cmpstr (json_object_get_string_member (removed, "peer_id"), ==, pb);
  left = test_realtime_expect (b, "stream.parent_left");
  g_assert_cmpstr (json_object_get_string_member (left, "peer_id"), ==, p1);
  test_realtime_expect_nothing (a, 200);

  test_realtime_close (r1);
  gone = test_realtime_expect (f->streamer, "stream.child_removed");
  g_assert_cmpstr (json_object_get_string_member (gone, "peer_id"), ==, p1);
  placed = test_realtime_expect (a, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (placed, "parent_peer_id"), ==, f->root);
  g_assert_cmpint (json_object_get_int_member (placed, "depth"), ==, 1);
  added = test_realtime_expect (f->streamer, "stream.child_added");
  g_assert_cmpstr (json_object_get_string_member (added, "peer_id"), ==, pa);
  depth = test_realtime_expect (c, "stream.depth");
  g_assert_cmpstr (json_object_get_string_member (depth, "stream_id"), ==, f->stream_id);
  g_assert_cmpstr (json_object_get_string_member (depth, "peer_id"), ==, pc);
  g_assert_cmpint (json_object_get_int_member (depth, "depth"), ==, 2);
  expect_viewers (f, 3, 2, 1);
  test_realtime_expect_nothing (b, 200);
}

/* The TURN server of [ice] in stream.published and stream.placed, with
 * credentials for the peer's own user that expire turn-ttl-seconds later. */
static void
test_turn_credentials (void)
{
  g_autoptr (TestRealtime) streamer = NULL;
  g_autoptr (TestRealtime) viewer = NULL;
  g_autoptr (JsonObject) published = NULL;
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonNode) me = NULL;
  g_autofree char *streamer_token = NULL;
  g_autofree char *viewer_token = NULL;
  g_autofree char *stream_id = NULL;
  g_autofree char *credential = NULL;
  g_auto (GStrv) parts = NULL;
  CascadeTestServer *server = test_streaming_server_new (
    "[ice]\nstun-urls=stun:127.0.0.1:3478\nturn-urls=turn:127.0.0.1:3478?transport=udp\n"
    "turn-secret=north-wind\nturn-ttl-seconds=600\n");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  JsonArray *servers;
  JsonObject *turn;
  gint64 expiry;

  streamer_token = test_streaming_sign_up (server, NULL);
  viewer_token = test_streaming_sign_up (server, NULL);
  stream_id = test_streaming_go_live (server, streamer_token);
  streamer = connect_ready_to (server, streamer_token);
  viewer = connect_ready_to (server, viewer_token);

  test_realtime_send_printf (streamer, "{\"type\":\"stream.publish\",\"stream_id\":\"%s\"}",
                             stream_id);
  published = test_realtime_expect (streamer, "stream.published");
  servers = json_object_get_array_member (published, "ice_servers");
  g_assert_cmpuint (json_array_get_length (servers), ==, 2);
  test_realtime_send_printf (viewer, "{\"type\":\"stream.join\",\"stream_id\":\"%s\"}", stream_id);
  placed = test_realtime_expect (viewer, "stream.placed");
  servers = json_object_get_array_member (placed, "ice_servers");
  g_assert_cmpuint (json_array_get_length (servers), ==, 2);
  g_assert_cmpstr (
    json_array_get_string_element (
      json_object_get_array_member (json_array_get_object_element (servers, 0), "urls"), 0),
    ==, "stun:127.0.0.1:3478");
  turn = json_array_get_object_element (servers, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (turn, "urls"), 0),
                   ==, "turn:127.0.0.1:3478?transport=udp");

  g_assert_cmpuint (
    cascade_test_server_request (server, "GET", "/api/v1/me", viewer_token, NULL, &me), ==,
    SOUP_STATUS_OK);
  parts = g_strsplit (json_object_get_string_member (turn, "username"), ":", 2);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_assert_cmpstr (parts[1], ==, test_string (me, "id"));
  expiry = g_ascii_strtoll (parts[0], NULL, 10);
  g_assert_cmpint (expiry, >=, now + 600);
  g_assert_cmpint (expiry, <=, g_get_real_time () / G_USEC_PER_SEC + 600);
  credential = cascade_ice_servers_turn_credential (
    "north-wind", json_object_get_string_member (turn, "username"));
  g_assert_cmpstr (json_object_get_string_member (turn, "credential"), ==, credential);

  g_clear_pointer (&streamer, test_realtime_free);
  g_clear_pointer (&viewer, test_realtime_free);
  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  cascade_test_server_free (server);
}

static JsonObject *
find_node (JsonArray *nodes, const char *peer_id)
{
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonObject *node = json_array_get_object_element (nodes, i);

      if (g_strcmp0 (json_object_get_string_member (node, "peer_id"), peer_id) == 0)
        return node;
    }
  g_error ("no node %s in the tree", peer_id);
}

/* `cascaded --create-admin`, beside the running server. */
static void
make_admin (CascadeTestServer *server, const char *email)
{
  const char *argv[] = {
    g_getenv ("CASCADED"), "--data-dir", cascade_test_server_get_data_dir (server),
    "--create-admin",      email,        NULL
  };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* GET /api/v1/streams/{id}/tree: the streamer and admins see every node with
 * its parent, depth, capacity, children and health; others get 403. */
static void
test_tree_endpoint (void)
{
  g_autoptr (JsonNode) streamer_auth = NULL;
  g_autoptr (JsonNode) admin_auth = NULL;
  g_autoptr (JsonNode) tree = NULL;
  g_autoptr (JsonNode) admin_tree = NULL;
  g_autoptr (JsonNode) denied = NULL;
  g_autoptr (JsonNode) missing = NULL;
  g_autoptr (JsonNode) anonymous = NULL;
  g_autoptr (TestRealtime) relay_rt = NULL;
  g_autoptr (TestRealtime) leaf_rt = NULL;
  g_autofree char *relay_name = NULL;
  g_autofree char *relay_token = NULL;
  g_autofree char *leaf_token = NULL;
  g_autofree char *path = NULL;
  g_autofree char *relay = NULL;
  g_autofree char *leaf = NULL;
  Fixture f = { 0 };
  guint status;
  JsonObject *object;
  JsonObject *node;
  JsonArray *nodes;

  f.server = test_streaming_server_new (NULL);
  streamer_auth = test_register (f.server, "star@example.com", "star", TEST_PASSWORD);
  admin_auth = test_register (f.server, "boss@example.com", "boss", TEST_PASSWORD);
  make_admin (f.server, "boss@example.com");
  f.streamer_token = g_strdup (test_string (streamer_auth, "access_token"));
  f.stream_id = test_streaming_go_live (f.server, f.streamer_token);
  f.streamer = connect_ready (&f, f.streamer_token);
  test_realtime_send_printf (f.streamer,
                             "{\"type\":\"stream.publish\",\"stream_id\":\"%s\",\"max_viewers\":1}",
                             f.stream_id);
  {
    g_autoptr (JsonObject) published = test_realtime_expect (f.streamer, "stream.published");

    f.root = g_strdup (json_object_get_string_member (published, "peer_id"));
  }
  expect_viewers (&f, 0, 0, 0);
  relay_token = test_streaming_sign_up (f.server, &relay_name);
  leaf_token = test_streaming_sign_up (f.server, NULL);
  relay_rt = connect_ready (&f, relay_token);
  leaf_rt = connect_ready (&f, leaf_token);
  relay = join_under (&f, relay_rt, 2, f.streamer, f.root, 1);
  expect_viewers (&f, 1, 1, 0);
  leaf = join_under (&f, leaf_rt, 0, relay_rt, relay, 2);
  expect_viewers (&f, 2, 2, 1);
  test_realtime_send_printf (relay_rt,
                             "{\"type\":\"stream.health\",\"stream_id\":\"%s\",\"capacity\":2,"
                             "\"children\":1,\"loss\":0.25,\"rtt_ms\":42,\"receiving\":false,"
                             "\"children_rtt_ms\":{\"%s\":0.4,\"%s\":7},\"id\":\"h\"}",
                             f.stream_id, leaf, f.root);
  /* A ping after it: once its pong is back, the report has been handled. */
  test_realtime_send (relay_rt, "{\"type\":\"ping\",\"id\":\"after\"}");
  {
    g_autoptr (JsonObject) pong = test_realtime_expect (relay_rt, "pong");
  }

  path = g_strdup_printf ("/api/v1/streams/%s/tree", f.stream_id);
  g_assert_cmpuint (
    cascade_test_server_request (f.server, "GET", path, f.streamer_token, NULL, &tree), ==,
    SOUP_STATUS_OK);
  object = test_object (tree);
  g_assert_cmpstr (json_object_get_string_member (object, "stream_id"), ==, f.stream_id);
  g_assert_cmpint (json_object_get_int_member (object, "viewers"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (object, "relays"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (object, "depth"), ==, 2);
  nodes = json_object_get_array_member (object, "nodes");
  g_assert_cmpuint (json_array_get_length (nodes), ==, 3);
  node = find_node (nodes, f.root);
  g_assert_cmpstr (json_object_get_string_member (node, "username"), ==, "star");
  g_assert_true (json_object_get_null_member (node, "parent_peer_id"));
  g_assert_cmpint (json_object_get_int_member (node, "depth"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (node, "capacity"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (node, "children"), ==, 1);
  node = find_node (nodes, relay);
  g_assert_cmpstr (json_object_get_string_member (node, "username"), ==, relay_name);
  g_assert_cmpstr (json_object_get_string_member (node, "parent_peer_id"), ==, f.root);
  g_assert_cmpint (json_object_get_int_member (node, "depth"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (node, "capacity"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (node, "children"), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (node, "loss"), ==, 0.25);
  g_assert_cmpint (json_object_get_int_member (node, "rtt_ms"), ==, 42);
  g_assert_false (json_object_get_boolean_member (node, "receiving"));
  g_assert_cmpint (json_object_get_int_member (node, "uptime_s"), >=, 0);
  node = find_node (nodes, leaf);
  g_assert_cmpstr (json_object_get_string_member (node, "parent_peer_id"), ==, relay);
  g_assert_cmpint (json_object_get_int_member (node, "depth"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (node, "capacity"), ==, 0);
  g_assert_true (json_object_get_boolean_member (node, "receiving"));
  /* Its parent's report gave its round trip, rounded up to whole ms; the
   * root is not the relay's child, so the relay's report left it alone. */
  g_assert_cmpint (json_object_get_int_member (node, "rtt_ms"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (find_node (nodes, f.root), "rtt_ms"), ==, 0);

  g_assert_cmpuint (cascade_test_server_request (f.server, "GET", path,
                                                 test_string (admin_auth, "access_token"), NULL,
                                                 &admin_tree),
                    ==, SOUP_STATUS_OK);
  status = cascade_test_server_request (f.server, "GET", path, relay_token, NULL, &denied);
  test_assert_error (status, denied, SOUP_STATUS_FORBIDDEN, "forbidden", NULL);
  g_assert_cmpuint (cascade_test_server_request (f.server, "GET", path, NULL, NULL, &anonymous), ==,
                    SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpuint (cascade_test_server_request (f.server, "GET", "/api/v1/streams/nope/tree",
                                                 f.streamer_token, NULL, &missing),
                    ==, SOUP_STATUS_NOT_FOUND);

  g_clear_pointer (&relay_rt, test_realtime_free);
  g_clear_pointer (&leaf_rt, test_realtime_free);
  fixture_tear_down (&f, NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, max_viewers, func)                                                               \
  g_test_add (path, Fixture, GUINT_TO_POINTER (max_viewers), fixture_set_up, func,                 \
              fixture_tear_down)
  ADD ("/cascade/server/realtime/cascade/placement", 1, test_placement);
  ADD ("/cascade/server/realtime/cascade/handover", 2, test_handover);
  ADD ("/cascade/server/realtime/cascade/health-and-silence", 2, test_health_and_silence);
  ADD ("/cascade/server/realtime/cascade/shed-and-depth", 1, test_shed_and_depth);
#undef ADD
  g_test_add_func ("/cascade/server/realtime/cascade/turn-credentials", test_turn_credentials);
  g_test_add_func ("/cascade/server/realtime/cascade/tree-endpoint", test_tree_endpoint);

  return g_test_run ();
}
