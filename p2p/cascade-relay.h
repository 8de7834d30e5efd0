/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "cascade-p2p-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_RELAY (cascade_relay_get_type ())
G_DECLARE_FINAL_TYPE (CascadeRelay, cascade_relay, CASCADE, RELAY, GObject)

/*
 * The forwarding side of a viewer that feeds children (issue 4). The viewer
 * hands over what it receives from its parent, H.264 access units and Opus
 * packets straight from the depayloaders (never decoded), and the relay
 * payloads them once and sends them to each child through a webrtcbin of its
 * own, in a pipeline of its own: the children stay connected while the
 * viewer's upstream connection is replaced (re-placement), and no webrtcbin
 * clock syncing or jitter buffer sits on the forwarding path.
 *
 * A child's key frame request comes back as "keyframe-needed", coalesced to
 * at most one per 300 ms; the viewer turns it into a PLI to its parent. NACK
 * is on for every child (retransmission hop by hop). With "privacy" every
 * webrtcbin gathers only TURN (relay) candidates.
 *
 * Signalling works like the publisher's: local SDP and ICE leave through
 * "signal" (peer_id, JsonObject), the children's come back through
 * cascade_relay_handle_signal().
 */

typedef struct
{
  guint children;       /* children added and not removed */
  guint connected;      /* of those, connected */
  guint64 bytes_sent;   /* RTP handed to the children since the start */
  double upload_kbps;   /* the same, last stats period */
  double children_loss; /* the worst fraction lost a child reported, last period */
  guint64 keyframes_up; /* key frame requests sent up, after coalescing */
} CascadeRelayStats;

CascadeRelay *cascade_relay_new (void);

void cascade_relay_set_ice_servers (CascadeRelay *self, JsonArray *ice_servers);

gboolean cascade_relay_add_child (CascadeRelay *self, const char *peer_id, GError **error);
gboolean cascade_relay_handle_signal (CascadeRelay *self,
                                      const char *peer_id,
                                      JsonObject *signal,
                                      GError **error);
void cascade_relay_remove_child (CascadeRelay *self, const char *peer_id);
gboolean cascade_relay_has_child (CascadeRelay *self, const char *peer_id);
guint cascade_relay_get_n_children (CascadeRelay *self);
/* Of those, the ones connected now. */
guint cascade_relay_get_n_connected (CascadeRelay *self);
void cascade_relay_get_stats (CascadeRelay *self, CascadeRelayStats *out_stats);
/* {child peer id: round trip in ms} of the children whose round trip is known
 * (from their receiver reports, read every stats period). */
JsonObject *cascade_relay_dup_children_rtt (CascadeRelay *self);

/* From any thread (the viewer's streaming threads): one H.264 access unit or
 * one Opus packet with the caps it came with. */
void cascade_relay_push_video (CascadeRelay *self, GstBuffer *buffer, GstCaps *caps);
void cascade_relay_push_audio (CascadeRelay *self, GstBuffer *buffer, GstCaps *caps);

/* Asks the parent for a key frame, coalesced like the children's requests. */
void cascade_relay_request_keyframe (CascadeRelay *self);

/* How many children a node can feed: @max_children (the setting, 0 = off)
 * capped by 80% of @upload_kbps over @stream_kbps when both are known (> 0),
 * and never more than 16. */
guint cascade_relay_compute_capacity (guint max_children, guint upload_kbps, guint stream_kbps);

G_END_DECLS
