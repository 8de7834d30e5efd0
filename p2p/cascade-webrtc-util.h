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
 * makes the DTLS certificate (an RSA key), so a join does not wait for them.
 * cascade_p2p_wait_closed() waits for it before the process exits. */
void _cascade_webrtc_preload (void);

CascadePeerState _cascade_peer_state_from_webrtc (GstWebRTCPeerConnectionState state);

/* Privacy mode: only TURN (relay) candidates, so no peer learns this address. */
void _cascade_webrtc_set_privacy (GstElement *webrtc, gboolean privacy);
/* Before @webrtc's last reference goes: its TURN allocations are given back
 * (it lives on until that is done, 5 s at most). */
void _cascade_webrtc_close_ice (GstElement *webrtc);
/* Before exiting: cascade_p2p_wait_closed() (cascade-p2p-types.h). */

/*
 * One sending branch per peer, fed from an RTP tee (the publisher's viewers,
 * a relay's children): a tee pad straight into a send-only webrtcbin pad with
 * NACK on, linked while the tee is between buffers. No queue: webrtcbin's
 * sending side does not block (it encrypts and hands each packet to a
 * non-blocking socket), and a queue's thread cost every packet a wake-up per
 * child (docs/webrtc-field-notes.md). @hold (a buffer probe, given
 * @hold_data) is on the tee pad before it is linked. @byte_counter, when set,
 * counts (atomically) every byte handed to the webrtcbin.
 */
gboolean _cascade_branch_link (GstElement *tee,
                               GstElement *webrtc,
                               GstPadProbeCallback hold,
                               gpointer hold_data,
                               GDestroyNotify hold_destroy,
                               guint64 *byte_counter,
                               GstPad **out_tee_pad,
                               GError **error);
/* Undoes the link of one tee pad (it may be NULL). */
void _cascade_branch_release_tee_pad (GstElement *tee, GstPad *tee_pad);
/* Stops and removes a branch's elements (after its tee pad is released: a
 * push still in flight then counts as not linked, never as flushing). */
void _cascade_branch_remove_elements (GstElement *pipeline, GstElement **elements, guint n);

/*
 * webrtcbin's get-stats without waiting: the request's reply is copied into a
 * slot on webrtcbin's thread and read on the main thread later (the next
 * period), so nobody blocks and a reply for a peer already gone is harmless.
 */
typedef struct _CascadeStatsSlot CascadeStatsSlot;

CascadeStatsSlot *_cascade_stats_request (GstElement *webrtc);
/* The reply once webrtcbin has answered, else NULL (still pending or failed). */
const GstStructure *_cascade_stats_slot_get_reply (CascadeStatsSlot *slot);
gboolean _cascade_stats_slot_is_done (CascadeStatsSlot *slot);
void _cascade_stats_slot_unref (CascadeStatsSlot *slot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeStatsSlot, _cascade_stats_slot_unref)

/* Calls @func for each statistics structure of @type in a get-stats reply. */
void _cascade_stats_foreach (const GstStructure *reply,
                             GstWebRTCStatsType type,
                             void (*func) (const GstStructure *stats, gpointer data),
                             gpointer data);

/*
 * Link emulation for the lossy-link benchmark (the kernel here has no netem):
 * every packet webrtcbin's ICE sources receive in a pipeline is dropped with
 * probability @loss_percent / 100, or held @delay_ms before webrtcbin sees it.
 * NULL when both are 0 (nothing to do).
 */
typedef struct _CascadeImpairment CascadeImpairment;

CascadeImpairment *_cascade_impairment_new (guint delay_ms, double loss_percent);
/* Applies to the ICE sources of every webrtcbin in @pipeline from now on. */
void _cascade_impairment_attach (CascadeImpairment *self, GstElement *pipeline);
/* After @pipeline is stopped: releases what it still holds. */
void _cascade_impairment_free (CascadeImpairment *self);

G_END_DECLS
