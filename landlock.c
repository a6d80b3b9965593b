/* hutch — Landlock, through the raw system calls.
 *
 * Three independent parts, each restricted only when asked for:
 *  - files: once a --landlock-ro or --landlock-rw is given, every file
 *    access right the kernel knows is "handled", so the command may read
 *    and execute only beneath the ro and rw paths, and change things only
 *    beneath the rw paths.  Rights a kernel lacks are simply not handled
 *    (truncate before ABI 3, device ioctls before ABI 5: those stay
 *    unrestricted there; before ABI 2 files can't be moved across
 *    directories at all);
 *  - TCP (ABI 4): once --landlock-connect-tcp / --landlock-bind-tcp is
 *    given, connect / bind to any other port is refused;
 *  - scopes (ABI 6): abstract unix sockets and signals reach only
 *    processes of the same Landlock domain.
 *
 * The ABI is probed once, in the check phase, so that a missing right is
 * an error before anything exists.  The paths are opened in the command
 * after the new root is in place: they are paths of the sandbox.
 *
 * The structures are declared here, not taken from <linux/landlock.h>:
 * older headers (Debian 12's) lack the network and scope fields, and the
 * kernel accepts a larger structure as long as the fields it does not
 * know are zero.
 */
#include "config.h"

#include "landlock.h"
#include "mount-kernel.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef HAVE_LINUX_LANDLOCK_H
#include <linux/landlock.h>
#endif

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_EXECUTE
#define LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#define LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2)
#define LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3)
#endif
#ifndef LANDLOCK_ACCESS_FS_MAKE_SYM
#define LANDLOCK_ACCESS_FS_MAKE_SYM (1ULL << 12)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* Rule types: these are enum values in the header, so no #ifndef. */
#define HUTCH_LANDLOCK_RULE_PATH_BENEATH 1
#define HUTCH_LANDLOCK_RULE_NET_PORT 2

struct hutch_ruleset_attr
{
  uint64_t handled_access_fs;
  uint64_t handled_access_net; /* ABI 4 */
  uint64_t scoped;             /* ABI 6 */
};

struct hutch_path_beneath_attr
{
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__ ((packed));

struct hutch_net_port_attr
{
  uint64_t allowed_access;
  uint64_t port;
};

/* Every file right of ABI 1: execute ... make_sym. */
#define FS_RIGHTS_ABI1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
#define FS_READ_RIGHTS                                                                             \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* The rights that make sense on a file that is not a directory. */
#define FS_FILE_RIGHTS                                                                             \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE       \
   | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

static uint64_t
fs_rights_of_abi (int abi)
{
  uint64_t r = 0;
  if (abi >= 1)
    r |= FS_RIGHTS_ABI1;
  if (abi >= 2)
    r |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3)
    r |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5)
    r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return r;
}

/* ------------------------------------------------------------------------ */
/* Parse                                                                     */

static void
append_path (const char ***paths, size_t *n, const char *path)
{
  *paths = xrealloc (*paths, (*n + 1) * sizeof **paths);
  (*paths)[(*n)++] = path;
}

void
landlock_parse_path (struct sandbox *sb, const char *path, bool writable)
{
  if (*path == '\0')
    die ("%s: empty path", writable ? "--landlock-rw" : "--landlock-ro");
  if (writable)
    append_path (&sb->landlock_rw, &sb->n_landlock_rw, path);
  else
    append_path (&sb->landlock_ro, &sb->n_landlock_ro, path);
}

/* A port: decimal 0..65535, nothing else. */
static bool
parse_port (const char *s, size_t len, uint16_t *out)
{
  uint32_t v = 0;
  if (len == 0 || len > 5)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      v = v * 10 + (uint32_t)(s[i] - '0');
    }
  if (v > 65535)
    return false;
  *out = (uint16_t)v;
  return true;
}

void
landlock_parse_ports (struct sandbox *sb, const char *option, const char *list, bool bind)
{
  struct port_range **ranges = bind ? &sb->landlock_bind : &sb->landlock_connect;
  size_t *n = bind ? &sb->n_landlock_bind : &sb->n_landlock_connect;
  const char *p = list;

  if (bind)
    sb->landlock_bind_given = true;
  else
    sb->landlock_connect_given = true;
  if (strcmp (list, "none") == 0)
    return;
  for (;;)
    {
      size_t len = strcspn (p, ",");
      const char *dash = memchr (p, '-', len);
      struct port_range r;
      bool ok;

      if (dash == NULL)
        {
          ok = parse_port (p, len, &r.lo);
          r.hi = r.lo;
        }
      else
        ok = parse_port (p, (size_t)(dash - p), &r.lo)
             && parse_port (dash + 1, len - (size_t)(dash - p) - 1, &r.hi) && r.lo <= r.hi;
      if (!ok)
        die ("%s: invalid port list \"%s\" (ports 0-65535 and ranges, e.g. 80,443,8000-8080)",
             option, list);
      *ranges = xrealloc (*ranges, (*n + 1) * sizeof **ranges);
      (*ranges)[(*n)++] = r;
      if (p[len] == '\0')
        break;
      p += len + 1;
    }
}

/* ------------------------------------------------------------------------ */
/* Check                                                                     */

static int
probe_abi (void)
{
  long abi = syscall (__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : (int)abi; /* ENOSYS: not built; EOPNOTSUPP: disabled at boot */
}

/* The rights the ruleset handles, from what is asked and what the
 * kernel's ABI has (with --landlock-best-effort a right it lacks is
 * dropped): decided once, the run enforces them, --dry-run prints them. */
static void
decide_rights (const struct sandbox *sb, struct run *run)
{
  int abi = run->landlock_abi;

  run->landlock_fs = run->landlock_net = run->landlock_scoped = 0;
  if (sb->n_landlock_ro + sb->n_landlock_rw > 0)
    run->landlock_fs = fs_rights_of_abi (abi);
  if (abi >= 4 && sb->landlock_connect_given)
    run->landlock_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
  if (abi >= 4 && sb->landlock_bind_given)
    run->landlock_net |= LANDLOCK_ACCESS_NET_BIND_TCP;
  if (abi >= 6 && sb->scope_abstract_unix)
    run->landlock_scoped |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
  if (abi >= 6 && sb->scope_signals)
    run->landlock_scoped |= LANDLOCK_SCOPE_SIGNAL;
}

void
landlock_summarize (const struct run *run, struct landlock_summary *out)
{
  out->fs = run->landlock_fs != 0;
  out->connect_tcp = (run->landlock_net & LANDLOCK_ACCESS_NET_CONNECT_TCP) != 0;
  out->bind_tcp = (run->landlock_net & LANDLOCK_ACCESS_NET_BIND_TCP) != 0;
  out->scope_abstract_unix = (run->landlock_scoped & LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET) != 0;
  out->scope_signals = (run->landlock_scoped & LANDLOCK_SCOPE_SIGNAL) != 0;
}

struct requested
{
  bool wanted;
  const char *option;
  const char *right;
  int abi;
};

void
landlock_check (const struct sandbox *sb, struct run *run)
{
  const struct requested req[] = {
    { sb->n_landlock_ro > 0, "--landlock-ro", "LANDLOCK_ACCESS_FS_READ_FILE", 1 },
    { sb->n_landlock_rw > 0, "--landlock-rw", "LANDLOCK_ACCESS_FS_WRITE_FILE", 1 },
    { sb->landlock_connect_given, "--landlock-connect-tcp", "LANDLOCK_ACCESS_NET_CONNECT_TCP", 4 },
    { sb->landlock_bind_given, "--landlock-bind-tcp", "LANDLOCK_ACCESS_NET_BIND_TCP", 4 },
    { sb->scope_abstract_unix, "--scope-abstract-unix", "LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET", 6 },
    { sb->scope_signals, "--scope-signals", "LANDLOCK_SCOPE_SIGNAL", 6 },
  };
  bool any = false;

  run->landlock_abi = 0;
  for (size_t i = 0; i < N_ELEMENTS (req); i++)
    any |= req[i].wanted;
  if (!any)
    {
      if (sb->landlock_best_effort)
        die ("--landlock-best-effort needs a Landlock option (--landlock-ro, --landlock-rw, ...)");
      return;
    }

  run->landlock_abi = probe_abi ();
  for (size_t i = 0; i < N_ELEMENTS (req); i++)
    {
      if (!req[i].wanted || run->landlock_abi >= req[i].abi)
        continue;
      if (!sb->landlock_best_effort)
        die ("%s: the Landlock right %s needs ABI %d, the kernel has ABI %d"
             " (--landlock-best-effort goes on without it)",
             req[i].option, req[i].right, req[i].abi, run->landlock_abi);
      warn_msg ("%s: the Landlock right %s needs ABI %d, the kernel has ABI %d:"
                " going on without it",
                req[i].option, req[i].right, req[i].abi, run->landlock_abi);
    }
  decide_rights (sb, run);
}

/* ------------------------------------------------------------------------ */
/* Apply                                                                     */

static void
add_path_rule (int ruleset_fd, const char *option, const char *path, uint64_t rights)
{
  _cleanup_close_ int fd = open (path, O_PATH | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    die_with_error ("%s %s", option, path);
  if (fstat (fd, &st) < 0)
    die_with_error ("%s %s: fstat", option, path);
  if (!S_ISDIR (st.st_mode))
    rights &= FS_FILE_RIGHTS; /* the kernel refuses directory rights on a file */

  struct hutch_path_beneath_attr attr = { .allowed_access = rights, .parent_fd = fd };
  if (syscall (__NR_landlock_add_rule, ruleset_fd, HUTCH_LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
    die_with_error ("%s %s: can't add the Landlock rule", option, path);
}

static void
add_port_rules (int ruleset_fd, const char *option, const struct port_range *ranges, size_t n,
                uint64_t right)
{
  for (size_t i = 0; i < n; i++)
    for (uint32_t port = ranges[i].lo; port <= ranges[i].hi; port++)
      {
        struct hutch_net_port_attr attr = { .allowed_access = right, .port = port };
        if (syscall (__NR_landlock_add_rule, ruleset_fd, HUTCH_LANDLOCK_RULE_NET_PORT, &attr, 0)
            < 0)
          die_with_error ("%s: can't add the Landlock rule for port %u", option, port);
      }
}

/* Landlock (ABI 1 to 7) does not look at changes of a file's metadata:
 * chmod, chown, utimes, setxattr/removexattr, FS_IOC_SETFLAGS work on any
 * file of a writable mount, beneath a --landlock-ro path or beneath no
 * path at all.  So once file rules are given, every mount of the sandbox
 * is made read-only but beneath the --landlock-rw paths, which keep the
 * mounts they had: a copy of the mounts at each is taken first
 * (open_tree(OPEN_TREE_CLONE | AT_RECURSIVE)), the whole tree is made
 * read-only (mount_setattr(AT_RECURSIVE)), and each copy is attached on
 * its path again.  What Landlock refuses already (writing, creating,
 * removing) stays refused, now with EROFS; device nodes, fifos and sockets
 * are not files a read-only mount protects, and work as before.  Nothing
 * to do when a --landlock-rw path is the root.  Done in the build phase,
 * while hutch may still change the sandbox's mounts (no working directory
 * is taken yet). */
/* With --exec-label, /proc stays as it was: the label is written to
 * /proc/thread-self/attr/exec after the ids are switched (writes to /proc
 * are Landlock's to refuse; procfs refuses chmod and utimes itself). */
static bool
keep_proc (const struct sandbox *sb)
{
  struct statfs fs;
  return sb->exec_label != NULL && statfs ("/proc", &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC
         && (fs.f_flags & ST_RDONLY) == 0;
}

void
landlock_protect_tree (const struct sandbox *sb, const struct run *run)
{
  if (run->landlock_fs == 0)
    return;

  struct stat root, st;
  size_t n = sb->n_landlock_rw;
  const char **paths = xcalloc (n + 1, sizeof *paths);
  int *copies = xcalloc (n + 1, sizeof *copies);
  int *places = xcalloc (n + 1, sizeof *places);
  bool all_writable = false;

  if (n > 0) /* (landlock_rw is NULL when there is none) */
    memcpy (paths, sb->landlock_rw, n * sizeof *paths);
  if (keep_proc (sb))
    paths[n++] = "/proc";
  if (stat ("/", &root) < 0)
    die_with_error ("--landlock-ro: stat /");
  for (size_t i = 0; i < n; i++)
    {
      /* Where the copy goes back: the place, not the name (a symlink is
       * followed, as for Landlock's own rule). */
      places[i] = open (paths[i], O_PATH | O_CLOEXEC);
      if (places[i] < 0)
        die_with_error ("--landlock-rw %s", paths[i]);
      copies[i] = sys_open_tree (
          places[i], "", AT_EMPTY_PATH | OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
      if (copies[i] < 0)
        die_with_error ("--landlock-rw %s: can't copy its mounts (open_tree)", paths[i]);
      if (fstat (copies[i], &st) < 0)
        die_with_error ("--landlock-rw %s: fstat", paths[i]);
      all_writable |= st.st_dev == root.st_dev && st.st_ino == root.st_ino;
    }

  struct hutch_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  if (!all_writable && sys_mount_setattr (AT_FDCWD, "/", AT_RECURSIVE, &attr) < 0)
    die_with_error ("--landlock-ro: can't make the sandbox's mounts read-only outside the "
                    "--landlock-rw paths (mount_setattr)");
  for (size_t i = 0; i < n; i++)
    {
      if (!all_writable
          && sys_move_mount (copies[i], "", places[i], "",
                             MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
                 < 0)
        die_with_error ("--landlock-rw %s: can't attach its writable mounts again (move_mount)",
                        paths[i]);
      close (copies[i]);
      close (places[i]);
    }
  free (copies);
  free (places);
  free (paths);
}

int
landlock_prepare (const struct sandbox *sb, const struct run *run)
{
  struct hutch_ruleset_attr attr = { 0 };

  /* Decided by landlock_check() (decide_rights()). */
  attr.handled_access_fs = run->landlock_fs;
  attr.handled_access_net = run->landlock_net;
  attr.scoped = run->landlock_scoped;
  if (attr.handled_access_fs == 0 && attr.handled_access_net == 0 && attr.scoped == 0)
    return -1;

  int fd = (int)syscall (__NR_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0)
    die_with_error ("Can't create the Landlock ruleset");

  if (attr.handled_access_fs != 0)
    {
      uint64_t ro = FS_READ_RIGHTS & attr.handled_access_fs;
      for (size_t i = 0; i < sb->n_landlock_ro; i++)
        add_path_rule (fd, "--landlock-ro", sb->landlock_ro[i], ro);
      for (size_t i = 0; i < sb->n_landlock_rw; i++)
        add_path_rule (fd, "--landlock-rw", sb->landlock_rw[i], attr.handled_access_fs);
    }
  if (attr.handled_access_net & LANDLOCK_ACCESS_NET_CONNECT_TCP)
    add_port_rules (fd, "--landlock-connect-tcp", sb->landlock_connect, sb->n_landlock_connect,
                    LANDLOCK_ACCESS_NET_CONNECT_TCP);
  if (attr.handled_access_net & LANDLOCK_ACCESS_NET_BIND_TCP)
    add_port_rules (fd, "--landlock-bind-tcp", sb->landlock_bind, sb->n_landlock_bind,
                    LANDLOCK_ACCESS_NET_BIND_TCP);
  return fd;
}

int
landlock_restrict (int ruleset_fd)
{
  if (ruleset_fd < 0)
    return 0;
  int r = (int)syscall (__NR_landlock_restrict_self, ruleset_fd, 0);
  int err = errno;
  close (ruleset_fd);
  return r < 0 ? -err : 0;
}

int
landlock_prepare_pid1 (const struct sandbox *sb, const struct run *run)
{
  struct run pid1 = *run;

  /* PID 1 passes signals on to the command, whose domain is its own
   * (forked before PID 1 restricted itself), not one below PID 1's: with
   * the signal scope PID 1 could signal nothing of the sandbox.  The
   * command keeps that scope, so it can't signal PID 1 either. */
  pid1.landlock_scoped &= ~(uint64_t)LANDLOCK_SCOPE_SIGNAL;
  return landlock_prepare (sb, &pid1);
}
