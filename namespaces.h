/* hutch — phase 3 (build), first part: the namespaces and the id maps. */
#pragma once

#include <sys/types.h>

#include "sandbox.h"

/* Work out the facts the build needs before any namespace exists: the
 * caller's ids, which user namespace(s) to create and which ids to map,
 * an fd of the host's /proc. */
void namespaces_prepare (const struct sandbox *sb, struct run *run);

/* Clone the child into the namespaces sb asks for.  In the parent: write
 * the child's uid/gid maps, then let it go on; returns the child's pid.
 * In the child: wait until the maps are written; returns 0. */
pid_t namespaces_clone (const struct sandbox *sb, struct run *run);

/* In the child after the mounts are set up: if the command's ids differ
 * from the ids mapped for setup (root is mapped while --dev mounts devpts),
 * enter a nested user namespace that maps sb->uid/gid onto them. */
void namespaces_switch_ids (const struct sandbox *sb, const struct run *run);
