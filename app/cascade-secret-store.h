/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cascade-app-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_SECRET_STORE (cascade_secret_store_get_type ())

G_DECLARE_FINAL_TYPE (CascadeSecretStore, cascade_secret_store, CASCADE, SECRET_STORE, GObject)

/*
 * The refresh token of one server, kept in the Secret Service (libsecret,
 * schema "net.cascadecast.Cascade.Session", attribute "server" = base URL),
 * never in a plain file. When no Secret Service answers, every call fails with
 * CASCADE_CLIENT_ERROR_NO_SECRETS.
 */
CascadeSecretStore *cascade_secret_store_new (void);
CascadeSecretStore *cascade_secret_store_new_in_memory (void);

void cascade_secret_store_store_async (CascadeSecretStore *self,
                                       const char *server,
                                       const char *refresh_token,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean
cascade_secret_store_store_finish (CascadeSecretStore *self, GAsyncResult *result, GError **error);

/* Finishes with the stored token (to be wiped with sodium_memzero / freed by the
 * caller), or NULL and no error when nothing is stored for server. */
void cascade_secret_store_lookup_async (CascadeSecretStore *self,
                                        const char *server,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
char *
cascade_secret_store_lookup_finish (CascadeSecretStore *self, GAsyncResult *result, GError **error);

/* Removing nothing is a success. */
void cascade_secret_store_clear_async (CascadeSecretStore *self,
                                       const char *server,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean
cascade_secret_store_clear_finish (CascadeSecretStore *self, GAsyncResult *result, GError **error);

G_END_DECLS
