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

#include "instance.h"
#include "namespaces.h"
#include "pasta.h"
#include "signals.h"
#include "status.h"
#include "timeout.h"
#include "utils.h"

/* Did the command start?  The command writes "R" just before exec and "F"
 * if exec (or what comes just before it) failed. */
static bool
command_started (int exec_fd)
{
  char buf[8];
  ssize_t n = read (exec_fd, buf, sizeof buf);
  return n >= 1 && buf[0] == 'R' && memchr (buf, 'F', (size_t)n) == NULL;
}

int
monitor_run (const struct sandbox *sb, struct run *run, pid_t child)
{
  int sfd = signals_open_fd ();
  int exit_code = -1;
  int timer_fd = timeout_start (sb); /* --timeout; -1 without */
  int timeout_stage = 0;

  close (run->exec_pipe[1]);
  if (run->pid1)
    close (run->status_pipe[1]);
  /* A file-descriptor option fd is the child's business from here. */
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    close (sb->seccomp_fds[i]);

  /* A report fd whose reader is gone gives EPIPE, not a silent death
   * that would leave the sandbox running unwatched. */
  signal (SIGPIPE, SIG_IGN);
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
      struct pollfd fds[4] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = run->pid1 ? run->status_pipe[0] : -1, .events = POLLIN },
        { .fd = timer_fd, .events = POLLIN },
        { .fd = instance_poll_fd (), .events = POLLIN }, /* --stop, --enter (instance.c) */
      };
      if (poll (fds, 4, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die_with_error ("poll");
        }
      if (fds[3].revents & POLLIN)
        instance_handle (sb, run);
      if (fds[2].revents & POLLIN)
        timeout_expired (sb, run, child, timer_fd, &timeout_stage);
      if (fds[1].revents & (POLLIN | POLLHUP))
        {
          int code;
          ssize_t n = read (run->status_pipe[0], &code, sizeof code);
          if (n == (ssize_t)sizeof code)
            exit_code = code;
          else
            {
              /* PID 1 went away without a report: its own status says why. */
              run->pid1 = false;
            }
        }
      if (fds[0].revents & POLLIN && signals_drain (sfd, child, sb->new_session))
        {
          int status;
          pid_t r = waitpid (child, &status, WNOHANG);
          if (r == child)
            exit_code = signals_exit_status (status);
        }
    }

  pasta_stop (); /* --net pasta: the sandbox's network goes with it */
  if (timeout_stage > 0)
    exit_code = timeout_finish ();

  fcntl (run->exec_pipe[0], F_SETFL, O_NONBLOCK);
  if (command_started (run->exec_pipe[0]))
    status_report_exit (sb, exit_code);
  return exit_code;
}
