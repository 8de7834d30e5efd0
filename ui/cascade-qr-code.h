/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A QR code of @text (error correction M), black on white with the quiet
 * zone around it, each module @scale pixels wide; NULL (and @error) when the
 * text does not fit in a QR code. */
GdkTexture *cascade_qr_code_new (const char *text, guint scale, GError **error);

G_END_DECLS
