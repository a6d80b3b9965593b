/* hutch — signals: blocked before clone, waited for with a signalfd,
 * passed on to the command.  The bottom of the process files: it calls
 * nothing but utils. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "sandbox.h"

/* First thing: SIGCHLD back to its default disposition, whatever the
 * caller left it at (an ignored SIGCHLD is inherited through exec). */
void signals_reset_sigchld (void);

/* Before clone: block the signals that are passed on (and SIGCHLD) so that
 * none is lost; remembers the caller's mask. */
void signals_block (const struct sandbox *sb);

/* In the command before exec: the caller's signal mask again. */
void signals_restore (void);

/* A non-blocking, close-on-exec signalfd for the blocked set. */
int signals_open_fd (void);

/* Drain the signalfd: send what should be passed on to `target` (none if
 * <= 0); true if a SIGCHLD came.  With `ending` not NULL (the monitor,
 * before the command has started), a SIGHUP, SIGINT, SIGQUIT or SIGTERM
 * is not passed on but stored there: the run ends on it. */
bool signals_drain (int sfd, pid_t target, bool forward_tty_signals, int *ending);

/* The exit status hutch reports for a wait status: the command's own, or
 * 128+N for a death by signal N. */
int signals_exit_status (int status);

/* In an intermediate process that only waits for `child` (--pidns with
 * --unshare-pid): pass the signals on to it and exit with its exit
 * status.  Never returns. */
__attribute__ ((noreturn)) void signals_relay (pid_t child, bool forward_tty_signals);

/* The sandbox's process group.  With a PID namespace of its own and no
 * --new-session the sandbox runs in a process group of its own (decided
 * in signals_block()), so that no signal of the command's (kill(0)) reaches
 * the caller's.  When the caller ran in the foreground of its controlling
 * terminal (on fd 0, 1 or 2), the sandbox's group takes its place there
 * while the command runs, and the monitor acts as the shell's job: it
 * stops when the command is stopped from the terminal and continues the
 * sandbox when it is continued.
 *
 * signals_isolate(): in the monitor, before the child is released: put it
 * in its own group; 0 or -errno.  signals_give_terminal(): in the sandbox,
 * just before the command may start: its group in the foreground if the
 * caller was there (dies with one line on failure).  signals_reclaim_terminal(): in the monitor,
 * once the sandbox is gone (and at exit): the terminal back to the
 * caller's group, if the sandbox still has it.  signals_job_control(): is
 * there a controlling terminal at all (also when hutch started in the
 * background).  signals_stop_as_job(): in the monitor, once PID 1 reported
 * that the command stopped by signal `sig`. */
int signals_isolate (pid_t child);
/* What PID 1 writes to the monitor for a stop of the command by signal N:
 * SIGNALS_REPORT_STOPPED + N (an exit status is 0-255). */
enum
{
  SIGNALS_REPORT_STOPPED = 1000
};
void signals_give_terminal (void);
void signals_reclaim_terminal (void);
bool signals_job_control (void);
void signals_stop_as_job (int sig);
