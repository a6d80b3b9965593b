/* hutch — Landlock: --landlock-ro, --landlock-rw, --landlock-connect-tcp,
 * --landlock-bind-tcp, --scope-abstract-unix, --scope-signals and
 * --landlock-best-effort.  Raw system calls; no library. */
#pragma once

#include "sandbox.h"
#include "utils.h"

/* Parse time: record a path (no file-system access) or a port list such as
 * "80,443,8000-8080" (or "none").  Die with one line on a bad value. */
void landlock_parse_path (struct sandbox *sb, const char *path, bool writable);
void landlock_parse_ports (struct sandbox *sb, const char *option, const char *list, bool bind);

/* Check phase, before anything exists: probe the kernel's Landlock ABI
 * once (run->landlock_abi) and refuse a requested right the kernel lacks,
 * naming the right, the ABI it needs and the kernel's ABI; with
 * --landlock-best-effort, warn and go on without it. */
void landlock_check (const struct sandbox *sb, struct run *run);

/* What the ruleset decided by landlock_check() enforces (--dry-run). */
struct landlock_summary
{
  bool fs, connect_tcp, bind_tcp, scope_abstract_unix, scope_signals;
};
void landlock_summarize (const struct run *run, struct landlock_summary *out);

/* In the build phase, once the new root is in place and before the ids
 * are switched: with file rules, make every mount read-only but beneath
 * the --landlock-rw paths (Landlock does not see chmod, utimes, xattrs).
 * Dies naming the path or the call that failed. */
void landlock_protect_tree (const struct sandbox *sb, const struct run *run);

/* In the command, once the sandbox root is in place: open the paths
 * (O_PATH, as seen inside) and build the ruleset.  Returns its fd, or -1
 * when there is nothing to restrict.  Dies naming a path it can't open. */
int landlock_prepare (const struct sandbox *sb, const struct run *run);

/* The same for PID 1, which confines itself like the command: the same
 * file and network rules and the abstract unix socket scope, not the
 * signal scope (PID 1 must pass signals on to the command). */
int landlock_prepare_pid1 (const struct sandbox *sb, const struct run *run);

/* After no_new_privs: enforce the ruleset on this process and everything
 * it starts (closes ruleset_fd; -1 does nothing).  Returns 0 or -errno. */
int landlock_restrict (int ruleset_fd);
