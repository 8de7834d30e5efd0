/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <libsoup/soup.h>
#include <sqlite3.h>

#include "server-test-util.h"

/*
 * Social login against a real cascaded and a real OpenID provider on
 * loopback (tests/common/oidc-provider.py: discovery, an authorization
 * endpoint that approves its test user, a token endpoint that checks the
 * client secret and PKCE, a JWKS, signed ID tokens). The test plays both the
 * app (start, token) and the browser: it follows the redirects from the
 * provider's authorization URL to the app's loopback redirect with libsoup.
 */

#define APP_REDIRECT "http://127.0.0.1:45321/oidc/callback"
#define APP_STATE "app-state-1234"

typedef struct
{
  GSubprocess *provider;
  char *issuer;
  char *dir;
  char *config_path;
  char *data_dir; /* the server's, kept across a restart */
  CascadeTestServer *server;
  SoupSession *browser;
} Fixture;

/* What the app ends up with at its loopback redirect. */
typedef struct
{
  char *code;
  char *error;
  char *state;
} Landing;

static void
landing_clear (Landing *landing)
{
  g_free (landing->code);
  g_free (landing->error);
  g_free (landing->state);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Landing, landing_clear)

/* A plain request without following redirects; the Location, if any. */
static guint
fetch (Fixture *f, const char *method, const char *url, const char *json, char **location)
{
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (msg);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  if (json != NULL)
    {
      g_autoptr (GBytes) request = g_bytes_new (json, strlen (json));

      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  body = soup_session_send_and_read (f->browser, msg, NULL, &error);
  g_assert_no_error (error);
  if (location != NULL)
    *location =
      g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location"));
  return soup_message_get_status (msg);
}

static void
configure_provider (Fixture *f, const char *json)
{
  g_autofree char *url = g_strconcat (f->issuer, "/test/config", NULL);

  g_assert_cmpuint (fetch (f, "POST", url, json, NULL), ==, 204);
}

static void
start_provider (Fixture *f)
{
  f->provider = cascade_test_oidc_provider_start (&f->issuer);
}

static void
start_server (Fixture *f, const char *extra_config)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *callback = NULL;
  g_autofree char *redirect = NULL;
  const char *args[] = { "--config", f->config_path, NULL };

  config = g_strdup_printf ("[oidc.testid]\nname=Test ID\nissuer=%s\nclient-id=cascade-test\n"
                            "client-secret=test-secret\n%s",
                            f->issuer, extra_config != NULL ? extra_config : "");
  g_file_set_contents (f->config_path, config, -1, &error);
  g_assert_no_error (error);
  f->server = cascade_test_server_new_in_dir (f->data_dir, args);
  callback =
    g_strconcat (cascade_test_server_get_url (f->server), "/api/v1/auth/oidc/callback", NULL);
  redirect = g_strdup_printf ("{\"redirect_uri\": \"%s\"}", callback);
  configure_provider (f, redirect);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->browser = soup_session_new ();
  f->dir = cascade_test_make_tmp_dir ();
  f->config_path = g_build_filename (f->dir, "cascaded.conf", NULL);
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  start_provider (f);
  start_server (f, data);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, cascade_test_server_free);
  /* Closing its stdin stops the provider. */
  cascade_test_oidc_provider_stop (g_steal_pointer (&f->provider));
  g_clear_object (&f->browser);
  cascade_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->config_path);
  g_free (f->data_dir);
  g_free (f->issuer);
}

static char *
challenge_of (const char *verifier)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  return test_b64url_encode (digest, length);
}

/* POST .../start as the app would; the status, and the authorization URL. */
static guint
start (Fixture *f,
       const char *provider,
       const char *redirect_uri,
       const char *method,
       const char *verifier,
       JsonNode **out)
{
  g_autofree char *challenge = challenge_of (verifier);
  g_autofree char *path = g_strdup_printf ("/api/v1/auth/oidc/%s/start", provider);
  g_autofree char *body = g_strdup_printf ("{\"redirect_uri\": \"%s\", \"code_challenge\": \"%s\", "
                                           "\"code_challenge_method\": \"%s\", \"state\": \"%s\"}",
                                           redirect_uri, challenge, method, APP_STATE);

  return cascade_test_server_request (f->server, "POST", path, NULL, body, out);
}

static void
parse_landing (const char *location, Landing *landing)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GHashTable) params = NULL;

  g_assert_nonnull (location);
  g_assert_true (g_str_has_prefix (location, APP_REDIRECT "?"));
  uri = g_uri_parse (location, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (params);
  landing->code = g_strdup (g_hash_table_lookup (params, "code"));
  landing->error = g_strdup (g_hash_table_lookup (params, "error"));
  landing->state = g_strdup (g_hash_table_lookup (params, "state"));
  g_assert_cmpstr (landing->state, ==, APP_STATE);
  g_assert_true ((landing->code == NULL) != (landing->error == NULL));
}

/* The browser: from the authorization URL to the provider, back to the
 * server's callback, then on to the app's redirect (not fetched). Returns
 * the server's callback URL it went through. */
static char *
browse (Fixture *f, const char *authorization_url, Landing *landing)
{
  g_autofree char *callback = NULL;
  g_autofree char *location = NULL;

  g_assert_true (g_str_has_prefix (authorization_url, f->issuer));
  g_assert_cmpuint (fetch (f, "GET", authorization_url, NULL, &callback), ==, 302);
  g_assert_true (g_str_has_prefix (callback, cascade_test_server_get_url (f->server)));
  g_assert_cmpuint (fetch (f, "GET", callback, NULL, &location), ==, 302);
  parse_landing (location, landing);
  return g_steal_pointer (&callback);
}

static void
sign_in_at_provider (Fixture *f, const char *verifier, Landing *landing)
{
  g_autoptr (JsonNode) started = NULL;
  g_autofree char *callback = NULL;

  g_assert_cmpuint (start (f, "testid", APP_REDIRECT, "S256", verifier, &started), ==, 200);
  callback = browse (f, test_string (started, "authorization_url"), landing);
}

static guint
token (Fixture *f, const char *code, const char *verifier, const char *otp, JsonNode **out)
{
  g_autofree char *body = NULL;

  if (otp != NULL)
    body = g_strdup_printf ("{\"code\": \"%s\", \"code_verifier\": \"%s\", \"otp\": \"%s\"}", code,
                            verifier, otp);
  else
    body = g_strdup_printf ("{\"code\": \"%s\", \"code_verifier\": \"%s\"}", code, verifier);
  return cascade_test_server_request (f->server, "POST", "/api/v1/auth/oidc/token", NULL, body,
                                      out);
}

#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

/* The whole flow, to a session. */
static JsonNode *
social_login (Fixture *f)
{
  g_auto (Landing) landing = { NULL };
  JsonNode *session = NULL;

  sign_in_at_provider (f, VERIFIER, &landing);
  g_assert_cmpstr (landing.error, ==, NULL);
  g_assert_cmpuint (token (f, landing.code, VERIFIER, NULL, &session), ==, 200);
  return session;
}

static void
assert_refused (Fixture *f, const char *error_code)
{
  g_auto (Landing) landing = { NULL };

  sign_in_at_provider (f, VERIFIER, &landing);
  g_assert_cmpstr (landing.error, ==, error_code);
}

static JsonNode *
user_of (JsonNode *session)
{
  return json_object_get_member (test_object (session), "user");
}

static void
test_providers (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) list = NULL;
  JsonArray *items;

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "GET", "/api/v1/auth/providers", NULL, NULL, &list), ==,
    200);
  items = json_object_get_array_member (test_object (list), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"),
                   ==, "testid");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "name"),
                   ==, "Test ID");
}

/* A first social login creates a verified account without a password; the
 * next one signs in to the same account. */
static void
test_new_account (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) first = social_login (f);
  g_autoptr (JsonNode) second = NULL;
  g_autoptr (JsonNode) me = NULL;
  g_autoptr (JsonNode) login = NULL;
  JsonNode *user = user_of (first);
  guint status;

  g_assert_cmpstr (test_string (user, "email"), ==, "social@example.com");
  g_assert_cmpstr (test_string (user, "username"), ==, "social");
  g_assert_cmpstr (test_string (user, "display_name"), ==, "Social Person");
  g_assert_true (json_object_get_boolean_member (test_object (user), "email_verified"));
  g_assert_cmpstr (test_string (user, "role"), ==, "user");
  g_assert_cmpuint (cascade_test_server_request (f->server, "GET", "/api/v1/me",
                                                 test_string (first, "access_token"), NULL, &me),
                    ==, 200);
  g_assert_cmpstr (test_string (me, "id"), ==, test_string (user, "id"));

  /* Same subject, even with another address now: the same account. */
  configure_provider (f, "{\"email\": \"changed@example.com\"}");
  second = social_login (f);
  g_assert_cmpstr (test_string (user_of (second), "id"), ==, test_string (user, "id"));

  /* No password to sign in with. */
  status =
    cascade_test_server_request (f->server, "POST", "/api/v1/auth/login", NULL,
                                 "{\"login\": \"social@example.com\", \"password\": \"\"}", &login);
  test_assert_error (status, login, 401, "invalid_credentials", NULL);

  /* Another subject with a taken username's address part gets another name. */
  configure_provider (f, "{\"sub\": \"test-subject-2\", \"email\": \"social@example.org\"}");
  {
    g_autoptr (JsonNode) other = social_login (f);

    g_assert_cmpstr (test_string (user_of (other), "username"), ==, "social_2");
  }
}

/* An address the provider says is verified links to the account that has
 * it; an account whose address was never verified loses its password and
 * sessions (someone else may have signed up with that address). */
static void
test_link_verified_email (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) registered =
    test_register (f->server, "alice@example.com", "alice", TEST_PASSWORD);
  g_autoptr (JsonNode) social = NULL;
  g_autoptr (JsonNode) me = NULL;
  g_autoptr (JsonNode) login = NULL;
  guint status;

  configure_provider (f, "{\"sub\": \"alice-at-provider\", \"email\": \"Alice@Example.com\"}");
  social = social_login (f);
  g_assert_cmpstr (test_string (user_of (social), "id"), ==,
                   test_string (user_of (registered), "id"));
  g_assert_cmpstr (test_string (user_of (social), "username"), ==, "alice");
  g_assert_true (json_object_get_boolean_member (test_object (user_of (social)), "email_verified"));

  status = cascade_test_server_request (f->server, "GET", "/api/v1/me",
                                        test_string (registered, "access_token"), NULL, &me);
  test_assert_error (status, me, 401, "invalid_token", NULL);
  status = cascade_test_server_request (
    f->server, "POST", "/api/v1/auth/login", NULL,
    "{\"login\": \"alice\", \"password\": \"" TEST_PASSWORD "\"}", &login);
  test_assert_error (status, login, 401, "invalid_credentials", NULL);
}

/* An address the provider does not say is verified neither links nor
 * creates an account. */
static void
test_unverified_email_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) registered =
    test_register (f->server, "bob@example.com", "bob", TEST_PASSWORD);
  g_autoptr (JsonNode) login = NULL;

  configure_provider (f, "{\"sub\": \"bob-sub\", \"email\": \"bob@example.com\", "
                         "\"email_verified\": false}");
  assert_refused (f, "email_not_verified");
  configure_provider (f, "{\"sub\": \"new-sub\", \"email\": \"new@example.com\"}");
  configure_provider (f, "{\"email_verified\": \"false\"}");
  assert_refused (f, "email_not_verified");
  configure_provider (f, "{\"email\": null}");
  assert_refused (f, "email_missing");

  /* Bob's account is untouched. */
  g_assert_cmpuint (cascade_test_server_request (
                      f->server, "POST", "/api/v1/auth/login", NULL,
                      "{\"login\": \"bob\", \"password\": \"" TEST_PASSWORD "\"}", &login),
                    ==, 200);
}

/* A state the server never made, and one used already, are refused at the
 * callback. */
static void
test_wrong_state (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) started = NULL;
  g_autofree char *callback = NULL;
  g_autofree char *url = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_auto (Landing) landing = { NULL };
  guint status;

  status = cascade_test_server_request (
    f->server, "GET", "/api/v1/auth/oidc/callback?code=abc&state=made-up", NULL, NULL, &body);
  test_assert_error (status, body, 400, "invalid_state", "state");
  g_clear_pointer (&body, json_node_unref);
  status = cascade_test_server_request (f->server, "GET", "/api/v1/auth/oidc/callback?code=abc",
                                        NULL, NULL, &body);
  test_assert_error (status, body, 400, "invalid_state", "state");

  g_assert_cmpuint (start (f, "testid", APP_REDIRECT, "S256", VERIFIER, &started), ==, 200);
  callback = browse (f, test_string (started, "authorization_url"), &landing);
  g_assert_nonnull (landing.code);
  /* The same callback again (a replayed redirect): its state is used up. */
  g_assert_cmpuint (fetch (f, "GET", callback, NULL, NULL), ==, 400);
}

static void
expire_codes (Fixture *f)
{
  g_autofree char *db_path =
    g_build_filename (cascade_test_server_get_data_dir (f->server), "cascade.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 30000);
  g_assert_cmpint (sqlite3_exec (db,
                                 "UPDATE identity_oidc_codes SET expires_at = expires_at - 61 "
                                 "WHERE used_at IS NULL",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

/* The app's one-time code works once, and not after 60 seconds; an expired
 * or reused provider code is refused by the provider. */
static void
test_reused_and_expired_codes (Fixture *f, gconstpointer data)
{
  g_auto (Landing) landing = { NULL };
  g_auto (Landing) later = { NULL };
  g_autoptr (JsonNode) first = NULL;
  g_autoptr (JsonNode) again = NULL;
  g_autoptr (JsonNode) expired = NULL;
  guint status;

  sign_in_at_provider (f, VERIFIER, &landing);
  g_assert_cmpuint (token (f, landing.code, VERIFIER, NULL, &first), ==, 200);
  status = token (f, landing.code, VERIFIER, NULL, &again);
  test_assert_error (status, again, 400, "invalid_grant", NULL);

  sign_in_at_provider (f, VERIFIER, &later);
  expire_codes (f);
  status = token (f, later.code, VERIFIER, NULL, &expired);
  test_assert_error (status, expired, 400, "invalid_grant", NULL);

  /* The provider's own code, expired before the server redeems it. */
  configure_provider (f, "{\"code_seconds\": -1}");
  assert_refused (f, "provider_error");
}

/* The verifier must be the one whose challenge the app sent; a wrong one
 * uses the code up. */
static void
test_wrong_verifier (Fixture *f, gconstpointer data)
{
  g_auto (Landing) landing = { NULL };
  g_autoptr (JsonNode) wrong = NULL;
  g_autoptr (JsonNode) right = NULL;
  g_autoptr (JsonNode) shape = NULL;
  guint status;

  sign_in_at_provider (f, VERIFIER, &landing);
  status = token (f, landing.code, "another-verifier-of-the-right-length-0123456789", NULL, &wrong);
  test_assert_error (status, wrong, 400, "invalid_grant", NULL);
  status = token (f, landing.code, VERIFIER, NULL, &right);
  test_assert_error (status, right, 400, "invalid_grant", NULL);
  status = token (f, "x", "short", NULL, &shape);
  test_assert_error (status, shape, 400, "invalid_grant", NULL);
}

/* ID tokens the server must refuse, each made by the provider on purpose. */
static void
test_bad_id_tokens (Fixture *f, gconstpointer data)
{
  static const char *const tampers[] = { "signature", "alg_none", "hs256", "audience",
                                         "nonce",     "expired",  "issuer" };

  for (gsize i = 0; i < G_N_ELEMENTS (tampers); i++)
    {
      g_autofree char *config = g_strdup_printf ("{\"tamper\": \"%s\"}", tampers[i]);

      g_test_message ("tamper: %s", tampers[i]);
      configure_provider (f, config);
      assert_refused (f, "invalid_id_token");
    }
  /* Nothing was created on the way. */
  configure_provider (f, "{\"tamper\": null}");
  {
    g_autoptr (JsonNode) session = social_login (f);

    g_assert_cmpstr (test_string (user_of (session), "username"), ==, "social");
  }
}

/* ES256 (P-256) ID tokens verify too. */
static void
test_es256 (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) session = NULL;

  configure_provider (f, "{\"alg\": \"ES256\"}");
  session = social_login (f);
  g_assert_cmpstr (test_string (user_of (session), "email"), ==, "social@example.com");
  configure_provider (f, "{\"tamper\": \"signature\"}");
  assert_refused (f, "invalid_id_token");
}

static void
test_access_denied (Fixture *f, gconstpointer data)
{
  configure_provider (f, "{\"deny\": true}");
  assert_refused (f, "access_denied");
}

/* Only loopback redirects (RFC 8252 §7.3), S256 challenges and known
 * providers. */
static void
test_start_refusals (Fixture *f, gconstpointer data)
{
  static const char *const bad_redirects[] = {
    "http://example.com:8080/oidc/callback",
    "https://127.0.0.1:4000/oidc/callback",
    "http://localhost:4000/oidc/callback",
    "http://127.0.0.2:4000/oidc/callback",
    "http://127.0.0.1/oidc/callback",
    "http://127.0.0.1:4000/cb#fragment",
    "javascript:alert(1)",
  };
  g_autoptr (JsonNode) plain = NULL;
  g_autoptr (JsonNode) unknown = NULL;
  g_autoptr (JsonNode) v6 = NULL;
  guint status;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_redirects); i++)
    {
      g_autoptr (JsonNode) body = NULL;

      g_test_message ("redirect_uri: %s", bad_redirects[i]);
      status = start (f, "testid", bad_redirects[i], "S256", VERIFIER, &body);
      test_assert_error (status, body, 400, "invalid_redirect_uri", "redirect_uri");
    }
  status = start (f, "testid", APP_REDIRECT, "plain", VERIFIER, &plain);
  test_assert_error (status, plain, 400, "invalid_code_challenge", "code_challenge");
  status = start (f, "nosuch", APP_REDIRECT, "S256", VERIFIER, &unknown);
  test_assert_error (status, unknown, 404, "not_found", NULL);
  g_assert_cmpuint (start (f, "testid", "http://[::1]:4000/oidc/callback", "S256", VERIFIER, &v6),
                    ==, 200);
}

/* An account with two-factor authentication gets the same challenge as a
 * password login; the code stays good for the retry with otp. */
static void
test_totp_challenge (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) session = social_login (f);
  const char *access = test_string (session, "access_token");
  g_autoptr (JsonNode) begun = NULL;
  g_autoptr (JsonNode) confirmed = NULL;
  g_autoptr (JsonNode) challenge = NULL;
  g_autoptr (JsonNode) wrong = NULL;
  g_autoptr (JsonNode) signed_in = NULL;
  const char *secret;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  g_autofree char *next = NULL;
  g_auto (Landing) landing = { NULL };
  guint status;

  g_assert_cmpuint (
    cascade_test_server_request (f->server, "POST", "/api/v1/me/totp", access, NULL, &begun), ==,
    200);
  secret = test_string (begun, "secret");
  code = cascade_test_totp (secret, 0);
  body = g_strdup_printf ("{\"code\": \"%s\"}", code);
  g_assert_cmpuint (cascade_test_server_request (f->server, "POST", "/api/v1/me/totp/confirm",
                                                 access, body, &confirmed),
                    ==, 200);

  sign_in_at_provider (f, VERIFIER, &landing);
  status = token (f, landing.code, VERIFIER, NULL, &challenge);
  test_assert_error (status, challenge, 401, "otp_required", "otp");
  status = token (f, landing.code, VERIFIER, "000000x", &wrong);
  test_assert_error (status, wrong, 401, "invalid_otp", "otp");
  next = cascade_test_totp (secret, 1);
  g_assert_cmpuint (token (f, landing.code, VERIFIER, next, &signed_in), ==, 200);
  g_assert_cmpstr (test_string (user_of (signed_in), "id"), ==,
                   test_string (user_of (session), "id"));
}

/* [identity] admins: a listed address becomes an admin when its account is
 * created, by social login or sign-up, and at start for one that exists. */
static void
test_config_admins (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) boss = NULL;
  g_autoptr (JsonNode) chief = NULL;
  g_autoptr (JsonNode) worker = NULL;
  g_autoptr (JsonNode) later = NULL;
  g_autofree char *config = NULL;
  g_autoptr (GError) error = NULL;
  const char *args[] = { "--config", f->config_path, NULL };

  configure_provider (f, "{\"email\": \"boss@example.com\"}");
  boss = social_login (f);
  g_assert_cmpstr (test_string (user_of (boss), "role"), ==, "admin");
  chief = test_register (f->server, "chief@example.com", "chief", TEST_PASSWORD);
  g_assert_cmpstr (test_string (user_of (chief), "role"), ==, "admin");
  worker = test_register (f->server, "worker@example.com", "worker", TEST_PASSWORD);
  g_assert_cmpstr (test_string (user_of (worker), "role"), ==, "user");

  /* Listed later: made an admin at the next start. */
  g_assert_cmpint (cascade_test_server_stop (f->server), ==, 0);
  config = g_strdup_printf ("[oidc.testid]\nissuer=%s\nclient-id=cascade-test\n"
                            "client-secret=test-secret\n[identity]\nadmins=worker@example.com\n",
                            f->issuer);
  g_file_set_contents (f->config_path, config, -1, &error);
  g_assert_no_error (error);
  g_clear_pointer (&f->server, cascade_test_server_free);
  f->server = cascade_test_server_new_in_dir (f->data_dir, args);
  g_assert_cmpuint (cascade_test_server_request (
                      f->server, "POST", "/api/v1/auth/login", NULL,
                      "{\"login\": \"worker\", \"password\": \"" TEST_PASSWORD "\"}", &later),
                    ==, 200);
  g_assert_cmpstr (test_string (user_of (later), "role"), ==, "admin");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func, config)                                                                    \
  g_test_add (path, Fixture, config, fixture_set_up, func, fixture_tear_down)
  ADD ("/cascade/server/identity/oidc/providers", test_providers, NULL);
  ADD ("/cascade/server/identity/oidc/new-account", test_new_account, NULL);
  ADD ("/cascade/server/identity/oidc/link-verified-email", test_link_verified_email, NULL);
  ADD ("/cascade/server/identity/oidc/unverified-email-refused", test_unverified_email_refused,
       NULL);
  ADD ("/cascade/server/identity/oidc/wrong-state", test_wrong_state, NULL);
  ADD ("/cascade/server/identity/oidc/reused-and-expired-codes", test_reused_and_expired_codes,
       NULL);
  ADD ("/cascade/server/identity/oidc/wrong-verifier", test_wrong_verifier, NULL);
  ADD ("/cascade/server/identity/oidc/bad-id-tokens", test_bad_id_tokens, NULL);
  ADD ("/cascade/server/identity/oidc/es256", test_es256, NULL);
  ADD ("/cascade/server/identity/oidc/access-denied", test_access_denied, NULL);
  ADD ("/cascade/server/identity/oidc/start-refusals", test_start_refusals, NULL);
  ADD ("/cascade/server/identity/oidc/totp-challenge", test_totp_challenge, NULL);
  ADD ("/cascade/server/identity/oidc/config-admins", test_config_admins,
       "[identity]\nadmins=boss@example.com; chief@example.com\n");
  return g_test_run ();
}
