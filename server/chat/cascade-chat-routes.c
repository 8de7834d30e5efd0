/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-routes.h"

#include <libsoup/soup.h>

/*
 * The HTTP face of the chat context (docs/api.md, "Chat", REST): history
 * and replay, moderators, the moderation log, blocked terms and emotes.
 * Handlers run on worker threads.
 */

#define SEGMENT_CHANNEL 3 /* /api/v1/channels/{username}/... */
#define SEGMENT_ITEM 6    /* .../chat/moderators/{username}, and 5 for .../emotes/{code} */
#define HISTORY_DEFAULT 50
#define HISTORY_MAX 100
#define REPLAY_DEFAULT 100
#define REPLAY_MAX 500

static const CascadeJsonMember terms_body[] = {
  { "terms", CASCADE_JSON_ARRAY, CASCADE_JSON_REQUIRED },
  { NULL },
};

static gboolean
parse_number (CascadeRequest *request,
              const char *name,
              gint64 min,
              gint64 max,
              gint64 fallback,
              gint64 *out,
              GError **error)
{
  const char *text = cascade_request_get_query_param (request, name);
  gint64 value;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                   "“%s” must be a number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ".", name,
                   min, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

static const char *
channel_of (CascadeRequest *request)
{
  return cascade_request_get_path_segment (request, SEGMENT_CHANNEL);
}

static const char *
user_of (CascadeRequest *request)
{
  return cascade_request_get_principal (request)->user_id;
}

static gboolean
respond (CascadeResponse *response, guint status, JsonNode *body)
{
  if (body == NULL)
    return FALSE;
  cascade_response_set_json (response, status, body);
  return TRUE;
}

static gboolean
handle_history (CascadeRequest *request,
                CascadeResponse *response,
                gpointer user_data,
                GError **error)
{
  const char *session = cascade_request_get_query_param (request, "session");
  gint64 limit, from, to;

  if (session == NULL)
    {
      if (!parse_number (request, "limit", 1, HISTORY_MAX, HISTORY_DEFAULT, &limit, error))
        return FALSE;
      return respond (response, SOUP_STATUS_OK,
                      cascade_chat_history (user_data, channel_of (request),
                                            cascade_request_get_query_param (request, "before"),
                                            (guint) limit, error));
    }
  if (!parse_number (request, "limit", 1, REPLAY_MAX, REPLAY_DEFAULT, &limit, error) ||
      !parse_number (request, "from_offset", 0, G_MAXINT64, 0, &from, error) ||
      !parse_number (request, "to_offset", 0, G_MAXINT64, G_MAXINT64, &to, error))
    return FALSE;
  return respond (
    response, SOUP_STATUS_OK,
    cascade_chat_replay (user_data, channel_of (request), session, from, to, (guint) limit, error));
}

static gboolean
handle_moderators (CascadeRequest *request,
                   CascadeResponse *response,
                   gpointer user_data,
                   GError **error)
{
  return respond (response, SOUP_STATUS_OK,
                  cascade_chat_list_moderators (user_data, channel_of (request), error));
}

static gboolean
change_moderator (CascadeRequest *request,
                  CascadeResponse *response,
                  gpointer user_data,
                  const char *action,
                  GError **error)
{
  g_autoptr (JsonObject) args = json_object_new ();
  g_autoptr (CascadeChatChange) change = NULL;

  json_object_set_string_member (args, "username",
                                 cascade_request_get_path_segment (request, SEGMENT_ITEM));
  change =
    cascade_chat_moderate (user_data, user_of (request), channel_of (request), action, args, error);
  if (change == NULL)
    return FALSE;
  cascade_response_set_empty (response, SOUP_STATUS_NO_CONTENT);
  return TRUE;
}

static gboolean
handle_put_moderator (CascadeRequest *request,
                      CascadeResponse *response,
                      gpointer user_data,
                      GError **error)
{
  return change_moderator (request, response, user_data, "mod_add", error);
}

static gboolean
handle_delete_moderator (CascadeRequest *request,
                         CascadeResponse *response,
                         gpointer user_data,
                         GError **error)
{
  return change_moderator (request, response, user_data, "mod_remove", error);
}

static gboolean
handle_log (CascadeRequest *request, CascadeResponse *response, gpointer user_data, GError **error)
{
  gint64 limit;

  if (!parse_number (request, "limit", 1, HISTORY_MAX, HISTORY_DEFAULT, &limit, error))
    return FALSE;
  return respond (response, SOUP_STATUS_OK,
                  cascade_chat_mod_log (user_data, user_of (request), channel_of (request),
                                        cascade_request_get_query_param (request, "cursor"),
                                        (guint) limit, error));
}

static gboolean
handle_get_terms (CascadeRequest *request,
                  CascadeResponse *response,
                  gpointer user_data,
                  GError **error)
{
  return respond (
    response, SOUP_STATUS_OK,
    cascade_chat_get_terms (user_data, user_of (request), channel_of (request), error));
}

static gboolean
handle_put_terms (CascadeRequest *request,
                  CascadeResponse *response,
                  gpointer user_data,
                  GError **error)
{
  g_autoptr (CascadeChatChange) change =
    cascade_chat_moderate (user_data, user_of (request), channel_of (request), "terms",
                           cascade_request_get_json (request), error);

  if (change == NULL)
    return FALSE;
  return handle_get_terms (request, response, user_data, error);
}

static gboolean
handle_list_emotes (CascadeRequest *request,
                    CascadeResponse *response,
                    gpointer user_data,
                    GError **error)
{
  return respond (response, SOUP_STATUS_OK,
                  cascade_chat_list_emotes (user_data, channel_of (request), error));
}

static gboolean
handle_put_emote (CascadeRequest *request,
                  CascadeResponse *response,
                  gpointer user_data,
                  GError **error)
{
  g_autoptr (GBytes) png = NULL;
  const guint8 *data;
  gsize length;

  if (g_strcmp0 (cascade_request_get_content_type (request), "image/png") != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE,
                           "Send the emote as “Content-Type: image/png”.");
      return FALSE;
    }
  data = cascade_request_get_body_data (request, &length);
  png = g_bytes_new (data, length);
  if (!cascade_chat_put_emote (user_data, user_of (request), channel_of (request),
                               cascade_request_get_path_segment (request, 5), png, error))
    return FALSE;
  cascade_response_set_empty (response, SOUP_STATUS_NO_CONTENT);
  return TRUE;
}

static gboolean
handle_delete_emote (CascadeRequest *request,
                     CascadeResponse *response,
                     gpointer user_data,
                     GError **error)
{
  if (!cascade_chat_delete_emote (user_data, user_of (request), channel_of (request),
                                  cascade_request_get_path_segment (request, 5), error))
    return FALSE;
  cascade_response_set_empty (response, SOUP_STATUS_NO_CONTENT);
  return TRUE;
}

static gboolean
handle_get_emote (CascadeRequest *request,
                  CascadeResponse *response,
                  gpointer user_data,
                  GError **error)
{
  g_autoptr (GBytes) png =
    cascade_chat_dup_emote (user_data, cascade_request_get_path_segment (request, 3), error);

  if (png == NULL)
    return FALSE;
  cascade_response_set_bytes (response, SOUP_STATUS_OK, "image/png", png);
  return TRUE;
}

static const CascadeRoute chat_routes[] = {
  { "GET", "/api/v1/channels/{username}/chat", CASCADE_ROUTE_PUBLIC, NULL, handle_history },
  { "GET", "/api/v1/channels/{username}/chat/moderators", CASCADE_ROUTE_PUBLIC, NULL,
    handle_moderators },
  { "PUT", "/api/v1/channels/{username}/chat/moderators/{moderator}",
    CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_BODY_OPTIONAL, NULL, handle_put_moderator },
  { "DELETE", "/api/v1/channels/{username}/chat/moderators/{moderator}",
    CASCADE_ROUTE_AUTHENTICATED, NULL, handle_delete_moderator },
  { "GET", "/api/v1/channels/{username}/chat/log", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_log },
  { "GET", "/api/v1/channels/{username}/chat/blocked-terms", CASCADE_ROUTE_AUTHENTICATED, NULL,
    handle_get_terms },
  { "PUT", "/api/v1/channels/{username}/chat/blocked-terms", CASCADE_ROUTE_AUTHENTICATED,
    terms_body, handle_put_terms },
  { "GET", "/api/v1/channels/{username}/emotes", CASCADE_ROUTE_PUBLIC, NULL, handle_list_emotes },
  { "PUT", "/api/v1/channels/{username}/emotes/{code}", CASCADE_ROUTE_AUTHENTICATED, NULL,
    handle_put_emote },
  { "DELETE", "/api/v1/channels/{username}/emotes/{code}", CASCADE_ROUTE_AUTHENTICATED, NULL,
    handle_delete_emote },
  { "GET", "/api/v1/emotes/{id}", CASCADE_ROUTE_PUBLIC, NULL, handle_get_emote },
};

void
cascade_chat_routes_install (CascadeGateway *gateway, CascadeChat *chat)
{
  g_return_if_fail (CASCADE_IS_GATEWAY (gateway));
  g_return_if_fail (CASCADE_IS_CHAT (chat));

  cascade_gateway_add_routes (gateway, chat_routes, G_N_ELEMENTS (chat_routes), chat);
}
