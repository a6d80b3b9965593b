/* hutch — a model of the mount tree, for the mount(2) backend.
 *
 * The mount(2) backend (mount-legacy.c) has no open_tree() to copy a tree
 * of mounts for it: it must know which mounts lie below a source, and
 * with which flags, to repeat them when it remounts the copy.  That is
 * this model: /proc/self/mountinfo parsed once per run (every mount that
 * a path reaches, with its per-mount MS_* flags), then kept up to date by
 * the backend as it mounts, moves and remounts.
 *
 * Pure data: no system call here (the backend reads the file and makes
 * the mounts), so that tests/unit-mounts.c can check it on fixtures.
 * Paths are absolute and canonical ("/", "/a/b"; no trailing '/').
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct mount_model;

/* A mount below another: its path relative to that one ("b/c"), and its
 * flags.  `rel` points into the model, valid until mount_model_free(). */
struct mount_sub
{
  const char *rel;
  unsigned long flags;
};

struct mount_model *mount_model_new (void);
void mount_model_free (struct mount_model *m);

/* The text of a mountinfo file (changed in place) into the model: the
 * topmost mount of each path that a lookup can reach (shadowed ones, and
 * those under a covered parent, are left out), with the flags of its
 * per-mount options (field 6).  Mount points are unescaped (\040 ...);
 * lines that are not mountinfo lines are skipped. */
void mount_model_parse (struct mount_model *m, char *text);

/* A mount with `flags` now covers `path`: it is the topmost mount there,
 * and nothing that was below is reachable any more. */
void mount_model_set (struct mount_model *m, const char *path, unsigned long flags);

/* The mount whose root is `path` now has `flags` (a remount; the mounts
 * below are untouched). */
void mount_model_set_flags (struct mount_model *m, const char *path, unsigned long flags);

/* The mount at `path` and everything below it are gone (moved away). */
void mount_model_remove (struct mount_model *m, const char *path);

/* true, with its flags, when the model has a mount whose root is `path`. */
bool mount_model_mount_at (const struct mount_model *m, const char *path, unsigned long *flags);

/* The flags of the mount that holds `path` (the deepest mount point at or
 * above it); false when the model knows none. */
bool mount_model_containing (const struct mount_model *m, const char *path, unsigned long *flags);

/* The mounts strictly below `path`, parents first (the order in which a
 * copy of them is found and remounted); NULL and 0 when there are none.
 * The array is the caller's to free. */
struct mount_sub *mount_model_below (const struct mount_model *m, const char *path, size_t *n_out);

/* A copy of a tree is now at `dest`: its root with root_flags, and subs
 * (relative to dest) with theirs. */
void mount_model_add_tree (struct mount_model *m, const char *dest, unsigned long root_flags,
                           const struct mount_sub *subs, size_t n);

/* mountinfo's escapes (\040 for a space, ...), undone in place. */
void mount_model_unescape (char *s);

/* The per-mount options of mountinfo ("rw,nosuid,relatime", changed in
 * place) as MS_* flags. */
unsigned long mount_model_parse_options (char *opts);
