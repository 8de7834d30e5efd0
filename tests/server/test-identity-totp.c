/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "server-test-util.h"

/* Two-factor authentication against a real cascaded. The TOTP codes are
 * computed here, with GLib's HMAC, independently of the server's code. */

typedef struct
{
  CascadeTestServer *server;
  JsonNode *account;
  char *secret; /* base32 */
  JsonNode *recovery;
} Fixture;

static char *
totp (Fixture *f, int offset)
{
  return cascade_test_totp (f->secret, offset);
}

static guint
call (Fixture *f, const char *method, const char *path, const char *body, JsonNode **out)
{
  JsonNode *ignored = NULL;
  guint status =
    cascade_test_server_request (f->server, method, path, test_string (f->account, "access_token"),
                                 body, out != NULL ? out : &ignored);

  g_clear_pointer (&ignored, json_node_unref);
  return status;
}

static guint
login (Fixture *f, const char *otp, JsonNode **out)
{
  g_autofree char *body = NULL;
  JsonNode *ignored = NULL;
  guint status;

  if (otp != NULL)
    body = g_strdup_printf (
      "{\"login\": \"tia\", \"password\": \"" TEST_PASSWORD "\", \"otp\": \"%s\"}", otp);
  else
    body = g_strdup ("{\"login\": \"tia\", \"password\": \"" TEST_PASSWORD "\"}");
  status = cascade_test_server_request (f->server, "POST", "/api/v1/auth/login", NULL, body,
                                        out != NULL ? out : &ignored);
  g_clear_pointer (&ignored, json_node_unref);
  return status;
}

static void
assert_login_error (Fixture *f, const char *otp, const char *code)
{
  g_autoptr (JsonNode) response = NULL;
  guint status = login (f, otp, &response);

  test_assert_error (status, response, 401, code, "otp");
}

/* The "totp_enabled" of GET /api/v1/me. */
static gboolean
totp_enabled (Fixture *f)
{
  g_autoptr (JsonNode) me = NULL;

  g_assert_cmpuint (call (f, "GET", "/api/v1/me", NULL, &me), ==, 200);
  return json_object_get_boolean_member (test_object (me), "totp_enabled");
}

/* Enrols: the secret and its otpauth URI, a wrong code refused, the right
 * one turns it on and gives ten recovery codes. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) begun = NULL;
  g_autoptr (JsonNode) wrong = NULL;
  g_autofree char *right = NULL;
  g_autofree char *body = NULL;
  g_autofree char *wrong_body = NULL;
  const char *secret;
  guint status;

  f->server = cascade_test_server_new (NULL);
  f->account = test_register (f->server, "tia@example.com", "tia", TEST_PASSWORD);
  g_assert_cmpuint (call (f, "POST", "/api/v1/me/totp", NULL, &begun), ==, 200);
  secret = test_string (begun, "secret");
  g_assert_cmpuint (strlen (secret), ==, 32); /* 160 bits */
  g_assert_true (g_str_has_prefix (test_string (begun, "otpauth_uri"), "otpauth://totp/"));
  g_assert_nonnull (strstr (test_string (begun, "otpauth_uri"), secret));
  f->secret = g_strdup (secret);

  /* Not in force before it is confirmed. */
  g_assert_cmpuint (login (f, NULL, NULL), ==, 200);
  g_assert_false (totp_enabled (f));

  right = totp (f, 0);
  wrong_body = g_strdup_printf ("{\"code\": \"%06u\"}",
                                ((guint) g_ascii_strtoull (right, NULL, 10) + 1) % 1000000);
  status = call (f, "POST", "/api/v1/me/totp/confirm", wrong_body, &wrong);
  test_assert_error (status, wrong, 401, "invalid_otp", "otp");
  body = g_strdup_printf ("{\"code\": \"%s\"}", right);
  g_assert_cmpuint (call (f, "POST", "/api/v1/me/totp/confirm", body, &f->recovery), ==, 200);
  g_assert_cmpuint (json_array_get_length (
                      json_object_get_array_member (test_object (f->recovery), "recovery_codes")),
                    ==, 10);
  g_assert_true (totp_enabled (f));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_clear_pointer (&f->account, json_node_unref);
  g_clear_pointer (&f->secret, g_free);
  g_clear_pointer (&f->recovery, json_node_unref);
}

/* Sign-in then asks for the code; a wrong code and a replayed one are
 * refused. */
static void
test_login (Fixture *f, gconstpointer data)
{
  g_autofree char *next = totp (f, 1);

  assert_login_error (f, NULL, "otp_required");
  assert_login_error (f, "123", "invalid_otp");
  g_assert_cmpuint (login (f, next, NULL), ==, 200);
  assert_login_error (f, next, "invalid_otp"); /* replayed */
}

/* A recovery code stands in for the app, once. */
static void
test_recovery_code (Fixture *f, gconstpointer data)
{
  const char *code = json_array_get_string_element (
    json_object_get_array_member (test_object (f->recovery), "recovery_codes"), 3);
  g_autofree char *upper = g_ascii_strup (code, -1);

  g_assert_cmpuint (login (f, upper, NULL), ==, 200);
  assert_login_error (f, code, "invalid_otp");
}

/* Turning it off takes the password; then sign-in needs no code. */
static void
test_disable (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) wrong = NULL;
  guint status;

  status = call (f, "DELETE", "/api/v1/me/totp", "{\"password\": \"not it at all\"}", &wrong);
  test_assert_error (status, wrong, 403, "wrong_password", NULL);
  assert_login_error (f, NULL, "otp_required");
  g_assert_cmpuint (
    call (f, "DELETE", "/api/v1/me/totp", "{\"password\": \"" TEST_PASSWORD "\"}", NULL), ==, 204);
  g_assert_false (totp_enabled (f));
  g_assert_cmpuint (login (f, NULL, NULL), ==, 200);
}

static sqlite3 *
open_db (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "cascade.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 30000);
  return db;
}

/* The stored secret: its length, and whether it holds the secret in clear. */
static gsize
stored_secret (const char *dir, GBytes *secret, gboolean *in_clear)
{
  sqlite3 *db = open_db (dir);
  sqlite3_stmt *stmt = NULL;
  gsize length;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT secret FROM identity_totp", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  length = sqlite3_column_bytes (stmt, 0);
  *in_clear = FALSE;
  for (gsize i = 0; i + g_bytes_get_size (secret) <= length; i++)
    if (memcmp ((const guint8 *) sqlite3_column_blob (stmt, 0) + i, g_bytes_get_data (secret, NULL),
                g_bytes_get_size (secret)) == 0)
      *in_clear = TRUE;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return length;
}

/* The secret is sealed at rest with a key of the data dir (mode 0600); one
 * stored in clear by an older server is sealed at the next start, and keeps
 * working. */
static void
test_secret_at_rest (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_strdup (cascade_test_server_get_data_dir (f->server));
  g_autofree char *key_path = g_build_filename (dir, "totp-secretbox.key", NULL);
  g_autoptr (GBytes) secret = cascade_test_base32_decode (f->secret);
  CascadeTestServer *first = f->server;
  g_autofree char *code = NULL;
  gboolean in_clear = TRUE;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db;
  struct stat st;

  g_assert_cmpint (stat (key_path, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 32);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (cascade_test_server_stop (first), ==, 0);
  g_assert_cmpuint (stored_secret (dir, secret, &in_clear), >, g_bytes_get_size (secret));
  g_assert_false (in_clear);

  /* As an older cascaded stored it. */
  db = open_db (dir);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "UPDATE identity_totp SET secret = ?", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_blob (stmt, 1, g_bytes_get_data (secret, NULL), g_bytes_get_size (secret),
                     SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  f->server = cascade_test_server_new_in_dir (dir, NULL);
  code = totp (f, 1);
  assert_login_error (f, NULL, "otp_required");
  g_assert_cmpuint (login (f, code, NULL), ==, 200);
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_assert_cmpuint (stored_secret (dir, secret, &in_clear), >, g_bytes_get_size (secret));
  g_assert_false (in_clear);

  cascade_test_server_free (f->server);
  f->server = first; /* owns the data dir: removes it at tear down */
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/identity/totp/login", test_login);
  ADD ("/cascade/server/identity/totp/recovery-code", test_recovery_code);
  ADD ("/cascade/server/identity/totp/disable", test_disable);
  ADD ("/cascade/server/identity/totp/secret-at-rest", test_secret_at_rest);
#undef ADD

  return g_test_run ();
}
