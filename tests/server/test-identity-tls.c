/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>

#include "server-test-util.h"

/* cascaded serves HTTPS with the certificate of its config ([tls]), and
 * only HTTPS; a test certificate is made with openssl for 127.0.0.1. */

typedef struct
{
  char *dir;
  char *cert_path;
  char *key_path;
  char *config_path;
  GTlsCertificate *certificate;
  CascadeTestServer *server;
} Fixture;

static void
write_config (Fixture *f, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (f->config_path, text, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *key_arg = NULL;
  g_autofree char *cert_arg = NULL;
  int status = 0;

  f->dir = cascade_test_make_tmp_dir ();
  f->cert_path = g_build_filename (f->dir, "cert.pem", NULL);
  f->key_path = g_build_filename (f->dir, "key.pem", NULL);
  f->config_path = g_build_filename (f->dir, "cascaded.conf", NULL);
  {
    const char *argv[] = { "openssl",
                           "req",
                           "-x509",
                           "-newkey",
                           "ec",
                           "-pkeyopt",
                           "ec_paramgen_curve:prime256v1",
                           "-nodes",
                           "-days",
                           "1",
                           "-subj",
                           "/CN=127.0.0.1",
                           "-addext",
                           "subjectAltName=IP:127.0.0.1",
                           "-keyout",
                           f->key_path,
                           "-out",
                           f->cert_path,
                           NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  f->certificate = g_tls_certificate_new_from_file (f->cert_path, &error);
  g_assert_no_error (error);
  config = g_strdup_printf ("[tls]\ncertificate=%s\nkey=%s\n", f->cert_path, f->key_path);
  write_config (f, config);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->server != NULL)
    {
      g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
      g_clear_pointer (&f->server, cascade_test_server_free);
    }
  g_clear_object (&f->certificate);
  cascade_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->cert_path);
  g_free (f->key_path);
  g_free (f->config_path);
}

static gboolean
on_accept_certificate (SoupMessage *msg,
                       GTlsCertificate *peer,
                       GTlsCertificateFlags errors,
                       gpointer user_data)
{
  Fixture *f = user_data;

  return g_tls_certificate_is_same (peer, f->certificate);
}

static guint
get (Fixture *f, const char *url, gboolean trust, GError **error)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = NULL;

  soup_session_set_timeout (session, 10);
  if (trust)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), f);
  body = soup_session_send_and_read (session, msg, NULL, error);
  return body != NULL ? soup_message_get_status (msg) : 0;
}

/* The ready line says https://; a client that trusts the certificate gets
 * answers, one that does not is refused by TLS, and plain HTTP gets none. */
static void
test_https (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--config", f->config_path, NULL };
  g_autoptr (GError) untrusted = NULL;
  g_autoptr (GError) plain_error = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *plain = NULL;
  const char *base;

  f->server = cascade_test_server_new (args);
  base = cascade_test_server_get_url (f->server);
  g_assert_true (g_str_has_prefix (base, "https://127.0.0.1:"));
  url = g_strconcat (base, "/healthz", NULL);

  g_assert_cmpuint (get (f, url, TRUE, &error), ==, 200);
  g_assert_no_error (error);
  g_assert_cmpuint (get (f, url, FALSE, &untrusted), ==, 0);
  g_assert_error (untrusted, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);

  plain = g_strconcat ("http://", base + strlen ("https://"), "/healthz", NULL);
  g_assert_cmpuint (get (f, plain, FALSE, &plain_error), !=, 200);
}

/* A [tls] group without its key stops the server with a message. */
static void
test_bad_config (Fixture *f, gconstpointer data)
{
  g_autofree char *config = g_strdup_printf ("[tls]\ncertificate=%s\n", f->cert_path);
  const char *argv[] = { g_getenv ("CASCADED"), "--listen", "127.0.0.1:0",
                         "--data-dir",          f->dir,     "--config",
                         f->config_path,        NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  write_config (f, config);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err, &status,
                &error);
  g_assert_no_error (error);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "[tls]"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/identity/tls/https", test_https);
  ADD ("/cascade/server/identity/tls/bad-config", test_bad_config);
#undef ADD

  return g_test_run ();
}
