/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * CascadeVideoSink and CascadePaintable with a real GStreamer pipeline
 * (videotestsrc, live, through videoconvert) under Xvfb: the frames reach the
 * paintable, at their size and aspect, with their pixels, and a main loop
 * that falls behind sees only the newest frame, never a backlog.
 */

#include <adwaita.h>
#include <gst/gst.h>

#include "cascade-ui-test.h"
#include "cascade-video-sink.h"

#define WAIT_FOR CASCADE_UI_TEST_WAIT_FOR

typedef struct
{
  GstElement *pipeline;
  CascadeVideoSink *sink;
  CascadePaintable *paintable;
} Fixture;

static void
start_pipeline (Fixture *f, const char *caps)
{
  g_autofree char *description =
    g_strdup_printf ("videotestsrc is-live=true pattern=smpte ! %s ! queue max-size-buffers=1 "
                     "leaky=downstream name=q",
                     caps);
  g_autoptr (GError) error = NULL;
  GstElement *bin;
  GstElement *queue;

  f->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  bin = cascade_video_sink_bin_new (&f->sink);
  gst_bin_add (GST_BIN (f->pipeline), bin);
  queue = gst_bin_get_by_name (GST_BIN (f->pipeline), "q");
  g_assert_true (gst_element_link (queue, bin));
  gst_object_unref (queue);

  f->paintable = g_object_ref (cascade_video_sink_get_paintable (f->sink));
  g_assert_cmpint (gst_element_set_state (f->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

static gboolean
keep_polling (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  guint poll_id;

  gst_element_set_state (f->pipeline, GST_STATE_NULL);
  g_object_add_weak_pointer (G_OBJECT (f->sink), (gpointer *) &f->sink);
  gst_object_unref (f->pipeline);

  /* Frames already on their way to the main thread hold the sink, and a
   * streaming thread may drop its last reference a moment after the state
   * change: wait for it, waking up now and then. */
  poll_id = g_timeout_add (10, keep_polling, NULL);
  WAIT_FOR (f->sink == NULL);
  g_source_remove (poll_id);
  g_assert_finalize_object (f->paintable);
}

static guint8 *
download (GdkTexture *texture, gsize *stride)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  guint8 *data = g_malloc (width * height * 4);

  *stride = width * 4;
  gdk_texture_download (texture, data, *stride);
  return data;
}

/* The share of pixels that are not (nearly) black. */
static double
lit_share (GdkTexture *texture)
{
  gsize stride;
  g_autofree guint8 *data = download (texture, &stride);
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  guint lit = 0;

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = data + y * stride + x * 4;

        if (p[0] > 32 || p[1] > 32 || p[2] > 32)
          lit++;
      }
  return (double) lit / (width * height);
}

static void
test_frames_arrive (Fixture *f, gconstpointer data)
{
  GdkTexture *texture;
  gsize stride;
  g_autofree guint8 *pixels = NULL;

  start_pipeline (f, "video/x-raw,format=I420,width=320,height=180,framerate=30/1");

  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (f->paintable)), ==, 0);
  WAIT_FOR (cascade_paintable_get_frames_shown (f->paintable) >= 5);

  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (f->paintable)), ==, 320);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (f->paintable)), ==, 180);

  texture = cascade_paintable_get_texture (f->paintable);
  g_assert_nonnull (texture);
  g_assert_cmpfloat (lit_share (texture), >, 0.6);

  /* The SMPTE bars start with a light grey bar and then a yellow one: the
   * colours came through, not just brightness (downloads are B, G, R, A). */
  pixels = download (texture, &stride);
  g_assert_cmpint (pixels[10 * stride + 10 * 4 + 0], >, 150);
  g_assert_cmpint (pixels[10 * stride + 10 * 4 + 2], >, 150);
  g_assert_cmpint (pixels[10 * stride + 70 * 4 + 0], <, 60);
  g_assert_cmpint (pixels[10 * stride + 70 * 4 + 1], >, 150);
  g_assert_cmpint (pixels[10 * stride + 70 * 4 + 2], >, 150);
}

static void
test_pixel_aspect_ratio (Fixture *f, gconstpointer data)
{
  start_pipeline (
    f, "video/x-raw,format=I420,width=320,height=240,framerate=30/1,pixel-aspect-ratio=2/1");

  WAIT_FOR (cascade_paintable_get_frames_shown (f->paintable) >= 1);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (f->paintable)), ==, 640);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (f->paintable)), ==, 240);
}

/* A main loop that was busy for half a second shows the newest frame once,
 * instead of replaying the fifteen it missed (which would put the picture
 * half a second behind for good). */
static void
test_newest_frame_only (Fixture *f, gconstpointer data)
{
  guint64 rendered_before, shown_before;

  start_pipeline (f, "video/x-raw,format=I420,width=320,height=180,framerate=30/1");
  WAIT_FOR (cascade_paintable_get_frames_shown (f->paintable) >= 3);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  rendered_before = cascade_video_sink_get_frames_rendered (f->sink);
  shown_before = cascade_paintable_get_frames_shown (f->paintable);
  g_usleep (G_USEC_PER_SEC / 2);
  g_assert_cmpuint (cascade_video_sink_get_frames_rendered (f->sink) - rendered_before, >=, 8);

  g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (cascade_paintable_get_frames_shown (f->paintable) - shown_before, ==, 1);
}

static gboolean
count_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

/* A GtkPicture in a real window draws the frames. */
static void
test_picture_draws (Fixture *f, gconstpointer data)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *picture;
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  guint ticks = 0;

  start_pipeline (f, "video/x-raw,format=I420,width=320,height=180,framerate=30/1");
  picture = gtk_picture_new_for_paintable (GDK_PAINTABLE (f->paintable));
  gtk_window_set_child (GTK_WINDOW (window), picture);
  gtk_window_set_default_size (GTK_WINDOW (window), 320, 180);
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_add_tick_callback (window, count_tick, &ticks, NULL);

  WAIT_FOR (cascade_paintable_get_frames_shown (f->paintable) >= 3 && ticks >= 3);

  /* What the picture draws into the window, rendered by the window's renderer. */
  GTK_WIDGET_GET_CLASS (picture)->snapshot (picture, snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (
    gtk_native_get_renderer (GTK_NATIVE (window)), node,
    &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (picture), gtk_widget_get_height (picture)));
  g_assert_cmpfloat (lit_share (texture), >, 0.5);

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (window));
  WAIT_FOR (window == NULL);
}

int
main (int argc, char *argv[])
{
  cascade_ui_test_init (&argc, &argv);
  gst_init (&argc, &argv);

  g_test_add ("/cascade/ui/video-sink/frames-arrive", Fixture, NULL, NULL, test_frames_arrive,
              fixture_tear_down);
  g_test_add ("/cascade/ui/video-sink/pixel-aspect-ratio", Fixture, NULL, NULL,
              test_pixel_aspect_ratio, fixture_tear_down);
  g_test_add ("/cascade/ui/video-sink/newest-frame-only", Fixture, NULL, NULL,
              test_newest_frame_only, fixture_tear_down);
  g_test_add ("/cascade/ui/video-sink/picture-draws", Fixture, NULL, NULL, test_picture_draws,
              fixture_tear_down);

  return g_test_run ();
}
