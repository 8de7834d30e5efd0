/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gateway/cascade-json-validate.h"

static const CascadeJsonMember members[] = {
  { "name", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "age", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { "score", CASCADE_JSON_NUMBER, CASCADE_JSON_OPTIONAL },
  { "admin", CASCADE_JSON_BOOLEAN, CASCADE_JSON_OPTIONAL },
  { "tags", CASCADE_JSON_ARRAY, CASCADE_JSON_OPTIONAL },
  { "prefs", CASCADE_JSON_OBJECT, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static JsonNode *
validate (const char *text, const char **field, GError **error)
{
  return cascade_json_validate (text, strlen (text), members, field, error);
}

static void
test_valid (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  const char *field = "unset";
  JsonObject *object;

  node = validate ("{\"name\": \"Ana \\u00e9\\ud83d\\ude00\", \"age\": 31, \"score\": 2.5, "
                   "\"admin\": false, \"tags\": [1, \"x\"], \"prefs\": {\"a\": null}, "
                   "\"unknown\": {\"ignored\": [true]}}",
                   &field, &error);
  g_assert_no_error (error);
  g_assert_null (field);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "Ana é😀");
  g_assert_cmpint (json_object_get_int_member (object, "age"), ==, 31);
  g_assert_cmpfloat (json_object_get_double_member (object, "score"), ==, 2.5);
}

static void
test_optional_absent_or_null (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) a = validate ("{\"name\": \"x\"}", NULL, &error);
  g_autoptr (JsonNode) b = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (a);
  b = validate ("{\"name\": \"x\", \"age\": null, \"tags\": null}", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (b);
}

/* Number accepts integers too; integer refuses fractions. */
static void
test_numbers (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) ok = validate ("{\"name\": \"x\", \"score\": 3, \"age\": -0}", NULL, &error);
  g_autoptr (JsonNode) bad = NULL;
  const char *field = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ok);
  bad = validate ("{\"name\": \"x\", \"age\": 3.0}", &field, &error);
  g_assert_null (bad);
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE);
  g_assert_cmpstr (field, ==, "age");
}

static void
test_missing (void)
{
  const char *bodies[] = { "{}", "{\"name\": null}", "{\"Name\": \"x\"}", "{\"age\": 3}" };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = NULL;
      const char *field = NULL;

      node = validate (bodies[i], &field, &error);
      g_assert_null (node);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MISSING_FIELD);
      g_assert_cmpstr (field, ==, "name");
    }
}

static void
test_wrong_types (void)
{
  const struct
  {
    const char *body;
    const char *field;
  } cases[] = {
    { "{\"name\": 5}", "name" },
    { "{\"name\": true}", "name" },
    { "{\"name\": [\"x\"]}", "name" },
    { "{\"name\": {\"x\": 1}}", "name" },
    { "{\"name\": \"x\", \"age\": \"31\"}", "age" },
    { "{\"name\": \"x\", \"score\": \"1\"}", "score" },
    { "{\"name\": \"x\", \"admin\": 1}", "admin" },
    { "{\"name\": \"x\", \"tags\": {}}", "tags" },
    { "{\"name\": \"x\", \"prefs\": []}", "prefs" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = NULL;
      const char *field = NULL;

      node = validate (cases[i].body, &field, &error);
      g_assert_null (node);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE);
      g_assert_cmpstr (field, ==, cases[i].field);
      g_assert_nonnull (strstr (error->message, cases[i].field));
    }
}

static void
test_malformed (void)
{
  const char *bodies[] = {
    "",
    " ",
    "{",
    "}",
    "{\"name\": \"x\"",
    "{\"name\" \"x\"}",
    "{\"name\": \"x\",}",
    "{\"name\": [1, 2,]}",
    "{name: \"x\"}",
    "{'name': 'x'}",
    "/* comment */ {\"name\": \"x\"}",
    "var a = {\"name\": \"x\"}",
    "{\"name\": \"x\"} trailing",
    "{\"name\": \"x\"}{}",
    "{\"name\": \"unterminated}",
    "{\"name\": \"tab\there\"}",
    "{\"name\": \"bad \\x escape\"}",
    "{\"name\": \"\\u12\"}",
    "{\"name\": \"\\u0000\"}",
    "{\"name\": \"\\ud83d\"}",
    "{\"name\": \"\\ude00\"}",
    "{\"name\": \"\\ud83d\\u0041\"}",
    "{\"name\": \"x\", \"age\": 01}",
    "{\"name\": \"x\", \"age\": +1}",
    "{\"name\": \"x\", \"age\": 1.}",
    "{\"name\": \"x\", \"age\": .5}",
    "{\"name\": \"x\", \"age\": 1e}",
    "{\"name\": \"x\", \"age\": -}",
    "{\"name\": \"x\", \"age\": 99999999999999999999}",
    "{\"name\": \"x\", \"age\": -9223372036854775809}",
    "{\"name\": \"x\", \"score\": 1e400}",
    "{\"name\": \"x\", \"admin\": True}",
    "{\"name\": \"x\", \"admin\": nul}",
    "{\"name\": NaN}",
    "[]",
    "[{\"name\": \"x\"}]",
    "\"name\"",
    "42",
    "null",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = NULL;
      const char *field = "unset";

      node = validate (bodies[i], &field, &error);
      if (node != NULL)
        g_error ("accepted malformed body %s", bodies[i]);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MALFORMED_JSON);
      g_assert_null (field);
    }
}

static void
test_bad_bytes (void)
{
  const char with_nul[] = "{\"name\": \"a\0b\"}";
  const char bad_utf8[] = "{\"name\": \"\xff\xfe\"}";
  const char overlong[] = "{\"name\": \"\xc0\xaf\"}";
  const struct
  {
    const char *data;
    gsize length;
  } cases[] = {
    { with_nul, sizeof with_nul - 1 },
    { bad_utf8, sizeof bad_utf8 - 1 },
    { overlong, sizeof overlong - 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) node = NULL;

      node = cascade_json_validate (cases[i].data, cases[i].length, members, NULL, &error);
      g_assert_null (node);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MALFORMED_JSON);
    }
}

static char *
nested (guint depth)
{
  GString *text = g_string_new ("{\"name\": \"x\", \"tags\": ");

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

/* The outer object is one level: CASCADE_JSON_MAX_DEPTH levels in all pass,
 * one more does not, and a million do not crash anything. */
static void
test_depth (void)
{
  g_autofree char *deepest = nested (CASCADE_JSON_MAX_DEPTH - 1);
  g_autofree char *too_deep = nested (CASCADE_JSON_MAX_DEPTH);
  g_autofree char *absurd = nested (1000000);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) ok = validate (deepest, NULL, &error);
  g_autoptr (JsonNode) refused = NULL;
  g_autoptr (JsonNode) absurd_refused = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ok);
  refused = validate (too_deep, NULL, &error);
  g_assert_null (refused);
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MALFORMED_JSON);
  g_clear_error (&error);
  absurd_refused = validate (absurd, NULL, &error);
  g_assert_null (absurd_refused);
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_MALFORMED_JSON);
}

/* Reports where the document went wrong, to help whoever writes a client. */
static void
test_error_position (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = validate ("{\"name\": \"x\",, }", NULL, &error);

  g_assert_null (node);
  g_assert_nonnull (strstr (error->message, "byte 13"));
}

static void
test_wipe (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = validate (
    "{\"name\": \"secret\", \"tags\": [\"token\"], \"prefs\": {\"p\": \"pw\"}}", NULL, &error);
  JsonObject *object = json_node_get_object (node);

  g_assert_no_error (error);
  cascade_json_wipe_strings (node);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (object, "tags"), 0),
                   ==, "");
  g_assert_cmpstr (
    json_object_get_string_member (json_object_get_object_member (object, "prefs"), "p"), ==, "");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/server/json/valid", test_valid);
  g_test_add_func ("/cascade/server/json/optional", test_optional_absent_or_null);
  g_test_add_func ("/cascade/server/json/numbers", test_numbers);
  g_test_add_func ("/cascade/server/json/missing", test_missing);
  g_test_add_func ("/cascade/server/json/wrong-types", test_wrong_types);
  g_test_add_func ("/cascade/server/json/malformed", test_malformed);
  g_test_add_func ("/cascade/server/json/bad-bytes", test_bad_bytes);
  g_test_add_func ("/cascade/server/json/depth", test_depth);
  g_test_add_func ("/cascade/server/json/error-position", test_error_position);
  g_test_add_func ("/cascade/server/json/wipe", test_wipe);

  return g_test_run ();
}
