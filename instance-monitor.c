/* hutch — running sandboxes, the monitor's side: --name's lock, the
 * entry, the socket on which it takes --stop and --enter requests, the
 * child's hand-over for --enter (see instance.h). */
#include "config.h"

#include "instance-private.h"
#include "instance.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "enter.h"
#include "privilege.h"
#include "utils.h"

#define MAX_CONNS 16 /* --stop requests a monitor holds open until it exits */

static int name_fd = -1;  /* name.NAME, locked */
static int entry_fd = -1; /* PID.START, locked */
static char entry_id[64]; /* "PID.START" */
static const char *own_name;
static int listen_fd = -1, epoll_fd = -1, timer_fd = -1;
static time_t started_at;
/* The command's words, NUL-ended, and the name: copied before clone (the
 * setuid mode's monitor frees the parsed options). */
static char *command_words;
static size_t command_len;
static int handover_fds[2] = { -1, -1 }; /* [0] the monitor's end, [1] the child's */
static struct instance_handover handover;
static pid_t sandbox_child;
static bool stopping;
static int stop_conns[MAX_CONNS];
static size_t n_stop_conns;
/* --enter requests that came before the hand-over: served once it has. */
struct pending_enter
{
  int conn, fds[3];
  char *buf;
  size_t len;
};
static struct pending_enter pending[MAX_CONNS];
static size_t n_pending;

static void
claim_name (const char *name)
{
  char file[INSTANCE_NAME_MAX + 8];
  snprintf (file, sizeof file, "name.%s", name);
  for (int attempt = 0; attempt < 8; attempt++)
    {
      int fd = openat (instance_state_dir, file,
                       O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
      if (fd < 0)
        die_with_error ("Can't create %s/%s", instance_state_path, file);
      if (instance_take_lock (fd) < 0)
        {
          if (errno != EAGAIN && errno != EACCES)
            die_with_error ("Can't lock %s/%s", instance_state_path, file);
          pid_t holder = instance_lock_holder (fd);
          die ("--name: a sandbox named %s is already running (monitor PID %d); choose another "
               "name, or stop it with %s --stop %s",
               name, (int)holder, prog_name, name);
        }
      /* Locked, but maybe a file that its last holder removed meanwhile. */
      if (instance_same_file (file, fd))
        {
          name_fd = fd;
          return;
        }
      close (fd);
    }
  die ("--name: Can't lock %s/%s (it keeps changing)", instance_state_path, file);
}

/* A sandbox that can't be registered: an error when it has a --name (the
 * name must hold), else it runs unlisted (a hutch inside a sandbox whose
 * file system is read-only has nowhere to write). */
static bool registry_required;
static bool registry_verbose;

static void instance_disable (void);

static void PRINTF (2, 3) registry_failed (int err, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  if (registry_required)
    die_with_errno (err, "%s", msg);
  if (registry_verbose)
    log_msg (LOG_LVL_INFO, "%s: %s: the sandbox runs unlisted (no --list, --enter or --stop)", msg,
             strerror (err));
  instance_disable ();
}

void
instance_prepare (const struct sandbox *sb, const struct run *run UNUSED)
{
  if (sb->name != NULL && !instance_name_valid (sb->name))
    die ("--name: \"%s\" is not a valid name (letters, digits, '.', '_', '-'; up to %d bytes)",
         sb->name, INSTANCE_NAME_MAX);
  registry_required = sb->name != NULL;
  registry_verbose = sb->verbose;
  instance_state_dir = instance_state_open (true);
  if (instance_state_dir < 0)
    {
      int err = -instance_state_dir;
      instance_state_dir = -1;
      if (registry_required)
        instance_die_state_dir (err);
      registry_failed (err, "Can't use the state directory %s", instance_state_path);
      return;
    }
  own_name = sb->name != NULL ? xstrdup (sb->name) : NULL;
  for (size_t i = 0; i < sb->n_command; i++)
    command_len += strlen (sb->command[i]) + 1;
  command_words = xmalloc (command_len + 1);
  for (size_t i = 0, at = 0; i < sb->n_command; i++)
    {
      size_t w = strlen (sb->command[i]) + 1;
      memcpy (command_words + at, sb->command[i], w);
      at += w;
    }
  if (sb->name != NULL)
    claim_name (sb->name);
  /* The hand-over is what --enter needs; the setuid mode has no --enter. */
  if (!privilege_is_setuid ()
      && socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, handover_fds) < 0)
    registry_failed (errno, "Can't create a socket pair");
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

void
instance_child_close (void)
{
  close_fd (&instance_state_dir);
  close_fd (&name_fd);
  close_fd (&handover_fds[0]);
}

static const char *
net_mode (const struct sandbox *sb)
{
  if (sb->net_pasta)
    return "pasta";
  if (sb->netns_fd >= 0)
    return "netns";
  return sb->unshare_net ? "none" : "host";
}

/* The namespaces the command gets that are new to it, as a list. */
static void
namespace_list (const struct run *run, char *buf, size_t size)
{
  static const struct
  {
    int flag;
    const char *name;
  } ns[] = {
    { CLONE_NEWUSER, "user" },     { CLONE_NEWNS, "mnt" },  { CLONE_NEWPID, "pid" },
    { CLONE_NEWNET, "net" },       { CLONE_NEWUTS, "uts" }, { CLONE_NEWIPC, "ipc" },
    { CLONE_NEWCGROUP, "cgroup" },
  };
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < N_ELEMENTS (ns); i++)
    if ((run->new_namespaces & ns[i].flag)
        || (ns[i].flag == CLONE_NEWUSER && (run->userns || run->nested_userns)))
      len += (size_t)snprintf (buf + len, size - len, "%s%s", len ? "," : "", ns[i].name);
  if (len == 0)
    snprintf (buf, size, "-");
}

static char *
entry_text (const struct sandbox *sb, const struct run *run, pid_t child, size_t *len)
{
  char ns[128];
  namespace_list (run, ns, sizeof ns);
  char *head = xasprintf ("hutch-instance 1\npid=%d\nchild=%d\nstarted=%lld\npidns=%d\nname=%s\n"
                          "namespaces=%s\nnet=%s\ncommand\n",
                          (int)getpid (), (int)child, (long long)started_at,
                          (run->new_namespaces & CLONE_NEWPID) ? 1 : 0, own_name ? own_name : "",
                          ns, net_mode (sb));
  size_t n = strlen (head);
  char *text = xrealloc (head, n + command_len + 1);
  memcpy (text + n, command_words, command_len);
  *len = n + command_len;
  return text;
}

static int
epoll_add (int fd)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
  return epoll_ctl (epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* The socket, bound before the entry is renamed into place, so that a
 * listed sandbox can always be reached. */
static bool
listen_on_socket (void)
{
  listen_fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd < 0)
    return false;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  /* (PID.START names this process only: no stale file of that name to
   * remove first, here or for the entry.) */
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s.sock", instance_state_dir,
            entry_id);
  return bind (listen_fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen (listen_fd, 8) == 0;
}

/* The entry, written whole under a temporary name, locked, renamed into
 * place; 0 or -errno. */
static int
write_entry (const struct sandbox *sb, const struct run *run, pid_t child)
{
  char tmp[80];
  size_t len;
  _cleanup_free_ char *text = entry_text (sb, run, child, &len);
  snprintf (tmp, sizeof tmp, ".tmp.%s", entry_id);
  entry_fd
      = openat (instance_state_dir, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (entry_fd < 0)
    return -errno;
  int r = instance_take_lock (entry_fd) < 0 ? -errno : write_all (entry_fd, text, len);
  if (r == 0 && renameat (instance_state_dir, tmp, instance_state_dir, entry_id) < 0)
    r = -errno;
  if (r < 0)
    (void)unlinkat (instance_state_dir, tmp, 0);
  return r;
}

/* Listed now: the socket, then the entry. */
static void
register_now (const struct sandbox *sb, const struct run *run)
{
  unsigned long long start;
  if (!instance_proc_identity (getpid (), &start, NULL))
    {
      registry_failed (errno ? errno : EIO, "Can't read /proc/self/stat");
      return;
    }
  snprintf (entry_id, sizeof entry_id, "%d.%llu", (int)getpid (), start);
  if (!listen_on_socket () || epoll_add (listen_fd) < 0
      || (handover_fds[0] >= 0 && epoll_add (handover_fds[0]) < 0))
    {
      registry_failed (errno, "Can't listen on %s/%s.sock", instance_state_path, entry_id);
      return;
    }
  int r = write_entry (sb, run, sandbox_child);
  if (r < 0)
    registry_failed (-r, "Can't write %s/%s", instance_state_path, entry_id);
}

/* A sandbox without a name is listed once it has run REGISTER_DELAY_MS:
 * most sandboxes run a command that is done sooner (a build step, a
 * test), and then cost nothing more at start than an epoll and a timer.
 * (The child's hand-over waits in the socket meanwhile.)  A named one is
 * listed at once: its name is what the caller will use. */
#define REGISTER_DELAY_MS 100
static int register_timer = -1;

void
instance_register (const struct sandbox *sb, const struct run *run, pid_t child)
{
  sandbox_child = child;
  started_at = time (NULL);
  close_fd (&handover_fds[1]);
  if (instance_state_dir < 0)
    return;
  epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (epoll_fd < 0)
    {
      registry_failed (errno, "epoll_create1");
      return;
    }
  if (registry_required)
    {
      register_now (sb, run);
      return;
    }
  struct itimerspec its = { .it_value = { 0, REGISTER_DELAY_MS * 1000000L } };
  register_timer = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (register_timer < 0 || timerfd_settime (register_timer, 0, &its, NULL) < 0
      || epoll_add (register_timer) < 0)
    registry_failed (errno, "Can't arm a timer");
}

/* Unlisted after all: nothing of the sandbox's in the state directory. */
static void
instance_disable (void)
{
  if (instance_state_dir >= 0 && listen_fd >= 0)
    {
      char path[80];
      snprintf (path, sizeof path, "%s.sock", entry_id);
      (void)unlinkat (instance_state_dir, path, 0);
    }
  close_fd (&listen_fd);
  close_fd (&epoll_fd);
  close_fd (&register_timer);
  close_fd (&entry_fd);
  close_fd (&handover_fds[0]);
  close_fd (&handover_fds[1]);
  close_fd (&instance_state_dir);
}

int
instance_poll_fd (void)
{
  return epoll_fd;
}

const struct instance_handover *
instance_handover_get (void)
{
  return &handover;
}

/* The child's hand-over: the fds, then (on the stream) the caller's
 * seccomp programs: a count, each length in bytes, the bytes. */
static void
receive_handover_data (struct run *run)
{
  int fds[INSTANCE_N_NS + 2];
  uint32_t n_progs = 0;
  int r = enter_recv_fds (handover_fds[0], &n_progs, sizeof n_progs, fds, N_ELEMENTS (fds));
  if (r != (int)N_ELEMENTS (fds))
    {
      /* The child failed before the end of the build (and said why). */
      epoll_ctl (epoll_fd, EPOLL_CTL_DEL, handover_fds[0], NULL);
      close_fd (&handover_fds[0]);
      return;
    }
  for (size_t i = 0; i < INSTANCE_N_NS; i++)
    handover.ns_fds[i] = fds[i];
  handover.root_fd = fds[INSTANCE_N_NS];
  handover.cwd_fd = fds[INSTANCE_N_NS + 1];
  if (n_progs > 0 && n_progs <= 4096 && enter_recv_programs (handover_fds[0], run, n_progs) == 0)
    handover.received = true;
  else if (n_progs == 0)
    handover.received = true;
  epoll_ctl (epoll_fd, EPOLL_CTL_DEL, handover_fds[0], NULL);
  close_fd (&handover_fds[0]);
}

static void
reply (int conn, const char *msg)
{
  char buf[512];
  int n = snprintf (buf, sizeof buf, "X%s", msg);
  (void)send (conn, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
handle_stop (const struct run *run, int conn, const char *arg)
{
  uint64_t grace;
  if (!(run->new_namespaces & CLONE_NEWPID))
    {
      reply (conn, "the sandbox has no PID namespace of its own, so not all of its processes "
                   "can be found (start it with --unshare-pid, or stop its command with kill)");
      close (conn);
      return;
    }
  /* The grace, in ms. */
  char *end;
  errno = 0;
  grace = strtoull (arg, &end, 10);
  if (errno != 0 || end == arg || *end != '\0')
    grace = 2000;
  if (n_stop_conns < MAX_CONNS)
    stop_conns[n_stop_conns++] = conn; /* closed when the monitor exits */
  else
    close (conn);
  if (stopping)
    return;
  stopping = true;
  (void)kill (sandbox_child, SIGTERM);
  timer_fd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  struct itimerspec its
      = { .it_value = { (time_t)(grace / 1000), (long)(grace % 1000) * 1000000 } };
  if (grace == 0)
    its.it_value.tv_nsec = 1;
  if (timer_fd < 0 || timerfd_settime (timer_fd, 0, &its, NULL) < 0)
    (void)kill (sandbox_child, SIGKILL);
  else if (epoll_add (timer_fd) < 0)
    (void)kill (sandbox_child, SIGKILL);
}

static void
refuse_enter (int conn)
{
  reply (conn, "the sandbox can't be entered (it was not built to the end)");
  close (conn);
}

static void
serve_pending (const struct sandbox *sb, struct run *run)
{
  for (size_t i = 0; i < n_pending; i++)
    {
      struct pending_enter *p = &pending[i];
      if (handover.received)
        enter_fork_server (sb, run, p->conn, p->fds, p->buf, p->len);
      else
        refuse_enter (p->conn);
      for (size_t k = 0; k < 3; k++)
        close (p->fds[k]);
      free (p->buf);
    }
  n_pending = 0;
}

static void
receive_handover (const struct sandbox *sb, struct run *run)
{
  receive_handover_data (run);
  serve_pending (sb, run);
}

/* An --enter request before the hand-over waits for it (the sandbox is
 * listed as soon as it exists, and built a moment later). */
static void
defer_enter (int conn, int fds[3], char *buf, size_t len)
{
  if (n_pending == MAX_CONNS || handover_fds[0] < 0)
    {
      refuse_enter (conn);
      return;
    }
  struct pending_enter *p = &pending[n_pending++];
  p->conn = conn;
  p->buf = xmalloc (len);
  memcpy (p->buf, buf, len);
  p->len = len;
  for (size_t k = 0; k < 3; k++)
    {
      p->fds[k] = fds[k];
      fds[k] = -1;
    }
}

/* A request on an accepted connection: "S<grace ms>" or "E..." (enter.c). */
static void
handle_request (const struct sandbox *sb, struct run *run, int conn)
{
  char *buf = xmalloc (ENTER_REQUEST_MAX + 1);
  int fds[3] = { -1, -1, -1 };
  ssize_t n = enter_recv_request (conn, buf, ENTER_REQUEST_MAX, fds);
  epoll_ctl (epoll_fd, EPOLL_CTL_DEL, conn, NULL);
  if (n > 0 && buf[0] == 'S')
    {
      buf[n] = '\0';
      handle_stop (run, conn, buf + 1);
    }
  else if (n > 0 && buf[0] == 'E' && !handover.received)
    defer_enter (conn, fds, buf, (size_t)n);
  else if (n > 0 && buf[0] == 'E')
    enter_fork_server (sb, run, conn, fds, buf, (size_t)n);
  else
    close (conn);
  for (size_t i = 0; i < 3; i++)
    if (fds[i] >= 0)
      close (fds[i]);
  free (buf);
}

/* Only processes of the monitor's own user namespace may ask: a sandbox
 * of the same user (whose uid maps to the caller's) that can see the
 * socket must not stop or enter another. */
static bool
peer_allowed (int conn)
{
  struct ucred cred;
  socklen_t len = sizeof cred;
  char mine[64], theirs[64], path[64];
  if (getsockopt (conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != getuid ()
      || cred.pid <= 0)
    return false;
  int pidfd = (int)syscall (SYS_pidfd_open, cred.pid, 0);
  if (pidfd < 0)
    return false;
  snprintf (path, sizeof path, "/proc/%d/ns/user", (int)cred.pid);
  ssize_t a = readlink ("/proc/self/ns/user", mine, sizeof mine - 1);
  ssize_t b = readlink (path, theirs, sizeof theirs - 1);
  /* Still the process that connected (its pid not reused meanwhile). */
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  bool alive = poll (&p, 1, 0) == 0;
  close (pidfd);
  return alive && a > 0 && a == b && memcmp (mine, theirs, (size_t)a) == 0;
}

void
instance_handle (const struct sandbox *sb, struct run *run)
{
  struct epoll_event evs[8];
  int n = epoll_wait (epoll_fd, evs, N_ELEMENTS (evs), 0);
  for (int i = 0; i < n; i++)
    {
      int fd = evs[i].data.fd;
      if (fd == register_timer)
        {
          epoll_ctl (epoll_fd, EPOLL_CTL_DEL, register_timer, NULL);
          close_fd (&register_timer);
          register_now (sb, run);
          if (epoll_fd < 0)
            return; /* unlisted after all */
        }
      else if (fd == handover_fds[0])
        receive_handover (sb, run);
      else if (fd == timer_fd)
        {
          (void)kill (sandbox_child, SIGKILL);
          epoll_ctl (epoll_fd, EPOLL_CTL_DEL, timer_fd, NULL);
        }
      else if (fd == listen_fd)
        {
          int conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
          if (conn < 0)
            continue;
          if (!peer_allowed (conn))
            {
              reply (conn, "refused: not a process of this sandbox's owner, outside of it");
              close (conn);
              continue;
            }
          if (epoll_add (conn) < 0)
            close (conn);
        }
      else
        handle_request (sb, run, fd);
    }
}

void
instance_unregister (void)
{
  char name_file[INSTANCE_NAME_MAX + 8];
  if (instance_state_dir < 0)
    return;
  if (entry_fd >= 0)
    instance_remove_entry (entry_id);
  if (name_fd >= 0)
    {
      snprintf (name_file, sizeof name_file, "name.%s", own_name);
      (void)unlinkat (instance_state_dir, name_file, 0);
    }
}

/* The fds an --enter server must keep (enter.c closes the rest). */
bool
instance_fd_is_handover (int fd)
{
  if (fd == handover.root_fd || fd == handover.cwd_fd)
    return true;
  for (size_t i = 0; i < INSTANCE_N_NS; i++)
    if (fd == handover.ns_fds[i])
      return true;
  return false;
}

void
instance_child_handover (const struct sandbox *sb, struct run *run)
{
  if (handover_fds[1] < 0)
    return;
  enter_send_handover (sb, run, handover_fds[1]);
  close_fd (&handover_fds[1]);
}
