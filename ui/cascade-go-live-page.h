/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-paintable.h"
#include "cascade-session.h"
#include "cascade-stream.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_GO_LIVE_PAGE (cascade_go_live_page_get_type ())

G_DECLARE_FINAL_TYPE (CascadeGoLivePage, cascade_go_live_page, CASCADE, GO_LIVE_PAGE, AdwBin)

/* Where the Go Live page is. */
typedef enum
{
  CASCADE_GO_LIVE_STATE_IDLE,
  CASCADE_GO_LIVE_STATE_STARTING,
  CASCADE_GO_LIVE_STATE_LIVE,
  CASCADE_GO_LIVE_STATE_STOPPING,
} CascadeGoLiveState;

/* The sources the page offers, in the order of its source row. */
typedef enum
{
  CASCADE_GO_LIVE_SOURCE_TEST_PATTERN,
  CASCADE_GO_LIVE_SOURCE_SCREEN,
} CascadeGoLiveSource;

void cascade_go_live_page_set_session (CascadeGoLivePage *self, CascadeSession *session);
void cascade_go_live_page_start (CascadeGoLivePage *self);
void cascade_go_live_page_stop (CascadeGoLivePage *self);
CascadeGoLiveState cascade_go_live_page_get_state (CascadeGoLivePage *self);
CascadeStream *cascade_go_live_page_get_stream (CascadeGoLivePage *self);
CascadePaintable *cascade_go_live_page_get_preview (CascadeGoLivePage *self);
guint cascade_go_live_page_get_viewers (CascadeGoLivePage *self);
double cascade_go_live_page_get_frames_per_second (CascadeGoLivePage *self);

G_END_DECLS
