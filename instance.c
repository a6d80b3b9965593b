/* hutch — running sandboxes: the state directory and its entries, --name,
 * --list, --stop, and the monitor's listening socket (see instance.h).
 *
 * Files of the state directory (nothing else there is looked at):
 *   PID.START       the entry: "hutch-instance 1" then key=value lines,
 *                   then "command" and the command's words, NUL-ended;
 *                   its monitor holds a POSIX write lock on it
 *   PID.START.sock  the monitor's SOCK_SEQPACKET socket
 *   name.NAME       locked by the monitor of the sandbox named NAME
 * START is the monitor's start time (field 22 of /proc/PID/stat), so a
 * reused PID never names an entry that is not its own.  POSIX locks
 * belong to the process that took them: the sandbox's processes, forked
 * from the monitor, never hold them, and F_GETLK says who does.
 */
#include "config.h"

#include "instance.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enter.h"
#include "json.h"
#include "privilege.h"
#include "utils.h"

#define NAME_MAX_LEN INSTANCE_NAME_MAX
#define ENTRY_MAX (256 * 1024) /* an entry holds the command line: no more than this is read */
#define MAX_CONNS 16           /* --stop requests a monitor holds open until it exits */

static int state_dir = -1;
static char state_path[PATH_MAX];
static int name_fd = -1;  /* name.NAME, locked */
static int entry_fd = -1; /* PID.START, locked */
static char entry_id[64]; /* "PID.START" */
static const char *own_name;
static int listen_fd = -1, epoll_fd = -1, timer_fd = -1;
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

/* ------------------------------------------------------------------------ */
/* Names, PIDs, processes                                                    */

/* "123" -> 123; false unless all digits and a positive pid_t. */
static bool
parse_pid (const char *s, pid_t *out)
{
  uint32_t v;
  if (parse_uint32 (s, &v) < 0 || v == 0 || v > INT_MAX)
    return false;
  *out = (pid_t)v;
  return true;
}

/* A process's start time (field 22 of /proc/PID/stat) and real uid
 * (/proc/PID/status); false if it is gone or unreadable. */
static bool
proc_identity (pid_t pid, unsigned long long *start, uid_t *uid)
{
  char path[64], buf[1024];
  snprintf (path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  ssize_t n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  char *p = strrchr (buf, ')'); /* the comm may hold anything */
  if (p == NULL
      || sscanf (p + 2,
                 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
                 "%*d %*d %*d %*d %llu",
                 start)
             != 1)
    return false;
  if (uid == NULL)
    return true;
  snprintf (path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen (path, "re");
  if (f == NULL)
    return false;
  bool found = false;
  char line[256];
  while (!found && fgets (line, sizeof line, f) != NULL)
    {
      unsigned u;
      if (sscanf (line, "Uid: %u", &u) == 1)
        {
          *uid = (uid_t)u;
          found = true;
        }
    }
  fclose (f);
  return found;
}

/* ------------------------------------------------------------------------ */
/* The state directory                                                       */

/* parent/name as a directory of this user's alone: owned by the real
 * uid, no access for group or others, not a symlink.  An fd, or -errno
 * (-ENOENT when it does not exist and !create). */
static int
open_private_dir (int parent, const char *name, bool create)
{
  if (create && mkdirat (parent, name, 0700) < 0 && errno != EEXIST)
    return -errno;
  int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  struct stat st;
  if (fstat (fd, &st) < 0 || st.st_uid != getuid () || (st.st_mode & 077) != 0)
    {
      close (fd);
      return -EPERM;
    }
  return fd;
}

/* $XDG_RUNTIME_DIR/hutch if $XDG_RUNTIME_DIR is this user's (the XDG
 * rules: owned by the user, mode 0700), else /run/user/UID/hutch if
 * that is, else /tmp/hutch-UID.  An fd, or -errno (-ENOENT: none yet
 * and !create). */
static int
state_dir_open (bool create)
{
  char base[PATH_MAX];
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  const char *bases[2] = { NULL, NULL };

  snprintf (base, sizeof base, "/run/user/%u", (unsigned)getuid ());
  if (xdg != NULL && xdg[0] == '/' && strlen (xdg) < PATH_MAX - 16)
    bases[0] = xdg;
  bases[1] = base;
  for (size_t i = 0; i < 2; i++)
    {
      if (bases[i] == NULL)
        continue;
      int b = open_private_dir (AT_FDCWD, bases[i], false);
      if (b < 0)
        continue;
      int fd = open_private_dir (b, "hutch", create);
      close (b);
      int w = snprintf (state_path, sizeof state_path, "%.*s/hutch", PATH_MAX - 16, bases[i]);
      (void)w;
      return fd;
    }
  snprintf (state_path, sizeof state_path, "/tmp/hutch-%u", (unsigned)getuid ());
  return open_private_dir (AT_FDCWD, state_path, create);
}

NORETURN static void
die_state_dir (int err)
{
  die_with_errno (err,
                  "Can't use the state directory %s (it must be a directory of yours, mode "
                  "0700; or set XDG_RUNTIME_DIR)",
                  state_path);
}

/* The holder of a POSIX lock on fd: its pid, 0 when the lock is free,
 * -1 when it can't be told. */
static pid_t
lock_holder (int fd)
{
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  if (fcntl (fd, F_GETLK, &fl) < 0)
    return -1;
  return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

/* A write lock (the monitor's, on an fd open for writing), else a read
 * lock: a lister that gets one knows no monitor holds the file. */
static int
take_lock (int fd)
{
  int mode = fcntl (fd, F_GETFL);
  struct flock fl = { .l_type = mode >= 0 && (mode & O_ACCMODE) != O_RDONLY ? F_WRLCK : F_RDLCK,
                      .l_whence = SEEK_SET };
  return fcntl (fd, F_SETLK, &fl);
}

/* dir/name still is the file open as fd. */
static bool
same_file (int dir, const char *name, int fd)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && fstatat (dir, name, &b, AT_SYMLINK_NOFOLLOW) == 0
         && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ------------------------------------------------------------------------ */
/* Entries                                                                   */

struct entry
{
  char id[64];
  pid_t pid, child;
  unsigned long long start;
  long long started; /* time(2) */
  bool pidns;
  char name[NAME_MAX_LEN + 1];
  char ns[128];
  char net[16];
  char **argv; /* into data */
  size_t argc;
  char *data;
};

static void
entry_free (struct entry *e)
{
  free (e->argv);
  free (e->data);
  e->argv = NULL;
  e->data = NULL;
}

static void
copy_field (char *dst, size_t size, const char *v)
{
  size_t n = strnlen (v, size - 1);
  memcpy (dst, v, n);
  dst[n] = '\0';
}

/* Parse the text of an entry; false for anything malformed. */
static bool
entry_parse (struct entry *e, char *data, size_t len)
{
  char *p = data, *end = data + len;
  bool have_pid = false, header = false;

  e->data = data;
  while (p < end)
    {
      char *nl = memchr (p, '\n', (size_t)(end - p));
      if (nl == NULL)
        return false;
      *nl = '\0';
      char *line = p;
      p = nl + 1;
      if (!header)
        {
          if (strcmp (line, "hutch-instance 1") != 0)
            return false;
          header = true;
          continue;
        }
      if (strcmp (line, "command") == 0)
        break;
      char *eq = strchr (line, '=');
      if (eq == NULL)
        return false;
      *eq++ = '\0';
      if (strcmp (line, "pid") == 0)
        have_pid = parse_pid (eq, &e->pid);
      else if (strcmp (line, "child") == 0 && !parse_pid (eq, &e->child))
        return false;
      else if (strcmp (line, "started") == 0)
        e->started = strtoll (eq, NULL, 10);
      else if (strcmp (line, "pidns") == 0)
        e->pidns = strcmp (eq, "1") == 0;
      else if (strcmp (line, "name") == 0)
        {
          if (eq[0] != '\0' && !instance_name_valid (eq))
            return false;
          copy_field (e->name, sizeof e->name, eq);
        }
      else if (strcmp (line, "namespaces") == 0)
        copy_field (e->ns, sizeof e->ns, eq);
      else if (strcmp (line, "net") == 0)
        copy_field (e->net, sizeof e->net, eq);
    }
  if (!have_pid || !header)
    return false;
  /* The words, each NUL-ended, up to the end. */
  e->argv = xcalloc ((size_t)(end - p) + 1, sizeof *e->argv);
  while (p < end)
    {
      char *nul = memchr (p, '\0', (size_t)(end - p));
      if (nul == NULL)
        return false;
      e->argv[e->argc++] = p;
      p = nul + 1;
    }
  return true;
}

/* A file name of the form PID.START. */
static bool
split_id (const char *id, pid_t *pid, unsigned long long *start)
{
  char buf[64];
  const char *dot = strchr (id, '.');
  if (dot == NULL || (size_t)(dot - id) >= sizeof buf || strchr (dot + 1, '.') != NULL)
    return false;
  memcpy (buf, id, (size_t)(dot - id));
  buf[dot - id] = '\0';
  uint32_t hi;
  char *endp;
  if (!parse_pid (buf, pid) || !isdigit ((unsigned char)dot[1]))
    return false;
  errno = 0;
  unsigned long long v = strtoull (dot + 1, &endp, 10);
  if (errno != 0 || *endp != '\0')
    return false;
  (void)hi;
  *start = v;
  return true;
}

static void
remove_entry_files (const char *id)
{
  char sock[80];
  snprintf (sock, sizeof sock, "%s.sock", id);
  (void)unlinkat (state_dir, sock, 0);
  (void)unlinkat (state_dir, id, 0);
}

/* Read the entry `id` if it is of a running sandbox of this user's: its
 * lock held by the monitor it names, which runs with the start time of
 * the file's name and the caller's uid.  A stale entry (lock free) is
 * removed; anything else is left alone and ignored. */
static bool
entry_load (const char *id, struct entry *e)
{
  pid_t pid;
  unsigned long long start, real_start;
  uid_t uid;

  memset (e, 0, sizeof *e);
  if (!split_id (id, &pid, &start))
    return false;
  int fd = openat (state_dir, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return false;
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
    {
      close (fd);
      return false;
    }
  pid_t holder = lock_holder (fd);
  if (holder == 0)
    {
      /* Stale: its monitor is gone (the lock went with it). */
      if (take_lock (fd) == 0 && same_file (state_dir, id, fd))
        remove_entry_files (id);
      close (fd);
      return false;
    }
  char *data;
  size_t len;
  int r = holder == pid ? read_all_max (fd, ENTRY_MAX, &data, &len) : -EPERM;
  close (fd);
  if (r < 0)
    return false;
  if (!entry_parse (e, data, len) || e->pid != pid || !proc_identity (pid, &real_start, &uid)
      || real_start != start || uid != getuid ())
    {
      entry_free (e);
      return false;
    }
  copy_field (e->id, sizeof e->id, id);
  e->start = start;
  return true;
}

/* Call fn for each running sandbox of the user's; stops when fn says so.
 * Stale name.NAME files are removed on the way. */
static void
for_each_entry (bool (*fn) (struct entry *e, void *data), void *data)
{
  int dfd = openat (state_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = dfd >= 0 ? fdopendir (dfd) : NULL;
  struct dirent *de;
  bool go_on = true;

  if (dir == NULL)
    die_with_error ("Can't list the state directory %s", state_path);
  while (go_on && (de = readdir (dir)) != NULL)
    {
      if (strncmp (de->d_name, "name.", 5) == 0)
        {
          int fd = openat (state_dir, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
          if (fd >= 0 && lock_holder (fd) == 0 && take_lock (fd) == 0
              && same_file (state_dir, de->d_name, fd))
            (void)unlinkat (state_dir, de->d_name, 0);
          if (fd >= 0)
            close (fd);
          continue;
        }
      if (!isdigit ((unsigned char)de->d_name[0]) || strstr (de->d_name, ".sock") != NULL)
        continue;
      struct entry e;
      if (!entry_load (de->d_name, &e))
        continue;
      go_on = fn (&e, data);
      entry_free (&e);
    }
  closedir (dir);
}

/* ------------------------------------------------------------------------ */
/* --list                                                                    */

static void
format_duration (long long secs, char *buf, size_t size)
{
  if (secs < 0)
    secs = 0;
  if (secs >= 86400)
    snprintf (buf, size, "%lldd%02lldh", secs / 86400, secs % 86400 / 3600);
  else if (secs >= 3600)
    snprintf (buf, size, "%lldh%02lldm", secs / 3600, secs % 3600 / 60);
  else
    snprintf (buf, size, "%lldm%02llds", secs / 60, secs % 60);
}

/* The command as one line: words separated by spaces, control characters
 * shown as '?' (an entry is the user's own, but a terminal is no place
 * for escape sequences). */
static void
print_command (const struct entry *e)
{
  for (size_t i = 0; i < e->argc; i++)
    {
      if (i > 0)
        putchar (' ');
      for (const char *c = e->argv[i]; *c != '\0'; c++)
        putchar (iscntrl ((unsigned char)*c) ? '?' : *c);
    }
}

static bool
list_text (struct entry *e, void *data)
{
  long long now = *(long long *)data;
  char dur[32];
  format_duration (now - e->started, dur, sizeof dur);
  printf ("%-16s %8d %9s %-6s %-32s ", e->name[0] ? e->name : "-", (int)e->pid, dur, e->net, e->ns);
  print_command (e);
  putchar ('\n');
  return true;
}

static bool
list_json (struct entry *e, void *data)
{
  struct json *j = data;
  long long now = time (NULL);
  json_object_begin (j, JSON_COMPACT);
  json_member_string (j, "name", e->name[0] ? e->name : NULL);
  json_member_int (j, "pid", e->pid);
  json_member_int (j, "child-pid", e->child);
  json_member_int (j, "started", e->started);
  json_member_int (j, "running-seconds", now > e->started ? now - e->started : 0);
  json_member_string (j, "network", e->net);
  json_key (j, "namespaces");
  json_array_begin (j, JSON_COMPACT);
  char ns[sizeof e->ns];
  copy_field (ns, sizeof ns, e->ns);
  for (char *save = NULL, *t = strtok_r (ns, ",", &save); t != NULL;
       t = strtok_r (NULL, ",", &save))
    json_string (j, t);
  json_array_end (j);
  json_key (j, "command");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < e->argc; i++)
    json_string (j, e->argv[i]);
  json_array_end (j);
  json_object_end (j);
  return true;
}

NORETURN static void
do_list (bool as_json)
{
  if (state_dir < 0 && as_json)
    {
      puts ("[]");
      exit (fflush (stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
    }
  if (as_json)
    {
      struct json j;
      json_init (&j);
      json_array_begin (&j, JSON_COMPACT);
      for_each_entry (list_json, &j);
      json_array_end (&j);
      json_append (&j, "\n");
      fputs (j.buf, stdout);
      json_free (&j);
    }
  else
    {
      long long now = time (NULL);
      printf ("%-16s %8s %9s %-6s %-32s %s\n", "NAME", "PID", "TIME", "NET", "NAMESPACES",
              "COMMAND");
      if (state_dir >= 0)
        for_each_entry (list_text, &now);
    }
  exit (fflush (stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

/* ------------------------------------------------------------------------ */
/* Finding a sandbox and talking to its monitor                              */

struct lookup
{
  const char *name; /* or: */
  pid_t pid;
  struct entry found;
  bool ok;
};

static bool
lookup_one (struct entry *e, void *data)
{
  struct lookup *l = data;
  if (l->name != NULL ? strcmp (e->name, l->name) == 0 : (e->pid == l->pid || e->child == l->pid))
    {
      l->found = *e;
      e->argv = NULL; /* now the lookup's */
      e->data = NULL;
      l->ok = true;
      return false;
    }
  return true;
}

/* Connect to the monitor of the sandbox `target` names (NAME, its
 * monitor's PID or its PID 1's); dies with one line when there is none
 * of the caller's.  *e is its entry. */
static int
connect_target (const char *option, const char *target, struct entry *e)
{
  struct lookup l = { 0 };
  bool by_pid = parse_pid (target, &l.pid);

  if (!by_pid && !instance_name_valid (target))
    die ("%s: \"%s\" is neither a sandbox name (letters, digits, '.', '_', '-'; up to %d "
         "bytes) nor a PID",
         option, target, NAME_MAX_LEN);
  l.name = by_pid ? NULL : target;
  if (state_dir >= 0)
    for_each_entry (lookup_one, &l);
  if (!l.ok && by_pid)
    die ("%s: PID %s is not a running sandbox of yours (see %s --list)", option, target, prog_name);
  if (!l.ok)
    die ("%s: no running sandbox of yours is named %s (see %s --list)", option, target, prog_name);
  *e = l.found;

  int fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die_with_error ("socket");
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s.sock", state_dir, e->id);
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    die_with_error ("%s: Can't reach the monitor of sandbox %s (%s/%s.sock)", option, target,
                    state_path, e->id);
  struct ucred cred;
  socklen_t clen = sizeof cred;
  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.pid != e->pid
      || cred.uid != getuid ())
    die ("%s: the socket of sandbox %s is not held by its monitor (PID %d): refusing it", option,
         target, (int)e->pid);
  return fd;
}

/* Monitor to client: "X" and a message means refused. */
NORETURN static void
die_with_reply (const char *option, const char *reply, ssize_t n)
{
  die ("%s: %.*s", option, (int)(n - 1), reply + 1);
}

NORETURN static void
do_stop (const struct sandbox *sb)
{
  struct entry e;
  int pidfd = -1;
  int fd = connect_target ("--stop", sb->instance_target, &e);
  pidfd = (int)syscall (SYS_pidfd_open, e.pid, 0);
  unsigned long long start;
  if (pidfd < 0 || !proc_identity (e.pid, &start, NULL) || start != e.start)
    die ("--stop: sandbox %s is gone", sb->instance_target);
  char req[32];
  int n = snprintf (req, sizeof req, "S%" PRIu64, sb->stop_grace_given ? sb->stop_grace_ms : 2000);
  if (send (fd, req, (size_t)n, MSG_NOSIGNAL) < 0)
    die_with_error ("--stop: Can't send the request to the monitor of %s", sb->instance_target);
  char reply[512];
  ssize_t r;
  while ((r = recv (fd, reply, sizeof reply, 0)) < 0 && errno == EINTR)
    ;
  if (r > 0 && reply[0] == 'X')
    die_with_reply ("--stop", reply, r);
  /* EOF: the monitor is exiting, after PID 1 and with it every process
   * of the sandbox's PID namespace.  Wait until it is gone too. */
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  while (poll (&p, 1, -1) < 0 && errno == EINTR)
    ;
  remove_entry_files (e.id); /* if it could not */
  entry_free (&e);
  exit (EXIT_SUCCESS);
}

/* ------------------------------------------------------------------------ */
/* The actions                                                               */

/* --list[=json] alone; --stop TARGET [--grace S]; --enter TARGET [--] [CMD...]:
 * no option of a sandbox to build goes with them. */
static void
check_action_words (const struct sandbox *sb, int argc, char **argv)
{
  const char *what = argc > 0 ? argv[0] : "";
  bool ok = true;

  switch (sb->instance_action)
    {
    case INSTANCE_LIST:
    case INSTANCE_LIST_JSON:
      ok = argc == 1;
      break;
    case INSTANCE_STOP:
      ok = argc == 2 || (argc == 4 && sb->stop_grace_given);
      if (argc == 4 && strcmp (argv[0], "--grace") == 0)
        what = argv[2];
      break;
    case INSTANCE_ENTER:
      ok = argc >= 2 && strcmp (argv[0], "--enter") == 0;
      break;
    case INSTANCE_NONE:
      ok = true;
      break;
    }
  if (!ok)
    die ("%s takes no other option%s", what,
         sb->instance_action == INSTANCE_STOP    ? " but --grace SECONDS"
         : sb->instance_action == INSTANCE_ENTER ? " (--enter NAME|PID [--] [COMMAND...])"
                                                 : "");
}

void
instance_run_action (struct sandbox *sb, int argc, char **argv)
{
  if (sb->instance_action == INSTANCE_NONE)
    {
      if (sb->stop_grace_given)
        die ("--grace goes with --stop");
      return;
    }
  check_action_words (sb, argc, argv);
  state_dir = state_dir_open (false);
  if (state_dir < 0 && state_dir != -ENOENT)
    die_state_dir (-state_dir);
  switch (sb->instance_action)
    {
    case INSTANCE_LIST:
    case INSTANCE_LIST_JSON:
      do_list (sb->instance_action == INSTANCE_LIST_JSON);
    case INSTANCE_STOP:
      do_stop (sb);
    case INSTANCE_ENTER:
      {
        if (privilege_is_setuid ())
          die ("--enter is not available in the setuid mode: the sandbox's namespaces were made "
               "with host privilege, and only host privilege could join them");
        struct entry e;
        int fd = connect_target ("--enter", sb->instance_target, &e);
        entry_free (&e);
        enter_client (sb, fd);
      }
    case INSTANCE_NONE:
      break;
    }
}

/* ------------------------------------------------------------------------ */
/* The monitor's side                                                        */

static void
claim_name (const char *name)
{
  char file[NAME_MAX_LEN + 8];
  snprintf (file, sizeof file, "name.%s", name);
  for (int attempt = 0; attempt < 8; attempt++)
    {
      int fd
          = openat (state_dir, file, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
      if (fd < 0)
        die_with_error ("Can't create %s/%s", state_path, file);
      if (take_lock (fd) < 0)
        {
          if (errno != EAGAIN && errno != EACCES)
            die_with_error ("Can't lock %s/%s", state_path, file);
          pid_t holder = lock_holder (fd);
          die ("--name: a sandbox named %s is already running (monitor PID %d); choose another "
               "name, or stop it with %s --stop %s",
               name, (int)holder, prog_name, name);
        }
      /* Locked, but maybe a file that its last holder removed meanwhile. */
      if (same_file (state_dir, file, fd))
        {
          name_fd = fd;
          return;
        }
      close (fd);
    }
  die ("--name: Can't lock %s/%s (it keeps changing)", state_path, file);
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
         sb->name, NAME_MAX_LEN);
  registry_required = sb->name != NULL;
  registry_verbose = sb->verbose;
  state_dir = state_dir_open (true);
  if (state_dir < 0)
    {
      int err = -state_dir;
      state_dir = -1;
      if (registry_required)
        die_state_dir (err);
      registry_failed (err, "Can't use the state directory %s", state_path);
      return;
    }
  own_name = sb->name;
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
  close_fd (&state_dir);
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
                          (int)getpid (), (int)child, (long long)time (NULL),
                          (run->new_namespaces & CLONE_NEWPID) ? 1 : 0, sb->name ? sb->name : "",
                          ns, net_mode (sb));
  size_t n = strlen (head), total = n;
  for (size_t i = 0; i < sb->n_command; i++)
    total += strlen (sb->command[i]) + 1;
  char *text = xrealloc (head, total + 1);
  for (size_t i = 0; i < sb->n_command; i++)
    {
      size_t w = strlen (sb->command[i]) + 1;
      memcpy (text + n, sb->command[i], w);
      n += w;
    }
  *len = n;
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
  char path[sizeof ((struct sockaddr_un *)0)->sun_path];
  listen_fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd < 0)
    return false;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  snprintf (path, sizeof path, "%s.sock", entry_id);
  (void)unlinkat (state_dir, path, 0);
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s.sock", state_dir, entry_id);
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
  (void)unlinkat (state_dir, tmp, 0);
  entry_fd = openat (state_dir, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (entry_fd < 0)
    return -errno;
  int r = take_lock (entry_fd) < 0 ? -errno : write_all (entry_fd, text, len);
  if (r == 0 && renameat (state_dir, tmp, state_dir, entry_id) < 0)
    r = -errno;
  if (r < 0)
    (void)unlinkat (state_dir, tmp, 0);
  return r;
}

void
instance_register (const struct sandbox *sb, const struct run *run, pid_t child)
{
  unsigned long long start;
  sandbox_child = child;
  close_fd (&handover_fds[1]);
  if (state_dir < 0)
    return;
  if (!proc_identity (getpid (), &start, NULL))
    {
      registry_failed (errno ? errno : EIO, "Can't read /proc/self/stat");
      return;
    }
  snprintf (entry_id, sizeof entry_id, "%d.%llu", (int)getpid (), start);
  epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (epoll_fd < 0 || !listen_on_socket () || epoll_add (listen_fd) < 0
      || (handover_fds[0] >= 0 && epoll_add (handover_fds[0]) < 0))
    {
      registry_failed (errno, "Can't listen on %s/%s.sock", state_path, entry_id);
      return;
    }
  int r = write_entry (sb, run, child);
  if (r < 0)
    registry_failed (-r, "Can't write %s/%s", state_path, entry_id);
}

/* Unlisted after all: nothing of the sandbox's in the state directory. */
static void
instance_disable (void)
{
  if (state_dir >= 0 && listen_fd >= 0)
    {
      char path[80];
      snprintf (path, sizeof path, "%s.sock", entry_id);
      (void)unlinkat (state_dir, path, 0);
    }
  close_fd (&listen_fd);
  close_fd (&epoll_fd);
  close_fd (&entry_fd);
  close_fd (&handover_fds[0]);
  close_fd (&handover_fds[1]);
  close_fd (&state_dir);
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
      if (fd == handover_fds[0])
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
  char name_file[NAME_MAX_LEN + 8];
  if (state_dir < 0)
    return;
  if (entry_fd >= 0)
    remove_entry_files (entry_id);
  if (name_fd >= 0)
    {
      snprintf (name_file, sizeof name_file, "name.%s", own_name);
      (void)unlinkat (state_dir, name_file, 0);
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
