/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-private.h"
#include "cascade-json.h"
#include "cascade-session-info.h"

struct _CascadeSessionInfo
{
  GObject parent_instance;

  char *id;
  char *device;
  char *address;
  GDateTime *created_at;
  GDateTime *last_used_at;
  gboolean current;
};

G_DEFINE_FINAL_TYPE (CascadeSessionInfo, cascade_session_info, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_DEVICE,
  PROP_ADDRESS,
  PROP_CREATED_AT,
  PROP_LAST_USED_AT,
  PROP_CURRENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const CascadeJsonMember session_members[] = {
  { "id", CASCADE_JSON_STRING, TRUE },
  { "device", CASCADE_JSON_STRING, FALSE },
  { "address", CASCADE_JSON_STRING, FALSE },
  { "created_at", CASCADE_JSON_STRING, TRUE },
  { "last_used_at", CASCADE_JSON_STRING, FALSE },
  { "current", CASCADE_JSON_BOOLEAN, TRUE },
};

static void
cascade_session_info_finalize (GObject *object)
{
  CascadeSessionInfo *self = CASCADE_SESSION_INFO (object);

  g_free (self->id);
  g_free (self->device);
  g_free (self->address);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->last_used_at, g_date_time_unref);

  G_OBJECT_CLASS (cascade_session_info_parent_class)->finalize (object);
}

static void
cascade_session_info_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeSessionInfo *self = CASCADE_SESSION_INFO (object);

  switch (prop_id)
    {
      case PROP_ID:
        g_value_set_string (value, self->id);
        break;
      case PROP_DEVICE:
        g_value_set_string (value, self->device);
        break;
      case PROP_ADDRESS:
        g_value_set_string (value, self->address);
        break;
      case PROP_CREATED_AT:
        g_value_set_boxed (value, self->created_at);
        break;
      case PROP_LAST_USED_AT:
        g_value_set_boxed (value, self->last_used_at);
        break;
      case PROP_CURRENT:
        g_value_set_boolean (value, self->current);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_session_info_class_init (CascadeSessionInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cascade_session_info_finalize;
  object_class->get_property = cascade_session_info_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICE] =
    g_param_spec_string ("device", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CREATED_AT] = g_param_spec_boxed ("created-at", NULL, NULL, G_TYPE_DATE_TIME,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_USED_AT] = g_param_spec_boxed ("last-used-at", NULL, NULL, G_TYPE_DATE_TIME,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT] =
    g_param_spec_boolean ("current", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_session_info_init (CascadeSessionInfo *self)
{
}

static GDateTime *
parse_time (JsonObject *object, const char *name, GError **error)
{
  const char *text = cascade_json_get_string (object, name);
  GDateTime *time;

  if (text == NULL)
    return NULL;
  time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    g_propagate_error (error,
                       _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                                  "a session's time is not an ISO 8601 time"));
  return time;
}

CascadeSessionInfo *
cascade_session_info_new_from_json (JsonObject *object, GError **error)
{
  g_autoptr (CascadeSessionInfo) self = NULL;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!cascade_json_check (object, session_members, G_N_ELEMENTS (session_members), error))
    {
      g_prefix_error (error, "session: ");
      return NULL;
    }

  self = g_object_new (CASCADE_TYPE_SESSION_INFO, NULL);
  self->id = g_strdup (json_object_get_string_member (object, "id"));
  self->device = g_strdup (cascade_json_get_string (object, "device"));
  self->address = g_strdup (cascade_json_get_string (object, "address"));
  self->current = json_object_get_boolean_member (object, "current");
  self->created_at = parse_time (object, "created_at", error);
  if (self->created_at == NULL)
    return NULL;
  if (cascade_json_get_string (object, "last_used_at") == NULL)
    self->last_used_at = g_date_time_ref (self->created_at);
  else if ((self->last_used_at = parse_time (object, "last_used_at", error)) == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

const char *
cascade_session_info_get_id (CascadeSessionInfo *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION_INFO (self), NULL);
  return self->id;
}

/* The User-Agent of the sign-in, or NULL. */
const char *
cascade_session_info_get_device (CascadeSessionInfo *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION_INFO (self), NULL);
  return self->device;
}

/* The client address of the sign-in, or NULL. */
const char *
cascade_session_info_get_address (CascadeSessionInfo *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION_INFO (self), NULL);
  return self->address;
}

GDateTime *
cascade_session_info_get_created_at (CascadeSessionInfo *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION_INFO (self), NULL);
  return self->created_at;
}

GDateTime *
cascade_session_info_get_last_used_at (CascadeSessionInfo *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION_INFO (self), NULL);
  return self->last_used_at;
}

/* Whether this is the session of the client that asked. */
gboolean
cascade_session_info_get_current (CascadeSessionInfo *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION_INFO (self), FALSE);
  return self->current;
}
