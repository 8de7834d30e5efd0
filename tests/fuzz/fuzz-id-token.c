/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "identity/cascade-id-token.h"
#include "identity/cascade-jwt.h"

/*
 * libFuzzer target: the parser of OpenID Connect ID tokens and of the
 * provider's JWKS (server/identity/cascade-id-token.c). Each input is tried
 * as a token as it is (shape, header, claims, then the claim checks and a
 * signature check against a fixed key set), as a key set, and, split at its
 * first newline into a header and a claims document, as a token made of
 * those, so that the JSON checks are reached without the base64 layer.
 */

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* A P-256 key: the example key of RFC 7515 A.3. */
static const char fixed_jwks[] =
  "{\"keys\": [{\"kty\": \"EC\", \"kid\": \"ec-1\", \"crv\": \"P-256\","
  " \"x\": \"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
  " \"y\": \"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

static void
try_token (const char *text, CascadeJwks *jwks)
{
  g_autoptr (CascadeIdToken) token = NULL;
  g_autoptr (GError) error = NULL;
  CascadeIdTokenIdentity identity = { NULL };

  token = cascade_id_token_parse (text, &error);
  g_assert ((token == NULL) == (error != NULL));
  if (token == NULL)
    return;
  g_assert (token->alg != NULL && token->claims != NULL && token->signing_input != NULL);
  if (cascade_id_token_check_claims (token, "https://issuer.example", "client", "nonce", 1700000000,
                                     &identity, &error))
    {
      g_assert (identity.sub != NULL);
      cascade_id_token_identity_clear (&identity);
    }
  else
    g_assert (error != NULL);
  g_clear_error (&error);
  if (!cascade_id_token_verify_signature (token, jwks, &error))
    g_assert (error != NULL);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static CascadeJwks *jwks;
  g_autofree char *text = g_strndup ((const char *) data, size);
  const guint8 *newline = memchr (data, '\n', size);
  g_autoptr (CascadeJwks) parsed = NULL;

  if (jwks == NULL)
    {
      jwks = cascade_jwks_parse (fixed_jwks, strlen (fixed_jwks), NULL);
      g_assert (jwks != NULL);
    }

  try_token (text, jwks);
  parsed = cascade_jwks_parse ((const char *) data, size, NULL);
  if (parsed != NULL)
    g_assert (cascade_jwks_get_n_keys (parsed) > 0);
  if (newline != NULL)
    {
      gsize header_length = newline - data;
      g_autofree char *header = cascade_base64url_encode (data, header_length);
      g_autofree char *claims = cascade_base64url_encode (newline + 1, size - header_length - 1);
      g_autofree char *token = g_strconcat (header, ".", claims, ".c2ln", NULL);

      try_token (token, jwks);
    }
  return 0;
}
