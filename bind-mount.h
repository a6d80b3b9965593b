/* hutch — the one mount interface the build uses (setup.c, setup-*.c).
 *
 * Two backends sit behind it, chosen once per run by mount_api_choose()
 * (a probe of the kernel; HUTCH_TEST_LEGACY_MOUNT=1 forces the second for
 * the tests), after which every function here goes to the chosen one and
 * no caller asks which it is:
 *
 *  - mount-api.c, the fd-based mount API: a detached copy of the source is
 *    made with open_tree(), its flags are set with mount_setattr() while
 *    it is still detached, and only then is it attached with
 *    move_mount(); new filesystems come from fsopen()/fsmount().
 *  - mount-legacy.c, mount(2), where that API is missing (Linux before
 *    5.12) or refused (a container's seccomp filter): "detached" then
 *    means mounted on a stage in the build's base tmpfs, which the
 *    sandbox never sees; fds name sources and destinations through
 *    /proc/self/fd/N; the submounts a recursive bind copies are found in
 *    a model of the mount tree (mount-model.c), read from
 *    /proc/self/mountinfo once per run.
 *
 * Either way no path is looked up twice, and no mount is ever visible in
 * the new root with the wrong flags.  mount-backend.h is the contract
 * between this interface (bind-mount.c) and the two backends.
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

#include "mount-kernel.h"
#include "utils.h"

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
  MOUNT_API_NEW = 0, /* open_tree, move_mount, fsopen..., mount_setattr */
  MOUNT_API_MISSING, /* fallback: the kernel lacks some call (ENOSYS) */
  MOUNT_API_REFUSED, /* fallback: some call is refused (EPERM, EACCES) */
  MOUNT_API_FORCED,  /* fallback: HUTCH_TEST_LEGACY_MOUNT=1 */
};

/* Once per run, first thing in the build (in the child, with every
 * capability over its mount namespace): probe the API and choose.
 * `proc_fd` is an fd of a procfs where "self" is this process (the host's
 * /proc, opened before clone); the fallback reaches fds through it.
 * `honour_test_switch`: see mount_api_test_forced().  `needs_fs_context`:
 * the build will make a filesystem through fsopen()/fsconfig()/fsmount()
 * (an overlay); without it only open_tree, move_mount and mount_setattr
 * are probed, which are all a build of binds, tmpfs, proc and devpts
 * uses (mount-api.c makes those filesystems with mount(2)). */
enum mount_api mount_api_choose (int proc_fd, bool honour_test_switch, bool needs_fs_context);

/* After mount_api_choose(): why the fallback is used, for a log line
 * ("the kernel lacks mount_setattr"); NULL with the fd-based API. */
const char *mount_api_fallback_reason (void);

/* After mount_api_choose(): say which API the build uses (an info line). */
void mount_api_log (void);

/* Once the base tmpfs is "/" (after the first pivot_root), `base_fd` its
 * root and the cwd: what the chosen backend needs for the build (with the
 * fallback: the stages in the base, and /proc/self/mountinfo read into
 * the model, the one time this run reads it).  0, or -1 with errno set. */
int mount_build_begin (int base_fd);

/* When the build is over (with "/" the base again): the backend's state
 * forgotten (the stages go with the base). */
void mount_build_end (void);

/* What "/" is while building.  The base, normally; the host's tree (the
 * base's "oldroot", by chroot(2), the cwd staying in the base) when the
 * fd-based backend looks a bind's source up by path, which it does from
 * "/".  Whoever names the base by an absolute path (overlays; the end of
 * the build) calls mount_view_base() first; mount_view_host() for the
 * caller's paths (a diagnosis).  Each is a no-op when "/" is already
 * that; die on failure. */
void mount_view_host (void);
void mount_view_base (void);

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
  BIND_OPEN_DEST,   /* the destination, just made, could not be opened */
  BIND_FIND_SOURCE, /* the source's real path could not be found */
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

/* Copy the mount tree at srcfd (any fd, O_PATH is fine; recursively),
 * make every mount in the copy nosuid (+ nodev unless BIND_DEVICES,
 * + read-only with BIND_READONLY), then attach it on destfd. */
enum bind_result bind_mount_fd (int srcfd, int destfd, unsigned flags);

/* Bind the entry `name` of dirfd (not followed if a symlink) read-only
 * on itself.  BIND_OPEN_SOURCE with errno ENOENT or EACCES when there is
 * no such entry to be reached. */
enum bind_result bind_cover_ro (int dirfd, const char *name);

/* Same, with the source opened as open_in_root (src_root_fd, src). */
enum bind_result bind_mount_in_root (int src_root_fd, const char *src, int destfd, unsigned flags);

/* ---- The source of a bind op (--bind, --ro-bind, --dev-bind). ---- */

/* What the check before the build found, kept in struct run for the
 * build (and for a plan to show). */
struct bind_source
{
  char *path;   /* owned: the path the build binds from (absolute) */
  bool missing; /* a -try variant whose source is missing: the op is skipped */
  bool is_dir;  /* the source's kind, when the backend checks it now (fd-based) */
};

/* realpath (path), dying with "Can't find source path PATH: ..." unless
 * the path may be missing and is (then NULL and *missing set). */
char *bind_source_realpath (const char *path, bool may_be_missing, bool *missing);

/* Before any mount, in the caller's view (its "/" and cwd, `cwd` being
 * its path, NULL if unknown): check the source `path` of a bind, with
 * the errors realpath() gives, into *out.  A missing source sets
 * out->missing if `may_be_missing`, else dies with "Can't find source
 * path PATH: ...".  fd-based: checked (stat) and its kind noted; the path
 * made absolute, and resolved if it is in /proc (its magic links would
 * mean something else by then).  mount(2): realpath(). */
void bind_source_check (const char *path, const char *cwd, bool may_be_missing,
                        struct bind_source *out);

/* During the build, in op order, before the destination is made: the
 * source's kind into *is_dir, and in *fd_out an fd to bind from, or -1
 * (the caller closes it).  fd-based: nothing to open.  mount(2): opened
 * below the host's tree oldroot_fd (BIND_OPEN_SOURCE, errno set; dies
 * with "Can't get type of source NAME" if it can't be stat'ed). */
enum bind_result bind_source_open (const struct bind_source *src, const char *name, int oldroot_fd,
                                   int *fd_out, bool *is_dir);

/* Then: a detached, flagged copy of the source's tree, as
 * bind_clone_tree(), from what bind_source_open() gave.  fd-based: looked
 * up by path from the host's "/" (mount_view_host()), symlinks followed;
 * a lookup that fails is BIND_OPEN_SOURCE; a magic link to a file of the
 * caller's mount namespace (/dev/stdin) is found again by its real path,
 * BIND_FIND_SOURCE when that fails. */
enum bind_result bind_source_clone (const struct bind_source *src, int fd, unsigned flags,
                                    int *tree_out);

/* Bind the host's `host_path` (absolute, below the host's tree
 * oldroot_fd, symlinks followed) on the entry `name` of dirfd that the
 * caller has just made (not followed if a symlink).  BIND_OPEN_DEST when
 * that entry can't be opened. */
enum bind_result bind_host_path_at (int oldroot_fd, const char *host_path, unsigned flags,
                                    int dirfd, const char *name);

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
