/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-paintable.h"
#include "cascade-session.h"
#include "cascade-stream.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_WATCH_PAGE (cascade_watch_page_get_type ())

G_DECLARE_FINAL_TYPE (CascadeWatchPage, cascade_watch_page, CASCADE, WATCH_PAGE, AdwBin)

/* What the Watch page tells the person about the connection. */
typedef enum
{
  CASCADE_WATCH_STATE_IDLE,
  CASCADE_WATCH_STATE_CONNECTING,
  CASCADE_WATCH_STATE_PLAYING,
  CASCADE_WATCH_STATE_RECONNECTING,
  CASCADE_WATCH_STATE_ENDED,
} CascadeWatchState;

void cascade_watch_page_set_session (CascadeWatchPage *self, CascadeSession *session);
void cascade_watch_page_watch (CascadeWatchPage *self, CascadeStream *stream);
void cascade_watch_page_stop (CascadeWatchPage *self);
gboolean cascade_watch_page_is_handing_over (CascadeWatchPage *self);
CascadeStream *cascade_watch_page_get_stream (CascadeWatchPage *self);
CascadeWatchState cascade_watch_page_get_state (CascadeWatchPage *self);
CascadePaintable *cascade_watch_page_get_paintable (CascadeWatchPage *self);

G_END_DECLS
