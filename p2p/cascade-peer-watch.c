/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>

#include "cascade-peer-private.h"

/*
 * cascade-peer's watch and relay commands (issue 4): a viewer that plays (or,
 * with --no-playback, only forwards) and feeds up to --relay N children. Its
 * place in the tree is a CascadeTreeNode, as in the app: health reports,
 * silent parents, re-placement and the hand-over of its children on SIGTERM.
 */

/* ---- the viewer ---- */

/* Frames this far apart mean the video froze (9 frames at 30 fps): the next
 * one is a resumption, whatever froze it (a re-placement of this viewer, or
 * of a relay above it that it kept as its parent). */
#define STALL_US (300 * G_USEC_PER_SEC / 1000)

static void
leave_and_quit (Peer *peer, int status)
{
  if (peer->node != NULL)
    cascade_tree_node_leave (peer->node, FALSE);
  peer->status = status;
  g_main_loop_quit (peer->loop);
}

static void
viewer_frame (CascadeViewer *viewer, gint64 latency_us, Peer *peer)
{
  gint64 now = g_get_monotonic_time ();

  peer->frames++;
  if (peer->awaiting_resume || (peer->last_frame_us > 0 && now - peer->last_frame_us >= STALL_US))
    {
      peer->awaiting_resume = FALSE;
      _cascade_peer_emit (peer, "resumed", "gap_ms=%.0f",
                          peer->last_frame_us > 0 ? (now - peer->last_frame_us) / 1000.0 : -1);
    }
  peer->last_frame_us = now;
  if (latency_us < 0)
    return;
  peer->stamped++;
  if (peer->latencies == NULL)
    peer->latencies = g_string_new (NULL);
  g_string_append_printf (peer->latencies, "%s%.1f", peer->latencies->len > 0 ? "," : "",
                          latency_us / 1000.0);
  if (peer->frames_wanted > 0 && peer->stamped >= (guint64) peer->frames_wanted)
    {
      _cascade_peer_emit (peer, "frames", "frames=%" G_GUINT64_FORMAT " latency_ms=%.1f",
                          peer->stamped, latency_us / 1000.0);
      leave_and_quit (peer, 0);
    }
}

static void
viewer_state (CascadeViewer *viewer, GParamSpec *pspec, Peer *peer)
{
  _cascade_peer_emit (peer, "state", "state=%s",
                      cascade_peer_state_to_string (cascade_viewer_get_state (viewer)));
}

static void
viewer_error (CascadeViewer *viewer, GError *error, Peer *peer)
{
  g_printerr ("cascade-peer: playback: %s\n", error->message);
}

static void
relay_child_state (CascadeRelay *relay, const char *child, CascadePeerState state, Peer *peer)
{
  _cascade_peer_emit (peer, "child", "peer_id=%s state=%s", child,
                      cascade_peer_state_to_string (state));
}

/* ---- the place in the tree ---- */

static void
node_send (CascadeTreeNode *node, JsonObject *message, Peer *peer)
{
  cascade_realtime_send (peer->realtime, message);
}

static const char *
or_dash (const char *text)
{
  return text != NULL ? text : "-";
}

static void
node_placed (CascadeTreeNode *node, gboolean replaced, Peer *peer)
{
  /* Re-placed: the next frame shown is the resumption after the move. */
  if (replaced)
    peer->awaiting_resume = TRUE;
  _cascade_peer_emit (peer, "placed", "stream_id=%s peer_id=%s parent_peer_id=%s depth=%u",
                      peer->stream_id, or_dash (cascade_tree_node_get_peer_id (node)),
                      or_dash (cascade_tree_node_get_parent_peer_id (node)),
                      cascade_tree_node_get_depth (node));
}

static void
node_waiting (CascadeTreeNode *node, Peer *peer)
{
  _cascade_peer_emit (peer, "waiting", "stream_id=%s peer_id=%s depth=%u", peer->stream_id,
                      or_dash (cascade_tree_node_get_peer_id (node)),
                      cascade_tree_node_get_depth (node));
}

static void
node_depth_changed (CascadeTreeNode *node, guint depth, Peer *peer)
{
  _cascade_peer_emit (peer, "depth", "depth=%u", depth);
}

static void
node_child_added (CascadeTreeNode *node, const char *child, Peer *peer)
{
  _cascade_peer_emit (peer, "child_added", "peer_id=%s", child);
}

static void
node_child_removed (CascadeTreeNode *node, const char *child, Peer *peer)
{
  _cascade_peer_emit (peer, "child_removed", "peer_id=%s", child);
}

static void
node_parent_silent (CascadeTreeNode *node, Peer *peer)
{
  _cascade_peer_emit (peer, "parent_silent", "parent_peer_id=%s",
                      or_dash (cascade_tree_node_get_parent_peer_id (node)));
}

static void
node_left (CascadeTreeNode *node, Peer *peer)
{
  _cascade_peer_emit (peer, "state", "state=left stream_id=%s", peer->stream_id);
  g_main_loop_quit (peer->loop);
}

static void
on_message (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  if (peer->node != NULL)
    cascade_tree_node_handle_message (peer->node, message);
}

static gboolean
report_stats (gpointer user_data)
{
  Peer *peer = user_data;
  CascadeViewerStats stats;
  CascadeViewerHealth health;
  CascadeRelayStats relay_stats = { 0 };

  if (peer->node == NULL)
    return G_SOURCE_CONTINUE;
  cascade_viewer_get_stats (peer->viewer, &stats);
  cascade_viewer_get_health (peer->viewer, &health);
  if (peer->relay != NULL)
    cascade_relay_get_stats (peer->relay, &relay_stats);
  _cascade_peer_emit (
    peer, "stats",
    "frames=%" G_GUINT64_FORMAT " stamped=%" G_GUINT64_FORMAT " latency_ms=%.1f "
    "first_frame_ms=%.0f children=%u capacity=%u relaying=%s bytes_received=%" G_GUINT64_FORMAT
    " bytes_sent=%" G_GUINT64_FORMAT " depth=%u loss=%.4f rtt_ms=%.1f receiving=%s "
    "upload_kbps=%.0f latencies_ms=%s",
    peer->frames, peer->stamped, stats.latency_us >= 0 ? stats.latency_us / 1000.0 : -1,
    stats.first_frame_us >= 0 ? stats.first_frame_us / 1000.0 : -1, relay_stats.children,
    cascade_tree_node_get_capacity (peer->node),
    cascade_tree_node_get_n_relaying (peer->node) > 0 ? "true" : "false", health.bytes_received,
    relay_stats.bytes_sent, cascade_tree_node_get_depth (peer->node), health.loss, health.rtt_ms,
    health.receiving ? "true" : "false", relay_stats.upload_kbps,
    peer->latencies != NULL && peer->latencies->len > 0 ? peer->latencies->str : "none");
  if (peer->latencies != NULL)
    g_string_truncate (peer->latencies, 0);
  return G_SOURCE_CONTINUE;
}

static void
realtime_state_watch (CascadeRealtime *realtime, GParamSpec *pspec, Peer *peer)
{
  if (cascade_realtime_get_state (realtime) == CASCADE_REALTIME_STATE_CONNECTED &&
      peer->node != NULL)
    cascade_tree_node_join (peer->node);
}

/* ---- one stream ---- */

static void
stop_watching (Peer *peer)
{
  g_clear_handle_id (&peer->report_source, g_source_remove);
  if (peer->node != NULL)
    g_signal_handlers_disconnect_by_data (peer->node, peer);
  g_clear_object (&peer->node);
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
  peer->awaiting_resume = FALSE;
}

static void
connect_watch_handlers (Peer *peer)
{
  if (peer->watch_handlers)
    return;
  peer->watch_handlers = TRUE;
  g_signal_connect (peer->realtime, "message", G_CALLBACK (on_message), peer);
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
  g_signal_connect (peer->viewer, "frame", G_CALLBACK (viewer_frame), peer);
  g_signal_connect (peer->viewer, "notify::state", G_CALLBACK (viewer_state), peer);
  g_signal_connect (peer->viewer, "error", G_CALLBACK (viewer_error), peer);
  if (peer->relay_children > 0)
    {
      peer->relay = cascade_relay_new ();
      g_object_set (peer->relay, "local-address", peer->local_address, "privacy", peer->privacy,
                    "impair-delay-ms", (guint) MAX (peer->impair_delay_ms, 0), "impair-loss",
                    peer->impair_loss, NULL);
      g_signal_connect (peer->relay, "child-state-changed", G_CALLBACK (relay_child_state), peer);
    }
  peer->node = cascade_tree_node_new (stream_id, peer->viewer, peer->relay);
  g_object_set (peer->node, "max-children", (guint) MAX (peer->relay_children, 0), "upload-kbps",
                (guint) MAX (peer->upload_kbps, 0), NULL);
  g_signal_connect (peer->node, "send", G_CALLBACK (node_send), peer);
  g_signal_connect (peer->node, "placed", G_CALLBACK (node_placed), peer);
  g_signal_connect (peer->node, "waiting", G_CALLBACK (node_waiting), peer);
  g_signal_connect (peer->node, "depth-changed", G_CALLBACK (node_depth_changed), peer);
  g_signal_connect (peer->node, "child-added", G_CALLBACK (node_child_added), peer);
  g_signal_connect (peer->node, "child-removed", G_CALLBACK (node_child_removed), peer);
  g_signal_connect (peer->node, "parent-silent", G_CALLBACK (node_parent_silent), peer);
  g_signal_connect (peer->node, "left", G_CALLBACK (node_left), peer);
  peer->report_source = g_timeout_add_seconds (1, report_stats, peer);
  if (cascade_realtime_get_state (peer->realtime) == CASCADE_REALTIME_STATE_CONNECTED)
    cascade_tree_node_join (peer->node);
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
  /* With children: hand them over first, then go ("left"). */
  return peer->node != NULL && cascade_tree_node_leave (peer->node, TRUE);
}

void
_cascade_peer_watch_clear (Peer *peer)
{
  stop_watching (peer);
  if (peer->latencies != NULL)
    g_string_free (g_steal_pointer (&peer->latencies), TRUE);
}
