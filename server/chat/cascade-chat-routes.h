/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "chat/cascade-chat.h"
#include "gateway/cascade-gateway.h"

G_BEGIN_DECLS

void cascade_chat_routes_install (CascadeGateway *gateway, CascadeChat *chat);

G_END_DECLS
