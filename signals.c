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

#include <poll.h>
#include <signal.h>
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
signals_drain (int sfd, pid_t target, bool forward_tty_signals)
{
  struct signalfd_siginfo si;
  bool child_changed = false;

  while (read (sfd, &si, sizeof si) == (ssize_t)sizeof si)
    {
      if ((int)si.ssi_signo == SIGCHLD)
        {
          child_changed = true;
          continue;
        }
      if (si.ssi_code == SI_KERNEL && !forward_tty_signals)
        continue;
      if (target > 0)
        (void)kill (target, (int)si.ssi_signo);
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
        _exit (1);
      if (!signals_drain (sfd, child, forward_tty_signals))
        continue;
      int status;
      pid_t r = waitpid (child, &status, WNOHANG);
      if (r == child)
        _exit (signals_exit_status (status));
      if (r < 0 && errno != EINTR)
        _exit (1);
    }
}
