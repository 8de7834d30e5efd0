/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* Signing key rotation (cascaded --rotate-key) against a real cascaded: the
 * retired key still verifies its tokens until they expire, then it is gone. */

typedef struct
{
  char *dir;
  char *config;
  CascadeTestServer *server;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = cascade_test_make_tmp_dir ();
  f->config = g_build_filename (f->dir, "cascaded.conf", NULL);
  g_file_set_contents (f->config, data != NULL ? data : "", -1, &error);
  g_assert_no_error (error);
}

static void
stop (Fixture *f)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
}

static void
start (Fixture *f)
{
  g_autofree char *data_dir = g_build_filename (f->dir, "data", NULL);
  const char *args[] = { "--config", f->config, NULL };

  f->server = cascade_test_server_new_in_dir (data_dir, args);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->server != NULL)
    stop (f);
  cascade_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->config);
}

static void
rotate (Fixture *f)
{
  g_autofree char *data_dir = g_build_filename (f->dir, "data", NULL);
  const char *argv[] = { g_getenv ("CASCADED"), "--data-dir", data_dir, "--rotate-key", NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

static JsonArray *
jwks (Fixture *f, JsonNode **out)
{
  g_assert_cmpuint (
    cascade_test_server_request (f->server, "GET", "/.well-known/jwks.json", NULL, NULL, out), ==,
    200);
  return json_object_get_array_member (test_object (*out), "keys");
}

static const char *
kid_of (JsonNode *session)
{
  static char kid[64];
  g_autoptr (JsonNode) header = test_token_part (test_string (session, "access_token"), 0);

  g_strlcpy (kid, test_string (header, "kid"), sizeof kid);
  return kid;
}

static guint
me (Fixture *f, JsonNode *session, JsonNode **out)
{
  return cascade_test_server_request (f->server, "GET", "/api/v1/me",
                                      test_string (session, "access_token"), NULL, out);
}

/* After a rotation, new tokens name the new key, both keys are published,
 * and a token of the old key still works. */
static void
test_rotate (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) old_session = NULL;
  g_autoptr (JsonNode) new_session = NULL;
  g_autoptr (JsonNode) keys = NULL;
  g_autoptr (JsonNode) response = NULL;
  g_autofree char *old_kid = NULL;
  JsonArray *published;

  start (f);
  old_session = test_register (f->server, "kay@example.com", "kay", TEST_PASSWORD);
  old_kid = g_strdup (kid_of (old_session));
  stop (f);
  rotate (f);
  start (f);

  published = jwks (f, &keys);
  g_assert_cmpuint (json_array_get_length (published), ==, 2);
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (published, 1), "kid"), ==,
    old_kid);
  g_assert_cmpuint (me (f, old_session, &response), ==, 200);

  new_session = test_register (f->server, "lou@example.com", "lou", TEST_PASSWORD);
  g_assert_cmpstr (kid_of (new_session), !=, old_kid);
  g_assert_cmpstr (
    json_object_get_string_member (json_array_get_object_element (published, 0), "kid"), ==,
    kid_of (new_session));
}

/* Once its tokens have expired, the retired key verifies nothing and is
 * deleted at the next start. */
static void
test_retired_key_expires (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) old_session = NULL;
  g_autoptr (JsonNode) expired = NULL;
  g_autoptr (JsonNode) keys = NULL;
  g_autoptr (JsonNode) refused = NULL;
  guint status;

  start (f);
  old_session = test_register (f->server, "kim@example.com", "kim", TEST_PASSWORD);
  stop (f);
  rotate (f);
  start (f);
  g_usleep (2100 * 1000);
  status = me (f, old_session, &expired);
  test_assert_error (status, expired, 401, "token_expired", NULL);
  stop (f);

  start (f);
  g_assert_cmpuint (json_array_get_length (jwks (f, &keys)), ==, 1);
  status = me (f, old_session, &refused);
  test_assert_error (status, refused, 401, "invalid_token", NULL);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cascade/server/identity/keys/rotate", Fixture, NULL, fixture_set_up, test_rotate,
              fixture_tear_down);
  g_test_add ("/cascade/server/identity/keys/retired-key-expires", Fixture,
              "[auth]\naccess-token-ttl=1\n", fixture_set_up, test_retired_key_expires,
              fixture_tear_down);

  return g_test_run ();
}
