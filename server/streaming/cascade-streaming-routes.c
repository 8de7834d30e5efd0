/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-streaming-routes.h"

#include <libsoup/soup.h>

/*
 * The HTTP face of the streaming context: channels, streams and their
 * thumbnails (docs/api.md, "Streams"). Handlers run on worker threads.
 */

#define LIST_DEFAULT_LIMIT 24
#define LIST_MAX_LIMIT 100
#define SEGMENT_ID 3 /* /api/v1/streams/{id}, /api/v1/channels/{username} */

static const CascadeJsonMember start_body[] = {
  { "title", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "category", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "renditions", CASCADE_JSON_ARRAY, CASCADE_JSON_REQUIRED },
  { NULL },
};

static void
add_time (JsonBuilder *builder, const char *name, gint64 seconds)
{
  g_autoptr (GDateTime) time = NULL;
  g_autofree char *text = NULL;

  json_builder_set_member_name (builder, name);
  if (seconds == 0 || (time = g_date_time_new_from_unix_utc (seconds)) == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }
  text = g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
  json_builder_add_string_value (builder, text);
}

void
cascade_streaming_build_stream (JsonBuilder *builder,
                                CascadeStreamRecord *record,
                                guint viewer_count)
{
  gboolean live = record->ended_at == 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, record->id);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, record->title);
  json_builder_set_member_name (builder, "category");
  json_builder_add_string_value (builder, record->category);
  json_builder_set_member_name (builder, "channel");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, record->username);
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, record->display_name);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "live");
  json_builder_add_boolean_value (builder, live);
  json_builder_set_member_name (builder, "viewer_count");
  json_builder_add_int_value (builder, live ? viewer_count : 0);
  add_time (builder, "started_at", record->started_at);
  add_time (builder, "ended_at", record->ended_at);
  json_builder_set_member_name (builder, "renditions");
  json_builder_add_value (builder, json_node_copy (record->renditions));
  json_builder_set_member_name (builder, "thumbnail_url");
  if (record->has_thumbnail)
    {
      g_autofree char *url = g_strdup_printf ("/api/v1/streams/%s/thumbnail", record->id);

      json_builder_add_string_value (builder, url);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
}

static void
respond_stream (CascadeResponse *response,
                guint status,
                CascadeStreaming *streaming,
                CascadeStreamRecord *record)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  cascade_streaming_build_stream (builder, record,
                                  cascade_streaming_get_viewer_count (streaming, record->id));
  cascade_response_set_json (response, status, json_builder_get_root (builder));
}

static gboolean
handle_get_channel (CascadeRequest *request,
                    CascadeResponse *response,
                    gpointer user_data,
                    GError **error)
{
  g_autoptr (CascadeChannel) channel = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  channel = cascade_streaming_get_channel (
    user_data, cascade_request_get_path_segment (request, SEGMENT_ID), error);
  if (channel == NULL)
    return FALSE;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, channel->username);
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, channel->display_name);
  json_builder_set_member_name (builder, "live");
  json_builder_add_boolean_value (builder, channel->live_stream != NULL);
  json_builder_set_member_name (builder, "stream");
  if (channel->live_stream != NULL)
    cascade_streaming_build_stream (
      builder, channel->live_stream,
      cascade_streaming_get_viewer_count (user_data, channel->live_stream->id));
  else
    json_builder_add_null_value (builder);
  cascade_streaming_extend_channel (user_data, builder, channel->user_id, request);
  json_builder_end_object (builder);
  cascade_response_set_json (response, SOUP_STATUS_OK, json_builder_get_root (builder));
  return TRUE;
}

static gboolean
handle_start (CascadeRequest *request,
              CascadeResponse *response,
              gpointer user_data,
              GError **error)
{
  g_autoptr (CascadeStreamRecord) record = NULL;
  JsonObject *body = cascade_request_get_json (request);
  g_autofree char *location = NULL;

  record = cascade_streaming_start_stream (
    user_data, cascade_request_get_principal (request)->user_id,
    json_object_get_string_member (body, "title"), json_object_get_string_member (body, "category"),
    json_object_get_array_member (body, "renditions"), error);
  if (record == NULL)
    return FALSE;
  location = g_strdup_printf ("/api/v1/streams/%s", record->id);
  cascade_response_set_header (response, "Location", location);
  respond_stream (response, SOUP_STATUS_CREATED, user_data, record);
  return TRUE;
}

static gboolean
parse_count (const char *text, guint max, guint *out, const char *what, GError **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &value, NULL))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                   "“%s” must be %s.", what,
                   max == LIST_MAX_LIMIT ? "a number from 1 to 100" : "a cursor this server gave");
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
handle_list (CascadeRequest *request, CascadeResponse *response, gpointer user_data, GError **error)
{
  const char *live = cascade_request_get_query_param (request, "live");
  const char *limit_text = cascade_request_get_query_param (request, "limit");
  const char *cursor = cascade_request_get_query_param (request, "cursor");
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GPtrArray) page = NULL;
  guint limit = LIST_DEFAULT_LIMIT;
  guint offset = 0;
  gboolean more = FALSE;

  if (live != NULL && g_strcmp0 (live, "true") != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                           "Only live streams can be listed: “live” must be true.");
      return FALSE;
    }
  if (limit_text != NULL &&
      (!parse_count (limit_text, LIST_MAX_LIMIT, &limit, "limit", error) || limit == 0))
    {
      if (limit == 0)
        g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_TYPE,
                             "“limit” must be a number from 1 to 100.");
      return FALSE;
    }
  if (cursor != NULL && !parse_count (cursor, G_MAXINT, &offset, "cursor", error))
    return FALSE;

  page = cascade_streaming_list_live (user_data, offset, limit, &more, error);
  if (page == NULL)
    return FALSE;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  for (guint i = 0; i < page->len; i++)
    {
      CascadeStreamRecord *record = g_ptr_array_index (page, i);

      cascade_streaming_build_stream (builder, record,
                                      cascade_streaming_get_viewer_count (user_data, record->id));
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "next_cursor");
  if (more)
    {
      g_autofree char *next = g_strdup_printf ("%u", offset + page->len);

      json_builder_add_string_value (builder, next);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  cascade_response_set_json (response, SOUP_STATUS_OK, json_builder_get_root (builder));
  return TRUE;
}

static gboolean
handle_get (CascadeRequest *request, CascadeResponse *response, gpointer user_data, GError **error)
{
  g_autoptr (CascadeStreamRecord) record = NULL;

  record = cascade_streaming_get_stream (
    user_data, cascade_request_get_path_segment (request, SEGMENT_ID), error);
  if (record == NULL)
    return FALSE;
  respond_stream (response, SOUP_STATUS_OK, user_data, record);
  return TRUE;
}

static gboolean
handle_end (CascadeRequest *request, CascadeResponse *response, gpointer user_data, GError **error)
{
  if (!cascade_streaming_end_stream (user_data, cascade_request_get_principal (request)->user_id,
                                     cascade_request_get_path_segment (request, SEGMENT_ID),
                                     "ended", error))
    return FALSE;
  cascade_response_set_empty (response, SOUP_STATUS_NO_CONTENT);
  return TRUE;
}

static gboolean
handle_put_thumbnail (CascadeRequest *request,
                      CascadeResponse *response,
                      gpointer user_data,
                      GError **error)
{
  const char *content_type = cascade_request_get_content_type (request);
  g_autoptr (GBytes) image = NULL;
  const guint8 *data;
  gsize length;

  if (g_strcmp0 (content_type, "image/jpeg") != 0 && g_strcmp0 (content_type, "image/png") != 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNSUPPORTED_MEDIA_TYPE,
                           "Send the thumbnail as “Content-Type: image/jpeg” or “image/png”.");
      return FALSE;
    }
  data = cascade_request_get_body_data (request, &length);
  image = g_bytes_new (data, length);
  if (!cascade_streaming_set_thumbnail (user_data, cascade_request_get_principal (request)->user_id,
                                        cascade_request_get_path_segment (request, SEGMENT_ID),
                                        content_type, image, error))
    return FALSE;
  cascade_response_set_empty (response, SOUP_STATUS_NO_CONTENT);
  return TRUE;
}

static gboolean
handle_get_thumbnail (CascadeRequest *request,
                      CascadeResponse *response,
                      gpointer user_data,
                      GError **error)
{
  g_autofree char *content_type = NULL;
  g_autoptr (GBytes) image = NULL;

  image = cascade_streaming_dup_thumbnail (
    user_data, cascade_request_get_path_segment (request, SEGMENT_ID), &content_type, error);
  if (image == NULL)
    return FALSE;
  cascade_response_set_bytes (response, SOUP_STATUS_OK, content_type, image);
  return TRUE;
}

static gboolean
handle_get_tree (CascadeRequest *request,
                 CascadeResponse *response,
                 gpointer user_data,
                 GError **error)
{
  g_autoptr (JsonNode) tree = NULL;

  tree =
    cascade_streaming_dup_tree (user_data, cascade_request_get_path_segment (request, SEGMENT_ID),
                                cascade_request_get_principal (request), error);
  if (tree == NULL)
    return FALSE;
  cascade_response_set_json (response, SOUP_STATUS_OK, g_steal_pointer (&tree));
  return TRUE;
}

static const CascadeRoute streaming_routes[] = {
  { "GET", "/api/v1/channels/{username}", CASCADE_ROUTE_PUBLIC, NULL, handle_get_channel },
  { "POST", "/api/v1/streams", CASCADE_ROUTE_AUTHENTICATED, start_body, handle_start },
  { "GET", "/api/v1/streams", CASCADE_ROUTE_PUBLIC, NULL, handle_list },
  { "GET", "/api/v1/streams/{id}", CASCADE_ROUTE_PUBLIC, NULL, handle_get },
  { "DELETE", "/api/v1/streams/{id}", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_end },
  { "PUT", "/api/v1/streams/{id}/thumbnail", CASCADE_ROUTE_AUTHENTICATED, NULL,
    handle_put_thumbnail },
  { "GET", "/api/v1/streams/{id}/thumbnail", CASCADE_ROUTE_PUBLIC, NULL, handle_get_thumbnail },
  { "GET", "/api/v1/streams/{id}/tree", CASCADE_ROUTE_AUTHENTICATED, NULL, handle_get_tree },
};

void
cascade_streaming_routes_install (CascadeGateway *gateway, CascadeStreaming *streaming)
{
  g_return_if_fail (CASCADE_IS_GATEWAY (gateway));
  g_return_if_fail (CASCADE_IS_STREAMING (streaming));

  cascade_gateway_add_routes (gateway, streaming_routes, G_N_ELEMENTS (streaming_routes),
                              streaming);
}
