/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-common.h"
#include "cascade-publisher.h"
#include "cascade-viewer.h"

/*
 * One hop on loopback at 720p30, each viewer in its own process (this program
 * run with --viewer), signalling over the children's stdin/stdout as one JSON
 * object a line, so the CPU of each side can be told apart:
 *   - glass-to-glass latency from the pixel stamps (capture → decoded), p50/p95/p99;
 *   - time from join (a started viewer process asking, the streamer adding it) to its
 *     first decoded frame, p95;
 *   - CPU of the streamer per directly served viewer, and of one viewer.
 */

#define LATENCY_SECONDS 20
#define JOIN_ROUNDS 12
#define CPU_SECONDS 6

typedef struct
{
  CascadePublisher *publisher;
  GPtrArray *children;
  GArray *latencies; /* gint64, µs */
  gboolean collect;
} Bench;

typedef struct
{
  Bench *bench;
  char *peer_id;
  GSubprocess *process;
  GDataInputStream *out;
  GOutputStream *in;
  GCancellable *cancellable;
  gboolean ready;
  gint64 joined_us;
  gint64 first_frame_us; /* join → first frame message, -1 before */
} Child;

/* ---- the viewer process ---- */

static void
viewer_signal (CascadeViewer *viewer, JsonObject *signal, gpointer user_data)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), signal);
  g_autofree char *line = json_to_string (node, FALSE);

  printf ("%s\n", line);
  fflush (stdout);
}

static void
viewer_frame (CascadeViewer *viewer, gint64 latency_us, gpointer user_data)
{
  CascadeViewerStats stats;

  cascade_viewer_get_stats (viewer, &stats);
  if (g_getenv ("BENCH_TRACE") != NULL && stats.frames == 1)
    g_printerr ("viewer: first frame %" G_GINT64_FORMAT
                " us after the offer, stamp %s, at %" G_GINT64_FORMAT " ms\n",
                stats.first_frame_us, latency_us >= 0 ? "yes" : "no",
                g_get_monotonic_time () / 1000 % 100000);
  if (latency_us >= 0)
    {
      printf ("{\"latency_us\":%" G_GINT64_FORMAT "}\n", latency_us);
      fflush (stdout);
    }
}

static void
viewer_state (CascadeViewer *viewer, GParamSpec *pspec, gpointer user_data)
{
  if (g_getenv ("BENCH_TRACE") != NULL)
    g_printerr ("viewer: %s at %" G_GINT64_FORMAT " ms\n",
                cascade_peer_state_to_string (cascade_viewer_get_state (viewer)),
                g_get_monotonic_time () / 1000 % 100000);
}

static void
viewer_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeViewer *viewer = user_data;
  g_autofree char *line =
    g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;

  if (line == NULL)
    exit (0); /* the streamer went away */
  node = json_from_string (line, NULL);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
      !cascade_viewer_handle_signal (viewer, json_node_get_object (node), &error))
    g_printerr ("viewer: %s\n", error->message);
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL,
                                       viewer_line, viewer);
}

static int
run_viewer (void)
{
  g_autoptr (GInputStream) stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr (GDataInputStream) lines = g_data_input_stream_new (stdin_stream);
  g_autoptr (CascadeViewer) viewer = cascade_viewer_new (NULL);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  GstElement *dtls;

  g_object_set (viewer, "local-address", "127.0.0.1", NULL);
  g_signal_connect (viewer, "signal", G_CALLBACK (viewer_signal), NULL);
  g_signal_connect (viewer, "frame", G_CALLBACK (viewer_frame), NULL);
  g_signal_connect (viewer, "notify::state", G_CALLBACK (viewer_state), NULL);
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, viewer_line, viewer);
  /* Started like an app that is already open: its DTLS certificate (an RSA
   * key the engine makes once a process, in the background) is ready. A cold
   * process pays that once more on its first join. */
  dtls = gst_element_factory_make ("dtlsdec", NULL);
  if (dtls != NULL)
    gst_object_unref (gst_object_ref_sink (dtls));
  /* The streamer's clock starts now. */
  printf ("{\"ready\":true}\n");
  fflush (stdout);
  g_main_loop_run (loop);
  return 0;
}

/* ---- the streamer ---- */

static void
child_free (gpointer data)
{
  Child *child = data;

  g_cancellable_cancel (child->cancellable);
  cascade_publisher_remove_viewer (child->bench->publisher, child->peer_id);
  g_subprocess_force_exit (child->process);
  g_subprocess_wait (child->process, NULL, NULL);
  g_object_unref (child->cancellable);
  g_object_unref (child->out);
  g_object_unref (child->process);
  g_free (child->peer_id);
  g_free (child);
}

static void
child_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Child *child = user_data;
  g_autofree char *line = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (line == NULL)
    return; /* cancelled or the child ended: child may be freed */
  node = json_from_string (line, NULL);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      object = json_node_get_object (node);
      if (json_object_has_member (object, "ready"))
        {
          g_autoptr (GError) join_error = NULL;

          child->ready = TRUE;
          child->joined_us = g_get_monotonic_time ();
          if (!cascade_publisher_add_viewer (child->bench->publisher, child->peer_id, NULL,
                                             &join_error))
            g_printerr ("streamer: %s\n", join_error->message);
        }
      else if (json_object_has_member (object, "latency_us"))
        {
          gint64 latency = json_object_get_int_member (object, "latency_us");

          if (child->first_frame_us < 0)
            child->first_frame_us = g_get_monotonic_time () - child->joined_us;
          if (child->bench->collect)
            g_array_append_val (child->bench->latencies, latency);
        }
      else if (!cascade_publisher_handle_signal (child->bench->publisher, child->peer_id, object,
                                                 &error))
        g_printerr ("streamer: %s\n", error->message);
    }
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, child->cancellable,
                                       child_line, child);
}

static void
publisher_signal (CascadePublisher *publisher, const char *peer_id, JsonObject *signal, Bench *b)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), signal);
  g_autofree char *line = json_to_string (node, FALSE);

  for (guint i = 0; i < b->children->len; i++)
    {
      Child *child = g_ptr_array_index (b->children, i);

      if (g_str_equal (child->peer_id, peer_id))
        {
          g_autofree char *text = g_strconcat (line, "\n", NULL);

          g_output_stream_write_all (child->in, text, strlen (text), NULL, NULL, NULL);
        }
    }
}

static Child *
spawn_viewer (Bench *b, const char *self_path)
{
  static guint counter;
  g_autoptr (GError) error = NULL;
  Child *child = g_new0 (Child, 1);

  child->bench = b;
  child->peer_id = g_strdup_printf ("viewer-%u", ++counter);
  child->first_frame_us = -1;
  child->cancellable = g_cancellable_new ();
  child->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                                     &error, self_path, "--viewer", NULL);
  g_assert_no_error (error);
  child->in = g_subprocess_get_stdin_pipe (child->process);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->process));
  g_ptr_array_add (b->children, child);
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, child->cancellable,
                                       child_line, child);

  return child;
}

static gboolean
on_elapsed (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  gboolean elapsed = FALSE;

  g_timeout_add (ms, on_elapsed, &elapsed);
  while (!elapsed)
    g_main_context_iteration (NULL, TRUE);
}

/* Streamer CPU (% of one core) over CPU_SECONDS with n viewers, and one viewer's. */
static void
measure_cpu (Bench *b, const char *self_path, guint n, double *streamer, double *viewer)
{
  double before, after, viewer_before = 0;
  GPid viewer_pid = 0;

  while (b->children->len < n)
    spawn_viewer (b, self_path);
  run_for (2000); /* connected and settled */
  if (n > 0)
    viewer_pid = (GPid) g_ascii_strtoll (
      g_subprocess_get_identifier (((Child *) g_ptr_array_index (b->children, 0))->process), NULL,
      10);
  before = cascade_bench_process_cpu_seconds (0);
  if (viewer_pid != 0)
    viewer_before = cascade_bench_process_cpu_seconds (viewer_pid);
  run_for (CPU_SECONDS * 1000);
  after = cascade_bench_process_cpu_seconds (0);
  *streamer = (after - before) / CPU_SECONDS * 100;
  *viewer = viewer_pid != 0
              ? (cascade_bench_process_cpu_seconds (viewer_pid) - viewer_before) / CPU_SECONDS * 100
              : 0;
}

int
main (int argc, char **argv)
{
  Bench b = { 0 };
  g_autoptr (GArray) joins = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;
  double cpu0, cpu1, cpu4, viewer_cpu, unused;
  guint frames;

  gst_init (&argc, &argv);
  if (argc > 1 && g_str_equal (argv[1], "--viewer"))
    return run_viewer ();

  b.children = g_ptr_array_new_with_free_func (child_free);
  b.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.publisher = cascade_publisher_new (CASCADE_QUALITY_720P30);
  g_object_set (b.publisher, "local-address", "127.0.0.1", NULL);
  g_signal_connect (b.publisher, "signal", G_CALLBACK (publisher_signal), &b);
  if (!cascade_publisher_start (b.publisher, &error))
    {
      g_printerr ("bench-latency: %s\n", error->message);
      return 1;
    }
  run_for (1000);

  /* Join → first frame, one viewer at a time, 1.2 s apart (the key frame rate limit). */
  for (guint i = 0; i < JOIN_ROUNDS; i++)
    {
      Child *child = spawn_viewer (&b, argv[0]);
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      while (child->first_frame_us < 0 && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
      if (child->first_frame_us >= 0)
        g_array_append_val (joins, child->first_frame_us);
      g_ptr_array_set_size (b.children, 0);
      run_for (1200);
    }

  /* Glass to glass: one viewer, after it has settled. */
  spawn_viewer (&b, argv[0]);
  run_for (2000);
  b.collect = TRUE;
  run_for (LATENCY_SECONDS * 1000);
  b.collect = FALSE;
  frames = b.latencies->len;
  g_ptr_array_set_size (b.children, 0);

  measure_cpu (&b, argv[0], 0, &cpu0, &unused);
  measure_cpu (&b, argv[0], 1, &cpu1, &viewer_cpu);
  measure_cpu (&b, argv[0], 4, &cpu4, &unused);
  g_ptr_array_set_size (b.children, 0);

  printf ("bench-latency: one hop on loopback, 720p30 (x264 zerolatency, 4 Mbit/s), %u cores\n",
          g_get_num_processors ());
  printf ("glass-to-glass (capture stamp -> decoded), %u frames over %d s:\n", frames,
          LATENCY_SECONDS);
  printf ("  p50 %.1f ms   p95 %.1f ms   p99 %.1f ms   (target p95 < 50 ms)\n",
          cascade_bench_percentile_ms (b.latencies, 50),
          cascade_bench_percentile_ms (b.latencies, 95),
          cascade_bench_percentile_ms (b.latencies, 99));
  printf ("join -> first frame, %u joins: p50 %.0f ms   p95 %.0f ms   (target p95 < 1000 ms)\n",
          joins->len, cascade_bench_percentile_ms (joins, 50),
          cascade_bench_percentile_ms (joins, 95));
  printf ("streamer CPU (%% of one core): encode only %.1f, 1 viewer %.1f, 4 viewers %.1f "
          "-> %.1f per viewer served directly\n",
          cpu0, cpu1, cpu4, (cpu4 - cpu0) / 4);
  printf ("viewer CPU (%% of one core, receive + decode 720p30): %.1f\n", viewer_cpu);

  cascade_publisher_stop (b.publisher);
  g_ptr_array_unref (b.children);
  g_array_unref (b.latencies);
  g_object_unref (b.publisher);
  cascade_p2p_wait_closed ();
  return 0;
}
