/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib-unix.h>
#include <gio/gio.h>
#include <signal.h>
#include <sys/prctl.h>

#include "cascade-test-server.h"

/*
 * A real cascaded, a headless `cascade-peer publish` and three
 * `cascade-peer watch` processes on loopback, each in its own process:
 * every viewer decodes stamped frames, one viewer leaving does not disturb
 * the others, and the stream ending reaches every viewer.
 */

#define PASSWORD "correct horse battery"
#define TIMEOUT_S 60

typedef struct
{
  char *name;
  GSubprocess *process;
  GDataInputStream *out;
  GCancellable *cancellable;
  GPtrArray *events; /* JsonObject, every line */
  double frames;
  gboolean ended;
  gboolean exited;
  int status;
  char *stream_id;
} Proc;

static void
proc_free (gpointer data)
{
  Proc *proc = data;

  g_cancellable_cancel (proc->cancellable);
  if (!proc->exited)
    {
      g_subprocess_force_exit (proc->process);
      g_subprocess_wait (proc->process, NULL, NULL);
    }
  g_object_unref (proc->cancellable);
  g_object_unref (proc->out);
  g_object_unref (proc->process);
  g_ptr_array_unref (proc->events);
  g_free (proc->stream_id);
  g_free (proc->name);
  g_free (proc);
}

static void
proc_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Proc *proc = user_data;
  g_autofree char *line = NULL;
  g_autoptr (JsonNode) node = NULL;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  if (line == NULL)
    return; /* end of output, or cancelled (proc may be gone) */
  g_test_message ("%s: %s", proc->name, line);
  node = json_from_string (line, NULL);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *event = json_node_get_object (node);
      const char *kind = json_object_get_string_member_with_default (event, "event", "");

      g_ptr_array_add (proc->events, json_object_ref (event));
      if (g_str_equal (kind, "frames"))
        proc->frames = json_object_get_double_member_with_default (event, "frames", 0);
      else if (g_str_equal (kind, "live"))
        proc->stream_id =
          g_strdup (json_object_get_string_member_with_default (event, "stream_id", ""));
      else if (g_str_equal (kind, "state") &&
               g_strcmp0 (json_object_get_string_member_with_default (event, "state", ""),
                          "ended") == 0)
        proc->ended = TRUE;
    }
  g_data_input_stream_read_line_async (proc->out, G_PRIORITY_DEFAULT, proc->cancellable, proc_line,
                                       proc);
}

static void
proc_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Proc *proc = user_data;

  if (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL))
    {
      proc->exited = TRUE;
      proc->status = g_subprocess_get_if_exited (G_SUBPROCESS (source))
                       ? g_subprocess_get_exit_status (G_SUBPROCESS (source))
                       : -1;
    }
}

/* A peer never outlives a test that failed half way. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Proc *
spawn_peer (CascadeTestServer *server, const char *name, const char *const *command)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  Proc *proc = g_new0 (Proc, 1);

  g_strv_builder_add_many (builder, g_getenv ("CASCADE_PEER"), "--server",
                           cascade_test_server_get_url (server), "--login", name, "--password",
                           PASSWORD, "--local-address", "127.0.0.1", "--json", NULL);
  g_strv_builder_addv (builder, (const char **) command);
  argv = g_strv_builder_end (builder);

  proc->name = g_strdup (name);
  proc->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  proc->cancellable = g_cancellable_new ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &error);
  g_assert_no_error (error);
  proc->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc->process));
  g_data_input_stream_read_line_async (proc->out, G_PRIORITY_DEFAULT, proc->cancellable, proc_line,
                                       proc);
  g_subprocess_wait_async (proc->process, proc->cancellable, proc_exited, proc);
  return proc;
}

static void
register_user (CascadeTestServer *server, const char *name)
{
  g_autofree char *body = g_strdup_printf (
    "{\"email\":\"%s@example.com\",\"username\":\"%s\",\"password\":\"" PASSWORD "\"}", name, name);

  g_assert_cmpuint (
    cascade_test_server_request (server, "POST", "/api/v1/auth/register", NULL, body, NULL), ==,
    201);
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_for (Condition condition, gpointer data, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (!condition (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!condition (data))
    g_error ("timed out waiting for %s", what);
}

static gboolean
is_live (gpointer data)
{
  return ((Proc *) data)->stream_id != NULL;
}

typedef struct
{
  Proc **viewers;
  guint n;
  double frames;
} FramesWait;

static gboolean
all_have_frames (gpointer data)
{
  FramesWait *wait = data;

  for (guint i = 0; i < wait->n; i++)
    if (wait->viewers[i]->frames < wait->frames)
      return FALSE;
  return TRUE;
}

static gboolean
has_exited (gpointer data)
{
  return ((Proc *) data)->exited;
}

static gboolean
saw_viewer_left (gpointer data)
{
  Proc *proc = data;

  for (guint i = 0; i < proc->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (proc->events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "viewer") ==
            0 &&
          g_strcmp0 (json_object_get_string_member_with_default (event, "state", ""), "left") == 0)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  CascadeTestServer *server;
  Proc *streamer;
  gint64 next_try_us;
  gboolean found;
} ThumbnailWait;

static gboolean
has_thumbnail (gpointer data)
{
  ThumbnailWait *wait = data;
  g_autofree char *path = NULL;
  g_autoptr (GBytes) image = NULL;

  if (wait->found || g_get_monotonic_time () < wait->next_try_us)
    return wait->found;
  wait->next_try_us = g_get_monotonic_time () + G_USEC_PER_SEC / 4;
  path = g_strdup_printf ("/api/v1/streams/%s/thumbnail", wait->streamer->stream_id);
  wait->found = cascade_test_server_request_full (wait->server, "GET", path, NULL, NULL, NULL, NULL,
                                                  &image) == 200;
  wait->found = wait->found && image != NULL && g_bytes_get_size (image) > 1000;
  return wait->found;
}

static void
test_three_viewers (void)
{
  g_autoptr (CascadeTestServer) server = cascade_test_server_new (NULL);
  const char *viewer_names[] = { "viewer1", "viewer2", "viewer3" };
  Proc *viewers[3];
  Proc *streamer;
  const char *publish[] = { "publish", "--title", "Loopback", "--category", "Quake", NULL };
  FramesWait wait = { viewers, 3, 30 };
  FramesWait others = { viewers + 1, 2, 0 };
  ThumbnailWait thumbnail = { server, NULL, 0, FALSE };

  register_user (server, "streamer");
  for (guint i = 0; i < 3; i++)
    register_user (server, viewer_names[i]);

  streamer = spawn_peer (server, "streamer", publish);
  wait_for (is_live, streamer, "the stream to go live");
  thumbnail.streamer = streamer;

  for (guint i = 0; i < 3; i++)
    {
      const char *watch[] = { "watch", "streamer", NULL };

      viewers[i] = spawn_peer (server, viewer_names[i], watch);
    }
  /* Every viewer decodes frames carrying the stamped pattern. */
  wait_for (all_have_frames, &wait, "every viewer to decode stamped frames");

  /* The streamer put a picture of the stream up for the Live page. */
  wait_for (has_thumbnail, &thumbnail, "the stream's thumbnail");

  /* One viewer leaves; the streamer sees it go and the others play on. */
  g_subprocess_send_signal (viewers[0]->process, SIGTERM);
  wait_for (has_exited, viewers[0], "the first viewer to leave");
  wait_for (saw_viewer_left, streamer, "the streamer to see the viewer leave");
  others.frames = MAX (viewers[1]->frames, viewers[2]->frames) + 45;
  wait_for (all_have_frames, &others, "the other viewers to keep playing");

  /* The streamer ends the stream: it reaches every viewer still watching. */
  g_subprocess_send_signal (streamer->process, SIGTERM);
  wait_for (has_exited, streamer, "the streamer to end the stream");
  g_assert_cmpint (streamer->status, ==, 0);
  for (guint i = 1; i < 3; i++)
    {
      wait_for (has_exited, viewers[i], "a viewer to hear the stream end");
      g_assert_true (viewers[i]->ended);
      g_assert_cmpint (viewers[i]->status, ==, 0);
    }

  for (guint i = 0; i < 3; i++)
    proc_free (viewers[i]);
  proc_free (streamer);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/peers/three-viewers", test_three_viewers);
  return g_test_run ();
}
