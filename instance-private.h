/* hutch — running sandboxes: what instance.c (entries, --list, --stop,
 * finding a sandbox) and instance-monitor.c (the monitor's side) share. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "utils.h"

/* The state directory once opened (-1: none) and its path, for messages. */
extern int instance_state_dir;
extern char instance_state_path[PATH_MAX];

/* Open (and with `create`, make) the state directory; an fd or -errno
 * (-ENOENT: none yet).  Sets instance_state_path. */
int instance_state_open (bool create);
/* The one-line error for a state directory that can't be used. */
void instance_die_state_dir (int err) NORETURN;

/* The holder of a POSIX lock on fd: its pid, 0 when free, -1 unknown. */
pid_t instance_lock_holder (int fd);
/* A write lock on an fd open for writing, else a read lock; fcntl's result. */
int instance_take_lock (int fd);
/* The state directory's `name` still is the file open as fd. */
bool instance_same_file (const char *name, int fd);
/* A process's start time (field 22 of /proc/PID/stat) and, unless uid is
 * NULL, its real uid; false if it is gone or unreadable. */
bool instance_proc_identity (pid_t pid, unsigned long long *start, uid_t *uid);
/* Remove the entry `id` and its socket. */
void instance_remove_entry (const char *id);
