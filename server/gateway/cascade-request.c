/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-request.h"

#include <sodium.h>

#include "cascade-json-validate.h"

struct _CascadeRequest
{
  char *method;
  char *path;
  char *authorization;
  char *content_type;
  char *charset;
  GByteArray *body;
  GHashTable *query; /* decoded name → value, or NULL */
  char **segments;   /* the path split at "/" */
  char *client_address;
  char *user_agent;
  JsonNode *json;
  CascadePrincipal principal;
};

/**
 * cascade_request_new:
 * @authorization: (nullable): the Authorization header
 * @content_type: (nullable): the media type of the body, without parameters
 * @charset: (nullable): its charset parameter
 * @body: (transfer full) (nullable): the body
 */
CascadeRequest *
cascade_request_new (const char *method,
                     const char *path,
                     const char *authorization,
                     const char *content_type,
                     const char *charset,
                     GByteArray *body)
{
  CascadeRequest *self = g_new0 (CascadeRequest, 1);

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self->method = g_strdup (method);
  self->path = g_strdup (path);
  self->authorization = g_strdup (authorization);
  self->content_type = g_strdup (content_type);
  self->charset = g_strdup (charset);
  self->body = body != NULL ? body : g_byte_array_new ();
  self->segments = g_strsplit (path[0] == '/' ? path + 1 : path, "/", -1);
  return self;
}

/* The media type of the body, without parameters (nullable). */
const char *
cascade_request_get_content_type (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->content_type;
}

/* @query: (nullable): the raw query string of the URI, without "?" */
void
cascade_request_set_query (CascadeRequest *self, const char *query)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->query, g_hash_table_unref);
  if (query != NULL)
    self->query = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
}

/* A decoded query parameter, or %NULL when absent. */
const char *
cascade_request_get_query_param (CascadeRequest *self, const char *name)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return self->query != NULL ? g_hash_table_lookup (self->query, name) : NULL;
}

/* Who sent the request: the peer's address and the User-Agent header (each
 * may be %NULL), for the sessions a user sees. */
void
cascade_request_set_client (CascadeRequest *self, const char *address, const char *user_agent)
{
  g_return_if_fail (self != NULL);

  g_free (self->client_address);
  self->client_address = g_strdup (address);
  g_free (self->user_agent);
  self->user_agent = g_strdup (user_agent);
}

const char *
cascade_request_get_client_address (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->client_address;
}

const char *
cascade_request_get_user_agent (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->user_agent;
}

/* The path's segment @index
 (0 is the one after the first "/"), or %NULL:
 * how handlers of "/api/v1/streams/{id}" read the id. */
const char *
cascade_request_get_path_segment (CascadeRequest *self, guint index)
{
  g_return_val_if_fail (self != NULL, NULL);

  return index < g_strv_length (self->segments) ? self->segments[index] : NULL;
}

/* The body and the Authorization header may hold passwords and tokens: they
 * are wiped, not just freed. */
void
cascade_request_free (CascadeRequest *self)
{
  if (self == NULL)
    return;
  if (self->authorization != NULL)
    sodium_memzero (self->authorization, strlen (self->authorization));
  if (self->body->len > 0)
    sodium_memzero (self->body->data, self->body->len);
  cascade_json_wipe_strings (self->json);
  g_clear_pointer (&self->json, json_node_unref);
  g_byte_array_unref (self->body);
  cascade_principal_clear (&self->principal);
  g_free (self->method);
  g_free (self->path);
  g_free (self->authorization);
  g_free (self->content_type);
  g_free (self->charset);
  g_free (self->client_address);
  g_free (self->user_agent);
  g_clear_pointer (&self->query, g_hash_table_unref);
  g_strfreev (self->segments);
  g_free (self);
}

const char *
cascade_request_get_method (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->method;
}

const char *
cascade_request_get_path (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->path;
}

const char *
cascade_request_get_authorization (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->authorization;
}

/* application/json, with no charset or charset=utf-8 */
gboolean
cascade_request_has_json_content_type (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->content_type != NULL &&
         g_ascii_strcasecmp (self->content_type, "application/json") == 0 &&
         (self->charset == NULL || g_ascii_strcasecmp (self->charset, "utf-8") == 0);
}

const guint8 *
cascade_request_get_body_data (CascadeRequest *self, gsize *length)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (length != NULL, NULL);

  *length = self->body->len;
  return self->body->data;
}

/* Sets the validated body (transfer full). */
void
cascade_request_take_json (CascadeRequest *self, JsonNode *object)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (JSON_NODE_HOLDS_OBJECT (object));

  cascade_json_wipe_strings (self->json);
  g_clear_pointer (&self->json, json_node_unref);
  self->json = object;
}

/* The validated body, or %NULL for a route without one. */
JsonObject *
cascade_request_get_json (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->json != NULL ? json_node_get_object (self->json) : NULL;
}

/* A string member of the validated body, or %NULL if absent or null. */
const char *
cascade_request_get_string (CascadeRequest *self, const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (member != NULL, NULL);

  if (self->json == NULL)
    return NULL;
  node = json_object_get_member (json_node_get_object (self->json), member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Filled in by the gateway's authentication before an authenticated route
 * runs; empty (all %NULL) for a public one. */
CascadePrincipal *
cascade_request_get_principal (CascadeRequest *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->principal;
}
