/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>

#include "cascade-swarm.h"

/*
 * The cascade with real processes on loopback: a real cascaded, one
 * `cascade-peer publish` and several `cascade-peer watch`, each its own
 * process, driven through their --json events.
 */

#define TIMEOUT_S 90

typedef struct
{
  CascadeSwarm *swarm;
  CascadeSwarmPeer *streamer;
} Fixture;

static void
fixture_set_up (Fixture *fixture, gconstpointer data)
{
  fixture->swarm = cascade_swarm_new (NULL, NULL);
}

static void
fixture_tear_down (Fixture *fixture, gconstpointer data)
{
  g_clear_pointer (&fixture->swarm, cascade_swarm_free);
}

/* Accounts streamer, viewer1..viewerN; the streamer live with @options. */
static void
go_live (Fixture *fixture, guint n_viewers, const char *const *options)
{
  cascade_swarm_add_account (fixture->swarm, "streamer");
  for (guint i = 1; i <= n_viewers; i++)
    {
      g_autofree char *name = g_strdup_printf ("viewer%u", i);

      cascade_swarm_add_account (fixture->swarm, name);
    }
  fixture->streamer = cascade_swarm_spawn_streamer (fixture->swarm, "streamer", options);
}

static CascadeSwarmPeer *
watch (Fixture *fixture, guint number, const char *const *options)
{
  g_autofree char *name = g_strdup_printf ("viewer%u", number);

  return cascade_swarm_spawn_viewer (fixture->swarm, name, "streamer", options);
}

typedef struct
{
  CascadeSwarm *swarm;
  CascadeSwarmPeer **peers;
  guint n;
} PeersWait;

/* Every peer placed, along parents that lead to the streamer. */
static gboolean
all_in_tree (gpointer data)
{
  PeersWait *wait = data;

  for (guint i = 0; i < wait->n; i++)
    if (cascade_swarm_chain_depth (wait->swarm, wait->peers[i]) == 0)
      return FALSE;
  return TRUE;
}

typedef struct
{
  CascadeSwarmPeer *peer;
  const char *name;
  const char *member;
  const char *value;
} EventWait;

static gboolean
saw_event (gpointer data)
{
  EventWait *wait = data;
  GPtrArray *events = cascade_swarm_peer_get_events (wait->peer);

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      g_autofree char *value = NULL;

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), wait->name) !=
          0)
        continue;
      if (wait->member == NULL)
        return TRUE;
      value = cascade_swarm_event_dup_string (event, wait->member);
      if (g_strcmp0 (value, wait->value) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Three viewers join; each is placed in the streamer's tree and decodes the
 * stamped pattern; one killed with SIGKILL is seen gone by the streamer and
 * the others play on; the stream's end reaches those still watching. */
static void
test_join_kill_end (Fixture *fixture, gconstpointer data)
{
  CascadeSwarmPeer *viewers[3];
  PeersWait placed = { fixture->swarm, viewers, 3 };
  EventWait left = { NULL, "viewer", "state", "left" };

  go_live (fixture, 3, NULL);
  for (guint i = 0; i < 3; i++)
    viewers[i] = watch (fixture, i + 1, NULL);
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, all_in_tree, &placed,
                             "every viewer to be placed in the tree");
  cascade_swarm_wait_frames (fixture->swarm, viewers, 3, 30, TIMEOUT_S,
                             "every viewer to decode stamped frames");

  cascade_swarm_peer_signal (viewers[0], SIGKILL);
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, cascade_swarm_peer_exited, viewers[0],
                             "the killed viewer to be gone");
  left.peer = fixture->streamer;
  cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, saw_event, &left,
                             "the streamer to see the killed viewer go");
  cascade_swarm_wait_frames (fixture->swarm, viewers + 1, 2, 45, TIMEOUT_S,
                             "the other viewers to play on");

  cascade_swarm_peer_signal (fixture->streamer, SIGTERM);
  for (guint i = 1; i < 3; i++)
    {
      cascade_swarm_wait_or_die (fixture->swarm, TIMEOUT_S, cascade_swarm_peer_exited, viewers[i],
                                 "a viewer to hear the stream end");
      g_assert_true (cascade_swarm_peer_has_ended (viewers[i]));
      g_assert_cmpint (cascade_swarm_peer_get_exit_status (viewers[i]), ==, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cascade/swarm/join-kill-end", Fixture, NULL, fixture_set_up, test_join_kill_end,
              fixture_tear_down);
  return g_test_run ();
}
