/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-gateway.h"

#include <gio/gnetworking.h>
#include <libsoup/soup.h>
#include <sodium.h>

/*
 * CascadeGateway: the HTTP front of cascaded, and its one demux point.
 *
 * On the main loop it only looks at headers: it routes (404, 405), enforces
 * the body-size limit while the body arrives (413; a Content-Length over the
 * limit is refused from the headers, and its body drained, never stored),
 * then pauses the message and hands a copy of the request to a worker
 * thread. There, in this order, come authentication (one place for every
 * route), the Content-Type check, the JSON validation (one function driven
 * by the route's member table) and the route's handler. The answer comes back to the main loop, which writes
 * it and unpauses the message. Every request ends with one log line.
 */

#define STATE_KEY "cascade-gateway-state"

typedef struct
{
  const CascadeRoute *route;
  GObject *owner;
} RouteEntry;

struct _CascadeGateway
{
  GObject parent_instance;

  SoupServer *server;
  CascadeStore *store;
  guint64 max_body_bytes;
  GArray *routes; /* RouteEntry */
  CascadeAuthenticator authenticator;
  GObject *authenticator_owner;
  CascadeRateLimit *address_limit; /* for CASCADE_ROUTE_RATE_LIMITED routes */
  gboolean https;                  /* a TLS certificate is set: HTTPS and WSS only */
  GPtrArray *trusted_proxies;      /* GInetAddressMask: peers whose X-Forwarded-For counts */

  guint in_flight;
  gboolean shutting_down;
  GTask *shutdown_task;
};

G_DEFINE_FINAL_TYPE (CascadeGateway, cascade_gateway, G_TYPE_OBJECT)

/* What the gateway keeps about one message, attached to it. */
typedef struct
{
  gint64 started_us;
  guint64 max_body_bytes;
  guint64 bytes_in;
  GByteArray *body;
  gboolean too_large;
  gboolean disconnected;
  gboolean logged;
  gboolean dispatched; /* handed to a worker: counts as in flight */
  gboolean worker_done;
  gboolean io_done;
  char *remote; /* read while the client is surely connected (see ensure_state) */
  char *client; /* the client's address, once the headers are read (see client_address) */
} RequestState;

typedef struct
{
  SoupServerMessage *msg;
  CascadeRequest *request;
  RouteEntry entry;
} RouteCall;

static void
request_state_free (gpointer data)
{
  RequestState *state = data;

  if (state->body != NULL)
    {
      sodium_memzero (state->body->data, state->body->len);
      g_byte_array_unref (state->body);
    }
  g_free (state->remote);
  g_free (state->client);
  g_free (state);
}

static RequestState *
request_state_get (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), STATE_KEY);
}

static void
route_call_free (gpointer data)
{
  RouteCall *call = data;

  g_clear_object (&call->msg);
  g_clear_pointer (&call->request, cascade_request_free);
  g_clear_object (&call->entry.owner);
  g_free (call);
}

static void
route_entry_clear (gpointer data)
{
  RouteEntry *entry = data;

  g_clear_object (&entry->owner);
}

static void
write_response (SoupServerMessage *msg, CascadeResponse *response)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *const *extra = cascade_response_get_headers (response);
  JsonNode *body = cascade_response_get_body (response);
  const char *bytes_type = NULL;
  GBytes *bytes = cascade_response_get_bytes (response, &bytes_type);

  soup_server_message_set_status (msg, cascade_response_get_status (response), NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  for (guint i = 0; extra[i] != NULL; i += 2)
    soup_message_headers_replace (headers, extra[i], extra[i + 1]);
  if (body != NULL)
    {
      gsize length;
      char *text = json_to_string (body, FALSE);

      length = strlen (text);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, length);
    }
  else if (bytes != NULL)
    {
      soup_message_headers_set_content_type (headers, bytes_type, NULL);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
    }
}

static void
respond_error (SoupServerMessage *msg, CascadeServerError code, const char *message)
{
  g_autoptr (CascadeResponse) response = cascade_response_new ();
  g_autoptr (GError) error = g_error_new_literal (CASCADE_SERVER_ERROR, code, message);

  cascade_response_set_error (response, error, NULL);
  write_response (msg, response);
}

static void
respond_too_large (CascadeGateway *self, SoupServerMessage *msg)
{
  g_autofree char *message = g_strdup_printf (
    "The request body is larger than %" G_GUINT64_FORMAT " bytes.", self->max_body_bytes);

  respond_error (msg, CASCADE_SERVER_ERROR_PAYLOAD_TOO_LARGE, message);
}

static void
maybe_finish_shutdown (CascadeGateway *self)
{
  if (!self->shutting_down || self->in_flight > 0 || self->shutdown_task == NULL)
    return;
  soup_server_disconnect (self->server);
  g_task_return_boolean (g_steal_pointer (&self->shutdown_task), TRUE);
}

/* A dispatched request stops counting as in flight once its worker is done
 * and its response is written (or its client is gone). */
static void
release_if_done (CascadeGateway *self, RequestState *state)
{
  if (!state->dispatched || !state->worker_done || !state->io_done)
    return;
  state->dispatched = FALSE;
  g_assert (self->in_flight > 0);
  self->in_flight--;
  maybe_finish_shutdown (self);
}

static void
log_request (SoupServerMessage *msg, RequestState *state, gboolean aborted)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *response = soup_server_message_get_response_body (msg);
  g_autofree char *safe_method = NULL;
  g_autofree char *safe_path = NULL;
  double duration_ms;

  if (state == NULL || state->logged)
    return;
  state->logged = TRUE;

  /* Only the path, never the query; escaped so that nothing a client sends
   * can forge a log line. */
  safe_method = g_uri_escape_string (method != NULL ? method : "-", NULL, FALSE);
  safe_path = g_uri_escape_string (uri != NULL ? g_uri_get_path (uri) : "-",
                                   G_URI_RESERVED_CHARS_ALLOWED_IN_PATH, FALSE);
  duration_ms = (g_get_monotonic_time () - state->started_us) / 1000.0;

  g_message ("request method=%s path=%s status=%u duration_ms=%.1f bytes_in=%" G_GUINT64_FORMAT
             " bytes_out=%" G_GINT64_FORMAT " remote=%s%s",
             safe_method, safe_path, soup_server_message_get_status (msg), duration_ms,
             state->bytes_in, response != NULL ? (gint64) response->length : (gint64) 0,
             state->client != NULL   ? state->client
             : state->remote != NULL ? state->remote
                                     : "-",
             aborted ? " aborted=true" : "");
}

static void
on_disconnected (SoupServerMessage *msg, gpointer user_data)
{
  RequestState *state = request_state_get (msg);

  if (state != NULL)
    state->disconnected = TRUE;
}

static gboolean
is_trusted_proxy (CascadeGateway *self, const char *host)
{
  g_autoptr (GInetAddress) address = NULL;

  if (self->trusted_proxies == NULL || host == NULL)
    return FALSE;
  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return FALSE;
  for (guint i = 0; i < self->trusted_proxies->len; i++)
    if (g_inet_address_mask_matches (g_ptr_array_index (self->trusted_proxies, i), address))
      return TRUE;
  return FALSE;
}

/* The client's address: the peer's, or, when the peer is a trusted proxy,
 * the last address of X-Forwarded-For that is not one (each proxy appends
 * the address it got the request from; anything left of a hop we do not
 * trust may be made up by the client). */
static char *
dup_client_address (CascadeGateway *self, SoupServerMessage *msg, const char *peer)
{
  const char *forwarded;
  g_auto (GStrv) hops = NULL;
  char *client = g_strdup (peer);

  if (!is_trusted_proxy (self, peer))
    return client;
  forwarded = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                             "X-Forwarded-For");
  if (forwarded == NULL || strlen (forwarded) > 4096)
    return client;
  hops = g_strsplit (forwarded, ",", 64);
  for (int i = (int) g_strv_length (hops) - 1; i >= 0; i--)
    {
      g_autoptr (GInetAddress) address = g_inet_address_new_from_string (g_strstrip (hops[i]));

      if (address == NULL)
        break; /* not an address: trust nothing further left */
      g_free (client);
      client = g_inet_address_to_string (address);
      if (!is_trusted_proxy (self, client))
        break;
    }
  return client;
}

static RequestState *ensure_state (CascadeGateway *self, SoupServerMessage *msg);

/* Once the headers are in: the peer, or the client behind a trusted proxy. */
static const char *
client_address (CascadeGateway *self, SoupServerMessage *msg)
{
  RequestState *state = ensure_state (self, msg);

  if (state->client == NULL)
    state->client = dup_client_address (self, msg, state->remote);
  return state->client;
}

/**
 * cascade_gateway_set_trusted_proxies:
 * @proxies: (nullable): addresses or CIDR ranges ("10.0.0.0/8") of reverse
 *   proxies whose X-Forwarded-For header is believed
 *
 * Returns: %FALSE with a CONFIG error for an entry that is neither
 */
gboolean
cascade_gateway_set_trusted_proxies (CascadeGateway *self,
                                     const char *const *proxies,
                                     GError **error)
{
  g_autoptr (GPtrArray) masks = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (CASCADE_IS_GATEWAY (self), FALSE);

  for (guint i = 0; proxies != NULL && proxies[i] != NULL; i++)
    {
      GInetAddressMask *mask = g_inet_address_mask_new_from_string (proxies[i], NULL);

      if (mask == NULL)
        {
          g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                       "trusted-proxies: “%s” is not an IP address or ADDRESS/BITS", proxies[i]);
          return FALSE;
        }
      g_ptr_array_add (masks, mask);
    }
  g_clear_pointer (&self->trusted_proxies, g_ptr_array_unref);
  if (masks->len > 0)
    self->trusted_proxies = g_steal_pointer (&masks);
  return TRUE;
}

static RequestState *
ensure_state (CascadeGateway *self, SoupServerMessage *msg)
{
  RequestState *state = request_state_get (msg);

  if (state != NULL)
    return state;
  state = g_new0 (RequestState, 1);
  state->started_us = g_get_monotonic_time ();
  /* libsoup reads the remote address once per connection and warns when the
   * client has gone by then (an aborted request, a WebSocket upgrade the
   * client gave up on): reading it now, at the start, caches it. */
  state->remote = g_strdup (soup_server_message_get_remote_host (msg));
  state->max_body_bytes = self->max_body_bytes;
  g_object_set_data_full (G_OBJECT (msg), STATE_KEY, state, request_state_free);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_disconnected), NULL);
  return state;
}

static void
on_request_started (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  ensure_state (user_data, msg);
}

static void
on_request_ended (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  CascadeGateway *self = user_data;
  RequestState *state = request_state_get (msg);

  log_request (msg, state, soup_server_message_get_status (msg) == 0);
  if (state != NULL)
    {
      state->io_done = TRUE;
      release_if_done (self, state);
    }
}

static void
on_request_aborted (SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
  CascadeGateway *self = user_data;
  RequestState *state = request_state_get (msg);

  log_request (msg, state, TRUE);
  if (state != NULL)
    {
      state->io_done = TRUE;
      release_if_done (self, state);
    }
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  RequestState *state = request_state_get (msg);
  gsize size = g_bytes_get_size (chunk);

  if (state == NULL)
    return;
  state->bytes_in += size;
  if (state->too_large)
    return;
  if (state->bytes_in > state->max_body_bytes)
    {
      state->too_large = TRUE;
      if (state->body != NULL)
        sodium_memzero (state->body->data, state->body->len);
      g_clear_pointer (&state->body, g_byte_array_unref);
      return;
    }
  if (state->body == NULL)
    state->body = g_byte_array_new ();
  g_byte_array_append (state->body, g_bytes_get_data (chunk, NULL), size);
}

/* After the headers, before the body: the body is collected here (up to the
 * limit) rather than by libsoup, and a declared length over the limit is
 * answered at once. */
static void
on_early_request (SoupServer *server,
                  SoupServerMessage *msg,
                  const char *path,
                  GHashTable *query,
                  gpointer user_data)
{
  CascadeGateway *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  RequestState *state = ensure_state (self, msg);

  gboolean has_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH;

  if (has_length && soup_message_headers_get_content_length (headers) < 0)
    {
      /* libsoup 3.2 would go on to read a body of negative length (and
       * warn): no answer can be framed for such a request, so the
       * connection is dropped here. */
      g_autoptr (GIOStream) stream = NULL;

      log_request (msg, state, TRUE);
      stream = soup_server_message_steal_connection (msg);
      if (stream != NULL)
        g_io_stream_close (stream, NULL, NULL);
      return;
    }

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), NULL);

  if (has_length &&
      (guint64) soup_message_headers_get_content_length (headers) > self->max_body_bytes)
    {
      state->too_large = TRUE;
      respond_too_large (self, msg);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                    "close");
    }
}

/* A route's path matches segment by segment; a segment written "{name}"
 * matches any one non-empty segment (handlers read it with
 * cascade_request_get_path_segment()). */
static gboolean
path_matches (const char *route_path, const char *path)
{
  g_auto (GStrv) want = g_strsplit (route_path, "/", -1);
  g_auto (GStrv) have = g_strsplit (path, "/", -1);

  if (g_strv_length (want) != g_strv_length (have))
    return FALSE;
  for (guint i = 0; want[i] != NULL; i++)
    {
      if (want[i][0] == '{' && g_str_has_suffix (want[i], "}"))
        {
          if (have[i][0] == '\0')
            return FALSE;
        }
      else if (strcmp (want[i], have[i]) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
method_matches (const char *route_method, const char *method)
{
  return g_strcmp0 (route_method, method) == 0 ||
         (g_strcmp0 (method, "HEAD") == 0 && g_strcmp0 (route_method, "GET") == 0);
}

/* Finds the route for @method on @path; if the path exists with other
 * methods only, @allow gets them for the Allow header. */
static const RouteEntry *
find_route (CascadeGateway *self, const char *method, const char *path, GString *allow)
{
  for (guint i = 0; i < self->routes->len; i++)
    {
      const RouteEntry *entry = &g_array_index (self->routes, RouteEntry, i);

      if (!path_matches (entry->route->path, path))
        continue;
      if (method_matches (entry->route->method, method))
        return entry;
      g_string_append_printf (allow, "%s%s", allow->len > 0 ? ", " : "", entry->route->method);
      if (g_strcmp0 (entry->route->method, "GET") == 0)
        g_string_append (allow, ", HEAD");
    }
  return NULL;
}

/* "Bearer <token>": the token, or %NULL with %CASCADE_SERVER_ERROR_UNAUTHORIZED. */
static const char *
bearer_token (const char *authorization, GError **error)
{
  const char *token;

  if (authorization == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAUTHORIZED,
                           "Sign in first: this needs an “Authorization: Bearer” access token.");
      return NULL;
    }
  if (g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAUTHORIZED,
                           "The Authorization header must be “Bearer” and an access token.");
      return NULL;
    }
  token = authorization + 7;
  while (*token == ' ')
    token++;
  if (*token == '\0' || strpbrk (token, " \t") != NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAUTHORIZED,
                           "The Authorization header must be “Bearer” and an access token.");
      return NULL;
    }
  return token;
}

/* Checks an Authorization header value with the installed authenticator.
 * Blocking: call it from a worker thread (the realtime hub does, for the
 * WebSocket upgrade). */
gboolean
cascade_gateway_authenticate (CascadeGateway *self,
                              const char *authorization,
                              CascadePrincipal *principal,
                              GError **error)
{
  const char *token = bearer_token (authorization, error);

  g_return_val_if_fail (CASCADE_IS_GATEWAY (self), FALSE);

  if (token == NULL)
    return FALSE;
  if (self->authenticator == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "No authenticator is installed");
      return FALSE;
    }
  return self->authenticator (token, principal, self->authenticator_owner, error);
}

/* The SoupServer, for the realtime hub to add its WebSocket handler. */
SoupServer *
cascade_gateway_get_soup_server (CascadeGateway *self)
{
  g_return_val_if_fail (CASCADE_IS_GATEWAY (self), NULL);

  return self->server;
}

static gboolean
authenticate (CascadeGateway *self, CascadeRequest *request, GError **error)
{
  const char *token = bearer_token (cascade_request_get_authorization (request), error);

  if (token == NULL)
    return FALSE;
  if (self->authenticator == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "No authenticator is installed");
      return FALSE;
    }
  return self->authenticator (token, cascade_request_get_principal (request),
                              self->authenticator_owner, error);
}

static gboolean
parse_body (const CascadeRoute *route, CascadeRequest *request, const char **field, GError **error)
{
  JsonNode *json;
  const guint8 *data;
  gsize length;

  data = cascade_request_get_body_data (request, &length);
  if (length == 0 && (route->flags & CASCADE_ROUTE_BODY_OPTIONAL) != 0)
    {
      json = json_node_init_object (json_node_alloc (), json_object_new ());
      cascade_request_take_json (request, json);
      return TRUE;
    }
  if (length > 0 && !cascade_request_has_json_content_type (request))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE,
                           "The request body must be sent as “Content-Type: application/json”.");
      return FALSE;
    }
  json = cascade_json_validate ((const char *) data, length, route->body, field, error);
  if (json == NULL)
    return FALSE;
  cascade_request_take_json (request, json);
  return TRUE;
}

/* The one place where roles are checked: a route flagged ADMIN takes an
 * admin, one flagged MODERATOR a moderator or an admin. The role is the
 * account's current one (the authenticator reads it), not a token's claim. */
static gboolean
check_role (const CascadeRoute *route, const CascadePrincipal *principal, GError **error)
{
  const char *role = principal->role != NULL ? principal->role : "";

  if ((route->flags & CASCADE_ROUTE_ADMIN) != 0 && g_strcmp0 (role, "admin") != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN,
                           "Only an administrator may do this.");
      return FALSE;
    }
  if ((route->flags & CASCADE_ROUTE_MODERATOR) != 0 && g_strcmp0 (role, "admin") != 0 &&
      g_strcmp0 (role, "moderator") != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FORBIDDEN,
                           "Only a moderator or an administrator may do this.");
      return FALSE;
    }
  return TRUE;
}

static void
run_route_thread (GTask *task,
                  gpointer source_object,
                  gpointer task_data,
                  GCancellable *cancellable)
{
  CascadeGateway *self = source_object;
  RouteCall *call = task_data;
  const CascadeRoute *route = call->entry.route;
  CascadeResponse *response = cascade_response_new ();
  g_autoptr (GError) error = NULL;
  const char *field = NULL;
  gboolean ok = TRUE;

  if ((route->flags & CASCADE_ROUTE_AUTHENTICATED) != 0)
    ok = authenticate (self, call->request, &error);
  if (ok)
    ok = check_role (route, cascade_request_get_principal (call->request), &error);
  if (ok && route->body != NULL)
    ok = parse_body (route, call->request, &field, &error);
  if (ok)
    ok = route->handler (call->request, response, call->entry.owner, &error);
  if (!ok)
    cascade_response_set_error (response, error, field);

  g_task_return_pointer (task, response, (GDestroyNotify) cascade_response_free);
}

static void
on_route_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  CascadeGateway *self = CASCADE_GATEWAY (source_object);
  RouteCall *call = g_task_get_task_data (G_TASK (result));
  RequestState *state = request_state_get (call->msg);
  g_autoptr (CascadeResponse) response = g_task_propagate_pointer (G_TASK (result), NULL);

  state->worker_done = TRUE;
  if (state->disconnected)
    state->io_done = TRUE;
  else
    {
      write_response (call->msg, response);
      soup_server_message_unpause (call->msg);
    }
  release_if_done (self, state);
}

static void
dispatch (CascadeGateway *self,
          SoupServerMessage *msg,
          RequestState *state,
          const RouteEntry *entry)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr (GHashTable) params = NULL;
  g_autoptr (GTask) task = NULL;
  const char *content_type;
  RouteCall *call;

  content_type = soup_message_headers_get_content_type (headers, &params);
  call = g_new0 (RouteCall, 1);
  call->msg = g_object_ref (msg);
  call->entry.route = entry->route;
  call->entry.owner = entry->owner != NULL ? g_object_ref (entry->owner) : NULL;
  call->request = cascade_request_new (
    soup_server_message_get_method (msg), g_uri_get_path (soup_server_message_get_uri (msg)),
    soup_message_headers_get_one (headers, "Authorization"), content_type,
    params != NULL ? g_hash_table_lookup (params, "charset") : NULL,
    g_steal_pointer (&state->body));
  cascade_request_set_query (call->request, g_uri_get_query (soup_server_message_get_uri (msg)));
  cascade_request_set_client (call->request, client_address (self, msg),
                              soup_message_headers_get_one (headers, "User-Agent"));

  soup_server_message_pause (msg);
  state->dispatched = TRUE;
  self->in_flight++;

  task = g_task_new (self, NULL, on_route_done, NULL);
  g_task_set_source_tag (task, dispatch);
  g_task_set_task_data (task, call, route_call_free);
  g_task_run_in_thread (task, run_route_thread);
}

/* Before any work (and any password hash) is done for a rate-limited route:
 * %FALSE when the client's address has used up its bucket, answered 429. */
static gboolean
check_address_limit (CascadeGateway *self, SoupServerMessage *msg, const RouteEntry *entry)
{
  const char *host = client_address (self, msg);
  g_autofree char *retry = NULL;
  guint retry_after = 0;

  if ((entry->route->flags & CASCADE_ROUTE_RATE_LIMITED) == 0 || self->address_limit == NULL ||
      cascade_rate_limit_take (self->address_limit, host != NULL ? host : "-", &retry_after))
    return TRUE;
  respond_error (msg, CASCADE_SERVER_ERROR_RATE_LIMITED,
                 "Too many requests from your address: wait a little and try again.");
  retry = g_strdup_printf ("%u", retry_after);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                retry);
  return FALSE;
}

static void
on_request (SoupServer *server,
            SoupServerMessage *msg,
            const char *path,
            GHashTable *query,
            gpointer user_data)
{
  CascadeGateway *self = user_data;
  RequestState *state = ensure_state (self, msg);
  g_autoptr (GString) allow = g_string_new (NULL);
  const RouteEntry *entry;

  entry = find_route (self, soup_server_message_get_method (msg), path, allow);
  if (entry == NULL && allow->len > 0)
    {
      respond_error (msg, CASCADE_SERVER_ERROR_METHOD_NOT_ALLOWED,
                     "This path does not accept that method.");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    allow->str);
    }
  else if (entry == NULL)
    respond_error (msg, CASCADE_SERVER_ERROR_NOT_FOUND, "There is nothing at this path.");
  else if (state->too_large)
    respond_too_large (self, msg);
  else if (self->shutting_down)
    {
      respond_error (msg, CASCADE_SERVER_ERROR_UNAVAILABLE, "The server is shutting down.");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                    "close");
    }
  else if (check_address_limit (self, msg, entry))
    dispatch (self, msg, state, entry);
}

static gboolean
handle_healthz (CascadeRequest *request,
                CascadeResponse *response,
                gpointer user_data,
                GError **error)
{
  CascadeStore *store = user_data;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  if (!cascade_store_ping (store, &local_error))
    {
      g_message ("Health check failed: %s", local_error->message);
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAVAILABLE,
                           "The database cannot be read.");
      return FALSE;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "ok");
  json_builder_end_object (builder);
  cascade_response_set_json (response, SOUP_STATUS_OK, json_builder_get_root (builder));
  return TRUE;
}

static const CascadeRoute gateway_routes[] = {
  { "GET", "/healthz", CASCADE_ROUTE_PUBLIC, NULL, handle_healthz },
};

static void
cascade_gateway_dispose (GObject *object)
{
  CascadeGateway *self = CASCADE_GATEWAY (object);

  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_signal_handlers_disconnect_by_data (self->server, self);
      g_clear_object (&self->server);
    }
  g_clear_pointer (&self->routes, g_array_unref);
  g_clear_object (&self->authenticator_owner);
  g_clear_object (&self->address_limit);
  g_clear_pointer (&self->trusted_proxies, g_ptr_array_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cascade_gateway_parent_class)->dispose (object);
}

static void
cascade_gateway_class_init (CascadeGatewayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_gateway_dispose;
}

static void
cascade_gateway_init (CascadeGateway *self)
{
  self->routes = g_array_new (FALSE, TRUE, sizeof (RouteEntry));
  g_array_set_clear_func (self->routes, route_entry_clear);
  self->server = soup_server_new ("server-header", "cascaded/" PACKAGE_VERSION, NULL);

  g_signal_connect (self->server, "request-started", G_CALLBACK (on_request_started), self);
  g_signal_connect (self->server, "request-finished", G_CALLBACK (on_request_ended), self);
  g_signal_connect (self->server, "request-aborted", G_CALLBACK (on_request_aborted), self);
  soup_server_add_early_handler (self->server, NULL, on_early_request, self, NULL);
  soup_server_add_handler (self->server, NULL, on_request, self, NULL);
}

/**
 * cascade_gateway_new:
 * @store: for GET /healthz
 * @max_body_bytes: bodies larger than this are refused with 413
 */
CascadeGateway *
cascade_gateway_new (CascadeStore *store, guint64 max_body_bytes)
{
  CascadeGateway *self;

  g_return_val_if_fail (CASCADE_IS_STORE (store), NULL);
  g_return_val_if_fail (max_body_bytes > 0, NULL);

  self = g_object_new (CASCADE_TYPE_GATEWAY, NULL);
  self->store = g_object_ref (store);
  self->max_body_bytes = max_body_bytes;
  cascade_gateway_add_routes (self, gateway_routes, G_N_ELEMENTS (gateway_routes), store);
  return self;
}

/**
 * cascade_gateway_add_routes:
 * @routes: (array length=n_routes): a static routing table
 * @owner: (type GObject): passed to the handlers as user_data; kept alive
 *   while the gateway is
 */
void
cascade_gateway_add_routes (CascadeGateway *self,
                            const CascadeRoute *routes,
                            gsize n_routes,
                            gpointer owner)
{
  g_return_if_fail (CASCADE_IS_GATEWAY (self));
  g_return_if_fail (routes != NULL || n_routes == 0);
  g_return_if_fail (owner == NULL || G_IS_OBJECT (owner));

  for (gsize i = 0; i < n_routes; i++)
    {
      RouteEntry entry = { &routes[i], owner != NULL ? g_object_ref (owner) : NULL };

      g_return_if_fail (routes[i].method != NULL && routes[i].path != NULL);
      g_return_if_fail (routes[i].handler != NULL);
      g_array_append_val (self->routes, entry);
    }
}

/**
 * cascade_gateway_set_authenticator:
 * @owner: (type GObject): passed to @authenticator; kept alive
 *
 * Sets the one function that checks bearer tokens for authenticated routes.
 */
void
cascade_gateway_set_authenticator (CascadeGateway *self,
                                   CascadeAuthenticator authenticator,
                                   gpointer owner)
{
  g_return_if_fail (CASCADE_IS_GATEWAY (self));
  g_return_if_fail (G_IS_OBJECT (owner));

  self->authenticator = authenticator;
  g_set_object (&self->authenticator_owner, owner);
}

/**
 * cascade_gateway_set_address_limit:
 * @limit: (nullable): the buckets of client addresses, or %NULL for none
 *
 * Requests to routes flagged %CASCADE_ROUTE_RATE_LIMITED take a token from
 * their address's bucket first, on the main loop; without one they are
 * answered 429 with Retry-After and never reach a worker.
 */
void
cascade_gateway_set_address_limit (CascadeGateway *self, CascadeRateLimit *limit)
{
  g_return_if_fail (CASCADE_IS_GATEWAY (self));
  g_return_if_fail (limit == NULL || CASCADE_IS_RATE_LIMIT (limit));

  g_set_object (&self->address_limit, limit);
}

/**
 * cascade_gateway_load_tls:
 * @file: (nullable): the config file
 *
 * With [tls] certificate=PEM and key=PEM in @file, the gateway serves
 * HTTPS (and so WSS) only, with that certificate (and its chain, if the
 * file has one). Call before cascade_gateway_listen(). Blocking (reads the
 * files).
 */
gboolean
cascade_gateway_load_tls (CascadeGateway *self, GKeyFile *file, GError **error)
{
  static const char *const known[] = { "certificate", "key", NULL };
  g_autoptr (GTlsCertificate) certificate = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  g_auto (GStrv) keys = NULL;

  g_return_val_if_fail (CASCADE_IS_GATEWAY (self), FALSE);

  if (file == NULL || !g_key_file_has_group (file, "tls"))
    return TRUE;
  keys = g_key_file_get_keys (file, "tls", NULL, NULL);
  if (keys == NULL || keys[0] == NULL)
    return TRUE; /* an empty group, as in the sample config */
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                     "unknown key “%s” in [tls]", keys[i]);
        return FALSE;
      }
  cert_path = g_key_file_get_string (file, "tls", "certificate", NULL);
  key_path = g_key_file_get_string (file, "tls", "key", NULL);
  if (cert_path == NULL || key_path == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                           "[tls] needs both certificate and key (PEM files)");
      return FALSE;
    }
  certificate = g_tls_certificate_new_from_files (cert_path, key_path, &local_error);
  if (certificate == NULL)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                   "[tls] cannot use %s and %s: %s", cert_path, key_path, local_error->message);
      return FALSE;
    }
  g_object_set (self->server, "tls-certificate", certificate, NULL);
  self->https = TRUE;
  return TRUE;
}

/**
 * cascade_gateway_listen:
 * @backlog: connections the kernel queues before they are accepted
 *
 * Listens on @address with a socket of our own: soup_server_listen() keeps
 * GLib's backlog of 10, and a thousand viewers joining at once then wait
 * for SYN retransmissions (1, 3, 7, 15 s ...). The kernel caps @backlog at
 * net.core.somaxconn.
 */
gboolean
cascade_gateway_listen (CascadeGateway *self,
                        GSocketAddress *address,
                        guint backlog,
                        GError **error)
{
  g_autoptr (GSocket) socket = NULL;
  GSocketFamily family;

  g_return_val_if_fail (CASCADE_IS_GATEWAY (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), FALSE);
  g_return_val_if_fail (backlog > 0, FALSE);

  family = g_socket_address_get_family (address);
  socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return FALSE;
  /* As libsoup does: [::] is IPv6 only, so 0.0.0.0 can be served beside it. */
  if (family == G_SOCKET_FAMILY_IPV6 &&
      !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, TRUE, error))
    return FALSE;
  g_socket_set_listen_backlog (socket, (gint) MIN (backlog, G_MAXINT));
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  return soup_server_listen_socket (self->server, socket,
                                    self->https ? SOUP_SERVER_LISTEN_HTTPS : 0, error);
}

/**
 * cascade_gateway_dup_url:
 *
 * Returns: (transfer full) (nullable): http://ADDR:PORT of the first
 *   listening socket, with the real port when listening on port 0
 */
char *
cascade_gateway_dup_url (CascadeGateway *self)
{
  GSList *listeners;
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree char *host = NULL;
  GInetAddress *inet;

  g_return_val_if_fail (CASCADE_IS_GATEWAY (self), NULL);

  listeners = soup_server_get_listeners (self->server);
  if (listeners == NULL)
    return NULL;
  address = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;

  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  host = g_inet_address_to_string (inet);
  return g_strdup_printf (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "%s://[%s]:%u"
                                                                                   : "%s://%s:%u",
                          self->https ? "https" : "http", host,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/**
 * cascade_gateway_shutdown_async:
 *
 * Stops taking new work (requests are answered 503), waits until every
 * request already being handled has been answered, then closes all
 * connections and the listening sockets.
 */
void
cascade_gateway_shutdown_async (CascadeGateway *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CASCADE_IS_GATEWAY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cascade_gateway_shutdown_async);
  if (self->shutdown_task != NULL || self->server == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The gateway is already shutting down");
      return;
    }
  self->shutting_down = TRUE;
  self->shutdown_task = g_steal_pointer (&task);
  maybe_finish_shutdown (self);
}

gboolean
cascade_gateway_shutdown_finish (CascadeGateway *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_GATEWAY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
