/* hutch — the monitor and the PID 1 reaper.
 *
 * Both wait with a signalfd: SIGCHLD tells them a child changed state, and
 * the termination signals they receive are passed on to the command.  A
 * signal the terminal generated (si_code SI_KERNEL) already reached the
 * command through its process group, so it is not sent twice unless the
 * command runs in a session of its own (--new-session).
 */
#include "config.h"

#include "monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "options.h"
#include "setup.h"
#include "limit.h"
#include "namespaces.h"
#include "pasta.h"
#include "status.h"
#include "utils.h"

/* Signals that end a program, always forwarded to the command (hutch then
 * exits with its status); SIGUSR1 and SIGUSR2 only with --forward-signals:
 * without it they act on hutch itself, as on bubblewrap. */
static const int forwarded_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
static const int user_signals[] = { SIGUSR1, SIGUSR2 };
static bool forward_user_signals;

static sigset_t caller_mask;

static void
monitored_set (sigset_t *set)
{
  sigemptyset (set);
  sigaddset (set, SIGCHLD);
  for (size_t i = 0; i < N_ELEMENTS (forwarded_signals); i++)
    sigaddset (set, forwarded_signals[i]);
  for (size_t i = 0; forward_user_signals && i < N_ELEMENTS (user_signals); i++)
    sigaddset (set, user_signals[i]);
}

void
monitor_reset_sigchld (void)
{
  /* A caller that ignores SIGCHLD passes that on through exec: children
   * would then be reaped by the kernel, unsignalled, and every waitpid()
   * (the monitor's, PID 1's, --diagnose's probes, the id-map helpers')
   * would fail or wait for ever.  The default again, before any child
   * exists, so that PID 1 and the command have it too, as in bubblewrap
   * 0.11.1. */
  if (signal (SIGCHLD, SIG_DFL) == SIG_ERR)
    die_with_error ("Can't reset the disposition of SIGCHLD");
}

void
monitor_block_signals (const struct sandbox *sb)
{
  sigset_t set;
  forward_user_signals = sb->forward_signals;
  monitored_set (&set);
  if (sigprocmask (SIG_BLOCK, &set, &caller_mask) < 0)
    die_with_error ("sigprocmask");
}

void
monitor_restore_signals (void)
{
  if (sigprocmask (SIG_SETMASK, &caller_mask, NULL) < 0)
    die_with_error ("sigprocmask");
}

static int
open_signalfd (void)
{
  sigset_t set;
  monitored_set (&set);
  int fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0)
    die_with_error ("signalfd");
  return fd;
}

static int
exit_status_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 1;
}

/* Drain the signalfd: forward what should be forwarded; true on SIGCHLD. */
static bool
handle_signals (int sfd, pid_t target, bool forward_tty_signals)
{
  struct signalfd_siginfo si;
  bool child_changed = false;

  while (read (sfd, &si, sizeof si) == (ssize_t) sizeof si)
    {
      if ((int) si.ssi_signo == SIGCHLD)
        {
          child_changed = true;
          continue;
        }
      if (si.ssi_code == SI_KERNEL && !forward_tty_signals)
        continue;
      if (target > 0)
        (void) kill (target, (int) si.ssi_signo);
    }
  return child_changed;
}

/* Did the command start?  The command writes "R" just before exec and "F"
 * if exec (or what comes just before it) failed. */
static bool
command_started (int exec_fd)
{
  char buf[8];
  ssize_t n = read (exec_fd, buf, sizeof buf);
  return n >= 1 && buf[0] == 'R' && memchr (buf, 'F', (size_t) n) == NULL;
}

int
monitor_run (const struct sandbox *sb, struct run *run, pid_t child)
{
  int sfd = open_signalfd ();
  int exit_code = -1;
  int timer_fd = limit_timeout_start (sb); /* --timeout; -1 without */
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
  int report = status_report_started (sb, namespaces_reported_pid (child), run->proc_fd, &failed);
  if (report < 0)
    {
      namespaces_abandon_child (child);
      errno = -report;
      die_with_error ("Write to %s failed", failed);
    }
  namespaces_release_child ();
  release_program_pages (); /* only waiting from here on */

  /* (Made non-dumpable in namespaces_clone: the command cannot ptrace or
   * read the memory of the monitor.) */

  while (exit_code < 0)
    {
      struct pollfd fds[3] = {
        { .fd = sfd, .events = POLLIN },
        { .fd = run->pid1 ? run->status_pipe[0] : -1, .events = POLLIN },
        { .fd = timer_fd, .events = POLLIN },
      };
      if (poll (fds, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die_with_error ("poll");
        }
      if (fds[2].revents & POLLIN)
        limit_timeout_expired (sb, run, child, timer_fd, &timeout_stage);
      if (fds[1].revents & (POLLIN | POLLHUP))
        {
          int code;
          ssize_t n = read (run->status_pipe[0], &code, sizeof code);
          if (n == (ssize_t) sizeof code)
            exit_code = code;
          else
            {
              /* PID 1 went away without a report: its own status says why. */
              run->pid1 = false;
            }
        }
      if (fds[0].revents & POLLIN && handle_signals (sfd, child, sb->new_session))
        {
          int status;
          pid_t r = waitpid (child, &status, WNOHANG);
          if (r == child)
            exit_code = exit_status_of (status);
        }
    }

  pasta_stop (); /* --net pasta: the sandbox's network goes with it */
  if (timeout_stage > 0)
    exit_code = limit_timeout_finish ();

  fcntl (run->exec_pipe[0], F_SETFL, O_NONBLOCK);
  if (command_started (run->exec_pipe[0]))
    status_report_exit (sb, exit_code);
  return exit_code;
}

NORETURN static void
pid1_loop (int sfd, pid_t command, int report_fd, bool forward_tty_signals)
{
  int command_status = 1;

  for (;;)
    {
      struct pollfd pfd = { .fd = sfd, .events = POLLIN };
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        _exit (1);
      if (!handle_signals (sfd, command, forward_tty_signals))
        continue;
      for (;;)
        {
          int status;
          pid_t r = waitpid (-1, &status, WNOHANG);
          if (r == 0)
            break;
          if (r < 0)
            {
              if (errno == EINTR)
                continue;
              /* ECHILD: every process of the namespace is gone. */
              _exit (command_status);
            }
          if (r == command)
            {
              command_status = exit_status_of (status);
              command = -1;
              if (report_fd >= 0)
                {
                  (void) write_all (report_fd, &command_status, sizeof command_status);
                  close (report_fd);
                  report_fd = -1;
                }
            }
        }
    }
}

void
monitor_relay (pid_t child, bool forward_tty_signals)
{
  int sfd = open_signalfd ();

  for (;;)
    {
      struct pollfd pfd = { .fd = sfd, .events = POLLIN };
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        _exit (1);
      if (!handle_signals (sfd, child, forward_tty_signals))
        continue;
      int status;
      pid_t r = waitpid (child, &status, WNOHANG);
      if (r == child)
        _exit (exit_status_of (status));
      if (r < 0 && errno != EINTR)
        _exit (1);
    }
}

void
monitor_fork_pid1 (struct sandbox *sb, struct run *run)
{
  /* Non-dumpable before the fork, so that PID 1 never is while the command
   * runs (its /proc/1/exe is hutch's binary); exec makes the command
   * dumpable again. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_DUMPABLE)");
  confine_empty_bounding_set (sb, run);
  confine_pid1_before_fork (sb, run);
  pid_t command = fork ();
  if (command < 0)
    die_with_error ("Can't fork the command");
  if (command == 0)
    {
      close (run->status_pipe[1]);
      run->status_pipe[1] = -1;
      /* The reaper keeps --sync-fd open; the command gets no copy. */
      if (sb->sync_fd > STDERR_FILENO)
        close (sb->sync_fd);
      return;
    }

  /* PID 1: owns nothing the command may use. */
  close (run->exec_pipe[1]);
  /* Without a PID namespace, orphans of the command come here too. */
  if (!sb->unshare_pid && prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_CHILD_SUBREAPER)");
  int sfd = open_signalfd ();
  bool new_session = sb->new_session;
  confine_close_inherited_fds (sb, run, true);
  setup_release ();
  options_release (sb); /* PID 1 stays small while the command runs */
  confine_drop_all_caps ();
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_NO_NEW_PRIVS)");
  confine_pid1 (run, run->proc_fd); /* the command's seccomp; then dumpable */
  close (run->proc_fd); /* the host's /proc: nothing PID 1 needs */
  release_program_pages (); /* only waiting from here on */
  pid1_loop (sfd, command, run->status_pipe[1], new_session);
}
