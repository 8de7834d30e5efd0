/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "identity/cascade-identity-validate.h"
#include "identity/cascade-identity.h"
#include "notify/cascade-mailer.h"

static void
test_email_valid (void)
{
  const struct
  {
    const char *input;
    const char *stored;
  } cases[] = {
    { "a@b.co", "a@b.co" },
    { "Alice.Smith+tag@Example.COM", "alice.smith+tag@example.com" },
    { "ÜLLA@exämple.de", "ülla@exämple.de" },
    { "x@sub.domain.example", "x@sub.domain.example" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *stored = cascade_identity_normalize_email (cases[i].input, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (stored, ==, cases[i].stored);
    }
}

static void
test_email_length (void)
{
  g_autofree char *local = g_strnfill (254 - strlen ("@example.com"), 'a');
  g_autofree char *longest = g_strconcat (local, "@example.com", NULL);
  g_autofree char *too_long = g_strconcat ("b", longest, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *ok = cascade_identity_normalize_email (longest, &error);
  g_autofree char *refused = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (ok);
  refused = cascade_identity_normalize_email (too_long, &error);
  g_assert_null (refused);
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_EMAIL);
}

static void
test_email_invalid (void)
{
  const char *cases[] = {
    "",          "alice",     "@example.com", "alice@",         "alice@example", "a@@example.com",
    "a@b@c.com", "a b@c.com", "a@b.com ",     " a@b.com",       "a@.com",        "a@com.",
    "a@b..com",  "a\t@b.com", "a@b\n.com",    "a@exa mple.com",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *stored = cascade_identity_normalize_email (cases[i], &error);

      if (stored != NULL)
        g_error ("accepted the email “%s”", cases[i]);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_EMAIL);
    }
}

static void
test_username (void)
{
  g_autofree char *longest = g_strnfill (32, 'z');
  g_autofree char *too_long = g_strnfill (33, 'z');
  const char *valid[] = { "abc", "a_1", "___", "0123456789", longest };
  const char *invalid[] = { "",       "ab",    too_long, "Alice", "al-ice",
                            "al ice", "ålice", "alice!", "al.ice" };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (cascade_identity_check_username (valid[i], &error));
      g_assert_no_error (error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr (GError) error = NULL;

      if (cascade_identity_check_username (invalid[i], &error))
        g_error ("accepted the username “%s”", invalid[i]);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_USERNAME);
    }
}

static char *
repeat (const char *unit, guint times)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (text, unit);
  return g_string_free (text, FALSE);
}

/* Lengths count characters, not bytes: 8 "é" (16 bytes) pass, 7 do not. */
static void
test_password (void)
{
  g_autofree char *eight = repeat ("é", 8);
  g_autofree char *seven = repeat ("é", 7);
  g_autofree char *ascii_8 = repeat ("p", 8);
  g_autofree char *ascii_7 = repeat ("p", 7);
  g_autofree char *emoji_128 = repeat ("😀", 128);
  g_autofree char *ascii_129 = repeat ("p", 129);
  const char *valid[] = { eight, ascii_8, emoji_128, "correct horse battery staple" };
  const char *invalid[] = { "", seven, ascii_7, ascii_129 };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_true (cascade_identity_check_password (valid[i], &error));
      g_assert_no_error (error);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (cascade_identity_check_password (invalid[i], &error));
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_PASSWORD);
    }
}

/* The common passwords are refused whatever their case, every one of the
 * shipped list (data/common-passwords.txt) included; others are not. */
static void
test_common_password (void)
{
  const char *common[] = { "password", "PASSWORD1", "P@ssw0rd", "12345678", "QwertyUiop" };
  const char *uncommon[] = { "password-escaping", "correct horse battery", "ppppppppq" };
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GError) error = NULL;
  guint n_listed = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (common); i++)
    {
      g_autoptr (GError) local_error = NULL;

      g_assert_false (cascade_identity_check_password (common[i], &local_error));
      g_assert_error (local_error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_PASSWORD);
      g_assert_nonnull (strstr (local_error->message, "common"));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (uncommon); i++)
    g_assert_true (cascade_identity_check_password (uncommon[i], NULL));

  path = g_test_build_filename (G_TEST_DIST, "..", "data", "common-passwords.txt", NULL);
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      n_listed++;
      if (!cascade_identity_is_common_password (lines[i]))
        g_error ("“%s” is listed but not refused", lines[i]);
    }
  g_assert_cmpuint (n_listed, >=, 250);
}

/* data/cascaded.conf documents the real defaults of [limits] and [smtp]:
 * uncommented, it loads and changes nothing. */
static void
test_sample_limits (void)
{
  g_autofree char *sample =
    g_test_build_filename (G_TEST_DIST, "..", "data", "cascaded.conf", NULL);
  g_autoptr (GRegex) setting = g_regex_new ("^#([a-z-]+=)", G_REGEX_MULTILINE, 0, NULL);
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *replaced = NULL;
  CascadeIdentityLimits defaults, limits;
  CascadeMailerSettings mail_defaults, mail;

  g_file_get_contents (sample, &contents, NULL, &error);
  g_assert_no_error (error);
  replaced = g_regex_replace (setting, contents, -1, 0, "\\1", 0, &error);
  g_assert_no_error (error);
  g_key_file_load_from_data (file, replaced, -1, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (g_key_file_has_key (file, "limits", "lockout-failures", NULL));
  g_assert_true (g_key_file_has_key (file, "smtp", "retry-seconds", NULL));

  cascade_identity_limits_init (&defaults);
  cascade_identity_limits_init (&limits);
  limits.password_hashes = 4; /* the sample shows the most */
  defaults.password_hashes = 4;
  g_assert_true (cascade_identity_limits_load (&limits, file, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (&limits, sizeof limits, &defaults, sizeof defaults);

  cascade_mailer_settings_init (&mail_defaults);
  cascade_mailer_settings_init (&mail);
  g_assert_true (cascade_mailer_settings_load (&mail, file, &error));
  g_assert_no_error (error);
  g_assert_null (mail.host);
  g_assert_cmpstr (mail.security, ==, mail_defaults.security);
  g_assert_cmpstr (mail.from, ==, mail_defaults.from);
  g_assert_cmpuint (mail.port, ==, 587);
  g_assert_cmpuint (mail.retry_seconds, ==, mail_defaults.retry_seconds);
  g_assert_cmpuint (mail.max_attempts, ==, mail_defaults.max_attempts);
  g_assert_cmpuint (mail.timeout_seconds, ==, mail_defaults.timeout_seconds);
  cascade_mailer_settings_clear (&mail);
  cascade_mailer_settings_clear (&mail_defaults);

  /* A typo is an error, not silence. */
  g_key_file_set_string (file, "limits", "lockout-failure", "3");
  g_assert_false (cascade_identity_limits_load (&limits, file, &error));
  g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG);
}

static void
test_display_name (void)
{
  g_autofree char *longest = repeat ("ж", 64);
  g_autofree char *too_long = repeat ("ж", 65);
  g_autofree char *padded = g_strconcat ("  ", longest, "\t ", NULL);
  const struct
  {
    const char *input;
    const char *stored;
  } valid[] = {
    { "Alice", "Alice" },         { "  Alice Smith  ", "Alice Smith" },
    { "\u00a0Bob\u3000", "Bob" }, { "x", "x" },
    { padded, longest },
  };
  const char *invalid[] = { "", "   ", "\u3000", too_long, "a\x01z", "new\nline" };

  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *stored = cascade_identity_normalize_display_name (valid[i].input, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (stored, ==, valid[i].stored);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *stored = cascade_identity_normalize_display_name (invalid[i], &error);

      if (stored != NULL)
        g_error ("accepted the display name “%s”", invalid[i]);
      g_assert_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_INVALID_DISPLAY_NAME);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cascade/server/identity/email-valid", test_email_valid);
  g_test_add_func ("/cascade/server/identity/email-length", test_email_length);
  g_test_add_func ("/cascade/server/identity/email-invalid", test_email_invalid);
  g_test_add_func ("/cascade/server/identity/username", test_username);
  g_test_add_func ("/cascade/server/identity/password", test_password);
  g_test_add_func ("/cascade/server/identity/common-password", test_common_password);
  g_test_add_func ("/cascade/server/identity/sample-limits", test_sample_limits);
  g_test_add_func ("/cascade/server/identity/display-name", test_display_name);

  return g_test_run ();
}
