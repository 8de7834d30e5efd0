/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-identity-validate.h"

#include <gio/gio.h>
#include <sodium.h>

#include "cascade-identity-resources.h"

#define COMMON_PASSWORDS_RESOURCE "/net/cascadecast/cascaded/identity/common-passwords.txt"

static gboolean
has_space_or_control (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        return TRUE;
    }
  return FALSE;
}

static gboolean
domain_looks_valid (const char *domain)
{
  return domain[0] != '\0' && domain[0] != '.' && !g_str_has_suffix (domain, ".") &&
         strchr (domain, '.') != NULL && strstr (domain, "..") == NULL;
}

/**
 * cascade_identity_normalize_email:
 * @email: valid UTF-8
 *
 * An address must look like one: one @, a non-empty part before it, a dot
 * inside the domain, no spaces or control characters, at most 254
 * characters. It is stored lower-cased.
 *
 * Returns: (transfer full): the lower-cased address, or %NULL with
 *   %CASCADE_SERVER_ERROR_INVALID_EMAIL
 */
char *
cascade_identity_normalize_email (const char *email, GError **error)
{
  const char *at;

  g_return_val_if_fail (email != NULL, NULL);

  at = strchr (email, '@');
  if (g_utf8_strlen (email, -1) > CASCADE_EMAIL_MAX_CHARS || at == NULL || at == email ||
      strchr (at + 1, '@') != NULL || !domain_looks_valid (at + 1) || has_space_or_control (email))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_EMAIL,
                           "Enter an email address like name@example.com.");
      return NULL;
    }
  return g_utf8_strdown (email, -1);
}

/* 3 to 32 of a-z, 0-9 and _; else %CASCADE_SERVER_ERROR_INVALID_USERNAME */
gboolean
cascade_identity_check_username (const char *username, GError **error)
{
  gsize length;

  g_return_val_if_fail (username != NULL, FALSE);

  length = strlen (username);
  if (length < CASCADE_USERNAME_MIN_CHARS || length > CASCADE_USERNAME_MAX_CHARS ||
      strspn (username, "abcdefghijklmnopqrstuvwxyz0123456789_") != length)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_USERNAME,
                   "A username is %d to %d characters: lowercase letters, digits and _.",
                   CASCADE_USERNAME_MIN_CHARS, CASCADE_USERNAME_MAX_CHARS);
      return FALSE;
    }
  return TRUE;
}

/* The shipped list of common passwords (data/common-passwords.txt), lower
 * case, loaded once. */
static GHashTable *
common_passwords (void)
{
  static gsize table;

  if (g_once_init_enter (&table))
    {
      GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr (GBytes) bytes = NULL;
      g_auto (GStrv) lines = NULL;
      g_autofree char *text = NULL;

      bytes = g_resource_lookup_data (cascade_identity_get_resource (), COMMON_PASSWORDS_RESOURCE,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (bytes != NULL); /* compiled in */
      text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_strstrip (lines[i]);
          if (lines[i][0] != '\0' && lines[i][0] != '#')
            g_hash_table_add (set, g_utf8_strdown (lines[i], -1));
        }
      g_once_init_leave (&table, (gsize) set);
    }
  return (GHashTable *) table;
}

/**
 * cascade_identity_is_common_password:
 *
 * Returns: whether @password is on the shipped list of common passwords,
 *   compared without regard to case
 */
gboolean
cascade_identity_is_common_password (const char *password)
{
  g_autofree char *lower = NULL;
  gboolean common;

  g_return_val_if_fail (password != NULL, FALSE);

  lower = g_utf8_strdown (password, -1);
  common = g_hash_table_contains (common_passwords (), lower);
  sodium_memzero (lower, strlen (lower));
  return common;
}

/* 8 to 128 characters (not bytes), and not one of the common passwords;
 * else %CASCADE_SERVER_ERROR_INVALID_PASSWORD */
gboolean
cascade_identity_check_password (const char *password, GError **error)
{
  glong chars;

  g_return_val_if_fail (password != NULL, FALSE);

  chars = g_utf8_strlen (password, -1);
  if (chars < CASCADE_PASSWORD_MIN_CHARS || chars > CASCADE_PASSWORD_MAX_CHARS)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_PASSWORD,
                   "A password is %d to %d characters long.", CASCADE_PASSWORD_MIN_CHARS,
                   CASCADE_PASSWORD_MAX_CHARS);
      return FALSE;
    }
  if (cascade_identity_is_common_password (password))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_PASSWORD,
                           "This password is one of the most common ones, which are tried first: "
                           "choose another.");
      return FALSE;
    }
  return TRUE;
}

/**
 * cascade_identity_normalize_display_name:
 *
 * Trims white space at both ends; what is left must be 1 to 64 characters
 * without control characters.
 *
 * Returns: (transfer full): the trimmed name, or %NULL with
 *   %CASCADE_SERVER_ERROR_INVALID_DISPLAY_NAME
 */
char *
cascade_identity_normalize_display_name (const char *display_name, GError **error)
{
  const char *start = display_name;
  const char *end;
  g_autofree char *trimmed = NULL;
  glong chars;

  g_return_val_if_fail (display_name != NULL, NULL);

  while (*start != '\0' && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  end = start + strlen (start);
  while (end > start)
    {
      const char *prev = g_utf8_prev_char (end);

      if (!g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }
  trimmed = g_strndup (start, end - start);
  chars = g_utf8_strlen (trimmed, -1);

  for (const char *p = trimmed; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      chars = 0;
  if (chars < 1 || chars > CASCADE_DISPLAY_NAME_MAX_CHARS)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_DISPLAY_NAME,
                   "A display name is 1 to %d characters, without control characters.",
                   CASCADE_DISPLAY_NAME_MAX_CHARS);
      return NULL;
    }
  return g_steal_pointer (&trimmed);
}
