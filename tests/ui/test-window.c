/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * The real CascadeWindow under Xvfb with a real CascadeSession against a real
 * cascaded, and a real keyring. Each test types into the real forms and
 * presses the real buttons, then spins the main loop until the window shows
 * what a person would see. (The application around them, which needs
 * g_application_run, is test-application.c.)
 */

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "cascade-go-live-page.h"
#include "cascade-home-page.h"
#include "cascade-live-page.h"
#include "cascade-secret-store.h"
#include "cascade-session.h"
#include "cascade-test-server.h"
#include "cascade-ui-test.h"
#include "cascade-welcome-page.h"
#include "cascade-window.h"

#define PASSWORD "correct horse battery"

typedef struct
{
  CascadeTestServer *server;
  CascadeSession *session;
  CascadeWindow *window;
  CascadeWelcomePage *welcome;
  CascadeHomePage *home;
} Fixture;

#define WAIT_FOR CASCADE_UI_TEST_WAIT_FOR

static gpointer
window_child (Fixture *f, const char *name)
{
  return cascade_ui_test_child (f->window, CASCADE_TYPE_WINDOW, name);
}

static gpointer
welcome_child (Fixture *f, const char *name)
{
  return cascade_ui_test_child (f->welcome, CASCADE_TYPE_WELCOME_PAGE, name);
}

static const char *
shown_view (Fixture *f)
{
  return gtk_stack_get_visible_child_name (window_child (f, "main_stack"));
}

static gboolean
shows (Fixture *f, const char *view)
{
  return g_strcmp0 (shown_view (f), view) == 0;
}

static void
type_into (Fixture *f, const char *row, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (welcome_child (f, row)), text);
}

static const char *
text_of (Fixture *f, const char *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (welcome_child (f, row)));
}

static void
press_enter_in (Fixture *f, const char *row)
{
  /* What Enter does: the entry inside the row activates. */
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (welcome_child (f, row)));

  g_assert_true (GTK_IS_TEXT (text));
  g_signal_emit_by_name (text, "activate");
}

/* What a click does, on a button a person could click. */
static void
click (gpointer button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_is_drawable (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
press_submit (Fixture *f)
{
  click (welcome_child (f, "submit_button"));
}

static gboolean
has_error (Fixture *f, const char *row)
{
  return gtk_widget_has_css_class (GTK_WIDGET (welcome_child (f, row)), "error");
}

static const char *
label_text (gpointer label)
{
  return gtk_label_get_text (GTK_LABEL (label));
}

/* The busy state: a spinner in the button, nothing to type into or press. */
static void
assert_busy (Fixture *f)
{
  g_assert_true (cascade_welcome_page_get_busy (f->welcome));
  g_assert_true (gtk_widget_get_visible (welcome_child (f, "submit_spinner")));
  g_assert_false (gtk_widget_get_sensitive (welcome_child (f, "submit_button")));
  g_assert_false (gtk_widget_is_sensitive (welcome_child (f, "create_email_row")));
  g_assert_false (gtk_widget_is_sensitive (welcome_child (f, "sign_in_login_row")));
}

static void
fill_create_account (Fixture *f,
                     const char *email,
                     const char *username,
                     const char *display_name,
                     const char *password)
{
  cascade_welcome_page_set_form (f->welcome, CASCADE_WELCOME_FORM_CREATE_ACCOUNT);
  type_into (f, "create_email_row", email);
  type_into (f, "create_username_row", username);
  type_into (f, "create_display_name_row", display_name);
  type_into (f, "create_password_row", password);
}

static void
register_on_server (Fixture *f, const char *email, const char *username)
{
  g_autofree char *body = g_strdup_printf (
    "{\"email\": \"%s\", \"username\": \"%s\", \"password\": \"%s\"}", email, username, PASSWORD);

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "POST", "/api/v1/auth/register", NULL, body, NULL), ==,
    201);
}

static void
assert_home_greets (Fixture *f, const char *greeting, const char *username)
{
  g_assert_cmpstr (shown_view (f), ==, "main");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window_child (f, "places_stack")), ==, "home");
  g_assert_cmpstr (
    label_text (cascade_ui_test_child (f->home, CASCADE_TYPE_HOME_PAGE, "greeting_label")), ==,
    greeting);
  g_assert_cmpstr (
    label_text (cascade_ui_test_child (f->home, CASCADE_TYPE_HOME_PAGE, "username_label")), ==,
    username);
}

static void
on_keyring_lookup (GObject *source, GAsyncResult *result, gpointer user_data)
{
  int *found = user_data;
  g_autoptr (GError) error = NULL;
  char *token = cascade_secret_store_lookup_finish (CASCADE_SECRET_STORE (source), result, &error);

  g_assert_no_error (error);
  *found = token != NULL;
  if (token != NULL)
    {
      explicit_bzero (token, strlen (token));
      g_free (token);
    }
}

/* Whether the keyring holds a session for the test server. */
static gboolean
keyring_has_session (Fixture *f)
{
  g_autoptr (CascadeSecretStore) store = cascade_secret_store_new ();
  int found = -1;

  cascade_secret_store_lookup_async (store, cascade_test_server_get_url (f->server), NULL,
                                     on_keyring_lookup, &found);
  while (found < 0)
    g_main_context_iteration (NULL, TRUE);
  return found;
}

static void
start_window (Fixture *f, const char *server_url)
{
  f->session = cascade_session_new (server_url);
  f->window = g_object_ref (cascade_window_new (NULL, f->session));
  f->welcome = window_child (f, "welcome_page");
  f->home = window_child (f, "home_page");
  gtk_window_present (GTK_WINDOW (f->window));

  /* What the application does at start. */
  cascade_session_restore_async (f->session, NULL, NULL, NULL);
}

static void
stop_window (Fixture *f)
{
  WAIT_FOR (!cascade_welcome_page_get_busy (f->welcome) &&
            cascade_session_get_state (f->session) != CASCADE_SESSION_STATE_RESTORING);

  /* A window closed by the test is destroyed already. */
  if (gtk_widget_get_realized (GTK_WIDGET (f->window)))
    gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (g_steal_pointer (&f->window));
  f->welcome = NULL;
  f->home = NULL;
  g_clear_object (&f->session);
}

static void
sign_out (Fixture *f)
{
  /* What Sign Out in the primary menu (app.sign-out) does. */
  cascade_session_sign_out_async (f->session, NULL, NULL, NULL);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  cascade_ui_test_use_system_data ();
  f->server = cascade_test_server_new (NULL);
  start_window (f, cascade_test_server_get_url (f->server));

  /* Nothing in the keyring for this server: the welcome page, after the
   * spinner of the restore. */
  WAIT_FOR (cascade_session_get_state (f->session) == CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_cmpstr (shown_view (f), ==, "welcome");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->window != NULL)
    stop_window (f);
  g_clear_pointer (&f->server, cascade_test_server_free);
}

static void
test_create_account (Fixture *f, gconstpointer data)
{
  g_autofree char *server_line =
    g_strdup_printf ("Server: %s", cascade_test_server_get_url (f->server));

  /* It says which server it will talk to. */
  g_assert_cmpstr (label_text (welcome_child (f, "server_label")), ==, server_line);
  g_assert_cmpint (cascade_welcome_page_get_form (f->welcome), ==,
                   CASCADE_WELCOME_FORM_CREATE_ACCOUNT);

  /* Nothing to send until the required entries have something in them. */
  g_assert_false (gtk_widget_get_sensitive (welcome_child (f, "submit_button")));
  fill_create_account (f, "ada@example.org", "ada", "Ada Lovelace", PASSWORD);

  press_submit (f);
  assert_busy (f);

  WAIT_FOR (shows (f, "main"));
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  assert_home_greets (f, "Welcome, Ada Lovelace!", "@ada");
  g_assert_cmpstr (adw_window_title_get_title (window_child (f, "content_title")), ==, "Home");

  /* Nothing typed stays behind in the hidden welcome page. */
  g_assert_cmpstr (text_of (f, "create_password_row"), ==, "");
  g_assert_cmpstr (text_of (f, "create_email_row"), ==, "");
  WAIT_FOR (!cascade_welcome_page_get_busy (f->welcome));
  g_assert_cmpstr (text_of (f, "create_password_row"), ==, "");
  g_assert_true (shows (f, "main"));
}

static void
test_username_taken (Fixture *f, gconstpointer data)
{
  GtkWidget *message_row = welcome_child (f, "create_username_message_row");

  register_on_server (f, "first-ada@example.org", "ada");

  fill_create_account (f, "second-ada@example.org", "ada", "Another Ada", PASSWORD);
  g_assert_false (gtk_widget_get_visible (message_row));
  press_enter_in (f, "create_password_row");
  assert_busy (f);
  WAIT_FOR (!cascade_welcome_page_get_busy (f->welcome));

  /* Still on the welcome page, the server's complaint under the username. */
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_cmpstr (shown_view (f), ==, "welcome");
  g_assert_true (has_error (f, "create_username_row"));
  g_assert_true (gtk_widget_get_visible (message_row));
  g_assert_cmpstr (label_text (welcome_child (f, "create_username_message")), ==,
                   "This username is taken. Choose another one.");
  g_assert_true (gtk_widget_has_css_class (welcome_child (f, "create_username_message"), "error"));
  g_assert_false (has_error (f, "create_email_row"));
  g_assert_false (gtk_widget_get_visible (welcome_child (f, "create_email_message_row")));
  g_assert_false (gtk_widget_get_visible (welcome_child (f, "form_error")));
  g_assert_true (gtk_widget_has_focus (
    GTK_WIDGET (gtk_editable_get_delegate (welcome_child (f, "create_username_row")))));

  /* Nothing typed is lost. */
  g_assert_cmpstr (text_of (f, "create_email_row"), ==, "second-ada@example.org");
  g_assert_cmpstr (text_of (f, "create_username_row"), ==, "ada");
  g_assert_cmpstr (text_of (f, "create_display_name_row"), ==, "Another Ada");
  g_assert_cmpstr (text_of (f, "create_password_row"), ==, PASSWORD);
  g_assert_true (gtk_widget_get_sensitive (welcome_child (f, "submit_button")));

  /* Changing the username takes the complaint away; another one goes through. */
  type_into (f, "create_username_row", "ada_two");
  g_assert_false (has_error (f, "create_username_row"));
  g_assert_false (gtk_widget_get_visible (message_row));
  press_submit (f);
  WAIT_FOR (shows (f, "main"));
  assert_home_greets (f, "Welcome, Another Ada!", "@ada_two");
}

static void
test_invalid_email (Fixture *f, gconstpointer data)
{
  fill_create_account (f, "not an address", "grace", "", PASSWORD);
  press_submit (f);
  WAIT_FOR (!cascade_welcome_page_get_busy (f->welcome));

  g_assert_true (has_error (f, "create_email_row"));
  g_assert_true (gtk_widget_get_visible (welcome_child (f, "create_email_message_row")));
  g_assert_cmpstr (label_text (welcome_child (f, "create_email_message")), ==,
                   "Enter an email address, such as ada@example.org.");
  g_assert_false (has_error (f, "create_username_row"));
  g_assert_cmpstr (text_of (f, "create_email_row"), ==, "not an address");
}

static void
test_short_password (Fixture *f, gconstpointer data)
{
  GtkWidget *message = welcome_child (f, "create_password_message");

  /* The hint is there before anything is sent... */
  g_assert_true (gtk_widget_get_visible (welcome_child (f, "create_password_message_row")));
  g_assert_cmpstr (label_text (message), ==, "Use at least 8 characters.");
  g_assert_false (gtk_widget_has_css_class (message, "error"));

  /* ...but the server is the judge. */
  fill_create_account (f, "grace@example.org", "grace", "Grace Hopper", "short");
  press_submit (f);
  WAIT_FOR (!cascade_welcome_page_get_busy (f->welcome));
  g_assert_true (has_error (f, "create_password_row"));
  g_assert_true (gtk_widget_has_css_class (message, "error"));
  g_assert_cmpstr (label_text (message), ==, "Use 8 to 128 characters.");
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);

  /* Typing a new one brings the hint back. */
  type_into (f, "create_password_row", "longer password");
  g_assert_false (has_error (f, "create_password_row"));
  g_assert_cmpstr (label_text (message), ==, "Use at least 8 characters.");
}

static void
test_sign_out_and_in (Fixture *f, gconstpointer data)
{
  fill_create_account (f, "ada@example.org", "ada", "Ada Lovelace", PASSWORD);
  press_submit (f);
  WAIT_FOR (shows (f, "main"));

  WAIT_FOR (keyring_has_session (f));

  sign_out (f);
  WAIT_FOR (shows (f, "welcome"));
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_null (cascade_session_get_user (f->session));
  WAIT_FOR (!keyring_has_session (f));

  /* A clean page, ready to sign in again. */
  g_assert_cmpint (cascade_welcome_page_get_form (f->welcome), ==, CASCADE_WELCOME_FORM_SIGN_IN);
  g_assert_cmpstr (text_of (f, "sign_in_login_row"), ==, "");
  g_assert_cmpstr (text_of (f, "sign_in_password_row"), ==, "");
  g_assert_cmpstr (text_of (f, "create_password_row"), ==, "");
  g_assert_cmpstr (
    label_text (cascade_ui_test_child (f->home, CASCADE_TYPE_HOME_PAGE, "greeting_label")), ==, "");

  type_into (f, "sign_in_login_row", "ada@example.org");
  type_into (f, "sign_in_password_row", PASSWORD);
  press_enter_in (f, "sign_in_password_row");
  assert_busy (f);
  WAIT_FOR (shows (f, "main"));
  assert_home_greets (f, "Welcome, Ada Lovelace!", "@ada");
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  GtkWidget *form_error = welcome_child (f, "form_error");

  register_on_server (f, "ada@example.org", "ada");

  cascade_welcome_page_set_form (f->welcome, CASCADE_WELCOME_FORM_SIGN_IN);
  type_into (f, "sign_in_login_row", "ada");
  type_into (f, "sign_in_password_row", "not the password");
  press_submit (f);
  WAIT_FOR (!cascade_welcome_page_get_busy (f->welcome));

  /* Not about one entry: said above the button. */
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_true (gtk_widget_get_visible (form_error));
  g_assert_cmpstr (label_text (form_error), ==, "The email, username or password is not right.");
  g_assert_false (has_error (f, "sign_in_login_row"));
  g_assert_cmpstr (text_of (f, "sign_in_login_row"), ==, "ada");
  g_assert_cmpstr (text_of (f, "sign_in_password_row"), ==, "not the password");

  /* Switching forms takes the message away. */
  cascade_welcome_page_set_form (f->welcome, CASCADE_WELCOME_FORM_CREATE_ACCOUNT);
  g_assert_false (gtk_widget_get_visible (form_error));
}

static void
test_server_unreachable (Fixture *f, gconstpointer data)
{
  GtkWidget *form_error = welcome_child (f, "form_error");
  g_autofree char *expected = g_strdup_printf (
    "Could not reach the server at %s. Check that it is running and that the address is right.",
    cascade_test_server_get_url (f->server));

  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);

  fill_create_account (f, "ada@example.org", "ada", "Ada Lovelace", PASSWORD);
  press_submit (f);
  WAIT_FOR (!cascade_welcome_page_get_busy (f->welcome));

  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_true (gtk_widget_get_visible (form_error));
  g_assert_cmpstr (label_text (form_error), ==, expected);
  g_assert_cmpstr (text_of (f, "create_password_row"), ==, PASSWORD);
  g_assert_true (gtk_widget_get_sensitive (welcome_child (f, "submit_button")));
}

static void
test_places (Fixture *f, gconstpointer data)
{
  static const struct
  {
    const char *name;
    const char *title;
  } places[] = {
    { "live", "Live" },         { "go-live", "Go Live" }, { "videos", "Videos" },
    { "articles", "Articles" }, { "events", "Events" },   { "search", "Search" },
    { "home", "Home" },
  };
  GtkListBox *sidebar = window_child (f, "sidebar_list");
  GtkStack *places_stack = window_child (f, "places_stack");
  GtkWidget *bell = window_child (f, "notifications_button");
  AdwStatusPage *notifications = window_child (f, "notifications_status");

  fill_create_account (f, "ada@example.org", "ada", "Ada Lovelace", PASSWORD);
  press_submit (f);
  WAIT_FOR (shows (f, "main"));

  /* One sidebar row per place, each leading to its page. */
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      GtkListBoxRow *row = NULL;
      GtkWidget *page;

      for (guint j = 0; (row = gtk_list_box_get_row_at_index (sidebar, j)) != NULL; j++)
        {
          if (g_str_equal (gtk_widget_get_name (GTK_WIDGET (row)), places[i].name))
            break;
        }
      g_assert_nonnull (row);
      g_assert_true (gtk_widget_activate (GTK_WIDGET (row)));

      g_assert_cmpstr (gtk_stack_get_visible_child_name (places_stack), ==, places[i].name);
      g_assert_cmpstr (adw_window_title_get_title (window_child (f, "content_title")), ==,
                       places[i].title);
      page = gtk_stack_get_visible_child (places_stack);
      if (g_str_equal (places[i].name, "home"))
        {
          g_assert_true (CASCADE_IS_HOME_PAGE (page));
          continue;
        }
      if (g_str_equal (places[i].name, "live"))
        {
          /* Nobody is live on a fresh server: it says so, and offers to go live. */
          g_assert_true (CASCADE_IS_LIVE_PAGE (page));
          WAIT_FOR (g_strcmp0 (gtk_stack_get_visible_child_name (
                                 cascade_ui_test_child (page, CASCADE_TYPE_LIVE_PAGE, "stack")),
                               "empty") == 0);
          g_assert_cmpstr (adw_status_page_get_title (
                             cascade_ui_test_child (page, CASCADE_TYPE_LIVE_PAGE, "empty_status")),
                           ==, "No One Is Live Right Now");
          continue;
        }
      if (g_str_equal (places[i].name, "go-live"))
        {
          g_assert_true (CASCADE_IS_GO_LIVE_PAGE (page));
          continue;
        }

      /* An honest empty state: says the place is not there yet. */
      g_assert_true (ADW_IS_STATUS_PAGE (page));
      g_assert_nonnull (
        strstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), "Not Available Yet"));
      g_assert_nonnull (adw_status_page_get_icon_name (ADW_STATUS_PAGE (page)));
    }

  /* The bell is labelled for screen readers and opens on an empty state. */
  g_assert_cmpstr (gtk_widget_get_tooltip_text (bell), ==, "Notifications");
  g_assert_cmpstr (adw_status_page_get_title (notifications), ==, "No Notifications");
  gtk_menu_button_popup (GTK_MENU_BUTTON (bell));
  WAIT_FOR (gtk_widget_get_mapped (GTK_WIDGET (notifications)));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (bell));
}

static void
test_narrow_window (Fixture *f, gconstpointer data)
{
  AdwLeaflet *leaflet = window_child (f, "leaflet");
  GtkWidget *back = window_child (f, "back_button");
  GtkListBox *sidebar = window_child (f, "sidebar_list");

  fill_create_account (f, "ada@example.org", "ada", "Ada Lovelace", PASSWORD);
  press_submit (f);
  WAIT_FOR (shows (f, "main"));
  g_assert_false (adw_leaflet_get_folded (leaflet));
  g_assert_false (gtk_widget_get_visible (back));

  /* A phone-sized window: one pane at a time, with a way back. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 400, 640);
  WAIT_FOR (adw_leaflet_get_folded (leaflet));
  g_assert_true (gtk_widget_get_visible (back));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == window_child (f, "content"));

  click (back);
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == window_child (f, "sidebar"));
  g_assert_true (gtk_widget_activate (GTK_WIDGET (gtk_list_box_get_row_at_index (sidebar, 1))));
  g_assert_true (adw_leaflet_get_visible_child (leaflet) == window_child (f, "content"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window_child (f, "places_stack")), ==, "live");
}

static void
test_restore_on_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *url = g_strdup (cascade_test_server_get_url (f->server));

  fill_create_account (f, "ada@example.org", "ada", "Ada Lovelace", PASSWORD);
  press_submit (f);
  WAIT_FOR (shows (f, "main"));
  WAIT_FOR (keyring_has_session (f));

  /* Quit and start again: signed in from the keyring, straight to Home. */
  stop_window (f);
  start_window (f, url);
  g_assert_cmpstr (shown_view (f), ==, "loading");
  WAIT_FOR (cascade_session_get_state (f->session) != CASCADE_SESSION_STATE_RESTORING);
  g_assert_cmpint (cascade_session_get_state (f->session), ==, CASCADE_SESSION_STATE_SIGNED_IN);
  assert_home_greets (f, "Welcome, Ada Lovelace!", "@ada");
  /* A keyring runs: no notice about it. */
  g_assert_false (gtk_revealer_get_reveal_child (window_child (f, "main_keyring_revealer")));
}

static void
test_remembers_size (Fixture *f, gconstpointer data)
{
  g_autoptr (GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *url = g_strdup (cascade_test_server_get_url (f->server));
  int width, height;

  /* Opens at the size it had last time... */
  stop_window (f);
  g_settings_set_int (settings, "window-width", 900);
  g_settings_set_int (settings, "window-height", 600);
  g_settings_set_boolean (settings, "window-maximized", FALSE);
  start_window (f, url);
  gtk_window_get_default_size (GTK_WINDOW (f->window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 600);
  g_assert_false (gtk_window_is_maximized (GTK_WINDOW (f->window)));
  WAIT_FOR (cascade_session_get_state (f->session) == CASCADE_SESSION_STATE_SIGNED_OUT);

  /* ...and keeps the size it has when it is closed. */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 650);
  gtk_window_close (GTK_WINDOW (f->window));
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1000);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 650);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

static void
add_test (const char *path, void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int argc, char *argv[])
{
  cascade_ui_test_init (&argc, &argv);

  add_test ("/cascade/ui/window/create-account", test_create_account);
  add_test ("/cascade/ui/window/username-taken", test_username_taken);
  add_test ("/cascade/ui/window/invalid-email", test_invalid_email);
  add_test ("/cascade/ui/window/short-password", test_short_password);
  add_test ("/cascade/ui/window/sign-out-and-in", test_sign_out_and_in);
  add_test ("/cascade/ui/window/wrong-password", test_wrong_password);
  add_test ("/cascade/ui/window/server-unreachable", test_server_unreachable);
  add_test ("/cascade/ui/window/places", test_places);
  add_test ("/cascade/ui/window/narrow-window", test_narrow_window);
  add_test ("/cascade/ui/window/restore-on-restart", test_restore_on_restart);
  add_test ("/cascade/ui/window/remembers-size", test_remembers_size);

  return g_test_run ();
}
