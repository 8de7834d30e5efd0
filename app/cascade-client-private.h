/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-client.h"

G_BEGIN_DECLS

/* What the files of CascadeClient share (cascade-client.c does the HTTP). */

/* Turns the parsed JSON root of a 2xx answer into the call's result. */
typedef gpointer (*CascadeClientParseFunc) (JsonObject *root, GError **error);

/* Sends one JSON API call (body: a JSON object, or NULL) and completes task
 * (taken) with parse's result, or TRUE when parse is NULL, or a
 * CASCADE_CLIENT_ERROR. */
void _cascade_client_start_request (CascadeClient *self,
                                    GTask *task,
                                    const char *method,
                                    const char *path,
                                    GBytes *body,
                                    gboolean authenticated,
                                    CascadeClientParseFunc parse,
                                    GDestroyNotify free_result);

gpointer _cascade_client_propagate_pointer (CascadeClient *self,
                                            GAsyncResult *result,
                                            gpointer source_tag,
                                            GError **error);
gboolean _cascade_client_propagate_boolean (CascadeClient *self,
                                            GAsyncResult *result,
                                            gpointer source_tag,
                                            GError **error);

typedef gpointer (*CascadeClientItemNew) (JsonObject *object, GError **error);
GListStore *_cascade_client_parse_list (JsonObject *root,
                                        GType item_type,
                                        CascadeClientItemNew item_new,
                                        GError **error);

/* "/api/v1/streams/ID" + suffix (nullable), with the id escaped. */
char *_cascade_client_stream_path (const char *id, const char *suffix);

/* An AuthResponse: a CascadeAuthTokens. */
gpointer _cascade_client_parse_auth_tokens (JsonObject *root, GError **error);

G_END_DECLS
