/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "identity/cascade-identity.h"

G_BEGIN_DECLS

struct _CascadeIdentity
{
  GObject parent_instance;

  CascadeStore *store;
  CascadeSigningKey *key;
  char *issuer;
  guint access_token_ttl;

  /* argon2id takes 64 MiB a hash: at most hash_slots run at once. */
  GMutex hash_lock;
  GCond hash_cond;
  guint hash_slots;
  char *dummy_hash; /* verified against when a login names nobody */
};

extern const CascadeMigration _cascade_identity_migrations[];
extern const gsize _cascade_identity_n_migrations;

CascadeUser *_cascade_identity_load_user (CascadeStoreTx *tx, const char *user_id, GError **error);
CascadeAuthResult *_cascade_identity_open_session (CascadeIdentity *self,
                                                   CascadeStoreTx *tx,
                                                   CascadeUser *user,
                                                   GError **error);

G_END_DECLS
