/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-app-private.h"
#include "cascade-oidc-flow.h"
#include "cascade-realtime.h"
#include "cascade-secret-store.h"
#include "cascade-session.h"

/* Refresh this long before the access token expires, at most. */
#define REFRESH_MARGIN_MS 60000
/* The refresh timer wakes at least this often to compare with the wall clock,
 * so a suspended machine refreshes soon after it resumes. */
#define REFRESH_CHECK_MS 30000
/* Back-off between refresh attempts while the server cannot be reached. */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 60000

/*
 * Keyring writes and reads run one at a time, in the order they were asked
 * for, so a sign-out's clear can never overtake the store of the sign-in that
 * follows it, nor a lookup miss a token that is being stored.
 */
typedef enum
{
  KEYRING_STORE,
  KEYRING_LOOKUP,
  KEYRING_CLEAR,
} KeyringKind;

/* secret: the looked-up token (owned, wipe it) or NULL. */
typedef void (*KeyringDone) (CascadeSession *self,
                             char *secret,
                             const GError *error,
                             gpointer data);

typedef struct
{
  KeyringKind kind;
  char *server;
  char *secret;
  KeyringDone done;
  gpointer data;
} KeyringOp;

struct _CascadeSession
{
  GObject parent_instance;

  CascadeClient *client;
  CascadeRealtime *realtime; /* connected while signed in */
  CascadeSecretStore *store;
  char *server_url;
  CascadeSessionState state;
  CascadeUser *user;
  char *refresh_token; /* wiped */
  gboolean secrets_available;

  /* Bumped whenever the tokens are dropped or replaced, so an operation that
   * finishes afterwards knows its result is stale. */
  guint epoch;
  /* Background refreshes; cancelled and replaced when the tokens are dropped. */
  GCancellable *cancellable;
  guint refresh_source;
  gint64 refresh_at_real;
  gint64 refresh_at_mono;
  guint refresh_failures;

  GQueue keyring_ops;
  gboolean keyring_busy;

  /* The restore in flight, which later restore calls join rather than
   * presenting the same refresh token twice (the server would take the second
   * use for theft and revoke the session). Not a reference. */
  GTask *restore_task;
};

G_DEFINE_FINAL_TYPE (CascadeSession, cascade_session, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_USER,
  PROP_SERVER_URL,
  PROP_SECRETS_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- properties ----------------------------------------------------------- */

/* The realtime connection is up exactly while signed in. */
static void
sync_realtime (CascadeSession *self)
{
  if (self->state == CASCADE_SESSION_STATE_SIGNED_IN)
    cascade_realtime_connect_async (self->realtime, NULL, NULL, NULL);
  else
    cascade_realtime_close (self->realtime);
}

static void
set_state (CascadeSession *self, CascadeSessionState state)
{
  if (self->state == state)
    return;
  g_debug ("session: state %d → %d", self->state, state);
  self->state = state;
  sync_realtime (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_user (CascadeSession *self, CascadeUser *user)
{
  if (_cascade_user_equal (self->user, user))
    return;
  g_set_object (&self->user, user);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
}

static void
set_secrets_available (CascadeSession *self, gboolean available)
{
  available = !!available;
  if (self->secrets_available == available)
    return;
  self->secrets_available = available;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECRETS_AVAILABLE]);
}

/* ---- keyring queue -------------------------------------------------------- */

static void
keyring_op_free (KeyringOp *op)
{
  g_free (op->server);
  _cascade_clear_secret (&op->secret);
  g_free (op);
}

static void keyring_run_next (CascadeSession *self);

static void
on_keyring_op_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  CascadeSession *self = user_data; /* a reference is held while an operation runs */
  KeyringOp *op = g_queue_pop_head (&self->keyring_ops);
  g_autoptr (GError) error = NULL;
  char *secret = NULL;

  switch (op->kind)
    {
      case KEYRING_STORE:
        cascade_secret_store_store_finish (self->store, result, &error);
        break;
      case KEYRING_LOOKUP:
        secret = cascade_secret_store_lookup_finish (self->store, result, &error);
        break;
      case KEYRING_CLEAR:
        cascade_secret_store_clear_finish (self->store, result, &error);
        break;
      default:
        g_assert_not_reached ();
    }

  if (error == NULL)
    set_secrets_available (self, TRUE);
  else if (g_error_matches (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NO_SECRETS))
    set_secrets_available (self, FALSE);
  if (error != NULL)
    g_debug ("session: keyring operation %d failed: %s", op->kind, error->message);

  if (op->done != NULL)
    op->done (self, secret, error, op->data);
  else
    _cascade_secret_free (secret);
  keyring_op_free (op);

  self->keyring_busy = FALSE;
  keyring_run_next (self);
  g_object_unref (self);
}

static void
keyring_run_next (CascadeSession *self)
{
  KeyringOp *op;

  if (self->keyring_busy || g_queue_is_empty (&self->keyring_ops))
    return;

  self->keyring_busy = TRUE;
  op = g_queue_peek_head (&self->keyring_ops);
  switch (op->kind)
    {
      case KEYRING_STORE:
        cascade_secret_store_store_async (self->store, op->server, op->secret, NULL,
                                          on_keyring_op_done, g_object_ref (self));
        break;
      case KEYRING_LOOKUP:
        cascade_secret_store_lookup_async (self->store, op->server, NULL, on_keyring_op_done,
                                           g_object_ref (self));
        break;
      case KEYRING_CLEAR:
        cascade_secret_store_clear_async (self->store, op->server, NULL, on_keyring_op_done,
                                          g_object_ref (self));
        break;
      default:
        g_assert_not_reached ();
    }
}

static void
keyring_push (CascadeSession *self,
              KeyringKind kind,
              const char *server,
              const char *secret,
              KeyringDone done,
              gpointer data)
{
  KeyringOp *op = g_new0 (KeyringOp, 1);

  op->kind = kind;
  op->server = g_strdup (server);
  op->secret = g_strdup (secret);
  op->done = done;
  op->data = data;
  g_queue_push_tail (&self->keyring_ops, op);
  keyring_run_next (self);
}

/* ---- tokens and the refresh timer ----------------------------------------- */

static void start_background_refresh (CascadeSession *self);

static gboolean
on_refresh_timeout (gpointer user_data)
{
  CascadeSession *self = user_data;

  self->refresh_source = 0;
  /* Due when either clock says so: the monotonic one survives changes of the
   * wall clock, the wall clock keeps running while the machine sleeps. */
  if (g_get_real_time () >= self->refresh_at_real ||
      g_get_monotonic_time () >= self->refresh_at_mono)
    start_background_refresh (self);
  else
    {
      gint64 remaining_ms = (self->refresh_at_mono - g_get_monotonic_time ()) / 1000;

      self->refresh_source =
        g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) CLAMP (remaining_ms, 1, REFRESH_CHECK_MS),
                            on_refresh_timeout, self, NULL);
    }
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (CascadeSession *self, gint64 delay_ms)
{
  delay_ms = MAX (delay_ms, 0);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->refresh_at_real = g_get_real_time () + delay_ms * 1000;
  self->refresh_at_mono = g_get_monotonic_time () + delay_ms * 1000;
  self->refresh_source = g_timeout_add_full (
    G_PRIORITY_DEFAULT, (guint) MIN (delay_ms, REFRESH_CHECK_MS), on_refresh_timeout, self, NULL);
  g_debug ("session: next refresh in %" G_GINT64_FORMAT " ms", delay_ms);
}

/* Drops the tokens and everything running on them; leaves state and user. */
static void
forget_tokens (CascadeSession *self)
{
  self->epoch++;
  self->restore_task = NULL;
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_object_unref (self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->refresh_failures = 0;
  _cascade_clear_secret (&self->refresh_token);
  cascade_client_set_access_token (self->client, NULL);
}

/* Takes the tokens of an AuthResponse and arms the refresh timer. */
static void
adopt_tokens (CascadeSession *self, const CascadeAuthTokens *tokens)
{
  gint64 lifetime_ms = tokens->expires_in * 1000;

  cascade_client_set_access_token (self->client, tokens->access_token);
  _cascade_clear_secret (&self->refresh_token);
  self->refresh_token = g_strdup (tokens->refresh_token);
  /* Token times are whole seconds: a token can die up to a second before
   * expires_in says, so the margin has that second on top. */
  schedule_refresh (self, MAX (0, lifetime_ms - MIN (REFRESH_MARGIN_MS, lifetime_ms / 5) - 1000));
  /* A realtime connection refused for an expired token gets the new one now. */
  if (self->state == CASCADE_SESSION_STATE_SIGNED_IN &&
      cascade_realtime_get_state (self->realtime) == CASCADE_REALTIME_STATE_DISCONNECTED)
    cascade_realtime_connect_async (self->realtime, NULL, NULL, NULL);
}

static void
drop_to_signed_out (CascadeSession *self, gboolean clear_keyring)
{
  g_object_freeze_notify (G_OBJECT (self));
  forget_tokens (self);
  if (clear_keyring)
    keyring_push (self, KEYRING_CLEAR, self->server_url, NULL, NULL, NULL);
  set_user (self, NULL);
  set_state (self, CASCADE_SESSION_STATE_SIGNED_OUT);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
become_signed_in (CascadeSession *self, const CascadeAuthTokens *tokens)
{
  g_object_freeze_notify (G_OBJECT (self));
  forget_tokens (self);
  /* Whoever was signed in before, the connection is made again as this user. */
  cascade_realtime_close (self->realtime);
  adopt_tokens (self, tokens);
  set_user (self, tokens->user);
  set_state (self, CASCADE_SESSION_STATE_SIGNED_IN);
  sync_realtime (self);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_background_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeAuthTokens) tokens =
    cascade_client_refresh_finish (CASCADE_CLIENT (source), result, &error);
  CascadeSession *self;

  /* Cancelled when the tokens were dropped or the session disposed: then
   * self must not be touched. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;

  if (tokens == NULL)
    {
      if (g_error_matches (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED))
        {
          g_debug ("session: the server refused the refresh (%s): signing out",
                   cascade_client_error_get_code (error));
          drop_to_signed_out (self, TRUE);
        }
      else
        {
          gint64 delay = RETRY_FIRST_MS << MIN (self->refresh_failures, 6);

          self->refresh_failures++;
          g_debug ("session: refresh failed (%s), retrying", error->message);
          schedule_refresh (self, MIN (delay, RETRY_MAX_MS));
        }
      return;
    }

  self->refresh_failures = 0;
  adopt_tokens (self, tokens);
  keyring_push (self, KEYRING_STORE, self->server_url, self->refresh_token, NULL, NULL);
  set_user (self, tokens->user);
}

static void
start_background_refresh (CascadeSession *self)
{
  g_assert (self->refresh_token != NULL);

  g_debug ("session: refreshing the access token");
  cascade_client_refresh_async (self->client, self->refresh_token, self->cancellable,
                                on_background_refreshed, self);
}

/* ---- tasks ---------------------------------------------------------------- */

/* The data of every session task. */
typedef struct
{
  guint epoch;           /* self->epoch when the task started */
  GPtrArray *joined;     /* restore: later calls waiting on this one */
  guint pending;         /* sign-out: steps still running */
  GError *keyring_error; /* sign-out: a keyring failure to report */
} Op;

static void
op_free (Op *op)
{
  g_clear_pointer (&op->joined, g_ptr_array_unref);
  g_clear_error (&op->keyring_error);
  g_free (op);
}

static GTask *
new_task (CascadeSession *self,
          gpointer source_tag,
          GCancellable *cancellable,
          GAsyncReadyCallback callback,
          gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Op *op = g_new0 (Op, 1);

  g_task_set_source_tag (task, source_tag);
  /* Every step checks for cancellation itself, so that the result always
   * says what really happened to the state. */
  g_task_set_check_cancellable (task, FALSE);
  op->epoch = self->epoch;
  g_task_set_task_data (task, op, (GDestroyNotify) op_free);
  return task;
}

/* Answers task, and every call that joined it, with TRUE or error (taken). */
static void
op_return (GTask *task, GError *error)
{
  CascadeSession *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);
  g_autoptr (GPtrArray) joined = g_steal_pointer (&op->joined);

  if (self->restore_task == task)
    self->restore_task = NULL;
  for (guint i = 0; joined != NULL && i < joined->len; i++)
    {
      if (error != NULL)
        g_task_return_error (g_ptr_array_index (joined, i), g_error_copy (error));
      else
        g_task_return_boolean (g_ptr_array_index (joined, i), TRUE);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* TRUE (and task is answered) when the tokens changed hands while task ran. */
static gboolean
task_is_stale (GTask *task)
{
  CascadeSession *self = g_task_get_source_object (task);
  Op *op = g_task_get_task_data (task);

  if (op->epoch == self->epoch)
    return FALSE;
  op_return (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "Interrupted by a sign-out, another sign-in or a change "
                                        "of server"));
  return TRUE;
}

/* Whether task goes on after a step whose answer was @done: FALSE (and task
 * answered) when the step failed with @error (taken) or the tokens changed
 * hands meanwhile. */
static gboolean
op_goes_on (GTask *task, gboolean done, GError *error)
{
  if (!done)
    {
      op_return (task, error);
      return FALSE;
    }
  return !task_is_stale (task);
}

static gboolean
finish_boolean (CascadeSession *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- restore -------------------------------------------------------------- */

static void
on_restore_me (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeUser) user =
    cascade_client_get_me_finish (CASCADE_CLIENT (source), result, &error);

  if (task_is_stale (task))
    return;

  if (user == NULL)
    {
      gboolean refused =
        g_error_matches (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED);

      /* The rotated refresh token is already stored: unless the server
       * refused it, a later restore can use it. */
      drop_to_signed_out (self, refused);
      op_return (task, refused ? NULL : g_steal_pointer (&error));
      return;
    }

  g_object_freeze_notify (G_OBJECT (self));
  set_user (self, user);
  set_state (self, CASCADE_SESSION_STATE_SIGNED_IN);
  g_object_thaw_notify (G_OBJECT (self));
  op_return (task, NULL);
}

static void
on_restore_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeSession *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeAuthTokens) tokens =
    cascade_client_refresh_finish (CASCADE_CLIENT (source), result, &error);
  GCancellable *cancellable;

  if (task_is_stale (task))
    return;

  if (tokens == NULL)
    {
      if (g_error_matches (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_UNAUTHORIZED))
        {
          /* Expired, revoked or used: nothing to restore, and nothing worth
           * keeping. */
          g_debug ("session: the stored sign-in was refused (%s)",
                   cascade_client_error_get_code (error));
          drop_to_signed_out (self, TRUE);
          op_return (task, NULL);
        }
      else
        {
          drop_to_signed_out (self, FALSE);
          op_return (task, g_steal_pointer (&error));
        }
      return;
    }

  /* The stored token is used up now: store its successor before anything
   * else can go wrong. */
  adopt_tokens (self, tokens);
  keyring_push (self, KEYRING_STORE, self->server_url, self->refresh_token, NULL, NULL);
  cancellable = g_task_get_cancellable (task);
  cascade_client_get_me_async (self->client, cancellable, on_restore_me, g_steal_pointer (&task));
}

static void
on_restore_lookup (CascadeSession *self, char *secret, const GError *error, gpointer data)
{
  g_autoptr (GTask) task = data;
  GCancellable *cancellable;

  if (task_is_stale (task))
    {
      _cascade_secret_free (secret);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      _cascade_secret_free (secret);
      set_state (self, CASCADE_SESSION_STATE_SIGNED_OUT);
      op_return (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
      return;
    }
  if (secret == NULL)
    {
      /* Nothing stored, or no keyring to store it in. */
      set_state (self, CASCADE_SESSION_STATE_SIGNED_OUT);
      op_return (task, NULL);
      return;
    }

  cascade_client_refresh_async (self->client, secret, cancellable, on_restore_refreshed,
                                g_steal_pointer (&task));
  _cascade_secret_free (secret);
}

void
cascade_session_restore_async (CascadeSession *self,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_task (self, cascade_session_restore_async, cancellable, callback, user_data);
  if (self->state == CASCADE_SESSION_STATE_SIGNED_IN)
    {
      op_return (task, NULL);
      g_object_unref (task);
      return;
    }
  if (self->restore_task != NULL)
    {
      /* Join the restore in flight; it answers us too. */
      Op *running = g_task_get_task_data (self->restore_task);

      if (running->joined == NULL)
        running->joined = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (running->joined, task);
      return;
    }

  self->restore_task = task;
  set_state (self, CASCADE_SESSION_STATE_RESTORING);
  keyring_push (self, KEYRING_LOOKUP, self->server_url, NULL, on_restore_lookup, task);
}

gboolean
cascade_session_restore_finish (CascadeSession *self, GAsyncResult *result, GError **error)
{
  return finish_boolean (self, result, cascade_session_restore_async, error);
}

/* ---- sign up, sign in ----------------------------------------------------- */

static void
on_sign_in_stored (CascadeSession *self, char *secret, const GError *error, gpointer data)
{
  g_autoptr (GTask) task = data;

  /* Signed in either way; without a keyring, in memory only (and
   * secrets-available says so). */
  op_return (task, NULL);
}

/* An AuthResponse (or error, taken) came for task: signed in, or the error. */
static void
adopt_sign_in (GTask *task, CascadeAuthTokens *tokens, GError *error)
{
  CascadeSession *self = g_task_get_source_object (task);

  /* A failure is the client's error unchanged: the UI shows it next to its
   * field. */
  if (!op_goes_on (task, tokens != NULL, error))
    {
      g_object_unref (task);
      return;
    }

  become_signed_in (self, tokens);
  keyring_push (self, KEYRING_STORE, self->server_url, self->refresh_token, on_sign_in_stored,
                task);
}

static void
on_authenticated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  GError *error = NULL;

  if (g_task_get_source_tag (task) == cascade_session_sign_up_async)
    tokens = cascade_client_register_finish (CASCADE_CLIENT (source), result, &error);
  else
    tokens = cascade_client_login_finish (CASCADE_CLIENT (source), result, &error);
  adopt_sign_in (task, tokens, error);
}

static void
on_oidc_flow_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeAuthTokens) tokens = NULL;
  GError *error = NULL;

  tokens = cascade_oidc_flow_run_finish (CASCADE_OIDC_FLOW (source), result, &error);
  adopt_sign_in (user_data, tokens, error);
}

void
cascade_session_sign_up_async (CascadeSession *self,
                               const char *email,
                               const char *username,
                               const char *password,
                               const char *display_name,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (email != NULL);
  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_task (self, cascade_session_sign_up_async, cancellable, callback, user_data);
  cascade_client_register_async (self->client, email, username, password, display_name, cancellable,
                                 on_authenticated, task);
}

gboolean
cascade_session_sign_up_finish (CascadeSession *self, GAsyncResult *result, GError **error)
{
  return finish_boolean (self, result, cascade_session_sign_up_async, error);
}

void
cascade_session_sign_in_async (CascadeSession *self,
                               const char *login,
                               const char *password,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer user_data)
{
  cascade_session_sign_in_with_otp_async (self, login, password, NULL, cancellable, callback,
                                          user_data);
}

/**
 * cascade_session_sign_in_with_otp_async:
 * @otp: (nullable): the code of the authenticator app, or a recovery code
 *
 * Signs in to an account with two-factor authentication: without @otp its
 * answer is CASCADE_CLIENT_ERROR_UNAUTHORIZED "otp_required". Finish with
 * cascade_session_sign_in_finish().
 */
void
cascade_session_sign_in_with_otp_async (CascadeSession *self,
                                        const char *login,
                                        const char *password,
                                        const char *otp,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (login != NULL);
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_task (self, cascade_session_sign_in_async, cancellable, callback, user_data);
  cascade_client_login_with_otp_async (self->client, login, password, otp, cancellable,
                                       on_authenticated, task);
}

/**
 * cascade_session_sign_in_with_oidc_async:
 * @flow: a social sign-in made with this session's client
 * @otp: (nullable): on a second call, after "otp_required", the two-factor code
 *
 * Runs @flow (the browser, the loopback redirect, the code exchange) and signs
 * in with what it brings. Finish with cascade_session_sign_in_finish().
 */
void
cascade_session_sign_in_with_oidc_async (CascadeSession *self,
                                         CascadeOidcFlow *flow,
                                         const char *otp,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (CASCADE_IS_OIDC_FLOW (flow));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_task (self, cascade_session_sign_in_async, cancellable, callback, user_data);
  cascade_oidc_flow_run_async (flow, otp, cancellable, on_oidc_flow_done, task);
}

gboolean
cascade_session_sign_in_finish (CascadeSession *self, GAsyncResult *result, GError **error)
{
  return finish_boolean (self, result, cascade_session_sign_in_async, error);
}

/* ---- sign out ------------------------------------------------------------- */

static void
sign_out_step_done (GTask *task)
{
  Op *op = g_task_get_task_data (task);

  if (--op->pending > 0)
    return;
  op_return (task, g_steal_pointer (&op->keyring_error));
}

static void
on_sign_out_logged_out (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;

  /* Best effort: offline, the server's session simply expires. */
  if (!cascade_client_logout_finish (CASCADE_CLIENT (source), result, &error))
    g_debug ("session: the server did not confirm the sign-out: %s", error->message);
  sign_out_step_done (task);
}

static void
on_sign_out_cleared (CascadeSession *self, char *secret, const GError *error, gpointer data)
{
  g_autoptr (GTask) task = data;
  Op *op = g_task_get_task_data (task);

  /* Without a keyring there was nothing to clear; any other failure means a
   * token may still be stored, which the caller must hear about. */
  if (error != NULL &&
      !g_error_matches (error, CASCADE_CLIENT_ERROR, CASCADE_CLIENT_ERROR_NO_SECRETS))
    op->keyring_error = g_error_copy (error);
  sign_out_step_done (task);
}

void
cascade_session_sign_out_async (CascadeSession *self,
                                GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Op *op;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_task (self, cascade_session_sign_out_async, cancellable, callback, user_data);
  op = g_task_get_task_data (task);

  /* The request takes the access token with it, so the local state can be
   * dropped at once: the user is signed out here even when offline. */
  if (self->refresh_token != NULL)
    {
      op->pending++;
      cascade_client_logout_async (self->client, self->refresh_token, cancellable,
                                   on_sign_out_logged_out, g_object_ref (task));
    }
  op->pending++;
  keyring_push (self, KEYRING_CLEAR, self->server_url, NULL, on_sign_out_cleared,
                g_object_ref (task));
  drop_to_signed_out (self, FALSE);
}

gboolean
cascade_session_sign_out_finish (CascadeSession *self, GAsyncResult *result, GError **error)
{
  return finish_boolean (self, result, cascade_session_sign_out_async, error);
}

/* ---- the account ---------------------------------------------------------- */

static void
on_user_refreshed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeSession *self = g_task_get_source_object (task);
  g_autoptr (CascadeUser) user = NULL;
  GError *error = NULL;

  user = cascade_client_get_me_finish (CASCADE_CLIENT (source), result, &error);
  if (!op_goes_on (task, user != NULL, error))
    return;
  set_user (self, user);
  op_return (task, NULL);
}

/* Reads the user again (GET /api/v1/me), after a change made elsewhere:
 * its address verified, two-factor authentication turned on or off. */
void
cascade_session_refresh_user_async (CascadeSession *self,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_task (self, cascade_session_refresh_user_async, cancellable, callback, user_data);
  if (self->state != CASCADE_SESSION_STATE_SIGNED_IN)
    {
      op_return (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Not signed in"));
      g_object_unref (task);
      return;
    }
  cascade_client_get_me_async (self->client, cancellable, on_user_refreshed, task);
}

gboolean
cascade_session_refresh_user_finish (CascadeSession *self, GAsyncResult *result, GError **error)
{
  return finish_boolean (self, result, cascade_session_refresh_user_async, error);
}

static void
on_account_deleted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CascadeSession *self = g_task_get_source_object (task);
  GError *error = NULL;
  gboolean deleted = cascade_client_delete_account_finish (CASCADE_CLIENT (source), result, &error);

  if (!op_goes_on (task, deleted, error))
    return;
  /* The account and every token of it are gone. */
  drop_to_signed_out (self, TRUE);
  op_return (task, NULL);
}

/* Deletes the signed-in account (its password confirms it) and ends SIGNED_OUT.
 * Errors are the client's ("wrong_password", ...). */
void
cascade_session_delete_account_async (CascadeSession *self,
                                      const char *password,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = new_task (self, cascade_session_delete_account_async, cancellable, callback, user_data);
  cascade_client_delete_account_async (self->client, password, cancellable, on_account_deleted,
                                       task);
}

gboolean
cascade_session_delete_account_finish (CascadeSession *self, GAsyncResult *result, GError **error)
{
  return finish_boolean (self, result, cascade_session_delete_account_async, error);
}

/* ---- accessors ------------------------------------------------------------ */

CascadeSession *
cascade_session_new (const char *server_url)
{
  g_return_val_if_fail (server_url != NULL, NULL);

  return g_object_new (CASCADE_TYPE_SESSION, "server-url", server_url, NULL);
}

/**
 * cascade_session_new_in_memory:
 *
 * A session that neither reads nor writes the keyring (secrets-available is
 * FALSE from the start): its sign-in lasts as long as the object. A second
 * app instance uses one, so that it can be someone else without rotating, or
 * clearing, the tokens the first instance keeps there.
 */
CascadeSession *
cascade_session_new_in_memory (const char *server_url)
{
  CascadeSession *self;

  g_return_val_if_fail (server_url != NULL, NULL);

  self = cascade_session_new (server_url);
  g_clear_object (&self->store);
  self->store = cascade_secret_store_new_in_memory ();
  self->secrets_available = FALSE;
  return self;
}

CascadeSessionState
cascade_session_get_state (CascadeSession *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION (self), CASCADE_SESSION_STATE_SIGNED_OUT);
  return self->state;
}

CascadeUser *
cascade_session_get_user (CascadeSession *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION (self), NULL);
  return self->user;
}

/**
 * cascade_session_get_realtime:
 *
 * Returns: (transfer none): the session's realtime connection, connected
 *   while signed in
 */
CascadeRealtime *
cascade_session_get_realtime (CascadeSession *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION (self), NULL);
  return self->realtime;
}

CascadeClient *
cascade_session_get_client (CascadeSession *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION (self), NULL);
  return self->client;
}

const char *
cascade_session_get_server_url (CascadeSession *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION (self), NULL);
  return self->server_url;
}

void
cascade_session_set_server_url (CascadeSession *self, const char *server_url)
{
  g_autoptr (CascadeClient) probe = NULL;
  gboolean had_tokens;

  g_return_if_fail (CASCADE_IS_SESSION (self));
  g_return_if_fail (server_url != NULL);

  /* Compare in the client's normal form (no trailing slash): that is also the
   * keyring's "server" attribute. */
  probe = cascade_client_new (server_url);
  if (g_strcmp0 (cascade_client_get_base_url (probe), self->server_url) == 0)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  had_tokens = self->refresh_token != NULL;
  /* Sign out locally from the old server first; in-flight work for it goes
   * stale. */
  drop_to_signed_out (self, had_tokens);
  g_free (self->server_url);
  self->server_url = g_strdup (cascade_client_get_base_url (probe));
  cascade_client_set_base_url (self->client, self->server_url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
cascade_session_get_secrets_available (CascadeSession *self)
{
  g_return_val_if_fail (CASCADE_IS_SESSION (self), FALSE);
  return self->secrets_available;
}

/* ---- object --------------------------------------------------------------- */

static void
cascade_session_dispose (GObject *object)
{
  CascadeSession *self = CASCADE_SESSION (object);

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  _cascade_clear_secret (&self->refresh_token);
  if (self->realtime != NULL)
    cascade_realtime_close (self->realtime);
  g_clear_object (&self->realtime);
  if (self->client != NULL)
    cascade_client_set_access_token (self->client, NULL);
  g_clear_object (&self->user);

  G_OBJECT_CLASS (cascade_session_parent_class)->dispose (object);
}

static void
cascade_session_finalize (GObject *object)
{
  CascadeSession *self = CASCADE_SESSION (object);

  /* Every keyring operation holds a reference: none can be left. */
  g_assert (g_queue_is_empty (&self->keyring_ops));
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_free (self->server_url);

  G_OBJECT_CLASS (cascade_session_parent_class)->finalize (object);
}

static void
cascade_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeSession *self = CASCADE_SESSION (object);

  switch (prop_id)
    {
      case PROP_STATE:
        g_value_set_enum (value, self->state);
        break;
      case PROP_USER:
        g_value_set_object (value, self->user);
        break;
      case PROP_SERVER_URL:
        g_value_set_string (value, self->server_url);
        break;
      case PROP_SECRETS_AVAILABLE:
        g_value_set_boolean (value, self->secrets_available);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_session_set_property (GObject *object,
                              guint prop_id,
                              const GValue *value,
                              GParamSpec *pspec)
{
  CascadeSession *self = CASCADE_SESSION (object);

  switch (prop_id)
    {
      case PROP_SERVER_URL:
        cascade_session_set_server_url (self, g_value_get_string (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_session_class_init (CascadeSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_session_dispose;
  object_class->finalize = cascade_session_finalize;
  object_class->get_property = cascade_session_get_property;
  object_class->set_property = cascade_session_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CASCADE_TYPE_SESSION_STATE,
                       CASCADE_SESSION_STATE_SIGNED_OUT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER] = g_param_spec_object ("user", NULL, NULL, CASCADE_TYPE_USER,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, "http://127.0.0.1:8787",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECRETS_AVAILABLE] = g_param_spec_boolean (
    "secrets-available", NULL, NULL, TRUE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cascade_session_init (CascadeSession *self)
{
  self->state = CASCADE_SESSION_STATE_SIGNED_OUT;
  self->secrets_available = TRUE;
  self->client = cascade_client_new ("http://127.0.0.1:8787");
  self->realtime = cascade_realtime_new (self->client);
  self->store = cascade_secret_store_new ();
  self->cancellable = g_cancellable_new ();
  self->server_url = g_strdup (cascade_client_get_base_url (self->client));
  g_queue_init (&self->keyring_ops);
}
