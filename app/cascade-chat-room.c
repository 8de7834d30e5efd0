/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-room.h"

#include "cascade-chat-room-private.h"

#include <glib/gi18n-lib.h>

#include "cascade-app-private.h"
#include "cascade-json.h"
#include "cascade-realtime.h"

/* The room keeps at most this many messages (the view shows the newest). */
#define MAX_MESSAGES 500

G_DEFINE_FINAL_TYPE (CascadeChatRoom, cascade_chat_room, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CHANNEL,
  PROP_JOINED,
  PROP_OPEN,
  PROP_ROLE,
  PROP_CAN_MODERATE,
  PROP_BANNED,
  PROP_TIMEOUT_UNTIL,
  PROP_FOLLOWING_SINCE,
  PROP_SLOW_SECONDS,
  PROP_FOLLOWERS_ONLY,
  PROP_FOLLOW_AGE_SECONDS,
  PROP_EMOTE_ONLY,
  PROP_VIEWERS,
  PROP_CHATTERS,
  PROP_EMOTE_CODES,
  PROP_JOIN_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_HELD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void set_join_error (CascadeChatRoom *self, const char *message);

static CascadeRealtime *
get_realtime (CascadeChatRoom *self)
{
  return cascade_session_get_realtime (self->session);
}

static gboolean
is_ours (CascadeChatRoom *self, JsonObject *message)
{
  return g_strcmp0 (cascade_json_get_string (message, "channel"), self->channel) == 0;
}

/* ---- properties set from the server -------------------------------------- */

#define SET_FIELD(self, field, value, prop)                                                        \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if ((self)->field != (value))                                                                  \
      {                                                                                            \
        (self)->field = (value);                                                                   \
        g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);                              \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

/* The integer member @name, or @fallback when it is missing or not an integer. */
gint64
_cascade_chat_get_int (JsonObject *object, const char *name, gint64 fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static gboolean
get_bool (JsonObject *object, const char *name, gboolean fallback)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fallback;
  return json_node_get_boolean (node);
}

static JsonObject *
get_object (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
get_array (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static void
set_modes (CascadeChatRoom *self, JsonObject *modes)
{
  if (modes == NULL)
    return;
  SET_FIELD (self, slow_seconds,
             (guint) CLAMP (_cascade_chat_get_int (modes, "slow_seconds", 0), 0, G_MAXINT),
             PROP_SLOW_SECONDS);
  SET_FIELD (self, followers_only, get_bool (modes, "followers_only", FALSE), PROP_FOLLOWERS_ONLY);
  SET_FIELD (self, follow_age_seconds,
             (guint) CLAMP (_cascade_chat_get_int (modes, "follow_age_seconds", 0), 0, G_MAXINT),
             PROP_FOLLOW_AGE_SECONDS);
  SET_FIELD (self, emote_only, get_bool (modes, "emote_only", FALSE), PROP_EMOTE_ONLY);
}

static void
set_you (CascadeChatRoom *self, JsonObject *you)
{
  const char *role;
  gboolean could_moderate = cascade_chat_room_get_can_moderate (self);

  if (you == NULL)
    return;
  role = cascade_json_get_string (you, "role");
  if (role == NULL)
    role = "viewer";
  if (g_strcmp0 (role, self->role) != 0)
    {
      g_free (self->role);
      self->role = g_strdup (role);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
      if (could_moderate != cascade_chat_room_get_can_moderate (self))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_MODERATE]);
    }
  SET_FIELD (self, banned, get_bool (you, "banned", FALSE), PROP_BANNED);
  SET_FIELD (self, timeout_until, MAX (_cascade_chat_get_int (you, "timeout_until", 0), 0),
             PROP_TIMEOUT_UNTIL);
  SET_FIELD (self, following_since, MAX (_cascade_chat_get_int (you, "following_since", 0), 0),
             PROP_FOLLOWING_SINCE);
}

static void
set_counts (CascadeChatRoom *self, JsonObject *message)
{
  SET_FIELD (self, viewers,
             (guint) CLAMP (_cascade_chat_get_int (message, "viewers", self->viewers), 0, G_MAXINT),
             PROP_VIEWERS);
  SET_FIELD (
    self, chatters,
    (guint) CLAMP (_cascade_chat_get_int (message, "chatters", self->chatters), 0, G_MAXINT),
    PROP_CHATTERS);
}

void
_cascade_chat_room_set_emotes (CascadeChatRoom *self, JsonArray *emotes)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  g_hash_table_remove_all (self->emotes);
  for (guint i = 0; emotes != NULL && i < json_array_get_length (emotes); i++)
    {
      JsonNode *node = json_array_get_element (emotes, i);
      const char *code;
      const char *url;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      code = cascade_json_get_string (json_node_get_object (node), "code");
      url = cascade_json_get_string (json_node_get_object (node), "url");
      if (code == NULL || url == NULL || !g_str_has_prefix (url, "/api/v1/emotes/") ||
          g_hash_table_contains (self->emotes, code))
        continue;
      g_hash_table_insert (self->emotes, g_strdup (code), g_strdup (url));
      g_strv_builder_add (builder, code);
    }
  g_strfreev (self->emote_codes);
  self->emote_codes = g_strv_builder_end (builder);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMOTE_CODES]);
}

/* ---- messages ------------------------------------------------------------ */

static CascadeChatMessage *
parse_message (JsonObject *object)
{
  g_autoptr (GError) error = NULL;
  CascadeChatMessage *message;

  if (object == NULL)
    return NULL;
  message = cascade_chat_message_new_from_json (object, &error);
  if (message == NULL)
    g_warning ("The server sent a chat message Cascade cannot read: %s", error->message);
  return message;
}

static gboolean
find_message (CascadeChatRoom *self, const char *id, guint *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  /* Newest first: deletions are mostly of recent messages. */
  for (guint i = n; i > 0; i--)
    {
      g_autoptr (CascadeChatMessage) message =
        g_list_model_get_item (G_LIST_MODEL (self->messages), i - 1);

      if (g_strcmp0 (cascade_chat_message_get_id (message), id) == 0)
        {
          *position = i - 1;
          return TRUE;
        }
    }
  return FALSE;
}

static void
append_message (CascadeChatRoom *self, CascadeChatMessage *message)
{
  guint position;
  guint n;

  if (find_message (self, cascade_chat_message_get_id (message), &position))
    return;
  g_list_store_append (self->messages, message);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  if (n > MAX_MESSAGES)
    g_list_store_splice (self->messages, 0, n - MAX_MESSAGES, NULL, 0);
}

static void
remove_user_messages (CascadeChatRoom *self, const char *username)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  for (guint i = n; i > 0; i--)
    {
      g_autoptr (CascadeChatMessage) message =
        g_list_model_get_item (G_LIST_MODEL (self->messages), i - 1);

      if (g_strcmp0 (cascade_chat_message_get_username (message), username) == 0)
        g_list_store_remove (self->messages, i - 1);
    }
}

/* ---- realtime ------------------------------------------------------------ */

/* A join refused, or the answer to a request. */
static void
on_reply (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  const char *id = cascade_json_get_string (message, "id");

  if (id != NULL && g_str_equal (type, "error") && g_strcmp0 (id, self->join_id) == 0)
    {
      g_autoptr (GError) error = _cascade_chat_error_new_from_message (message);

      g_clear_pointer (&self->join_id, g_free);
      if (g_strcmp0 (cascade_client_error_get_code (error), "banned") == 0)
        SET_FIELD (self, banned, TRUE, PROP_BANNED);
      set_join_error (self, error->message);
      return;
    }
  _cascade_chat_room_complete_request (self, type, message);
}

static void
set_join_error (CascadeChatRoom *self, const char *message)
{
  if (g_strcmp0 (self->join_error, message) == 0)
    return;
  g_free (self->join_error);
  self->join_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOIN_ERROR]);
}

static void
send_join (CascadeChatRoom *self)
{
  g_autoptr (JsonObject) message = json_object_new ();

  g_free (self->join_id);
  self->join_id = g_uuid_string_random ();
  json_object_set_string_member (message, "type", "chat.join");
  json_object_set_string_member (message, "id", self->join_id);
  json_object_set_string_member (message, "channel", self->channel);
  cascade_realtime_send (get_realtime (self), message);
}

static void
on_joined (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  JsonArray *history;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  if (!is_ours (self, message) || !self->wanted)
    return;

  history = get_array (message, "messages");
  for (guint i = 0; history != NULL && i < json_array_get_length (history); i++)
    {
      JsonNode *node = json_array_get_element (history, i);
      CascadeChatMessage *item =
        JSON_NODE_HOLDS_OBJECT (node) ? parse_message (json_node_get_object (node)) : NULL;

      if (item != NULL)
        g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->messages, 0, g_list_model_get_n_items (G_LIST_MODEL (self->messages)),
                       items->pdata, items->len);

  g_object_freeze_notify (G_OBJECT (self));
  SET_FIELD (self, open, get_bool (message, "open", FALSE), PROP_OPEN);
  set_modes (self, get_object (message, "modes"));
  set_you (self, get_object (message, "you"));
  set_counts (self, message);
  _cascade_chat_room_set_emotes (self, get_array (message, "emotes"));
  _cascade_chat_room_moderation_joined (self);
  set_join_error (self, NULL);
  SET_FIELD (self, joined, TRUE, PROP_JOINED);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_chat_message (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  g_autoptr (CascadeChatMessage) item = NULL;

  if (!is_ours (self, message) || !self->joined)
    return;
  item = parse_message (get_object (message, "message"));
  if (item == NULL)
    return;
  if (g_str_equal (type, "chat.held"))
    {
      _cascade_chat_room_add_held (self, item);
      g_signal_emit (self, signals[SIGNAL_HELD], 0, item);
    }
  else
    append_message (self, item);
}

static void
on_deleted (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  const char *id = cascade_json_get_string (message, "message_id");
  guint position;

  if (is_ours (self, message) && id != NULL && find_message (self, id, &position))
    g_list_store_remove (self->messages, position);
}

static void
on_user_cleared (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  const char *username = cascade_json_get_string (message, "username");

  if (is_ours (self, message) && username != NULL)
    remove_user_messages (self, username);
}

static void
on_update (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  if (!is_ours (self, message))
    return;
  if (g_str_equal (type, "chat.modes"))
    set_modes (self, get_object (message, "modes"));
  else if (g_str_equal (type, "chat.counts"))
    set_counts (self, message);
  else if (g_str_equal (type, "chat.room"))
    SET_FIELD (self, open, get_bool (message, "open", self->open), PROP_OPEN);
  else if (g_str_equal (type, "chat.you"))
    set_you (self, get_object (message, "you"));
  else if (g_str_equal (type, "chat.emotes"))
    _cascade_chat_room_set_emotes (self, get_array (message, "emotes"));
}

static void
on_realtime_state (CascadeChatRoom *self)
{
  if (cascade_realtime_get_state (get_realtime (self)) == CASCADE_REALTIME_STATE_CONNECTED)
    {
      if (self->wanted)
        send_join (self);
      return;
    }
  SET_FIELD (self, joined, FALSE, PROP_JOINED);
  _cascade_chat_room_fail_all_requests (
    self, _ ("The connection to the server dropped before it answered."));
}

static void
disconnect_realtime (CascadeChatRoom *self)
{
  CascadeRealtime *realtime = get_realtime (self);

  for (guint i = 0; i < G_N_ELEMENTS (self->realtime_handlers); i++)
    if (self->realtime_handlers[i] != 0)
      {
        g_signal_handler_disconnect (realtime, self->realtime_handlers[i]);
        self->realtime_handlers[i] = 0;
      }
}

static void
connect_realtime (CascadeChatRoom *self)
{
  static const struct
  {
    const char *signal;
    GCallback callback;
  } handlers[] = {
    { "message::chat.joined", G_CALLBACK (on_joined) },
    { "message::chat.message", G_CALLBACK (on_chat_message) },
    { "message::chat.held", G_CALLBACK (on_chat_message) },
    { "message::chat.deleted", G_CALLBACK (on_deleted) },
    { "message::chat.user_cleared", G_CALLBACK (on_user_cleared) },
    { "message::chat.modes", G_CALLBACK (on_update) },
    { "message::chat.counts", G_CALLBACK (on_update) },
    { "message::chat.room", G_CALLBACK (on_update) },
    { "message::chat.you", G_CALLBACK (on_update) },
    { "message::chat.emotes", G_CALLBACK (on_update) },
    { "message::chat.mod_action", G_CALLBACK (_cascade_chat_room_on_mod_action) },
    { "message::chat.sent", G_CALLBACK (on_reply) },
    { "message::chat.ok", G_CALLBACK (on_reply) },
    { "message::chat.chatters", G_CALLBACK (on_reply) },
    { "message::error", G_CALLBACK (on_reply) },
  };
  CascadeRealtime *realtime = get_realtime (self);

  G_STATIC_ASSERT (G_N_ELEMENTS (handlers) <=
                   G_N_ELEMENTS (((CascadeChatRoom *) 0)->realtime_handlers));
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    self->realtime_handlers[i] =
      g_signal_connect_swapped (realtime, handlers[i].signal, handlers[i].callback, self);
}

/* ---- public -------------------------------------------------------------- */

CascadeChatRoom *
cascade_chat_room_new (CascadeSession *session, const char *channel)
{
  CascadeChatRoom *self;

  g_return_val_if_fail (CASCADE_IS_SESSION (session), NULL);
  g_return_val_if_fail (channel != NULL && *channel != '\0', NULL);

  self = g_object_new (CASCADE_TYPE_CHAT_ROOM, NULL);
  self->session = g_object_ref (session);
  self->channel = g_strdup (channel);
  return self;
}

/**
 * cascade_chat_room_join:
 *
 * Joins the room now if the realtime connection is up, else once it is; and
 * again after every reconnection, until cascade_chat_room_leave().
 */
void
cascade_chat_room_join (CascadeChatRoom *self)
{
  CascadeRealtime *realtime;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));

  if (self->wanted)
    return;
  self->wanted = TRUE;
  realtime = get_realtime (self);
  connect_realtime (self);
  /* The chatter list and the messages' answers come on the same socket: the
   * state handler is connected after the message handlers. */
  g_signal_connect_object (realtime, "notify::state", G_CALLBACK (on_realtime_state), self,
                           G_CONNECT_SWAPPED);
  if (cascade_realtime_get_state (realtime) == CASCADE_REALTIME_STATE_CONNECTED)
    send_join (self);
}

void
cascade_chat_room_leave (CascadeChatRoom *self)
{
  CascadeRealtime *realtime;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));

  if (!self->wanted)
    return;
  self->wanted = FALSE;
  realtime = get_realtime (self);
  if (cascade_realtime_get_state (realtime) == CASCADE_REALTIME_STATE_CONNECTED)
    {
      g_autoptr (JsonObject) message = json_object_new ();

      json_object_set_string_member (message, "type", "chat.leave");
      json_object_set_string_member (message, "channel", self->channel);
      cascade_realtime_send (realtime, message);
    }
  disconnect_realtime (self);
  g_signal_handlers_disconnect_by_func (realtime, on_realtime_state, self);
  SET_FIELD (self, joined, FALSE, PROP_JOINED);
  _cascade_chat_room_fail_all_requests (self, _ ("You left the chat."));
}

void
_cascade_chat_room_set_following_since (CascadeChatRoom *self, gint64 since)
{
  SET_FIELD (self, following_since, since, PROP_FOLLOWING_SINCE);
}

/* ---- getters ------------------------------------------------------------- */

const char *
cascade_chat_room_get_channel (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  return self->channel;
}

CascadeClient *
cascade_chat_room_get_client (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  return cascade_session_get_client (self->session);
}

/* Returns: (transfer none): a GListModel of CascadeChatMessage, oldest first */
GListModel *
cascade_chat_room_get_messages (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  return G_LIST_MODEL (self->messages);
}

gboolean
cascade_chat_room_get_joined (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  return self->joined;
}

gboolean
cascade_chat_room_get_open (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  return self->open;
}

const char *
cascade_chat_room_get_role (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  return self->role;
}

/* Whether the signed-in user moderates this room (streamer, moderator, admin). */
gboolean
cascade_chat_room_get_can_moderate (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  return g_strcmp0 (self->role, "moderator") == 0 || g_strcmp0 (self->role, "streamer") == 0 ||
         g_strcmp0 (self->role, "admin") == 0;
}

gboolean
cascade_chat_room_get_banned (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  return self->banned;
}

gint64
cascade_chat_room_get_timeout_until (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), 0);
  return self->timeout_until;
}

gint64
cascade_chat_room_get_following_since (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), 0);
  return self->following_since;
}

guint
cascade_chat_room_get_slow_seconds (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), 0);
  return self->slow_seconds;
}

gboolean
cascade_chat_room_get_followers_only (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  return self->followers_only;
}

guint
cascade_chat_room_get_follow_age_seconds (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), 0);
  return self->follow_age_seconds;
}

gboolean
cascade_chat_room_get_emote_only (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  return self->emote_only;
}

guint
cascade_chat_room_get_viewers (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), 0);
  return self->viewers;
}

guint
cascade_chat_room_get_chatters (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), 0);
  return self->chatters;
}

const char *const *
cascade_chat_room_get_emote_codes (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  return (const char *const *) self->emote_codes;
}

/* (nullable): the server path of the emote's image */
const char *
cascade_chat_room_get_emote_url (CascadeChatRoom *self, const char *code)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  return code != NULL ? g_hash_table_lookup (self->emotes, code) : NULL;
}

/* (nullable): why the server refused to let us in, in words */
const char *
cascade_chat_room_get_join_error (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  return self->join_error;
}

const char *
cascade_chat_room_get_username (CascadeChatRoom *self)
{
  CascadeUser *user;

  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  user = cascade_session_get_user (self->session);
  return user != NULL ? cascade_user_get_username (user) : NULL;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_ascii_strcasecmp (*(const char *const *) a, *(const char *const *) b);
}

GStrv
cascade_chat_room_dup_known_usernames (CascadeChatRoom *self)
{
  g_autoptr (GHashTable) names = NULL;
  g_autoptr (GPtrArray) array = NULL;
  guint n;
  GHashTableIter iter;
  gpointer key;

  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);

  names = g_hash_table_new (g_str_hash, g_str_equal);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CascadeChatMessage) message =
        g_list_model_get_item (G_LIST_MODEL (self->messages), i);

      g_hash_table_add (names,
                        (gpointer) g_intern_string (cascade_chat_message_get_username (message)));
    }
  g_hash_table_iter_init (&iter, self->chatter_names);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (names, key);

  array = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, names);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (array, g_strdup (key));
  g_ptr_array_sort (array, compare_names);
  g_ptr_array_add (array, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&array), FALSE);
}

/* ---- object -------------------------------------------------------------- */

static void
cascade_chat_room_dispose (GObject *object)
{
  CascadeChatRoom *self = CASCADE_CHAT_ROOM (object);

  if (self->session != NULL)
    cascade_chat_room_leave (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cascade_chat_room_parent_class)->dispose (object);
}

static void
cascade_chat_room_finalize (GObject *object)
{
  CascadeChatRoom *self = CASCADE_CHAT_ROOM (object);

  g_free (self->channel);
  g_free (self->role);
  g_free (self->join_id);
  g_free (self->join_error);
  g_clear_object (&self->messages);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->emotes);
  g_hash_table_unref (self->chatter_names);
  g_strfreev (self->emote_codes);
  _cascade_chat_moderation_free (self->moderation);

  G_OBJECT_CLASS (cascade_chat_room_parent_class)->finalize (object);
}

static void
cascade_chat_room_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeChatRoom *self = CASCADE_CHAT_ROOM (object);

  switch (prop_id)
    {
      case PROP_CHANNEL:
        g_value_set_string (value, self->channel);
        break;
      case PROP_JOINED:
        g_value_set_boolean (value, self->joined);
        break;
      case PROP_OPEN:
        g_value_set_boolean (value, self->open);
        break;
      case PROP_ROLE:
        g_value_set_string (value, self->role);
        break;
      case PROP_CAN_MODERATE:
        g_value_set_boolean (value, cascade_chat_room_get_can_moderate (self));
        break;
      case PROP_BANNED:
        g_value_set_boolean (value, self->banned);
        break;
      case PROP_TIMEOUT_UNTIL:
        g_value_set_int64 (value, self->timeout_until);
        break;
      case PROP_FOLLOWING_SINCE:
        g_value_set_int64 (value, self->following_since);
        break;
      case PROP_SLOW_SECONDS:
        g_value_set_uint (value, self->slow_seconds);
        break;
      case PROP_FOLLOWERS_ONLY:
        g_value_set_boolean (value, self->followers_only);
        break;
      case PROP_FOLLOW_AGE_SECONDS:
        g_value_set_uint (value, self->follow_age_seconds);
        break;
      case PROP_EMOTE_ONLY:
        g_value_set_boolean (value, self->emote_only);
        break;
      case PROP_VIEWERS:
        g_value_set_uint (value, self->viewers);
        break;
      case PROP_CHATTERS:
        g_value_set_uint (value, self->chatters);
        break;
      case PROP_EMOTE_CODES:
        g_value_set_boxed (value, self->emote_codes);
        break;
      case PROP_JOIN_ERROR:
        g_value_set_string (value, self->join_error);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_chat_room_class_init (CascadeChatRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cascade_chat_room_dispose;
  object_class->finalize = cascade_chat_room_finalize;
  object_class->get_property = cascade_chat_room_get_property;

  properties[PROP_CHANNEL] = g_param_spec_string ("channel", NULL, NULL, NULL, flags);
  properties[PROP_JOINED] = g_param_spec_boolean ("joined", NULL, NULL, FALSE, flags);
  properties[PROP_OPEN] = g_param_spec_boolean ("open", NULL, NULL, FALSE, flags);
  properties[PROP_ROLE] = g_param_spec_string ("role", NULL, NULL, NULL, flags);
  properties[PROP_CAN_MODERATE] = g_param_spec_boolean ("can-moderate", NULL, NULL, FALSE, flags);
  properties[PROP_BANNED] = g_param_spec_boolean ("banned", NULL, NULL, FALSE, flags);
  properties[PROP_TIMEOUT_UNTIL] =
    g_param_spec_int64 ("timeout-until", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_FOLLOWING_SINCE] =
    g_param_spec_int64 ("following-since", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SLOW_SECONDS] =
    g_param_spec_uint ("slow-seconds", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_FOLLOWERS_ONLY] =
    g_param_spec_boolean ("followers-only", NULL, NULL, FALSE, flags);
  properties[PROP_FOLLOW_AGE_SECONDS] =
    g_param_spec_uint ("follow-age-seconds", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_EMOTE_ONLY] = g_param_spec_boolean ("emote-only", NULL, NULL, FALSE, flags);
  properties[PROP_VIEWERS] = g_param_spec_uint ("viewers", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_CHATTERS] = g_param_spec_uint ("chatters", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_EMOTE_CODES] = g_param_spec_boxed ("emote-codes", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_JOIN_ERROR] = g_param_spec_string ("join-error", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_HELD] = g_signal_new ("held", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       NULL, NULL, NULL, G_TYPE_NONE, 1, CASCADE_TYPE_CHAT_MESSAGE);
}

static void
cascade_chat_room_init (CascadeChatRoom *self)
{
  self->messages = g_list_store_new (CASCADE_TYPE_CHAT_MESSAGE);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->emotes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->chatter_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->emote_codes = g_new0 (char *, 1);
  self->role = g_strdup ("viewer");
  self->moderation = _cascade_chat_moderation_new ();
}
