/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "cascade-client-private.h"
#include "cascade-client.h"
#include "cascade-json.h"

/*
 * CascadeClient's chat moderation calls over REST (docs/api.md, "Chat",
 * REST): a channel's moderation log, blocked terms and moderators, and the
 * caller's chat name colour. Errors are CASCADE_CLIENT_ERRORs carrying the
 * server's code.
 */

static char *
chat_path (const char *channel, const char *suffix)
{
  g_autofree char *chat_suffix = g_strconcat ("/chat", suffix, NULL);

  return _cascade_client_path ("/api/v1/channels/", channel, chat_suffix);
}

static gpointer
parse_object (JsonObject *root, GError **error)
{
  return json_object_ref (root);
}

static GBytes *
json_bytes (JsonObject *object)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);
  gsize length;
  char *text = json_to_string (node, FALSE);

  length = strlen (text);
  return g_bytes_new_take (text, length);
}

/* One call answered by a JSON object: finish with object_finish() and the
 * same tag. @body (nullable) is taken. */
static void
object_call (CascadeClient *self,
             gpointer source_tag,
             const char *method,
             const char *path,
             GBytes *body,
             GCancellable *cancellable,
             GAsyncReadyCallback callback,
             gpointer user_data)
{
  _cascade_client_call (self, source_tag, method, path, body, TRUE, parse_object,
                        (GDestroyNotify) json_object_unref, cancellable, callback, user_data);
}

/* The answer's object checked against @members, or NULL. */
static JsonObject *
object_finish (CascadeClient *self,
               GAsyncResult *result,
               gpointer source_tag,
               const CascadeJsonMember *members,
               gsize n_members,
               GError **error)
{
  g_autoptr (JsonObject) object =
    _cascade_client_propagate_pointer (self, result, source_tag, error);

  if (object == NULL || !cascade_json_check (object, members, n_members, error))
    return NULL;
  return g_steal_pointer (&object);
}

/* ---- moderation log ------------------------------------------------------ */

/**
 * cascade_client_get_mod_log_async:
 * @cursor: (nullable): a next_cursor of an earlier page, or NULL for the newest
 *
 * The moderation log of @channel, newest first (the channel's moderators).
 */
void
cascade_client_get_mod_log_async (CascadeClient *self,
                                  const char *channel,
                                  const char *cursor,
                                  guint limit,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autofree char *suffix = NULL;
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (channel != NULL);
  g_return_if_fail (limit >= 1 && limit <= 100);

  escaped = cursor != NULL ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
  suffix = escaped != NULL ? g_strdup_printf ("/log?limit=%u&cursor=%s", limit, escaped)
                           : g_strdup_printf ("/log?limit=%u", limit);
  path = chat_path (channel, suffix);
  object_call (self, cascade_client_get_mod_log_async, SOUP_METHOD_GET, path, NULL, cancellable,
               callback, user_data);
}

static const CascadeJsonMember page_members[] = {
  { "items", CASCADE_JSON_ARRAY, TRUE },
  { "next_cursor", CASCADE_JSON_STRING, FALSE },
};

/**
 * cascade_client_get_mod_log_finish:
 * @out_next_cursor: (out) (optional): the cursor of the next (older) page,
 *   or NULL at the end
 *
 * Returns: (transfer full) (element-type JsonObject): the ModActions
 */
JsonArray *
cascade_client_get_mod_log_finish (CascadeClient *self,
                                   GAsyncResult *result,
                                   char **out_next_cursor,
                                   GError **error)
{
  g_autoptr (JsonObject) page = object_finish (self, result, cascade_client_get_mod_log_async,
                                               page_members, G_N_ELEMENTS (page_members), error);

  if (page == NULL)
    return NULL;
  if (out_next_cursor != NULL)
    *out_next_cursor = g_strdup (cascade_json_get_string (page, "next_cursor"));
  return json_array_ref (json_object_get_array_member (page, "items"));
}

/* ---- blocked terms --------------------------------------------------------- */

static const CascadeJsonMember terms_members[] = {
  { "terms", CASCADE_JSON_ARRAY, TRUE },
};

/**
 * cascade_client_blocked_terms_async:
 * @terms: (nullable): the new list, or NULL to read it
 *
 * Reads (GET) or replaces (PUT) @channel's blocked terms.
 */
void
cascade_client_blocked_terms_async (CascadeClient *self,
                                    const char *channel,
                                    const char *const *terms,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autofree char *path = NULL;
  GBytes *body = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (channel != NULL);

  path = chat_path (channel, "/blocked-terms");
  if (terms != NULL)
    {
      g_autoptr (JsonObject) object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; terms[i] != NULL; i++)
        json_array_add_string_element (array, terms[i]);
      json_object_set_array_member (object, "terms", array);
      body = json_bytes (object);
    }
  object_call (self, cascade_client_blocked_terms_async,
               terms != NULL ? SOUP_METHOD_PUT : SOUP_METHOD_GET, path, body, cancellable, callback,
               user_data);
}

/* Returns: (transfer full): the channel's blocked terms now */
GStrv
cascade_client_blocked_terms_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr (JsonObject) object =
    object_finish (self, result, cascade_client_blocked_terms_async, terms_members,
                   G_N_ELEMENTS (terms_members), error);
  g_autoptr (GStrvBuilder) builder = NULL;
  JsonArray *terms;

  if (object == NULL)
    return NULL;
  terms = json_object_get_array_member (object, "terms");
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (terms); i++)
    {
      JsonNode *node = json_array_get_element (terms, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (node));
    }
  return g_strv_builder_end (builder);
}

/* ---- moderators ------------------------------------------------------------ */

void
cascade_client_list_moderators_async (CascadeClient *self,
                                      const char *channel,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (channel != NULL);

  path = chat_path (channel, "/moderators");
  object_call (self, cascade_client_list_moderators_async, SOUP_METHOD_GET, path, NULL, cancellable,
               callback, user_data);
}

/* Returns: (transfer full) (element-type JsonObject): {"username", "display_name"} each */
JsonArray *
cascade_client_list_moderators_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  g_autoptr (JsonObject) object = object_finish (self, result, cascade_client_list_moderators_async,
                                                 page_members, G_N_ELEMENTS (page_members), error);

  return object != NULL ? json_array_ref (json_object_get_array_member (object, "items")) : NULL;
}

/* Appoints (@add) or removes @username as a moderator of @channel (the streamer). */
void
cascade_client_set_moderator_async (CascadeClient *self,
                                    const char *channel,
                                    const char *username,
                                    gboolean add,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (channel != NULL && username != NULL);

  path = _cascade_client_path ("/api/v1/channels/", channel, NULL);
  {
    g_autofree char *escaped = g_uri_escape_string (username, NULL, FALSE);
    g_autofree char *full = g_strconcat (path, "/chat/moderators/", escaped, NULL);

    _cascade_client_call (self, cascade_client_set_moderator_async,
                          add ? SOUP_METHOD_PUT : SOUP_METHOD_DELETE, full, NULL, TRUE, NULL, NULL,
                          cancellable, callback, user_data);
  }
}

gboolean
cascade_client_set_moderator_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_set_moderator_async,
                                            error);
}

/* ---- chat colour ------------------------------------------------------------ */

static const CascadeJsonMember color_members[] = {
  { "color", CASCADE_JSON_STRING, FALSE },
  { "palette", CASCADE_JSON_ARRAY, TRUE },
};

/**
 * cascade_client_chat_color_async:
 * @set: whether to set the colour (else read it)
 * @color: (nullable): with @set, "#rrggbb" from the palette, or NULL for
 *   the default one (from the username)
 *
 * Reads (GET) or sets (PUT) the signed-in user's chat name colour.
 */
void
cascade_client_chat_color_async (CascadeClient *self,
                                 gboolean set,
                                 const char *color,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  GBytes *body = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));

  if (set)
    {
      g_autoptr (JsonObject) object = json_object_new ();

      if (color != NULL)
        json_object_set_string_member (object, "color", color);
      else
        json_object_set_null_member (object, "color");
      body = json_bytes (object);
    }
  object_call (self, cascade_client_chat_color_async, set ? SOUP_METHOD_PUT : SOUP_METHOD_GET,
               "/api/v1/me/chat-color", body, cancellable, callback, user_data);
}

/**
 * cascade_client_chat_color_finish:
 * @out_palette: (out) (optional): the colours one may choose
 *
 * Returns: (transfer full) (nullable): the chosen colour, or NULL for the
 *   default one (also on error: see @error)
 */
char *
cascade_client_chat_color_finish (CascadeClient *self,
                                  GAsyncResult *result,
                                  GStrv *out_palette,
                                  GError **error)
{
  g_autoptr (JsonObject) object =
    object_finish (self, result, cascade_client_chat_color_async, color_members,
                   G_N_ELEMENTS (color_members), error);
  JsonArray *palette;

  if (object == NULL)
    return NULL;
  palette = json_object_get_array_member (object, "palette");
  if (out_palette != NULL)
    {
      g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; i < json_array_get_length (palette); i++)
        {
          JsonNode *node = json_array_get_element (palette, i);

          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (node));
        }
      *out_palette = g_strv_builder_end (builder);
    }
  return g_strdup (cascade_json_get_string (object, "color"));
}
