/* hutch — the monitor, hutch's own process outside the sandbox. */
#pragma once

#include <sys/types.h>

#include "sandbox.h"

/* In the parent after clone: pass signals on to the child, write the
 * status reports, and return the exit status hutch must exit with (the
 * command's, 128+N for a death by signal N). */
int monitor_run (const struct sandbox *sb, struct run *run, pid_t child);
