/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gateway/cascade-gateway.h"
#include "streaming/cascade-streaming.h"

G_BEGIN_DECLS

void cascade_streaming_routes_install (CascadeGateway *gateway, CascadeStreaming *streaming);

/* The Stream object of the contract (docs/api.md), shared with the realtime side. */
void cascade_streaming_build_stream (JsonBuilder *builder,
                                     CascadeStreamRecord *record,
                                     guint viewer_count);

G_END_DECLS
