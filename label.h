/* hutch — SELinux labels (--exec-label, --file-label) through libselinux.
 * Without libselinux, or on a host where SELinux is not enabled, a label
 * is refused with a clear error rather than silently ignored. */
#pragma once

#include "sandbox.h"

/* Phase 2: refuse labels that cannot be applied here; check their syntax. */
void label_check (const struct sandbox *sb);

/* Phase 4: the label the command is exec'd with (no-op without one). */
void label_exec (const char *label);

/* The mount option for --file-label ("context=\"LABEL\""), or NULL. */
char *label_mount_option (const char *label);
