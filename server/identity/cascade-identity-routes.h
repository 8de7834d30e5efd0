/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "gateway/cascade-gateway.h"
#include "identity/cascade-identity.h"

G_BEGIN_DECLS

void cascade_identity_routes_install (CascadeGateway *gateway, CascadeIdentity *identity);

G_END_DECLS
