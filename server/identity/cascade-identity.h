/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "cascade-server-types.h"
#include "identity/cascade-signing-key.h"
#include "identity/cascade-user.h"
#include "store/cascade-store.h"

G_BEGIN_DECLS

#define CASCADE_ACCESS_TOKEN_AUDIENCE "cascade"
#define CASCADE_REFRESH_TOKEN_TTL (30 * 24 * 60 * 60)

#define CASCADE_TYPE_IDENTITY (cascade_identity_get_type ())

G_DECLARE_FINAL_TYPE (CascadeIdentity, cascade_identity, CASCADE, IDENTITY, GObject)

void cascade_identity_add_migrations (CascadeStore *store);

CascadeIdentity *cascade_identity_new (CascadeStore *store,
                                       const char *data_dir,
                                       const char *issuer,
                                       guint access_token_ttl,
                                       GError **error);
CascadeSigningKey *cascade_identity_get_signing_key (CascadeIdentity *self);
guint cascade_identity_get_access_token_ttl (CascadeIdentity *self);

/* The use cases. All of them block (database, argon2id): call them from a
 * worker thread, never from the main loop. */
CascadeAuthResult *cascade_identity_register (CascadeIdentity *self,
                                              const char *email,
                                              const char *username,
                                              const char *password,
                                              const char *display_name,
                                              GError **error);
CascadeAuthResult *cascade_identity_login (CascadeIdentity *self,
                                           const char *login,
                                           const char *password,
                                           GError **error);
CascadeAuthResult *
cascade_identity_refresh (CascadeIdentity *self, const char *refresh_token, GError **error);
gboolean cascade_identity_logout (CascadeIdentity *self,
                                  const CascadePrincipal *principal,
                                  const char *refresh_token,
                                  GError **error);
gboolean cascade_identity_authenticate (CascadeIdentity *self,
                                        const char *access_token,
                                        CascadePrincipal *principal,
                                        GError **error);
CascadeUser *cascade_identity_get_user (CascadeIdentity *self, const char *user_id, GError **error);

G_END_DECLS
