/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-ui-test.h"

/* The system data dirs from before g_test_init isolated them (a one-time cache). */
static char **system_data_dirs;

void
cascade_ui_test_init (int *argc, char ***argv)
{
  system_data_dirs = g_strdupv ((char **) g_get_system_data_dirs ());

  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* The tests compare the English texts. */
  g_setenv ("LANGUAGE", "C", TRUE);
  adw_init ();
}

void
cascade_ui_test_use_system_data (void)
{
  guint n = g_strv_length (system_data_dirs);
  g_autofree char **icon_dirs = g_new0 (char *, n + 1);
  g_autofree char **mime_dirs = g_new0 (char *, n + 1);
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());

  for (guint i = 0; i < n; i++)
    {
      icon_dirs[i] = g_build_filename (system_data_dirs[i], "icons", NULL);
      mime_dirs[i] = g_build_filename (system_data_dirs[i], "mime", NULL);
    }

  g_content_type_set_mime_dirs ((const char *const *) mime_dirs);
  gtk_icon_theme_set_search_path (theme, (const char *const *) icon_dirs);

  for (guint i = 0; i < n; i++)
    {
      g_free (icon_dirs[i]);
      g_free (mime_dirs[i]);
    }
}

gboolean
cascade_ui_test_set_flag (gpointer flag)
{
  *(gboolean *) flag = TRUE;
  return G_SOURCE_REMOVE;
}

gpointer
cascade_ui_test_child (gpointer widget, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (GTK_WIDGET (widget), type, name);

  g_assert_nonnull (child);
  return child;
}

CascadeStreamCard *
cascade_ui_test_first_card (CascadeLivePage *page)
{
  GtkWidget *grid = cascade_ui_test_child (page, CASCADE_TYPE_LIVE_PAGE, "grid");

  for (GtkWidget *child = gtk_widget_get_first_child (grid); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *card = gtk_widget_get_first_child (child);

      if (card != NULL && CASCADE_IS_STREAM_CARD (card) &&
          cascade_stream_card_get_stream (CASCADE_STREAM_CARD (card)) != NULL)
        return CASCADE_STREAM_CARD (card);
    }
  return NULL;
}
