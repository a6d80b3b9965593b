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
 * <= 0); true if a SIGCHLD came. */
bool signals_drain (int sfd, pid_t target, bool forward_tty_signals);

/* The exit status hutch reports for a wait status: the command's own, or
 * 128+N for a death by signal N. */
int signals_exit_status (int status);

/* In an intermediate process that only waits for `child` (--pidns with
 * --unshare-pid): pass the signals on to it and exit with its exit
 * status.  Never returns. */
__attribute__ ((noreturn)) void signals_relay (pid_t child, bool forward_tty_signals);
