/* hutch — the tracer of --explain and --learn (see tracer.h).
 *
 * The command loads a classic BPF filter, last before exec, that returns
 * SECCOMP_RET_TRACE for the watched calls of the native ABI and allows
 * everything else.  The monitor has PTRACE_SEIZEd the command just
 * before (a RET_TRACE with no tracer fails the call with ENOSYS): a
 * watched call stops at its entry (PTRACE_EVENT_SECCOMP), the monitor
 * resumes it with PTRACE_SYSCALL to see its exit, reads the result there
 * (PTRACE_GET_SYSCALL_INFO, Linux 5.3) and resumes with PTRACE_CONT, so
 * no other call stops.  Forks, vforks and threads are traced from birth
 * (PTRACE_O_TRACE*), and PTRACE_O_EXITKILL kills every traced process if
 * the monitor dies: nothing runs on untraced, failing every watched call.
 *
 * Calls of another ABI (i386, x32 on x86_64) are not watched: --explain
 * and --learn see nothing of them (the man page says so).
 */
#include "config.h"

#include "tracer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utils.h"

/* <sys/ptrace.h> and <linux/ptrace.h> do not mix: the calls by number. */
#ifndef PTRACE_SEIZE
#define PTRACE_SEIZE 0x4206
#endif
#ifndef PTRACE_LISTEN
#define PTRACE_LISTEN 0x4208
#endif
#define PTRACE_CONT_ 7
#define PTRACE_SYSCALL_ 24
#define PTRACE_GETEVENTMSG_ 0x4201

#if defined(__x86_64__)
#define TRACE_ARCH AUDIT_ARCH_X86_64
#define TRACE_NR_LIMIT 0x40000000u /* x32's numbers have this bit: not watched */
#elif defined(__aarch64__)
#define TRACE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define TRACE_ARCH AUDIT_ARCH_RISCV64
#elif defined(__s390x__)
#define TRACE_ARCH AUDIT_ARCH_S390X
#endif

/* Which argument holds what; -1: none (AT_FDCWD for the directory). */
struct watched
{
  int nr;
  const char *name;
  enum traced_kind kind;
  signed char dirfd, path, dirfd2, path2, flags;
};

#define W(call, kind, d, p, d2, p2, f)                                                             \
  {                                                                                                \
    SYS_##call, #call, TRACED_##kind, d, p, d2, p2, f                                              \
  }

static const struct watched watched[] = {
#ifdef SYS_open
  W (open, OPEN, -1, 0, -1, -1, 1),         W (creat, OPEN, -1, 0, -1, -1, -1),
  W (stat, STAT, -1, 0, -1, -1, -1),        W (lstat, STAT, -1, 0, -1, -1, -1),
  W (access, STAT, -1, 0, -1, -1, -1),      W (readlink, STAT, -1, 0, -1, -1, -1),
  W (mkdir, CREATE, -1, 0, -1, -1, -1),     W (symlink, CREATE, -1, 1, -1, -1, -1),
  W (link, RENAME, -1, 0, -1, 1, -1),       W (unlink, REMOVE, -1, 0, -1, -1, -1),
  W (rmdir, REMOVE, -1, 0, -1, -1, -1),     W (rename, RENAME, -1, 0, -1, 1, -1),
  W (chmod, META, -1, 0, -1, -1, -1),       W (chown, META, -1, 0, -1, -1, -1),
  W (lchown, META, -1, 0, -1, -1, -1),
#endif
  W (openat, OPEN, 0, 1, -1, -1, 2),
#ifdef SYS_openat2
  W (openat2, OPEN, 0, 1, -1, -1, -1),
#endif
  W (execve, EXEC, -1, 0, -1, -1, -1),      W (execveat, EXEC, 0, 1, -1, -1, -1),
#ifdef SYS_newfstatat
  W (newfstatat, STAT, 0, 1, -1, -1, -1),
#endif
  W (statx, STAT, 0, 1, -1, -1, -1),        W (faccessat, STAT, 0, 1, -1, -1, -1),
#ifdef SYS_faccessat2
  W (faccessat2, STAT, 0, 1, -1, -1, -1),
#endif
  W (readlinkat, STAT, 0, 1, -1, -1, -1),   W (chdir, STAT, -1, 0, -1, -1, -1),
  W (mkdirat, CREATE, 0, 1, -1, -1, -1),    W (symlinkat, CREATE, 1, 2, -1, -1, -1),
  W (linkat, RENAME, 0, 1, 2, 3, -1),       W (unlinkat, REMOVE, 0, 1, -1, -1, -1),
  W (renameat, RENAME, 0, 1, 2, 3, -1),
#ifdef SYS_renameat2
  W (renameat2, RENAME, 0, 1, 2, 3, -1),
#endif
  W (truncate, META, -1, 0, -1, -1, -1),    W (fchmodat, META, 0, 1, -1, -1, -1),
  W (fchownat, META, 0, 1, -1, -1, -1),     W (utimensat, META, 0, 1, -1, -1, -1),
  W (connect, CONNECT, -1, -1, -1, -1, -1), W (bind, BIND, -1, -1, -1, -1, -1),
};

static const struct watched *
find_watched (uint64_t nr)
{
  for (size_t i = 0; i < N_ELEMENTS (watched); i++)
    if ((uint64_t)watched[i].nr == nr)
      return &watched[i];
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* In the command                                                            */

#define FILTER_MAX (N_ELEMENTS (watched) + 8)
/* The filter's jumps are 8 bits long. */
_Static_assert(FILTER_MAX < 250, "the watched calls' filter needs longer jumps");

int
tracer_load_filter (void)
{
#ifdef TRACE_ARCH
  struct sock_filter f[FILTER_MAX];
  unsigned short n = 0;
  const unsigned short nw = (unsigned short)N_ELEMENTS (watched);

#ifdef TRACE_NR_LIMIT
  const unsigned short first = 4; /* index of the list's first test */
#else
  const unsigned short first = 3;
#endif
  f[n++] = (struct sock_filter)BPF_STMT (BPF_LD | BPF_W | BPF_ABS,
                                         offsetof (struct seccomp_data, arch));
  /* Another ABI: to the last "allow", after the list, its "allow", "trace". */
  f[n++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, TRACE_ARCH, 0,
                                         (unsigned char)(first + nw));
  f[n++]
      = (struct sock_filter)BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
#ifdef TRACE_NR_LIMIT
  f[n++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JGE | BPF_K, TRACE_NR_LIMIT,
                                         (unsigned char)nw, 0);
#endif
  for (unsigned short i = 0; i < nw; i++)
    /* Equal: to the "trace" after the list's "allow". */
    f[n++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)watched[i].nr,
                                           (unsigned char)(nw - i), 0);
  f[n++] = (struct sock_filter)BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  f[n++] = (struct sock_filter)BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  /* The other ABI's jump target. */
  f[n++] = (struct sock_filter)BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

  struct sock_fprog prog = { .len = n, .filter = f };
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    return -errno;
  return 0;
#else
  return -ENOTSUP;
#endif
}

/* ------------------------------------------------------------------------ */
/* In the monitor                                                            */

struct tracee
{
  pid_t pid;
  bool in_call; /* between a watched call's entry and its exit */
  struct ptrace_syscall_info entry;
  char *exec_path; /* read at entry: a successful exec replaces the memory */
};

struct tracer
{
  tracer_fn fn;
  void *data;
  bool want_success; /* --learn: every call, not only failed ones */
  struct tracee *t;
  size_t n, cap;
};

struct tracer *
tracer_new (tracer_fn fn, void *data, bool want_success)
{
  struct tracer *t = xcalloc (1, sizeof *t);
  t->fn = fn;
  t->data = data;
  t->want_success = want_success;
  return t;
}

static struct tracee *
add_tracee (struct tracer *t, pid_t pid)
{
  for (size_t i = 0; i < t->n; i++)
    if (t->t[i].pid == pid)
      return &t->t[i];
  t->t = xgrow (t->t, &t->cap, t->n, sizeof *t->t);
  memset (&t->t[t->n], 0, sizeof t->t[t->n]);
  t->t[t->n].pid = pid;
  return &t->t[t->n++];
}

static void
remove_tracee (struct tracer *t, pid_t pid)
{
  for (size_t i = 0; i < t->n; i++)
    if (t->t[i].pid == pid)
      {
        free (t->t[i].exec_path);
        t->t[i] = t->t[--t->n];
        return;
      }
}

int
tracer_attach (struct tracer *t, pid_t pid)
{
  long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE
              | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (syscall (SYS_ptrace, PTRACE_SEIZE, pid, 0, opts) < 0)
    return -errno;
  add_tracee (t, pid);
  return 0;
}

/* A NUL-terminated string at addr in pid's memory, page by page (a read
 * must not run past the mapping the string ends in). */
static char *
read_string (pid_t pid, uint64_t addr)
{
  char buf[PATH_MAX];
  size_t got = 0;

  if (addr == 0)
    return NULL;
  while (got < sizeof buf - 1)
    {
      uint64_t a = addr + got;
      size_t chunk = 4096 - (size_t)(a & 4095);
      if (chunk > sizeof buf - 1 - got)
        chunk = sizeof buf - 1 - got;
      struct iovec local = { buf + got, chunk };
      struct iovec remote = { (void *)(uintptr_t)a, chunk };
      ssize_t r = process_vm_readv (pid, &local, 1, &remote, 1, 0);
      if (r <= 0)
        return NULL;
      char *end = memchr (buf + got, '\0', (size_t)r);
      got += (size_t)r;
      if (end != NULL)
        return xstrdup (buf);
    }
  return NULL;
}

static int
read_memory (pid_t pid, uint64_t addr, void *out, size_t len)
{
  struct iovec local = { out, len };
  struct iovec remote = { (void *)(uintptr_t)addr, len };
  return process_vm_readv (pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

bool
tracer_path_under (const char *path, const char *dir)
{
  size_t n = strlen (dir);
  if (strcmp (dir, "/") == 0)
    return true;
  return strncmp (path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Remove ".", "..", and repeated slashes of an absolute path, in place. */
static void
normalize_path (char *p)
{
  char *out = p;
  const char *in = p;

  while (*in != '\0')
    {
      while (*in == '/')
        in++;
      const char *end = strchrnul (in, '/');
      size_t len = (size_t)(end - in);
      if (len == 0 || (len == 1 && in[0] == '.'))
        ;
      else if (len == 2 && in[0] == '.' && in[1] == '.')
        {
          while (out > p && *--out != '/')
            ;
        }
      else
        {
          *out++ = '/';
          memmove (out, in, len);
          out += len;
        }
      in = end;
    }
  if (out == p)
    *out++ = '/';
  *out = '\0';
}

/* The path at arg `pa` of the call, made absolute with the directory fd
 * of arg `da` (or the cwd). */
static char *
resolve_path (pid_t pid, const uint64_t *args, int da, int pa)
{
  _cleanup_free_ char *rel = pa >= 0 ? read_string (pid, args[pa]) : NULL;
  char link[64], dir[PATH_MAX];

  /* "" with AT_EMPTY_PATH: a call on the fd, not on a path. */
  if (rel == NULL || rel[0] == '\0')
    return NULL;
  if (rel[0] != '/')
    {
      int dirfd = da >= 0 ? (int)args[da] : AT_FDCWD;
      if (dirfd == AT_FDCWD)
        snprintf (link, sizeof link, "/proc/%d/cwd", (int)pid);
      else
        snprintf (link, sizeof link, "/proc/%d/fd/%d", (int)pid, dirfd);
      ssize_t n = readlink (link, dir, sizeof dir - 1);
      if (n <= 0 || dir[0] != '/')
        return NULL;
      dir[n] = '\0';
      char *abs = xasprintf ("%s/%s", dir, rel);
      normalize_path (abs);
      return abs;
    }
  char *abs = xstrdup (rel);
  normalize_path (abs);
  return abs;
}

static void
read_sockaddr (pid_t pid, const uint64_t *args, struct traced_call *c)
{
  struct sockaddr_storage ss;
  size_t len = (size_t)args[2] < sizeof ss ? (size_t)args[2] : sizeof ss;

  memset (&ss, 0, sizeof ss);
  if (len < sizeof (sa_family_t) || read_memory (pid, args[1], &ss, len) < 0)
    return;
  c->family = ss.ss_family;
  if (ss.ss_family == AF_INET)
    {
      const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
      char a[INET_ADDRSTRLEN];
      inet_ntop (AF_INET, &in->sin_addr, a, sizeof a);
      c->port = ntohs (in->sin_port);
      snprintf (c->addr, sizeof c->addr, "%s:%u", a, c->port);
    }
  else if (ss.ss_family == AF_INET6)
    {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
      char a[INET6_ADDRSTRLEN];
      inet_ntop (AF_INET6, &in6->sin6_addr, a, sizeof a);
      c->port = ntohs (in6->sin6_port);
      snprintf (c->addr, sizeof c->addr, "[%s]:%u", a, c->port);
    }
  else if (ss.ss_family == AF_UNIX)
    {
      const struct sockaddr_un *un = (const struct sockaddr_un *)&ss;
      size_t n = len - offsetof (struct sockaddr_un, sun_path);
      if (n > 0 && un->sun_path[0] == '\0')
        snprintf (c->addr, sizeof c->addr, "@%.*s", (int)(n - 1), un->sun_path + 1);
      else if (n > 0)
        snprintf (c->addr, sizeof c->addr, "%.*s", (int)n, un->sun_path);
    }
}

/* A watched call has returned: tell the consumer. */
static void
report_exit (struct tracer *t, struct tracee *te, const struct ptrace_syscall_info *exit)
{
  const struct watched *w = find_watched (te->entry.seccomp.nr);
  const uint64_t *args = (const uint64_t *)te->entry.seccomp.args;
  struct traced_call c = { 0 };

  if (w == NULL)
    return;
  c.ret = (long)exit->exit.rval;
  if (c.ret >= 0 && !t->want_success)
    return;
  c.pid = te->pid;
  c.name = w->name;
  c.kind = w->kind;
  c.flags = w->flags >= 0 ? (int)args[(int)w->flags] : 0;
  if (w->nr == SYS_openat2)
    {
      uint64_t how_flags;
      if (read_memory (te->pid, args[2], &how_flags, sizeof how_flags) == 0)
        c.flags = (int)how_flags;
    }
#ifdef SYS_creat
  if (w->nr == SYS_creat)
    c.flags = O_CREAT | O_WRONLY | O_TRUNC;
#endif
  if (w->kind == TRACED_CONNECT || w->kind == TRACED_BIND)
    read_sockaddr (te->pid, args, &c);
  else
    {
      /* utimensat(fd, NULL, ...) and fstatat(fd, "", AT_EMPTY_PATH) work on the fd. */
      c.path = w->kind == TRACED_EXEC ? te->exec_path
                                      : resolve_path (te->pid, args, w->dirfd, w->path);
      te->exec_path = NULL;
      c.path2 = w->path2 >= 0 ? resolve_path (te->pid, args, w->dirfd2, w->path2) : NULL;
    }
  if (c.family == AF_UNIX && c.addr[0] == '/')
    c.path = xstrdup (c.addr);
  t->fn (&c, t->data);
  free (c.path);
  free (c.path2);
}

static void
resume (struct tracee *te, int sig)
{
  long req = te->in_call ? PTRACE_SYSCALL_ : PTRACE_CONT_;
  (void)syscall (SYS_ptrace, req, te->pid, 0, sig);
}

static bool
get_info (pid_t pid, struct ptrace_syscall_info *info)
{
  memset (info, 0, sizeof *info);
  return syscall (SYS_ptrace, PTRACE_GET_SYSCALL_INFO, pid, sizeof *info, info) > 0;
}

/* One stop of a traced process. */
static void
handle_stop (struct tracer *t, struct tracee *te, int status)
{
  int sig = WSTOPSIG (status);
  int event = (status >> 16) & 0xff;
  struct ptrace_syscall_info info;
  unsigned long msg = 0;

  switch (event)
    {
    case PTRACE_EVENT_SECCOMP:
      if (get_info (te->pid, &te->entry) && te->entry.op == PTRACE_SYSCALL_INFO_SECCOMP)
        {
          const struct watched *w = find_watched (te->entry.seccomp.nr);
          te->in_call = true;
          free (te->exec_path);
          te->exec_path = w != NULL && w->kind == TRACED_EXEC ? resolve_path (
                              te->pid, (const uint64_t *)te->entry.seccomp.args, w->dirfd, w->path)
                                                              : NULL;
        }
      resume (te, 0);
      return;
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
    case PTRACE_EVENT_CLONE:
      if (syscall (SYS_ptrace, PTRACE_GETEVENTMSG_, te->pid, 0, &msg) == 0 && msg > 0)
        {
          pid_t parent = te->pid;
          bool in_call = te->in_call;
          add_tracee (t, (pid_t)msg); /* may move te */
          te = add_tracee (t, parent);
          te->in_call = in_call;
        }
      resume (te, 0);
      return;
    case PTRACE_EVENT_EXEC:
      /* A thread that execs takes the leader's PID: its own is gone. */
      if (syscall (SYS_ptrace, PTRACE_GETEVENTMSG_, te->pid, 0, &msg) == 0 && (pid_t)msg != te->pid)
        {
          pid_t pid = te->pid;
          remove_tracee (t, (pid_t)msg);
          te = add_tracee (t, pid);
        }
      resume (te, 0);
      return;
    case PTRACE_EVENT_STOP:
      /* A group stop stays one (PTRACE_LISTEN); the stop a new
       * process is born in, or any other, goes on. */
      if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
        (void)syscall (SYS_ptrace, PTRACE_LISTEN, te->pid, 0, 0);
      else
        resume (te, 0);
      return;
    case 0:
      break;
    default:
      resume (te, 0);
      return;
    }
  if (sig == (SIGTRAP | 0x80))
    {
      if (te->in_call && get_info (te->pid, &info) && info.op == PTRACE_SYSCALL_INFO_EXIT)
        {
          te->in_call = false;
          report_exit (t, te, &info);
        }
      resume (te, 0);
      return;
    }
  resume (te, sig); /* a signal for the process: delivered */
}

bool
tracer_wait (struct tracer *t, pid_t child, int *status)
{
  bool child_done = false;
  bool any = true;

  while (any)
    {
      any = false;
      for (size_t i = 0; i <= t->n; i++)
        {
          pid_t pid = i < t->n ? t->t[i].pid : child;
          int st;
          if (i == t->n && (child_done || child <= 0))
            break;
          pid_t r = waitpid (pid, &st, WNOHANG | __WALL);
          if (r != pid)
            continue;
          any = true;
          if (WIFSTOPPED (st))
            {
              handle_stop (t, add_tracee (t, pid), st);
              continue;
            }
          remove_tracee (t, pid);
          if (pid == child)
            {
              child_done = true;
              *status = st;
            }
          break; /* the list changed: start over */
        }
    }
  return child_done;
}

void
tracer_describe (pid_t pid, char *comm, size_t len, long *ns_pid)
{
  char path[64], buf[4096];

  snprintf (comm, len, "?");
  *ns_pid = pid;
  snprintf (path, sizeof path, "/proc/%d/comm", (int)pid);
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read (fd, buf, sizeof buf - 1) : -1;
  if (n > 0)
    {
      buf[n] = '\0';
      buf[strcspn (buf, "\n")] = '\0';
      snprintf (comm, len, "%s", buf);
    }
  snprintf (path, sizeof path, "/proc/%d/status", (int)pid);
  _cleanup_close_ int sfd = open (path, O_RDONLY | O_CLOEXEC);
  n = sfd >= 0 ? read (sfd, buf, sizeof buf - 1) : -1;
  if (n <= 0)
    return;
  buf[n] = '\0';
  char *p = strstr (buf, "\nNSpid:");
  if (p == NULL)
    return;
  p += 7;
  char *line_end = strchrnul (p, '\n');
  *line_end = '\0';
  char *last = strrchr (p, '\t');
  if (last != NULL)
    *ns_pid = strtol (last + 1, NULL, 10);
}
