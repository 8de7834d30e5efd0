/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-go-live-page.h"

#include <glib/gi18n.h>
#include <libportal-gtk4/portal-gtk4.h>

#include "cascade-chat-room.h"
#include "cascade-chat-view.h"
#include "cascade-client.h"
#include "cascade-live-stats.h"
#include "cascade-publisher.h"
#include "cascade-realtime.h"
#include "cascade-screencast.h"
#include "cascade-server-url.h"
#include "cascade-video-sink.h"

/*
 * CascadeGoLivePage: the streamer's page. Pick a source (a screen or window
 * through the ScreenCast portal, or the test pattern), a title, a category
 * and a quality, and go live:
 *
 *  1. POST /streams makes the live stream (CascadeClient);
 *  2. a CascadePublisher captures and encodes, with a preview branch into a
 *     CascadeVideoSink that the page shows;
 *  3. `stream.publish` on the realtime connection makes this connection the
 *     stream's root peer; each `stream.child_added` gets a webrtcbin branch
 *     whose offer and ICE go back as `signal` messages.
 *
 * While live it shows the publisher's statistics every second and uploads a
 * JPEG thumbnail of the preview every THUMBNAIL_SECONDS. Stopping ends the
 * stream on the server (DELETE /streams/ID) and stops the publisher.
 */

#define THUMBNAIL_SECONDS 30
#define HEALTH_SECONDS 2 /* stream.health, as every node of the tree sends it */
#define TREE_TICKS 5     /* the tree every 5 health reports: 10 s */
#define FIRST_THUMBNAIL_MS 1500
#define THUMBNAIL_WIDTH 480
#define THUMBNAIL_HEIGHT 270

struct _CascadeGoLivePage
{
  AdwBin parent_instance;

  CascadeSession *session;
  CascadeGoLiveState state;
  CascadeStream *stream;
  char *stream_id;
  CascadePublisher *publisher;
  CascadeScreencast *screencast;
  GSettings *settings;
  char *restore_token;
  JsonArray *ice_servers;
  CascadePaintable *preview;
  GCancellable *cancellable;
  gulong realtime_handlers[7];
  guint thumbnail_id;
  guint health_id;
  guint health_ticks;
  guint viewers;
  double fps;
  gboolean thumbnail_busy;

  GtkPicture *preview_picture;
  GtkLabel *preview_label;
  GtkWidget *live_badge;
  AdwComboRow *source_row;
  AdwComboRow *audio_row;
  AdwEntryRow *title_row;
  AdwEntryRow *category_row;
  AdwComboRow *quality_row;
  GtkButton *go_live_button;
  GtkLabel *error_label;
  CascadeLiveStats *stats;
  CascadeChatView *chat_view;
  CascadeChatRoom *chat_room; /* one's own channel's, from going live on */
};

G_DEFINE_FINAL_TYPE (CascadeGoLivePage, cascade_go_live_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_VIEWERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_controls (CascadeGoLivePage *self)
{
  gboolean idle = self->state == CASCADE_GO_LIVE_STATE_IDLE;
  gboolean live = self->state == CASCADE_GO_LIVE_STATE_LIVE;
  const char *title = gtk_editable_get_text (GTK_EDITABLE (self->title_row));
  const char *category = gtk_editable_get_text (GTK_EDITABLE (self->category_row));
  glong title_len = g_utf8_strlen (title, -1);
  glong category_len = g_utf8_strlen (category, -1);
  gboolean valid = title_len >= 1 && title_len <= 140 && category_len >= 1 && category_len <= 64;

  gtk_widget_set_sensitive (GTK_WIDGET (self->source_row), idle);
  /* Sound is chosen for a screen; the test pattern has its own tone. */
  gtk_widget_set_visible (GTK_WIDGET (self->audio_row),
                          adw_combo_row_get_selected (self->source_row) == 1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->audio_row), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->title_row), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->category_row), idle);
  gtk_widget_set_sensitive (GTK_WIDGET (self->quality_row), idle);
  gtk_widget_set_visible (self->live_badge, live);
  gtk_widget_set_visible (GTK_WIDGET (self->preview_label), !live);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stats), live);

  if (idle)
    {
      gtk_button_set_label (self->go_live_button, _ ("_Go Live"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->go_live_button), valid);
      gtk_widget_remove_css_class (GTK_WIDGET (self->go_live_button), "destructive-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->go_live_button), "suggested-action");
      gtk_label_set_text (self->preview_label,
                          _ ("The preview of your stream appears here when you go live."));
    }
  else
    {
      gtk_button_set_label (self->go_live_button, live ? _ ("_End Stream") : _ ("Starting…"));
      gtk_widget_set_sensitive (GTK_WIDGET (self->go_live_button), live);
      gtk_widget_remove_css_class (GTK_WIDGET (self->go_live_button), "suggested-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->go_live_button), "destructive-action");
      if (self->state == CASCADE_GO_LIVE_STATE_STARTING)
        gtk_label_set_text (self->preview_label, _ ("Starting your stream…"));
    }
}

static void
set_state (CascadeGoLivePage *self, CascadeGoLiveState state)
{
  if (self->state == state)
    return;
  self->state = state;
  update_controls (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_viewers (CascadeGoLivePage *self, guint viewers)
{
  if (self->viewers == viewers)
    return;
  self->viewers = viewers;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEWERS]);
}

static void
show_error (CascadeGoLivePage *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static CascadeRealtime *
get_realtime (CascadeGoLivePage *self)
{
  return cascade_session_get_realtime (self->session);
}

/* Everything a stream holds, let go; the server is told separately. */
static void
tear_down (CascadeGoLivePage *self)
{
  CascadeRealtime *realtime = self->session != NULL ? get_realtime (self) : NULL;

  for (guint i = 0; i < G_N_ELEMENTS (self->realtime_handlers); i++)
    {
      if (realtime != NULL && self->realtime_handlers[i] != 0)
        g_signal_handler_disconnect (realtime, self->realtime_handlers[i]);
      self->realtime_handlers[i] = 0;
    }
  g_clear_handle_id (&self->thumbnail_id, g_source_remove);
  g_clear_handle_id (&self->health_id, g_source_remove);
  if (self->publisher != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->publisher, self);
      cascade_publisher_stop (self->publisher);
      g_clear_object (&self->publisher);
    }
  if (self->screencast != NULL)
    {
      cascade_screencast_stop (self->screencast);
      g_clear_object (&self->screencast);
    }
  gtk_picture_set_paintable (self->preview_picture, NULL);
  g_clear_object (&self->preview);
  g_clear_object (&self->stream);
  g_clear_pointer (&self->stream_id, g_free);
  g_clear_pointer (&self->ice_servers, json_array_unref);
  self->thumbnail_busy = FALSE;
  set_viewers (self, 0);
  self->fps = 0.0;
  cascade_live_stats_clear (self->stats);
}

static void
on_stream_ended (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeGoLivePage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_client_end_stream_finish (CASCADE_CLIENT (source), result, &error))
    g_debug ("Could not end the stream on the server: %s", error->message);

  if (self->state == CASCADE_GO_LIVE_STATE_STOPPING)
    set_state (self, CASCADE_GO_LIVE_STATE_IDLE);
}

/**
 * cascade_go_live_page_stop:
 *
 * Ends the stream: viewers see it end, and it leaves the Live page.
 */
void
cascade_go_live_page_stop (CascadeGoLivePage *self)
{
  g_autofree char *id = NULL;

  g_return_if_fail (CASCADE_IS_GO_LIVE_PAGE (self));

  if (self->state == CASCADE_GO_LIVE_STATE_IDLE || self->state == CASCADE_GO_LIVE_STATE_STOPPING)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  id = g_strdup (self->stream_id);
  tear_down (self);

  if (id == NULL)
    {
      set_state (self, CASCADE_GO_LIVE_STATE_IDLE);
      return;
    }

  set_state (self, CASCADE_GO_LIVE_STATE_STOPPING);
  cascade_client_end_stream_async (cascade_session_get_client (self->session), id, NULL,
                                   on_stream_ended, g_object_ref (self));
}

static void
fail (CascadeGoLivePage *self, const char *message)
{
  show_error (self, message);
  cascade_go_live_page_stop (self);
}

/* Thumbnails: the preview's newest frame, scaled and made a JPEG off the
 * main thread, then PUT to the server. */

static void
on_thumbnail_uploaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeGoLivePage) self = user_data;
  g_autoptr (GError) error = NULL;

  self->thumbnail_busy = FALSE;
  if (!cascade_client_upload_thumbnail_finish (CASCADE_CLIENT (source), result, &error))
    g_debug ("Could not upload the thumbnail: %s", error->message);
}

static void
encode_thumbnail (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GdkTexture *texture = task_data;
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  guchar *pixels = g_malloc (stride * height);
  g_autoptr (GdkPixbuf) frame = NULL;
  g_autoptr (GdkPixbuf) scaled = NULL;
  g_autoptr (GError) error = NULL;
  char *jpeg = NULL;
  gsize size = 0;

  /* B, G, R, A (premultiplied, but the video is opaque) → R, G, B, A. */
  gdk_texture_download (texture, pixels, stride);
  for (gsize i = 0; i < stride * height; i += 4)
    {
      guchar blue = pixels[i];

      pixels[i] = pixels[i + 2];
      pixels[i + 2] = blue;
    }
  frame = gdk_pixbuf_new_from_data (pixels, GDK_COLORSPACE_RGB, TRUE, 8, width, height, stride,
                                    (GdkPixbufDestroyNotify) g_free, NULL);
  scaled = gdk_pixbuf_scale_simple (frame, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT, GDK_INTERP_BILINEAR);
  g_clear_object (&frame);
  {
    g_autoptr (GdkPixbuf) opaque =
      gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT);

    gdk_pixbuf_fill (opaque, 0x000000ff);
    gdk_pixbuf_composite (scaled, opaque, 0, 0, THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT, 0, 0, 1, 1,
                          GDK_INTERP_NEAREST, 255);
    if (!gdk_pixbuf_save_to_buffer (opaque, &jpeg, &size, "jpeg", &error, "quality", "80", NULL))
      {
        g_task_return_error (task, g_steal_pointer (&error));
        return;
      }
  }
  g_task_return_pointer (task, g_bytes_new_take (jpeg, size), (GDestroyNotify) g_bytes_unref);
}

static void
on_thumbnail_encoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeGoLivePage *self = CASCADE_GO_LIVE_PAGE (source);
  g_autoptr (GBytes) jpeg = NULL;
  g_autoptr (GError) error = NULL;

  jpeg = g_task_propagate_pointer (G_TASK (result), &error);
  if (jpeg == NULL || self->stream_id == NULL)
    {
      if (error != NULL)
        g_debug ("Could not make a thumbnail: %s", error->message);
      self->thumbnail_busy = FALSE;
      return;
    }

  cascade_client_upload_thumbnail_async (cascade_session_get_client (self->session),
                                         self->stream_id, jpeg, "image/jpeg", self->cancellable,
                                         on_thumbnail_uploaded, g_object_ref (self));
}

static void
take_thumbnail (CascadeGoLivePage *self)
{
  GdkTexture *texture =
    self->preview != NULL ? cascade_paintable_get_texture (self->preview) : NULL;
  g_autoptr (GTask) task = NULL;

  if (texture == NULL || self->thumbnail_busy)
    return;

  self->thumbnail_busy = TRUE;
  task = g_task_new (self, self->cancellable, on_thumbnail_encoded, NULL);
  g_task_set_source_tag (task, take_thumbnail);
  g_task_set_task_data (task, g_object_ref (texture), g_object_unref);
  g_task_run_in_thread (task, encode_thumbnail);
}

static gboolean
on_thumbnail_timeout (gpointer user_data)
{
  take_thumbnail (user_data);
  return G_SOURCE_CONTINUE;
}

/* The first thumbnail soon after going live, then every THUMBNAIL_SECONDS. */
static gboolean
on_first_thumbnail (gpointer user_data)
{
  CascadeGoLivePage *self = user_data;

  take_thumbnail (self);
  self->thumbnail_id = g_timeout_add_seconds (THUMBNAIL_SECONDS, on_thumbnail_timeout, self);
  return G_SOURCE_REMOVE;
}

/* The cascade, as the server sees it. */

static void
on_tree (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeGoLivePage) self = user_data;
  g_autoptr (CascadeStreamTree) tree = NULL;
  g_autoptr (GError) error = NULL;

  tree = cascade_client_get_stream_tree_finish (CASCADE_CLIENT (source), result, &error);
  if (tree == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not read the stream's tree: %s", error->message);
      return;
    }
  if (self->state == CASCADE_GO_LIVE_STATE_LIVE)
    cascade_live_stats_set_poor_links (self->stats, cascade_stream_tree_get_poor_links (tree));
}

/* Every HEALTH_SECONDS the root's stream.health (docs/api.md): it feeds up
 * to its max_viewers, receives (it is the source), loses nothing and names
 * the round trip to each viewer it serves; every
 * TREE_TICKS of them, the tree for the viewers with a poor link. */
static gboolean
on_health_timeout (gpointer user_data)
{
  CascadeGoLivePage *self = user_data;
  g_autoptr (JsonObject) health = NULL;

  if (self->publisher == NULL || self->stream_id == NULL)
    return G_SOURCE_CONTINUE;
  health = cascade_publisher_dup_health_message (self->publisher, self->stream_id);
  cascade_realtime_send (get_realtime (self), health);

  if (++self->health_ticks % TREE_TICKS == 0)
    cascade_client_get_stream_tree_async (cascade_session_get_client (self->session),
                                          self->stream_id, self->cancellable, on_tree,
                                          g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

/* The realtime messages of our stream. */

static gboolean
is_ours (CascadeGoLivePage *self, JsonObject *message)
{
  return self->stream_id != NULL &&
         g_strcmp0 (json_object_get_string_member_with_default (message, "stream_id", NULL),
                    self->stream_id) == 0;
}

static void
on_published (CascadeGoLivePage *self, const char *type, JsonObject *message)
{
  if (!is_ours (self, message) || self->state != CASCADE_GO_LIVE_STATE_STARTING)
    return;

  g_clear_pointer (&self->ice_servers, json_array_unref);
  if (json_object_has_member (message, "ice_servers"))
    self->ice_servers = json_array_ref (json_object_get_array_member (message, "ice_servers"));
  set_state (self, CASCADE_GO_LIVE_STATE_LIVE);
  self->thumbnail_id = g_timeout_add (FIRST_THUMBNAIL_MS, on_first_thumbnail, self);
  cascade_live_stats_set_tree (self->stats, self->viewers, 0, 0);
  cascade_live_stats_set_poor_links (self->stats, 0);
  if (self->health_id == 0)
    self->health_id = g_timeout_add_seconds (HEALTH_SECONDS, on_health_timeout, self);
}

static void
on_child_added (CascadeGoLivePage *self, const char *type, JsonObject *message)
{
  const char *peer_id = json_object_get_string_member_with_default (message, "peer_id", NULL);
  g_autoptr (GError) error = NULL;

  if (!is_ours (self, message) || peer_id == NULL || self->publisher == NULL)
    return;

  if (!cascade_publisher_add_viewer (self->publisher, peer_id, self->ice_servers, &error))
    g_debug ("Could not serve viewer %s: %s", peer_id, error->message);
}

static void
on_child_removed (CascadeGoLivePage *self, const char *type, JsonObject *message)
{
  const char *peer_id = json_object_get_string_member_with_default (message, "peer_id", NULL);

  if (is_ours (self, message) && peer_id != NULL && self->publisher != NULL)
    cascade_publisher_remove_viewer (self->publisher, peer_id);
}

static void
on_signal (CascadeGoLivePage *self, const char *type, JsonObject *message)
{
  const char *from = json_object_get_string_member_with_default (message, "from", NULL);
  g_autoptr (GError) error = NULL;

  if (!is_ours (self, message) || from == NULL || self->publisher == NULL)
    return;

  if (!cascade_publisher_handle_signal (self->publisher, from, message, &error))
    g_debug ("Signal from %s refused: %s", from, error->message);
}

static void
on_viewers (CascadeGoLivePage *self, const char *type, JsonObject *message)
{
  guint count, relays, depth;

  if (!is_ours (self, message))
    return;
  count =
    (guint) CLAMP (json_object_get_int_member_with_default (message, "count", 0), 0, G_MAXINT);
  relays =
    (guint) CLAMP (json_object_get_int_member_with_default (message, "relays", 0), 0, G_MAXINT);
  depth =
    (guint) CLAMP (json_object_get_int_member_with_default (message, "depth", 0), 0, G_MAXINT);
  set_viewers (self, count);
  cascade_live_stats_set_tree (self->stats, count, relays, depth);
}

static void
on_server_ended (CascadeGoLivePage *self, const char *type, JsonObject *message)
{
  if (!is_ours (self, message))
    return;

  show_error (self, _ ("The server ended your stream."));
  g_clear_pointer (&self->stream_id, g_free);
  cascade_go_live_page_stop (self);
}

/* The publisher's SDP and ICE for one viewer, through the server. */
static void
on_publisher_signal (CascadeGoLivePage *self, const char *peer_id, JsonObject *signal)
{
  g_autoptr (JsonObject) message = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_set_string_member (message, "type", "signal");
  json_object_set_string_member (message, "stream_id", self->stream_id);
  json_object_set_string_member (message, "to", peer_id);
  json_object_iter_init (&iter, signal);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (message, name, json_node_copy (node));
  cascade_realtime_send (get_realtime (self), message);
}

static void
on_publisher_error (CascadeGoLivePage *self, GError *error)
{
  g_autofree char *message = g_strdup_printf (_ ("Streaming stopped: %s"), error->message);

  fail (self, message);
}

static void
on_publisher_stats (CascadeGoLivePage *self)
{
  CascadePublisherStats stats;

  cascade_publisher_get_stats (self->publisher, &stats);
  self->fps = stats.fps;
  cascade_live_stats_set_publisher (self->stats, &stats);
}

static void
publish (CascadeGoLivePage *self)
{
  CascadeRealtime *realtime = get_realtime (self);
  g_autoptr (JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "stream.publish");
  json_object_set_string_member (message, "stream_id", self->stream_id);
  /* The tracker gives us no more children than the publisher serves. */
  json_object_set_int_member (message, "max_viewers",
                              cascade_publisher_get_max_direct_viewers (self->publisher));
  cascade_realtime_send (realtime, message);
}

static void
on_realtime_state (CascadeGoLivePage *self)
{
  /* A realtime connection that came back must claim the stream again, or
   * the server ends it. */
  if (self->stream_id != NULL &&
      cascade_realtime_get_state (get_realtime (self)) == CASCADE_REALTIME_STATE_CONNECTED)
    publish (self);
}

static void
start_publishing (CascadeGoLivePage *self, int pipewire_fd, guint32 node_id)
{
  CascadeQuality quality = adw_combo_row_get_selected (self->quality_row);
  CascadeRealtime *realtime = get_realtime (self);
  g_autoptr (GError) error = NULL;
  CascadeVideoSink *sink;
  GstElement *bin;

  self->publisher = cascade_publisher_new (quality);
  if (pipewire_fd >= 0)
    {
      cascade_publisher_set_source_pipewire (self->publisher, pipewire_fd, node_id);
      cascade_publisher_set_audio_capture (self->publisher,
                                           adw_combo_row_get_selected (self->audio_row));
    }
  else
    cascade_publisher_set_source_test (self->publisher);
  if (cascade_server_url_is_loopback (cascade_session_get_server_url (self->session)))
    g_object_set (self->publisher, "local-address", "127.0.0.1", NULL);

  bin = cascade_video_sink_bin_new (&sink);
  self->preview = g_object_ref (cascade_video_sink_get_paintable (sink));
  gtk_picture_set_paintable (self->preview_picture, GDK_PAINTABLE (self->preview));
  cascade_publisher_set_preview_sink (self->publisher, bin);

  g_signal_connect_swapped (self->publisher, "signal", G_CALLBACK (on_publisher_signal), self);
  g_signal_connect_swapped (self->publisher, "error", G_CALLBACK (on_publisher_error), self);
  g_signal_connect_swapped (self->publisher, "stats-updated", G_CALLBACK (on_publisher_stats),
                            self);

  if (!cascade_publisher_start (self->publisher, &error))
    {
      g_autofree char *message =
        g_strdup_printf (_ ("Could not start streaming: %s"), error->message);

      fail (self, message);
      return;
    }

  self->realtime_handlers[0] = g_signal_connect_swapped (realtime, "message::stream.published",
                                                         G_CALLBACK (on_published), self);
  self->realtime_handlers[1] = g_signal_connect_swapped (realtime, "message::stream.child_added",
                                                         G_CALLBACK (on_child_added), self);
  self->realtime_handlers[2] = g_signal_connect_swapped (realtime, "message::stream.child_removed",
                                                         G_CALLBACK (on_child_removed), self);
  self->realtime_handlers[3] =
    g_signal_connect_swapped (realtime, "message::signal", G_CALLBACK (on_signal), self);
  self->realtime_handlers[4] =
    g_signal_connect_swapped (realtime, "message::stream.viewers", G_CALLBACK (on_viewers), self);
  self->realtime_handlers[5] = g_signal_connect_swapped (realtime, "message::stream.ended",
                                                         G_CALLBACK (on_server_ended), self);
  self->realtime_handlers[6] =
    g_signal_connect_swapped (realtime, "notify::state", G_CALLBACK (on_realtime_state), self);

  publish (self);
}

/* The channel's chat, joined from going live on (and kept after: the room
 * stays open a while after the stream). */
static void
show_chat (CascadeGoLivePage *self, const char *channel)
{
  if (self->chat_room != NULL &&
      g_strcmp0 (cascade_chat_room_get_channel (self->chat_room), channel) == 0)
    return;
  if (self->chat_room != NULL)
    cascade_chat_room_leave (self->chat_room);
  g_clear_object (&self->chat_room);
  self->chat_room = cascade_chat_room_new (self->session, channel);
  cascade_chat_room_join (self->chat_room);
  cascade_chat_view_set_room (self->chat_view, self->chat_room);
  gtk_widget_set_visible (GTK_WIDGET (self->chat_view), TRUE);
}

static void
on_stream_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeGoLivePage *self = user_data;
  g_autoptr (CascadeStream) stream = NULL;
  g_autoptr (GError) error = NULL;
  int fd = -1;
  guint32 node_id = 0;

  stream = cascade_client_start_stream_finish (CASCADE_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (stream == NULL)
    {
      fail (self, error->message);
      return;
    }

  self->stream = g_object_ref (stream);
  g_object_get (stream, "id", &self->stream_id, NULL);
  show_chat (self, cascade_stream_get_channel_username (stream));
  if (self->screencast != NULL)
    {
      fd = cascade_screencast_steal_fd (self->screencast);
      node_id = cascade_screencast_get_node_id (self->screencast);
    }
  start_publishing (self, fd, node_id);
}

static void
create_stream (CascadeGoLivePage *self)
{
  CascadeQuality quality = adw_combo_row_get_selected (self->quality_row);
  const CascadeQualityPreset *preset = cascade_quality_get_preset (quality);
  g_autoptr (JsonArray) renditions = json_array_new ();
  JsonObject *rendition = json_object_new ();

  json_object_set_int_member (rendition, "width", preset->width);
  json_object_set_int_member (rendition, "height", preset->height);
  json_object_set_int_member (rendition, "fps", preset->fps);
  json_object_set_int_member (rendition, "bitrate_kbps", preset->bitrate_kbps);
  json_object_set_string_member (rendition, "codec", "h264");
  json_array_add_object_element (renditions, rendition);

  cascade_client_start_stream_async (cascade_session_get_client (self->session),
                                     gtk_editable_get_text (GTK_EDITABLE (self->title_row)),
                                     gtk_editable_get_text (GTK_EDITABLE (self->category_row)),
                                     renditions, self->cancellable, on_stream_started, self);
}

static void
on_screencast_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeGoLivePage *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_screencast_start_finish (CASCADE_SCREENCAST (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *message =
            g_strdup_printf (_ ("Could not capture the screen: %s"), error->message);

          fail (self, message);
        }
      return;
    }

  g_free (self->restore_token);
  self->restore_token = g_strdup (cascade_screencast_get_restore_token (self->screencast));
  /* The portal remembers the choice under this token, across runs too. */
  g_settings_set_string (self->settings, "screencast-restore-token",
                         self->restore_token != NULL ? self->restore_token : "");
  create_stream (self);
}

/**
 * cascade_go_live_page_start:
 *
 * Goes live with what the page's form says (the button does the same).
 */
void
cascade_go_live_page_start (CascadeGoLivePage *self)
{
  g_return_if_fail (CASCADE_IS_GO_LIVE_PAGE (self));
  g_return_if_fail (self->session != NULL);

  if (self->state != CASCADE_GO_LIVE_STATE_IDLE)
    return;

  show_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  set_state (self, CASCADE_GO_LIVE_STATE_STARTING);

  if (adw_combo_row_get_selected (self->source_row) == CASCADE_GO_LIVE_SOURCE_SCREEN)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      g_autoptr (XdpParent) parent =
        GTK_IS_WINDOW (root) ? xdp_parent_new_gtk (GTK_WINDOW (root)) : NULL;

      self->screencast = cascade_screencast_new ();
      cascade_screencast_start_async (self->screencast, parent, self->restore_token,
                                      self->cancellable, on_screencast_started, self);
      return;
    }

  create_stream (self);
}

static void
on_go_live_clicked (CascadeGoLivePage *self)
{
  if (self->state == CASCADE_GO_LIVE_STATE_IDLE)
    cascade_go_live_page_start (self);
  else
    cascade_go_live_page_stop (self);
}

static void
on_form_changed (CascadeGoLivePage *self)
{
  update_controls (self);
}

/* The `go-live-audio` setting's nicks, in the order of the Audio row and
 * of CascadeAudioCapture. */
static const char *const audio_nicks[] = { "none", "desktop", "microphone", "both" };
G_STATIC_ASSERT (CASCADE_AUDIO_CAPTURE_NONE == 0 && CASCADE_AUDIO_CAPTURE_BOTH == 3);

static gboolean
audio_from_setting (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (audio_nicks); i++)
    if (g_strcmp0 (nick, audio_nicks[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
audio_to_setting (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (audio_nicks))
    return NULL;
  return g_variant_new_string (audio_nicks[selected]);
}

static void
cascade_go_live_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeGoLivePage *self = CASCADE_GO_LIVE_PAGE (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_int (value, self->state);
        break;

      case PROP_VIEWERS:
        g_value_set_uint (value, self->viewers);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_go_live_page_dispose (GObject *object)
{
  CascadeGoLivePage *self = CASCADE_GO_LIVE_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->session != NULL)
    {
      if (self->stream_id != NULL)
        cascade_client_end_stream_async (cascade_session_get_client (self->session),
                                         self->stream_id, NULL, NULL, NULL);
      tear_down (self);
    }
  if (self->chat_room != NULL)
    cascade_chat_room_leave (self->chat_room);
  g_clear_object (&self->chat_room);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_GO_LIVE_PAGE);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cascade_go_live_page_parent_class)->dispose (object);
}

static void
cascade_go_live_page_finalize (GObject *object)
{
  CascadeGoLivePage *self = CASCADE_GO_LIVE_PAGE (object);

  g_free (self->restore_token);

  G_OBJECT_CLASS (cascade_go_live_page_parent_class)->finalize (object);
}

static gpointer
probe_encoders (gpointer data)
{
  cascade_publisher_get_usable_encoders ();
  return NULL;
}

static void
cascade_go_live_page_class_init (CascadeGoLivePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* The page makes GStreamer elements (idempotent when the program did). */
  gst_init (NULL, NULL);
  /* Which H.264 encoders work is found once per process by encoding a frame
   * (a hardware one can take seconds): find out now, off the main thread, so
   * that pressing Go Live does not wait for it. */
  g_thread_unref (g_thread_new ("encoder-probe", probe_encoders, NULL));

  object_class->get_property = cascade_go_live_page_get_property;
  object_class->dispose = cascade_go_live_page_dispose;
  object_class->finalize = cascade_go_live_page_finalize;

  /**
   * CascadeGoLivePage:state:
   *
   * A #CascadeGoLiveState.
   */
  properties[PROP_STATE] = g_param_spec_int (
    "state", NULL, NULL, CASCADE_GO_LIVE_STATE_IDLE, CASCADE_GO_LIVE_STATE_STOPPING,
    CASCADE_GO_LIVE_STATE_IDLE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CascadeGoLivePage:viewers:
   *
   * How many people watch the stream, as the server counts them.
   */
  properties[PROP_VIEWERS] = g_param_spec_uint ("viewers", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CASCADE_TYPE_CHAT_VIEW);
  g_type_ensure (CASCADE_TYPE_LIVE_STATS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-go-live-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, preview_picture);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, preview_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, live_badge);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, source_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, audio_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, title_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, category_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, quality_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, go_live_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, error_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, stats);
  gtk_widget_class_bind_template_child (widget_class, CascadeGoLivePage, chat_view);
  gtk_widget_class_bind_template_callback (widget_class, on_go_live_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_form_changed);
}

static void
cascade_go_live_page_init (CascadeGoLivePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  self->restore_token = g_settings_get_string (self->settings, "screencast-restore-token");
  if (*self->restore_token == '\0')
    g_clear_pointer (&self->restore_token, g_free);

  g_settings_bind_with_mapping (self->settings, "go-live-audio", self->audio_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, audio_from_setting, audio_to_setting, NULL,
                                NULL);

  update_controls (self);
}

/**
 * cascade_go_live_page_set_session:
 * @session: the session to stream as
 */
void
cascade_go_live_page_set_session (CascadeGoLivePage *self, CascadeSession *session)
{
  g_return_if_fail (CASCADE_IS_GO_LIVE_PAGE (self));
  g_return_if_fail (CASCADE_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
}

/**
 * cascade_go_live_page_get_state:
 *
 * Returns: where the page is
 */
CascadeGoLiveState
cascade_go_live_page_get_state (CascadeGoLivePage *self)
{
  g_return_val_if_fail (CASCADE_IS_GO_LIVE_PAGE (self), CASCADE_GO_LIVE_STATE_IDLE);

  return self->state;
}

/**
 * cascade_go_live_page_get_stream:
 *
 * Returns: (transfer none) (nullable): the stream while live
 */
CascadeStream *
cascade_go_live_page_get_stream (CascadeGoLivePage *self)
{
  g_return_val_if_fail (CASCADE_IS_GO_LIVE_PAGE (self), NULL);

  return self->stream;
}

/**
 * cascade_go_live_page_get_preview:
 *
 * Returns: (transfer none) (nullable): the preview while live
 */
CascadePaintable *
cascade_go_live_page_get_preview (CascadeGoLivePage *self)
{
  g_return_val_if_fail (CASCADE_IS_GO_LIVE_PAGE (self), NULL);

  return self->preview;
}

/**
 * cascade_go_live_page_get_viewers:
 *
 * Returns: how many people watch the stream
 */
guint
cascade_go_live_page_get_viewers (CascadeGoLivePage *self)
{
  g_return_val_if_fail (CASCADE_IS_GO_LIVE_PAGE (self), 0);

  return self->viewers;
}

/**
 * cascade_go_live_page_get_frames_per_second:
 *
 * Returns: the frames encoded in the last second, as the statistics show
 */
double
cascade_go_live_page_get_frames_per_second (CascadeGoLivePage *self)
{
  g_return_val_if_fail (CASCADE_IS_GO_LIVE_PAGE (self), 0.0);

  return self->fps;
}
