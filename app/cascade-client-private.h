/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-client.h"

G_BEGIN_DECLS

/* What the files of CascadeClient share (cascade-client.c does the HTTP). */

/* Turns the parsed JSON root of a 2xx answer into the call's result. */
typedef gpointer (*CascadeClientParseFunc) (JsonObject *root, GError **error);

/* The one request helper of the class: makes a task tagged source_tag, sends
 * one JSON API call (body: a JSON object's bytes, taken; nullable; with the
 * access token when authenticated), and completes the task with parse's
 * result from the 2xx answer's JSON object (freed with free_result), or TRUE
 * when parse is NULL, or a CASCADE_CLIENT_ERROR: the server's error envelope
 * ({"error": {"code", "message", "field"}}) mapped by status, a network
 * failure, or an answer that is not the API's. Finish with
 * _cascade_client_propagate_pointer() (or _boolean() when parse is NULL) and
 * the same tag. */
void _cascade_client_call (CascadeClient *self,
                           gpointer source_tag,
                           const char *method,
                           const char *path,
                           GBytes *body,
                           gboolean authenticated,
                           CascadeClientParseFunc parse,
                           GDestroyNotify free_result,
                           GCancellable *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer user_data);

gpointer _cascade_client_propagate_pointer (CascadeClient *self,
                                            GAsyncResult *result,
                                            gpointer source_tag,
                                            GError **error);
gboolean _cascade_client_propagate_boolean (CascadeClient *self,
                                            GAsyncResult *result,
                                            gpointer source_tag,
                                            GError **error);

/* A JSON body of string members (a NULL value is left out), in wiped memory:
 * CASCADE_CLIENT_BODY ("login", login, "password", password). */
#define CASCADE_CLIENT_BODY(...)                                                                   \
  _cascade_client_body_new ((const char *const[]){ __VA_ARGS__ },                                  \
                            G_N_ELEMENTS (((const char *const[]){ __VA_ARGS__ })) / 2)
GBytes *_cascade_client_body_new (const char *const *keys_and_values, gsize n_members);

typedef gpointer (*CascadeClientItemNew) (JsonObject *object, GError **error);
GPtrArray *_cascade_client_parse_items (JsonObject *root,
                                        CascadeClientItemNew item_new,
                                        GDestroyNotify free_item,
                                        GError **error);
GListStore *_cascade_client_parse_list (JsonObject *root,
                                        GType item_type,
                                        CascadeClientItemNew item_new,
                                        GError **error);

/* prefix + segment (escaped) + suffix (nullable):
 * _cascade_client_path ("/api/v1/streams/", id, "/tree"). */
char *_cascade_client_path (const char *prefix, const char *segment, const char *suffix);

/* An AuthResponse: a CascadeAuthTokens. */
gpointer _cascade_client_parse_auth_tokens (JsonObject *root, GError **error);

G_END_DECLS
