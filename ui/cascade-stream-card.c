/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-stream-card.h"

#include <glib/gi18n.h>

/*
 * CascadeStreamCard: one live stream in the Live page's grid: its thumbnail
 * (fetched from the server when it has one), a LIVE badge and the viewer
 * count over it, then the title, the channel and the category.
 */

struct _CascadeStreamCard
{
  AdwBin parent_instance;

  CascadeStream *stream;
  CascadeClient *client;
  GCancellable *cancellable;
  char *thumbnail_stream_id;
  GBinding *bindings[3];

  GtkPicture *thumbnail;
  GtkLabel *viewers_label;
  GtkLabel *title_label;
  GtkLabel *channel_label;
  GtkLabel *category_label;
};

G_DEFINE_FINAL_TYPE (CascadeStreamCard, cascade_stream_card, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_STREAM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
viewers_to_label (GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
  int count = g_value_get_int (from);

  /* Translators: the viewer count over a live stream's thumbnail. */
  g_value_take_string (
    to, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d viewer", "%d viewers", count), count));
  return TRUE;
}

static void
on_thumbnail (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeStreamCard) self = user_data;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autoptr (GError) error = NULL;

  bytes = cascade_client_get_thumbnail_finish (CASCADE_CLIENT (source), result, &error);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail: %s", error->message);
      return;
    }

  texture = gdk_texture_new_from_bytes (bytes, &error);
  if (texture == NULL)
    {
      g_debug ("The server's thumbnail is not an image: %s", error->message);
      return;
    }
  gtk_picture_set_paintable (self->thumbnail, GDK_PAINTABLE (texture));
}

static void
load_thumbnail (CascadeStreamCard *self)
{
  g_autofree char *id = NULL;
  g_autofree char *url = NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->stream != NULL)
    g_object_get (self->stream, "id", &id, "thumbnail-url", &url, NULL);

  /* The same stream again (the page refreshed): keep its picture until the
   * newer one arrives, instead of flashing an empty tile. */
  if (g_strcmp0 (id, self->thumbnail_stream_id) != 0 || url == NULL)
    gtk_picture_set_paintable (self->thumbnail, NULL);
  g_free (self->thumbnail_stream_id);
  self->thumbnail_stream_id = g_strdup (id);

  if (url == NULL || self->client == NULL)
    return;

  self->cancellable = g_cancellable_new ();
  cascade_client_get_thumbnail_async (self->client, id, self->cancellable, on_thumbnail,
                                      g_object_ref (self));
}

static void
unbind (CascadeStreamCard *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->bindings); i++)
    g_clear_pointer (&self->bindings[i], g_binding_unbind);
}

static void
cascade_stream_card_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeStreamCard *self = CASCADE_STREAM_CARD (object);

  switch (prop_id)
    {
      case PROP_STREAM:
        g_value_set_object (value, self->stream);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_stream_card_set_property (GObject *object,
                                  guint prop_id,
                                  const GValue *value,
                                  GParamSpec *pspec)
{
  CascadeStreamCard *self = CASCADE_STREAM_CARD (object);

  switch (prop_id)
    {
      case PROP_STREAM:
        cascade_stream_card_set_stream (self, g_value_get_object (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_stream_card_dispose (GObject *object)
{
  CascadeStreamCard *self = CASCADE_STREAM_CARD (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  unbind (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_STREAM_CARD);
  g_clear_object (&self->stream);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (cascade_stream_card_parent_class)->dispose (object);
}

static void
cascade_stream_card_finalize (GObject *object)
{
  CascadeStreamCard *self = CASCADE_STREAM_CARD (object);

  g_free (self->thumbnail_stream_id);

  G_OBJECT_CLASS (cascade_stream_card_parent_class)->finalize (object);
}

static void
cascade_stream_card_class_init (CascadeStreamCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cascade_stream_card_get_property;
  object_class->set_property = cascade_stream_card_set_property;
  object_class->dispose = cascade_stream_card_dispose;
  object_class->finalize = cascade_stream_card_finalize;

  /**
   * CascadeStreamCard:stream:
   *
   * The live stream the card shows.
   */
  properties[PROP_STREAM] =
    g_param_spec_object ("stream", NULL, NULL, CASCADE_TYPE_STREAM,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-stream-card.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeStreamCard, thumbnail);
  gtk_widget_class_bind_template_child (widget_class, CascadeStreamCard, viewers_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeStreamCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeStreamCard, channel_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeStreamCard, category_label);
}

static void
cascade_stream_card_init (CascadeStreamCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cascade_stream_card_new:
 *
 * Returns: (transfer floating): a card that shows no stream yet
 */
GtkWidget *
cascade_stream_card_new (void)
{
  return g_object_new (CASCADE_TYPE_STREAM_CARD, NULL);
}

/**
 * cascade_stream_card_get_stream:
 *
 * Returns: (transfer none) (nullable): the stream the card shows
 */
CascadeStream *
cascade_stream_card_get_stream (CascadeStreamCard *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM_CARD (self), NULL);

  return self->stream;
}

/**
 * cascade_stream_card_set_client:
 * @client: (nullable): where to fetch thumbnails from
 */
void
cascade_stream_card_set_client (CascadeStreamCard *self, CascadeClient *client)
{
  g_return_if_fail (CASCADE_IS_STREAM_CARD (self));
  g_return_if_fail (client == NULL || CASCADE_IS_CLIENT (client));

  if (g_set_object (&self->client, client))
    load_thumbnail (self);
}

/**
 * cascade_stream_card_set_stream:
 * @stream: (nullable): the stream to show
 */
void
cascade_stream_card_set_stream (CascadeStreamCard *self, CascadeStream *stream)
{
  g_autofree char *display_name = NULL;

  g_return_if_fail (CASCADE_IS_STREAM_CARD (self));
  g_return_if_fail (stream == NULL || CASCADE_IS_STREAM (stream));

  if (self->stream == stream)
    return;

  unbind (self);
  g_set_object (&self->stream, stream);

  if (stream != NULL)
    {
      self->bindings[0] =
        g_object_bind_property (stream, "title", self->title_label, "label", G_BINDING_SYNC_CREATE);
      self->bindings[1] = g_object_bind_property (stream, "category", self->category_label, "label",
                                                  G_BINDING_SYNC_CREATE);
      self->bindings[2] =
        g_object_bind_property_full (stream, "viewer-count", self->viewers_label, "label",
                                     G_BINDING_SYNC_CREATE, viewers_to_label, NULL, NULL, NULL);
      g_object_get (stream, "channel-display-name", &display_name, NULL);
      if (display_name == NULL || *display_name == '\0')
        {
          g_free (display_name);
          g_object_get (stream, "channel-username", &display_name, NULL);
        }
      gtk_label_set_text (self->channel_label, display_name);
    }
  else
    {
      gtk_label_set_text (self->title_label, "");
      gtk_label_set_text (self->category_label, "");
      gtk_label_set_text (self->channel_label, "");
      gtk_label_set_text (self->viewers_label, "");
    }

  load_thumbnail (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STREAM]);
}
