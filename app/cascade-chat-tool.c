/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * cascade-chat: says something in a channel's chat, as a real client would
 * (signs in, joins the room over the realtime connection, sends, and waits
 * until the server has stored each message). `./dev run` uses it for the demo
 * channel's first messages.
 *
 *   cascade-chat --server URL --login NAME --password PASSWORD CHANNEL MESSAGE...
 */

#include <stdio.h>
#include <stdlib.h>

#include "cascade-chat-room.h"
#include "cascade-session.h"

#define GIVE_UP_SECONDS 30

typedef struct
{
  GMainLoop *loop;
  CascadeSession *session;
  CascadeChatRoom *room;
  char **messages;
  guint next;
  int status;
} Tool;

static void
finish (Tool *tool, int status, const char *why)
{
  if (why != NULL)
    g_printerr ("cascade-chat: %s\n", why);
  tool->status = status;
  g_main_loop_quit (tool->loop);
}

static void send_next (Tool *tool);

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Tool *tool = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = cascade_chat_room_send_finish (CASCADE_CHAT_ROOM (source), result, &error);

  if (id == NULL)
    {
      finish (tool, EXIT_FAILURE, error->message);
      return;
    }
  g_print ("sent %s\n", id);
  send_next (tool);
}

static void
send_next (Tool *tool)
{
  const char *text = tool->messages[tool->next];

  if (text == NULL)
    {
      finish (tool, EXIT_SUCCESS, NULL);
      return;
    }
  tool->next++;
  cascade_chat_room_send_async (tool->room, text, NULL, on_sent, tool);
}

static void
on_joined (Tool *tool)
{
  if (cascade_chat_room_get_join_error (tool->room) != NULL)
    finish (tool, EXIT_FAILURE, cascade_chat_room_get_join_error (tool->room));
  else if (cascade_chat_room_get_joined (tool->room) && tool->next == 0)
    send_next (tool);
}

static void
on_signed_in (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Tool *tool = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_session_sign_in_finish (CASCADE_SESSION (source), result, &error))
    finish (tool, EXIT_FAILURE, error->message);
}

static gboolean
on_give_up (gpointer user_data)
{
  finish (user_data, EXIT_FAILURE, "the server did not let us chat in time");
  return G_SOURCE_REMOVE;
}

int
main (int argc, char *argv[])
{
  g_autofree char *server = NULL;
  g_autofree char *login = NULL;
  g_autofree char *password = NULL;
  g_auto (GStrv) rest = NULL;
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, "The server's address", "URL" },
    { "login", 0, 0, G_OPTION_ARG_STRING, &login, "Username or email", "NAME" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &password, "Password", "PASSWORD" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, "CHANNEL MESSAGE…" },
    { NULL },
  };
  Tool tool = { 0 };

  context = g_option_context_new ("CHANNEL MESSAGE… — say something in a channel's chat");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cascade-chat: %s\n", error->message);
      return 2;
    }
  if (server == NULL || login == NULL || password == NULL || rest == NULL || rest[0] == NULL ||
      rest[1] == NULL)
    {
      g_printerr ("cascade-chat: --server, --login, --password, a channel and a message are "
                  "needed\n");
      return 2;
    }

  tool.loop = g_main_loop_new (NULL, FALSE);
  tool.session = cascade_session_new_in_memory (server);
  tool.messages = rest + 1;
  tool.status = EXIT_FAILURE;
  tool.room = cascade_chat_room_new (tool.session, rest[0]);
  g_signal_connect_swapped (tool.room, "notify::joined", G_CALLBACK (on_joined), &tool);
  g_signal_connect_swapped (tool.room, "notify::join-error", G_CALLBACK (on_joined), &tool);
  cascade_session_sign_in_async (tool.session, login, password, NULL, on_signed_in, &tool);
  cascade_chat_room_join (tool.room);
  g_timeout_add_seconds (GIVE_UP_SECONDS, on_give_up, &tool);
  g_main_loop_run (tool.loop);

  g_signal_handlers_disconnect_by_data (tool.room, &tool);
  g_clear_object (&tool.room);
  g_clear_object (&tool.session);
  g_main_loop_unref (tool.loop);
  return tool.status;
}
