/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "identity/cascade-id-token.h"

G_BEGIN_DECLS

/* How long a provider's JWKS is kept before it is fetched again. */
#define CASCADE_OIDC_JWKS_MAX_AGE (60 * 60)
/* Requests to a provider give up after this many seconds. */
#define CASCADE_OIDC_HTTP_TIMEOUT 30

/* One OpenID provider of the config ([oidc.<id>]), with what was learnt
 * from it (its discovery document, its keys). Thread-safe. */
typedef struct _CascadeOidcProvider CascadeOidcProvider;

GPtrArray *cascade_oidc_providers_load (GKeyFile *file, GError **error);

const char *cascade_oidc_provider_get_id (CascadeOidcProvider *self);
const char *cascade_oidc_provider_get_name (CascadeOidcProvider *self);

char *cascade_oidc_provider_dup_authorization_url (CascadeOidcProvider *self,
                                                   const char *redirect_uri,
                                                   const char *state,
                                                   const char *nonce,
                                                   const char *code_challenge,
                                                   GError **error);
char *cascade_oidc_provider_exchange_code (CascadeOidcProvider *self,
                                           const char *code,
                                           const char *redirect_uri,
                                           const char *code_verifier,
                                           GError **error);
gboolean cascade_oidc_provider_verify_id_token (CascadeOidcProvider *self,
                                                const char *id_token,
                                                const char *nonce,
                                                CascadeIdTokenIdentity *identity,
                                                GError **error);

gboolean cascade_oidc_check_url (const char *url);

G_END_DECLS
