/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include "cascade-swarm.h"

/*
 * A real cascaded, a headless `cascade-peer publish` and three
 * `cascade-peer watch` processes on loopback, each in its own process:
 * every viewer decodes stamped frames, one viewer leaving does not disturb
 * the others, and the stream ending reaches every viewer.
 */

#define TIMEOUT_S 120

typedef struct
{
  CascadeSwarm *swarm;
  CascadeSwarmPeer *streamer;
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
  path = g_strdup_printf ("/api/v1/streams/%s/thumbnail",
                          cascade_swarm_peer_get_stream_id (wait->streamer));
  wait->found = cascade_test_server_request_full (cascade_swarm_get_server (wait->swarm), "GET",
                                                  path, NULL, NULL, NULL, NULL, &image) == 200;
  wait->found = wait->found && image != NULL && g_bytes_get_size (image) > 1000;
  return wait->found;
}

static gboolean
saw_viewer_left (gpointer data)
{
  GPtrArray *events = cascade_swarm_peer_get_events (data);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "viewer") ==
            0 &&
          g_strcmp0 (json_object_get_string_member_with_default (event, "state", ""), "left") == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_three_viewers (void)
{
  g_autoptr (CascadeSwarm) swarm = cascade_swarm_new (NULL, NULL);
  const char *viewer_names[] = { "viewer1", "viewer2", "viewer3" };
  CascadeSwarmPeer *viewers[3];
  CascadeSwarmPeer *streamer;
  ThumbnailWait thumbnail = { swarm, NULL, 0, FALSE };

  cascade_swarm_add_account (swarm, "streamer");
  for (guint i = 0; i < 3; i++)
    cascade_swarm_add_account (swarm, viewer_names[i]);

  streamer = cascade_swarm_spawn_streamer (swarm, "streamer", NULL);
  thumbnail.streamer = streamer;
  for (guint i = 0; i < 3; i++)
    viewers[i] = cascade_swarm_spawn_viewer (swarm, viewer_names[i], "streamer", NULL);
  /* Every viewer decodes frames carrying the stamped pattern. */
  cascade_swarm_wait_frames (swarm, viewers, 3, 30, TIMEOUT_S,
                             "every viewer to decode stamped frames");

  /* The streamer put a picture of the stream up for the Live page. */
  cascade_swarm_wait_or_die (swarm, TIMEOUT_S, has_thumbnail, &thumbnail, "the stream's thumbnail");

  /* One viewer leaves; the streamer sees it go and the others play on. */
  cascade_swarm_peer_signal (viewers[0], SIGTERM);
  cascade_swarm_wait_or_die (swarm, TIMEOUT_S, cascade_swarm_peer_exited, viewers[0],
                             "the first viewer to leave");
  cascade_swarm_wait_or_die (swarm, TIMEOUT_S, saw_viewer_left, streamer,
                             "the streamer to see the viewer leave");
  cascade_swarm_wait_frames (swarm, viewers + 1, 2, 45, TIMEOUT_S,
                             "the other viewers to keep playing");

  /* The streamer ends the stream: it reaches every viewer still watching. */
  cascade_swarm_peer_signal (streamer, SIGTERM);
  cascade_swarm_wait_or_die (swarm, TIMEOUT_S, cascade_swarm_peer_exited, streamer,
                             "the streamer to end the stream");
  g_assert_cmpint (cascade_swarm_peer_get_exit_status (streamer), ==, 0);
  for (guint i = 1; i < 3; i++)
    {
      cascade_swarm_wait_or_die (swarm, TIMEOUT_S, cascade_swarm_peer_exited, viewers[i],
                                 "a viewer to hear the stream end");
      g_assert_true (cascade_swarm_peer_has_ended (viewers[i]));
      g_assert_cmpint (cascade_swarm_peer_get_exit_status (viewers[i]), ==, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/peers/three-viewers", test_three_viewers);
  return g_test_run ();
}
