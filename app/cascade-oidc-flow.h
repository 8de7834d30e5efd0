/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cascade-app-types.h"
#include "cascade-client.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_OIDC_FLOW (cascade_oidc_flow_get_type ())

G_DECLARE_FINAL_TYPE (CascadeOidcFlow, cascade_oidc_flow, CASCADE, OIDC_FLOW, GObject)

/* Shows @uri in the system browser (the UI supplies it: app/ opens no windows). */
typedef void (*CascadeOidcOpenUriFunc) (const char *uri, gpointer user_data);

/*
 * One social sign-in (RFC 8252: a loopback redirect, PKCE S256 on the app's
 * leg): listens on http://127.0.0.1:<random port>/oidc/callback, asks the
 * server for the provider's authorization URL, has it opened in the browser,
 * waits for the redirect (checking its state), answers the browser with a
 * "you can close this tab" page, and trades the one-time code for a sign-in.
 *
 * Errors: CASCADE_CLIENT_ERRORs of the server (code "invalid_grant",
 * "otp_required", ...); a provider's refusal that comes back through the
 * redirect is CASCADE_CLIENT_ERROR_UNAUTHORIZED with the redirect's error code
 * ("access_denied", "email_not_verified", "account_banned", ...);
 * G_IO_ERROR_TIMED_OUT when the browser never comes back; G_IO_ERROR_CANCELLED.
 */
CascadeOidcFlow *cascade_oidc_flow_new (CascadeClient *client,
                                        const char *provider,
                                        CascadeOidcOpenUriFunc open_uri,
                                        gpointer open_uri_data,
                                        GDestroyNotify open_uri_destroy);

const char *cascade_oidc_flow_get_provider (CascadeOidcFlow *self);
/* How long to wait for the browser (300 s unless set). */
void cascade_oidc_flow_set_timeout (CascadeOidcFlow *self, guint seconds);
/* The loopback redirect URI, once the flow listens (else NULL). */
const char *cascade_oidc_flow_get_redirect_uri (CascadeOidcFlow *self);

/* The first call runs the whole flow. When it ended with "otp_required", a
 * second call with @otp only repeats the exchange of the code. */
void cascade_oidc_flow_run_async (CascadeOidcFlow *self,
                                  const char *otp,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
CascadeAuthTokens *
cascade_oidc_flow_run_finish (CascadeOidcFlow *self, GAsyncResult *result, GError **error);

G_END_DECLS
