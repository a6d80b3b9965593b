/* hutch — the setuid-optional mode (configure --enable-setuid).
 *
 * Installed setuid root, hutch uses root for one thing only: creating the
 * namespaces (so that hosts that block unprivileged user namespaces can
 * still run it) and writing uid/gid maps that map just the caller's own
 * ids.  Everything else runs as the caller, inside the user namespace,
 * exactly as in the rootless mode.  See privilege.c for the sequence.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "sandbox.h"

/* First thing in main(): detect a setuid start; refuse it when built
 * without --enable-setuid; otherwise drop to the caller's ids at once,
 * keeping only the capabilities that creating namespaces and writing maps
 * need, as permitted (not effective) capabilities. */
void privilege_init (void);

/* True when hutch runs setuid root in the setuid-optional mode. */
bool privilege_is_setuid (void);

/* Check phase: refuse what would let a caller reach past its own rights. */
void privilege_check (const struct sandbox *sb);

/* After parsing: close every fd above 2 that the caller did not name. */
void privilege_close_unnamed_fds (const struct sandbox *sb);

/* Around clone and the map writes: root ids and the kept capabilities in
 * effect, then the caller's ids again. */
void privilege_raise (void);
void privilege_lower (void);

/* In the monitor once the maps are written: every host privilege gone,
 * for good (and checked). */
void privilege_drop_all (void);

/* In the child, in the new user namespace, once its maps are written:
 * take the mapped ids (the caller's own outside). */
void privilege_child_enter_userns (uid_t ns_uid, gid_t ns_gid);
