/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-app-types.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

typedef enum
{
  CASCADE_WELCOME_FORM_CREATE_ACCOUNT,
  CASCADE_WELCOME_FORM_SIGN_IN,
} CascadeWelcomeForm;

#define CASCADE_TYPE_WELCOME_PAGE (cascade_welcome_page_get_type ())

G_DECLARE_FINAL_TYPE (CascadeWelcomePage, cascade_welcome_page, CASCADE, WELCOME_PAGE, AdwBin)

CascadeSession *cascade_welcome_page_get_session (CascadeWelcomePage *self);
void cascade_welcome_page_set_session (CascadeWelcomePage *self, CascadeSession *session);
gboolean cascade_welcome_page_get_busy (CascadeWelcomePage *self);
CascadeWelcomeForm cascade_welcome_page_get_form (CascadeWelcomePage *self);
void cascade_welcome_page_set_form (CascadeWelcomePage *self, CascadeWelcomeForm form);
void cascade_welcome_page_focus_form (CascadeWelcomePage *self);
void cascade_welcome_page_reset (CascadeWelcomePage *self);

G_END_DECLS
