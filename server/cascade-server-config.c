/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-server-config.h"

#include <gio/gio.h>
#include <sodium.h>

#define MAX_BODY_BYTES_LIMIT (G_GUINT64_CONSTANT (256) * 1024 * 1024)
#define ACCESS_TOKEN_TTL_MIN 1 /* seconds; tests use a few seconds to see tokens expire */
#define ACCESS_TOKEN_TTL_MAX 86400

static const char *const server_keys[] = {
  "listen", "listen-backlog", "data-dir", "max-body-bytes", "public-url", "trusted-proxies", NULL
};
static const char *const auth_keys[] = { "issuer", "access-token-ttl", NULL };
static const char *const streaming_keys[] = { "grace-seconds", NULL };
static const char *const ice_keys[] = { "stun-urls", "turn-urls", "turn-secret", "turn-ttl-seconds",
                                        NULL };

/**
 * cascade_server_config_new:
 *
 * Returns: (transfer full): the defaults: 127.0.0.1:8787, the data dir
 *   $XDG_DATA_HOME/cascaded, 1 MiB bodies, issuer "cascaded", 900 s tokens
 */
CascadeServerConfig *
cascade_server_config_new (void)
{
  CascadeServerConfig *self = g_new0 (CascadeServerConfig, 1);

  self->listen_host = g_strdup ("127.0.0.1");
  self->listen_port = 8787;
  self->listen_backlog = CASCADE_SERVER_DEFAULT_LISTEN_BACKLOG;
  self->data_dir = g_build_filename (g_get_user_data_dir (), "cascaded", NULL);
  self->max_body_bytes = CASCADE_SERVER_DEFAULT_MAX_BODY_BYTES;
  self->issuer = g_strdup (CASCADE_SERVER_DEFAULT_ISSUER);
  self->access_token_ttl = CASCADE_SERVER_DEFAULT_ACCESS_TOKEN_TTL;
  self->stream_grace_seconds = CASCADE_SERVER_DEFAULT_STREAM_GRACE_SECONDS;
  self->ice_stun_urls = g_new0 (char *, 1);
  self->trusted_proxies = g_new0 (char *, 1);
  self->ice_turn_urls = g_new0 (char *, 1);
  self->ice_turn_ttl_seconds = CASCADE_SERVER_DEFAULT_TURN_TTL_SECONDS;
  return self;
}

void
cascade_server_config_free (CascadeServerConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->listen_host);
  g_free (self->data_dir);
  g_free (self->issuer);
  g_clear_pointer (&self->file, g_key_file_unref);
  g_strfreev (self->ice_stun_urls);
  g_strfreev (self->ice_turn_urls);
  if (self->ice_turn_secret != NULL)
    sodium_memzero (self->ice_turn_secret, strlen (self->ice_turn_secret));
  g_free (self->ice_turn_secret);
  g_free (self->public_url);
  g_strfreev (self->trusted_proxies);
  g_free (self);
}

static gboolean config_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
config_error (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (
    error, g_error_new_valist (CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG, format, args));
  va_end (args);
  return FALSE;
}

/**
 * cascade_server_config_set_listen:
 * @listen: "ADDR:PORT", e.g. "127.0.0.1:8787" or "[::1]:0"
 */
gboolean
cascade_server_config_set_listen (CascadeServerConfig *self, const char *listen, GError **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *host = NULL;
  const char *colon;
  guint64 port;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (listen != NULL, FALSE);

  colon = strrchr (listen, ':');
  if (colon == NULL)
    return config_error (error, "“%s” is not ADDR:PORT (for example 127.0.0.1:8787)", listen);
  host = g_strndup (listen, colon - listen);
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);

      g_free (host);
      host = inner;
    }
  else if (strchr (host, ':') != NULL)
    return config_error (error, "Write an IPv6 listen address in brackets: [%s]:PORT", host);

  address = g_inet_address_new_from_string (host);
  if (address == NULL)
    return config_error (error, "“%s” in “%s” is not an IP address", host, listen);
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT16, &port, &local_error))
    return config_error (error, "“%s” in “%s” is not a port number from 0 to 65535", colon + 1,
                         listen);

  g_free (self->listen_host);
  self->listen_host = g_inet_address_to_string (address);
  self->listen_port = (guint16) port;
  return TRUE;
}

void
cascade_server_config_set_data_dir (CascadeServerConfig *self, const char *data_dir)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data_dir != NULL);

  g_free (self->data_dir);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);
}

static gboolean
check_keys (
  GKeyFile *file, const char *path, const char *group, const char *const *known, GError **error)
{
  g_auto (GStrv) keys = g_key_file_get_keys (file, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      return config_error (error, "%s: unknown key “%s” in [%s]", path, keys[i], group);
  return TRUE;
}

/* [server] trusted-proxies: "127.0.0.1;10.0.0.0/8", the reverse proxies
 * whose X-Forwarded-For is believed. */
static gboolean
load_trusted_proxies (CascadeServerConfig *self, GKeyFile *file, const char *path, GError **error)
{
  g_auto (GStrv) entries =
    g_key_file_get_string_list (file, "server", "trusted-proxies", NULL, NULL);
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

  if (entries == NULL)
    return TRUE;
  for (guint i = 0; entries[i] != NULL; i++)
    {
      g_autoptr (GInetAddressMask) mask = NULL;

      g_strstrip (entries[i]);
      if (entries[i][0] == '\0')
        continue;
      mask = g_inet_address_mask_new_from_string (entries[i], NULL);
      if (mask == NULL)
        return config_error (error,
                             "%s: “%s” in trusted-proxies is not an IP address or ADDRESS/BITS",
                             path, entries[i]);
      g_ptr_array_add (kept, g_strdup (entries[i]));
    }
  g_ptr_array_add (kept, NULL);
  g_strfreev (self->trusted_proxies);
  self->trusted_proxies = (char **) g_ptr_array_steal (kept, NULL);
  return TRUE;
}

/* [server] public-url: http(s)://host[:port][/prefix], no query or fragment */
static gboolean
load_public_url (CascadeServerConfig *self, GKeyFile *file, const char *path, GError **error)
{
  g_autofree char *url = g_key_file_get_string (file, "server", "public-url", NULL);
  g_autoptr (GUri) uri = NULL;

  if (url == NULL || g_strstrip (url)[0] == '\0')
    return TRUE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return config_error (error, "%s: public-url must be an http:// or https:// URL", path);
  g_free (self->public_url);
  self->public_url = g_steal_pointer (&url);
  return TRUE;
}

static gboolean
load_server_group (CascadeServerConfig *self, GKeyFile *file, const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *data_dir = NULL;
  guint64 max_body;

  listen = g_key_file_get_string (file, "server", "listen", NULL);
  if (listen != NULL && !cascade_server_config_set_listen (self, listen, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  if (g_key_file_has_key (file, "server", "listen-backlog", NULL))
    {
      gint64 backlog = g_key_file_get_int64 (file, "server", "listen-backlog", &local_error);

      if (local_error != NULL || backlog < 1 || backlog > CASCADE_SERVER_MAX_LISTEN_BACKLOG)
        return config_error (error, "%s: listen-backlog must be a number from 1 to %d", path,
                             CASCADE_SERVER_MAX_LISTEN_BACKLOG);
      self->listen_backlog = (guint) backlog;
    }
  data_dir = g_key_file_get_string (file, "server", "data-dir", NULL);
  if (data_dir != NULL)
    cascade_server_config_set_data_dir (self, data_dir);

  if (g_key_file_has_key (file, "server", "max-body-bytes", NULL))
    {
      max_body = g_key_file_get_uint64 (file, "server", "max-body-bytes", &local_error);
      if (local_error != NULL || max_body == 0 || max_body > MAX_BODY_BYTES_LIMIT)
        return config_error (error,
                             "%s: max-body-bytes must be a number from 1 to %" G_GUINT64_FORMAT,
                             path, MAX_BODY_BYTES_LIMIT);
      self->max_body_bytes = max_body;
    }
  if (!load_trusted_proxies (self, file, path, error))
    return FALSE;
  return load_public_url (self, file, path, error);
}

static gboolean
load_auth_group (CascadeServerConfig *self, GKeyFile *file, const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *issuer = NULL;
  gint64 ttl;

  issuer = g_key_file_get_string (file, "auth", "issuer", NULL);
  if (issuer != NULL)
    {
      g_strstrip (issuer);
      if (issuer[0] == '\0' || strlen (issuer) > 256)
        return config_error (error, "%s: issuer must be 1 to 256 characters long", path);
      g_free (self->issuer);
      self->issuer = g_steal_pointer (&issuer);
    }
  if (g_key_file_has_key (file, "auth", "access-token-ttl", NULL))
    {
      ttl = g_key_file_get_int64 (file, "auth", "access-token-ttl", &local_error);
      if (local_error != NULL || ttl < ACCESS_TOKEN_TTL_MIN || ttl > ACCESS_TOKEN_TTL_MAX)
        return config_error (error, "%s: access-token-ttl must be %d to %d seconds", path,
                             ACCESS_TOKEN_TTL_MIN, ACCESS_TOKEN_TTL_MAX);
      self->access_token_ttl = (guint) ttl;
    }
  return TRUE;
}

/* [ice] @key: URLs separated by ";", each starting with @scheme or
 * @secure_scheme; @out keeps its value when the key is absent. */
static gboolean
load_urls (GKeyFile *file,
           const char *path,
           const char *key,
           const char *scheme,
           const char *secure_scheme,
           char ***out,
           GError **error)
{
  g_auto (GStrv) urls = g_key_file_get_string_list (file, "ice", key, NULL, NULL);
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

  if (urls == NULL)
    return TRUE;
  for (guint i = 0; urls[i] != NULL; i++)
    {
      g_strstrip (urls[i]);
      if (urls[i][0] == '\0')
        continue;
      if (!g_str_has_prefix (urls[i], scheme) && !g_str_has_prefix (urls[i], secure_scheme))
        return config_error (error, "%s: “%s” in %s is not a %s URL", path, urls[i], key, scheme);
      g_ptr_array_add (kept, g_strdup (urls[i]));
    }
  g_ptr_array_add (kept, NULL);
  g_strfreev (*out);
  *out = (char **) g_ptr_array_steal (kept, NULL);
  return TRUE;
}

/* [ice] turn-secret and turn-ttl-seconds (60 to 86400); TURN URLs need a
 * secret and a secret needs URLs. */
static gboolean
load_turn (CascadeServerConfig *self, GKeyFile *file, const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 ttl;

  if (!load_urls (file, path, "turn-urls", "turn:", "turns:", &self->ice_turn_urls, error))
    return FALSE;
  if (g_key_file_has_key (file, "ice", "turn-secret", NULL))
    {
      g_autofree char *secret = g_key_file_get_string (file, "ice", "turn-secret", NULL);

      if (secret == NULL || g_strstrip (secret)[0] == '\0')
        return config_error (error, "%s: turn-secret is empty", path);
      if (self->ice_turn_secret != NULL)
        sodium_memzero (self->ice_turn_secret, strlen (self->ice_turn_secret));
      g_free (self->ice_turn_secret);
      self->ice_turn_secret = g_strdup (secret);
      sodium_memzero (secret, strlen (secret));
    }
  if ((self->ice_turn_urls[0] != NULL) != (self->ice_turn_secret != NULL))
    return config_error (error, "%s: turn-urls and turn-secret go together", path);
  if (g_key_file_has_key (file, "ice", "turn-ttl-seconds", NULL))
    {
      ttl = g_key_file_get_int64 (file, "ice", "turn-ttl-seconds", &local_error);
      if (local_error != NULL || ttl < 60 || ttl > 86400)
        return config_error (error, "%s: turn-ttl-seconds must be 60 to 86400 seconds", path);
      self->ice_turn_ttl_seconds = (guint) ttl;
    }
  return TRUE;
}

/* [streaming] grace-seconds (1 to 3600) and [ice] stun-urls ("stun:host:port;..."),
 * turn-urls, turn-secret, turn-ttl-seconds. */
static gboolean
load_streaming_groups (CascadeServerConfig *self, GKeyFile *file, const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gint64 grace;

  if (g_key_file_has_key (file, "streaming", "grace-seconds", NULL))
    {
      grace = g_key_file_get_int64 (file, "streaming", "grace-seconds", &local_error);
      if (local_error != NULL || grace < 1 || grace > 3600)
        return config_error (error, "%s: grace-seconds must be 1 to 3600 seconds", path);
      self->stream_grace_seconds = (guint) grace;
    }
  return load_urls (file, path, "stun-urls", "stun:", "stuns:", &self->ice_stun_urls, error) &&
         load_turn (self, file, path, error);
}

/**
 * cascade_server_config_load_file:
 * @path: a GKeyFile with the groups [server] (listen, data-dir,
 *   max-body-bytes), [auth] (issuer, access-token-ttl), [streaming]
 *   (grace-seconds) and [ice] (stun-urls, turn-urls, turn-secret,
 *   turn-ttl-seconds)
 *
 * Overrides the settings the file names. Unknown keys in those groups are
 * errors, so a typo does not go unnoticed; other groups belong to later
 * parts of the server and are left alone.
 */
gboolean
cascade_server_config_load_file (CascadeServerConfig *self, const char *path, GError **error)
{
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    return config_error (error, "Cannot read the config file %s: %s", path, local_error->message);
  g_clear_pointer (&self->file, g_key_file_unref);
  self->file = g_key_file_ref (file);

  return check_keys (file, path, "server", server_keys, error) &&
         check_keys (file, path, "auth", auth_keys, error) &&
         check_keys (file, path, "streaming", streaming_keys, error) &&
         check_keys (file, path, "ice", ice_keys, error) &&
         load_server_group (self, file, path, error) && load_auth_group (self, file, path, error) &&
         load_streaming_groups (self, file, path, error);
}
