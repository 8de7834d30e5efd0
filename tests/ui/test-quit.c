/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * Quitting the whole app (g_application_run with a command line, as `cascade`
 * runs it) under Xvfb while it watches a stream in privacy mode: coturn on
 * loopback hands out the TURN allocations (TURN REST credentials from a real
 * cascaded), a `cascade-peer publish` process streams, and the app, signed in
 * as the account ./dev run passes, watches through TURN only. The TURN server
 * answers late (stopped for a second as the app quits): still, by the time
 * g_application_run returns, it has released each of the app's allocations,
 * because the app waited for that rather than leaving them to time out.
 */

#include <adwaita.h>
#include <string.h>

#include "cascade-application.h"
#include "cascade-live-page.h"
#include "cascade-netlab.h"
#include "cascade-session.h"
#include "cascade-stream-card.h"
#include "cascade-swarm.h"
#include "cascade-ui-test.h"
#include "cascade-user.h"
#include "cascade-watch-page.h"
#include "cascade-window.h"

#define TURN_SECRET "quit-test-turn-secret"
#define WAIT_FOR CASCADE_UI_TEST_WAIT_FOR

typedef struct
{
  CascadeTurn *turn;
  CascadeSwarm *swarm;
  CascadeApplication *app;
  char *user_id; /* the app's account, as its TURN user names carry it */
  char *log_while_watching;
  gboolean quit_while_playing;
  GSourceFunc then; /* once the window is up: watch, ..., Ctrl+Q */
  guint resume_id;
  /* hands-children-over */
  CascadeSwarmPeer *streamer;
  CascadeSwarmPeer *child;
  gboolean saw_left; /* the tracker answered the app's hand-over */
} Fixture;

static CascadeWindow *
main_window (Fixture *f)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL; l = l->next)
    {
      if (CASCADE_IS_WINDOW (l->data))
        return l->data;
    }
  return NULL;
}

/* What coturn logged about the app's account: its sessions (allocations)
 * carry the TURN REST user name "expiry:USER_ID"; @released: those the
 * client released (a refresh with lifetime 0), else those allocated. */
static GPtrArray *
turn_sessions (Fixture *f, const char *log, gboolean released)
{
  g_auto (GStrv) lines = g_strsplit (log, "\n", -1);
  g_autofree char *user = g_strdup_printf (":%s>", f->user_id);
  GPtrArray *sessions = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *at = strstr (lines[i], "session ");
      const char *end;

      if (at == NULL || strstr (lines[i], user) == NULL)
        continue;
      if (strstr (lines[i], released ? ": refreshed, " : ": new, ") == NULL ||
          (released && !g_str_has_suffix (lines[i], ", lifetime=0")))
        continue;
      g_test_message ("%s", lines[i]);
      at += strlen ("session ");
      end = strchr (at, ':');
      if (end != NULL)
        g_ptr_array_add (sessions, g_strndup (at, end - at));
    }
  return sessions;
}

static void
on_startup (GApplication *app, Fixture *f)
{
  cascade_ui_test_use_system_data ();
}

static gboolean
resume_turn (gpointer user_data)
{
  Fixture *f = user_data;

  f->resume_id = 0;
  cascade_turn_set_paused (f->turn, FALSE);
  return G_SOURCE_REMOVE;
}

/* Once the window is up and signed in: the Live page's card of the stream
 * opens the Watch page, which plays it. */
static void
watch (Fixture *f)
{
  CascadeWindow *window = main_window (f);
  CascadeSession *session = cascade_application_get_session (f->app);
  CascadeLivePage *live;
  CascadeWatchPage *watch;
  GtkListBox *sidebar;

  g_assert_nonnull (window);
  WAIT_FOR (cascade_session_get_state (session) == CASCADE_SESSION_STATE_SIGNED_IN &&
            cascade_realtime_get_state (cascade_session_get_realtime (session)) ==
              CASCADE_REALTIME_STATE_CONNECTED);
  f->user_id = g_strdup (cascade_user_get_id (cascade_session_get_user (session)));

  live = cascade_ui_test_child (window, CASCADE_TYPE_WINDOW, "live_page");
  watch = cascade_ui_test_child (window, CASCADE_TYPE_WINDOW, "watch_page");
  sidebar = cascade_ui_test_child (window, CASCADE_TYPE_WINDOW, "sidebar_list");
  gtk_list_box_select_row (sidebar, gtk_list_box_get_row_at_index (sidebar, 1));
  WAIT_FOR (cascade_ui_test_first_card (live) != NULL);
  g_signal_emit_by_name (cascade_ui_test_child (live, CASCADE_TYPE_LIVE_PAGE, "grid"), "activate",
                         0);
  WAIT_FOR (cascade_watch_page_get_state (watch) == CASCADE_WATCH_STATE_PLAYING);
}

/* Watch, then quit. */
static gboolean
watch_then_quit (gpointer user_data)
{
  Fixture *f = user_data;

  watch (f);
  f->log_while_watching = cascade_turn_dup_log (f->turn);

  /* Ctrl+Q, the TURN server a second late to answer. */
  f->quit_while_playing = TRUE;
  cascade_turn_set_paused (f->turn, TRUE);
  f->resume_id = g_timeout_add_seconds (1, resume_turn, f);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app, Fixture *f)
{
  g_idle_add (f->then, f);
}

/* The app, as ./dev run starts it, signed in as the viewer, relaying, with
 * @privacy; once its window is up it runs @then, which ends in Ctrl+Q. */
static void
run_app (Fixture *f, gboolean privacy, GSourceFunc then)
{
  char *argv[] = { (char *) "cascade", (char *) "--server", NULL, NULL };

  f->then = then;
  f->app = cascade_application_new ();
  g_application_set_flags (G_APPLICATION (f->app), G_APPLICATION_NON_UNIQUE);
  g_settings_set_boolean (cascade_application_get_settings (f->app), "privacy-mode", privacy);
  g_settings_set_boolean (cascade_application_get_settings (f->app), "relay-enabled", TRUE);
  g_setenv ("CASCADE_DEV_LOGIN", "viewer", TRUE);
  g_setenv ("CASCADE_DEV_PASSWORD", CASCADE_SWARM_PASSWORD, TRUE);
  argv[2] = (char *) cascade_swarm_get_url (f->swarm);
  g_signal_connect_after (f->app, "startup", G_CALLBACK (on_startup), f);
  g_signal_connect_after (f->app, "activate", G_CALLBACK (on_activate), f);
  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), G_N_ELEMENTS (argv) - 1, argv), ==,
                   0);
  g_assert_true (f->quit_while_playing);
}

static void
test_quit_gives_turn_back (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *config = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GPtrArray) opened = NULL;
  g_autoptr (GPtrArray) released = NULL;

  cascade_ui_test_use_system_data ();
  if (!cascade_turn_check (&reason))
    {
      g_test_skip (reason);
      return;
    }
  f->turn = cascade_turn_new ("127.0.0.1", TURN_SECRET, &error);
  g_assert_no_error (error);
  config = g_strdup_printf ("[ice]\nturn-urls=%s\nturn-secret=" TURN_SECRET "\n",
                            cascade_turn_get_url (f->turn));
  f->swarm = cascade_swarm_new (NULL, config);
  cascade_swarm_add_account (f->swarm, "streamer");
  cascade_swarm_add_account (f->swarm, "viewer");
  cascade_swarm_spawn_streamer (f->swarm, "streamer", NULL);

  run_app (f, TRUE, watch_then_quit);

  /* While it watched, the app held TURN allocations (privacy mode: its only
   * way to the streamer)... */
  opened = turn_sessions (f, f->log_while_watching, FALSE);
  g_assert_cmpuint (opened->len, >, 0);
  /* ...and once g_application_run returned, the TURN server had released
   * each (not left to time out: coturn's allocation lifetime is minutes). */
  log = cascade_turn_dup_log (f->turn);
  released = turn_sessions (f, log, TRUE);
  if (f->resume_id != 0)
    {
      g_source_remove (f->resume_id);
      resume_turn (f);
    }
  for (guint i = 0; i < opened->len; i++)
    {
      const char *session = g_ptr_array_index (opened, i);

      if (!g_ptr_array_find_with_equal_func (released, session, g_str_equal, NULL))
        g_error ("TURN session %s still allocated after the app quit; coturn's log:\n%s", session,
                 log);
    }

  g_assert_finalize_object (g_steal_pointer (&f->app));
  g_clear_pointer (&f->swarm, cascade_swarm_free);
  g_clear_pointer (&f->turn, cascade_turn_free);
  g_free (f->user_id);
  g_free (f->log_while_watching);
}

/* ---- quitting while relaying ---- */

static void
on_realtime_left (CascadeRealtime *realtime, const char *type, JsonObject *message, Fixture *f)
{
  f->saw_left = TRUE;
}

/* Watch, feed a child, then quit. */
static gboolean
watch_relay_then_quit (gpointer user_data)
{
  Fixture *f = user_data;
  const char *leaf[] = { "--relay", "0", NULL };
  CascadeRealtime *realtime;
  CascadeWindow *window;
  const char *parent;

  watch (f);
  window = main_window (f);
  /* The streamer has room for one viewer, the app: the next is the app's. */
  f->child = cascade_swarm_spawn_viewer (f->swarm, "child", "streamer", leaf);
  WAIT_FOR (cascade_swarm_peer_get_frames (f->child) >= 30);
  parent = cascade_swarm_peer_get_parent_peer_id (f->child);
  g_assert_nonnull (parent);
  g_assert_cmpstr (parent, !=, cascade_swarm_peer_get_peer_id (f->streamer));

  realtime = cascade_session_get_realtime (cascade_application_get_session (f->app));
  g_signal_connect (realtime, "message::stream.left", G_CALLBACK (on_realtime_left), f);
  f->quit_while_playing = TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  /* The window hides at once and waits for the hand-over. */
  g_assert_true (cascade_window_is_closing (window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window)));
  return G_SOURCE_REMOVE;
}

static gboolean
child_under_streamer (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (cascade_swarm_peer_get_parent_peer_id (f->child),
                    cascade_swarm_peer_get_peer_id (f->streamer)) == 0;
}

/* Quitting the app while it relays to a child: the child is handed over to
 * the streamer (the tracker answers stream.left) before the app goes, and it
 * plays on. */
static void
test_quit_hands_children_over (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  const char *publish[] = { "--max-viewers", "1", NULL };

  cascade_ui_test_use_system_data ();
  f->swarm = cascade_swarm_new (NULL, NULL);
  cascade_swarm_add_account (f->swarm, "streamer");
  cascade_swarm_add_account (f->swarm, "viewer");
  cascade_swarm_add_account (f->swarm, "child");
  f->streamer = cascade_swarm_spawn_streamer (f->swarm, "streamer", publish);

  run_app (f, FALSE, watch_relay_then_quit);

  /* The app waited for the tracker to take its child... */
  g_assert_true (f->saw_left);
  cascade_swarm_wait_or_die (f->swarm, 30, child_under_streamer, f,
                             "the child to be under the streamer");
  /* ...which plays on. */
  cascade_swarm_wait_frames (f->swarm, &f->child, 1, 30, 60, "the child to play on");

  g_assert_finalize_object (g_steal_pointer (&f->app));
  g_clear_pointer (&f->swarm, cascade_swarm_free);
  g_free (f->user_id);
}

int
main (int argc, char *argv[])
{
  cascade_ui_test_init (&argc, &argv);

  g_test_add_func ("/cascade/ui/quit/gives-turn-back", test_quit_gives_turn_back);
  g_test_add_func ("/cascade/ui/quit/hands-children-over", test_quit_hands_children_over);

  return g_test_run ();
}
