/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-routes.h"

#include <libsoup/soup.h>

/*
 * The HTTP face of the identity context: the routing table, and handlers
 * that turn requests into use cases and results into the JSON of the
 * contract (docs/api.md). Handlers run on worker threads.
 */

static const CascadeJsonMember register_body[] = {
  { "email", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "username", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "password", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "display_name", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember login_body[] = {
  { "login", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "password", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "otp", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember otp_body[] = {
  { "code", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember refresh_body[] = {
  { "refresh_token", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember logout_body[] = {
  { "refresh_token", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember reset_body[] = {
  { "email", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember reset_confirm_body[] = {
  { "token", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "password", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember verify_body[] = {
  { "token", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember password_body[] = {
  { "current_password", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "new_password", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember delete_account_body[] = {
  { "password", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember oidc_start_body[] = {
  { "redirect_uri", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "code_challenge", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "code_challenge_method", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "state", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember oidc_token_body[] = {
  { "code", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "code_verifier", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "otp", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember role_body[] = {
  { "role", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static void
add_user (JsonBuilder *builder, CascadeUser *user)
{
  g_autofree char *created_at = cascade_user_format_created_at (user);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, user->id);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, user->username);
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, user->display_name);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, user->email);
  json_builder_set_member_name (builder, "email_verified");
  json_builder_add_boolean_value (builder, user->email_verified);
  json_builder_set_member_name (builder, "totp_enabled");
  json_builder_add_boolean_value (builder, user->totp_enabled);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, user->role);
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_string_value (builder, created_at);
  json_builder_end_object (builder);
}

/* AuthResponse: {"user", "access_token", "token_type", "expires_in",
 * "refresh_token", "refresh_expires_in"}; FALSE (the use case failed) when
 * @result is NULL. */
static gboolean
respond_auth (CascadeResponse *response, guint status, CascadeAuthResult *result)
{
  g_autoptr (JsonBuilder) builder = NULL;

  if (result == NULL)
    return FALSE;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user");
  add_user (builder, result->user);
  json_builder_set_member_name (builder, "access_token");
  json_builder_add_string_value (builder, result->access_token);
  json_builder_set_member_name (builder, "token_type");
  json_builder_add_string_value (builder, "Bearer");
  json_builder_set_member_name (builder, "expires_in");
  json_builder_add_int_value (builder, result->expires_in);
  json_builder_set_member_name (builder, "refresh_token");
  json_builder_add_string_value (builder, result->refresh_token);
  json_builder_set_member_name (builder, "refresh_expires_in");
  json_builder_add_int_value (builder, result->refresh_expires_in);
  json_builder_end_object (builder);
  cascade_response_set_json (response, status, json_builder_get_root (builder));
  return TRUE;
}

/* The Retry-After of a 429, when there is one to give. */
static void
set_retry_after (CascadeResponse *response, guint retry_after)
{
  g_autofree char *value = NULL;

  if (retry_after == 0)
    return;
  value = g_strdup_printf ("%u", retry_after);
  cascade_response_set_header (response, "Retry-After", value);
}

/* A sign-in's answer: 200 with the session, or the error with its
 * Retry-After. */
static gboolean
respond_sign_in (CascadeResponse *response, CascadeAuthResult *result, guint retry_after)
{
  if (result == NULL)
    set_retry_after (response, retry_after);
  return respond_auth (response, SOUP_STATUS_OK, result);
}

/* A use case's answer without a body: @status when it was @done. */
static gboolean
respond_empty (CascadeResponse *response, gboolean done, guint status)
{
  if (!done)
    return FALSE;
  cascade_response_set_empty (response, status);
  return TRUE;
}

/* A use case that checks the password: 204, or the error with its
 * Retry-After (call the use case first: it sets @retry_after). */
static gboolean
respond_checked (CascadeResponse *response, gboolean done, guint retry_after)
{
  if (!done)
    set_retry_after (response, retry_after);
  return respond_empty (response, done, SOUP_STATUS_NO_CONTENT);
}

/* A use case's JSON answer: 200 with @node, FALSE when it is NULL. */
static gboolean
respond_node (CascadeResponse *response, JsonNode *node)
{
  if (node == NULL)
    return FALSE;
  cascade_response_set_json (response, SOUP_STATUS_OK, node);
  return TRUE;
}

/* A user's answer (200), FALSE when @user is NULL. */
static gboolean
respond_user (CascadeResponse *response, CascadeUser *user)
{
  g_autoptr (JsonBuilder) builder = NULL;

  if (user == NULL)
    return FALSE;
  builder = json_builder_new ();
  add_user (builder, user);
  return respond_node (response, json_builder_get_root (builder));
}

static CascadeClientInfo
client_of (CascadeRequest *request)
{
  CascadeClientInfo client = { cascade_request_get_user_agent (request),
                               cascade_request_get_client_address (request) };

  return client;
}

static gboolean
handle_register (CascadeRequest *request,
                 CascadeResponse *response,
                 gpointer user_data,
                 GError **error)
{
  g_autoptr (CascadeAuthResult) result = NULL;
  CascadeClientInfo client = client_of (request);

  result = cascade_identity_register (user_data, cascade_request_get_string (request, "email"),
                                      cascade_request_get_string (request, "username"),
                                      cascade_request_get_string (request, "password"),
                                      cascade_request_get_string (request, "display_name"), &client,
                                      error);
  return respond_auth (response, SOUP_STATUS_CREATED, result);
}

static gboolean
handle_login (CascadeRequest *request,
              CascadeResponse *response,
              gpointer user_data,
              GError **error)
{
  g_autoptr (CascadeAuthResult) result = NULL;
  CascadeClientInfo client = client_of (request);
  guint retry_after = 0;

  result = cascade_identity_login (user_data, cascade_request_get_string (request, "login"),
                                   cascade_request_get_string (request, "password"),
                                   cascade_request_get_string (request, "otp"), &client,
                                   &retry_after, error);
  return respond_sign_in (response, result, retry_after);
}

static gboolean
handle_refresh (CascadeRequest *request,
                CascadeResponse *response,
                gpointer user_data,
                GError **error)
{
  g_autoptr (CascadeAuthResult) result = NULL;

  result = cascade_identity_refresh (user_data,
                                     cascade_request_get_string (request, "refresh_token"), error);
  return respond_auth (response, SOUP_STATUS_OK, result);
}

static gboolean
handle_logout (CascadeRequest *request,
               CascadeResponse *response,
               gpointer user_data,
               GError **error)
{
  return respond_empty (
    response,
    cascade_identity_logout (user_data, cascade_request_get_principal (request),
                             cascade_request_get_string (request, "refresh_token"), error),
    SOUP_STATUS_NO_CONTENT);
}

static gboolean
handle_me (CascadeRequest *request, CascadeResponse *response, gpointer user_data, GError **error)
{
  g_autoptr (CascadeUser) user = NULL;

  user =
    cascade_identity_get_user (user_data, cascade_request_get_principal (request)->user_id, error);
  return respond_user (response, user);
}

static gboolean
handle_password_reset (CascadeRequest *request,
                       CascadeResponse *response,
                       gpointer user_data,
                       GError **error)
{
  return respond_empty (response,
                        cascade_identity_request_password_reset (
                          user_data, cascade_request_get_string (request, "email"), error),
                        SOUP_STATUS_ACCEPTED);
}

static gboolean
handle_password_reset_confirm (CascadeRequest *request,
                               CascadeResponse *response,
                               gpointer user_data,
                               GError **error)
{
  return respond_empty (response,
                        cascade_identity_confirm_password_reset (
                          user_data, cascade_request_get_string (request, "token"),
                          cascade_request_get_string (request, "password"), error),
                        SOUP_STATUS_NO_CONTENT);
}

static gboolean
handle_verify_email (CascadeRequest *request,
                     CascadeResponse *response,
                     gpointer user_data,
                     GError **error)
{
  return respond_empty (
    response,
    cascade_identity_verify_email (user_data, cascade_request_get_string (request, "token"), error),
    SOUP_STATUS_NO_CONTENT);
}

static gboolean
handle_resend_verification (CascadeRequest *request,
                            CascadeResponse *response,
                            gpointer user_data,
                            GError **error)
{
  return respond_empty (response,
                        cascade_identity_resend_verification (
                          user_data, cascade_request_get_principal (request)->user_id, error),
                        SOUP_STATUS_ACCEPTED);
}

static gboolean
handle_list_sessions (CascadeRequest *request,
                      CascadeResponse *response,
                      gpointer user_data,
                      GError **error)
{
  return respond_node (response, cascade_identity_list_sessions (
                                   user_data, cascade_request_get_principal (request), error));
}

static gboolean
handle_end_session (CascadeRequest *request,
                    CascadeResponse *response,
                    gpointer user_data,
                    GError **error)
{
  return respond_empty (
    response,
    cascade_identity_end_session (user_data, cascade_request_get_principal (request),
                                  cascade_request_get_path_segment (request, 4), error),
    SOUP_STATUS_NO_CONTENT);
}

static gboolean
handle_end_other_sessions (CascadeRequest *request,
                           CascadeResponse *response,
                           gpointer user_data,
                           GError **error)
{
  return respond_empty (
    response,
    cascade_identity_end_other_sessions (user_data, cascade_request_get_principal (request), error),
    SOUP_STATUS_NO_CONTENT);
}

static gboolean
handle_change_password (CascadeRequest *request,
                        CascadeResponse *response,
                        gpointer user_data,
                        GError **error)
{
  guint retry_after = 0;
  gboolean done = cascade_identity_change_password (
    user_data, cascade_request_get_principal (request),
    cascade_request_get_string (request, "current_password"),
    cascade_request_get_string (request, "new_password"), &retry_after, error);

  return respond_checked (response, done, retry_after);
}

static gboolean
handle_delete_account (CascadeRequest *request,
                       CascadeResponse *response,
                       gpointer user_data,
                       GError **error)
{
  guint retry_after = 0;
  gboolean done = cascade_identity_delete_account (
    user_data, cascade_request_get_principal (request),
    cascade_request_get_string (request, "password"), &retry_after, error);

  return respond_checked (response, done, retry_after);
}

static gboolean
handle_begin_totp (CascadeRequest *request,
                   CascadeResponse *response,
                   gpointer user_data,
                   GError **error)
{
  return respond_node (response, cascade_identity_begin_totp (
                                   user_data, cascade_request_get_principal (request), error));
}

static gboolean
handle_confirm_totp (CascadeRequest *request,
                     CascadeResponse *response,
                     gpointer user_data,
                     GError **error)
{
  return respond_node (
    response, cascade_identity_confirm_totp (user_data, cascade_request_get_principal (request),
                                             cascade_request_get_string (request, "code"), error));
}

static gboolean
handle_disable_totp (CascadeRequest *request,
                     CascadeResponse *response,
                     gpointer user_data,
                     GError **error)
{
  guint retry_after = 0;
  gboolean done = cascade_identity_disable_totp (user_data, cascade_request_get_principal (request),
                                                 cascade_request_get_string (request, "password"),
                                                 &retry_after, error);

  return respond_checked (response, done, retry_after);
}

/* /api/v1/admin/users/{username}/... */
static const char *
target_username (CascadeRequest *request)
{
  return cascade_request_get_path_segment (request, 4);
}

static gboolean
handle_admin_get_user (CascadeRequest *request,
                       CascadeResponse *response,
                       gpointer user_data,
                       GError **error)
{
  g_autoptr (CascadeUser) user =
    cascade_identity_find_user (user_data, target_username (request), error);

  return respond_user (response, user);
}

static gboolean
handle_admin_set_role (CascadeRequest *request,
                       CascadeResponse *response,
                       gpointer user_data,
                       GError **error)
{
  g_autoptr (CascadeUser) user = cascade_identity_set_role (
    user_data, cascade_request_get_principal (request), target_username (request),
    cascade_request_get_string (request, "role"), error);

  return respond_user (response, user);
}

static gboolean
handle_admin_ban (CascadeRequest *request,
                  CascadeResponse *response,
                  gpointer user_data,
                  GError **error)
{
  gboolean ban = g_strcmp0 (cascade_request_get_method (request), "DELETE") != 0;

  return respond_empty (response,
                        cascade_identity_set_banned (user_data,
                                                     cascade_request_get_principal (request),
                                                     target_username (request), ban, error),
                        SOUP_STATUS_NO_CONTENT);
}

static gboolean
handle_providers (CascadeRequest *request,
                  CascadeResponse *response,
                  gpointer user_data,
                  GError **error)
{
  return respond_node (response, cascade_identity_list_providers (user_data));
}

/* /api/v1/auth/oidc/{provider}/start */
static gboolean
handle_oidc_start (CascadeRequest *request,
                   CascadeResponse *response,
                   gpointer user_data,
                   GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autofree char *url =
    cascade_identity_oidc_start (user_data, cascade_request_get_path_segment (request, 4),
                                 cascade_request_get_string (request, "redirect_uri"),
                                 cascade_request_get_string (request, "code_challenge"),
                                 cascade_request_get_string (request, "code_challenge_method"),
                                 cascade_request_get_string (request, "state"), error);

  if (url == NULL)
    return FALSE;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "authorization_url");
  json_builder_add_string_value (builder, url);
  json_builder_end_object (builder);
  cascade_response_set_json (response, SOUP_STATUS_OK, json_builder_get_root (builder));
  return TRUE;
}

/* The browser, back from the provider: on to the app's loopback redirect. */
static gboolean
handle_oidc_callback (CascadeRequest *request,
                      CascadeResponse *response,
                      gpointer user_data,
                      GError **error)
{
  g_autofree char *location =
    cascade_identity_oidc_callback (user_data, cascade_request_get_query_param (request, "state"),
                                    cascade_request_get_query_param (request, "code"),
                                    cascade_request_get_query_param (request, "error"), error);

  if (location == NULL)
    return FALSE;
  cascade_response_set_empty (response, SOUP_STATUS_FOUND);
  cascade_response_set_header (response, "Location", location);
  return TRUE;
}

static gboolean
handle_oidc_token (CascadeRequest *request,
                   CascadeResponse *response,
                   gpointer user_data,
                   GError **error)
{
  g_autoptr (CascadeAuthResult) result = NULL;
  CascadeClientInfo client = client_of (request);
  guint retry_after = 0;

  result = cascade_identity_oidc_token (user_data, cascade_request_get_string (request, "code"),
                                        cascade_request_get_string (request, "code_verifier"),
                                        cascade_request_get_string (request, "otp"), &client,
                                        &retry_after, error);
  return respond_sign_in (response, result, retry_after);
}

static void
add_jwk (JsonBuilder *builder, CascadeSigningKey *key)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "kty");
  json_builder_add_string_value (builder, "OKP");
  json_builder_set_member_name (builder, "crv");
  json_builder_add_string_value (builder, "Ed25519");
  json_builder_set_member_name (builder, "alg");
  json_builder_add_string_value (builder, "EdDSA");
  json_builder_set_member_name (builder, "use");
  json_builder_add_string_value (builder, "sig");
  json_builder_set_member_name (builder, "kid");
  json_builder_add_string_value (builder, cascade_signing_key_get_kid (key));
  json_builder_set_member_name (builder, "x");
  json_builder_add_string_value (builder, cascade_signing_key_get_x (key));
  json_builder_end_object (builder);
}

/* The current key first, then the retired ones that still verify. */
static gboolean
handle_jwks (CascadeRequest *request, CascadeResponse *response, gpointer user_data, GError **error)
{
  GPtrArray *retired = cascade_identity_get_retired_keys (user_data);
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "keys");
  json_builder_begin_array (builder);
  add_jwk (builder, cascade_identity_get_signing_key (user_data));
  for (guint i = 0; i < retired->len; i++)
    add_jwk (builder, g_ptr_array_index (retired, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  cascade_response_set_json (response, SOUP_STATUS_OK, json_builder_get_root (builder));
  return TRUE;
}

static const CascadeRoute identity_routes[] = {
  { "POST", "/api/v1/auth/register", CASCADE_ROUTE_RATE_LIMITED, register_body, handle_register },
  { "POST", "/api/v1/auth/login", CASCADE_ROUTE_RATE_LIMITED, login_body, handle_login },
  { "POST", "/api/v1/auth/refresh", CASCADE_ROUTE_PUBLIC, refresh_body, handle_refresh },
  { "POST", "/api/v1/auth/logout", CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_BODY_OPTIONAL,
    logout_body, handle_logout },
  { "GET", "/api/v1/me", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_me },
  { "DELETE", "/api/v1/me", CASCADE_ROUTE_AUTHENTICATED, delete_account_body,
    handle_delete_account },
  { "GET", "/api/v1/me/sessions", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_list_sessions },
  { "DELETE", "/api/v1/me/sessions", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_end_other_sessions },
  { "DELETE", "/api/v1/me/sessions/{id}", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_end_session },
  { "PUT", "/api/v1/me/password", CASCADE_ROUTE_AUTHENTICATED, password_body,
    handle_change_password },
  { "POST", "/api/v1/me/totp", CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_BODY_OPTIONAL, NULL,
    handle_begin_totp },
  { "POST", "/api/v1/me/totp/confirm", CASCADE_ROUTE_AUTHENTICATED, otp_body, handle_confirm_totp },
  { "DELETE", "/api/v1/me/totp", CASCADE_ROUTE_AUTHENTICATED, delete_account_body,
    handle_disable_totp },
  { "POST", "/api/v1/auth/password-reset", CASCADE_ROUTE_RATE_LIMITED, reset_body,
    handle_password_reset },
  { "POST", "/api/v1/auth/password-reset/confirm", CASCADE_ROUTE_RATE_LIMITED, reset_confirm_body,
    handle_password_reset_confirm },
  { "POST", "/api/v1/auth/verify-email", CASCADE_ROUTE_RATE_LIMITED, verify_body,
    handle_verify_email },
  { "POST", "/api/v1/me/verify-email", CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_BODY_OPTIONAL,
    NULL, handle_resend_verification },
  { "GET", "/.well-known/jwks.json", CASCADE_ROUTE_PUBLIC, NULL, handle_jwks },
  { "GET", "/api/v1/auth/providers", CASCADE_ROUTE_PUBLIC, NULL, handle_providers },
  { "POST", "/api/v1/auth/oidc/{provider}/start", CASCADE_ROUTE_RATE_LIMITED, oidc_start_body,
    handle_oidc_start },
  { "GET", "/api/v1/auth/oidc/callback", CASCADE_ROUTE_PUBLIC, NULL, handle_oidc_callback },
  { "POST", "/api/v1/auth/oidc/token", CASCADE_ROUTE_RATE_LIMITED, oidc_token_body,
    handle_oidc_token },
  { "GET", "/api/v1/admin/users/{username}", CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_MODERATOR,
    NULL, handle_admin_get_user },
  { "PUT", "/api/v1/admin/users/{username}/role", CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_ADMIN,
    role_body, handle_admin_set_role },
  { "PUT", "/api/v1/admin/users/{username}/ban",
    CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_MODERATOR | CASCADE_ROUTE_BODY_OPTIONAL, NULL,
    handle_admin_ban },
  { "DELETE", "/api/v1/admin/users/{username}/ban",
    CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_MODERATOR, NULL, handle_admin_ban },
};

static gboolean
authenticate (const char *token, CascadePrincipal *principal, gpointer user_data, GError **error)
{
  return cascade_identity_authenticate (user_data, token, principal, error);
}

/* Adds the identity routes to @gateway, makes @identity the one that checks
 * bearer tokens, and gives the gateway the per-address buckets of the
 * credential routes (from the identity's limits: set those first). */
void
cascade_identity_routes_install (CascadeGateway *gateway, CascadeIdentity *identity)
{
  g_return_if_fail (CASCADE_IS_GATEWAY (gateway));
  g_return_if_fail (CASCADE_IS_IDENTITY (identity));

  const CascadeIdentityLimits *limits = cascade_identity_get_limits (identity);
  g_autoptr (CascadeRateLimit) address_limit = NULL;

  address_limit = cascade_rate_limit_new (limits->address_burst, limits->address_per_minute);
  cascade_gateway_set_address_limit (gateway, address_limit);
  cascade_gateway_add_routes (gateway, identity_routes, G_N_ELEMENTS (identity_routes), identity);
  cascade_gateway_set_authenticator (gateway, authenticate, identity);
}
