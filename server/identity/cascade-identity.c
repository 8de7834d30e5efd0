/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

#include <sodium.h>

#include "identity/cascade-identity-validate.h"

/*
 * CascadeIdentity: accounts, credentials and sessions, with no HTTP in it.
 * Passwords are hashed with argon2id (libsodium's crypto_pwhash_str) on the
 * caller's worker thread; sessions and refresh tokens live in
 * cascade-identity-sessions.c.
 */

G_DEFINE_FINAL_TYPE (CascadeIdentity, cascade_identity, G_TYPE_OBJECT)

static void
cascade_identity_finalize (GObject *object)
{
  CascadeIdentity *self = CASCADE_IDENTITY (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->key, cascade_signing_key_free);
  g_clear_pointer (&self->retired_keys, g_ptr_array_unref);
  g_free (self->issuer);
  g_free (self->dummy_hash);
  g_clear_object (&self->account_limit);
  g_mutex_clear (&self->hash_lock);
  if (self->totp_key != NULL)
    sodium_free (self->totp_key);
  g_strfreev (self->admins);
  g_clear_pointer (&self->providers, g_ptr_array_unref);
  g_free (self->public_url);
  g_mutex_clear (&self->public_url_lock);
  g_cond_clear (&self->hash_cond);

  G_OBJECT_CLASS (cascade_identity_parent_class)->finalize (object);
}

static void
cascade_identity_class_init (CascadeIdentityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cascade_identity_finalize;
}

static void
cascade_identity_init (CascadeIdentity *self)
{
  g_mutex_init (&self->hash_lock);
  g_mutex_init (&self->public_url_lock);
  g_cond_init (&self->hash_cond);
  cascade_identity_limits_init (&self->limits);
  self->hash_slots = self->limits.password_hashes;
  self->account_limit =
    cascade_rate_limit_new (self->limits.account_burst, self->limits.account_per_minute);
}

/**
 * cascade_identity_set_limits:
 *
 * Replaces the sign-in limits. Call before serving.
 */
void
cascade_identity_set_limits (CascadeIdentity *self, const CascadeIdentityLimits *limits)
{
  g_return_if_fail (CASCADE_IS_IDENTITY (self));
  g_return_if_fail (limits != NULL);

  g_mutex_lock (&self->hash_lock);
  self->hash_slots += limits->password_hashes;
  self->hash_slots -= self->limits.password_hashes;
  self->limits = *limits;
  g_mutex_unlock (&self->hash_lock);
  g_clear_object (&self->account_limit);
  self->account_limit = cascade_rate_limit_new (limits->account_burst, limits->account_per_minute);
}

const CascadeIdentityLimits *
cascade_identity_get_limits (CascadeIdentity *self)
{
  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  return &self->limits;
}

/* Registers the identity tables with @store, before cascade_store_migrate(). */
void
cascade_identity_add_migrations (CascadeStore *store)
{
  g_return_if_fail (CASCADE_IS_STORE (store));

  cascade_store_add_migrations (store, "identity", _cascade_identity_migrations,
                                _cascade_identity_n_migrations);
}

/**
 * cascade_identity_new:
 * @store: a migrated store
 * @data_dir: where the signing key lives (made on first start)
 * @issuer: the "iss" of access tokens
 * @access_token_ttl: their lifetime in seconds
 *
 * Blocking (reads or writes the key file): call at start.
 */
CascadeIdentity *
cascade_identity_new (CascadeStore *store,
                      const char *data_dir,
                      const char *issuer,
                      guint access_token_ttl,
                      GError **error)
{
  g_autoptr (CascadeIdentity) self = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *totp_key_path = NULL;

  g_return_val_if_fail (CASCADE_IS_STORE (store), NULL);
  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (issuer != NULL, NULL);
  g_return_val_if_fail (access_token_ttl > 0, NULL);

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "libsodium cannot be initialised");
      return NULL;
    }
  self = g_object_new (CASCADE_TYPE_IDENTITY, NULL);
  self->store = g_object_ref (store);
  self->issuer = g_strdup (issuer);
  self->access_token_ttl = access_token_ttl;
  key_path = g_build_filename (data_dir, CASCADE_SIGNING_KEY_FILE, NULL);
  self->key = cascade_signing_key_load_or_create (key_path, error);
  if (self->key == NULL)
    return NULL;
  self->retired_keys = cascade_signing_key_load_retired (data_dir, access_token_ttl, error);
  if (self->retired_keys == NULL)
    return NULL;
  totp_key_path = g_build_filename (data_dir, CASCADE_TOTP_KEY_FILE, NULL);
  self->totp_key = sodium_malloc (crypto_secretbox_KEYBYTES);
  if (self->totp_key == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "Out of secure memory");
      return NULL;
    }
  if (!cascade_key_file_load_or_create ("TOTP encryption key", totp_key_path, self->totp_key,
                                        crypto_secretbox_KEYBYTES, error) ||
      !_cascade_identity_encrypt_totp_secrets (self, error))
    return NULL;
  sodium_mprotect_readonly (self->totp_key);
  return g_steal_pointer (&self);
}

/**
 * cascade_identity_load_config:
 * @file: (nullable): the config
 *
 * Reads `[identity] admins` (and makes those that exist admins) and the
 * social login providers `[oidc.<id>]`. Blocking: call at start.
 */
gboolean
cascade_identity_load_config (CascadeIdentity *self, GKeyFile *file, GError **error)
{
  static const char *const identity_keys[] = { "admins", NULL };
  g_auto (GStrv) keys = NULL;
  g_auto (GStrv) admins = NULL;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);

  if (file != NULL)
    keys = g_key_file_get_keys (file, "identity", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (identity_keys, keys[i]))
      {
        g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                     "unknown key “%s” in [identity]", keys[i]);
        return FALSE;
      }
  if (file != NULL)
    admins = g_key_file_get_string_list (file, "identity", "admins", NULL, NULL);
  for (guint i = 0; admins != NULL && admins[i] != NULL; i++)
    g_strstrip (admins[i]);
  return cascade_identity_set_admins (self, (const char *const *) admins, error) &&
         cascade_identity_load_providers (self, file, error);
}

/* (element-type CascadeSigningKey): the retired keys that still verify */
GPtrArray *
cascade_identity_get_retired_keys (CascadeIdentity *self)
{
  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  return self->retired_keys;
}

CascadeSigningKey *
cascade_identity_get_signing_key (CascadeIdentity *self)
{
  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  return self->key;
}

guint
cascade_identity_get_access_token_ttl (CascadeIdentity *self)
{
  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), 0);

  return self->access_token_ttl;
}

static void
hash_slot_acquire (CascadeIdentity *self)
{
  g_mutex_lock (&self->hash_lock);
  while (self->hash_slots == 0)
    g_cond_wait (&self->hash_cond, &self->hash_lock);
  self->hash_slots--;
  g_mutex_unlock (&self->hash_lock);
}

static void
hash_slot_release (CascadeIdentity *self)
{
  g_mutex_lock (&self->hash_lock);
  self->hash_slots++;
  g_cond_signal (&self->hash_cond);
  g_mutex_unlock (&self->hash_lock);
}

gboolean
_cascade_identity_hash_password (CascadeIdentity *self,
                                 const char *password,
                                 char out[crypto_pwhash_STRBYTES],
                                 GError **error)
{
  int rc;

  hash_slot_acquire (self);
  rc = crypto_pwhash_str (out, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE);
  hash_slot_release (self);
  if (rc != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "Not enough memory to hash a password");
      return FALSE;
    }
  return TRUE;
}

static gboolean
verify_password (CascadeIdentity *self, const char *hash, const char *password)
{
  int rc;

  hash_slot_acquire (self);
  rc = crypto_pwhash_str_verify (hash, password, strlen (password));
  hash_slot_release (self);
  return rc == 0;
}

/* A login naming nobody still costs one verification, so that its answer
 * takes as long as a wrong password's. */
static void
verify_dummy_password (CascadeIdentity *self, const char *password)
{
  char hash[crypto_pwhash_STRBYTES];
  char random_password[33];

  g_mutex_lock (&self->hash_lock);
  if (self->dummy_hash == NULL)
    {
      g_mutex_unlock (&self->hash_lock);
      randombytes_buf (random_password, sizeof random_password - 1);
      for (gsize i = 0; i < sizeof random_password - 1; i++)
        random_password[i] = 'a' + ((guchar) random_password[i] % 26);
      random_password[sizeof random_password - 1] = '\0';
      if (!_cascade_identity_hash_password (self, random_password, hash, NULL))
        return;
      g_mutex_lock (&self->hash_lock);
      if (self->dummy_hash == NULL)
        self->dummy_hash = g_strdup (hash);
    }
  g_strlcpy (hash, self->dummy_hash, sizeof hash);
  g_mutex_unlock (&self->hash_lock);
  verify_password (self, hash, password);
}

static void
bind_text (sqlite3_stmt *stmt, int index, const char *value)
{
  sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Returns: (transfer full): the user, or %NULL (with @error unset when
 * there is no such user) */
CascadeUser *
_cascade_identity_load_user (CascadeStoreTx *tx, const char *user_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  CascadeUser *user;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT id, username, display_name, email, role, created_at, "
                                   "email_verified_at IS NOT NULL, banned_at IS NOT NULL, "
                                   "EXISTS (SELECT 1 FROM identity_totp t WHERE t.user_id = "
                                   "identity_users.id AND t.enabled_at IS NOT NULL) "
                                   "FROM identity_users WHERE id = ?",
                                   error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, user_id);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
    return NULL;

  user = g_new0 (CascadeUser, 1);
  user->id = column_dup (stmt, 0);
  user->username = column_dup (stmt, 1);
  user->display_name = column_dup (stmt, 2);
  user->email = column_dup (stmt, 3);
  user->role = column_dup (stmt, 4);
  user->created_at = sqlite3_column_int64 (stmt, 5);
  user->email_verified = sqlite3_column_int (stmt, 6) != 0;
  user->banned = sqlite3_column_int (stmt, 7) != 0;
  user->totp_enabled = sqlite3_column_int (stmt, 8) != 0;
  return user;
}

/* Whether a row of identity_users has @value in @column (email or username). */
static int
user_exists (CascadeStoreTx *tx, const char *sql, const char *value, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  bind_text (stmt, 1, value);
  rc = cascade_store_tx_step (tx, stmt, error);
  return rc < 0 ? -1 : rc == SQLITE_ROW;
}

typedef struct
{
  CascadeIdentity *self;
  const char *email;
  const char *username;
  const char *display_name;
  const char *password_hash;
  const CascadeClientInfo *client;
  CascadeAuthResult *result;
} RegisterData;

gboolean
_cascade_identity_append_user_registered (CascadeStoreTx *tx, CascadeUser *user, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) payload = NULL;
  g_autofree char *created_at = cascade_user_format_created_at (user);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user_id");
  json_builder_add_string_value (builder, user->id);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user->username);
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, user->display_name);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, user->email);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, created_at);
  json_builder_end_object (builder);
  payload = json_builder_get_root (builder);
  return cascade_store_tx_append_event (tx, "user.registered", payload, error);
}

static gboolean
register_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  RegisterData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (CascadeUser) user = NULL;
  g_autofree char *id = g_uuid_string_random ();
  int exists;

  exists = user_exists (tx, "SELECT 1 FROM identity_users WHERE email = ?", data->email, error);
  if (exists < 0)
    return FALSE;
  if (exists > 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_EMAIL_TAKEN,
                           "An account with this email address already exists.");
      return FALSE;
    }
  exists =
    user_exists (tx, "SELECT 1 FROM identity_users WHERE username = ?", data->username, error);
  if (exists < 0)
    return FALSE;
  if (exists > 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_USERNAME_TAKEN,
                           "This username is taken.");
      return FALSE;
    }

  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO identity_users (id, email, username, display_name, "
                                   "password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, id);
  bind_text (stmt, 2, data->email);
  bind_text (stmt, 3, data->username);
  bind_text (stmt, 4, data->display_name);
  bind_text (stmt, 5, data->password_hash);
  sqlite3_bind_int64 (stmt, 6, cascade_store_tx_get_now (tx));
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;

  user = _cascade_identity_load_user (tx, id, error);
  if (user == NULL || !_cascade_identity_append_user_registered (tx, user, error) ||
      !_cascade_identity_promote_if_listed (data->self, tx, user, error) ||
      !_cascade_identity_send_email_token (data->self, tx, user, CASCADE_EMAIL_TOKEN_VERIFY_EMAIL,
                                           error))
    return FALSE;
  data->result =
    _cascade_identity_open_session (data->self, tx, g_steal_pointer (&user), data->client, error);
  return data->result != NULL;
}

/**
 * cascade_identity_register:
 * @display_name: (nullable): defaults to the username
 *
 * Creates an account and signs it in. Emits `user.registered` through the
 * outbox. Blocking.
 *
 * Returns: (transfer full): the new session, or %NULL with an
 *   INVALID_EMAIL, INVALID_USERNAME, INVALID_PASSWORD, INVALID_DISPLAY_NAME,
 *   EMAIL_TAKEN or USERNAME_TAKEN error
 */
CascadeAuthResult *
cascade_identity_register (CascadeIdentity *self,
                           const char *email,
                           const char *username,
                           const char *password,
                           const char *display_name,
                           const CascadeClientInfo *client,
                           GError **error)
{
  g_autofree char *normalized_email = NULL;
  g_autofree char *normalized_name = NULL;
  char hash[crypto_pwhash_STRBYTES];
  RegisterData data = { self };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (email != NULL && username != NULL && password != NULL, NULL);

  normalized_email = cascade_identity_normalize_email (email, error);
  if (normalized_email == NULL || !cascade_identity_check_username (username, error) ||
      !cascade_identity_check_password (password, error))
    return NULL;
  normalized_name =
    cascade_identity_normalize_display_name (display_name != NULL ? display_name : username, error);
  if (normalized_name == NULL || !_cascade_identity_hash_password (self, password, hash, error))
    return NULL;

  data.email = normalized_email;
  data.username = username;
  data.display_name = normalized_name;
  data.password_hash = hash;
  data.client = client;
  cascade_store_transaction (self->store, CASCADE_STORE_WRITE, register_tx, &data, error);
  sodium_memzero (hash, sizeof hash);
  return data.result;
}

typedef struct
{
  const char *login;
  char *user_id;
  char *password_hash;
} FindLogin;

static gboolean
find_login_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  FindLogin *find = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (
    tx, "SELECT id, password_hash FROM identity_users WHERE email = ?1 OR username = ?1", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, find->login);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    {
      find->user_id = column_dup (stmt, 0);
      find->password_hash = column_dup (stmt, 1);
    }
  return rc >= 0;
}

typedef struct
{
  CascadeIdentity *self;
  const char *user_id;
  const CascadeClientInfo *client;
  CascadeAuthResult *result;
} LoginData;

static gboolean
login_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  LoginData *data = user_data;
  g_autoptr (GError) local_error = NULL;
  CascadeUser *user = _cascade_identity_load_user (tx, data->user_id, &local_error);

  if (user == NULL && local_error == NULL)
    g_set_error_literal (&local_error, CASCADE_SERVER_ERROR,
                         CASCADE_SERVER_ERROR_INVALID_CREDENTIALS,
                         "Wrong username, email or password.");
  if (user == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (user->banned)
    {
      cascade_user_free (user);
      return _cascade_identity_banned_error (error);
    }
  if (!_cascade_identity_clear_failures (tx, data->user_id, error))
    {
      cascade_user_free (user);
      return FALSE;
    }
  data->result = _cascade_identity_open_session (data->self, tx, user, data->client, error);
  return data->result != NULL;
}

/* After a right first factor: the second one, if the account has it. A
 * wrong code counts towards the account's lock, like a wrong password;
 * %FALSE with OTP_REQUIRED, INVALID_OTP or ACCOUNT_LOCKED. */
gboolean
_cascade_identity_second_factor_or_fail (
  CascadeIdentity *self, const char *user_id, const char *otp, guint *retry_after, GError **error)
{
  g_autoptr (GError) lock_error = NULL;
  gboolean wrong_otp = FALSE;

  if (_cascade_identity_check_second_factor (self, user_id, otp, &wrong_otp, error))
    return TRUE;
  if (wrong_otp && !_cascade_identity_record_failure (self, user_id, retry_after, &lock_error))
    {
      g_clear_error (error);
      g_propagate_error (error, g_steal_pointer (&lock_error));
    }
  return FALSE;
}

/**
 * cascade_identity_login:
 * @login: an email address or a username
 * @otp: (nullable): for an account with two-factor authentication, a code
 *   of its authenticator app or a recovery code
 * @client: (nullable): where the sign-in comes from
 * @retry_after: (out) (optional): with RATE_LIMITED or ACCOUNT_LOCKED, the
 *   seconds to wait
 *
 * Blocking. A wrong login and a wrong password get the same answer, in about
 * the same time. Attempts on one login name are rate-limited before any
 * hash is computed, and repeated wrong passwords lock the account for a
 * while (cascade-identity-guard.c).
 *
 * Returns: (transfer full): a new session, or %NULL with
 *   %CASCADE_SERVER_ERROR_INVALID_CREDENTIALS, %CASCADE_SERVER_ERROR_RATE_LIMITED,
 *   %CASCADE_SERVER_ERROR_ACCOUNT_LOCKED, %CASCADE_SERVER_ERROR_OTP_REQUIRED (the
 *   password was right) or %CASCADE_SERVER_ERROR_INVALID_OTP (counted as a
 *   failure towards the lock)
 */
CascadeAuthResult *
cascade_identity_login (CascadeIdentity *self,
                        const char *login,
                        const char *password,
                        const char *otp,
                        const CascadeClientInfo *client,
                        guint *retry_after,
                        GError **error)
{
  g_autofree char *normalized = NULL;
  g_autofree char *user_id = NULL;
  FindLogin find = { NULL };
  LoginData data = { self };
  gboolean ok;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (login != NULL && password != NULL, NULL);

  normalized = g_utf8_strdown (login, -1);
  if (!cascade_rate_limit_take (self->account_limit, normalized, retry_after))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_RATE_LIMITED,
                           "Too many attempts to sign in to this account: wait a little and "
                           "try again.");
      return NULL;
    }
  find.login = normalized;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, find_login_tx, &find, error))
    return NULL;
  user_id = g_steal_pointer (&find.user_id);
  if (user_id != NULL && !_cascade_identity_check_locked (self, user_id, retry_after, error))
    {
      g_free (find.password_hash);
      return NULL;
    }

  if (find.password_hash == NULL || find.password_hash[0] == '\0')
    {
      verify_dummy_password (self, password);
      ok = FALSE;
    }
  else
    ok = verify_password (self, find.password_hash, password);
  g_free (find.password_hash);
  if (!ok)
    {
      if (user_id != NULL && !_cascade_identity_record_failure (self, user_id, retry_after, error))
        return NULL;
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_CREDENTIALS,
                           "Wrong username, email or password.");
      return NULL;
    }

  if (!_cascade_identity_second_factor_or_fail (self, user_id, otp, retry_after, error))
    return NULL;

  data.user_id = user_id;
  data.client = client;
  cascade_store_transaction (self->store, CASCADE_STORE_WRITE, login_tx, &data, error);
  return data.result;
}

typedef struct
{
  const char *user_id;
  const char *session_id;
  gboolean open;
  gboolean banned;
  char *role;
} SessionCheck;

static gboolean
session_open_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  SessionCheck *check = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT u.role, u.banned_at IS NOT NULL "
                                   "FROM identity_sessions s JOIN identity_users u "
                                   "ON u.id = s.user_id "
                                   "WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL",
                                   error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, check->session_id);
  bind_text (stmt, 2, check->user_id);
  rc = cascade_store_tx_step (tx, stmt, error);
  check->open = rc == SQLITE_ROW;
  if (check->open)
    {
      check->role = column_dup (stmt, 0);
      check->banned = sqlite3_column_int (stmt, 1) != 0;
    }
  return rc >= 0;
}

static CascadeJwtClaims *
verify_token (CascadeIdentity *self, CascadeSigningKey *key, const char *token, GError **error)
{
  return cascade_jwt_verify (
    token, cascade_signing_key_get_public_key (key), cascade_signing_key_get_kid (key),
    self->issuer, CASCADE_ACCESS_TOKEN_AUDIENCE, g_get_real_time () / G_USEC_PER_SEC, error);
}

/**
 * cascade_identity_authenticate:
 * @access_token: a bearer token
 * @principal: (out caller-allocates): filled on success
 *
 * Verifies the token (EdDSA signature with our key, issuer, audience,
 * expiry), that its session is still open and its account not banned, and
 * reads the account's current role. Blocking.
 *
 * Returns: %TRUE, or %FALSE with %CASCADE_SERVER_ERROR_INVALID_TOKEN,
 *   %CASCADE_SERVER_ERROR_TOKEN_EXPIRED or %CASCADE_SERVER_ERROR_ACCOUNT_BANNED
 */
gboolean
cascade_identity_authenticate (CascadeIdentity *self,
                               const char *access_token,
                               CascadePrincipal *principal,
                               GError **error)
{
  g_autoptr (CascadeJwtClaims) claims = NULL;
  g_autoptr (GError) local_error = NULL;
  SessionCheck check = { NULL };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);
  g_return_val_if_fail (access_token != NULL, FALSE);
  g_return_val_if_fail (principal != NULL, FALSE);

  claims = verify_token (self, self->key, access_token, &local_error);
  /* A token of a retired key (after cascaded --rotate-key) is good until it
   * expires. */
  for (guint i = 0;
       claims == NULL && i < self->retired_keys->len &&
       g_error_matches (local_error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN);
       i++)
    {
      g_clear_error (&local_error);
      claims =
        verify_token (self, g_ptr_array_index (self->retired_keys, i), access_token, &local_error);
    }
  if (claims == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  check.user_id = claims->sub;
  check.session_id = claims->sid;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, session_open_tx, &check, error))
    return FALSE;
  if (!check.open)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN,
                           "This session has ended; sign in again.");
      return FALSE;
    }
  if (check.banned)
    {
      g_free (check.role);
      return _cascade_identity_banned_error (error);
    }

  cascade_principal_clear (principal);
  principal->user_id = g_steal_pointer (&claims->sub);
  principal->session_id = g_steal_pointer (&claims->sid);
  principal->role = check.role; /* the current one, not the token's claim */
  return TRUE;
}

typedef struct
{
  const char *user_id;
  CascadeUser *user;
} GetUser;

static gboolean
get_user_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  GetUser *get = user_data;
  g_autoptr (GError) local_error = NULL;

  get->user = _cascade_identity_load_user (tx, get->user_id, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/**
 * cascade_identity_get_user:
 *
 * Blocking.
 *
 * Returns: (transfer full): the account, or %NULL with
 *   %CASCADE_SERVER_ERROR_INVALID_TOKEN if it no longer exists
 */
CascadeUser *
cascade_identity_get_user (CascadeIdentity *self, const char *user_id, GError **error)
{
  GetUser get = { user_id, NULL };

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, get_user_tx, &get, error))
    return NULL;
  if (get.user == NULL)
    g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN,
                         "This account no longer exists.");
  return get.user;
}

typedef struct
{
  const char *user_id;
  char *password_hash;
} PasswordOf;

static gboolean
password_of_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  PasswordOf *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt =
    cascade_store_tx_prepare (tx, "SELECT password_hash FROM identity_users WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, data->user_id);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    data->password_hash = column_dup (stmt, 0);
  return rc >= 0;
}

/* For changes a signed-in user makes to their own account: @password must
 * be the account's, within the per-account rate limit (checked before the
 * hash). %FALSE with RATE_LIMITED or WRONG_PASSWORD. */
gboolean
_cascade_identity_check_password_of (CascadeIdentity *self,
                                     const char *user_id,
                                     const char *password,
                                     guint *retry_after,
                                     GError **error)
{
  g_autofree char *key = g_strconcat ("password:", user_id, NULL);
  PasswordOf data = { user_id, NULL };
  gboolean ok;

  if (!cascade_rate_limit_take (self->account_limit, key, retry_after))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_RATE_LIMITED,
                           "Too many attempts: wait a little and try again.");
      return FALSE;
    }
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, password_of_tx, &data, error))
    return FALSE;
  if (data.password_hash == NULL || data.password_hash[0] == '\0')
    {
      verify_dummy_password (self, password); /* a social account has no password */
      ok = FALSE;
    }
  else
    ok = verify_password (self, data.password_hash, password);
  g_free (data.password_hash);
  if (!ok)
    g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_WRONG_PASSWORD,
                         "This is not your current password.");
  return ok;
}
