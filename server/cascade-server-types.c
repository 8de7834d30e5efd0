/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-server-types.h"

G_DEFINE_QUARK (cascade - server - error - quark, cascade_server_error)

void
cascade_principal_clear (CascadePrincipal *principal)
{
  g_return_if_fail (principal != NULL);

  g_clear_pointer (&principal->user_id, g_free);
  g_clear_pointer (&principal->session_id, g_free);
  g_clear_pointer (&principal->role, g_free);
}

/* Light enough to read on a dark background; the app darkens a colour that
 * reads badly on a light one. */
const char *const *
cascade_server_chat_palette (void)
{
  static const char *const palette[] = {
    "#ff6b6b", "#ffa94d", "#ffd43b", "#a9e34b", "#69db7c", "#38d9a9",
    "#3bc9db", "#4dabf7", "#748ffc", "#9775fa", "#da77f2", "#f783ac",
    "#e8590c", "#20c997", "#1e90ff", "#b197fc", NULL,
  };

  return palette;
}
