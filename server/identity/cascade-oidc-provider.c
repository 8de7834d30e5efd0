/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "identity/cascade-oidc-provider.h"

#include <libsoup/soup.h>

#include "gateway/cascade-json-validate.h"

/*
 * The OpenID providers of the config: the Google and Facebook presets,
 * discovery (`{issuer}/.well-known/openid-configuration`), the code
 * exchange at the token endpoint, and the JWKS, kept for an hour. Every
 * request to a provider is made by the calling worker thread with its own
 * SoupSession, so nothing here ever runs on the main loop.
 */

#define MAX_DOCUMENT_BYTES (256 * 1024)
#define JWKS_REFETCH_SECONDS 60 /* an unknown kid fetches the keys again, at most this often */

struct _CascadeOidcProvider
{
  char *id;
  char *name;
  char *issuer;
  char *client_id;
  char *client_secret;
  char *scopes;

  GMutex lock; /* guards what follows */
  char *authorization_endpoint;
  char *token_endpoint;
  char *jwks_uri;
  CascadeJwks *jwks;
  gint64 jwks_fetched_at; /* monotonic seconds */
};

typedef struct
{
  const char *id;
  const char *name;
  const char *issuer;
  const char *authorization_endpoint;
  const char *token_endpoint;
  const char *jwks_uri;
} Preset;

static const Preset presets[] = {
  { "google", "Google", "https://accounts.google.com",
    "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v3/certs" },
  { "facebook", "Facebook", "https://www.facebook.com",
    "https://www.facebook.com/v19.0/dialog/oauth",
    "https://graph.facebook.com/v19.0/oauth/access_token",
    "https://www.facebook.com/.well-known/oauth/openid/jwks/" },
};

static const char *const provider_keys[] = {
  "name",           "issuer",   "authorization-endpoint",
  "token-endpoint", "jwks-uri", "client-id",
  "client-secret",  "scopes",   NULL,
};

static void
provider_free (gpointer data)
{
  CascadeOidcProvider *self = data;

  g_free (self->id);
  g_free (self->name);
  g_free (self->issuer);
  g_free (self->client_id);
  if (self->client_secret != NULL)
    {
      memset (self->client_secret, 0, strlen (self->client_secret));
      g_free (self->client_secret);
    }
  g_free (self->scopes);
  g_free (self->authorization_endpoint);
  g_free (self->token_endpoint);
  g_free (self->jwks_uri);
  g_clear_pointer (&self->jwks, cascade_jwks_free);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static gboolean
config_error (GError **error, const char *group, const char *message)
{
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG, "[%s]: %s", group,
               message);
  return FALSE;
}

/* https://, or http:// to a loopback address (a provider the tests run). */
gboolean
cascade_oidc_check_url (const char *url)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GInetAddress) address = NULL;
  const char *host;

  if (url == NULL)
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      g_uri_get_fragment (uri) != NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "https") == 0)
    return TRUE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0)
    return FALSE;
  host = g_uri_get_host (uri);
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
valid_id (const char *id)
{
  gsize length = strlen (id);

  if (length == 0 || length > 32)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

static char *
get_string (GKeyFile *file, const char *group, const char *key, const char *fallback)
{
  char *value = g_key_file_get_string (file, group, key, NULL);

  if (value == NULL)
    return g_strdup (fallback);
  g_strstrip (value);
  if (value[0] == '\0')
    {
      g_free (value);
      return g_strdup (fallback);
    }
  return value;
}

static CascadeOidcProvider *
load_provider (GKeyFile *file, const char *group, GError **error)
{
  g_autoptr (GPtrArray) guard = g_ptr_array_new_with_free_func (provider_free);
  g_auto (GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);
  const char *id = group + strlen ("oidc.");
  const Preset *preset = NULL;
  CascadeOidcProvider *self;
  gboolean any_endpoint;

  if (!valid_id (id))
    return config_error (error, group, "the id after “oidc.” must be 1 to 32 of a-z, 0-9, _ and -"),
           NULL;
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (provider_keys, keys[i]))
      {
        g_autofree char *message = g_strdup_printf ("unknown key “%s”", keys[i]);

        return config_error (error, group, message), NULL;
      }
  for (gsize i = 0; i < G_N_ELEMENTS (presets); i++)
    if (strcmp (presets[i].id, id) == 0)
      preset = &presets[i];

  self = g_new0 (CascadeOidcProvider, 1);
  g_mutex_init (&self->lock);
  g_ptr_array_add (guard, self);
  self->id = g_strdup (id);
  self->name = get_string (file, group, "name", preset != NULL ? preset->name : id);
  self->issuer = get_string (file, group, "issuer", preset != NULL ? preset->issuer : NULL);
  self->client_id = get_string (file, group, "client-id", NULL);
  self->client_secret = get_string (file, group, "client-secret", NULL);
  self->scopes = get_string (file, group, "scopes", "openid email profile");
  any_endpoint = g_key_file_has_key (file, group, "authorization-endpoint", NULL) ||
                 g_key_file_has_key (file, group, "token-endpoint", NULL) ||
                 g_key_file_has_key (file, group, "jwks-uri", NULL);
  if (any_endpoint || (preset != NULL && !g_key_file_has_key (file, group, "issuer", NULL)))
    {
      self->authorization_endpoint =
        get_string (file, group, "authorization-endpoint",
                    any_endpoint || preset == NULL ? NULL : preset->authorization_endpoint);
      self->token_endpoint =
        get_string (file, group, "token-endpoint",
                    any_endpoint || preset == NULL ? NULL : preset->token_endpoint);
      self->jwks_uri = get_string (file, group, "jwks-uri",
                                   any_endpoint || preset == NULL ? NULL : preset->jwks_uri);
      if (!cascade_oidc_check_url (self->authorization_endpoint) ||
          !cascade_oidc_check_url (self->token_endpoint) ||
          !cascade_oidc_check_url (self->jwks_uri))
        return config_error (error, group,
                             "authorization-endpoint, token-endpoint and jwks-uri go together, "
                             "each an https:// URL (or http:// to a loopback address)"),
               NULL;
    }

  if (self->client_id == NULL || self->client_secret == NULL)
    return config_error (error, group, "client-id and client-secret are required"), NULL;
  if (self->issuer == NULL || !cascade_oidc_check_url (self->issuer))
    return config_error (error, group,
                         "issuer must be an https:// URL (or http:// to a loopback address)"),
           NULL;
  if (strstr (self->scopes, "openid") == NULL)
    return config_error (error, group, "scopes must include openid"), NULL;
  return g_ptr_array_steal_index (guard, 0);
}

/**
 * cascade_oidc_providers_load:
 * @file: (nullable): the config
 *
 * Returns: (transfer full) (element-type CascadeOidcProvider): the
 *   providers of the [oidc.<id>] groups, in the file's order, or %NULL with
 *   a CONFIG error
 */
GPtrArray *
cascade_oidc_providers_load (GKeyFile *file, GError **error)
{
  g_autoptr (GPtrArray) providers = g_ptr_array_new_with_free_func (provider_free);
  g_auto (GStrv) groups = NULL;

  if (file == NULL)
    return g_steal_pointer (&providers);
  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      CascadeOidcProvider *provider;

      if (!g_str_has_prefix (groups[i], "oidc."))
        continue;
      provider = load_provider (file, groups[i], error);
      if (provider == NULL)
        return NULL;
      g_ptr_array_add (providers, provider);
    }
  return g_steal_pointer (&providers);
}

const char *
cascade_oidc_provider_get_id (CascadeOidcProvider *self)
{
  return self->id;
}

const char *
cascade_oidc_provider_get_name (CascadeOidcProvider *self)
{
  return self->name;
}

/* Sends @msg from this thread and reads at most MAX_DOCUMENT_BYTES of a 2xx
 * answer. */
static GBytes *
fetch (SoupMessage *msg, GError **error)
{
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GByteArray) body = g_byte_array_new ();
  g_autoptr (GError) local_error = NULL;
  guint8 buffer[8192];
  gssize n;

  session = soup_session_new_with_options ("timeout", CASCADE_OIDC_HTTP_TIMEOUT, "user-agent",
                                           "cascaded", NULL);
  stream = soup_session_send (session, msg, NULL, &local_error);
  if (stream == NULL)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                   "The provider cannot be reached: %s", local_error->message);
      return NULL;
    }
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &local_error)) > 0)
    {
      if (body->len + (gsize) n > MAX_DOCUMENT_BYTES)
        {
          g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                               "The provider's answer is too large.");
          return NULL;
        }
      g_byte_array_append (body, buffer, (guint) n);
    }
  if (n < 0)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                   "The provider's answer was cut: %s", local_error->message);
      return NULL;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                   "The provider answered %u", soup_message_get_status (msg));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

static GBytes *
fetch_url (const char *url, GError **error)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  if (msg == NULL)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                   "“%s” is not a URL", url);
      return NULL;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  return fetch (msg, error);
}

static const CascadeJsonMember discovery_members[] = {
  { "issuer", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "authorization_endpoint", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "token_endpoint", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "jwks_uri", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

/* Fills the endpoints from the discovery document, once. Called locked. */
static gboolean
discover_locked (CascadeOidcProvider *self, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonObject *doc;
  gsize length;
  const char *data;

  if (self->token_endpoint != NULL)
    return TRUE;
  url = g_strconcat (self->issuer, g_str_has_suffix (self->issuer, "/") ? "" : "/",
                     ".well-known/openid-configuration", NULL);
  bytes = fetch_url (url, &local_error);
  if (bytes != NULL)
    {
      data = g_bytes_get_data (bytes, &length);
      root = cascade_json_parse_object (data, length, NULL);
    }
  if (root == NULL ||
      !cascade_json_validate_object (json_node_get_object (root), discovery_members, NULL, NULL))
    {
      g_warning ("OpenID provider %s: no valid discovery document at %s%s%s", self->id, url,
                 local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_UNAVAILABLE,
                   "The provider %s cannot be reached; try again later.", self->name);
      return FALSE;
    }
  doc = json_node_get_object (root);
  if (strcmp (json_object_get_string_member (doc, "issuer"), self->issuer) != 0 ||
      !cascade_oidc_check_url (json_object_get_string_member (doc, "authorization_endpoint")) ||
      !cascade_oidc_check_url (json_object_get_string_member (doc, "token_endpoint")) ||
      !cascade_oidc_check_url (json_object_get_string_member (doc, "jwks_uri")))
    {
      g_warning ("OpenID provider %s: the discovery document at %s names another issuer or "
                 "unusable endpoints",
                 self->id, url);
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_UNAVAILABLE,
                   "The provider %s is not set up right.", self->name);
      return FALSE;
    }
  self->authorization_endpoint =
    g_strdup (json_object_get_string_member (doc, "authorization_endpoint"));
  self->token_endpoint = g_strdup (json_object_get_string_member (doc, "token_endpoint"));
  self->jwks_uri = g_strdup (json_object_get_string_member (doc, "jwks_uri"));
  return TRUE;
}

/**
 * cascade_oidc_provider_dup_authorization_url:
 * @redirect_uri: the server's own callback
 *
 * Blocking the first time (discovery).
 *
 * Returns: (transfer full): where to send the browser, or %NULL with
 *   PROVIDER_UNAVAILABLE
 */
char *
cascade_oidc_provider_dup_authorization_url (CascadeOidcProvider *self,
                                             const char *redirect_uri,
                                             const char *state,
                                             const char *nonce,
                                             const char *code_challenge,
                                             GError **error)
{
  g_autofree char *endpoint = NULL;
  g_autofree char *query = NULL;

  g_mutex_lock (&self->lock);
  if (discover_locked (self, error))
    endpoint = g_strdup (self->authorization_endpoint);
  g_mutex_unlock (&self->lock);
  if (endpoint == NULL)
    return NULL;

  query =
    soup_form_encode ("response_type", "code", "client_id", self->client_id, "redirect_uri",
                      redirect_uri, "scope", self->scopes, "state", state, "nonce", nonce,
                      "code_challenge", code_challenge, "code_challenge_method", "S256", NULL);
  return g_strconcat (endpoint, strchr (endpoint, '?') != NULL ? "&" : "?", query, NULL);
}

static const CascadeJsonMember token_response_members[] = {
  { "id_token", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

/**
 * cascade_oidc_provider_exchange_code:
 *
 * Trades the provider's authorization code for tokens at its token
 * endpoint. Blocking.
 *
 * Returns: (transfer full): the ID token, or %NULL with PROVIDER_ERROR
 */
char *
cascade_oidc_provider_exchange_code (CascadeOidcProvider *self,
                                     const char *code,
                                     const char *redirect_uri,
                                     const char *code_verifier,
                                     GError **error)
{
  g_autofree char *endpoint = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GBytes) form = NULL;
  g_autoptr (JsonNode) root = NULL;
  char *encoded;
  const char *data;
  gsize length;

  g_mutex_lock (&self->lock);
  if (discover_locked (self, error))
    endpoint = g_strdup (self->token_endpoint);
  g_mutex_unlock (&self->lock);
  if (endpoint == NULL)
    return NULL;

  encoded = soup_form_encode ("grant_type", "authorization_code", "code", code, "redirect_uri",
                              redirect_uri, "client_id", self->client_id, "client_secret",
                              self->client_secret, "code_verifier", code_verifier, NULL);
  form = g_bytes_new_take (encoded, strlen (encoded));
  msg = soup_message_new ("POST", endpoint);
  if (msg == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                           "The provider's token endpoint is not a URL.");
      return NULL;
    }
  soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", form);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                "application/json");
  bytes = fetch (msg, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &length);
  root = cascade_json_parse_object (data, length, NULL);
  if (root == NULL || !cascade_json_validate_object (json_node_get_object (root),
                                                     token_response_members, NULL, NULL))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                           "The provider's token response has no ID token.");
      return NULL;
    }
  return g_strdup (json_object_get_string_member (json_node_get_object (root), "id_token"));
}

/* Fetches the JWKS (called locked). */
static gboolean
fetch_jwks_locked (CascadeOidcProvider *self, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local_error = NULL;
  CascadeJwks *jwks = NULL;
  const char *data;
  gsize length;

  self->jwks_fetched_at = g_get_monotonic_time () / G_USEC_PER_SEC;
  bytes = fetch_url (self->jwks_uri, &local_error);
  if (bytes != NULL)
    {
      data = g_bytes_get_data (bytes, &length);
      jwks = cascade_jwks_parse (data, length, &local_error);
    }
  if (jwks == NULL)
    {
      g_warning ("OpenID provider %s: no usable key set at %s: %s", self->id, self->jwks_uri,
                 local_error->message);
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_PROVIDER_ERROR,
                           "The provider's keys cannot be read.");
      return FALSE;
    }
  g_clear_pointer (&self->jwks, cascade_jwks_free);
  self->jwks = jwks;
  return TRUE;
}

/**
 * cascade_oidc_provider_verify_id_token:
 * @nonce: the flow's
 * @identity: (out caller-allocates): filled on success
 *
 * Parses @id_token, checks its signature with the provider's keys (fetched
 * when they are missing, an hour old, or lack the token's kid) and its
 * claims. Blocking.
 *
 * Returns: %TRUE, or %FALSE with INVALID_ID_TOKEN or PROVIDER_ERROR
 */
gboolean
cascade_oidc_provider_verify_id_token (CascadeOidcProvider *self,
                                       const char *id_token,
                                       const char *nonce,
                                       CascadeIdTokenIdentity *identity,
                                       GError **error)
{
  g_autoptr (CascadeIdToken) token = NULL;
  gint64 now = g_get_monotonic_time () / G_USEC_PER_SEC;
  gboolean ok = FALSE;

  token = cascade_id_token_parse (id_token, error);
  if (token == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  if (discover_locked (self, error))
    {
      gboolean stale =
        self->jwks == NULL || now - self->jwks_fetched_at > CASCADE_OIDC_JWKS_MAX_AGE;
      gboolean unknown_kid = self->jwks != NULL && token->kid != NULL &&
                             !cascade_jwks_has_key (self->jwks, token->kid) &&
                             now - self->jwks_fetched_at >= JWKS_REFETCH_SECONDS;

      if ((!stale && !unknown_kid) || fetch_jwks_locked (self, error))
        ok = cascade_id_token_verify_signature (token, self->jwks, error);
    }
  g_mutex_unlock (&self->lock);
  if (!ok)
    return FALSE;
  return cascade_id_token_check_claims (token, self->issuer, self->client_id, nonce,
                                        g_get_real_time () / G_USEC_PER_SEC, identity, error);
}
