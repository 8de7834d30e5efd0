/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-chat-row.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

/* Emotes are drawn this many pixels square, in the line of text. */
#define EMOTE_SIZE 28
/* What stands for an emote in the label's text: U+FFFC OBJECT REPLACEMENT CHARACTER. */
#define EMOTE_MARK "\xef\xbf\xbc"

struct _CascadeChatRow
{
  GtkWidget parent_instance;

  CascadeChatMessage *message;
  GHashTable *textures; /* server path → GdkPaintable; the view's */
  GtkWidget *label;
  GPtrArray *emotes;     /* GtkPicture, one per emote fragment, in order */
  GArray *emote_indexes; /* int: byte index of each emote's mark in the label's text */
};

G_DEFINE_FINAL_TYPE (CascadeChatRow, cascade_chat_row, GTK_TYPE_WIDGET)

static const struct
{
  const char *badge;
  const char *label;
  const char *color;
} badge_styles[] = {
  /* Translators: a short badge before a chat name. */
  { "streamer", N_ ("STREAMER"), "#e01b24" },
  /* Translators: a short badge before a chat name: a moderator. */
  { "moderator", N_ ("MOD"), "#26a269" },
  /* Translators: a short badge before a chat name: a site administrator. */
  { "admin", N_ ("ADMIN"), "#9141ac" },
};

/* The backgrounds a chat name is read on: libadwaita's window colours. */
#define DARK_BACKGROUND 0x242424
#define LIGHT_BACKGROUND 0xfafafa
/* WCAG's minimum contrast for text. */
#define MIN_CONTRAST 4.5

static double
channel_luminance (guint value)
{
  double c = value / 255.0;

  return c <= 0.03928 ? c / 12.92 : pow ((c + 0.055) / 1.055, 2.4);
}

static double
luminance (guint rgb)
{
  return 0.2126 * channel_luminance ((rgb >> 16) & 0xff) +
         0.7152 * channel_luminance ((rgb >> 8) & 0xff) + 0.0722 * channel_luminance (rgb & 0xff);
}

/**
 * cascade_chat_contrast:
 *
 * The WCAG contrast ratio of two colours (0xrrggbb), 1 to 21.
 */
double
cascade_chat_contrast (guint a, guint b)
{
  double x = luminance (a) + 0.05;
  double y = luminance (b) + 0.05;

  return x > y ? x / y : y / x;
}

static guint
mix (guint rgb, guint target, double amount)
{
  guint out = 0;

  for (int shift = 16; shift >= 0; shift -= 8)
    {
      double from = (rgb >> shift) & 0xff;
      double to = (target >> shift) & 0xff;

      out |= (guint) CLAMP (from + (to - from) * amount + 0.5, 0, 255) << shift;
    }
  return out;
}

/**
 * cascade_chat_row_readable_color:
 * @color: (nullable): "#rrggbb"
 * @dark: whether the background is dark
 *
 * @color, lightened (on dark) or darkened (on light) just enough to be read
 * on the background (contrast at least 4.5:1).
 *
 * Returns: (transfer full) (nullable): "#rrggbb", or NULL for no colour
 */
char *
cascade_chat_row_readable_color (const char *color, gboolean dark)
{
  guint background = dark ? DARK_BACKGROUND : LIGHT_BACKGROUND;
  guint target = dark ? 0xffffff : 0x000000;
  guint64 value;
  guint rgb;

  if (color == NULL || color[0] != '#' || strlen (color) != 7 ||
      !g_ascii_string_to_unsigned (color + 1, 16, 0, 0xffffff, &value, NULL))
    return NULL;
  rgb = (guint) value;
  for (guint step = 1; step <= 20 && cascade_chat_contrast (rgb, background) < MIN_CONTRAST; step++)
    rgb = mix ((guint) value, target, step * 0.05);
  return g_strdup_printf ("#%06x", rgb);
}

/* Escaped for markup, with any U+FFFC of the sender's replaced: those mark
 * our emotes. */
static char *
escape (const char *text)
{
  g_autoptr (GString) clean = g_string_new (text);

  g_string_replace (clean, EMOTE_MARK, "\xef\xbf\xbd", 0);
  return g_markup_escape_text (clean->str, -1);
}

static char *
build_markup (CascadeChatRow *self, const char *me)
{
  g_autoptr (GString) markup = g_string_new (NULL);
  const char *const *badges = cascade_chat_message_get_badges (self->message);
  g_autofree char *color =
    cascade_chat_row_readable_color (cascade_chat_message_get_color (self->message),
                                     adw_style_manager_get_dark (adw_style_manager_get_default ()));
  g_autofree char *name = escape (cascade_chat_message_get_display_name (self->message));
  guint n = cascade_chat_message_get_n_fragments (self->message);

  for (guint i = 0; i < G_N_ELEMENTS (badge_styles); i++)
    if (g_strv_contains (badges, badge_styles[i].badge))
      g_string_append_printf (markup,
                              "<span size=\"x-small\" weight=\"bold\" foreground=\"#ffffff\" "
                              "background=\"%s\"> %s </span> ",
                              badge_styles[i].color, _ (badge_styles[i].label));

  if (color != NULL)
    g_string_append_printf (markup, "<span weight=\"bold\" foreground=\"%s\">%s</span>: ", color,
                            name);
  else
    g_string_append_printf (markup, "<b>%s</b>: ", name);

  for (guint i = 0; i < n; i++)
    {
      const CascadeChatFragment *fragment = cascade_chat_message_get_fragment (self->message, i);
      g_autofree char *text = escape (fragment->text);

      switch (fragment->type)
        {
          case CASCADE_CHAT_FRAGMENT_MENTION:
            if (me != NULL && g_ascii_strcasecmp (fragment->username, me) == 0)
              g_string_append_printf (markup,
                                      "<span weight=\"bold\" background=\"#e5a50a\" "
                                      "foreground=\"#000000\">%s</span>",
                                      text);
            else
              g_string_append_printf (markup, "<b>%s</b>", text);
            break;

          case CASCADE_CHAT_FRAGMENT_LINK:
            {
              g_autofree char *url = g_markup_escape_text (fragment->url, -1);

              g_string_append_printf (markup, "<a href=\"%s\" title=\"%s\">%s</a>", url, url, text);
              break;
            }

          case CASCADE_CHAT_FRAGMENT_EMOTE:
            {
              GtkWidget *picture = gtk_picture_new ();

              gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
              gtk_picture_set_content_fit (GTK_PICTURE (picture), GTK_CONTENT_FIT_CONTAIN);
              gtk_picture_set_alternative_text (GTK_PICTURE (picture), fragment->code);
              gtk_widget_set_tooltip_text (picture, fragment->code);
              g_object_set_data_full (G_OBJECT (picture), "cascade-emote-url",
                                      g_strdup (fragment->url), g_free);
              gtk_widget_set_parent (picture, GTK_WIDGET (self));
              g_ptr_array_add (self->emotes, picture);
              g_string_append (markup, EMOTE_MARK);
              break;
            }

          case CASCADE_CHAT_FRAGMENT_TEXT:
          default:
            g_string_append (markup, text);
            break;
        }
    }
  return g_string_free (g_steal_pointer (&markup), FALSE);
}

/* Reserves a square in the text for each emote, where its picture goes. */
static void
reserve_emote_space (CascadeChatRow *self)
{
  const char *text = gtk_label_get_text (GTK_LABEL (self->label));
  g_autoptr (PangoAttrList) attrs = pango_attr_list_new ();
  PangoRectangle rect = { 0, -EMOTE_SIZE * PANGO_SCALE * 3 / 4, EMOTE_SIZE * PANGO_SCALE,
                          EMOTE_SIZE * PANGO_SCALE };
  const char *p = text;

  while ((p = strstr (p, EMOTE_MARK)) != NULL)
    {
      PangoAttribute *attr = pango_attr_shape_new (&rect, &rect);
      int index = (int) (p - text);

      attr->start_index = (guint) index;
      attr->end_index = (guint) index + strlen (EMOTE_MARK);
      pango_attr_list_insert (attrs, attr);
      g_array_append_val (self->emote_indexes, index);
      p += strlen (EMOTE_MARK);
    }
  gtk_label_set_attributes (GTK_LABEL (self->label), attrs);
}

/**
 * cascade_chat_row_update_emotes:
 *
 * Shows the emote images that have arrived since.
 */
void
cascade_chat_row_update_emotes (CascadeChatRow *self)
{
  g_return_if_fail (CASCADE_IS_CHAT_ROW (self));

  for (guint i = 0; i < self->emotes->len; i++)
    {
      GtkPicture *picture = g_ptr_array_index (self->emotes, i);
      const char *url = g_object_get_data (G_OBJECT (picture), "cascade-emote-url");
      GdkPaintable *paintable = g_hash_table_lookup (self->textures, url);

      if (paintable != NULL && gtk_picture_get_paintable (picture) != paintable)
        gtk_picture_set_paintable (picture, paintable);
    }
}

GtkWidget *
cascade_chat_row_new (CascadeChatMessage *message, const char *me, GHashTable *textures)
{
  CascadeChatRow *self;
  g_autofree char *markup = NULL;

  g_return_val_if_fail (CASCADE_IS_CHAT_MESSAGE (message), NULL);
  g_return_val_if_fail (textures != NULL, NULL);

  self = g_object_new (CASCADE_TYPE_CHAT_ROW, NULL);
  self->message = g_object_ref (message);
  self->textures = g_hash_table_ref (textures);
  markup = build_markup (self, me);
  gtk_label_set_markup (GTK_LABEL (self->label), markup);
  reserve_emote_space (self);
  cascade_chat_row_update_emotes (self);
  if (cascade_chat_message_mentions (message, me))
    gtk_widget_add_css_class (GTK_WIDGET (self), "cascade-chat-mention");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_label_get_text (GTK_LABEL (self->label)), -1);
  return GTK_WIDGET (self);
}

CascadeChatMessage *
cascade_chat_row_get_message (CascadeChatRow *self)
{
  g_return_val_if_fail (CASCADE_IS_CHAT_ROW (self), NULL);
  return self->message;
}

static void
cascade_chat_row_measure (GtkWidget *widget,
                          GtkOrientation orientation,
                          int for_size,
                          int *minimum,
                          int *natural,
                          int *minimum_baseline,
                          int *natural_baseline)
{
  CascadeChatRow *self = CASCADE_CHAT_ROW (widget);

  gtk_widget_measure (self->label, orientation, for_size, minimum, natural, minimum_baseline,
                      natural_baseline);
}

static GtkSizeRequestMode
cascade_chat_row_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH; /* the text wraps */
}

static void
cascade_chat_row_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  CascadeChatRow *self = CASCADE_CHAT_ROW (widget);
  PangoLayout *layout;
  int x_offset;
  int y_offset;

  gtk_widget_size_allocate (self->label, &(GtkAllocation){ 0, 0, width, height }, baseline);
  if (self->emotes->len == 0)
    return;

  layout = gtk_label_get_layout (GTK_LABEL (self->label));
  gtk_label_get_layout_offsets (GTK_LABEL (self->label), &x_offset, &y_offset);
  for (guint i = 0; i < self->emotes->len && i < self->emote_indexes->len; i++)
    {
      PangoRectangle pos;
      GtkAllocation allocation;

      pango_layout_index_to_pos (layout, g_array_index (self->emote_indexes, int, i), &pos);
      allocation.x = x_offset + PANGO_PIXELS (pos.x);
      allocation.y = y_offset + PANGO_PIXELS (pos.y) + (PANGO_PIXELS (pos.height) - EMOTE_SIZE) / 2;
      allocation.width = EMOTE_SIZE;
      allocation.height = EMOTE_SIZE;
      gtk_widget_size_allocate (g_ptr_array_index (self->emotes, i), &allocation, -1);
    }
}

static void
cascade_chat_row_dispose (GObject *object)
{
  CascadeChatRow *self = CASCADE_CHAT_ROW (object);

  if (self->emotes != NULL)
    {
      for (guint i = 0; i < self->emotes->len; i++)
        gtk_widget_unparent (g_ptr_array_index (self->emotes, i));
      g_ptr_array_set_size (self->emotes, 0);
    }
  g_clear_pointer (&self->label, gtk_widget_unparent);
  g_clear_object (&self->message);
  g_clear_pointer (&self->textures, g_hash_table_unref);

  G_OBJECT_CLASS (cascade_chat_row_parent_class)->dispose (object);
}

static void
cascade_chat_row_finalize (GObject *object)
{
  CascadeChatRow *self = CASCADE_CHAT_ROW (object);

  g_ptr_array_unref (self->emotes);
  g_array_unref (self->emote_indexes);

  G_OBJECT_CLASS (cascade_chat_row_parent_class)->finalize (object);
}

static void
cascade_chat_row_class_init (CascadeChatRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cascade_chat_row_dispose;
  object_class->finalize = cascade_chat_row_finalize;
  widget_class->measure = cascade_chat_row_measure;
  widget_class->size_allocate = cascade_chat_row_size_allocate;
  widget_class->get_request_mode = cascade_chat_row_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "cascade-chat-row");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
cascade_chat_row_init (CascadeChatRow *self)
{
  self->emotes = g_ptr_array_new ();
  self->emote_indexes = g_array_new (FALSE, FALSE, sizeof (int));
  self->label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_label_set_selectable (GTK_LABEL (self->label), FALSE);
  gtk_widget_set_hexpand (self->label, TRUE);
  gtk_widget_set_parent (self->label, GTK_WIDGET (self));
}
