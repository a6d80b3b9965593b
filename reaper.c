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
#include "options.h"
#include "setup.h"
#include "signals.h"
#include "utils.h"

NORETURN static void
pid1_loop (int sfd, pid_t command, int report_fd, bool forward_tty_signals)
{
  int command_status = 1;

  for (;;)
    {
      struct pollfd pfd = { .fd = sfd, .events = POLLIN };
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        _exit (1);
      if (!signals_drain (sfd, command, forward_tty_signals))
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
  /* Non-dumpable before the fork, so that PID 1 never is while the command
   * runs (its /proc/1/exe is hutch's binary); exec makes the command
   * dumpable again. */
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
  setup_release_run (run);
  options_release (sb); /* PID 1 stays small while the command runs */
  confine_drop_all_caps ();
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_NO_NEW_PRIVS)");
  confine_pid1 (run, run->proc_fd); /* the command's seccomp; then dumpable */
  close (run->proc_fd);             /* the host's /proc: nothing PID 1 needs */
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
