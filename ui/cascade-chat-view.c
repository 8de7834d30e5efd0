/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-view.h"

#include <glib/gi18n.h>

#include "cascade-chat-row.h"
#include "cascade-chat-view-private.h"

/* Within this many pixels of the end counts as "at the newest message". */
#define STICK_SLACK 4
#define MAX_COMPLETIONS 6
#define MAX_EMOTE_IMAGES 200
/* An inline error goes away after this long (or once a message goes). */
#define ERROR_SECONDS 10
/* The chatter list is asked for at most this often, for @-completion. */
#define CHATTERS_REFRESH_US (30 * G_USEC_PER_SEC)

G_DEFINE_FINAL_TYPE (CascadeChatView, cascade_chat_view, ADW_TYPE_BIN)

enum
{
  PROP_0,
  PROP_ROOM,
  PROP_SLOW_SECONDS,
  PROP_FOLLOWERS_ONLY,
  PROP_EMOTE_ONLY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_state (CascadeChatView *self);

/* ---- errors ------------------------------------------------------------- */

static gboolean
on_error_expired (gpointer user_data)
{
  CascadeChatView *self = user_data;

  self->error_id = 0;
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  return G_SOURCE_REMOVE;
}

void
_cascade_chat_view_show_error (CascadeChatView *self, const GError *error)
{
  gtk_label_set_text (self->error_label, error->message);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
  g_clear_handle_id (&self->error_id, g_source_remove);
  self->error_id = g_timeout_add_seconds (ERROR_SECONDS, on_error_expired, self);
}

static void
hide_error (CascadeChatView *self)
{
  g_clear_handle_id (&self->error_id, g_source_remove);
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
}

/* ---- scrolling ----------------------------------------------------------- */

static GtkAdjustment *
get_vadjustment (CascadeChatView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static void
scroll_to_end (CascadeChatView *self)
{
  GtkAdjustment *adjustment = get_vadjustment (self);

  self->stick = TRUE;
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                          gtk_adjustment_get_page_size (adjustment));
  gtk_widget_set_visible (self->new_messages_button, FALSE);
}

static void
on_adjustment_changed (CascadeChatView *self)
{
  if (self->stick)
    scroll_to_end (self);
}

static void
on_adjustment_value_changed (CascadeChatView *self)
{
  GtkAdjustment *adjustment = get_vadjustment (self);

  self->stick =
    gtk_adjustment_get_value (adjustment) >=
    gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment) - STICK_SLACK;
  if (self->stick)
    gtk_widget_set_visible (self->new_messages_button, FALSE);
}

static void
on_new_messages_clicked (CascadeChatView *self)
{
  scroll_to_end (self);
}

static void
on_messages_changed (CascadeChatView *self, guint position, guint removed, guint added)
{
  GListModel *model = cascade_chat_room_get_messages (self->room);
  guint n = g_list_model_get_n_items (model);

  gtk_widget_set_visible (self->empty_label, n == 0);
  if (added > 0 && position + added == n && !self->stick)
    gtk_widget_set_visible (self->new_messages_button, TRUE);
}

/* ---- emotes -------------------------------------------------------------- */

static void
refresh_emotes (CascadeChatView *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (child));

      if (CASCADE_IS_CHAT_ROW (row))
        cascade_chat_row_update_emotes (CASCADE_CHAT_ROW (row));
    }
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->emote_box)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *button = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
      GtkWidget *picture = gtk_button_get_child (GTK_BUTTON (button));
      const char *url = g_object_get_data (G_OBJECT (button), "cascade-emote-url");
      GdkPaintable *paintable = g_hash_table_lookup (self->textures, url);

      if (GTK_IS_PICTURE (picture) && paintable != NULL)
        gtk_picture_set_paintable (GTK_PICTURE (picture), paintable);
    }
}

typedef struct
{
  CascadeChatView *self;
  char *url;
} EmoteLoad;

static void
on_emote_bytes (GObject *source, GAsyncResult *result, gpointer user_data)
{
  EmoteLoad *load = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes =
    cascade_client_get_image_finish (CASCADE_CLIENT (source), result, &error);

  if (bytes != NULL && load->self != NULL)
    {
      g_autoptr (GdkTexture) texture = gdk_texture_new_from_bytes (bytes, &error);

      if (texture != NULL)
        {
          g_hash_table_insert (load->self->textures, g_strdup (load->url), g_object_ref (texture));
          refresh_emotes (load->self);
        }
      else
        g_debug ("The emote %s is not an image: %s", load->url, error->message);
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not load the emote %s: %s", load->url, error->message);

  if (load->self != NULL)
    g_object_remove_weak_pointer (G_OBJECT (load->self), (gpointer *) &load->self);
  g_free (load->url);
  g_free (load);
}

static void
load_emote (CascadeChatView *self, const char *url)
{
  EmoteLoad *load;

  if (self->room == NULL || url == NULL || g_hash_table_contains (self->loading, url) ||
      g_hash_table_size (self->loading) >= MAX_EMOTE_IMAGES)
    return;
  g_hash_table_add (self->loading, g_strdup (url));
  load = g_new0 (EmoteLoad, 1);
  load->self = self;
  load->url = g_strdup (url);
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &load->self);
  cascade_client_get_image_async (cascade_chat_room_get_client (self->room), url, self->cancellable,
                                  on_emote_bytes, load);
}

static void
on_emote_clicked (GtkButton *button, CascadeChatView *self)
{
  const char *code = g_object_get_data (G_OBJECT (button), "cascade-emote-code");
  GtkEditable *editable = GTK_EDITABLE (self->entry);
  int position = gtk_editable_get_position (editable);
  const char *text = gtk_editable_get_text (editable);
  g_autofree char *insert = NULL;
  gboolean space_before = FALSE;

  if (position > 0)
    space_before =
      !g_unichar_isspace (g_utf8_get_char (g_utf8_offset_to_pointer (text, position - 1)));
  insert = g_strconcat (space_before ? " " : "", code, " ", NULL);
  gtk_editable_insert_text (editable, insert, -1, &position);
  gtk_editable_set_position (editable, position);
  gtk_menu_button_popdown (self->emote_button);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
on_emote_codes_changed (CascadeChatView *self)
{
  const char *const *codes = cascade_chat_room_get_emote_codes (self->room);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->emote_box))) != NULL)
    gtk_flow_box_remove (self->emote_box, child);

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    {
      const char *url = cascade_chat_room_get_emote_url (self->room, codes[i]);
      GtkWidget *button = gtk_button_new ();
      GtkWidget *picture = gtk_picture_new ();

      gtk_widget_set_size_request (picture, 32, 32);
      gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
      gtk_picture_set_alternative_text (GTK_PICTURE (picture), codes[i]);
      gtk_button_set_child (GTK_BUTTON (button), picture);
      gtk_widget_set_tooltip_text (button, codes[i]);
      gtk_widget_add_css_class (button, "flat");
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      codes[i], -1);
      g_object_set_data_full (G_OBJECT (button), "cascade-emote-code", g_strdup (codes[i]), g_free);
      g_object_set_data_full (G_OBJECT (button), "cascade-emote-url", g_strdup (url), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (on_emote_clicked), self);
      gtk_flow_box_append (self->emote_box, button);
      load_emote (self, url);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->emote_button), codes != NULL && codes[0] != NULL);
  refresh_emotes (self);
}

/* ---- rows ---------------------------------------------------------------- */

static GtkWidget *
create_row (gpointer item, gpointer user_data)
{
  CascadeChatView *self = user_data;
  CascadeChatMessage *message = item;
  guint n = cascade_chat_message_get_n_fragments (message);
  GtkWidget *row;

  for (guint i = 0; i < n; i++)
    {
      const CascadeChatFragment *fragment = cascade_chat_message_get_fragment (message, i);

      if (fragment->type == CASCADE_CHAT_FRAGMENT_EMOTE)
        load_emote (self, fragment->url);
    }
  row = cascade_chat_row_new (message, cascade_chat_room_get_username (self->room), self->textures);
  return row;
}

static void
mention_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);
  GtkEditable *editable = GTK_EDITABLE (self->entry);
  g_autofree char *insert = g_strdup_printf ("@%s ", g_variant_get_string (parameter, NULL));
  int position = gtk_editable_get_position (editable);

  gtk_editable_insert_text (editable, insert, -1, &position);
  gtk_editable_set_position (editable, position);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
set_modes (CascadeChatView *self, int slow_seconds, int followers_only, int emote_only)
{
  if (self->room == NULL || !cascade_chat_room_get_can_moderate (self->room))
    return;
  cascade_chat_room_set_modes_async (self->room, slow_seconds, followers_only, -1, emote_only,
                                     self->cancellable, _cascade_chat_view_on_moderated,
                                     g_object_ref (self));
}

/* ---- adding emotes (the streamer) ----------------------------------------- */

#define EMOTE_CODE_MAX 20

/* A code the server takes (2 to 20 of A-Za-z0-9_), from a file's name. */
static char *
suggest_code (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  GString *code = g_string_new (NULL);

  for (const char *p = name; *p != '\0' && *p != '.' && code->len < EMOTE_CODE_MAX; p++)
    if (g_ascii_isalnum (*p) || *p == '_')
      g_string_append_c (code, *p);
  if (code->len < 2)
    g_string_assign (code, "emote");
  return g_string_free (code, FALSE);
}

static void
on_emote_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatView) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!cascade_chat_room_add_emote_finish (CASCADE_CHAT_ROOM (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    _cascade_chat_view_show_error (self, error);
}

static void
on_code_response (AdwMessageDialog *dialog, const char *response, CascadeChatView *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  GBytes *png = g_object_get_data (G_OBJECT (dialog), "cascade-png");

  if (g_strcmp0 (response, "add") == 0 && self->room != NULL)
    cascade_chat_room_add_emote_async (self->room, gtk_editable_get_text (entry), png,
                                       self->cancellable, on_emote_added, g_object_ref (self));
}

static void
on_emote_file_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatView) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) png = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);
  g_autofree char *code = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  if (png == NULL)
    {
      _cascade_chat_view_show_error (self, error);
      return;
    }
  code = suggest_code (G_FILE (source));
  dialog = ADW_MESSAGE_DIALOG (
    adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), _ ("Add Emote"),
                            _ ("People type its code to send it: 2 to 20 letters, digits or _.")));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), code);
  gtk_entry_set_max_length (GTK_ENTRY (entry), EMOTE_CODE_MAX);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _ ("Emote code"), -1);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _ ("_Cancel"), "add", _ ("_Add"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "add");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "cascade-png", g_bytes_ref (png),
                          (GDestroyNotify) g_bytes_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_code_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_emote_file_chosen (GtkNativeDialog *chooser, int response, CascadeChatView *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file != NULL)
    g_file_load_bytes_async (file, self->cancellable, on_emote_file_loaded, g_object_ref (self));
  g_object_unref (chooser);
}

static void
add_emote_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr (GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->room == NULL)
    return;
  chooser = gtk_file_chooser_native_new (_ ("Choose an Emote Image"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), _ ("_Cancel"));
  gtk_file_filter_set_name (filter, _ ("PNG images (at most 128×128)"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_emote_file_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- composer ------------------------------------------------------------ */

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (CascadeChatView) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;

  id = cascade_chat_room_send_finish (CASCADE_CHAT_ROOM (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->sending = FALSE;
  if (id == NULL)
    _cascade_chat_view_show_error (self, error);
  else
    {
      hide_error (self);
      gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
      scroll_to_end (self);
    }
  update_state (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
on_entry_activate (CascadeChatView *self)
{
  g_autofree char *text = NULL;

  if (gtk_widget_get_visible (self->completion_popover))
    return;
  if (self->room == NULL || self->sending)
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
  if (*text == '\0')
    return;
  self->sending = TRUE;
  update_state (self);
  cascade_chat_room_send_async (self->room, text, self->cancellable, on_sent, g_object_ref (self));
}

/* ---- @-completion -------------------------------------------------------- */

static void
hide_completion (CascadeChatView *self)
{
  self->completion_start = -1;
  if (gtk_widget_get_visible (self->completion_popover))
    gtk_popover_popdown (GTK_POPOVER (self->completion_popover));
}

static void
complete_with (CascadeChatView *self, GtkListBoxRow *row)
{
  GtkEditable *editable = GTK_EDITABLE (self->entry);
  const char *username;
  g_autofree char *insert = NULL;
  int position;
  int start = self->completion_start;

  if (row == NULL || start < 0)
    return;
  username = g_object_get_data (G_OBJECT (row), "cascade-username");
  position = gtk_editable_get_position (editable);
  hide_completion (self);
  gtk_editable_delete_text (editable, start, position);
  insert = g_strdup_printf ("@%s ", username);
  gtk_editable_insert_text (editable, insert, -1, &start);
  gtk_editable_set_position (editable, start);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
complete_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);

  if (self->completion_start >= 0)
    complete_with (self, gtk_list_box_get_selected_row (self->completion_list));
}

static void
on_completion_activated (CascadeChatView *self, GtkListBoxRow *row)
{
  complete_with (self, row);
}

static void
on_chatters_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* The room keeps the names for completion; nothing else to do. */
  g_auto (GStrv) names =
    cascade_chat_room_list_chatters_finish (CASCADE_CHAT_ROOM (source), result, NULL);

  (void) names;
}

/* The '@word' before the cursor: its start (a character offset) and the word. */
static gboolean
find_mention_prefix (CascadeChatView *self, int *start, char **prefix)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));
  int position = gtk_editable_get_position (GTK_EDITABLE (self->entry));
  const char *end = g_utf8_offset_to_pointer (text, position);
  const char *p = end;

  while (p > text)
    {
      const char *prev = g_utf8_prev_char (p);
      gunichar c = g_utf8_get_char (prev);

      if (c == '@')
        {
          if (prev > text && !g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (prev))))
            return FALSE;
          *start = (int) g_utf8_pointer_to_offset (text, prev);
          *prefix = g_strndup (p, end - p);
          return TRUE;
        }
      if (!g_unichar_isalnum (c) && c != '_')
        return FALSE;
      p = prev;
    }
  return FALSE;
}

static void
update_completion (CascadeChatView *self)
{
  g_autofree char *prefix = NULL;
  g_auto (GStrv) names = NULL;
  GtkWidget *child;
  guint shown = 0;
  int start;

  if (self->room == NULL || !find_mention_prefix (self, &start, &prefix))
    {
      hide_completion (self);
      return;
    }

  if (g_get_monotonic_time () - self->chatters_asked_us > CHATTERS_REFRESH_US &&
      cascade_chat_room_get_joined (self->room))
    {
      self->chatters_asked_us = g_get_monotonic_time ();
      cascade_chat_room_list_chatters_async (self->room, self->cancellable, on_chatters_listed,
                                             NULL);
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->completion_list))) != NULL)
    gtk_list_box_remove (self->completion_list, child);

  names = cascade_chat_room_dup_known_usernames (self->room);
  for (guint i = 0; names[i] != NULL && shown < MAX_COMPLETIONS; i++)
    {
      g_autofree char *text = NULL;
      GtkWidget *row;
      GtkWidget *label;

      if (g_ascii_strncasecmp (names[i], prefix, strlen (prefix)) != 0 ||
          g_strcmp0 (names[i], cascade_chat_room_get_username (self->room)) == 0)
        continue;
      text = g_strdup_printf ("@%s", names[i]);
      label = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "cascade-username", g_strdup (names[i]), g_free);
      gtk_list_box_append (self->completion_list, row);
      shown++;
    }

  if (shown == 0)
    {
      hide_completion (self);
      return;
    }
  self->completion_start = start;
  gtk_list_box_select_row (self->completion_list,
                           gtk_list_box_get_row_at_index (self->completion_list, 0));
  if (!gtk_widget_get_visible (self->completion_popover))
    gtk_popover_popup (GTK_POPOVER (self->completion_popover));
}

static void
on_entry_changed (CascadeChatView *self)
{
  update_completion (self);
}

static gboolean
on_entry_key_pressed (GtkEventControllerKey *controller,
                      guint keyval,
                      guint keycode,
                      GdkModifierType state,
                      CascadeChatView *self)
{
  GtkListBoxRow *selected;
  int index;

  if (!gtk_widget_get_visible (self->completion_popover))
    return FALSE;
  selected = gtk_list_box_get_selected_row (self->completion_list);
  index = selected != NULL ? gtk_list_box_row_get_index (selected) : -1;

  switch (keyval)
    {
      case GDK_KEY_Down:
      case GDK_KEY_Up:
        {
          GtkListBoxRow *next = gtk_list_box_get_row_at_index (
            self->completion_list, index + (keyval == GDK_KEY_Down ? 1 : -1));

          if (next != NULL)
            gtk_list_box_select_row (self->completion_list, next);
          return TRUE;
        }
      case GDK_KEY_Tab:
      case GDK_KEY_Return:
      case GDK_KEY_KP_Enter:
        complete_with (self, selected);
        return TRUE;
      case GDK_KEY_Escape:
        hide_completion (self);
        return TRUE;
      default:
        return FALSE;
    }
}

/* ---- state --------------------------------------------------------------- */

static gboolean
on_timeout_over (gpointer user_data)
{
  CascadeChatView *self = user_data;

  self->timeout_update_id = 0;
  update_state (self);
  return G_SOURCE_REMOVE;
}

static void
update_state (CascadeChatView *self)
{
  CascadeChatRoom *room = self->room;
  const char *placeholder = _ ("Send a message");
  g_autofree char *placeholder_owned = NULL;
  g_autoptr (GString) modes = g_string_new (NULL);
  g_autofree char *counts = NULL;
  gboolean can_send = FALSE;
  gint64 now_ms = g_get_real_time () / 1000;

  g_clear_handle_id (&self->timeout_update_id, g_source_remove);
  if (room == NULL)
    placeholder = "";
  else if (cascade_chat_room_get_username (room) == NULL)
    placeholder = _ ("Sign in to chat");
  else if (cascade_chat_room_get_join_error (room) != NULL)
    placeholder = cascade_chat_room_get_join_error (room);
  else if (!cascade_chat_room_get_joined (room))
    placeholder = _ ("Connecting to the chat…");
  else if (cascade_chat_room_get_banned (room))
    placeholder = _ ("You are banned from this chat");
  else if (cascade_chat_room_get_timeout_until (room) > now_ms)
    {
      gint64 until = cascade_chat_room_get_timeout_until (room);
      g_autoptr (GDateTime) time = g_date_time_new_from_unix_local (until / 1000);
      g_autofree char *clock = g_date_time_format (time, "%H:%M");

      /* Translators: %s is a time of day, e.g. 21:30. */
      placeholder = placeholder_owned = g_strdup_printf (_ ("You are timed out until %s"), clock);
      self->timeout_update_id = g_timeout_add_seconds (
        (guint) MIN ((until - now_ms) / 1000 + 1, G_MAXUINT / 2), on_timeout_over, self);
    }
  else if (!cascade_chat_room_get_open (room))
    placeholder = _ ("The chat opens when the channel goes live");
  else
    can_send = TRUE;

  gtk_entry_set_placeholder_text (self->entry, placeholder);
  if (!can_send && gtk_widget_is_sensitive (GTK_WIDGET (self->entry)))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

      /* Take the focus away first: a focused entry made insensitive never
       * hears that it lost the focus. */
      if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->entry)))
        gtk_root_set_focus (root, NULL);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->entry), can_send);
  gtk_widget_set_sensitive (self->send_button, can_send && !self->sending);
  gtk_widget_set_sensitive (GTK_WIDGET (self->emote_button), can_send);
  if (self->color_button != NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->color_button),
                              room != NULL && cascade_chat_room_get_username (room) != NULL);
      cascade_chat_color_button_set_client (
        self->color_button, room != NULL ? cascade_chat_room_get_client (room) : NULL);
    }

  if (room != NULL && cascade_chat_room_get_joined (room))
    {
      guint viewers = cascade_chat_room_get_viewers (room);

      /* Translators: people in the chat room. */
      counts = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u in chat", "%u in chat", viewers),
                                viewers);
    }
  gtk_label_set_text (self->counts_label, counts != NULL ? counts : "");

  if (room != NULL && cascade_chat_room_get_slow_seconds (room) > 0)
    /* Translators: the room's slow mode: seconds between one person's messages. */
    g_string_append_printf (modes, _ ("Slow mode: %u s"),
                            cascade_chat_room_get_slow_seconds (room));
  if (room != NULL && cascade_chat_room_get_followers_only (room))
    g_string_append_printf (modes, "%s%s", modes->len > 0 ? " · " : "", _ ("Followers only"));
  if (room != NULL && cascade_chat_room_get_emote_only (room))
    g_string_append_printf (modes, "%s%s", modes->len > 0 ? " · " : "", _ ("Emote only"));
  gtk_label_set_text (self->modes_label, modes->str);
  gtk_widget_set_visible (GTK_WIDGET (self->modes_label), modes->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->modes_button),
                          room != NULL && cascade_chat_room_get_can_moderate (room));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.add-emote",
                                 room != NULL &&
                                   g_strcmp0 (cascade_chat_room_get_role (room), "streamer") == 0);
  _cascade_chat_view_update_moderation (self);
}

static void
on_room_modes (CascadeChatView *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SLOW_SECONDS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWERS_ONLY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMOTE_ONLY]);
  update_state (self);
}

/* ---- public -------------------------------------------------------------- */

GtkWidget *
cascade_chat_view_new (void)
{
  return g_object_new (CASCADE_TYPE_CHAT_VIEW, NULL);
}

CascadeChatRoom *
cascade_chat_view_get_room (CascadeChatView *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_VIEW (self), NULL);
  return self->room;
}

void
cascade_chat_view_set_room (CascadeChatView *self, CascadeChatRoom *room)
{
  g_return_if_fail (CASCADE_IS_CHAT_VIEW (self));
  g_return_if_fail (room == NULL || CASCADE_IS_CHAT_ROOM (room));

  if (self->room == room)
    return;

  if (self->room != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->room, self);
      g_signal_handlers_disconnect_by_data (cascade_chat_room_get_messages (self->room), self);
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);
    }
  g_set_object (&self->room, room);
  hide_error (self);
  hide_completion (self);
  self->sending = FALSE;
  self->chatters_asked_us = 0;

  if (room != NULL)
    {
      static const char *const state_props[] = {
        "notify::joined",        "notify::open",         "notify::banned",
        "notify::timeout-until", "notify::can-moderate", "notify::viewers",
        "notify::chatters",      "notify::join-error",   "notify::role",
      };
      static const char *const mode_props[] = {
        "notify::slow-seconds",
        "notify::followers-only",
        "notify::emote-only",
      };

      self->cancellable = g_cancellable_new ();
      for (guint i = 0; i < G_N_ELEMENTS (state_props); i++)
        g_signal_connect_swapped (room, state_props[i], G_CALLBACK (update_state), self);
      for (guint i = 0; i < G_N_ELEMENTS (mode_props); i++)
        g_signal_connect_swapped (room, mode_props[i], G_CALLBACK (on_room_modes), self);
      g_signal_connect_swapped (room, "notify::emote-codes", G_CALLBACK (on_emote_codes_changed),
                                self);
      gtk_list_box_bind_model (self->list, cascade_chat_room_get_messages (room), create_row, self,
                               NULL);
      g_signal_connect_swapped (cascade_chat_room_get_messages (room), "items-changed",
                                G_CALLBACK (on_messages_changed), self);
      on_emote_codes_changed (self);
      on_messages_changed (self, 0, 0, 0);
    }
  else
    gtk_widget_set_visible (self->empty_label, TRUE);
  scroll_to_end (self);
  on_room_modes (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROOM]);
}

/* The names' colours are made readable for the background: rows again. */
static void
on_dark_changed (CascadeChatView *self)
{
  if (self->room != NULL)
    gtk_list_box_bind_model (self->list, cascade_chat_room_get_messages (self->room), create_row,
                             self, NULL);
}

/* ---- object -------------------------------------------------------------- */

static void
cascade_chat_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (widget);

  GTK_WIDGET_CLASS (cascade_chat_view_parent_class)
    ->size_allocate (widget, width, height, baseline);
  if (gtk_widget_get_visible (self->completion_popover))
    {
      graphene_rect_t bounds;

      if (gtk_widget_compute_bounds (GTK_WIDGET (self->entry), widget, &bounds))
        gtk_popover_set_pointing_to (
          GTK_POPOVER (self->completion_popover),
          &(GdkRectangle){ (int) bounds.origin.x + 12, (int) bounds.origin.y, 1, 1 });
    }
  gtk_popover_present (GTK_POPOVER (self->completion_popover));
  gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
cascade_chat_view_dispose (GObject *object)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (object);

  cascade_chat_view_set_room (self, NULL);
  if (self->scroller != NULL)
    g_signal_handlers_disconnect_by_data (get_vadjustment (self), self);
  g_clear_handle_id (&self->error_id, g_source_remove);
  g_clear_handle_id (&self->timeout_update_id, g_source_remove);
  g_clear_pointer (&self->completion_popover, gtk_widget_unparent);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), CASCADE_TYPE_CHAT_VIEW);

  G_OBJECT_CLASS (cascade_chat_view_parent_class)->dispose (object);
}

static void
cascade_chat_view_finalize (GObject *object)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (object);

  g_hash_table_unref (self->textures);
  g_hash_table_unref (self->loading);

  G_OBJECT_CLASS (cascade_chat_view_parent_class)->finalize (object);
}

static void
cascade_chat_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (object);

  switch (prop_id)
    {
      case PROP_ROOM:
        g_value_set_object (value, self->room);
        break;
      case PROP_SLOW_SECONDS:
        g_value_set_uint (value,
                          self->room != NULL ? cascade_chat_room_get_slow_seconds (self->room) : 0);
        break;
      case PROP_FOLLOWERS_ONLY:
        g_value_set_boolean (value, self->room != NULL &&
                                      cascade_chat_room_get_followers_only (self->room));
        break;
      case PROP_EMOTE_ONLY:
        g_value_set_boolean (value,
                             self->room != NULL && cascade_chat_room_get_emote_only (self->room));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The mode properties ask the server; they change once it says so. */
static void
cascade_chat_view_set_property (GObject *object,
                                guint prop_id,
                                const GValue *value,
                                GParamSpec *pspec)
{
  CascadeChatView *self = CASCADE_CHAT_VIEW (object);

  switch (prop_id)
    {
      case PROP_ROOM:
        cascade_chat_view_set_room (self, g_value_get_object (value));
        break;
      case PROP_SLOW_SECONDS:
        if (self->room != NULL &&
            g_value_get_uint (value) != cascade_chat_room_get_slow_seconds (self->room))
          set_modes (self, (int) MIN (g_value_get_uint (value), 3600), -1, -1);
        break;
      case PROP_FOLLOWERS_ONLY:
        if (self->room != NULL &&
            g_value_get_boolean (value) != cascade_chat_room_get_followers_only (self->room))
          set_modes (self, -1, g_value_get_boolean (value), -1);
        break;
      case PROP_EMOTE_ONLY:
        if (self->room != NULL &&
            g_value_get_boolean (value) != cascade_chat_room_get_emote_only (self->room))
          set_modes (self, -1, -1, g_value_get_boolean (value));
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cascade_chat_view_class_init (CascadeChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cascade_chat_view_dispose;
  object_class->finalize = cascade_chat_view_finalize;
  object_class->get_property = cascade_chat_view_get_property;
  object_class->set_property = cascade_chat_view_set_property;
  widget_class->size_allocate = cascade_chat_view_size_allocate;

  properties[PROP_ROOM] = g_param_spec_object ("room", NULL, NULL, CASCADE_TYPE_CHAT_ROOM, flags);
  properties[PROP_SLOW_SECONDS] = g_param_spec_uint ("slow-seconds", NULL, NULL, 0, 3600, 0, flags);
  properties[PROP_FOLLOWERS_ONLY] =
    g_param_spec_boolean ("followers-only", NULL, NULL, FALSE, flags);
  properties[PROP_EMOTE_ONLY] = g_param_spec_boolean ("emote-only", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_property_action (widget_class, "chat.slow-seconds", "slow-seconds");
  gtk_widget_class_install_property_action (widget_class, "chat.followers-only", "followers-only");
  gtk_widget_class_install_property_action (widget_class, "chat.emote-only", "emote-only");
  gtk_widget_class_install_action (widget_class, "chat.mention", "s", mention_action);
  _cascade_chat_view_class_init_moderation (widget_class);
  gtk_widget_class_install_action (widget_class, "chat.complete", NULL, complete_action);
  gtk_widget_class_install_action (widget_class, "chat.add-emote", NULL, add_emote_action);

  g_type_ensure (CASCADE_TYPE_CHAT_HELD_QUEUE);
  g_type_ensure (CASCADE_TYPE_CHAT_COLOR_BUTTON);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "/cascade-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, counts_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, modes_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, modes_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, held_queue);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, list);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, empty_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, new_messages_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, error_label);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, color_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, emote_button);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, emote_box);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, entry);
  gtk_widget_class_bind_template_child (widget_class, CascadeChatView, send_button);
  gtk_widget_class_bind_template_callback (widget_class, on_new_messages_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed);
}

static void
cascade_chat_view_init (CascadeChatView *self)
{
  GtkAdjustment *adjustment;
  GtkEventController *keys;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->textures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->stick = TRUE;
  self->completion_start = -1;

  adjustment = get_vadjustment (self);
  g_signal_connect_swapped (adjustment, "changed", G_CALLBACK (on_adjustment_changed), self);
  g_signal_connect_swapped (adjustment, "value-changed", G_CALLBACK (on_adjustment_value_changed),
                            self);

  _cascade_chat_view_init_moderation (self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_dark_changed), self, G_CONNECT_SWAPPED);

  self->completion_list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->completion_list, GTK_SELECTION_BROWSE);
  gtk_list_box_set_activate_on_single_click (self->completion_list, TRUE);
  g_signal_connect_swapped (self->completion_list, "row-activated",
                            G_CALLBACK (on_completion_activated), self);
  self->completion_popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (self->completion_popover),
                         GTK_WIDGET (self->completion_list));
  gtk_popover_set_autohide (GTK_POPOVER (self->completion_popover), FALSE);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->completion_popover), FALSE);
  gtk_popover_set_position (GTK_POPOVER (self->completion_popover), GTK_POS_TOP);
  gtk_widget_set_can_focus (self->completion_popover, FALSE);
  gtk_widget_set_parent (self->completion_popover, GTK_WIDGET (self));

  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_entry_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->entry), keys);

  update_state (self);
}
