/* hutch — the contract between the mount interface (bind-mount.c) and
 * its two backends (mount-api.c, mount-legacy.c).  Not for other files:
 * they use bind-mount.h, which dispatches to the backend chosen once by
 * mount_api_choose().
 *
 * Each entry does what the bind-mount.h function of the same name says;
 * bind_attrs() gives the MOUNT_ATTR_* a bind's flags mean, for both.
 */
#pragma once

#include "bind-mount.h"

struct mount_backend
{
  int (*build_begin) (int base_fd);
  void (*build_end) (void);

  void (*source_check) (const char *path, const char *cwd, bool may_be_missing,
                        struct bind_source *out);
  enum bind_result (*source_open) (const struct bind_source *src, const char *name, int oldroot_fd,
                                   int *fd_out, bool *is_dir);
  enum bind_result (*source_clone) (const struct bind_source *src, int fd, unsigned flags,
                                    int *tree_out);
  enum bind_result (*host_path_at) (int oldroot_fd, const char *host_path, unsigned flags,
                                    int dirfd, const char *name);

  enum bind_result (*clone_tree) (int srcfd, unsigned flags, int *tree_out);
  enum bind_result (*cover_ro) (int dirfd, const char *name);
  enum bind_result (*remount_ro) (int destfd);
  int (*new_fs) (const char *fstype, const struct fs_param *params, size_t n_params,
                 unsigned attrs);
  int (*new_fs_at) (const char *fstype, const struct fs_param *params, size_t n_params,
                    unsigned attrs, const char *path, bool *created);
  int (*attach) (int mntfd, int destfd);
  int (*attach_at) (int mntfd, int dirfd, const char *name);
};

extern const struct mount_backend mount_backend_fd;     /* mount-api.c */
extern const struct mount_backend mount_backend_legacy; /* mount-legacy.c */

/* For the mount(2) backend: the procfs fd given to mount_api_choose(),
 * where "self" is this process (not owned). */
int mount_backend_proc_fd (void);

/* openat2 may fail with EAGAIN when a rename or mount races with a ".."
 * walk under RESOLVE_IN_ROOT; a few retries are plenty. */
#define OPEN_IN_ROOT_RETRIES 64

/* MOUNT_ATTR_* for BIND_* flags: nosuid always, nodev unless
 * BIND_DEVICES, read-only with BIND_READONLY. */
unsigned bind_attrs (unsigned flags);

/* MS_* for MOUNT_ATTR_* (read-only, nosuid, nodev, noexec), for mount(2). */
unsigned long mount_ms_flags (unsigned attrs);

/* fsconfig's params as mount(2)'s option string ("mode=0755,size=..."),
 * *out NULL for none; -1 with EINVAL when a key or value cannot be said
 * that way (a comma in a value, a "lowerdir+" key). */
int mount_fs_options (const struct fs_param *params, size_t n, char **out);
