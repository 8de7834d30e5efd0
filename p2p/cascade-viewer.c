/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include "cascade-p2p-hop.h"
#include "cascade-relay.h"
#include "cascade-stamp.h"
#include "cascade-viewer.h"
#include "cascade-webrtc-util.h"

/* How long the video jitter buffer waits for a lost packet's retransmission:
 * several round trips on a lossy link. It holds packets only behind a gap; in
 * order, each leaves at once, and the video sink does not sync, so a clean
 * link never sees this delay. */
#define VIDEO_RETRANSMISSION_MS 300
/* How long a jitter buffer waits before asking for the same packet again:
 * its own guess is twice the round trip it measured, which one slow
 * retransmission on a loaded machine pushes past the whole wait, so a lost
 * request or a lost retransmission was never asked for again. A link slower
 * than this gets a duplicate retransmission now and then. */
#define RETRY_MS 50
/* Regular receiver reports at least this often, and the RTCP bandwidth
 * (bits a second, whatever rtpsession's blurb says) that allows it: the
 * interval is the average RTCP packet (~1000 bits with NACKs) times the
 * session's members (4: this receiver, video, audio, retransmissions)
 * over this, ~50 ms before rtpsession's randomising. Early feedback goes
 * between two reports, so a request still leaves within a round trip.
 * Measured with bench-swarm: 200000 (reports every ~12 ms) gave the same
 * 99.9% of frames on the lossy links, but 16 peers on 2 cores spent enough
 * more CPU on RTCP that depth-1 viewers showed a quarter fewer frames and
 * their median latency went from 20 to 34 ms. */
#define RTCP_INTERVAL_MS 20
#define RTCP_BANDWIDTH_BITS 80000

struct _CascadeViewer
{
  GObject parent_instance;

  GMainContext *context;
  GstElement *video_sink;
  GstElement *audio_sink;
  GstElement *volume;
  JsonArray *ice_servers;
  char *local_address;
  guint latency_ms;
  gboolean audio_output;
  gboolean playback;
  gboolean privacy;
  guint impair_delay_ms;
  double impair_loss;
  CascadeImpairment *impairment; /* with the pipeline */
  GMutex relay_lock;
  CascadeRelay *relay; /* under relay_lock for the streaming threads */
  gulong relay_keyframe_handler;
  double volume_level;
  gboolean mute;

  GstElement *pipeline;
  GstElement *webrtc;
  guint bus_watch;
  guint generation; /* bumped per connection; stale hops are ignored */
  gint64 offer_time_us;
  gboolean video_linked;   /* streaming thread, under the pipeline's lock */
  GstElement *video_depay; /* borrowed from the pipeline, under its lock */
  gboolean audio_linked;
  guint64 audio_pts[2]; /* bit per payload type: the offer's audio formats */
  /* The video gate, on the one streaming thread from the depayloader to the
   * parser: a packet was lost for good, and the access unit that may miss it
   * has not come out yet. */
  gboolean video_started;
  gboolean video_damaged;
  gboolean video_suspect;
  gint decoder_behind; /* atomic: the decoder's queue dropped access units */

  CascadeViewerStats stats;
  char *video_profile;

  /* Health of the link from the parent (issue 4). */
  gint64 last_packet_us;  /* atomic: monotonic time of the last RTP from the parent */
  guint64 bytes_received; /* atomic: RTP from the parent since the start */
  guint health_source;
  CascadeStatsSlot *stats_slot;
  double loss;
  double rtt_ms;
  gint64 stats_lost;
  guint64 stats_received;
};

G_DEFINE_FINAL_TYPE (CascadeViewer, cascade_viewer, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_LATENCY,
  PROP_LOCAL_ADDRESS,
  PROP_AUDIO_OUTPUT,
  PROP_VOLUME,
  PROP_MUTE,
  PROP_PLAYBACK,
  PROP_PRIVACY,
  PROP_RELAY,
  PROP_IMPAIR_DELAY_MS,
  PROP_IMPAIR_LOSS,
  N_PROPS
};

enum
{
  SIGNAL_SIGNAL,
  FRAME,
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  guint generation;
  char *profile;
  JsonObject *signal;
  GError *error;
  gint64 latency_us;
  int state;
} ViewerEvent;

static ViewerEvent *
viewer_event_new (CascadeViewer *self)
{
  ViewerEvent *event = g_new0 (ViewerEvent, 1);

  event->generation = self->generation;
  event->latency_us = -1;
  return event;
}

static void
viewer_event_free (gpointer data)
{
  ViewerEvent *event = data;

  g_clear_pointer (&event->signal, json_object_unref);
  g_clear_error (&event->error);
  g_free (event->profile);
  g_free (event);
}

static void
set_state (CascadeViewer *self, CascadePeerState state)
{
  if (self->stats.state == state)
    return;
  self->stats.state = state;
  g_debug ("viewer connection is %s", cascade_peer_state_to_string (state));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
teardown (CascadeViewer *self)
{
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_pointer (&self->stats_slot, _cascade_stats_slot_unref);
  if (self->pipeline == NULL)
    return;

  self->generation++;
  if (self->webrtc != NULL)
    _cascade_webrtc_close_ice (self->webrtc);
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  self->video_depay = NULL;
  /* The sinks are the caller's (or ours) and outlive the connection. */
  if (GST_OBJECT_PARENT (self->video_sink) == GST_OBJECT (self->pipeline))
    gst_bin_remove (GST_BIN (self->pipeline), self->video_sink);
  if (GST_OBJECT_PARENT (self->audio_sink) == GST_OBJECT (self->pipeline))
    gst_bin_remove (GST_BIN (self->pipeline), self->audio_sink);
  gst_element_set_state (self->video_sink, GST_STATE_NULL);
  gst_element_set_state (self->audio_sink, GST_STATE_NULL);
  self->webrtc = NULL;
  self->volume = NULL;
  gst_clear_object (&self->pipeline);
  g_clear_pointer (&self->impairment, _cascade_impairment_free);
}

static void
cascade_viewer_dispose (GObject *object)
{
  CascadeViewer *self = CASCADE_VIEWER (object);

  g_clear_handle_id (&self->health_source, g_source_remove);
  teardown (self);
  cascade_viewer_set_relay (self, NULL);
  G_OBJECT_CLASS (cascade_viewer_parent_class)->dispose (object);
}

static void
cascade_viewer_finalize (GObject *object)
{
  CascadeViewer *self = CASCADE_VIEWER (object);

  gst_clear_object (&self->video_sink);
  gst_clear_object (&self->audio_sink);
  g_clear_pointer (&self->ice_servers, json_array_unref);
  g_free (self->local_address);
  g_free (self->video_profile);
  g_mutex_clear (&self->relay_lock);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (cascade_viewer_parent_class)->finalize (object);
}

static void
cascade_viewer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeViewer *self = CASCADE_VIEWER (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_enum (value, self->stats.state);
        break;
      case PROP_LATENCY:
        g_value_set_uint (value, self->latency_ms);
        break;
      case PROP_LOCAL_ADDRESS:
        g_value_set_string (value, self->local_address);
        break;
      case PROP_AUDIO_OUTPUT:
        g_value_set_boolean (value, self->audio_output);
        break;
      case PROP_VOLUME:
        g_value_set_double (value, self->volume_level);
        break;
      case PROP_MUTE:
        g_value_set_boolean (value, self->mute);
        break;
      case PROP_PLAYBACK:
        g_value_set_boolean (value, self->playback);
        break;
      case PROP_PRIVACY:
        g_value_set_boolean (value, self->privacy);
        break;
      case PROP_RELAY:
        g_value_set_object (value, self->relay);
        break;
      case PROP_IMPAIR_DELAY_MS:
        g_value_set_uint (value, self->impair_delay_ms);
        break;
      case PROP_IMPAIR_LOSS:
        g_value_set_double (value, self->impair_loss);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_viewer_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CascadeViewer *self = CASCADE_VIEWER (object);

  switch (prop_id)
    {
      case PROP_LATENCY:
        if (self->latency_ms != g_value_get_uint (value))
          {
            self->latency_ms = g_value_get_uint (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      case PROP_LOCAL_ADDRESS:
        if (g_strcmp0 (self->local_address, g_value_get_string (value)) != 0)
          {
            g_free (self->local_address);
            self->local_address = g_value_dup_string (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      case PROP_AUDIO_OUTPUT:
        self->audio_output = g_value_get_boolean (value);
        break;
      case PROP_VOLUME:
        cascade_viewer_set_volume (self, g_value_get_double (value));
        break;
      case PROP_MUTE:
        cascade_viewer_set_mute (self, g_value_get_boolean (value));
        break;
      case PROP_PLAYBACK:
        if (self->playback != g_value_get_boolean (value))
          {
            self->playback = g_value_get_boolean (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      case PROP_PRIVACY:
        if (self->privacy != g_value_get_boolean (value))
          {
            self->privacy = g_value_get_boolean (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      case PROP_RELAY:
        cascade_viewer_set_relay (self, g_value_get_object (value));
        break;
      case PROP_IMPAIR_DELAY_MS:
        self->impair_delay_ms = g_value_get_uint (value);
        break;
      case PROP_IMPAIR_LOSS:
        self->impair_loss = g_value_get_double (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_viewer_constructed (GObject *object)
{
  CascadeViewer *self = CASCADE_VIEWER (object);

  G_OBJECT_CLASS (cascade_viewer_parent_class)->constructed (object);
  _cascade_webrtc_preload ();

  self->audio_sink =
    gst_element_factory_make (self->audio_output ? "autoaudiosink" : "fakesink", NULL);
  if (self->audio_sink == NULL)
    self->audio_sink = gst_element_factory_make ("fakesink", NULL);
  if (!self->audio_output)
    g_object_set (self->audio_sink, "sync", FALSE, NULL);
  gst_object_ref_sink (self->audio_sink);
}

static void
cascade_viewer_class_init (CascadeViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = cascade_viewer_constructed;
  object_class->dispose = cascade_viewer_dispose;
  object_class->finalize = cascade_viewer_finalize;
  object_class->get_property = cascade_viewer_get_property;
  object_class->set_property = cascade_viewer_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CASCADE_TYPE_PEER_STATE, CASCADE_PEER_STATE_NEW,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The audio jitter buffer, in milliseconds, from the next connection: the
   * delay of the synchronised (audio) playback. Video waits up to
   * VIDEO_RETRANSMISSION_MS for retransmissions, and only behind a gap. */
  properties[PROP_LATENCY] =
    g_param_spec_uint ("latency", NULL, NULL, 0, 2000, 30,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* When set, ICE gathers only on this address (tests use 127.0.0.1). */
  properties[PROP_LOCAL_ADDRESS] =
    g_param_spec_string ("local-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* TRUE plays sound through autoaudiosink; FALSE (headless) discards it. */
  properties[PROP_AUDIO_OUTPUT] =
    g_param_spec_boolean ("audio-output", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VOLUME] =
    g_param_spec_double ("volume", NULL, NULL, 0, 1, 1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MUTE] =
    g_param_spec_boolean ("mute", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* FALSE: no decoding at all, only forwarding (a headless relay); from the
   * next connection on. */
  properties[PROP_PLAYBACK] =
    g_param_spec_boolean ("playback", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Only TURN candidates from the next connection on (privacy mode). */
  properties[PROP_PRIVACY] =
    g_param_spec_boolean ("privacy", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Where what arrives from the parent is forwarded to this viewer's children. */
  properties[PROP_RELAY] =
    g_param_spec_object ("relay", NULL, NULL, CASCADE_TYPE_RELAY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Link emulation (benchmarks): received packets held this long before
   * webrtcbin sees them, and this percentage dropped; from the next connection. */
  properties[PROP_IMPAIR_DELAY_MS] = g_param_spec_uint ("impair-delay-ms", NULL, NULL, 0, 10000, 0,
                                                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IMPAIR_LOSS] = g_param_spec_double ("impair-loss", NULL, NULL, 0, 100, 0,
                                                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (JsonObject *signal): forward as a realtime `signal` to the parent. */
  signals[SIGNAL_SIGNAL] = g_signal_new ("signal", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* (gint64 latency_us): a frame was decoded and handed to the sink;
   * latency_us is capture → now from its pixel stamp, or -1 without one. */
  signals[FRAME] = g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* (GError *): the connection failed (a bad offer, a broken pipeline). */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cascade_viewer_init (CascadeViewer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->latency_ms = 30;
  self->playback = TRUE;
  self->volume_level = 1;
  self->stats.latency_us = -1;
  self->stats.first_frame_us = -1;
  self->loss = 0;
  self->rtt_ms = -1;
  g_mutex_init (&self->relay_lock);
}

/**
 * cascade_viewer_new:
 * @video_sink: (nullable) (transfer floating): where decoded video goes;
 *   %NULL for a fakesink
 */
CascadeViewer *
cascade_viewer_new (GstElement *video_sink)
{
  return cascade_viewer_new_full (video_sink, FALSE);
}

CascadeViewer *
cascade_viewer_new_full (GstElement *video_sink, gboolean audio_output)
{
  CascadeViewer *self = g_object_new (CASCADE_TYPE_VIEWER, "audio-output", audio_output, NULL);

  if (video_sink == NULL)
    {
      video_sink = gst_element_factory_make ("fakesink", NULL);
      g_object_set (video_sink, "sync", FALSE, NULL);
    }
  self->video_sink = gst_object_ref_sink (video_sink);
  return self;
}

void
cascade_viewer_set_ice_servers (CascadeViewer *self, JsonArray *ice_servers)
{
  g_return_if_fail (CASCADE_IS_VIEWER (self));

  g_clear_pointer (&self->ice_servers, json_array_unref);
  if (ice_servers != NULL)
    self->ice_servers = json_array_ref (ice_servers);
}

CascadePeerState
cascade_viewer_get_state (CascadeViewer *self)
{
  g_return_val_if_fail (CASCADE_IS_VIEWER (self), CASCADE_PEER_STATE_CLOSED);
  return self->stats.state;
}

void
cascade_viewer_get_stats (CascadeViewer *self, CascadeViewerStats *out_stats)
{
  g_return_if_fail (CASCADE_IS_VIEWER (self));
  g_return_if_fail (out_stats != NULL);
  *out_stats = self->stats;
}

double
cascade_viewer_get_volume (CascadeViewer *self)
{
  g_return_val_if_fail (CASCADE_IS_VIEWER (self), 0);
  return self->volume_level;
}

void
cascade_viewer_set_volume (CascadeViewer *self, double volume)
{
  g_return_if_fail (CASCADE_IS_VIEWER (self));

  volume = CLAMP (volume, 0, 1);
  if (self->volume_level == volume)
    return;
  self->volume_level = volume;
  if (self->volume != NULL)
    g_object_set (self->volume, "volume", volume, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VOLUME]);
}

gboolean
cascade_viewer_get_mute (CascadeViewer *self)
{
  g_return_val_if_fail (CASCADE_IS_VIEWER (self), FALSE);
  return self->mute;
}

void
cascade_viewer_set_mute (CascadeViewer *self, gboolean mute)
{
  g_return_if_fail (CASCADE_IS_VIEWER (self));

  mute = !!mute;
  if (self->mute == mute)
    return;
  self->mute = mute;
  if (self->volume != NULL)
    g_object_set (self->volume, "mute", mute, NULL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MUTE]);
}

/* ---- from GStreamer threads, through the hop ---- */

static void
signal_on_main (GObject *object, gpointer data)
{
  CascadeViewer *self = CASCADE_VIEWER (object);
  ViewerEvent *event = data;

  if (event->generation == self->generation)
    g_signal_emit (self, signals[SIGNAL_SIGNAL], 0, event->signal);
}

static void
error_on_main (GObject *object, gpointer data)
{
  CascadeViewer *self = CASCADE_VIEWER (object);
  ViewerEvent *event = data;

  if (event->generation != self->generation)
    return;
  teardown (self);
  set_state (self, CASCADE_PEER_STATE_FAILED);
  g_signal_emit (self, signals[ERROR], 0, event->error);
}

/* Connected means DTLS is done here too: ask for a key frame now, since one
 * the parent sent while the handshake was finishing was lost. */
static void
request_keyframe (CascadeViewer *self)
{
  g_autoptr (GstElement) depay = NULL;
  g_autoptr (GstPad) src = NULL;

  if (self->pipeline == NULL)
    return;
  GST_OBJECT_LOCK (self->pipeline);
  if (self->video_depay != NULL)
    depay = gst_object_ref (self->video_depay);
  GST_OBJECT_UNLOCK (self->pipeline);
  if (depay == NULL)
    return;
  src = gst_element_get_static_pad (depay, "src");
  gst_pad_send_event (src,
                      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

static void
state_on_main (GObject *object, gpointer data)
{
  CascadeViewer *self = CASCADE_VIEWER (object);
  ViewerEvent *event = data;

  if (event->generation != self->generation)
    return;
  if (event->state == CASCADE_PEER_STATE_CONNECTED && self->pipeline != NULL &&
      self->stats.state != CASCADE_PEER_STATE_CONNECTED && self->stats.frames == 0)
    request_keyframe (self);
  set_state (self, event->state);
}

static void
frame_on_main (GObject *object, gpointer data)
{
  CascadeViewer *self = CASCADE_VIEWER (object);
  ViewerEvent *event = data;

  if (event->generation != self->generation)
    return;
  self->stats.frames++;
  if (self->stats.first_frame_us < 0)
    self->stats.first_frame_us = g_get_monotonic_time () - self->offer_time_us;
  if (event->latency_us >= 0)
    {
      self->stats.stamped_frames++;
      self->stats.latency_us = event->latency_us;
    }
  g_signal_emit (self, signals[FRAME], 0, event->latency_us);
}

static void
profile_on_main (GObject *object, gpointer data)
{
  CascadeViewer *self = CASCADE_VIEWER (object);
  ViewerEvent *event = data;

  if (event->generation != self->generation)
    return;
  g_free (self->video_profile);
  self->video_profile = g_steal_pointer (&event->profile);
}

/* The H.264 profile the parent actually sends, from its SPS (via h264parse). */
static GstPadProbeReturn
profile_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;
  GstEvent *caps_event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;
  const char *profile;
  ViewerEvent *event;

  if (GST_EVENT_TYPE (caps_event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (caps_event, &caps);
  profile = gst_structure_get_string (gst_caps_get_structure (caps, 0), "profile");
  if (profile == NULL)
    return GST_PAD_PROBE_OK;
  event = viewer_event_new (self);
  event->profile = g_strdup (profile);
  cascade_p2p_hop (self->context, G_OBJECT (self), profile_on_main, event, viewer_event_free);
  return GST_PAD_PROBE_OK;
}

static void
hop_error (CascadeViewer *self, guint generation, const char *message)
{
  ViewerEvent *event = viewer_event_new (self);

  event->generation = generation;
  event->error = g_error_new_literal (CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED, message);
  cascade_p2p_hop (self->context, G_OBJECT (self), error_on_main, event, viewer_event_free);
}

static GstPadProbeReturn
frame_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  ViewerEvent *event = viewer_event_new (self);
  GstVideoInfo video_info;
  GstVideoFrame frame;
  gint64 stamp;

  if (caps != NULL && gst_video_info_from_caps (&video_info, caps) &&
      gst_video_frame_map (&frame, &video_info, GST_PAD_PROBE_INFO_BUFFER (info), GST_MAP_READ))
    {
      if (cascade_stamp_read (&frame, &stamp))
        event->latency_us = MAX (g_get_real_time () - stamp, 0);
      gst_video_frame_unmap (&frame);
    }
  cascade_p2p_hop (self->context, G_OBJECT (self), frame_on_main, event, viewer_event_free);
  return GST_PAD_PROBE_OK;
}

static gboolean
link_chain (GstElement *pipeline, GstPad *src, GstElement **chain, guint n)
{
  g_autoptr (GstPad) first = NULL;

  for (guint i = 0; i < n; i++)
    if (chain[i] == NULL)
      return FALSE;
  for (guint i = 0; i < n; i++)
    if (GST_OBJECT_PARENT (chain[i]) == NULL)
      gst_bin_add (GST_BIN (pipeline), chain[i]);
  for (guint i = 0; i + 1 < n; i++)
    if (!gst_element_link (chain[i], chain[i + 1]))
      return FALSE;
  first = gst_element_get_static_pad (chain[0], "sink");
  if (gst_pad_link (src, first) != GST_PAD_LINK_OK)
    return FALSE;
  for (guint i = n; i > 0; i--)
    gst_element_sync_state_with_parent (chain[i - 1]);
  return TRUE;
}

static GstElement *
make_discard_sink (void)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  return sink;
}

static CascadeRelay *
dup_relay (CascadeViewer *self)
{
  CascadeRelay *relay;

  g_mutex_lock (&self->relay_lock);
  relay = self->relay != NULL ? g_object_ref (self->relay) : NULL;
  g_mutex_unlock (&self->relay_lock);
  return relay;
}

/* Streaming thread: what the parent sent, straight from the depayloader (or
 * the parser), to the children; never decoded for them. */
static GstPadProbeReturn
forward_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;
  g_autoptr (CascadeRelay) relay = dup_relay (self);
  g_autoptr (GstCaps) caps = NULL;

  if (relay == NULL)
    return GST_PAD_PROBE_OK;
  caps = gst_pad_get_current_caps (pad);
  if (g_object_get_data (G_OBJECT (pad), "cascade-video") != NULL)
    cascade_relay_push_video (relay, GST_PAD_PROBE_INFO_BUFFER (info), caps);
  else
    cascade_relay_push_audio (relay, GST_PAD_PROBE_INFO_BUFFER (info), caps);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: every RTP packet from the parent, for the health report. */
static GstPadProbeReturn
arrival_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;

  g_atomic_pointer_set (&self->last_packet_us, g_get_monotonic_time ());
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    g_atomic_pointer_add (&self->bytes_received,
                          gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)));
  else if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_pointer_add (&self->bytes_received,
                          gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  return GST_PAD_PROBE_OK;
}

static void
add_forward_probe (CascadeViewer *self, GstElement *element, gboolean video)
{
  g_autoptr (GstPad) src = gst_element_get_static_pad (element, "src");

  if (video)
    g_object_set_data (G_OBJECT (src), "cascade-video", GINT_TO_POINTER (TRUE));
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, forward_probe, self, NULL);
}

static void
keyframe_on_main (GObject *object, gpointer data)
{
  request_keyframe (CASCADE_VIEWER (object));
}

/* Streaming thread, into the depayloader: a packet the jitter buffer gave up
 * on (or a gap after the first packet) damages the access unit it was in. */
static GstPadProbeReturn
loss_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    {
      if (self->video_started && GST_BUFFER_IS_DISCONT (GST_PAD_PROBE_INFO_BUFFER (info)))
        self->video_damaged = self->video_suspect = TRUE;
      self->video_started = TRUE;
    }
  else if (gst_event_has_name (GST_PAD_PROBE_INFO_EVENT (info), "GstRTPPacketLost"))
    self->video_damaged = self->video_suspect = TRUE;
  return GST_PAD_PROBE_OK;
}

/* Streaming thread, out of the parser: after a loss nothing goes on (to the
 * decoder or to the children) until a key frame that came whole. The
 * depayloader can hand on an access unit with a slice missing, which decodes
 * with broken blocks that the following frames copy, here and in every child
 * below (the lossy benchmark counted such frames): missing frames are better
 * than corrupt ones. The first unit out after the loss is dropped even when
 * it is a key frame: it may be the damaged one. */
static GstPadProbeReturn
video_gate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gboolean suspect = self->video_suspect;

  if (!self->video_damaged)
    return GST_PAD_PROBE_OK;
  self->video_suspect = FALSE;
  if (!suspect && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      self->video_damaged = FALSE;
      g_debug ("viewer %p: a whole key frame after a loss", self);
      return GST_PAD_PROBE_OK;
    }
  if (suspect)
    {
      g_debug ("viewer %p: a packet was lost for good, waiting for a key frame", self);
      cascade_p2p_hop (self->context, G_OBJECT (self), keyframe_on_main, NULL, NULL);
    }
  return GST_PAD_PROBE_DROP;
}

static void
add_video_gate (CascadeViewer *self, GstElement *depay, GstElement *parse)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (depay, "sink");
  g_autoptr (GstPad) src = gst_element_get_static_pad (parse, "src");

  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     loss_probe, self, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, video_gate_probe, self, NULL);
}

/* @chain starts with the depayloader. */
static gboolean
link_video_chain (CascadeViewer *self, GstPad *pad, GstElement **chain, guint n)
{
  if (!link_chain (self->pipeline, pad, chain, n))
    return FALSE;
  GST_OBJECT_LOCK (self->pipeline);
  self->video_depay = chain[0];
  GST_OBJECT_UNLOCK (self->pipeline);

  /* Ask for a key frame now rather than wait for the next one. */
  gst_pad_send_event (pad,
                      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
  return TRUE;
}

/* A relay without playback: parsed (the children need whole access units
 * and the caps), forwarded, discarded. */
static gboolean
link_video_forward_only (CascadeViewer *self, GstPad *pad)
{
  GstElement *chain[] = {
    gst_element_factory_make ("rtph264depay", NULL),
    gst_element_factory_make ("h264parse", NULL),
    make_discard_sink (),
  };

  if (chain[0] == NULL || chain[1] == NULL)
    return FALSE;
  g_object_set (chain[0], "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
  add_video_gate (self, chain[0], chain[1]);
  add_forward_probe (self, chain[1], TRUE);
  return link_video_chain (self, pad, chain, G_N_ELEMENTS (chain));
}

/* The upstream streaming thread: the decoder's queue is full and drops its
 * oldest access units, which the frames after them refer to. */
static void
on_decoder_queue_overrun (CascadeViewer *self)
{
  if (!g_atomic_int_get (&self->decoder_behind))
    g_debug ("viewer %p: the decoder fell behind, waiting for a key frame", self);
  g_atomic_int_set (&self->decoder_behind, TRUE);
}

/* The decoder's thread: after a drop, nothing until a key frame, or every
 * frame up to it decodes with broken blocks (no bit stream error tells the
 * decoder so). */
static GstPadProbeReturn
decoder_gate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;

  if (!g_atomic_int_get (&self->decoder_behind))
    return GST_PAD_PROBE_OK;
  if (GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info), GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  g_atomic_int_set (&self->decoder_behind, FALSE);
  return GST_PAD_PROBE_OK;
}

static gboolean
link_video (CascadeViewer *self, GstPad *pad)
{
  if (!self->playback)
    return link_video_forward_only (self, pad);

  GstElement *chain[] = {
    gst_element_factory_make ("rtph264depay", NULL), gst_element_factory_make ("h264parse", NULL),
    gst_element_factory_make ("queue", NULL),        gst_element_factory_make ("avdec_h264", NULL),
    gst_element_factory_make ("videoconvert", NULL), self->video_sink,
  };
  g_autoptr (GstPad) convert_sink = NULL;
  g_autoptr (GstPad) parse_src = NULL;
  g_autoptr (GstPad) queue_src = NULL;

  if (chain[3] == NULL) /* without gstreamer1.0-libav, openh264 */
    chain[3] = gst_element_factory_make ("openh264dec", NULL);
  if (chain[0] == NULL || chain[1] == NULL || chain[2] == NULL || chain[3] == NULL ||
      chain[4] == NULL)
    return FALSE;
  g_object_set (chain[0], "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
  /* The decoder's own thread: playback that falls behind never holds up
   * forwarding to the children (it loses frames and waits for a key frame).
   * Counted in access units, a second at 30 frames a second: a screen that
   * sends a frame only when something changes spans a second with two. */
  g_object_set (chain[2], "max-size-buffers", 30, "max-size-bytes", 0, "max-size-time", (guint64) 0,
                "leaky", 2, NULL);
  g_signal_connect_swapped (chain[2], "overrun", G_CALLBACK (on_decoder_queue_overrun), self);
  queue_src = gst_element_get_static_pad (chain[2], "src");
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, decoder_gate_probe, self, NULL);
  add_video_gate (self, chain[0], chain[1]);
  add_forward_probe (self, chain[1], TRUE);
  /* Field note 5: a viewer joins mid-GOP; never show it corrupt frames. */
  g_object_set (chain[3], "automatic-request-sync-points", TRUE, "discard-corrupted-frames", TRUE,
                NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (chain[3]), "thread-type") != NULL)
    gst_util_set_object_arg (G_OBJECT (chain[3]), "thread-type", "slice");
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (chain[3]), "output-corrupt") != NULL)
    g_object_set (chain[3], "output-corrupt", FALSE, NULL);
  parse_src = gst_element_get_static_pad (chain[1], "src");
  gst_pad_add_probe (parse_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, profile_probe, self, NULL);
  convert_sink = gst_element_get_static_pad (chain[4], "sink");
  gst_pad_add_probe (convert_sink, GST_PAD_PROBE_TYPE_BUFFER, frame_probe, self, NULL);
  return link_video_chain (self, pad, chain, G_N_ELEMENTS (chain));
}

static gboolean
link_audio (CascadeViewer *self, GstPad *pad)
{
  if (!self->playback)
    {
      GstElement *forward[] = { gst_element_factory_make ("rtpopusdepay", NULL),
                                make_discard_sink () };

      if (forward[0] == NULL)
        return FALSE;
      add_forward_probe (self, forward[0], FALSE);
      return link_chain (self->pipeline, pad, forward, G_N_ELEMENTS (forward));
    }

  GstElement *chain[] = {
    gst_element_factory_make ("rtpopusdepay", NULL),
    gst_element_factory_make ("opusdec", NULL),
    gst_element_factory_make ("audioconvert", NULL),
    gst_element_factory_make ("audioresample", NULL),
    gst_element_factory_make ("volume", NULL),
    self->audio_sink,
  };

  if (chain[4] != NULL)
    {
      g_object_set (chain[4], "volume", self->volume_level, "mute", self->mute, NULL);
      self->volume = chain[4];
    }
  if (chain[0] != NULL)
    add_forward_probe (self, chain[0], FALSE);
  return link_chain (self->pipeline, pad, chain, G_N_ELEMENTS (chain));
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  CascadeViewer *self = user_data;
  g_autoptr (GstCaps) caps = NULL;
  const GstStructure *structure;
  const char *media, *encoding;
  gboolean linked = FALSE;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  structure = gst_caps_get_structure (caps, 0);
  media = gst_structure_get_string (structure, "media");
  encoding = gst_structure_get_string (structure, "encoding-name");

  GST_OBJECT_LOCK (self->pipeline);
  if (g_strcmp0 (media, "video") == 0 && g_strcmp0 (encoding, "H264") == 0 && !self->video_linked)
    self->video_linked = linked = TRUE;
  else if (g_strcmp0 (media, "audio") == 0 && g_strcmp0 (encoding, "OPUS") == 0 &&
           !self->audio_linked)
    self->audio_linked = linked = TRUE;
  GST_OBJECT_UNLOCK (self->pipeline);

  if (!linked)
    {
      /* Anything else the parent sends is dropped, not decoded. */
      GstElement *chain[] = { make_discard_sink () };

      link_chain (self->pipeline, pad, chain, 1);
      return;
    }
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, arrival_probe,
                     self, NULL);
  if (!(g_strcmp0 (media, "video") == 0 ? link_video (self, pad) : link_audio (self, pad)))
    hop_error (self, self->generation, "Cannot decode the stream (missing GStreamer plugins)");
}

static void
on_ice_candidate (GstElement *webrtc, guint mline_index, char *candidate, gpointer user_data)
{
  CascadeViewer *self = user_data;
  ViewerEvent *event = viewer_event_new (self);

  event->signal = _cascade_signal_new_ice (mline_index, candidate);
  cascade_p2p_hop (self->context, G_OBJECT (self), signal_on_main, event, viewer_event_free);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  CascadeViewer *self = user_data;
  GstWebRTCPeerConnectionState state;
  ViewerEvent *event = viewer_event_new (self);

  g_object_get (webrtc, "connection-state", &state, NULL);
  event->state = _cascade_peer_state_from_webrtc (state);
  cascade_p2p_hop (self->context, G_OBJECT (self), state_on_main, event, viewer_event_free);
}

static void
on_new_transceiver (GstElement *webrtc, GstWebRTCRTPTransceiver *transceiver, gpointer user_data)
{
  /* Field note 4: NACK is off unless asked for. */
  g_object_set (transceiver, "do-nack", TRUE, NULL);
}

/* The answering steps carry their own webrtcbin (and its connection's
 * generation): a promise of a connection already replaced by a newer offer
 * touches neither the new webrtcbin nor the new connection's state. */
static guint
webrtc_generation (GstElement *webrtc)
{
  return GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (webrtc), "cascade-generation"));
}

static void
on_answer_created (GstPromise *promise, gpointer user_data)
{
  GstElement *webrtc = user_data;
  CascadeViewer *self = g_object_get_data (G_OBJECT (webrtc), "cascade-viewer");
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *answer = NULL;
  g_autofree char *text = NULL;
  ViewerEvent *event;

  if (reply != NULL)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  if (answer == NULL)
    {
      hop_error (self, webrtc_generation (webrtc), "The stream's offer cannot be answered");
      return;
    }
  g_signal_emit_by_name (webrtc, "set-local-description", answer, NULL);
  text = gst_sdp_message_as_text (answer->sdp);
  gst_webrtc_session_description_free (answer);

  event = viewer_event_new (self);
  event->generation = webrtc_generation (webrtc);
  event->signal = _cascade_signal_new_sdp ("answer", text);
  cascade_p2p_hop (self->context, G_OBJECT (self), signal_on_main, event, viewer_event_free);
}

static void
on_remote_set (GstPromise *promise, gpointer user_data)
{
  GstElement *webrtc = user_data;
  CascadeViewer *self = g_object_get_data (G_OBJECT (webrtc), "cascade-viewer");
  const GstStructure *reply = gst_promise_get_reply (promise);
  gboolean failed = gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED ||
                    (reply != NULL && gst_structure_has_field (reply, "error"));

  gst_promise_unref (promise);
  if (failed)
    {
      hop_error (self, webrtc_generation (webrtc), "The stream's offer was refused");
      return;
    }
  g_signal_emit_by_name (webrtc, "create-answer", NULL,
                         gst_promise_new_with_change_func (
                           on_answer_created, gst_object_ref (webrtc), gst_object_unref));
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  CascadeViewer *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
      case GST_MESSAGE_ERROR:
        {
          g_autoptr (GError) error = NULL;
          g_autofree char *debug = NULL;

          gst_message_parse_error (message, &error, &debug);
          g_debug ("viewer pipeline error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (message),
                   error->message, debug != NULL ? debug : "");
          hop_error (self, self->generation, error->message);
          break;
        }
      case GST_MESSAGE_LATENCY:
        gst_bin_recalculate_latency (GST_BIN (self->pipeline));
        break;
      default:
        break;
    }
  return G_SOURCE_CONTINUE;
}

/* Streaming thread: the first packet into a jitter buffer says which medium
 * it carries. Audio plays in sync, so its buffer is the small "latency"; a
 * lost audio packet is not worth the wait, nor the request: requests leave
 * in RTCP packets, sent early only now and then (RFC 4585), and audio's
 * would take the video's turns. */
static GstPadProbeReturn
jitterbuffer_first_packet_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeViewer *self = user_data;
  g_autoptr (GstElement) jitterbuffer = NULL;
  guint8 header[2];
  guint pt;

  /* RTP version 2; the payload type is the low 7 bits of the second byte. */
  if (gst_buffer_extract (GST_PAD_PROBE_INFO_BUFFER (info), 0, header, 2) != 2 ||
      header[0] >> 6 != 2)
    return GST_PAD_PROBE_OK;
  pt = header[1] & 0x7f;
  jitterbuffer = gst_pad_get_parent_element (pad);
  if (jitterbuffer != NULL && (self->audio_pts[pt / 64] & (G_GUINT64_CONSTANT (1) << (pt % 64))))
    g_object_set (jitterbuffer, "latency", self->latency_ms, "do-retransmission", FALSE, NULL);
  return GST_PAD_PROBE_REMOVE;
}

/* Streaming thread, after webrtcbin's own handler. NACK hop by hop: webrtcbin
 * 1.22 turns retransmission on only for a jitter buffer whose SSRC it finds
 * in the offer's a=ssrc lines, and off otherwise (a relay's offer has none,
 * and its child never asked for a lost packet). Every stream here has do-nack
 * (field note 4), so every video jitter buffer asks (audio's stops asking,
 * below). */
static void
on_new_jitterbuffer (
  GstElement *rtpbin, GstElement *jitterbuffer, guint session, guint ssrc, gpointer user_data)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (jitterbuffer, "sink");

  g_object_set (jitterbuffer, "do-retransmission", TRUE, "rtx-retry-timeout", RETRY_MS, NULL);
  if (sink != NULL)
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, jitterbuffer_first_packet_probe, user_data,
                       NULL);
}

/* Receiver reports carry the NACKs. An RTP session sends feedback early only
 * once between two regular reports, and by default those come every few
 * hundred milliseconds: the other requests waited for the next report and
 * expired on the way. So reports go every few tens of milliseconds (tens of
 * kbit/s of RTCP against the stream's 4 Mbit/s), and each request leaves
 * within a round trip.
 *
 * The RTCP bandwidth is fixed here, sender and receiver shares both given:
 * with only the receivers' share set, the total stayed 5% of the session's
 * bandwidth, which rtpsession estimates from the bytes received over two
 * seconds and takes as 64 kbit/s before that. For the first ~3 s of every
 * connection the reports came every 250-500 ms, most NACKs waited for one
 * past their deadline and were never sent, and each lost packet cost a key
 * frame interval of video. A receive-only session needs no sender share. */
static void
on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "rtpsession"))
    g_object_set (element, "rtcp-min-interval", (guint64) RTCP_INTERVAL_MS * GST_MSECOND,
                  "rtcp-rs-bandwidth", 0, "rtcp-rr-bandwidth", RTCP_BANDWIDTH_BITS, NULL);
}

/* Before any packet: which payload types are audio. */
static void
remember_audio_pts (CascadeViewer *self, const GstSDPMessage *sdp)
{
  self->audio_pts[0] = self->audio_pts[1] = 0;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);

      if (g_strcmp0 (gst_sdp_media_get_media (media), "audio") != 0)
        continue;
      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++)
        {
          guint64 pt;

          if (g_ascii_string_to_unsigned (gst_sdp_media_get_format (media, f), 10, 0, 127, &pt,
                                          NULL))
            self->audio_pts[pt / 64] |= G_GUINT64_CONSTANT (1) << (pt % 64);
        }
    }
}

static gboolean
connect_offer (CascadeViewer *self, GstWebRTCSessionDescription *offer, GError **error)
{
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstElement) rtpbin = NULL;

  teardown (self);
  self->video_linked = self->audio_linked = FALSE;
  self->video_started = self->video_damaged = self->video_suspect = FALSE;
  g_atomic_int_set (&self->decoder_behind, FALSE);
  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("cascade-viewer"));
  self->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  if (self->webrtc == NULL)
    {
      gst_clear_object (&self->pipeline);
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_MISSING_ELEMENT,
                           "webrtcbin is missing (gstreamer1.0-plugins-bad)");
      return FALSE;
    }
  g_object_set (self->webrtc, "latency", MAX (self->latency_ms, VIDEO_RETRANSMISSION_MS), NULL);
  rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtc), "rtpbin");
  if (rtpbin != NULL)
    g_signal_connect_after (rtpbin, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer), self);
  _cascade_webrtc_configure (self->webrtc, self->ice_servers, self->local_address);
  _cascade_webrtc_set_privacy (self->webrtc, self->privacy);
  g_signal_connect (self->pipeline, "deep-element-added",
                    G_CALLBACK (_cascade_webrtc_on_deep_element_added), NULL);
  g_signal_connect (self->pipeline, "deep-element-added", G_CALLBACK (on_deep_element_added), NULL);
  self->impairment = _cascade_impairment_new (self->impair_delay_ms, self->impair_loss);
  _cascade_impairment_attach (self->impairment, self->pipeline);
  gst_bin_add (GST_BIN (self->pipeline), self->webrtc);

  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (on_pad_added), self);
  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "on-new-transceiver", G_CALLBACK (on_new_transceiver), self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state),
                    self);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);

  self->stats.frames = 0;
  self->stats.stamped_frames = 0;
  self->stats.latency_us = -1;
  self->stats.first_frame_us = -1;
  self->stats.connections++;
  self->offer_time_us = g_get_monotonic_time ();
  set_state (self, CASCADE_PEER_STATE_CONNECTING);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      teardown (self);
      set_state (self, CASCADE_PEER_STATE_FAILED);
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                           "The receiving pipeline did not start");
      return FALSE;
    }
  remember_audio_pts (self, offer->sdp);
  g_object_set_data (G_OBJECT (self->webrtc), "cascade-viewer", self);
  g_object_set_data (G_OBJECT (self->webrtc), "cascade-generation",
                     GUINT_TO_POINTER (self->generation));
  g_signal_emit_by_name (self->webrtc, "set-remote-description", offer,
                         gst_promise_new_with_change_func (
                           on_remote_set, gst_object_ref (self->webrtc), gst_object_unref));
  return TRUE;
}

gboolean
cascade_viewer_handle_signal (CascadeViewer *self, JsonObject *signal, GError **error)
{
  g_autoptr (GstWebRTCSessionDescription) sdp = NULL;
  g_autofree char *candidate = NULL;
  guint mline_index;

  g_return_val_if_fail (CASCADE_IS_VIEWER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!_cascade_signal_parse (signal, &sdp, &candidate, &mline_index, error))
    return FALSE;
  if (sdp != NULL)
    {
      if (sdp->type != GST_WEBRTC_SDP_TYPE_OFFER)
        {
          g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL,
                               "A viewer only takes offers from its parent");
          return FALSE;
        }
      return connect_offer (self, sdp, error);
    }
  if (self->webrtc == NULL)
    {
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL,
                           "An ICE candidate arrived before any offer");
      return FALSE;
    }
  if (*candidate != '\0')
    g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline_index, candidate);
  return TRUE;
}

void
cascade_viewer_close (CascadeViewer *self)
{
  g_return_if_fail (CASCADE_IS_VIEWER (self));

  teardown (self);
  set_state (self, CASCADE_PEER_STATE_CLOSED);
}

/* The H.264 profile of the stream being received ("constrained-baseline":
 * no B-frames, so no reordering delay); NULL before the first key frame. */
char *
cascade_viewer_dup_video_profile (CascadeViewer *self)
{
  g_return_val_if_fail (CASCADE_IS_VIEWER (self), NULL);
  return g_strdup (self->video_profile);
}

/* ---- relaying and health (issue 4) ---- */

static void
on_relay_keyframe_needed (CascadeViewer *self)
{
  request_keyframe (self);
}

/**
 * cascade_viewer_set_relay:
 * @relay: (nullable): where to forward what arrives from the parent
 *
 * The relay's children ask for key frames through this viewer's parent.
 */
void
cascade_viewer_set_relay (CascadeViewer *self, CascadeRelay *relay)
{
  g_autoptr (CascadeRelay) old = NULL;

  g_return_if_fail (CASCADE_IS_VIEWER (self));
  g_return_if_fail (relay == NULL || CASCADE_IS_RELAY (relay));

  if (self->relay == relay)
    return;
  if (self->relay != NULL)
    g_clear_signal_handler (&self->relay_keyframe_handler, self->relay);
  g_mutex_lock (&self->relay_lock);
  old = g_steal_pointer (&self->relay);
  self->relay = relay != NULL ? g_object_ref (relay) : NULL;
  g_mutex_unlock (&self->relay_lock);
  if (relay != NULL)
    self->relay_keyframe_handler = g_signal_connect_object (
      relay, "keyframe-needed", G_CALLBACK (on_relay_keyframe_needed), self, G_CONNECT_SWAPPED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RELAY]);
}

CascadeRelay *
cascade_viewer_get_relay (CascadeViewer *self)
{
  g_return_val_if_fail (CASCADE_IS_VIEWER (self), NULL);
  return self->relay;
}

typedef struct
{
  gint64 lost;
  guint64 received;
  double rtt_s;
} Inbound;

static gint64
stats_int (const GstStructure *stats, const char *name)
{
  const GValue *value = gst_structure_get_value (stats, name);
  GValue as_int = G_VALUE_INIT;
  gint64 result = 0;

  if (value == NULL)
    return 0;
  g_value_init (&as_int, G_TYPE_INT64);
  if (g_value_transform (value, &as_int))
    result = g_value_get_int64 (&as_int);
  g_value_unset (&as_int);
  return result;
}

static void
add_inbound (const GstStructure *stats, gpointer data)
{
  Inbound *inbound = data;

  inbound->lost += MAX (stats_int (stats, "packets-lost"), 0);
  inbound->received += (guint64) MAX (stats_int (stats, "packets-received"), 0);
}

static void
find_rtt (const GstStructure *stats, gpointer data)
{
  Inbound *inbound = data;
  double rtt;

  if (gst_structure_get_double (stats, "round-trip-time", &rtt) && rtt > 0)
    inbound->rtt_s = MAX (inbound->rtt_s, rtt);
}

/* The last period's loss and round trip from the parent link's statistics. */
static void
read_health (CascadeViewer *self, const GstStructure *reply)
{
  Inbound inbound = { 0, 0, -1 };
  gint64 lost;
  gint64 received;

  _cascade_stats_foreach (reply, GST_WEBRTC_STATS_INBOUND_RTP, add_inbound, &inbound);
  /* webrtcbin 1.22 knows the round trip only where receiver reports arrive
   * (at the parent); a receive-only viewer learns it when a later version
   * reports it here. */
  _cascade_stats_foreach (reply, GST_WEBRTC_STATS_REMOTE_OUTBOUND_RTP, find_rtt, &inbound);
  lost = inbound.lost - self->stats_lost;
  received = (gint64) inbound.received - (gint64) self->stats_received;
  if (lost >= 0 && received >= 0 && lost + received > 0)
    self->loss = (double) lost / (double) (lost + received);
  self->stats_lost = inbound.lost;
  self->stats_received = inbound.received;
  if (inbound.rtt_s > 0)
    self->rtt_ms = inbound.rtt_s * 1000;
}

static gboolean
update_health (gpointer user_data)
{
  CascadeViewer *self = user_data;

  if (self->stats_slot != NULL && !_cascade_stats_slot_is_done (self->stats_slot))
    return G_SOURCE_CONTINUE;
  if (self->stats_slot != NULL)
    read_health (self, _cascade_stats_slot_get_reply (self->stats_slot));
  g_clear_pointer (&self->stats_slot, _cascade_stats_slot_unref);
  if (self->webrtc != NULL)
    self->stats_slot = _cascade_stats_request (self->webrtc);
  return G_SOURCE_CONTINUE;
}

void
cascade_viewer_get_health (CascadeViewer *self, CascadeViewerHealth *out_health)
{
  gint64 last;

  g_return_if_fail (CASCADE_IS_VIEWER (self));
  g_return_if_fail (out_health != NULL);

  if (self->health_source == 0)
    {
      self->health_source = g_timeout_add (1000, update_health, self);
      update_health (self);
    }
  last = (gint64) g_atomic_pointer_get (&self->last_packet_us);
  out_health->receiving =
    self->pipeline != NULL && last > 0 && g_get_monotonic_time () - last < G_USEC_PER_SEC;
  out_health->loss = self->pipeline != NULL ? CLAMP (self->loss, 0, 1) : 0;
  out_health->rtt_ms = self->rtt_ms;
  out_health->bytes_received = (guint64) g_atomic_pointer_get (&self->bytes_received);
  out_health->last_packet_us = last;
}
