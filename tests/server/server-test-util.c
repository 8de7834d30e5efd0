/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "server-test-util.h"

#include <libsoup/soup.h>

char *
test_b64url_encode (const guint8 *data, gsize length)
{
  g_autofree char *standard = g_base64_encode (data, length);
  GString *out = g_string_new (NULL);

  for (const char *p = standard; *p != '\0' && *p != '='; p++)
    g_string_append_c (out, *p == '+' ? '-' : *p == '/' ? '_' : *p);
  return g_string_free (out, FALSE);
}

guint8 *
test_b64url_decode (const char *text, gsize length, gsize *out_length)
{
  GString *standard = g_string_new_len (text, length);

  for (gsize i = 0; i < standard->len; i++)
    {
      g_assert_true (g_ascii_isalnum (standard->str[i]) || standard->str[i] == '-' ||
                     standard->str[i] == '_');
      if (standard->str[i] == '-')
        standard->str[i] = '+';
      else if (standard->str[i] == '_')
        standard->str[i] = '/';
    }
  while (standard->len % 4 != 0)
    g_string_append_c (standard, '=');
  return g_base64_decode_inplace (g_string_free (standard, FALSE), out_length);
}

JsonNode *
test_parse (const char *json)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

JsonNode *
test_parse_bytes (GBytes *bytes)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (bytes, &length);
  g_autofree char *text = g_strndup (data, length);

  return test_parse (text);
}

JsonObject *
test_object (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

/* A string member of an object, asserted to be there. */
const char *
test_string (JsonNode *node, const char *member)
{
  JsonNode *value = json_object_get_member (test_object (node), member);

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
      json_node_get_value_type (value) != G_TYPE_STRING)
    g_error ("member “%s” is not a string", member);
  return json_node_get_string (value);
}

/* Registers an account, asserting 201; returns the AuthResponse. */
JsonNode *
test_register (CascadeTestServer *server,
               const char *email,
               const char *username,
               const char *password)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) request = NULL;
  g_autofree char *body = NULL;
  JsonNode *response = NULL;
  guint status;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "email");
  json_builder_add_string_value (builder, email);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  body = json_to_string (request, FALSE);

  status =
    cascade_test_server_request (server, "POST", "/api/v1/auth/register", NULL, body, &response);
  if (status != SOUP_STATUS_CREATED)
    {
      g_autofree char *text = response != NULL ? json_to_string (response, FALSE) : NULL;

      g_error ("register %s answered %u: %s", username, status, text);
    }
  return response;
}

/* Registers an account with a name no other test uses. */
JsonNode *
test_register_new (CascadeTestServer *server, char **out_username)
{
  static gint counter;
  int n = g_atomic_int_add (&counter, 1);
  g_autofree char *username = g_strdup_printf ("user_%d_%u", n, g_random_int_range (0, 100000));
  g_autofree char *email = g_strdup_printf ("%s@example.com", username);
  JsonNode *response = test_register (server, email, username, TEST_PASSWORD);

  if (out_username != NULL)
    *out_username = g_steal_pointer (&username);
  return response;
}

/* Asserts the contract's error shape: the status, the code and the field
 * (NULL: no field member at all), and a non-empty message. */
void
test_assert_error (
  guint status, JsonNode *body, guint expected_status, const char *code, const char *field)
{
  JsonObject *error;
  g_autofree char *text = body != NULL ? json_to_string (body, FALSE) : g_strdup ("(no body)");

  if (status != expected_status)
    g_error ("expected status %u (%s), got %u: %s", expected_status, code, status, text);
  g_assert_true (json_object_has_member (test_object (body), "error"));
  error = json_object_get_object_member (test_object (body), "error");
  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
  if (field == NULL)
    g_assert_false (json_object_has_member (error, "field"));
  else
    g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, field);
}

/* Decodes part 0 (header) or 1 (claims) of a compact JWT. */
JsonNode *
test_token_part (const char *token, guint part)
{
  g_auto (GStrv) parts = g_strsplit (token, ".", -1);
  g_autofree guint8 *json = NULL;
  g_autofree char *text = NULL;
  gsize length;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  json = test_b64url_decode (parts[part], strlen (parts[part]), &length);
  text = g_strndup ((const char *) json, length);
  return test_parse (text);
}

/* Makes a token the way an attacker holding the server's key would. */
char *
test_sign_token (const guint8 secret_key[crypto_sign_SECRETKEYBYTES],
                 const char *header_json,
                 const char *claims_json)
{
  g_autofree char *header = test_b64url_encode ((const guint8 *) header_json, strlen (header_json));
  g_autofree char *claims = test_b64url_encode ((const guint8 *) claims_json, strlen (claims_json));
  g_autofree char *input = g_strconcat (header, ".", claims, NULL);
  g_autofree char *signature = NULL;
  guint8 sig[crypto_sign_BYTES];

  crypto_sign_detached (sig, NULL, (const guint8 *) input, strlen (input), secret_key);
  signature = test_b64url_encode (sig, sizeof sig);
  return g_strconcat (input, ".", signature, NULL);
}

/* Reads <data_dir>/jwt-ed25519.key: the 64-byte libsodium secret key. */
void
test_read_signing_key (const char *data_dir, guint8 secret_key[crypto_sign_SECRETKEYBYTES])
{
  g_autofree char *path = g_build_filename (data_dir, "jwt-ed25519.key", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, crypto_sign_SECRETKEYBYTES);
  memcpy (secret_key, contents, crypto_sign_SECRETKEYBYTES);
  sodium_memzero (contents, length);
}
