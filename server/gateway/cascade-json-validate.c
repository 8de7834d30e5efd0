/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-json-validate.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

/*
 * The one validation path for incoming JSON, shared by every route.
 *
 * First a strict RFC 8259 syntax check of our own: json-glib 1.6 accepts
 * comments and `var x =` prefixes, wraps integers that overflow 64 bits,
 * truncates strings at \u0000 and recurses without limit. Documents that pass
 * are parsed by json-glib, then checked member by member against a table.
 *
 * Everything here is a pure function of its input (no I/O, no globals) so a
 * fuzzer can drive it directly.
 */

typedef struct
{
  const guchar *start;
  const guchar *p;
  const guchar *end;
  const char *problem;
} Scan;

static gboolean scan_value (Scan *s, guint depth);

static gboolean
fail (Scan *s, const char *problem)
{
  if (s->problem == NULL)
    s->problem = problem;
  return FALSE;
}

static void
skip_space (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_literal (Scan *s, const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, word, len) != 0)
    return fail (s, "unexpected character");
  s->p += len;
  return TRUE;
}

static gboolean
scan_hex4 (Scan *s, guint *out)
{
  guint value = 0;

  if (s->end - s->p < 4)
    return fail (s, "truncated \\u escape");
  for (guint i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (s->p[i]);

      if (digit < 0)
        return fail (s, "bad \\u escape");
      value = value * 16 + (guint) digit;
    }
  s->p += 4;
  *out = value;
  return TRUE;
}

static gboolean
scan_unicode_escape (Scan *s)
{
  guint unit;
  guint low;

  if (!scan_hex4 (s, &unit))
    return FALSE;
  if (unit == 0)
    return fail (s, "\\u0000 is not allowed in strings");
  if (unit >= 0xDC00 && unit <= 0xDFFF)
    return fail (s, "lone low surrogate");
  if (unit < 0xD800 || unit > 0xDBFF)
    return TRUE;
  if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
    return fail (s, "lone high surrogate");
  s->p += 2;
  if (!scan_hex4 (s, &low))
    return FALSE;
  if (low < 0xDC00 || low > 0xDFFF)
    return fail (s, "lone high surrogate");
  return TRUE;
}

static gboolean
scan_string (Scan *s)
{
  s->p++; /* the opening quote */
  while (s->p < s->end)
    {
      guchar c = *s->p;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }
      if (c < 0x20)
        return fail (s, "control character in a string");
      s->p++;
      if (c != '\\')
        continue;
      if (s->p >= s->end)
        break;
      c = *s->p++;
      if (c == 'u')
        {
          if (!scan_unicode_escape (s))
            return FALSE;
        }
      else if (strchr ("\"\\/bfnrt", c) == NULL || c == '\0')
        return fail (s, "bad escape in a string");
    }
  return fail (s, "unterminated string");
}

static gboolean
scan_digits (Scan *s)
{
  const guchar *first = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > first || fail (s, "bad number");
}

/* json-glib would wrap big integers and turn big exponents into inf: refuse
 * numbers it cannot represent faithfully. */
static gboolean
number_in_range (const guchar *start, const guchar *end, gboolean is_integer)
{
  g_autofree char *text = g_strndup ((const char *) start, end - start);
  gint64 value;

  if (is_integer)
    return g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL);
  return isfinite (g_ascii_strtod (text, NULL));
}

static gboolean
scan_number (Scan *s)
{
  const guchar *start = s->p;
  gboolean is_integer = TRUE;

  if (*s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      is_integer = FALSE;
      if (!scan_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      is_integer = FALSE;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  if (!number_in_range (start, s->p, is_integer))
    return fail (s, "number out of range");
  return TRUE;
}

/* Scans the members of an object or the elements of an array, after the
 * opening bracket, up to and including the closing one. */
static gboolean
scan_container (Scan *s, guint depth, gboolean is_object)
{
  guchar close = is_object ? '}' : ']';

  if (depth >= CASCADE_JSON_MAX_DEPTH)
    return fail (s, "nested too deeply");
  s->p++;
  skip_space (s);
  if (s->p < s->end && *s->p == close)
    {
      s->p++;
      return TRUE;
    }
  for (;;)
    {
      if (is_object)
        {
          skip_space (s);
          if (s->p >= s->end || *s->p != '"')
            return fail (s, "expected a member name");
          if (!scan_string (s))
            return FALSE;
          skip_space (s);
          if (s->p >= s->end || *s->p != ':')
            return fail (s, "expected ':'");
          s->p++;
        }
      if (!scan_value (s, depth + 1))
        return FALSE;
      skip_space (s);
      if (s->p < s->end && *s->p == ',')
        {
          s->p++;
          continue;
        }
      if (s->p < s->end && *s->p == close)
        {
          s->p++;
          return TRUE;
        }
      return fail (s, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static gboolean
scan_value (Scan *s, guint depth)
{
  skip_space (s);
  if (s->p >= s->end)
    return fail (s, "unexpected end of input");
  switch (*s->p)
    {
      case '{':
        return scan_container (s, depth, TRUE);
      case '[':
        return scan_container (s, depth, FALSE);
      case '"':
        return scan_string (s);
      case 't':
        return scan_literal (s, "true");
      case 'f':
        return scan_literal (s, "false");
      case 'n':
        return scan_literal (s, "null");
      default:
        if (*s->p == '-' || g_ascii_isdigit (*s->p))
          return scan_number (s);
        return fail (s, "unexpected character");
    }
}

/**
 * cascade_json_check_syntax:
 * @data: (array length=length): the document, not NUL-terminated
 *
 * Checks that @data is one strict JSON value in UTF-8, nested at most
 * %CASCADE_JSON_MAX_DEPTH deep, without \u0000 or lone surrogates and with
 * numbers that fit a double (integers: 64 bits).
 *
 * Returns: %TRUE if so, else %FALSE with %CASCADE_SERVER_ERROR_MALFORMED_JSON
 */
gboolean
cascade_json_check_syntax (const char *data, gsize length, GError **error)
{
  Scan s = { (const guchar *) data, (const guchar *) data, (const guchar *) data + length, NULL };
  const char *bad_utf8 = NULL;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (length == 0)
    s.problem = "empty";
  else if (!g_utf8_validate_len (data, length, &bad_utf8))
    {
      s.problem = "not UTF-8";
      s.p = (const guchar *) bad_utf8;
    }
  else if (scan_value (&s, 0))
    {
      skip_space (&s);
      if (s.p == s.end)
        return TRUE;
      s.problem = "unexpected text after the JSON value";
    }
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MALFORMED_JSON,
               "The request body is not valid JSON: %s at byte %" G_GSIZE_FORMAT ".", s.problem,
               (gsize) (s.p - s.start));
  return FALSE;
}

/**
 * cascade_json_parse_object:
 *
 * Returns: (transfer full): the JSON object in @data, or %NULL with
 *   %CASCADE_SERVER_ERROR_MALFORMED_JSON
 */
JsonNode *
cascade_json_parse_object (const char *data, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (!cascade_json_check_syntax (data, length, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MALFORMED_JSON,
                   "The request body is not valid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MALFORMED_JSON,
                           "The request body must be a JSON object.");
      return NULL;
    }
  return json_node_ref (root);
}

static gboolean
has_type (JsonNode *node, CascadeJsonType type)
{
  GType value_type =
    JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  switch (type)
    {
      case CASCADE_JSON_STRING:
        return value_type == G_TYPE_STRING;
      case CASCADE_JSON_INTEGER:
        return value_type == G_TYPE_INT64;
      case CASCADE_JSON_NUMBER:
        return value_type == G_TYPE_INT64 || value_type == G_TYPE_DOUBLE;
      case CASCADE_JSON_BOOLEAN:
        return value_type == G_TYPE_BOOLEAN;
      case CASCADE_JSON_OBJECT:
        return JSON_NODE_HOLDS_OBJECT (node);
      case CASCADE_JSON_ARRAY:
        return JSON_NODE_HOLDS_ARRAY (node);
      default:
        g_assert_not_reached ();
    }
}

static const char *
type_phrase (CascadeJsonType type)
{
  switch (type)
    {
      case CASCADE_JSON_STRING:
        return "a string";
      case CASCADE_JSON_INTEGER:
        return "an integer";
      case CASCADE_JSON_NUMBER:
        return "a number";
      case CASCADE_JSON_BOOLEAN:
        return "true or false";
      case CASCADE_JSON_OBJECT:
        return "an object";
      case CASCADE_JSON_ARRAY:
        return "an array";
      default:
        g_assert_not_reached ();
    }
}

/**
 * cascade_json_validate_object:
 * @members: the expected members, ending with { NULL }
 * @out_field: (out) (optional): on error, the member at fault (points into
 *   @members)
 *
 * A member that is absent or null counts as missing. Members not in the
 * table are ignored.
 *
 * Returns: %TRUE if @object matches, else %FALSE with
 *   %CASCADE_SERVER_ERROR_MISSING_FIELD or %CASCADE_SERVER_ERROR_INVALID_TYPE
 */
gboolean
cascade_json_validate_object (JsonObject *object,
                              const CascadeJsonMember *members,
                              const char **out_field,
                              GError **error)
{
  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (members != NULL, FALSE);

  for (const CascadeJsonMember *m = members; m->name != NULL; m++)
    {
      JsonNode *node = json_object_get_member (object, m->name);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        {
          if (m->presence == CASCADE_JSON_OPTIONAL)
            continue;
          if (out_field != NULL)
            *out_field = m->name;
          g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MISSING_FIELD,
                       "“%s” is required.", m->name);
          return FALSE;
        }
      if (!has_type (node, m->type))
        {
          if (out_field != NULL)
            *out_field = m->name;
          g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                       "“%s” must be %s.", m->name, type_phrase (m->type));
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * cascade_json_validate:
 * @data: (array length=length): a request body
 * @members: the expected members, ending with { NULL }
 * @out_field: (out) (optional): on error, the member at fault, if any
 *
 * Parses @data strictly and checks it against @members: the function every
 * route's body goes through.
 *
 * Returns: (transfer full): the JSON object, or %NULL with @error set
 */
JsonNode *
cascade_json_validate (const char *data,
                       gsize length,
                       const CascadeJsonMember *members,
                       const char **out_field,
                       GError **error)
{
  g_autoptr (JsonNode) root = NULL;

  if (out_field != NULL)
    *out_field = NULL;
  root = cascade_json_parse_object (data, length, error);
  if (root == NULL)
    return NULL;
  if (!cascade_json_validate_object (json_node_get_object (root), members, out_field, error))
    {
      cascade_json_wipe_strings (root);
      return NULL;
    }
  return g_steal_pointer (&root);
}

/**
 * cascade_json_wipe_strings:
 *
 * Overwrites every string value in @node (recursively) with zeros, so that
 * passwords and tokens from a request body do not linger in freed memory.
 */
void
cascade_json_wipe_strings (JsonNode *node)
{
  if (node == NULL)
    return;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &member))
        cascade_json_wipe_strings (member);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        cascade_json_wipe_strings (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      char *text = (char *) json_node_get_string (node);

      if (text != NULL)
        sodium_memzero (text, strlen (text));
    }
}
