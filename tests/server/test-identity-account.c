/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* A user's own account against a real cascaded: their sessions (device,
 * address, last use), signing out one or the others, changing the password
 * and deleting the account. */

typedef struct
{
  CascadeTestServer *server;
  JsonNode *first;  /* the session of sign-up */
  JsonNode *second; /* a sign-in from a "phone" */
} Fixture;

static JsonNode *
login_from (Fixture *f, const char *user_agent, const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"login\": \"pia\", \"password\": \"%s\"}", password);
  g_autoptr (GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr (GBytes) response = NULL;
  const char *headers[] = { "User-Agent", user_agent, NULL };

  g_assert_cmpuint (cascade_test_server_request_full (f->server, "POST", "/api/v1/auth/login",
                                                      headers, "application/json", request, NULL,
                                                      &response),
                    ==, 200);
  return test_parse_bytes (response);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->server = cascade_test_server_new (NULL);
  f->first = test_register (f->server, "pia@example.com", "pia", TEST_PASSWORD);
  f->second = login_from (f, "CascadePhone/2.0 (Linux)", TEST_PASSWORD);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_clear_pointer (&f->first, json_node_unref);
  g_clear_pointer (&f->second, json_node_unref);
}

static guint
call (
  Fixture *f, const char *method, const char *path, JsonNode *who, const char *body, JsonNode **out)
{
  JsonNode *ignored = NULL;
  guint status = cascade_test_server_request (
    f->server, method, path, who != NULL ? test_string (who, "access_token") : NULL, body,
    out != NULL ? out : &ignored);

  g_clear_pointer (&ignored, json_node_unref);
  return status;
}

static guint
me (Fixture *f, JsonNode *who)
{
  return call (f, "GET", "/api/v1/me", who, NULL, NULL);
}

static JsonArray *
sessions (Fixture *f, JsonNode *who, JsonNode **list)
{
  g_assert_cmpuint (call (f, "GET", "/api/v1/me/sessions", who, NULL, list), ==, 200);
  return json_object_get_array_member (test_object (*list), "items");
}

/* Both sessions are listed, the caller's marked current, with the device
 * and address they came from. */
static void
test_list (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) list = NULL;
  JsonArray *items = sessions (f, f->second, &list);
  gboolean saw_phone = FALSE;

  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *session = json_array_get_object_element (items, i);
      const char *device = json_object_get_string_member (session, "device");
      gboolean phone = g_strcmp0 (device, "CascadePhone/2.0 (Linux)") == 0;

      saw_phone |= phone;
      g_assert_true (json_object_get_boolean_member (session, "current") == phone);
      g_assert_cmpstr (json_object_get_string_member (session, "address"), ==, "127.0.0.1");
      g_assert_cmpuint (strlen (json_object_get_string_member (session, "last_used_at")), ==, 20);
    }
  g_assert_true (saw_phone);
}

/* Signing out one session ends it, and only it; another user's session
 * cannot be named. */
static void
test_end_one (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) other = test_register (f->server, "ozzy@example.com", "ozzy", TEST_PASSWORD);
  g_autoptr (JsonNode) other_list = NULL;
  JsonArray *items = sessions (f, f->second, &list);
  g_autofree char *first_path = NULL;
  g_autofree char *other_path = NULL;
  const char *first_id = NULL;

  for (guint i = 0; i < json_array_get_length (items); i++)
    if (!json_object_get_boolean_member (json_array_get_object_element (items, i), "current"))
      first_id = json_object_get_string_member (json_array_get_object_element (items, i), "id");
  g_assert_nonnull (first_id);
  first_path = g_strdup_printf ("/api/v1/me/sessions/%s", first_id);
  other_path =
    g_strdup_printf ("/api/v1/me/sessions/%s",
                     json_object_get_string_member (
                       json_array_get_object_element (sessions (f, other, &other_list), 0), "id"));

  g_assert_cmpuint (call (f, "DELETE", other_path, f->second, NULL, NULL), ==, 404);
  g_assert_cmpuint (me (f, other), ==, 200);

  g_assert_cmpuint (call (f, "DELETE", first_path, f->second, NULL, NULL), ==, 204);
  g_assert_cmpuint (me (f, f->first), ==, 401);
  g_assert_cmpuint (me (f, f->second), ==, 200);
  g_assert_cmpuint (call (f, "DELETE", first_path, f->second, NULL, NULL), ==, 404);
}

/* "Sign out everywhere else" keeps the caller's session only. */
static void
test_end_others (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) list = NULL;

  g_assert_cmpuint (call (f, "DELETE", "/api/v1/me/sessions", f->first, NULL, NULL), ==, 204);
  g_assert_cmpuint (me (f, f->second), ==, 401);
  g_assert_cmpuint (me (f, f->first), ==, 200);
  g_assert_cmpuint (json_array_get_length (sessions (f, f->first, &list)), ==, 1);
}

/* Changing the password takes the current one, follows the policy, and
 * signs out the other sessions. */
static void
test_change_password (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) wrong = NULL;
  g_autoptr (JsonNode) common = NULL;
  g_autoptr (JsonNode) again = NULL;
  guint status;

  status = call (
    f, "PUT", "/api/v1/me/password", f->first,
    "{\"current_password\": \"not it at all\", \"new_password\": \"a new long secret\"}", &wrong);
  test_assert_error (status, wrong, 403, "wrong_password", NULL);
  status = call (f, "PUT", "/api/v1/me/password", f->first,
                 "{\"current_password\": \"" TEST_PASSWORD "\", \"new_password\": \"iloveyou123\"}",
                 &common);
  test_assert_error (status, common, 400, "invalid_password", "password");
  g_assert_cmpuint (me (f, f->second), ==, 200);

  g_assert_cmpuint (call (f, "PUT", "/api/v1/me/password", f->first,
                          "{\"current_password\": \"" TEST_PASSWORD
                          "\", \"new_password\": \"a new long secret\"}",
                          NULL),
                    ==, 204);
  g_assert_cmpuint (me (f, f->second), ==, 401);
  g_assert_cmpuint (me (f, f->first), ==, 200);
  again = login_from (f, "CascadePhone/2.0 (Linux)", "a new long secret");
  g_assert_nonnull (again);
}

/* Deleting the account takes the password; afterwards the account is gone:
 * tokens refused, sign-in refused, the name and address free again. */
static void
test_delete_account (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) wrong = NULL;
  g_autoptr (JsonNode) login = NULL;
  g_autoptr (JsonNode) again = NULL;
  guint status;

  status = call (f, "DELETE", "/api/v1/me", f->first, "{\"password\": \"not it at all\"}", &wrong);
  test_assert_error (status, wrong, 403, "wrong_password", NULL);
  g_assert_cmpuint (me (f, f->first), ==, 200);

  g_assert_cmpuint (
    call (f, "DELETE", "/api/v1/me", f->first, "{\"password\": \"" TEST_PASSWORD "\"}", NULL), ==,
    204);
  g_assert_cmpuint (me (f, f->first), ==, 401);
  g_assert_cmpuint (me (f, f->second), ==, 401);
  status = call (f, "POST", "/api/v1/auth/login", NULL,
                 "{\"login\": \"pia\", \"password\": \"" TEST_PASSWORD "\"}", &login);
  test_assert_error (status, login, 401, "invalid_credentials", NULL);
  again = test_register (f->server, "pia@example.com", "pia", TEST_PASSWORD);
  g_assert_nonnull (again);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/identity/account/sessions", test_list);
  ADD ("/cascade/server/identity/account/end-one", test_end_one);
  ADD ("/cascade/server/identity/account/end-others", test_end_others);
  ADD ("/cascade/server/identity/account/change-password", test_change_password);
  ADD ("/cascade/server/identity/account/delete", test_delete_account);
#undef ADD

  return g_test_run ();
}
