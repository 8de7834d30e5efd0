/* SPDX-License-Identifier: GPL-3.0-or-later */
/* unshare (CLONE_NEWNET) is a GNU extension of <sched.h>. */
#define _GNU_SOURCE
#include "config.h"

#include "cascade-netlab.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#define SUBNET "10.201.0"

struct _CascadeNetlab
{
  char *hub_address;
  GPtrArray *netns;     /* char *, per node */
  GPtrArray *addresses; /* char *, per node */
};

struct _CascadeTurn
{
  GSubprocess *process;
  char *dir;
  char *log_path;
  char *url;
};

/* Runs a command to its end; FALSE with its stderr as the error otherwise. */
static gboolean
run (GError **error, const char *first, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *err = NULL;
  va_list args;

  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  process =
    g_subprocess_newv ((const char *const *) argv->pdata,
                       G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_autofree char *line = g_strjoinv (" ", (char **) argv->pdata);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", line,
                   err != NULL ? g_strstrip (err) : "failed");
      return FALSE;
    }
  return TRUE;
}

/* Whether process @pid exists (it may be someone else's: EPERM). */
static gboolean
pid_alive (gint64 pid)
{
  return pid > 0 && pid <= G_MAXINT && (kill ((pid_t) pid, 0) == 0 || errno == EPERM);
}

/* The owner's pid in a name made by this file, "<prefix><pid>[-…]", or 0. */
static gint64
owner_pid (const char *name, const char *prefix)
{
  const char *digits;
  char *end = NULL;
  gint64 pid;

  if (!g_str_has_prefix (name, prefix))
    return 0;
  digits = name + strlen (prefix);
  pid = g_ascii_strtoll (digits, &end, 10);
  if (end == digits || (*end != '\0' && *end != '-'))
    return 0;
  return pid;
}

/* Network namespaces a test or benchmark made ("cascade-<pid>-<node>",
 * "cascade-probe-<pid>") and left behind when it crashed: its pid is gone.
 * Their nftables tables and veth ends go with them; the bridge lived in the
 * crashed process's own namespace and went with it. */
static void
clean_stale_netns (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/run/netns", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      gint64 pid = owner_pid (name, "cascade-probe-");

      if (pid == 0)
        pid = owner_pid (name, "cascade-");
      if (pid == 0 || pid_alive (pid))
        continue;
      g_debug ("removing the network namespace %s: process %" G_GINT64_FORMAT " is gone", name,
               pid);
      run (NULL, "ip", "netns", "del", name, NULL);
    }
}

gboolean
cascade_netlab_check (char **out_reason)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *probe = g_strdup_printf ("cascade-probe-%d", (int) getpid ());
  const char *tools[] = { "ip", "nft" };

  if (geteuid () != 0)
    {
      *out_reason = g_strdup ("network namespaces need root (CAP_NET_ADMIN); not root here");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *path = g_find_program_in_path (tools[i]);

      if (path == NULL)
        {
          *out_reason =
            g_strdup_printf ("'%s' is missing (iproute2 / nftables; ./dev installs it)", tools[i]);
          return FALSE;
        }
    }
  clean_stale_netns ();
  if (!run (&error, "ip", "netns", "add", probe, NULL))
    {
      *out_reason = g_strdup_printf ("cannot make a network namespace: %s", error->message);
      return FALSE;
    }
  if (!run (&error, "ip", "netns", "exec", probe, "nft", "add", "table", "inet", "probe", NULL))
    {
      run (NULL, "ip", "netns", "del", probe, NULL);
      *out_reason = g_strdup_printf ("nftables does not work here: %s", error->message);
      return FALSE;
    }
  run (NULL, "ip", "netns", "del", probe, NULL);
  *out_reason = NULL;
  return TRUE;
}

gboolean
cascade_netlab_enter_own_netns (GError **error)
{
  if (unshare (CLONE_NEWNET) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "unshare (CLONE_NEWNET): %s",
                   g_strerror (errno));
      return FALSE;
    }
  return run (error, "ip", "link", "set", "lo", "up", NULL);
}

CascadeNetlab *
cascade_netlab_new (guint n_nodes, GError **error)
{
  g_autoptr (CascadeNetlab) self = g_new0 (CascadeNetlab, 1);
  g_autofree char *hub_cidr = g_strdup_printf ("%s.1/24", SUBNET);

  g_return_val_if_fail (n_nodes <= 200, NULL);
  self->hub_address = g_strdup_printf ("%s.1", SUBNET);
  self->netns = g_ptr_array_new_with_free_func (g_free);
  self->addresses = g_ptr_array_new_with_free_func (g_free);
  clean_stale_netns ();

  if (!run (error, "ip", "link", "add", "cascade-br", "type", "bridge", "forward_delay", "0",
            NULL) ||
      !run (error, "ip", "addr", "add", hub_cidr, "dev", "cascade-br", NULL) ||
      !run (error, "ip", "link", "set", "cascade-br", "up", NULL))
    return NULL;

  for (guint i = 0; i < n_nodes; i++)
    {
      g_autofree char *name = g_strdup_printf ("cascade-%d-%u", (int) getpid (), i);
      g_autofree char *hub_end = g_strdup_printf ("cascade-v%u", i);
      g_autofree char *cidr = g_strdup_printf ("%s.%u/24", SUBNET, 10 + i);

      if (!run (error, "ip", "netns", "add", name, NULL))
        return NULL;
      g_ptr_array_add (self->netns, g_strdup (name));
      g_ptr_array_add (self->addresses, g_strdup_printf ("%s.%u", SUBNET, 10 + i));
      if (!run (error, "ip", "link", "add", hub_end, "type", "veth", "peer", "name", "eth0",
                "netns", name, NULL) ||
          !run (error, "ip", "link", "set", hub_end, "master", "cascade-br", "up", NULL) ||
          !run (error, "ip", "-n", name, "addr", "add", cidr, "dev", "eth0", NULL) ||
          !run (error, "ip", "-n", name, "link", "set", "eth0", "up", NULL) ||
          !run (error, "ip", "-n", name, "link", "set", "lo", "up", NULL))
        return NULL;
    }
  return g_steal_pointer (&self);
}

const char *
cascade_netlab_get_hub_address (CascadeNetlab *self)
{
  return self->hub_address;
}

const char *
cascade_netlab_get_node_netns (CascadeNetlab *self, guint node)
{
  g_return_val_if_fail (node < self->netns->len, NULL);
  return g_ptr_array_index (self->netns, node);
}

const char *
cascade_netlab_get_node_address (CascadeNetlab *self, guint node)
{
  g_return_val_if_fail (node < self->addresses->len, NULL);
  return g_ptr_array_index (self->addresses, node);
}

/* Runs nft -f - with @ruleset inside @netns. */
static gboolean
nft_load (const char *netns, const char *ruleset, GError **error)
{
  g_autoptr (GSubprocess) process = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error,
                              "ip", "netns", "exec", netns, "nft", "-f", "-", NULL);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, ruleset, NULL, NULL, &err, error))
    return FALSE;
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nft in %s: %s", netns,
                   err != NULL ? g_strstrip (err) : "failed");
      return FALSE;
    }
  return TRUE;
}

/* `nft list table inet @table` inside @netns, or NULL. */
static char *
nft_list (const char *netns, const char *table)
{
  g_autoptr (GSubprocess) process = NULL;
  char *out = NULL;

  process =
    g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL,
                      "ip", "netns", "exec", netns, "nft", "list", "table", "inet", table, NULL);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, NULL))
    return NULL;
  return out;
}

/* The packet count of the first counter after @after in @listing, or 0. */
static guint64
counter_after (const char *listing, const char *after)
{
  const char *at = listing != NULL ? strstr (listing, after) : NULL;

  if (at == NULL || (at = strstr (at, "counter packets ")) == NULL)
    return 0;
  return g_ascii_strtoull (at + strlen ("counter packets "), NULL, 10);
}

gboolean
cascade_netlab_set_loss (CascadeNetlab *self, guint node, guint percent, GError **error)
{
  const char *netns = cascade_netlab_get_node_netns (self, node);
  g_autofree char *rule = NULL;

  g_return_val_if_fail (netns != NULL && percent <= 100, FALSE);
  run (NULL, "ip", "netns", "exec", netns, "nft", "delete", "table", "inet", "cascade_loss", NULL);
  if (percent == 0)
    return TRUE;
  /* Only UDP (the media): the signalling's TCP would only retransmit. */
  rule = g_strdup_printf ("table inet cascade_loss {\n"
                          "  chain input {\n"
                          "    type filter hook input priority 0; policy accept;\n"
                          "    meta l4proto udp numgen random mod 100 < %u counter drop\n"
                          "  }\n"
                          "}\n",
                          percent);
  return nft_load (netns, rule, error);
}

gboolean
cascade_netlab_count_udp_from (CascadeNetlab *self,
                               guint node,
                               const char *const *sources,
                               GError **error)
{
  const char *netns = cascade_netlab_get_node_netns (self, node);
  g_autoptr (GString) ruleset = g_string_new ("table inet cascade_count {\n"
                                              "  chain input {\n"
                                              "    type filter hook input priority -10;\n");

  g_return_val_if_fail (netns != NULL, FALSE);
  for (guint i = 0; sources[i] != NULL; i++)
    g_string_append_printf (ruleset, "    ip saddr %s meta l4proto udp counter\n", sources[i]);
  g_string_append (ruleset, "  }\n}\n");
  return nft_load (netns, ruleset->str, error);
}

guint64
cascade_netlab_get_udp_from (CascadeNetlab *self, guint node, const char *source)
{
  const char *netns = cascade_netlab_get_node_netns (self, node);
  g_autofree char *listing = NULL;
  g_autofree char *rule = g_strdup_printf ("ip saddr %s ", source);

  g_return_val_if_fail (netns != NULL, 0);
  listing = nft_list (netns, "cascade_count");
  return counter_after (listing, rule);
}

guint64
cascade_netlab_get_dropped (CascadeNetlab *self, guint node)
{
  const char *netns = cascade_netlab_get_node_netns (self, node);
  g_autofree char *listing = NULL;

  g_return_val_if_fail (netns != NULL, 0);
  listing = nft_list (netns, "cascade_loss");
  return counter_after (listing, "numgen random");
}

void
cascade_netlab_free (CascadeNetlab *self)
{
  /* Deleting a namespace deletes its end of the veth, and so the pair. */
  for (guint i = 0; self->netns != NULL && i < self->netns->len; i++)
    run (NULL, "ip", "netns", "del", g_ptr_array_index (self->netns, i), NULL);
  run (NULL, "ip", "link", "del", "cascade-br", NULL);
  g_clear_pointer (&self->netns, g_ptr_array_unref);
  g_clear_pointer (&self->addresses, g_ptr_array_unref);
  g_free (self->hub_address);
  g_free (self);
}

/* ---- coturn ---- */

gboolean
cascade_turn_check (char **out_reason)
{
  g_autofree char *path = g_find_program_in_path ("turnserver");

  *out_reason =
    path == NULL ? g_strdup ("coturn's turnserver is missing (./dev installs coturn)") : NULL;
  return path != NULL;
}

static guint
free_port (const char *host, int type)
{
  struct sockaddr_in address = { .sin_family = AF_INET };
  socklen_t length = sizeof address;
  int fd = socket (AF_INET, type, 0);
  guint port = 0;

  if (fd >= 0 && inet_pton (AF_INET, host, &address.sin_addr) == 1 &&
      bind (fd, (struct sockaddr *) &address, sizeof address) == 0 &&
      getsockname (fd, (struct sockaddr *) &address, &length) == 0)
    port = ntohs (address.sin_port);
  if (fd >= 0)
    close (fd);
  return port;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
turn_listening (const char *address, guint port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, address, port, NULL, NULL);
  return connection != NULL;
}

static void
remove_dir (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_remove (file);
    }
  g_rmdir (path);
}

/* A turnserver whose pid file is in @dir, if it still runs. */
static void
kill_turnserver_of (const char *dir)
{
  g_autofree char *pid_file = g_build_filename (dir, "turnserver.pid", NULL);
  g_autofree char *text = NULL;
  g_autofree char *comm_path = NULL;
  g_autofree char *comm = NULL;
  gint64 pid;

  if (!g_file_get_contents (pid_file, &text, NULL, NULL))
    return;
  pid = g_ascii_strtoll (g_strstrip (text), NULL, 10);
  if (pid <= 0 || pid > G_MAXINT)
    return;
  comm_path = g_strdup_printf ("/proc/%d/comm", (int) pid);
  if (g_file_get_contents (comm_path, &comm, NULL, NULL) &&
      g_str_equal (g_strstrip (comm), "turnserver"))
    {
      g_debug ("stopping the turnserver %" G_GINT64_FORMAT " a crashed run left", pid);
      kill ((pid_t) pid, SIGKILL);
    }
}

/* coturn a crashed run left ("cascade-turn-<pid>-…" in the temporary
 * directory, its owner gone; or an older "cascade-turn-XXXXXX" whose
 * turnserver no longer runs): the turnserver stopped, the directory removed. */
static void
clean_stale_turn (void)
{
  g_autoptr (GDir) dir = g_dir_open (g_get_tmp_dir (), 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      gint64 pid = owner_pid (name, "cascade-turn-");
      GStatBuf st;

      if (!g_str_has_prefix (name, "cascade-turn-"))
        continue;
      path = g_build_filename (g_get_tmp_dir (), name, NULL);
      if (pid > 0 && pid_alive (pid))
        continue;
      /* Older, without an owner in its name: only when an hour old, so a run
       * of an older build starting right now is left alone. */
      if (pid == 0 && (g_stat (path, &st) != 0 || time (NULL) - st.st_mtime < 3600))
        continue;
      kill_turnserver_of (path);
      g_debug ("removing %s: its run is over", path);
      remove_dir (path);
    }
}

CascadeTurn *
cascade_turn_new (const char *address, const char *secret, GError **error)
{
  g_autoptr (CascadeTurn) self = g_new0 (CascadeTurn, 1);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  guint port = free_port (address, SOCK_STREAM);
  guint relay_low = free_port (address, SOCK_DGRAM);
  g_autofree char *listen_arg = g_strdup_printf ("--listening-ip=%s", address);
  g_autofree char *relay_arg = g_strdup_printf ("--relay-ip=%s", address);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *secret_arg = g_strdup_printf ("--static-auth-secret=%s", secret);
  g_autofree char *db = NULL;
  g_autofree char *pid_file = NULL;
  g_autofree char *min_port = NULL;
  g_autofree char *max_port = NULL;
  gint64 deadline;

  g_autofree char *dir_template = g_strdup_printf ("cascade-turn-%d-XXXXXX", (int) getpid ());

  clean_stale_turn ();
  self->dir = g_dir_make_tmp (dir_template, error);
  if (self->dir == NULL)
    return NULL;
  self->log_path = g_build_filename (self->dir, "turnserver.log", NULL);
  db = g_build_filename (self->dir, "turndb", NULL);
  pid_file = g_build_filename (self->dir, "turnserver.pid", NULL);
  /* Relay ports near a free one: well away from the usual 49152.. range other
   * turnservers on this machine would use. */
  relay_low = CLAMP (relay_low, 20000, 60000);
  min_port = g_strdup_printf ("%u", relay_low);
  max_port = g_strdup_printf ("%u", relay_low + 200);
  self->url = g_strdup_printf ("turn:%s:%u?transport=udp", address, port);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  self->process = g_subprocess_launcher_spawn (
    launcher, error, "turnserver", "-n", listen_arg, relay_arg, "--listening-port", port_text,
    "--min-port", min_port, "--max-port", max_port, "--use-auth-secret", secret_arg,
    "--realm=cascade.test", "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-cli",
    "--no-stdout-log", "--simple-log", "--log-file", self->log_path, "--userdb", db, "--pidfile",
    pid_file, "--verbose", NULL);
  if (self->process == NULL)
    return NULL;

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!turn_listening (address, port))
    {
      /* No identifier once it has exited (get_if_exited asserts it has). */
      if (g_subprocess_get_identifier (self->process) == NULL || g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = cascade_turn_dup_log (self);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "turnserver did not listen on %s:%u within 20 s; its log:\n%s", address,
                       port, log);
          return NULL;
        }
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return g_steal_pointer (&self);
}

const char *
cascade_turn_get_url (CascadeTurn *self)
{
  return self->url;
}

char *
cascade_turn_dup_log (CascadeTurn *self)
{
  char *text = NULL;

  if (self->log_path == NULL || !g_file_get_contents (self->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

void
cascade_turn_set_paused (CascadeTurn *self, gboolean paused)
{
  g_subprocess_send_signal (self->process, paused ? SIGSTOP : SIGCONT);
}

void
cascade_turn_free (CascadeTurn *self)
{
  if (self->process != NULL)
    {
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
      g_object_unref (self->process);
    }
  if (self->dir != NULL)
    remove_dir (self->dir);
  g_free (self->dir);
  g_free (self->log_path);
  g_free (self->url);
  g_free (self);
}
