/* hutch — the mount(2) backend, for kernels (or seccomp filters) without
 * the fd-based mount API.  See bind-mount.h for the interface,
 * mount-backend.h for the contract, mount-model.h for the model.
 *
 * In short:
 *
 *  - Fds are named by their magic links, "self/fd/N" looked up from the
 *    host's procfs: mount(2) follows such a link to exactly the object the
 *    fd holds, so a path that was resolved once (with openat2
 *    RESOLVE_IN_ROOT) is not looked up again and no symlink can redirect
 *    it.  There is no "/proc" to use at this point: after the first
 *    pivot_root "/" is the base tmpfs, and the host's tree under /oldroot
 *    is no place to look things up.  What there is, is the fd of the
 *    host's /proc opened before clone (run->proc_fd), where "self" is this
 *    process; mount(2) takes no dirfd, so the cwd moves there for the call
 *    and back.  (That procfs mount belongs to the caller's mount namespace:
 *    it can be walked through, but not bound into ours, which is why it is
 *    not simply mounted in the base once.)
 *  - A "detached" mount is one on a stage in the base, which the sandbox
 *    never sees; its flags are set there, then it is moved (MS_MOVE) onto
 *    the destination, so that, as with the fd-based API, no mount is ever
 *    visible in the new root with the wrong flags.
 *  - A recursive bind is MS_BIND | MS_REC, then MS_REMOUNT | MS_BIND with
 *    the new flags on the copy and on every mount below it.  Those are
 *    found in a model of the mount tree (mount-model.c):
 *    /proc/self/mountinfo read once per run (paths and per-mount flags),
 *    then kept up to date here as mounts are added or moved.  A remount
 *    repeats each mount's own flags (a mount that came from a more
 *    privileged namespace has its nosuid, nodev, noexec, read-only and
 *    atime flags locked: leaving one out is EPERM).
 *  - A bind's source is resolved with realpath() before the build, and
 *    opened (below /oldroot) in op order, before its destination is made.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "mount-backend.h"
#include "mount-model.h"

/* The state of the backend, in the child that builds the sandbox. */
static struct
{
  int base_fd; /* the base tmpfs, "/" while building (not owned) */
  struct mount_model *model;
} fb = { .base_fd = -1 };

/* ------------------------------------------------------------------------ */
/* Flags                                                                     */

/* The MS_* flags that describe one mount, which a remount must repeat. */
#define PER_MOUNT_FLAGS                                                                            \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME         \
   | MS_NOSYMFOLLOW)

/* The remount that gives a mount exactly `flags`.  Neither relatime nor
 * noatime means strictatime: say so, since locked atime flags must be
 * repeated as they are. */
static unsigned long
remount_flags (unsigned long flags)
{
  unsigned long r = MS_REMOUNT | MS_BIND | (flags & PER_MOUNT_FLAGS);

  if ((flags & (MS_NOATIME | MS_RELATIME)) == 0)
    r |= MS_STRICTATIME;
  return r;
}

/* The per-mount flags of the mount an fd is on, from statfs (for a mount
 * the model does not know, such as an overlay mounted by the caller). */
static int
flags_of_mount (int fd, unsigned long *flags)
{
  static const struct
  {
    unsigned long st, ms;
  } map[] = {
    { 0x0001 /* ST_RDONLY */, MS_RDONLY },     { 0x0002 /* ST_NOSUID */, MS_NOSUID },
    { 0x0004 /* ST_NODEV */, MS_NODEV },       { 0x0008 /* ST_NOEXEC */, MS_NOEXEC },
    { 0x0400 /* ST_NOATIME */, MS_NOATIME },   { 0x0800 /* ST_NODIRATIME */, MS_NODIRATIME },
    { 0x1000 /* ST_RELATIME */, MS_RELATIME }, { 0x2000 /* ST_NOSYMFOLLOW */, MS_NOSYMFOLLOW },
  };
  struct statfs sfs;

  if (fstatfs (fd, &sfs) < 0)
    return -1;
  *flags = 0;
  for (size_t i = 0; i < N_ELEMENTS (map); i++)
    if ((unsigned long)sfs.f_flags & map[i].st)
      *flags |= map[i].ms;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Mounts                                                                    */

/* In the base, while building: where mounts wait before they are moved
 * onto their destination, one for directories, one for the rest.  "/" is
 * the base then, so these absolute paths are ours alone: nothing else
 * mounts or creates anything there. */
#define STAGE_DIR "/legacy-stage-dir"
#define STAGE_FILE "/legacy-stage-file"

/* mount(2) with the source and/or the target given as fds (-1: the
 * string is used instead), each named by its magic link "self/fd/N" from
 * the procfs fd (see the top of this file). */
static int
mount_fds (int srcfd, const char *src, int destfd, const char *dest, const char *fstype,
           unsigned long flags, const void *data)
{
  char src_link[32], dest_link[32];
  _cleanup_close_ int cwd = -1;
  int r, saved;

  if (srcfd < 0 && destfd < 0)
    return mount (src, dest, fstype, flags, data);
  if (srcfd >= 0)
    {
      snprintf (src_link, sizeof src_link, "self/fd/%d", srcfd);
      src = src_link;
    }
  if (destfd >= 0)
    {
      snprintf (dest_link, sizeof dest_link, "self/fd/%d", destfd);
      dest = dest_link;
    }
  cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cwd < 0 || fchdir (mount_backend_proc_fd ()) < 0)
    return -1;
  r = mount (src, dest, fstype, flags, data);
  saved = errno;
  if (fchdir (cwd) < 0)
    return -1;
  errno = saved;
  return r;
}

/* Give the mount whose root is fd exactly `flags`. */
static int
remount_fd (int fd, unsigned long flags)
{
  return mount_fds (-1, NULL, fd, NULL, NULL, remount_flags (flags), NULL);
}

/* The path of what fd refers to, as we see it from our root (the
 * kernel's own name for it, for the model).  NULL with errno set. */
static char *
fd_path (int fd)
{
  char link[32], buf[PATH_MAX];
  ssize_t n;

  snprintf (link, sizeof link, "self/fd/%d", fd);
  n = readlinkat (mount_backend_proc_fd (), link, buf, sizeof buf);
  if (n < 0)
    return NULL;
  if ((size_t)n >= sizeof buf)
    {
      errno = ENAMETOOLONG;
      return NULL;
    }
  buf[n] = '\0';
  if (buf[0] != '/')
    {
      errno = EINVAL; /* not a path: "anon_inode:...", "pipe:[...]" */
      return NULL;
    }
  return xstrdup (buf);
}

/* The mount rooted at `rel` below root (no symlink, no "..", not out of
 * root), O_PATH.  O_PATH without O_DIRECTORY: an automount point is not
 * triggered, its own root is what is opened. */
static int
open_below (int root, const char *rel)
{
  struct hutch_open_how how = {
    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };

  for (int i = 0;; i++)
    {
      int fd = sys_openat2 (root, rel, &how);
      if (fd >= 0)
        return fd;
      if ((errno != EAGAIN && errno != EINTR) || i >= OPEN_IN_ROOT_RETRIES)
        return -1;
    }
}

/* After MS_BIND | MS_REC onto `stage`: open the copy's root, give it
 * root_flags, and each mount below it its own flags plus `add`
 * (subs[i].flags is updated to what the mount got). */
static enum bind_result
legacy_flag_tree (const char *stage, unsigned long root_flags, struct mount_sub *subs, size_t n,
                  unsigned long add, int *root_out)
{
  _cleanup_close_ int root = openat (fb.base_fd, stage + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);

  if (root < 0)
    return BIND_CLONE;
  if (remount_fd (root, root_flags) < 0)
    return BIND_SET_ATTR;
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_close_ int fd = open_below (root, subs[i].rel);

      /* As bubblewrap: a mount point we can't reach is out of the
       * sandbox's reach too (it runs with these credentials or fewer). */
      if (fd < 0 && errno == EACCES)
        continue;
      if (fd < 0 || remount_fd (fd, subs[i].flags | add) < 0)
        return BIND_SET_ATTR;
      subs[i].flags |= add;
    }
  *root_out = steal_fd (&root);
  return BIND_OK;
}

static enum bind_result
legacy_clone_tree (int srcfd, unsigned long add, int *tree_out)
{
  _cleanup_free_ char *src = NULL;
  _cleanup_free_ struct mount_sub *subs = NULL;
  unsigned long root_flags;
  const char *stage;
  size_t n_subs = 0;
  struct stat st;
  enum bind_result r;
  int root = -1, saved;

  if (fstat (srcfd, &st) < 0 || (src = fd_path (srcfd)) == NULL)
    return BIND_CLONE;
  if (!mount_model_containing (fb.model, src, &root_flags)
      && flags_of_mount (srcfd, &root_flags) < 0)
    return BIND_CLONE;
  subs = mount_model_below (fb.model, src, &n_subs);
  stage = S_ISDIR (st.st_mode) ? STAGE_DIR : STAGE_FILE;

  /* Recursive, as open_tree (AT_RECURSIVE): a plain bind could uncover
   * what a submount hides, and is refused over locked mounts. */
  if (mount_fds (srcfd, NULL, -1, stage, NULL, MS_BIND | MS_REC, NULL) < 0)
    return BIND_CLONE;
  r = legacy_flag_tree (stage, root_flags | add, subs, n_subs, add, &root);
  if (r != BIND_OK)
    {
      saved = errno;
      (void)umount2 (stage, MNT_DETACH);
      errno = saved;
      return r;
    }
  mount_model_add_tree (fb.model, stage, root_flags | add, subs, n_subs);
  *tree_out = root;
  return BIND_OK;
}

/* Move a mount (the root of one, anywhere: staged or attached) onto
 * destfd, and the model's copy of it with it. */
static int
legacy_attach (int mntfd, int destfd)
{
  _cleanup_free_ char *from = fd_path (mntfd);
  _cleanup_free_ char *to = NULL;
  _cleanup_free_ struct mount_sub *subs = NULL;
  unsigned long flags;
  size_t n_subs = 0;
  bool known;

  if (from == NULL || (to = fd_path (destfd)) == NULL)
    return -1;
  known = mount_model_mount_at (fb.model, from, &flags);
  if (known)
    subs = mount_model_below (fb.model, from, &n_subs);
  else if (flags_of_mount (mntfd, &flags) < 0)
    return -1;

  if (mount_fds (mntfd, NULL, destfd, NULL, NULL, MS_MOVE, NULL) < 0)
    return -1;
  if (known)
    mount_model_remove (fb.model, from);
  mount_model_add_tree (fb.model, to, flags, subs, n_subs);
  return 0;
}

/* Add `flags` to the mount whose root is fd (that mount only). */
static int
legacy_remount (int fd, unsigned long flags)
{
  _cleanup_free_ char *path = fd_path (fd);
  unsigned long now;

  if (path == NULL)
    return -1;
  if (!mount_model_mount_at (fb.model, path, &now) && flags_of_mount (fd, &now) < 0)
    return -1;
  if (remount_fd (fd, now | flags) < 0)
    return -1;
  mount_model_set_flags (fb.model, path, now | flags);
  return 0;
}

static int
legacy_new_fs (const char *fstype, const struct fs_param *params, size_t n, unsigned attrs)
{
  _cleanup_free_ char *options = NULL;
  unsigned long flags = mount_ms_flags (attrs);
  int fd, saved;

  if (mount_fs_options (params, n, &options) < 0)
    return -1;
  if (mount (fstype, STAGE_DIR, fstype, flags, options) < 0)
    return -1;
  fd = openat (fb.base_fd, STAGE_DIR + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      saved = errno;
      (void)umount2 (STAGE_DIR, MNT_DETACH);
      errno = saved;
      return -1;
    }
  /* A new mount is relatime unless told otherwise. */
  mount_model_set (fb.model, STAGE_DIR, flags | MS_RELATIME);
  return fd;
}

/* The one read of /proc/self/mountinfo in a run. */
static int
read_mountinfo (void)
{
  _cleanup_close_ int fd
      = openat (mount_backend_proc_fd (), "self/mountinfo", O_RDONLY | O_CLOEXEC);
  _cleanup_free_ char *text = NULL;
  size_t size;
  int r;

  if (fd < 0)
    return -1;
  r = read_all (fd, &text, &size);
  if (r < 0)
    {
      errno = -r;
      return -1;
    }
  fb.model = mount_model_new ();
  mount_model_parse (fb.model, text);
  return 0;
}

static int
legacy_build_begin (int base_fd)
{
  _cleanup_close_ int file = -1;

  fb.base_fd = base_fd;
  if (mkdirat (base_fd, STAGE_DIR + 1, 0700) < 0)
    return -1;
  file = openat (base_fd, STAGE_FILE + 1, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 0600);
  if (file < 0)
    return -1;
  return read_mountinfo ();
}

static void
legacy_build_end (void)
{
  mount_model_free (fb.model);
  fb.model = NULL;
  fb.base_fd = -1;
}

/* ------------------------------------------------------------------------ */
/* The interface                                                             */

static enum bind_result
legacy_clone_bind (int srcfd, unsigned flags, int *tree_out)
{
  return legacy_clone_tree (srcfd, mount_ms_flags (bind_attrs (flags)), tree_out);
}

static int
legacy_attach_at (int mntfd, int dirfd, const char *name)
{
  _cleanup_close_ int dest = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

  if (dest < 0)
    return -1;
  return legacy_attach (mntfd, dest);
}

/* bind_clone_tree() + mount_attach(), here. */
static enum bind_result
legacy_bind_fd (int srcfd, int destfd, unsigned flags)
{
  _cleanup_close_ int tree = -1;
  enum bind_result r = legacy_clone_bind (srcfd, flags, &tree);

  if (r != BIND_OK)
    return r;
  if (legacy_attach (tree, destfd) < 0)
    return BIND_ATTACH;
  return BIND_OK;
}

static enum bind_result
legacy_cover_ro (int dirfd, const char *name)
{
  _cleanup_close_ int fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

  if (fd < 0)
    return BIND_OPEN_SOURCE;
  return legacy_bind_fd (fd, fd, BIND_READONLY);
}

static enum bind_result
legacy_remount_ro (int destfd)
{
  return legacy_remount (destfd, MS_RDONLY) < 0 ? BIND_REMOUNT : BIND_OK;
}

static int
legacy_new_fs_at (const char *fstype, const struct fs_param *params, size_t n_params,
                  unsigned attrs, const char *path, bool *created)
{
  _cleanup_free_ char *options = NULL;

  if (mount_fs_options (params, n_params, &options) < 0
      || mount (fstype, path, fstype, mount_ms_flags (attrs), options) < 0)
    return -1;
  *created = true;
  return open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* ---- Bind sources: resolved now, opened in op order, copied by fd. ---- */

static void
legacy_source_check (const char *path, const char *cwd, bool may_be_missing,
                     struct bind_source *out)
{
  (void)cwd; /* realpath() knows it */
  out->path = bind_source_realpath (path, may_be_missing, &out->missing);
}

/* An fd of the source (below the host's tree: realpath() made the path
 * canonical), which the copy is made from. */
static enum bind_result
legacy_source_open (const struct bind_source *src, const char *name, int oldroot_fd, int *fd_out,
                    bool *is_dir)
{
  _cleanup_close_ int fd = -1;
  struct stat st;

  if (src->path == NULL)
    die ("Internal error: source %s was not resolved", name);
  fd = open_in_root (oldroot_fd, src->path, O_PATH, 0);
  if (fd < 0)
    return BIND_OPEN_SOURCE;
  if (fstat (fd, &st) < 0)
    die_with_error ("Can't get type of source %s", name);
  *is_dir = S_ISDIR (st.st_mode);
  *fd_out = steal_fd (&fd);
  return BIND_OK;
}

static enum bind_result
legacy_source_clone (const struct bind_source *src, int fd, unsigned flags, int *tree_out)
{
  (void)src;
  return legacy_clone_bind (fd, flags, tree_out);
}

static enum bind_result
legacy_host_path_at (int oldroot_fd, const char *host_path, unsigned flags, int dirfd,
                     const char *name)
{
  _cleanup_close_ int node = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  _cleanup_close_ int srcfd = -1;

  if (node < 0)
    return BIND_OPEN_DEST;
  srcfd = open_in_root (oldroot_fd, host_path, O_PATH, 0);
  if (srcfd < 0)
    return BIND_OPEN_SOURCE;
  return legacy_bind_fd (srcfd, node, flags);
}

const struct mount_backend mount_backend_legacy = {
  .build_begin = legacy_build_begin,
  .build_end = legacy_build_end,
  .source_check = legacy_source_check,
  .source_open = legacy_source_open,
  .source_clone = legacy_source_clone,
  .host_path_at = legacy_host_path_at,
  .clone_tree = legacy_clone_bind,
  .cover_ro = legacy_cover_ro,
  .remount_ro = legacy_remount_ro,
  .new_fs = legacy_new_fs,
  .new_fs_at = legacy_new_fs_at,
  .attach = legacy_attach,
  .attach_at = legacy_attach_at,
};
