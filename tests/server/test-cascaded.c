/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server-test-util.h"

/* The cascaded process: its command line, its files, restarts and signals. */

typedef struct
{
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Runs cascaded to completion (for commands that must exit by themselves). */
static void
run_cascaded (const char *const *args, Run *run)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  int wait_status;

  g_ptr_array_add (argv, (char *) g_getenv ("CASCADED"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &run->out,
                &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
}

static void
test_version (void)
{
  const char *args[] = { "--version", NULL };
  g_auto (Run) run = { 0 };

  run_cascaded (args, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.out, ==, "cascaded " PACKAGE_VERSION "\n");
}

static void
test_help (void)
{
  const char *args[] = { "--help", NULL };
  g_auto (Run) run = { 0 };

  run_cascaded (args, &run);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "--listen"));
  g_assert_nonnull (strstr (run.out, "--data-dir"));
  g_assert_nonnull (strstr (run.out, "--config"));
  g_assert_nonnull (strstr (run.out, "--version"));
}

static void
test_bad_command_line (void)
{
  const char *unknown[] = { "--frobnicate", NULL };
  const char *extra[] = { "serve", NULL };
  const char *listen[] = { "--listen", "localhost", NULL };
  const char *const *cases[] = { unknown, extra, listen };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (Run) run = { 0 };

      run_cascaded (cases[i], &run);
      g_assert_cmpint (run.status, !=, 0);
      g_assert_cmpstr (run.out, ==, "");
      g_assert_true (g_str_has_prefix (run.err, "cascaded: "));
    }
}

/* Refusing to start: a non-zero exit, a message on stderr naming the
 * problem, and no "listening" line. */
static void
assert_refuses_to_start (const char *data_dir, const char *const *extra, const char *expected)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_auto (Run) run = { 0 };

  g_ptr_array_add (args, (char *) "--listen");
  g_ptr_array_add (args, (char *) "127.0.0.1:0");
  g_ptr_array_add (args, (char *) "--data-dir");
  g_ptr_array_add (args, (char *) data_dir);
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (args, (char *) extra[i]);
  g_ptr_array_add (args, NULL);

  run_cascaded ((const char *const *) args->pdata, &run);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpstr (run.out, ==, "");
  if (strstr (run.err, expected) == NULL)
    g_error ("expected “%s” in: %s", expected, run.err);
}

/* A social login provider, [identity] or trusted-proxies that cannot work
 * stops the server at start, saying why. */
static void
test_bad_identity_config (void)
{
  static const struct
  {
    const char *config;
    const char *expected;
  } cases[] = {
    { "[oidc.google]\nclient-id=x\n", "client-id and client-secret are required" },
    { "[oidc.corp]\nclient-id=x\nclient-secret=y\n", "issuer must be" },
    { "[oidc.corp]\nissuer=http://id.example.com\nclient-id=x\nclient-secret=y\n",
      "issuer must be" },
    { "[oidc.corp]\nissuer=https://id.example.com\ntoken-endpoint=https://id.example.com/t\n"
      "client-id=x\nclient-secret=y\n",
      "go together" },
    { "[oidc.Corp!]\nissuer=https://id.example.com\nclient-id=x\nclient-secret=y\n",
      "the id after" },
    { "[oidc.google]\nclient-id=x\nclient-secret=y\nclient-sekret=z\n", "unknown key" },
    { "[identity]\nadmins=alice@example.com;not an address\n", "not an email address" },
    { "[identity]\nadmin=alice@example.com\n", "unknown key" },
    { "[server]\ntrusted-proxies=10.0.0.0/8;proxy.example.com\n", "trusted-proxies" },
    { "[server]\npublic-url=ftp://example.com\n", "public-url" },
  };
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  const char *args[] = { "--config", path, NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("config: %s", cases[i].config);
      g_file_set_contents (path, cases[i].config, -1, &error);
      g_assert_no_error (error);
      assert_refuses_to_start (dir, args, cases[i].expected);
    }
  cascade_test_rm_rf (dir);
}

static void
test_corrupt_database (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *db = g_build_filename (dir, "cascade.db", NULL);
  g_autofree char *garbage = g_strnfill (10000, '#');
  g_autoptr (GError) error = NULL;

  g_file_set_contents (db, garbage, -1, &error);
  g_assert_no_error (error);
  assert_refuses_to_start (dir, NULL, db);
  cascade_test_rm_rf (dir);
}

static void
test_bad_config (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  const char *args[] = { "--config", path, NULL };
  const char *missing[] = { "--config", "/nonexistent/cascaded.conf", NULL };
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, "[server]\nmax-body-byte=10\n", -1, &error);
  g_assert_no_error (error);
  assert_refuses_to_start (dir, args, "max-body-byte");
  assert_refuses_to_start (dir, missing, "/nonexistent/cascaded.conf");
  cascade_test_rm_rf (dir);
}

/* The command line wins over the config file. */
/* Clients that connect at once (a room of viewers after a restart) are all
 * queued and answered: the listening socket has the configured backlog, not
 * GLib's 10 (which reset or delayed by SYN retransmissions). */
static void
test_connection_burst (void)
{
  enum
  {
    N_CLIENTS = 300
  };
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  const char *args[] = { "--config", path, NULL };
  g_autoptr (CascadeTestServer) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autofree char *filter = NULL;
  g_autofree char *listing = NULL;
  g_auto (GStrv) columns = NULL;
  int status = 0;
  int fds[N_CLIENTS];
  struct sockaddr_in address = { .sin_family = AF_INET };

  g_file_set_contents (path, "[server]\nlisten-backlog=400\n", -1, &error);
  g_assert_no_error (error);
  server = cascade_test_server_new (args);
  uri = g_uri_parse (cascade_test_server_get_url (server), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);

  /* ss shows a listening socket's backlog as its Send-Q. */
  filter = g_strdup_printf ("ss -Hltn sport = :%d", g_uri_get_port (uri));
  g_spawn_command_line_sync (filter, &listing, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  columns = g_regex_split_simple ("\\s+", g_strstrip (listing), 0, 0);
  g_assert_cmpuint (g_strv_length (columns), >=, 3);
  g_assert_cmpstr (columns[2], ==, "400");

  /* All at once: connected before the server accepts any. */
  address.sin_port = htons ((guint16) g_uri_get_port (uri));
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  for (int i = 0; i < N_CLIENTS; i++)
    {
      static const char request[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                    "Connection: close\r\n\r\n";
      struct timeval timeout = { 60, 0 };

      fds[i] = socket (AF_INET, SOCK_STREAM, 0);
      g_assert_cmpint (fds[i], >=, 0);
      setsockopt (fds[i], SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      g_assert_cmpint (connect (fds[i], (struct sockaddr *) &address, sizeof address), ==, 0);
      g_assert_cmpint (send (fds[i], request, sizeof request - 1, MSG_NOSIGNAL), ==,
                       sizeof request - 1);
    }
  for (int i = 0; i < N_CLIENTS; i++)
    {
      char answer[13] = { 0 };
      gsize got = 0;

      while (got < sizeof answer - 1)
        {
          ssize_t n = recv (fds[i], answer + got, sizeof answer - 1 - got, 0);

          if (n <= 0)
            g_error ("client %d of %d: %s", i, N_CLIENTS,
                     n == 0 ? "closed without an answer" : g_strerror (errno));
          got += (gsize) n;
        }
      g_assert_cmpstr (answer, ==, "HTTP/1.1 200");
      close (fds[i]);
    }
  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  cascade_test_rm_rf (dir);
}

static void
test_command_line_wins (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "cascaded.conf", NULL);
  g_autofree char *elsewhere = g_build_filename (dir, "not-used", NULL);
  g_autofree char *contents =
    g_strdup_printf ("[server]\nlisten=203.0.113.1:1\ndata-dir=%s\n", elsewhere);
  const char *args[] = { "--config", path, NULL };
  g_autoptr (CascadeTestServer) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *db = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  server = cascade_test_server_new (args);
  g_assert_true (g_str_has_prefix (cascade_test_server_get_url (server), "http://127.0.0.1:"));
  db = g_build_filename (cascade_test_server_get_data_dir (server), "cascade.db", NULL);
  g_assert_true (g_file_test (db, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (elsewhere, G_FILE_TEST_EXISTS));
  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  cascade_test_rm_rf (dir);
}

static void
test_files (void)
{
  g_autoptr (CascadeTestServer) server = cascade_test_server_new (NULL);
  const char *dir = cascade_test_server_get_data_dir (server);
  g_autofree char *key = g_build_filename (dir, "jwt-ed25519.key", NULL);
  g_autofree char *db = g_build_filename (dir, "cascade.db", NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, ==, 64);
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
}

/* A data dir that does not exist yet is made private. */
static void
test_new_data_dir (void)
{
  g_autofree char *parent = cascade_test_make_tmp_dir ();
  g_autofree char *dir = g_build_filename (parent, "a", "b", NULL);
  g_autoptr (CascadeTestServer) server = cascade_test_server_new_in_dir (dir, NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  cascade_test_rm_rf (parent);
}

static void
test_key_file_private (void)
{
  g_autoptr (CascadeTestServer) server = cascade_test_server_new (NULL);
  g_autofree char *dir = g_strdup (cascade_test_server_get_data_dir (server));
  g_autofree char *key = g_build_filename (dir, "jwt-ed25519.key", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  g_assert_cmpint (g_chmod (key, 0644), ==, 0);
  assert_refuses_to_start (dir, NULL, "chmod 600");

  /* A damaged key is refused too, rather than silently replaced. */
  g_assert_cmpint (g_chmod (key, 0600), ==, 0);
  g_file_get_contents (key, &contents, NULL, &error);
  g_assert_no_error (error);
  contents[40] ^= 0x55;
  g_file_set_contents (key, contents, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (key, 0600), ==, 0);
  assert_refuses_to_start (dir, NULL, "damaged");
}

static char *
jwks_text (CascadeTestServer *server)
{
  g_autoptr (JsonNode) jwks = NULL;

  g_assert_cmpuint (
    cascade_test_server_request (server, "GET", "/.well-known/jwks.json", NULL, NULL, &jwks), ==,
    SOUP_STATUS_OK);
  return json_to_string (jwks, FALSE);
}

/* A restart on the same data dir keeps the accounts, the sessions and the
 * signing key: the tokens handed out before still work. */
static void
test_restart (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autoptr (CascadeTestServer) first = cascade_test_server_new_in_dir (dir, NULL);
  g_autoptr (CascadeTestServer) second = NULL;
  g_autoptr (JsonNode) session = test_register (first, "rita@example.com", "rita", TEST_PASSWORD);
  g_autofree char *jwks_before = jwks_text (first);
  g_autofree char *jwks_after = NULL;
  g_autoptr (JsonNode) me = NULL;
  g_autoptr (JsonNode) login = NULL;
  g_autoptr (JsonNode) refreshed = NULL;
  g_autofree char *refresh_body =
    g_strdup_printf ("{\"refresh_token\": \"%s\"}", test_string (session, "refresh_token"));

  g_assert_cmpint (cascade_test_server_stop (first), ==, 0);
  second = cascade_test_server_new_in_dir (dir, NULL);
  jwks_after = jwks_text (second);
  g_assert_cmpstr (jwks_after, ==, jwks_before);

  g_assert_cmpuint (cascade_test_server_request (second, "GET", "/api/v1/me",
                                                 test_string (session, "access_token"), NULL, &me),
                    ==, SOUP_STATUS_OK);
  g_assert_cmpstr (test_string (me, "username"), ==, "rita");
  g_assert_cmpuint (cascade_test_server_request (
                      second, "POST", "/api/v1/auth/login", NULL,
                      "{\"login\": \"rita\", \"password\": \"" TEST_PASSWORD "\"}", &login),
                    ==, SOUP_STATUS_OK);
  g_assert_cmpuint (cascade_test_server_request (second, "POST", "/api/v1/auth/refresh", NULL,
                                                 refresh_body, &refreshed),
                    ==, SOUP_STATUS_OK);
  g_assert_cmpint (cascade_test_server_stop (second), ==, 0);
  cascade_test_rm_rf (dir);
}

/* Starts cascaded with @args (ending with NULL) and waits for its ready
 * line; returns the process and, in @url, where it listens. */
static GSubprocess *
spawn_cascaded (const char *const *args, GSubprocessFlags flags, GDataInputStream **out, char **url)
{
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (flags | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *ready = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, (char *) g_getenv ("CASCADED"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  /* GLib's per-test isolated dirs are not in the environment: pass them on. */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  *out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  ready = g_data_input_stream_read_line_utf8 (*out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ready);
  g_assert_true (g_str_has_prefix (ready, "cascaded: listening on http://127.0.0.1:"));
  *url = g_strdup (ready + strlen ("cascaded: listening on "));
  return process;
}

static guint
get_status (SoupSession *session, const char *url, const char *path)
{
  g_autofree char *uri = g_strconcat (url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  return soup_message_get_status (msg);
}

/* SIGTERM and SIGINT stop the server cleanly (exit status 0), and then
 * nothing listens any more. */
static void
test_signals (void)
{
  int signals[] = { SIGTERM, SIGINT };

  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      g_autofree char *dir = cascade_test_make_tmp_dir ();
      const char *args[] = { "--listen", "127.0.0.1:0", "--data-dir", dir, NULL };
      g_autoptr (GDataInputStream) out = NULL;
      g_autofree char *url = NULL;
      g_autoptr (GSubprocess) process = spawn_cascaded (args, 0, &out, &url);
      g_autoptr (SoupSession) session = soup_session_new ();
      g_autoptr (GSocketClient) client = g_socket_client_new ();
      g_autoptr (GSocketConnection) connection = NULL;
      g_autoptr (GError) error = NULL;

      g_assert_cmpuint (get_status (session, url, "/healthz"), ==, SOUP_STATUS_OK);
      g_subprocess_send_signal (process, signals[i]);
      g_subprocess_wait (process, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

      connection = g_socket_client_connect_to_uri (client, url, 0, NULL, &error);
      g_assert_null (connection);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
      cascade_test_rm_rf (dir);
    }
}

typedef struct
{
  const char *url;
  int index;
  guint status;
} InFlight;

static gpointer
register_thread (gpointer data)
{
  InFlight *call = data;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *uri = g_strconcat (call->url, "/api/v1/auth/register", NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("POST", uri);
  g_autofree char *json = g_strdup_printf ("{\"email\": \"late%d@example.com\", \"username\": "
                                           "\"late%d\", \"password\": \"" TEST_PASSWORD "\"}",
                                           call->index, call->index);
  g_autoptr (GBytes) body = g_bytes_new (json, strlen (json));
  g_autoptr (GBytes) response = NULL;
  g_autoptr (GError) error = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  call->status = soup_message_get_status (msg);
  return NULL;
}

/* SIGTERM while sign-ups are being handled (each hashes a password for a
 * while): every request that reached the server before the signal is
 * answered 201 and committed before the server exits, cleanly; one that
 * arrives after it is refused with 503 and leaves nothing behind. On a busy
 * machine a request may still be on its way when the signal lands, so the
 * test tells the two apart by their answers, and needs at least one of each
 * kind it saw to behave. */
static void
test_finish_in_flight (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  g_autoptr (CascadeTestServer) server = cascade_test_server_new_in_dir (dir, NULL);
  g_autoptr (CascadeTestServer) again = NULL;
  InFlight calls[6];
  GThread *threads[G_N_ELEMENTS (calls)];
  guint created = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      calls[i] = (InFlight){ cascade_test_server_get_url (server), (int) i, 0 };
      threads[i] = g_thread_new ("register", register_thread, &calls[i]);
    }
  g_usleep (300 * 1000);
  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (calls[i].status == SOUP_STATUS_CREATED ||
                     calls[i].status == SOUP_STATUS_SERVICE_UNAVAILABLE);
      created += calls[i].status == SOUP_STATUS_CREATED;
    }
  g_assert_cmpuint (created, >, 0);

  again = cascade_test_server_new_in_dir (dir, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autoptr (JsonNode) response = NULL;
      g_autofree char *body = g_strdup_printf ("{\"login\": \"late%" G_GSIZE_FORMAT "\", "
                                               "\"password\": \"" TEST_PASSWORD "\"}",
                                               i);

      g_assert_cmpuint (
        cascade_test_server_request (again, "POST", "/api/v1/auth/login", NULL, body, &response),
        ==, calls[i].status == SOUP_STATUS_CREATED ? SOUP_STATUS_OK : SOUP_STATUS_UNAUTHORIZED);
    }
  g_assert_cmpint (cascade_test_server_stop (again), ==, 0);
  cascade_test_rm_rf (dir);
}

/* Registering wrote a user.registered event to the outbox, in the same
 * database, and the dispatcher marked it delivered; the mail token of the
 * identity.email_token event is gone from the delivered payload. */
static void
test_outbox (void)
{
  g_autoptr (CascadeTestServer) server = cascade_test_server_new (NULL);
  g_autoptr (JsonNode) session = test_register (server, "otto@example.com", "otto", TEST_PASSWORD);
  const char *user_id = test_string (json_object_get_member (test_object (session), "user"), "id");
  g_autofree char *db_path =
    g_build_filename (cascade_test_server_get_data_dir (server), "cascade.db", NULL);
  g_autoptr (JsonNode) payload = NULL;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (cascade_test_server_stop (server), ==, 0);
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT topic, payload, created_at, delivered_at "
                                       "FROM outbox WHERE topic = 'user.registered' ORDER BY id",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "user.registered");
  payload = test_parse ((const char *) sqlite3_column_text (stmt, 1));
  g_assert_cmpstr (test_string (payload, "user_id"), ==, user_id);
  g_assert_cmpstr (test_string (payload, "username"), ==, "otto");
  g_assert_cmpint (sqlite3_column_int64 (stmt, 2), >, 0);
  g_assert_cmpint (sqlite3_column_type (stmt, 3), ==, SQLITE_INTEGER);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);

  /* The verification mail's event was delivered (the mail is written) and
   * no longer holds its code. */
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT payload, delivered_at FROM outbox "
                                       "WHERE topic = 'identity.email_token' ORDER BY id",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_clear_pointer (&payload, json_node_unref);
  payload = test_parse ((const char *) sqlite3_column_text (stmt, 0));
  g_assert_cmpstr (test_string (payload, "purpose"), ==, "verify_email");
  g_assert_cmpstr (test_string (payload, "user_id"), ==, user_id);
  g_assert_false (json_object_has_member (test_object (payload), "token"));
  g_assert_cmpint (sqlite3_column_type (stmt, 1), ==, SQLITE_INTEGER);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* One line per request on stderr, with method, path, status, duration and
 * sizes, and never a query string or a password. Only the ready line on
 * stdout. */
static void
test_request_log (void)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  const char *args[] = { "--listen", "127.0.0.1:0", "--data-dir", dir, NULL };
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GSubprocess) process =
    spawn_cascaded (args, G_SUBPROCESS_FLAGS_STDERR_PIPE, &out, &url);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out_rest = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpuint (get_status (session, url, "/healthz?password=hunter2&token=s3cr3t"), ==,
                    SOUP_STATUS_OK);
  {
    g_autofree char *uri = g_strconcat (url, "/api/v1/auth/register", NULL);
    g_autoptr (SoupMessage) msg = soup_message_new ("POST", uri);
    const char *json = "{\"email\": \"log@example.com\", \"username\": \"logger\", "
                       "\"password\": \"sw0rdfish-sw0rdfish\"}";
    g_autoptr (GBytes) request = g_bytes_new_static (json, strlen (json));
    g_autoptr (GBytes) body = NULL;

    soup_message_set_request_body_from_bytes (msg, "application/json", request);
    body = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_CREATED);
  }

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  out_rest = g_data_input_stream_read_upto (out, "", 0, NULL, NULL, NULL);
  g_assert_true (out_rest == NULL || out_rest[0] == '\0');

  g_assert_nonnull (strstr (err, "method=GET path=/healthz status=200 duration_ms="));
  g_assert_nonnull (strstr (err, "method=POST path=/api/v1/auth/register status=201 duration_ms="));
  g_assert_nonnull (strstr (err, "bytes_in="));
  g_assert_nonnull (strstr (err, "bytes_out="));
  g_assert_null (strstr (err, "hunter2"));
  g_assert_null (strstr (err, "s3cr3t"));
  g_assert_null (strstr (err, "sw0rdfish"));
  cascade_test_rm_rf (dir);
}

/* Without --data-dir, the data lives in $XDG_DATA_HOME/cascaded. */
static void
test_default_data_dir (void)
{
  g_autofree char *expected =
    g_build_filename (g_get_user_data_dir (), "cascaded", "cascade.db", NULL);
  const char *args[] = { "--listen", "127.0.0.1:0", NULL };
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (g_file_test (expected, G_FILE_TEST_EXISTS));
  process = spawn_cascaded (args, 0, &out, &url);
  g_assert_true (g_file_test (expected, G_FILE_TEST_EXISTS));
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/cascade/server/cascaded/version", test_version);
  g_test_add_func ("/cascade/server/cascaded/help", test_help);
  g_test_add_func ("/cascade/server/cascaded/bad-command-line", test_bad_command_line);
  g_test_add_func ("/cascade/server/cascaded/corrupt-database", test_corrupt_database);
  g_test_add_func ("/cascade/server/cascaded/bad-config", test_bad_config);
  g_test_add_func ("/cascade/server/cascaded/command-line-wins", test_command_line_wins);
  g_test_add_func ("/cascade/server/cascaded/connection-burst", test_connection_burst);
  g_test_add_func ("/cascade/server/cascaded/files", test_files);
  g_test_add_func ("/cascade/server/cascaded/new-data-dir", test_new_data_dir);
  g_test_add_func ("/cascade/server/cascaded/key-file-private", test_key_file_private);
  g_test_add_func ("/cascade/server/cascaded/restart", test_restart);
  g_test_add_func ("/cascade/server/cascaded/signals", test_signals);
  g_test_add_func ("/cascade/server/cascaded/finish-in-flight", test_finish_in_flight);
  g_test_add_func ("/cascade/server/cascaded/outbox", test_outbox);
  g_test_add_func ("/cascade/server/cascaded/bad-identity-config", test_bad_identity_config);
  g_test_add_func ("/cascade/server/cascaded/request-log", test_request_log);
  g_test_add_func ("/cascade/server/cascaded/default-data-dir", test_default_data_dir);

  return g_test_run ();
}
