/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * The real preferences window under Xvfb: the server address a person types
 * reaches the settings (which the session follows) only when it is an http or
 * https URL; anything else stays in the entry with the reason under it.
 */

#include <adwaita.h>

#include "cascade-preferences-window.h"
#include "cascade-ui-test.h"

typedef struct
{
  GSettings *settings;
  CascadePreferencesWindow *window;
  AdwEntryRow *row;
  GtkLabel *error;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  cascade_ui_test_use_system_data ();
  f->settings = g_settings_new (APP_ID);
  g_settings_set_string (f->settings, "server-url", "http://127.0.0.1:8787");
  f->window = g_object_ref (cascade_preferences_window_new (NULL, f->settings));
  gtk_window_present (GTK_WINDOW (f->window));
  f->row = ADW_ENTRY_ROW (gtk_widget_get_template_child (
    GTK_WIDGET (f->window), CASCADE_TYPE_PREFERENCES_WINDOW, "server_row"));
  f->error = GTK_LABEL (gtk_widget_get_template_child (
    GTK_WIDGET (f->window), CASCADE_TYPE_PREFERENCES_WINDOW, "server_error"));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_assert_finalize_object (f->window);
  g_clear_object (&f->settings);
}

/* What the apply button, or Enter after typing, does. */
static void
apply (Fixture *f, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (f->row), text);
  g_signal_emit_by_name (f->row, "apply");
}

static char *
setting (Fixture *f)
{
  return g_settings_get_string (f->settings, "server-url");
}

static void
assert_refused (Fixture *f, const char *text)
{
  g_autofree char *url = NULL;

  apply (f, text);
  url = setting (f);
  g_assert_cmpstr (url, ==, "http://127.0.0.1:8787");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (f->row), "error"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->error)));
  g_assert_cmpstr (gtk_label_get_text (f->error), !=, "");
  /* What was typed stays, to be corrected. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->row)), ==, text);
}

static void
test_shows_setting (Fixture *f, gconstpointer data)
{
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->row)), ==, "http://127.0.0.1:8787");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->error)));

  /* A change made elsewhere (cascade --server) shows up. */
  g_settings_set_string (f->settings, "server-url", "https://cascade.example.org");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->row)), ==,
                   "https://cascade.example.org");
}

static void
test_refuses_bad_urls (Fixture *f, gconstpointer data)
{
  assert_refused (f, "ftp://cascade.example.org");
  g_assert_cmpstr (gtk_label_get_text (f->error), ==,
                   "The address must start with http:// or https://.");
  assert_refused (f, "cascade.example.org");
  assert_refused (f, "http://");
  assert_refused (f, "https://cascade.example.org/?x=1");
  assert_refused (f, "   ");

  /* Typing again takes the complaint away. */
  gtk_editable_set_text (GTK_EDITABLE (f->row), "https://cascade.example.org");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (f->row), "error"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->error)));
}

static void
test_applies_good_url (Fixture *f, gconstpointer data)
{
  g_autofree char *url = NULL;
  g_autofree char *again = NULL;

  apply (f, "  https://cascade.example.org:8443/  ");
  url = setting (f);
  g_assert_cmpstr (url, ==, "https://cascade.example.org:8443");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->row)), ==,
                   "https://cascade.example.org:8443");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (f->row), "error"));

  /* Typing alone changes nothing: only applying does. */
  gtk_editable_set_text (GTK_EDITABLE (f->row), "http://10.0.0.2:8787");
  again = setting (f);
  g_assert_cmpstr (again, ==, "https://cascade.example.org:8443");
}

static GtkWidget *
child (Fixture *f, const char *name)
{
  return GTK_WIDGET (
    gtk_widget_get_template_child (GTK_WIDGET (f->window), CASCADE_TYPE_PREFERENCES_WINDOW, name));
}

/* The cascade's settings: relaying on with 3 children by default; turning it
 * off greys out the children; the count and privacy mode reach the settings. */
static void
test_relay_settings (Fixture *f, gconstpointer data)
{
  GtkSwitch *relay = GTK_SWITCH (child (f, "relay_switch"));
  GtkSpinButton *children = GTK_SPIN_BUTTON (child (f, "children_spin"));
  GtkSwitch *privacy = GTK_SWITCH (child (f, "privacy_switch"));

  g_assert_true (gtk_switch_get_active (relay));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (children), ==, 3);
  g_assert_false (gtk_switch_get_active (privacy));
  g_assert_true (gtk_widget_get_sensitive (child (f, "children_row")));

  gtk_switch_set_active (relay, FALSE);
  g_assert_false (g_settings_get_boolean (f->settings, "relay-enabled"));
  g_assert_false (gtk_widget_get_sensitive (child (f, "children_row")));
  gtk_switch_set_active (relay, TRUE);

  gtk_spin_button_set_value (children, 6);
  g_assert_cmpint (g_settings_get_int (f->settings, "relay-max-children"), ==, 6);
  /* Out of range: held to 1–8. */
  gtk_spin_button_set_value (children, 40);
  g_assert_cmpint (g_settings_get_int (f->settings, "relay-max-children"), ==, 8);

  gtk_switch_set_active (privacy, TRUE);
  g_assert_true (g_settings_get_boolean (f->settings, "privacy-mode"));
}

int
main (int argc, char *argv[])
{
  cascade_ui_test_init (&argc, &argv);

  g_test_add ("/cascade/ui/preferences/relay-settings", Fixture, NULL, fixture_set_up,
              test_relay_settings, fixture_tear_down);
  g_test_add ("/cascade/ui/preferences/shows-setting", Fixture, NULL, fixture_set_up,
              test_shows_setting, fixture_tear_down);
  g_test_add ("/cascade/ui/preferences/refuses-bad-urls", Fixture, NULL, fixture_set_up,
              test_refuses_bad_urls, fixture_tear_down);
  g_test_add ("/cascade/ui/preferences/applies-good-url", Fixture, NULL, fixture_set_up,
              test_applies_good_url, fixture_tear_down);

  return g_test_run ();
}
