/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-app-types.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_APPLICATION (cascade_application_get_type ())

G_DECLARE_FINAL_TYPE (CascadeApplication, cascade_application, CASCADE, APPLICATION, AdwApplication)

CascadeApplication *cascade_application_new (void);
GSettings *cascade_application_get_settings (CascadeApplication *self);
CascadeSession *cascade_application_get_session (CascadeApplication *self);

G_END_DECLS
