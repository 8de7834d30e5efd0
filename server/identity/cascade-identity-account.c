/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

#include "identity/cascade-identity-validate.h"

/*
 * What a signed-in user does with their own account: see their sessions,
 * sign out one or the others, change their password, delete the account.
 */

static void
add_time (JsonBuilder *builder, const char *name, gint64 seconds)
{
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (seconds);
  g_autofree char *text = g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_nullable (JsonBuilder *builder, const char *name, const char *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

typedef struct
{
  CascadeIdentity *self;
  const CascadePrincipal *principal;
  const char *session_id;
  const char *password_hash;
  JsonNode *list;
  gboolean found;
} AccountData;

static gboolean
list_sessions_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AccountData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  int rc;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT id, device, address, created_at, "
                                   "COALESCE (last_used_at, created_at) FROM identity_sessions "
                                   "WHERE user_id = ? AND revoked_at IS NULL "
                                   "ORDER BY 5 DESC, id",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->principal->user_id, -1, SQLITE_TRANSIENT);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      add_nullable (builder, "device", (const char *) sqlite3_column_text (stmt, 1));
      add_nullable (builder, "address", (const char *) sqlite3_column_text (stmt, 2));
      add_time (builder, "created_at", sqlite3_column_int64 (stmt, 3));
      add_time (builder, "last_used_at", sqlite3_column_int64 (stmt, 4));
      json_builder_set_member_name (builder, "current");
      json_builder_add_boolean_value (builder, g_strcmp0 (id, data->principal->session_id) == 0);
      json_builder_end_object (builder);
    }
  if (rc < 0)
    return FALSE;
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "next_cursor");
  json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  data->list = json_builder_get_root (builder);
  return TRUE;
}

/**
 * cascade_identity_list_sessions:
 *
 * Returns: (transfer full): `{"items": [Session...], "next_cursor": null}`,
 *   the caller's open sessions, most recently used first
 */
JsonNode *
cascade_identity_list_sessions (CascadeIdentity *self,
                                const CascadePrincipal *principal,
                                GError **error)
{
  AccountData data = { self, principal };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (principal != NULL, NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, list_sessions_tx, &data, error))
    return NULL;
  return data.list;
}

static gboolean
end_session_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AccountData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT 1 FROM identity_sessions WHERE id = ? AND user_id = ? "
                                   "AND revoked_at IS NULL",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->session_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, data->principal->user_id, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc != SQLITE_ROW)
    return rc >= 0;
  data->found = TRUE;
  return _cascade_identity_revoke_session (tx, data->session_id, "signed_out", error);
}

/**
 * cascade_identity_end_session:
 * @session_id: one of the caller's open sessions
 *
 * Returns: %FALSE with NOT_FOUND when the caller has no such open session
 */
gboolean
cascade_identity_end_session (CascadeIdentity *self,
                              const CascadePrincipal *principal,
                              const char *session_id,
                              GError **error)
{
  AccountData data = { self, principal, session_id };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (principal != NULL && session_id != NULL, FALSE);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, end_session_tx, &data, error))
    return FALSE;
  if (!data.found)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                           "You have no such session.");
      return FALSE;
    }
  return TRUE;
}

static gboolean
end_others_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AccountData *data = user_data;

  return _cascade_identity_revoke_all_sessions (tx, data->principal->user_id,
                                                data->principal->session_id, "signed_out", error);
}

/* Signs out every session of the caller's but the current one. */
gboolean
cascade_identity_end_other_sessions (CascadeIdentity *self,
                                     const CascadePrincipal *principal,
                                     GError **error)
{
  AccountData data = { self, principal };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (principal != NULL, FALSE);

  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, end_others_tx, &data, error);
}

static gboolean
change_password_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AccountData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = cascade_store_tx_prepare (tx, "UPDATE identity_users SET password_hash = ? WHERE id = ?",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->password_hash, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, data->principal->user_id, -1, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE &&
         _cascade_identity_revoke_all_sessions (
           tx, data->principal->user_id, data->principal->session_id, "password_changed", error);
}

/**
 * cascade_identity_change_password:
 *
 * Sets a new password (same rules as at sign-up) after checking the current
 * one, and signs out every other session.
 *
 * Returns: %FALSE with INVALID_PASSWORD, WRONG_PASSWORD or RATE_LIMITED
 */
gboolean
cascade_identity_change_password (CascadeIdentity *self,
                                  const CascadePrincipal *principal,
                                  const char *current_password,
                                  const char *new_password,
                                  guint *retry_after,
                                  GError **error)
{
  char hash[crypto_pwhash_STRBYTES];
  AccountData data = { self, principal, NULL, hash };
  gboolean ok;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (principal != NULL && current_password != NULL && new_password != NULL,
                        FALSE);

  if (!cascade_identity_check_password (new_password, error) ||
      !_cascade_identity_check_password_of (self, principal->user_id, current_password, retry_after,
                                            error) ||
      !_cascade_identity_hash_password (self, new_password, hash, error))
    return FALSE;
  ok =
    cascade_store_transaction (self->store, CASCADE_STORE_WRITE, change_password_tx, &data, error);
  sodium_memzero (hash, sizeof hash);
  return ok;
}

static gboolean
delete_account_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AccountData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  /* Sessions, tokens, failures and mailed codes go with the row (ON DELETE
   * CASCADE); other contexts remove or anonymise what they hold on the
   * event. */
  stmt = cascade_store_tx_prepare (tx, "DELETE FROM identity_users WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, data->principal->user_id, -1, SQLITE_TRANSIENT);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, data->principal->user_id);
  json_builder_end_object (builder);
  payload = json_builder_get_root (builder);
  return cascade_store_tx_append_event (tx, "user.deleted", payload, error);
}

/**
 * cascade_identity_delete_account:
 * @password: the account's password, asked again
 *
 * Deletes the caller's account for good. Emits `user.deleted`.
 *
 * Returns: %FALSE with WRONG_PASSWORD or RATE_LIMITED
 */
gboolean
cascade_identity_delete_account (CascadeIdentity *self,
                                 const CascadePrincipal *principal,
                                 const char *password,
                                 guint *retry_after,
                                 GError **error)
{
  AccountData data = { self, principal };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (principal != NULL && password != NULL, FALSE);

  if (!_cascade_identity_check_password_of (self, principal->user_id, password, retry_after, error))
    return FALSE;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, delete_account_tx, &data,
                                  error))
    return FALSE;
  g_message ("An account was deleted by its owner");
  return TRUE;
}
