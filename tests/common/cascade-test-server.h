/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * A real `cascaded` for tests: the binary named by $CASCADED, started on
 * 127.0.0.1 port 0 with a fresh data dir, and plain synchronous HTTP helpers
 * to talk to it. Failing to start is a test failure, never a skip.
 */
typedef struct _CascadeTestServer CascadeTestServer;

CascadeTestServer *cascade_test_server_new (const char *const *extra_args);
CascadeTestServer *cascade_test_server_new_in_dir (const char *data_dir,
                                                   const char *const *extra_args);
CascadeTestServer *cascade_test_server_new_logged (const char *const *extra_args,
                                                   const char *log_path);
const char *cascade_test_server_get_url (CascadeTestServer *self);
const char *cascade_test_server_get_data_dir (CascadeTestServer *self);
GPid cascade_test_server_get_pid (CascadeTestServer *self);
int cascade_test_server_stop (CascadeTestServer *self);
void cascade_test_server_kill (CascadeTestServer *self);
void cascade_test_server_free (CascadeTestServer *self);

guint cascade_test_server_request (CascadeTestServer *self,
                                   const char *method,
                                   const char *path,
                                   const char *bearer,
                                   const char *json_body,
                                   JsonNode **out_json);
guint cascade_test_server_request_full (CascadeTestServer *self,
                                        const char *method,
                                        const char *path,
                                        const char *const *headers,
                                        const char *content_type,
                                        GBytes *body,
                                        SoupMessageHeaders **out_headers,
                                        GBytes **out_body);

char *cascade_test_make_tmp_dir (void);

char *cascade_test_next_mail (
  const char *dir, const char *to, const char *subject, GHashTable *seen, guint seconds);
char *cascade_test_mail_code (const char *mail);
GBytes *cascade_test_base32_decode (const char *text);
char *cascade_test_totp (const char *base32_secret, int offset);

GSubprocess *cascade_test_oidc_provider_start (char **issuer);
void cascade_test_oidc_provider_stop (GSubprocess *provider);
void cascade_test_rm_rf (const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeTestServer, cascade_test_server_free)

G_END_DECLS
