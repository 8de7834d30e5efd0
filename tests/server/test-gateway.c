/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* Routing, limits and the error shape, against a real cascaded. */

typedef struct
{
  CascadeTestServer *server;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->server = cascade_test_server_new (NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
}

/* Sends @data with @content_type; returns the status and the parsed body. */
static guint
send_body (CascadeTestServer *server,
           const char *method,
           const char *path,
           const char *content_type,
           const char *data,
           gsize length,
           JsonNode **out)
{
  g_autoptr (GBytes) body = data != NULL ? g_bytes_new (data, length) : NULL;
  g_autoptr (GBytes) response = NULL;
  guint status;

  status = cascade_test_server_request_full (server, method, path, NULL, content_type, body, NULL,
                                             &response);
  *out = g_bytes_get_size (response) > 0 ? test_parse_bytes (response) : NULL;
  return status;
}

static void
assert_healthy (CascadeTestServer *server)
{
  g_autoptr (JsonNode) response = NULL;

  g_assert_cmpuint (cascade_test_server_request (server, "GET", "/healthz", NULL, NULL, &response),
                    ==, SOUP_STATUS_OK);
  g_assert_cmpstr (test_string (response, "status"), ==, "ok");
}

static void
test_healthz (Fixture *f, gconstpointer data)
{
  g_autoptr (SoupMessageHeaders) headers = NULL;
  g_autoptr (GBytes) body = NULL;

  assert_healthy (f->server);
  g_assert_cmpuint (cascade_test_server_request_full (f->server, "HEAD", "/healthz", NULL, NULL,
                                                      NULL, &headers, &body),
                    ==, SOUP_STATUS_OK);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 0);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  const char *paths[] = { "/",          "/api/v1/nothing", "/api/v1/me/",
                          "/healthz/x", "/api/v1/ME",      "/api/v1/auth/register/../me" };

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status =
        cascade_test_server_request (f->server, "GET", paths[i], NULL, NULL, &response);

      if (status == SOUP_STATUS_BAD_REQUEST)
        continue; /* libsoup itself refuses dot segments */
      test_assert_error (status, response, SOUP_STATUS_NOT_FOUND, "not_found", NULL);
    }
}

static void
test_wrong_method (Fixture *f, gconstpointer data)
{
  const struct
  {
    const char *method;
    const char *path;
    const char *allow;
  } cases[] = {
    { "PATCH", "/api/v1/me", "GET, HEAD, DELETE" },
    { "POST", "/api/v1/me", "GET, HEAD, DELETE" },
    { "GET", "/api/v1/auth/register", "POST" },
    { "PUT", "/api/v1/auth/login", "POST" },
    { "POST", "/healthz", "GET, HEAD" },
    { "PATCH", "/.well-known/jwks.json", "GET, HEAD" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SoupMessageHeaders) headers = NULL;
      g_autoptr (GBytes) body = NULL;
      g_autoptr (JsonNode) json = NULL;
      guint status;

      status = cascade_test_server_request_full (f->server, cases[i].method, cases[i].path, NULL,
                                                 NULL, NULL, &headers, &body);
      json = test_parse_bytes (body);
      test_assert_error (status, json, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed", NULL);
      g_assert_cmpstr (soup_message_headers_get_one (headers, "Allow"), ==, cases[i].allow);
    }
}

static void
test_malformed_json (Fixture *f, gconstpointer data)
{
  g_autofree char *deep = g_strnfill (100000, '[');
  const char bad_utf8[] = "{\"email\": \"\xff\xfe@example.com\"}";
  const char with_nul[] = "{\"email\": \"a\0@example.com\"}";
  const struct
  {
    const char *data;
    gssize length;
  } bodies[] = {
    { "", 0 },
    { "{", -1 },
    { "[]", -1 },
    { "null", -1 },
    { "\"just a string\"", -1 },
    { "{\"email\": }", -1 },
    { "{\"email\": \"a@b.co\",}", -1 },
    { "{'email': 'a@b.co'}", -1 },
    { "{\"email\": \"\\u0000\"}", -1 },
    { deep, -1 },
    { bad_utf8, sizeof bad_utf8 - 1 },
    { with_nul, sizeof with_nul - 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      gsize length = bodies[i].length < 0 ? strlen (bodies[i].data) : (gsize) bodies[i].length;
      g_autoptr (JsonNode) response = NULL;
      guint status = send_body (f->server, "POST", "/api/v1/auth/register", "application/json",
                                bodies[i].data, length, &response);

      test_assert_error (status, response, SOUP_STATUS_BAD_REQUEST, "malformed_json", NULL);
    }
  assert_healthy (f->server);
}

static char *
register_body_of_size (gsize size)
{
  const char *head = "{\"email\": \"big@example.com\", \"username\": \"big\", "
                     "\"password\": \"" TEST_PASSWORD "\", \"pad\": \"";
  gsize fill = size - strlen (head) - strlen ("\"}");
  g_autofree char *pad = g_strnfill (fill, 'x');

  return g_strconcat (head, pad, "\"}", NULL);
}

/* The limit is 1 MiB by default: a body of exactly that size is read (and
 * its unknown "pad" member ignored), one byte more is refused unread. */
static void
test_body_limit (Fixture *f, gconstpointer data)
{
  g_autofree char *fits = register_body_of_size (1024 * 1024);
  g_autofree char *too_big = register_body_of_size (1024 * 1024 + 1);
  g_autoptr (JsonNode) response = NULL;
  guint status;

  status = send_body (f->server, "POST", "/api/v1/auth/register", "application/json", too_big,
                      strlen (too_big), &response);
  test_assert_error (status, response, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                     NULL);
  g_clear_pointer (&response, json_node_unref);

  status = send_body (f->server, "POST", "/api/v1/auth/register", "application/json", fits,
                      strlen (fits), &response);
  g_assert_cmpuint (status, ==, SOUP_STATUS_CREATED);
  g_assert_cmpstr (
    test_string (json_object_get_member (test_object (response), "user"), "username"), ==, "big");
  assert_healthy (f->server);
}

/* A body of unknown length (chunked) is counted as it arrives. */
static guint
send_chunked (CascadeTestServer *server, const char *data, gsize length, JsonNode **out)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *uri =
    g_strconcat (cascade_test_server_get_url (server), "/api/v1/auth/register", NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", uri);
  g_autoptr (GBytes) bytes = g_bytes_new (data, length);
  g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GError) error = NULL;

  soup_message_set_request_body (msg, "application/json", stream, -1);
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (soup_message_headers_get_encoding (soup_message_get_request_headers (msg)), ==,
                   SOUP_ENCODING_CHUNKED);
  *out = test_parse_bytes (response);
  return soup_message_get_status (msg);
}

static void
test_body_limit_chunked (Fixture *f, gconstpointer data)
{
  g_autofree char *too_big = register_body_of_size (2 * 1024 * 1024);
  const char *small = "{\"email\": \"chunk@example.com\", \"username\": \"chunk\", "
                      "\"password\": \"" TEST_PASSWORD "\"}";
  g_autoptr (JsonNode) response = NULL;
  guint status;

  status = send_chunked (f->server, too_big, strlen (too_big), &response);
  test_assert_error (status, response, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                     NULL);
  g_clear_pointer (&response, json_node_unref);

  status = send_chunked (f->server, small, strlen (small), &response);
  g_assert_cmpuint (status, ==, SOUP_STATUS_CREATED);
}

/* max-body-bytes in the config file sets the limit. */
static void
test_body_limit_configured (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  const char *args[] = { "--config", path, NULL };
  g_autoptr (CascadeTestServer) server = NULL;
  g_autoptr (JsonNode) response = NULL;
  g_autofree char *over = NULL;
  const char *under = "{\"login\": \"x\", \"password\": \"" TEST_PASSWORD "\"}";
  g_autoptr (GError) error = NULL;
  guint status;

  g_file_set_contents (path, "[server]\nmax-body-bytes=200\n", -1, &error);
  g_assert_no_error (error);
  server = cascade_test_server_new (args);
  over = g_strdup_printf ("{\"login\": \"%0200d\", \"password\": \"x\"}", 0);

  status = send_body (server, "POST", "/api/v1/auth/login", "application/json", over, strlen (over),
                      &response);
  test_assert_error (status, response, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                     NULL);
  g_clear_pointer (&response, json_node_unref);
  status = send_body (server, "POST", "/api/v1/auth/login", "application/json", under,
                      strlen (under), &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials", NULL);

  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  cascade_test_rm_rf (dir);
}

static void
test_content_type (Fixture *f, gconstpointer data)
{
  const char *body = "{\"login\": \"nobody\", \"password\": \"" TEST_PASSWORD "\"}";
  const char *refused[] = { "text/plain", "application/x-www-form-urlencoded",
                            "application/json; charset=iso-8859-1", "application/jsonp", NULL };
  const char *accepted[] = { "application/json", "application/json; charset=utf-8",
                             "Application/JSON; charset=UTF-8" };

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status = send_body (f->server, "POST", "/api/v1/auth/login", refused[i], body,
                                strlen (body), &response);

      test_assert_error (status, response, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                         "unsupported_media_type", NULL);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status = send_body (f->server, "POST", "/api/v1/auth/login", accepted[i], body,
                                strlen (body), &response);

      test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials", NULL);
    }
}

static GSocketConnection *
connect_raw (CascadeTestServer *server)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_timeout (client, 10);
  connection =
    g_socket_client_connect_to_uri (client, cascade_test_server_get_url (server), 0, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

/* Sends raw bytes, then reads whatever comes back until the server closes
 * the connection or a few seconds pass. */
static char *
raw_exchange (CascadeTestServer *server, const char *data, gsize length, gboolean half_close)
{
  g_autoptr (GSocketConnection) connection = connect_raw (server);
  GSocket *socket = g_socket_connection_get_socket (connection);
  GString *reply = g_string_new (NULL);
  char buffer[4096];
  gssize n;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), data, length,
                             NULL, NULL, NULL);
  if (half_close)
    g_socket_shutdown (socket, FALSE, TRUE, NULL);
  g_socket_set_timeout (socket, 2);
  while ((n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (reply, buffer, n);
  return g_string_free (reply, FALSE);
}

/* Nothing a client sends brings the server down or makes it answer 500. */
static void
test_garbage (Fixture *f, gconstpointer data)
{
  const char binary[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\0\0\0\r\n\r\n";
  const struct
  {
    const char *data;
    gssize length;
    gboolean half_close;
  } cases[] = {
    { "GARBAGE\r\n\r\n", -1, FALSE },
    { binary, sizeof binary - 1, TRUE },
    { "POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"", -1,
      TRUE },
    { "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", -1, FALSE },
    { "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/json\r\n\r\nzz\r\n",
      -1, TRUE },
    { "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe.\x01.\r\n\r\n", -1,
      FALSE },
    { "GET /%00%ff HTTP/1.1\r\nHost: x\r\n\r\n", -1, FALSE },
    { "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", -1, FALSE },
    { "BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", -1, FALSE },
    { "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", -1, FALSE },
    { "GET /healthz HTTP/1.1\r\n", -1, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = cases[i].length < 0 ? strlen (cases[i].data) : (gsize) cases[i].length;
      g_autofree char *reply = raw_exchange (f->server, cases[i].data, length, cases[i].half_close);

      g_assert_null (strstr (reply, " 500 "));
      assert_healthy (f->server);
    }
}

typedef struct
{
  const char *url;
  int index;
  guint status;
} Concurrent;

static gpointer
register_thread (gpointer data)
{
  Concurrent *c = data;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *uri = g_strconcat (c->url, "/api/v1/auth/register", NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", uri);
  g_autofree char *body = g_strdup_printf ("{\"email\": \"conc%d@example.com\", \"username\": "
                                           "\"conc%d\", \"password\": \"" TEST_PASSWORD "\"}",
                                           c->index, c->index);
  gsize length = strlen (body);
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&body), length);
  g_autoptr (GBytes) response = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  response = soup_session_send_and_read (session, msg, NULL, NULL);
  c->status = soup_message_get_status (msg);
  return NULL;
}

/* Many sign-ups at once all succeed (hashing and the database take turns
 * without refusing anyone), and the server keeps answering meanwhile. */
static void
test_concurrent (Fixture *f, gconstpointer data)
{
  Concurrent calls[12];
  GThread *threads[G_N_ELEMENTS (calls)];

  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      calls[i] = (Concurrent){ cascade_test_server_get_url (f->server), (int) i, 0 };
      threads[i] = g_thread_new ("register", register_thread, &calls[i]);
    }
  assert_healthy (f->server);
  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (calls[i].status, ==, SOUP_STATUS_CREATED);
    }
}

/* Sends @body to @path as the client behind X-Forwarded-For @forwarded. */
static guint
send_forwarded (CascadeTestServer *server,
                const char *path,
                const char *bearer,
                const char *forwarded,
                const char *body,
                JsonNode **out)
{
  g_autofree char *authorization = bearer != NULL ? g_strconcat ("Bearer ", bearer, NULL) : NULL;
  const char *headers[] = { "X-Forwarded-For", forwarded, "Authorization", authorization, NULL };
  g_autoptr (GBytes) request = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;
  g_autoptr (GBytes) response = NULL;
  guint status;

  if (authorization == NULL)
    headers[2] = NULL;
  status = cascade_test_server_request_full (server, body != NULL ? "POST" : "GET", path, headers,
                                             "application/json", request, NULL, &response);
  *out = g_bytes_get_size (response) > 0 ? test_parse_bytes (response) : NULL;
  return status;
}

/* The address a session was signed in from, as its user sees it. */
static char *
session_address (CascadeTestServer *server, JsonNode *session)
{
  g_autoptr (JsonNode) list = NULL;
  JsonArray *items;

  g_assert_cmpuint (cascade_test_server_request (server, "GET", "/api/v1/me/sessions",
                                                 test_string (session, "access_token"), NULL,
                                                 &list),
                    ==, SOUP_STATUS_OK);
  items = json_object_get_array_member (test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  return g_strdup (
    json_object_get_string_member (json_array_get_object_element (items, 0), "address"));
}

/* X-Forwarded-For counts only from a peer in [server] trusted-proxies: then
 * the client's address (for rate limits and sessions) is the last one a
 * trusted hop did not add. */
static void
test_forwarded_for (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  const char *args[] = { "--config", path, NULL };
  const char *wrong = "{\"login\": \"nobody\", \"password\": \"" TEST_PASSWORD "\"}";
  const char *reg = "{\"email\": \"fwd@example.com\", \"username\": \"fwd\", "
                    "\"password\": \"" TEST_PASSWORD "\"}";
  g_autoptr (CascadeTestServer) proxied = NULL;
  g_autoptr (JsonNode) direct = NULL;
  g_autoptr (JsonNode) behind = NULL;
  g_autoptr (JsonNode) limited = NULL;
  g_autofree char *address = NULL;
  g_autoptr (GError) error = NULL;
  guint status;

  /* Not a trusted proxy: the header is the client's word, ignored. */
  g_assert_cmpuint (
    send_forwarded (f->server, "/api/v1/auth/register", NULL, "203.0.113.5", reg, &direct), ==,
    SOUP_STATUS_CREATED);
  address = session_address (f->server, direct);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_clear_pointer (&address, g_free);

  g_file_set_contents (path,
                       "[server]\ntrusted-proxies=10.9.0.0/16;127.0.0.1\n"
                       "[limits]\naddress-burst=3\naddress-per-minute=1\n",
                       -1, &error);
  g_assert_no_error (error);
  proxied = cascade_test_server_new (args);

  /* A made-up hop left of an untrusted one is not believed. */
  g_assert_cmpuint (send_forwarded (proxied, "/api/v1/auth/register", NULL,
                                    "198.51.100.1, 203.0.113.7, 10.9.3.4", reg, &behind),
                    ==, SOUP_STATUS_CREATED);
  address = session_address (proxied, behind);
  g_assert_cmpstr (address, ==, "203.0.113.7");

  /* Rate limits count per forwarded client. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (JsonNode) response = NULL;

      status =
        send_forwarded (proxied, "/api/v1/auth/login", NULL, "203.0.113.7", wrong, &response);
      test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials", NULL);
    }
  status = send_forwarded (proxied, "/api/v1/auth/login", NULL, "203.0.113.7", wrong, &limited);
  test_assert_error (status, limited, 429, "rate_limited", NULL);
  g_clear_pointer (&limited, json_node_unref);
  status = send_forwarded (proxied, "/api/v1/auth/login", NULL, "203.0.113.8", wrong, &limited);
  test_assert_error (status, limited, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials", NULL);

  g_assert_cmpint (cascade_test_server_stop (proxied), ==, 0);
  cascade_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/gateway/forwarded-for", test_forwarded_for);
  ADD ("/cascade/server/gateway/healthz", test_healthz);
  ADD ("/cascade/server/gateway/not-found", test_not_found);
  ADD ("/cascade/server/gateway/wrong-method", test_wrong_method);
  ADD ("/cascade/server/gateway/malformed-json", test_malformed_json);
  ADD ("/cascade/server/gateway/body-limit", test_body_limit);
  ADD ("/cascade/server/gateway/body-limit-chunked", test_body_limit_chunked);
  ADD ("/cascade/server/gateway/content-type", test_content_type);
  ADD ("/cascade/server/gateway/garbage", test_garbage);
  ADD ("/cascade/server/gateway/concurrent", test_concurrent);
#undef ADD
  g_test_add_func ("/cascade/server/gateway/body-limit-configured", test_body_limit_configured);

  return g_test_run ();
}
