/* hutch — --enter (see enter.h). */
#include "config.h"

#include "enter.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "instance.h"
#include "signals.h"

/* The hand-over's order (instance.h).  The PID namespace is the one the
 * command is forked into: PID 1's pid_for_children. */
static const char *const ns_names[INSTANCE_N_NS]
    = { "user", "mnt", "pid_for_children", "net", "uts", "ipc", "cgroup" };
static const int ns_flags[INSTANCE_N_NS]
    = { CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,   CLONE_NEWNET,
        CLONE_NEWUTS,  CLONE_NEWIPC, CLONE_NEWCGROUP };

/* The client's signals passed on to the entered command. */
static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

/* ------------------------------------------------------------------------ */
/* fds over a unix socket                                                    */

static int
send_fds (int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
  char control[CMSG_SPACE (sizeof (int) * (INSTANCE_N_NS + 2))] = { 0 };
  struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  if (nfds > 0)
    {
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE (sizeof (int) * nfds);
      struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int) * nfds);
      memcpy (CMSG_DATA (c), fds, sizeof (int) * nfds);
    }
  return TEMP_FAILURE_RETRY_INT (sendmsg (sock, &msg, MSG_NOSIGNAL)) < 0 ? -errno : 0;
}

/* All of buf on a stream socket, never SIGPIPE (the monitor may be gone). */
static bool
send_all (int sock, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = send (sock, p, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      p += n;
      len -= (size_t)n;
    }
  return true;
}

/* recvmsg: the data's length (or -1), *nfds_out the fds received. */
static ssize_t
recv_fds (int sock, void *data, size_t len, int flags, int *fds, size_t nfds, size_t *nfds_out)
{
  char control[CMSG_SPACE (sizeof (int) * (INSTANCE_N_NS + 2))] = { 0 };
  struct iovec iov = { .iov_base = data, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control,
                        .msg_controllen = CMSG_SPACE (sizeof (int) * nfds) };
  ssize_t n = TEMP_FAILURE_RETRY_INT (recvmsg (sock, &msg, flags | MSG_CMSG_CLOEXEC));
  *nfds_out = 0;
  if (n < 0)
    return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      {
        size_t k = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
        for (size_t i = 0; i < k; i++)
          {
            int fd;
            memcpy (&fd, CMSG_DATA (c) + i * sizeof (int), sizeof fd);
            if (*nfds_out < nfds)
              fds[(*nfds_out)++] = fd;
            else
              close (fd);
          }
      }
  if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
    return -1;
  return n;
}

int
enter_recv_fds (int fd, void *data, size_t len, int *fds, size_t nfds)
{
  size_t got;
  ssize_t n = recv_fds (fd, data, len, MSG_WAITALL, fds, nfds, &got);
  if (n != (ssize_t)len || got != nfds)
    {
      for (size_t i = 0; i < got; i++)
        close (fds[i]);
      return -1;
    }
  return (int)got;
}

static int
read_exact (int fd, void *buf, size_t len)
{
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = TEMP_FAILURE_RETRY_INT (read (fd, (char *)buf + done, len - done));
      if (n <= 0)
        return -1;
      done += (size_t)n;
    }
  return 0;
}

int
enter_recv_programs (int fd, struct run *run, uint32_t n)
{
  uint32_t *lens = xcalloc (n, sizeof *lens);
  struct sock_fprog *progs = xcalloc (n + 1, sizeof *progs);
  int r = read_exact (fd, lens, n * sizeof *lens);
  for (uint32_t i = 0; r == 0 && i < n; i++)
    {
      if (lens[i] == 0 || lens[i] > BPF_MAXINSNS)
        {
          r = -1;
          break;
        }
      progs[i].len = (unsigned short)lens[i];
      progs[i].filter = xcalloc (lens[i], sizeof (struct sock_filter));
      r = read_exact (fd, progs[i].filter, lens[i] * sizeof (struct sock_filter));
    }
  free (lens);
  if (r < 0)
    return -1; /* (the monitor keeps the little it read) */
  run->seccomp_progs = progs;
  run->n_seccomp_progs = n;
  return 0;
}

ssize_t
enter_recv_request (int conn, char *buf, size_t max, int fds[3])
{
  size_t got;
  ssize_t n = recv_fds (conn, buf, max, MSG_DONTWAIT, fds, 3, &got);
  if (n > 0 && buf[0] == 'E' && got != 3)
    return -1;
  return n;
}

/* ------------------------------------------------------------------------ */
/* The child's hand-over                                                     */

void
enter_send_handover (const struct sandbox *sb, struct run *run, int sock)
{
  int fds[INSTANCE_N_NS + 2];
  size_t n = 0;

  /* One lookup of self/ns, then one open each (this is on the way of
   * every sandbox's start). */
  int ns_dir = openat (run->proc_fd, "self/ns", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  for (; ns_dir >= 0 && n < INSTANCE_N_NS; n++)
    {
      fds[n] = openat (ns_dir, ns_names[n], O_RDONLY | O_CLOEXEC);
      if (fds[n] < 0)
        break;
    }
  if (ns_dir >= 0)
    close (ns_dir);
  if (n == INSTANCE_N_NS)
    fds[n++] = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (n == INSTANCE_N_NS + 1 && fds[n - 1] >= 0)
    fds[n++] = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (n == INSTANCE_N_NS + 2 && fds[n - 1] >= 0)
    {
      /* The caller's programs are read now (PID 1 and the command find
       * them read), and go along as they were read. */
      confine_read_seccomp_programs (sb, run);
      uint32_t n_progs = (uint32_t)run->n_seccomp_progs;
      if (send_fds (sock, &n_progs, sizeof n_progs, fds, n) == 0)
        {
          bool ok = true;
          for (size_t i = 0; ok && i < n_progs; i++)
            {
              uint32_t len = run->seccomp_progs[i].len;
              ok = send_all (sock, &len, sizeof len);
            }
          for (size_t i = 0; ok && i < n_progs; i++)
            ok = send_all (sock, run->seccomp_progs[i].filter,
                           run->seccomp_progs[i].len * sizeof (struct sock_filter));
        }
    }
  /* Whatever failed: the sandbox runs, it only can't be entered. */
  for (size_t i = 0; i < n; i++)
    if (fds[i] >= 0)
      close (fds[i]);
}

/* ------------------------------------------------------------------------ */
/* The server: joining                                                       */

static bool
same_ns (int a, int b)
{
  struct stat sa, sb;
  return fstat (a, &sa) == 0 && fstat (b, &sb) == 0 && sa.st_ino == sb.st_ino
         && sa.st_dev == sb.st_dev;
}

/* The outermost user namespace of the chain from `user` up to (not
 * including) `own`: the one to join first (a namespace's owner, in the
 * namespace above it, has every capability in it and below it). */
static int
outermost_userns (int user, int own)
{
  int cur = dup (user);
  for (int depth = 0; cur >= 0 && depth < 32; depth++)
    {
      int parent = ioctl (cur, NS_GET_PARENT);
      if (parent < 0)
        break;
      if (same_ns (parent, own))
        {
          close (parent);
          break;
        }
      close (cur);
      cur = parent;
    }
  return cur;
}

static void
join (int fd, int flag, const char *what)
{
  if (setns (fd, flag) < 0)
    die_with_error ("--enter: Can't join the sandbox's %s namespace", what);
}

/* Into the sandbox's namespaces, as its child went: the first new user
 * namespace, the other namespaces (owned by it), the ids of the command
 * there, the nested user namespace; then its root and cwd. */
static void
join_sandbox (const struct run *run, const struct instance_handover *h)
{
  int own[INSTANCE_N_NS];
  char path[64];
  for (size_t i = 0; i < INSTANCE_N_NS; i++)
    {
      snprintf (path, sizeof path, "/proc/self/ns/%s", ns_names[i]);
      own[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (own[i] < 0)
        die_with_error ("--enter: Can't open %s", path);
    }
  int top = -1;
  if (!same_ns (h->ns_fds[0], own[0]))
    {
      top = outermost_userns (h->ns_fds[0], own[0]);
      if (top < 0)
        die_with_error ("--enter: Can't find the sandbox's user namespaces");
      join (top, CLONE_NEWUSER, "user");
    }
  for (size_t i = 1; i < INSTANCE_N_NS; i++)
    if (!same_ns (h->ns_fds[i], own[i]))
      join (h->ns_fds[i], ns_flags[i], ns_names[i]);
  if (run->switch_ids)
    {
      if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0
          || setresgid (run->switch_gid, run->switch_gid, run->switch_gid) < 0
          || setresuid (run->switch_uid, run->switch_uid, run->switch_uid) < 0)
        die_with_error ("--enter: Can't switch to the sandbox's ids %u:%u",
                        (unsigned)run->switch_uid, (unsigned)run->switch_gid);
      confine_regain_effective ();
    }
  if (top >= 0 && !same_ns (top, h->ns_fds[0]))
    join (h->ns_fds[0], CLONE_NEWUSER, "nested user");
  if (top >= 0)
    close (top);
  for (size_t i = 0; i < INSTANCE_N_NS; i++)
    close (own[i]);
  if (fchdir (h->root_fd) < 0 || chroot (".") < 0)
    die_with_error ("--enter: Can't change to the sandbox's root");
  if (fchdir (h->cwd_fd) < 0)
    die_with_error ("--enter: Can't change to the sandbox's working directory");
}

/* ------------------------------------------------------------------------ */
/* The server: the command                                                   */

struct keep
{
  int conn;
};

static void
close_unless_kept (int fd, void *data)
{
  const struct keep *k = data;
  if (fd != k->conn && !instance_fd_is_handover (fd))
    close (fd);
}

/* The request: "E", TERM's value (empty: none), then the words. */
static char **
request_argv (const char *buf, size_t n, const char **term)
{
  const char *p = buf + 1, *end = buf + n;
  char **argv = xcalloc (n + 2, sizeof *argv);
  size_t argc = 0;
  const char *nul = memchr (p, '\0', (size_t)(end - p));
  if (nul == NULL)
    die ("--enter: malformed request");
  *term = p[0] != '\0' ? xstrdup (p) : NULL;
  for (p = nul + 1; p < end; p = nul + 1)
    {
      nul = memchr (p, '\0', (size_t)(end - p));
      if (nul == NULL)
        die ("--enter: malformed request");
      argv[argc++] = xstrdup (p);
    }
  return argv;
}

NORETURN static void
run_entered (const struct sandbox *sb, struct run *run, char **argv, const char *term)
{
  static char *shell_argv[2];
  confine_apply_env (sb);
  if (term != NULL && setenv ("TERM", term, 1) < 0)
    die_with_error ("setenv TERM");
  if (argv[0] == NULL)
    {
      /* The sandbox's $SHELL if it has it, else /bin/sh. */
      const char *shell = getenv ("SHELL");
      shell_argv[0]
          = (char *)(shell != NULL && shell[0] == '/' && access (shell, X_OK) == 0 ? shell
                                                                                   : "/bin/sh");
      argv = shell_argv;
    }
  /* (Every fd above 2 left is close-on-exec: server() closed the rest.) */
  confine_exec_entered (sb, run, argv);
}

/* Wait for the command, passing the client's signals on; report its exit
 * status on conn.  A client gone kills the command. */
NORETURN static void
serve (int conn, pid_t cmd)
{
  int pidfd = (int)syscall (SYS_pidfd_open, cmd, 0);
  bool client_gone = false;
  for (;;)
    {
      struct pollfd p[2] = { { .fd = client_gone ? -1 : conn, .events = POLLIN },
                             { .fd = pidfd, .events = POLLIN } };
      if (poll (p, 2, pidfd < 0 ? 100 : -1) < 0 && errno != EINTR)
        _exit (1);
      if (p[0].revents & (POLLIN | POLLHUP))
        {
          unsigned char m[2];
          ssize_t n = recv (conn, m, sizeof m, MSG_DONTWAIT);
          if (n == 2 && m[0] == 'K')
            (void)kill (cmd, m[1]);
          else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
            {
              client_gone = true;
              (void)kill (cmd, SIGKILL);
            }
        }
      int status;
      pid_t r = waitpid (cmd, &status, WNOHANG);
      if (r == cmd)
        {
          char msg[8] = "S";
          int code = signals_exit_status (status);
          memcpy (msg + 1, &code, sizeof code);
          (void)send (conn, msg, 1 + sizeof code, MSG_NOSIGNAL);
          _exit (0);
        }
    }
}

NORETURN static void
server (const struct sandbox *sb, struct run *run, int conn, const int fds[3], const char *buf,
        size_t n)
{
  const char *term;
  char **argv = request_argv (buf, n, &term);
  for (int i = 0; i < 3; i++)
    if (dup2 (fds[i], i) < 0)
      _exit (1);
  /* From here on, messages go to the client's stderr. */
  struct keep k = { conn };
  if (for_each_open_fd (-1, close_unless_kept, &k) < 0)
    die_with_error ("--enter: Can't list the open fds");
  join_sandbox (run, instance_handover_get ());
  pid_t cmd = fork (); /* in the sandbox's PID namespace */
  if (cmd < 0)
    die_with_error ("--enter: Can't fork into the sandbox");
  if (cmd == 0)
    {
      close (conn);
      set_parent_death_signal (0);
      run_entered (sb, run, argv, term);
    }
  serve (conn, cmd);
}

void
enter_fork_server (const struct sandbox *sb, struct run *run, int conn, const int fds[3],
                   const char *buf, size_t n)
{
  /* Twice, so that the monitor has no child but the sandbox's to wait
   * for: the server is reparented at once. */
  pid_t pid = fork ();
  if (pid == 0)
    {
      if (fork () == 0)
        server (sb, run, conn, fds, buf, n);
      _exit (0);
    }
  if (pid > 0)
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
      ;
  close (conn);
}

/* ------------------------------------------------------------------------ */
/* The client                                                                */

static char *
build_request (const struct sandbox *sb, size_t *len)
{
  const char *term = getenv ("TERM");
  size_t n = 1 + (term ? strlen (term) : 0) + 1;
  for (size_t i = 0; i < sb->n_command; i++)
    n += strlen (sb->command[i]) + 1;
  if (n > ENTER_REQUEST_MAX)
    die ("--enter: the command line is too long (at most %d bytes)", ENTER_REQUEST_MAX);
  char *buf = xmalloc (n), *p = buf;
  *p++ = 'E';
  p = stpcpy (p, term ? term : "") + 1;
  for (size_t i = 0; i < sb->n_command; i++)
    p = stpcpy (p, sb->command[i]) + 1;
  *len = n;
  return buf;
}

void
enter_client (const struct sandbox *sb, int conn)
{
  size_t len;
  _cleanup_free_ char *req = build_request (sb, &len);
  const int stdio[3] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO };
  sigset_t set;

  sigemptyset (&set);
  for (size_t i = 0; i < N_ELEMENTS (relayed); i++)
    sigaddset (&set, relayed[i]);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    die_with_error ("sigprocmask");
  int sfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    die_with_error ("signalfd");
  int r = send_fds (conn, req, len, stdio, 3);
  if (r < 0)
    die_with_errno (-r, "--enter: Can't send the request to the sandbox's monitor");
  for (;;)
    {
      struct pollfd p[2] = { { .fd = conn, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
      if (poll (p, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die_with_error ("poll");
        }
      struct signalfd_siginfo si;
      while (read (sfd, &si, sizeof si) == (ssize_t)sizeof si)
        {
          unsigned char m[2] = { 'K', (unsigned char)si.ssi_signo };
          (void)send (conn, m, sizeof m, MSG_NOSIGNAL);
        }
      if (!(p[0].revents & (POLLIN | POLLHUP)))
        continue;
      char reply[512];
      ssize_t n = recv (conn, reply, sizeof reply, 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n == 1 + (ssize_t)sizeof (int) && reply[0] == 'S')
        {
          int code;
          memcpy (&code, reply + 1, sizeof code);
          exit (code);
        }
      if (n > 1 && reply[0] == 'X')
        die ("--enter: %.*s", (int)(n - 1), reply + 1);
      /* The server said why on stderr, or was killed. */
      exit (EXIT_FAILURE);
    }
}
