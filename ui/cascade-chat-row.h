/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "cascade-chat-message.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_ROW (cascade_chat_row_get_type ())

G_DECLARE_FINAL_TYPE (CascadeChatRow, cascade_chat_row, CASCADE, CHAT_ROW, GtkWidget)

/*
 * One chat message: badges, the sender's name in their colour, the text with
 * mentions highlighted, links clickable and emotes inline as images.
 *
 * @textures maps an emote's server path to its GdkPaintable (the chat view
 * fills it as images arrive; cascade_chat_row_update_emotes() picks them up);
 * @me is the signed-in username (its mentions highlight the row), or NULL.
 */
GtkWidget *cascade_chat_row_new (CascadeChatMessage *message, const char *me, GHashTable *textures);
CascadeChatMessage *cascade_chat_row_get_message (CascadeChatRow *self);
void cascade_chat_row_update_emotes (CascadeChatRow *self);

/* A sender's colour made readable on the light or dark background. */
char *cascade_chat_row_readable_color (const char *color, gboolean dark);
double cascade_chat_contrast (guint a, guint b);

G_END_DECLS
