/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The ICE servers handed to peers ("ice_servers" in stream.published and
 * stream.placed): STUN URLs, and TURN URLs with short-lived credentials in
 * the TURN REST scheme coturn supports (use-auth-secret /
 * static-auth-secret): the username is "<unix expiry>:<user id>", the
 * credential base64 (HMAC-SHA1 (secret, username)). Immutable once made, so
 * any thread may use it.
 */
typedef struct _CascadeIceServers CascadeIceServers;

CascadeIceServers *cascade_ice_servers_new (const char *const *stun_urls,
                                            const char *const *turn_urls,
                                            const char *turn_secret,
                                            guint turn_ttl_seconds);
void cascade_ice_servers_free (CascadeIceServers *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeIceServers, cascade_ice_servers_free)

JsonNode *
cascade_ice_servers_dup_json (CascadeIceServers *self, const char *user_id, gint64 now_unix);
char *cascade_ice_servers_turn_credential (const char *secret, const char *username);

G_END_DECLS
