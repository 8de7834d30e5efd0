/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

#include "identity/cascade-identity-validate.h"
#include "identity/cascade-jwt.h"

/*
 * Tokens sent by email: password reset and address verification. A token
 * is 256 random bits, kept only as a BLAKE2b-256 hash, used once. Its mail
 * is an outbox event, "identity.email_token", written in the same
 * transaction as the token: the notify context turns it into a mail and
 * delivers it with retries, so a mail server that is down loses nothing.
 */

#define EMAIL_TOKEN_BYTES 32
#define EMAIL_TOKEN_HASH_BYTES 32
#define VERIFY_TOKEN_SECONDS (7 * 24 * 60 * 60)

static const char *const purpose_names[] = { "password_reset", "verify_email" };

static void
email_token_hash (const char *token, guint8 out[EMAIL_TOKEN_HASH_BYTES])
{
  crypto_generichash (out, EMAIL_TOKEN_HASH_BYTES, (const guint8 *) token, strlen (token), NULL, 0);
}

static gboolean
append_email_event (CascadeStoreTx *tx,
                    CascadeUser *user,
                    CascadeEmailTokenPurpose purpose,
                    const char *token,
                    gint64 ttl,
                    GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "purpose");
  json_builder_add_string_value (builder, purpose_names[purpose]);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, user->id);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, user->email);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user->username);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, ttl);
  json_builder_end_object (builder);
  payload = json_builder_get_root (builder);
  return cascade_store_tx_append_secret_event (tx, "identity.email_token", payload,
                                               (const char *const[]){ "token", NULL }, error);
}

gboolean
_cascade_identity_send_email_token (CascadeIdentity *self,
                                    CascadeStoreTx *tx,
                                    CascadeUser *user,
                                    CascadeEmailTokenPurpose purpose,
                                    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint8 raw[EMAIL_TOKEN_BYTES];
  guint8 hash[EMAIL_TOKEN_HASH_BYTES];
  gint64 now = cascade_store_tx_get_now (tx);
  gint64 ttl = purpose == CASCADE_EMAIL_TOKEN_PASSWORD_RESET ? self->limits.reset_token_seconds
                                                             : VERIFY_TOKEN_SECONDS;
  g_autofree char *token = NULL;
  gboolean ok;

  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO identity_email_tokens (token_hash, user_id, "
                                   "purpose, email, created_at, expires_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  randombytes_buf (raw, sizeof raw);
  token = cascade_base64url_encode (raw, sizeof raw);
  sodium_memzero (raw, sizeof raw);
  email_token_hash (token, hash);

  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, purpose_names[purpose], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, user->email, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, now);
  sqlite3_bind_int64 (stmt, 6, now + ttl);
  ok = cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE &&
       append_email_event (tx, user, purpose, token, ttl, error);
  sodium_memzero (token, strlen (token));
  return ok;
}

typedef struct
{
  CascadeIdentity *self;
  const char *email;
  const char *token;
  const char *password_hash;
  CascadeEmailTokenPurpose purpose;
  gboolean valid;
} EmailData;

static gboolean
request_reset_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  EmailData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (CascadeUser) user = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (
    tx, "SELECT id FROM identity_users WHERE email = ? AND banned_at IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->email, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc != SQLITE_ROW)
    return rc >= 0; /* nobody: nothing is sent, and nothing is said */
  user = _cascade_identity_load_user (tx, (const char *) sqlite3_column_text (stmt, 0), error);
  if (user == NULL)
    return FALSE;
  return _cascade_identity_send_email_token (data->self, tx, user,
                                             CASCADE_EMAIL_TOKEN_PASSWORD_RESET, error);
}

/**
 * cascade_identity_request_password_reset:
 *
 * Mails a password reset token to @email if an account has that address.
 * Whether one has is never told: an address that is not well formed, or
 * that nobody has, succeeds all the same. Requests for one address beyond
 * the account rate limit are dropped silently too. Blocking.
 */
gboolean
cascade_identity_request_password_reset (CascadeIdentity *self, const char *email, GError **error)
{
  g_autofree char *normalized = NULL;
  g_autofree char *key = NULL;
  EmailData data = { self };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (email != NULL, FALSE);

  normalized = cascade_identity_normalize_email (email, NULL);
  if (normalized == NULL)
    return TRUE;
  key = g_strconcat ("reset:", normalized, NULL);
  if (!cascade_rate_limit_take (self->account_limit, key, NULL))
    return TRUE;
  data.email = normalized;
  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, request_reset_tx, &data,
                                    error);
}

/* Uses up @data->token if it is a valid token of @data->purpose; sets
 * @user_id to its account. */
static gboolean
use_email_token (CascadeStoreTx *tx, EmailData *data, char **user_id, GError **error)
{
  g_autoptr (sqlite3_stmt) select = NULL;
  g_autoptr (sqlite3_stmt) update = NULL;
  guint8 hash[EMAIL_TOKEN_HASH_BYTES];
  gint64 now = cascade_store_tx_get_now (tx);
  int rc;

  *user_id = NULL;
  select = cascade_store_tx_prepare (tx,
                                     "SELECT t.user_id FROM identity_email_tokens t "
                                     "JOIN identity_users u ON u.id = t.user_id "
                                     "WHERE t.token_hash = ? AND t.purpose = ? "
                                     "AND t.used_at IS NULL AND t.expires_at > ? "
                                     "AND t.email = u.email",
                                     error);
  if (select == NULL)
    return FALSE;
  email_token_hash (data->token, hash);
  sqlite3_bind_blob (select, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_text (select, 2, purpose_names[data->purpose], -1, SQLITE_STATIC);
  sqlite3_bind_int64 (select, 3, now);
  rc = cascade_store_tx_step (tx, select, error);
  if (rc != SQLITE_ROW)
    return rc >= 0;

  *user_id = g_strdup ((const char *) sqlite3_column_text (select, 0));
  update = cascade_store_tx_prepare (
    tx, "UPDATE identity_email_tokens SET used_at = ? WHERE token_hash = ?", error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, now);
  sqlite3_bind_blob (update, 2, hash, sizeof hash, SQLITE_TRANSIENT);
  data->valid = cascade_store_tx_step (tx, update, error) == SQLITE_DONE;
  return data->valid;
}

static gboolean
exec_for_user (CascadeStoreTx *tx, const char *sql, const char *user_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static gboolean
confirm_reset_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  EmailData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *user_id = NULL;

  if (!use_email_token (tx, data, &user_id, error))
    return FALSE;
  if (user_id == NULL)
    return TRUE; /* not valid: nothing to change */

  stmt =
    cascade_store_tx_prepare (tx,
                              "UPDATE identity_users SET password_hash = ?, email_verified_at = "
                              "COALESCE (email_verified_at, ?) WHERE id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->password_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, cascade_store_tx_get_now (tx));
  sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE &&
         exec_for_user (tx,
                        "UPDATE identity_email_tokens SET used_at = ?1 "
                        "WHERE user_id = ?2 AND purpose = 'password_reset' AND used_at IS NULL",
                        user_id, error) &&
         _cascade_identity_clear_failures (tx, user_id, error) &&
         _cascade_identity_revoke_all_sessions (tx, user_id, NULL, "password_reset", error);
}

static gboolean
invalid_token (GError **error)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_EMAIL_TOKEN,
                       "This link or code is not valid: it was already used, has expired, or "
                       "was mistyped. Ask for a new one.");
  return FALSE;
}

/**
 * cascade_identity_confirm_password_reset:
 *
 * Sets the password of the account @token was mailed for, uses up every
 * reset token of the account, and signs out every one of its sessions.
 * Blocking.
 *
 * Returns: %FALSE with %CASCADE_SERVER_ERROR_INVALID_PASSWORD or
 *   %CASCADE_SERVER_ERROR_INVALID_EMAIL_TOKEN (unknown, used, expired)
 */
gboolean
cascade_identity_confirm_password_reset (CascadeIdentity *self,
                                         const char *token,
                                         const char *new_password,
                                         GError **error)
{
  char hash[crypto_pwhash_STRBYTES];
  EmailData data = { self, NULL, token, hash, CASCADE_EMAIL_TOKEN_PASSWORD_RESET, FALSE };
  g_autoptr (GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (token != NULL && new_password != NULL, FALSE);

  if (!cascade_identity_check_password (new_password, error) ||
      !_cascade_identity_hash_password (self, new_password, hash, error))
    return FALSE;
  ok = cascade_store_transaction (self->store, CASCADE_STORE_WRITE, confirm_reset_tx, &data,
                                  &local_error);
  sodium_memzero (hash, sizeof hash);
  if (!ok && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!data.valid)
    return invalid_token (error);
  g_message ("A password was reset; every session of the account is signed out");
  return TRUE;
}

static gboolean
verify_email_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  EmailData *data = user_data;
  g_autofree char *user_id = NULL;

  if (!use_email_token (tx, data, &user_id, error))
    return FALSE;
  if (user_id == NULL)
    return TRUE; /* not valid: nothing to change */
  return exec_for_user (tx,
                        "UPDATE identity_users SET email_verified_at = "
                        "COALESCE (email_verified_at, ?1) WHERE id = ?2",
                        user_id, error);
}

/**
 * cascade_identity_verify_email:
 *
 * Marks the address @token was mailed to as verified. Blocking.
 *
 * Returns: %FALSE with %CASCADE_SERVER_ERROR_INVALID_EMAIL_TOKEN when the
 *   token is unknown, used, expired, or for an address the account no
 *   longer has
 */
gboolean
cascade_identity_verify_email (CascadeIdentity *self, const char *token, GError **error)
{
  EmailData data = { self, NULL, token, NULL, CASCADE_EMAIL_TOKEN_VERIFY_EMAIL, FALSE };
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (token != NULL, FALSE);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, verify_email_tx, &data,
                                  &local_error) &&
      local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return data.valid ? TRUE : invalid_token (error);
}

static gboolean
resend_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  EmailData *data = user_data;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CascadeUser) user = _cascade_identity_load_user (tx, data->email, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (user == NULL || user->email_verified)
    return TRUE;
  return _cascade_identity_send_email_token (data->self, tx, user, CASCADE_EMAIL_TOKEN_VERIFY_EMAIL,
                                             error);
}

/**
 * cascade_identity_resend_verification:
 *
 * Mails a new verification token to the account's address, unless it is
 * verified already or was sent one too often lately. Blocking.
 */
gboolean
cascade_identity_resend_verification (CascadeIdentity *self, const char *user_id, GError **error)
{
  g_autofree char *key = NULL;
  EmailData data = { self, user_id }; /* .email carries the user id here */

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);

  key = g_strconcat ("verify:", user_id, NULL);
  if (!cascade_rate_limit_take (self->account_limit, key, NULL))
    return TRUE;
  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, resend_tx, &data, error);
}
