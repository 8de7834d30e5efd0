/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-store.h"

/*
 * CascadeStore: the one SQLite connection of the server.
 *
 * Every access runs inside cascade_store_transaction(), which holds the
 * store's mutex for the whole transaction, so worker threads take turns on
 * the connection. Nothing here may run on the main loop once the server is
 * serving: callers are worker threads (GTask) and the outbox dispatcher.
 *
 * The outbox: cascade_store_tx_append_event() writes a domain event in the
 * caller's transaction. After that transaction commits, the dispatcher (a
 * one-thread pool) hands each undelivered event, oldest first, to the
 * subscribers of its topic, and marks it delivered in the same transaction as
 * whatever the subscribers wrote. It also runs once at start, so an event
 * whose delivery a crash interrupted is delivered then.
 */

#define BUSY_TIMEOUT_MS 5000

typedef struct
{
  char *context;
  const CascadeMigration *migrations;
  gsize n_migrations;
} MigrationSet;

typedef struct
{
  char *topic;
  CascadeStoreSubscriber func;
  gpointer user_data;
  GDestroyNotify destroy;
} Subscriber;

struct _CascadeStoreTx
{
  CascadeStore *store;
  gint64 now;
  guint n_events;
};

struct _CascadeStore
{
  GObject parent_instance;

  char *path;
  GMutex lock; /* guards db, dispatcher and subscribers; held for a whole transaction */
  sqlite3 *db;
  GThreadPool *dispatcher;
  GPtrArray *subscribers;
  GArray *migration_sets;
};

G_DEFINE_FINAL_TYPE (CascadeStore, cascade_store, G_TYPE_OBJECT)

static const CascadeMigration store_migrations[] = {
  { 1, "CREATE TABLE outbox ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  topic TEXT NOT NULL,"
       "  payload TEXT NOT NULL CHECK (json_valid (payload)),"
       "  created_at INTEGER NOT NULL,"
       "  delivered_at INTEGER"
       ");"
       "CREATE INDEX outbox_undelivered ON outbox (id) WHERE delivered_at IS NULL;" },
  /* The members of a payload that hold secrets (a JSON array of names): they
   * are removed from it once the event is delivered. */
  { 2,
    "ALTER TABLE outbox ADD COLUMN secrets TEXT CHECK (secrets IS NULL OR json_valid (secrets));" },
};

static void
set_db_error (GError **error, sqlite3 *db, const char *what)
{
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE,
               "%s: %s (SQLite code %d)", what, sqlite3_errmsg (db), sqlite3_extended_errcode (db));
}

static void
subscriber_free (gpointer data)
{
  Subscriber *sub = data;

  if (sub->destroy != NULL)
    sub->destroy (sub->user_data);
  g_free (sub->topic);
  g_free (sub);
}

static void
migration_set_clear (gpointer data)
{
  MigrationSet *set = data;

  g_free (set->context);
}

static void
cascade_store_dispose (GObject *object)
{
  CascadeStore *self = CASCADE_STORE (object);

  cascade_store_close (self);
  g_clear_pointer (&self->subscribers, g_ptr_array_unref);

  G_OBJECT_CLASS (cascade_store_parent_class)->dispose (object);
}

static void
cascade_store_finalize (GObject *object)
{
  CascadeStore *self = CASCADE_STORE (object);

  g_clear_pointer (&self->migration_sets, g_array_unref);
  g_free (self->path);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cascade_store_parent_class)->finalize (object);
}

static void
cascade_store_class_init (CascadeStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_store_dispose;
  object_class->finalize = cascade_store_finalize;
}

static void
cascade_store_init (CascadeStore *self)
{
  g_mutex_init (&self->lock);
  self->subscribers = g_ptr_array_new_with_free_func (subscriber_free);
  self->migration_sets = g_array_new (FALSE, TRUE, sizeof (MigrationSet));
  g_array_set_clear_func (self->migration_sets, migration_set_clear);
}

/* Runs one statement that must answer a single text row equal to @expected. */
static gboolean
check_pragma (sqlite3 *db, const char *sql, const char *expected, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  const char *value;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_db_error (error, db, sql);
      return FALSE;
    }
  value = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (value, expected) != 0)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE,
                   "%s answered “%s” instead of “%s”", sql, value != NULL ? value : "", expected);
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure_connection (sqlite3 *db, GError **error)
{
  char *errmsg = NULL;

  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);

  /* quick_check reads every page: a damaged file is refused here, at start,
   * rather than failing requests later. */
  if (!check_pragma (db, "PRAGMA quick_check", "ok", error) ||
      !check_pragma (db, "PRAGMA journal_mode = WAL", "wal", error))
    return FALSE;

  if (sqlite3_exec (db,
                    "PRAGMA foreign_keys = ON;"
                    /* deleted and overwritten content (secrets) is zeroed */
                    "PRAGMA secure_delete = ON;"
                    "PRAGMA synchronous = NORMAL;"
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "  context TEXT NOT NULL,"
                    "  version INTEGER NOT NULL,"
                    "  applied_at INTEGER NOT NULL,"
                    "  PRIMARY KEY (context, version)"
                    ");",
                    NULL, NULL, &errmsg) != SQLITE_OK)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE, "%s", errmsg);
      sqlite3_free (errmsg);
      return FALSE;
    }
  return check_pragma (db, "PRAGMA foreign_keys", "1", error);
}

/**
 * cascade_store_open:
 * @path: the database file; created if missing
 *
 * Opens (or creates) the database, checks that it is intact, and turns on
 * WAL, foreign keys and a busy timeout. Blocking: call it before serving or
 * from a worker thread.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 */
CascadeStore *
cascade_store_open (const char *path, GError **error)
{
  g_autoptr (CascadeStore) self = NULL;
  g_autoptr (GError) local_error = NULL;
  sqlite3 *db = NULL;
  int flags =
    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW;

  g_return_val_if_fail (path != NULL, NULL);

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE,
                   "Cannot open the database %s: %s", path,
                   db != NULL ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return NULL;
    }
  if (!configure_connection (db, &local_error))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE,
                   "The database %s cannot be used (%s). If it is damaged or is not a Cascade "
                   "database, restore it from a backup, or move it away to start with an empty one",
                   path, local_error->message);
      sqlite3_close (db);
      return NULL;
    }

  self = g_object_new (CASCADE_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->db = db;
  cascade_store_add_migrations (self, "store", store_migrations, G_N_ELEMENTS (store_migrations));
  return g_steal_pointer (&self);
}

const char *
cascade_store_get_path (CascadeStore *self)
{
  g_return_val_if_fail (CASCADE_IS_STORE (self), NULL);

  return self->path;
}

/**
 * cascade_store_add_migrations:
 * @context: the bounded context that owns these tables, e.g. "identity"
 * @migrations: (array length=n_migrations): versions 1..n in order; must
 *   outlive the store (a static table)
 *
 * Registers a context's migrations; cascade_store_migrate() applies them.
 */
void
cascade_store_add_migrations (CascadeStore *self,
                              const char *context,
                              const CascadeMigration *migrations,
                              gsize n_migrations)
{
  MigrationSet set = { NULL, migrations, n_migrations };

  g_return_if_fail (CASCADE_IS_STORE (self));
  g_return_if_fail (context != NULL);

  for (gsize i = 0; i < n_migrations; i++)
    g_return_if_fail (migrations[i].version == i + 1 && migrations[i].sql != NULL);
  set.context = g_strdup (context);
  g_array_append_val (self->migration_sets, set);
}

static gboolean
begin (CascadeStore *self, CascadeStoreAccess access, GError **error)
{
  const char *sql = access == CASCADE_STORE_WRITE ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";

  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db, "Cannot begin a transaction");
      return FALSE;
    }
  return TRUE;
}

static void
kick_dispatcher_locked (CascadeStore *self)
{
  if (self->dispatcher != NULL && g_thread_pool_unprocessed (self->dispatcher) == 0)
    g_thread_pool_push (self->dispatcher, self, NULL);
}

/**
 * cascade_store_transaction:
 * @access: %CASCADE_STORE_WRITE takes the write lock at once (BEGIN IMMEDIATE)
 * @func: the work; it returns FALSE with an error to roll back
 *
 * Runs @func in one transaction while holding the store's lock, commits, and
 * then wakes the outbox dispatcher if @func appended events. Blocking: call it
 * from a worker thread, never from the main loop of a serving server.
 *
 * Returns: %TRUE if @func succeeded and the transaction committed
 */
gboolean
cascade_store_transaction (CascadeStore *self,
                           CascadeStoreAccess access,
                           CascadeStoreTxFunc func,
                           gpointer user_data,
                           GError **error)
{
  CascadeStoreTx tx = { self, g_get_real_time () / G_USEC_PER_SEC, 0 };
  gboolean ok;

  g_return_val_if_fail (CASCADE_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->db == NULL)
    {
      g_mutex_unlock (&self->lock);
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAVAILABLE,
                           "The database is closed");
      return FALSE;
    }

  ok = begin (self, access, error) && func (&tx, user_data, error);
  if (ok && sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (error, self->db, "Cannot commit");
      ok = FALSE;
    }
  if (!ok && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (ok && tx.n_events > 0)
    kick_dispatcher_locked (self);
  g_mutex_unlock (&self->lock);

  return ok;
}

typedef struct
{
  const char *context;
  guint version;
  const char *sql;
} ApplyMigration;

static gboolean
apply_migration (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  ApplyMigration *apply = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!cascade_store_tx_exec (tx, apply->sql, error))
    return FALSE;
  stmt = cascade_store_tx_prepare (
    tx, "INSERT INTO schema_migrations (context, version, applied_at) VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, apply->context, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, apply->version);
  sqlite3_bind_int64 (stmt, 3, tx->now);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

typedef struct
{
  const char *context;
  guint version;
} SchemaVersion;

static gboolean
read_schema_version (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  SchemaVersion *query = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = cascade_store_tx_prepare (
    tx, "SELECT coalesce (max (version), 0) FROM schema_migrations WHERE context = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, query->context, -1, SQLITE_STATIC);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
    return FALSE;
  query->version = (guint) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

/**
 * cascade_store_get_schema_version:
 *
 * Returns: the newest migration of @context applied to the database (0 for
 *   none), or 0 with @error set
 */
guint
cascade_store_get_schema_version (CascadeStore *self, const char *context, GError **error)
{
  SchemaVersion query = { context, 0 };

  g_return_val_if_fail (CASCADE_IS_STORE (self), 0);
  g_return_val_if_fail (context != NULL, 0);

  cascade_store_transaction (self, CASCADE_STORE_READ, read_schema_version, &query, error);
  return query.version;
}

static gboolean
migrate_set (CascadeStore *self, const MigrationSet *set, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  guint current = cascade_store_get_schema_version (self, set->context, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (current > set->n_migrations)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE,
                   "The %s tables of %s are at version %u, but this cascaded only knows "
                   "versions up to %" G_GSIZE_FORMAT
                   ": it is older than the one that wrote the database",
                   set->context, self->path, current, set->n_migrations);
      return FALSE;
    }
  for (gsize i = current; i < set->n_migrations; i++)
    {
      ApplyMigration apply = { set->context, set->migrations[i].version, set->migrations[i].sql };

      if (!cascade_store_transaction (self, CASCADE_STORE_WRITE, apply_migration, &apply, error))
        {
          g_prefix_error (error, "Migration %u of %s failed: ", apply.version, set->context);
          return FALSE;
        }
      g_debug ("Applied migration %u of %s", apply.version, set->context);
    }
  return TRUE;
}

/**
 * cascade_store_migrate:
 *
 * Applies every registered migration the database has not seen yet, each in
 * its own transaction, contexts in the order they were added.
 */
gboolean
cascade_store_migrate (CascadeStore *self, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_STORE (self), FALSE);

  for (guint i = 0; i < self->migration_sets->len; i++)
    if (!migrate_set (self, &g_array_index (self->migration_sets, MigrationSet, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
ping (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = cascade_store_tx_prepare (tx, "SELECT count (*) FROM schema_migrations", error);
  return stmt != NULL && cascade_store_tx_step (tx, stmt, error) == SQLITE_ROW;
}

/* Whether the database can be read right now (for /healthz). Blocking. */
gboolean
cascade_store_ping (CascadeStore *self, GError **error)
{
  g_return_val_if_fail (CASCADE_IS_STORE (self), FALSE);

  return cascade_store_transaction (self, CASCADE_STORE_READ, ping, NULL, error);
}

/**
 * cascade_store_subscribe:
 * @topic: (nullable): the event topic, e.g. "user.registered"; %NULL for all
 *
 * Adds a subscriber to the outbox. Subscribers run on the dispatcher thread;
 * one that fails leaves its event undelivered, and delivery resumes from that
 * event at the next commit or the next start.
 */
void
cascade_store_subscribe (CascadeStore *self,
                         const char *topic,
                         CascadeStoreSubscriber subscriber,
                         gpointer user_data,
                         GDestroyNotify destroy)
{
  Subscriber *sub;

  g_return_if_fail (CASCADE_IS_STORE (self));
  g_return_if_fail (subscriber != NULL);

  sub = g_new0 (Subscriber, 1);
  sub->topic = g_strdup (topic);
  sub->func = subscriber;
  sub->user_data = user_data;
  sub->destroy = destroy;

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->subscribers, sub);
  g_mutex_unlock (&self->lock);
}

typedef struct
{
  gboolean found;
} DeliverOne;

static gboolean
notify_subscribers (
  CascadeStoreTx *tx, gint64 id, const char *topic, JsonNode *payload, GError **error)
{
  GPtrArray *subscribers = tx->store->subscribers;

  for (guint i = 0; i < subscribers->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (subscribers, i);

      if (sub->topic != NULL && g_strcmp0 (sub->topic, topic) != 0)
        continue;
      if (!sub->func (tx, topic, payload, sub->user_data, error))
        {
          g_prefix_error (error, "A subscriber refused event %" G_GINT64_FORMAT " (%s): ", id,
                          topic);
          return FALSE;
        }
    }
  return TRUE;
}

/* The payload to keep once delivered, without the members @secrets (a JSON
 * array of names) lists; %NULL to keep it as it is. */
static char *
payload_without_secrets (JsonNode *payload, const char *secrets)
{
  g_autoptr (JsonNode) names = NULL;
  g_autoptr (JsonNode) copy = NULL;
  JsonArray *array;

  if (secrets == NULL)
    return NULL;
  names = json_from_string (secrets, NULL);
  if (names == NULL || !JSON_NODE_HOLDS_ARRAY (names))
    return NULL;
  copy = json_node_copy (payload);
  array = json_node_get_array (names);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *name = json_array_get_string_element (array, i);

      if (name != NULL)
        json_object_remove_member (json_node_get_object (copy), name);
    }
  return json_to_string (copy, FALSE);
}

static gboolean
deliver_one (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  DeliverOne *deliver = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) mark = NULL;
  g_autoptr (JsonNode) payload = NULL;
  g_autofree char *topic = NULL;
  g_autofree char *kept = NULL;
  gint64 id;
  int rc;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT id, topic, payload, secrets FROM outbox "
                                   "WHERE delivered_at IS NULL ORDER BY id LIMIT 1",
                                   error);
  if (stmt == NULL || (rc = cascade_store_tx_step (tx, stmt, error)) < 0)
    return FALSE;
  deliver->found = rc == SQLITE_ROW;
  if (!deliver->found)
    return TRUE;

  id = sqlite3_column_int64 (stmt, 0);
  topic = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  payload = json_from_string ((const char *) sqlite3_column_text (stmt, 2), error);
  if (payload == NULL)
    return FALSE;
  if (!notify_subscribers (tx, id, topic, payload, error))
    return FALSE;

  kept = payload_without_secrets (payload, (const char *) sqlite3_column_text (stmt, 3));
  mark = cascade_store_tx_prepare (
    tx, "UPDATE outbox SET delivered_at = ?, payload = coalesce (?, payload) WHERE id = ?", error);
  if (mark == NULL)
    return FALSE;
  sqlite3_bind_int64 (mark, 1, tx->now);
  sqlite3_bind_text (mark, 2, kept, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (mark, 3, id);
  return cascade_store_tx_step (tx, mark, error) == SQLITE_DONE;
}

/**
 * cascade_store_dispatch_pending:
 * @n_delivered: (out) (optional): how many events were delivered
 *
 * Delivers every undelivered outbox event, oldest first, one transaction per
 * event. Stops at the first event a subscriber refuses. Blocking; the
 * dispatcher thread calls this after each commit that appended events.
 */
gboolean
cascade_store_dispatch_pending (CascadeStore *self, guint *n_delivered, GError **error)
{
  guint n = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (CASCADE_IS_STORE (self), FALSE);

  for (;;)
    {
      DeliverOne deliver = { FALSE };

      ok = cascade_store_transaction (self, CASCADE_STORE_WRITE, deliver_one, &deliver, error);
      if (!ok || !deliver.found)
        break;
      n++;
    }
  if (n_delivered != NULL)
    *n_delivered = n;
  return ok;
}

static void
dispatch_thread (gpointer data, gpointer user_data)
{
  CascadeStore *self = user_data;
  g_autoptr (GError) error = NULL;
  guint n = 0;

  if (!cascade_store_dispatch_pending (self, &n, &error))
    {
      if (g_error_matches (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAVAILABLE))
        g_debug ("Outbox delivery stopped: %s", error->message);
      else
        g_warning ("Outbox delivery stopped: %s", error->message);
    }
  if (n > 0)
    g_debug ("Delivered %u outbox event(s)", n);
}

/**
 * cascade_store_start_dispatcher:
 *
 * Starts the outbox dispatcher and delivers whatever a previous run left
 * undelivered. Add subscribers before calling this.
 */
void
cascade_store_start_dispatcher (CascadeStore *self)
{
  g_return_if_fail (CASCADE_IS_STORE (self));

  g_mutex_lock (&self->lock);
  if (self->dispatcher == NULL && self->db != NULL)
    {
      /* One thread, not exclusive: events are delivered in order. */
      self->dispatcher = g_thread_pool_new (dispatch_thread, self, 1, FALSE, NULL);
      kick_dispatcher_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * cascade_store_close:
 *
 * Waits for the dispatcher to finish what it is delivering, then closes the
 * database. Later transactions fail with %CASCADE_SERVER_ERROR_UNAVAILABLE.
 * Blocking: call it when the server has stopped serving.
 */
void
cascade_store_close (CascadeStore *self)
{
  GThreadPool *dispatcher;

  g_return_if_fail (CASCADE_IS_STORE (self));

  g_mutex_lock (&self->lock);
  dispatcher = g_steal_pointer (&self->dispatcher);
  g_mutex_unlock (&self->lock);

  /* Without the lock: the running delivery needs it to finish. */
  if (dispatcher != NULL)
    g_thread_pool_free (dispatcher, FALSE, TRUE);

  g_mutex_lock (&self->lock);
  if (self->db != NULL)
    {
      if (sqlite3_close (self->db) != SQLITE_OK)
        g_warning ("Closing the database %s: %s", self->path, sqlite3_errmsg (self->db));
      self->db = NULL;
    }
  g_mutex_unlock (&self->lock);
}

sqlite3 *
cascade_store_tx_get_db (CascadeStoreTx *tx)
{
  g_return_val_if_fail (tx != NULL, NULL);

  return tx->store->db;
}

/* The transaction's clock, in seconds since the epoch: one value for all it writes. */
gint64
cascade_store_tx_get_now (CascadeStoreTx *tx)
{
  g_return_val_if_fail (tx != NULL, 0);

  return tx->now;
}

sqlite3_stmt *
cascade_store_tx_prepare (CascadeStoreTx *tx, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (tx != NULL, NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  if (sqlite3_prepare_v2 (tx->store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_db_error (error, tx->store->db, "Cannot prepare a statement");
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

/* Returns SQLITE_ROW or SQLITE_DONE, or -1 with @error set. */
int
cascade_store_tx_step (CascadeStoreTx *tx, sqlite3_stmt *stmt, GError **error)
{
  int rc;

  g_return_val_if_fail (tx != NULL, -1);
  g_return_val_if_fail (stmt != NULL, -1);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  set_db_error (error, tx->store->db, "A statement failed");
  return -1;
}

/**
 * cascade_store_tx_query_row:
 * @sql: a query with one parameter, ?1
 * @key: the text bound to ?1
 * @not_found: the message of the NOT_FOUND error when no row matches
 *
 * Returns: (transfer full): the statement positioned on the first row, or
 *   %NULL with NOT_FOUND (no row) or DATABASE set
 */
sqlite3_stmt *
cascade_store_tx_query_row (
  CascadeStoreTx *tx, const char *sql, const char *key, const char *not_found, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (tx != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (not_found != NULL, NULL);

  stmt = cascade_store_tx_prepare (tx, sql, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    return g_steal_pointer (&stmt);
  if (rc == SQLITE_DONE)
    g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_NOT_FOUND, not_found);
  return NULL;
}

gboolean
cascade_store_tx_exec (CascadeStoreTx *tx, const char *sql, GError **error)
{
  char *errmsg = NULL;

  g_return_val_if_fail (tx != NULL, FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  if (sqlite3_exec (tx->store->db, sql, NULL, NULL, &errmsg) != SQLITE_OK)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE, "%s", errmsg);
      sqlite3_free (errmsg);
      return FALSE;
    }
  return TRUE;
}

/**
 * cascade_store_tx_append_event:
 * @topic: e.g. "user.registered"
 * @payload: a JSON object describing what happened
 *
 * Writes a domain event to the outbox in the caller's transaction: it exists
 * exactly when the change that caused it does.
 */
gboolean
cascade_store_tx_append_event (CascadeStoreTx *tx,
                               const char *topic,
                               JsonNode *payload,
                               GError **error)
{
  return cascade_store_tx_append_secret_event (tx, topic, payload, NULL, error);
}

/**
 * cascade_store_tx_append_secret_event:
 * @secrets: (nullable) (array zero-terminated=1): members of @payload that
 *   hold secrets (a token sent by mail): delivered to the subscribers, then
 *   removed from the stored payload in the transaction that marks the event
 *   delivered
 *
 * cascade_store_tx_append_event() for an event that carries secrets.
 */
gboolean
cascade_store_tx_append_secret_event (CascadeStoreTx *tx,
                                      const char *topic,
                                      JsonNode *payload,
                                      const char *const *secrets,
                                      GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *text = NULL;
  g_autofree char *secret_names = NULL;

  g_return_val_if_fail (tx != NULL, FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);
  g_return_val_if_fail (JSON_NODE_HOLDS_OBJECT (payload), FALSE);

  stmt = cascade_store_tx_prepare (
    tx, "INSERT INTO outbox (topic, payload, created_at, secrets) VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  text = json_to_string (payload, FALSE);
  if (secrets != NULL)
    {
      g_autoptr (JsonArray) names = json_array_new ();
      g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; secrets[i] != NULL; i++)
        json_array_add_string_element (names, secrets[i]);
      json_node_set_array (node, names);
      secret_names = json_to_string (node, FALSE);
    }
  sqlite3_bind_text (stmt, 1, topic, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, tx->now);
  sqlite3_bind_text (stmt, 4, secret_names, -1, SQLITE_STATIC);
  if (cascade_store_tx_step (tx, stmt, error) != SQLITE_DONE)
    return FALSE;
  tx->n_events++;
  return TRUE;
}
