/* hutch — phase 4 (confine and exec). */
#pragma once

#include "sandbox.h"
#include "utils.h"

/* Apply --setenv/--unsetenv/--clearenv in command-line order. */
void confine_apply_env (const struct sandbox *sb);

/* Drop every capability, bounding set included (for PID 1). */
void confine_drop_all_caps (void);

/* Check phase, before clone: probe Landlock and refuse what the kernel
 * lacks, refuse hard limits that can't be raised, compile the seccomp
 * policy into run. */
void confine_prepare (const struct sandbox *sb, struct run *run);

/* In the process that becomes the command: new session, parent-death
 * signal, no_new_privs, capabilities, seccomp (last), then exec.  On an
 * exec failure, reports it on run->exec_pipe and exits 1. */
void confine_exec (const struct sandbox *sb, const struct run *run) NORETURN;
