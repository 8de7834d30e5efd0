/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-room-private.h"

#include "cascade-app-private.h"
#include "cascade-chat-mod-action.h"
#include "cascade-json.h"

/*
 * CascadeChatRoom's moderation beyond single messages (docs/api.md, "Chat"):
 * the messages held back by a blocked term, waiting for a moderator; the
 * moderation log (its pages over REST, then each chat.mod_action as it
 * comes); the blocked terms and the moderators of the channel.
 */

#define LOG_PAGE 50

struct _CascadeChatModeration
{
  GListStore *held; /* CascadeChatMessage, oldest first */
  GListStore *log;  /* CascadeChatModAction, newest first */
  char *log_cursor; /* the next (older) page, or NULL */
  gboolean log_complete;
};

CascadeChatModeration *
_cascade_chat_moderation_new (void)
{
  CascadeChatModeration *moderation = g_new0 (CascadeChatModeration, 1);

  moderation->held = g_list_store_new (CASCADE_TYPE_CHAT_MESSAGE);
  moderation->log = g_list_store_new (CASCADE_TYPE_CHAT_MOD_ACTION);
  return moderation;
}

void
_cascade_chat_moderation_free (CascadeChatModeration *moderation)
{
  if (moderation == NULL)
    return;
  g_clear_object (&moderation->held);
  g_clear_object (&moderation->log);
  g_free (moderation->log_cursor);
  g_free (moderation);
}

/* ---- held messages ------------------------------------------------------- */

static gboolean
find_held (CascadeChatRoom *self, const char *id, guint *position)
{
  GListModel *held = G_LIST_MODEL (self->moderation->held);

  for (guint i = 0; i < g_list_model_get_n_items (held); i++)
    {
      g_autoptr (CascadeChatMessage) message = g_list_model_get_item (held, i);

      if (g_strcmp0 (cascade_chat_message_get_id (message), id) == 0)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

static void
remove_held (CascadeChatRoom *self, const char *id)
{
  guint position;

  if (id != NULL && find_held (self, id, &position))
    g_list_store_remove (self->moderation->held, position);
}

void
_cascade_chat_room_moderation_joined (CascadeChatRoom *self)
{
  g_list_store_remove_all (self->moderation->held);
}

void
_cascade_chat_room_add_held (CascadeChatRoom *self, CascadeChatMessage *message)
{
  guint position;

  if (!find_held (self, cascade_chat_message_get_id (message), &position))
    g_list_store_append (self->moderation->held, message);
}

/**
 * cascade_chat_room_get_held:
 *
 * To moderators: the messages held back by a blocked term that nobody has
 * decided on yet, oldest first.
 *
 * Returns: (transfer none): a GListModel of CascadeChatMessage
 */
GListModel *
cascade_chat_room_get_held (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);

  return G_LIST_MODEL (self->moderation->held);
}

static void
on_decided (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeChatRoom *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* decided by someone else already: it is no longer waiting */
      if (g_strcmp0 (cascade_client_error_get_code (error), "not_found") == 0)
        remove_held (self, g_task_get_task_data (task));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  remove_held (self, g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
}

/**
 * cascade_chat_room_decide_held_async:
 * @message_id: a held message's id ("held-N")
 * @approve: approve it (it goes to the room), else deny it (dropped)
 *
 * Finishes with cascade_chat_room_moderate_finish(); the message leaves
 * "held" then (and when another moderator decided first).
 */
void
cascade_chat_room_decide_held_async (CascadeChatRoom *self,
                                     const char *message_id,
                                     gboolean approve,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr (JsonObject) message = json_object_new ();
  GTask *task;
  GTask *request;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (message_id != NULL);

  task =
    _cascade_task_new (self, cascade_chat_room_decide_held_async, cancellable, callback, user_data);
  g_task_set_task_data (task, g_strdup (message_id), g_free);
  json_object_set_string_member (message, "type", approve ? "chat.held_approve" : "chat.held_deny");
  json_object_set_string_member (message, "message_id", message_id);
  request = g_task_new (self, cancellable, on_decided, task);
  _cascade_chat_room_send_request (self, message, CASCADE_CHAT_REPLY_OK, request);
}

/* ---- moderation log ------------------------------------------------------- */

static gboolean
log_contains (CascadeChatRoom *self, const char *id)
{
  GListModel *log = G_LIST_MODEL (self->moderation->log);

  for (guint i = 0; i < g_list_model_get_n_items (log); i++)
    {
      g_autoptr (CascadeChatModAction) action = g_list_model_get_item (log, i);

      if (g_strcmp0 (cascade_chat_mod_action_get_id (action), id) == 0)
        return TRUE;
    }
  return FALSE;
}

void
_cascade_chat_room_on_mod_action (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "action");
  g_autoptr (CascadeChatModAction) action = NULL;
  g_autoptr (GError) error = NULL;
  const char *kind;

  if (g_strcmp0 (cascade_json_get_string (message, "channel"), self->channel) != 0 || !self->joined)
    return;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return;
  action = cascade_chat_mod_action_new_from_json (json_node_get_object (node), &error);
  if (action == NULL)
    {
      g_warning ("The server sent a moderation action Cascade cannot read: %s", error->message);
      return;
    }
  kind = cascade_chat_mod_action_get_action (action);
  if (g_str_equal (kind, "approve") || g_str_equal (kind, "deny"))
    remove_held (self, cascade_chat_mod_action_get_message_id (action));
  if (!log_contains (self, cascade_chat_mod_action_get_id (action)))
    g_list_store_insert (self->moderation->log, 0, action);
}

/**
 * cascade_chat_room_get_mod_log:
 *
 * To moderators: the moderation log, newest first: what
 * cascade_chat_room_load_mod_log_async() loaded, and each action since.
 *
 * Returns: (transfer none): a GListModel of CascadeChatModAction
 */
GListModel *
cascade_chat_room_get_mod_log (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);

  return G_LIST_MODEL (self->moderation->log);
}

/* Whether the log holds the oldest entry. */
gboolean
cascade_chat_room_get_mod_log_complete (CascadeChatRoom *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);

  return self->moderation->log_complete;
}

static void
on_log_page (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeChatRoom *self = g_task_get_source_object (task);
  gboolean older = GPOINTER_TO_INT (g_task_get_task_data (task));
  g_autoptr (GError) error = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr (JsonArray) items =
    cascade_client_get_mod_log_finish (CASCADE_CLIENT (source), result, &cursor, &error);
  g_autoptr (GPtrArray) actions = g_ptr_array_new_with_free_func (g_object_unref);

  if (items == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      CascadeChatModAction *action =
        JSON_NODE_HOLDS_OBJECT (node)
          ? cascade_chat_mod_action_new_from_json (json_node_get_object (node), NULL)
          : NULL;

      if (action != NULL &&
          (!older || !log_contains (self, cascade_chat_mod_action_get_id (action))))
        g_ptr_array_add (actions, action);
      else
        g_clear_object (&action);
    }
  if (older)
    g_list_store_splice (self->moderation->log,
                         g_list_model_get_n_items (G_LIST_MODEL (self->moderation->log)), 0,
                         actions->pdata, actions->len);
  else
    g_list_store_splice (self->moderation->log, 0,
                         g_list_model_get_n_items (G_LIST_MODEL (self->moderation->log)),
                         actions->pdata, actions->len);
  g_free (self->moderation->log_cursor);
  self->moderation->log_cursor = g_steal_pointer (&cursor);
  self->moderation->log_complete = self->moderation->log_cursor == NULL;
  g_task_return_boolean (task, TRUE);
}

/**
 * cascade_chat_room_load_mod_log_async:
 * @older: load the page after the oldest loaded entry; else the newest page
 *   again, in place of what "mod-log" holds
 */
void
cascade_chat_room_load_mod_log_async (CascadeChatRoom *self,
                                      gboolean older,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));

  task = _cascade_task_new (self, cascade_chat_room_load_mod_log_async, cancellable, callback,
                            user_data);
  if (older && self->moderation->log_cursor == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, GINT_TO_POINTER (older != FALSE), NULL);
  cascade_client_get_mod_log_async (cascade_chat_room_get_client (self), self->channel,
                                    older ? self->moderation->log_cursor : NULL, LOG_PAGE,
                                    cancellable, on_log_page, task);
}

gboolean
cascade_chat_room_load_mod_log_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- blocked terms ------------------------------------------------------------ */

static void
on_terms (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GStrv terms = cascade_client_blocked_terms_finish (CASCADE_CLIENT (source), result, &error);

  if (terms == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, terms, (GDestroyNotify) g_strfreev);
}

/**
 * cascade_chat_room_blocked_terms_async:
 * @terms: (nullable): the channel's new list, or NULL to read it
 *
 * Reads or replaces the channel's blocked terms (the channel's moderators);
 * finishes with the list as the server has it.
 */
void
cascade_chat_room_blocked_terms_async (CascadeChatRoom *self,
                                       const char *const *terms,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));

  task = _cascade_task_new (self, cascade_chat_room_blocked_terms_async, cancellable, callback,
                            user_data);
  cascade_client_blocked_terms_async (cascade_chat_room_get_client (self), self->channel, terms,
                                      cancellable, on_terms, task);
}

/* Returns: (transfer full): the blocked terms */
GStrv
cascade_chat_room_blocked_terms_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- moderators ----------------------------------------------------------------- */

static void
on_moderators (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (JsonArray) items =
    cascade_client_list_moderators_finish (CASCADE_CLIENT (source), result, &error);
  g_autoptr (GStrvBuilder) builder = NULL;

  if (items == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      const char *username = JSON_NODE_HOLDS_OBJECT (node)
                               ? cascade_json_get_string (json_node_get_object (node), "username")
                               : NULL;

      if (username != NULL)
        g_strv_builder_add (builder, username);
    }
  g_task_return_pointer (task, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
}

/* The channel's appointed moderators; finishes with their usernames. */
void
cascade_chat_room_list_moderators_async (CascadeChatRoom *self,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));

  task = _cascade_task_new (self, cascade_chat_room_list_moderators_async, cancellable, callback,
                            user_data);
  cascade_client_list_moderators_async (cascade_chat_room_get_client (self), self->channel,
                                        cancellable, on_moderators, task);
}

/* Returns: (transfer full): the moderators' usernames */
GStrv
cascade_chat_room_list_moderators_finish (CascadeChatRoom *self,
                                          GAsyncResult *result,
                                          GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_moderator_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!cascade_client_set_moderator_finish (CASCADE_CLIENT (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* Appoints (@add) or removes @username as a moderator (the streamer). */
void
cascade_chat_room_set_moderator_async (CascadeChatRoom *self,
                                       const char *username,
                                       gboolean add,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (username != NULL);

  task = _cascade_task_new (self, cascade_chat_room_set_moderator_async, cancellable, callback,
                            user_data);
  cascade_client_set_moderator_async (cascade_chat_room_get_client (self), self->channel, username,
                                      add, cancellable, on_moderator_set, task);
}

gboolean
cascade_chat_room_set_moderator_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
