/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"
#include "cascade-user.h"

G_BEGIN_DECLS

/* A CASCADE_CLIENT_ERROR carrying the server's snake_case code and the request
 * member it names (both nullable). */
GError *_cascade_client_error_new (CascadeClientError code,
                                   const char *server_code,
                                   const char *field,
                                   const char *message);

/* Wipes a NUL-terminated secret (token, password) and frees it; NULL is fine. */
void _cascade_secret_free (char *secret);

static inline void
_cascade_clear_secret (char **secret)
{
  _cascade_secret_free (g_steal_pointer (secret));
}

/* A GTask tagged with the public function that started it. */
static inline GTask *
_cascade_task_new (gpointer source_object,
                   gpointer source_tag,
                   GCancellable *cancellable,
                   GAsyncReadyCallback callback,
                   gpointer user_data)
{
  GTask *task = g_task_new (source_object, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* A copy of the client's access token (wipe it with _cascade_secret_free),
 * for the realtime connection. */
char *_cascade_client_dup_access_token (CascadeClient *self);

/* Same id, username, display name, email, role and flags. */
gboolean _cascade_user_equal (CascadeUser *a, CascadeUser *b);

G_END_DECLS
