/* hutch — phase 4 (confine and exec). */
#pragma once

#include "sandbox.h"
#include "utils.h"

/* Apply --setenv/--unsetenv/--clearenv in command-line order. */
void confine_apply_env (const struct sandbox *sb);

/* Close the fds the caller let this process inherit (those without
 * FD_CLOEXEC, above 2).  For the command (pid1 false): only directories
 * (O_PATH ones too), which would let it fchdir() or openat() out of the
 * new root, and not those an option names (--keep-fd, --sync-fd, ...);
 * ordinary files, pipes and sockets pass, as in bubblewrap.  For PID 1:
 * every one but --sync-fd, since it has no use for them. */
void confine_close_inherited_fds (const struct sandbox *sb, const struct run *run, bool pid1);

/* Check phase: refuse a directory or an O_PATH fd on 0, 1 or 2 (the
 * command would reach the host's tree through it, as through any
 * inherited directory fd) unless --keep-fd names it. */
void confine_check_std_fds (const struct sandbox *sb);

/* Before clone, once the namespaces and the command's ids are known
 * (namespaces_prepare()): decide the command's capabilities (run->caps_*),
 * which the run applies and --dry-run reports. */
void confine_caps_prepare (const struct sandbox *sb, struct run *run);

/* After setresuid away from uid 0 with PR_SET_KEEPCAPS: effective =
 * permitted again, for the rest of the setup and confinement. */
void confine_regain_effective (void);

/* Drop every capability, bounding set included (for PID 1). */
void confine_drop_all_caps (void);

/* Before PID 1 forks the command: if the command is to keep no
 * capability, empty the bounding set now, once, for both (each inherits
 * it, and then skips the one prctl per capability it would repeat). */
void confine_empty_bounding_set (const struct sandbox *sb, const struct run *run);

/* Check phase, before clone: probe Landlock and refuse what the kernel
 * lacks, refuse hard limits that can't be raised, compile the seccomp
 * policy into run. */
void confine_prepare (const struct sandbox *sb, struct run *run);

/* In the process that becomes the command: new session, parent-death
 * signal, no_new_privs, capabilities, seccomp (last), then exec.  On an
 * exec failure, reports it on run->exec_pipe and exits 1. */
void confine_exec (const struct sandbox *sb, struct run *run) NORETURN;

/* PID 1 (the reaper), before it forks the command: a new session (with
 * --new-session) and session keyring for both, and the caller's seccomp
 * programs read for both. */
void confine_pid1_before_fork (const struct sandbox *sb, struct run *run);

/* PID 1, once it holds nothing of the caller's, has the command's rlimits
 * and has built its Landlock ruleset (landlock_prepare_pid1()), before
 * the command may start: no capability, no_new_privs, that ruleset, the
 * caller's environment wiped, the command's seccomp programs and hutch's
 * filter.  PID 1 stays non-dumpable. */
void confine_pid1 (const struct run *run, int landlock_fd);

/* The caller's seccomp programs, read now if not yet (--enter's
 * hand-over needs them at the end of the build). */
void confine_read_seccomp_programs (const struct sandbox *sb, struct run *run);

/* --enter: confine a process that has joined a running sandbox like its
 * command, then exec argv. */
void confine_exec_entered (const struct sandbox *sb, const struct run *run, char **argv) NORETURN;
