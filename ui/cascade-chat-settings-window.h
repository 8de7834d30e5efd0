/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-chat-room.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_SETTINGS_WINDOW (cascade_chat_settings_window_get_type ())

G_DECLARE_FINAL_TYPE (CascadeChatSettingsWindow,
                      cascade_chat_settings_window,
                      CASCADE,
                      CHAT_SETTINGS_WINDOW,
                      AdwPreferencesWindow)

/*
 * A room's chat settings, for its moderators: the moderation log (who did
 * what to whom, when, with what reason; new actions appear as they happen),
 * the blocked terms, and for the streamer the moderators. @page is "log",
 * "terms" or "moderators".
 */
GtkWidget *cascade_chat_settings_window_new (CascadeChatRoom *room, const char *page);

G_END_DECLS
