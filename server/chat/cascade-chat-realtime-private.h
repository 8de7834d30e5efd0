/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cascade-chat-realtime.h"
#include "cascade-chat-text.h"

G_BEGIN_DECLS

struct _CascadeChatRealtime
{
  GObject parent_instance;

  CascadeRealtimeHub *hub; /* weak */
  CascadeChat *chat;
  GHashTable *rooms;       /* channel (lower case) → Room */
  GHashTable *by_owner;    /* channel user id → Room (borrowed) */
  GHashTable *memberships; /* connection id → GPtrArray of Room (borrowed) */
  guint tick_id;
  guint ticks;
  CascadeRateLimit *rate_limit;
};

typedef struct
{
  CascadeChatMember *member;
  guint n_connections;
  gint64 last_sent_ms;
  char *last_text;
} Chatter;

typedef struct
{
  CascadeChatRoomState *state;
  GHashTable *connections; /* connection id → Chatter (borrowed) */
  GHashTable *targets;     /* connection id → CascadeRealtimeConnection, for the fan-out */
  GHashTable *chatters;    /* user id → Chatter */
  GHashTable *held;        /* held id → CascadeChatHeld, as in the store */
  gboolean open;
  guint sent_viewers;
  guint sent_chatters;
} Room;

gboolean _cascade_chat_realtime_may_moderate (Room *room, CascadeChatMember *member);
JsonNode *_cascade_chat_realtime_build_modes (const CascadeChatModes *modes);
JsonObject *_cascade_chat_realtime_room_message_new (Room *room, const char *type);
JsonArray *_cascade_chat_realtime_room_emotes (Room *room);
void _cascade_chat_realtime_room_send (CascadeChatRealtime *self,
                                       Room *room,
                                       JsonObject *message,
                                       gboolean moderators_only);
void _cascade_chat_realtime_send_you (CascadeChatRealtime *self, Room *room, const char *user_id);
void _cascade_chat_realtime_send_error (CascadeChatRealtime *self,
                                        const CascadeRealtimeContext *context,
                                        const char *code,
                                        const char *text,
                                        const char *extra_name,
                                        gint64 extra_value);
void _cascade_chat_realtime_send_gerror (CascadeChatRealtime *self,
                                         const char *connection_id,
                                         const char *message_id,
                                         const GError *error);
void _cascade_chat_realtime_reply_ok (CascadeChatRealtime *self,
                                      const char *connection_id,
                                      const char *message_id);
Room *_cascade_chat_realtime_find_room (CascadeChatRealtime *self, const char *channel);
Chatter *_cascade_chat_realtime_connection_chatter (Room *room, const char *connection_id);
void _cascade_chat_realtime_write_to_room (CascadeChatRealtime *self,
                                           Room *room,
                                           CascadeChatMember *member,
                                           const char *text,
                                           CascadeChatText *parsed,
                                           gint64 sent_at,
                                           const char *connection_id,
                                           const char *message_id);
void
_cascade_chat_realtime_send_held (CascadeChatRealtime *self, Room *room, const char *connection_id);
void _cascade_chat_realtime_hold (CascadeChatRealtime *self,
                                  Room *room,
                                  CascadeChatMember *sender,
                                  const char *json,
                                  const CascadeRealtimeContext *context);
void _cascade_chat_realtime_handle_held_approve (CascadeRealtimeHub *hub,
                                                 const CascadeRealtimeContext *context,
                                                 JsonObject *message,
                                                 gpointer owner);
void _cascade_chat_realtime_handle_held_deny (CascadeRealtimeHub *hub,
                                              const CascadeRealtimeContext *context,
                                              JsonObject *message,
                                              gpointer owner);
void _cascade_chat_realtime_on_changed (CascadeChat *chat,
                                        CascadeChatChange *change,
                                        gpointer user_data);
void _cascade_chat_realtime_handle_delete (CascadeRealtimeHub *hub,
                                           const CascadeRealtimeContext *context,
                                           JsonObject *message,
                                           gpointer owner);
void _cascade_chat_realtime_handle_timeout (CascadeRealtimeHub *hub,
                                            const CascadeRealtimeContext *context,
                                            JsonObject *message,
                                            gpointer owner);
void _cascade_chat_realtime_handle_ban (CascadeRealtimeHub *hub,
                                        const CascadeRealtimeContext *context,
                                        JsonObject *message,
                                        gpointer owner);
void _cascade_chat_realtime_handle_unban (CascadeRealtimeHub *hub,
                                          const CascadeRealtimeContext *context,
                                          JsonObject *message,
                                          gpointer owner);
void _cascade_chat_realtime_handle_modes (CascadeRealtimeHub *hub,
                                          const CascadeRealtimeContext *context,
                                          JsonObject *message,
                                          gpointer owner);

G_END_DECLS
