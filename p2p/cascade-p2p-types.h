/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CascadePublisher CascadePublisher;
typedef struct _CascadeViewer CascadeViewer;
typedef struct _CascadeScreencast CascadeScreencast;

#define CASCADE_P2P_ERROR (cascade_p2p_error_quark ())

typedef enum
{
  CASCADE_P2P_ERROR_FAILED,
  CASCADE_P2P_ERROR_MISSING_ELEMENT,
  CASCADE_P2P_ERROR_INVALID_SIGNAL,
  CASCADE_P2P_ERROR_UNKNOWN_PEER,
  CASCADE_P2P_ERROR_FULL,
  CASCADE_P2P_ERROR_PORTAL,
} CascadeP2pError;

GQuark cascade_p2p_error_quark (void);

/* The streamer's quality presets (issue 3): 720p30 is the default. */
typedef enum
{
  CASCADE_QUALITY_720P30,
  CASCADE_QUALITY_720P60,
  CASCADE_QUALITY_1080P30,
  CASCADE_QUALITY_1080P60,
} CascadeQuality;

typedef struct
{
  CascadeQuality quality;
  const char *name; /* "720p30" */
  int width;
  int height;
  int fps;
  int bitrate_kbps;
  int keyframe_interval; /* frames between key frames */
} CascadeQualityPreset;

const CascadeQualityPreset *cascade_quality_get_preset (CascadeQuality quality);
gboolean cascade_quality_from_string (const char *name, CascadeQuality *out_quality);

/* Connection state of one peer connection, as a user would describe it. */
typedef enum
{
  CASCADE_PEER_STATE_NEW,
  CASCADE_PEER_STATE_CONNECTING,
  CASCADE_PEER_STATE_CONNECTED,
  CASCADE_PEER_STATE_DISCONNECTED,
  CASCADE_PEER_STATE_FAILED,
  CASCADE_PEER_STATE_CLOSED,
} CascadePeerState;

const char *cascade_peer_state_to_string (CascadePeerState state);

/* Before the process exits: the connections closed so far give their TURN
 * allocations back (a few seconds at most; the TURN server would otherwise
 * keep them until they time out), and the engine's background preload ends
 * (a process exiting under it crashes). Runs the default main context meanwhile. */
void cascade_p2p_wait_closed (void);

#define CASCADE_TYPE_QUALITY (cascade_quality_get_type ())
GType cascade_quality_get_type (void);
#define CASCADE_TYPE_PEER_STATE (cascade_peer_state_get_type ())
GType cascade_peer_state_get_type (void);

G_END_DECLS
