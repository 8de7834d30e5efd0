/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-test-server.h"

G_BEGIN_DECLS

/*
 * A swarm of real processes, shared by the swarm tests and bench/: a real
 * cascaded (CascadeTestServer, its sign-in limits lifted), accounts made over
 * REST, and `cascade-peer --json` processes (the binary named by
 * $CASCADE_PEER), optionally inside a network namespace, whose JSON events are
 * read as they come and kept per peer. Conditions are waited on by running
 * the main context, with a deadline; nothing sleeps a fixed time.
 */
typedef struct _CascadeSwarm CascadeSwarm;
typedef struct _CascadeSwarmPeer CascadeSwarmPeer;

typedef void (*CascadeSwarmEventFunc) (CascadeSwarmPeer *peer,
                                       JsonObject *event,
                                       gpointer user_data);
typedef gboolean (*CascadeSwarmCondition) (gpointer data);

#define CASCADE_SWARM_PASSWORD "correct horse battery"

/* @listen: NULL for 127.0.0.1:0; @config: extra text for cascaded.conf, or NULL. */
CascadeSwarm *cascade_swarm_new (const char *listen, const char *config);
void cascade_swarm_free (CascadeSwarm *self);
CascadeTestServer *cascade_swarm_get_server (CascadeSwarm *self);
const char *cascade_swarm_get_url (CascadeSwarm *self);

void cascade_swarm_add_account (CascadeSwarm *self, const char *name);
/* A fresh access token of @name (signing in over REST). */
char *cascade_swarm_sign_in (CascadeSwarm *self, const char *name);
/* GET /api/v1/streams/{id}/tree as @bearer; the HTTP status, and the body. */
guint cascade_swarm_get_tree (CascadeSwarm *self,
                              const char *stream_id,
                              const char *bearer,
                              JsonObject **out_tree);

/* Runs `cascade-peer --server … --login NAME --password … --json
 * [--local-address A] COMMAND…`, inside @netns when not NULL (ip netns exec). */
CascadeSwarmPeer *cascade_swarm_spawn (CascadeSwarm *self,
                                       const char *name,
                                       const char *netns,
                                       const char *local_address,
                                       const char *const *command);
/* As spawn, publishing the test pattern; waits until it is live. */
CascadeSwarmPeer *
cascade_swarm_spawn_streamer (CascadeSwarm *self, const char *name, const char *const *options);
/* As spawn, watching @target (a stream id or a channel) with @options. */
CascadeSwarmPeer *cascade_swarm_spawn_viewer (CascadeSwarm *self,
                                              const char *name,
                                              const char *target,
                                              const char *const *options);

/* Runs the main context until @condition holds or @timeout_s passed. */
gboolean cascade_swarm_wait (CascadeSwarm *self,
                             double timeout_s,
                             CascadeSwarmCondition condition,
                             gpointer data);
/* The same, failing the program (g_error) with @what on timeout. */
void cascade_swarm_wait_or_die (CascadeSwarm *self,
                                double timeout_s,
                                CascadeSwarmCondition condition,
                                gpointer data,
                                const char *what);

/* Every peer spawned, in order. */
GPtrArray *cascade_swarm_get_peers (CascadeSwarm *self);
CascadeSwarmPeer *cascade_swarm_find_peer (CascadeSwarm *self, const char *peer_id);
/* The depth of @peer counted along the parents the peers reported (1 = the
 * root's child), or 0 when the chain does not reach a live publisher. */
guint cascade_swarm_chain_depth (CascadeSwarm *self, CascadeSwarmPeer *peer);

void cascade_swarm_peer_set_event_func (CascadeSwarmPeer *peer,
                                        CascadeSwarmEventFunc func,
                                        gpointer user_data);
void cascade_swarm_peer_signal (CascadeSwarmPeer *peer, int signum);
const char *cascade_swarm_peer_get_name (CascadeSwarmPeer *peer);
GPid cascade_swarm_peer_get_pid (CascadeSwarmPeer *peer);
gboolean cascade_swarm_peer_has_exited (CascadeSwarmPeer *peer);
int cascade_swarm_peer_get_exit_status (CascadeSwarmPeer *peer); /* -1: killed by a signal */
const char *cascade_swarm_peer_get_stream_id (CascadeSwarmPeer *peer);
const char *cascade_swarm_peer_get_peer_id (CascadeSwarmPeer *peer);
const char *cascade_swarm_peer_get_parent_peer_id (CascadeSwarmPeer *peer);
/* From the last `placed` or `depth` event; 0 before any or when the event has none. */
guint cascade_swarm_peer_get_depth (CascadeSwarmPeer *peer);
guint cascade_swarm_peer_get_times_placed (CascadeSwarmPeer *peer);
const char *cascade_swarm_peer_get_state (CascadeSwarmPeer *peer);
gboolean cascade_swarm_peer_has_ended (CascadeSwarmPeer *peer);
/* Stamped frames decoded so far, and when that count last grew (monotonic µs). */
double cascade_swarm_peer_get_frames (CascadeSwarmPeer *peer);
gint64 cascade_swarm_peer_get_last_frame_time (CascadeSwarmPeer *peer);
/* The children it feeds, as its child_added/child_removed events say. */
guint cascade_swarm_peer_get_n_children (CascadeSwarmPeer *peer);
/* The largest number of children it ever fed at once. */
guint cascade_swarm_peer_get_max_children (CascadeSwarmPeer *peer);
/* The last `stats` event, or NULL. */
JsonObject *cascade_swarm_peer_get_stats (CascadeSwarmPeer *peer);
/* Every event so far (JsonObject). */
GPtrArray *cascade_swarm_peer_get_events (CascadeSwarmPeer *peer);
/* The number of events named @name. */
guint cascade_swarm_peer_count_events (CascadeSwarmPeer *peer, const char *name);

/* A number member, or @fallback when absent or not a number. */
double cascade_swarm_event_get_number (JsonObject *event, const char *member, double fallback);
/* A member as a string (numbers printed), or NULL when absent; "-" is NULL too. */
char *cascade_swarm_event_dup_string (JsonObject *event, const char *member);

/* Condition helpers. */
gboolean cascade_swarm_peer_is_live (gpointer peer);
gboolean cascade_swarm_peer_is_placed (gpointer peer);
gboolean cascade_swarm_peer_exited (gpointer peer);

/* Waits for every peer in @peers to have decoded at least @frames stamped frames
 * more than it had when called. */
void cascade_swarm_wait_frames (CascadeSwarm *self,
                                CascadeSwarmPeer *const *peers,
                                guint n,
                                double frames,
                                double timeout_s,
                                const char *what);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeSwarm, cascade_swarm_free)

G_END_DECLS
