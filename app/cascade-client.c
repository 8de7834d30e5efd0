/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <sodium.h>

#include "cascade-app-private.h"
#include "cascade-client-private.h"
#include "cascade-client.h"
#include "cascade-json.h"
#include "cascade-stream.h"

/* Seconds a request may wait on the network (connecting, or silence while
 * waiting for the answer) before it fails. */
#define REQUEST_TIMEOUT_SECONDS 20
/* No answer of the API is anywhere near this; a bigger one is not our server. */
#define MAX_RESPONSE_BYTES (4 * 1024 * 1024)
#define READ_CHUNK 16384

struct _CascadeClient
{
  GObject parent_instance;

  SoupSession *session;
  char *base_url;
  char *access_token; /* wiped */
};

G_DEFINE_FINAL_TYPE (CascadeClient, cascade_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_BASE_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef CascadeClientParseFunc ParseFunc;

typedef struct
{
  SoupMessage *msg;
  GInputStream *stream;
  char *base_url;
  guint8 *buffer; /* the answer; wiped, it may hold tokens */
  gsize length;
  gsize capacity;
  ParseFunc parse;
  GDestroyNotify free_result;
  gboolean raw; /* the answer's bytes are the result (an image) */
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->msg);
  g_clear_object (&request->stream);
  g_free (request->base_url);
  if (request->buffer != NULL)
    sodium_memzero (request->buffer, request->capacity);
  g_free (request->buffer);
  g_free (request);
}

void
cascade_auth_tokens_free (CascadeAuthTokens *tokens)
{
  if (tokens == NULL)
    return;
  g_clear_object (&tokens->user);
  _cascade_clear_secret (&tokens->access_token);
  _cascade_clear_secret (&tokens->refresh_token);
  g_free (tokens);
}

/* ---- answers -------------------------------------------------------------- */

static const CascadeJsonMember auth_members[] = {
  { "user", CASCADE_JSON_OBJECT, TRUE },          { "access_token", CASCADE_JSON_STRING, TRUE },
  { "token_type", CASCADE_JSON_STRING, TRUE },    { "expires_in", CASCADE_JSON_INT, TRUE },
  { "refresh_token", CASCADE_JSON_STRING, TRUE }, { "refresh_expires_in", CASCADE_JSON_INT, TRUE },
};

static gpointer
parse_auth_tokens (JsonObject *root, GError **error)
{
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  GError *local_error = NULL;
  const char *access_token;
  const char *refresh_token;

  if (!cascade_json_check (root, auth_members, G_N_ELEMENTS (auth_members), error))
    return NULL;

  tokens = g_new0 (CascadeAuthTokens, 1);
  tokens->user = cascade_user_new_from_json (json_object_get_object_member (root, "user"), error);
  if (tokens->user == NULL)
    return NULL;

  access_token = json_object_get_string_member (root, "access_token");
  refresh_token = json_object_get_string_member (root, "refresh_token");
  tokens->access_token = g_strdup (access_token);
  tokens->refresh_token = g_strdup (refresh_token);
  tokens->expires_in = json_object_get_int_member (root, "expires_in");
  tokens->refresh_expires_in = json_object_get_int_member (root, "refresh_expires_in");
  cascade_json_wipe_string (root, "access_token");
  cascade_json_wipe_string (root, "refresh_token");

  if (g_ascii_strcasecmp (json_object_get_string_member (root, "token_type"), "Bearer") != 0)
    local_error = _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                             "“token_type” is not Bearer");
  else if (*tokens->access_token == '\0' || *tokens->refresh_token == '\0')
    local_error =
      _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL, "a token is empty");
  else if (tokens->expires_in <= 0 || tokens->refresh_expires_in <= 0)
    local_error = _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                             "a token lifetime is not positive");
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&tokens);
}

static gpointer
parse_user (JsonObject *root, GError **error)
{
  return cascade_user_new_from_json (root, error);
}

static const CascadeJsonMember error_members[] = {
  { "error", CASCADE_JSON_OBJECT, TRUE },
};

static const CascadeJsonMember error_body_members[] = {
  { "code", CASCADE_JSON_STRING, TRUE },
  { "message", CASCADE_JSON_STRING, TRUE },
  { "field", CASCADE_JSON_STRING, FALSE },
};

static gboolean
status_to_error_code (guint status, CascadeClientError *code)
{
  switch (status)
    {
      case SOUP_STATUS_BAD_REQUEST:
      case SOUP_STATUS_UNPROCESSABLE_ENTITY:
        *code = CASCADE_CLIENT_ERROR_INVALID;
        return TRUE;
      case SOUP_STATUS_UNAUTHORIZED:
        *code = CASCADE_CLIENT_ERROR_UNAUTHORIZED;
        return TRUE;
      case SOUP_STATUS_FORBIDDEN:
        *code = CASCADE_CLIENT_ERROR_FORBIDDEN;
        return TRUE;
      case SOUP_STATUS_NOT_FOUND:
        *code = CASCADE_CLIENT_ERROR_NOT_FOUND;
        return TRUE;
      case SOUP_STATUS_CONFLICT:
        *code = CASCADE_CLIENT_ERROR_CONFLICT;
        return TRUE;
      case SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE:
        *code = CASCADE_CLIENT_ERROR_TOO_LARGE;
        return TRUE;
      case 429: /* Too Many Requests: libsoup 3.2 has no name for it */
        *code = CASCADE_CLIENT_ERROR_RATE_LIMITED;
        return TRUE;
      default:
        if (status >= 500 && status <= 599)
          {
            *code = CASCADE_CLIENT_ERROR_SERVER;
            return TRUE;
          }
        /* 405, 415, an unfollowed redirect...: we and the server disagree on
       * the protocol. */
        return FALSE;
    }
}

static JsonNode *
parse_json (const Request *request)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();

  if (request->length == 0 || !json_parser_load_from_data (parser, (const char *) request->buffer,
                                                           (gssize) request->length, NULL))
    return NULL;
  return json_parser_steal_root (parser);
}

/* The error of a non-2xx answer: the server's error shape when it sent one,
 * else a message built from the status. */
static GError *
error_from_answer (const Request *request, guint status)
{
  g_autoptr (JsonNode) root = parse_json (request);
  CascadeClientError code = CASCADE_CLIENT_ERROR_PROTOCOL;
  gboolean known = status_to_error_code (status, &code);
  JsonObject *body;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      cascade_json_check (json_node_get_object (root), error_members, G_N_ELEMENTS (error_members),
                          NULL))
    {
      body = json_object_get_object_member (json_node_get_object (root), "error");
      if (cascade_json_check (body, error_body_members, G_N_ELEMENTS (error_body_members), NULL))
        {
          g_autofree char *message = NULL;

          if (known)
            message = g_strdup (json_object_get_string_member (body, "message"));
          else
            message =
              g_strdup_printf ("The server at %s refused the request (%u): %s", request->base_url,
                               status, json_object_get_string_member (body, "message"));
          return _cascade_client_error_new (code, json_object_get_string_member (body, "code"),
                                            cascade_json_get_string (body, "field"), message);
        }
    }

  {
    g_autofree char *message = NULL;
    const char *reason = soup_message_get_reason_phrase (request->msg);

    if (reason == NULL || *reason == '\0')
      reason = soup_status_get_phrase (status);
    message = g_strdup_printf ("The server at %s answered %u %s", request->base_url, status,
                               reason != NULL ? reason : "");
    return _cascade_client_error_new (code, NULL, NULL, g_strchomp (message));
  }
}

static GError *
network_error (const Request *request, const GError *error)
{
  g_autofree char *message = NULL;
  const char *why = error->message;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    why = "Connection refused";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    why = "The server did not answer in time";
  else if (g_error_matches (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
    why = "No server with that name was found";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE))
    why = "The network cannot reach it";

  message = g_strdup_printf ("Could not reach the server at %s: %s", request->base_url, why);
  return _cascade_client_error_new (CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL, message);
}

/* Completes @task with a CASCADE_CLIENT_ERROR @code whose message is printed
 * from @format. */
G_GNUC_PRINTF (3, 4)
static void
return_error (GTask *task, CascadeClientError code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_task_return_error (task, _cascade_client_error_new (code, NULL, NULL, message));
}

/* A failed send or read: a cancelled one stays cancelled, the rest are the
 * network's (taken). */
static void
return_transport_error (GTask *task, const Request *request, GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else
    {
      g_task_return_error (task, network_error (request, error));
      g_error_free (error);
    }
}

static void
finish_request (GTask *task)
{
  Request *request = g_task_get_task_data (task);
  guint status = soup_message_get_status (request->msg);
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  gpointer result;

  g_debug ("%s %s → %u (%" G_GSIZE_FORMAT " bytes)", soup_message_get_method (request->msg),
           g_uri_get_path (soup_message_get_uri (request->msg)), status, request->length);

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, error_from_answer (request, status));
      return;
    }
  if (request->raw)
    {
      g_task_return_pointer (task, g_bytes_new (request->buffer, request->length),
                             (GDestroyNotify) g_bytes_unref);
      return;
    }
  if (request->parse == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  root = parse_json (request);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      return_error (task, CASCADE_CLIENT_ERROR_PROTOCOL,
                    "The server at %s answered something that is not a Cascade server's answer "
                    "(not a JSON object)",
                    request->base_url);
      return;
    }

  result = request->parse (json_node_get_object (root), &error);
  if (result == NULL)
    {
      g_prefix_error (
        &error, "The server at %s answered something Cascade cannot read: ", request->base_url);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, result, request->free_result);
}

static void read_more (GTask *task);

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n < 0)
    {
      return_transport_error (task, request, g_steal_pointer (&error));
      return;
    }
  if (n == 0)
    {
      finish_request (task);
      return;
    }

  request->length += (gsize) n;
  if (request->length > MAX_RESPONSE_BYTES)
    {
      return_error (task, CASCADE_CLIENT_ERROR_PROTOCOL,
                    "The server at %s answered with far more data than a Cascade server sends",
                    request->base_url);
      return;
    }
  read_more (g_steal_pointer (&task));
}

static void
read_more (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  if (request->capacity - request->length < READ_CHUNK)
    {
      /* Grow by copying, so the old buffer can be wiped rather than left to
       * realloc. */
      gsize capacity = MAX (request->capacity * 2, READ_CHUNK * 2);
      guint8 *buffer = g_malloc (capacity);

      if (request->buffer != NULL)
        {
          memcpy (buffer, request->buffer, request->length);
          sodium_memzero (request->buffer, request->capacity);
          g_free (request->buffer);
        }
      request->buffer = buffer;
      request->capacity = capacity;
    }

  g_input_stream_read_async (request->stream, request->buffer + request->length,
                             request->capacity - request->length, G_PRIORITY_DEFAULT,
                             g_task_get_cancellable (task), on_read, task);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  request->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (request->stream == NULL)
    {
      if (error->domain == SOUP_SESSION_ERROR)
        return_error (task, CASCADE_CLIENT_ERROR_PROTOCOL,
                      "The server at %s answered something that is not HTTP: %s", request->base_url,
                      error->message);
      else
        return_transport_error (task, request, g_steal_pointer (&error));
      return;
    }
  read_more (g_steal_pointer (&task));
}

/* Sends one API call and completes task with parse's result (or TRUE when
 * parse is NULL, or the answer's bytes when raw), or with a
 * CASCADE_CLIENT_ERROR. Takes task and body (sent as content_type). */
static void
start_request_full (CascadeClient *self,
                    GTask *task,
                    const char *method,
                    const char *path,
                    GBytes *body,
                    const char *content_type,
                    gboolean authenticated,
                    ParseFunc parse,
                    GDestroyNotify free_result,
                    gboolean raw)
{
  g_autoptr (GTask) owned_task = task;
  g_autoptr (GBytes) owned_body = body;
  g_autofree char *uri_string = g_strconcat (self->base_url, path, NULL);
  g_autoptr (GUri) uri = g_uri_parse (uri_string, SOUP_HTTP_URI_FLAGS, NULL);
  SoupMessageHeaders *headers;
  GCancellable *cancellable;
  Request *request;

  if (uri == NULL ||
      (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
       g_strcmp0 (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      return_error (owned_task, CASCADE_CLIENT_ERROR_NETWORK,
                    "Could not reach the server at %s: that is not an http:// or https:// address",
                    self->base_url);
      return;
    }

  request = g_new0 (Request, 1);
  request->msg = soup_message_new_from_uri (method, uri);
  request->base_url = g_strdup (self->base_url);
  request->parse = parse;
  request->free_result = free_result;
  request->raw = raw;
  g_task_set_task_data (owned_task, request, (GDestroyNotify) request_free);

  headers = soup_message_get_request_headers (request->msg);
  soup_message_headers_replace (headers, "Accept", raw ? "image/*" : "application/json");
  if (authenticated && self->access_token != NULL)
    {
      char *value = g_strconcat ("Bearer ", self->access_token, NULL);

      soup_message_headers_replace (headers, "Authorization", value);
      _cascade_secret_free (value);
    }
  if (owned_body != NULL)
    soup_message_set_request_body_from_bytes (request->msg, content_type, owned_body);

  cancellable = g_task_get_cancellable (owned_task);
  soup_session_send_async (self->session, request->msg, G_PRIORITY_DEFAULT, cancellable, on_sent,
                           g_steal_pointer (&owned_task));
}

void
_cascade_client_call (CascadeClient *self,
                      gpointer source_tag,
                      const char *method,
                      const char *path,
                      GBytes *body,
                      gboolean authenticated,
                      CascadeClientParseFunc parse,
                      GDestroyNotify free_result,
                      GCancellable *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer user_data)
{
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_request_full (self, _cascade_task_new (self, source_tag, cancellable, callback, user_data),
                      method, path, body, "application/json", authenticated, parse, free_result,
                      FALSE);
}

/* A call that sends (PUT, @body as @content_type) or fetches (GET, @body
 * NULL: the answer's bytes are the result) an image, signed in. */
static void
image_call (CascadeClient *self,
            gpointer source_tag,
            const char *path,
            GBytes *body,
            const char *content_type,
            GCancellable *cancellable,
            GAsyncReadyCallback callback,
            gpointer user_data)
{
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  start_request_full (self, _cascade_task_new (self, source_tag, cancellable, callback, user_data),
                      body != NULL ? SOUP_METHOD_PUT : SOUP_METHOD_GET, path, body, content_type,
                      TRUE, NULL, NULL, body == NULL);
}

gpointer
_cascade_client_propagate_pointer (CascadeClient *self,
                                   GAsyncResult *result,
                                   gpointer source_tag,
                                   GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
_cascade_client_propagate_boolean (CascadeClient *self,
                                   GAsyncResult *result,
                                   gpointer source_tag,
                                   GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

GBytes *
_cascade_client_body_new (const char *const *keys_and_values, gsize n_members)
{
  const char **keys = g_newa (const char *, n_members);
  const char **values = g_newa (const char *, n_members);

  for (gsize i = 0; i < n_members; i++)
    {
      keys[i] = keys_and_values[2 * i];
      values[i] = keys_and_values[2 * i + 1];
    }
  return cascade_json_object_bytes_new (keys, values, n_members);
}

char *
_cascade_client_path (const char *prefix, const char *segment, const char *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (segment, NULL, FALSE);

  return g_strconcat (prefix, escaped, suffix, NULL);
}

gpointer
_cascade_client_parse_auth_tokens (JsonObject *root, GError **error)
{
  return parse_auth_tokens (root, error);
}

/* ---- public API ----------------------------------------------------------- */

void
cascade_client_register_async (CascadeClient *self,
                               const char *email,
                               const char *username,
                               const char *password,
                               const char *display_name,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (email != NULL && g_utf8_validate (email, -1, NULL));
  g_return_if_fail (username != NULL && g_utf8_validate (username, -1, NULL));
  g_return_if_fail (password != NULL && g_utf8_validate (password, -1, NULL));
  g_return_if_fail (display_name == NULL || g_utf8_validate (display_name, -1, NULL));

  _cascade_client_call (self, cascade_client_register_async, SOUP_METHOD_POST,
                        "/api/v1/auth/register",
                        CASCADE_CLIENT_BODY ("email", email, "username", username, "password",
                                             password, "display_name", display_name),
                        FALSE, parse_auth_tokens, (GDestroyNotify) cascade_auth_tokens_free,
                        cancellable, callback, user_data);
}

CascadeAuthTokens *
cascade_client_register_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_register_async, error);
}

void
cascade_client_login_async (CascadeClient *self,
                            const char *login,
                            const char *password,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  cascade_client_login_with_otp_async (self, login, password, NULL, cancellable, callback,
                                       user_data);
}

/**
 * cascade_client_login_with_otp_async:
 * @otp: (nullable): a two-factor code of the authenticator app, or a recovery code
 *
 * Signs in to an account with two-factor authentication on. Without @otp
 * such an account answers CASCADE_CLIENT_ERROR_UNAUTHORIZED with code
 * "otp_required"; a wrong code is "invalid_otp". Finish with
 * cascade_client_login_finish().
 */
void
cascade_client_login_with_otp_async (CascadeClient *self,
                                     const char *login,
                                     const char *password,
                                     const char *otp,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (login != NULL && g_utf8_validate (login, -1, NULL));
  g_return_if_fail (password != NULL && g_utf8_validate (password, -1, NULL));
  g_return_if_fail (otp == NULL || g_utf8_validate (otp, -1, NULL));

  _cascade_client_call (self, cascade_client_login_async, SOUP_METHOD_POST, "/api/v1/auth/login",
                        CASCADE_CLIENT_BODY ("login", login, "password", password, "otp", otp),
                        FALSE, parse_auth_tokens, (GDestroyNotify) cascade_auth_tokens_free,
                        cancellable, callback, user_data);
}

CascadeAuthTokens *
cascade_client_login_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_login_async, error);
}

void
cascade_client_refresh_async (CascadeClient *self,
                              const char *refresh_token,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (refresh_token != NULL && g_utf8_validate (refresh_token, -1, NULL));

  _cascade_client_call (
    self, cascade_client_refresh_async, SOUP_METHOD_POST, "/api/v1/auth/refresh",
    CASCADE_CLIENT_BODY ("refresh_token", refresh_token), FALSE, parse_auth_tokens,
    (GDestroyNotify) cascade_auth_tokens_free, cancellable, callback, user_data);
}

CascadeAuthTokens *
cascade_client_refresh_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_refresh_async, error);
}

void
cascade_client_logout_async (CascadeClient *self,
                             const char *refresh_token,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (refresh_token == NULL || g_utf8_validate (refresh_token, -1, NULL));

  _cascade_client_call (self, cascade_client_logout_async, SOUP_METHOD_POST, "/api/v1/auth/logout",
                        CASCADE_CLIENT_BODY ("refresh_token", refresh_token), TRUE, NULL, NULL,
                        cancellable, callback, user_data);
}

gboolean
cascade_client_logout_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_logout_async, error);
}

void
cascade_client_get_me_async (CascadeClient *self,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  _cascade_client_call (self, cascade_client_get_me_async, SOUP_METHOD_GET, "/api/v1/me", NULL,
                        TRUE, parse_user, g_object_unref, cancellable, callback, user_data);
}

CascadeUser *
cascade_client_get_me_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_get_me_async, error);
}

/* ---- streams -------------------------------------------------------------- */

static gpointer
parse_stream (JsonObject *root, GError **error)
{
  return cascade_stream_new_from_json (root, error);
}

static const CascadeJsonMember items_members[] = {
  { "items", CASCADE_JSON_ARRAY, TRUE },
};

static const CascadeJsonMember list_members[] = {
  { "items", CASCADE_JSON_ARRAY, TRUE },
  { "next_cursor", CASCADE_JSON_STRING, FALSE },
};

/* The "items" of an answer, each an object made into an item by item_new,
 * in an array that frees them with free_item. */
GPtrArray *
_cascade_client_parse_items (JsonObject *root,
                             CascadeClientItemNew item_new,
                             GDestroyNotify free_item,
                             GError **error)
{
  g_autoptr (GPtrArray) result = g_ptr_array_new_with_free_func (free_item);
  JsonArray *items;

  if (!cascade_json_check (root, items_members, G_N_ELEMENTS (items_members), error))
    return NULL;
  items = json_object_get_array_member (root, "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      gpointer item;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_propagate_error (error,
                             _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                                        "a list item is not an object"));
          return NULL;
        }
      item = item_new (json_node_get_object (node), error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (result, item);
    }
  return g_steal_pointer (&result);
}

/* A list answer, {"items": [...], "next_cursor"}, as a GListStore of
 * item_type, each item made by item_new from its object. */
GListStore *
_cascade_client_parse_list (JsonObject *root,
                            GType item_type,
                            CascadeClientItemNew item_new,
                            GError **error)
{
  g_autoptr (GListStore) store = NULL;
  g_autoptr (GPtrArray) items = NULL;

  if (!cascade_json_check (root, list_members, G_N_ELEMENTS (list_members), error))
    return NULL;
  items = _cascade_client_parse_items (root, item_new, g_object_unref, error);
  if (items == NULL)
    return NULL;
  store = g_list_store_new (item_type);
  g_list_store_splice (store, 0, 0, items->pdata, items->len);
  return g_steal_pointer (&store);
}

static gpointer
parse_stream_list (JsonObject *root, GError **error)
{
  return _cascade_client_parse_list (root, CASCADE_TYPE_STREAM,
                                     (CascadeClientItemNew) cascade_stream_new_from_json, error);
}

/**
 * cascade_client_start_stream_async:
 * @renditions: (element-type JsonObject): what will be sent, each
 *   {"width", "height", "fps", "bitrate_kbps", "codec": "h264"}
 *
 * Goes live (POST /api/v1/streams). A user already live gets
 * CASCADE_CLIENT_ERROR_CONFLICT with code "already_live".
 */
void
cascade_client_start_stream_async (CascadeClient *self,
                                   const char *title,
                                   const char *category,
                                   JsonArray *renditions,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (JsonObject) object = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;
  gsize length;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (title != NULL && g_utf8_validate (title, -1, NULL));
  g_return_if_fail (category != NULL && g_utf8_validate (category, -1, NULL));
  g_return_if_fail (renditions != NULL);

  json_object_set_string_member (object, "title", title);
  json_object_set_string_member (object, "category", category);
  json_object_set_array_member (object, "renditions", json_array_ref (renditions));
  node = json_node_init_object (json_node_alloc (), object);
  text = json_to_string (node, FALSE);
  length = strlen (text);

  _cascade_client_call (self, cascade_client_start_stream_async, SOUP_METHOD_POST,
                        "/api/v1/streams", g_bytes_new_take (g_steal_pointer (&text), length), TRUE,
                        parse_stream, g_object_unref, cancellable, callback, user_data);
}

/* Returns: (transfer full): the live stream */
CascadeStream *
cascade_client_start_stream_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_start_stream_async, error);
}

/* Ends one's own stream (DELETE /api/v1/streams/ID). */
void
cascade_client_end_stream_async (CascadeClient *self,
                                 const char *id,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  path = _cascade_client_path ("/api/v1/streams/", id, NULL);
  _cascade_client_call (self, cascade_client_end_stream_async, SOUP_METHOD_DELETE, path, NULL, TRUE,
                        NULL, NULL, cancellable, callback, user_data);
}

gboolean
cascade_client_end_stream_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_end_stream_async, error);
}

/* The live streams, most viewers first (the first 100). */
void
cascade_client_list_live_streams_async (CascadeClient *self,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  _cascade_client_call (self, cascade_client_list_live_streams_async, SOUP_METHOD_GET,
                        "/api/v1/streams?live=true&limit=100", NULL, TRUE, parse_stream_list,
                        g_object_unref, cancellable, callback, user_data);
}

/* Returns: (transfer full): a GListStore of CascadeStream */
GListStore *
cascade_client_list_live_streams_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_list_live_streams_async,
                                            error);
}

void
cascade_client_get_stream_async (CascadeClient *self,
                                 const char *id,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  path = _cascade_client_path ("/api/v1/streams/", id, NULL);
  _cascade_client_call (self, cascade_client_get_stream_async, SOUP_METHOD_GET, path, NULL, TRUE,
                        parse_stream, g_object_unref, cancellable, callback, user_data);
}

/* Returns: (transfer full): the stream, live or ended */
CascadeStream *
cascade_client_get_stream_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_get_stream_async, error);
}

/**
 * cascade_client_upload_thumbnail_async:
 * @image: a PNG or JPEG image, at most 512 KiB
 * @content_type: "image/png" or "image/jpeg"
 *
 * Replaces the thumbnail of one's own live stream.
 */
void
cascade_client_upload_thumbnail_async (CascadeClient *self,
                                       const char *id,
                                       GBytes *image,
                                       const char *content_type,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (id != NULL && image != NULL);
  g_return_if_fail (g_strcmp0 (content_type, "image/png") == 0 ||
                    g_strcmp0 (content_type, "image/jpeg") == 0);

  path = _cascade_client_path ("/api/v1/streams/", id, "/thumbnail");
  image_call (self, cascade_client_upload_thumbnail_async, path, g_bytes_ref (image), content_type,
              cancellable, callback, user_data);
}

gboolean
cascade_client_upload_thumbnail_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_upload_thumbnail_async,
                                            error);
}

/* The stream's thumbnail; CASCADE_CLIENT_ERROR_NOT_FOUND when it has none. */
void
cascade_client_get_thumbnail_async (CascadeClient *self,
                                    const char *id,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (id != NULL);

  path = _cascade_client_path ("/api/v1/streams/", id, "/thumbnail");
  image_call (self, cascade_client_get_thumbnail_async, path, NULL, NULL, cancellable, callback,
              user_data);
}

/* Returns: (transfer full): the image's bytes (PNG or JPEG) */
GBytes *
cascade_client_get_thumbnail_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_get_thumbnail_async,
                                            error);
}

/* ---- channels ------------------------------------------------------------- */

void
cascade_client_follow_async (CascadeClient *self,
                             const char *channel,
                             gboolean follow,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (channel != NULL);

  path = _cascade_client_path ("/api/v1/channels/", channel, "/follow");
  _cascade_client_call (self, cascade_client_follow_async,
                        follow ? SOUP_METHOD_PUT : SOUP_METHOD_DELETE, path, NULL, TRUE, NULL, NULL,
                        cancellable, callback, user_data);
}

gboolean
cascade_client_follow_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_follow_async, error);
}

/**
 * cascade_client_get_image_async:
 * @path: a path on the server, starting with "/api/v1/"
 */
void
cascade_client_get_image_async (CascadeClient *self,
                                const char *path,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (path != NULL && g_str_has_prefix (path, "/api/v1/"));

  image_call (self, cascade_client_get_image_async, path, NULL, NULL, cancellable, callback,
              user_data);
}

/* Returns: (transfer full): the image's bytes */
GBytes *
cascade_client_get_image_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_get_image_async, error);
}

static const CascadeJsonMember emote_list_members[] = {
  { "items", CASCADE_JSON_ARRAY, TRUE },
};

static gpointer
parse_emote_list (JsonObject *root, GError **error)
{
  if (!cascade_json_check (root, emote_list_members, G_N_ELEMENTS (emote_list_members), error))
    return NULL;
  return json_array_ref (json_object_get_array_member (root, "items"));
}

void
cascade_client_list_emotes_async (CascadeClient *self,
                                  const char *channel,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (channel != NULL);

  path = _cascade_client_path ("/api/v1/channels/", channel, "/emotes");
  _cascade_client_call (self, cascade_client_list_emotes_async, SOUP_METHOD_GET, path, NULL, FALSE,
                        parse_emote_list, (GDestroyNotify) json_array_unref, cancellable, callback,
                        user_data);
}

/* Returns: (transfer full) (element-type JsonObject): the emotes */
JsonArray *
cascade_client_list_emotes_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_pointer (self, result, cascade_client_list_emotes_async, error);
}

void
cascade_client_put_emote_async (CascadeClient *self,
                                const char *channel,
                                const char *code,
                                GBytes *png,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autofree char *escaped = NULL;
  g_autofree char *suffix = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (channel != NULL && code != NULL && png != NULL);

  escaped = g_uri_escape_string (code, NULL, FALSE);
  suffix = g_strconcat ("/emotes/", escaped, NULL);
  path = _cascade_client_path ("/api/v1/channels/", channel, suffix);
  image_call (self, cascade_client_put_emote_async, path, g_bytes_ref (png), "image/png",
              cancellable, callback, user_data);
}

gboolean
cascade_client_put_emote_finish (CascadeClient *self, GAsyncResult *result, GError **error)
{
  return _cascade_client_propagate_boolean (self, result, cascade_client_put_emote_async, error);
}

/* The access token to authenticate with, for the realtime connection. */
char *
_cascade_client_dup_access_token (CascadeClient *self)
{
  g_return_val_if_fail (CASCADE_IS_CLIENT (self), NULL);

  return g_strdup (self->access_token);
}

/* ---- object --------------------------------------------------------------- */

static char *
normalize_base_url (const char *base_url)
{
  char *url = g_strstrip (g_strdup (base_url));
  const char *authority = strstr (url, "://");
  gsize keep = authority != NULL ? (gsize) (authority - url) + 3 : 0;
  gsize len = strlen (url);

  /* "http://host/" and "http://host" are the same server; "http://" stays. */
  while (len > keep && url[len - 1] == '/')
    url[--len] = '\0';
  return url;
}

CascadeClient *
cascade_client_new (const char *base_url)
{
  g_return_val_if_fail (base_url != NULL, NULL);

  return g_object_new (CASCADE_TYPE_CLIENT, "base-url", base_url, NULL);
}

const char *
cascade_client_get_base_url (CascadeClient *self)
{
  g_return_val_if_fail (CASCADE_IS_CLIENT (self), NULL);

  return self->base_url;
}

void
cascade_client_set_base_url (CascadeClient *self, const char *base_url)
{
  g_autofree char *url = NULL;

  g_return_if_fail (CASCADE_IS_CLIENT (self));
  g_return_if_fail (base_url != NULL);

  url = normalize_base_url (base_url);
  if (g_strcmp0 (url, self->base_url) == 0)
    return;
  g_free (self->base_url);
  self->base_url = g_steal_pointer (&url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
}

void
cascade_client_set_access_token (CascadeClient *self, const char *access_token)
{
  g_return_if_fail (CASCADE_IS_CLIENT (self));

  if (access_token == self->access_token)
    return;
  _cascade_clear_secret (&self->access_token);
  self->access_token = g_strdup (access_token);
}

static void
cascade_client_finalize (GObject *object)
{
  CascadeClient *self = CASCADE_CLIENT (object);

  g_clear_object (&self->session);
  g_free (self->base_url);
  _cascade_clear_secret (&self->access_token);

  G_OBJECT_CLASS (cascade_client_parent_class)->finalize (object);
}

static void
cascade_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeClient *self = CASCADE_CLIENT (object);

  switch (prop_id)
    {
      case PROP_BASE_URL:
        g_value_set_string (value, self->base_url);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CascadeClient *self = CASCADE_CLIENT (object);

  switch (prop_id)
    {
      case PROP_BASE_URL:
        cascade_client_set_base_url (self, g_value_get_string (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_client_class_init (CascadeClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cascade_client_finalize;
  object_class->get_property = cascade_client_get_property;
  object_class->set_property = cascade_client_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, "http://127.0.0.1:8787",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_client_init (CascadeClient *self)
{
  self->base_url = g_strdup ("http://127.0.0.1:8787");
  self->session = soup_session_new_with_options ("user-agent", "Cascade/" PACKAGE_VERSION,
                                                 "timeout", REQUEST_TIMEOUT_SECONDS, NULL);
}
