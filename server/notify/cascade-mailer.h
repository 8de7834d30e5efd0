/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "store/cascade-store.h"

G_BEGIN_DECLS

/* Where mail goes ([smtp] in the config). With no host, mails are written to
 * <data-dir>/mail-outbox/ instead. */
typedef struct
{
  char *host; /* NULL: no SMTP, mails go to files */
  guint port;
  char *security; /* "starttls" (the default), "tls" or "none" */
  char *username;
  char *password;
  char *from;
  guint retry_seconds;   /* the first retry; each next one waits twice as long */
  guint max_attempts;    /* then a mail is given up (and logged) */
  guint timeout_seconds; /* for one delivery */
} CascadeMailerSettings;

void cascade_mailer_settings_init (CascadeMailerSettings *settings);
void cascade_mailer_settings_clear (CascadeMailerSettings *settings);
gboolean
cascade_mailer_settings_load (CascadeMailerSettings *settings, GKeyFile *file, GError **error);

#define CASCADE_TYPE_MAILER (cascade_mailer_get_type ())

G_DECLARE_FINAL_TYPE (CascadeMailer, cascade_mailer, CASCADE, MAILER, GObject)

void cascade_mailer_add_migrations (CascadeStore *store);
CascadeMailer *cascade_mailer_new (CascadeStore *store,
                                   const char *data_dir,
                                   const CascadeMailerSettings *settings);
const char *cascade_mailer_get_outbox_dir (CascadeMailer *self);
void cascade_mailer_start (CascadeMailer *self);
void cascade_mailer_stop (CascadeMailer *self);

G_END_DECLS
