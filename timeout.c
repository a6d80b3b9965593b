/* hutch — --timeout, the monitor's side: a timerfd in the monitor's poll
 * loop (monitor.c), outside the sandbox.  With a PID namespace (or
 * --scope-signals) the command cannot reach the monitor; without, the
 * monitor is a process of the command's own uid that the command can
 * signal, and a command that kills it outlives the timeout (use
 * --unshare-pid for a timeout the command cannot escape).
 */
#include "config.h"

#include "timeout.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "status.h"
#include "utils.h"

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
timeout_start (const struct sandbox *sb)
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
timeout_expired (const struct sandbox *sb, const struct run *run, pid_t child, int timer_fd,
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
timeout_finish (void)
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
