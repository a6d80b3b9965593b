/* hutch — bind mounts and other helpers built on the fd-based mount API.
 *
 * Everything here works on file descriptors: sources and destinations are
 * opened first (by the caller, or relative to a root fd with
 * open_in_root()), then a detached copy of the source is made with
 * open_tree(), its flags are set with mount_setattr() while it is still
 * detached, and only then is it attached with move_mount().  No path is
 * ever looked up twice, and no mount is ever visible with the wrong flags.
 *
 * Where that API is missing (Linux before 5.12) or refused (a container's
 * seccomp filter), or when a test forces it, the same functions fall back
 * to mount(2): "detached" then means mounted on a stage in the build's
 * base tmpfs, which the sandbox never sees; fds still name sources and
 * destinations (through /proc/self/fd/N); and the submounts a recursive
 * bind copies are found in a model of the mount tree, read from
 * /proc/self/mountinfo once per run.  The choice is made once, by
 * mount_api_choose(); callers do not change.
 *
 * Functions return a result and leave errno set; the caller, who knows the
 * operation and the paths, turns a failure into a message with
 * die_with_bind_result().
 */
#pragma once

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "utils.h"

/* ---- Kernel interface (glibc may lack wrappers or constants). ---- */

#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_SYMLINKS
#define MOVE_MOUNT_F_SYMLINKS 0x00000001
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_SYMLINKS
#define MOVE_MOUNT_T_SYMLINKS 0x00000010
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef MOUNT_ATTR_NOEXEC
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif

/* fsconfig() commands: an enum in the headers, so use our own names. */
enum
{
  HUTCH_FSCONFIG_SET_FLAG = 0,
  HUTCH_FSCONFIG_SET_STRING = 1,
  HUTCH_FSCONFIG_CMD_CREATE = 6,
};

/* Layouts of the kernel's struct open_how and struct mount_attr (v0). */
struct hutch_open_how
{
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};

struct hutch_mount_attr
{
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

static inline int
sys_open_tree (int dfd, const char *path, unsigned flags)
{
  return (int) syscall (__NR_open_tree, dfd, path, flags);
}

static inline int
sys_move_mount (int from_dfd, const char *from_path, int to_dfd, const char *to_path,
                unsigned flags)
{
  return (int) syscall (__NR_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

static inline int
sys_mount_setattr (int dfd, const char *path, unsigned flags, struct hutch_mount_attr *attr)
{
  return (int) syscall (__NR_mount_setattr, dfd, path, flags, attr, sizeof *attr);
}

static inline int
sys_fsopen (const char *fstype, unsigned flags)
{
  return (int) syscall (__NR_fsopen, fstype, flags);
}

static inline int
sys_fsconfig (int fd, unsigned cmd, const char *key, const void *value, int aux)
{
  return (int) syscall (__NR_fsconfig, fd, cmd, key, value, aux);
}

static inline int
sys_fsmount (int fd, unsigned flags, unsigned attr_flags)
{
  return (int) syscall (__NR_fsmount, fd, flags, attr_flags);
}

static inline int
sys_openat2 (int dfd, const char *path, struct hutch_open_how *how)
{
  return (int) syscall (__NR_openat2, dfd, path, how, sizeof *how);
}

static inline int
sys_pivot_root (const char *new_root, const char *put_old)
{
  return (int) syscall (__NR_pivot_root, new_root, put_old);
}

/* ---- Which API: the fd-based one, or mount(2) as a fallback. ---- */

/* The calls of the fd-based API, in the order of mount_api_probe()'s bits. */
#define MOUNT_API_N_CALLS 6
extern const char *const mount_api_calls[MOUNT_API_N_CALLS];

/* The names of the calls whose bits are set in mask, separated by sep,
 * into buf (truncated to size). */
void mount_api_call_names (unsigned mask, const char *sep, char *buf, size_t size);

/* Each call made with arguments it must refuse: bit i of *missing is set
 * when mount_api_calls[i] fails with ENOSYS (the kernel lacks it), of
 * *refused when it fails with EPERM or EACCES (a seccomp filter; or,
 * without a capability over the mount namespace, the missing capability). */
void mount_api_probe (unsigned *missing, unsigned *refused);

/* openat2(2) (Linux 5.6), which every path lookup here needs, fallback or
 * not: false when the kernel lacks it. */
bool mount_api_has_openat2 (void);

/* HUTCH_TEST_LEGACY_MOUNT=1, a switch for the tests only: true when it is
 * set and `honoured` (the caller passes false in the setuid mode, which
 * ignores it). */
bool mount_api_test_forced (bool honoured);

enum mount_api
{
  MOUNT_API_NEW = 0,  /* open_tree, move_mount, fsopen..., mount_setattr */
  MOUNT_API_MISSING,  /* fallback: the kernel lacks some call (ENOSYS) */
  MOUNT_API_REFUSED,  /* fallback: some call is refused (EPERM, EACCES) */
  MOUNT_API_FORCED,   /* fallback: HUTCH_TEST_LEGACY_MOUNT=1 */
};

/* Once per run, first thing in the build (in the child, with every
 * capability over its mount namespace): probe the API and choose.
 * `proc_fd` is an fd of a procfs where "self" is this process (the host's
 * /proc, opened before clone); the fallback reaches fds through it.
 * `honour_test_switch`: see mount_api_test_forced(). */
enum mount_api mount_api_choose (int proc_fd, bool honour_test_switch);

/* After mount_api_choose(): true with the fd-based API. */
bool mount_api_fd_based (void);

/* After mount_api_choose(): why the fallback is used, for a log line
 * ("the kernel lacks mount_setattr"); NULL with the fd-based API. */
const char *mount_api_fallback_reason (void);

/* Once the base tmpfs is "/" (after the first pivot_root): with the
 * fallback, make the stages in the base (`base_fd`) and read
 * /proc/self/mountinfo into the model, the one time this run reads it.
 * Nothing to do with the fd-based API.  0, or -1 with errno set. */
int mount_build_begin (int base_fd);

/* When the build is over: forget the model (the stages go with the base). */
void mount_build_end (void);

/* ---- Path resolution confined to a root. ---- */

/* openat2(rootfd, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS): ".." and absolute symlinks stay under rootfd.
 * An empty path means rootfd itself.  `mode` is used only with O_CREAT.
 * Retries on EAGAIN/EINTR.  Returns the fd, or -1 with errno set. */
int open_in_root (int rootfd, const char *path, int flags, mode_t mode);

/* ---- Bind mounts. ---- */

enum bind_flags
{
  BIND_READONLY = 1 << 0, /* read-only, recursively */
  BIND_DEVICES = 1 << 1,  /* device nodes usable (no nodev); nosuid always */
};

enum bind_result
{
  BIND_OK = 0,
  BIND_OPEN_SOURCE, /* the source could not be opened */
  BIND_CLONE,       /* the source's mount tree could not be copied */
  BIND_SET_ATTR,    /* the mount flags could not be applied to the copy */
  BIND_ATTACH,      /* the copy could not be attached on the destination */
  BIND_REMOUNT,     /* the mount at the destination could not be changed */
};

/* A short phrase for a result ("Unable to ..."), without errno. */
const char *bind_result_describe (enum bind_result r);

/* Print "PROG: <fmt...>: <describe(r)>: strerror(errnum)" and exit 1. */
void die_with_bind_result (enum bind_result r, int errnum, const char *fmt, ...) NORETURN
    PRINTF (3, 4);

/* The first half of bind_mount_fd(): a detached, flagged copy of the
 * mount tree at srcfd in *tree_out, for the caller to attach with
 * mount_attach() (the fd then refers to the attached mount).  With the
 * fallback the copy is mounted on a stage of the base and *tree_out is an
 * O_PATH fd of its root; at most one copy may wait on the stage. */
enum bind_result bind_clone_tree (int srcfd, unsigned flags, int *tree_out);

/* bind_clone_tree() of the source looked up by `path` from the cwd and
 * "/" of this process, symlinks (magic links too) followed: one call
 * fewer than opening it first.  Only with the fd-based API (the fallback
 * needs an fd: BIND_CLONE, ENOSYS).  A failed lookup is BIND_OPEN_SOURCE. */
enum bind_result bind_clone_path (const char *path, unsigned flags, int *tree_out);

/* Copy the mount tree at srcfd (any fd, O_PATH is fine; recursively),
 * make every mount in the copy nosuid (+ nodev unless BIND_DEVICES,
 * + read-only with BIND_READONLY), then attach it on destfd. */
enum bind_result bind_mount_fd (int srcfd, int destfd, unsigned flags);

/* Bind the entry `name` of dirfd (not followed if a symlink) read-only
 * on itself.  BIND_OPEN_SOURCE with errno ENOENT or EACCES when there is
 * no such entry to be reached. */
enum bind_result bind_cover_ro (int dirfd, const char *name);

/* Same, with the source opened as open_in_root (src_root_fd, src). */
enum bind_result bind_mount_in_root (int src_root_fd, const char *src, int destfd,
                                     unsigned flags);

/* Make the mount whose root is destfd read-only (that mount only, not the
 * mounts below it).  destfd must be the root of a mount.  With the
 * fallback: MS_REMOUNT | MS_BIND | MS_RDONLY with the mount's other flags
 * kept (from the model). */
enum bind_result bind_remount_ro (int destfd);

/* ---- New filesystems. ---- */

struct fs_param
{
  const char *key;
  const char *value; /* NULL: a flag */
};

/* fsopen (fstype) + source=fstype + fsconfig each param + create + fsmount with
 * MOUNT_ATTR_* `attrs`.  Returns a detached mount fd (O_CLOEXEC), or -1
 * with errno set.  With the fallback: mount(2) on the stage, the params as
 * its option string, and an O_PATH fd of the new mount's root; a param
 * that string can't carry (a key with '+', whose value is taken literally,
 * or a ',' in a value) fails with EINVAL. */
int mount_new_fs (const char *fstype, const struct fs_param *params, size_t n_params,
                  unsigned attrs);

/* mount_new_fs() attached at once on `path`, looked up from the cwd with
 * symlinks followed: only for the base of the build, in a mount namespace
 * of our own, before any user path is used (no stage exists yet).
 * Returns an fd of the new mount's root, or -1 with errno set and
 * *created telling whether the file system was made (then the attach
 * failed). */
int mount_new_fs_at (const char *fstype, const struct fs_param *params, size_t n_params,
                     unsigned attrs, const char *path, bool *created);

/* Attach the detached (or attached) mount mntfd on destfd.  0 / -1 errno.
 * With the fallback: MS_MOVE, so mntfd must be the root of a mount. */
int mount_attach (int mntfd, int destfd);

/* Attach mntfd on the entry `name` of the directory dirfd: one component,
 * not "." or "..", not followed if it is a symlink (a mount point the
 * caller has just made there, which it need not open).  0 / -1 errno. */
int mount_attach_at (int mntfd, int dirfd, const char *name);
