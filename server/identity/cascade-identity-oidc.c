/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

#include <libsoup/soup.h>

#include "identity/cascade-identity-validate.h"
#include "identity/cascade-jwt.h"
#include "identity/cascade-oidc-provider.h"

/*
 * Social login: the OpenID Connect authorization code flow with PKCE, the
 * app receiving the result on a loopback redirect (RFC 8252). start()
 * remembers a flow under a state of ours; callback() (the browser, back from
 * the provider) exchanges the provider's code, checks the ID token, finds,
 * links or creates the account and hands the app a one-time code; token()
 * trades that code and the app's PKCE verifier for a session. Flows and
 * codes live in SQLite (state and codes only as hashes) with an expiry.
 */

#define FLOW_SECONDS (10 * 60)
#define CODE_SECONDS 60
#define OTP_CODE_SECONDS (5 * 60) /* after otp_required, for the retry with the code */
#define RANDOM_BYTES 32
#define HASH_BYTES 32
#define S256_CHALLENGE_CHARS 43
#define STATE_MAX_CHARS 256
#define CALLBACK_PATH "/api/v1/auth/oidc/callback"

static void
secret_hash (const char *text, guint8 out[HASH_BYTES])
{
  crypto_generichash (out, HASH_BYTES, (const guint8 *) text, strlen (text), NULL, 0);
}

/* @sql with ?1 = the hash of @secret and ?2 = now. */
static sqlite3_stmt *
prepare_for_secret (CascadeStoreTx *tx, const char *sql, const char *secret, GError **error)
{
  sqlite3_stmt *stmt = cascade_store_tx_prepare (tx, sql, error);
  guint8 hash[HASH_BYTES];

  if (stmt == NULL)
    return NULL;
  secret_hash (secret, hash);
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, cascade_store_tx_get_now (tx));
  return stmt;
}

static char *
random_token (void)
{
  guint8 raw[RANDOM_BYTES];
  char *token;

  randombytes_buf (raw, sizeof raw);
  token = cascade_base64url_encode (raw, sizeof raw);
  sodium_memzero (raw, sizeof raw);
  return token;
}

/* BASE64URL(SHA-256(@verifier)) */
static char *
s256 (const char *verifier)
{
  guint8 digest[crypto_hash_sha256_BYTES];

  crypto_hash_sha256 (digest, (const guint8 *) verifier, strlen (verifier));
  return cascade_base64url_encode (digest, sizeof digest);
}

/**
 * cascade_identity_load_providers:
 * @file: (nullable): the config, with its [oidc.<id>] groups
 *
 * Returns: %FALSE with a CONFIG error for a provider group that is not
 *   usable
 */
gboolean
cascade_identity_load_providers (CascadeIdentity *self, GKeyFile *file, GError **error)
{
  GPtrArray *providers;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), FALSE);

  providers = cascade_oidc_providers_load (file, error);
  if (providers == NULL)
    return FALSE;
  g_clear_pointer (&self->providers, g_ptr_array_unref);
  self->providers = providers;
  return TRUE;
}

/* The base URL browsers reach the server by ([server] public-url, or the
 * URL it listens on). */
void
cascade_identity_set_public_url (CascadeIdentity *self, const char *url)
{
  g_return_if_fail (CASCADE_IS_IDENTITY (self));
  g_return_if_fail (url != NULL);

  g_mutex_lock (&self->public_url_lock);
  g_free (self->public_url);
  self->public_url = g_strndup (url, strlen (url) - (g_str_has_suffix (url, "/") ? 1 : 0));
  g_mutex_unlock (&self->public_url_lock);
}

static char *
dup_callback_url (CascadeIdentity *self)
{
  char *url;

  g_mutex_lock (&self->public_url_lock);
  url = g_strconcat (self->public_url != NULL ? self->public_url : "", CALLBACK_PATH, NULL);
  g_mutex_unlock (&self->public_url_lock);
  return url;
}

static CascadeOidcProvider *
find_provider (CascadeIdentity *self, const char *id)
{
  for (guint i = 0; self->providers != NULL && i < self->providers->len; i++)
    {
      CascadeOidcProvider *provider = g_ptr_array_index (self->providers, i);

      if (g_strcmp0 (cascade_oidc_provider_get_id (provider), id) == 0)
        return provider;
    }
  return NULL;
}

/* Returns: (transfer full): {"items": [{"id", "name"}, ...]} */
JsonNode *
cascade_identity_list_providers (CascadeIdentity *self)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; self->providers != NULL && i < self->providers->len; i++)
    {
      CascadeOidcProvider *provider = g_ptr_array_index (self->providers, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, cascade_oidc_provider_get_id (provider));
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, cascade_oidc_provider_get_name (provider));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* RFC 8252 §7.3: http, a loopback IP literal, any port; no fragment. */
static gboolean
check_loopback_redirect (const char *redirect_uri, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *host;

  if (strlen (redirect_uri) <= 2048)
    uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 || host == NULL ||
      (strcmp (host, "127.0.0.1") != 0 && strcmp (host, "::1") != 0) ||
      g_uri_get_userinfo (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_port (uri) <= 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_REDIRECT_URI,
                           "The redirect URI must be http://127.0.0.1:PORT/... or "
                           "http://[::1]:PORT/....");
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_base64url (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static gboolean
check_start_request (const char *redirect_uri,
                     const char *code_challenge,
                     const char *method,
                     const char *state,
                     GError **error)
{
  gsize state_length = strlen (state);

  if (!check_loopback_redirect (redirect_uri, error))
    return FALSE;
  if (strcmp (method, "S256") != 0 || strlen (code_challenge) != S256_CHALLENGE_CHARS ||
      !is_base64url (code_challenge))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_CODE_CHALLENGE,
                           "Send an S256 PKCE challenge: 43 base64url characters.");
      return FALSE;
    }
  for (const char *p = state; *p != '\0'; p++)
    if (*p < 0x21 || *p > 0x7e)
      state_length = 0;
  if (state_length == 0 || state_length > STATE_MAX_CHARS)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_STATE,
                           "The state must be 1 to 256 printable ASCII characters.");
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  const char *provider;
  const char *state;
  const char *nonce;
  const char *verifier;
  const char *redirect_uri;
  const char *app_state;
  const char *code_challenge;
} StartData;

static gboolean
start_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  StartData *data = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = cascade_store_tx_get_now (tx);
  guint8 hash[HASH_BYTES];

  /* Flows never finished are forgotten. */
  stmt =
    cascade_store_tx_prepare (tx, "DELETE FROM identity_oidc_flows WHERE expires_at <= ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = cascade_store_tx_prepare (
    tx,
    "INSERT INTO identity_oidc_flows (state_hash, provider, nonce, code_verifier, redirect_uri, "
    "app_state, code_challenge, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    error);
  if (stmt == NULL)
    return FALSE;
  secret_hash (data->state, hash);
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, data->provider, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, data->nonce, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, data->verifier, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, data->redirect_uri, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, data->app_state, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, data->code_challenge, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, now);
  sqlite3_bind_int64 (stmt, 9, now + FLOW_SECONDS);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

/**
 * cascade_identity_oidc_start:
 * @redirect_uri: the app's loopback redirect
 * @code_challenge: the app's S256 PKCE challenge
 * @state: the app's, given back on its redirect
 *
 * Starts a social login. Blocking (the database, and the provider's
 * discovery document the first time).
 *
 * Returns: (transfer full): the provider's authorization URL, or %NULL with
 *   NOT_FOUND, INVALID_REDIRECT_URI, INVALID_CODE_CHALLENGE, INVALID_STATE
 *   or PROVIDER_UNAVAILABLE
 */
char *
cascade_identity_oidc_start (CascadeIdentity *self,
                             const char *provider_id,
                             const char *redirect_uri,
                             const char *code_challenge,
                             const char *code_challenge_method,
                             const char *state,
                             GError **error)
{
  CascadeOidcProvider *provider;
  g_autofree char *our_state = NULL;
  g_autofree char *nonce = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *callback_url = NULL;
  g_autofree char *url = NULL;
  StartData data;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  provider = find_provider (self, provider_id);
  if (provider == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND,
                           "There is no such sign-in provider.");
      return NULL;
    }
  if (!check_start_request (redirect_uri, code_challenge, code_challenge_method, state, error))
    return NULL;

  our_state = random_token ();
  nonce = random_token ();
  verifier = random_token ();
  challenge = s256 (verifier);
  callback_url = dup_callback_url (self);
  url = cascade_oidc_provider_dup_authorization_url (provider, callback_url, our_state, nonce,
                                                     challenge, error);
  if (url == NULL)
    return NULL;

  data =
    (StartData){ provider_id, our_state, nonce, verifier, redirect_uri, state, code_challenge };
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, start_tx, &data, error))
    return NULL;
  return g_steal_pointer (&url);
}

/* A flow, taken (deleted) by its state. */
typedef struct
{
  const char *state;
  char *provider;
  char *nonce;
  char *verifier;
  char *redirect_uri;
  char *app_state;
  char *code_challenge;
} Flow;

static void
flow_clear (Flow *flow)
{
  g_free (flow->provider);
  g_free (flow->nonce);
  g_free (flow->verifier);
  g_free (flow->redirect_uri);
  g_free (flow->app_state);
  g_free (flow->code_challenge);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Flow, flow_clear)

static char *
column_dup (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gboolean
take_flow_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  Flow *flow = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare_for_secret (
    tx,
    "DELETE FROM identity_oidc_flows WHERE state_hash = ? AND expires_at > ? "
    "RETURNING provider, nonce, code_verifier, redirect_uri, app_state, code_challenge",
    flow->state, error);
  if (stmt == NULL)
    return FALSE;
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc < 0)
    return FALSE;
  if (rc != SQLITE_ROW)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_STATE,
                           "This sign-in is unknown, finished or too old: start again from the "
                           "app.");
      return FALSE;
    }
  flow->provider = column_dup (stmt, 0);
  flow->nonce = column_dup (stmt, 1);
  flow->verifier = column_dup (stmt, 2);
  flow->redirect_uri = column_dup (stmt, 3);
  flow->app_state = column_dup (stmt, 4);
  flow->code_challenge = column_dup (stmt, 5);
  /* finish the statement, so that the DELETE is done */
  while (rc == SQLITE_ROW)
    rc = cascade_store_tx_step (tx, stmt, error);
  return rc == SQLITE_DONE;
}

/* Who signs in: the result of matching the ID token to an account. */
typedef struct
{
  CascadeIdentity *self;
  const char *provider;
  const CascadeIdTokenIdentity *person;
  const char *challenge;
  const char *refusal; /* an error code for the app, or NULL */
  char *code;          /* the one-time code for the app */
} Resolve;

static gboolean
refuse (Resolve *resolve, const char *code, GError **error)
{
  resolve->refusal = code;
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN,
               "Social sign-in refused: %s", code);
  return FALSE;
}

/* Runs @sql with ?1 = now, then the texts given (NULL-terminated). */
static gboolean
exec_texts (CascadeStoreTx *tx, const char *sql, GError **error, ...)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);
  const char *text;
  va_list args;
  int index = 2;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, cascade_store_tx_get_now (tx));
  va_start (args, error);
  while ((text = va_arg (args, const char *)) != NULL)
    sqlite3_bind_text (stmt, index++, text, -1, SQLITE_TRANSIENT);
  va_end (args);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

/* The first row's first column of @sql bound to the texts given, or NULL
 * (with @error unset when there is no row). */
static char *
query_text (CascadeStoreTx *tx, const char *sql, GError **error, ...)
{
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, sql, error);
  const char *text;
  va_list args;
  int index = 1;

  if (stmt == NULL)
    return NULL;
  va_start (args, error);
  while ((text = va_arg (args, const char *)) != NULL)
    sqlite3_bind_text (stmt, index++, text, -1, SQLITE_TRANSIENT);
  va_end (args);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
    return NULL;
  return column_dup (stmt, 0);
}

/* A free username from the email's local part: a-z, 0-9 and _, 3 to 32
 * characters, with _2, _3... added until no account has it. */
static char *
free_username (CascadeStoreTx *tx, const char *email, GError **error)
{
  g_autoptr (GString) base = g_string_new (NULL);

  for (const char *p = email; *p != '\0' && *p != '@' && base->len < 24; p++)
    {
      char c = g_ascii_tolower (*p);

      if (g_ascii_isalnum (c))
        g_string_append_c (base, c);
      else if (base->len > 0 && base->str[base->len - 1] != '_')
        g_string_append_c (base, '_');
    }
  while (base->len > 0 && base->str[base->len - 1] == '_')
    g_string_truncate (base, base->len - 1);
  if (base->len < 3)
    g_string_prepend (base, "user_");

  for (guint n = 1; n < 10000; n++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autofree char *candidate =
        n == 1 ? g_strdup (base->str) : g_strdup_printf ("%s_%u", base->str, n);
      g_autofree char *taken = query_text (tx, "SELECT id FROM identity_users WHERE username = ?",
                                           &local_error, candidate, NULL);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (taken == NULL)
        return g_steal_pointer (&candidate);
    }
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                       "No free username found.");
  return NULL;
}

static char *
create_account (Resolve *resolve, CascadeStoreTx *tx, const char *email, GError **error)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *username = free_username (tx, email, error);
  g_autofree char *display_name = NULL;
  g_autoptr (CascadeUser) user = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = cascade_store_tx_get_now (tx);

  if (username == NULL)
    return NULL;
  if (resolve->person->name != NULL)
    display_name = cascade_identity_normalize_display_name (resolve->person->name, NULL);
  if (display_name == NULL)
    display_name = g_strdup (username);

  stmt = cascade_store_tx_prepare (
    tx,
    "INSERT INTO identity_users (id, email, username, display_name, password_hash, created_at, "
    "email_verified_at) VALUES (?, ?, ?, ?, '', ?, ?)",
    error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, email, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, username, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, display_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, now);
  sqlite3_bind_int64 (stmt, 6, now);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return NULL;
  user = _cascade_identity_load_user (tx, id, error);
  if (user == NULL || !_cascade_identity_append_user_registered (tx, user, error) ||
      !_cascade_identity_promote_if_listed (resolve->self, tx, user, error))
    return NULL;
  return g_steal_pointer (&id);
}

/* The account with @email, linked; one whose address nobody had proved
 * owning loses its password and sessions (they may be someone else's). */
static char *
link_by_email (CascadeStoreTx *tx, const char *email, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *unverified = NULL;

  user_id =
    query_text (tx, "SELECT id FROM identity_users WHERE email = ?", &local_error, email, NULL);
  if (user_id == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  unverified =
    query_text (tx, "SELECT id FROM identity_users WHERE id = ? AND email_verified_at IS NULL",
                &local_error, user_id, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (unverified != NULL &&
      (!exec_texts (tx,
                    "UPDATE identity_users SET password_hash = '', email_verified_at = ?1 "
                    "WHERE id = ?2",
                    error, user_id, NULL) ||
       !_cascade_identity_revoke_all_sessions (tx, user_id, NULL, "social_login_link", error)))
    return NULL;
  return g_steal_pointer (&user_id);
}

static gboolean
issue_code (Resolve *resolve, CascadeStoreTx *tx, const char *user_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *code = random_token ();
  gint64 now = cascade_store_tx_get_now (tx);
  guint8 hash[HASH_BYTES];

  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO identity_oidc_codes (code_hash, user_id, "
                                   "code_challenge, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  secret_hash (code, hash);
  sqlite3_bind_blob (stmt, 1, hash, sizeof hash, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, resolve->challenge, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_int64 (stmt, 5, now + CODE_SECONDS);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  resolve->code = g_steal_pointer (&code);
  return TRUE;
}

static gboolean
resolve_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  Resolve *resolve = user_data;
  const CascadeIdTokenIdentity *person = resolve->person;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *user_id = NULL;
  g_autofree char *email = NULL;
  g_autoptr (CascadeUser) user = NULL;

  /* Codes nobody came for are forgotten. */
  if (!exec_texts (tx, "DELETE FROM identity_oidc_codes WHERE expires_at <= ?1 - 3600", error,
                   NULL))
    return FALSE;

  user_id =
    query_text (tx, "SELECT user_id FROM identity_oidc_links WHERE provider = ? AND subject = ?",
                &local_error, resolve->provider, person->sub, NULL);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (user_id == NULL)
    {
      if (person->email == NULL ||
          (email = cascade_identity_normalize_email (person->email, NULL)) == NULL)
        return refuse (resolve, "email_missing", error);
      if (!person->email_verified)
        return refuse (resolve, "email_not_verified", error);
      user_id = link_by_email (tx, email, &local_error);
      if (user_id == NULL && local_error == NULL)
        user_id = create_account (resolve, tx, email, &local_error);
      if (user_id == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (!exec_texts (tx,
                       "INSERT INTO identity_oidc_links (created_at, provider, subject, user_id) "
                       "VALUES (?1, ?2, ?3, ?4)",
                       error, resolve->provider, person->sub, user_id, NULL))
        return FALSE;
    }

  user = _cascade_identity_load_user (tx, user_id, error);
  if (user == NULL)
    return FALSE;
  if (user->banned)
    return refuse (resolve, "account_banned", error);
  return issue_code (resolve, tx, user_id, error);
}

static char *
app_redirect (const Flow *flow, const char *name, const char *value)
{
  g_autofree char *query = soup_form_encode (name, value, "state", flow->app_state, NULL);

  return g_strconcat (flow->redirect_uri, strchr (flow->redirect_uri, '?') != NULL ? "&" : "?",
                      query, NULL);
}

/* What the app is told when the provider's side fails. */
static const char *
failure_code (const GError *error)
{
  if (g_error_matches (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_ID_TOKEN))
    return "invalid_id_token";
  return "provider_error";
}

/**
 * cascade_identity_oidc_callback:
 * @state: the state of ours the provider gives back
 * @code: (nullable): the provider's authorization code
 * @provider_error: (nullable): the provider's `error`, if any
 *
 * The browser, back from the provider. Blocking (the database, and the
 * provider's token endpoint and JWKS).
 *
 * Returns: (transfer full): where to send the browser: the app's redirect
 *   URI with `code` or `error`, and its `state`; or %NULL with INVALID_STATE
 *   (no such flow: nowhere to send it) or a database error
 */
char *
cascade_identity_oidc_callback (CascadeIdentity *self,
                                const char *state,
                                const char *code,
                                const char *provider_error,
                                GError **error)
{
  g_auto (Flow) flow = { state };
  g_autoptr (GError) local_error = NULL;
  g_autofree char *id_token = NULL;
  g_autofree char *callback_url = NULL;
  CascadeIdTokenIdentity person = { NULL };
  CascadeOidcProvider *provider;
  Resolve resolve = { self };
  char *location;

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  if (state == NULL || strlen (state) > STATE_MAX_CHARS)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_STATE,
                           "This sign-in is unknown: start again from the app.");
      return NULL;
    }
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, take_flow_tx, &flow, error))
    return NULL;

  if (provider_error != NULL)
    return app_redirect (&flow, "error",
                         strcmp (provider_error, "access_denied") == 0 ? "access_denied"
                                                                       : "provider_error");
  provider = find_provider (self, flow.provider);
  if (code == NULL || provider == NULL)
    return app_redirect (&flow, "error", "provider_error");

  callback_url = dup_callback_url (self);
  id_token =
    cascade_oidc_provider_exchange_code (provider, code, callback_url, flow.verifier, &local_error);
  if (id_token == NULL || !cascade_oidc_provider_verify_id_token (provider, id_token, flow.nonce,
                                                                  &person, &local_error))
    {
      g_message ("social login with %s failed: %s", flow.provider, local_error->message);
      return app_redirect (&flow, "error", failure_code (local_error));
    }

  resolve.provider = flow.provider;
  resolve.person = &person;
  resolve.challenge = flow.code_challenge;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, resolve_tx, &resolve,
                                  &local_error))
    {
      cascade_id_token_identity_clear (&person);
      if (resolve.refusal != NULL)
        return app_redirect (&flow, "error", resolve.refusal);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  cascade_id_token_identity_clear (&person);
  location = app_redirect (&flow, "code", resolve.code);
  sodium_memzero (resolve.code, strlen (resolve.code));
  g_free (resolve.code);
  return location;
}

/* The one-time code as the token endpoint finds it. */
typedef struct
{
  const char *code;
  const char *verifier;
  gboolean extend; /* otp_required: keep it a little longer instead */
  char *user_id;
} Redeem;

static gboolean
invalid_grant (GError **error)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_GRANT,
                       "This sign-in code is unknown, used or expired, or the verifier does not "
                       "match: sign in again.");
  return FALSE;
}

/* Checks the code and the verifier; a wrong verifier uses the code up. */
static gboolean
check_code_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  Redeem *redeem = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *challenge = NULL;
  int rc;

  stmt = prepare_for_secret (tx,
                             "SELECT user_id, code_challenge FROM identity_oidc_codes "
                             "WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
                             redeem->code, error);
  if (stmt == NULL)
    return FALSE;
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc < 0)
    return FALSE;
  if (rc != SQLITE_ROW)
    return TRUE; /* user_id stays NULL */
  redeem->user_id = column_dup (stmt, 0);
  challenge = s256 (redeem->verifier);
  if (strlen ((const char *) sqlite3_column_text (stmt, 1)) == S256_CHALLENGE_CHARS &&
      sodium_memcmp (challenge, sqlite3_column_text (stmt, 1), S256_CHALLENGE_CHARS) == 0)
    return TRUE;
  g_clear_pointer (&redeem->user_id, g_free);
  g_clear_pointer (&stmt, sqlite3_finalize);
  stmt = prepare_for_secret (tx, "UPDATE identity_oidc_codes SET used_at = ?2 WHERE code_hash = ?1",
                             redeem->code, error);
  return stmt != NULL && cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

typedef struct
{
  CascadeIdentity *self;
  const char *code;
  const char *user_id;
  const CascadeClientInfo *client;
  gboolean extend;
  CascadeAuthResult *result;
} Finish;

/* Uses the code up (if nobody did meanwhile) and opens the session; or,
 * with @extend, gives the code a few minutes for the two-factor retry. */
static gboolean
finish_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  Finish *finish = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  CascadeUser *user;

  stmt = prepare_for_secret (tx,
                             finish->extend
                               ? "UPDATE identity_oidc_codes SET expires_at = ?2 + ?3 "
                                 "WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2"
                               : "UPDATE identity_oidc_codes SET used_at = ?2 "
                                 "WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                             finish->code, error);
  if (stmt == NULL)
    return FALSE;
  if (finish->extend)
    sqlite3_bind_int64 (stmt, 3, OTP_CODE_SECONDS);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  if (sqlite3_changes (cascade_store_tx_get_db (tx)) != 1)
    return invalid_grant (error);
  if (finish->extend)
    return TRUE;

  user = _cascade_identity_load_user (tx, finish->user_id, error);
  if (user == NULL)
    return invalid_grant (error);
  if (user->banned)
    {
      cascade_user_free (user);
      return _cascade_identity_banned_error (error);
    }
  if (!_cascade_identity_clear_failures (tx, finish->user_id, error))
    {
      cascade_user_free (user);
      return FALSE;
    }
  finish->result = _cascade_identity_open_session (finish->self, tx, user, finish->client, error);
  return finish->result != NULL;
}

/**
 * cascade_identity_oidc_token:
 * @code: the one-time code the app got on its redirect
 * @code_verifier: the app's PKCE verifier
 * @otp: (nullable): for an account with two-factor authentication
 *
 * Blocking.
 *
 * Returns: (transfer full): a new session, or %NULL with INVALID_GRANT,
 *   OTP_REQUIRED, INVALID_OTP, ACCOUNT_LOCKED or ACCOUNT_BANNED
 */
CascadeAuthResult *
cascade_identity_oidc_token (CascadeIdentity *self,
                             const char *code,
                             const char *code_verifier,
                             const char *otp,
                             const CascadeClientInfo *client,
                             guint *retry_after,
                             GError **error)
{
  g_autofree char *user_id = NULL;
  g_autoptr (GError) local_error = NULL;
  Redeem redeem = { code, code_verifier };
  Finish finish = { self, code };
  gsize verifier_length = strlen (code_verifier);

  g_return_val_if_fail (CASCADE_IS_IDENTITY (self), NULL);

  /* RFC 7636 §4.1: 43 to 128 unreserved characters */
  if (strlen (code) > 128 || verifier_length < 43 || verifier_length > 128 ||
      strspn (code_verifier,
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") !=
        verifier_length)
    return invalid_grant (error), NULL;
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, check_code_tx, &redeem, error))
    return NULL;
  user_id = g_steal_pointer (&redeem.user_id);
  if (user_id == NULL)
    return invalid_grant (error), NULL;

  if (!_cascade_identity_check_locked (self, user_id, retry_after, error))
    return NULL;
  if (!_cascade_identity_second_factor_or_fail (self, user_id, otp, retry_after, &local_error))
    {
      if (g_error_matches (local_error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_OTP_REQUIRED))
        {
          finish.extend = TRUE;
          if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, finish_tx, &finish,
                                          error))
            return NULL;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  finish.user_id = user_id;
  finish.client = client;
  cascade_store_transaction (self->store, CASCADE_STORE_WRITE, finish_tx, &finish, error);
  return finish.result;
}
