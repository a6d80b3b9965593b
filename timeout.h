/* hutch — --timeout, run by the monitor. */
#pragma once

#include <sys/types.h>

#include "sandbox.h"

/* The monitor's side of --timeout.
 *
 * timeout_start(): a timerfd armed for the timeout (-1 without
 * --timeout).  The monitor becomes a child subreaper, so that every
 * process of the sandbox stays its descendant even without a PID
 * namespace.
 *
 * timeout_expired(): the timerfd fired.  The first time, every
 * process of the sandbox gets SIGTERM (a PID 1 reaper is left out: it
 * forwards the signal to the command itself) and the timer is re-armed
 * for the grace period; the second time, every process gets SIGKILL.
 * `stage` counts the times (0: not expired).
 *
 * timeout_finish(): after the command has exited, if the timeout
 * expired: SIGKILL whatever of the sandbox is left, reap it all, and
 * return 124 (like timeout(1)). */
int timeout_start (const struct sandbox *sb);
void timeout_expired (const struct sandbox *sb, const struct run *run, pid_t child, int timer_fd,
                      int *stage);
int timeout_finish (void);
