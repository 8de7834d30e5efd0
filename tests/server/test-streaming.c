/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "test-realtime-client.h"

/* Channels, streams and thumbnails over HTTP, against a real cascaded. */

#define RENDITIONS                                                                                 \
  "[{\"width\":1280,\"height\":720,\"fps\":30,\"bitrate_kbps\":4000,\"codec\":\"h264\"}]"

typedef struct
{
  CascadeTestServer *server;
  char *token;
  char *username;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->server = test_streaming_server_new (NULL);
  f->token = test_streaming_sign_up (f->server, &f->username);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_free (f->token);
  g_free (f->username);
}

static guint
start_stream (Fixture *f, const char *token, const char *title, JsonNode **out)
{
  g_autofree char *body = g_strdup_printf (
    "{\"title\":\"%s\",\"category\":\"Tetris\",\"renditions\":" RENDITIONS "}", title);

  return cascade_test_server_request (f->server, "POST", "/api/v1/streams", token, body, out);
}

/* Starts a stream, asserting 201; returns its id. */
static char *
start_ok (Fixture *f, const char *token, const char *title)
{
  g_autoptr (JsonNode) stream = NULL;

  g_assert_cmpuint (start_stream (f, token, title, &stream), ==, SOUP_STATUS_CREATED);
  return g_strdup (test_string (stream, "id"));
}

static JsonNode *
get_json (Fixture *f, const char *path, guint expected_status)
{
  JsonNode *body = NULL;

  g_assert_cmpuint (cascade_test_server_request (f->server, "GET", path, NULL, NULL, &body), ==,
                    expected_status);
  return body;
}

static void
assert_stream_shape (JsonObject *stream, const char *title, const char *username, gboolean live)
{
  JsonObject *channel = json_object_get_object_member (stream, "channel");
  JsonArray *renditions = json_object_get_array_member (stream, "renditions");
  JsonObject *rendition;
  const char *started_at = json_object_get_string_member (stream, "started_at");
  g_autoptr (GDateTime) time = g_date_time_new_from_iso8601 (started_at, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  g_assert_cmpuint (strlen (json_object_get_string_member (stream, "id")), >, 0);
  g_assert_cmpstr (json_object_get_string_member (stream, "title"), ==, title);
  g_assert_cmpstr (json_object_get_string_member (stream, "category"), ==, "Tetris");
  g_assert_cmpstr (json_object_get_string_member (channel, "username"), ==, username);
  g_assert_cmpstr (json_object_get_string_member (channel, "display_name"), ==, username);
  g_assert_cmpint (json_object_get_boolean_member (stream, "live"), ==, live);
  g_assert_true (g_str_has_suffix (started_at, "Z"));
  g_assert_nonnull (time);
  g_assert_cmpint (ABS (g_date_time_difference (now, time)), <, 120 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (json_object_get_null_member (stream, "ended_at"), ==, live);
  g_assert_cmpuint (json_array_get_length (renditions), ==, 1);
  rendition = json_array_get_object_element (renditions, 0);
  g_assert_cmpint (json_object_get_int_member (rendition, "width"), ==, 1280);
  g_assert_cmpint (json_object_get_int_member (rendition, "height"), ==, 720);
  g_assert_cmpint (json_object_get_int_member (rendition, "fps"), ==, 30);
  g_assert_cmpint (json_object_get_int_member (rendition, "bitrate_kbps"), ==, 4000);
  g_assert_cmpstr (json_object_get_string_member (rendition, "codec"), ==, "h264");
  g_assert_true (json_object_has_member (stream, "viewer_count"));
  g_assert_true (json_object_get_null_member (stream, "thumbnail_url"));
}

static void
test_start_and_end (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) stream = NULL;
  g_autoptr (JsonNode) fetched = NULL;
  g_autoptr (JsonNode) channel = NULL;
  g_autoptr (JsonNode) ended = NULL;
  g_autoptr (JsonNode) after = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *path = NULL;
  g_autofree char *channel_path = g_strdup_printf ("/api/v1/channels/%s", f->username);
  const char *id;

  g_assert_cmpuint (start_stream (f, f->token, "Speedrun night", &stream), ==, SOUP_STATUS_CREATED);
  assert_stream_shape (test_object (stream), "Speedrun night", f->username, TRUE);
  g_assert_cmpint (json_object_get_int_member (test_object (stream), "viewer_count"), ==, 0);
  id = test_string (stream, "id");
  path = g_strdup_printf ("/api/v1/streams/%s", id);

  fetched = get_json (f, path, SOUP_STATUS_OK);
  assert_stream_shape (test_object (fetched), "Speedrun night", f->username, TRUE);

  channel = get_json (f, channel_path, SOUP_STATUS_OK);
  g_assert_cmpstr (test_string (channel, "username"), ==, f->username);
  g_assert_true (json_object_get_boolean_member (test_object (channel), "live"));
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (test_object (channel), "stream"), "id"),
                   ==, id);

  list = get_json (f, "/api/v1/streams?live=true", SOUP_STATUS_OK);
  g_assert_cmpuint (
    json_array_get_length (json_object_get_array_member (test_object (list), "items")), ==, 1);
  g_assert_true (json_object_get_null_member (test_object (list), "next_cursor"));

  g_assert_cmpuint (cascade_test_server_request (f->server, "DELETE", path, f->token, NULL, &ended),
                    ==, SOUP_STATUS_NO_CONTENT);
  after = get_json (f, path, SOUP_STATUS_OK);
  assert_stream_shape (test_object (after), "Speedrun night", f->username, FALSE);
  g_assert_true (g_str_has_suffix (test_string (after, "ended_at"), "Z"));
  g_clear_pointer (&channel, json_node_unref);
  channel = get_json (f, channel_path, SOUP_STATUS_OK);
  g_assert_false (json_object_get_boolean_member (test_object (channel), "live"));
  g_assert_true (json_object_get_null_member (test_object (channel), "stream"));
  g_clear_pointer (&list, json_node_unref);
  list = get_json (f, "/api/v1/streams", SOUP_STATUS_OK);
  g_assert_cmpuint (
    json_array_get_length (json_object_get_array_member (test_object (list), "items")), ==, 0);
}

static void
test_one_live_stream (Fixture *f, gconstpointer data)
{
  g_autofree char *first = start_ok (f, f->token, "One");
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s", first);
  g_autoptr (JsonNode) refused = NULL;
  g_autoptr (JsonNode) ended = NULL;
  g_autofree char *second = NULL;
  guint status = start_stream (f, f->token, "Two", &refused);

  test_assert_error (status, refused, SOUP_STATUS_CONFLICT, "already_live", NULL);
  g_assert_cmpuint (cascade_test_server_request (f->server, "DELETE", path, f->token, NULL, &ended),
                    ==, SOUP_STATUS_NO_CONTENT);
  second = start_ok (f, f->token, "Two");
  g_assert_cmpstr (first, !=, second);
}

static void
test_start_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *long_title = g_strnfill (141, 'x');
  g_autofree char *max_title = g_strnfill (140, 'x');
  const struct
  {
    const char *body;
    guint status;
    const char *code;
    const char *field;
  } cases[] = {
    { "{\"category\":\"Tetris\",\"renditions\":" RENDITIONS "}", 400, "missing_field", "title" },
    { "{\"title\":\"t\",\"renditions\":" RENDITIONS "}", 400, "missing_field", "category" },
    { "{\"title\":\"t\",\"category\":\"c\"}", 400, "missing_field", "renditions" },
    { "{\"title\":7,\"category\":\"c\",\"renditions\":" RENDITIONS "}", 400, "invalid_type",
      "title" },
    { "{\"title\":\"   \",\"category\":\"c\",\"renditions\":" RENDITIONS "}", 400, "invalid_title",
      "title" },
    { "{\"title\":\"t\",\"category\":\"\",\"renditions\":" RENDITIONS "}", 400, "invalid_category",
      "category" },
    { "{\"title\":\"t\",\"category\":\"c\",\"renditions\":[]}", 400, "invalid_renditions",
      "renditions" },
    { "{\"title\":\"t\",\"category\":\"c\",\"renditions\":[{\"width\":1280,\"height\":720,"
      "\"fps\":30,\"bitrate_kbps\":4000,\"codec\":\"av1\"}]}",
      400, "invalid_renditions", "renditions" },
    { "{\"title\":\"t\",\"category\":\"c\",\"renditions\":[{\"width\":1280,\"height\":720,"
      "\"fps\":0,\"bitrate_kbps\":4000,\"codec\":\"h264\"}]}",
      400, "invalid_renditions", "renditions" },
    { "{\"title\":", 400, "malformed_json", NULL },
  };
  g_autoptr (JsonNode) unauthorized = NULL;
  g_autoptr (JsonNode) too_long = NULL;
  guint status;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status = cascade_test_server_request (f->server, "POST", "/api/v1/streams", f->token,
                                                  cases[i].body, &response);

      test_assert_error (status, response, cases[i].status, cases[i].code, cases[i].field);
    }
  status = start_stream (f, NULL, "t", &unauthorized);
  test_assert_error (status, unauthorized, SOUP_STATUS_UNAUTHORIZED, "unauthorized", NULL);
  status = start_stream (f, f->token, long_title, &too_long);
  test_assert_error (status, too_long, SOUP_STATUS_BAD_REQUEST, "invalid_title", "title");
  /* None of these made the user live; 140 characters do. */
  g_free (start_ok (f, f->token, max_title));
}

static void
test_end_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *id = start_ok (f, f->token, "Mine");
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s", id);
  g_autofree char *other = test_streaming_sign_up (f->server, NULL);
  g_autoptr (JsonNode) not_owner = NULL;
  g_autoptr (JsonNode) missing = NULL;
  g_autoptr (JsonNode) unauthorized = NULL;
  g_autoptr (JsonNode) still = NULL;

  guint status;

  status = cascade_test_server_request (f->server, "DELETE", path, other, NULL, &not_owner);
  test_assert_error (status, not_owner, SOUP_STATUS_FORBIDDEN, "not_owner", NULL);
  status = cascade_test_server_request (f->server, "DELETE", "/api/v1/streams/nope", f->token, NULL,
                                        &missing);
  test_assert_error (status, missing, SOUP_STATUS_NOT_FOUND, "not_found", NULL);
  status = cascade_test_server_request (f->server, "DELETE", path, NULL, NULL, &unauthorized);
  test_assert_error (status, unauthorized, SOUP_STATUS_UNAUTHORIZED, "unauthorized", NULL);
  still = get_json (f, path, SOUP_STATUS_OK);
  g_assert_true (json_object_get_boolean_member (test_object (still), "live"));
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) stream = get_json (f, "/api/v1/streams/nope", SOUP_STATUS_NOT_FOUND);
  g_autoptr (JsonNode) channel = get_json (f, "/api/v1/channels/nobody", SOUP_STATUS_NOT_FOUND);
  g_autoptr (JsonNode) thumbnail =
    get_json (f, "/api/v1/streams/nope/thumbnail", SOUP_STATUS_NOT_FOUND);
  g_autoptr (JsonNode) bad_limit = get_json (f, "/api/v1/streams?limit=0", SOUP_STATUS_BAD_REQUEST);
  g_autoptr (JsonNode) bad_cursor =
    get_json (f, "/api/v1/streams?cursor=x", SOUP_STATUS_BAD_REQUEST);

  test_assert_error (SOUP_STATUS_NOT_FOUND, stream, SOUP_STATUS_NOT_FOUND, "not_found", NULL);
  test_assert_error (SOUP_STATUS_NOT_FOUND, channel, SOUP_STATUS_NOT_FOUND, "not_found", NULL);
  test_assert_error (SOUP_STATUS_NOT_FOUND, thumbnail, SOUP_STATUS_NOT_FOUND, "not_found", NULL);
  test_assert_error (SOUP_STATUS_BAD_REQUEST, bad_limit, SOUP_STATUS_BAD_REQUEST, "invalid_type",
                     NULL);
  test_assert_error (SOUP_STATUS_BAD_REQUEST, bad_cursor, SOUP_STATUS_BAD_REQUEST, "invalid_type",
                     NULL);
}

/* A user who never went live has a channel too. */
static void
test_channel_of_new_user (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/channels/%s", f->username);
  g_autoptr (JsonNode) channel = get_json (f, path, SOUP_STATUS_OK);

  g_assert_cmpstr (test_string (channel, "username"), ==, f->username);
  g_assert_cmpstr (test_string (channel, "display_name"), ==, f->username);
  g_assert_false (json_object_get_boolean_member (test_object (channel), "live"));
  g_assert_true (json_object_get_null_member (test_object (channel), "stream"));
}

/* Most viewers first, then newest; pages with next_cursor. */
static void
test_list_order (Fixture *f, gconstpointer data)
{
  g_autofree char *old = start_ok (f, f->token, "Older");
  g_autofree char *other_token = test_streaming_sign_up (f->server, NULL);
  g_autofree char *newer = NULL;
  g_autoptr (TestRealtime) viewer1 = NULL;
  g_autoptr (TestRealtime) viewer2 = NULL;
  g_autoptr (JsonObject) hello1 = NULL;
  g_autoptr (JsonObject) hello2 = NULL;
  g_autoptr (JsonObject) waiting1 = NULL;
  g_autoptr (JsonObject) waiting2 = NULL;
  g_autoptr (JsonNode) by_age = NULL;
  g_autoptr (JsonNode) page1 = NULL;
  g_autoptr (JsonNode) page2 = NULL;
  JsonArray *items;
  const char *cursor;
  g_autofree char *page2_path = NULL;

  test_wait_ms (1100); /* started_at has whole seconds */
  newer = start_ok (f, other_token, "Newer");
  by_age = get_json (f, "/api/v1/streams?live=true", SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (by_age), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"),
                   ==, newer);

  /* Two viewers on the older stream put it first. */
  viewer1 = test_realtime_connect (f->server, f->token);
  viewer2 = test_realtime_connect (f->server, other_token);
  hello1 = test_realtime_expect (viewer1, "hello");
  hello2 = test_realtime_expect (viewer2, "hello");
  test_realtime_send_printf (viewer1, "{\"type\":\"stream.join\",\"stream_id\":\"%s\"}", old);
  test_realtime_send_printf (viewer2, "{\"type\":\"stream.join\",\"stream_id\":\"%s\"}", old);
  waiting1 = test_realtime_expect (viewer1, "stream.waiting");
  waiting2 = test_realtime_expect (viewer2, "stream.waiting");

  page1 = get_json (f, "/api/v1/streams?live=true&limit=1", SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (page1), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"),
                   ==, old);
  g_assert_cmpint (
    json_object_get_int_member (json_array_get_object_element (items, 0), "viewer_count"), ==, 2);
  cursor = json_object_get_string_member (test_object (page1), "next_cursor");
  g_assert_nonnull (cursor);
  page2_path = g_strdup_printf ("/api/v1/streams?live=true&limit=1&cursor=%s", cursor);
  page2 = get_json (f, page2_path, SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (page2), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"),
                   ==, newer);
  g_assert_cmpint (
    json_object_get_int_member (json_array_get_object_element (items, 0), "viewer_count"), ==, 0);
  g_assert_true (json_object_get_null_member (test_object (page2), "next_cursor"));
}

static GBytes *
make_png (gsize size)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 *data = g_malloc0 (size);

  memcpy (data, signature, sizeof signature);
  for (gsize i = sizeof signature; i < size; i++)
    data[i] = (guint8) (i * 7);
  return g_bytes_new_take (data, size);
}

static guint
put_thumbnail (Fixture *f, const char *token, const char *id, const char *type, GBytes *image)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s/thumbnail", id);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  const char *headers[] = { "Authorization", auth, NULL };
  g_autoptr (GBytes) body = NULL;

  return cascade_test_server_request_full (f->server, "PUT", path, headers, type, image, NULL,
                                           &body);
}

static void
test_thumbnail (Fixture *f, gconstpointer data)
{
  g_autofree char *id = start_ok (f, f->token, "Thumbs");
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s/thumbnail", id);
  g_autofree char *stream_path = g_strdup_printf ("/api/v1/streams/%s", id);
  g_autofree char *other = test_streaming_sign_up (f->server, NULL);
  g_autoptr (GBytes) png = make_png (2000);
  g_autoptr (GBytes) largest = make_png (512 * 1024);
  g_autoptr (GBytes) too_big = make_png (512 * 1024 + 1);
  g_autoptr (GBytes) not_png = g_bytes_new_static ("hello there, not an image", 25);
  g_autoptr (GBytes) got = NULL;
  g_autoptr (SoupMessageHeaders) headers = NULL;
  g_autoptr (JsonNode) stream = NULL;
  g_autoptr (JsonNode) none = NULL;
  g_autofree char *expected_url = NULL;

  none = get_json (f, path, SOUP_STATUS_NOT_FOUND);
  g_assert_cmpuint (put_thumbnail (f, f->token, id, "image/png", png), ==, SOUP_STATUS_NO_CONTENT);
  g_assert_cmpuint (
    cascade_test_server_request_full (f->server, "GET", path, NULL, NULL, NULL, &headers, &got), ==,
    SOUP_STATUS_OK);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "image/png");
  g_assert_true (g_bytes_equal (got, png));

  stream = get_json (f, stream_path, SOUP_STATUS_OK);
  expected_url = g_strdup_printf ("/api/v1/streams/%s/thumbnail", id);
  g_assert_cmpstr (test_string (stream, "thumbnail_url"), ==, expected_url);

  g_assert_cmpuint (put_thumbnail (f, f->token, id, "image/png", largest), ==,
                    SOUP_STATUS_NO_CONTENT);
  g_assert_cmpuint (put_thumbnail (f, f->token, id, "image/png", too_big), ==,
                    SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
  g_assert_cmpuint (put_thumbnail (f, f->token, id, "text/plain", png), ==,
                    SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE);
  g_assert_cmpuint (put_thumbnail (f, f->token, id, "image/png", not_png), ==,
                    SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE);
  g_assert_cmpuint (put_thumbnail (f, other, id, "image/png", png), ==, SOUP_STATUS_FORBIDDEN);
  g_assert_cmpuint (put_thumbnail (f, f->token, "nope", "image/png", png), ==,
                    SOUP_STATUS_NOT_FOUND);

  /* The refused uploads left the largest one in place. */
  g_clear_pointer (&got, g_bytes_unref);
  g_assert_cmpuint (
    cascade_test_server_request_full (f->server, "GET", path, NULL, NULL, NULL, NULL, &got), ==,
    SOUP_STATUS_OK);
  g_assert_true (g_bytes_equal (got, largest));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/streaming/start-and-end", test_start_and_end);
  ADD ("/cascade/server/streaming/one-live-stream", test_one_live_stream);
  ADD ("/cascade/server/streaming/start-refused", test_start_refused);
  ADD ("/cascade/server/streaming/end-refused", test_end_refused);
  ADD ("/cascade/server/streaming/not-found", test_not_found);
  ADD ("/cascade/server/streaming/channel-of-new-user", test_channel_of_new_user);
  ADD ("/cascade/server/streaming/list-order", test_list_order);
  ADD ("/cascade/server/streaming/thumbnail", test_thumbnail);
#undef ADD

  return g_test_run ();
}
