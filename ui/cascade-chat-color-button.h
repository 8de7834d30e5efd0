/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-client.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_COLOR_BUTTON (cascade_chat_color_button_get_type ())

G_DECLARE_FINAL_TYPE (
  CascadeChatColorButton, cascade_chat_color_button, CASCADE, CHAT_COLOR_BUTTON, AdwBin)

/*
 * In the chat composer: the colour of one's name in chat, chosen from the
 * server's palette (or the default one, from the username), stored on the
 * account (PUT /api/v1/me/chat-color). The swatches show each colour as the
 * chat shows it on the current light or dark background.
 */
GtkWidget *cascade_chat_color_button_new (void);
void cascade_chat_color_button_set_client (CascadeChatColorButton *self, CascadeClient *client);

G_END_DECLS
