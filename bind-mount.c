/* hutch — bind mounts and other helpers built on the fd-based mount API. */
#include "config.h"

#include "bind-mount.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* openat2 may fail with EAGAIN when a rename or mount races with a ".."
 * walk under RESOLVE_IN_ROOT; a few retries are plenty. */
#define OPEN_IN_ROOT_RETRIES 64

int
open_in_root (int rootfd, const char *path, int flags, mode_t mode)
{
  struct hutch_open_how how = {
    .flags = (uint64_t) (unsigned) (flags | O_CLOEXEC),
    .mode = (flags & O_CREAT) ? (uint64_t) mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };

  if (path == NULL || *path == '\0')
    path = ".";

  for (int i = 0;; i++)
    {
      int fd = sys_openat2 (rootfd, path, &how);
      if (fd >= 0)
        return fd;
      if ((errno != EAGAIN && errno != EINTR) || i >= OPEN_IN_ROOT_RETRIES)
        return -1;
    }
}

const char *
bind_result_describe (enum bind_result r)
{
  switch (r)
    {
    case BIND_OK:
      return "Success";
    case BIND_OPEN_SOURCE:
      return "Unable to open the source";
    case BIND_CLONE:
      return "Unable to copy the source's mounts";
    case BIND_SET_ATTR:
      return "Unable to set mount flags";
    case BIND_ATTACH:
      return "Unable to attach the mount on the destination";
    case BIND_REMOUNT:
      return "Unable to change the mount flags";
    }
  return "Unknown error";
}

void
die_with_bind_result (enum bind_result r, int errnum, const char *fmt, ...)
{
  char what[2048];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);

  errno = errnum;
  die_with_error ("%s: %s", what, bind_result_describe (r));
}

static unsigned
bind_attrs (unsigned flags)
{
  unsigned attrs = MOUNT_ATTR_NOSUID;

  if ((flags & BIND_DEVICES) == 0)
    attrs |= MOUNT_ATTR_NODEV;
  if (flags & BIND_READONLY)
    attrs |= MOUNT_ATTR_RDONLY;
  return attrs;
}

enum bind_result
bind_clone_tree (int srcfd, unsigned flags, int *tree_out)
{
  struct hutch_mount_attr attr = { .attr_set = bind_attrs (flags) };
  _cleanup_close_ int tree = -1;

  /* A recursive copy: a non-recursive one could uncover files that a
   * submount hides on the host, and the kernel refuses it anyway when
   * locked mounts are involved. */
  tree = sys_open_tree (srcfd, "",
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
  if (tree < 0)
    return BIND_CLONE;

  /* While the copy is detached nothing can use it: set the flags now so
   * that it is never reachable writable or with device/suid access. */
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
    return BIND_SET_ATTR;

  *tree_out = steal_fd (&tree);
  return BIND_OK;
}

enum bind_result
bind_mount_fd (int srcfd, int destfd, unsigned flags)
{
  _cleanup_close_ int tree = -1;
  enum bind_result r = bind_clone_tree (srcfd, flags, &tree);

  if (r != BIND_OK)
    return r;
  if (mount_attach (tree, destfd) < 0)
    return BIND_ATTACH;
  return BIND_OK;
}

enum bind_result
bind_mount_in_root (int src_root_fd, const char *src, int destfd, unsigned flags)
{
  _cleanup_close_ int srcfd = open_in_root (src_root_fd, src, O_PATH, 0);

  if (srcfd < 0)
    return BIND_OPEN_SOURCE;
  return bind_mount_fd (srcfd, destfd, flags);
}

enum bind_result
bind_remount_ro (int destfd)
{
  struct hutch_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  /* No AT_RECURSIVE: only the mount at destfd changes. */
  if (sys_mount_setattr (destfd, "", AT_EMPTY_PATH, &attr) < 0)
    return BIND_REMOUNT;
  return BIND_OK;
}

int
mount_new_fs (const char *fstype, const struct fs_param *params, size_t n_params,
              unsigned attrs)
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

int
mount_attach (int mntfd, int destfd)
{
  return sys_move_mount (mntfd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}
