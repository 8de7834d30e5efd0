/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-common.h"
#include "cascade-netlab.h"
#include "cascade-swarm.h"

/*
 * The cascade measured with real processes (a real cascaded, one
 * `cascade-peer publish` of the stamped 720p30 test pattern at 4 Mbit/s and
 * `cascade-peer watch` viewers), each section in its own process:
 *
 *   tree      1 streamer (2 direct children) + 15 viewers relaying to 2 each:
 *             the streamer's upload as the audience grows 1 → 15, glass-to-glass
 *             latency per depth (p50/p95/p99), then failover: SIGKILL a third of
 *             the relays at once, and the time until each surviving viewer
 *             below them shows video again.
 *   cpu       CPU of one relay (no playback) with 0, 1, 2 and 4 children.
 *   lossy     3 hops, each peer in its own network namespace with 1% of its
 *             incoming UDP dropped by nftables and 20 ms held by cascade-peer
 *             (40 ms round trip per link): p95 latency at depth 3, frames
 *             displayed, corrupt frames. Needs root; says so and skips otherwise.
 *
 * Latency samples are every stamped frame each viewer decoded (its `stats`
 * a second list them), about 30 a second per viewer.
 */

#define FPS 30
#define TREE_VIEWERS 15
#define MAX_DEPTH 16
#define LATENCY_SECONDS 40
#define LOSSY_SECONDS 60
#define CPU_SECONDS 30
#define WAIT_S 90

/* ---- numbers ---- */

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Runs the main loop for @seconds (the peers' events keep coming in). */
static void
run_for (CascadeSwarm *swarm, double seconds)
{
  cascade_swarm_wait (swarm, seconds, never, NULL);
}

static guint
peer_depth (CascadeSwarm *swarm, CascadeSwarmPeer *peer)
{
  guint depth = cascade_swarm_peer_get_depth (peer);

  return depth > 0 ? depth : cascade_swarm_chain_depth (swarm, peer);
}

static void
add_accounts (CascadeSwarm *swarm, const char *prefix, guint n)
{
  cascade_swarm_add_account (swarm, "streamer");
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s%u", prefix, i);

      cascade_swarm_add_account (swarm, name);
    }
}

/* ---- tree: upload, latency per depth, failover ---- */

typedef struct
{
  CascadeSwarm *swarm;
  CascadeSwarmPeer *streamer;
  GPtrArray *viewers;
  gboolean collect;
  GArray *latency[MAX_DEPTH + 1]; /* double ms, by depth */
  GArray *upload;                 /* double kbps, the streamer's stats while sampling */
  gint64 killed_us;
  GHashTable *resumed;    /* CascadeSwarmPeer → double[2]: ms after the kill, gap_ms */
  GHashTable *relay_only; /* CascadeSwarmPeer → the times it was placed at the kill + 1 */
  GHashTable *stalled;    /* CascadeSwarmPeer: a stats after the kill without new bytes */
  GHashTable *last_bytes; /* CascadeSwarmPeer → double *, bytes_received at its last stats */
} Tree;

static void
note_resumed (Tree *tree, CascadeSwarmPeer *peer, double gap_ms)
{
  double *times = g_new (double, 2);

  times[0] = (g_get_monotonic_time () - tree->killed_us) / 1000.0;
  times[1] = gap_ms;
  g_hash_table_insert (tree->resumed, peer, times);
}

/* A relay without playback has no `resumed`: it is receiving again when,
 * placed anew after the kill or seen stalled, its bytes_received grows
 * (1 s resolution). */
static void
relay_only_stats (Tree *tree, CascadeSwarmPeer *peer, JsonObject *event)
{
  double bytes = cascade_swarm_event_get_number (event, "bytes_received", 0);
  double *last = g_hash_table_lookup (tree->last_bytes, peer);
  guint placed_at_kill = GPOINTER_TO_UINT (g_hash_table_lookup (tree->relay_only, peer));

  if (last == NULL)
    {
      last = g_new0 (double, 1);
      g_hash_table_insert (tree->last_bytes, peer, last);
    }
  if (tree->killed_us > 0 && placed_at_kill > 0 && !g_hash_table_contains (tree->resumed, peer))
    {
      if (bytes <= *last)
        g_hash_table_add (tree->stalled, peer);
      else if (cascade_swarm_peer_get_times_placed (peer) + 1 > placed_at_kill ||
               g_hash_table_contains (tree->stalled, peer))
        note_resumed (tree, peer, NAN);
    }
  *last = bytes;
}

/* Every stamped frame a viewer decoded since its last `stats` (its
 * latencies_ms list), into @samples. */
static void
add_latencies (JsonObject *event, GArray *samples)
{
  JsonNode *node = json_object_get_member (event, "latencies_ms");
  g_auto (GStrv) items = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return;
  /* One frame's latency alone reads as a number, several as a list. */
  if (json_node_get_value_type (node) != G_TYPE_STRING)
    {
      double latency = json_node_get_double (node);

      if (latency >= 0)
        g_array_append_val (samples, latency);
      return;
    }
  items = g_strsplit (json_node_get_string (node), ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      char *end = NULL;
      double latency = g_ascii_strtod (items[i], &end);

      if (end != items[i] && *end == '\0' && latency >= 0)
        g_array_append_val (samples, latency);
    }
}

static void
viewer_event (CascadeSwarmPeer *peer, JsonObject *event, gpointer data)
{
  Tree *tree = data;
  const char *kind = json_object_get_string_member_with_default (event, "event", "");

  if (g_str_equal (kind, "stats") && tree->collect)
    {
      guint depth = peer_depth (tree->swarm, peer);

      if (depth > 0 && depth <= MAX_DEPTH)
        add_latencies (event, tree->latency[depth]);
    }
  else if (g_str_equal (kind, "resumed") && tree->killed_us > 0 &&
           !g_hash_table_contains (tree->resumed, peer))
    note_resumed (tree, peer, cascade_swarm_event_get_number (event, "gap_ms", NAN));
  if (g_str_equal (kind, "stats") && g_hash_table_contains (tree->relay_only, peer))
    relay_only_stats (tree, peer, event);
}

static void
streamer_event (CascadeSwarmPeer *peer, JsonObject *event, gpointer data)
{
  Tree *tree = data;
  double kbps = cascade_swarm_event_get_number (event, "upload_kbps", -1);

  if (tree->upload != NULL &&
      g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "stats") == 0 &&
      kbps >= 0)
    g_array_append_val (tree->upload, kbps);
}

static double
sample_upload (Tree *tree, double seconds)
{
  g_autoptr (GArray) samples = g_array_new (FALSE, FALSE, sizeof (double));
  double sum = 0;

  tree->upload = samples;
  run_for (tree->swarm, seconds);
  tree->upload = NULL;
  for (guint i = 0; i < samples->len; i++)
    sum += g_array_index (samples, double, i);
  return samples->len > 0 ? sum / samples->len : NAN;
}

static guint
tree_depth (Tree *tree)
{
  guint depth = 0;

  for (guint i = 0; i < tree->viewers->len; i++)
    depth = MAX (depth, peer_depth (tree->swarm, g_ptr_array_index (tree->viewers, i)));
  return depth;
}

static gboolean
has_stamped_frames_or_exited (gpointer peer)
{
  return cascade_swarm_peer_get_frames (peer) >= 10 || cascade_swarm_peer_has_exited (peer);
}

/* Waits for @peer to decode stamped frames; a peer that exits ends the section. */
static void
wait_playing (CascadeSwarm *swarm, CascadeSwarmPeer *peer)
{
  cascade_swarm_wait_or_die (swarm, WAIT_S, has_stamped_frames_or_exited, peer,
                             "a viewer to decode stamped frames");
  if (cascade_swarm_peer_has_exited (peer))
    g_error ("%s exited (status %d) before decoding stamped frames",
             cascade_swarm_peer_get_name (peer), cascade_swarm_peer_get_exit_status (peer));
}

/* The place of the @i-th viewer (1-based) within its level of a full binary
 * tree under a root with two slots: level d holds viewers 2^d - 1 .. 2^(d+1) - 2. */
static guint
expected_position (guint i)
{
  guint first = 1;

  for (guint width = 2; i >= first + width; width *= 2)
    first += width;
  return i - first + 1;
}

static gboolean
receiving_or_exited (gpointer peer)
{
  JsonObject *stats = cascade_swarm_peer_get_stats (peer);

  return cascade_swarm_peer_has_exited (peer) ||
         (stats != NULL && cascade_swarm_event_get_number (stats, "bytes_received", 0) > 100000);
}

/* Waits for @peer (relaying, without playback) to receive the stream. */
static void
wait_receiving (CascadeSwarm *swarm, CascadeSwarmPeer *peer)
{
  cascade_swarm_wait_or_die (swarm, WAIT_S, receiving_or_exited, peer,
                             "a relay to receive the stream");
  if (cascade_swarm_peer_has_exited (peer))
    g_error ("%s exited (status %d) before receiving the stream",
             cascade_swarm_peer_get_name (peer), cascade_swarm_peer_get_exit_status (peer));
}

/* Whether @peer's parent chain (as it was) passes through a peer in @killed. */
static gboolean
below_killed (Tree *tree, CascadeSwarmPeer *peer, GHashTable *parents, GHashTable *killed)
{
  const char *parent = g_hash_table_lookup (parents, cascade_swarm_peer_get_peer_id (peer));

  for (guint hops = 0; parent != NULL && hops <= tree->viewers->len; hops++)
    {
      CascadeSwarmPeer *up = cascade_swarm_find_peer (tree->swarm, parent);

      if (up == NULL)
        return FALSE;
      if (g_hash_table_contains (killed, up))
        return TRUE;
      parent = g_hash_table_lookup (parents, parent);
    }
  return FALSE;
}

typedef struct
{
  Tree *tree;
  GPtrArray *affected;
} ResumeWait;

static gboolean
all_resumed (gpointer data)
{
  ResumeWait *wait = data;

  for (guint i = 0; i < wait->affected->len; i++)
    {
      CascadeSwarmPeer *viewer = g_ptr_array_index (wait->affected, i);

      if (!g_hash_table_contains (wait->tree->relay_only, viewer) &&
          !g_hash_table_contains (wait->tree->resumed, viewer))
        return FALSE;
    }
  return TRUE;
}

static void
failover (Tree *tree)
{
  g_autoptr (GPtrArray) relays = g_ptr_array_new ();
  g_autoptr (GPtrArray) affected = g_ptr_array_new ();
  g_autoptr (GHashTable) killed = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) parents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GArray) times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) gaps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) relay_times = g_array_new (FALSE, FALSE, sizeof (double));
  guint relay_never = 0;
  ResumeWait wait = { tree, affected };
  guint n_kill, unaffected_stalled = 0, within = 0, decoding = 0;
  double frames_before[TREE_VIEWERS + 1] = { 0 };

  for (guint i = 0; i < tree->viewers->len; i++)
    {
      CascadeSwarmPeer *viewer = g_ptr_array_index (tree->viewers, i);

      g_hash_table_insert (parents, g_strdup (cascade_swarm_peer_get_peer_id (viewer)),
                           g_strdup (cascade_swarm_peer_get_parent_peer_id (viewer)));
      if (cascade_swarm_peer_get_n_children (viewer) > 0)
        g_ptr_array_add (relays, viewer);
    }
  n_kill = (relays->len + 2) / 3;
  printf ("\nfailover: %u relays of %u viewers; SIGKILL %u of them at once:", relays->len,
          tree->viewers->len, n_kill);
  if (n_kill == 0)
    {
      printf (" none (no viewer relays: the tree is flat)\n");
      return;
    }
  /* Every third relay, so the killed ones sit at different depths. */
  for (guint i = 0; i < relays->len && g_hash_table_size (killed) < n_kill; i += 3)
    g_hash_table_add (killed, g_ptr_array_index (relays, i));
  for (guint i = 0; i < tree->viewers->len; i++)
    {
      CascadeSwarmPeer *viewer = g_ptr_array_index (tree->viewers, i);

      frames_before[i] = cascade_swarm_peer_get_frames (viewer);
      if (g_hash_table_contains (killed, viewer))
        printf (" %s (depth %u, %u children)", cascade_swarm_peer_get_name (viewer),
                peer_depth (tree->swarm, viewer), cascade_swarm_peer_get_n_children (viewer));
      else if (below_killed (tree, viewer, parents, killed))
        g_ptr_array_add (affected, viewer);
    }
  printf ("\n");

  for (guint i = 0; i < affected->len; i++)
    {
      CascadeSwarmPeer *viewer = g_ptr_array_index (affected, i);

      if (g_hash_table_contains (tree->relay_only, viewer))
        g_hash_table_insert (tree->relay_only, viewer,
                             GUINT_TO_POINTER (cascade_swarm_peer_get_times_placed (viewer) + 1));
    }
  tree->killed_us = g_get_monotonic_time ();
  {
    GHashTableIter iter;
    gpointer viewer;

    g_hash_table_iter_init (&iter, killed);
    while (g_hash_table_iter_next (&iter, &viewer, NULL))
      cascade_swarm_peer_signal (viewer, SIGKILL);
  }
  cascade_swarm_wait (tree->swarm, 30, all_resumed, &wait);
  /* Then a few more seconds, to see everyone playing on. */
  run_for (tree->swarm, 5);

  printf ("  %u surviving viewers were below a killed relay; time from the kill until each "
          "showed video again (a `resumed` event), and the frozen gap it reports:\n",
          affected->len);
  for (guint i = 0; i < affected->len; i++)
    {
      CascadeSwarmPeer *viewer = g_ptr_array_index (affected, i);
      double *resumed = g_hash_table_lookup (tree->resumed, viewer);

      if (g_hash_table_contains (tree->relay_only, viewer))
        {
          if (resumed != NULL)
            g_array_append_val (relay_times, resumed[0]);
          else
            relay_never++;
          if (resumed != NULL)
            printf ("    %-9s depth %u now: relay without playback, receiving again %.0f ms after "
                    "the kill (1 s resolution)\n",
                    cascade_swarm_peer_get_name (viewer), peer_depth (tree->swarm, viewer),
                    resumed[0]);
          else
            printf ("    %-9s depth %u now: relay without playback, never seen without new "
                    "bytes for a whole second\n",
                    cascade_swarm_peer_get_name (viewer), peer_depth (tree->swarm, viewer));
          continue;
        }
      decoding++;
      if (resumed == NULL)
        {
          guint index = 0;

          g_ptr_array_find (tree->viewers, viewer, &index);
          printf ("    %-9s depth %u now: no `resumed` within 30 s (stamped frames %.0f at the "
                  "kill, %.0f now)\n",
                  cascade_swarm_peer_get_name (viewer), peer_depth (tree->swarm, viewer),
                  frames_before[index], cascade_swarm_peer_get_frames (viewer));
          continue;
        }
      g_array_append_val (times, resumed[0]);
      if (!isnan (resumed[1]))
        g_array_append_val (gaps, resumed[1]);
      within += resumed[0] <= 3000;
      printf ("    %-9s depth %u now: %6.0f ms after the kill (gap %.0f ms, placed %u times)",
              cascade_swarm_peer_get_name (viewer), peer_depth (tree->swarm, viewer), resumed[0],
              resumed[1], cascade_swarm_peer_get_times_placed (viewer));
      /* A gap longer than the time since the kill began before it: the
       * machine's load (or an earlier move), not the failover. */
      if (resumed[1] > resumed[0] + 250)
        printf (" (frozen already %.0f ms before the kill)", resumed[1] - resumed[0]);
      printf ("\n");
    }
  /* Every decoding viewer below a killed relay, resumed or not. */
  printf ("  decoding viewers below a killed relay: %u; video again after the kill: ", decoding);
  if (times->len > 0)
    printf ("min %.0f ms, p50 %.0f ms, p95 %.0f ms, max %.0f ms; ",
            cascade_bench_percentile (times, 0), cascade_bench_percentile (times, 50),
            cascade_bench_percentile (times, 95), cascade_bench_percentile (times, 100));
  printf ("%u within 3 s, %u later, %u never (within 30 s) (target: all within 3 s)\n", within,
          times->len - within, decoding - times->len);
  if (relay_times->len > 0 || relay_never > 0)
    printf ("  relays without playback below a killed relay: %u; receiving again (1 s "
            "resolution): min %.0f ms, p50 %.0f ms, max %.0f ms; %u never seen stalled\n",
            relay_times->len + relay_never, cascade_bench_percentile (relay_times, 0),
            cascade_bench_percentile (relay_times, 50), cascade_bench_percentile (relay_times, 100),
            relay_never);
  if (gaps->len > 0)
    printf ("  frozen gap (from the last frame before, which may precede the kill): p50 %.0f ms, "
            "p95 %.0f ms, max %.0f ms\n",
            cascade_bench_percentile (gaps, 50), cascade_bench_percentile (gaps, 95),
            cascade_bench_percentile (gaps, 100));
  for (guint i = 0; i < tree->viewers->len; i++)
    {
      CascadeSwarmPeer *viewer = g_ptr_array_index (tree->viewers, i);

      if (!g_hash_table_contains (killed, viewer) && !g_ptr_array_find (affected, viewer, NULL) &&
          !g_hash_table_contains (tree->relay_only, viewer) &&
          cascade_swarm_peer_get_frames (viewer) < frames_before[i] + 5 * FPS)
        unaffected_stalled++;
    }
  printf ("  decoding viewers not below a killed relay that fell behind meanwhile: %u\n",
          unaffected_stalled);
}

static int
section_tree (void)
{
  g_autoptr (CascadeSwarm) swarm = cascade_swarm_new (NULL, NULL);
  const char *publish[] = { "--max-viewers", "2", NULL };
  const char *relay[] = { "--relay", "2", NULL };
  const char *relay_only[] = { "--relay", "2", "--no-playback", NULL };
  gboolean everyone_decodes = g_getenv ("BENCH_SWARM_ALL_DECODE") != NULL;
  Tree tree = { swarm };

  tree.viewers = g_ptr_array_new ();
  tree.resumed = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  tree.relay_only = g_hash_table_new (NULL, NULL);
  tree.stalled = g_hash_table_new (NULL, NULL);
  tree.last_bytes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  for (guint d = 0; d <= MAX_DEPTH; d++)
    tree.latency[d] = g_array_new (FALSE, FALSE, sizeof (double));
  add_accounts (swarm, "viewer", TREE_VIEWERS);

  printf ("tree: 1 streamer (--max-viewers 2), %u viewers (--relay 2) joining one by one, "
          "720p30 at 4000 kbit/s\n",
          TREE_VIEWERS);
  /* Sixteen decoders would swamp a two-core machine and measure its run
   * queue: by default the first two viewers to join each level of the binary
   * tree decode (and measure), the others relay without playback
   * (BENCH_SWARM_ALL_DECODE=1: everyone decodes). */
  printf ("  decoding: %s\n", everyone_decodes ? "every viewer"
                                               : "viewers 1, 2, 3, 4, 7, 8, 15 (two per level "
                                                 "of a full binary tree); the rest --no-playback");
  tree.streamer = cascade_swarm_spawn_streamer (swarm, "streamer", publish);
  cascade_swarm_peer_set_event_func (tree.streamer, streamer_event, &tree);
  printf ("  viewers  depth  streamer children  streamer upload kbit/s\n");
  for (guint i = 1; i <= TREE_VIEWERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("viewer%u", i);
      gboolean decodes = everyone_decodes || expected_position (i) <= 2;
      CascadeSwarmPeer *viewer =
        cascade_swarm_spawn_viewer (swarm, name, "streamer", decodes ? relay : relay_only);
      guint children = 0;
      double upload;

      cascade_swarm_peer_set_event_func (viewer, viewer_event, &tree);
      g_ptr_array_add (tree.viewers, viewer);
      if (!decodes)
        g_hash_table_insert (tree.relay_only, viewer, GUINT_TO_POINTER (0));
      if (decodes)
        wait_playing (swarm, viewer);
      else
        wait_receiving (swarm, viewer);
      upload = sample_upload (&tree, 4);
      for (guint j = 0; j < tree.viewers->len; j++)
        {
          CascadeSwarmPeer *other = g_ptr_array_index (tree.viewers, j);

          children += g_strcmp0 (cascade_swarm_peer_get_parent_peer_id (other),
                                 cascade_swarm_peer_get_peer_id (tree.streamer)) == 0;
        }
      printf ("  %7u  %5u  %17u  %22.0f\n", i, tree_depth (&tree), children, upload);
      fflush (stdout);
    }

  tree.collect = TRUE;
  run_for (swarm, LATENCY_SECONDS);
  tree.collect = FALSE;
  printf (
    "\nglass-to-glass latency by depth over %u s (every stamped frame each decoding viewer showed; "
    "target: p95 < 50 ms at depth 1, < +20 ms per further hop):\n",
    LATENCY_SECONDS);
  printf ("  depth  viewers  samples  p50 ms  p95 ms  p99 ms\n");
  for (guint d = 1; d <= MAX_DEPTH; d++)
    {
      guint viewers = 0;

      if (tree.latency[d]->len == 0)
        continue;
      for (guint j = 0; j < tree.viewers->len; j++)
        viewers += peer_depth (swarm, g_ptr_array_index (tree.viewers, j)) == d;
      printf ("  %5u  %7u  %7u  %6.1f  %6.1f  %6.1f\n", d, viewers, tree.latency[d]->len,
              cascade_bench_percentile (tree.latency[d], 50),
              cascade_bench_percentile (tree.latency[d], 95),
              cascade_bench_percentile (tree.latency[d], 99));
    }
  fflush (stdout);

  failover (&tree);
  for (guint d = 0; d <= MAX_DEPTH; d++)
    g_array_unref (tree.latency[d]);
  g_hash_table_unref (tree.resumed);
  g_hash_table_unref (tree.relay_only);
  g_hash_table_unref (tree.stalled);
  g_hash_table_unref (tree.last_bytes);
  g_ptr_array_unref (tree.viewers);
  return 0;
}

/* ---- cpu: one relay, 0..4 children ---- */

static double
cpu_percent (CascadeSwarm *swarm, CascadeSwarmPeer *peer)
{
  double before = cascade_bench_process_cpu_seconds (cascade_swarm_peer_get_pid (peer));
  gint64 start = g_get_monotonic_time ();

  run_for (swarm, CPU_SECONDS);
  return 100.0 * (cascade_bench_process_cpu_seconds (cascade_swarm_peer_get_pid (peer)) - before) /
         ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

typedef struct
{
  CascadeSwarmPeer *relay;
  guint children;
} ChildrenWait;

static gboolean
relay_has_children (gpointer data)
{
  ChildrenWait *wait = data;

  return cascade_swarm_peer_get_n_children (wait->relay) >= wait->children;
}

static int
section_cpu (void)
{
  g_autoptr (CascadeSwarm) swarm = cascade_swarm_new (NULL, NULL);
  const char *publish[] = { "--max-viewers", "1", NULL };
  const char *relay_options[] = { "--relay", "4", "--no-playback", NULL };
  const char *leaf_options[] = { "--relay", "0", NULL };
  const guint steps[] = { 1, 2, 4 };
  CascadeSwarmPeer *relay;
  double base;
  guint leaves = 0;

  add_accounts (swarm, "leaf", 4);
  cascade_swarm_add_account (swarm, "relay");
  printf ("cpu: streamer (--max-viewers 1) → relay (--relay 4 --no-playback) → leaves; "
          "720p30 at 4000 kbit/s; relay CPU over %u s, %% of one core "
          "(target: < 3%% per forwarded child)\n",
          CPU_SECONDS);
  cascade_swarm_spawn_streamer (swarm, "streamer", publish);
  relay = cascade_swarm_spawn_viewer (swarm, "relay", "streamer", relay_options);
  wait_receiving (swarm, relay);
  base = cpu_percent (swarm, relay);
  printf ("  children  relay cpu %%  per child %%\n");
  printf ("  %8u  %11.1f  %11s\n", 0, base, "-");
  fflush (stdout);
  for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
    {
      ChildrenWait wait = { relay, steps[s] };
      double cpu;

      while (leaves < steps[s])
        {
          g_autofree char *name = g_strdup_printf ("leaf%u", ++leaves);
          CascadeSwarmPeer *leaf =
            cascade_swarm_spawn_viewer (swarm, name, "streamer", leaf_options);

          wait_playing (swarm, leaf);
        }
      if (!cascade_swarm_wait (swarm, 5, relay_has_children, &wait))
        printf ("  (the relay reports %u children, not %u: the leaves went elsewhere)\n",
                cascade_swarm_peer_get_n_children (relay), steps[s]);
      cpu = cpu_percent (swarm, relay);
      printf ("  %8u  %11.1f  %11.2f\n", cascade_swarm_peer_get_n_children (relay), cpu,
              (cpu - base) / MAX (cascade_swarm_peer_get_n_children (relay), 1));
      fflush (stdout);
    }
  return 0;
}

/* ---- lossy: three hops through namespaces ---- */

typedef struct
{
  gboolean collect;
  GArray *latency;
  double frames_start, stamped_start, frames_end, stamped_end;
  gint64 start_us, end_us; /* when the first and the last counts arrived */
} Lossy;

static void
lossy_event (CascadeSwarmPeer *peer, JsonObject *event, gpointer data)
{
  Lossy *lossy = data;

  if (!lossy->collect ||
      g_strcmp0 (json_object_get_string_member_with_default (event, "event", ""), "stats") != 0)
    return;
  add_latencies (event, lossy->latency);
  lossy->frames_end = cascade_swarm_event_get_number (event, "frames", 0);
  lossy->stamped_end = cascade_swarm_event_get_number (event, "stamped", lossy->frames_end);
  lossy->end_us = g_get_monotonic_time ();
  if (lossy->frames_start < 0)
    {
      lossy->frames_start = lossy->frames_end;
      lossy->stamped_start = lossy->stamped_end;
      lossy->start_us = lossy->end_us;
    }
}

static int
section_lossy (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeNetlab) lab = NULL;
  g_autoptr (CascadeSwarm) swarm = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *listen = NULL;
  const char *names[] = { "streamer", "hop1", "hop2", "hop3" };
  CascadeSwarmPeer *peers[4];
  Lossy lossy = { FALSE, g_array_new (FALSE, FALSE, sizeof (double)), -1 };
  double seconds, displayed, corrupt;

  printf ("lossy: streamer → hop1 → hop2 → hop3, each in its own network namespace, 1%% of "
          "incoming UDP dropped (nftables) and 20 ms held on receipt (--impair-delay-ms), "
          "%u s\n",
          LOSSY_SECONDS);
  /* First, before anything starts a thread: everything this section starts
   * lives in this namespace, with the bridge to the peers' namespaces. */
  if (geteuid () != 0)
    {
      printf ("  skipped: network namespaces need root (CAP_NET_ADMIN); not root here\n");
      return 0;
    }
  if (!cascade_netlab_enter_own_netns (&error))
    {
      printf ("  skipped: %s\n", error->message);
      return 0;
    }
  if (!cascade_netlab_check (&reason))
    {
      printf ("  skipped: %s\n", reason);
      return 0;
    }
  if ((lab = cascade_netlab_new (G_N_ELEMENTS (names), &error)) == NULL)
    {
      printf ("  failed: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (!cascade_netlab_set_loss (lab, i, 1, &error))
      {
        printf ("  failed: %s\n", error->message);
        return 1;
      }
  listen = g_strdup_printf ("%s:0", cascade_netlab_get_hub_address (lab));
  swarm = cascade_swarm_new (listen, NULL);
  add_accounts (swarm, "hop", 3);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *publish[] = { "publish", "--title",       "Lossy", "--category",
                                "Quake",   "--max-viewers", "1",     NULL };
      const char *watch[] = {
        "watch", "streamer", "--relay", i == 3 ? "0" : "1", "--impair-delay-ms", "20", NULL
      };

      peers[i] =
        cascade_swarm_spawn (swarm, names[i], cascade_netlab_get_node_netns (lab, i),
                             cascade_netlab_get_node_address (lab, i), i == 0 ? publish : watch);
      if (i == 0)
        cascade_swarm_wait_or_die (swarm, WAIT_S, cascade_swarm_peer_is_live, peers[0],
                                   "the stream to go live");
      else
        wait_playing (swarm, peers[i]);
    }
  printf ("  depths: hop1 %u, hop2 %u, hop3 %u\n", peer_depth (swarm, peers[1]),
          peer_depth (swarm, peers[2]), peer_depth (swarm, peers[3]));
  cascade_swarm_peer_set_event_func (peers[3], lossy_event, &lossy);
  lossy.collect = TRUE;
  run_for (swarm, LOSSY_SECONDS);
  lossy.collect = FALSE;
  /* The frames counted are those between the first and the last report of
   * the window (a report a second), so the frames sent are counted over
   * the same span, not over the whole window. */
  seconds = (lossy.end_us - lossy.start_us) / (double) G_USEC_PER_SEC;

  displayed = lossy.frames_end - lossy.frames_start;
  corrupt = (lossy.frames_end - lossy.stamped_end) - (lossy.frames_start - lossy.stamped_start);
  printf ("  hop3 (depth %u): latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (%u samples; "
          "target p95 < 700 ms)\n",
          peer_depth (swarm, peers[3]), cascade_bench_percentile (lossy.latency, 50),
          cascade_bench_percentile (lossy.latency, 95),
          cascade_bench_percentile (lossy.latency, 99), lossy.latency->len);
  printf ("  frames displayed: %.0f of %.0f sent in %.1f s (%.1f%%; target ≥ 99%%); frames without "
          "a readable stamp (corrupt): %.0f (target 0)\n",
          displayed, seconds * FPS, seconds, 100.0 * displayed / (seconds * FPS), corrupt);
  g_array_unref (lossy.latency);
  return 0;
}

/* ---- main ---- */

static int
run_section (const char *self_path, const char *section)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) process = NULL;

  process =
    g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_path, "--section", section, NULL);
  if (process == NULL || !g_subprocess_wait (process, NULL, &error))
    {
      printf ("%s: could not run: %s\n", section, error->message);
      return 1;
    }
  fflush (stdout);
  if (!g_subprocess_get_successful (process))
    {
      printf ("%s: FAILED (see the messages above)\n\n", section);
      fflush (stdout);
      return 1;
    }
  printf ("\n");
  fflush (stdout);
  return 0;
}

int
main (int argc, char **argv)
{
  const char *sections[] = { "tree", "cpu", "lossy" };
  g_autofree char *self_path = NULL;
  int status = 0;

  if (argc == 3 && g_str_equal (argv[1], "--section"))
    {
      /* The lossy section moves into a network namespace of its own before
       * any thread exists, so everything it starts lives there. */
      if (g_str_equal (argv[2], "tree"))
        return section_tree ();
      if (g_str_equal (argv[2], "cpu"))
        return section_cpu ();
      if (g_str_equal (argv[2], "lossy"))
        return section_lossy ();
    }
  if (argc != 1)
    {
      fprintf (stderr, "usage: bench-swarm [--section tree|cpu|lossy]\n");
      return 2;
    }
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    status |= run_section (self_path, sections[i]);
  return status;
}
