/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <agent.h> /* libnice */
#include <gst/sdp/sdp.h>

#include "cascade-webrtc-util.h"

JsonObject *
_cascade_signal_new_sdp (const char *type, const char *sdp)
{
  JsonObject *signal = json_object_new ();
  JsonObject *member = json_object_new ();

  json_object_set_string_member (member, "type", type);
  json_object_set_string_member (member, "sdp", sdp);
  json_object_set_object_member (signal, "sdp", member);
  return signal;
}

JsonObject *
_cascade_signal_new_ice (guint mline_index, const char *candidate)
{
  JsonObject *signal = json_object_new ();
  JsonObject *member = json_object_new ();

  json_object_set_string_member (member, "candidate", candidate);
  json_object_set_int_member (member, "sdp_mline_index", mline_index);
  json_object_set_object_member (signal, "ice", member);
  return signal;
}

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL, message);
  return FALSE;
}

static gboolean
member_is_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

static gboolean
parse_sdp (JsonObject *member, GstWebRTCSessionDescription **out_sdp, GError **error)
{
  const char *type_name, *text;
  GstWebRTCSDPType type;
  GstSDPMessage *message = NULL;

  if (!member_is_string (member, "type") || !member_is_string (member, "sdp"))
    return invalid (error, "sdp needs string members type and sdp");
  type_name = json_object_get_string_member (member, "type");
  text = json_object_get_string_member (member, "sdp");
  if (g_str_equal (type_name, "offer"))
    type = GST_WEBRTC_SDP_TYPE_OFFER;
  else if (g_str_equal (type_name, "answer"))
    type = GST_WEBRTC_SDP_TYPE_ANSWER;
  else
    return invalid (error, "sdp type must be offer or answer");
  if (strlen (text) > CASCADE_MAX_SDP_BYTES)
    return invalid (error, "sdp is too large");
  if (!g_str_has_prefix (text, "v=0"))
    return invalid (error, "sdp does not start with v=0");

  if (gst_sdp_message_new_from_text (text, &message) != GST_SDP_OK || message == NULL)
    return invalid (error, "sdp cannot be parsed");
  /* A description webrtcbin can use has media with a port and a transport. */
  if (gst_sdp_message_medias_len (message) == 0 || gst_sdp_message_medias_len (message) > 8)
    {
      gst_sdp_message_free (message);
      return invalid (error, "sdp has no usable media sections");
    }
  for (guint i = 0; i < gst_sdp_message_medias_len (message); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (message, i);

      if (gst_sdp_media_get_media (media) == NULL || gst_sdp_media_get_proto (media) == NULL ||
          gst_sdp_media_formats_len (media) == 0)
        {
          gst_sdp_message_free (message);
          return invalid (error, "sdp has a media section without a format");
        }
    }
  *out_sdp = gst_webrtc_session_description_new (type, message);
  return TRUE;
}

static gboolean
parse_ice (JsonObject *member, char **out_candidate, guint *out_mline_index, GError **error)
{
  JsonNode *index;
  const char *candidate;
  gint64 mline;

  if (!member_is_string (member, "candidate"))
    return invalid (error, "ice needs a string member candidate");
  index = json_object_get_member (member, "sdp_mline_index");
  if (index == NULL || !JSON_NODE_HOLDS_VALUE (index) ||
      json_node_get_value_type (index) != G_TYPE_INT64)
    return invalid (error, "ice needs an integer member sdp_mline_index");
  mline = json_node_get_int (index);
  if (mline < 0 || mline > 7)
    return invalid (error, "ice sdp_mline_index is out of range");
  candidate = json_object_get_string_member (member, "candidate");
  if (strlen (candidate) > CASCADE_MAX_CANDIDATE_BYTES)
    return invalid (error, "ice candidate is too long");
  /* An empty candidate is the end-of-candidates marker: nothing to add. */
  if (*candidate != '\0' && !g_str_has_prefix (candidate, "candidate:") &&
      !g_str_has_prefix (candidate, "a=candidate:"))
    return invalid (error, "ice candidate does not start with candidate:");
  for (const char *p = candidate; *p != '\0'; p++)
    if (!g_ascii_isprint (*p))
      return invalid (error, "ice candidate has control characters");

  *out_candidate = g_strdup (candidate);
  *out_mline_index = (guint) mline;
  return TRUE;
}

gboolean
_cascade_signal_parse (JsonObject *signal,
                       GstWebRTCSessionDescription **out_sdp,
                       char **out_candidate,
                       guint *out_mline_index,
                       GError **error)
{
  JsonNode *sdp, *ice;

  *out_sdp = NULL;
  *out_candidate = NULL;
  *out_mline_index = 0;
  if (signal == NULL)
    return invalid (error, "no signal");

  sdp = json_object_get_member (signal, "sdp");
  ice = json_object_get_member (signal, "ice");
  if ((sdp == NULL) == (ice == NULL))
    return invalid (error, "a signal carries exactly one of sdp or ice");
  if (sdp != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (sdp))
        return invalid (error, "sdp must be an object");
      return parse_sdp (json_node_get_object (sdp), out_sdp, error);
    }
  if (!JSON_NODE_HOLDS_OBJECT (ice))
    return invalid (error, "ice must be an object");
  return parse_ice (json_node_get_object (ice), out_candidate, out_mline_index, error);
}

static void
add_ice_server (GstElement *webrtc, JsonObject *server)
{
  JsonNode *urls_node = json_object_get_member (server, "urls");
  const char *username = NULL, *credential = NULL;
  g_autoptr (GPtrArray) urls = g_ptr_array_new ();

  if (member_is_string (server, "username"))
    username = json_object_get_string_member (server, "username");
  if (member_is_string (server, "credential"))
    credential = json_object_get_string_member (server, "credential");

  if (urls_node != NULL && JSON_NODE_HOLDS_ARRAY (urls_node))
    {
      JsonArray *array = json_node_get_array (urls_node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *url = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (url) && json_node_get_value_type (url) == G_TYPE_STRING)
            g_ptr_array_add (urls, (gpointer) json_node_get_string (url));
        }
    }
  else if (member_is_string (server, "urls"))
    g_ptr_array_add (urls, (gpointer) json_object_get_string_member (server, "urls"));

  for (guint i = 0; i < urls->len; i++)
    {
      const char *url = g_ptr_array_index (urls, i);
      g_autofree char *uri = NULL;
      gboolean added = FALSE;

      if (g_str_has_prefix (url, "stun:"))
        {
          uri = g_strdup_printf ("stun://%s", url + strlen ("stun:"));
          g_object_set (webrtc, "stun-server", uri, NULL);
        }
      else if ((g_str_has_prefix (url, "turn:") || g_str_has_prefix (url, "turns:")) &&
               username != NULL && credential != NULL)
        {
          const char *rest = strchr (url, ':') + 1;
          g_autofree char *user = g_uri_escape_string (username, NULL, FALSE);
          g_autofree char *pass = g_uri_escape_string (credential, NULL, FALSE);
          g_autofree char *scheme = g_strndup (url, (gsize) (rest - 1 - url));

          uri = g_strdup_printf ("%s://%s:%s@%s", scheme, user, pass, rest);
          g_signal_emit_by_name (webrtc, "add-turn-server", uri, &added);
          if (!added)
            g_debug ("webrtcbin refused a TURN server");
        }
    }
}

/* No UPnP port mapping (STUN and TURN do NAT traversal here): with it, each
 * agent opens a GUPnP context, and several in one process (a streamer serving
 * viewers, the app streaming and watching, a reconnection) collide on their
 * ports with a warning. */
static void
disable_upnp (GstElement *webrtc)
{
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") == NULL)
    return;
  g_object_get (ice, "agent", &agent, NULL);
  if (agent != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "upnp") != NULL)
    g_object_set (agent, "upnp", FALSE, NULL);
}

/* ---- the preload ---- */

/* The worker making the process's DTLS certificate, until joined. A process
 * must not exit under it: exit() runs OpenSSL's cleanup (an atexit handler)
 * while the key is being made, and the worker crashes on OpenSSL's freed
 * locks (SIGSEGV in RAND_get_rand_method()). */
static GThread *preload;

static gpointer
preload_thread (gpointer data)
{
  const char *names[] = { "webrtcbin",    "rtph264depay", "h264parse",   "avdec_h264",
                          "rtpopusdepay", "opusdec",      "videoconvert" };
  GstElement *dtls;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GstElementFactory) factory = gst_element_factory_find (names[i]);
      g_autoptr (GstPluginFeature) feature = NULL;

      if (factory != NULL)
        feature = gst_plugin_feature_load (GST_PLUGIN_FEATURE (factory));
    }
  /* dtlsdec makes the process's generated certificate on first use. */
  dtls = gst_element_factory_make ("dtlsdec", NULL);
  if (dtls != NULL)
    gst_object_unref (gst_object_ref_sink (dtls));
  return NULL;
}

void
_cascade_webrtc_preload (void)
{
  static gsize started = 0;

  if (g_once_init_enter (&started))
    {
      g_atomic_pointer_set (&preload, g_thread_new ("cascade-p2p-preload", preload_thread, NULL));
      g_once_init_leave (&started, 1);
    }
}

/* The preload finished (at once if it did, or never started). */
static void
preload_join (void)
{
  GThread *thread = g_atomic_pointer_exchange (&preload, NULL);

  if (thread != NULL)
    g_thread_join (thread);
}

/* ---- giving TURN allocations back ---- */

/* Longest wait for the TURN server's answers before the webrtcbin goes anyway. */
#define ICE_CLOSE_TIMEOUT_MS 5000
/* How long a sender keeps its packets for retransmission: longer than a
 * receiver waits for one (VIDEO_RETRANSMISSION_MS in the viewer). */
#define RETRANSMISSION_HISTORY_MS 1000

/* How many agents are giving their allocations back (main thread only; a
 * process about to exit waits for them). */
static guint ice_closing;

typedef struct
{
  GstElement *webrtc; /* NULL once released */
  NiceAgent *agent;
  guint timeout_source;
} IceClose;

static void
ice_close_release (IceClose *close)
{
  if (close->webrtc == NULL)
    return;
  ice_closing--;
  g_clear_handle_id (&close->timeout_source, g_source_remove);
  /* The agent before the webrtcbin: the webrtcbin's ICE object drops the
   * last reference, its agent now without TURN refreshes to warn about. */
  g_clear_object (&close->agent);
  gst_element_set_state (close->webrtc, GST_STATE_NULL);
  gst_clear_object (&close->webrtc);
}

static void
ice_closed (GObject *agent, GAsyncResult *result, gpointer user_data)
{
  IceClose *close = user_data;

  if (close->webrtc != NULL)
    g_debug ("ICE agent closed: its TURN allocations are given back");
  ice_close_release (close);
  g_free (close);
}

static gboolean
ice_close_timed_out (gpointer user_data)
{
  IceClose *close = user_data;

  close->timeout_source = 0;
  g_debug ("the TURN server did not answer the release of its allocations in time");
  ice_close_release (close);
  return G_SOURCE_REMOVE; /* ice_closed frees it, if it ever comes */
}

/* Before the last reference to @webrtc goes: its ICE agent gives its TURN
 * allocations back (nice_agent_close_async(), which webrtcbin 1.22 never
 * calls; libnice warns about "alive TURN refreshes" when an agent that
 * still has them is released), and @webrtc (so the agent's thread) lives
 * until that is done, ICE_CLOSE_TIMEOUT_MS at most. Main thread. */
void
_cascade_webrtc_close_ice (GstElement *webrtc)
{
  g_autoptr (GObject) ice = NULL;
  IceClose *close;

  g_return_if_fail (GST_IS_ELEMENT (webrtc));

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL || g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent") == NULL)
    return;
  close = g_new0 (IceClose, 1);
  g_object_get (ice, "agent", &close->agent, NULL);
  if (close->agent == NULL)
    {
      g_free (close);
      return;
    }
  close->webrtc = gst_object_ref (webrtc);
  ice_closing++;
  close->timeout_source = g_timeout_add (ICE_CLOSE_TIMEOUT_MS, ice_close_timed_out, close);
  nice_agent_close_async (close->agent, ice_closed, close);
}

/**
 * cascade_p2p_wait_closed:
 *
 * Runs the default main context until every connection closed so far has
 * given its TURN allocations back (_cascade_webrtc_close_ice(): each within
 * ICE_CLOSE_TIMEOUT_MS), then waits for the preload worker to finish: for a
 * process (or a test) about to exit, which would otherwise crash under it.
 */
void
cascade_p2p_wait_closed (void)
{
  while (ice_closing > 0)
    g_main_context_iteration (NULL, TRUE);
  preload_join ();
}

void
_cascade_webrtc_configure (GstElement *webrtc, JsonArray *ice_servers, const char *local_address)
{
  g_object_set (webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  disable_upnp (webrtc);

  for (guint i = 0; ice_servers != NULL && i < json_array_get_length (ice_servers); i++)
    {
      JsonNode *node = json_array_get_element (ice_servers, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        add_ice_server (webrtc, json_node_get_object (node));
    }

  if (local_address != NULL)
    {
      g_autoptr (GObject) agent = NULL;
      gboolean added = FALSE;

      g_object_get (webrtc, "ice-agent", &agent, NULL);
      if (agent != NULL)
        g_signal_emit_by_name (agent, "add-local-ip-address", local_address, &added);
      if (!added)
        g_debug ("ICE agent refused local address %s", local_address);
    }
}

CascadePeerState
_cascade_peer_state_from_webrtc (GstWebRTCPeerConnectionState state)
{
  switch (state)
    {
      case GST_WEBRTC_PEER_CONNECTION_STATE_NEW:
        return CASCADE_PEER_STATE_NEW;
      case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING:
        return CASCADE_PEER_STATE_CONNECTING;
      case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
        return CASCADE_PEER_STATE_CONNECTED;
      case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
        return CASCADE_PEER_STATE_DISCONNECTED;
      case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
        return CASCADE_PEER_STATE_FAILED;
      case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED:
      default:
        return CASCADE_PEER_STATE_CLOSED;
    }
}

void
_cascade_webrtc_on_deep_element_added (GstBin *bin,
                                       GstBin *sub_bin,
                                       GstElement *element,
                                       gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);

  if (factory == NULL)
    return;
  if (g_str_equal (GST_OBJECT_NAME (factory), "clocksync"))
    g_object_set (element, "sync", FALSE, NULL);
  /* A sender keeps what it sent for RETRANSMISSION_HISTORY_MS, not its
   * default 100 packets: a key frame alone is that many at 4 Mbit/s, and
   * a request still being retried on a lossy link found its packet gone. */
  else if (g_str_equal (GST_OBJECT_NAME (factory), "rtprtxsend"))
    g_object_set (element, "max-size-packets", 0, "max-size-time", RETRANSMISSION_HISTORY_MS, NULL);
}

void
_cascade_webrtc_set_privacy (GstElement *webrtc, gboolean privacy)
{
  g_object_set (
    webrtc, "ice-transport-policy",
    privacy ? GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY : GST_WEBRTC_ICE_TRANSPORT_POLICY_ALL, NULL);
}

static GstPadProbeReturn
count_bytes_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  guint64 *counter = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    g_atomic_pointer_add (counter, gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)));
  else if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_pointer_add (counter,
                          gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
link_when_idle (GstPad *tee_sink, GstPadProbeInfo *info, gpointer user_data)
{
  GstPad *webrtc_sink = user_data;
  g_autoptr (GstElement) tee = gst_pad_get_parent_element (tee_sink);
  g_autoptr (GstPad) tee_pad = NULL;

  /* The tee pad waiting for this webrtcbin pad is the one without a peer. */
  if (tee != NULL)
    {
      GstIterator *it = gst_element_iterate_src_pads (tee);
      GValue item = G_VALUE_INIT;

      while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
        {
          GstPad *pad = g_value_get_object (&item);

          if (!gst_pad_is_linked (pad) &&
              g_object_get_data (G_OBJECT (pad), "cascade-peer-sink") == webrtc_sink)
            g_set_object (&tee_pad, pad);
          g_value_reset (&item);
        }
      g_value_unset (&item);
      gst_iterator_free (it);
    }
  if (tee_pad != NULL && gst_pad_link (tee_pad, webrtc_sink) != GST_PAD_LINK_OK)
    g_debug ("a peer's webrtcbin could not be linked to the stream");
  return GST_PAD_PROBE_REMOVE;
}

gboolean
_cascade_branch_link (GstElement *tee,
                      GstElement *webrtc,
                      GstPadProbeCallback hold,
                      gpointer hold_data,
                      GDestroyNotify hold_destroy,
                      guint64 *byte_counter,
                      GstPad **out_tee_pad,
                      GError **error)
{
  g_autoptr (GstPad) webrtc_sink = gst_element_request_pad_simple (webrtc, "sink_%u");
  g_autoptr (GstPad) tee_sink = NULL;
  GstWebRTCRTPTransceiver *transceiver = NULL;
  const GstPadProbeType buffers = GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST;

  if (webrtc_sink == NULL)
    goto failed;
  g_object_get (webrtc_sink, "transceiver", &transceiver, NULL);
  if (transceiver != NULL)
    {
      g_object_set (transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                    "do-nack", TRUE, NULL);
      gst_object_unref (transceiver);
    }
  *out_tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (*out_tee_pad == NULL)
    goto failed;
  /* The probes come before the link, so no buffer passes them by. */
  gst_pad_add_probe (*out_tee_pad, buffers, hold, hold_data, hold_destroy);
  hold_destroy = NULL;
  if (byte_counter != NULL)
    gst_pad_add_probe (*out_tee_pad, buffers, count_bytes_probe, byte_counter, NULL);
  g_object_set_data_full (G_OBJECT (*out_tee_pad), "cascade-peer-sink", g_object_ref (webrtc_sink),
                          gst_object_unref);
  /* Linked while the tee is between buffers, so the new pad's sticky events
   * (stream-start, caps, segment) go out in order before any data. */
  tee_sink = gst_element_get_static_pad (tee, "sink");
  gst_pad_add_probe (tee_sink, GST_PAD_PROBE_TYPE_IDLE, link_when_idle, g_object_ref (webrtc_sink),
                     gst_object_unref);
  return TRUE;

failed:
  if (hold_destroy != NULL)
    hold_destroy (hold_data);
  g_set_error_literal (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED,
                       "Cannot connect a peer to the stream");
  return FALSE;
}

void
_cascade_branch_release_tee_pad (GstElement *tee, GstPad *tee_pad)
{
  g_autoptr (GstPad) peer = NULL;

  if (tee_pad == NULL)
    return;
  /* Unlinked first so no buffer enters a branch being torn down. */
  peer = gst_pad_get_peer (tee_pad);
  if (peer != NULL)
    gst_pad_unlink (tee_pad, peer);
  gst_element_release_request_pad (tee, tee_pad);
}

void
_cascade_branch_remove_elements (GstElement *pipeline, GstElement **elements, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      gst_element_set_locked_state (elements[i], TRUE);
      gst_element_set_state (elements[i], GST_STATE_NULL);
      gst_bin_remove (GST_BIN (pipeline), elements[i]);
    }
}

struct _CascadeStatsSlot
{
  gatomicrefcount ref;
  gint done; /* atomic; reply is written before it */
  GstStructure *reply;
};

static CascadeStatsSlot *
stats_slot_ref (CascadeStatsSlot *slot)
{
  g_atomic_ref_count_inc (&slot->ref);
  return slot;
}

void
_cascade_stats_slot_unref (CascadeStatsSlot *slot)
{
  if (slot != NULL && g_atomic_ref_count_dec (&slot->ref))
    {
      g_clear_pointer (&slot->reply, gst_structure_free);
      g_free (slot);
    }
}

static void
stats_slot_release (gpointer data)
{
  _cascade_stats_slot_unref (data);
}

/* On webrtcbin's thread. */
static void
on_stats_reply (GstPromise *promise, gpointer user_data)
{
  CascadeStatsSlot *slot = user_data;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED &&
      gst_promise_get_reply (promise) != NULL)
    slot->reply = gst_structure_copy (gst_promise_get_reply (promise));
  g_atomic_int_set (&slot->done, TRUE);
  gst_promise_unref (promise);
}

CascadeStatsSlot *
_cascade_stats_request (GstElement *webrtc)
{
  CascadeStatsSlot *slot = g_new0 (CascadeStatsSlot, 1);

  g_atomic_ref_count_init (&slot->ref);
  g_signal_emit_by_name (
    webrtc, "get-stats", NULL,
    gst_promise_new_with_change_func (on_stats_reply, stats_slot_ref (slot), stats_slot_release));
  return slot;
}

gboolean
_cascade_stats_slot_is_done (CascadeStatsSlot *slot)
{
  return g_atomic_int_get (&slot->done);
}

const GstStructure *
_cascade_stats_slot_get_reply (CascadeStatsSlot *slot)
{
  return g_atomic_int_get (&slot->done) ? slot->reply : NULL;
}

typedef struct
{
  GstWebRTCStatsType type;
  void (*func) (const GstStructure *stats, gpointer data);
  gpointer data;
} StatsForeach;

static gboolean
stats_foreach_field (GQuark field, const GValue *value, gpointer user_data)
{
  StatsForeach *foreach = user_data;
  const GstStructure *stats;
  GstWebRTCStatsType type;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  stats = gst_value_get_structure (value);
  if (gst_structure_get_enum (stats, "type", GST_TYPE_WEBRTC_STATS_TYPE, (int *) &type) &&
      type == foreach->type)
    foreach
      ->func (stats, foreach->data);
  return TRUE;
}

void
_cascade_stats_foreach (const GstStructure *reply,
                        GstWebRTCStatsType type,
                        void (*func) (const GstStructure *stats, gpointer data),
                        gpointer data)
{
  StatsForeach foreach = { type, func, data };

  if (reply != NULL)
    gst_structure_foreach (reply, stats_foreach_field, &foreach);
}

/* ---- link emulation ---- */

struct _CascadeImpairment
{
  guint delay_ms;
  double loss_percent;
  GAsyncQueue *held; /* HeldPacket, in arrival order */
  GThread *thread;
};

typedef struct
{
  GstPad *pad;
  GstBuffer *buffer;
  gint64 release_us;
} HeldPacket;

/* The end marker for the release thread. */
static HeldPacket stop_marker;

static GQuark
impairment_released_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("cascade-impairment-released");
  return quark;
}

static void
held_packet_free (gpointer data)
{
  HeldPacket *packet = data;

  if (packet == &stop_marker)
    return;
  gst_buffer_unref (packet->buffer);
  gst_object_unref (packet->pad);
  g_free (packet);
}

/* nicesrc stamps each packet with its arrival time, and the jitter buffer
 * takes that as the arrival: a held packet keeps the time it came off the
 * wire and looks as if it had come delay_ms earlier than it did, which eats
 * delay_ms of the jitter buffer's latency (and every retransmission's time).
 * On a real link it arrives now: stamp it with now. */
static void
restamp (HeldPacket *packet)
{
  g_autoptr (GstElement) element = gst_pad_get_parent_element (packet->pad);
  g_autoptr (GstClock) clock = element != NULL ? gst_element_get_clock (element) : NULL;
  GstClockTime now;

  if (clock == NULL)
    return;
  now = gst_clock_get_time (clock);
  if (now < gst_element_get_base_time (element))
    return;
  now -= gst_element_get_base_time (element);
  packet->buffer = gst_buffer_make_writable (packet->buffer);
  if (GST_BUFFER_DTS_IS_VALID (packet->buffer))
    GST_BUFFER_DTS (packet->buffer) = now;
  if (GST_BUFFER_PTS_IS_VALID (packet->buffer))
    GST_BUFFER_PTS (packet->buffer) = now;
}

/* Releases held packets in order, each when its time has come. */
static gpointer
release_thread (gpointer data)
{
  CascadeImpairment *self = data;
  HeldPacket *packet;

  while ((packet = g_async_queue_pop (self->held)) != &stop_marker)
    {
      gint64 wait = packet->release_us - g_get_monotonic_time ();

      if (wait > 0)
        g_usleep ((gulong) wait);
      restamp (packet);
      gst_mini_object_set_qdata (GST_MINI_OBJECT (packet->buffer), impairment_released_quark (),
                                 GINT_TO_POINTER (TRUE), NULL);
      gst_pad_push (packet->pad, g_steal_pointer (&packet->buffer));
      gst_object_unref (packet->pad);
      g_free (packet);
    }
  return NULL;
}

static GstPadProbeReturn
impair_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  CascadeImpairment *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  HeldPacket *packet;

  if (gst_mini_object_get_qdata (GST_MINI_OBJECT (buffer), impairment_released_quark ()) != NULL)
    return GST_PAD_PROBE_OK;
  if (self->loss_percent > 0 && g_random_double_range (0, 100) < self->loss_percent)
    return GST_PAD_PROBE_DROP;
  if (self->delay_ms == 0)
    return GST_PAD_PROBE_OK;
  packet = g_new0 (HeldPacket, 1);
  packet->pad = gst_object_ref (pad);
  packet->buffer = gst_buffer_ref (buffer);
  packet->release_us = g_get_monotonic_time () + (gint64) self->delay_ms * 1000;
  g_async_queue_push (self->held, packet);
  return GST_PAD_PROBE_DROP;
}

static void
impair_on_deep_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer data)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  g_autoptr (GstPad) src = NULL;

  if (factory == NULL || !g_str_equal (GST_OBJECT_NAME (factory), "nicesrc"))
    return;
  src = gst_element_get_static_pad (element, "src");
  if (src != NULL)
    gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, impair_probe, data, NULL);
}

CascadeImpairment *
_cascade_impairment_new (guint delay_ms, double loss_percent)
{
  CascadeImpairment *self;

  if (delay_ms == 0 && loss_percent <= 0)
    return NULL;
  impairment_released_quark (); /* made here, before any streaming thread asks */
  self = g_new0 (CascadeImpairment, 1);
  self->delay_ms = delay_ms;
  self->loss_percent = CLAMP (loss_percent, 0, 100);
  self->held = g_async_queue_new_full (held_packet_free);
  if (delay_ms > 0)
    self->thread = g_thread_new ("cascade-impair", release_thread, self);
  return self;
}

void
_cascade_impairment_attach (CascadeImpairment *self, GstElement *pipeline)
{
  if (self != NULL)
    g_signal_connect (pipeline, "deep-element-added", G_CALLBACK (impair_on_deep_element_added),
                      self);
}

void
_cascade_impairment_free (CascadeImpairment *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_async_queue_push (self->held, &stop_marker);
      g_thread_join (self->thread);
    }
  g_async_queue_unref (self->held);
  g_free (self);
}
