/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * bench-chat: chat fan-out on one core (issue 5's numbers). A real
 * cascaded, pinned to CPU 0, with --clients WebSocket clients (1000) in one
 * room; this process holds the clients and the sending connections, pinned
 * to CPU 1. For each offered load in --rates (messages a second into the
 * room, each carrying the time it was sent) it sends for --seconds and
 * prints deliveries per second (messages received by the clients, not
 * sends), the p50/p99 delivery latency (send to receipt, which includes the
 * durable commit before the fan-out) and the server's CPU time. Then the
 * same sweep with Socket.IO (bench/bench-chat-socketio.js, needs `npm
 * install` in bench/), and for each server the highest delivered rate with
 * p99 under 100 ms, and the ratio. The server's log goes to a file.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "bench-common.h"
#include "cascade-test-server.h"

#define PASSWORD "correct horse battery"
#define P99_TARGET_MS 100.0
#define TARGET_DELIVERIES_PER_S 50000
#define MAX_LEVELS 32

static int n_clients = 1000;
static int n_senders = 0;
static char *rates_text = NULL;
static int seconds = 5;
static gboolean skip_socketio = FALSE;
static int nice_value = 0;

/* One offered load's numbers, for either server. */
typedef struct
{
  int rate;
  guint64 deliveries;
  guint64 expected;
  double per_second;
  double p50_ms;
  double p99_ms;
  double server_cpu_s;
} Level;

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
  int level; /* messages of other levels (late ones) are not counted */
  guint64 deliveries;
  guint n_errors;
  gint64 last_delivery_us;
  GArray *latencies_us;
  char *channel;
} Bench;

static void
print_level (const char *server, const Level *level)
{
  g_print ("%-8s rate=%-3d offered_per_s=%-6d deliveries=%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
           " deliveries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f server_cpu_s=%.2f"
           " deliveries_per_server_cpu_s=%.0f\n",
           server, level->rate, level->rate * n_clients, level->deliveries, level->expected,
           level->per_second, level->p50_ms, level->p99_ms, level->server_cpu_s,
           level->server_cpu_s > 0 ? level->deliveries / level->server_cpu_s : 0);
}

/* The level with the most deliveries a second, all delivered, with p99
 * under the target; NULL if none. */
static const Level *
best_level (const Level *levels, guint n)
{
  const Level *best = NULL;

  for (guint i = 0; i < n; i++)
    if (levels[i].deliveries == levels[i].expected && levels[i].p99_ms < P99_TARGET_MS &&
        (best == NULL || levels[i].per_second > best->per_second))
      best = &levels[i];
  return best;
}

/* Deliveries per second of server CPU over all @levels. */
static double
per_cpu (const Level *levels, guint n)
{
  double deliveries = 0, cpu = 0;

  for (guint i = 0; i < n; i++)
    {
      deliveries += levels[i].deliveries;
      cpu += levels[i].server_cpu_s;
    }
  return cpu > 0 ? deliveries / cpu : 0;
}

static void
print_best (const char *server, const Level *best)
{
  if (best == NULL)
    g_print ("%-8s best: no offered load was delivered with p99 < %.0f ms\n", server,
             P99_TARGET_MS);
  else
    g_print ("%-8s best: rate=%d deliveries_per_s=%.0f p50_ms=%.2f p99_ms=%.2f (p99 < %.0f ms)\n",
             server, best->rate, best->per_second, best->p50_ms, best->p99_ms, P99_TARGET_MS);
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

  if (length > 22 && memcmp (data, "{\"type\":\"chat.message\"", 22) == 0)
    {
      gint64 now = g_get_monotonic_time ();
      const char *stamp;
      char *end;
      gint64 sent;

      if (client->sender)
        return;
      /* "t=<sent, µs> L<level> n<number>" */
      stamp = g_strstr_len (data, length, "\"text\":\"t=");
      if (stamp == NULL)
        return;
      sent = g_ascii_strtoll (stamp + 10, &end, 10);
      if (end[0] != ' ' || end[1] != 'L' || g_ascii_strtoll (end + 2, NULL, 10) != bench->level)
        return;
      {
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

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Sends @rate messages a second for @seconds, round the senders, and waits
 * for their deliveries (until none came for 10 s). */
static void
run_level (Bench *bench, CascadeTestServer *server, Client *senders, int level, Level *out)
{
  GPid pid = cascade_test_server_get_pid (server);
  double server_cpu = cascade_bench_process_cpu_seconds (pid);
  gint64 total = (gint64) out->rate * seconds;
  gint64 start = g_get_monotonic_time ();
  gint64 stalled_since;
  guint64 seen;

  bench->level = level;
  bench->deliveries = 0;
  bench->last_delivery_us = start;
  g_array_set_size (bench->latencies_us, 0);
  for (gint64 sent = 0; sent < total;)
    {
      gint64 due = MIN (total, (g_get_monotonic_time () - start) * out->rate / G_USEC_PER_SEC + 1);

      for (; sent < due; sent++)
        {
          g_autofree char *text = g_strdup_printf (
            "{\"type\":\"chat.send\",\"channel\":\"%s\",\"text\":\"t=%" G_GINT64_FORMAT
            " L%d n%" G_GINT64_FORMAT "\"}",
            bench->channel, g_get_monotonic_time (), level, sent);

          soup_websocket_connection_send_text (senders[sent % n_senders].ws, text);
        }
      g_main_context_iteration (bench->context, TRUE);
    }
  out->expected = (guint64) total * n_clients;
  seen = bench->deliveries;
  stalled_since = g_get_monotonic_time ();
  while (bench->deliveries < out->expected &&
         g_get_monotonic_time () - stalled_since < 10 * G_USEC_PER_SEC)
    {
      g_main_context_iteration (bench->context, TRUE);
      if (bench->deliveries != seen)
        {
          seen = bench->deliveries;
          stalled_since = g_get_monotonic_time ();
        }
    }

  out->deliveries = bench->deliveries;
  out->server_cpu_s = cascade_bench_process_cpu_seconds (pid) - server_cpu;
  out->per_second =
    bench->deliveries / MAX (1e-6, (bench->last_delivery_us - start) / (double) G_USEC_PER_SEC);
  out->p50_ms = cascade_bench_percentile_ms (bench->latencies_us, 50);
  out->p99_ms = cascade_bench_percentile_ms (bench->latencies_us, 99);
  print_level ("cascaded", out);
}

/* The cascaded sweep over @levels (their rates set). */
static void
bench_cascaded (Level *levels, guint n_levels)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  g_autofree char *log_path =
    g_strdup_printf ("%s/bench-chat-cascaded-%d.log", g_get_tmp_dir (), (int) getpid ());
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
  gint64 connect_start, connected_us;
  double client_cpu;
  guint tick;

  g_file_set_contents (path,
                       "[limits]\naddress-burst=1000000\naddress-per-minute=1000000\n"
                       "[chat]\nrate-messages=1000\nrate-seconds=1\nduplicate-seconds=0\n"
                       "history-on-join=0\n"
                       "[streaming]\ngrace-seconds=3600\n",
                       -1, &error);
  g_assert_no_error (error);

  cascade_bench_pin_to_cpu (0); /* the server inherits CPU 0 ... */
  server = cascade_test_server_new_logged (args, log_path);
  cascade_bench_pin_to_cpu (1); /* ... and the clients run on CPU 1 */
  g_print ("cascaded: log in %s\n", log_path);

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
                                   n_clients + n_senders + 10, "timeout", 0,
                                   /* no proxy lookup per connection */
                                   "proxy-resolver", NULL, NULL);
  g_object_set_data (G_OBJECT (bench.session), "bench", &bench);
  bench.channel = streamer_name;
  bench.level = -1;
  bench.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.clients = g_new0 (Client, n_clients + n_senders);
  connect_start = g_get_monotonic_time ();
  for (int c = 0; c < n_clients; c++)
    connect_client (&bench, server, viewer, &bench.clients[c]);
  for (int s = 0; s < n_senders; s++)
    {
      bench.clients[n_clients + s].sender = TRUE;
      connect_client (&bench, server, g_ptr_array_index (sender_tokens, s),
                      &bench.clients[n_clients + s]);
    }
  iterate_until (&bench, &bench.n_open, n_clients + n_senders, 600);
  connected_us = g_get_monotonic_time () - connect_start;
  iterate_until (&bench, &bench.n_joined, n_clients + n_senders, 600);
  g_print ("cascaded: %d clients and %d senders connected in %.2f s, in the room in %.2f s\n",
           n_clients, n_senders, connected_us / (double) G_USEC_PER_SEC,
           (g_get_monotonic_time () - connect_start) / (double) G_USEC_PER_SEC);

  tick = g_timeout_add (1, on_tick, NULL);
  client_cpu = cascade_bench_process_cpu_seconds (0);
  for (guint i = 0; i < n_levels; i++)
    run_level (&bench, server, bench.clients + n_clients, (int) i, &levels[i]);
  g_print ("cascaded client_cpu_s=%.2f (all levels)\n",
           cascade_bench_process_cpu_seconds (0) - client_cpu);
  g_source_remove (tick);

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
}

static double
field (const char *line, const char *name)
{
  g_autofree char *key = g_strconcat (" ", name, "=", NULL);
  const char *at = strstr (line, key);

  return at != NULL ? g_ascii_strtod (at + strlen (key), NULL) : NAN;
}

/* The Socket.IO sweep over @levels; returns how many levels it ran. */
static guint
bench_socketio (Level *levels, guint n_levels)
{
  g_autofree char *script = g_build_filename (SOURCE_DIR, "bench-chat-socketio.js", NULL);
  g_autofree char *modules = g_build_filename (SOURCE_DIR, "node_modules", "socket.io", NULL);
  g_autofree char *clients = g_strdup_printf ("%d", n_clients);
  g_autofree char *senders = g_strdup_printf ("%d", n_senders);
  g_autofree char *seconds_text = g_strdup_printf ("%d", seconds);
  g_autoptr (GString) rates = g_string_new (NULL);
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  guint n = 0;

  if (!g_file_test (modules, G_FILE_TEST_IS_DIR))
    {
      g_print ("socketio: not installed (cd %s && npm install), skipped\n", SOURCE_DIR);
      return 0;
    }
  for (guint i = 0; i < n_levels; i++)
    g_string_append_printf (rates, "%s%d", i > 0 ? "," : "", levels[i].rate);
  {
    const char *argv[] = { "node", script, clients, senders, rates->str, seconds_text, NULL };

    g_setenv ("BENCH_SERVER_CPU", "0", TRUE);
    cascade_bench_pin_to_cpu (1);
    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL,
                       &status, &error) ||
        !g_spawn_check_wait_status (status, &error))
      {
        g_print ("socketio: failed: %s\n", error->message);
        return 0;
      }
  }
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (line[0] == '\0')
        continue;
      if (!g_str_has_prefix (line, "socketio rate=") || n >= n_levels)
        {
          g_print ("%s\n", line);
          continue;
        }
      levels[n].rate = (int) field (line, "rate");
      levels[n].deliveries = (guint64) field (line, "deliveries");
      levels[n].expected = (guint64) field (line, "expected");
      levels[n].per_second = field (line, "deliveries_per_s");
      levels[n].p50_ms = field (line, "p50_ms");
      levels[n].p99_ms = field (line, "p99_ms");
      levels[n].server_cpu_s = field (line, "server_cpu_s");
      print_level ("socketio", &levels[n]);
      n++;
    }
  return n;
}

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "clients", 0, 0, G_OPTION_ARG_INT, &n_clients, "Clients in the room (1000)", "N" },
    { "senders", 0, 0, G_OPTION_ARG_INT, &n_senders, "Sending connections (top rate/10)", "N" },
    { "rates", 0, 0, G_OPTION_ARG_STRING, &rates_text,
      "Offered loads, messages a second (20,40,50,60,80,100)", "R,R,..." },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Seconds of sending per load (5)", "S" },
    { "no-socketio", 0, 0, G_OPTION_ARG_NONE, &skip_socketio, "Skip the Socket.IO run", NULL },
    { "nice", 0, 0, G_OPTION_ARG_INT, &nice_value,
      "Run both sides (and both servers) at this niceness, e.g. -10 on a busy machine (root)",
      "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) options = g_option_context_new ("- chat fan-out benchmark");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) rate_list = NULL;
  Level ours[MAX_LEVELS] = { 0 };
  Level theirs[MAX_LEVELS] = { 0 };
  const Level *our_best, *their_best = NULL;
  guint n_levels = 0, n_theirs = 0;
  int top_rate = 0;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  rate_list = g_strsplit (rates_text != NULL ? rates_text : "20,40,50,60,80,100", ",", -1);
  for (guint i = 0; rate_list[i] != NULL && n_levels < MAX_LEVELS; i++)
    {
      gint64 rate = g_ascii_strtoll (rate_list[i], NULL, 10);

      if (rate <= 0 || rate > 10000)
        {
          g_printerr ("--rates: “%s” is not a rate from 1 to 10000\n", rate_list[i]);
          return 2;
        }
      ours[n_levels++].rate = (int) rate;
      top_rate = MAX (top_rate, (int) rate);
    }
  if (n_levels == 0 || seconds <= 0 || n_clients <= 0)
    {
      g_printerr ("Give at least one rate, and positive --seconds and --clients\n");
      return 2;
    }
  if (n_senders <= 0)
    n_senders = MAX (1, (top_rate + 9) / 10); /* the socket allows 50 a second each: keep slack */

  /* On a machine others use, a niceness below theirs stands in for a quiet
   * core: the servers and the clients inherit it. */
  if (nice_value != 0 && setpriority (PRIO_PROCESS, 0, nice_value) != 0)
    {
      g_printerr ("--nice %d: %s\n", nice_value, g_strerror (errno));
      return 2;
    }
  g_print ("chat fan-out: %d clients in one room, %d senders, %d s per offered load; "
           "server on CPU 0, clients on CPU 1, nice %d\n",
           n_clients, n_senders, seconds, getpriority (PRIO_PROCESS, 0));
  bench_cascaded (ours, n_levels);
  if (!skip_socketio)
    {
      for (guint i = 0; i < n_levels; i++)
        theirs[i].rate = ours[i].rate;
      n_theirs = bench_socketio (theirs, n_levels);
    }

  our_best = best_level (ours, n_levels);
  print_best ("cascaded", our_best);
  if (n_theirs > 0)
    {
      their_best = best_level (theirs, n_theirs);
      print_best ("socketio", their_best);
    }
  if (our_best != NULL && their_best != NULL)
    g_print ("ratio cascaded/socketio best_deliveries_per_s=%.2f\n",
             our_best->per_second / their_best->per_second);
  /* On a busy machine the wall-clock numbers say as much about the
   * neighbours: the deliveries per second of server CPU travel better. */
  if (n_theirs > 0 && per_cpu (theirs, n_theirs) > 0)
    g_print ("ratio cascaded/socketio deliveries_per_server_cpu_s=%.2f (%.0f / %.0f, all levels)\n",
             per_cpu (ours, n_levels) / per_cpu (theirs, n_theirs), per_cpu (ours, n_levels),
             per_cpu (theirs, n_theirs));
  g_print ("target: >= %d deliveries/s with p99 < %.0f ms on one core: %s\n",
           TARGET_DELIVERIES_PER_S, P99_TARGET_MS,
           our_best != NULL && our_best->per_second >= TARGET_DELIVERIES_PER_S ? "met" : "not met");
  g_free (rates_text);
  return 0;
}
