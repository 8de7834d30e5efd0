/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

/*
 * How fast the front door is: a real cascaded on loopback, and the latency
 * (p50/p95/p99) and throughput of register, login, refresh and /me, one
 * client at a time and with several at once. Prints numbers; asserts nothing
 * beyond the answers being right.
 *
 *   meson test -C _build --benchmark --suite bench --verbose
 *   CASCADED=_build/server/cascaded _build/bench/bench-auth [--clients N] [--requests N]
 */

#include "bench-common.h"
#include "cascade-test-server.h"

#include <stdio.h>

static int n_clients = 4;
static int n_requests = 400;
static int n_round = 0;

typedef struct
{
  CascadeTestServer *server;
  const char *what;
  int index;
  int count;
  char *access_token;
  char *refresh_token;
  GArray *latencies_us;
} Worker;

static char *
auth_body (const char *what, int worker, int i, const char *refresh)
{
  if (g_str_equal (what, "register"))
    return g_strdup_printf ("{\"email\":\"b%d_%d_%d@bench.invalid\",\"username\":\"b%d_%d_%d\","
                            "\"password\":\"correct horse battery\"}",
                            worker, i, n_round, worker, i, n_round);
  if (g_str_equal (what, "login"))
    return g_strdup_printf ("{\"login\":\"b%d_0_0\",\"password\":\"correct horse battery\"}",
                            worker);
  if (g_str_equal (what, "refresh"))
    return g_strdup_printf ("{\"refresh_token\":\"%s\"}", refresh);
  return NULL;
}

static gpointer
run_worker (gpointer data)
{
  Worker *w = data;

  for (int i = 0; i < w->count; i++)
    {
      g_autoptr (JsonNode) json = NULL;
      g_autofree char *body = auth_body (w->what, w->index, i + 1, w->refresh_token);
      gboolean me = g_str_equal (w->what, "me");
      g_autofree char *path = g_strconcat ("/api/v1/auth/", w->what, NULL);
      gint64 start = g_get_monotonic_time ();
      guint status =
        cascade_test_server_request (w->server, me ? "GET" : "POST", me ? "/api/v1/me" : path,
                                     me ? w->access_token : NULL, body, &json);
      gint64 took = g_get_monotonic_time () - start;

      if (status != 200 && status != 201)
        g_error ("%s answered %u", w->what, status);
      g_array_append_val (w->latencies_us, took);
      if (g_str_equal (w->what, "refresh"))
        {
          JsonObject *o = json_node_get_object (json);
          g_free (w->refresh_token);
          w->refresh_token = g_strdup (json_object_get_string_member (o, "refresh_token"));
        }
    }
  return NULL;
}

static void
measure (CascadeTestServer *server, Worker *workers, int clients, const char *what, int per_client)
{
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  gint64 start = g_get_monotonic_time ();
  double seconds;

  n_round++;
  for (int c = 0; c < clients; c++)
    {
      workers[c].what = what;
      workers[c].count = per_client;
      g_array_set_size (workers[c].latencies_us, 0);
      g_ptr_array_add (threads, g_thread_new (what, run_worker, &workers[c]));
    }
  for (guint c = 0; c < threads->len; c++)
    g_thread_join (threads->pdata[c]);
  seconds = (g_get_monotonic_time () - start) / 1e6;

  for (int c = 0; c < clients; c++)
    g_array_append_vals (all, workers[c].latencies_us->data, workers[c].latencies_us->len);
  printf ("%-9s clients=%-2d n=%-5u p50=%7.2f ms  p95=%7.2f ms  p99=%7.2f ms  %8.1f req/s\n", what,
          clients, all->len, cascade_bench_percentile_ms (all, 50),
          cascade_bench_percentile_ms (all, 95), cascade_bench_percentile_ms (all, 99),
          all->len / seconds);
  fflush (stdout);
}

static void
sign_in_workers (CascadeTestServer *server, Worker *workers, int clients)
{
  for (int c = 0; c < clients; c++)
    {
      g_autoptr (JsonNode) json = NULL;
      g_autofree char *body = auth_body ("login", c, 0, NULL);
      JsonObject *o;

      if (cascade_test_server_request (server, "POST", "/api/v1/auth/login", NULL, body, &json) !=
          200)
        g_error ("login failed");
      o = json_node_get_object (json);
      g_free (workers[c].access_token);
      g_free (workers[c].refresh_token);
      workers[c].access_token = g_strdup (json_object_get_string_member (o, "access_token"));
      workers[c].refresh_token = g_strdup (json_object_get_string_member (o, "refresh_token"));
    }
}

int
main (int argc, char *argv[])
{
  g_autoptr (GOptionContext) context =
    g_option_context_new ("- benchmark cascaded's auth endpoints");
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeTestServer) server = NULL;
  g_autofree char *config_dir = NULL;
  g_autofree char *config_path = NULL;
  const char *server_args[] = { "--config", NULL, NULL };
  GOptionEntry entries[] = {
    { "clients", 'c', 0, G_OPTION_ARG_INT, &n_clients, "Concurrent clients (default 4)", "N" },
    { "requests", 'n', 0, G_OPTION_ARG_INT, &n_requests, "Requests of /me per client", "N" },
    { NULL },
  };
  Worker *workers;
  int status;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  n_clients = CLAMP (n_clients, 1, 64);

  /* The sign-in protection would rightly throttle a benchmark: lift it. */
  config_dir = cascade_test_make_tmp_dir ();
  config_path = g_build_filename (config_dir, "cascaded.conf", NULL);
  if (!g_file_set_contents (config_path,
                            "[limits]\naddress-burst=1000000\naddress-per-minute=1000000\n"
                            "account-burst=1000000\naccount-per-minute=1000000\n",
                            -1, &error))
    g_error ("%s", error->message);
  server_args[1] = config_path;
  server = cascade_test_server_new (server_args);
  printf ("cascaded at %s, %d clients, %u cores\n", cascade_test_server_get_url (server), n_clients,
          g_get_num_processors ());

  workers = g_new0 (Worker, n_clients);
  for (int c = 0; c < n_clients; c++)
    {
      workers[c].server = server;
      workers[c].index = c;
      workers[c].latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
    }

  /* Register b<c>_0 first: the accounts the other rounds sign in to. */
  for (int c = 0; c < n_clients; c++)
    {
      g_autofree char *body = auth_body ("register", c, 0, NULL);
      if (cascade_test_server_request (server, "POST", "/api/v1/auth/register", NULL, body, NULL) !=
          201)
        g_error ("register failed");
    }

  measure (server, workers, 1, "register", 10);
  measure (server, workers, n_clients, "register", 10);
  measure (server, workers, 1, "login", 10);
  measure (server, workers, n_clients, "login", 10);
  sign_in_workers (server, workers, n_clients);
  measure (server, workers, 1, "refresh", 100);
  measure (server, workers, n_clients, "refresh", 100);
  measure (server, workers, 1, "me", n_requests);
  measure (server, workers, n_clients, "me", n_requests);

  for (int c = 0; c < n_clients; c++)
    {
      g_array_unref (workers[c].latencies_us);
      g_free (workers[c].access_token);
      g_free (workers[c].refresh_token);
    }
  g_free (workers);
  status = cascade_test_server_stop (server) == 0 ? 0 : 1;
  cascade_test_rm_rf (config_dir);
  return status;
}
