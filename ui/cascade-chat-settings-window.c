/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-settings-window.h"

#include <glib/gi18n.h>

#include "cascade-chat-mod-action.h"

/* At most this many chatter names are offered under the moderator entry. */
#define MAX_SUGGESTIONS 5

struct _CascadeChatSettingsWindow
{
  AdwPreferencesWindow parent_instance;

  CascadeChatRoom *room;
  GCancellable *cancellable;
  GStrv terms; /* as the server has them */
  GStrv moderators;
  gboolean loading_log;

  AdwPreferencesPage *moderators_page;
  GtkListBox *log_list;
  GtkWidget *older_button;
  AdwEntryRow *term_entry;
  GtkListBox *terms_list;
  AdwEntryRow *moderator_entry;
  GtkListBox *suggestions_list;
  GtkListBox *moderators_list;
};

G_DEFINE_FINAL_TYPE (CascadeChatSettingsWindow,
                     cascade_chat_settings_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

static void
show_error (CascadeChatSettingsWindow *self, const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (error->message));
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* A row with @title and a flat "remove" button that runs @callback with
 * @value in its "cascade-value". */
static GtkWidget *
removable_row_new (CascadeChatSettingsWindow *self,
                   const char *title,
                   const char *value,
                   const char *button_label,
                   GCallback callback)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, button_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  button_label, -1);
  g_object_set_data_full (G_OBJECT (button), "cascade-value", g_strdup (value), g_free);
  g_signal_connect (button, "clicked", callback, self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  gtk_widget_set_name (row, value);
  return row;
}

static GtkWidget *
placeholder_new (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 12);
  gtk_widget_set_margin_bottom (label, 12);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}

/* ---- moderation log ---------------------------------------------------------- */

static GtkWidget *
create_log_row (gpointer item, gpointer user_data)
{
  CascadeChatModAction *action = item;
  GtkWidget *row = adw_action_row_new ();
  g_autoptr (GDateTime) time =
    g_date_time_new_from_unix_local (cascade_chat_mod_action_get_at (action) / 1000);
  g_autofree char *when = time != NULL ? g_date_time_format (time, "%e %b %Y, %H:%M") : NULL;
  const char *reason = cascade_chat_mod_action_get_reason (action);
  g_autofree char *subtitle = NULL;

  /* Translators: when a moderation action happened · the moderator's reason. */
  if (when != NULL)
    g_strstrip (when);
  subtitle = reason != NULL ? g_strdup_printf (_ ("%s · “%s”"), when != NULL ? when : "", reason)
                            : g_strdup (when != NULL ? when : "");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 cascade_chat_mod_action_get_description (action));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_name (row, cascade_chat_mod_action_get_action (action));
  return row;
}

static void
update_older (CascadeChatSettingsWindow *self)
{
  gtk_widget_set_visible (self->older_button, !cascade_chat_room_get_mod_log_complete (self->room));
  gtk_widget_set_sensitive (self->older_button, !self->loading_log);
}

static void
on_log_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatSettingsWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_chat_room_load_mod_log_finish (CASCADE_CHAT_ROOM (source), result, &error))
    show_error (self, error);
  self->loading_log = FALSE;
  update_older (self);
}

static void
load_log (CascadeChatSettingsWindow *self, gboolean older)
{
  self->loading_log = TRUE;
  update_older (self);
  cascade_chat_room_load_mod_log_async (self->room, older, self->cancellable, on_log_loaded,
                                        g_object_ref (self));
}

static void
on_older_clicked (CascadeChatSettingsWindow *self)
{
  load_log (self, TRUE);
}

/* ---- blocked terms --------------------------------------------------------------- */

static void on_remove_term_clicked (GtkButton *button, CascadeChatSettingsWindow *self);

static void
show_terms (CascadeChatSettingsWindow *self, GStrv terms)
{
  g_strfreev (self->terms);
  self->terms = terms;
  clear_list (self->terms_list);
  for (guint i = 0; self->terms[i] != NULL; i++)
    gtk_list_box_append (self->terms_list,
                         removable_row_new (self, self->terms[i], self->terms[i], _ ("Remove Term"),
                                            G_CALLBACK (on_remove_term_clicked)));
  gtk_list_box_set_placeholder (self->terms_list, placeholder_new (_ ("No blocked terms")));
}

static void
on_terms (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatSettingsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  GStrv terms = cascade_chat_room_blocked_terms_finish (CASCADE_CHAT_ROOM (source), result, &error);

  gtk_widget_set_sensitive (GTK_WIDGET (self->terms_list), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->term_entry), TRUE);
  if (terms == NULL)
    {
      show_error (self, error);
      return;
    }
  show_terms (self, terms);
}

static void
put_terms (CascadeChatSettingsWindow *self, GStrv terms)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->terms_list), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->term_entry), FALSE);
  cascade_chat_room_blocked_terms_async (self->room, (const char *const *) terms, self->cancellable,
                                         on_terms, g_object_ref (self));
}

static void
on_term_apply (CascadeChatSettingsWindow *self)
{
  g_autofree char *term =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->term_entry))));
  g_autoptr (GStrvBuilder) builder = NULL;
  g_auto (GStrv) terms = NULL;

  if (*term == '\0' || self->terms == NULL)
    return;
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) self->terms);
  if (!g_strv_contains ((const char *const *) self->terms, term))
    g_strv_builder_add (builder, term);
  terms = g_strv_builder_end (builder);
  gtk_editable_set_text (GTK_EDITABLE (self->term_entry), "");
  put_terms (self, terms);
}

static void
on_remove_term_clicked (GtkButton *button, CascadeChatSettingsWindow *self)
{
  const char *term = g_object_get_data (G_OBJECT (button), "cascade-value");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) terms = NULL;

  for (guint i = 0; self->terms != NULL && self->terms[i] != NULL; i++)
    if (g_strcmp0 (self->terms[i], term) != 0)
      g_strv_builder_add (builder, self->terms[i]);
  terms = g_strv_builder_end (builder);
  put_terms (self, terms);
}

static void
load_terms (CascadeChatSettingsWindow *self)
{
  put_terms (self, NULL);
}

/* ---- moderators -------------------------------------------------------------------- */

static void on_remove_moderator_clicked (GtkButton *button, CascadeChatSettingsWindow *self);

static void
on_moderators (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatSettingsWindow) self = user_data;
  g_autoptr (GError) error = NULL;
  GStrv moderators =
    cascade_chat_room_list_moderators_finish (CASCADE_CHAT_ROOM (source), result, &error);

  if (moderators == NULL)
    {
      show_error (self, error);
      return;
    }
  g_strfreev (self->moderators);
  self->moderators = moderators;
  clear_list (self->moderators_list);
  for (guint i = 0; moderators[i] != NULL; i++)
    {
      g_autofree char *title = g_strdup_printf ("@%s", moderators[i]);

      gtk_list_box_append (self->moderators_list,
                           removable_row_new (self, title, moderators[i], _ ("Remove Moderator"),
                                              G_CALLBACK (on_remove_moderator_clicked)));
    }
  gtk_list_box_set_placeholder (self->moderators_list, placeholder_new (_ ("No moderators yet")));
}

static void
load_moderators (CascadeChatSettingsWindow *self)
{
  cascade_chat_room_list_moderators_async (self->room, self->cancellable, on_moderators,
                                           g_object_ref (self));
}

static void
on_moderator_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatSettingsWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->moderator_entry), TRUE);
  if (!cascade_chat_room_set_moderator_finish (CASCADE_CHAT_ROOM (source), result, &error))
    show_error (self, error);
  load_moderators (self);
}

static void
set_moderator (CascadeChatSettingsWindow *self, const char *username, gboolean add)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->moderator_entry), FALSE);
  cascade_chat_room_set_moderator_async (self->room, username, add, self->cancellable,
                                         on_moderator_set, g_object_ref (self));
}

static void
on_moderator_apply (CascadeChatSettingsWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->moderator_entry));
  g_autofree char *username = g_strstrip (g_strdup (text[0] == '@' ? text + 1 : text));

  if (*username == '\0')
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->moderator_entry), "");
  set_moderator (self, username, TRUE);
}

static void
on_remove_moderator_clicked (GtkButton *button, CascadeChatSettingsWindow *self)
{
  set_moderator (self, g_object_get_data (G_OBJECT (button), "cascade-value"), FALSE);
}

/* Chatters whose name starts with what is typed, not moderators already. */
static void
on_moderator_changed (CascadeChatSettingsWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->moderator_entry));
  g_autofree char *prefix = g_utf8_strdown (text[0] == '@' ? text + 1 : text, -1);
  g_auto (GStrv) known = cascade_chat_room_dup_known_usernames (self->room);
  const char *me = cascade_chat_room_get_username (self->room);
  guint shown = 0;

  clear_list (self->suggestions_list);
  for (guint i = 0; *prefix != '\0' && known[i] != NULL && shown < MAX_SUGGESTIONS; i++)
    {
      g_autofree char *lower = g_utf8_strdown (known[i], -1);
      GtkWidget *row;

      if (!g_str_has_prefix (lower, prefix) || g_strcmp0 (known[i], me) == 0 ||
          (self->moderators != NULL &&
           g_strv_contains ((const char *const *) self->moderators, known[i])))
        continue;
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), known[i]);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_name (row, known[i]);
      gtk_list_box_append (self->suggestions_list, row);
      shown++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->suggestions_list), shown > 0);
}

static void
on_suggestion_activated (CascadeChatSettingsWindow *self, GtkListBoxRow *row)
{
  gtk_editable_set_text (GTK_EDITABLE (self->moderator_entry),
                         gtk_widget_get_name (GTK_WIDGET (row)));
  on_moderator_apply (self);
}

/* ---- live updates ------------------------------------------------------------------ */

/* Another moderator changed the terms, or the moderators changed: read them again. */
static void
on_log_changed (CascadeChatSettingsWindow *self, guint position, guint removed, guint added)
{
  GListModel *log = cascade_chat_room_get_mod_log (self->room);

  if (position != 0 || added != 1 || removed != 0)
    return;
  {
    g_autoptr (CascadeChatModAction) action = g_list_model_get_item (log, 0);
    const char *kind = cascade_chat_mod_action_get_action (action);

    if (g_str_equal (kind, "terms"))
      load_terms (self);
    else if (g_str_equal (kind, "mod_add") || g_str_equal (kind, "mod_remove"))
      {
        if (gtk_widget_get_visible (GTK_WIDGET (self->moderators_page)))
          load_moderators (self);
      }
  }
}

/* ---- object ---------------------------------------------------------------------- */

/**
 * cascade_chat_settings_window_new:
 * @page: "log", "terms" or "moderators" (the streamer's)
 */
GtkWidget *
cascade_chat_settings_window_new (CascadeChatRoom *room, const char *page)
{
  CascadeChatSettingsWindow *self;
  const char *role;
  gboolean appoints;
  g_autofree char *title = NULL;

  g_return_val_if_fail (CASCADE_IS_CHAT_ROOM (room), NULL);

  self = g_object_new (CASCADE_TYPE_CHAT_SETTINGS_WINDOW, NULL);
  self->room = g_object_ref (room);
  role = cascade_chat_room_get_role (room);
  appoints = g_strcmp0 (role, "streamer") == 0 || g_strcmp0 (role, "admin") == 0;
  /* Translators: the title of a channel's chat settings; %s is the channel. */
  title = g_strdup_printf (_ ("Chat Settings — %s"), cascade_chat_room_get_channel (room));
  gtk_window_set_title (GTK_WINDOW (self), title);

  gtk_list_box_bind_model (self->log_list, cascade_chat_room_get_mod_log (room), create_log_row,
                           NULL, NULL);
  gtk_list_box_set_placeholder (self->log_list, placeholder_new (_ ("Nothing moderated yet")));
  g_signal_connect_object (cascade_chat_room_get_mod_log (room), "items-changed",
                           G_CALLBACK (on_log_changed), self, G_CONNECT_SWAPPED);
  load_log (self, FALSE);
  load_terms (self);
  gtk_widget_set_visible (GTK_WIDGET (self->moderators_page), appoints);
  if (appoints)
    load_moderators (self);
  if (page != NULL && (appoints || !g_str_equal (page, "moderators")))
    adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), page);
  return GTK_WIDGET (self);
}

static void
cascade_chat_settings_window_dispose (GObject *object)
{
  CascadeChatSettingsWindow *self = CASCADE_CHAT_SETTINGS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->log_list != NULL)
    gtk_list_box_bind_model (self->log_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_CHAT_SETTINGS_WINDOW);
  g_clear_object (&self->room);

  G_OBJECT_CLASS (cascade_chat_settings_window_parent_class)->dispose (object);
}

static void
cascade_chat_settings_window_finalize (GObject *object)
{
  CascadeChatSettingsWindow *self = CASCADE_CHAT_SETTINGS_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_strfreev (self->terms);
  g_strfreev (self->moderators);

  G_OBJECT_CLASS (cascade_chat_settings_window_parent_class)->finalize (object);
}

static void
cascade_chat_settings_window_class_init (CascadeChatSettingsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cascade_chat_settings_window_dispose;
  object_class->finalize = cascade_chat_settings_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-chat-settings-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, moderators_page);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, log_list);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, older_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, term_entry);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, terms_list);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, moderator_entry);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, suggestions_list);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatSettingsWindow, moderators_list);
  gtk_widget_class_bind_template_callback (widget_class, on_older_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_term_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_moderator_apply);
  gtk_widget_class_bind_template_callback (widget_class, on_moderator_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_suggestion_activated);
}

static void
cascade_chat_settings_window_init (CascadeChatSettingsWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}
