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
 * viewer. The sound: a tone played into a virtual speaker (desktop audio) or
 * given by a virtual microphone, captured through PipeWire, must reach the
 * viewer as Opus that decodes to something audible; without audio capture
 * it decodes to silence. Runs under tests/p2p/pipewire-env.sh (pipewire +
 * wireplumber).
 */

#define NODE_NAME "cascade-test-screen"
#define TIMEOUT_S 45
/* Decoded S16 samples louder than this are the tone (amplitude ~16000), not silence. */
#define AUDIBLE_PEAK 1000
#define AUDIO_BUFFERS 50

typedef struct
{
  CascadePublisher *publisher;
  CascadeViewer *viewer;
  GstElement *video_sink;
  gboolean audio_probed;
  guint64 stamped;
  gint green_frames;    /* atomic: written from the appsink's thread */
  gint audio_buffers;   /* atomic: decoded audio buffers, from opusdec's thread */
  gint audible_buffers; /* atomic: those with the tone in them */
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

/* After the viewer's Opus decoder: is there sound? (S16LE, interleaved) */
static GstPadProbeReturn
decoded_audio_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Fixture *f = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  int peak = 0;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  for (gsize i = 0; i + 1 < map.size; i += 2)
    {
      gint16 sample = (gint16) GUINT16_FROM_LE (*(const guint16 *) (map.data + i));

      peak = MAX (peak, ABS ((int) sample));
    }
  gst_buffer_unmap (buffer, &map);
  g_atomic_int_inc (&f->audio_buffers);
  if (peak > AUDIBLE_PEAK)
    g_atomic_int_inc (&f->audible_buffers);
  return GST_PAD_PROBE_OK;
}

/* The viewer builds its audio chain when the audio track arrives: find its
 * opusdec through the pipeline our video sink was added to. */
static void
probe_viewer_audio (Fixture *f)
{
  g_autoptr (GstObject) pipeline = NULL;
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  if (f->audio_probed)
    return;
  pipeline = gst_object_get_parent (GST_OBJECT (f->video_sink));
  if (pipeline == NULL || !GST_IS_BIN (pipeline))
    return;
  it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  while (!f->audio_probed && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);

      if (factory != NULL &&
          g_strcmp0 (gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)), "opusdec") == 0)
        {
          g_autoptr (GstPad) src = gst_element_get_static_pad (element, "src");

          gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, decoded_audio_probe, f, NULL);
          f->audio_probed = TRUE;
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  gst_iterator_free (it);
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

static GstElement *
play (const char *description)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return pipeline;
}

static guint32
wait_for_node (const char *name)
{
  guint32 node = 0;

  for (int i = 0; i < 100 && node == 0; i++)
    {
      g_usleep (50 * 1000);
      node = find_node (name);
    }
  g_assert_cmpuint (node, !=, 0);
  return node;
}

/* Streams the green screen node with @audio to a viewer until it has the
 * picture and AUDIO_BUFFERS decoded audio buffers (audible ones when @audible). */
static void
stream_screen (CascadeAudioCapture audio, gboolean audible, Fixture *f)
{
  g_autoptr (GstElement) screen = NULL;
  g_autoptr (GError) error = NULL;
  gboolean timed_out = FALSE;
  guint timeout;
  guint32 node;

  screen = play ("videotestsrc is-live=true pattern=solid-color foreground-color=0xff00ff00 ! "
                 "video/x-raw,format=I420,width=1280,height=720,framerate=30/1 ! "
                 "pipewiresink mode=provide stream-properties=\"props,media.class=Video/Source,"
                 "node.name=" NODE_NAME "\"");
  timeout = g_timeout_add_seconds (TIMEOUT_S, on_timeout, &timed_out);
  node = wait_for_node (NODE_NAME);

  f->publisher = cascade_publisher_new (CASCADE_QUALITY_720P30);
  g_object_set (f->publisher, "local-address", "127.0.0.1", NULL);
  cascade_publisher_set_source_pipewire (f->publisher, -1, node);
  cascade_publisher_set_audio_capture (f->publisher, audio);
  cascade_publisher_set_stamp (f->publisher, TRUE);
  g_signal_connect (f->publisher, "signal", G_CALLBACK (publisher_signal), f);

  f->video_sink = gst_element_factory_make ("appsink", NULL);
  g_object_set (f->video_sink, "sync", FALSE, "max-buffers", 2, "drop", TRUE, "emit-signals", TRUE,
                NULL);
  gst_app_sink_set_caps (GST_APP_SINK (f->video_sink),
                         gst_caps_from_string ("video/x-raw,format=RGBx"));
  g_signal_connect (f->video_sink, "new-sample", G_CALLBACK (on_new_sample), f);
  f->viewer = cascade_viewer_new (f->video_sink);
  g_object_set (f->viewer, "local-address", "127.0.0.1", NULL);
  g_signal_connect (f->viewer, "signal", G_CALLBACK (viewer_signal), f);
  g_signal_connect (f->viewer, "frame", G_CALLBACK (viewer_frame), f);

  cascade_publisher_start (f->publisher, &error);
  g_assert_no_error (error);
  cascade_publisher_add_viewer (f->publisher, "viewer", NULL, &error);
  g_assert_no_error (error);

  while (!timed_out &&
         (f->stamped < 20 || g_atomic_int_get (&f->green_frames) < 20 ||
          g_atomic_int_get (audible ? &f->audible_buffers : &f->audio_buffers) < AUDIO_BUFFERS))
    {
      g_main_context_iteration (NULL, FALSE);
      probe_viewer_audio (f);
      g_usleep (5 * 1000);
    }
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_cmpuint (f->stamped, >=, 20);
  g_assert_cmpint (g_atomic_int_get (&f->green_frames), >=, 20);
  g_assert_true (f->audio_probed);
  g_assert_cmpint (g_atomic_int_get (&f->audio_buffers), >=, AUDIO_BUFFERS);

  cascade_publisher_stop (f->publisher);
  g_assert_finalize_object (f->viewer);
  g_assert_finalize_object (f->publisher);
  gst_element_set_state (screen, GST_STATE_NULL);
}

/* No audio capture: the viewer still gets an audio track, and it is silent. */
static void
test_capture (void)
{
  Fixture f = { 0 };

  stream_screen (CASCADE_AUDIO_CAPTURE_NONE, FALSE, &f);
  g_assert_cmpint (g_atomic_int_get (&f.audible_buffers), ==, 0);
}

#define TONE                                                                                       \
  "audiotestsrc is-live=true wave=sine freq=440 volume=0.5 ! "                                     \
  "audio/x-raw,format=S16LE,rate=48000,channels=2 ! "

/* A null-audio-sink node of @media_class that outlives pw-cli, and a tone
 * played into it. */
static GstElement *
play_into_virtual_node (const char *name, const char *media_class)
{
  g_autofree char *node = g_strdup_printf ("{ factory.name=support.null-audio-sink node.name=%s "
                                           "media.class=%s object.linger=true "
                                           "audio.position=[ FL FR ] }",
                                           name, media_class);
  const char *argv[] = { "pw-cli", "create-node", "adapter", node, NULL };
  g_autofree char *player = NULL;
  g_autoptr (GError) error = NULL;
  GstElement *pipeline;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  wait_for_node (name);
  player = g_strdup_printf ("audiotestsrc is-live=true wave=sine freq=440 volume=0.5 ! "
                            "audio/x-raw,format=S16LE,rate=48000,channels=2 ! "
                            "pipewiresink target-object=%s stream-properties=\"props,"
                            "media.class=Stream/Output/Audio,node.name=%s-player\"",
                            name, name);
  pipeline = play (player);
  g_free (g_steal_pointer (&player));
  player = g_strdup_printf ("%s-player", name);
  wait_for_node (player);
  return pipeline;
}

/* A virtual microphone (a duplex node: what is played into it comes out of
 * its capture ports) is the default, and only, audio source. */
static void
test_microphone (void)
{
  g_autoptr (GstElement) player = NULL;
  Fixture f = { 0 };

  player = play_into_virtual_node ("cascade-test-microphone", "Audio/Duplex");
  stream_screen (CASCADE_AUDIO_CAPTURE_MICROPHONE, TRUE, &f);
  g_assert_cmpint (g_atomic_int_get (&f.audible_buffers), >=, AUDIO_BUFFERS);
  gst_element_set_state (player, GST_STATE_NULL);
}

/* Virtual speakers (the default sink) with a tone playing into them:
 * desktop audio is their monitor, mixed with the microphone when both. */
static void
test_desktop_audio (void)
{
  g_autoptr (GstElement) player = NULL;
  Fixture f = { 0 };
  Fixture both = { 0 };

  player = play_into_virtual_node ("cascade-test-speakers", "Audio/Sink");
  stream_screen (CASCADE_AUDIO_CAPTURE_DESKTOP, TRUE, &f);
  g_assert_cmpint (g_atomic_int_get (&f.audible_buffers), >=, AUDIO_BUFFERS);
  stream_screen (CASCADE_AUDIO_CAPTURE_BOTH, TRUE, &both);
  g_assert_cmpint (g_atomic_int_get (&both.audible_buffers), >=, AUDIO_BUFFERS);
  gst_element_set_state (player, GST_STATE_NULL);
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/pipewire/capture", test_capture);
  g_test_add_func ("/cascade/p2p/pipewire/microphone", test_microphone);
  g_test_add_func ("/cascade/p2p/pipewire/desktop-audio", test_desktop_audio);
  status = g_test_run ();
  /* Exiting while the engine still works in the background crashes. */
  cascade_p2p_wait_closed ();
  return status;
}
