/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CascadeClient CascadeClient;
typedef struct _CascadeSession CascadeSession;
typedef struct _CascadeUser CascadeUser;
typedef struct _CascadeSecretStore CascadeSecretStore;

#define CASCADE_CLIENT_ERROR (cascade_client_error_quark ())

typedef enum
{
  CASCADE_CLIENT_ERROR_NETWORK,  /* could not reach the server (message says why) */
  CASCADE_CLIENT_ERROR_PROTOCOL, /* the server answered something we cannot read */
  CASCADE_CLIENT_ERROR_INVALID, /* 400 (malformed_json, missing_field, invalid_*): field may be set */
  CASCADE_CLIENT_ERROR_UNAUTHORIZED, /* 401 */
  CASCADE_CLIENT_ERROR_FORBIDDEN,    /* 403 */
  CASCADE_CLIENT_ERROR_NOT_FOUND,    /* 404 */
  CASCADE_CLIENT_ERROR_CONFLICT,     /* 409: field may be set */
  CASCADE_CLIENT_ERROR_TOO_LARGE,    /* 413 */
  CASCADE_CLIENT_ERROR_RATE_LIMITED, /* 429 */
  CASCADE_CLIENT_ERROR_SERVER,       /* 5xx */
  CASCADE_CLIENT_ERROR_NO_SECRETS,   /* no Secret Service: the session lives in memory only */
} CascadeClientError;

GQuark cascade_client_error_quark (void);

/* Extended error (G_DEFINE_EXTENDED_ERROR): the server's snake_case code and the
 * request member it names. Both are NULL for errors that did not come from the
 * server's error shape. */
const char *cascade_client_error_get_code (const GError *error);
const char *cascade_client_error_get_field (const GError *error);

typedef enum
{
  CASCADE_SESSION_STATE_RESTORING, /* looking in the keyring, refreshing */
  CASCADE_SESSION_STATE_SIGNED_OUT,
  CASCADE_SESSION_STATE_SIGNED_IN,
} CascadeSessionState;

GType cascade_session_state_get_type (void) G_GNUC_CONST;
#define CASCADE_TYPE_SESSION_STATE (cascade_session_state_get_type ())

G_END_DECLS
