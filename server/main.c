/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "cascade-server-config.h"
#include "cascade-server-log.h"
#include "cascade-server.h"
#include "identity/cascade-signing-key.h"

static const char description[] = "The config file is a key file:\n"
                                  "  [server]\n"
                                  "  listen=127.0.0.1:8787\n"
                                  "  data-dir=/var/lib/cascaded\n"
                                  "  max-body-bytes=1048576\n"
                                  "  [auth]\n"
                                  "  issuer=cascaded\n"
                                  "  access-token-ttl=900\n"
                                  "\n"
                                  "When ready, cascaded prints one line to stdout:\n"
                                  "  cascaded: listening on http://ADDR:PORT\n"
                                  "and logs to stderr. SIGINT or SIGTERM stop it cleanly.\n";

typedef struct
{
  GMainLoop *loop;
  CascadeServer *server;
  gboolean stopping;
  int status;
} Daemon;

static void
on_shut_down (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_server_shutdown_finish (CASCADE_SERVER (source_object), result, &error))
    {
      g_printerr ("cascaded: %s\n", error->message);
      daemon->status = 1;
    }
  g_main_loop_quit (daemon->loop);
}

/* The first SIGINT or SIGTERM shuts down cleanly; a second one does not wait. */
static gboolean
on_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->stopping)
    {
      g_message ("Second signal: stopping now");
      daemon->status = 1;
      g_main_loop_quit (daemon->loop);
      return G_SOURCE_CONTINUE;
    }
  g_message ("Shutting down");
  daemon->stopping = TRUE;
  cascade_server_shutdown_async (daemon->server, NULL, on_shut_down, daemon);
  return G_SOURCE_CONTINUE;
}

static CascadeServerConfig *
build_config (const char *config_file, const char *listen, const char *data_dir, GError **error)
{
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();

  if (config_file != NULL && !cascade_server_config_load_file (config, config_file, error))
    return NULL;
  if (listen != NULL && !cascade_server_config_set_listen (config, listen, error))
    return NULL;
  if (data_dir != NULL)
    cascade_server_config_set_data_dir (config, data_dir);
  return g_steal_pointer (&config);
}

int
main (int argc, char *argv[])
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (CascadeServerConfig) config = NULL;
  g_autoptr (CascadeServer) server = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *create_admin = NULL;
  gboolean rotate_key = FALSE;
  gboolean version = FALSE;
  Daemon daemon = { NULL };
  const GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Address and port to listen on (default " CASCADE_SERVER_DEFAULT_LISTEN
      "; port 0 picks a free port)",
      "ADDR:PORT" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Directory of the database and the signing key (default $XDG_DATA_HOME/cascaded)", "DIR" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file,
      "Read settings from this file; the command line wins over it", "FILE" },
    { "create-admin", 0, 0, G_OPTION_ARG_STRING, &create_admin,
      "Make the account with this email address an admin, then exit", "EMAIL" },
    { "rotate-key", 0, 0, G_OPTION_ARG_NONE, &rotate_key,
      "Retire the token signing key and make a new one, then exit (with the server stopped)",
      NULL },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };

  setlocale (LC_ALL, "");
  signal (SIGPIPE, SIG_IGN);
  cascade_server_log_init ();

  context = g_option_context_new ("- the Cascade server");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, description);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cascaded: %s (see --help)\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr ("cascaded: unexpected argument “%s” (see --help)\n", argv[1]);
      return 2;
    }
  if (version)
    {
      g_print ("cascaded %s\n", PACKAGE_VERSION);
      return 0;
    }

  config = build_config (config_file, listen, data_dir, &error);
  if (config != NULL && rotate_key)
    {
      if (!cascade_signing_key_rotate (config->data_dir, &error))
        {
          g_printerr ("cascaded: %s\n", error->message);
          return 1;
        }
      g_print ("cascaded: a new signing key is in place; the old one verifies the tokens it "
               "signed until they expire\n");
      return 0;
    }
  if (config != NULL)
    server = cascade_server_new (config, &error);
  if (server != NULL && create_admin != NULL)
    {
      if (!cascade_server_create_admin (server, create_admin, &error))
        {
          g_printerr ("cascaded: %s\n", error->message);
          return 1;
        }
      g_print ("cascaded: %s is now an admin\n", create_admin);
      return 0;
    }
  if (server == NULL || !cascade_server_start (server, &error))
    {
      g_printerr ("cascaded: %s\n", error->message);
      return 1;
    }

  loop = g_main_loop_new (NULL, FALSE);
  daemon.loop = loop;
  daemon.server = server;
  g_unix_signal_add (SIGINT, on_signal, &daemon);
  g_unix_signal_add (SIGTERM, on_signal, &daemon);

  g_print ("cascaded: listening on %s\n", cascade_server_get_url (server));
  fflush (stdout);
  g_main_loop_run (loop);
  return daemon.status;
}
