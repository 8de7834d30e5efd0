/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include "cascade-publisher.h"
#include "cascade-stamp.h"
#include "cascade-viewer.h"

/*
 * A publisher and viewers in one process on 127.0.0.1, their signalling
 * objects handed across directly (the realtime server only relays them).
 */

#define TIMEOUT_S 20

typedef struct _Fixture Fixture;

typedef struct
{
  Fixture *fixture;
  char *peer_id;
  CascadeViewer *viewer;
  guint64 stamped;
  gboolean decoded;              /* a first frame came */
  guint64 forced_at_first_frame; /* the publisher's forced key frames then */
  GArray *latencies;             /* gint64 µs, once playing */
  guint errors;
  GError *last_error;
} Peer;

struct _Fixture
{
  CascadePublisher *publisher;
  GstElement *preview; /* in the publisher's pipeline; NULL unless asked for */
  GPtrArray *peers;
  char *last_offer;
  gboolean timed_out;
  guint stats_updates;
  gboolean second_offered;
  gboolean second_failed;
};

static void
peer_free (gpointer data)
{
  Peer *peer = data;

  g_clear_error (&peer->last_error);
  g_array_unref (peer->latencies);
  g_free (peer->peer_id);
  g_assert_finalize_object (peer->viewer);
  g_free (peer);
}

static Peer *
find_peer (Fixture *fixture, const char *peer_id)
{
  for (guint i = 0; i < fixture->peers->len; i++)
    {
      Peer *peer = g_ptr_array_index (fixture->peers, i);

      if (g_str_equal (peer->peer_id, peer_id))
        return peer;
    }
  return NULL;
}

static void
publisher_signal (CascadePublisher *publisher, const char *peer_id, JsonObject *signal, Fixture *f)
{
  Peer *peer = find_peer (f, peer_id);
  g_autoptr (GError) error = NULL;
  JsonObject *sdp =
    json_object_has_member (signal, "sdp") ? json_object_get_object_member (signal, "sdp") : NULL;

  g_assert_nonnull (peer);
  if (sdp != NULL)
    {
      g_free (f->last_offer);
      f->last_offer = g_strdup (json_object_get_string_member (sdp, "sdp"));
    }
  cascade_viewer_handle_signal (peer->viewer, signal, &error);
  g_assert_no_error (error);
}

static void
viewer_signal (CascadeViewer *viewer, JsonObject *signal, Peer *peer)
{
  g_autoptr (GError) error = NULL;

  cascade_publisher_handle_signal (peer->fixture->publisher, peer->peer_id, signal, &error);
  g_assert_no_error (error);
}

static void
viewer_frame (CascadeViewer *viewer, gint64 latency_us, Peer *peer)
{
  if (!peer->decoded)
    {
      CascadePublisherStats stats;

      cascade_publisher_get_stats (peer->fixture->publisher, &stats);
      peer->decoded = TRUE;
      peer->forced_at_first_frame = stats.keyframes_forced;
    }
  if (latency_us < 0)
    return;
  peer->stamped++;
  /* The first frames waited in the streamer's queue while the connection came up. */
  if (peer->stamped > 15)
    g_array_append_val (peer->latencies, latency_us);
}

static void
viewer_error (CascadeViewer *viewer, GError *error, Peer *peer)
{
  peer->errors++;
  g_clear_error (&peer->last_error);
  peer->last_error = g_error_copy (error);
}

static Peer *
add_peer (Fixture *f, const char *peer_id)
{
  Peer *peer = g_new0 (Peer, 1);

  peer->fixture = f;
  peer->peer_id = g_strdup (peer_id);
  peer->viewer = cascade_viewer_new (NULL);
  peer->latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_object_set (peer->viewer, "local-address", "127.0.0.1", NULL);
  g_signal_connect (peer->viewer, "signal", G_CALLBACK (viewer_signal), peer);
  g_signal_connect (peer->viewer, "frame", G_CALLBACK (viewer_frame), peer);
  g_signal_connect (peer->viewer, "error", G_CALLBACK (viewer_error), peer);
  g_ptr_array_add (f->peers, peer);
  return peer;
}

static void
join (Fixture *f, Peer *peer)
{
  g_autoptr (GError) error = NULL;

  cascade_publisher_add_viewer (f->publisher, peer->peer_id, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
on_timeout (gpointer user_data)
{
  Fixture *f = user_data;

  f->timed_out = TRUE;
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @done says so; fails the test after TIMEOUT_S. */
static void
run_until (Fixture *f, gboolean (*done) (Fixture *, gpointer), gpointer data)
{
  guint timeout = g_timeout_add_seconds (TIMEOUT_S, on_timeout, f);

  f->timed_out = FALSE;
  while (!done (f, data) && !f->timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  g_assert_false (f->timed_out);
}

static gboolean
on_elapsed (gpointer user_data)
{
  gboolean *elapsed = user_data;

  *elapsed = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (Fixture *f, guint ms)
{
  gboolean elapsed = FALSE;

  g_timeout_add (ms, on_elapsed, &elapsed);
  while (!elapsed)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
stamped_at_least (Fixture *f, gpointer data)
{
  Peer *peer = g_ptr_array_index (f->peers, 0);

  for (guint i = 0; i < f->peers->len; i++)
    {
      peer = g_ptr_array_index (f->peers, i);
      if (peer->stamped < GPOINTER_TO_UINT (data))
        return FALSE;
    }
  return TRUE;
}

static void
on_stats_updated (CascadePublisher *publisher, Fixture *f)
{
  f->stats_updates++;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->peers = g_ptr_array_new_with_free_func (peer_free);
  f->publisher = cascade_publisher_new (CASCADE_QUALITY_720P30);
  g_object_set (f->publisher, "local-address", "127.0.0.1", NULL);
  /* @data: with a preview, as the Go Live page's; through it, the test sees
   * the publisher's pipeline. */
  if (data != NULL)
    {
      f->preview = gst_element_factory_make ("fakesink", NULL);
      g_object_set (f->preview, "sync", FALSE, "async", FALSE, NULL);
      cascade_publisher_set_preview_sink (f->publisher, gst_object_ref (f->preview));
    }
  g_signal_connect (f->publisher, "signal", G_CALLBACK (publisher_signal), f);
  g_signal_connect (f->publisher, "stats-updated", G_CALLBACK (on_stats_updated), f);
  cascade_publisher_start (f->publisher, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cascade_publisher_stop (f->publisher);
  g_ptr_array_unref (f->peers);
  g_assert_finalize_object (f->publisher);
  gst_clear_object (&f->preview);
  g_free (f->last_offer);
}

static gboolean
stats_updated_twice (Fixture *f, gpointer data)
{
  return f->stats_updates >= 2;
}

static int
compare_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The clocksyncs in the publisher's pipeline (webrtcbin puts one behind
 * each input), and how many of them sync. */
static guint
count_clocksyncs (Fixture *f, guint *out_syncing)
{
  g_autoptr (GstObject) pipeline = gst_object_get_parent (GST_OBJECT (f->preview));
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  guint found = 0;

  g_assert_true (GST_IS_BIN (pipeline));
  *out_syncing = 0;
  it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);
      gboolean sync = FALSE;

      if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "clocksync"))
        {
          found++;
          g_object_get (element, "sync", &sync, NULL);
          if (sync)
            (*out_syncing)++;
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return found;
}

static void
test_frames_stamped (Fixture *f, gconstpointer data)
{
  Peer *peer = add_peer (f, "viewer-1");
  CascadeViewerStats stats;
  CascadePublisherStats publisher_stats;
  guint syncing;

  join (f, peer);
  run_until (f, stamped_at_least, GUINT_TO_POINTER (45));

  cascade_viewer_get_stats (peer->viewer, &stats);
  g_assert_cmpint (stats.state, ==, CASCADE_PEER_STATE_CONNECTED);
  g_assert_cmpuint (stats.stamped_frames, >=, 45);
  /* Every decoded frame carries a readable stamp once the picture starts. */
  g_assert_cmpuint (stats.stamped_frames, >=, stats.frames - 1);
  /* One hop on loopback, once playing: about 8 ms capture to decode when the
   * machine is idle (bench-latency measures it; a test on a loaded machine
   * cannot). What would add a buffering stage per hop is in the pipeline:
   * webrtcbin's clocksync behind each input, holding every packet for the
   * pipeline latency unless told not to sync (field note 1). */
  g_array_sort (peer->latencies, compare_int64);
  g_assert_cmpuint (peer->latencies->len, >, 0);
  g_test_message ("median latency %" G_GINT64_FORMAT " us",
                  g_array_index (peer->latencies, gint64, peer->latencies->len / 2));
  g_assert_cmpint (stats.latency_us, >=, 0);
  g_assert_cmpuint (count_clocksyncs (f, &syncing), >, 0);
  g_assert_cmpuint (syncing, ==, 0);

  /* A whole second of streaming to one viewer, as the Go Live page shows it. */
  f->stats_updates = 0;
  run_until (f, stats_updated_twice, NULL);
  cascade_publisher_get_stats (f->publisher, &publisher_stats);
  g_assert_cmpuint (publisher_stats.viewers, ==, 1);
  /* Encoding: how fast is for bench/ (a loaded machine encodes fewer). */
  g_assert_cmpfloat (publisher_stats.fps, >, 0);
  g_assert_cmpfloat (publisher_stats.bitrate_kbps, >, 100);
  g_assert_cmpfloat (publisher_stats.upload_kbps, >, 100);
}

static void
test_no_b_frames (Fixture *f, gconstpointer data)
{
  Peer *peer = add_peer (f, "viewer-1");
  g_autofree char *profile = NULL;

  join (f, peer);
  run_until (f, stamped_at_least, GUINT_TO_POINTER (5));

  /* Read from the SPS the viewer received: Constrained Baseline has no B
   * slices, so the viewer's decoder never holds frames back to reorder. */
  profile = cascade_viewer_dup_video_profile (peer->viewer);
  g_assert_cmpstr (profile, ==, "constrained-baseline");
}

static void
test_late_join_keyframe (Fixture *f, gconstpointer data)
{
  Peer *first = add_peer (f, "viewer-1");
  Peer *late;
  CascadeViewerStats stats;
  CascadePublisherStats publisher_stats;

  /* The first viewer's join forces a key frame; the next scheduled one is a
   * whole GOP (60 frames) later. A viewer joining in between does not wait
   * for it: a key frame is forced for it (on its connection, or on its
   * decoder's request), and its picture starts from that one. Told by which
   * key frame it got, not by how soon: on a loaded machine the connection
   * alone may take longer than a GOP, and then the scheduled key frame
   * would come first if nothing were forced. The publisher forces at most
   * one a second, and so before the scheduled one. */
  join (f, first);
  run_until (f, stamped_at_least, GUINT_TO_POINTER (1));
  run_for (f, 300);

  late = add_peer (f, "viewer-2");
  cascade_publisher_get_stats (f->publisher, &publisher_stats);
  join (f, late);
  run_until (f, stamped_at_least, GUINT_TO_POINTER (10));

  cascade_viewer_get_stats (late->viewer, &stats);
  g_test_message ("late viewer's first frame after %" G_GINT64_FORMAT " us", stats.first_frame_us);
  g_assert_cmpint (stats.first_frame_us, >=, 0);
  g_assert_true (late->decoded);
  g_assert_cmpuint (late->forced_at_first_frame, >, publisher_stats.keyframes_forced);
  /* The first viewer plays on through the join, on the same connection.
   * (How many frames it had by then is no measure: under load a packet
   * lost for good on loopback makes it wait for a key frame too.) */
  run_until (f, stamped_at_least, GUINT_TO_POINTER ((guint) first->stamped + 10));
  cascade_viewer_get_stats (first->viewer, &stats);
  g_assert_cmpuint (stats.connections, ==, 1);
  g_assert_cmpuint (first->errors, ==, 0);
}

static gboolean
connections_stamped (Fixture *f, gpointer data)
{
  Peer *peer = g_ptr_array_index (f->peers, 0);
  CascadeViewerStats stats;

  cascade_viewer_get_stats (peer->viewer, &stats);
  return stats.connections == 2 && stats.stamped_frames >= 10;
}

static void
test_reconnect (Fixture *f, gconstpointer data)
{
  Peer *peer = add_peer (f, "viewer-1");
  CascadeViewerStats stats;

  join (f, peer);
  run_until (f, stamped_at_least, GUINT_TO_POINTER (10));

  /* The parent starts over (as after a dropped connection): a new offer
   * replaces the old connection and the picture comes back. */
  cascade_publisher_remove_viewer (f->publisher, peer->peer_id);
  join (f, peer);
  run_until (f, connections_stamped, NULL);
  cascade_viewer_get_stats (peer->viewer, &stats);
  g_assert_cmpint (stats.state, ==, CASCADE_PEER_STATE_CONNECTED);
  g_assert_cmpuint (peer->errors, ==, 0);
}

static JsonObject *
object_from_json (const char *json)
{
  g_autoptr (JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static gboolean
peer_failed (Fixture *f, gpointer data)
{
  Peer *peer = data;

  return peer->errors > 0;
}

static void
viewer_state_changed (CascadePublisher *publisher,
                      const char *peer_id,
                      CascadePeerState state,
                      Fixture *f)
{
  if (g_str_equal (peer_id, "viewer-2") && state == CASCADE_PEER_STATE_FAILED)
    f->second_failed = TRUE;
}

static void
count_offers (CascadePublisher *publisher, const char *peer_id, JsonObject *signal, Fixture *f)
{
  if (g_str_equal (peer_id, "viewer-2") && json_object_has_member (signal, "sdp"))
    f->second_offered = TRUE;
}

static gboolean
offered_twice (Fixture *f, gpointer data)
{
  return f->second_offered;
}

static gboolean
second_viewer_failed (Fixture *f, gpointer data)
{
  return f->second_failed;
}

static void
test_hostile_signals (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = {
    "{}",
    "{\"sdp\":\"v=0\"}",
    "{\"sdp\":{\"type\":\"offer\"}}",
    "{\"sdp\":{\"type\":\"pranswer\",\"sdp\":\"v=0\\r\\n\"}}",
    "{\"sdp\":{\"type\":\"offer\",\"sdp\":\"garbage\"}}",
    "{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 0 0 IN IP4 0.0.0.0\\r\\ns=-\\r\\n\"}}",
    "{\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}",
    "{\"ice\":{\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 9 typ host\"}}",
    "{\"ice\":{\"candidate\":7,\"sdp_mline_index\":0}}",
    "{\"ice\":{\"candidate\":\"garbage\",\"sdp_mline_index\":0}}",
    "{\"ice\":{\"candidate\":\"candidate:1 1 UDP 1 127.0.0.1 9 typ host\",\"sdp_mline_index\":-4}}",
    "{\"ice\":{\"candidate\":\"candidate:1\\u0001\",\"sdp_mline_index\":0}}",
    "{\"ice\":{},\"sdp\":{}}",
  };
  Peer *peer = add_peer (f, "viewer-1");
  g_autoptr (JsonObject) parseable = NULL;
  g_autoptr (JsonObject) answer = NULL;
  g_autoptr (JsonObject) candidate = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) bogus = NULL;
  g_autofree char *long_candidate = NULL;
  g_autofree char *long_json = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonObject) signal = object_from_json (bad[i]);
      g_autoptr (GError) viewer_error = NULL;

      g_test_message ("viewer gets %s", bad[i]);
      g_assert_false (cascade_viewer_handle_signal (peer->viewer, signal, &viewer_error));
      g_assert_error (viewer_error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL);
    }

  long_candidate = g_strnfill (4096, 'a');
  long_json = g_strdup_printf ("{\"ice\":{\"candidate\":\"candidate:%s\",\"sdp_mline_index\":0}}",
                               long_candidate);
  candidate = object_from_json (long_json);
  g_assert_false (cascade_publisher_handle_signal (f->publisher, "nobody", candidate, &error));
  g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_UNKNOWN_PEER);
  g_clear_error (&error);

  /* Well-formed SDP that no connection can be built from: refused later,
   * through the "error" signal, and the viewer survives to connect for real. */
  parseable = object_from_json (
    "{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\n"
    "t=0 0\\r\\nm=video 9 UDP/TLS/RTP/SAVPF 96\\r\\nc=IN IP4 0.0.0.0\\r\\n"
    "a=rtpmap:96 H264/90000\\r\\na=sendonly\\r\\na=mid:0\\r\\n\"}}");
  if (cascade_viewer_handle_signal (peer->viewer, parseable, &error))
    run_until (f, peer_failed, peer);
  else
    g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FAILED);
  g_clear_error (&error);

  /* The streamer refuses an offer from a viewer, and anything from a stranger. */
  join (f, peer);
  answer = object_from_json ("{\"sdp\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 "
                             "127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\nm=audio 9 RTP/AVP 0\\r\\n\"}}");
  g_assert_false (cascade_publisher_handle_signal (f->publisher, "viewer-1", answer, &error));
  g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL);
  g_clear_error (&error);
  g_assert_false (cascade_publisher_handle_signal (f->publisher, "viewer-1", candidate, &error));
  g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_INVALID_SIGNAL);
  g_clear_error (&error);

  run_until (f, stamped_at_least, GUINT_TO_POINTER (5));

  /* A second viewer answers with a well-formed description that fits nothing
   * offered: that viewer fails, the first one keeps playing. */
  g_signal_handlers_disconnect_by_func (f->publisher, publisher_signal, f);
  g_signal_connect (f->publisher, "signal", G_CALLBACK (count_offers), f);
  g_signal_connect (f->publisher, "viewer-state-changed", G_CALLBACK (viewer_state_changed), f);
  g_assert_true (cascade_publisher_add_viewer (f->publisher, "viewer-2", NULL, &error));
  g_assert_no_error (error);
  run_until (f, offered_twice, NULL);
  bogus = object_from_json (
    "{\"sdp\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=-\\r\\n"
    "t=0 0\\r\\nm=audio 9 RTP/AVP 0\\r\\nc=IN IP4 0.0.0.0\\r\\n\"}}");
  g_assert_true (cascade_publisher_handle_signal (f->publisher, "viewer-2", bogus, &error));
  g_assert_no_error (error);
  run_until (f, second_viewer_failed, NULL);
  g_assert_cmpuint (cascade_publisher_get_n_viewers (f->publisher), ==, 1);
  peer->stamped = 0;
  run_until (f, stamped_at_least, GUINT_TO_POINTER (10));
}

static void
test_max_direct_viewers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  cascade_publisher_set_max_direct_viewers (f->publisher, 1);
  join (f, add_peer (f, "viewer-1"));
  g_assert_false (cascade_publisher_add_viewer (f->publisher, "viewer-2", NULL, &error));
  g_assert_error (error, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_FULL);
  g_assert_cmpuint (cascade_publisher_get_n_viewers (f->publisher), ==, 1);
}

static void
snapshot_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GBytes **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = cascade_publisher_snapshot_finish (CASCADE_PUBLISHER (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
has_bytes (Fixture *f, gpointer data)
{
  return *(GBytes **) data != NULL;
}

static void
test_thumbnail (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = NULL;
  const guint8 *bytes;
  gsize size;

  /* What the Live page shows: a JPEG of what is being streamed right now. */
  join (f, add_peer (f, "viewer-1"));
  run_until (f, stamped_at_least, GUINT_TO_POINTER (3));
  cascade_publisher_snapshot_async (f->publisher, NULL, snapshot_done, &jpeg);
  run_until (f, has_bytes, &jpeg);
  bytes = g_bytes_get_data (jpeg, &size);
  g_assert_cmpuint (size, >, 1000);
  g_assert_cmpuint (size, <, 512 * 1024); /* the server's limit */
  g_assert_cmpuint (bytes[0], ==, 0xff);
  g_assert_cmpuint (bytes[1], ==, 0xd8);
}

static void
test_stamp_roundtrip (void)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  g_autoptr (GstBuffer) buffer = NULL;
  gint64 value = 0;
  const gint64 stamp = G_GINT64_CONSTANT (1795000000123456);

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 1280, 720);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_buffer_memset (buffer, 0, 90, GST_VIDEO_INFO_SIZE (&info));

  g_assert_true (gst_video_frame_map (&frame, &info, buffer, GST_MAP_READWRITE));
  /* A plain picture carries no stamp. */
  g_assert_false (cascade_stamp_read (&frame, &value));
  g_assert_true (cascade_stamp_write (&frame, stamp));
  g_assert_true (cascade_stamp_read (&frame, &value));
  g_assert_cmpint (value, ==, stamp);
  /* One flipped block breaks the check byte: no stamp rather than a wrong one. */
  for (int y = 0; y < 16; y++)
    memset ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
              (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + 40 * 16,
            128 + 100, 16);
  value = 0;
  if (cascade_stamp_read (&frame, &value))
    g_assert_cmpint (value, ==, stamp);
  gst_video_frame_unmap (&frame);
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/stamp/roundtrip", test_stamp_roundtrip);
#define ADD(path, func)                                                                            \
  g_test_add ("/cascade/p2p/stream/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  g_test_add ("/cascade/p2p/stream/frames-stamped", Fixture, "preview", fixture_set_up,
              test_frames_stamped, fixture_tear_down);
  ADD ("no-b-frames", test_no_b_frames);
  ADD ("late-join-keyframe", test_late_join_keyframe);
  ADD ("reconnect", test_reconnect);
  ADD ("hostile-signals", test_hostile_signals);
  ADD ("max-direct-viewers", test_max_direct_viewers);
  ADD ("thumbnail", test_thumbnail);
#undef ADD
  status = g_test_run ();
  /* Exiting while the engine still works in the background crashes. */
  cascade_p2p_wait_closed ();
  return status;
}
