/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-streaming-realtime.h"

/*
 * The realtime face of the streaming context (docs/api.md, "Realtime"):
 * publish, join, leave and signal, mapped onto the tracker, and the
 * messages the context's changes send (stream.ended, stream.viewers,
 * directory.changed). The server relays signalling between peers the
 * tracker paired and never reads it beyond its shape. Main thread only.
 */

struct _CascadeStreamingRealtime
{
  GObject parent_instance;

  CascadeRealtimeHub *hub; /* weak: the hub owns us through its handler table */
  CascadeStreaming *streaming;
  CascadeStreamTracker *tracker;
};

G_DEFINE_FINAL_TYPE (CascadeStreamingRealtime, cascade_streaming_realtime, G_TYPE_OBJECT)

static const CascadeJsonMember stream_members[] = {
  { "stream_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember signal_members[] = {
  { "stream_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "to", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "sdp", CASCADE_JSON_OBJECT, CASCADE_JSON_OPTIONAL },
  { "ice", CASCADE_JSON_OBJECT, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember sdp_members[] = {
  { "type", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "sdp", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember ice_members[] = {
  { "candidate", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "sdp_mline_index", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { "sdp_mid", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static JsonObject *
message_new (const char *type, const char *stream_id)
{
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "type", type);
  json_object_set_string_member (message, "stream_id", stream_id);
  return message;
}

static void
send_and_free (CascadeStreamingRealtime *self, const char *connection_id, JsonObject *message)
{
  if (self->hub != NULL)
    cascade_realtime_hub_send (self->hub, connection_id, message);
  json_object_unref (message);
}

static void
error_to (CascadeStreamingRealtime *self,
          const CascadeRealtimeContext *context,
          const char *code,
          const char *text)
{
  cascade_realtime_hub_send_error (self->hub, context->connection_id, context->message_id, code,
                                   text);
}

/* stream.placed: where @peer receives from, with the ICE servers to use. */
static JsonObject *
placed_new (CascadeStreamingRealtime *self, const CascadeTrackerPeer *peer)
{
  JsonObject *message = message_new ("stream.placed", peer->stream_id);

  json_object_set_string_member (message, "peer_id", peer->peer_id);
  json_object_set_string_member (message, "parent_peer_id", peer->parent_peer_id);
  json_object_set_member (message, "ice_servers",
                          cascade_streaming_dup_ice_servers (self->streaming));
  return message;
}

static void
tell_parent (CascadeStreamingRealtime *self, const CascadeTrackerPeer *child, const char *type)
{
  const CascadeTrackerPeer *parent =
    cascade_stream_tracker_get_peer (self->tracker, child->parent_peer_id);
  JsonObject *message;

  if (parent == NULL)
    return;
  message = message_new (type, child->stream_id);
  json_object_set_string_member (message, "peer_id", child->peer_id);
  send_and_free (self, parent->connection_id, message);
}

static void
send_viewer_count (CascadeStreamingRealtime *self, const char *stream_id)
{
  const CascadeTrackerPeer *root = cascade_stream_tracker_get_root (self->tracker, stream_id);
  JsonObject *message;

  if (root == NULL)
    return;
  message = message_new ("stream.viewers", stream_id);
  json_object_set_int_member (message, "count",
                              cascade_stream_tracker_get_viewer_count (self->tracker, stream_id));
  send_and_free (self, root->connection_id, message);
}

/* Checks that a stream is live, for a message about it. */
static gboolean
check_live (CascadeStreamingRealtime *self,
            const CascadeRealtimeContext *context,
            const char *stream_id)
{
  if (cascade_stream_tracker_has_stream (self->tracker, stream_id))
    return TRUE;
  error_to (self, context, "not_found", "No live stream has this id.");
  return FALSE;
}

static void
on_publish (CascadeRealtimeHub *hub,
            const CascadeRealtimeContext *context,
            JsonObject *message,
            gpointer owner)
{
  CascadeStreamingRealtime *self = owner;
  const char *stream_id = json_object_get_string_member (message, "stream_id");
  g_autoptr (CascadeTrackerPeer) replaced = NULL;
  g_autoptr (GPtrArray) placed = NULL;
  const CascadeTrackerPeer *root;
  JsonObject *reply;

  if (!check_live (self, context, stream_id))
    return;
  if (g_strcmp0 (cascade_stream_tracker_get_owner (self->tracker, stream_id), context->user_id) !=
      0)
    {
      error_to (self, context, "not_owner", "Only the streamer can publish this stream.");
      return;
    }
  root = cascade_stream_tracker_set_root (self->tracker, stream_id, context->connection_id,
                                          &replaced, &placed);
  if (replaced != NULL)
    send_and_free (self, replaced->connection_id, message_new ("stream.unpublished", stream_id));

  reply = message_new ("stream.published", stream_id);
  json_object_set_string_member (reply, "peer_id", root->peer_id);
  json_object_set_member (reply, "ice_servers",
                          cascade_streaming_dup_ice_servers (self->streaming));
  cascade_realtime_hub_reply (hub, context, reply);
  json_object_unref (reply);
  cascade_streaming_set_publisher_present (self->streaming, stream_id, TRUE);

  for (guint i = 0; i < placed->len; i++)
    {
      CascadeTrackerPeer *child = g_ptr_array_index (placed, i);

      send_and_free (self, child->connection_id, placed_new (self, child));
      tell_parent (self, child, "stream.child_added");
    }
  send_viewer_count (self, stream_id);
}

static void
on_join (CascadeRealtimeHub *hub,
         const CascadeRealtimeContext *context,
         JsonObject *message,
         gpointer owner)
{
  CascadeStreamingRealtime *self = owner;
  const char *stream_id = json_object_get_string_member (message, "stream_id");
  const CascadeTrackerPeer *peer;
  JsonObject *reply;

  if (!check_live (self, context, stream_id))
    return;
  peer = cascade_stream_tracker_join (self->tracker, stream_id, context->connection_id);
  if (peer == NULL)
    {
      error_to (self, context, "already_joined",
                "This connection is in this stream already: leave it first.");
      return;
    }
  if (peer->parent_peer_id != NULL)
    reply = placed_new (self, peer);
  else
    {
      /* No streamer connected: the viewer waits, and is placed when one is. */
      reply = message_new ("stream.waiting", stream_id);
      json_object_set_string_member (reply, "peer_id", peer->peer_id);
    }
  cascade_realtime_hub_reply (hub, context, reply);
  json_object_unref (reply);
  if (peer->parent_peer_id != NULL)
    tell_parent (self, peer, "stream.child_added");
  send_viewer_count (self, stream_id);
}

/* Takes @connection_id's peer out of @stream_id and tells who must know. */
static gboolean
leave_stream (CascadeStreamingRealtime *self, const char *stream_id, const char *connection_id)
{
  g_autoptr (CascadeTrackerPeer) peer = NULL;
  g_autoptr (GPtrArray) orphans = NULL;

  peer = cascade_stream_tracker_leave (self->tracker, stream_id, connection_id, &orphans);
  if (peer == NULL)
    return FALSE;
  if (peer->is_root)
    {
      for (guint i = 0; i < orphans->len; i++)
        {
          CascadeTrackerPeer *orphan = g_ptr_array_index (orphans, i);
          JsonObject *message = message_new ("stream.parent_left", stream_id);

          json_object_set_string_member (message, "peer_id", peer->peer_id);
          send_and_free (self, orphan->connection_id, message);
        }
      cascade_streaming_set_publisher_present (self->streaming, stream_id, FALSE);
    }
  else
    tell_parent (self, peer, "stream.child_removed");
  send_viewer_count (self, stream_id);
  return TRUE;
}

static void
on_leave (CascadeRealtimeHub *hub,
          const CascadeRealtimeContext *context,
          JsonObject *message,
          gpointer owner)
{
  CascadeStreamingRealtime *self = owner;
  const char *stream_id = json_object_get_string_member (message, "stream_id");

  if (!leave_stream (self, stream_id, context->connection_id))
    error_to (self, context, "not_joined", "This connection is not in this stream.");
}

/* A signal carries exactly one of "sdp" (an offer or an answer) and "ice". */
static gboolean
check_signal_shape (JsonObject *message, const char **field, GError **error)
{
  JsonNode *sdp = json_object_get_member (message, "sdp");
  JsonNode *ice = json_object_get_member (message, "ice");
  gboolean has_sdp = sdp != NULL && JSON_NODE_HOLDS_OBJECT (sdp);
  gboolean has_ice = ice != NULL && JSON_NODE_HOLDS_OBJECT (ice);
  const char *type;

  if (has_sdp == has_ice)
    {
      *field = "sdp";
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MISSING_FIELD,
                           "A signal carries either “sdp” or “ice”.");
      return FALSE;
    }
  if (has_ice)
    return cascade_json_validate_object (json_node_get_object (ice), ice_members, field, error);
  if (!cascade_json_validate_object (json_node_get_object (sdp), sdp_members, field, error))
    return FALSE;
  type = json_object_get_string_member (json_node_get_object (sdp), "type");
  if (g_strcmp0 (type, "offer") != 0 && g_strcmp0 (type, "answer") != 0)
    {
      *field = "type";
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                           "“sdp.type” must be “offer” or “answer”.");
      return FALSE;
    }
  return TRUE;
}

static void
on_signal (CascadeRealtimeHub *hub,
           const CascadeRealtimeContext *context,
           JsonObject *message,
           gpointer owner)
{
  CascadeStreamingRealtime *self = owner;
  const char *stream_id = json_object_get_string_member (message, "stream_id");
  const char *to = json_object_get_string_member (message, "to");
  const CascadeTrackerPeer *sender;
  const CascadeTrackerPeer *target;
  g_autoptr (GError) error = NULL;
  g_autoptr (GList) members = NULL;
  const char *field = NULL;
  JsonObject *relayed;

  if (!check_signal_shape (message, &field, &error))
    {
      guint status;
      const char *code;
      const char *table_field;

      cascade_server_error_describe (error, &status, &code, &table_field);
      error_to (self, context, code, error->message);
      return;
    }
  sender = cascade_stream_tracker_find_peer (self->tracker, stream_id, context->connection_id);
  target = cascade_stream_tracker_get_peer (self->tracker, to);
  if (sender == NULL || target == NULL ||
      !cascade_stream_tracker_are_paired (self->tracker, sender->peer_id, to))
    {
      error_to (self, context, "not_paired",
                "You can only signal the peers the server put you together with.");
      return;
    }

  relayed = json_object_new ();
  members = json_object_get_members (message);
  for (GList *l = members; l != NULL; l = l->next)
    if (g_strcmp0 (l->data, "to") != 0)
      json_object_set_member (relayed, l->data,
                              json_node_copy (json_object_get_member (message, l->data)));
  json_object_set_string_member (relayed, "from", sender->peer_id);
  send_and_free (self, target->connection_id, relayed);
}

static const CascadeRealtimeHandler streaming_handlers[] = {
  { "stream.publish", stream_members, on_publish },
  { "stream.join", stream_members, on_join },
  { "stream.leave", stream_members, on_leave },
  { "signal", signal_members, on_signal },
};

static void
on_connection_closed (CascadeRealtimeHub *hub,
                      const char *connection_id,
                      const char *user_id,
                      gpointer user_data)
{
  CascadeStreamingRealtime *self = user_data;
  g_auto (GStrv) streams =
    cascade_stream_tracker_dup_streams_of_connection (self->tracker, connection_id);

  for (guint i = 0; streams[i] != NULL; i++)
    leave_stream (self, streams[i], connection_id);
}

static void
broadcast_directory_changed (CascadeStreamingRealtime *self)
{
  g_autoptr (JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "directory.changed");
  if (self->hub != NULL)
    cascade_realtime_hub_broadcast (self->hub, message);
}

static void
on_stream_started (CascadeStreaming *streaming, const char *stream_id, gpointer user_data)
{
  broadcast_directory_changed (user_data);
}

static void
on_stream_ended (CascadeStreaming *streaming, const char *stream_id, gpointer user_data)
{
  CascadeStreamingRealtime *self = user_data;
  g_autoptr (GPtrArray) peers = cascade_stream_tracker_dup_peers (self->tracker, stream_id);
  g_autoptr (GHashTable) told = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < peers->len; i++)
    {
      CascadeTrackerPeer *peer = g_ptr_array_index (peers, i);

      if (!g_hash_table_add (told, peer->connection_id))
        continue;
      send_and_free (self, peer->connection_id, message_new ("stream.ended", stream_id));
    }
  broadcast_directory_changed (self);
}

static void
cascade_streaming_realtime_dispose (GObject *object)
{
  CascadeStreamingRealtime *self = CASCADE_STREAMING_REALTIME (object);

  if (self->hub != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->hub), (gpointer *) &self->hub);
  self->hub = NULL;
  g_clear_object (&self->tracker);
  g_clear_object (&self->streaming);

  G_OBJECT_CLASS (cascade_streaming_realtime_parent_class)->dispose (object);
}

static void
cascade_streaming_realtime_class_init (CascadeStreamingRealtimeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cascade_streaming_realtime_dispose;
}

static void
cascade_streaming_realtime_init (CascadeStreamingRealtime *self)
{
}

/**
 * cascade_streaming_realtime_install:
 *
 * Adds the streaming messages to @hub and sends what the context's changes
 * mean to the connected clients.
 *
 * Returns: (transfer none): the mapping, owned by @hub
 */
CascadeStreamingRealtime *
cascade_streaming_realtime_install (CascadeRealtimeHub *hub, CascadeStreaming *streaming)
{
  g_autoptr (CascadeStreamingRealtime) self = NULL;

  g_return_val_if_fail (CASCADE_IS_REALTIME_HUB (hub), NULL);
  g_return_val_if_fail (CASCADE_IS_STREAMING (streaming), NULL);

  self = g_object_new (CASCADE_TYPE_STREAMING_REALTIME, NULL);
  self->hub = hub;
  g_object_add_weak_pointer (G_OBJECT (hub), (gpointer *) &self->hub);
  self->streaming = g_object_ref (streaming);
  self->tracker = g_object_ref (cascade_streaming_get_tracker (streaming));

  cascade_realtime_hub_add_handlers (hub, streaming_handlers, G_N_ELEMENTS (streaming_handlers),
                                     self);
  g_signal_connect_object (hub, "connection-closed", G_CALLBACK (on_connection_closed), self, 0);
  g_signal_connect_object (streaming, "stream-started", G_CALLBACK (on_stream_started), self, 0);
  g_signal_connect_object (streaming, "stream-ended", G_CALLBACK (on_stream_ended), self, 0);
  return self; /* the hub's handler table holds it */
}
