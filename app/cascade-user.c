/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-private.h"
#include "cascade-json.h"
#include "cascade-user.h"

struct _CascadeUser
{
  GObject parent_instance;

  char *id;
  char *username;
  char *display_name;
  char *email;
  char *role;
  gboolean email_verified;
  gboolean totp_enabled;
};

G_DEFINE_FINAL_TYPE (CascadeUser, cascade_user, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_USERNAME,
  PROP_DISPLAY_NAME,
  PROP_EMAIL,
  PROP_ROLE,
  PROP_EMAIL_VERIFIED,
  PROP_TOTP_ENABLED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The User object of the wire contract. created_at is not used by the app yet;
 * a server older than email verification or two-factor authentication leaves
 * out their flags. */
static const CascadeJsonMember user_members[] = {
  { "id", CASCADE_JSON_STRING, TRUE },
  { "username", CASCADE_JSON_STRING, TRUE },
  { "display_name", CASCADE_JSON_STRING, TRUE },
  { "email", CASCADE_JSON_STRING, TRUE },
  { "role", CASCADE_JSON_STRING, TRUE },
  { "created_at", CASCADE_JSON_STRING, FALSE },
  { "email_verified", CASCADE_JSON_BOOLEAN, FALSE },
  { "totp_enabled", CASCADE_JSON_BOOLEAN, FALSE },
};

static void
cascade_user_finalize (GObject *object)
{
  CascadeUser *self = CASCADE_USER (object);

  g_free (self->id);
  g_free (self->username);
  g_free (self->display_name);
  g_free (self->email);
  g_free (self->role);

  G_OBJECT_CLASS (cascade_user_parent_class)->finalize (object);
}

static void
cascade_user_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeUser *self = CASCADE_USER (object);

  switch (prop_id)
    {
      case PROP_ID:
        g_value_set_string (value, self->id);
        break;
      case PROP_USERNAME:
        g_value_set_string (value, self->username);
        break;
      case PROP_DISPLAY_NAME:
        g_value_set_string (value, self->display_name);
        break;
      case PROP_EMAIL:
        g_value_set_string (value, self->email);
        break;
      case PROP_ROLE:
        g_value_set_string (value, self->role);
        break;
      case PROP_EMAIL_VERIFIED:
        g_value_set_boolean (value, self->email_verified);
        break;
      case PROP_TOTP_ENABLED:
        g_value_set_boolean (value, self->totp_enabled);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_user_class_init (CascadeUserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cascade_user_finalize;
  object_class->get_property = cascade_user_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMAIL] =
    g_param_spec_string ("email", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
    g_param_spec_string ("role", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMAIL_VERIFIED] = g_param_spec_boolean (
    "email-verified", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOTP_ENABLED] = g_param_spec_boolean ("totp-enabled", NULL, NULL, FALSE,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_user_init (CascadeUser *self)
{
}

CascadeUser *
cascade_user_new_from_json (JsonObject *object, GError **error)
{
  CascadeUser *self;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!cascade_json_check (object, user_members, G_N_ELEMENTS (user_members), error))
    {
      g_prefix_error (error, "user: ");
      return NULL;
    }

  self = g_object_new (CASCADE_TYPE_USER, NULL);
  self->id = g_strdup (json_object_get_string_member (object, "id"));
  self->username = g_strdup (json_object_get_string_member (object, "username"));
  self->display_name = g_strdup (json_object_get_string_member (object, "display_name"));
  self->email = g_strdup (json_object_get_string_member (object, "email"));
  self->role = g_strdup (json_object_get_string_member (object, "role"));
  if (json_object_has_member (object, "email_verified") &&
      !json_object_get_null_member (object, "email_verified"))
    self->email_verified = json_object_get_boolean_member (object, "email_verified");
  if (json_object_has_member (object, "totp_enabled") &&
      !json_object_get_null_member (object, "totp_enabled"))
    self->totp_enabled = json_object_get_boolean_member (object, "totp_enabled");
  return self;
}

const char *
cascade_user_get_id (CascadeUser *self)
{
  g_return_val_if_fail (CASCADE_IS_USER (self), NULL);
  return self->id;
}

const char *
cascade_user_get_username (CascadeUser *self)
{
  g_return_val_if_fail (CASCADE_IS_USER (self), NULL);
  return self->username;
}

const char *
cascade_user_get_display_name (CascadeUser *self)
{
  g_return_val_if_fail (CASCADE_IS_USER (self), NULL);
  return self->display_name;
}

const char *
cascade_user_get_email (CascadeUser *self)
{
  g_return_val_if_fail (CASCADE_IS_USER (self), NULL);
  return self->email;
}

const char *
cascade_user_get_role (CascadeUser *self)
{
  g_return_val_if_fail (CASCADE_IS_USER (self), NULL);
  return self->role;
}

/* Whether the address has been confirmed with the code mailed to it. */
gboolean
cascade_user_get_email_verified (CascadeUser *self)
{
  g_return_val_if_fail (CASCADE_IS_USER (self), FALSE);
  return self->email_verified;
}

/* Whether sign-in asks for a two-factor code. */
gboolean
cascade_user_get_totp_enabled (CascadeUser *self)
{
  g_return_val_if_fail (CASCADE_IS_USER (self), FALSE);
  return self->totp_enabled;
}

gboolean
_cascade_user_equal (CascadeUser *a, CascadeUser *b)
{
  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  return g_strcmp0 (a->id, b->id) == 0 && g_strcmp0 (a->username, b->username) == 0 &&
         g_strcmp0 (a->display_name, b->display_name) == 0 && g_strcmp0 (a->email, b->email) == 0 &&
         g_strcmp0 (a->role, b->role) == 0 && a->email_verified == b->email_verified &&
         a->totp_enabled == b->totp_enabled;
}
