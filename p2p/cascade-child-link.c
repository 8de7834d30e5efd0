/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/webrtc/webrtc.h>

#include "cascade-child-link.h"
#include "cascade-p2p-hop.h"
#include "cascade-webrtc-util.h"

struct _CascadeChildLink
{
  GObject parent_instance;

  GMainContext *context;
  const CascadeChildLinkOwner *owner;
  char *peer_id;
  GstElement *webrtc;
  GstElement *pipeline; /* once attached */
  GstElement *video_tee;
  GstElement *audio_tee;
  GstPad *video_tee_pad;
  GstPad *audio_tee_pad;
  CascadePeerState state;
  gboolean offered; /* once: a renegotiation would need an ICE and DTLS restart */
  double loss;      /* fraction lost the child reported, last period */
  double rtt_ms;    /* round trip the child's reports give, -1 until known */
  CascadeStatsSlot *stats;
  gint *sending; /* atomic, shared with the tee pads' probes: connected */
};

G_DEFINE_FINAL_TYPE (CascadeChildLink, _cascade_child_link, G_TYPE_OBJECT)

static void
cascade_child_link_dispose (GObject *object)
{
  CascadeChildLink *self = CASCADE_CHILD_LINK (object);

  if (self->webrtc != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->webrtc, self);
      /* Its TURN allocations are given back before it goes. */
      _cascade_webrtc_close_ice (self->webrtc);
    }
  if (self->pipeline != NULL)
    {
      _cascade_branch_release_tee_pad (self->video_tee, self->video_tee_pad);
      _cascade_branch_release_tee_pad (self->audio_tee, self->audio_tee_pad);
      if (GST_OBJECT_PARENT (self->webrtc) == GST_OBJECT (self->pipeline))
        _cascade_branch_remove_elements (self->pipeline, &self->webrtc, 1);
    }
  g_clear_object (&self->video_tee_pad);
  g_clear_object (&self->audio_tee_pad);
  g_clear_pointer (&self->stats, _cascade_stats_slot_unref);
  if (self->webrtc != NULL)
    gst_element_set_state (self->webrtc, GST_STATE_NULL);
  gst_clear_object (&self->webrtc);
  gst_clear_object (&self->video_tee);
  gst_clear_object (&self->audio_tee);
  gst_clear_object (&self->pipeline);
  g_clear_pointer (&self->sending, g_atomic_rc_box_release);
  G_OBJECT_CLASS (_cascade_child_link_parent_class)->dispose (object);
}

static void
cascade_child_link_finalize (GObject *object)
{
  CascadeChildLink *self = CASCADE_CHILD_LINK (object);

  g_free (self->peer_id);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (_cascade_child_link_parent_class)->finalize (object);
}

static void
_cascade_child_link_class_init (CascadeChildLinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_child_link_dispose;
  object_class->finalize = cascade_child_link_finalize;
}

static void
_cascade_child_link_init (CascadeChildLink *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->rtt_ms = -1;
  self->sending = g_atomic_rc_box_new0 (gint);
}

CascadeChildLink *
_cascade_child_link_new (const CascadeChildLinkOwner *owner,
                         const char *peer_id,
                         JsonArray *ice_servers,
                         const char *local_address,
                         gboolean privacy,
                         GError **error)
{
  g_autoptr (CascadeChildLink) self = NULL;
  GstElement *webrtc;

  g_assert (owner != NULL && G_IS_OBJECT (owner->object));
  g_assert (peer_id != NULL);

  webrtc = gst_element_factory_make ("webrtcbin", NULL);
  if (webrtc == NULL)
    {
      g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_MISSING_ELEMENT,
                           "webrtcbin is missing (gstreamer1.0-plugins-bad)");
      return NULL;
    }
  self = g_object_new (CASCADE_TYPE_CHILD_LINK, NULL);
  self->owner = owner;
  self->peer_id = g_strdup (peer_id);
  self->webrtc = gst_object_ref_sink (webrtc);
  _cascade_webrtc_configure (self->webrtc, ice_servers, local_address);
  _cascade_webrtc_set_privacy (self->webrtc, privacy);
  return g_steal_pointer (&self);
}

const char *
_cascade_child_link_get_peer_id (CascadeChildLink *self)
{
  g_assert (CASCADE_IS_CHILD_LINK (self));
  return self->peer_id;
}

gboolean
_cascade_child_link_is_attached (CascadeChildLink *self)
{
  g_assert (CASCADE_IS_CHILD_LINK (self));
  return self->pipeline != NULL;
}

/* ---- from webrtcbin's threads, through the hop ---- */

typedef struct
{
  JsonObject *signal;
  int state;
} LinkEvent;

static void
link_event_free (gpointer data)
{
  LinkEvent *event = data;

  g_clear_pointer (&event->signal, json_object_unref);
  g_free (event);
}

static void
hop (CascadeChildLink *self, CascadeP2pHopFunc func, LinkEvent *event)
{
  if (event == NULL)
    event = g_new0 (LinkEvent, 1);
  cascade_p2p_hop (self->context, G_OBJECT (self), func, event, link_event_free);
}

static void
signal_on_main (GObject *object, gpointer data)
{
  CascadeChildLink *self = CASCADE_CHILD_LINK (object);
  LinkEvent *event = data;

  g_signal_emit (self->owner->object, self->owner->signal_id, 0, self->peer_id, event->signal);
}

static void
send_signal (CascadeChildLink *self, JsonObject *signal)
{
  LinkEvent *event = g_new0 (LinkEvent, 1);

  event->signal = signal;
  hop (self, signal_on_main, event);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline_index, char *candidate, gpointer user_data)
{
  send_signal (user_data, _cascade_signal_new_ice (mline_index, candidate));
}

static void
state_on_main (GObject *object, gpointer data)
{
  CascadeChildLink *self = CASCADE_CHILD_LINK (object);
  LinkEvent *event = data;

  if (self->state == (CascadePeerState) event->state)
    return;
  self->state = event->state;
  g_debug ("child %s is %s", self->peer_id, cascade_peer_state_to_string (self->state));
  /* Field note 5: a new child starts mid-GOP: a key frame as soon as it can
   * receive one. */
  if (self->state == CASCADE_PEER_STATE_CONNECTED)
    self->owner->connected (self->owner->object);
  g_signal_emit (self->owner->object, self->owner->state_id, 0, self->peer_id, self->state);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  GstWebRTCPeerConnectionState state;
  LinkEvent *event = g_new0 (LinkEvent, 1);

  g_object_get (webrtc, "connection-state", &state, NULL);
  event->state = _cascade_peer_state_from_webrtc (state);
  if (event->state == CASCADE_PEER_STATE_CONNECTED)
    g_atomic_int_set (CASCADE_CHILD_LINK (user_data)->sending, TRUE);
  hop (user_data, state_on_main, event);
}

/* The tee's streaming thread, on this child's tee pads: nothing goes to the
 * webrtcbin before the child is connected. webrtcbin blocks its sink pads
 * until the answer is set: a packet pushed before would hold up the tee (and
 * every other child) there, then go out stale. With a queue in between, the
 * child saw a gap right after that first packet, asked for packets this side
 * never sent (the retransmission history had none of them), lost them for good
 * and waited a key frame more. Packets before the connection are lost on the
 * way anyway; the connected child gets a key frame (state_on_main). */
static GstPadProbeReturn
drop_until_connected (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return g_atomic_int_get ((gint *) user_data) ? GST_PAD_PROBE_REMOVE : GST_PAD_PROBE_DROP;
}

/* On webrtcbin's thread: the link lives until its webrtcbin is stopped. */
static void
on_offer_created (GstPromise *promise, gpointer user_data)
{
  CascadeChildLink *self = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *offer = NULL;
  g_autofree char *text = NULL;

  if (reply != NULL)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  if (offer == NULL)
    {
      g_debug ("webrtcbin made no offer for child %s", self->peer_id);
      return;
    }
  g_signal_emit_by_name (self->webrtc, "set-local-description", offer, NULL);
  text = gst_sdp_message_as_text (offer->sdp);
  gst_webrtc_session_description_free (offer);
  send_signal (self, _cascade_signal_new_sdp ("offer", text));
}

static void
offer_on_main (GObject *object, gpointer data)
{
  CascadeChildLink *self = CASCADE_CHILD_LINK (object);

  if (self->offered)
    return;
  self->offered = TRUE;
  g_signal_emit_by_name (self->webrtc, "create-offer", NULL,
                         gst_promise_new_with_change_func (on_offer_created, self, NULL));
}

/* webrtcbin asks once both sink pads carry caps: that is when it can offer. */
static void
on_negotiation_needed (GstElement *webrtc, gpointer user_data)
{
  hop (user_data, offer_on_main, NULL);
}

/* The child is lost, not the others (nor the stream). */
static void
fail (CascadeChildLink *self)
{
  const CascadeChildLinkOwner *owner = self->owner;
  g_autofree char *peer_id = g_strdup (self->peer_id);

  owner->remove (owner->object, peer_id); /* and @self with it */
  g_signal_emit (owner->object, owner->state_id, 0, peer_id, CASCADE_PEER_STATE_FAILED);
}

static void
refused_on_main (GObject *object, gpointer data)
{
  CascadeChildLink *self = CASCADE_CHILD_LINK (object);

  g_debug ("child %s answered with a description webrtcbin refused", self->peer_id);
  fail (self);
}

/* On webrtcbin's thread: an answer it cannot use ends that child, not the
 * others (nor the stream). */
static void
on_answer_set (GstPromise *promise, gpointer user_data)
{
  const GstStructure *reply = gst_promise_get_reply (promise);
  gboolean failed = gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED ||
                    (reply != NULL && gst_structure_has_field (reply, "error"));

  gst_promise_unref (promise);
  if (failed)
    hop (user_data, refused_on_main, NULL);
}

/* ---- the caller's side ---- */

gboolean
_cascade_child_link_attach (CascadeChildLink *self,
                            GstElement *pipeline,
                            GstElement *video_tee,
                            GstElement *audio_tee,
                            guint64 *byte_counter,
                            GError **error)
{
  g_assert (CASCADE_IS_CHILD_LINK (self));
  g_assert (self->pipeline == NULL);

  self->pipeline = gst_object_ref (pipeline);
  self->video_tee = gst_object_ref (video_tee);
  self->audio_tee = gst_object_ref (audio_tee);
  gst_bin_add (GST_BIN (pipeline), self->webrtc);
  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), self);
  g_signal_connect (self->webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed),
                    self);
  g_signal_connect (self->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state),
                    self);
  gst_element_sync_state_with_parent (self->webrtc);
  return _cascade_branch_link (video_tee, self->webrtc, drop_until_connected,
                               g_atomic_rc_box_acquire (self->sending), g_atomic_rc_box_release,
                               byte_counter, &self->video_tee_pad, error) &&
         _cascade_branch_link (audio_tee, self->webrtc, drop_until_connected,
                               g_atomic_rc_box_acquire (self->sending), g_atomic_rc_box_release,
                               byte_counter, &self->audio_tee_pad, error);
}

gboolean
_cascade_child_links_handle_signal (GHashTable *links,
                                    const char *peer_id,
                                    JsonObject *signal,
                                    const char *child_noun,
                                    const char *owner_noun,
                                    const char *refusal,
                                    GError **error)
{
  g_autoptr (GstWebRTCSessionDescription) sdp = NULL;
  g_autofree char *candidate = NULL;
  guint mline_index;
  CascadeChildLink *self = g_hash_table_lookup (links, peer_id);

  if (self == NULL)
    {
      g_set_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_UNKNOWN_PEER, "No %s %s on this %s",
                   child_noun, peer_id, owner_noun);
      return FALSE;
    }
  if (!_cascade_signal_parse (signal, &sdp, &candidate, &mline_index, error))
    return FALSE;
  if (sdp != NULL)
    {
      if (sdp->type != GST_WEBRTC_SDP_TYPE_ANSWER || !self->offered)
        {
          g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL, refusal);
          return FALSE;
        }
      g_signal_emit_by_name (self->webrtc, "set-remote-description", sdp,
                             gst_promise_new_with_change_func (on_answer_set, self, NULL));
    }
  else if (*candidate != '\0')
    g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline_index, candidate);
  return TRUE;
}

/* ---- the child's receiver reports ---- */

static void
read_remote_inbound (const GstStructure *stats, gpointer data)
{
  CascadeChildLink *self = data;
  double value;

  if (gst_structure_get_double (stats, "fraction-lost", &value))
    self->loss = MAX (self->loss, value);
  /* webrtcbin 1.22 knows the round trip here, at the sender, from the
   * child's receiver reports (never at the receive-only child). */
  if (gst_structure_get_double (stats, "round-trip-time", &value) && value > 0)
    self->rtt_ms = MAX (self->rtt_ms, value * 1000);
}

/* The child's loss and round trip from its receiver reports (the last
 * request's reply), and a new request for the next period. */
static void
poll_stats (CascadeChildLink *self)
{
  g_assert (CASCADE_IS_CHILD_LINK (self));

  if (self->stats != NULL && !_cascade_stats_slot_is_done (self->stats))
    return; /* webrtcbin has not answered yet */
  if (self->stats != NULL)
    {
      double rtt_ms = self->rtt_ms;

      self->loss = 0;
      self->rtt_ms = -1;
      _cascade_stats_foreach (_cascade_stats_slot_get_reply (self->stats),
                              GST_WEBRTC_STATS_REMOTE_INBOUND_RTP, read_remote_inbound, self);
      /* No report this period: the last round trip still holds. */
      if (self->rtt_ms < 0)
        self->rtt_ms = rtt_ms;
    }
  g_clear_pointer (&self->stats, _cascade_stats_slot_unref);
  self->stats = _cascade_stats_request (self->webrtc);
}

/* ---- a table of links ---- */

GHashTable *
_cascade_child_links_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
}

void
_cascade_child_links_insert (GHashTable *links, CascadeChildLink *link)
{
  g_hash_table_insert (links, link->peer_id, link);
}

gboolean
_cascade_child_links_fail_element (GHashTable *links, GstObject *object)
{
  for (GstObject *parent = object; parent != NULL; parent = GST_OBJECT_PARENT (parent))
    {
      GHashTableIter iter;
      CascadeChildLink *link;

      g_hash_table_iter_init (&iter, links);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &link))
        if (GST_OBJECT (link->webrtc) == parent)
          {
            g_autoptr (CascadeChildLink) held = g_object_ref (link);

            fail (link);
            return TRUE;
          }
    }
  return FALSE;
}

guint
_cascade_child_links_count_connected (GHashTable *links)
{
  GHashTableIter iter;
  CascadeChildLink *link;
  guint connected = 0;

  g_hash_table_iter_init (&iter, links);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &link))
    if (link->state == CASCADE_PEER_STATE_CONNECTED)
      connected++;
  return connected;
}

guint
_cascade_child_links_poll_stats (GHashTable *links, double *out_loss)
{
  GHashTableIter iter;
  CascadeChildLink *link;
  guint connected = 0;
  double loss = 0;

  g_hash_table_iter_init (&iter, links);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &link))
    {
      if (link->state != CASCADE_PEER_STATE_CONNECTED)
        continue;
      poll_stats (link);
      connected++;
      loss = MAX (loss, link->loss);
    }
  if (out_loss != NULL)
    *out_loss = loss;
  return connected;
}

JsonObject *
_cascade_child_links_dup_rtt (GHashTable *links)
{
  JsonObject *rtt = json_object_new ();
  GHashTableIter iter;
  CascadeChildLink *link;

  g_hash_table_iter_init (&iter, links);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &link))
    if (link->rtt_ms >= 0)
      json_object_set_double_member (rtt, link->peer_id, link->rtt_ms);
  return rtt;
}

/* ---- key frame requests ---- */

static gboolean
keyframe_gate_open (gpointer user_data)
{
  CascadeKeyframeGate *gate = user_data;

  gate->source = 0;
  gate->request (gate->owner);
  return G_SOURCE_REMOVE;
}

gboolean
_cascade_keyframe_gate_pass (CascadeKeyframeGate *gate, gint64 last_us)
{
  gint64 wait;

  if (gate->source != 0)
    return FALSE; /* one is already on its way: this request rides along */
  wait = last_us == 0 ? 0 : last_us + gate->interval_us - g_get_monotonic_time ();
  if (wait <= 0)
    return TRUE;
  gate->source = g_timeout_add ((guint) (wait / 1000) + 1, keyframe_gate_open, gate);
  return FALSE;
}

void
_cascade_keyframe_gate_clear (CascadeKeyframeGate *gate)
{
  g_clear_handle_id (&gate->source, g_source_remove);
}
