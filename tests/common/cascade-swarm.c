/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-swarm.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

struct _CascadeSwarm
{
  CascadeTestServer *server;
  char *config_dir;
  GPtrArray *peers; /* CascadeSwarmPeer, owned */
  gint64 started_us;
};

struct _CascadeSwarmPeer
{
  CascadeSwarm *swarm;
  char *name;
  GSubprocess *process;
  GPid pid;
  GDataInputStream *out;
  GCancellable *cancellable;
  GPtrArray *events; /* JsonObject */
  CascadeSwarmEventFunc event_func;
  gpointer event_data;
  gboolean exited;
  int exit_status;

  char *stream_id;
  char *peer_id;
  char *parent_peer_id;
  char *state;
  guint depth;
  guint times_placed;
  gboolean ended;
  double frames;
  gint64 last_frame_us;
  GHashTable *children; /* peer id → TRUE */
  guint max_children;
  JsonObject *stats;
};

static void
peer_free (CascadeSwarmPeer *peer)
{
  g_cancellable_cancel (peer->cancellable);
  if (!peer->exited)
    {
      g_subprocess_force_exit (peer->process);
      g_subprocess_wait (peer->process, NULL, NULL);
    }
  g_object_unref (peer->cancellable);
  g_object_unref (peer->out);
  g_object_unref (peer->process);
  g_ptr_array_unref (peer->events);
  g_hash_table_unref (peer->children);
  g_clear_pointer (&peer->stats, json_object_unref);
  g_free (peer->stream_id);
  g_free (peer->peer_id);
  g_free (peer->parent_peer_id);
  g_free (peer->state);
  g_free (peer->name);
  g_free (peer);
}

CascadeSwarm *
cascade_swarm_new (const char *listen, const char *config)
{
  CascadeSwarm *self = g_new0 (CascadeSwarm, 1);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *args[] = { "--config", NULL, "--listen", listen, NULL };

  /* Many peers sign in from one address at once: lift the sign-in limits. */
  self->config_dir = cascade_test_make_tmp_dir ();
  path = g_build_filename (self->config_dir, "cascaded.conf", NULL);
  text = g_strdup_printf ("[limits]\naddress-burst=100000\naddress-per-minute=100000\n"
                          "account-burst=100000\naccount-per-minute=100000\n%s\n",
                          config != NULL ? config : "");
  if (!g_file_set_contents (path, text, -1, NULL))
    g_error ("cannot write %s", path);
  args[1] = path;
  if (listen == NULL)
    args[2] = NULL;
  self->server = cascade_test_server_new (args);
  self->peers = g_ptr_array_new_with_free_func ((GDestroyNotify) peer_free);
  self->started_us = g_get_monotonic_time ();
  return self;
}

void
cascade_swarm_free (CascadeSwarm *self)
{
  /* Peers first: they would notice the server going and print about it. */
  g_ptr_array_unref (self->peers);
  cascade_test_server_free (self->server);
  cascade_test_rm_rf (self->config_dir);
  g_free (self->config_dir);
  g_free (self);
}

CascadeTestServer *
cascade_swarm_get_server (CascadeSwarm *self)
{
  return self->server;
}

const char *
cascade_swarm_get_url (CascadeSwarm *self)
{
  return cascade_test_server_get_url (self->server);
}

void
cascade_swarm_add_account (CascadeSwarm *self, const char *name)
{
  g_autofree char *body =
    g_strdup_printf ("{\"email\":\"%s@example.com\",\"username\":\"%s\",\"password\":\"%s\"}", name,
                     name, CASCADE_SWARM_PASSWORD);
  guint status =
    cascade_test_server_request (self->server, "POST", "/api/v1/auth/register", NULL, body, NULL);

  if (status != 201)
    g_error ("registering %s: HTTP %u", name, status);
}

char *
cascade_swarm_sign_in (CascadeSwarm *self, const char *name)
{
  g_autofree char *body =
    g_strdup_printf ("{\"login\":\"%s\",\"password\":\"%s\"}", name, CASCADE_SWARM_PASSWORD);
  g_autoptr (JsonNode) reply = NULL;
  guint status;

  status =
    cascade_test_server_request (self->server, "POST", "/api/v1/auth/login", NULL, body, &reply);
  if (status != 200 || reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    g_error ("signing in as %s: HTTP %u", name, status);
  return g_strdup (
    json_object_get_string_member_with_default (json_node_get_object (reply), "access_token", ""));
}

guint
cascade_swarm_get_tree (CascadeSwarm *self,
                        const char *stream_id,
                        const char *bearer,
                        JsonObject **out_tree)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/streams/%s/tree", stream_id);
  g_autoptr (JsonNode) reply = NULL;
  guint status = cascade_test_server_request (self->server, "GET", path, bearer, NULL, &reply);

  if (out_tree != NULL)
    *out_tree = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply)
                  ? json_object_ref (json_node_get_object (reply))
                  : NULL;
  return status;
}

double
cascade_swarm_event_get_number (JsonObject *event, const char *member, double fallback)
{
  JsonNode *node = json_object_get_member (event, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  switch (json_node_get_value_type (node))
    {
      case G_TYPE_DOUBLE:
        return json_node_get_double (node);
      case G_TYPE_INT64:
        return (double) json_node_get_int (node);
      case G_TYPE_BOOLEAN:
        return json_node_get_boolean (node) ? 1 : 0;
      default:
        return fallback;
    }
}

char *
cascade_swarm_event_dup_string (JsonObject *event, const char *member)
{
  JsonNode *node = json_object_get_member (event, member);
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      return text[0] == '\0' || g_str_equal (text, "-") ? NULL : g_strdup (text);
    }
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, json_node_get_double (node)));
  return NULL;
}

static void
replace_string (char **field, char *value)
{
  g_free (*field);
  *field = value;
}

/* Keeps what the tests ask about up to date from one event. */
static void
peer_take_event (CascadeSwarmPeer *peer, JsonObject *event)
{
  const char *kind = json_object_get_string_member_with_default (event, "event", "");
  double frames = -1;

  if (g_str_equal (kind, "live"))
    {
      replace_string (&peer->stream_id, cascade_swarm_event_dup_string (event, "stream_id"));
      replace_string (&peer->peer_id, cascade_swarm_event_dup_string (event, "peer_id"));
    }
  else if (g_str_equal (kind, "placed"))
    {
      if (json_object_has_member (event, "stream_id"))
        replace_string (&peer->stream_id, cascade_swarm_event_dup_string (event, "stream_id"));
      replace_string (&peer->peer_id, cascade_swarm_event_dup_string (event, "peer_id"));
      replace_string (&peer->parent_peer_id,
                      cascade_swarm_event_dup_string (event, "parent_peer_id"));
      peer->depth = (guint) cascade_swarm_event_get_number (event, "depth", 0);
      peer->times_placed++;
    }
  else if (g_str_equal (kind, "waiting"))
    {
      /* No parent has room: it keeps its peer id, its children and its depth. */
      replace_string (&peer->peer_id, cascade_swarm_event_dup_string (event, "peer_id"));
      g_clear_pointer (&peer->parent_peer_id, g_free);
    }
  else if (g_str_equal (kind, "depth"))
    peer->depth = (guint) cascade_swarm_event_get_number (event, "depth", peer->depth);
  else if (g_str_equal (kind, "state"))
    {
      replace_string (&peer->state, cascade_swarm_event_dup_string (event, "state"));
      if (g_strcmp0 (peer->state, "ended") == 0)
        peer->ended = TRUE;
    }
  else if (g_str_equal (kind, "child_added") || g_str_equal (kind, "child_removed"))
    {
      char *child = cascade_swarm_event_dup_string (event, "peer_id");

      if (child == NULL)
        return;
      if (g_str_equal (kind, "child_added"))
        g_hash_table_replace (peer->children, child, GINT_TO_POINTER (TRUE));
      else
        {
          g_hash_table_remove (peer->children, child);
          g_free (child);
        }
      peer->max_children = MAX (peer->max_children, g_hash_table_size (peer->children));
    }
  else if (g_str_equal (kind, "stats"))
    {
      g_clear_pointer (&peer->stats, json_object_unref);
      peer->stats = json_object_ref (event);
      frames = cascade_swarm_event_get_number (
        event, "stamped", cascade_swarm_event_get_number (event, "frames", -1));
    }
  else if (g_str_equal (kind, "frames")) /* before `stats`, watch said this */
    frames = cascade_swarm_event_get_number (event, "frames", -1);

  if (frames > peer->frames)
    {
      peer->frames = frames;
      peer->last_frame_us = g_get_monotonic_time ();
    }
}

static void
peer_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeSwarmPeer *peer = user_data;
  g_autofree char *line = NULL;
  g_autoptr (JsonNode) node = NULL;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (line == NULL)
    return; /* end of output, or cancelled (the peer may be gone) */
  if (g_test_initialized ())
    g_test_message ("%.1f s %s: %s", (g_get_monotonic_time () - peer->swarm->started_us) / 1e6,
                    peer->name, line);
  node = json_from_string (line, NULL);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *event = json_node_get_object (node);

      g_ptr_array_add (peer->events, json_object_ref (event));
      peer_take_event (peer, event);
      if (peer->event_func != NULL)
        peer->event_func (peer, event, peer->event_data);
    }
  g_data_input_stream_read_line_async (peer->out, G_PRIORITY_DEFAULT, peer->cancellable, peer_line,
                                       peer);
}

static void
peer_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeSwarmPeer *peer = user_data;
  GSubprocess *process = G_SUBPROCESS (source);

  if (!g_subprocess_wait_finish (process, result, NULL))
    return; /* cancelled: the peer is being freed */
  peer->exited = TRUE;
  peer->exit_status =
    g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  /* Status 2 is cascade-peer refusing its command line: nothing to wait for. */
  if (peer->exit_status == 2)
    g_error ("%s: cascade-peer refused its command line (exit status 2; its stderr above)",
             peer->name);
}

/* A peer never outlives a test or benchmark that failed half way. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

CascadeSwarmPeer *
cascade_swarm_spawn (CascadeSwarm *self,
                     const char *name,
                     const char *netns,
                     const char *local_address,
                     const char *const *command)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  const char *peer_exe = g_getenv ("CASCADE_PEER");
  CascadeSwarmPeer *peer;
  const char *pid_text;

  if (peer_exe == NULL || !g_file_test (peer_exe, G_FILE_TEST_IS_EXECUTABLE))
    g_error ("$CASCADE_PEER does not name the cascade-peer binary (run through meson)");
  if (netns != NULL)
    g_strv_builder_add_many (builder, "ip", "netns", "exec", netns, NULL);
  g_strv_builder_add_many (builder, peer_exe, "--server", cascade_swarm_get_url (self), "--login",
                           name, "--password", CASCADE_SWARM_PASSWORD, "--json", NULL);
  if (local_address != NULL)
    g_strv_builder_add_many (builder, "--local-address", local_address, NULL);
  g_strv_builder_addv (builder, (const char **) command);
  argv = g_strv_builder_end (builder);

  peer = g_new0 (CascadeSwarmPeer, 1);
  peer->swarm = self;
  peer->name = g_strdup (name);
  peer->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  peer->children = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  peer->cancellable = g_cancellable_new ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  peer->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &error);
  if (peer->process == NULL)
    g_error ("starting %s: %s", name, error->message);
  /* `ip netns exec` execs the command: the pid is the peer's. */
  pid_text = g_subprocess_get_identifier (peer->process);
  peer->pid = pid_text != NULL ? (GPid) g_ascii_strtoll (pid_text, NULL, 10) : 0;
  peer->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (peer->process));
  g_data_input_stream_read_line_async (peer->out, G_PRIORITY_DEFAULT, peer->cancellable, peer_line,
                                       peer);
  g_subprocess_wait_async (peer->process, peer->cancellable, peer_exited, peer);
  g_ptr_array_add (self->peers, peer);
  return peer;
}

CascadeSwarmPeer *
cascade_swarm_spawn_streamer (CascadeSwarm *self, const char *name, const char *const *options)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) command = NULL;
  CascadeSwarmPeer *peer;

  g_strv_builder_add_many (builder, "publish", "--title", "Swarm", "--category", "Quake", NULL);
  if (options != NULL)
    g_strv_builder_addv (builder, (const char **) options);
  command = g_strv_builder_end (builder);
  peer = cascade_swarm_spawn (self, name, NULL, "127.0.0.1", (const char *const *) command);
  cascade_swarm_wait_or_die (self, 60, cascade_swarm_peer_is_live, peer, "the stream to go live");
  return peer;
}

CascadeSwarmPeer *
cascade_swarm_spawn_viewer (CascadeSwarm *self,
                            const char *name,
                            const char *target,
                            const char *const *options)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) command = NULL;

  g_strv_builder_add_many (builder, "watch", target, NULL);
  if (options != NULL)
    g_strv_builder_addv (builder, (const char **) options);
  command = g_strv_builder_end (builder);
  return cascade_swarm_spawn (self, name, NULL, "127.0.0.1", (const char *const *) command);
}

static gboolean
tick_continue (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
cascade_swarm_wait (CascadeSwarm *self,
                    double timeout_s,
                    CascadeSwarmCondition condition,
                    gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  GSource *tick;
  gboolean met;

  /* A tick wakes the loop now and then, so the deadline is seen even when
   * no peer says anything. */
  tick = g_timeout_source_new (100);
  g_source_set_callback (tick, tick_continue, NULL, NULL);
  g_source_attach (tick, NULL);
  while (!(met = condition (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);
  return met;
}

void
cascade_swarm_wait_or_die (CascadeSwarm *self,
                           double timeout_s,
                           CascadeSwarmCondition condition,
                           gpointer data,
                           const char *what)
{
  if (!cascade_swarm_wait (self, timeout_s, condition, data))
    g_error ("timed out after %.0f s waiting for %s", timeout_s, what);
}

GPtrArray *
cascade_swarm_get_peers (CascadeSwarm *self)
{
  return self->peers;
}

CascadeSwarmPeer *
cascade_swarm_find_peer (CascadeSwarm *self, const char *peer_id)
{
  for (guint i = 0; peer_id != NULL && i < self->peers->len; i++)
    {
      CascadeSwarmPeer *peer = g_ptr_array_index (self->peers, i);

      if (g_strcmp0 (peer->peer_id, peer_id) == 0)
        return peer;
    }
  return NULL;
}

guint
cascade_swarm_chain_depth (CascadeSwarm *self, CascadeSwarmPeer *peer)
{
  guint depth = 0;

  while (peer != NULL && peer->parent_peer_id != NULL && depth <= self->peers->len)
    {
      peer = cascade_swarm_find_peer (self, peer->parent_peer_id);
      depth++;
    }
  /* The chain ends at a peer with no parent: the publisher, when it is live. */
  if (peer == NULL || peer->parent_peer_id != NULL || peer->exited)
    return 0;
  return depth;
}

void
cascade_swarm_peer_set_event_func (CascadeSwarmPeer *peer,
                                   CascadeSwarmEventFunc func,
                                   gpointer user_data)
{
  peer->event_func = func;
  peer->event_data = user_data;
}

void
cascade_swarm_peer_signal (CascadeSwarmPeer *peer, int signum)
{
  g_subprocess_send_signal (peer->process, signum);
}

const char *
cascade_swarm_peer_get_name (CascadeSwarmPeer *peer)
{
  return peer->name;
}

GPid
cascade_swarm_peer_get_pid (CascadeSwarmPeer *peer)
{
  return peer->pid;
}

gboolean
cascade_swarm_peer_has_exited (CascadeSwarmPeer *peer)
{
  return peer->exited;
}

int
cascade_swarm_peer_get_exit_status (CascadeSwarmPeer *peer)
{
  return peer->exit_status;
}

const char *
cascade_swarm_peer_get_stream_id (CascadeSwarmPeer *peer)
{
  return peer->stream_id;
}

const char *
cascade_swarm_peer_get_peer_id (CascadeSwarmPeer *peer)
{
  return peer->peer_id;
}

const char *
cascade_swarm_peer_get_parent_peer_id (CascadeSwarmPeer *peer)
{
  return peer->parent_peer_id;
}

guint
cascade_swarm_peer_get_depth (CascadeSwarmPeer *peer)
{
  return peer->depth;
}

guint
cascade_swarm_peer_get_times_placed (CascadeSwarmPeer *peer)
{
  return peer->times_placed;
}

const char *
cascade_swarm_peer_get_state (CascadeSwarmPeer *peer)
{
  return peer->state;
}

gboolean
cascade_swarm_peer_has_ended (CascadeSwarmPeer *peer)
{
  return peer->ended;
}

double
cascade_swarm_peer_get_frames (CascadeSwarmPeer *peer)
{
  return peer->frames;
}

gint64
cascade_swarm_peer_get_last_frame_time (CascadeSwarmPeer *peer)
{
  return peer->last_frame_us;
}

guint
cascade_swarm_peer_get_n_children (CascadeSwarmPeer *peer)
{
  return g_hash_table_size (peer->children);
}

guint
cascade_swarm_peer_get_max_children (CascadeSwarmPeer *peer)
{
  return peer->max_children;
}

JsonObject *
cascade_swarm_peer_get_stats (CascadeSwarmPeer *peer)
{
  return peer->stats;
}

GPtrArray *
cascade_swarm_peer_get_events (CascadeSwarmPeer *peer)
{
  return peer->events;
}

guint
cascade_swarm_peer_count_events (CascadeSwarmPeer *peer, const char *name)
{
  guint count = 0;

  for (guint i = 0; i < peer->events->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (g_ptr_array_index (peer->events, i),
                                                               "event", ""),
                   name) == 0)
      count++;
  return count;
}

gboolean
cascade_swarm_peer_is_live (gpointer peer)
{
  return ((CascadeSwarmPeer *) peer)->stream_id != NULL &&
         ((CascadeSwarmPeer *) peer)->peer_id != NULL;
}

gboolean
cascade_swarm_peer_is_placed (gpointer peer)
{
  return ((CascadeSwarmPeer *) peer)->parent_peer_id != NULL;
}

gboolean
cascade_swarm_peer_exited (gpointer peer)
{
  return ((CascadeSwarmPeer *) peer)->exited;
}

typedef struct
{
  CascadeSwarmPeer *const *peers;
  guint n;
  double *wanted;
} FramesWait;

static gboolean
frames_reached (gpointer data)
{
  FramesWait *wait = data;

  for (guint i = 0; i < wait->n; i++)
    if (wait->peers[i]->frames < wait->wanted[i])
      return FALSE;
  return TRUE;
}

void
cascade_swarm_wait_frames (CascadeSwarm *self,
                           CascadeSwarmPeer *const *peers,
                           guint n,
                           double frames,
                           double timeout_s,
                           const char *what)
{
  g_autofree double *wanted = g_new (double, n);
  FramesWait wait = { peers, n, wanted };

  for (guint i = 0; i < n; i++)
    wanted[i] = MAX (peers[i]->frames, 0) + frames;
  cascade_swarm_wait_or_die (self, timeout_s, frames_reached, &wait, what);
}
