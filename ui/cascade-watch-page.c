/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-watch-page.h"

#include <glib/gi18n.h>

#include "cascade-chat-room.h"
#include "cascade-chat-view.h"
#include "cascade-client.h"
#include "cascade-follow-button.h"
#include "cascade-realtime.h"
#include "cascade-server-url.h"
#include "cascade-split-box.h"
#include "cascade-tree-node.h"
#include "cascade-video-sink.h"
#include "cascade-viewer.h"

/*
 * CascadeWatchPage: one live stream, played.
 *
 * Joining goes through the session's realtime connection: `stream.join`; the
 * tracker answers `stream.placed` with the parent peer (the streamer, for
 * now), which then sends its offer as `signal` messages; CascadeViewer answers
 * them, and its own SDP and ICE go back to the parent the same way. Frames go
 * from the viewer's decoder into a CascadeVideoSink, whose paintable the
 * GtkPicture shows.
 *
 * The viewer's place in the tree is a CascadeTreeNode (as in cascade-peer):
 * with "Relay to other viewers" on, a CascadeRelay forwards what arrives to
 * the children the tracker gives us, and the page says to how many. Leaving
 * with children hands them over first; their node lives on (muted, unseen)
 * until the hand-over is done.
 *
 * When the peer connection or the realtime connection drops, the page says
 * it is reconnecting and joins again (the parent makes a new offer, which the
 * same CascadeViewer takes). `stream.ended` ends it for good.
 */

#define STATS_INTERVAL_MS 500
/* A connection that stays down this long is replaced by a new join. */
#define REJOIN_AFTER_US (3 * G_USEC_PER_SEC)
#define STREAM_REFRESH_SECONDS 15

struct _CascadeWatchPage
{
  AdwBin parent_instance;

  CascadeSession *session;
  CascadeStream *stream;
  char *stream_id;
  CascadeViewer *viewer;
  CascadeRelay *relay;
  CascadeTreeNode *node;
  GPtrArray *leaving; /* CascadeTreeNode, handing their children over */
  GSettings *settings;
  CascadeChatRoom *chat_room;
  CascadeVideoSink *sink;
  CascadePaintable *paintable;
  CascadeWatchState state;
  GCancellable *cancellable;
  gulong realtime_handlers[4];
  guint stats_id;
  guint refresh_id;
  gint64 down_since;
  gboolean fullscreen;

  AdwHeaderBar *header_bar;
  AdwWindowTitle *window_title;
  GtkPicture *picture;
  GtkBox *status_box;
  GtkSpinner *status_spinner;
  GtkLabel *status_label;
  GtkLabel *title_label;
  GtkLabel *channel_label;
  GtkLabel *category_label;
  GtkLabel *viewers_label;
  GtkLabel *latency_label;
  GtkLabel *relay_label;
  GtkLabel *connection_label;
  GtkToggleButton *mute_button;
  GtkScale *volume_scale;
  GtkButton *fullscreen_button;
  CascadeChatView *chat_view;
  CascadeFollowButton *follow_button;
};

G_DEFINE_FINAL_TYPE (CascadeWatchPage, cascade_watch_page, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_FULLSCREEN,
  N_PROPS
};

enum
{
  CLOSED,
  HANDED_OVER,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void join (CascadeWatchPage *self);
static gboolean on_refresh_stream (gpointer user_data);

static CascadeRealtime *
get_realtime (CascadeWatchPage *self)
{
  return cascade_session_get_realtime (self->session);
}

static void
send_message (CascadeWatchPage *self, JsonObject *message)
{
  cascade_realtime_send (get_realtime (self), message);
}

static void
set_state (CascadeWatchPage *self, CascadeWatchState state)
{
  const char *status = NULL;

  if (self->state == state)
    return;
  self->state = state;

  switch (state)
    {
      case CASCADE_WATCH_STATE_CONNECTING:
        status = _ ("Connecting to the stream…");
        break;

      case CASCADE_WATCH_STATE_RECONNECTING:
        status = _ ("The connection dropped. Reconnecting…");
        break;

      case CASCADE_WATCH_STATE_ENDED:
        status = _ ("This stream has ended.");
        break;

      case CASCADE_WATCH_STATE_IDLE:
      case CASCADE_WATCH_STATE_PLAYING:
      default:
        break;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->status_box), status != NULL);
  gtk_label_set_text (self->status_label, status != NULL ? status : "");
  gtk_spinner_set_spinning (self->status_spinner, state == CASCADE_WATCH_STATE_CONNECTING ||
                                                    state == CASCADE_WATCH_STATE_RECONNECTING);
  gtk_widget_set_visible (GTK_WIDGET (self->status_spinner), state != CASCADE_WATCH_STATE_ENDED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static const char *
peer_state_text (CascadePeerState state)
{
  switch (state)
    {
      case CASCADE_PEER_STATE_CONNECTED:
        return _ ("Connected");

      case CASCADE_PEER_STATE_DISCONNECTED:
        return _ ("Disconnected");

      case CASCADE_PEER_STATE_FAILED:
        return _ ("Connection failed");

      case CASCADE_PEER_STATE_CLOSED:
        return _ ("Closed");

      case CASCADE_PEER_STATE_NEW:
      case CASCADE_PEER_STATE_CONNECTING:
      default:
        return _ ("Connecting");
    }
}

static void
update_stream_labels (CascadeWatchPage *self)
{
  g_autofree char *title = NULL;
  g_autofree char *category = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *username = NULL;
  g_autofree char *viewers = NULL;
  int viewer_count = 0;

  if (self->stream == NULL)
    return;

  g_object_get (self->stream, "title", &title, "category", &category, "channel-display-name",
                &display_name, "channel-username", &username, "viewer-count", &viewer_count, NULL);
  if (display_name == NULL || *display_name == '\0')
    {
      g_free (display_name);
      display_name = g_steal_pointer (&username);
    }

  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->channel_label, display_name);
  gtk_label_set_text (self->category_label, category);
  /* Translators: how many people watch the stream now. */
  viewers = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d viewer", "%d viewers", viewer_count),
                             viewer_count);
  gtk_label_set_text (self->viewers_label, viewers);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, display_name);
}

static void
update_relay_label (CascadeWatchPage *self)
{
  guint n = self->node != NULL ? cascade_tree_node_get_n_relaying (self->node) : 0;
  g_autofree char *text = NULL;

  if (n == 0)
    {
      gtk_label_set_text (self->relay_label, _ ("Not relaying"));
      return;
    }
  /* Translators: this viewer forwards the stream to that many other viewers. */
  text = g_strdup_printf (
    g_dngettext (GETTEXT_PACKAGE, "Relaying to %u viewer", "Relaying to %u viewers", n), n);
  gtk_label_set_text (self->relay_label, text);
}

static gboolean
on_stats (gpointer user_data)
{
  CascadeWatchPage *self = user_data;
  CascadeViewerStats stats;

  if (self->viewer == NULL)
    return G_SOURCE_CONTINUE;

  cascade_viewer_get_stats (self->viewer, &stats);
  gtk_label_set_text (self->connection_label, peer_state_text (stats.state));
  /* Playing with a known latency says "connected" already (and a narrow
   * window has room for one of them only). */
  gtk_widget_set_visible (GTK_WIDGET (self->connection_label),
                          stats.state != CASCADE_PEER_STATE_CONNECTED || stats.latency_us < 0);
  update_relay_label (self);

  if (stats.latency_us >= 0 && stats.state == CASCADE_PEER_STATE_CONNECTED)
    {
      /* Translators: glass-to-glass delay of the live picture, in milliseconds. */
      g_autofree char *text =
        g_strdup_printf (_ ("Latency %d ms"), (int) ((stats.latency_us + 500) / 1000));
      gtk_label_set_text (self->latency_label, text);
    }
  else
    gtk_label_set_text (self->latency_label, "");

  if (self->state == CASCADE_WATCH_STATE_ENDED)
    return G_SOURCE_CONTINUE;

  if (stats.state == CASCADE_PEER_STATE_CONNECTED)
    {
      self->down_since = 0;
      if (stats.frames > 0 && self->state != CASCADE_WATCH_STATE_PLAYING)
        {
          set_state (self, CASCADE_WATCH_STATE_PLAYING);
          /* The viewer count now includes us. */
          on_refresh_stream (self);
        }
      return G_SOURCE_CONTINUE;
    }

  if (stats.state == CASCADE_PEER_STATE_DISCONNECTED || stats.state == CASCADE_PEER_STATE_FAILED)
    {
      gint64 now = g_get_monotonic_time ();

      if (self->down_since == 0)
        self->down_since = now;
      set_state (self, CASCADE_WATCH_STATE_RECONNECTING);
      if (now - self->down_since > REJOIN_AFTER_US)
        {
          self->down_since = now;
          join (self);
        }
    }

  return G_SOURCE_CONTINUE;
}

static void
on_stream_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeWatchPage *self = user_data;
  g_autoptr (CascadeStream) stream = NULL;
  g_autoptr (GError) error = NULL;
  gboolean live = TRUE;

  stream = cascade_client_get_stream_finish (CASCADE_CLIENT (source), result, &error);
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not refresh the stream: %s", error->message);
      return;
    }

  g_set_object (&self->stream, stream);
  update_stream_labels (self);
  g_object_get (stream, "live", &live, NULL);
  if (!live)
    set_state (self, CASCADE_WATCH_STATE_ENDED);
}

static gboolean
on_refresh_stream (gpointer user_data)
{
  CascadeWatchPage *self = user_data;

  cascade_client_get_stream_async (cascade_session_get_client (self->session), self->stream_id,
                                   self->cancellable, on_stream_refreshed, self);
  return G_SOURCE_CONTINUE;
}

/* What the tree node says to the tracker (and through it to our parent and
 * children). */
static void
on_node_send (CascadeWatchPage *self, JsonObject *message)
{
  send_message (self, message);
}

static void
on_viewer_error (CascadeWatchPage *self, GError *error)
{
  g_debug ("The connection to the stream failed: %s", error->message);
  if (self->state != CASCADE_WATCH_STATE_ENDED)
    {
      set_state (self, CASCADE_WATCH_STATE_RECONNECTING);
      if (self->down_since == 0)
        self->down_since = g_get_monotonic_time ();
    }
}

static gboolean
is_ours (CascadeWatchPage *self, JsonObject *message)
{
  return self->stream_id != NULL &&
         g_strcmp0 (json_object_get_string_member_with_default (message, "stream_id", NULL),
                    self->stream_id) == 0;
}

/* Placement, signals from the parent and the children, children coming and
 * going: the tree node's; nodes handing their children over still listen. */
static void
on_message (CascadeWatchPage *self, const char *type, JsonObject *message)
{
  if (self->node != NULL)
    cascade_tree_node_handle_message (self->node, message);
  for (guint i = 0; self->leaving != NULL && i < self->leaving->len; i++)
    cascade_tree_node_handle_message (g_ptr_array_index (self->leaving, i), message);
}

static void
on_ended (CascadeWatchPage *self, const char *type, JsonObject *message)
{
  if (!is_ours (self, message))
    return;

  set_state (self, CASCADE_WATCH_STATE_ENDED);
  if (self->node != NULL)
    cascade_tree_node_close (self->node);
  update_relay_label (self);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
}

static void
on_realtime_state (CascadeWatchPage *self)
{
  CascadeRealtimeState state = cascade_realtime_get_state (get_realtime (self));

  if (self->stream_id == NULL || self->state == CASCADE_WATCH_STATE_ENDED)
    return;

  if (state == CASCADE_REALTIME_STATE_CONNECTED)
    join (self);
  else if (self->state == CASCADE_WATCH_STATE_PLAYING)
    set_state (self, CASCADE_WATCH_STATE_RECONNECTING);
}

static void
on_leaving_node_left (CascadeWatchPage *self, CascadeTreeNode *node)
{
  cascade_tree_node_close (node);
  g_ptr_array_remove (self->leaving, node);
  if (self->leaving->len == 0)
    g_signal_emit (self, signals[HANDED_OVER], 0);
}

/* Leaves the tree: with children, they are handed over first, and this node
 * (its viewer muted, its picture unseen) feeds them until that is done. */
static void
leave_tree (CascadeWatchPage *self)
{
  g_autoptr (CascadeTreeNode) node = g_steal_pointer (&self->node);

  if (node == NULL)
    return;
  /* What it says (its stream.leave, its children's signalling) still goes. */
  g_signal_handlers_disconnect_by_data (node, self);
  g_signal_connect_object (node, "send", G_CALLBACK (on_node_send), self, G_CONNECT_SWAPPED);
  if (cascade_realtime_get_state (get_realtime (self)) == CASCADE_REALTIME_STATE_CONNECTED &&
      self->state != CASCADE_WATCH_STATE_ENDED && cascade_tree_node_leave (node, TRUE))
    {
      if (self->viewer != NULL)
        cascade_viewer_set_mute (self->viewer, TRUE);
      g_signal_connect_object (node, "left", G_CALLBACK (on_leaving_node_left), self,
                               G_CONNECT_SWAPPED);
      g_ptr_array_add (self->leaving, g_steal_pointer (&node));
      return;
    }
  cascade_tree_node_close (node);
}

/* A place in the tree for self->viewer, relaying when the setting says so. */
static void
make_node (CascadeWatchPage *self)
{
  g_clear_object (&self->relay);
  if (g_settings_get_boolean (self->settings, "relay-enabled"))
    {
      self->relay = cascade_relay_new ();
      g_object_set (self->relay, "privacy", g_settings_get_boolean (self->settings, "privacy-mode"),
                    NULL);
      if (cascade_server_url_is_loopback (cascade_session_get_server_url (self->session)))
        g_object_set (self->relay, "local-address", "127.0.0.1", NULL);
    }
  self->node = cascade_tree_node_new (self->stream_id, self->viewer, self->relay);
  g_object_set (self->node, "max-children",
                (guint) g_settings_get_int (self->settings, "relay-max-children"), NULL);
  g_signal_connect_swapped (self->node, "send", G_CALLBACK (on_node_send), self);
}

static void
join (CascadeWatchPage *self)
{
  if (cascade_realtime_get_state (get_realtime (self)) != CASCADE_REALTIME_STATE_CONNECTED)
    return; /* on_realtime_state joins once it is */

  /* Placed before: leave that place first, so the parent drops its branch
   * for us and the tracker places us afresh. */
  if (self->node != NULL && cascade_tree_node_get_peer_id (self->node) != NULL)
    {
      cascade_tree_node_leave (self->node, FALSE);
      cascade_tree_node_close (self->node);
      g_clear_object (&self->node);
    }
  if (self->node == NULL)
    make_node (self);
  cascade_tree_node_join (self->node);
}

static void
disconnect_realtime (CascadeWatchPage *self)
{
  CascadeRealtime *realtime = self->session != NULL ? get_realtime (self) : NULL;

  for (guint i = 0; i < G_N_ELEMENTS (self->realtime_handlers); i++)
    {
      if (realtime != NULL && self->realtime_handlers[i] != 0)
        g_signal_handler_disconnect (realtime, self->realtime_handlers[i]);
      self->realtime_handlers[i] = 0;
    }
}

/**
 * cascade_watch_page_stop:
 *
 * Leaves the stream shown, if any: the parent stops sending to us.
 */
void
cascade_watch_page_stop (CascadeWatchPage *self)
{
  g_return_if_fail (CASCADE_IS_WATCH_PAGE (self));

  if (self->stream_id == NULL)
    return;

  leave_tree (self);
  /* Handing over: the realtime handlers stay for the leaving nodes. */
  if (self->leaving->len == 0)
    disconnect_realtime (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->stats_id, g_source_remove);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->viewer != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->viewer, self);
      g_clear_object (&self->viewer);
    }
  g_clear_object (&self->relay);
  cascade_chat_view_set_room (self->chat_view, NULL);
  cascade_follow_button_set_room (self->follow_button, NULL);
  if (self->chat_room != NULL)
    cascade_chat_room_leave (self->chat_room);
  g_clear_object (&self->chat_room);
  self->sink = NULL;
  gtk_picture_set_paintable (self->picture, NULL);
  g_clear_object (&self->paintable);
  g_clear_pointer (&self->stream_id, g_free);
  g_clear_object (&self->stream);
  self->down_since = 0;
  set_state (self, CASCADE_WATCH_STATE_IDLE);
}

/**
 * cascade_watch_page_is_handing_over:
 *
 * Whether the children this page relayed to are still being handed over to
 * other parents (fed meanwhile) after it left their stream; ::handed-over
 * says when that is done (a few seconds at most).
 */
gboolean
cascade_watch_page_is_handing_over (CascadeWatchPage *self)
{
  g_return_val_if_fail (CASCADE_IS_WATCH_PAGE (self), FALSE);

  return self->leaving != NULL && self->leaving->len > 0;
}

/**
 * cascade_watch_page_watch:
 * @stream: the live stream to play
 *
 * Joins @stream and plays it (leaving the one shown before, if any).
 */
void
cascade_watch_page_watch (CascadeWatchPage *self, CascadeStream *stream)
{
  CascadeRealtime *realtime;
  g_autofree char *id = NULL;
  GstElement *bin;

  g_return_if_fail (CASCADE_IS_WATCH_PAGE (self));
  g_return_if_fail (CASCADE_IS_STREAM (stream));
  g_return_if_fail (self->session != NULL);

  cascade_watch_page_stop (self);
  disconnect_realtime (self);

  g_object_get (stream, "id", &id, NULL);
  self->stream = g_object_ref (stream);
  self->stream_id = g_steal_pointer (&id);
  self->cancellable = g_cancellable_new ();
  update_stream_labels (self);
  gtk_label_set_text (self->latency_label, "");
  gtk_label_set_text (self->connection_label, peer_state_text (CASCADE_PEER_STATE_NEW));
  gtk_widget_set_visible (GTK_WIDGET (self->connection_label), TRUE);

  bin = cascade_video_sink_bin_new (&self->sink);
  self->paintable = g_object_ref (cascade_video_sink_get_paintable (self->sink));
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (self->paintable));
  self->viewer = cascade_viewer_new_full (bin, TRUE);
  if (cascade_server_url_is_loopback (cascade_session_get_server_url (self->session)))
    g_object_set (self->viewer, "local-address", "127.0.0.1", NULL);
  cascade_viewer_set_volume (self->viewer, gtk_range_get_value (GTK_RANGE (self->volume_scale)));
  cascade_viewer_set_mute (self->viewer, gtk_toggle_button_get_active (self->mute_button));
  g_object_set (self->viewer, "privacy", g_settings_get_boolean (self->settings, "privacy-mode"),
                NULL);
  g_signal_connect_swapped (self->viewer, "error", G_CALLBACK (on_viewer_error), self);
  make_node (self);
  update_relay_label (self);

  realtime = get_realtime (self);
  self->realtime_handlers[0] =
    g_signal_connect_swapped (realtime, "message", G_CALLBACK (on_message), self);
  self->realtime_handlers[1] = 0;
  self->realtime_handlers[2] =
    g_signal_connect_swapped (realtime, "message::stream.ended", G_CALLBACK (on_ended), self);
  self->realtime_handlers[3] =
    g_signal_connect_swapped (realtime, "notify::state", G_CALLBACK (on_realtime_state), self);

  /* The channel's chat, beside the video. */
  self->chat_room =
    cascade_chat_room_new (self->session, cascade_stream_get_channel_username (stream));
  cascade_chat_room_join (self->chat_room);
  cascade_chat_view_set_room (self->chat_view, self->chat_room);
  cascade_follow_button_set_room (self->follow_button, self->chat_room);

  self->stats_id = g_timeout_add (STATS_INTERVAL_MS, on_stats, self);
  self->refresh_id = g_timeout_add_seconds (STREAM_REFRESH_SECONDS, on_refresh_stream, self);

  set_state (self, CASCADE_WATCH_STATE_CONNECTING);
  join (self);
}

static void
set_fullscreen (CascadeWatchPage *self, gboolean fullscreen)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (!GTK_IS_WINDOW (root))
    return;

  if (fullscreen)
    gtk_window_fullscreen (GTK_WINDOW (root));
  else
    gtk_window_unfullscreen (GTK_WINDOW (root));
}

static void
on_window_fullscreened (CascadeWatchPage *self, GParamSpec *pspec, GtkWindow *window)
{
  gboolean fullscreen = gtk_window_is_fullscreen (window);

  if (self->fullscreen == fullscreen)
    return;
  self->fullscreen = fullscreen;
  gtk_widget_set_visible (GTK_WIDGET (self->header_bar), !fullscreen);
  gtk_button_set_icon_name (self->fullscreen_button,
                            fullscreen ? "view-restore-symbolic" : "view-fullscreen-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->fullscreen_button),
                               fullscreen ? _ ("Leave Fullscreen") : _ ("Fullscreen"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FULLSCREEN]);
}

static void
toggle_fullscreen_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeWatchPage *self = CASCADE_WATCH_PAGE (widget);

  set_fullscreen (self, !self->fullscreen);
}

static void
leave_fullscreen_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  set_fullscreen (CASCADE_WATCH_PAGE (widget), FALSE);
}

static void
toggle_mute_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeWatchPage *self = CASCADE_WATCH_PAGE (widget);

  gtk_toggle_button_set_active (self->mute_button,
                                !gtk_toggle_button_get_active (self->mute_button));
}

static void
close_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeWatchPage *self = CASCADE_WATCH_PAGE (widget);

  set_fullscreen (self, FALSE);
  cascade_watch_page_stop (self);
  g_signal_emit (self, signals[CLOSED], 0);
}

static void
on_picture_pressed (CascadeWatchPage *self, int n_press, double x, double y)
{
  if (n_press == 2)
    set_fullscreen (self, !self->fullscreen);
}

static void
on_volume_changed (CascadeWatchPage *self)
{
  double volume = gtk_range_get_value (GTK_RANGE (self->volume_scale));

  if (self->viewer != NULL)
    cascade_viewer_set_volume (self->viewer, volume);
}

static void
on_mute_toggled (CascadeWatchPage *self)
{
  gboolean mute = gtk_toggle_button_get_active (self->mute_button);

  gtk_button_set_icon_name (GTK_BUTTON (self->mute_button),
                            mute ? "audio-volume-muted-symbolic" : "audio-volume-high-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->mute_button), mute ? _ ("Unmute") : _ ("Mute"));
  if (self->viewer != NULL)
    cascade_viewer_set_mute (self->viewer, mute);
}

static void
cascade_watch_page_root (GtkWidget *widget)
{
  CascadeWatchPage *self = CASCADE_WATCH_PAGE (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (cascade_watch_page_parent_class)->root (widget);

  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root))
    g_signal_connect_object (root, "notify::fullscreened", G_CALLBACK (on_window_fullscreened),
                             self, G_CONNECT_SWAPPED);
}

static void
cascade_watch_page_unroot (GtkWidget *widget)
{
  CascadeWatchPage *self = CASCADE_WATCH_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);

  if (root != NULL)
    g_signal_handlers_disconnect_by_func (root, on_window_fullscreened, self);

  GTK_WIDGET_CLASS (cascade_watch_page_parent_class)->unroot (widget);
}

static void
cascade_watch_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeWatchPage *self = CASCADE_WATCH_PAGE (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_int (value, self->state);
        break;

      case PROP_FULLSCREEN:
        g_value_set_boolean (value, self->fullscreen);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_watch_page_dispose (GObject *object)
{
  CascadeWatchPage *self = CASCADE_WATCH_PAGE (object);

  if (self->session != NULL)
    cascade_watch_page_stop (self);
  /* Going away: no more hand-over. */
  if (self->leaving != NULL)
    {
      for (guint i = 0; i < self->leaving->len; i++)
        cascade_tree_node_close (g_ptr_array_index (self->leaving, i));
      g_clear_pointer (&self->leaving, g_ptr_array_unref);
    }
  disconnect_realtime (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_WATCH_PAGE);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cascade_watch_page_parent_class)->dispose (object);
}

static void
cascade_watch_page_class_init (CascadeWatchPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* The page makes GStreamer elements (idempotent when the program did). */
  gst_init (NULL, NULL);

  object_class->get_property = cascade_watch_page_get_property;
  object_class->dispose = cascade_watch_page_dispose;
  widget_class->root = cascade_watch_page_root;
  widget_class->unroot = cascade_watch_page_unroot;

  /**
   * CascadeWatchPage:state:
   *
   * A #CascadeWatchState: what the page tells the person.
   */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CASCADE_WATCH_STATE_IDLE, CASCADE_WATCH_STATE_ENDED,
                      CASCADE_WATCH_STATE_IDLE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CascadeWatchPage:fullscreen:
   *
   * Whether the video fills the screen.
   */
  properties[PROP_FULLSCREEN] = g_param_spec_boolean ("fullscreen", NULL, NULL, FALSE,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CascadeWatchPage::closed:
   *
   * The person left the stream (the Back button): show what was before.
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 0);

  /**
   * CascadeWatchPage::handed-over:
   *
   * The children of a stream this page left have new parents (or the
   * tracker did not answer in time): nothing here feeds them any more.
   */
  signals[HANDED_OVER] = g_signal_new ("handed-over", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "watch.toggle-fullscreen", NULL,
                                   toggle_fullscreen_action);
  gtk_widget_class_install_action (widget_class, "watch.leave-fullscreen", NULL,
                                   leave_fullscreen_action);
  gtk_widget_class_install_action (widget_class, "watch.close", NULL, close_action);
  gtk_widget_class_install_action (widget_class, "watch.toggle-mute", NULL, toggle_mute_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0, "watch.toggle-mute", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "watch.toggle-fullscreen",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, 0, "watch.toggle-fullscreen", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "watch.leave-fullscreen",
                                       NULL);

  g_type_ensure (CASCADE_TYPE_SPLIT_BOX);
  g_type_ensure (CASCADE_TYPE_CHAT_VIEW);
  g_type_ensure (CASCADE_TYPE_FOLLOW_BUTTON);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-watch-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, header_bar);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, picture);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, status_box);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, status_spinner);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, channel_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, category_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, viewers_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, latency_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, relay_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, connection_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, mute_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, volume_scale);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, chat_view);
  gtk_widget_class_bind_template_child (widget_class, CascadeWatchPage, follow_button);
  gtk_widget_class_bind_template_callback (widget_class, on_picture_pressed);
  gtk_widget_class_bind_template_callback (widget_class, on_volume_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_mute_toggled);
}

static void
cascade_watch_page_init (CascadeWatchPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_range_set_value (GTK_RANGE (self->volume_scale), 1.0);
  self->settings = g_settings_new (APP_ID);
  self->leaving = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * cascade_watch_page_set_session:
 * @session: the session whose realtime connection to join streams through
 */
void
cascade_watch_page_set_session (CascadeWatchPage *self, CascadeSession *session)
{
  g_return_if_fail (CASCADE_IS_WATCH_PAGE (self));
  g_return_if_fail (CASCADE_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
}

/**
 * cascade_watch_page_get_stream:
 *
 * Returns: (transfer none) (nullable): the stream shown
 */
CascadeStream *
cascade_watch_page_get_stream (CascadeWatchPage *self)
{
  g_return_val_if_fail (CASCADE_IS_WATCH_PAGE (self), NULL);

  return self->stream;
}

/**
 * cascade_watch_page_get_state:
 *
 * Returns: what the page tells the person about the connection
 */
CascadeWatchState
cascade_watch_page_get_state (CascadeWatchPage *self)
{
  g_return_val_if_fail (CASCADE_IS_WATCH_PAGE (self), CASCADE_WATCH_STATE_IDLE);

  return self->state;
}

/**
 * cascade_watch_page_get_paintable:
 *
 * Returns: (transfer none) (nullable): the video, while a stream is shown
 */
CascadePaintable *
cascade_watch_page_get_paintable (CascadeWatchPage *self)
{
  g_return_val_if_fail (CASCADE_IS_WATCH_PAGE (self), NULL);

  return self->paintable;
}
