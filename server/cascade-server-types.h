/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CascadeServer CascadeServer;
typedef struct _CascadeServerConfig CascadeServerConfig;
typedef struct _CascadeStore CascadeStore;
typedef struct _CascadeStoreTx CascadeStoreTx;
typedef struct _CascadeGateway CascadeGateway;
typedef struct _CascadeRequest CascadeRequest;
typedef struct _CascadeResponse CascadeResponse;
typedef struct _CascadePrincipal CascadePrincipal;
typedef struct _CascadeIdentity CascadeIdentity;
typedef struct _CascadeSigningKey CascadeSigningKey;
typedef struct _CascadeUser CascadeUser;
typedef struct _CascadeAuthResult CascadeAuthResult;

#define CASCADE_SERVER_ERROR (cascade_server_error_quark ())

/* Every error the server can report. The gateway maps each one to an HTTP
 * status and a stable snake_case code (gateway/cascade-response.c). */
typedef enum
{
  CASCADE_SERVER_ERROR_FAILED,
  CASCADE_SERVER_ERROR_CONFIG,
  CASCADE_SERVER_ERROR_DATABASE,
  CASCADE_SERVER_ERROR_UNAVAILABLE,
  CASCADE_SERVER_ERROR_MALFORMED_JSON,
  CASCADE_SERVER_ERROR_MISSING_FIELD,
  CASCADE_SERVER_ERROR_INVALID_TYPE,
  CASCADE_SERVER_ERROR_INVALID_EMAIL,
  CASCADE_SERVER_ERROR_INVALID_USERNAME,
  CASCADE_SERVER_ERROR_INVALID_PASSWORD,
  CASCADE_SERVER_ERROR_INVALID_DISPLAY_NAME,
  CASCADE_SERVER_ERROR_UNAUTHORIZED,
  CASCADE_SERVER_ERROR_INVALID_TOKEN,
  CASCADE_SERVER_ERROR_TOKEN_EXPIRED,
  CASCADE_SERVER_ERROR_INVALID_CREDENTIALS,
  CASCADE_SERVER_ERROR_INVALID_REFRESH_TOKEN,
  CASCADE_SERVER_ERROR_REFRESH_TOKEN_REUSED,
  CASCADE_SERVER_ERROR_NOT_FOUND,
  CASCADE_SERVER_ERROR_METHOD_NOT_ALLOWED,
  CASCADE_SERVER_ERROR_EMAIL_TAKEN,
  CASCADE_SERVER_ERROR_USERNAME_TAKEN,
  CASCADE_SERVER_ERROR_PAYLOAD_TOO_LARGE,
  CASCADE_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE,
  CASCADE_SERVER_ERROR_RATE_LIMITED,
  CASCADE_SERVER_ERROR_ACCOUNT_LOCKED,
  CASCADE_SERVER_ERROR_INVALID_EMAIL_TOKEN,
  CASCADE_SERVER_ERROR_FORBIDDEN,
  CASCADE_SERVER_ERROR_ACCOUNT_BANNED,
  CASCADE_SERVER_ERROR_INVALID_ROLE,
  CASCADE_SERVER_ERROR_WRONG_PASSWORD,
  CASCADE_SERVER_ERROR_OTP_REQUIRED,
  CASCADE_SERVER_ERROR_INVALID_OTP,
  CASCADE_SERVER_ERROR_INVALID_TITLE,
  CASCADE_SERVER_ERROR_INVALID_CATEGORY,
  CASCADE_SERVER_ERROR_INVALID_RENDITIONS,
  CASCADE_SERVER_ERROR_ALREADY_LIVE,
  CASCADE_SERVER_ERROR_NOT_OWNER,
  CASCADE_SERVER_ERROR_STREAM_ENDED,
  CASCADE_SERVER_ERROR_INVALID_VALUE,
  CASCADE_SERVER_ERROR_INVALID_TERMS,
  CASCADE_SERVER_ERROR_INVALID_EMOTE_CODE,
  CASCADE_SERVER_ERROR_INVALID_IMAGE,
  CASCADE_SERVER_ERROR_TOO_MANY_EMOTES,
  CASCADE_SERVER_ERROR_INVALID_FOLLOW,
  /* social login (identity/cascade-identity-oidc.c) */
  CASCADE_SERVER_ERROR_INVALID_REDIRECT_URI,
  CASCADE_SERVER_ERROR_INVALID_CODE_CHALLENGE,
  CASCADE_SERVER_ERROR_INVALID_STATE,
  CASCADE_SERVER_ERROR_INVALID_GRANT,
  CASCADE_SERVER_ERROR_PROVIDER_UNAVAILABLE,
  CASCADE_SERVER_ERROR_PROVIDER_ERROR,
  CASCADE_SERVER_ERROR_INVALID_ID_TOKEN,
} CascadeServerError;

GQuark cascade_server_error_quark (void);

/* Who made an authenticated request: the claims of a verified access token
 * whose session is still open. */
struct _CascadePrincipal
{
  char *user_id;
  char *session_id;
  char *role;
};

void cascade_principal_clear (CascadePrincipal *principal);

/* The chat name colours (NULL-terminated, "#rrggbb" lower case): the chat
 * context picks one from a username, the profile context lets a user choose. */
const char *const *cascade_server_chat_palette (void);

G_END_DECLS
