/* hutch — phase 3 (build): what setup.c shares with the files that hold
 * some of its ops (setup-overlay.c).  Not for other files.
 */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>

#include "setup.h"

/* The state of the build. */
struct build
{
  const struct sandbox *sb;
  struct run *run;
  int base_fd;         /* O_PATH: the base tmpfs ("/" after the first pivot) */
  int oldroot_fd;      /* O_PATH: the host's tree */
  int newroot_fd;      /* O_PATH: topmost mount at /newroot */
  struct stat root_st; /* of newroot_fd */
  bool root_covered;   /* an op mounted on the sandbox's "/": reopen newroot_fd */
  /* The last destination's parent directory, kept for the next op whose
   * destination is in the same one: its path inside the new root and an
   * O_PATH fd; forgotten whenever a mount lands on something that
   * existed (it could cover that directory or one above it). */
  char *parent_path;
  int parent_fd;
  char *tty; /* ttyname (1) on the host, for --dev's console; NULL: none */
  bool overlay_mnt_made;
};

enum dest_kind
{
  DEST_DIR,
  DEST_FILE,
};

/* What setup_resolve_sources() found for op i (all zero if nothing). */
const struct resolved_op *setup_resolved (const struct build *b, size_t i);

/* An fd (O_PATH) of the destination `dest` of op, inside the new root,
 * made as `kind` with `mode` if missing, its missing parents too.  Dies
 * with a message naming `dest`. */
int setup_open_dest (struct build *b, const struct setup_op *op, const char *dest,
                     enum dest_kind kind, mode_t mode);

/* --overlay, --tmp-overlay, --ro-overlay (setup-overlay.c). */
void setup_op_overlay (struct build *b, size_t i, const struct setup_op *op);
