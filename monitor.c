/* hutch — the monitor: hutch's own process, outside the sandbox.  It
 * reports the start (--info-fd, --json-status-fd), passes signals on,
 * runs the --timeout steps (timeout.c), and exits with the command's status
 * (from PID 1's report, or its own wait). */
#include "config.h"

#include "monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dbus-proxy.h"
#include "explain.h"
#include "instance.h"
#include "namespaces.h"
#include "pasta.h"
#include "signals.h"
#include "status.h"
#include "timeout.h"
#include "utils.h"

/* What the command said on the exec pipe: "R" just before exec, "F" if
 * exec (or what comes just before it) failed; EOF once it has exec'd or
 * is gone. */
struct exec_state
{
  bool started, failed, eof;
};

static bool
read_exec_pipe (int exec_fd, struct exec_state *st)
{
  char buf[8];
  ssize_t n = read (exec_fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return false;
  if (n <= 0)
    {
      st->eof = true; /* (an error: nothing more will be read either) */
      return false;
    }
  st->started |= memchr (buf, 'R', (size_t)n) != NULL;
  st->failed |= memchr (buf, 'F', (size_t)n) != NULL;
  return true;
}

/* The child's exit status, once it has changed state; -1 while it runs.
 * A failed wait is not a status: the sandbox is killed and hutch says so. */
static int
reap_child (pid_t child)
{
  int status;
  pid_t r;
  while ((r = waitpid (child, &status, WNOHANG)) < 0 && errno == EINTR)
    ;
  if (r < 0)
    {
      int err = errno;
      (void)kill (child, SIGKILL);
      die_with_errno (err, "Can't wait for the sandbox process %d", (int)child);
    }
  return r == child ? signals_exit_status (status) : -1;
}

/* A report from PID 1 on the status pipe: the command's exit status (>=
 * 0), or -1 while it runs (or stopped, which signals.c acts on).  PID 1
 * gone without a report failed and said why: its own status is hutch's,
 * not the command's. */
static int
read_pid1_report (struct run *run, pid_t child, bool *pid1_failed)
{
  int code;
  ssize_t n = read (run->status_pipe[0], &code, sizeof code);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return -1;
  if (n == (ssize_t)sizeof code && code >= SIGNALS_REPORT_STOPPED)
    {
      signals_stop_as_job (code - SIGNALS_REPORT_STOPPED);
      return -1;
    }
  if (n == (ssize_t)sizeof code)
    return code;
  if (n < 0)
    {
      int err = errno;
      (void)kill (child, SIGKILL);
      die_with_errno (err, "Can't read the command's status from PID 1 of the sandbox");
    }
  run->pid1 = false;
  *pid1_failed = true;
  return -1;
}

int
monitor_run (const struct sandbox *sb, struct run *run, pid_t child)
{
  int sfd = signals_open_fd ();
  int exit_code = -1;
  int timer_fd = timeout_start (sb); /* --timeout; -1 without */
  int timeout_stage = 0;
  struct exec_state exec = { 0 };
  bool pid1_failed = false;
  int ending = 0;

  close (run->exec_pipe[1]);
  if (run->pid1)
    close (run->status_pipe[1]);
  /* A file-descriptor option fd is the child's business from here. */
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    close (sb->seccomp_fds[i]);
  if (fcntl (run->exec_pipe[0], F_SETFL, O_NONBLOCK) < 0)
    {
      namespaces_abandon_child (child);
      die_with_error ("Can't make the exec pipe non-blocking");
    }

  /* A report fd whose reader is gone gives EPIPE, not a silent death
   * that would leave the sandbox running unwatched. */
  signal (SIGPIPE, SIG_IGN);
  int r = signals_isolate (child);
  if (r < 0)
    {
      namespaces_abandon_child (child);
      die_with_errno (-r, "Can't put the sandbox in a process group of its own");
    }
  /* Reported before the child goes on: if the caller can't be told, the
   * child exits without having done anything. */
  const char *failed = NULL;
  int report = status_report_started (sb, run, namespaces_reported_pid (child), &failed);
  if (report < 0)
    {
      namespaces_abandon_child (child);
      die_with_errno (-report, "Write to %s failed", failed);
    }
  namespaces_release_child ();
  instance_register (sb, run, child); /* --list, --stop, --enter: off the child's way */
  release_program_pages ();           /* only waiting from here on */

  /* (Made non-dumpable in namespaces_clone: the command cannot ptrace or
   * read the memory of the monitor.) */

  while (exit_code < 0)
    {
      struct pollfd fds[5 + EXPLAIN_NFDS] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = run->pid1 ? run->status_pipe[0] : -1, .events = POLLIN },
        { .fd = timer_fd, .events = POLLIN },
        { .fd = exec.eof ? -1 : run->exec_pipe[0], .events = POLLIN },
        { .fd = instance_poll_fd (), .events = POLLIN }, /* --stop, --enter (instance.c) */
      };
      explain_poll_fds (run, &fds[5]); /* --explain, --learn */
      if (poll (fds, 5 + EXPLAIN_NFDS, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          int err = errno;
          (void)kill (child, SIGKILL);
          die_with_errno (err, "Can't wait for the sandbox (poll)");
        }
      explain_handle (run, &fds[5]);
      if (fds[4].revents & POLLIN)
        instance_handle (sb, run);
      if (fds[3].revents)
        read_exec_pipe (run->exec_pipe[0], &exec);
      if (fds[2].revents & POLLIN)
        timeout_expired (sb, run, child, timer_fd, &timeout_stage);
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR))
        exit_code = read_pid1_report (run, child, &pid1_failed);
      /* Until the command has started, a signal that ends a program ends
       * the run: the setup may be blocked in a wait of its own (--block-fd,
       * a --file fd nobody writes), with those signals blocked. */
      bool child_changed
          = fds[0].revents & POLLIN
            && signals_drain (sfd, child, sb->new_session, exec.started ? NULL : &ending);
      if (ending != 0)
        break;
      if (child_changed && exit_code < 0)
        {
          int status;
          if (run->explain == NULL)
            exit_code = reap_child (child);
          else if (explain_wait (run, child, &status)) /* the traced processes' stops too */
            exit_code = signals_exit_status (status);
        }
    }

  pasta_stop ();      /* --net pasta: the sandbox's network goes with it */
  dbus_proxy_stop (); /* --dbus-*: and its filtered bus */
  if (ending != 0)
    {
      namespaces_abandon_child (child);
      signals_reclaim_terminal ();
      return 128 + ending;
    }
  signals_reclaim_terminal ();
  if (timeout_stage > 0)
    exit_code = timeout_finish ();
  explain_finish (run, exit_code); /* --explain's summary, --learn's profile */

  while (!exec.eof && read_exec_pipe (run->exec_pipe[0], &exec))
    ;
  /* (PID 1 killed by a signal took the command with it: that is the
   * command's end, reported as bubblewrap does.) */
  if (exec.started && !exec.failed && !(pid1_failed && exit_code < 128))
    status_report_exit (sb, exit_code);
  return exit_code;
}
