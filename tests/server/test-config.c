/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "cascade-server-config.h"
#include "cascade-test-server.h"

static void
test_defaults (void)
{
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "cascaded", NULL);

  g_assert_cmpstr (config->listen_host, ==, "127.0.0.1");
  g_assert_cmpuint (config->listen_port, ==, 8787);
  g_assert_cmpstr (config->data_dir, ==, data_dir);
  g_assert_cmpuint (config->max_body_bytes, ==, 1024 * 1024);
  g_assert_cmpstr (config->issuer, ==, "cascaded");
  g_assert_cmpuint (config->access_token_ttl, ==, 900);
  g_assert_cmpuint (config->listen_backlog, ==, 1024);
}

static void
test_listen (void)
{
  const struct
  {
    const char *text;
    const char *host;
    guint port;
  } valid[] = {
    { "127.0.0.1:0", "127.0.0.1", 0 },
    { "0.0.0.0:65535", "0.0.0.0", 65535 },
    { "[::1]:8080", "::1", 8080 },
    { "[::]:1", "::", 1 },
  };
  const char *invalid[] = { "",         "127.0.0.1",      "127.0.0.1:",    "127.0.0.1:65536",
                            "::1:80",   "localhost:8787", "1.2.3.4:-1",    "1.2.3.4:http",
                            "1.2.3:80", "[::1]80",        "[1.2.3.4]:80x", ":8787" };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
      g_autoptr (GError) error = NULL;

      g_assert_true (cascade_server_config_set_listen (config, valid[i].text, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (config->listen_host, ==, valid[i].host);
      g_assert_cmpuint (config->listen_port, ==, valid[i].port);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
      g_autoptr (GError) error = NULL;

      if (cascade_server_config_set_listen (config, invalid[i], &error))
        g_error ("accepted --listen %s", invalid[i]);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG);
      g_assert_cmpstr (config->listen_host, ==, "127.0.0.1");
      g_assert_cmpuint (config->listen_port, ==, 8787);
    }
}

static char *
write_config (const char *contents)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (g_get_user_config_dir (), "cascaded.conf", NULL);

  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_file (void)
{
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = write_config ("# a comment\n"
                                        "[server]\n"
                                        "listen=[::1]:9000\n"
                                        "data-dir=/srv/cascaded\n"
                                        "max-body-bytes=4096\n"
                                        "listen-backlog=4096\n"
                                        "[auth]\n"
                                        "issuer=https://cascade.example\n"
                                        "access-token-ttl=120\n"
                                        "[chat]\n"
                                        "for-a-later-context=1\n");

  g_assert_true (cascade_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_host, ==, "::1");
  g_assert_cmpuint (config->listen_port, ==, 9000);
  g_assert_cmpstr (config->data_dir, ==, "/srv/cascaded");
  g_assert_cmpuint (config->max_body_bytes, ==, 4096);
  g_assert_cmpuint (config->listen_backlog, ==, 4096);
  g_assert_cmpstr (config->issuer, ==, "https://cascade.example");
  g_assert_cmpuint (config->access_token_ttl, ==, 120);
}

/* Settings the file leaves out keep their defaults. */
static void
test_file_partial (void)
{
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = write_config ("[auth]\naccess-token-ttl=300\n");

  g_assert_true (cascade_server_config_load_file (config, path, &error));
  g_assert_cmpuint (config->access_token_ttl, ==, 300);
  g_assert_cmpuint (config->listen_port, ==, 8787);
  g_assert_cmpuint (config->max_body_bytes, ==, 1024 * 1024);
}

static void
test_file_errors (void)
{
  const char *files[] = {
    "[server]\nlisten=nowhere\n",
    "[server]\nlisen=127.0.0.1:1\n",
    "[server]\nmax-body-bytes=0\n",
    "[server]\nmax-body-bytes=lots\n",
    "[server]\nmax-body-bytes=99999999999999\n",
    "[server]\nlisten-backlog=0\n",
    "[server]\nlisten-backlog=-1\n",
    "[server]\nlisten-backlog=65536\n",
    "[server]\nlisten-backlog=many\n",
    "[auth]\naccess-token-ttl=0\n",
    "[auth]\naccess-token-ttl=-5\n",
    "[auth]\naccess-token-ttl=100000000\n",
    "[auth]\nissuer=\n",
    "[auth]\nsecret=x\n",
    "not a key file\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
      g_autoptr (GError) error = NULL;
      g_autofree char *path = write_config (files[i]);

      if (cascade_server_config_load_file (config, path, &error))
        g_error ("accepted the config file:\n%s", files[i]);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, path));
    }
}

static void
test_missing_file (void)
{
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
  g_autoptr (GError) error = NULL;

  g_assert_false (cascade_server_config_load_file (config, "/nonexistent/cascaded.conf", &error));
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "/nonexistent/cascaded.conf"));
}

/* data/cascaded.conf loads, and the defaults it documents (commented
 * out) are the real ones. */
static void
test_sample_file (void)
{
  g_autofree char *sample =
    g_test_build_filename (G_TEST_DIST, "..", "data", "cascaded.conf", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GRegex) setting = g_regex_new ("^#([a-z-]+=)", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
  g_autoptr (CascadeServerConfig) defaults = cascade_server_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *path = NULL;

  g_assert_true (cascade_server_config_load_file (config, sample, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->listen_port, ==, defaults->listen_port);

  g_file_get_contents (sample, &contents, NULL, &error);
  g_assert_no_error (error);
  replaced = g_regex_replace (setting, contents, -1, 0, "\\1", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (replaced, !=, contents);
  path = write_config (replaced);
  g_assert_true (cascade_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->listen_host, ==, defaults->listen_host);
  g_assert_cmpuint (config->listen_port, ==, defaults->listen_port);
  g_assert_cmpstr (config->data_dir, ==, "/var/lib/cascaded");
  g_assert_cmpuint (config->max_body_bytes, ==, defaults->max_body_bytes);
  g_assert_cmpstr (config->issuer, ==, defaults->issuer);
  g_assert_cmpuint (config->access_token_ttl, ==, defaults->access_token_ttl);
  g_assert_cmpuint (config->listen_backlog, ==, defaults->listen_backlog);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/server/config/defaults", test_defaults);
  g_test_add_func ("/cascade/server/config/listen", test_listen);
  g_test_add_func ("/cascade/server/config/file", test_file);
  g_test_add_func ("/cascade/server/config/file-partial", test_file_partial);
  g_test_add_func ("/cascade/server/config/file-errors", test_file_errors);
  g_test_add_func ("/cascade/server/config/missing-file", test_missing_file);
  g_test_add_func ("/cascade/server/config/sample-file", test_sample_file);

  return g_test_run ();
}
