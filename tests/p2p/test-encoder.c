/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gst/gst.h>

#include "cascade-publisher.h"

/*
 * The H.264 encoder: a VA-API one when the machine has a working VA device,
 * else x264enc. The choice is a pure function of the usable encoders; which
 * encoders are usable is probed once. Without a GPU (the test machines) the
 * publisher must fall back to x264enc and still stream.
 */

#define TIMEOUT_S 15

static void
test_pick (void)
{
  static const struct
  {
    const char *usable[4];
    const char *expected;
  } cases[] = {
    { { "x264enc", NULL }, "x264enc" },
    { { NULL }, "x264enc" },
    { { "vaapih264enc", "x264enc", NULL }, "vaapih264enc" },
    { { "vah264enc", "x264enc", NULL }, "vah264enc" },
    { { "vaapih264enc", "vah264enc", "x264enc", NULL }, "vah264enc" },
    { { "openh264enc", "nvh264enc", NULL }, "x264enc" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (cascade_publisher_pick_encoder (cases[i].usable), ==, cases[i].expected);
  g_assert_cmpstr (cascade_publisher_pick_encoder (NULL), ==, "x264enc");
}

static gboolean
has_factory (const char *name)
{
  g_autoptr (GstElementFactory) factory = gst_element_factory_find (name);

  return factory != NULL;
}

/* Usable means present and working; x264enc is always the last resort. */
static void
test_usable (void)
{
  const char *const *usable = cascade_publisher_get_usable_encoders ();
  guint n = g_strv_length ((char **) usable);

  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpstr (usable[n - 1], ==, "x264enc");
  for (guint i = 0; usable[i] != NULL; i++)
    g_assert_true (has_factory (usable[i]));
  /* No render node, no VA device: software only. */
  if (!g_file_test ("/dev/dri/renderD128", G_FILE_TEST_EXISTS))
    g_assert_cmpuint (n, ==, 1);
  g_assert_true (cascade_publisher_get_usable_encoders () == usable);
}

static void
on_stats (CascadePublisher *publisher, CascadePublisherStats *out)
{
  cascade_publisher_get_stats (publisher, out);
}

static gboolean
on_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* The publisher says which encoder it uses, and encodes with it. */
static void
test_in_use (void)
{
  const char *expected = cascade_publisher_pick_encoder (cascade_publisher_get_usable_encoders ());
  g_autoptr (CascadePublisher) publisher = cascade_publisher_new (CASCADE_QUALITY_720P30);
  g_autoptr (GError) error = NULL;
  g_autofree char *property = NULL;
  CascadePublisherStats stats = { 0 };
  gboolean timed_out = FALSE;
  guint timeout;

  if (!g_file_test ("/dev/dri/renderD128", G_FILE_TEST_EXISTS))
    g_assert_cmpstr (expected, ==, "x264enc");
  g_assert_cmpstr (cascade_publisher_get_encoder (publisher), ==, expected);
  g_object_get (publisher, "encoder", &property, NULL);
  g_assert_cmpstr (property, ==, expected);

  g_signal_connect (publisher, "stats-updated", G_CALLBACK (on_stats), &stats);
  cascade_publisher_start (publisher, &error);
  g_assert_no_error (error);
  timeout = g_timeout_add_seconds (TIMEOUT_S, on_timeout, &timed_out);
  while (!timed_out && stats.frames < 10)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  cascade_publisher_stop (publisher);

  g_assert_cmpuint (stats.frames, >=, 10);
  g_assert_cmpstr (stats.encoder, ==, expected);
}

int
main (int argc, char **argv)
{
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/p2p/encoder/pick", test_pick);
  g_test_add_func ("/cascade/p2p/encoder/usable", test_usable);
  g_test_add_func ("/cascade/p2p/encoder/in-use", test_in_use);
  status = g_test_run ();
  /* Exiting while the engine still works in the background crashes. */
  cascade_p2p_wait_closed ();
  return status;
}
