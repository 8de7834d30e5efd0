/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * bench-chat: chat fan-out (issue 5's numbers). A real cascaded, pinned to
 * one core, with --clients WebSocket clients (1000) in one room; --senders
 * connections send --rate messages a second for --seconds, each carrying
 * the time it was sent. Prints deliveries per second (messages received by
 * the clients, not sends) and the p50/p99 delivery latency (send to receipt,
 * which includes the durable commit before the fan-out). Then the same
 * fan-out with Socket.IO (bench/bench-chat-socketio.js, needs `npm install
 * --prefix bench`), and the ratio. The clients run in this process, on the
 * other core.
 */

#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "cascade-test-server.h"

#define PASSWORD "correct horse battery"

static int n_clients = 1000;
static int n_senders = 0;
static int rate = 100;
static int seconds = 5;
static gboolean skip_socketio = FALSE;

typedef struct
{
  SoupWebsocketConnection *ws;
  gboolean joined;
  gboolean sender; /* its own messages come back too: not counted */
} Client;

typedef struct
{
  GMainContext *context;
  SoupSession *session;
  Client *clients;
  guint n_open;
  guint n_joined;
  guint64 deliveries;
  guint n_errors;
  gint64 last_delivery_us;
  GArray *latencies_us;
  char *channel;
} Bench;

static void
pin_to_cpu (int cpu)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  CPU_SET (cpu % CPU_SETSIZE, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    g_printerr ("bench-chat: cannot pin to CPU %d\n", cpu);
}

static char *
sign_up (CascadeTestServer *server, const char *username)
{
  g_autofree char *body = g_strdup_printf (
    "{\"email\":\"%s@example.com\",\"username\":\"%s\",\"password\":\"" PASSWORD "\"}", username,
    username);
  g_autoptr (JsonNode) response = NULL;
  guint status =
    cascade_test_server_request (server, "POST", "/api/v1/auth/register", NULL, body, &response);

  if (status != SOUP_STATUS_CREATED)
    g_error ("register %s: %u", username, status);
  return g_strdup (json_object_get_string_member (json_node_get_object (response), "access_token"));
}

static void
on_message (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  Bench *bench = user_data;
  Client *client = g_object_get_data (G_OBJECT (ws), "client");
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  const char *stamp;

  if (length > 22 && memcmp (data, "{\"type\":\"chat.message\"", 22) == 0)
    {
      if (client->sender)
        return;
      gint64 now = g_get_monotonic_time ();

      stamp = g_strstr_len (data, length, "\"text\":\"t=");
      if (stamp != NULL)
        {
          gint64 sent = g_ascii_strtoll (stamp + 10, NULL, 10);
          gint64 latency = now - sent;

          g_array_append_val (bench->latencies_us, latency);
        }
      bench->deliveries++;
      bench->last_delivery_us = now;
      return;
    }
  if (length > 16 && memcmp (data, "{\"type\":\"error\"", 16) == 0 && bench->n_errors++ < 5)
    g_printerr ("bench-chat: %.*s\n", (int) length, data);
  if (client != NULL && !client->joined && g_strstr_len (data, length, "\"chat.joined\"") != NULL)
    {
      client->joined = TRUE;
      bench->n_joined++;
    }
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  Bench *bench = g_object_get_data (G_OBJECT (source), "bench");
  g_autoptr (GError) error = NULL;
  g_autofree char *join = NULL;

  client->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (client->ws == NULL)
    g_error ("connect: %s", error->message);
  soup_websocket_connection_set_max_incoming_payload_size (client->ws, 1024 * 1024);
  g_object_set_data (G_OBJECT (client->ws), "client", client);
  g_signal_connect (client->ws, "message", G_CALLBACK (on_message), bench);
  join = g_strdup_printf ("{\"type\":\"chat.join\",\"channel\":\"%s\"}", bench->channel);
  soup_websocket_connection_send_text (client->ws, join);
  bench->n_open++;
}

static void
connect_client (Bench *bench, CascadeTestServer *server, const char *token, Client *client)
{
  g_autofree char *url =
    g_strdup_printf ("%s/api/v1/realtime", cascade_test_server_get_url (server));
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  SoupMessage *msg = soup_message_new ("GET", url);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_session_websocket_connect_async (bench->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        on_connected, client);
  g_object_unref (msg);
}

static void
iterate_until (Bench *bench, guint *counter, guint target, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (*counter < target && g_get_monotonic_time () < deadline)
    g_main_context_iteration (bench->context, TRUE);
  if (*counter < target)
    g_error ("only %u of %u after %u s", *counter, target, timeout_s);
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (GArray *sorted, double p)
{
  if (sorted->len == 0)
    return 0;
  return g_array_index (sorted, gint64, (guint) (p * (sorted->len - 1) + 0.5)) / 1000.0;
}

/* CPU seconds (user + system) used so far by the cascaded serving
 * @data_dir, from /proc; -1 if not found. */
static double
server_cpu_seconds (const char *data_dir)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *cmdline_path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *stat_path = g_build_filename ("/proc", name, "stat", NULL);
      g_autofree char *cmdline = NULL;
      g_autofree char *stat = NULL;
      g_auto (GStrv) fields = NULL;
      gsize length;
      gboolean ours = FALSE;
      const char *tail;

      if (!g_ascii_isdigit (name[0]) ||
          !g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i < length; i += strlen (cmdline + i) + 1)
        if (g_str_equal (cmdline + i, data_dir))
          ours = TRUE;
      if (!ours || !g_file_get_contents (stat_path, &stat, NULL, NULL) ||
          (tail = strrchr (stat, ')')) == NULL)
        continue;
      fields = g_strsplit (tail + 2, " ", 0);
      if (g_strv_length (fields) < 13)
        continue;
      /* utime and stime: fields 14 and 15 of stat, 12 and 13 after the name */
      return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
             sysconf (_SC_CLK_TCK);
    }
  return -1;
}

static double
own_cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the cascaded fan-out; returns deliveries per second. */
static double
bench_cascaded (double *out_per_cpu)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  const char *args[] = { "--config", path, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *streamer = NULL;
  g_autofree char *viewer = NULL;
  g_autofree char *suffix = g_strdup_printf ("%u", g_random_int_range (0, 100000));
  g_autofree char *streamer_name = g_strconcat ("bench_streamer_", suffix, NULL);
  g_autofree char *viewer_name = g_strconcat ("bench_viewer_", suffix, NULL);
  g_autoptr (GPtrArray) sender_tokens = g_ptr_array_new_with_free_func (g_free);
  CascadeTestServer *server;
  Bench bench = { 0 };
  Client *senders;
  gint64 start, total;
  double span, per_second, server_cpu, client_cpu;
  guint tick;

  g_file_set_contents (path,
                       "[limits]\naddress-burst=1000000\naddress-per-minute=1000000\n"
                       "[chat]\nrate-messages=1000\nrate-seconds=1\nduplicate-seconds=0\n"
                       "history-on-join=0\n"
                       "[streaming]\ngrace-seconds=3600\n",
                       -1, &error);
  g_assert_no_error (error);

  pin_to_cpu (0); /* the server inherits CPU 0 ... */
  server = cascade_test_server_new (args);
  pin_to_cpu (1); /* ... and the clients run on CPU 1 */

  streamer = sign_up (server, streamer_name);
  viewer = sign_up (server, viewer_name);
  for (int s = 0; s < n_senders; s++)
    {
      g_autofree char *name = g_strdup_printf ("bench_sender%d_%s", s, suffix);

      g_ptr_array_add (sender_tokens, sign_up (server, name));
    }
  {
    g_autoptr (JsonNode) stream = NULL;

    if (cascade_test_server_request (
          server, "POST", "/api/v1/streams", streamer,
          "{\"title\":\"bench\",\"category\":\"bench\",\"renditions\":[{\"width\":1280,"
          "\"height\":720,\"fps\":30,\"bitrate_kbps\":4000,\"codec\":\"h264\"}]}",
          &stream) != SOUP_STATUS_CREATED)
      g_error ("cannot go live");
  }

  bench.context = g_main_context_ref_thread_default ();
  bench.session =
    soup_session_new_with_options ("max-conns", n_clients + n_senders + 10, "max-conns-per-host",
                                   n_clients + n_senders + 10, "timeout", 0, NULL);
  g_object_set_data (G_OBJECT (bench.session), "bench", &bench);
  bench.channel = streamer_name;
  bench.latencies_us =
    g_array_sized_new (FALSE, FALSE, sizeof (gint64), (guint) rate * seconds * n_clients);
  bench.clients = g_new0 (Client, n_clients + n_senders);
  for (int c = 0; c < n_clients; c++)
    connect_client (&bench, server, viewer, &bench.clients[c]);
  senders = bench.clients + n_clients;
  for (int s = 0; s < n_senders; s++)
    {
      senders[s].sender = TRUE;
      connect_client (&bench, server, g_ptr_array_index (sender_tokens, s), &senders[s]);
    }
  iterate_until (&bench, &bench.n_joined, n_clients + n_senders, 600);
  g_print ("cascaded: %d clients in the room, %d senders, %d messages/s for %d s\n", n_clients,
           n_senders, rate, seconds);

  tick = g_timeout_add (1, on_tick, NULL);
  server_cpu = server_cpu_seconds (cascade_test_server_get_data_dir (server));
  client_cpu = own_cpu_seconds ();
  total = (gint64) rate * seconds;
  start = g_get_monotonic_time ();
  for (gint64 sent = 0; sent < total;)
    {
      gint64 due = MIN (total, (g_get_monotonic_time () - start) * rate / G_USEC_PER_SEC + 1);

      for (; sent < due; sent++)
        {
          g_autofree char *text = g_strdup_printf (
            "{\"type\":\"chat.send\",\"channel\":\"%s\",\"text\":\"t=%" G_GINT64_FORMAT
            " n%" G_GINT64_FORMAT "\"}",
            streamer_name, g_get_monotonic_time (), sent);

          soup_websocket_connection_send_text (senders[sent % n_senders].ws, text);
        }
      g_main_context_iteration (bench.context, TRUE);
    }
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    guint64 expected = (guint64) total * n_clients;

    while (bench.deliveries < expected && g_get_monotonic_time () < deadline)
      g_main_context_iteration (bench.context, TRUE);
  }
  g_source_remove (tick);
  server_cpu = server_cpu_seconds (cascade_test_server_get_data_dir (server)) - server_cpu;
  client_cpu = own_cpu_seconds () - client_cpu;

  span = (bench.last_delivery_us - start) / (double) G_USEC_PER_SEC;
  per_second = bench.deliveries / span;
  g_array_sort (bench.latencies_us, compare_gint64);
  g_print ("cascaded deliveries=%" G_GUINT64_FORMAT " expected=%" G_GINT64_FORMAT
           " seconds=%.2f deliveries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n",
           bench.deliveries, total * n_clients, span, per_second,
           percentile_ms (bench.latencies_us, 0.50), percentile_ms (bench.latencies_us, 0.99));
  /* On a busy machine the wall-clock rate says more about the neighbours:
   * the CPU each side used is the number that travels. */
  g_print ("cascaded server_cpu_s=%.2f deliveries_per_server_cpu_s=%.0f client_cpu_s=%.2f\n",
           server_cpu, bench.deliveries / server_cpu, client_cpu);
  *out_per_cpu = bench.deliveries / server_cpu;

  for (int c = 0; c < n_clients + n_senders; c++)
    if (bench.clients[c].ws != NULL)
      {
        soup_websocket_connection_close (bench.clients[c].ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
        g_object_unref (bench.clients[c].ws);
      }
  g_free (bench.clients);
  g_array_unref (bench.latencies_us);
  g_object_unref (bench.session);
  g_main_context_unref (bench.context);
  cascade_test_server_stop (server);
  cascade_test_server_free (server);
  cascade_test_rm_rf (dir);
  return per_second;
}

/* The Socket.IO run; returns @what (deliveries_per_s=...), or 0. */
static double
bench_socketio (const char *what, double *out_per_cpu)
{
  g_autofree char *script = g_build_filename (SOURCE_DIR, "bench-chat-socketio.js", NULL);
  g_autofree char *modules = g_build_filename (SOURCE_DIR, "node_modules", "socket.io", NULL);
  g_autofree char *clients = g_strdup_printf ("%d", n_clients);
  g_autofree char *senders = g_strdup_printf ("%d", n_senders);
  g_autofree char *rate_text = g_strdup_printf ("%d", rate);
  g_autofree char *seconds_text = g_strdup_printf ("%d", seconds);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  const char *line;
  const char *argv[] = { "node", script, clients, senders, rate_text, seconds_text, NULL };

  if (!g_file_test (modules, G_FILE_TEST_IS_DIR))
    {
      g_print ("socketio: not installed (npm install --prefix %s), skipped\n", SOURCE_DIR);
      return 0;
    }
  g_setenv ("BENCH_SERVER_CPU", "0", TRUE);
  pin_to_cpu (1);
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_print ("socketio: failed: %s\n", error->message);
      return 0;
    }
  g_print ("%s", out);
  line = strstr (out, "deliveries_per_server_cpu_s=");
  *out_per_cpu =
    line != NULL ? g_ascii_strtod (line + strlen ("deliveries_per_server_cpu_s="), NULL) : 0;
  line = strstr (out, what);
  return line != NULL ? g_ascii_strtod (line + strlen (what), NULL) : 0;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Clients in the room (1000)", "N" },
    { "senders", 0, 0, G_OPTION_ARG_INT, &n_senders, "Sending connections (rate/10)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate, "Messages a second (100)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "For how long (5)", "S" },
    { "no-socketio", 0, 0, G_OPTION_ARG_NONE, &skip_socketio, "Skip the Socket.IO run", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- chat fan-out benchmark");
  g_autoptr (GError) error = NULL;
  double ours, theirs = 0, ours_cpu = 0, theirs_cpu = 0;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_senders <= 0)
    n_senders =
      MAX (1, (rate + 9) / 10); /* the socket allows 50 a second each: keep slack for stalls */

  ours = bench_cascaded (&ours_cpu);
  if (!skip_socketio)
    theirs = bench_socketio ("deliveries_per_s=", &theirs_cpu);
  if (theirs > 0)
    g_print ("ratio cascaded/socketio deliveries_per_s=%.2f deliveries_per_server_cpu_s=%.2f\n",
             ours / theirs, theirs_cpu > 0 ? ours_cpu / theirs_cpu : 0);
  return 0;
}
