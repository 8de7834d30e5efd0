/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "cascade-server-types.h"
#include "identity/cascade-identity.h"
#include "store/cascade-store.h"
#include "streaming/cascade-streaming.h"

G_BEGIN_DECLS

#define CASCADE_CHAT_TIMEOUT_MAX_SECONDS 1209600 /* two weeks */
#define CASCADE_CHAT_SLOW_MAX_SECONDS 3600
#define CASCADE_CHAT_FOLLOW_AGE_MAX_SECONDS 7776000 /* 90 days */
#define CASCADE_CHAT_MAX_TERMS 200
#define CASCADE_CHAT_TERM_MAX_CHARS 100
#define CASCADE_CHAT_MAX_EMOTES 50
#define CASCADE_CHAT_EMOTE_MAX_BYTES (64 * 1024)
#define CASCADE_CHAT_EMOTE_MAX_SIDE 128
#define CASCADE_CHAT_BANNED_FOREVER G_MAXINT64

/* [chat] in the config. */
typedef struct
{
  guint open_before_minutes;
  guint open_after_minutes;
  guint rate_messages;
  guint rate_seconds;
  guint duplicate_seconds;
  guint history_on_join;
} CascadeChatSettings;

void cascade_chat_settings_init (CascadeChatSettings *settings);
gboolean cascade_chat_settings_load (CascadeChatSettings *settings, GKeyFile *file, GError **error);

typedef struct
{
  guint slow_seconds;
  gboolean followers_only;
  guint follow_age_seconds;
  gboolean emote_only;
} CascadeChatModes;

/* Answers "since when does @user_id follow @channel_user_id" (ms, 0 for not
 * at all): the profile context's, handed in by the server. Blocking. */
typedef gint64 (*CascadeChatFollowLookup) (const char *user_id,
                                           const char *channel_user_id,
                                           gpointer owner,
                                           GError **error);

/* The chat colour @user_id chose (e.g. "#1e90ff"), or NULL for the stable
 * one from their username: the profile context's, handed in by the server.
 * Blocking; NULL with @error set on failure. */
typedef char *(*CascadeChatColorLookup) (const char *user_id, gpointer owner, GError **error);

/* A message held back by a blocked term, as stored (chat_held) until a
 * moderator decides. */
typedef struct
{
  char *id; /* "held-N" */
  char *user_id;
  char *json; /* the ChatMessage as it would have been, with "id" @id */
} CascadeChatHeld;

CascadeChatHeld *cascade_chat_held_new (const char *id, const char *user_id, const char *json);
void cascade_chat_held_free (CascadeChatHeld *held);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeChatHeld, cascade_chat_held_free)

/* A room as stored: what the realtime side loads when a room is first used. */
typedef struct
{
  char *channel_user_id;
  char *channel;
  char *session_id; /* the live stream, or NULL */
  gint64 session_started_ms;
  gint64 open_until_ms; /* open until then (after a stream, or opened early) */
  CascadeChatModes modes;
  char **terms;
  GHashTable *moderators; /* user id set */
  GHashTable *bans;       /* user id → gint64* until (ms; CASCADE_CHAT_BANNED_FOREVER) */
  GHashTable *emotes;     /* code → url */
  GPtrArray *recent;      /* ChatMessage JSON texts, oldest first */
  GPtrArray *held;        /* CascadeChatHeld, oldest first */
} CascadeChatRoomState;

void cascade_chat_room_state_free (CascadeChatRoomState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeChatRoomState, cascade_chat_room_state_free)

/* One user as a room sees them. */
typedef struct
{
  char *user_id;
  char *username;
  char *display_name;
  char *site_role;
  gint64 following_since_ms; /* 0: not following */
  char *color;               /* chosen, or NULL: the one from the username */
} CascadeChatMember;

CascadeChatMember *cascade_chat_member_copy (const CascadeChatMember *member);
void cascade_chat_member_free (CascadeChatMember *member);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeChatMember, cascade_chat_member_free)

/* A committed change to a room, announced on the main thread ("changed"). */
typedef struct
{
  char *channel_user_id;
  char *action; /* a ModAction's action, or "emotes" */
  char *target_user_id;
  char *target_username;
  char *message_id;
  gint64 until_ms;
  CascadeChatModes modes;
  char **terms;
  JsonNode *mod_action;  /* the ModAction object, or NULL */
  JsonNode *emotes;      /* "emotes": the channel's emotes now, {code: url} */
  CascadeChatHeld *held; /* approve and deny: the held message, now dropped from the store */
} CascadeChatChange;

void cascade_chat_change_free (CascadeChatChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CascadeChatChange, cascade_chat_change_free)

/* A message for the writer thread. */
typedef void (*CascadeChatWrittenFunc) (gpointer user_data, const GError *error);

#define CASCADE_TYPE_CHAT (cascade_chat_get_type ())

G_DECLARE_FINAL_TYPE (CascadeChat, cascade_chat, CASCADE, CHAT, GObject)

void cascade_chat_add_migrations (CascadeStore *store);

CascadeChat *cascade_chat_new (CascadeStore *store,
                               CascadeIdentity *identity,
                               CascadeStreaming *streaming,
                               const CascadeChatSettings *settings);
void
cascade_chat_set_follow_lookup (CascadeChat *self, CascadeChatFollowLookup lookup, gpointer owner);
void
cascade_chat_set_color_lookup (CascadeChat *self, CascadeChatColorLookup lookup, gpointer owner);
gboolean cascade_chat_start (CascadeChat *self, GError **error);
void cascade_chat_stop (CascadeChat *self);
const CascadeChatSettings *cascade_chat_get_settings (CascadeChat *self);
CascadeIdentity *cascade_chat_get_identity (CascadeChat *self);
CascadeStreaming *cascade_chat_get_streaming (CascadeChat *self);

/* Main thread: a message id, then the message to the writer thread, which
 * commits it (in batches) and calls @done on the main thread. */
guint64 cascade_chat_next_message_id (CascadeChat *self);
void cascade_chat_write_message (CascadeChat *self,
                                 const char *channel_user_id,
                                 guint64 id,
                                 const char *user_id,
                                 const char *session_id,
                                 gint64 offset_ms,
                                 gint64 sent_at,
                                 const char *json,
                                 GPtrArray *mentions,
                                 CascadeChatWrittenFunc done,
                                 gpointer user_data);

/* Blocking use cases: call them from a worker thread. */
CascadeChatRoomState *
cascade_chat_load_room (CascadeChat *self, const char *channel, guint n_recent, GError **error);
CascadeChatMember *cascade_chat_load_member (CascadeChat *self,
                                             const char *user_id,
                                             const char *channel_user_id,
                                             GError **error);
CascadeChatHeld *cascade_chat_hold (CascadeChat *self,
                                    const char *channel_user_id,
                                    const char *user_id,
                                    const char *json,
                                    GError **error);
JsonNode *cascade_chat_history (
  CascadeChat *self, const char *channel, const char *before, guint limit, GError **error);
JsonNode *cascade_chat_replay (CascadeChat *self,
                               const char *channel,
                               const char *session_id,
                               gint64 from_offset,
                               gint64 to_offset,
                               guint limit,
                               GError **error);
gboolean cascade_chat_can_moderate (CascadeChat *self,
                                    const char *user_id,
                                    const char *channel_user_id,
                                    gboolean *out_is_owner,
                                    GError **error);
CascadeChatChange *cascade_chat_moderate (CascadeChat *self,
                                          const char *moderator_id,
                                          const char *channel,
                                          const char *action,
                                          JsonObject *args,
                                          GError **error);
JsonNode *cascade_chat_list_moderators (CascadeChat *self, const char *channel, GError **error);
JsonNode *cascade_chat_mod_log (CascadeChat *self,
                                const char *user_id,
                                const char *channel,
                                const char *cursor,
                                guint limit,
                                GError **error);
JsonNode *cascade_chat_get_terms (CascadeChat *self,
                                  const char *user_id,
                                  const char *channel,
                                  GError **error);
JsonNode *cascade_chat_list_emotes (CascadeChat *self, const char *channel, GError **error);
gboolean cascade_chat_put_emote (CascadeChat *self,
                                 const char *user_id,
                                 const char *channel,
                                 const char *code,
                                 GBytes *png,
                                 GError **error);
gboolean cascade_chat_delete_emote (
  CascadeChat *self, const char *user_id, const char *channel, const char *code, GError **error);
GBytes *cascade_chat_dup_emote (CascadeChat *self, const char *id, GError **error);

G_END_DECLS

G_BEGIN_DECLS
gboolean cascade_chat_set_open_until (CascadeChat *self,
                                      const char *channel_user_id,
                                      gint64 open_until_ms,
                                      GError **error);
G_END_DECLS
