/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "cascade-p2p-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_PUBLISHER (cascade_publisher_get_type ())
G_DECLARE_FINAL_TYPE (CascadePublisher, cascade_publisher, CASCADE, PUBLISHER, GObject)

/*
 * The streamer's side: one source, one H.264 encoder (no B-frames, zero
 * latency) and one Opus encoder feeding a tee, and one webrtcbin per viewer
 * served directly. The publisher does not know the transport: local SDP and
 * ICE leave through the "signal" signal as the `sdp` / `ice` members of the
 * realtime `signal` message, and the remote ones come back through
 * cascade_publisher_handle_signal().
 *
 * Sources: the test pattern (with the pixel time stamp and a tone), a
 * PipeWire node (the ScreenCast portal's fd and node id, or a node on the
 * default PipeWire daemon when fd is -1), or a media file.
 */

typedef struct
{
  double bitrate_kbps; /* encoded video, last second */
  double fps;          /* frames encoded, last second */
  guint64 dropped;     /* frames dropped before the encoder since start */
  double encoder_load; /* encode time / frame interval, 0..1+ */
  guint viewers;       /* viewers served directly */
  double upload_kbps;  /* RTP handed to all viewers, last second */
  guint64 frames;      /* frames encoded since start */
  const char *encoder; /* the H.264 encoder element in use, "x264enc" or a VA-API one */

  /* Key frames forced on request (a PLI from the tree, a join) since start. */
  guint64 keyframes_forced;
  /* RTP handed to all viewers since start. */
  guint64 bytes_sent;
} CascadePublisherStats;

/* What a PipeWire (screen) source sends as sound. The test pattern keeps its
 * tone and a file its own audio. */
typedef enum
{
  CASCADE_AUDIO_CAPTURE_NONE,
  CASCADE_AUDIO_CAPTURE_DESKTOP,    /* the default sink's monitor */
  CASCADE_AUDIO_CAPTURE_MICROPHONE, /* the default source */
  CASCADE_AUDIO_CAPTURE_BOTH,       /* both, mixed */
} CascadeAudioCapture;

/* The H.264 encoder for @usable, the encoders that exist and work here: a
 * VA-API one (vah264enc, then vaapih264enc) when listed, else "x264enc". */
const char *cascade_publisher_pick_encoder (const char *const *usable);
/* The H.264 encoders this machine can use, probed once (a VA device must open). */
const char *const *cascade_publisher_get_usable_encoders (void);

CascadePublisher *cascade_publisher_new (CascadeQuality quality);

void cascade_publisher_set_source_test (CascadePublisher *self);
void cascade_publisher_set_source_pipewire (CascadePublisher *self, int fd, guint32 node_id);
void cascade_publisher_set_source_file (CascadePublisher *self, const char *path);
void cascade_publisher_set_stamp (CascadePublisher *self, gboolean stamp);
void cascade_publisher_set_preview_sink (CascadePublisher *self, GstElement *sink);
void cascade_publisher_set_audio_capture (CascadePublisher *self, CascadeAudioCapture audio);
CascadeAudioCapture cascade_publisher_get_audio_capture (CascadePublisher *self);
const char *cascade_publisher_get_encoder (CascadePublisher *self);

CascadeQuality cascade_publisher_get_quality (CascadePublisher *self);
guint cascade_publisher_get_max_direct_viewers (CascadePublisher *self);
void cascade_publisher_set_max_direct_viewers (CascadePublisher *self, guint max_direct_viewers);

gboolean cascade_publisher_start (CascadePublisher *self, GError **error);
void cascade_publisher_stop (CascadePublisher *self);
gboolean cascade_publisher_is_running (CascadePublisher *self);

gboolean cascade_publisher_add_viewer (CascadePublisher *self,
                                       const char *peer_id,
                                       JsonArray *ice_servers,
                                       GError **error);
gboolean cascade_publisher_handle_signal (CascadePublisher *self,
                                          const char *peer_id,
                                          JsonObject *signal,
                                          GError **error);
void cascade_publisher_remove_viewer (CascadePublisher *self, const char *peer_id);
guint cascade_publisher_get_n_viewers (CascadePublisher *self);
/* The root's `stream.health` for @stream_id (docs/api.md): it feeds up to
 * its max-direct-viewers, receives (it is the source), loses nothing, and
 * names the round trip to each viewer it serves whose receiver reports gave
 * one (read every second). */
JsonObject *cascade_publisher_dup_health_message (CascadePublisher *self, const char *stream_id);

void cascade_publisher_request_keyframe (CascadePublisher *self);
void cascade_publisher_get_stats (CascadePublisher *self, CascadePublisherStats *out_stats);

/* A 320×180 JPEG of the newest frame, for the stream's thumbnail. */
void cascade_publisher_snapshot_async (CascadePublisher *self,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
GBytes *
cascade_publisher_snapshot_finish (CascadePublisher *self, GAsyncResult *result, GError **error);

G_END_DECLS
