/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-server.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "chat/cascade-chat-realtime.h"
#include "chat/cascade-chat-routes.h"
#include "chat/cascade-chat.h"
#include "gateway/cascade-gateway.h"
#include "gateway/cascade-realtime-hub.h"
#include "identity/cascade-identity-routes.h"
#include "identity/cascade-identity.h"
#include "notify/cascade-mailer.h"
#include "profile/cascade-profile-routes.h"
#include "profile/cascade-profile.h"
#include "store/cascade-store.h"
#include "streaming/cascade-streaming-realtime.h"
#include "streaming/cascade-streaming-routes.h"
#include "streaming/cascade-streaming.h"

/*
 * CascadeServer: puts cascaded together. The store first (its migrations
 * and those of each bounded context), then the contexts, then the gateway
 * with every context's routes; start() listens and starts delivering outbox
 * events; shutdown stops the gateway, then closes the database.
 */

#define DATABASE_FILE "cascade.db"

struct _CascadeServer
{
  GObject parent_instance;

  CascadeServerConfig *config;
  CascadeStore *store;
  CascadeIdentity *identity;
  CascadeMailer *mailer;
  CascadeGateway *gateway;
  CascadeStreaming *streaming;
  CascadeRealtimeHub *hub;
  CascadeProfile *profile;
  CascadeChat *chat;
  CascadeChatRealtime *chat_realtime; /* owned by the hub */
  char *url;
};

G_DEFINE_FINAL_TYPE (CascadeServer, cascade_server, G_TYPE_OBJECT)

static void
cascade_server_dispose (GObject *object)
{
  CascadeServer *self = CASCADE_SERVER (object);

  if (self->chat != NULL)
    cascade_chat_stop (self->chat);
  g_clear_object (&self->hub);
  g_clear_object (&self->chat);
  g_clear_object (&self->profile);
  g_clear_object (&self->streaming);
  g_clear_object (&self->gateway);
  g_clear_object (&self->identity);
  if (self->mailer != NULL)
    cascade_mailer_stop (self->mailer);
  if (self->store != NULL)
    cascade_store_close (self->store);
  g_clear_object (&self->mailer); /* after the dispatcher that calls it */
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cascade_server_parent_class)->dispose (object);
}

static void
cascade_server_finalize (GObject *object)
{
  CascadeServer *self = CASCADE_SERVER (object);

  g_clear_pointer (&self->config, cascade_server_config_free);
  g_free (self->url);

  G_OBJECT_CLASS (cascade_server_parent_class)->finalize (object);
}

static void
cascade_server_class_init (CascadeServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_server_dispose;
  object_class->finalize = cascade_server_finalize;
}

static void
cascade_server_init (CascadeServer *self)
{
}

static CascadeServerConfig *
config_copy (const CascadeServerConfig *config)
{
  CascadeServerConfig *copy = g_new0 (CascadeServerConfig, 1);

  copy->listen_host = g_strdup (config->listen_host);
  copy->listen_port = config->listen_port;
  copy->listen_backlog = config->listen_backlog;
  copy->data_dir = g_strdup (config->data_dir);
  copy->max_body_bytes = config->max_body_bytes;
  copy->issuer = g_strdup (config->issuer);
  copy->access_token_ttl = config->access_token_ttl;
  copy->file = config->file != NULL ? g_key_file_ref (config->file) : NULL;
  copy->stream_grace_seconds = config->stream_grace_seconds;
  copy->ice_stun_urls = g_strdupv (config->ice_stun_urls);
  copy->ice_turn_urls = g_strdupv (config->ice_turn_urls);
  copy->ice_turn_secret = g_strdup (config->ice_turn_secret);
  copy->ice_turn_ttl_seconds = config->ice_turn_ttl_seconds;
  copy->public_url = g_strdup (config->public_url);
  copy->trusted_proxies = g_strdupv (config->trusted_proxies);
  return copy;
}

/* The names a realtime "hello" shows, from the identity context. */
static gboolean
lookup_user (
  const char *user_id, char **out_username, char **out_display_name, gpointer owner, GError **error)
{
  g_autoptr (CascadeUser) user = cascade_identity_get_user (owner, user_id, error);

  if (user == NULL)
    return FALSE;
  *out_username = g_strdup (user->username);
  *out_display_name = g_strdup (user->display_name);
  return TRUE;
}

/* Chat asks the profile context how long someone follows a channel. */
static gint64
lookup_following (const char *user_id, const char *channel_user_id, gpointer owner, GError **error)
{
  return cascade_profile_get_following_since (owner, user_id, channel_user_id, error);
}

/* Chat asks the profile context for the colour a user chose. */
static char *
lookup_color (const char *user_id, gpointer owner, GError **error)
{
  return cascade_profile_get_chat_color (owner, user_id, error);
}

static void
on_chat_color_changed (CascadeProfile *profile,
                       const char *user_id,
                       const char *color,
                       gpointer user_data)
{
  cascade_chat_realtime_set_color (user_data, user_id, color);
}

static void
on_follow_changed (CascadeProfile *profile,
                   const char *user_id,
                   const char *channel_user_id,
                   gint64 since_ms,
                   gpointer user_data)
{
  cascade_chat_realtime_set_following (user_data, user_id, channel_user_id, since_ms);
}

/**
 * cascade_server_new:
 *
 * Prepares the data dir (mode 0700), opens and migrates the database, loads
 * or makes the signing key and builds the routes. Blocking: call at start.
 *
 * Returns: (transfer full): the server, not yet listening, or %NULL with
 *   @error set
 */
CascadeServer *
cascade_server_new (const CascadeServerConfig *config, GError **error)
{
  g_autoptr (CascadeServer) self = NULL;
  g_autofree char *db_path = NULL;
  CascadeIdentityLimits limits;
  CascadeMailerSettings mail_settings;
  CascadeChatSettings chat_settings;

  g_return_val_if_fail (config != NULL, NULL);

  if (g_mkdir_with_parents (config->data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                   "Cannot create the data dir %s: %s", config->data_dir, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (CASCADE_TYPE_SERVER, NULL);
  self->config = config_copy (config);

  db_path = g_build_filename (config->data_dir, DATABASE_FILE, NULL);
  self->store = cascade_store_open (db_path, error);
  if (self->store == NULL)
    return NULL;
  cascade_identity_add_migrations (self->store);
  cascade_mailer_add_migrations (self->store);
  cascade_streaming_add_migrations (self->store);
  cascade_profile_add_migrations (self->store);
  cascade_chat_add_migrations (self->store);
  if (!cascade_store_migrate (self->store, error))
    return NULL;

  self->identity = cascade_identity_new (self->store, config->data_dir, config->issuer,
                                         config->access_token_ttl, error);
  if (self->identity == NULL)
    return NULL;
  cascade_identity_limits_init (&limits);
  if (!cascade_identity_limits_load (&limits, config->file, error))
    return NULL;
  cascade_identity_set_limits (self->identity, &limits);
  if (!cascade_identity_load_config (self->identity, config->file, error))
    return NULL;
  cascade_mailer_settings_init (&mail_settings);
  if (!cascade_mailer_settings_load (&mail_settings, config->file, error))
    {
      cascade_mailer_settings_clear (&mail_settings);
      return NULL;
    }
  self->mailer = cascade_mailer_new (self->store, config->data_dir, &mail_settings);
  cascade_mailer_settings_clear (&mail_settings);

  self->gateway = cascade_gateway_new (self->store, config->max_body_bytes);
  if (!cascade_gateway_load_tls (self->gateway, config->file, error))
    return NULL;
  if (!cascade_gateway_set_trusted_proxies (self->gateway,
                                            (const char *const *) config->trusted_proxies, error))
    return NULL;
  cascade_identity_routes_install (self->gateway, self->identity);

  self->streaming =
    cascade_streaming_new (self->store, self->identity, config->stream_grace_seconds,
                           (const char *const *) config->ice_stun_urls);
  cascade_streaming_set_turn (self->streaming, (const char *const *) config->ice_turn_urls,
                              config->ice_turn_secret, config->ice_turn_ttl_seconds);
  if (!cascade_streaming_load_live (self->streaming, error))
    return NULL;
  cascade_streaming_routes_install (self->gateway, self->streaming);
  self->hub = cascade_realtime_hub_new (self->gateway, lookup_user, self->identity);
  cascade_streaming_realtime_install (self->hub, self->streaming);

  self->profile = cascade_profile_new (self->store, self->identity);
  cascade_profile_routes_install (self->gateway, self->profile);
  cascade_streaming_set_channel_extension (self->streaming, cascade_profile_extend_channel,
                                           self->profile);

  cascade_chat_settings_init (&chat_settings);
  if (!cascade_chat_settings_load (&chat_settings, config->file, error))
    return NULL;
  self->chat = cascade_chat_new (self->store, self->identity, self->streaming, &chat_settings);
  cascade_chat_set_follow_lookup (self->chat, lookup_following, self->profile);
  cascade_chat_set_color_lookup (self->chat, lookup_color, self->profile);
  if (!cascade_chat_start (self->chat, error))
    return NULL;
  cascade_chat_routes_install (self->gateway, self->chat);
  self->chat_realtime = cascade_chat_realtime_install (self->hub, self->chat);
  g_signal_connect_object (self->profile, "follow-changed", G_CALLBACK (on_follow_changed),
                           self->chat_realtime, 0);
  g_signal_connect_object (self->profile, "chat-color-changed", G_CALLBACK (on_chat_color_changed),
                           self->chat_realtime, 0);
  return g_steal_pointer (&self);
}

/* Listens, and starts delivering outbox events (the undelivered ones of a
 * previous run first). */
gboolean
cascade_server_start (CascadeServer *self, GError **error)
{
  g_autoptr (GSocketAddress) address = NULL;

  g_return_val_if_fail (CASCADE_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->url == NULL, FALSE);

  address =
    g_inet_socket_address_new_from_string (self->config->listen_host, self->config->listen_port);
  if (address == NULL)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                   "“%s” is not an address to listen on", self->config->listen_host);
      return FALSE;
    }
  if (!cascade_gateway_listen (self->gateway, address, self->config->listen_backlog, error))
    {
      g_prefix_error (error, "Cannot listen on %s port %u: ", self->config->listen_host,
                      self->config->listen_port);
      return FALSE;
    }
  self->url = cascade_gateway_dup_url (self->gateway);
  cascade_identity_set_public_url (
    self->identity, self->config->public_url != NULL ? self->config->public_url : self->url);
  cascade_store_start_dispatcher (self->store);
  cascade_mailer_start (self->mailer);
  return TRUE;
}

/* Makes the account with @email an admin (cascaded --create-admin).
 * Blocking. */
gboolean
cascade_server_create_admin (CascadeServer *self, const char *email, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_SERVER (self), FALSE);

  return cascade_identity_make_admin (self->identity, email, error);
}

/* http://ADDR:PORT, with the real port; %NULL before start() */
const char *
cascade_server_get_url (CascadeServer *self)
{
  g_return_val_if_fail (CASCADE_IS_SERVER (self), NULL);

  return self->url;
}

static void
close_store_thread (GTask *task,
                    gpointer source_object,
                    gpointer task_data,
                    GCancellable *cancellable)
{
  CascadeServer *self = source_object;

  cascade_chat_stop (self->chat);
  cascade_mailer_stop (self->mailer);
  cascade_store_close (self->store);
  g_task_return_boolean (task, TRUE);
}

static void
on_gateway_shut_down (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_gateway_shutdown_finish (CASCADE_GATEWAY (source_object), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_run_in_thread (task, close_store_thread);
}

/**
 * cascade_server_shutdown_async:
 *
 * Stops accepting work, lets the requests being handled finish, closes the
 * connections, then (off the main loop) waits for the outbox dispatcher and
 * closes the database.
 */
void
cascade_server_shutdown_async (CascadeServer *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, cascade_server_shutdown_async);
  cascade_realtime_hub_close_all (self->hub);
  cascade_gateway_shutdown_async (self->gateway, cancellable, on_gateway_shut_down, task);
}

gboolean
cascade_server_shutdown_finish (CascadeServer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_SERVER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
