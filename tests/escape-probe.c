/* escape-probe — the attacks of tests/escape.bats, one system call each.
 *
 *   escape-probe ids                       "uid=R/E/S gid=R/E/S"
 *   escape-probe read-fd FD NAME           openat(FD, NAME) and read: the data, or the errno
 *   escape-probe fchdir-read FD PATH       fchdir(FD), then open PATH (relative) and read
 *   escape-probe write PATH                open(PATH, O_WRONLY) and write "x\n"
 *   escape-probe open-w PATH               open(PATH, O_WRONLY) only, nothing written
 *   escape-probe open-dev PATH             open(PATH, O_RDWR): a device node
 *   escape-probe open-path FD DIR -- CMD...  exec CMD with an O_PATH fd of DIR as FD
 *   escape-probe setpriority               nice -5 (CAP_SYS_NICE of the host)
 *   escape-probe kill PID [SIG]            kill(PID, SIG or 0)
 *   escape-probe ptrace PID                PTRACE_ATTACH (detached again at once)
 *   escape-probe mem-w PID                 open /proc/PID/mem for writing, nothing written
 *   escape-probe vm-write PID              process_vm_writev of one byte to PID at address
 *                                          1: "EFAULT" means the kernel let the call reach
 *                                          PID's memory (it then found nothing mapped there)
 *   escape-probe pgrp                      "pgid=G sid=S fg=F": this process's group,
 *                                          session and the foreground group of fd 0
 *   escape-probe pidfd-getfd PID FD        pidfd_open + pidfd_getfd
 *   escape-probe tiocsti TEXT              push TEXT into the terminal on fd 0
 *   escape-probe tioclinux                 TIOCLINUX paste selection on fd 0
 *   escape-probe listen-abstract NAME      serve one connection on @NAME for
 *                                          at most 60 s; prints "listening"
 *   escape-probe connect-abstract NAME     connect to @NAME
 *   escape-probe listen-tcp                listen on 127.0.0.1 on a free port,
 *                                          print the port, accept for 60 s
 *   escape-probe connect-tcp PORT          connect to 127.0.0.1:PORT
 *   escape-probe key-add DESC DATA -- CMD...  join a new session keyring, add
 *                                          a "user" key DESC to it, print its id,
 *                                          then exec CMD (which inherits it)
 *   escape-probe key-read ID               KEYCTL_READ of key ID
 *   escape-probe key-fill -- CMD...        join a new session keyring, add keys to
 *                                          it until the user's quota is full, print
 *                                          "filled", exec CMD
 *   escape-probe key-search DESC           KEYCTL_SEARCH for DESC in @s
 *   escape-probe fds                       the open fds of this process, one line
 *   escape-probe fd-targets [FILE]         the same, each as FD=TARGET, and the cwd
 *                                          (to FILE, whose own fd is left out)
 *   escape-probe abi 64|x32|int80 NR [ARG...]
 *                                          raw system call NR through that ABI
 *                                          (x32: NR | __X32_SYSCALL_BIT; int80:
 *                                          the i386 ABI, in a child, up to 5
 *                                          arguments; an ARG "@a,b,c" is a pointer
 *                                          to those 32-bit words below 4 GiB, for
 *                                          socketcall); "unavailable" when the
 *                                          ABI can't be entered, "killed" when the
 *                                          call killed the process
 *   escape-probe exchange SECONDS A B      renameat2(RENAME_EXCHANGE) A and B
 *                                          in a loop for SECONDS; prints "swapped N"
 *   escape-probe userns-limit UID GID -- CMD...
 *                                          (root) in a new user namespace that maps
 *                                          ids 0-65535 to the same host ids, set
 *                                          user.max_user_namespaces to 0 there, then
 *                                          exec CMD as UID:GID; the host's own
 *                                          limit is left alone
 *
 * Each attack prints "ok" (or what it read) when the call succeeded, else
 * the errno's name (EPERM, EACCES, ...), and exits 0; exit 2 on misuse.
 * Built static, so that it runs in any root.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int
fail (void)
{
  const char *name = strerrorname_np (errno);
  printf ("%s\n", name ? name : "E?");
  fflush (stdout); /* (a forked child leaves with _exit) */
  return 0;
}

static int
usage (void)
{
  fprintf (stderr, "escape-probe: bad usage (see tests/escape-probe.c)\n");
  return 2;
}

static long
num (const char *s)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno != 0 || *end != '\0' || end == s)
    {
      fprintf (stderr, "escape-probe: not a number: %s\n", s);
      exit (2);
    }
  return v;
}

/* Print what fd holds (at most 4 KiB), without a trailing newline added. */
static int
dump (int fd)
{
  char buf[4096];
  ssize_t n = read (fd, buf, sizeof buf);
  if (n < 0)
    return fail ();
  fwrite (buf, 1, (size_t)n, stdout);
  return 0;
}

static int
abstract_addr (const char *name, struct sockaddr_un *sa, socklen_t *len)
{
  size_t n = strlen (name);
  if (n + 1 > sizeof sa->sun_path)
    return -1;
  memset (sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  memcpy (sa->sun_path + 1, name, n); /* sun_path[0] = 0: abstract */
  *len = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + 1 + n);
  return 0;
}

/* Accept connections for at most 60 s, answering each with "hello". */
static int
serve (int s)
{
  if (listen (s, 8) < 0)
    return fail ();
  fflush (stdout);
  for (int waited = 0; waited < 60000;)
    {
      struct pollfd p = { .fd = s, .events = POLLIN };
      int r = poll (&p, 1, 100);
      waited += 100;
      if (r > 0)
        {
          int c = accept (s, NULL, NULL);
          if (c >= 0)
            {
              (void)!write (c, "hello\n", 6);
              close (c);
            }
        }
    }
  return 0;
}

static int
connect_and_read (int s, const struct sockaddr *sa, socklen_t len)
{
  if (connect (s, sa, len) < 0)
    return fail ();
  return dump (s);
}

/* The limit is per user namespace and writable by whoever holds
 * CAP_SYS_RESOURCE over that namespace, which the creator does until it
 * execs: this needs no capability in the host's namespace (a container's
 * root often lacks CAP_SYS_RESOURCE), and changes nothing outside. */
static int
userns_limit (int argc, char **argv)
{
  int ready[2], go[2];
  char c = 0;
  pid_t pid;

  if (argc < 6 || strcmp (argv[4], "--") != 0)
    return usage ();
  if (pipe (ready) < 0 || pipe (go) < 0)
    return fail ();
  pid = fork ();
  if (pid < 0)
    return fail ();
  if (pid == 0)
    {
      uid_t uid = (uid_t)num (argv[2]);
      gid_t gid = (gid_t)num (argv[3]);
      int fd;
      if (unshare (CLONE_NEWUSER) < 0 || write (ready[1], &c, 1) != 1 || read (go[0], &c, 1) != 1)
        _exit (fail ());
      fd = open ("/proc/sys/user/max_user_namespaces", O_WRONLY);
      if (fd < 0 || write (fd, "0\n", 2) != 2 || close (fd) < 0)
        _exit (fail ());
      if (setgroups (0, NULL) < 0 || setresgid (gid, gid, gid) < 0 || setresuid (uid, uid, uid) < 0)
        _exit (fail ());
      execvp (argv[5], argv + 5);
      _exit (fail ());
    }
  if (read (ready[0], &c, 1) != 1)
    return fail ();
  for (int i = 0; i < 2; i++)
    {
      char path[64];
      int fd;
      snprintf (path, sizeof path, "/proc/%d/%s", (int)pid, i == 0 ? "uid_map" : "gid_map");
      fd = open (path, O_WRONLY);
      if (fd < 0 || write (fd, "0 0 65536\n", 10) != 10 || close (fd) < 0)
        return fail ();
    }
  if (write (go[1], &c, 1) != 1)
    return fail ();
  int st;
  if (waitpid (pid, &st, 0) < 0)
    return fail ();
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

/* An argument of "abi": a number, or "@a,b,c": a pointer to those 32-bit
 * words in memory below 4 GiB (reachable from the i386 ABI). */
static long
abi_arg (const char *s)
{
  if (s[0] != '@')
    {
      char *end;
      errno = 0;
      unsigned long long v = strtoull (s, &end, 0);
      if (errno != 0 || *end != '\0' || end == s)
        {
          fprintf (stderr, "escape-probe: not a number: %s\n", s);
          exit (2);
        }
      return (long)v;
    }
  uint32_t *words
      = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (words == MAP_FAILED)
    exit (fail ());
  size_t n = 0;
  for (const char *p = s + 1; *p && n < 1024;)
    {
      char *end;
      words[n++] = (uint32_t)strtoul (p, &end, 0);
      if (end == p)
        exit (usage ());
      p = *end == ',' ? end + 1 : end;
    }
  return (long)(uintptr_t)words;
}

/* escape-probe abi 64|x32|int80 NR [ARG...]: the call runs in a child,
 * so that a filter that kills, a clone that succeeds or an ABI the CPU
 * refuses is reported, not fatal; the child sends the result back. */
static int
abi_call (int argc, char **argv)
{
  long a[6] = { 0 };
  int p[2];
  const char *abi = argv[2];
  long nr = abi_arg (argv[3]);

  if (argc > 10)
    return usage ();
  for (int i = 4; i < argc; i++)
    a[i - 4] = abi_arg (argv[i]);
  if (pipe (p) < 0)
    return fail ();
  pid_t pid = fork ();
  if (pid < 0)
    return fail ();
  if (pid == 0)
    {
      long r;
      pid_t self = getpid ();
      close (p[0]);
      if (strcmp (abi, "64") == 0)
        r = syscall (nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      else if (strcmp (abi, "x32") == 0)
        r = syscall (nr | 0x40000000L, a[0], a[1], a[2], a[3], a[4], a[5]);
      else if (strcmp (abi, "int80") == 0)
        {
#if defined(__x86_64__)
          __asm__ volatile("int $0x80"
                           : "=a"(r)
                           : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                           : "memory");
          if (r < 0 && r > -4096)
            {
              errno = (int)-r;
              r = -1;
            }
#else
          _exit (3);
#endif
        }
      else
        _exit (2);
      if (getpid () != self)
        _exit (0); /* a clone that made a process: that one leaves */
      int out[2] = { r < 0 ? errno : 0, 1 };
      if (write (p[1], out, sizeof out) != (ssize_t)sizeof out)
        _exit (1);
      _exit (0);
    }
  close (p[1]);
  int out[2];
  ssize_t n = read (p[0], out, sizeof out);
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return fail ();
  /* (a child that clone made is not waited for: it is gone at once) */
  if (n == (ssize_t)sizeof out)
    {
      if (out[0] == 0)
        printf ("ok\n");
      else
        {
          errno = out[0];
          return fail ();
        }
      return 0;
    }
  if (WIFEXITED (st) && WEXITSTATUS (st) == 2)
    return usage ();
  if (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS)
    printf ("killed\n");
  else
    printf ("unavailable\n");
  return 0;
}

/* escape-probe exchange SECONDS A B: swap two names as fast as possible. */
static int
exchange (int argc, char **argv)
{
  if (argc != 5)
    return usage ();
  time_t end = time (NULL) + num (argv[2]);
  unsigned long n = 0;
  while (time (NULL) < end)
    for (int i = 0; i < 1000; i++)
      if (syscall (SYS_renameat2, AT_FDCWD, argv[3], AT_FDCWD, argv[4], 2 /* RENAME_EXCHANGE */)
          == 0)
        n++;
  printf ("swapped %lu\n", n);
  return 0;
}

static int
keys (int argc, char **argv)
{
  if (strcmp (argv[1], "key-add") == 0)
    {
      if (argc < 6 || strcmp (argv[4], "--") != 0)
        return usage ();
      if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0)
        return fail ();
      long id = syscall (SYS_add_key, "user", argv[2], argv[3], strlen (argv[3]),
                         KEY_SPEC_SESSION_KEYRING);
      if (id < 0)
        return fail ();
      printf ("%ld\n", id);
      fflush (stdout);
      execvp (argv[5], argv + 5);
      perror ("escape-probe: exec");
      return 2;
    }
  if (strcmp (argv[1], "key-fill") == 0)
    {
      if (argc < 4 || strcmp (argv[2], "--") != 0)
        return usage ();
      if (syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0)
        return fail ();
      for (int i = 0; i < 2000000; i++)
        {
          char name[32];
          snprintf (name, sizeof name, "fill-%d", i);
          if (syscall (SYS_add_key, "user", name, "x", (size_t)1, KEY_SPEC_SESSION_KEYRING) < 0)
            {
              if (errno != EDQUOT)
                return fail ();
              printf ("filled\n");
              fflush (stdout);
              execvp (argv[3], argv + 3);
              perror ("escape-probe: exec");
              return 2;
            }
        }
      return usage ();
    }
  if (strcmp (argv[1], "key-read") == 0 && argc == 3)
    {
      char buf[256];
      long n = syscall (SYS_keyctl, KEYCTL_READ, num (argv[2]), buf, sizeof buf - 1, 0);
      if (n < 0)
        return fail ();
      buf[n < (long)sizeof buf ? n : (long)sizeof buf - 1] = '\0';
      printf ("%s\n", buf);
      return 0;
    }
  if (strcmp (argv[1], "key-search") == 0 && argc == 3)
    {
      long id = syscall (SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_SESSION_KEYRING, "user", argv[2], 0);
      if (id < 0)
        return fail ();
      printf ("found %ld\n", id);
      return 0;
    }
  return usage ();
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    return usage ();
  const char *cmd = argv[1];
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (strcmp (cmd, "ids") == 0)
    {
      uid_t r, e, s;
      gid_t gr, ge, gs;
      getresuid (&r, &e, &s);
      getresgid (&gr, &ge, &gs);
      printf ("uid=%u/%u/%u gid=%u/%u/%u\n", r, e, s, gr, ge, gs);
      return 0;
    }
  if (strcmp (cmd, "read-fd") == 0 && argc == 4)
    {
      int fd = openat ((int)num (argv[2]), argv[3], O_RDONLY);
      return fd < 0 ? fail () : dump (fd);
    }
  if (strcmp (cmd, "fchdir-read") == 0 && argc == 4)
    {
      if (fchdir ((int)num (argv[2])) < 0)
        return fail ();
      int fd = open (argv[3], O_RDONLY);
      return fd < 0 ? fail () : dump (fd);
    }
  if (strcmp (cmd, "write") == 0 && argc == 3)
    {
      int fd = open (argv[2], O_WRONLY);
      if (fd < 0 || write (fd, "x\n", 2) < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "open-w") == 0 && argc == 3)
    {
      int fd = open (argv[2], O_WRONLY | O_NOCTTY);
      if (fd < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "open-path") == 0 && argc >= 6 && strcmp (argv[4], "--") == 0)
    {
      int fd = open (argv[3], O_PATH | O_DIRECTORY);
      int want = (int)num (argv[2]);
      if (fd < 0 || (fd != want && (dup2 (fd, want) < 0 || close (fd) < 0)))
        return fail ();
      execvp (argv[5], argv + 5);
      perror ("escape-probe: exec");
      return 2;
    }
  if (strcmp (cmd, "setpriority") == 0)
    {
      if (setpriority (PRIO_PROCESS, 0, -5) < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "open-dev") == 0 && argc == 3)
    {
      int fd = open (argv[2], O_RDWR);
      if (fd < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "kill") == 0 && (argc == 3 || argc == 4))
    {
      if (kill ((pid_t)num (argv[2]), argc == 4 ? (int)num (argv[3]) : 0) < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "ptrace") == 0 && argc == 3)
    {
      pid_t pid = (pid_t)num (argv[2]);
      if (ptrace (PTRACE_ATTACH, pid, NULL, NULL) < 0)
        return fail ();
      waitpid (pid, NULL, __WALL);
      ptrace (PTRACE_DETACH, pid, NULL, NULL);
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "mem-w") == 0 && argc == 3)
    {
      char path[64];
      snprintf (path, sizeof path, "/proc/%ld/mem", num (argv[2]));
      if (open (path, O_WRONLY) < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "vm-write") == 0 && argc == 3)
    {
      char byte = 0;
      struct iovec local = { .iov_base = &byte, .iov_len = 1 };
      struct iovec remote = { .iov_base = (void *)1, .iov_len = 1 };
      if (process_vm_writev ((pid_t)num (argv[2]), &local, 1, &remote, 1, 0) < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "pgrp") == 0)
    {
      printf ("pgid=%d sid=%d fg=%d\n", (int)getpgrp (), (int)getsid (0), (int)tcgetpgrp (0));
      return 0;
    }
  if (strcmp (cmd, "pidfd-getfd") == 0 && argc == 4)
    {
      int pidfd = (int)syscall (SYS_pidfd_open, (pid_t)num (argv[2]), 0);
      if (pidfd < 0)
        return fail ();
      if (syscall (SYS_pidfd_getfd, pidfd, (int)num (argv[3]), 0) < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "tiocsti") == 0 && argc == 3)
    {
      for (const char *p = argv[2]; *p; p++)
        if (ioctl (0, TIOCSTI, p) < 0)
          return fail ();
      printf ("ok\n");
      return 0;
    }
  if (strcmp (cmd, "tioclinux") == 0)
    {
      char sub = 3; /* TIOCL_PASTESEL */
      if (ioctl (0, TIOCLINUX, &sub) < 0)
        return fail ();
      printf ("ok\n");
      return 0;
    }
  if ((strcmp (cmd, "listen-abstract") == 0 || strcmp (cmd, "connect-abstract") == 0) && argc == 3)
    {
      struct sockaddr_un sa;
      socklen_t len;
      int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (s < 0 || abstract_addr (argv[2], &sa, &len) < 0)
        return fail ();
      if (cmd[0] == 'c')
        return connect_and_read (s, (struct sockaddr *)&sa, len);
      if (bind (s, (struct sockaddr *)&sa, len) < 0)
        return fail ();
      printf ("listening\n");
      return serve (s);
    }
  if (strcmp (cmd, "listen-tcp") == 0 || (strcmp (cmd, "connect-tcp") == 0 && argc == 3))
    {
      struct sockaddr_in sa = { .sin_family = AF_INET };
      socklen_t len = sizeof sa;
      int s = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      if (s < 0)
        return fail ();
      if (cmd[0] == 'c')
        {
          sa.sin_port = htons ((uint16_t)num (argv[2]));
          return connect_and_read (s, (struct sockaddr *)&sa, len);
        }
      if (bind (s, (struct sockaddr *)&sa, len) < 0
          || getsockname (s, (struct sockaddr *)&sa, &len) < 0)
        return fail ();
      printf ("%u\n", (unsigned)ntohs (sa.sin_port));
      return serve (s);
    }
  if (strncmp (cmd, "key-", 4) == 0)
    return keys (argc, argv);
  if (strcmp (cmd, "userns-limit") == 0)
    return userns_limit (argc, argv);
  if (strcmp (cmd, "abi") == 0 && argc >= 4)
    return abi_call (argc, argv);
  if (strcmp (cmd, "exchange") == 0)
    return exchange (argc, argv);
  if (strcmp (cmd, "fd-targets") == 0 && argc <= 3)
    {
      int out = -1;
      if (argc == 3)
        {
          out = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
          if (out < 0 || (stdout = fdopen (out, "w")) == NULL)
            return 2;
          setvbuf (stdout, NULL, _IOLBF, 0);
        }
      DIR *d = opendir ("/proc/self/fd");
      struct dirent *de;
      char path[320], target[4096];
      ssize_t n;
      if (d == NULL)
        return fail ();
      int own = dirfd (d);
      while ((de = readdir (d)) != NULL)
        if (de->d_name[0] != '.' && atoi (de->d_name) != own && atoi (de->d_name) != out)
          {
            snprintf (path, sizeof path, "/proc/self/fd/%s", de->d_name);
            n = readlink (path, target, sizeof target - 1);
            target[n < 0 ? 0 : n] = '\0';
            printf ("%s=%s\n", de->d_name, target);
          }
      closedir (d);
      n = readlink ("/proc/self/cwd", target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      printf ("cwd=%s\n", target);
      if (getcwd (target, sizeof target) == NULL)
        return fail ();
      printf ("getcwd=%s\n", target);
      return 0;
    }
  if (strcmp (cmd, "fds") == 0)
    {
      DIR *d = opendir ("/proc/self/fd");
      struct dirent *de;
      int own;
      if (d == NULL)
        return fail ();
      own = dirfd (d);
      while ((de = readdir (d)) != NULL)
        if (de->d_name[0] != '.' && atoi (de->d_name) != own)
          printf ("%s ", de->d_name);
      printf ("\n");
      closedir (d);
      return 0;
    }
  return usage ();
}
