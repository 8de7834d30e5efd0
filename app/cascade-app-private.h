/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-app-types.h"
#include "cascade-user.h"

G_BEGIN_DECLS

/* A CASCADE_CLIENT_ERROR carrying the server's snake_case code and the request
 * member it names (both nullable). */
GError *_cascade_client_error_new (CascadeClientError code,
                                   const char *server_code,
                                   const char *field,
                                   const char *message);

/* Wipes a NUL-terminated secret (token, password) and frees it; NULL is fine. */
void _cascade_secret_free (char *secret);

static inline void
_cascade_clear_secret (char **secret)
{
  _cascade_secret_free (g_steal_pointer (secret));
}

/* Same id, username, display name, email and role. */
gboolean _cascade_user_equal (CascadeUser *a, CascadeUser *b);

G_END_DECLS
