/* hutch — --dry-run and --dry-run=json: the checked plan of a sandbox.
 *
 * Called once the check phase is done (and the run prepared: ids to map,
 * Landlock probed, seccomp compiled); prints what the build and the
 * confinement would do, in order, and exits 0 without creating anything:
 * no clone, no mount, no file.  Bind sources are resolved as a real run
 * resolves them, so a missing source is the same error.
 */
#pragma once

#include "sandbox.h"

/* Returns at once unless sb->dry_run; otherwise resolves the sources with
 * setup_resolve_sources() (into run->resolved_ops, as the build would),
 * prints the plan on stdout and exits. */
void dry_run_print (struct sandbox *sb, struct run *run);
