/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-proto.h"

#include <string.h>

G_DEFINE_QUARK (cascade_proto_error, cascade_proto_error)

struct _CascadeProtoMessage
{
  gatomicrefcount ref_count;
  JsonObject *object;
};

static CascadeProtoMessage *
message_new_take (JsonObject *object)
{
  CascadeProtoMessage *self = g_new0 (CascadeProtoMessage, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->object = object;
  return self;
}

CascadeProtoMessage *
cascade_proto_message_new (const char *type)
{
  JsonObject *object;

  g_return_val_if_fail (type != NULL && *type != '\0', NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "type", type);
  return message_new_take (object);
}

CascadeProtoMessage *
cascade_proto_message_ref (CascadeProtoMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  g_atomic_ref_count_inc (&message->ref_count);
  return message;
}

void
cascade_proto_message_unref (CascadeProtoMessage *message)
{
  g_return_if_fail (message != NULL);

  if (g_atomic_ref_count_dec (&message->ref_count))
    {
      json_object_unref (message->object);
      g_free (message);
    }
}

static gboolean
check_short_string (
  JsonObject *object, const char *member, gsize max_length, gboolean required, GError **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *value;

  if (node == NULL)
    {
      if (!required)
        return TRUE;
      g_set_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_NO_TYPE,
                   "The message has no \"%s\"", member);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_INVALID,
                   "\"%s\" must be a string", member);
      return FALSE;
    }
  value = json_node_get_string (node);
  if (*value == '\0' || strlen (value) > max_length)
    {
      g_set_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_INVALID,
                   "\"%s\" must be 1 to %" G_GSIZE_FORMAT " bytes long", member, max_length);
      return FALSE;
    }
  return TRUE;
}

/* Parses one text frame. Anything but a JSON object of at most
 * CASCADE_PROTO_MAX_MESSAGE_BYTES with a short string "type" is refused. */
CascadeProtoMessage *
cascade_proto_message_parse (const char *data, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;
  JsonObject *object;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length > CASCADE_PROTO_MAX_MESSAGE_BYTES)
    {
      g_set_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_TOO_LARGE,
                   "Messages are limited to %d bytes", CASCADE_PROTO_MAX_MESSAGE_BYTES);
      return NULL;
    }
  if (length == 0 || !g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_MALFORMED,
                           "The message is not UTF-8 JSON text");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_MALFORMED,
                   "The message is not valid JSON: %s", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, CASCADE_PROTO_ERROR, CASCADE_PROTO_ERROR_MALFORMED,
                           "The message must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (root);
  if (!check_short_string (object, "type", CASCADE_PROTO_MAX_TYPE_LENGTH, TRUE, error) ||
      !check_short_string (object, "id", CASCADE_PROTO_MAX_ID_LENGTH, FALSE, error))
    return NULL;

  return message_new_take (json_object_ref (object));
}

const char *
cascade_proto_message_get_type_name (CascadeProtoMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return json_object_get_string_member (message->object, "type");
}

const char *
cascade_proto_message_get_id (CascadeProtoMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return json_object_get_string_member_with_default (message->object, "id", NULL);
}

void
cascade_proto_message_set_id (CascadeProtoMessage *message, const char *id)
{
  g_return_if_fail (message != NULL);

  if (id == NULL)
    json_object_remove_member (message->object, "id");
  else
    json_object_set_string_member (message->object, "id", id);
}

/* The whole message object, "type" and "id" included (borrowed). */
JsonObject *
cascade_proto_message_get_object (CascadeProtoMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->object;
}

char *
cascade_proto_message_to_string (CascadeProtoMessage *message, gsize *length)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonGenerator) generator = NULL;

  g_return_val_if_fail (message != NULL, NULL);

  node = json_node_init_object (json_node_alloc (), message->object);
  generator = json_generator_new ();
  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, length);
}

/* The stable snake_case code for a codec error, as the realtime hub sends it back. */
const char *
cascade_proto_error_code (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != CASCADE_PROTO_ERROR)
    return "invalid_message";
  switch ((CascadeProtoError) error->code)
    {
      case CASCADE_PROTO_ERROR_TOO_LARGE:
        return "message_too_large";
      case CASCADE_PROTO_ERROR_MALFORMED:
        return "malformed_json";
      case CASCADE_PROTO_ERROR_NO_TYPE:
        return "missing_type";
      case CASCADE_PROTO_ERROR_INVALID:
      default:
        return "invalid_message";
    }
}
