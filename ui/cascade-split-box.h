/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CASCADE_TYPE_SPLIT_BOX (cascade_split_box_get_type ())

G_DECLARE_FINAL_TYPE (CascadeSplitBox, cascade_split_box, CASCADE, SPLIT_BOX, GtkWidget)

/*
 * A content widget with a sidebar beside it (on the right, "sidebar-width"
 * pixels wide) when the box is at least "breakpoint" pixels wide, and below
 * it (taking "sidebar-share" of the height) when narrower: the Watch page's
 * video and chat. libadwaita 1.2 has no breakpoints; AdwFlap would lay the
 * chat over the video instead.
 *
 * Properties: "content", "sidebar" (GtkWidget), "sidebar-visible" (the
 * person can hide the sidebar), "sidebar-width", "breakpoint", "narrow"
 * (read-only: the sidebar is below).
 */
GtkWidget *cascade_split_box_new (void);
void cascade_split_box_set_content (CascadeSplitBox *self, GtkWidget *content);
void cascade_split_box_set_sidebar (CascadeSplitBox *self, GtkWidget *sidebar);
gboolean cascade_split_box_get_sidebar_visible (CascadeSplitBox *self);
void cascade_split_box_set_sidebar_visible (CascadeSplitBox *self, gboolean visible);
gboolean cascade_split_box_get_narrow (CascadeSplitBox *self);

G_END_DECLS
