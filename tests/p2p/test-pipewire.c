/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "cascade-publisher.h"
#include "cascade-viewer.h"

/*
 * The capture path: a PipeWire video node (a pipewiresink providing a green
 * picture, as a screen would through the ScreenCast portal) captured by the
 * publisher's PipeWire source, sent over WebRTC on loopback and decoded by a
 * viewer. Runs under tests/p2p/pipewire-env.sh (pipewire + wireplumber).
 */

#define NODE_NAME "cascade-test-screen"
#define TIMEOUT_S 20

typedef struct
{
  CascadePublisher *publisher;
  CascadeViewer *viewer;
  guint64 stamped;
  gint green_frames; /* atomic: written from the appsink's thread */
} Fixture;

static void
publisher_signal (CascadePublisher *publisher, const char *peer_id, JsonObject *signal, Fixture *f)
{
  g_autoptr (GError) error = NULL;

  cascade_viewer_handle_signal (f->viewer, signal, &error);
  g_assert_no_error (error);
}

static void
viewer_signal (CascadeViewer *viewer, JsonObject *signal, Fixture *f)
{
  g_autoptr (GError) error = NULL;

  cascade_publisher_handle_signal (f->publisher, "viewer", signal, &error);
  g_assert_no_error (error);
}

static void
viewer_frame (CascadeViewer *viewer, gint64 latency_us, Fixture *f)
{
  if (latency_us >= 0)
    f->stamped++;
}

/* The middle of the decoded picture is the node's green, not a test pattern. */
static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstStructure *structure = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
  int width = 0, height = 0;
  GstMapInfo map;

  gst_structure_get_int (structure, "width", &width);
  gst_structure_get_int (structure, "height", &height);
  if (width > 0 && gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      /* RGBx, rows of width * 4 bytes (width is a multiple of 4 here). */
      const guint8 *pixel = map.data + ((gsize) (height / 2) * width + width / 2) * 4;

      if (pixel[1] > 200 && pixel[0] < 60 && pixel[2] < 60)
        g_atomic_int_inc (&f->green_frames);
      gst_buffer_unmap (buffer, &map);
    }
  return GST_FLOW_OK;
}

static guint32
find_node (const char *name)
{
  const char *argv[] = { "pw-dump", NULL };
  g_autofree char *out = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonArray *objects;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, NULL, NULL))
    return 0;
  root = json_from_string (out, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return 0;
  objects = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (objects); i++)
    {
      JsonObject *object = json_array_get_object_element (objects, i);
      JsonObject *info, *props;

      if (!json_object_has_member (object, "info") ||
          !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "info")))
        continue;
      info = json_object_get_object_member (object, "info");
      if (!json_object_has_member (info, "props"))
        continue;
      props = json_object_get_object_member (info, "props");
      if (json_object_has_member (props, "node.name") &&
          g_strcmp0 (json_object_get_string_member (props, "node.name"), name) == 0)
        return (guint32) json_object_get_int_member (object, "id");
    }
  return 0;
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_capture (void)
{
  Fixture f = { 0 };
  g_autoptr (GstElement) screen = NULL;
  g_autoptr (GError) error = NULL;
  GstElement *sink;
  gboolean timed_out = FALSE;
  guint timeout;
  guint32 node = 0;

  screen = gst_parse_launch (
    "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00ff00 ! "
    "video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! "
    "pipewiresink mode=provide stream-properties=\"props,media.class=Video/Source,"
    "node.name=" NODE_NAME "\"",
    &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (screen, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);

  timeout = g_timeout_add_seconds (TIMEOUT_S, on_timeout, &timed_out);
  for (int i = 0; i < 100 && node == 0; i++)
    {
      g_usleep (50 * 1000);
      node = find_node (NODE_NAME);
    }
  g_assert_cmpuint (node, !=, 0);

  f.publisher = cascade_publisher_new (CASCADE_QUALITY_720P30);
  g_object_set (f.publisher, "local-address", "127.0.0.1", NULL);
  cascade_publisher_set_source_pipewire (f.publisher, -1, node);
  cascade_publisher_set_stamp (f.publisher, TRUE);
  g_signal_connect (f.publisher, "signal", G_CALLBACK (publisher_signal), &f);

  sink = gst_element_factory_make ("appsink", NULL);
  g_object_set (sink, "sync", FALSE, "max-buffers", 2, "drop", TRUE, "emit-signals", TRUE, NULL);
  gst_app_sink_set_caps (GST_APP_SINK (sink), gst_caps_from_string ("video/x-raw,format=RGBx"));
  g_signal_connect (sink, "new-sample", G_CALLBACK (on_new_sample), &f);
  f.viewer = cascade_viewer_new (sink);
  g_object_set (f.viewer, "local-address", "127.0.0.1", NULL);
  g_signal_connect (f.viewer, "signal", G_CALLBACK (viewer_signal), &f);
  g_signal_connect (f.viewer, "frame", G_CALLBACK (viewer_frame), &f);

  cascade_publisher_start (f.publisher, &error);
  g_assert_no_error (error);
  cascade_publisher_add_viewer (f.publisher, "viewer", NULL, &error);
  g_assert_no_error (error);

  while (!timed_out && (f.stamped < 20 || g_atomic_int_get (&f.green_frames) < 20))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_cmpuint (f.stamped, >=, 20);
  g_assert_cmpint (g_atomic_int_get (&f.green_frames), >=, 20);

  cascade_publisher_stop (f.publisher);
  g_assert_finalize_object (f.viewer);
  g_assert_finalize_object (f.publisher);
  gst_element_set_state (screen, GST_STATE_NULL);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/pipewire/capture", test_capture);
  return g_test_run ();
}
