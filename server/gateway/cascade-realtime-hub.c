/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-realtime-hub.h"

#include <libsoup/soup.h>
#include <sodium.h>

#include "cascade-proto.h"

/*
 * CascadeRealtimeHub: the realtime WebSocket at /api/v1/realtime, the one
 * demux point for realtime messages, as the gateway is for HTTP.
 *
 * The upgrade is authenticated before it is answered: the request is paused
 * while a worker thread checks the bearer token (the Authorization header, or
 * ?access_token= for clients that cannot set headers) and looks up the
 * user's names; a refused token gets 401 and never becomes a WebSocket.
 *
 * Each text frame is one message, parsed by the shared codec (p2p/proto),
 * after a per-connection rate limit. The hub answers "ping" itself; every
 * other type goes to the handler a bounded context registered for it, after
 * the message's members are checked against that handler's table with the
 * gateway's shared JSON validator. Anything wrong is answered with an
 * "error" message and the connection stays open. Everything here runs on
 * the main thread but the token check.
 */

#define AUTH_KEY "cascade-realtime-auth"
#define GONE_KEY "cascade-realtime-gone"
#define KEEPALIVE_SECONDS 20
#define RATE_ERROR_INTERVAL_US G_USEC_PER_SEC

enum
{
  SIGNAL_CONNECTION_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  CascadeRealtimeHandler row;
  GObject *owner;
} HandlerEntry;

/* A CascadeRealtimeConnection: reference counted (g_rc_box), so a context's
 * handle outlives the hub's entry harmlessly; the hub's reference goes when
 * the connection closes. */
typedef struct _CascadeRealtimeConnection
{
  CascadeRealtimeHub *hub; /* not a reference: the hub closes its connections first */
  SoupWebsocketConnection *ws;
  char *id;
  char *user_id;
  char *username;
  char *display_name;
  double tokens; /* the rate limit's bucket */
  gint64 refilled_us;
  gint64 rate_error_us;
} Connection;

/* What the token check found, carried from the worker to the upgrade. */
typedef struct
{
  char *user_id;
  char *username;
  char *display_name;
} AuthResult;

struct _CascadeRealtimeHub
{
  GObject parent_instance;

  CascadeGateway *gateway;
  SoupServer *server;
  CascadeRealtimeUserLookup lookup;
  GObject *lookup_owner;
  GHashTable *handlers;    /* type → HandlerEntry */
  GHashTable *connections; /* id → Connection */
};

G_DEFINE_FINAL_TYPE (CascadeRealtimeHub, cascade_realtime_hub, G_TYPE_OBJECT)

static void
auth_result_free (gpointer data)
{
  AuthResult *result = data;

  if (result == NULL)
    return;
  g_free (result->user_id);
  g_free (result->username);
  g_free (result->display_name);
  g_free (result);
}

static void
handler_entry_free (gpointer data)
{
  HandlerEntry *entry = data;

  g_clear_object (&entry->owner);
  g_free (entry);
}

static void
connection_clear (gpointer data)
{
  Connection *conn = data;

  g_object_unref (conn->ws);
  g_free (conn->id);
  g_free (conn->user_id);
  g_free (conn->username);
  g_free (conn->display_name);
}

/* The hub lets go of @data: closed, or the hub is going away. */
static void
connection_remove (gpointer data)
{
  Connection *conn = data;

  g_signal_handlers_disconnect_by_data (conn->ws, conn);
  if (soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  conn->hub = NULL;
  g_rc_box_release_full (conn, connection_clear);
}

CascadeRealtimeConnection *
cascade_realtime_connection_ref (CascadeRealtimeConnection *conn)
{
  g_return_val_if_fail (conn != NULL, NULL);

  return g_rc_box_acquire (conn);
}

void
cascade_realtime_connection_unref (CascadeRealtimeConnection *conn)
{
  g_return_if_fail (conn != NULL);

  g_rc_box_release_full (conn, connection_clear);
}

/**
 * cascade_realtime_connection_send_text:
 * @text: one JSON object with a "type", already serialised
 *
 * Sends @text if @conn is still open.
 */
void
cascade_realtime_connection_send_text (CascadeRealtimeConnection *conn, const char *text)
{
  g_return_if_fail (conn != NULL);
  g_return_if_fail (text != NULL);

  if (soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (conn->ws, text);
}

/**
 * cascade_realtime_hub_lookup:
 *
 * Returns: (transfer none) (nullable): the open connection @connection_id;
 *   take a reference to keep it past the hub's "connection-closed"
 */
CascadeRealtimeConnection *
cascade_realtime_hub_lookup (CascadeRealtimeHub *self, const char *connection_id)
{
  g_return_val_if_fail (CASCADE_IS_REALTIME_HUB (self), NULL);

  return connection_id != NULL ? g_hash_table_lookup (self->connections, connection_id) : NULL;
}

/* ---- sending --------------------------------------------------------------- */

static void
send_object (Connection *conn, JsonObject *message)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), message);
  g_autofree char *text = json_to_string (node, FALSE);

  if (soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (conn->ws, text);
}

static void
send_error (
  Connection *conn, const char *message_id, const char *code, const char *text, const char *field)
{
  g_autoptr (JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "error");
  if (message_id != NULL)
    json_object_set_string_member (message, "id", message_id);
  json_object_set_string_member (message, "code", code);
  json_object_set_string_member (message, "message", text);
  if (field != NULL)
    json_object_set_string_member (message, "field", field);
  send_object (conn, message);
}

/**
 * cascade_realtime_hub_send:
 * @message: a JSON object with a "type"
 *
 * Returns: %FALSE if there is no such connection (any more)
 */
gboolean
cascade_realtime_hub_send (CascadeRealtimeHub *self, const char *connection_id, JsonObject *message)
{
  Connection *conn;

  g_return_val_if_fail (CASCADE_IS_REALTIME_HUB (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  conn = connection_id != NULL ? g_hash_table_lookup (self->connections, connection_id) : NULL;
  if (conn == NULL)
    return FALSE;
  send_object (conn, message);
  return TRUE;
}

/**
 * cascade_realtime_hub_send_text:
 * @text: one JSON object with a "type", already serialised
 *
 * For fan-out: a context serialises a message once and sends the same text
 * to every connection that should get it.
 *
 * Returns: %FALSE if there is no such connection (any more)
 */
gboolean
cascade_realtime_hub_send_text (CascadeRealtimeHub *self,
                                const char *connection_id,
                                const char *text)
{
  Connection *conn;

  g_return_val_if_fail (CASCADE_IS_REALTIME_HUB (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  conn = connection_id != NULL ? g_hash_table_lookup (self->connections, connection_id) : NULL;
  if (conn == NULL)
    return FALSE;
  cascade_realtime_connection_send_text (conn, text);
  return TRUE;
}

/* Sends @message to the sender of the message being handled, with its "id". */
void
cascade_realtime_hub_reply (CascadeRealtimeHub *self,
                            const CascadeRealtimeContext *context,
                            JsonObject *message)
{
  g_return_if_fail (context != NULL);

  if (context->message_id != NULL)
    json_object_set_string_member (message, "id", context->message_id);
  cascade_realtime_hub_send (self, context->connection_id, message);
}

void
cascade_realtime_hub_send_error (CascadeRealtimeHub *self,
                                 const char *connection_id,
                                 const char *message_id,
                                 const char *code,
                                 const char *message)
{
  cascade_realtime_hub_send_error_field (self, connection_id, message_id, code, message, NULL);
}

/* The same, about one member of the message (@field, nullable). */
void
cascade_realtime_hub_send_error_field (CascadeRealtimeHub *self,
                                       const char *connection_id,
                                       const char *message_id,
                                       const char *code,
                                       const char *message,
                                       const char *field)
{
  Connection *conn;

  g_return_if_fail (CASCADE_IS_REALTIME_HUB (self));
  g_return_if_fail (code != NULL && message != NULL);

  conn = connection_id != NULL ? g_hash_table_lookup (self->connections, connection_id) : NULL;
  if (conn != NULL)
    send_error (conn, message_id, code, message, field);
}

/* Sends @message to every open connection. */
void
cascade_realtime_hub_broadcast (CascadeRealtimeHub *self, JsonObject *message)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (CASCADE_IS_REALTIME_HUB (self));

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    send_object (value, message);
}

guint
cascade_realtime_hub_get_n_connections (CascadeRealtimeHub *self)
{
  g_return_val_if_fail (CASCADE_IS_REALTIME_HUB (self), 0);

  return g_hash_table_size (self->connections);
}

/* Whether @connection_id is still open (a context finishing slow work for
 * it asks before keeping state for it). */
gboolean
cascade_realtime_hub_has_connection (CascadeRealtimeHub *self, const char *connection_id)
{
  g_return_val_if_fail (CASCADE_IS_REALTIME_HUB (self), FALSE);

  return connection_id != NULL && g_hash_table_contains (self->connections, connection_id);
}

/* ---- receiving ----------------------------------------------------------- */

/* A token bucket: CASCADE_REALTIME_RATE_PER_SECOND messages a second, with
 * bursts of as many. */
static gboolean
take_token (Connection *conn)
{
  gint64 now = g_get_monotonic_time ();

  conn->tokens +=
    (now - conn->refilled_us) * (double) CASCADE_REALTIME_RATE_PER_SECOND / G_USEC_PER_SEC;
  conn->refilled_us = now;
  if (conn->tokens > CASCADE_REALTIME_RATE_PER_SECOND)
    conn->tokens = CASCADE_REALTIME_RATE_PER_SECOND;
  if (conn->tokens < 1.0)
    return FALSE;
  conn->tokens -= 1.0;
  return TRUE;
}

static void
handle_message (Connection *conn, GBytes *frame)
{
  CascadeRealtimeHub *self = conn->hub;
  g_autoptr (CascadeProtoMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  CascadeRealtimeContext context;
  const char *field = NULL;
  HandlerEntry *entry;
  const char *type;
  gsize length;
  const char *data = g_bytes_get_data (frame, &length);

  message = cascade_proto_message_parse (data, length, &error);
  if (message == NULL)
    {
      send_error (conn, NULL, cascade_proto_error_code (error), error->message, NULL);
      return;
    }
  type = cascade_proto_message_get_type_name (message);
  context.connection_id = conn->id;
  context.user_id = conn->user_id;
  context.message_id = cascade_proto_message_get_id (message);

  if (g_strcmp0 (type, "ping") == 0)
    {
      g_autoptr (JsonObject) pong = json_object_new ();

      json_object_set_string_member (pong, "type", "pong");
      cascade_realtime_hub_reply (self, &context, pong);
      return;
    }

  entry = g_hash_table_lookup (self->handlers, type);
  if (entry == NULL)
    {
      g_autofree char *text =
        g_strdup_printf ("This server does not know messages of type “%s”.", type);

      send_error (conn, context.message_id, "unknown_type", text, NULL);
      return;
    }
  if (entry->row.members != NULL &&
      !cascade_json_validate_object (cascade_proto_message_get_object (message), entry->row.members,
                                     &field, &error))
    {
      guint status;
      const char *code;
      const char *table_field;

      cascade_server_error_describe (error, &status, &code, &table_field);
      send_error (conn, context.message_id, code, error->message, field);
      return;
    }
  entry->row.handler (self, &context, cascade_proto_message_get_object (message), entry->owner);
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *frame, gpointer user_data)
{
  Connection *conn = user_data;

  if (!take_token (conn))
    {
      gint64 now = g_get_monotonic_time ();

      /* One error a second at most: the answer must not become the flood. */
      if (now - conn->rate_error_us >= RATE_ERROR_INTERVAL_US)
        {
          conn->rate_error_us = now;
          send_error (conn, NULL, "rate_limited",
                      "Too many messages: some were dropped. Send at most 50 a second.", NULL);
        }
      return;
    }
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      send_error (conn, NULL, "invalid_message", "Send messages as text frames of JSON.", NULL);
      return;
    }
  handle_message (conn, frame);
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  Connection *conn = user_data;
  CascadeRealtimeHub *self = conn->hub;
  g_autofree char *id = g_strdup (conn->id);
  g_autofree char *user_id = g_strdup (conn->user_id);

  g_debug ("Realtime connection %s closed (code %u)", id,
           soup_websocket_connection_get_close_code (ws));
  g_object_ref (self);
  g_hash_table_remove (self->connections, id);
  g_signal_emit (self, signals[SIGNAL_CONNECTION_CLOSED], 0, id, user_id);
  g_object_unref (self);
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  Connection *conn = user_data;

  g_debug ("Realtime connection %s: %s", conn->id, error->message);
}

/* ---- the upgrade --------------------------------------------------------- */

static void
respond_http_error (SoupServerMessage *msg, guint status, const char *code, const char *text)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *body;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  /* The handshake may already have been accepted (101): undo it. */
  soup_message_headers_remove (headers, "Upgrade");
  soup_message_headers_remove (headers, "Connection");
  soup_message_headers_remove (headers, "Sec-WebSocket-Accept");
  soup_message_headers_remove (headers, "Sec-WebSocket-Protocol");
  soup_message_headers_remove (headers, "Sec-WebSocket-Extensions");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

typedef struct
{
  SoupServerMessage *msg;
  char *authorization; /* wiped */
} AuthCall;

static void
auth_call_free (gpointer data)
{
  AuthCall *call = data;

  g_object_unref (call->msg);
  if (call->authorization != NULL)
    {
      sodium_memzero (call->authorization, strlen (call->authorization));
      g_free (call->authorization);
    }
  g_free (call);
}

static void
auth_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  CascadeRealtimeHub *self = source_object;
  AuthCall *call = task_data;
  CascadePrincipal principal = { 0 };
  AuthResult *result;
  GError *error = NULL;

  if (!cascade_gateway_authenticate (self->gateway, call->authorization, &principal, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  result = g_new0 (AuthResult, 1);
  result->user_id = g_strdup (principal.user_id);
  cascade_principal_clear (&principal);
  if (!self->lookup (result->user_id, &result->username, &result->display_name, self->lookup_owner,
                     &error))
    {
      auth_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, auth_result_free);
}

static void
on_auth_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  AuthCall *call = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  AuthResult *auth = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_object_get_data (G_OBJECT (call->msg), GONE_KEY) != NULL)
    {
      auth_result_free (auth);
      return;
    }
  if (auth == NULL)
    {
      guint status;
      const char *code;
      const char *field;
      gboolean public = cascade_server_error_describe (error, &status, &code, &field);

      if (status == SOUP_STATUS_INTERNAL_SERVER_ERROR)
        g_warning ("Realtime sign-in failed: %s", error->message);
      respond_http_error (call->msg, status, code,
                          public ? error->message
                                 : "Something went wrong on the server. Try again later.");
    }
  else
    g_object_set_data_full (G_OBJECT (call->msg), AUTH_KEY, auth, auth_result_free);
  soup_server_message_unpause (call->msg);
}

static void
on_msg_disconnected (SoupServerMessage *msg, gpointer user_data)
{
  g_object_set_data (G_OBJECT (msg), GONE_KEY, GINT_TO_POINTER (TRUE));
}

static void
on_http_request (SoupServer *server,
                 SoupServerMessage *msg,
                 const char *path,
                 GHashTable *query,
                 gpointer user_data)
{
  CascadeRealtimeHub *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *query_token = query != NULL ? g_hash_table_lookup (query, "access_token") : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  AuthCall *call;

  if (g_strcmp0 (path, CASCADE_REALTIME_PATH) != 0)
    {
      respond_http_error (msg, SOUP_STATUS_NOT_FOUND, "not_found",
                          "There is nothing at this path.");
      return;
    }
  if (g_strcmp0 (soup_server_message_get_method (msg), "GET") != 0)
    {
      respond_http_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                          "This path does not accept that method.");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
      return;
    }
  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error))
    {
      respond_http_error (msg, SOUP_STATUS_BAD_REQUEST, "websocket_required",
                          "This is the realtime WebSocket: connect with a WebSocket client.");
      return;
    }

  call = g_new0 (AuthCall, 1);
  call->msg = g_object_ref (msg);
  if (authorization == NULL && query_token != NULL)
    call->authorization = g_strconcat ("Bearer ", query_token, NULL);
  else
    call->authorization = g_strdup (authorization);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_msg_disconnected), NULL);

  soup_server_message_pause (msg);
  task = g_task_new (self, NULL, on_auth_done, NULL);
  g_task_set_source_tag (task, on_http_request);
  g_task_set_task_data (task, call, auth_call_free);
  g_task_run_in_thread (task, auth_thread);
}

static void
on_websocket (SoupServer *server,
              SoupServerMessage *msg,
              const char *path,
              SoupWebsocketConnection *ws,
              gpointer user_data)
{
  CascadeRealtimeHub *self = user_data;
  AuthResult *auth = g_object_get_data (G_OBJECT (msg), AUTH_KEY);
  g_autoptr (JsonObject) hello = json_object_new ();
  JsonObject *user = json_object_new ();
  Connection *conn;

  if (auth == NULL)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, NULL);
      return;
    }

  conn = g_rc_box_new0 (Connection);
  conn->hub = self;
  conn->ws = g_object_ref (ws);
  conn->id = g_uuid_string_random ();
  conn->user_id = g_strdup (auth->user_id);
  conn->username = g_strdup (auth->username);
  conn->display_name = g_strdup (auth->display_name);
  conn->tokens = CASCADE_REALTIME_RATE_PER_SECOND;
  conn->refilled_us = g_get_monotonic_time ();
  conn->rate_error_us = conn->refilled_us - RATE_ERROR_INTERVAL_US;
  g_hash_table_insert (self->connections, conn->id, conn);

  soup_websocket_connection_set_max_incoming_payload_size (ws, CASCADE_REALTIME_MAX_FRAME_BYTES);
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_SECONDS);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), conn);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), conn);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), conn);
  g_message ("Realtime connection %s opened for %s", conn->id, conn->username);

  json_object_set_string_member (hello, "type", "hello");
  json_object_set_string_member (hello, "connection_id", conn->id);
  json_object_set_string_member (user, "username", conn->username);
  json_object_set_string_member (user, "display_name", conn->display_name);
  json_object_set_object_member (hello, "user", user);
  send_object (conn, hello);
}

/* ---- object --------------------------------------------------------------- */

/* Closes every connection (the server is shutting down). */
void
cascade_realtime_hub_close_all (CascadeRealtimeHub *self)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (CASCADE_IS_REALTIME_HUB (self));

  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Connection *conn = value;

      if (soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                                         "The server is shutting down.");
    }
}

static void
cascade_realtime_hub_dispose (GObject *object)
{
  CascadeRealtimeHub *self = CASCADE_REALTIME_HUB (object);

  if (self->server != NULL)
    soup_server_remove_handler (self->server, CASCADE_REALTIME_PATH);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->handlers, g_hash_table_unref);
  g_clear_object (&self->server);
  g_clear_object (&self->gateway);
  g_clear_object (&self->lookup_owner);

  G_OBJECT_CLASS (cascade_realtime_hub_parent_class)->dispose (object);
}

static void
cascade_realtime_hub_class_init (CascadeRealtimeHubClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_realtime_hub_dispose;

  /* A connection closed (connection id, user id): its contexts clean up. */
  signals[SIGNAL_CONNECTION_CLOSED] =
    g_signal_new ("connection-closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
cascade_realtime_hub_init (CascadeRealtimeHub *self)
{
  self->handlers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, handler_entry_free);
  self->connections = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, connection_remove);
}

/**
 * cascade_realtime_hub_new:
 * @lookup: fills the names a "hello" shows, from the user id
 * @lookup_owner: (type GObject): passed to @lookup; kept alive
 *
 * Serves the realtime WebSocket on @gateway's server.
 */
CascadeRealtimeHub *
cascade_realtime_hub_new (CascadeGateway *gateway,
                          CascadeRealtimeUserLookup lookup,
                          gpointer lookup_owner)
{
  CascadeRealtimeHub *self;

  g_return_val_if_fail (CASCADE_IS_GATEWAY (gateway), NULL);
  g_return_val_if_fail (lookup != NULL, NULL);
  g_return_val_if_fail (G_IS_OBJECT (lookup_owner), NULL);

  self = g_object_new (CASCADE_TYPE_REALTIME_HUB, NULL);
  self->gateway = g_object_ref (gateway);
  self->server = g_object_ref (cascade_gateway_get_soup_server (gateway));
  self->lookup = lookup;
  self->lookup_owner = g_object_ref (lookup_owner);

  /* permessage-deflate is negotiated per handler in libsoup 3.2, not per
   * connection, which paused (authenticating) upgrades would mix up; the
   * messages are small anyway. */
  soup_server_remove_websocket_extension (self->server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_handler (self->server, CASCADE_REALTIME_PATH, on_http_request, self, NULL);
  soup_server_add_websocket_handler (self->server, CASCADE_REALTIME_PATH, NULL, NULL, on_websocket,
                                     self, NULL);
  return self;
}

/**
 * cascade_realtime_hub_add_handlers:
 * @handlers: (array length=n_handlers): a static table
 * @owner: (type GObject): passed to the handlers; kept alive
 */
void
cascade_realtime_hub_add_handlers (CascadeRealtimeHub *self,
                                   const CascadeRealtimeHandler *handlers,
                                   gsize n_handlers,
                                   gpointer owner)
{
  g_return_if_fail (CASCADE_IS_REALTIME_HUB (self));
  g_return_if_fail (G_IS_OBJECT (owner));

  for (gsize i = 0; i < n_handlers; i++)
    {
      HandlerEntry *entry = g_new0 (HandlerEntry, 1);

      g_return_if_fail (handlers[i].type != NULL && handlers[i].handler != NULL);
      entry->row = handlers[i];
      entry->owner = g_object_ref (owner);
      g_hash_table_replace (self->handlers, (gpointer) handlers[i].type, entry);
    }
}
