/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * Chat through the real widgets under Xvfb, against a real cascaded: a
 * viewer and the streamer (who moderates her own room), each with their own
 * session, realtime connection and CascadeChatView. The viewer sends from the
 * composer and sees the message in the list; the streamer deletes it from
 * her view and it disappears from the viewer's; refusals are said inline.
 */

#include <adwaita.h>
#include <string.h>

#include "cascade-chat-color-button.h"
#include "cascade-chat-held-queue.h"
#include "cascade-chat-room.h"
#include "cascade-chat-row.h"
#include "cascade-chat-settings-window.h"
#include "cascade-chat-view.h"
#include "cascade-session.h"
#include "cascade-test-server.h"
#include "cascade-ui-test.h"

#define PASSWORD "correct horse battery"
#define WAIT_FOR CASCADE_UI_TEST_WAIT_FOR

typedef struct
{
  CascadeSession *session;
  CascadeChatRoom *room;
  GtkWindow *window;
  CascadeChatView *view;
} Person;

typedef struct
{
  CascadeTestServer *server;
  Person streamer;
  Person viewer;
} Fixture;

static gpointer
view_child (Person *p, const char *name)
{
  GObject *child =
    gtk_widget_get_template_child (GTK_WIDGET (p->view), CASCADE_TYPE_CHAT_VIEW, name);

  g_assert_nonnull (child);
  return child;
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

  p->session = cascade_session_new_in_memory (cascade_test_server_get_url (f->server));
  cascade_session_sign_up_async (p->session, email, username, PASSWORD, username, NULL,
                                 on_signed_up, NULL);
  WAIT_FOR (cascade_session_get_state (p->session) == CASCADE_SESSION_STATE_SIGNED_IN);
  WAIT_FOR (cascade_realtime_get_state (cascade_session_get_realtime (p->session)) ==
            CASCADE_REALTIME_STATE_CONNECTED);

  p->view = CASCADE_CHAT_VIEW (cascade_chat_view_new ());
  p->window = GTK_WINDOW (gtk_window_new ());
  g_object_ref_sink (p->window);
  gtk_window_set_default_size (p->window, 360, 600);
  gtk_window_set_child (p->window, GTK_WIDGET (p->view));
  gtk_window_present (p->window);
}

static void
join (Person *p, const char *channel)
{
  p->room = cascade_chat_room_new (p->session, channel);
  cascade_chat_room_join (p->room);
  cascade_chat_view_set_room (p->view, p->room);
  WAIT_FOR (cascade_chat_room_get_joined (p->room));
}

static void
stop_person (Person *p)
{
  if (p->window == NULL)
    return;
  gtk_window_destroy (p->window);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_finalize_object (g_steal_pointer (&p->window));
  if (p->room != NULL)
    g_assert_finalize_object (g_steal_pointer (&p->room));
  g_clear_object (&p->session);
}

static void
on_stream_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeStream **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = cascade_client_start_stream_finish (CASCADE_CLIENT (source), result, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonArray) renditions = json_array_new ();
  g_autoptr (CascadeStream) stream = NULL;
  JsonObject *rendition = json_object_new ();

  cascade_ui_test_use_system_data ();
  f->server = cascade_test_server_new (NULL);
  start_person (f, &f->streamer, "ada");
  start_person (f, &f->viewer, "bob");

  /* Ada goes live: her room opens. */
  json_object_set_int_member (rendition, "width", 1280);
  json_object_set_int_member (rendition, "height", 720);
  json_object_set_int_member (rendition, "fps", 30);
  json_object_set_int_member (rendition, "bitrate_kbps", 2500);
  json_object_set_string_member (rendition, "codec", "h264");
  json_array_add_object_element (renditions, rendition);
  cascade_client_start_stream_async (cascade_session_get_client (f->streamer.session), "Chat test",
                                     "Testing", renditions, NULL, on_stream_started, &stream);
  WAIT_FOR (stream != NULL);

  join (&f->streamer, "ada");
  join (&f->viewer, "ada");
  WAIT_FOR (cascade_chat_room_get_open (f->viewer.room));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  stop_person (&f->viewer);
  stop_person (&f->streamer);
  g_clear_pointer (&f->server, cascade_test_server_free);
}

/* The row of the message with this text in p's list, or NULL. */
static CascadeChatRow *
find_row (Person *p, const char *text)
{
  GtkWidget *list = view_child (p, "list");

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row;

      if (!GTK_IS_LIST_BOX_ROW (child))
        continue;
      row = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (child));
      if (CASCADE_IS_CHAT_ROW (row) &&
          g_strcmp0 (
            cascade_chat_message_get_text (cascade_chat_row_get_message (CASCADE_CHAT_ROW (row))),
            text) == 0)
        return CASCADE_CHAT_ROW (row);
    }
  return NULL;
}

/* Types text into p's composer and presses Enter. */
static void
type_and_send (Person *p, const char *text)
{
  GtkWidget *entry = view_child (p, "entry");

  WAIT_FOR (gtk_widget_is_sensitive (entry));
  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "activate");
}

static const char *
error_text (Person *p)
{
  if (!gtk_revealer_get_reveal_child (view_child (p, "error_revealer")))
    return NULL;
  return gtk_label_get_text (view_child (p, "error_label"));
}

static void
test_send_and_delete (Fixture *f, gconstpointer data)
{
  const char *text = "hello from bob, @ada https://example.org";
  CascadeChatRow *row;
  g_autofree char *id = NULL;

  type_and_send (&f->viewer, text);
  WAIT_FOR (find_row (&f->viewer, text) != NULL);
  /* Sent: the composer is empty again, and no error shows. */
  WAIT_FOR (*gtk_editable_get_text (GTK_EDITABLE (view_child (&f->viewer, "entry"))) == '\0');
  g_assert_null (error_text (&f->viewer));

  /* The streamer sees it too, with the viewer's name, and its mention of her
   * highlighted. */
  WAIT_FOR ((row = find_row (&f->streamer, text)) != NULL);
  g_assert_cmpstr (cascade_chat_message_get_username (cascade_chat_row_get_message (row)), ==,
                   "bob");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "cascade-chat-mention"));
  g_assert_false (
    gtk_widget_has_css_class (GTK_WIDGET (find_row (&f->viewer, text)), "cascade-chat-mention"));

  /* Only moderators get the mode menu. */
  g_assert_true (gtk_widget_get_visible (view_child (&f->streamer, "modes_button")));
  g_assert_false (gtk_widget_get_visible (view_child (&f->viewer, "modes_button")));

  /* She deletes it (the message menu's action): it disappears for him. */
  id = g_strdup (cascade_chat_message_get_id (cascade_chat_row_get_message (row)));
  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.delete-message", "s", id));
  WAIT_FOR (find_row (&f->viewer, text) == NULL);
  WAIT_FOR (find_row (&f->streamer, text) == NULL);
}

static void
test_refusals (Fixture *f, gconstpointer data)
{
  g_autofree char *long_text = g_strnfill (501, 'a');
  const char *error;

  /* Too long: said inline, the text stays for editing. */
  type_and_send (&f->viewer, long_text);
  WAIT_FOR (error_text (&f->viewer) != NULL);
  g_assert_nonnull (strstr (error_text (&f->viewer), "too long"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (view_child (&f->viewer, "entry"))), ==,
                   long_text);

  /* The streamer turns slow mode on from the room's mode menu. */
  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.slow-seconds", "u", 30));
  WAIT_FOR (cascade_chat_room_get_slow_seconds (f->viewer.room) == 30);
  g_assert_true (gtk_widget_get_visible (view_child (&f->viewer, "modes_label")));
  g_assert_nonnull (
    strstr (gtk_label_get_text (view_child (&f->viewer, "modes_label")), "Slow mode"));

  type_and_send (&f->viewer, "first");
  WAIT_FOR (find_row (&f->viewer, "first") != NULL);
  type_and_send (&f->viewer, "second");
  WAIT_FOR ((error = error_text (&f->viewer)) != NULL);
  g_assert_nonnull (strstr (error, "Slow mode is on"));
  g_assert_nonnull (strstr (error, "seconds"));
  g_assert_null (find_row (&f->viewer, "second"));

  /* A timeout: the viewer's composer says so, and his messages are gone. */
  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.timeout", "(su)", "bob", 600));
  WAIT_FOR (find_row (&f->streamer, "first") == NULL);
  WAIT_FOR (cascade_chat_room_get_timeout_until (f->viewer.room) > 0);
  WAIT_FOR (!gtk_widget_is_sensitive (view_child (&f->viewer, "entry")));
  g_assert_nonnull (strstr (
    gtk_entry_get_placeholder_text (GTK_ENTRY (view_child (&f->viewer, "entry"))), "timed out"));
}

static void
test_mention_completion (Fixture *f, gconstpointer data)
{
  GtkWidget *entry = view_child (&f->viewer, "entry");

  /* Ada has said something, so her name is known in the room. */
  type_and_send (&f->streamer, "welcome, everyone");
  WAIT_FOR (find_row (&f->viewer, "welcome, everyone") != NULL);

  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "hi @ad");
  gtk_editable_set_position (GTK_EDITABLE (entry), -1);
  g_signal_emit_by_name (entry, "changed");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->viewer.view), "chat.complete", NULL));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "hi @ada ");
}

static cairo_status_t
append_png (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* A 32×32 PNG: an orange disc. */
static GBytes *
make_emote_png (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 32, 32);
  cairo_t *cr = cairo_create (surface);
  GByteArray *png = g_byte_array_new ();

  cairo_set_source_rgb (cr, 0.9, 0.6, 0.1);
  cairo_arc (cr, 16, 16, 14, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, append_png, png), ==,
                   CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return g_byte_array_free_to_bytes (png);
}

static void
on_emote_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cascade_chat_room_add_emote_finish (CASCADE_CHAT_ROOM (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
row_shows_emote (CascadeChatRow *row)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (row)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_PICTURE (child) && gtk_picture_get_paintable (GTK_PICTURE (child)) != NULL &&
        gtk_widget_get_width (child) > 0)
      return TRUE;
  return FALSE;
}

static void
test_emotes (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) png = make_emote_png ();
  GtkWidget *entry = view_child (&f->streamer, "entry");
  GtkWidget *picker = view_child (&f->streamer, "emote_box");
  GtkWidget *button;
  CascadeChatRow *row;
  gboolean added = FALSE;

  /* No emotes yet: no picker. */
  g_assert_false (gtk_widget_get_visible (view_child (&f->streamer, "emote_button")));

  cascade_chat_room_add_emote_async (f->streamer.room, "cascadeHype", png, NULL, on_emote_added,
                                     &added);
  WAIT_FOR (added);
  WAIT_FOR (gtk_widget_get_visible (view_child (&f->streamer, "emote_button")));

  /* The picker puts the code in the composer. */
  button = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (gtk_widget_get_first_child (picker)));
  gtk_editable_set_text (GTK_EDITABLE (entry), "hello");
  gtk_editable_set_position (GTK_EDITABLE (entry), -1);
  g_signal_emit_by_name (button, "clicked");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "hello cascadeHype ");
  g_signal_emit_by_name (entry, "activate");

  /* The viewer sees the emote inline, as an image. */
  WAIT_FOR ((row = find_row (&f->viewer, "hello cascadeHype")) != NULL);
  WAIT_FOR (row_shows_emote (row));
}

/* The open chat settings window, or NULL. */
static GtkWidget *
find_settings_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (CASCADE_IS_CHAT_SETTINGS_WINDOW (window))
        return window;
    }
  return NULL;
}

static gpointer
settings_child (GtkWidget *window, const char *name)
{
  GObject *child = gtk_widget_get_template_child (window, CASCADE_TYPE_CHAT_SETTINGS_WINDOW, name);

  g_assert_nonnull (child);
  return child;
}

/* The row of @list whose widget name is @name, or NULL. */
static GtkWidget *
find_named_row (GtkWidget *list, const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && g_strcmp0 (gtk_widget_get_name (child), name) == 0)
      return child;
  return NULL;
}

static guint
count_rows (GtkWidget *list)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && gtk_widget_get_visible (child))
      n++;
  return n;
}

/* A button labelled @label (NULL: any) inside @widget, depth first, or NULL. */
static GtkWidget *
find_button (GtkWidget *widget, const char *label)
{
  if (GTK_IS_BUTTON (widget) &&
      (label == NULL || g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* Closes the chat settings; they go once their calls in flight return
 * (cancelled). */
static void
close_settings (void)
{
  GtkWidget *window = find_settings_window ();

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (window));
  WAIT_FOR (window == NULL);
}

/* The streamer blocks a term from the chat settings; the viewer's message
 * with it is held; she approves it from the "Held for Review" queue and
 * everyone sees it; she deletes it; the moderation log shows all of it, live
 * and after opening it again. */
static void
test_held_and_log (Fixture *f, gconstpointer data)
{
  const char *text = "this has a BadWord in it";
  GtkWidget *window;
  GtkWidget *queue = view_child (&f->streamer, "held_queue");
  GtkWidget *held_list;
  GtkWidget *log_list;
  GtkWidget *approve;
  CascadeChatRow *row;
  g_autofree char *id = NULL;

  /* The viewer has no chat settings and no queue. */
  g_assert_false (
    gtk_widget_activate_action (GTK_WIDGET (f->viewer.view), "chat.show-blocked-terms", NULL) &&
    find_settings_window () != NULL);

  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.show-blocked-terms", NULL));
  WAIT_FOR ((window = find_settings_window ()) != NULL);
  WAIT_FOR (gtk_widget_is_sensitive (settings_child (window, "term_entry")));
  gtk_editable_set_text (settings_child (window, "term_entry"), "badword");
  g_signal_emit_by_name (settings_child (window, "term_entry"), "apply");
  WAIT_FOR (find_named_row (settings_child (window, "terms_list"), "badword") != NULL);
  log_list = settings_child (window, "log_list");
  WAIT_FOR (find_named_row (log_list, "terms") != NULL);

  type_and_send (&f->viewer, text);
  WAIT_FOR (error_text (&f->viewer) != NULL);
  g_assert_nonnull (strstr (error_text (&f->viewer), "held"));
  WAIT_FOR (gtk_widget_get_visible (queue));
  held_list =
    GTK_WIDGET (gtk_widget_get_template_child (queue, CASCADE_TYPE_CHAT_HELD_QUEUE, "list"));
  g_assert_cmpuint (count_rows (held_list), ==, 1);
  g_assert_null (find_row (&f->streamer, text));

  approve = find_button (held_list, "Approve");
  g_assert_nonnull (approve);
  g_signal_emit_by_name (approve, "clicked");
  WAIT_FOR (find_row (&f->viewer, text) != NULL);
  WAIT_FOR ((row = find_row (&f->streamer, text)) != NULL);
  WAIT_FOR (!gtk_widget_get_visible (queue));
  WAIT_FOR (find_named_row (log_list, "approve") != NULL);

  id = g_strdup (cascade_chat_message_get_id (cascade_chat_row_get_message (row)));
  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.delete-message", "s", id));
  WAIT_FOR (find_row (&f->viewer, text) == NULL);
  WAIT_FOR (find_named_row (log_list, "delete") != NULL);
  g_assert_nonnull (strstr (
    adw_preferences_row_get_title (ADW_PREFERENCES_ROW (find_named_row (log_list, "delete"))),
    "deleted a message from bob"));
  close_settings ();

  /* Opened again, the log comes from the server: newest first. */
  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.show-mod-log", NULL));
  WAIT_FOR ((window = find_settings_window ()) != NULL);
  log_list = settings_child (window, "log_list");
  WAIT_FOR (count_rows (log_list) == 3);
  g_assert_cmpstr (gtk_widget_get_name (gtk_widget_get_first_child (log_list)), ==, "delete");
  g_assert_nonnull (find_named_row (log_list, "approve"));
  g_assert_nonnull (find_named_row (log_list, "terms"));
  close_settings ();
}

/* The streamer makes the viewer a moderator from his message's menu: he gets
 * the mode menu; she removes him from the Moderators page: he loses it. */
static void
test_appoint_moderator (Fixture *f, gconstpointer data)
{
  GtkWidget *window;
  GtkWidget *list;
  GtkWidget *remove;

  g_assert_false (gtk_widget_get_visible (view_child (&f->viewer, "modes_button")));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.set-moderator",
                                             "(sb)", "bob", TRUE));
  WAIT_FOR (cascade_chat_room_get_can_moderate (f->viewer.room));
  WAIT_FOR (gtk_widget_get_visible (view_child (&f->viewer, "modes_button")));
  /* a moderator does not appoint moderators */
  g_assert_false (
    gtk_widget_activate_action (GTK_WIDGET (f->viewer.view), "chat.show-moderators", NULL) &&
    find_settings_window () != NULL);

  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.show-moderators", NULL));
  WAIT_FOR ((window = find_settings_window ()) != NULL);
  list = settings_child (window, "moderators_list");
  WAIT_FOR (find_named_row (list, "bob") != NULL);
  remove = find_button (find_named_row (list, "bob"), NULL);
  g_assert_nonnull (remove);
  g_signal_emit_by_name (remove, "clicked");
  WAIT_FOR (!cascade_chat_room_get_can_moderate (f->viewer.room));
  WAIT_FOR (find_named_row (list, "bob") == NULL);
  WAIT_FOR (!gtk_widget_get_visible (view_child (&f->viewer, "modes_button")));
  close_settings ();

  /* adding by name works too */
  g_assert_true (
    gtk_widget_activate_action (GTK_WIDGET (f->streamer.view), "chat.show-moderators", NULL));
  WAIT_FOR ((window = find_settings_window ()) != NULL);
  gtk_editable_set_text (settings_child (window, "moderator_entry"), "@bob");
  g_signal_emit_by_name (settings_child (window, "moderator_entry"), "apply");
  WAIT_FOR (cascade_chat_room_get_can_moderate (f->viewer.room));
  WAIT_FOR (find_named_row (settings_child (window, "moderators_list"), "bob") != NULL);
  close_settings ();
}

/* The viewer picks a name colour from the composer's palette: the streamer
 * sees his next message in it (made readable for her background). Every
 * palette colour reads at 4.5:1 or better on light and on dark. */
static void
test_name_colour (Fixture *f, gconstpointer data)
{
  GtkWidget *button = view_child (&f->viewer, "color_button");
  GtkWidget *swatches =
    GTK_WIDGET (gtk_widget_get_template_child (button, CASCADE_TYPE_CHAT_COLOR_BUTTON, "swatches"));
  GtkWidget *popover = GTK_WIDGET (
    gtk_menu_button_get_popover (GTK_MENU_BUTTON (adw_bin_get_child (ADW_BIN (button)))));
  GtkWidget *first;
  GtkWidget *toggle;
  const char *chosen;
  CascadeChatRow *row;
  guint n = 0;

  g_assert_true (gtk_widget_get_visible (button));
  gtk_popover_popup (GTK_POPOVER (popover));
  WAIT_FOR ((first = gtk_widget_get_first_child (swatches)) != NULL &&
            gtk_widget_is_sensitive (swatches));
  for (GtkWidget *child = first; child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      const char *color =
        gtk_widget_get_name (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child)));
      g_autofree char *on_dark = cascade_chat_row_readable_color (color, TRUE);
      g_autofree char *on_light = cascade_chat_row_readable_color (color, FALSE);
      guint64 dark_rgb = g_ascii_strtoull (on_dark + 1, NULL, 16);
      guint64 light_rgb = g_ascii_strtoull (on_light + 1, NULL, 16);

      g_assert_cmpfloat (cascade_chat_contrast ((guint) dark_rgb, 0x242424), >=, 4.5);
      g_assert_cmpfloat (cascade_chat_contrast ((guint) light_rgb, 0xfafafa), >=, 4.5);
      n++;
    }
  g_assert_cmpuint (n, >=, 8);
  {
    /* the yellow reads on dark as it is, and is darkened on light */
    g_autofree char *yellow_dark = cascade_chat_row_readable_color ("#ffd43b", TRUE);
    g_autofree char *yellow_light = cascade_chat_row_readable_color ("#ffd43b", FALSE);

    g_assert_cmpstr (yellow_dark, ==, "#ffd43b");
    g_assert_cmpstr (yellow_light, !=, "#ffd43b");
  }

  toggle = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (gtk_widget_get_next_sibling (first)));
  chosen = gtk_widget_get_name (toggle);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  WAIT_FOR (gtk_widget_is_sensitive (swatches));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (toggle)));
  gtk_popover_popdown (GTK_POPOVER (popover));

  type_and_send (&f->viewer, "in my colour");
  WAIT_FOR ((row = find_row (&f->streamer, "in my colour")) != NULL);
  g_assert_cmpstr (cascade_chat_message_get_color (cascade_chat_row_get_message (row)), ==, chosen);
}

int
main (int argc, char *argv[])
{
  cascade_ui_test_init (&argc, &argv);

  g_test_add ("/cascade/ui/chat/send-and-delete", Fixture, NULL, fixture_set_up,
              test_send_and_delete, fixture_tear_down);
  g_test_add ("/cascade/ui/chat/refusals", Fixture, NULL, fixture_set_up, test_refusals,
              fixture_tear_down);
  g_test_add ("/cascade/ui/chat/mention-completion", Fixture, NULL, fixture_set_up,
              test_mention_completion, fixture_tear_down);

  g_test_add ("/cascade/ui/chat/emotes", Fixture, NULL, fixture_set_up, test_emotes,
              fixture_tear_down);
  g_test_add ("/cascade/ui/chat/held-and-log", Fixture, NULL, fixture_set_up, test_held_and_log,
              fixture_tear_down);
  g_test_add ("/cascade/ui/chat/appoint-moderator", Fixture, NULL, fixture_set_up,
              test_appoint_moderator, fixture_tear_down);
  g_test_add ("/cascade/ui/chat/name-colour", Fixture, NULL, fixture_set_up, test_name_colour,
              fixture_tear_down);

  return g_test_run ();
}
