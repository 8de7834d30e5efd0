/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Checks that @text names a Cascade server: an http or https URL with a host and
 * no query or fragment. Returns it without surrounding spaces and trailing
 * slashes, or NULL with a G_URI_ERROR whose message can be shown to a person. */
char *cascade_server_url_normalize (const char *text, GError **error);

/* Whether @url's host is this machine's loopback (127.0.0.0/8, ::1 or
 * localhost): a server there means every peer is on this machine too, and
 * WebRTC must gather candidates on 127.0.0.1 (libnice skips loopback). */
gboolean cascade_server_url_is_loopback (const char *url);

G_END_DECLS
