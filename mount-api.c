/* hutch — the fd-based mount backend: open_tree(), mount_setattr(),
 * move_mount(), fsopen()/fsmount() (Linux 5.12 and later).  See
 * bind-mount.h for the interface, mount-backend.h for the contract.
 *
 * A copy of a tree is made detached, flagged while nothing can reach it,
 * then attached: no mount is ever visible with the wrong flags.  A bind's
 * source is looked up by path from the host's "/" (mount_view_host()),
 * one call instead of an open, a copy and a close.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "mount-backend.h"

/* open_tree (dfd, path, flags): a recursive copy, flagged while it is
 * still detached. */
static enum bind_result
clone_and_flag (int dfd, const char *path, unsigned at_flags, unsigned flags, int *tree_out)
{
  struct hutch_mount_attr attr = { .attr_set = bind_attrs (flags) };
  _cleanup_close_ int tree = -1;

  /* A recursive copy: a non-recursive one could uncover files that a
   * submount hides on the host, and the kernel refuses it anyway when
   * locked mounts are involved. */
  tree = sys_open_tree (dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | at_flags);
  if (tree < 0)
    return BIND_CLONE;

  /* While the copy is detached nothing can use it: set the flags now so
   * that it is never reachable writable or with device/suid access. */
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
    return BIND_SET_ATTR;

  *tree_out = steal_fd (&tree);
  return BIND_OK;
}

static enum bind_result
api_clone_tree (int srcfd, unsigned flags, int *tree_out)
{
  return clone_and_flag (srcfd, "", AT_EMPTY_PATH, flags, tree_out);
}

/* The source looked up by `path` from the cwd and "/" of this process,
 * symlinks (magic links too) followed: one call fewer than opening it
 * first.  A failed lookup is BIND_OPEN_SOURCE. */
static enum bind_result
clone_path (const char *path, unsigned flags, int *tree_out)
{
  enum bind_result r = clone_and_flag (AT_FDCWD, path, 0, flags, tree_out);

  if (r == BIND_CLONE
      && (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == ELOOP
          || errno == ENAMETOOLONG))
    r = BIND_OPEN_SOURCE; /* the lookup failed, not the copy */
  return r;
}

static int
api_attach (int mntfd, int destfd)
{
  return sys_move_mount (mntfd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

static int
api_attach_at (int mntfd, int dirfd, const char *name)
{
  return sys_move_mount (mntfd, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH);
}

static enum bind_result
api_cover_ro (int dirfd, const char *name)
{
  _cleanup_close_ int tree = -1;
  enum bind_result r;

  /* The same lookup as an O_PATH | O_NOFOLLOW open, twice, with no fd
   * to open and close: open_tree() and move_mount() take the name. */
  r = clone_and_flag (dirfd, name, AT_SYMLINK_NOFOLLOW, BIND_READONLY, &tree);
  if (r == BIND_CLONE && (errno == ENOENT || errno == EACCES))
    return BIND_OPEN_SOURCE;
  if (r != BIND_OK)
    return r;
  if (api_attach_at (tree, dirfd, name) < 0)
    return BIND_ATTACH;
  return BIND_OK;
}

static enum bind_result
api_remount_ro (int destfd)
{
  struct hutch_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  /* No AT_RECURSIVE: only the mount at destfd changes. */
  if (sys_mount_setattr (destfd, "", AT_EMPTY_PATH, &attr) < 0)
    return BIND_REMOUNT;
  return BIND_OK;
}

/* ---- New filesystems. ---- */

/* The base's root (set by api_build_begin(), not owned), and the empty
 * directory in it where a new filesystem is mounted before it is moved to
 * its place.  The directory is named relative to the cwd, which is the
 * base's root throughout the build whatever "/" is (mount_view_host()
 * changes only "/"); the mount is then reopened through base_fd, so that
 * a cwd elsewhere would give a plain directory, which move_mount()
 * refuses, never a mount attached somewhere else unnoticed. */
#define API_STAGE "api-stage"
static int api_base_fd = -1;

/* The filesystems mounted with one mount(2) rather than fsopen(),
 * fsconfig() for the source, each parameter and the creation, and
 * fsmount() (5 to 7 calls): those whose few short parameters mount(2)'s
 * option string says exactly.  An overlay stays with fsconfig(): its
 * layer lists can pass the page mount(2) copies, and its "lowerdir+"
 * keys have no option-string form. */
static bool
one_call_fs (const char *fstype)
{
  return strcmp (fstype, "tmpfs") == 0 || strcmp (fstype, "proc") == 0
         || strcmp (fstype, "devpts") == 0 || strcmp (fstype, "mqueue") == 0;
}

/* With the fd-based calls: a detached mount. */
static int
fsopen_new_fs (const char *fstype, const struct fs_param *params, size_t n_params, unsigned attrs)
{
  _cleanup_close_ int fs = sys_fsopen (fstype, FSOPEN_CLOEXEC);

  if (fs < 0)
    return -1;

  /* The name shown as the mount's source (mountinfo, df): the type, as
   * mount(8) and bwrap show it. */
  if (sys_fsconfig (fs, HUTCH_FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
    return -1;

  for (size_t i = 0; i < n_params; i++)
    {
      int r;
      if (params[i].value != NULL)
        r = sys_fsconfig (fs, HUTCH_FSCONFIG_SET_STRING, params[i].key, params[i].value, 0);
      else
        r = sys_fsconfig (fs, HUTCH_FSCONFIG_SET_FLAG, params[i].key, NULL, 0);
      if (r < 0)
        return -1;
    }

  if (sys_fsconfig (fs, HUTCH_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;

  return sys_fsmount (fs, FSMOUNT_CLOEXEC, attrs);
}

/* With mount(2) on the stage: a mount that nothing else can reach (the
 * base is this process's own) and that attach() moves to its place, the
 * flags set from the start.  The source shown is the type, as above. */
static int
staged_new_fs (const char *fstype, const char *options, unsigned attrs)
{
  int fd, saved;

  if (mount (fstype, API_STAGE, fstype, mount_ms_flags (attrs), options) < 0)
    return -1;
  fd = openat (api_base_fd, API_STAGE, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      saved = errno;
      (void)umount2 (API_STAGE, MNT_DETACH);
      errno = saved;
    }
  return fd;
}

static int
api_new_fs (const char *fstype, const struct fs_param *params, size_t n_params, unsigned attrs)
{
  _cleanup_free_ char *options = NULL;

  if (api_base_fd >= 0 && one_call_fs (fstype)
      && mount_fs_options (params, n_params, &options) == 0)
    return staged_new_fs (fstype, options, attrs);
  return fsopen_new_fs (fstype, params, n_params, attrs);
}

/* The base itself, before the build: mount(2) on `path` and an open of
 * it, where fsopen() ... move_mount() were 7 calls. */
static int
api_new_fs_at (const char *fstype, const struct fs_param *params, size_t n_params, unsigned attrs,
               const char *path, bool *created)
{
  _cleanup_free_ char *options = NULL;
  _cleanup_close_ int fd = -1;

  if (!one_call_fs (fstype) || mount_fs_options (params, n_params, &options) < 0)
    {
      fd = fsopen_new_fs (fstype, params, n_params, attrs);
      if (fd < 0)
        return -1;
      *created = true;
      if (sys_move_mount (fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS)
          < 0)
        return -1;
      return steal_fd (&fd);
    }
  if (mount (fstype, path, fstype, mount_ms_flags (attrs), options) < 0)
    return -1;
  *created = true;
  return open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* ---- Bind sources: checked now, looked up by path when bound. ---- */

/* Checked with the very errors realpath() would give, and its kind
 * noted.  A relative path is made absolute (as realpath() would, from the
 * cwd's path) so that it means the same when bound. */
static void
api_source_check (const char *path, const char *cwd, bool may_be_missing, struct bind_source *out)
{
  struct stat st;

  if (path[0] != '/' && cwd == NULL)
    errno = ENOENT; /* realpath() of a relative path needs the cwd's path */
  else if (stat (path, &st) == 0)
    {
      out->is_dir = S_ISDIR (st.st_mode);
      if (path[0] != '/')
        out->path = xasprintf ("%s/%s", strcmp (cwd, "/") == 0 ? "" : cwd, path);
      else
        out->path = xstrdup (path);
      /* /proc/self/cwd and the like would mean something else by then:
       * resolved now, as the text the kernel gives for them. */
      if (strncmp (out->path, "/proc/", 6) == 0)
        {
          char *real = bind_source_realpath (path, may_be_missing, &out->missing);
          free (out->path);
          out->path = real;
        }
      return;
    }
  if (may_be_missing && errno == ENOENT)
    {
      out->missing = true;
      return;
    }
  die_with_error ("Can't find source path %s", path);
}

static enum bind_result
api_source_open (const struct bind_source *src, const char *name, int oldroot_fd, int *fd_out,
                 bool *is_dir)
{
  (void)name;
  (void)oldroot_fd;
  *fd_out = -1;
  *is_dir = src->is_dir;
  return BIND_OK;
}

static enum bind_result
api_source_clone (const struct bind_source *src, int fd, unsigned flags, int *tree_out)
{
  enum bind_result r;

  (void)fd;
  mount_view_host ();
  r = clone_path (src->path, flags, tree_out);
  if (r == BIND_CLONE && errno == EINVAL)
    {
      /* Through a magic link to a file opened before clone, on a mount
       * of the caller's namespace (/dev/stdin): realpath() makes it the
       * path of that file, in ours, as it did before. */
      _cleanup_free_ char *real = realpath (src->path, NULL);

      if (real == NULL)
        return BIND_FIND_SOURCE;
      r = clone_path (real, flags, tree_out);
    }
  return r;
}

static enum bind_result
api_host_path_at (int oldroot_fd, const char *host_path, unsigned flags, int dirfd,
                  const char *name)
{
  _cleanup_close_ int tree = -1;
  enum bind_result r;

  (void)oldroot_fd;
  mount_view_host (); /* looked up by path, as a bind's source */
  r = clone_path (host_path, flags, &tree);
  if (r == BIND_OK && api_attach_at (tree, dirfd, name) < 0)
    r = BIND_ATTACH;
  return r;
}

static int
api_build_begin (int base_fd)
{
  if (mkdirat (base_fd, API_STAGE, 0700) < 0)
    return -1;
  api_base_fd = base_fd;
  return 0;
}

static void
api_build_end (void)
{
  api_base_fd = -1; /* the stage goes with the base */
}

const struct mount_backend mount_backend_fd = {
  .build_begin = api_build_begin,
  .build_end = api_build_end,
  .source_check = api_source_check,
  .source_open = api_source_open,
  .source_clone = api_source_clone,
  .host_path_at = api_host_path_at,
  .clone_tree = api_clone_tree,
  .cover_ro = api_cover_ro,
  .remount_ro = api_remount_ro,
  .new_fs = api_new_fs,
  .new_fs_at = api_new_fs_at,
  .attach = api_attach,
  .attach_at = api_attach_at,
};
