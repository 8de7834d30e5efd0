/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Network infrastructure for swarm tests and benchmarks, from real kernel
 * pieces (this kernel has no netem):
 *
 * - a lab: this process's own network namespace (the hub, with a bridge and
 *   the server on it) and one namespace per node, joined to the bridge by a
 *   veth pair; loss on a node's incoming UDP with nftables
 *   (`numgen random mod 100 < N drop`), so every link into it loses N%;
 * - coturn with `use-auth-secret` (on loopback or the lab's hub), for privacy
 *   mode (TURN only); nftables counters show which addresses packets came from.
 *
 * Both need root (CAP_NET_ADMIN) and the tools; callers skip with the reason
 * cascade_netlab_check() or cascade_turn_check() gives when they are missing.
 */
typedef struct _CascadeNetlab CascadeNetlab;
typedef struct _CascadeTurn CascadeTurn;

/* Whether namespaces, veth and nftables work here; if not, why. */
gboolean cascade_netlab_check (char **out_reason);
/* Moves this process into a network namespace of its own (loopback up):
 * call it first in main, before any thread exists. */
gboolean cascade_netlab_enter_own_netns (GError **error);
/* A bridge in the current namespace (10.201.0.1/24) and @n_nodes namespaces on
 * it (10.201.0.10 + i). */
CascadeNetlab *cascade_netlab_new (guint n_nodes, GError **error);
const char *cascade_netlab_get_hub_address (CascadeNetlab *self);
const char *cascade_netlab_get_node_netns (CascadeNetlab *self, guint node);
const char *cascade_netlab_get_node_address (CascadeNetlab *self, guint node);
/* Drops @percent of the UDP packets arriving at @node (0 removes the rule). */
gboolean cascade_netlab_set_loss (CascadeNetlab *self, guint node, guint percent, GError **error);
/* Counts the UDP packets arriving at @node from each address in @sources. */
gboolean cascade_netlab_count_udp_from (CascadeNetlab *self,
                                        guint node,
                                        const char *const *sources,
                                        GError **error);
/* UDP packets from @source that arrived at @node so far (0 if not counted). */
guint64 cascade_netlab_get_udp_from (CascadeNetlab *self, guint node, const char *source);
/* UDP packets dropped at @node so far. */
guint64 cascade_netlab_get_dropped (CascadeNetlab *self, guint node);
void cascade_netlab_free (CascadeNetlab *self);

/* Whether coturn's turnserver is installed; if not, why. */
gboolean cascade_turn_check (char **out_reason);
/* turnserver on @address (a free port; relaying from the same address),
 * TURN REST credentials (use-auth-secret) with @secret. */
CascadeTurn *cascade_turn_new (const char *address, const char *secret, GError **error);
/* "turn:ADDRESS:PORT?transport=udp" */
const char *cascade_turn_get_url (CascadeTurn *self);
/* What turnserver logged so far. */
char *cascade_turn_dup_log (CascadeTurn *self);
/* Stops turnserver (SIGSTOP: packets wait for it) or lets it go on (SIGCONT):
 * a TURN server that answers late. */
void cascade_turn_set_paused (CascadeTurn *self, gboolean paused);
void cascade_turn_free (CascadeTurn *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeNetlab, cascade_netlab_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeTurn, cascade_turn_free)

G_END_DECLS
