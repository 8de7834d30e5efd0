/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "cascade-client.h"
#include "cascade-stream.h"
#include "cascade-ui-types.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_STREAM_CARD (cascade_stream_card_get_type ())

G_DECLARE_FINAL_TYPE (CascadeStreamCard, cascade_stream_card, CASCADE, STREAM_CARD, AdwBin)

GtkWidget *cascade_stream_card_new (void);

CascadeStream *cascade_stream_card_get_stream (CascadeStreamCard *self);
void cascade_stream_card_set_stream (CascadeStreamCard *self, CascadeStream *stream);
void cascade_stream_card_set_client (CascadeStreamCard *self, CascadeClient *client);

G_END_DECLS
