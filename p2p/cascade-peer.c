/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "cascade-app.h"
#include "cascade-publisher.h"
#include "cascade-realtime.h"
#include "cascade-viewer.h"

/*
 * cascade-peer: a headless streamer or viewer for demos, tests and benchmarks.
 *
 *   cascade-peer --server URL --login U --password P publish --title T --category C
 *                [--source test|pipewire:NODE|file:PATH] [--quality 720p30]
 *   cascade-peer --server URL --login U --password P watch STREAM_ID|USERNAME
 *                [--frames N] [--json]
 *
 * Publish prints `live stream_id=… peer_id=…` then a `stats …` line a second;
 * watch prints `state=…` on every change and `frames=… latency_ms=…` a second.
 * With --json every line is one JSON object with an "event" member instead.
 * Exit status: 0 when the stream ended or --frames N stamped frames were
 * decoded, 1 on errors, 2 on bad usage.
 */

typedef struct
{
  GMainLoop *loop;
  int status;
  gboolean json;
  char *server;
  char *login;
  char *password;
  char *local_address;

  CascadeClient *client;
  CascadeRealtime *realtime;
  char *stream_id;
  char *peer_id;

  /* publish */
  char *title;
  char *category;
  char *source;
  char *quality_name;
  int max_viewers;
  CascadePublisher *publisher;
  JsonArray *ice_servers;
  gboolean ending;
  guint thumbnail_source;

  /* watch */
  char *target;
  int frames_wanted;
  CascadeViewer *viewer;
  char *parent_peer_id;
  guint64 stamped;
  guint report_source;
} Peer;

static void G_GNUC_PRINTF (3, 4) emit (Peer *peer, const char *event, const char *format, ...);

/* One output line: `event k=v …` as text, or {"event":…,"k":v,…} with --json.
 * @format is space-separated key=value pairs; values are numbers or bare words. */
static void
emit (Peer *peer, const char *event, const char *format, ...)
{
  g_autofree char *pairs = NULL;
  va_list args;

  va_start (args, format);
  pairs = g_strdup_vprintf (format, args);
  va_end (args);

  if (!peer->json)
    {
      if (g_str_equal (event, "state") || g_str_equal (event, "frames"))
        printf ("%s\n", pairs);
      else
        printf ("%s %s\n", event, pairs);
    }
  else
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;
      g_auto (GStrv) items = g_strsplit (pairs, " ", -1);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, event);
      for (guint i = 0; items[i] != NULL; i++)
        {
          char *equals = strchr (items[i], '=');
          char *end = NULL;
          double number;

          if (equals == NULL)
            continue;
          *equals = '\0';
          json_builder_set_member_name (builder, items[i]);
          number = g_ascii_strtod (equals + 1, &end);
          if (end != equals + 1 && *end == '\0')
            json_builder_add_double_value (builder, number);
          else
            json_builder_add_string_value (builder, equals + 1);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      text = json_to_string (root, FALSE);
      printf ("%s\n", text);
    }
  fflush (stdout);
}

static void
fail (Peer *peer, const char *what, const GError *error)
{
  g_printerr ("cascade-peer: %s: %s\n", what, error != NULL ? error->message : "failed");
  peer->status = 1;
  g_main_loop_quit (peer->loop);
}

static void
send_signal (Peer *peer, const char *to, JsonObject *signal)
{
  g_autoptr (JsonObject) message = json_object_new ();
  const char *members[] = { "sdp", "ice" };

  json_object_set_string_member (message, "type", "signal");
  json_object_set_string_member (message, "stream_id", peer->stream_id);
  json_object_set_string_member (message, "to", to);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (json_object_has_member (signal, members[i]))
      json_object_set_member (message, members[i],
                              json_node_copy (json_object_get_member (signal, members[i])));
  cascade_realtime_send (peer->realtime, message);
}

static void
send_simple (Peer *peer, const char *type)
{
  g_autoptr (JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", type);
  json_object_set_string_member (message, "stream_id", peer->stream_id);
  cascade_realtime_send (peer->realtime, message);
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
member_array (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
for_this_stream (Peer *peer, JsonObject *message)
{
  return g_strcmp0 (member_string (message, "stream_id"), peer->stream_id) == 0;
}

static void
on_server_error (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *code = member_string (message, "code");

  g_printerr ("cascade-peer: server: %s (%s)\n", code != NULL ? code : "error",
              member_string (message, "message") != NULL ? member_string (message, "message") : "");
  /* Refusals of what this peer is for end it; a refused relay message does not. */
  if (g_strcmp0 (code, "not_found") == 0 || g_strcmp0 (code, "not_owner") == 0 ||
      g_strcmp0 (code, "not_live") == 0 || g_strcmp0 (code, "forbidden") == 0)
    {
      peer->status = 1;
      g_main_loop_quit (peer->loop);
    }
}

static void
on_stream_ended (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  if (!for_this_stream (peer, message))
    return;
  emit (peer, "state", "state=ended stream_id=%s", peer->stream_id);
  peer->status = 0;
  g_main_loop_quit (peer->loop);
}

/* ---- publish ---- */

static void
publisher_signal (CascadePublisher *publisher, const char *peer_id, JsonObject *signal, Peer *peer)
{
  send_signal (peer, peer_id, signal);
}

static void
publisher_stats (CascadePublisher *publisher, Peer *peer)
{
  CascadePublisherStats stats;

  cascade_publisher_get_stats (publisher, &stats);
  emit (peer, "stats",
        "bitrate_kbps=%.0f fps=%.1f dropped=%" G_GUINT64_FORMAT " encoder_load=%.2f viewers=%u "
        "upload_kbps=%.0f",
        stats.bitrate_kbps, stats.fps, stats.dropped, stats.encoder_load, stats.viewers,
        stats.upload_kbps);
}

static void
publisher_viewer_state (CascadePublisher *publisher,
                        const char *peer_id,
                        CascadePeerState state,
                        Peer *peer)
{
  emit (peer, "viewer", "peer_id=%s state=%s", peer_id, cascade_peer_state_to_string (state));
}

static void
publisher_error (CascadePublisher *publisher, GError *error, Peer *peer)
{
  fail (peer, "streaming", error);
}

static void snapshot_taken (GObject *source, GAsyncResult *result, gpointer user_data);

static void
thumbnail_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!cascade_client_upload_thumbnail_finish (CASCADE_CLIENT (source), result, &error))
    g_printerr ("cascade-peer: thumbnail: %s\n", error->message);
}

static gboolean
retry_thumbnail (gpointer user_data)
{
  Peer *peer = user_data;

  if (peer->publisher != NULL && cascade_publisher_is_running (peer->publisher) && !peer->ending)
    cascade_publisher_snapshot_async (peer->publisher, NULL, snapshot_taken, peer);
  return G_SOURCE_REMOVE;
}

static void
snapshot_taken (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) jpeg = NULL;

  jpeg = cascade_publisher_snapshot_finish (CASCADE_PUBLISHER (source), result, &error);
  if (jpeg == NULL)
    {
      /* Usually no frame yet: try again soon rather than in 30 s. */
      g_debug ("thumbnail: %s", error->message);
      g_timeout_add_seconds (2, retry_thumbnail, peer);
      return;
    }
  if (peer->stream_id != NULL && !peer->ending)
    cascade_client_upload_thumbnail_async (peer->client, peer->stream_id, jpeg, "image/jpeg", NULL,
                                           thumbnail_uploaded, peer);
}

/* The Live page's picture of the stream: now, then every 30 seconds. */
static gboolean
update_thumbnail (gpointer user_data)
{
  Peer *peer = user_data;

  if (peer->publisher != NULL && cascade_publisher_is_running (peer->publisher))
    cascade_publisher_snapshot_async (peer->publisher, NULL, snapshot_taken, peer);
  if (peer->thumbnail_source == 0)
    peer->thumbnail_source = g_timeout_add_seconds (30, update_thumbnail, peer);
  return G_SOURCE_CONTINUE;
}

static void
on_published (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  JsonArray *ice = member_array (message, "ice_servers");

  if (!for_this_stream (peer, message))
    return;
  g_free (peer->peer_id);
  peer->peer_id = g_strdup (member_string (message, "peer_id"));
  g_clear_pointer (&peer->ice_servers, json_array_unref);
  if (ice != NULL)
    peer->ice_servers = json_array_ref (ice);
  emit (peer, "live", "stream_id=%s peer_id=%s", peer->stream_id,
        peer->peer_id != NULL ? peer->peer_id : "-");
  if (peer->thumbnail_source == 0)
    update_thumbnail (peer);
}

static void
on_child_added (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *child = member_string (message, "peer_id");
  g_autoptr (GError) error = NULL;

  if (!for_this_stream (peer, message) || child == NULL)
    return;
  if (!cascade_publisher_add_viewer (peer->publisher, child, peer->ice_servers, &error))
    g_printerr ("cascade-peer: viewer %s: %s\n", child, error->message);
}

static void
on_child_removed (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *child = member_string (message, "peer_id");

  if (for_this_stream (peer, message) && child != NULL)
    {
      cascade_publisher_remove_viewer (peer->publisher, child);
      emit (peer, "viewer", "peer_id=%s state=left", child);
    }
}

static void
on_publisher_signal_message (CascadeRealtime *realtime,
                             const char *type,
                             JsonObject *message,
                             Peer *peer)
{
  const char *from = member_string (message, "from");
  g_autoptr (GError) error = NULL;

  if (!for_this_stream (peer, message) || from == NULL)
    return;
  if (!cascade_publisher_handle_signal (peer->publisher, from, message, &error))
    g_printerr ("cascade-peer: signal from %s: %s\n", from, error->message);
}

static void
realtime_state_publish (CascadeRealtime *realtime, GParamSpec *pspec, Peer *peer)
{
  /* (Again) the stream's root after every (re)connection. */
  if (cascade_realtime_get_state (realtime) == CASCADE_REALTIME_STATE_CONNECTED)
    send_simple (peer, "stream.publish");
}

static void
stream_ended_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_client_end_stream_finish (CASCADE_CLIENT (source), result, &error))
    g_printerr ("cascade-peer: ending the stream: %s\n", error->message);
  emit (peer, "state", "state=ended stream_id=%s", peer->stream_id);
  g_main_loop_quit (peer->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Peer *peer = user_data;

  if (peer->publisher != NULL && peer->stream_id != NULL && !peer->ending)
    {
      peer->ending = TRUE;
      cascade_publisher_stop (peer->publisher);
      cascade_client_end_stream_async (peer->client, peer->stream_id, NULL, stream_ended_cb, peer);
      return G_SOURCE_CONTINUE;
    }
  g_main_loop_quit (peer->loop);
  return G_SOURCE_CONTINUE;
}

static void connect_realtime (Peer *peer);

static void
stream_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStream) stream = NULL;

  stream = cascade_client_start_stream_finish (CASCADE_CLIENT (source), result, &error);
  if (stream == NULL)
    {
      fail (peer, "going live", error);
      return;
    }
  peer->stream_id = g_strdup (cascade_stream_get_id (stream));
  g_signal_connect (peer->realtime, "message::stream.published", G_CALLBACK (on_published), peer);
  g_signal_connect (peer->realtime, "message::stream.child_added", G_CALLBACK (on_child_added),
                    peer);
  g_signal_connect (peer->realtime, "message::stream.child_removed", G_CALLBACK (on_child_removed),
                    peer);
  g_signal_connect (peer->realtime, "message::signal", G_CALLBACK (on_publisher_signal_message),
                    peer);
  g_signal_connect (peer->realtime, "notify::state", G_CALLBACK (realtime_state_publish), peer);
  connect_realtime (peer);
}

static gboolean
start_publish (Peer *peer)
{
  const CascadeQualityPreset *preset;
  CascadeQuality quality = CASCADE_QUALITY_720P30;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) renditions = json_array_new ();
  JsonObject *rendition = json_object_new ();

  if (peer->quality_name != NULL && !cascade_quality_from_string (peer->quality_name, &quality))
    {
      g_printerr ("cascade-peer: unknown quality %s (720p30, 720p60, 1080p30, 1080p60)\n",
                  peer->quality_name);
      return FALSE;
    }
  preset = cascade_quality_get_preset (quality);
  peer->publisher = cascade_publisher_new (quality);
  g_object_set (peer->publisher, "local-address", peer->local_address, NULL);
  if (peer->max_viewers > 0)
    cascade_publisher_set_max_direct_viewers (peer->publisher, (guint) peer->max_viewers);
  if (peer->source == NULL || g_str_equal (peer->source, "test"))
    cascade_publisher_set_source_test (peer->publisher);
  else if (g_str_has_prefix (peer->source, "pipewire:"))
    {
      guint64 node = 0;

      if (!g_ascii_string_to_unsigned (peer->source + strlen ("pipewire:"), 10, 1, G_MAXUINT32,
                                       &node, NULL))
        {
          g_printerr ("cascade-peer: --source pipewire:NODE needs a node id\n");
          return FALSE;
        }
      cascade_publisher_set_source_pipewire (peer->publisher, -1, (guint32) node);
    }
  else if (g_str_has_prefix (peer->source, "file:"))
    cascade_publisher_set_source_file (peer->publisher, peer->source + strlen ("file:"));
  else
    {
      g_printerr ("cascade-peer: --source is test, pipewire:NODE or file:PATH\n");
      return FALSE;
    }
  g_signal_connect (peer->publisher, "signal", G_CALLBACK (publisher_signal), peer);
  g_signal_connect (peer->publisher, "stats-updated", G_CALLBACK (publisher_stats), peer);
  g_signal_connect (peer->publisher, "viewer-state-changed", G_CALLBACK (publisher_viewer_state),
                    peer);
  g_signal_connect (peer->publisher, "error", G_CALLBACK (publisher_error), peer);
  if (!cascade_publisher_start (peer->publisher, &error))
    {
      g_printerr ("cascade-peer: %s\n", error->message);
      return FALSE;
    }

  json_object_set_int_member (rendition, "width", preset->width);
  json_object_set_int_member (rendition, "height", preset->height);
  json_object_set_int_member (rendition, "fps", preset->fps);
  json_object_set_int_member (rendition, "bitrate_kbps", preset->bitrate_kbps);
  json_object_set_string_member (rendition, "codec", "h264");
  json_array_add_object_element (renditions, rendition);
  cascade_client_start_stream_async (peer->client, peer->title, peer->category, renditions, NULL,
                                     stream_started, peer);
  return TRUE;
}

/* ---- watch ---- */

static void
viewer_signal (CascadeViewer *viewer, JsonObject *signal, Peer *peer)
{
  if (peer->parent_peer_id != NULL)
    send_signal (peer, peer->parent_peer_id, signal);
}

static void
viewer_frame (CascadeViewer *viewer, gint64 latency_us, Peer *peer)
{
  if (latency_us < 0)
    return;
  peer->stamped++;
  if (peer->frames_wanted > 0 && peer->stamped >= (guint64) peer->frames_wanted)
    {
      emit (peer, "frames", "frames=%" G_GUINT64_FORMAT " latency_ms=%.1f", peer->stamped,
            latency_us / 1000.0);
      send_simple (peer, "stream.leave");
      peer->status = 0;
      g_main_loop_quit (peer->loop);
    }
}

static void
viewer_state (CascadeViewer *viewer, GParamSpec *pspec, Peer *peer)
{
  emit (peer, "state", "state=%s",
        cascade_peer_state_to_string (cascade_viewer_get_state (viewer)));
}

static void
viewer_error (CascadeViewer *viewer, GError *error, Peer *peer)
{
  g_printerr ("cascade-peer: playback: %s\n", error->message);
}

static gboolean
report_frames (gpointer user_data)
{
  Peer *peer = user_data;
  CascadeViewerStats stats;

  cascade_viewer_get_stats (peer->viewer, &stats);
  if (stats.latency_us >= 0)
    emit (peer, "frames", "frames=%" G_GUINT64_FORMAT " latency_ms=%.1f", peer->stamped,
          stats.latency_us / 1000.0);
  else
    emit (peer, "frames", "frames=%" G_GUINT64_FORMAT " latency_ms=-1", peer->stamped);
  return G_SOURCE_CONTINUE;
}

static void
on_placed (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  if (!for_this_stream (peer, message))
    return;
  g_free (peer->peer_id);
  peer->peer_id = g_strdup (member_string (message, "peer_id"));
  g_free (peer->parent_peer_id);
  peer->parent_peer_id = g_strdup (member_string (message, "parent_peer_id"));
  cascade_viewer_set_ice_servers (peer->viewer, member_array (message, "ice_servers"));
  emit (peer, "placed", "stream_id=%s peer_id=%s parent_peer_id=%s", peer->stream_id,
        peer->peer_id != NULL ? peer->peer_id : "-",
        peer->parent_peer_id != NULL ? peer->parent_peer_id : "-");
}

static void
on_viewer_signal_message (CascadeRealtime *realtime,
                          const char *type,
                          JsonObject *message,
                          Peer *peer)
{
  g_autoptr (GError) error = NULL;

  if (!for_this_stream (peer, message) ||
      g_strcmp0 (member_string (message, "from"), peer->parent_peer_id) != 0)
    return;
  if (!cascade_viewer_handle_signal (peer->viewer, message, &error))
    g_printerr ("cascade-peer: signal from the streamer: %s\n", error->message);
}

static void
realtime_state_watch (CascadeRealtime *realtime, GParamSpec *pspec, Peer *peer)
{
  if (cascade_realtime_get_state (realtime) == CASCADE_REALTIME_STATE_CONNECTED)
    send_simple (peer, "stream.join");
}

static void
begin_watch (Peer *peer, const char *stream_id)
{
  peer->stream_id = g_strdup (stream_id);
  peer->viewer = cascade_viewer_new (NULL);
  g_object_set (peer->viewer, "local-address", peer->local_address, NULL);
  g_signal_connect (peer->viewer, "signal", G_CALLBACK (viewer_signal), peer);
  g_signal_connect (peer->viewer, "frame", G_CALLBACK (viewer_frame), peer);
  g_signal_connect (peer->viewer, "notify::state", G_CALLBACK (viewer_state), peer);
  g_signal_connect (peer->viewer, "error", G_CALLBACK (viewer_error), peer);
  g_signal_connect (peer->realtime, "message::stream.placed", G_CALLBACK (on_placed), peer);
  g_signal_connect (peer->realtime, "message::signal", G_CALLBACK (on_viewer_signal_message), peer);
  g_signal_connect (peer->realtime, "notify::state", G_CALLBACK (realtime_state_watch), peer);
  peer->report_source = g_timeout_add_seconds (1, report_frames, peer);
  connect_realtime (peer);
}

static void
live_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GListStore) streams = NULL;

  streams = cascade_client_list_live_streams_finish (CASCADE_CLIENT (source), result, &error);
  if (streams == NULL)
    {
      fail (peer, "listing live streams", error);
      return;
    }
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (streams)); i++)
    {
      g_autoptr (CascadeStream) stream = g_list_model_get_item (G_LIST_MODEL (streams), i);

      if (g_strcmp0 (cascade_stream_get_channel_username (stream), peer->target) == 0)
        {
          begin_watch (peer, cascade_stream_get_id (stream));
          return;
        }
    }
  g_printerr ("cascade-peer: %s is neither a live stream nor a live channel\n", peer->target);
  peer->status = 1;
  g_main_loop_quit (peer->loop);
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
    cascade_client_list_live_streams_async (peer->client, NULL, live_listed, peer);
}

/* ---- both ---- */

static void
realtime_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_realtime_connect_finish (CASCADE_REALTIME (source), result, &error))
    fail (peer, "connecting to the realtime service", error);
}

static void
connect_realtime (Peer *peer)
{
  g_signal_connect (peer->realtime, "message::error", G_CALLBACK (on_server_error), peer);
  g_signal_connect (peer->realtime, "message::stream.ended", G_CALLBACK (on_stream_ended), peer);
  cascade_realtime_connect_async (peer->realtime, NULL, realtime_connected, peer);
}

static void
logged_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  CascadeAuthTokens *tokens;

  tokens = cascade_client_login_finish (CASCADE_CLIENT (source), result, &error);
  if (tokens == NULL)
    {
      fail (peer, "signing in", error);
      return;
    }
  cascade_client_set_access_token (peer->client, tokens->access_token);
  cascade_auth_tokens_free (tokens);
  peer->realtime = cascade_realtime_new (peer->client);

  if (peer->title != NULL)
    {
      if (!start_publish (peer))
        {
          peer->status = 1;
          g_main_loop_quit (peer->loop);
        }
    }
  else
    cascade_client_get_stream_async (peer->client, peer->target, NULL, stream_found, peer);
}

static void
peer_clear (Peer *peer)
{
  g_clear_handle_id (&peer->report_source, g_source_remove);
  g_clear_handle_id (&peer->thumbnail_source, g_source_remove);
  if (peer->realtime != NULL)
    cascade_realtime_close (peer->realtime);
  if (peer->publisher != NULL)
    cascade_publisher_stop (peer->publisher);
  if (peer->viewer != NULL)
    cascade_viewer_close (peer->viewer);
  g_clear_object (&peer->publisher);
  g_clear_object (&peer->viewer);
  g_clear_object (&peer->realtime);
  g_clear_object (&peer->client);
  g_clear_pointer (&peer->ice_servers, json_array_unref);
  g_clear_pointer (&peer->loop, g_main_loop_unref);
  g_free (peer->stream_id);
  g_free (peer->peer_id);
  g_free (peer->parent_peer_id);
  g_free (peer->server);
  g_free (peer->login);
  if (peer->password != NULL)
    memset (peer->password, 0, strlen (peer->password));
  g_free (peer->password);
  g_free (peer->local_address);
  g_free (peer->title);
  g_free (peer->category);
  g_free (peer->source);
  g_free (peer->quality_name);
  g_free (peer->target);
}

int
main (int argc, char **argv)
{
  Peer peer = { 0 };
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &peer.server, "Server address", "URL" },
    { "login", 0, 0, G_OPTION_ARG_STRING, &peer.login, "Account name or email", "NAME" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &peer.password, "Password", "PASSWORD" },
    { "local-address", 0, 0, G_OPTION_ARG_STRING, &peer.local_address,
      "Gather ICE candidates on this address only (127.0.0.1 for loopback tests)", "ADDR" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &peer.json, "One JSON object a line", NULL },
    { "title", 0, 0, G_OPTION_ARG_STRING, &peer.title, "publish: stream title", "TEXT" },
    { "category", 0, 0, G_OPTION_ARG_STRING, &peer.category, "publish: the game", "TEXT" },
    { "source", 0, 0, G_OPTION_ARG_STRING, &peer.source,
      "publish: test, pipewire:NODE or file:PATH", "SOURCE" },
    { "quality", 0, 0, G_OPTION_ARG_STRING, &peer.quality_name,
      "publish: 720p30, 720p60, 1080p30 or 1080p60", "PRESET" },
    { "max-viewers", 0, 0, G_OPTION_ARG_INT, &peer.max_viewers,
      "publish: viewers served directly at most", "N" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &peer.frames_wanted,
      "watch: exit 0 after N frames with valid stamps", "N" },
    G_OPTION_ENTRY_NULL,
  };

  setlocale (LC_ALL, "");
  gst_init (&argc, &argv);
  context = g_option_context_new ("publish|watch [STREAM_ID|USERNAME]");
  g_option_context_set_summary (context, "A headless Cascade streamer or viewer.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cascade-peer: %s\n", error->message);
      return 2;
    }
  if (peer.server == NULL || peer.login == NULL || peer.password == NULL || argc < 2 ||
      (g_str_equal (argv[1], "publish") &&
       (peer.title == NULL || peer.category == NULL || argc != 2)) ||
      (g_str_equal (argv[1], "watch") && argc != 3) ||
      (!g_str_equal (argv[1], "publish") && !g_str_equal (argv[1], "watch")))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      peer_clear (&peer);
      return 2;
    }
  if (g_str_equal (argv[1], "watch"))
    {
      g_clear_pointer (&peer.title, g_free);
      peer.target = g_strdup (argv[2]);
    }

  peer.loop = g_main_loop_new (NULL, FALSE);
  peer.client = cascade_client_new (peer.server);
  g_unix_signal_add (SIGINT, on_quit_signal, &peer);
  g_unix_signal_add (SIGTERM, on_quit_signal, &peer);
  cascade_client_login_async (peer.client, peer.login, peer.password, NULL, logged_in, &peer);
  g_main_loop_run (peer.loop);

  status = peer.status;
  peer_clear (&peer);
  return status;
}
