/* hutch — the tracer of --explain and --learn: seccomp RET_TRACE on the
 * file and network calls only, answered by ptrace from the monitor (the
 * way strace --seccomp-bpf watches), so that a call that is not watched
 * never stops.  The tracer reports each watched call at its exit, with
 * its result and its path resolved as the process saw it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum traced_kind
{
  TRACED_OPEN,    /* open, openat, openat2, creat: flags tell read or write */
  TRACED_EXEC,    /* execve, execveat */
  TRACED_STAT,    /* stat family, access, readlink, chdir: the path must exist */
  TRACED_CREATE,  /* mkdir, symlink, link: a new name in a directory */
  TRACED_REMOVE,  /* unlink, rmdir */
  TRACED_RENAME,  /* rename family: path (old) and path2 (new) */
  TRACED_META,    /* truncate, chmod, chown, utimes: writes to the file */
  TRACED_CONNECT, /* connect */
  TRACED_BIND,    /* bind */
};

struct traced_call
{
  pid_t pid; /* as the monitor sees it */
  const char *name;
  enum traced_kind kind;
  long ret;   /* >= 0, or -errno */
  int flags;  /* TRACED_OPEN: the open flags */
  char *path; /* absolute, as seen inside the sandbox; NULL if unreadable */
  char *path2;
  /* TRACED_CONNECT, TRACED_BIND: the address */
  int family;
  char addr[128]; /* "1.2.3.4:80", "[::1]:53", a unix socket's path */
  uint16_t port;
};

struct tracer;

/* Called for each watched call at its exit. */
typedef void (*tracer_fn) (const struct traced_call *c, void *data);

/* In the command, last before exec, once the monitor traces it: load the
 * filter that makes the watched calls stop.  Returns 0 or -errno. */
int tracer_load_filter (void);

/* In the monitor. */
struct tracer *tracer_new (tracer_fn fn, void *data, bool want_success);
/* Trace pid from now on (and all it forks).  Returns 0 or -errno. */
int tracer_attach (struct tracer *t, pid_t pid);
/* On SIGCHLD: handle every stop of the traced processes, and wait for
 * `child` (traced or not).  True, with *status, once child has ended. */
bool tracer_wait (struct tracer *t, pid_t child, int *status);

/* Is path (absolute, normalized) at or beneath dir? */
bool tracer_path_under (const char *path, const char *dir);

/* The process's name (/proc/PID/comm) and its PID as seen in the
 * sandbox (the last of /proc/PID/status NSpid), for the reports. */
void tracer_describe (pid_t pid, char *comm, size_t len, long *ns_pid);
