/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libportal/portal.h>

#include "cascade-p2p-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_SCREENCAST (cascade_screencast_get_type ())
G_DECLARE_FINAL_TYPE (CascadeScreencast, cascade_screencast, CASCADE, SCREENCAST, GObject)

/*
 * A screen or window chosen through the ScreenCast portal. Starting it asks
 * the user (or, with the restore token of an earlier choice, remembers it)
 * and yields a PipeWire remote fd and node id for
 * cascade_publisher_set_source_pipewire(). Keep the object alive while
 * streaming: disposing it closes the portal session.
 */

CascadeScreencast *cascade_screencast_new (void);

void cascade_screencast_start_async (CascadeScreencast *self,
                                     XdpParent *parent,
                                     const char *restore_token,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
cascade_screencast_start_finish (CascadeScreencast *self, GAsyncResult *result, GError **error);

/* After a successful start: the fd is owned by the caller once stolen. */
int cascade_screencast_steal_fd (CascadeScreencast *self);
guint32 cascade_screencast_get_node_id (CascadeScreencast *self);
/* The token to pass next time so the choice is remembered; NULL when none. */
const char *cascade_screencast_get_restore_token (CascadeScreencast *self);
void cascade_screencast_stop (CascadeScreencast *self);

G_END_DECLS
