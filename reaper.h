/* hutch — the PID 1 reaper. */
#pragma once

#include "sandbox.h"

/* In the child, when a reaper is wanted: fork.  The parent side becomes
 * PID 1 (reaps, passes signals on, reports the command's status, never
 * returns); the child side returns and goes on to become the command. */
void reaper_fork_pid1 (struct sandbox *sb, struct run *run);
