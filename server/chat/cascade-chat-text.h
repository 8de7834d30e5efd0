/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define CASCADE_CHAT_TEXT_MAX_CHARS 500
#define CASCADE_CHAT_USERNAME_MIN 3
#define CASCADE_CHAT_USERNAME_MAX 32

/* What the parser found in a message's text. */
typedef struct
{
  JsonNode *fragments;  /* array of fragment objects, concatenating back to the text */
  GPtrArray *mentions;  /* usernames (lower case, each once) */
  gboolean only_emotes; /* every word is an emote (and there is one) */
} CascadeChatText;

void cascade_chat_text_clear (CascadeChatText *parsed);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CascadeChatText, cascade_chat_text_clear)

char *cascade_chat_text_normalize (const char *text, const char **out_code);
void cascade_chat_text_parse (const char *text, GHashTable *emotes, CascadeChatText *out);
gboolean cascade_chat_text_matches_term (const char *text, const char *const *terms);
char *cascade_chat_color_for (const char *username);

G_END_DECLS
