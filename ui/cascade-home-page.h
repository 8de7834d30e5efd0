/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-app-types.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_HOME_PAGE (cascade_home_page_get_type ())

G_DECLARE_FINAL_TYPE (CascadeHomePage, cascade_home_page, CASCADE, HOME_PAGE, AdwBin)

CascadeSession *cascade_home_page_get_session (CascadeHomePage *self);
void cascade_home_page_set_session (CascadeHomePage *self, CascadeSession *session);

G_END_DECLS
