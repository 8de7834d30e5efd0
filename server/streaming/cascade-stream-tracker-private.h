/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cascade-stream-tracker.h"

G_BEGIN_DECLS

/* The tracker's state, shared by its bookkeeping (cascade-stream-tracker.c)
 * and its placement rules (cascade-stream-placement.c). */

typedef struct
{
  char *id;
  char *owner_user_id;
  char *root_peer_id;
  GPtrArray *peer_ids; /* every peer, root included, in the order they came */
} TrackedStream;

struct _CascadeStreamTracker
{
  GObject parent_instance;

  GHashTable *streams; /* id → TrackedStream */
  GHashTable *peers;   /* peer id → CascadeTrackerPeer */

  CascadeTrackerClock clock;
  gpointer clock_data;

  GMutex summaries_lock; /* guards summaries, read by worker threads */
  GHashTable *summaries; /* stream id → CascadeTrackerSummary */
};

gint64 _cascade_stream_tracker_now (CascadeStreamTracker *self);
CascadeTrackerPeer *
_cascade_stream_tracker_peer_at (CascadeStreamTracker *self, TrackedStream *stream, guint index);
void _cascade_stream_tracker_set_parent (CascadeStreamTracker *self,
                                         CascadeTrackerPeer *peer,
                                         const char *parent_peer_id);
void _cascade_stream_tracker_add_move (GPtrArray *moves,
                                       const CascadeTrackerPeer *peer,
                                       const char *old_parent_peer_id);
gint _cascade_stream_tracker_walk_depth (CascadeStreamTracker *self,
                                         const CascadeTrackerPeer *peer,
                                         guint limit);
void _cascade_stream_tracker_finish (CascadeStreamTracker *self,
                                     TrackedStream *stream,
                                     GPtrArray *moves);

void _cascade_stream_tracker_place_waiting (CascadeStreamTracker *self,
                                            TrackedStream *stream,
                                            GPtrArray *moves);
void _cascade_stream_tracker_replace_children (CascadeStreamTracker *self,
                                               TrackedStream *stream,
                                               CascadeTrackerPeer *parent,
                                               GPtrArray *moves);
void _cascade_stream_tracker_shed_children (CascadeStreamTracker *self,
                                            TrackedStream *stream,
                                            CascadeTrackerPeer *parent,
                                            GPtrArray *moves);
TrackedStream *_cascade_stream_tracker_lookup (CascadeStreamTracker *self,
                                               const char *stream_id,
                                               const char *connection_id,
                                               CascadeTrackerPeer **out_peer);

G_END_DECLS
