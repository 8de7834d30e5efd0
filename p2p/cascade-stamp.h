/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

/*
 * The pixel time stamp: a row of large black and white blocks across the top
 * of a frame carrying a 64-bit time in microseconds (g_get_real_time at
 * capture), framed by a marker byte and a check byte so a frame without a
 * stamp (or one the encoder smeared) reads as no stamp at all. The blocks are
 * whole macroblocks, so they survive H.264 at the presets' bitrates.
 * Frames must be I420 or NV12.
 */

#define CASCADE_STAMP_BLOCKS 80

gboolean cascade_stamp_write (GstVideoFrame *frame, gint64 time_us);
gboolean cascade_stamp_read (const GstVideoFrame *frame, gint64 *out_time_us);

G_END_DECLS
