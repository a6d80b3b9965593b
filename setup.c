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
 * made through bind-mount.h, whose backend (the fd-based mount API, or
 * mount(2) where it is missing) is chosen once per run: the ops below do
 * not know which.  The overlay ops are in setup-overlay.c (setup-private.h
 * is what the two share).
 */
#include "config.h"

#include "setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "bind-mount.h"
#include "diagnose.h"
#include "op-kinds.h"
#include "privilege.h"
#include "setup-private.h"
#include "utils.h"

/* Where the base tmpfs is mounted before the pivot (a path of the new
 * mount namespace; the host's own /tmp is not touched). */
#define BASE_MOUNT_POINT "/tmp"

/* ---- Sources, checked before any mount, in the caller's view. ---- */

static struct run *released_run; /* for setup_release () */

void
setup_resolve_sources (struct sandbox *sb, struct run *run)
{
  struct resolved_op *ops;

  /* Once per run: the fd-based mount API, or the mount(2) fallback (a
   * test may force it, except in the setuid mode). */
  (void)mount_api_choose (run->proc_fd, !privilege_is_setuid ());

  ops = xcalloc (sb->n_ops, sizeof *ops);
  run->resolved_ops = ops;
  run->n_resolved_ops = sb->n_ops;
  released_run = run;

  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct setup_op *op = &sb->ops[i];
      struct resolved_op *r = &ops[i];

      switch (op_kind_of (op)->source)
        {
        case OP_SRC_BIND:
          bind_source_check (op->src, run->old_cwd, (op->flags & OPF_TRY) != 0, &r->bind);
          break;

        case OP_SRC_OVERLAY:
          r->upper = bind_source_realpath (op->src, false, NULL);
          r->workdir = bind_source_realpath (op->workdir, false, NULL);
          /* fall through */
        case OP_SRC_LAYERS:
          r->overlay_srcs = xcalloc (op->n_overlay_srcs + 1, sizeof (char *));
          for (size_t j = 0; j < op->n_overlay_srcs; j++)
            r->overlay_srcs[j] = bind_source_realpath (op->overlay_srcs[j], false, NULL);
          break;

        case OP_SRC_NONE:
          break;
        }
    }
}

static void
forget_parent (struct build *b)
{
  cleanup_closep (&b->parent_fd);
  b->parent_fd = -1;
  free (b->parent_path);
  b->parent_path = NULL;
}

const struct resolved_op *
setup_resolved (const struct build *b, size_t i)
{
  static const struct resolved_op none;
  return i < b->run->n_resolved_ops ? &b->run->resolved_ops[i] : &none;
}

/* An op's mode: given with --perms, else the op's default; false when
 * the op has no mode at all. */
static bool
op_mode (const struct setup_op *op, mode_t *mode)
{
  mode_t def = op_kind_of (op)->default_mode;

  if (def == 0)
    return false;
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
    m &= ~(mode_t)0050;
  if ((mode & 0007) == 0)
    m &= ~(mode_t)0005;
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
int
setup_open_dest (struct build *b, const struct setup_op *op, const char *dest, enum dest_kind kind,
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
  p = xasprintf ("%.*s", (int)len, dest);
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
  return xasprintf ("%.*s/%s", (int)len, dest, name);
}

/* ---- Bind mounts. ---- */

static void
op_bind (struct build *b, size_t i, const struct setup_op *op)
{
  const struct resolved_op *r = setup_resolved (b, i);
  bool try = (op->flags & OPF_TRY) != 0;
  unsigned flags = 0;
  _cleanup_close_ int src = -1;
  _cleanup_close_ int tree = -1;
  _cleanup_close_ int dest = -1;
  _cleanup_free_ char *copy = NULL;
  const char *leaf = NULL;
  enum dest_kind kind;
  enum bind_result res;
  bool is_dir = false;

  if (r->bind.missing)
    return;

  if (op_kind_of (op)->read_only)
    flags |= BIND_READONLY;
  if (op_kind_of (op)->devices)
    flags |= BIND_DEVICES;

  /* The source's kind (and, for the backend that copies from an fd, that
   * fd), then the destination, then the copy. */
  res = bind_source_open (&r->bind, op->src, b->oldroot_fd, &src, &is_dir);
  if (res == BIND_OPEN_SOURCE && try && errno == ENOENT)
    return;
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount %s on %s", op->src, op->dest);
  kind = is_dir ? DEST_DIR : DEST_FILE;

  if (!make_dest (b, op->dest, kind, kind == DEST_DIR ? 0755 : 0444, &copy, &leaf, &dest))
    dest = setup_open_dest (b, op, op->dest, kind, kind == DEST_DIR ? 0755 : 0444);

  res = bind_source_clone (&r->bind, src, flags, &tree);
  if ((res == BIND_OPEN_SOURCE || res == BIND_FIND_SOURCE) && try && errno == ENOENT)
    return; /* gone since it was checked: as if it had been missing then */
  if (res == BIND_FIND_SOURCE)
    die_with_error ("Can't find source path %s", op->src);
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
    die ("Can't bind mount fd %d on %s: %s is no longer the file it refers to", op->fd, op->dest,
         path);

  dest = setup_open_dest (b, op, op->dest, S_ISDIR (st_src.st_mode) ? DEST_DIR : DEST_FILE,
                          S_ISDIR (st_src.st_mode) ? 0755 : 0444);
  res = bind_mount_fd (src, dest, op_kind_of (op)->read_only ? BIND_READONLY : 0);
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount %s on %s", path, op->dest);
  (void)close (op->fd);
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

/* Copy an op's data (--file, --bind-data, --ro-bind-data) from its fd,
 * closed afterwards, into fd.  Past the caller's file-size limit (ulimit
 * -f) the write fails with EFBIG (hutch ignores SIGXFSZ, utils.h): said
 * with the file and the limit. */
static void
write_op_data (const struct setup_op *op, int fd)
{
  struct rlimit lim;
  int r = copy_fd (op->fd, fd);

  if (r == -EFBIG && getrlimit (RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    die ("Can't write data to file %s: larger than the file-size limit, %llu bytes "
         "(ulimit -f; raise it, or give less data)",
         op->dest, (unsigned long long)lim.rlim_cur);
  if (r < 0)
    die_with_errno (-r, "Can't write data to file %s", op->dest);
  (void)close (op->fd);
}

/* Write everything from `from` (closed afterwards) into a new file
 * `name` in the base tmpfs; returns its fd. */
static int
data_file_in_base (struct build *b, const struct setup_op *op, size_t i, mode_t mode)
{
  char name[64];
  int fd;

  snprintf (name, sizeof name, "bind-data-%zu", i);
  fd = openat (b->base_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    die_with_error ("Can't create file at %s", op->dest);
  write_op_data (op, fd);
  return fd;
}

static void
op_bind_data (struct build *b, size_t i, const struct setup_op *op)
{
  mode_t mode = 0600;
  _cleanup_close_ int data = -1;
  _cleanup_close_ int dest = -1;
  enum bind_result res;

  (void)op_mode (op, &mode);
  data = data_file_in_base (b, op, i, mode);
  dest = setup_open_dest (b, op, op->dest, DEST_FILE, 0444);
  res = bind_mount_fd (data, dest, op_kind_of (op)->read_only ? BIND_READONLY : 0);
  if (res != BIND_OK)
    die_with_bind_result (res, errno, "Can't bind mount data on %s", op->dest);
}

static void
op_file (struct build *b, const struct setup_op *op)
{
  const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_NONBLOCK;
  mode_t mode = 0666;
  _cleanup_close_ int fd = -1;

  (void)op_mode (op, &mode);
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

  write_op_data (op, fd);
}

static void
op_dir (struct build *b, const struct setup_op *op)
{
  mode_t mode = 0755;
  _cleanup_free_ char *copy = NULL;
  _cleanup_close_ int fd = -1;
  const char *leaf;

  (void)op_mode (op, &mode);
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
    die_with_error ("Can't chmod %#o %s", (unsigned)op->perms, op->dest);

  /* fchmod() refuses O_PATH fds: use fchmodat2 (AT_EMPTY_PATH) where the
   * kernel has it, else the fd's /proc magic link (chmod follows it to
   * the very inode the fd holds, wherever it is). */
  if (syscall (__NR_fchmodat2, fd, "", op->perms, AT_EMPTY_PATH) == 0)
    return;
  if (errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
    die_with_error ("Can't chmod %#o %s", (unsigned)op->perms, op->dest);

  snprintf (link, sizeof link, "self/fd/%d", fd);
  if (fchmodat (b->run->proc_fd, link, op->perms, 0) < 0)
    die_with_error ("Can't chmod %#o %s", (unsigned)op->perms, op->dest);
}

/* ---- New filesystems. ---- */

/* Mount a new filesystem on `dest` (created as a directory if missing);
 * returns the attached mount's fd. */
static int
mount_fs_on (struct build *b, const struct setup_op *op, const char *fstype,
             const struct fs_param *params, size_t n_params, unsigned attrs)
{
  _cleanup_close_ int dest = setup_open_dest (b, op, op->dest, DEST_DIR, 0755);
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

  (void)op_mode (op, &m);
  snprintf (mode, sizeof mode, "0%o", (unsigned)m);
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
      mnt = mount_new_fs ("proc", NULL, 0,
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
      if (mnt < 0 && (errno == EPERM || errno == EACCES))
        {
          int err = errno;
          mount_view_host (); /* mountinfo's paths as the caller sees them */
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

/* access(W_OK): yes; EACCES, ENOENT, EROFS: no; any other failure is no
 * answer, and counts as yes (unsure: covered). */
static bool
may_write (int dirfd, const char *path)
{
  return faccessat (dirfd, path, W_OK, 0) == 0
         || (errno != EACCES && errno != ENOENT && errno != EROFS);
}

/* Could this process write `name` in the procfs `proc`?  As bubblewrap,
 * by access(2); /proc/sys itself never is writable, but the sysctls in it
 * are for the host's root, which kernel.hostname stands for. */
static bool
proc_entry_writable (int proc, const char *name)
{
  return may_write (proc, name)
         || (strcmp (name, "sys") == 0 && may_write (proc, "sys/kernel/hostname"));
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
  _cleanup_close_ int dest = setup_open_dest (b, op, op->dest, DEST_DIR, 0755);
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
  enum bind_result res;

  /* An empty file to mount on, made without an fd to close. */
  if (mknodat (dev, name, S_IFREG | 0444, 0) < 0)
    die_with_error ("Can't create file at %s", sub_path (op->dest, name));
  res = bind_host_path_at (b->oldroot_fd, host_path, BIND_DEVICES, dev, name);
  if (res == BIND_OPEN_DEST)
    die_with_error ("Can't create file at %s", sub_path (op->dest, name));
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
    { "stdin", "/proc/self/fd/0" },  { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" }, { "fd", "/proc/self/fd" },
    { "core", "/proc/kcore" },       { "ptmx", "pts/ptmx" },
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
      setup_op_overlay (b, i, op);
      break;
    case OP_LOCK_FILE:
      /* Taken after the pivot, by the caller. */
      break;
    default:
      die ("Unexpected setup operation %d", (int)op->type);
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

  /* What the backend needs for the build (the mount(2) one: its stages,
   * and the one read of mountinfo, now, so that its paths are those of
   * the build). */
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
  mount_view_base ();
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
  struct build b = {
    .sb = sb, .run = run, .base_fd = -1, .oldroot_fd = -1, .newroot_fd = -1, .parent_fd = -1
  };
  /* Modes given (or defaulted) are exact: the caller's umask must not
   * trim them.  Restored for the command afterwards. */
  mode_t old_umask = umask (0);

  /* (The API was chosen by setup_resolve_sources().) */
  if (sb->verbose)
    mount_api_log ();

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

/* chdir() without following a magic link: /proc/self/fd/N could be one
 * of hutch's own fds (its O_PATH fd of the host's /proc), outside the new
 * root (runc's CVE-2024-21626). */
static int
chdir_inside (const char *path)
{
  _cleanup_close_ int root = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  _cleanup_close_ int dir = -1;

  if (*path == '\0')
    {
      errno = ENOENT; /* as chdir (""): open_in_root() would take it for "/" */
      return -1;
    }
  if (root < 0)
    return -1;
  dir = open_in_root (root, path, O_PATH | O_DIRECTORY, 0);
  if (dir < 0)
    return -1;
  return fchdir (dir);
}

void
setup_chdir (const struct sandbox *sb, const char *old_cwd)
{
  const char *new_cwd;

  if (sb->chdir_path != NULL)
    {
      if (chdir_inside (sb->chdir_path) < 0)
        die_with_error ("Can't chdir to %s", sb->chdir_path);
      new_cwd = sb->chdir_path;
    }
  else if (old_cwd != NULL && chdir_inside (old_cwd) == 0)
    new_cwd = old_cwd;
  else
    {
      const char *home = getenv ("HOME");

      if (home != NULL && chdir_inside (home) == 0)
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
setup_release_run (struct run *run)
{
  for (size_t i = 0; i < run->n_resolved_ops; i++)
    {
      struct resolved_op *r = &run->resolved_ops[i];
      free (r->bind.path);
      free (r->upper);
      free (r->workdir);
      if (r->overlay_srcs != NULL)
        for (size_t k = 0; r->overlay_srcs[k] != NULL; k++)
          free (r->overlay_srcs[k]);
      free (r->overlay_srcs);
    }
  free (run->resolved_ops);
  run->resolved_ops = NULL;
  run->n_resolved_ops = 0;
}

void
setup_release (void)
{
  if (released_run != NULL)
    setup_release_run (released_run);
  released_run = NULL;
}
