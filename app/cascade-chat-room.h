/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "cascade-app-types.h"
#include "cascade-chat-message.h"
#include "cascade-session.h"

G_BEGIN_DECLS

#define CASCADE_TYPE_CHAT_ROOM (cascade_chat_room_get_type ())

G_DECLARE_FINAL_TYPE (CascadeChatRoom, cascade_chat_room, CASCADE, CHAT_ROOM, GObject)

/*
 * One channel's chat room, joined over the session's realtime connection
 * (docs/api.md, "Chat"), and joined again whenever that connection comes back.
 *
 * The messages are a GListModel of CascadeChatMessage, oldest first: the
 * history the server sends on joining, then each message as it arrives;
 * deleted messages, and the messages of a user timed out or banned, leave it.
 *
 * Read-only properties: "channel", "joined" (the server answered the join),
 * "open" (messages may be sent), "role" ("viewer", "moderator", "streamer",
 * "admin"), "can-moderate", "banned", "timeout-until" (ms since the epoch, 0
 * when not timed out), "following-since" (ms, 0 when not following),
 * "slow-seconds", "followers-only", "follow-age-seconds", "emote-only",
 * "viewers", "chatters", "emote-codes" (GStrv), "join-error" (why the server
 * refused the join, in words, or NULL).
 *
 * Signal "held" (CascadeChatMessage): to moderators, a message held back
 * because it matched a blocked term (it stays in cascade_chat_room_get_held()
 * until a moderator decides).
 *
 * Every call that the server refuses fails with a CASCADE_CLIENT_ERROR
 * whose code (cascade_client_error_get_code()) is the server's, and whose
 * message says in words what happened and what to do.
 */
CascadeChatRoom *cascade_chat_room_new (CascadeSession *session, const char *channel);

void cascade_chat_room_join (CascadeChatRoom *self);
void cascade_chat_room_leave (CascadeChatRoom *self);

const char *cascade_chat_room_get_channel (CascadeChatRoom *self);
/* The session's client, for the room's images (emotes). */
CascadeClient *cascade_chat_room_get_client (CascadeChatRoom *self);
GListModel *cascade_chat_room_get_messages (CascadeChatRoom *self);
gboolean cascade_chat_room_get_joined (CascadeChatRoom *self);
gboolean cascade_chat_room_get_open (CascadeChatRoom *self);
const char *cascade_chat_room_get_role (CascadeChatRoom *self);
gboolean cascade_chat_room_get_can_moderate (CascadeChatRoom *self);
gboolean cascade_chat_room_get_banned (CascadeChatRoom *self);
gint64 cascade_chat_room_get_timeout_until (CascadeChatRoom *self);
gint64 cascade_chat_room_get_following_since (CascadeChatRoom *self);
guint cascade_chat_room_get_slow_seconds (CascadeChatRoom *self);
gboolean cascade_chat_room_get_followers_only (CascadeChatRoom *self);
guint cascade_chat_room_get_follow_age_seconds (CascadeChatRoom *self);
gboolean cascade_chat_room_get_emote_only (CascadeChatRoom *self);
guint cascade_chat_room_get_viewers (CascadeChatRoom *self);
guint cascade_chat_room_get_chatters (CascadeChatRoom *self);
const char *const *cascade_chat_room_get_emote_codes (CascadeChatRoom *self);
const char *cascade_chat_room_get_join_error (CascadeChatRoom *self);
const char *cascade_chat_room_get_emote_url (CascadeChatRoom *self, const char *code);
/* The signed-in user's username, for mentions (NULL when signed out). */
const char *cascade_chat_room_get_username (CascadeChatRoom *self);
/* Usernames seen in the room (senders and the last chatter list), sorted. */
GStrv cascade_chat_room_dup_known_usernames (CascadeChatRoom *self);

/* Sends @text; finishes with the stored message's id. */
void cascade_chat_room_send_async (CascadeChatRoom *self,
                                   const char *text,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data);
char *cascade_chat_room_send_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error);

/* Moderation; each finishes with cascade_chat_room_moderate_finish(). */
void cascade_chat_room_delete_message_async (CascadeChatRoom *self,
                                             const char *message_id,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer user_data);
void cascade_chat_room_timeout_async (CascadeChatRoom *self,
                                      const char *username,
                                      guint seconds,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
void cascade_chat_room_ban_async (CascadeChatRoom *self,
                                  const char *username,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
void cascade_chat_room_unban_async (CascadeChatRoom *self,
                                    const char *username,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
/* Each of slow_seconds, followers_only, follow_age_seconds, emote_only: -1
 * leaves it as it is. */
void cascade_chat_room_set_modes_async (CascadeChatRoom *self,
                                        int slow_seconds,
                                        int followers_only,
                                        int follow_age_seconds,
                                        int emote_only,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean
cascade_chat_room_moderate_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error);

/* Asks for the chatter list; finishes with their usernames. */
void cascade_chat_room_list_chatters_async (CascadeChatRoom *self,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
GStrv cascade_chat_room_list_chatters_finish (CascadeChatRoom *self,
                                              GAsyncResult *result,
                                              GError **error);

/* Follows (or unfollows) the room's channel; "following-since" follows. */
void cascade_chat_room_follow_async (CascadeChatRoom *self,
                                     gboolean follow,
                                     GCancellable *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean
cascade_chat_room_follow_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error);

/* Moderation beyond single messages (cascade-chat-room-moderation.c). */
GListModel *cascade_chat_room_get_held (CascadeChatRoom *self);
void cascade_chat_room_decide_held_async (CascadeChatRoom *self,
                                          const char *message_id,
                                          gboolean approve,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);
GListModel *cascade_chat_room_get_mod_log (CascadeChatRoom *self);
gboolean cascade_chat_room_get_mod_log_complete (CascadeChatRoom *self);
void cascade_chat_room_load_mod_log_async (CascadeChatRoom *self,
                                           gboolean older,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
gboolean
cascade_chat_room_load_mod_log_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error);
void cascade_chat_room_blocked_terms_async (CascadeChatRoom *self,
                                            const char *const *terms,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
GStrv cascade_chat_room_blocked_terms_finish (CascadeChatRoom *self,
                                              GAsyncResult *result,
                                              GError **error);
void cascade_chat_room_list_moderators_async (CascadeChatRoom *self,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer user_data);
GStrv cascade_chat_room_list_moderators_finish (CascadeChatRoom *self,
                                                GAsyncResult *result,
                                                GError **error);
void cascade_chat_room_set_moderator_async (CascadeChatRoom *self,
                                            const char *username,
                                            gboolean add,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer user_data);
gboolean cascade_chat_room_set_moderator_finish (CascadeChatRoom *self,
                                                 GAsyncResult *result,
                                                 GError **error);

/* Adds an emote to one's own channel (PNG, at most 64 KiB and 128×128). */
void cascade_chat_room_add_emote_async (CascadeChatRoom *self,
                                        const char *code,
                                        GBytes *png,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean
cascade_chat_room_add_emote_finish (CascadeChatRoom *self, GAsyncResult *result, GError **error);

G_END_DECLS
