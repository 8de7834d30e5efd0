/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"
#include "cascade-stream-tree.h"
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
void cascade_client_login_with_otp_async (CascadeClient *self,
                                          const char *login,
                                          const char *password,
                                          const char *otp,
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

void cascade_client_get_stream_tree_async (CascadeClient *self,
                                           const char *id,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
CascadeStreamTree *
cascade_client_get_stream_tree_finish (CascadeClient *self, GAsyncResult *result, GError **error);

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

/* ---- account (cascade-client-account.c) ---------------------------------- */

/* POST /api/v1/me/totp: the new secret, and the URI for a QR code. */
typedef struct
{
  char *secret;
  char *otpauth_uri;
} CascadeTotpEnrolment;

void cascade_totp_enrolment_free (CascadeTotpEnrolment *enrolment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeTotpEnrolment, cascade_totp_enrolment_free)

/* One of GET /api/v1/auth/providers. */
typedef struct
{
  char *id;
  char *name;
} CascadeIdentityProvider;

void cascade_identity_provider_free (CascadeIdentityProvider *provider);

void cascade_client_request_password_reset_async (CascadeClient *self,
                                                  const char *email,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
gboolean cascade_client_request_password_reset_finish (CascadeClient *self,
                                                       GAsyncResult *result,
                                                       GError **error);
void cascade_client_confirm_password_reset_async (CascadeClient *self,
                                                  const char *token,
                                                  const char *password,
                                                  GCancellable *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer user_data);
gboolean cascade_client_confirm_password_reset_finish (CascadeClient *self,
                                                       GAsyncResult *result,
                                                       GError **error);
void cascade_client_verify_email_async (CascadeClient *self,
                                        const char *token,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean
cascade_client_verify_email_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_resend_verification_async (CascadeClient *self,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
gboolean cascade_client_resend_verification_finish (CascadeClient *self,
                                                    GAsyncResult *result,
                                                    GError **error);
void cascade_client_list_sessions_async (CascadeClient *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
GListStore *
cascade_client_list_sessions_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_revoke_session_async (CascadeClient *self,
                                          const char *id,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
gboolean
cascade_client_revoke_session_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_revoke_other_sessions_async (CascadeClient *self,
                                                 GCancellable *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer user_data);
gboolean cascade_client_revoke_other_sessions_finish (CascadeClient *self,
                                                      GAsyncResult *result,
                                                      GError **error);
void cascade_client_change_password_async (CascadeClient *self,
                                           const char *current_password,
                                           const char *new_password,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean
cascade_client_change_password_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_delete_account_async (CascadeClient *self,
                                          const char *password,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
gboolean
cascade_client_delete_account_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_begin_totp_async (CascadeClient *self,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
CascadeTotpEnrolment *
cascade_client_begin_totp_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_confirm_totp_async (CascadeClient *self,
                                        const char *code,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
char **
cascade_client_confirm_totp_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_disable_totp_async (CascadeClient *self,
                                        const char *password,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean
cascade_client_disable_totp_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_list_providers_async (CascadeClient *self,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
GPtrArray *
cascade_client_list_providers_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_start_oidc_async (CascadeClient *self,
                                      const char *provider,
                                      const char *redirect_uri,
                                      const char *code_challenge,
                                      const char *state,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
char *cascade_client_start_oidc_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_oidc_token_async (CascadeClient *self,
                                      const char *code,
                                      const char *code_verifier,
                                      const char *otp,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
CascadeAuthTokens *
cascade_client_oidc_token_finish (CascadeClient *self, GAsyncResult *result, GError **error);
/* Follows or unfollows a channel (PUT / DELETE /api/v1/channels/NAME/follow). */
void cascade_client_follow_async (CascadeClient *self,
                                  const char *channel,
                                  gboolean follow,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean cascade_client_follow_finish (CascadeClient *self, GAsyncResult *result, GError **error);

/* An image the server serves at @path (e.g. an emote, /api/v1/emotes/ID). */
void cascade_client_get_image_async (CascadeClient *self,
                                     const char *path,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
GBytes *cascade_client_get_image_finish (CascadeClient *self, GAsyncResult *result, GError **error);

/* A channel's emotes (GET /api/v1/channels/NAME/emotes): the "items" array,
 * each {"code", "url"}. */
void cascade_client_list_emotes_async (CascadeClient *self,
                                       const char *channel,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
JsonArray *
cascade_client_list_emotes_finish (CascadeClient *self, GAsyncResult *result, GError **error);

/* Adds (or replaces) one of one's own channel's emotes: @png at most 64 KiB
 * and 128×128, @code 2 to 20 of A-Za-z0-9_. */
void cascade_client_put_emote_async (CascadeClient *self,
                                     const char *channel,
                                     const char *code,
                                     GBytes *png,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
cascade_client_put_emote_finish (CascadeClient *self, GAsyncResult *result, GError **error);

/* Chat moderation over REST (cascade-client-chat.c). */
void cascade_client_get_mod_log_async (CascadeClient *self,
                                       const char *channel,
                                       const char *cursor,
                                       guint limit,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
JsonArray *cascade_client_get_mod_log_finish (CascadeClient *self,
                                              GAsyncResult *result,
                                              char **out_next_cursor,
                                              GError **error);
void cascade_client_blocked_terms_async (CascadeClient *self,
                                         const char *channel,
                                         const char *const *terms,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
GStrv
cascade_client_blocked_terms_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_list_moderators_async (CascadeClient *self,
                                           const char *channel,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
JsonArray *
cascade_client_list_moderators_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_set_moderator_async (CascadeClient *self,
                                         const char *channel,
                                         const char *username,
                                         gboolean add,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean
cascade_client_set_moderator_finish (CascadeClient *self, GAsyncResult *result, GError **error);
void cascade_client_chat_color_async (CascadeClient *self,
                                      gboolean set,
                                      const char *color,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
char *cascade_client_chat_color_finish (CascadeClient *self,
                                        GAsyncResult *result,
                                        GStrv *out_palette,
                                        GError **error);

G_END_DECLS
