/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

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

  if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "clocksync"))
    g_object_set (element, "sync", FALSE, NULL);
}

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
      g_thread_unref (g_thread_new ("cascade-p2p-preload", preload_thread, NULL));
      g_once_init_leave (&started, 1);
    }
}
