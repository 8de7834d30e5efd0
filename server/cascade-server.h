/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cascade-server-config.h"
#include "cascade-server-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_SERVER (cascade_server_get_type ())

G_DECLARE_FINAL_TYPE (CascadeServer, cascade_server, CASCADE, SERVER, GObject)

CascadeServer *cascade_server_new (const CascadeServerConfig *config, GError **error);
gboolean cascade_server_start (CascadeServer *self, GError **error);
const char *cascade_server_get_url (CascadeServer *self);
gboolean cascade_server_create_admin (CascadeServer *self, const char *email, GError **error);
void cascade_server_shutdown_async (CascadeServer *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean cascade_server_shutdown_finish (CascadeServer *self, GAsyncResult *result, GError **error);

G_END_DECLS
