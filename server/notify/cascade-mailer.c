/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-mailer.h"

#include <curl/curl.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <sodium.h>

/*
 * CascadeMailer: the email part of the notify context. It turns the
 * "identity.email_token" outbox events into mails in its own durable table
 * (in the transaction that delivers the event), and one sender thread
 * delivers them: over SMTP with libcurl, or, with no SMTP host configured,
 * as .eml files in <data-dir>/mail-outbox/. A delivery that fails is tried
 * again later, each wait twice the one before (up to an hour), until
 * max-attempts; nothing is lost when the mail server is down or cascaded
 * restarts. A sent mail's text (it carries a token) is wiped from the table.
 */

#define OUTBOX_DIR "mail-outbox"
#define IDLE_POLL_SECONDS 30
#define MAX_RETRY_SECONDS 3600

struct _CascadeMailer
{
  GObject parent_instance;

  CascadeStore *store;
  CascadeMailerSettings settings;
  char *outbox_dir;
  char *url; /* smtp[s]://host:port, or NULL */

  GMutex lock;
  GCond cond;
  GThread *thread;
  gboolean stopping;
  gboolean kicked;
};

G_DEFINE_FINAL_TYPE (CascadeMailer, cascade_mailer, G_TYPE_OBJECT)

static const CascadeMigration notify_migrations[] = {
  { 1, "CREATE TABLE notify_mail_outbox ("
       "  id INTEGER PRIMARY KEY,"
       "  recipient TEXT NOT NULL,"
       "  message TEXT NOT NULL," /* the whole RFC 5322 message; wiped once sent */
       "  created_at INTEGER NOT NULL,"
       "  attempts INTEGER NOT NULL DEFAULT 0,"
       "  next_attempt_at INTEGER NOT NULL,"
       "  sent_at INTEGER,"
       "  failed_at INTEGER,"
       "  last_error TEXT"
       ");"
       "CREATE INDEX notify_mail_outbox_due ON notify_mail_outbox (next_attempt_at) "
       "WHERE sent_at IS NULL AND failed_at IS NULL;" },
};

void
cascade_mailer_settings_init (CascadeMailerSettings *settings)
{
  g_return_if_fail (settings != NULL);

  memset (settings, 0, sizeof *settings);
  settings->security = g_strdup ("starttls");
  settings->from = g_strdup ("cascaded@localhost");
  settings->retry_seconds = 30;
  settings->max_attempts = 12;
  settings->timeout_seconds = 30;
}

void
cascade_mailer_settings_clear (CascadeMailerSettings *settings)
{
  g_return_if_fail (settings != NULL);

  g_clear_pointer (&settings->host, g_free);
  g_clear_pointer (&settings->security, g_free);
  g_clear_pointer (&settings->username, g_free);
  if (settings->password != NULL)
    sodium_memzero (settings->password, strlen (settings->password));
  g_clear_pointer (&settings->password, g_free);
  g_clear_pointer (&settings->from, g_free);
}

static gboolean
settings_error (GError **error, const char *message)
{
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG, "[smtp] %s", message);
  return FALSE;
}

static gboolean
load_uint (GKeyFile *file, const char *key, guint min, guint max, guint *out, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  guint64 value;

  if (!g_key_file_has_key (file, "smtp", key, NULL))
    return TRUE;
  value = g_key_file_get_uint64 (file, "smtp", key, &local_error);
  if (local_error != NULL || value < min || value > max)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                   "[smtp] %s must be a number from %u to %u", key, min, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static gboolean
load_string (GKeyFile *file, const char *key, char **out)
{
  g_autofree char *value = g_key_file_get_string (file, "smtp", key, NULL);

  if (value == NULL)
    return TRUE;
  g_strstrip (value);
  if (strpbrk (value, "\r\n") != NULL)
    return FALSE;
  g_free (*out);
  *out = value[0] != '\0' ? g_steal_pointer (&value) : NULL;
  return TRUE;
}

/**
 * cascade_mailer_settings_load:
 * @file: (nullable): the config file
 *
 * Reads [smtp]: host, port (default 587, or 465 with security=tls, 25 with
 * none), security (starttls, tls, none), username, password, from,
 * retry-seconds, max-attempts, timeout-seconds.
 */
gboolean
cascade_mailer_settings_load (CascadeMailerSettings *settings, GKeyFile *file, GError **error)
{
  static const char *const known[] = {
    "host", "port",          "security",     "username",        "password",
    "from", "retry-seconds", "max-attempts", "timeout-seconds", NULL
  };
  g_auto (GStrv) keys = NULL;

  g_return_val_if_fail (settings != NULL, FALSE);

  if (file == NULL)
    return TRUE;
  keys = g_key_file_get_keys (file, "smtp", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                     "unknown key “%s” in [smtp]", keys[i]);
        return FALSE;
      }
  if (!load_string (file, "host", &settings->host) ||
      !load_string (file, "security", &settings->security) ||
      !load_string (file, "username", &settings->username) ||
      !load_string (file, "password", &settings->password) ||
      !load_string (file, "from", &settings->from))
    return settings_error (error, "values are one line each");
  if (settings->security == NULL ||
      !g_strv_contains ((const char *const[]){ "starttls", "tls", "none", NULL },
                        settings->security))
    return settings_error (error, "security is starttls, tls or none");
  if (settings->from == NULL || strchr (settings->from, '@') == NULL)
    return settings_error (error, "from must be an email address");
  settings->port = g_str_equal (settings->security, "tls")    ? 465
                   : g_str_equal (settings->security, "none") ? 25
                                                              : 587;
  return load_uint (file, "port", 1, 65535, &settings->port, error) &&
         load_uint (file, "retry-seconds", 1, 86400, &settings->retry_seconds, error) &&
         load_uint (file, "max-attempts", 1, 1000, &settings->max_attempts, error) &&
         load_uint (file, "timeout-seconds", 1, 600, &settings->timeout_seconds, error);
}

static void
cascade_mailer_dispose (GObject *object)
{
  cascade_mailer_stop (CASCADE_MAILER (object));

  G_OBJECT_CLASS (cascade_mailer_parent_class)->dispose (object);
}

static void
cascade_mailer_finalize (GObject *object)
{
  CascadeMailer *self = CASCADE_MAILER (object);

  g_clear_object (&self->store);
  cascade_mailer_settings_clear (&self->settings);
  g_free (self->outbox_dir);
  g_free (self->url);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (cascade_mailer_parent_class)->finalize (object);
}

static void
cascade_mailer_class_init (CascadeMailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cascade_mailer_dispose;
  object_class->finalize = cascade_mailer_finalize;
}

static void
cascade_mailer_init (CascadeMailer *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

/* Registers the notify tables with @store, before cascade_store_migrate(). */
void
cascade_mailer_add_migrations (CascadeStore *store)
{
  g_return_if_fail (CASCADE_IS_STORE (store));

  cascade_store_add_migrations (store, "notify", notify_migrations,
                                G_N_ELEMENTS (notify_migrations));
}

/* "Tue, 24 Nov 2026 22:30:00 +0000", whatever the locale. */
static char *
format_date (gint64 now)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autoptr (GDateTime) time = g_date_time_new_from_unix_utc (now);

  return g_strdup_printf (
    "%s, %02d %s %04d %02d:%02d:%02d +0000", days[g_date_time_get_day_of_week (time) - 1],
    g_date_time_get_day_of_month (time), months[g_date_time_get_month (time) - 1],
    g_date_time_get_year (time), g_date_time_get_hour (time), g_date_time_get_minute (time),
    g_date_time_get_second (time));
}

/* The mail for one "identity.email_token" event, as RFC 5322 text with CRLF
 * line ends; %NULL for a purpose this version does not know. */
static char *
compose (CascadeMailer *self, JsonObject *event, const char *to, gint64 now)
{
  const char *purpose = json_object_get_string_member_with_default (event, "purpose", "");
  const char *username = json_object_get_string_member_with_default (event, "username", "");
  const char *token = json_object_get_string_member_with_default (event, "token", "");
  gint64 minutes = MAX (1, json_object_get_int_member_with_default (event, "expires_in", 0) / 60);
  g_autofree char *date = format_date (now);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *text = NULL;
  const char *subject;
  char *message;

  if (g_str_equal (purpose, "password_reset"))
    {
      subject = "Reset your Cascade password";
      body = g_strdup_printf (
        "Hello %s,\n\n"
        "Someone, hopefully you, asked to reset the password of your Cascade account.\n"
        "To choose a new one, enter this code in the app:\n\n"
        "    %s\n\n"
        "It works once, for %" G_GINT64_FORMAT " minutes, and signs out every device.\n"
        "If you did not ask, ignore this mail: your password stays as it is.\n",
        username, token, minutes);
    }
  else if (g_str_equal (purpose, "verify_email"))
    {
      subject = "Confirm your email address for Cascade";
      body = g_strdup_printf ("Hello %s,\n\n"
                              "To confirm that this address is yours, enter this code in the "
                              "app:\n\n"
                              "    %s\n\n"
                              "If you did not make a Cascade account, ignore this mail.\n",
                              username, token);
    }
  else
    return NULL;

  lines = g_strsplit (body, "\n", -1);
  sodium_memzero (body, strlen (body));
  text = g_strjoinv ("\r\n", lines);
  for (guint i = 0; lines[i] != NULL; i++)
    sodium_memzero (lines[i], strlen (lines[i]));
  message = g_strdup_printf ("From: Cascade <%s>\r\n"
                             "To: <%s>\r\n"
                             "Subject: %s\r\n"
                             "Date: %s\r\n"
                             "Message-ID: <%s@cascaded>\r\n"
                             "MIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n"
                             "Content-Transfer-Encoding: 8bit\r\n"
                             "\r\n"
                             "%s",
                             self->settings.from, to, subject, date, id, text);
  sodium_memzero (text, strlen (text));
  return message;
}

static gboolean
on_email_token (
  CascadeStoreTx *tx, const char *topic, JsonNode *payload, gpointer user_data, GError **error)
{
  CascadeMailer *self = user_data;
  JsonObject *event = json_node_get_object (payload);
  const char *to = json_object_get_string_member_with_default (event, "email", "");
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = cascade_store_tx_get_now (tx);
  g_autofree char *message = NULL;
  gboolean ok;

  if (to[0] == '\0' || strpbrk (to, "\r\n<>") != NULL ||
      (message = compose (self, event, to, now)) == NULL)
    {
      g_message ("Mail: event %s has nothing to send", topic);
      return TRUE;
    }
  stmt = cascade_store_tx_prepare (tx,
                                   "INSERT INTO notify_mail_outbox "
                                   "(recipient, message, created_at, next_attempt_at) "
                                   "VALUES (?, ?, ?, ?)",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, to, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, message, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  sqlite3_bind_int64 (stmt, 4, now);
  ok = cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
  sodium_memzero (message, strlen (message));

  /* The sender's next transaction waits for this one to commit. */
  g_mutex_lock (&self->lock);
  self->kicked = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  return ok;
}

/**
 * cascade_mailer_new:
 * @settings: copied
 *
 * Subscribes to the outbox (call before cascade_store_start_dispatcher()),
 * without a reference: stop the store's dispatcher before dropping the
 * mailer. Call cascade_mailer_start() to start delivering.
 */
CascadeMailer *
cascade_mailer_new (CascadeStore *store,
                    const char *data_dir,
                    const CascadeMailerSettings *settings)
{
  static gsize curl_ready;
  CascadeMailer *self;

  g_return_val_if_fail (CASCADE_IS_STORE (store), NULL);
  g_return_val_if_fail (data_dir != NULL && settings != NULL, NULL);

  if (g_once_init_enter (&curl_ready))
    g_once_init_leave (&curl_ready, curl_global_init (CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : 2);
  self = g_object_new (CASCADE_TYPE_MAILER, NULL);
  self->store = g_object_ref (store);
  self->settings = *settings;
  self->settings.host = g_strdup (settings->host);
  self->settings.security = g_strdup (settings->security);
  self->settings.username = g_strdup (settings->username);
  self->settings.password = g_strdup (settings->password);
  self->settings.from = g_strdup (settings->from);
  self->outbox_dir = g_build_filename (data_dir, OUTBOX_DIR, NULL);
  if (self->settings.host != NULL)
    self->url = g_strdup_printf ("%s://%s:%u",
                                 g_str_equal (self->settings.security, "tls") ? "smtps" : "smtp",
                                 self->settings.host, self->settings.port);
  /* Not a reference: the server stops the store's dispatcher before it
   * drops the mailer. */
  cascade_store_subscribe (store, "identity.email_token", on_email_token, self, NULL);
  return self;
}

/* (nullable): where mails are written when no SMTP host is configured */
const char *
cascade_mailer_get_outbox_dir (CascadeMailer *self)
{
  g_return_val_if_fail (CASCADE_IS_MAILER (self), NULL);

  return self->url == NULL ? self->outbox_dir : NULL;
}

typedef struct
{
  gint64 id;
  char *recipient;
  char *message;
  gint64 attempts;
  gint64 next_attempt_at; /* 0: nothing waits */
} Mail;

static void
mail_clear (Mail *mail)
{
  g_clear_pointer (&mail->recipient, g_free);
  if (mail->message != NULL)
    sodium_memzero (mail->message, strlen (mail->message));
  g_clear_pointer (&mail->message, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Mail, mail_clear)

static gboolean
next_mail_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  Mail *mail = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = cascade_store_tx_prepare (tx,
                                   "SELECT id, recipient, message, attempts, next_attempt_at "
                                   "FROM notify_mail_outbox "
                                   "WHERE sent_at IS NULL AND failed_at IS NULL "
                                   "ORDER BY next_attempt_at, id LIMIT 1",
                                   error);
  if (stmt == NULL)
    return FALSE;
  rc = cascade_store_tx_step (tx, stmt, error);
  if (rc == SQLITE_ROW)
    {
      mail->id = sqlite3_column_int64 (stmt, 0);
      mail->recipient = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      mail->message = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      mail->attempts = sqlite3_column_int64 (stmt, 3);
      mail->next_attempt_at = sqlite3_column_int64 (stmt, 4);
    }
  return rc >= 0;
}

typedef struct
{
  const char *data;
  gsize length;
  gsize offset;
} Upload;

static size_t
read_upload (char *buffer, size_t size, size_t n_items, void *user_data)
{
  Upload *upload = user_data;
  gsize n = MIN (size * n_items, upload->length - upload->offset);

  memcpy (buffer, upload->data + upload->offset, n);
  upload->offset += n;
  return n;
}

static gboolean
send_smtp (CascadeMailer *self, Mail *mail, GError **error)
{
  CURL *curl = curl_easy_init ();
  struct curl_slist *recipients = NULL;
  g_autofree char *rcpt = g_strdup_printf ("<%s>", mail->recipient);
  g_autofree char *from = g_strdup_printf ("<%s>", self->settings.from);
  char message[CURL_ERROR_SIZE] = "";
  Upload upload = { mail->message, strlen (mail->message), 0 };
  CURLcode rc;

  if (curl == NULL)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "libcurl cannot start");
      return FALSE;
    }
  recipients = curl_slist_append (NULL, rcpt);
  curl_easy_setopt (curl, CURLOPT_URL, self->url);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  if (g_str_equal (self->settings.security, "starttls"))
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  if (self->settings.username != NULL)
    {
      curl_easy_setopt (curl, CURLOPT_USERNAME, self->settings.username);
      curl_easy_setopt (curl, CURLOPT_PASSWORD,
                        self->settings.password != NULL ? self->settings.password : "");
    }
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt (curl, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) self->settings.timeout_seconds);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, message);
  rc = curl_easy_perform (curl);
  curl_slist_free_all (recipients);
  curl_easy_cleanup (curl);
  if (rc != CURLE_OK)
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_UNAVAILABLE, "%s",
                   message[0] != '\0' ? message : curl_easy_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_file (CascadeMailer *self, Mail *mail, GError **error)
{
  g_autofree char *name = g_strdup_printf ("%06" G_GINT64_FORMAT ".eml", mail->id);
  g_autofree char *path = g_build_filename (self->outbox_dir, name, NULL);

  if (g_mkdir_with_parents (self->outbox_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED, "Cannot create %s: %s",
                   self->outbox_dir, g_strerror (saved_errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, mail->message, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                   error);
}

typedef struct
{
  Mail *mail;
  gboolean sent;
  const char *failure;
  gint64 retry_seconds;
  guint max_attempts;
} Outcome;

static gboolean
record_outcome_tx (CascadeStoreTx *tx, gpointer user_data, GError **error)
{
  Outcome *outcome = user_data;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = cascade_store_tx_get_now (tx);
  gint64 attempts = outcome->mail->attempts + 1;
  gint64 wait = outcome->retry_seconds << MIN (attempts - 1, 20);
  gboolean give_up = !outcome->sent && attempts >= outcome->max_attempts;

  stmt = cascade_store_tx_prepare (tx,
                                   "UPDATE notify_mail_outbox SET attempts = ?, "
                                   "next_attempt_at = ?, sent_at = ?, failed_at = ?, "
                                   "last_error = ?, message = CASE WHEN ? THEN '' ELSE message END "
                                   "WHERE id = ?",
                                   error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, attempts);
  sqlite3_bind_int64 (stmt, 2, now + MIN (wait, MAX_RETRY_SECONDS));
  if (outcome->sent)
    sqlite3_bind_int64 (stmt, 3, now);
  else
    sqlite3_bind_null (stmt, 3);
  if (give_up)
    sqlite3_bind_int64 (stmt, 4, now);
  else
    sqlite3_bind_null (stmt, 4);
  sqlite3_bind_text (stmt, 5, outcome->failure, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 6, outcome->sent || give_up);
  sqlite3_bind_int64 (stmt, 7, outcome->mail->id);
  if (give_up)
    g_message ("Mail %" G_GINT64_FORMAT " is given up after %" G_GINT64_FORMAT " attempts: %s",
               outcome->mail->id, attempts, outcome->failure);
  return cascade_store_tx_step (tx, stmt, error) == SQLITE_DONE;
}

static void
deliver (CascadeMailer *self, Mail *mail)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) record_error = NULL;
  Outcome outcome = { mail, FALSE, NULL, self->settings.retry_seconds,
                      self->settings.max_attempts };

  outcome.sent =
    self->url != NULL ? send_smtp (self, mail, &error) : write_file (self, mail, &error);
  if (!outcome.sent)
    {
      outcome.failure = error->message;
      g_message ("Mail %" G_GINT64_FORMAT " not delivered (attempt %" G_GINT64_FORMAT "): %s",
                 mail->id, mail->attempts + 1, error->message);
    }
  else
    g_debug ("Mail %" G_GINT64_FORMAT " delivered", mail->id);
  if (!cascade_store_transaction (self->store, CASCADE_STORE_WRITE, record_outcome_tx, &outcome,
                                  &record_error))
    g_message ("Mail %" G_GINT64_FORMAT ": cannot record the delivery: %s", mail->id,
               record_error->message);
}

static gpointer
sender_thread (gpointer data)
{
  CascadeMailer *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      g_auto (Mail) mail = { 0 };
      g_autoptr (GError) error = NULL;
      gint64 now;
      gint64 wait_s = IDLE_POLL_SECONDS;

      self->kicked = FALSE;
      g_mutex_unlock (&self->lock);
      if (!cascade_store_transaction (self->store, CASCADE_STORE_READ, next_mail_tx, &mail, &error))
        g_message ("Mail: cannot read the outbox: %s", error->message);
      now = g_get_real_time () / G_USEC_PER_SEC;
      if (mail.message != NULL && mail.next_attempt_at <= now)
        {
          deliver (self, &mail);
          g_mutex_lock (&self->lock);
          continue;
        }
      if (mail.message != NULL)
        wait_s = MIN (wait_s, mail.next_attempt_at - now);
      g_mutex_lock (&self->lock);
      if (!self->kicked && !self->stopping)
        g_cond_wait_until (&self->cond, &self->lock,
                           g_get_monotonic_time () + wait_s * G_USEC_PER_SEC);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* Starts delivering, the mails a previous run left first. */
void
cascade_mailer_start (CascadeMailer *self)
{
  g_return_if_fail (CASCADE_IS_MAILER (self));

  if (self->thread != NULL)
    return;
  if (self->url == NULL)
    g_message ("No [smtp] host is configured: mails are written to %s", self->outbox_dir);
  self->thread = g_thread_new ("cascade-mailer", sender_thread, self);
}

/* Stops the sender after the delivery under way, if any. Blocking (up to
 * timeout-seconds): call before closing the store. */
void
cascade_mailer_stop (CascadeMailer *self)
{
  g_return_if_fail (CASCADE_IS_MAILER (self));

  if (self->thread == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (g_steal_pointer (&self->thread));
}
