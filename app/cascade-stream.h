/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_STREAM (cascade_stream_get_type ())

G_DECLARE_FINAL_TYPE (CascadeStream, cascade_stream, CASCADE, STREAM, GObject)

/*
 * A live stream (or an ended one) as the server describes it: the Stream
 * object of the wire contract. Properties: "id", "title", "category",
 * "channel-username", "channel-display-name", "live" (gboolean),
 * "viewer-count" (int), "started-at" (GDateTime, UTC), "thumbnail-url"
 * (the server path of its thumbnail, or NULL). "live" and "viewer-count"
 * are writable, for realtime updates.
 */
CascadeStream *cascade_stream_new_from_json (JsonObject *object, GError **error);

const char *cascade_stream_get_id (CascadeStream *self);
const char *cascade_stream_get_title (CascadeStream *self);
const char *cascade_stream_get_category (CascadeStream *self);
const char *cascade_stream_get_channel_username (CascadeStream *self);
const char *cascade_stream_get_channel_display_name (CascadeStream *self);
gboolean cascade_stream_get_live (CascadeStream *self);
void cascade_stream_set_live (CascadeStream *self, gboolean live);
int cascade_stream_get_viewer_count (CascadeStream *self);
void cascade_stream_set_viewer_count (CascadeStream *self, int viewer_count);
GDateTime *cascade_stream_get_started_at (CascadeStream *self);
const char *cascade_stream_get_thumbnail_url (CascadeStream *self);

G_END_DECLS
