/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

#define CASCADE_SERVER_DEFAULT_LISTEN "127.0.0.1:8787"
#define CASCADE_SERVER_DEFAULT_MAX_BODY_BYTES (1024 * 1024)
#define CASCADE_SERVER_DEFAULT_ISSUER "cascaded"
#define CASCADE_SERVER_DEFAULT_ACCESS_TOKEN_TTL 900
#define CASCADE_SERVER_DEFAULT_STREAM_GRACE_SECONDS 30
/* Connections the kernel queues before accept(): a room of viewers
 * (re)connecting at once must not overflow it (GLib's default is 10). */
#define CASCADE_SERVER_DEFAULT_LISTEN_BACKLOG 1024
#define CASCADE_SERVER_MAX_LISTEN_BACKLOG 65535

/* What cascaded is told to do: built from defaults, then the config file,
 * then the command line (the command line wins). */
#define CASCADE_SERVER_DEFAULT_TURN_TTL_SECONDS 3600

struct _CascadeServerConfig
{
  char *listen_host;    /* an IP address literal */
  guint16 listen_port;  /* 0 picks a free port */
  guint listen_backlog; /* [server] listen-backlog */
  char *data_dir;
  guint64 max_body_bytes;
  char *issuer;
  guint access_token_ttl; /* seconds */
  /* the file as loaded, for the groups a context reads itself ([limits]) */
  GKeyFile *file;
  /* [streaming] grace-seconds: a live stream without its publisher ends after this */
  guint stream_grace_seconds;
  char **ice_stun_urls;  /* [ice] stun-urls, handed to peers; empty by default */
  char **ice_turn_urls;  /* [ice] turn-urls, handed to peers with credentials; empty by default */
  char *ice_turn_secret; /* [ice] turn-secret (coturn's static-auth-secret); wiped on free */
  guint ice_turn_ttl_seconds; /* [ice] turn-ttl-seconds: how long TURN credentials last */
  char *public_url;           /* [server] public-url, or NULL: the URL it listens on */
  char **trusted_proxies;     /* [server] trusted-proxies: addresses or ranges; empty by default */
};

CascadeServerConfig *cascade_server_config_new (void);
void cascade_server_config_free (CascadeServerConfig *self);

gboolean
cascade_server_config_load_file (CascadeServerConfig *self, const char *path, GError **error);
gboolean
cascade_server_config_set_listen (CascadeServerConfig *self, const char *listen, GError **error);
void cascade_server_config_set_data_dir (CascadeServerConfig *self, const char *data_dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeServerConfig, cascade_server_config_free)

G_END_DECLS
