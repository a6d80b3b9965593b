/* hutch — the PID 1 reaper of a new PID namespace (or of --lock-file and
 * --sync-fd): it forks the command, then only reaps, passes signals on and
 * reports the command's exit status to the monitor.  Confined like the
 * command before it forks (confine.c). */
#include "config.h"

#include "reaper.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "landlock.h"
#include "options.h"
#include "resource-limits.h"
#include "setup.h"
#include "signals.h"
#include "utils.h"

/* A failure of PID 1's own while the command runs: the sandbox must not
 * go on unwatched, nor its status be guessed. */
NORETURN static void
pid1_fail (pid_t command, const char *what)
{
  int err = errno;
  if (command > 0)
    (void)kill (command, SIGKILL);
  die_with_errno (err, "PID 1 of the sandbox can't %s", what);
}

NORETURN static void
pid1_loop (int sfd, pid_t command, int report_fd, bool forward_tty_signals)
{
  int command_status = 1;
  /* With a terminal passed on (signals.c), a stop of the command from
   * the terminal is reported too: the monitor then stops as its job. */
  int wait_flags = WNOHANG | (signals_job_control () ? WUNTRACED : 0);

  for (;;)
    {
      struct pollfd pfd = { .fd = sfd, .events = POLLIN };
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        pid1_fail (command, "wait for signals (poll)");
      if (!signals_drain (sfd, command, forward_tty_signals, NULL))
        continue;
      for (;;)
        {
          int status;
          pid_t r = waitpid (-1, &status, wait_flags);
          if (r == 0)
            break;
          if (r < 0)
            {
              if (errno == EINTR)
                continue;
              /* ECHILD: every process of the namespace is gone. */
              if (errno == ECHILD)
                _exit (command_status);
              pid1_fail (command, "wait for its processes");
            }
          if (WIFSTOPPED (status))
            {
              int sig = WSTOPSIG (status);
              int report = SIGNALS_REPORT_STOPPED + sig;
              if (r == command && report_fd >= 0
                  && (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU))
                (void)write_all (report_fd, &report, sizeof report);
              continue;
            }
          if (r == command)
            {
              command_status = signals_exit_status (status);
              command = -1;
              if (report_fd >= 0)
                {
                  (void)write_all (report_fd, &command_status, sizeof command_status);
                  close (report_fd);
                  report_fd = -1;
                }
            }
        }
    }
}

/* After a failed write to the ready pipe: is its reader, the command,
 * gone?  (A pipe's write end polls POLLERR once no reader is left: then
 * the command failed before it started, and has said why.) */
static bool
command_gone (int fd)
{
  struct pollfd pfd = { .fd = fd, .events = 0 };
  return poll (&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

void
reaper_fork_pid1 (struct sandbox *sb, struct run *run)
{
  /* Non-dumpable before the fork, and PID 1 stays so: the command, of the
   * same uid, could otherwise write PID 1's memory (/proc/1/mem,
   * process_vm_writev) and run code there outside its own confinement;
   * only exec makes the command dumpable again.  (The caller reaches the
   * sandbox's namespaces through the command, or the --info-fd reports.) */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_DUMPABLE)");
  confine_empty_bounding_set (sb, run);
  confine_pid1_before_fork (sb, run);
  /* PID 1 confines itself after the fork (the command still needs what
   * PID 1 gives up): the command waits on this pipe before it starts
   * (confine_exec), so that it never runs beside a PID 1 that holds more
   * than it, and a failure there stops the run before the command runs. */
  int ready[2];
  if (pipe2 (ready, O_CLOEXEC) < 0)
    die_with_error ("Can't create pipe");
  pid_t command = fork ();
  if (command < 0)
    die_with_error ("Can't fork the command");
  if (command == 0)
    {
      close (ready[1]);
      run->pid1_ready_fd = ready[0];
      close (run->status_pipe[1]);
      run->status_pipe[1] = -1;
      /* The reaper keeps --sync-fd open; the command gets no copy. */
      if (sb->sync_fd > STDERR_FILENO)
        close (sb->sync_fd);
      return;
    }

  /* PID 1: owns nothing the command may use. */
  close (ready[0]);
  close (run->exec_pipe[1]);
  /* Without a PID namespace, orphans of the command come here too. */
  if (!sb->unshare_pid && prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_CHILD_SUBREAPER)");
  int sfd = signals_open_fd ();
  bool new_session = sb->new_session;
  confine_close_inherited_fds (sb, run, true);
  /* Confined as the command is: its rlimits, its Landlock rules (opened
   * as the command opens them, in the new root), its filters. */
  int landlock_fd = landlock_prepare_pid1 (sb, run);
  limit_apply_rlimits (sb);
  setup_release_run (run);
  options_release (sb);     /* PID 1 stays small while the command runs */
  signals_give_terminal (); /* before seccomp, which may refuse ioctls */
  confine_pid1 (run, landlock_fd);
  close (run->proc_fd); /* the host's /proc: nothing PID 1 needs */
  /* Confined: the command may start.  (A command already gone must not
   * end PID 1 with SIGPIPE: its status is still to be reported.) */
  signal (SIGPIPE, SIG_IGN);
  if (write_all (ready[1], "R", 1) < 0 && !command_gone (ready[1]))
    {
      (void)kill (command, SIGKILL);
      die_with_error ("Can't let the command start");
    }
  close (ready[1]);
  release_program_pages (); /* only waiting from here on */
  pid1_loop (sfd, command, run->status_pipe[1], new_session);
}
