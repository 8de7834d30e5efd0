/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-test.h"
#include "cascade-test-server.h"

#define PASSWORD "correct horse battery"

typedef struct
{
  CascadeTestServer *server;
  CascadeClient *client;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->server = cascade_test_server_new (NULL);
  f->client = cascade_client_new (cascade_test_server_get_url (f->server));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cascade_test_assert_finalized (g_steal_pointer (&f->client), CASCADE_TEST_TIMEOUT_MS);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
}

/* ---- synchronous wrappers over the async API, for readable tests ---- */

static CascadeAuthTokens *
do_register (CascadeClient *client,
             const char *email,
             const char *username,
             const char *password,
             const char *display_name,
             GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_register_async (client, email, username, password, display_name, NULL,
                                 cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_register_finish (client, result, error);
}

static CascadeAuthTokens *
do_login (CascadeClient *client, const char *login, const char *password, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_login_async (client, login, password, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_login_finish (client, result, error);
}

static CascadeAuthTokens *
do_refresh (CascadeClient *client, const char *refresh_token, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_refresh_async (client, refresh_token, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_refresh_finish (client, result, error);
}

static gboolean
do_logout (CascadeClient *client, const char *refresh_token, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_logout_async (client, refresh_token, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_logout_finish (client, result, error);
}

static CascadeUser *
do_me (CascadeClient *client, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_get_me_async (client, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_get_me_finish (client, result, error);
}

static CascadeAuthTokens *
register_someone (CascadeClient *client, char **out_username)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *username = cascade_test_unique_name ("user");
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);
  CascadeAuthTokens *tokens = do_register (client, email, username, PASSWORD, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tokens);
  if (out_username != NULL)
    *out_username = g_steal_pointer (&username);
  return tokens;
}

static void
assert_client_error (const GError *error,
                     CascadeClientError code,
                     const char *server_code,
                     const char *field)
{
  g_assert_error (error, CASCADE_CLIENT_ERROR, (gint) code);
  g_assert_cmpstr (cascade_client_error_get_code (error), ==, server_code);
  g_assert_cmpstr (cascade_client_error_get_field (error), ==, field);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
}

/* ---- round trips against the real cascaded ---- */

static void
test_register_login_me (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *username = cascade_test_unique_name ("ada");
  g_autofree char *email = g_strdup_printf ("%s@Example.ORG", username);
  g_autofree char *email_lower = g_ascii_strdown (email, -1);
  g_autoptr (CascadeAuthTokens) registered = NULL;
  g_autoptr (CascadeAuthTokens) by_name = NULL;
  g_autoptr (CascadeAuthTokens) by_email = NULL;
  g_autoptr (CascadeUser) me = NULL;

  registered = do_register (f->client, email, username, PASSWORD, "Ada Lovelace", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_username (registered->user), ==, username);
  g_assert_cmpstr (cascade_user_get_display_name (registered->user), ==, "Ada Lovelace");
  g_assert_cmpstr (cascade_user_get_email (registered->user), ==, email_lower);
  g_assert_cmpstr (cascade_user_get_role (registered->user), ==, "user");
  g_assert_cmpstr (cascade_user_get_id (registered->user), !=, "");
  g_assert_cmpint (registered->expires_in, ==, 900);
  g_assert_cmpint (registered->refresh_expires_in, ==, 30 * 24 * 3600);
  g_assert_nonnull (strchr (registered->access_token, '.')); /* a JWT */
  g_assert_cmpstr (registered->refresh_token, !=, registered->access_token);

  /* Without a token, /me is refused; with it, it is us. */
  me = do_me (f->client, &error);
  g_assert_null (me);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "unauthorized", NULL);
  g_clear_error (&error);

  cascade_client_set_access_token (f->client, registered->access_token);
  me = do_me (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_id (me), ==, cascade_user_get_id (registered->user));
  g_assert_cmpstr (cascade_user_get_username (me), ==, username);
  g_assert_cmpstr (cascade_user_get_display_name (me), ==, "Ada Lovelace");

  /* Sign in by username and by e-mail address. */
  by_name = do_login (f->client, username, PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_id (by_name->user), ==, cascade_user_get_id (registered->user));
  by_email = do_login (f->client, email_lower, PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_id (by_email->user), ==,
                   cascade_user_get_id (registered->user));
  g_assert_cmpstr (by_email->refresh_token, !=, by_name->refresh_token);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *username = NULL;
  g_autoptr (CascadeAuthTokens) registered = register_someone (f->client, &username);
  g_autoptr (CascadeAuthTokens) tokens = NULL;

  tokens = do_login (f->client, username, "not the password", &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_credentials", NULL);
  g_clear_error (&error);

  tokens = do_login (f->client, "nobody_at_all", PASSWORD, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_credentials", NULL);
}

/* The request body is JSON we write ourselves: quotes, backslashes, control
 * characters and non-ASCII in a password must survive the round trip. */
static void
test_password_escaping (Fixture *f, gconstpointer data)
{
  const char *password = "qu\"ote\\back\tslash \x01 ünïcödé ✓ \n end";
  g_autoptr (GError) error = NULL;
  g_autofree char *username = cascade_test_unique_name ("esc");
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);
  g_autoptr (CascadeAuthTokens) registered = NULL;
  g_autoptr (CascadeAuthTokens) tokens = NULL;

  registered = do_register (f->client, email, username, password, "Zoë \"Z\" O'Neil", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_display_name (registered->user), ==, "Zoë \"Z\" O'Neil");

  tokens = do_login (f->client, username, password, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tokens);

  g_clear_pointer (&tokens, cascade_auth_tokens_free);
  tokens = do_login (f->client, username, "qu\"ote\\back\tslash \x01 ünïcödé ✓ \n en", &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_credentials", NULL);
}

static void
test_refresh_rotation (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeAuthTokens) first = register_someone (f->client, NULL);
  g_autoptr (CascadeAuthTokens) second = NULL;
  g_autoptr (CascadeAuthTokens) again = NULL;
  g_autoptr (CascadeUser) me = NULL;

  second = do_refresh (f->client, first->refresh_token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (second->refresh_token, !=, first->refresh_token);
  g_assert_cmpstr (cascade_user_get_id (second->user), ==, cascade_user_get_id (first->user));

  cascade_client_set_access_token (f->client, second->access_token);
  me = do_me (f->client, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_id (me), ==, cascade_user_get_id (first->user));

  /* The first token is used up: presenting it again revokes the session. */
  again = do_refresh (f->client, first->refresh_token, &error);
  g_assert_null (again);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "refresh_token_reused", NULL);
  g_clear_error (&error);

  again = do_refresh (f->client, second->refresh_token, &error);
  g_assert_null (again);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  /* Garbage is refused the same way, not with a crash or a 500. */
  again = do_refresh (f->client, "not-a-token", &error);
  g_assert_null (again);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_refresh_token", NULL);
}

static void
test_logout (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeAuthTokens) tokens = register_someone (f->client, NULL);
  g_autoptr (CascadeAuthTokens) refreshed = NULL;
  g_autoptr (CascadeUser) me = NULL;

  cascade_client_set_access_token (f->client, tokens->access_token);
  g_assert_true (do_logout (f->client, tokens->refresh_token, &error));
  g_assert_no_error (error);

  /* The session is gone: its access token and its refresh token are refused. */
  me = do_me (f->client, &error);
  g_assert_null (me);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_token", NULL);
  g_clear_error (&error);

  refreshed = do_refresh (f->client, tokens->refresh_token, &error);
  g_assert_null (refreshed);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);
  g_clear_error (&error);

  /* Logging out without a token is refused. */
  cascade_client_set_access_token (f->client, NULL);
  g_assert_false (do_logout (f->client, NULL, &error));
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "unauthorized", NULL);
}

/* ---- the server's errors, mapped ---- */

static void
test_error_conflict (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *username = NULL;
  g_autoptr (CascadeAuthTokens) first = register_someone (f->client, &username);
  g_autofree char *other_name = cascade_test_unique_name ("other");
  g_autofree char *other_email = g_strdup_printf ("%s@example.org", other_name);
  g_autofree char *taken_email = g_strdup_printf ("%s@example.org", username);
  g_autoptr (CascadeAuthTokens) tokens = NULL;

  tokens = do_register (f->client, other_email, username, PASSWORD, NULL, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_CONFLICT, "username_taken", "username");
  g_clear_error (&error);

  tokens = do_register (f->client, taken_email, other_name, PASSWORD, NULL, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_CONFLICT, "email_taken", "email");
}

static void
test_error_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *username = cascade_test_unique_name ("inv");
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);
  g_autoptr (CascadeAuthTokens) tokens = NULL;

  tokens = do_register (f->client, email, username, "short", NULL, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_password", "password");
  g_clear_error (&error);

  tokens = do_register (f->client, "not an address", username, PASSWORD, NULL, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_email", "email");
  g_clear_error (&error);

  tokens = do_register (f->client, email, "No Spaces Allowed", PASSWORD, NULL, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_username", "username");
  g_clear_error (&error);

  tokens = do_register (f->client, email, username, PASSWORD, "   ", &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_INVALID, "invalid_display_name", "display_name");
  g_clear_error (&error);

  /* None of these created the account. */
  tokens = do_login (f->client, username, PASSWORD, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_UNAUTHORIZED, "invalid_credentials", NULL);
}

/* ---- the network ---- */

static void
test_network_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", cascade_test_closed_port ());
  g_autofree char *expected = g_strdup_printf ("Could not reach the server at %s: ", url);
  g_autoptr (CascadeClient) client = cascade_client_new (url);
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  g_autoptr (CascadeUser) me = NULL;

  tokens = do_login (client, "someone", PASSWORD, &error);
  g_assert_null (tokens);
  assert_client_error (error, CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL);
  g_assert_true (g_str_has_prefix (error->message, expected));
  g_assert_nonnull (strstr (error->message, "Connection refused"));
  g_clear_error (&error);

  me = do_me (client, &error);
  g_assert_null (me);
  assert_client_error (error, CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL);
}

static void
test_network_bad_address (void)
{
  const char *const addresses[] = { "ftp://127.0.0.1:21", "127.0.0.1:8787", "http://", "" };

  for (gsize i = 0; i < G_N_ELEMENTS (addresses); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CascadeClient) client = cascade_client_new (addresses[i]);
      g_autoptr (CascadeUser) me = do_me (client, &error);

      g_test_message ("address “%s”: %s", addresses[i], error != NULL ? error->message : "");
      g_assert_null (me);
      assert_client_error (error, CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL);
    }
}

static void
test_base_url (void)
{
  g_autoptr (CascadeClient) client = cascade_client_new ("http://example.org:8787/");
  guint notified = 0;

  g_assert_cmpstr (cascade_client_get_base_url (client), ==, "http://example.org:8787");
  cascade_test_count_notify (client, "base-url", &notified);
  cascade_client_set_base_url (client, "http://example.org:8787//");
  g_assert_cmpuint (notified, ==, 0);
  cascade_client_set_base_url (client, "https://cascade.example.org");
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpstr (cascade_client_get_base_url (client), ==, "https://cascade.example.org");
}

/* ---- cancellation ---- */

static gboolean
on_incoming_hold (GSocketService *service,
                  GSocketConnection *connection,
                  GObject *source,
                  gpointer user_data)
{
  GPtrArray *held = user_data;

  /* Accept, read nothing, answer nothing. */
  g_ptr_array_add (held, g_object_ref (connection));
  return TRUE;
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (CascadeClient) silent = NULL;
  g_autofree char *url = NULL;
  guint16 port;

  /* Cancelled before it starts: against the real server, nothing happens. */
  g_cancellable_cancel (cancellable);
  cascade_client_login_async (f->client, "someone", PASSWORD, cancellable, cascade_test_keep_result,
                              &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  tokens = cascade_client_login_finish (f->client, result, &error);
  g_assert_null (tokens);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  g_clear_object (&cancellable);

  /* Cancelled while waiting on a server that never answers: it ends as
   * cancelled, not as timed out (the client's own timeout, 20 s, is within
   * the wait). */
  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (on_incoming_hold), held);
  g_socket_service_start (service);
  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  silent = cascade_client_new (url);

  cancellable = g_cancellable_new ();
  cascade_client_register_async (silent, "a@example.org", "someone", PASSWORD, NULL, cancellable,
                                 cascade_test_keep_result, &result);
  while (held->len == 0)
    g_main_context_iteration (NULL, TRUE);
  cascade_test_run_for (200);
  g_assert_null (result);

  g_cancellable_cancel (cancellable);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  tokens = cascade_client_register_finish (silent, result, &error);
  g_assert_null (tokens);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

/* ---- answers that are not a Cascade server's ---- */

typedef struct
{
  guint status;
  const char *content_type;
  const char *body;
  gsize repeat; /* body repeated this many times (0 = once) */
  char *user_agent;
  char *request_content_type;
} Answer;

static void
answer_handler (SoupServer *server,
                SoupServerMessage *msg,
                const char *path,
                GHashTable *query,
                gpointer user_data)
{
  Answer *answer = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  GString *body = g_string_new (NULL);

  g_free (answer->user_agent);
  answer->user_agent = g_strdup (soup_message_headers_get_one (request_headers, "User-Agent"));
  g_free (answer->request_content_type);
  answer->request_content_type =
    g_strdup (soup_message_headers_get_content_type (request_headers, NULL));

  for (gsize i = 0; i < MAX (answer->repeat, 1); i++)
    g_string_append (body, answer->body);
  soup_server_message_set_status (msg, answer->status, NULL);
  soup_server_message_set_response (msg, answer->content_type, SOUP_MEMORY_COPY, body->str,
                                    body->len);
  g_string_free (body, TRUE);
}

static void
test_protocol_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr (CascadeClient) client = NULL;
  g_autofree char *url = NULL;
  GSList *uris;
  Answer answer = { 0 };
  const struct
  {
    guint status;
    const char *content_type;
    const char *body;
    gsize repeat;
    CascadeClientError expected;
    const char *expected_code;
  } cases[] = {
    { 200, "text/html", "<html><body>Welcome to nginx!</body></html>", 0,
      CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
    { 200, "application/json", "[1, 2, 3]", 0, CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
    { 200, "application/json", "{\"user\": 5, \"access_token\": \"x\"}", 0,
      CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
    { 200, "application/json",
      "{\"user\": {\"id\": \"1\", \"username\": \"a\", \"display_name\": \"A\", \"email\": "
      "\"a@b.c\", \"role\": \"user\"}, \"access_token\": \"a.b.c\", \"token_type\": \"Bearer\", "
      "\"expires_in\": \"900\", \"refresh_token\": \"r\", \"refresh_expires_in\": 2592000}",
      0, CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
    { 200, "application/json", "{\"truncated\": ", 0, CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
    { 200, "application/json", "", 0, CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
    { 200, "application/json", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", 300000,
      CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
    { 502, "text/html", "<html>Bad gateway</html>", 0, CASCADE_CLIENT_ERROR_SERVER, NULL },
    { 503, "application/json",
      "{\"error\": {\"code\": \"database_unavailable\", \"message\": \"Down.\"}}", 0,
      CASCADE_CLIENT_ERROR_SERVER, "database_unavailable" },
    { 429, "application/json",
      "{\"error\": {\"code\": \"rate_limited\", \"message\": \"Slow down.\"}}", 0,
      CASCADE_CLIENT_ERROR_RATE_LIMITED, "rate_limited" },
    { 403, "application/json", "{\"error\": {\"code\": \"forbidden\", \"message\": \"No.\"}}", 0,
      CASCADE_CLIENT_ERROR_FORBIDDEN, "forbidden" },
    { 413, "application/json",
      "{\"error\": {\"code\": \"payload_too_large\", \"message\": \"Too big.\"}}", 0,
      CASCADE_CLIENT_ERROR_TOO_LARGE, "payload_too_large" },
    { 404, "text/plain", "not here", 0, CASCADE_CLIENT_ERROR_NOT_FOUND, NULL },
    { 418, "application/json", "{\"error\": 7}", 0, CASCADE_CLIENT_ERROR_PROTOCOL, NULL },
  };

  soup_server_add_handler (server, NULL, answer_handler, &answer, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  client = cascade_client_new (url);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CascadeAuthTokens) tokens = NULL;

      answer.status = cases[i].status;
      answer.content_type = cases[i].content_type;
      answer.body = cases[i].body;
      answer.repeat = cases[i].repeat;
      tokens = do_login (client, "someone", PASSWORD, &error);
      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, error != NULL ? error->message : "");
      g_assert_null (tokens);
      assert_client_error (error, cases[i].expected, cases[i].expected_code, NULL);
      g_clear_error (&error);
    }

  /* Every call says who it is and sends JSON. */
  g_assert_cmpstr (answer.user_agent, ==, "Cascade/" PACKAGE_VERSION);
  g_assert_cmpstr (answer.request_content_type, ==, "application/json");

  soup_server_disconnect (server);
  g_free (answer.user_agent);
  g_free (answer.request_content_type);
}

static void
test_user_from_json (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) good = json_from_string (
    "{\"id\": \"7\", \"username\": \"ada\", \"display_name\": \"Ada\", \"email\": "
    "\"ada@example.org\", "
    "\"role\": \"user\", \"created_at\": \"2026-11-24T21:35:00Z\", \"extra\": [1]}",
    &error);
  g_autoptr (JsonNode) bad = json_from_string (
    "{\"id\": 7, \"username\": \"ada\", \"display_name\": \"Ada\", \"email\": \"ada@example.org\", "
    "\"role\": \"user\"}",
    &error);
  g_autoptr (JsonNode) missing =
    json_from_string ("{\"id\": \"7\", \"username\": \"ada\"}", &error);
  g_autoptr (CascadeUser) user = NULL;
  g_autofree char *display_name = NULL;

  g_assert_no_error (error);
  user = cascade_user_new_from_json (json_node_get_object (good), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_user_get_id (user), ==, "7");
  g_assert_cmpstr (cascade_user_get_email (user), ==, "ada@example.org");
  g_object_get (user, "display-name", &display_name, NULL);
  g_assert_cmpstr (display_name, ==, "Ada");
  g_clear_object (&user);

  user = cascade_user_new_from_json (json_node_get_object (bad), &error);
  g_assert_null (user);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_PROTOCOL);
  g_clear_error (&error);

  user = cascade_user_new_from_json (json_node_get_object (missing), &error);
  g_assert_null (user);
  g_assert_error (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_PROTOCOL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func)                                                                            \
  g_test_add ("/cascade/app/client/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("register-login-me", test_register_login_me);
  ADD ("wrong-password", test_wrong_password);
  ADD ("password-escaping", test_password_escaping);
  ADD ("refresh-rotation", test_refresh_rotation);
  ADD ("logout", test_logout);
  ADD ("error/conflict", test_error_conflict);
  ADD ("error/invalid", test_error_invalid);
  ADD ("cancel", test_cancel);
  g_test_add_func ("/cascade/app/client/error/network-refused", test_network_refused);
  g_test_add_func ("/cascade/app/client/error/bad-address", test_network_bad_address);
  g_test_add_func ("/cascade/app/client/error/protocol", test_protocol_errors);
  g_test_add_func ("/cascade/app/client/base-url", test_base_url);
  g_test_add_func ("/cascade/app/client/user-from-json", test_user_from_json);

#undef ADD

  return g_test_run ();
}
