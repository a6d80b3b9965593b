/* hutch — resource limits (--rlimit) and the wall-clock limit (--timeout).
 *
 * --rlimit is applied by the command itself just before no_new_privs, late
 * enough that hutch's own last steps are not cramped by it (a tiny "as" or
 * "nofile" would be), early enough that real root still holds the
 * capability to raise a hard limit.  Inside a user namespace nobody can
 * raise a hard limit: the kernel checks CAP_SYS_RESOURCE in the initial
 * namespace.
 *
 * --timeout runs in the monitor, outside the sandbox: a timerfd in the
 * monitor's poll loop (monitor.c).  With a PID namespace (or
 * --scope-signals) the command cannot reach the monitor; without, the
 * monitor is a process of the command's own uid that the command can
 * signal, and a command that kills it outlives the timeout.
 */
#include "config.h"

#include "resource-limits.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "status.h"

#define DEFAULT_GRACE_MS 2000
#define MAX_SECONDS 1000000000ULL /* about 31 years */

struct rlimit_name
{
  const char *name;
  int resource;
};

static const struct rlimit_name rlimit_names[] = {
  { "as", RLIMIT_AS },
  { "core", RLIMIT_CORE },
  { "cpu", RLIMIT_CPU },
  { "data", RLIMIT_DATA },
  { "fsize", RLIMIT_FSIZE },
  { "memlock", RLIMIT_MEMLOCK },
  { "msgqueue", RLIMIT_MSGQUEUE },
  { "nice", RLIMIT_NICE },
  { "nofile", RLIMIT_NOFILE },
  { "nproc", RLIMIT_NPROC },
  { "rss", RLIMIT_RSS },
  { "rtprio", RLIMIT_RTPRIO },
  { "rttime", RLIMIT_RTTIME },
  { "sigpending", RLIMIT_SIGPENDING },
  { "stack", RLIMIT_STACK },
};

const char *
rlimit_name_of (int resource)
{
  for (size_t i = 0; i < N_ELEMENTS (rlimit_names); i++)
    if (rlimit_names[i].resource == resource)
      return rlimit_names[i].name;
  return "?";
}

/* ------------------------------------------------------------------------ */
/* --rlimit                                                                  */

/* A limit: decimal digits, or "unlimited" / "infinity" (UINT64_MAX). */
static bool
parse_limit (const char *s, size_t len, uint64_t *out)
{
  uint64_t v = 0;

  if ((len == 9 && strncmp (s, "unlimited", 9) == 0)
      || (len == 8 && strncmp (s, "infinity", 8) == 0))
    {
      *out = UINT64_MAX;
      return true;
    }
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      unsigned d = (unsigned)(s[i] - '0');
      if (v > (UINT64_MAX - 1 - d) / 10) /* UINT64_MAX itself means unlimited */
        return false;
      v = v * 10 + d;
    }
  *out = v;
  return true;
}

void
format_limit (uint64_t v, char *buf, size_t size)
{
  if (v == UINT64_MAX)
    snprintf (buf, size, "unlimited");
  else
    snprintf (buf, size, "%" PRIu64, v);
}

void
limit_parse_rlimit (struct sandbox *sb, const char *arg)
{
  const char *eq = strchr (arg, '=');
  const struct rlimit_name *res = NULL;
  struct rlimit_setting set;

  if (eq == NULL || eq == arg)
    die ("--rlimit: expected NAME=SOFT[:HARD], got \"%s\"", arg);
  for (size_t i = 0; i < N_ELEMENTS (rlimit_names); i++)
    if (strlen (rlimit_names[i].name) == (size_t)(eq - arg)
        && strncmp (rlimit_names[i].name, arg, (size_t)(eq - arg)) == 0)
      res = &rlimit_names[i];
  if (res == NULL)
    die ("--rlimit: unknown resource \"%.*s\" (as, core, cpu, data, fsize, memlock, msgqueue,"
         " nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)",
         (int)(eq - arg), arg);

  const char *value = eq + 1;
  const char *colon = strchr (value, ':');
  size_t soft_len = colon ? (size_t)(colon - value) : strlen (value);
  bool ok = parse_limit (value, soft_len, &set.soft);
  if (ok && colon != NULL)
    ok = parse_limit (colon + 1, strlen (colon + 1), &set.hard);
  else
    set.hard = set.soft; /* one value sets both, like ulimit */
  if (!ok)
    die ("--rlimit %s: invalid value \"%s\" (SOFT[:HARD], each a number or \"unlimited\")",
         res->name, value);
  if (set.soft > set.hard)
    {
      char soft[32], hard[32];
      format_limit (set.soft, soft, sizeof soft);
      format_limit (set.hard, hard, sizeof hard);
      die ("--rlimit %s: the soft limit %s is above the hard limit %s", res->name, soft, hard);
    }
  set.resource = res->resource;

  /* One setting per resource: the last one wins. */
  for (size_t i = 0; i < sb->n_rlimits; i++)
    if (sb->rlimits[i].resource == set.resource)
      {
        sb->rlimits[i] = set;
        return;
      }
  sb->rlimits = xrealloc (sb->rlimits, (sb->n_rlimits + 1) * sizeof *sb->rlimits);
  sb->rlimits[sb->n_rlimits++] = set;
}

void
limit_check (const struct sandbox *sb, const struct run *run)
{
  if (geteuid () == 0 && !run->userns)
    return;
  for (size_t i = 0; i < sb->n_rlimits; i++)
    {
      const struct rlimit_setting *s = &sb->rlimits[i];
      struct rlimit cur;
      if (getrlimit ((__rlimit_resource_t)s->resource, &cur) < 0 || cur.rlim_max == RLIM_INFINITY
          || s->hard <= (uint64_t)cur.rlim_max)
        continue;
      char want[32], have[32];
      format_limit (s->hard, want, sizeof want);
      format_limit ((uint64_t)cur.rlim_max, have, sizeof have);
      die ("--rlimit %s: the hard limit %s is above the current one, %s, which only root"
           " outside a user namespace can raise",
           rlimit_name_of (s->resource), want, have);
    }
}

void
limit_apply_rlimits (const struct sandbox *sb)
{
  for (size_t i = 0; i < sb->n_rlimits; i++)
    {
      const struct rlimit_setting *s = &sb->rlimits[i];
      struct rlimit rl = {
        .rlim_cur = s->soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)s->soft,
        .rlim_max = s->hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)s->hard,
      };
      if (setrlimit ((__rlimit_resource_t)s->resource, &rl) < 0)
        {
          char soft[32], hard[32];
          format_limit (s->soft, soft, sizeof soft);
          format_limit (s->hard, hard, sizeof hard);
          die_with_error ("Can't set --rlimit %s=%s:%s", rlimit_name_of (s->resource), soft, hard);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* --timeout: parse                                                          */

/* Seconds with an optional fraction ("30", "1.5", ".25"), in ms. */
static bool
parse_seconds (const char *s, size_t len, uint64_t *ms)
{
  uint64_t whole = 0, frac = 0, scale = 1000;
  size_t i = 0, digits = 0;

  for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
    {
      whole = whole * 10 + (uint64_t)(s[i] - '0');
      if (whole > MAX_SECONDS)
        return false;
    }
  if (i < len && s[i] == '.')
    for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
      if (scale > 1)
        {
          scale /= 10;
          frac += (uint64_t)(s[i] - '0') * scale;
        }
  if (i != len || digits == 0)
    return false;
  *ms = whole * 1000 + frac;
  return true;
}

void
limit_parse_timeout (struct sandbox *sb, const char *arg)
{
  const char *colon = strchr (arg, ':');
  size_t len = colon ? (size_t)(colon - arg) : strlen (arg);
  uint64_t ms, grace = DEFAULT_GRACE_MS;

  if (!parse_seconds (arg, len, &ms)
      || (colon != NULL && !parse_seconds (colon + 1, strlen (colon + 1), &grace)))
    die ("--timeout: invalid duration \"%s\" (SECONDS[:GRACE], e.g. 30 or 1.5:5)", arg);
  if (ms == 0)
    die ("--timeout: the timeout must be more than 0 seconds, got \"%s\"", arg);
  sb->timeout_ms = ms;
  sb->timeout_grace_ms = grace;
}

/* ------------------------------------------------------------------------ */
/* --timeout: the monitor's side                                             */

static void
arm (int fd, uint64_t ms)
{
  struct itimerspec its = {
    .it_value = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 },
  };
  if (ms == 0)
    its.it_value.tv_nsec = 1; /* zero would disarm */
  if (timerfd_settime (fd, 0, &its, NULL) < 0)
    die_with_error ("timerfd_settime");
}

int
limit_timeout_start (const struct sandbox *sb)
{
  if (sb->timeout_ms == 0)
    return -1;
  /* Orphans of the command come to the monitor, not to the host's init,
   * so they can be found when the time is up. */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_CHILD_SUBREAPER)");
  int fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0)
    die_with_error ("timerfd_create");
  arm (fd, sb->timeout_ms);
  return fd;
}

/* The parent of a process, from /proc/PID/stat; -1 if it is gone. */
static pid_t
parent_of (int proc_dir, const char *pid)
{
  char path[64], buf[512];
  snprintf (path, sizeof path, "%s/stat", pid);
  _cleanup_close_ int fd = openat (proc_dir, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* "PID (COMM) STATE PPID ...": COMM may hold anything, even ")". */
  char *p = strrchr (buf, ')');
  int ppid;
  char state;
  if (p == NULL || sscanf (p + 1, " %c %d", &state, &ppid) != 2)
    return -1;
  return ppid;
}

/* Send `sig` to every descendant of this process but `spare`.  The
 * monitor is a subreaper, so every process of the sandbox is one.
 * Returns how many were signalled. */
static size_t
signal_descendants (int sig, pid_t spare)
{
  pid_t *pids = NULL, *ppids = NULL;
  size_t n = 0, cap = 0, hit = 0;
  DIR *dir = opendir ("/proc");

  if (dir == NULL)
    return 0;
  for (struct dirent *de; (de = readdir (dir)) != NULL;)
    {
      if (de->d_name[0] < '1' || de->d_name[0] > '9')
        continue;
      pid_t ppid = parent_of (dirfd (dir), de->d_name);
      if (ppid < 0)
        continue;
      pids = xgrow (pids, &cap, n, sizeof *pids);
      ppids = xrealloc (ppids, cap * sizeof *ppids);
      pids[n] = (pid_t)atoi (de->d_name);
      ppids[n] = ppid;
      n++;
    }
  closedir (dir);

  /* Mark descendants: parents come before children after enough passes;
   * each pass finds at least one more or ends. */
  bool *in = xcalloc (n ? n : 1, sizeof *in);
  for (bool grew = true; grew;)
    {
      grew = false;
      for (size_t i = 0; i < n; i++)
        {
          if (in[i])
            continue;
          bool parent_in = ppids[i] == getpid ();
          for (size_t j = 0; j < n && !parent_in; j++)
            parent_in = in[j] && pids[j] == ppids[i];
          if (parent_in)
            in[i] = grew = true;
        }
    }
  for (size_t i = 0; i < n; i++)
    if (in[i] && pids[i] != spare && kill (pids[i], sig) == 0)
      hit++;
  free (in);
  free (pids);
  free (ppids);
  return hit;
}

void
limit_timeout_expired (const struct sandbox *sb, const struct run *run, pid_t child, int timer_fd,
                       int *stage)
{
  uint64_t expirations;
  if (read (timer_fd, &expirations, sizeof expirations) < 0)
    return; /* spurious wake-up */

  if (*stage == 0)
    {
      *stage = 1;
      status_report_timeout (sb);
      /* A reaper passes SIGTERM on to the command itself. */
      signal_descendants (SIGTERM, run->pid1 ? child : 0);
      arm (timer_fd, sb->timeout_grace_ms);
    }
  else if (*stage == 1)
    {
      *stage = 2;
      signal_descendants (SIGKILL, 0);
    }
}

int
limit_timeout_finish (void)
{
  for (;;)
    {
      pid_t r;
      signal_descendants (SIGKILL, 0);
      while ((r = waitpid (-1, NULL, WNOHANG)) > 0)
        ;
      if (r < 0 && errno == ECHILD)
        break;
      /* Some are still dying (or were born before their parent died). */
      struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };
      nanosleep (&ts, NULL);
    }
  return 124;
}
