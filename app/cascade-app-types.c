/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sodium.h>

#include "cascade-app-private.h"
#include "cascade-app-types.h"

typedef struct
{
  char *code;
  char *field;
} CascadeClientErrorPrivate;

static void
cascade_client_error_private_init (CascadeClientErrorPrivate *priv)
{
  priv->code = NULL;
  priv->field = NULL;
}

static void
cascade_client_error_private_copy (const CascadeClientErrorPrivate *src,
                                   CascadeClientErrorPrivate *dest)
{
  dest->code = g_strdup (src->code);
  dest->field = g_strdup (src->field);
}

static void
cascade_client_error_private_clear (CascadeClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->code, g_free);
  g_clear_pointer (&priv->field, g_free);
}

G_DEFINE_EXTENDED_ERROR (CascadeClientError, cascade_client_error)

GError *
_cascade_client_error_new (CascadeClientError code,
                           const char *server_code,
                           const char *field,
                           const char *message)
{
  GError *error = g_error_new_literal (CASCADE_CLIENT_ERROR, code, message);
  CascadeClientErrorPrivate *priv = cascade_client_error_get_private (error);

  priv->code = g_strdup (server_code);
  priv->field = g_strdup (field);
  return error;
}

const char *
cascade_client_error_get_code (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != CASCADE_CLIENT_ERROR)
    return NULL;
  return cascade_client_error_get_private (error)->code;
}

const char *
cascade_client_error_get_field (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != CASCADE_CLIENT_ERROR)
    return NULL;
  return cascade_client_error_get_private (error)->field;
}

GType
cascade_session_state_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { CASCADE_SESSION_STATE_RESTORING, "CASCADE_SESSION_STATE_RESTORING", "restoring" },
    { CASCADE_SESSION_STATE_SIGNED_OUT, "CASCADE_SESSION_STATE_SIGNED_OUT", "signed-out" },
    { CASCADE_SESSION_STATE_SIGNED_IN, "CASCADE_SESSION_STATE_SIGNED_IN", "signed-in" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    {
      GType type = g_enum_register_static (g_intern_static_string ("CascadeSessionState"), values);
      g_once_init_leave (&type_id, type);
    }
  return type_id;
}

void
_cascade_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  sodium_memzero (secret, strlen (secret));
  g_free (secret);
}
