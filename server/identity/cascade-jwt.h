/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sodium.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

/* Longer Authorization tokens are refused before any decoding. */
#define CASCADE_JWT_MAX_LENGTH 4096

/* The claims of a Cascade access token. */
typedef struct
{
  char *iss;
  char *aud;
  char *sub; /* user id */
  char *sid; /* session id */
  char *role;
  gint64 iat;
  gint64 exp;
} CascadeJwtClaims;

void cascade_jwt_claims_free (CascadeJwtClaims *claims);

char *cascade_base64url_encode (const guint8 *data, gsize length);
guint8 *
cascade_base64url_decode (const char *text, gsize text_length, gsize *out_length, GError **error);

char *cascade_jwt_sign (const CascadeJwtClaims *claims,
                        const char *kid,
                        const guint8 secret_key[crypto_sign_SECRETKEYBYTES]);
CascadeJwtClaims *cascade_jwt_verify (const char *token,
                                      const guint8 public_key[crypto_sign_PUBLICKEYBYTES],
                                      const char *kid,
                                      const char *issuer,
                                      const char *audience,
                                      gint64 now,
                                      GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeJwtClaims, cascade_jwt_claims_free)

G_END_DECLS
