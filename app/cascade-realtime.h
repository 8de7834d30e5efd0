/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cascade-app-types.h"
#include "cascade-client.h"

G_BEGIN_DECLS

typedef enum
{
  CASCADE_REALTIME_STATE_DISCONNECTED, /* also between reconnection attempts */
  CASCADE_REALTIME_STATE_CONNECTING,
  CASCADE_REALTIME_STATE_CONNECTED, /* the server's hello arrived */
} CascadeRealtimeState;

GType cascade_realtime_state_get_type (void) G_GNUC_CONST;
#define CASCADE_TYPE_REALTIME_STATE (cascade_realtime_state_get_type ())

#define CASCADE_TYPE_REALTIME (cascade_realtime_get_type ())

G_DECLARE_FINAL_TYPE (CascadeRealtime, cascade_realtime, CASCADE, REALTIME, GObject)

/*
 * The app's one realtime WebSocket to the server (/api/v1/realtime), made
 * with the client's server address and current access token.
 *
 * Signal "message" (detailed by the message's type, e.g. "message::signal"):
 * (const char *type, JsonObject *message), for every message the server
 * sends, hello included. Property "state" (CascadeRealtimeState).
 *
 * Once asked to connect, it stays connected until cascade_realtime_close():
 * a dropped connection (or one that went silent: it pings every 20 s) is made
 * again with back-off (0.5 s doubling to 30 s), each time with the access
 * token the client has then.
 */
CascadeRealtime *cascade_realtime_new (CascadeClient *client);

void cascade_realtime_connect_async (CascadeRealtime *self,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
cascade_realtime_connect_finish (CascadeRealtime *self, GAsyncResult *result, GError **error);
void cascade_realtime_send (CascadeRealtime *self, JsonObject *message);
void cascade_realtime_close (CascadeRealtime *self);

CascadeRealtimeState cascade_realtime_get_state (CascadeRealtime *self);
const char *cascade_realtime_get_connection_id (CascadeRealtime *self);

G_END_DECLS
