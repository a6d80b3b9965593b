/* hutch — phase 3 (build), first part: the namespaces and the id maps. */
#pragma once

#include <sys/types.h>

#include "sandbox.h"

/* Work out the facts the build needs before any namespace exists: the
 * caller's ids, which user namespace(s) to create and which ids to map,
 * an fd of the host's /proc. */
void namespaces_prepare (const struct sandbox *sb, struct run *run);

/* Clone the child into the namespaces sb asks for.  In the parent: write
 * the child's uid/gid maps, make itself non-dumpable, and return the
 * child's pid; the child waits until namespaces_release_child().  In the
 * child: wait for that; returns 0. */
pid_t namespaces_clone (const struct sandbox *sb, struct run *run);

/* In the parent: the pid the status reports give for `child`: itself, or
 * with --pidns and --unshare-pid the PID 1 of the new PID namespace below
 * it (found only when the reports need it). */
pid_t namespaces_reported_pid (pid_t child);

/* In the parent: let the child go on (once the status reports are out). */
void namespaces_release_child (void);

/* In the parent, instead of releasing it: make the waiting child exit and
 * reap it, so that nothing is left when hutch gives up. */
void namespaces_abandon_child (pid_t child);

/* In the child after the mounts are set up: if the command's ids differ
 * from the ids mapped for setup (root is mapped while --dev mounts devpts),
 * enter a nested user namespace that maps sb->uid/gid onto them. */
void namespaces_switch_ids (const struct sandbox *sb, const struct run *run);
