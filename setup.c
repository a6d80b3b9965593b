/* hutch — phase 3 (build): the new root, from the ordered setup ops.
 *
 * Layout while building (inside the new mount namespace):
 *
 *   /            a private tmpfs (the "base"), invisible to the sandbox
 *   /newroot     bind of a base directory on itself: the sandbox's "/"
 *   /oldroot     the host's tree, used only as a source of bind mounts
 *
 * Destinations are always resolved relative to an O_PATH fd of /newroot
 * with RESOLVE_IN_ROOT, so ".." and symlinks (even absolute ones, even
 * planted by the host in a writable bind) cannot lead out of the new root.
 * Sources are resolved in the same way relative to /oldroot.  Mounts are
 * made with the fd-based mount API and attached on the resolved fds (or,
 * where that API is missing, with mount(2) on the fds' /proc/self/fd
 * links: bind-mount.c chooses, once, and the ops below do not change).
 */
#include "config.h"

#include "setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "bind-mount.h"
#include "diagnose.h"
#include "privilege.h"
#include "utils.h"

/* Where the base tmpfs is mounted before the pivot (a path of the new
 * mount namespace; the host's own /tmp is not touched). */
#define BASE_MOUNT_POINT "/tmp"

/* ---- Sources, checked before any mount, in the caller's view. ---- */

struct resolved_op
{
  char *src;           /* binds: realpath (op->src) with the mount(2) fallback; with the
                        * fd-based API NULL (op->src is used as is), op->src made
                        * absolute, or the realpath of a /proc path (check_source());
                        * the upper dir of OP_OVERLAY */
  char *workdir;       /* realpath (op->workdir): OP_OVERLAY */
  char **overlay_srcs; /* realpath of each --overlay-src */
  bool skip;           /* a -try variant whose source is missing */
  bool src_is_dir;     /* binds with the fd-based API: the source's kind */
};

static struct resolved_op *resolved_ops;
static size_t n_resolved_ops;

/* realpath(), dying unless the source may be missing. */
static char *
resolve_source (const char *path, bool may_be_missing, bool *missing)
{
  char *real = realpath (path, NULL);

  if (real != NULL)
    return real;
  if (may_be_missing && errno == ENOENT)
    {
      *missing = true;
      return NULL;
    }
  die_with_error ("Can't find source path %s", path);
}

static const char *
bind_source_path (const char *src, const struct resolved_op *r)
{
  return r->src != NULL ? r->src : src;
}

/* With the fd-based API a bind's source is not resolved here but looked
 * up by path when it is bound (bind_clone_path(), from the host's "/"):
 * here it is only checked, with the very errors realpath() would give,
 * and its kind noted.  A relative path is made absolute (as realpath()
 * would, from the cwd's path) so that it means the same then. */
static void
check_source (const char *path, const char *cwd, bool may_be_missing, struct resolved_op *r)
{
  struct stat st;

  if (path[0] != '/' && cwd == NULL)
    errno = ENOENT; /* realpath() of a relative path needs the cwd's path */
  else if (stat (path, &st) == 0)
    {
      r->src_is_dir = S_ISDIR (st.st_mode);
      if (path[0] != '/')
        r->src = xasprintf ("%s/%s", strcmp (cwd, "/") == 0 ? "" : cwd, path);
      /* /proc/self/cwd and the like would mean something else by then:
       * resolved now, as the text the kernel gives for them. */
      if (strncmp (bind_source_path (path, r), "/proc/", 6) == 0)
        {
          char *real = resolve_source (path, may_be_missing, &r->skip);
          free (r->src);
          r->src = real;
        }
      return;
    }
  if (may_be_missing && errno == ENOENT)
    {
      r->skip = true;
      return;
    }
  die_with_error ("Can't find source path %s", path);
}

void
setup_resolve_sources (struct sandbox *sb, struct run *run)
{
  bool fd_based;

  /* Once per run: the fd-based mount API, or the mount(2) fallback (a
   * test may force it, except in the setuid mode). */
  fd_based = mount_api_choose (run->proc_fd, !privilege_is_setuid ()) == MOUNT_API_NEW;

  resolved_ops = xcalloc (sb->n_ops, sizeof *resolved_ops);
  n_resolved_ops = sb->n_ops;

  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct setup_op *op = &sb->ops[i];
      struct resolved_op *r = &resolved_ops[i];

      switch (op->type)
        {
        case OP_BIND:
        case OP_RO_BIND:
        case OP_DEV_BIND:
          if (fd_based)
            check_source (op->src, run->old_cwd, (op->flags & OPF_TRY) != 0, r);
          else
            r->src = resolve_source (op->src, (op->flags & OPF_TRY) != 0, &r->skip);
          break;

        case OP_OVERLAY:
          r->src = resolve_source (op->src, false, NULL);
          r->workdir = resolve_source (op->workdir, false, NULL);
          /* fall through */
        case OP_TMP_OVERLAY:
        case OP_RO_OVERLAY:
          r->overlay_srcs = xcalloc (op->n_overlay_srcs + 1, sizeof (char *));
          for (size_t j = 0; j < op->n_overlay_srcs; j++)
            r->overlay_srcs[j] = resolve_source (op->overlay_srcs[j], false, NULL);
          break;

        default:
          break;
        }
    }
}

/* ---- State of the build. ---- */

struct build
{
  const struct sandbox *sb;
  struct run *run;
  int base_fd;         /* O_PATH: the base tmpfs ("/" after the first pivot) */
  int oldroot_fd;      /* O_PATH: the host's tree */
  int newroot_fd;      /* O_PATH: topmost mount at /newroot */
  struct stat root_st; /* of newroot_fd */
  bool root_covered;   /* an op mounted on the sandbox's "/": reopen newroot_fd */
  /* The last destination's parent directory, kept for the next op whose
   * destination is in the same one: its path inside the new root and an
   * O_PATH fd; forgotten whenever a mount lands on something that
   * existed (it could cover that directory or one above it). */
  char *parent_path;
  int parent_fd;
  bool host_view; /* "/" is the host's tree: see view_host() */
  char *tty;      /* ttyname (1) on the host, for --dev's console; NULL: none */
  bool overlay_mnt_made;
};

/* Binds with the fd-based API look their sources up by path from "/"
 * (bind_clone_path()), which for them must be the host's tree as the
 * caller sees it: "/" is moved to /oldroot with chroot(2) while the cwd
 * stays in the base, outside it; nothing else is looked up by an
 * absolute path meanwhile (destinations are resolved from fds, with
 * RESOLVE_IN_ROOT).  The few things that name the base by absolute path
 * (overlays, the mount(2) fallback, the end of the build) move "/" back
 * first: a chroot(2) each way, once per run of binds. */
static void
view_host (struct build *b)
{
  if (b->host_view)
    return;
  if (chroot ("oldroot") < 0) /* the cwd is the base's root */
    die_with_error ("Can't chroot to the host's root");
  b->host_view = true;
}

static void
view_base (struct build *b)
{
  if (!b->host_view)
    return;
  if (chroot (".") < 0)
    die_with_error ("Can't chroot back to the base");
  b->host_view = false;
}

static void
forget_parent (struct build *b)
{
  cleanup_closep (&b->parent_fd);
  b->parent_fd = -1;
  free (b->parent_path);
  b->parent_path = NULL;
}

static const struct resolved_op *
resolved (size_t i)
{
  static const struct resolved_op none;
  return i < n_resolved_ops ? &resolved_ops[i] : &none;
}

/* An op's mode: given with --perms, else the op's default; false when
 * the op has no mode at all. */
static bool
op_mode (const struct setup_op *op, mode_t *mode)
{
  mode_t def;

  switch (op->type)
    {
    case OP_DIR:
    case OP_TMPFS:
      def = 0755;
      break;
    case OP_FILE:
      def = 0666;
      break;
    case OP_BIND_DATA:
    case OP_RO_BIND_DATA:
      def = 0600;
      break;
    default:
      return false;
    }
  *mode = (op->flags & OPF_PERMS_SET) ? op->perms : def;
  return true;
}

/* The mode of the parent directories an op creates for its destination,
 * as bubblewrap 0.11.1 makes them: 0755 less the group's bits when the
 * op's mode gives the group nothing, less the others' when it gives them
 * nothing.  An op without a mode of its own counts as mode 0 there, so
 * its new parents are 0700 (binds, --symlink, --proc, --dev, --mqueue,
 * overlays, --bind-fd), as seen by the command, which owns them. */
static mode_t
parent_mode (const struct build *b, const struct setup_op *op)
{
  mode_t m = 0755, mode = 0;

  /* Not when the ids change after the build (--uid-map, --map-subids
   * with --uid): the parents' owner is not the command's uid then, and
   * 0700 would lock it out of them. */
  if (!op_mode (op, &mode) && b->run->switch_ids)
    mode = 0755;
  if ((mode & 0070) == 0)
    m &= ~(mode_t) 0050;
  if ((mode & 0007) == 0)
    m &= ~(mode_t) 0005;
  return m;
}

/* ---- Destinations inside the new root. ---- */

/* Open (O_PATH) the directory that `path` names inside the root,
 * creating each missing directory on the way with `mode`, one at a time,
 * with mkdirat() on the directory already resolved.  Each prefix ("a",
 * "a/b", "a/b/..", ...) is looked up from the root with RESOLVE_IN_ROOT,
 * so a ".." means what the kernel makes of it after the symlinks before
 * it ("lib64/.." is "/usr" where lib64 -> usr/lib64), a ".." at the top
 * stays at the top, and no symlink leads out. */
static int
open_dirs (int rootfd, const char *path, mode_t mode)
{
  char *dir, *comp, *save = NULL;
  int fd;

  /* Common case: it exists. */
  fd = open_in_root (rootfd, path, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd;

  _cleanup_free_ char *prefix = xcalloc (1, strlen (path) + 2);
  _cleanup_free_ char *work = xstrdup (path);
  fd = open_in_root (rootfd, ".", O_PATH | O_DIRECTORY, 0);
  for (dir = work; fd >= 0 && (comp = strtok_r (dir, "/", &save)) != NULL; dir = NULL)
    {
      int next;

      if (strcmp (comp, ".") == 0)
        continue;
      strcat (prefix, "/");
      strcat (prefix, comp);
      next = open_in_root (rootfd, prefix, O_PATH | O_DIRECTORY, 0);
      if (next < 0 && errno == ENOENT && strcmp (comp, "..") != 0)
        {
          if (mkdirat (fd, comp, mode) < 0 && errno != EEXIST)
            {
              cleanup_closep (&fd);
              return -1;
            }
          next = open_in_root (rootfd, prefix, O_PATH | O_DIRECTORY, 0);
        }
      cleanup_closep (&fd);
      fd = next;
    }
  return fd;
}

/* Open (O_PATH) the directory that contains the last component of `path`
 * inside the root, creating missing directories (open_dirs()).  *leaf
 * points into *copy; it is NULL when the last component is not a name of
 * its own ("/", "a/.", "a/b/.."): then the fd is of the directory the
 * whole path names, made if missing. */
static int
open_parent_dir (int rootfd, const char *path, mode_t mode, char **copy, const char **leaf)
{
  char *p = xstrdup (path);
  size_t len = strlen (p);
  char *slash;

  *copy = p;
  while (len > 0 && p[len - 1] == '/')
    p[--len] = '\0';
  slash = strrchr (p, '/');
  *leaf = slash ? slash + 1 : p;
  if (**leaf == '\0' || strcmp (*leaf, ".") == 0 || strcmp (*leaf, "..") == 0)
    {
      *leaf = NULL;
      return open_dirs (rootfd, p, mode);
    }
  if (slash == NULL)
    return open_in_root (rootfd, ".", O_PATH | O_DIRECTORY, 0);
  *slash = '\0';
  return open_dirs (rootfd, p, mode);
}

enum dest_kind
{
  DEST_DIR,
  DEST_FILE,
};

static void NORETURN
die_dest (const char *dest, enum dest_kind kind, int errnum)
{
  errno = errnum;
  if (kind == DEST_DIR)
    die_with_error ("Can't mkdir %s", dest);
  die_with_error ("Can't create file at %s", dest);
}

/* An existing destination must be of the kind the mount needs. */
static void
check_dest_kind (int fd, const char *dest, enum dest_kind kind, struct stat *st)
{
  if (fstat (fd, st) < 0)
    die_dest (dest, kind, errno);
  if (kind == DEST_DIR && !S_ISDIR (st->st_mode))
    die_dest (dest, kind, ENOTDIR);
  if (kind == DEST_FILE && S_ISDIR (st->st_mode))
    die_dest (dest, kind, EISDIR);
}

/* Open `dest` inside the new root as a mount point: use it if it exists,
 * else create it (a directory, or an empty regular file) with `mode`,
 * creating missing parents.  Dies with a message naming `dest`. */
static int
open_dest (struct build *b, const struct setup_op *op, const char *dest, enum dest_kind kind,
           mode_t mode)
{
  _cleanup_free_ char *copy = NULL;
  _cleanup_close_ int parent = -1;
  const char *leaf;
  struct stat st;
  int fd;

  fd = open_in_root (b->newroot_fd, dest, O_PATH, 0);
  if (fd >= 0)
    {
      check_dest_kind (fd, dest, kind, &st);
      /* A mount is about to land on something that existed. */
      forget_parent (b);
      if (st.st_dev == b->root_st.st_dev && st.st_ino == b->root_st.st_ino)
        b->root_covered = true;
      return fd;
    }

  parent = open_parent_dir (b->newroot_fd, dest, parent_mode (b, op), &copy, &leaf);
  if (parent < 0)
    die_with_error ("Can't mkdir parents for %s", dest);

  if (leaf == NULL)
    {
      /* "a/b/..": a directory, made now with its parents. */
      fd = steal_fd (&parent);
      check_dest_kind (fd, dest, kind, &st);
      forget_parent (b);
      if (st.st_dev == b->root_st.st_dev && st.st_ino == b->root_st.st_ino)
        b->root_covered = true;
      return fd;
    }
  if (kind == DEST_DIR)
    {
      if (mkdirat (parent, leaf, mode) < 0 && errno != EEXIST)
        die_dest (dest, kind, errno);
    }
  else
    {
      fd = openat (parent, leaf, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                   mode);
      if (fd >= 0)
        return fd;
      if (errno != EEXIST)
        die_dest (dest, kind, errno);
    }

  /* Created now (or raced into existence): resolve it again, inside. */
  fd = open_in_root (b->newroot_fd, dest, O_PATH, 0);
  if (fd < 0)
    die_dest (dest, kind, errno);
  check_dest_kind (fd, dest, kind, &st);
  forget_parent (b);
  return fd;
}

/* The fast way to a mount point that does not exist yet: make it (a
 * directory, or an empty file with *file_out its fd) in its parent
 * directory, which is looked up once and kept while the next ops bind
 * into the same one (/d/1, /d/2, ...).  False, having made nothing, when
 * the destination exists, its parent does not, or anything fails: then
 * open_dest() takes over, and says what is wrong. */
static bool
make_dest (struct build *b, const char *dest, enum dest_kind kind, mode_t mode, char **copy,
           const char **leaf, int *file_out)
{
  size_t len = strlen (dest);
  char *p, *slash;

  while (len > 0 && dest[len - 1] == '/')
    len--;
  p = xasprintf ("%.*s", (int) len, dest);
  slash = strrchr (p, '/');
  *leaf = slash ? slash + 1 : p;
  if (slash == NULL || **leaf == '\0' || strcmp (*leaf, ".") == 0 || strcmp (*leaf, "..") == 0)
    {
      free (p);
      return false;
    }
  *slash = '\0';

  if (b->parent_path == NULL || strcmp (b->parent_path, p) != 0)
    {
      int fd = open_in_root (b->newroot_fd, p, O_PATH | O_DIRECTORY, 0);
      if (fd < 0)
        {
          free (p);
          return false;
        }
      forget_parent (b);
      b->parent_fd = fd;
      b->parent_path = xstrdup (p);
    }

  *copy = p;
  if (kind == DEST_DIR)
    {
      *file_out = -1;
      if (mkdirat (b->parent_fd, *leaf, mode) == 0)
        return true;
    }
  else
    {
      *file_out = openat (b->parent_fd, *leaf,
                          O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
      if (*file_out >= 0)
        return true;
    }
  free (p);
  *copy = NULL;
  return false;
}

/* A path under an op's destination, for messages only. */
static char *
sub_path (const char *dest, const char *name)
{
  size_t len = strlen (dest);

  while (len > 0 && dest[len - 1] == '/')
    len--;
  return xasprintf ("%.*s/%s", (int) len, dest, name);
}

/* ---- Bind mounts. ---- */

static void
op_bind (struct build *b, size_t i, const struct setup_op *op)
{
  const struct resolved_op *r = resolved (i);
  bool fd_based = mount_api_fd_based ();
  unsigned flags = 0;
  _cleanup_close_ int src = -1;
  _cleanup_close_ int tree = -1;
  _cleanup_close_ int dest = -1;
  _cleanup_free_ char *copy = NULL;
  const char *leaf = NULL;
  enum dest_kind kind;
  enum bind_result res;

  if (r->skip)
    return;
  if (r->src == NULL && !fd_based)
    die ("Internal error: source of %s was not resolved", op->dest);

  if (op->type == OP_RO_BIND)
    flags |= BIND_READONLY;
  if (op->type == OP_DEV_BIND)
    flags |= BIND_DEVICES;

  /* The source's kind: checked beforehand with the fd-based API, else
   * from an fd of it (opened below /oldroot: realpath() made the path
   * canonical), which the fallback copies from. */
  if (fd_based)
    kind = r->src_is_dir ? DEST_DIR : DEST_FILE;
  else
    {
      struct stat st;

      src = open_in_root (b->oldroot_fd, r->src, O_PATH, 0);
      if (src < 0)
        {
          if ((op->flags & OPF_TRY) && errno == ENOENT)
            return;
          die_with_bind_result (BIND_OPEN_SOURCE, errno, "Can't bind mount %s on %s", op->src,
                                op->dest);
        }
      if (fstat (src, &st) < 0)
        die_with_error ("Can't get type of source %s", op->src);
      kind = S_ISDIR (st.st_mode) ? DEST_DIR : DEST_FILE;
    }

  if (!make_dest (b, op->dest, kind, kind == DEST_DIR ? 0755 : 0444, &copy, &leaf, &dest))
    dest = open_dest (b, op, op->dest, kind, kind == DEST_DIR ? 0755 : 0444);

  if (fd_based)
    {
      /* By path, from the host's "/": no fd of the source to open. */
      const char *path = bind_source_path (op->src, r);

      view_host (b);
      res = bind_clone_path (path, flags, &tree);
      if (res == BIND_CLONE && errno == EINVAL)
        {
          /* Through a magic link to a file opened before clone, on a
           * mount of the caller's namespace (/dev/stdin): realpath() makes
           * it the path of that file, in ours, as it did before. */
          _cleanup_free_ char *real = realpath (path, NULL);
          if (real == NULL && !((op->flags & OPF_TRY) && errno == ENOENT))
            die_with_error ("Can't find source path %s", op->src);
          if (real == NULL)
            return;
          res = bind_clone_path (real, flags, &tree);
        }
      if (res == BIND_OPEN_SOURCE && (op->flags & OPF_TRY) && errno == ENOENT)
        return; /* gone since it was checked: as if it had been missing then */
    }
  else
    res = bind_clone_tree (src, flags, &tree);
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount %s on %s", op->src, op->dest);

  if ((dest >= 0 ? mount_attach (tree, dest) : mount_attach_at (tree, b->parent_fd, leaf)) < 0)
    die_with_bind_result (BIND_ATTACH, errno, "Can't bind mount %s on %s", op->src, op->dest);
}

/* --bind-fd: the fd belongs to the caller's mount namespace, which
 * open_tree() refuses to copy from; find the same file in ours (by the
 * path the kernel reports for it) and check that it is the same inode. */
static void
op_bind_fd (struct build *b, const struct setup_op *op)
{
  char link[64], path[PATH_MAX];
  _cleanup_close_ int src = -1;
  _cleanup_close_ int dest = -1;
  struct stat st_fd, st_src;
  enum bind_result res;
  ssize_t n;

  if (fstat (op->fd, &st_fd) < 0)
    die_with_error ("Can't bind mount fd %d on %s", op->fd, op->dest);

  snprintf (link, sizeof link, "self/fd/%d", op->fd);
  n = readlinkat (b->run->proc_fd, link, path, sizeof path - 1);
  if (n < 0)
    die_with_error ("Can't bind mount fd %d on %s: can't find its path", op->fd, op->dest);
  path[n] = '\0';

  src = open_in_root (b->oldroot_fd, path, O_PATH, 0);
  if (src < 0 && path[0] != '/')
    errno = ENOENT; /* "pipe:[...]", "anon_inode:..." */
  if (src < 0 || fstat (src, &st_src) < 0)
    die_with_bind_result (BIND_OPEN_SOURCE, errno, "Can't bind mount fd %d (%s) on %s", op->fd,
                          path, op->dest);
  if (st_src.st_dev != st_fd.st_dev || st_src.st_ino != st_fd.st_ino)
    die ("Can't bind mount fd %d on %s: %s is no longer the file it refers to", op->fd,
         op->dest, path);

  dest = open_dest (b, op, op->dest, S_ISDIR (st_src.st_mode) ? DEST_DIR : DEST_FILE,
                    S_ISDIR (st_src.st_mode) ? 0755 : 0444);
  res = bind_mount_fd (src, dest, op->type == OP_RO_BIND_FD ? BIND_READONLY : 0);
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount %s on %s", path, op->dest);
  (void) close (op->fd);
}

static void
op_remount_ro (struct build *b, const struct setup_op *op)
{
  _cleanup_close_ int dest = open_in_root (b->newroot_fd, op->dest, O_PATH, 0);

  if (dest < 0)
    die_with_error ("Can't remount readonly on %s", op->dest);
  if (bind_remount_ro (dest) != BIND_OK)
    die_with_error ("Can't remount readonly on %s", op->dest);
}

/* ---- Files and data. ---- */

/* Write everything from `from` (closed afterwards) into a new file
 * `name` in the base tmpfs; returns its fd. */
static int
data_file_in_base (struct build *b, const struct setup_op *op, size_t i, mode_t mode)
{
  char name[64];
  int fd, r;

  snprintf (name, sizeof name, "bind-data-%zu", i);
  fd = openat (b->base_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    die_with_error ("Can't create file at %s", op->dest);
  r = copy_fd (op->fd, fd);
  if (r < 0)
    {
      errno = -r;
      die_with_error ("Can't write data to file %s", op->dest);
    }
  (void) close (op->fd);
  return fd;
}

static void
op_bind_data (struct build *b, size_t i, const struct setup_op *op)
{
  mode_t mode = 0600;
  _cleanup_close_ int data = -1;
  _cleanup_close_ int dest = -1;
  enum bind_result res;

  (void) op_mode (op, &mode);
  data = data_file_in_base (b, op, i, mode);
  dest = open_dest (b, op, op->dest, DEST_FILE, 0444);
  res = bind_mount_fd (data, dest, op->type == OP_RO_BIND_DATA ? BIND_READONLY : 0);
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount data on %s", op->dest);
}

static void
op_file (struct build *b, const struct setup_op *op)
{
  const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_NONBLOCK;
  mode_t mode = 0666;
  _cleanup_close_ int fd = -1;
  int r;

  (void) op_mode (op, &mode);
  /* Like creat(): an existing file (or one reached through a symlink,
   * always inside the new root) is truncated. */
  fd = open_in_root (b->newroot_fd, op->dest, flags, mode);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    {
      _cleanup_free_ char *copy = NULL;
      _cleanup_close_ int parent = -1;
      const char *leaf;

      parent = open_parent_dir (b->newroot_fd, op->dest, parent_mode (b, op), &copy, &leaf);
      if (parent < 0)
        die_with_error ("Can't mkdir parents for %s", op->dest);
      fd = open_in_root (b->newroot_fd, op->dest, flags, mode);
    }
  if (fd < 0)
    die_with_error ("Can't create file %s", op->dest);

  r = copy_fd (op->fd, fd);
  if (r < 0)
    {
      errno = -r;
      die_with_error ("Can't write data to file %s", op->dest);
    }
  (void) close (op->fd);
}

static void
op_dir (struct build *b, const struct setup_op *op)
{
  mode_t mode = 0755;
  _cleanup_free_ char *copy = NULL;
  _cleanup_close_ int fd = -1;
  const char *leaf;

  (void) op_mode (op, &mode);
  fd = open_in_root (b->newroot_fd, op->dest, O_PATH, 0);
  if (fd >= 0)
    {
      struct stat st;

      /* Exists: its mode is left alone (that is what --chmod is for). */
      check_dest_kind (fd, op->dest, DEST_DIR, &st);
      return;
    }

  fd = open_parent_dir (b->newroot_fd, op->dest, parent_mode (b, op), &copy, &leaf);
  if (fd < 0)
    die_with_error ("Can't mkdir parents for %s", op->dest);
  if (leaf == NULL)
    return; /* "a/b/..": made with the parents */
  if (mkdirat (fd, leaf, mode) < 0 && errno != EEXIST)
    die_with_error ("Can't mkdir %s", op->dest);
}

static void NORETURN
die_symlink_exists (const struct setup_op *op)
{
  die ("Can't make symlink at %s: destination exists and is not a symlink", op->dest);
}

static void
op_symlink (struct build *b, const struct setup_op *op)
{
  _cleanup_free_ char *copy = NULL;
  _cleanup_close_ int parent = -1;
  const char *leaf;
  char existing[PATH_MAX];
  ssize_t n;

  parent = open_parent_dir (b->newroot_fd, op->dest, parent_mode (b, op), &copy, &leaf);
  if (parent < 0)
    die_with_error ("Can't mkdir parents for %s", op->dest);
  if (leaf == NULL)
    die_symlink_exists (op); /* "/", "a/.", "a/..": a directory */
  if (symlinkat (op->src, parent, leaf) == 0)
    return;
  if (errno != EEXIST)
    die_with_error ("Can't make symlink at %s", op->dest);

  /* Already there: fine if it is the same symlink. */
  n = readlinkat (parent, leaf, existing, sizeof existing - 1);
  if (n < 0 && errno == EINVAL)
    die_symlink_exists (op);
  if (n < 0)
    die_with_error ("Can't make symlink at %s: it exists, and its target can't be read", op->dest);
  existing[n] = '\0';
  if (strcmp (existing, op->src) != 0)
    die ("Can't make symlink at %s: existing destination is %s", op->dest, existing);
}

static void
op_chmod (struct build *b, const struct setup_op *op)
{
  _cleanup_close_ int fd = open_in_root (b->newroot_fd, op->dest, O_PATH, 0);
  char link[64];

  if (fd < 0)
    die_with_error ("Can't chmod %#o %s", (unsigned) op->perms, op->dest);

  /* fchmod() refuses O_PATH fds: use fchmodat2 (AT_EMPTY_PATH) where the
   * kernel has it, else the fd's /proc magic link (chmod follows it to
   * the very inode the fd holds, wherever it is). */
  if (syscall (__NR_fchmodat2, fd, "", op->perms, AT_EMPTY_PATH) == 0)
    return;
  if (errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
    die_with_error ("Can't chmod %#o %s", (unsigned) op->perms, op->dest);

  snprintf (link, sizeof link, "self/fd/%d", fd);
  if (fchmodat (b->run->proc_fd, link, op->perms, 0) < 0)
    die_with_error ("Can't chmod %#o %s", (unsigned) op->perms, op->dest);
}

/* ---- New filesystems. ---- */

/* Mount a new filesystem on `dest` (created as a directory if missing);
 * returns the attached mount's fd. */
static int
mount_fs_on (struct build *b, const struct setup_op *op, const char *fstype,
             const struct fs_param *params, size_t n_params, unsigned attrs)
{
  _cleanup_close_ int dest = open_dest (b, op, op->dest, DEST_DIR, 0755);
  int mnt = mount_new_fs (fstype, params, n_params, attrs);

  if (mnt < 0 || mount_attach (mnt, dest) < 0)
    die_with_error ("Can't mount %s on %s", fstype, op->dest);
  return mnt;
}

static void
op_tmpfs (struct build *b, const struct setup_op *op)
{
  char mode[16], size[32];
  struct fs_param params[2] = { { "mode", mode }, { "size", size } };
  mode_t m = 0755;

  (void) op_mode (op, &m);
  snprintf (mode, sizeof mode, "0%o", (unsigned) m);
  snprintf (size, sizeof size, "%zu", op->size);
  int fd = mount_fs_on (b, op, "tmpfs", params, (op->flags & OPF_SIZE_SET) ? 2 : 1,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  cleanup_closep (&fd);
}

static void
op_mqueue (struct build *b, const struct setup_op *op)
{
  int fd = mount_fs_on (b, op, "mqueue", NULL, 0, 0);
  cleanup_closep (&fd);
}

/* The procfs for `dest`; returns the attached mount's fd.  With a PID
 * namespace of its own the sandbox gets a new procfs, or nothing: a
 * refusal is an error (a procfs of the outer namespace would show other
 * processes as /proc/self and /proc/$$).  Without one, like bubblewrap,
 * the outer /proc is bound, with the mounts on it. */
static int
proc_mount (struct build *b, const struct setup_op *op, int dest)
{
  _cleanup_close_ int host = -1;
  enum bind_result res;
  int mnt;

  if (b->sb->unshare_pid || b->sb->pidns_fd >= 0)
    {
      mnt = mount_new_fs ("proc", NULL, 0, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
      if (mnt < 0 && (errno == EPERM || errno == EACCES))
        {
          int err = errno;
          view_host (b); /* mountinfo's paths as the caller sees them */
          diagnose_die_proc_refused (b->run->proc_fd, op->dest, err);
        }
    }
  else
    {
      host = open_in_root (b->oldroot_fd, "/proc", O_PATH | O_DIRECTORY, 0);
      if (host < 0)
        die_with_error ("Can't mount proc on %s: the outer /proc can't be opened", op->dest);
      res = bind_clone_tree (host, 0, &mnt);
      if (res != BIND_OK)
        die_with_bind_result (res, errno, "Can't mount proc on %s", op->dest);
    }
  if (mnt < 0 || mount_attach (mnt, dest) < 0)
    die_with_error ("Can't mount proc on %s", op->dest);
  return mnt;
}

/* Could this process write `name` in the procfs `proc`?  As bubblewrap,
 * by access(2); /proc/sys itself never is writable, but the sysctls in it
 * are for the host's root, which kernel.hostname stands for. */
static bool
proc_entry_writable (int proc, const char *name)
{
  if (faccessat (proc, name, W_OK, 0) == 0)
    return true;
  if (errno != EACCES && errno != ENOENT && errno != EROFS)
    return true; /* unsure: covered */
  return strcmp (name, "sys") == 0 && faccessat (proc, "sys/kernel/hostname", W_OK, 0) == 0;
}

static void
op_proc (struct build *b, const struct setup_op *op)
{
  /* Parts of /proc that could let a process affect the host (sysctls,
   * sysrq, irq affinity, bus devices), covered read-only where this
   * process could write them (root), as bubblewrap does; others could
   * not write them anyway, and a read-only mount on top would keep a
   * sandbox inside this one from mounting a procfs of its own (the
   * kernel refuses one where a locked mount hides part of /proc). */
  static const char *const covered[] = { "sys", "sysrq-trigger", "irq", "bus" };
  _cleanup_close_ int dest = open_dest (b, op, op->dest, DEST_DIR, 0755);
  _cleanup_close_ int proc = proc_mount (b, op, dest);

  for (size_t k = 0; k < N_ELEMENTS (covered); k++)
    {
      enum bind_result res;

      if (!proc_entry_writable (proc, covered[k]))
        continue;
      res = bind_cover_ro (proc, covered[k]);
      if (res == BIND_OPEN_SOURCE)
        {
          if (errno == ENOENT || errno == EACCES)
            continue;
          die_with_error ("Can't open %s", sub_path (op->dest, covered[k]));
        }
      if (res != BIND_OK)
        die_with_bind_result (res, errno, "Can't bind mount %s read-only",
                              sub_path (op->dest, covered[k]));
    }
}

/* ---- --dev ---- */

/* Bind the host's device `host_path` on a new file `name` in `dev`. */
static void
dev_bind_node (struct build *b, const struct setup_op *op, int dev, const char *name,
               const char *host_path)
{
  _cleanup_close_ int node = -1;
  enum bind_result res;

  /* An empty file to mount on, made without an fd to close. */
  if (mknodat (dev, name, S_IFREG | 0444, 0) < 0)
    die_with_error ("Can't create file at %s", sub_path (op->dest, name));
  if (mount_api_fd_based ())
    {
      _cleanup_close_ int tree = -1;

      view_host (b); /* the device looked up by path, as a bind's source */
      res = bind_clone_path (host_path, BIND_DEVICES, &tree);
      if (res == BIND_OK && mount_attach_at (tree, dev, name) < 0)
        res = BIND_ATTACH;
    }
  else
    {
      node = openat (dev, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (node < 0)
        die_with_error ("Can't create file at %s", sub_path (op->dest, name));
      res = bind_mount_in_root (b->oldroot_fd, host_path, node, BIND_DEVICES);
    }
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount %s on %s", host_path,
                          sub_path (op->dest, name));
}

static void
dev_devpts (const struct setup_op *op, int dev)
{
  static const struct fs_param params[] = {
    { "newinstance", NULL },
    { "ptmxmode", "0666" },
    { "mode", "620" },
  };
  _cleanup_close_ int pts = -1;
  _cleanup_close_ int mnt = -1;

  if (mkdirat (dev, "pts", 0755) < 0)
    die_with_error ("Can't mkdir %s", sub_path (op->dest, "pts"));
  pts = openat (dev, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (pts < 0)
    die_with_error ("Can't mkdir %s", sub_path (op->dest, "pts"));
  mnt = mount_new_fs ("devpts", params, N_ELEMENTS (params), MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  if (mnt < 0 || mount_attach (mnt, pts) < 0)
    die_with_error ("Can't mount devpts on %s", sub_path (op->dest, "pts"));
}

static void
op_dev (struct build *b, const struct setup_op *op)
{
  static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
  static const char *const links[][2] = {
    { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" }, { "fd", "/proc/self/fd" },
    { "core", "/proc/kcore" },      { "ptmx", "pts/ptmx" },
  };
  static const struct fs_param params[] = { { "mode", "0755" } };
  _cleanup_close_ int dev = mount_fs_on (b, op, "tmpfs", params, N_ELEMENTS (params),
                                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);

  for (size_t k = 0; k < N_ELEMENTS (nodes); k++)
    {
      _cleanup_free_ char *host = xasprintf ("/dev/%s", nodes[k]);
      dev_bind_node (b, op, dev, nodes[k], host);
    }

  for (size_t k = 0; k < N_ELEMENTS (links); k++)
    if (symlinkat (links[k][1], dev, links[k][0]) < 0)
      die_with_error ("Can't make symlink at %s", sub_path (op->dest, links[k][0]));

  if (mkdirat (dev, "shm", 0755) < 0)
    die_with_error ("Can't mkdir %s", sub_path (op->dest, "shm"));

  dev_devpts (op, dev);

  /* The terminal we were started on, if any, reachable as /dev/console. */
  if (b->tty != NULL)
    {
      _cleanup_close_ int tty = open_in_root (b->oldroot_fd, b->tty, O_PATH, 0);
      if (tty >= 0)
        dev_bind_node (b, op, dev, "console", b->tty);
    }
}

/* ---- Overlays. ---- */

/* A growing string. */
struct strbuf
{
  char *s;
  size_t len, cap;
};

static void
strbuf_putc (struct strbuf *out, char c)
{
  if (out->len + 2 > out->cap)
    {
      out->cap = out->cap ? out->cap * 2 : 256;
      out->s = xrealloc (out->s, out->cap);
    }
  out->s[out->len++] = c;
  out->s[out->len] = '\0';
}

static void
strbuf_puts (struct strbuf *out, const char *s)
{
  for (; *s; s++)
    strbuf_putc (out, *s);
}

/* A backslash before ':' ',' and '\\' (overlayfs's option syntax). */
static void
strbuf_puts_escaped (struct strbuf *out, const char *s)
{
  for (; *s; s++)
    {
      if (*s == ':' || *s == ',' || *s == '\\')
        strbuf_putc (out, '\\');
      strbuf_putc (out, *s);
    }
}

/* A host path (absolute, canonical) as a path relative to the host's
 * root, to be looked up with the cwd at /oldroot. */
static const char *
host_relative (const char *path)
{
  while (*path == '/')
    path++;
  return *path ? path : ".";
}

struct overlay_layers
{
  const char **lower; /* bottom first, as given on the command line */
  size_t n_lower;
  const char *upper; /* NULL for --ro-overlay */
  const char *work;
};

/* The mount(2) option string.  `host_prefix`: how to write host paths
 * ("" for relative lookups from /oldroot, "/" for messages). */
static char *
overlay_options (const struct overlay_layers *l, bool tmp, const char *host_prefix, bool userxattr)
{
  struct strbuf out = { NULL, 0, 0 };

  strbuf_puts (&out, "lowerdir=");
  for (size_t k = l->n_lower; k-- > 0;) /* the kernel wants the top first */
    {
      strbuf_puts (&out, host_prefix);
      strbuf_puts_escaped (&out, host_relative (l->lower[k]));
      if (k > 0)
        strbuf_putc (&out, ':');
    }
  if (l->upper != NULL)
    {
      strbuf_puts (&out, ",upperdir=");
      strbuf_puts (&out, tmp ? "" : host_prefix);
      strbuf_puts_escaped (&out, tmp ? l->upper : host_relative (l->upper));
      strbuf_puts (&out, ",workdir=");
      strbuf_puts (&out, tmp ? "" : host_prefix);
      strbuf_puts_escaped (&out, tmp ? l->work : host_relative (l->work));
    }
  if (userxattr)
    strbuf_puts (&out, ",userxattr");
  return out.s;
}

static char *
escaped (const char *s)
{
  struct strbuf out = { NULL, 0, 0 };

  strbuf_putc (&out, '\0');
  out.len = 0;
  strbuf_puts_escaped (&out, s);
  return out.s;
}

/* New mount API (Linux >= 6.8 for "lowerdir+"): no length limit.  The
 * kernel takes "lowerdir+" values literally but unescapes "upperdir" and
 * "workdir".  Host paths are relative: the cwd is /oldroot. */
static int
overlay_new_api (const struct overlay_layers *l, bool tmp, bool userxattr, unsigned attrs)
{
  size_t n = 0;
  struct fs_param *params = xcalloc (l->n_lower + 3, sizeof *params);
  _cleanup_free_ char *upper = NULL, *work = NULL;
  int fd;

  for (size_t k = l->n_lower; k-- > 0;)
    params[n++] = (struct fs_param) { "lowerdir+", host_relative (l->lower[k]) };
  if (l->upper != NULL)
    {
      upper = escaped (tmp ? l->upper : host_relative (l->upper));
      work = escaped (tmp ? l->work : host_relative (l->work));
      params[n++] = (struct fs_param) { "upperdir", upper };
      params[n++] = (struct fs_param) { "workdir", work };
    }
  if (userxattr)
    params[n++] = (struct fs_param) { "userxattr", NULL };
  fd = mount_new_fs ("overlay", params, n, attrs);
  free (params);
  return fd;
}

/* Older kernels: mount(2) with an option string on a fixed directory of
 * the base, then move the mount.  Returns an O_PATH fd of the mount. */
static int
overlay_legacy (struct build *b, const char *options, unsigned long flags)
{
  static const char mnt_dir[] = "/overlay-mount";

  if (!b->overlay_mnt_made)
    {
      if (mkdirat (b->base_fd, mnt_dir + 1, 0700) < 0)
        return -1;
      b->overlay_mnt_made = true;
    }
  if (mount ("overlay", mnt_dir, "overlay", flags, options) < 0)
    return -1;
  return open (mnt_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* --tmp-overlay: upper and work directories in the base tmpfs, which the
 * sandbox cannot see; paths returned are absolute in the base. */
static void
tmp_overlay_dirs (struct build *b, size_t i, char **upper, char **work)
{
  _cleanup_free_ char *top = xasprintf ("tmp-overlay-%zu", i);
  _cleanup_close_ int fd = -1;

  if (mkdirat (b->base_fd, top, 0755) < 0)
    die_with_error ("Can't mkdir /%s", top);
  fd = openat (b->base_fd, top, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || mkdirat (fd, "upper", 0755) < 0 || mkdirat (fd, "work", 0755) < 0)
    die_with_error ("Can't mkdir /%s/upper or work", top);
  *upper = xasprintf ("/%s/upper", top);
  *work = xasprintf ("/%s/work", top);
}

static void
op_overlay (struct build *b, size_t i, const struct setup_op *op)
{
  const struct resolved_op *r = resolved (i);
  struct overlay_layers l = { (const char **) r->overlay_srcs, op->n_overlay_srcs, NULL, NULL };
  _cleanup_free_ char *tmp_upper = NULL, *tmp_work = NULL, *opts = NULL, *shown = NULL;
  _cleanup_close_ int dest = -1;
  _cleanup_close_ int mnt = -1;
  bool tmp = op->type == OP_TMP_OVERLAY;
  /* Unprivileged overlayfs keeps its metadata in user.* xattrs. */
  bool userxattr = b->run->userns || b->sb->userns_fd >= 0;
  unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  unsigned long flags = MS_NOSUID | MS_NODEV;
  int saved;

  if (l.lower == NULL)
    die ("Internal error: sources of %s were not resolved", op->dest);
  if (op->type == OP_OVERLAY)
    {
      l.upper = r->src;
      l.work = r->workdir;
    }
  else if (tmp)
    {
      tmp_overlay_dirs (b, i, &tmp_upper, &tmp_work);
      l.upper = tmp_upper;
      l.work = tmp_work;
    }
  else
    {
      attrs |= MOUNT_ATTR_RDONLY;
      flags |= MS_RDONLY;
    }

  dest = open_dest (b, op, op->dest, DEST_DIR, 0755);
  opts = overlay_options (&l, tmp, "", userxattr);
  shown = overlay_options (&l, tmp, "/", userxattr);

  view_base (b); /* the base's paths are absolute in `opts` */
  if (fchdir (b->oldroot_fd) < 0)
    die_with_error ("Can't chdir to the host's root");
  mnt = overlay_new_api (&l, tmp, userxattr, attrs);
  if (mnt < 0 && (errno == EINVAL || errno == ENOSYS))
    mnt = overlay_legacy (b, opts, flags);
  saved = errno;
  if (fchdir (b->base_fd) < 0)
    die_with_error ("Can't chdir to the base directory");
  errno = saved;

  if (mnt < 0 || mount_attach (mnt, dest) < 0)
    die_with_error ("Can't make overlay mount on %s with options %s", op->dest, shown);
}

/* ---- Building the root. ---- */

static void
apply_op (struct build *b, size_t i, const struct setup_op *op)
{
  switch (op->type)
    {
    case OP_BIND:
    case OP_RO_BIND:
    case OP_DEV_BIND:
      op_bind (b, i, op);
      break;
    case OP_BIND_FD:
    case OP_RO_BIND_FD:
      op_bind_fd (b, op);
      break;
    case OP_REMOUNT_RO:
      op_remount_ro (b, op);
      break;
    case OP_PROC:
      op_proc (b, op);
      break;
    case OP_DEV:
      op_dev (b, op);
      break;
    case OP_TMPFS:
      op_tmpfs (b, op);
      break;
    case OP_MQUEUE:
      op_mqueue (b, op);
      break;
    case OP_DIR:
      op_dir (b, op);
      break;
    case OP_SYMLINK:
      op_symlink (b, op);
      break;
    case OP_CHMOD:
      op_chmod (b, op);
      break;
    case OP_FILE:
      op_file (b, op);
      break;
    case OP_BIND_DATA:
    case OP_RO_BIND_DATA:
      op_bind_data (b, i, op);
      break;
    case OP_OVERLAY:
    case OP_TMP_OVERLAY:
    case OP_RO_OVERLAY:
      op_overlay (b, i, op);
      break;
    case OP_LOCK_FILE:
      /* Taken after the pivot, by the caller. */
      break;
    default:
      die ("Unexpected setup operation %d", (int) op->type);
    }
}

/* An op mounted something on the sandbox's "/" itself; lookups from the
 * old fd would not see it, so reopen the topmost mount. */
static void
refresh_newroot (struct build *b)
{
  int fd = openat (b->base_fd, "newroot", O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 || fstat (fd, &b->root_st) < 0)
    die_with_error ("Can't open /newroot");
  cleanup_closep (&b->newroot_fd);
  b->newroot_fd = fd;
  b->root_covered = false;
  forget_parent (b);
}

static int
open_dir_or_die (int dirfd, const char *path)
{
  int fd = openat (dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    die_with_error ("Can't open %s", path);
  return fd;
}

/* Steps 1 and 2: stop propagation towards the host, mount the base
 * tmpfs, and pivot into it with the host at /oldroot. */
static void
enter_base (struct build *b)
{
  static const struct fs_param params[] = { { "mode", "0755" } };
  _cleanup_close_ int base = -1;
  _cleanup_close_ int newroot = -1;
  enum bind_result res;
  bool created;

  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    die_with_error ("Failed to make / slave");

  base = mount_new_fs_at ("tmpfs", params, N_ELEMENTS (params),
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, BASE_MOUNT_POINT, &created);
  if (base < 0 && !created)
    die_with_error ("Failed to create a tmpfs for the new root");
  if (base < 0)
    die_with_error ("Failed to mount tmpfs on %s", BASE_MOUNT_POINT);
  if (fchdir (base) < 0)
    die_with_error ("Can't chdir to %s", BASE_MOUNT_POINT);

  if (mkdirat (base, "newroot", 0755) < 0)
    die_with_error ("Can't mkdir newroot");
  if (mkdirat (base, "oldroot", 0755) < 0)
    die_with_error ("Can't mkdir oldroot");

  if (sys_pivot_root (".", "oldroot") < 0)
    die_with_error ("pivot_root");
  if (chdir ("/") < 0)
    die_with_error ("Can't chdir to /");
  b->base_fd = steal_fd (&base); /* the base's root, now "/" */

  /* With the mount(2) fallback: the stages, and the one read of
   * mountinfo (now, so that its paths are those of the build). */
  if (mount_build_begin (b->base_fd) < 0)
    die_with_error ("Can't prepare the mount(2) fallback");

  /* The sandbox's "/" is a mount of its own (pivot_root wants one). */
  newroot = open_dir_or_die (AT_FDCWD, "/newroot");
  res = bind_mount_fd (newroot, newroot, 0);
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount newroot on itself");

  b->oldroot_fd = open_dir_or_die (AT_FDCWD, "/oldroot");
  refresh_newroot (b);
}

/* Step 4: drop the host's tree and make the new root "/". */
static void
leave_base (struct build *b)
{
  view_base (b);
  forget_parent (b);
  mount_build_end ();
  cleanup_closep (&b->newroot_fd);
  cleanup_closep (&b->oldroot_fd);
  cleanup_closep (&b->base_fd);
  b->newroot_fd = b->oldroot_fd = b->base_fd = -1;

  if (chdir ("/") < 0)
    die_with_error ("Can't chdir to /");
  if (mount ("oldroot", "/oldroot", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die_with_error ("Failed to make old root private");
  if (umount2 ("/oldroot", MNT_DETACH) < 0)
    die_with_error ("Failed to unmount old root");

  /* Stack the base on top of the new root, then drop it. */
  if (chdir ("/newroot") < 0)
    die_with_error ("Can't chdir to /newroot");
  if (sys_pivot_root (".", ".") < 0)
    die_with_error ("pivot_root (1)");
  if (umount2 (".", MNT_DETACH) < 0)
    die_with_error ("Failed to unmount the base");
  if (chdir ("/") < 0)
    die_with_error ("Can't chdir to /");
}

static bool
has_op (const struct sandbox *sb, enum op_type type)
{
  for (size_t i = 0; i < sb->n_ops; i++)
    if (sb->ops[i].type == type)
      return true;
  return false;
}

void
setup_build_root (const struct sandbox *sb, struct run *run)
{
  struct build b = { .sb = sb, .run = run, .base_fd = -1, .oldroot_fd = -1, .newroot_fd = -1,
                     .parent_fd = -1 };
  /* Modes given (or defaulted) are exact: the caller's umask must not
   * trim them.  Restored for the command afterwards. */
  mode_t old_umask = umask (0);

  /* (The API was chosen by setup_resolve_sources().) */
  if (!mount_api_fd_based ())
    {
      if (sb->verbose)
        log_msg (LOG_LVL_INFO, "mount API unavailable (%s): falling back to mount(2), "
                 "reading mountinfo once", mount_api_fallback_reason ());
    }
  else if (sb->verbose)
    log_msg (LOG_LVL_INFO, "mount API: open_tree, move_mount and mount_setattr");

  /* Looked up now, while the host's /proc and /dev are where ttyname()
   * expects them. */
  if (has_op (sb, OP_DEV) && isatty (STDOUT_FILENO))
    {
      const char *tty = ttyname (STDOUT_FILENO);
      if (tty != NULL)
        b.tty = xstrdup (tty);
    }

  enter_base (&b);

  for (size_t i = 0; i < sb->n_ops; i++)
    {
      apply_op (&b, i, &sb->ops[i]);
      if (b.root_covered)
        refresh_newroot (&b);
    }

  leave_base (&b);
  free (b.tty);
  umask (old_umask);
}

void
setup_chdir (const struct sandbox *sb, const char *old_cwd)
{
  const char *new_cwd;

  if (sb->chdir_path != NULL)
    {
      if (chdir (sb->chdir_path) < 0)
        die_with_error ("Can't chdir to %s", sb->chdir_path);
      new_cwd = sb->chdir_path;
    }
  else if (old_cwd != NULL && chdir (old_cwd) == 0)
    new_cwd = old_cwd;
  else
    {
      const char *home = getenv ("HOME");

      if (home != NULL && chdir (home) == 0)
        new_cwd = home;
      else
        {
          if (chdir ("/") < 0)
            die_with_error ("Can't chdir to %s", "/");
          new_cwd = "/";
        }
    }

  if (setenv ("PWD", new_cwd, 1) < 0)
    die_oom ();
}

void
setup_release (void)
{
  for (size_t i = 0; i < n_resolved_ops; i++)
    {
      struct resolved_op *r = &resolved_ops[i];
      free (r->src);
      free (r->workdir);
      if (r->overlay_srcs != NULL)
        for (size_t k = 0; r->overlay_srcs[k] != NULL; k++)
          free (r->overlay_srcs[k]);
      free (r->overlay_srcs);
    }
  free (resolved_ops);
  resolved_ops = NULL;
  n_resolved_ops = 0;
}
