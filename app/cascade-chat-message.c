/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-message.h"

#include "cascade-app-private.h"
#include "cascade-json.h"

#define EMOTE_PATH_PREFIX "/api/v1/emotes/"

struct _CascadeChatMessage
{
  GObject parent_instance;

  char *id;
  char *channel;
  char *username;
  char *display_name;
  char *color;
  char **badges;
  char *text;
  gint64 sent_at;
  gint64 offset_ms;
  GArray *fragments; /* CascadeChatFragment */
};

G_DEFINE_FINAL_TYPE (CascadeChatMessage, cascade_chat_message, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_CHANNEL,
  PROP_USERNAME,
  PROP_DISPLAY_NAME,
  PROP_COLOR,
  PROP_TEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const CascadeJsonMember message_members[] = {
  { "id", CASCADE_JSON_STRING, TRUE },          { "channel", CASCADE_JSON_STRING, TRUE },
  { "user", CASCADE_JSON_OBJECT, TRUE },        { "text", CASCADE_JSON_STRING, TRUE },
  { "fragments", CASCADE_JSON_ARRAY, FALSE },   { "sent_at", CASCADE_JSON_INT, TRUE },
  { "session_id", CASCADE_JSON_STRING, FALSE }, { "offset_ms", CASCADE_JSON_INT, FALSE },
};

static const CascadeJsonMember user_members[] = {
  { "username", CASCADE_JSON_STRING, TRUE },
  { "display_name", CASCADE_JSON_STRING, FALSE },
  { "color", CASCADE_JSON_STRING, FALSE },
  { "badges", CASCADE_JSON_ARRAY, FALSE },
};

static const CascadeJsonMember fragment_members[] = {
  { "type", CASCADE_JSON_STRING, TRUE },      { "text", CASCADE_JSON_STRING, TRUE },
  { "username", CASCADE_JSON_STRING, FALSE }, { "url", CASCADE_JSON_STRING, FALSE },
  { "code", CASCADE_JSON_STRING, FALSE },
};

static void
fragment_clear (gpointer data)
{
  CascadeChatFragment *fragment = data;

  g_free (fragment->text);
  g_free (fragment->username);
  g_free (fragment->url);
  g_free (fragment->code);
}

static gboolean
is_color (const char *color)
{
  if (color == NULL || strlen (color) != 7 || color[0] != '#')
    return FALSE;
  for (int i = 1; i < 7; i++)
    if (!g_ascii_isxdigit (color[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_web_address (const char *url)
{
  g_autoptr (GUri) uri = NULL;

  if (url == NULL)
    return FALSE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  return uri != NULL &&
         (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 ||
          g_strcmp0 (g_uri_get_scheme (uri), "https") == 0) &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0';
}

static gboolean
is_emote_path (const char *url)
{
  if (url == NULL || !g_str_has_prefix (url, EMOTE_PATH_PREFIX))
    return FALSE;
  for (const char *p = url + strlen (EMOTE_PATH_PREFIX); *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return url[strlen (EMOTE_PATH_PREFIX)] != '\0';
}

static void
add_text (CascadeChatMessage *self, const char *text)
{
  CascadeChatFragment fragment = { CASCADE_CHAT_FRAGMENT_TEXT, g_strdup (text) };

  g_array_append_val (self->fragments, fragment);
}

static gboolean
add_fragments (CascadeChatMessage *self, JsonArray *array, GError **error)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      CascadeChatFragment fragment = { 0 };
      JsonObject *object;
      const char *type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_propagate_error (error,
                             _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL, NULL,
                                                        "a fragment is not an object"));
          return FALSE;
        }
      object = json_node_get_object (node);
      if (!cascade_json_check (object, fragment_members, G_N_ELEMENTS (fragment_members), error))
        return FALSE;

      type = json_object_get_string_member (object, "type");
      fragment.text = g_strdup (json_object_get_string_member (object, "text"));
      if (g_str_equal (type, "mention") && cascade_json_get_string (object, "username") != NULL)
        {
          fragment.type = CASCADE_CHAT_FRAGMENT_MENTION;
          fragment.username = g_strdup (cascade_json_get_string (object, "username"));
        }
      else if (g_str_equal (type, "link") &&
               is_web_address (cascade_json_get_string (object, "url")))
        {
          fragment.type = CASCADE_CHAT_FRAGMENT_LINK;
          fragment.url = g_strdup (cascade_json_get_string (object, "url"));
        }
      else if (g_str_equal (type, "emote") &&
               is_emote_path (cascade_json_get_string (object, "url")))
        {
          const char *code = cascade_json_get_string (object, "code");

          fragment.type = CASCADE_CHAT_FRAGMENT_EMOTE;
          fragment.url = g_strdup (cascade_json_get_string (object, "url"));
          fragment.code = g_strdup (code != NULL ? code : fragment.text);
        }
      else
        fragment.type = CASCADE_CHAT_FRAGMENT_TEXT;
      g_array_append_val (self->fragments, fragment);
    }
  return TRUE;
}

/**
 * cascade_chat_message_new_from_json:
 *
 * Returns: (transfer full) (nullable): the message, or NULL with a
 *   CASCADE_CLIENT_ERROR_PROTOCOL error when @object is not a ChatMessage
 */
CascadeChatMessage *
cascade_chat_message_new_from_json (JsonObject *object, GError **error)
{
  g_autoptr (CascadeChatMessage) self = NULL;
  JsonObject *user;
  JsonArray *badges;
  const char *display_name;

  g_return_val_if_fail (object != NULL, NULL);

  if (!cascade_json_check (object, message_members, G_N_ELEMENTS (message_members), error))
    return NULL;
  user = json_object_get_object_member (object, "user");
  if (!cascade_json_check (user, user_members, G_N_ELEMENTS (user_members), error))
    return NULL;

  self = g_object_new (CASCADE_TYPE_CHAT_MESSAGE, NULL);
  self->id = g_strdup (json_object_get_string_member (object, "id"));
  self->channel = g_strdup (json_object_get_string_member (object, "channel"));
  self->text = g_strdup (json_object_get_string_member (object, "text"));
  self->sent_at = json_object_get_int_member (object, "sent_at");
  self->offset_ms = json_object_has_member (object, "offset_ms") &&
                        !json_object_get_null_member (object, "offset_ms")
                      ? json_object_get_int_member (object, "offset_ms")
                      : -1;
  self->username = g_strdup (json_object_get_string_member (user, "username"));
  display_name = cascade_json_get_string (user, "display_name");
  self->display_name =
    g_strdup (display_name != NULL && *display_name != '\0' ? display_name : self->username);
  if (is_color (cascade_json_get_string (user, "color")))
    self->color = g_ascii_strdown (cascade_json_get_string (user, "color"), -1);

  badges = json_object_has_member (user, "badges") && !json_object_get_null_member (user, "badges")
             ? json_object_get_array_member (user, "badges")
             : NULL;
  {
    g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

    for (guint i = 0; badges != NULL && i < json_array_get_length (badges); i++)
      {
        JsonNode *node = json_array_get_element (badges, i);

        if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
          g_strv_builder_add (builder, json_node_get_string (node));
      }
    self->badges = g_strv_builder_end (builder);
  }

  if (json_object_has_member (object, "fragments") &&
      !json_object_get_null_member (object, "fragments"))
    {
      if (!add_fragments (self, json_object_get_array_member (object, "fragments"), error))
        return NULL;
    }
  if (self->fragments->len == 0)
    add_text (self, self->text);

  return g_steal_pointer (&self);
}

const char *
cascade_chat_message_get_id (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  return self->id;
}

const char *
cascade_chat_message_get_channel (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  return self->channel;
}

const char *
cascade_chat_message_get_username (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  return self->username;
}

/* The display name, or the username when the sender has none. */
const char *
cascade_chat_message_get_display_name (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  return self->display_name;
}

/* (nullable): "#rrggbb", lower case */
const char *
cascade_chat_message_get_color (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  return self->color;
}

const char *const *
cascade_chat_message_get_badges (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  return (const char *const *) self->badges;
}

gboolean
cascade_chat_message_has_badge (CascadeChatMessage *self, const char *badge)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), FALSE);
  return g_strv_contains ((const char *const *) self->badges, badge);
}

const char *
cascade_chat_message_get_text (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  return self->text;
}

/* Milliseconds since the epoch. */
gint64
cascade_chat_message_get_sent_at (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), 0);
  return self->sent_at;
}

/* Milliseconds from the start of the live session, or -1 outside one. */
gint64
cascade_chat_message_get_offset_ms (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), -1);
  return self->offset_ms;
}

guint
cascade_chat_message_get_n_fragments (CascadeChatMessage *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), 0);
  return self->fragments->len;
}

const CascadeChatFragment *
cascade_chat_message_get_fragment (CascadeChatMessage *self, guint i)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), NULL);
  g_return_val_if_fail (i < self->fragments->len, NULL);
  return &g_array_index (self->fragments, CascadeChatFragment, i);
}

/* Whether the message mentions @username (case-insensitively). */
gboolean
cascade_chat_message_mentions (CascadeChatMessage *self, const char *username)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (self), FALSE);

  if (username == NULL)
    return FALSE;
  for (guint i = 0; i < self->fragments->len; i++)
    {
      const CascadeChatFragment *fragment =
        &g_array_index (self->fragments, CascadeChatFragment, i);

      if (fragment->type == CASCADE_CHAT_FRAGMENT_MENTION &&
          g_ascii_strcasecmp (fragment->username, username) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
cascade_chat_message_finalize (GObject *object)
{
  CascadeChatMessage *self = CASCADE_CHAT_MESSAGE (object);

  g_free (self->id);
  g_free (self->channel);
  g_free (self->username);
  g_free (self->display_name);
  g_free (self->color);
  g_strfreev (self->badges);
  g_free (self->text);
  g_array_unref (self->fragments);

  G_OBJECT_CLASS (cascade_chat_message_parent_class)->finalize (object);
}

static void
cascade_chat_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeChatMessage *self = CASCADE_CHAT_MESSAGE (object);

  switch (prop_id)
    {
      case PROP_ID:
        g_value_set_string (value, self->id);
        break;
      case PROP_CHANNEL:
        g_value_set_string (value, self->channel);
        break;
      case PROP_USERNAME:
        g_value_set_string (value, self->username);
        break;
      case PROP_DISPLAY_NAME:
        g_value_set_string (value, self->display_name);
        break;
      case PROP_COLOR:
        g_value_set_string (value, self->color);
        break;
      case PROP_TEXT:
        g_value_set_string (value, self->text);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_chat_message_class_init (CascadeChatMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cascade_chat_message_finalize;
  object_class->get_property = cascade_chat_message_get_property;

  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CHANNEL] =
    g_param_spec_string ("channel", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USERNAME] =
    g_param_spec_string ("username", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COLOR] =
    g_param_spec_string ("color", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_chat_message_init (CascadeChatMessage *self)
{
  self->offset_ms = -1;
  self->fragments = g_array_new (FALSE, TRUE, sizeof (CascadeChatFragment));
  g_array_set_clear_func (self->fragments, fragment_clear);
}
