/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "identity/cascade-jwt.h"
#include "server-test-util.h"

#define NOW 1800000000
#define ISSUER "cascaded"
#define AUDIENCE "cascade"
#define KID "test-kid"

typedef struct
{
  guint8 pk[crypto_sign_PUBLICKEYBYTES];
  guint8 sk[crypto_sign_SECRETKEYBYTES];
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (sodium_init (), >=, 0);
  crypto_sign_keypair (f->pk, f->sk);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  sodium_memzero (f->sk, sizeof f->sk);
}

static CascadeJwtClaims
claims_at (gint64 iat, gint64 exp)
{
  CascadeJwtClaims claims = {
    (char *) ISSUER,
    (char *) AUDIENCE,
    (char *) "user-1",
    (char *) "session-1",
    (char *) "user",
    iat,
    exp,
  };

  return claims;
}

static CascadeJwtClaims *
verify (Fixture *f, const char *token, GError **error)
{
  return cascade_jwt_verify (token, f->pk, KID, ISSUER, AUDIENCE, NOW, error);
}

static void
assert_invalid (Fixture *f, const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeJwtClaims) claims = verify (f, token, &error);

  if (claims != NULL)
    g_error ("accepted %s", token);
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN);
}

static void
test_base64url_vectors (void)
{
  const struct
  {
    const char *bin;
    const char *text;
  } vectors[] = {
    { "", "" },           { "f", "Zg" },          { "fo", "Zm8" },          { "foo", "Zm9v" },
    { "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" }, { "\xfb\xff", "-_8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *text = NULL;
      g_autofree guint8 *bin = NULL;
      g_autoptr (GError) error = NULL;
      gsize length = 0;

      text = cascade_base64url_encode ((const guint8 *) vectors[i].bin, strlen (vectors[i].bin));
      g_assert_cmpstr (text, ==, vectors[i].text);
      bin = cascade_base64url_decode (vectors[i].text, strlen (vectors[i].text), &length, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (bin, length, vectors[i].bin, strlen (vectors[i].bin));
    }
}

static void
test_base64url_round_trip (void)
{
  for (gsize size = 0; size < 100; size++)
    {
      g_autofree guint8 *data = g_malloc (size + 1);
      g_autofree char *text = NULL;
      g_autofree char *reference = NULL;
      g_autofree guint8 *back = NULL;
      gsize length = 0;

      randombytes_buf (data, size);
      text = cascade_base64url_encode (data, size);
      reference = test_b64url_encode (data, size);
      g_assert_cmpstr (text, ==, reference);
      back = cascade_base64url_decode (text, strlen (text), &length, NULL);
      g_assert_cmpmem (back, length, data, size);
    }
}

static void
test_base64url_rejects (void)
{
  const char *bad[] = { "Zg==", "Zm9v+A", "Zm9v/A", "Zm 9v", "Z", "Zm9v\n", "Zm.9" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      gsize length;
      g_autofree guint8 *bin = cascade_base64url_decode (bad[i], strlen (bad[i]), &length, &error);

      if (bin != NULL)
        g_error ("decoded %s", bad[i]);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN);
    }
}

static void
test_sign_verify (Fixture *f, gconstpointer data)
{
  CascadeJwtClaims claims = claims_at (NOW - 10, NOW + 900);
  g_autofree char *token = cascade_jwt_sign (&claims, KID, f->sk);
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeJwtClaims) verified = verify (f, token, &error);
  g_autoptr (JsonNode) header = test_token_part (token, 0);

  g_assert_no_error (error);
  g_assert_cmpstr (verified->sub, ==, "user-1");
  g_assert_cmpstr (verified->sid, ==, "session-1");
  g_assert_cmpstr (verified->role, ==, "user");
  g_assert_cmpint (verified->iat, ==, NOW - 10);
  g_assert_cmpint (verified->exp, ==, NOW + 900);
  g_assert_cmpstr (test_string (header, "alg"), ==, "EdDSA");
  g_assert_cmpstr (test_string (header, "typ"), ==, "JWT");
  g_assert_cmpstr (test_string (header, "kid"), ==, KID);
}

static void
test_expired (Fixture *f, gconstpointer data)
{
  gint64 exps[] = { NOW, NOW - 1, NOW - 3600 };

  for (gsize i = 0; i < G_N_ELEMENTS (exps); i++)
    {
      CascadeJwtClaims claims = claims_at (NOW - 7200, exps[i]);
      g_autofree char *token = cascade_jwt_sign (&claims, KID, f->sk);
      g_autoptr (GError) error = NULL;
      g_autoptr (CascadeJwtClaims) verified = verify (f, token, &error);

      g_assert_null (verified);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_TOKEN_EXPIRED);
    }
}

static void
test_wrong_claims (Fixture *f, gconstpointer data)
{
  CascadeJwtClaims wrong_iss = claims_at (NOW, NOW + 60);
  CascadeJwtClaims wrong_aud = claims_at (NOW, NOW + 60);
  CascadeJwtClaims future = claims_at (NOW + 3600, NOW + 7200);
  CascadeJwtClaims good = claims_at (NOW, NOW + 60);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;

  wrong_iss.iss = (char *) "someone-else";
  wrong_aud.aud = (char *) "other-app";
  a = cascade_jwt_sign (&wrong_iss, KID, f->sk);
  b = cascade_jwt_sign (&wrong_aud, KID, f->sk);
  c = cascade_jwt_sign (&future, KID, f->sk);
  d = cascade_jwt_sign (&good, "another-kid", f->sk);
  assert_invalid (f, a);
  assert_invalid (f, b);
  assert_invalid (f, c);
  assert_invalid (f, d);
}

static void
test_other_key (Fixture *f, gconstpointer data)
{
  guint8 pk[crypto_sign_PUBLICKEYBYTES];
  guint8 sk[crypto_sign_SECRETKEYBYTES];
  CascadeJwtClaims claims = claims_at (NOW, NOW + 60);
  g_autofree char *token = NULL;

  crypto_sign_keypair (pk, sk);
  token = cascade_jwt_sign (&claims, KID, sk);
  assert_invalid (f, token);
}

static void
test_tampered (Fixture *f, gconstpointer data)
{
  CascadeJwtClaims claims = claims_at (NOW, NOW + 60);
  g_autofree char *token = cascade_jwt_sign (&claims, KID, f->sk);
  g_auto (GStrv) parts = g_strsplit (token, ".", -1);
  g_autofree char *admin_claims = test_b64url_encode (
    (const guint8 *) "{\"iss\":\"cascaded\",\"aud\":\"cascade\",\"sub\":\"user-1\",\"sid\":"
                     "\"session-1\",\"role\":\"admin\",\"iat\":1800000000,\"exp\":1800000060}",
    strlen ("{\"iss\":\"cascaded\",\"aud\":\"cascade\",\"sub\":\"user-1\",\"sid\":"
            "\"session-1\",\"role\":\"admin\",\"iat\":1800000000,\"exp\":1800000060}"));
  g_autofree char *swapped = g_strjoin (".", parts[0], admin_claims, parts[2], NULL);

  assert_invalid (f, swapped);
  for (gsize i = 0; token[i] != '\0'; i += 7)
    {
      g_autofree char *flipped = g_strdup (token);

      if (flipped[i] == '.')
        continue;
      flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
      assert_invalid (f, flipped);
    }
}

/* "none", HMAC with the public key as secret, and headers lying about the
 * algorithm are all refused: only EdDSA counts. */
static void
test_algorithms (Fixture *f, gconstpointer data)
{
  const char *claims_json = "{\"iss\":\"cascaded\",\"aud\":\"cascade\",\"sub\":\"user-1\","
                            "\"sid\":\"session-1\",\"role\":\"user\",\"iat\":1800000000,"
                            "\"exp\":1800000060}";
  const char *headers[] = {
    "{\"alg\":\"none\",\"typ\":\"JWT\"}",    "{\"alg\":\"None\",\"typ\":\"JWT\"}",
    "{\"alg\":\"HS256\",\"typ\":\"JWT\"}",   "{\"alg\":\"ES256\",\"typ\":\"JWT\"}",
    "{\"alg\":\"eddsa\",\"typ\":\"JWT\"}",   "{\"typ\":\"JWT\"}",
    "{\"alg\":[\"EdDSA\"],\"typ\":\"JWT\"}",
  };
  g_autofree char *payload =
    test_b64url_encode ((const guint8 *) claims_json, strlen (claims_json));

  for (gsize i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_autofree char *header =
        test_b64url_encode ((const guint8 *) headers[i], strlen (headers[i]));
      g_autofree char *unsigned_token = g_strconcat (header, ".", payload, ".", NULL);
      g_autofree char *input = g_strconcat (header, ".", payload, NULL);
      g_autofree char *hmac = NULL;
      g_autofree char *hmac_token = NULL;
      g_autofree char *signed_token = test_sign_token (f->sk, headers[i], claims_json);

      hmac = g_compute_hmac_for_string (G_CHECKSUM_SHA256, f->pk, sizeof f->pk, input, -1);
      hmac_token = g_strconcat (input, ".", hmac, NULL);
      assert_invalid (f, unsigned_token);
      assert_invalid (f, hmac_token);
      assert_invalid (f, signed_token);
    }
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  g_autofree char *long_token = g_strnfill (CASCADE_JWT_MAX_LENGTH + 1, 'a');
  const char *tokens[] = {
    "", ".", "..", "...", "a", "a.b", "a.b.c", "a.b.c.d", "eyJ.eyJ.sig", "%%%.%%%.%%%",
  };
  const char *claims_variants[] = {
    "{\"iss\":\"cascaded\",\"aud\":\"cascade\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"user\","
    "\"iat\":1800000000,\"exp\":\"1800000060\"}",
    "{\"iss\":\"cascaded\",\"aud\":[\"cascade\"],\"sub\":\"u\",\"sid\":\"s\",\"role\":\"user\","
    "\"iat\":1800000000,\"exp\":1800000060}",
    "{\"iss\":\"cascaded\",\"aud\":\"cascade\",\"sid\":\"s\",\"role\":\"user\","
    "\"iat\":1800000000,\"exp\":1800000060}",
    "{\"iss\":\"cascaded\",\"aud\":\"cascade\",\"sub\":\"u\",\"sid\":\"s\",\"role\":\"user\","
    "\"iat\":1800000000,\"exp\":1.8e9}",
    "[1, 2, 3]",
    "not json",
  };

  assert_invalid (f, long_token);
  for (gsize i = 0; i < G_N_ELEMENTS (tokens); i++)
    assert_invalid (f, tokens[i]);
  for (gsize i = 0; i < G_N_ELEMENTS (claims_variants); i++)
    {
      g_autofree char *token = test_sign_token (
        f->sk, "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" KID "\"}", claims_variants[i]);

      assert_invalid (f, token);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/server/jwt/base64url-vectors", test_base64url_vectors);
  g_test_add_func ("/cascade/server/jwt/base64url-round-trip", test_base64url_round_trip);
  g_test_add_func ("/cascade/server/jwt/base64url-rejects", test_base64url_rejects);
  g_test_add ("/cascade/server/jwt/sign-verify", Fixture, NULL, fixture_set_up, test_sign_verify,
              fixture_tear_down);
  g_test_add ("/cascade/server/jwt/expired", Fixture, NULL, fixture_set_up, test_expired,
              fixture_tear_down);
  g_test_add ("/cascade/server/jwt/wrong-claims", Fixture, NULL, fixture_set_up, test_wrong_claims,
              fixture_tear_down);
  g_test_add ("/cascade/server/jwt/other-key", Fixture, NULL, fixture_set_up, test_other_key,
              fixture_tear_down);
  g_test_add ("/cascade/server/jwt/tampered", Fixture, NULL, fixture_set_up, test_tampered,
              fixture_tear_down);
  g_test_add ("/cascade/server/jwt/algorithms", Fixture, NULL, fixture_set_up, test_algorithms,
              fixture_tear_down);
  g_test_add ("/cascade/server/jwt/malformed", Fixture, NULL, fixture_set_up, test_malformed,
              fixture_tear_down);

  return g_test_run ();
}
