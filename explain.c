/* hutch — --explain and --learn (see explain.h): the monitor's side of
 * the refusals, and the command's hand-over of what it needs.
 *
 * The reports are about what the sandbox refused, never about what the
 * command got wrong on its own: a path missing inside is reported only
 * where it exists on the host (the monitor looks, as the caller), a
 * read-only file system only where the sandbox made it so, an EACCES only
 * where Landlock is on and the path lies outside its rules, a failed
 * connect only without a network.  Each kind is said once while the
 * command runs, and counted in a summary at the end.
 */
#include "config.h"

#include "explain.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "json.h"
#include "learn.h"
#include "privilege.h"
#include "syscall-filter.h"
#include "tracer.h"
#include "utils.h"

/* A mount (or directory) the sandbox's build makes, as the ops list says. */
struct mount_entry
{
  enum op_type type;
  char *src; /* the host path of a bind, made absolute; NULL for others */
  char *dest;
};

/* Which option refuses a system call (hutch_seccomp_refusals()). */
struct rule
{
  char *call;
  int err;
  char *why;
  bool policy;
};

/* One kind of refusal, reported once and counted. */
struct finding
{
  char *key;
  const char *kind; /* "syscall", "file", "network" */
  char *reason;
  char *call, *subject, *option, *fix;
  char comm[32];
  long pid;
  unsigned long count;
};

struct explain
{
  bool text, json, learn;
  int json_fd;
  int sock[2]; /* [0] the monitor's, [1] the command's; -1 once closed */
  bool command_end_closed;
  int listener; /* the seccomp notification fd, in the monitor */
  bool policy_given;
  struct mount_entry *mounts;
  size_t n_mounts, mounts_cap;
  char **ll_ro, **ll_rw;
  size_t n_ll_ro, n_ll_rw;
  bool landlock_fs, landlock_connect, landlock_bind;
  bool no_network;
  struct rule *rules;
  size_t n_rules, rules_cap;
  struct finding *findings;
  size_t n_findings, findings_cap;
  struct tracer *tracer;
  struct learn *learning;
};

/* ------------------------------------------------------------------------ */
/* Before clone                                                              */

static char *
absolute_dest (const char *dest)
{
  char *p = dest[0] == '/' ? xstrdup (dest) : xasprintf ("/%s", dest);
  size_t n = strlen (p);
  while (n > 1 && p[n - 1] == '/')
    p[--n] = '\0';
  return p;
}

static void
note_mounts (struct explain *ex, const struct sandbox *sb)
{
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct setup_op *op = &sb->ops[i];
      if (op->type == OP_SYMLINK || op->type == OP_CHMOD || op->type == OP_LOCK_FILE
          || op->dest == NULL)
        continue;
      ex->mounts = xgrow (ex->mounts, &ex->mounts_cap, ex->n_mounts, sizeof *ex->mounts);
      struct mount_entry *m = &ex->mounts[ex->n_mounts++];
      m->type = op->type;
      m->dest = absolute_dest (op->dest);
      m->src = NULL;
      if (op->src != NULL
          && (op->type == OP_BIND || op->type == OP_RO_BIND || op->type == OP_DEV_BIND))
        {
          m->src = realpath (op->src, NULL);
          if (m->src == NULL)
            m->src = xstrdup (op->src);
        }
    }
}

static void
add_rule (const char *call, int err, const char *why, bool policy, void *data)
{
  struct explain *ex = data;
  for (size_t i = 0; i < ex->n_rules; i++)
    if (strcmp (ex->rules[i].call, call) == 0)
      return; /* the first rule for a call is the filter's */
  ex->rules = xgrow (ex->rules, &ex->rules_cap, ex->n_rules, sizeof *ex->rules);
  ex->rules[ex->n_rules++] = (struct rule){ xstrdup (call), err, xstrdup (why), policy };
}

static const struct rule *
find_rule (const struct explain *ex, const char *call)
{
  for (size_t i = 0; call != NULL && i < ex->n_rules; i++)
    if (strcmp (ex->rules[i].call, call) == 0)
      return &ex->rules[i];
  return NULL;
}

static char **
copy_paths (const char **paths, size_t n)
{
  char **out = xcalloc (n + 1, sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[i] = absolute_dest (paths[i]);
  return out;
}

void explain_trace_cb (const struct traced_call *c, void *data);

void
explain_prepare (const struct sandbox *sb, struct run *run)
{
  run->explain = NULL;
  if (sb->explain == EXPLAIN_NONE && sb->learn_file == NULL)
    return;
  /* The sandbox's user namespace is root's there: the kernel lets a
   * process of another user namespace trace only with CAP_SYS_PTRACE in
   * the tracee's (commoncap), which the monitor, without privilege, lacks. */
  if (privilege_is_setuid ())
    die ("--explain and --learn are not available in the setuid mode: the monitor may not "
         "trace a sandbox set up with root's help (run the hutch that is not setuid)");
  if (sb->explain == EXPLAIN_JSON && sb->json_status_fd < 0)
    die ("--explain=json writes to --json-status-fd, which is not given");

  struct explain *ex = xcalloc (1, sizeof *ex);
  ex->text = sb->explain == EXPLAIN_TEXT;
  ex->json = sb->explain == EXPLAIN_JSON;
  ex->json_fd = sb->json_status_fd;
  ex->listener = -1;
  ex->policy_given = sb->seccomp_policy_default;
  note_mounts (ex, sb);
  ex->ll_ro = copy_paths (sb->landlock_ro, sb->n_landlock_ro);
  ex->n_ll_ro = sb->n_landlock_ro;
  ex->ll_rw = copy_paths (sb->landlock_rw, sb->n_landlock_rw);
  ex->n_ll_rw = sb->n_landlock_rw;
  ex->landlock_fs = run->landlock_fs != 0;
  ex->landlock_connect = sb->landlock_connect_given;
  ex->landlock_bind = sb->landlock_bind_given;
  ex->no_network = sb->unshare_net && !sb->net_pasta && sb->netns_fd < 0;
  hutch_seccomp_refusals (sb, add_rule, ex);
  /* The command hands the listener over with sendmsg once the filter is
   * on: a filter that sends those calls to the monitor would wait for
   * itself. */
  if (find_rule (ex, "sendmsg") != NULL || find_rule (ex, "close") != NULL)
    die ("--explain and --learn can't watch a seccomp filter that refuses sendmsg or close");
  if (sb->learn_file != NULL)
    ex->learning = learn_new (sb);
  ex->learn = ex->learning != NULL;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ex->sock) < 0)
    die_with_error ("--explain: Can't create a socket pair");
  int one = 1;
  if (setsockopt (ex->sock[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
    die_with_error ("--explain: Can't ask for the sender's credentials");
  ex->tracer = tracer_new (explain_trace_cb, ex, ex->learn);
  run->explain = ex;
}

/* ------------------------------------------------------------------------ */
/* In the command                                                            */

/* Ask the monitor to trace this process, and wait until it does. */
static int
ask_to_be_traced (struct explain *ex)
{
  int err = 0;

  /* Not dumpable since the change of ids: the monitor could not attach.
   * (exec makes it dumpable again, and the monitor holds it from here.) */
  if (prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    return -errno;
  if (TEMP_FAILURE_RETRY_INT (send (ex->sock[1], "A", 1, 0)) != 1)
    return -errno;
  ssize_t n = TEMP_FAILURE_RETRY_INT (recv (ex->sock[1], &err, sizeof err, 0));
  if (n != (ssize_t)sizeof err)
    return n < 0 ? -errno : -EPIPE;
  return -err;
}

static int
send_listener (struct explain *ex, int fd)
{
  char byte = 'L';
  struct iovec iov = { &byte, 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

  if (fd >= 0)
    {
      memset (&u, 0, sizeof u);
      msg.msg_control = u.buf;
      msg.msg_controllen = sizeof u.buf;
      struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (c), &fd, sizeof fd);
    }
  return TEMP_FAILURE_RETRY_INT (sendmsg (ex->sock[1], &msg, 0)) == 1 ? 0 : -errno;
}

int
explain_load_filters (const struct run *run)
{
  struct explain *ex = run->explain;
  int fd = -1;

  if (ex == NULL)
    return hutch_seccomp_load (run);
  int r = ask_to_be_traced (ex);
  if (r < 0)
    {
      warn_msg ("--explain: hutch's monitor can't trace the command: %s", strerror (-r));
      return r;
    }
  r = tracer_load_filter ();
  if (r < 0)
    return r;
  if (run->seccomp_bpf_len > 0)
    {
      struct sock_fprog prog = {
        .len = (unsigned short)(run->seccomp_bpf_len / sizeof (struct sock_filter)),
        .filter = run->seccomp_bpf,
      };
      fd = (int)syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                         &prog);
      if (fd < 0)
        return -errno;
    }
  r = send_listener (ex, fd);
  if (fd >= 0)
    close (fd);
  close (ex->sock[1]);
  return r;
}

/* ------------------------------------------------------------------------ */
/* Reports                                                                   */

static void
write_json_line (const struct explain *ex, const struct finding *f, bool summary)
{
  struct json j;
  json_init (&j);
  json_object_begin (&j, JSON_COMPACT);
  json_member_string (&j, "explain", summary ? "summary" : "refusal");
  json_member_string (&j, "kind", f->kind);
  json_member_string (&j, "reason", f->reason);
  json_member_string (&j, "call", f->call);
  json_member_string (&j, "subject", f->subject);
  json_member_string (&j, "option", f->option);
  json_member_string (&j, "fix", f->fix);
  json_member_int (&j, "pid", f->pid);
  json_member_string (&j, "comm", f->comm);
  json_member_uint (&j, "count", f->count);
  json_object_end (&j);
  json_append (&j, "\n");
  (void)write_all (ex->json_fd, j.buf, j.len);
  json_free (&j);
}

static void
say_finding (const struct finding *f, const char *lead)
{
  /* "openat /usr/x: read-only under --ro-bind / /; --bind ... instead",
   * "keyctl: refused (EPERM) by --seccomp-policy default (@keyring)" */
  const char *via = strcmp (f->kind, "file") == 0 ? " under " : " by ";
  log_msg (LOG_LVL_INFO, "%s%s%s%s: %s%s%s%s%s", lead, f->call, f->subject ? " " : "",
           f->subject ? f->subject : "", f->reason, f->option ? via : "",
           f->option ? f->option : "", f->fix ? "; " : "", f->fix ? f->fix : "");
}

/* Count a refusal; the first of its kind is said at once. */
static void
report (struct explain *ex, pid_t pid, const char *kind, const char *reason, const char *call,
        const char *subject, const char *option, const char *fix)
{
  _cleanup_free_ char *key
      = xasprintf ("%s|%s|%s|%s", reason, call, subject ? subject : "", option ? option : "");
  for (size_t i = 0; i < ex->n_findings; i++)
    if (strcmp (ex->findings[i].key, key) == 0)
      {
        ex->findings[i].count++;
        return;
      }
  ex->findings = xgrow (ex->findings, &ex->findings_cap, ex->n_findings, sizeof *ex->findings);
  struct finding *f = &ex->findings[ex->n_findings++];
  memset (f, 0, sizeof *f);
  f->key = key;
  key = NULL;
  f->kind = kind;
  f->reason = xstrdup (reason);
  f->call = xstrdup (call);
  f->subject = subject ? xstrdup (subject) : NULL;
  f->option = option ? xstrdup (option) : NULL;
  f->fix = fix ? xstrdup (fix) : NULL;
  f->count = 1;
  tracer_describe (pid, f->comm, sizeof f->comm, &f->pid);
  if (ex->json)
    write_json_line (ex, f, false);
  else
    {
      char lead[96];
      snprintf (lead, sizeof lead, "--explain: %s (pid %ld) ", f->comm, f->pid);
      say_finding (f, lead);
    }
}

void
explain_finish (struct run *run, int exit_code)
{
  struct explain *ex = run->explain;
  if (ex == NULL)
    return;
  if (ex->learning != NULL)
    learn_write (ex->learning, exit_code);
  if (ex->n_findings > 0 && ex->text)
    log_msg (LOG_LVL_INFO, "--explain: the sandbox refused %zu kind%s of thing:", ex->n_findings,
             ex->n_findings == 1 ? "" : "s");
  for (size_t i = 0; i < ex->n_findings; i++)
    {
      const struct finding *f = &ex->findings[i];
      if (ex->json)
        write_json_line (ex, f, true);
      else if (ex->text)
        {
          char lead[48];
          snprintf (lead, sizeof lead, "  %lu time%s: ", f->count, f->count == 1 ? "" : "s");
          say_finding (f, lead);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Files and the network                                                     */

/* The last mount whose destination covers path (the one seen there). */
static const struct mount_entry *
covering (const struct explain *ex, const char *path)
{
  for (size_t i = ex->n_mounts; i-- > 0;)
    if (tracer_path_under (path, ex->mounts[i].dest))
      return &ex->mounts[i];
  return NULL;
}

static bool
under_any (char **dirs, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++)
    if (tracer_path_under (path, dirs[i]))
      return true;
  return false;
}

static bool
is_write (const struct traced_call *c)
{
  switch (c->kind)
    {
    case TRACED_OPEN:
      return (c->flags & O_ACCMODE) != O_RDONLY || (c->flags & (O_CREAT | O_TRUNC)) != 0;
    case TRACED_CREATE:
    case TRACED_REMOVE:
    case TRACED_RENAME:
    case TRACED_META:
      return true;
    case TRACED_EXEC:
    case TRACED_STAT:
    case TRACED_CONNECT:
    case TRACED_BIND:
      return false;
    }
  return false;
}

static bool
host_has (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

/* ENOENT: missing inside; said only if the host has it where no bind of
 * the host's tree is (under a bind, the host lacks it as well). */
static void
explain_missing (struct explain *ex, const struct traced_call *c, const char *p)
{
  const struct mount_entry *m = covering (ex, p);
  _cleanup_free_ char *fix = NULL;
  bool write = is_write (c);

  if (m != NULL && (m->src != NULL || m->type == OP_BIND_FD || m->type == OP_RO_BIND_FD))
    return;
  if (m != NULL && (m->type == OP_PROC || m->type == OP_DEV || m->type == OP_MQUEUE))
    return; /* a fresh /proc, /dev: the host's entries are not the sandbox's */
  if (tracer_path_under (p, "/proc") && m == NULL)
    fix = xstrdup ("add --proc /proc");
  else if (tracer_path_under (p, "/dev") && m == NULL)
    fix = xstrdup ("add --dev /dev");
  else if (host_has (p))
    fix = xasprintf ("add %s %s %s", write ? "--bind" : "--ro-bind", p, p);
  else if (write && c->kind != TRACED_REMOVE)
    {
      /* A new file in a directory the host has and the sandbox lacks. */
      _cleanup_free_ char *dir = xstrdup (p);
      char *slash = strrchr (dir, '/');
      if (slash == NULL || slash == dir)
        return;
      *slash = '\0';
      if (!host_has (dir))
        return;
      fix = xasprintf ("add --bind %s %s", dir, dir);
    }
  else
    return;
  report (ex, c->pid, "file", "not in the sandbox", c->name, p, NULL, fix);
}

static void
explain_read_only (struct explain *ex, const struct traced_call *c, const char *p)
{
  const struct mount_entry *m = covering (ex, p);
  _cleanup_free_ char *opt = NULL, *fix = NULL;

  if (m != NULL && m->type == OP_RO_BIND)
    {
      opt = xasprintf ("--ro-bind %s %s", m->src, m->dest);
      fix = xasprintf ("--bind %s %s instead makes it writable", m->src, m->dest);
    }
  else if (m != NULL && m->type == OP_REMOUNT_RO)
    opt = xasprintf ("--remount-ro %s", m->dest);
  else if (m == NULL || m->type == OP_DIR)
    {
      opt = xstrdup ("the sandbox's root (read-only once built)");
      fix = xstrdup ("--tmpfs DIR or --bind HOSTDIR DIR where it must write");
    }
  else
    return; /* a read-only file system of the host's, bound as it is */
  report (ex, c->pid, "file", "read-only", c->name, p, opt, fix);
}

static void
explain_file (struct explain *ex, const struct traced_call *c)
{
  int err = (int)-c->ret;
  const char *p = c->path;

  if (p == NULL)
    return;
  if (err == ENOENT)
    explain_missing (ex, c, c->kind == TRACED_RENAME && c->path2 ? c->path : p);
  else if (err == EROFS)
    explain_read_only (ex, c, c->kind == TRACED_RENAME && c->path2 ? c->path2 : p);
  else if ((err == EACCES || err == EPERM || err == EXDEV) && ex->landlock_fs)
    {
      bool write = is_write (c);
      const char *q = c->kind == TRACED_RENAME && c->path2 ? c->path2 : p;
      if (under_any (ex->ll_rw, ex->n_ll_rw, q)
          || (!write && under_any (ex->ll_ro, ex->n_ll_ro, q)))
        return; /* inside the rules: the file's own permissions */
      _cleanup_free_ char *fix
          = xasprintf ("add %s %s", write ? "--landlock-rw" : "--landlock-ro", q);
      report (ex, c->pid, "file", write ? "outside --landlock-rw" : "outside --landlock-ro/-rw",
              c->name, q, NULL, fix);
    }
}

static void
explain_network (struct explain *ex, const struct traced_call *c)
{
  int err = (int)-c->ret;
  bool inet = c->family == AF_INET || c->family == AF_INET6;
  bool loopback = strncmp (c->addr, "127.", 4) == 0 || strncmp (c->addr, "[::1]", 5) == 0;

  if (c->family == AF_UNIX && c->path != NULL)
    {
      explain_file (ex, c);
      return;
    }
  if (!inet)
    return;
  if (ex->no_network && !loopback
      && (err == ENETUNREACH || err == EHOSTUNREACH || err == EADDRNOTAVAIL))
    report (ex, c->pid, "network", "no network in the sandbox", c->name, c->addr, NULL,
            "add --share-net or --net pasta");
  else if (ex->no_network && loopback && err == ECONNREFUSED && c->kind == TRACED_CONNECT)
    report (ex, c->pid, "network", "nothing listens on the sandbox's own loopback", c->name,
            c->addr, NULL, "the host's loopback needs --share-net");
  else if (err == EACCES && c->kind == TRACED_CONNECT && ex->landlock_connect)
    report (ex, c->pid, "network", "port refused", c->name, c->addr, "--landlock-connect-tcp",
            "add the port to --landlock-connect-tcp");
  else if (err == EACCES && c->kind == TRACED_BIND && ex->landlock_bind)
    report (ex, c->pid, "network", "port refused", c->name, c->addr, "--landlock-bind-tcp",
            "add the port to --landlock-bind-tcp");
}

void
explain_trace_cb (const struct traced_call *c, void *data)
{
  struct explain *ex = data;

  if (ex->learning != NULL)
    learn_call (ex->learning, c);
  if (c->ret >= 0 || !(ex->text || ex->json))
    return;
  if (c->kind == TRACED_CONNECT || c->kind == TRACED_BIND)
    explain_network (ex, c);
  else
    explain_file (ex, c);
}

/* ------------------------------------------------------------------------ */
/* The monitor                                                               */

static void
close_socket (struct explain *ex)
{
  if (ex->sock[0] >= 0)
    close (ex->sock[0]);
  ex->sock[0] = -1;
}

/* The command asks to be traced ('A'), then hands over the listener ('L'). */
static void
handle_message (struct explain *ex)
{
  char byte = 0;
  struct iovec iov = { &byte, 1 };
  union
  {
    char buf[CMSG_SPACE (sizeof (struct ucred)) + CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct ucred cred = { 0 };
  int fd = -1;

  ssize_t n = recvmsg (ex->sock[0], &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n <= 0)
    {
      close_socket (ex);
      return;
    }
  for (struct cmsghdr *c = CMSG_FIRSTHDR (&msg); c != NULL; c = CMSG_NXTHDR (&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      memcpy (&cred, CMSG_DATA (c), sizeof cred);
    else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
      memcpy (&fd, CMSG_DATA (c), sizeof fd);
  if (byte == 'A')
    {
      int err = cred.pid > 0 ? -tracer_attach (ex->tracer, cred.pid) : ESRCH;
      (void)send (ex->sock[0], &err, sizeof err, MSG_NOSIGNAL);
      return;
    }
  if (byte == 'L' && ex->listener < 0)
    ex->listener = fd;
  else if (fd >= 0)
    close (fd);
  close_socket (ex); /* told all it had to tell */
}

static void
handle_notification (struct explain *ex)
{
  struct seccomp_notif_sizes sizes;
  if (syscall (SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
    die_with_error ("--explain: Can't get the sizes of seccomp notifications");
  _cleanup_free_ struct seccomp_notif *req
      = xcalloc (1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif : sizeof *req);
  _cleanup_free_ struct seccomp_notif_resp *resp = xcalloc (
      1, sizes.seccomp_notif_resp > sizeof *resp ? sizes.seccomp_notif_resp : sizeof *resp);

  if (ioctl (ex->listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
    {
      if (errno != EINTR && errno != ENOENT)
        {
          close (ex->listener); /* every process of the filter is gone */
          ex->listener = -1;
        }
      return;
    }
  _cleanup_free_ char *name = hutch_seccomp_call_name (req->data.arch, req->data.nr);
  const struct rule *r = find_rule (ex, name);
  /* Only --learn asked for the default policy: watched, not refused;
   * but clone3, which the policy answers with ENOSYS so that libc falls
   * back to clone, is answered so here too: the program runs on under the
   * policy, which the profile can then keep. */
  bool let_run = r != NULL && r->policy && !ex->policy_given && r->err != ENOSYS;
  bool fallback = r != NULL && r->policy && !ex->policy_given && r->err == ENOSYS;

  resp->id = req->id;
  if (let_run)
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else
    resp->error = -(r != NULL ? r->err : EPERM);

  /* Said while the caller still waits for the answer: its name and PID
   * are still its own. */
  const char *call = name != NULL ? name : "a system call";
  if (let_run && ex->learning != NULL)
    learn_refused_call (ex->learning, call, r->why);
  else if (!let_run && !fallback && (ex->text || ex->json))
    {
      _cleanup_free_ char *with = xasprintf ("refused (%s)", strerrorname_np (r ? r->err : EPERM));
      report (ex, (pid_t)req->pid, "syscall", with, call, NULL, r ? r->why : "hutch's filter",
              NULL);
    }
  (void)ioctl (ex->listener, SECCOMP_IOCTL_NOTIF_SEND, resp); /* ENOENT: it died */
}

void
explain_poll_fds (struct run *run, struct pollfd *fds)
{
  struct explain *ex = run->explain;
  for (int i = 0; i < EXPLAIN_NFDS; i++)
    fds[i] = (struct pollfd){ .fd = -1, .events = POLLIN };
  if (ex == NULL)
    return;
  if (!ex->command_end_closed)
    {
      close (ex->sock[1]); /* the command's */
      ex->command_end_closed = true;
    }
  fds[0].fd = ex->sock[0];
  fds[1].fd = ex->listener;
}

void
explain_handle (struct run *run, const struct pollfd *fds)
{
  struct explain *ex = run->explain;
  if (ex == NULL)
    return;
  if (fds[0].fd >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
    handle_message (ex);
  if (fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
    {
      if (fds[1].revents & POLLIN)
        handle_notification (ex);
      else
        {
          close (ex->listener);
          ex->listener = -1;
        }
    }
}

bool
explain_wait (struct run *run, pid_t child, int *status)
{
  return tracer_wait (run->explain->tracer, child, status);
}
