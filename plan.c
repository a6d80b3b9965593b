/* hutch — --dry-run and --dry-run=json: print the checked plan, build nothing.
 *
 * The plan is worked out from what the check phase left: `struct sandbox`
 * and the prepared `struct run` (the ids namespaces_prepare() chose to map,
 * the PID 1 decision, the Landlock ABI, the compiled seccomp filter).  Bind
 * and overlay sources are resolved first, with realpath() in the caller's
 * view exactly as setup_resolve_sources() does, so a missing source dies
 * with the same message before anything is printed.
 *
 * The JSON form is one object; its shape is documented in hutch(1).
 * Strings that are not valid UTF-8 have each stray byte replaced by
 * U+FFFD, so that the output always parses.
 */
#include "config.h"

#include "plan.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "limit.h"
#include "privilege.h"
#include "utils.h"

/* ------------------------------------------------------------------------ */
/* The facts, worked out once for both forms                                 */

struct op_plan
{
  char *src;            /* resolved bind source / overlay upper dir; NULL: none or skipped */
  char *workdir;        /* resolved overlay workdir */
  char **layers;        /* resolved --overlay-src paths */
  bool skipped;         /* a -try source is missing */
};

struct plan
{
  const struct sandbox *sb;
  const struct run *run;
  struct op_plan *ops;
  bool cgroup;           /* a cgroup namespace is created */
};

static char *
resolve (const char *path, bool may_be_missing, bool *missing)
{
  char *real = realpath (path, NULL);
  if (real != NULL)
    return real;
  if (may_be_missing && errno == ENOENT)
    {
      *missing = true;
      return NULL;
    }
  die_with_error ("Can't find source path %s", path);
}

static void
resolve_ops (struct plan *p)
{
  const struct sandbox *sb = p->sb;

  p->ops = xcalloc (sb->n_ops ? sb->n_ops : 1, sizeof *p->ops);
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct setup_op *op = &sb->ops[i];
      struct op_plan *o = &p->ops[i];
      switch (op->type)
        {
        case OP_BIND:
        case OP_RO_BIND:
        case OP_DEV_BIND:
          o->src = resolve (op->src, (op->flags & OPF_TRY) != 0, &o->skipped);
          break;
        case OP_OVERLAY:
          o->src = resolve (op->src, false, NULL);
          o->workdir = resolve (op->workdir, false, NULL);
          /* fall through */
        case OP_TMP_OVERLAY:
        case OP_RO_OVERLAY:
          o->layers = xcalloc (op->n_overlay_srcs + 1, sizeof (char *));
          for (size_t j = 0; j < op->n_overlay_srcs; j++)
            o->layers[j] = resolve (op->overlay_srcs[j], false, NULL);
          break;
        default:
          break;
        }
    }
}

static bool
has_namespace (const char *name)
{
  char path[64];
  struct stat st;
  snprintf (path, sizeof path, "/proc/self/ns/%s", name);
  return stat (path, &st) == 0;
}

static const char *
op_name (const struct setup_op *op)
{
  bool try_ = (op->flags & OPF_TRY) != 0;
  switch (op->type)
    {
    case OP_BIND: return try_ ? "bind-try" : "bind";
    case OP_RO_BIND: return try_ ? "ro-bind-try" : "ro-bind";
    case OP_DEV_BIND: return try_ ? "dev-bind-try" : "dev-bind";
    case OP_BIND_FD: return "bind-fd";
    case OP_RO_BIND_FD: return "ro-bind-fd";
    case OP_REMOUNT_RO: return "remount-ro";
    case OP_PROC: return "proc";
    case OP_DEV: return "dev";
    case OP_TMPFS: return "tmpfs";
    case OP_MQUEUE: return "mqueue";
    case OP_DIR: return "dir";
    case OP_SYMLINK: return "symlink";
    case OP_CHMOD: return "chmod";
    case OP_FILE: return "file";
    case OP_BIND_DATA: return "bind-data";
    case OP_RO_BIND_DATA: return "ro-bind-data";
    case OP_OVERLAY: return "overlay";
    case OP_TMP_OVERLAY: return "tmp-overlay";
    case OP_RO_OVERLAY: return "ro-overlay";
    case OP_LOCK_FILE: return "lock-file";
    }
  return "?";
}

static bool
op_has_fd (const struct setup_op *op)
{
  switch (op->type)
    {
    case OP_BIND_FD:
    case OP_RO_BIND_FD:
    case OP_FILE:
    case OP_BIND_DATA:
    case OP_RO_BIND_DATA:
      return true;
    default:
      return false;
    }
}

static bool
op_is_bind (const struct setup_op *op)
{
  return op->type == OP_BIND || op->type == OP_RO_BIND || op->type == OP_DEV_BIND;
}

static bool
op_is_overlay (const struct setup_op *op)
{
  return op->type == OP_OVERLAY || op->type == OP_TMP_OVERLAY || op->type == OP_RO_OVERLAY;
}

/* "CAP_SYS_ADMIN" for a capability number. */
static char *
cap_upper_name (int cap)
{
  char *name = cap_to_name ((cap_value_t) cap);
  char *out = xstrdup (name ? name : "?");
  cap_free (name);
  for (char *c = out; *c; c++)
    if (*c >= 'a' && *c <= 'z')
      *c = (char) (*c - 'a' + 'A');
  return out;
}

static const char *
errno_name (int e, char *buf, size_t size)
{
  const char *name = strerrorname_np (e);
  if (name != NULL)
    return name;
  snprintf (buf, size, "%d", e);
  return buf;
}

static void
format_limit (uint64_t v, char *buf, size_t size)
{
  if (v == UINT64_MAX)
    snprintf (buf, size, "unlimited");
  else
    snprintf (buf, size, "%" PRIu64, v);
}

/* Milliseconds as seconds: "1.5", "2". */
static void
format_seconds (uint64_t ms, char *buf, size_t size)
{
  if (ms % 1000 == 0)
    snprintf (buf, size, "%" PRIu64, ms / 1000);
  else
    {
      snprintf (buf, size, "%" PRIu64 ".%03" PRIu64, ms / 1000, ms % 1000);
      size_t n = strlen (buf);
      while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    }
}

static void
format_ports (const struct port_range *r, size_t n, char *buf, size_t size)
{
  size_t len = 0;
  buf[0] = '\0';
  if (n == 0)
    snprintf (buf, size, "none");
  for (size_t i = 0; i < n && len < size; i++)
    {
      int w;
      if (r[i].lo == r[i].hi)
        w = snprintf (buf + len, size - len, "%s%u", i ? "," : "", (unsigned) r[i].lo);
      else
        w = snprintf (buf + len, size - len, "%s%u-%u", i ? "," : "", (unsigned) r[i].lo,
                      (unsigned) r[i].hi);
      if (w < 0)
        break;
      len += (size_t) w;
    }
}

/* ------------------------------------------------------------------------ */
/* Text                                                                      */

/* One map: the lines newuidmap/newgidmap write, or hutch's single line. */
static void
text_map (const char *kind, const struct id_map_entry *m, size_t n, unsigned inside,
          unsigned outside)
{
  if (n == 0)
    {
      printf ("%s map: %u -> %u (inside -> outside)\n", kind, inside, outside);
      return;
    }
  printf ("%s map (written by new%smap):", kind, kind);
  for (size_t i = 0; i < n; i++)
    printf ("%s %u -> %u (%u)", i ? "," : "", (unsigned) m[i].inside, (unsigned) m[i].outside,
            (unsigned) m[i].count);
  printf ("\n");
}

static void
text_network (const struct sandbox *sb)
{
  if (sb->net_pasta)
    {
      printf ("network: a namespace of its own, outbound through pasta%s\n",
              sb->net_host_loopback ? ", the host's loopback reachable" : "");
      for (size_t i = 0; i < sb->n_publish; i++)
        printf ("  publish %s%s%s:%u -> %u/%s\n", sb->publish[i].host_ipv6 ? "[" : "",
                sb->publish[i].host_addr, sb->publish[i].host_ipv6 ? "]" : "",
                (unsigned) sb->publish[i].host_port, (unsigned) sb->publish[i].sandbox_port,
                sb->publish[i].udp ? "udp" : "tcp");
    }
  else if (sb->netns_fd >= 0)
    printf ("network: the namespace of fd %d (--netns), as it is set up\n", sb->netns_fd);
  else if (sb->unshare_net)
    printf ("network: none (a namespace of its own with loopback only)\n");
  else
    printf ("network: the host's\n");
}

static void
text_namespaces (const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  const struct run *run = p->run;

  printf ("namespaces:");
  if (run->userns)
    printf (" user%s", sb->unshare_user_try && !sb->unshare_user ? " (if possible)" : "");
  printf (" mount");
  if (sb->unshare_pid)
    printf (" pid");
  if (sb->unshare_net)
    printf (" net");
  if (sb->unshare_ipc)
    printf (" ipc");
  if (sb->unshare_uts)
    printf (" uts");
  if (p->cgroup)
    printf (" cgroup%s", sb->unshare_cgroup ? "" : " (if possible)");
  printf ("\n");
  if (sb->userns_fd >= 0)
    printf ("join: the user namespace of fd %d\n", sb->userns_fd);
  if (sb->netns_fd >= 0)
    printf ("join: the network namespace of fd %d\n", sb->netns_fd);
  if (sb->pidns_fd >= 0)
    printf ("join: the PID namespace of fd %d%s\n", sb->pidns_fd,
            sb->unshare_pid ? " (as the parent of the new one)" : "");

  if (run->userns)
    {
      text_map ("uid", run->uid_map, run->n_uid_map, run->ns_uid, run->real_uid);
      text_map ("gid", run->gid_map, run->n_gid_map, run->ns_gid, run->real_gid);
    }
  else
    printf ("user namespace: none; ids stay uid %u, gid %u\n", (unsigned) run->real_uid,
            (unsigned) run->real_gid);
  if (sb->userns2_fd >= 0)
    printf ("after setup: switch to the user namespace of fd %d\n", sb->userns2_fd);
  else if (run->nested_userns)
    printf ("after setup: a nested user namespace maps uid %u -> %u, gid %u -> %u%s%s\n",
            (unsigned) sb->uid, (unsigned) run->ns_uid, (unsigned) sb->gid,
            (unsigned) run->ns_gid,
            run->ns_uid != sb->uid || run->ns_gid != sb->gid ? " (root was mapped for --dev)"
                                                              : "",
            sb->disable_userns ? "; no user namespace can be created inside it" : "");
  if (run->switch_ids)
    {
      printf ("after setup: switch to");
      if (run->switch_uid != (uid_t) -1)
        printf (" uid %u", (unsigned) run->switch_uid);
      if (run->switch_gid != (gid_t) -1)
        printf ("%s gid %u", run->switch_uid != (uid_t) -1 ? "," : "", (unsigned) run->switch_gid);
      printf (" inside the namespace\n");
    }
  if (sb->assert_userns_disabled)
    printf ("check: creating a user namespace inside must fail\n");
  printf ("ids: ");
  if (run->cmd_uid_known)
    printf ("uid %u", (unsigned) run->cmd_uid);
  else
    printf ("uid as the caller's is mapped in the user namespace of fd %d",
            sb->userns2_fd >= 0 ? sb->userns2_fd : sb->userns_fd);
  if (run->cmd_gid_known)
    printf (", gid %u\n", (unsigned) run->cmd_gid);
  else
    printf (", gid as the caller's is mapped there\n");
  if (sb->hostname != NULL)
    printf ("hostname: %s\n", sb->hostname);
  text_network (sb);
}

static void
text_setup (const struct plan *p)
{
  const struct sandbox *sb = p->sb;

  printf ("setup (%zu operation%s):\n", sb->n_ops, sb->n_ops == 1 ? "" : "s");
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct setup_op *op = &sb->ops[i];
      const struct op_plan *o = &p->ops[i];

      printf ("  %zu. %s", i + 1, op_name (op));
      if (op_is_bind (op))
        {
          if (o->skipped)
            printf (" %s -> %s (skipped: %s does not exist)", op->src, op->dest, op->src);
          else
            printf (" %s -> %s", o->src, op->dest);
        }
      else if (op_has_fd (op))
        printf (" fd %d -> %s", op->fd, op->dest);
      else if (op->type == OP_SYMLINK)
        printf (" %s -> %s", op->src, op->dest);
      else if (op->type == OP_CHMOD)
        printf (" %04o %s", (unsigned) op->perms, op->dest);
      else if (op_is_overlay (op))
        {
          printf (" %s, layers", op->dest);
          for (size_t j = 0; j < op->n_overlay_srcs; j++)
            printf (" %s", o->layers[j]);
          if (op->type == OP_OVERLAY)
            printf (", writes to %s (workdir %s)", o->src, o->workdir);
          else if (op->type == OP_TMP_OVERLAY)
            printf (", writes to an invisible tmpfs");
          else
            printf (", read-only");
        }
      else
        printf (" %s", op->dest);
      if (op->type != OP_CHMOD && (op->flags & OPF_PERMS_SET))
        printf (" mode %04o", (unsigned) op->perms);
      if (op->flags & OPF_SIZE_SET)
        printf (" size %zu", op->size);
      printf ("\n");
    }
}

static void
text_process (const struct plan *p)
{
  const struct sandbox *sb = p->sb;

  if (sb->n_env_ops > 0)
    {
      printf ("environment:\n");
      for (size_t i = 0; i < sb->n_env_ops; i++)
        {
          const struct env_op *e = &sb->env_ops[i];
          if (e->type == ENV_CLEAR)
            printf ("  clear\n");
          else if (e->type == ENV_SET)
            printf ("  set %s=%s\n", e->name, e->value);
          else
            printf ("  unset %s\n", e->name);
        }
    }
  if (sb->chdir_path != NULL)
    printf ("chdir: %s\n", sb->chdir_path);
  else
    printf ("chdir: the current directory if it exists inside, else $HOME, else /\n");

  printf ("process:");
  if (p->run->pid1)
    printf (" a reaper is PID 1%s;", p->run->has_lock_files ? " and holds the lock files" : "");
  if (sb->as_pid_1)
    printf (" the command is PID 1;");
  if (sb->new_session)
    printf (" new session;");
  if (sb->die_with_parent)
    printf (" dies with its parent;");
  if (!p->run->pid1 && !sb->as_pid_1 && !sb->new_session && !sb->die_with_parent)
    printf (" as started;");
  printf ("\n");

  const struct
  {
    const char *name;
    int fd;
  } fds[] = {
    { "info", sb->info_fd },   { "json-status", sb->json_status_fd },
    { "sync", sb->sync_fd },   { "block", sb->block_fd },
    { "userns-block", sb->userns_block_fd },
  };
  bool any = false;
  for (size_t i = 0; i < N_ELEMENTS (fds); i++)
    if (fds[i].fd >= 0)
      {
        printf ("%s %s %d", any ? "," : "fds:", fds[i].name, fds[i].fd);
        any = true;
      }
  for (size_t i = 0; i < sb->n_keep_fds; i++)
    {
      printf ("%s keep %d", any ? "," : "fds:", sb->keep_fds[i]);
      any = true;
    }
  if (any)
    printf ("\n");
}

static void
text_caps (const char *what, uint64_t caps)
{
  printf ("  %s:", what);
  if (caps == 0)
    printf (" none");
  for (int cap = 0; cap <= 63; cap++)
    if (caps & (1ULL << cap))
      {
        _cleanup_free_ char *name = cap_upper_name (cap);
        printf (" %s", name);
      }
  printf ("\n");
}

static void
text_confinement (const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  char buf[256], buf2[64];

  printf ("confinement:\n");
  text_caps ("capabilities", p->run->caps_keep);
  if (p->run->caps_ambient)
    printf ("    (also inheritable and ambient: kept across exec by any uid)\n");
  if (p->run->caps_set_bound)
    text_caps ("bounding set", p->run->caps_bound);
  else
    printf ("  bounding set: the caller's\n");
  printf ("  no_new_privs: yes\n");

  if (sb->n_seccomp_fds > 0)
    {
      printf ("  seccomp programs from fd");
      for (size_t i = 0; i < sb->n_seccomp_fds; i++)
        printf ("%s %d", i ? "," : "", sb->seccomp_fds[i]);
      printf ("\n");
    }
  if (sb->n_seccomp_deny > 0 || sb->seccomp_policy_default)
    {
      printf ("  seccomp filter:");
      if (sb->seccomp_policy_default)
        printf (" policy default;");
      if (sb->n_seccomp_deny > 0)
        {
          printf (" deny");
          for (size_t i = 0; i < sb->n_seccomp_deny; i++)
            printf ("%s%s", i ? "," : " ", sb->seccomp_deny[i]);
          printf (";");
        }
      printf (" errno %s",
              errno_name (sb->seccomp_errno ? sb->seccomp_errno : EPERM, buf2, sizeof buf2));
      if (p->run->seccomp_bpf_len > 0)
        printf ("; %zu BPF instructions", p->run->seccomp_bpf_len / 8);
      printf ("\n");
    }
  if (sb->n_seccomp_fds == 0 && sb->n_seccomp_deny == 0 && !sb->seccomp_policy_default)
    printf ("  seccomp: none\n");

  bool landlock = sb->n_landlock_ro > 0 || sb->n_landlock_rw > 0 || sb->landlock_connect_given
                  || sb->landlock_bind_given || sb->scope_abstract_unix || sb->scope_signals;
  if (landlock)
    {
      printf ("  landlock (kernel ABI %d%s):\n", p->run->landlock_abi,
              sb->landlock_best_effort ? ", best effort" : "");
      for (size_t i = 0; i < sb->n_landlock_ro; i++)
        printf ("    read and execute beneath %s\n", sb->landlock_ro[i]);
      for (size_t i = 0; i < sb->n_landlock_rw; i++)
        printf ("    read, write and execute beneath %s\n", sb->landlock_rw[i]);
      if (sb->landlock_connect_given)
        {
          format_ports (sb->landlock_connect, sb->n_landlock_connect, buf, sizeof buf);
          printf ("    TCP connect to ports: %s\n", buf);
        }
      if (sb->landlock_bind_given)
        {
          format_ports (sb->landlock_bind, sb->n_landlock_bind, buf, sizeof buf);
          printf ("    TCP bind to ports: %s\n", buf);
        }
      if (sb->scope_abstract_unix)
        printf ("    no abstract unix sockets outside\n");
      if (sb->scope_signals)
        printf ("    no signals outside\n");
    }
  else
    printf ("  landlock: none\n");

  for (size_t i = 0; i < sb->n_rlimits; i++)
    {
      char soft[32], hard[32];
      format_limit (sb->rlimits[i].soft, soft, sizeof soft);
      format_limit (sb->rlimits[i].hard, hard, sizeof hard);
      printf ("  rlimit %s: soft %s, hard %s\n", rlimit_name_of (sb->rlimits[i].resource), soft,
              hard);
    }
  if (sb->timeout_ms > 0)
    {
      format_seconds (sb->timeout_ms, buf, sizeof buf);
      format_seconds (sb->timeout_grace_ms, buf2, sizeof buf2);
      printf ("  timeout: %s s, then SIGKILL after %s s more; exit 124\n", buf, buf2);
    }
  if (sb->exec_label != NULL)
    printf ("  exec label: %s\n", sb->exec_label);
  if (sb->file_label != NULL)
    printf ("  file label: %s\n", sb->file_label);
}

static void
plan_text (const struct plan *p)
{
  const struct sandbox *sb = p->sb;

  printf ("%s dry run (%s): nothing is created\n", prog_name,
          privilege_is_setuid () ? "setuid mode" : "rootless");
  text_namespaces (p);
  text_setup (p);
  text_process (p);
  text_confinement (p);
  printf ("command:");
  for (size_t i = 0; i < sb->n_command; i++)
    printf (" %s", sb->command[i]);
  if (sb->argv0 != NULL)
    printf (" (argv[0]: %s)", sb->argv0);
  printf ("\n");
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */

/* Length of the valid UTF-8 sequence at s (0: not one). */
static size_t
utf8_len (const unsigned char *s)
{
  unsigned c = s[0];
  size_t n;
  unsigned min;
  unsigned cp;

  if (c < 0x80)
    return 1;
  if ((c & 0xe0) == 0xc0)
    n = 2, min = 0x80, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, min = 0x800, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

static void
json_str (const char *s)
{
  const unsigned char *p = (const unsigned char *) s;

  if (s == NULL)
    {
      fputs ("null", stdout);
      return;
    }
  putchar ('"');
  while (*p)
    {
      size_t n;
      if (*p == '"' || *p == '\\')
        printf ("\\%c", *p++);
      else if (*p == '\n')
        fputs ("\\n", stdout), p++;
      else if (*p == '\t')
        fputs ("\\t", stdout), p++;
      else if (*p < 0x20 || *p == 0x7f)
        printf ("\\u%04x", *p++);
      else if ((n = utf8_len (p)) > 0)
        {
          fwrite (p, 1, n, stdout);
          p += n;
        }
      else
        {
          fputs ("\\ufffd", stdout);
          p++;
        }
    }
  putchar ('"');
}

static void
json_key (const char *key)
{
  json_str (key);
  putchar (':');
}

static void
json_fd (const char *key, int fd, bool comma)
{
  json_key (key);
  if (fd >= 0)
    printf ("%d", fd);
  else
    fputs ("null", stdout);
  if (comma)
    putchar (',');
}

static void
json_bool (const char *key, bool v, bool comma)
{
  json_key (key);
  fputs (v ? "true" : "false", stdout);
  if (comma)
    putchar (',');
}

static void
json_map (const char *key, unsigned inside, unsigned outside)
{
  json_key (key);
  printf ("[{\"inside\":%u,\"outside\":%u,\"count\":1}]", inside, outside);
}

/* The lines newuidmap/newgidmap write, or else hutch's single line. */
static void
json_maps (const char *key, const struct id_map_entry *m, size_t n, unsigned inside,
           unsigned outside)
{
  if (n == 0)
    {
      json_map (key, inside, outside);
      return;
    }
  json_key (key);
  putchar ('[');
  for (size_t i = 0; i < n; i++)
    printf ("%s{\"inside\":%u,\"outside\":%u,\"count\":%u}", i ? "," : "",
            (unsigned) m[i].inside, (unsigned) m[i].outside, (unsigned) m[i].count);
  putchar (']');
}

static void
json_network (const struct sandbox *sb)
{
  json_key ("network");
  putchar ('{');
  json_key ("mode");
  json_str (sb->net_pasta         ? "pasta"
            : sb->netns_fd >= 0   ? "netns"
            : sb->unshare_net     ? "loopback"
                                  : "host");
  putchar (',');
  json_bool ("host_loopback", sb->net_host_loopback, true);
  json_key ("publish");
  putchar ('[');
  for (size_t i = 0; i < sb->n_publish; i++)
    {
      printf ("%s{\"host_addr\":", i ? "," : "");
      json_str (sb->publish[i].host_addr);
      printf (",\"host_port\":%u,\"sandbox_port\":%u,\"protocol\":\"%s\"}",
              (unsigned) sb->publish[i].host_port, (unsigned) sb->publish[i].sandbox_port,
              sb->publish[i].udp ? "udp" : "tcp");
    }
  fputs ("]}", stdout);
}

static void
json_limit (uint64_t v)
{
  if (v == UINT64_MAX)
    fputs ("\"unlimited\"", stdout);
  else
    printf ("%" PRIu64, v);
}

static void
json_ports (const char *key, bool given, const struct port_range *r, size_t n)
{
  json_key (key);
  if (!given)
    {
      fputs ("null", stdout);
      return;
    }
  putchar ('[');
  for (size_t i = 0; i < n; i++)
    printf ("%s[%u,%u]", i ? "," : "", (unsigned) r[i].lo, (unsigned) r[i].hi);
  putchar (']');
}

static void
json_str_array (const char *key, const char *const *v, size_t n)
{
  json_key (key);
  putchar ('[');
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        putchar (',');
      json_str (v[i]);
    }
  putchar (']');
}

static void
json_setup_op (const struct setup_op *op, const struct op_plan *o)
{
  char perms[16];

  putchar ('{');
  json_key ("op");
  json_str (op_name (op));
  if (op_is_bind (op))
    {
      putchar (',');
      json_key ("src");
      json_str (op->src);
      putchar (',');
      json_key ("source");
      json_str (o->src);
      putchar (',');
      json_bool ("skipped", o->skipped, false);
    }
  else if (op_has_fd (op))
    {
      putchar (',');
      json_fd ("fd", op->fd, false);
    }
  else if (op->type == OP_SYMLINK)
    {
      putchar (',');
      json_key ("target");
      json_str (op->src);
    }
  else if (op_is_overlay (op))
    {
      putchar (',');
      json_str_array ("layers", (const char *const *) o->layers, op->n_overlay_srcs);
      if (op->type == OP_OVERLAY)
        {
          putchar (',');
          json_key ("rw_source");
          json_str (o->src);
          putchar (',');
          json_key ("workdir");
          json_str (o->workdir);
        }
    }
  putchar (',');
  json_key ("dest");
  json_str (op->dest);
  if (op->flags & OPF_PERMS_SET)
    {
      snprintf (perms, sizeof perms, "%04o", (unsigned) op->perms);
      putchar (',');
      json_key ("perms");
      json_str (perms);
    }
  if (op->flags & OPF_SIZE_SET)
    printf (",\"size\":%zu", op->size);
  putchar ('}');
}

/* An array of capability names (after "KEY": unless key is NULL). */
static void
json_caps (const char *key, uint64_t caps)
{
  bool first = true;

  if (key != NULL)
    json_key (key);
  putchar ('[');
  for (int cap = 0; cap <= 63; cap++)
    if (caps & (1ULL << cap))
      {
        _cleanup_free_ char *name = cap_upper_name (cap);
        if (!first)
          putchar (',');
        json_str (name);
        first = false;
      }
  putchar (']');
}

static void
json_confinement (const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  char buf[64];
  bool first;

  json_key ("confinement");
  putchar ('{');
  json_caps ("capabilities", p->run->caps_keep);
  putchar (',');
  json_bool ("ambient", p->run->caps_ambient, true);
  json_key ("bounding");
  if (p->run->caps_set_bound)
    json_caps (NULL, p->run->caps_bound);
  else
    fputs ("null", stdout);
  putchar (',');
  json_bool ("no_new_privs", true, true);

  json_key ("seccomp");
  putchar ('{');
  json_key ("fds");
  putchar ('[');
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    printf ("%s%d", i ? "," : "", sb->seccomp_fds[i]);
  fputs ("],", stdout);
  json_key ("deny");
  putchar ('[');
  first = true;
  for (size_t i = 0; i < sb->n_seccomp_deny; i++)
    {
      const char *s = sb->seccomp_deny[i];
      for (;;)
        {
          size_t len = strcspn (s, ",");
          _cleanup_free_ char *name = xasprintf ("%.*s", (int) len, s);
          if (!first)
            putchar (',');
          json_str (name);
          first = false;
          if (s[len] == '\0')
            break;
          s += len + 1;
        }
    }
  fputs ("],", stdout);
  json_key ("policy");
  json_str (sb->seccomp_policy_default ? "default" : NULL);
  putchar (',');
  json_key ("errno");
  json_str (errno_name (sb->seccomp_errno ? sb->seccomp_errno : EPERM, buf, sizeof buf));
  printf (",\"filter_instructions\":%zu},", p->run->seccomp_bpf_len / 8);

  json_key ("landlock");
  putchar ('{');
  json_str_array ("ro", sb->landlock_ro, sb->n_landlock_ro);
  putchar (',');
  json_str_array ("rw", sb->landlock_rw, sb->n_landlock_rw);
  putchar (',');
  json_ports ("connect_tcp", sb->landlock_connect_given, sb->landlock_connect,
              sb->n_landlock_connect);
  putchar (',');
  json_ports ("bind_tcp", sb->landlock_bind_given, sb->landlock_bind, sb->n_landlock_bind);
  putchar (',');
  json_bool ("scope_abstract_unix", sb->scope_abstract_unix, true);
  json_bool ("scope_signals", sb->scope_signals, true);
  json_bool ("best_effort", sb->landlock_best_effort, true);
  printf ("\"kernel_abi\":%d},", p->run->landlock_abi);

  json_key ("rlimits");
  putchar ('[');
  for (size_t i = 0; i < sb->n_rlimits; i++)
    {
      printf ("%s{\"name\":", i ? "," : "");
      json_str (rlimit_name_of (sb->rlimits[i].resource));
      fputs (",\"soft\":", stdout);
      json_limit (sb->rlimits[i].soft);
      fputs (",\"hard\":", stdout);
      json_limit (sb->rlimits[i].hard);
      putchar ('}');
    }
  fputs ("],", stdout);

  json_key ("timeout");
  if (sb->timeout_ms > 0)
    {
      char s[32], g[32];
      format_seconds (sb->timeout_ms, s, sizeof s);
      format_seconds (sb->timeout_grace_ms, g, sizeof g);
      printf ("{\"seconds\":%s,\"grace\":%s}", s, g);
    }
  else
    fputs ("null", stdout);
  putchar (',');
  json_key ("exec_label");
  json_str (sb->exec_label);
  putchar (',');
  json_key ("file_label");
  json_str (sb->file_label);
  putchar ('}');
}

/* A uid or gid, or null when it is not known. */
static void
json_id (bool known, unsigned id)
{
  if (known)
    printf ("%u", id);
  else
    fputs ("null", stdout);
}

static void
plan_json (const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  const struct run *run = p->run;

  putchar ('{');
  json_key ("mode");
  json_str (privilege_is_setuid () ? "setuid" : "rootless");
  putchar (',');

  json_key ("namespaces");
  putchar ('{');
  json_bool ("user", run->userns, true);
  json_bool ("user_optional", run->userns && sb->unshare_user_try && !sb->unshare_user, true);
  json_bool ("mount", true, true);
  json_bool ("pid", sb->unshare_pid, true);
  json_bool ("net", sb->unshare_net, true);
  json_bool ("ipc", sb->unshare_ipc, true);
  json_bool ("uts", sb->unshare_uts, true);
  json_bool ("cgroup", p->cgroup, true);
  json_bool ("cgroup_optional", p->cgroup && !sb->unshare_cgroup, false);
  fputs ("},", stdout);

  json_key ("join");
  putchar ('{');
  json_fd ("userns", sb->userns_fd, true);
  json_fd ("userns2", sb->userns2_fd, true);
  json_fd ("pidns", sb->pidns_fd, true);
  json_fd ("netns", sb->netns_fd, false);
  fputs ("},", stdout);

  if (run->userns)
    {
      json_maps ("uid_map", run->uid_map, run->n_uid_map, (unsigned) run->ns_uid,
                 (unsigned) run->real_uid);
      putchar (',');
      json_maps ("gid_map", run->gid_map, run->n_gid_map, (unsigned) run->ns_gid,
                 (unsigned) run->real_gid);
    }
  else
    fputs ("\"uid_map\":[],\"gid_map\":[]", stdout);
  putchar (',');
  json_key ("nested_userns");
  if (run->nested_userns && sb->userns2_fd < 0)
    {
      putchar ('{');
      json_map ("uid_map", (unsigned) sb->uid, (unsigned) run->ns_uid);
      putchar (',');
      json_map ("gid_map", (unsigned) sb->gid, (unsigned) run->ns_gid);
      putchar (',');
      json_bool ("disable_userns", sb->disable_userns, false);
      putchar ('}');
    }
  else
    fputs ("null", stdout);
  printf (",\"maps_by_helper\":%s", run->n_uid_map > 0 || run->n_gid_map > 0 ? "true" : "false");
  fputs (",\"switch_ids\":", stdout);
  if (run->switch_ids)
    {
      fputs ("{\"uid\":", stdout);
      json_id (run->switch_uid != (uid_t) -1, run->switch_uid);
      fputs (",\"gid\":", stdout);
      json_id (run->switch_gid != (gid_t) -1, run->switch_gid);
      putchar ('}');
    }
  else
    fputs ("null", stdout);
  fputs (",\"uid\":", stdout);
  json_id (run->cmd_uid_known, run->cmd_uid);
  fputs (",\"gid\":", stdout);
  json_id (run->cmd_gid_known, run->cmd_gid);
  putchar (',');
  json_bool ("assert_userns_disabled", sb->assert_userns_disabled, true);
  json_key ("hostname");
  json_str (sb->hostname);
  putchar (',');
  json_network (sb);
  putchar (',');

  json_key ("setup");
  putchar ('[');
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      if (i)
        putchar (',');
      json_setup_op (&sb->ops[i], &p->ops[i]);
    }
  fputs ("],", stdout);

  json_key ("env");
  putchar ('[');
  for (size_t i = 0; i < sb->n_env_ops; i++)
    {
      const struct env_op *e = &sb->env_ops[i];
      if (i)
        putchar (',');
      if (e->type == ENV_CLEAR)
        fputs ("{\"op\":\"clear\"}", stdout);
      else
        {
          printf ("{\"op\":\"%s\",\"name\":", e->type == ENV_SET ? "set" : "unset");
          json_str (e->name);
          if (e->type == ENV_SET)
            {
              fputs (",\"value\":", stdout);
              json_str (e->value);
            }
          putchar ('}');
        }
    }
  fputs ("],", stdout);

  json_key ("chdir");
  json_str (sb->chdir_path);
  putchar (',');
  json_key ("argv0");
  json_str (sb->argv0);
  putchar (',');
  json_str_array ("command", (const char *const *) sb->command, sb->n_command);
  putchar (',');

  json_key ("process");
  putchar ('{');
  json_bool ("pid1_reaper", run->pid1, true);
  json_bool ("as_pid_1", sb->as_pid_1, true);
  json_bool ("new_session", sb->new_session, true);
  json_bool ("die_with_parent", sb->die_with_parent, false);
  fputs ("},", stdout);

  json_key ("fds");
  putchar ('{');
  json_fd ("info", sb->info_fd, true);
  json_fd ("json_status", sb->json_status_fd, true);
  json_fd ("sync", sb->sync_fd, true);
  json_fd ("block", sb->block_fd, true);
  json_fd ("userns_block", sb->userns_block_fd, true);
  json_key ("keep");
  putchar ('[');
  for (size_t i = 0; i < sb->n_keep_fds; i++)
    printf ("%s%d", i ? "," : "", sb->keep_fds[i]);
  fputs ("]},", stdout);

  json_confinement (p);
  fputs ("}\n", stdout);
}

/* ------------------------------------------------------------------------ */

void
plan_dry_run (const struct sandbox *sb, const struct run *run)
{
  struct plan p = { .sb = sb, .run = run };

  if (sb->dry_run == DRY_RUN_NONE)
    return;
  resolve_ops (&p);
  p.cgroup = sb->unshare_cgroup || (sb->unshare_cgroup_try && has_namespace ("cgroup"));

  if (sb->dry_run == DRY_RUN_JSON)
    plan_json (&p);
  else
    plan_text (&p);
  if (fflush (stdout) != 0 || ferror (stdout))
    die_with_error ("Can't write the plan");
  exit (EXIT_SUCCESS);
}
