/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#include "cascade-netlab.h"
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

/* Why the tests that need network namespaces cannot run here, or NULL. */
static char *netns_unavailable;

/* The network lab works, and a lossy link is repaired: streamer and viewer
 * each in a namespace of their own, 1% of each one's incoming UDP dropped by
 * nftables; the drops really happen, and the viewer still decodes stamped
 * frames steadily. */
static void
test_lossy_link (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeNetlab) lab = NULL;
  g_autoptr (CascadeSwarm) swarm = NULL;
  g_autofree char *listen = NULL;
  const char *publish[] = { "publish", "--title", "Lossy", "--category", "Quake", NULL };
  const char *watch_stream[] = { "watch", "streamer", NULL };
  CascadeSwarmPeer *streamer, *viewer;

  if (netns_unavailable != NULL)
    {
      g_test_skip (netns_unavailable);
      return;
    }
  lab = cascade_netlab_new (2, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      cascade_netlab_set_loss (lab, i, 1, &error);
      g_assert_no_error (error);
    }
  listen = g_strdup_printf ("%s:0", cascade_netlab_get_hub_address (lab));
  swarm = cascade_swarm_new (listen, NULL);
  cascade_swarm_add_account (swarm, "streamer");
  cascade_swarm_add_account (swarm, "viewer1");

  streamer = cascade_swarm_spawn (swarm, "streamer", cascade_netlab_get_node_netns (lab, 0),
                                  cascade_netlab_get_node_address (lab, 0), publish);
  cascade_swarm_wait_or_die (swarm, TIMEOUT_S, cascade_swarm_peer_is_live, streamer,
                             "the stream to go live in its namespace");
  viewer = cascade_swarm_spawn (swarm, "viewer1", cascade_netlab_get_node_netns (lab, 1),
                                cascade_netlab_get_node_address (lab, 1), watch_stream);
  cascade_swarm_wait_frames (swarm, &viewer, 1, 150, TIMEOUT_S,
                             "the viewer across the lossy link to decode 150 stamped frames");
  g_assert_cmpuint (cascade_netlab_get_dropped (lab, 1), >, 0);
  g_test_message ("dropped at the viewer: %" G_GUINT64_FORMAT " packets",
                  cascade_netlab_get_dropped (lab, 1));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;

  /* Before anything starts a thread: this whole test program moves into a
   * network namespace of its own (loopback there, and the lab's bridge), so
   * the lab leaves the machine's own network alone. */
  if (geteuid () != 0)
    netns_unavailable = g_strdup ("network namespaces need root (CAP_NET_ADMIN); not root here");
  else if (!cascade_netlab_enter_own_netns (&error))
    netns_unavailable = g_strdup_printf ("no network namespace of our own: %s", error->message);
  else
    cascade_netlab_check (&netns_unavailable);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cascade/swarm/join-kill-end", Fixture, NULL, fixture_set_up, test_join_kill_end,
              fixture_tear_down);
  g_test_add_func ("/cascade/swarm/lossy-link", test_lossy_link);
  return g_test_run ();
}
