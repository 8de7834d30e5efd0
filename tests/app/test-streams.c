/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-test.h"
#include "cascade-test-server.h"

/* The client's stream calls against a real cascaded. */

#define PASSWORD "correct horse battery"

typedef struct
{
  CascadeTestServer *server;
  CascadeClient *client;
  char *username;
} Fixture;

static void
sign_up (CascadeClient *client, char **out_username)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *username = cascade_test_unique_name ("streamer");
  g_autofree char *email = g_strdup_printf ("%s@example.com", username);

  cascade_client_register_async (client, email, username, PASSWORD, NULL, NULL,
                                 cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  tokens = cascade_client_register_finish (client, result, &error);
  g_assert_no_error (error);
  cascade_client_set_access_token (client, tokens->access_token);
  if (out_username != NULL)
    *out_username = g_steal_pointer (&username);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->server = cascade_test_server_new (NULL);
  f->client = cascade_client_new (cascade_test_server_get_url (f->server));
  sign_up (f->client, &f->username);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cascade_test_assert_finalized (g_steal_pointer (&f->client), CASCADE_TEST_TIMEOUT_MS);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_free (f->username);
}

static JsonArray *
renditions_new (void)
{
  JsonArray *renditions = json_array_new ();
  JsonObject *rendition = json_object_new ();

  json_object_set_int_member (rendition, "width", 1280);
  json_object_set_int_member (rendition, "height", 720);
  json_object_set_int_member (rendition, "fps", 30);
  json_object_set_int_member (rendition, "bitrate_kbps", 4000);
  json_object_set_string_member (rendition, "codec", "h264");
  json_array_add_object_element (renditions, rendition);
  return renditions;
}

static CascadeStream *
do_start (CascadeClient *client, const char *title, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (JsonArray) renditions = renditions_new ();

  cascade_client_start_stream_async (client, title, "Quake", renditions, NULL,
                                     cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_start_stream_finish (client, result, error);
}

static gboolean
do_end (CascadeClient *client, const char *id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_end_stream_async (client, id, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_end_stream_finish (client, result, error);
}

static CascadeStream *
do_get (CascadeClient *client, const char *id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_get_stream_async (client, id, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_get_stream_finish (client, result, error);
}

static GListStore *
do_list (CascadeClient *client, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_list_live_streams_async (client, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_list_live_streams_finish (client, result, error);
}

static gboolean
do_upload (CascadeClient *client, const char *id, GBytes *image, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_upload_thumbnail_async (client, id, image, "image/png", NULL,
                                         cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_upload_thumbnail_finish (client, result, error);
}

static GBytes *
do_thumbnail (CascadeClient *client, const char *id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_get_thumbnail_async (client, id, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_get_thumbnail_finish (client, result, error);
}

static CascadeStreamTree *
do_tree (CascadeClient *client, const char *id, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_get_stream_tree_async (client, id, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_get_stream_tree_finish (client, result, error);
}

/* The tree of one's own live stream (nobody watches yet); someone else's is
 * forbidden, an ended one not found. */
static void
test_tree (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStream) stream = do_start (f->client, "Trees", &error);
  g_autoptr (CascadeStreamTree) tree = NULL;
  g_autoptr (CascadeStreamTree) denied = NULL;
  g_autoptr (CascadeStreamTree) gone = NULL;
  g_autoptr (CascadeClient) other = cascade_client_new (cascade_test_server_get_url (f->server));

  g_assert_no_error (error);
  tree = do_tree (f->client, cascade_stream_get_id (stream), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cascade_stream_tree_get_viewers (tree), ==, 0);
  g_assert_cmpuint (cascade_stream_tree_get_relays (tree), ==, 0);
  g_assert_cmpuint (cascade_stream_tree_get_depth (tree), ==, 0);
  g_assert_cmpuint (cascade_stream_tree_get_poor_links (tree), ==, 0);

  sign_up (other, NULL);
  denied = do_tree (other, cascade_stream_get_id (stream), &error);
  g_assert_null (denied);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_FORBIDDEN);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "forbidden");
  g_clear_error (&error);

  g_assert_true (do_end (f->client, cascade_stream_get_id (stream), &error));
  gone = do_tree (f->client, cascade_stream_get_id (stream), &error);
  g_assert_null (gone);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NOT_FOUND);
  cascade_test_assert_finalized (g_steal_pointer (&other), CASCADE_TEST_TIMEOUT_MS);
}

/* A tree as the server would send it: the root is not counted; a viewer
 * losing packets, one receiving nothing, one waiting and one with a long
 * round trip to its parent are poor links. A tree of the wrong shape is a
 * protocol error. */
static void
test_tree_parsing (void)
{
  g_autoptr (JsonNode) good = json_from_string (
    "{\"stream_id\":\"s\",\"viewers\":4,\"relays\":1,\"depth\":2,\"nodes\":["
    "{\"peer_id\":\"r\",\"parent_peer_id\":null,\"waiting\":false,\"loss\":0,\"receiving\":true},"
    "{\"peer_id\":\"a\",\"parent_peer_id\":\"r\",\"loss\":0.2,\"receiving\":true},"
    "{\"peer_id\":\"b\",\"parent_peer_id\":\"a\",\"loss\":0,\"receiving\":false},"
    "{\"peer_id\":\"c\",\"parent_peer_id\":\"a\",\"loss\":0.01,\"rtt_ms\":40,\"receiving\":true},"
    "{\"peer_id\":\"e\",\"parent_peer_id\":\"r\",\"loss\":0,\"rtt_ms\":450,\"receiving\":true},"
    "{\"peer_id\":\"d\",\"parent_peer_id\":null,\"waiting\":true,\"loss\":0,\"receiving\":true}]}",
    NULL);
  const char *bad[] = {
    "{\"viewers\":-1,\"relays\":0,\"depth\":0,\"nodes\":[]}",
    "{\"viewers\":1,\"relays\":0,\"depth\":0}",
    "{\"viewers\":1,\"relays\":0,\"depth\":0,\"nodes\":[3]}",
    "{\"viewers\":1,\"relays\":0,\"depth\":0,\"nodes\":[{\"peer_id\":\"a\",\"receiving\":true,"
    "\"loss\":\"lots\"}]}",
    "{\"viewers\":1,\"relays\":0,\"depth\":0,\"nodes\":[{\"peer_id\":\"a\",\"receiving\":true,"
    "\"loss\":0,\"rtt_ms\":\"slow\"}]}",
  };
  g_autoptr (CascadeStreamTree) tree = NULL;
  g_autoptr (GError) error = NULL;

  tree = cascade_stream_tree_new_from_json (json_node_get_object (good), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cascade_stream_tree_get_viewers (tree), ==, 4);
  g_assert_cmpuint (cascade_stream_tree_get_relays (tree), ==, 1);
  g_assert_cmpuint (cascade_stream_tree_get_depth (tree), ==, 2);
  g_assert_cmpuint (cascade_stream_tree_get_poor_links (tree), ==, 4);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonNode) node = json_from_string (bad[i], NULL);
      g_autoptr (CascadeStreamTree) refused = NULL;
      g_autoptr (GError) local_error = NULL;

      refused = cascade_stream_tree_new_from_json (json_node_get_object (node), &local_error);
      g_assert_null (refused);
      g_assert_error (local_error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_PROTOCOL);
    }
}

static void
test_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStream) stream = do_start (f->client, "Rocket jumps", &error);
  g_autoptr (CascadeStream) fetched = NULL;
  g_autoptr (CascadeStream) ended = NULL;
  g_autoptr (GListStore) live = NULL;
  g_autoptr (GListStore) none = NULL;
  g_autoptr (CascadeStream) listed = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  int viewer_count = -1;
  char *channel = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (stream);
  g_assert_cmpstr (cascade_stream_get_title (stream), ==, "Rocket jumps");
  g_assert_cmpstr (cascade_stream_get_category (stream), ==, "Quake");
  g_assert_cmpstr (cascade_stream_get_channel_username (stream), ==, f->username);
  g_assert_cmpstr (cascade_stream_get_channel_display_name (stream), ==, f->username);
  g_assert_true (cascade_stream_get_live (stream));
  g_assert_cmpint (cascade_stream_get_viewer_count (stream), ==, 0);
  g_assert_null (cascade_stream_get_thumbnail_url (stream));
  g_assert_cmpint (ABS (g_date_time_difference (now, cascade_stream_get_started_at (stream))), <,
                   120 * G_TIME_SPAN_SECOND);
  g_object_get (stream, "channel-username", &channel, "viewer-count", &viewer_count, NULL);
  g_assert_cmpstr (channel, ==, f->username);
  g_assert_cmpint (viewer_count, ==, 0);
  g_free (channel);

  fetched = do_get (f->client, cascade_stream_get_id (stream), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_stream_get_id (fetched), ==, cascade_stream_get_id (stream));

  live = do_list (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (live)), ==, 1);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (live)) == CASCADE_TYPE_STREAM);
  listed = g_list_model_get_item (G_LIST_MODEL (live), 0);
  g_assert_cmpstr (cascade_stream_get_id (listed), ==, cascade_stream_get_id (stream));

  g_assert_true (do_end (f->client, cascade_stream_get_id (stream), &error));
  g_assert_no_error (error);
  ended = do_get (f->client, cascade_stream_get_id (stream), &error);
  g_assert_no_error (error);
  g_assert_false (cascade_stream_get_live (ended));
  none = do_list (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (none)), ==, 0);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStream) first = do_start (f->client, "First", &error);
  g_autoptr (CascadeStream) second = NULL;
  g_autoptr (CascadeStream) missing = NULL;
  g_autoptr (CascadeClient) other = cascade_client_new (cascade_test_server_get_url (f->server));

  g_assert_no_error (error);
  second = do_start (f->client, "Second", &error);
  g_assert_null (second);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_CONFLICT);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "already_live");
  g_clear_error (&error);

  missing = do_get (f->client, "no-such-stream", &error);
  g_assert_null (missing);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  sign_up (other, NULL);
  g_assert_false (do_end (other, cascade_stream_get_id (first), &error));
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_FORBIDDEN);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, "not_owner");
  cascade_test_assert_finalized (g_steal_pointer (&other), CASCADE_TEST_TIMEOUT_MS);
}

static void
test_thumbnail (Fixture *f, gconstpointer data)
{
  static const guint8 png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H'
  };
  g_autoptr (GBytes) image = g_bytes_new_static (png, sizeof png);
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStream) stream = do_start (f->client, "Thumbs", &error);
  g_autoptr (CascadeStream) after = NULL;
  g_autoptr (GBytes) none = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autofree char *url = NULL;

  g_assert_no_error (error);
  none = do_thumbnail (f->client, cascade_stream_get_id (stream), &error);
  g_assert_null (none);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (do_upload (f->client, cascade_stream_get_id (stream), image, &error));
  g_assert_no_error (error);
  got = do_thumbnail (f->client, cascade_stream_get_id (stream), &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (got, image));
  after = do_get (f->client, cascade_stream_get_id (stream), &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("/api/v1/streams/%s/thumbnail", cascade_stream_get_id (stream));
  g_assert_cmpstr (cascade_stream_get_thumbnail_url (after), ==, url);
}

/* Realtime updates of a stream notify once per change. */
static void
test_setters (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStream) stream = do_start (f->client, "Counts", &error);
  guint viewer_notifies = 0;
  guint live_notifies = 0;

  g_assert_no_error (error);
  cascade_test_count_notify (stream, "viewer-count", &viewer_notifies);
  cascade_test_count_notify (stream, "live", &live_notifies);
  cascade_stream_set_viewer_count (stream, 3);
  cascade_stream_set_viewer_count (stream, 3);
  g_object_set (stream, "live", FALSE, NULL);
  g_object_set (stream, "live", FALSE, NULL);
  g_assert_cmpint (cascade_stream_get_viewer_count (stream), ==, 3);
  g_assert_false (cascade_stream_get_live (stream));
  g_assert_cmpuint (viewer_notifies, ==, 1);
  g_assert_cmpuint (live_notifies, ==, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/app/streams/round-trip", test_round_trip);
  ADD ("/cascade/app/streams/errors", test_errors);
  ADD ("/cascade/app/streams/thumbnail", test_thumbnail);
  ADD ("/cascade/app/streams/setters", test_setters);
  ADD ("/cascade/app/streams/tree", test_tree);
#undef ADD
  g_test_add_func ("/cascade/app/streams/tree-parsing", test_tree_parsing);

  return g_test_run ();
}
