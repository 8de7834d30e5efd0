/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-test.h"
#include "cascade-test-server.h"

/* CascadeRealtime and the session's realtime connection against a real
 * cascaded: hello, detailed messages, refusal, reconnecting after the
 * server restarts. */

#define PASSWORD "correct horse battery"

typedef struct
{
  char *data_dir;
  CascadeTestServer *server;
  CascadeClient *client;
  char *username;
  GPtrArray *messages; /* JsonObject, every message received */
  guint hellos;
} Fixture;

static void
sign_up (CascadeClient *client, char **out_username)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *username = cascade_test_unique_name ("rt");
  g_autofree char *email = g_strdup_printf ("%s@example.com", username);

  cascade_client_register_async (client, email, username, PASSWORD, NULL, NULL,
                                 cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  tokens = cascade_client_register_finish (client, result, &error);
  g_assert_no_error (error);
  cascade_client_set_access_token (client, tokens->access_token);
  *out_username = g_steal_pointer (&username);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->data_dir = cascade_test_make_tmp_dir ();
  f->server = cascade_test_server_new_in_dir (f->data_dir, NULL);
  f->client = cascade_client_new (cascade_test_server_get_url (f->server));
  f->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  sign_up (f->client, &f->username);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cascade_test_assert_finalized (g_steal_pointer (&f->client), CASCADE_TEST_TIMEOUT_MS);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  cascade_test_rm_rf (f->data_dir);
  g_free (f->data_dir);
  g_free (f->username);
  g_ptr_array_unref (f->messages);
}

static void
on_message (CascadeRealtime *realtime, const char *type, JsonObject *message, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_cmpstr (type, ==, json_object_get_string_member (message, "type"));
  g_ptr_array_add (f->messages, json_object_ref (message));
}

static void
on_hello (CascadeRealtime *realtime, const char *type, JsonObject *message, gpointer user_data)
{
  Fixture *f = user_data;

  g_assert_cmpstr (type, ==, "hello");
  f->hellos++;
}

static gboolean
do_connect (CascadeRealtime *realtime, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_realtime_connect_async (realtime, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_realtime_connect_finish (realtime, result, error);
}

static gboolean
is_connected (gpointer data)
{
  return cascade_realtime_get_state (data) == CASCADE_REALTIME_STATE_CONNECTED;
}

static gboolean
is_not_connected (gpointer data)
{
  return cascade_realtime_get_state (data) != CASCADE_REALTIME_STATE_CONNECTED;
}

typedef struct
{
  Fixture *f;
  const char *type;
} Wanted;

static gboolean
has_message (gpointer data)
{
  Wanted *wanted = data;

  for (guint i = 0; i < wanted->f->messages->len; i++)
    if (g_strcmp0 (
          json_object_get_string_member (g_ptr_array_index (wanted->f->messages, i), "type"),
          wanted->type) == 0)
      return TRUE;
  return FALSE;
}

static void
test_hello (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeRealtime) realtime = cascade_realtime_new (f->client);
  g_autoptr (GError) error = NULL;
  guint state_notifies = 0;
  JsonObject *hello;

  g_signal_connect (realtime, "message", G_CALLBACK (on_message), f);
  g_signal_connect (realtime, "message::hello", G_CALLBACK (on_hello), f);
  cascade_test_count_notify (realtime, "state", &state_notifies);
  g_assert_cmpint (cascade_realtime_get_state (realtime), ==, CASCADE_REALTIME_STATE_DISCONNECTED);

  g_assert_true (do_connect (realtime, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cascade_realtime_get_state (realtime), ==, CASCADE_REALTIME_STATE_CONNECTED);
  g_assert_cmpuint (state_notifies, ==, 2); /* connecting, connected */
  g_assert_cmpuint (f->hellos, ==, 1);
  g_assert_cmpuint (f->messages->len, ==, 1);
  hello = g_ptr_array_index (f->messages, 0);
  g_assert_cmpstr (json_object_get_string_member (hello, "connection_id"), ==,
                   cascade_realtime_get_connection_id (realtime));
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (hello, "user"), "username"), ==,
    f->username);

  /* Connecting again while connected finishes at once. */
  g_assert_true (do_connect (realtime, &error));
  g_assert_cmpuint (f->hellos, ==, 1);

  cascade_realtime_close (realtime);
  g_assert_cmpint (cascade_realtime_get_state (realtime), ==, CASCADE_REALTIME_STATE_DISCONNECTED);
  g_assert_null (cascade_realtime_get_connection_id (realtime));
  cascade_test_assert_finalized (g_steal_pointer (&realtime), CASCADE_TEST_TIMEOUT_MS);
}

/* Replies reach the handlers of their type, and only those. */
static void
test_send_and_detail (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeRealtime) realtime = cascade_realtime_new (f->client);
  g_autoptr (JsonObject) ping = json_object_new ();
  g_autoptr (GError) error = NULL;
  Wanted pong = { f, "pong" };
  Wanted server_error = { f, "error" };
  JsonObject *last;

  g_signal_connect (realtime, "message::pong", G_CALLBACK (on_message), f);
  g_signal_connect (realtime, "message::error", G_CALLBACK (on_message), f);
  g_assert_true (do_connect (realtime, &error));
  g_assert_cmpuint (f->messages->len, ==, 0); /* the hello went to no handler */

  json_object_set_string_member (ping, "type", "ping");
  json_object_set_string_member (ping, "id", "p-1");
  cascade_realtime_send (realtime, ping);
  cascade_test_wait_until (has_message, &pong, CASCADE_TEST_TIMEOUT_MS, "a pong");
  last = g_ptr_array_index (f->messages, f->messages->len - 1);
  g_assert_cmpstr (json_object_get_string_member (last, "id"), ==, "p-1");

  json_object_set_string_member (ping, "type", "no.such.type");
  cascade_realtime_send (realtime, ping);
  cascade_test_wait_until (has_message, &server_error, CASCADE_TEST_TIMEOUT_MS, "an error");
  last = g_ptr_array_index (f->messages, f->messages->len - 1);
  g_assert_cmpstr (json_object_get_string_member (last, "code"), ==, "unknown_type");
  cascade_realtime_close (realtime);
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeRealtime) realtime = NULL;
  g_autoptr (GError) error = NULL;

  cascade_client_set_access_token (f->client, "not-a-token");
  realtime = cascade_realtime_new (f->client);
  g_assert_false (do_connect (realtime, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (cascade_realtime_get_state (realtime), !=, CASCADE_REALTIME_STATE_CONNECTED);
  cascade_realtime_close (realtime);
  g_assert_cmpint (cascade_realtime_get_state (realtime), ==, CASCADE_REALTIME_STATE_DISCONNECTED);
  cascade_test_assert_finalized (g_steal_pointer (&realtime), CASCADE_TEST_TIMEOUT_MS);
}

/* The server goes away and comes back on the same address: the connection
 * comes back by itself, with a new hello. */
static void
test_reconnect (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeRealtime) realtime = cascade_realtime_new (f->client);
  g_autoptr (GError) error = NULL;
  g_autofree char *url = g_strdup (cascade_test_server_get_url (f->server));
  g_autofree char *listen = g_strdup (strstr (url, "://") + 3);
  const char *args[] = { "--listen", listen, NULL };
  g_autofree char *first_id = NULL;

  g_signal_connect (realtime, "message::hello", G_CALLBACK (on_hello), f);
  g_assert_true (do_connect (realtime, &error));
  first_id = g_strdup (cascade_realtime_get_connection_id (realtime));

  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  cascade_test_wait_until (is_not_connected, realtime, CASCADE_TEST_TIMEOUT_MS,
                           "the connection to drop");
  cascade_test_run_for (700); /* a failed attempt or two while the server is down */

  f->server = cascade_test_server_new_in_dir (f->data_dir, args);
  g_assert_cmpstr (cascade_test_server_get_url (f->server), ==, url);
  cascade_test_wait_until (is_connected, realtime, CASCADE_TEST_TIMEOUT_MS,
                           "the connection to come back");
  g_assert_cmpuint (f->hellos, ==, 2);
  g_assert_cmpstr (cascade_realtime_get_connection_id (realtime), !=, first_id);
  cascade_realtime_close (realtime);
}

static gboolean
session_connected (gpointer data)
{
  return is_connected (cascade_session_get_realtime (data));
}

/* The session's realtime connection is up exactly while signed in. */
static void
test_session (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeSession) session =
    cascade_session_new (cascade_test_server_get_url (f->server));
  g_autoptr (GError) error = NULL;
  g_autofree char *username = cascade_test_unique_name ("session");
  g_autofree char *email = g_strdup_printf ("%s@example.com", username);
  CascadeRealtime *realtime = cascade_session_get_realtime (session);

  g_assert_true (CASCADE_IS_REALTIME (realtime));
  g_assert_cmpint (cascade_realtime_get_state (realtime), ==, CASCADE_REALTIME_STATE_DISCONNECTED);
  g_assert_true (cascade_test_session_sign_up (session, email, username, PASSWORD, &error));
  g_assert_no_error (error);
  cascade_test_wait_until (session_connected, session, CASCADE_TEST_TIMEOUT_MS,
                           "the session's realtime connection");
  g_assert_true (cascade_test_session_sign_out (session, &error));
  g_assert_cmpint (cascade_realtime_get_state (realtime), ==, CASCADE_REALTIME_STATE_DISCONNECTED);
  cascade_test_assert_finalized (g_steal_pointer (&session), CASCADE_TEST_TIMEOUT_MS);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/app/realtime/hello", test_hello);
  ADD ("/cascade/app/realtime/send-and-detail", test_send_and_detail);
  ADD ("/cascade/app/realtime/refused", test_refused);
  ADD ("/cascade/app/realtime/reconnect", test_reconnect);
  ADD ("/cascade/app/realtime/session", test_session);
#undef ADD

  return g_test_run ();
}
