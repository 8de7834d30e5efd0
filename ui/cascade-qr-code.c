/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-qr-code.h"

#include <qrencode.h>

#define QUIET_ZONE 4 /* modules of white around the code, as ISO/IEC 18004 asks */

GdkTexture *
cascade_qr_code_new (const char *text, guint scale, GError **error)
{
  QRcode *code;
  g_autoptr (GBytes) bytes = NULL;
  guint8 *pixels;
  gsize side;
  gsize stride;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (scale > 0 && scale <= 64, NULL);

  code = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (code == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Could not make a QR code of %" G_GSIZE_FORMAT " bytes", strlen (text));
      return NULL;
    }

  side = (gsize) (code->width + 2 * QUIET_ZONE) * scale;
  stride = side * 3;
  pixels = g_malloc (stride * side);
  memset (pixels, 0xff, stride * side);
  for (int y = 0; y < code->width; y++)
    for (int x = 0; x < code->width; x++)
      {
        /* Bit 0 of each module says whether it is dark. */
        if ((code->data[y * code->width + x] & 1) == 0)
          continue;
        for (guint dy = 0; dy < scale; dy++)
          memset (pixels + ((gsize) (y + QUIET_ZONE) * scale + dy) * stride +
                    (gsize) (x + QUIET_ZONE) * scale * 3,
                  0x00, (gsize) scale * 3);
      }
  QRcode_free (code);

  bytes = g_bytes_new_take (pixels, stride * side);
  return gdk_memory_texture_new ((int) side, (int) side, GDK_MEMORY_R8G8B8, bytes, stride);
}
