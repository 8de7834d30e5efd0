/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-stream-tree.h"

#include "cascade-app-private.h"
#include "cascade-json.h"

#define POOR_LOSS 0.05  /* the tracker's own line between good and bad health */
#define POOR_RTT_MS 300 /* a round trip to the parent past which video lags and repairs come late */

struct _CascadeStreamTree
{
  GObject parent_instance;

  guint viewers;
  guint relays;
  guint depth;
  guint poor_links;
};

G_DEFINE_FINAL_TYPE (CascadeStreamTree, cascade_stream_tree, G_TYPE_OBJECT)

static const CascadeJsonMember tree_members[] = {
  { "viewers", CASCADE_JSON_INT, TRUE },
  { "relays", CASCADE_JSON_INT, TRUE },
  { "depth", CASCADE_JSON_INT, TRUE },
  { "nodes", CASCADE_JSON_ARRAY, TRUE },
};

static const CascadeJsonMember node_members[] = {
  { "peer_id", CASCADE_JSON_STRING, TRUE },
  { "parent_peer_id", CASCADE_JSON_STRING, FALSE },
  { "receiving", CASCADE_JSON_BOOLEAN, TRUE },
  { "waiting", CASCADE_JSON_BOOLEAN, FALSE },
};

static void
cascade_stream_tree_class_init (CascadeStreamTreeClass *klass)
{
}

static void
cascade_stream_tree_init (CascadeStreamTree *self)
{
}

static gboolean
protocol_error (GError **error, const char *message)
{
  g_propagate_error (
    error, _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL, message));
  return FALSE;
}

/* A count in [0, G_MAXUINT]. */
static gboolean
get_count (JsonObject *object, const char *name, guint *out, GError **error)
{
  gint64 value = json_object_get_int_member (object, name);

  if (value < 0 || value > G_MAXUINT)
    return protocol_error (error, "tree: a count is out of range");
  *out = (guint) value;
  return TRUE;
}

/* A node's number @name: FALSE with @error when it is there and not a number;
 * @fallback when it is not there. */
static gboolean
get_number (JsonObject *node, const char *name, double fallback, double *out, GError **error)
{
  JsonNode *member = json_object_get_member (node, name);
  GType type;

  if (member == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  type = JSON_NODE_HOLDS_VALUE (member) ? json_node_get_value_type (member) : G_TYPE_INVALID;
  if (type != G_TYPE_DOUBLE && type != G_TYPE_INT64)
    return protocol_error (error, "tree: a node’s “loss” or “rtt_ms” is not a number");
  *out = json_node_get_double (member);
  return TRUE;
}

/* Whether a viewer's node shows a poor link (losing packets, receiving
 * nothing, waiting for a parent, or a long round trip to its parent); FALSE
 * with @error for a node of the wrong shape. */
static gboolean
node_is_poor (JsonObject *node, gboolean *out_poor, GError **error)
{
  double loss, rtt_ms;

  if (!cascade_json_check (node, node_members, G_N_ELEMENTS (node_members), error))
    return FALSE;
  if (json_object_get_member (node, "loss") == NULL)
    return protocol_error (error, "tree: a node has no “loss”");
  if (!get_number (node, "loss", 0, &loss, error) ||
      !get_number (node, "rtt_ms", 0, &rtt_ms, error))
    return FALSE;
  *out_poor = loss > POOR_LOSS || rtt_ms > POOR_RTT_MS ||
              !json_object_get_boolean_member (node, "receiving") ||
              json_object_get_boolean_member_with_default (node, "waiting", FALSE);
  return TRUE;
}

/**
 * cascade_stream_tree_new_from_json:
 * @object: a tree as the server sends it
 *
 * Returns: (transfer full): the tree, or %NULL with a
 *   %CASCADE_CLIENT_ERROR_PROTOCOL error
 */
CascadeStreamTree *
cascade_stream_tree_new_from_json (JsonObject *object, GError **error)
{
  g_autoptr (CascadeStreamTree) self = g_object_new (CASCADE_TYPE_STREAM_TREE, NULL);
  JsonArray *nodes;

  g_return_val_if_fail (object != NULL, NULL);

  if (!cascade_json_check (object, tree_members, G_N_ELEMENTS (tree_members), error) ||
      !get_count (object, "viewers", &self->viewers, error) ||
      !get_count (object, "relays", &self->relays, error) ||
      !get_count (object, "depth", &self->depth, error))
    return NULL;
  nodes = json_object_get_array_member (object, "nodes");
  for (guint i = 0; i < json_array_get_length (nodes); i++)
    {
      JsonNode *element = json_array_get_element (nodes, i);
      JsonObject *node;
      gboolean poor = FALSE;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          protocol_error (error, "tree: a node is not an object");
          return NULL;
        }
      node = json_node_get_object (element);
      if (!node_is_poor (node, &poor, error))
        return NULL;
      /* The root (no parent, not waiting) is the streamer, not a viewer. */
      if (cascade_json_get_string (node, "parent_peer_id") == NULL &&
          !json_object_get_boolean_member_with_default (node, "waiting", FALSE))
        continue;
      if (poor)
        self->poor_links++;
    }
  return g_steal_pointer (&self);
}

guint
cascade_stream_tree_get_viewers (CascadeStreamTree *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM_TREE (self), 0);
  return self->viewers;
}

guint
cascade_stream_tree_get_relays (CascadeStreamTree *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM_TREE (self), 0);
  return self->relays;
}

guint
cascade_stream_tree_get_depth (CascadeStreamTree *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM_TREE (self), 0);
  return self->depth;
}

guint
cascade_stream_tree_get_poor_links (CascadeStreamTree *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM_TREE (self), 0);
  return self->poor_links;
}
