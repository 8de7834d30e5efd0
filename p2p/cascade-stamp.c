/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-stamp.h"

#define STAMP_MARKER 0xB2
#define LUMA_BLACK 16
#define LUMA_WHITE 235

/* Blocks are at least one macroblock wide and a multiple of 8 pixels. */
static int
block_size (int width)
{
  int size = (width / CASCADE_STAMP_BLOCKS) & ~7;

  return MAX (size, 8);
}

static guint8
check_byte (guint64 value)
{
  guint8 crc = 0;

  /* CRC-8 (polynomial 0x07) over the eight bytes, most significant first. */
  for (int i = 7; i >= 0; i--)
    {
      crc ^= (guint8) (value >> (i * 8));
      for (int b = 0; b < 8; b++)
        crc = (crc & 0x80) ? (guint8) ((crc << 1) ^ 0x07) : (guint8) (crc << 1);
    }
  return crc;
}

static gboolean
stamp_bit (guint64 value, int index)
{
  if (index < 8)
    return (STAMP_MARKER >> (7 - index)) & 1;
  if (index < 72)
    return (value >> (63 - (index - 8))) & 1;
  return (check_byte (value) >> (7 - (index - 72))) & 1;
}

static gboolean
frame_supported (const GstVideoFrame *frame, int size)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (frame);

  if (format != GST_VIDEO_FORMAT_I420 && format != GST_VIDEO_FORMAT_NV12)
    return FALSE;
  return GST_VIDEO_FRAME_WIDTH (frame) >= size * CASCADE_STAMP_BLOCKS &&
         GST_VIDEO_FRAME_HEIGHT (frame) >= size;
}

gboolean
cascade_stamp_write (GstVideoFrame *frame, gint64 time_us)
{
  int width, size, stride;
  guint8 *luma;

  g_return_val_if_fail (frame != NULL, FALSE);

  width = GST_VIDEO_FRAME_WIDTH (frame);
  size = block_size (width);
  if (!frame_supported (frame, size))
    return FALSE;

  luma = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  for (int y = 0; y < size; y++)
    {
      guint8 *row = luma + (gsize) y * stride;

      for (int block = 0; block < CASCADE_STAMP_BLOCKS; block++)
        memset (row + block * size, stamp_bit ((guint64) time_us, block) ? LUMA_WHITE : LUMA_BLACK,
                size);
    }

  /* Neutral chroma under the stamp, so colour never bleeds into the blocks. */
  for (guint plane = 1; plane < GST_VIDEO_FRAME_N_PLANES (frame); plane++)
    {
      guint8 *chroma = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
      int chroma_stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);
      /* I420: one byte per chroma sample; NV12: two interleaved bytes per sample. */
      gsize bytes = (gsize) (size * CASCADE_STAMP_BLOCKS) / 2 *
                    (GST_VIDEO_FRAME_FORMAT (frame) == GST_VIDEO_FORMAT_NV12 ? 2 : 1);

      for (int y = 0; y < size / 2; y++)
        memset (chroma + (gsize) y * chroma_stride, 128, bytes);
    }
  return TRUE;
}

gboolean
cascade_stamp_read (const GstVideoFrame *frame, gint64 *out_time_us)
{
  int size, stride, margin;
  const guint8 *luma;
  guint64 value = 0;
  guint8 marker = 0, check = 0;

  g_return_val_if_fail (frame != NULL, FALSE);
  g_return_val_if_fail (out_time_us != NULL, FALSE);

  size = block_size (GST_VIDEO_FRAME_WIDTH (frame));
  if (!frame_supported (frame, size))
    return FALSE;

  luma = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  margin = size / 4;
  for (int block = 0; block < CASCADE_STAMP_BLOCKS; block++)
    {
      guint sum = 0, count = 0;
      gboolean bit;

      /* The middle of each block: edges are where compression rings. */
      for (int y = margin; y < size - margin; y++)
        for (int x = block * size + margin; x < (block + 1) * size - margin; x++)
          {
            sum += luma[(gsize) y * stride + x];
            count++;
          }
      bit = sum / count > (LUMA_BLACK + LUMA_WHITE) / 2;
      if (block < 8)
        marker = (guint8) (marker << 1 | bit);
      else if (block < 72)
        value = value << 1 | bit;
      else
        check = (guint8) (check << 1 | bit);
    }

  if (marker != STAMP_MARKER || check != check_byte (value))
    return FALSE;
  *out_time_us = (gint64) value;
  return TRUE;
}
