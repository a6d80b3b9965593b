/* hutch — many ids inside the sandbox: subordinate uid/gid ranges
 * (--map-subids, --uid-map, --gid-map), written by the setuid helpers
 * newuidmap/newgidmap (Debian's "uidmap" package), which check the
 * caller's allowance in /etc/subuid and /etc/subgid.  hutch itself never
 * writes such maps with privilege of its own.  The one-id maps, by
 * contrast, hutch writes itself: idmap_write_one_id(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

/* Parse "INSIDE:OUTSIDE:COUNT"; dies with a one-line error naming option. */
void idmap_parse_entry (const char *option, const char *text, struct id_map_entry *out);

/* True when the maps of this run are written by the helpers. */
bool idmap_uses_helpers (const struct sandbox *sb);

/* Before clone: work out the uid and gid maps (reading /etc/subuid and
 * /etc/subgid for --map-subids).  Dies with a clear error when the caller
 * has no range or the helpers are missing. */
void idmap_prepare (const struct sandbox *sb, struct run *run);

/* In the parent after clone: run newuidmap/newgidmap for the child.
 * Dies quoting the helper's message when it refuses. */
void idmap_write (const struct run *run, pid_t child);

/* "0 1000 1 1 100000 65536": the map as the kernel shows it (for reports). */
char *idmap_format (const struct id_map_entry *map, size_t n);

/* One id each way: uid_inside -> uid_outside (if uid), gid likewise. */
struct one_id_map
{
  bool uid, gid;
  unsigned uid_inside, uid_outside, gid_inside, gid_outside;
};
enum idmap_file
{
  IDMAP_SETGROUPS,
  IDMAP_UID_MAP,
  IDMAP_GID_MAP
};

/* The one writer of setgroups, uid_map and gid_map: for process pid (0:
 * the caller itself, "self") through proc_fd, an fd of /proc.  Writes
 * "deny" to setgroups if deny_setgroups (a kernel without the file, before
 * 3.19, is no error), then the maps map asks for, each "INSIDE OUTSIDE 1".
 * 0, or -errno with *failed the file that could not be written. */
int idmap_write_one_id (int proc_fd, pid_t pid, bool deny_setgroups, const struct one_id_map *map,
                        enum idmap_file *failed);
