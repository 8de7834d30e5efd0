/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

#include "cascade-child-link.h"
#include "cascade-p2p-hop.h"
#include "cascade-relay.h"
#include "cascade-webrtc-util.h"

/* Key frame requests go up at most this often (the contract: ≤1 per 300 ms). */
#define KEYFRAME_COALESCE_US (300 * G_USEC_PER_SEC / 1000)
#define STATS_PERIOD_S 2
/* Children reporting more loss than this (beyond what arrives lossy from
 * upstream) mean this node's upload is not keeping up: take fewer. */
#define CHILD_LOSS_LIMIT 0.05
/* Clean periods before a lowered capacity goes up by one again. */
#define RECOVER_PERIODS 15
#define MAX_CAPACITY 16

struct _CascadeRelay
{
  GObject parent_instance;

  GMainContext *context;
  JsonArray *ice_servers;
  char *local_address;
  gboolean privacy;
  guint max_children;
  guint capacity;
  guint clean_periods;
  guint impair_delay_ms;
  double impair_loss;
  CascadeImpairment *impairment;

  GstElement *pipeline;
  GstElement *video_src;
  GstElement *audio_src;
  GstElement *video_tee;
  GstElement *audio_tee;
  guint bus_watch;
  GHashTable *children; /* peer_id → CascadeChildLink */
  CascadeChildLinkOwner link_owner;
  gint n_children; /* atomic copy for the streaming threads */

  GMutex caps_lock;
  GstCaps *video_caps;
  GstCaps *audio_caps;

  gint64 last_keyframe_us;
  CascadeKeyframeGate keyframe_gate;

  guint stats_source;
  guint64 bytes_sent; /* atomic */
  guint64 stats_bytes_sent;
  gint64 stats_time_us;
  CascadeRelayStats stats;
};

G_DEFINE_FINAL_TYPE (CascadeRelay, cascade_relay, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_LOCAL_ADDRESS,
  PROP_PRIVACY,
  PROP_MAX_CHILDREN,
  PROP_CAPACITY,
  PROP_N_CHILDREN,
  PROP_IMPAIR_DELAY_MS,
  PROP_IMPAIR_LOSS,
  N_PROPS
};

enum
{
  SIGNAL_SIGNAL,
  CHILD_STATE_CHANGED,
  KEYFRAME_NEEDED,
  STATS_UPDATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
children_changed (CascadeRelay *self)
{
  g_atomic_int_set (&self->n_children, (gint) g_hash_table_size (self->children));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CHILDREN]);
}

static void
cascade_relay_dispose (GObject *object)
{
  CascadeRelay *self = CASCADE_RELAY (object);

  _cascade_keyframe_gate_clear (&self->keyframe_gate);
  g_clear_handle_id (&self->stats_source, g_source_remove);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      g_hash_table_remove_all (self->children);
      gst_clear_object (&self->pipeline);
    }
  G_OBJECT_CLASS (cascade_relay_parent_class)->dispose (object);
}

static void
cascade_relay_finalize (GObject *object)
{
  CascadeRelay *self = CASCADE_RELAY (object);

  g_hash_table_unref (self->children);
  g_clear_pointer (&self->impairment, _cascade_impairment_free);
  g_clear_pointer (&self->ice_servers, json_array_unref);
  gst_clear_caps (&self->video_caps);
  gst_clear_caps (&self->audio_caps);
  g_mutex_clear (&self->caps_lock);
  g_free (self->local_address);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (cascade_relay_parent_class)->finalize (object);
}

static void
set_capacity (CascadeRelay *self, guint capacity)
{
  capacity = MIN (capacity, self->max_children);
  if (self->capacity == capacity)
    return;
  self->capacity = capacity;
  g_debug ("relay capacity is now %u", capacity);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAPACITY]);
}

/* Once, before the first child (not when a property is set: with the delay
 * set first, the loss was never applied): the children's packets (their
 * receiver reports and NACKs) come in through the same emulated link. */
static void
update_impairment (CascadeRelay *self)
{
  if (self->impairment != NULL || self->pipeline == NULL)
    return;
  self->impairment = _cascade_impairment_new (self->impair_delay_ms, self->impair_loss);
  _cascade_impairment_attach (self->impairment, self->pipeline);
}

static void
cascade_relay_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeRelay *self = CASCADE_RELAY (object);

  switch (prop_id)
    {
      case PROP_LOCAL_ADDRESS:
        g_value_set_string (value, self->local_address);
        break;
      case PROP_PRIVACY:
        g_value_set_boolean (value, self->privacy);
        break;
      case PROP_MAX_CHILDREN:
        g_value_set_uint (value, self->max_children);
        break;
      case PROP_CAPACITY:
        g_value_set_uint (value, self->capacity);
        break;
      case PROP_N_CHILDREN:
        g_value_set_uint (value, g_hash_table_size (self->children));
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
cascade_relay_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CascadeRelay *self = CASCADE_RELAY (object);

  switch (prop_id)
    {
      case PROP_LOCAL_ADDRESS:
        if (g_strcmp0 (self->local_address, g_value_get_string (value)) != 0)
          {
            g_free (self->local_address);
            self->local_address = g_value_dup_string (value);
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
      case PROP_MAX_CHILDREN:
        if (self->max_children != g_value_get_uint (value))
          {
            self->max_children = g_value_get_uint (value);
            self->capacity = self->max_children;
            self->clean_periods = 0;
            g_object_notify_by_pspec (object, pspec);
            g_object_notify_by_pspec (object, properties[PROP_CAPACITY]);
          }
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

/* ---- key frames ---- */

void
cascade_relay_request_keyframe (CascadeRelay *self)
{
  g_return_if_fail (CASCADE_IS_RELAY (self));

  if (!_cascade_keyframe_gate_pass (&self->keyframe_gate, self->last_keyframe_us))
    return;
  self->last_keyframe_us = g_get_monotonic_time ();
  self->stats.keyframes_up++;
  g_signal_emit (self, signals[KEYFRAME_NEEDED], 0);
}

static void
keyframe_on_main (GObject *object, gpointer data)
{
  cascade_relay_request_keyframe (CASCADE_RELAY (object));
}

/* A child's PLI/FIR arrives as an upstream force-key-unit event carrying the
 * child-side SSRC, which means nothing upstream of here (field note 2): it
 * ends here and goes up as this relay's own, coalesced request. */
static GstPadProbeReturn
keyframe_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeRelay *self = user_data;

  if (!gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    return GST_PAD_PROBE_OK;
  cascade_p2p_hop (self->context, G_OBJECT (self), keyframe_on_main, NULL, NULL);
  return GST_PAD_PROBE_DROP;
}

/* ---- the pipeline ---- */

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  CascadeRelay *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
      case GST_MESSAGE_ERROR:
        {
          g_autoptr (GError) error = NULL;
          g_autofree char *debug = NULL;

          gst_message_parse_error (message, &error, &debug);
          g_debug ("relay pipeline error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (message),
                   error->message, debug != NULL ? debug : "");
          /* A failing child ends that child, never the others. */
          if (_cascade_child_links_fail_element (self->children, GST_MESSAGE_SRC (message)))
            return G_SOURCE_CONTINUE;
          g_warning ("The relay pipeline failed: %s", error->message);
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

static GstElement *
make_source (void)
{
  GstElement *src = gst_element_factory_make ("appsrc", NULL);

  /* Re-stamped on arrival with this pipeline's clock: a new parent (a new
   * upstream pipeline, time from zero) never sends the children backwards. */
  g_object_set (src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", TRUE, "max-bytes",
                (guint64) 4 * 1024 * 1024, "block", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "leaky-type", "downstream");
  return src;
}

static gboolean
build_pipeline (CascadeRelay *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstElement) pay = NULL;
  g_autoptr (GstPad) pay_sink = NULL;
  GstElement *pipeline;

  pipeline = gst_parse_launch_full (
    "rtph264pay name=vpay pt=96 config-interval=-1 aggregate-mode=zero-latency mtu=1200 ! "
    "application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000,"
    "rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true ! "
    "tee name=vtee allow-not-linked=true "
    "rtpopuspay name=apay pt=111 ! "
    "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! "
    "tee name=atee allow-not-linked=true",
    NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (pipeline == NULL)
    {
      g_warning ("The relay cannot be built: %s", error->message);
      return FALSE;
    }
  self->pipeline = gst_object_ref_sink (pipeline);
  self->video_src = make_source ();
  self->audio_src = make_source ();
  gst_bin_add_many (GST_BIN (pipeline), self->video_src, self->audio_src, NULL);
  self->video_tee = gst_bin_get_by_name (GST_BIN (pipeline), "vtee");
  self->audio_tee = gst_bin_get_by_name (GST_BIN (pipeline), "atee");
  gst_object_unref (self->video_tee); /* borrowed: the pipeline owns them */
  gst_object_unref (self->audio_tee);
  pay = gst_bin_get_by_name (GST_BIN (pipeline), "vpay");
  if (!gst_element_link (self->video_src, pay))
    return FALSE;
  gst_clear_object (&pay);
  pay = gst_bin_get_by_name (GST_BIN (pipeline), "apay");
  if (!gst_element_link (self->audio_src, pay))
    return FALSE;
  gst_clear_object (&pay);
  pay = gst_bin_get_by_name (GST_BIN (pipeline), "vpay");
  pay_sink = gst_element_get_static_pad (pay, "sink");
  gst_pad_add_probe (pay_sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, keyframe_probe, self, NULL);

  /* Field note 1: webrtcbin's clocksyncs would hold every packet again. */
  g_signal_connect (pipeline, "deep-element-added",
                    G_CALLBACK (_cascade_webrtc_on_deep_element_added), NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  return gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
}

/* ---- stats ---- */

static void
update_capacity (CascadeRelay *self)
{
  guint connected = self->stats.connected;

  if (self->max_children == 0)
    return;
  if (connected > 0 && self->stats.children_loss > CHILD_LOSS_LIMIT)
    {
      /* Feeding this many loses packets: one fewer, never below one. */
      self->clean_periods = 0;
      set_capacity (self, MAX (1u, MIN (self->capacity, connected) - (connected > 1 ? 1 : 0)));
    }
  else if (self->capacity < self->max_children && ++self->clean_periods >= RECOVER_PERIODS)
    {
      self->clean_periods = 0;
      set_capacity (self, self->capacity + 1);
    }
}

static gboolean
update_stats (gpointer user_data)
{
  CascadeRelay *self = user_data;
  gint64 now = g_get_monotonic_time ();
  double seconds = (double) (now - self->stats_time_us) / G_USEC_PER_SEC;
  guint64 sent = (guint64) g_atomic_pointer_get (&self->bytes_sent);

  self->stats.children = g_hash_table_size (self->children);
  self->stats.bytes_sent = sent;
  if (seconds > 0)
    self->stats.upload_kbps = (sent - self->stats_bytes_sent) * 8 / 1000.0 / seconds;
  self->stats_bytes_sent = sent;
  self->stats_time_us = now;
  self->stats.connected =
    _cascade_child_links_poll_stats (self->children, &self->stats.children_loss);
  update_capacity (self);
  g_signal_emit (self, signals[STATS_UPDATED], 0);
  return G_SOURCE_CONTINUE;
}

/* ---- GObject ---- */

static void
cascade_relay_constructed (GObject *object)
{
  CascadeRelay *self = CASCADE_RELAY (object);

  G_OBJECT_CLASS (cascade_relay_parent_class)->constructed (object);
  _cascade_webrtc_preload ();
  if (!build_pipeline (self))
    g_warning ("The relay pipeline did not start");
  self->stats_time_us = g_get_monotonic_time ();
  self->stats_source = g_timeout_add_seconds (STATS_PERIOD_S, update_stats, self);
}

static void
cascade_relay_class_init (CascadeRelayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = cascade_relay_constructed;
  object_class->dispose = cascade_relay_dispose;
  object_class->finalize = cascade_relay_finalize;
  object_class->get_property = cascade_relay_get_property;
  object_class->set_property = cascade_relay_set_property;

  /* When set, ICE gathers only on this address (tests use 127.0.0.1). */
  properties[PROP_LOCAL_ADDRESS] =
    g_param_spec_string ("local-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Only TURN candidates for children added from now on. */
  properties[PROP_PRIVACY] =
    g_param_spec_boolean ("privacy", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The children this node may feed at most (the setting and the upload). */
  properties[PROP_MAX_CHILDREN] =
    g_param_spec_uint ("max-children", NULL, NULL, 0, MAX_CAPACITY, 3,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What it reports to the tracker: max-children, lowered while children
   * report loss, raised again after a while without. */
  properties[PROP_CAPACITY] = g_param_spec_uint ("capacity", NULL, NULL, 0, MAX_CAPACITY, 3,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_CHILDREN] = g_param_spec_uint ("n-children", NULL, NULL, 0, G_MAXUINT, 0,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Link emulation (benchmarks): set before the first child, for all of them. */
  properties[PROP_IMPAIR_DELAY_MS] = g_param_spec_uint ("impair-delay-ms", NULL, NULL, 0, 10000, 0,
                                                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IMPAIR_LOSS] = g_param_spec_double ("impair-loss", NULL, NULL, 0, 100, 0,
                                                      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (peer_id, JsonObject *signal): forward as a realtime `signal` to peer_id. */
  signals[SIGNAL_SIGNAL] =
    g_signal_new ("signal", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
  /* (peer_id, CascadePeerState) */
  signals[CHILD_STATE_CHANGED] =
    g_signal_new ("child-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, CASCADE_TYPE_PEER_STATE);
  /* Ask the parent for a key frame (already coalesced). */
  signals[KEYFRAME_NEEDED] = g_signal_new ("keyframe-needed", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* Every STATS_PERIOD_S seconds: cascade_relay_get_stats() is fresh. */
  signals[STATS_UPDATED] = g_signal_new ("stats-updated", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cascade_relay_init (CascadeRelay *self)
{
  /* The child's events go out as our own signals. */
  self->keyframe_gate = (CascadeKeyframeGate){
    KEYFRAME_COALESCE_US,
    (CascadeChildLinkConnected) cascade_relay_request_keyframe,
    self,
  };
  self->link_owner = (CascadeChildLinkOwner){
    G_OBJECT (self),
    signals[SIGNAL_SIGNAL],
    signals[CHILD_STATE_CHANGED],
    (CascadeChildLinkConnected) cascade_relay_request_keyframe,
    (CascadeChildLinkRemove) cascade_relay_remove_child,
  };
  self->context = g_main_context_ref_thread_default ();
  self->children = _cascade_child_links_new ();
  self->max_children = self->capacity = 3;
  g_mutex_init (&self->caps_lock);
}

CascadeRelay *
cascade_relay_new (void)
{
  return g_object_new (CASCADE_TYPE_RELAY, NULL);
}

void
cascade_relay_set_ice_servers (CascadeRelay *self, JsonArray *ice_servers)
{
  g_return_if_fail (CASCADE_IS_RELAY (self));

  g_clear_pointer (&self->ice_servers, json_array_unref);
  if (ice_servers != NULL)
    self->ice_servers = json_array_ref (ice_servers);
}

guint
cascade_relay_get_n_children (CascadeRelay *self)
{
  g_return_val_if_fail (CASCADE_IS_RELAY (self), 0);
  return g_hash_table_size (self->children);
}

guint
cascade_relay_get_n_connected (CascadeRelay *self)
{
  g_return_val_if_fail (CASCADE_IS_RELAY (self), 0);
  return _cascade_child_links_count_connected (self->children);
}

gboolean
cascade_relay_has_child (CascadeRelay *self, const char *peer_id)
{
  g_return_val_if_fail (CASCADE_IS_RELAY (self), FALSE);
  return peer_id != NULL && g_hash_table_contains (self->children, peer_id);
}

void
cascade_relay_get_stats (CascadeRelay *self, CascadeRelayStats *out_stats)
{
  g_return_if_fail (CASCADE_IS_RELAY (self));
  g_return_if_fail (out_stats != NULL);

  *out_stats = self->stats;
  out_stats->children = g_hash_table_size (self->children);
  out_stats->bytes_sent = (guint64) g_atomic_pointer_get (&self->bytes_sent);
}

guint
cascade_relay_compute_capacity (guint max_children, guint upload_kbps, guint stream_kbps)
{
  guint capacity = MIN (max_children, MAX_CAPACITY);

  if (upload_kbps > 0 && stream_kbps > 0)
    capacity = MIN (capacity, (guint) ((guint64) upload_kbps * 8 / 10 / stream_kbps));
  return capacity;
}

/* ---- media in ---- */

static void
push (CascadeRelay *self, GstElement *src, GstCaps **last_caps, GstBuffer *buffer, GstCaps *caps)
{
  GstBuffer *copy;

  if (src == NULL)
    return;
  if (caps != NULL)
    {
      gboolean changed;

      g_mutex_lock (&self->caps_lock);
      changed = *last_caps == NULL || !gst_caps_is_equal (*last_caps, caps);
      if (changed)
        gst_caps_replace (last_caps, caps);
      g_mutex_unlock (&self->caps_lock);
      if (changed)
        gst_app_src_set_caps (GST_APP_SRC (src), caps);
    }
  /* Nobody to feed: nothing to payload. */
  if (g_atomic_int_get (&self->n_children) == 0)
    return;
  /* The memory is shared, only the metadata is copied: no decode, no copy
   * of the media. Time stamps are this pipeline's (see make_source). */
  copy = gst_buffer_copy (buffer);
  GST_BUFFER_PTS (copy) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DTS (copy) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (copy) = GST_CLOCK_TIME_NONE;
  gst_app_src_push_buffer (GST_APP_SRC (src), copy);
}

void
cascade_relay_push_video (CascadeRelay *self, GstBuffer *buffer, GstCaps *caps)
{
  g_return_if_fail (CASCADE_IS_RELAY (self));
  push (self, self->video_src, &self->video_caps, buffer, caps);
}

void
cascade_relay_push_audio (CascadeRelay *self, GstBuffer *buffer, GstCaps *caps)
{
  g_return_if_fail (CASCADE_IS_RELAY (self));
  push (self, self->audio_src, &self->audio_caps, buffer, caps);
}

/* ---- children ---- */

gboolean
cascade_relay_add_child (CascadeRelay *self, const char *peer_id, GError **error)
{
  CascadeChildLink *link;

  g_return_val_if_fail (CASCADE_IS_RELAY (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->pipeline == NULL)
    {
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                           "The relay did not start");
      return FALSE;
    }
  /* Again (the tracker re-placed it here): a fresh connection. */
  if (g_hash_table_contains (self->children, peer_id))
    g_hash_table_remove (self->children, peer_id);
  if (g_hash_table_size (self->children) >= MAX_CAPACITY)
    {
      g_set_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FULL, "Already feeding %u children",
                   MAX_CAPACITY);
      return FALSE;
    }

  link = _cascade_child_link_new (&self->link_owner, peer_id, self->ice_servers,
                                  self->local_address, self->privacy, error);
  if (link == NULL)
    return FALSE;
  update_impairment (self);
  _cascade_child_links_insert (self->children, link);
  if (!_cascade_child_link_attach (link, self->pipeline, self->video_tee, self->audio_tee,
                                   &self->bytes_sent, error))
    {
      g_hash_table_remove (self->children, peer_id);
      return FALSE;
    }
  children_changed (self);
  return TRUE;
}

void
cascade_relay_remove_child (CascadeRelay *self, const char *peer_id)
{
  g_return_if_fail (CASCADE_IS_RELAY (self));
  g_return_if_fail (peer_id != NULL);

  if (g_hash_table_remove (self->children, peer_id))
    children_changed (self);
}

gboolean
cascade_relay_handle_signal (CascadeRelay *self,
                             const char *peer_id,
                             JsonObject *signal,
                             GError **error)
{
  g_return_val_if_fail (CASCADE_IS_RELAY (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _cascade_child_links_handle_signal (self->children, peer_id, signal, "child", "relay",
                                             "A relay only takes answers to its own offers", error);
}

/* {child peer id: round trip in ms} for the children whose round trip
 * webrtcbin knows (from their receiver reports). */
JsonObject *
cascade_relay_dup_children_rtt (CascadeRelay *self)
{
  g_return_val_if_fail (CASCADE_IS_RELAY (self), NULL);
  return _cascade_child_links_dup_rtt (self->children);
}
