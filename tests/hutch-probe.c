/* hutch-probe — what the confinement suites run inside a sandbox.
 *
 *   hutch-probe call NAME [ARG...]      a system call by name, raw
 *   hutch-probe nr NR...                each native system call NR (no
 *                                       arguments), one result a line
 *   hutch-probe x32nr NR...             the same through the x32 ABI
 *   hutch-probe int80nr NR...           the same through int $0x80 (i386)
 *   hutch-probe x32 NAME [ARG...]       the same through the x32 ABI
 *   hutch-probe int80 NR [ARG...]       i386 system call NR via int $0x80 (5 args)
 *   hutch-probe ioctl tiocsti|tioclinux [high]   on fd 0 (high: bit 32 set too)
 *   hutch-probe socket FAMILY           socket(FAMILY, SOCK_STREAM or DGRAM, 0)
 *   hutch-probe socketpair FAMILY       socketpair(FAMILY, SOCK_STREAM or DGRAM, 0)
 *   hutch-probe socketcall-pair FAMILY  the same through i386 socketcall(2)
 *   hutch-probe clone-newuser           clone(CLONE_NEWUSER)
 *   hutch-probe clone3                  clone3 with no flags
 *   hutch-probe read PATH | write PATH | list DIR
 *   hutch-probe connect-tcp PORT | bind-tcp PORT    on 127.0.0.1
 *   hutch-probe fastopen sendto|sendmsg|sockopt PORT   connect to 127.0.0.1
 *                                       with TCP Fast Open (the data "x")
 *   hutch-probe mptcp PORT              connect an IPPROTO_MPTCP socket
 *   hutch-probe listen-unbound          listen() on a TCP socket never bound
 *   hutch-probe listen-bound PORT       bind() to 127.0.0.1:PORT, then listen()
 *   hutch-probe chmod PATH | utimes PATH | setxattr PATH   change metadata
 *   hutch-probe listen-tcp [PORT]       listen on 127.0.0.1, print the port,
 *                                       accept for at most 60 s
 *   hutch-probe listen-abstract NAME    the same for an abstract unix socket
 *   hutch-probe connect-abstract NAME
 *   hutch-probe signal PID              kill(PID, 0)
 *   hutch-probe landlock-abi            the kernel's Landlock ABI (0: none)
 *
 * Each prints "ok" or the errno's name (EPERM, ENOSYS, ...) and exits 0;
 * "unavailable" when the ABI can't be entered at all; exit 2 on misuse.
 * Written to be built static, so that it runs under tight Landlock rules.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

struct named_call
{
  const char *name;
  long nr;
};

static const struct named_call calls[] = {
  { "getppid", SYS_getppid },
  { "getpid", SYS_getpid },
  { "mount", SYS_mount },
  { "umount2", SYS_umount2 },
  { "keyctl", SYS_keyctl },
  { "add_key", SYS_add_key },
  { "ptrace", SYS_ptrace },
  { "perf_event_open", SYS_perf_event_open },
  { "userfaultfd", SYS_userfaultfd },
  { "unshare", SYS_unshare },
  { "personality", SYS_personality },
  { "ioctl", SYS_ioctl },
  { "sync", SYS_sync },
  { "uname", SYS_uname },
#ifdef SYS_fsopen
  { "fsopen", SYS_fsopen },
#endif
#ifdef SYS_io_uring_setup
  { "io_uring_setup", SYS_io_uring_setup },
#endif
  { "init_module", SYS_init_module },
  { "kexec_load", SYS_kexec_load },
  { "swapoff", SYS_swapoff },
  { "acct", SYS_acct },
};

static int
report (long r)
{
  if (r < 0)
    {
      const char *name = strerrorname_np (errno);
      printf ("%s\n", name ? name : "E?");
    }
  else
    printf ("ok\n");
  return 0;
}

static long
number (const char *s)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 0);
  if (errno != 0 || *end != '\0' || end == s)
    {
      /* Allow large unsigned values such as 0xffffffff00000000. */
      unsigned long long u = strtoull (s, &end, 0);
      if (*end != '\0' || end == s)
        {
          fprintf (stderr, "hutch-probe: not a number: %s\n", s);
          exit (2);
        }
      return (long)u;
    }
  return (long)v;
}

static long
call_nr (const char *name)
{
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
    if (strcmp (calls[i].name, name) == 0)
      return calls[i].nr;
  fprintf (stderr, "hutch-probe: unknown call %s\n", name);
  exit (2);
}

static void
args6 (int argc, char **argv, long a[6])
{
  for (int i = 0; i < 6; i++)
    a[i] = i < argc ? number (argv[i]) : 0;
}

/* An i386 system call through int $0x80, in a child: where the kernel
 * lacks IA32 emulation the instruction faults, and the child dies. */
static int
int80 (int argc, char **argv)
{
#if defined(__x86_64__)
  long a[7];
  int pipefd[2];
  a[0] = number (argv[0]);
  args6 (argc - 1, argv + 1, a + 1);
  if (pipe (pipefd) < 0)
    return report (-1);
  pid_t pid = fork ();
  if (pid == 0)
    {
      long r;
      int32_t out[2];
      __asm__ volatile("int $0x80"
                       : "=a"(r)
                       : "a"(a[0]), "b"(a[1]), "c"(a[2]), "d"(a[3]), "S"(a[4]), "D"(a[5])
                       : "memory");
      out[0] = (int32_t)r;
      out[1] = 0;
      if (write (pipefd[1], out, sizeof out) < 0)
        _exit (1);
      _exit (0);
    }
  close (pipefd[1]);
  int32_t out[2];
  ssize_t n = read (pipefd[0], out, sizeof out);
  int status;
  waitpid (pid, &status, 0);
  if (n != (ssize_t)sizeof out)
    {
      printf ("unavailable\n");
      return 0;
    }
  if (out[0] < 0 && out[0] > -4096)
    {
      errno = -out[0];
      return report (-1);
    }
  return report (0);
#else
  (void)argc;
  (void)argv;
  printf ("unavailable\n");
  return 0;
#endif
}

static struct sockaddr_in
loopback (int port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons ((uint16_t)port) };
  sin.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  return sin;
}

static socklen_t
abstract_addr (const char *name, struct sockaddr_un *sun)
{
  memset (sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  size_t len = strlen (name);
  if (len > sizeof sun->sun_path - 1)
    len = sizeof sun->sun_path - 1;
  memcpy (sun->sun_path + 1, name, len); /* sun_path[0] == 0: abstract */
  return (socklen_t)(offsetof (struct sockaddr_un, sun_path) + 1 + len);
}

/* Call `nr` with all arguments 0 in a child (the call may change the
 * process: ptrace(PTRACE_TRACEME), vhangup, ...): ABI 'n' native, 'x'
 * x32, 'i' i386 by int $0x80.  Prints the result; "unavailable" when the
 * child died (an ABI the kernel can't enter). */
static void
zero_args_call (char abi, long nr)
{
  int pipefd[2];
  if (pipe (pipefd) < 0)
    {
      report (-1);
      return;
    }
  pid_t pid = fork ();
  if (pid == 0)
    {
      long r = 0;
      int32_t err = 0;
      close (pipefd[0]);
      if (abi == 'i')
        {
#if defined(__x86_64__)
          __asm__ volatile("int $0x80"
                           : "=a"(r)
                           : "a"(nr), "b"(0L), "c"(0L), "d"(0L), "S"(0L), "D"(0L)
                           : "memory");
          err = r < 0 && r > -4096 ? (int32_t)-r : 0;
#else
          _exit (1);
#endif
        }
      else
        {
          r = syscall (abi == 'x' ? nr | 0x40000000L : nr, 0L, 0L, 0L, 0L, 0L, 0L);
          err = r < 0 ? errno : 0;
        }
      _exit (write (pipefd[1], &err, sizeof err) == (ssize_t)sizeof err ? 0 : 1);
    }
  close (pipefd[1]);
  int32_t err;
  ssize_t n = pid < 0 ? -1 : read (pipefd[0], &err, sizeof err);
  close (pipefd[0]);
  if (pid > 0)
    waitpid (pid, NULL, 0);
  if (n != (ssize_t)sizeof err)
    {
      printf ("unavailable\n");
      return;
    }
  errno = err;
  report (err ? -1 : 0);
}

/* socketpair(family, ...) directly, or through i386 socketcall(2) (its
 * arguments in memory below 4 GiB). */
static int
socketpair_probe (long family, bool socketcall)
{
  int types[2] = { SOCK_STREAM, SOCK_DGRAM };
  long r = -1;
  for (int i = 0; i < 2; i++)
    {
      if (!socketcall)
        {
          int sv[2];
          r = syscall (SYS_socketpair, family, types[i], 0, sv);
        }
      else
        {
#if defined(__x86_64__)
          uint32_t *mem = mmap (NULL, 4096, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
          if (mem == MAP_FAILED)
            return report (-1);
          mem[0] = (uint32_t)family;
          mem[1] = (uint32_t)types[i];
          mem[2] = 0;
          mem[3] = (uint32_t)(uintptr_t)(mem + 8); /* int sv[2] */
          __asm__ volatile("int $0x80"
                           : "=a"(r)
                           : "a"(102L /* socketcall */), "b"(8L /* SYS_SOCKETPAIR */), "c"(mem)
                           : "memory");
          if (r < 0)
            {
              errno = (int)-r;
              r = -1;
            }
#else
          printf ("unavailable\n");
          return 0;
#endif
        }
      if (r >= 0 || (errno == EAFNOSUPPORT || errno == EPERM || errno == EACCES))
        break;
    }
  return report (r);
}

/* Connect to 127.0.0.1:port with TCP Fast Open, the way `how` says. */
static int
fastopen (const char *how, int port)
{
  struct sockaddr_in sin = loopback (port);
  struct iovec iov = { .iov_base = "x", .iov_len = 1 };
  struct msghdr msg
      = { .msg_name = &sin, .msg_namelen = sizeof sin, .msg_iov = &iov, .msg_iovlen = 1 };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return report (-1);
  if (strcmp (how, "sendto") == 0)
    return report (sendto (fd, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof sin));
  if (strcmp (how, "sendmsg") == 0)
    return report (sendmsg (fd, &msg, MSG_FASTOPEN));
  if (setsockopt (fd, IPPROTO_TCP, 30 /* TCP_FASTOPEN_CONNECT */, &one, sizeof one) < 0)
    return report (-1);
  if (connect (fd, (struct sockaddr *)&sin, sizeof sin) < 0)
    return report (-1);
  return report (write (fd, "x", 1));
}

/* Accept and drop connections until killed or 60 s have passed. */
static int
serve (int fd, const char *what)
{
  if (listen (fd, 16) < 0)
    return report (-1);
  printf ("%s\n", what);
  fflush (stdout);
  alarm (60);
  for (;;)
    {
      int c = accept (fd, NULL, NULL);
      if (c >= 0)
        close (c);
    }
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: hutch-probe WHAT [ARG...]\n");
      return 2;
    }
  const char *what = argv[1];
  long a[6];

  if (strcmp (what, "call") == 0 && argc >= 3)
    {
      args6 (argc - 3, argv + 3, a);
      return report (syscall (call_nr (argv[2]), a[0], a[1], a[2], a[3], a[4], a[5]));
    }
  if (strcmp (what, "x32") == 0 && argc >= 3)
    {
#if defined(__x86_64__)
      args6 (argc - 3, argv + 3, a);
      return report (syscall (call_nr (argv[2]) | 0x40000000L, a[0], a[1], a[2], a[3], a[4], a[5]));
#else
      printf ("unavailable\n");
      return 0;
#endif
    }
  if ((strcmp (what, "nr") == 0 || strcmp (what, "x32nr") == 0 || strcmp (what, "int80nr") == 0))
    {
      for (int i = 2; i < argc; i++)
        zero_args_call (what[0] == 'n' ? 'n' : what[0], number (argv[i]));
      return 0;
    }
  if (strcmp (what, "socketpair") == 0 && argc >= 3)
    return socketpair_probe (number (argv[2]), false);
  if (strcmp (what, "socketcall-pair") == 0 && argc >= 3)
    return socketpair_probe (number (argv[2]), true);
  if (strcmp (what, "fastopen") == 0 && argc >= 4)
    return fastopen (argv[2], (int)number (argv[3]));
  if (strcmp (what, "mptcp") == 0 && argc >= 3)
    {
      struct sockaddr_in sin = loopback ((int)number (argv[2]));
      int fd = socket (AF_INET, SOCK_STREAM, 262 /* IPPROTO_MPTCP */);
      if (fd < 0)
        return report (-1);
      return report (connect (fd, (struct sockaddr *)&sin, sizeof sin));
    }
  if (strcmp (what, "listen-bound") == 0 && argc >= 3)
    {
      struct sockaddr_in sin = loopback ((int)number (argv[2]));
      int fd = socket (AF_INET, SOCK_STREAM, 0);
      if (fd < 0 || bind (fd, (struct sockaddr *)&sin, sizeof sin) < 0)
        return report (-1);
      return report (listen (fd, 1));
    }
  if (strcmp (what, "listen-unbound") == 0)
    {
      int fd = socket (AF_INET, SOCK_STREAM, 0);
      if (fd < 0)
        return report (-1);
      return report (listen (fd, 1));
    }
  if (strcmp (what, "chmod") == 0 && argc >= 3)
    return report (chmod (argv[2], 0600));
  if (strcmp (what, "utimes") == 0 && argc >= 3)
    {
      struct timeval tv[2] = { { 1, 0 }, { 1, 0 } }; /* 1970 */
      return report (utimes (argv[2], tv));
    }
  if (strcmp (what, "setxattr") == 0 && argc >= 3)
    return report (setxattr (argv[2], "user.hutch", "probe", 5, 0));
  if (strcmp (what, "int80") == 0 && argc >= 3)
    return int80 (argc - 2, argv + 2);
  if (strcmp (what, "ioctl") == 0 && argc >= 3)
    {
      char c = 'x'; /* TIOCSTI: a byte to push; TIOCLINUX: a subcode */
      unsigned long req = strcmp (argv[2], "tiocsti") == 0 ? TIOCSTI : 0x541C /* TIOCLINUX */;
      if (argc >= 4)
        req |= 1UL << 32;
      return report (syscall (SYS_ioctl, 0, req, &c));
    }
  if (strcmp (what, "socket") == 0 && argc >= 3)
    {
      /* Raw, so that all 64 bits of FAMILY reach the filter. */
      long family = number (argv[2]);
      long fd = syscall (SYS_socket, family, SOCK_DGRAM, 0);
      if (fd < 0 && errno != EAFNOSUPPORT && errno != EPERM && errno != EACCES)
        fd = syscall (SYS_socket, family, SOCK_STREAM, 0);
      return report (fd);
    }
  if (strcmp (what, "clone-newuser") == 0)
    {
      long pid = syscall (SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
      if (pid == 0)
        _exit (0);
      if (pid > 0)
        waitpid ((pid_t)pid, NULL, 0);
      return report (pid);
    }
  if (strcmp (what, "clone3") == 0)
    {
#ifdef SYS_clone3
      uint64_t args[11] = { 0 };
      args[4] = SIGCHLD; /* exit_signal */
      long pid = syscall (SYS_clone3, args, 88);
      if (pid == 0)
        _exit (0);
      if (pid > 0)
        waitpid ((pid_t)pid, NULL, 0);
      return report (pid);
#else
      printf ("unavailable\n");
      return 0;
#endif
    }
  if (strcmp (what, "read") == 0 && argc >= 3)
    {
      char buf[64];
      int fd = open (argv[2], O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return report (-1);
      return report (read (fd, buf, sizeof buf));
    }
  if (strcmp (what, "write") == 0 && argc >= 3)
    {
      int fd = open (argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        return report (-1);
      return report (write (fd, "probe\n", 6));
    }
  if (strcmp (what, "list") == 0 && argc >= 3)
    {
      DIR *d = opendir (argv[2]);
      if (d == NULL)
        return report (-1);
      errno = 0;
      readdir (d);
      return report (errno ? -1 : 0);
    }
  if ((strcmp (what, "connect-tcp") == 0 || strcmp (what, "bind-tcp") == 0) && argc >= 3)
    {
      struct sockaddr_in sin = loopback ((int)number (argv[2]));
      int fd = socket (AF_INET, SOCK_STREAM, 0);
      if (fd < 0)
        return report (-1);
      if (what[0] == 'c')
        return report (connect (fd, (struct sockaddr *)&sin, sizeof sin));
      int one = 1;
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      return report (bind (fd, (struct sockaddr *)&sin, sizeof sin));
    }
  if (strcmp (what, "listen-tcp") == 0)
    {
      struct sockaddr_in sin = loopback (argc >= 3 ? (int)number (argv[2]) : 0);
      socklen_t len = sizeof sin;
      char port[16];
      int fd = socket (AF_INET, SOCK_STREAM, 0);
      if (fd < 0 || bind (fd, (struct sockaddr *)&sin, sizeof sin) < 0
          || getsockname (fd, (struct sockaddr *)&sin, &len) < 0)
        return report (-1);
      snprintf (port, sizeof port, "%d", ntohs (sin.sin_port));
      return serve (fd, port);
    }
  if ((strcmp (what, "listen-abstract") == 0 || strcmp (what, "connect-abstract") == 0)
      && argc >= 3)
    {
      struct sockaddr_un sun;
      socklen_t len = abstract_addr (argv[2], &sun);
      int fd = socket (AF_UNIX, SOCK_STREAM, 0);
      if (fd < 0)
        return report (-1);
      if (what[0] == 'c')
        return report (connect (fd, (struct sockaddr *)&sun, len));
      if (bind (fd, (struct sockaddr *)&sun, len) < 0)
        return report (-1);
      return serve (fd, "ready");
    }
  if (strcmp (what, "landlock-abi") == 0)
    {
      long abi = syscall (444 /* landlock_create_ruleset */, NULL, 0, 1U /* VERSION */);
      printf ("%ld\n", abi < 0 ? 0 : abi);
      return 0;
    }
  if (strcmp (what, "signal") == 0 && argc >= 3)
    return report (kill ((pid_t)number (argv[2]), 0));

  fprintf (stderr, "hutch-probe: bad arguments for %s\n", what);
  return 2;
}
