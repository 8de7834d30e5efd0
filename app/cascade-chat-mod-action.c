/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-mod-action.h"

#include <glib/gi18n-lib.h>

#include "cascade-app-private.h"
#include "cascade-chat-room-private.h"
#include "cascade-json.h"

struct _CascadeChatModAction
{
  GObject parent_instance;

  char *id;
  char *action;
  char *moderator;
  char *target;
  char *message_id;
  char *reason;
  gint64 seconds;
  gint64 at;
  char *description;
};

G_DEFINE_FINAL_TYPE (CascadeChatModAction, cascade_chat_mod_action, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_ACTION,
  PROP_MODERATOR,
  PROP_TARGET,
  PROP_REASON,
  PROP_SECONDS,
  PROP_AT,
  PROP_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const CascadeJsonMember action_members[] = {
  { "id", CASCADE_JSON_STRING, TRUE },          { "action", CASCADE_JSON_STRING, TRUE },
  { "moderator", CASCADE_JSON_STRING, TRUE },   { "target", CASCADE_JSON_STRING, FALSE },
  { "message_id", CASCADE_JSON_STRING, FALSE }, { "seconds", CASCADE_JSON_INT, FALSE },
  { "reason", CASCADE_JSON_STRING, FALSE },     { "at", CASCADE_JSON_INT, TRUE },
};

static gboolean
is (CascadeChatModAction *self, const char *action)
{
  return g_str_equal (self->action, action);
}

/* What a moderator did, in words. */
static char *
describe (CascadeChatModAction *self)
{
  const char *who = self->moderator;
  const char *whom = self->target;

  if (is (self, "timeout") && whom != NULL)
    {
      g_autofree char *duration = _cascade_chat_format_duration (MAX (self->seconds, 1));

      /* Translators: %1$s is a moderator, %2$s a user, %3$s a duration ("10 minutes"). */
      return g_strdup_printf (_ ("%1$s timed out %2$s for %3$s"), who, whom, duration);
    }
  if (is (self, "delete"))
    /* Translators: %1$s is a moderator, %2$s the user whose message it was. */
    return whom != NULL ? g_strdup_printf (_ ("%1$s deleted a message from %2$s"), who, whom)
                        : g_strdup_printf (_ ("%s deleted a message"), who);
  if (is (self, "approve"))
    /* Translators: %1$s is a moderator, %2$s the user whose message was held. */
    return whom != NULL ? g_strdup_printf (_ ("%1$s approved a held message from %2$s"), who, whom)
                        : g_strdup_printf (_ ("%s approved a held message"), who);
  if (is (self, "deny"))
    /* Translators: %1$s is a moderator, %2$s the user whose message was held. */
    return whom != NULL ? g_strdup_printf (_ ("%1$s denied a held message from %2$s"), who, whom)
                        : g_strdup_printf (_ ("%s denied a held message"), who);
  if (is (self, "modes"))
    /* Translators: %s is a moderator. */
    return g_strdup_printf (_ ("%s changed the chat modes"), who);
  if (is (self, "terms"))
    /* Translators: %s is a moderator. */
    return g_strdup_printf (_ ("%s changed the blocked terms"), who);
  if (whom != NULL && is (self, "ban"))
    /* Translators: %1$s is a moderator, %2$s a user. */
    return g_strdup_printf (_ ("%1$s banned %2$s"), who, whom);
  if (whom != NULL && is (self, "unban"))
    /* Translators: %1$s is a moderator, %2$s a user. */
    return g_strdup_printf (_ ("%1$s unbanned %2$s"), who, whom);
  if (whom != NULL && is (self, "mod_add"))
    /* Translators: %1$s is the streamer, %2$s a user. */
    return g_strdup_printf (_ ("%1$s made %2$s a moderator"), who, whom);
  if (whom != NULL && is (self, "mod_remove"))
    /* Translators: %1$s is the streamer, %2$s a user. */
    return g_strdup_printf (_ ("%1$s removed %2$s as a moderator"), who, whom);
  /* Translators: %1$s is a moderator, %2$s an action the app does not know. */
  return g_strdup_printf (_ ("%1$s: %2$s"), who, self->action);
}

/**
 * cascade_chat_mod_action_new_from_json:
 *
 * Returns: (transfer full): the entry, or %NULL with
 *   CASCADE_CLIENT_ERROR_PROTOCOL
 */
CascadeChatModAction *
cascade_chat_mod_action_new_from_json (JsonObject *object, GError **error)
{
  CascadeChatModAction *self;

  g_return_val_if_fail (object != NULL, NULL);

  if (!cascade_json_check (object, action_members, G_N_ELEMENTS (action_members), error))
    return NULL;
  self = g_object_new (CASCADE_TYPE_CHAT_MOD_ACTION, NULL);
  self->id = g_strdup (json_object_get_string_member (object, "id"));
  self->action = g_strdup (json_object_get_string_member (object, "action"));
  self->moderator = g_strdup (json_object_get_string_member (object, "moderator"));
  self->target = g_strdup (cascade_json_get_string (object, "target"));
  self->message_id = g_strdup (cascade_json_get_string (object, "message_id"));
  self->reason = g_strdup (cascade_json_get_string (object, "reason"));
  self->seconds = MAX (_cascade_chat_get_int (object, "seconds", 0), 0);
  self->at = MAX (json_object_get_int_member (object, "at"), 0);
  self->description = describe (self);
  return self;
}

const char *
cascade_chat_mod_action_get_id (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), NULL);
  return self->id;
}

const char *
cascade_chat_mod_action_get_action (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), NULL);
  return self->action;
}

const char *
cascade_chat_mod_action_get_moderator (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), NULL);
  return self->moderator;
}

const char *
cascade_chat_mod_action_get_target (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), NULL);
  return self->target;
}

const char *
cascade_chat_mod_action_get_message_id (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), NULL);
  return self->message_id;
}

const char *
cascade_chat_mod_action_get_reason (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), NULL);
  return self->reason;
}

gint64
cascade_chat_mod_action_get_seconds (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), 0);
  return self->seconds;
}

gint64
cascade_chat_mod_action_get_at (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), 0);
  return self->at;
}

const char *
cascade_chat_mod_action_get_description (CascadeChatModAction *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MOD_ACTION (self), NULL);
  return self->description;
}

static void
cascade_chat_mod_action_finalize (GObject *object)
{
  CascadeChatModAction *self = CASCADE_CHAT_MOD_ACTION (object);

  g_free (self->id);
  g_free (self->action);
  g_free (self->moderator);
  g_free (self->target);
  g_free (self->message_id);
  g_free (self->reason);
  g_free (self->description);

  G_OBJECT_CLASS (cascade_chat_mod_action_parent_class)->finalize (object);
}

static void
cascade_chat_mod_action_get_property (GObject *object,
                                      guint prop_id,
                                      GValue *value,
                                      GParamSpec *pspec)
{
  CascadeChatModAction *self = CASCADE_CHAT_MOD_ACTION (object);

  switch (prop_id)
    {
      case PROP_ID:
        g_value_set_string (value, self->id);
        break;
      case PROP_ACTION:
        g_value_set_string (value, self->action);
        break;
      case PROP_MODERATOR:
        g_value_set_string (value, self->moderator);
        break;
      case PROP_TARGET:
        g_value_set_string (value, self->target);
        break;
      case PROP_REASON:
        g_value_set_string (value, self->reason);
        break;
      case PROP_SECONDS:
        g_value_set_int64 (value, self->seconds);
        break;
      case PROP_AT:
        g_value_set_int64 (value, self->at);
        break;
      case PROP_DESCRIPTION:
        g_value_set_string (value, self->description);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_chat_mod_action_class_init (CascadeChatModActionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cascade_chat_mod_action_finalize;
  object_class->get_property = cascade_chat_mod_action_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_ACTION] = g_param_spec_string ("action", NULL, NULL, NULL, flags);
  properties[PROP_MODERATOR] = g_param_spec_string ("moderator", NULL, NULL, NULL, flags);
  properties[PROP_TARGET] = g_param_spec_string ("target", NULL, NULL, NULL, flags);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, flags);
  properties[PROP_SECONDS] = g_param_spec_int64 ("seconds", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_AT] = g_param_spec_int64 ("at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_chat_mod_action_init (CascadeChatModAction *self)
{
}
