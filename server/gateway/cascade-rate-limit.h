/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CASCADE_TYPE_RATE_LIMIT (cascade_rate_limit_get_type ())

G_DECLARE_FINAL_TYPE (CascadeRateLimit, cascade_rate_limit, CASCADE, RATE_LIMIT, GObject)

/* Token buckets, one per key (a client address, an account), safe to use
 * from any thread. A bucket holds up to @burst tokens and gains @per_minute
 * of them a minute; each request takes one. */
CascadeRateLimit *cascade_rate_limit_new (guint burst, guint per_minute);
gboolean cascade_rate_limit_take (CascadeRateLimit *self, const char *key, guint *retry_after);
gboolean cascade_rate_limit_take_at (CascadeRateLimit *self,
                                     const char *key,
                                     gint64 now_us,
                                     guint *retry_after);
guint cascade_rate_limit_get_n_keys (CascadeRateLimit *self);

G_END_DECLS
