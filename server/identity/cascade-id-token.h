/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

/* Longer ID tokens and JWKS documents are refused before any decoding. */
#define CASCADE_ID_TOKEN_MAX_LENGTH 16384
#define CASCADE_JWKS_MAX_LENGTH (256 * 1024)
/* Clock skew allowed on exp and iat, in seconds. */
#define CASCADE_ID_TOKEN_LEEWAY 60

/* An OpenID Connect ID token (a compact JWS) as it was parsed: nothing in
 * it is trusted before cascade_id_token_verify() says so. */
typedef struct
{
  char *alg;
  char *kid; /* or NULL */
  JsonNode *claims;
  char *signing_input; /* header.payload, what the signature covers */
  guint8 *signature;
  gsize signature_length;
} CascadeIdToken;

/* The person an ID token names, once verified. */
typedef struct
{
  char *sub;
  char *email; /* or NULL */
  gboolean email_verified;
  char *name; /* or NULL */
} CascadeIdTokenIdentity;

/* A provider's JSON Web Key Set: its RS256 and ES256 (P-256) keys. */
typedef struct _CascadeJwks CascadeJwks;

CascadeIdToken *cascade_id_token_parse (const char *token, GError **error);
void cascade_id_token_free (CascadeIdToken *token);

CascadeJwks *cascade_jwks_parse (const char *json, gsize length, GError **error);
gboolean cascade_jwks_has_key (CascadeJwks *jwks, const char *kid);
guint cascade_jwks_get_n_keys (CascadeJwks *jwks);
void cascade_jwks_free (CascadeJwks *jwks);

gboolean
cascade_id_token_verify_signature (const CascadeIdToken *token, CascadeJwks *jwks, GError **error);
gboolean cascade_id_token_check_claims (const CascadeIdToken *token,
                                        const char *issuer,
                                        const char *client_id,
                                        const char *nonce,
                                        gint64 now,
                                        CascadeIdTokenIdentity *identity,
                                        GError **error);
void cascade_id_token_identity_clear (CascadeIdTokenIdentity *identity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeIdToken, cascade_id_token_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeJwks, cascade_jwks_free)

G_END_DECLS
