/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "cascade-server-types.h"
#include "identity/cascade-identity.h"
#include "store/cascade-store.h"
#include "streaming/cascade-ice-servers.h"
#include "streaming/cascade-stream-tracker.h"

G_BEGIN_DECLS

#define CASCADE_STREAM_TITLE_MAX 140   /* characters */
#define CASCADE_STREAM_CATEGORY_MAX 64 /* characters */
#define CASCADE_STREAM_MAX_RENDITIONS 8
#define CASCADE_THUMBNAIL_MAX_BYTES (512 * 1024)

/* A live session (or a past one), as the routes show it. */
typedef struct
{
  char *id;
  char *user_id;
  char *username;
  char *display_name;
  char *title;
  char *category;
  JsonNode *renditions; /* array */
  gint64 started_at;    /* seconds since the epoch */
  gint64 ended_at;      /* 0 while live */
  gboolean has_thumbnail;
} CascadeStreamRecord;

void cascade_stream_record_free (CascadeStreamRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeStreamRecord, cascade_stream_record_free)

/* A channel: every user has one, named by their username. */
typedef struct
{
  char *user_id;
  char *username;
  char *display_name;
  CascadeStreamRecord *live_stream; /* nullable */
} CascadeChannel;

void cascade_channel_free (CascadeChannel *channel);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeChannel, cascade_channel_free)

/* Adds members to a Channel object being built (worker thread). */
typedef void (*CascadeChannelExtension) (JsonBuilder *builder,
                                         const char *channel_user_id,
                                         CascadeRequest *request,
                                         gpointer owner);

#define CASCADE_TYPE_STREAMING (cascade_streaming_get_type ())

G_DECLARE_FINAL_TYPE (CascadeStreaming, cascade_streaming, CASCADE, STREAMING, GObject)

void cascade_streaming_add_migrations (CascadeStore *store);

CascadeStreaming *cascade_streaming_new (CascadeStore *store,
                                         CascadeIdentity *identity,
                                         guint grace_seconds,
                                         const char *const *stun_urls);
gboolean cascade_streaming_load_live (CascadeStreaming *self, GError **error);
CascadeStreamTracker *cascade_streaming_get_tracker (CascadeStreaming *self);
void cascade_streaming_set_turn (CascadeStreaming *self,
                                 const char *const *urls,
                                 const char *secret,
                                 guint ttl_seconds);
JsonNode *cascade_streaming_dup_ice_servers (CascadeStreaming *self, const char *user_id);

/* The use cases. They block (database): call them from a worker thread.
 * Their effects on live state (the tracker, the "stream-started" and
 * "stream-ended" signals) happen on the main thread. */
CascadeStreamRecord *cascade_streaming_start_stream (CascadeStreaming *self,
                                                     const char *user_id,
                                                     const char *title,
                                                     const char *category,
                                                     JsonArray *renditions,
                                                     GError **error);
gboolean cascade_streaming_end_stream (CascadeStreaming *self,
                                       const char *user_id,
                                       const char *stream_id,
                                       const char *reason,
                                       GError **error);
CascadeStreamRecord *
cascade_streaming_get_stream (CascadeStreaming *self, const char *stream_id, GError **error);
GPtrArray *cascade_streaming_list_live (
  CascadeStreaming *self, guint offset, guint limit, gboolean *out_more, GError **error);
CascadeChannel *
cascade_streaming_get_channel (CascadeStreaming *self, const char *username, GError **error);
gboolean cascade_streaming_set_thumbnail (CascadeStreaming *self,
                                          const char *user_id,
                                          const char *stream_id,
                                          const char *content_type,
                                          GBytes *image,
                                          GError **error);
GBytes *cascade_streaming_dup_thumbnail (CascadeStreaming *self,
                                         const char *stream_id,
                                         char **out_content_type,
                                         GError **error);
guint cascade_streaming_get_viewer_count (CascadeStreaming *self, const char *stream_id);
JsonNode *cascade_streaming_dup_tree (CascadeStreaming *self,
                                      const char *stream_id,
                                      const CascadePrincipal *principal,
                                      GError **error);

void cascade_streaming_set_channel_extension (CascadeStreaming *self,
                                              CascadeChannelExtension extension,
                                              gpointer owner);
void cascade_streaming_extend_channel (CascadeStreaming *self,
                                       JsonBuilder *builder,
                                       const char *channel_user_id,
                                       CascadeRequest *request);

/* Main thread: the realtime side says whether a stream has its publisher. */
void cascade_streaming_set_publisher_present (CascadeStreaming *self,
                                              const char *stream_id,
                                              gboolean present);

G_END_DECLS
