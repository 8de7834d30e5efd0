/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include "cascade-child-link.h"
#include "cascade-p2p-hop.h"
#include "cascade-publisher.h"
#include "cascade-stamp.h"
#include "cascade-webrtc-util.h"

/* Key frames on request at most once a second (issue 4): a joining viewer
 * anywhere in the tree waits at most this long, and a storm of requests from
 * the whole audience (coalesced by the relays) costs one big frame a second. */
#define KEYFRAME_INTERVAL_US G_USEC_PER_SEC

typedef enum
{
  SOURCE_TEST,
  SOURCE_PIPEWIRE,
  SOURCE_FILE,
} SourceKind;

struct _CascadePublisher
{
  GObject parent_instance;

  GMainContext *context;
  CascadeQuality quality;
  SourceKind source_kind;
  int pipewire_fd;
  guint32 pipewire_node;
  char *file_path;
  gboolean stamp;
  gboolean stamp_set;
  CascadeAudioCapture audio_capture;
  const char *encoder; /* static: an element name from the usable list */
  guint max_direct_viewers;
  char *local_address;
  GstElement *preview_sink; /* the UI's; fed from a raw tee before the encoder */

  GstElement *pipeline;
  GstElement *video_tee;
  GstElement *audio_tee;
  guint bus_watch;
  gboolean playing;
  GHashTable *branches; /* peer_id → CascadeChildLink */
  CascadeChildLinkOwner link_owner;

  /* The newest raw frame, for thumbnails (streaming thread → main). */
  GMutex frame_lock;
  GstBuffer *last_frame;
  GstCaps *last_caps;

  /* Written from streaming threads. */
  gint64 last_keyframe_us;
  gint keyframe_deferred;
  guint64 keyframes_forced;
  CascadeKeyframeGate keyframe_gate;
  gint64 encode_started_us;
  guint64 frames_in;
  guint64 frames_encoded;
  guint64 video_bytes;
  guint64 encode_time_us;
  guint64 upload_bytes;

  /* Last second, for the stats. */
  guint stats_source;
  gint64 stats_time_us;
  guint64 stats_frames;
  guint64 stats_video_bytes;
  guint64 stats_encode_time_us;
  guint64 stats_upload_bytes;
  CascadePublisherStats stats;
};

G_DEFINE_FINAL_TYPE (CascadePublisher, cascade_publisher, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_QUALITY,
  PROP_MAX_DIRECT_VIEWERS,
  PROP_LOCAL_ADDRESS,
  PROP_N_VIEWERS,
  PROP_ENCODER,
  N_PROPS
};

enum
{
  SIGNAL_SIGNAL,
  VIEWER_STATE_CHANGED,
  STATS_UPDATED,
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
cascade_publisher_dispose (GObject *object)
{
  CascadePublisher *self = CASCADE_PUBLISHER (object);

  cascade_publisher_stop (self);
  G_OBJECT_CLASS (cascade_publisher_parent_class)->dispose (object);
}

static void
cascade_publisher_finalize (GObject *object)
{
  CascadePublisher *self = CASCADE_PUBLISHER (object);

  g_hash_table_unref (self->branches);
  gst_clear_buffer (&self->last_frame);
  gst_clear_caps (&self->last_caps);
  g_mutex_clear (&self->frame_lock);
  g_free (self->file_path);
  g_free (self->local_address);
  g_clear_object (&self->preview_sink);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (cascade_publisher_parent_class)->finalize (object);
}

static void
cascade_publisher_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadePublisher *self = CASCADE_PUBLISHER (object);

  switch (prop_id)
    {
      case PROP_QUALITY:
        g_value_set_enum (value, self->quality);
        break;
      case PROP_MAX_DIRECT_VIEWERS:
        g_value_set_uint (value, self->max_direct_viewers);
        break;
      case PROP_LOCAL_ADDRESS:
        g_value_set_string (value, self->local_address);
        break;
      case PROP_N_VIEWERS:
        g_value_set_uint (value, g_hash_table_size (self->branches));
        break;
      case PROP_ENCODER:
        g_value_set_string (value, self->encoder);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_publisher_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  CascadePublisher *self = CASCADE_PUBLISHER (object);

  switch (prop_id)
    {
      case PROP_QUALITY:
        self->quality = g_value_get_enum (value);
        break;
      case PROP_MAX_DIRECT_VIEWERS:
        cascade_publisher_set_max_direct_viewers (self, g_value_get_uint (value));
        break;
      case PROP_LOCAL_ADDRESS:
        if (g_strcmp0 (self->local_address, g_value_get_string (value)) != 0)
          {
            g_free (self->local_address);
            self->local_address = g_value_dup_string (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_publisher_class_init (CascadePublisherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_publisher_dispose;
  object_class->finalize = cascade_publisher_finalize;
  object_class->get_property = cascade_publisher_get_property;
  object_class->set_property = cascade_publisher_set_property;

  properties[PROP_QUALITY] =
    g_param_spec_enum ("quality", NULL, NULL, CASCADE_TYPE_QUALITY, CASCADE_QUALITY_720P30,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_DIRECT_VIEWERS] =
    g_param_spec_uint ("max-direct-viewers", NULL, NULL, 1, 64, 8,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* When set, ICE gathers only on this address (tests use 127.0.0.1). */
  properties[PROP_LOCAL_ADDRESS] =
    g_param_spec_string ("local-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_VIEWERS] = g_param_spec_uint ("n-viewers", NULL, NULL, 0, G_MAXUINT, 0,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The H.264 encoder element: a VA-API one when the machine has it, else x264enc. */
  properties[PROP_ENCODER] = g_param_spec_string ("encoder", NULL, NULL, "x264enc",
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (peer_id, JsonObject *signal): forward as a realtime `signal` to peer_id. */
  signals[SIGNAL_SIGNAL] =
    g_signal_new ("signal", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
  signals[VIEWER_STATE_CHANGED] =
    g_signal_new ("viewer-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, CASCADE_TYPE_PEER_STATE);
  /* Once a second while running; read them with cascade_publisher_get_stats(). */
  signals[STATS_UPDATED] = g_signal_new ("stats-updated", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* (GError *): the pipeline failed; the publisher has stopped. */
  signals[ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cascade_publisher_init (CascadePublisher *self)
{
  /* The child's events go out as our own signals. */
  self->keyframe_gate = (CascadeKeyframeGate){
    KEYFRAME_INTERVAL_US,
    (CascadeChildLinkConnected) cascade_publisher_request_keyframe,
    self,
  };
  self->link_owner = (CascadeChildLinkOwner){
    G_OBJECT (self),
    signals[SIGNAL_SIGNAL],
    signals[VIEWER_STATE_CHANGED],
    (CascadeChildLinkConnected) cascade_publisher_request_keyframe,
    (CascadeChildLinkRemove) cascade_publisher_remove_viewer,
  };
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->frame_lock);
  self->source_kind = SOURCE_TEST;
  self->pipewire_fd = -1;
  self->max_direct_viewers = 8;
  self->encoder = cascade_publisher_pick_encoder (cascade_publisher_get_usable_encoders ());
  self->branches = _cascade_child_links_new ();
}

CascadePublisher *
cascade_publisher_new (CascadeQuality quality)
{
  return g_object_new (CASCADE_TYPE_PUBLISHER, "quality", quality, NULL);
}

void
cascade_publisher_set_source_test (CascadePublisher *self)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (self->pipeline == NULL);

  self->source_kind = SOURCE_TEST;
}

void
cascade_publisher_set_source_pipewire (CascadePublisher *self, int fd, guint32 node_id)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (self->pipeline == NULL);

  self->source_kind = SOURCE_PIPEWIRE;
  self->pipewire_fd = fd;
  self->pipewire_node = node_id;
}

void
cascade_publisher_set_source_file (CascadePublisher *self, const char *path)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (self->pipeline == NULL);

  self->source_kind = SOURCE_FILE;
  g_free (self->file_path);
  self->file_path = g_strdup (path);
}

/* @sink (nullable) shows what is captured, scaled to 640×360, before encoding
 * (the Go Live page's preview); set it before starting. */
void
cascade_publisher_set_preview_sink (CascadePublisher *self, GstElement *sink)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (sink == NULL || GST_IS_ELEMENT (sink));
  g_return_if_fail (self->pipeline == NULL);

  if (sink != NULL)
    gst_object_ref_sink (sink);
  g_clear_object (&self->preview_sink);
  self->preview_sink = sink;
}

/* The sound sent with a PipeWire source; set it before starting. */
void
cascade_publisher_set_audio_capture (CascadePublisher *self, CascadeAudioCapture audio)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (audio <= CASCADE_AUDIO_CAPTURE_BOTH);
  g_return_if_fail (self->pipeline == NULL);

  self->audio_capture = audio;
}

CascadeAudioCapture
cascade_publisher_get_audio_capture (CascadePublisher *self)
{
  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), CASCADE_AUDIO_CAPTURE_NONE);
  return self->audio_capture;
}

/* Returns: the H.264 encoder element this publisher uses, "x264enc" without VA-API. */
const char *
cascade_publisher_get_encoder (CascadePublisher *self)
{
  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), NULL);
  return self->encoder;
}

/* The stamp is on by default for the test pattern only: it draws over the picture. */
void
cascade_publisher_set_stamp (CascadePublisher *self, gboolean stamp)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (self->pipeline == NULL);

  self->stamp = stamp;
  self->stamp_set = TRUE;
}

CascadeQuality
cascade_publisher_get_quality (CascadePublisher *self)
{
  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), CASCADE_QUALITY_720P30);
  return self->quality;
}

guint
cascade_publisher_get_max_direct_viewers (CascadePublisher *self)
{
  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), 0);
  return self->max_direct_viewers;
}

void
cascade_publisher_set_max_direct_viewers (CascadePublisher *self, guint max_direct_viewers)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));

  max_direct_viewers = CLAMP (max_direct_viewers, 1, 64);
  if (self->max_direct_viewers == max_direct_viewers)
    return;
  self->max_direct_viewers = max_direct_viewers;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_DIRECT_VIEWERS]);
}

gboolean
cascade_publisher_is_running (CascadePublisher *self)
{
  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), FALSE);
  return self->pipeline != NULL;
}

guint
cascade_publisher_get_n_viewers (CascadePublisher *self)
{
  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), 0);
  return g_hash_table_size (self->branches);
}

/* ---- the source and encoders ---- */

static char *
source_description (CascadePublisher *self, const CascadeQualityPreset *preset)
{
  g_autofree char *escaped = NULL;

  switch (self->source_kind)
    {
      case SOURCE_PIPEWIRE:
        /* The portal's remote (fd) and node; without a portal, the default daemon. */
        if (self->pipewire_fd >= 0)
          return g_strdup_printf ("pipewiresrc name=src fd=%d path=%u do-timestamp=true "
                                  "keepalive-time=%d",
                                  self->pipewire_fd, self->pipewire_node, 1000 / preset->fps);
        return g_strdup_printf ("pipewiresrc name=src path=%u do-timestamp=true keepalive-time=%d",
                                self->pipewire_node, 1000 / preset->fps);
      case SOURCE_FILE:
        escaped = g_strescape (self->file_path, NULL);
        /* A file plays at its own pace: identity sync holds it to the clock. */
        return g_strdup_printf ("filesrc location=\"%s\" ! decodebin name=dec "
                                "dec. ! queue ! identity sync=true",
                                escaped);
      case SOURCE_TEST:
      default:
        return g_strdup ("videotestsrc name=src is-live=true pattern=ball motion=sweep "
                         "background-color=0xff203040 foreground-color=0xffe0a020");
    }
}

/* Desktop audio and the microphone are PipeWire streams of their own (the
 * portal gives only the picture). WirePlumber links a capture stream to the
 * default source, or with stream.capture.sink to the default sink's monitor.
 * Each has a leaky queue of about 200 ms counted in buffers (a PipeWire
 * quantum is ~20 ms), not in time: a stream that starts late would read as
 * seconds queued (field note 17). */
#define PIPEWIRE_AUDIO_CAPTURE                                                                     \
  "pipewiresrc name=%s do-timestamp=true stream-properties=\"props,media.type=Audio,"              \
  "media.category=Capture,media.class=Stream/Input/Audio,node.name=%s%s\" ! "                      \
  "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "                            \
  "queue max-size-buffers=10 max-size-bytes=0 max-size-time=0 leaky=downstream ! amix. "

static char *
pipewire_audio_description (CascadeAudioCapture audio)
{
  GString *description;

  if (audio == CASCADE_AUDIO_CAPTURE_NONE)
    return g_strdup ("audiotestsrc is-live=true wave=silence");

  /* A silent input keeps audio flowing when a capture stream has nothing to
   * link to (no microphone): webrtcbin offers only once both tracks have caps. */
  description = g_string_new ("audiomixer name=amix latency=20000000 "
                              "audiotestsrc is-live=true wave=silence ! "
                              "audio/x-raw,rate=48000,channels=2 ! amix. ");
  if (audio == CASCADE_AUDIO_CAPTURE_DESKTOP || audio == CASCADE_AUDIO_CAPTURE_BOTH)
    g_string_append_printf (description, PIPEWIRE_AUDIO_CAPTURE, "desktopsrc",
                            "cascade-desktop-audio", ",stream.capture.sink=true");
  if (audio == CASCADE_AUDIO_CAPTURE_MICROPHONE || audio == CASCADE_AUDIO_CAPTURE_BOTH)
    g_string_append_printf (description, PIPEWIRE_AUDIO_CAPTURE, "micsrc", "cascade-microphone",
                            ",media.role=Communication");
  g_string_append (description, "amix.");
  return g_string_free (description, FALSE);
}

static char *
audio_description (CascadePublisher *self)
{
  switch (self->source_kind)
    {
      case SOURCE_TEST:
        return g_strdup ("audiotestsrc is-live=true wave=sine freq=440 volume=0.1");
      case SOURCE_FILE:
        return g_strdup ("dec. ! queue ! identity sync=true");
      case SOURCE_PIPEWIRE:
      default:
        return pipewire_audio_description (self->audio_capture);
    }
}

/* ---- the H.264 encoder ---- */

static const char *const hardware_encoders[] = { "vah264enc", "vaapih264enc" };

const char *
cascade_publisher_pick_encoder (const char *const *usable)
{
  for (guint i = 0; i < G_N_ELEMENTS (hardware_encoders); i++)
    if (usable != NULL && g_strv_contains (usable, hardware_encoders[i]))
      return hardware_encoders[i];
  return "x264enc";
}

/* Low latency: no B-frames, constant bit rate, one reference, the fastest preset. */
static char *
hardware_encoder_description (const char *name, int keyframe_interval, int bitrate_kbps)
{
  if (g_strcmp0 (name, "vah264enc") == 0)
    return g_strdup_printf ("videoconvert ! video/x-raw,format=NV12 ! "
                            "vah264enc name=enc b-frames=0 ref-frames=1 key-int-max=%d "
                            "bitrate=%d rate-control=cbr target-usage=7 ! "
                            "video/x-h264,stream-format=byte-stream",
                            keyframe_interval, bitrate_kbps);
  if (g_strcmp0 (name, "vaapih264enc") == 0)
    return g_strdup_printf ("videoconvert ! video/x-raw,format=NV12 ! "
                            "vaapih264enc name=enc max-bframes=0 refs=1 keyframe-period=%d "
                            "bitrate=%d rate-control=cbr quality-level=7 ! "
                            "video/x-h264,stream-format=byte-stream",
                            keyframe_interval, bitrate_kbps);
  return NULL;
}

/* A VA-API encoder is registered when its plugin is installed, yet needs a
 * device that opens: it must encode one frame in a probe pipeline, with the
 * settings the stream uses (so a driver refusing one means x264enc). */
static gboolean
encoder_works (const char *name)
{
  g_autoptr (GstElementFactory) factory = gst_element_factory_find (name);
  g_autofree char *encoder = NULL;
  g_autofree char *description = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  GstStateChangeReturn ret;

  if (factory == NULL)
    return FALSE;
  encoder = hardware_encoder_description (name, 60, 2000);
  description = g_strdup_printf ("videotestsrc num-buffers=1 ! "
                                 "video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! "
                                 "%s ! fakesink",
                                 encoder);
  pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, NULL);
  if (pipeline == NULL)
    return FALSE;
  gst_object_ref_sink (pipeline);
  ret = gst_element_set_state (pipeline, GST_STATE_PAUSED);
  if (ret == GST_STATE_CHANGE_ASYNC)
    ret = gst_element_get_state (pipeline, NULL, NULL, 3 * GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_debug ("H.264 encoder %s %s", name,
           ret == GST_STATE_CHANGE_SUCCESS ? "works" : "does not work");
  return ret == GST_STATE_CHANGE_SUCCESS;
}

const char *const *
cascade_publisher_get_usable_encoders (void)
{
  static gsize usable = 0;

  if (g_once_init_enter (&usable))
    {
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < G_N_ELEMENTS (hardware_encoders); i++)
        if (encoder_works (hardware_encoders[i]))
          g_strv_builder_add (builder, hardware_encoders[i]);
      g_strv_builder_add (builder, "x264enc");
      g_once_init_leave (&usable, (gsize) g_strv_builder_end (builder));
    }
  return (const char *const *) usable;
}

static char *
encoder_description (CascadePublisher *self, const CascadeQualityPreset *preset)
{
  char *hardware =
    hardware_encoder_description (self->encoder, preset->keyframe_interval, preset->bitrate_kbps);

  if (hardware != NULL)
    return hardware;
  /* x264: zero latency, no B-frames, the fastest preset. */
  return g_strdup_printf (
    "x264enc name=enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max=%d "
    "bitrate=%d vbv-buf-capacity=%d threads=%u sliced-threads=true %s ! "
    "video/x-h264,profile=constrained-baseline,stream-format=byte-stream",
    preset->keyframe_interval, preset->bitrate_kbps, 1000 * 2 / preset->fps,
    MIN (g_get_num_processors (), 4),
    self->source_kind == SOURCE_TEST ? "option-string=scenecut=0" : "");
}

static char *
pipeline_description (CascadePublisher *self)
{
  const CascadeQualityPreset *preset = cascade_quality_get_preset (self->quality);
  g_autofree char *video = source_description (self, preset);
  g_autofree char *audio = audio_description (self);
  g_autofree char *encoder = encoder_description (self, preset);

  /* Opus in 20 ms frames, WebRTC's usual packet time: with 10 ms, audio was
   * 100 of the ~520 packets a second (720p at 4 Mbit/s) that every relay
   * forwards to each child. */
  return g_strdup_printf (
    "%s ! videoconvert ! videoscale ! videorate ! "
    "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1 ! "
    "tee name=rawtee allow-not-linked=true rawtee. ! "
    "queue name=encq max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream ! "
    "%s ! h264parse config-interval=-1 ! "
    "rtph264pay name=vpay pt=96 config-interval=-1 aggregate-mode=zero-latency mtu=1200 ! "
    "application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000,"
    "rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true ! "
    "tee name=vtee allow-not-linked=true "
    "%s ! audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! "
    "opusenc bitrate=96000 frame-size=20 ! rtpopuspay pt=111 ! "
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! "
    "tee name=atee allow-not-linked=true%s",
    video, preset->width, preset->height, preset->fps, encoder, audio,
    /* The preview: the newest raw frame only, never holding up the encoder. */
    self->preview_sink != NULL
      ? " rawtee. ! queue name=previewq max-size-buffers=1 max-size-bytes=0 max-size-time=0 "
        "leaky=downstream ! videoscale ! capsfilter name=previewcaps "
        "caps=video/x-raw,width=640,height=360"
      : "");
}

static GstPadProbeReturn
stamp_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadePublisher *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstCaps) caps = NULL;
  GstVideoInfo video_info;
  GstVideoFrame frame;
  gboolean stamp = self->stamp_set ? self->stamp : self->source_kind == SOURCE_TEST;

  g_atomic_pointer_add (&self->frames_in, 1);
  caps = gst_pad_get_current_caps (pad);
  if (stamp && caps != NULL && gst_video_info_from_caps (&video_info, caps))
    {
      buffer = gst_buffer_make_writable (buffer);
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
      if (gst_video_frame_map (&frame, &video_info, buffer, GST_MAP_READWRITE))
        {
          cascade_stamp_write (&frame, g_get_real_time ());
          gst_video_frame_unmap (&frame);
        }
    }

  g_mutex_lock (&self->frame_lock);
  gst_buffer_replace (&self->last_frame, buffer);
  gst_caps_replace (&self->last_caps, caps);
  g_mutex_unlock (&self->frame_lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
encoder_in_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadePublisher *self = user_data;

  g_atomic_pointer_set (&self->encode_started_us, g_get_monotonic_time ());
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
encoder_out_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadePublisher *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 started = (gint64) g_atomic_pointer_get (&self->encode_started_us);

  g_atomic_pointer_add (&self->frames_encoded, 1);
  g_atomic_pointer_add (&self->video_bytes, gst_buffer_get_size (buffer));
  if (started > 0)
    g_atomic_pointer_add (&self->encode_time_us, g_get_monotonic_time () - started);
  return GST_PAD_PROBE_OK;
}

static void
deferred_keyframe_on_main (GObject *object, gpointer data)
{
  CascadePublisher *self = CASCADE_PUBLISHER (object);

  g_atomic_int_set (&self->keyframe_deferred, FALSE);
  cascade_publisher_request_keyframe (self);
}

/* Key frames on request (a viewer's PLI, or a join), rate-limited. */
static GstPadProbeReturn
keyframe_limit_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadePublisher *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  gint64 now, last;

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  now = g_get_monotonic_time ();
  last = (gint64) g_atomic_pointer_get (&self->last_keyframe_us);
  if (last != 0 && now - last < KEYFRAME_INTERVAL_US)
    {
      /* Not dropped for good: a viewer asking now (one that just finished
       * connecting and missed the last key frame) gets one when allowed. */
      if (!g_atomic_int_exchange (&self->keyframe_deferred, TRUE))
        cascade_p2p_hop (self->context, G_OBJECT (self), deferred_keyframe_on_main, NULL, NULL);
      return GST_PAD_PROBE_DROP;
    }
  g_atomic_pointer_set (&self->last_keyframe_us, now);
  g_atomic_pointer_add (&self->keyframes_forced, 1);
  return GST_PAD_PROBE_OK;
}

static void
add_probe (GstElement *pipeline,
           const char *element_name,
           const char *pad_name,
           GstPadProbeType type,
           GstPadProbeCallback callback,
           gpointer user_data)
{
  g_autoptr (GstElement) element = gst_bin_get_by_name (GST_BIN (pipeline), element_name);
  g_autoptr (GstPad) pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, type, callback, user_data, NULL);
}

static gboolean
update_stats (gpointer user_data)
{
  CascadePublisher *self = user_data;
  const CascadeQualityPreset *preset = cascade_quality_get_preset (self->quality);
  gint64 now = g_get_monotonic_time ();
  double seconds = (double) (now - self->stats_time_us) / G_USEC_PER_SEC;
  guint64 frames = (guint64) g_atomic_pointer_get (&self->frames_encoded);
  guint64 frames_in = (guint64) g_atomic_pointer_get (&self->frames_in);
  guint64 video_bytes = (guint64) g_atomic_pointer_get (&self->video_bytes);
  guint64 encode_time = (guint64) g_atomic_pointer_get (&self->encode_time_us);
  guint64 upload = (guint64) g_atomic_pointer_get (&self->upload_bytes);
  guint64 new_frames = frames - self->stats_frames;

  if (seconds <= 0)
    return G_SOURCE_CONTINUE;
  self->stats.fps = new_frames / seconds;
  self->stats.bitrate_kbps = (video_bytes - self->stats_video_bytes) * 8 / 1000.0 / seconds;
  self->stats.upload_kbps = (upload - self->stats_upload_bytes) * 8 / 1000.0 / seconds;
  self->stats.encoder_load = new_frames > 0 ? (double) (encode_time - self->stats_encode_time_us) /
                                                new_frames / (G_USEC_PER_SEC / (double) preset->fps)
                                            : 0;
  self->stats.frames = frames;
  /* Frames in flight in the encoder queue (at most two) are not dropped. */
  self->stats.dropped =
    MAX (self->stats.dropped, frames_in > frames + 2 ? frames_in - frames - 2 : 0);
  self->stats.viewers = g_hash_table_size (self->branches);
  _cascade_child_links_poll_stats (self->branches, NULL);
  self->stats.encoder = self->encoder;
  self->stats.keyframes_forced = (guint64) g_atomic_pointer_get (&self->keyframes_forced);
  self->stats.bytes_sent = upload;

  self->stats_time_us = now;
  self->stats_frames = frames;
  self->stats_video_bytes = video_bytes;
  self->stats_encode_time_us = encode_time;
  self->stats_upload_bytes = upload;
  g_signal_emit (self, signals[STATS_UPDATED], 0);
  return G_SOURCE_CONTINUE;
}

void
cascade_publisher_get_stats (CascadePublisher *self, CascadePublisherStats *out_stats)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (out_stats != NULL);

  *out_stats = self->stats;
  out_stats->viewers = g_hash_table_size (self->branches);
  out_stats->encoder = self->encoder;
  out_stats->keyframes_forced = (guint64) g_atomic_pointer_get (&self->keyframes_forced);
  out_stats->bytes_sent = (guint64) g_atomic_pointer_get (&self->upload_bytes);
}

static void
fail_on_main (GObject *object, gpointer data)
{
  CascadePublisher *self = CASCADE_PUBLISHER (object);
  GError *error = data;

  cascade_publisher_stop (self);
  g_signal_emit (self, signals[ERROR], 0, error);
}

static gboolean attach_branch (CascadePublisher *self, CascadeChildLink *link, GError **error);

static void
attach_waiting_branches (CascadePublisher *self)
{
  g_autoptr (GPtrArray) failed = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  CascadeChildLink *link;

  self->playing = TRUE;
  g_hash_table_iter_init (&iter, self->branches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &link))
    {
      g_autoptr (GError) error = NULL;

      if (!_cascade_child_link_is_attached (link) && !attach_branch (self, link, &error))
        {
          g_debug ("viewer %s: %s", _cascade_child_link_get_peer_id (link), error->message);
          g_ptr_array_add (failed, g_strdup (_cascade_child_link_get_peer_id (link)));
        }
    }
  for (guint i = 0; i < failed->len; i++)
    {
      cascade_publisher_remove_viewer (self, g_ptr_array_index (failed, i));
      g_signal_emit (self, signals[VIEWER_STATE_CHANGED], 0, g_ptr_array_index (failed, i),
                     CASCADE_PEER_STATE_FAILED);
    }
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  CascadePublisher *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
      case GST_MESSAGE_ERROR:
        {
          g_autoptr (GError) gst_error = NULL;
          g_autofree char *debug = NULL;
          GError *error;

          gst_message_parse_error (message, &gst_error, &debug);
          g_debug ("publisher pipeline error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (message),
                   gst_error->message, debug != NULL ? debug : "");
          /* A failing viewer branch ends that viewer, not the stream. */
          if (_cascade_child_links_fail_element (self->branches, GST_MESSAGE_SRC (message)))
            return G_SOURCE_CONTINUE;
          error =
            g_error_new (CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED, "%s", gst_error->message);
          cascade_p2p_hop (self->context, G_OBJECT (self), fail_on_main, error,
                           (GDestroyNotify) g_error_free);
          break;
        }
      case GST_MESSAGE_LATENCY:
        gst_bin_recalculate_latency (GST_BIN (self->pipeline));
        break;
      case GST_MESSAGE_STATE_CHANGED:
        if (GST_MESSAGE_SRC (message) == GST_OBJECT (self->pipeline) && !self->playing)
          {
            GstState state;

            gst_message_parse_state_changed (message, NULL, &state, NULL);
            if (state == GST_STATE_PLAYING)
              attach_waiting_branches (self);
          }
        break;
      default:
        break;
    }
  return G_SOURCE_CONTINUE;
}

gboolean
cascade_publisher_start (CascadePublisher *self, GError **error)
{
  g_autofree char *description = NULL;
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstElement *pipeline;

  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), FALSE);
  g_return_val_if_fail (self->pipeline == NULL, FALSE);

  _cascade_webrtc_preload ();
  description = pipeline_description (self);
  pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (pipeline == NULL)
    {
      g_set_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_MISSING_ELEMENT,
                   "Cannot build the streaming pipeline: %s", parse_error->message);
      return FALSE;
    }
  self->pipeline = gst_object_ref_sink (pipeline);
  /* Each pipewiresrc offers its own stream's clock: with the picture and the
   * sound from two streams, the mixer's deadlines and the capture time
   * stamps disagree. The system clock (monotonic) drives them all. */
  if (self->source_kind == SOURCE_PIPEWIRE)
    {
      g_autoptr (GstClock) clock = gst_system_clock_obtain ();

      gst_pipeline_use_clock (GST_PIPELINE (pipeline), clock);
    }
  self->video_tee = gst_bin_get_by_name (GST_BIN (pipeline), "vtee");
  self->audio_tee = gst_bin_get_by_name (GST_BIN (pipeline), "atee");
  gst_object_unref (self->video_tee); /* borrowed: the pipeline owns them */
  gst_object_unref (self->audio_tee);
  if (self->preview_sink != NULL)
    {
      g_autoptr (GstElement) caps = gst_bin_get_by_name (GST_BIN (pipeline), "previewcaps");

      gst_bin_add (GST_BIN (pipeline), self->preview_sink);
      if (!gst_element_link (caps, self->preview_sink))
        g_warning ("The preview sink does not take raw video");
    }

  add_probe (pipeline, "encq", "sink", GST_PAD_PROBE_TYPE_BUFFER, stamp_probe, self);
  add_probe (pipeline, "enc", "sink", GST_PAD_PROBE_TYPE_BUFFER, encoder_in_probe, self);
  add_probe (pipeline, "enc", "src", GST_PAD_PROBE_TYPE_BUFFER, encoder_out_probe, self);
  add_probe (pipeline, "enc", "src", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, keyframe_limit_probe, self);

  g_signal_connect (pipeline, "deep-element-added",
                    G_CALLBACK (_cascade_webrtc_on_deep_element_added), NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);

  self->stats_time_us = g_get_monotonic_time ();
  self->stats_source = g_timeout_add_seconds (1, update_stats, self);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      cascade_publisher_stop (self);
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                           "The streaming pipeline did not start");
      return FALSE;
    }
  g_debug ("publisher started at %s", cascade_quality_get_preset (self->quality)->name);
  return TRUE;
}

void
cascade_publisher_stop (CascadePublisher *self)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));

  g_clear_handle_id (&self->stats_source, g_source_remove);
  _cascade_keyframe_gate_clear (&self->keyframe_gate);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline == NULL)
    return;

  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  self->playing = FALSE;
  g_hash_table_remove_all (self->branches);
  self->video_tee = NULL;
  self->audio_tee = NULL;
  gst_clear_object (&self->pipeline);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_VIEWERS]);
}

/* ---- keyframes ---- */

static void
push_keyframe_request (CascadePublisher *self)
{
  g_autoptr (GstElement) pay = gst_bin_get_by_name (GST_BIN (self->pipeline), "vpay");
  g_autoptr (GstPad) sink = gst_element_get_static_pad (pay, "sink");

  gst_pad_push_event (sink,
                      gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* A key frame now, or as soon as the rate limit allows (requests coalesce). */
void
cascade_publisher_request_keyframe (CascadePublisher *self)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));

  if (self->pipeline != NULL &&
      _cascade_keyframe_gate_pass (&self->keyframe_gate,
                                   (gint64) g_atomic_pointer_get (&self->last_keyframe_us)))
    push_keyframe_request (self);
}

/* ---- viewers ---- */

static gboolean
attach_branch (CascadePublisher *self, CascadeChildLink *link, GError **error)
{
  return _cascade_child_link_attach (link, self->pipeline, self->video_tee, self->audio_tee,
                                     &self->upload_bytes, error);
}

gboolean
cascade_publisher_add_viewer (CascadePublisher *self,
                              const char *peer_id,
                              JsonArray *ice_servers,
                              GError **error)
{
  CascadeChildLink *link;

  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->pipeline == NULL)
    {
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                           "The stream is not running");
      return FALSE;
    }
  if (g_hash_table_contains (self->branches, peer_id))
    cascade_publisher_remove_viewer (self, peer_id);
  if (g_hash_table_size (self->branches) >= self->max_direct_viewers)
    {
      g_set_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FULL,
                   "Already serving %u viewers directly", self->max_direct_viewers);
      return FALSE;
    }

  link = _cascade_child_link_new (&self->link_owner, peer_id, ice_servers, self->local_address,
                                  FALSE, error);
  if (link == NULL)
    return FALSE;
  _cascade_child_links_insert (self->branches, link);
  /* Branches join a playing pipeline: a live source that is still starting
   * has not sent the caps webrtcbin needs before it can offer. */
  if (self->playing && !attach_branch (self, link, error))
    {
      g_hash_table_remove (self->branches, peer_id);
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_VIEWERS]);
  return TRUE;
}

void
cascade_publisher_remove_viewer (CascadePublisher *self, const char *peer_id)
{
  g_return_if_fail (CASCADE_IS_PUBLISHER (self));
  g_return_if_fail (peer_id != NULL);

  if (g_hash_table_remove (self->branches, peer_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_VIEWERS]);
}

gboolean
cascade_publisher_handle_signal (CascadePublisher *self,
                                 const char *peer_id,
                                 JsonObject *signal,
                                 GError **error)
{
  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);

  return _cascade_child_links_handle_signal (self->branches, peer_id, signal, "viewer", "stream",
                                             "A viewer may only answer the streamer's offer",
                                             error);
}

JsonObject *
cascade_publisher_dup_health_message (CascadePublisher *self, const char *stream_id)
{
  JsonObject *message;

  g_return_val_if_fail (CASCADE_IS_PUBLISHER (self), NULL);
  g_return_val_if_fail (stream_id != NULL, NULL);

  message = json_object_new ();
  json_object_set_string_member (message, "type", "stream.health");
  json_object_set_string_member (message, "stream_id", stream_id);
  json_object_set_int_member (message, "capacity", self->max_direct_viewers);
  json_object_set_int_member (message, "children", g_hash_table_size (self->branches));
  json_object_set_double_member (message, "loss", 0.0);
  json_object_set_int_member (message, "rtt_ms", 0);
  json_object_set_boolean_member (message, "receiving", TRUE);
  json_object_set_object_member (message, "children_rtt_ms",
                                 _cascade_child_links_dup_rtt (self->branches));
  return message;
}

/* ---- thumbnails ---- */

static void
snapshot_converted (GstSample *sample, GError *error, gpointer user_data)
{
  GTask *task = user_data;
  GstBuffer *buffer;
  GstMapInfo map;

  if (sample == NULL)
    {
      g_task_return_new_error (task, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                               "Cannot make a thumbnail: %s",
                               error != NULL ? error->message : "no picture");
      return;
    }
  buffer = gst_sample_get_buffer (sample);
  if (buffer == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      g_task_return_new_error (task, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                               "Cannot make a thumbnail");
    }
  else
    {
      g_task_return_pointer (task, g_bytes_new (map.data, map.size),
                             (GDestroyNotify) g_bytes_unref);
      gst_buffer_unmap (buffer, &map);
    }
  gst_sample_unref (sample);
  if (error != NULL)
    g_error_free (error);
}

/**
 * cascade_publisher_snapshot_async:
 *
 * A JPEG (320×180) of the newest frame being streamed, for the stream's
 * thumbnail. Finish with cascade_publisher_snapshot_finish().
 */
void
cascade_publisher_snapshot_async (CascadePublisher *self,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GstCaps) jpeg = NULL;
  GstSample *sample = NULL;

  g_return_if_fail (CASCADE_IS_PUBLISHER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cascade_publisher_snapshot_async);

  g_mutex_lock (&self->frame_lock);
  if (self->last_frame != NULL && self->last_caps != NULL)
    sample = gst_sample_new (self->last_frame, self->last_caps, NULL, NULL);
  g_mutex_unlock (&self->frame_lock);
  if (sample == NULL)
    {
      g_task_return_new_error (task, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                               "No picture has been captured yet");
      return;
    }
  jpeg = gst_caps_new_simple ("image/jpeg", "width", G_TYPE_INT, 320, "height", G_TYPE_INT, 180,
                              "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  /* The conversion runs in its own pipeline; the task returns in our context. */
  gst_video_convert_sample_async (sample, jpeg, 5 * GST_SECOND, snapshot_converted,
                                  g_steal_pointer (&task), g_object_unref);
  gst_sample_unref (sample);
}

GBytes *
cascade_publisher_snapshot_finish (CascadePublisher *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
