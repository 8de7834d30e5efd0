/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"
#include "cascade-stream.h"
#include "cascade-user.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CLIENT (cascade_client_get_type ())

G_DECLARE_FINAL_TYPE (CascadeClient, cascade_client, CASCADE, CLIENT, GObject)

CascadeClient *cascade_client_new (const char *base_url);
const char *cascade_client_get_base_url (CascadeClient *self);
void cascade_client_set_base_url (CascadeClient *self, const char *base_url);
/* The bearer token sent with authenticated calls; NULL clears it. */
void cascade_client_set_access_token (CascadeClient *self, const char *access_token);

/* AuthResponse of the wire contract, parsed: */
typedef struct
{
  CascadeUser *user;
  char *access_token;
  char *refresh_token;
  gint64 expires_in;
  gint64 refresh_expires_in;
} CascadeAuthTokens;

/* Wipes the tokens before freeing them. */
void cascade_auth_tokens_free (CascadeAuthTokens *tokens);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeAuthTokens, cascade_auth_tokens_free)

void cascade_client_register_async (CascadeClient *self,
                                    const char *email,
                                    const char *username,
                                    const char *password,
                                    const char *display_name,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
CascadeAuthTokens *
cascade_client_register_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_login_async (CascadeClient *self,
                                 const char *login,
                                 const char *password,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data);
CascadeAuthTokens *
cascade_client_login_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_refresh_async (CascadeClient *self,
                                   const char *refresh_token,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
CascadeAuthTokens *
cascade_client_refresh_finish (CascadeClient *self, GAsyncResult *result, GError **error);

/* Uses the access token set with cascade_client_set_access_token();
 * refresh_token is optional. */
void cascade_client_logout_async (CascadeClient *self,
                                  const char *refresh_token,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean cascade_client_logout_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_get_me_async (CascadeClient *self,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
CascadeUser *
cascade_client_get_me_finish (CascadeClient *self, GAsyncResult *result, GError **error);

/* Streams (docs/api.md, "Streams"). Errors carry the server's code. */
void cascade_client_start_stream_async (CascadeClient *self,
                                        const char *title,
                                        const char *category,
                                        JsonArray *renditions,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
CascadeStream *
cascade_client_start_stream_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_end_stream_async (CascadeClient *self,
                                      const char *id,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean
cascade_client_end_stream_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_list_live_streams_async (CascadeClient *self,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
GListStore *
cascade_client_list_live_streams_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_get_stream_async (CascadeClient *self,
                                      const char *id,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
CascadeStream *
cascade_client_get_stream_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_upload_thumbnail_async (CascadeClient *self,
                                            const char *id,
                                            GBytes *image,
                                            const char *content_type,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean
cascade_client_upload_thumbnail_finish (CascadeClient *self, GAsyncResult *result, GError **error);

void cascade_client_get_thumbnail_async (CascadeClient *self,
                                         const char *id,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
GBytes *
cascade_client_get_thumbnail_finish (CascadeClient *self, GAsyncResult *result, GError **error);

G_END_DECLS
