/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "chat/cascade-chat-text.h"

/* libFuzzer target: a chat message's text, checked, then split into
 * fragments (mentions, links, emotes) the way the server does before it
 * stores a message. Whatever comes in, the fragments put back together are
 * the text, and every mention is a well-formed username. */

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const char *const terms[] = { "spoiler", "ÄÖÜ", "x", NULL };
  g_autofree char *input = g_strndup ((const char *) data, size);
  g_autoptr (GHashTable) emotes = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (CascadeChatText) parsed = { 0 };
  g_autofree char *text = NULL;
  GString *joined = g_string_new (NULL);
  const char *code = NULL;
  JsonArray *fragments;

  g_hash_table_insert (emotes, (gpointer) "Kappa", (gpointer) "/api/v1/emotes/1");
  g_hash_table_insert (emotes, (gpointer) "PogCat", (gpointer) "/api/v1/emotes/2");

  text = cascade_chat_text_normalize (input, &code);
  g_assert ((text == NULL) == (code != NULL));
  if (text == NULL)
    {
      g_string_free (joined, TRUE);
      return 0;
    }
  g_assert (g_utf8_validate (text, -1, NULL));
  g_assert (g_utf8_strlen (text, -1) >= 1 && g_utf8_strlen (text, -1) <= 500);

  cascade_chat_text_parse (text, emotes, &parsed);
  fragments = json_node_get_array (parsed.fragments);
  for (guint i = 0; i < json_array_get_length (fragments); i++)
    {
      JsonObject *fragment = json_array_get_object_element (fragments, i);
      const char *type = json_object_get_string_member (fragment, "type");
      const char *piece = json_object_get_string_member (fragment, "text");

      g_assert (piece != NULL && piece[0] != '\0');
      g_string_append (joined, piece);
      if (g_str_equal (type, "mention"))
        {
          const char *username = json_object_get_string_member (fragment, "username");
          gsize n = strlen (username);

          g_assert (n >= 3 && n <= 32);
          for (gsize c = 0; c < n; c++)
            g_assert (g_ascii_islower (username[c]) || g_ascii_isdigit (username[c]) ||
                      username[c] == '_');
        }
      else if (g_str_equal (type, "link"))
        g_assert (g_str_equal (json_object_get_string_member (fragment, "url"), piece));
      else if (g_str_equal (type, "emote"))
        g_assert (g_hash_table_contains (emotes, piece));
      else
        g_assert (g_str_equal (type, "text"));
    }
  g_assert_cmpstr (joined->str, ==, text);
  g_string_free (joined, TRUE);
  cascade_chat_text_matches_term (text, terms);
  return 0;
}
