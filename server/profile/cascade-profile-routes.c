/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-profile-routes.h"

#include <libsoup/soup.h>

/*
 * The HTTP face of the profile context (docs/api.md, "Follows"), and the
 * members it adds to the streaming context's Channel object. Handlers run on
 * worker threads.
 */

#define SEGMENT_CHANNEL 3
#define GATEWAY_KEY "cascade-profile-gateway"

static gboolean
follow (CascadeRequest *request,
        CascadeResponse *response,
        gpointer user_data,
        gboolean on,
        GError **error)
{
  if (!cascade_profile_follow (user_data, cascade_request_get_principal (request)->user_id,
                               cascade_request_get_path_segment (request, SEGMENT_CHANNEL), on,
                               error))
    return FALSE;
  cascade_response_set_empty (response, SOUP_STATUS_NO_CONTENT);
  return TRUE;
}

static gboolean
handle_follow (CascadeRequest *request,
               CascadeResponse *response,
               gpointer user_data,
               GError **error)
{
  return follow (request, response, user_data, TRUE, error);
}

static gboolean
handle_unfollow (CascadeRequest *request,
                 CascadeResponse *response,
                 gpointer user_data,
                 GError **error)
{
  return follow (request, response, user_data, FALSE, error);
}

static gboolean
handle_list (CascadeRequest *request, CascadeResponse *response, gpointer user_data, GError **error)
{
  JsonNode *body = cascade_profile_list_follows (
    user_data, cascade_request_get_principal (request)->user_id, error);

  if (body == NULL)
    return FALSE;
  cascade_response_set_json (response, SOUP_STATUS_OK, body);
  return TRUE;
}

/* {"color": chosen or null, "palette": [...]} */
static JsonNode *
build_chat_color (const char *color)
{
  JsonObject *body = json_object_new ();
  JsonArray *palette = json_array_new ();
  const char *const *colors = cascade_server_chat_palette ();

  if (color != NULL)
    json_object_set_string_member (body, "color", color);
  else
    json_object_set_null_member (body, "color");
  for (guint i = 0; colors[i] != NULL; i++)
    json_array_add_string_element (palette, colors[i]);
  json_object_set_array_member (body, "palette", palette);
  return json_node_init_object (json_node_alloc (), body);
}

static gboolean
handle_get_chat_color (CascadeRequest *request,
                       CascadeResponse *response,
                       gpointer user_data,
                       GError **error)
{
  GError *local_error = NULL;
  g_autofree char *color = cascade_profile_get_chat_color (
    user_data, cascade_request_get_principal (request)->user_id, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  cascade_response_set_json (response, SOUP_STATUS_OK, build_chat_color (color));
  return TRUE;
}

static const CascadeJsonMember chat_color_members[] = {
  { "color", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static gboolean
handle_put_chat_color (CascadeRequest *request,
                       CascadeResponse *response,
                       gpointer user_data,
                       GError **error)
{
  JsonObject *body = cascade_request_get_json (request);
  JsonNode *node = json_object_get_member (body, "color");
  const char *color =
    node != NULL && !JSON_NODE_HOLDS_NULL (node) ? json_node_get_string (node) : NULL;
  g_autofree char *lower = color != NULL ? g_ascii_strdown (color, -1) : NULL;

  if (!cascade_profile_set_chat_color (user_data, cascade_request_get_principal (request)->user_id,
                                       lower, error))
    return FALSE;
  cascade_response_set_json (response, SOUP_STATUS_OK, build_chat_color (lower));
  return TRUE;
}

static const CascadeRoute profile_routes[] = {
  { "PUT", "/api/v1/channels/{username}/follow",
    CASCADE_ROUTE_AUTHENTICATED | CASCADE_ROUTE_BODY_OPTIONAL, NULL, handle_follow },
  { "DELETE", "/api/v1/channels/{username}/follow", CASCADE_ROUTE_AUTHENTICATED, NULL,
    handle_unfollow },
  { "GET", "/api/v1/me/follows", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_list },
  { "GET", "/api/v1/me/chat-color", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_get_chat_color },
  { "PUT", "/api/v1/me/chat-color", CASCADE_ROUTE_AUTHENTICATED, chat_color_members,
    handle_put_chat_color },
};

void
cascade_profile_routes_install (CascadeGateway *gateway, CascadeProfile *profile)
{
  g_return_if_fail (CASCADE_IS_GATEWAY (gateway));
  g_return_if_fail (CASCADE_IS_PROFILE (profile));

  /* not a reference: the gateway outlives the requests that read it */
  g_object_set_data (G_OBJECT (profile), GATEWAY_KEY, gateway);
  cascade_gateway_add_routes (gateway, profile_routes, G_N_ELEMENTS (profile_routes), profile);
}

/**
 * cascade_profile_extend_channel:
 * @owner: the CascadeProfile
 *
 * "followers", and with a valid Bearer "following_since" (ms or null).
 */
void
cascade_profile_extend_channel (JsonBuilder *builder,
                                const char *channel_user_id,
                                CascadeRequest *request,
                                gpointer owner)
{
  CascadeProfile *self = owner;
  CascadeGateway *gateway = g_object_get_data (G_OBJECT (self), GATEWAY_KEY);
  const char *authorization = cascade_request_get_authorization (request);
  CascadePrincipal principal = { 0 };

  json_builder_set_member_name (builder, "followers");
  json_builder_add_int_value (builder,
                              cascade_profile_count_followers (self, channel_user_id, NULL));
  if (authorization == NULL || gateway == NULL ||
      !cascade_gateway_authenticate (gateway, authorization, &principal, NULL))
    return;
  {
    gint64 since =
      cascade_profile_get_following_since (self, principal.user_id, channel_user_id, NULL);

    json_builder_set_member_name (builder, "following_since");
    if (since != 0)
      json_builder_add_int_value (builder, since);
    else
      json_builder_add_null_value (builder);
  }
  cascade_principal_clear (&principal);
}
