/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-test-server.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define LISTENING_PREFIX "cascaded: listening on "

struct _CascadeTestServer
{
  GSubprocess *process;
  GThread *drain_thread;
  SoupSession *session;
  char *url;
  char *data_dir;
  gboolean owns_data_dir;
  gboolean exited;
  int exit_status;
};

char *
cascade_test_make_tmp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("cascade-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
cascade_test_rm_rf (const char *path)
{
  g_autoptr (GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          cascade_test_rm_rf (child);
        }
    }
  g_remove (path);
}

/* A test that aborts must not leave its server behind: it would keep the
 * test's output open and hang the runner. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Whatever the server prints after its ready line goes to our stderr, so the
 * pipe never fills up and blocks it. */
static gpointer
drain_stdout (gpointer data)
{
  GDataInputStream *in = data;
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL)) != NULL)
    {
      g_printerr ("cascaded stdout: %s\n", line);
      g_free (line);
    }
  g_object_unref (in);
  return NULL;
}

/* @log_path: (nullable): where the server's log (its stderr) goes; ours if %NULL */
static CascadeTestServer *
start_server (const char *data_dir, const char *const *extra_args, const char *log_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  CascadeTestServer *self;
  const char *cascaded = g_getenv ("CASCADED");
  char *line;

  if (cascaded == NULL || !g_file_test (cascaded, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("$CASCADED does not name the cascaded binary (run the tests with meson test)");

  self = g_new0 (CascadeTestServer, 1);
  self->data_dir = g_strdup (data_dir);

  g_ptr_array_add (argv, (char *) cascaded);
  g_ptr_array_add (argv, (char *) "--listen");
  g_ptr_array_add (argv, (char *) "127.0.0.1:0");
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  if (log_path != NULL)
    g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  self->process =
    g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);

  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error)) != NULL)
    {
      if (g_str_has_prefix (line, LISTENING_PREFIX))
        {
          self->url = g_strdup (line + strlen (LISTENING_PREFIX));
          g_free (line);
          break;
        }
      g_printerr ("cascaded stdout: %s\n", line);
      g_free (line);
    }
  g_assert_no_error (error);
  if (self->url == NULL)
    g_error ("cascaded exited before it listened (see its log %s)",
             log_path != NULL ? log_path : "above");

  self->drain_thread = g_thread_new ("cascaded-stdout", drain_stdout, g_steal_pointer (&in));
  self->session = soup_session_new_with_options ("timeout", 30, NULL);
  return self;
}

CascadeTestServer *
cascade_test_server_new_in_dir (const char *data_dir, const char *const *extra_args)
{
  return start_server (data_dir, extra_args, NULL);
}

/* A server with a fresh data dir whose log goes to @log_path, not to our
 * stderr (benchmarks print numbers; a thousand connections' log lines are
 * not among them). */
CascadeTestServer *
cascade_test_server_new_logged (const char *const *extra_args, const char *log_path)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  CascadeTestServer *self = start_server (dir, extra_args, log_path);

  self->owns_data_dir = TRUE;
  return self;
}

CascadeTestServer *
cascade_test_server_new (const char *const *extra_args)
{
  g_autofree char *dir = cascade_test_make_tmp_dir ();
  CascadeTestServer *self = cascade_test_server_new_in_dir (dir, extra_args);

  self->owns_data_dir = TRUE;
  return self;
}

const char *
cascade_test_server_get_url (CascadeTestServer *self)
{
  return self->url;
}

const char *
cascade_test_server_get_data_dir (CascadeTestServer *self)
{
  return self->data_dir;
}

GPid
cascade_test_server_get_pid (CascadeTestServer *self)
{
  const char *id = g_subprocess_get_identifier (self->process);

  return id != NULL ? (GPid) g_ascii_strtoll (id, NULL, 10) : 0;
}

static void
wait_for_exit (CascadeTestServer *self)
{
  g_autoptr (GError) error = NULL;

  if (self->exited)
    return;
  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
  self->exited = TRUE;
  if (g_subprocess_get_if_exited (self->process))
    self->exit_status = g_subprocess_get_exit_status (self->process);
  else
    self->exit_status = 128 + g_subprocess_get_term_sig (self->process);
  g_clear_pointer (&self->drain_thread, g_thread_join);
}

/* SIGTERM, as a service manager would; returns the exit status (0 is clean). */
int
cascade_test_server_stop (CascadeTestServer *self)
{
  if (!self->exited)
    g_subprocess_send_signal (self->process, SIGTERM);
  wait_for_exit (self);
  return self->exit_status;
}

void
cascade_test_server_kill (CascadeTestServer *self)
{
  if (!self->exited)
    g_subprocess_force_exit (self->process);
  wait_for_exit (self);
}

void
cascade_test_server_free (CascadeTestServer *self)
{
  if (self == NULL)
    return;
  cascade_test_server_stop (self);
  if (self->owns_data_dir)
    cascade_test_rm_rf (self->data_dir);
  g_clear_object (&self->session);
  g_clear_object (&self->process);
  g_free (self->url);
  g_free (self->data_dir);
  g_free (self);
}

guint
cascade_test_server_request_full (CascadeTestServer *self,
                                  const char *method,
                                  const char *path,
                                  const char *const *headers,
                                  const char *content_type,
                                  GBytes *body,
                                  SoupMessageHeaders **out_headers,
                                  GBytes **out_body)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) response = NULL;
  g_autofree char *uri = g_strconcat (self->url, path, NULL);

  msg = soup_message_new (method, uri);
  g_assert_nonnull (msg);
  for (guint i = 0; headers != NULL && headers[i] != NULL && headers[i + 1] != NULL; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i],
                                  headers[i + 1]);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  response = soup_session_send_and_read (self->session, msg, NULL, &error);
  g_assert_no_error (error);

  if (out_headers != NULL)
    *out_headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (out_body != NULL)
    *out_body = g_steal_pointer (&response);
  return soup_message_get_status (msg);
}

guint
cascade_test_server_request (CascadeTestServer *self,
                             const char *method,
                             const char *path,
                             const char *bearer,
                             const char *json_body,
                             JsonNode **out_json)
{
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) response = NULL;
  g_autofree char *auth = NULL;
  const char *headers[3] = { NULL, NULL, NULL };
  gsize len = 0;
  const char *data;
  guint status;

  if (bearer != NULL)
    {
      auth = g_strconcat ("Bearer ", bearer, NULL);
      headers[0] = "Authorization";
      headers[1] = auth;
    }
  if (json_body != NULL)
    body = g_bytes_new (json_body, strlen (json_body));

  status = cascade_test_server_request_full (self, method, path, headers, "application/json", body,
                                             NULL, &response);
  if (out_json != NULL)
    {
      *out_json = NULL;
      data = g_bytes_get_data (response, &len);
      if (len > 0)
        {
          g_autoptr (GError) error = NULL;
          g_autofree char *text = g_strndup (data, len);

          *out_json = json_from_string (text, &error);
          g_assert_no_error (error);
        }
    }
  return status;
}

/* ---- mail and two-factor codes -------------------------------------------- */

/* The text of a new mail in @dir (a maildir's new/ or the server's
 * mail-outbox/) to @to whose text has @subject, waiting up to @seconds; %NULL
 * if none came. Files named in @seen are skipped, and the one returned is
 * added to it. */
char *
cascade_test_next_mail (
  const char *dir, const char *to, const char *subject, GHashTable *seen, guint seconds)
{
  g_autofree char *want_to = g_strdup_printf ("To: <%s>", to);

  for (guint i = 0; i <= seconds * 20; i++)
    {
      g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
      const char *name;

      while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *text = NULL;

          if (g_hash_table_contains (seen, path) ||
              !g_file_get_contents (path, &text, NULL, NULL) || strstr (text, want_to) == NULL ||
              strstr (text, subject) == NULL)
            continue;
          g_hash_table_add (seen, g_steal_pointer (&path));
          return g_steal_pointer (&text);
        }
      if (i < seconds * 20)
        g_usleep (50 * 1000);
    }
  return NULL;
}

/* The code in a mail: its one line indented by four spaces. */
char *
cascade_test_mail_code (const char *mail)
{
  g_auto (GStrv) lines = g_strsplit (mail, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "    "))
      {
        char *token = g_strstrip (g_strdup (lines[i]));

        g_assert_cmpuint (strlen (token), >=, 22); /* at least 128 bits */
        return token;
      }
  g_error ("no code in the mail: %s", mail);
}

GBytes *
cascade_test_base32_decode (const char *text)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  GByteArray *out = g_byte_array_new ();
  guint buffer = 0;
  int bits = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      const char *at = strchr (alphabet, *p);

      g_assert_nonnull (at);
      buffer = (buffer << 5) | (guint) (at - alphabet);
      bits += 5;
      if (bits >= 8)
        {
          guint8 byte = (buffer >> (bits - 8)) & 0xff;

          g_byte_array_append (out, &byte, 1);
          bits -= 8;
        }
    }
  return g_byte_array_free_to_bytes (out);
}

/* The RFC 6238 code (HMAC-SHA1, 6 digits, 30 s steps) of the base32 @secret,
 * @offset steps from now: computed here with GLib's HMAC, independently of
 * the server's code. */
char *
cascade_test_totp (const char *secret, int offset)
{
  g_autoptr (GBytes) key = cascade_test_base32_decode (secret);
  gsize length;
  const guint8 *data = g_bytes_get_data (key, &length);
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, data, length);
  guint64 step = g_get_real_time () / G_USEC_PER_SEC / 30 + offset;
  guint8 counter[8];
  guint8 digest[20];
  gsize digest_length = sizeof digest;
  guint o;

  for (int i = 7; i >= 0; i--, step >>= 8)
    counter[i] = step & 0xff;
  g_hmac_update (hmac, counter, 8);
  g_hmac_get_digest (hmac, digest, &digest_length);
  o = digest[19] & 0xf;
  return g_strdup_printf ("%06u", (((guint) (digest[o] & 0x7f) << 24) | (digest[o + 1] << 16) |
                                   (digest[o + 2] << 8) | digest[o + 3]) %
                                    1000000);
}

/* ---- an OpenID provider --------------------------------------------------- */

/* Starts tests/common/oidc-provider.py ($OIDC_PROVIDER, run by $PYTHON3) on
 * loopback and returns it, with its issuer URL in *issuer. Closing its stdin
 * stops it: cascade_test_oidc_provider_stop(). */
GSubprocess *
cascade_test_oidc_provider_start (char **issuer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  const char *script = g_getenv ("OIDC_PROVIDER");
  const char *python = g_getenv ("PYTHON3");
  GSubprocess *provider;

  g_assert_nonnull (script);
  provider = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                               &error, python != NULL ? python : "python3", script, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (provider));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on "));
  *issuer = g_strdup (line + strlen ("listening on "));
  return provider;
}

void
cascade_test_oidc_provider_stop (GSubprocess *provider)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_close (g_subprocess_get_stdin_pipe (provider), NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait (provider, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (provider);
}
