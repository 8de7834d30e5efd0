/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-app-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_ACCOUNT_PAGE (cascade_account_page_get_type ())

G_DECLARE_FINAL_TYPE (CascadeAccountPage, cascade_account_page, CASCADE, ACCOUNT_PAGE, AdwBin)

/*
 * The signed-in user's account: the address and whether it is verified,
 * the devices signed in, the password, two-factor authentication, and
 * deleting the account. "busy" is TRUE while it waits for the server.
 */
CascadeSession *cascade_account_page_get_session (CascadeAccountPage *self);
void cascade_account_page_set_session (CascadeAccountPage *self, CascadeSession *session);
gboolean cascade_account_page_get_busy (CascadeAccountPage *self);
/* Reads the user and the devices again from the server. */
void cascade_account_page_reload (CascadeAccountPage *self);

G_END_DECLS
