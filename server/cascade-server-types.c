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
