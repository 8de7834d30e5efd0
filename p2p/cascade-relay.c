/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

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

typedef struct
{
  CascadeRelay *relay; /* unowned: children die with their relay */
  char *peer_id;
  GstElement *video_queue;
  GstElement *audio_queue;
  GstElement *webrtc;
  GstPad *video_tee_pad;
  GstPad *audio_tee_pad;
  CascadePeerState state;
  gboolean offered; /* once: a renegotiation would need an ICE and DTLS restart */
  double loss;      /* fraction lost the child reported, last period */
  CascadeStatsSlot *stats;
} Child;

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
  GHashTable *children; /* peer_id → Child */
  gint n_children;      /* atomic copy for the streaming threads */

  GMutex caps_lock;
  GstCaps *video_caps;
  GstCaps *audio_caps;

  gint64 last_keyframe_us;
  guint keyframe_source;

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

typedef struct
{
  char *peer_id;
  JsonObject *signal;
  int state;
  double loss;
} ChildEvent;

static ChildEvent *
child_event_new (const char *peer_id)
{
  ChildEvent *event = g_new0 (ChildEvent, 1);

  event->peer_id = g_strdup (peer_id);
  event->loss = -1;
  return event;
}

static void
child_event_free (gpointer data)
{
  ChildEvent *event = data;

  g_clear_pointer (&event->signal, json_object_unref);
  g_free (event->peer_id);
  g_free (event);
}

static void
child_free (gpointer data)
{
  Child *child = data;
  CascadeRelay *self = child->relay;
  GstElement *elements[] = { child->webrtc, child->video_queue, child->audio_queue };

  _cascade_webrtc_close_ice (child->webrtc);
  _cascade_branch_release_tee_pad (self->video_tee, child->video_tee_pad);
  _cascade_branch_release_tee_pad (self->audio_tee, child->audio_tee_pad);
  if (GST_OBJECT_PARENT (child->webrtc) == GST_OBJECT (self->pipeline))
    _cascade_branch_remove_elements (self->pipeline, elements, G_N_ELEMENTS (elements));
  g_clear_object (&child->video_tee_pad);
  g_clear_object (&child->audio_tee_pad);
  g_clear_pointer (&child->stats, _cascade_stats_slot_unref);
  gst_element_set_state (child->webrtc, GST_STATE_NULL);
  gst_clear_object (&child->webrtc);
  gst_clear_object (&child->video_queue);
  gst_clear_object (&child->audio_queue);
  g_free (child->peer_id);
  g_free (child);
}

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

  g_clear_handle_id (&self->keyframe_source, g_source_remove);
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

static gboolean
deferred_keyframe (gpointer user_data)
{
  CascadeRelay *self = user_data;

  self->keyframe_source = 0;
  cascade_relay_request_keyframe (self);
  return G_SOURCE_REMOVE;
}

void
cascade_relay_request_keyframe (CascadeRelay *self)
{
  gint64 now, wait;

  g_return_if_fail (CASCADE_IS_RELAY (self));

  if (self->keyframe_source != 0)
    return; /* one is already on its way: this request rides along */
  now = g_get_monotonic_time ();
  wait = self->last_keyframe_us == 0 ? 0 : self->last_keyframe_us + KEYFRAME_COALESCE_US - now;
  if (wait > 0)
    {
      self->keyframe_source = g_timeout_add ((guint) (wait / 1000) + 1, deferred_keyframe, self);
      return;
    }
  self->last_keyframe_us = now;
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
          for (GstObject *parent = GST_MESSAGE_SRC (message); parent != NULL;
               parent = GST_OBJECT_PARENT (parent))
            {
              GHashTableIter iter;
              Child *child;

              g_hash_table_iter_init (&iter, self->children);
              while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &child))
                if (GST_OBJECT (child->webrtc) == parent)
                  {
                    g_autofree char *peer_id = g_strdup (child->peer_id);

                    cascade_relay_remove_child (self, peer_id);
                    g_signal_emit (self, signals[CHILD_STATE_CHANGED], 0, peer_id,
                                   CASCADE_PEER_STATE_FAILED);
                    return G_SOURCE_CONTINUE;
                  }
            }
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
max_fraction_lost (const GstStructure *stats, gpointer data)
{
  double *loss = data;
  double fraction;

  if (gst_structure_get_double (stats, "fraction-lost", &fraction))
    *loss = MAX (*loss, fraction);
}

/* The child's loss from its receiver reports (the last request's reply), and
 * a new request for the next period. */
static void
poll_child_loss (Child *child)
{
  if (child->stats != NULL && !_cascade_stats_slot_is_done (child->stats))
    return; /* webrtcbin has not answered yet */
  if (child->stats != NULL)
    {
      double loss = 0;

      _cascade_stats_foreach (_cascade_stats_slot_get_reply (child->stats),
                              GST_WEBRTC_STATS_REMOTE_INBOUND_RTP, max_fraction_lost, &loss);
      child->loss = loss;
    }
  g_clear_pointer (&child->stats, _cascade_stats_slot_unref);
  child->stats = _cascade_stats_request (child->webrtc);
}

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
  GHashTableIter iter;
  Child *child;

  self->stats.children = g_hash_table_size (self->children);
  self->stats.connected = 0;
  self->stats.children_loss = 0;
  self->stats.bytes_sent = sent;
  if (seconds > 0)
    self->stats.upload_kbps = (sent - self->stats_bytes_sent) * 8 / 1000.0 / seconds;
  self->stats_bytes_sent = sent;
  self->stats_time_us = now;

  g_hash_table_iter_init (&iter, self->children);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &child))
    {
      if (child->state != CASCADE_PEER_STATE_CONNECTED)
        continue;
      poll_child_loss (child);
      self->stats.connected++;
      self->stats.children_loss = MAX (self->stats.children_loss, child->loss);
    }
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
  self->context = g_main_context_ref_thread_default ();
  self->children = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, child_free);
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
  GHashTableIter iter;
  Child *child;
  guint connected = 0;

  g_return_val_if_fail (CASCADE_IS_RELAY (self), 0);

  g_hash_table_iter_init (&iter, self->children);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &child))
    if (child->state == CASCADE_PEER_STATE_CONNECTED)
      connected++;
  return connected;
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

static void
signal_on_main (GObject *object, gpointer data)
{
  ChildEvent *event = data;

  if (g_hash_table_contains (CASCADE_RELAY (object)->children, event->peer_id))
    g_signal_emit (object, signals[SIGNAL_SIGNAL], 0, event->peer_id, event->signal);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline_index, char *candidate, gpointer user_data)
{
  Child *child = user_data;
  ChildEvent *event = child_event_new (child->peer_id);

  event->signal = _cascade_signal_new_ice (mline_index, candidate);
  cascade_p2p_hop (child->relay->context, G_OBJECT (child->relay), signal_on_main, event,
                   child_event_free);
}

static void
state_on_main (GObject *object, gpointer data)
{
  CascadeRelay *self = CASCADE_RELAY (object);
  ChildEvent *event = data;
  Child *child = g_hash_table_lookup (self->children, event->peer_id);

  if (child == NULL || child->state == (CascadePeerState) event->state)
    return;
  child->state = event->state;
  g_debug ("child %s is %s", event->peer_id, cascade_peer_state_to_string (event->state));
  /* Field note 5: a new child starts mid-GOP. */
  if (child->state == CASCADE_PEER_STATE_CONNECTED)
    cascade_relay_request_keyframe (self);
  g_signal_emit (self, signals[CHILD_STATE_CHANGED], 0, event->peer_id, event->state);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Child *child = user_data;
  GstWebRTCPeerConnectionState state;
  ChildEvent *event = child_event_new (child->peer_id);

  g_object_get (webrtc, "connection-state", &state, NULL);
  event->state = _cascade_peer_state_from_webrtc (state);
  cascade_p2p_hop (child->relay->context, G_OBJECT (child->relay), state_on_main, event,
                   child_event_free);
}

/* On webrtcbin's thread: the child lives until its webrtcbin is stopped. */
static void
on_offer_created (GstPromise *promise, gpointer user_data)
{
  Child *child = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;
  g_autofree char *text = NULL;
  ChildEvent *event;

  if (reply != NULL)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  if (offer == NULL)
    {
      g_debug ("webrtcbin made no offer for child %s", child->peer_id);
      return;
    }
  g_signal_emit_by_name (child->webrtc, "set-local-description", offer, NULL);
  text = gst_sdp_message_as_text (offer->sdp);
  gst_webrtc_session_description_free (offer);

  event = child_event_new (child->peer_id);
  event->signal = _cascade_signal_new_sdp ("offer", text);
  cascade_p2p_hop (child->relay->context, G_OBJECT (child->relay), signal_on_main, event,
                   child_event_free);
}

static void
offer_on_main (GObject *object, gpointer data)
{
  CascadeRelay *self = CASCADE_RELAY (object);
  ChildEvent *event = data;
  Child *child = g_hash_table_lookup (self->children, event->peer_id);

  if (child == NULL || child->offered)
    return;
  child->offered = TRUE;
  g_signal_emit_by_name (child->webrtc, "create-offer", NULL,
                         gst_promise_new_with_change_func (on_offer_created, child, NULL));
}

/* webrtcbin asks once both sink pads carry caps: that is when it can offer. */
static void
on_negotiation_needed (GstElement *webrtc, gpointer user_data)
{
  Child *child = user_data;

  cascade_p2p_hop (child->relay->context, G_OBJECT (child->relay), offer_on_main,
                   child_event_new (child->peer_id), child_event_free);
}

gboolean
cascade_relay_add_child (CascadeRelay *self, const char *peer_id, GError **error)
{
  Child *child;

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

  child = g_new0 (Child, 1);
  child->relay = self;
  child->peer_id = g_strdup (peer_id);
  child->video_queue = gst_object_ref_sink (_cascade_branch_queue_new ());
  child->audio_queue = gst_object_ref_sink (_cascade_branch_queue_new ());
  child->webrtc = gst_element_factory_make ("webrtcbin", NULL);
  if (child->webrtc == NULL)
    {
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_MISSING_ELEMENT,
                           "webrtcbin is missing (gstreamer1.0-plugins-bad)");
      gst_clear_object (&child->video_queue);
      gst_clear_object (&child->audio_queue);
      g_free (child->peer_id);
      g_free (child);
      return FALSE;
    }
  gst_object_ref_sink (child->webrtc);
  update_impairment (self);
  _cascade_webrtc_configure (child->webrtc, self->ice_servers, self->local_address);
  _cascade_webrtc_set_privacy (child->webrtc, self->privacy);
  g_hash_table_insert (self->children, child->peer_id, child);

  gst_bin_add_many (GST_BIN (self->pipeline), child->video_queue, child->audio_queue, child->webrtc,
                    NULL);
  g_signal_connect (child->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), child);
  g_signal_connect (child->webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed),
                    child);
  g_signal_connect (child->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state),
                    child);
  gst_element_sync_state_with_parent (child->webrtc);
  if (!_cascade_branch_link (self->video_tee, child->video_queue, child->webrtc, &self->bytes_sent,
                             &child->video_tee_pad, error) ||
      !_cascade_branch_link (self->audio_tee, child->audio_queue, child->webrtc, &self->bytes_sent,
                             &child->audio_tee_pad, error))
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

static void
answer_refused_on_main (GObject *object, gpointer data)
{
  CascadeRelay *self = CASCADE_RELAY (object);
  ChildEvent *event = data;

  if (!g_hash_table_contains (self->children, event->peer_id))
    return;
  g_debug ("child %s answered with a description webrtcbin refused", event->peer_id);
  cascade_relay_remove_child (self, event->peer_id);
  g_signal_emit (self, signals[CHILD_STATE_CHANGED], 0, event->peer_id, CASCADE_PEER_STATE_FAILED);
}

/* On webrtcbin's thread: an answer it cannot use ends that child, not the others. */
static void
on_answer_set (GstPromise *promise, gpointer user_data)
{
  Child *child = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED ||
      (reply != NULL && gst_structure_has_field (reply, "error")))
    cascade_p2p_hop (child->relay->context, G_OBJECT (child->relay), answer_refused_on_main,
                     child_event_new (child->peer_id), child_event_free);
  gst_promise_unref (promise);
}

gboolean
cascade_relay_handle_signal (CascadeRelay *self,
                             const char *peer_id,
                             JsonObject *signal,
                             GError **error)
{
  g_autoptr (GstWebRTCSessionDescription) sdp = NULL;
  g_autofree char *candidate = NULL;
  guint mline_index;
  Child *child;

  g_return_val_if_fail (CASCADE_IS_RELAY (self), FALSE);
  g_return_val_if_fail (peer_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  child = g_hash_table_lookup (self->children, peer_id);
  if (child == NULL)
    {
      g_set_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_UNKNOWN_PEER,
                   "No child %s on this relay", peer_id);
      return FALSE;
    }
  if (!_cascade_signal_parse (signal, &sdp, &candidate, &mline_index, error))
    return FALSE;
  if (sdp != NULL)
    {
      if (sdp->type != GST_WEBRTC_SDP_TYPE_ANSWER || !child->offered)
        {
          g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL,
                               "A relay only takes answers to its own offers");
          return FALSE;
        }
      g_signal_emit_by_name (child->webrtc, "set-remote-description", sdp,
                             gst_promise_new_with_change_func (on_answer_set, child, NULL));
    }
  else if (*candidate != '\0')
    g_signal_emit_by_name (child->webrtc, "add-ice-candidate", mline_index, candidate);
  return TRUE;
}
