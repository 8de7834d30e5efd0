/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-realtime-private.h"

/*
 * Moderation over the realtime socket (docs/api.md, "Chat"): the moderation
 * messages run the chat context's use case on a worker thread and answer
 * chat.ok; what a committed change means for a room in memory (bans, modes,
 * moderators, terms, emotes) and who is told (everyone, the moderators, the
 * user concerned) is applied here when the context announces it.
 */

/* ---- moderation ----------------------------------------------------------------- */

typedef struct
{
  CascadeChatRealtime *self;
  char *connection_id;
  char *message_id;
  char *user_id;
  char *channel;
  char *action;
  JsonObject *args;
  CascadeChatMember *sender; /* approve: whose held message it is */
} ModCall;

static void
mod_call_free (gpointer data)
{
  ModCall *call = data;

  g_object_unref (call->self);
  g_free (call->connection_id);
  g_free (call->message_id);
  g_free (call->user_id);
  g_free (call->channel);
  g_free (call->action);
  json_object_unref (call->args);
  cascade_chat_member_free (call->sender);
  g_free (call);
}

static void
moderate_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  ModCall *call = task_data;
  GError *error = NULL;
  CascadeChatChange *change = cascade_chat_moderate (call->self->chat, call->user_id, call->channel,
                                                     call->action, call->args, &error);

  if (change == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (change->held != NULL && g_str_equal (call->action, "approve"))
    {
      call->sender = cascade_chat_load_member (call->self->chat, change->held->user_id,
                                               change->channel_user_id, &error);
      if (call->sender == NULL)
        {
          g_warning ("Chat: the sender of approved message %s is gone: %s", change->held->id,
                     error->message);
          g_clear_error (&error);
        }
    }
  g_task_return_pointer (task, change, (GDestroyNotify) cascade_chat_change_free);
}

static void
on_moderated (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  ModCall *call = g_task_get_task_data (G_TASK (result));
  CascadeChatRealtime *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeChatChange) change = g_task_propagate_pointer (G_TASK (result), &error);
  Room *room;

  if (change == NULL)
    {
      _cascade_chat_realtime_send_gerror (self, call->connection_id, call->message_id, error);
      return;
    }
  room = _cascade_chat_realtime_find_room (self, call->channel);
  if (change->held != NULL && room != NULL)
    {
      g_autoptr (JsonNode) node = json_from_string (change->held->json, NULL);
      JsonObject *held =
        node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *text = held != NULL ? json_object_get_string_member (held, "text") : NULL;

      g_hash_table_remove (room->held, change->held->id);
      if (text != NULL && call->sender != NULL)
        {
          g_auto (CascadeChatText) parsed = { 0 };

          cascade_chat_text_parse (text, room->state->emotes, &parsed);
          _cascade_chat_realtime_write_to_room (
            self, room, call->sender, text, &parsed,
            json_object_get_int_member_with_default (held, "sent_at", g_get_real_time () / 1000),
            NULL, NULL);
        }
    }
  _cascade_chat_realtime_reply_ok (self, call->connection_id, call->message_id);
}

static void
run_moderation (CascadeChatRealtime *self,
                const CascadeRealtimeContext *context,
                JsonObject *message,
                const char *action)
{
  g_autoptr (GTask) task = NULL;
  ModCall *call = g_new0 (ModCall, 1);

  call->self = g_object_ref (self);
  call->connection_id = g_strdup (context->connection_id);
  call->message_id = g_strdup (context->message_id);
  call->user_id = g_strdup (context->user_id);
  call->channel = g_strdup (json_object_get_string_member (message, "channel"));
  call->action = g_strdup (action);
  call->args = json_object_ref (message);
  task = g_task_new (self, NULL, on_moderated, NULL);
  g_task_set_source_tag (task, run_moderation);
  g_task_set_task_data (task, call, mod_call_free);
  g_task_run_in_thread (task, moderate_thread);
}

#define MODERATION_HANDLER(name, action)                                                           \
  void name (CascadeRealtimeHub *hub, const CascadeRealtimeContext *context, JsonObject *message,  \
             gpointer owner)                                                                       \
  {                                                                                                \
    run_moderation (owner, context, message, action);                                              \
  }

MODERATION_HANDLER (_cascade_chat_realtime_handle_delete, "delete")
MODERATION_HANDLER (_cascade_chat_realtime_handle_timeout, "timeout")
MODERATION_HANDLER (_cascade_chat_realtime_handle_ban, "ban")
MODERATION_HANDLER (_cascade_chat_realtime_handle_unban, "unban")
MODERATION_HANDLER (_cascade_chat_realtime_handle_modes, "modes")

/* Held ids ("held-N") in the order they were held. */
static int
compare_held (gconstpointer a, gconstpointer b)
{
  const CascadeChatHeld *x = a, *y = b;
  gint64 m = g_ascii_strtoll (x->id + 5, NULL, 10);
  gint64 n = g_ascii_strtoll (y->id + 5, NULL, 10);

  return m < n ? -1 : m > n;
}

static void
handle_held (CascadeRealtimeHub *hub,
             const CascadeRealtimeContext *context,
             JsonObject *message,
             gpointer owner,
             gboolean approve)
{
  CascadeChatRealtime *self = owner;
  Room *room =
    _cascade_chat_realtime_find_room (self, json_object_get_string_member (message, "channel"));
  Chatter *chatter = _cascade_chat_realtime_connection_chatter (room, context->connection_id);
  const char *id = json_object_get_string_member (message, "message_id");

  if (chatter == NULL)
    {
      _cascade_chat_realtime_send_error (self, context, "not_joined", "Join the chat first.", NULL,
                                         0);
      return;
    }
  if (!_cascade_chat_realtime_may_moderate (room, chatter->member))
    {
      _cascade_chat_realtime_send_error (
        self, context, "forbidden", "Only the streamer and their moderators can do this.", NULL, 0);
      return;
    }
  if (!g_hash_table_contains (room->held, id))
    {
      _cascade_chat_realtime_send_error (self, context, "not_found",
                                         "There is no such held message.", NULL, 0);
      return;
    }
  /* The store decides: the first decision removes it, a second finds none. */
  run_moderation (self, context, message, approve ? "approve" : "deny");
}

/* ---- holding -------------------------------------------------------------------- */

/* Sends @connection_id (a moderator) the room's held messages, oldest first. */
void
_cascade_chat_realtime_send_held (CascadeChatRealtime *self, Room *room, const char *connection_id)
{
  GList *held = g_list_sort (g_hash_table_get_values (room->held), compare_held);

  for (GList *l = held; l != NULL; l = l->next)
    {
      CascadeChatHeld *one = l->data;
      g_autofree char *frame =
        g_strdup_printf ("{\"type\":\"chat.held\",\"channel\":\"%s\",\"message\":%s}",
                         room->state->channel, one->json);

      cascade_realtime_hub_send_text (self->hub, connection_id, frame);
    }
  g_list_free (held);
}

typedef struct
{
  CascadeChatRealtime *self;
  char *channel;
  char *channel_user_id;
  char *user_id;
  char *json;
  char *connection_id;
  char *message_id;
} HoldCall;

static void
hold_call_free (gpointer data)
{
  HoldCall *call = data;

  g_object_unref (call->self);
  g_free (call->channel);
  g_free (call->channel_user_id);
  g_free (call->user_id);
  g_free (call->json);
  g_free (call->connection_id);
  g_free (call->message_id);
  g_free (call);
}

static void
hold_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  HoldCall *call = task_data;
  GError *error = NULL;
  CascadeChatHeld *held =
    cascade_chat_hold (call->self->chat, call->channel_user_id, call->user_id, call->json, &error);

  if (held == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, held, (GDestroyNotify) cascade_chat_held_free);
}

static void
on_held (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  HoldCall *call = g_task_get_task_data (G_TASK (result));
  CascadeChatRealtime *self = call->self;
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeChatHeld) held = g_task_propagate_pointer (G_TASK (result), &error);
  CascadeRealtimeContext context = { 0 };
  JsonObject *message;
  Room *room;

  if (held == NULL)
    {
      _cascade_chat_realtime_send_gerror (self, call->connection_id, call->message_id, error);
      return;
    }
  room = _cascade_chat_realtime_find_room (self, call->channel);
  if (room != NULL)
    {
      message = _cascade_chat_realtime_room_message_new (room, "chat.held");
      json_object_set_member (message, "message", json_from_string (held->json, NULL));
      g_hash_table_insert (room->held, held->id, held);
      held = NULL;
      _cascade_chat_realtime_room_send (self, room, message, TRUE);
    }
  context.connection_id = call->connection_id;
  context.message_id = call->message_id;
  context.user_id = call->user_id;
  _cascade_chat_realtime_send_error (
    self, &context, "held", "Your message is held for the moderators: it matched a blocked term.",
    NULL, 0);
}

/* Stores @json (a ChatMessage from @sender that matched a blocked term) as
 * held, then tells the room's moderators (chat.held) and the sender (the
 * error "held"). */
void
_cascade_chat_realtime_hold (CascadeChatRealtime *self,
                             Room *room,
                             CascadeChatMember *sender,
                             const char *json,
                             const CascadeRealtimeContext *context)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, on_held, NULL);
  HoldCall *call = g_new0 (HoldCall, 1);

  call->self = g_object_ref (self);
  call->channel = g_strdup (room->state->channel);
  call->channel_user_id = g_strdup (room->state->channel_user_id);
  call->user_id = g_strdup (sender->user_id);
  call->json = g_strdup (json);
  call->connection_id = g_strdup (context->connection_id);
  call->message_id = g_strdup (context->message_id);
  g_task_set_source_tag (task, _cascade_chat_realtime_hold);
  g_task_set_task_data (task, call, hold_call_free);
  g_task_run_in_thread (task, hold_thread);
}

void
_cascade_chat_realtime_handle_held_approve (CascadeRealtimeHub *hub,
                                            const CascadeRealtimeContext *context,
                                            JsonObject *message,
                                            gpointer owner)
{
  handle_held (hub, context, message, owner, TRUE);
}

void
_cascade_chat_realtime_handle_held_deny (CascadeRealtimeHub *hub,
                                         const CascadeRealtimeContext *context,
                                         JsonObject *message,
                                         gpointer owner)
{
  handle_held (hub, context, message, owner, FALSE);
}

/* ---- committed changes ---------------------------------------------------------- */

static void
remove_recent (Room *room, const char *message_id, const char *username)
{
  for (guint i = room->state->recent->len; i > 0; i--)
    {
      g_autoptr (JsonNode) node =
        json_from_string (g_ptr_array_index (room->state->recent, i - 1), NULL);
      JsonObject *message = node != NULL ? json_node_get_object (node) : NULL;
      JsonObject *user = message != NULL ? json_object_get_object_member (message, "user") : NULL;

      if (message == NULL ||
          (message_id != NULL &&
           g_strcmp0 (json_object_get_string_member (message, "id"), message_id) == 0) ||
          (username != NULL && user != NULL &&
           g_strcmp0 (json_object_get_string_member (user, "username"), username) == 0))
        g_ptr_array_remove_index (room->state->recent, i - 1);
    }
}

void
_cascade_chat_realtime_on_changed (CascadeChat *chat, CascadeChatChange *change, gpointer user_data)
{
  CascadeChatRealtime *self = user_data;
  Room *room = g_hash_table_lookup (self->by_owner, change->channel_user_id);
  const char *action = change->action;
  JsonObject *message;

  if (room == NULL)
    return;
  if (g_str_equal (action, "emotes"))
    {
      JsonObject *map = json_node_get_object (change->emotes);
      GList *codes = json_object_get_members (map);

      g_hash_table_remove_all (room->state->emotes);
      for (GList *l = codes; l != NULL; l = l->next)
        g_hash_table_insert (room->state->emotes, g_strdup (l->data),
                             g_strdup (json_object_get_string_member (map, l->data)));
      g_list_free (codes);
      message = _cascade_chat_realtime_room_message_new (room, "chat.emotes");
      json_object_set_array_member (message, "emotes", _cascade_chat_realtime_room_emotes (room));
      _cascade_chat_realtime_room_send (self, room, message, FALSE);
      return;
    }
  if (g_str_equal (action, "delete"))
    {
      remove_recent (room, change->message_id, NULL);
      message = _cascade_chat_realtime_room_message_new (room, "chat.deleted");
      json_object_set_string_member (message, "message_id", change->message_id);
      _cascade_chat_realtime_room_send (self, room, message, FALSE);
    }
  else if (g_str_equal (action, "timeout") || g_str_equal (action, "ban"))
    {
      g_hash_table_insert (room->state->bans, g_strdup (change->target_user_id),
                           g_memdup2 (&change->until_ms, sizeof (gint64)));
      remove_recent (room, NULL, change->target_username);
      message = _cascade_chat_realtime_room_message_new (room, "chat.user_cleared");
      json_object_set_string_member (message, "username", change->target_username);
      _cascade_chat_realtime_room_send (self, room, message, FALSE);
      _cascade_chat_realtime_send_you (self, room, change->target_user_id);
    }
  else if (g_str_equal (action, "unban"))
    {
      g_hash_table_remove (room->state->bans, change->target_user_id);
      _cascade_chat_realtime_send_you (self, room, change->target_user_id);
    }
  else if (g_str_equal (action, "modes"))
    {
      room->state->modes = change->modes;
      message = _cascade_chat_realtime_room_message_new (room, "chat.modes");
      json_object_set_member (message, "modes",
                              _cascade_chat_realtime_build_modes (&change->modes));
      _cascade_chat_realtime_room_send (self, room, message, FALSE);
    }
  else if (g_str_equal (action, "mod_add") || g_str_equal (action, "mod_remove"))
    {
      if (g_str_equal (action, "mod_add"))
        g_hash_table_add (room->state->moderators, g_strdup (change->target_user_id));
      else
        g_hash_table_remove (room->state->moderators, change->target_user_id);
      _cascade_chat_realtime_send_you (self, room, change->target_user_id);
    }
  else if (g_str_equal (action, "terms"))
    {
      g_strfreev (room->state->terms);
      room->state->terms = g_strdupv (change->terms);
    }
  if (change->mod_action != NULL)
    {
      message = _cascade_chat_realtime_room_message_new (room, "chat.mod_action");
      json_object_set_member (message, "action", json_node_copy (change->mod_action));
      _cascade_chat_realtime_room_send (self, room, message, TRUE);
    }
}
