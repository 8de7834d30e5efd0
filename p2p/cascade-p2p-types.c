/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-p2p-types.h"

G_DEFINE_QUARK (cascade - p2p - error - quark, cascade_p2p_error)

static const CascadeQualityPreset presets[] = {
  { CASCADE_QUALITY_720P30, "720p30", 1280, 720, 30, 4000, 60 },
  { CASCADE_QUALITY_720P60, "720p60", 1280, 720, 60, 6000, 120 },
  { CASCADE_QUALITY_1080P30, "1080p30", 1920, 1080, 30, 6000, 60 },
  { CASCADE_QUALITY_1080P60, "1080p60", 1920, 1080, 60, 9000, 120 },
};

const CascadeQualityPreset *
cascade_quality_get_preset (CascadeQuality quality)
{
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (presets[i].quality == quality)
      return &presets[i];
  return &presets[0];
}

gboolean
cascade_quality_from_string (const char *name, CascadeQuality *out_quality)
{
  g_return_val_if_fail (out_quality != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (presets); i++)
    {
      if (g_ascii_strcasecmp (presets[i].name, name) == 0)
        {
          *out_quality = presets[i].quality;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
cascade_peer_state_to_string (CascadePeerState state)
{
  switch (state)
    {
      case CASCADE_PEER_STATE_NEW:
        return "new";
      case CASCADE_PEER_STATE_CONNECTING:
        return "connecting";
      case CASCADE_PEER_STATE_CONNECTED:
        return "connected";
      case CASCADE_PEER_STATE_DISCONNECTED:
        return "disconnected";
      case CASCADE_PEER_STATE_FAILED:
        return "failed";
      case CASCADE_PEER_STATE_CLOSED:
        return "closed";
      default:
        return "unknown";
    }
}

GType
cascade_quality_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { CASCADE_QUALITY_720P30, "CASCADE_QUALITY_720P30", "720p30" },
        { CASCADE_QUALITY_720P60, "CASCADE_QUALITY_720P60", "720p60" },
        { CASCADE_QUALITY_1080P30, "CASCADE_QUALITY_1080P30", "1080p30" },
        { CASCADE_QUALITY_1080P60, "CASCADE_QUALITY_1080P60", "1080p60" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static ("CascadeQuality", values));
    }
  return type;
}

GType
cascade_peer_state_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type))
    {
      static const GEnumValue values[] = {
        { CASCADE_PEER_STATE_NEW, "CASCADE_PEER_STATE_NEW", "new" },
        { CASCADE_PEER_STATE_CONNECTING, "CASCADE_PEER_STATE_CONNECTING", "connecting" },
        { CASCADE_PEER_STATE_CONNECTED, "CASCADE_PEER_STATE_CONNECTED", "connected" },
        { CASCADE_PEER_STATE_DISCONNECTED, "CASCADE_PEER_STATE_DISCONNECTED", "disconnected" },
        { CASCADE_PEER_STATE_FAILED, "CASCADE_PEER_STATE_FAILED", "failed" },
        { CASCADE_PEER_STATE_CLOSED, "CASCADE_PEER_STATE_CLOSED", "closed" },
        { 0, NULL, NULL },
      };
      g_once_init_leave (&type, g_enum_register_static ("CascadePeerState", values));
    }
  return type;
}
