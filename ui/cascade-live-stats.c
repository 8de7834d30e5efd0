/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-live-stats.h"

#include <glib/gi18n.h>

/* One card per statistic, in this order; each found again by its key. */
typedef enum
{
  STAT_BITRATE,
  STAT_FPS,
  STAT_DROPPED,
  STAT_LOAD,
  STAT_VIEWERS,
  STAT_RELAYS,
  STAT_DEPTH,
  STAT_POOR_LINKS,
  STAT_DIRECT,
  STAT_UPLOAD,
  STAT_ENCODER,
  N_STATS
} Stat;

static const char *const stat_keys[N_STATS] = {
  "bitrate", "fps",        "dropped", "load",   "viewers", "relays",
  "depth",   "poor-links", "direct",  "upload", "encoder",
};

struct _CascadeLiveStats
{
  AdwBin parent_instance;

  GtkFlowBox *box;
  GtkLabel *values[N_STATS];
};

G_DEFINE_FINAL_TYPE (CascadeLiveStats, cascade_live_stats, ADW_TYPE_BIN)

static const char *
stat_caption (Stat stat)
{
  switch (stat)
    {
      case STAT_BITRATE:
        return _ ("Bitrate");
      case STAT_FPS:
        return _ ("Frames per second");
      case STAT_DROPPED:
        return _ ("Dropped frames");
      case STAT_LOAD:
        return _ ("Encoder load");
      case STAT_VIEWERS:
        return _ ("Viewers reached");
      case STAT_RELAYS:
        return _ ("Viewers relaying");
      case STAT_DEPTH:
        return _ ("Tree depth");
      case STAT_POOR_LINKS:
        return _ ("Viewers with a poor link");
      case STAT_DIRECT:
        return _ ("Peers served directly");
      case STAT_UPLOAD:
        return _ ("Upload used");
      case STAT_ENCODER:
      default:
        return _ ("Encoder");
    }
}

static GtkLabel *
add_stat (CascadeLiveStats *self, const char *caption)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *value = gtk_label_new ("—");
  GtkWidget *label = gtk_label_new (caption);

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "cascade-stat");
  gtk_widget_add_css_class (value, "title-2");
  gtk_widget_add_css_class (value, "numeric");
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), value);
  gtk_box_append (GTK_BOX (box), label);
  gtk_flow_box_append (self->box, box);
  gtk_widget_set_focusable (gtk_widget_get_parent (box), FALSE);
  return GTK_LABEL (value);
}

static void
set_count (CascadeLiveStats *self, Stat stat, guint count)
{
  g_autofree char *text = g_strdup_printf ("%u", count);

  gtk_label_set_text (self->values[stat], text);
}

static void
cascade_live_stats_dispose (GObject *object)
{
  /* The flow box is the bin's child: the bin lets it go, then the template. */
  adw_bin_set_child (ADW_BIN (object), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), CASCADE_TYPE_LIVE_STATS);

  G_OBJECT_CLASS (cascade_live_stats_parent_class)->dispose (object);
}

static void
cascade_live_stats_class_init (CascadeLiveStatsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = cascade_live_stats_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-live-stats.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeLiveStats, box);
}

static void
cascade_live_stats_init (CascadeLiveStats *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < N_STATS; i++)
    self->values[i] = add_stat (self, stat_caption (i));
}

/* Every value back to "—" (not live). */
void
cascade_live_stats_clear (CascadeLiveStats *self)
{
  g_return_if_fail (CASCADE_IS_LIVE_STATS (self));

  for (guint i = 0; i < N_STATS; i++)
    gtk_label_set_text (self->values[i], "—");
}

void
cascade_live_stats_set_publisher (CascadeLiveStats *self, const CascadePublisherStats *stats)
{
  g_autofree char *bitrate = NULL;
  g_autofree char *fps = NULL;
  g_autofree char *dropped = NULL;
  g_autofree char *load = NULL;
  g_autofree char *upload = NULL;
  g_autofree char *encoder = NULL;

  g_return_if_fail (CASCADE_IS_LIVE_STATS (self));
  g_return_if_fail (stats != NULL);

  /* Translators: a bit rate; kbit/s is kilobits per second. */
  bitrate = g_strdup_printf (_ ("%.0f kbit/s"), stats->bitrate_kbps);
  fps = g_strdup_printf ("%.0f", stats->fps);
  dropped = g_strdup_printf ("%" G_GUINT64_FORMAT, stats->dropped);
  load = g_strdup_printf ("%.0f %%", stats->encoder_load * 100.0);
  upload = g_strdup_printf (_ ("%.0f kbit/s"), stats->upload_kbps);
  if (g_strcmp0 (stats->encoder, "x264enc") == 0)
    encoder = g_strdup (_ ("x264 (software)"));
  else
    /* Translators: %s is a GStreamer element name such as vah264enc. */
    encoder = g_strdup_printf (_ ("VA-API hardware (%s)"), stats->encoder);

  gtk_label_set_text (self->values[STAT_BITRATE], bitrate);
  gtk_label_set_text (self->values[STAT_FPS], fps);
  gtk_label_set_text (self->values[STAT_DROPPED], dropped);
  gtk_label_set_text (self->values[STAT_LOAD], load);
  set_count (self, STAT_DIRECT, stats->viewers);
  gtk_label_set_text (self->values[STAT_UPLOAD], upload);
  gtk_label_set_text (self->values[STAT_ENCODER], encoder);
}

/* The cascade as stream.viewers tells it. */
void
cascade_live_stats_set_tree (CascadeLiveStats *self, guint viewers, guint relays, guint depth)
{
  g_return_if_fail (CASCADE_IS_LIVE_STATS (self));

  set_count (self, STAT_VIEWERS, viewers);
  set_count (self, STAT_RELAYS, relays);
  set_count (self, STAT_DEPTH, depth);
}

/* From the tree endpoint: viewers losing packets, receiving nothing or waiting. */
void
cascade_live_stats_set_poor_links (CascadeLiveStats *self, guint poor_links)
{
  g_return_if_fail (CASCADE_IS_LIVE_STATS (self));

  set_count (self, STAT_POOR_LINKS, poor_links);
}

/**
 * cascade_live_stats_get_text:
 * @stat: "bitrate", "fps", "dropped", "load", "viewers", "relays", "depth",
 *   "poor-links", "direct", "upload" or "encoder"
 *
 * Returns: (nullable): the value shown, as text (for tests)
 */
const char *
cascade_live_stats_get_text (CascadeLiveStats *self, const char *stat)
{
  g_return_val_if_fail (CASCADE_IS_LIVE_STATS (self), NULL);

  for (guint i = 0; i < N_STATS; i++)
    if (g_strcmp0 (stat_keys[i], stat) == 0)
      return gtk_label_get_text (self->values[i]);
  return NULL;
}
