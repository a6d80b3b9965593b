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
