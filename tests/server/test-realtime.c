/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <sqlite3.h>

#include "test-realtime-client.h"

/* The realtime WebSocket and the streaming messages over it, with real
 * WebSocket clients against a real cascaded. */

typedef struct
{
  CascadeTestServer *server;
  char *streamer_token;
  char *streamer_name;
  char *viewer_token;
  char *viewer_name;
  char *stream_id;
} Fixture;

static void
set_up_with (Fixture *f, const char *config)
{
  f->server = test_streaming_server_new (config);
  f->streamer_token = test_streaming_sign_up (f->server, &f->streamer_name);
  f->viewer_token = test_streaming_sign_up (f->server, &f->viewer_name);
  f->stream_id = test_streaming_go_live (f->server, f->streamer_token);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  set_up_with (f, data);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_free (f->streamer_token);
  g_free (f->streamer_name);
  g_free (f->viewer_token);
  g_free (f->viewer_name);
  g_free (f->stream_id);
}

/* Connects and takes the hello. */
static TestRealtime *
connect_ready (Fixture *f, const char *token)
{
  TestRealtime *rt = test_realtime_connect (f->server, token);
  g_autoptr (JsonObject) hello = test_realtime_expect (rt, "hello");

  return rt;
}

static void
assert_alive (TestRealtime *rt)
{
  g_autoptr (JsonObject) pong = NULL;

  test_realtime_send (rt, "{\"type\":\"ping\",\"id\":\"alive\"}");
  pong = test_realtime_expect (rt, "pong");
  g_assert_cmpstr (json_object_get_string_member (pong, "id"), ==, "alive");
}

/* The streamer publishes: returns its peer id. */
static char *
publish (Fixture *f, TestRealtime *streamer)
{
  g_autoptr (JsonObject) published = NULL;
  g_autoptr (JsonObject) viewers = NULL;

  test_realtime_send_printf (
    streamer, "{\"type\":\"stream.publish\",\"stream_id\":\"%s\",\"id\":\"p1\"}", f->stream_id);
  published = test_realtime_expect (streamer, "stream.published");
  g_assert_cmpstr (json_object_get_string_member (published, "stream_id"), ==, f->stream_id);
  g_assert_cmpstr (json_object_get_string_member (published, "id"), ==, "p1");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (published, "ice_servers")));
  viewers = test_realtime_expect (streamer, "stream.viewers");
  g_assert_cmpint (json_object_get_int_member (viewers, "count"), ==, 0);
  return g_strdup (json_object_get_string_member (published, "peer_id"));
}

/* A viewer joins a published stream: returns its peer id, checking the
 * stream.placed it gets and the child_added and count the streamer gets. */
static char *
join (Fixture *f, TestRealtime *viewer, TestRealtime *streamer, const char *root, guint count)
{
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autoptr (JsonObject) viewers = NULL;

  test_realtime_send_printf (
    viewer, "{\"type\":\"stream.join\",\"stream_id\":\"%s\",\"id\":\"j1\"}", f->stream_id);
  placed = test_realtime_expect (viewer, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (placed, "id"), ==, "j1");
  g_assert_cmpstr (json_object_get_string_member (placed, "stream_id"), ==, f->stream_id);
  g_assert_cmpstr (json_object_get_string_member (placed, "parent_peer_id"), ==, root);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (placed, "ice_servers")));

  added = test_realtime_expect (streamer, "stream.child_added");
  g_assert_cmpstr (json_object_get_string_member (added, "stream_id"), ==, f->stream_id);
  g_assert_cmpstr (json_object_get_string_member (added, "peer_id"), ==,
                   json_object_get_string_member (placed, "peer_id"));
  viewers = test_realtime_expect (streamer, "stream.viewers");
  g_assert_cmpint (json_object_get_int_member (viewers, "count"), ==, count);
  return g_strdup (json_object_get_string_member (placed, "peer_id"));
}

static void
test_auth (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) plain = NULL;
  g_autoptr (TestRealtime) rt = NULL;
  guint status;

  g_assert_cmpuint (test_realtime_connect_refused (f->server, NULL, NULL), ==,
                    SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpuint (test_realtime_connect_refused (f->server, "Bearer not.a.token", NULL), ==,
                    SOUP_STATUS_UNAUTHORIZED);
  g_assert_cmpuint (test_realtime_connect_refused (f->server, NULL, "access_token=garbage"), ==,
                    SOUP_STATUS_UNAUTHORIZED);
  /* A plain GET is not a WebSocket. */
  status = cascade_test_server_request (f->server, "GET", "/api/v1/realtime", f->viewer_token, NULL,
                                        &plain);
  test_assert_error (status, plain, SOUP_STATUS_BAD_REQUEST, "websocket_required", NULL);
  rt = connect_ready (f, f->viewer_token);
  assert_alive (rt);
}

/* ?access_token= is accepted for clients that cannot set headers. */
static void
test_query_token (Fixture *f, gconstpointer data)
{
  g_autofree char *query = g_strdup_printf ("access_token=%s", f->viewer_token);
  g_autoptr (TestRealtime) rt = NULL;
  g_autoptr (JsonObject) hello = NULL;
  guint status = 0;

  rt = test_realtime_connect_full (f->server, NULL, query, &status);
  g_assert_nonnull (rt);
  g_assert_cmpuint (status, ==, SOUP_STATUS_SWITCHING_PROTOCOLS);
  hello = test_realtime_expect (rt, "hello");
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (hello, "user"), "username"), ==,
    f->viewer_name);
}

static void
test_hello_and_ping (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) rt = test_realtime_connect (f->server, f->viewer_token);
  g_autoptr (JsonObject) hello = test_realtime_expect (rt, "hello");
  g_autoptr (JsonObject) pong = NULL;
  g_autoptr (JsonObject) bare = NULL;
  JsonObject *user = json_object_get_object_member (hello, "user");

  g_assert_cmpuint (strlen (json_object_get_string_member (hello, "connection_id")), >, 0);
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, f->viewer_name);
  g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, f->viewer_name);

  test_realtime_send (rt, "{\"type\":\"ping\",\"id\":\"42\"}");
  pong = test_realtime_expect (rt, "pong");
  g_assert_cmpstr (json_object_get_string_member (pong, "id"), ==, "42");
  test_realtime_send (rt, "{\"type\":\"ping\"}");
  bare = test_realtime_expect (rt, "pong");
  g_assert_false (json_object_has_member (bare, "id"));
}

static void
test_publish_owner_only (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autoptr (TestRealtime) streamer = connect_ready (f, f->streamer_token);
  g_autofree char *root = NULL;

  test_realtime_send_printf (
    viewer, "{\"type\":\"stream.publish\",\"stream_id\":\"%s\",\"id\":\"x\"}", f->stream_id);
  test_realtime_expect_error (viewer, "not_owner", "x");
  test_realtime_send (streamer,
                      "{\"type\":\"stream.publish\",\"stream_id\":\"nope\",\"id\":\"y\"}");
  test_realtime_expect_error (streamer, "not_found", "y");
  test_realtime_send (streamer, "{\"type\":\"stream.publish\",\"id\":\"z\"}");
  test_realtime_expect_error (streamer, "missing_field", "z");
  root = publish (f, streamer);
  g_assert_cmpuint (strlen (root), >, 0);
}

static void
test_join_and_signal (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) streamer = connect_ready (f, f->streamer_token);
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autofree char *root = publish (f, streamer);
  g_autofree char *child = join (f, viewer, streamer, root, 1);
  g_autoptr (JsonObject) offer = NULL;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonObject) ice = NULL;
  JsonObject *sdp;

  /* The parent offers, the child answers, both trickle ICE. */
  test_realtime_send_printf (streamer,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\","
                             "\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0 offer\"}}",
                             f->stream_id, child);
  offer = test_realtime_expect (viewer, "signal");
  g_assert_cmpstr (json_object_get_string_member (offer, "from"), ==, root);
  g_assert_false (json_object_has_member (offer, "to"));
  g_assert_cmpstr (json_object_get_string_member (offer, "stream_id"), ==, f->stream_id);
  sdp = json_object_get_object_member (offer, "sdp");
  g_assert_cmpstr (json_object_get_string_member (sdp, "type"), ==, "offer");
  g_assert_cmpstr (json_object_get_string_member (sdp, "sdp"), ==, "v=0 offer");

  test_realtime_send_printf (viewer,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\","
                             "\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0 answer\"}}",
                             f->stream_id, root);
  answer = test_realtime_expect (streamer, "signal");
  g_assert_cmpstr (json_object_get_string_member (answer, "from"), ==, child);
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (answer, "sdp"), "type"), ==,
    "answer");

  test_realtime_send_printf (viewer,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\","
                             "\"ice\":{\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 5000 typ "
                             "host\",\"sdp_mline_index\":0}}",
                             f->stream_id, root);
  ice = test_realtime_expect (streamer, "signal");
  g_assert_cmpstr (json_object_get_string_member (ice, "from"), ==, child);
  g_assert_cmpint (
    json_object_get_int_member (json_object_get_object_member (ice, "ice"), "sdp_mline_index"), ==,
    0);

  /* A second join from the same connection is refused. */
  test_realtime_send_printf (
    viewer, "{\"type\":\"stream.join\",\"stream_id\":\"%s\",\"id\":\"again\"}", f->stream_id);
  test_realtime_expect_error (viewer, "already_joined", "again");
  /* A signal must carry sdp or ice, and a real sdp type. */
  test_realtime_send_printf (
    viewer, "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\",\"id\":\"s\"}", f->stream_id,
    root);
  test_realtime_expect_error (viewer, "missing_field", "s");
  test_realtime_send_printf (viewer,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\",\"id\":"
                             "\"t\",\"sdp\":{\"type\":\"pranswer\",\"sdp\":\"x\"}}",
                             f->stream_id, root);
  test_realtime_expect_error (viewer, "invalid_type", "t");
  test_realtime_expect_nothing (streamer, 200);
}

/* Two viewers of one stream were not paired with each other. */
static void
test_not_paired (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) streamer = connect_ready (f, f->streamer_token);
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autofree char *third_token = test_streaming_sign_up (f->server, NULL);
  g_autoptr (TestRealtime) third = connect_ready (f, third_token);
  g_autoptr (TestRealtime) outsider = connect_ready (f, third_token);
  g_autofree char *root = publish (f, streamer);
  g_autofree char *a = join (f, viewer, streamer, root, 1);
  g_autofree char *b = join (f, third, streamer, root, 2);

  test_realtime_send_printf (viewer,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\",\"id\":"
                             "\"n1\",\"sdp\":{\"type\":\"offer\",\"sdp\":\"x\"}}",
                             f->stream_id, b);
  test_realtime_expect_error (viewer, "not_paired", "n1");
  /* Nor may a connection that is not in the stream signal anyone in it. */
  test_realtime_send_printf (outsider,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"%s\",\"id\":"
                             "\"n2\",\"ice\":{\"candidate\":\"x\"}}",
                             f->stream_id, root);
  test_realtime_expect_error (outsider, "not_paired", "n2");
  test_realtime_send_printf (viewer,
                             "{\"type\":\"signal\",\"stream_id\":\"%s\",\"to\":\"nobody\",\"id\":"
                             "\"n3\",\"ice\":{\"candidate\":\"x\"}}",
                             f->stream_id);
  test_realtime_expect_error (viewer, "not_paired", "n3");
  test_realtime_expect_nothing (third, 200);
  test_realtime_expect_nothing (streamer, 10);
  assert_alive (viewer);
  assert_alive (outsider);
}

static void
test_bad_frames (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) rt = connect_ready (f, f->viewer_token);
  g_autoptr (GString) big = g_string_new ("{\"type\":\"ping\",\"pad\":\"");
  g_autoptr (GBytes) binary = g_bytes_new_static ("\x01\x02", 2);

  while (big->len < 100 * 1024)
    g_string_append (big, "xxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");

  test_realtime_send (rt, big->str);
  test_realtime_expect_error (rt, "message_too_large", NULL);
  assert_alive (rt);
  test_realtime_send (rt, "{\"type\":");
  test_realtime_expect_error (rt, "malformed_json", NULL);
  test_realtime_send (rt, "[1,2]");
  test_realtime_expect_error (rt, "malformed_json", NULL);
  test_realtime_send (rt, "{\"id\":\"a\"}");
  test_realtime_expect_error (rt, "missing_type", NULL);
  test_realtime_send (rt, "{\"type\":\"no.such.thing\",\"id\":\"u\"}");
  test_realtime_expect_error (rt, "unknown_type", "u");
  test_realtime_send (rt, "{\"type\":\"stream.join\",\"stream_id\":5,\"id\":\"v\"}");
  test_realtime_expect_error (rt, "invalid_type", "v");
  test_realtime_send_bytes (rt, binary, TRUE);
  test_realtime_expect_error (rt, "invalid_message", NULL);
  assert_alive (rt);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) rt = connect_ready (f, f->viewer_token);
  guint pongs = 0;
  guint limited = 0;
  JsonObject *message;

  for (guint i = 0; i < 200; i++)
    test_realtime_send (rt, "{\"type\":\"ping\"}");
  while ((message = test_realtime_next (rt, 500)) != NULL)
    {
      const char *type = json_object_get_string_member (message, "type");

      if (g_strcmp0 (type, "pong") == 0)
        pongs++;
      else if (g_strcmp0 (type, "error") == 0 &&
               g_strcmp0 (json_object_get_string_member (message, "code"), "rate_limited") == 0)
        limited++;
      json_object_unref (message);
    }
  /* About a burst of 50 went through (plus what refilled meanwhile), the
   * rest was dropped with one error a second at most. */
  g_assert_cmpuint (pongs, >=, 50);
  g_assert_cmpuint (pongs, <, 150);
  g_assert_cmpuint (limited, >=, 1);
  g_assert_cmpuint (limited, <=, 2);
  test_wait_ms (1100);
  assert_alive (rt);
}

static void
test_leave (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) streamer = connect_ready (f, f->streamer_token);
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autofree char *third_token = test_streaming_sign_up (f->server, NULL);
  g_autoptr (TestRealtime) third = connect_ready (f, third_token);
  g_autofree char *root = publish (f, streamer);
  g_autofree char *a = join (f, viewer, streamer, root, 1);
  g_autofree char *b = join (f, third, streamer, root, 2);
  g_autoptr (JsonObject) removed = NULL;
  g_autoptr (JsonObject) count = NULL;
  g_autoptr (JsonObject) removed2 = NULL;
  g_autoptr (JsonObject) count2 = NULL;

  test_realtime_send_printf (viewer, "{\"type\":\"stream.leave\",\"stream_id\":\"%s\"}",
                             f->stream_id);
  removed = test_realtime_expect (streamer, "stream.child_removed");
  g_assert_cmpstr (json_object_get_string_member (removed, "peer_id"), ==, a);
  g_assert_cmpstr (json_object_get_string_member (removed, "stream_id"), ==, f->stream_id);
  count = test_realtime_expect (streamer, "stream.viewers");
  g_assert_cmpint (json_object_get_int_member (count, "count"), ==, 1);
  test_realtime_send_printf (
    viewer, "{\"type\":\"stream.leave\",\"stream_id\":\"%s\",\"id\":\"l\"}", f->stream_id);
  test_realtime_expect_error (viewer, "not_joined", "l");

  /* The socket closing is leaving too. */
  test_realtime_close (third);
  removed2 = test_realtime_expect (streamer, "stream.child_removed");
  g_assert_cmpstr (json_object_get_string_member (removed2, "peer_id"), ==, b);
  count2 = test_realtime_expect (streamer, "stream.viewers");
  g_assert_cmpint (json_object_get_int_member (count2, "count"), ==, 0);
}

static void
test_stream_end (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) streamer = connect_ready (f, f->streamer_token);
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autofree char *bystander_token = test_streaming_sign_up (f->server, NULL);
  g_autoptr (TestRealtime) bystander = connect_ready (f, bystander_token);
  g_autofree char *root = publish (f, streamer);
  g_autofree char *child = join (f, viewer, streamer, root, 1);
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s", f->stream_id);
  g_autoptr (JsonNode) deleted = NULL;
  g_autoptr (JsonObject) ended = NULL;
  g_autoptr (JsonObject) ended_streamer = NULL;
  g_autoptr (JsonObject) changed_viewer = NULL;
  g_autoptr (JsonObject) changed_streamer = NULL;
  g_autoptr (JsonObject) changed_bystander = NULL;
  g_autoptr (JsonNode) started = NULL;
  g_autoptr (JsonObject) changed_again = NULL;

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "DELETE", path, f->streamer_token, NULL, &deleted), ==,
    SOUP_STATUS_NO_CONTENT);
  ended = test_realtime_expect (viewer, "stream.ended");
  g_assert_cmpstr (json_object_get_string_member (ended, "stream_id"), ==, f->stream_id);
  changed_viewer = test_realtime_expect (viewer, "directory.changed");
  ended_streamer = test_realtime_expect (streamer, "stream.ended");
  changed_streamer = test_realtime_expect (streamer, "directory.changed");
  changed_bystander = test_realtime_expect (bystander, "directory.changed");
  test_realtime_expect_nothing (bystander, 100);

  /* An ended stream takes no one. */
  test_realtime_send_printf (
    bystander, "{\"type\":\"stream.join\",\"stream_id\":\"%s\",\"id\":\"late\"}", f->stream_id);
  test_realtime_expect_error (bystander, "not_found", "late");

  /* A stream starting changes the directory too. */
  g_assert_cmpuint (
    cascade_test_server_request (
      f->server, "POST", "/api/v1/streams", bystander_token,
      "{\"title\":\"New\",\"category\":\"Doom\",\"renditions\":" TEST_RENDITIONS "}", &started),
    ==, SOUP_STATUS_CREATED);
  changed_again = test_realtime_expect (viewer, "directory.changed");
}

/* A viewer that joins before the streamer publishes waits, and is placed
 * when the streamer comes. */
static void
test_wait_for_streamer (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autoptr (TestRealtime) streamer = connect_ready (f, f->streamer_token);
  g_autoptr (JsonObject) waiting = NULL;
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autoptr (JsonObject) published = NULL;
  g_autoptr (JsonObject) viewers = NULL;

  test_realtime_send_printf (viewer, "{\"type\":\"stream.join\",\"stream_id\":\"%s\",\"id\":\"w\"}",
                             f->stream_id);
  waiting = test_realtime_expect (viewer, "stream.waiting");
  g_assert_cmpstr (json_object_get_string_member (waiting, "id"), ==, "w");

  test_realtime_send_printf (streamer, "{\"type\":\"stream.publish\",\"stream_id\":\"%s\"}",
                             f->stream_id);
  published = test_realtime_expect (streamer, "stream.published");
  placed = test_realtime_expect (viewer, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (placed, "peer_id"), ==,
                   json_object_get_string_member (waiting, "peer_id"));
  g_assert_cmpstr (json_object_get_string_member (placed, "parent_peer_id"), ==,
                   json_object_get_string_member (published, "peer_id"));
  added = test_realtime_expect (streamer, "stream.child_added");
  viewers = test_realtime_expect (streamer, "stream.viewers");
  g_assert_cmpint (json_object_get_int_member (viewers, "count"), ==, 1);
}

static gboolean
stream_is_live (Fixture *f)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s", f->stream_id);
  g_autoptr (JsonNode) stream = NULL;

  g_assert_cmpuint (cascade_test_server_request (f->server, "GET", path, NULL, NULL, &stream), ==,
                    SOUP_STATUS_OK);
  return json_object_get_boolean_member (test_object (stream), "live");
}

/* The streamer's connection gone for grace-seconds (2 here) ends the stream;
 * coming back in time keeps it. */
static void
test_grace (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) streamer = connect_ready (f, f->streamer_token);
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autoptr (TestRealtime) again = NULL;
  g_autofree char *root = publish (f, streamer);
  g_autofree char *child = join (f, viewer, streamer, root, 1);
  g_autoptr (JsonObject) republished = NULL;
  g_autoptr (JsonObject) parent_left = NULL;
  g_autoptr (JsonObject) placed = NULL;
  g_autoptr (JsonObject) parent_left2 = NULL;
  g_autoptr (JsonObject) ended = NULL;
  g_autoptr (JsonObject) added = NULL;
  g_autoptr (JsonObject) count = NULL;
  gint64 gone_at;

  /* Back within the grace period: the stream goes on, the viewer is placed again. */
  test_realtime_close (streamer);
  parent_left = test_realtime_expect (viewer, "stream.parent_left");
  g_assert_cmpstr (json_object_get_string_member (parent_left, "peer_id"), ==, root);
  again = connect_ready (f, f->streamer_token);
  test_realtime_send_printf (again, "{\"type\":\"stream.publish\",\"stream_id\":\"%s\"}",
                             f->stream_id);
  republished = test_realtime_expect (again, "stream.published");
  placed = test_realtime_expect (viewer, "stream.placed");
  g_assert_cmpstr (json_object_get_string_member (placed, "peer_id"), ==, child);
  added = test_realtime_expect (again, "stream.child_added");
  count = test_realtime_expect (again, "stream.viewers");
  test_wait_ms (1500);
  g_assert_true (stream_is_live (f));

  /* Gone for good: ended after about a second. */
  test_realtime_close (again);
  gone_at = g_get_monotonic_time ();
  parent_left2 = test_realtime_expect (viewer, "stream.parent_left");
  ended = test_realtime_expect (viewer, "stream.ended");
  g_assert_cmpint (g_get_monotonic_time () - gone_at, >=, 1800 * G_TIME_SPAN_MILLISECOND);
  g_assert_false (stream_is_live (f));
}

/* A stream nobody ever publishes ends after the grace period too. */
static void
test_grace_never_published (Fixture *f, gconstpointer data)
{
  g_autoptr (TestRealtime) viewer = connect_ready (f, f->viewer_token);
  g_autoptr (JsonObject) changed = NULL;

  changed = test_realtime_expect (viewer, "directory.changed");
  g_assert_false (stream_is_live (f));
}

static guint
count_events (Fixture *f, const char *topic)
{
  g_autofree char *path =
    g_build_filename (cascade_test_server_get_data_dir (f->server), "cascade.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint count;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT count(*) FROM outbox WHERE topic = ?"
                                       " AND json_extract (payload, '$.stream_id') = ?",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, topic, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, f->stream_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

static void
test_outbox_events (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s", f->stream_id);
  g_autoptr (JsonNode) deleted = NULL;
  g_autoptr (JsonNode) again = NULL;

  g_assert_cmpuint (count_events (f, "stream.online"), ==, 1);
  g_assert_cmpuint (count_events (f, "stream.offline"), ==, 0);
  g_assert_cmpuint (
    cascade_test_server_request (f->server, "DELETE", path, f->streamer_token, NULL, &deleted), ==,
    SOUP_STATUS_NO_CONTENT);
  g_assert_cmpuint (count_events (f, "stream.offline"), ==, 1);
  /* Ending an ended stream changes nothing. */
  g_assert_cmpuint (
    cascade_test_server_request (f->server, "DELETE", path, f->streamer_token, NULL, &again), ==,
    SOUP_STATUS_NO_CONTENT);
  g_assert_cmpuint (count_events (f, "stream.offline"), ==, 1);
}

int
main (int argc, char *argv[])
{
  static const char grace[] = "[streaming]\ngrace-seconds=2\n";

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, config, func)                                                                    \
  g_test_add (path, Fixture, config, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/realtime/auth", NULL, test_auth);
  ADD ("/cascade/server/realtime/query-token", NULL, test_query_token);
  ADD ("/cascade/server/realtime/hello-and-ping", NULL, test_hello_and_ping);
  ADD ("/cascade/server/realtime/publish-owner-only", NULL, test_publish_owner_only);
  ADD ("/cascade/server/realtime/join-and-signal", NULL, test_join_and_signal);
  ADD ("/cascade/server/realtime/not-paired", NULL, test_not_paired);
  ADD ("/cascade/server/realtime/bad-frames", NULL, test_bad_frames);
  ADD ("/cascade/server/realtime/rate-limit", NULL, test_rate_limit);
  ADD ("/cascade/server/realtime/leave", NULL, test_leave);
  ADD ("/cascade/server/realtime/stream-end", NULL, test_stream_end);
  ADD ("/cascade/server/realtime/wait-for-streamer", NULL, test_wait_for_streamer);
  ADD ("/cascade/server/realtime/grace", grace, test_grace);
  ADD ("/cascade/server/realtime/grace-never-published", grace, test_grace_never_published);
  ADD ("/cascade/server/realtime/outbox-events", NULL, test_outbox_events);
#undef ADD

  return g_test_run ();
}
