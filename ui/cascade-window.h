/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-app-types.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_WINDOW (cascade_window_get_type ())

G_DECLARE_FINAL_TYPE (CascadeWindow, cascade_window, CASCADE, WINDOW, AdwApplicationWindow)

CascadeWindow *cascade_window_new (CascadeApplication *application, CascadeSession *session);
CascadeSession *cascade_window_get_session (CascadeWindow *self);
void cascade_window_add_toast (CascadeWindow *self, AdwToast *toast);
gboolean cascade_window_is_closing (CascadeWindow *self);

G_END_DECLS
