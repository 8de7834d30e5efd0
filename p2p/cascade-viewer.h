/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "cascade-p2p-types.h"
#include "cascade-relay.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_VIEWER (cascade_viewer_get_type ())
G_DECLARE_FINAL_TYPE (CascadeViewer, cascade_viewer, CASCADE, VIEWER, GObject)

/*
 * The viewer's side of one hop: a receive-only webrtcbin that answers its
 * parent's offer, jitter buffers that ask for every lost packet again (NACK)
 * and hold packets only behind a gap (video waits up to 300 ms for the
 * retransmission; audio, which plays in sync, has the "latency" property, 30
 * ms by default), H.264 decoding that asks for a key frame when
 * it joins mid-GOP and never shows corrupt frames, video into the sink the
 * caller supplies (the UI's paintable sink; a fakesink by default, which
 * renders as soon as a frame is decoded) and audio into autoaudiosink or a
 * fakesink.
 *
 * Local SDP and ICE leave through the "signal" signal in the shape of the
 * realtime `signal` message's `sdp` / `ice` members; the parent's arrive
 * through cascade_viewer_handle_signal(). A new offer replaces the current
 * connection (reconnection), reusing the same sinks.
 */

typedef struct
{
  CascadePeerState state;
  guint64 frames;         /* frames decoded on this connection */
  guint64 stamped_frames; /* of those, frames carrying a valid pixel stamp */
  gint64 latency_us;      /* capture → decoded, last stamped frame; -1 when none */
  gint64 first_frame_us;  /* offer received → first frame shown; -1 before it */
  guint connections;      /* offers accepted so far */
} CascadeViewerStats;

CascadeViewer *cascade_viewer_new (GstElement *video_sink);
/* The same, with sound through autoaudiosink when @audio_output (the app). */
CascadeViewer *cascade_viewer_new_full (GstElement *video_sink, gboolean audio_output);

void cascade_viewer_set_ice_servers (CascadeViewer *self, JsonArray *ice_servers);
gboolean cascade_viewer_handle_signal (CascadeViewer *self, JsonObject *signal, GError **error);
void cascade_viewer_close (CascadeViewer *self);

CascadePeerState cascade_viewer_get_state (CascadeViewer *self);
void cascade_viewer_get_stats (CascadeViewer *self, CascadeViewerStats *out_stats);
char *cascade_viewer_dup_video_profile (CascadeViewer *self);

/* The link from the parent, for the tracker's `stream.health` (issue 4). */
typedef struct
{
  double loss;            /* fraction of packets lost, last period, 0..1 */
  double rtt_ms;          /* round trip to the parent; -1 when unknown */
  gboolean receiving;     /* media arrived in the last second */
  guint64 bytes_received; /* RTP from parents since the start */
  gint64 last_packet_us;  /* monotonic time of the last packet; 0 before any */
} CascadeViewerHealth;

/* The first call starts the periodic statistics (every second). */
void cascade_viewer_get_health (CascadeViewer *self, CascadeViewerHealth *out_health);

/* Forwarding to this viewer's children: what arrives from the parent goes to
 * @relay too (before any decoding), and its key frame requests go up. */
void cascade_viewer_set_relay (CascadeViewer *self, CascadeRelay *relay);
CascadeRelay *cascade_viewer_get_relay (CascadeViewer *self);

double cascade_viewer_get_volume (CascadeViewer *self);
void cascade_viewer_set_volume (CascadeViewer *self, double volume);
gboolean cascade_viewer_get_mute (CascadeViewer *self);
void cascade_viewer_set_mute (CascadeViewer *self, gboolean mute);

G_END_DECLS
