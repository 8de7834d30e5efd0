/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CASCADE_TYPE_PAINTABLE (cascade_paintable_get_type ())

G_DECLARE_FINAL_TYPE (CascadePaintable, cascade_paintable, CASCADE, PAINTABLE, GObject)

CascadePaintable *cascade_paintable_new (void);

void cascade_paintable_set_texture (CascadePaintable *self,
                                    GdkTexture *texture,
                                    double pixel_aspect_ratio);
void cascade_paintable_clear (CascadePaintable *self);
GdkTexture *cascade_paintable_get_texture (CascadePaintable *self);
guint64 cascade_paintable_get_frames_shown (CascadePaintable *self);

G_END_DECLS
