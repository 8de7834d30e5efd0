/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

#include <sodium.h>

/*
 * Sessions and refresh tokens.
 *
 * A session starts at register or login and ends at logout, or when one of
 * its refresh tokens is presented a second time. Each refresh uses up the
 * token presented and issues the next one in the same session. Refresh
 * tokens are 256 random bits, given to the client in base64url and stored
 * only as a BLAKE2b-256 hash.
 */

#define REFRESH_TOKEN_BYTES 32
#define TOKEN_HASH_BYTES 32

typedef enum
{
  REFRESH_ROTATED,
  REFRESH_INVALID,
  REFRESH_REUSED,
} RefreshOutcome;

static void
token_hash (const char *token, guint8 out[TOKEN_HASH_BYTES])
{
  crypto_generichash (out, TOKEN_HASH_BYTES, (const guint8 *) token, strlen (token), NULL, 0);
}

static char *
issue_refresh_token (CascadeStoreTx *tx, const char *session_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint8 raw[REFRESH_TOKEN_BYTES];
  guint8 hash[TOKEN_HASH_BYTES];
  gint64 now = cascade_store_tx_get_now (tx);
  char *token;

  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO identity_refresh_tokens "
                                   "(token_hash, session_id, created_at, expires_at) "
                                   "VALUES (?, ?, ?, ?)",
                                   error);
  if (stmt == NULL)
    return NULL;

  randombytes_buf (raw, sizeof raw);
  token = cascade_base64url_encode (raw, sizeof raw);
  sodium_memzero (raw, sizeof raw);
  token_hash (token, hash);

  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, now + CASCADE_REFRESH_TOKEN_TTL);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    {
      sodium_memzero (token, strlen (token));
      g_free (token);
      return NULL;
    }
  return token;
}

/* Signs a fresh access token and the next refresh token of @session_id. */
static CascadeAuthResult *
issue_tokens (CascadeIdentity *self,
              CascadeStoreTx *tx,
              CascadeUser *user,
              const char *session_id,
              GError **error)
{
  g_autoptr (CascadeUser) owned_user = user;
  CascadeJwtClaims claims = { 0 };
  CascadeAuthResult *result;
  char *refresh_token;
  gint64 now = cascade_store_tx_get_now (tx);

  refresh_token = issue_refresh_token (tx, session_id, error);
  if (refresh_token == NULL)
    return NULL;

  claims.iss = self->issuer;
  claims.aud = (char *) CASCADE_ACCESS_TOKEN_AUDIENCE;
  claims.sub = user->id;
  claims.sid = (char *) session_id;
  claims.role = user->role;
  claims.iat = now;
  claims.exp = now + self->access_token_ttl;

  result = g_new0 (CascadeAuthResult, 1);
  result->access_token = cascade_signing_key_sign (self->key, &claims);
  result->expires_in = self->access_token_ttl;
  result->refresh_token = refresh_token;
  result->refresh_expires_in = CASCADE_REFRESH_TOKEN_TTL;
  result->user = g_steal_pointer (&owned_user);
  return result;
}

/**
 * _cascade_identity_open_session:
 * @user: (transfer full): the account signing in
 *
 * Starts a session for @user inside @tx.
 */
CascadeAuthResult *
_cascade_identity_open_session (CascadeIdentity *self,
                                CascadeStoreTx *tx,
                                CascadeUser *user,
                                const CascadeClientInfo *client,
                                GError **error)
{
  g_autoptr (CascadeUser) owned_user = user;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *session_id = g_uuid_string_random ();
  g_autofree char *device = NULL;
  gint64 now = cascade_store_tx_get_now (tx);

  /* A User-Agent is shown to the user: one line, at most 200 characters. */
  if (client != NULL && client->device != NULL && g_utf8_validate (client->device, -1, NULL))
    {
      device = g_utf8_strlen (client->device, -1) > 200 ? g_utf8_substring (client->device, 0, 200)
                                                        : g_strdup (client->device);
      g_strdelimit (device, "\r\n\t", ' ');
    }
  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO identity_sessions "
                                   "(id, user_id, created_at, last_used_at, device, address) "
                                   "VALUES (?, ?, ?, ?, ?, ?)",
                                   error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_text (stmt, 5, device, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, client != NULL ? client->address : NULL, -1, SQLITE_TRANSIENT);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return NULL;
  return issue_tokens (self, tx, g_steal_pointer (&owned_user), session_id, error);
}

/* Ends a session: its access tokens are refused from now on and none of its
 * refresh tokens works any more. */
gboolean
_cascade_identity_revoke_session (CascadeStoreTx *tx,
                                  const char *session_id,
                                  const char *reason,
                                  GError **error)
{
  g_autoptr (sqlite3_stmt) session = NULL;
  g_autoptr (sqlite3_stmt) tokens = NULL;
  gint64 now = cascade_store_tx_get_now (tx);

  session = cascade_store_tx_prepare (tx,
                                      "UPDATE identity_sessions SET revoked_at = ?, "
                                      "revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
                                      error);
  tokens = session == NULL ? NULL
                           : cascade_store_tx_prepare (tx,
                                                       "UPDATE identity_refresh_tokens "
                                                       "SET revoked_at = ? WHERE session_id = ? "
                                                       "AND revoked_at IS NULL",
                                                       error);
  if (tokens == NULL)
    return FALSE;
  sqlite3_bind_int64 (session, 1, now);
  sqlite3_bind_text (session, 2, reason, -1, SQLITE_STATIC);
  sqlite3_bind_text (session, 3, session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (tokens, 1, now);
  sqlite3_bind_text (tokens, 2, session_id, -1, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, session, error) == SQLITE_DONE &&
         cascade_store_tx_step (tx, tokens, error) == SQLITE_DONE;
}

typedef struct
{
  CascadeIdentity *self;
  const char *token;
  RefreshOutcome outcome;
  CascadeAuthResult *result;
} RefreshData;

static gboolean
use_up_token (CascadeStoreTx *tx, const guint8 *hash, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = cascade_store_tx_prepare (
    tx, "UPDATE identity_refresh_tokens SET used_at = ? WHERE token_hash = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  sqlite3_bind_blob (stmt, 2, hash, TOKEN_HASH_BYTES, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

/* A refresh is a use of the session. */
static gboolean
touch_session (CascadeStoreTx *tx, const char *session_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = cascade_store_tx_prepare (tx, "UPDATE identity_sessions SET last_used_at = ? WHERE id = ?",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  sqlite3_bind_text (stmt, 2, session_id, -1, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

/* Commits in every outcome: a reused token must revoke its session even
 * though the caller gets an error. */
static gboolean
refresh_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  RefreshData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *session_id = NULL;
  CascadeUser *user;
  guint8 hash[TOKEN_HASH_BYTES];
  int rc;

  data->outcome = REFRESH_INVALID;
  stmt = cascade_store_tx_prepare (
    tx,
    "SELECT t.session_id, s.user_id, s.revoked_at IS NOT NULL, t.used_at IS NOT NULL, "
    "       t.revoked_at IS NOT NULL OR t.expires_at <= ? "
    "FROM identity_refresh_tokens t JOIN identity_sessions s ON s.id = t.session_id "
    "WHERE t.token_hash = ?",
    error);
  if (stmt == NULL)
    return FALSE;
  token_hash (data->token, hash);
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  sqlite3_bind_blob (stmt, 2, hash, sizeof hash, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc != SQLITE_ROW || sqlite3_column_int (stmt, 2) != 0)
    return rc >= 0; /* unknown token, or its session has ended */

  session_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (sqlite3_column_int (stmt, 3) != 0)
    {
      data->outcome = REFRESH_REUSED;
      return _cascade_identity_revoke_session (tx, session_id, "refresh_token_reused", error);
    }
  if (sqlite3_column_int (stmt, 4) != 0)
    return TRUE; /* expired or revoked */

  user = _cascade_identity_load_user (tx, (const char *) sqlite3_column_text (stmt, 1), error);
  if (user == NULL || !use_up_token (tx, hash, error) || !touch_session (tx, session_id, error))
    {
      cascade_user_free (user);
      return FALSE;
    }
  data->result = issue_tokens (data->self, tx, user, session_id, error);
  data->outcome = REFRESH_ROTATED;
  return data->result != NULL;
}

/**
 * cascade_identity_refresh:
 * @refresh_token: the newest refresh token of a session
 *
 * Uses up @refresh_token and issues the session's next tokens. A token that
 * was already used revokes its whole session. Blocking.
 *
 * Returns: (transfer full): the new tokens, or %NULL with
 *   %CASCADE_SERVER_ERROR_INVALID_REFRESH_TOKEN (unknown, expired, revoked)
 *   or %CASCADE_SERVER_ERROR_REFRESH_TOKEN_REUSED
 */
CascadeAuthResult *
cascade_identity_refresh (CascadeIdentity *self, const char *refresh_token, GError **error)
{
  RefreshData data = { self, refresh_token, REFRESH_INVALID, NULL };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (refresh_token != NULL, NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, refresh_tx, &data, error))
    return NULL;
  if (data.outcome == REFRESH_REUSED)
    {
      g_message ("A used refresh token was presented again; its session is revoked");
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_REFRESH_TOKEN_REUSED,
                           "This refresh token was already used; the session is closed. "
                           "Sign in again.");
      return NULL;
    }
  if (data.outcome == REFRESH_INVALID)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_REFRESH_TOKEN,
                           "This refresh token is not valid; sign in again.");
      return NULL;
    }
  return data.result;
}

typedef struct
{
  const CascadePrincipal *principal;
  const char *refresh_token;
} LogoutData;

/* The session a refresh token belongs to, if it belongs to @user_id. */
static gboolean
session_of_token (
  CascadeStoreTx *tx, const char *token, const char *user_id, char **session_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint8 hash[TOKEN_HASH_BYTES];
  int rc;

  *session_id = NULL;
  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT t.session_id FROM identity_refresh_tokens t "
                                   "JOIN identity_sessions s ON s.id = t.session_id "
                                   "WHERE t.token_hash = ? AND s.user_id = ?",
                                   error);
  if (stmt == NULL)
    return FALSE;
  token_hash (token, hash);
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    *session_id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return rc >= 0;
}

static gboolean
logout_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  LogoutData *data = user_data;
  g_autofree char *other_session = NULL;

  if (!_cascade_identity_revoke_session (tx, data->principal->session_id, "logout", error))
    return FALSE;
  if (data->refresh_token == NULL)
    return TRUE;
  if (!session_of_token (tx, data->refresh_token, data->principal->user_id, &other_session, error))
    return FALSE;
  return other_session == NULL ||
         _cascade_identity_revoke_session (tx, other_session, "logout", error);
}

/**
 * cascade_identity_logout:
 * @principal: the authenticated caller
 * @refresh_token: (nullable): a refresh token of the caller's; its session
 *   ends too, should it be another one
 *
 * Ends the caller's session. Blocking.
 */
gboolean
cascade_identity_logout (CascadeIdentity *self,
                         const CascadePrincipal *principal,
                         const char *refresh_token,
                         GError **error)
{
  LogoutData data = { principal, refresh_token };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (principal != NULL && principal->session_id != NULL, FALSE);

  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, logout_tx, &data, error);
}

/**
 * _cascade_identity_revoke_all_sessions:
 * @except_session_id: (nullable): a session to keep open
 *
 * Ends every open session of @user_id (but @except_session_id), inside @tx:
 * their access tokens are refused from now on and their refresh tokens no
 * longer work.
 */
gboolean
_cascade_identity_revoke_all_sessions (CascadeStoreTx *tx,
                                       const char *user_id,
                                       const char *except_session_id,
                                       const char *reason,
                                       GError **error)
{
  g_autoptr (sqlite3_stmt) tokens = NULL;
  g_autoptr (sqlite3_stmt) sessions = NULL;
  gint64 now = cascade_store_tx_get_now (tx);

  tokens = cascade_store_tx_prepare (tx,
                                     "UPDATE identity_refresh_tokens SET revoked_at = ?1 "
                                     "WHERE revoked_at IS NULL AND session_id IN "
                                     "(SELECT id FROM identity_sessions WHERE user_id = ?2 "
                                     " AND revoked_at IS NULL AND id IS NOT ?3)",
                                     error);
  sessions = tokens == NULL ? NULL
                            : cascade_store_tx_prepare (tx,
                                                        "UPDATE identity_sessions "
                                                        "SET revoked_at = ?1, revoked_reason = ?4 "
                                                        "WHERE user_id = ?2 AND revoked_at IS NULL "
                                                        "AND id IS NOT ?3",
                                                        error);
  if (sessions == NULL)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      sqlite3_stmt *stmt = i == 0 ? tokens : sessions;

      sqlite3_bind_int64 (stmt, 1, now);
      sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_TRANSIENT);
      if (except_session_id != NULL)
        sqlite3_bind_text (stmt, 3, except_session_id, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null (stmt, 3);
      if (i == 1)
        sqlite3_bind_text (stmt, 4, reason, -1, SQLITE_TRANSIENT);
      if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
        return FALSE;
    }
  return TRUE;
}
