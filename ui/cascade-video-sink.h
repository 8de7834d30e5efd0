/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/video/gstvideosink.h>

#include "cascade-paintable.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_VIDEO_SINK (cascade_video_sink_get_type ())

G_DECLARE_FINAL_TYPE (CascadeVideoSink, cascade_video_sink, CASCADE, VIDEO_SINK, GstVideoSink)

GstElement *cascade_video_sink_new (void);
GstElement *cascade_video_sink_bin_new (CascadeVideoSink **sink);
CascadePaintable *cascade_video_sink_get_paintable (CascadeVideoSink *self);
guint64 cascade_video_sink_get_frames_rendered (CascadeVideoSink *self);

G_END_DECLS
