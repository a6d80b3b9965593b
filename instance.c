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

#include "instance-private.h"
#include "instance.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "enter.h"
#include "json.h"
#include "privilege.h"
#include "utils.h"

#define ENTRY_MAX (256 * 1024) /* an entry holds the command line: no more than this is read */

int instance_state_dir = -1;
char instance_state_path[PATH_MAX];

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
bool
instance_proc_identity (pid_t pid, unsigned long long *start, uid_t *uid)
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
int
instance_state_open (bool create)
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
      int w = snprintf (instance_state_path, sizeof instance_state_path, "%.*s/hutch",
                        PATH_MAX - 16, bases[i]);
      (void)w;
      return fd;
    }
  snprintf (instance_state_path, sizeof instance_state_path, "/tmp/hutch-%u", (unsigned)getuid ());
  return open_private_dir (AT_FDCWD, instance_state_path, create);
}

void
instance_die_state_dir (int err)
{
  die_with_errno (err,
                  "Can't use the state directory %s (it must be a directory of yours, mode "
                  "0700; or set XDG_RUNTIME_DIR)",
                  instance_state_path);
}

/* The holder of a POSIX lock on fd: its pid, 0 when the lock is free,
 * -1 when it can't be told. */
pid_t
instance_lock_holder (int fd)
{
  struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
  if (fcntl (fd, F_GETLK, &fl) < 0)
    return -1;
  return fl.l_type == F_UNLCK ? 0 : fl.l_pid;
}

/* A write lock (the monitor's, on an fd open for writing), else a read
 * lock: a lister that gets one knows no monitor holds the file. */
int
instance_take_lock (int fd)
{
  int mode = fcntl (fd, F_GETFL);
  struct flock fl = { .l_type = mode >= 0 && (mode & O_ACCMODE) != O_RDONLY ? F_WRLCK : F_RDLCK,
                      .l_whence = SEEK_SET };
  return fcntl (fd, F_SETLK, &fl);
}

bool
instance_same_file (const char *name, int fd)
{
  struct stat a, b;
  return fstat (fd, &a) == 0 && fstatat (instance_state_dir, name, &b, AT_SYMLINK_NOFOLLOW) == 0
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
  char name[INSTANCE_NAME_MAX + 1];
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

void
instance_remove_entry (const char *id)
{
  char sock[80];
  snprintf (sock, sizeof sock, "%s.sock", id);
  (void)unlinkat (instance_state_dir, sock, 0);
  (void)unlinkat (instance_state_dir, id, 0);
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
  int fd = openat (instance_state_dir, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return false;
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != getuid ())
    {
      close (fd);
      return false;
    }
  pid_t holder = instance_lock_holder (fd);
  if (holder == 0)
    {
      /* Stale: its monitor is gone (the lock went with it). */
      if (instance_take_lock (fd) == 0 && instance_same_file (id, fd))
        instance_remove_entry (id);
      close (fd);
      return false;
    }
  char *data;
  size_t len;
  int r = holder == pid ? read_all_max (fd, ENTRY_MAX, &data, &len) : -EPERM;
  close (fd);
  if (r < 0)
    return false;
  if (!entry_parse (e, data, len) || e->pid != pid
      || !instance_proc_identity (pid, &real_start, &uid) || real_start != start
      || uid != getuid ())
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
  int dfd = openat (instance_state_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = dfd >= 0 ? fdopendir (dfd) : NULL;
  struct dirent *de;
  bool go_on = true;

  if (dir == NULL)
    die_with_error ("Can't list the state directory %s", instance_state_path);
  while (go_on && (de = readdir (dir)) != NULL)
    {
      if (strncmp (de->d_name, "name.", 5) == 0)
        {
          int fd = openat (instance_state_dir, de->d_name,
                           O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
          if (fd >= 0 && instance_lock_holder (fd) == 0 && instance_take_lock (fd) == 0
              && instance_same_file (de->d_name, fd))
            (void)unlinkat (instance_state_dir, de->d_name, 0);
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
  if (instance_state_dir < 0 && as_json)
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
      if (instance_state_dir >= 0)
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
         option, target, INSTANCE_NAME_MAX);
  l.name = by_pid ? NULL : target;
  if (instance_state_dir >= 0)
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
  snprintf (addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s.sock", instance_state_dir,
            e->id);
  if (connect (fd, (struct sockaddr *)&addr, sizeof addr) < 0)
    die_with_error ("%s: Can't reach the monitor of sandbox %s (%s/%s.sock)", option, target,
                    instance_state_path, e->id);
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
  if (pidfd < 0 || !instance_proc_identity (e.pid, &start, NULL) || start != e.start)
    die ("--stop: sandbox %s is gone", sb->instance_target);
  char req[32];
  int n = snprintf (req, sizeof req, "S%" PRIu64, sb->stop_grace_given ? sb->stop_grace_ms : 2000);
  bool sent = send (fd, req, (size_t)n, MSG_NOSIGNAL) >= 0;
  int err = errno;
  char reply[512];
  ssize_t r;
  /* A monitor that refuses says why before it closes. */
  while ((r = recv (fd, reply, sizeof reply, sent ? 0 : MSG_DONTWAIT)) < 0 && errno == EINTR)
    ;
  if (r > 0 && reply[0] == 'X')
    die_with_reply ("--stop", reply, r);
  if (!sent)
    die_with_errno (err, "--stop: Can't send the request to the monitor of %s",
                    sb->instance_target);
  /* EOF: the monitor is exiting, after PID 1 and with it every process
   * of the sandbox's PID namespace.  Wait until it is gone too. */
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  while (poll (&p, 1, -1) < 0 && errno == EINTR)
    ;
  instance_remove_entry (e.id); /* if it could not */
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
  /* A client needs no host privilege; and, setuid-started, it must be
   * dumpable again for the monitor to see its user namespace
   * (peer_allowed(), instance-monitor.c). */
  if (privilege_is_setuid ())
    {
      privilege_drop_all ();
      if (prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
        die_with_error ("prctl(PR_SET_DUMPABLE)");
    }
  instance_state_dir = instance_state_open (false);
  if (instance_state_dir < 0 && instance_state_dir != -ENOENT)
    instance_die_state_dir (-instance_state_dir);
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
