/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-relay.h"
#include "cascade-viewer.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_TREE_NODE (cascade_tree_node_get_type ())
G_DECLARE_FINAL_TYPE (CascadeTreeNode, cascade_tree_node, CASCADE, TREE_NODE, GObject)

/*
 * A viewer's place in a stream's tree (issue 4), shared by the app's Watch
 * page and cascade-peer so both relay exactly alike. It speaks the tracker's
 * realtime messages without knowing the transport: what it sends leaves
 * through "send" (a whole realtime message), what arrives goes in through
 * cascade_tree_node_handle_message().
 *
 * It joins with its capacity (the setting, capped by 80% of the upload over
 * the stream's measured bitrate, lowered by the relay while its children
 * report loss), answers its parent through the viewer, feeds the children the
 * tracker gives it through the relay (when there is one), reports its health
 * every 2 s, tells the tracker when its parent has gone silent for 1.5 s, and
 * on a graceful leave hands its children over and feeds them 3 s more.
 */

CascadeTreeNode *
cascade_tree_node_new (const char *stream_id, CascadeViewer *viewer, CascadeRelay *relay);

void cascade_tree_node_join (CascadeTreeNode *self);
/* TRUE when @message (any realtime message) was for this node. */
gboolean cascade_tree_node_handle_message (CascadeTreeNode *self, JsonObject *message);
/* Leaves the tree. With children and @handover, they are re-placed first and
 * fed a while longer: "left" says when that is over (TRUE returned). */
gboolean cascade_tree_node_leave (CascadeTreeNode *self, gboolean handover);

/* Stops everything: the upstream connection, the children, the reports. */
void cascade_tree_node_close (CascadeTreeNode *self);

const char *cascade_tree_node_get_stream_id (CascadeTreeNode *self);
const char *cascade_tree_node_get_peer_id (CascadeTreeNode *self);
const char *cascade_tree_node_get_parent_peer_id (CascadeTreeNode *self);
guint cascade_tree_node_get_depth (CascadeTreeNode *self);
guint cascade_tree_node_get_capacity (CascadeTreeNode *self);
/* Children connected and fed now. */
guint cascade_tree_node_get_n_relaying (CascadeTreeNode *self);

G_END_DECLS
