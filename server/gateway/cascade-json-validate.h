/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

/* Deeper documents are refused before json-glib sees them. */
#define CASCADE_JSON_MAX_DEPTH 32

typedef enum
{
  CASCADE_JSON_STRING = 1,
  CASCADE_JSON_INTEGER,
  CASCADE_JSON_NUMBER,
  CASCADE_JSON_BOOLEAN,
  CASCADE_JSON_OBJECT,
  CASCADE_JSON_ARRAY,
} CascadeJsonType;

typedef enum
{
  CASCADE_JSON_OPTIONAL,
  CASCADE_JSON_REQUIRED,
} CascadeJsonPresence;

/* One expected member of a JSON object. A table of these ends with { NULL }:
 *   { "email", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED }, ..., { NULL } */
typedef struct
{
  const char *name;
  CascadeJsonType type;
  CascadeJsonPresence presence;
} CascadeJsonMember;

gboolean cascade_json_check_syntax (const char *data, gsize length, GError **error);
JsonNode *cascade_json_parse_object (const char *data, gsize length, GError **error);
gboolean cascade_json_validate_object (JsonObject *object,
                                       const CascadeJsonMember *members,
                                       const char **out_field,
                                       GError **error);
JsonNode *cascade_json_validate (const char *data,
                                 gsize length,
                                 const CascadeJsonMember *members,
                                 const char **out_field,
                                 GError **error);
void cascade_json_wipe_strings (JsonNode *node);

G_END_DECLS
