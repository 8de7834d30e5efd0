/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What to tell a person about @error of a call to the server at @server_url:
 * in their language where the server's code (or the kind of failure) is
 * known, else in the server's words. */
char *cascade_error_text (const GError *error, const char *server_url);

G_END_DECLS
