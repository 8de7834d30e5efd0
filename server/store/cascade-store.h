/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "cascade-server-types.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* One numbered schema change of a bounded context. Versions start at 1 and
 * follow each other without gaps; a migration is never edited once released. */
typedef struct
{
  guint version;
  const char *sql;
} CascadeMigration;

typedef enum
{
  CASCADE_STORE_READ,
  CASCADE_STORE_WRITE,
} CascadeStoreAccess;

/* Runs inside a transaction; return FALSE (with @error set) to roll back. */
typedef gboolean (*CascadeStoreTxFunc) (CascadeStoreTx *tx, gpointer user_data, GError **error);

/* Receives one outbox event, inside the transaction that marks it delivered:
 * what the subscriber writes commits together with the delivery. */
typedef gboolean (*CascadeStoreSubscriber) (
  CascadeStoreTx *tx, const char *topic, JsonNode *payload, gpointer user_data, GError **error);

#define CASCADE_TYPE_STORE (cascade_store_get_type ())

G_DECLARE_FINAL_TYPE (CascadeStore, cascade_store, CASCADE, STORE, GObject)

CascadeStore *cascade_store_open (const char *path, GError **error);
const char *cascade_store_get_path (CascadeStore *self);

void cascade_store_add_migrations (CascadeStore *self,
                                   const char *context,
                                   const CascadeMigration *migrations,
                                   gsize n_migrations);
gboolean cascade_store_migrate (CascadeStore *self, GError **error);
guint cascade_store_get_schema_version (CascadeStore *self, const char *context, GError **error);

gboolean cascade_store_transaction (CascadeStore *self,
                                    CascadeStoreAccess access,
                                    CascadeStoreTxFunc func,
                                    gpointer user_data,
                                    GError **error);
gboolean cascade_store_ping (CascadeStore *self, GError **error);

void cascade_store_subscribe (CascadeStore *self,
                              const char *topic,
                              CascadeStoreSubscriber subscriber,
                              gpointer user_data,
                              GDestroyNotify destroy);
void cascade_store_start_dispatcher (CascadeStore *self);
gboolean cascade_store_dispatch_pending (CascadeStore *self, guint *n_delivered, GError **error);
void cascade_store_close (CascadeStore *self);

sqlite3 *cascade_store_tx_get_db (CascadeStoreTx *tx);
gint64 cascade_store_tx_get_now (CascadeStoreTx *tx);
sqlite3_stmt *cascade_store_tx_prepare (CascadeStoreTx *tx, const char *sql, GError **error);
int cascade_store_tx_step (CascadeStoreTx *tx, sqlite3_stmt *stmt, GError **error);
sqlite3_stmt *cascade_store_tx_query_row (
  CascadeStoreTx *tx, const char *sql, const char *key, const char *not_found, GError **error);
gboolean cascade_store_tx_exec (CascadeStoreTx *tx, const char *sql, GError **error);
gboolean cascade_store_tx_append_event (CascadeStoreTx *tx,
                                        const char *topic,
                                        JsonNode *payload,
                                        GError **error);
gboolean cascade_store_tx_append_secret_event (CascadeStoreTx *tx,
                                               const char *topic,
                                               JsonNode *payload,
                                               const char *const *secrets,
                                               GError **error);

G_END_DECLS
