/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cascade-streaming.h"

G_BEGIN_DECLS

/* CascadeStreaming's state, shared by cascade-streaming.c (channels, live
 * sessions, thumbnails) and cascade-streaming-tree.c (the tree endpoint). */
struct _CascadeStreaming
{
  GObject parent_instance;

  CascadeStore *store;
  CascadeIdentity *identity;
  CascadeStreamTracker *tracker;
  GMainContext *main_context;
  guint grace_seconds;
  GStrv stun_urls;
  CascadeIceServers *ice_servers;
  GHashTable *grace_timers; /* stream id → GSource (main thread only) */
  CascadeChannelExtension channel_extension;
  GObject *channel_extension_owner;
};

G_END_DECLS
