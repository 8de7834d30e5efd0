/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

/*
 * Two-factor authentication with TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s
 * steps, one step of clock drift either way) and single-use recovery codes.
 * A code is accepted once: the last step used is kept, and a code of that
 * step or an earlier one is refused, so a code seen over a shoulder or in a
 * log cannot be replayed.
 */

#define TOTP_SECRET_BYTES 20
#define TOTP_PERIOD 30
#define TOTP_DIGITS 6
#define N_RECOVERY_CODES 10
#define RECOVERY_CODE_CHARS 10
#define CODE_HASH_BYTES 32

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* RFC 4648 base32 without padding, as authenticator apps take it. */
static char *
base32_encode (const guint8 *data, gsize length)
{
  GString *out = g_string_new (NULL);
  guint buffer = 0;
  int bits = 0;

  for (gsize i = 0; i < length; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (out, base32_alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (out, base32_alphabet[(buffer << (5 - bits)) & 31]);
  return g_string_free (out, FALSE);
}

/* The TOTP code of @secret for time step @step. */
guint
_cascade_identity_totp_code (const guint8 *secret, gsize secret_length, gint64 step)
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, secret, secret_length);
  guint8 counter[8];
  guint8 digest[20];
  gsize digest_length = sizeof digest;
  guint offset;
  guint32 value;

  for (int i = 7; i >= 0; i--, step >>= 8)
    counter[i] = step & 0xff;
  g_hmac_update (hmac, counter, sizeof counter);
  g_hmac_get_digest (hmac, digest, &digest_length);
  offset = digest[19] & 0x0f;
  value = ((guint32) (digest[offset] & 0x7f) << 24) | ((guint32) digest[offset + 1] << 16) |
          ((guint32) digest[offset + 2] << 8) | digest[offset + 3];
  sodium_memzero (digest, sizeof digest);
  return value % 1000000;
}

static void
code_hash (const char *code, guint8 out[CODE_HASH_BYTES])
{
  g_autoptr (GString) normal = g_string_new (NULL);

  for (const char *p = code; *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (normal, g_ascii_tolower (*p));
  crypto_generichash (out, CODE_HASH_BYTES, (const guint8 *) normal->str, normal->len, NULL, 0);
  sodium_memzero (normal->str, normal->len);
}

/* Runs @sql with ?1 = @user_id and ?2 = now (if it uses them). */
static gboolean
exec_user (CascadeStoreTx *tx, const char *sql, const char *user_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, cascade_store_tx_get_now (tx));
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

typedef struct
{
  const char *user_id;
  const char *username;
  const char *code;
  guint8 secret[TOTP_SECRET_BYTES];
  gboolean enabled;
  gboolean exists;
  gboolean accepted;
  GPtrArray *recovery_codes;
  const guint8 *key; /* the identity's totp_key */
} TotpData;

/* A secret as stored: nonce, then the secretbox of the secret. */
#define SEALED_BYTES (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_SECRET_BYTES)

static void
seal_secret (const guint8 *key, const guint8 secret[TOTP_SECRET_BYTES], guint8 out[SEALED_BYTES])
{
  randombytes_buf (out, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy (out + crypto_secretbox_NONCEBYTES, secret, TOTP_SECRET_BYTES, out, key);
}

static gboolean
open_secret (const guint8 *key,
             const guint8 *sealed,
             gsize length,
             guint8 secret[TOTP_SECRET_BYTES])
{
  return length == SEALED_BYTES &&
         crypto_secretbox_open_easy (secret, sealed + crypto_secretbox_NONCEBYTES,
                                     SEALED_BYTES - crypto_secretbox_NONCEBYTES, sealed, key) == 0;
}

static gboolean
load_totp (CascadeStoreTx *tx, TotpData *data, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT secret, enabled_at IS NOT NULL FROM identity_totp "
                                   "WHERE user_id = ?",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->user_id, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW && !open_secret (data->key, sqlite3_column_blob (stmt, 0),
                                        sqlite3_column_bytes (stmt, 0), data->secret))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "A TOTP secret cannot be decrypted: is " CASCADE_TOTP_KEY_FILE
                           " the data dir's own?");
      return FALSE;
    }
  data->exists = rc == SQLITE_ROW;
  if (data->exists)
    data->enabled = sqlite3_column_int (stmt, 1) != 0;
  return rc >= 0;
}

static gboolean
begin_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  TotpData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint8 sealed[SEALED_BYTES];

  if (!load_totp (tx, data, error))
    return FALSE;
  if (data->enabled)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN,
                           "Two-factor authentication is on already: turn it off first.");
      return FALSE;
    }
  randombytes_buf (data->secret, sizeof data->secret);
  seal_secret (data->key, data->secret, sealed);
  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT OR REPLACE INTO identity_totp "
                                   "(user_id, secret, created_at, last_step) VALUES (?, ?, ?, 0)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 2, sealed, sizeof sealed, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, cascade_store_tx_get_now (tx));
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

/**
 * cascade_identity_begin_totp:
 *
 * Starts enrolment: makes a new secret, not in force until confirmed with
 * a code. Blocking.
 *
 * Returns: (transfer full): `{"secret": base32, "otpauth_uri": ...,
 *   "digits": 6, "period": 30, "algorithm": "SHA1"}`, or %NULL with
 *   FORBIDDEN when two-factor authentication is on already
 */
JsonNode *
cascade_identity_begin_totp (CascadeIdentity *self,
                             const CascadePrincipal *principal,
                             GError **error)
{
  g_autoptr (CascadeUser) user = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *secret = NULL;
  g_autofree char *label = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *issuer = NULL;
  TotpData data = { principal->user_id };
  gboolean ok;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  user = cascade_identity_get_user (self, principal->user_id, error);
  if (user == NULL)
    return NULL;
  data.key = self->totp_key;
  ok = cascade_store_transaction (self->store, CASCADE_STORE_WRITE, begin_tx, &data, error);
  if (!ok)
    return NULL;
  secret = base32_encode (data.secret, sizeof data.secret);
  sodium_memzero (data.secret, sizeof data.secret);
  issuer = g_uri_escape_string (self->issuer, NULL, FALSE);
  label = g_uri_escape_string (user->username, NULL, FALSE);
  uri = g_strdup_printf ("otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d"
                         "&period=%d",
                         issuer, label, secret, issuer, TOTP_DIGITS, TOTP_PERIOD);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "secret");
  json_builder_add_string_value (builder, secret);
  json_builder_set_member_name (builder, "otpauth_uri");
  json_builder_add_string_value (builder, uri);
  json_builder_set_member_name (builder, "algorithm");
  json_builder_add_string_value (builder, "SHA1");
  json_builder_set_member_name (builder, "digits");
  json_builder_add_int_value (builder, TOTP_DIGITS);
  json_builder_set_member_name (builder, "period");
  json_builder_add_int_value (builder, TOTP_PERIOD);
  json_builder_end_object (builder);
  sodium_memzero (secret, strlen (secret));
  sodium_memzero (uri, strlen (uri));
  return json_builder_get_root (builder);
}

/* Checks @data->code as a TOTP code of @data->secret (steps now-1 to
 * now+1, later than the last one used) and uses it up. */
static gboolean
use_totp_code (CascadeStoreTx *tx, TotpData *data, GError **error)
{
  g_autoptr (sqlite3_stmt) select = NULL;
  g_autoptr (sqlite3_stmt) update = NULL;
  gint64 now_step = g_get_real_time () / G_USEC_PER_SEC / TOTP_PERIOD;
  gint64 last_step;
  guint64 code;
  int rc;

  if (strlen (data->code) != TOTP_DIGITS ||
      !g_ascii_string_to_unsigned (data->code, 10, 0, 999999, &code, NULL))
    return TRUE;
  select =
    cascade_store_tx_prepare (tx, "SELECT last_step FROM identity_totp WHERE user_id = ?", error);
  if (select == NULL)
    return FALSE;
  sqlite3_bind_text (select, 1, data->user_id, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, select, error);
  if (rc != SQLITE_ROW)
    return rc >= 0;
  last_step = sqlite3_column_int64 (select, 0);

  for (gint64 step = now_step - 1; step <= now_step + 1; step++)
    if (step > last_step &&
        _cascade_identity_totp_code (data->secret, TOTP_SECRET_BYTES, step) == (guint) code)
      {
        update = cascade_store_tx_prepare (
          tx, "UPDATE identity_totp SET last_step = ? WHERE user_id = ?", error);
        if (update == NULL)
          return FALSE;
        sqlite3_bind_int64 (update, 1, step);
        sqlite3_bind_text (update, 2, data->user_id, -1, SQLITE_TRANSIENT);
        data->accepted = cascade_store_tx_step (tx, update, error) == SQLITE_DONE;
        return data->accepted;
      }
  return TRUE;
}

static gboolean
use_recovery_code (CascadeStoreTx *tx, TotpData *data, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint8 hash[CODE_HASH_BYTES];

  stmt = cascade_store_tx_prepare (tx,
                                   "UPDATE identity_recovery_codes SET used_at = ? "
                                   "WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                                   error);
  if (stmt == NULL)
    return FALSE;
  code_hash (data->code, hash);
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  sqlite3_bind_text (stmt, 2, data->user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob (stmt, 3, hash, sizeof hash, SQLITE_TRANSIENT);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  data->accepted = sqlite3_changes (cascade_store_tx_get_db (tx)) > 0;
  return TRUE;
}

static gboolean
make_recovery_codes (CascadeStoreTx *tx, TotpData *data, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

  if (!exec_user (tx, "DELETE FROM identity_recovery_codes WHERE user_id = ?1", data->user_id,
                  error))
    return FALSE;
  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO identity_recovery_codes (user_id, code_hash) "
                                   "VALUES (?, ?)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  data->recovery_codes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < N_RECOVERY_CODES; i++)
    {
      char code[RECOVERY_CODE_CHARS + 2];
      guint8 hash[CODE_HASH_BYTES];

      for (guint j = 0, k = 0; j < RECOVERY_CODE_CHARS; j++)
        {
          if (j == RECOVERY_CODE_CHARS / 2)
            code[k++] = '-';
          code[k++] = alphabet[randombytes_uniform (sizeof alphabet - 1)];
        }
      code[RECOVERY_CODE_CHARS + 1] = '\0';
      code_hash (code, hash);
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, data->user_id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_blob (stmt, 2, hash, sizeof hash, SQLITE_TRANSIENT);
      if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
        return FALSE;
      g_ptr_array_add (data->recovery_codes, g_strdup (code));
      sodium_memzero (code, sizeof code);
    }
  return TRUE;
}

static gboolean
confirm_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  TotpData *data = user_data;

  if (!load_totp (tx, data, error))
    return FALSE;
  if (!data->exists || data->enabled)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                           "Start the set-up of two-factor authentication first.");
      return FALSE;
    }
  if (!use_totp_code (tx, data, error))
    return FALSE;
  if (!data->accepted)
    return TRUE;
  return exec_user (tx, "UPDATE identity_totp SET enabled_at = ?2 WHERE user_id = ?1",
                    data->user_id, error) &&
         make_recovery_codes (tx, data, error);
}

static gboolean
invalid_otp (GError **error)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_OTP,
                       "This code is not right, or was used already.");
  return FALSE;
}

/**
 * cascade_identity_confirm_totp:
 * @code: the code the authenticator app shows now
 *
 * Turns two-factor authentication on. Blocking.
 *
 * Returns: (transfer full): `{"recovery_codes": [10 single-use codes]}`,
 *   shown this once; or %NULL with INVALID_OTP or NOT_FOUND (no enrolment)
 */
JsonNode *
cascade_identity_confirm_totp (CascadeIdentity *self,
                               const CascadePrincipal *principal,
                               const char *code,
                               GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  TotpData data = { principal->user_id, NULL, code };
  gboolean ok;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);

  data.key = self->totp_key;
  ok = cascade_store_transaction (self->store, CASCADE_STORE_WRITE, confirm_tx, &data, error);
  sodium_memzero (data.secret, sizeof data.secret);
  if (!ok)
    return NULL;
  if (!data.accepted)
    {
      invalid_otp (error);
      return NULL;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "recovery_codes");
  json_builder_begin_array (builder);
  for (guint i = 0; i < data.recovery_codes->len; i++)
    {
      char *one = g_ptr_array_index (data.recovery_codes, i);

      json_builder_add_string_value (builder, one);
      sodium_memzero (one, strlen (one));
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  g_ptr_array_unref (data.recovery_codes);
  return json_builder_get_root (builder);
}

static gboolean
disable_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  TotpData *data = user_data;

  return exec_user (tx, "DELETE FROM identity_totp WHERE user_id = ?1", data->user_id, error) &&
         exec_user (tx, "DELETE FROM identity_recovery_codes WHERE user_id = ?1", data->user_id,
                    error);
}

/* Turns two-factor authentication off, after checking the password. */
gboolean
cascade_identity_disable_totp (CascadeIdentity *self,
                               const CascadePrincipal *principal,
                               const char *password,
                               guint *retry_after,
                               GError **error)
{
  TotpData data = { principal->user_id };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);

  if (!_cascade_identity_check_password_of (self, principal->user_id, password, retry_after, error))
    return FALSE;
  data.key = self->totp_key;
  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, disable_tx, &data, error);
}

static gboolean
second_factor_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  TotpData *data = user_data;

  if (!load_totp (tx, data, error))
    return FALSE;
  if (!data->enabled || data->code == NULL)
    return TRUE;
  if (!use_totp_code (tx, data, error))
    return FALSE;
  return data->accepted || use_recovery_code (tx, data, error);
}

/**
 * _cascade_identity_check_second_factor:
 * @otp: (nullable): a TOTP code or a recovery code
 * @wrong: (out): set when @otp was given and is not right
 *
 * After a right password: %TRUE when the account has no second factor or
 * @otp is right (and now used up); else %FALSE with OTP_REQUIRED or
 * INVALID_OTP.
 */
gboolean
_cascade_identity_check_second_factor (
  CascadeIdentity *self, const char *user_id, const char *otp, gboolean *wrong, GError **error)
{
  TotpData data = { user_id, NULL, otp };
  gboolean ok;

  *wrong = FALSE;
  data.key = self->totp_key;
  ok = cascade_store_transaction (self->store, CASCADE_STORE_WRITE, second_factor_tx, &data, error);
  sodium_memzero (data.secret, sizeof data.secret);
  if (!ok)
    return FALSE;
  if (!data.enabled || data.accepted)
    return TRUE;
  if (otp == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_OTP_REQUIRED,
                           "Enter the code of your authenticator app (or a recovery code).");
      return FALSE;
    }
  *wrong = TRUE;
  return invalid_otp (error);
}

static gboolean
encrypt_secrets_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  CascadeIdentity *self = user_data;
  g_autoptr (sqlite3_stmt) select = NULL;
  int rc;

  select = cascade_store_tx_prepare (
    tx, "SELECT user_id, secret FROM identity_totp WHERE length (secret) = ?", error);
  if (select == NULL)
    return FALSE;
  sqlite3_bind_int (select, 1, TOTP_SECRET_BYTES);
  while ((rc = cascade_store_tx_step (tx, select, error)) == SQLITE_ROW)
    {
      g_autoptr (sqlite3_stmt) update = NULL;
      guint8 sealed[SEALED_BYTES];

      seal_secret (self->totp_key, sqlite3_column_blob (select, 1), sealed);
      update = cascade_store_tx_prepare (
        tx, "UPDATE identity_totp SET secret = ? WHERE user_id = ?", error);
      if (update == NULL)
        return FALSE;
      sqlite3_bind_blob (update, 1, sealed, sizeof sealed, SQLITE_TRANSIENT);
      sqlite3_bind_text (update, 2, (const char *) sqlite3_column_text (select, 0), -1,
                         SQLITE_TRANSIENT);
      if (cascade_store_tx_step (tx, update, error) != SQLITE_DONE)
        return FALSE;
    }
  return rc == SQLITE_DONE;
}

/* At start: TOTP secrets stored in clear by an older cascaded are sealed
 * with the key (the old bytes are zeroed: secure_delete). Blocking. */
gboolean
_cascade_identity_encrypt_totp_secrets (CascadeIdentity *self, GError **error)
{
  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, encrypt_secrets_tx, self,
                                    error);
}
