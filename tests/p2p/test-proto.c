/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-proto.h"

#include <string.h>

static CascadeProtoMessage *
parse (const char *text, GError **error)
{
  return cascade_proto_message_parse (text, strlen (text), error);
}

static void
test_round_trip (void)
{
  g_autoptr (CascadeProtoMessage) message = cascade_proto_message_new ("chat");
  g_autoptr (CascadeProtoMessage) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;

  cascade_proto_message_set_id (message, "42");
  json_object_set_string_member (cascade_proto_message_get_object (message), "text", "gg wp");
  text = cascade_proto_message_to_string (message, &length);
  g_assert_cmpuint (length, ==, strlen (text));

  back = cascade_proto_message_parse (text, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cascade_proto_message_get_type_name (back), ==, "chat");
  g_assert_cmpstr (cascade_proto_message_get_id (back), ==, "42");
  g_assert_cmpstr (json_object_get_string_member (cascade_proto_message_get_object (back), "text"),
                   ==, "gg wp");
}

static void
test_refused (void)
{
  static const struct
  {
    const char *text;
    int code;
    const char *wire_code;
  } cases[] = {
    { "", CASCADE_PROTO_ERROR_MALFORMED, "malformed_json" },
    { "{", CASCADE_PROTO_ERROR_MALFORMED, "malformed_json" },
    { "[1,2]", CASCADE_PROTO_ERROR_MALFORMED, "malformed_json" },
    { "\"chat\"", CASCADE_PROTO_ERROR_MALFORMED, "malformed_json" },
    { "{\"text\":\"hi\"}", CASCADE_PROTO_ERROR_NO_TYPE, "missing_type" },
    { "{\"type\":7}", CASCADE_PROTO_ERROR_INVALID, "invalid_message" },
    { "{\"type\":\"\"}", CASCADE_PROTO_ERROR_INVALID, "invalid_message" },
    { "{\"type\":null}", CASCADE_PROTO_ERROR_INVALID, "invalid_message" },
    { "{\"type\":\"chat\",\"id\":{}}", CASCADE_PROTO_ERROR_INVALID, "invalid_message" },
    { "{\"type\":\"chat\",\"id\":\"\"}", CASCADE_PROTO_ERROR_INVALID, "invalid_message" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CascadeProtoMessage) message = parse (cases[i].text, &error);

      g_assert_null (message);
      g_assert_error (error, CASCADE_PROTO_ERROR, cases[i].code);
      g_assert_cmpstr (cascade_proto_error_code (error), ==, cases[i].wire_code);
    }
}

static void
test_limits (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) big = g_string_new ("{\"type\":\"chat\",\"text\":\"");
  g_autoptr (CascadeProtoMessage) message = NULL;
  g_autofree char *long_type = g_strnfill (CASCADE_PROTO_MAX_TYPE_LENGTH + 1, 'x');
  g_autofree char *long_type_json = g_strdup_printf ("{\"type\":\"%s\"}", long_type);
  const char bad_utf8[] = "{\"type\":\"\xff\"}";

  while (big->len <= CASCADE_PROTO_MAX_MESSAGE_BYTES)
    g_string_append (big, "aaaaaaaaaaaaaaaa");
  g_string_append (big, "\"}");
  message = cascade_proto_message_parse (big->str, big->len, &error);
  g_assert_null (message);
  g_assert_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_TOO_LARGE);
  g_clear_error (&error);

  message = parse (long_type_json, &error);
  g_assert_null (message);
  g_assert_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_INVALID);
  g_clear_error (&error);

  message = cascade_proto_message_parse (bad_utf8, sizeof bad_utf8 - 1, &error);
  g_assert_null (message);
  g_assert_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_MALFORMED);
  g_clear_error (&error);

  /* Exactly at the limit is still a message. */
  g_string_truncate (big, 0);
  g_string_append (big, "{\"type\":\"chat\",\"text\":\"");
  while (big->len < CASCADE_PROTO_MAX_MESSAGE_BYTES - 2)
    g_string_append_c (big, 'a');
  g_string_append (big, "\"}");
  g_assert_cmpuint (big->len, ==, CASCADE_PROTO_MAX_MESSAGE_BYTES);
  message = cascade_proto_message_parse (big->str, big->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/proto/round-trip", test_round_trip);
  g_test_add_func ("/cascade/p2p/proto/refused", test_refused);
  g_test_add_func ("/cascade/p2p/proto/limits", test_limits);

  return g_test_run ();
}
