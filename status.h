/* hutch — --info-fd and --json-status-fd reports. */
#pragma once

#include <sys/types.h>

#include "sandbox.h"

/* After the child exists: write the child's PID and the ids of the
 * namespaces it was given to --info-fd (then closed) and as the first
 * document of --json-status-fd.  proc_fd is an fd of the host's /proc.
 * Returns 0, or -errno with *failed naming the option whose fd failed. */
int status_report_started (const struct sandbox *sb, pid_t child, int proc_fd,
                           const char **failed);

/* When the command has exited: `{ "exit-code": N }` on --json-status-fd. */
void status_report_exit (const struct sandbox *sb, int exit_code);

/* When --timeout expires: `{ "timeout": SECONDS }` on --json-status-fd
 * (the exit-code line that follows says 124). */
void status_report_timeout (const struct sandbox *sb);
