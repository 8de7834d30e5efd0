/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* Accounts and sessions against a real cascaded. */

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

static guint
post (Fixture *f, const char *path, const char *bearer, const char *body, JsonNode **out)
{
  return cascade_test_server_request (f->server, "POST", path, bearer, body, out);
}

static guint
get_me (Fixture *f, const char *bearer, JsonNode **out)
{
  return cascade_test_server_request (f->server, "GET", "/api/v1/me", bearer, NULL, out);
}

static JsonNode *
login (Fixture *f, const char *login, const char *password)
{
  g_autofree char *body =
    g_strdup_printf ("{\"login\": \"%s\", \"password\": \"%s\"}", login, password);
  JsonNode *response = NULL;

  g_assert_cmpuint (post (f, "/api/v1/auth/login", NULL, body, &response), ==, SOUP_STATUS_OK);
  return response;
}

static guint
refresh (Fixture *f, const char *refresh_token, JsonNode **out)
{
  g_autofree char *body = g_strdup_printf ("{\"refresh_token\": \"%s\"}", refresh_token);

  return post (f, "/api/v1/auth/refresh", NULL, body, out);
}

static void
assert_user (JsonNode *user, const char *username, const char *display_name, const char *email)
{
  g_autoptr (GRegex) iso8601 =
    g_regex_new ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", 0, 0, NULL);

  g_assert_cmpuint (strlen (test_string (user, "id")), >, 0);
  g_assert_cmpstr (test_string (user, "username"), ==, username);
  g_assert_cmpstr (test_string (user, "display_name"), ==, display_name);
  g_assert_cmpstr (test_string (user, "email"), ==, email);
  g_assert_cmpstr (test_string (user, "role"), ==, "user");
  g_assert_true (g_regex_match (iso8601, test_string (user, "created_at"), 0, NULL));
}

static void
assert_auth_response (JsonNode *response, gint64 expires_in)
{
  JsonObject *object = test_object (response);

  g_assert_cmpuint (strlen (test_string (response, "access_token")), >, 0);
  g_assert_cmpstr (test_string (response, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), ==, expires_in);
  g_assert_cmpuint (strlen (test_string (response, "refresh_token")), ==, 43);
  g_assert_cmpint (json_object_get_int_member (object, "refresh_expires_in"), ==, 2592000);
}

static void
test_register_account (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) response = NULL;
  g_autoptr (JsonNode) me = NULL;
  JsonNode *user;

  g_assert_cmpuint (post (f, "/api/v1/auth/register", NULL,
                          "{\"email\": \"Alice@Example.COM\", \"username\": \"alice\", "
                          "\"password\": \"" TEST_PASSWORD "\", \"ignored\": [1, 2]}",
                          &response),
                    ==, SOUP_STATUS_CREATED);
  assert_auth_response (response, 900);
  user = json_object_get_member (test_object (response), "user");
  assert_user (user, "alice", "alice", "alice@example.com");

  /* The access token works right away. */
  g_assert_cmpuint (get_me (f, test_string (response, "access_token"), &me), ==, SOUP_STATUS_OK);
  assert_user (me, "alice", "alice", "alice@example.com");
  g_assert_cmpstr (test_string (me, "id"), ==, test_string (user, "id"));
}

static void
test_register_display_name (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) response = NULL;

  g_assert_cmpuint (post (f, "/api/v1/auth/register", NULL,
                          "{\"email\": \"bo@example.com\", \"username\": \"bo\\u005f\", "
                          "\"password\": \"" TEST_PASSWORD "\", "
                          "\"display_name\": \"  Bö Ström \\u2603 \"}",
                          &response),
                    ==, SOUP_STATUS_CREATED);
  assert_user (json_object_get_member (test_object (response), "user"), "bo_", "Bö Ström ☃",
               "bo@example.com");
}

static void
test_login (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) registered =
    test_register (f->server, "carol@example.com", "carol", TEST_PASSWORD);
  const char *id = test_string (json_object_get_member (test_object (registered), "user"), "id");
  const char *logins[] = { "carol", "carol@example.com", "CAROL@Example.com", "Carol" };

  for (gsize i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      g_autoptr (JsonNode) response = login (f, logins[i], TEST_PASSWORD);
      g_autoptr (JsonNode) me = NULL;
      JsonNode *user = json_object_get_member (test_object (response), "user");

      assert_auth_response (response, 900);
      assert_user (user, "carol", "carol", "carol@example.com");
      g_assert_cmpstr (test_string (user, "id"), ==, id);
      g_assert_cmpuint (get_me (f, test_string (response, "access_token"), &me), ==,
                        SOUP_STATUS_OK);
      g_assert_cmpstr (test_string (me, "username"), ==, "carol");
    }
}

/* A wrong password and an unknown account get the same answer. */
static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) registered =
    test_register (f->server, "dan@example.com", "dan", TEST_PASSWORD);
  const char *bodies[] = {
    "{\"login\": \"dan\", \"password\": \"wrong password\"}",
    "{\"login\": \"dan@example.com\", \"password\": \"" TEST_PASSWORD "!\"}",
    "{\"login\": \"nobody\", \"password\": \"" TEST_PASSWORD "\"}",
    "{\"login\": \"\", \"password\": \"\"}",
  };
  g_autofree char *first_message = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status = post (f, "/api/v1/auth/login", NULL, bodies[i], &response);
      JsonObject *error;

      test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials", NULL);
      error = json_object_get_object_member (test_object (response), "error");
      if (first_message == NULL)
        first_message = g_strdup (json_object_get_string_member (error, "message"));
      g_assert_cmpstr (json_object_get_string_member (error, "message"), ==, first_message);
    }
}

static void
test_duplicates (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) registered =
    test_register (f->server, "erin@example.com", "erin", TEST_PASSWORD);
  const struct
  {
    const char *body;
    const char *code;
    const char *field;
  } cases[] = {
    { "{\"email\": \"erin@example.com\", \"username\": \"erin2\", \"password\": \"" TEST_PASSWORD
      "\"}",
      "email_taken", "email" },
    { "{\"email\": \"ERIN@EXAMPLE.COM\", \"username\": \"erin3\", \"password\": \"" TEST_PASSWORD
      "\"}",
      "email_taken", "email" },
    { "{\"email\": \"other@example.com\", \"username\": \"erin\", \"password\": \"" TEST_PASSWORD
      "\"}",
      "username_taken", "username" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status = post (f, "/api/v1/auth/register", NULL, cases[i].body, &response);

      test_assert_error (status, response, SOUP_STATUS_CONFLICT, cases[i].code, cases[i].field);
    }
  /* Nothing was created by the refused attempts. */
  {
    g_autoptr (JsonNode) response = NULL;
    guint status = post (f, "/api/v1/auth/login", NULL,
                         "{\"login\": \"erin2\", \"password\": \"" TEST_PASSWORD "\"}", &response);

    test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials", NULL);
  }
}

static void
test_validation (Fixture *f, gconstpointer data)
{
  g_autofree char *long_password = g_strnfill (129, 'p');
  g_autofree char *long_name = g_strnfill (65, 'n');
  g_autofree char *long_password_body = g_strdup_printf (
    "{\"email\": \"v@example.com\", \"username\": \"val\", \"password\": \"%s\"}", long_password);
  g_autofree char *long_name_body = g_strdup_printf (
    "{\"email\": \"v@example.com\", \"username\": \"val\", \"password\": \"" TEST_PASSWORD "\", "
    "\"display_name\": \"%s\"}",
    long_name);
  const struct
  {
    const char *body;
    const char *code;
    const char *field;
  } cases[] = {
    { "{\"email\": \"not-an-email\", \"username\": \"val\", \"password\": \"" TEST_PASSWORD "\"}",
      "invalid_email", "email" },
    { "{\"email\": \"v@example\", \"username\": \"val\", \"password\": \"" TEST_PASSWORD "\"}",
      "invalid_email", "email" },
    { "{\"email\": \"v w@example.com\", \"username\": \"val\", \"password\": \"" TEST_PASSWORD
      "\"}",
      "invalid_email", "email" },
    { "{\"email\": \"v@example.com\", \"username\": \"Val\", \"password\": \"" TEST_PASSWORD "\"}",
      "invalid_username", "username" },
    { "{\"email\": \"v@example.com\", \"username\": \"va\", \"password\": \"" TEST_PASSWORD "\"}",
      "invalid_username", "username" },
    { "{\"email\": \"v@example.com\", \"username\": \"v-a-l\", \"password\": \"" TEST_PASSWORD
      "\"}",
      "invalid_username", "username" },
    { "{\"email\": \"v@example.com\", \"username\": \"val\", \"password\": \"short12\"}",
      "invalid_password", "password" },
    { long_password_body, "invalid_password", "password" },
    { "{\"email\": \"v@example.com\", \"username\": \"val\", \"password\": \"" TEST_PASSWORD "\", "
      "\"display_name\": \"   \"}",
      "invalid_display_name", "display_name" },
    { long_name_body, "invalid_display_name", "display_name" },
    { "{\"username\": \"val\", \"password\": \"" TEST_PASSWORD "\"}", "missing_field", "email" },
    { "{\"email\": \"v@example.com\", \"password\": \"" TEST_PASSWORD "\"}", "missing_field",
      "username" },
    { "{\"email\": \"v@example.com\", \"username\": \"val\"}", "missing_field", "password" },
    { "{\"email\": null, \"username\": \"val\", \"password\": \"" TEST_PASSWORD "\"}",
      "missing_field", "email" },
    { "{\"email\": 42, \"username\": \"val\", \"password\": \"" TEST_PASSWORD "\"}", "invalid_type",
      "email" },
    { "{\"email\": \"v@example.com\", \"username\": [\"val\"], \"password\": \"" TEST_PASSWORD
      "\"}",
      "invalid_type", "username" },
    { "{\"email\": \"v@example.com\", \"username\": \"val\", \"password\": 12345678}",
      "invalid_type", "password" },
    { "{\"email\": \"v@example.com\", \"username\": \"val\", \"password\": \"" TEST_PASSWORD "\", "
      "\"display_name\": false}",
      "invalid_type", "display_name" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status = post (f, "/api/v1/auth/register", NULL, cases[i].body, &response);

      test_assert_error (status, response, SOUP_STATUS_BAD_REQUEST, cases[i].code, cases[i].field);
    }
  {
    g_autoptr (JsonNode) response = NULL;
    guint status = post (f, "/api/v1/auth/login", NULL, "{\"login\": \"val\"}", &response);

    test_assert_error (status, response, SOUP_STATUS_BAD_REQUEST, "missing_field", "password");
  }
  {
    g_autoptr (JsonNode) response = NULL;
    guint status = post (f, "/api/v1/auth/refresh", NULL, "{\"refresh_token\": 7}", &response);

    test_assert_error (status, response, SOUP_STATUS_BAD_REQUEST, "invalid_type", "refresh_token");
  }
}

/* Each refresh gives a new refresh token and a working access token; the
 * session stays the same account. */
static void
test_refresh_rotation (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) current = test_register_new (f->server, NULL);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_hash_table_add (seen, g_strdup (test_string (current, "refresh_token")));
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (JsonNode) next = NULL;
      g_autoptr (JsonNode) me = NULL;
      const char *token;

      g_assert_cmpuint (refresh (f, test_string (current, "refresh_token"), &next), ==,
                        SOUP_STATUS_OK);
      assert_auth_response (next, 900);
      token = test_string (next, "refresh_token");
      g_assert_false (g_hash_table_contains (seen, token));
      g_hash_table_add (seen, g_strdup (token));
      g_assert_cmpuint (get_me (f, test_string (next, "access_token"), &me), ==, SOUP_STATUS_OK);
      g_assert_cmpstr (test_string (me, "id"), ==,
                       test_string (json_object_get_member (test_object (current), "user"), "id"));
      g_clear_pointer (&current, json_node_unref);
      current = g_steal_pointer (&next);
    }
}

/* Presenting a used refresh token again is theft or a bug: it is refused,
 * and the session it belongs to ends (its newest refresh token and its
 * access tokens stop working). Other sessions of the account go on. */
static void
test_refresh_reuse (Fixture *f, gconstpointer data)
{
  g_autofree char *username = NULL;
  g_autoptr (JsonNode) first = test_register_new (f->server, &username);
  g_autoptr (JsonNode) other = login (f, username, TEST_PASSWORD);
  g_autoptr (JsonNode) second = NULL;
  g_autoptr (JsonNode) response = NULL;
  guint status;

  g_assert_cmpuint (refresh (f, test_string (first, "refresh_token"), &second), ==, SOUP_STATUS_OK);

  status = refresh (f, test_string (first, "refresh_token"), &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "refresh_token_reused", NULL);
  g_clear_pointer (&response, json_node_unref);

  status = refresh (f, test_string (second, "refresh_token"), &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_refresh_token", NULL);
  g_clear_pointer (&response, json_node_unref);

  status = get_me (f, test_string (second, "access_token"), &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_token", NULL);
  g_clear_pointer (&response, json_node_unref);

  g_assert_cmpuint (get_me (f, test_string (other, "access_token"), &response), ==, SOUP_STATUS_OK);
  g_clear_pointer (&response, json_node_unref);
  g_assert_cmpuint (refresh (f, test_string (other, "refresh_token"), &response), ==,
                    SOUP_STATUS_OK);
}

static void
test_refresh_unknown (Fixture *f, gconstpointer data)
{
  const char *tokens[] = { "", "not-a-token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                           "eyJhbGciOiJFZERTQSJ9.e30.AAAA" };

  for (gsize i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      guint status = refresh (f, tokens[i], &response);

      test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_refresh_token", NULL);
    }
}

static void
test_logout (Fixture *f, gconstpointer data)
{
  g_autofree char *username = NULL;
  g_autoptr (JsonNode) session = test_register_new (f->server, &username);
  g_autoptr (JsonNode) other = login (f, username, TEST_PASSWORD);
  const char *access = test_string (session, "access_token");
  g_autoptr (JsonNode) response = NULL;
  guint status;

  g_assert_cmpuint (post (f, "/api/v1/auth/logout", access, NULL, &response), ==,
                    SOUP_STATUS_NO_CONTENT);
  g_assert_null (response);

  status = refresh (f, test_string (session, "refresh_token"), &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_refresh_token", NULL);
  g_clear_pointer (&response, json_node_unref);

  status = get_me (f, access, &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_token", NULL);
  g_clear_pointer (&response, json_node_unref);

  status = post (f, "/api/v1/auth/logout", access, NULL, &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_token", NULL);
  g_clear_pointer (&response, json_node_unref);

  /* The account's other session is not affected. */
  g_assert_cmpuint (get_me (f, test_string (other, "access_token"), &response), ==, SOUP_STATUS_OK);
}

/* The optional body names a refresh token: its session ends too. */
static void
test_logout_with_refresh_token (Fixture *f, gconstpointer data)
{
  g_autofree char *username = NULL;
  g_autoptr (JsonNode) a = test_register_new (f->server, &username);
  g_autoptr (JsonNode) b = login (f, username, TEST_PASSWORD);
  g_autoptr (JsonNode) response = NULL;
  g_autofree char *body =
    g_strdup_printf ("{\"refresh_token\": \"%s\"}", test_string (b, "refresh_token"));
  guint status;

  g_assert_cmpuint (
    post (f, "/api/v1/auth/logout", test_string (a, "access_token"), body, &response), ==,
    SOUP_STATUS_NO_CONTENT);
  status = refresh (f, test_string (b, "refresh_token"), &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_refresh_token", NULL);
  g_clear_pointer (&response, json_node_unref);
  status = get_me (f, test_string (a, "access_token"), &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_token", NULL);
}

static void
test_needs_token (Fixture *f, gconstpointer data)
{
  const char *authorizations[] = { "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc",
                                   "Bearer a b" };
  g_autoptr (JsonNode) response = NULL;
  guint status;

  status = get_me (f, NULL, &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "unauthorized", NULL);
  g_clear_pointer (&response, json_node_unref);
  status = post (f, "/api/v1/auth/logout", NULL, NULL, &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "unauthorized", NULL);
  g_clear_pointer (&response, json_node_unref);

  for (gsize i = 0; i < G_N_ELEMENTS (authorizations); i++)
    {
      const char *headers[] = { "Authorization", authorizations[i], NULL };
      g_autoptr (GBytes) body = NULL;
      g_autoptr (JsonNode) json = NULL;

      status = cascade_test_server_request_full (f->server, "GET", "/api/v1/me", headers, NULL,
                                                 NULL, NULL, &body);
      json = test_parse_bytes (body);
      test_assert_error (status, json, SOUP_STATUS_UNAUTHORIZED, "unauthorized", NULL);
    }

  status = get_me (f, "garbage", &response);
  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, "invalid_token", NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/auth/register", test_register_account);
  ADD ("/cascade/server/auth/register-display-name", test_register_display_name);
  ADD ("/cascade/server/auth/login", test_login);
  ADD ("/cascade/server/auth/wrong-password", test_wrong_password);
  ADD ("/cascade/server/auth/duplicates", test_duplicates);
  ADD ("/cascade/server/auth/validation", test_validation);
  ADD ("/cascade/server/auth/refresh-rotation", test_refresh_rotation);
  ADD ("/cascade/server/auth/refresh-reuse", test_refresh_reuse);
  ADD ("/cascade/server/auth/refresh-unknown", test_refresh_unknown);
  ADD ("/cascade/server/auth/logout", test_logout);
  ADD ("/cascade/server/auth/logout-with-refresh-token", test_logout_with_refresh_token);
  ADD ("/cascade/server/auth/needs-token", test_needs_token);
#undef ADD

  return g_test_run ();
}
