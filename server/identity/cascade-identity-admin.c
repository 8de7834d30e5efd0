/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

#include "identity/cascade-identity-validate.h"

/*
 * Roles and bans. The routes that reach these are flagged ADMIN or
 * MODERATOR, and the gateway checks the caller's role before they run; the
 * rules about whom one may change (not oneself; a moderator not a moderator
 * or an admin) are domain rules, here.
 */

static const char *const roles[] = { "user", "streamer", "moderator", "admin", NULL };

gboolean
_cascade_identity_banned_error (GError **error)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_ACCOUNT_BANNED,
                       "This account is banned.");
  return FALSE;
}

static gboolean
not_found (GError **error)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                       "There is no account with this username.");
  return FALSE;
}

static gboolean
forbidden (GError **error, const char *message)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN, message);
  return FALSE;
}

/* The account @sql (selecting an id by ?1) finds, or %NULL with @error
 * unset. */
static CascadeUser *
load_user_by (CascadeStoreTx *tx, const char *sql, const char *value, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc != SQLITE_ROW)
    return NULL;
  return _cascade_identity_load_user (tx, (const char *) sqlite3_column_text (stmt, 0), error);
}

static gboolean
append_event (
  CascadeStoreTx *tx, const char *topic, CascadeUser *user, const char *actor_id, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, user->id);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user->username);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, user->role);
  json_builder_set_member_name (builder, "by");
  if (actor_id != NULL)
    json_builder_add_string_value (builder, actor_id);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  payload = json_builder_get_root (builder);
  return cascade_store_tx_append_event (tx, topic, payload, error);
}

typedef struct
{
  const CascadePrincipal *actor; /* NULL: the command line */
  const char *key;               /* username, or email for make_admin */
  const char *role;
  gboolean banned;
  CascadeUser *user;
} AdminData;

/* Runs @sql with ?1 = now, ?2 = @text, ?3 = @user_id (unused ones are
 * left unbound). */
static gboolean
exec_user (
  CascadeStoreTx *tx, const char *sql, const char *text, const char *user_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, user_id, -1, SQLITE_TRANSIENT);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static gboolean
set_role_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AdminData *data = user_data;
  g_autoptr (GError) local_error = NULL;
  const char *sql = data->actor != NULL ? "SELECT id FROM identity_users WHERE username = ?"
                                        : "SELECT id FROM identity_users WHERE email = ?";
  g_autoptr (CascadeUser) user = load_user_by (tx, sql, data->key, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (user == NULL)
    return not_found (error);
  if (data->actor != NULL && g_strcmp0 (user->id, data->actor->user_id) == 0)
    return forbidden (error, "You cannot change your own role.");
  if (!exec_user (tx, "UPDATE identity_users SET role = ?2 WHERE id = ?3", data->role, user->id,
                  error))
    return FALSE;
  g_free (user->role);
  user->role = g_strdup (data->role);
  if (!append_event (tx, "user.role_changed", user,
                     data->actor != NULL ? data->actor->user_id : NULL, error))
    return FALSE;
  data->user = g_steal_pointer (&user);
  return TRUE;
}

/**
 * cascade_identity_set_role:
 * @actor: the admin making the change (the gateway checked the role)
 * @username: whose role changes
 * @role: user, streamer, moderator or admin
 *
 * Blocking. Emits `user.role_changed`. Takes effect at once: the gateway
 * reads the role from the account, not from tokens.
 *
 * Returns: (transfer full): the account, or %NULL with INVALID_ROLE,
 *   NOT_FOUND or FORBIDDEN (one's own role)
 */
CascadeUser *
cascade_identity_set_role (CascadeIdentity *self,
                           const CascadePrincipal *actor,
                           const char *username,
                           const char *role,
                           GError **error)
{
  AdminData data = { actor, username, role, FALSE, NULL };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (actor != NULL && username != NULL && role != NULL, NULL);

  if (!g_strv_contains (roles, role))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_ROLE,
                           "A role is user, streamer, moderator or admin.");
      return NULL;
    }
  cascade_store_transaction (self->store, CASCADE_STORE_WRITE, set_role_tx, &data, error);
  return data.user;
}

/**
 * cascade_identity_make_admin:
 * @email: the address of an existing account
 *
 * Makes that account an admin (`cascaded --create-admin`). Blocking.
 *
 * Returns: %FALSE with NOT_FOUND when no account has @email
 */
gboolean
cascade_identity_make_admin (CascadeIdentity *self, const char *email, GError **error)
{
  g_autofree char *lower = NULL;
  AdminData data = { NULL, NULL, "admin", FALSE, NULL };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (email != NULL, FALSE);

  lower = g_utf8_strdown (email, -1);
  data.key = lower;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, set_role_tx, &data, error))
    {
      if (error != NULL && *error != NULL && (*error)->code == CASCADE_SERVER_ERROR_NOT_FOUND)
        {
          g_clear_error (error);
          g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                       "No account has the address %s: sign up with it first.", lower);
        }
      return FALSE;
    }
  cascade_user_free (data.user);
  return TRUE;
}

static gboolean
set_banned_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AdminData *data = user_data;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CascadeUser) user =
    load_user_by (tx, "SELECT id FROM identity_users WHERE username = ?", data->key, &local_error);
  gboolean actor_is_admin = g_strcmp0 (data->actor->role, "admin") == 0;

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (user == NULL)
    return not_found (error);
  if (g_strcmp0 (user->id, data->actor->user_id) == 0)
    return forbidden (error, "You cannot ban yourself.");
  if (g_strcmp0 (user->role, "admin") == 0 ||
      (!actor_is_admin && g_strcmp0 (user->role, "moderator") == 0))
    return forbidden (error, "Only an administrator may ban a moderator, and nobody an "
                             "administrator: change their role first.");
  if (data->banned)
    return exec_user (tx,
                      "UPDATE identity_users SET banned_at = COALESCE (banned_at, ?1) "
                      "WHERE id = ?3",
                      NULL, user->id, error) &&
           _cascade_identity_revoke_all_sessions (tx, user->id, NULL, "banned", error) &&
           append_event (tx, "user.banned", user, data->actor->user_id, error);
  return exec_user (tx, "UPDATE identity_users SET banned_at = NULL WHERE id = ?3", NULL, user->id,
                    error) &&
         append_event (tx, "user.unbanned", user, data->actor->user_id, error);
}

/**
 * cascade_identity_set_banned:
 * @actor: a moderator or an admin (the gateway checked the role)
 *
 * Bans (or lifts the ban of) @username. A banned account cannot sign in,
 * and its sessions end at once. A moderator may ban users and streamers; an
 * admin moderators too; nobody may ban an admin or themselves. Blocking.
 * Emits `user.banned` or `user.unbanned`.
 */
gboolean
cascade_identity_set_banned (CascadeIdentity *self,
                             const CascadePrincipal *actor,
                             const char *username,
                             gboolean banned,
                             GError **error)
{
  AdminData data = { actor, username, NULL, banned, NULL };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (actor != NULL && username != NULL, FALSE);

  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, set_banned_tx, &data, error);
}

static gboolean
find_user_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AdminData *data = user_data;
  g_autoptr (GError) local_error = NULL;

  data->user =
    load_user_by (tx, "SELECT id FROM identity_users WHERE username = ?", data->key, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/**
 * cascade_identity_find_user:
 *
 * Blocking.
 *
 * Returns: (transfer full): the account named @username, or %NULL with
 *   NOT_FOUND
 */
CascadeUser *
cascade_identity_find_user (CascadeIdentity *self, const char *username, GError **error)
{
  AdminData data = { NULL, username, NULL, FALSE, NULL };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, find_user_tx, &data, error))
    return NULL;
  if (data.user == NULL)
    not_found (error);
  return data.user;
}

/* [identity] admins: accounts made admins by the config. */

static gboolean
is_listed_admin (CascadeIdentity *self, const char *email)
{
  return self->admins != NULL && email != NULL &&
         g_strv_contains ((const char *const *) self->admins, email);
}

/* Inside @tx, right after @user is created: makes it an admin if the config
 * lists its address (updating @user). */
gboolean
_cascade_identity_promote_if_listed (CascadeIdentity *self,
                                     CascadeStoreTx *tx,
                                     CascadeUser *user,
                                     GError **error)
{
  if (!is_listed_admin (self, user->email) || g_strcmp0 (user->role, "admin") == 0)
    return TRUE;
  if (!exec_user (tx, "UPDATE identity_users SET role = ?2 WHERE id = ?3", "admin", user->id,
                  error))
    return FALSE;
  g_free (user->role);
  user->role = g_strdup ("admin");
  return append_event (tx, "user.role_changed", user, NULL, error);
}

static gboolean
apply_admins_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  CascadeIdentity *self = user_data;

  for (guint i = 0; self->admins != NULL && self->admins[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (CascadeUser) user = load_user_by (
        tx, "SELECT id FROM identity_users WHERE email = ?", self->admins[i], &local_error);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (user != NULL && !_cascade_identity_promote_if_listed (self, tx, user, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * cascade_identity_set_admins:
 * @emails: (nullable): the addresses of `[identity] admins`
 *
 * Makes the accounts that exist with these addresses admins now (those that
 * are not already), and those created later as they are. Blocking: call at
 * start.
 */
gboolean
cascade_identity_set_admins (CascadeIdentity *self, const char *const *emails, GError **error)
{
  g_autoptr (GPtrArray) lower = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);

  for (guint i = 0; emails != NULL && emails[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;
      char *email;

      if (emails[i][0] == '\0')
        continue;
      email = cascade_identity_normalize_email (emails[i], &local_error);
      if (email == NULL)
        {
          g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                       "[identity] admins: “%s” is not an email address", emails[i]);
          return FALSE;
        }
      g_ptr_array_add (lower, email);
    }
  g_ptr_array_add (lower, NULL);
  g_strfreev (self->admins);
  self->admins = (char **) g_ptr_array_steal (lower, NULL);
  return cascade_store_transaction (self->store, CASCADE_STORE_WRITE, apply_admins_tx, self, error);
}
