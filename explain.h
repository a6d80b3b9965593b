/* hutch — --explain and --learn: what the sandbox refused, and why.
 *
 * Before clone, explain_prepare() notes what the reports need (the
 * sandbox's mount table, its Landlock paths, whether it has a network,
 * which option refuses which system call) and opens the socket the
 * command asks the monitor to trace it on.  Last before exec, the
 * command (explain_load_filters()) has itself traced, loads hutch's
 * seccomp filter with a user-notification listener that it passes to
 * the monitor, and loads the tracer's filter (tracer.c).  The monitor
 * then answers each refused call with the errno the filter would have
 * given, and looks at the result of each watched file or network call.
 * Without --explain or --learn, run->explain is NULL and nothing of this
 * runs.
 */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "sandbox.h"

#define EXPLAIN_NFDS 2

/* Before clone (after confine_prepare): checks (--explain=json needs
 * --json-status-fd) and run->explain; nothing without the options. */
void explain_prepare (const struct sandbox *sb, struct run *run);

/* In the command, in place of hutch_seccomp_load(): without --explain it
 * is that.  Returns 0 or -errno. */
int explain_load_filters (const struct run *run);

/* In the monitor: EXPLAIN_NFDS pollfds to watch (fd -1 when none)... */
void explain_poll_fds (struct run *run, struct pollfd *fds);
/* ...what to do when they are ready... */
void explain_handle (struct run *run, const struct pollfd *fds);
/* ...on SIGCHLD: the traced processes' stops; true once child ended,
 * with its wait status... */
bool explain_wait (struct run *run, pid_t child, int *status);
/* ...and when the command has ended: the summary, the --learn profile. */
void explain_finish (struct run *run, int exit_code);
