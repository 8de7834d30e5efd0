/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "chat/cascade-chat.h"
#include "gateway/cascade-realtime-hub.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_REALTIME (cascade_chat_realtime_get_type ())

G_DECLARE_FINAL_TYPE (CascadeChatRealtime, cascade_chat_realtime, CASCADE, CHAT_REALTIME, GObject)

CascadeChatRealtime *cascade_chat_realtime_install (CascadeRealtimeHub *hub, CascadeChat *chat);
void cascade_chat_realtime_set_following (CascadeChatRealtime *self,
                                          const char *user_id,
                                          const char *channel_user_id,
                                          gint64 since_ms);
void
cascade_chat_realtime_set_color (CascadeChatRealtime *self, const char *user_id, const char *color);

G_END_DECLS
