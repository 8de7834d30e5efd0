/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-test-server.h"
#include "store/cascade-store.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static const CascadeMigration notes_v1[] = {
  { 1, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);" },
};

static const CascadeMigration notes_v2[] = {
  { 1, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);" },
  { 2, "ALTER TABLE notes ADD COLUMN author TEXT;"
       "CREATE TABLE seen (note_id INTEGER NOT NULL REFERENCES notes (id));" },
};

static const CascadeMigration broken_v2[] = {
  { 1, "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);" },
  { 2, "CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;" },
};

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = cascade_test_make_tmp_dir ();
  f->path = g_build_filename (f->dir, "cascade.db", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cascade_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static CascadeStore *
open_with (Fixture *f, const CascadeMigration *migrations, gsize n)
{
  g_autoptr (GError) error = NULL;
  CascadeStore *store = cascade_store_open (f->path, &error);

  g_assert_no_error (error);
  if (migrations != NULL)
    cascade_store_add_migrations (store, "notes", migrations, n);
  cascade_store_migrate (store, &error);
  g_assert_no_error (error);
  return store;
}

typedef struct
{
  const char *sql;
  gint64 value;
} Query;

static gboolean
query_int_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  Query *query = user_data;
  g_autoptr (sqlite3_stmt) stmt = cascade_store_tx_prepare (tx, query->sql, error);

  if (stmt == NULL || cascade_store_tx_step (tx, stmt, error) != SQLITE_ROW)
    return FALSE;
  query->value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gint64
query_int (CascadeStore *store, const char *sql)
{
  g_autoptr (GError) error = NULL;
  Query query = { sql, -1 };

  cascade_store_transaction (store, CASCADE_STORE_READ, query_int_tx, &query, &error);
  g_assert_no_error (error);
  return query.value;
}

static gboolean
exec_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  return cascade_store_tx_exec (tx, user_data, error);
}

static void
exec_sql (CascadeStore *store, const char *sql)
{
  g_autoptr (GError) error = NULL;

  cascade_store_transaction (store, CASCADE_STORE_WRITE, exec_tx, (gpointer) sql, &error);
  g_assert_no_error (error);
}

static void
test_pragmas (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, NULL, 0);

  g_assert_cmpint (query_int (store, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), ==,
                   1);
  g_assert_cmpint (query_int (store, "SELECT foreign_keys FROM pragma_foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT timeout FROM pragma_busy_timeout"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT secure_delete FROM pragma_secure_delete"), ==, 1);
  g_assert_cmpuint (cascade_store_get_schema_version (store, "store", NULL), ==, 2);
}

static void
test_migrations (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) v1 = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_autoptr (CascadeStore) v2 = NULL;

  g_assert_cmpuint (cascade_store_get_schema_version (v1, "notes", NULL), ==, 1);
  exec_sql (v1, "INSERT INTO notes (text) VALUES ('kept')");
  g_clear_object (&v1);

  /* Reopening applies only what is new, and keeps the data. */
  v2 = open_with (f, notes_v2, G_N_ELEMENTS (notes_v2));
  g_assert_cmpuint (cascade_store_get_schema_version (v2, "notes", NULL), ==, 2);
  g_assert_cmpint (query_int (v2, "SELECT count (*) FROM notes WHERE text = 'kept'"), ==, 1);
  g_assert_cmpint (
    query_int (v2, "SELECT count (*) FROM schema_migrations WHERE context = 'notes'"), ==, 2);
  exec_sql (v2, "UPDATE notes SET author = 'me'");

  /* Foreign keys are enforced. */
  {
    g_autoptr (GError) error = NULL;

    cascade_store_transaction (v2, CASCADE_STORE_WRITE, exec_tx,
                               (gpointer) "INSERT INTO seen (note_id) VALUES (999)", &error);
    g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE);
  }
}

/* A migration that fails leaves nothing behind and names itself. */
static void
test_migration_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = NULL;
  g_autoptr (GError) error = NULL;

  store = cascade_store_open (f->path, &error);
  g_assert_no_error (error);
  cascade_store_add_migrations (store, "notes", broken_v2, G_N_ELEMENTS (broken_v2));
  g_assert_false (cascade_store_migrate (store, &error));
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE);
  g_assert_nonnull (strstr (error->message, "Migration 2 of notes"));
  g_assert_cmpuint (cascade_store_get_schema_version (store, "notes", NULL), ==, 1);
  g_assert_cmpint (
    query_int (store, "SELECT count (*) FROM sqlite_schema WHERE name = 'half_done'"), ==, 0);
}

/* A database written by a newer cascaded is refused, not damaged. */
static void
test_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) v2 = open_with (f, notes_v2, G_N_ELEMENTS (notes_v2));
  g_autoptr (CascadeStore) v1 = NULL;
  g_autoptr (GError) error = NULL;

  g_clear_object (&v2);
  v1 = cascade_store_open (f->path, &error);
  g_assert_no_error (error);
  cascade_store_add_migrations (v1, "notes", notes_v1, G_N_ELEMENTS (notes_v1));
  g_assert_false (cascade_store_migrate (v1, &error));
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE);
  g_assert_nonnull (strstr (error->message, "versions up to 1"));
}

static void
test_corrupt (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CascadeStore) store = NULL;
  g_autofree char *garbage = g_strnfill (8192, 'x');

  g_file_set_contents (f->path, garbage, -1, &error);
  g_assert_no_error (error);
  store = cascade_store_open (f->path, &error);
  g_assert_null (store);
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE);
  g_assert_nonnull (strstr (error->message, f->path));
}

/* A real database whose pages were overwritten in the middle. */
static void
test_damaged_pages (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  for (int i = 0; i < 200; i++)
    exec_sql (store, "INSERT INTO notes (text) VALUES (hex (randomblob (200)))");
  g_clear_object (&store);

  g_file_get_contents (f->path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 16384);
  memset (contents + 4096, 0xA5, length - 4096 - 100);
  g_file_set_contents (f->path, contents, length, &error);
  g_assert_no_error (error);

  store = cascade_store_open (f->path, &error);
  g_assert_null (store);
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_DATABASE);
}

typedef struct
{
  GMutex lock;
  GPtrArray *seen; /* "topic payload" */
  gboolean fail;
} Subscriber;

static gboolean
record_event (
  CascadeStoreTx *tx, const char *topic, JsonNode *payload, gpointer user_data, GError **error)
{
  Subscriber *sub = user_data;
  g_autofree char *text = json_to_string (payload, FALSE);

  /* What a subscriber writes commits with the delivery, or not at all. */
  if (!cascade_store_tx_exec (tx, "INSERT INTO notes (text) VALUES ('from subscriber')", error))
    return FALSE;
  if (sub->fail)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED, "refused");
      return FALSE;
    }
  g_mutex_lock (&sub->lock);
  g_ptr_array_add (sub->seen, g_strdup_printf ("%s %s", topic, text));
  g_mutex_unlock (&sub->lock);
  return TRUE;
}

static guint
seen_count (Subscriber *sub)
{
  guint n;

  g_mutex_lock (&sub->lock);
  n = sub->seen->len;
  g_mutex_unlock (&sub->lock);
  return n;
}

static void
subscriber_init (Subscriber *sub)
{
  g_mutex_init (&sub->lock);
  sub->seen = g_ptr_array_new_with_free_func (g_free);
  sub->fail = FALSE;
}

static void
subscriber_clear (Subscriber *sub)
{
  g_ptr_array_unref (sub->seen);
  g_mutex_clear (&sub->lock);
}

typedef struct
{
  const char *topic;
  const char *text;
  gboolean commit;
} AppendEvent;

static gboolean
append_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  AppendEvent *append = user_data;
  g_autoptr (JsonNode) payload = json_from_string (append->text, NULL);

  if (!cascade_store_tx_exec (tx, "INSERT INTO notes (text) VALUES ('change')", error) ||
      !cascade_store_tx_append_event (tx, append->topic, payload, error))
    return FALSE;
  if (!append->commit)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED, "abandoned");
      return FALSE;
    }
  return TRUE;
}

static void
append (CascadeStore *store, const char *topic, const char *text, gboolean commit)
{
  g_autoptr (GError) error = NULL;
  AppendEvent event = { topic, text, commit };
  gboolean ok = cascade_store_transaction (store, CASCADE_STORE_WRITE, append_tx, &event, &error);

  g_assert_true (ok == commit);
}

static void
wait_for (Subscriber *sub, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (seen_count (sub) < n && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_cmpuint (seen_count (sub), ==, n);
}

/* Committed events reach their subscribers, in order; rolled back ones never
 * existed; topics are kept apart. */
static void
test_outbox_delivery (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  Subscriber registered;
  Subscriber everything;

  subscriber_init (&registered);
  subscriber_init (&everything);
  cascade_store_subscribe (store, "user.registered", record_event, &registered, NULL);
  cascade_store_subscribe (store, NULL, record_event, &everything, NULL);
  cascade_store_start_dispatcher (store);

  append (store, "user.registered", "{\"n\":1}", TRUE);
  append (store, "user.registered", "{\"n\":2}", FALSE);
  append (store, "other.topic", "{\"n\":3}", TRUE);
  append (store, "user.registered", "{\"n\":4}", TRUE);
  wait_for (&everything, 3);
  wait_for (&registered, 2);

  g_assert_cmpstr (g_ptr_array_index (registered.seen, 0), ==, "user.registered {\"n\":1}");
  g_assert_cmpstr (g_ptr_array_index (registered.seen, 1), ==, "user.registered {\"n\":4}");
  g_assert_cmpstr (g_ptr_array_index (everything.seen, 1), ==, "other.topic {\"n\":3}");

  cascade_store_close (store);
  g_clear_object (&store);
  store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM outbox"), ==, 3);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM outbox WHERE delivered_at IS NULL"), ==,
                   0);

  subscriber_clear (&registered);
  subscriber_clear (&everything);
}

static gboolean
append_secret_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  g_autoptr (JsonNode) payload = json_from_string ("{\"to\":\"a@b.c\",\"token\":\"s3cret\"}", NULL);

  return cascade_store_tx_append_secret_event (tx, "mail.token", payload,
                                               (const char *const[]){ "token", NULL }, error);
}

/* An event's secret members reach the subscriber, then are removed from the
 * stored payload when it is marked delivered; the rest is kept. */
static void
test_outbox_secrets (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_autoptr (GError) error = NULL;
  Subscriber sub;

  subscriber_init (&sub);
  cascade_store_subscribe (store, NULL, record_event, &sub, NULL);
  g_assert_true (
    cascade_store_transaction (store, CASCADE_STORE_WRITE, append_secret_tx, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (
    query_int (store, "SELECT count (*) FROM outbox WHERE payload ->> 'token' = 's3cret'"), ==, 1);
  g_assert_true (cascade_store_dispatch_pending (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen_count (&sub), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (sub.seen, 0), ==,
                   "mail.token {\"to\":\"a@b.c\",\"token\":\"s3cret\"}");
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM outbox WHERE delivered_at IS NOT NULL "
                                     "AND payload = '{\"to\":\"a@b.c\"}'"),
                   ==, 1);
  cascade_store_close (store);
  subscriber_clear (&sub);
}

/* Events committed while nothing delivered them (a crash right after the
 * commit) are delivered at the next start. */
static void
test_outbox_after_crash (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  Subscriber sub;

  append (store, "user.registered", "{\"n\":1}", TRUE);
  append (store, "user.registered", "{\"n\":2}", TRUE);
  g_clear_object (&store);

  subscriber_init (&sub);
  store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM outbox WHERE delivered_at IS NULL"), ==,
                   2);
  cascade_store_subscribe (store, "user.registered", record_event, &sub, NULL);
  cascade_store_start_dispatcher (store);
  wait_for (&sub, 2);
  cascade_store_close (store);
  g_clear_object (&store);

  store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM outbox WHERE delivered_at IS NULL"), ==,
                   0);
  subscriber_clear (&sub);
}

/* A subscriber that fails leaves the event undelivered and its own writes
 * undone; delivery resumes from that event once it succeeds. */
static void
test_outbox_failing_subscriber (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_autoptr (GError) error = NULL;
  Subscriber sub;
  guint n = 99;

  subscriber_init (&sub);
  sub.fail = TRUE;
  cascade_store_subscribe (store, NULL, record_event, &sub, NULL);
  append (store, "a", "{\"n\":1}", TRUE);
  append (store, "a", "{\"n\":2}", TRUE);

  g_assert_false (cascade_store_dispatch_pending (store, &n, &error));
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED);
  g_assert_cmpuint (n, ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM notes WHERE text = 'from subscriber'"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM outbox WHERE delivered_at IS NULL"), ==,
                   2);

  g_clear_error (&error);
  sub.fail = FALSE;
  g_assert_true (cascade_store_dispatch_pending (store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (sub.seen, 0), ==, "a {\"n\":1}");
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM notes WHERE text = 'from subscriber'"),
                   ==, 2);
  subscriber_clear (&sub);
}

static gboolean
increment_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  g_autoptr (sqlite3_stmt) read =
    cascade_store_tx_prepare (tx, "SELECT count (*) FROM notes", error);
  g_autoptr (sqlite3_stmt) write = NULL;
  gint64 n;

  if (read == NULL || cascade_store_tx_step (tx, read, error) != SQLITE_ROW)
    return FALSE;
  n = sqlite3_column_int64 (read, 0);
  write = cascade_store_tx_prepare (tx, "INSERT INTO notes (id, text) VALUES (?, 'n')", error);
  if (write == NULL)
    return FALSE;
  sqlite3_bind_int64 (write, 1, n + 1);
  return cascade_store_tx_step (tx, write, error) == SQLITE_DONE;
}

static gpointer
increment_thread (gpointer data)
{
  for (int i = 0; i < 50; i++)
    {
      g_autoptr (GError) error = NULL;

      cascade_store_transaction (data, CASCADE_STORE_WRITE, increment_tx, NULL, &error);
      g_assert_no_error (error);
    }
  return NULL;
}

/* Transactions from many threads take turns: none sees another half done
 * (a read-then-insert of the next id never collides). */
static void
test_threads (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  GThread *threads[8];

  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("increment", increment_thread, store);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_assert_cmpint (query_int (store, "SELECT count (*) FROM notes"), ==, 400);
  g_assert_cmpint (query_int (store, "SELECT max (id) FROM notes"), ==, 400);
}

static void
test_closed (Fixture *f, gconstpointer data)
{
  g_autoptr (CascadeStore) store = open_with (f, notes_v1, G_N_ELEMENTS (notes_v1));
  g_autoptr (GError) error = NULL;

  g_assert_true (cascade_store_ping (store, &error));
  g_assert_no_error (error);
  cascade_store_close (store);
  g_assert_false (cascade_store_ping (store, &error));
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAVAILABLE);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/store/pragmas", test_pragmas);
  ADD ("/cascade/server/store/migrations", test_migrations);
  ADD ("/cascade/server/store/migration-rolls-back", test_migration_rolls_back);
  ADD ("/cascade/server/store/newer-schema", test_newer_schema);
  ADD ("/cascade/server/store/corrupt", test_corrupt);
  ADD ("/cascade/server/store/damaged-pages", test_damaged_pages);
  ADD ("/cascade/server/store/outbox-delivery", test_outbox_delivery);
  ADD ("/cascade/server/store/outbox-after-crash", test_outbox_after_crash);
  ADD ("/cascade/server/store/outbox-secrets", test_outbox_secrets);
  ADD ("/cascade/server/store/outbox-failing-subscriber", test_outbox_failing_subscriber);
  ADD ("/cascade/server/store/threads", test_threads);
  ADD ("/cascade/server/store/closed", test_closed);
#undef ADD

  return g_test_run ();
}
