/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cascade-app-types.h"
#include "cascade-client.h"
#include "cascade-oidc-flow.h"
#include "cascade-realtime.h"
#include "cascade-secret-store.h"
#include "cascade-session-info.h"
#include "cascade-session.h"
#include "cascade-stream.h"
#include "cascade-user.h"
