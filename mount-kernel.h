/* hutch — the kernel's fd-based mount API and openat2(2): numbers,
 * constants and structures that glibc may lack, and thin wrappers.
 * Included by bind-mount.h; used directly by the backends.
 */
#pragma once

#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_open_tree
#define __NR_open_tree 428
#endif
#ifndef __NR_move_mount
#define __NR_move_mount 429
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig 431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount 432
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_SYMLINKS
#define MOVE_MOUNT_F_SYMLINKS 0x00000001
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_SYMLINKS
#define MOVE_MOUNT_T_SYMLINKS 0x00000010
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC 0x00000001
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef MOUNT_ATTR_NOEXEC
#define MOUNT_ATTR_NOEXEC 0x00000008
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS 0x04
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif

/* fsconfig() commands: an enum in the headers, so use our own names. */
enum
{
  HUTCH_FSCONFIG_SET_FLAG = 0,
  HUTCH_FSCONFIG_SET_STRING = 1,
  HUTCH_FSCONFIG_CMD_CREATE = 6,
};

/* Layouts of the kernel's struct open_how and struct mount_attr (v0). */
struct hutch_open_how
{
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};

struct hutch_mount_attr
{
  uint64_t attr_set;
  uint64_t attr_clr;
  uint64_t propagation;
  uint64_t userns_fd;
};

static inline int
sys_open_tree (int dfd, const char *path, unsigned flags)
{
  return (int)syscall (__NR_open_tree, dfd, path, flags);
}

static inline int
sys_move_mount (int from_dfd, const char *from_path, int to_dfd, const char *to_path,
                unsigned flags)
{
  return (int)syscall (__NR_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

static inline int
sys_mount_setattr (int dfd, const char *path, unsigned flags, struct hutch_mount_attr *attr)
{
  return (int)syscall (__NR_mount_setattr, dfd, path, flags, attr, sizeof *attr);
}

static inline int
sys_fsopen (const char *fstype, unsigned flags)
{
  return (int)syscall (__NR_fsopen, fstype, flags);
}

static inline int
sys_fsconfig (int fd, unsigned cmd, const char *key, const void *value, int aux)
{
  return (int)syscall (__NR_fsconfig, fd, cmd, key, value, aux);
}

static inline int
sys_fsmount (int fd, unsigned flags, unsigned attr_flags)
{
  return (int)syscall (__NR_fsmount, fd, flags, attr_flags);
}

static inline int
sys_openat2 (int dfd, const char *path, struct hutch_open_how *how)
{
  return (int)syscall (__NR_openat2, dfd, path, how, sizeof *how);
}

static inline int
sys_pivot_root (const char *new_root, const char *put_old)
{
  return (int)syscall (__NR_pivot_root, new_root, put_old);
}
