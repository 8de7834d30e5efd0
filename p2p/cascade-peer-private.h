/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cascade-app.h"
#include "cascade-publisher.h"
#include "cascade-realtime.h"
#include "cascade-relay.h"
#include "cascade-tree-node.h"
#include "cascade-viewer.h"

G_BEGIN_DECLS

/* cascade-peer's state, shared by its publish side (cascade-peer.c) and its
 * watch and relay side (cascade-peer-watch.c). */
typedef struct
{
  GMainLoop *loop;
  int status;
  gboolean json;
  char *server;
  char *login;
  char *password;
  char *local_address;

  CascadeClient *client;
  CascadeRealtime *realtime;
  char *stream_id;
  char *peer_id;

  /* publish */
  char *title;
  char *category;
  char *source;
  char *quality_name;
  int max_viewers;
  CascadePublisher *publisher;
  JsonArray *ice_servers;
  gboolean ending;
  guint thumbnail_source;
  int audience; /* stream.viewers: the whole tree */
  int tree_depth;
  int tree_relays;

  /* watch and relay */
  char *target;
  gboolean always_on; /* `relay USERNAME`: joins each time the channel goes live */
  int frames_wanted;
  int relay_children; /* --relay N: -1 until parsed */
  int upload_kbps;
  gboolean privacy;
  gboolean no_playback;
  int impair_delay_ms;
  double impair_loss;
  gboolean watch_handlers;
  CascadeViewer *viewer;
  CascadeRelay *relay;
  CascadeTreeNode *node;
  gboolean awaiting_resume;
  gint64 last_frame_us;
  guint64 stamped;
  guint64 frames;
  GString *latencies; /* every stamped frame's latency (ms) since the last stats */
  guint report_source;
  guint health_source; /* publish: the root's health */
  gboolean listing;
} Peer;

/* One output line: `event k=v …` as text, or {"event":…,"k":v,…} with --json.
 * @format is space-separated key=value pairs; values are numbers, true or
 * false, or bare words. */
void G_GNUC_PRINTF (3, 4)
  _cascade_peer_emit (Peer *peer, const char *event, const char *format, ...);
void _cascade_peer_fail (Peer *peer, const char *what, const GError *error);
void _cascade_peer_send_signal (Peer *peer, const char *to, JsonObject *signal);
void _cascade_peer_send_simple (Peer *peer, const char *type);
const char *_cascade_peer_member_string (JsonObject *object, const char *name);
JsonArray *_cascade_peer_member_array (JsonObject *object, const char *name);
gboolean _cascade_peer_for_this_stream (Peer *peer, JsonObject *message);
void _cascade_peer_connect_realtime (Peer *peer);

/* cascade-peer-watch.c */
void _cascade_peer_start_watch (Peer *peer);
void _cascade_peer_start_relay (Peer *peer);
/* The stream ended: TRUE when the peer keeps running (an always-on relay). */
gboolean _cascade_peer_watch_ended (Peer *peer);
/* SIGINT/SIGTERM while watching: TRUE when a graceful leave is under way. */
gboolean _cascade_peer_watch_quit (Peer *peer);
void _cascade_peer_watch_clear (Peer *peer);

G_END_DECLS
