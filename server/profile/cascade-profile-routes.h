/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gateway/cascade-gateway.h"
#include "profile/cascade-profile.h"

G_BEGIN_DECLS

void cascade_profile_routes_install (CascadeGateway *gateway, CascadeProfile *profile);
void cascade_profile_extend_channel (JsonBuilder *builder,
                                     const char *channel_user_id,
                                     CascadeRequest *request,
                                     gpointer owner);

G_END_DECLS
