/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "cascade-server-types.h"
#include "identity/cascade-identity.h"
#include "store/cascade-store.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_PROFILE (cascade_profile_get_type ())

G_DECLARE_FINAL_TYPE (CascadeProfile, cascade_profile, CASCADE, PROFILE, GObject)

void cascade_profile_add_migrations (CascadeStore *store);

CascadeProfile *cascade_profile_new (CascadeStore *store, CascadeIdentity *identity);

/* Blocking use cases: call them from a worker thread. Changes to follows
 * are announced on the main thread with "follow-changed" (follower user id,
 * channel user id, since in ms or 0 when unfollowed). */
gboolean cascade_profile_follow (
  CascadeProfile *self, const char *user_id, const char *channel, gboolean follow, GError **error);
JsonNode *cascade_profile_list_follows (CascadeProfile *self, const char *user_id, GError **error);
gint64 cascade_profile_get_following_since (CascadeProfile *self,
                                            const char *user_id,
                                            const char *channel_user_id,
                                            GError **error);
/* The chat name colour (docs/api.md, "Chat colour"); changes are announced
 * on the main thread with "chat-color-changed" (user id, colour or NULL). */
char *cascade_profile_get_chat_color (CascadeProfile *self, const char *user_id, GError **error);
gboolean cascade_profile_set_chat_color (CascadeProfile *self,
                                         const char *user_id,
                                         const char *color,
                                         GError **error);
gint64
cascade_profile_count_followers (CascadeProfile *self, const char *channel_user_id, GError **error);

G_END_DECLS
