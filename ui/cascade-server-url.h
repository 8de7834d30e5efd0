/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks that @text names a Cascade server: an http or https URL with a host and
 * no query or fragment. Returns it without surrounding spaces and trailing
 * slashes, or NULL with a G_URI_ERROR whose message can be shown to a person. */
char *cascade_server_url_normalize (const char *text, GError **error);

G_END_DECLS
