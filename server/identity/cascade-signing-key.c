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

static gboolean
key_error (GError **error, const char *path, const char *problem, int saved_errno)
{
  g_set_error (error, CASCADE_SERVER_ERROR, CASCADE_SERVER_ERROR_CONFIG, "Signing key %s: %s%s%s",
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

/* Returns FALSE with @error, or TRUE with *found telling whether the file exists. */
static gboolean
read_key_file (const char *path, guint8 *secret, gboolean *found, GError **error)
{
  struct stat st;
  int fd;
  gboolean ok;

  *found = FALSE;
  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return TRUE;
  if (fd < 0)
    return key_error (error, path, "cannot open it", errno);
  *found = TRUE;

  if (fstat (fd, &st) != 0)
    ok = key_error (error, path, "cannot read it", errno);
  else if (!S_ISREG (st.st_mode) || st.st_size != crypto_sign_SECRETKEYBYTES)
    ok = key_error (error, path, "it is not a key file of this server (64 bytes)", 0);
  else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    ok = key_error (error, path, "other users may access it; make it private (chmod 600)", 0);
  else
    ok = read_all (fd, secret, crypto_sign_SECRETKEYBYTES) ||
         key_error (error, path, "cannot read it", errno);
  close (fd);
  return ok;
}

static gboolean
create_key_file (const char *path, guint8 *secret, GError **error)
{
  guint8 public_key[crypto_sign_PUBLICKEYBYTES];
  int fd;

  crypto_sign_keypair (public_key, secret);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return key_error (error, path, "cannot create it", errno);
  if (fchmod (fd, 0600) != 0 || !write_all (fd, secret, crypto_sign_SECRETKEYBYTES) ||
      fsync (fd) != 0)
    {
      int saved_errno = errno;

      close (fd);
      g_unlink (path);
      return key_error (error, path, "cannot write it", saved_errno);
    }
  if (close (fd) != 0)
    {
      int saved_errno = errno;

      g_unlink (path);
      return key_error (error, path, "cannot write it", saved_errno);
    }
  g_message ("Created the token signing key %s", path);
  return TRUE;
}

/* The public half stored in the file must be the one the seed gives. */
static gboolean
check_key (const char *path, const guint8 *secret, GError **error)
{
  guint8 derived[crypto_sign_PUBLICKEYBYTES];
  guint8 *scratch = sodium_malloc (crypto_sign_SECRETKEYBYTES);
  gboolean ok;

  if (scratch == NULL)
    return key_error (error, path, "out of secure memory", 0);
  crypto_sign_seed_keypair (derived, scratch, secret);
  ok = sodium_memcmp (derived, secret + crypto_sign_SEEDBYTES, sizeof derived) == 0;
  sodium_free (scratch);
  return ok || key_error (error, path, "the file is damaged (its two halves do not match)", 0);
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
      key_error (error, path, "out of secure memory", 0);
      return NULL;
    }
  if (!read_key_file (path, self->secret, &found, error))
    return NULL;
  if (!found && !create_key_file (path, self->secret, error))
    return NULL;
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
