/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-session.h"
#include "cascade-stream.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_LIVE_PAGE (cascade_live_page_get_type ())

G_DECLARE_FINAL_TYPE (CascadeLivePage, cascade_live_page, CASCADE, LIVE_PAGE, AdwBin)

void cascade_live_page_set_session (CascadeLivePage *self, CascadeSession *session);
void cascade_live_page_refresh (CascadeLivePage *self);
GListModel *cascade_live_page_get_streams (CascadeLivePage *self);
gboolean cascade_live_page_get_loading (CascadeLivePage *self);

G_END_DECLS
