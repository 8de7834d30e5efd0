/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-private.h"

/* The identity context's tables. Released migrations are never edited: a
 * change is a new entry. Times are seconds since the epoch. */
const CascadeMigration _cascade_identity_migrations[] = {
  { 1, "CREATE TABLE identity_users ("
       "  id TEXT PRIMARY KEY,"
       "  email TEXT NOT NULL UNIQUE,"
       "  username TEXT NOT NULL UNIQUE,"
       "  display_name TEXT NOT NULL,"
       "  password_hash TEXT NOT NULL,"
       "  role TEXT NOT NULL DEFAULT 'user'"
       "    CHECK (role IN ('admin', 'moderator', 'streamer', 'user')),"
       "  created_at INTEGER NOT NULL"
       ");"
       "CREATE TABLE identity_sessions ("
       "  id TEXT PRIMARY KEY,"
       "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
       "  created_at INTEGER NOT NULL,"
       "  revoked_at INTEGER,"
       "  revoked_reason TEXT"
       ");"
       "CREATE INDEX identity_sessions_user ON identity_sessions (user_id);"
       /* Refresh tokens are kept only as a BLAKE2b-256 hash. */
       "CREATE TABLE identity_refresh_tokens ("
       "  token_hash BLOB PRIMARY KEY,"
       "  session_id TEXT NOT NULL REFERENCES identity_sessions (id) ON DELETE CASCADE,"
       "  created_at INTEGER NOT NULL,"
       "  expires_at INTEGER NOT NULL,"
       "  used_at INTEGER,"
       "  revoked_at INTEGER"
       ");"
       "CREATE INDEX identity_refresh_tokens_session ON identity_refresh_tokens (session_id);" },
  { 2, "ALTER TABLE identity_users ADD COLUMN email_verified_at INTEGER;"
       "ALTER TABLE identity_users ADD COLUMN banned_at INTEGER;"
       /* Wrong passwords in a row, and locks, per account (brute-force guard). */
       "CREATE TABLE identity_login_failures ("
       "  user_id TEXT PRIMARY KEY REFERENCES identity_users (id) ON DELETE CASCADE,"
       "  failures INTEGER NOT NULL,"
       "  lockouts INTEGER NOT NULL,"
       "  locked_until INTEGER NOT NULL,"
       "  last_failure_at INTEGER NOT NULL"
       ");"
       /* Single-use tokens sent by email, kept only as a BLAKE2b-256 hash. */
       "CREATE TABLE identity_email_tokens ("
       "  token_hash BLOB PRIMARY KEY,"
       "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
       "  purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'verify_email')),"
       "  email TEXT NOT NULL,"
       "  created_at INTEGER NOT NULL,"
       "  expires_at INTEGER NOT NULL,"
       "  used_at INTEGER"
       ");"
       "CREATE INDEX identity_email_tokens_user ON identity_email_tokens (user_id);" },
  /* What a user sees of their sessions. */
  { 3, "ALTER TABLE identity_sessions ADD COLUMN device TEXT;"
       "ALTER TABLE identity_sessions ADD COLUMN address TEXT;"
       "ALTER TABLE identity_sessions ADD COLUMN last_used_at INTEGER;" },
  /* Two-factor authentication: a TOTP secret (in force once enabled_at is
   * set), the last time step used, and hashed single-use recovery codes. */
  { 4, "CREATE TABLE identity_totp ("
       "  user_id TEXT PRIMARY KEY REFERENCES identity_users (id) ON DELETE CASCADE,"
       "  secret BLOB NOT NULL,"
       "  created_at INTEGER NOT NULL,"
       "  enabled_at INTEGER,"
       "  last_step INTEGER NOT NULL"
       ");"
       "CREATE TABLE identity_recovery_codes ("
       "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
       "  code_hash BLOB NOT NULL,"
       "  used_at INTEGER"
       ");"
       "CREATE INDEX identity_recovery_codes_user ON identity_recovery_codes (user_id);" },
  /* Social login: flows under way (by a hash of our state, 10 minutes), the
   * one-time codes handed to the app (hashed, 60 seconds), and which
   * provider subject is which account. */
  { 5, "CREATE TABLE identity_oidc_flows ("
       "  state_hash BLOB PRIMARY KEY,"
       "  provider TEXT NOT NULL,"
       "  nonce TEXT NOT NULL,"
       "  code_verifier TEXT NOT NULL,"
       "  redirect_uri TEXT NOT NULL,"
       "  app_state TEXT NOT NULL,"
       "  code_challenge TEXT NOT NULL,"
       "  created_at INTEGER NOT NULL,"
       "  expires_at INTEGER NOT NULL"
       ");"
       "CREATE TABLE identity_oidc_codes ("
       "  code_hash BLOB PRIMARY KEY,"
       "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
       "  code_challenge TEXT NOT NULL,"
       "  created_at INTEGER NOT NULL,"
       "  expires_at INTEGER NOT NULL,"
       "  used_at INTEGER"
       ");"
       "CREATE INDEX identity_oidc_codes_user ON identity_oidc_codes (user_id);"
       "CREATE TABLE identity_oidc_links ("
       "  provider TEXT NOT NULL,"
       "  subject TEXT NOT NULL,"
       "  user_id TEXT NOT NULL REFERENCES identity_users (id) ON DELETE CASCADE,"
       "  created_at INTEGER NOT NULL,"
       "  PRIMARY KEY (provider, subject)"
       ");"
       "CREATE INDEX identity_oidc_links_user ON identity_oidc_links (user_id);" },
  /* Mail tokens of events delivered before the outbox dropped secrets after
   * delivery (store migration 2). */
  { 6, "UPDATE outbox SET payload = json_remove (payload, '$.token') "
       "WHERE topic = 'identity.email_token' AND delivered_at IS NOT NULL;" },
};

const gsize _cascade_identity_n_migrations = G_N_ELEMENTS (_cascade_identity_migrations);
