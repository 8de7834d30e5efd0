/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* Roles and bans against a real cascaded: `cascaded --create-admin`, each
 * role's access to the admin endpoints, and what a ban does. */

typedef struct
{
  CascadeTestServer *server;
  JsonNode *admin;
  JsonNode *mod;
  JsonNode *user;
} Fixture;

static int
run_cascaded (Fixture *f, const char *email, char **out)
{
  const char *argv[] = {
    g_getenv ("CASCADED"), "--data-dir", cascade_test_server_get_data_dir (f->server),
    "--create-admin",      email,        NULL
  };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, NULL, &status,
                &error);
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

static const char *
token (JsonNode *session)
{
  return test_string (session, "access_token");
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  f->server = cascade_test_server_new (NULL);
  f->admin = test_register (f->server, "ada@example.com", "ada", TEST_PASSWORD);
  f->mod = test_register (f->server, "moe@example.com", "moe", TEST_PASSWORD);
  f->user = test_register (f->server, "uma@example.com", "uma", TEST_PASSWORD);
  g_assert_cmpint (run_cascaded (f, "ADA@example.com", &out), ==, 0);
  g_assert_nonnull (strstr (out, "is now an admin"));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_clear_pointer (&f->admin, json_node_unref);
  g_clear_pointer (&f->mod, json_node_unref);
  g_clear_pointer (&f->user, json_node_unref);
}

static guint
call (
  Fixture *f, const char *method, const char *path, JsonNode *who, const char *body, JsonNode **out)
{
  JsonNode *ignored = NULL;
  guint status = cascade_test_server_request (
    f->server, method, path, who != NULL ? token (who) : NULL, body, out != NULL ? out : &ignored);

  g_clear_pointer (&ignored, json_node_unref);
  return status;
}

static void
assert_call_error (Fixture *f,
                   const char *method,
                   const char *path,
                   JsonNode *who,
                   const char *body,
                   guint status,
                   const char *code,
                   const char *field)
{
  g_autoptr (JsonNode) response = NULL;
  guint got = call (f, method, path, who, body, &response);

  test_assert_error (got, response, status, code, field);
}

static const char *
role_of (Fixture *f, JsonNode *who)
{
  static char role[16];
  g_autoptr (JsonNode) me = NULL;

  g_assert_cmpuint (call (f, "GET", "/api/v1/me", who, NULL, &me), ==, 200);
  g_strlcpy (role, test_string (me, "role"), sizeof role);
  return role;
}

/* --create-admin promotes an existing account (at once, without a new
 * token) and fails for an address nobody has. */
static void
test_create_admin (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;

  g_assert_cmpstr (role_of (f, f->admin), ==, "admin");
  g_assert_cmpint (run_cascaded (f, "nobody@example.com", &out), ==, 1);
}

/* Only an admin changes roles; every role check answers 403 forbidden. */
static void
test_set_role (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) changed = NULL;
  const char *body = "{\"role\": \"moderator\"}";

  assert_call_error (f, "PUT", "/api/v1/admin/users/moe/role", f->user, body, 403, "forbidden",
                     NULL);
  assert_call_error (f, "PUT", "/api/v1/admin/users/moe/role", NULL, body, 401, "unauthorized",
                     NULL);
  g_assert_cmpstr (role_of (f, f->mod), ==, "user");

  g_assert_cmpuint (call (f, "PUT", "/api/v1/admin/users/moe/role", f->admin, body, &changed), ==,
                    200);
  g_assert_cmpstr (test_string (changed, "role"), ==, "moderator");
  g_assert_cmpstr (role_of (f, f->mod), ==, "moderator");

  /* Now a moderator, still not an admin. */
  assert_call_error (f, "PUT", "/api/v1/admin/users/uma/role", f->mod, body, 403, "forbidden",
                     NULL);
  assert_call_error (f, "PUT", "/api/v1/admin/users/uma/role", f->admin, "{\"role\": \"emperor\"}",
                     400, "invalid_role", "role");
  assert_call_error (f, "PUT", "/api/v1/admin/users/ada/role", f->admin, "{\"role\": \"user\"}",
                     403, "forbidden", NULL);
  assert_call_error (f, "PUT", "/api/v1/admin/users/zed/role", f->admin, body, 404, "not_found",
                     NULL);
}

/* A moderator bans a user: the user's tokens and sign-in stop working at
 * once; lifting the ban lets them sign in again. Nobody bans an admin. */
static void
test_ban (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) seen = NULL;
  g_autofree char *refresh = NULL;
  const char *login = "{\"login\": \"uma\", \"password\": \"" TEST_PASSWORD "\"}";

  g_assert_cmpuint (
    call (f, "PUT", "/api/v1/admin/users/moe/role", f->admin, "{\"role\": \"moderator\"}", NULL),
    ==, 200);
  assert_call_error (f, "PUT", "/api/v1/admin/users/moe/ban", f->user, NULL, 403, "forbidden",
                     NULL);

  g_assert_cmpuint (call (f, "PUT", "/api/v1/admin/users/uma/ban", f->mod, NULL, NULL), ==, 204);
  /* The ban ended the user's sessions; signing in says why. */
  assert_call_error (f, "GET", "/api/v1/me", f->user, NULL, 401, "invalid_token", NULL);
  assert_call_error (f, "POST", "/api/v1/auth/login", NULL, login, 403, "account_banned", NULL);
  refresh = g_strdup_printf ("{\"refresh_token\": \"%s\"}", test_string (f->user, "refresh_token"));
  assert_call_error (f, "POST", "/api/v1/auth/refresh", NULL, refresh, 401, "invalid_refresh_token",
                     NULL);
  g_assert_cmpuint (call (f, "GET", "/api/v1/admin/users/uma", f->mod, NULL, &seen), ==, 200);
  g_assert_cmpstr (test_string (seen, "username"), ==, "uma");

  assert_call_error (f, "PUT", "/api/v1/admin/users/ada/ban", f->mod, NULL, 403, "forbidden", NULL);
  g_assert_cmpstr (role_of (f, f->admin), ==, "admin");

  g_assert_cmpuint (call (f, "DELETE", "/api/v1/admin/users/uma/ban", f->admin, NULL, NULL), ==,
                    204);
  g_assert_cmpuint (call (f, "POST", "/api/v1/auth/login", NULL, login, NULL), ==, 200);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/identity/roles/create-admin", test_create_admin);
  ADD ("/cascade/server/identity/roles/set-role", test_set_role);
  ADD ("/cascade/server/identity/roles/ban", test_ban);
#undef ADD

  return g_test_run ();
}
