/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_PREFERENCES_WINDOW (cascade_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (CascadePreferencesWindow,
                      cascade_preferences_window,
                      CASCADE,
                      PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

CascadePreferencesWindow *cascade_preferences_window_new (GtkWindow *parent, GSettings *settings);

G_END_DECLS
