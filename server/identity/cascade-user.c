/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-user.h"

#include <sodium.h>

void
cascade_user_free (CascadeUser *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->username);
  g_free (self->display_name);
  g_free (self->email);
  g_free (self->role);
  g_free (self);
}

/* Returns: (transfer full): created_at as 2026-11-24T21:35:00Z */
char *
cascade_user_format_created_at (CascadeUser *self)
{
  g_autoptr (GDateTime) time = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  time = g_date_time_new_from_unix_utc (self->created_at);
  if (time == NULL)
    return g_strdup ("1970-01-01T00:00:00Z");
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}

static void
wipe_string (char *text)
{
  if (text != NULL)
    sodium_memzero (text, strlen (text));
  g_free (text);
}

/* The tokens are wiped, not just freed. */
void
cascade_auth_result_free (CascadeAuthResult *self)
{
  if (self == NULL)
    return;
  cascade_user_free (self->user);
  wipe_string (self->access_token);
  wipe_string (self->refresh_token);
  g_free (self);
}
