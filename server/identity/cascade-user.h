/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

/* An account as the rest of the server sees it (never its password hash). */
struct _CascadeUser
{
  char *id;
  char *username;
  char *display_name;
  char *email;
  char *role;
  gint64 created_at; /* seconds since the epoch */
  gboolean email_verified;
  gboolean banned;
  gboolean totp_enabled; /* two-factor authentication is on */
};

/* A signed-in session: what register, login and refresh give back. */
struct _CascadeAuthResult
{
  CascadeUser *user;
  char *access_token;
  gint64 expires_in; /* seconds */
  char *refresh_token;
  gint64 refresh_expires_in; /* seconds */
};

void cascade_user_free (CascadeUser *self);
char *cascade_user_format_created_at (CascadeUser *self);
void cascade_auth_result_free (CascadeAuthResult *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeUser, cascade_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeAuthResult, cascade_auth_result_free)

G_END_DECLS
