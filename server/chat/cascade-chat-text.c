/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-text.h"

#include "cascade-server-types.h"

#include <string.h>

/*
 * The text of a chat message (docs/api.md, "ChatMessage"): checking it
 * (trimmed, 1 to 500 characters, no control characters) and splitting it
 * into fragments: plain text, @mentions, links and the channel's emotes.
 * Pure functions over UTF-8 that the server has validated; fuzzed by
 * tests/fuzz/fuzz-chat-text.c.
 */

void
cascade_chat_text_clear (CascadeChatText *parsed)
{
  g_clear_pointer (&parsed->fragments, json_node_unref);
  g_clear_pointer (&parsed->mentions, g_ptr_array_unref);
  parsed->only_emotes = FALSE;
}

/**
 * cascade_chat_text_normalize:
 * @text: valid UTF-8
 * @out_code: (out): on refusal, `empty`, `too_long` or `invalid_text`
 *
 * Returns: (transfer full) (nullable): @text without the white space around
 *   it, or %NULL when it cannot be sent
 */
char *
cascade_chat_text_normalize (const char *text, const char **out_code)
{
  g_autofree char *trimmed = NULL;
  glong n_chars;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (out_code != NULL, NULL);

  *out_code = NULL;
  if (!g_utf8_validate (text, -1, NULL))
    {
      *out_code = "invalid_text";
      return NULL;
    }
  trimmed = g_strstrip (g_strdup (text));
  for (const char *p = trimmed; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_type (c) == G_UNICODE_CONTROL || c == 0x2028 || c == 0x2029)
        {
          *out_code = "invalid_text";
          return NULL;
        }
    }
  n_chars = g_utf8_strlen (trimmed, -1);
  if (n_chars == 0)
    *out_code = "empty";
  else if (n_chars > CASCADE_CHAT_TEXT_MAX_CHARS)
    *out_code = "too_long";
  return *out_code == NULL ? g_steal_pointer (&trimmed) : NULL;
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

static void
add_fragment (JsonArray *array, const char *type, const char *text, gsize length)
{
  JsonObject *fragment = json_object_new ();
  g_autofree char *copy = g_strndup (text, length);

  json_object_set_string_member (fragment, "type", type);
  json_object_set_string_member (fragment, "text", copy);
  json_array_add_object_element (array, fragment);
}

/* Plain text, merged with the text fragment before it. */
static void
add_text (JsonArray *array, const char *text, gsize length)
{
  guint n = json_array_get_length (array);

  if (length == 0)
    return;
  if (n > 0)
    {
      JsonObject *last = json_array_get_object_element (array, n - 1);

      if (g_strcmp0 (json_object_get_string_member (last, "type"), "text") == 0)
        {
          g_autofree char *tail = g_strndup (text, length);
          g_autofree char *joined =
            g_strconcat (json_object_get_string_member (last, "text"), tail, NULL);

          json_object_set_string_member (last, "text", joined);
          return;
        }
    }
  add_fragment (array, "text", text, length);
}

static JsonObject *
last_object (JsonArray *array)
{
  return json_array_get_object_element (array, json_array_get_length (array) - 1);
}

/* A link runs to the end of the word, without the punctuation that usually
 * follows one in a sentence. */
static gsize
link_length (const char *word, gsize length)
{
  gsize scheme = g_ascii_strncasecmp (word, "https://", 8) == 0 ? 8 : 7;

  while (length > scheme && strchr (".,;:!?)'\"", word[length - 1]) != NULL)
    length--;
  return length > scheme ? length : 0;
}

static void
parse_word (const char *word, gsize length, GHashTable *emotes, CascadeChatText *out)
{
  JsonArray *array = json_node_get_array (out->fragments);
  g_autofree char *copy = g_strndup (word, length);
  const char *url;

  if (emotes != NULL && (url = g_hash_table_lookup (emotes, copy)) != NULL)
    {
      JsonObject *emote;

      add_fragment (array, "emote", word, length);
      emote = last_object (array);
      json_object_set_string_member (emote, "code", copy);
      json_object_set_string_member (emote, "url", url);
      return;
    }
  out->only_emotes = FALSE;

  if (word[0] == '@')
    {
      gsize n = 1;

      while (n < length && is_name_char (word[n]))
        n++;
      if (n - 1 >= CASCADE_CHAT_USERNAME_MIN && n - 1 <= CASCADE_CHAT_USERNAME_MAX)
        {
          g_autofree char *username = g_ascii_strdown (word + 1, n - 1);

          add_fragment (array, "mention", word, n);
          json_object_set_string_member (last_object (array), "username", username);
          if (!g_ptr_array_find_with_equal_func (out->mentions, username, g_str_equal, NULL))
            g_ptr_array_add (out->mentions, g_steal_pointer (&username));
          add_text (array, word + n, length - n);
          return;
        }
    }

  if (g_ascii_strncasecmp (copy, "http://", 7) == 0 ||
      g_ascii_strncasecmp (copy, "https://", 8) == 0)
    {
      gsize n = link_length (copy, length);

      if (n > 0)
        {
          g_autofree char *url_text = g_strndup (word, n);

          add_fragment (array, "link", word, n);
          json_object_set_string_member (last_object (array), "url", url_text);
          add_text (array, word + n, length - n);
          return;
        }
    }
  add_text (array, word, length);
}

/**
 * cascade_chat_text_parse:
 * @text: a normalized message text
 * @emotes: (nullable) (element-type utf8 utf8): emote code → URL
 * @out: (out caller-allocates): the fragments, mentions and whether the text
 *   is emotes only; clear it with cascade_chat_text_clear()
 */
void
cascade_chat_text_parse (const char *text, GHashTable *emotes, CascadeChatText *out)
{
  const char *p = text;

  g_return_if_fail (text != NULL);
  g_return_if_fail (out != NULL);

  out->fragments = json_node_init_array (json_node_alloc (), json_array_new ());
  out->mentions = g_ptr_array_new_with_free_func (g_free);
  out->only_emotes = TRUE;
  while (*p != '\0')
    {
      const char *start = p;

      while (*p != '\0' && is_space (*p))
        p++;
      add_text (json_node_get_array (out->fragments), start, p - start);
      start = p;
      while (*p != '\0' && !is_space (*p))
        p++;
      if (p > start)
        parse_word (start, p - start, emotes, out);
    }
  if (json_array_get_length (json_node_get_array (out->fragments)) == 0)
    out->only_emotes = FALSE;
}

/* Whether @text contains one of @terms, ignoring case. */
gboolean
cascade_chat_text_matches_term (const char *text, const char *const *terms)
{
  g_autofree char *folded = NULL;

  if (terms == NULL || terms[0] == NULL)
    return FALSE;
  folded = g_utf8_casefold (text, -1);
  for (guint i = 0; terms[i] != NULL; i++)
    {
      g_autofree char *term = g_utf8_casefold (terms[i], -1);

      if (term[0] != '\0' && strstr (folded, term) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* A colour that reads well on a dark background, the same for a username
 * every time. */
char *
cascade_chat_color_for (const char *username)
{
  const char *const *palette = cascade_server_chat_palette ();
  guint n = g_strv_length ((char **) palette);
  g_autofree char *lower = g_ascii_strdown (username, -1);

  return g_strdup (palette[g_str_hash (lower) % n]);
}
