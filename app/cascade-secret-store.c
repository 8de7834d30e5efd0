/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsecret/secret.h>

#include "cascade-app-private.h"
#include "cascade-secret-store.h"

struct _CascadeSecretStore
{
  GObject parent_instance;
  gboolean in_memory;
};

G_DEFINE_FINAL_TYPE (CascadeSecretStore, cascade_secret_store, G_TYPE_OBJECT)

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "net.cascadecast.Cascade.Session",
    SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* Whatever keeps libsecret from working (no session bus, no Secret Service on
 * it, a locked keyring nobody unlocks) means the same to the app: the session
 * lives in memory only. Only cancellation stays what it is. */
static GError *
map_error (GError *error)
{
  GError *mapped;
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;

  message = g_strdup_printf ("The system keyring cannot be used: %s", error->message);
  mapped = _cascade_client_error_new (CASCADE_CLIENT_ERROR_NO_SECRETS, NULL, NULL, message);
  g_debug ("%s", message);
  g_error_free (error);
  return mapped;
}

static void
on_stored (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, map_error (error));
}

/* An in-memory store keeps nothing: every call answers NO_SECRETS, as when no
 * Secret Service runs, so the session keeps its tokens in memory only. */
static gboolean
refuse_in_memory (CascadeSecretStore *self, GTask *task)
{
  if (!self->in_memory)
    return FALSE;
  g_task_return_new_error (task, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NO_SECRETS,
                           "This instance keeps its sign-in in memory only");
  g_object_unref (task);
  return TRUE;
}

void
cascade_secret_store_store_async (CascadeSecretStore *self,
                                  const char *server,
                                  const char *refresh_token,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autofree char *label = NULL;
  GTask *task;

  g_return_if_fail (CASCADE_IS_SECRET_STORE (self));
  g_return_if_fail (server != NULL);
  g_return_if_fail (refresh_token != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task =
    _cascade_task_new (self, cascade_secret_store_store_async, cancellable, callback, user_data);
  if (refuse_in_memory (self, task))
    return;
  label = g_strdup_printf ("Cascade sign-in on %s", server);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, refresh_token,
                         cancellable, on_stored, task, "server", server, NULL);
}

gboolean
cascade_secret_store_store_finish (CascadeSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cascade_secret_store_store_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
wipe_secret (gpointer secret)
{
  _cascade_secret_free (secret);
}

static void
on_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  char *secret = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, map_error (error));
      return;
    }
  if (secret == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  /* libsecret's copy is wiped by secret_password_free; ours by the caller. */
  g_task_return_pointer (task, g_strdup (secret), wipe_secret);
  secret_password_free (secret);
}

void
cascade_secret_store_lookup_async (CascadeSecretStore *self,
                                   const char *server,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SECRET_STORE (self));
  g_return_if_fail (server != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task =
    _cascade_task_new (self, cascade_secret_store_lookup_async, cancellable, callback, user_data);
  if (refuse_in_memory (self, task))
    return;
  secret_password_lookup (get_schema (), cancellable, on_looked_up, task, "server", server, NULL);
}

char *
cascade_secret_store_lookup_finish (CascadeSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == cascade_secret_store_lookup_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_cleared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error: there was nothing to remove, which is fine. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, map_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

void
cascade_secret_store_clear_async (CascadeSecretStore *self,
                                  const char *server,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SECRET_STORE (self));
  g_return_if_fail (server != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task =
    _cascade_task_new (self, cascade_secret_store_clear_async, cancellable, callback, user_data);
  if (refuse_in_memory (self, task))
    return;
  secret_password_clear (get_schema (), cancellable, on_cleared, task, "server", server, NULL);
}

gboolean
cascade_secret_store_clear_finish (CascadeSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == cascade_secret_store_clear_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

CascadeSecretStore *
cascade_secret_store_new (void)
{
  return g_object_new (CASCADE_TYPE_SECRET_STORE, NULL);
}

/**
 * cascade_secret_store_new_in_memory:
 *
 * A store that never touches the keyring: every call fails with
 * %CASCADE_CLIENT_ERROR_NO_SECRETS. For a second instance of the app signed
 * in as someone else, which must not rotate the first one's tokens.
 */
CascadeSecretStore *
cascade_secret_store_new_in_memory (void)
{
  CascadeSecretStore *self = cascade_secret_store_new ();

  self->in_memory = TRUE;
  return self;
}

static void
cascade_secret_store_class_init (CascadeSecretStoreClass *klass)
{
}

static void
cascade_secret_store_init (CascadeSecretStore *self)
{
}
