/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "cascade-server-types.h"
#include "gateway/cascade-json-validate.h"
#include "gateway/cascade-rate-limit.h"
#include "gateway/cascade-request.h"
#include "gateway/cascade-response.h"
#include "store/cascade-store.h"

G_BEGIN_DECLS

typedef enum
{
  CASCADE_ROUTE_PUBLIC = 0,
  CASCADE_ROUTE_AUTHENTICATED = 1 << 0, /* needs a valid bearer access token */
  CASCADE_ROUTE_BODY_OPTIONAL = 1 << 1, /* an empty body counts as {} */
  CASCADE_ROUTE_RATE_LIMITED = 1 << 2,  /* counted against the client address's bucket */
  /* Role checks (with AUTHENTICATED), all made in one place: the gateway. */
  CASCADE_ROUTE_MODERATOR = 1 << 8, /* moderators and admins only */
  CASCADE_ROUTE_ADMIN = 1 << 9,     /* admins only */
} CascadeRouteFlags;

/* Runs on a worker thread. Fill @response, or return FALSE with @error set
 * (a CASCADE_SERVER_ERROR: the gateway turns it into the error shape). */
typedef gboolean (*CascadeRouteHandler) (CascadeRequest *request,
                                         CascadeResponse *response,
                                         gpointer user_data,
                                         GError **error);

/* One row of a context's routing table. @body is the table of expected
 * members of the JSON body, or %NULL for a route that takes no body. */
typedef struct
{
  const char *method;
  const char *path;
  CascadeRouteFlags flags;
  const CascadeJsonMember *body;
  CascadeRouteHandler handler;
} CascadeRoute;

/* Checks a bearer token on a worker thread and fills @principal. */
typedef gboolean (*CascadeAuthenticator) (const char *token,
                                          CascadePrincipal *principal,
                                          gpointer user_data,
                                          GError **error);

#define CASCADE_TYPE_GATEWAY (cascade_gateway_get_type ())

G_DECLARE_FINAL_TYPE (CascadeGateway, cascade_gateway, CASCADE, GATEWAY, GObject)

CascadeGateway *cascade_gateway_new (CascadeStore *store, guint64 max_body_bytes);
void cascade_gateway_add_routes (CascadeGateway *self,
                                 const CascadeRoute *routes,
                                 gsize n_routes,
                                 gpointer owner);
void cascade_gateway_set_authenticator (CascadeGateway *self,
                                        CascadeAuthenticator authenticator,
                                        gpointer owner);
void cascade_gateway_set_address_limit (CascadeGateway *self, CascadeRateLimit *limit);
gboolean cascade_gateway_set_trusted_proxies (CascadeGateway *self,
                                              const char *const *proxies,
                                              GError **error);
gboolean cascade_gateway_load_tls (CascadeGateway *self, GKeyFile *file, GError **error);
gboolean cascade_gateway_listen (CascadeGateway *self,
                                 GSocketAddress *address,
                                 guint backlog,
                                 GError **error);
char *cascade_gateway_dup_url (CascadeGateway *self);
gboolean cascade_gateway_authenticate (CascadeGateway *self,
                                       const char *authorization,
                                       CascadePrincipal *principal,
                                       GError **error);
SoupServer *cascade_gateway_get_soup_server (CascadeGateway *self);
void cascade_gateway_shutdown_async (CascadeGateway *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
cascade_gateway_shutdown_finish (CascadeGateway *self, GAsyncResult *result, GError **error);

G_END_DECLS
