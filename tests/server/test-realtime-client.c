/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "test-realtime-client.h"

struct _TestRealtime
{
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GQueue messages; /* JsonObject */
  gboolean closed;
};

/* A cascaded with a config file: credential limits high enough for tests
 * that sign up several users, plus @extra_config. */
CascadeTestServer *
test_streaming_server_new (const char *extra_config)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  g_autofree char *contents =
    g_strdup_printf ("[limits]\naddress-burst=1000\naddress-per-minute=1000\n%s",
                     extra_config != NULL ? extra_config : "");
  const char *args[] = { "--config", path, NULL };
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return cascade_test_server_new (args);
}

/* Registers a new user; returns the access token. */
char *
test_streaming_sign_up (CascadeTestServer *server, char **out_username)
{
  g_autoptr (JsonNode) auth = test_register_new (server, out_username);

  return g_strdup (test_string (auth, "access_token"));
}

/* @access_token's user goes live with a 720p stream; returns its id. */
char *
test_streaming_go_live (CascadeTestServer *server, const char *access_token)
{
  g_autoptr (JsonNode) stream = NULL;

  g_assert_cmpuint (
    cascade_test_server_request (
      server, "POST", "/api/v1/streams", access_token,
      "{\"title\":\"Live\",\"category\":\"Doom\",\"renditions\":" TEST_RENDITIONS "}", &stream),
    ==, SOUP_STATUS_CREATED);
  return g_strdup (test_string (stream, "id"));
}

void
test_wait_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_pending (NULL))
        g_usleep (1000);
      g_main_context_iteration (NULL, FALSE);
    }
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  TestRealtime *self = user_data;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  g_autofree char *text = g_strndup (data, length);
  g_autoptr (JsonNode) node = test_parse (text);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_queue_push_tail (&self->messages, json_object_ref (test_object (node)));
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  TestRealtime *self = user_data;

  self->closed = TRUE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  SoupWebsocketConnection *ws =
    soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (ws == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, ws, g_object_unref);
  g_object_unref (task);
}

/* Connects; returns the connection, or NULL with the HTTP status in @status. */
static SoupWebsocketConnection *
connect_ws (SoupSession *session,
            CascadeTestServer *server,
            const char *authorization,
            const char *query,
            guint *status)
{
  g_autofree char *url =
    g_strdup_printf ("%s/api/v1/realtime%s%s", cascade_test_server_get_url (server),
                     query != NULL ? "?" : "", query != NULL ? query : "");
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;

  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                  authorization);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, g_object_ref (task));
  while (!g_task_get_completed (task))
    g_main_context_iteration (NULL, TRUE);
  ws = g_task_propagate_pointer (task, &error);
  *status = soup_message_get_status (msg);
  return ws;
}

/* Connects with @authorization (a header value) and @query; NULL if the
 * upgrade was refused, with the HTTP status in @out_status. */
TestRealtime *
test_realtime_connect_full (CascadeTestServer *server,
                            const char *authorization,
                            const char *query,
                            guint *out_status)
{
  TestRealtime *self = g_new0 (TestRealtime, 1);
  guint status = 0;

  self->session = soup_session_new ();
  self->ws = connect_ws (self->session, server, authorization, query, &status);
  if (out_status != NULL)
    *out_status = status;
  if (self->ws == NULL)
    {
      g_object_unref (self->session);
      g_free (self);
      return NULL;
    }
  g_queue_init (&self->messages);
  g_signal_connect (self->ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_closed), self);
  return self;
}

TestRealtime *
test_realtime_connect (CascadeTestServer *server, const char *access_token)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", access_token, NULL);
  guint status = 0;
  TestRealtime *self = test_realtime_connect_full (server, authorization, NULL, &status);

  if (self == NULL)
    g_error ("the realtime upgrade answered %u", status);
  return self;
}

/* Asserts the upgrade is refused; returns the HTTP status. */
guint
test_realtime_connect_refused (CascadeTestServer *server,
                               const char *authorization,
                               const char *query)
{
  guint status = 0;
  TestRealtime *self = test_realtime_connect_full (server, authorization, query, &status);

  g_assert_null (self);
  return status;
}

void
test_realtime_send (TestRealtime *self, const char *json)
{
  g_assert_false (self->closed);
  soup_websocket_connection_send_text (self->ws, json);
}

void
test_realtime_send_printf (TestRealtime *self, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  test_realtime_send (self, text);
}

void
test_realtime_send_bytes (TestRealtime *self, GBytes *bytes, gboolean binary)
{
  soup_websocket_connection_send_message (
    self->ws, binary ? SOUP_WEBSOCKET_DATA_BINARY : SOUP_WEBSOCKET_DATA_TEXT, bytes);
}

/* The next message (transfer full), or NULL after @timeout_ms. */
JsonObject *
test_realtime_next (TestRealtime *self, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (g_queue_is_empty (&self->messages) && g_get_monotonic_time () < end)
    {
      if (!g_main_context_pending (NULL))
        g_usleep (1000);
      g_main_context_iteration (NULL, FALSE);
    }
  return g_queue_pop_head (&self->messages);
}

/* The next message, asserted to be of @type (transfer full). */
JsonObject *
test_realtime_expect (TestRealtime *self, const char *type)
{
  JsonObject *message = test_realtime_next (self, TEST_WAIT_MS);
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (message == NULL)
    g_error ("waited in vain for a “%s” message", type);
  if (g_strcmp0 (json_object_get_string_member_with_default (message, "type", NULL), type) != 0)
    {
      node = json_node_init_object (json_node_alloc (), message);
      text = json_to_string (node, FALSE);
      g_error ("expected a “%s” message, got %s", type, text);
    }
  return message;
}

/* The next message is an error with @code (and "id" @id, or none). */
void
test_realtime_expect_error (TestRealtime *self, const char *code, const char *id)
{
  g_autoptr (JsonObject) error = test_realtime_expect (self, "error");

  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
  g_assert_cmpstr (json_object_get_string_member_with_default (error, "id", NULL), ==, id);
}

void
test_realtime_expect_nothing (TestRealtime *self, guint ms)
{
  g_autoptr (JsonObject) message = test_realtime_next (self, ms);

  if (message != NULL)
    {
      g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), message);
      g_autofree char *text = json_to_string (node, FALSE);

      g_error ("expected no message, got %s", text);
    }
}

gboolean
test_realtime_is_closed (TestRealtime *self)
{
  return self->closed;
}

/* Closes from our side and waits until the server saw it. */
void
test_realtime_close (TestRealtime *self)
{
  gint64 end = g_get_monotonic_time () + TEST_WAIT_MS * G_TIME_SPAN_MILLISECOND;

  if (!self->closed)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  while (!self->closed && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (self->closed);
}

void
test_realtime_free (TestRealtime *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->ws, self);
  if (!self->closed)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (self->ws);
  g_object_unref (self->session);
  g_queue_clear_full (&self->messages, (GDestroyNotify) json_object_unref);
  g_free (self);
}
