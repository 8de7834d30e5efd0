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
};

const gsize _cascade_identity_n_migrations = G_N_ELEMENTS (_cascade_identity_migrations);
