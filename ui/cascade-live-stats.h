/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-publisher.h"

G_BEGIN_DECLS

/*
 * The live statistics of the Go Live page: the encoder's and the upload's
 * (from the publisher), and the cascade's: how many viewers the stream
 * reaches, how many of them relay, how deep the tree is, and how many
 * viewers have a poor link.
 */

#define CASCADE_TYPE_LIVE_STATS (cascade_live_stats_get_type ())

G_DECLARE_FINAL_TYPE (CascadeLiveStats, cascade_live_stats, CASCADE, LIVE_STATS, AdwBin)

void cascade_live_stats_clear (CascadeLiveStats *self);
void cascade_live_stats_set_publisher (CascadeLiveStats *self, const CascadePublisherStats *stats);
void cascade_live_stats_set_tree (CascadeLiveStats *self, guint viewers, guint relays, guint depth);
void cascade_live_stats_set_poor_links (CascadeLiveStats *self, guint poor_links);
const char *cascade_live_stats_get_text (CascadeLiveStats *self, const char *stat);

G_END_DECLS
