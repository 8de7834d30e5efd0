/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-split-box.h"

#define DEFAULT_SIDEBAR_WIDTH 340
#define DEFAULT_BREAKPOINT 800
/* Narrow: the share of the height the sidebar below the content takes. */
#define SIDEBAR_SHARE 0.45

struct _CascadeSplitBox
{
  GtkWidget parent_instance;

  GtkWidget *content;
  GtkWidget *sidebar;
  GtkWidget *separator;
  gboolean sidebar_visible;
  int sidebar_width;
  int breakpoint;
  gboolean narrow;
};

G_DEFINE_FINAL_TYPE (CascadeSplitBox, cascade_split_box, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CONTENT,
  PROP_SIDEBAR,
  PROP_SIDEBAR_VISIBLE,
  PROP_SIDEBAR_WIDTH,
  PROP_BREAKPOINT,
  PROP_NARROW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
showing_sidebar (CascadeSplitBox *self)
{
  return self->sidebar != NULL && self->sidebar_visible && gtk_widget_get_visible (self->sidebar);
}

static void
measure_child (
  GtkWidget *child, GtkOrientation orientation, int for_size, int *minimum, int *natural)
{
  *minimum = *natural = 0;
  if (child != NULL && gtk_widget_get_visible (child))
    gtk_widget_measure (child, orientation, for_size, minimum, natural, NULL, NULL);
}

static void
cascade_split_box_measure (GtkWidget *widget,
                           GtkOrientation orientation,
                           int for_size,
                           int *minimum,
                           int *natural,
                           int *minimum_baseline,
                           int *natural_baseline)
{
  CascadeSplitBox *self = CASCADE_SPLIT_BOX (widget);
  int content_min, content_nat, side_min, side_nat;

  measure_child (self->content, orientation, -1, &content_min, &content_nat);
  if (!showing_sidebar (self))
    {
      *minimum = content_min;
      *natural = content_nat;
      return;
    }
  measure_child (self->sidebar, orientation, -1, &side_min, &side_nat);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* At its narrowest the sidebar is below: as wide as the wider child. */
      *minimum = MAX (content_min, side_min);
      *natural = content_nat + MAX (side_nat, self->sidebar_width);
    }
  else
    {
      *minimum = content_min + side_min;
      *natural = MAX (content_nat, side_nat);
    }
}

static void
set_narrow (CascadeSplitBox *self, gboolean narrow)
{
  if (self->narrow == narrow)
    return;
  self->narrow = narrow;
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->separator),
                                  narrow ? GTK_ORIENTATION_HORIZONTAL : GTK_ORIENTATION_VERTICAL);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NARROW]);
}

static void
cascade_split_box_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  CascadeSplitBox *self = CASCADE_SPLIT_BOX (widget);
  int side_min = 0, side_nat = 0, sep_min = 0, sep_nat = 0;

  if (!showing_sidebar (self))
    {
      if (self->content != NULL)
        gtk_widget_size_allocate (self->content, &(GtkAllocation){ 0, 0, width, height }, -1);
      gtk_widget_size_allocate (self->separator, &(GtkAllocation){ width, 0, 0, 0 }, -1);
      return;
    }

  set_narrow (self, width < self->breakpoint);
  if (!self->narrow)
    {
      int side;

      gtk_widget_measure (self->sidebar, GTK_ORIENTATION_HORIZONTAL, height, &side_min, &side_nat,
                          NULL, NULL);
      gtk_widget_measure (self->separator, GTK_ORIENTATION_HORIZONTAL, height, &sep_min, &sep_nat,
                          NULL, NULL);
      side = MIN (MAX (self->sidebar_width, side_min), width - sep_min);
      if (self->content != NULL)
        gtk_widget_size_allocate (self->content,
                                  &(GtkAllocation){ 0, 0, width - side - sep_min, height }, -1);
      gtk_widget_size_allocate (self->separator,
                                &(GtkAllocation){ width - side - sep_min, 0, sep_min, height }, -1);
      gtk_widget_size_allocate (self->sidebar, &(GtkAllocation){ width - side, 0, side, height },
                                -1);
    }
  else
    {
      int content_min = 0, content_nat = 0, side;

      gtk_widget_measure (self->sidebar, GTK_ORIENTATION_VERTICAL, width, &side_min, &side_nat,
                          NULL, NULL);
      gtk_widget_measure (self->separator, GTK_ORIENTATION_VERTICAL, width, &sep_min, &sep_nat,
                          NULL, NULL);
      if (self->content != NULL)
        gtk_widget_measure (self->content, GTK_ORIENTATION_VERTICAL, width, &content_min,
                            &content_nat, NULL, NULL);
      side = MAX ((int) (height * SIDEBAR_SHARE), side_min);
      side = MIN (side, height - content_min - sep_min);
      side = MAX (side, 0);
      if (self->content != NULL)
        gtk_widget_size_allocate (self->content,
                                  &(GtkAllocation){ 0, 0, width, height - side - sep_min }, -1);
      gtk_widget_size_allocate (self->separator,
                                &(GtkAllocation){ 0, height - side - sep_min, width, sep_min }, -1);
      gtk_widget_size_allocate (self->sidebar, &(GtkAllocation){ 0, height - side, width, side },
                                -1);
    }
}

static GtkSizeRequestMode
cascade_split_box_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_CONSTANT_SIZE;
}

static void
set_child (CascadeSplitBox *self, GtkWidget **slot, GtkWidget *child, GParamSpec *pspec)
{
  if (*slot == child)
    return;
  if (*slot != NULL)
    gtk_widget_unparent (*slot);
  *slot = child;
  if (child != NULL)
    {
      gtk_widget_insert_before (child, GTK_WIDGET (self), NULL);
      if (slot == &self->sidebar)
        gtk_widget_set_child_visible (child, self->sidebar_visible);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

void
cascade_split_box_set_content (CascadeSplitBox *self, GtkWidget *content)
{
  g_return_if_fail (CASCADE_IS_SPLIT_BOX (self));
  g_return_if_fail (content == NULL || GTK_IS_WIDGET (content));

  set_child (self, &self->content, content, properties[PROP_CONTENT]);
}

void
cascade_split_box_set_sidebar (CascadeSplitBox *self, GtkWidget *sidebar)
{
  g_return_if_fail (CASCADE_IS_SPLIT_BOX (self));
  g_return_if_fail (sidebar == NULL || GTK_IS_WIDGET (sidebar));

  set_child (self, &self->sidebar, sidebar, properties[PROP_SIDEBAR]);
}

gboolean
cascade_split_box_get_sidebar_visible (CascadeSplitBox *self)
{
  g_return_val_if_fail (CASCADE_IS_SPLIT_BOX (self), FALSE);
  return self->sidebar_visible;
}

void
cascade_split_box_set_sidebar_visible (CascadeSplitBox *self, gboolean visible)
{
  g_return_if_fail (CASCADE_IS_SPLIT_BOX (self));

  visible = !!visible;
  if (self->sidebar_visible == visible)
    return;
  self->sidebar_visible = visible;
  if (self->sidebar != NULL)
    gtk_widget_set_child_visible (self->sidebar, visible);
  gtk_widget_set_child_visible (self->separator, visible);
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDEBAR_VISIBLE]);
}

gboolean
cascade_split_box_get_narrow (CascadeSplitBox *self)
{
  g_return_val_if_fail (CASCADE_IS_SPLIT_BOX (self), FALSE);
  return self->narrow;
}

GtkWidget *
cascade_split_box_new (void)
{
  return g_object_new (CASCADE_TYPE_SPLIT_BOX, NULL);
}

static void
cascade_split_box_dispose (GObject *object)
{
  CascadeSplitBox *self = CASCADE_SPLIT_BOX (object);

  g_clear_pointer (&self->content, gtk_widget_unparent);
  g_clear_pointer (&self->sidebar, gtk_widget_unparent);
  g_clear_pointer (&self->separator, gtk_widget_unparent);

  G_OBJECT_CLASS (cascade_split_box_parent_class)->dispose (object);
}

static void
cascade_split_box_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeSplitBox *self = CASCADE_SPLIT_BOX (object);

  switch (prop_id)
    {
      case PROP_CONTENT:
        g_value_set_object (value, self->content);
        break;
      case PROP_SIDEBAR:
        g_value_set_object (value, self->sidebar);
        break;
      case PROP_SIDEBAR_VISIBLE:
        g_value_set_boolean (value, self->sidebar_visible);
        break;
      case PROP_SIDEBAR_WIDTH:
        g_value_set_int (value, self->sidebar_width);
        break;
      case PROP_BREAKPOINT:
        g_value_set_int (value, self->breakpoint);
        break;
      case PROP_NARROW:
        g_value_set_boolean (value, self->narrow);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_int (CascadeSplitBox *self, int *field, int value, GParamSpec *pspec)
{
  if (*field == value)
    return;
  *field = value;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
cascade_split_box_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  CascadeSplitBox *self = CASCADE_SPLIT_BOX (object);

  switch (prop_id)
    {
      case PROP_CONTENT:
        cascade_split_box_set_content (self, g_value_get_object (value));
        break;
      case PROP_SIDEBAR:
        cascade_split_box_set_sidebar (self, g_value_get_object (value));
        break;
      case PROP_SIDEBAR_VISIBLE:
        cascade_split_box_set_sidebar_visible (self, g_value_get_boolean (value));
        break;
      case PROP_SIDEBAR_WIDTH:
        set_int (self, &self->sidebar_width, g_value_get_int (value), pspec);
        break;
      case PROP_BREAKPOINT:
        set_int (self, &self->breakpoint, g_value_get_int (value), pspec);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_split_box_class_init (CascadeSplitBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cascade_split_box_dispose;
  object_class->get_property = cascade_split_box_get_property;
  object_class->set_property = cascade_split_box_set_property;
  widget_class->measure = cascade_split_box_measure;
  widget_class->size_allocate = cascade_split_box_size_allocate;
  widget_class->get_request_mode = cascade_split_box_get_request_mode;

  properties[PROP_CONTENT] = g_param_spec_object ("content", NULL, NULL, GTK_TYPE_WIDGET, flags);
  properties[PROP_SIDEBAR] = g_param_spec_object ("sidebar", NULL, NULL, GTK_TYPE_WIDGET, flags);
  properties[PROP_SIDEBAR_VISIBLE] =
    g_param_spec_boolean ("sidebar-visible", NULL, NULL, TRUE, flags);
  properties[PROP_SIDEBAR_WIDTH] =
    g_param_spec_int ("sidebar-width", NULL, NULL, 0, G_MAXINT, DEFAULT_SIDEBAR_WIDTH, flags);
  properties[PROP_BREAKPOINT] =
    g_param_spec_int ("breakpoint", NULL, NULL, 0, G_MAXINT, DEFAULT_BREAKPOINT, flags);
  properties[PROP_NARROW] =
    g_param_spec_boolean ("narrow", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_css_name (widget_class, "cascade-split-box");
}

static void
cascade_split_box_init (CascadeSplitBox *self)
{
  self->sidebar_visible = TRUE;
  self->sidebar_width = DEFAULT_SIDEBAR_WIDTH;
  self->breakpoint = DEFAULT_BREAKPOINT;
  self->separator = gtk_separator_new (GTK_ORIENTATION_VERTICAL);
  gtk_widget_set_parent (self->separator, GTK_WIDGET (self));
}
