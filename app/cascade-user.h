/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_USER (cascade_user_get_type ())

G_DECLARE_FINAL_TYPE (CascadeUser, cascade_user, CASCADE, USER, GObject)

/* Parses the User object of the wire contract; a missing or mistyped member is
 * CASCADE_CLIENT_ERROR_PROTOCOL. */
CascadeUser *cascade_user_new_from_json (JsonObject *object, GError **error);

const char *cascade_user_get_id (CascadeUser *self);
const char *cascade_user_get_username (CascadeUser *self);
const char *cascade_user_get_display_name (CascadeUser *self);
const char *cascade_user_get_email (CascadeUser *self);
const char *cascade_user_get_role (CascadeUser *self);
gboolean cascade_user_get_email_verified (CascadeUser *self);
gboolean cascade_user_get_totp_enabled (CascadeUser *self);

G_END_DECLS
