/* hutch — --diagnose: what this host allows a sandbox, and why.
 *
 * Every check is made the way the build makes it, without building
 * anything that lasts:
 *
 *  - user namespaces: a child unshares CLONE_NEWUSER, the parent writes its
 *    maps as namespaces.c does, the child makes its mount tree private in a
 *    new mount namespace (which needs a capability in the new user
 *    namespace: AppArmor's restriction takes exactly that away) and tries
 *    the other namespaces; then it exits.  When that fails, the known
 *    switches are read to say which one blocks it;
 *  - the new mount API: each call is made with arguments it must refuse,
 *    so that ENOSYS (missing) tells from EBADF/EINVAL/EFAULT (present) and
 *    EPERM (a seccomp filter refuses it); either way a run falls back to
 *    mount(2), and the line says so (also when HUTCH_TEST_LEGACY_MOUNT
 *    forces it);
 *  - Landlock: landlock_create_ruleset(NULL, 0, VERSION);
 *  - seccomp: SECCOMP_GET_ACTION_AVAIL, the filter this process is under,
 *    no_new_privs;
 *  - SELinux: /sys/fs/selinux; the cgroup version: statfs(/sys/fs/cgroup).
 *
 * Each line is "STATUS  TOPIC: what was found", STATUS one of "ok", "no"
 * (a sandbox feature is missing), "warn" (works, with a caveat) or "info";
 * a "fix:" line follows where something can be done about it.
 */
#include "config.h"

#include "diagnose.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bind-mount.h"
#include "idmap.h"
#include "mount-model.h"
#include "privilege.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static bool failed; /* something a sandbox needs is missing */

PRINTF (3, 4)
static void
report (const char *status, const char *topic, const char *fmt, ...)
{
  va_list ap;
  printf ("%-5s %s: ", status, topic);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
}

PRINTF (1, 2)
static void
fix (const char *fmt, ...)
{
  va_list ap;
  printf ("      fix: ");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
}

/* An integer from a /proc/sys file; -1 when it is missing or unreadable. */
static long
read_sysctl (const char *path)
{
  char buf[64];
  long v = -1;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n > 0)
    {
      buf[n] = '\0';
      if (sscanf (buf, "%ld", &v) != 1)
        v = -1;
    }
  return v;
}

/* The "Seccomp:" field of /proc/self/status: 0 none, 1 strict, 2 filter. */
static int
seccomp_mode (void)
{
  int mode = prctl (PR_GET_SECCOMP, 0, 0, 0, 0);
  return mode < 0 ? 0 : mode;
}

/* ------------------------------------------------------------------------ */
/* /proc masked by a container                                               */

/* The directories of a procfs that the kernel keeps empty as mount points:
 * a mount on one of them hides nothing, and the kernel lets it be. */
static const char *const proc_mount_points[] = { "/sys/fs/binfmt_misc", "/fs/nfsd" };

struct mi_proc
{
  int id;
  char *mnt; /* its mount point (unescaped) */
  bool masked;
};

/* Split one mountinfo line: id, parent id, root, mount point and fstype
 * (after the " - " separator).  False for a line of another shape. */
static bool
mi_split (char *line, int *id, int *parent, char **root, char **mnt, char **fstype)
{
  char *save = NULL, *f[5], *tok;
  size_t n = 0;

  for (tok = strtok_r (line, " ", &save); tok != NULL && n < 5; tok = strtok_r (NULL, " ", &save))
    f[n++] = tok;
  if (n < 5 || sscanf (f[0], "%d", id) != 1 || sscanf (f[1], "%d", parent) != 1)
    return false;
  while ((tok = strtok_r (NULL, " ", &save)) != NULL && strcmp (tok, "-") != 0)
    ; /* per-mount options, optional fields */
  *fstype = tok != NULL ? strtok_r (NULL, " ", &save) : NULL;
  if (*fstype == NULL)
    return false;
  *root = f[3];
  *mnt = f[4];
  mount_model_unescape (*root);
  mount_model_unescape (*mnt);
  return true;
}

/* Is the mount at `mnt` on one of proc_mount_points of the procfs at `proc`? */
static bool
on_proc_mount_point (const char *proc, const char *mnt)
{
  size_t len = strcmp (proc, "/") == 0 ? 0 : strlen (proc);

  if (strncmp (mnt, proc, len) != 0)
    return false;
  for (size_t i = 0; i < N_ELEMENTS (proc_mount_points); i++)
    if (strcmp (mnt + len, proc_mount_points[i]) == 0)
      return true;
  return false;
}

int
diagnose_proc_masks (int mountinfo_fd, struct proc_masks *out)
{
  _cleanup_free_ char *text = NULL;
  _cleanup_free_ char *copy = NULL;
  _cleanup_free_ struct mi_proc *procs = NULL;
  size_t len, n = 0, cap = 0;
  char *line, *save = NULL;
  bool first_is_part = false;
  int r;

  memset (out, 0, sizeof *out);
  r = read_all (mountinfo_fd, &text, &len);
  if (r < 0)
    {
      errno = -r;
      return -1;
    }
  copy = xstrdup (text);

  /* First the whole procfs mounts, then the mounts whose parent is one. */
  for (line = strtok_r (text, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      int id, parent;
      char *root, *mnt, *fstype;

      if (!mi_split (line, &id, &parent, &root, &mnt, &fstype) || strcmp (fstype, "proc") != 0
          || strcmp (root, "/") != 0)
        continue;
      procs = xgrow (procs, &cap, n, sizeof *procs);
      procs[n++] = (struct mi_proc){ id, mnt, false };
    }
  save = NULL;
  for (line = strtok_r (copy, "\n", &save); line != NULL; line = strtok_r (NULL, "\n", &save))
    {
      int id, parent;
      char *root, *mnt, *fstype;

      if (!mi_split (line, &id, &parent, &root, &mnt, &fstype))
        continue;
      for (size_t i = 0; i < n; i++)
        if (procs[i].id == parent && !on_proc_mount_point (procs[i].mnt, mnt))
          {
            /* Named: the first mount on a part of /proc, else one over it all. */
            bool part = strcmp (mnt, procs[i].mnt) != 0;
            procs[i].masked = true;
            if (out->n_covers++ == 0 || (part && !first_is_part))
              snprintf (out->first, sizeof out->first, "%s", mnt);
            first_is_part = first_is_part || part;
          }
    }
  out->n_proc = (unsigned)n;
  for (size_t i = 0; i < n; i++)
    out->n_masked += procs[i].masked;
  return 0;
}

bool
diagnose_proc_all_masked (const struct proc_masks *m)
{
  return m->n_proc > 0 && m->n_masked == m->n_proc;
}

void
diagnose_die_proc_refused (int proc_fd, const char *dest, int errnum)
{
  _cleanup_free_ char *why = NULL;
  struct proc_masks m;
  int fd = openat (proc_fd, "self/mountinfo", O_RDONLY | O_CLOEXEC);

  if (fd >= 0 && diagnose_proc_masks (fd, &m) == 0)
    why = diagnose_proc_refusal (&m);
  if (fd >= 0)
    close (fd);
  if (why != NULL)
    die ("Can't mount proc on %s: %s: %s", dest, strerror (errnum), why);
  errno = errnum;
  die_with_error ("Can't mount proc on %s", dest);
}

#define PROC_WAYS_OUT                                                                              \
  "run the container with /proc unmasked (podman run --security-opt unmask=/proc/*, docker "       \
  "run --security-opt systempaths=unconfined), or use no new PID namespace (no "                   \
  "--unshare-pid, --unshare-all or --pidns) so that the outer /proc is bound"

char *
diagnose_proc_refusal (const struct proc_masks *m)
{
  if (m->n_proc == 0)
    return xstrdup ("no procfs is mounted here, and in a user namespace the kernel gives a new "
                    "one only where a whole one is already visible: mount one at /proc first");
  if (!diagnose_proc_all_masked (m))
    return NULL;
  if (m->n_covers == 1)
    return xasprintf ("the surrounding container masks /proc (a mount on %s), and the kernel "
                      "refuses a new procfs that would show what it hides: " PROC_WAYS_OUT,
                      m->first);
  return xasprintf ("the surrounding container masks /proc (mounts on %s and %u more), and the "
                    "kernel refuses a new procfs that would show what they hide: " PROC_WAYS_OUT,
                    m->first, m->n_covers - 1);
}

/* ------------------------------------------------------------------------ */
/* The mount API                                                             */

#define FALLBACK_TEXT "hutch falls back to mount(2), reading /proc/self/mountinfo once per run"

/* `in_userns`: the masks come from a process with every capability in a
 * user namespace of its own, so EPERM can only be a filter.  The probe
 * (mount_api_probe) is the one a run makes before it builds; where it
 * finds the API missing or refused, the run uses the mount(2) fallback,
 * which needs openat2 (Linux 5.6) still. */
static bool
check_mount_api (bool in_userns, unsigned missing, unsigned refused)
{
  char names[256];

  if (!in_userns)
    mount_api_probe (&missing, &refused);
  if (!mount_api_has_openat2 ())
    {
      report ("no", "mount API", "the kernel lacks openat2 (hutch needs Linux 5.6 or later)");
      fix ("a newer kernel");
      return false;
    }
  if (missing != 0)
    {
      mount_api_call_names (missing, " ", names, sizeof names);
      report ("warn", "mount API", "the kernel lacks: %s (Linux 5.12): " FALLBACK_TEXT, names);
      fix ("a newer kernel, for the fd-based mount API");
      return true;
    }
  if (refused != 0 && (in_userns || getuid () == 0))
    {
      mount_api_call_names (refused, " ", names, sizeof names);
      report ("warn", "mount API",
              "refused (EPERM), probably by a seccomp filter: %s: " FALLBACK_TEXT, names);
      fix ("allow these system calls in the container's seccomp profile");
      return true;
    }
  if (refused != 0)
    {
      report ("info", "mount API",
              "the kernel has open_tree, move_mount, fsopen, fsconfig, "
              "fsmount and mount_setattr (whether they may be used could not be tried "
              "without a user namespace; where they may not, " FALLBACK_TEXT ")");
      return true;
    }
  if (mount_api_test_forced (!privilege_is_setuid ()))
    {
      report ("warn", "mount API",
              "available, but HUTCH_TEST_LEGACY_MOUNT=1 (a switch for the "
              "tests) forces the fallback: " FALLBACK_TEXT);
      return true;
    }
  report ("ok", "mount API",
          "open_tree, move_mount, fsopen, fsconfig, fsmount and mount_setattr are available");
  return true;
}

/* ------------------------------------------------------------------------ */
/* User namespaces                                                           */

#define SYSCTL_MAX_USERNS "/proc/sys/user/max_user_namespaces"
#define SYSCTL_USERNS_CLONE "/proc/sys/kernel/unprivileged_userns_clone"
#define SYSCTL_APPARMOR_USERNS "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"

const char *
diagnose_userns_blocker (void)
{
  if (read_sysctl (SYSCTL_MAX_USERNS) == 0)
    return "user.max_user_namespaces is 0";
  if (getuid () != 0 && read_sysctl (SYSCTL_USERNS_CLONE) == 0)
    return "kernel.unprivileged_userns_clone is 0";
  if (getuid () != 0 && read_sysctl (SYSCTL_APPARMOR_USERNS) == 1)
    return "kernel.apparmor_restrict_unprivileged_userns is 1";
  if (seccomp_mode () == 2)
    return "a seccomp filter (a container's?) is on this process";
  return NULL;
}

/* Where the probe stopped. */
enum userns_stage
{
  STAGE_FORK,
  STAGE_UNSHARE, /* unshare (CLONE_NEWUSER) */
  STAGE_SETGROUPS,
  STAGE_UID_MAP,
  STAGE_GID_MAP,
  STAGE_CAPS, /* no capability inside: mount-private in a new mount namespace */
  STAGE_DONE,
};

static const char *const stage_text[] = {
  [STAGE_FORK] = "fork",
  [STAGE_UNSHARE] = "unshare(CLONE_NEWUSER)",
  [STAGE_SETGROUPS] = "writing /proc/PID/setgroups",
  [STAGE_UID_MAP] = "writing /proc/PID/uid_map",
  [STAGE_GID_MAP] = "writing /proc/PID/gid_map",
  [STAGE_CAPS] = "using a capability inside it (a private mount in a new mount namespace)",
  [STAGE_DONE] = "",
};

/* The namespaces the build may create inside the user namespace. */
static const struct
{
  int flag;
  const char *name;
} other_ns[] = {
  { CLONE_NEWPID, "pid" }, { CLONE_NEWNET, "net" },       { CLONE_NEWIPC, "ipc" },
  { CLONE_NEWUTS, "uts" }, { CLONE_NEWCGROUP, "cgroup" },
};

struct userns_probe
{
  enum userns_stage stage; /* STAGE_DONE: it all worked */
  int err;
  unsigned missing_ns;  /* bit i: other_ns[i] could not be created */
  unsigned api_missing; /* mount_api_probe() inside, at STAGE_DONE */
  unsigned api_refused;
  int proc_err; /* a new procfs in a new PID namespace: 0, an errno, -1 not tried */
};

static int
read_int (int fd, int *v)
{
  ssize_t r = TEMP_FAILURE_RETRY_INT (read (fd, v, sizeof *v));
  return r == (ssize_t)sizeof *v ? 0 : -1;
}

static void
write_int (int fd, int v)
{
  (void)write_all (fd, &v, sizeof v);
}

/* In the probe's namespaces, after unshare (CLONE_NEWPID): a process in
 * the new PID namespace makes a new procfs as the build does, detached
 * (fsmount) or, without that API, on /proc of the probe's own mount
 * namespace, which goes with it.  0, or the errno. */
static int
probe_procfs (void)
{
  int status;
  pid_t pid = fork ();

  if (pid < 0)
    return errno;
  if (pid == 0)
    {
      int fs = sys_fsopen ("proc", FSOPEN_CLOEXEC), mnt = -1;

      if (fs >= 0 && sys_fsconfig (fs, HUTCH_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = sys_fsmount (fs, FSMOUNT_CLOEXEC,
                           MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
      if (mnt >= 0)
        _exit (0);
      if (fs >= 0 || (errno != ENOSYS && errno != EPERM))
        _exit (errno & 0xff);
      /* No fd-based API here (or a filter refuses it): mount(2). */
      if (mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
        _exit (0);
      _exit (errno & 0xff);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return errno;
  return WIFEXITED (status) ? WEXITSTATUS (status) : EIO;
}

/* probe_procfs() for root, which makes no user namespace unless told to:
 * in a new mount and PID namespace of the caller's user namespace. */
static int
probe_procfs_as_root (void)
{
  int status;
  pid_t pid = fork ();

  if (pid < 0)
    return errno;
  if (pid == 0)
    {
      if (unshare (CLONE_NEWNS | CLONE_NEWPID) < 0
          || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        _exit (errno & 0xff);
      _exit (probe_procfs ());
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return errno;
  return WIFEXITED (status) ? WEXITSTATUS (status) : EIO;
}

NORETURN static void
probe_child (int to_parent, int from_parent, bool privileged)
{
  int go, mask = 0;

  if (privileged)
    privilege_raise (); /* root creates the namespace, as namespaces_clone() */
  else if (privilege_is_setuid ())
    {
      /* As the caller alone, so that the caller may write the maps. */
      privilege_drop_all ();
      if (prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
        _exit (0);
    }
  if (unshare (CLONE_NEWUSER) < 0)
    {
      write_int (to_parent, errno);
      _exit (0);
    }
  write_int (to_parent, 0);
  if (read_int (from_parent, &go) < 0 || go != 1)
    _exit (0);

  /* Something only a capability in the new user namespace allows; the
   * new mount namespace and this mount vanish when the child exits. */
  if (unshare (CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      write_int (to_parent, errno);
      _exit (0);
    }
  write_int (to_parent, 0);
  for (size_t i = 0; i < N_ELEMENTS (other_ns); i++)
    if (unshare (other_ns[i].flag) < 0)
      mask |= 1 << i;
  write_int (to_parent, mask);
  unsigned missing, refused;
  mount_api_probe (&missing, &refused);
  write_int (to_parent, (int)missing);
  write_int (to_parent, (int)refused);
  write_int (to_parent, (mask & 1) ? -1 : probe_procfs ());
  _exit (0);
}

/* Try what namespaces_clone() does: in setuid mode (`privileged`), with
 * root ids for the unshare and the map writes, as hutch does. */
static struct userns_probe
probe_userns (bool privileged)
{
  struct userns_probe res = { .stage = STAGE_FORK, .proc_err = -1 };
  int up[2], down[2], v;
  uid_t uid = getuid ();
  gid_t gid = getgid ();

  if (pipe2 (up, O_CLOEXEC) < 0 || pipe2 (down, O_CLOEXEC) < 0)
    die_with_error ("Can't create pipe");
  fflush (stdout);
  pid_t pid = fork ();
  if (pid < 0)
    {
      res.err = errno;
      return res;
    }
  if (pid == 0)
    {
      close (up[0]);
      close (down[1]);
      probe_child (up[1], down[0], privileged);
    }
  close (up[1]);
  close (down[0]);

  res.stage = STAGE_UNSHARE;
  if (read_int (up[0], &v) < 0)
    res.err = EIO;
  else if (v != 0)
    res.err = v;
  else
    {
      if (privileged)
        privilege_raise ();
      /* As namespaces.c does it: through an fd of /proc. */
      int proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
      const struct one_id_map map = {
        .uid = true,
        .uid_inside = uid,
        .uid_outside = uid,
        .gid = true,
        .gid_inside = gid,
        .gid_outside = gid,
      };
      enum idmap_file bad = IDMAP_SETGROUPS;
      int r = proc_fd < 0 ? -errno : idmap_write_one_id (proc_fd, pid, uid != 0, &map, &bad);
      if (proc_fd >= 0)
        close (proc_fd);
      res.stage = bad == IDMAP_SETGROUPS ? STAGE_SETGROUPS
                  : bad == IDMAP_UID_MAP ? STAGE_UID_MAP
                                         : STAGE_GID_MAP;
      if (privileged)
        privilege_lower ();
      write_int (down[1], r == 0 ? 1 : 0);
      if (r < 0)
        res.err = -r;
      else
        {
          res.stage = STAGE_CAPS;
          if (read_int (up[0], &v) < 0)
            res.err = EIO;
          else if (v != 0)
            res.err = v;
          else
            {
              int missing, refused, proc_err;
              if (read_int (up[0], &v) == 0 && read_int (up[0], &missing) == 0
                  && read_int (up[0], &refused) == 0 && read_int (up[0], &proc_err) == 0)
                {
                  res.stage = STAGE_DONE;
                  res.missing_ns = (unsigned)v;
                  res.api_missing = (unsigned)missing;
                  res.api_refused = (unsigned)refused;
                  res.proc_err = proc_err;
                }
              else
                res.err = EIO;
            }
        }
    }
  close (up[0]);
  close (down[1]);
  while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
    ;
  return res;
}

/* Say which switch blocks user namespaces, with its fix. */
static void
explain_userns_block (bool as_root)
{
  bool found = false;
  long max = read_sysctl (SYSCTL_MAX_USERNS);
  long clone_ok = read_sysctl (SYSCTL_USERNS_CLONE);
  long apparmor = read_sysctl (SYSCTL_APPARMOR_USERNS);
  int smode = seccomp_mode ();

  if (access ("/proc/self/ns/user", F_OK) < 0)
    {
      report ("no", "user namespaces", "this kernel has none (built without CONFIG_USER_NS)");
      fix ("a kernel built with CONFIG_USER_NS=y");
      found = true;
    }
  if (max == 0)
    {
      report ("no", "user namespaces", "user.max_user_namespaces is 0: none may be created");
      fix ("sysctl -w user.max_user_namespaces=15000 (as root; make it last in /etc/sysctl.d/)");
      found = true;
    }
  if (!as_root && clone_ok == 0)
    {
      report ("no", "user namespaces",
              "kernel.unprivileged_userns_clone is 0: only root may create them");
      fix ("sysctl -w kernel.unprivileged_userns_clone=1 (as root; make it last in "
           "/etc/sysctl.d/), or install hutch setuid (configure --enable-setuid)");
      found = true;
    }
  if (!as_root && apparmor == 1)
    {
      report ("no", "user namespaces",
              "kernel.apparmor_restrict_unprivileged_userns is 1: AppArmor gives an "
              "unconfined program no capability in a user namespace it creates");
      fix ("an AppArmor profile for hutch with the \"userns,\" rule (see "
           "/etc/apparmor.d/bwrap-userns-restrict on Ubuntu), or sysctl -w "
           "kernel.apparmor_restrict_unprivileged_userns=0, or install hutch setuid");
      found = true;
    }
  if (smode == 2)
    {
      report ("no", "user namespaces",
              "this process runs under a seccomp filter (a container runtime's, as Docker's "
              "default profile, refuses unshare and clone with CLONE_NEWUSER)");
      fix ("run the container with a seccomp profile that allows user namespaces (docker run "
           "--security-opt seccomp=unconfined), or run hutch on the host");
      found = true;
    }
  if (!found)
    report ("info", "user namespaces",
            "none of the known switches blocks them: a security module (SELinux's "
            "user_namespace class, an AppArmor profile) or the limit on nested user "
            "namespaces (32 deep) may; see dmesg for LSM denials");
}

static bool
check_userns (struct userns_probe *out)
{
  bool as_root = getuid () == 0;
  bool ok = false;
  struct userns_probe p = probe_userns (false);
  const char *who = as_root ? "root" : "this user";

  if (p.stage == STAGE_DONE)
    {
      report ("ok", "user namespaces",
              "%s can create one, map its own ids in it and use capabilities inside", who);
      ok = true;
    }
  else
    {
      report ("no", "user namespaces", "%s can't: %s failed: %s", who, stage_text[p.stage],
              strerror (p.err));
      explain_userns_block (as_root);
    }

  if (privilege_is_setuid ())
    {
      struct userns_probe q = probe_userns (true);
      if (q.stage == STAGE_DONE)
        {
          report ("ok", "setuid mode",
                  "installed setuid root: root creates the namespaces and maps only your "
                  "ids, so hutch works here%s",
                  ok ? "" : " although unprivileged user namespaces are blocked");
          p = q;
          ok = true;
        }
      else
        {
          report ("no", "setuid mode", "even root can't create a user namespace: %s failed: %s",
                  stage_text[q.stage], strerror (q.err));
          explain_userns_block (true);
        }
    }

  if (p.stage == STAGE_DONE)
    {
      char missing[128] = "";
      size_t n = 0;
      for (size_t i = 0; i < N_ELEMENTS (other_ns); i++)
        if (p.missing_ns & (1u << i))
          {
            int r = snprintf (missing + n, sizeof missing - n, " %s", other_ns[i].name);
            if (r > 0 && (size_t)r < sizeof missing - n)
              n += (size_t)r;
          }
      if (n == 0)
        report ("ok", "namespaces", "mount, pid, net, ipc, uts and cgroup can be created inside");
      else
        report ("warn", "namespaces",
                "can't be created inside:%s (the --unshare-* options for "
                "them fail; --unshare-all leaves cgroup out when it can't)",
                missing);
    }
  *out = p;
  return ok;
}

/* A new procfs for a sandbox with its own PID namespace (--proc with
 * --unshare-pid), as the probes found it (in a user namespace; and for
 * root, who makes none unless told to, without), and why not from the
 * mount table. */
static void
check_proc (const struct userns_probe *p)
{
  struct proc_masks m = { 0 };
  _cleanup_free_ char *why = NULL;
  int fd = open ("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  bool known = fd >= 0 && diagnose_proc_masks (fd, &m) == 0;
  bool as_root = getuid () == 0 && !privilege_is_setuid ();
  int root_err = as_root ? probe_procfs_as_root () : -1;
  int err = p->proc_err;
  const char *only = "";

  if (fd >= 0)
    close (fd);
  if (as_root && root_err == 0 && err != 0)
    only = " in a user namespace (--unshare-user; root without it is not affected)";
  else if (as_root && err == -1)
    err = root_err;
  if (known && (err == EPERM || err == EACCES || err == -1))
    why = diagnose_proc_refusal (&m);

  if (err == 0)
    report ("ok", "proc", "a sandbox with its own PID namespace can mount a new /proc");
  else if (why != NULL && diagnose_proc_all_masked (&m))
    {
      report ("warn", "proc",
              "/proc is masked by the surrounding container (a mount on %s%s), so the "
              "kernel refuses a new procfs%s: --proc with a new PID namespace fails",
              m.first, m.n_covers > 1 ? " and others" : "", only);
      fix ("%s", PROC_WAYS_OUT);
    }
  else if (why != NULL)
    report ("warn", "proc", "%s%s", why,
            err == -1 ? "" : " (--proc with a new PID namespace fails)");
  else if (err > 0)
    report ("warn", "proc",
            "a new procfs in a new PID namespace is refused%s (%s): --proc "
            "with --unshare-pid fails",
            only, strerror (err));
}

static void
check_setuid (void)
{
  struct stat st;
  bool setuid_bit = stat ("/proc/self/exe", &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0;

#ifdef ENABLE_SETUID
  const bool built = true;
#else
  const bool built = false;
#endif
  if (privilege_is_setuid ())
    return; /* reported with the user namespaces */
  if (setuid_bit && getuid () == 0)
    report ("info", "setuid mode", "installed setuid root; you are root, so it does not apply");
  else if (built)
    report ("info", "setuid mode",
            "built with --enable-setuid but not installed setuid root "
            "(make install as root does: chmod 4755)");
  else
    report ("info", "setuid mode",
            "rootless build (configure --enable-setuid builds the "
            "setuid-optional mode, for hosts that block unprivileged user namespaces)");
}

/* ------------------------------------------------------------------------ */
/* Confinement                                                               */

static void
check_landlock (void)
{
  long abi = syscall (__NR_landlock_create_ruleset, NULL, 0, 1U /* VERSION */);
  if (abi >= 6)
    report ("ok", "landlock", "ABI %ld: every --landlock-* and --scope-* option works", abi);
  else if (abi >= 4)
    report ("warn", "landlock",
            "ABI %ld: --scope-abstract-unix and --scope-signals need ABI 6 (Linux 6.12)", abi);
  else if (abi >= 1)
    report ("warn", "landlock",
            "ABI %ld: --landlock-connect-tcp and --landlock-bind-tcp need ABI 4 (Linux 6.7), "
            "the --scope-* options ABI 6 (Linux 6.12)",
            abi);
  else if (errno == EOPNOTSUPP)
    {
      report ("warn", "landlock",
              "built into the kernel but not enabled at boot: the "
              "--landlock-* and --scope-* options are refused");
      fix ("add landlock to the kernel's lsm= boot parameter (e.g. lsm=landlock,lockdown,"
           "yama,integrity,apparmor)");
    }
  else
    report ("warn", "landlock",
            "not in this kernel (%s): the --landlock-* and --scope-* options "
            "are refused",
            strerror (errno));
}

static void
check_seccomp (void)
{
  unsigned action = SECCOMP_RET_ERRNO;
  long r = syscall (__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
  int nnp = prctl (PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  int mode = seccomp_mode ();
#ifdef HAVE_LIBSECCOMP
  const char *lib = "built with libseccomp: --seccomp-deny and --seccomp-policy work";
#else
  const char *lib = "built without libseccomp: --seccomp-deny, --seccomp-errno and "
                    "--seccomp-policy are refused (configure --with-seccomp=yes)";
#endif

  if (r < 0 && errno == ENOSYS)
    report ("no", "seccomp",
            "the kernel has no seccomp(2): --seccomp, --add-seccomp-fd and "
            "hutch's own filters are refused");
  else if (r < 0)
    report ("warn", "seccomp", "filters with an errno action are not available (%s)",
            strerror (errno));
  else
    report ("ok", "seccomp", "filters can be loaded; %s", lib);
  if (mode == 2)
    report ("info", "seccomp",
            "this process already runs under a seccomp filter (a container "
            "or service manager's): the sandbox's filters stack on it");
  if (nnp == 1)
    report ("info", "no_new_privs",
            "already set on this process: a setuid hutch can't gain "
            "root here, and a program in the sandbox can't gain privileges either");
}

static void
check_selinux (void)
{
  long enforce = read_sysctl ("/sys/fs/selinux/enforce");
#ifdef HAVE_SELINUX
  const bool built = true;
#else
  const bool built = false;
#endif

  if (enforce < 0)
    report ("info", "selinux",
            "not enabled on this host: --exec-label and --file-label are "
            "refused");
  else if (!built)
    {
      report ("warn", "selinux",
              "%s, but this hutch was built without libselinux: "
              "--exec-label and --file-label are refused",
              enforce ? "enforcing" : "permissive");
      fix ("rebuild with configure --with-selinux=yes (libselinux1-dev)");
    }
  else
    report ("ok", "selinux", "%s; --exec-label and --file-label work",
            enforce ? "enforcing" : "permissive");
}

static void
check_cgroup (void)
{
  struct statfs fs;

  if (statfs ("/sys/fs/cgroup", &fs) < 0)
    report ("info", "cgroups", "nothing mounted at /sys/fs/cgroup (%s)", strerror (errno));
  else if (fs.f_type == CGROUP2_SUPER_MAGIC)
    report ("info", "cgroups", "version 2 (unified hierarchy at /sys/fs/cgroup)");
  else if (fs.f_type == TMPFS_MAGIC)
    {
      struct statfs u;
      if (statfs ("/sys/fs/cgroup/unified", &u) == 0 && u.f_type == CGROUP2_SUPER_MAGIC)
        report ("info", "cgroups",
                "hybrid: version 1 controllers, version 2 at "
                "/sys/fs/cgroup/unified");
      else
        report ("info", "cgroups", "version 1 (or none: a tmpfs at /sys/fs/cgroup)");
    }
  else
    report ("info", "cgroups", "unknown file system at /sys/fs/cgroup (0x%lx)",
            (unsigned long)fs.f_type);
}

void
diagnose_run (const struct sandbox *sb)
{
  if (!sb->diagnose)
    return;
  printf ("%s %s (%s) on Linux ", prog_name, PACKAGE_VERSION,
          privilege_is_setuid () ? "setuid-optional mode, installed setuid root" : "rootless");
  fflush (stdout);
  {
    char rel[128] = "?";
    int fd = open ("/proc/sys/kernel/osrelease", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
      {
        ssize_t n = read (fd, rel, sizeof rel - 1);
        rel[n > 0 ? n : 0] = '\0';
        rel[strcspn (rel, "\n")] = '\0';
        close (fd);
      }
    printf ("%s, uid %u\n", rel, (unsigned)getuid ());
  }

  struct userns_probe probe;
  if (!check_userns (&probe))
    failed = true;
  check_setuid ();
  check_proc (&probe);
  if (!check_mount_api (probe.stage == STAGE_DONE, probe.api_missing, probe.api_refused))
    failed = true;
  check_landlock ();
  check_seccomp ();
  check_selinux ();
  check_cgroup ();

  if (failed)
    printf ("result: no sandbox can be built here by uid %u (see the \"no\" lines above)\n",
            (unsigned)getuid ());
  else
    printf ("result: a sandbox can be built here by uid %u\n", (unsigned)getuid ());
  fflush (stdout);
  exit (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
