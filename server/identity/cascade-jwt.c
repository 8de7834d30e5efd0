/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-jwt.h"

#include <json-glib/json-glib.h>

#include "gateway/cascade-json-validate.h"

/*
 * Compact JWS with Ed25519 (alg "EdDSA", RFC 8037), the one signature the
 * server issues and the one it accepts, whatever a token's header claims.
 * Pure functions: keys and the clock come in as arguments.
 */

#define CLOCK_SKEW_SECONDS 60

static const CascadeJsonMember header_members[] = {
  { "alg", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "typ", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { "kid", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember claim_members[] = {
  { "iss", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "aud", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "sub", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "sid", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "role", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "iat", CASCADE_JSON_INTEGER, CASCADE_JSON_REQUIRED },
  { "exp", CASCADE_JSON_INTEGER, CASCADE_JSON_REQUIRED },
  { NULL },
};

void
cascade_jwt_claims_free (CascadeJwtClaims *claims)
{
  if (claims == NULL)
    return;
  g_free (claims->iss);
  g_free (claims->aud);
  g_free (claims->sub);
  g_free (claims->sid);
  g_free (claims->role);
  g_free (claims);
}

/* base64url without padding (RFC 4648 §5) */
char *
cascade_base64url_encode (const guint8 *data, gsize length)
{
  gsize size = sodium_base64_ENCODED_LEN (length, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *text;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  text = g_malloc (size);
  sodium_bin2base64 (text, size, data, length, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text;
}

/**
 * cascade_base64url_decode:
 * @text: (array length=text_length): base64url without padding; every
 *   character must belong to it
 * @out_length: (out): the number of bytes decoded
 *
 * Returns: (transfer full): the bytes (NUL-terminated for convenience), or
 *   %NULL with %CASCADE_SERVER_ERROR_INVALID_TOKEN
 */
guint8 *
cascade_base64url_decode (const char *text, gsize text_length, gsize *out_length, GError **error)
{
  g_autofree guint8 *bin = NULL;
  gsize max = text_length / 4 * 3 + 3;
  const char *end = NULL;
  size_t bin_length = 0;

  g_return_val_if_fail (text != NULL || text_length == 0, NULL);
  g_return_val_if_fail (out_length != NULL, NULL);

  bin = g_malloc0 (max + 1);
  if (text_length > 0 && (sodium_base642bin (bin, max, text, text_length, NULL, &bin_length, &end,
                                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
                          end != text + text_length))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN,
                           "Not valid base64url.");
      return NULL;
    }
  *out_length = bin_length;
  return g_steal_pointer (&bin);
}

static JsonNode *
decode_json_segment (const char *text,
                     gsize length,
                     const CascadeJsonMember *members,
                     GError **error)
{
  g_autofree guint8 *bin = NULL;
  g_autoptr (JsonNode) node = NULL;
  gsize bin_length;

  bin = cascade_base64url_decode (text, length, &bin_length, NULL);
  if (bin != NULL)
    node = cascade_json_parse_object ((const char *) bin, bin_length, NULL);
  if (node == NULL ||
      !cascade_json_validate_object (json_node_get_object (node), members, NULL, NULL))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN,
                           "The access token is malformed.");
      return NULL;
    }
  return g_steal_pointer (&node);
}

/**
 * cascade_jwt_sign:
 * @kid: the key id, put in the header
 * @secret_key: a libsodium Ed25519 secret key
 *
 * Returns: (transfer full): the compact token header.claims.signature
 */
char *
cascade_jwt_sign (const CascadeJwtClaims *claims,
                  const char *kid,
                  const guint8 secret_key[crypto_sign_SECRETKEYBYTES])
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *header_json = NULL;
  g_autofree char *claims_json = NULL;
  g_autofree char *header = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature = NULL;
  guint8 sig[crypto_sign_BYTES];

  g_return_val_if_fail (claims != NULL, NULL);
  g_return_val_if_fail (kid != NULL, NULL);
  g_return_val_if_fail (secret_key != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "alg");
  json_builder_add_string_value (builder, "EdDSA");
  json_builder_set_member_name (builder, "typ");
  json_builder_add_string_value (builder, "JWT");
  json_builder_set_member_name (builder, "kid");
  json_builder_add_string_value (builder, kid);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  header_json = json_to_string (root, FALSE);
  g_clear_pointer (&root, json_node_unref);

  json_builder_reset (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "iss");
  json_builder_add_string_value (builder, claims->iss);
  json_builder_set_member_name (builder, "aud");
  json_builder_add_string_value (builder, claims->aud);
  json_builder_set_member_name (builder, "sub");
  json_builder_add_string_value (builder, claims->sub);
  json_builder_set_member_name (builder, "sid");
  json_builder_add_string_value (builder, claims->sid);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, claims->role);
  json_builder_set_member_name (builder, "iat");
  json_builder_add_int_value (builder, claims->iat);
  json_builder_set_member_name (builder, "exp");
  json_builder_add_int_value (builder, claims->exp);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  claims_json = json_to_string (root, FALSE);

  header = cascade_base64url_encode ((const guint8 *) header_json, strlen (header_json));
  payload = cascade_base64url_encode ((const guint8 *) claims_json, strlen (claims_json));
  signing_input = g_strconcat (header, ".", payload, NULL);
  crypto_sign_detached (sig, NULL, (const guint8 *) signing_input, strlen (signing_input),
                        secret_key);
  signature = cascade_base64url_encode (sig, sizeof sig);
  return g_strconcat (signing_input, ".", signature, NULL);
}

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TOKEN, message);
  return FALSE;
}

/* The header says EdDSA (nothing else is accepted: not "none", not HS256),
 * and names our key if it names one. */
static gboolean
check_header (JsonObject *header, const char *kid, GError **error)
{
  const char *typ = json_object_get_string_member_with_default (header, "typ", "JWT");
  const char *token_kid = json_object_get_string_member_with_default (header, "kid", NULL);

  if (g_strcmp0 (json_object_get_string_member (header, "alg"), "EdDSA") != 0)
    return invalid (error, "The access token must be signed with EdDSA.");
  if (g_ascii_strcasecmp (typ, "JWT") != 0)
    return invalid (error, "The access token is not a JWT.");
  if (kid != NULL && token_kid != NULL && g_strcmp0 (kid, token_kid) != 0)
    return invalid (error, "The access token was signed with an unknown key.");
  return TRUE;
}

static gboolean
check_signature (const char *token,
                 const char *dot2,
                 const guint8 public_key[crypto_sign_PUBLICKEYBYTES],
                 GError **error)
{
  g_autofree guint8 *sig = NULL;
  gsize sig_length = 0;

  sig = cascade_base64url_decode (dot2 + 1, strlen (dot2 + 1), &sig_length, NULL);
  if (sig == NULL || sig_length != crypto_sign_BYTES ||
      crypto_sign_verify_detached (sig, (const guint8 *) token, dot2 - token, public_key) != 0)
    return invalid (error, "The access token’s signature is not valid.");
  return TRUE;
}

static CascadeJwtClaims *
claims_from_json (JsonObject *object)
{
  CascadeJwtClaims *claims = g_new0 (CascadeJwtClaims, 1);

  claims->iss = g_strdup (json_object_get_string_member (object, "iss"));
  claims->aud = g_strdup (json_object_get_string_member (object, "aud"));
  claims->sub = g_strdup (json_object_get_string_member (object, "sub"));
  claims->sid = g_strdup (json_object_get_string_member (object, "sid"));
  claims->role = g_strdup (json_object_get_string_member (object, "role"));
  claims->iat = json_object_get_int_member (object, "iat");
  claims->exp = json_object_get_int_member (object, "exp");
  return claims;
}

/**
 * cascade_jwt_verify:
 * @token: a compact JWS
 * @kid: (nullable): our key id; a token naming another key is refused
 * @issuer: the expected "iss"
 * @audience: the expected "aud"
 * @now: seconds since the epoch
 *
 * Checks the header (alg must be EdDSA), the Ed25519 signature, then the
 * claims: all present with their types, iss and aud as expected, not issued
 * in the future, not expired.
 *
 * Returns: (transfer full): the claims, or %NULL with
 *   %CASCADE_SERVER_ERROR_TOKEN_EXPIRED (a valid token past its exp) or
 *   %CASCADE_SERVER_ERROR_INVALID_TOKEN (anything else)
 */
CascadeJwtClaims *
cascade_jwt_verify (const char *token,
                    const guint8 public_key[crypto_sign_PUBLICKEYBYTES],
                    const char *kid,
                    const char *issuer,
                    const char *audience,
                    gint64 now,
                    GError **error)
{
  g_autoptr (JsonNode) header = NULL;
  g_autoptr (JsonNode) payload = NULL;
  g_autoptr (CascadeJwtClaims) claims = NULL;
  const char *dot1;
  const char *dot2;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (public_key != NULL, NULL);
  g_return_val_if_fail (issuer != NULL && audience != NULL, NULL);

  dot1 = strchr (token, '.');
  dot2 = dot1 != NULL ? strchr (dot1 + 1, '.') : NULL;
  if (strlen (token) > CASCADE_JWT_MAX_LENGTH || dot2 == NULL || strchr (dot2 + 1, '.') != NULL)
    {
      invalid (error, "The access token is malformed.");
      return NULL;
    }

  header = decode_json_segment (token, dot1 - token, header_members, error);
  if (header == NULL || !check_header (json_node_get_object (header), kid, error) ||
      !check_signature (token, dot2, public_key, error))
    return NULL;

  payload = decode_json_segment (dot1 + 1, dot2 - dot1 - 1, claim_members, error);
  if (payload == NULL)
    return NULL;
  claims = claims_from_json (json_node_get_object (payload));

  if (g_strcmp0 (claims->iss, issuer) != 0 || g_strcmp0 (claims->aud, audience) != 0)
    {
      invalid (error, "The access token was not issued for this server.");
      return NULL;
    }
  if (claims->iat > now + CLOCK_SKEW_SECONDS)
    {
      invalid (error, "The access token is issued in the future.");
      return NULL;
    }
  if (claims->exp <= now)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_TOKEN_EXPIRED,
                           "The access token has expired; refresh it.");
      return NULL;
    }
  return g_steal_pointer (&claims);
}
