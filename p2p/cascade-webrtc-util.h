/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>

#include "cascade-p2p-types.h"

G_BEGIN_DECLS

/*
 * Shared by the publisher and the viewer (internal to p2p/): the shape of the
 * signalling objects, ICE server configuration and the webrtcbin tweaks from
 * DESIGN.md's field notes.
 */

#define CASCADE_MAX_SDP_BYTES (60 * 1024)
#define CASCADE_MAX_CANDIDATE_BYTES 1024

JsonObject *_cascade_signal_new_sdp (const char *type, const char *sdp);
JsonObject *_cascade_signal_new_ice (guint mline_index, const char *candidate);

/* Parses @signal: exactly one of @out_sdp (with its type) or @out_candidate is set. */
gboolean _cascade_signal_parse (JsonObject *signal,
                                GstWebRTCSessionDescription **out_sdp,
                                char **out_candidate,
                                guint *out_mline_index,
                                GError **error);

/* ICE servers in the realtime shape ([{"urls":[…],"username"?,"credential"?}]);
 * @local_address, when set, is the only address ICE gathers on (tests: 127.0.0.1). */
void
_cascade_webrtc_configure (GstElement *webrtc, JsonArray *ice_servers, const char *local_address);
/* Connect to a pipeline's "deep-element-added": field note 1, webrtcbin's
 * clocksyncs would hold every packet for the pipeline latency once more. */
void _cascade_webrtc_on_deep_element_added (GstBin *bin,
                                            GstBin *sub_bin,
                                            GstElement *element,
                                            gpointer user_data);

/* Once a process, in a worker thread: loads the plugins a connection needs and
 * makes the DTLS certificate (an RSA key), so a join does not wait for them. */
void _cascade_webrtc_preload (void);

CascadePeerState _cascade_peer_state_from_webrtc (GstWebRTCPeerConnectionState state);

G_END_DECLS
