/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* Password reset and email verification against a real cascaded and a real
 * SMTP server (Debian's python3-aiosmtpd, writing a maildir). */

typedef struct
{
  char *dir;
  guint smtp_port;
  GSubprocess *smtp;
  char *maildir;
  GHashTable *seen; /* mail files already read */
  CascadeTestServer *server;
} Fixture;

static guint
free_port (void)
{
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GSocketAddress) any = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  any = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
smtp_start (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", f->smtp_port);
  const char *python =
    g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3" : "python3";
  g_autoptr (GSocketClient) client = g_socket_client_new ();

  f->smtp = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, python, "-m", "aiosmtpd", "-n", "-l",
                              listen, "-c", "aiosmtpd.handlers.Mailbox", f->maildir, NULL);
  g_assert_no_error (error);
  for (int i = 0; i < 200; i++)
    {
      g_autoptr (GSocketConnection) connection = NULL;

      connection = g_socket_client_connect_to_host (client, listen, 0, NULL, NULL);
      if (connection != NULL)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("aiosmtpd did not start on %s", listen);
}

/* Starts cascaded with @config; with @smtp, aiosmtpd first and [smtp]
 * pointing at it. */
static void
start (Fixture *f, gboolean smtp_up, const char *config)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *args[] = { "--config", NULL, NULL };

  f->dir = cascade_test_make_tmp_dir ();
  f->maildir = g_build_filename (f->dir, "maildir", NULL);
  f->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->smtp_port = free_port ();
  if (smtp_up)
    smtp_start (f);
  text =
    g_strdup_printf ("[smtp]\nhost=127.0.0.1\nport=%u\nsecurity=none\nfrom=cascade@example.com\n"
                     "retry-seconds=1\n%s",
                     f->smtp_port, config);
  path = g_build_filename (f->dir, "cascaded.conf", NULL);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  args[1] = path;
  f->server = cascade_test_server_new (args);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  if (f->smtp != NULL)
    {
      g_subprocess_force_exit (f->smtp);
      g_subprocess_wait (f->smtp, NULL, NULL);
      g_clear_object (&f->smtp);
    }
  cascade_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->maildir);
  g_hash_table_unref (f->seen);
}

static char *
next_mail (Fixture *f, const char *dir, const char *to, const char *subject, guint seconds)
{
  return cascade_test_next_mail (dir, to, subject, f->seen, seconds);
}

static char *
smtp_mail (Fixture *f, const char *to, const char *subject)
{
  g_autofree char *dir = g_build_filename (f->maildir, "new", NULL);
  char *text = next_mail (f, dir, to, subject, 15);

  if (text == NULL)
    g_error ("no mail “%s” to %s came", subject, to);
  return text;
}

static guint
post (Fixture *f, const char *path, const char *bearer, const char *body, JsonNode **out)
{
  return cascade_test_server_request (f->server, "POST", path, bearer, body, out);
}

static guint
request_reset (Fixture *f, const char *email)
{
  g_autofree char *body = g_strdup_printf ("{\"email\": \"%s\"}", email);
  g_autoptr (JsonNode) response = NULL;

  return post (f, "/api/v1/auth/password-reset", NULL, body, &response);
}

static guint
confirm_reset (Fixture *f, const char *token, const char *password, JsonNode **out)
{
  g_autofree char *body =
    g_strdup_printf ("{\"token\": \"%s\", \"password\": \"%s\"}", token, password);

  return post (f, "/api/v1/auth/password-reset/confirm", NULL, body, out);
}

static guint
login (Fixture *f, const char *name, const char *password)
{
  g_autofree char *body =
    g_strdup_printf ("{\"login\": \"%s\", \"password\": \"%s\"}", name, password);
  g_autoptr (JsonNode) response = NULL;

  return post (f, "/api/v1/auth/login", NULL, body, &response);
}

static gboolean
email_verified (Fixture *f, const char *access_token)
{
  g_autoptr (JsonNode) me = NULL;

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "GET", "/api/v1/me", access_token, NULL, &me), ==, 200);
  return json_object_get_boolean_member (test_object (me), "email_verified");
}

/* The whole reset over SMTP: 202 for any address, one mail to the real
 * one, the token sets the password once and signs out every session. */
static void
test_reset (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) account = NULL;
  g_autoptr (JsonNode) refused = NULL;
  g_autoptr (JsonNode) refreshed = NULL;
  g_autoptr (JsonNode) me = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *token = NULL;
  g_autofree char *refresh_body = NULL;
  g_autofree char *verify = NULL;
  g_autofree char *maildir_new = NULL;

  start (f, TRUE, "");
  maildir_new = g_build_filename (f->maildir, "new", NULL);
  account = test_register (f->server, "ann@example.com", "ann", TEST_PASSWORD);
  verify = smtp_mail (f, "ann@example.com", "Confirm your email");
  g_assert_cmpuint (login (f, "ann", TEST_PASSWORD), ==, 200);

  g_assert_cmpuint (request_reset (f, "nobody@example.com"), ==, SOUP_STATUS_ACCEPTED);
  g_assert_cmpuint (request_reset (f, "not an address"), ==, SOUP_STATUS_ACCEPTED);
  g_assert_cmpuint (request_reset (f, "ANN@example.com"), ==, SOUP_STATUS_ACCEPTED);
  mail = smtp_mail (f, "ann@example.com", "Reset your Cascade password");
  g_assert_nonnull (strstr (mail, "From: Cascade <cascade@example.com>"));
  token = cascade_test_mail_code (mail);

  g_assert_cmpuint (confirm_reset (f, token, "password123", &refused), ==, 400);
  test_assert_error (400, refused, 400, "invalid_password", "password");
  g_clear_pointer (&refused, json_node_unref);
  g_assert_cmpuint (confirm_reset (f, token, "a new long secret", NULL), ==, 204);

  /* Every session is signed out: access and refresh tokens alike. */
  g_assert_cmpuint (cascade_test_server_request (f->server, "GET", "/api/v1/me",
                                                 test_string (account, "access_token"), NULL, &me),
                    ==, 401);
  refresh_body =
    g_strdup_printf ("{\"refresh_token\": \"%s\"}", test_string (account, "refresh_token"));
  g_assert_cmpuint (post (f, "/api/v1/auth/refresh", NULL, refresh_body, &refreshed), ==, 401);

  g_assert_cmpuint (login (f, "ann", TEST_PASSWORD), ==, 401);
  g_assert_cmpuint (login (f, "ann", "a new long secret"), ==, 200);

  /* Single use. */
  confirm_reset (f, token, "another long secret", &refused);
  test_assert_error (400, refused, 400, "invalid_email_token", "token");
  g_assert_cmpuint (login (f, "ann", "a new long secret"), ==, 200);

  /* Nothing went to the address nobody has. */
  g_assert_null (next_mail (f, maildir_new, "nobody@example.com", "", 0));
}

/* A reset token is refused once its time is over. */
static void
test_reset_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) account = NULL;
  g_autoptr (JsonNode) refused = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *token = NULL;

  start (f, TRUE, "[limits]\nreset-token-seconds=1\n");
  account = test_register (f->server, "eve@example.com", "eve", TEST_PASSWORD);
  g_assert_cmpuint (request_reset (f, "eve@example.com"), ==, SOUP_STATUS_ACCEPTED);
  mail = smtp_mail (f, "eve@example.com", "Reset your Cascade password");
  token = cascade_test_mail_code (mail);
  g_usleep (2100 * 1000);
  confirm_reset (f, token, "a new long secret", &refused);
  test_assert_error (400, refused, 400, "invalid_email_token", "token");
  g_assert_cmpuint (login (f, "eve", TEST_PASSWORD), ==, 200);
}

/* Sign-up mails a code that verifies the address, once. */
static void
test_verify_email (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) account = NULL;
  g_autoptr (JsonNode) refused = NULL;
  g_autoptr (JsonNode) wrong = NULL;
  g_autoptr (JsonNode) verified = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *token = NULL;
  g_autofree char *body = NULL;
  const char *access;

  start (f, TRUE, "");
  account = test_register (f->server, "vic@example.com", "vic", TEST_PASSWORD);
  access = test_string (account, "access_token");
  g_assert_false (json_object_get_boolean_member (
    json_object_get_object_member (test_object (account), "user"), "email_verified"));
  mail = smtp_mail (f, "vic@example.com", "Confirm your email address");
  token = cascade_test_mail_code (mail);

  post (f, "/api/v1/auth/verify-email", NULL, "{\"token\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
        &wrong);
  test_assert_error (400, wrong, 400, "invalid_email_token", "token");
  g_assert_false (email_verified (f, access));

  body = g_strdup_printf ("{\"token\": \"%s\"}", token);
  g_assert_cmpuint (post (f, "/api/v1/auth/verify-email", NULL, body, &verified), ==, 204);
  g_assert_true (email_verified (f, access));
  post (f, "/api/v1/auth/verify-email", NULL, body, &refused);
  test_assert_error (400, refused, 400, "invalid_email_token", "token");
}

/* A mail server that is down loses nothing: the mails go out once it is up. */
static void
test_smtp_down (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) account = NULL;
  g_autofree char *verify = NULL;
  g_autofree char *reset = NULL;

  start (f, FALSE, "");
  account = test_register (f->server, "dan@example.com", "dan", TEST_PASSWORD);
  g_assert_cmpuint (request_reset (f, "dan@example.com"), ==, SOUP_STATUS_ACCEPTED);
  g_usleep (1500 * 1000); /* the first attempts fail */
  smtp_start (f);
  verify = smtp_mail (f, "dan@example.com", "Confirm your email address");
  reset = smtp_mail (f, "dan@example.com", "Reset your Cascade password");
  g_assert_cmpuint (confirm_reset (f, cascade_test_mail_code (reset), "a new long secret", NULL),
                    ==, 204);
}

/* With no SMTP host, mails are files in <data-dir>/mail-outbox/. */
static void
test_outbox_files (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) account = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *mail = NULL;
  g_autofree char *token = NULL;

  f->dir = cascade_test_make_tmp_dir ();
  f->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->server = cascade_test_server_new (NULL);
  account = test_register (f->server, "fay@example.com", "fay", TEST_PASSWORD);
  g_assert_cmpuint (request_reset (f, "fay@example.com"), ==, SOUP_STATUS_ACCEPTED);
  dir = g_build_filename (cascade_test_server_get_data_dir (f->server), "mail-outbox", NULL);
  mail = next_mail (f, dir, "fay@example.com", "Reset your Cascade password", 10);
  g_assert_nonnull (mail);
  token = cascade_test_mail_code (mail);
  g_assert_cmpuint (confirm_reset (f, token, "a new long secret", NULL), ==, 204);
  g_assert_cmpuint (login (f, "fay", "a new long secret"), ==, 200);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, NULL, func, fixture_tear_down)
  ADD ("/cascade/server/identity/email/reset", test_reset);
  ADD ("/cascade/server/identity/email/reset-expiry", test_reset_expiry);
  ADD ("/cascade/server/identity/email/verify", test_verify_email);
  ADD ("/cascade/server/identity/email/smtp-down", test_smtp_down);
  ADD ("/cascade/server/identity/email/outbox-files", test_outbox_files);
#undef ADD

  return g_test_run ();
}
