/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "cascade-signing-key.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct _CascadeSigningKey
{
  guint8 *secret; /* sodium_malloc: crypto_sign_SECRETKEYBYTES, read-only once loaded */
  guint8 public_key[crypto_sign_PUBLICKEYBYTES];
  char *x;
  char *kid;
};

#define SIGNING_KEY "Signing key"

static gboolean
key_error (GError **error, const char *what, const char *path, const char *problem, int saved_errno)
{
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG, "%s %s: %s%s%s", what,
               path, problem, saved_errno != 0 ? ": " : "",
               saved_errno != 0 ? g_strerror (saved_errno) : "");
  return FALSE;
}

static gboolean
read_all (int fd, guint8 *buffer, gsize length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = read (fd, buffer + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

static gboolean
write_all (int fd, const guint8 *buffer, gsize length)
{
  gsize done = 0;

  while (done < length)
    {
      gssize n = write (fd, buffer + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      done += n;
    }
  return TRUE;
}

/* Returns FALSE with @error, or TRUE with *found telling whether the file
 * exists (and then @length bytes of it in @secret). */
static gboolean
read_key_file (
  const char *what, const char *path, guint8 *secret, gsize length, gboolean *found, GError **error)
{
  struct stat st;
  int fd;
  gboolean ok;

  *found = FALSE;
  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    return key_error (error, what, path, "cannot open it", errno);
  *found = TRUE;

  if (fstat (fd, &st) != 0)
    ok = key_error (error, what, path, "cannot read it", errno);
  else if (!S_ISREG (st.st_mode) || (gsize) st.st_size != length)
    {
      g_autofree char *problem =
        g_strdup_printf ("it is not a key file of this server (%" G_GSIZE_FORMAT " bytes)", length);

      ok = key_error (error, what, path, problem, 0);
    }
  else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    ok = key_error (error, what, path, "other users may access it; make it private (chmod 600)", 0);
  else
    ok = read_all (fd, secret, length) || key_error (error, what, path, "cannot read it", errno);
  close (fd);
  return ok;
}

/* Writes @secret to a new file @path, mode 0600. */
static gboolean
write_key_file (
  const char *what, const char *path, const guint8 *secret, gsize length, GError **error)
{
  int fd;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return key_error (error, what, path, "cannot create it", errno);
  if (fchmod (fd, 0600) != 0 || !write_all (fd, secret, length) || fsync (fd) != 0)
    {
      int saved_errno = errno;

      close (fd);
      g_unlink (path);
      return key_error (error, what, path, "cannot write it", saved_errno);
    }
  if (close (fd) != 0)
    {
      int saved_errno = errno;

      g_unlink (path);
      return key_error (error, what, path, "cannot write it", saved_errno);
    }
  g_message ("Created the %s %s", what, path);
  return TRUE;
}

/**
 * cascade_key_file_load_or_create:
 * @what: what the key is, for messages ("TOTP encryption key")
 * @key: (out caller-allocates) (array length=length): best sodium_malloc'd
 *
 * Reads a secret key file of exactly @length bytes, or makes one of random
 * bytes (mode 0600) if there is none. A file others may read is an error.
 * Blocking: call at start.
 */
gboolean
cascade_key_file_load_or_create (
  const char *what, const char *path, guint8 *key, gsize length, GError **error)
{
  gboolean found;

  g_return_val_if_fail (what != NULL && path != NULL && key != NULL, FALSE);

  if (!read_key_file (what, path, key, length, &found, error))
    return FALSE;
  if (found)
    return TRUE;
  randombytes_buf (key, length);
  return write_key_file (what, path, key, length, error);
}

/* The public half stored in the file must be the one the seed gives. */
static gboolean
check_key (const char *path, const guint8 *secret, GError **error)
{
  guint8 derived[crypto_sign_PUBLICKEYBYTES];
  guint8 *scratch = sodium_malloc (crypto_sign_SECRETKEYBYTES);
  gboolean ok;

  if (scratch == NULL)
    return key_error (error, SIGNING_KEY, path, "out of secure memory", 0);
  crypto_sign_seed_keypair (derived, scratch, secret);
  ok = sodium_memcmp (derived, secret + crypto_sign_SEEDBYTES, sizeof derived) == 0;
  sodium_free (scratch);
  return ok || key_error (error, SIGNING_KEY, path,
                          "the file is damaged (its two halves do not match)", 0);
}

/* RFC 7638 thumbprint of the public JWK */
static char *
compute_kid (const char *x)
{
  g_autofree char *jwk = g_strdup_printf ("{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
  guint8 digest[crypto_hash_sha256_BYTES];

  crypto_hash_sha256 (digest, (const guint8 *) jwk, strlen (jwk));
  return cascade_base64url_encode (digest, sizeof digest);
}

/**
 * cascade_signing_key_load_or_create:
 * @path: usually <data-dir>/jwt-ed25519.key
 *
 * Loads the key, or makes a new one (mode 0600) if the file does not exist.
 * A key file others may read, or a damaged one, is an error. Blocking: call
 * at start.
 *
 * Returns: (transfer full): the key, or %NULL with @error set
 */
CascadeSigningKey *
cascade_signing_key_load_or_create (const char *path, GError **error)
{
  g_autoptr (CascadeSigningKey) self = NULL;
  gboolean found;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (CascadeSigningKey, 1);
  self->secret = sodium_malloc (crypto_sign_SECRETKEYBYTES);
  if (self->secret == NULL)
    {
      key_error (error, SIGNING_KEY, path, "out of secure memory", 0);
      return NULL;
    }
  if (!read_key_file (SIGNING_KEY, path, self->secret, crypto_sign_SECRETKEYBYTES, &found, error))
    return NULL;
  if (!found)
    {
      guint8 public_key[crypto_sign_PUBLICKEYBYTES];

      crypto_sign_keypair (public_key, self->secret);
      if (!write_key_file ("token signing key", path, self->secret, crypto_sign_SECRETKEYBYTES,
                           error))
        return NULL;
    }
  if (!check_key (path, self->secret, error))
    return NULL;
  sodium_mprotect_readonly (self->secret);

  crypto_sign_ed25519_sk_to_pk (self->public_key, self->secret);
  self->x = cascade_base64url_encode (self->public_key, sizeof self->public_key);
  self->kid = compute_kid (self->x);
  return g_steal_pointer (&self);
}

void
cascade_signing_key_free (CascadeSigningKey *self)
{
  if (self == NULL)
    return;
  if (self->secret != NULL)
    sodium_free (self->secret); /* wipes it */
  g_free (self->x);
  g_free (self->kid);
  g_free (self);
}

const guint8 *
cascade_signing_key_get_public_key (CascadeSigningKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->public_key;
}

/* The key id: the RFC 7638 thumbprint of the public key */
const char *
cascade_signing_key_get_kid (CascadeSigningKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->kid;
}

/* The public key, base64url (the "x" of its JWK) */
const char *
cascade_signing_key_get_x (CascadeSigningKey *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->x;
}

/* Returns: (transfer full): a signed access token carrying @claims */
char *
cascade_signing_key_sign (CascadeSigningKey *self, const CascadeJwtClaims *claims)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (claims != NULL, NULL);

  return cascade_jwt_sign (claims, self->kid, self->secret);
}

#define RETIRED_SUFFIX ".retired-"

/**
 * cascade_signing_key_rotate:
 * @data_dir: where the key lives
 *
 * Retires the current key (renamed to jwt-ed25519.key.retired-<seconds
 * since the epoch>) and makes a new one. A server started afterwards signs
 * with the new key and still verifies with the retired one until the
 * tokens it signed have expired (cascade_signing_key_load_retired()). Run
 * with the server stopped. Blocking.
 */
gboolean
cascade_signing_key_rotate (const char *data_dir, GError **error)
{
  g_autofree char *path = g_build_filename (data_dir, CASCADE_SIGNING_KEY_FILE, NULL);
  g_autofree char *retired = NULL;
  g_autoptr (CascadeSigningKey) old_key = NULL;
  g_autoptr (CascadeSigningKey) new_key = NULL;

  g_return_val_if_fail (data_dir != NULL, FALSE);

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                           "libsodium cannot be initialised");
      return FALSE;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG,
                   "There is no signing key to retire in %s", data_dir);
      return FALSE;
    }
  old_key = cascade_signing_key_load_or_create (path, error);
  if (old_key == NULL)
    return FALSE;
  retired = g_strdup_printf ("%s" RETIRED_SUFFIX "%" G_GINT64_FORMAT, path,
                             g_get_real_time () / G_USEC_PER_SEC);
  if (g_rename (path, retired) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_FAILED,
                   "Cannot retire the key %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  new_key = cascade_signing_key_load_or_create (path, error);
  return new_key != NULL;
}

/**
 * cascade_signing_key_load_retired:
 * @max_age: seconds a retired key keeps verifying (the access token TTL)
 *
 * Loads the retired keys of @data_dir that may still have unexpired tokens,
 * newest first, and deletes the older ones. Blocking.
 *
 * Returns: (transfer full) (element-type CascadeSigningKey): the keys
 */
GPtrArray *
cascade_signing_key_load_retired (const char *data_dir, guint max_age, GError **error)
{
  g_autoptr (GPtrArray) keys =
    g_ptr_array_new_with_free_func ((GDestroyNotify) cascade_signing_key_free);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GList) names = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  g_return_val_if_fail (data_dir != NULL, NULL);

  dir = g_dir_open (data_dir, 0, error);
  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, CASCADE_SIGNING_KEY_FILE RETIRED_SUFFIX))
      names = g_list_prepend (names, g_strdup (name));
  names = g_list_sort (names, (GCompareFunc) g_strcmp0);
  names = g_list_reverse (names);
  for (GList *l = names; l != NULL; l = l->next)
    {
      g_autofree char *file_name = l->data;
      g_autofree char *path = g_build_filename (data_dir, file_name, NULL);
      const char *stamp = file_name + strlen (CASCADE_SIGNING_KEY_FILE RETIRED_SUFFIX);
      guint64 retired_at = 0;
      CascadeSigningKey *key;

      l->data = NULL;
      if (!g_ascii_string_to_unsigned (stamp, 10, 0, G_MAXINT64, &retired_at, NULL))
        continue;
      if ((gint64) retired_at + max_age < now)
        {
          g_message ("Deleting the retired signing key %s: its tokens have all expired", path);
          g_unlink (path);
          continue;
        }
      key = cascade_signing_key_load_or_create (path, error);
      if (key == NULL)
        return NULL;
      g_ptr_array_add (keys, key);
    }
  return g_steal_pointer (&keys);
}
