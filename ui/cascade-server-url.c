/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-server-url.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

char *
cascade_server_url_normalize (const char *text, GError **error)
{
  g_autofree char *trimmed = NULL;
  g_autoptr (GUri) uri = NULL;
  const char *scheme;
  const char *host;
  gsize len;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  trimmed = g_strstrip (g_strdup (text));
  if (*trimmed == '\0')
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_FAILED,
                           _ ("Enter the address of a Cascade server."));
      return NULL;
    }

  uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_FAILED,
                   _ ("“%s” is not a web address, such as https://cascade.example.org."), trimmed);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME,
                           _ ("The address must start with http:// or https://."));
      return NULL;
    }

  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST,
                           _ ("The address has no server name."));
      return NULL;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error_literal (error, G_URI_ERROR, G_URI_ERROR_BAD_QUERY,
                           _ ("The address of a server has no “?” or “#” part."));
      return NULL;
    }

  len = strlen (trimmed);
  while (len > 0 && trimmed[len - 1] == '/')
    trimmed[--len] = '\0';

  return g_steal_pointer (&trimmed);
}

gboolean
cascade_server_url_is_loopback (const char *url)
{
  g_autoptr (GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *host = uri != NULL ? g_uri_get_host (uri) : NULL;
  g_autoptr (GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}
