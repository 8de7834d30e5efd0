/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "gateway/cascade-json-validate.h"

/* libFuzzer target: the one JSON validator every request body goes through,
 * with a member table that has each kind of member. */

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const CascadeJsonMember members[] = {
  { "email", CASCADE_JSON_STRING, CASCADE_JSON_REQUIRED },
  { "count", CASCADE_JSON_INTEGER, CASCADE_JSON_OPTIONAL },
  { "live", CASCADE_JSON_BOOLEAN, CASCADE_JSON_OPTIONAL },
  { "ratio", CASCADE_JSON_NUMBER, CASCADE_JSON_OPTIONAL },
  { "renditions", CASCADE_JSON_ARRAY, CASCADE_JSON_OPTIONAL },
  { "extra", CASCADE_JSON_OBJECT, CASCADE_JSON_OPTIONAL },
  { NULL },
};

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  const char *field = NULL;
  JsonNode *node;

  node = cascade_json_validate ((const char *) data, size, members, &field, &error);
  g_assert ((node == NULL) == (error != NULL));
  if (node != NULL)
    {
      g_assert (JSON_NODE_HOLDS_OBJECT (node));
      g_assert (json_object_has_member (json_node_get_object (node), "email"));
      json_node_unref (node);
    }
  return 0;
}
