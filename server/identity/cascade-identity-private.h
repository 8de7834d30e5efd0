/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sodium.h>

#include "gateway/cascade-rate-limit.h"
#include "identity/cascade-identity.h"

G_BEGIN_DECLS

struct _CascadeIdentity
{
  GObject parent_instance;

  CascadeStore *store;
  CascadeSigningKey *key;
  GPtrArray *retired_keys; /* still verify tokens they signed, newest first */
  char *issuer;
  guint access_token_ttl;

  /* argon2id takes 64 MiB a hash: at most hash_slots run at once. */
  GMutex hash_lock;
  GCond hash_cond;
  guint hash_slots;
  char *dummy_hash; /* verified against when a login names nobody */

  CascadeIdentityLimits limits;
  CascadeRateLimit *account_limit; /* sign-in attempts per login name */

  guint8 *totp_key;     /* sodium_malloc: encrypts TOTP secrets at rest (secretbox) */
  char **admins;        /* [identity] admins, lower-cased; or NULL */
  GPtrArray *providers; /* of CascadeOidcProvider, [oidc.<id>] */
  GMutex public_url_lock;
  char *public_url; /* the base of the social login callback */
};

extern const CascadeMigration _cascade_identity_migrations[];
extern const gsize _cascade_identity_n_migrations;

CascadeUser *_cascade_identity_load_user (CascadeStoreTx *tx, const char *user_id, GError **error);
CascadeAuthResult *_cascade_identity_open_session (CascadeIdentity *self,
                                                   CascadeStoreTx *tx,
                                                   CascadeUser *user,
                                                   const CascadeClientInfo *client,
                                                   GError **error);
gboolean _cascade_identity_check_password_of (CascadeIdentity *self,
                                              const char *user_id,
                                              const char *password,
                                              guint *retry_after,
                                              GError **error);

gboolean _cascade_identity_hash_password (CascadeIdentity *self,
                                          const char *password,
                                          char out[crypto_pwhash_STRBYTES],
                                          GError **error);

typedef enum
{
  CASCADE_EMAIL_TOKEN_PASSWORD_RESET,
  CASCADE_EMAIL_TOKEN_VERIFY_EMAIL,
} CascadeEmailTokenPurpose;

/* cascade-identity-email.c: sends @user a single-use token by email (an
 * outbox event the notify context turns into a mail), inside @tx. */
gboolean _cascade_identity_send_email_token (CascadeIdentity *self,
                                             CascadeStoreTx *tx,
                                             CascadeUser *user,
                                             CascadeEmailTokenPurpose purpose,
                                             GError **error);

gboolean _cascade_identity_revoke_session (CascadeStoreTx *tx,
                                           const char *session_id,
                                           const char *reason,
                                           GError **error);
gboolean _cascade_identity_revoke_all_sessions (CascadeStoreTx *tx,
                                                const char *user_id,
                                                const char *except_session_id,
                                                const char *reason,
                                                GError **error);

gboolean _cascade_identity_banned_error (GError **error);

gboolean
_cascade_identity_append_user_registered (CascadeStoreTx *tx, CascadeUser *user, GError **error);
gboolean _cascade_identity_second_factor_or_fail (
  CascadeIdentity *self, const char *user_id, const char *otp, guint *retry_after, GError **error);

/* cascade-identity-admin.c */
gboolean _cascade_identity_promote_if_listed (CascadeIdentity *self,
                                              CascadeStoreTx *tx,
                                              CascadeUser *user,
                                              GError **error);

/* cascade-identity-totp.c */
#define CASCADE_TOTP_KEY_FILE "totp-secretbox.key"
gboolean _cascade_identity_encrypt_totp_secrets (CascadeIdentity *self, GError **error);
guint _cascade_identity_totp_code (const guint8 *secret, gsize secret_length, gint64 step);
gboolean _cascade_identity_check_second_factor (
  CascadeIdentity *self, const char *user_id, const char *otp, gboolean *wrong, GError **error);

/* cascade-identity-guard.c: brute-force protection of sign-in */
gboolean _cascade_identity_check_locked (CascadeIdentity *self,
                                         const char *user_id,
                                         guint *retry_after,
                                         GError **error);
gboolean _cascade_identity_record_failure (CascadeIdentity *self,
                                           const char *user_id,
                                           guint *retry_after,
                                           GError **error);
gboolean _cascade_identity_clear_failures (CascadeStoreTx *tx, const char *user_id, GError **error);

G_END_DECLS
