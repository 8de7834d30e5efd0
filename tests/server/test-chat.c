/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "test-realtime-client.h"

/* Chat (docs/api.md, "Chat"): several real WebSocket clients in rooms of a
 * real cascaded. */

#define RENDITIONS                                                                                 \
  "[{\"width\":1280,\"height\":720,\"fps\":30,\"bitrate_kbps\":4000,\"codec\":\"h264\"}]"

typedef struct
{
  char *token;
  char *username;
  TestRealtime *rt;
} User;

typedef struct
{
  CascadeTestServer *server;
  User streamer;
  User alice;
  User bob;
  char *stream_id;
} Fixture;

static void
user_sign_up (Fixture *f, User *user)
{
  user->token = test_streaming_sign_up (f->server, &user->username);
  user->rt = test_realtime_connect (f->server, user->token);
}

static void
user_clear (User *user)
{
  g_clear_pointer (&user->rt, test_realtime_free);
  g_clear_pointer (&user->token, g_free);
  g_clear_pointer (&user->username, g_free);
}

/* The next message that is not a periodic one (chat.counts). */
static JsonObject *
next_chat (TestRealtime *rt)
{
  for (;;)
    {
      JsonObject *message = test_realtime_next (rt, TEST_WAIT_MS);
      const char *type;

      if (message == NULL)
        g_error ("waited in vain for a chat message");
      type = json_object_get_string_member_with_default (message, "type", "");
      if (!g_str_equal (type, "chat.counts") && !g_str_equal (type, "directory.changed") &&
          !g_str_equal (type, "chat.room") && !g_str_equal (type, "hello"))
        return message;
      json_object_unref (message);
    }
}

static JsonObject *
expect_chat (TestRealtime *rt, const char *type)
{
  JsonObject *message = next_chat (rt);
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (g_strcmp0 (json_object_get_string_member (message, "type"), type) != 0)
    {
      node = json_node_init_object (json_node_alloc (), message);
      text = json_to_string (node, FALSE);
      g_error ("expected a “%s” message, got %s", type, text);
    }
  return message;
}

static JsonObject *
expect_error (TestRealtime *rt, const char *code, const char *id)
{
  JsonObject *error = expect_chat (rt, "error");

  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member_with_default (error, "id", NULL), ==, id);
  return error;
}

static JsonObject *
join (User *user, const char *channel)
{
  test_realtime_send_printf (user->rt, "{\"type\":\"chat.join\",\"id\":\"j\",\"channel\":\"%s\"}",
                             channel);
  return expect_chat (user->rt, "chat.joined");
}

static void
send_text (User *user, const char *channel, const char *id, const char *text)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "chat.send");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "channel");
  json_builder_add_string_value (builder, channel);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json = json_to_string (root, FALSE);
  test_realtime_send (user->rt, json);
}

/* Sends and waits for chat.sent; returns the message id. */
static char *
send_ok (User *user, const char *channel, const char *text)
{
  g_autoptr (JsonObject) sent = NULL;

  send_text (user, channel, "s", text);
  for (;;)
    {
      g_autoptr (JsonObject) message = next_chat (user->rt);

      if (g_str_equal (json_object_get_string_member (message, "type"), "chat.sent"))
        {
          g_assert_cmpstr (json_object_get_string_member (message, "id"), ==, "s");
          return g_strdup (json_object_get_string_member (message, "message_id"));
        }
      g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, "chat.message");
    }
}

/* The next chat.message's text (and its id in @out_id). */
static char *
expect_message (User *user, char **out_id)
{
  g_autoptr (JsonObject) message = NULL;
  JsonObject *chat;

  for (;;)
    {
      message = next_chat (user->rt);
      if (!g_str_equal (json_object_get_string_member (message, "type"), "chat.sent"))
        break;
      g_clear_pointer (&message, json_object_unref);
    }
  g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, "chat.message");
  chat = json_object_get_object_member (message, "message");
  if (out_id != NULL)
    *out_id = g_strdup (json_object_get_string_member (chat, "id"));
  return g_strdup (json_object_get_string_member (chat, "text"));
}

static void
go_live (Fixture *f)
{
  g_autoptr (JsonNode) stream = NULL;

  g_assert_cmpuint (cascade_test_server_request (
                      f->server, "POST", "/api/v1/streams", f->streamer.token,
                      "{\"title\":\"t\",\"category\":\"c\",\"renditions\":" RENDITIONS "}",
                      &stream),
                    ==, SOUP_STATUS_CREATED);
  f->stream_id = g_strdup (test_string (stream, "id"));
}

static void
set_up_with (Fixture *f, const char *config)
{
  f->server = test_streaming_server_new (config);
  user_sign_up (f, &f->streamer);
  user_sign_up (f, &f->alice);
  user_sign_up (f, &f->bob);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  set_up_with (f, data);
  go_live (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  user_clear (&f->streamer);
  user_clear (&f->alice);
  user_clear (&f->bob);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_free (f->stream_id);
}

static JsonNode *
get_json (Fixture *f, const char *path, const char *token, guint expected_status)
{
  JsonNode *body = NULL;

  g_assert_cmpuint (cascade_test_server_request (f->server, "GET", path, token, NULL, &body), ==,
                    expected_status);
  return body;
}

/* Everyone in the room gets every message, in the order stored; history
 * pages back through them, newest first. */
static void
test_order_and_history (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autoptr (JsonObject) joined = NULL;
  g_autoptr (JsonNode) page = NULL;
  g_autoptr (JsonNode) older = NULL;
  g_autofree char *path = NULL;
  g_autofree char *first_id = NULL;
  g_autofree char *last_text = NULL;
  JsonArray *items;

  joined = join (&f->alice, channel);
  g_assert_true (json_object_get_boolean_member (joined, "open"));
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (joined, "you"), "role"), ==,
    "viewer");
  json_object_unref (join (&f->bob, channel));
  json_object_unref (join (&f->streamer, channel));

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      send_text (i % 2 == 0 ? &f->alice : &f->bob, channel, "x", text);
    }
  /* all three see the same order, and each sender's messages in the order sent */
  {
    GPtrArray *seen[3] = { g_ptr_array_new_with_free_func (g_free),
                           g_ptr_array_new_with_free_func (g_free),
                           g_ptr_array_new_with_free_func (g_free) };
    User *users[3] = { &f->streamer, &f->alice, &f->bob };
    int last_even = -2, last_odd = -1;

    for (guint u = 0; u < 3; u++)
      for (guint i = 0; i < 10; i++)
        g_ptr_array_add (seen[u], expect_message (users[u], u == 0 && i == 0 ? &first_id : NULL));
    for (guint i = 0; i < 10; i++)
      {
        int n = atoi ((char *) g_ptr_array_index (seen[0], i) + strlen ("message "));

        g_assert_cmpstr (g_ptr_array_index (seen[1], i), ==, g_ptr_array_index (seen[0], i));
        g_assert_cmpstr (g_ptr_array_index (seen[2], i), ==, g_ptr_array_index (seen[0], i));
        if (n % 2 == 0)
          {
            g_assert_cmpint (n, ==, last_even + 2);
            last_even = n;
          }
        else
          {
            g_assert_cmpint (n, ==, last_odd + 2);
            last_odd = n;
          }
      }
    g_free (last_text);
    last_text = g_strdup (g_ptr_array_index (seen[0], 9));
    for (guint u = 0; u < 3; u++)
      g_ptr_array_unref (seen[u]);
  }

  page = get_json (f, (path = g_strdup_printf ("/api/v1/channels/%s/chat?limit=4", channel)), NULL,
                   SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (page), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "text"),
                   ==, last_text);
  g_free (path);
  path = g_strdup_printf ("/api/v1/channels/%s/chat?limit=100&before=%s", channel,
                          json_object_get_string_member (test_object (page), "next_cursor"));
  older = get_json (f, path, NULL, SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (older), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 6);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 5), "id"),
                   ==, first_id);
  g_assert_true (json_object_get_null_member (test_object (older), "next_cursor"));

  /* a newcomer gets the last messages, oldest first */
  {
    g_autoptr (TestRealtime) late = test_realtime_connect (f->server, f->alice.token);
    User carol = { NULL, NULL, late };
    g_autoptr (JsonObject) again = join (&carol, channel);
    JsonArray *messages = json_object_get_array_member (again, "messages");

    g_assert_cmpuint (json_array_get_length (messages), ==, 10);
    g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (messages, 9), "text"), ==,
      last_text);
    carol.rt = NULL;
  }

  g_assert_cmpuint (cascade_test_server_request (
                      f->server, "GET", "/api/v1/channels/nosuchchannel/chat", NULL, NULL, NULL),
                    ==, SOUP_STATUS_NOT_FOUND);
}

/* Fragments: mentions, links, emotes; and the mention's domain event. */
static void
test_fragments (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autofree char *text = g_strdup_printf ("hi @%s see https://example.org/x, ok", f->bob.username);
  g_autoptr (JsonObject) message = NULL;
  JsonObject *chat;
  JsonArray *fragments;

  json_object_unref (join (&f->alice, channel));
  send_text (&f->alice, channel, "m", text);
  message = expect_chat (f->alice.rt, "chat.message");
  chat = json_object_get_object_member (message, "message");
  g_assert_cmpstr (json_object_get_string_member (chat, "text"), ==, text);
  g_assert_cmpstr (json_object_get_string_member (chat, "session_id"), ==, f->stream_id);
  g_assert_cmpint (json_object_get_int_member (chat, "offset_ms"), >=, 0);
  g_assert_true (g_str_has_prefix (
    json_object_get_string_member (json_object_get_object_member (chat, "user"), "color"), "#"));
  fragments = json_object_get_array_member (chat, "fragments");
  g_assert_cmpuint (json_array_get_length (fragments), ==, 5);
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (fragments, 1), "type"), ==,
    "mention");
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (fragments, 1), "username"), ==,
    f->bob.username);
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (fragments, 3), "url"), ==,
    "https://example.org/x");
  json_object_unref (expect_chat (f->alice.rt, "chat.sent"));

  /* the mention is a domain event in the outbox */
  {
    g_autofree char *db_path =
      g_build_filename (cascade_test_server_get_data_dir (f->server), "cascade.db", NULL);
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    int count = 0;

    g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (
      sqlite3_prepare_v2 (db, "SELECT COUNT (*) FROM outbox WHERE topic = 'chat.mention'", -1,
                          &stmt, NULL),
      ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    count = sqlite3_column_int (stmt, 0);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    g_assert_cmpint (count, ==, 1);
  }
}

/* Bad input: an error each time, and the connection stays usable. */
static void
test_bad_input (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autofree char *long_text = g_strnfill (501, 'a');
  g_autofree char *max_text = NULL;
  GString *big = g_string_new ("{\"type\":\"chat.send\",\"channel\":\"x\",\"text\":\"");
  g_autoptr (JsonObject) e = NULL;

  send_text (&f->alice, channel, "n", "before joining");
  json_object_unref (expect_error (f->alice.rt, "not_joined", "n"));
  json_object_unref (join (&f->alice, channel));

  send_text (&f->alice, channel, "1", long_text);
  json_object_unref (expect_error (f->alice.rt, "too_long", "1"));
  send_text (&f->alice, channel, "2", "   ");
  json_object_unref (expect_error (f->alice.rt, "empty", "2"));
  send_text (&f->alice, channel, "3", "bell\007");
  json_object_unref (expect_error (f->alice.rt, "invalid_text", "3"));
  test_realtime_send (f->alice.rt, "{\"type\":\"chat.send\",\"channel\":");
  json_object_unref (expect_error (f->alice.rt, "malformed_json", NULL));
  test_realtime_send (f->alice.rt, "{\"type\":\"chat.send\",\"id\":\"4\",\"channel\":\"x\"}");
  json_object_unref (expect_error (f->alice.rt, "missing_field", "4"));
  test_realtime_send (f->alice.rt,
                      "{\"type\":\"chat.send\",\"id\":\"5\",\"channel\":\"x\",\"text\":7}");
  json_object_unref (expect_error (f->alice.rt, "invalid_type", "5"));
  for (guint i = 0; i < 70000; i++)
    g_string_append_c (big, 'a');
  g_string_append (big, "\"}");
  test_realtime_send (f->alice.rt, big->str);
  g_string_free (big, TRUE);
  json_object_unref (expect_error (f->alice.rt, "message_too_large", NULL));

  /* 500 characters that are more than 500 bytes pass */
  {
    GString *accents = g_string_new (NULL);

    for (guint i = 0; i < 500; i++)
      g_string_append (accents, "é");
    max_text = g_string_free (accents, FALSE);
  }
  g_free (send_ok (&f->alice, channel, max_text));

  /* a closed room: history, but no sending */
  e = join (&f->alice, f->bob.username);
  g_assert_false (json_object_get_boolean_member (e, "open"));
  send_text (&f->alice, f->bob.username, "c", "hello?");
  json_object_unref (expect_error (f->alice.rt, "room_closed", "c"));
  test_realtime_send (f->alice.rt,
                      "{\"type\":\"chat.join\",\"id\":\"z\",\"channel\":\"nobody_here\"}");
  json_object_unref (expect_error (f->alice.rt, "not_found", "z"));
}

/* Rate limit (3 per 30 s in this server) and duplicates. */
static void
test_limits (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;

  json_object_unref (join (&f->alice, channel));
  json_object_unref (join (&f->bob, channel));
  g_free (send_ok (&f->alice, channel, "one"));
  send_text (&f->alice, channel, "d", "one");
  json_object_unref (expect_error (f->alice.rt, "duplicate", "d"));
  g_free (send_ok (&f->alice, channel, "two"));
  send_text (&f->alice, channel, "r", "three");
  json_object_unref (expect_error (f->alice.rt, "rate_limited", "r"));
  /* the flood does not reach the others, nor stop them */
  g_free (send_ok (&f->bob, channel, "bob speaks"));
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/channels/%s/chat", channel);
    g_autoptr (JsonNode) page = get_json (f, path, NULL, SOUP_STATUS_OK);
    JsonArray *items = json_object_get_array_member (test_object (page), "items");

    g_assert_cmpuint (json_array_get_length (items), ==, 3);
    g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (items, 0), "text"), ==,
      "bob speaks");
    g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (items, 2), "text"), ==, "one");
  }
  /* the streamer is exempt */
  json_object_unref (join (&f->streamer, channel));
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("streamer %u", i);

      g_free (send_ok (&f->streamer, channel, text));
    }
}

static guint
put (Fixture *f, const char *path, const char *token, const char *body)
{
  return cascade_test_server_request (f->server, body != NULL ? "PUT" : "DELETE", path, token, body,
                                      NULL);
}

static void
moderate (User *user, const char *json, const char *id)
{
  test_realtime_send (user->rt, json);
  for (;;)
    {
      g_autoptr (JsonObject) message = next_chat (user->rt);
      const char *type = json_object_get_string_member (message, "type");

      if (g_str_equal (type, "chat.ok"))
        {
          g_assert_cmpstr (json_object_get_string_member (message, "id"), ==, id);
          return;
        }
      if (g_str_equal (type, "error"))
        g_error ("moderation refused: %s", json_object_get_string_member (message, "code"));
    }
}

/* Drains @user's messages until one of @type. */
static JsonObject *
wait_for (User *user, const char *type)
{
  for (;;)
    {
      JsonObject *message = next_chat (user->rt);

      if (g_str_equal (json_object_get_string_member (message, "type"), type))
        return message;
      json_object_unref (message);
    }
}

/* A moderator appointed by the streamer deletes, times out, bans and unbans. */
static void
test_moderation (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autofree char *path = NULL;
  g_autofree char *id = NULL;
  g_autofree char *json = NULL;
  g_autoptr (JsonNode) mods = NULL;
  g_autoptr (JsonNode) log = NULL;
  g_autoptr (JsonObject) deleted = NULL;
  g_autoptr (JsonObject) joined = NULL;

  /* only the streamer appoints moderators */
  path = g_strdup_printf ("/api/v1/channels/%s/chat/moderators/%s", channel, f->alice.username);
  g_assert_cmpuint (put (f, path, f->bob.token, "{}"), ==, SOUP_STATUS_FORBIDDEN);
  g_assert_cmpuint (put (f, path, f->streamer.token, "{}"), ==, SOUP_STATUS_NO_CONTENT);
  g_free (path);
  mods = get_json (f, (path = g_strdup_printf ("/api/v1/channels/%s/chat/moderators", channel)),
                   NULL, SOUP_STATUS_OK);
  g_assert_cmpstr (
    json_object_get_string_member (
      json_array_get_object_element (json_object_get_array_member (test_object (mods), "items"), 0),
      "username"),
    ==, f->alice.username);

  joined = join (&f->alice, channel);
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (joined, "you"), "role"), ==,
    "moderator");
  json_object_unref (join (&f->bob, channel));

  /* a viewer cannot moderate */
  g_free (json);
  json =
    g_strdup_printf ("{\"type\":\"chat.ban\",\"id\":\"b0\",\"channel\":\"%s\",\"username\":\"%s\"}",
                     channel, f->alice.username);
  test_realtime_send (f->bob.rt, json);
  json_object_unref (expect_error (f->bob.rt, "forbidden", "b0"));

  /* delete */
  id = send_ok (&f->bob, channel, "rude words");
  json_object_unref (wait_for (&f->alice, "chat.message"));
  g_free (json);
  json = g_strdup_printf (
    "{\"type\":\"chat.delete\",\"id\":\"d1\",\"channel\":\"%s\",\"message_id\":\"%s\"}", channel,
    id);
  moderate (&f->alice, json, "d1");
  deleted = wait_for (&f->bob, "chat.deleted");
  g_assert_cmpstr (json_object_get_string_member (deleted, "message_id"), ==, id);
  g_free (path);
  {
    g_autoptr (JsonNode) history = get_json (
      f, (path = g_strdup_printf ("/api/v1/channels/%s/chat", channel)), NULL, SOUP_STATUS_OK);

    g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (test_object (history), "items")), ==, 0);
  }

  /* timeout */
  g_free (json);
  json = g_strdup_printf ("{\"type\":\"chat.timeout\",\"id\":\"t1\",\"channel\":\"%s\","
                          "\"username\":\"%s\",\"seconds\":600,\"reason\":\"calm down\"}",
                          channel, f->bob.username);
  moderate (&f->alice, json, "t1");
  json_object_unref (wait_for (&f->bob, "chat.user_cleared"));
  {
    g_autoptr (JsonObject) you = wait_for (&f->bob, "chat.you");

    g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (you, "you"), "timeout_until"), >,
      g_get_real_time () / 1000);
  }
  send_text (&f->bob, channel, "tt", "let me speak");
  {
    g_autoptr (JsonObject) e = expect_error (f->bob.rt, "timed_out", "tt");

    g_assert_true (json_object_has_member (e, "until"));
  }
  /* out of range */
  g_free (json);
  json = g_strdup_printf ("{\"type\":\"chat.timeout\",\"id\":\"t2\",\"channel\":\"%s\","
                          "\"username\":\"%s\",\"seconds\":1209601}",
                          channel, f->bob.username);
  test_realtime_send (f->alice.rt, json);
  json_object_unref (wait_for (&f->alice, "error"));

  /* ban: cannot send, cannot rejoin; unban lifts it */
  g_free (json);
  json =
    g_strdup_printf ("{\"type\":\"chat.ban\",\"id\":\"b1\",\"channel\":\"%s\",\"username\":\"%s\"}",
                     channel, f->bob.username);
  moderate (&f->alice, json, "b1");
  json_object_unref (wait_for (&f->bob, "chat.you"));
  send_text (&f->bob, channel, "bb", "hello");
  json_object_unref (expect_error (f->bob.rt, "banned", "bb"));
  test_realtime_send_printf (f->bob.rt, "{\"type\":\"chat.join\",\"id\":\"rj\",\"channel\":\"%s\"}",
                             channel);
  json_object_unref (expect_error (f->bob.rt, "banned", "rj"));
  g_free (json);
  json = g_strdup_printf (
    "{\"type\":\"chat.unban\",\"id\":\"u1\",\"channel\":\"%s\",\"username\":\"%s\"}", channel,
    f->bob.username);
  moderate (&f->alice, json, "u1");
  json_object_unref (wait_for (&f->bob, "chat.you"));
  g_free (send_ok (&f->bob, channel, "thanks"));

  /* the moderation log, for moderators */
  g_free (path);
  path = g_strdup_printf ("/api/v1/channels/%s/chat/log", channel);
  g_assert_cmpuint (cascade_test_server_request (f->server, "GET", path, f->bob.token, NULL, NULL),
                    ==, SOUP_STATUS_FORBIDDEN);
  log = get_json (f, path, f->alice.token, SOUP_STATUS_OK);
  {
    JsonArray *items = json_object_get_array_member (test_object (log), "items");
    const char *expected[] = { "unban", "ban", "timeout", "delete", "mod_add" };

    g_assert_cmpuint (json_array_get_length (items), ==, G_N_ELEMENTS (expected));
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (items, i), "action"), ==,
        expected[i]);
    g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (items, 2), "reason"), ==,
      "calm down");
  }
}

/* Slow mode, emote-only, followers-only, blocked terms (held, approved). */
static void
test_modes (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autofree char *json = NULL;
  g_autofree char *path = NULL;
  g_autoptr (JsonObject) e = NULL;
  g_autoptr (JsonObject) modes = NULL;
  g_autoptr (JsonObject) held = NULL;
  g_autoptr (JsonNode) channel_json = NULL;
  g_autoptr (JsonNode) follows = NULL;
  g_autoptr (GBytes) png = NULL;
  static const guint8 tiny_png[] = {
    0x89, 'P',  'N',  'G', '\r', '\n', 0x1a, '\n', 0,   0,   0,   13,   'I',  'H',  'D',
    'R',  0,    0,    0,   1,    0,    0,    0,    1,   8,   6,   0,    0,    0,    0x1f,
    0x15, 0xc4, 0x89, 0,   0,    0,    0,    'I',  'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
  };

  json_object_unref (join (&f->streamer, channel));
  json_object_unref (join (&f->alice, channel));

  /* slow mode */
  json = g_strdup_printf ("{\"type\":\"chat.modes\",\"id\":\"m1\",\"channel\":\"%s\","
                          "\"slow_seconds\":60}",
                          channel);
  moderate (&f->streamer, json, "m1");
  modes = wait_for (&f->alice, "chat.modes");
  g_assert_cmpint (
    json_object_get_int_member (json_object_get_object_member (modes, "modes"), "slow_seconds"), ==,
    60);
  g_free (send_ok (&f->alice, channel, "first"));
  send_text (&f->alice, channel, "sl", "second");
  e = expect_error (f->alice.rt, "slow_mode", "sl");
  g_assert_cmpint (json_object_get_int_member (e, "retry_after_ms"), >, 0);
  g_assert_cmpint (json_object_get_int_member (e, "retry_after_ms"), <=, 60000);
  g_clear_pointer (&e, json_object_unref);

  /* emote-only, with the channel's own emote */
  png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  path = g_strdup_printf ("/api/v1/channels/%s/emotes/PogCat", channel);
  {
    g_autofree char *alice_auth = g_strconcat ("Bearer ", f->alice.token, NULL);
    g_autofree char *streamer_auth = g_strconcat ("Bearer ", f->streamer.token, NULL);
    const char *alice_headers[] = { "Authorization", alice_auth, NULL };
    const char *streamer_headers[] = { "Authorization", streamer_auth, NULL };

    g_assert_cmpuint (cascade_test_server_request_full (f->server, "PUT", path, alice_headers,
                                                        "image/png", png, NULL, NULL),
                      ==, SOUP_STATUS_FORBIDDEN);
    g_assert_cmpuint (cascade_test_server_request_full (f->server, "PUT", path, streamer_headers,
                                                        "image/png", png, NULL, NULL),
                      ==, SOUP_STATUS_NO_CONTENT);
  }
  /* those in the room learn the new emote at once (their picker gains it) */
  {
    g_autoptr (JsonObject) update = wait_for (&f->alice, "chat.emotes");
    JsonArray *emotes = json_object_get_array_member (update, "emotes");

    g_assert_cmpuint (json_array_get_length (emotes), ==, 1);
    g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (emotes, 0), "code"), ==,
      "PogCat");
  }
  /* listed, served, and a bad one refused */
  {
    g_autofree char *list_path = g_strdup_printf ("/api/v1/channels/%s/emotes", channel);
    g_autoptr (JsonNode) list = get_json (f, list_path, NULL, SOUP_STATUS_OK);
    JsonObject *emote =
      json_array_get_object_element (json_object_get_array_member (test_object (list), "items"), 0);
    g_autoptr (GBytes) served = NULL;
    g_autoptr (GBytes) not_png = g_bytes_new_static ("GIF89a", 6);
    g_autofree char *bad_path = g_strdup_printf ("/api/v1/channels/%s/emotes/x", channel);
    g_autofree char *streamer_auth = g_strconcat ("Bearer ", f->streamer.token, NULL);
    const char *streamer_headers[] = { "Authorization", streamer_auth, NULL };

    g_assert_cmpstr (json_object_get_string_member (emote, "code"), ==, "PogCat");
    g_assert_cmpuint (cascade_test_server_request_full (
                        f->server, "GET", json_object_get_string_member (emote, "url"), NULL, NULL,
                        NULL, NULL, &served),
                      ==, SOUP_STATUS_OK);
    g_assert_cmpuint (g_bytes_get_size (served), ==, sizeof tiny_png);
    g_assert_cmpuint (cascade_test_server_request_full (
                        f->server, "PUT", bad_path, streamer_headers, "image/png", png, NULL, NULL),
                      ==, SOUP_STATUS_BAD_REQUEST);
    g_assert_cmpuint (cascade_test_server_request_full (f->server, "PUT", path, streamer_headers,
                                                        "image/png", not_png, NULL, NULL),
                      ==, SOUP_STATUS_BAD_REQUEST);
  }
  g_free (json);
  json = g_strdup_printf ("{\"type\":\"chat.modes\",\"id\":\"m2\",\"channel\":\"%s\","
                          "\"slow_seconds\":0,\"emote_only\":true}",
                          channel);
  moderate (&f->streamer, json, "m2");
  send_text (&f->alice, channel, "eo", "words");
  json_object_unref (wait_for (&f->alice, "error"));
  {
    g_autoptr (JsonObject) sent = NULL;

    send_text (&f->alice, channel, "em", "PogCat PogCat");
    sent = wait_for (&f->alice, "chat.message");
    g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (
                         json_object_get_array_member (
                           json_object_get_object_member (sent, "message"), "fragments"),
                         0),
                       "type"),
                     ==, "emote");
  }

  /* followers-only: following (the profile context) lets one in */
  g_free (json);
  json = g_strdup_printf ("{\"type\":\"chat.modes\",\"id\":\"m3\",\"channel\":\"%s\","
                          "\"emote_only\":false,\"followers_only\":true}",
                          channel);
  moderate (&f->streamer, json, "m3");
  send_text (&f->alice, channel, "fo", "let me in");
  e = (wait_for (&f->alice, "error"));
  g_assert_cmpstr (json_object_get_string_member (e, "code"), ==, "followers_only");
  g_free (path);
  path = g_strdup_printf ("/api/v1/channels/%s/follow", channel);
  g_assert_cmpuint (put (f, path, f->alice.token, "{}"), ==, SOUP_STATUS_NO_CONTENT);
  json_object_unref (wait_for (&f->alice, "chat.you"));
  g_free (send_ok (&f->alice, channel, "following now"));
  g_free (path);
  channel_json = get_json (f, (path = g_strdup_printf ("/api/v1/channels/%s", channel)),
                           f->alice.token, SOUP_STATUS_OK);
  g_assert_cmpint (json_object_get_int_member (test_object (channel_json), "followers"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (test_object (channel_json), "following_since"), >,
                   0);
  follows = get_json (f, "/api/v1/me/follows", f->alice.token, SOUP_STATUS_OK);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (
                       json_object_get_array_member (test_object (follows), "items"), 0),
                     "username"),
                   ==, channel);

  /* unfollowing counts too */
  g_free (path);
  path = g_strdup_printf ("/api/v1/channels/%s/follow", channel);
  g_assert_cmpuint (put (f, path, f->alice.token, NULL), ==, SOUP_STATUS_NO_CONTENT);
  json_object_unref (wait_for (&f->alice, "chat.you"));
  send_text (&f->alice, channel, "f2", "still here?");
  g_clear_pointer (&e, json_object_unref);
  e = wait_for (&f->alice, "error");
  g_assert_cmpstr (json_object_get_string_member (e, "code"), ==, "followers_only");
  g_assert_cmpuint (put (f, path, f->alice.token, "{}"), ==, SOUP_STATUS_NO_CONTENT);
  json_object_unref (wait_for (&f->alice, "chat.you"));

  /* blocked terms hold a message back for the moderators */
  g_free (path);
  path = g_strdup_printf ("/api/v1/channels/%s/chat/blocked-terms", channel);
  g_assert_cmpuint (put (f, path, f->alice.token, "{\"terms\":[\"x\"]}"), ==,
                    SOUP_STATUS_FORBIDDEN);
  g_assert_cmpuint (put (f, path, f->streamer.token, "{\"terms\":[\"Spoiler\"]}"), ==,
                    SOUP_STATUS_OK);
  send_text (&f->alice, channel, "h", "big spoiler ahead");
  json_object_unref (expect_error (f->alice.rt, "held", "h"));
  held = wait_for (&f->streamer, "chat.held");
  g_free (json);
  json = g_strdup_printf (
    "{\"type\":\"chat.held_approve\",\"id\":\"ap\",\"channel\":\"%s\",\"message_id\":\"%s\"}",
    channel, json_object_get_string_member (json_object_get_object_member (held, "message"), "id"));
  moderate (&f->streamer, json, "ap");
  {
    g_autoptr (JsonObject) approved = wait_for (&f->alice, "chat.message");

    g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (approved, "message"), "text"),
      ==, "big spoiler ahead");
  }
}

/* Replay: a session's messages by offset from its start. */
static void
test_replay (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autofree char *path = NULL;
  g_autoptr (JsonNode) all = NULL;
  g_autoptr (JsonNode) part = NULL;
  JsonArray *items;
  gint64 second_offset;

  json_object_unref (join (&f->alice, channel));
  g_free (send_ok (&f->alice, channel, "a"));
  test_wait_ms (30); /* offsets are milliseconds: make them differ */
  g_free (send_ok (&f->alice, channel, "b"));
  test_wait_ms (30);
  g_free (send_ok (&f->alice, channel, "c"));

  all = get_json (
    f, (path = g_strdup_printf ("/api/v1/channels/%s/chat?session=%s", channel, f->stream_id)),
    NULL, SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (all), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "text"),
                   ==, "a");
  second_offset =
    json_object_get_int_member (json_array_get_object_element (items, 1), "offset_ms");
  g_free (path);
  part = get_json (
    f,
    (path = g_strdup_printf ("/api/v1/channels/%s/chat?session=%s&from_offset=%" G_GINT64_FORMAT
                             "&to_offset=%" G_GINT64_FORMAT,
                             channel, f->stream_id, second_offset, second_offset + 1)),
    NULL, SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (part), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "text"),
                   ==, "b");
}

/* SIGKILL while clients send: every message acknowledged (chat.sent) is in
 * the history once the server is back. */
static void
test_durable_after_kill (void)
{
  Fixture fixture = { 0 };
  Fixture *f = &fixture;
  const char *channel;
  g_autoptr (GHashTable) acked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *data_dir = NULL;
  g_autofree char *cursor = NULL;
  CascadeTestServer *after;
  User *senders[3];
  guint round = 0;

  set_up_with (f, "[chat]\nrate-messages=1000\nduplicate-seconds=0\n");
  go_live (f);
  channel = f->streamer.username;
  senders[0] = &f->streamer;
  senders[1] = &f->alice;
  senders[2] = &f->bob;
  for (guint u = 0; u < 3; u++)
    json_object_unref (join (senders[u], channel));

  /* pipelined sends (under the socket's 50 a second), acks read as they come */
  while (g_hash_table_size (acked) < 60)
    {
      for (guint u = 0; u < 3; u++)
        for (guint i = 0; i < 10; i++)
          {
            g_autofree char *text = g_strdup_printf ("r%u u%u m%u", round, u, i);

            send_text (senders[u], channel, "k", text);
          }
      round++;
      for (guint u = 0; u < 3; u++)
        for (;;)
          {
            g_autoptr (JsonObject) message = test_realtime_next (senders[u]->rt, 200);
            const char *type;

            if (message == NULL)
              break;
            type = json_object_get_string_member_with_default (message, "type", "");
            g_assert_cmpstr (type, !=, "error");
            if (g_str_equal (type, "chat.sent"))
              g_hash_table_add (acked,
                                g_strdup (json_object_get_string_member (message, "message_id")));
          }
      test_wait_ms (250); /* stay under the socket's rate limit */
    }
  /* more in flight, then the kill */
  for (guint u = 0; u < 3; u++)
    for (guint i = 0; i < 10; i++)
      {
        g_autofree char *text = g_strdup_printf ("last u%u m%u", u, i);

        send_text (senders[u], channel, "k", text);
      }
  for (guint u = 0; u < 3; u++)
    {
      g_autoptr (JsonObject) message = test_realtime_next (senders[u]->rt, 20);

      if (message != NULL &&
          g_str_equal (json_object_get_string_member (message, "type"), "chat.sent"))
        g_hash_table_add (acked, g_strdup (json_object_get_string_member (message, "message_id")));
    }
  cascade_test_server_kill (f->server);
  for (guint u = 0; u < 3; u++)
    g_clear_pointer (&senders[u]->rt, test_realtime_free);

  data_dir = g_strdup (cascade_test_server_get_data_dir (f->server));
  after = cascade_test_server_new_in_dir (data_dir, NULL);
  for (;;)
    {
      g_autofree char *path =
        cursor != NULL
          ? g_strdup_printf ("/api/v1/channels/%s/chat?limit=100&before=%s", channel, cursor)
          : g_strdup_printf ("/api/v1/channels/%s/chat?limit=100", channel);
      g_autoptr (JsonNode) page = NULL;
      JsonArray *items;
      JsonNode *next;

      g_assert_cmpuint (cascade_test_server_request (after, "GET", path, NULL, NULL, &page), ==,
                        SOUP_STATUS_OK);
      items = json_object_get_array_member (test_object (page), "items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        g_hash_table_add (stored, g_strdup (json_object_get_string_member (
                                    json_array_get_object_element (items, i), "id")));
      next = json_object_get_member (test_object (page), "next_cursor");
      if (next == NULL || JSON_NODE_HOLDS_NULL (next))
        break;
      g_free (cursor);
      cursor = g_strdup (json_node_get_string (next));
    }
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, acked);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      if (!g_hash_table_contains (stored, key))
        g_error ("acknowledged message %s is not in the history after SIGKILL", (char *) key);
  }
  g_test_message ("%u acknowledged, %u stored", g_hash_table_size (acked),
                  g_hash_table_size (stored));
  g_assert_cmpint (cascade_test_server_stop (after), ==, 0);
  cascade_test_server_free (after);

  user_clear (&f->streamer);
  user_clear (&f->alice);
  user_clear (&f->bob);
  cascade_test_server_free (f->server);
  g_free (f->stream_id);
}

/* The room closes when the stream ends (open-after-minutes=0 here), and
 * the streamer opens it again by joining before going live. */
static void
test_room_open_close (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s", f->stream_id);
  g_autoptr (JsonObject) closed = NULL;
  g_autoptr (JsonObject) opened = NULL;
  g_autoptr (JsonObject) chatters = NULL;

  json_object_unref (join (&f->alice, channel));
  json_object_unref (join (&f->bob, channel));
  test_realtime_send_printf (
    f->alice.rt, "{\"type\":\"chat.chatters\",\"id\":\"c\",\"channel\":\"%s\"}", channel);
  chatters = expect_chat (f->alice.rt, "chat.chatters");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (chatters, "items")), ==,
                    2);

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "DELETE", path, f->streamer.token, NULL, NULL), ==,
    SOUP_STATUS_NO_CONTENT);
  for (;;)
    {
      g_autoptr (JsonObject) message = test_realtime_next (f->alice.rt, TEST_WAIT_MS);

      g_assert_nonnull (message);
      if (g_str_equal (json_object_get_string_member (message, "type"), "chat.room"))
        {
          closed = g_steal_pointer (&message);
          break;
        }
    }
  g_assert_false (json_object_get_boolean_member (closed, "open"));
  send_text (&f->alice, channel, "rc", "anyone?");
  json_object_unref (expect_error (f->alice.rt, "room_closed", "rc"));

  /* the streamer joins before going live: open for open-before-minutes */
  json_object_unref (join (&f->streamer, channel));
  for (;;)
    {
      g_autoptr (JsonObject) message = test_realtime_next (f->bob.rt, TEST_WAIT_MS);

      g_assert_nonnull (message);
      if (g_str_equal (json_object_get_string_member (message, "type"), "chat.room") &&
          json_object_get_boolean_member (message, "open"))
        {
          opened = g_steal_pointer (&message);
          break;
        }
    }
  g_free (send_ok (&f->bob, channel, "hello early"));
}

/* Moderators only see moderation; a denied held message is gone; a removed
 * moderator is a viewer again. */
static void
test_moderators_only (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autofree char *path =
    g_strdup_printf ("/api/v1/channels/%s/chat/moderators/%s", channel, f->alice.username);
  g_autofree char *terms = g_strdup_printf ("/api/v1/channels/%s/chat/blocked-terms", channel);
  g_autofree char *json = NULL;
  g_autoptr (JsonObject) held = NULL;
  g_autoptr (JsonObject) action = NULL;
  g_autoptr (JsonObject) you = NULL;
  g_autoptr (JsonNode) history = NULL;
  g_autofree char *history_path = g_strdup_printf ("/api/v1/channels/%s/chat", channel);

  g_assert_cmpuint (put (f, path, f->streamer.token, "{}"), ==, SOUP_STATUS_NO_CONTENT);
  g_assert_cmpuint (put (f, terms, f->streamer.token, "{\"terms\":[\"badword\"]}"), ==,
                    SOUP_STATUS_OK);
  json_object_unref (join (&f->alice, channel));
  json_object_unref (join (&f->bob, channel));

  send_text (&f->bob, channel, "h", "a BADWORD here");
  json_object_unref (expect_error (f->bob.rt, "held", "h"));
  held = wait_for (&f->alice, "chat.held");
  json = g_strdup_printf (
    "{\"type\":\"chat.held_deny\",\"id\":\"dn\",\"channel\":\"%s\",\"message_id\":\"%s\"}", channel,
    json_object_get_string_member (json_object_get_object_member (held, "message"), "id"));
  test_realtime_send (f->alice.rt, json);
  action = wait_for (&f->alice, "chat.mod_action");
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (action, "action"), "action"), ==,
    "deny");
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (action, "action"), "target"), ==,
    f->bob.username);
  json_object_unref (wait_for (&f->alice, "chat.ok"));
  /* the viewer saw neither the held message nor the moderation */
  g_free (send_ok (&f->bob, channel, "fine words"));
  history = get_json (f, history_path, NULL, SOUP_STATUS_OK);
  g_assert_cmpuint (
    json_array_get_length (json_object_get_array_member (test_object (history), "items")), ==, 1);

  g_assert_cmpuint (put (f, path, f->streamer.token, NULL), ==, SOUP_STATUS_NO_CONTENT);
  you = wait_for (&f->alice, "chat.you");
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (you, "you"), "role"), ==,
    "viewer");
  g_free (json);
  json =
    g_strdup_printf ("{\"type\":\"chat.ban\",\"id\":\"b\",\"channel\":\"%s\",\"username\":\"%s\"}",
                     channel, f->bob.username);
  test_realtime_send (f->alice.rt, json);
  json_object_unref (expect_error (f->alice.rt, "forbidden", "b"));
  /* and nobody follows their own channel */
  g_free (path);
  path = g_strdup_printf ("/api/v1/channels/%s/follow", channel);
  g_assert_cmpuint (put (f, path, f->streamer.token, "{}"), ==, SOUP_STATUS_BAD_REQUEST);
}

/* The text of the held message in a chat.held. */
static const char *
held_text (JsonObject *held)
{
  return json_object_get_string_member (json_object_get_object_member (held, "message"), "text");
}

static const char *
held_id (JsonObject *held)
{
  return json_object_get_string_member (json_object_get_object_member (held, "message"), "id");
}

/* Signs @user in again (tokens name the server's address, which a restart
 * changes) and connects. */
static void
user_sign_in (Fixture *f, User *user)
{
  g_autofree char *body =
    g_strdup_printf ("{\"login\":\"%s\",\"password\":\"%s\"}", user->username, TEST_PASSWORD);
  g_autoptr (JsonNode) auth = NULL;

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "POST", "/api/v1/auth/login", NULL, body, &auth), ==,
    SOUP_STATUS_OK);
  g_free (user->token);
  user->token = g_strdup (test_string (auth, "access_token"));
  g_clear_pointer (&user->rt, test_realtime_free);
  user->rt = test_realtime_connect (f->server, user->token);
}

/* Held messages are stored: after a SIGKILL the streamer gets the pending
 * ones on joining, oldest first; an approved one reaches the room, a denied
 * one is gone, and neither is pending again. */
static void
test_held_after_restart (void)
{
  Fixture fixture = { 0 };
  Fixture *f = &fixture;
  const char *channel;
  g_autofree char *terms = NULL;
  CascadeTestServer *killed;
  g_autofree char *json = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonObject) first = NULL;
  g_autoptr (JsonObject) second = NULL;
  g_autoptr (JsonObject) chatters = NULL;
  g_autoptr (JsonNode) log = NULL;
  g_autofree char *log_path = NULL;
  JsonArray *items;

  set_up_with (f, NULL);
  go_live (f);
  channel = f->streamer.username;
  terms = g_strdup_printf ("/api/v1/channels/%s/chat/blocked-terms", channel);
  g_assert_cmpuint (put (f, terms, f->streamer.token, "{\"terms\":[\"badword\"]}"), ==,
                    SOUP_STATUS_OK);
  json_object_unref (join (&f->bob, channel));
  send_text (&f->bob, channel, "h1", "first badword");
  json_object_unref (expect_error (f->bob.rt, "held", "h1"));
  send_text (&f->bob, channel, "h2", "second BadWord");
  json_object_unref (expect_error (f->bob.rt, "held", "h2"));

  cascade_test_server_kill (f->server);
  g_clear_pointer (&f->bob.rt, test_realtime_free);
  g_clear_pointer (&f->streamer.rt, test_realtime_free);
  g_clear_pointer (&f->alice.rt, test_realtime_free);
  killed = f->server; /* owns the data dir: freed at the end */
  f->server = cascade_test_server_new_in_dir (cascade_test_server_get_data_dir (killed), NULL);
  user_sign_in (f, &f->streamer);
  user_sign_in (f, &f->bob);
  json_object_unref (join (&f->bob, channel));

  /* the viewer gets no held messages; the streamer gets both, in order */
  json_object_unref (join (&f->streamer, channel));
  first = expect_chat (f->streamer.rt, "chat.held");
  second = expect_chat (f->streamer.rt, "chat.held");
  g_assert_cmpstr (held_text (first), ==, "first badword");
  g_assert_cmpstr (held_text (second), ==, "second BadWord");
  g_assert_cmpstr (
    json_object_get_string_member (
      json_object_get_object_member (json_object_get_object_member (first, "message"), "user"),
      "username"),
    ==, f->bob.username);

  json = g_strdup_printf (
    "{\"type\":\"chat.held_approve\",\"id\":\"ap\",\"channel\":\"%s\",\"message_id\":\"%s\"}",
    channel, held_id (first));
  moderate (&f->streamer, json, "ap");
  text = expect_message (&f->bob, NULL);
  g_assert_cmpstr (text, ==, "first badword");
  /* a second decision on the same message finds none */
  test_realtime_send (f->streamer.rt, json);
  {
    g_autoptr (JsonObject) error = wait_for (&f->streamer, "error");

    g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, "not_found");
  }
  g_free (json);
  json = g_strdup_printf (
    "{\"type\":\"chat.held_deny\",\"id\":\"dn\",\"channel\":\"%s\",\"message_id\":\"%s\"}", channel,
    held_id (second));
  moderate (&f->streamer, json, "dn");

  /* nothing is pending any more, for a new connection either */
  g_clear_pointer (&f->streamer.rt, test_realtime_free);
  f->streamer.rt = test_realtime_connect (f->server, f->streamer.token);
  json_object_unref (join (&f->streamer, channel));
  test_realtime_send_printf (
    f->streamer.rt, "{\"type\":\"chat.chatters\",\"id\":\"c\",\"channel\":\"%s\"}", channel);
  chatters = expect_chat (f->streamer.rt, "chat.chatters");

  /* both decisions are in the log, newest first, with whose message it was */
  log_path = g_strdup_printf ("/api/v1/channels/%s/chat/log", channel);
  log = get_json (f, log_path, f->streamer.token, SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (log), "items");
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (items, 0), "action"), ==, "deny");
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (items, 1), "action"), ==,
    "approve");
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (items, 1), "target"), ==,
    f->bob.username);

  user_clear (&f->streamer);
  user_clear (&f->alice);
  user_clear (&f->bob);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  cascade_test_server_free (f->server);
  cascade_test_server_free (killed);
  g_free (f->stream_id);
}

/* A user chooses their chat colour from the palette; their messages carry
 * it (also in a room they are already in), and null gives the default back. */
static void
test_chat_color (Fixture *f, gconstpointer data)
{
  const char *channel = f->streamer.username;
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (JsonNode) answer = NULL;
  g_autoptr (JsonObject) message = NULL;
  const char *chosen;
  char *default_color;
  JsonArray *palette;
  guint status;

  before = get_json (f, "/api/v1/me/chat-color", f->alice.token, SOUP_STATUS_OK);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (test_object (before), "color")));
  palette = json_object_get_array_member (test_object (before), "palette");
  g_assert_cmpuint (json_array_get_length (palette), >=, 8);
  json_object_unref (join (&f->alice, channel));
  json_object_unref (join (&f->bob, channel));

  g_free (send_ok (&f->alice, channel, "default colour"));
  message = wait_for (&f->bob, "chat.message");
  default_color = g_strdup (json_object_get_string_member (
    json_object_get_object_member (json_object_get_object_member (message, "message"), "user"),
    "color"));
  g_clear_pointer (&message, json_object_unref);
  /* a palette colour other than the default one, upper case is fine */
  chosen = json_array_get_string_element (palette, 0);
  if (g_str_equal (chosen, default_color))
    chosen = json_array_get_string_element (palette, 1);
  {
    g_autofree char *upper = g_ascii_strup (chosen, -1);
    g_autofree char *body = g_strdup_printf ("{\"color\":\"%s\"}", upper);

    status = cascade_test_server_request (f->server, "PUT", "/api/v1/me/chat-color", f->alice.token,
                                          body, &answer);
  }
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_assert_cmpstr (json_object_get_string_member (test_object (answer), "color"), ==, chosen);
  g_free (send_ok (&f->alice, channel, "my colour"));
  message = wait_for (&f->bob, "chat.message");
  g_assert_cmpstr (
    json_object_get_string_member (
      json_object_get_object_member (json_object_get_object_member (message, "message"), "user"),
      "color"),
    ==, chosen);
  g_clear_pointer (&message, json_object_unref);

  /* bad input: not in the palette, not a string, malformed, no token */
  g_clear_pointer (&answer, json_node_unref);
  status = cascade_test_server_request (f->server, "PUT", "/api/v1/me/chat-color", f->alice.token,
                                        "{\"color\":\"#123456\"}", &answer);
  test_assert_error (status, answer, SOUP_STATUS_BAD_REQUEST, "invalid_value", NULL);
  g_clear_pointer (&answer, json_node_unref);
  status = cascade_test_server_request (f->server, "PUT", "/api/v1/me/chat-color", f->alice.token,
                                        "{\"color\":7}", &answer);
  test_assert_error (status, answer, SOUP_STATUS_BAD_REQUEST, "invalid_type", "color");
  g_clear_pointer (&answer, json_node_unref);
  status = cascade_test_server_request (f->server, "PUT", "/api/v1/me/chat-color", f->alice.token,
                                        "{\"color\":", &answer);
  test_assert_error (status, answer, SOUP_STATUS_BAD_REQUEST, "malformed_json", NULL);
  g_clear_pointer (&answer, json_node_unref);
  status = cascade_test_server_request (f->server, "PUT", "/api/v1/me/chat-color", NULL,
                                        "{\"color\":null}", &answer);
  g_assert_cmpuint (status, ==, SOUP_STATUS_UNAUTHORIZED);
  g_clear_pointer (&answer, json_node_unref);
  answer = get_json (f, "/api/v1/me/chat-color", f->alice.token, SOUP_STATUS_OK);
  g_assert_cmpstr (json_object_get_string_member (test_object (answer), "color"), ==, chosen);

  /* null: the default again */
  g_clear_pointer (&answer, json_node_unref);
  status = cascade_test_server_request (f->server, "PUT", "/api/v1/me/chat-color", f->alice.token,
                                        "{\"color\":null}", &answer);
  g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
  g_free (send_ok (&f->alice, channel, "default again"));
  message = wait_for (&f->bob, "chat.message");
  g_assert_cmpstr (
    json_object_get_string_member (
      json_object_get_object_member (json_object_get_object_member (message, "message"), "user"),
      "color"),
    ==, default_color);
  g_free (default_color);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, config)                                                                    \
  g_test_add ("/cascade/server/chat/" path, Fixture, config, fixture_set_up, func,                 \
              fixture_tear_down)
  ADD ("order-and-history", test_order_and_history, NULL);
  ADD ("fragments", test_fragments, NULL);
  ADD ("bad-input", test_bad_input, NULL);
  ADD ("limits", test_limits, "[chat]\nrate-messages=3\n");
  ADD ("moderation", test_moderation, NULL);
  ADD ("modes", test_modes, NULL);
  ADD ("replay", test_replay, NULL);
  ADD ("room-open-close", test_room_open_close, "[chat]\nopen-after-minutes=0\n");
  ADD ("moderators-only", test_moderators_only, NULL);
  ADD ("chat-color", test_chat_color, NULL);
#undef ADD
  g_test_add_func ("/cascade/server/chat/held-after-restart", test_held_after_restart);
  g_test_add_func ("/cascade/server/chat/durable-after-sigkill", test_durable_after_kill);
  return g_test_run ();
}
