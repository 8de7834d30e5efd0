/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The realtime wire codec, shared by the app and the server: every message on
 * /api/v1/realtime is one JSON object with a string member "type" (chat,
 * notification, signal, presence, ...), an optional string "id" that a reply
 * echoes, and members of its own. This layer checks the envelope only; each
 * type's members are checked by whoever handles that type.
 */

#define CASCADE_PROTO_MAX_MESSAGE_BYTES (64 * 1024)
#define CASCADE_PROTO_MAX_TYPE_LENGTH 64
#define CASCADE_PROTO_MAX_ID_LENGTH 128

#define CASCADE_PROTO_ERROR (cascade_proto_error_quark ())

typedef enum
{
  CASCADE_PROTO_ERROR_TOO_LARGE,
  CASCADE_PROTO_ERROR_MALFORMED,
  CASCADE_PROTO_ERROR_NO_TYPE,
  CASCADE_PROTO_ERROR_INVALID,
} CascadeProtoError;

GQuark cascade_proto_error_quark (void);

typedef struct _CascadeProtoMessage CascadeProtoMessage;

CascadeProtoMessage *cascade_proto_message_new (const char *type);
CascadeProtoMessage *cascade_proto_message_parse (const char *data, gsize length, GError **error);
CascadeProtoMessage *cascade_proto_message_ref (CascadeProtoMessage *message);
void cascade_proto_message_unref (CascadeProtoMessage *message);
const char *cascade_proto_message_get_type_name (CascadeProtoMessage *message);
const char *cascade_proto_message_get_id (CascadeProtoMessage *message);
void cascade_proto_message_set_id (CascadeProtoMessage *message, const char *id);
JsonObject *cascade_proto_message_get_object (CascadeProtoMessage *message);
char *cascade_proto_message_to_string (CascadeProtoMessage *message, gsize *length);
const char *cascade_proto_error_code (const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeProtoMessage, cascade_proto_message_unref)

G_END_DECLS
