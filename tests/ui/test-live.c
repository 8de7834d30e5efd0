/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * Going live and watching, through the real pages under Xvfb, against a real
 * cascaded: one window goes live from the test pattern with the Go Live page
 * (real CascadePublisher, real webrtcbin), another window finds the stream on
 * its Live page and plays it on its Watch page (real CascadeViewer into the
 * paintable sink), over loopback.
 */

#include <adwaita.h>
#include <gst/gst.h>
#include <string.h>

#include "cascade-go-live-page.h"
#include "cascade-live-stats.h"
#include "cascade-live-page.h"
#include "cascade-session.h"
#include "cascade-stream-card.h"
#include "cascade-test-server.h"
#include "cascade-ui-test.h"
#include "cascade-watch-page.h"
#include "cascade-window.h"

#define PASSWORD "correct horse battery"
#define WAIT_FOR CASCADE_UI_TEST_WAIT_FOR

typedef struct
{
  CascadeSession *session;
  CascadeWindow *window;
} Person;

typedef struct
{
  CascadeTestServer *server;
  Person streamer;
  Person viewer;
  gint64 last_asked;
  char *data_dir;
} Fixture;

static gpointer
window_child (Person *p, const char *name)
{
  return cascade_ui_test_child (p->window, CASCADE_TYPE_WINDOW, name);
}

static void
on_signed_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cascade_session_sign_up_finish (CASCADE_SESSION (source), result, &error));
  g_assert_no_error (error);
}

static void
start_person (Fixture *f, Person *p, const char *username)
{
  g_autofree char *email = g_strdup_printf ("%s@example.org", username);

  p->session = cascade_session_new (cascade_test_server_get_url (f->server));
  p->window = g_object_ref (cascade_window_new (NULL, p->session));
  gtk_window_set_default_size (GTK_WINDOW (p->window), 1000, 700);
  gtk_window_present (GTK_WINDOW (p->window));
  cascade_session_sign_up_async (p->session, email, username, PASSWORD, username, NULL,
                                 on_signed_up, NULL);
  WAIT_FOR (cascade_session_get_state (p->session) == CASCADE_SESSION_STATE_SIGNED_IN);
  WAIT_FOR (cascade_realtime_get_state (cascade_session_get_realtime (p->session)) ==
            CASCADE_REALTIME_STATE_CONNECTED);
}

static void
stop_person (Person *p)
{
  if (p->window == NULL)
    return;
  gtk_window_destroy (GTK_WINDOW (p->window));
  /* The pages let go of their pipelines on the main loop. */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (g_steal_pointer (&p->window));
  g_clear_object (&p->session);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  cascade_ui_test_use_system_data ();
  f->server = cascade_test_server_new (NULL);
  start_person (f, &f->streamer, "ada");
}

/* A server whose data dir outlives it, so that it can be restarted. */
static void
fixture_set_up_restartable (Fixture *f, gconstpointer data)
{
  cascade_ui_test_use_system_data ();
  f->data_dir = cascade_test_make_tmp_dir ();
  f->server = cascade_test_server_new_in_dir (f->data_dir, NULL);
  start_person (f, &f->streamer, "ada");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  stop_person (&f->viewer);
  stop_person (&f->streamer);
  g_clear_pointer (&f->server, cascade_test_server_free);
  if (f->data_dir != NULL)
    cascade_test_rm_rf (f->data_dir);
  g_clear_pointer (&f->data_dir, g_free);
}

/* The share of pixels that are not (nearly) black. */
static double
lit_share (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = width * 4;
  g_autofree guint8 *data = g_malloc (stride * height);
  guint lit = 0;

  gdk_texture_download (texture, data, stride);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *px = data + y * stride + x * 4;

        if (px[0] > 32 || px[1] > 32 || px[2] > 32)
          lit++;
      }
  return (double) lit / (width * height);
}

/* What the picture widget draws on screen, rendered by the window's renderer. */
static GdkTexture *
render_widget (CascadeWindow *window, GtkWidget *widget)
{
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

static void
click (gpointer button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_is_drawable (button));
  g_signal_emit_by_name (button, "clicked");
}

static CascadeGoLivePage *
go_live (Fixture *f, const char *title, const char *category)
{
  CascadeGoLivePage *page = window_child (&f->streamer, "go_live_page");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->streamer.window), "win.go-live", NULL));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (page)));

  /* Nothing to start without a title and a category. */
  g_assert_false (gtk_widget_get_sensitive (
    cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "go_live_button")));
  gtk_editable_set_text (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "title_row"),
                         title);
  gtk_editable_set_text (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "category_row"),
                         category);
  click (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "go_live_button"));
  WAIT_FOR (cascade_go_live_page_get_state (page) == CASCADE_GO_LIVE_STATE_LIVE);
  return page;
}

static guint
live_streams_on_server (Fixture *f, const char *title)
{
  g_autoptr (JsonNode) json = NULL;
  JsonArray *items;
  guint found = 0;

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "GET", "/api/v1/streams?live=true", NULL, NULL, &json),
    ==, 200);
  items = json_object_get_array_member (json_node_get_object (json), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *stream = json_array_get_object_element (items, i);

      if (title == NULL || g_strcmp0 (json_object_get_string_member (stream, "title"), title) == 0)
        found++;
    }
  return found;
}

/* Whether the server has a thumbnail for the stream (asks at most every 200 ms). */
static gboolean
has_thumbnail (Fixture *f, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s/thumbnail", id);
  g_autoptr (GBytes) body = NULL;

  if (g_get_monotonic_time () - f->last_asked < G_USEC_PER_SEC / 5)
    return FALSE;
  f->last_asked = g_get_monotonic_time ();
  return cascade_test_server_request_full (f->server, "GET", path, NULL, NULL, NULL, NULL, &body) ==
           200 &&
         g_bytes_get_size (body) > 1000;
}

static void
test_go_live_start_stop (Fixture *f, gconstpointer data)
{
  CascadeGoLivePage *page = go_live (f, "Speedrun practice", "Celeste");
  CascadePaintable *preview = cascade_go_live_page_get_preview (page);

  /* The server lists it, the preview shows the real picture, the stats run. */
  g_assert_cmpuint (live_streams_on_server (f, "Speedrun practice"), ==, 1);
  g_assert_nonnull (preview);
  WAIT_FOR (cascade_paintable_get_frames_shown (preview) >= 10);
  g_assert_cmpfloat (lit_share (cascade_paintable_get_texture (preview)), >, 0.5);
  WAIT_FOR (cascade_go_live_page_get_frames_per_second (page) > 0);

  /* A thumbnail of the picture reaches the server soon after going live. */
  WAIT_FOR (has_thumbnail (f, cascade_stream_get_id (cascade_go_live_page_get_stream (page))));

  /* While live the form is locked; End Stream ends it everywhere. */
  g_assert_false (
    gtk_widget_is_sensitive (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "title_row")));
  click (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "go_live_button"));
  WAIT_FOR (cascade_go_live_page_get_state (page) == CASCADE_GO_LIVE_STATE_IDLE);
  g_assert_null (cascade_go_live_page_get_preview (page));
  g_assert_cmpuint (live_streams_on_server (f, NULL), ==, 0);
  g_assert_true (
    gtk_widget_is_sensitive (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "title_row")));
}

/* No ScreenCast portal on this bus: picking the screen says why it cannot
 * start, creates no stream, and leaves the form ready for another try. */
static void
test_screen_without_portal (Fixture *f, gconstpointer data)
{
  CascadeGoLivePage *page = window_child (&f->streamer, "go_live_page");
  GtkWidget *error_label = cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "error_label");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->streamer.window), "win.go-live", NULL));
  adw_combo_row_set_selected (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "source_row"),
                              CASCADE_GO_LIVE_SOURCE_SCREEN);
  gtk_editable_set_text (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "title_row"),
                         "Desktop");
  gtk_editable_set_text (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "category_row"),
                         "Minecraft");
  click (cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "go_live_button"));

  WAIT_FOR (gtk_widget_get_visible (error_label) &&
            cascade_go_live_page_get_state (page) == CASCADE_GO_LIVE_STATE_IDLE);
  g_assert_true (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (error_label)),
                                   "Could not capture the screen: "));
  g_assert_cmpuint (live_streams_on_server (f, NULL), ==, 0);
  g_assert_true (gtk_widget_is_sensitive (
    cascade_ui_test_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "go_live_button")));
}

static void
test_watch (Fixture *f, gconstpointer data)
{
  CascadeLivePage *live;
  CascadeGoLivePage *go_live_page;
  CascadeWatchPage *watch;
  CascadePaintable *video;
  CascadeLiveStats *stats;
  GtkStack *stack;
  g_autoptr (GdkTexture) shot = NULL;

  start_person (f, &f->viewer, "bob");
  live = window_child (&f->viewer, "live_page");
  watch = window_child (&f->viewer, "watch_page");
  stack = cascade_ui_test_child (live, CASCADE_TYPE_LIVE_PAGE, "stack");

  /* Bob opens Live: nobody is live. */
  gtk_list_box_select_row (
    window_child (&f->viewer, "sidebar_list"),
    gtk_list_box_get_row_at_index (window_child (&f->viewer, "sidebar_list"), 1));
  WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "empty") == 0);

  /* Ada goes live: Bob's Live page shows her card without him doing anything. */
  go_live_page = go_live (f, "Any% attempts", "Celeste");
  WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "streams") == 0 &&
            cascade_ui_test_first_card (live) != NULL);
  g_assert_cmpstr (gtk_label_get_text (cascade_ui_test_child (
                     cascade_ui_test_first_card (live), CASCADE_TYPE_STREAM_CARD, "title_label")),
                   ==, "Any% attempts");
  g_assert_cmpstr (
    gtk_label_get_text (cascade_ui_test_child (cascade_ui_test_first_card (live),
                                               CASCADE_TYPE_STREAM_CARD, "category_label")),
    ==, "Celeste");
  g_assert_cmpstr (gtk_label_get_text (cascade_ui_test_child (
                     cascade_ui_test_first_card (live), CASCADE_TYPE_STREAM_CARD, "channel_label")),
                   ==, "ada");

  /* He activates it: the Watch page plays her picture. */
  g_signal_emit_by_name (cascade_ui_test_child (live, CASCADE_TYPE_LIVE_PAGE, "grid"), "activate",
                         0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window_child (&f->viewer, "main_stack")), ==,
                   "watch");
  video = cascade_watch_page_get_paintable (watch);
  g_assert_nonnull (video);
  WAIT_FOR (cascade_paintable_get_frames_shown (video) >= 10 &&
            cascade_watch_page_get_state (watch) == CASCADE_WATCH_STATE_PLAYING);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (video)), ==, 1280);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (video)), ==, 720);

  /* On screen: the picture widget draws real pixels, not black. */
  WAIT_FOR (
    gtk_widget_get_width (cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "picture")) > 0);
  shot = render_widget (f->viewer.window,
                        cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "picture"));
  g_assert_cmpfloat (lit_share (shot), >, 0.3);

  /* M mutes, and the button says so; M again unmutes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (watch), "watch.toggle-mute", NULL));
  g_assert_true (gtk_toggle_button_get_active (
    cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "mute_button")));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (
                     cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "mute_button")),
                   ==, "Unmute");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (watch), "watch.toggle-mute", NULL));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (
                     cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "mute_button")),
                   ==, "Mute");

  /* The streamer sees one viewer, reached directly (a tree one deep, nobody
   * relaying); the viewer sees the latency. */
  WAIT_FOR (cascade_go_live_page_get_viewers (go_live_page) == 1);
  stats = cascade_ui_test_child (go_live_page, CASCADE_TYPE_GO_LIVE_PAGE, "stats");
  WAIT_FOR (g_strcmp0 (cascade_live_stats_get_text (stats, "viewers"), "1") == 0);
  g_assert_cmpstr (cascade_live_stats_get_text (stats, "depth"), ==, "1");
  g_assert_cmpstr (cascade_live_stats_get_text (stats, "relays"), ==, "0");
  g_assert_cmpstr (cascade_live_stats_get_text (stats, "poor-links"), ==, "0");
  WAIT_FOR (g_str_has_prefix (
    gtk_label_get_text (cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "latency_label")),
    "Latency "));
  /* He relays to nobody: the only viewer has no children to feed. */
  g_assert_cmpstr (
    gtk_label_get_text (cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "relay_label")), ==,
    "Not relaying");
  /* Playing with a latency: no "Connected" beside it to crowd the controls. */
  WAIT_FOR (!gtk_widget_get_visible (
    cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "connection_label")));

  /* Ada ends the stream: Bob is told, in words. */
  click (cascade_ui_test_child (go_live_page, CASCADE_TYPE_GO_LIVE_PAGE, "go_live_button"));
  WAIT_FOR (cascade_watch_page_get_state (watch) == CASCADE_WATCH_STATE_ENDED);
  g_assert_cmpstr (
    gtk_label_get_text (cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "status_label")), ==,
    "This stream has ended.");

  /* Back: the Live page again, which knows nobody is live. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (watch), "watch.close", NULL));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window_child (&f->viewer, "main_stack")), ==,
                   "main");
  WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "empty") == 0);
}

/* The server goes away and comes back on the same address: the Watch page
 * says it is reconnecting, then joins again and plays on. */
static void
test_reconnect (Fixture *f, gconstpointer data)
{
  CascadeGoLivePage *go_live_page;
  CascadeWatchPage *watch;
  CascadePaintable *video;
  g_autofree char *url = g_strdup (cascade_test_server_get_url (f->server));
  g_autofree char *listen = g_strdup (strstr (url, "://") + 3);
  const char *args[] = { "--listen", listen, NULL };
  guint64 frames;

  start_person (f, &f->viewer, "bob");
  watch = window_child (&f->viewer, "watch_page");
  go_live_page = go_live (f, "Practice", "Tetris");
  g_signal_emit_by_name (window_child (&f->viewer, "live_page"), "stream-activated",
                         cascade_go_live_page_get_stream (go_live_page));
  video = cascade_watch_page_get_paintable (watch);
  WAIT_FOR (cascade_watch_page_get_state (watch) == CASCADE_WATCH_STATE_PLAYING);

  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  WAIT_FOR (cascade_watch_page_get_state (watch) == CASCADE_WATCH_STATE_RECONNECTING);
  g_assert_cmpstr (
    gtk_label_get_text (cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "status_label")), ==,
    "The connection dropped. Reconnecting…");
  g_assert_true (
    gtk_widget_get_visible (cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "status_box")));

  f->server = cascade_test_server_new_in_dir (f->data_dir, args);
  g_assert_cmpstr (cascade_test_server_get_url (f->server), ==, url);
  WAIT_FOR (cascade_watch_page_get_state (watch) == CASCADE_WATCH_STATE_PLAYING);
  g_assert_false (
    gtk_widget_get_visible (cascade_ui_test_child (watch, CASCADE_TYPE_WATCH_PAGE, "status_box")));
  g_assert_cmpint (cascade_go_live_page_get_state (go_live_page), ==, CASCADE_GO_LIVE_STATE_LIVE);
  frames = cascade_paintable_get_frames_shown (video);
  WAIT_FOR (cascade_paintable_get_frames_shown (video) >= frames + 10);
}

int
main (int argc, char *argv[])
{
  int status;

  cascade_ui_test_init (&argc, &argv);
  gst_init (&argc, &argv);

  g_test_add ("/cascade/ui/live/go-live-start-stop", Fixture, NULL, fixture_set_up,
              test_go_live_start_stop, fixture_tear_down);
  g_test_add ("/cascade/ui/live/screen-without-portal", Fixture, NULL, fixture_set_up,
              test_screen_without_portal, fixture_tear_down);
  g_test_add ("/cascade/ui/live/reconnect", Fixture, NULL, fixture_set_up_restartable,
              test_reconnect, fixture_tear_down);
  g_test_add ("/cascade/ui/live/watch", Fixture, NULL, fixture_set_up, test_watch,
              fixture_tear_down);

  status = g_test_run ();
  /* Exiting while the engine still works in the background crashes. */
  cascade_p2p_wait_closed ();
  return status;
}
