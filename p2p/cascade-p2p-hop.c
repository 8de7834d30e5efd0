/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-p2p-hop.h"

typedef struct
{
  GWeakRef object;
  CascadeP2pHopFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Hop;

static void
hop_free (gpointer user_data)
{
  Hop *hop = user_data;

  g_weak_ref_clear (&hop->object);
  if (hop->destroy != NULL)
    hop->destroy (hop->data);
  g_free (hop);
}

static gboolean
hop_run (gpointer user_data)
{
  Hop *hop = user_data;
  g_autoptr (GObject) object = g_weak_ref_get (&hop->object);

  if (object != NULL)
    hop->func (object, hop->data);
  return G_SOURCE_REMOVE;
}

void
cascade_p2p_hop (GMainContext *context,
                 GObject *object,
                 CascadeP2pHopFunc func,
                 gpointer data,
                 GDestroyNotify destroy)
{
  Hop *hop;
  g_autoptr (GSource) source = NULL;

  g_return_if_fail (G_IS_OBJECT (object));
  g_return_if_fail (func != NULL);

  hop = g_new0 (Hop, 1);
  g_weak_ref_init (&hop->object, object);
  hop->func = func;
  hop->data = data;
  hop->destroy = destroy;

  /* Always queue, even when already on @context: callers hold GStreamer locks. */
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, hop_run, hop, hop_free);
  g_source_set_static_name (source, "[cascade-p2p] hop");
  g_source_attach (source, context);
}
