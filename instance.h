/* hutch — running sandboxes: --name, --list, --stop, and the monitor's
 * side of --enter (enter.c is the rest).
 *
 * Every sandbox of a user has an entry in the user's own state directory
 * ($XDG_RUNTIME_DIR/hutch, else /run/user/UID/hutch, else /tmp/hutch-UID;
 * owned by the user, mode 0700, never a symlink): a file PID.START (the
 * monitor's PID and start time), written whole and renamed into place,
 * and a unix socket PID.START.sock on which the monitor takes --stop and
 * --enter requests.  The monitor holds a POSIX write lock on its entry
 * (and on name.NAME for --name) for as long as it lives: an entry whose
 * lock is free, or is held by another process than the one it names, is
 * stale, never listed, and removed.  Nothing is ever signalled by PID: a
 * request goes to the monitor, which acts on its own child.
 */
#pragma once

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "sandbox.h"

/* --list, --enter, --stop: do it and exit.  Returns at once for a run
 * that builds a sandbox.  argv without the program name. */
void instance_run_action (struct sandbox *sb, int argc, char **argv);

/* Before clone: open the state directory, take --name's lock (one line
 * and exit if another sandbox of the user has the name), and make the
 * channel on which the child hands over what --enter needs. */
void instance_prepare (const struct sandbox *sb, const struct run *run);

/* In the child, first thing: close the fds of instance_prepare(). */
void instance_child_close (void);

/* In the child, at the end of the build: send the monitor the sandbox's
 * namespaces, root and working directory and the caller's seccomp
 * programs (read now), so that --enter can join and confine alike. */
void instance_child_handover (const struct sandbox *sb, struct run *run);

/* In the monitor after clone: write the entry, listen on the socket. */
void instance_register (const struct sandbox *sb, const struct run *run, pid_t child);

/* An fd for the monitor's poll (-1: none), and what to do when it is
 * readable: requests, the child's hand-over, the --stop grace timer. */
int instance_poll_fd (void);
void instance_handle (const struct sandbox *sb, struct run *run);

/* When the monitor is done: remove the entry, the socket and the name. */
void instance_unregister (void);

/* --name NAME: letters, digits, '.', '_', '-'; 1 to 64 bytes, not "."
 * or "..".  True when valid.  (Here, for the option table's handler.) */
#define INSTANCE_NAME_MAX 64
static inline bool
instance_name_valid (const char *name)
{
  size_t n = strlen (name);
  if (n == 0 || n > INSTANCE_NAME_MAX || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum ((unsigned char)name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
      return false;
  return true;
}

/* For the monitor's fork that serves an --enter (enter.c): the hand-over
 * received from the child.  Index order: enter.c's ns_names. */
#define INSTANCE_N_NS 7
struct instance_handover
{
  bool received;
  int ns_fds[INSTANCE_N_NS]; /* user (the command's), mnt, pid, net, uts, ipc, cgroup */
  int root_fd, cwd_fd;       /* O_PATH */
};
const struct instance_handover *instance_handover_get (void);
/* fd is one of the hand-over's. */
bool instance_fd_is_handover (int fd);
