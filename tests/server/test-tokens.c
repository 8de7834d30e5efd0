/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* Access tokens as an attacker would try them, against a real cascaded. */

typedef struct
{
  CascadeTestServer *server;
  JsonNode *session; /* an AuthResponse */
  const char *access_token;
  JsonNode *claims;
  JsonNode *header;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->server = cascade_test_server_new (NULL);
  f->session = test_register_new (f->server, NULL);
  f->access_token = test_string (f->session, "access_token");
  f->header = test_token_part (f->access_token, 0);
  f->claims = test_token_part (f->access_token, 1);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  g_clear_pointer (&f->session, json_node_unref);
  g_clear_pointer (&f->header, json_node_unref);
  g_clear_pointer (&f->claims, json_node_unref);
}

static guint
get_me (Fixture *f, const char *token, JsonNode **out)
{
  return cascade_test_server_request (f->server, "GET", "/api/v1/me", token, NULL, out);
}

static void
assert_refused (Fixture *f, const char *token, const char *code)
{
  g_autoptr (JsonNode) response = NULL;
  guint status = get_me (f, token, &response);

  test_assert_error (status, response, SOUP_STATUS_UNAUTHORIZED, code, NULL);
}

/* The claims of the real token, with some members replaced. */
static char *
claims_with (Fixture *f, const char *member, JsonNode *value)
{
  g_autoptr (JsonNode) copy = json_node_copy (f->claims);

  json_object_set_member (json_node_get_object (copy), member, value);
  return json_to_string (copy, FALSE);
}

static char *
header_json (Fixture *f)
{
  return g_strdup_printf ("{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
                          test_string (f->header, "kid"));
}

/* The published key verifies a real token's signature. */
static void
test_jwks (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) jwks = NULL;
  g_auto (GStrv) parts = g_strsplit (f->access_token, ".", -1);
  g_autofree char *input = g_strconcat (parts[0], ".", parts[1], NULL);
  g_autofree guint8 *x = NULL;
  g_autofree guint8 *sig = NULL;
  gsize x_length = 0;
  gsize sig_length = 0;
  JsonArray *keys;
  JsonNode *key;

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "GET", "/.well-known/jwks.json", NULL, NULL, &jwks), ==,
    SOUP_STATUS_OK);
  keys = json_object_get_array_member (test_object (jwks), "keys");
  g_assert_cmpuint (json_array_get_length (keys), ==, 1);
  key = json_array_get_element (keys, 0);
  g_assert_cmpstr (test_string (key, "kty"), ==, "OKP");
  g_assert_cmpstr (test_string (key, "crv"), ==, "Ed25519");
  g_assert_cmpstr (test_string (key, "alg"), ==, "EdDSA");
  g_assert_cmpstr (test_string (key, "use"), ==, "sig");
  g_assert_cmpstr (test_string (key, "kid"), ==, test_string (f->header, "kid"));
  g_assert_cmpstr (test_string (f->header, "alg"), ==, "EdDSA");
  g_assert_cmpstr (test_string (f->header, "typ"), ==, "JWT");

  x = test_b64url_decode (test_string (key, "x"), strlen (test_string (key, "x")), &x_length);
  sig = test_b64url_decode (parts[2], strlen (parts[2]), &sig_length);
  g_assert_cmpuint (x_length, ==, crypto_sign_PUBLICKEYBYTES);
  g_assert_cmpuint (sig_length, ==, crypto_sign_BYTES);
  g_assert_cmpint (crypto_sign_verify_detached (sig, (const guint8 *) input, strlen (input), x), ==,
                   0);
  input[0] = input[0] == 'e' ? 'f' : 'e';
  g_assert_cmpint (crypto_sign_verify_detached (sig, (const guint8 *) input, strlen (input), x), !=,
                   0);
}

static void
test_claims (Fixture *f, gconstpointer data)
{
  JsonObject *claims = test_object (f->claims);
  JsonNode *user = json_object_get_member (test_object (f->session), "user");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpstr (test_string (f->claims, "iss"), ==, "cascaded");
  g_assert_cmpstr (test_string (f->claims, "aud"), ==, "cascade");
  g_assert_cmpstr (test_string (f->claims, "sub"), ==, test_string (user, "id"));
  g_assert_cmpstr (test_string (f->claims, "role"), ==, "user");
  g_assert_cmpuint (strlen (test_string (f->claims, "sid")), >, 0);
  g_assert_cmpint (json_object_get_int_member (claims, "iat"), <=, now);
  g_assert_cmpint (json_object_get_int_member (claims, "iat"), >, now - 60);
  g_assert_cmpint (json_object_get_int_member (claims, "exp") -
                     json_object_get_int_member (claims, "iat"),
                   ==, 900);
}

static void
test_tampered (Fixture *f, gconstpointer data)
{
  g_auto (GStrv) parts = g_strsplit (f->access_token, ".", -1);
  g_autofree char *admin_claims =
    claims_with (f, "role", json_node_init_string (json_node_alloc (), "admin"));
  g_autofree char *admin_payload =
    test_b64url_encode ((const guint8 *) admin_claims, strlen (admin_claims));
  g_autofree char *swapped = g_strjoin (".", parts[0], admin_payload, parts[2], NULL);
  g_autofree char *bad_sig = g_strdup (f->access_token);
  g_autofree char *truncated = g_strndup (f->access_token, strlen (f->access_token) - 2);

  bad_sig[strlen (bad_sig) - 5] = bad_sig[strlen (bad_sig) - 5] == 'A' ? 'B' : 'A';
  assert_refused (f, swapped, "invalid_token");
  assert_refused (f, bad_sig, "invalid_token");
  assert_refused (f, truncated, "invalid_token");
}

/* A token correctly signed with the server's own key (read from the data
 * dir) is accepted while valid and refused as expired afterwards. */
static void
test_expired (Fixture *f, gconstpointer data)
{
  guint8 sk[crypto_sign_SECRETKEYBYTES];
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *header = header_json (f);
  g_autofree char *valid_claims = NULL;
  g_autofree char *expired_claims = NULL;
  g_autofree char *valid = NULL;
  g_autofree char *expired = NULL;
  g_autoptr (JsonNode) copy = json_node_copy (f->claims);
  g_autoptr (JsonNode) me = NULL;

  test_read_signing_key (cascade_test_server_get_data_dir (f->server), sk);
  json_object_set_int_member (json_node_get_object (copy), "iat", now - 1000);
  json_object_set_int_member (json_node_get_object (copy), "exp", now + 300);
  valid_claims = json_to_string (copy, FALSE);
  json_object_set_int_member (json_node_get_object (copy), "exp", now - 100);
  expired_claims = json_to_string (copy, FALSE);
  valid = test_sign_token (sk, header, valid_claims);
  expired = test_sign_token (sk, header, expired_claims);
  sodium_memzero (sk, sizeof sk);

  g_assert_cmpuint (get_me (f, valid, &me), ==, SOUP_STATUS_OK);
  assert_refused (f, expired, "token_expired");
}

/* Only EdDSA: "none", HMAC keyed with the public key, and other headers are
 * refused, whatever the claims say. */
static void
test_algorithms (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) jwks = NULL;
  g_autofree char *claims = json_to_string (f->claims, FALSE);
  g_autofree char *payload = test_b64url_encode ((const guint8 *) claims, strlen (claims));
  const char *x;
  const char *headers[] = {
    "{\"alg\":\"none\",\"typ\":\"JWT\"}",
    "{\"alg\":\"none\"}",
    "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
    "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
  };

  cascade_test_server_request (f->server, "GET", "/.well-known/jwks.json", NULL, NULL, &jwks);
  x = test_string (
    json_array_get_element (json_object_get_array_member (test_object (jwks), "keys"), 0), "x");
  for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *header =
        test_b64url_encode ((const guint8 *) headers[i], strlen (headers[i]));
      g_autofree char *input = g_strconcat (header, ".", payload, NULL);
      g_autofree char *unsigned_token = g_strconcat (input, ".", NULL);
      g_autofree char *hex =
        g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) x, strlen (x), input, -1);
      g_autofree char *hmac_token = g_strconcat (input, ".", hex, NULL);
      g_auto (GStrv) parts = g_strsplit (f->access_token, ".", -1);
      g_autofree char *stolen_sig = g_strconcat (input, ".", parts[2], NULL);

      assert_refused (f, unsigned_token, "invalid_token");
      assert_refused (f, hmac_token, "invalid_token");
      assert_refused (f, stolen_sig, "invalid_token");
    }
}

/* Signed with the right key but made for another issuer or audience. */
static void
test_wrong_issuer_audience (Fixture *f, gconstpointer data)
{
  guint8 sk[crypto_sign_SECRETKEYBYTES];
  g_autofree char *header = header_json (f);
  g_autofree char *iss = claims_with (f, "iss", json_node_init_string (json_node_alloc (), "evil"));
  g_autofree char *aud = claims_with (f, "aud", json_node_init_string (json_node_alloc (), "x"));
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  test_read_signing_key (cascade_test_server_get_data_dir (f->server), sk);
  a = test_sign_token (sk, header, iss);
  b = test_sign_token (sk, header, aud);
  sodium_memzero (sk, sizeof sk);
  assert_refused (f, a, "invalid_token");
  assert_refused (f, b, "invalid_token");
}

static void
test_other_key (Fixture *f, gconstpointer data)
{
  guint8 pk[crypto_sign_PUBLICKEYBYTES];
  guint8 sk[crypto_sign_SECRETKEYBYTES];
  g_autofree char *header = header_json (f);
  g_autofree char *claims = json_to_string (f->claims, FALSE);
  g_autofree char *token = NULL;

  crypto_sign_keypair (pk, sk);
  token = test_sign_token (sk, header, claims);
  assert_refused (f, token, "invalid_token");
}

/* issuer and access-token-ttl come from the config file. */
static void
test_configured (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  const char *args[] = { "--config", path, NULL };
  g_autoptr (CascadeTestServer) server = NULL;
  g_autoptr (JsonNode) session = NULL;
  g_autoptr (JsonNode) claims = NULL;
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, "[auth]\nissuer=https://cascade.example\naccess-token-ttl=120\n", -1,
                       &error);
  g_assert_no_error (error);
  server = cascade_test_server_new (args);
  session = test_register_new (server, NULL);
  claims = test_token_part (test_string (session, "access_token"), 1);

  g_assert_cmpint (json_object_get_int_member (test_object (session), "expires_in"), ==, 120);
  g_assert_cmpstr (test_string (claims, "iss"), ==, "https://cascade.example");
  g_assert_cmpint (json_object_get_int_member (test_object (claims), "exp") -
                     json_object_get_int_member (test_object (claims), "iat"),
                   ==, 120);
  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  cascade_test_rm_rf (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/tokens/jwks", test_jwks);
  ADD ("/cascade/server/tokens/claims", test_claims);
  ADD ("/cascade/server/tokens/tampered", test_tampered);
  ADD ("/cascade/server/tokens/expired", test_expired);
  ADD ("/cascade/server/tokens/algorithms", test_algorithms);
  ADD ("/cascade/server/tokens/wrong-issuer-audience", test_wrong_issuer_audience);
  ADD ("/cascade/server/tokens/other-key", test_other_key);
#undef ADD
  g_test_add_func ("/cascade/server/tokens/configured", test_configured);

  return g_test_run ();
}
