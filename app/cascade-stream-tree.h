/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The cascade of one live stream at a glance, from GET
 * /api/v1/streams/{id}/tree: how many viewers it reaches, how many of them
 * relay, how deep the tree is, and how many viewers have a poor link (losing
 * more than 5% of packets, receiving nothing, or waiting for a parent).
 * Immutable.
 */

#define CASCADE_TYPE_STREAM_TREE (cascade_stream_tree_get_type ())

G_DECLARE_FINAL_TYPE (CascadeStreamTree, cascade_stream_tree, CASCADE, STREAM_TREE, GObject)

CascadeStreamTree *cascade_stream_tree_new_from_json (JsonObject *object, GError **error);
guint cascade_stream_tree_get_viewers (CascadeStreamTree *self);
guint cascade_stream_tree_get_relays (CascadeStreamTree *self);
guint cascade_stream_tree_get_depth (CascadeStreamTree *self);
guint cascade_stream_tree_get_poor_links (CascadeStreamTree *self);

G_END_DECLS
