/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* The password policy, rate limits and brute-force lockout, against a real
 * cascaded started with a [limits] group in its config file. */

typedef struct
{
  char *config_dir;
  CascadeTestServer *server;
} Fixture;

static void
start (Fixture *f, const char *limits)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = g_strdup_printf ("[limits]\n%s", limits);
  const char *args[] = { "--config", NULL, NULL };

  f->config_dir = cascade_test_make_tmp_dir ();
  path = g_build_filename (f->config_dir, "cascaded.conf", NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  args[1] = path;
  f->server = cascade_test_server_new (args);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  cascade_test_rm_rf (f->config_dir);
  g_free (f->config_dir);
}

/* POST /api/v1/auth/login: the status, the body and the Retry-After (0 if none). */
static guint
login (Fixture *f, const char *name, const char *password, JsonNode **out, guint *retry_after)
{
  g_autofree char *body =
    g_strdup_printf ("{\"login\": \"%s\", \"password\": \"%s\"}", name, password);
  g_autoptr (GBytes) request = g_bytes_new (body, strlen (body));
  g_autoptr (SoupMessageHeaders) headers = NULL;
  g_autoptr (GBytes) response = NULL;
  const char *retry;
  guint status;

  status = cascade_test_server_request_full (f->server, "POST", "/api/v1/auth/login", NULL,
                                             "application/json", request, &headers, &response);
  retry = soup_message_headers_get_one (headers, "Retry-After");
  if (retry_after != NULL)
    *retry_after = retry != NULL ? (guint) g_ascii_strtoull (retry, NULL, 10) : 0;
  if (out != NULL)
    *out = response != NULL && g_bytes_get_size (response) > 0 ? test_parse_bytes (response) : NULL;
  return status;
}

static void
assert_login_refused (
  Fixture *f, const char *name, const char *password, guint status, const char *code, guint *retry)
{
  g_autoptr (JsonNode) body = NULL;
  guint got = login (f, name, password, &body, retry);

  test_assert_error (got, body, status, code, NULL);
}

/* A common password is refused at sign-up, whatever its case. */
static void
test_common_password (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) response = NULL;
  guint status;

  start (f, "");
  status = cascade_test_server_request (f->server, "POST", "/api/v1/auth/register", NULL,
                                        "{\"email\": \"c@example.com\", \"username\": \"cee\", "
                                        "\"password\": \"Password123\"}",
                                        &response);
  test_assert_error (status, response, SOUP_STATUS_BAD_REQUEST, "invalid_password", "password");
}

/* A client address that spends its bucket on credential routes gets 429
 * with Retry-After; other routes still answer it. */
static void
test_address_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) health = NULL;
  guint retry = 0;

  start (f, "address-burst=3\naddress-per-minute=1\n");
  for (int i = 0; i < 3; i++)
    assert_login_refused (f, "nobody", TEST_PASSWORD, SOUP_STATUS_UNAUTHORIZED,
                          "invalid_credentials", NULL);
  assert_login_refused (f, "nobody", TEST_PASSWORD, 429, "rate_limited", &retry);
  g_assert_cmpuint (retry, >=, 1);
  g_assert_cmpuint (retry, <=, 60);
  g_assert_cmpuint (cascade_test_server_request (f->server, "GET", "/healthz", NULL, NULL, &health),
                    ==, 200);
}

/* Attempts on one account are limited whatever the address; other
 * accounts are not held up by it. */
static void
test_account_limit (Fixture *f, gconstpointer data)
{
  guint retry = 0;

  start (f, "account-burst=2\naccount-per-minute=1\nlockout-failures=100\n");
  json_node_unref (test_register (f->server, "a@example.com", "ann", TEST_PASSWORD));
  for (int i = 0; i < 2; i++)
    assert_login_refused (f, "ann", "wrong password", SOUP_STATUS_UNAUTHORIZED,
                          "invalid_credentials", NULL);
  assert_login_refused (f, "ANN", TEST_PASSWORD, 429, "rate_limited", &retry);
  g_assert_cmpuint (retry, >=, 1);
  assert_login_refused (f, "bob", TEST_PASSWORD, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials",
                        NULL);
}

/* After lockout-failures wrong passwords the account is locked, even for
 * the right password; each lock lasts longer; the right password after the
 * lock signs in. */
static void
test_lockout (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) ok = NULL;
  guint retry = 0;

  start (f, "lockout-failures=3\nlockout-seconds=3\n");
  json_node_unref (test_register (f->server, "l@example.com", "lee", TEST_PASSWORD));
  for (int i = 0; i < 2; i++)
    assert_login_refused (f, "lee", "wrong password", SOUP_STATUS_UNAUTHORIZED,
                          "invalid_credentials", NULL);
  assert_login_refused (f, "lee", "wrong password", 429, "account_locked", &retry);
  g_assert_cmpuint (retry, >=, 2); /* times are whole seconds */
  g_assert_cmpuint (retry, <=, 3);
  assert_login_refused (f, "lee", TEST_PASSWORD, 429, "account_locked", NULL);

  g_usleep ((retry + 1) * G_USEC_PER_SEC);
  for (int i = 0; i < 2; i++)
    assert_login_refused (f, "lee", "wrong password", SOUP_STATUS_UNAUTHORIZED,
                          "invalid_credentials", NULL);
  assert_login_refused (f, "lee", "wrong password", 429, "account_locked", &retry);
  g_assert_cmpuint (retry, >=, 5); /* the second lock is twice as long */
  g_assert_cmpuint (retry, <=, 6);

  g_usleep ((retry + 1) * G_USEC_PER_SEC);
  g_assert_cmpuint (login (f, "lee", TEST_PASSWORD, &ok, NULL), ==, SOUP_STATUS_OK);
}

/* The password checks on one's own account (changing the password, deleting
 * the account, turning two-factor off) share the account's bucket, and each
 * of them, refused with 429, says when to try again. */
static void
test_password_check_limit (Fixture *f, gconstpointer data)
{
  static const char *const checks[][3] = {
    { "PUT", "/api/v1/me/password",
      "{\"current_password\": \"wrong password\", \"new_password\": \"a new long secret\"}" },
    { "DELETE", "/api/v1/me", "{\"password\": \"wrong password\"}" },
    { "DELETE", "/api/v1/me/totp", "{\"password\": \"wrong password\"}" },
  };
  g_autoptr (JsonNode) auth = NULL;
  g_autoptr (JsonNode) wrong = NULL;
  g_autofree char *bearer = NULL;
  const char *headers[3] = { "Authorization", NULL, NULL };
  guint status;

  start (f, "account-burst=2\naccount-per-minute=1\n");
  auth = test_register (f->server, "p@example.com", "pat", TEST_PASSWORD);
  bearer = g_strconcat (
    "Bearer ", json_object_get_string_member (json_node_get_object (auth), "access_token"), NULL);
  headers[1] = bearer;
  status = cascade_test_server_request (f->server, checks[0][0], checks[0][1],
                                        bearer + strlen ("Bearer "), checks[0][2], &wrong);
  test_assert_error (status, wrong, 403, "wrong_password", NULL);
  g_clear_pointer (&wrong, json_node_unref);
  status = cascade_test_server_request (f->server, checks[0][0], checks[0][1],
                                        bearer + strlen ("Bearer "), checks[0][2], &wrong);
  test_assert_error (status, wrong, 403, "wrong_password", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      g_autoptr (GBytes) body = g_bytes_new_static (checks[i][2], strlen (checks[i][2]));
      g_autoptr (SoupMessageHeaders) answer_headers = NULL;
      g_autoptr (GBytes) answer = NULL;
      g_autoptr (JsonNode) error = NULL;
      const char *retry;

      status =
        cascade_test_server_request_full (f->server, checks[i][0], checks[i][1], headers,
                                          "application/json", body, &answer_headers, &answer);
      error = test_parse_bytes (answer);
      test_assert_error (status, error, 429, "rate_limited", NULL);
      retry = soup_message_headers_get_one (answer_headers, "Retry-After");
      g_assert_nonnull (retry);
      g_assert_cmpuint (g_ascii_strtoull (retry, NULL, 10), >=, 1);
      g_assert_cmpuint (g_ascii_strtoull (retry, NULL, 10), <=, 60);
    }
}

static double
time_login (Fixture *f, const char *name)
{
  gint64 start_us = g_get_monotonic_time ();

  assert_login_refused (f, name, "wrong password", SOUP_STATUS_UNAUTHORIZED, "invalid_credentials",
                        NULL);
  return (g_get_monotonic_time () - start_us) / 1000.0;
}

/* Signing in as nobody costs about what a wrong password costs: the answer
 * time does not tell which accounts exist. */
static void
test_unknown_user_cost (Fixture *f, gconstpointer data)
{
  double known = 0, unknown = 0;

  start (f, "lockout-failures=100\naccount-burst=100\n");
  json_node_unref (test_register (f->server, "k@example.com", "kim", TEST_PASSWORD));
  time_login (f, "nobody"); /* the first one makes the stand-in hash */
  for (int i = 0; i < 4; i++)
    {
      known += time_login (f, "kim");
      unknown += time_login (f, "nobody");
    }
  g_test_message ("known %.1f ms, unknown %.1f ms", known / 4, unknown / 4);
  g_assert_cmpfloat (unknown, >, known * 0.5);
  g_assert_cmpfloat (unknown, <, known * 2.0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, NULL, func, fixture_tear_down)
  ADD ("/cascade/server/identity/limits/common-password", test_common_password);
  ADD ("/cascade/server/identity/limits/address", test_address_limit);
  ADD ("/cascade/server/identity/limits/account", test_account_limit);
  ADD ("/cascade/server/identity/limits/lockout", test_lockout);
  ADD ("/cascade/server/identity/limits/password-check", test_password_check_limit);
  ADD ("/cascade/server/identity/limits/unknown-user-cost", test_unknown_user_cost);
#undef ADD

  return g_test_run ();
}
