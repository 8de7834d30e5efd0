/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * cascade-screenshots --server URL --output DIR
 *
 * Drives the real app (CascadeApplication, CascadeWindow and a real
 * CascadeSession against the real server at URL) to each state of the table
 * below and writes a PNG of the whole window for each, rendered by GTK itself.
 * Run it under a display of its own (tests/cascade-test-env --keyring --display,
 * as ./dev screenshots does): it creates an account on that server.
 */

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "cascade-account-page.h"
#include "cascade-application.h"
#include "cascade-chat-row.h"
#include "cascade-chat-view.h"
#include "cascade-go-live-page.h"
#include "cascade-live-page.h"
#include "cascade-server-url.h"
#include "cascade-session.h"
#include "cascade-stream-card.h"
#include "cascade-watch-page.h"
#include "cascade-welcome-page.h"
#include "cascade-window.h"

#define WINDOW_WIDTH 1200
#define WINDOW_HEIGHT 760
#define SHOT_TIMEOUT_SECONDS 90
#define POLL_INTERVAL_MS 50
/* Frames drawn after a state is reached and before it is captured, so that
 * layout, icons and fonts have settled. */
#define SETTLE_FRAMES 3
/* Frames after those to get a picture of a window that redraws all the time. */
#define MAX_RETRY_FRAMES 60

/* The account Home is shown for. */
#define DEMO_EMAIL "ada@example.org"
#define DEMO_USERNAME "ada"
#define DEMO_DISPLAY_NAME "Ada Lovelace"
#define DEMO_PASSWORD "analytical-engine-1843"

/* A second streamer, live from the test pattern in this same program, for
 * the Live page to list and the Watch page to play. */
#define GUEST_EMAIL "grace@example.org"
#define GUEST_USERNAME "grace"
#define GUEST_DISPLAY_NAME "Grace Hopper"
#define GUEST_PASSWORD "compiler-pioneer-1952"
#define GUEST_TITLE "Any% practice, then a few real attempts"
#define GUEST_CATEGORY "Celeste"
#define DEMO_TITLE "Ranked grind until Champion"
#define DEMO_CATEGORY "Rocket League"
/* The emote Grace's channel has. */
#define DEMO_EMOTE "graceHype"
/* Who says something Ada, moderating Grace's chat, may act on. */
#define CHATTER_EMAIL "linus@example.org"
#define CHATTER_USERNAME "linus"
#define CHATTER_DISPLAY_NAME "Linus"
#define CHATTER_PASSWORD "penguins-since-1991"
#define CHATTER_TEXT "first time here, is this the any% route?"
/* Frames the preview and the player show before they are captured. */
#define VIDEO_FRAMES 45

typedef enum
{
  SHOT_WAIT,
  SHOT_READY,
  SHOT_FAILED,
} ShotStatus;

typedef struct _Shooter Shooter;

typedef struct
{
  const char *file;
  /* Called every POLL_INTERVAL_MS until the window shows the state
   * (SHOT_READY) or it cannot get there (SHOT_FAILED, with @error set).
   * self->stage starts at 0 for each shot and is the driver's to use. */
  ShotStatus (*drive) (Shooter *self, GError **error);
} Shot;

struct _Shooter
{
  CascadeApplication *app;
  CascadeSession *session;
  CascadeWindow *window;
  CascadeWelcomePage *welcome;
  char *output_dir;

  /* The second streamer: its own session, and a Go Live page nobody sees. */
  CascadeSession *guest_session;
  CascadeGoLivePage *guest_go_live;
  gint64 guest_live_since;
  gboolean emote_added;

  /* Ada signed in on a second device, for the Account page's list. */
  CascadeSession *second_session;

  /* A third person in Grace's chat, for the moderation menu. */
  CascadeSession *chatter_session;
  CascadeChatRoom *chatter_room;

  /* A popover the shot shows (it has its own surface: drawn over the window). */
  GtkWidget *popover;

  guint current;
  guint stage;
  gint64 deadline;
  guint poll_id;
  guint tick_id;
  guint frames;
  int exit_status;
};

static ShotStatus drive_welcome (Shooter *self, GError **error);
static ShotStatus drive_home (Shooter *self, GError **error);
static ShotStatus drive_go_live (Shooter *self, GError **error);
static ShotStatus drive_live (Shooter *self, GError **error);
static ShotStatus drive_watch (Shooter *self, GError **error);
static ShotStatus drive_account (Shooter *self, GError **error);
static ShotStatus drive_watch_moderation (Shooter *self, GError **error);
static ShotStatus drive_watch_narrow (Shooter *self, GError **error);

/* One entry per screenshot, in the order they are taken: later pages (live,
 * watch, go-live, account) are one more line here and one more driver. */
static const Shot shots[] = {
  { "welcome.png", drive_welcome },
  { "home.png", drive_home },
  { "go-live.png", drive_go_live },
  { "live.png", drive_live },
  { "watch.png", drive_watch },
  { "watch-moderation.png", drive_watch_moderation },
  { "watch-narrow.png", drive_watch_narrow },
  { "account.png", drive_account },
};

static void next_shot (Shooter *self);

static gpointer
window_child (Shooter *self, const char *name)
{
  GObject *child =
    gtk_widget_get_template_child (GTK_WIDGET (self->window), CASCADE_TYPE_WINDOW, name);

  g_assert (child != NULL);
  return child;
}

static gpointer
welcome_child (Shooter *self, const char *name)
{
  GObject *child =
    gtk_widget_get_template_child (GTK_WIDGET (self->welcome), CASCADE_TYPE_WELCOME_PAGE, name);

  g_assert (child != NULL);
  return child;
}

static gboolean
window_shows (Shooter *self, const char *view)
{
  GtkStack *stack = window_child (self, "main_stack");

  return g_strcmp0 (gtk_stack_get_visible_child_name (stack), view) == 0 &&
         !gtk_stack_get_transition_running (stack);
}

static void
type_into (Shooter *self, const char *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (welcome_child (self, row)), text);
}

/* What a click does; a button a person could not press fails the shot. */
static gboolean
press (Shooter *self, GError **error)
{
  GtkWidget *button = welcome_child (self, "submit_button");

  if (!gtk_widget_is_sensitive (button) || !gtk_widget_is_drawable (button))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _ ("The welcome page’s button cannot be pressed"));
      return FALSE;
    }
  g_signal_emit_by_name (button, "clicked");
  return TRUE;
}

static ShotStatus
drive_welcome (Shooter *self, GError **error)
{
  switch (cascade_session_get_state (self->session))
    {
      case CASCADE_SESSION_STATE_RESTORING:
        return SHOT_WAIT;

      case CASCADE_SESSION_STATE_SIGNED_IN:
        /* A session restored from the keyring: the welcome page is behind it. */
        if (self->stage == 0)
          g_action_group_activate_action (G_ACTION_GROUP (self->app), "sign-out", NULL);
        self->stage = 1;
        return SHOT_WAIT;

      case CASCADE_SESSION_STATE_SIGNED_OUT:
      default:
        if (self->stage < 2)
          {
            cascade_welcome_page_reset (self->welcome);
            cascade_welcome_page_set_form (self->welcome, CASCADE_WELCOME_FORM_CREATE_ACCOUNT);
            cascade_welcome_page_focus_form (self->welcome);
            self->stage = 2;
          }
        return window_shows (self, "welcome") ? SHOT_READY : SHOT_WAIT;
    }
}

static gboolean
row_has_error (Shooter *self, const char *row)
{
  return gtk_widget_has_css_class (GTK_WIDGET (welcome_child (self, row)), "error");
}

/* Creates the account through the real form; when the server already has it
 * (a second run against the same server), signs in through the other form. */
static ShotStatus
drive_home (Shooter *self, GError **error)
{
  enum
  {
    START,
    CREATING,
    SIGNING_IN,
    SIGNED_IN,
  };

  if (cascade_session_get_state (self->session) == CASCADE_SESSION_STATE_RESTORING ||
      cascade_welcome_page_get_busy (self->welcome))
    return SHOT_WAIT;

  if (cascade_session_get_state (self->session) == CASCADE_SESSION_STATE_SIGNED_IN)
    self->stage = SIGNED_IN;

  switch (self->stage)
    {
      case START:
        cascade_welcome_page_set_form (self->welcome, CASCADE_WELCOME_FORM_CREATE_ACCOUNT);
        type_into (self, "create_email_row", DEMO_EMAIL);
        type_into (self, "create_username_row", DEMO_USERNAME);
        type_into (self, "create_display_name_row", DEMO_DISPLAY_NAME);
        type_into (self, "create_password_row", DEMO_PASSWORD);
        if (!press (self, error))
          return SHOT_FAILED;
        self->stage = CREATING;
        return SHOT_WAIT;

      case CREATING:
        if (!row_has_error (self, "create_username_row") &&
            !row_has_error (self, "create_email_row"))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         _ ("Could not create the account %s: %s"), DEMO_USERNAME,
                         gtk_label_get_text (GTK_LABEL (welcome_child (self, "form_error"))));
            return SHOT_FAILED;
          }
        cascade_welcome_page_set_form (self->welcome, CASCADE_WELCOME_FORM_SIGN_IN);
        type_into (self, "sign_in_login_row", DEMO_USERNAME);
        type_into (self, "sign_in_password_row", DEMO_PASSWORD);
        if (!press (self, error))
          return SHOT_FAILED;
        self->stage = SIGNING_IN;
        return SHOT_WAIT;

      case SIGNED_IN:
        return window_shows (self, "main") ? SHOT_READY : SHOT_WAIT;

      case SIGNING_IN:
      default:
        break;
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Could not sign in as %s: %s"),
               DEMO_USERNAME, gtk_label_get_text (GTK_LABEL (welcome_child (self, "form_error"))));
  return SHOT_FAILED;
}

static gpointer
page_child (gpointer page, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (page), type, name);

  g_assert (child != NULL);
  return child;
}

static gboolean
realtime_connected (CascadeSession *session)
{
  return cascade_realtime_get_state (cascade_session_get_realtime (session)) ==
         CASCADE_REALTIME_STATE_CONNECTED;
}

/* Fills the Go Live page's form and presses its button, as a person would. */
static gboolean
start_streaming (CascadeGoLivePage *page, const char *title, const char *category, GError **error)
{
  GtkWidget *button = page_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "go_live_button");

  gtk_editable_set_text (page_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "title_row"), title);
  gtk_editable_set_text (page_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "category_row"), category);
  if (!gtk_widget_get_sensitive (button))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           _ ("The Go Live button cannot be pressed"));
      return FALSE;
    }
  g_signal_emit_by_name (button, "clicked");
  return TRUE;
}

static gboolean
go_live_failed (CascadeGoLivePage *page, GError **error)
{
  GtkWidget *label = page_child (page, CASCADE_TYPE_GO_LIVE_PAGE, "error_label");

  if (!gtk_widget_get_visible (label))
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Could not go live: %s"),
               gtk_label_get_text (GTK_LABEL (label)));
  return TRUE;
}

/* Ada, signed in, goes live from the test pattern on her Go Live page. */
static ShotStatus
drive_go_live (Shooter *self, GError **error)
{
  CascadeGoLivePage *page = window_child (self, "go_live_page");
  CascadePaintable *preview;

  switch (self->stage)
    {
      case 0:
        if (!realtime_connected (self->session))
          return SHOT_WAIT;
        gtk_widget_activate_action (GTK_WIDGET (self->window), "win.go-live", NULL);
        if (!start_streaming (page, DEMO_TITLE, DEMO_CATEGORY, error))
          return SHOT_FAILED;
        self->stage = 1;
        return SHOT_WAIT;

      default:
        if (go_live_failed (page, error))
          return SHOT_FAILED;
        preview = cascade_go_live_page_get_preview (page);
        return cascade_go_live_page_get_state (page) == CASCADE_GO_LIVE_STATE_LIVE &&
                   preview != NULL &&
                   cascade_paintable_get_frames_shown (preview) >= VIDEO_FRAMES &&
                   cascade_go_live_page_get_frames_per_second (page) > 0
                 ? SHOT_READY
                 : SHOT_WAIT;
    }
}

static void
on_guest_signed_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Shooter *self = user_data;
  g_autoptr (GError) error = NULL;

  if (cascade_session_sign_up_finish (CASCADE_SESSION (source), result, &error))
    return;
  /* A second run against the same server: the account is there already. */
  cascade_session_sign_in_async (self->guest_session, GUEST_USERNAME, GUEST_PASSWORD, NULL, NULL,
                                 NULL);
}

static gboolean
card_ready (CascadeStreamCard *card)
{
  return card != NULL && cascade_stream_card_get_stream (card) != NULL &&
         gtk_picture_get_paintable (page_child (card, CASCADE_TYPE_STREAM_CARD, "thumbnail")) !=
           NULL;
}

/* The cards the Live page's grid shows, in order. */
static GPtrArray *
live_cards (Shooter *self)
{
  GtkWidget *grid = page_child (window_child (self, "live_page"), CASCADE_TYPE_LIVE_PAGE, "grid");
  GPtrArray *cards = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *card = gtk_widget_get_first_child (child);

      if (card != NULL && CASCADE_IS_STREAM_CARD (card))
        g_ptr_array_add (cards, card);
    }
  return cards;
}

/* Grace goes live too (her own session, a Go Live page of her own); Ada's
 * Live page lists both streams, with their thumbnails. */
static ShotStatus
drive_live (Shooter *self, GError **error)
{
  CascadeLivePage *live = window_child (self, "live_page");
  g_autoptr (GPtrArray) cards = NULL;

  switch (self->stage)
    {
      case 0:
        self->guest_session = cascade_session_new (cascade_session_get_server_url (self->session));
        self->guest_go_live = g_object_ref_sink (g_object_new (CASCADE_TYPE_GO_LIVE_PAGE, NULL));
        cascade_go_live_page_set_session (self->guest_go_live, self->guest_session);
        cascade_session_sign_up_async (self->guest_session, GUEST_EMAIL, GUEST_USERNAME,
                                       GUEST_PASSWORD, GUEST_DISPLAY_NAME, NULL, on_guest_signed_up,
                                       self);
        self->stage = 1;
        return SHOT_WAIT;

      case 1:
        if (!realtime_connected (self->guest_session))
          return SHOT_WAIT;
        if (!start_streaming (self->guest_go_live, GUEST_TITLE, GUEST_CATEGORY, error))
          return SHOT_FAILED;
        self->stage = 2;
        return SHOT_WAIT;

      case 2:
        if (go_live_failed (self->guest_go_live, error))
          return SHOT_FAILED;
        if (cascade_go_live_page_get_state (self->guest_go_live) != CASCADE_GO_LIVE_STATE_LIVE)
          return SHOT_WAIT;
        self->guest_live_since = g_get_monotonic_time ();
        self->stage = 3;
        return SHOT_WAIT;

      case 3:
        /* Both streams have uploaded their first thumbnail by now. */
        if (g_get_monotonic_time () - self->guest_live_since < 4 * G_USEC_PER_SEC)
          return SHOT_WAIT;
        gtk_list_box_select_row (
          window_child (self, "sidebar_list"),
          gtk_list_box_get_row_at_index (window_child (self, "sidebar_list"), 1));
        cascade_live_page_refresh (live);
        self->stage = 4;
        return SHOT_WAIT;

      default:
        if (cascade_live_page_get_loading (live))
          return SHOT_WAIT;
        cards = live_cards (self);
        if (cards->len < 2 || !card_ready (cards->pdata[0]) || !card_ready (cards->pdata[1]))
          return SHOT_WAIT;
        return SHOT_READY;
    }
}

/* Grace's own chat room, from her Go Live page. */
static CascadeChatRoom *
guest_chat_room (Shooter *self)
{
  return cascade_chat_view_get_room (
    page_child (self->guest_go_live, CASCADE_TYPE_GO_LIVE_PAGE, "chat_view"));
}

static cairo_status_t
append_png (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* Grace's emote: a small smiling face, as a PNG. */
static GBytes *
draw_emote (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 64);
  cairo_t *cr = cairo_create (surface);
  GByteArray *png = g_byte_array_new ();

  cairo_set_source_rgb (cr, 0.96, 0.76, 0.07);
  cairo_arc (cr, 32, 32, 29, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.2, 0.13, 0.05);
  cairo_arc (cr, 22, 26, 5, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_arc (cr, 42, 26, 5, 0, 2 * G_PI);
  cairo_fill (cr);
  cairo_set_line_width (cr, 4);
  cairo_arc (cr, 32, 34, 16, 0.15 * G_PI, 0.85 * G_PI);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_write_to_png_stream (surface, append_png, png);
  cairo_surface_destroy (surface);
  return g_byte_array_free_to_bytes (png);
}

static void
on_emote_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Shooter *self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_chat_room_add_emote_finish (CASCADE_CHAT_ROOM (source), result, &error))
    g_warning ("Could not add the demo emote: %s", error->message);
  self->emote_added = TRUE;
}

/* Ada opens Grace's stream: the Watch page plays it. */
static ShotStatus
drive_watch (Shooter *self, GError **error)
{
  CascadeWatchPage *watch = window_child (self, "watch_page");
  CascadePaintable *video = cascade_watch_page_get_paintable (watch);
  GtkLabel *latency = page_child (watch, CASCADE_TYPE_WATCH_PAGE, "latency_label");

  if (self->stage == 0)
    {
      g_autoptr (GPtrArray) cards = live_cards (self);
      GListModel *streams = cascade_live_page_get_streams (window_child (self, "live_page"));

      for (guint i = 0; i < g_list_model_get_n_items (streams); i++)
        {
          g_autoptr (GObject) stream = g_list_model_get_item (streams, i);
          g_autofree char *username = NULL;

          g_object_get (stream, "channel-username", &username, NULL);
          if (g_strcmp0 (username, GUEST_USERNAME) == 0)
            {
              g_signal_emit_by_name (
                page_child (window_child (self, "live_page"), CASCADE_TYPE_LIVE_PAGE, "grid"),
                "activate", i);
              self->stage = 1;
              return SHOT_WAIT;
            }
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("%s’s stream is not listed"),
                   GUEST_USERNAME);
      return SHOT_FAILED;
    }

  if (self->stage == 1)
    {
      /* The chat beside the video: Grace adds an emote, greets, and Ada
       * answers from the composer. */
      CascadeChatView *chat = page_child (watch, CASCADE_TYPE_WATCH_PAGE, "chat_view");
      CascadeChatRoom *room = cascade_chat_view_get_room (chat);
      CascadeChatRoom *guest_room = guest_chat_room (self);
      GtkWidget *entry = page_child (chat, CASCADE_TYPE_CHAT_VIEW, "entry");
      g_autoptr (GBytes) png = NULL;

      if (room == NULL || guest_room == NULL || !cascade_chat_room_get_joined (room) ||
          !cascade_chat_room_get_joined (guest_room) || !cascade_chat_room_get_open (room) ||
          !gtk_widget_is_sensitive (entry))
        return SHOT_WAIT;
      png = draw_emote ();
      cascade_chat_room_add_emote_async (guest_room, DEMO_EMOTE, png, NULL, on_emote_added, self);
      self->stage = 2;
      return SHOT_WAIT;
    }

  if (self->stage == 2)
    {
      CascadeChatView *chat = page_child (watch, CASCADE_TYPE_WATCH_PAGE, "chat_view");
      GtkWidget *entry = page_child (chat, CASCADE_TYPE_CHAT_VIEW, "entry");
      CascadeChatRoom *guest_room = guest_chat_room (self);

      if (!self->emote_added)
        return SHOT_WAIT;
      cascade_chat_room_send_async (guest_room, _ ("Welcome in! Warming up on 1A, then runs."),
                                    NULL, NULL, NULL);
      cascade_chat_room_send_async (guest_room, _ ("@ada hi! Thanks for the raid earlier"), NULL,
                                    NULL, NULL);
      gtk_editable_set_text (GTK_EDITABLE (entry), _ ("Good luck on the runs today!"));
      g_signal_emit_by_name (entry, "activate");
      cascade_chat_room_send_async (guest_room, "PB pace " DEMO_EMOTE " " DEMO_EMOTE, NULL, NULL,
                                    NULL);
      self->stage = 3;
      return SHOT_WAIT;
    }

  return window_shows (self, "watch") &&
             cascade_watch_page_get_state (watch) == CASCADE_WATCH_STATE_PLAYING && video != NULL &&
             cascade_paintable_get_frames_shown (video) >= VIDEO_FRAMES &&
             *gtk_label_get_text (latency) != '\0' &&
             g_list_model_get_n_items (cascade_chat_room_get_messages (cascade_chat_view_get_room (
               page_child (watch, CASCADE_TYPE_WATCH_PAGE, "chat_view")))) >= 4
           ? SHOT_READY
           : SHOT_WAIT;
}

/* The row of @list whose message has @text, or NULL. */
static GtkWidget *
find_chat_row (GtkWidget *list, const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row =
        GTK_IS_LIST_BOX_ROW (child) ? gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (child)) : NULL;

      if (row != NULL && CASCADE_IS_CHAT_ROW (row) &&
          g_strcmp0 (
            cascade_chat_message_get_text (cascade_chat_row_get_message (CASCADE_CHAT_ROW (row))),
            text) == 0)
        return child;
    }
  return NULL;
}

/* Grace makes Ada a moderator of her chat; Linus says something; Ada opens
 * the menu of his message on the Watch page: the moderation actions. */
static ShotStatus
drive_watch_moderation (Shooter *self, GError **error)
{
  CascadeWatchPage *watch = window_child (self, "watch_page");
  CascadeChatView *chat = page_child (watch, CASCADE_TYPE_WATCH_PAGE, "chat_view");
  CascadeChatRoom *room = cascade_chat_view_get_room (chat);
  GtkWidget *list = page_child (chat, CASCADE_TYPE_CHAT_VIEW, "list");
  GtkWidget *row;

  switch (self->stage)
    {
      case 0:
        cascade_chat_room_set_moderator_async (guest_chat_room (self), DEMO_USERNAME, TRUE, NULL,
                                               NULL, NULL);
        self->chatter_session =
          cascade_session_new_in_memory (cascade_session_get_server_url (self->session));
        cascade_session_sign_up_async (self->chatter_session, CHATTER_EMAIL, CHATTER_USERNAME,
                                       CHATTER_PASSWORD, CHATTER_DISPLAY_NAME, NULL, NULL, NULL);
        self->stage = 1;
        return SHOT_WAIT;

      case 1:
        if (!realtime_connected (self->chatter_session))
          return SHOT_WAIT;
        self->chatter_room = cascade_chat_room_new (self->chatter_session, GUEST_USERNAME);
        cascade_chat_room_join (self->chatter_room);
        self->stage = 2;
        return SHOT_WAIT;

      case 2:
        if (!cascade_chat_room_get_joined (self->chatter_room))
          return SHOT_WAIT;
        cascade_chat_room_send_async (self->chatter_room, CHATTER_TEXT, NULL, NULL, NULL);
        self->stage = 3;
        return SHOT_WAIT;

      case 3:
        row = find_chat_row (list, CHATTER_TEXT);
        if (room == NULL || !cascade_chat_room_get_can_moderate (room) || row == NULL)
          return SHOT_WAIT;
        gtk_widget_grab_focus (row);
        gtk_widget_activate_action (GTK_WIDGET (chat), "chat.context-menu", NULL);
        for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (chat)); child != NULL;
             child = gtk_widget_get_next_sibling (child))
          if (GTK_IS_POPOVER_MENU (child))
            self->popover = child;
        self->stage = 4;
        return SHOT_WAIT;

      default:
        return self->popover != NULL && gtk_widget_get_visible (self->popover) &&
                   gtk_widget_get_mapped (self->popover)
                 ? SHOT_READY
                 : SHOT_WAIT;
    }
}

/* The Watch page on a narrow window: the chat below the video. */
static ShotStatus
drive_watch_narrow (Shooter *self, GError **error)
{
  CascadeWatchPage *watch = window_child (self, "watch_page");

  switch (self->stage)
    {
      case 0:
        if (self->popover != NULL)
          gtk_popover_popdown (GTK_POPOVER (self->popover));
        self->popover = NULL;
        gtk_window_set_default_size (GTK_WINDOW (self->window), 420, WINDOW_HEIGHT);
        self->stage = 1;
        return SHOT_WAIT;

      default:
        {
          graphene_rect_t video, chat;

          return window_shows (self, "watch") &&
                     gtk_widget_get_width (GTK_WIDGET (self->window)) <= 480 &&
                     gtk_widget_compute_bounds (
                       page_child (watch, CASCADE_TYPE_WATCH_PAGE, "picture"), GTK_WIDGET (watch),
                       &video) &&
                     gtk_widget_compute_bounds (
                       page_child (watch, CASCADE_TYPE_WATCH_PAGE, "chat_view"), GTK_WIDGET (watch),
                       &chat) &&
                     chat.origin.y >= video.origin.y + video.size.height
                   ? SHOT_READY
                   : SHOT_WAIT;
        }
    }
}

static void
on_second_signed_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!cascade_session_sign_in_finish (CASCADE_SESSION (source), result, &error))
    g_printerr ("cascade-screenshots: a second sign-in as %s: %s\n", DEMO_USERNAME, error->message);
}

/* Ada signs in on a second device too, then opens her Account page: her
 * address, both devices, two-factor authentication, password, delete. */
static ShotStatus
drive_account (Shooter *self, GError **error)
{
  CascadeAccountPage *page = window_child (self, "account_page");
  GtkListBox *devices = page_child (page, CASCADE_TYPE_ACCOUNT_PAGE, "sessions_list");

  switch (self->stage)
    {
      case 0:
        /* the window wide again, after the narrow Watch page */
        gtk_window_set_default_size (GTK_WINDOW (self->window), WINDOW_WIDTH, WINDOW_HEIGHT);
        self->second_session =
          cascade_session_new_in_memory (cascade_session_get_server_url (self->session));
        cascade_session_sign_in_async (self->second_session, DEMO_USERNAME, DEMO_PASSWORD, NULL,
                                       on_second_signed_in, self);
        self->stage = 1;
        return SHOT_WAIT;

      case 1:
        if (cascade_session_get_state (self->second_session) != CASCADE_SESSION_STATE_SIGNED_IN)
          return SHOT_WAIT;
        gtk_widget_activate_action (GTK_WIDGET (self->window), "win.show-account", NULL);
        self->stage = 2;
        return SHOT_WAIT;

      default:
        return window_shows (self, "main") && !cascade_account_page_get_busy (page) &&
                   gtk_widget_get_width (GTK_WIDGET (self->window)) > 480 &&
                   gtk_list_box_get_row_at_index (devices, 1) != NULL
                 ? SHOT_READY
                 : SHOT_WAIT;
    }
}

static gboolean
capture (Shooter *self, const char *file, GError **error)
{
  GtkWidget *widget = GTK_WIDGET (self->window);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (self->output_dir, file, NULL);
  int width = gdk_paintable_get_intrinsic_width (paintable);
  int height = gdk_paintable_get_intrinsic_height (paintable);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (widget));

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  if (self->popover != NULL && gtk_widget_get_visible (self->popover))
    {
      g_autoptr (GdkPaintable) popover = gtk_widget_paintable_new (self->popover);
      GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self->popover));
      double window_x, window_y, popover_x, popover_y;

      gtk_native_get_surface_transform (GTK_NATIVE (widget), &window_x, &window_y);
      gtk_native_get_surface_transform (GTK_NATIVE (self->popover), &popover_x, &popover_y);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (
        snapshot, &GRAPHENE_POINT_INIT (
                    gdk_popup_get_position_x (GDK_POPUP (surface)) + popover_x - window_x,
                    gdk_popup_get_position_y (GDK_POPUP (surface)) + popover_y - window_y));
      gdk_paintable_snapshot (popover, GDK_SNAPSHOT (snapshot),
                              gdk_paintable_get_intrinsic_width (popover),
                              gdk_paintable_get_intrinsic_height (popover));
      gtk_snapshot_restore (snapshot);
    }
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL || renderer == NULL)
    {
      /* Caught between a redraw being queued and made (live video queues
       * one per frame): the caller tries again on the next frame. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING, _ ("The window drew nothing for %s"),
                   file);
      return FALSE;
    }

  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("Could not write %s"), path);
      return FALSE;
    }

  g_print ("%s (%d×%d)\n", path, width, height);
  return TRUE;
}

static gboolean
quit_idle (gpointer user_data)
{
  Shooter *self = user_data;

  /* The streams end with the pages that run them. */
  if (self->guest_go_live != NULL)
    cascade_go_live_page_stop (self->guest_go_live);
  g_clear_object (&self->guest_go_live);
  g_clear_object (&self->guest_session);
  g_clear_object (&self->second_session);
  if (self->chatter_room != NULL)
    cascade_chat_room_leave (self->chatter_room);
  g_clear_object (&self->chatter_room);
  g_clear_object (&self->chatter_session);

  /* Closing the last window ends g_application_run, as it would for a person. */
  gtk_window_destroy (GTK_WINDOW (self->window));
  g_application_quit (G_APPLICATION (self->app));
  return G_SOURCE_REMOVE;
}

static void
finish (Shooter *self, int exit_status)
{
  self->exit_status = exit_status;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->window), self->tick_id);
      self->tick_id = 0;
    }
  g_idle_add (quit_idle, self);
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *frame_clock, gpointer user_data)
{
  Shooter *self = user_data;
  g_autoptr (GError) error = NULL;

  if (++self->frames < SETTLE_FRAMES)
    return G_SOURCE_CONTINUE;

  if (!capture (self, shots[self->current].file, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING) &&
          self->frames < SETTLE_FRAMES + MAX_RETRY_FRAMES)
        return G_SOURCE_CONTINUE;
      self->tick_id = 0;
      g_printerr ("cascade-screenshots: %s\n", error->message);
      finish (self, EXIT_FAILURE);
      return G_SOURCE_REMOVE;
    }

  self->tick_id = 0;
  self->current++;
  next_shot (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_poll (gpointer user_data)
{
  Shooter *self = user_data;
  const Shot *shot = &shots[self->current];
  g_autoptr (GError) error = NULL;

  switch (shot->drive (self, &error))
    {
      case SHOT_READY:
        self->poll_id = 0;
        self->frames = 0;
        gtk_widget_queue_draw (GTK_WIDGET (self->window));
        self->tick_id =
          gtk_widget_add_tick_callback (GTK_WIDGET (self->window), on_tick, self, NULL);
        return G_SOURCE_REMOVE;

      case SHOT_FAILED:
        self->poll_id = 0;
        g_printerr ("cascade-screenshots: %s: %s\n", shot->file, error->message);
        finish (self, EXIT_FAILURE);
        return G_SOURCE_REMOVE;

      case SHOT_WAIT:
      default:
        if (g_get_monotonic_time () > self->deadline)
          {
            self->poll_id = 0;
            g_printerr (_ ("cascade-screenshots: %s: the window did not get there within %d s\n"),
                        shot->file, SHOT_TIMEOUT_SECONDS);
            finish (self, EXIT_FAILURE);
            return G_SOURCE_REMOVE;
          }
        return G_SOURCE_CONTINUE;
    }
}

static void
next_shot (Shooter *self)
{
  if (self->current == G_N_ELEMENTS (shots))
    {
      finish (self, EXIT_SUCCESS);
      return;
    }

  self->stage = 0;
  self->deadline = g_get_monotonic_time () + SHOT_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  self->poll_id = g_timeout_add (POLL_INTERVAL_MS, on_poll, self);
}

static CascadeWindow *
find_window (CascadeApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    {
      if (CASCADE_IS_WINDOW (l->data))
        return l->data;
    }
  return NULL;
}

/* Runs after the application's own activate, which made the window. */
static void
on_activate (GApplication *app, Shooter *self)
{
  if (self->window != NULL)
    return;

  /* Still pictures in GNOME's default font (a bare X server has no settings
   * daemon to say so): no half-finished transitions, no blinking caret. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, "gtk-cursor-blink",
                FALSE, "gtk-font-name", "Cantarell 11", NULL);

  self->session = cascade_application_get_session (self->app);
  self->window = find_window (self->app);
  g_assert (self->window != NULL);
  self->welcome = window_child (self, "welcome_page");

  next_shot (self);
}

int
main (int argc, char *argv[])
{
  g_autofree char *server = NULL;
  g_autofree char *output = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeApplication) app = NULL;
  GSettings *settings;
  Shooter shooter = { 0 };
  int status;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, N_ ("The Cascade server to use"), N_ ("URL") },
    { "output", 0, 0, G_OPTION_ARG_FILENAME, &output, N_ ("Where to write the PNG files"),
      N_ ("DIR") },
    { NULL },
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Never the person's own settings or demo account. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_unsetenv ("CASCADE_DEV_LOGIN");
  g_unsetenv ("CASCADE_DEV_PASSWORD");

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _ ("Writes screenshots of the real Cascade app."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cascade-screenshots: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (server == NULL || output == NULL || argc > 1)
    {
      g_printerr (_ ("cascade-screenshots: use --server URL --output DIR, and nothing else\n"));
      return EXIT_FAILURE;
    }
  url = cascade_server_url_normalize (server, &error);
  if (url == NULL)
    {
      g_printerr ("cascade-screenshots: --server %s: %s\n", server, error->message);
      return EXIT_FAILURE;
    }
  if (g_mkdir_with_parents (output, 0755) != 0)
    {
      g_printerr (_ ("cascade-screenshots: cannot create %s: %s\n"), output, g_strerror (errno));
      return EXIT_FAILURE;
    }

  app = cascade_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  settings = cascade_application_get_settings (app);
  g_settings_set_string (settings, "server-url", url);
  g_settings_set_int (settings, "window-width", WINDOW_WIDTH);
  g_settings_set_int (settings, "window-height", WINDOW_HEIGHT);
  g_settings_set_boolean (settings, "window-maximized", FALSE);

  shooter.app = app;
  shooter.output_dir = output;
  shooter.exit_status = EXIT_FAILURE;
  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate), &shooter);

  status = g_application_run (G_APPLICATION (app), argc, argv);
  return status != EXIT_SUCCESS ? status : shooter.exit_status;
}
