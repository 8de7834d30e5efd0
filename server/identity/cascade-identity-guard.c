/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

/*
 * Brute-force protection of sign-in, in the way Keycloak does it: after
 * lockout-failures wrong passwords in a row an account is locked for a
 * while, and each new lock lasts longer (lockout-seconds times the number of
 * locks, up to lockout-max-seconds). A right password after a lock has
 * ended clears the count. Failures older than FAILURE_MEMORY are forgotten.
 */

#define FAILURE_MEMORY (12 * 60 * 60)

void
cascade_identity_limits_init (CascadeIdentityLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->address_burst = 20;
  limits->address_per_minute = 30;
  limits->account_burst = 10;
  limits->account_per_minute = 10;
  limits->lockout_failures = 5;
  limits->lockout_seconds = 60;
  limits->lockout_max_seconds = 15 * 60;
  limits->password_hashes = CLAMP (g_get_num_processors (), 1, 4);
  limits->reset_token_seconds = 20 * 60;
}

static gboolean
load_uint (GKeyFile *file, const char *key, guint min, guint max, guint *out, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  guint64 value;

  if (!g_key_file_has_key (file, "limits", key, NULL))
    return TRUE;
  value = g_key_file_get_uint64 (file, "limits", key, &local_error);
  if (local_error != NULL || value < min || value > max)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                   "[limits] %s must be a number from %u to %u", key, min, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

/**
 * cascade_identity_limits_load:
 * @file: (nullable): the config file, or %NULL to keep @limits as they are
 *
 * Reads the [limits] group: address-burst, address-per-minute,
 * account-burst, account-per-minute, lockout-failures, lockout-seconds,
 * lockout-max-seconds, password-hashes, reset-token-seconds (at most 20
 * minutes). Unknown keys are errors.
 */
gboolean
cascade_identity_limits_load (CascadeIdentityLimits *limits, GKeyFile *file, GError **error)
{
  static const char *const known[] = { "address-burst",       "address-per-minute",
                                       "account-burst",       "account-per-minute",
                                       "lockout-failures",    "lockout-seconds",
                                       "lockout-max-seconds", "password-hashes",
                                       "reset-token-seconds", NULL };
  g_auto (GStrv) keys = NULL;

  g_return_val_if_fail (limits != NULL, FALSE);

  if (file == NULL)
    return TRUE;
  keys = g_key_file_get_keys (file, "limits", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                     "unknown key “%s” in [limits]", keys[i]);
        return FALSE;
      }
  return load_uint (file, "address-burst", 1, 1000000, &limits->address_burst, error) &&
         load_uint (file, "address-per-minute", 1, 1000000, &limits->address_per_minute, error) &&
         load_uint (file, "account-burst", 1, 1000000, &limits->account_burst, error) &&
         load_uint (file, "account-per-minute", 1, 1000000, &limits->account_per_minute, error) &&
         load_uint (file, "lockout-failures", 1, 1000, &limits->lockout_failures, error) &&
         load_uint (file, "lockout-seconds", 1, 86400, &limits->lockout_seconds, error) &&
         load_uint (file, "lockout-max-seconds", 1, 7 * 86400, &limits->lockout_max_seconds,
                    error) &&
         load_uint (file, "password-hashes", 1, 64, &limits->password_hashes, error) &&
         load_uint (file, "reset-token-seconds", 1, 20 * 60, &limits->reset_token_seconds, error);
}

typedef struct
{
  const char *user_id;
  const CascadeIdentityLimits *limits;
  gint64 locked_until;
} LockData;

static gboolean
locked_until_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  LockData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (
    tx, "SELECT locked_until FROM identity_login_failures WHERE user_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->user_id, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    data->locked_until = sqlite3_column_int64 (stmt, 0);
  return rc >= 0;
}

static gboolean
locked_error (gint64 locked_until, gint64 now, guint *retry_after, GError **error)
{
  guint seconds = (guint) MAX (1, locked_until - now);

  if (retry_after != NULL)
    *retry_after = seconds;
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_ACCOUNT_LOCKED,
               "Too many wrong passwords: this account is locked for %u more seconds.", seconds);
  return FALSE;
}

/* %FALSE with %CASCADE_SERVER_ERROR_ACCOUNT_LOCKED while @user_id is locked. */
gboolean
_cascade_identity_check_locked (CascadeIdentity *self,
                                const char *user_id,
                                guint *retry_after,
                                GError **error)
{
  LockData data = { user_id, &self->limits, 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, locked_until_tx, &data, error))
    return FALSE;
  if (data.locked_until > now)
    return locked_error (data.locked_until, now, retry_after, error);
  return TRUE;
}

static gboolean
record_failure_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  LockData *data = user_data;
  const CascadeIdentityLimits *limits = data->limits;
  g_autoptr (sqlite3_stmt) select = NULL;
  g_autoptr (sqlite3_stmt) upsert = NULL;
  gint64 now = cascade_store_tx_get_now (tx);
  gint64 failures = 0;
  gint64 lockouts = 0;
  int rc;

  select = cascade_store_tx_prepare (tx,
                                     "SELECT failures, lockouts, last_failure_at "
                                     "FROM identity_login_failures WHERE user_id = ?",
                                     error);
  if (select == NULL)
    return FALSE;
  sqlite3_bind_text (select, 1, data->user_id, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, select, error);
  if (rc < 0)
    return FALSE;
  if (rc == SQLITE_ROW && now - sqlite3_column_int64 (select, 2) < FAILURE_MEMORY)
    {
      failures = sqlite3_column_int64 (select, 0);
      lockouts = sqlite3_column_int64 (select, 1);
    }

  failures++;
  data->locked_until = 0;
  if (failures >= limits->lockout_failures)
    {
      lockouts++;
      failures = 0;
      data->locked_until =
        now + MIN ((gint64) limits->lockout_max_seconds, lockouts * limits->lockout_seconds);
    }

  upsert = cascade_store_tx_prepare (
    tx,
    "INSERT OR REPLACE INTO identity_login_failures "
    "(user_id, failures, lockouts, locked_until, last_failure_at) VALUES (?, ?, ?, ?, ?)",
    error);
  if (upsert == NULL)
    return FALSE;
  sqlite3_bind_text (upsert, 1, data->user_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (upsert, 2, failures);
  sqlite3_bind_int64 (upsert, 3, lockouts);
  sqlite3_bind_int64 (upsert, 4, data->locked_until);
  sqlite3_bind_int64 (upsert, 5, now);
  return cascade_store_tx_step (tx, upsert, error) == SQLITE_DONE;
}

/* Counts a wrong password for @user_id. Returns %FALSE with
 * %CASCADE_SERVER_ERROR_ACCOUNT_LOCKED when this failure locks the account,
 * %TRUE when it does not. */
gboolean
_cascade_identity_record_failure (CascadeIdentity *self,
                                  const char *user_id,
                                  guint *retry_after,
                                  GError **error)
{
  LockData data = { user_id, &self->limits, 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, record_failure_tx, &data,
                                  error))
    return FALSE;
  if (data.locked_until > 0)
    {
      g_message ("An account is locked after repeated wrong passwords");
      return locked_error (data.locked_until, now, retry_after, error);
    }
  return TRUE;
}

/* A right password: the account's failures are forgotten. */
gboolean
_cascade_identity_clear_failures (CascadeStoreTx *tx, const char *user_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt =
    cascade_store_tx_prepare (tx, "DELETE FROM identity_login_failures WHERE user_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, user_id, -1, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}
