/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-paintable.h"

/*
 * CascadePaintable: the newest video frame as a GdkPaintable, for a
 * GtkPicture. CascadeVideoSink hands it each frame on the main thread; it
 * keeps that one texture and nothing older, so what is drawn is always the
 * latest decoded frame.
 */

struct _CascadePaintable
{
  GObject parent_instance;

  GdkTexture *texture;
  double pixel_aspect_ratio;
  guint64 frames_shown;
};

enum
{
  PROP_0,
  PROP_TEXTURE,
  PROP_FRAMES_SHOWN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void cascade_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CascadePaintable,
                               cascade_paintable,
                               G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      cascade_paintable_iface_init))

static void
cascade_paintable_snapshot (GdkPaintable *paintable,
                            GdkSnapshot *snapshot,
                            double width,
                            double height)
{
  CascadePaintable *self = CASCADE_PAINTABLE (paintable);

  if (self->texture != NULL)
    gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
  else
    gtk_snapshot_append_color (GTK_SNAPSHOT (snapshot), &(GdkRGBA){ 0, 0, 0, 1 },
                               &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static GdkPaintable *
cascade_paintable_get_current_image (GdkPaintable *paintable)
{
  CascadePaintable *self = CASCADE_PAINTABLE (paintable);

  if (self->texture != NULL)
    return GDK_PAINTABLE (g_object_ref (self->texture));

  return gdk_paintable_new_empty (0, 0);
}

static int
cascade_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  CascadePaintable *self = CASCADE_PAINTABLE (paintable);

  if (self->texture == NULL)
    return 0;

  return (int) (self->pixel_aspect_ratio * gdk_texture_get_width (self->texture) + 0.5);
}

static int
cascade_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  CascadePaintable *self = CASCADE_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_height (self->texture) : 0;
}

static double
cascade_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  CascadePaintable *self = CASCADE_PAINTABLE (paintable);

  if (self->texture == NULL)
    return 0.0;

  return self->pixel_aspect_ratio * gdk_texture_get_width (self->texture) /
         gdk_texture_get_height (self->texture);
}

static void
cascade_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = cascade_paintable_snapshot;
  iface->get_current_image = cascade_paintable_get_current_image;
  iface->get_intrinsic_width = cascade_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = cascade_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = cascade_paintable_get_intrinsic_aspect_ratio;
}

static void
cascade_paintable_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadePaintable *self = CASCADE_PAINTABLE (object);

  switch (prop_id)
    {
      case PROP_TEXTURE:
        g_value_set_object (value, self->texture);
        break;

      case PROP_FRAMES_SHOWN:
        g_value_set_uint64 (value, self->frames_shown);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_paintable_finalize (GObject *object)
{
  CascadePaintable *self = CASCADE_PAINTABLE (object);

  g_clear_object (&self->texture);

  G_OBJECT_CLASS (cascade_paintable_parent_class)->finalize (object);
}

static void
cascade_paintable_class_init (CascadePaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cascade_paintable_get_property;
  object_class->finalize = cascade_paintable_finalize;

  /**
   * CascadePaintable:texture:
   *
   * The frame shown now, or %NULL before the first one.
   */
  properties[PROP_TEXTURE] = g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_TEXTURE,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CascadePaintable:frames-shown:
   *
   * How many frames the paintable has shown. Frames that arrived while the
   * main loop was busy and were replaced by newer ones before it got to them
   * are not counted: they were never shown.
   */
  properties[PROP_FRAMES_SHOWN] = g_param_spec_uint64 (
    "frames-shown", NULL, NULL, 0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_paintable_init (CascadePaintable *self)
{
  self->pixel_aspect_ratio = 1.0;
}

/**
 * cascade_paintable_new:
 *
 * Returns: (transfer full): a paintable that shows nothing (black) until
 *   its first frame
 */
CascadePaintable *
cascade_paintable_new (void)
{
  return g_object_new (CASCADE_TYPE_PAINTABLE, NULL);
}

/**
 * cascade_paintable_set_texture:
 * @texture: the newest frame
 * @pixel_aspect_ratio: the width of one of its pixels over their height
 *
 * Shows @texture from now on. Call it on the main thread.
 */
void
cascade_paintable_set_texture (CascadePaintable *self,
                               GdkTexture *texture,
                               double pixel_aspect_ratio)
{
  gboolean size_changed;

  g_return_if_fail (CASCADE_IS_PAINTABLE (self));
  g_return_if_fail (GDK_IS_TEXTURE (texture));
  g_return_if_fail (pixel_aspect_ratio > 0.0);

  size_changed = self->texture == NULL ||
                 gdk_texture_get_width (self->texture) != gdk_texture_get_width (texture) ||
                 gdk_texture_get_height (self->texture) != gdk_texture_get_height (texture) ||
                 self->pixel_aspect_ratio != pixel_aspect_ratio;

  g_set_object (&self->texture, texture);
  self->pixel_aspect_ratio = pixel_aspect_ratio;
  self->frames_shown++;

  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAMES_SHOWN]);
}

/**
 * cascade_paintable_clear:
 *
 * Drops the frame shown: the paintable draws black again, as before its first
 * frame (a stream that ended leaves no frozen picture behind).
 */
void
cascade_paintable_clear (CascadePaintable *self)
{
  g_return_if_fail (CASCADE_IS_PAINTABLE (self));

  if (self->texture == NULL)
    return;

  g_clear_object (&self->texture);
  self->pixel_aspect_ratio = 1.0;
  gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXTURE]);
}

/**
 * cascade_paintable_get_texture:
 *
 * Returns: (transfer none) (nullable): the frame shown now
 */
GdkTexture *
cascade_paintable_get_texture (CascadePaintable *self)
{
  g_return_val_if_fail (CASCADE_IS_PAINTABLE (self), NULL);

  return self->texture;
}

/**
 * cascade_paintable_get_frames_shown:
 *
 * Returns: how many frames the paintable has shown
 */
guint64
cascade_paintable_get_frames_shown (CascadePaintable *self)
{
  g_return_val_if_fail (CASCADE_IS_PAINTABLE (self), 0);

  return self->frames_shown;
}
