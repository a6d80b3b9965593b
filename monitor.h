/* hutch — the processes that watch the command: the monitor (hutch's own
 * process, outside) and the PID 1 reaper of a new PID namespace. */
#pragma once

#include <sys/types.h>

#include "sandbox.h"

/* First thing: SIGCHLD back to its default disposition, whatever the
 * caller left it at (an ignored SIGCHLD is inherited through exec). */
void monitor_reset_sigchld (void);

/* Before clone: block the signals the monitor forwards (and SIGCHLD) so
 * that none is lost; remembers the caller's mask. */
void monitor_block_signals (const struct sandbox *sb);

/* In the command before exec: the caller's signal mask again. */
void monitor_restore_signals (void);

/* In the parent after clone: forward signals to the child, write the
 * status reports, and return the exit status hutch must exit with (the
 * command's, 128+N for a death by signal N). */
int monitor_run (const struct sandbox *sb, struct run *run, pid_t child);

/* In the child, when a reaper is wanted: fork.  The parent side becomes
 * PID 1 (reaps, forwards signals, reports the command's status, never
 * returns); the child side returns and goes on to become the command. */
void monitor_fork_pid1 (struct sandbox *sb, struct run *run);

/* In an intermediate process that only waits for `child` (--pidns with
 * --unshare-pid): pass the forwarded signals on to it and exit with its
 * exit status.  Never returns. */
__attribute__ ((noreturn)) void monitor_relay (pid_t child, bool forward_tty_signals);
