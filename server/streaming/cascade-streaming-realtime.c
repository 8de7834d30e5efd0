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
  GHashTable *sent_summaries; /* stream id → the CascadeTrackerSummary last sent */
  guint tick_source;
};

G_DEFINE_FINAL_TYPE (CascadeStreamingRealtime, cascade_streaming_realtime, G_TYPE_OBJECT)

static const CascadeJsonMember stream_members[] = {
  { "stream_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember publish_members[] = {
  { "stream_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "max_viewers", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember join_members[] = {
  { "stream_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "capacity", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember leave_members[] = {
  { "stream_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "handover", CASCADE_JSON_BOOLEAN, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember health_members[] = {
  { "stream_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "capacity", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { "children", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { "loss", CASCADE_JSON_NUMBER, CASCADE_JSON_OPTIONAL },
  { "rtt_ms", CASCADE_JSON_NUMBER, CASCADE_JSON_OPTIONAL },
  { "receiving", CASCADE_JSON_BOOLEAN, CASCADE_JSON_OPTIONAL },
  { "children_rtt_ms", CASCADE_JSON_OBJECT, CASCADE_JSON_OPTIONAL },
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

/* A message about one peer of a stream. */
static JsonObject *
peer_message_new (const char *type, const char *stream_id, const char *peer_id)
{
  JsonObject *message = message_new (type, stream_id);

  json_object_set_string_member (message, "peer_id", peer_id);
  return message;
}

static void
send_and_free (CascadeStreamingRealtime *self, const char *connection_id, JsonObject *message)
{
  if (self->hub != NULL)
    cascade_realtime_hub_send (self->hub, connection_id, message);
  json_object_unref (message);
}

/* @message (taken) as the reply to @context's message. */
static void
reply_and_free (CascadeStreamingRealtime *self,
                const CascadeRealtimeContext *context,
                JsonObject *message)
{
  if (self->hub != NULL)
    cascade_realtime_hub_reply (self->hub, context, message);
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

/* An integer member in [0, @max] (larger values are taken as @max), or
 * @fallback when absent; FALSE (after an invalid_value error) when negative. */
static gboolean
get_count (CascadeStreamingRealtime *self,
           const CascadeRealtimeContext *context,
           JsonObject *message,
           const char *member,
           guint max,
           guint fallback,
           guint *out_value)
{
  gint64 value;

  if (!json_object_has_member (message, member))
    {
      *out_value = fallback;
      return TRUE;
    }
  value = json_object_get_int_member (message, member);
  if (value < 0)
    {
      g_autofree char *text = g_strdup_printf ("“%s” cannot be negative.", member);

      cascade_realtime_hub_send_error_field (self->hub, context->connection_id, context->message_id,
                                             "invalid_value", text, member);
      return FALSE;
    }
  *out_value = (guint) MIN (value, (gint64) max);
  return TRUE;
}

/* stream.placed: where @peer receives from, with the ICE servers to use. */
static JsonObject *
placed_new (CascadeStreamingRealtime *self, const CascadeTrackerPeer *peer)
{
  JsonObject *message = peer_message_new ("stream.placed", peer->stream_id, peer->peer_id);

  json_object_set_string_member (message, "parent_peer_id", peer->parent_peer_id);
  json_object_set_int_member (message, "depth", peer->depth);
  json_object_set_member (message, "ice_servers",
                          cascade_streaming_dup_ice_servers (self->streaming, peer->user_id));
  return message;
}

static void
tell_parent (CascadeStreamingRealtime *self, const CascadeTrackerPeer *child, const char *type)
{
  const CascadeTrackerPeer *parent =
    cascade_stream_tracker_get_peer (self->tracker, child->parent_peer_id);

  if (parent != NULL)
    send_and_free (self, parent->connection_id,
                   peer_message_new (type, child->stream_id, child->peer_id));
}

/* stream.viewers to the streamer: how many watch, how many relay, how deep
 * the tree is; with @only_changes, only when that changed since last time. */
static void
send_viewer_count (CascadeStreamingRealtime *self, const char *stream_id, gboolean only_changes)
{
  const CascadeTrackerPeer *root = cascade_stream_tracker_get_root (self->tracker, stream_id);
  CascadeTrackerSummary summary = cascade_stream_tracker_get_summary (self->tracker, stream_id);
  CascadeTrackerSummary *sent = g_hash_table_lookup (self->sent_summaries, stream_id);
  JsonObject *message;

  if (root == NULL)
    return;
  if (only_changes && sent != NULL && memcmp (sent, &summary, sizeof summary) == 0)
    return;
  g_hash_table_replace (self->sent_summaries, g_strdup (stream_id),
                        g_memdup2 (&summary, sizeof summary));
  message = message_new ("stream.viewers", stream_id);
  json_object_set_int_member (message, "count", summary.viewers);
  json_object_set_int_member (message, "depth", summary.depth);
  json_object_set_int_member (message, "relays", summary.relays);
  send_and_free (self, root->connection_id, message);
}

/* stream.depth to each viewer of @stream_id whose depth changed because a
 * subtree above it moved (the moved ones had stream.placed). */
static void
tell_depths (CascadeStreamingRealtime *self, const char *stream_id)
{
  g_autoptr (GPtrArray) changed =
    cascade_stream_tracker_take_depth_changes (self->tracker, stream_id);

  for (guint i = 0; i < changed->len; i++)
    {
      const CascadeTrackerPeer *peer = g_ptr_array_index (changed, i);
      JsonObject *message = peer_message_new ("stream.depth", stream_id, peer->peer_id);

      json_object_set_int_member (message, "depth", peer->depth);
      send_and_free (self, peer->connection_id, message);
    }
}

/* Tells everyone a list of moves concerns: each viewer moved gets
 * stream.placed (or stream.parent_left: it waits), its old parent (unless
 * that is @quiet_peer_id, handing over) stream.child_removed, its new one
 * stream.child_added; then the viewers below them stream.depth. The move of
 * @context's own peer, if any, is the reply to @context's message. */
static void
tell_moves (CascadeStreamingRealtime *self,
            GPtrArray *moves,
            const CascadeRealtimeContext *context,
            const char *quiet_peer_id)
{
  for (guint i = 0; i < moves->len; i++)
    {
      CascadeTrackerMove *move = g_ptr_array_index (moves, i);
      const CascadeTrackerPeer *peer = move->peer;
      const CascadeTrackerPeer *old_parent =
        cascade_stream_tracker_get_peer (self->tracker, move->old_parent_peer_id);
      JsonObject *message;

      if (old_parent != NULL && g_strcmp0 (old_parent->peer_id, quiet_peer_id) != 0)
        send_and_free (self, old_parent->connection_id,
                       peer_message_new ("stream.child_removed", peer->stream_id, peer->peer_id));
      if (peer->parent_peer_id == NULL)
        {
          message =
            peer_message_new ("stream.parent_left", peer->stream_id, move->old_parent_peer_id);
          send_and_free (self, peer->connection_id, message);
          continue;
        }
      message = placed_new (self, peer);
      if (context != NULL && g_strcmp0 (context->connection_id, peer->connection_id) == 0)
        {
          reply_and_free (self, context, message);
        }
      else
        send_and_free (self, peer->connection_id, message);
      tell_parent (self, peer, "stream.child_added");
    }
  /* Then the viewers below the moved ones (after their own moves, so each
   * depth a peer hears is its latest). */
  for (guint i = 0; i < moves->len; i++)
    {
      CascadeTrackerMove *move = g_ptr_array_index (moves, i);
      gboolean seen = FALSE;

      for (guint j = 0; j < i && !seen; j++)
        seen = g_str_equal (((CascadeTrackerMove *) g_ptr_array_index (moves, j))->peer->stream_id,
                            move->peer->stream_id);
      if (!seen)
        tell_depths (self, move->peer->stream_id);
    }
}

/* One stream.* message being handled: the stream it names, and the moves
 * the tracker's change for it makes. Every stream handler starts here. */
typedef struct
{
  CascadeStreamingRealtime *self;
  const CascadeRealtimeContext *context;
  const char *stream_id;
  GPtrArray *moves;
} StreamCall;

static StreamCall
stream_call_init (gpointer owner, const CascadeRealtimeContext *context, JsonObject *message)
{
  return (StreamCall){ owner, context, json_object_get_string_member (message, "stream_id"),
                       cascade_tracker_moves_new () };
}

static void
stream_call_clear (StreamCall *call)
{
  g_clear_pointer (&call->moves, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (StreamCall, stream_call_clear)

/* Checks that the call's stream is live. */
static gboolean
stream_call_check_live (StreamCall *call)
{
  if (cascade_stream_tracker_has_stream (call->self->tracker, call->stream_id))
    return TRUE;
  error_to (call->self, call->context, "not_found", "No live stream has this id.");
  return FALSE;
}

static void
stream_call_not_joined (StreamCall *call)
{
  error_to (call->self, call->context, "not_joined", "This connection is not in this stream.");
}

/* After a tracker change: tells everyone its moves concern, then the streamer
 * the count (with @only_changes, only when it changed). */
static void
tell_change (CascadeStreamingRealtime *self,
             const char *stream_id,
             GPtrArray *moves,
             gboolean only_changes)
{
  tell_moves (self, moves, NULL, NULL);
  send_viewer_count (self, stream_id, only_changes);
}

/* Ends a call whose tracker change @joined tells whether the connection was
 * in the stream: the not_joined error, or the change told. */
static void
stream_call_finish (StreamCall *call, gboolean joined)
{
  if (!joined)
    stream_call_not_joined (call);
  else
    tell_change (call->self, call->stream_id, call->moves, TRUE);
}

static void
on_publish (CascadeRealtimeHub *hub,
            const CascadeRealtimeContext *context,
            JsonObject *message,
            gpointer owner)
{
  g_auto (StreamCall) call = stream_call_init (owner, context, message);
  CascadeStreamingRealtime *self = call.self;
  g_autoptr (CascadeTrackerPeer) replaced = NULL;
  const CascadeTrackerPeer *root;
  JsonObject *reply;
  guint capacity;

  if (!stream_call_check_live (&call))
    return;
  if (g_strcmp0 (cascade_stream_tracker_get_owner (self->tracker, call.stream_id),
                 context->user_id) != 0)
    {
      error_to (self, context, "not_owner", "Only the streamer can publish this stream.");
      return;
    }
  if (!get_count (self, context, message, "max_viewers", CASCADE_TRACKER_MAX_ROOT_CAPACITY,
                  CASCADE_TRACKER_DEFAULT_ROOT_CAPACITY, &capacity))
    return;
  root = cascade_stream_tracker_set_root (self->tracker, call.stream_id, context->connection_id,
                                          context->user_id, capacity, &replaced, call.moves);
  if (replaced != NULL)
    send_and_free (self, replaced->connection_id,
                   message_new ("stream.unpublished", call.stream_id));

  reply = peer_message_new ("stream.published", call.stream_id, root->peer_id);
  json_object_set_member (reply, "ice_servers",
                          cascade_streaming_dup_ice_servers (self->streaming, context->user_id));
  reply_and_free (self, context, reply);
  cascade_streaming_set_publisher_present (self->streaming, call.stream_id, TRUE);

  tell_change (self, call.stream_id, call.moves, FALSE);
}

static void
on_join (CascadeRealtimeHub *hub,
         const CascadeRealtimeContext *context,
         JsonObject *message,
         gpointer owner)
{
  g_auto (StreamCall) call = stream_call_init (owner, context, message);
  CascadeStreamingRealtime *self = call.self;
  const CascadeTrackerPeer *peer;
  guint capacity;

  if (!stream_call_check_live (&call) ||
      !get_count (self, context, message, "capacity", CASCADE_TRACKER_MAX_CAPACITY, 0, &capacity))
    return;
  peer = cascade_stream_tracker_join (self->tracker, call.stream_id, context->connection_id,
                                      context->user_id, capacity, call.moves);
  if (peer == NULL)
    {
      error_to (self, context, "already_joined",
                "This connection is in this stream already: leave it first.");
      return;
    }
  if (peer->parent_peer_id == NULL)
    {
      /* No free slot (or no streamer connected): the viewer waits, and is
       * placed when one frees up. */
      reply_and_free (self, context,
                      peer_message_new ("stream.waiting", call.stream_id, peer->peer_id));
    }
  tell_moves (self, call.moves, context, NULL);
  send_viewer_count (self, call.stream_id, FALSE);
}

/* Takes @connection_id's peer out of @stream_id and tells who must know. */
static gboolean
leave_stream (CascadeStreamingRealtime *self, const char *stream_id, const char *connection_id)
{
  g_autoptr (CascadeTrackerPeer) peer = NULL;
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();

  peer = cascade_stream_tracker_leave (self->tracker, stream_id, connection_id, moves);
  if (peer == NULL)
    return FALSE;
  if (peer->is_root)
    cascade_streaming_set_publisher_present (self->streaming, stream_id, FALSE);
  else
    tell_parent (self, peer, "stream.child_removed");
  tell_change (self, stream_id, moves, FALSE);
  return TRUE;
}

static void
on_leave (CascadeRealtimeHub *hub,
          const CascadeRealtimeContext *context,
          JsonObject *message,
          gpointer owner)
{
  g_auto (StreamCall) call = stream_call_init (owner, context, message);
  CascadeStreamingRealtime *self = call.self;
  const CascadeTrackerPeer *peer;

  if (!json_object_get_boolean_member_with_default (message, "handover", FALSE))
    {
      if (!leave_stream (self, call.stream_id, context->connection_id))
        stream_call_not_joined (&call);
      return;
    }
  /* Graceful: its children go under new parents first, then it leaves. */
  peer = cascade_stream_tracker_find_peer (self->tracker, call.stream_id, context->connection_id);
  if (peer == NULL || !cascade_stream_tracker_hand_over (self->tracker, call.stream_id,
                                                         context->connection_id, call.moves))
    {
      stream_call_not_joined (&call);
      return;
    }
  tell_moves (self, call.moves, NULL, peer->peer_id);
  leave_stream (self, call.stream_id, context->connection_id);
  reply_and_free (self, context, message_new ("stream.left", call.stream_id));
}

#define MAX_RTT_MS 3600000.0

/* A round trip in whole milliseconds, rounded up: a measured one (a fraction
 * of a millisecond on loopback) is never 0. */
static gboolean
rtt_ms_from_node (JsonNode *node, gint *out_rtt_ms)
{
  double rtt;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      (json_node_get_value_type (node) != G_TYPE_INT64 &&
       json_node_get_value_type (node) != G_TYPE_DOUBLE))
    return FALSE;
  rtt = json_node_get_double (node);
  if (!(rtt >= 0.0 && rtt <= MAX_RTT_MS))
    return FALSE;
  *out_rtt_ms = (gint) rtt;
  if (*out_rtt_ms < rtt)
    (*out_rtt_ms)++;
  return TRUE;
}

/* children_rtt_ms: {child peer id: round trip in ms}, or NULL (after an
 * invalid_value error) when a value is not a number of milliseconds. */
static GHashTable *
get_children_rtt (CascadeRealtimeHub *hub,
                  const CascadeRealtimeContext *context,
                  JsonObject *message,
                  gboolean *out_valid)
{
  g_autoptr (GHashTable) rtts = NULL;
  JsonObjectIter iter;
  const char *peer_id;
  JsonNode *node;

  *out_valid = TRUE;
  if (!json_object_has_member (message, "children_rtt_ms"))
    return NULL;
  rtts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  json_object_iter_init (&iter, json_object_get_object_member (message, "children_rtt_ms"));
  while (json_object_iter_next (&iter, &peer_id, &node))
    {
      gint rtt;

      if (!rtt_ms_from_node (node, &rtt))
        {
          cascade_realtime_hub_send_error_field (
            hub, context->connection_id, context->message_id, "invalid_value",
            "“children_rtt_ms” maps child peer ids to numbers of milliseconds.", "children_rtt_ms");
          *out_valid = FALSE;
          return NULL;
        }
      g_hash_table_insert (rtts, g_strdup (peer_id), GUINT_TO_POINTER ((guint) rtt));
    }
  return g_steal_pointer (&rtts);
}

static void
on_health (CascadeRealtimeHub *hub,
           const CascadeRealtimeContext *context,
           JsonObject *message,
           gpointer owner)
{
  g_auto (StreamCall) call = stream_call_init (owner, context, message);
  CascadeTrackerHealth health = { -1, 0.0, -1, TRUE, NULL };
  g_autoptr (GHashTable) children_rtt = NULL;
  double loss = json_object_get_double_member_with_default (message, "loss", 0.0);
  JsonNode *rtt = json_object_get_member (message, "rtt_ms");
  gboolean valid;
  guint capacity;

  if (!(loss >= 0.0 && loss <= 1.0) || (rtt != NULL && !rtt_ms_from_node (rtt, &health.rtt_ms)))
    {
      const char *field = loss >= 0.0 && loss <= 1.0 ? "rtt_ms" : "loss";

      cascade_realtime_hub_send_error_field (
        hub, context->connection_id, context->message_id, "invalid_value",
        "“loss” is a fraction from 0 to 1 and “rtt_ms” a number of milliseconds.", field);
      return;
    }
  children_rtt = get_children_rtt (hub, context, message, &valid);
  if (!valid)
    return;
  if (!get_count (call.self, context, message, "capacity", CASCADE_TRACKER_MAX_ROOT_CAPACITY,
                  G_MAXUINT, &capacity))
    return;
  health.capacity = capacity == G_MAXUINT ? -1 : (gint) capacity;
  health.loss = loss;
  health.receiving = json_object_get_boolean_member_with_default (message, "receiving", TRUE);
  health.children_rtt_ms = children_rtt;
  stream_call_finish (
    &call, cascade_stream_tracker_report_health (call.self->tracker, call.stream_id,
                                                 context->connection_id, &health, call.moves));
}

static void
on_parent_silent (CascadeRealtimeHub *hub,
                  const CascadeRealtimeContext *context,
                  JsonObject *message,
                  gpointer owner)
{
  g_auto (StreamCall) call = stream_call_init (owner, context, message);

  stream_call_finish (&call,
                      cascade_stream_tracker_parent_silent (call.self->tracker, call.stream_id,
                                                            context->connection_id, call.moves));
}

/* Once a second: parents whose health reports stopped are dropped, and
 * viewers waiting for a slot that opened are placed. */
static gboolean
on_tick (gpointer user_data)
{
  CascadeStreamingRealtime *self = user_data;
  g_autoptr (GPtrArray) moves = cascade_tracker_moves_new ();
  g_auto (GStrv) streams = NULL;

  cascade_stream_tracker_expire (self->tracker, moves);
  tell_moves (self, moves, NULL, NULL);
  streams = cascade_stream_tracker_dup_stream_ids (self->tracker);
  for (guint i = 0; streams[i] != NULL; i++)
    send_viewer_count (self, streams[i], TRUE);
  return G_SOURCE_CONTINUE;
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
  { "stream.publish", publish_members, on_publish },
  { "stream.join", join_members, on_join },
  { "stream.leave", leave_members, on_leave },
  { "stream.health", health_members, on_health },
  { "stream.parent_silent", stream_members, on_parent_silent },
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
  g_hash_table_remove (self->sent_summaries, stream_id);
  broadcast_directory_changed (self);
}

static void
cascade_streaming_realtime_dispose (GObject *object)
{
  CascadeStreamingRealtime *self = CASCADE_STREAMING_REALTIME (object);

  if (self->hub != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->hub), (gpointer *) &self->hub);
  self->hub = NULL;
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_pointer (&self->sent_summaries, g_hash_table_unref);
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
  self->sent_summaries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
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
  self->tick_source = g_timeout_add_seconds (1, on_tick, self);
  return self; /* the hub's handler table holds it */
}
