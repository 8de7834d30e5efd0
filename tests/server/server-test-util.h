/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <sodium.h>

#include "cascade-test-server.h"

G_BEGIN_DECLS

/* Helpers of the tests that talk to a real cascaded. The token helpers are
 * written here with GLib and libsodium, independently of the server's own
 * JWT code, so that a mistake there cannot hide itself. */

#define TEST_PASSWORD "correct horse battery"

char *test_b64url_encode (const guint8 *data, gsize length);
guint8 *test_b64url_decode (const char *text, gsize length, gsize *out_length);

JsonNode *test_parse (const char *json);
JsonNode *test_parse_bytes (GBytes *bytes);
JsonObject *test_object (JsonNode *node);
const char *test_string (JsonNode *node, const char *member);

JsonNode *test_register (CascadeTestServer *server,
                         const char *email,
                         const char *username,
                         const char *password);
JsonNode *test_register_new (CascadeTestServer *server, char **out_username);
void test_assert_error (
  guint status, JsonNode *body, guint expected_status, const char *code, const char *field);

JsonNode *test_token_part (const char *token, guint part);
char *test_sign_token (const guint8 secret_key[crypto_sign_SECRETKEYBYTES],
                       const char *header_json,
                       const char *claims_json);
void test_read_signing_key (const char *data_dir, guint8 secret_key[crypto_sign_SECRETKEYBYTES]);

G_END_DECLS
