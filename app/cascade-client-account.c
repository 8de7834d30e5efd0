/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "cascade-app-private.h"
#include "cascade-client-private.h"
#include "cascade-client.h"
#include "cascade-json.h"
#include "cascade-session-info.h"

/*
 * The account calls of CascadeClient (docs/api.md, "Your account",
 * "Two-factor authentication", password reset, email verification and social
 * sign-in). Errors are CASCADE_CLIENT_ERRORs carrying the server's code.
 */

void
cascade_totp_enrolment_free (CascadeTotpEnrolment *enrolment)
{
  if (enrolment == NULL)
    return;
  _cascade_clear_secret (&enrolment->secret);
  _cascade_clear_secret (&enrolment->otpauth_uri);
  g_free (enrolment);
}

void
cascade_identity_provider_free (CascadeIdentityProvider *provider)
{
  if (provider == NULL)
    return;
  g_free (provider->id);
  g_free (provider->name);
  g_free (provider);
}

/* ---- password reset and email verification -------------------------------- */

/* Mails a reset code to @email if an account has it; the server answers the
 * same whatever the address. */
void
cascade_client_request_password_reset_async (CascadeClient *self,
                                             const char *email,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (email != NULL && g_utf8_validate (email, -1, NULL));

  _cascade_client_call (self, cascade_client_request_password_reset_async, SOUP_METHOD_POST,
                        "/api/v1/auth/password-reset", CASCADE_CLIENT_BODY ("email", email), FALSE,
                        NULL, NULL, cancellable, callback, user_data);
}

gboolean
cascade_client_request_password_reset_finish (CascadeClient *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  return _cascade_client_propagate_boolean (self, result,
                                            cascade_client_request_password_reset_async, error);
}

/* Sets a new password with the code of the mail; every session of the
 * account is signed out. "invalid_email_token" or "invalid_password". */
void
cascade_client_confirm_password_reset_async (CascadeClient *self,
                                             const char *token,
                                             const char *password,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (token != NULL && g_utf8_validate (token, -1, NULL));
  g_return_if_fail (password != NULL && g_utf8_validate (password, -1, NULL));

  _cascade_client_call (self, cascade_client_confirm_password_reset_async, SOUP_METHOD_POST,
                        "/api/v1/auth/password-reset/confirm",
                        CASCADE_CLIENT_BODY ("token", token, "password", password), FALSE, NULL,
                        NULL, cancellable, callback, user_data);
}

gboolean
cascade_client_confirm_password_reset_finish (CascadeClient *self,
                                              GAsyncResult *result,
                                              GError **error)
{
  return _cascade_client_propagate_boolean (self, result,
                                            cascade_client_confirm_password_reset_async, error);
}

/* Confirms the address with the code mailed to it ("invalid_email_token"). */
void
cascade_client_verify_email_async (CascadeClient *self,
                                   const char *token,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (token != NULL && g_utf8_validate (token, -1, NULL));

  _cascade_client_call (self, cascade_client_verify_email_async, SOUP_METHOD_POST,
                        "/api/v1/auth/verify-email", CASCADE_CLIENT_BODY ("token", token), FALSE,
                        NULL, NULL, cancellable, callback, user_data);
}

gboolean
cascade_client_verify_email_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_verify_email_async, error);
}

/* Mails the signed-in user a new verification code. */
void
cascade_client_resend_verification_async (CascadeClient *self,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  _cascade_client_call (self, cascade_client_resend_verification_async, SOUP_METHOD_POST,
                        "/api/v1/me/verify-email", NULL, TRUE, NULL, NULL, cancellable, callback,
                        user_data);
}

gboolean
cascade_client_resend_verification_finish (CascadeClient *self,
                                           GAsyncResult *result,
                                           GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_resend_verification_async,
                                            error);
}

/* ---- sessions, password, account ------------------------------------------ */

static gpointer
parse_session_list (JsonObject *root, GError **error)
{
  return _cascade_client_parse_list (root, CASCADE_TYPE_SESSION_INFO,
                                     (CascadeClientItemNew) cascade_session_info_new_from_json,
                                     error);
}

/* The account's open sessions, most recently used first. */
void
cascade_client_list_sessions_async (CascadeClient *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  _cascade_client_call (self, cascade_client_list_sessions_async, SOUP_METHOD_GET,
                        "/api/v1/me/sessions", NULL, TRUE, parse_session_list, g_object_unref,
                        cancellable, callback, user_data);
}

/* Returns: (transfer full): a GListStore of CascadeSessionInfo */
GListStore *
cascade_client_list_sessions_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_list_sessions_async,
                                            error);
}

/* Signs one session of the account out ("not_found" when there is no such
 * open session). */
void
cascade_client_revoke_session_async (CascadeClient *self,
                                     const char *id,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  path = _cascade_client_path ("/api/v1/me/sessions/", id, NULL);
  _cascade_client_call (self, cascade_client_revoke_session_async, SOUP_METHOD_DELETE, path, NULL,
                        TRUE, NULL, NULL, cancellable, callback, user_data);
}

gboolean
cascade_client_revoke_session_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_revoke_session_async,
                                            error);
}

/* Signs out every session of the account but the caller's. */
void
cascade_client_revoke_other_sessions_async (CascadeClient *self,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  _cascade_client_call (self, cascade_client_revoke_other_sessions_async, SOUP_METHOD_DELETE,
                        "/api/v1/me/sessions", NULL, TRUE, NULL, NULL, cancellable, callback,
                        user_data);
}

gboolean
cascade_client_revoke_other_sessions_finish (CascadeClient *self,
                                             GAsyncResult *result,
                                             GError **error)
{
  return _cascade_client_propagate_boolean (self, result,
                                            cascade_client_revoke_other_sessions_async, error);
}

/* Changes the password; every other session is signed out.
 * "wrong_password" (403), "invalid_password" (field "password"). */
void
cascade_client_change_password_async (CascadeClient *self,
                                      const char *current_password,
                                      const char *new_password,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (current_password != NULL && g_utf8_validate (current_password, -1, NULL));
  g_return_if_fail (new_password != NULL && g_utf8_validate (new_password, -1, NULL));

  _cascade_client_call (
    self, cascade_client_change_password_async, SOUP_METHOD_PUT, "/api/v1/me/password",
    CASCADE_CLIENT_BODY ("current_password", current_password, "new_password", new_password), TRUE,
    NULL, NULL, cancellable, callback, user_data);
}

gboolean
cascade_client_change_password_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_change_password_async,
                                            error);
}

/* Deletes the account for good ("wrong_password"). */
void
cascade_client_delete_account_async (CascadeClient *self,
                                     const char *password,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (password != NULL && g_utf8_validate (password, -1, NULL));

  _cascade_client_call (self, cascade_client_delete_account_async, SOUP_METHOD_DELETE, "/api/v1/me",
                        CASCADE_CLIENT_BODY ("password", password), TRUE, NULL, NULL, cancellable,
                        callback, user_data);
}

gboolean
cascade_client_delete_account_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_delete_account_async,
                                            error);
}

/* ---- two-factor authentication -------------------------------------------- */

static const CascadeJsonMember enrolment_members[] = {
  { "secret", CASCADE_JSON_STRING, TRUE },
  { "otpauth_uri", CASCADE_JSON_STRING, TRUE },
};

static gpointer
parse_enrolment (JsonObject *root, GError **error)
{
  CascadeTotpEnrolment *enrolment;

  if (!cascade_json_check (root, enrolment_members, G_N_ELEMENTS (enrolment_members), error))
    return NULL;
  enrolment = g_new0 (CascadeTotpEnrolment, 1);
  enrolment->secret = g_strdup (json_object_get_string_member (root, "secret"));
  enrolment->otpauth_uri = g_strdup (json_object_get_string_member (root, "otpauth_uri"));
  cascade_json_wipe_string (root, "secret");
  cascade_json_wipe_string (root, "otpauth_uri");
  return enrolment;
}

/* Starts enrolment: a new secret, not in force until confirmed ("forbidden"
 * when two-factor authentication is on already). */
void
cascade_client_begin_totp_async (CascadeClient *self,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  _cascade_client_call (self, cascade_client_begin_totp_async, SOUP_METHOD_POST, "/api/v1/me/totp",
                        NULL, TRUE, parse_enrolment, (GDestroyNotify) cascade_totp_enrolment_free,
                        cancellable, callback, user_data);
}

CascadeTotpEnrolment *
cascade_client_begin_totp_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_begin_totp_async, error);
}

static const CascadeJsonMember recovery_members[] = {
  { "recovery_codes", CASCADE_JSON_ARRAY, TRUE },
};

static gpointer
parse_recovery_codes (JsonObject *root, GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *codes;

  if (!cascade_json_check (root, recovery_members, G_N_ELEMENTS (recovery_members), error))
    return NULL;
  codes = json_object_get_array_member (root, "recovery_codes");
  for (guint i = 0; i < json_array_get_length (codes); i++)
    {
      JsonNode *node = json_array_get_element (codes, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          g_propagate_error (error,
                             _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                                        "a recovery code is not a string"));
          return NULL;
        }
      g_strv_builder_add (builder, json_node_get_string (node));
    }
  return g_strv_builder_end (builder);
}

/* Turns two-factor authentication on with a current code of the
 * authenticator app ("invalid_otp"; "not_found" without an enrolment). */
void
cascade_client_confirm_totp_async (CascadeClient *self,
                                   const char *code,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (code != NULL && g_utf8_validate (code, -1, NULL));

  _cascade_client_call (self, cascade_client_confirm_totp_async, SOUP_METHOD_POST,
                        "/api/v1/me/totp/confirm", CASCADE_CLIENT_BODY ("code", code), TRUE,
                        parse_recovery_codes, (GDestroyNotify) g_strfreev, cancellable, callback,
                        user_data);
}

/* Returns: (transfer full): the single-use recovery codes, shown this once */
char **
cascade_client_confirm_totp_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_confirm_totp_async, error);
}

/* Turns two-factor authentication off ("wrong_password"). */
void
cascade_client_disable_totp_async (CascadeClient *self,
                                   const char *password,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (password != NULL && g_utf8_validate (password, -1, NULL));

  _cascade_client_call (self, cascade_client_disable_totp_async, SOUP_METHOD_DELETE,
                        "/api/v1/me/totp", CASCADE_CLIENT_BODY ("password", password), TRUE, NULL,
                        NULL, cancellable, callback, user_data);
}

gboolean
cascade_client_disable_totp_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_disable_totp_async, error);
}

/* ---- social sign-in ------------------------------------------------------- */

static const CascadeJsonMember provider_members[] = {
  { "id", CASCADE_JSON_STRING, TRUE },
  { "name", CASCADE_JSON_STRING, TRUE },
};

static gpointer
provider_new_from_json (JsonObject *object, GError **error)
{
  CascadeIdentityProvider *provider;

  if (!cascade_json_check (object, provider_members, G_N_ELEMENTS (provider_members), NULL))
    {
      g_propagate_error (error, _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL,
                                                           NULL, "a provider is not readable"));
      return NULL;
    }
  provider = g_new0 (CascadeIdentityProvider, 1);
  provider->id = g_strdup (json_object_get_string_member (object, "id"));
  provider->name = g_strdup (json_object_get_string_member (object, "name"));
  return provider;
}

static gpointer
parse_providers (JsonObject *root, GError **error)
{
  return _cascade_client_parse_items (root, provider_new_from_json,
                                      (GDestroyNotify) cascade_identity_provider_free, error);
}

/* The OpenID providers the server signs in with (GET /api/v1/auth/providers). */
void
cascade_client_list_providers_async (CascadeClient *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  _cascade_client_call (self, cascade_client_list_providers_async, SOUP_METHOD_GET,
                        "/api/v1/auth/providers", NULL, FALSE, parse_providers,
                        (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

/* Returns: (transfer full) (element-type CascadeIdentityProvider): the providers */
GPtrArray *
cascade_client_list_providers_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_list_providers_async,
                                            error);
}

static const CascadeJsonMember start_members[] = {
  { "authorization_url", CASCADE_JSON_STRING, TRUE },
};

static gpointer
parse_authorization_url (JsonObject *root, GError **error)
{
  if (!cascade_json_check (root, start_members, G_N_ELEMENTS (start_members), error))
    return NULL;
  return g_strdup (json_object_get_string_member (root, "authorization_url"));
}

/* Starts a social sign-in: the server answers the provider's authorization URL
 * for the browser (RFC 8252 loopback redirect, PKCE S256). */
void
cascade_client_start_oidc_async (CascadeClient *self,
                                 const char *provider,
                                 const char *redirect_uri,
                                 const char *code_challenge,
                                 const char *state,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (provider != NULL && redirect_uri != NULL);
  g_return_if_fail (code_challenge != NULL && state != NULL);

  path = _cascade_client_path ("/api/v1/auth/oidc/", provider, "/start");
  _cascade_client_call (self, cascade_client_start_oidc_async, SOUP_METHOD_POST, path,
                        CASCADE_CLIENT_BODY ("redirect_uri", redirect_uri, "code_challenge",
                                             code_challenge, "code_challenge_method", "S256",
                                             "state", state),
                        FALSE, parse_authorization_url, g_free, cancellable, callback, user_data);
}

/* Returns: (transfer full): the URL to open in the browser */
char *
cascade_client_start_oidc_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_start_oidc_async, error);
}

/**
 * cascade_client_oidc_token_async:
 * @otp: (nullable): a two-factor code, when the account has it on
 *
 * Trades the one-time code the loopback redirect brought for a sign-in, with
 * the PKCE verifier. "invalid_grant" for a code that is unknown, used or
 * expired, or a wrong verifier; "otp_required" like the password sign-in.
 */
void
cascade_client_oidc_token_async (CascadeClient *self,
                                 const char *code,
                                 const char *code_verifier,
                                 const char *otp,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (code != NULL && g_utf8_validate (code, -1, NULL));
  g_return_if_fail (code_verifier != NULL && g_utf8_validate (code_verifier, -1, NULL));
  g_return_if_fail (otp == NULL || g_utf8_validate (otp, -1, NULL));

  _cascade_client_call (
    self, cascade_client_oidc_token_async, SOUP_METHOD_POST, "/api/v1/auth/oidc/token",
    CASCADE_CLIENT_BODY ("code", code, "code_verifier", code_verifier, "otp", otp), FALSE,
    _cascade_client_parse_auth_tokens, (GDestroyNotify) cascade_auth_tokens_free, cancellable,
    callback, user_data);
}

CascadeAuthTokens *
cascade_client_oidc_token_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_oidc_token_async, error);
}
