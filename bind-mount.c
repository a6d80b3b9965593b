/* hutch — the mount interface (see bind-mount.h): the probe that chooses
 * a backend once per run, the functions that go to it, and what both
 * backends share (what "/" is while building, results and messages).
 */
#include "config.h"

#include "bind-mount.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mount-backend.h"

int
open_in_root (int rootfd, const char *path, int flags, mode_t mode)
{
  struct hutch_open_how how = {
    .flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
    .mode = (flags & O_CREAT) ? (uint64_t)mode : 0,
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
    case BIND_OPEN_DEST:
      return "Unable to open the destination";
    case BIND_FIND_SOURCE:
      return "Unable to find the source's real path";
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

/* ------------------------------------------------------------------------ */
/* Which API                                                                 */

const char *const mount_api_calls[MOUNT_API_N_CALLS] = {
  "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "mount_setattr",
};

/* The bits of mount_api_calls[] of the fs-context calls. */
#define FS_CONTEXT_CALLS ((1u << 2) | (1u << 3) | (1u << 4))

/* mount_api_probe() of the calls whose bits are in `which` only. */
static void
probe_calls (unsigned which, unsigned *missing, unsigned *refused)
{
  struct hutch_mount_attr attr;
  long r[MOUNT_API_N_CALLS] = { 0 };
  int err[MOUNT_API_N_CALLS] = { 0 };
  size_t n = 0;

  /* Nothing must come of these calls, nor close anything: a call that
   * returns an fd is closed only if it does; mount_setattr() gets flags
   * it must refuse (with nothing to set it would succeed at once). */
  memset (&attr, 0, sizeof attr);
#define PROBE(expr, returns_fd)                                                                    \
  do                                                                                               \
    {                                                                                              \
      if (which & (1u << n))                                                                       \
        {                                                                                          \
          errno = 0;                                                                               \
          r[n] = (long)(expr);                                                                     \
          err[n] = errno;                                                                          \
          if ((returns_fd) && r[n] >= 0)                                                           \
            close ((int)r[n]);                                                                     \
        }                                                                                          \
      n++;                                                                                         \
    }                                                                                              \
  while (0)
  PROBE (syscall (__NR_open_tree, -1, "", 0), true);
  PROBE (syscall (__NR_move_mount, -1, "", -1, "", 0), false);
  PROBE (syscall (__NR_fsopen, NULL, 0), true);
  PROBE (syscall (__NR_fsconfig, -1, 0, NULL, NULL, 0), false);
  PROBE (syscall (__NR_fsmount, -1, 0, 0), true);
  PROBE (syscall (__NR_mount_setattr, -1, "", ~0u, &attr, sizeof attr), false);
#undef PROBE

  *missing = *refused = 0;
  for (size_t i = 0; i < n; i++)
    if (r[i] < 0 && err[i] == ENOSYS)
      *missing |= 1u << i;
    else if (r[i] < 0 && (err[i] == EPERM || err[i] == EACCES))
      *refused |= 1u << i;
}

void
mount_api_probe (unsigned *missing, unsigned *refused)
{
  probe_calls ((1u << MOUNT_API_N_CALLS) - 1, missing, refused);
}

bool
mount_api_has_openat2 (void)
{
  /* A size below the first struct open_how: EINVAL where it exists. */
  return !(syscall (__NR_openat2, -1, "", NULL, 0) < 0 && errno == ENOSYS);
}

bool
mount_api_test_forced (bool honoured)
{
  const char *v = getenv ("HUTCH_TEST_LEGACY_MOUNT");

  return honoured && v != NULL && strcmp (v, "1") == 0;
}

/* The choice, made once per run in the child that builds the sandbox. */
static struct
{
  enum mount_api api;
  const struct mount_backend *be;
  char reason[160];
  int proc_fd;    /* a procfs where "self" is us (not owned) */
  bool host_view; /* "/" is the host's tree: see mount_view_host() */
} chosen = { .api = MOUNT_API_NEW, .be = &mount_backend_fd, .proc_fd = -1 };

void
mount_api_call_names (unsigned mask, const char *sep, char *buf, size_t size)
{
  size_t len = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < MOUNT_API_N_CALLS; i++)
    if (mask & (1u << i))
      {
        int w = snprintf (buf + len, size - len, "%s%s", len ? sep : "", mount_api_calls[i]);
        if (w > 0 && (size_t)w < size - len)
          len += (size_t)w;
      }
}

enum mount_api
mount_api_choose (int proc_fd, bool honour_test_switch, bool needs_fs_context)
{
  unsigned all = (1u << MOUNT_API_N_CALLS) - 1;
  unsigned missing, refused;
  char names[96];

  chosen.proc_fd = proc_fd;
  probe_calls (needs_fs_context ? all : all & ~FS_CONTEXT_CALLS, &missing, &refused);
  if (missing != 0)
    {
      mount_api_call_names (missing, ", ", names, sizeof names);
      chosen.api = MOUNT_API_MISSING;
      snprintf (chosen.reason, sizeof chosen.reason, "the kernel lacks %s", names);
    }
  else if (refused != 0)
    {
      mount_api_call_names (refused, ", ", names, sizeof names);
      chosen.api = MOUNT_API_REFUSED;
      snprintf (chosen.reason, sizeof chosen.reason, "%s refused, by a seccomp filter?", names);
    }
  else if (mount_api_test_forced (honour_test_switch))
    {
      chosen.api = MOUNT_API_FORCED;
      snprintf (chosen.reason, sizeof chosen.reason, "forced by HUTCH_TEST_LEGACY_MOUNT=1");
    }
  else
    chosen.api = MOUNT_API_NEW;
  chosen.be = chosen.api == MOUNT_API_NEW ? &mount_backend_fd : &mount_backend_legacy;
  return chosen.api;
}

const char *
mount_api_fallback_reason (void)
{
  return chosen.api != MOUNT_API_NEW ? chosen.reason : NULL;
}

void
mount_api_log (void)
{
  if (chosen.api != MOUNT_API_NEW)
    log_msg (LOG_LVL_INFO,
             "mount API unavailable (%s): falling back to mount(2), "
             "reading mountinfo once",
             chosen.reason);
  else
    log_msg (LOG_LVL_INFO, "mount API: open_tree, move_mount and mount_setattr");
}

int
mount_backend_proc_fd (void)
{
  return chosen.proc_fd;
}

/* ------------------------------------------------------------------------ */
/* What "/" is while building                                                */

void
mount_view_host (void)
{
  if (chosen.host_view)
    return;
  if (chroot ("oldroot") < 0) /* the cwd is the base's root */
    die_with_error ("Can't chroot to the host's root");
  chosen.host_view = true;
}

void
mount_view_base (void)
{
  if (!chosen.host_view)
    return;
  if (chroot (".") < 0)
    die_with_error ("Can't chroot back to the base");
  chosen.host_view = false;
}

int
mount_build_begin (int base_fd)
{
  return chosen.be->build_begin (base_fd);
}

void
mount_build_end (void)
{
  chosen.be->build_end ();
}

/* ------------------------------------------------------------------------ */
/* Shared by both backends                                                   */

unsigned
bind_attrs (unsigned flags)
{
  unsigned attrs = MOUNT_ATTR_NOSUID;

  if ((flags & BIND_DEVICES) == 0)
    attrs |= MOUNT_ATTR_NODEV;
  if (flags & BIND_READONLY)
    attrs |= MOUNT_ATTR_RDONLY;
  return attrs;
}

unsigned long
mount_ms_flags (unsigned attrs)
{
  unsigned long ms = 0;

  if (attrs & MOUNT_ATTR_RDONLY)
    ms |= MS_RDONLY;
  if (attrs & MOUNT_ATTR_NOSUID)
    ms |= MS_NOSUID;
  if (attrs & MOUNT_ATTR_NODEV)
    ms |= MS_NODEV;
  if (attrs & MOUNT_ATTR_NOEXEC)
    ms |= MS_NOEXEC;
  return ms;
}

int
mount_fs_options (const struct fs_param *params, size_t n, char **out)
{
  char *s = NULL;

  *out = NULL;
  for (size_t i = 0; i < n; i++)
    {
      char *next;

      /* "lowerdir+" and the like take their value literally: a comma in
       * it, or the key itself, would mean something else here. */
      if (strchr (params[i].key, '+') != NULL
          || (params[i].value != NULL && strchr (params[i].value, ',') != NULL))
        {
          free (s);
          errno = EINVAL;
          return -1;
        }
      next = xasprintf ("%s%s%s%s%s", s ? s : "", s ? "," : "", params[i].key,
                        params[i].value ? "=" : "", params[i].value ? params[i].value : "");
      free (s);
      s = next;
    }
  *out = s;
  return 0;
}

char *
bind_source_realpath (const char *path, bool may_be_missing, bool *missing)
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

/* ------------------------------------------------------------------------ */
/* To the chosen backend                                                     */

void
bind_source_check (const char *path, const char *cwd, bool may_be_missing, struct bind_source *out)
{
  chosen.be->source_check (path, cwd, may_be_missing, out);
}

enum bind_result
bind_source_open (const struct bind_source *src, const char *name, int oldroot_fd, int *fd_out,
                  bool *is_dir)
{
  return chosen.be->source_open (src, name, oldroot_fd, fd_out, is_dir);
}

enum bind_result
bind_source_clone (const struct bind_source *src, int fd, unsigned flags, int *tree_out)
{
  return chosen.be->source_clone (src, fd, flags, tree_out);
}

enum bind_result
bind_host_path_at (int oldroot_fd, const char *host_path, unsigned flags, int dirfd,
                   const char *name)
{
  return chosen.be->host_path_at (oldroot_fd, host_path, flags, dirfd, name);
}

enum bind_result
bind_clone_tree (int srcfd, unsigned flags, int *tree_out)
{
  return chosen.be->clone_tree (srcfd, flags, tree_out);
}

enum bind_result
bind_mount_fd (int srcfd, int destfd, unsigned flags)
{
  _cleanup_close_ int tree = -1;
  enum bind_result r = chosen.be->clone_tree (srcfd, flags, &tree);

  if (r != BIND_OK)
    return r;
  if (chosen.be->attach (tree, destfd) < 0)
    return BIND_ATTACH;
  return BIND_OK;
}

enum bind_result
bind_cover_ro (int dirfd, const char *name)
{
  return chosen.be->cover_ro (dirfd, name);
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
  return chosen.be->remount_ro (destfd);
}

int
mount_new_fs (const char *fstype, const struct fs_param *params, size_t n_params, unsigned attrs)
{
  return chosen.be->new_fs (fstype, params, n_params, attrs);
}

int
mount_new_fs_at (const char *fstype, const struct fs_param *params, size_t n_params, unsigned attrs,
                 const char *path, bool *created)
{
  *created = false;
  return chosen.be->new_fs_at (fstype, params, n_params, attrs, path, created);
}

int
mount_attach (int mntfd, int destfd)
{
  return chosen.be->attach (mntfd, destfd);
}

int
mount_attach_at (int mntfd, int dirfd, const char *name)
{
  return chosen.be->attach_at (mntfd, dirfd, name);
}
