/* hutch — --dry-run and --dry-run=json: print the checked plan, build nothing.
 *
 * Nothing here decides: every fact printed is one the run itself uses,
 * from `struct sandbox` and the prepared `struct run` (the namespaces
 * clone() creates, the ids mapped and the ids the command ends with, the
 * capabilities kept and the bounding set: namespaces_prepare() and
 * confine_caps_prepare(); the PID 1 decision; the Landlock ABI and the
 * compiled seccomp filter: confine_prepare()).  The bind and overlay
 * sources come from setup_resolve_sources(), the function the build
 * calls, into run->resolved_ops (it only stats and resolves paths, as the
 * caller), so a missing source dies with the same message and a skipped
 * -try op is the one the build skips.
 *
 * The JSON form is one object (json.h's writer); its shape is documented
 * in hutch(1).
 */
#include "config.h"

#include "dry-run.h"

#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "landlock.h"
#include "op-kinds.h"
#include "privilege.h"
#include "resource-limits.h"
#include "setup.h"
#include "utils.h"

struct plan
{
  const struct sandbox *sb;
  const struct run *run;
};

/* What the plan says of each op comes from its kind's row (op-kinds.c). */
static bool
op_has_fd (const struct setup_op *op)
{
  return op_kind_of (op)->fd != OP_FD_NONE;
}

static bool
op_is_bind (const struct setup_op *op)
{
  return op_kind_of (op)->source == OP_SRC_BIND;
}

static bool
op_is_overlay (const struct setup_op *op)
{
  return op_kind_of (op)->min_overlay_srcs > 0;
}

/* "CAP_SYS_ADMIN" for a capability number. */
static char *
cap_upper_name (int cap)
{
  char *name = cap_to_name ((cap_value_t)cap);
  char *out = xstrdup (name ? name : "?");
  cap_free (name);
  for (char *c = out; *c; c++)
    if (*c >= 'a' && *c <= 'z')
      *c = (char)(*c - 'a' + 'A');
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
        w = snprintf (buf + len, size - len, "%s%u", i ? "," : "", (unsigned)r[i].lo);
      else
        w = snprintf (buf + len, size - len, "%s%u-%u", i ? "," : "", (unsigned)r[i].lo,
                      (unsigned)r[i].hi);
      if (w < 0)
        break;
      len += (size_t)w;
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
    printf ("%s %u -> %u (%u)", i ? "," : "", (unsigned)m[i].inside, (unsigned)m[i].outside,
            (unsigned)m[i].count);
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
                (unsigned)sb->publish[i].host_port, (unsigned)sb->publish[i].sandbox_port,
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

  int ns = run->new_namespaces;
  printf ("namespaces:");
  if (ns & CLONE_NEWUSER)
    printf (" user%s", sb->unshare_user_try && !sb->unshare_user ? " (if possible)" : "");
  if (ns & CLONE_NEWNS)
    printf (" mount");
  if (ns & CLONE_NEWPID)
    printf (" pid");
  if (ns & CLONE_NEWNET)
    printf (" net");
  if (ns & CLONE_NEWIPC)
    printf (" ipc");
  if (ns & CLONE_NEWUTS)
    printf (" uts");
  if (ns & CLONE_NEWCGROUP)
    printf (" cgroup");
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
    printf ("user namespace: none; ids stay uid %u, gid %u\n", (unsigned)run->real_uid,
            (unsigned)run->real_gid);
  if (sb->userns2_fd >= 0)
    printf ("after setup: switch to the user namespace of fd %d\n", sb->userns2_fd);
  else if (run->nested_userns)
    printf ("after setup: a nested user namespace maps uid %u -> %u, gid %u -> %u%s%s\n",
            (unsigned)sb->uid, (unsigned)run->ns_uid, (unsigned)sb->gid, (unsigned)run->ns_gid,
            run->ns_uid != sb->uid || run->ns_gid != sb->gid ? " (root was mapped for --dev)" : "",
            sb->disable_userns ? "; no user namespace can be created inside it" : "");
  if (run->switch_ids)
    {
      printf ("after setup: switch to");
      if (run->switch_uid != (uid_t)-1)
        printf (" uid %u", (unsigned)run->switch_uid);
      if (run->switch_gid != (gid_t)-1)
        printf ("%s gid %u", run->switch_uid != (uid_t)-1 ? "," : "", (unsigned)run->switch_gid);
      printf (" inside the namespace\n");
    }
  if (sb->assert_userns_disabled)
    printf ("check: creating a user namespace inside must fail\n");
  printf ("ids: ");
  if (run->cmd_uid_known)
    printf ("uid %u", (unsigned)run->cmd_uid);
  else
    printf ("uid as the caller's is mapped in the user namespace of fd %d",
            sb->userns2_fd >= 0 ? sb->userns2_fd : sb->userns_fd);
  if (run->cmd_gid_known)
    printf (", gid %u\n", (unsigned)run->cmd_gid);
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
      const struct resolved_op *o = &p->run->resolved_ops[i];

      printf ("  %zu. %s", i + 1, op_kind_name (op));
      if (op_is_bind (op))
        {
          if (o->bind.missing)
            printf (" %s -> %s (skipped: %s does not exist)", op->src, op->dest, op->src);
          else
            printf (" %s -> %s", o->bind.path, op->dest);
        }
      else if (op_has_fd (op))
        printf (" fd %d -> %s", op->fd, op->dest);
      else if (op->type == OP_SYMLINK)
        printf (" %s -> %s", op->src, op->dest);
      else if (op->type == OP_CHMOD)
        printf (" %04o %s", (unsigned)op->perms, op->dest);
      else if (op_is_overlay (op))
        {
          printf (" %s, layers", op->dest);
          for (size_t j = 0; j < op->n_overlay_srcs; j++)
            printf (" %s", o->overlay_srcs[j]);
          if (op->type == OP_OVERLAY)
            printf (", writes to %s (workdir %s)", o->upper, o->workdir);
          else if (op->type == OP_TMP_OVERLAY)
            printf (", writes to an invisible tmpfs");
          else
            printf (", read-only");
        }
      else
        printf (" %s", op->dest);
      if (op->type != OP_CHMOD && (op->flags & OPF_PERMS_SET))
        printf (" mode %04o", (unsigned)op->perms);
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
    { "info", sb->info_fd },   { "json-status", sb->json_status_fd },   { "sync", sb->sync_fd },
    { "block", sb->block_fd }, { "userns-block", sb->userns_block_fd },
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

  struct landlock_summary ll;
  landlock_summarize (p->run, &ll);
  /* What is asked, and whether the ruleset the run builds enforces it
   * (with --landlock-best-effort a right the kernel lacks is dropped). */
  bool landlock = sb->n_landlock_ro > 0 || sb->n_landlock_rw > 0 || sb->landlock_connect_given
                  || sb->landlock_bind_given || sb->scope_abstract_unix || sb->scope_signals;
  const char *dropped = " (dropped: the kernel's Landlock ABI lacks it)";
  if (landlock)
    {
      printf ("  landlock (kernel ABI %d%s):\n", p->run->landlock_abi,
              sb->landlock_best_effort ? ", best effort" : "");
      for (size_t i = 0; i < sb->n_landlock_ro; i++)
        printf ("    read and execute beneath %s%s\n", sb->landlock_ro[i], ll.fs ? "" : dropped);
      for (size_t i = 0; i < sb->n_landlock_rw; i++)
        printf ("    read, write and execute beneath %s%s\n", sb->landlock_rw[i],
                ll.fs ? "" : dropped);
      if (sb->landlock_connect_given)
        {
          format_ports (sb->landlock_connect, sb->n_landlock_connect, buf, sizeof buf);
          printf ("    TCP connect to ports: %s%s\n", buf, ll.connect_tcp ? "" : dropped);
        }
      if (sb->landlock_bind_given)
        {
          format_ports (sb->landlock_bind, sb->n_landlock_bind, buf, sizeof buf);
          printf ("    TCP bind to ports: %s%s\n", buf, ll.bind_tcp ? "" : dropped);
        }
      if (sb->scope_abstract_unix)
        printf ("    no abstract unix sockets outside%s\n", ll.scope_abstract_unix ? "" : dropped);
      if (sb->scope_signals)
        printf ("    no signals outside%s\n", ll.scope_signals ? "" : dropped);
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
  if (sb->n_origins > 0)
    printf ("options from profiles:\n");
  for (size_t i = 0; i < sb->n_origins; i++)
    printf ("  %s: %s\n", sb->origins[i].where, sb->origins[i].option);
}

/* ------------------------------------------------------------------------ */
/* JSON                                                                      */

/* [{"inside":I,"outside":O,"count":1}] */
static void
json_map (struct json *j, const char *key, unsigned inside, unsigned outside)
{
  json_key (j, key);
  json_array_begin (j, JSON_COMPACT);
  json_object_begin (j, JSON_COMPACT);
  json_member_uint (j, "inside", inside);
  json_member_uint (j, "outside", outside);
  json_member_uint (j, "count", 1);
  json_object_end (j);
  json_array_end (j);
}

/* The lines newuidmap/newgidmap write, or else hutch's single line. */
static void
json_maps (struct json *j, const char *key, const struct id_map_entry *m, size_t n, unsigned inside,
           unsigned outside)
{
  if (n == 0)
    {
      json_map (j, key, inside, outside);
      return;
    }
  json_key (j, key);
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < n; i++)
    {
      json_object_begin (j, JSON_COMPACT);
      json_member_uint (j, "inside", m[i].inside);
      json_member_uint (j, "outside", m[i].outside);
      json_member_uint (j, "count", m[i].count);
      json_object_end (j);
    }
  json_array_end (j);
}

static void
json_network (struct json *j, const struct sandbox *sb)
{
  json_key (j, "network");
  json_object_begin (j, JSON_COMPACT);
  json_member_string (j, "mode",
                      sb->net_pasta       ? "pasta"
                      : sb->netns_fd >= 0 ? "netns"
                      : sb->unshare_net   ? "loopback"
                                          : "host");
  json_member_bool (j, "host_loopback", sb->net_host_loopback);
  json_key (j, "publish");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_publish; i++)
    {
      json_object_begin (j, JSON_COMPACT);
      json_member_string (j, "host_addr", sb->publish[i].host_addr);
      json_member_uint (j, "host_port", sb->publish[i].host_port);
      json_member_uint (j, "sandbox_port", sb->publish[i].sandbox_port);
      json_member_string (j, "protocol", sb->publish[i].udp ? "udp" : "tcp");
      json_object_end (j);
    }
  json_array_end (j);
  json_object_end (j);
}

static void
json_limit (struct json *j, const char *key, uint64_t v)
{
  json_key (j, key);
  if (v == UINT64_MAX)
    json_string (j, "unlimited");
  else
    json_uint (j, v);
}

static void
json_ports (struct json *j, const char *key, bool given, const struct port_range *r, size_t n)
{
  json_key (j, key);
  if (!given)
    {
      json_null (j);
      return;
    }
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < n; i++)
    {
      json_array_begin (j, JSON_COMPACT);
      json_uint (j, r[i].lo);
      json_uint (j, r[i].hi);
      json_array_end (j);
    }
  json_array_end (j);
}

static void
json_str_array (struct json *j, const char *key, const char *const *v, size_t n)
{
  json_key (j, key);
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < n; i++)
    json_string (j, v[i]);
  json_array_end (j);
}

static void
json_setup_op (struct json *j, const struct setup_op *op, const struct resolved_op *o)
{
  char perms[16];

  json_object_begin (j, JSON_COMPACT);
  json_member_string (j, "op", op_kind_name (op));
  if (op_is_bind (op))
    {
      json_member_string (j, "src", op->src);
      json_member_string (j, "source", o->bind.path);
      json_member_bool (j, "skipped", o->bind.missing);
    }
  else if (op_has_fd (op))
    json_member_fd (j, "fd", op->fd);
  else if (op->type == OP_SYMLINK)
    json_member_string (j, "target", op->src);
  else if (op_is_overlay (op))
    {
      json_str_array (j, "layers", (const char *const *)o->overlay_srcs, op->n_overlay_srcs);
      if (op->type == OP_OVERLAY)
        {
          json_member_string (j, "rw_source", o->upper);
          json_member_string (j, "workdir", o->workdir);
        }
    }
  json_member_string (j, "dest", op->dest);
  if (op->flags & OPF_PERMS_SET)
    {
      snprintf (perms, sizeof perms, "%04o", (unsigned)op->perms);
      json_member_string (j, "perms", perms);
    }
  if (op->flags & OPF_SIZE_SET)
    json_member_uint (j, "size", op->size);
  json_object_end (j);
}

/* An array of capability names. */
static void
json_caps (struct json *j, uint64_t caps)
{
  json_array_begin (j, JSON_COMPACT);
  for (int cap = 0; cap <= 63; cap++)
    if (caps & (1ULL << cap))
      {
        _cleanup_free_ char *name = cap_upper_name (cap);
        json_string (j, name);
      }
  json_array_end (j);
}

static void
json_seccomp (struct json *j, const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  char buf[64];

  json_key (j, "seccomp");
  json_object_begin (j, JSON_COMPACT);
  json_key (j, "fds");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    json_int (j, sb->seccomp_fds[i]);
  json_array_end (j);
  json_key (j, "deny");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_seccomp_deny; i++)
    {
      const char *s = sb->seccomp_deny[i];
      for (;;)
        {
          size_t len = strcspn (s, ",");
          _cleanup_free_ char *name = xasprintf ("%.*s", (int)len, s);
          json_string (j, name);
          if (s[len] == '\0')
            break;
          s += len + 1;
        }
    }
  json_array_end (j);
  json_member_string (j, "policy", sb->seccomp_policy_default ? "default" : NULL);
  json_member_string (j, "errno",
                      errno_name (sb->seccomp_errno ? sb->seccomp_errno : EPERM, buf, sizeof buf));
  json_member_uint (j, "filter_instructions", p->run->seccomp_bpf_len / 8);
  json_object_end (j);
}

static void
json_landlock (struct json *j, const struct plan *p)
{
  const struct sandbox *sb = p->sb;

  json_key (j, "landlock");
  json_object_begin (j, JSON_COMPACT);
  json_str_array (j, "ro", sb->landlock_ro, sb->n_landlock_ro);
  json_str_array (j, "rw", sb->landlock_rw, sb->n_landlock_rw);
  json_ports (j, "connect_tcp", sb->landlock_connect_given, sb->landlock_connect,
              sb->n_landlock_connect);
  json_ports (j, "bind_tcp", sb->landlock_bind_given, sb->landlock_bind, sb->n_landlock_bind);
  json_member_bool (j, "scope_abstract_unix", sb->scope_abstract_unix);
  json_member_bool (j, "scope_signals", sb->scope_signals);
  json_member_bool (j, "best_effort", sb->landlock_best_effort);
  json_member_int (j, "kernel_abi", p->run->landlock_abi);
  /* What the ruleset the run builds enforces (landlock_check()). */
  struct landlock_summary ll;
  landlock_summarize (p->run, &ll);
  json_key (j, "enforced");
  json_object_begin (j, JSON_COMPACT);
  json_member_bool (j, "fs", ll.fs);
  json_member_bool (j, "connect_tcp", ll.connect_tcp);
  json_member_bool (j, "bind_tcp", ll.bind_tcp);
  json_member_bool (j, "scope_abstract_unix", ll.scope_abstract_unix);
  json_member_bool (j, "scope_signals", ll.scope_signals);
  json_object_end (j);
  json_object_end (j);
}

static void
json_confinement (struct json *j, const struct plan *p)
{
  const struct sandbox *sb = p->sb;

  json_key (j, "confinement");
  json_object_begin (j, JSON_COMPACT);
  json_key (j, "capabilities");
  json_caps (j, p->run->caps_keep);
  json_member_bool (j, "ambient", p->run->caps_ambient);
  json_key (j, "bounding");
  if (p->run->caps_set_bound)
    json_caps (j, p->run->caps_bound);
  else
    json_null (j);
  json_member_bool (j, "no_new_privs", true);
  json_seccomp (j, p);
  json_landlock (j, p);

  json_key (j, "rlimits");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_rlimits; i++)
    {
      json_object_begin (j, JSON_COMPACT);
      json_member_string (j, "name", rlimit_name_of (sb->rlimits[i].resource));
      json_limit (j, "soft", sb->rlimits[i].soft);
      json_limit (j, "hard", sb->rlimits[i].hard);
      json_object_end (j);
    }
  json_array_end (j);

  json_key (j, "timeout");
  if (sb->timeout_ms > 0)
    {
      char s[32], g[32];
      format_seconds (sb->timeout_ms, s, sizeof s);
      format_seconds (sb->timeout_grace_ms, g, sizeof g);
      json_object_begin (j, JSON_COMPACT);
      json_key (j, "seconds");
      json_number_text (j, s);
      json_key (j, "grace");
      json_number_text (j, g);
      json_object_end (j);
    }
  else
    json_null (j);
  json_member_string (j, "exec_label", sb->exec_label);
  json_member_string (j, "file_label", sb->file_label);
  json_object_end (j);
}

/* A uid or gid, or null when it is not known. */
static void
json_id (struct json *j, const char *key, bool known, unsigned id)
{
  json_key (j, key);
  if (known)
    json_uint (j, id);
  else
    json_null (j);
}

static void
json_namespaces (struct json *j, const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  const struct run *run = p->run;
  int ns = run->new_namespaces;

  json_key (j, "namespaces");
  json_object_begin (j, JSON_COMPACT);
  json_member_bool (j, "user", (ns & CLONE_NEWUSER) != 0);
  json_member_bool (j, "user_optional",
                    (ns & CLONE_NEWUSER) && sb->unshare_user_try && !sb->unshare_user);
  json_member_bool (j, "mount", (ns & CLONE_NEWNS) != 0);
  json_member_bool (j, "pid", (ns & CLONE_NEWPID) != 0);
  json_member_bool (j, "net", (ns & CLONE_NEWNET) != 0);
  json_member_bool (j, "ipc", (ns & CLONE_NEWIPC) != 0);
  json_member_bool (j, "uts", (ns & CLONE_NEWUTS) != 0);
  json_member_bool (j, "cgroup", (ns & CLONE_NEWCGROUP) != 0);
  json_member_bool (j, "cgroup_optional", (ns & CLONE_NEWCGROUP) && !sb->unshare_cgroup);
  json_object_end (j);

  json_key (j, "join");
  json_object_begin (j, JSON_COMPACT);
  json_member_fd (j, "userns", sb->userns_fd);
  json_member_fd (j, "userns2", sb->userns2_fd);
  json_member_fd (j, "pidns", sb->pidns_fd);
  json_member_fd (j, "netns", sb->netns_fd);
  json_object_end (j);
}

static void
json_ids (struct json *j, const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  const struct run *run = p->run;

  if (run->userns)
    {
      json_maps (j, "uid_map", run->uid_map, run->n_uid_map, (unsigned)run->ns_uid,
                 (unsigned)run->real_uid);
      json_maps (j, "gid_map", run->gid_map, run->n_gid_map, (unsigned)run->ns_gid,
                 (unsigned)run->real_gid);
    }
  else
    {
      json_key (j, "uid_map");
      json_array_begin (j, JSON_COMPACT);
      json_array_end (j);
      json_key (j, "gid_map");
      json_array_begin (j, JSON_COMPACT);
      json_array_end (j);
    }
  json_key (j, "nested_userns");
  if (run->nested_userns && sb->userns2_fd < 0)
    {
      json_object_begin (j, JSON_COMPACT);
      json_map (j, "uid_map", (unsigned)sb->uid, (unsigned)run->ns_uid);
      json_map (j, "gid_map", (unsigned)sb->gid, (unsigned)run->ns_gid);
      json_member_bool (j, "disable_userns", sb->disable_userns);
      json_object_end (j);
    }
  else
    json_null (j);
  json_member_bool (j, "maps_by_helper", run->n_uid_map > 0 || run->n_gid_map > 0);
  json_key (j, "switch_ids");
  if (run->switch_ids)
    {
      json_object_begin (j, JSON_COMPACT);
      json_id (j, "uid", run->switch_uid != (uid_t)-1, run->switch_uid);
      json_id (j, "gid", run->switch_gid != (gid_t)-1, run->switch_gid);
      json_object_end (j);
    }
  else
    json_null (j);
  json_id (j, "uid", run->cmd_uid_known, run->cmd_uid);
  json_id (j, "gid", run->cmd_gid_known, run->cmd_gid);
}

static void
json_env (struct json *j, const struct sandbox *sb)
{
  json_key (j, "env");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_env_ops; i++)
    {
      const struct env_op *e = &sb->env_ops[i];
      json_object_begin (j, JSON_COMPACT);
      json_member_string (j, "op",
                          e->type == ENV_CLEAR ? "clear"
                          : e->type == ENV_SET ? "set"
                                               : "unset");
      if (e->type != ENV_CLEAR)
        json_member_string (j, "name", e->name);
      if (e->type == ENV_SET)
        json_member_string (j, "value", e->value);
      json_object_end (j);
    }
  json_array_end (j);
}

static void
json_process (struct json *j, const struct plan *p)
{
  const struct sandbox *sb = p->sb;

  json_key (j, "process");
  json_object_begin (j, JSON_COMPACT);
  json_member_bool (j, "pid1_reaper", p->run->pid1);
  json_member_bool (j, "as_pid_1", sb->as_pid_1);
  json_member_bool (j, "new_session", sb->new_session);
  json_member_bool (j, "die_with_parent", sb->die_with_parent);
  json_object_end (j);

  json_key (j, "fds");
  json_object_begin (j, JSON_COMPACT);
  json_member_fd (j, "info", sb->info_fd);
  json_member_fd (j, "json_status", sb->json_status_fd);
  json_member_fd (j, "sync", sb->sync_fd);
  json_member_fd (j, "block", sb->block_fd);
  json_member_fd (j, "userns_block", sb->userns_block_fd);
  json_key (j, "keep");
  json_array_begin (j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_keep_fds; i++)
    json_int (j, sb->keep_fds[i]);
  json_array_end (j);
  json_object_end (j);
}

static void
plan_json (const struct plan *p)
{
  const struct sandbox *sb = p->sb;
  struct json j;

  json_init (&j);
  json_object_begin (&j, JSON_COMPACT);
  json_member_string (&j, "mode", privilege_is_setuid () ? "setuid" : "rootless");
  json_namespaces (&j, p);
  json_ids (&j, p);
  json_member_bool (&j, "assert_userns_disabled", sb->assert_userns_disabled);
  json_member_string (&j, "hostname", sb->hostname);
  json_network (&j, sb);

  json_key (&j, "setup");
  json_array_begin (&j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_ops; i++)
    json_setup_op (&j, &sb->ops[i], &p->run->resolved_ops[i]);
  json_array_end (&j);

  json_env (&j, sb);
  json_member_string (&j, "chdir", sb->chdir_path);
  json_member_string (&j, "argv0", sb->argv0);
  json_str_array (&j, "command", (const char *const *)sb->command, sb->n_command);
  json_process (&j, p);
  json_confinement (&j, p);
  json_key (&j, "origins");
  json_array_begin (&j, JSON_COMPACT);
  for (size_t i = 0; i < sb->n_origins; i++)
    {
      json_object_begin (&j, JSON_COMPACT);
      json_member_string (&j, "option", sb->origins[i].option);
      json_member_string (&j, "from", sb->origins[i].where);
      json_object_end (&j);
    }
  json_array_end (&j);
  json_object_end (&j);
  json_append (&j, "\n");
  fwrite (j.buf, 1, j.len, stdout);
  json_free (&j);
}

/* ------------------------------------------------------------------------ */

void
dry_run_print (struct sandbox *sb, struct run *run)
{
  struct plan p = { .sb = sb, .run = run };

  if (sb->dry_run == DRY_RUN_NONE)
    return;
  /* The sources as the build finds them (only stat and realpath, as the
   * caller): a missing one dies here, a missing -try one is skipped. */
  setup_resolve_sources (sb, run);

  if (sb->dry_run == DRY_RUN_JSON)
    plan_json (&p);
  else
    plan_text (&p);
  if (fflush (stdout) != 0 || ferror (stdout))
    die_with_error ("Can't write the plan");
  exit (EXIT_SUCCESS);
}
