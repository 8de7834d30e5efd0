/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-rate-limit.h"

/*
 * CascadeRateLimit: a table of token buckets. A bucket that has filled up
 * again says nothing a new bucket would not, so full buckets are dropped
 * now and then: the table holds only the keys that were busy lately.
 */

#define PRUNE_EVERY 1024 /* takes between two sweeps of the table */

typedef struct
{
  double tokens;
  gint64 updated_us;
} Bucket;

struct _CascadeRateLimit
{
  GObject parent_instance;

  GMutex lock;
  GHashTable *buckets; /* key → Bucket */
  double burst;
  double per_us; /* tokens gained per microsecond */
  guint takes_since_prune;
};

G_DEFINE_FINAL_TYPE (CascadeRateLimit, cascade_rate_limit, G_TYPE_OBJECT)

static void
cascade_rate_limit_finalize (GObject *object)
{
  CascadeRateLimit *self = CASCADE_RATE_LIMIT (object);

  g_hash_table_unref (self->buckets);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cascade_rate_limit_parent_class)->finalize (object);
}

static void
cascade_rate_limit_class_init (CascadeRateLimitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cascade_rate_limit_finalize;
}

static void
cascade_rate_limit_init (CascadeRateLimit *self)
{
  g_mutex_init (&self->lock);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * cascade_rate_limit_new:
 * @burst: the most requests a key can make at once (at least 1)
 * @per_minute: how many more it may make each minute (at least 1)
 */
CascadeRateLimit *
cascade_rate_limit_new (guint burst, guint per_minute)
{
  CascadeRateLimit *self;

  g_return_val_if_fail (burst > 0, NULL);
  g_return_val_if_fail (per_minute > 0, NULL);

  self = g_object_new (CASCADE_TYPE_RATE_LIMIT, NULL);
  self->burst = burst;
  self->per_us = per_minute / (60.0 * G_USEC_PER_SEC);
  return self;
}

static void
refill (CascadeRateLimit *self, Bucket *bucket, gint64 now_us)
{
  if (now_us > bucket->updated_us)
    {
      bucket->tokens =
        MIN (self->burst, bucket->tokens + (now_us - bucket->updated_us) * self->per_us);
      bucket->updated_us = now_us;
    }
}

static void
prune_locked (CascadeRateLimit *self, gint64 now_us)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      refill (self, value, now_us);
      if (((Bucket *) value)->tokens >= self->burst)
        g_hash_table_iter_remove (&iter);
    }
}

/**
 * cascade_rate_limit_take_at:
 * @now_us: the monotonic time, in microseconds
 * @retry_after: (out) (optional): when refused, the whole seconds until the
 *   key has a token again (at least 1)
 *
 * Takes a token from @key's bucket.
 *
 * Returns: %TRUE if the request may go on, %FALSE if it must be refused
 */
gboolean
cascade_rate_limit_take_at (CascadeRateLimit *self,
                            const char *key,
                            gint64 now_us,
                            guint *retry_after)
{
  Bucket *bucket;
  gboolean allowed;

  g_return_val_if_fail (CASCADE_IS_RATE_LIMIT (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (++self->takes_since_prune >= PRUNE_EVERY)
    {
      self->takes_since_prune = 0;
      prune_locked (self, now_us);
    }
  bucket = g_hash_table_lookup (self->buckets, key);
  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->burst;
      bucket->updated_us = now_us;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  refill (self, bucket, now_us);
  allowed = bucket->tokens >= 1.0;
  if (allowed)
    bucket->tokens -= 1.0;
  else if (retry_after != NULL)
    {
      double seconds = (1.0 - bucket->tokens) / self->per_us / G_USEC_PER_SEC;
      guint whole = (guint) seconds;

      *retry_after = MAX (1, whole < seconds ? whole + 1 : whole); /* rounded up */
    }
  g_mutex_unlock (&self->lock);
  return allowed;
}

/* cascade_rate_limit_take_at(), now. */
gboolean
cascade_rate_limit_take (CascadeRateLimit *self, const char *key, guint *retry_after)
{
  return cascade_rate_limit_take_at (self, key, g_get_monotonic_time (), retry_after);
}

/* How many keys the table holds now (busy lately). */
guint
cascade_rate_limit_get_n_keys (CascadeRateLimit *self)
{
  guint n;

  g_return_val_if_fail (CASCADE_IS_RATE_LIMIT (self), 0);

  g_mutex_lock (&self->lock);
  n = g_hash_table_size (self->buckets);
  g_mutex_unlock (&self->lock);
  return n;
}
