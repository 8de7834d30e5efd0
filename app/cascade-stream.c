/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-private.h"
#include "cascade-json.h"
#include "cascade-stream.h"

struct _CascadeStream
{
  GObject parent_instance;

  char *id;
  char *title;
  char *category;
  char *channel_username;
  char *channel_display_name;
  gboolean live;
  int viewer_count;
  GDateTime *started_at;
  char *thumbnail_url;
};

G_DEFINE_FINAL_TYPE (CascadeStream, cascade_stream, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_TITLE,
  PROP_CATEGORY,
  PROP_CHANNEL_USERNAME,
  PROP_CHANNEL_DISPLAY_NAME,
  PROP_LIVE,
  PROP_VIEWER_COUNT,
  PROP_STARTED_AT,
  PROP_THUMBNAIL_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The Stream object of the wire contract (renditions and ended_at are not
 * used by the app yet). */
static const CascadeJsonMember stream_members[] = {
  { "id", CASCADE_JSON_STRING, TRUE },         { "title", CASCADE_JSON_STRING, TRUE },
  { "category", CASCADE_JSON_STRING, TRUE },   { "channel", CASCADE_JSON_OBJECT, TRUE },
  { "live", CASCADE_JSON_BOOLEAN, TRUE },      { "viewer_count", CASCADE_JSON_INT, TRUE },
  { "started_at", CASCADE_JSON_STRING, TRUE }, { "ended_at", CASCADE_JSON_STRING, FALSE },
  { "renditions", CASCADE_JSON_ARRAY, FALSE }, { "thumbnail_url", CASCADE_JSON_STRING, FALSE },
};

static const CascadeJsonMember channel_members[] = {
  { "username", CASCADE_JSON_STRING, TRUE },
  { "display_name", CASCADE_JSON_STRING, TRUE },
};

static void
cascade_stream_finalize (GObject *object)
{
  CascadeStream *self = CASCADE_STREAM (object);

  g_free (self->id);
  g_free (self->title);
  g_free (self->category);
  g_free (self->channel_username);
  g_free (self->channel_display_name);
  g_clear_pointer (&self->started_at, g_date_time_unref);
  g_free (self->thumbnail_url);

  G_OBJECT_CLASS (cascade_stream_parent_class)->finalize (object);
}

static void
cascade_stream_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeStream *self = CASCADE_STREAM (object);

  switch (prop_id)
    {
      case PROP_ID:
        g_value_set_string (value, self->id);
        break;
      case PROP_TITLE:
        g_value_set_string (value, self->title);
        break;
      case PROP_CATEGORY:
        g_value_set_string (value, self->category);
        break;
      case PROP_CHANNEL_USERNAME:
        g_value_set_string (value, self->channel_username);
        break;
      case PROP_CHANNEL_DISPLAY_NAME:
        g_value_set_string (value, self->channel_display_name);
        break;
      case PROP_LIVE:
        g_value_set_boolean (value, self->live);
        break;
      case PROP_VIEWER_COUNT:
        g_value_set_int (value, self->viewer_count);
        break;
      case PROP_STARTED_AT:
        g_value_set_boxed (value, self->started_at);
        break;
      case PROP_THUMBNAIL_URL:
        g_value_set_string (value, self->thumbnail_url);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_stream_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CascadeStream *self = CASCADE_STREAM (object);

  switch (prop_id)
    {
      case PROP_LIVE:
        cascade_stream_set_live (self, g_value_get_boolean (value));
        break;
      case PROP_VIEWER_COUNT:
        cascade_stream_set_viewer_count (self, g_value_get_int (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_stream_class_init (CascadeStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags readable = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  const GParamFlags writable = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cascade_stream_finalize;
  object_class->get_property = cascade_stream_get_property;
  object_class->set_property = cascade_stream_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, readable);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, readable);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, readable);
  properties[PROP_CHANNEL_USERNAME] =
    g_param_spec_string ("channel-username", NULL, NULL, NULL, readable);
  properties[PROP_CHANNEL_DISPLAY_NAME] =
    g_param_spec_string ("channel-display-name", NULL, NULL, NULL, readable);
  properties[PROP_LIVE] = g_param_spec_boolean ("live", NULL, NULL, FALSE, writable);
  properties[PROP_VIEWER_COUNT] =
    g_param_spec_int ("viewer-count", NULL, NULL, 0, G_MAXINT, 0, writable);
  properties[PROP_STARTED_AT] =
    g_param_spec_boxed ("started-at", NULL, NULL, G_TYPE_DATE_TIME, readable);
  properties[PROP_THUMBNAIL_URL] =
    g_param_spec_string ("thumbnail-url", NULL, NULL, NULL, readable);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_stream_init (CascadeStream *self)
{
}

/**
 * cascade_stream_new_from_json:
 *
 * Parses the Stream object of the wire contract; a missing or mistyped
 * member is CASCADE_CLIENT_ERROR_PROTOCOL.
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
CascadeStream *
cascade_stream_new_from_json (JsonObject *object, GError **error)
{
  g_autoptr (GDateTime) started_at = NULL;
  JsonObject *channel;
  CascadeStream *self;
  gint64 viewer_count;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!cascade_json_check (object, stream_members, G_N_ELEMENTS (stream_members), error))
    {
      g_prefix_error (error, "stream: ");
      return NULL;
    }
  channel = json_object_get_object_member (object, "channel");
  if (!cascade_json_check (channel, channel_members, G_N_ELEMENTS (channel_members), error))
    {
      g_prefix_error (error, "stream channel: ");
      return NULL;
    }
  started_at =
    g_date_time_new_from_iso8601 (json_object_get_string_member (object, "started_at"), NULL);
  viewer_count = json_object_get_int_member (object, "viewer_count");
  if (started_at == NULL || viewer_count < 0 || viewer_count > G_MAXINT)
    {
      g_propagate_error (error, _cascade_client_error_new (
                                  CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                  started_at == NULL ? "stream: “started_at” is not a time"
                                                     : "stream: “viewer_count” is out of range"));
      return NULL;
    }

  self = g_object_new (CASCADE_TYPE_STREAM, NULL);
  self->id = g_strdup (json_object_get_string_member (object, "id"));
  self->title = g_strdup (json_object_get_string_member (object, "title"));
  self->category = g_strdup (json_object_get_string_member (object, "category"));
  self->channel_username = g_strdup (json_object_get_string_member (channel, "username"));
  self->channel_display_name = g_strdup (json_object_get_string_member (channel, "display_name"));
  self->live = json_object_get_boolean_member (object, "live");
  self->viewer_count = (int) viewer_count;
  self->started_at = g_date_time_to_utc (started_at);
  self->thumbnail_url = g_strdup (cascade_json_get_string (object, "thumbnail_url"));
  return self;
}

const char *
cascade_stream_get_id (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), NULL);
  return self->id;
}

const char *
cascade_stream_get_title (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), NULL);
  return self->title;
}

const char *
cascade_stream_get_category (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), NULL);
  return self->category;
}

const char *
cascade_stream_get_channel_username (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), NULL);
  return self->channel_username;
}

const char *
cascade_stream_get_channel_display_name (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), NULL);
  return self->channel_display_name;
}

gboolean
cascade_stream_get_live (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), FALSE);
  return self->live;
}

void
cascade_stream_set_live (CascadeStream *self, gboolean live)
{
  g_return_if_fail (CASCADE_IS_STREAM (self));

  live = !!live;
  if (self->live == live)
    return;
  self->live = live;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIVE]);
}

int
cascade_stream_get_viewer_count (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), 0);
  return self->viewer_count;
}

void
cascade_stream_set_viewer_count (CascadeStream *self, int viewer_count)
{
  g_return_if_fail (CASCADE_IS_STREAM (self));
  g_return_if_fail (viewer_count >= 0);

  if (self->viewer_count == viewer_count)
    return;
  self->viewer_count = viewer_count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEWER_COUNT]);
}

/* (transfer none): when it went live, in UTC */
GDateTime *
cascade_stream_get_started_at (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), NULL);
  return self->started_at;
}

/* (nullable): the server path of the thumbnail, for cascade_client_get_thumbnail_async() */
const char *
cascade_stream_get_thumbnail_url (CascadeStream *self)
{
  g_return_val_if_fail (CASCADE_IS_STREAM (self), NULL);
  return self->thumbnail_url;
}
