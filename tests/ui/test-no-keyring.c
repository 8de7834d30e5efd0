/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * The real window and session against a real cascaded, with no keyring at all
 * (no D-Bus session bus): the app says it will forget the sign-in, and still
 * signs in, in memory only.
 */

#include <adwaita.h>

#include "cascade-session.h"
#include "cascade-test-server.h"
#include "cascade-ui-test.h"
#include "cascade-welcome-page.h"
#include "cascade-window.h"

static gpointer
window_child (CascadeWindow *window, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (window), CASCADE_TYPE_WINDOW, name);

  g_assert_nonnull (child);
  return child;
}

static gpointer
welcome_child (CascadeWindow *window, const char *name)
{
  GObject *child = gtk_widget_get_template_child (
    GTK_WIDGET (window_child (window, "welcome_page")), CASCADE_TYPE_WELCOME_PAGE, name);

  g_assert_nonnull (child);
  return child;
}

static gboolean
shows (CascadeWindow *window, const char *view)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (window_child (window, "main_stack")), view) ==
         0;
}

static void
test_notice (void)
{
  g_autoptr (CascadeTestServer) server = cascade_test_server_new (NULL);
  g_autoptr (CascadeSession) session = cascade_session_new (cascade_test_server_get_url (server));
  CascadeWindow *window;
  GtkRevealer *welcome_notice;
  GtkRevealer *main_notice;

  cascade_ui_test_use_system_data ();
  window = g_object_ref (cascade_window_new (NULL, session));
  welcome_notice = window_child (window, "welcome_keyring_revealer");
  main_notice = window_child (window, "main_keyring_revealer");
  gtk_window_present (GTK_WINDOW (window));

  /* Nothing to restore from, and the app finds out there is no keyring. */
  cascade_session_restore_async (session, NULL, NULL, NULL);
  CASCADE_UI_TEST_WAIT_FOR (cascade_session_get_state (session) ==
                            CASCADE_SESSION_STATE_SIGNED_OUT);
  g_assert_true (shows (window, "welcome"));
  g_assert_false (cascade_session_get_secrets_available (session));
  g_assert_true (gtk_revealer_get_reveal_child (welcome_notice));

  /* Signing up still works; Home says the same. */
  gtk_editable_set_text (welcome_child (window, "create_email_row"), "ada@example.org");
  gtk_editable_set_text (welcome_child (window, "create_username_row"), "ada");
  gtk_editable_set_text (welcome_child (window, "create_password_row"), "correct horse battery");
  g_signal_emit_by_name (welcome_child (window, "submit_button"), "clicked");
  CASCADE_UI_TEST_WAIT_FOR (shows (window, "main"));
  g_assert_true (gtk_revealer_get_reveal_child (main_notice));
  g_assert_true (gtk_widget_is_drawable (GTK_WIDGET (main_notice)));

  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_finalize_object (window);
}

int
main (int argc, char *argv[])
{
  /* No session bus: neither a keyring of the test environment nor the
   * developer's own can answer. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/cascade-test-bus", TRUE);
  cascade_ui_test_init (&argc, &argv);

  g_test_add_func ("/cascade/ui/no-keyring/notice", test_notice);

  return g_test_run ();
}
