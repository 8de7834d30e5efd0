/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CascadeAccountPage CascadeAccountPage;
typedef struct _CascadeApplication CascadeApplication;
typedef struct _CascadeHomePage CascadeHomePage;
typedef struct _CascadePreferencesWindow CascadePreferencesWindow;
typedef struct _CascadeWelcomePage CascadeWelcomePage;
typedef struct _CascadeWindow CascadeWindow;

G_END_DECLS
