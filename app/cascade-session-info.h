/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_SESSION_INFO (cascade_session_info_get_type ())

G_DECLARE_FINAL_TYPE (CascadeSessionInfo, cascade_session_info, CASCADE, SESSION_INFO, GObject)

/*
 * One signed-in session of the account (GET /api/v1/me/sessions): the device
 * that signed in, the address it came from, when, and whether it is this app's
 * own. Properties: "id", "device" and "address" (strings, the last two
 * nullable), "created-at" and "last-used-at" (GDateTime, UTC), "current".
 */
CascadeSessionInfo *cascade_session_info_new_from_json (JsonObject *object, GError **error);

const char *cascade_session_info_get_id (CascadeSessionInfo *self);
const char *cascade_session_info_get_device (CascadeSessionInfo *self);
const char *cascade_session_info_get_address (CascadeSessionInfo *self);
GDateTime *cascade_session_info_get_created_at (CascadeSessionInfo *self);
GDateTime *cascade_session_info_get_last_used_at (CascadeSessionInfo *self);
gboolean cascade_session_info_get_current (CascadeSessionInfo *self);

G_END_DECLS
