/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-realtime-private.h"

#include "cascade-chat-text.h"

/*
 * The realtime face of the chat context (docs/api.md, "Chat"): rooms in
 * memory, on the main thread. A room is loaded from the store the first
 * time someone joins it and then kept: its modes, bans, moderators, terms,
 * emotes and last messages, and who is in it.
 *
 * Sending is checked in memory, cheapest first: the sender's rate limit
 * before anything else, so a flood costs the room nothing. A message is
 * serialised once, committed by the context's writer thread, then the same
 * text goes to everyone in the room and chat.sent to its sender.
 */

#define TICK_SECONDS 1
#define COUNTS_EVERY_TICKS 2

G_DEFINE_FINAL_TYPE (CascadeChatRealtime, cascade_chat_realtime, G_TYPE_OBJECT)

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
chatter_free (gpointer data)
{
  Chatter *chatter = data;

  cascade_chat_member_free (chatter->member);
  g_free (chatter->last_text);
  g_free (chatter);
}

static void
room_free (gpointer data)
{
  Room *room = data;

  cascade_chat_room_state_free (room->state);
  g_hash_table_unref (room->connections);
  g_hash_table_unref (room->targets);
  g_hash_table_unref (room->chatters);
  g_hash_table_unref (room->held);
  g_free (room);
}

static gboolean
room_is_open (Room *room)
{
  return room->state->session_id != NULL || now_ms () < room->state->open_until_ms;
}

/* ---- roles ------------------------------------------------------------------- */

static const char *
role_of (Room *room, CascadeChatMember *member)
{
  if (g_strcmp0 (member->user_id, room->state->channel_user_id) == 0)
    return "streamer";
  if (g_strcmp0 (member->site_role, "admin") == 0)
    return "admin";
  if (g_hash_table_contains (room->state->moderators, member->user_id) ||
      g_strcmp0 (member->site_role, "moderator") == 0)
    return "moderator";
  return "viewer";
}

gboolean
_cascade_chat_realtime_may_moderate (Room *room, CascadeChatMember *member)
{
  return g_strcmp0 (role_of (room, member), "viewer") != 0;
}

static void
add_badges (JsonBuilder *builder, Room *room, CascadeChatMember *member)
{
  json_builder_set_member_name (builder, "badges");
  json_builder_begin_array (builder);
  if (g_strcmp0 (member->user_id, room->state->channel_user_id) == 0)
    json_builder_add_string_value (builder, "streamer");
  if (g_hash_table_contains (room->state->moderators, member->user_id) ||
      g_strcmp0 (member->site_role, "moderator") == 0)
    json_builder_add_string_value (builder, "moderator");
  if (g_strcmp0 (member->site_role, "admin") == 0)
    json_builder_add_string_value (builder, "admin");
  json_builder_end_array (builder);
}

static gint64
ban_until (Room *room, const char *user_id)
{
  gint64 *until = g_hash_table_lookup (room->state->bans, user_id);

  if (until == NULL)
    return 0;
  if (*until != CASCADE_CHAT_BANNED_FOREVER && *until <= now_ms ())
    {
      g_hash_table_remove (room->state->bans, user_id);
      return 0;
    }
  return *until;
}

JsonNode *
_cascade_chat_realtime_build_modes (const CascadeChatModes *modes)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "slow_seconds", modes->slow_seconds);
  json_object_set_boolean_member (object, "followers_only", modes->followers_only);
  json_object_set_int_member (object, "follow_age_seconds", modes->follow_age_seconds);
  json_object_set_boolean_member (object, "emote_only", modes->emote_only);
  return json_node_init_object (json_node_alloc (), object);
}

static JsonNode *
build_you (Room *room, CascadeChatMember *member)
{
  JsonObject *you = json_object_new ();
  gint64 until = ban_until (room, member->user_id);

  json_object_set_string_member (you, "role", role_of (room, member));
  json_object_set_boolean_member (you, "banned", until == CASCADE_CHAT_BANNED_FOREVER);
  if (until != 0 && until != CASCADE_CHAT_BANNED_FOREVER)
    json_object_set_int_member (you, "timeout_until", until);
  else
    json_object_set_null_member (you, "timeout_until");
  if (member->following_since_ms != 0)
    json_object_set_int_member (you, "following_since", member->following_since_ms);
  else
    json_object_set_null_member (you, "following_since");
  return json_node_init_object (json_node_alloc (), you);
}

/* ---- sending ------------------------------------------------------------------ */

JsonObject *
_cascade_chat_realtime_room_message_new (Room *room, const char *type)
{
  JsonObject *message = json_object_new ();

  json_object_set_string_member (message, "type", type);
  json_object_set_string_member (message, "channel", room->state->channel);
  return message;
}

static char *
serialise (JsonObject *message)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), message);

  return json_to_string (node, FALSE);
}

/* To everyone in the room: the hot path of the fan-out, through the
 * connections' handles (no lookup per recipient). */
static void
room_send_text (CascadeChatRealtime *self, Room *room, const char *text)
{
  GHashTableIter iter;
  gpointer value;

  if (self->hub == NULL)
    return;
  g_hash_table_iter_init (&iter, room->targets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    cascade_realtime_connection_send_text (value, text);
}

/* To everyone in the room, or only to its moderators: serialised once. */
void
_cascade_chat_realtime_room_send (CascadeChatRealtime *self,
                                  Room *room,
                                  JsonObject *message,
                                  gboolean moderators_only)
{
  g_autofree char *text = serialise (message);
  GHashTableIter iter;
  gpointer key, value;

  if (self->hub == NULL)
    return;
  if (!moderators_only)
    {
      room_send_text (self, room, text);
      return;
    }
  g_hash_table_iter_init (&iter, room->connections);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (_cascade_chat_realtime_may_moderate (room, ((Chatter *) value)->member))
      cascade_realtime_hub_send_text (self->hub, key, text);
}

/* chat.you to the connections of @user_id in the room. */
void
_cascade_chat_realtime_send_you (CascadeChatRealtime *self, Room *room, const char *user_id)
{
  Chatter *chatter = g_hash_table_lookup (room->chatters, user_id);
  g_autoptr (JsonObject) message = NULL;
  g_autofree char *text = NULL;
  GHashTableIter iter;
  gpointer key, value;

  if (chatter == NULL || self->hub == NULL)
    return;
  message = _cascade_chat_realtime_room_message_new (room, "chat.you");
  json_object_set_member (message, "you", build_you (room, chatter->member));
  text = serialise (json_object_ref (message));
  g_hash_table_iter_init (&iter, room->connections);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (value == chatter)
      cascade_realtime_hub_send_text (self->hub, key, text);
}

void
_cascade_chat_realtime_send_error (CascadeChatRealtime *self,
                                   const CascadeRealtimeContext *context,
                                   const char *code,
                                   const char *text,
                                   const char *extra_name,
                                   gint64 extra_value)
{
  g_autoptr (JsonObject) message = json_object_new ();

  if (self->hub == NULL)
    return;
  json_object_set_string_member (message, "type", "error");
  if (context->message_id != NULL)
    json_object_set_string_member (message, "id", context->message_id);
  json_object_set_string_member (message, "code", code);
  json_object_set_string_member (message, "message", text);
  if (extra_name != NULL)
    json_object_set_int_member (message, extra_name, extra_value);
  cascade_realtime_hub_send (self->hub, context->connection_id, message);
}

void
_cascade_chat_realtime_send_gerror (CascadeChatRealtime *self,
                                    const char *connection_id,
                                    const char *message_id,
                                    const GError *error)
{
  guint status;
  const char *code;
  const char *field;
  gboolean public = cascade_server_error_describe (error, &status, &code, &field);

  if (self->hub == NULL)
    return;
  if (!public)
    g_warning ("Chat: %s", error->message);
  cascade_realtime_hub_send_error (self->hub, connection_id, message_id, code,
                                   public ? error->message
                                          : "Something went wrong on the server. Try again.");
}

void
_cascade_chat_realtime_reply_ok (CascadeChatRealtime *self,
                                 const char *connection_id,
                                 const char *message_id)
{
  g_autoptr (JsonObject) ok = json_object_new ();

  if (self->hub == NULL)
    return;
  json_object_set_string_member (ok, "type", "chat.ok");
  if (message_id != NULL)
    json_object_set_string_member (ok, "id", message_id);
  cascade_realtime_hub_send (self->hub, connection_id, ok);
}

static void
update_open (CascadeChatRealtime *self, Room *room)
{
  gboolean open = room_is_open (room);
  g_autoptr (JsonObject) message = NULL;

  if (open == room->open)
    return;
  room->open = open;
  message = _cascade_chat_realtime_room_message_new (room, "chat.room");
  json_object_set_boolean_member (message, "open", open);
  _cascade_chat_realtime_room_send (self, room, g_steal_pointer (&message), FALSE);
}

static gboolean
on_tick (gpointer user_data)
{
  CascadeChatRealtime *self = user_data;
  gboolean counts = ++self->ticks % COUNTS_EVERY_TICKS == 0;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Room *room = value;
      guint viewers = g_hash_table_size (room->connections);
      guint chatters = g_hash_table_size (room->chatters);

      update_open (self, room);
      if (counts && (viewers != room->sent_viewers || chatters != room->sent_chatters))
        {
          JsonObject *message = _cascade_chat_realtime_room_message_new (room, "chat.counts");

          room->sent_viewers = viewers;
          room->sent_chatters = chatters;
          json_object_set_int_member (message, "viewers", viewers);
          json_object_set_int_member (message, "chatters", chatters);
          _cascade_chat_realtime_room_send (self, room, message, FALSE);
        }
    }
  return G_SOURCE_CONTINUE;
}

/* ---- rooms and members ---------------------------------------------------------- */

Room *
_cascade_chat_realtime_find_room (CascadeChatRealtime *self, const char *channel)
{
  g_autofree char *key = g_ascii_strdown (channel, -1);

  return g_hash_table_lookup (self->rooms, key);
}

static Room *
install_room (CascadeChatRealtime *self, CascadeChatRoomState *state)
{
  Room *room = g_new0 (Room, 1);

  room->state = state;
  room->connections = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  room->targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) cascade_realtime_connection_unref);
  room->chatters = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, chatter_free);
  room->held =
    g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) cascade_chat_held_free);
  for (guint i = 0; i < state->held->len; i++)
    {
      CascadeChatHeld *held = g_ptr_array_index (state->held, i);

      g_ptr_array_index (state->held, i) = NULL;
      g_hash_table_insert (room->held, held->id, held);
    }
  g_ptr_array_set_size (state->held, 0);
  room->open = room_is_open (room);
  g_hash_table_insert (self->rooms, g_ascii_strdown (state->channel, -1), room);
  g_hash_table_insert (self->by_owner, state->channel_user_id, room);
  return room;
}

Chatter *
_cascade_chat_realtime_connection_chatter (Room *room, const char *connection_id)
{
  return room != NULL ? g_hash_table_lookup (room->connections, connection_id) : NULL;
}

static void
leave_room (CascadeChatRealtime *self, Room *room, const char *connection_id)
{
  Chatter *chatter = g_hash_table_lookup (room->connections, connection_id);
  GPtrArray *rooms = g_hash_table_lookup (self->memberships, connection_id);

  if (chatter == NULL)
    return;
  g_hash_table_remove (room->connections, connection_id);
  g_hash_table_remove (room->targets, connection_id);
  if (rooms != NULL)
    g_ptr_array_remove (rooms, room);
  if (--chatter->n_connections == 0)
    g_hash_table_remove (room->chatters, chatter->member->user_id);
}

static void
on_connection_closed (CascadeRealtimeHub *hub,
                      const char *connection_id,
                      const char *user_id,
                      gpointer user_data)
{
  CascadeChatRealtime *self = user_data;
  GPtrArray *rooms = g_hash_table_lookup (self->memberships, connection_id);

  while (rooms != NULL && rooms->len > 0)
    leave_room (self, g_ptr_array_index (rooms, rooms->len - 1), connection_id);
  g_hash_table_remove (self->memberships, connection_id);
}

typedef struct
{
  CascadeChatRealtime *self;
  char *connection_id;
  char *message_id;
  char *user_id;
  char *channel;
  char *channel_user_id; /* when the room is loaded already */
  CascadeChatRoomState *state;
  CascadeChatMember *member;
} JoinCall;

static void
join_call_free (gpointer data)
{
  JoinCall *call = data;

  g_object_unref (call->self);
  g_free (call->connection_id);
  g_free (call->message_id);
  g_free (call->user_id);
  g_free (call->channel);
  g_free (call->channel_user_id);
  cascade_chat_room_state_free (call->state);
  cascade_chat_member_free (call->member);
  g_free (call);
}

static void
join_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  JoinCall *call = task_data;
  CascadeChat *chat = call->self->chat;
  GError *error = NULL;

  if (call->channel_user_id == NULL)
    {
      call->state = cascade_chat_load_room (
        chat, call->channel, cascade_chat_get_settings (chat)->history_on_join, &error);
      if (call->state == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }
  call->member = cascade_chat_load_member (
    chat, call->user_id,
    call->channel_user_id != NULL ? call->channel_user_id : call->state->channel_user_id, &error);
  if (call->member == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
open_early_thread (GTask *task,
                   gpointer source_object,
                   gpointer task_data,
                   GCancellable *cancellable)
{
  gpointer *args = task_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_chat_set_open_until (source_object, args[0], *(gint64 *) args[1], &error))
    g_warning ("Chat: cannot keep when a room closes: %s", error->message);
  g_task_return_boolean (task, TRUE);
}

static void
args_free (gpointer data)
{
  gpointer *args = data;

  g_free (args[0]);
  g_free (args[1]);
  g_free (args);
}

static void
keep_open_until (CascadeChatRealtime *self, Room *room, gint64 until_ms)
{
  g_autoptr (GTask) task = g_task_new (self->chat, NULL, NULL, NULL);
  gpointer *args = g_new0 (gpointer, 2);

  room->state->open_until_ms = until_ms;
  args[0] = g_strdup (room->state->channel_user_id);
  args[1] = g_memdup2 (&until_ms, sizeof until_ms);
  g_task_set_task_data (task, args, args_free);
  g_task_run_in_thread (task, open_early_thread);
  update_open (self, room);
}

/* The room's emotes, as chat.joined and chat.emotes carry them: [{code, url}]. */
JsonArray *
_cascade_chat_realtime_room_emotes (Room *room)
{
  JsonArray *emotes = json_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, room->state->emotes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      JsonObject *emote = json_object_new ();

      json_object_set_string_member (emote, "code", key);
      json_object_set_string_member (emote, "url", value);
      json_array_add_object_element (emotes, emote);
    }
  return emotes;
}

static void
build_joined (CascadeChatRealtime *self, Room *room, Chatter *chatter, JsonBuilder *builder)
{
  JsonNode *emotes = json_node_new (JSON_NODE_ARRAY);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "chat.joined");
  json_builder_set_member_name (builder, "channel");
  json_builder_add_string_value (builder, room->state->channel);
  json_builder_set_member_name (builder, "open");
  json_builder_add_boolean_value (builder, room->open);
  json_builder_set_member_name (builder, "modes");
  json_builder_add_value (builder, _cascade_chat_realtime_build_modes (&room->state->modes));
  json_builder_set_member_name (builder, "you");
  json_builder_add_value (builder, build_you (room, chatter->member));
  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  for (guint i = 0; i < room->state->recent->len; i++)
    {
      JsonNode *node = json_from_string (g_ptr_array_index (room->state->recent, i), NULL);

      if (node != NULL)
        json_builder_add_value (builder, node);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "viewers");
  json_builder_add_int_value (builder, g_hash_table_size (room->connections));
  json_builder_set_member_name (builder, "chatters");
  json_builder_add_int_value (builder, g_hash_table_size (room->chatters));
  json_builder_set_member_name (builder, "emotes");
  json_node_take_array (emotes, _cascade_chat_realtime_room_emotes (room));
  json_builder_add_value (builder, emotes);
  json_builder_end_object (builder);
}

static void
on_join_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  JoinCall *call = g_task_get_task_data (G_TASK (result));
  CascadeChatRealtime *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GPtrArray *rooms;
  Chatter *chatter;
  Room *room;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      _cascade_chat_realtime_send_gerror (self, call->connection_id, call->message_id, error);
      return;
    }
  if (self->hub == NULL || !cascade_realtime_hub_has_connection (self->hub, call->connection_id))
    return; /* gone while the room was loading */
  room = _cascade_chat_realtime_find_room (self, call->channel);
  if (room == NULL && call->state != NULL)
    room = install_room (self, g_steal_pointer (&call->state));
  if (room == NULL)
    return;
  if (ban_until (room, call->user_id) == CASCADE_CHAT_BANNED_FOREVER)
    {
      cascade_realtime_hub_send_error (self->hub, call->connection_id, call->message_id, "banned",
                                       "You are banned from this chat.");
      return;
    }

  rooms = g_hash_table_lookup (self->memberships, call->connection_id);
  if (rooms == NULL)
    {
      rooms = g_ptr_array_new ();
      g_hash_table_insert (self->memberships, g_strdup (call->connection_id), rooms);
    }
  chatter = g_hash_table_lookup (room->chatters, call->user_id);
  if (chatter == NULL)
    {
      chatter = g_new0 (Chatter, 1);
      chatter->member = g_steal_pointer (&call->member);
      g_hash_table_insert (room->chatters, chatter->member->user_id, chatter);
    }
  else
    {
      cascade_chat_member_free (chatter->member);
      chatter->member = g_steal_pointer (&call->member);
    }
  if (!g_hash_table_contains (room->connections, call->connection_id))
    {
      g_hash_table_insert (room->connections, g_strdup (call->connection_id), chatter);
      g_hash_table_insert (room->targets, g_strdup (call->connection_id),
                           cascade_realtime_connection_ref (
                             cascade_realtime_hub_lookup (self->hub, call->connection_id)));
      chatter->n_connections++;
      g_ptr_array_add (rooms, room);
    }

  /* The streamer opens their chat before going live. */
  if (g_strcmp0 (call->user_id, room->state->channel_user_id) == 0 &&
      room->state->session_id == NULL)
    {
      gint64 until =
        now_ms () + (gint64) cascade_chat_get_settings (self->chat)->open_before_minutes * 60000;

      if (until > room->state->open_until_ms)
        keep_open_until (self, room, until);
    }

  build_joined (self, room, chatter, builder);
  root = json_builder_get_root (builder);
  if (call->message_id != NULL)
    json_object_set_string_member (json_node_get_object (root), "id", call->message_id);
  text = json_to_string (root, FALSE);
  cascade_realtime_hub_send_text (self->hub, call->connection_id, text);
  if (_cascade_chat_realtime_may_moderate (room, chatter->member))
    _cascade_chat_realtime_send_held (self, room, call->connection_id);
}

/* ---- handlers ----------------------------------------------------------------- */

static const CascadeJsonMember channel_members[] = {
  { "channel", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember send_members[] = {
  { "channel", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "text", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember message_members[] = {
  { "channel", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "message_id", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { NULL },
};

static const CascadeJsonMember timeout_members[] = {
  { "channel", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "username", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "seconds", CASCADE_JSON_INTEGER, CASCADE_JSON_REQUIRED },
  { "reason", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember user_members[] = {
  { "channel", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "username", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "reason", CASCADE_JSON_STRING, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static const CascadeJsonMember modes_members[] = {
  { "channel", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "slow_seconds", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { "followers_only", CASCADE_JSON_BOOLEAN, CASCADE_JSON_OPTIONAL },
  { "follow_age_seconds", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { "emote_only", CASCADE_JSON_BOOLEAN, CASCADE_JSON_OPTIONAL },
  { NULL },
};

static void
handle_join (CascadeRealtimeHub *hub,
             const CascadeRealtimeContext *context,
             JsonObject *message,
             gpointer owner)
{
  CascadeChatRealtime *self = owner;
  const char *channel = json_object_get_string_member (message, "channel");
  g_autoptr (GTask) task = NULL;
  JoinCall *call = g_new0 (JoinCall, 1);
  Room *room = _cascade_chat_realtime_find_room (self, channel);

  call->self = g_object_ref (self);
  call->connection_id = g_strdup (context->connection_id);
  call->message_id = g_strdup (context->message_id);
  call->user_id = g_strdup (context->user_id);
  call->channel = g_strdup (channel);
  if (room != NULL)
    call->channel_user_id = g_strdup (room->state->channel_user_id);
  task = g_task_new (self, NULL, on_join_done, NULL);
  g_task_set_source_tag (task, handle_join);
  g_task_set_task_data (task, call, join_call_free);
  g_task_run_in_thread (task, join_thread);
}

static void
handle_leave (CascadeRealtimeHub *hub,
              const CascadeRealtimeContext *context,
              JsonObject *message,
              gpointer owner)
{
  CascadeChatRealtime *self = owner;
  Room *room =
    _cascade_chat_realtime_find_room (self, json_object_get_string_member (message, "channel"));

  if (_cascade_chat_realtime_connection_chatter (room, context->connection_id) == NULL)
    {
      _cascade_chat_realtime_send_error (self, context, "not_joined", "You are not in this chat.",
                                         NULL, 0);
      return;
    }
  leave_room (self, room, context->connection_id);
  _cascade_chat_realtime_reply_ok (self, context->connection_id, context->message_id);
}

/* The gateway's token buckets, one per user and room: rate_messages per
 * rate_seconds, with bursts of as many. */
static gboolean
take_token (CascadeChatRealtime *self, Room *room, Chatter *chatter)
{
  g_autofree char *key =
    g_strconcat (room->state->channel_user_id, "/", chatter->member->user_id, NULL);

  return cascade_rate_limit_take (self->rate_limit, key, NULL);
}

typedef struct
{
  CascadeChatRealtime *self;
  char *channel;
  char *connection_id;
  char *message_id;
  char *id;
  char *json;
} PendingSend;

static void
on_written (gpointer user_data, const GError *error)
{
  PendingSend *pending = user_data;
  CascadeChatRealtime *self = pending->self;
  Room *room = _cascade_chat_realtime_find_room (self, pending->channel);

  if (error != NULL)
    _cascade_chat_realtime_send_gerror (self, pending->connection_id, pending->message_id, error);
  else if (room != NULL)
    {
      g_autofree char *frame =
        g_strdup_printf ("{\"type\":\"chat.message\",\"channel\":\"%s\",\"message\":%s}",
                         room->state->channel, pending->json);
      guint history = cascade_chat_get_settings (self->chat)->history_on_join;

      g_ptr_array_add (room->state->recent, g_steal_pointer (&pending->json));
      while (room->state->recent->len > history)
        g_ptr_array_remove_index (room->state->recent, 0);
      room_send_text (self, room, frame);

      if (pending->connection_id != NULL && self->hub != NULL)
        {
          g_autoptr (JsonObject) sent = json_object_new ();

          json_object_set_string_member (sent, "type", "chat.sent");
          if (pending->message_id != NULL)
            json_object_set_string_member (sent, "id", pending->message_id);
          json_object_set_string_member (sent, "message_id", pending->id);
          cascade_realtime_hub_send (self->hub, pending->connection_id, sent);
        }
    }
  g_object_unref (pending->self);
  g_free (pending->channel);
  g_free (pending->connection_id);
  g_free (pending->message_id);
  g_free (pending->id);
  g_free (pending->json);
  g_free (pending);
}

/* The ChatMessage, serialised, with @id; its session and offset. */
static char *
build_message (Room *room,
               CascadeChatMember *member,
               const char *id,
               const char *text,
               CascadeChatText *parsed,
               gint64 sent_at)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *color =
    member->color != NULL ? g_strdup (member->color) : cascade_chat_color_for (member->username);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "channel");
  json_builder_add_string_value (builder, room->state->channel);
  json_builder_set_member_name (builder, "user");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, member->username);
  json_builder_set_member_name (builder, "display_name");
  json_builder_add_string_value (builder, member->display_name);
  json_builder_set_member_name (builder, "color");
  json_builder_add_string_value (builder, color);
  add_badges (builder, room, member);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_set_member_name (builder, "fragments");
  json_builder_add_value (builder, json_node_copy (parsed->fragments));
  json_builder_set_member_name (builder, "sent_at");
  json_builder_add_int_value (builder, sent_at);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  {
    JsonObject *object = json_node_get_object (root);

    if (room->state->session_id != NULL)
      {
        json_object_set_string_member (object, "session_id", room->state->session_id);
        json_object_set_int_member (object, "offset_ms",
                                    MAX (0, sent_at - room->state->session_started_ms));
      }
    else
      {
        json_object_set_null_member (object, "session_id");
        json_object_set_null_member (object, "offset_ms");
      }
  }
  return json_to_string (root, FALSE);
}

void
_cascade_chat_realtime_write_to_room (CascadeChatRealtime *self,
                                      Room *room,
                                      CascadeChatMember *member,
                                      const char *text,
                                      CascadeChatText *parsed,
                                      gint64 sent_at,
                                      const char *connection_id,
                                      const char *message_id)
{
  guint64 id = cascade_chat_next_message_id (self->chat);
  g_autofree char *id_text = g_strdup_printf ("%" G_GUINT64_FORMAT, id);
  PendingSend *pending = g_new0 (PendingSend, 1);

  pending->self = g_object_ref (self);
  pending->channel = g_strdup (room->state->channel);
  pending->connection_id = g_strdup (connection_id);
  pending->message_id = g_strdup (message_id);
  pending->id = g_strdup (id_text);
  pending->json = build_message (room, member, id_text, text, parsed, sent_at);
  cascade_chat_write_message (self->chat, room->state->channel_user_id, id, member->user_id,
                              room->state->session_id,
                              MAX (0, sent_at - room->state->session_started_ms), sent_at,
                              pending->json, parsed->mentions, on_written, pending);
}

static void
handle_send (CascadeRealtimeHub *hub,
             const CascadeRealtimeContext *context,
             JsonObject *message,
             gpointer owner)
{
  CascadeChatRealtime *self = owner;
  const CascadeChatSettings *settings = cascade_chat_get_settings (self->chat);
  Room *room =
    _cascade_chat_realtime_find_room (self, json_object_get_string_member (message, "channel"));
  Chatter *chatter = _cascade_chat_realtime_connection_chatter (room, context->connection_id);
  g_auto (CascadeChatText) parsed = { 0 };
  g_autofree char *text = NULL;
  const char *code = NULL;
  gboolean privileged;
  gint64 now = now_ms ();
  gint64 until;

  if (chatter == NULL)
    {
      _cascade_chat_realtime_send_error (self, context, "not_joined", "Join the chat first.", NULL,
                                         0);
      return;
    }
  privileged = _cascade_chat_realtime_may_moderate (room, chatter->member);
  if (!privileged && !take_token (self, room, chatter))
    {
      _cascade_chat_realtime_send_error (self, context, "rate_limited",
                                         "You are sending too fast: wait a little.", NULL, 0);
      return;
    }
  until = ban_until (room, chatter->member->user_id);
  if (until == CASCADE_CHAT_BANNED_FOREVER)
    {
      _cascade_chat_realtime_send_error (self, context, "banned", "You are banned from this chat.",
                                         NULL, 0);
      return;
    }
  if (until != 0)
    {
      _cascade_chat_realtime_send_error (self, context, "timed_out",
                                         "You are timed out in this chat.", "until", until);
      return;
    }
  if (!room_is_open (room))
    {
      _cascade_chat_realtime_send_error (self, context, "room_closed",
                                         "This chat is closed: the channel is not live.", NULL, 0);
      return;
    }
  text = cascade_chat_text_normalize (json_object_get_string_member (message, "text"), &code);
  if (text == NULL)
    {
      _cascade_chat_realtime_send_error (
        self, context, code,
        g_str_equal (code, "too_long") ? "A message is at most 500 characters."
        : g_str_equal (code, "empty")  ? "Write something first."
                                       : "A message cannot have control characters.",
        NULL, 0);
      return;
    }
  if (!privileged && room->state->modes.slow_seconds > 0 && chatter->last_sent_ms != 0 &&
      now - chatter->last_sent_ms < (gint64) room->state->modes.slow_seconds * 1000)
    {
      _cascade_chat_realtime_send_error (
        self, context, "slow_mode", "Slow mode: wait before your next message.", "retry_after_ms",
        chatter->last_sent_ms + room->state->modes.slow_seconds * 1000 - now);
      return;
    }
  if (!privileged && room->state->modes.followers_only &&
      (chatter->member->following_since_ms == 0 ||
       now - chatter->member->following_since_ms <
         (gint64) room->state->modes.follow_age_seconds * 1000))
    {
      _cascade_chat_realtime_send_error (self, context, "followers_only",
                                         "This chat is for followers only.", "min_follow_seconds",
                                         room->state->modes.follow_age_seconds);
      return;
    }
  cascade_chat_text_parse (text, room->state->emotes, &parsed);
  if (!privileged && room->state->modes.emote_only && !parsed.only_emotes)
    {
      _cascade_chat_realtime_send_error (self, context, "emote_only",
                                         "This chat takes emotes only.", NULL, 0);
      return;
    }
  if (settings->duplicate_seconds > 0 && g_strcmp0 (chatter->last_text, text) == 0 &&
      now - chatter->last_sent_ms < (gint64) settings->duplicate_seconds * 1000)
    {
      _cascade_chat_realtime_send_error (self, context, "duplicate", "You sent that already.", NULL,
                                         0);
      return;
    }
  chatter->last_sent_ms = now;
  g_free (chatter->last_text);
  chatter->last_text = g_strdup (text);
  if (!privileged &&
      cascade_chat_text_matches_term (text, (const char *const *) room->state->terms))
    {
      g_autofree char *json = build_message (room, chatter->member, "held", text, &parsed, now);

      _cascade_chat_realtime_hold (self, room, chatter->member, json, context);
      return;
    }
  _cascade_chat_realtime_write_to_room (self, room, chatter->member, text, &parsed, now,
                                        context->connection_id, context->message_id);
}

static void
handle_chatters (CascadeRealtimeHub *hub,
                 const CascadeRealtimeContext *context,
                 JsonObject *message,
                 gpointer owner)
{
  CascadeChatRealtime *self = owner;
  Room *room =
    _cascade_chat_realtime_find_room (self, json_object_get_string_member (message, "channel"));
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  GHashTableIter iter;
  gpointer value;

  if (_cascade_chat_realtime_connection_chatter (room, context->connection_id) == NULL)
    {
      _cascade_chat_realtime_send_error (self, context, "not_joined", "Join the chat first.", NULL,
                                         0);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "chat.chatters");
  json_builder_set_member_name (builder, "channel");
  json_builder_add_string_value (builder, room->state->channel);
  json_builder_set_member_name (builder, "items");
  json_builder_begin_array (builder);
  g_hash_table_iter_init (&iter, room->chatters);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      CascadeChatMember *member = ((Chatter *) value)->member;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "username");
      json_builder_add_string_value (builder, member->username);
      json_builder_set_member_name (builder, "display_name");
      json_builder_add_string_value (builder, member->display_name);
      add_badges (builder, room, member);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  cascade_realtime_hub_reply (self->hub, context, json_node_get_object (root));
}

static const CascadeRealtimeHandler chat_handlers[] = {
  { "chat.join", channel_members, handle_join },
  { "chat.leave", channel_members, handle_leave },
  { "chat.send", send_members, handle_send },
  { "chat.chatters", channel_members, handle_chatters },
  { "chat.delete", message_members, _cascade_chat_realtime_handle_delete },
  { "chat.timeout", timeout_members, _cascade_chat_realtime_handle_timeout },
  { "chat.ban", user_members, _cascade_chat_realtime_handle_ban },
  { "chat.unban", user_members, _cascade_chat_realtime_handle_unban },
  { "chat.modes", modes_members, _cascade_chat_realtime_handle_modes },
  { "chat.held_approve", message_members, _cascade_chat_realtime_handle_held_approve },
  { "chat.held_deny", message_members, _cascade_chat_realtime_handle_held_deny },
};

/* Follows come from the profile context, through the server. */
void
cascade_chat_realtime_set_following (CascadeChatRealtime *self,
                                     const char *user_id,
                                     const char *channel_user_id,
                                     gint64 since_ms)
{
  Room *room;
  Chatter *chatter;

  g_return_if_fail (CASCADE_IS_CHAT_REALTIME (self));

  room = g_hash_table_lookup (self->by_owner, channel_user_id);
  chatter = room != NULL ? g_hash_table_lookup (room->chatters, user_id) : NULL;
  if (chatter == NULL)
    return;
  chatter->member->following_since_ms = since_ms;
  _cascade_chat_realtime_send_you (self, room, user_id);
}

/* @user_id chose a chat colour (NULL: the one from their username): their
 * next messages in every room have it. */
void
cascade_chat_realtime_set_color (CascadeChatRealtime *self, const char *user_id, const char *color)
{
  GHashTableIter iter;
  gpointer value;

  g_return_if_fail (CASCADE_IS_CHAT_REALTIME (self));

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Chatter *chatter = g_hash_table_lookup (((Room *) value)->chatters, user_id);

      if (chatter != NULL)
        {
          g_free (chatter->member->color);
          chatter->member->color = g_strdup (color);
        }
    }
}

typedef struct
{
  CascadeChatRealtime *self;
  char *stream_id;
  CascadeStreamRecord *record;
} StreamCall;

static void
stream_call_free (gpointer data)
{
  StreamCall *call = data;

  g_object_unref (call->self);
  g_free (call->stream_id);
  g_clear_pointer (&call->record, cascade_stream_record_free);
  g_free (call);
}

static void
stream_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  StreamCall *call = task_data;

  call->record = cascade_streaming_get_stream (cascade_chat_get_streaming (call->self->chat),
                                               call->stream_id, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
on_stream_loaded (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  StreamCall *call = g_task_get_task_data (G_TASK (result));
  Room *room;

  if (call->record == NULL || call->record->ended_at != 0)
    return;
  room = g_hash_table_lookup (call->self->by_owner, call->record->user_id);
  if (room == NULL)
    return;
  g_free (room->state->session_id);
  room->state->session_id = g_strdup (call->record->id);
  room->state->session_started_ms = call->record->started_at * 1000;
  update_open (call->self, room);
}

static void
on_stream_started (CascadeStreaming *streaming, const char *stream_id, gpointer user_data)
{
  CascadeChatRealtime *self = user_data;
  g_autoptr (GTask) task = g_task_new (self, NULL, on_stream_loaded, NULL);
  StreamCall *call = g_new0 (StreamCall, 1);

  call->self = g_object_ref (self);
  call->stream_id = g_strdup (stream_id);
  g_task_set_task_data (task, call, stream_call_free);
  g_task_run_in_thread (task, stream_thread);
}

static void
on_stream_ended (CascadeStreaming *streaming, const char *stream_id, gpointer user_data)
{
  CascadeChatRealtime *self = user_data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Room *room = value;

      if (g_strcmp0 (room->state->session_id, stream_id) != 0)
        continue;
      g_clear_pointer (&room->state->session_id, g_free);
      keep_open_until (
        self, room,
        now_ms () + (gint64) cascade_chat_get_settings (self->chat)->open_after_minutes * 60000);
    }
}

/* ---- object ---------------------------------------------------------------------- */

static void
cascade_chat_realtime_dispose (GObject *object)
{
  CascadeChatRealtime *self = CASCADE_CHAT_REALTIME (object);

  if (self->hub != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->hub), (gpointer *) &self->hub);
  self->hub = NULL;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_pointer (&self->memberships, g_hash_table_unref);
  g_clear_pointer (&self->by_owner, g_hash_table_unref);
  g_clear_pointer (&self->rooms, g_hash_table_unref);
  g_clear_object (&self->chat);
  g_clear_object (&self->rate_limit);

  G_OBJECT_CLASS (cascade_chat_realtime_parent_class)->dispose (object);
}

static void
cascade_chat_realtime_class_init (CascadeChatRealtimeClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cascade_chat_realtime_dispose;
}

static void
cascade_chat_realtime_init (CascadeChatRealtime *self)
{
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, room_free);
  self->by_owner = g_hash_table_new (g_str_hash, g_str_equal);
  self->memberships =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
}

/**
 * cascade_chat_realtime_install:
 *
 * Returns: (transfer none): the chat's realtime side, owned by @hub
 */
CascadeChatRealtime *
cascade_chat_realtime_install (CascadeRealtimeHub *hub, CascadeChat *chat)
{
  g_autoptr (CascadeChatRealtime) self = NULL;
  const CascadeChatSettings *settings;

  g_return_val_if_fail (CASCADE_IS_REALTIME_HUB (hub), NULL);
  g_return_val_if_fail (CASCADE_IS_CHAT (chat), NULL);

  self = g_object_new (CASCADE_TYPE_CHAT_REALTIME, NULL);
  self->hub = hub;
  g_object_add_weak_pointer (G_OBJECT (hub), (gpointer *) &self->hub);
  self->chat = g_object_ref (chat);
  settings = cascade_chat_get_settings (chat);
  self->rate_limit = cascade_rate_limit_new (
    settings->rate_messages, MAX (1, settings->rate_messages * 60 / settings->rate_seconds));
  self->tick_id = g_timeout_add_seconds (TICK_SECONDS, on_tick, self);

  cascade_realtime_hub_add_handlers (hub, chat_handlers, G_N_ELEMENTS (chat_handlers), self);
  g_signal_connect_object (hub, "connection-closed", G_CALLBACK (on_connection_closed), self, 0);
  g_signal_connect_object (chat, "changed", G_CALLBACK (_cascade_chat_realtime_on_changed), self,
                           0);
  g_signal_connect_object (cascade_chat_get_streaming (chat), "stream-started",
                           G_CALLBACK (on_stream_started), self, 0);
  g_signal_connect_object (cascade_chat_get_streaming (chat), "stream-ended",
                           G_CALLBACK (on_stream_ended), self, 0);
  return self;
}
