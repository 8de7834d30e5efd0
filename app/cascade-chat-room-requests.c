/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-room-private.h"

#include <glib/gi18n-lib.h>

#include "cascade-app-private.h"
#include "cascade-json.h"
#include "cascade-realtime.h"

/*
 * CascadeChatRoom's requests over the realtime connection: each goes out
 * with a fresh id and completes with the server's answer to that id, or
 * fails on an error, a timeout, cancellation or a dropped connection.
 */

/* A request the server has not answered in this long failed. */
#define REQUEST_TIMEOUT_S 20

typedef struct
{
  CascadeChatReplyKind kind;
  guint timeout_id;
  GCancellable *cancellable;
  gulong cancelled_id;
} Request;

static void
request_free (gpointer data)
{
  Request *request = data;

  g_clear_handle_id (&request->timeout_id, g_source_remove);
  if (request->cancellable != NULL)
    g_cancellable_disconnect (request->cancellable, request->cancelled_id);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static void
fail_request (CascadeChatRoom *self, const char *id, GError *error)
{
  gpointer key;
  gpointer value;

  if (!g_hash_table_steal_extended (self->pending, id, &key, &value))
    {
      g_error_free (error);
      return;
    }
  g_task_return_error (value, error);
  g_object_unref (value);
  g_free (key);
}

static gboolean
on_request_timeout (gpointer user_data)
{
  GTask *task = user_data;
  CascadeChatRoom *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  const char *id = g_object_get_data (G_OBJECT (task), "cascade-request-id");

  request->timeout_id = 0;
  fail_request (self, id,
                _cascade_client_error_new (CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL,
                                           _ ("The server did not answer in time.")));
  return G_SOURCE_REMOVE;
}

static gboolean
fail_cancelled (gpointer user_data)
{
  GTask *task = user_data;
  CascadeChatRoom *self = g_task_get_source_object (task);
  const char *id = g_object_get_data (G_OBJECT (task), "cascade-request-id");

  if (g_hash_table_lookup (self->pending, id) == task)
    fail_request (self, id,
                  g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The call was cancelled"));
  return G_SOURCE_REMOVE;
}

/* A cancelled request fails at once (from an idle: a cancellable's handler
 * cannot disconnect itself), and lets go of the room. */
static void
on_request_cancelled (GCancellable *cancellable, gpointer user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, fail_cancelled, g_object_ref (user_data), g_object_unref);
}

/* Sends @message (its "type" set) with a fresh "id" and the room's channel;
 * @task completes with the answer. Takes @task. */
void
_cascade_chat_room_send_request (CascadeChatRoom *self,
                                 JsonObject *message,
                                 CascadeChatReplyKind kind,
                                 GTask *task)
{
  Request *request;
  char *id;

  if (cascade_realtime_get_state (cascade_session_get_realtime (self->session)) !=
        CASCADE_REALTIME_STATE_CONNECTED ||
      !self->joined)
    {
      g_task_return_error (
        task, _cascade_client_error_new (CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL,
                                         _ ("Not connected to the chat. Try again in a moment.")));
      g_object_unref (task);
      return;
    }

  id = g_uuid_string_random ();
  request = g_new0 (Request, 1);
  request->kind = kind;
  request->timeout_id = g_timeout_add_seconds (REQUEST_TIMEOUT_S, on_request_timeout, task);
  g_task_set_task_data (task, request, request_free);
  g_object_set_data_full (G_OBJECT (task), "cascade-request-id", g_strdup (id), g_free);
  g_hash_table_insert (self->pending, id, task);
  if (g_task_get_cancellable (task) != NULL)
    {
      request->cancellable = g_object_ref (g_task_get_cancellable (task));
      request->cancelled_id =
        g_cancellable_connect (request->cancellable, G_CALLBACK (on_request_cancelled), task, NULL);
    }

  json_object_set_string_member (message, "id", id);
  json_object_set_string_member (message, "channel", self->channel);
  cascade_realtime_send (cascade_session_get_realtime (self->session), message);
}

/* Fails every request in flight with @why (the connection dropped). */
void
_cascade_chat_room_fail_all_requests (CascadeChatRoom *self, const char *why)
{
  g_autoptr (GList) ids = g_hash_table_get_keys (self->pending);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) copies = NULL;

  for (GList *l = ids; l != NULL; l = l->next)
    g_strv_builder_add (builder, l->data);
  copies = g_strv_builder_end (builder);
  for (guint i = 0; copies[i] != NULL; i++)
    fail_request (self, copies[i],
                  _cascade_client_error_new (CASCADE_CLIENT_ERROR_NETWORK, NULL, NULL, why));
}

/* A chatter list without an "id": the answer to our oldest such request. */
static const char *
find_chatters_request (CascadeChatRoom *self)
{
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((Request *) g_task_get_task_data (value))->kind == CASCADE_CHAT_REPLY_CHATTERS)
      return key;
  return NULL;
}

/* An answer (chat.sent, chat.ok, chat.chatters or error) to one of our
 * requests: completes it. */
void
_cascade_chat_room_complete_request (CascadeChatRoom *self, const char *type, JsonObject *message)
{
  const char *id = cascade_json_get_string (message, "id");
  gpointer key;
  gpointer value;
  GTask *task;
  Request *request;

  if (id == NULL && g_str_equal (type, "chat.chatters") &&
      g_strcmp0 (cascade_json_get_string (message, "channel"), self->channel) == 0)
    id = find_chatters_request (self);
  if (id == NULL || !g_hash_table_lookup_extended (self->pending, id, NULL, NULL))
    return;
  if (g_str_equal (type, "error"))
    {
      fail_request (self, id, _cascade_chat_error_new_from_message (message));
      return;
    }

  g_hash_table_steal_extended (self->pending, id, &key, &value);
  g_free (key);
  task = value;
  request = g_task_get_task_data (task);
  switch (request->kind)
    {
      case CASCADE_CHAT_REPLY_SENT:
        {
          const char *message_id = cascade_json_get_string (message, "message_id");

          if (message_id != NULL)
            g_task_return_pointer (task, g_strdup (message_id), g_free);
          else
            g_task_return_error (task,
                                 _cascade_client_error_new (CASCADE_CLIENT_ERROR_PROTOCOL, NULL,
                                                            NULL, "chat.sent has no message_id"));
          break;
        }
      case CASCADE_CHAT_REPLY_CHATTERS:
        {
          JsonNode *node = json_object_get_member (message, "items");
          JsonArray *items =
            node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
          g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

          for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
            {
              JsonNode *node = json_array_get_element (items, i);
              const char *username =
                JSON_NODE_HOLDS_OBJECT (node)
                  ? cascade_json_get_string (json_node_get_object (node), "username")
                  : NULL;

              if (username != NULL)
                {
                  g_strv_builder_add (builder, username);
                  g_hash_table_add (self->chatter_names, g_strdup (username));
                }
            }
          g_task_return_pointer (task, g_strv_builder_end (builder), (GDestroyNotify) g_strfreev);
          break;
        }
      case CASCADE_CHAT_REPLY_OK:
      default:
        g_task_return_boolean (task, TRUE);
        break;
    }
  g_object_unref (task);
}
