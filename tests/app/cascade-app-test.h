/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cascade-app.h"

G_BEGIN_DECLS

/*
 * Helpers for the app tests: everything is async, so a test starts a call with
 * cascade_test_keep_result as its callback and spins the main loop until the
 * result arrives; every wait has a deadline that fails the test.
 */

#define CASCADE_TEST_TIMEOUT_MS 30000

/* A GAsyncReadyCallback that stores a reference to the result in
 * *(GAsyncResult **) user_data. */
void cascade_test_keep_result (GObject *source, GAsyncResult *result, gpointer user_data);

/* Spins the default main context until *slot is set; fails the test after
 * timeout_ms. Returns *slot. */
GAsyncResult *cascade_test_await (GAsyncResult **slot, guint timeout_ms);

typedef gboolean (*CascadeTestCondition) (gpointer data);

/* Spins until condition (data) holds; fails the test with what after timeout_ms. */
void cascade_test_wait_until (CascadeTestCondition condition,
                              gpointer data,
                              guint timeout_ms,
                              const char *what);

/* Runs the main loop for ms (the app's timers keep working meanwhile). */
void cascade_test_run_for (guint ms);

/* Drops the last reference and fails unless the object is finalized within
 * timeout_ms (pending work may hold it a little longer). */
void cascade_test_assert_finalized (gpointer object, guint timeout_ms);

/* A 127.0.0.1 port nothing listens on. */
guint16 cascade_test_closed_port (void);

/* A name unique within the test run, prefix + counter, [a-z0-9_]. */
char *cascade_test_unique_name (const char *prefix);

/* The stored refresh token of server (NULL when none), through a fresh
 * CascadeSecretStore; the test fails on any error. */
char *cascade_test_keyring_lookup (const char *server);

/* Counts emissions of notify::property on object into *counter. */
void cascade_test_count_notify (gpointer object, const char *property, guint *counter);

G_END_DECLS

G_BEGIN_DECLS

/* The session's async calls, awaited (each fails the test on a timeout). */
gboolean cascade_test_session_restore (CascadeSession *session, GError **error);
gboolean cascade_test_session_sign_up (CascadeSession *session,
                                       const char *email,
                                       const char *username,
                                       const char *password,
                                       GError **error);
gboolean cascade_test_session_sign_in (CascadeSession *session,
                                       const char *login,
                                       const char *password,
                                       GError **error);
gboolean cascade_test_session_sign_out (CascadeSession *session, GError **error);
/* GET /api/v1/me with the session's client. */
CascadeUser *cascade_test_session_get_me (CascadeSession *session, GError **error);

G_END_DECLS
