/* hutch — --info-fd and --json-status-fd reports. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

/* After the child exists: write the child's PID and the ids of the
 * namespaces it was given (run->new_namespaces, but for the user
 * namespace, as bubblewrap) to --info-fd (then closed) and as the first
 * document of --json-status-fd.  run->proc_fd is an fd of the host's
 * /proc.  Returns 0, or -errno with *failed naming the option whose fd
 * failed. */
int status_report_started (const struct sandbox *sb, const struct run *run, pid_t child,
                           const char **failed);

/* When the command has exited: `{ "exit-code": N }` on --json-status-fd. */
void status_report_exit (const struct sandbox *sb, int exit_code);

/* When --timeout expires: `{ "timeout": SECONDS }` on --json-status-fd
 * (the exit-code line that follows says 124). */
void status_report_timeout (const struct sandbox *sb);

/* The namespace names the reports use ("cgroup", "ipc", ...), in order. */
const char *const *status_namespace_names (size_t *n);

/* The child's namespace ids, in that order (0: none), as the child read
 * them from its own /proc/self/ns. */
void status_set_namespace_ids (const uint64_t *ids, size_t n);
