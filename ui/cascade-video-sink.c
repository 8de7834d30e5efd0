/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-video-sink.h"

#include <gst/video/video.h>

/*
 * CascadeVideoSink: a GStreamer video sink that shows its frames in a
 * CascadePaintable (this platform has no gtk4paintablesink).
 *
 * Each frame is mapped and wrapped, without copying, in a GdkMemoryTexture on
 * the streaming thread; the texture then goes to the paintable on the main
 * thread. There is one slot between the two threads, not a queue: a frame
 * that arrives before the main loop took the previous one replaces it, so a
 * busy main loop drops frames instead of falling behind. The sink does not
 * wait for the clock either (sync is off by default): whatever paces the
 * frames upstream (a live source, webrtcbin's jitter buffer) is the only
 * buffering on the way to the screen.
 */

struct _CascadeVideoSink
{
  GstVideoSink parent_instance;

  /* Set in set_caps, read in show_frame; under the object lock. */
  GstVideoInfo info;

  /* Main thread only. */
  CascadePaintable *paintable;
  GMainContext *context;

  /* The slot between the streaming thread and the main thread. */
  GMutex lock;
  GdkTexture *pending;
  double pending_par;
  gboolean delivery_scheduled;

  guint frames_rendered; /* atomic */
};

enum
{
  PROP_0,
  PROP_PAINTABLE,
  PROP_FRAMES_RENDERED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define CASCADE_VIDEO_SINK_CAPS GST_VIDEO_CAPS_MAKE ("{ BGRA, RGBA }")

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
  "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (CASCADE_VIDEO_SINK_CAPS));

G_DEFINE_FINAL_TYPE (CascadeVideoSink, cascade_video_sink, GST_TYPE_VIDEO_SINK)

/* A mapped frame that lives as long as the texture made from it. */
static void
mapped_frame_free (gpointer data)
{
  GstVideoFrame *frame = data;

  gst_video_frame_unmap (frame);
  g_free (frame);
}

static GdkMemoryFormat
memory_format_for (GstVideoFormat format)
{
  switch (format)
    {
      case GST_VIDEO_FORMAT_BGRA:
        return GDK_MEMORY_B8G8R8A8;

      case GST_VIDEO_FORMAT_RGBA:
      default:
        g_assert (format == GST_VIDEO_FORMAT_RGBA);
        return GDK_MEMORY_R8G8B8A8;
    }
}

static GdkTexture *
texture_from_buffer (GstVideoInfo *info, GstBuffer *buffer)
{
  GstVideoFrame *frame = g_new0 (GstVideoFrame, 1);
  g_autoptr (GBytes) bytes = NULL;
  int width, height;
  gsize stride;

  if (!gst_video_frame_map (frame, info, buffer, GST_MAP_READ))
    {
      g_free (frame);
      return NULL;
    }

  width = GST_VIDEO_FRAME_WIDTH (frame);
  height = GST_VIDEO_FRAME_HEIGHT (frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  bytes = g_bytes_new_with_free_func (GST_VIDEO_FRAME_PLANE_DATA (frame, 0),
                                      stride * (height - 1) + (gsize) width * 4, mapped_frame_free,
                                      frame);

  return gdk_memory_texture_new (width, height, memory_format_for (GST_VIDEO_FRAME_FORMAT (frame)),
                                 bytes, stride);
}

/* On the main thread: hands the newest frame to the paintable. */
static gboolean
deliver_frame (gpointer user_data)
{
  CascadeVideoSink *self = user_data;
  g_autoptr (GdkTexture) texture = NULL;
  double par;

  g_mutex_lock (&self->lock);
  texture = g_steal_pointer (&self->pending);
  par = self->pending_par;
  self->delivery_scheduled = FALSE;
  g_mutex_unlock (&self->lock);

  if (texture != NULL)
    cascade_paintable_set_texture (self->paintable, texture, par);

  return G_SOURCE_REMOVE;
}

static GstFlowReturn
cascade_video_sink_show_frame (GstVideoSink *video_sink, GstBuffer *buffer)
{
  CascadeVideoSink *self = CASCADE_VIDEO_SINK (video_sink);
  g_autoptr (GdkTexture) texture = NULL;
  GstVideoInfo info;
  gboolean schedule;
  double par;

  GST_OBJECT_LOCK (self);
  info = self->info;
  GST_OBJECT_UNLOCK (self);

  texture = texture_from_buffer (&info, buffer);
  if (texture == NULL)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not map a video frame"), (NULL));
      return GST_FLOW_ERROR;
    }
  par = (double) GST_VIDEO_INFO_PAR_N (&info) / MAX (GST_VIDEO_INFO_PAR_D (&info), 1);
  if (par <= 0.0)
    par = 1.0;

  g_mutex_lock (&self->lock);
  g_set_object (&self->pending, texture);
  self->pending_par = par;
  schedule = !self->delivery_scheduled;
  self->delivery_scheduled = TRUE;
  g_mutex_unlock (&self->lock);

  g_atomic_int_inc (&self->frames_rendered);

  /* Always through a source, never g_main_context_invoke: that would run
   * deliver_frame right here, on the streaming thread, whenever the main
   * thread happens not to be iterating its context. */
  if (schedule)
    {
      g_autoptr (GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, deliver_frame, gst_object_ref (self), gst_object_unref);
      g_source_set_static_name (source, "[cascade] video frame");
      g_source_attach (source, self->context);
    }

  return GST_FLOW_OK;
}

static gboolean
cascade_video_sink_set_caps (GstBaseSink *base_sink, GstCaps *caps)
{
  CascadeVideoSink *self = CASCADE_VIDEO_SINK (base_sink);
  GstVideoInfo info;

  if (!gst_video_info_from_caps (&info, caps))
    return FALSE;

  GST_OBJECT_LOCK (self);
  self->info = info;
  GST_OBJECT_UNLOCK (self);

  return TRUE;
}

static gboolean
cascade_video_sink_propose_allocation (GstBaseSink *base_sink, GstQuery *query)
{
  /* Padded rows and offset planes are fine: the texture takes a stride. */
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
  return TRUE;
}

static void
cascade_video_sink_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeVideoSink *self = CASCADE_VIDEO_SINK (object);

  switch (prop_id)
    {
      case PROP_PAINTABLE:
        g_value_set_object (value, self->paintable);
        break;

      case PROP_FRAMES_RENDERED:
        g_value_set_uint64 (value, cascade_video_sink_get_frames_rendered (self));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_video_sink_finalize (GObject *object)
{
  CascadeVideoSink *self = CASCADE_VIDEO_SINK (object);

  g_clear_object (&self->pending);
  g_clear_object (&self->paintable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cascade_video_sink_parent_class)->finalize (object);
}

static void
cascade_video_sink_class_init (CascadeVideoSinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base_sink_class = GST_BASE_SINK_CLASS (klass);
  GstVideoSinkClass *video_sink_class = GST_VIDEO_SINK_CLASS (klass);

  object_class->get_property = cascade_video_sink_get_property;
  object_class->finalize = cascade_video_sink_finalize;

  base_sink_class->set_caps = cascade_video_sink_set_caps;
  base_sink_class->propose_allocation = cascade_video_sink_propose_allocation;
  video_sink_class->show_frame = cascade_video_sink_show_frame;

  /**
   * CascadeVideoSink:paintable:
   *
   * The paintable that shows the sink's frames; put it in a GtkPicture.
   */
  properties[PROP_PAINTABLE] = g_param_spec_object ("paintable", NULL, NULL, CASCADE_TYPE_PAINTABLE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CascadeVideoSink:frames-rendered:
   *
   * How many frames reached the sink (the paintable may have shown fewer,
   * when newer frames overtook older ones on their way to the main thread).
   */
  properties[PROP_FRAMES_RENDERED] = g_param_spec_uint64 (
    "frames-rendered", NULL, NULL, 0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_set_static_metadata (element_class, "Cascade video sink", "Sink/Video",
                                         "Shows video frames in a GdkPaintable", "Cascade");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
}

static void
cascade_video_sink_init (CascadeVideoSink *self)
{
  g_mutex_init (&self->lock);
  gst_video_info_init (&self->info);
  self->paintable = cascade_paintable_new ();
  self->context = g_main_context_ref_thread_default ();

  /* Live video: show each frame as it comes, never hold one back for the
   * clock, and keep no reference to the last one beyond the paintable's. */
  g_object_set (self, "sync", FALSE, "qos", FALSE, "enable-last-sample", FALSE, NULL);
}

/**
 * cascade_video_sink_new:
 *
 * Makes a sink that takes BGRA or RGBA frames. Call it on the thread whose
 * main context runs the widgets (the main thread): the paintable is updated
 * there.
 *
 * Returns: (transfer floating): a new #CascadeVideoSink
 */
GstElement *
cascade_video_sink_new (void)
{
  return g_object_new (CASCADE_TYPE_VIDEO_SINK, NULL);
}

/**
 * cascade_video_sink_bin_new:
 * @sink: (out) (optional) (transfer none): the sink inside the bin
 *
 * Makes a bin of a videoconvert and a new #CascadeVideoSink, which takes
 * video in any raw format: what a decoder can be linked to directly.
 *
 * Returns: (transfer floating): the bin, with one "sink" pad
 */
GstElement *
cascade_video_sink_bin_new (CascadeVideoSink **sink)
{
  GstElement *bin = gst_bin_new ("cascade-video-sink-bin");
  GstElement *convert = gst_element_factory_make ("videoconvert", NULL);
  GstElement *video_sink = cascade_video_sink_new ();
  g_autoptr (GstPad) pad = NULL;

  g_return_val_if_fail (convert != NULL, NULL);

  gst_bin_add_many (GST_BIN (bin), convert, video_sink, NULL);
  if (!gst_element_link (convert, video_sink))
    g_return_val_if_reached (NULL);

  pad = gst_element_get_static_pad (convert, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));

  if (sink != NULL)
    *sink = CASCADE_VIDEO_SINK (video_sink);
  return bin;
}

/**
 * cascade_video_sink_get_paintable:
 *
 * Returns: (transfer none): the paintable that shows the sink's frames
 */
CascadePaintable *
cascade_video_sink_get_paintable (CascadeVideoSink *self)
{
  g_return_val_if_fail (CASCADE_IS_VIDEO_SINK (self), NULL);

  return self->paintable;
}

/**
 * cascade_video_sink_get_frames_rendered:
 *
 * Returns: how many frames have reached the sink; any thread may ask
 */
guint64
cascade_video_sink_get_frames_rendered (CascadeVideoSink *self)
{
  g_return_val_if_fail (CASCADE_IS_VIDEO_SINK (self), 0);

  return g_atomic_int_get (&self->frames_rendered);
}
