/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-realtime.h"

#include <libsoup/soup.h>

#include "cascade-app-private.h"
#include "cascade-proto.h"

#define BACKOFF_FIRST_MS 500
#define BACKOFF_MAX_MS 30000
#define PING_INTERVAL_S 20
/* Nothing heard for this long (two pings unanswered): the connection is dead. */
#define SILENCE_LIMIT_US (45 * G_USEC_PER_SEC)
#define MAX_INCOMING_BYTES (1024 * 1024)

struct _CascadeRealtime
{
  GObject parent_instance;

  CascadeClient *client;
  SoupSession *session; /* its own: the client's has an I/O timeout */
  SoupWebsocketConnection *ws;
  CascadeRealtimeState state;
  char *connection_id;

  gboolean wanted;       /* connect_async was called, close was not */
  GCancellable *attempt; /* the connection attempt in flight */
  GList *pending;        /* GTask: connect_async calls waiting for the hello */
  guint retry_source;
  guint backoff_ms;
  guint ping_source;
  gint64 last_heard_us;
};

G_DEFINE_FINAL_TYPE (CascadeRealtime, cascade_realtime, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CascadeRealtimeState,
                    cascade_realtime_state,
                    G_DEFINE_ENUM_VALUE (CASCADE_REALTIME_STATE_DISCONNECTED, "disconnected"),
                    G_DEFINE_ENUM_VALUE (CASCADE_REALTIME_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (CASCADE_REALTIME_STATE_CONNECTED, "connected"))

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_attempt (CascadeRealtime *self);

static void
set_state (CascadeRealtime *self, CascadeRealtimeState state)
{
  if (self->state == state)
    return;
  g_debug ("realtime: state %d → %d", self->state, state);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Completes every waiting connect_async call: with TRUE, or with @error. */
static void
complete_pending (CascadeRealtime *self, const GError *error)
{
  GList *pending = g_steal_pointer (&self->pending);

  for (GList *l = pending; l != NULL; l = l->next)
    {
      GTask *task = l->data;

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  g_list_free (pending);
}

static void
drop_connection (CascadeRealtime *self)
{
  g_clear_handle_id (&self->ping_source, g_source_remove);
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->ws);
    }
  g_clear_pointer (&self->connection_id, g_free);
}

static gboolean
on_retry (gpointer user_data)
{
  CascadeRealtime *self = user_data;

  self->retry_source = 0;
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

/* The connection is gone (or never came): try again later, if still wanted. */
static void
lost (CascadeRealtime *self, const GError *error)
{
  drop_connection (self);
  set_state (self, CASCADE_REALTIME_STATE_DISCONNECTED);
  if (error != NULL)
    complete_pending (self, error);
  if (!self->wanted || self->retry_source != 0)
    return;
  g_debug ("realtime: trying again in %u ms", self->backoff_ms);
  self->retry_source = g_timeout_add (self->backoff_ms, on_retry, self);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
}

static gboolean
on_ping (gpointer user_data)
{
  CascadeRealtime *self = user_data;
  g_autoptr (JsonObject) ping = NULL;

  if (g_get_monotonic_time () - self->last_heard_us > SILENCE_LIMIT_US)
    {
      g_autoptr (GError) error =
        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "The server stopped answering on the realtime connection");

      self->ping_source = 0;
      g_debug ("realtime: %s", error->message);
      lost (self, error);
      return G_SOURCE_REMOVE;
    }
  ping = json_object_new ();
  json_object_set_string_member (ping, "type", "ping");
  cascade_realtime_send (self, ping);
  return G_SOURCE_CONTINUE;
}

static void
on_ws_message (SoupWebsocketConnection *ws, gint type, GBytes *frame, gpointer user_data)
{
  CascadeRealtime *self = user_data;
  g_autoptr (CascadeProtoMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeRealtime) hold = g_object_ref (self);
  const char *data;
  const char *name;
  gsize length;

  self->last_heard_us = g_get_monotonic_time ();
  data = g_bytes_get_data (frame, &length);
  message = cascade_proto_message_parse (data, length, &error);
  if (message == NULL)
    {
      g_warning ("The server sent a realtime message Cascade cannot read: %s", error->message);
      return;
    }
  name = cascade_proto_message_get_type_name (message);

  if (g_strcmp0 (name, "hello") == 0)
    {
      const char *id = json_object_get_string_member_with_default (
        cascade_proto_message_get_object (message), "connection_id", NULL);

      g_free (self->connection_id);
      self->connection_id = g_strdup (id);
      self->backoff_ms = BACKOFF_FIRST_MS;
      set_state (self, CASCADE_REALTIME_STATE_CONNECTED);
      complete_pending (self, NULL);
    }
  /* Only details someone asked for are quarks already: a server cannot make
   * us intern any string it likes. */
  g_signal_emit (self, signals[SIGNAL_MESSAGE], g_quark_try_string (name), name,
                 cascade_proto_message_get_object (message));
}

static void
on_ws_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  CascadeRealtime *self = user_data;
  g_autoptr (GError) error =
    g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "The server closed the realtime connection (%u)",
                 soup_websocket_connection_get_close_code (ws));

  g_debug ("realtime: %s", error->message);
  lost (self, error);
}

static void
on_ws_error (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  g_debug ("realtime: %s", error->message);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeRealtime) self = user_data;
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* closed meanwhile */
  g_clear_object (&self->attempt);
  if (ws == NULL)
    {
      g_debug ("realtime: could not connect: %s", error->message);
      lost (self, error);
      return;
    }
  self->ws = ws;
  self->last_heard_us = g_get_monotonic_time ();
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_INCOMING_BYTES);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
  g_signal_connect (ws, "error", G_CALLBACK (on_ws_error), self);
  self->ping_source = g_timeout_add_seconds (PING_INTERVAL_S, on_ping, self);
  /* CONNECTED comes with the server's hello. */
}

static void
start_attempt (CascadeRealtime *self)
{
  g_autofree char *url = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  const char *base = cascade_client_get_base_url (self->client);
  char *token;

  if (self->attempt != NULL || self->ws != NULL)
    return;
  g_clear_handle_id (&self->retry_source, g_source_remove);

  if (g_str_has_prefix (base, "https://"))
    url = g_strconcat ("wss://", base + strlen ("https://"), "/api/v1/realtime", NULL);
  else if (g_str_has_prefix (base, "http://"))
    url = g_strconcat ("ws://", base + strlen ("http://"), "/api/v1/realtime", NULL);
  msg = url != NULL ? soup_message_new ("GET", url) : NULL;
  if (msg == NULL)
    {
      g_autoptr (GError) error =
        _cascade_client_error_new (CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL,
                                   "The server address is not an http:// or https:// address");

      self->wanted = FALSE; /* no retrying can fix that */
      lost (self, error);
      return;
    }

  token = _cascade_client_dup_access_token (self->client);
  if (token != NULL)
    {
      char *value = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
      _cascade_secret_free (value);
      _cascade_secret_free (token);
    }

  set_state (self, CASCADE_REALTIME_STATE_CONNECTING);
  self->attempt = g_cancellable_new ();
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->attempt, on_connected, g_object_ref (self));
}

/**
 * cascade_realtime_connect_async:
 *
 * Connects (if not connected or connecting already) and finishes when the
 * server's hello arrives, or with the error of this attempt. Either way it
 * keeps the connection up from then on, until cascade_realtime_close().
 */
void
cascade_realtime_connect_async (CascadeRealtime *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_REALTIME (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _cascade_task_new (self, cascade_realtime_connect_async, cancellable, callback, user_data);
  self->wanted = TRUE;
  if (self->state == CASCADE_REALTIME_STATE_CONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  self->pending = g_list_append (self->pending, task);
  self->backoff_ms = BACKOFF_FIRST_MS;
  start_attempt (self);
}

gboolean
cascade_realtime_connect_finish (CascadeRealtime *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_REALTIME (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * cascade_realtime_send:
 * @message: a JSON object with its "type" set (and "id" if a reply is wanted)
 *
 * Sends @message as it is. While not connected it is dropped: realtime
 * messages (signalling, presence) are stale by the time a connection is back.
 */
void
cascade_realtime_send (CascadeRealtime *self, JsonObject *message)
{
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (CASCADE_IS_REALTIME (self));
  g_return_if_fail (message != NULL);

  if (self->ws == NULL ||
      soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_debug ("realtime: not connected, dropped a “%s” message",
               json_object_get_string_member_with_default (message, "type", "?"));
      return;
    }
  node = json_node_init_object (json_node_alloc (), message);
  text = json_to_string (node, FALSE);
  soup_websocket_connection_send_text (self->ws, text);
}

/* Closes the connection and stops reconnecting. Waiting connect calls fail
 * with G_IO_ERROR_CANCELLED. */
void
cascade_realtime_close (CascadeRealtime *self)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (CASCADE_IS_REALTIME (self));

  self->wanted = FALSE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (self->attempt != NULL)
    {
      g_cancellable_cancel (self->attempt);
      g_clear_object (&self->attempt);
    }
  drop_connection (self);
  set_state (self, CASCADE_REALTIME_STATE_DISCONNECTED);
  error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The connection was closed");
  complete_pending (self, error);
}

CascadeRealtimeState
cascade_realtime_get_state (CascadeRealtime *self)
{
  g_return_val_if_fail (CASCADE_IS_REALTIME (self), CASCADE_REALTIME_STATE_DISCONNECTED);

  return self->state;
}

/* (nullable): the id the server gave this connection in its hello */
const char *
cascade_realtime_get_connection_id (CascadeRealtime *self)
{
  g_return_val_if_fail (CASCADE_IS_REALTIME (self), NULL);

  return self->connection_id;
}

static void
cascade_realtime_dispose (GObject *object)
{
  CascadeRealtime *self = CASCADE_REALTIME (object);

  if (self->session != NULL)
    cascade_realtime_close (self);
  g_clear_object (&self->session);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (cascade_realtime_parent_class)->dispose (object);
}

static void
cascade_realtime_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeRealtime *self = CASCADE_REALTIME (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_enum (value, self->state);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_realtime_class_init (CascadeRealtimeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_realtime_dispose;
  object_class->get_property = cascade_realtime_get_property;

  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, CASCADE_TYPE_REALTIME_STATE,
                                              CASCADE_REALTIME_STATE_DISCONNECTED,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
}

static void
cascade_realtime_init (CascadeRealtime *self)
{
  self->state = CASCADE_REALTIME_STATE_DISCONNECTED;
  self->backoff_ms = BACKOFF_FIRST_MS;
  self->session = soup_session_new_with_options ("user-agent", "Cascade/" PACKAGE_VERSION, NULL);
}

CascadeRealtime *
cascade_realtime_new (CascadeClient *client)
{
  CascadeRealtime *self;

  g_return_val_if_fail (CASCADE_IS_CLIENT (client), NULL);

  self = g_object_new (CASCADE_TYPE_REALTIME, NULL);
  self->client = g_object_ref (client);
  return self;
}
