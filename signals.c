/* hutch — signals: what the monitor, PID 1 and a relay block, wait for
 * and pass on.
 *
 * Each waits with a signalfd: SIGCHLD tells it a child changed state, and
 * the termination signals it receives are passed on to the command.  A
 * signal the terminal generated (si_code SI_KERNEL) already reached the
 * command through its process group, so it is not sent twice unless the
 * command runs in a session of its own (--new-session).
 */
#include "config.h"

#include "signals.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utils.h"

/* Signals that end a program, always forwarded to the command (hutch then
 * exits with its status); SIGUSR1 and SIGUSR2 only with --forward-signals:
 * without it they act on hutch itself, as on bubblewrap. */
static const int forwarded_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
static const int user_signals[] = { SIGUSR1, SIGUSR2 };
static bool forward_user_signals;

static sigset_t caller_mask;

/* The sandbox's process group (see signals_isolate()): whether it has one
 * of its own, its pgid as the monitor sees it, the fd (0-2) of the
 * caller's controlling terminal (-1: none), and whether the caller was
 * its foreground job when hutch started.  Set before clone, so that the
 * sandbox knows them too. */
static bool own_group;
static pid_t sandbox_pgid = -1;
static int tty_fd = -1;
static bool tty_foreground;

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
signals_reset_sigchld (void)
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
signals_block (const struct sandbox *sb)
{
  sigset_t set;
  forward_user_signals = sb->forward_signals;
  monitored_set (&set);
  if (sigprocmask (SIG_BLOCK, &set, &caller_mask) < 0)
    die_with_error ("sigprocmask");
  /* In a PID namespace of its own (--unshare-pid, --pidns) the sandbox
   * gets a process group of its own too: kill(0) would otherwise reach
   * the caller's whole process group (its shell, its CI runner).  A
   * session of its own (--new-session) is a group of its own already. */
  own_group = (sb->unshare_pid || sb->pidns_fd >= 0) && !sb->new_session;
  for (int fd = 0; own_group && fd <= 2 && tty_fd < 0; fd++)
    {
      pid_t fg = tcgetpgrp (fd); /* fails unless it is the controlling tty */
      if (fg > 0)
        {
          tty_fd = fd;
          tty_foreground = fg == getpgrp ();
        }
    }
}

void
signals_restore (void)
{
  if (sigprocmask (SIG_SETMASK, &caller_mask, NULL) < 0)
    die_with_error ("sigprocmask");
}

int
signals_open_fd (void)
{
  sigset_t set;
  monitored_set (&set);
  int fd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0)
    die_with_error ("signalfd");
  return fd;
}

int
signals_exit_status (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 1;
}

bool
signals_drain (int sfd, pid_t target, bool forward_tty_signals, int *ending)
{
  struct signalfd_siginfo si;
  bool child_changed = false;

  while (read (sfd, &si, sizeof si) == (ssize_t)sizeof si)
    {
      int sig = (int)si.ssi_signo;
      if (sig == SIGCHLD)
        {
          child_changed = true;
          continue;
        }
      if (ending != NULL && sig != SIGUSR1 && sig != SIGUSR2)
        {
          *ending = sig;
          continue;
        }
      if (si.ssi_code == SI_KERNEL && !forward_tty_signals)
        continue;
      if (target > 0)
        (void)kill (target, sig);
    }
  return child_changed;
}

void
signals_relay (pid_t child, bool forward_tty_signals)
{
  int sfd = signals_open_fd ();

  for (;;)
    {
      struct pollfd pfd = { .fd = sfd, .events = POLLIN };
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        {
          int err = errno;
          (void)kill (child, SIGKILL);
          die_with_errno (err, "Can't wait for signals (poll)");
        }
      if (!signals_drain (sfd, child, forward_tty_signals, NULL))
        continue;
      int status;
      pid_t r = waitpid (child, &status, WNOHANG);
      if (r == child)
        _exit (signals_exit_status (status));
      if (r < 0 && errno != EINTR)
        {
          int err = errno;
          (void)kill (child, SIGKILL);
          die_with_errno (err, "Can't wait for PID 1 of the sandbox");
        }
    }
}

/* tcsetpgrp() from a process that may be in a background group: with
 * SIGTTOU blocked the kernel lets it through instead of stopping it. */
static int
set_foreground (pid_t pgid)
{
  sigset_t ttou, old;
  sigemptyset (&ttou);
  sigaddset (&ttou, SIGTTOU);
  if (sigprocmask (SIG_BLOCK, &ttou, &old) < 0)
    return -errno;
  int r = tcsetpgrp (tty_fd, pgid) < 0 ? -errno : 0;
  if (sigprocmask (SIG_SETMASK, &old, NULL) < 0 && r == 0)
    r = -errno;
  return r;
}

void
signals_reclaim_terminal (void)
{
  if (tty_fd < 0 || sandbox_pgid <= 0)
    return;
  pid_t fg = tcgetpgrp (tty_fd);
  if (fg < 0 || fg == getpgrp ())
    return;
  /* The sandbox's group, or one that is gone (a group the command made
   * and that died with it); never one the caller's shell gave it to. */
  if (fg != sandbox_pgid && !(kill (-fg, 0) < 0 && errno == ESRCH))
    return;
  int r = set_foreground (getpgrp ());
  if (r < 0)
    log_msg (LOG_LVL_WARNING, "Can't take the terminal back from the sandbox: %s", strerror (-r));
}

int
signals_isolate (pid_t child)
{
  if (!own_group)
    return 0;
  /* Before the child is released, so that it is in its group before it
   * does anything. */
  if (setpgid (child, child) < 0)
    return -errno;
  sandbox_pgid = child;
  if (tty_fd >= 0 && atexit (signals_reclaim_terminal) != 0)
    return -ENOMEM;
  return 0;
}

void
signals_give_terminal (void)
{
  if (!tty_foreground)
    return;
  int r = set_foreground (getpgrp ());
  if (r < 0)
    die_with_errno (-r, "Can't make the sandbox the foreground job of the terminal on fd %d",
                    tty_fd);
}

bool
signals_job_control (void)
{
  return tty_fd >= 0;
}

void
signals_stop_as_job (int sig)
{
  if (sandbox_pgid <= 0 || tty_fd < 0)
    return;
  /* A read or write from the background while the caller's shell has
   * put this job in the foreground since: the terminal to the sandbox,
   * which goes on. */
  bool foreground = tcgetpgrp (tty_fd) == getpgrp ();
  if (foreground && (sig == SIGTTIN || sig == SIGTTOU))
    {
      int r = set_foreground (sandbox_pgid);
      if (r < 0)
        log_msg (LOG_LVL_WARNING, "Can't give the terminal to the sandbox: %s", strerror (-r));
      (void)kill (-sandbox_pgid, SIGCONT);
      return;
    }
  /* Otherwise (Ctrl-Z, or a read or write from the background): stop as
   * the command's job, as the caller's shell expects, with the terminal
   * back in the caller's group. */
  signals_reclaim_terminal ();
  (void)kill (getpid (), SIGSTOP);
  /* Continued (fg or bg): the terminal to the sandbox again if the caller
   * put this job in the foreground, and the sandbox goes on too. */
  if (tcgetpgrp (tty_fd) == getpgrp ())
    {
      int r = set_foreground (sandbox_pgid);
      if (r < 0)
        log_msg (LOG_LVL_WARNING, "Can't give the terminal back to the sandbox: %s", strerror (-r));
    }
  (void)kill (-sandbox_pgid, SIGCONT);
}
