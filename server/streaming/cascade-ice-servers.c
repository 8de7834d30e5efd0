/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-ice-servers.h"

#include <sodium.h>
#include <string.h>

struct _CascadeIceServers
{
  GStrv stun_urls;
  GStrv turn_urls;
  char *turn_secret; /* NULL without TURN; wiped on free */
  guint turn_ttl_seconds;
};

/**
 * cascade_ice_servers_new:
 * @stun_urls: (array zero-terminated=1) (nullable)
 * @turn_urls: (array zero-terminated=1) (nullable)
 * @turn_secret: (nullable): without it, no TURN
 *
 * Returns: (transfer full)
 */
CascadeIceServers *
cascade_ice_servers_new (const char *const *stun_urls,
                         const char *const *turn_urls,
                         const char *turn_secret,
                         guint turn_ttl_seconds)
{
  CascadeIceServers *self = g_new0 (CascadeIceServers, 1);

  self->stun_urls = g_strdupv ((char **) stun_urls);
  if (turn_urls != NULL && turn_urls[0] != NULL && turn_secret != NULL && turn_secret[0] != '\0')
    {
      self->turn_urls = g_strdupv ((char **) turn_urls);
      self->turn_secret = g_strdup (turn_secret);
    }
  self->turn_ttl_seconds = MAX (turn_ttl_seconds, 1);
  return self;
}

void
cascade_ice_servers_free (CascadeIceServers *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->stun_urls);
  g_strfreev (self->turn_urls);
  if (self->turn_secret != NULL)
    sodium_memzero (self->turn_secret, strlen (self->turn_secret));
  g_free (self->turn_secret);
  g_free (self);
}

/* Returns: (transfer full): base64 (HMAC-SHA1 (@secret, @username)) */
char *
cascade_ice_servers_turn_credential (const char *secret, const char *username)
{
  g_autoptr (GHmac) hmac = NULL;
  guint8 digest[20];
  gsize length = sizeof digest;
  char *credential;

  g_return_val_if_fail (secret != NULL && username != NULL, NULL);

  hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &length);
  credential = g_base64_encode (digest, length);
  sodium_memzero (digest, sizeof digest);
  return credential;
}

static JsonObject *
server_new (const char *const *urls)
{
  JsonObject *server = json_object_new ();
  JsonArray *array = json_array_new ();

  for (guint i = 0; urls[i] != NULL; i++)
    json_array_add_string_element (array, urls[i]);
  json_object_set_array_member (server, "urls", array);
  return server;
}

/**
 * cascade_ice_servers_dup_json:
 * @user_id: (nullable): whom the TURN credentials are for; without, no TURN
 * @now_unix: the time, in seconds since the epoch
 *
 * Returns: (transfer full): the "ice_servers" array for a peer
 */
JsonNode *
cascade_ice_servers_dup_json (CascadeIceServers *self, const char *user_id, gint64 now_unix)
{
  JsonArray *servers = json_array_new ();

  g_return_val_if_fail (self != NULL, NULL);

  if (self->stun_urls != NULL && self->stun_urls[0] != NULL)
    json_array_add_object_element (servers, server_new ((const char *const *) self->stun_urls));
  if (self->turn_secret != NULL && user_id != NULL)
    {
      JsonObject *turn = server_new ((const char *const *) self->turn_urls);
      g_autofree char *username =
        g_strdup_printf ("%" G_GINT64_FORMAT ":%s", now_unix + self->turn_ttl_seconds, user_id);
      g_autofree char *credential =
        cascade_ice_servers_turn_credential (self->turn_secret, username);

      json_object_set_string_member (turn, "username", username);
      json_object_set_string_member (turn, "credential", credential);
      json_array_add_object_element (servers, turn);
    }
  return json_node_init_array (json_node_alloc (), servers);
}
