/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-profile.h"

/*
 * CascadeProfile: the profile context (DESIGN.md), for now its follows: who
 * follows which channel since when, in profile_follows. A follow emits the
 * domain event channel.followed in the same transaction. Use cases block.
 */

enum
{
  SIGNAL_FOLLOW_CHANGED,
  SIGNAL_CHAT_COLOR_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _CascadeProfile
{
  GObject parent_instance;

  CascadeStore *store;
  CascadeIdentity *identity;
  GMainContext *main_context;
};

G_DEFINE_FINAL_TYPE (CascadeProfile, cascade_profile, G_TYPE_OBJECT)

static const CascadeMigration profile_migrations[] = {
  { 1, "CREATE TABLE profile_follows ("
       "  user_id TEXT NOT NULL,"
       "  channel_user_id TEXT NOT NULL,"
       "  channel_username TEXT NOT NULL,"
       "  channel_display_name TEXT NOT NULL,"
       "  since INTEGER NOT NULL,"
       "  PRIMARY KEY (user_id, channel_user_id)"
       ");"
       "CREATE INDEX profile_follows_channel ON profile_follows (channel_user_id);" },
  { 2, "CREATE TABLE profile_settings ("
       "  user_id TEXT PRIMARY KEY,"
       "  chat_color TEXT"
       ");" },
};

void
cascade_profile_add_migrations (CascadeStore *store)
{
  cascade_store_add_migrations (store, "profile", profile_migrations,
                                G_N_ELEMENTS (profile_migrations));
}

static void
cascade_profile_dispose (GObject *object)
{
  CascadeProfile *self = CASCADE_PROFILE (object);

  g_clear_object (&self->store);
  g_clear_object (&self->identity);

  G_OBJECT_CLASS (cascade_profile_parent_class)->dispose (object);
}

static void
cascade_profile_finalize (GObject *object)
{
  CascadeProfile *self = CASCADE_PROFILE (object);

  g_clear_pointer (&self->main_context, g_main_context_unref);

  G_OBJECT_CLASS (cascade_profile_parent_class)->finalize (object);
}

static void
cascade_profile_class_init (CascadeProfileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_profile_dispose;
  object_class->finalize = cascade_profile_finalize;

  /* (follower user id, channel user id, since ms or 0), on the main thread */
  signals[SIGNAL_FOLLOW_CHANGED] =
    g_signal_new ("follow-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  /* (user id, colour or NULL), on the main thread */
  signals[SIGNAL_CHAT_COLOR_CHANGED] =
    g_signal_new ("chat-color-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
cascade_profile_init (CascadeProfile *self)
{
  self->main_context = g_main_context_ref_thread_default ();
}

CascadeProfile *
cascade_profile_new (CascadeStore *store, CascadeIdentity *identity)
{
  CascadeProfile *self;

  g_return_val_if_fail (CASCADE_IS_STORE (store), NULL);
  g_return_val_if_fail (CASCADE_IS_IDENTITY (identity), NULL);

  self = g_object_new (CASCADE_TYPE_PROFILE, NULL);
  self->store = g_object_ref (store);
  self->identity = g_object_ref (identity);
  return self;
}

typedef struct
{
  CascadeProfile *self;
  CascadeUser *follower;
  CascadeUser *channel;
  gboolean follow;
  gint64 since;
} FollowCall;

static gboolean
follow_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  FollowCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) builder = NULL;
  g_autoptr (JsonNode) payload = NULL;

  if (!call->follow)
    {
      stmt = cascade_store_tx_prepare (
        tx, "DELETE FROM profile_follows WHERE user_id = ?1 AND channel_user_id = ?2", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, call->follower->id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, call->channel->id, -1, SQLITE_STATIC);
      return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
    }
  stmt = cascade_store_tx_prepare (
    tx,
    "INSERT OR IGNORE INTO profile_follows (user_id, channel_user_id, channel_username,"
    " channel_display_name, since) VALUES (?1, ?2, ?3, ?4, ?5)",
    error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->follower->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->channel->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, call->channel->username, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, call->channel->display_name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, call->since);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  if (sqlite3_changes (cascade_store_tx_get_db (tx)) == 0)
    {
      /* already following: keep the first date, no new event */
      g_clear_pointer (&stmt, sqlite3_finalize);
      stmt = cascade_store_tx_prepare (
        tx, "SELECT since FROM profile_follows WHERE user_id = ?1 AND channel_user_id = ?2", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, call->follower->id, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, call->channel->id, -1, SQLITE_STATIC);
      if (cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
        return FALSE;
      call->since = sqlite3_column_int64 (stmt, 0);
      return TRUE;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "channel_user_id");
  json_builder_add_string_value (builder, call->channel->id);
  json_builder_set_member_name (builder, "channel");
  json_builder_add_string_value (builder, call->channel->username);
  json_builder_set_member_name (builder, "follower_user_id");
  json_builder_add_string_value (builder, call->follower->id);
  json_builder_set_member_name (builder, "follower");
  json_builder_add_string_value (builder, call->follower->username);
  json_builder_set_member_name (builder, "since");
  json_builder_add_int_value (builder, call->since);
  json_builder_end_object (builder);
  payload = json_builder_get_root (builder);
  return cascade_store_tx_append_event (tx, "channel.followed", payload, error);
}

typedef struct
{
  CascadeProfile *self;
  char *user_id;
  char *channel_user_id;
  gint64 since;
} Announcement;

static gboolean
announce_in_main (gpointer data)
{
  Announcement *announcement = data;

  g_signal_emit (announcement->self, signals[SIGNAL_FOLLOW_CHANGED], 0, announcement->user_id,
                 announcement->channel_user_id, announcement->since);
  g_object_unref (announcement->self);
  g_free (announcement->user_id);
  g_free (announcement->channel_user_id);
  g_free (announcement);
  return G_SOURCE_REMOVE;
}

/* Follows (or stops following) @channel. NOT_FOUND, INVALID_FOLLOW (one's own). */
gboolean
cascade_profile_follow (
  CascadeProfile *self, const char *user_id, const char *channel, gboolean follow, GError **error)
{
  FollowCall call = { self };
  Announcement *announcement;
  gboolean ok;

  g_return_val_if_fail (CASCADE_IS_PROFILE (self), FALSE);

  call.channel = cascade_identity_find_user (self->identity, channel, error);
  if (call.channel == NULL)
    return FALSE;
  call.follower = cascade_identity_get_user (self->identity, user_id, error);
  if (call.follower == NULL)
    {
      cascade_user_free (call.channel);
      return FALSE;
    }
  if (g_strcmp0 (call.channel->id, user_id) == 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_FOLLOW,
                           "You cannot follow your own channel.");
      ok = FALSE;
    }
  else
    {
      call.follow = follow;
      call.since = g_get_real_time () / 1000;
      ok = cascade_store_transaction (self->store, CASCADE_STORE_WRITE, follow_tx, &call, error);
    }
  if (ok)
    {
      announcement = g_new0 (Announcement, 1);
      announcement->self = g_object_ref (self);
      announcement->user_id = g_strdup (user_id);
      announcement->channel_user_id = g_strdup (call.channel->id);
      announcement->since = follow ? call.since : 0;
      g_main_context_invoke (self->main_context, announce_in_main, announcement);
    }
  cascade_user_free (call.channel);
  cascade_user_free (call.follower);
  return ok;
}

typedef struct
{
  const char *a;
  const char *b;
  gint64 value;
  JsonArray *items;
} ReadCall;

static gboolean
list_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ReadCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (
    tx,
    "SELECT channel_username, channel_display_name, since FROM profile_follows"
    " WHERE user_id = ?1 ORDER BY since DESC",
    error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, call->a, -1, SQLITE_STATIC);
  while ((rc = cascade_store_tx_step (tx, stmt, error)) == SQLITE_ROW)
    {
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "username",
                                     (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (item, "display_name",
                                     (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_int_member (item, "since", sqlite3_column_int64 (stmt, 2));
      json_array_add_object_element (call->items, item);
    }
  return rc == SQLITE_DONE;
}

/* {"items": [{"username", "display_name", "since"}]}, newest first */
JsonNode *
cascade_profile_list_follows (CascadeProfile *self, const char *user_id, GError **error)
{
  g_autoptr (JsonArray) items = json_array_new ();
  ReadCall call = { user_id, NULL, 0, items };
  JsonObject *body;

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, list_tx, &call, error))
    return NULL;
  body = json_object_new ();
  json_object_set_array_member (body, "items", g_steal_pointer (&items));
  return json_node_init_object (json_node_alloc (), body);
}

static gboolean
since_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ReadCall *call = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  if (call->a != NULL)
    stmt = cascade_store_tx_prepare (
      tx, "SELECT since FROM profile_follows WHERE user_id = ?1 AND channel_user_id = ?2", error);
  else
    stmt = cascade_store_tx_prepare (
      tx, "SELECT COUNT (*) FROM profile_follows WHERE channel_user_id = ?2", error);
  if (stmt == NULL)
    return FALSE;
  if (call->a != NULL)
    sqlite3_bind_text (stmt, 1, call->a, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->b, -1, SQLITE_STATIC);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    call->value = sqlite3_column_int64 (stmt, 0);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Since when (ms) @user_id follows the channel, or 0 (and no error). */
gint64
cascade_profile_get_following_since (CascadeProfile *self,
                                     const char *user_id,
                                     const char *channel_user_id,
                                     GError **error)
{
  ReadCall call = { user_id, channel_user_id };

  g_return_val_if_fail (user_id != NULL, 0);
  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, since_tx, &call, error))
    return 0;
  return call.value;
}

gint64
cascade_profile_count_followers (CascadeProfile *self, const char *channel_user_id, GError **error)
{
  ReadCall call = { NULL, channel_user_id };

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, since_tx, &call, error))
    return 0;
  return call.value;
}

/* ---- chat colour ------------------------------------------------------------ */

static gboolean
color_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  gpointer *args = user_data;
  gboolean write = GPOINTER_TO_INT (args[2]);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  if (write)
    stmt = cascade_store_tx_prepare (tx,
                                     "INSERT INTO profile_settings (user_id, chat_color)"
                                     " VALUES (?1, ?2) ON CONFLICT (user_id)"
                                     " DO UPDATE SET chat_color = excluded.chat_color",
                                     error);
  else
    stmt = cascade_store_tx_prepare (
      tx, "SELECT chat_color FROM profile_settings WHERE user_id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, args[0], -1, SQLITE_STATIC);
  if (write)
    sqlite3_bind_text (stmt, 2, args[1], -1, SQLITE_STATIC);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) == SQLITE_TEXT)
    args[1] = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* The chat colour @user_id chose, or NULL (also on error, with @error set). */
char *
cascade_profile_get_chat_color (CascadeProfile *self, const char *user_id, GError **error)
{
  gpointer args[3] = { (gpointer) user_id, NULL, GINT_TO_POINTER (FALSE) };

  g_return_val_if_fail (CASCADE_IS_PROFILE (self), NULL);
  g_return_val_if_fail (user_id != NULL, NULL);

  if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, color_tx, args, error))
    return NULL;
  return args[1];
}

static gboolean
announce_color_in_main (gpointer data)
{
  gpointer *args = data;

  g_signal_emit (args[0], signals[SIGNAL_CHAT_COLOR_CHANGED], 0, args[1], args[2]);
  g_object_unref (args[0]);
  g_free (args[1]);
  g_free (args[2]);
  g_free (args);
  return G_SOURCE_REMOVE;
}

/* Sets @user_id's chat colour: one of cascade_server_chat_palette(), or NULL
 * for the one from their username. INVALID_VALUE for anything else. */
gboolean
cascade_profile_set_chat_color (CascadeProfile *self,
                                const char *user_id,
                                const char *color,
                                GError **error)
{
  g_autofree char *lower = color != NULL ? g_ascii_strdown (color, -1) : NULL;
  gpointer args[3] = { (gpointer) user_id, lower, GINT_TO_POINTER (TRUE) };
  gpointer *announcement;

  g_return_val_if_fail (CASCADE_IS_PROFILE (self), FALSE);
  g_return_val_if_fail (user_id != NULL, FALSE);

  if (lower != NULL && !g_strv_contains (cascade_server_chat_palette (), lower))
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_VALUE,
                           "“color” must be one of the palette’s colours, or null.");
      return FALSE;
    }
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, color_tx, args, error))
    return FALSE;
  announcement = g_new0 (gpointer, 3);
  announcement[0] = g_object_ref (self);
  announcement[1] = g_strdup (user_id);
  announcement[2] = g_strdup (lower);
  g_main_context_invoke (self->main_context, announce_color_in_main, announcement);
  return TRUE;
}
