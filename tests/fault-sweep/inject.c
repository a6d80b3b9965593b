/* fault-inject — run a program under ptrace, recording its system calls
 * or failing exactly one of them; for tests/fault-sweep.sh.
 *
 *   fault-inject [-u USER] [-T SECONDS] [-l LOG [-v]] [-f PROC:INDEX:ERRNO] -- PROG [ARG...]
 *
 * Every process of the run is followed (fork, vfork, clone) and named by
 * its place in the tree: "0" is PROG, "0.1" its first child, "0.1.2" that
 * child's second child, and so on; hutch creates its processes in a fixed
 * order, so a name means the same process in every run.  A process's
 * system calls are numbered from 1 (PROG's from the first one after its
 * own execve).  A process other than PROG is let go when it calls execve:
 * from there on it is the command (or pasta, newuidmap), not hutch.
 *
 * Why not strace -e inject=NAME:when=N: strace counts N in every traced
 * process at once, so the Nth openat of the sandbox's child can't be
 * failed without failing the monitor's Nth openat too, which for small N
 * is one of the dynamic loader's.  Here one point is one process's one
 * call.  The failure is made as strace makes it: the call is turned into
 * the invalid number -1 on entry and its result set to -ERRNO on exit.
 *
 *   -l LOG   one line per event: "call PROC INDEX NR [pipe]" for each system
 *            call entered ("pipe": a read, write or close of a pipe),
 *            "injected PROC INDEX NR ERRNO", "exec PROC INDEX"
 *            (let go at execve), "crash PROC SIGNAL" (a followed process
 *            killed by SIGSEGV, SIGABRT, ...), "timeout", "leftover PID
 *            COMM" (a descendant still alive a second after PROG ended:
 *            killed), and last "exit STATUS" or "signal SIG".
 *   -f       fail the INDEX-th call of process PROC with ERRNO (a number or
 *            a name such as EPERM).  With -f the log has no "call" lines
 *            unless -v is given too.
 *   -u USER  run PROG as USER (run fault-inject as root: a set-user-ID
 *            PROG is then honoured, as under strace -u).
 *   -T SECS  kill every process of the run after SECS seconds (default 20).
 *
 * Exit status: PROG's (128+N if killed by signal N); 125 on a usage or
 * tracing error.  The tracer is a child subreaper, so orphans of the run
 * come back to it and can be seen and killed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct proc
{
  pid_t pid;
  char name[96];
  bool named;   /* its parent's fork event has been seen */
  bool held;    /* stopped, waiting for its name */
  bool started; /* PROG: past its own execve */
  unsigned long calls;
  unsigned children;
  int fail_errno; /* set on the entry of the failed call: fix its exit */
};

static struct proc *procs;
static size_t n_procs, cap_procs;
static FILE *log_file;
static pid_t prog_pid;
static const char *fail_proc;
static unsigned long fail_index;
static int fail_errno;
static volatile sig_atomic_t timed_out;
static bool log_all;

static void
fatal (const char *what)
{
  fprintf (stderr, "fault-inject: %s: %s\n", what, strerror (errno));
  exit (125);
}

static void note (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static void
note (const char *fmt, ...)
{
  if (log_file == NULL)
    return;
  va_list ap;
  va_start (ap, fmt);
  vfprintf (log_file, fmt, ap);
  va_end (ap);
  fputc ('\n', log_file);
}

static struct proc *
find_proc (pid_t pid)
{
  for (size_t i = 0; i < n_procs; i++)
    if (procs[i].pid == pid)
      return &procs[i];
  return NULL;
}

static struct proc *
add_proc (pid_t pid)
{
  if (n_procs == cap_procs)
    {
      cap_procs = cap_procs ? cap_procs * 2 : 16;
      procs = realloc (procs, cap_procs * sizeof *procs);
      if (procs == NULL)
        fatal ("realloc");
    }
  struct proc *p = &procs[n_procs++];
  memset (p, 0, sizeof *p);
  p->pid = pid;
  p->started = true;
  return p;
}

static void
remove_proc (struct proc *p)
{
  *p = procs[--n_procs];
}

static void
resume (pid_t pid, int sig)
{
  if (ptrace (PTRACE_SYSCALL, pid, 0, (void *)(intptr_t)sig) < 0 && errno != ESRCH)
    fatal ("PTRACE_SYSCALL");
}

static int
parse_errno (const char *s)
{
  char *end;
  long v = strtol (s, &end, 10);
  if (*s != '\0' && *end == '\0' && v > 0 && v < 4096)
    return (int)v;
  for (int e = 1; e < 200; e++)
    {
      const char *name = strerrorname_np (e);
      if (name != NULL && strcmp (name, s) == 0)
        return e;
    }
  return -1;
}

/* " pipe" when a read, write or close is of a pipe (which can't fail
 * the way a file can), else "". */
static const char *
fd_kind (pid_t pid, long nr, unsigned long long fd)
{
  if ((nr != SYS_read && nr != SYS_write && nr != SYS_close) || fd > 65535)
    return "";
  char path[64], target[64];
  snprintf (path, sizeof path, "/proc/%d/fd/%llu", (int)pid, fd);
  ssize_t n = readlink (path, target, sizeof target - 1);
  if (n < 0)
    return "";
  target[n] = '\0';
  return strncmp (target, "pipe:", 5) == 0 ? " pipe" : "";
}

/* A system-call stop of P.  Returns false if P was let go. */
static bool
syscall_stop (struct proc *p)
{
  struct __ptrace_syscall_info info;
  if (ptrace (PTRACE_GET_SYSCALL_INFO, p->pid, sizeof info, &info) < 0)
    {
      if (errno == ESRCH)
        return true;
      fatal ("PTRACE_GET_SYSCALL_INFO");
    }
  struct user_regs_struct regs;
  if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
    {
      if (!p->started)
        return true;
      long nr = (long)info.entry.nr;
      p->calls++;
      if (fail_proc != NULL && p->calls == fail_index && strcmp (p->name, fail_proc) == 0)
        {
          if (ptrace (PTRACE_GETREGS, p->pid, 0, &regs) < 0)
            fatal ("PTRACE_GETREGS");
          regs.orig_rax = (unsigned long long)-1;
          if (ptrace (PTRACE_SETREGS, p->pid, 0, &regs) < 0)
            fatal ("PTRACE_SETREGS");
          p->fail_errno = fail_errno;
          note ("injected %s %lu %ld %d", p->name, p->calls, nr, fail_errno);
          return true;
        }
      if (fail_proc == NULL || log_all)
        note ("call %s %lu %ld%s", p->name, p->calls, nr, fd_kind (p->pid, nr, info.entry.args[0]));
      if (p->pid != prog_pid && (nr == SYS_execve || nr == SYS_execveat))
        {
          note ("exec %s %lu", p->name, p->calls);
          if (ptrace (PTRACE_DETACH, p->pid, 0, 0) < 0 && errno != ESRCH)
            fatal ("PTRACE_DETACH");
          remove_proc (p);
          return false;
        }
    }
  else if (info.op == PTRACE_SYSCALL_INFO_EXIT && p->fail_errno != 0)
    {
      if (ptrace (PTRACE_GETREGS, p->pid, 0, &regs) < 0)
        fatal ("PTRACE_GETREGS");
      regs.rax = (unsigned long long)-(long long)p->fail_errno;
      if (ptrace (PTRACE_SETREGS, p->pid, 0, &regs) < 0)
        fatal ("PTRACE_SETREGS");
      p->fail_errno = 0;
    }
  return true;
}

/* P created a process: name it, and let it go on if it was waiting. */
static void
fork_event (struct proc *p)
{
  unsigned long msg;
  if (ptrace (PTRACE_GETEVENTMSG, p->pid, 0, &msg) < 0)
    fatal ("PTRACE_GETEVENTMSG");
  struct proc *c = find_proc ((pid_t)msg);
  if (c == NULL)
    c = add_proc ((pid_t)msg);
  p = find_proc (p->pid); /* add_proc may have moved it */
  if (snprintf (c->name, sizeof c->name, "%.80s.%u", p->name, ++p->children) >= (int)sizeof c->name)
    c->name[0] = '?';
  c->named = true;
  if (c->held)
    {
      c->held = false;
      resume (c->pid, 0);
    }
}

static bool
crash_signal (int sig)
{
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT || sig == SIGILL || sig == SIGFPE
         || sig == SIGSYS || sig == SIGTRAP;
}

/* The direct children of this process (orphans of the run come here). */
static size_t
list_children (pid_t *out, size_t max)
{
  size_t n = 0;
  DIR *d = opendir ("/proc");
  if (d == NULL)
    fatal ("opendir /proc");
  struct dirent *e;
  pid_t self = getpid ();
  while ((e = readdir (d)) != NULL && n < max)
    {
      if (!isdigit ((unsigned char)e->d_name[0]))
        continue;
      char path[300], buf[512];
      snprintf (path, sizeof path, "/proc/%s/stat", e->d_name);
      FILE *f = fopen (path, "re");
      if (f == NULL)
        continue;
      size_t len = fread (buf, 1, sizeof buf - 1, f);
      fclose (f);
      buf[len] = '\0';
      char *rp = strrchr (buf, ')');
      char state;
      int ppid;
      if (rp != NULL && sscanf (rp + 1, " %c %d", &state, &ppid) == 2 && ppid == self)
        out[n++] = (pid_t)atoi (e->d_name);
    }
  closedir (d);
  return n;
}

static void
kill_everything (void)
{
  for (size_t i = 0; i < n_procs; i++)
    kill (procs[i].pid, SIGKILL);
  pid_t kids[256];
  size_t n = list_children (kids, 256);
  for (size_t i = 0; i < n; i++)
    kill (kids[i], SIGKILL);
}

static void
on_alarm (int sig)
{
  (void)sig;
  timed_out = 1;
}

static void
start_prog (const char *user, char **argv)
{
  uid_t uid = 0;
  gid_t gid = 0;
  if (user != NULL)
    {
      struct passwd *pw = getpwnam (user);
      if (pw == NULL)
        {
          fprintf (stderr, "fault-inject: no user %s\n", user);
          exit (125);
        }
      uid = pw->pw_uid;
      gid = pw->pw_gid;
    }
  prog_pid = fork ();
  if (prog_pid < 0)
    fatal ("fork");
  if (prog_pid == 0)
    {
      if (user != NULL
          && (initgroups (user, gid) < 0 || setresgid (gid, gid, gid) < 0
              || setresuid (uid, uid, uid) < 0))
        fatal ("dropping to the user");
      signal (SIGPIPE, SIG_DFL); /* as PROG's caller had it, not as here */
      raise (SIGSTOP);
      execvp (argv[0], argv);
      fatal (argv[0]);
    }
  int status;
  if (waitpid (prog_pid, &status, WUNTRACED) != prog_pid || !WIFSTOPPED (status))
    {
      fprintf (stderr, "fault-inject: the program did not start\n");
      exit (125);
    }
  long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE
              | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (ptrace (PTRACE_SEIZE, prog_pid, 0, (void *)opts) < 0)
    fatal ("PTRACE_SEIZE");
  struct proc *p = add_proc (prog_pid);
  strcpy (p->name, "0");
  p->named = true;
  p->started = false;
  kill (prog_pid, SIGCONT);
}

int
main (int argc, char **argv)
{
  const char *user = NULL, *log_path = NULL;
  unsigned timeout = 20;
  int opt;
  while ((opt = getopt (argc, argv, "+u:T:l:f:v")) != -1)
    switch (opt)
      {
      case 'u':
        user = optarg;
        break;
      case 'T':
        timeout = (unsigned)atoi (optarg);
        break;
      case 'l':
        log_path = optarg;
        break;
      case 'v':
        log_all = true;
        break;
      case 'f':
        {
          static char spec[128];
          snprintf (spec, sizeof spec, "%s", optarg);
          char *a = strchr (spec, ':'), *b = a ? strchr (a + 1, ':') : NULL;
          if (b == NULL || (fail_errno = parse_errno (b + 1)) < 0)
            {
              fprintf (stderr, "fault-inject: -f PROC:INDEX:ERRNO, not %s\n", optarg);
              return 125;
            }
          *a = *b = '\0';
          fail_proc = spec;
          fail_index = strtoul (a + 1, NULL, 10);
        }
        break;
      default:
        return 125;
      }
  if (optind >= argc)
    {
      fprintf (
          stderr,
          "usage: fault-inject [-u USER] [-T SECS] [-l LOG] [-f PROC:INDEX:ERRNO] -- PROG...\n");
      return 125;
    }
  if (log_path != NULL && (log_file = fopen (log_path, "we")) == NULL)
    fatal (log_path);
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    fatal ("PR_SET_CHILD_SUBREAPER");
  struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART: waitpid sees EINTR */
  sigaction (SIGALRM, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  start_prog (user, argv + optind);
  alarm (timeout);

  int prog_status = -1;
  struct timespec deadline = { 0 };
  for (;;)
    {
      if (timed_out == 1)
        {
          note ("timeout");
          kill_everything ();
          timed_out = 2;
        }
      int status;
      int flags = __WALL | (prog_status >= 0 ? WNOHANG : 0);
      pid_t pid = waitpid (-1, &status, flags);
      if (pid < 0 && errno == EINTR)
        continue;
      if (pid < 0 && errno == ECHILD)
        break;
      if (pid < 0)
        fatal ("waitpid");
      if (pid == 0)
        {
          /* PROG is gone; what remains gets a second to end by itself. */
          struct timespec now;
          clock_gettime (CLOCK_MONOTONIC, &now);
          if (now.tv_sec > deadline.tv_sec
              || (now.tv_sec == deadline.tv_sec && now.tv_nsec > deadline.tv_nsec))
            {
              pid_t kids[256];
              size_t n = list_children (kids, 256);
              for (size_t i = 0; i < n; i++)
                {
                  char path[64], comm[64] = "?";
                  snprintf (path, sizeof path, "/proc/%d/comm", (int)kids[i]);
                  FILE *f = fopen (path, "re");
                  if (f != NULL)
                    {
                      if (fgets (comm, sizeof comm, f) != NULL)
                        comm[strcspn (comm, "\n")] = '\0';
                      fclose (f);
                    }
                  note ("leftover %d %s", (int)kids[i], comm);
                }
              for (size_t i = 0; i < n_procs; i++)
                note ("leftover %d %s (traced)", (int)procs[i].pid, procs[i].name);
              kill_everything ();
              deadline.tv_sec += 1000; /* report once; reap what dies */
            }
          usleep (2000);
          continue;
        }
      struct proc *p = find_proc (pid);
      if (WIFEXITED (status) || WIFSIGNALED (status))
        {
          if (WIFSIGNALED (status) && p != NULL && crash_signal (WTERMSIG (status)))
            note ("crash %s %d", p->name, WTERMSIG (status));
          if (pid == prog_pid)
            {
              prog_status = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
              if (WIFEXITED (status))
                note ("exit %d", WEXITSTATUS (status));
              else
                note ("signal %d", WTERMSIG (status));
              clock_gettime (CLOCK_MONOTONIC, &deadline);
              deadline.tv_sec += 1;
            }
          if (p != NULL)
            remove_proc (p);
          continue;
        }
      if (!WIFSTOPPED (status))
        continue;
      if (p == NULL)
        p = add_proc (pid); /* a new process, before its parent's event */
      if (!p->named)
        {
          p->held = true;
          continue;
        }
      int sig = WSTOPSIG (status), event = status >> 16;
      if (sig == (SIGTRAP | 0x80))
        {
          if (syscall_stop (p))
            resume (pid, 0);
          continue;
        }
      switch (event)
        {
        case PTRACE_EVENT_FORK:
        case PTRACE_EVENT_VFORK:
        case PTRACE_EVENT_CLONE:
          fork_event (p);
          resume (pid, 0);
          break;
        case PTRACE_EVENT_EXEC:
          p->started = true;
          resume (pid, 0);
          break;
        case PTRACE_EVENT_STOP:
          resume (pid, 0);
          break;
        case 0:
          resume (pid, sig); /* a signal for it: deliver it */
          break;
        default:
          resume (pid, 0);
          break;
        }
    }
  if (log_file != NULL)
    fclose (log_file);
  return prog_status < 0 ? 125 : prog_status;
}
