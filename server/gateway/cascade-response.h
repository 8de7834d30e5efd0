/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

/* What a route answers, built on a worker thread and written to the
 * connection by the gateway on the main thread. */
CascadeResponse *cascade_response_new (void);
void cascade_response_free (CascadeResponse *self);

void cascade_response_set_json (CascadeResponse *self, guint status, JsonNode *body);
void cascade_response_set_empty (CascadeResponse *self, guint status);
void cascade_response_set_bytes (CascadeResponse *self,
                                 guint status,
                                 const char *content_type,
                                 GBytes *bytes);
GBytes *cascade_response_get_bytes (CascadeResponse *self, const char **content_type);
void cascade_response_set_error (CascadeResponse *self, const GError *error, const char *field);
void cascade_response_set_header (CascadeResponse *self, const char *name, const char *value);

guint cascade_response_get_status (CascadeResponse *self);
JsonNode *cascade_response_get_body (CascadeResponse *self);
const char *const *cascade_response_get_headers (CascadeResponse *self);

gboolean cascade_server_error_describe (const GError *error,
                                        guint *status,
                                        const char **code,
                                        const char **field);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeResponse, cascade_response_free)

G_END_DECLS
