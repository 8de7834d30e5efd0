/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-server-log.h"

#include <stdio.h>

/* GLib's default writer sends debug and info messages to stdout, but
 * cascaded's stdout carries only its "listening on" line: every log message
 * goes to stderr (or to the journal when stderr is connected to it). As
 * usual, debug and info messages only show with G_MESSAGES_DEBUG. */
static GLogWriterOutput
write_to_stderr (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  const char *domain = NULL;
  g_autofree char *line = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
      domain = fields[i].value;

  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  if (g_log_writer_is_journald (fileno (stderr)) &&
      g_log_writer_journald (level, fields, n_fields, user_data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;

  line = g_log_writer_format_fields (level, fields, n_fields,
                                     g_log_writer_supports_color (fileno (stderr)));
  fprintf (stderr, "%s\n", line);
  fflush (stderr);
  return G_LOG_WRITER_HANDLED;
}

/* Call once, first thing in main(). */
void
cascade_server_log_init (void)
{
  g_log_set_writer_func (write_to_stderr, NULL, NULL);
}
