/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gateway/cascade-realtime-hub.h"
#include "streaming/cascade-streaming.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_STREAMING_REALTIME (cascade_streaming_realtime_get_type ())

G_DECLARE_FINAL_TYPE (
  CascadeStreamingRealtime, cascade_streaming_realtime, CASCADE, STREAMING_REALTIME, GObject)

CascadeStreamingRealtime *cascade_streaming_realtime_install (CascadeRealtimeHub *hub,
                                                              CascadeStreaming *streaming);

G_END_DECLS
