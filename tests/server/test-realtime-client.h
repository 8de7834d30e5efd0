/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "server-test-util.h"

G_BEGIN_DECLS

/*
 * Helpers of the streaming and realtime tests: a real WebSocket client of
 * /api/v1/realtime (libsoup), whose messages queue up until the test waits
 * for them, and a cascaded started with a config file.
 */
typedef struct _TestRealtime TestRealtime;

#define TEST_WAIT_MS 5000
#define TEST_RENDITIONS                                                                            \
  "[{\"width\":1280,\"height\":720,\"fps\":30,\"bitrate_kbps\":4000,\"codec\":\"h264\"}]"

CascadeTestServer *test_streaming_server_new (const char *extra_config);
char *test_streaming_sign_up (CascadeTestServer *server, char **out_username);
char *test_streaming_go_live (CascadeTestServer *server, const char *access_token);

TestRealtime *test_realtime_connect (CascadeTestServer *server, const char *access_token);
TestRealtime *test_realtime_connect_full (CascadeTestServer *server,
                                          const char *authorization,
                                          const char *query,
                                          guint *out_status);
guint test_realtime_connect_refused (CascadeTestServer *server,
                                     const char *authorization,
                                     const char *query);
void test_realtime_send (TestRealtime *self, const char *json);
void test_realtime_send_printf (TestRealtime *self, const char *format, ...) G_GNUC_PRINTF (2, 3);
void test_realtime_send_bytes (TestRealtime *self, GBytes *bytes, gboolean binary);
JsonObject *test_realtime_next (TestRealtime *self, guint timeout_ms);
JsonObject *test_realtime_expect (TestRealtime *self, const char *type);
void test_realtime_expect_error (TestRealtime *self, const char *code, const char *id);
void test_realtime_expect_nothing (TestRealtime *self, guint ms);
gboolean test_realtime_is_closed (TestRealtime *self);
void test_realtime_close (TestRealtime *self);
void test_realtime_free (TestRealtime *self);

void test_wait_ms (guint ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestRealtime, test_realtime_free)

G_END_DECLS
