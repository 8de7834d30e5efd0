/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-live-page.h"

#include <glib/gi18n.h>

#include "cascade-client.h"
#include "cascade-realtime.h"
#include "cascade-stream-card.h"

/*
 * CascadeLivePage: the streams that are live now, as a grid of cards, most
 * watched first. It asks the server again whenever the realtime connection
 * says the directory changed (a stream started or ended), every
 * REFRESH_SECONDS while it is on screen (viewer counts), and each time it
 * comes on screen. Activating a card emits ::stream-activated.
 */

#define REFRESH_SECONDS 30

struct _CascadeLivePage
{
  AdwBin parent_instance;

  CascadeSession *session;
  GListStore *streams;
  GCancellable *cancellable;
  guint refresh_id;
  gboolean loading;
  gboolean loaded_once;

  GtkStack *stack;
  GtkGridView *grid;
  AdwStatusPage *empty_status;
  AdwStatusPage *error_status;
};

G_DEFINE_FINAL_TYPE (CascadeLivePage, cascade_live_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

enum
{
  STREAM_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_loading (CascadeLivePage *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
show_streams (CascadeLivePage *self, GListModel *streams)
{
  guint n = g_list_model_get_n_items (streams);
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (streams, i));

  g_list_store_splice (self->streams, 0, g_list_model_get_n_items (G_LIST_MODEL (self->streams)),
                       items->pdata, items->len);
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "streams" : "empty");
}

static void
on_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeLivePage *self = user_data;
  g_autoptr (GListStore) streams = NULL;
  g_autoptr (GError) error = NULL;

  streams = cascade_client_list_live_streams_finish (CASCADE_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->cancellable);
  set_loading (self, FALSE);

  if (streams == NULL)
    {
      /* Keep showing the streams already listed; say so only when there is
       * nothing else to show. */
      g_debug ("Could not list the live streams: %s", error->message);
      if (!self->loaded_once)
        {
          adw_status_page_set_description (self->error_status, error->message);
          gtk_stack_set_visible_child_name (self->stack, "error");
        }
      return;
    }

  self->loaded_once = TRUE;
  show_streams (self, G_LIST_MODEL (streams));
}

/**
 * cascade_live_page_refresh:
 *
 * Asks the server for the live streams now (a refresh already under way is
 * replaced by this one).
 */
void
cascade_live_page_refresh (CascadeLivePage *self)
{
  g_return_if_fail (CASCADE_IS_LIVE_PAGE (self));

  if (self->session == NULL ||
      cascade_session_get_state (self->session) != CASCADE_SESSION_STATE_SIGNED_IN)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_loading (self, TRUE);
  if (!self->loaded_once)
    gtk_stack_set_visible_child_name (self->stack, "loading");

  cascade_client_list_live_streams_async (cascade_session_get_client (self->session),
                                          self->cancellable, on_listed, self);
}

static void
on_directory_changed (CascadeLivePage *self)
{
  cascade_live_page_refresh (self);
}

static gboolean
on_refresh_timeout (gpointer user_data)
{
  cascade_live_page_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_session_state (CascadeLivePage *self)
{
  if (cascade_session_get_state (self->session) == CASCADE_SESSION_STATE_SIGNED_IN)
    {
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        cascade_live_page_refresh (self);
      return;
    }

  /* Signed out: whoever signs in next starts from an empty list. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_loading (self, FALSE);
  self->loaded_once = FALSE;
  g_list_store_remove_all (self->streams);
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

static void
cascade_live_page_map (GtkWidget *widget)
{
  CascadeLivePage *self = CASCADE_LIVE_PAGE (widget);

  GTK_WIDGET_CLASS (cascade_live_page_parent_class)->map (widget);

  cascade_live_page_refresh (self);
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, on_refresh_timeout, self);
}

static void
cascade_live_page_unmap (GtkWidget *widget)
{
  CascadeLivePage *self = CASCADE_LIVE_PAGE (widget);

  g_clear_handle_id (&self->refresh_id, g_source_remove);

  GTK_WIDGET_CLASS (cascade_live_page_parent_class)->unmap (widget);
}

static void
on_grid_activate (CascadeLivePage *self, guint position)
{
  g_autoptr (CascadeStream) stream = g_list_model_get_item (G_LIST_MODEL (self->streams), position);

  if (stream != NULL)
    g_signal_emit (self, signals[STREAM_ACTIVATED], 0, stream);
}

static void
on_retry_clicked (CascadeLivePage *self)
{
  cascade_live_page_refresh (self);
}

static void
setup_card (GtkSignalListItemFactory *factory, GtkListItem *item, CascadeLivePage *self)
{
  GtkWidget *card = cascade_stream_card_new ();

  gtk_widget_set_margin_top (card, 6);
  gtk_widget_set_margin_bottom (card, 12);
  gtk_widget_set_margin_start (card, 6);
  gtk_widget_set_margin_end (card, 6);
  gtk_list_item_set_child (item, card);
}

static void
bind_card (GtkSignalListItemFactory *factory, GtkListItem *item, CascadeLivePage *self)
{
  CascadeStreamCard *card = CASCADE_STREAM_CARD (gtk_list_item_get_child (item));

  cascade_stream_card_set_client (
    card, self->session != NULL ? cascade_session_get_client (self->session) : NULL);
  cascade_stream_card_set_stream (card, gtk_list_item_get_item (item));
}

static void
cascade_live_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeLivePage *self = CASCADE_LIVE_PAGE (object);

  switch (prop_id)
    {
      case PROP_LOADING:
        g_value_set_boolean (value, self->loading);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_live_page_dispose (GObject *object)
{
  CascadeLivePage *self = CASCADE_LIVE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  /* The stack is both the bin's child and a template child: let the bin drop
   * it first, or both would unparent it. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_LIVE_PAGE);
  g_clear_object (&self->session);
  g_clear_object (&self->streams);

  G_OBJECT_CLASS (cascade_live_page_parent_class)->dispose (object);
}

static void
cascade_live_page_class_init (CascadeLivePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = cascade_live_page_get_property;
  object_class->dispose = cascade_live_page_dispose;
  widget_class->map = cascade_live_page_map;
  widget_class->unmap = cascade_live_page_unmap;

  /**
   * CascadeLivePage:loading:
   *
   * Whether the page is asking the server for the live streams.
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CascadeLivePage::stream-activated:
   * @stream: the stream whose card was activated
   *
   * The person wants to watch @stream.
   */
  signals[STREAM_ACTIVATED] =
    g_signal_new ("stream-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, CASCADE_TYPE_STREAM);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-live-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeLivePage, stack);
  gtk_widget_class_bind_template_child (widget_class, CascadeLivePage, grid);
  gtk_widget_class_bind_template_child (widget_class, CascadeLivePage, empty_status);
  gtk_widget_class_bind_template_child (widget_class, CascadeLivePage, error_status);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked);
}

static void
cascade_live_page_init (CascadeLivePage *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->streams = g_list_store_new (CASCADE_TYPE_STREAM);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_card), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_card), self);
  /* No unbind: a card keeps its stream until the next bind, so that a refresh
   * does not blank the thumbnails it is about to show again. */
  gtk_grid_view_set_factory (self->grid, factory);
  g_object_unref (factory);
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (gtk_no_selection_new (
                                         G_LIST_MODEL (g_object_ref (self->streams)))));
}

/**
 * cascade_live_page_set_session:
 * @session: the session whose server to list the streams of
 */
void
cascade_live_page_set_session (CascadeLivePage *self, CascadeSession *session)
{
  g_return_if_fail (CASCADE_IS_LIVE_PAGE (self));
  g_return_if_fail (CASCADE_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (on_session_state), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (cascade_session_get_realtime (session), "message::directory.changed",
                           G_CALLBACK (on_directory_changed), self, G_CONNECT_SWAPPED);
}

/**
 * cascade_live_page_get_streams:
 *
 * Returns: (transfer none): the #CascadeStream list the page shows
 */
GListModel *
cascade_live_page_get_streams (CascadeLivePage *self)
{
  g_return_val_if_fail (CASCADE_IS_LIVE_PAGE (self), NULL);

  return G_LIST_MODEL (self->streams);
}

/**
 * cascade_live_page_get_loading:
 *
 * Returns: whether the page is asking the server for the live streams
 */
gboolean
cascade_live_page_get_loading (CascadeLivePage *self)
{
  g_return_val_if_fail (CASCADE_IS_LIVE_PAGE (self), FALSE);

  return self->loading;
}
