/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-response.h"

#include <libsoup/soup.h>

#include "cascade-json-validate.h"

struct _CascadeResponse
{
  guint status;
  JsonNode *body;
  GBytes *bytes; /* a body that is not JSON (images), with its media type */
  char *bytes_type;
  GPtrArray *headers; /* name, value, name, value, ..., NULL */
};

/* The error contract (docs/api.md): each error of the server, its HTTP
 * status, its stable code and, for errors about one member of the request
 * body, that member. */
static const struct
{
  CascadeServerError error;
  guint status;
  const char *code;
  const char *field;
} error_table[] = {
  { CASCADE_SERVER_ERROR_FAILED, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error", NULL },
  { CASCADE_SERVER_ERROR_CONFIG, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error", NULL },
  { CASCADE_SERVER_ERROR_DATABASE, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error", NULL },
  { CASCADE_SERVER_ERROR_UNAVAILABLE, SOUP_STATUS_SERVICE_UNAVAILABLE, "service_unavailable",
    NULL },
  { CASCADE_SERVER_ERROR_MALFORMED_JSON, SOUP_STATUS_BAD_REQUEST, "malformed_json", NULL },
  { CASCADE_SERVER_ERROR_MISSING_FIELD, SOUP_STATUS_BAD_REQUEST, "missing_field", NULL },
  { CASCADE_SERVER_ERROR_INVALID_TYPE, SOUP_STATUS_BAD_REQUEST, "invalid_type", NULL },
  { CASCADE_SERVER_ERROR_INVALID_EMAIL, SOUP_STATUS_BAD_REQUEST, "invalid_email", "email" },
  { CASCADE_SERVER_ERROR_INVALID_USERNAME, SOUP_STATUS_BAD_REQUEST, "invalid_username",
    "username" },
  { CASCADE_SERVER_ERROR_INVALID_PASSWORD, SOUP_STATUS_BAD_REQUEST, "invalid_password",
    "password" },
  { CASCADE_SERVER_ERROR_INVALID_DISPLAY_NAME, SOUP_STATUS_BAD_REQUEST, "invalid_display_name",
    "display_name" },
  { CASCADE_SERVER_ERROR_UNAUTHORIZED, SOUP_STATUS_UNAUTHORIZED, "unauthorized", NULL },
  { CASCADE_SERVER_ERROR_INVALID_TOKEN, SOUP_STATUS_UNAUTHORIZED, "invalid_token", NULL },
  { CASCADE_SERVER_ERROR_TOKEN_EXPIRED, SOUP_STATUS_UNAUTHORIZED, "token_expired", NULL },
  { CASCADE_SERVER_ERROR_INVALID_CREDENTIALS, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials",
    NULL },
  { CASCADE_SERVER_ERROR_INVALID_REFRESH_TOKEN, SOUP_STATUS_UNAUTHORIZED, "invalid_refresh_token",
    NULL },
  { CASCADE_SERVER_ERROR_REFRESH_TOKEN_REUSED, SOUP_STATUS_UNAUTHORIZED, "refresh_token_reused",
    NULL },
  { CASCADE_SERVER_ERROR_NOT_FOUND, SOUP_STATUS_NOT_FOUND, "not_found", NULL },
  { CASCADE_SERVER_ERROR_METHOD_NOT_ALLOWED, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
    NULL },
  { CASCADE_SERVER_ERROR_EMAIL_TAKEN, SOUP_STATUS_CONFLICT, "email_taken", "email" },
  { CASCADE_SERVER_ERROR_USERNAME_TAKEN, SOUP_STATUS_CONFLICT, "username_taken", "username" },
  { CASCADE_SERVER_ERROR_PAYLOAD_TOO_LARGE, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
    "payload_too_large", NULL },
  { CASCADE_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
    "unsupported_media_type", NULL },
  { CASCADE_SERVER_ERROR_RATE_LIMITED, 429 /* Too Many Requests */, "rate_limited", NULL },
  { CASCADE_SERVER_ERROR_ACCOUNT_LOCKED, 429 /* Too Many Requests */, "account_locked", NULL },
  { CASCADE_SERVER_ERROR_INVALID_EMAIL_TOKEN, SOUP_STATUS_BAD_REQUEST, "invalid_email_token",
    "token" },
  { CASCADE_SERVER_ERROR_FORBIDDEN, SOUP_STATUS_FORBIDDEN, "forbidden", NULL },
  { CASCADE_SERVER_ERROR_ACCOUNT_BANNED, SOUP_STATUS_FORBIDDEN, "account_banned", NULL },
  { CASCADE_SERVER_ERROR_INVALID_ROLE, SOUP_STATUS_BAD_REQUEST, "invalid_role", "role" },
  { CASCADE_SERVER_ERROR_WRONG_PASSWORD, SOUP_STATUS_FORBIDDEN, "wrong_password", NULL },
  { CASCADE_SERVER_ERROR_OTP_REQUIRED, SOUP_STATUS_UNAUTHORIZED, "otp_required", "otp" },
  { CASCADE_SERVER_ERROR_INVALID_OTP, SOUP_STATUS_UNAUTHORIZED, "invalid_otp", "otp" },
  { CASCADE_SERVER_ERROR_INVALID_TITLE, SOUP_STATUS_BAD_REQUEST, "invalid_title", "title" },
  { CASCADE_SERVER_ERROR_INVALID_CATEGORY, SOUP_STATUS_BAD_REQUEST, "invalid_category",
    "category" },
  { CASCADE_SERVER_ERROR_INVALID_RENDITIONS, SOUP_STATUS_BAD_REQUEST, "invalid_renditions",
    "renditions" },
  { CASCADE_SERVER_ERROR_ALREADY_LIVE, SOUP_STATUS_CONFLICT, "already_live", NULL },
  { CASCADE_SERVER_ERROR_NOT_OWNER, SOUP_STATUS_FORBIDDEN, "not_owner", NULL },
  { CASCADE_SERVER_ERROR_STREAM_ENDED, SOUP_STATUS_CONFLICT, "stream_ended", NULL },
  { CASCADE_SERVER_ERROR_INVALID_VALUE, SOUP_STATUS_BAD_REQUEST, "invalid_value", NULL },
  { CASCADE_SERVER_ERROR_INVALID_TERMS, SOUP_STATUS_BAD_REQUEST, "invalid_terms", "terms" },
  { CASCADE_SERVER_ERROR_INVALID_EMOTE_CODE, SOUP_STATUS_BAD_REQUEST, "invalid_emote_code", NULL },
  { CASCADE_SERVER_ERROR_INVALID_IMAGE, SOUP_STATUS_BAD_REQUEST, "invalid_image", NULL },
  { CASCADE_SERVER_ERROR_TOO_MANY_EMOTES, SOUP_STATUS_CONFLICT, "too_many_emotes", NULL },
  { CASCADE_SERVER_ERROR_INVALID_FOLLOW, SOUP_STATUS_BAD_REQUEST, "invalid_follow", NULL },
  { CASCADE_SERVER_ERROR_INVALID_REDIRECT_URI, SOUP_STATUS_BAD_REQUEST, "invalid_redirect_uri",
    "redirect_uri" },
  { CASCADE_SERVER_ERROR_INVALID_CODE_CHALLENGE, SOUP_STATUS_BAD_REQUEST, "invalid_code_challenge",
    "code_challenge" },
  { CASCADE_SERVER_ERROR_INVALID_STATE, SOUP_STATUS_BAD_REQUEST, "invalid_state", "state" },
  { CASCADE_SERVER_ERROR_INVALID_GRANT, SOUP_STATUS_BAD_REQUEST, "invalid_grant", NULL },
  { CASCADE_SERVER_ERROR_PROVIDER_UNAVAILABLE, SOUP_STATUS_BAD_GATEWAY, "provider_unavailable",
    NULL },
  { CASCADE_SERVER_ERROR_PROVIDER_ERROR, SOUP_STATUS_BAD_GATEWAY, "provider_error", NULL },
  { CASCADE_SERVER_ERROR_INVALID_ID_TOKEN, SOUP_STATUS_BAD_GATEWAY, "invalid_id_token", NULL },
};

/**
 * cascade_server_error_describe:
 * @status: (out): the HTTP status
 * @code: (out): the stable error code
 * @field: (out): the request member the error is about, or %NULL
 *
 * Returns: %TRUE if @error may be shown to the client as it is; %FALSE for
 *   an internal error, whose message must not leave the server
 */
gboolean
cascade_server_error_describe (const GError *error,
                               guint *status,
                               const char **code,
                               const char **field)
{
  g_return_val_if_fail (error != NULL, FALSE);

  if (error->domain == CASCADE_SERVER_ERROR)
    for (gsize i = 0; i < G_N_ELEMENTS (error_table); i++)
      if (error_table[i].error == (CascadeServerError) error->code)
        {
          *status = error_table[i].status;
          *code = error_table[i].code;
          *field = error_table[i].field;
          return *status != SOUP_STATUS_INTERNAL_SERVER_ERROR;
        }
  *status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  *code = "internal_error";
  *field = NULL;
  return FALSE;
}

CascadeResponse *
cascade_response_new (void)
{
  CascadeResponse *self = g_new0 (CascadeResponse, 1);

  self->status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  self->headers = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->headers, NULL);
  return self;
}

void
cascade_response_free (CascadeResponse *self)
{
  if (self == NULL)
    return;
  cascade_json_wipe_strings (self->body); /* it may carry tokens */
  g_clear_pointer (&self->body, json_node_unref);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_free (self->bytes_type);
  g_ptr_array_unref (self->headers);
  g_free (self);
}

/* @body: (transfer full): the JSON document to answer with */
void
cascade_response_set_json (CascadeResponse *self, guint status, JsonNode *body)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (body != NULL);

  g_clear_pointer (&self->body, json_node_unref);
  self->status = status;
  self->body = body;
}

/* Answers with @bytes as they are, as @content_type (an image, say). */
void
cascade_response_set_bytes (CascadeResponse *self,
                            guint status,
                            const char *content_type,
                            GBytes *bytes)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (content_type != NULL && bytes != NULL);

  g_clear_pointer (&self->body, json_node_unref);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_free (self->bytes_type);
  self->status = status;
  self->bytes = g_bytes_ref (bytes);
  self->bytes_type = g_strdup (content_type);
}

/* (transfer none) (nullable): the body set with cascade_response_set_bytes() */
GBytes *
cascade_response_get_bytes (CascadeResponse *self, const char **content_type)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (content_type != NULL)
    *content_type = self->bytes_type;
  return self->bytes;
}

void
cascade_response_set_empty (CascadeResponse *self, guint status)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->body, json_node_unref);
  self->status = status;
}

/**
 * cascade_response_set_error:
 * @field: (nullable): the request member at fault, when the error's code
 *   does not already name one (missing_field, invalid_type)
 *
 * Answers with the error shape of the contract:
 * {"error": {"code": ..., "message": ..., "field": ...}}. Internal errors
 * are logged here and answered with a generic message.
 */
void
cascade_response_set_error (CascadeResponse *self, const GError *error, const char *field)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  const char *code;
  const char *table_field;
  guint status;
  gboolean public;

  g_return_if_fail (self != NULL);
  g_return_if_fail (error != NULL);

  public = cascade_server_error_describe (error, &status, &code, &table_field);
  if (status == SOUP_STATUS_INTERNAL_SERVER_ERROR)
    g_warning ("Internal error: %s", error->message);
  if (field == NULL)
    field = table_field;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, public ? error->message
                                                 : "Something went wrong on the server. "
                                                   "Try again later.");
  if (field != NULL)
    {
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, field);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  cascade_response_set_json (self, status, json_builder_get_root (builder));
}

void
cascade_response_set_header (CascadeResponse *self, const char *name, const char *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (name != NULL && value != NULL);

  g_ptr_array_remove_index (self->headers, self->headers->len - 1);
  g_ptr_array_add (self->headers, g_strdup (name));
  g_ptr_array_add (self->headers, g_strdup (value));
  g_ptr_array_add (self->headers, NULL);
}

guint
cascade_response_get_status (CascadeResponse *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->status;
}

/* (transfer none) (nullable) */
JsonNode *
cascade_response_get_body (CascadeResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->body;
}

/* Name, value, name, value, ..., NULL */
const char *const *
cascade_response_get_headers (CascadeResponse *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return (const char *const *) self->headers->pdata;
}
