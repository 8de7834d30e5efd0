/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sodium.h>

#include "cascade-app-private.h"
#include "cascade-json.h"

static const char *
type_name (CascadeJsonType type)
{
  switch (type)
    {
      case CASCADE_JSON_STRING:
        return "a string";
      case CASCADE_JSON_INT:
        return "an integer";
      case CASCADE_JSON_OBJECT:
        return "an object";
      case CASCADE_JSON_BOOLEAN:
        return "true or false";
      case CASCADE_JSON_ARRAY:
        return "an array";
      default:
        g_assert_not_reached ();
    }
}

static gboolean
has_type (JsonNode *node, CascadeJsonType type)
{
  switch (type)
    {
      case CASCADE_JSON_STRING:
        return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
      case CASCADE_JSON_INT:
        return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
      case CASCADE_JSON_OBJECT:
        return JSON_NODE_HOLDS_OBJECT (node);
      case CASCADE_JSON_BOOLEAN:
        return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
      case CASCADE_JSON_ARRAY:
        return JSON_NODE_HOLDS_ARRAY (node);
      default:
        g_assert_not_reached ();
    }
}

gboolean
cascade_json_check (JsonObject *object,
                    const CascadeJsonMember *members,
                    gsize n_members,
                    GError **error)
{
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (members != NULL || n_members == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (gsize i = 0; i < n_members; i++)
    {
      JsonNode *node = json_object_get_member (object, members[i].name);
      g_autofree char *message = NULL;

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        {
          if (!members[i].required)
            continue;
          message = g_strdup_printf ("“%s” is missing", members[i].name);
        }
      else if (!has_type (node, members[i].type))
        message = g_strdup_printf ("“%s” is not %s", members[i].name, type_name (members[i].type));
      else
        continue;

      g_propagate_error (
        error, _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL, message));
      return FALSE;
    }
  return TRUE;
}

const char *
cascade_json_get_string (JsonObject *object, const char *name)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, NULL);

  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

void
cascade_json_wipe_string (JsonObject *object, const char *name)
{
  /* The parser's copy is the only other one in our memory: overwrite it in
   * place before the tree is freed. */
  char *value = (char *) cascade_json_get_string (object, name);

  if (value != NULL)
    sodium_memzero (value, strlen (value));
}

/* Bytes needed for s as a JSON string, quotes included. */
static gsize
escaped_length (const char *s)
{
  gsize len = 2;

  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\' || *p == '\n' || *p == '\r' || *p == '\t' || *p == '\b' ||
          *p == '\f')
        len += 2;
      else if (*p < 0x20)
        len += 6;
      else
        len += 1;
    }
  return len;
}

static char *
write_escaped (char *out, const char *s)
{
  static const char hex[] = "0123456789abcdef";

  *out++ = '"';
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      switch (*p)
        {
          case '"':
          case '\\':
            *out++ = '\\';
            *out++ = (char) *p;
            break;
          case '\n':
            *out++ = '\\';
            *out++ = 'n';
            break;
          case '\r':
            *out++ = '\\';
            *out++ = 'r';
            break;
          case '\t':
            *out++ = '\\';
            *out++ = 't';
            break;
          case '\b':
            *out++ = '\\';
            *out++ = 'b';
            break;
          case '\f':
            *out++ = '\\';
            *out++ = 'f';
            break;
          default:
            if (*p < 0x20)
              {
                memcpy (out, "\\u00", 4);
                out += 4;
                *out++ = hex[*p >> 4];
                *out++ = hex[*p & 0xf];
              }
            else
              *out++ = (char) *p;
            break;
        }
    }
  *out++ = '"';
  return out;
}

static void
wipe_and_free (gpointer data)
{
  _cascade_secret_free (data);
}

GBytes *
cascade_json_object_bytes_new (const char *const *keys, const char *const *values, gsize n_members)
{
  gsize len = 2; /* {} */
  gsize written = 0;
  char *buffer;
  char *out;

  for (gsize i = 0; i < n_members; i++)
    {
      if (values[i] == NULL)
        continue;
      g_return_val_if_fail (g_utf8_validate (keys[i], -1, NULL), NULL);
      g_return_val_if_fail (g_utf8_validate (values[i], -1, NULL), NULL);
      len += escaped_length (keys[i]) + 1 + escaped_length (values[i]) + (written++ > 0 ? 1 : 0);
    }

  /* One allocation, never grown, so no stray copy is left behind. */
  buffer = g_malloc (len + 1);
  out = buffer;
  *out++ = '{';
  written = 0;
  for (gsize i = 0; i < n_members; i++)
    {
      if (values[i] == NULL)
        continue;
      if (written++ > 0)
        *out++ = ',';
      out = write_escaped (out, keys[i]);
      *out++ = ':';
      out = write_escaped (out, values[i]);
    }
  *out++ = '}';
  *out = '\0';
  g_assert ((gsize) (out - buffer) == len);

  return g_bytes_new_with_free_func (buffer, len, wipe_and_free, buffer);
}
