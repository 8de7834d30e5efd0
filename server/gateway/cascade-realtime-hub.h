/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "gateway/cascade-gateway.h"
#include "gateway/cascade-json-validate.h"

G_BEGIN_DECLS

#define CASCADE_REALTIME_PATH "/api/v1/realtime"
#define CASCADE_REALTIME_RATE_PER_SECOND 50
/* Frames up to this are read (and refused with message_too_large past the
 * codec's 64 KiB); a bigger frame closes the connection (1009). */
#define CASCADE_REALTIME_MAX_FRAME_BYTES (1024 * 1024)

typedef struct _CascadeRealtimeHub CascadeRealtimeHub;

/* One open realtime connection, for fan-out: a context that sends the same
 * text to many connections keeps their handles instead of looking each id
 * up for every message. Sending to a closed one does nothing. */
typedef struct _CascadeRealtimeConnection CascadeRealtimeConnection;

/* Who sent a realtime message, as a handler sees it. */
typedef struct
{
  const char *connection_id;
  const char *user_id;
  const char *message_id; /* the message's "id", echoed by replies; nullable */
} CascadeRealtimeContext;

/* Runs on the main thread; the message's members are already checked
 * against the handler's table. */
typedef void (*CascadeRealtimeHandlerFunc) (CascadeRealtimeHub *hub,
                                            const CascadeRealtimeContext *context,
                                            JsonObject *message,
                                            gpointer owner);

/* One row of a context's realtime table: a message type and its members. */
typedef struct
{
  const char *type;
  const CascadeJsonMember *members;
  CascadeRealtimeHandlerFunc handler;
} CascadeRealtimeHandler;

/* Fills the user's public names for "hello", on a worker thread. */
typedef gboolean (*CascadeRealtimeUserLookup) (const char *user_id,
                                               char **out_username,
                                               char **out_display_name,
                                               gpointer owner,
                                               GError **error);

#define CASCADE_TYPE_REALTIME_HUB (cascade_realtime_hub_get_type ())

G_DECLARE_FINAL_TYPE (CascadeRealtimeHub, cascade_realtime_hub, CASCADE, REALTIME_HUB, GObject)

CascadeRealtimeHub *cascade_realtime_hub_new (CascadeGateway *gateway,
                                              CascadeRealtimeUserLookup lookup,
                                              gpointer lookup_owner);
void cascade_realtime_hub_add_handlers (CascadeRealtimeHub *self,
                                        const CascadeRealtimeHandler *handlers,
                                        gsize n_handlers,
                                        gpointer owner);
gboolean cascade_realtime_hub_send (CascadeRealtimeHub *self,
                                    const char *connection_id,
                                    JsonObject *message);
gboolean cascade_realtime_hub_send_text (CascadeRealtimeHub *self,
                                         const char *connection_id,
                                         const char *text);
void cascade_realtime_hub_reply (CascadeRealtimeHub *self,
                                 const CascadeRealtimeContext *context,
                                 JsonObject *message);
void cascade_realtime_hub_send_error (CascadeRealtimeHub *self,
                                      const char *connection_id,
                                      const char *message_id,
                                      const char *code,
                                      const char *message);
void cascade_realtime_hub_send_error_field (CascadeRealtimeHub *self,
                                            const char *connection_id,
                                            const char *message_id,
                                            const char *code,
                                            const char *message,
                                            const char *field);
void cascade_realtime_hub_broadcast (CascadeRealtimeHub *self, JsonObject *message);
guint cascade_realtime_hub_get_n_connections (CascadeRealtimeHub *self);
gboolean cascade_realtime_hub_has_connection (CascadeRealtimeHub *self, const char *connection_id);
CascadeRealtimeConnection *cascade_realtime_hub_lookup (CascadeRealtimeHub *self,
                                                        const char *connection_id);
CascadeRealtimeConnection *cascade_realtime_connection_ref (CascadeRealtimeConnection *conn);
void cascade_realtime_connection_unref (CascadeRealtimeConnection *conn);
void cascade_realtime_connection_send_text (CascadeRealtimeConnection *conn, const char *text);
void cascade_realtime_hub_close_all (CascadeRealtimeHub *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeRealtimeConnection, cascade_realtime_connection_unref)

G_END_DECLS
