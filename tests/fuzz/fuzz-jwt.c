/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sodium.h>

#include "identity/cascade-jwt.h"

/*
 * libFuzzer target: the access token parser. Each input is tried twice: as
 * a token as it is (header, signature and encoding checks), and, split at
 * its first newline into a header and a claims document, as a token signed
 * with the right key, so that the claims parser is reached too.
 */

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define KID "fuzz-key"

static void
verify (const char *token, const guint8 *public_key)
{
  g_autoptr (GError) error = NULL;
  CascadeJwtClaims *claims;

  claims = cascade_jwt_verify (token, public_key, KID, "cascaded", "cascade", 1700000000, &error);
  g_assert ((claims == NULL) == (error != NULL));
  if (claims != NULL)
    {
      g_assert (claims->sub != NULL && claims->sid != NULL);
      cascade_jwt_claims_free (claims);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static guint8 public_key[crypto_sign_PUBLICKEYBYTES];
  static guint8 secret_key[crypto_sign_SECRETKEYBYTES];
  static gsize keys_ready;
  g_autofree char *token = g_strndup ((const char *) data, size);
  const guint8 *newline = memchr (data, '\n', size);

  if (g_once_init_enter (&keys_ready))
    {
      guint8 seed[crypto_sign_SEEDBYTES] = { 42 };

      g_assert (sodium_init () >= 0);
      crypto_sign_seed_keypair (public_key, secret_key, seed);
      g_once_init_leave (&keys_ready, 1);
    }

  verify (token, public_key);
  if (newline != NULL)
    {
      gsize header_length = newline - data;
      g_autofree char *header = cascade_base64url_encode (data, header_length);
      g_autofree char *claims = cascade_base64url_encode (newline + 1, size - header_length - 1);
      g_autofree char *signing_input = g_strconcat (header, ".", claims, NULL);
      g_autofree char *signature = NULL;
      g_autofree char *signed_token = NULL;
      guint8 raw[crypto_sign_BYTES];

      crypto_sign_detached (raw, NULL, (const guint8 *) signing_input, strlen (signing_input),
                            secret_key);
      signature = cascade_base64url_encode (raw, sizeof raw);
      signed_token = g_strconcat (signing_input, ".", signature, NULL);
      verify (signed_token, public_key);
    }
  return 0;
}
