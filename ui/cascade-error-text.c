/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-error-text.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "cascade-app-types.h"

static const struct
{
  const char *code;
  const char *text;
} codes[] = {
  { "email_taken", N_ ("This email address already has an account. Sign in instead.") },
  { "username_taken", N_ ("This username is taken. Choose another one.") },
  { "invalid_email", N_ ("Enter an email address, such as ada@example.org.") },
  { "invalid_username", N_ ("Use 3 to 32 lower-case letters, digits and underscores.") },
  { "invalid_password", N_ ("Use 8 to 128 characters.") },
  { "invalid_display_name", N_ ("Use 1 to 64 characters, or leave it empty.") },
  { "missing_field", N_ ("This cannot be empty.") },
  { "invalid_credentials", N_ ("The email, username or password is not right.") },
  { "wrong_password", N_ ("The password is not right.") },
  { "invalid_otp", N_ ("The code is not right, or was used already. Enter the current one.") },
  { "otp_required", N_ ("Enter the code from your authenticator app.") },
  { "invalid_email_token",
    N_ ("The code is not right, was used already, or has expired. Ask for a new one.") },
  { "account_banned", N_ ("This account has been banned.") },
  { "account_locked", N_ ("Too many wrong passwords. Wait a while, then try again.") },
  { "access_denied", N_ ("The sign-in was cancelled in the browser.") },
  { "email_not_verified",
    N_ ("The provider has not verified your email address, so it cannot sign you in here.") },
  { "invalid_grant", N_ ("The sign-in took too long or was used already. Try again.") },
  { "provider_unavailable", N_ ("The sign-in provider cannot be reached. Try again later.") },
};

char *
cascade_error_text (const GError *error, const char *server_url)
{
  const char *code;

  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup (_ ("The sign-in was not finished in the browser in time. Try again."));
  if (error->domain != CASCADE_CLIENT_ERROR)
    return g_strdup (error->message);

  code = cascade_client_error_get_code (error);
  for (guint i = 0; code != NULL && i < G_N_ELEMENTS (codes); i++)
    {
      if (g_str_equal (codes[i].code, code))
        return g_strdup (_ (codes[i].text));
    }

  switch ((CascadeClientError) error->code)
    {
      case CASCADE_CLIENT_ERROR_NETWORK:
        return g_strdup_printf (_ ("Could not reach the server at %s. Check that it is running "
                                   "and that the address is right."),
                                server_url);
      case CASCADE_CLIENT_ERROR_PROTOCOL:
        return g_strdup_printf (_ ("The server at %s answered something Cascade cannot read. "
                                   "Is it a Cascade server?"),
                                server_url);
      case CASCADE_CLIENT_ERROR_SERVER:
        return g_strdup (_ ("The server ran into a problem. Try again in a moment."));
      case CASCADE_CLIENT_ERROR_RATE_LIMITED:
        return g_strdup (_ ("Too many attempts. Wait a moment, then try again."));
      case CASCADE_CLIENT_ERROR_INVALID:
      case CASCADE_CLIENT_ERROR_UNAUTHORIZED:
      case CASCADE_CLIENT_ERROR_FORBIDDEN:
      case CASCADE_CLIENT_ERROR_NOT_FOUND:
      case CASCADE_CLIENT_ERROR_CONFLICT:
      case CASCADE_CLIENT_ERROR_TOO_LARGE:
      case CASCADE_CLIENT_ERROR_NO_SECRETS:
      default:
        return g_strdup (error->message);
    }
}
