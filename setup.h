/* hutch — phase 3 (build): the new root, from the ordered setup ops. */
#pragma once

#include "bind-mount.h"
#include "sandbox.h"

/* What the check before the build found for one op (run->resolved_ops[i]
 * for sb->ops[i]). */
struct resolved_op
{
  struct bind_source bind; /* binds: see bind_source_check() */
  char *upper;             /* realpath (op->src): the upper dir of OP_OVERLAY */
  char *workdir;           /* realpath (op->workdir): OP_OVERLAY */
  char **overlay_srcs;     /* realpath of each --overlay-src, NULL-terminated */
};

/* Before any mount, in the child (full capabilities over its mount
 * namespace): choose the mount API (mount_api_choose()), then check
 * every bind and overlay source in the caller's view, so that relative
 * paths and host symlinks mean what the caller sees (realpath; with the
 * fd-based API a bind's source is only checked, and looked up again when
 * it is bound), into run->resolved_ops.  Dies with "Can't find source
 * path SRC: ..." for a missing source unless the op is a -try variant
 * (then the op is skipped later). */
void setup_resolve_sources (struct sandbox *sb, struct run *run);

/* In the child, inside the new mount (and user) namespace with full
 * capabilities there: make every mount a slave of the host's (nothing
 * propagates back), mount a tmpfs as the new root, apply sb->ops in order
 * with destinations resolved inside the new root, detach the host's tree
 * and make the new root "/".  On return cwd is "/" of the sandbox; the
 * host's tree is no longer reachable except through fds opened before
 * (run->proc_fd). */
void setup_build_root (const struct sandbox *sb, struct run *run);

/* After setup_build_root (and after any nested user namespace): chdir to
 * --chdir, else the caller's old cwd if it exists inside, else $HOME,
 * else "/"; set PWD accordingly.  `old_cwd` may be NULL. */
void setup_chdir (const struct sandbox *sb, const char *old_cwd);

/* Free what setup_resolve_sources() kept in run (in PID 1, after setup). */
void setup_release_run (struct run *run);

/* The same, for the run given to setup_resolve_sources() (reaper.c's
 * call, until it passes its run). */
void setup_release (void);
