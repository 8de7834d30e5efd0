/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The swarm tracker: who is in which live stream, and who receives from whom.
 *
 * Each live stream is a tree of peers. The root is the streamer's realtime
 * connection (set by publish); every viewer is placed under a parent. In this
 * version the parent is always the root; a viewer that joins before the root
 * exists (or while the streamer reconnects) waits, unplaced, and is placed as
 * soon as a root appears. Two peers may signal each other only if one is the
 * other's parent.
 *
 * Main thread only, except cascade_stream_tracker_get_viewer_count(), which
 * the HTTP routes call from worker threads.
 */

typedef struct
{
  char *peer_id;
  char *stream_id;
  char *connection_id;
  char *parent_peer_id; /* NULL for the root, and for a viewer waiting for one */
  gboolean is_root;
} CascadeTrackerPeer;

CascadeTrackerPeer *cascade_tracker_peer_copy (const CascadeTrackerPeer *peer);
void cascade_tracker_peer_free (CascadeTrackerPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeTrackerPeer, cascade_tracker_peer_free)

#define CASCADE_TYPE_STREAM_TRACKER (cascade_stream_tracker_get_type ())

G_DECLARE_FINAL_TYPE (
  CascadeStreamTracker, cascade_stream_tracker, CASCADE, STREAM_TRACKER, GObject)

CascadeStreamTracker *cascade_stream_tracker_new (void);

void cascade_stream_tracker_add_stream (CascadeStreamTracker *self,
                                        const char *stream_id,
                                        const char *owner_user_id);
GPtrArray *cascade_stream_tracker_remove_stream (CascadeStreamTracker *self, const char *stream_id);
gboolean cascade_stream_tracker_has_stream (CascadeStreamTracker *self, const char *stream_id);
const char *cascade_stream_tracker_get_owner (CascadeStreamTracker *self, const char *stream_id);
GStrv cascade_stream_tracker_dup_stream_ids (CascadeStreamTracker *self);
GPtrArray *cascade_stream_tracker_dup_peers (CascadeStreamTracker *self, const char *stream_id);

const CascadeTrackerPeer *cascade_stream_tracker_get_root (CascadeStreamTracker *self,
                                                           const char *stream_id);
const CascadeTrackerPeer *cascade_stream_tracker_find_peer (CascadeStreamTracker *self,
                                                            const char *stream_id,
                                                            const char *connection_id);
const CascadeTrackerPeer *cascade_stream_tracker_get_peer (CascadeStreamTracker *self,
                                                           const char *peer_id);

const CascadeTrackerPeer *cascade_stream_tracker_set_root (CascadeStreamTracker *self,
                                                           const char *stream_id,
                                                           const char *connection_id,
                                                           CascadeTrackerPeer **out_replaced,
                                                           GPtrArray **out_placed);
const CascadeTrackerPeer *cascade_stream_tracker_join (CascadeStreamTracker *self,
                                                       const char *stream_id,
                                                       const char *connection_id);
CascadeTrackerPeer *cascade_stream_tracker_leave (CascadeStreamTracker *self,
                                                  const char *stream_id,
                                                  const char *connection_id,
                                                  GPtrArray **out_orphans);
GStrv cascade_stream_tracker_dup_streams_of_connection (CascadeStreamTracker *self,
                                                        const char *connection_id);

gboolean cascade_stream_tracker_are_paired (CascadeStreamTracker *self,
                                            const char *peer_a,
                                            const char *peer_b);
guint cascade_stream_tracker_get_viewer_count (CascadeStreamTracker *self, const char *stream_id);

G_END_DECLS
