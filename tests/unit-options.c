/* hutch — unit tests for options.c (parse and check), without any sandbox.
 *
 * Error cases die and exit, so they run in a forked child whose stdout and
 * stderr go to memory files; the parent checks the exit status and output.
 * Output is TAP-like: "ok N - name" / "not ok N - name", then a summary.
 */
#include "config.h"

#include "op-kinds.h"
#include "options.h"
#include "syscall-filter.h"
#include "tests/tap.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_PRECOMPILED_SECCOMP
#include "seccomp-default.h"
#endif

static void
skip (const char *name, const char *why)
{
  n_tests++;
  n_skipped++;
  printf ("ok %d - %s # SKIP %s\n", n_tests, name, why);
  fflush (stdout);
}

static void
diag (const char *fmt, ...)
{
  va_list ap;
  printf ("# ");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
}

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })

static int
count_words (char **v)
{
  int n = 0;
  while (v[n] != NULL)
    n++;
  return n;
}

static bool
str_eq (const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp (a, b) == 0;
}

static void
sb_free (struct sandbox *sb)
{
  for (size_t i = 0; i < sb->n_ops; i++)
    free (sb->ops[i].overlay_srcs);
  free (sb->ops);
  free (sb->env_ops);
  free (sb->seccomp_fds);
  free (sb->command);
  memset (sb, 0, sizeof *sb);
}

/* Whether the sandboxes of the tests get the safe preset on a command
 * line without file-system options (only test_default_preset wants it). */
static bool default_preset;

static void
test_sandbox_init (struct sandbox *sb)
{
  sandbox_init (sb);
  sb->no_default_preset = !default_preset;
}

static void
parse (struct sandbox *sb, char **v)
{
  test_sandbox_init (sb);
  options_parse (sb, count_words (v), v);
}

static void
parse_check (struct sandbox *sb, char **v)
{
  parse (sb, v);
  options_check (sb);
}

/* An fd whose read gives `len` bytes of `data`, then EOF. */
static int
data_fd (const void *data, size_t len)
{
  int fd = memfd_create ("args", MFD_CLOEXEC);
  if (fd < 0 || write_all (fd, data, len) < 0 || lseek (fd, 0, SEEK_SET) != 0)
    {
      perror ("memfd");
      exit (2);
    }
  return fd;
}

static char *
fd_str (int fd)
{
  return xasprintf ("%d", fd);
}

static bool
fd_is_closed (int fd)
{
  return fcntl (fd, F_GETFD) < 0 && errno == EBADF;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------------ */
/* Children                                                                  */

struct child_result
{
  int status; /* exit code, or 128 + signal */
  char *out;
  char *err;
};

enum child_mode
{
  PARSE_CHECK,
  PARSE_ONLY,
  PARSE_CHECK_AS_USER
};

static uid_t unprivileged_uid = 65534;

static void
run_child (struct child_result *res, enum child_mode mode, char **v)
{
  int out = memfd_create ("out", 0), err = memfd_create ("err", 0);
  size_t len;
  int status;

  fflush (stdout);
  fflush (stderr);
  pid_t pid = fork ();
  if (pid < 0)
    {
      perror ("fork");
      exit (2);
    }
  if (pid == 0)
    {
      struct sandbox sb;
      dup2 (out, STDOUT_FILENO);
      dup2 (err, STDERR_FILENO);
      if (mode == PARSE_CHECK_AS_USER)
        {
          if (setgid (unprivileged_uid) != 0 || setuid (unprivileged_uid) != 0)
            _exit (99);
        }
      test_sandbox_init (&sb);
      options_parse (&sb, count_words (v), v);
      if (mode != PARSE_ONLY)
        options_check (&sb);
      fflush (stdout);
      _exit (0);
    }
  waitpid (pid, &status, 0);
  res->status = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
  lseek (out, 0, SEEK_SET);
  lseek (err, 0, SEEK_SET);
  if (read_all (out, &res->out, &len) < 0 || read_all (err, &res->err, &len) < 0)
    exit (2);
  close (out);
  close (err);
}

static void
child_result_free (struct child_result *res)
{
  free (res->out);
  free (res->err);
}

/* The child must exit 1 with exactly `expected_err` on stderr. */
static void
expect_fail_full (const char *name, char **v, const char *expected_err)
{
  struct child_result res;
  run_child (&res, PARSE_CHECK, v);
  if (!ok (res.status == 1 && str_eq (res.err, expected_err), "%s", name))
    diag ("status %d, stderr: %s", res.status, res.err);
  child_result_free (&res);
}

/* The child must exit 1 with the one line "hutch: MESSAGE". */
static void
expect_fail (const char *message, char **v)
{
  char *line = xasprintf ("hutch: %s\n", message);
  char *name = xasprintf ("error: %s", message);
  expect_fail_full (name, v, line);
  free (line);
  free (name);
}

static bool
starts_with (const char *s, const char *prefix)
{
  return s != NULL && strncmp (s, prefix, strlen (prefix)) == 0;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                     */

static void
test_init (void)
{
  struct sandbox sb;
  memset (&sb, 0x5a, sizeof sb);
  sandbox_init (&sb);
  ok (sb.info_fd == -1 && sb.json_status_fd == -1 && sb.sync_fd == -1 && sb.block_fd == -1
          && sb.userns_block_fd == -1 && sb.userns_fd == -1 && sb.userns2_fd == -1
          && sb.pidns_fd == -1,
      "sandbox_init: every fd is -1");
  ok (sb.uid == getuid () && sb.gid == getgid () && !sb.uid_set && !sb.gid_set,
      "sandbox_init: uid/gid are the caller's, not set");
  ok (sb.n_ops == 0 && sb.ops == NULL && sb.n_env_ops == 0 && sb.command == NULL && !sb.unshare_user
          && !sb.caps_given && sb.caps == 0 && sb.hostname == NULL && sb.chdir_count == 0
          && sb.n_seccomp_fds == 0 && !sb.level_prefix,
      "sandbox_init: the rest is zero");
}

static void
test_table (void)
{
  bool good = true, found_all = true, unique = true;

  for (size_t i = 0; i < option_table_len; i++)
    {
      const struct option_def *o = &option_table[i];
      int words = 0;
      if (o->arg_names != NULL)
        {
          words = 1;
          for (const char *p = o->arg_names; *p; p++)
            words += *p == ' ';
        }
      if (!starts_with (o->name, "--") || o->handler == NULL || o->help == NULL || o->n_args < 0
          || o->n_args > 3 || words != o->n_args)
        {
          diag ("bad row %s", o->name);
          good = false;
        }
      if (options_lookup (o->name) != o)
        {
          diag ("lookup of %s failed", o->name);
          found_all = false;
        }
      for (size_t j = 0; j < i; j++)
        if (strcmp (option_table[j].name, o->name) == 0)
          unique = false;
    }
  ok (good, "table: rows are well formed (name, handler, help, arity = arg names)");
  ok (found_all, "table: options_lookup finds every row");
  ok (unique, "table: names are unique");
  ok (options_lookup ("--nope") == NULL && options_lookup ("--") == NULL
          && options_lookup ("-") == NULL && options_lookup ("") == NULL
          && options_lookup ("--bin") == NULL && options_lookup ("--bind-tryx") == NULL,
      "table: unknown names are not found");
  /* bubblewrap 0.11's 67, plus hutch's own. */
  static const char *const hutch_own[] = {
    "--seccomp-deny",
    "--seccomp-errno",
    "--seccomp-policy",
    "--landlock-ro",
    "--landlock-rw",
    "--landlock-connect-tcp",
    "--landlock-bind-tcp",
    "--scope-abstract-unix",
    "--scope-signals",
    "--landlock-best-effort",
    "--rlimit",
    "--timeout",
    "--list-options",
    "--diagnose",
    "--dry-run",
    "--dry-run=json",
    "--explain",
    "--explain=json",
    "--learn",
    "--keep-fd",
    "--map-subids",
    "--uid-map",
    "--gid-map",
    "--preset",
    "--profile",
    "--system-links",
    "--cwd-bind",
    "--x11-socket",
    "--seccomp-policy-try",
    "--dbus-talk-try",
    "--quiet",
    "--verbose",
    "--net",
    "--net-host-loopback",
    "--publish",
    "--dbus-talk",
    "--dbus-own",
    "--dbus-see",
    "--dbus-call",
    "--dbus-broadcast",
    "--dbus-system-talk",
    "--dbus-system-own",
    "--dbus-system-see",
    "--dbus-system-call",
    "--dbus-log",
    "--forward-signals", /* bubblewrap's after 0.11 */
    "--netns",           /* bubblewrap's pending interface */
    "--name",            /* running sandboxes (instance.c) */
    "--list",
    "--list=json",
    "--enter",
    "--stop",
    "--grace",
  };
  bool own = true;
  for (size_t i = 0; i < N_ELEMENTS (hutch_own); i++)
    if (options_lookup (hutch_own[i]) == NULL)
      {
        diag ("missing %s", hutch_own[i]);
        own = false;
      }
  ok (own && option_table_len == 67 + N_ELEMENTS (hutch_own),
      "table: bubblewrap 0.11's 67 options and hutch's own, nothing else");

  static const char *const expected[] = {
    "--help",
    "--version",
    "--args",
    "--argv0",
    "--level-prefix",
    "--unshare-all",
    "--share-net",
    "--unshare-user",
    "--unshare-user-try",
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-uts",
    "--unshare-cgroup",
    "--unshare-cgroup-try",
    "--userns",
    "--userns2",
    "--disable-userns",
    "--assert-userns-disabled",
    "--pidns",
    "--uid",
    "--gid",
    "--hostname",
    "--chdir",
    "--clearenv",
    "--setenv",
    "--unsetenv",
    "--lock-file",
    "--sync-fd",
    "--bind",
    "--bind-try",
    "--dev-bind",
    "--dev-bind-try",
    "--ro-bind",
    "--ro-bind-try",
    "--bind-fd",
    "--ro-bind-fd",
    "--remount-ro",
    "--overlay-src",
    "--overlay",
    "--tmp-overlay",
    "--ro-overlay",
    "--exec-label",
    "--file-label",
    "--proc",
    "--dev",
    "--tmpfs",
    "--mqueue",
    "--dir",
    "--file",
    "--bind-data",
    "--ro-bind-data",
    "--symlink",
    "--seccomp",
    "--add-seccomp-fd",
    "--block-fd",
    "--userns-block-fd",
    "--info-fd",
    "--json-status-fd",
    "--new-session",
    "--die-with-parent",
    "--as-pid-1",
    "--cap-add",
    "--cap-drop",
    "--perms",
    "--size",
    "--chmod",
  };
  bool all = true;
  for (size_t i = 0; i < N_ELEMENTS (expected); i++)
    if (options_lookup (expected[i]) == NULL)
      {
        diag ("missing %s", expected[i]);
        all = false;
      }
  ok (all, "table: every bubblewrap 0.11 option is present");
}

static void
test_ops_in_order (void)
{
  struct sandbox sb;
  parse_check (&sb,
               ARGV ("--bind", "/s1", "/d1", "--bind-try", "/s2", "/d2", "--dev-bind", "/s3", "/d3",
                     "--dev-bind-try", "/s4", "/d4", "--ro-bind", "/s5", "/d5", "--ro-bind-try",
                     "/s6", "/d6", "--bind-fd", "7", "/d7", "--ro-bind-fd", "8", "/d8",
                     "--remount-ro", "/d9", "--proc", "/proc", "--dev", "/dev", "--perms", "1777",
                     "--size", "1048576", "--tmpfs", "/tmp", "--mqueue", "/mq", "--perms", "0700",
                     "--dir", "/dir", "--symlink", "tgt", "/lnk", "--chmod", "0644", "/lnk2",
                     "--perms", "0600", "--file", "10", "/f", "--bind-data", "11", "/bd", "--perms",
                     "0444", "--ro-bind-data", "12", "/rbd", "--overlay-src", "/l1",
                     "--overlay-src", "/l2", "--overlay", "/rw", "/wd", "/ov", "--overlay-src",
                     "/l3", "--tmp-overlay", "/tov", "--overlay-src", "/l4", "--overlay-src", "/l5",
                     "--ro-overlay", "/rov", "--lock-file", "/lock", "--size", "0x1000", "--tmpfs",
                     "/t2", "--dir", "/d2", "--file", "3", "/f2", "cmd", "a", "b"));

  struct expect
  {
    enum op_type type;
    unsigned flags;
    const char *src, *dest;
    int fd;
    mode_t perms;
    size_t size;
  } exp[] = {
    { OP_BIND, 0, "/s1", "/d1", -1, 0, 0 },
    { OP_BIND, OPF_TRY, "/s2", "/d2", -1, 0, 0 },
    { OP_DEV_BIND, 0, "/s3", "/d3", -1, 0, 0 },
    { OP_DEV_BIND, OPF_TRY, "/s4", "/d4", -1, 0, 0 },
    { OP_RO_BIND, 0, "/s5", "/d5", -1, 0, 0 },
    { OP_RO_BIND, OPF_TRY, "/s6", "/d6", -1, 0, 0 },
    { OP_BIND_FD, 0, NULL, "/d7", 7, 0, 0 },
    { OP_RO_BIND_FD, 0, NULL, "/d8", 8, 0, 0 },
    { OP_REMOUNT_RO, 0, NULL, "/d9", -1, 0, 0 },
    { OP_PROC, 0, NULL, "/proc", -1, 0, 0 },
    { OP_DEV, 0, NULL, "/dev", -1, 0, 0 },
    { OP_TMPFS, OPF_PERMS_SET | OPF_SIZE_SET, NULL, "/tmp", -1, 01777, 1048576 },
    { OP_MQUEUE, 0, NULL, "/mq", -1, 0, 0 },
    { OP_DIR, OPF_PERMS_SET, NULL, "/dir", -1, 0700, 0 },
    { OP_SYMLINK, 0, "tgt", "/lnk", -1, 0, 0 },
    { OP_CHMOD, OPF_PERMS_SET, NULL, "/lnk2", -1, 0644, 0 },
    { OP_FILE, OPF_PERMS_SET, NULL, "/f", 10, 0600, 0 },
    { OP_BIND_DATA, 0, NULL, "/bd", 11, 0, 0 },
    { OP_RO_BIND_DATA, OPF_PERMS_SET, NULL, "/rbd", 12, 0444, 0 },
    { OP_OVERLAY, 0, "/rw", "/ov", -1, 0, 0 },
    { OP_TMP_OVERLAY, 0, NULL, "/tov", -1, 0, 0 },
    { OP_RO_OVERLAY, 0, NULL, "/rov", -1, 0, 0 },
    { OP_LOCK_FILE, 0, NULL, "/lock", -1, 0, 0 },
    { OP_TMPFS, OPF_SIZE_SET, NULL, "/t2", -1, 0, 4096 },
    { OP_DIR, 0, NULL, "/d2", -1, 0, 0 },
    { OP_FILE, 0, NULL, "/f2", 3, 0, 0 },
  };

  bool good = ok (sb.n_ops == N_ELEMENTS (exp), "ops: %zu ops for %zu options", sb.n_ops,
                  N_ELEMENTS (exp));
  for (size_t i = 0; good && i < N_ELEMENTS (exp); i++)
    {
      const struct setup_op *op = &sb.ops[i];
      bool same = op->type == exp[i].type && op->flags == exp[i].flags
                  && str_eq (op->src, exp[i].src) && str_eq (op->dest, exp[i].dest)
                  && op->fd == exp[i].fd
                  && (!(op->flags & OPF_PERMS_SET) || op->perms == exp[i].perms)
                  && (!(op->flags & OPF_SIZE_SET) || op->size == exp[i].size);
      if (!same)
        {
          diag ("op %zu: type %d flags %u src %s dest %s fd %d perms %o size %zu", i, op->type,
                op->flags, op->src ? op->src : "(null)", op->dest, op->fd, (unsigned)op->perms,
                op->size);
          good = false;
        }
    }
  ok (good, "ops: types, flags, sources, destinations, fds, perms and sizes in order");

  const struct setup_op *ov = &sb.ops[19], *tov = &sb.ops[20], *rov = &sb.ops[21];
  ok (str_eq (ov->workdir, "/wd") && ov->n_overlay_srcs == 2 && str_eq (ov->overlay_srcs[0], "/l1")
          && str_eq (ov->overlay_srcs[1], "/l2"),
      "ops: --overlay gets RWSRC, WORKDIR and its two --overlay-src in order");
  ok (tov->n_overlay_srcs == 1 && str_eq (tov->overlay_srcs[0], "/l3"),
      "ops: --tmp-overlay gets only the --overlay-src after the previous overlay");
  ok (rov->n_overlay_srcs == 2 && str_eq (rov->overlay_srcs[0], "/l4")
          && str_eq (rov->overlay_srcs[1], "/l5"),
      "ops: --ro-overlay gets its two layers");
  bool no_srcs = true;
  for (size_t i = 0; i < sb.n_ops; i++)
    if (i < 19 || i > 21)
      no_srcs = no_srcs && sb.ops[i].overlay_srcs == NULL && sb.ops[i].n_overlay_srcs == 0;
  ok (no_srcs, "ops: other ops have no overlay layers");
  ok (sb.n_command == 3 && str_eq (sb.command[0], "cmd") && str_eq (sb.command[1], "a")
          && str_eq (sb.command[2], "b") && sb.command[3] == NULL,
      "ops: command is the rest, NULL-terminated");
  sb_free (&sb);
}

static void
test_perms_size (void)
{
  struct sandbox sb;

  parse_check (&sb,
               ARGV ("--size", "100", "--perms", "0750", "--tmpfs", "/a", "--tmpfs", "/b", "x"));
  ok (sb.n_ops == 2 && sb.ops[0].flags == (OPF_PERMS_SET | OPF_SIZE_SET) && sb.ops[0].perms == 0750
          && sb.ops[0].size == 100 && sb.ops[1].flags == 0,
      "perms/size: --size then --perms both go to the next --tmpfs only");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--perms", "0", "--dir", "/a", "x"));
  ok (sb.n_ops == 1 && sb.ops[0].flags == OPF_PERMS_SET && sb.ops[0].perms == 0,
      "perms/size: --perms 0 is a value, flagged as set");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--perms", "07777", "--bind-data", "5", "/a", "--perms", "1",
                          "--ro-bind-data", "6", "/b", "x"));
  ok (sb.n_ops == 2 && sb.ops[0].perms == 07777 && sb.ops[1].perms == 1
          && sb.ops[0].type == OP_BIND_DATA && sb.ops[1].type == OP_RO_BIND_DATA,
      "perms/size: --perms goes to --bind-data and --ro-bind-data");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--chmod", "0", "/a", "x"));
  ok (sb.n_ops == 1 && sb.ops[0].type == OP_CHMOD && (sb.ops[0].flags & OPF_PERMS_SET)
          && sb.ops[0].perms == 0 && str_eq (sb.ops[0].dest, "/a"),
      "perms/size: --chmod always carries its mode");
  sb_free (&sb);
}

static void
test_env_and_misc (void)
{
  struct sandbox sb;

  parse_check (&sb, ARGV ("--setenv", "A", "1", "--unsetenv", "B", "--clearenv", "--setenv", "C",
                          "", "--unsetenv", "A", "x"));
  ok (sb.n_env_ops == 5 && sb.env_ops[0].type == ENV_SET && str_eq (sb.env_ops[0].name, "A")
          && str_eq (sb.env_ops[0].value, "1") && sb.env_ops[1].type == ENV_UNSET
          && str_eq (sb.env_ops[1].name, "B") && sb.env_ops[2].type == ENV_CLEAR
          && sb.env_ops[3].type == ENV_SET && str_eq (sb.env_ops[3].value, "")
          && sb.env_ops[4].type == ENV_UNSET && str_eq (sb.env_ops[4].name, "A"),
      "env: --setenv/--unsetenv/--clearenv kept in order");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--unshare-all", "x"));
  ok (sb.unshare_all && sb.unshare_user_try && sb.unshare_ipc && sb.unshare_pid && sb.unshare_net
          && sb.unshare_uts && sb.unshare_cgroup_try && !sb.unshare_cgroup && !sb.share_net,
      "namespaces: --unshare-all");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--unshare-all", "--share-net", "x"));
  ok (sb.unshare_all && !sb.unshare_net && sb.share_net && sb.unshare_pid,
      "namespaces: --unshare-all --share-net keeps the network");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--share-net", "--unshare-all", "x"));
  ok (sb.unshare_net && sb.share_net, "namespaces: a later --unshare-all wins over --share-net");
  sb_free (&sb);

  /* As in bubblewrap: --share-net alone, in order with --unshare-net. */
  parse_check (&sb, ARGV ("--share-net", "x"));
  ok (!sb.unshare_net && sb.share_net, "namespaces: --share-net alone is accepted");
  sb_free (&sb);
  parse_check (&sb, ARGV ("--unshare-net", "--share-net", "x"));
  ok (!sb.unshare_net, "namespaces: --share-net after --unshare-net keeps the host's network");
  sb_free (&sb);
  parse_check (&sb, ARGV ("--share-net", "--unshare-net", "x"));
  ok (sb.unshare_net, "namespaces: --unshare-net after --share-net wins");
  sb_free (&sb);

  /* --netns takes the place of --unshare-all's network namespace. */
  parse_check (&sb, ARGV ("--unshare-all", "--netns", "5", "x"));
  ok (sb.netns_fd == 5 && !sb.unshare_net && sb.unshare_pid,
      "namespaces: --unshare-all --netns FD joins FD instead of a new network namespace");
  sb_free (&sb);
  parse (&sb, ARGV ("--netns", "4", "--netns", "6", "x"));
  ok (sb.netns_fd == 6 && options_fd_is_named (&sb, 6), "namespaces: the last --netns wins, named");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net",
                          "--unshare-uts", "--unshare-cgroup", "--unshare-cgroup-try",
                          "--unshare-user-try", "x"));
  ok (sb.unshare_user && sb.unshare_ipc && sb.unshare_pid && sb.unshare_net && sb.unshare_uts
          && sb.unshare_cgroup && sb.unshare_cgroup_try && sb.unshare_user_try && !sb.unshare_all,
      "namespaces: each --unshare-X");
  sb_free (&sb);

  parse (&sb, ARGV ("--sync-fd", "3", "--block-fd", "4", "--userns-block-fd", "5", "--info-fd", "6",
                    "--json-status-fd", "7", "--userns", "8", "--userns2", "9", "--pidns", "10",
                    "--add-seccomp-fd", "11", "--add-seccomp-fd", "12", "x"));
  ok (sb.sync_fd == 3 && sb.block_fd == 4 && sb.userns_block_fd == 5 && sb.info_fd == 6
          && sb.json_status_fd == 7 && sb.userns_fd == 8 && sb.userns2_fd == 9 && sb.pidns_fd == 10
          && sb.n_seccomp_fds == 2 && sb.seccomp_fds[0] == 11 && sb.seccomp_fds[1] == 12
          && !sb.seccomp_given,
      "fds: every fd option lands in its field");
  sb_free (&sb);

  parse (&sb, ARGV ("--seccomp", "13", "x"));
  ok (sb.seccomp_given && sb.n_seccomp_fds == 1 && sb.seccomp_fds[0] == 13,
      "fds: --seccomp is the one seccomp fd");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--argv0", "name", "--new-session", "--die-with-parent", "--unshare-pid",
                          "--as-pid-1", "--unshare-uts", "--hostname", "h", "--chdir", "/w",
                          "--disable-userns", "--unshare-user", "--assert-userns-disabled", "--uid",
                          "0", "--gid", "2147483647", "x"));
  ok (str_eq (sb.argv0, "name") && sb.new_session && sb.die_with_parent && sb.as_pid_1
          && str_eq (sb.hostname, "h") && str_eq (sb.chdir_path, "/w") && sb.chdir_count == 1
          && sb.disable_userns && sb.assert_userns_disabled && sb.uid_set && sb.uid == 0
          && sb.gid_set && sb.gid == 2147483647,
      "misc: --argv0, --new-session, --die-with-parent, --as-pid-1, --hostname, --chdir, ids");
  sb_free (&sb);

  parse (&sb, ARGV ("--dir", "/x", "cmd", "--dir", "/y"));
  ok (sb.n_ops == 1 && sb.n_command == 3 && str_eq (sb.command[1], "--dir"),
      "command: parsing stops at the first non-option");
  sb_free (&sb);

  parse (&sb, ARGV ("--dir", "/x", "--", "--bind", "a"));
  ok (sb.n_ops == 1 && sb.n_command == 2 && str_eq (sb.command[0], "--bind")
          && str_eq (sb.command[1], "a"),
      "command: everything after -- is the command");
  sb_free (&sb);

  parse (&sb, ARGV ("", "x"));
  ok (sb.n_command == 2 && str_eq (sb.command[0], ""), "command: an empty word starts the command");
  sb_free (&sb);

  test_sandbox_init (&sb);
  options_parse (&sb, 0, NULL);
  ok (sb.n_command == 0 && sb.command != NULL && sb.command[0] == NULL,
      "command: none given gives an empty NULL-terminated array");
  sb_free (&sb);

  parse_check (&sb, ARGV ("--dir", "a/..b/...", "--dir", "./x//y/", "--dir", "..x", "x"));
  ok (sb.n_ops == 3, "check: \"..b\", \"...\" and \".\" are fine in destinations");
  sb_free (&sb);
}

static void
test_caps (void)
{
  struct sandbox sb;
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  uint64_t effective;

  memset (data, 0, sizeof data);
  capget (&hdr, data);
  effective = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);

  parse (&sb, ARGV ("x"));
  ok (!sb.caps_given && sb.caps == 0, "caps: untouched without --cap-add/--cap-drop");
  sb_free (&sb);

  parse (&sb, ARGV ("--cap-drop", "ALL", "--cap-add", "CAP_NET_ADMIN", "--cap-add", "cap_chown",
                    "--cap-add", "CAP_SYS_TIME", "--cap-drop", "CAP_CHOWN", "x"));
  ok (sb.caps_given
          && sb.caps == ((UINT64_C (1) << CAP_NET_ADMIN) | (UINT64_C (1) << CAP_SYS_TIME)),
      "caps: add/drop applied in order, names case-insensitive");
  sb_free (&sb);

  parse (&sb, ARGV ("--cap-add", "all", "x"));
  ok (sb.caps == ~UINT64_C (0), "caps: --cap-add ALL sets every bit");
  sb_free (&sb);

  parse (&sb, ARGV ("--cap-add", "ALL", "--cap-drop", "CAP_SYS_ADMIN", "x"));
  ok (sb.caps == ~(UINT64_C (1) << CAP_SYS_ADMIN), "caps: ALL then drop one");
  sb_free (&sb);

  parse (&sb, ARGV ("--cap-drop", "CAP_SYS_ADMIN", "x"));
  if (getuid () == 0)
    ok (sb.caps_given && sb.caps == (effective & ~(UINT64_C (1) << CAP_SYS_ADMIN)),
        "caps: as root, --cap-drop starts from the current effective set");
  else
    ok (sb.caps_given && sb.caps == 0, "caps: as a user, --cap-drop starts from nothing");
  sb_free (&sb);

  parse (&sb, ARGV ("--cap-add", "CAP_SYS_ADMIN", "x"));
  if (getuid () == 0)
    ok (sb.caps == (effective | (UINT64_C (1) << CAP_SYS_ADMIN)),
        "caps: as root, --cap-add adds to the current effective set");
  else
    ok (sb.caps == (UINT64_C (1) << CAP_SYS_ADMIN), "caps: as a user, --cap-add adds to nothing");
  sb_free (&sb);

  expect_fail ("unknown cap: FOO", ARGV ("--cap-add", "FOO", "x"));
  expect_fail ("unknown cap: cap_nope", ARGV ("--cap-drop", "cap_nope", "x"));
}

static void
test_args (void)
{
  struct sandbox sb;
  static const char d1[] = "--setenv\0A\0B\0--dir\0/x";
  int fd = data_fd (d1, sizeof d1 - 1);
  char *fds = fd_str (fd);

  parse_check (&sb, ARGV ("--args", fds, "--unsetenv", "A", "cmd", "arg"));
  ok (sb.n_env_ops == 2 && sb.env_ops[0].type == ENV_SET && str_eq (sb.env_ops[0].value, "B")
          && sb.env_ops[1].type == ENV_UNSET && sb.n_ops == 1 && str_eq (sb.ops[0].dest, "/x")
          && sb.n_command == 2 && str_eq (sb.command[0], "cmd"),
      "--args: data parsed in place, then the rest of argv");
  ok (fd_is_closed (fd), "--args: the fd is closed after reading");
  sb_free (&sb);
  free (fds);

  static const char d2[] = "--proc\0/proc\0ls\0-l\0";
  fd = data_fd (d2, sizeof d2 - 1);
  fds = fd_str (fd);
  parse (&sb, ARGV ("--args", fds, "extra"));
  ok (sb.n_ops == 1 && sb.n_command == 3 && str_eq (sb.command[0], "ls")
          && str_eq (sb.command[1], "-l") && str_eq (sb.command[2], "extra"),
      "--args: a command inside the data continues with the rest of argv");
  sb_free (&sb);
  free (fds);

  static const char d3[] = "--dir\0/inner\0";
  int inner = data_fd (d3, sizeof d3 - 1);
  char d4[64];
  int d4_len = snprintf (d4, sizeof d4, "--args%c%d%c--dir%c/after", 0, inner, 0, 0);
  int outer = data_fd (d4, (size_t)d4_len);
  fds = fd_str (outer);
  expect_fail ("--args not supported in arguments file",
               ARGV ("--args", fds, "--dir", "/last", "x"));
  free (fds);
  close (inner);
  close (outer);

  fd = data_fd ("", 0);
  fds = fd_str (fd);
  parse (&sb, ARGV ("--dir", "/a", "--args", fds, "--dir", "/b", "x"));
  ok (sb.n_ops == 2 && sb.n_command == 1, "--args: empty data adds nothing");
  sb_free (&sb);
  free (fds);

  static const char d5[] = "--bind\0/a";
  fd = data_fd (d5, sizeof d5 - 1);
  fds = fd_str (fd);
  parse (&sb, ARGV ("--args", fds, "/b", "x"));
  ok (sb.n_ops == 1 && str_eq (sb.ops[0].src, "/a") && str_eq (sb.ops[0].dest, "/b")
          && sb.n_command == 1,
      "--args: an option's values may continue after the data");
  sb_free (&sb);
  free (fds);

  static const char d6[] = "--dir\0/x\0";
  fd = data_fd (d6, sizeof d6 - 1);
  fds = fd_str (fd);
  parse (&sb, ARGV ("--perms", "0700", "--args", fds, "x"));
  ok (sb.n_ops == 1 && sb.ops[0].flags == OPF_PERMS_SET && sb.ops[0].perms == 0700,
      "--args: a --perms before --args applies to the first op in the data");
  sb_free (&sb);
  free (fds);

  static const char d7[] = "a\0\0b";
  fd = data_fd (d7, sizeof d7 - 1);
  fds = fd_str (fd);
  parse (&sb, ARGV ("--args", fds));
  ok (sb.n_command == 3 && str_eq (sb.command[0], "a") && str_eq (sb.command[1], "")
          && str_eq (sb.command[2], "b"),
      "--args: empty words kept, last word without NUL kept");
  sb_free (&sb);
  free (fds);

  static const char d8[] = "--\0--not-an-option\0";
  fd = data_fd (d8, sizeof d8 - 1);
  fds = fd_str (fd);
  parse (&sb, ARGV ("--args", fds, "y"));
  ok (sb.n_ops == 0 && sb.n_command == 2 && str_eq (sb.command[0], "--not-an-option")
          && str_eq (sb.command[1], "y"),
      "--args: -- inside the data ends the options");
  sb_free (&sb);
  free (fds);

  expect_fail ("Can't read --args data: Bad file descriptor", ARGV ("--args", "999", "x"));
  expect_fail ("Invalid fd: abc", ARGV ("--args", "abc", "x"));
  expect_fail ("--args takes an argument", ARGV ("--args"));
}

/* Data with `n` words: a mix of options, then the command. */
static char *
make_big_data (size_t n, size_t *len)
{
  static const char *const chunk[]
      = { "--setenv", "VAR",  "value", "--bind", "/src",       "/dest", "--unshare-pid",
          "--perms",  "0700", "--dir", "/d",     "--unsetenv", "X" };
  size_t cap = n * 12 + 64, used = 0, words = 0;
  char *buf = xmalloc (cap);

  while (words + N_ELEMENTS (chunk) + 1 <= n)
    for (size_t i = 0; i < N_ELEMENTS (chunk); i++, words++)
      {
        size_t l = strlen (chunk[i]) + 1;
        memcpy (buf + used, chunk[i], l);
        used += l;
      }
  while (words < n)
    {
      memcpy (buf + used, "cmd", 4);
      used += 4;
      words++;
    }
  *len = used;
  return buf;
}

static double
time_args_parse (size_t n_words, struct sandbox *sb)
{
  size_t len;
  char *data = make_big_data (n_words, &len);
  int fd = data_fd (data, len);
  char *fds = fd_str (fd);
  free (data);

  double t0 = now ();
  parse (sb, ARGV ("--args", fds));
  double t = now () - t0;
  free (fds);
  return t;
}

static void
test_big (void)
{
  struct sandbox sb;
  double t;

  /* 100,001 words straight on the command line. */
  size_t n = 100001;
  char **v = xcalloc (n + 1, sizeof (char *));
  for (size_t i = 0; i + 1 < n; i += 2)
    {
      v[i] = "--unsetenv";
      v[i + 1] = "V";
    }
  v[n - 1] = "cmd";
  double t0 = now ();
  parse_check (&sb, v);
  t = now () - t0;
  ok (sb.n_env_ops == (n - 1) / 2 && sb.n_command == 1, "big: 100,000 words on argv parsed");
  diag ("big: ... in %.3f s (timing: bench/, not a test)", t);
  sb_free (&sb);
  free (v);

  /* Each chunk of 13 words makes 2 ops and 2 env ops. */
  size_t chunks = (100000 - 1) / 13;
  t = time_args_parse (100000, &sb);
  ok (sb.n_ops == 2 * chunks && sb.n_env_ops == 2 * chunks && sb.n_command == 100000 - 13 * chunks,
      "big: 100,000 words through --args parsed");
  sb_free (&sb);

  chunks = (200000 - 1) / 13;
  t = time_args_parse (200000, &sb);
  bool good = sb.n_ops == 2 * chunks && sb.n_env_ops == 2 * chunks
              && sb.n_command == 200000 - 13 * chunks;
  for (size_t i = 0; good && i < sb.n_ops; i++)
    if (sb.ops[i].type == OP_DIR)
      good = sb.ops[i].perms == 0700 && sb.ops[i].flags == OPF_PERMS_SET;
  ok (good, "big: 200,000 words through --args parsed, every --dir got its --perms");
  diag ("big: ... in %.3f s (timing: bench/, not a test)", t);
  sb_free (&sb);

  /* Linear: four times the words should not take much more than four times
   * as long (allow a wide margin for timer noise). */
  double t1 = time_args_parse (100000, &sb);
  sb_free (&sb);
  double t4 = time_args_parse (400000, &sb);
  sb_free (&sb);
  diag ("big: 400k words %.3f s vs 100k words %.3f s (linear)", t4, t1);

  /* Many --args before a long tail: each --args must not copy the tail. */
  size_t n_fds = 500, tail = 100001;
  v = xcalloc (2 * n_fds + tail + 1, sizeof (char *));
  char **fd_names = xcalloc (n_fds, sizeof (char *));
  static const char small[] = "--unshare-ipc\0";
  for (size_t i = 0; i < n_fds; i++)
    {
      fd_names[i] = fd_str (data_fd (small, sizeof small - 1));
      v[2 * i] = "--args";
      v[2 * i + 1] = fd_names[i];
    }
  for (size_t i = 0; i < tail; i++)
    v[2 * n_fds + i] = (i + 1 == tail) ? "cmd" : (i % 2 ? "/d" : "--dir");
  t0 = now ();
  parse (&sb, v);
  t = now () - t0;
  ok (sb.unshare_ipc && sb.n_ops == (tail - 1) / 2 && sb.n_command == 1,
      "big: 500 --args then 100,000 words parsed");
  diag ("big: ... in %.3f s (timing: bench/, not a test)", t);
  sb_free (&sb);
  for (size_t i = 0; i < n_fds; i++)
    free (fd_names[i]);
  free (fd_names);
  free (v);
}

static void
test_help_version (void)
{
  struct child_result res;

  run_child (&res, PARSE_ONLY, ARGV ("--help", "--foo"));
  bool layout = res.status == 0 && str_eq (res.err, "")
                && starts_with (res.out, "usage: hutch [OPTIONS...] [--] COMMAND [ARGS...]\n\n");
  size_t rows = 0;
  if (layout)
    {
      char *line = strstr (res.out, "\n\n") + 2;
      while (*line)
        {
          char *nl = strchr (line, '\n');
          size_t len = nl ? (size_t)(nl - line) : strlen (line);
          if (starts_with (line, "    --"))
            {
              rows++;
              /* Help text starts in column 33 after at least one space. */
              if (len <= 33 || line[32] != ' ' || line[33] == ' ')
                {
                  diag ("bad help line: %.*s", (int)len, line);
                  layout = false;
                }
            }
          else if (len <= 33 || strspn (line, " ") != 33)
            {
              diag ("bad continuation line: %.*s", (int)len, line);
              layout = false;
            }
          line += len + (nl ? 1 : 0);
        }
    }
  ok (layout && rows == option_table_len,
      "--help: usage line, blank line, one row per option, text in column 33, exit 0");
  ok (strstr (res.out, "\n    --bind SRC DEST              ") != NULL
          && strstr (res.out, "\n    --overlay RWSRC WORKDIR DEST ") != NULL
          && strstr (res.out, "\n    --help                       ") != NULL,
      "--help: rows laid out like bubblewrap's");
  child_result_free (&res);

  run_child (&res, PARSE_ONLY, ARGV ("--version", "--help"));
  const char *features = "features:"
#ifdef HAVE_LIBSECCOMP
                         " libseccomp"
#endif
#ifdef HAVE_SELINUX
                         " selinux"
#endif
                         " landlock\n"
#ifdef ENABLE_SETUID
                         "mode: setuid-optional (root only creates the namespaces when installed "
                         "setuid)\n";
#else
                         "mode: rootless\n";
#endif
  char *expected = xasprintf ("hutch %s\n%s", PACKAGE_VERSION, features);
  ok (res.status == 0 && str_eq (res.out, expected),
      "--version: \"hutch VERSION\" and features, exit 0");
  free (expected);
  child_result_free (&res);

  run_child (&res, PARSE_CHECK, ARGV ("--dir", "/x"));
  ok (res.status == 1 && str_eq (res.out, "")
          && starts_with (res.err,
                          "usage: hutch [OPTIONS...] [--] COMMAND [ARGS...]\n\n    --help"),
      "check: no command prints usage to stderr, exit 1");
  child_result_free (&res);

  run_child (&res, PARSE_CHECK, ARGV ("--"));
  ok (res.status == 1 && starts_with (res.err, "usage: hutch "), "check: only -- prints usage");
  child_result_free (&res);

  run_child (&res, PARSE_CHECK, ARGV ("--unshare-pid"));
  ok (res.status == 1 && starts_with (res.err, "usage: hutch "),
      "check: no words at all after options prints usage");
  child_result_free (&res);
}

static void
test_warnings (void)
{
  struct child_result res;

  run_child (&res, PARSE_CHECK, ARGV ("--chdir", "/a", "--chdir", "/b", "x"));
  ok (res.status == 0 && str_eq (res.err, "hutch: Only the last --chdir option will take effect\n"),
      "warning: a second --chdir warns and goes on");
  child_result_free (&res);

  struct sandbox sb;
  int saved = dup (STDERR_FILENO), devnull = open ("/dev/null", O_WRONLY);
  dup2 (devnull, STDERR_FILENO);
  parse (&sb, ARGV ("--chdir", "/a", "--chdir", "/b", "--seccomp", "3", "--seccomp", "4", "--uid",
                    "1", "--uid", "2", "--hostname", "a", "--hostname", "b", "x"));
  dup2 (saved, STDERR_FILENO);
  close (saved);
  close (devnull);
  ok (str_eq (sb.chdir_path, "/b") && sb.chdir_count == 2 && sb.n_seccomp_fds == 1
          && sb.seccomp_fds[0] == 4 && sb.uid == 2 && str_eq (sb.hostname, "b"),
      "warning: the last --chdir/--seccomp/--uid/--hostname wins");
  sb_free (&sb);

  run_child (&res, PARSE_CHECK,
             ARGV ("--unshare-user", "--seccomp", "3", "--seccomp", "4", "--info-fd", "5",
                   "--info-fd", "6", "--uid", "1", "--uid", "2", "x"));
  ok (res.status == 0
          && str_eq (res.err, "hutch: Only the last --seccomp option will take effect\n"
                              "hutch: Only the last --info-fd option will take effect\n"
                              "hutch: Only the last --uid option will take effect\n"),
      "warning: --seccomp, --info-fd, --uid given twice");
  child_result_free (&res);

  run_child (&res, PARSE_CHECK, ARGV ("--level-prefix", "--chdir", "/a", "--chdir", "/b", "--foo"));
  ok (res.status == 1
          && str_eq (res.err, "<4>hutch: Only the last --chdir option will take effect\n"
                              "<3>hutch: Unknown option --foo\n"),
      "--level-prefix: takes effect at once for warnings and errors");
  child_result_free (&res);

  run_child (&res, PARSE_CHECK, ARGV ("--chdir", "/a", "--level-prefix", "--chdir", "/b", "x"));
  ok (res.status == 0
          && str_eq (res.err, "<4>hutch: Only the last --chdir option will take effect\n"),
      "--level-prefix: sets the prefix for what follows");
  child_result_free (&res);
}

static void
test_errors (void)
{
  /* Unknown options and missing values. */
  expect_fail ("Unknown option --foo", ARGV ("--foo", "x"));
  expect_fail ("Unknown option -x", ARGV ("-x"));
  expect_fail ("Unknown option -", ARGV ("-", "x"));
  expect_fail ("Unknown option --help=x", ARGV ("--help=x"));
  expect_fail ("--bind takes two arguments", ARGV ("--bind", "/a"));
  expect_fail ("--ro-bind-try takes two arguments", ARGV ("--ro-bind-try"));
  expect_fail ("--setenv takes two arguments", ARGV ("--setenv", "a"));
  expect_fail ("--proc takes an argument", ARGV ("--proc"));
  expect_fail ("--unsetenv takes an argument", ARGV ("--unsetenv"));
  expect_fail ("--chdir takes one argument", ARGV ("--chdir"));
  expect_fail ("--remount-ro takes one argument", ARGV ("--remount-ro"));
  expect_fail ("--argv0 takes one argument", ARGV ("--argv0"));
  expect_fail ("--overlay takes three arguments",
               ARGV ("--overlay-src", "a", "--overlay", "b", "c"));
  expect_fail ("--chmod takes two arguments", ARGV ("--chmod", "1"));

  /* Bad values. */
  expect_fail ("Invalid fd: abc", ARGV ("--info-fd", "abc", "x"));
  expect_fail ("Invalid fd: -1", ARGV ("--block-fd", "-1", "x"));
  expect_fail ("Invalid fd: ", ARGV ("--sync-fd", "", "x"));
  expect_fail ("Invalid fd: x", ARGV ("--bind-fd", "x", "/y"));
  expect_fail ("Invalid fd: 1x", ARGV ("--file", "1x", "/y"));
  expect_fail ("Invalid fd: z", ARGV ("--bind-data", "z", "/y"));
  expect_fail ("Invalid fd: z", ARGV ("--seccomp", "z"));
  expect_fail ("Invalid fd: z", ARGV ("--add-seccomp-fd", "z"));
  expect_fail ("Invalid fd: z", ARGV ("--userns", "z"));
  expect_fail ("Invalid fd: z", ARGV ("--pidns", "z"));
  expect_fail ("Invalid uid: abc", ARGV ("--uid", "abc"));
  expect_fail ("Invalid uid: 2147483648", ARGV ("--uid", "2147483648"));
  expect_fail ("Invalid uid: 4294967295", ARGV ("--uid", "4294967295"));
  expect_fail ("Invalid gid: abc", ARGV ("--gid", "abc"));
  expect_fail ("Invalid gid: -1", ARGV ("--gid", "-1"));
  expect_fail ("--argv0 used multiple times", ARGV ("--argv0", "a", "--argv0", "b", "x"));

  /* --perms and --size. */
  expect_fail ("--perms takes an octal argument <= 07777", ARGV ("--perms", "8888", "--dir", "/x"));
  expect_fail ("--perms takes an octal argument <= 07777",
               ARGV ("--perms", "010000", "--dir", "/x"));
  expect_fail ("--perms takes an octal argument <= 07777", ARGV ("--perms", "", "--dir", "/x"));
  expect_fail ("--perms takes an octal argument <= 07777", ARGV ("--perms", "-1", "--dir", "/x"));
  expect_fail ("--perms given twice for the same action",
               ARGV ("--perms", "1", "--perms", "2", "--tmpfs", "/x"));
  expect_fail ("--perms given twice for the same action",
               ARGV ("--perms", "1", "--size", "10", "--perms", "2", "--tmpfs", "/x"));
  expect_fail ("--perms must be followed by an option that creates a file",
               ARGV ("--perms", "0700", "--bind", "/a", "/b", "x"));
  expect_fail ("--perms must be followed by an option that creates a file",
               ARGV ("--perms", "0700", "--chmod", "0700", "/b", "x"));
  expect_fail ("--perms must be followed by an option that creates a file",
               ARGV ("--perms", "0700", "x"));
  expect_fail ("--perms must be followed by an option that creates a file",
               ARGV ("--perms", "0700", "--", "x"));
  expect_fail ("--perms must be followed by an option that creates a file",
               ARGV ("--perms", "0700"));
  expect_fail ("--size takes a non-zero number of bytes", ARGV ("--size", "0", "--tmpfs", "/x"));
  expect_fail ("--size takes a non-zero number of bytes", ARGV ("--size", "abc"));
  expect_fail ("--size takes a non-zero number of bytes", ARGV ("--size", " 5", "--tmpfs", "/x"));
  expect_fail ("--size takes a non-zero number of bytes", ARGV ("--size", "-5", "--tmpfs", "/x"));
  expect_fail ("--size takes a non-zero number of bytes",
               ARGV ("--size", "99999999999999999999999"));
  expect_fail ("--size given twice for the same action",
               ARGV ("--size", "1", "--size", "2", "--tmpfs", "/x"));
  expect_fail ("--size must be followed by --tmpfs", ARGV ("--size", "1", "--dir", "/x"));
  expect_fail ("--size must be followed by --tmpfs",
               ARGV ("--size", "1", "--perms", "0700", "--dir", "/x", "y"));
  expect_fail ("--size must be followed by --tmpfs", ARGV ("--size", "1", "x"));
  char *limit = xasprintf ("--size (for tmpfs) is limited to %zu", (size_t)(SIZE_MAX >> 1));
  expect_fail (limit, ARGV ("--size", "18446744073709551615", "--tmpfs", "/x"));
  free (limit);
  expect_fail ("--chmod takes an octal argument <= 07777", ARGV ("--chmod", "9", "/x"));

  /* Overlays. */
  static const char misplaced[] = "--overlay-src must be followed by another --overlay-src or one "
                                  "of --overlay, --tmp-overlay, or --ro-overlay";
  expect_fail (misplaced, ARGV ("--overlay-src", "a", "x"));
  expect_fail (misplaced, ARGV ("--overlay-src", "a", "--dir", "/x", "y"));
  expect_fail (misplaced, ARGV ("--overlay-src", "a"));
  expect_fail ("--overlay requires at least one --overlay-src", ARGV ("--overlay", "u", "w", "/x"));
  expect_fail ("--tmp-overlay requires at least one --overlay-src", ARGV ("--tmp-overlay", "/x"));
  expect_fail ("--ro-overlay requires at least two --overlay-src",
               ARGV ("--overlay-src", "a", "--ro-overlay", "/x"));
  expect_fail ("--tmp-overlay requires at least one --overlay-src",
               ARGV ("--overlay-src", "a", "--tmp-overlay", "/x", "--tmp-overlay", "/y"));

  /* Seccomp. */
  expect_fail ("--add-seccomp-fd cannot be combined with --seccomp",
               ARGV ("--seccomp", "3", "--add-seccomp-fd", "4", "x"));
  expect_fail ("--seccomp cannot be combined with --add-seccomp-fd",
               ARGV ("--add-seccomp-fd", "3", "--seccomp", "4", "x"));

  /* Check phase. */
  expect_fail ("Specifying --hostname requires --unshare-uts", ARGV ("--hostname", "h", "x"));
  expect_fail ("--userns not compatible --unshare-user",
               ARGV ("--unshare-user", "--userns", "3", "x"));
  expect_fail ("--userns not compatible --unshare-user-try",
               ARGV ("--unshare-all", "--userns", "3", "x"));
  expect_fail ("--userns-block-fd requires --unshare-user", ARGV ("--userns-block-fd", "3", "x"));
  expect_fail ("--userns-block-fd requires --info-fd",
               ARGV ("--unshare-user", "--userns-block-fd", "3", "x"));
  expect_fail ("--disable-userns requires --unshare-user", ARGV ("--disable-userns", "x"));
  expect_fail (
      "--disable-userns is not compatible with  --userns-block-fd",
      ARGV ("--unshare-user", "--disable-userns", "--userns-block-fd", "3", "--info-fd", "4", "x"));
  expect_fail ("Specifying --as-pid-1 requires --unshare-pid", ARGV ("--as-pid-1", "x"));
  expect_fail ("Specifying --as-pid-1 and --lock-file is not permitted",
               ARGV ("--unshare-pid", "--as-pid-1", "--lock-file", "/l", "x"));
  /* ".." is resolved inside the new root by the build: kept as given. */
  {
    struct sandbox sb;
    parse_check (&sb, ARGV ("--ro-bind-try", "/s", "/lib64/../libexec/x", "--dir", "../../a/..",
                            "--chmod", "0755", "..", "x"));
    ok (sb.n_ops == 3 && str_eq (sb.ops[0].dest, "/lib64/../libexec/x")
            && str_eq (sb.ops[1].dest, "../../a/..") && str_eq (sb.ops[2].dest, ".."),
        "check: destinations with \"..\" components are accepted, unchanged");
    sb_free (&sb);
  }
  expect_fail ("Invalid destination \"\": must not be empty", ARGV ("--tmpfs", "", "x"));
  expect_fail ("Invalid destination \"\": must not be empty", ARGV ("--symlink", "t", "", "x"));
  expect_fail ("Invalid destination \"\": must not be empty",
               ARGV ("--overlay-src", "a", "--tmp-overlay", "", "x"));
  expect_fail ("--netns not compatible with --unshare-net",
               ARGV ("--netns", "3", "--unshare-net", "x"));
  expect_fail ("--netns not compatible with --unshare-net",
               ARGV ("--unshare-all", "--unshare-net", "--netns", "3", "x"));
  expect_fail ("--netns not compatible with --share-net",
               ARGV ("--unshare-all", "--share-net", "--netns", "3", "x"));
  expect_fail ("--netns not compatible with --net pasta",
               ARGV ("--net", "pasta", "--netns", "3", "x"));
#ifndef HAVE_SELINUX
  expect_fail ("labeling not supported on this system", ARGV ("--exec-label", "l", "x"));
  expect_fail ("labeling not supported on this system", ARGV ("--file-label", "l", "x"));
#else
  {
    struct sandbox sb;
    parse (&sb, ARGV ("--exec-label", "a", "--file-label", "b", "x"));
    ok (str_eq (sb.exec_label, "a") && str_eq (sb.file_label, "b"), "labels: recorded");
    sb_free (&sb);
  }
#endif

  /* Errors come out in command-line order: the first bad option wins. */
  expect_fail ("Unknown option --foo", ARGV ("--foo", "--bind", "a"));
  expect_fail ("--bind takes two arguments", ARGV ("--hostname", "h", "--bind", "a"));
}

/* The id rules depend on who runs them: root gets no implied --unshare-user. */
static void
test_ids (void)
{
  struct child_result res;

  if (getuid () == 0)
    {
      expect_fail ("Specifying --uid requires --unshare-user or --userns",
                   ARGV ("--uid", "5", "x"));
      expect_fail ("Specifying --gid requires --unshare-user or --userns",
                   ARGV ("--gid", "5", "x"));

      struct sandbox sb;
      parse_check (&sb, ARGV ("--uid", "0", "--gid", "0", "x"));
      ok (!sb.unshare_user, "ids: as root, --uid of one's own uid needs no user namespace");
      sb_free (&sb);
      parse_check (&sb, ARGV ("--unshare-user", "--uid", "5", "--gid", "6", "x"));
      ok (sb.uid == 5 && sb.gid == 6, "ids: --uid/--gid with --unshare-user");
      sb_free (&sb);
      parse_check (&sb, ARGV ("--userns", "3", "--uid", "5", "x"));
      ok (sb.uid == 5 && !sb.unshare_user, "ids: --uid with --userns, nothing implied");
      sb_free (&sb);

      run_child (&res, PARSE_CHECK_AS_USER,
                 ARGV ("--uid", "5", "--gid", "6", "--hostname", "h", "--unshare-uts", "x"));
      ok (res.status == 0 && str_eq (res.err, ""),
          "ids: as a user, --unshare-user is implied so --uid/--gid are fine");
      child_result_free (&res);
      run_child (&res, PARSE_CHECK_AS_USER, ARGV ("--disable-userns", "x"));
      ok (res.status == 1 && str_eq (res.err, "hutch: --disable-userns requires --unshare-user\n"),
          "ids: as a user, --disable-userns still needs an explicit --unshare-user");
      child_result_free (&res);
      run_child (&res, PARSE_CHECK_AS_USER, ARGV ("--userns", "3", "--uid", "5", "x"));
      ok (res.status == 0, "ids: as a user with --userns, --uid is fine");
      child_result_free (&res);
    }
  else
    {
      struct sandbox sb;
      parse_check (&sb, ARGV ("--uid", "5", "--gid", "6", "x"));
      ok (sb.unshare_user && sb.uid == 5 && sb.gid == 6,
          "ids: as a user, --unshare-user is implied so --uid/--gid are fine");
      sb_free (&sb);
      parse_check (&sb, ARGV ("--userns", "3", "--uid", "5", "x"));
      ok (!sb.unshare_user, "ids: as a user with --userns, nothing implied");
      sb_free (&sb);
      skip ("ids: --uid without a user namespace is refused", "needs root");
    }
}

/* --net pasta, --publish (pasta.c's parsers). */
static void
test_net (void)
{
  struct sandbox sb;

  parse (&sb, ARGV ("--net", "pasta", "--publish", "8080:80", "--publish", "[0:0::1]:53:53/udp",
                    "--publish", "0.0.0.0:9000:90/tcp", "--net-host-loopback", "x"));
  ok (sb.net_pasta && sb.unshare_net && !sb.share_net && sb.net_host_loopback,
      "net: --net pasta makes a network namespace");
  ok (sb.n_publish == 3 && str_eq (sb.publish[0].host_addr, "127.0.0.1") && !sb.publish[0].host_ipv6
          && sb.publish[0].host_port == 8080 && sb.publish[0].sandbox_port == 80
          && !sb.publish[0].udp && str_eq (sb.publish[1].host_addr, "::1")
          && sb.publish[1].host_ipv6 && sb.publish[1].udp && sb.publish[1].host_port == 53
          && str_eq (sb.publish[2].host_addr, "0.0.0.0") && !sb.publish[2].udp
          && sb.publish[2].host_port == 9000 && sb.publish[2].sandbox_port == 90,
      "net: --publish in order, 127.0.0.1 by default, IPv6 normalized, /udp and /tcp");
  free (sb.publish);
  sb_free (&sb);
  parse (&sb, ARGV ("--unshare-all", "--share-net", "--net", "pasta", "x"));
  ok (sb.net_pasta && sb.unshare_net && !sb.share_net, "net: --net pasta after --share-net wins");
  sb_free (&sb);
  parse (&sb, ARGV ("--unshare-all", "--net", "pasta", "--share-net", "x"));
  ok (!sb.net_pasta && !sb.unshare_net && sb.share_net, "net: --share-net after --net pasta wins");
  sb_free (&sb);
}

/* A bare command line gets the safe preset; any file-system option, or a
 * preset that has one, means the caller builds the root. */
static void
test_default_preset (void)
{
  struct sandbox sb;

  default_preset = true;
  parse (&sb, ARGV ("--quiet", "x"));
  ok (sb.n_ops > 0 && sb.unshare_all && !sb.share_net && str_eq (sb.hostname, "hutch"),
      "default preset: a bare command line gets the safe preset");
  sb_free (&sb);

  parse (&sb, ARGV ("--quiet", "--preset", "net", "x"));
  ok (sb.n_ops > 0 && sb.unshare_all && sb.share_net,
      "default preset: --preset net alone is the safe preset with the network");
  sb_free (&sb);

  parse (&sb, ARGV ("--dir", "/a", "x"));
  ok (sb.n_ops == 1 && !sb.unshare_all, "default preset: not with a file-system option");
  sb_free (&sb);
  default_preset = false;
}

/* xgrow()'s rule: 0 for nothing, else 16 doubled until it holds n. */
static bool
cap_fits (size_t cap, size_t n)
{
  if (n == 0)
    return cap == 0;
  if (cap < n || cap < 16)
    return false;
  for (; cap > 16; cap /= 2)
    if (cap % 2 != 0)
      return false;
  return cap == 16;
}

/* The parser keeps nothing of its own between runs: two sandboxes parsed
 * one after the other, with --args data, a pending --perms and overlay
 * layers each, hold only what their own command line said, and a second
 * run on the first one adds to it without touching the other. */
static void
test_reentrant (void)
{
  struct sandbox a, b;
  static const char da[] = "--perms\0"
                           "0700\0--dir\0/a-args\0";
  static const char db[] = "--setenv\0B\0b\0";
  int fa = data_fd (da, sizeof da - 1), fb = data_fd (db, sizeof db - 1);
  char *fas = fd_str (fa), *fbs = fd_str (fb);
  char *many[64];
  size_t k = 0;

  for (int i = 0; i < 20; i++)
    {
      many[k++] = "--tmpfs";
      many[k++] = "/t";
    }
  many[k++] = "--overlay-src";
  many[k++] = "/l1";
  many[k++] = "--tmp-overlay";
  many[k++] = "/o";
  many[k++] = "--args";
  many[k++] = fas;
  many[k++] = "cmd-a";
  many[k] = NULL;

  parse (&a, many);
  parse (&b, ARGV ("--args", fbs, "--overlay-src", "/m1", "--overlay-src", "/m2", "--ro-overlay",
                   "/r", "--perms", "0750", "--dir", "/b", "cmd-b", "x"));
  ok (a.n_ops == 22 && a.ops[20].type == OP_TMP_OVERLAY && a.ops[20].n_overlay_srcs == 1
          && str_eq (a.ops[20].overlay_srcs[0], "/l1") && a.ops[21].perms == 0700
          && (a.ops[21].flags & OPF_PERMS_SET) && a.n_env_ops == 0 && a.n_command == 1
          && str_eq (a.command[0], "cmd-a") && a.n_args_buffers == 1,
      "reentrant: the first sandbox holds only its own command line");
  ok (b.n_ops == 2 && b.ops[0].type == OP_RO_OVERLAY && b.ops[0].n_overlay_srcs == 2
          && str_eq (b.ops[0].overlay_srcs[1], "/m2") && b.ops[1].perms == 0750 && b.n_env_ops == 1
          && str_eq (b.env_ops[0].value, "b") && b.n_command == 2 && str_eq (b.command[0], "cmd-b")
          && b.n_args_buffers == 1,
      "reentrant: the second sandbox holds only its own command line");
  ok (cap_fits (a.ops_cap, a.n_ops) && cap_fits (b.ops_cap, b.n_ops)
          && cap_fits (a.env_ops_cap, a.n_env_ops) && cap_fits (b.env_ops_cap, b.n_env_ops)
          && cap_fits (a.args_buffers_cap, a.n_args_buffers),
      "reentrant: each array's capacity is kept beside it, as xgrow() grew it");

  /* More options on the first: its 22 ops grow to 43, past 32. */
  options_parse (&a, (int)k - 3, many);
  ok (a.n_ops == 43 && a.ops[21].perms == 0700 && a.ops[42].type == OP_TMP_OVERLAY
          && cap_fits (a.ops_cap, 43) && b.n_ops == 2 && str_eq (b.ops[1].dest, "/b"),
      "reentrant: a second run on one sandbox adds to it, the other is untouched");
  free (a.command);
  options_release (&a);
  options_release (&b);
  sb_free (&a);
  sb_free (&b);
  free (fas);
  free (fbs);
}

/* Does text name option as a whole word? */
static bool
names_option (const char *text, const char *option)
{
  size_t n = strlen (option);
  for (const char *p = text; (p = strstr (p, option)) != NULL; p++)
    if ((p == text || p[-1] == ' ') && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
      return true;
  return false;
}

/* op_kinds[]: a row for every op type, naming an option of the table
 * whose value names fit the row (an fd for the fd kinds), and --perms and
 * --size going exactly where their help says. */
static void
test_op_kinds (void)
{
  bool rows = op_kinds_len == (size_t)OP_TYPE_LAST + 1, options = true, fds = true;

  for (size_t k = 0; k < op_kinds_len; k++)
    {
      const struct op_kind *row = &op_kinds[k];
      if (row->name == NULL || row->option == NULL)
        {
          rows = false;
          continue;
        }
      const struct option_def *o = options_lookup (row->option);
      if (o == NULL || (row->try_name != NULL && strstr (row->option, row->name) == NULL))
        options = false;
      else if ((row->fd != OP_FD_NONE) != (strncmp (o->arg_names, "FD ", 3) == 0))
        fds = false;
    }
  ok (rows, "op kinds: every op type has its row, with a name and an option");
  ok (options, "op kinds: each row's option is in the option table");
  ok (fds, "op kinds: the rows with an fd are the options whose first value is FD");

  const struct option_def *perms = options_lookup ("--perms");
  bool perms_ok = perms != NULL, size_ok = true;
  for (size_t k = 0; perms_ok && k < op_kinds_len; k++)
    if (op_kinds[k].option
        && op_kinds[k].takes_perms != names_option (perms->help, op_kinds[k].option))
      perms_ok = false;
  for (size_t k = 0; k < op_kinds_len; k++)
    if (op_kinds[k].takes_size != (k == OP_TMPFS))
      size_ok = false;
  ok (perms_ok, "op kinds: --perms applies to the kinds its help names, no other");
  ok (size_ok, "op kinds: --size applies to --tmpfs only");

  size_t refused = 0;
  for (size_t i = 0; i < option_table_len; i++)
    refused += options_setuid_refused (&option_table[i]);
  ok (refused == 14 && options_setuid_refused (options_lookup ("--ro-overlay"))
          && options_setuid_refused (options_lookup ("--netns"))
          && !options_setuid_refused (options_lookup ("--bind")),
      "op kinds: the setuid refusals are the 14 options privilege.c refuses (--netns among them)");
}

static void test_seccomp_precompiled (void);

int
main (void)
{
  log_init ("hutch");
  /* Each test looks at the options it gives, without the safe preset a
   * bare command line gets (test_default_preset checks that). */
  default_preset = false;

  test_init ();
  test_table ();
  test_ops_in_order ();
  test_perms_size ();
  test_env_and_misc ();
  test_caps ();
  test_args ();
  test_big ();
  test_help_version ();
  test_warnings ();
  test_errors ();
  test_ids ();
  test_net ();
  test_default_preset ();
  test_reentrant ();
  test_op_kinds ();
  test_seccomp_precompiled ();

  printf ("1..%d\n", n_tests);
  return tap_summary ();
}

/* --seccomp-policy default compiled at build time (seccomp-default.h,
 * tools/gen-seccomp) is, byte for byte, what libseccomp compiles now from
 * the same rules, for the default errno and others; hutch_seccomp_compile
 * hands out the same program. */
static void
test_seccomp_precompiled (void)
{
#ifdef HAVE_PRECOMPILED_SECCOMP
  static const int errnos[] = { 0, EACCES, EHWPOISON, 4094 };
  for (size_t i = 0; i < N_ELEMENTS (errnos); i++)
    {
      struct sandbox sb = { .seccomp_policy_default = true, .seccomp_errno = errnos[i] };
      struct run now = { 0 }, given = { 0 };
      hutch_seccomp_compile_at_run_time (&sb, &now);
      hutch_seccomp_compile (&sb, &given);
      bool same = now.seccomp_bpf_len == given.seccomp_bpf_len
                  && memcmp (now.seccomp_bpf, given.seccomp_bpf, now.seccomp_bpf_len) == 0;
      ok (same && now.seccomp_bpf_len == sizeof hutch_seccomp_default_bpf,
          "seccomp: the build-time default policy (%zu instructions) is the run-time one, errno %d",
          now.seccomp_bpf_len / 8, errnos[i] ? errnos[i] : EPERM);
      free (now.seccomp_bpf);
      free (given.seccomp_bpf);
    }
#else
  n_skipped++;
  printf ("ok %d - # SKIP no build-time seccomp policy (no libseccomp, or cross-compiled)\n",
          ++n_tests);
#endif
}
