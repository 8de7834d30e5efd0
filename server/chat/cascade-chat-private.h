/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cascade-chat.h"

G_BEGIN_DECLS

struct _CascadeChat
{
  GObject parent_instance;

  CascadeStore *store;
  CascadeIdentity *identity;
  CascadeStreaming *streaming;
  CascadeChatSettings settings;
  CascadeChatFollowLookup follow_lookup;
  GObject *follow_owner;
  CascadeChatColorLookup color_lookup;
  GObject *color_owner;
  GMainContext *main_context;

  GAsyncQueue *queue; /* WriteItem */
  GThread *writer;
  guint64 last_id; /* main thread */
};

gboolean
_cascade_chat_load_held_tx (CascadeStoreTx *tx, CascadeChatRoomState *state, GError **error);
gboolean _cascade_chat_take_held_tx (CascadeStoreTx *tx, CascadeChatChange *change, GError **error);
void _cascade_chat_announce (CascadeChat *self, const CascadeChatChange *change);

G_END_DECLS
