/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-room.h"

#include <glib/gi18n-lib.h>

#include "cascade-app-private.h"
#include "cascade-chat-room-private.h"
#include "cascade-json.h"

/*
 * CascadeChatRoom's calls: sending, moderation, the chatter list, following
 * the channel and its emotes. Each goes out over the realtime connection
 * (or REST) and finishes with the server's answer.
 */

/* "7 seconds", "10 minutes", "3 hours", "2 days": about @seconds. */
char *
_cascade_chat_format_duration (gint64 seconds)
{
  if (seconds < 120)
    return g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%d second", "%d seconds", (gulong) seconds), (int) seconds);
  if (seconds < 2 * 3600)
    return g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes", (gulong) (seconds / 60)),
      (int) (seconds / 60));
  if (seconds < 2 * 86400)
    return g_strdup_printf (
      g_dngettext (GETTEXT_PACKAGE, "%d hour", "%d hours", (gulong) (seconds / 3600)),
      (int) (seconds / 3600));
  return g_strdup_printf (
    g_dngettext (GETTEXT_PACKAGE, "%d day", "%d days", (gulong) (seconds / 86400)),
    (int) (seconds / 86400));
}

/* The server's refusals that need no number to be said. */
static const struct
{
  const char *code;
  CascadeClientError kind;
  const char *text;
} refusals[] = {
  { "room_closed", CASCADE_CLIENT_ERROR_CONFLICT,
    N_ ("The chat is closed: this channel is not live.") },
  { "too_long", CASCADE_CLIENT_ERROR_INVALID,
    N_ ("Your message is too long: at most 500 characters.") },
  { "empty", CASCADE_CLIENT_ERROR_INVALID, N_ ("Your message is empty.") },
  { "invalid_text", CASCADE_CLIENT_ERROR_INVALID,
    N_ ("Your message has characters that cannot be sent (control characters).") },
  { "banned", CASCADE_CLIENT_ERROR_FORBIDDEN, N_ ("You are banned from this chat.") },
  { "emote_only", CASCADE_CLIENT_ERROR_INVALID, N_ ("Emote-only mode is on: send only emotes.") },
  { "duplicate", CASCADE_CLIENT_ERROR_CONFLICT,
    N_ ("You just sent that message. Say something different.") },
  { "rate_limited", CASCADE_CLIENT_ERROR_RATE_LIMITED,
    N_ ("You are sending messages too fast. Wait a moment.") },
  { "held", CASCADE_CLIENT_ERROR_FORBIDDEN,
    N_ ("Your message is held for the moderators to review.") },
  { "forbidden", CASCADE_CLIENT_ERROR_FORBIDDEN,
    N_ ("Only the channel’s moderators can do that.") },
  { "not_joined", CASCADE_CLIENT_ERROR_CONFLICT,
    N_ ("You are not in this chat yet. Try again in a moment.") },
  { "not_found", CASCADE_CLIENT_ERROR_NOT_FOUND, N_ ("That message or user is not in this chat.") },
};

/* The error the server sent for a request, in words a person understands. */
GError *
_cascade_chat_error_new_from_message (JsonObject *message)
{
  const char *code = cascade_json_get_string (message, "code");
  const char *server_message = cascade_json_get_string (message, "message");
  CascadeClientError kind = CASCADE_CLIENT_ERROR_FORBIDDEN;
  g_autofree char *text = NULL;
  g_autofree char *duration = NULL;

  if (code == NULL)
    code = "unknown";

  for (guint i = 0; i < G_N_ELEMENTS (refusals) && text == NULL; i++)
    if (g_str_equal (code, refusals[i].code))
      {
        kind = refusals[i].kind;
        text = g_strdup (_ (refusals[i].text));
      }

  if (text != NULL)
    {
      /* one of the table's */
    }
  else if (g_str_equal (code, "slow_mode"))
    {
      gint64 ms = MAX (_cascade_chat_get_int (message, "retry_after_ms", 1000), 1);

      kind = CASCADE_CLIENT_ERROR_RATE_LIMITED;
      duration = _cascade_chat_format_duration ((ms + 999) / 1000);
      /* Translators: %s is a duration, e.g. "7 seconds". */
      text = g_strdup_printf (_ ("Slow mode is on: you can send again in %s."), duration);
    }
  else if (g_str_equal (code, "timed_out"))
    {
      gint64 until = _cascade_chat_get_int (message, "until", 0);
      gint64 left = (until - g_get_real_time () / 1000 + 999) / 1000;

      duration = left > 0 ? _cascade_chat_format_duration (left) : NULL;
      /* Translators: %s is a duration, e.g. "10 minutes". */
      text = duration != NULL
               ? g_strdup_printf (_ ("You are timed out: you can chat again in %s."), duration)
               : g_strdup (_ ("You are timed out of this chat."));
    }
  else if (g_str_equal (code, "followers_only"))
    {
      gint64 age = _cascade_chat_get_int (message, "min_follow_seconds", 0);

      duration = age > 0 ? _cascade_chat_format_duration (age) : NULL;
      /* Translators: %s is a duration, e.g. "10 minutes". */
      text = duration != NULL
               ? g_strdup_printf (
                   _ ("Followers-only mode is on: follow the channel for %s to chat."), duration)
               : g_strdup (_ ("Followers-only mode is on: follow the channel to chat."));
    }
  else
    {
      kind = CASCADE_CLIENT_ERROR_PROTOCOL;
      text = g_strdup_printf (_ ("The server refused it: %s"),
                              server_message != NULL ? server_message : code);
    }

  return _cascade_client_error_new (kind, code, cascade_json_get_string (message, "field"), text);
}

void
cascade_chat_room_send_async (CascadeChatRoom *self,
                              const char *text,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (JsonObject) message = json_object_new ();

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (text != NULL && g_utf8_validate (text, -1, NULL));

  json_object_set_string_member (message, "type", "chat.send");
  json_object_set_string_member (message, "text", text);
  _cascade_chat_room_send_request (
    self, message, CASCADE_CHAT_REPLY_SENT,
    _cascade_task_new (self, cascade_chat_room_send_async, cancellable, callback, user_data));
}

/* Returns: (transfer full): the id of the stored message */
char *
cascade_chat_room_send_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
moderate (CascadeChatRoom *self,
          JsonObject *message,
          gpointer source_tag,
          GCancellable *cancellable,
          GAsyncReadyCallback callback,
          gpointer user_data)
{
  _cascade_chat_room_send_request (
    self, message, CASCADE_CHAT_REPLY_OK,
    _cascade_task_new (self, source_tag, cancellable, callback, user_data));
}

void
cascade_chat_room_delete_message_async (CascadeChatRoom *self,
                                        const char *message_id,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  g_autoptr (JsonObject) message = json_object_new ();

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (message_id != NULL);

  json_object_set_string_member (message, "type", "chat.delete");
  json_object_set_string_member (message, "message_id", message_id);
  moderate (self, message, cascade_chat_room_delete_message_async, cancellable, callback,
            user_data);
}

void
cascade_chat_room_timeout_async (CascadeChatRoom *self,
                                 const char *username,
                                 guint seconds,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (JsonObject) message = json_object_new ();

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (seconds >= 1 && seconds <= 1209600);

  json_object_set_string_member (message, "type", "chat.timeout");
  json_object_set_string_member (message, "username", username);
  json_object_set_int_member (message, "seconds", seconds);
  moderate (self, message, cascade_chat_room_timeout_async, cancellable, callback, user_data);
}

static void
ban_or_unban (CascadeChatRoom *self,
              const char *type,
              const char *username,
              gpointer source_tag,
              GCancellable *cancellable,
              GAsyncReadyCallback callback,
              gpointer user_data)
{
  g_autoptr (JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", type);
  json_object_set_string_member (message, "username", username);
  moderate (self, message, source_tag, cancellable, callback, user_data);
}

void
cascade_chat_room_ban_async (CascadeChatRoom *self,
                             const char *username,
                             GCancellable *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (username != NULL);

  ban_or_unban (self, "chat.ban", username, cascade_chat_room_ban_async, cancellable, callback,
                user_data);
}

void
cascade_chat_room_unban_async (CascadeChatRoom *self,
                               const char *username,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (username != NULL);

  ban_or_unban (self, "chat.unban", username, cascade_chat_room_unban_async, cancellable, callback,
                user_data);
}

void
cascade_chat_room_set_modes_async (CascadeChatRoom *self,
                                   int slow_seconds,
                                   int followers_only,
                                   int follow_age_seconds,
                                   int emote_only,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_autoptr (JsonObject) message = json_object_new ();

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (slow_seconds <= 3600);

  json_object_set_string_member (message, "type", "chat.modes");
  if (slow_seconds >= 0)
    json_object_set_int_member (message, "slow_seconds", slow_seconds);
  if (followers_only >= 0)
    json_object_set_boolean_member (message, "followers_only", followers_only != 0);
  if (follow_age_seconds >= 0)
    json_object_set_int_member (message, "follow_age_seconds", follow_age_seconds);
  if (emote_only >= 0)
    json_object_set_boolean_member (message, "emote_only", emote_only != 0);
  moderate (self, message, cascade_chat_room_set_modes_async, cancellable, callback, user_data);
}

gboolean
cascade_chat_room_moderate_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
cascade_chat_room_list_chatters_async (CascadeChatRoom *self,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_autoptr (JsonObject) message = json_object_new ();

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));

  json_object_set_string_member (message, "type", "chat.chatters");
  _cascade_chat_room_send_request (self, message, CASCADE_CHAT_REPLY_CHATTERS,
                                   _cascade_task_new (self, cascade_chat_room_list_chatters_async,
                                                      cancellable, callback, user_data));
}

GStrv
cascade_chat_room_list_chatters_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_followed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeChatRoom *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;

  if (!cascade_client_follow_finish (CASCADE_CLIENT (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!GPOINTER_TO_INT (g_task_get_task_data (task)))
    _cascade_chat_room_set_following_since (self, 0);
  else if (cascade_chat_room_get_following_since (self) == 0)
    _cascade_chat_room_set_following_since (self, g_get_real_time () / 1000);
  g_task_return_boolean (task, TRUE);
}

void
cascade_chat_room_follow_async (CascadeChatRoom *self,
                                gboolean follow,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));

  task = _cascade_task_new (self, cascade_chat_room_follow_async, cancellable, callback, user_data);
  g_task_set_task_data (task, GINT_TO_POINTER (follow != FALSE), NULL);
  cascade_client_follow_async (cascade_chat_room_get_client (self),
                               cascade_chat_room_get_channel (self), follow, cancellable,
                               on_followed, task);
}

gboolean
cascade_chat_room_follow_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_emotes_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) emotes =
    cascade_client_list_emotes_finish (CASCADE_CLIENT (source), result, &error);

  if (emotes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _cascade_chat_room_set_emotes (g_task_get_source_object (task), emotes);
  g_task_return_boolean (task, TRUE);
}

static void
on_emote_put (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeChatRoom *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  GCancellable *cancellable;

  if (!cascade_client_put_emote_finish (CASCADE_CLIENT (source), result, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  cascade_client_list_emotes_async (CASCADE_CLIENT (source), cascade_chat_room_get_channel (self),
                                    cancellable, on_emotes_listed, g_steal_pointer (&task));
}

/**
 * cascade_chat_room_add_emote_async:
 * @png: a PNG image, at most 64 KiB and 128×128
 *
 * Adds an emote to the room's channel (the streamer's own), then reads the
 * channel's emotes again ("emote-codes" changes).
 */
void
cascade_chat_room_add_emote_async (CascadeChatRoom *self,
                                   const char *code,
                                   GBytes *png,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_CHAT_ROOM (self));
  g_return_if_fail (code != NULL && png != NULL);

  task =
    _cascade_task_new (self, cascade_chat_room_add_emote_async, cancellable, callback, user_data);
  cascade_client_put_emote_async (cascade_chat_room_get_client (self),
                                  cascade_chat_room_get_channel (self), code, png, cancellable,
                                  on_emote_put, task);
}

gboolean
cascade_chat_room_add_emote_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
