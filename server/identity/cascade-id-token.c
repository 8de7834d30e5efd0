/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "identity/cascade-id-token.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "gateway/cascade-json-validate.h"
#include "identity/cascade-jwt.h"

/*
 * OpenID Connect ID tokens from a provider: the compact JWS parser, the
 * provider's JWKS, the RS256 and ES256 signature checks (GnuTLS), and the
 * claims (iss, aud, azp, exp, iat, nonce, sub). Only RS256 and ES256 are
 * accepted, whatever the key set holds: "none", HS256 and the rest are
 * refused before any key is looked at.
 */

#define RSA_MIN_MODULUS_BYTES 256 /* 2048 bits */
#define P256_COORDINATE_BYTES 32
#define MAX_KEYS 32

typedef enum
{
  KEY_RSA,
  KEY_P256,
} KeyType;

typedef struct
{
  KeyType type;
  char *kid; /* or NULL */
  gnutls_pubkey_t key;
} Jwk;

struct _CascadeJwks
{
  GPtrArray *keys; /* of Jwk */
};

static gboolean
invalid (GError **error, const char *message)
{
  g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_ID_TOKEN, message);
  return FALSE;
}

void
cascade_id_token_free (CascadeIdToken *token)
{
  if (token == NULL)
    return;
  g_free (token->alg);
  g_free (token->kid);
  g_clear_pointer (&token->claims, json_node_unref);
  g_free (token->signing_input);
  g_free (token->signature);
  g_free (token);
}

static JsonNode *
decode_segment (const char *text, gsize length, const CascadeJsonMember *members)
{
  g_autofree guint8 *bin = NULL;
  g_autoptr (JsonNode) node = NULL;
  gsize bin_length;

  bin = cascade_base64url_decode (text, length, &bin_length, NULL);
  if (bin == NULL)
    return NULL;
  node = cascade_json_parse_object ((const char *) bin, bin_length, NULL);
  if (node == NULL ||
      !cascade_json_validate_object (json_node_get_object (node), members, NULL, NULL))
    return NULL;
  return g_steal_pointer (&node);
}

static const CascadeJsonMember header_members[] = {
  { "alg", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "kid", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { "typ", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember claims_members[] = {
  { "iss", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "sub", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "exp", CASCADE_JSON_INTEGER, CASCADE_JSON_REQUIRED },
  { "iat", CASCADE_JSON_INTEGER, CASCADE_JSON_REQUIRED },
  { "nonce", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { "azp", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { "email", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { "name", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

/**
 * cascade_id_token_parse:
 * @token: a compact JWS, header.payload.signature
 *
 * Splits and decodes @token. Checks its shape only: the signature and the
 * claims' values are checked by cascade_id_token_verify_signature() and
 * cascade_id_token_check_claims().
 *
 * Returns: (transfer full): the parts, or %NULL with INVALID_ID_TOKEN
 */
CascadeIdToken *
cascade_id_token_parse (const char *token, GError **error)
{
  g_autoptr (CascadeIdToken) parsed = NULL;
  g_autoptr (JsonNode) header = NULL;
  const char *dot1, *dot2;
  gsize length;

  g_return_val_if_fail (token != NULL, NULL);

  length = strlen (token);
  if (length == 0 || length > CASCADE_ID_TOKEN_MAX_LENGTH)
    return invalid (error, "The ID token is empty or too long."), NULL;
  dot1 = strchr (token, '.');
  dot2 = dot1 != NULL ? strchr (dot1 + 1, '.') : NULL;
  if (dot1 == NULL || dot2 == NULL || strchr (dot2 + 1, '.') != NULL)
    return invalid (error, "The ID token is not a compact JWS."), NULL;

  header = decode_segment (token, dot1 - token, header_members);
  if (header == NULL)
    return invalid (error, "The ID token's header is malformed."), NULL;

  parsed = g_new0 (CascadeIdToken, 1);
  parsed->alg = g_strdup (json_object_get_string_member (json_node_get_object (header), "alg"));
  if (json_object_has_member (json_node_get_object (header), "kid") &&
      !JSON_NODE_HOLDS_NULL (json_object_get_member (json_node_get_object (header), "kid")))
    parsed->kid = g_strdup (json_object_get_string_member (json_node_get_object (header), "kid"));

  parsed->claims = decode_segment (dot1 + 1, dot2 - dot1 - 1, claims_members);
  if (parsed->claims == NULL)
    return invalid (error, "The ID token's claims are malformed."), NULL;

  if (dot2[1] != '\0')
    {
      parsed->signature =
        cascade_base64url_decode (dot2 + 1, strlen (dot2 + 1), &parsed->signature_length, NULL);
      if (parsed->signature == NULL)
        return invalid (error, "The ID token's signature is not base64url."), NULL;
    }
  parsed->signing_input = g_strndup (token, dot2 - token);
  return g_steal_pointer (&parsed);
}

static void
jwk_free (gpointer data)
{
  Jwk *jwk = data;

  g_free (jwk->kid);
  if (jwk->key != NULL)
    gnutls_pubkey_deinit (jwk->key);
  g_free (jwk);
}

void
cascade_jwks_free (CascadeJwks *jwks)
{
  if (jwks == NULL)
    return;
  g_ptr_array_unref (jwks->keys);
  g_free (jwks);
}

/* The base64url member @name of @object, decoded; NULL if absent or bad. */
static GBytes *
member_bytes (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *text;
  guint8 *bin;
  gsize length;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  text = json_node_get_string (node);
  bin = cascade_base64url_decode (text, strlen (text), &length, NULL);
  if (bin == NULL || length == 0)
    {
      g_free (bin);
      return NULL;
    }
  return g_bytes_new_take (bin, length);
}

static gnutls_datum_t
datum_of (GBytes *bytes)
{
  gsize length;
  gnutls_datum_t datum;

  datum.data = (unsigned char *) g_bytes_get_data (bytes, &length);
  datum.size = (unsigned int) length;
  return datum;
}

static gnutls_pubkey_t
import_rsa (JsonObject *object)
{
  g_autoptr (GBytes) n = member_bytes (object, "n");
  g_autoptr (GBytes) e = member_bytes (object, "e");
  gnutls_pubkey_t key = NULL;
  gnutls_datum_t n_datum, e_datum;
  gsize n_length;
  const guint8 *n_data;

  if (n == NULL || e == NULL || g_bytes_get_size (e) > 8)
    return NULL;
  n_data = g_bytes_get_data (n, &n_length);
  while (n_length > 0 && n_data[0] == 0)
    n_data++, n_length--;
  if (n_length < RSA_MIN_MODULUS_BYTES || n_length > 1024)
    return NULL;
  n_datum = datum_of (n);
  e_datum = datum_of (e);
  if (gnutls_pubkey_init (&key) < 0)
    return NULL;
  if (gnutls_pubkey_import_rsa_raw (key, &n_datum, &e_datum) < 0)
    {
      gnutls_pubkey_deinit (key);
      return NULL;
    }
  return key;
}

static gnutls_pubkey_t
import_p256 (JsonObject *object)
{
  g_autoptr (GBytes) x = member_bytes (object, "x");
  g_autoptr (GBytes) y = member_bytes (object, "y");
  gnutls_pubkey_t key = NULL;
  gnutls_datum_t x_datum, y_datum;

  if (g_strcmp0 (json_object_get_string_member_with_default (object, "crv", ""), "P-256") != 0 ||
      x == NULL || y == NULL || g_bytes_get_size (x) != P256_COORDINATE_BYTES ||
      g_bytes_get_size (y) != P256_COORDINATE_BYTES)
    return NULL;
  x_datum = datum_of (x);
  y_datum = datum_of (y);
  if (gnutls_pubkey_init (&key) < 0)
    return NULL;
  /* GnuTLS checks that the point is on the curve when it verifies. */
  if (gnutls_pubkey_import_ecc_raw (key, GNUTLS_ECC_CURVE_SECP256R1, &x_datum, &y_datum) < 0)
    {
      gnutls_pubkey_deinit (key);
      return NULL;
    }
  return key;
}

static const CascadeJsonMember jwks_members[] = {
  { "keys", CASCADE_JSON_ARRAY, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember jwk_members[] = {
  { "kty", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "kid", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { "use", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { "alg", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

/* One key of the set, or NULL for a key we do not use (another type, an
 * encryption key, a broken one): those are skipped, not fatal. */
static Jwk *
parse_jwk (JsonNode *node)
{
  JsonObject *object;
  const char *kty, *use, *alg;
  Jwk *jwk;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  if (!cascade_json_validate_object (object, jwk_members, NULL, NULL))
    return NULL;
  kty = json_object_get_string_member (object, "kty");
  use = json_object_get_string_member_with_default (object, "use", "sig");
  alg = json_object_get_string_member_with_default (object, "alg", NULL);
  if (use == NULL || strcmp (use, "sig") != 0)
    return NULL;

  jwk = g_new0 (Jwk, 1);
  if (strcmp (kty, "RSA") == 0 && (alg == NULL || strcmp (alg, "RS256") == 0))
    {
      jwk->type = KEY_RSA;
      jwk->key = import_rsa (object);
    }
  else if (strcmp (kty, "EC") == 0 && (alg == NULL || strcmp (alg, "ES256") == 0))
    {
      jwk->type = KEY_P256;
      jwk->key = import_p256 (object);
    }
  if (jwk->key == NULL)
    {
      jwk_free (jwk);
      return NULL;
    }
  jwk->kid = g_strdup (json_object_get_string_member_with_default (object, "kid", NULL));
  return jwk;
}

/**
 * cascade_jwks_parse:
 *
 * Reads a JSON Web Key Set, keeping its RSA (2048 bits or more) and P-256
 * signature keys (at most 32).
 *
 * Returns: (transfer full): the keys, or %NULL with INVALID_ID_TOKEN when
 *   the document is not a key set or holds no usable key
 */
CascadeJwks *
cascade_jwks_parse (const char *json, gsize length, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (CascadeJwks) jwks = NULL;
  JsonArray *keys;

  g_return_val_if_fail (json != NULL || length == 0, NULL);

  if (length > CASCADE_JWKS_MAX_LENGTH)
    return invalid (error, "The provider's key set is too large."), NULL;
  root = cascade_json_parse_object (json, length, NULL);
  if (root == NULL ||
      !cascade_json_validate_object (json_node_get_object (root), jwks_members, NULL, NULL))
    return invalid (error, "The provider's key set is not a JWKS document."), NULL;

  jwks = g_new0 (CascadeJwks, 1);
  jwks->keys = g_ptr_array_new_with_free_func (jwk_free);
  keys = json_object_get_array_member (json_node_get_object (root), "keys");
  for (guint i = 0; i < json_array_get_length (keys) && jwks->keys->len < MAX_KEYS; i++)
    {
      Jwk *jwk = parse_jwk (json_array_get_element (keys, i));

      if (jwk != NULL)
        g_ptr_array_add (jwks->keys, jwk);
    }
  if (jwks->keys->len == 0)
    return invalid (error, "The provider's key set has no RS256 or ES256 key."), NULL;
  return g_steal_pointer (&jwks);
}

guint
cascade_jwks_get_n_keys (CascadeJwks *jwks)
{
  g_return_val_if_fail (jwks != NULL, 0);

  return jwks->keys->len;
}

/* Whether a key has @kid (any key, with %NULL). */
gboolean
cascade_jwks_has_key (CascadeJwks *jwks, const char *kid)
{
  g_return_val_if_fail (jwks != NULL, FALSE);

  for (guint i = 0; i < jwks->keys->len; i++)
    {
      Jwk *jwk = g_ptr_array_index (jwks->keys, i);

      if (kid == NULL || g_strcmp0 (jwk->kid, kid) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
verify_with (const Jwk *jwk, const CascadeIdToken *token)
{
  gnutls_datum_t data = { (unsigned char *) token->signing_input,
                          (unsigned int) strlen (token->signing_input) };
  gnutls_datum_t signature = { token->signature, (unsigned int) token->signature_length };
  gnutls_datum_t r, s, der = { NULL, 0 };
  int rc;

  if (jwk->type == KEY_RSA)
    return gnutls_pubkey_verify_data2 (jwk->key, GNUTLS_SIGN_RSA_SHA256, 0, &data, &signature) >= 0;

  /* A JWS ECDSA signature is r || s, 32 bytes each; GnuTLS wants DER. */
  if (token->signature_length != 2 * P256_COORDINATE_BYTES)
    return FALSE;
  r.data = token->signature;
  r.size = P256_COORDINATE_BYTES;
  s.data = token->signature + P256_COORDINATE_BYTES;
  s.size = P256_COORDINATE_BYTES;
  if (gnutls_encode_rs_value (&der, &r, &s) < 0)
    return FALSE;
  rc = gnutls_pubkey_verify_data2 (jwk->key, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &der);
  gnutls_free (der.data);
  return rc >= 0;
}

/**
 * cascade_id_token_verify_signature:
 *
 * Checks the signature of @token with the key of @jwks its `kid` names (or,
 * without a `kid`, any key of the right type). The algorithm must be RS256
 * or ES256 and fit the key's type.
 *
 * Returns: %TRUE, or %FALSE with INVALID_ID_TOKEN
 */
gboolean
cascade_id_token_verify_signature (const CascadeIdToken *token, CascadeJwks *jwks, GError **error)
{
  KeyType type;

  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (jwks != NULL, FALSE);

  if (strcmp (token->alg, "RS256") == 0)
    type = KEY_RSA;
  else if (strcmp (token->alg, "ES256") == 0)
    type = KEY_P256;
  else
    return invalid (error, "The ID token's algorithm is not RS256 or ES256.");
  if (token->signature == NULL)
    return invalid (error, "The ID token has no signature.");

  for (guint i = 0; i < jwks->keys->len; i++)
    {
      const Jwk *jwk = g_ptr_array_index (jwks->keys, i);

      if (jwk->type != type || (token->kid != NULL && g_strcmp0 (jwk->kid, token->kid) != 0))
        continue;
      if (verify_with (jwk, token))
        return TRUE;
    }
  return invalid (error, "The ID token's signature does not verify with the provider's keys.");
}

static gboolean
audience_has (JsonNode *aud, const char *client_id)
{
  if (aud == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (aud) && json_node_get_value_type (aud) == G_TYPE_STRING)
    return g_strcmp0 (json_node_get_string (aud), client_id) == 0;
  if (JSON_NODE_HOLDS_ARRAY (aud))
    {
      JsonArray *array = json_node_get_array (aud);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) &&
              json_node_get_value_type (element) == G_TYPE_STRING &&
              g_strcmp0 (json_node_get_string (element), client_id) == 0)
            return TRUE;
        }
    }
  return FALSE;
}

/* email_verified is a boolean, but some providers send the string "true". */
static gboolean
is_true (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strcmp0 (json_node_get_string (node), "true") == 0;
  return FALSE;
}

static const char *
optional_string (JsonObject *claims, const char *name)
{
  JsonNode *node = json_object_get_member (claims, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return json_node_get_string (node);
}

/**
 * cascade_id_token_check_claims:
 * @issuer: the provider's issuer, exactly
 * @client_id: ours, which must be in `aud` (and be `azp` if there is one)
 * @nonce: the flow's, which must be the token's `nonce`
 * @now: seconds since the epoch
 * @identity: (out caller-allocates): who the token names, on success
 *
 * Call after cascade_id_token_verify_signature().
 *
 * Returns: %TRUE, or %FALSE with INVALID_ID_TOKEN
 */
gboolean
cascade_id_token_check_claims (const CascadeIdToken *token,
                               const char *issuer,
                               const char *client_id,
                               const char *nonce,
                               gint64 now,
                               CascadeIdTokenIdentity *identity,
                               GError **error)
{
  JsonObject *claims;
  const char *sub, *azp, *token_nonce;

  g_return_val_if_fail (token != NULL, FALSE);
  g_return_val_if_fail (issuer != NULL && client_id != NULL && nonce != NULL, FALSE);
  g_return_val_if_fail (identity != NULL, FALSE);

  claims = json_node_get_object (token->claims);
  if (g_strcmp0 (json_object_get_string_member (claims, "iss"), issuer) != 0)
    return invalid (error, "The ID token is from another issuer.");
  if (!audience_has (json_object_get_member (claims, "aud"), client_id))
    return invalid (error, "The ID token is for another client.");
  azp = optional_string (claims, "azp");
  if (azp != NULL && strcmp (azp, client_id) != 0)
    return invalid (error, "The ID token was issued to another party.");
  if (json_object_get_int_member (claims, "exp") + CASCADE_ID_TOKEN_LEEWAY <= now)
    return invalid (error, "The ID token has expired.");
  if (json_object_get_int_member (claims, "iat") - CASCADE_ID_TOKEN_LEEWAY > now)
    return invalid (error, "The ID token is issued in the future.");
  token_nonce = optional_string (claims, "nonce");
  if (token_nonce == NULL || strcmp (token_nonce, nonce) != 0)
    return invalid (error, "The ID token's nonce is not this sign-in's.");
  sub = json_object_get_string_member (claims, "sub");
  if (sub[0] == '\0' || strlen (sub) > 255)
    return invalid (error, "The ID token's subject is empty or too long.");

  identity->sub = g_strdup (sub);
  identity->email = g_strdup (optional_string (claims, "email"));
  identity->email_verified = is_true (json_object_get_member (claims, "email_verified"));
  identity->name = g_strdup (optional_string (claims, "name"));
  return TRUE;
}

void
cascade_id_token_identity_clear (CascadeIdTokenIdentity *identity)
{
  g_clear_pointer (&identity->sub, g_free);
  g_clear_pointer (&identity->email, g_free);
  g_clear_pointer (&identity->name, g_free);
  identity->email_verified = FALSE;
}
