/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-test.h"

void
cascade_test_keep_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static gboolean
on_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

void
cascade_test_wait_until (CascadeTestCondition condition,
                         gpointer data,
                         guint timeout_ms,
                         const char *what)
{
  gboolean expired = FALSE;
  guint deadline = g_timeout_add (timeout_ms, on_deadline, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
  g_source_remove (deadline);
}

static gboolean
slot_is_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

GAsyncResult *
cascade_test_await (GAsyncResult **slot, guint timeout_ms)
{
  cascade_test_wait_until (slot_is_set, slot, timeout_ms, "an asynchronous call to finish");
  return *slot;
}

void
cascade_test_run_for (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, on_deadline, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

void
cascade_test_assert_finalized (gpointer object, guint timeout_ms)
{
  gpointer weak = object;

  g_assert_true (G_IS_OBJECT (object));
  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  cascade_test_wait_until (pointer_is_null, &weak, timeout_ms, "the object to be finalized");
}

guint16
cascade_test_closed_port (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  /* Bind a port, then close it: nothing listens there afterwards. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  g_socket_close (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

char *
cascade_test_unique_name (const char *prefix)
{
  static guint counter;

  return g_strdup_printf ("%s%u_%u", prefix, (guint) getpid () % 10000, ++counter);
}

char *
cascade_test_keyring_lookup (const char *server)
{
  g_autoptr (CascadeSecretStore) store = cascade_secret_store_new ();
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  char *token;

  cascade_secret_store_lookup_async (store, server, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  token = cascade_secret_store_lookup_finish (store, result, &error);
  g_assert_no_error (error);
  return token;
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  (*(guint *) user_data)++;
}

void
cascade_test_count_notify (gpointer object, const char *property, guint *counter)
{
  g_autofree char *signal = g_strconcat ("notify::", property, NULL);

  g_signal_connect (object, signal, G_CALLBACK (on_notify), counter);
}

gboolean
cascade_test_session_restore (CascadeSession *session, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_session_restore_async (session, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_session_restore_finish (session, result, error);
}

gboolean
cascade_test_session_sign_up (CascadeSession *session,
                              const char *email,
                              const char *username,
                              const char *password,
                              GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_session_sign_up_async (session, email, username, password, NULL, NULL,
                                 cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_session_sign_up_finish (session, result, error);
}

gboolean
cascade_test_session_sign_in (CascadeSession *session,
                              const char *login,
                              const char *password,
                              GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_session_sign_in_async (session, login, password, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_session_sign_in_finish (session, result, error);
}

gboolean
cascade_test_session_sign_out (CascadeSession *session, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  cascade_session_sign_out_async (session, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_session_sign_out_finish (session, result, error);
}

CascadeUser *
cascade_test_session_get_me (CascadeSession *session, GError **error)
{
  CascadeClient *client = cascade_session_get_client (session);
  g_autoptr (GAsyncResult) result = NULL;

  cascade_client_get_me_async (client, NULL, cascade_test_keep_result, &result);
  cascade_test_await (&result, CASCADE_TEST_TIMEOUT_MS);
  return cascade_client_get_me_finish (client, result, error);
}
