/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

/* One HTTP request as a route handler sees it, on a worker thread: a copy of
 * what the gateway read from the connection, never the SoupServerMessage. */
CascadeRequest *cascade_request_new (const char *method,
                                     const char *path,
                                     const char *authorization,
                                     const char *content_type,
                                     const char *charset,
                                     GByteArray *body);
void cascade_request_free (CascadeRequest *self);

const char *cascade_request_get_method (CascadeRequest *self);
const char *cascade_request_get_path (CascadeRequest *self);
const char *cascade_request_get_authorization (CascadeRequest *self);
const char *cascade_request_get_content_type (CascadeRequest *self);
void cascade_request_set_query (CascadeRequest *self, const char *query);
void cascade_request_set_client (CascadeRequest *self, const char *address, const char *user_agent);
const char *cascade_request_get_client_address (CascadeRequest *self);
const char *cascade_request_get_user_agent (CascadeRequest *self);
const char *cascade_request_get_query_param (CascadeRequest *self, const char *name);
const char *cascade_request_get_path_segment (CascadeRequest *self, guint index);
gboolean cascade_request_has_json_content_type (CascadeRequest *self);
const guint8 *cascade_request_get_body_data (CascadeRequest *self, gsize *length);

void cascade_request_take_json (CascadeRequest *self, JsonNode *object);
JsonObject *cascade_request_get_json (CascadeRequest *self);
const char *cascade_request_get_string (CascadeRequest *self, const char *member);

CascadePrincipal *cascade_request_get_principal (CascadeRequest *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeRequest, cascade_request_free)

G_END_DECLS
