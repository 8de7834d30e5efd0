/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-tree-node.h"

#define HEALTH_PERIOD_S 2
#define SILENT_CHECK_MS 250
/* A parent that sent nothing for this long while connected is silent. */
#define SILENT_US (1500 * G_USEC_PER_SEC / 1000)
/* After stream.left, the old children are fed this long at most. */
#define HANDOVER_MS 3000
/* Before the stream's own bitrate is measured: the 720p30 preset's. */
#define DEFAULT_STREAM_KBPS 4000

struct _CascadeTreeNode
{
  GObject parent_instance;

  char *stream_id;
  CascadeViewer *viewer;
  CascadeRelay *relay;
  guint max_children;
  guint upload_kbps;

  char *peer_id;
  char *parent_peer_id;
  guint depth;
  guint times_placed;
  gboolean silent_reported;
  gboolean leaving;
  gboolean left;

  double stream_kbps;
  guint64 rate_bytes;
  gint64 rate_time_us;

  guint health_source;
  guint silent_source;
  guint leave_source;
};

G_DEFINE_FINAL_TYPE (CascadeTreeNode, cascade_tree_node, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_MAX_CHILDREN,
  PROP_UPLOAD_KBPS,
  N_PROPS
};

enum
{
  SEND,
  PLACED,
  CHILD_ADDED,
  CHILD_REMOVED,
  PARENT_SILENT,
  WAITING,
  DEPTH_CHANGED,
  LEFT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
message_new (CascadeTreeNode *self, const char *type)
{
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "type", type);
  json_object_set_string_member (message, "stream_id", self->stream_id);
  return message;
}

static void
send (CascadeTreeNode *self, JsonObject *message)
{
  g_signal_emit (self, signals[SEND], 0, message);
  json_object_unref (message);
}

static guint
wanted_capacity (CascadeTreeNode *self)
{
  double kbps = self->stream_kbps > 0 ? self->stream_kbps : DEFAULT_STREAM_KBPS;

  if (self->relay == NULL)
    return 0;
  return cascade_relay_compute_capacity (self->max_children, self->upload_kbps,
                                         (guint) MAX (kbps, 1));
}

guint
cascade_tree_node_get_capacity (CascadeTreeNode *self)
{
  guint capacity = 0;

  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), 0);

  if (self->relay != NULL && !self->leaving)
    g_object_get (self->relay, "capacity", &capacity, NULL);
  return capacity;
}

guint
cascade_tree_node_get_n_relaying (CascadeTreeNode *self)
{
  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), 0);
  return self->relay != NULL ? cascade_relay_get_n_connected (self->relay) : 0;
}

/* ---- signalling ---- */

static void
send_signal (CascadeTreeNode *self, const char *to, JsonObject *signal)
{
  JsonObject *message = message_new (self, "signal");
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_set_string_member (message, "to", to);
  json_object_iter_init (&iter, signal);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (message, name, json_node_copy (node));
  send (self, message);
}

static void
on_viewer_signal (CascadeTreeNode *self, JsonObject *signal)
{
  if (self->parent_peer_id != NULL)
    send_signal (self, self->parent_peer_id, signal);
}

static void
on_relay_signal (CascadeTreeNode *self, const char *child, JsonObject *signal)
{
  send_signal (self, child, signal);
}

/* ---- health ---- */

static void
measure_stream_rate (CascadeTreeNode *self, const CascadeViewerHealth *health)
{
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->rate_time_us) / (double) G_USEC_PER_SEC;

  if (self->rate_time_us > 0 && seconds >= 1 && health->bytes_received > self->rate_bytes &&
      health->receiving)
    {
      double kbps = (health->bytes_received - self->rate_bytes) * 8 / 1000.0 / seconds;

      /* A slow average: key frames come in bursts. */
      self->stream_kbps = self->stream_kbps > 0 ? 0.8 * self->stream_kbps + 0.2 * kbps : kbps;
    }
  self->rate_bytes = health->bytes_received;
  self->rate_time_us = now;
}

static gboolean
report_health (gpointer user_data)
{
  CascadeTreeNode *self = user_data;
  JsonObject *message;
  CascadeViewerHealth health;

  if (self->peer_id == NULL)
    return G_SOURCE_CONTINUE;
  cascade_viewer_get_health (self->viewer, &health);
  measure_stream_rate (self, &health);
  if (self->relay != NULL)
    g_object_set (self->relay, "max-children", wanted_capacity (self), NULL);
  message = message_new (self, "stream.health");
  json_object_set_int_member (message, "capacity", cascade_tree_node_get_capacity (self));
  json_object_set_int_member (message, "children",
                              self->relay != NULL ? cascade_relay_get_n_children (self->relay) : 0);
  json_object_set_double_member (message, "loss", health.loss);
  /* A receive-only viewer rarely knows its round trip (webrtcbin 1.22 never
   * does): its parent names it among its children's instead. */
  if (health.rtt_ms >= 0)
    json_object_set_double_member (message, "rtt_ms", health.rtt_ms);
  json_object_set_boolean_member (message, "receiving", health.receiving);
  if (self->relay != NULL)
    json_object_set_object_member (message, "children_rtt_ms",
                                   cascade_relay_dup_children_rtt (self->relay));
  send (self, message);
  return G_SOURCE_CONTINUE;
}

static void
parent_silent (CascadeTreeNode *self)
{
  if (self->silent_reported || self->parent_peer_id == NULL || self->leaving)
    return;
  self->silent_reported = TRUE;
  g_debug ("parent %s is silent", self->parent_peer_id);
  send (self, message_new (self, "stream.parent_silent"));
  g_signal_emit (self, signals[PARENT_SILENT], 0);
}

/* Connected yet nothing from the parent for 1.5 s, or the connection failed. */
static gboolean
check_silent (gpointer user_data)
{
  CascadeTreeNode *self = user_data;
  CascadeViewerHealth health;
  CascadePeerState state = cascade_viewer_get_state (self->viewer);

  if (self->parent_peer_id == NULL)
    return G_SOURCE_CONTINUE;
  cascade_viewer_get_health (self->viewer, &health);
  if (state == CASCADE_PEER_STATE_FAILED ||
      (state == CASCADE_PEER_STATE_CONNECTED && health.last_packet_us > 0 &&
       g_get_monotonic_time () - health.last_packet_us > SILENT_US))
    parent_silent (self);
  return G_SOURCE_CONTINUE;
}

/* ---- messages ---- */

static void
on_placed (CascadeTreeNode *self, JsonObject *message)
{
  const char *parent = member_string (message, "parent_peer_id");
  JsonNode *depth = json_object_get_member (message, "depth");
  JsonNode *ice = json_object_get_member (message, "ice_servers");
  gboolean replaced = self->times_placed > 0 && g_strcmp0 (parent, self->parent_peer_id) != 0;

  self->times_placed++;
  self->silent_reported = FALSE;
  g_free (self->peer_id);
  self->peer_id = g_strdup (member_string (message, "peer_id"));
  g_free (self->parent_peer_id);
  self->parent_peer_id = g_strdup (parent);
  self->depth = depth != NULL && JSON_NODE_HOLDS_VALUE (depth) &&
                    json_node_get_value_type (depth) == G_TYPE_INT64
                  ? (guint) CLAMP (json_node_get_int (depth), 0, G_MAXINT)
                  : 0;
  if (ice != NULL && JSON_NODE_HOLDS_ARRAY (ice))
    {
      cascade_viewer_set_ice_servers (self->viewer, json_node_get_array (ice));
      if (self->relay != NULL)
        cascade_relay_set_ice_servers (self->relay, json_node_get_array (ice));
    }
  /* The new parent's offer replaces the old connection; our children stay. */
  g_signal_emit (self, signals[PLACED], 0, replaced);
}

/* The join's answer while no parent has room: our peer id, so the health
 * reports start; stream.placed follows. */
static void
on_waiting (CascadeTreeNode *self, JsonObject *message)
{
  const char *peer_id = member_string (message, "peer_id");

  if (peer_id == NULL)
    return;
  g_free (self->peer_id);
  self->peer_id = g_strdup (peer_id);
  g_signal_emit (self, signals[WAITING], 0);
}

/* Our parent went and no other has room: we wait, keeping our children and
 * our depth, until stream.placed (which then counts as a re-placement). */
static void
on_parent_left (CascadeTreeNode *self, JsonObject *message)
{
  if (self->parent_peer_id == NULL ||
      g_strcmp0 (member_string (message, "peer_id"), self->parent_peer_id) != 0)
    return;
  g_clear_pointer (&self->parent_peer_id, g_free);
  g_signal_emit (self, signals[WAITING], 0);
}

/* A subtree above us moved: same parent, new depth. */
static void
on_depth (CascadeTreeNode *self, JsonObject *message)
{
  JsonNode *depth = json_object_get_member (message, "depth");
  guint value;

  if (depth == NULL || !JSON_NODE_HOLDS_VALUE (depth) ||
      json_node_get_value_type (depth) != G_TYPE_INT64 || json_node_get_int (depth) < 1)
    return;
  value = (guint) MIN (json_node_get_int (depth), G_MAXINT);
  if (value == self->depth)
    return;
  self->depth = value;
  g_signal_emit (self, signals[DEPTH_CHANGED], 0, value);
}

static void
on_signal (CascadeTreeNode *self, JsonObject *message)
{
  const char *from = member_string (message, "from");
  g_autoptr (GError) error = NULL;

  if (from == NULL)
    return;
  if (g_strcmp0 (from, self->parent_peer_id) == 0)
    {
      if (!cascade_viewer_handle_signal (self->viewer, message, &error))
        g_debug ("the parent's signal was refused: %s", error->message);
    }
  else if (self->relay != NULL && cascade_relay_has_child (self->relay, from))
    {
      if (!cascade_relay_handle_signal (self->relay, from, message, &error))
        g_debug ("child %s's signal was refused: %s", from, error->message);
    }
}

static void
on_child_added (CascadeTreeNode *self, JsonObject *message)
{
  const char *child = member_string (message, "peer_id");
  g_autoptr (GError) error = NULL;

  if (child == NULL)
    return;
  if (self->relay == NULL)
    {
      g_debug ("the tracker gave child %s to a viewer that does not relay", child);
      return;
    }
  if (!cascade_relay_add_child (self->relay, child, &error))
    {
      g_debug ("child %s: %s", child, error->message);
      return;
    }
  g_signal_emit (self, signals[CHILD_ADDED], 0, child);
}

static void
on_child_removed (CascadeTreeNode *self, JsonObject *message)
{
  const char *child = member_string (message, "peer_id");

  if (child == NULL || self->relay == NULL || !cascade_relay_has_child (self->relay, child))
    return;
  cascade_relay_remove_child (self->relay, child);
  g_signal_emit (self, signals[CHILD_REMOVED], 0, child);
}

static gboolean
handover_done (gpointer user_data)
{
  CascadeTreeNode *self = user_data;

  self->leave_source = 0;
  if (!self->left)
    {
      self->left = TRUE;
      g_signal_emit (self, signals[LEFT], 0);
    }
  return G_SOURCE_REMOVE;
}

/* The tracker re-placed our children: feed them a little longer, so their
 * video never stops while they connect to their new parents. */
static void
on_left (CascadeTreeNode *self, JsonObject *message)
{
  if (!self->leaving || self->left)
    return;
  g_clear_handle_id (&self->leave_source, g_source_remove);
  self->leave_source = g_timeout_add (HANDOVER_MS, handover_done, self);
}

gboolean
cascade_tree_node_handle_message (CascadeTreeNode *self, JsonObject *message)
{
  const char *type;

  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);

  type = member_string (message, "type");
  if (type == NULL || g_strcmp0 (member_string (message, "stream_id"), self->stream_id) != 0)
    return FALSE;
  if (g_str_equal (type, "stream.placed"))
    on_placed (self, message);
  else if (g_str_equal (type, "signal"))
    on_signal (self, message);
  else if (g_str_equal (type, "stream.child_added"))
    on_child_added (self, message);
  else if (g_str_equal (type, "stream.child_removed"))
    on_child_removed (self, message);
  else if (g_str_equal (type, "stream.left"))
    on_left (self, message);
  else if (g_str_equal (type, "stream.waiting"))
    on_waiting (self, message);
  else if (g_str_equal (type, "stream.parent_left"))
    on_parent_left (self, message);
  else if (g_str_equal (type, "stream.depth"))
    on_depth (self, message);
  else
    return FALSE;
  return TRUE;
}

void
cascade_tree_node_join (CascadeTreeNode *self)
{
  JsonObject *message;

  g_return_if_fail (CASCADE_IS_TREE_NODE (self));

  if (self->relay != NULL)
    g_object_set (self->relay, "max-children", wanted_capacity (self), NULL);
  message = message_new (self, "stream.join");
  json_object_set_int_member (message, "capacity", cascade_tree_node_get_capacity (self));
  send (self, message);
}

gboolean
cascade_tree_node_leave (CascadeTreeNode *self, gboolean handover)
{
  JsonObject *message;
  gboolean has_children;

  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), FALSE);

  if (self->leaving)
    return !self->left;
  has_children = self->relay != NULL && cascade_relay_get_n_children (self->relay) > 0;
  self->leaving = TRUE;
  /* Out of the tree: no more health reports (the tracker would refuse them). */
  g_clear_handle_id (&self->health_source, g_source_remove);
  g_clear_handle_id (&self->silent_source, g_source_remove);
  message = message_new (self, "stream.leave");
  if (handover && has_children)
    json_object_set_boolean_member (message, "handover", TRUE);
  send (self, message);
  if (!handover || !has_children)
    return FALSE;
  /* A tracker that never answers does not keep us here. */
  self->leave_source = g_timeout_add (2 * HANDOVER_MS, handover_done, self);
  return TRUE;
}

void
cascade_tree_node_close (CascadeTreeNode *self)
{
  g_return_if_fail (CASCADE_IS_TREE_NODE (self));

  g_clear_handle_id (&self->health_source, g_source_remove);
  g_clear_handle_id (&self->silent_source, g_source_remove);
  g_clear_handle_id (&self->leave_source, g_source_remove);
  cascade_viewer_close (self->viewer);
  if (self->relay != NULL)
    {
      cascade_viewer_set_relay (self->viewer, NULL);
      g_clear_object (&self->relay);
    }
}

/* ---- GObject ---- */

static void
cascade_tree_node_dispose (GObject *object)
{
  CascadeTreeNode *self = CASCADE_TREE_NODE (object);

  g_clear_handle_id (&self->health_source, g_source_remove);
  g_clear_handle_id (&self->silent_source, g_source_remove);
  g_clear_handle_id (&self->leave_source, g_source_remove);
  g_clear_object (&self->viewer);
  g_clear_object (&self->relay);
  G_OBJECT_CLASS (cascade_tree_node_parent_class)->dispose (object);
}

static void
cascade_tree_node_finalize (GObject *object)
{
  CascadeTreeNode *self = CASCADE_TREE_NODE (object);

  g_free (self->stream_id);
  g_free (self->peer_id);
  g_free (self->parent_peer_id);
  G_OBJECT_CLASS (cascade_tree_node_parent_class)->finalize (object);
}

static void
cascade_tree_node_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeTreeNode *self = CASCADE_TREE_NODE (object);

  switch (prop_id)
    {
      case PROP_MAX_CHILDREN:
        g_value_set_uint (value, self->max_children);
        break;
      case PROP_UPLOAD_KBPS:
        g_value_set_uint (value, self->upload_kbps);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_tree_node_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  CascadeTreeNode *self = CASCADE_TREE_NODE (object);

  switch (prop_id)
    {
      case PROP_MAX_CHILDREN:
        if (self->max_children != g_value_get_uint (value))
          {
            self->max_children = g_value_get_uint (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      case PROP_UPLOAD_KBPS:
        if (self->upload_kbps != g_value_get_uint (value))
          {
            self->upload_kbps = g_value_get_uint (value);
            g_object_notify_by_pspec (object, pspec);
          }
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_tree_node_class_init (CascadeTreeNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_tree_node_dispose;
  object_class->finalize = cascade_tree_node_finalize;
  object_class->get_property = cascade_tree_node_get_property;
  object_class->set_property = cascade_tree_node_set_property;

  /* The setting: children at most (the relay's own limit applies too). */
  properties[PROP_MAX_CHILDREN] =
    g_param_spec_uint ("max-children", NULL, NULL, 0, 16, 3,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* This machine's upload in kbit/s; 0 when unknown. */
  properties[PROP_UPLOAD_KBPS] =
    g_param_spec_uint ("upload-kbps", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* (JsonObject *message): send it to the server as it is. */
  signals[SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* (gboolean replaced): placed, or re-placed under a new parent. */
  signals[PLACED] = g_signal_new ("placed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  /* (const char *peer_id) */
  signals[CHILD_ADDED] = g_signal_new ("child-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[CHILD_REMOVED] =
    g_signal_new ("child-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* The tracker was told the parent is silent; it re-places us. */
  signals[PARENT_SILENT] = g_signal_new ("parent-silent", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* No parent has room for us (after the join, or our parent went): we wait
   * for stream.placed, keeping our children. */
  signals[WAITING] = g_signal_new ("waiting", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 0);
  /* (guint depth): our depth changed while our parent stayed (stream.depth). */
  signals[DEPTH_CHANGED] =
    g_signal_new ("depth-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* A graceful leave's hand-over is over: the node can go. */
  signals[LEFT] = g_signal_new ("left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                NULL, G_TYPE_NONE, 0);
}

static void
cascade_tree_node_init (CascadeTreeNode *self)
{
  self->max_children = 3;
}

/**
 * cascade_tree_node_new:
 * @relay: (nullable): feeds the children; NULL for a viewer that never relays
 */
CascadeTreeNode *
cascade_tree_node_new (const char *stream_id, CascadeViewer *viewer, CascadeRelay *relay)
{
  CascadeTreeNode *self;

  g_return_val_if_fail (stream_id != NULL, NULL);
  g_return_val_if_fail (CASCADE_IS_VIEWER (viewer), NULL);
  g_return_val_if_fail (relay == NULL || CASCADE_IS_RELAY (relay), NULL);

  self = g_object_new (CASCADE_TYPE_TREE_NODE, NULL);
  self->stream_id = g_strdup (stream_id);
  self->viewer = g_object_ref (viewer);
  g_signal_connect_object (viewer, "signal", G_CALLBACK (on_viewer_signal), self,
                           G_CONNECT_SWAPPED);
  if (relay != NULL)
    {
      self->relay = g_object_ref (relay);
      cascade_viewer_set_relay (viewer, relay);
      g_signal_connect_object (relay, "signal", G_CALLBACK (on_relay_signal), self,
                               G_CONNECT_SWAPPED);
    }
  self->health_source = g_timeout_add_seconds (HEALTH_PERIOD_S, report_health, self);
  self->silent_source = g_timeout_add (SILENT_CHECK_MS, check_silent, self);
  return self;
}

const char *
cascade_tree_node_get_stream_id (CascadeTreeNode *self)
{
  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), NULL);
  return self->stream_id;
}

const char *
cascade_tree_node_get_peer_id (CascadeTreeNode *self)
{
  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), NULL);
  return self->peer_id;
}

const char *
cascade_tree_node_get_parent_peer_id (CascadeTreeNode *self)
{
  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), NULL);
  return self->parent_peer_id;
}

guint
cascade_tree_node_get_depth (CascadeTreeNode *self)
{
  g_return_val_if_fail (CASCADE_IS_TREE_NODE (self), 0);
  return self->depth;
}
