/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-window.h"

#include <glib/gi18n.h>

#include "cascade-account-page.h"
#include "cascade-application.h"
#include "cascade-go-live-page.h"
#include "cascade-home-page.h"
#include "cascade-live-page.h"
#include "cascade-session.h"
#include "cascade-watch-page.h"
#include "cascade-welcome-page.h"

struct _CascadeWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  CascadeSession *session;
  CascadeSessionState shown_state;
  gboolean closing; /* hidden, handing its children over before it goes */

  AdwToastOverlay *toast_overlay;
  GtkStack *main_stack;
  CascadeWelcomePage *welcome_page;
  GtkRevealer *welcome_keyring_revealer;
  AdwLeaflet *leaflet;
  GtkWidget *sidebar;
  GtkListBox *sidebar_list;
  GtkListBoxRow *home_row;
  GtkListBoxRow *go_live_row;
  GtkListBoxRow *account_row;
  GtkWidget *content;
  AdwWindowTitle *content_title;
  GtkWidget *back_button;
  GtkMenuButton *notifications_button;
  AdwStatusPage *notifications_status;
  GtkRevealer *main_keyring_revealer;
  GtkStack *places_stack;
  CascadeHomePage *home_page;
  CascadeLivePage *live_page;
  CascadeGoLivePage *go_live_page;
  CascadeWatchPage *watch_page;
  CascadeAccountPage *account_page;
};

G_DEFINE_FINAL_TYPE (CascadeWindow, cascade_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_place (CascadeWindow *self, GtkListBoxRow *row)
{
  const char *name = gtk_widget_get_name (GTK_WIDGET (row));
  GtkWidget *child = gtk_stack_get_child_by_name (self->places_stack, name);

  g_assert (child != NULL);
  gtk_stack_set_visible_child (self->places_stack, child);
  if (row == self->account_row)
    cascade_account_page_reload (self->account_page); /* what other devices changed */
  adw_window_title_set_title (
    self->content_title, gtk_stack_page_get_title (gtk_stack_get_page (self->places_stack, child)));
}

static void
on_sidebar_row_selected (CascadeWindow *self, GtkListBoxRow *row)
{
  if (row != NULL)
    show_place (self, row);
}

static void
on_sidebar_row_activated (CascadeWindow *self, GtkListBoxRow *row)
{
  show_place (self, row);
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_back_clicked (CascadeWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* A card of the Live page: the stream takes the whole window. */
static void
on_stream_activated (CascadeWindow *self, CascadeStream *stream)
{
  cascade_watch_page_watch (self->watch_page, stream);
  gtk_stack_set_visible_child_name (self->main_stack, "watch");
  gtk_widget_grab_focus (GTK_WIDGET (self->watch_page));
}

static void
on_watch_closed (CascadeWindow *self)
{
  if (cascade_session_get_state (self->session) == CASCADE_SESSION_STATE_SIGNED_IN)
    gtk_stack_set_visible_child_name (self->main_stack, "main");
}

static void
go_live_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeWindow *self = CASCADE_WINDOW (widget);

  if (cascade_session_get_state (self->session) != CASCADE_SESSION_STATE_SIGNED_IN)
    return;

  cascade_watch_page_stop (self->watch_page);
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  gtk_list_box_select_row (self->sidebar_list, self->go_live_row);
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

static void
show_account_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeWindow *self = CASCADE_WINDOW (widget);

  if (cascade_session_get_state (self->session) != CASCADE_SESSION_STATE_SIGNED_IN)
    return;

  cascade_watch_page_stop (self->watch_page);
  gtk_stack_set_visible_child_name (self->main_stack, "main");
  gtk_list_box_select_row (self->sidebar_list, self->account_row);
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

/* Shows what the session's state calls for: a spinner while it restores, the
 * welcome page when signed out, every place of the app when signed in. */
static void
update_view (CascadeWindow *self)
{
  CascadeSessionState state = cascade_session_get_state (self->session);
  CascadeSessionState previous = self->shown_state;

  self->shown_state = state;
  switch (state)
    {
      case CASCADE_SESSION_STATE_RESTORING:
        gtk_stack_set_visible_child_name (self->main_stack, "loading");
        break;

      case CASCADE_SESSION_STATE_SIGNED_OUT:
        /* Nobody watches or streams as someone who signed out. */
        cascade_watch_page_stop (self->watch_page);
        cascade_go_live_page_stop (self->go_live_page);
        if (previous == CASCADE_SESSION_STATE_SIGNED_IN)
          {
            /* Signed out: whoever comes next starts from a clean page. */
            cascade_welcome_page_reset (self->welcome_page);
            cascade_welcome_page_set_form (self->welcome_page, CASCADE_WELCOME_FORM_SIGN_IN);
          }
        gtk_stack_set_visible_child_name (self->main_stack, "welcome");
        if (previous != CASCADE_SESSION_STATE_SIGNED_OUT)
          cascade_welcome_page_focus_form (self->welcome_page);
        break;

      case CASCADE_SESSION_STATE_SIGNED_IN:
      default:
        if (previous != CASCADE_SESSION_STATE_SIGNED_IN)
          {
            /* Nothing typed on the welcome page (passwords least of all) stays behind. */
            cascade_welcome_page_reset (self->welcome_page);
            gtk_list_box_select_row (self->sidebar_list, self->home_row);
            adw_leaflet_set_visible_child (self->leaflet, self->content);
            gtk_stack_set_visible_child_name (self->main_stack, "main");
            gtk_widget_grab_focus (GTK_WIDGET (self->home_row));
          }
        break;
    }
}

static void
on_handed_over (CascadeWindow *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static gboolean
on_close_request (CascadeWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));

  /* Relaying: the children get new parents before this app stops feeding
   * them, so their video never stops. The window hides meanwhile (a few
   * seconds at most) and the application lives on while it exists. */
  cascade_watch_page_stop (self->watch_page);
  if (cascade_watch_page_is_handing_over (self->watch_page))
    {
      if (self->closing)
        return GDK_EVENT_STOP; /* closed again while it hands over */
      self->closing = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      g_signal_connect_object (self->watch_page, "handed-over", G_CALLBACK (on_handed_over), self,
                               G_CONNECT_SWAPPED);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
cascade_window_constructed (GObject *object)
{
  CascadeWindow *self = CASCADE_WINDOW (object);

  G_OBJECT_CLASS (cascade_window_parent_class)->constructed (object);

  g_assert (CASCADE_IS_SESSION (self->session));

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  cascade_welcome_page_set_session (self->welcome_page, self->session);
  cascade_home_page_set_session (self->home_page, self->session);
  cascade_live_page_set_session (self->live_page, self->session);
  cascade_go_live_page_set_session (self->go_live_page, self->session);
  cascade_watch_page_set_session (self->watch_page, self->session);
  cascade_account_page_set_session (self->account_page, self->session);

  g_object_bind_property (self->session, "secrets-available", self->welcome_keyring_revealer,
                          "reveal-child", G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_object_bind_property (self->session, "secrets-available", self->main_keyring_revealer,
                          "reveal-child", G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);

  g_signal_connect_object (self->session, "notify::state", G_CALLBACK (update_view), self,
                           G_CONNECT_SWAPPED);

  /* Not RESTORING, so that the first update counts as a change. */
  self->shown_state = (CascadeSessionState) -1;
  update_view (self);
}

static void
cascade_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeWindow *self = CASCADE_WINDOW (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        g_value_set_object (value, self->session);
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  CascadeWindow *self = CASCADE_WINDOW (object);

  switch (prop_id)
    {
      case PROP_SESSION:
        g_set_object (&self->session, g_value_get_object (value));
        break;

      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_window_dispose (GObject *object)
{
  CascadeWindow *self = CASCADE_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_WINDOW);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cascade_window_parent_class)->dispose (object);
}

static void
cascade_window_finalize (GObject *object)
{
  CascadeWindow *self = CASCADE_WINDOW (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (cascade_window_parent_class)->finalize (object);
}

static void
cascade_window_class_init (CascadeWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = cascade_window_constructed;
  object_class->get_property = cascade_window_get_property;
  object_class->set_property = cascade_window_set_property;
  object_class->dispose = cascade_window_dispose;
  object_class->finalize = cascade_window_finalize;

  /**
   * CascadeWindow:session:
   *
   * The session whose state the window shows.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CASCADE_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CASCADE_TYPE_ACCOUNT_PAGE);
  g_type_ensure (CASCADE_TYPE_GO_LIVE_PAGE);
  g_type_ensure (CASCADE_TYPE_HOME_PAGE);
  g_type_ensure (CASCADE_TYPE_LIVE_PAGE);
  g_type_ensure (CASCADE_TYPE_WATCH_PAGE);
  g_type_ensure (CASCADE_TYPE_WELCOME_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/cascade-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, welcome_page);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, welcome_keyring_revealer);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, home_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, go_live_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, account_row);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, content);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, back_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, notifications_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, notifications_status);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, main_keyring_revealer);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, places_stack);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, home_page);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, live_page);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, go_live_page);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, watch_page);
  gtk_widget_class_bind_template_child (widget_class, CascadeWindow, account_page);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_stream_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_watch_closed);

  gtk_widget_class_install_action (widget_class, "win.go-live", NULL, go_live_action);
  gtk_widget_class_install_action (widget_class, "win.show-account", NULL, show_account_action);
  gtk_widget_class_bind_template_callback (widget_class, on_close_request);
}

static void
cascade_window_init (CascadeWindow *self)
{
  self->settings = g_settings_new (APP_ID);

  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * cascade_window_new:
 * @application: (nullable): the application the window belongs to
 * @session: the session to show
 *
 * Returns: (transfer none): a new main window
 */
CascadeWindow *
cascade_window_new (CascadeApplication *application, CascadeSession *session)
{
  g_return_val_if_fail (application == NULL || CASCADE_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (CASCADE_IS_SESSION (session), NULL);

  return g_object_new (CASCADE_TYPE_WINDOW, "application", application, "session", session, NULL);
}

/**
 * cascade_window_get_session:
 *
 * Returns: (transfer none): the session the window shows
 */
CascadeSession *
cascade_window_get_session (CascadeWindow *self)
{
  g_return_val_if_fail (CASCADE_IS_WINDOW (self), NULL);

  return self->session;
}

/**
 * cascade_window_add_toast:
 * @toast: (transfer full): the toast to show
 *
 * Shows @toast over whatever the window shows.
 */
void
cascade_window_add_toast (CascadeWindow *self, AdwToast *toast)
{
  g_return_if_fail (CASCADE_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/**
 * cascade_window_is_closing:
 *
 * Whether the window was closed and only hands its children over (hidden)
 * before it goes: the app starting anew opens a new window instead.
 */
gboolean
cascade_window_is_closing (CascadeWindow *self)
{
  g_return_val_if_fail (CASCADE_IS_WINDOW (self), FALSE);

  return self->closing;
}
