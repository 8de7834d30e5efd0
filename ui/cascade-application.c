/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-application.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cascade-p2p-types.h"
#include "cascade-preferences-window.h"
#include "cascade-server-url.h"
#include "cascade-session.h"
#include "cascade-user.h"
#include "cascade-window.h"

#define DEV_LOGIN_ENV "CASCADE_DEV_LOGIN"
#define DEV_PASSWORD_ENV "CASCADE_DEV_PASSWORD"

struct _CascadeApplication
{
  AdwApplication parent_instance;

  GSettings *settings;
  CascadeSession *session;
  GCancellable *cancellable;
  gboolean new_instance;   /* --new-instance: not unique, sign-in in memory only */
  AdwToast *restore_toast; /* weak: the failure of the last restore, while shown */

  /* ./dev run's account: read once at startup, wiped once used. */
  char *dev_login;
  char *dev_password;

  guint restoring : 1;
  guint dev_sign_in_running : 1;
};

G_DEFINE_FINAL_TYPE (CascadeApplication, cascade_application, ADW_TYPE_APPLICATION)

static void maybe_dev_sign_in (CascadeApplication *self);

static void
wipe_string (char **str)
{
  if (*str != NULL)
    {
      explicit_bzero (*str, strlen (*str));
      g_clear_pointer (str, g_free);
    }
}

/* An operation the app starts on the session keeps the app running until it
 * ends (closing the window right after signing in or out must not lose the
 * keyring write that finishes it). The callback gets a reference and calls
 * end_operation. */
static gpointer
begin_operation (CascadeApplication *self)
{
  g_application_hold (G_APPLICATION (self));
  return g_object_ref (self);
}

static void
end_operation (CascadeApplication *self)
{
  g_application_release (G_APPLICATION (self));
}

static CascadeWindow *
get_main_window (CascadeApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    {
      if (CASCADE_IS_WINDOW (l->data) && !cascade_window_is_closing (l->data))
        return l->data;
    }
  return NULL;
}

static void
show_toast (CascadeApplication *self, AdwToast *toast)
{
  g_autoptr (AdwToast) owned = toast;
  CascadeWindow *window = get_main_window (self);

  if (window != NULL)
    cascade_window_add_toast (window, g_steal_pointer (&owned));
  else
    g_message ("%s", adw_toast_get_title (toast));
}

static void
update_actions (CascadeApplication *self)
{
  GAction *sign_out = g_action_map_lookup_action (G_ACTION_MAP (self), "sign-out");
  GAction *reconnect = g_action_map_lookup_action (G_ACTION_MAP (self), "reconnect");
  CascadeSessionState state = cascade_session_get_state (self->session);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (sign_out),
                               state == CASCADE_SESSION_STATE_SIGNED_IN);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (reconnect), !self->restoring);
}

static void
on_session_state_changed (CascadeApplication *self)
{
  update_actions (self);
}

static void
restore_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  end_operation (self);

  self->restoring = FALSE;
  update_actions (self);

  if (!cascade_session_restore_finish (CASCADE_SESSION (object), result, &error))
    {
      g_autofree char *title = NULL;
      AdwToast *toast;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      g_debug ("Restoring the session failed: %s", error->message);
      title = g_strdup_printf (_ ("Could not reach the server at %s"),
                               cascade_session_get_server_url (self->session));
      /* Still shown from the last attempt (Retry is greyed out meanwhile):
       * keep it. Dismissing a toast and adding another while the first one
       * animates away crashes libadwaita 1.2 when the window closes. */
      if (self->restore_toast != NULL)
        {
          adw_toast_set_title (self->restore_toast, title);
          return;
        }
      toast = adw_toast_new (title);
      adw_toast_set_button_label (toast, _ ("_Retry"));
      adw_toast_set_action_name (toast, "app.reconnect");
      adw_toast_set_timeout (toast, 0);
      g_set_weak_pointer (&self->restore_toast, toast);
      show_toast (self, toast);
      return;
    }

  if (self->restore_toast != NULL)
    adw_toast_dismiss (self->restore_toast);
  maybe_dev_sign_in (self);
}

static void
restore_session (CascadeApplication *self)
{
  if (self->restoring)
    return;

  self->restoring = TRUE;
  update_actions (self);
  cascade_session_restore_async (self->session, self->cancellable, restore_cb,
                                 begin_operation (self));
}

static void
dev_sign_in_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  end_operation (self);

  self->dev_sign_in_running = FALSE;
  if (!cascade_session_sign_in_finish (CASCADE_SESSION (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      show_toast (self, adw_toast_new_format (_ ("Could not sign in as %s: %s"), self->dev_login,
                                              error->message));
    }

  wipe_string (&self->dev_login);
  wipe_string (&self->dev_password);
}

static void
dev_sign_out_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  end_operation (self);

  self->dev_sign_in_running = FALSE;
  if (!cascade_session_sign_out_finish (CASCADE_SESSION (object), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* The session ends signed out even when the server was not told. */
  maybe_dev_sign_in (self);
}

static gboolean
user_matches_login (CascadeUser *user, const char *login)
{
  const char *email = cascade_user_get_email (user);

  return g_strcmp0 (cascade_user_get_username (user), login) == 0 ||
         (email != NULL && g_ascii_strcasecmp (email, login) == 0);
}

/* When ./dev run passed an account, sign in as it unless the restored session is
 * already that account's. */
static void
maybe_dev_sign_in (CascadeApplication *self)
{
  CascadeUser *user;

  if (self->dev_login == NULL || self->dev_password == NULL || self->dev_sign_in_running)
    return;

  switch (cascade_session_get_state (self->session))
    {
      case CASCADE_SESSION_STATE_RESTORING:
        return;

      case CASCADE_SESSION_STATE_SIGNED_IN:
        user = cascade_session_get_user (self->session);
        if (user != NULL && user_matches_login (user, self->dev_login))
          {
            wipe_string (&self->dev_login);
            wipe_string (&self->dev_password);
            return;
          }
        self->dev_sign_in_running = TRUE;
        cascade_session_sign_out_async (self->session, self->cancellable, dev_sign_out_cb,
                                        begin_operation (self));
        return;

      case CASCADE_SESSION_STATE_SIGNED_OUT:
      default:
        self->dev_sign_in_running = TRUE;
        cascade_session_sign_in_async (self->session, self->dev_login, self->dev_password,
                                       self->cancellable, dev_sign_in_cb, begin_operation (self));
        return;
    }
}

static void
sign_out_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  end_operation (self);

  if (!cascade_session_sign_out_finish (CASCADE_SESSION (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      show_toast (self, adw_toast_new_format (_ ("Signed out on this computer, but the server "
                                                 "could not be told: %s"),
                                              error->message));
    }
}

static void
sign_out_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CascadeApplication *self = user_data;

  cascade_session_sign_out_async (self->session, self->cancellable, sign_out_cb,
                                  begin_operation (self));
}

static void
reconnect_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  restore_session (CASCADE_APPLICATION (user_data));
}

static void
quit_when_no_window (GtkApplication *app, GtkWindow *window, gpointer user_data)
{
  if (gtk_application_get_windows (app) == NULL)
    g_application_quit (G_APPLICATION (app));
}

static void
quit_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CascadeApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Closing each window saves its size; destroying it ends the application. */
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;

      windows = windows->next;
      gtk_window_close (window);
    }
  /* A window still handing its children over (hidden) goes once done. */
  if (gtk_application_get_windows (GTK_APPLICATION (self)) != NULL)
    {
      if (g_signal_handler_find (self, G_SIGNAL_MATCH_FUNC, 0, 0, NULL, quit_when_no_window,
                                 NULL) == 0)
        g_signal_connect (self, "window-removed", G_CALLBACK (quit_when_no_window), NULL);
      return;
    }
  g_application_quit (G_APPLICATION (self));
}

static void
preferences_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CascadeApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  CascadePreferencesWindow *preferences = cascade_preferences_window_new (parent, self->settings);

  gtk_window_present (GTK_WINDOW (preferences));
}

static void
about_action (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  CascadeApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW, "transient-for", parent, "modal", TRUE,
                        "application-name", _ ("Cascade"), "application-icon", APP_ID, "version",
                        PACKAGE_VERSION, "developer-name", _ ("The Cascade developers"), "comments",
                        _ ("Go live, watch streams and read about games. Streams "
                           "travel from player to player, not through a server."),
                        "license-type", GTK_LICENSE_GPL_3_0, "translator-credits",
                        _ ("translator-credits"), NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_action },
  { .name = "preferences", .activate = preferences_action },
  { .name = "about", .activate = about_action },
  { .name = "sign-out", .activate = sign_out_action },
  { .name = "reconnect", .activate = reconnect_action },
};

static int
cascade_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  CascadeApplication *self = CASCADE_APPLICATION (app);
  const char *server = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("cascade %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  /* A second app on this desktop, signed in as someone else (say, one going
   * live and one watching): not unique, and its sign-in kept in memory so it
   * cannot disturb the first one's tokens in the keyring. */
  if (g_variant_dict_contains (options, "new-instance"))
    {
      self->new_instance = TRUE;
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }

  if (g_variant_dict_lookup (options, "server", "&s", &server))
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *url = cascade_server_url_normalize (server, &error);

      if (url == NULL)
        {
          g_printerr (_ ("cascade: --server %s: %s\n"), server, error->message);
          return EXIT_FAILURE;
        }
      g_settings_set_string (self->settings, "server-url", url);
    }

  return G_APPLICATION_CLASS (cascade_application_parent_class)
    ->handle_local_options (app, options);
}

static void
cascade_application_startup (GApplication *app)
{
  CascadeApplication *self = CASCADE_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  g_autofree char *server_url = NULL;

  G_APPLICATION_CLASS (cascade_application_parent_class)->startup (app);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_PREFER_DARK);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);

  /* ./dev run passes its demo account here; nothing below us should see it. */
  self->dev_login = g_strdup (g_getenv (DEV_LOGIN_ENV));
  self->dev_password = g_strdup (g_getenv (DEV_PASSWORD_ENV));
  g_unsetenv (DEV_LOGIN_ENV);
  g_unsetenv (DEV_PASSWORD_ENV);

  server_url = g_settings_get_string (self->settings, "server-url");
  self->session = self->new_instance ? cascade_session_new_in_memory (server_url)
                                     : cascade_session_new (server_url);
  g_settings_bind (self->settings, "server-url", self->session, "server-url", G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (on_session_state_changed),
                           self, G_CONNECT_SWAPPED);

  restore_session (self);
}

static void
cascade_application_activate (GApplication *app)
{
  CascadeApplication *self = CASCADE_APPLICATION (app);
  CascadeWindow *window = get_main_window (self);

  if (window == NULL)
    window = cascade_window_new (self, self->session);

  gtk_window_present (GTK_WINDOW (window));
}

/* The main loop is over. Every window is gone first (hidden at once, so
 * quitting feels instant), its pages closing their connections, and the app
 * waits for those to give their TURN allocations back (a few seconds at
 * most): in privacy mode they would otherwise stay on the TURN server until
 * they time out. */
static void
cascade_application_shutdown (GApplication *app)
{
  GList *windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (app)),
                                     (GCopyFunc) g_object_ref, NULL);

  /* A second destroy (a dialog destroyed with its parent) does nothing. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
  g_list_free_full (windows, g_object_unref);
  cascade_p2p_wait_closed ();

  G_APPLICATION_CLASS (cascade_application_parent_class)->shutdown (app);
}

static void
cascade_application_dispose (GObject *object)
{
  CascadeApplication *self = CASCADE_APPLICATION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->restore_toast);
  if (self->session != NULL)
    g_settings_unbind (self->session, "server-url");
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cascade_application_parent_class)->dispose (object);
}

static void
cascade_application_finalize (GObject *object)
{
  CascadeApplication *self = CASCADE_APPLICATION (object);

  wipe_string (&self->dev_login);
  wipe_string (&self->dev_password);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cascade_application_parent_class)->finalize (object);
}

static void
cascade_application_class_init (CascadeApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = cascade_application_dispose;
  object_class->finalize = cascade_application_finalize;

  app_class->handle_local_options = cascade_application_handle_local_options;
  app_class->startup = cascade_application_startup;
  app_class->activate = cascade_application_activate;
  app_class->shutdown = cascade_application_shutdown;
}

static void
cascade_application_init (CascadeApplication *self)
{
  static const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
      N_ ("Use the Cascade server at URL (saved for next time)"), N_ ("URL") },
    { "new-instance", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_ ("Open a separate instance, signed in as someone else, that forgets its sign-in on exit"),
      NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_ ("Print the version and exit"), NULL },
    { NULL },
  };

  self->cancellable = g_cancellable_new ();
  self->settings = g_settings_new (APP_ID);

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

CascadeApplication *
cascade_application_new (void)
{
  return g_object_new (CASCADE_TYPE_APPLICATION, "application-id", APP_ID, "flags",
                       G_APPLICATION_DEFAULT_FLAGS, "resource-base-path", RESOURCE_PREFIX, NULL);
}

/**
 * cascade_application_get_settings:
 *
 * Returns: (transfer none): the app's settings (net.cascadecast.Cascade)
 */
GSettings *
cascade_application_get_settings (CascadeApplication *self)
{
  g_return_val_if_fail (CASCADE_IS_APPLICATION (self), NULL);

  return self->settings;
}

/**
 * cascade_application_get_session:
 *
 * Returns: (transfer none) (nullable): the session, created at startup
 */
CascadeSession *
cascade_application_get_session (CascadeApplication *self)
{
  g_return_val_if_fail (CASCADE_IS_APPLICATION (self), NULL);

  return self->session;
}
