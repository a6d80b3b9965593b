/* hutch — user-mode networking through pasta (--net pasta).
 *
 * The sandbox gets a network namespace of its own, like --unshare-net, and
 * pasta (Debian's "passt" package) wires it to the host: pasta creates a
 * tap interface in the namespace, gives it a fixed address, a default
 * route and a DNS forwarder (pasta.h), and turns the sandbox's traffic into
 * ordinary sockets of the caller on the host.  Nothing else of the host is
 * reachable from inside: no port of the host's loopback (pasta's mapping of
 * the gateway address to the host is off unless --net-host-loopback), no
 * port forwarded from the namespace to the host (-T/-U none).  --publish
 * forwards chosen host ports in.
 *
 * Life of pasta: the monitor (the caller's credentials, the owner of the
 * child's user namespace) starts it once the child's maps are written and
 * before the child goes on, with the child's network and user namespaces
 * passed as open fds, and waits until pasta writes its PID to the --pid
 * file, which it does once the interface is configured.  The PID file is
 * the write end of a pipe.  pasta runs in the foreground as the monitor's
 * child with PR_SET_PDEATHSIG, so it dies with hutch however hutch ends;
 * the monitor kills and reaps it when the command is done.
 */
#include "config.h"

#include "pasta.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "utils.h"

/* How long pasta may take to configure the interface (it takes tens of
 * milliseconds). */
#define PASTA_START_TIMEOUT_MS 15000

/* Error output of pasta kept for the message when it fails. */
#define PASTA_ERR_MAX 4096

#define PASTA_MISSING "--net pasta: pasta not found; install the \"passt\" package"

static char *pasta_path;       /* found in PATH by pasta_check() */
static const char *dns_server; /* the first nameserver of the sandbox's resolv.conf */
static pid_t pasta_pid = -1;

/* ------------------------------------------------------------------------ */
/* Parse                                                                     */

void
pasta_parse_net (struct sandbox *sb, const char *mode)
{
  if (strcmp (mode, "pasta") != 0)
    die ("--net: unknown mode \"%s\" (valid: pasta)", mode);
  /* The last of --net pasta and --share-net wins (option-table.c). */
  sb->net_pasta = true;
  sb->unshare_net = true;
  sb->share_net = false;
}

NORETURN static void
die_publish (const char *spec, const char *why)
{
  die ("--publish \"%s\": %s", spec, why);
}

static uint16_t
publish_port (const char *spec, const char *s)
{
  uint32_t port;
  if (s[0] < '0' || s[0] > '9' || parse_uint32 (s, &port) < 0 || port == 0 || port > 65535)
    die ("--publish \"%s\": invalid port \"%s\" (1-65535)", spec, s);
  return (uint16_t)port;
}

/* [HOSTADDR:]HOSTPORT:SANDBOXPORT[/tcp|/udp]; HOSTADDR is numeric, IPv6 in
 * brackets; the default is 127.0.0.1. */
void
pasta_parse_publish (struct sandbox *sb, const char *spec)
{
  static const char usage[] = "expected [HOSTADDR:]HOSTPORT:SANDBOXPORT[/tcp|/udp]";
  struct net_publish p = { .udp = false };
  char buf[128];
  char *rest = buf, *addr = NULL, *colon;
  bool bracketed = false;

  if (strlen (spec) >= sizeof buf)
    die_publish (spec, "too long");
  strcpy (buf, spec);

  char *proto = strrchr (buf, '/');
  if (proto != NULL)
    {
      *proto++ = '\0';
      if (strcmp (proto, "udp") == 0)
        p.udp = true;
      else if (strcmp (proto, "tcp") != 0)
        die ("--publish \"%s\": unknown protocol \"%s\" (tcp or udp)", spec, proto);
    }

  if (rest[0] == '[')
    {
      char *end = strchr (rest, ']');
      if (end == NULL || end[1] != ':')
        die_publish (spec, usage);
      *end = '\0';
      addr = rest + 1;
      rest = end + 2;
      bracketed = true;
    }

  colon = strrchr (rest, ':');
  if (colon == NULL)
    die_publish (spec, usage);
  *colon = '\0';
  p.sandbox_port = publish_port (spec, colon + 1);

  colon = strrchr (rest, ':');
  if (colon != NULL)
    {
      if (bracketed)
        die_publish (spec, usage);
      *colon = '\0';
      addr = rest;
      rest = colon + 1;
      if (strchr (addr, ':') != NULL)
        die_publish (spec, "an IPv6 host address goes in brackets, e.g. [::1]:8080:80");
    }
  p.host_port = publish_port (spec, rest);

  if (addr == NULL)
    addr = (char *)"127.0.0.1";
  unsigned char bin[sizeof (struct in6_addr)];
  p.host_ipv6 = bracketed;
  if (inet_pton (bracketed ? AF_INET6 : AF_INET, addr, bin) != 1)
    die ("--publish \"%s\": invalid host address \"%s\" (a numeric IPv4 address, or IPv6 "
         "in brackets)",
         spec, addr);
  /* Normalized, so that duplicates are found and reports are uniform. */
  inet_ntop (bracketed ? AF_INET6 : AF_INET, bin, p.host_addr, sizeof p.host_addr);

  for (size_t i = 0; i < sb->n_publish; i++)
    {
      const struct net_publish *q = &sb->publish[i];
      if (q->udp == p.udp && q->host_port == p.host_port && strcmp (q->host_addr, p.host_addr) == 0)
        die ("--publish \"%s\": host port %s%s%s:%u/%s is already published", spec,
             p.host_ipv6 ? "[" : "", p.host_addr, p.host_ipv6 ? "]" : "", (unsigned)p.host_port,
             p.udp ? "udp" : "tcp");
    }
  sb->publish = xrealloc (sb->publish, (sb->n_publish + 1) * sizeof *sb->publish);
  sb->publish[sb->n_publish++] = p;
}

/* ------------------------------------------------------------------------ */
/* Check                                                                     */

/* Is `path` at or below the directory `dir` (both absolute or relative to
 * the sandbox's /)? */
static bool
path_is_below (const char *dir, const char *path)
{
  while (*dir == '/')
    dir++;
  while (*path == '/')
    path++;
  size_t n = strlen (dir);
  while (n > 0 && dir[n - 1] == '/')
    n--;
  if (n == 0)
    return true;
  return strncmp (dir, path, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The nameservers of a resolv.conf file that are not loopback addresses,
 * at most `max`, in out (each to be freed); how many. */
static size_t
routable_nameservers (const char *file, char **out, size_t max)
{
  FILE *f = fopen (file, "re");
  char line[512];
  size_t n = 0;

  if (f == NULL)
    return 0;
  while (n < max && fgets (line, sizeof line, f) != NULL)
    {
      char addr[INET6_ADDRSTRLEN + 1];
      unsigned char bin[sizeof (struct in6_addr)];
      if (sscanf (line, " nameserver %46s", addr) != 1)
        continue;
      if (inet_pton (AF_INET, addr, bin) == 1)
        {
          if (bin[0] == 127)
            continue;
        }
      else if (inet_pton (AF_INET6, addr, bin) != 1
               || memcmp (bin, &in6addr_loopback, sizeof in6addr_loopback) == 0)
        continue;
      out[n++] = xstrdup (addr);
    }
  fclose (f);
  return n;
}

/* The sandbox's resolv.conf: pasta's forwarder, which passes queries on to
 * the first nameserver of the host's /etc/resolv.conf.  This pasta leaves
 * out loopback nameservers, such as the stub of systemd-resolved at
 * 127.0.0.53, and forwards nowhere then: the sandbox asks the servers the
 * stub uses itself instead, through pasta like any other traffic. */
static char *
resolv_conf (void)
{
  char *servers[3];
  size_t n = 0;
  if (routable_nameservers ("/etc/resolv.conf", servers, 1) > 0)
    free (servers[0]);
  else
    n = routable_nameservers ("/run/systemd/resolve/resolv.conf", servers, N_ELEMENTS (servers));
  if (n == 0)
    {
      dns_server = PASTA_DNS;
      return xstrdup ("nameserver " PASTA_DNS "\n");
    }
  dns_server = servers[0];
  char *content = xstrdup ("");
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf ("%snameserver %s\n", content, servers[i]);
      free (content);
      content = next;
    }
  return content;
}

/* A read-only file at `dest` holding the sandbox's resolv.conf. */
static void
add_resolv_conf_op (struct sandbox *sb, const char *dest, const char *content)
{
  int fd = memfd_create ("hutch-resolv.conf", MFD_CLOEXEC);
  if (fd < 0)
    die_with_error ("--net pasta: Can't create the data of /etc/resolv.conf");
  int r = write_all (fd, content, strlen (content));
  if (r < 0 || lseek (fd, 0, SEEK_SET) < 0)
    {
      errno = r < 0 ? -r : errno;
      die_with_error ("--net pasta: Can't write the data of /etc/resolv.conf");
    }
  sb->ops = xgrow (sb->ops, &sb->ops_cap, sb->n_ops, sizeof *sb->ops);
  sb->ops[sb->n_ops++] = (struct setup_op){
    .type = OP_RO_BIND_DATA,
    .flags = OPF_PERMS_SET,
    .dest = dest,
    .fd = fd,
    .perms = 0644,
  };
}

void
pasta_check (struct sandbox *sb)
{
  if (!sb->net_pasta)
    {
      if (sb->net_host_loopback)
        die ("--net-host-loopback requires --net pasta");
      if (sb->n_publish > 0)
        die ("--publish requires --net pasta");
      return;
    }

  pasta_path = find_in_path ("pasta");
  if (pasta_path == NULL)
    die (PASTA_MISSING);

  char *content = resolv_conf ();
  /* After every op of the caller's, so that it lands on the sandbox's own
   * /etc.  A host whose /etc/resolv.conf is a symlink (systemd-resolved:
   * into /run) shows a dangling link in a sandbox with a fresh tmpfs there:
   * the file is then made at the link's target too. */
  struct stat st;
  if (lstat ("/etc/resolv.conf", &st) == 0 && S_ISLNK (st.st_mode))
    {
      char *target = realpath ("/etc/resolv.conf", NULL);
      bool on_tmpfs = false;
      for (size_t i = 0; target != NULL && i < sb->n_ops; i++)
        if (sb->ops[i].type == OP_TMPFS && path_is_below (sb->ops[i].dest, target))
          on_tmpfs = true;
      if (on_tmpfs && strcmp (target, "/etc/resolv.conf") != 0)
        add_resolv_conf_op (sb, target, content); /* target lives until exit */
      else
        free (target);
    }
  add_resolv_conf_op (sb, "/etc/resolv.conf", content);
  free (content);
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                            */

/* pasta's fds: 0 and 1 /dev/null, 2 its error output, then these. */
#define PASTA_FD_USERNS 3
#define PASTA_FD_NETNS 4
#define PASTA_FD_READY 5

#define FD_PATH(n) "/proc/self/fd/" #n
#define FD_PATH_OF(n) FD_PATH (n)

struct argv_builder
{
  char **v;
  size_t n, cap;
};

static void
arg (struct argv_builder *a, const char *word)
{
  a->v = xgrow (a->v, &a->cap, a->n + 1, sizeof *a->v);
  a->v[a->n++] = (char *)word;
  a->v[a->n] = NULL;
}

static char **
pasta_argv (const struct sandbox *sb, bool join_userns)
{
  struct argv_builder a = { 0 };
  bool tcp = false, udp = false;

  arg (&a, "pasta");
  arg (&a, "--config-net");
  arg (&a, "--foreground");
  arg (&a, "--quiet");
  /* Started as root, pasta would switch to "nobody", which may not enter
   * the sandbox's namespaces; in them it has no more rights than the
   * sandbox itself. */
  if (getuid () == 0)
    {
      arg (&a, "--runas");
      arg (&a, "0");
    }
  arg (&a, "--address");
  arg (&a, PASTA_ADDRESS);
  arg (&a, "--netmask");
  arg (&a, xasprintf ("%d", PASTA_PREFIX_LENGTH));
  arg (&a, "--gateway");
  arg (&a, PASTA_GATEWAY);
  arg (&a, "--dns-forward");
  arg (&a, PASTA_DNS);
  if (!sb->net_host_loopback)
    arg (&a, "--no-map-gw");
  for (size_t i = 0; i < sb->n_publish; i++)
    {
      const struct net_publish *p = &sb->publish[i];
      arg (&a, p->udp ? "--udp-ports" : "--tcp-ports");
      arg (&a,
           xasprintf ("%s/%u:%u", p->host_addr, (unsigned)p->host_port, (unsigned)p->sandbox_port));
      if (p->udp)
        udp = true;
      else
        tcp = true;
    }
  /* Nothing forwarded but what was published: pasta's default is to
   * forward every port bound on either side. */
  if (!tcp)
    {
      arg (&a, "--tcp-ports");
      arg (&a, "none");
    }
  if (!udp)
    {
      arg (&a, "--udp-ports");
      arg (&a, "none");
    }
  arg (&a, "--tcp-ns");
  arg (&a, "none");
  arg (&a, "--udp-ns");
  arg (&a, "none");
  arg (&a, "--pid");
  arg (&a, FD_PATH_OF (PASTA_FD_READY));
  if (join_userns)
    {
      arg (&a, "--userns");
      arg (&a, FD_PATH_OF (PASTA_FD_USERNS));
    }
  arg (&a, "--netns");
  arg (&a, FD_PATH_OF (PASTA_FD_NETNS));
  if (!join_userns)
    arg (&a, "--netns-only");
  /* The namespace is no bound file whose removal pasta could watch. */
  arg (&a, "--no-netns-quit");
  return a.v;
}

/* In the forked child: become pasta.  Never returns. */
NORETURN static void
exec_pasta (char **argv, pid_t parent, int userns, int netns, int ready_w, int err_w)
{
  sigset_t none;
  sigemptyset (&none);
  if (sigprocmask (SIG_SETMASK, &none, NULL) < 0)
    {
      dprintf (err_w, "can't unblock the signals of pasta: %s\n", strerror (errno));
      _exit (127);
    }
  /* A signal hutch's caller ignores (SIGPIPE, often) stays ignored across
   * exec, and pasta then refuses to start ("Couldn't install signal
   * handlers"): pasta gets the default dispositions. */
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      (void)signal (sig, SIG_DFL); /* (EINVAL for the numbers no signal has) */
  /* pasta must not outlive hutch, however hutch ends. */
  if (parent_death_signal_set (parent) < 0)
    _exit (1);
  /* Out of the terminal's reach: a ^C for the command is not for pasta. */
  (void)setsid ();

  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    {
      dprintf (err_w, "can't open /dev/null for pasta: %s\n", strerror (errno));
      _exit (127);
    }
  int src[6] = { devnull, devnull, err_w, userns, netns, ready_w };
  if (install_fds (src, 6) < 0)
    {
      dprintf (err_w, "can't set up the descriptors of pasta: %s\n", strerror (errno));
      _exit (127);
    }

  execv (pasta_path, argv);
  dprintf (STDERR_FILENO, "can't execute %s: %s\n", pasta_path, strerror (errno));
  _exit (127);
}

static int
open_ns (const struct run *run, pid_t pid, const char *name)
{
  char path[64];
  snprintf (path, sizeof path, "%d/ns/%s", (int)pid, name);
  return openat (run->proc_fd, path, O_RDONLY | O_CLOEXEC);
}

static bool
same_ns (int a, int b)
{
  struct stat x, y;
  return fstat (a, &x) == 0 && fstat (b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static int64_t
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* pasta's messages that say nothing about the failure. */
static bool
noise (const char *line)
{
  return line[0] == '\0' || strncmp (line, "Failed to send ", 15) == 0
         || strncmp (line, "Don't run as root", 17) == 0;
}

/* The lines of pasta's output that tell something, joined with "; " on
 * one line; NULL if there is none. */
static char *
pasta_message (char *buf)
{
  char *msg = NULL;
  for (char *line = strtok (buf, "\n"); line != NULL; line = strtok (NULL, "\n"))
    if (!noise (line))
      {
        char *next = msg ? xasprintf ("%s; %s", msg, line) : xstrdup (line);
        free (msg);
        msg = next;
      }
  return msg;
}

/* pasta says nothing when it can't bind a published port: try first, so
 * that a port in use is an error here. */
static int
probe_published_port (const struct net_publish *p)
{
  union
  {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
  } addr = { 0 };
  socklen_t len;
  int one = 1, r = 0;

  if (p->host_ipv6)
    {
      addr.in6.sin6_family = AF_INET6;
      addr.in6.sin6_port = htons (p->host_port);
      inet_pton (AF_INET6, p->host_addr, &addr.in6.sin6_addr);
      len = sizeof addr.in6;
    }
  else
    {
      addr.in4.sin_family = AF_INET;
      addr.in4.sin_port = htons (p->host_port);
      inet_pton (AF_INET, p->host_addr, &addr.in4.sin_addr);
      len = sizeof addr.in4;
    }
  int fd = socket (addr.sa.sa_family, (p->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  /* TCP: only a listener (or a bound socket) is in the way, not TIME_WAIT. */
  if (!p->udp)
    (void)setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, &addr.sa, len) < 0)
    r = -errno;
  close (fd);
  return r;
}

/* Stop pasta and the child, then die with one line. */
NORETURN PRINTF (2, 3) static void fail (pid_t child, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  pasta_stop ();
  /* The child is still waiting for the go-ahead: it has done nothing. */
  (void)kill (child, SIGKILL);
  (void)TEMP_FAILURE_RETRY_INT (waitpid (child, NULL, 0));
  die ("%s", msg);
}

/* Before pasta starts: every --publish port of the host is free. */
static void
check_published_ports (const struct sandbox *sb, pid_t child)
{
  for (size_t i = 0; i < sb->n_publish; i++)
    {
      const struct net_publish *p = &sb->publish[i];
      int r = probe_published_port (p);
      if (r < 0)
        fail (child, "--publish: can't use the host's port %s%s%s:%u/%s: %s",
              p->host_ipv6 ? "[" : "", p->host_addr, p->host_ipv6 ? "]" : "",
              (unsigned)p->host_port, p->udp ? "udp" : "tcp", strerror (-r));
    }
}

/* pasta ended before it said it was ready: read the rest of what it said
 * on err_fd (into errbuf, err_len bytes so far), reap it and fail with its
 * words. */
NORETURN static void
fail_with_pastas_words (pid_t child, int err_fd, char *errbuf, size_t err_len)
{
  /* Its error output ends when it exits. */
  int status = 0;
  ssize_t r;
  while (err_len < PASTA_ERR_MAX
         && (r = TEMP_FAILURE_RETRY_INT (read (err_fd, errbuf + err_len, PASTA_ERR_MAX - err_len)))
                > 0)
    err_len += (size_t)r;
  close (err_fd);
  if (TEMP_FAILURE_RETRY_INT (waitpid (pasta_pid, &status, 0)) == pasta_pid)
    pasta_pid = -1;
  errbuf[err_len] = '\0';
  char *said = pasta_message (errbuf);
  const char *why = said;
  bool tun_denied = access ("/dev/net/tun", R_OK | W_OK) < 0;
  int tun_errno = errno;
  if (why == NULL)
    why = WIFEXITED (status)     ? "it exited before configuring the network"
          : WIFSIGNALED (status) ? strsignal (WTERMSIG (status))
                                 : "it stopped";
  fail (child, "--net pasta: pasta failed: %s%s%s%s", why, tun_denied ? " (/dev/net/tun: " : "",
        tun_denied ? strerror (tun_errno) : "", tun_denied ? ")" : "");
}

void
pasta_start (const struct sandbox *sb, const struct run *run, pid_t child)
{
  int ready[2], err[2];
  char errbuf[PASTA_ERR_MAX + 1], readybuf[32];
  size_t err_len = 0, ready_len = 0;

  if (!sb->net_pasta)
    return;

  int netns = open_ns (run, child, "net");
  int userns = open_ns (run, child, "user");
  int own_userns = openat (run->proc_fd, "self/ns/user", O_RDONLY | O_CLOEXEC);
  if (netns < 0 || userns < 0 || own_userns < 0)
    fail (child, "--net pasta: Can't open the namespaces of process %d: %s", (int)child,
          strerror (errno));
  /* Without a user namespace of its own (root), the child's is hutch's. */
  bool join_userns = !same_ns (userns, own_userns);
  close (own_userns);
  if (!join_userns)
    {
      close (userns);
      userns = -1;
    }

  check_published_ports (sb, child);

  char **argv = pasta_argv (sb, join_userns);
  if (pipe2 (ready, O_CLOEXEC) < 0 || pipe2 (err, O_CLOEXEC) < 0)
    fail (child, "--net pasta: Can't create pipe: %s", strerror (errno));

  pid_t parent = getpid ();
  pasta_pid = fork ();
  if (pasta_pid < 0)
    fail (child, "--net pasta: Can't fork: %s", strerror (errno));
  if (pasta_pid == 0)
    exec_pasta (argv, parent, userns, netns, ready[1], err[1]);

  close (ready[1]);
  close (err[1]);
  close (netns);
  if (userns >= 0)
    close (userns);
  free (argv);

  /* Ready once the PID line is there; failed at EOF before it. */
  struct pollfd fds[2]
      = { { .fd = ready[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN } };
  int64_t deadline = now_ms () + PASTA_START_TIMEOUT_MS;
  bool ready_eof = false;
  while (!ready_eof && memchr (readybuf, '\n', ready_len) == NULL)
    {
      int64_t left = deadline - now_ms ();
      if (left <= 0)
        fail (child, "--net pasta: pasta did not configure the network within %d seconds",
              PASTA_START_TIMEOUT_MS / 1000);
      int n = poll (fds, 2, (int)left);
      if (n < 0 && errno != EINTR)
        fail (child, "--net pasta: poll: %s", strerror (errno));
      if (n <= 0)
        continue;
      if (fds[0].revents)
        {
          ssize_t r = read (ready[0], readybuf + ready_len, sizeof readybuf - 1 - ready_len);
          /* (An error is not pasta's end: it may be running, and its
           * stderr would never reach EOF below.) */
          if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (r < 0)
            fail (child, "--net pasta: Can't read from pasta: %s", strerror (errno));
          if (r == 0)
            ready_eof = true;
          else
            ready_len += (size_t)r;
          if (ready_len == sizeof readybuf - 1)
            ready_eof = true; /* not a PID line */
        }
      if (fds[1].revents)
        {
          ssize_t r = read (err[0], errbuf + err_len, PASTA_ERR_MAX - err_len);
          if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (r <= 0 || (err_len += (size_t)r) == PASTA_ERR_MAX)
            fds[1].fd = -1;
        }
    }
  close (ready[0]);

  if (ready_eof)
    fail_with_pastas_words (child, err[0], errbuf, err_len);

  /* Running.  What it says from now on is dropped (pasta ignores SIGPIPE);
   * what it said so far are notes such as "No external routable interface
   * for IPv6" on a host without IPv6. */
  close (err[0]);
}

void
pasta_stop (void)
{
  if (pasta_pid <= 0)
    return;
  /* Waited for only once it is sure to end: should the kill fail, pasta
   * still dies with hutch (its PR_SET_PDEATHSIG), and hutch must not hang
   * waiting for it. */
  if (kill (pasta_pid, SIGKILL) == 0)
    (void)TEMP_FAILURE_RETRY_INT (waitpid (pasta_pid, NULL, 0));
  pasta_pid = -1;
}

/* ------------------------------------------------------------------------ */
/* Reports                                                                   */

void
pasta_status_fields (const struct sandbox *sb, struct json *j)
{
  if (!sb->net_pasta)
    return;

  json_member_string (j, "network", "pasta");
  json_member_string (j, "address", PASTA_ADDRESS);
  json_member_int (j, "prefix-length", PASTA_PREFIX_LENGTH);
  json_member_string (j, "gateway", PASTA_GATEWAY);
  json_member_string (j, "dns", dns_server ? dns_server : PASTA_DNS);
  json_member_bool (j, "host-loopback", sb->net_host_loopback);
  json_key (j, "published");
  json_array_begin (j, JSON_SPACED);
  for (size_t i = 0; i < sb->n_publish; i++)
    {
      const struct net_publish *p = &sb->publish[i];
      json_object_begin (j, JSON_SPACED);
      json_member_string (j, "protocol", p->udp ? "udp" : "tcp");
      json_member_string (j, "host-address", p->host_addr);
      json_member_uint (j, "host-port", p->host_port);
      json_member_uint (j, "sandbox-port", p->sandbox_port);
      json_object_end (j);
    }
  json_array_end (j);
}
