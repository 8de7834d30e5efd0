/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-live-page.h"
#include "cascade-stream-card.h"

G_BEGIN_DECLS

/* g_test_init with isolated dirs, English texts, and libadwaita. */
void cascade_ui_test_init (int *argc, char ***argv);

/* G_TEST_OPTION_ISOLATE_DIRS also hides the system data dirs, where the
 * shared-mime-info database (GTK needs it to load SVG icons) and the icon
 * themes live: give both back to GIO and GTK. Call it at the start of each test. */
void cascade_ui_test_use_system_data (void);

gboolean cascade_ui_test_set_flag (gpointer flag);

/* @widget's template child @name (of its class @type); fails the test if none. */
gpointer cascade_ui_test_child (gpointer widget, GType type, const char *name);

/* The Live page's first card showing a stream, or NULL. */
CascadeStreamCard *cascade_ui_test_first_card (CascadeLivePage *page);

/* Spins the main loop until @cond holds; 30 s without it fails the test. */
#define CASCADE_UI_TEST_WAIT_FOR(cond)                                                             \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gboolean timed_out_ = FALSE;                                                                   \
    guint timeout_id_ = g_timeout_add_seconds (30, cascade_ui_test_set_flag, &timed_out_);         \
    while (!(cond) && !timed_out_)                                                                 \
      g_main_context_iteration (NULL, TRUE);                                                       \
    if (timed_out_)                                                                                \
      g_error ("Timed out waiting for %s", #cond);                                                 \
    g_source_remove (timeout_id_);                                                                 \
  }                                                                                                \
  G_STMT_END

G_END_DECLS
