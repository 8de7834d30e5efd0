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
#include "cascade-peer-private.h"
#include "cascade-webrtc-util.h"

/*
 * cascade-peer: a headless streamer or viewer for demos, tests and benchmarks.
 *
 *   cascade-peer --server URL --login U --password P publish --title T --category C
 *                [--source test|pipewire:NODE|file:PATH] [--quality 720p30]
 *   cascade-peer --server URL --login U --password P watch STREAM_ID|USERNAME
 *                [--relay N] [--upload-kbps K] [--privacy] [--no-playback]
 *                [--impair-delay-ms D] [--impair-loss PCT] [--frames N] [--json]
 *   cascade-peer --server URL --login U --password P relay USERNAME [--relay N]
 *
 * Publish prints `live stream_id=… peer_id=…` then a `stats …` line a second;
 * watch prints `state=…` on every change, `placed …`, `waiting …` (no parent
 * has room), `depth depth=…` (a subtree above it moved), `child_added …`,
 * `child_removed …`, `resumed gap_ms=…` (the first frame after a re-placement
 * or a freeze of 300 ms or more) and a `stats …` line a second (the
 * README's "The headless peer"). `relay USERNAME` is an always-on relay
 * for a channel: no playback, it joins each stream the channel starts.
 * With --json every line is one JSON object with an "event" member instead.
 * Exit status: 0 when the stream ended or --frames N stamped frames were
 * decoded, 1 on errors, 2 on bad usage.
 */

/* One output line: `event k=v …` as text, or {"event":…,"k":v,…} with --json.
 * @format is space-separated key=value pairs; values are numbers or bare words. */
void
_cascade_peer_emit (Peer *peer, const char *event, const char *format, ...)
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
          else if (g_str_equal (equals + 1, "true") || g_str_equal (equals + 1, "false"))
            json_builder_add_boolean_value (builder, g_str_equal (equals + 1, "true"));
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

void
_cascade_peer_fail (Peer *peer, const char *what, const GError *error)
{
  g_printerr ("cascade-peer: %s: %s\n", what, error != NULL ? error->message : "failed");
  peer->status = 1;
  g_main_loop_quit (peer->loop);
}

void
_cascade_peer_send_signal (Peer *peer, const char *to, JsonObject *signal)
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

void
_cascade_peer_send_simple (Peer *peer, const char *type)
{
  g_autoptr (JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", type);
  json_object_set_string_member (message, "stream_id", peer->stream_id);
  cascade_realtime_send (peer->realtime, message);
}

const char *
_cascade_peer_member_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonArray *
_cascade_peer_member_array (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

gboolean
_cascade_peer_for_this_stream (Peer *peer, JsonObject *message)
{
  return g_strcmp0 (_cascade_peer_member_string (message, "stream_id"), peer->stream_id) == 0;
}

static void
on_server_error (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *code = _cascade_peer_member_string (message, "code");

  g_printerr ("cascade-peer: server: %s (%s)\n", code != NULL ? code : "error",
              _cascade_peer_member_string (message, "message") != NULL
                ? _cascade_peer_member_string (message, "message")
                : "");
  /* Refusals of what this peer is for end it; a refused relay message does not. */
  if (peer->always_on)
    return; /* it waits for the channel's next stream */
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
  if (!_cascade_peer_for_this_stream (peer, message))
    return;
  _cascade_peer_emit (peer, "state", "state=ended stream_id=%s", peer->stream_id);
  if (peer->publisher == NULL && _cascade_peer_watch_ended (peer))
    return;
  peer->status = 0;
  g_main_loop_quit (peer->loop);
}

/* ---- publish ---- */

static void
publisher_signal (CascadePublisher *publisher, const char *peer_id, JsonObject *signal, Peer *peer)
{
  _cascade_peer_send_signal (peer, peer_id, signal);
}

static void
publisher_stats (CascadePublisher *publisher, Peer *peer)
{
  CascadePublisherStats stats;

  cascade_publisher_get_stats (publisher, &stats);
  /* children: served directly; viewers: the whole audience (the tracker's count). */
  _cascade_peer_emit (
    peer, "stats",
    "bitrate_kbps=%.0f fps=%.1f dropped=%" G_GUINT64_FORMAT
    " encoder_load=%.2f children=%u viewers=%d depth=%d relays=%d "
    "upload_kbps=%.0f bytes_sent=%" G_GUINT64_FORMAT " keyframes_forced=%" G_GUINT64_FORMAT,
    stats.bitrate_kbps, stats.fps, stats.dropped, stats.encoder_load, stats.viewers,
    MAX (peer->audience, (int) stats.viewers), peer->tree_depth, peer->tree_relays,
    stats.upload_kbps, stats.bytes_sent, stats.keyframes_forced);
}

static int
member_int (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return (int) CLAMP (json_node_get_int (node), 0, G_MAXINT);
}

static void
on_viewers (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  if (!_cascade_peer_for_this_stream (peer, message))
    return;
  peer->audience = member_int (message, "count");
  peer->tree_depth = member_int (message, "depth");
  peer->tree_relays = member_int (message, "relays");
}

/* The root's health: always receiving, never lossy; its capacity is its slots;
 * the round trip to each of its viewers. */
static gboolean
publisher_health (gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (JsonObject) message = NULL;

  if (peer->peer_id == NULL || peer->ending)
    return G_SOURCE_CONTINUE;
  message = cascade_publisher_dup_health_message (peer->publisher, peer->stream_id);
  cascade_realtime_send (peer->realtime, message);
  return G_SOURCE_CONTINUE;
}

static void
publisher_viewer_state (CascadePublisher *publisher,
                        const char *peer_id,
                        CascadePeerState state,
                        Peer *peer)
{
  _cascade_peer_emit (peer, "viewer", "peer_id=%s state=%s", peer_id,
                      cascade_peer_state_to_string (state));
}

static void
publisher_error (CascadePublisher *publisher, GError *error, Peer *peer)
{
  _cascade_peer_fail (peer, "streaming", error);
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
  JsonArray *ice = _cascade_peer_member_array (message, "ice_servers");

  if (!_cascade_peer_for_this_stream (peer, message))
    return;
  g_free (peer->peer_id);
  peer->peer_id = g_strdup (_cascade_peer_member_string (message, "peer_id"));
  g_clear_pointer (&peer->ice_servers, json_array_unref);
  if (ice != NULL)
    peer->ice_servers = json_array_ref (ice);
  _cascade_peer_emit (peer, "live", "stream_id=%s peer_id=%s", peer->stream_id,
                      peer->peer_id != NULL ? peer->peer_id : "-");
  if (peer->thumbnail_source == 0)
    update_thumbnail (peer);
}

static void
on_child_added (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *child = _cascade_peer_member_string (message, "peer_id");
  g_autoptr (GError) error = NULL;

  if (!_cascade_peer_for_this_stream (peer, message) || child == NULL)
    return;
  if (!cascade_publisher_add_viewer (peer->publisher, child, peer->ice_servers, &error))
    g_printerr ("cascade-peer: viewer %s: %s\n", child, error->message);
}

static void
on_child_removed (CascadeRealtime *realtime, const char *type, JsonObject *message, Peer *peer)
{
  const char *child = _cascade_peer_member_string (message, "peer_id");

  if (_cascade_peer_for_this_stream (peer, message) && child != NULL)
    {
      cascade_publisher_remove_viewer (peer->publisher, child);
      _cascade_peer_emit (peer, "viewer", "peer_id=%s state=left", child);
    }
}

static void
on_publisher_signal_message (CascadeRealtime *realtime,
                             const char *type,
                             JsonObject *message,
                             Peer *peer)
{
  const char *from = _cascade_peer_member_string (message, "from");
  g_autoptr (GError) error = NULL;

  if (!_cascade_peer_for_this_stream (peer, message) || from == NULL)
    return;
  if (!cascade_publisher_handle_signal (peer->publisher, from, message, &error))
    g_printerr ("cascade-peer: signal from %s: %s\n", from, error->message);
}

static void
realtime_state_publish (CascadeRealtime *realtime, GParamSpec *pspec, Peer *peer)
{
  g_autoptr (JsonObject) message = NULL;

  /* (Again) the stream's root after every (re)connection. */
  if (cascade_realtime_get_state (realtime) != CASCADE_REALTIME_STATE_CONNECTED)
    return;

  message = json_object_new ();
  json_object_set_string_member (message, "type", "stream.publish");
  json_object_set_string_member (message, "stream_id", peer->stream_id);
  /* The tracker gives the root no more children than the publisher serves,
   * from the start rather than from its first health report. */
  json_object_set_int_member (message, "max_viewers",
                              cascade_publisher_get_max_direct_viewers (peer->publisher));
  cascade_realtime_send (peer->realtime, message);
}

static void
stream_ended_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_client_end_stream_finish (CASCADE_CLIENT (source), result, &error))
    g_printerr ("cascade-peer: ending the stream: %s\n", error->message);
  _cascade_peer_emit (peer, "state", "state=ended stream_id=%s", peer->stream_id);
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
  if (peer->publisher == NULL && _cascade_peer_watch_quit (peer))
    return G_SOURCE_CONTINUE; /* handing the children over first */
  g_main_loop_quit (peer->loop);
  return G_SOURCE_CONTINUE;
}

static void
stream_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStream) stream = NULL;

  stream = cascade_client_start_stream_finish (CASCADE_CLIENT (source), result, &error);
  if (stream == NULL)
    {
      _cascade_peer_fail (peer, "going live", error);
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
  g_signal_connect (peer->realtime, "message::stream.viewers", G_CALLBACK (on_viewers), peer);
  peer->health_source = g_timeout_add_seconds (2, publisher_health, peer);
  _cascade_peer_connect_realtime (peer);
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

/* ---- both ---- */

static void
realtime_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Peer *peer = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_realtime_connect_finish (CASCADE_REALTIME (source), result, &error))
    _cascade_peer_fail (peer, "connecting to the realtime service", error);
}

void
_cascade_peer_connect_realtime (Peer *peer)
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
      _cascade_peer_fail (peer, "signing in", error);
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
  else if (peer->always_on)
    _cascade_peer_start_relay (peer);
  else
    _cascade_peer_start_watch (peer);
}

static void
peer_clear (Peer *peer)
{
  _cascade_peer_watch_clear (peer);
  g_clear_handle_id (&peer->health_source, g_source_remove);
  g_clear_handle_id (&peer->thumbnail_source, g_source_remove);
  if (peer->realtime != NULL)
    cascade_realtime_close (peer->realtime);
  if (peer->publisher != NULL)
    cascade_publisher_stop (peer->publisher);
  g_clear_object (&peer->publisher);
  g_clear_object (&peer->realtime);
  g_clear_object (&peer->client);
  g_clear_pointer (&peer->ice_servers, json_array_unref);
  g_clear_pointer (&peer->loop, g_main_loop_unref);
  g_free (peer->stream_id);
  g_free (peer->peer_id);
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
    { "relay", 0, 0, G_OPTION_ARG_INT, &peer.relay_children,
      "watch, relay: children it may feed (default 3; 0: no relaying)", "N" },
    { "upload-kbps", 0, 0, G_OPTION_ARG_INT, &peer.upload_kbps,
      "watch, relay: this machine's upload, caps the children to 80% of it", "K" },
    { "privacy", 0, 0, G_OPTION_ARG_NONE, &peer.privacy,
      "watch, relay: send and receive through TURN only", NULL },
    { "no-playback", 0, 0, G_OPTION_ARG_NONE, &peer.no_playback,
      "watch: no decoding, only forwarding (a pure relay)", NULL },
    { "impair-delay-ms", 0, 0, G_OPTION_ARG_INT, &peer.impair_delay_ms,
      "watch, relay: hold every received packet this long (link emulation)", "D" },
    { "impair-loss", 0, 0, G_OPTION_ARG_DOUBLE, &peer.impair_loss,
      "watch, relay: drop this percentage of received packets (link emulation)", "PCT" },
    G_OPTION_ENTRY_NULL,
  };

  setlocale (LC_ALL, "");
  /* Standard output carries the --json events: GLib's debug and info
   * messages (G_MESSAGES_DEBUG) go to standard error, as warnings do. */
  g_log_writer_default_set_use_stderr (TRUE);
  gst_init (&argc, &argv);
  peer.relay_children = 3;
  context = g_option_context_new ("publish | watch STREAM_ID|USERNAME | relay USERNAME");
  g_option_context_set_summary (context, "A headless Cascade streamer, viewer or relay.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cascade-peer: %s\n", error->message);
      return 2;
    }
  if (peer.server == NULL || peer.login == NULL || peer.password == NULL || argc < 2 ||
      (g_str_equal (argv[1], "publish") &&
       (peer.title == NULL || peer.category == NULL || argc != 2)) ||
      (!g_str_equal (argv[1], "publish") && argc != 3) || peer.relay_children < 0 ||
      peer.relay_children > 16 || peer.upload_kbps < 0 || peer.impair_delay_ms < 0 ||
      peer.impair_delay_ms > 10000 || peer.impair_loss < 0 || peer.impair_loss > 100 ||
      (!g_str_equal (argv[1], "publish") && !g_str_equal (argv[1], "watch") &&
       !g_str_equal (argv[1], "relay")))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      peer_clear (&peer);
      return 2;
    }
  if (!g_str_equal (argv[1], "publish"))
    {
      g_clear_pointer (&peer.title, g_free);
      peer.target = g_strdup (argv[2]);
      peer.always_on = g_str_equal (argv[1], "relay");
    }

  peer.loop = g_main_loop_new (NULL, FALSE);
  peer.client = cascade_client_new (peer.server);
  g_unix_signal_add (SIGINT, on_quit_signal, &peer);
  g_unix_signal_add (SIGTERM, on_quit_signal, &peer);
  cascade_client_login_async (peer.client, peer.login, peer.password, NULL, logged_in, &peer);
  g_main_loop_run (peer.loop);

  status = peer.status;
  peer_clear (&peer);
  /* TURN allocations given back (no libnice warning), the preload done. */
  cascade_p2p_wait_closed ();
  return status;
}
