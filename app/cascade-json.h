/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * Every JSON object the app reads from the server is checked against a table
 * of the members it expects, by one function, before anything is taken out.
 */
typedef enum
{
  CASCADE_JSON_STRING,
  CASCADE_JSON_INT,
  CASCADE_JSON_OBJECT,
  CASCADE_JSON_BOOLEAN,
  CASCADE_JSON_ARRAY,
} CascadeJsonType;

typedef struct
{
  const char *name;
  CascadeJsonType type;
  gboolean required;
} CascadeJsonMember;

/* Fails with CASCADE_CLIENT_ERROR_PROTOCOL when a required member is missing or
 * any listed member has the wrong type (a null optional member counts as
 * missing). Members not listed are ignored. */
gboolean cascade_json_check (JsonObject *object,
                             const CascadeJsonMember *members,
                             gsize n_members,
                             GError **error);

/* The optional string member name, or NULL when it is absent or null. */
const char *cascade_json_get_string (JsonObject *object, const char *name);

/* A JSON object of string members (keys[i] = values[i]; a NULL value is left
 * out), written once into memory that is wiped when the GBytes is freed: these
 * bodies carry passwords and tokens. Strings must be valid UTF-8. */
GBytes *
cascade_json_object_bytes_new (const char *const *keys, const char *const *values, gsize n_members);

/* Wipes the string held by member name, if there is one (the parser's copy of a
 * token). */
void cascade_json_wipe_string (JsonObject *object, const char *name);

G_END_DECLS
