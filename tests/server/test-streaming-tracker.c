/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "cascade-server-config.h"
#include "streaming/cascade-stream-tracker.h"

/* The swarm tracker and the streaming config, linked directly. */

static void
test_place_under_root (void)
{
  g_autoptr (CascadeStreamTracker) tracker = cascade_stream_tracker_new ();
  g_autoptr (GPtrArray) placed = NULL;
  g_autoptr (CascadeTrackerPeer) replaced = NULL;
  g_autofree char *early_id = NULL;
  const CascadeTrackerPeer *early;
  const CascadeTrackerPeer *root;
  const CascadeTrackerPeer *late;
  CascadeTrackerPeer *copy;

  cascade_stream_tracker_add_stream (tracker, "s1", "owner");
  g_assert_true (cascade_stream_tracker_has_stream (tracker, "s1"));
  g_assert_cmpstr (cascade_stream_tracker_get_owner (tracker, "s1"), ==, "owner");
  g_assert_null (cascade_stream_tracker_join (tracker, "nope", "c1"));

  /* Before the streamer publishes, a viewer waits without a parent. */
  early = cascade_stream_tracker_join (tracker, "s1", "c1");
  g_assert_nonnull (early);
  g_assert_null (early->parent_peer_id);
  early_id = g_strdup (early->peer_id);
  g_assert_null (cascade_stream_tracker_join (tracker, "s1", "c1"));
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 1);

  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", &replaced, &placed);
  g_assert_nonnull (root);
  g_assert_true (root->is_root);
  g_assert_null (replaced);
  g_assert_cmpuint (placed->len, ==, 1);
  copy = g_ptr_array_index (placed, 0);
  g_assert_cmpstr (copy->peer_id, ==, early_id);
  g_assert_cmpstr (copy->parent_peer_id, ==, root->peer_id);
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 1);

  late = cascade_stream_tracker_join (tracker, "s1", "c2");
  g_assert_cmpstr (late->parent_peer_id, ==, root->peer_id);
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 2);

  /* Parent and child are paired; two children are not. */
  g_assert_true (cascade_stream_tracker_are_paired (tracker, root->peer_id, late->peer_id));
  g_assert_true (cascade_stream_tracker_are_paired (tracker, late->peer_id, root->peer_id));
  g_assert_false (cascade_stream_tracker_are_paired (tracker, late->peer_id, early_id));
  g_assert_false (cascade_stream_tracker_are_paired (tracker, late->peer_id, late->peer_id));
  g_assert_false (cascade_stream_tracker_are_paired (tracker, late->peer_id, "nobody"));
}

static void
test_root_leaves_and_returns (void)
{
  g_autoptr (CascadeStreamTracker) tracker = cascade_stream_tracker_new ();
  g_autoptr (GPtrArray) placed = NULL;
  g_autoptr (GPtrArray) placed_again = NULL;
  g_autoptr (GPtrArray) orphans = NULL;
  g_autoptr (GPtrArray) none = NULL;
  g_autoptr (CascadeTrackerPeer) gone = NULL;
  g_autoptr (CascadeTrackerPeer) viewer_gone = NULL;
  g_autofree char *old_root = NULL;
  g_autofree char *viewer = NULL;
  const CascadeTrackerPeer *root;
  g_auto (GStrv) streams = NULL;

  cascade_stream_tracker_add_stream (tracker, "s1", "owner");
  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer", NULL, &placed);
  old_root = g_strdup (root->peer_id);
  viewer = g_strdup (cascade_stream_tracker_join (tracker, "s1", "c1")->peer_id);

  streams = cascade_stream_tracker_dup_streams_of_connection (tracker, "streamer");
  g_assert_cmpuint (g_strv_length (streams), ==, 1);
  gone = cascade_stream_tracker_leave (tracker, "s1", "streamer", &orphans);
  g_assert_true (gone->is_root);
  g_assert_cmpuint (orphans->len, ==, 1);
  g_assert_null (cascade_stream_tracker_get_root (tracker, "s1"));
  g_assert_null (cascade_stream_tracker_get_peer (tracker, viewer)->parent_peer_id);
  g_assert_false (cascade_stream_tracker_are_paired (tracker, viewer, old_root));

  root = cascade_stream_tracker_set_root (tracker, "s1", "streamer-again", NULL, &placed_again);
  g_assert_cmpstr (root->peer_id, !=, old_root);
  g_assert_cmpuint (placed_again->len, ==, 1);
  g_assert_true (cascade_stream_tracker_are_paired (tracker, viewer, root->peer_id));

  viewer_gone = cascade_stream_tracker_leave (tracker, "s1", "c1", &none);
  g_assert_false (viewer_gone->is_root);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 0);
}

/* A second connection of the streamer publishing takes over, with the children. */
static void
test_root_replaced (void)
{
  g_autoptr (CascadeStreamTracker) tracker = cascade_stream_tracker_new ();
  g_autoptr (GPtrArray) placed = NULL;
  g_autoptr (GPtrArray) moved = NULL;
  g_autoptr (GPtrArray) same = NULL;
  g_autoptr (GPtrArray) removed = NULL;
  g_autoptr (CascadeTrackerPeer) replaced = NULL;
  g_autoptr (CascadeTrackerPeer) nothing = NULL;
  g_autofree char *first = NULL;
  g_autofree char *viewer = NULL;
  const CascadeTrackerPeer *root;

  cascade_stream_tracker_add_stream (tracker, "s1", "owner");
  first = g_strdup (cascade_stream_tracker_set_root (tracker, "s1", "a", NULL, &placed)->peer_id);
  viewer = g_strdup (cascade_stream_tracker_join (tracker, "s1", "c1")->peer_id);

  /* The same connection publishing again keeps its peer. */
  root = cascade_stream_tracker_set_root (tracker, "s1", "a", &nothing, &same);
  g_assert_cmpstr (root->peer_id, ==, first);
  g_assert_null (nothing);

  root = cascade_stream_tracker_set_root (tracker, "s1", "b", &replaced, &moved);
  g_assert_cmpstr (replaced->peer_id, ==, first);
  g_assert_cmpstr (replaced->connection_id, ==, "a");
  g_assert_cmpuint (moved->len, ==, 1);
  g_assert_true (cascade_stream_tracker_are_paired (tracker, viewer, root->peer_id));
  g_assert_null (cascade_stream_tracker_get_peer (tracker, first));

  removed = cascade_stream_tracker_remove_stream (tracker, "s1");
  g_assert_cmpuint (removed->len, ==, 2);
  g_assert_false (cascade_stream_tracker_has_stream (tracker, "s1"));
  g_assert_null (cascade_stream_tracker_get_peer (tracker, viewer));
  g_assert_cmpuint (cascade_stream_tracker_get_viewer_count (tracker, "s1"), ==, 0);
}

static char *
write_config (const char *contents)
{
  char *path = g_build_filename (g_get_user_config_dir (), "streaming.conf", NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (g_get_user_config_dir (), 0700);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_config (void)
{
  g_autoptr (CascadeServerConfig) defaults = cascade_server_config_new ();
  g_autoptr (CascadeServerConfig) config = cascade_server_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *good = write_config (
    "[streaming]\ngrace-seconds=2\n[ice]\nstun-urls=stun:a.example:3478; stun:b.example:19302\n");
  const char *bad[] = {
    "[streaming]\ngrace-seconds=0\n",
    "[streaming]\ngrace-seconds=3601\n",
    "[streaming]\ngrace=5\n",
    "[ice]\nstun-urls=turn:a.example\n",
    "[ice]\nturn-urls=turn:a.example\n",
  };

  g_assert_cmpuint (defaults->stream_grace_seconds, ==, 30);
  g_assert_cmpuint (g_strv_length (defaults->ice_stun_urls), ==, 0);

  g_assert_true (cascade_server_config_load_file (config, good, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->stream_grace_seconds, ==, 2);
  g_assert_cmpuint (g_strv_length (config->ice_stun_urls), ==, 2);
  g_assert_cmpstr (config->ice_stun_urls[0], ==, "stun:a.example:3478");
  g_assert_cmpstr (config->ice_stun_urls[1], ==, "stun:b.example:19302");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (CascadeServerConfig) refused = cascade_server_config_new ();
      g_autofree char *path = write_config (bad[i]);
      g_autoptr (GError) local_error = NULL;

      if (cascade_server_config_load_file (refused, path, &local_error))
        g_error ("accepted the config %s", bad[i]);
      g_assert_error (local_error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/server/streaming/tracker/place-under-root", test_place_under_root);
  g_test_add_func ("/cascade/server/streaming/tracker/root-leaves-and-returns",
                   test_root_leaves_and_returns);
  g_test_add_func ("/cascade/server/streaming/tracker/root-replaced", test_root_replaced);
  g_test_add_func ("/cascade/server/streaming/config", test_config);

  return g_test_run ();
}
