/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include "cascade-peer-private.h"

/*
 * cascade-peer's watch and relay commands (issue 4): a viewer that plays (or,
 * with --no-playback, only forwards) and feeds up to --relay N children,
 * reporting its health to the tracker every 2 s, telling it when its parent
 * goes silent, and handing its children over when it is asked to stop.
 */

#define HEALTH_PERIOD_S 2
/* A parent that sent nothing for this long while connected is silent. */
#define SILENT_US (1500 * G_USEC_PER_SEC / 1000)
/* After stream.left, the old children are fed this long at most. */
#define HANDOVER_MS 3000
/* Before the stream's own bitrate is measured: the 720p30 preset's. */
#define DEFAULT_STREAM_KBPS 4000

static guint
wanted_capacity (Peer *peer)
{
  double kbps = peer->stream_kbps > 0 ? peer->stream_kbps : DEFAULT_STREAM_KBPS;

  if (peer->relay_children <= 0)
    return 0;
  return cascade_relay_compute_capacity ((guint) peer->relay_children,
                                         peer->upload_kbps > 0 ? (guint) peer->upload_kbps : 0,
                                         (guint) MAX (kbps, 1));
}

static guint
current_capacity (Peer *peer)
{
  guint capacity = 0;

  if (peer->relay != NULL)
    g_object_get (peer->relay, "capacity", &capacity, NULL);
  return capacity;
}

static void
send_join (Peer *peer)
{
  g_autoptr (JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "stream.join");
  json_object_set_string_member (message, "stream_id", peer->stream_id);
  json_object_set_int_member (message, "capacity", current_capacity (peer));
  cascade_realtime_send (peer->realtime, message);
}

/* ---- the viewer (upstream) ---- */

static void
viewer_signal (CascadeViewer *viewer, JsonObject *signal, Peer *peer)
{
  if (peer->parent_peer_id != NULL)
    _cascade_peer_send_signal (peer, peer->parent_peer_id, signal);
}

static void
leave_and_quit (Peer *peer, int status)
{
  _cascade_peer_send_simple (peer, "stream.leave");
  peer->status = status;
  g_main_loop_quit (peer->loop);
}

static void
viewer_frame (CascadeViewer *viewer, gint64 latency_us, Peer *peer)
{
  gint64 now = g_get_monotonic_time ();

  peer->frames++;
  if (peer->awaiting_resume)
    {
      peer->awaiting_resume = FALSE;
      _cascade_peer_emit (peer, "resumed", "gap_ms=%.0f",
                          peer->last_frame_us > 0 ? (now - peer->last_frame_us) / 1000.0 : -1);
    }
  peer->last_frame_us = now;
  if (latency_us < 0)
    return;
  peer->stamped++;
  if (peer->frames_wanted > 0 && peer->stamped >= (guint64) peer->frames_wanted)
    {
      _cascade_peer_emit (peer, "frames", "frames=%" G_GUINT64_FORMAT " latency_ms=%.1f",
                          peer->stamped, latency_us / 1000.0);
      leave_and_quit (peer, 0);
    }
}

static void
send_parent_silent (Peer *peer)
{
  if (peer->silent_reported || peer->stream_id == NULL || peer->parent_peer_id == NULL)
    return;
  peer->silent_reported = TRUE;
  _cascade_peer_send_simple (peer, "stream.parent_silent");
  _cascade_peer_emit (peer, "parent_silent", "parent_peer_id=%s", peer->parent_peer_id);
}

static void
viewer_state (CascadeViewer *viewer, GParamSpec *pspec, Peer *peer)
{
  CascadePeerState state = cascade_viewer_get_state (viewer);

  _cascade_peer_emit (peer, "state", "state=%s", cascade_peer_state_to_string (state));
  if (state == CASCADE_PEER_STATE_FAILED)
    send_parent_silent (peer);
}

static void
viewer_error (CascadeViewer *viewer, GError *error, Peer *peer)
{
  g_printerr ("cascade-peer: playback: %s\n", error->message);
  send_parent_silent (peer);
}

/* ---- the relay (downstream) ---- */

static void
relay_signal (CascadeRelay *relay, const char *child, JsonObject *signal, Peer *peer)
{
  _cascade_peer_send_signal (peer, child, signal);
}

static void
relay_child_state (CascadeRelay *relay, const char *child, CascadePeerState state, Peer *peer)
{
  _cascade_peer_emit (peer, "child", "peer_id=%s state=%s", child,
                      cascade_peer_state_to_string (state));
}

static void
on_child_added (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *child = _cascade_peer_member_string (message, "peer_id");
  g_autoptr (GError) error = NULL;

  if (!_cascade_peer_for_this_stream (peer, message) || child == NULL)
    return;
  if (peer->relay == NULL)
    {
      g_printerr ("cascade-peer: the tracker gave child %s to a viewer that does not relay\n",
                  child);
      return;
    }
  if (!cascade_relay_add_child (peer->relay, child, &error))
    {
      g_printerr ("cascade-peer: child %s: %s\n", child, error->message);
      return;
    }
  _cascade_peer_emit (peer, "child_added", "peer_id=%s", child);
}

static void
on_child_removed (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *child = _cascade_peer_member_string (message, "peer_id");

  if (!_cascade_peer_for_this_stream (peer, message) || child == NULL || peer->relay == NULL ||
      !cascade_relay_has_child (peer->relay, child))
    return;
  cascade_relay_remove_child (peer->relay, child);
  _cascade_peer_emit (peer, "child_removed", "peer_id=%s", child);
}

/* ---- reports ---- */

static void
measure_stream_rate (Peer *peer, const CascadeViewerHealth *health)
{
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - peer->rate_time_us) / (double) G_USEC_PER_SEC;

  if (peer->rate_time_us > 0 && seconds >= 1 && health->bytes_received > peer->rate_bytes &&
      health->receiving)
    {
      double kbps = (health->bytes_received - peer->rate_bytes) * 8 / 1000.0 / seconds;

      /* A slow average: key frames come in bursts. */
      peer->stream_kbps = peer->stream_kbps > 0 ? 0.8 * peer->stream_kbps + 0.2 * kbps : kbps;
    }
  peer->rate_bytes = health->bytes_received;
  peer->rate_time_us = now;
}

static gboolean
report_stats (gpointer user_data)
{
  Peer *peer = user_data;
  CascadeViewerStats stats;
  CascadeViewerHealth health;
  CascadeRelayStats relay_stats = { 0 };

  if (peer->viewer == NULL)
    return G_SOURCE_CONTINUE;
  cascade_viewer_get_stats (peer->viewer, &stats);
  cascade_viewer_get_health (peer->viewer, &health);
  if (peer->relay != NULL)
    cascade_relay_get_stats (peer->relay, &relay_stats);
  measure_stream_rate (peer, &health);
  _cascade_peer_emit (
    peer, "stats",
    "frames=%" G_GUINT64_FORMAT " stamped=%" G_GUINT64_FORMAT " latency_ms=%.1f "
    "first_frame_ms=%.0f children=%u capacity=%u relaying=%s bytes_received=%" G_GUINT64_FORMAT
    " bytes_sent=%" G_GUINT64_FORMAT " depth=%u loss=%.4f rtt_ms=%.1f receiving=%s "
    "upload_kbps=%.0f",
    peer->frames, peer->stamped, stats.latency_us >= 0 ? stats.latency_us / 1000.0 : -1,
    stats.first_frame_us >= 0 ? stats.first_frame_us / 1000.0 : -1, relay_stats.children,
    current_capacity (peer), relay_stats.connected > 0 ? "true" : "false", health.bytes_received,
    relay_stats.bytes_sent, peer->depth, health.loss, health.rtt_ms,
    health.receiving ? "true" : "false", relay_stats.upload_kbps);

  /* Connected, yet nothing from the parent for 1.5 s: it is silent. */
  if (stats.state == CASCADE_PEER_STATE_CONNECTED && health.last_packet_us > 0 &&
      g_get_monotonic_time () - health.last_packet_us > SILENT_US)
    send_parent_silent (peer);
  return G_SOURCE_CONTINUE;
}

static gboolean
report_health (gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (JsonObject) message = json_object_new ();
  CascadeViewerHealth health;

  if (peer->viewer == NULL || peer->stream_id == NULL || peer->peer_id == NULL)
    return G_SOURCE_CONTINUE;
  cascade_viewer_get_health (peer->viewer, &health);
  if (peer->relay != NULL)
    g_object_set (peer->relay, "max-children", wanted_capacity (peer), NULL);
  json_object_set_string_member (message, "type", "stream.health");
  json_object_set_string_member (message, "stream_id", peer->stream_id);
  json_object_set_int_member (message, "capacity", current_capacity (peer));
  json_object_set_int_member (message, "children",
                              peer->relay != NULL ? cascade_relay_get_n_children (peer->relay) : 0);
  json_object_set_double_member (message, "loss", health.loss);
  json_object_set_int_member (message, "rtt_ms", health.rtt_ms >= 0 ? (gint64) health.rtt_ms : 0);
  json_object_set_boolean_member (message, "receiving", health.receiving);
  cascade_realtime_send (peer->realtime, message);
  return G_SOURCE_CONTINUE;
}

/* ---- tracker messages ---- */

static void
on_placed (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *parent = _cascade_peer_member_string (message, "parent_peer_id");
  JsonNode *depth = json_object_get_member (message, "depth");

  if (!_cascade_peer_for_this_stream (peer, message))
    return;
  /* Re-placed: the next frame shown is the resumption after the move. */
  if (peer->times_placed > 0 && g_strcmp0 (parent, peer->parent_peer_id) != 0)
    peer->awaiting_resume = TRUE;
  peer->times_placed++;
  peer->silent_reported = FALSE;
  g_free (peer->peer_id);
  peer->peer_id = g_strdup (_cascade_peer_member_string (message, "peer_id"));
  g_free (peer->parent_peer_id);
  peer->parent_peer_id = g_strdup (parent);
  peer->depth = depth != NULL && JSON_NODE_HOLDS_VALUE (depth) &&
                    json_node_get_value_type (depth) == G_TYPE_INT64
                  ? (guint) CLAMP (json_node_get_int (depth), 0, G_MAXINT)
                  : 0;
  cascade_viewer_set_ice_servers (peer->viewer,
                                  _cascade_peer_member_array (message, "ice_servers"));
  if (peer->relay != NULL)
    cascade_relay_set_ice_servers (peer->relay,
                                   _cascade_peer_member_array (message, "ice_servers"));
  _cascade_peer_emit (peer, "placed", "stream_id=%s peer_id=%s parent_peer_id=%s depth=%u",
                      peer->stream_id, peer->peer_id != NULL ? peer->peer_id : "-",
                      peer->parent_peer_id != NULL ? peer->parent_peer_id : "-", peer->depth);
}

static void
on_signal_message (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *from = _cascade_peer_member_string (message, "from");
  g_autoptr (GError) error = NULL;

  if (!_cascade_peer_for_this_stream (peer, message) || from == NULL || peer->viewer == NULL)
    return;
  if (g_strcmp0 (from, peer->parent_peer_id) == 0)
    {
      if (!cascade_viewer_handle_signal (peer->viewer, message, &error))
        g_printerr ("cascade-peer: signal from the parent: %s\n", error->message);
    }
  else if (peer->relay != NULL && cascade_relay_has_child (peer->relay, from))
    {
      if (!cascade_relay_handle_signal (peer->relay, from, message, &error))
        g_printerr ("cascade-peer: signal from child %s: %s\n", from, error->message);
    }
}

static gboolean
handover_done (gpointer user_data)
{
  Peer *peer = user_data;

  peer->leave_source = 0;
  g_main_loop_quit (peer->loop);
  return G_SOURCE_REMOVE;
}

/* The tracker re-placed our children: feed them a little longer, so their
 * video never stops while they connect to their new parents. */
static void
on_left (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  if (!_cascade_peer_for_this_stream (peer, message) || !peer->leaving)
    return;
  _cascade_peer_emit (peer, "state", "state=left stream_id=%s", peer->stream_id);
  g_clear_handle_id (&peer->leave_source, g_source_remove);
  peer->leave_source = g_timeout_add (HANDOVER_MS, handover_done, peer);
}

static void
realtime_state_watch (CascadeRealtime *realtime, GParamSpec *pspec, Peer *peer)
{
  if (cascade_realtime_get_state (realtime) == CASCADE_REALTIME_STATE_CONNECTED &&
      peer->stream_id != NULL)
    send_join (peer);
}

/* ---- one stream ---- */

static void
stop_watching (Peer *peer)
{
  g_clear_handle_id (&peer->report_source, g_source_remove);
  g_clear_handle_id (&peer->health_source, g_source_remove);
  if (peer->viewer != NULL)
    {
      g_signal_handlers_disconnect_by_data (peer->viewer, peer);
      cascade_viewer_close (peer->viewer);
      cascade_viewer_set_relay (peer->viewer, NULL);
    }
  if (peer->relay != NULL)
    g_signal_handlers_disconnect_by_data (peer->relay, peer);
  g_clear_object (&peer->viewer);
  g_clear_object (&peer->relay);
  g_clear_pointer (&peer->stream_id, g_free);
  g_clear_pointer (&peer->parent_peer_id, g_free);
  peer->times_placed = 0;
  peer->depth = 0;
  peer->awaiting_resume = FALSE;
  peer->stream_kbps = 0;
  peer->rate_time_us = 0;
}

static void
connect_watch_handlers (Peer *peer)
{
  if (peer->watch_handlers)
    return;
  peer->watch_handlers = TRUE;
  g_signal_connect (peer->realtime, "message::stream.placed", G_CALLBACK (on_placed), peer);
  g_signal_connect (peer->realtime, "message::signal", G_CALLBACK (on_signal_message), peer);
  g_signal_connect (peer->realtime, "message::stream.child_added", G_CALLBACK (on_child_added),
                    peer);
  g_signal_connect (peer->realtime, "message::stream.child_removed", G_CALLBACK (on_child_removed),
                    peer);
  g_signal_connect (peer->realtime, "message::stream.left", G_CALLBACK (on_left), peer);
  g_signal_connect (peer->realtime, "notify::state", G_CALLBACK (realtime_state_watch), peer);
  _cascade_peer_connect_realtime (peer);
}

static void
begin_watch (Peer *peer, const char *stream_id)
{
  stop_watching (peer);
  peer->stream_id = g_strdup (stream_id);
  peer->viewer = cascade_viewer_new (NULL);
  g_object_set (peer->viewer, "local-address", peer->local_address, "playback", !peer->no_playback,
                "privacy", peer->privacy, "impair-delay-ms", (guint) MAX (peer->impair_delay_ms, 0),
                "impair-loss", peer->impair_loss, NULL);
  g_signal_connect (peer->viewer, "signal", G_CALLBACK (viewer_signal), peer);
  g_signal_connect (peer->viewer, "frame", G_CALLBACK (viewer_frame), peer);
  g_signal_connect (peer->viewer, "notify::state", G_CALLBACK (viewer_state), peer);
  g_signal_connect (peer->viewer, "error", G_CALLBACK (viewer_error), peer);
  if (wanted_capacity (peer) > 0)
    {
      peer->relay = cascade_relay_new ();
      g_object_set (peer->relay, "local-address", peer->local_address, "privacy", peer->privacy,
                    "max-children", wanted_capacity (peer), "impair-delay-ms",
                    (guint) MAX (peer->impair_delay_ms, 0), "impair-loss", peer->impair_loss, NULL);
      g_signal_connect (peer->relay, "signal", G_CALLBACK (relay_signal), peer);
      g_signal_connect (peer->relay, "child-state-changed", G_CALLBACK (relay_child_state), peer);
      cascade_viewer_set_relay (peer->viewer, peer->relay);
    }
  peer->report_source = g_timeout_add_seconds (1, report_stats, peer);
  peer->health_source = g_timeout_add_seconds (HEALTH_PERIOD_S, report_health, peer);
  if (cascade_realtime_get_state (peer->realtime) == CASCADE_REALTIME_STATE_CONNECTED)
    send_join (peer);
  connect_watch_handlers (peer);
}

/* ---- finding the stream ---- */

static void
live_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListStore) streams = NULL;

  peer->listing = FALSE;
  streams = cascade_client_list_live_streams_finish (CASCADE_CLIENT (source), result, &error);
  if (streams == NULL)
    {
      if (!peer->always_on)
        _cascade_peer_fail (peer, "listing live streams", error);
      else
        g_printerr ("cascade-peer: listing live streams: %s\n", error->message);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (streams)); i++)
    {
      g_autoptr (CascadeStream) stream = g_list_model_get_item (G_LIST_MODEL (streams), i);

      if (g_strcmp0 (cascade_stream_get_channel_username (stream), peer->target) == 0)
        {
          if (g_strcmp0 (peer->stream_id, cascade_stream_get_id (stream)) != 0)
            begin_watch (peer, cascade_stream_get_id (stream));
          return;
        }
    }
  if (peer->always_on)
    {
      _cascade_peer_emit (peer, "state", "state=waiting channel=%s", peer->target);
      return;
    }
  g_printerr ("cascade-peer: %s is neither a live stream nor a live channel\n", peer->target);
  peer->status = 1;
  g_main_loop_quit (peer->loop);
}

static void
list_live (Peer *peer)
{
  if (peer->listing)
    return;
  peer->listing = TRUE;
  cascade_client_list_live_streams_async (peer->client, NULL, live_listed, peer);
}

static void
stream_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (CascadeStream) stream = NULL;

  stream = cascade_client_get_stream_finish (CASCADE_CLIENT (source), result, NULL);
  if (stream != NULL && cascade_stream_get_live (stream))
    begin_watch (peer, cascade_stream_get_id (stream));
  else /* a channel's username, then */
    list_live (peer);
}

void
_cascade_peer_start_watch (Peer *peer)
{
  cascade_client_get_stream_async (peer->client, peer->target, NULL, stream_found, peer);
}

/* An always-on relay looks again whenever a stream starts or ends. */
static void
on_directory_changed (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  if (peer->stream_id == NULL)
    list_live (peer);
}

static void
realtime_state_relay (CascadeRealtime *realtime, GParamSpec *pspec, Peer *peer)
{
  if (cascade_realtime_get_state (realtime) == CASCADE_REALTIME_STATE_CONNECTED &&
      peer->stream_id == NULL)
    list_live (peer);
}

void
_cascade_peer_start_relay (Peer *peer)
{
  peer->always_on = TRUE;
  peer->no_playback = TRUE;
  g_signal_connect (peer->realtime, "message::directory.changed", G_CALLBACK (on_directory_changed),
                    peer);
  g_signal_connect (peer->realtime, "notify::state", G_CALLBACK (realtime_state_relay), peer);
  connect_watch_handlers (peer);
}

gboolean
_cascade_peer_watch_ended (Peer *peer)
{
  if (!peer->always_on)
    return FALSE;
  stop_watching (peer);
  list_live (peer);
  return TRUE;
}

gboolean
_cascade_peer_watch_quit (Peer *peer)
{
  g_autoptr (JsonObject) message = NULL;

  if (peer->leaving || peer->stream_id == NULL || peer->relay == NULL ||
      cascade_relay_get_n_children (peer->relay) == 0)
    {
      if (peer->stream_id != NULL)
        _cascade_peer_send_simple (peer, "stream.leave");
      return FALSE;
    }
  /* Hand the children over first (stream.left), then go. */
  peer->leaving = TRUE;
  message = json_object_new ();
  json_object_set_string_member (message, "type", "stream.leave");
  json_object_set_string_member (message, "stream_id", peer->stream_id);
  json_object_set_boolean_member (message, "handover", TRUE);
  cascade_realtime_send (peer->realtime, message);
  /* A tracker that never answers does not keep us here. */
  peer->leave_source = g_timeout_add (2 * HANDOVER_MS, handover_done, peer);
  return TRUE;
}

void
_cascade_peer_watch_clear (Peer *peer)
{
  g_clear_handle_id (&peer->leave_source, g_source_remove);
  stop_watching (peer);
}
