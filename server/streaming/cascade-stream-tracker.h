/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The swarm tracker: who is in which live stream, and who receives from whom.
 *
 * Each live stream is a tree of peers. The root is the streamer's realtime
 * connection (set by publish); every viewer is placed under a parent with a
 * free slot (children < capacity), preferring shallow depth, then good
 * health (low loss, low round trip, long uptime), never a parent in bad
 * health when another has room. The root keeps its last free slot for
 * viewers that relay. A viewer with capacity 0 is never given children. A
 * viewer that finds no slot (or joins before the root exists) waits, unplaced,
 * and is placed as soon as one frees up. When a parent goes (or is dropped
 * for silence), each of its children is placed again, keeping its own
 * subtree, never inside it; when a parent lowers its capacity below the
 * children it has, the ones whose move deepens the tree least (the smallest
 * subtrees, then the smallest capacities) are placed elsewhere. Every depth
 * that changes because a subtree moved is reported, so the peers below a
 * moved one learn their new depth (stream.depth). Two peers may signal each other only if one is
 * the other's parent.
 *
 * The tracker does no I/O: every change is returned as a list of moves
 * (CascadeTrackerMove) for the caller to tell the peers about. Time comes from
 * a clock the tests may set. Main thread only, except
 * cascade_stream_tracker_get_viewer_count() and _get_summary(), which the
 * HTTP routes call from worker threads.
 */

#define CASCADE_TRACKER_MAX_CAPACITY 16      /* children a viewer may feed */
#define CASCADE_TRACKER_MAX_ROOT_CAPACITY 64 /* children the streamer may feed */
#define CASCADE_TRACKER_DEFAULT_ROOT_CAPACITY 8
#define CASCADE_TRACKER_BAD_LOSS 0.05 /* a parent losing more is in bad health */
/* Parents compare loss and round trip in these steps: a measured difference
 * smaller than a step is noise, and uptime decides. */
#define CASCADE_TRACKER_LOSS_STEP 0.01
#define CASCADE_TRACKER_RTT_STEP_MS 20
#define CASCADE_TRACKER_HEALTH_TIMEOUT_US (7 * G_USEC_PER_SEC)
#define CASCADE_TRACKER_SILENT_WINDOW_US (10 * G_USEC_PER_SEC)
#define CASCADE_TRACKER_DEMOTION_US (30 * G_USEC_PER_SEC)

typedef struct
{
  char *peer_id;
  char *stream_id;
  char *connection_id;
  char *user_id;        /* nullable */
  char *parent_peer_id; /* NULL for the root, and for a viewer waiting for one */
  gboolean is_root;
  guint capacity;    /* children it may feed (the root: max_viewers or its health's) */
  guint children;    /* children it feeds now */
  guint depth;       /* 0: the root (or never connected to it); 1: a child of the root; a
                   * viewer cut off from the root (waiting, or below one waiting) keeps
                   * the depth it had until it is connected again */
  gboolean attached; /* its parent chain reaches the root (always for the root) */
  guint told_depth;  /* the depth it was last told (stream.placed or stream.depth) */
  double loss;       /* from its health reports: 0..1 on the link from its parent */
  guint rtt_ms;      /* the round trip on that link: its parent's report, or its own */
  gboolean receiving;
  gint64 joined_us;           /* the tracker's clock */
  gint64 health_us;           /* the last health report; 0 before the first */
  gint64 demoted_until_us;    /* dropped as a parent: given no children until then */
  gboolean stale;             /* its health reports stopped: no children until the next */
  gboolean leaving;           /* handing its children over */
  GHashTable *silent_reports; /* child peer id → time (gint64 *); NULL in copies */
} CascadeTrackerPeer;

CascadeTrackerPeer *cascade_tracker_peer_copy (const CascadeTrackerPeer *peer);
void cascade_tracker_peer_free (CascadeTrackerPeer *peer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeTrackerPeer, cascade_tracker_peer_free)

/* One viewer placed somewhere new: under a parent, or (parent_peer_id NULL)
 * waiting for one because its parent went. */
typedef struct
{
  CascadeTrackerPeer *peer; /* a copy, after the move */
  char *old_parent_peer_id; /* nullable: its parent before */
} CascadeTrackerMove;

void cascade_tracker_move_free (CascadeTrackerMove *move);
GPtrArray *cascade_tracker_moves_new (void);

/* What a health report says (stream.health). */
typedef struct
{
  gint capacity; /* -1: unchanged */
  double loss;
  gint rtt_ms; /* the round trip to its parent; -1: unchanged (it does not know it) */
  gboolean receiving;
  /* Nullable: child peer id → GUINT_TO_POINTER (round trip in ms), measured
   * at this (sending) end; each becomes that child's rtt_ms. */
  GHashTable *children_rtt_ms;
} CascadeTrackerHealth;

/* The tree at a glance, as the streamer sees it. */
typedef struct
{
  guint viewers; /* every viewer, placed or waiting */
  guint relays;  /* viewers feeding at least one child */
  guint depth;   /* the deepest viewer's depth */
} CascadeTrackerSummary;

typedef gint64 (*CascadeTrackerClock) (gpointer user_data);

#define CASCADE_TYPE_STREAM_TRACKER (cascade_stream_tracker_get_type ())

G_DECLARE_FINAL_TYPE (
  CascadeStreamTracker, cascade_stream_tracker, CASCADE, STREAM_TRACKER, GObject)

CascadeStreamTracker *cascade_stream_tracker_new (void);
void cascade_stream_tracker_set_clock (CascadeStreamTracker *self,
                                       CascadeTrackerClock clock,
                                       gpointer user_data);

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
                                                           const char *user_id,
                                                           guint capacity,
                                                           CascadeTrackerPeer **out_replaced,
                                                           GPtrArray *moves);
const CascadeTrackerPeer *cascade_stream_tracker_join (CascadeStreamTracker *self,
                                                       const char *stream_id,
                                                       const char *connection_id,
                                                       const char *user_id,
                                                       guint capacity,
                                                       GPtrArray *moves);
gboolean cascade_stream_tracker_hand_over (CascadeStreamTracker *self,
                                           const char *stream_id,
                                           const char *connection_id,
                                           GPtrArray *moves);
CascadeTrackerPeer *cascade_stream_tracker_leave (CascadeStreamTracker *self,
                                                  const char *stream_id,
                                                  const char *connection_id,
                                                  GPtrArray *moves);
gboolean cascade_stream_tracker_report_health (CascadeStreamTracker *self,
                                               const char *stream_id,
                                               const char *connection_id,
                                               const CascadeTrackerHealth *health,
                                               GPtrArray *moves);
gboolean cascade_stream_tracker_parent_silent (CascadeStreamTracker *self,
                                               const char *stream_id,
                                               const char *connection_id,
                                               GPtrArray *moves);
void cascade_stream_tracker_expire (CascadeStreamTracker *self, GPtrArray *moves);
GStrv cascade_stream_tracker_dup_streams_of_connection (CascadeStreamTracker *self,
                                                        const char *connection_id);

GPtrArray *cascade_stream_tracker_take_depth_changes (CascadeStreamTracker *self,
                                                      const char *stream_id);

gboolean cascade_stream_tracker_are_paired (CascadeStreamTracker *self,
                                            const char *peer_a,
                                            const char *peer_b);
guint cascade_stream_tracker_get_viewer_count (CascadeStreamTracker *self, const char *stream_id);
CascadeTrackerSummary cascade_stream_tracker_get_summary (CascadeStreamTracker *self,
                                                          const char *stream_id);

G_END_DECLS
