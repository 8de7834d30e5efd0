/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sodium.h>

#include "cascade-server-types.h"
#include "identity/cascade-jwt.h"

G_BEGIN_DECLS

#define CASCADE_SIGNING_KEY_FILE "jwt-ed25519.key"

/* The server's Ed25519 key for access tokens. The file holds the 64-byte
 * libsodium secret key (seed, then public key), mode 0600. In memory the
 * secret lives in sodium_malloc'd pages. */
CascadeSigningKey *cascade_signing_key_load_or_create (const char *path, GError **error);
void cascade_signing_key_free (CascadeSigningKey *self);
gboolean cascade_signing_key_rotate (const char *data_dir, GError **error);
GPtrArray *cascade_signing_key_load_retired (const char *data_dir, guint max_age, GError **error);

const guint8 *cascade_signing_key_get_public_key (CascadeSigningKey *self);
const char *cascade_signing_key_get_kid (CascadeSigningKey *self);
const char *cascade_signing_key_get_x (CascadeSigningKey *self);
char *cascade_signing_key_sign (CascadeSigningKey *self, const CascadeJwtClaims *claims);

gboolean cascade_key_file_load_or_create (
  const char *what, const char *path, guint8 *key, gsize length, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeSigningKey, cascade_signing_key_free)

G_END_DECLS
