/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * bench-chat: chat fan-out on one core (issue 5's numbers). A real
 * cascaded, pinned to CPU 0, with --clients WebSocket clients (1000) in one
 * room; this process holds the clients and the sending connections, pinned
 * to CPU 1, as plain sockets in one epoll set with a minimal WebSocket
 * client (libsoup's clients in one GMainContext cost more CPU than the
 * server and limited what was measured). For each offered load in --rates (messages a second into the
 * room, each carrying the time it was sent) it sends for --seconds and
 * prints deliveries per second (messages received by the clients, not
 * sends), the p50/p99 delivery latency (send to receipt, which includes the
 * durable commit before the fan-out) and the server's CPU time. Then the
 * same sweep with Socket.IO (bench/bench-chat-socketio.js, needs `npm
 * install` in bench/), and for each server the highest delivered rate with
 * p99 under 100 ms, and the ratio. The server's log goes to a file.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
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

/* One WebSocket client: a plain socket in this process's epoll set, so a
 * thousand of them cost the measuring side little (a GMainContext polls
 * every socket on each wakeup, and the clients then limited the numbers). */
typedef struct
{
  int fd;
  gboolean open; /* the 101 came */
  gboolean joined;
  gboolean sender; /* its own messages come back too: not counted */
  GByteArray *in;
} Client;

typedef struct
{
  int epoll_fd;
  Client *clients;
  guint n_clients;
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

/* The level with the most deliveries a second, all delivered, whatever
 * the latency; NULL if none. */
static const Level *
most_level (const Level *levels, guint n)
{
  const Level *most = NULL;

  for (guint i = 0; i < n; i++)
    if (levels[i].deliveries == levels[i].expected &&
        (most == NULL || levels[i].per_second > most->per_second))
      most = &levels[i];
  return most;
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

/* Writes all of @data to the non-blocking @fd (the server reads fast). */
static void
write_all (int fd, const char *data, gsize length)
{
  while (length > 0)
    {
      ssize_t n = send (fd, data, length, MSG_NOSIGNAL);

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        {
          struct pollfd pfd = { fd, POLLOUT, 0 };

          poll (&pfd, 1, 1000);
          continue;
        }
      if (n < 0)
        g_error ("bench-chat: send: %s", g_strerror (errno));
      data += n;
      length -= (gsize) n;
    }
}

/* One masked frame (clients must mask; a zero key is a key). */
static void
send_frame (Client *client, guint8 opcode, const char *payload, gsize length)
{
  g_autoptr (GByteArray) frame = g_byte_array_sized_new (length + 14);
  guint8 header[4] = { 0x80 | opcode, 0, 0, 0 };
  static const guint8 mask[4] = { 0, 0, 0, 0 };

  g_assert (length < 65536);
  if (length < 126)
    {
      header[1] = 0x80 | (guint8) length;
      g_byte_array_append (frame, header, 2);
    }
  else
    {
      header[1] = 0x80 | 126;
      header[2] = (guint8) (length >> 8);
      header[3] = (guint8) length;
      g_byte_array_append (frame, header, 4);
    }
  g_byte_array_append (frame, mask, 4);
  g_byte_array_append (frame, (const guint8 *) payload, (guint) length);
  write_all (client->fd, (const char *) frame->data, frame->len);
}

static void
send_text (Client *client, const char *text)
{
  send_frame (client, 0x1, text, strlen (text));
}

static void
on_text (Bench *bench, Client *client, const char *data, gsize length)
{
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
  if (!client->joined && g_strstr_len (data, length, "\"chat.joined\"") != NULL)
    {
      client->joined = TRUE;
      bench->n_joined++;
    }
}

/* The 101, then whole frames from the start of @client->in; what is left
 * is the start of the next one. */
static void
consume_input (Bench *bench, Client *client)
{
  GByteArray *in = client->in;
  gsize at = 0;

  if (!client->open)
    {
      const char *end = g_strstr_len ((const char *) in->data, in->len, "\r\n\r\n");

      if (end == NULL)
        return;
      if (in->len < 12 || memcmp (in->data, "HTTP/1.1 101", 12) != 0)
        g_error ("bench-chat: the upgrade was refused: %.*s", (int) in->len, in->data);
      at = end + 4 - (const char *) in->data;
      client->open = TRUE;
      bench->n_open++;
      {
        g_autofree char *join =
          g_strdup_printf ("{\"type\":\"chat.join\",\"channel\":\"%s\"}", bench->channel);

        send_text (client, join);
      }
    }
  while (in->len - at >= 2)
    {
      const guint8 *frame = in->data + at;
      guint8 opcode = frame[0] & 0x0f;
      guint64 length = frame[1] & 0x7f;
      gsize header = 2;

      if (length == 126)
        {
          if (in->len - at < 4)
            break;
          length = ((guint64) frame[2] << 8) | frame[3];
          header = 4;
        }
      else if (length == 127)
        {
          if (in->len - at < 10)
            break;
          length = 0;
          for (int i = 0; i < 8; i++)
            length = (length << 8) | frame[2 + i];
          header = 10;
        }
      if (in->len - at < header + length)
        break;
      if (opcode == 0x1)
        on_text (bench, client, (const char *) frame + header, (gsize) length);
      else if (opcode == 0x9) /* ping: pong with its payload */
        send_frame (client, 0xa, (const char *) frame + header, (gsize) length);
      at += header + (gsize) length;
    }
  g_byte_array_remove_range (in, 0, (guint) at);
}

/* Reads what arrived on the ready sockets, waiting at most @timeout_ms. */
static void
poll_clients (Bench *bench, int timeout_ms)
{
  struct epoll_event events[256];
  int n = epoll_wait (bench->epoll_fd, events, G_N_ELEMENTS (events), timeout_ms);

  for (int e = 0; e < n; e++)
    {
      Client *client = &bench->clients[events[e].data.u32];

      for (;;)
        {
          guint old = client->in->len;
          ssize_t got;

          g_byte_array_set_size (client->in, old + 65536);
          got = recv (client->fd, client->in->data + old, 65536, 0);
          g_byte_array_set_size (client->in, old + (got > 0 ? (guint) got : 0));
          if (got > 0)
            {
              consume_input (bench, client);
              continue;
            }
          if (got == 0)
            g_error ("bench-chat: the server closed a client");
          if (errno != EAGAIN && errno != EINTR)
            g_error ("bench-chat: recv: %s", g_strerror (errno));
          break;
        }
    }
}

static void
connect_client (Bench *bench, guint16 port, const char *token, guint index)
{
  Client *client = &bench->clients[index];
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct epoll_event event = { .events = EPOLLIN, .data.u32 = index };
  g_autofree char *request =
    g_strdup_printf ("GET /api/v1/realtime HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: Y2FzY2FkZSBiZW5jaCAxNg==\r\n"
                     "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n",
                     port, token);

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  client->fd = socket (AF_INET, SOCK_STREAM, 0);
  if (client->fd < 0 || connect (client->fd, (struct sockaddr *) &address, sizeof address) != 0)
    g_error ("bench-chat: connect: %s", g_strerror (errno));
  write_all (client->fd, request, strlen (request));
  fcntl (client->fd, F_SETFL, fcntl (client->fd, F_GETFL) | O_NONBLOCK);
  client->in = g_byte_array_new ();
  if (epoll_ctl (bench->epoll_fd, EPOLL_CTL_ADD, client->fd, &event) != 0)
    g_error ("bench-chat: epoll_ctl: %s", g_strerror (errno));
}

static void
poll_until (Bench *bench, guint *counter, guint target, guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (*counter < target && g_get_monotonic_time () < deadline)
    poll_clients (bench, 100);
  if (*counter < target)
    g_error ("only %u of %u after %u s", *counter, target, timeout_s);
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

          send_text (&senders[sent % n_senders], text);
        }
      poll_clients (bench, 1);
    }
  out->expected = (guint64) total * n_clients;
  seen = bench->deliveries;
  stalled_since = g_get_monotonic_time ();
  while (bench->deliveries < out->expected &&
         g_get_monotonic_time () - stalled_since < 10 * G_USEC_PER_SEC)
    {
      poll_clients (bench, 100);
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
  guint16 port;

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

  {
    g_autoptr (GUri) uri =
      g_uri_parse (cascade_test_server_get_url (server), G_URI_FLAGS_NONE, NULL);

    port = (guint16) g_uri_get_port (uri);
  }
  bench.epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  bench.channel = streamer_name;
  bench.level = -1;
  bench.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.n_clients = n_clients + n_senders;
  bench.clients = g_new0 (Client, bench.n_clients);
  connect_start = g_get_monotonic_time ();
  for (int c = 0; c < n_clients; c++)
    connect_client (&bench, port, viewer, c);
  for (int s = 0; s < n_senders; s++)
    {
      bench.clients[n_clients + s].sender = TRUE;
      connect_client (&bench, port, g_ptr_array_index (sender_tokens, s), n_clients + s);
    }
  poll_until (&bench, &bench.n_open, bench.n_clients, 600);
  connected_us = g_get_monotonic_time () - connect_start;
  poll_until (&bench, &bench.n_joined, bench.n_clients, 600);
  g_print ("cascaded: %d clients and %d senders connected in %.2f s, in the room in %.2f s\n",
           n_clients, n_senders, connected_us / (double) G_USEC_PER_SEC,
           (g_get_monotonic_time () - connect_start) / (double) G_USEC_PER_SEC);

  client_cpu = cascade_bench_process_cpu_seconds (0);
  for (guint i = 0; i < n_levels; i++)
    run_level (&bench, server, bench.clients + n_clients, (int) i, &levels[i]);
  g_print ("cascaded client_cpu_s=%.2f (all levels)\n",
           cascade_bench_process_cpu_seconds (0) - client_cpu);

  for (guint c = 0; c < bench.n_clients; c++)
    {
      close (bench.clients[c].fd);
      g_byte_array_unref (bench.clients[c].in);
    }
  close (bench.epoll_fd);
  g_free (bench.clients);
  g_array_unref (bench.latencies_us);
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

  g_print ("chat fan-out: %d clients in one room, %d senders, %d s per offered load; "
           "server on CPU 0, clients on CPU 1\n",
           n_clients, n_senders, seconds);
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
  {
    const Level *our_most = most_level (ours, n_levels);
    const Level *their_most = most_level (theirs, n_theirs);

    if (our_most != NULL)
      g_print ("cascaded most: rate=%d deliveries_per_s=%.0f (all delivered, any latency)\n",
               our_most->rate, our_most->per_second);
    if (their_most != NULL)
      g_print ("socketio most: rate=%d deliveries_per_s=%.0f (all delivered, any latency)\n",
               their_most->rate, their_most->per_second);
    if (our_most != NULL && their_most != NULL)
      g_print ("ratio cascaded/socketio most_deliveries_per_s=%.2f\n",
               our_most->per_second / their_most->per_second);
  }
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
