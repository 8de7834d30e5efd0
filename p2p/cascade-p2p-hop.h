/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * The one way a GStreamer or webrtcbin thread reaches the engine's objects:
 * everything those threads learn is copied into @data and handed to @func on
 * @context (the context the object was created in). @func runs only while
 * @object is alive; @destroy frees @data either way.
 */
typedef void (*CascadeP2pHopFunc) (GObject *object, gpointer data);

void cascade_p2p_hop (GMainContext *context,
                      GObject *object,
                      CascadeP2pHopFunc func,
                      gpointer data,
                      GDestroyNotify destroy);

G_END_DECLS
