/* hutch — --diagnose: what this host allows a sandbox, and why.
 *
 * One line per fact: user namespaces (tried for real, in a child that
 * exits at once), the setuid install, the new mount API, Landlock,
 * seccomp, SELinux and the cgroup version; each with the switch that
 * decides it and a fix where there is one.  Creates nothing that outlives
 * the probe: no mount is attached, the probing child exits.
 */
#pragma once

#include "sandbox.h"
#include "utils.h"

/* Right after parsing: unless --diagnose was given, return.  Otherwise
 * print the report on stdout and exit: 0 when a sandbox can be built here
 * by this caller, 1 otherwise. */
void diagnose_run (const struct sandbox *sb);

/* For error messages: one line naming the switch that blocks unprivileged
 * user namespaces on this host ("kernel.apparmor_restrict_unprivileged_userns
 * is 1"), or NULL when none of the known ones does. */
const char *diagnose_userns_blocker (void);

/* What the mount table says of /proc.  Container runtimes (Docker, Podman,
 * Kubernetes) mask parts of it with mounts on top (/dev/null over
 * /proc/kcore, a read-only /proc/sys, ...); where every procfs in sight is
 * masked so, the kernel refuses a new procfs in a user namespace (it
 * would show what the masks hide): --proc with a new PID namespace fails
 * with EPERM. */
struct proc_masks
{
  unsigned n_proc;   /* procfs mounts of a whole procfs (not a bind of a part) */
  unsigned n_masked; /* those with a mount on top (below their mount point, or over it) */
  unsigned n_covers; /* the mounts on top of them; the empty directories the kernel keeps
                      * for mounts (/proc/sys/fs/binfmt_misc) do not count */
  char first[128];   /* the mount point of the first of those, "" when none */
};

/* Read the mount table from `mountinfo_fd` (a /proc/PID/mountinfo, read to
 * its end, not closed) into *out.  0, or -1 with errno set. */
int diagnose_proc_masks (int mountinfo_fd, struct proc_masks *out);

/* True when there is a procfs and every one is masked. */
bool diagnose_proc_all_masked (const struct proc_masks *m);

/* For a message after EPERM from a new procfs: why, and the ways out, as
 * one clause ("the surrounding container masks /proc (...): run the
 * container with /proc unmasked (...), or ..."); NULL when the mount table
 * does not explain it. */
char *diagnose_proc_refusal (const struct proc_masks *m);

/* Die with "Can't mount proc on DEST: strerror (errnum)", followed by
 * diagnose_proc_refusal() when the mount table (self/mountinfo of the
 * procfs `proc_fd`) explains it. */
void diagnose_die_proc_refused (int proc_fd, const char *dest, int errnum) NORETURN;
