/* hutch — the limits of the command: resource limits (--rlimit) and the
 * wall-clock limit (--timeout).  (Not named limits.h: that would hide the
 * system's <limits.h>.) */
#pragma once

#include <sys/types.h>

#include "sandbox.h"
#include "utils.h"

/* Parse time.  Die with one line on a bad value. */
void limit_parse_rlimit (struct sandbox *sb, const char *arg);  /* NAME=SOFT[:HARD] */
void limit_parse_timeout (struct sandbox *sb, const char *arg); /* SECONDS[:GRACE] */

/* A limit as --rlimit takes it: a number, or "unlimited" for UINT64_MAX. */
void format_limit (uint64_t v, char *buf, size_t size);

/* The --rlimit name of an RLIMIT_* resource ("nofile"), "?" if unknown. */
const char *rlimit_name_of (int resource);

/* Check phase: a hard limit above the current one can only be raised by
 * real root outside a user namespace; refuse it early for anyone else. */
void limit_check (const struct sandbox *sb, const struct run *run);

/* In the command, just before no_new_privs: set the --rlimit limits. */
void limit_apply_rlimits (const struct sandbox *sb);

/* The monitor's side of --timeout.
 *
 * limit_timeout_start(): a timerfd armed for the timeout (-1 without
 * --timeout).  The monitor becomes a child subreaper, so that every
 * process of the sandbox stays its descendant even without a PID
 * namespace.
 *
 * limit_timeout_expired(): the timerfd fired.  The first time, every
 * process of the sandbox gets SIGTERM (a PID 1 reaper is left out: it
 * forwards the signal to the command itself) and the timer is re-armed
 * for the grace period; the second time, every process gets SIGKILL.
 * `stage` counts the times (0: not expired).
 *
 * limit_timeout_finish(): after the command has exited, if the timeout
 * expired: SIGKILL whatever of the sandbox is left, reap it all, and
 * return 124 (like timeout(1)). */
int limit_timeout_start (const struct sandbox *sb);
void limit_timeout_expired (const struct sandbox *sb, const struct run *run, pid_t child,
                            int timer_fd, int *stage);
int limit_timeout_finish (void);
