/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <unistd.h>

#include "cascade-screencast.h"

struct _CascadeScreencast
{
  GObject parent_instance;

  XdpPortal *portal;
  XdpSession *session;
  int fd;
  guint32 node_id;
  char *restore_token;
};

G_DEFINE_FINAL_TYPE (CascadeScreencast, cascade_screencast, G_TYPE_OBJECT)

static void
cascade_screencast_dispose (GObject *object)
{
  CascadeScreencast *self = CASCADE_SCREENCAST (object);

  cascade_screencast_stop (self);
  g_clear_object (&self->portal);
  G_OBJECT_CLASS (cascade_screencast_parent_class)->dispose (object);
}

static void
cascade_screencast_finalize (GObject *object)
{
  CascadeScreencast *self = CASCADE_SCREENCAST (object);

  g_free (self->restore_token);
  G_OBJECT_CLASS (cascade_screencast_parent_class)->finalize (object);
}

static void
cascade_screencast_class_init (CascadeScreencastClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_screencast_dispose;
  object_class->finalize = cascade_screencast_finalize;
}

static void
cascade_screencast_init (CascadeScreencast *self)
{
  self->fd = -1;
}

CascadeScreencast *
cascade_screencast_new (void)
{
  return g_object_new (CASCADE_TYPE_SCREENCAST, NULL);
}

static void
portal_failed (GTask *task, GError *error)
{
  g_task_return_new_error (task, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_PORTAL,
                           "Screen sharing was not started: %s", error->message);
}

static void
session_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeScreencast *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) streams = NULL;
  g_autoptr (GVariant) properties = NULL;
  GVariantIter iter;
  guint32 node_id;

  if (!xdp_session_start_finish (XDP_SESSION (source), result, &error))
    {
      portal_failed (task, error);
      return;
    }
  streams = xdp_session_get_streams (self->session);
  g_variant_iter_init (&iter, streams);
  if (streams == NULL || !g_variant_iter_next (&iter, "(u@a{sv})", &node_id, &properties))
    {
      g_task_return_new_error (task, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_PORTAL,
                               "No screen or window was chosen");
      return;
    }
  self->fd = xdp_session_open_pipewire_remote (self->session);
  if (self->fd < 0)
    {
      g_task_return_new_error (task, CASCADE_P2P_ERROR, CASCADE_P2P_ERROR_PORTAL,
                               "The portal gave no PipeWire connection");
      return;
    }
  self->node_id = node_id;
  g_free (self->restore_token);
  self->restore_token = xdp_session_get_restore_token (self->session);
  g_task_return_boolean (task, TRUE);
}

static void
session_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeScreencast *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  XdpParent *parent = g_task_get_task_data (task);

  self->session = xdp_portal_create_screencast_session_finish (XDP_PORTAL (source), result, &error);
  if (self->session == NULL)
    {
      portal_failed (task, error);
      return;
    }
  xdp_session_start (self->session, parent, g_task_get_cancellable (task), session_started,
                     g_object_ref (task));
}

void
cascade_screencast_start_async (CascadeScreencast *self,
                                XdpParent *parent,
                                const char *restore_token,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (CASCADE_IS_SCREENCAST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cascade_screencast_start_async);
  g_task_set_task_data (task, parent, NULL);

  cascade_screencast_stop (self);
  if (self->portal == NULL)
    self->portal = xdp_portal_new ();
  xdp_portal_create_screencast_session (self->portal, XDP_OUTPUT_MONITOR | XDP_OUTPUT_WINDOW,
                                        XDP_SCREENCAST_FLAG_NONE, XDP_CURSOR_MODE_EMBEDDED,
                                        XDP_PERSIST_MODE_PERSISTENT, restore_token, cancellable,
                                        session_created, g_steal_pointer (&task));
}

gboolean
cascade_screencast_start_finish (CascadeScreencast *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

int
cascade_screencast_steal_fd (CascadeScreencast *self)
{
  int fd;

  g_return_val_if_fail (CASCADE_IS_SCREENCAST (self), -1);
  fd = self->fd;
  self->fd = -1;
  return fd;
}

guint32
cascade_screencast_get_node_id (CascadeScreencast *self)
{
  g_return_val_if_fail (CASCADE_IS_SCREENCAST (self), 0);
  return self->node_id;
}

const char *
cascade_screencast_get_restore_token (CascadeScreencast *self)
{
  g_return_val_if_fail (CASCADE_IS_SCREENCAST (self), NULL);
  return self->restore_token;
}

void
cascade_screencast_stop (CascadeScreencast *self)
{
  g_return_if_fail (CASCADE_IS_SCREENCAST (self));

  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }
  if (self->session != NULL)
    {
      xdp_session_close (self->session);
      g_clear_object (&self->session);
    }
}
