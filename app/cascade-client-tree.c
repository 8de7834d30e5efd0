/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "cascade-app-private.h"
#include "cascade-client-private.h"
#include "cascade-client.h"

/* CascadeClient's call for the cascade of a live stream (docs/api.md,
 * "GET /api/v1/streams/{id}/tree"). */

static gpointer
parse_tree (JsonObject *root, GError **error)
{
  return cascade_stream_tree_new_from_json (root, error);
}

/**
 * cascade_client_get_stream_tree_async:
 * @id: a live stream of one's own (or any, for moderators and admins)
 *
 * Fetches the stream's tree: errors "forbidden" for someone else's stream,
 * "not_found" for one that is not live.
 */
void
cascade_client_get_stream_tree_async (CascadeClient *self,
                                      const char *id,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  path = _cascade_client_path ("/api/v1/streams/", id, "/tree");
  _cascade_client_call (self, cascade_client_get_stream_tree_async, SOUP_METHOD_GET, path, NULL,
                        TRUE, parse_tree, g_object_unref, cancellable, callback, user_data);
}

/* Returns: (transfer full): the tree */
CascadeStreamTree *
cascade_client_get_stream_tree_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_get_stream_tree_async,
                                            error);
}
