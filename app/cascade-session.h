/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cascade-app-types.h"
#include "cascade-client.h"
#include "cascade-oidc-flow.h"
#include "cascade-realtime.h"
#include "cascade-user.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_SESSION (cascade_session_get_type ())

G_DECLARE_FINAL_TYPE (CascadeSession, cascade_session, CASCADE, SESSION, GObject)

/*
 * The app's one source of truth for "who is signed in".
 *
 * Properties: "state" (CascadeSessionState, read-only), "user" (CascadeUser,
 * read-only, NULL unless signed in), "server-url" (string, read-write: changing
 * it while signed in signs out locally first), "secrets-available" (gboolean,
 * read-only: FALSE when no Secret Service runs; the session is then kept in
 * memory only).
 *
 * A new session is SIGNED_OUT until cascade_session_restore_async() finds a
 * stored sign-in (RESTORING meanwhile).
 *
 * While signed in, the access token is refreshed about a minute before it
 * expires (with retries and back-off while the server cannot be reached; a
 * refused refresh signs out), and each rotated refresh token is stored.
 */
CascadeSession *cascade_session_new (const char *server_url);
CascadeSession *cascade_session_new_in_memory (const char *server_url);

CascadeSessionState cascade_session_get_state (CascadeSession *self);
CascadeUser *cascade_session_get_user (CascadeSession *self);
CascadeClient *cascade_session_get_client (CascadeSession *self);
CascadeRealtime *cascade_session_get_realtime (CascadeSession *self);
const char *cascade_session_get_server_url (CascadeSession *self);
void cascade_session_set_server_url (CascadeSession *self, const char *server_url);
gboolean cascade_session_get_secrets_available (CascadeSession *self);

/* Looks for a stored refresh token for server-url, refreshes it, fetches /me;
 * ends SIGNED_IN or SIGNED_OUT. Returns FALSE with an error only for a real
 * failure (network); "nothing stored" is TRUE + SIGNED_OUT. A call made while
 * a restore runs joins it (the stored token is presented once). */
void cascade_session_restore_async (CascadeSession *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean
cascade_session_restore_finish (CascadeSession *self, GAsyncResult *result, GError **error);

/* Errors are the client's errors unchanged (code and field included). */
void cascade_session_sign_up_async (CascadeSession *self,
                                    const char *email,
                                    const char *username,
                                    const char *password,
                                    const char *display_name,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean
cascade_session_sign_up_finish (CascadeSession *self, GAsyncResult *result, GError **error);

void cascade_session_sign_in_async (CascadeSession *self,
                                    const char *login,
                                    const char *password,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
void cascade_session_sign_in_with_otp_async (CascadeSession *self,
                                             const char *login,
                                             const char *password,
                                             const char *otp,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
void cascade_session_sign_in_with_oidc_async (CascadeSession *self,
                                              CascadeOidcFlow *flow,
                                              const char *otp,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
/* Finishes the three ways to sign in. */
gboolean
cascade_session_sign_in_finish (CascadeSession *self, GAsyncResult *result, GError **error);

void cascade_session_refresh_user_async (CascadeSession *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean
cascade_session_refresh_user_finish (CascadeSession *self, GAsyncResult *result, GError **error);

void cascade_session_delete_account_async (CascadeSession *self,
                                           const char *password,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean
cascade_session_delete_account_finish (CascadeSession *self, GAsyncResult *result, GError **error);

/* Tells the server (best effort), clears the keyring entry and all tokens,
 * ends SIGNED_OUT even offline. */
void cascade_session_sign_out_async (CascadeSession *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
cascade_session_sign_out_finish (CascadeSession *self, GAsyncResult *result, GError **error);

G_END_DECLS
