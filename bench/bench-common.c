/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#define _GNU_SOURCE
#include "bench-common.h"

#include <math.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The nearest rank (1-based) of the @p th percentile of @n values. */
static guint
nearest_rank (guint n, double p)
{
  return CLAMP ((guint) ceil (p / 100.0 * n), 1, n);
}

/**
 * cascade_bench_percentile:
 * @values: (element-type double): sorted in place
 * @p: 0 to 100
 *
 * Returns: the nearest-rank @p th percentile of @values, NAN if empty
 */
double
cascade_bench_percentile (GArray *values, double p)
{
  if (values->len == 0)
    return NAN;
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, nearest_rank (values->len, p) - 1);
}

/**
 * cascade_bench_percentile_ms:
 * @values_us: (element-type gint64): durations in microseconds, sorted in place
 *
 * Returns: the nearest-rank @p th percentile in milliseconds, NAN if empty
 */
double
cascade_bench_percentile_ms (GArray *values_us, double p)
{
  if (values_us->len == 0)
    return NAN;
  g_array_sort (values_us, compare_gint64);
  return g_array_index (values_us, gint64, nearest_rank (values_us->len, p) - 1) / 1000.0;
}

/**
 * cascade_bench_process_cpu_seconds:
 * @pid: a process, or 0 for this one
 *
 * Returns: the CPU seconds (user + system, all threads) the process used so
 *   far, from /proc; NAN if it is gone
 */
double
cascade_bench_process_cpu_seconds (GPid pid)
{
  g_autofree char *path =
    pid != 0 ? g_strdup_printf ("/proc/%d/stat", (int) pid) : g_strdup ("/proc/self/stat");
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after = strrchr (text, ')')) == NULL)
    return NAN;
  /* After "pid (comm) ": state is field 3; utime and stime are 14 and 15. */
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return NAN;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         sysconf (_SC_CLK_TCK);
}

/* Pins the calling thread (and what it spawns later) to @cpu. */
gboolean
cascade_bench_pin_to_cpu (int cpu)
{
  cpu_set_t set;

  CPU_ZERO (&set);
  CPU_SET (cpu % CPU_SETSIZE, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    {
      g_printerr ("bench: cannot pin to CPU %d\n", cpu);
      return FALSE;
    }
  return TRUE;
}
