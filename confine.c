/* hutch — confinement of the command, applied last, in this order:
 * session and session keyring, parent-death signal, Landlock ruleset
 * (built while the paths can still be opened), rlimits, no_new_privs,
 * capabilities, exec label, Landlock enforced, the caller's seccomp
 * programs, the keyring filter (only when no new session keyring could be
 * joined), hutch's own seccomp filter, exec.  Seccomp goes last so that no
 * filter can get in the way of the steps before it (capset, prctl);
 * hutch's filters are loaded after the caller's, so when two refuse a call
 * with an errno, hutch's is seen (its own filter's, asked for by the
 * caller, over the keyring filter's ENOSYS).
 */
#include "config.h"

#include "confine.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "explain.h"
#include "label.h"
#include "landlock.h"
#include "options.h"
#include "privilege.h"
#include "resource-limits.h"
#include "signals.h"
#include "syscall-filter.h"

void
confine_apply_env (const struct sandbox *sb)
{
  for (size_t i = 0; i < sb->n_env_ops; i++)
    {
      const struct env_op *e = &sb->env_ops[i];
      switch (e->type)
        {
        case ENV_SET:
          if (setenv (e->name, e->value, 1) < 0)
            die_with_error ("setenv %s", e->name);
          break;
        case ENV_UNSET:
          if (unsetenv (e->name) < 0)
            die_with_error ("unsetenv %s", e->name);
          break;
        case ENV_CLEAR:
          if (clearenv () != 0)
            die ("clearenv failed");
          break;
        }
    }
}

/* The kernel's highest capability number, found once (before clone, so
 * every process of the run inherits it): PR_CAPBSET_READ answers 0 or 1
 * up to it and fails with EINVAL past it; any other failure is fatal. */
static int kernel_last = -1;

static bool
cap_exists (int cap)
{
  int r = prctl (PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0);
  if (r == 0 || r == 1)
    return true;
  if (r < 0 && errno == EINVAL)
    return false;
  if (r >= 0)
    errno = ERANGE;
  die_with_error ("Can't read capability %d of the bounding set", cap);
}

static int
last_cap (void)
{
  if (kernel_last >= 0)
    return kernel_last;
  /* The largest number that exists: 0 always does. */
  int lo = 0, hi = 63;
  if (!cap_exists (0))
    die ("Can't read the bounding set: the kernel knows no capability 0");
  while (lo < hi)
    {
      int mid = (lo + hi + 1) / 2;
      if (cap_exists (mid))
        lo = mid;
      else
        hi = mid - 1;
    }
  /* libcap counted them too, when it was loaded: a failure there (that it
   * could not report) would make it disagree. */
  if ((int)cap_max_bits () != lo + 1)
    die ("Can't count the kernel's capabilities: libcap found %d, prctl(PR_CAPBSET_READ) %d",
         (int)cap_max_bits (), lo + 1);
  kernel_last = lo;
  return kernel_last;
}

static uint64_t
all_caps (void)
{
  int last = last_cap ();
  return last >= 63 ? ~(uint64_t)0 : ((uint64_t)1 << (last + 1)) - 1;
}

/* Set once the bounding set is empty (confine_empty_bounding_set()):
 * processes forked afterwards inherit it, and need not drop it again. */
static bool bounding_set_empty;

static void
drop_bounding_set (uint64_t keep)
{
  int last = last_cap ();

  if (bounding_set_empty)
    return;
  for (int cap = 0; cap <= last; cap++)
    if (!(keep & (1ULL << cap)) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
      die_with_error ("Can't drop capability %d from the bounding set", cap);
  if (keep == 0)
    bounding_set_empty = true;
}

/* This process's capability sets. */
struct cap_sets
{
  uint64_t eff, prm, inh;
};

/* capget(2) of this process, the two 32-bit halves of each set. */
static void
read_caps (struct __user_cap_header_struct *hdr, struct __user_cap_data_struct data[2])
{
  *hdr = (struct __user_cap_header_struct){ _LINUX_CAPABILITY_VERSION_3, 0 };
  memset (data, 0, 2 * sizeof *data);
  if (capget (hdr, data) < 0)
    die_with_error ("Can't read this process's capabilities (capget)");
}

static struct cap_sets
current_caps (void)
{
  struct __user_cap_header_struct hdr;
  struct __user_cap_data_struct data[2];

  read_caps (&hdr, data);
  return (struct cap_sets){
    .eff = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32),
    .prm = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32),
    .inh = (uint64_t)data[0].inheritable | ((uint64_t)data[1].inheritable << 32),
  };
}

void
confine_regain_effective (void)
{
  struct __user_cap_header_struct hdr;
  struct __user_cap_data_struct data[2];

  read_caps (&hdr, data);
  data[0].effective = data[0].permitted;
  data[1].effective = data[1].permitted;
  if (capset (&hdr, data) < 0)
    die_with_error ("Can't take back the capabilities kept across the change of ids");
}

/* Permitted and effective = `keep`, inheritable = `keep` or nothing, and
 * no capset at all when that is what this process has (a container's
 * seccomp policy may refuse capset). */
static void
set_process_caps (uint64_t keep, bool inheritable)
{
  struct cap_sets now = current_caps ();
  uint64_t inh = inheritable ? keep : 0;
  int last = last_cap ();
  cap_t caps;

  if (now.eff == keep && now.prm == keep && now.inh == inh)
    return;
  caps = cap_init ();
  if (caps == NULL)
    die_oom ();
  for (int cap = 0; cap <= last; cap++)
    if (keep & (1ULL << cap))
      {
        cap_value_t v = cap;
        if (cap_set_flag (caps, CAP_PERMITTED, 1, &v, CAP_SET) < 0
            || cap_set_flag (caps, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0
            || (inheritable && cap_set_flag (caps, CAP_INHERITABLE, 1, &v, CAP_SET) < 0))
          die_with_error ("cap_set_flag");
      }
  if (cap_set_proc (caps) < 0)
    die_with_error ("Can't set capabilities");
  cap_free (caps);
}

/* Keep exactly `keep` (a mask of 1 << CAP_*): permitted, effective,
 * inheritable and ambient too when `ambient`, so that the set survives
 * exec for a uid other than 0. */
static void
set_caps (uint64_t keep, bool ambient)
{
  int last = last_cap ();

  set_process_caps (keep, ambient);
  /* EINVAL: a kernel without ambient capabilities (before 4.3). */
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0
      && !(errno == EINVAL && !ambient))
    die_with_error ("Can't clear ambient capabilities");
  if (ambient)
    for (int cap = 0; cap <= last; cap++)
      if ((keep & (1ULL << cap)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        die_with_error ("Can't raise ambient capability %d", cap);
}

void
confine_drop_all_caps (void)
{
  drop_bounding_set (0);
  set_caps (0, false);
}

/* The command runs in a user namespace that is not the host's: one made
 * for it, or the caller's --userns / --userns2. */
static bool
in_own_userns (const struct sandbox *sb, const struct run *run)
{
  return run->userns || run->nested_userns || sb->userns_fd >= 0 || sb->userns2_fd >= 0;
}

/* The command's capabilities, as bubblewrap gives them:
 *  - what is asked for: --cap-add/--cap-drop applied in order, from the
 *    caller's effective set if the caller is root, else from nothing; without
 *    either, the caller's effective set for root, nothing for anyone else
 *    (hutch's one addition: root of a --map-subids namespace gets every
 *    capability there, as over a package build's chroot);
 *  - it keeps them if it runs as uid 0 or they were asked for (then also
 *    as inheritable and ambient, so that they survive exec for any uid);
 *  - in a user namespace (whose bounding set the kernel makes full) the
 *    bounding set is cut to what is asked for; outside one the caller's
 *    bounding set stays as it is (no_new_privs: exec gains nothing anyway);
 *  - never more than this process can have: all in a new user namespace,
 *    the caller's permitted set outside one. */
void
confine_caps_prepare (const struct sandbox *sb, struct run *run)
{
  struct cap_sets caller = current_caps ();
  bool own_userns = in_own_userns (sb, run);
  bool uid0 = !run->cmd_uid_known || run->cmd_uid == 0;
  uint64_t asked;

  if (sb->caps_given)
    asked = sb->caps;
  else if (run->real_uid == 0)
    asked = caller.eff;
  else if (sb->map_subids && run->n_uid_map > 0 && uid0)
    asked = all_caps ();
  else
    asked = 0;
  asked &= all_caps ();

  run->caps_set_bound = own_userns;
  run->caps_bound = asked;
  run->caps_keep = sb->caps_given || uid0 ? asked & (own_userns ? all_caps () : caller.prm) : 0;
  run->caps_ambient = sb->caps_given && run->caps_keep != 0;
}

void
confine_empty_bounding_set (const struct sandbox *sb UNUSED, const struct run *run)
{
  if (run->caps_set_bound && run->caps_bound == 0)
    drop_bounding_set (0);
}

/* In the command, last before the exec label, Landlock and seccomp. */
static void
confine_caps (const struct run *run)
{
  if (run->caps_set_bound)
    drop_bounding_set (run->caps_bound);
  set_caps (run->caps_keep, run->caps_ambient);
}

/* A seccomp program is at most BPF_MAXINSNS (4096) instructions of 8
 * bytes; reading stops well past that, so that an fd that never ends
 * (/dev/zero) is an error, not an exhausted machine. */
#define SECCOMP_DATA_MAX (1 << 20)

struct close_fds
{
  const struct sandbox *sb;
  bool pid1;
};

/* Fails closed: an fd that can't be examined (F_GETFD or fstat failing,
 * which an open fd does not do but under a fault or a filter) stops the
 * run with a message rather than reaching the command; even EBADF, as the
 * fd was just listed open and nothing else closes fds here.  PID 1 keeps
 * only the --sync-fd and its own fds (close-on-exec: the caller's never
 * are; a setuid caller's unnamed ones were closed already, privilege.c). */
static void
close_inherited_fd (int fd, void *data)
{
  const struct close_fds *c = data;
  struct stat st;
  int flags = fcntl (fd, F_GETFD);

  if (flags < 0)
    die_with_error ("Can't tell whether fd %d is inherited, to close it", fd);
  if (flags & FD_CLOEXEC)
    return;
  if (c->pid1)
    {
      if (fd != c->sb->sync_fd)
        close (fd);
      return;
    }
  if (options_fd_is_named (c->sb, fd))
    return;
  if (fstat (fd, &st) < 0)
    die_with_error ("Can't tell whether the inherited fd %d is a directory, to close it", fd);
  if (S_ISDIR (st.st_mode))
    close (fd);
}

void
confine_close_inherited_fds (const struct sandbox *sb, const struct run *run, bool pid1)
{
  struct close_fds c = { sb, pid1 };

  if (for_each_open_fd (run->proc_fd, close_inherited_fd, &c) < 0)
    die_with_error ("Can't list /proc/self/fd to close inherited directories");
}

void
confine_check_std_fds (const struct sandbox *sb)
{
  static const char *const names[] = { "standard input", "standard output", "standard error" };

  for (int fd = 0; fd <= STDERR_FILENO; fd++)
    {
      struct stat st;
      int fl = fcntl (fd, F_GETFL);

      if (options_fd_is_named (sb, fd))
        continue;
      if (fl < 0 || fstat (fd, &st) < 0)
        die_with_error ("Can't examine fd %d (%s)", fd, names[fd]);
      if (S_ISDIR (st.st_mode) || (fl & O_PATH))
        die ("fd %d (%s) is %s: the command could reach the host's files through it; "
             "redirect it (e.g. from /dev/null), or pass it on with --keep-fd %d",
             fd, names[fd], S_ISDIR (st.st_mode) ? "a directory" : "an O_PATH descriptor", fd);
    }
}

/* The caller's keys.  A process keeps its session keyring across clone
 * and unshare and "possesses" it in any namespace: through it, the
 * caller's keys could be read and used inside.  (The user keyrings, @u
 * and @us, belong to a user namespace since Linux 5.3: in the sandbox's
 * own user namespace they are new, empty ones.  Without one, in root mode
 * without --unshare-user, they are root's own, and no capability is
 * needed to use them: the special id @u is a possessed reference, through
 * which a key of root's is found, linked into the session keyring and
 * read.  So there the keyring filter below is loaded too, whatever the
 * join did: the command has no keyring calls at all.)
 *
 * So the sandbox joins a new, empty, anonymous session keyring, once: PID
 * 1 before it forks the command, which inherits it (fork shares the
 * session keyring), or the command when there is no PID 1.  That keyring
 * is a key charged to the caller's uid (kernel.keys.maxkeys, 200 keys by
 * default, and maxbytes), and the kernel frees a dead process's keyrings a
 * while after it exits (RCU, then the key garbage collector, around a
 * second under load), so a few hundred sandboxes at once use the quota up
 * and the join fails with EDQUOT.
 *
 * No keyring can be joined instead that costs nothing and holds none of
 * the caller's keys: a process can't drop its session keyring, and joining
 * one by name joins a keyring that others of the user namespace may join
 * and fill.  Then hutch keeps the inherited keyring but closes the way to
 * it: the keyring filter (syscall-filter.c) makes add_key, keyctl and request_key
 * fail with ENOSYS in PID 1 and the command.  It is loaded after the
 * caller's filters and before hutch's own (whose errno, asked for with
 * --seccomp-errno, is then the one seen for these calls if it refuses them
 * too).  Those calls are a process's only ways to its keys; what is left is
 * /proc/keys, which shows the descriptions (never the payloads) of the keys
 * it may view -- with a new keyring too, for keys of the same uid with the
 * default "user may view" permission -- and lookups the kernel makes in the
 * inherited keyring for a file system bound in (fscrypt v1 keys, cifs
 * multiuser credentials).
 *
 * The same fallback is taken when the join is refused: EPERM or EACCES (an
 * LSM, a seccomp profile such as a container's), ENOSYS (a kernel without
 * keys, or a filter).  The anonymous join fails otherwise only with ENOMEM,
 * which stops hutch as before (ENOKEY, EKEYREVOKED and the like come only
 * from joining by name). */
static enum { KEYRING_INHERITED, KEYRING_NEW, KEYRING_CLOSED } keyring_state;

static void
join_new_session_keyring (const struct sandbox *sb, const struct run *run)
{
  if (keyring_state != KEYRING_INHERITED)
    return; /* PID 1 did it for both */
  if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) >= 0)
    {
      keyring_state = KEYRING_NEW;
      if (!in_own_userns (sb, run))
        {
          /* root's @u and @us: the filter is the only way to hide them */
          if (!hutch_seccomp_keyring_filter_known ())
            die ("Can't hide root's user keyring from the command: no keyring filter for this "
                 "machine's system calls (add --unshare-user)");
          keyring_state = KEYRING_CLOSED;
          if (sb->verbose)
            log_msg (LOG_LVL_INFO,
                     "no user namespace: add_key, keyctl and request_key fail with "
                     "ENOSYS in the sandbox (root's user keyring stays out of reach)");
        }
      return;
    }
  int err = errno;
  if ((err != EDQUOT && err != EPERM && err != EACCES && err != ENOSYS)
      || !hutch_seccomp_keyring_filter_known ())
    die_with_error ("Can't join a new session keyring");
  keyring_state = KEYRING_CLOSED;
  if (sb->verbose)
    log_msg (LOG_LVL_INFO,
             "no new session keyring (%s): add_key, keyctl and request_key fail "
             "with ENOSYS in the sandbox instead",
             strerror (err));
}

static void
load_seccomp_programs (const struct sandbox *sb, struct sock_fprog *progs)
{
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    {
      char *data;
      size_t len;
      int r = read_all_max (sb->seccomp_fds[i], SECCOMP_DATA_MAX, &data, &len);
      if (r == -EFBIG)
        die ("Can't read seccomp data from fd %d: more than %d bytes (a BPF program has at "
             "most 4096 instructions, 32768 bytes)",
             sb->seccomp_fds[i], SECCOMP_DATA_MAX);
      if (r < 0)
        die_with_errno (-r, "Can't read seccomp data");
      close (sb->seccomp_fds[i]);
      if (len % 8 != 0)
        die ("Invalid seccomp data, must be multiple of 8");
      if (len / 8 > USHRT_MAX)
        die ("Invalid seccomp data, the program is too long");
      progs[i].len = (unsigned short)(len / 8);
      progs[i].filter = (struct sock_filter *)data;
    }
  /* Every fd is read (and closed) before an empty program is refused, as
   * bubblewrap does: the same fd given twice is EBADF the second time. */
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    if (progs[i].len == 0)
      die ("Invalid seccomp data: the program from fd %d is empty", sb->seccomp_fds[i]);
}

void
confine_prepare (const struct sandbox *sb, struct run *run)
{
  landlock_check (sb, run);
  limit_check (sb, run);
  hutch_seccomp_compile (sb, run);
}

/* The caller's seccomp programs, read once: by PID 1 before it forks the
 * command (both apply them), else by the command. */
static void
read_seccomp_programs (const struct sandbox *sb, struct run *run)
{
  if (run->seccomp_progs != NULL)
    return;
  run->seccomp_progs = xcalloc (sb->n_seccomp_fds + 1, sizeof *run->seccomp_progs);
  load_seccomp_programs (sb, run->seccomp_progs);
  run->n_seccomp_progs = sb->n_seccomp_fds;
}

void
confine_read_seccomp_programs (const struct sandbox *sb, struct run *run)
{
  read_seccomp_programs (sb, run);
}

/* Load the caller's programs, the keyring filter (when no new keyring
 * could be joined), then hutch's own filter; `report_fd` (if not -1) is
 * told "F" before a failure.  When two of them refuse a call with an
 * errno, the kernel reports the last one's: the keyring filter's ENOSYS
 * over the caller's answer, and the errno asked for with --seccomp-deny
 * and --seccomp-errno over the keyring filter's. */
static void
apply_seccomp (const struct run *run, int report_fd)
{
  for (size_t i = 0; i < run->n_seccomp_progs; i++)
    if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &run->seccomp_progs[i], 0, 0) < 0)
      {
        if (report_fd >= 0)
          (void)write_all (report_fd, "F", 1);
        die_with_error ("Can't load seccomp filter");
      }
  int r = keyring_state == KEYRING_CLOSED ? hutch_seccomp_load_keyring_filter () : 0;
  if (r < 0)
    {
      if (report_fd >= 0)
        (void)write_all (report_fd, "F", 1);
      die_with_errno (-r, "Can't load hutch's keyring filter "
                          "(no new session keyring could be joined)");
    }
  /* The command's (report_fd, not PID 1's): with --explain or --learn,
   * traced by the monitor, which gets the refusals of hutch's filter. */
  r = report_fd >= 0 ? explain_load_filters (run) : hutch_seccomp_load (run);
  if (r < 0)
    {
      if (report_fd >= 0)
        (void)write_all (report_fd, "F", 1);
      die_with_errno (-r, "Can't load hutch's seccomp filter");
    }
}

void
confine_pid1_before_fork (const struct sandbox *sb, struct run *run)
{
  /* PID 1 is confined like the command (it becomes dumpable, so the
   * command could otherwise act through it): its session, its keyring,
   * the same seccomp programs. */
  if (sb->new_session && setsid () == (pid_t)-1)
    die_with_error ("setsid");
  join_new_session_keyring (sb, run); /* the command's too */
  read_seccomp_programs (sb, run);
}

/* Zero the memory /proc/PID/environ shows: the caller's environment, which
 * --clearenv or --unsetenv may be hiding from the command.  The range is
 * the kernel's, from /proc/self/stat (fields 50 and 51).  (The command
 * line stays, as on the monitor, for ps.) */
static void
wipe_environ (int proc_fd)
{
  char buf[2048];
  int fd = openat (proc_fd, "self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    die_with_error ("Can't open /proc/self/stat");
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    die_with_error ("Can't read /proc/self/stat");
  buf[n] = '\0';
  char *p = strrchr (buf, ')');
  unsigned long long v[52] = { 0 };
  int field = 2; /* the ")" ends field 2 */
  while (p != NULL && field < 51)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        break;
      field++;
      v[field] = strtoull (++p, NULL, 10);
    }
  if (field < 51 || v[50] > v[51])
    die ("Can't find the environment in /proc/self/stat");
  memset ((void *)(uintptr_t)v[50], 0, (size_t)(v[51] - v[50]));
}

void
confine_pid1 (const struct run *run, int landlock_fd)
{
  bool setuid = privilege_is_setuid ();

  confine_drop_all_caps ();
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_NO_NEW_PRIVS)");
  if (!setuid)
    wipe_environ (run->proc_fd); /* (the host's /proc: before Landlock) */
  int r = landlock_restrict (landlock_fd);
  if (r < 0)
    die_with_errno (-r, "Can't enforce the Landlock ruleset on PID 1");
  /* PID 1 stays non-dumpable (reaper.c): nothing of the sandbox may
   * trace it or write its memory. */
  apply_seccomp (run, -1);
}

/* The command's confinement, shared by confine_exec() and
 * confine_exec_entered(), in two halves (the command's own steps go
 * between them): the Landlock ruleset built, the rlimits, no_new_privs
 * and the capabilities; returns the ruleset's fd. */
static int
lock_down_begin (const struct sandbox *sb, const struct run *run)
{
  int landlock_fd = landlock_prepare (sb, run);
  limit_apply_rlimits (sb);
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_NO_NEW_PRIVS)");
  confine_caps (run);
  return landlock_fd;
}

/* Then the caller's signal dispositions back (SIGXFSZ too), the SELinux
 * exec label, and the Landlock ruleset enforced. */
static void
lock_down_end (const struct sandbox *sb, int landlock_fd)
{
  signals_restore ();
  int xfsz = sigxfsz_release (); /* the caller's SIGXFSZ disposition */
  if (xfsz < 0)
    die_with_errno (-xfsz, "Can't restore the disposition of SIGXFSZ");
  label_exec (sb->exec_label);
  int r = landlock_restrict (landlock_fd);
  if (r < 0)
    die_with_errno (-r, "Can't enforce the Landlock ruleset");
}

void
confine_exec (const struct sandbox *sb, struct run *run)
{
  const char *file = sb->command[0];

  /* Not before PID 1 is confined (reaper.c); if it failed, it said why
   * and is gone: the command must not start (nor say the same again, as
   * its own Landlock ruleset would for a missing --landlock-ro path). */
  bool has_pid1 = run->pid1_ready_fd >= 0;
  if (has_pid1)
    {
      char c;
      if (TEMP_FAILURE_RETRY_INT (read (run->pid1_ready_fd, &c, 1)) != 1)
        _exit (1);
      close (run->pid1_ready_fd);
      run->pid1_ready_fd = -1;
    }

  read_seccomp_programs (sb, run);

  if (sb->new_session && setsid () == (pid_t)-1)
    die_with_error ("setsid");
  join_new_session_keyring (sb, run); /* unless PID 1 did */
  confine_close_inherited_fds (sb, run, false);
  if (sb->die_with_parent)
    set_parent_death_signal (0); /* again: the credentials changed */
  int landlock_fd = lock_down_begin (sb, run);
  if (!has_pid1)
    signals_give_terminal (); /* (PID 1 does it, when there is one) */
  if (sb->argv0 != NULL)
    sb->command[0] = (char *)sb->argv0;
  lock_down_end (sb, landlock_fd);

  /* The command is about to start: from here on the monitor reports its
   * exit code.  Reported before seccomp, which might deny the write. */
  if (write_all (run->exec_pipe[1], "R", 1) < 0)
    die_with_error ("Can't report to the monitor");

  /* Seccomp last: nothing after it but exec. */
  apply_seccomp (run, run->exec_pipe[1]);

  execvp (file, sb->command);
  int err = errno;
  (void)write_all (run->exec_pipe[1], "F", 1);
  errno = err;
  die_with_error ("execvp %s", file);
}

/* --enter (enter.c): a process that has joined the sandbox's namespaces,
 * root and ids is confined as confine_exec() confines the command, from
 * the same parsed options and prepared run. */
void
confine_exec_entered (const struct sandbox *sb, const struct run *run, char **argv)
{
  if (sb->new_session && setsid () == (pid_t)-1)
    die_with_error ("setsid");
  join_new_session_keyring (sb, run);
  lock_down_end (sb, lock_down_begin (sb, run));
  apply_seccomp (run, -1);
  execvp (argv[0], argv);
  die_with_error ("execvp %s", argv[0]);
}
