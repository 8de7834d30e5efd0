/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

#define CASCADE_EMAIL_MAX_CHARS 254
#define CASCADE_USERNAME_MIN_CHARS 3
#define CASCADE_USERNAME_MAX_CHARS 32
#define CASCADE_PASSWORD_MIN_CHARS 8
#define CASCADE_PASSWORD_MAX_CHARS 128
#define CASCADE_DISPLAY_NAME_MAX_CHARS 64

/* The account rules of the contract, as pure functions of UTF-8 input. */
char *cascade_identity_normalize_email (const char *email, GError **error);
gboolean cascade_identity_check_username (const char *username, GError **error);
gboolean cascade_identity_check_password (const char *password, GError **error);
gboolean cascade_identity_is_common_password (const char *password);
char *cascade_identity_normalize_display_name (const char *display_name, GError **error);

G_END_DECLS
