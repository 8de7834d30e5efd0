/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What every benchmark here needs: percentiles, CPU time, CPU pinning. */

double cascade_bench_percentile (GArray *values, double p);
double cascade_bench_percentile_ms (GArray *values_us, double p);
double cascade_bench_process_cpu_seconds (GPid pid);
gboolean cascade_bench_pin_to_cpu (int cpu);

G_END_DECLS
