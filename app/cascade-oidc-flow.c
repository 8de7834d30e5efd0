/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <sodium.h>

#include "cascade-app-private.h"
#include "cascade-oidc-flow.h"

#define DEFAULT_TIMEOUT_SECONDS 300
#define CALLBACK_PATH "/oidc/callback"
#define RANDOM_BYTES 32 /* the PKCE verifier and the state: 256 bits each */

struct _CascadeOidcFlow
{
  GObject parent_instance;

  CascadeClient *client;
  char *provider;
  CascadeOidcOpenUriFunc open_uri;
  gpointer open_uri_data;
  GDestroyNotify open_uri_destroy;
  guint timeout_seconds;

  SoupServer *server;
  char *redirect_uri;
  char *verifier;         /* wiped */
  char *state;            /* wiped */
  char *code;             /* wiped: the one-time code, kept for a second try with a TOTP code */
  GError *redirect_error; /* the provider's or server's refusal, sent through the browser */

  GTask *task; /* the run in flight */
  GSource *timeout_source;
  GSource *cancel_source;
};

G_DEFINE_FINAL_TYPE (CascadeOidcFlow, cascade_oidc_flow, G_TYPE_OBJECT)

static char *
random_base64url (void)
{
  guint8 bytes[RANDOM_BYTES];
  char text[sodium_base64_ENCODED_LEN (RANDOM_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2base64 (text, sizeof text, bytes, sizeof bytes,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bytes, sizeof bytes);
  return g_strdup (text);
}

/* RFC 7636 §4.2: BASE64URL (SHA256 (verifier)). */
static char *
s256_challenge (const char *verifier)
{
  guint8 digest[crypto_hash_sha256_BYTES];
  char text[sodium_base64_ENCODED_LEN (crypto_hash_sha256_BYTES,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  crypto_hash_sha256 (digest, (const guint8 *) verifier, strlen (verifier));
  sodium_bin2base64 (text, sizeof text, digest, sizeof digest,
                     sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return g_strdup (text);
}

static void
stop_waiting (CascadeOidcFlow *self)
{
  if (self->timeout_source != NULL)
    {
      g_source_destroy (self->timeout_source);
      g_clear_pointer (&self->timeout_source, g_source_unref);
    }
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }
}

static void
stop_listening (CascadeOidcFlow *self)
{
  if (self->server == NULL)
    return;
  soup_server_remove_handler (self->server, CALLBACK_PATH);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
}

static gboolean
disconnect_cb (gpointer user_data)
{
  SoupServer *server = user_data;

  soup_server_remove_handler (server, CALLBACK_PATH);
  soup_server_disconnect (server);
  return G_SOURCE_REMOVE;
}

/* Ends the run in flight with @tokens or @error (one of them, taken). */
static void
complete (CascadeOidcFlow *self, CascadeAuthTokens *tokens, GError *error)
{
  GTask *task = g_steal_pointer (&self->task);

  stop_waiting (self);
  /* Not while the server may still be sending the browser its page: a
   * little later. Until then the handler turns every visit away (no run is
   * in flight). */
  if (self->server != NULL)
    g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 2, disconnect_cb,
                                g_steal_pointer (&self->server), g_object_unref);
  if (task == NULL)
    {
      cascade_auth_tokens_free (tokens);
      g_clear_error (&error);
      return;
    }
  /* Kept only while a second try with a TOTP code can use it. */
  if (!g_error_matches (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED) ||
      g_strcmp0 (cascade_client_error_get_code (error), "otp_required") != 0)
    _cascade_clear_secret (&self->code);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, tokens, (GDestroyNotify) cascade_auth_tokens_free);
  g_object_unref (task);
}

static void
on_token (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeOidcFlow) self = user_data;
  GError *error = NULL;
  CascadeAuthTokens *tokens =
    cascade_client_oidc_token_finish (CASCADE_CLIENT (source), result, &error);

  complete (self, tokens, error);
}

static void
exchange_code (CascadeOidcFlow *self, const char *otp)
{
  g_debug ("oidc: exchanging the one-time code");
  cascade_client_oidc_token_async (self->client, self->code, self->verifier, otp,
                                   g_task_get_cancellable (self->task), on_token,
                                   g_object_ref (self));
}

static void
respond_page (SoupServerMessage *msg, guint status, const char *title, const char *text)
{
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  g_autofree char *escaped_text = g_markup_escape_text (text, -1);
  g_autofree char *page = g_strdup_printf (
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>"
    "<style>body{font-family:Cantarell,sans-serif;text-align:center;margin-top:20vh;"
    "color:#241f31}h1{font-weight:800}</style></head>"
    "<body><h1>%s</h1><p>%s</p></body></html>\n",
    escaped_title, escaped_title, escaped_text);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-store");
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY, page,
                                    strlen (page));
}

static gboolean
state_matches (CascadeOidcFlow *self, const char *state)
{
  gsize length = strlen (self->state);

  return state != NULL && strlen (state) == length &&
         sodium_memcmp (state, self->state, length) == 0;
}

/* The browser has its page: now the flow goes on (or ends). */
static void
on_page_sent (CascadeOidcFlow *self)
{
  if (self->task == NULL)
    return; /* timed out or cancelled meanwhile */
  if (self->redirect_error != NULL)
    complete (self, NULL, g_steal_pointer (&self->redirect_error));
  else if (self->code != NULL)
    exchange_code (self, NULL);
}

static void
on_callback (SoupServer *server,
             SoupServerMessage *msg,
             const char *path,
             GHashTable *query,
             gpointer user_data)
{
  CascadeOidcFlow *self = user_data;
  const char *state = query != NULL ? g_hash_table_lookup (query, "state") : NULL;
  const char *code = query != NULL ? g_hash_table_lookup (query, "code") : NULL;
  const char *error_code = query != NULL ? g_hash_table_lookup (query, "error") : NULL;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_GET) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  /* Anything but the one answer to our own request (a page guessing the
   * port, a stale tab, a second visit) is turned away; the flow keeps
   * waiting. */
  if (self->task == NULL || self->code != NULL || self->redirect_error != NULL ||
      !state_matches (self, state))
    {
      respond_page (msg, SOUP_STATUS_BAD_REQUEST, _ ("Sign-In Not Recognised"),
                    _ ("Cascade did not start this sign-in, or it has ended. Start it again from "
                       "Cascade."));
      return;
    }

  if (error_code != NULL || code == NULL || *code == '\0')
    {
      const char *why = error_code != NULL ? error_code : "invalid_grant";
      g_autofree char *message =
        g_strdup_printf ("The sign-in with %s did not succeed (%s)", self->provider, why);

      respond_page (msg, SOUP_STATUS_OK, _ ("Sign-In Failed"),
                    _ ("Return to Cascade to see why, and try again."));
      self->redirect_error =
        _cascade_client_error_new (CASCADE_CLIENT_ERROR_UNAUTHORIZED, why, NULL, message);
    }
  else
    {
      respond_page (msg, SOUP_STATUS_OK, _ ("Signed In"),
                    _ ("You can close this tab and return to Cascade."));
      self->code = g_strdup (code);
    }
  g_signal_connect_object (msg, "finished", G_CALLBACK (on_page_sent), self, G_CONNECT_SWAPPED);
}

static gboolean
on_timeout (gpointer user_data)
{
  CascadeOidcFlow *self = user_data;

  g_debug ("oidc: the browser did not come back in %u s", self->timeout_seconds);
  complete (self, NULL,
            g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         "The sign-in with %s was not finished in the browser in time",
                         self->provider));
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable, gpointer user_data)
{
  CascadeOidcFlow *self = user_data;

  complete (self, NULL, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
  return G_SOURCE_REMOVE;
}

static void
on_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeOidcFlow) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *url = cascade_client_start_oidc_finish (CASCADE_CLIENT (source), result, &error);
  g_autoptr (GUri) uri = NULL;

  if (self->task == NULL)
    return; /* cancelled meanwhile */
  if (url == NULL)
    {
      complete (self, NULL, g_steal_pointer (&error));
      return;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
                      g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      complete (self, NULL,
                _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                           "The server's authorization URL is not a web address"));
      return;
    }

  g_debug ("oidc: opening the browser for %s", self->provider);
  self->timeout_source = g_timeout_source_new_seconds (self->timeout_seconds);
  g_source_set_callback (self->timeout_source, on_timeout, self, NULL);
  g_source_attach (self->timeout_source, g_main_context_get_thread_default ());
  self->open_uri (url, self->open_uri_data);
}

static gboolean
listen_on_loopback (CascadeOidcFlow *self, GError **error)
{
  g_autoslist (GUri) uris = NULL;

  self->server = soup_server_new ("server-header", "Cascade", NULL);
  /* The handler holds a reference until it is removed, when the run ends. */
  soup_server_add_handler (self->server, CALLBACK_PATH, on_callback, g_object_ref (self),
                           g_object_unref);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return FALSE;
  uris = soup_server_get_uris (self->server);
  if (uris == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "No loopback port to listen on");
      return FALSE;
    }
  g_free (self->redirect_uri);
  self->redirect_uri =
    g_strdup_printf ("http://127.0.0.1:%d" CALLBACK_PATH, g_uri_get_port (uris->data));
  return TRUE;
}

void
cascade_oidc_flow_run_async (CascadeOidcFlow *self,
                             const char *otp,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *challenge = NULL;

  g_return_if_fail (CASCADE_IS_OIDC_FLOW (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = _cascade_task_new (self, cascade_oidc_flow_run_async, cancellable, callback, user_data);
  g_task_set_check_cancellable (task, FALSE);
  if (self->task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The sign-in with %s is under way already", self->provider);
      return;
    }
  self->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_cancelled), self, NULL);
      g_source_attach (self->cancel_source, g_main_context_get_thread_default ());
    }

  /* The second try, with the TOTP code the first one asked for. */
  if (self->code != NULL)
    {
      exchange_code (self, otp);
      return;
    }

  stop_listening (self);
  g_clear_error (&self->redirect_error);
  if (!listen_on_loopback (self, &error))
    {
      g_prefix_error (&error, "Could not listen for the browser's answer: ");
      complete (self, NULL, g_steal_pointer (&error));
      return;
    }
  _cascade_clear_secret (&self->verifier);
  _cascade_clear_secret (&self->state);
  self->verifier = random_base64url ();
  self->state = random_base64url ();
  challenge = s256_challenge (self->verifier);
  cascade_client_start_oidc_async (self->client, self->provider, self->redirect_uri, challenge,
                                   self->state, cancellable, on_started, g_object_ref (self));
}

CascadeAuthTokens *
cascade_oidc_flow_run_finish (CascadeOidcFlow *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_OIDC_FLOW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cascade_oidc_flow_run_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

CascadeOidcFlow *
cascade_oidc_flow_new (CascadeClient *client,
                       const char *provider,
                       CascadeOidcOpenUriFunc open_uri,
                       gpointer open_uri_data,
                       GDestroyNotify open_uri_destroy)
{
  CascadeOidcFlow *self;

  g_return_val_if_fail (CASCADE_IS_CLIENT (client), NULL);
  g_return_val_if_fail (provider != NULL, NULL);
  g_return_val_if_fail (open_uri != NULL, NULL);

  self = g_object_new (CASCADE_TYPE_OIDC_FLOW, NULL);
  self->client = g_object_ref (client);
  self->provider = g_strdup (provider);
  self->open_uri = open_uri;
  self->open_uri_data = open_uri_data;
  self->open_uri_destroy = open_uri_destroy;
  return self;
}

const char *
cascade_oidc_flow_get_provider (CascadeOidcFlow *self)
{
  g_return_val_if_fail (CASCADE_IS_OIDC_FLOW (self), NULL);
  return self->provider;
}

void
cascade_oidc_flow_set_timeout (CascadeOidcFlow *self, guint seconds)
{
  g_return_if_fail (CASCADE_IS_OIDC_FLOW (self));
  g_return_if_fail (seconds > 0);
  self->timeout_seconds = seconds;
}

const char *
cascade_oidc_flow_get_redirect_uri (CascadeOidcFlow *self)
{
  g_return_val_if_fail (CASCADE_IS_OIDC_FLOW (self), NULL);
  return self->server != NULL ? self->redirect_uri : NULL;
}

static void
cascade_oidc_flow_dispose (GObject *object)
{
  CascadeOidcFlow *self = CASCADE_OIDC_FLOW (object);

  /* A run in flight holds a reference: none is left here. */
  g_assert (self->task == NULL);
  stop_waiting (self);
  stop_listening (self);
  if (self->open_uri_destroy != NULL)
    g_clear_pointer (&self->open_uri_data, self->open_uri_destroy);

  G_OBJECT_CLASS (cascade_oidc_flow_parent_class)->dispose (object);
}

static void
cascade_oidc_flow_finalize (GObject *object)
{
  CascadeOidcFlow *self = CASCADE_OIDC_FLOW (object);

  g_clear_object (&self->client);
  g_free (self->provider);
  g_free (self->redirect_uri);
  _cascade_clear_secret (&self->verifier);
  _cascade_clear_secret (&self->state);
  _cascade_clear_secret (&self->code);
  g_clear_error (&self->redirect_error);

  G_OBJECT_CLASS (cascade_oidc_flow_parent_class)->finalize (object);
}

static void
cascade_oidc_flow_class_init (CascadeOidcFlowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_oidc_flow_dispose;
  object_class->finalize = cascade_oidc_flow_finalize;
}

static void
cascade_oidc_flow_init (CascadeOidcFlow *self)
{
  self->timeout_seconds = DEFAULT_TIMEOUT_SECONDS;
}
