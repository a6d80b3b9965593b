/* hutch — a filtered D-Bus through xdg-dbus-proxy.
 *
 * --dbus-talk NAME and its siblings give the sandbox a session bus (and
 * with --dbus-system-* a system bus) on which it sees, talks to and owns
 * only the names the rules allow.  xdg-dbus-proxy (Debian's package of
 * that name, the proxy Flatpak uses) does the filtering: hutch starts it
 * as the caller, outside the sandbox, on the caller's bus, with --filter
 * and the rules, and binds only the proxy's socket into the sandbox, at
 * $XDG_RUNTIME_DIR/bus (/run/dbus/system_bus_socket for the system bus),
 * where DBUS_SESSION_BUS_ADDRESS (DBUS_SYSTEM_BUS_ADDRESS) then points.
 *
 * The real socket never shows: where a bind of the caller's would show it
 * (--bind / /, or a bind of the directory that holds it), the proxy's
 * socket is bound over it too, after every op of the caller's.  An
 * abstract socket (unix:abstract=..., what dbus-launch gives) is no file
 * that a bind could cover: any process in the host's network namespace
 * reaches it, so a bus at such an address needs a network namespace of the
 * sandbox's own (--unshare-net, --unshare-all, --net pasta), and hutch
 * refuses it otherwise.
 *
 * Life of the proxy: started before clone (so that its socket exists when
 * the child mounts it), in a new 0700 directory of the caller's in
 * $XDG_RUNTIME_DIR (else /tmp).  It writes a byte on its --fd when it
 * listens, and exits when that fd's other end, held by hutch, closes; it
 * also gets PR_SET_PDEATHSIG, so it dies with hutch however hutch ends.
 * Once the child has mounted the sockets it removes their names and the
 * directory (the mounts keep the sockets); the monitor kills and reaps
 * the proxy when the command is done.  In the setuid mode the proxy's
 * process drops every privilege for good before it runs it.
 */
#include "config.h"

#include "dbus-proxy.h"

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privilege.h"
#include "utils.h"

/* How long xdg-dbus-proxy may take to listen (it takes milliseconds). */
#define PROXY_START_TIMEOUT_MS 15000
/* Its error output kept for the message when it fails. */
#define PROXY_ERR_MAX 2048
/* The proxy's fd that it writes to once it listens. */
#define PROXY_SYNC_FD 3

#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"

struct bus
{
  const char *name;        /* "session", "system" */
  const char *env_name;    /* the variable with its address */
  const char *socket_name; /* the proxy's socket in the private directory */
  bool used;               /* some rule names it */
  const char *option;      /* the first rule's option, for messages */
  char *address;           /* the caller's bus */
  char *real_path;         /* the real socket (unix:path=), resolved; NULL if none */
  char *env_value;         /* the address inside: unix:path=INSIDE[0] */
  char **inside;           /* where the proxy's socket is bound in the sandbox */
  size_t n_inside, inside_cap;
  char *proxy_socket; /* DIR/socket_name once the directory exists */
};

static struct bus buses[2] = {
  { .name = "session", .env_name = "DBUS_SESSION_BUS_ADDRESS", .socket_name = "bus" },
  { .name = "system", .env_name = "DBUS_SYSTEM_BUS_ADDRESS", .socket_name = "system_bus_socket" },
};

static char *proxy_path; /* found in PATH by dbus_proxy_check() */
static char *socket_dir; /* the private directory, once made */
static const char *socket_dir_name;
static int parent_fd = -1, dir_fd = -1; /* O_PATH: its parent and itself */
static int sync_fd = -1;                /* the proxy lives while this is open */
static pid_t proxy_pid = -1;

static const struct
{
  const char *word;
  enum dbus_policy policy;
  bool has_rule; /* NAME=RULE */
} policies[] = {
  { "see", DBUS_SEE, false },  { "talk", DBUS_TALK, false },          { "own", DBUS_OWN, false },
  { "call", DBUS_CALL, true }, { "broadcast", DBUS_BROADCAST, true },
};

/* ------------------------------------------------------------------------ */
/* Parse                                                                     */

/* Dot-separated elements of letters, digits, _ (and - when dash), none
 * empty or starting with a digit, at least two, 255 bytes at most. */
static bool
dotted_name_ok (const char *s, size_t len, bool dash)
{
  size_t elements = 1, element_len = 0;
  if (len == 0 || len > 255)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char)s[i];
      if (c == '.')
        {
          if (element_len == 0)
            return false;
          elements++;
          element_len = 0;
          continue;
        }
      if (!(isascii (c) && (isalnum (c) || c == '_' || (dash && c == '-'))))
        return false;
      if (element_len == 0 && isdigit (c))
        return false;
      element_len++;
    }
  return element_len > 0 && elements >= 2;
}

/* A well-known bus name, or a prefix of them: NAME.* */
static bool
bus_name_ok (const char *s, size_t len)
{
  if (len > 2 && s[len - 2] == '.' && s[len - 1] == '*')
    len -= 2;
  return dotted_name_ok (s, len, true);
}

/* An object path, "/" or /A/B, optionally ending in "/" "*" (the subtree). */
static bool
object_path_ok (const char *s)
{
  size_t len = strlen (s);
  if (len >= 2 && strcmp (s + len - 2, "/*") == 0)
    len -= 2;
  if (s[0] != '/')
    return false;
  if (len <= 1)
    return true;
  for (size_t i = 1, element_len = 0; i < len; i++)
    {
      unsigned char c = (unsigned char)s[i];
      if (c == '/')
        {
          if (element_len == 0)
            return false;
          element_len = 0;
        }
      else if (isascii (c) && (isalnum (c) || c == '_'))
        element_len++;
      else
        return false;
    }
  return s[len - 1] != '/';
}

/* [METHOD][@PATH]: METHOD is *, INTERFACE.* or INTERFACE.MEMBER. */
static bool
call_rule_ok (const char *rule)
{
  const char *at = strchr (rule, '@');
  size_t method_len = at ? (size_t)(at - rule) : strlen (rule);
  if (at == NULL && method_len == 0)
    return false;
  if (at != NULL && !object_path_ok (at + 1))
    return false;
  if (method_len == 0 || (method_len == 1 && rule[0] == '*'))
    return true;
  if (method_len > 2 && rule[method_len - 2] == '.' && rule[method_len - 1] == '*')
    method_len -= 2;
  return dotted_name_ok (rule, method_len, false);
}

void
dbus_proxy_parse_rule (struct sandbox *sb, const char *option, const char *value)
{
  const char *what = option + strlen ("--dbus-");
  bool system_bus = strncmp (what, "system-", 7) == 0;
  if (system_bus)
    what += 7;

  size_t p = 0;
  while (p < N_ELEMENTS (policies) && strcmp (policies[p].word, what) != 0)
    p++;
  if (p == N_ELEMENTS (policies))
    die ("%s: unknown D-Bus option", option); /* a row of the table without a policy */

  const char *eq = policies[p].has_rule ? strchr (value, '=') : NULL;
  size_t name_len = eq ? (size_t)(eq - value) : strlen (value);
  if (policies[p].has_rule && eq == NULL)
    die ("%s \"%s\": expected NAME=RULE, e.g. org.example.App=org.example.App.Get@/org/example",
         option, value);
  if (name_len > 0 && value[0] == ':')
    die ("%s \"%s\": a unique name (:1.42) changes with every connection; give a well-known "
         "name",
         option, value);
  if (!bus_name_ok (value, name_len))
    die ("%s \"%.*s\": not a valid D-Bus name (dot-separated elements of letters, digits, _ "
         "and -, at least two, none starting with a digit; may end in .*)",
         option, (int)name_len, value);
  if (eq != NULL && !call_rule_ok (eq + 1))
    die ("%s \"%s\": not a valid rule \"%s\" (expected [METHOD][@PATH]: METHOD is *, "
         "INTERFACE.* or INTERFACE.METHOD; PATH an object path, /* for a subtree)",
         option, value, eq + 1);

  sb->dbus_rules
      = xgrow (sb->dbus_rules, &sb->dbus_rules_cap, sb->n_dbus_rules, sizeof *sb->dbus_rules);
  sb->dbus_rules[sb->n_dbus_rules++] = (struct dbus_rule){
    .system_bus = system_bus,
    .policy = policies[p].policy,
    .value = xstrdup (value),
    .option = option,
  };
}

/* ------------------------------------------------------------------------ */
/* Addresses                                                                 */

/* One D-Bus address value, %XX unescaped. */
static char *
unescape (const char *s, size_t len)
{
  char *out = xmalloc (len + 1), *o = out;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] == '%' && i + 2 < len && isxdigit ((unsigned char)s[i + 1])
          && isxdigit ((unsigned char)s[i + 2]))
        {
          char hex[3] = { s[i + 1], s[i + 2], '\0' };
          *o++ = (char)strtoul (hex, NULL, 16);
          i += 2;
        }
      else
        *o++ = s[i];
    }
  *o = '\0';
  return out;
}

/* A path as a D-Bus address value: the bytes outside [-0-9A-Za-z_/.\*]
 * as %XX. */
static char *
escape (const char *s)
{
  char *out = xmalloc (strlen (s) * 3 + 1), *o = out;
  for (; *s; s++)
    {
      unsigned char c = (unsigned char)*s;
      if (isascii (c) && (isalnum (c) || strchr ("-_/.\\*", c) != NULL))
        *o++ = (char)c;
      else
        o += sprintf (o, "%%%02x", c);
    }
  *o = '\0';
  return out;
}

/* The value of `key` in the entry [entry, entry+len) ("unix:k=v,k=v"),
 * unescaped; NULL if absent or not a unix: entry. */
static char *
unix_value (const char *entry, size_t len, const char *key)
{
  if (len < 5 || strncmp (entry, "unix:", 5) != 0)
    return NULL;
  size_t key_len = strlen (key);
  for (const char *p = entry + 5; p < entry + len;)
    {
      size_t n = strcspn (p, ",;");
      if (p + n > entry + len)
        n = (size_t)(entry + len - p);
      if (n > key_len && strncmp (p, key, key_len) == 0 && p[key_len] == '=')
        return unescape (p + key_len + 1, n - key_len - 1);
      p += n + 1;
    }
  return NULL;
}

/* Can a client connect to the socket at path (abstract: in the abstract
 * namespace)?  0 or -errno.  (A connection that is dropped at once is
 * nothing a bus minds.) */
static int
probe_socket (const char *path, bool abstract)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  size_t n = strlen (path);
  if (n + 1 > sizeof addr.sun_path)
    return -ENAMETOOLONG;
  memcpy (addr.sun_path + (abstract ? 1 : 0), path, abstract ? n : n + 1);
  socklen_t len = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + n + 1);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return -errno;
  int r = connect (fd, (struct sockaddr *)&addr, len) < 0 ? -errno : 0;
  close (fd);
  return r == -EAGAIN || r == -EINPROGRESS ? 0 : r;
}

/* ------------------------------------------------------------------------ */
/* Check                                                                     */

/* Does the sandbox get a network namespace other than hutch's own? */
static bool
own_network (const struct sandbox *sb)
{
  if (sb->unshare_net)
    return true;
  if (sb->netns_fd < 0)
    return false;
  struct stat a, b;
  return fstat (sb->netns_fd, &a) == 0 && stat ("/proc/self/ns/net", &b) == 0
         && (a.st_dev != b.st_dev || a.st_ino != b.st_ino);
}

static const char *
runtime_dir (void)
{
  const char *runtime = getenv ("XDG_RUNTIME_DIR");
  return runtime != NULL && runtime[0] == '/' ? runtime : NULL;
}

static void
add_inside (struct bus *b, char *path)
{
  for (size_t i = 0; i < b->n_inside; i++)
    if (strcmp (b->inside[i], path) == 0)
      {
        free (path);
        return;
      }
  b->inside = xgrow (b->inside, &b->inside_cap, b->n_inside, sizeof *b->inside);
  b->inside[b->n_inside++] = path;
}

/* The source of a bind op of the caller's, resolved; NULL if none. */
static char *
bind_source (const struct setup_op *op)
{
  char link[64];
  if (op->type == OP_BIND || op->type == OP_RO_BIND || op->type == OP_DEV_BIND)
    return realpath (op->src, NULL);
  if (op->type != OP_BIND_FD && op->type != OP_RO_BIND_FD)
    return NULL;
  snprintf (link, sizeof link, "/proc/self/fd/%d", op->fd);
  return realpath (link, NULL);
}

/* Where a bind of the caller's shows the real socket, the proxy's socket
 * goes over it. */
static void
cover_real_socket (const struct sandbox *sb, struct bus *b)
{
  if (b->real_path == NULL)
    return;
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      char *src = bind_source (&sb->ops[i]);
      size_t n = src ? strlen (src) : 0;
      if (src != NULL && strcmp (src, "/") == 0)
        n = 0;
      if (src != NULL && strncmp (src, b->real_path, n) == 0
          && (b->real_path[n] == '/' || b->real_path[n] == '\0'))
        {
          const char *dest = sb->ops[i].dest;
          while (*dest == '/')
            dest++;
          size_t dlen = strlen (dest);
          while (dlen > 0 && dest[dlen - 1] == '/')
            dlen--;
          add_inside (b, xasprintf ("/%.*s%s", (int)dlen, dest,
                                    dlen == 0 && b->real_path[n] == '/' ? b->real_path + n + 1
                                                                        : b->real_path + n));
        }
      free (src);
    }
}

/* The bus's address, from its variable or the default place; NULL when
 * the session bus has neither. */
static char *
bus_address (const struct bus *b)
{
  const char *address = getenv (b->env_name);
  if (address != NULL && address[0] != '\0')
    return xstrdup (address);
  if (b == &buses[1])
    return xstrdup ("unix:path=" SYSTEM_BUS_SOCKET);
  if (runtime_dir () == NULL)
    return NULL;
  char *path = xasprintf ("%s/bus", runtime_dir ());
  char *escaped = escape (path);
  char *r = xasprintf ("unix:path=%s", escaped);
  free (escaped);
  free (path);
  return r;
}

/* The first unix: entry of the address with a socket to connect to:
 * 0 if it takes a connection (or there is none), else -errno; in *where
 * the socket ("@NAME" when abstract), to be freed. */
static int
probe_address (const char *address, char **where)
{
  *where = NULL;
  for (const char *e = address; *e != '\0';)
    {
      size_t len = strcspn (e, ";");
      char *abstract = unix_value (e, len, "abstract");
      char *path = abstract ? NULL : unix_value (e, len, "path");
      if (abstract != NULL || path != NULL)
        {
          int r = probe_socket (abstract ? abstract : path, abstract != NULL);
          *where = abstract ? xasprintf ("@%s", abstract) : path;
          free (abstract);
          return r;
        }
      e += len;
      if (*e == ';')
        e++;
    }
  return 0;
}

/* Every unix: entry of the address: no abstract one with the host's
 * network; the first one reachable (one line if not); the real socket. */
static void
check_address (const struct sandbox *sb, struct bus *b)
{
  for (const char *e = b->address; *e != '\0';)
    {
      size_t len = strcspn (e, ";");
      char *abstract = unix_value (e, len, "abstract");
      char *path = unix_value (e, len, "path");
      if (abstract != NULL && !own_network (sb))
        die ("%s: the %s bus is an abstract socket (%.*s), which every process in the host's "
             "network namespace reaches: add --unshare-net or --net pasta",
             b->option, b->name, (int)len, e);
      if (path != NULL && b->real_path == NULL)
        b->real_path = realpath (path, NULL);
      free (abstract);
      free (path);
      e += len;
      if (*e == ';')
        e++;
    }
  char *where;
  int r = probe_address (b->address, &where);
  if (r < 0)
    die ("%s: can't reach the %s bus at %s: %s (is it running? %s)", b->option, b->name, where,
         strerror (-r), getenv (b->env_name) ? b->env_name : "the default address");
  free (where);
}

void
dbus_proxy_check (struct sandbox *sb)
{
  if (sb->n_dbus_rules == 0)
    {
      if (sb->dbus_log)
        die ("--dbus-log requires a --dbus-talk, --dbus-own, --dbus-see, --dbus-call or "
             "--dbus-broadcast option (or a --dbus-system-* one)");
      return;
    }
  for (size_t i = 0; i < sb->n_dbus_rules; i++)
    {
      struct bus *b = &buses[sb->dbus_rules[i].system_bus];
      if (!b->used)
        b->option = sb->dbus_rules[i].option;
      b->used = true;
    }

  proxy_path = find_in_path ("xdg-dbus-proxy");
  if (proxy_path == NULL)
    die ("%s: xdg-dbus-proxy not found in PATH; install the \"xdg-dbus-proxy\" package",
         sb->dbus_rules[0].option);

  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    {
      struct bus *b = &buses[i];
      if (!b->used)
        continue;
      bool session = i == 0;
      b->address = bus_address (b);
      if (b->address == NULL)
        die ("%s: no session bus to filter: neither DBUS_SESSION_BUS_ADDRESS nor "
             "XDG_RUNTIME_DIR is set",
             b->option);
      check_address (sb, b);
      if (session)
        add_inside (b, runtime_dir () ? xasprintf ("%s/bus", runtime_dir ())
                                      : xasprintf ("/run/user/%u/bus", (unsigned)getuid ()));
      else
        add_inside (b, xstrdup (SYSTEM_BUS_SOCKET));
      char *escaped = escape (b->inside[0]);
      b->env_value = xasprintf ("unix:path=%s", escaped);
      free (escaped);
      cover_real_socket (sb, b);
      /* Last: over any --setenv or --clearenv of the caller's. */
      sb->env_ops = xgrow (sb->env_ops, &sb->env_ops_cap, sb->n_env_ops, sizeof *sb->env_ops);
      sb->env_ops[sb->n_env_ops++]
          = (struct env_op){ .type = ENV_SET, .name = b->env_name, .value = b->env_value };
    }
}

bool
dbus_proxy_session_bus_present (void)
{
  char *address = bus_address (&buses[0]), *where = NULL;
  bool there = address != NULL && probe_address (address, &where) == 0;
  free (where);
  free (address);
  return there;
}

/* ------------------------------------------------------------------------ */
/* The proxy's command line                                                  */

struct words
{
  char **v;
  size_t n, cap;
};

static void
word (struct words *w, char *s)
{
  w->v = xgrow (w->v, &w->cap, w->n + 1, sizeof *w->v);
  w->v[w->n++] = s;
  w->v[w->n] = NULL;
}

/* xdg-dbus-proxy --fd=3 ADDRESS SOCKET --filter RULES... (per bus);
 * dir: where the sockets are (or a placeholder for --dry-run). */
static char **
proxy_argv (const struct sandbox *sb, const char *dir)
{
  struct words w = { 0 };
  word (&w, xstrdup ("xdg-dbus-proxy"));
  word (&w, xasprintf ("--fd=%d", PROXY_SYNC_FD));
  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    {
      const struct bus *b = &buses[i];
      if (!b->used)
        continue;
      word (&w, xstrdup (b->address));
      word (&w, xasprintf ("%s/%s", dir, b->socket_name));
      word (&w, xstrdup ("--filter"));
      if (sb->dbus_log)
        word (&w, xstrdup ("--log"));
      for (size_t r = 0; r < sb->n_dbus_rules; r++)
        {
          const struct dbus_rule *rule = &sb->dbus_rules[r];
          if (rule->system_bus != (i == 1))
            continue;
          size_t p = 0;
          while (policies[p].policy != rule->policy)
            p++;
          word (&w, xasprintf ("--%s=%s", policies[p].word, rule->value));
        }
    }
  return w.v;
}

static void
free_argv (char **argv)
{
  for (size_t i = 0; argv[i] != NULL; i++)
    free (argv[i]);
  free (argv);
}

/* ------------------------------------------------------------------------ */
/* Start and stop                                                            */

/* The private directory: in $XDG_RUNTIME_DIR if it is the caller's and
 * short enough for a socket address, else in /tmp. */
static void
make_socket_dir (void)
{
  const char *base = runtime_dir ();
  struct stat st;
  if (base == NULL || strlen (base) > 64 || stat (base, &st) < 0 || !S_ISDIR (st.st_mode)
      || st.st_uid != geteuid ())
    base = "/tmp";
  socket_dir = xasprintf ("%s/hutch-dbus-XXXXXX", base);
  if (mkdtemp (socket_dir) == NULL)
    die_with_error ("Can't create a directory for xdg-dbus-proxy's sockets in %s", base);
  socket_dir_name = strrchr (socket_dir, '/') + 1;
  parent_fd = open (base, O_PATH | O_DIRECTORY | O_CLOEXEC);
  dir_fd = open (socket_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (parent_fd < 0 || dir_fd < 0)
    die_with_error ("Can't open %s", socket_dir);
  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    buses[i].proxy_socket = xasprintf ("%s/%s", socket_dir, buses[i].socket_name);
}

/* The sockets' names and the directory, through the fds (0 when gone). */
static void
remove_socket_dir (void)
{
  if (dir_fd < 0)
    return;
  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    (void)unlinkat (dir_fd, buses[i].socket_name, 0);
  (void)unlinkat (parent_fd, socket_dir_name, AT_REMOVEDIR);
  close (dir_fd);
  close (parent_fd);
  dir_fd = parent_fd = -1;
}

/* In the forked child: become the proxy, as the caller.  Never returns. */
NORETURN static void
exec_proxy (char **argv, pid_t parent, int sync_w, int err_w, bool log)
{
  privilege_drop_all (); /* setuid mode: the caller's ids only, for good */
  sigset_t none;
  sigemptyset (&none);
  (void)sigprocmask (SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      (void)signal (sig, SIG_DFL);
  if (parent_death_signal_set (parent) < 0)
    _exit (1);
  (void)setsid (); /* a ^C for the command is not for the proxy */

  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    _exit (127);
  int src[4] = { devnull, log ? STDERR_FILENO : devnull, log ? STDERR_FILENO : err_w, sync_w };
  if (install_fds (src, 4) < 0)
    _exit (127);
  execv (proxy_path, argv);
  dprintf (STDERR_FILENO, "can't execute %s: %s\n", proxy_path, strerror (errno));
  _exit (127);
}

/* What the proxy said on err_fd, on one line; or how it ended. */
static char *
proxy_words (int err_fd, int status)
{
  char buf[PROXY_ERR_MAX + 1];
  ssize_t n = err_fd >= 0 ? pread (err_fd, buf, PROXY_ERR_MAX, 0) : 0;
  if (n < 0)
    n = 0;
  buf[n] = '\0';
  char *said = NULL;
  for (char *line = strtok (buf, "\n"); line != NULL; line = strtok (NULL, "\n"))
    {
      char *next = said ? xasprintf ("%s; %s", said, line) : xstrdup (line);
      free (said);
      said = next;
    }
  if (said != NULL)
    return said;
  if (WIFEXITED (status))
    return xasprintf ("it exited with status %d before it listened%s", WEXITSTATUS (status),
                      err_fd < 0 ? " (see its output above)" : "");
  if (WIFSIGNALED (status))
    return xasprintf ("it was killed by signal %d (%s)", WTERMSIG (status),
                      strsignal (WTERMSIG (status)));
  return xstrdup ("it stopped");
}

NORETURN PRINTF (1, 2) static void fail (const char *fmt, ...)
{
  char msg[PROXY_ERR_MAX + 256];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  dbus_proxy_stop ();
  die ("%s", msg);
}

/* Wait for the proxy's byte on fd; fail with its words at EOF. */
static void
wait_until_listening (const struct sandbox *sb, int fd, int err_fd)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  const char *option = sb->dbus_rules[0].option;
  int n;
  while ((n = poll (&pfd, 1, PROXY_START_TIMEOUT_MS)) < 0 && errno == EINTR)
    ;
  if (n < 0)
    fail ("%s: poll: %s", option, strerror (errno));
  if (n == 0)
    fail ("%s: xdg-dbus-proxy did not listen within %d seconds", option,
          PROXY_START_TIMEOUT_MS / 1000);
  char c;
  ssize_t r = TEMP_FAILURE_RETRY_INT (read (fd, &c, 1));
  if (r == 1)
    return;
  int status = 0;
  if (TEMP_FAILURE_RETRY_INT (waitpid (proxy_pid, &status, 0)) == proxy_pid)
    proxy_pid = -1;
  char *why = proxy_words (err_fd, status);
  fail ("%s: xdg-dbus-proxy failed: %s", option, why);
}

void
dbus_proxy_start (struct sandbox *sb)
{
  if (sb->n_dbus_rules == 0)
    return;

  make_socket_dir ();
  char **argv = proxy_argv (sb, socket_dir);
  int sync[2];
  if (pipe2 (sync, O_CLOEXEC) < 0)
    fail ("Can't create pipe: %s", strerror (errno));
  int err_fd = -1;
  if (!sb->dbus_log && (err_fd = memfd_create ("hutch-xdg-dbus-proxy", MFD_CLOEXEC)) < 0)
    fail ("Can't create the error file of xdg-dbus-proxy: %s", strerror (errno));

  pid_t parent = getpid ();
  proxy_pid = fork ();
  if (proxy_pid < 0)
    fail ("Can't fork: %s", strerror (errno));
  if (proxy_pid == 0)
    exec_proxy (argv, parent, sync[1], err_fd, sb->dbus_log);
  close (sync[1]);
  free_argv (argv);
  sync_fd = sync[0];
  wait_until_listening (sb, sync_fd, err_fd);
  if (err_fd >= 0)
    close (err_fd);

  /* After every op of the caller's: over whatever they put there. */
  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    for (size_t k = 0; buses[i].used && k < buses[i].n_inside; k++)
      {
        sb->ops = xgrow (sb->ops, &sb->ops_cap, sb->n_ops, sizeof *sb->ops);
        sb->ops[sb->n_ops++] = (struct setup_op){
          .type = OP_RO_BIND,
          .src = buses[i].proxy_socket,
          .dest = buses[i].inside[k],
          .fd = -1,
        };
      }
}

void
dbus_proxy_child_cleanup (void)
{
  remove_socket_dir ();
  if (sync_fd >= 0)
    close (sync_fd);
  sync_fd = -1;
}

void
dbus_proxy_stop (void)
{
  if (proxy_pid > 0 && kill (proxy_pid, SIGKILL) == 0)
    (void)TEMP_FAILURE_RETRY_INT (waitpid (proxy_pid, NULL, 0));
  proxy_pid = -1;
  if (sync_fd >= 0)
    close (sync_fd);
  sync_fd = -1;
  remove_socket_dir ();
}

/* ------------------------------------------------------------------------ */
/* Reports                                                                   */

/* "see": [...], "talk": [...], ... for one bus. */
static void
rule_members (const struct sandbox *sb, struct json *j, bool system_bus, enum json_style style)
{
  for (size_t p = 0; p < N_ELEMENTS (policies); p++)
    {
      json_key (j, policies[p].word);
      json_array_begin (j, style);
      for (size_t r = 0; r < sb->n_dbus_rules; r++)
        if (sb->dbus_rules[r].system_bus == system_bus
            && sb->dbus_rules[r].policy == policies[p].policy)
          json_string (j, sb->dbus_rules[r].value);
      json_array_end (j);
    }
}

static void
bus_object (const struct sandbox *sb, struct json *j, size_t i, enum json_style style)
{
  const struct bus *b = &buses[i];
  json_key (j, i == 0 ? "dbus-session" : "dbus-system");
  json_object_begin (j, style);
  json_member_string (j, "address", b->address);
  json_key (j, "sockets");
  json_array_begin (j, style);
  for (size_t k = 0; k < b->n_inside; k++)
    json_string (j, b->inside[k]);
  json_array_end (j);
  rule_members (sb, j, i == 1, style);
  json_object_end (j);
}

void
dbus_proxy_status_fields (const struct sandbox *sb, struct json *j)
{
  if (sb->n_dbus_rules == 0)
    return;
  json_member_int (j, "dbus-proxy-pid", proxy_pid);
  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    if (buses[i].used)
      bus_object (sb, j, i, JSON_SPACED);
}

#define DRY_RUN_DIR "DIR"

void
dbus_proxy_dry_run_text (const struct sandbox *sb)
{
  if (sb->n_dbus_rules == 0)
    return;
  char **argv = proxy_argv (sb, DRY_RUN_DIR);
  printf ("dbus: filtered by %s, run as the caller outside the sandbox "
          "(%s: a new 0700 directory):\n ",
          proxy_path, DRY_RUN_DIR);
  for (size_t i = 0; argv[i] != NULL; i++)
    printf (" %s", argv[i]);
  printf ("\n");
  free_argv (argv);
  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    {
      const struct bus *b = &buses[i];
      if (!b->used)
        continue;
      printf ("  %s bus: the proxy's socket at", b->name);
      for (size_t k = 0; k < b->n_inside; k++)
        printf ("%s %s", k ? "," : "", b->inside[k]);
      printf ("; %s=%s\n", b->env_name, b->env_value);
    }
}

void
dbus_proxy_dry_run_json (const struct sandbox *sb, struct json *j)
{
  if (sb->n_dbus_rules == 0)
    return;
  json_key (j, "dbus");
  json_object_begin (j, JSON_COMPACT);
  char **argv = proxy_argv (sb, DRY_RUN_DIR);
  json_key (j, "proxy");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; argv[i] != NULL; i++)
    json_string (j, argv[i]);
  json_array_end (j);
  free_argv (argv);
  for (size_t i = 0; i < N_ELEMENTS (buses); i++)
    if (buses[i].used)
      bus_object (sb, j, i, JSON_COMPACT);
  json_object_end (j);
}
