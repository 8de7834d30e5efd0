/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "cascade-server-types.h"
#include "identity/cascade-signing-key.h"
#include "identity/cascade-user.h"
#include "store/cascade-store.h"

G_BEGIN_DECLS

#define CASCADE_ACCESS_TOKEN_AUDIENCE "cascade"
#define CASCADE_REFRESH_TOKEN_TTL (30 * 24 * 60 * 60)

/* How the identity context protects sign-in ([limits] in the config). */
typedef struct
{
  guint address_burst;       /* credential requests a client address may make at once */
  guint address_per_minute;  /* ... and then a minute */
  guint account_burst;       /* sign-in attempts on one login name at once */
  guint account_per_minute;  /* ... and then a minute */
  guint lockout_failures;    /* wrong passwords in a row that lock an account */
  guint lockout_seconds;     /* the first lock; the n-th lasts n times as long */
  guint lockout_max_seconds; /* the longest lock */
  guint password_hashes;     /* password hashes computed at once, at most */
  guint reset_token_seconds; /* how long a password reset token is valid */
} CascadeIdentityLimits;

void cascade_identity_limits_init (CascadeIdentityLimits *limits);
gboolean
cascade_identity_limits_load (CascadeIdentityLimits *limits, GKeyFile *file, GError **error);

/* Where a sign-in comes from, shown in the user's list of sessions. */
typedef struct
{
  const char *device;  /* the User-Agent, or NULL */
  const char *address; /* the client's IP address, or NULL */
} CascadeClientInfo;

#define CASCADE_TYPE_IDENTITY (cascade_identity_get_type ())

G_DECLARE_FINAL_TYPE (CascadeIdentity, cascade_identity, CASCADE, IDENTITY, GObject)

void cascade_identity_add_migrations (CascadeStore *store);

CascadeIdentity *cascade_identity_new (CascadeStore *store,
                                       const char *data_dir,
                                       const char *issuer,
                                       guint access_token_ttl,
                                       GError **error);
gboolean cascade_identity_load_config (CascadeIdentity *self, GKeyFile *file, GError **error);
void cascade_identity_set_limits (CascadeIdentity *self, const CascadeIdentityLimits *limits);
const CascadeIdentityLimits *cascade_identity_get_limits (CascadeIdentity *self);
CascadeSigningKey *cascade_identity_get_signing_key (CascadeIdentity *self);
GPtrArray *cascade_identity_get_retired_keys (CascadeIdentity *self);
guint cascade_identity_get_access_token_ttl (CascadeIdentity *self);

/* The use cases. All of them block (database, argon2id): call them from a
 * worker thread, never from the main loop. */
CascadeAuthResult *cascade_identity_register (CascadeIdentity *self,
                                              const char *email,
                                              const char *username,
                                              const char *password,
                                              const char *display_name,
                                              const CascadeClientInfo *client,
                                              GError **error);
CascadeAuthResult *cascade_identity_login (CascadeIdentity *self,
                                           const char *login,
                                           const char *password,
                                           const char *otp,
                                           const CascadeClientInfo *client,
                                           guint *retry_after,
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

/* cascade-identity-account.c: what a user does with their own account.
 * Blocking. */
JsonNode *cascade_identity_list_sessions (CascadeIdentity *self,
                                          const CascadePrincipal *principal,
                                          GError **error);
gboolean cascade_identity_end_session (CascadeIdentity *self,
                                       const CascadePrincipal *principal,
                                       const char *session_id,
                                       GError **error);
gboolean cascade_identity_end_other_sessions (CascadeIdentity *self,
                                              const CascadePrincipal *principal,
                                              GError **error);
gboolean cascade_identity_change_password (CascadeIdentity *self,
                                           const CascadePrincipal *principal,
                                           const char *current_password,
                                           const char *new_password,
                                           guint *retry_after,
                                           GError **error);
gboolean cascade_identity_delete_account (CascadeIdentity *self,
                                          const CascadePrincipal *principal,
                                          const char *password,
                                          guint *retry_after,
                                          GError **error);

/* cascade-identity-totp.c: two-factor authentication. Blocking. */
JsonNode *cascade_identity_begin_totp (CascadeIdentity *self,
                                       const CascadePrincipal *principal,
                                       GError **error);
JsonNode *cascade_identity_confirm_totp (CascadeIdentity *self,
                                         const CascadePrincipal *principal,
                                         const char *code,
                                         GError **error);
gboolean cascade_identity_disable_totp (CascadeIdentity *self,
                                        const CascadePrincipal *principal,
                                        const char *password,
                                        guint *retry_after,
                                        GError **error);

/* cascade-identity-admin.c: roles and bans. Blocking. */
CascadeUser *
cascade_identity_find_user (CascadeIdentity *self, const char *username, GError **error);
CascadeUser *cascade_identity_set_role (CascadeIdentity *self,
                                        const CascadePrincipal *actor,
                                        const char *username,
                                        const char *role,
                                        GError **error);
gboolean cascade_identity_set_banned (CascadeIdentity *self,
                                      const CascadePrincipal *actor,
                                      const char *username,
                                      gboolean banned,
                                      GError **error);
gboolean cascade_identity_make_admin (CascadeIdentity *self, const char *email, GError **error);
gboolean
cascade_identity_set_admins (CascadeIdentity *self, const char *const *emails, GError **error);

/* cascade-identity-oidc.c: social login (OpenID Connect). Blocking, but for
 * the setters. */
gboolean cascade_identity_load_providers (CascadeIdentity *self, GKeyFile *file, GError **error);
void cascade_identity_set_public_url (CascadeIdentity *self, const char *url);
JsonNode *cascade_identity_list_providers (CascadeIdentity *self);
char *cascade_identity_oidc_start (CascadeIdentity *self,
                                   const char *provider_id,
                                   const char *redirect_uri,
                                   const char *code_challenge,
                                   const char *code_challenge_method,
                                   const char *state,
                                   GError **error);
char *cascade_identity_oidc_callback (CascadeIdentity *self,
                                      const char *state,
                                      const char *code,
                                      const char *provider_error,
                                      GError **error);
CascadeAuthResult *cascade_identity_oidc_token (CascadeIdentity *self,
                                                const char *code,
                                                const char *code_verifier,
                                                const char *otp,
                                                const CascadeClientInfo *client,
                                                guint *retry_after,
                                                GError **error);

/* cascade-identity-email.c: tokens sent by email. Blocking. */
gboolean
cascade_identity_request_password_reset (CascadeIdentity *self, const char *email, GError **error);
gboolean cascade_identity_confirm_password_reset (CascadeIdentity *self,
                                                  const char *token,
                                                  const char *new_password,
                                                  GError **error);
gboolean cascade_identity_verify_email (CascadeIdentity *self, const char *token, GError **error);
gboolean
cascade_identity_resend_verification (CascadeIdentity *self, const char *user_id, GError **error);

G_END_DECLS
