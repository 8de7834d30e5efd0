/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "cascade-p2p-types.h"

G_BEGIN_DECLS

/*
 * Internal to p2p/: sending the stream to one child over a webrtcbin of its
 * own, inside the caller's pipeline (the publisher's viewers, a relay's
 * children). The link owns the child's queues and webrtcbin; the caller (the
 * owner) owns the pipeline and its RTP tees and holds its links in a table
 * by peer id (_cascade_child_links_new()). The link speaks through the
 * owner's own signals, on the owner's main context: local SDP and ICE for the
 * child through its "signal" (peer_id, JsonObject), the connection's state
 * through its state signal (peer_id, CascadePeerState).
 *
 * The link offers once, when webrtcbin asks (both sink pads carry caps), and
 * takes only an answer to that offer. An answer webrtcbin refuses, or an
 * error inside the child's webrtcbin, ends that child (the owner removes it)
 * and is told as CASCADE_PEER_STATE_FAILED. Its round trip and loss come from
 * the child's receiver reports: poll them once a period.
 */

typedef void (*CascadeChildLinkConnected) (gpointer object);
typedef void (*CascadeChildLinkRemove) (gpointer object, const char *peer_id);

typedef struct
{
  GObject *object; /* the publisher or the relay; it outlives its links */
  guint signal_id; /* its "signal" (peer_id, JsonObject *) */
  guint state_id;  /* its (peer_id, CascadePeerState) state signal */
  /* A child is connected (a key frame for it); a child must go. */
  CascadeChildLinkConnected connected;
  CascadeChildLinkRemove remove;
} CascadeChildLinkOwner;

#define CASCADE_TYPE_CHILD_LINK (_cascade_child_link_get_type ())
G_DECLARE_FINAL_TYPE (CascadeChildLink, _cascade_child_link, CASCADE, CHILD_LINK, GObject)

/* Its queues and webrtcbin, configured (ICE servers, the local address, the
 * privacy mode); NULL with CASCADE_P2P_ERROR_MISSING_ELEMENT without webrtcbin. */
CascadeChildLink *_cascade_child_link_new (const CascadeChildLinkOwner *owner,
                                           const char *peer_id,
                                           JsonArray *ice_servers,
                                           const char *local_address,
                                           gboolean privacy,
                                           GError **error);

/* Into @pipeline (playing), fed from its RTP tees; @byte_counter (nullable)
 * counts atomically what is handed to the webrtcbin. Once. */
gboolean _cascade_child_link_attach (CascadeChildLink *self,
                                     GstElement *pipeline,
                                     GstElement *video_tee,
                                     GstElement *audio_tee,
                                     guint64 *byte_counter,
                                     GError **error);
gboolean _cascade_child_link_is_attached (CascadeChildLink *self);

const char *_cascade_child_link_get_peer_id (CascadeChildLink *self);

/* A table of peer id → CascadeChildLink, keyed by the link's own peer id. */
GHashTable *_cascade_child_links_new (void);
void _cascade_child_links_insert (GHashTable *links, CascadeChildLink *link);
/* The child's answer or ICE candidate. Fails with CASCADE_P2P_ERROR_UNKNOWN_PEER
 * ("No @child_noun <peer_id> on this @owner_noun") when @links has no such
 * child, and with CASCADE_P2P_ERROR_INVALID_SIGNAL and @refusal for anything
 * but an answer to our offer. */
gboolean _cascade_child_links_handle_signal (GHashTable *links,
                                             const char *peer_id,
                                             JsonObject *signal,
                                             const char *child_noun,
                                             const char *owner_noun,
                                             const char *refusal,
                                             GError **error);
/* An error from @object, inside a link's webrtcbin, ends that child only:
 * TRUE when it did (the owner removed it and heard it FAILED). */
gboolean _cascade_child_links_fail_element (GHashTable *links, GstObject *object);
guint _cascade_child_links_count_connected (GHashTable *links);
/* Polls the stats of every connected link: returns how many are connected,
 * and in @out_loss (nullable) the worst loss one of them reported. */
guint _cascade_child_links_poll_stats (GHashTable *links, double *out_loss);
/* {peer id: round trip in ms} of the links whose round trip is known. */
JsonObject *_cascade_child_links_dup_rtt (GHashTable *links);

/*
 * The children's key frame requests, coalesced: at most one per interval
 * after the last, and a request too soon is not lost but asked again
 * (calling @request with @owner) once the interval is over, once for all the
 * requests meanwhile.
 */
typedef struct
{
  gint64 interval_us;
  CascadeChildLinkConnected request; /* again, when the wait is over */
  gpointer owner;
  guint source;
} CascadeKeyframeGate;

/* TRUE: a key frame may be asked for now (@last_us is the last one, 0 for
 * none). FALSE: one is on its way already, or it is too soon (it is asked
 * for later). Main thread. */
gboolean _cascade_keyframe_gate_pass (CascadeKeyframeGate *gate, gint64 last_us);
void _cascade_keyframe_gate_clear (CascadeKeyframeGate *gate);

G_END_DECLS
