/* hutch — the option table: one row per option, and the handler that
 * records it in struct sandbox.  options.c reads the words and calls the
 * handlers.  Handlers only record what was asked for; nothing here touches
 * the file system or the namespaces.
 */
#include "config.h"

#include "options-private.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <unistd.h>

#include "dbus-proxy.h"
#include "idmap.h"
#include "instance.h"
#include "landlock.h"
#include "op-kinds.h"
#include "pasta.h"
#include "presets.h"
#include "profile-files.h"
#include "resource-limits.h"
#include "syscall-filter.h"

/* A tmpfs bigger than half the address space trips kernel limits. */
#define MAX_TMPFS_SIZE ((size_t)(SIZE_MAX >> 1))

/* sethostname(2) takes at most HOST_NAME_MAX (64) bytes. */
#define MAX_HOSTNAME_LEN 64

#define OVERLAY_SRC_MISPLACED                                                                      \
  "--overlay-src must be followed by another --overlay-src or one of "                             \
  "--overlay, --tmp-overlay, or --ro-overlay"

/* ------------------------------------------------------------------------ */
/* Value parsing                                                             */

int
fd_arg (const char *s)
{
  int fd;
  if (parse_fd (s, &fd) < 0)
    die ("Invalid fd: %s", s);
  return fd;
}

static void
warn_only_last (const struct option_def *opt)
{
  warn_msg ("Only the last %s option will take effect", opt->name);
}

/* Options naming one fd that may be given only once (the last one wins). */
static void
set_single_fd (const struct option_def *opt, int *slot, const char *value)
{
  if (*slot != -1)
    warn_only_last (opt);
  *slot = fd_arg (value);
}

/* ------------------------------------------------------------------------ */
/* Building the sandbox                                                      */

static void
env_op_new (struct sandbox *sb, enum env_op_type type, const char *name, const char *value)
{
  sb->env_ops = xgrow (sb->env_ops, &sb->env_ops_cap, sb->n_env_ops, sizeof *sb->env_ops);
  sb->env_ops[sb->n_env_ops++] = (struct env_op){
    .type = type,
    .name = name,
    .value = value,
  };
}

static void
seccomp_fd_add (struct sandbox *sb, int fd)
{
  sb->seccomp_fds
      = xgrow (sb->seccomp_fds, &sb->seccomp_fds_cap, sb->n_seccomp_fds, sizeof *sb->seccomp_fds);
  sb->seccomp_fds[sb->n_seccomp_fds++] = fd;
}

/* Give a pending --perms to an op that creates something. */
static void
op_take_perms (struct parse_ctx *pc, struct setup_op *op)
{
  if (pc->perms_pending)
    {
      op->perms = pc->perms;
      op->flags |= OPF_PERMS_SET;
      pc->perms_pending = false;
    }
}

static void
op_take_size (struct parse_ctx *pc, struct setup_op *op)
{
  if (pc->size_pending)
    {
      op->size = pc->size;
      op->flags |= OPF_SIZE_SET;
      pc->size_pending = false;
    }
}

/* Hand the collected --overlay-src layers to an overlay op. */
static void
op_take_overlay_srcs (struct parse_ctx *pc, struct setup_op *op)
{
  op->overlay_srcs = pc->overlay_srcs;
  op->n_overlay_srcs = pc->n_overlay_srcs;
  pc->overlay_srcs = NULL;
  pc->n_overlay_srcs = 0;
  pc->overlay_srcs_cap = 0;
}

/* A new op at the end of the sandbox's list; it takes what its kind
 * takes of a pending --perms, --size and the --overlay-src layers. */
static struct setup_op *
op_new (struct parse_ctx *pc, enum op_type type, const char *dest)
{
  struct sandbox *sb = pc->sb;
  sb->ops = xgrow (sb->ops, &sb->ops_cap, sb->n_ops, sizeof *sb->ops);
  struct setup_op *op = &sb->ops[sb->n_ops++];
  *op = (struct setup_op){ .type = type, .dest = dest, .fd = -1 };

  const struct op_kind *k = op_kind_of (op);
  if (k->takes_perms)
    op_take_perms (pc, op);
  if (k->takes_size)
    op_take_size (pc, op);
  if (k->min_overlay_srcs > 0)
    op_take_overlay_srcs (pc, op);
  return op;
}

/* The overlay ops: their kind says how many layers they need. */
static struct setup_op *
overlay_op_new (struct parse_ctx *pc, enum op_type type, const char *dest)
{
  const struct op_kind *k = &op_kinds[type];
  if (pc->n_overlay_srcs < k->min_overlay_srcs)
    die ("%s requires at least %s --overlay-src", k->option,
         k->min_overlay_srcs == 1 ? "one" : "two");
  return op_new (pc, type, dest);
}

/* The effective capabilities of this process, as a mask. */
static uint64_t
current_effective_caps (void)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];

  memset (data, 0, sizeof data);
  if (capget (&hdr, data) < 0)
    die_with_error ("capget (for uid == 0) failed");
  return (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
}

static uint64_t
cap_arg (const char *name)
{
  cap_value_t cap;

  if (strcasecmp (name, "ALL") == 0)
    return ~(uint64_t)0;
  if (cap_from_name (name, &cap) < 0 || cap < 0 || cap >= 64)
    die ("unknown cap: %s", name);
  return (uint64_t)1 << cap;
}

/* Before the first --cap-add/--cap-drop: root starts from the capabilities
 * it has, anyone else from none. */
static void
caps_start (struct sandbox *sb)
{
  if (!sb->caps_given)
    {
      sb->caps_given = true;
      sb->caps = getuid () == 0 ? current_effective_caps () : 0;
    }
}

/* ------------------------------------------------------------------------ */
/* Handlers                                                                  */

#define HANDLER(fn)                                                                                \
  static void fn (struct parse_ctx *pc UNUSED, const struct option_def *opt UNUSED,                \
                  char **args UNUSED)

HANDLER (h_help)
{
  options_usage (stdout, EXIT_SUCCESS);
}

/* The bubblewrap release whose command line hutch implements. */
#define BWRAP_INTERFACE_VERSION "0.11.1"

HANDLER (h_version)
{
  /* Run as "bwrap", the first line is what callers parse (BuildStream
   * reads its second word for the features a version has); hutch's own
   * lines follow. */
  if (strcmp (prog_name, "bwrap") == 0)
    printf ("bubblewrap %s\n", BWRAP_INTERFACE_VERSION);
  printf ("hutch %s\n", PACKAGE_VERSION);
  printf ("features:");
#ifdef HAVE_LIBSECCOMP
  printf (" libseccomp");
#endif
#ifdef HAVE_SELINUX
  printf (" selinux");
#endif
  printf (" landlock");
  printf ("\n");
#ifdef ENABLE_SETUID
  printf ("mode: setuid-optional (root only creates the namespaces when installed setuid)\n");
#else
  printf ("mode: rootless\n");
#endif
  exit (EXIT_SUCCESS);
}

static void
preset_context_init (struct preset_context *ctx, const struct sandbox *sb)
{
  ctx->sb = sb;
  ctx->chdir_set = false;
  ctx->home = getenv ("HOME");
  ctx->cwd = getcwd (ctx->cwd_buf, sizeof ctx->cwd_buf);
}

/* The preset's words (its shipped profile's) are read next, as if typed here. */
void
push_preset (struct parse_ctx *pc, const char *name)
{
  preset_check_name (name);
  push_profile (pc, name, true);
}

HANDLER (h_map_subids)
{
  pc->sb->map_subids = true;
  pc->sb->unshare_user = true; /* the maps are those of a new user namespace */
}

HANDLER (h_uid_map)
{
  struct sandbox *sb = pc->sb;
  sb->uid_maps = xgrow (sb->uid_maps, &sb->uid_maps_cap, sb->n_uid_maps, sizeof *sb->uid_maps);
  idmap_parse_entry (opt->name, args[0], &sb->uid_maps[sb->n_uid_maps++]);
  sb->unshare_user = true;
}

HANDLER (h_gid_map)
{
  struct sandbox *sb = pc->sb;
  sb->gid_maps = xgrow (sb->gid_maps, &sb->gid_maps_cap, sb->n_gid_maps, sizeof *sb->gid_maps);
  idmap_parse_entry (opt->name, args[0], &sb->gid_maps[sb->n_gid_maps++]);
  sb->unshare_user = true;
}

HANDLER (h_preset)
{
  if (strcmp (args[0], "list") == 0)
    {
      struct preset_context ctx;
      preset_context_init (&ctx, pc->sb);
      preset_print_list (stdout, &ctx);
      exit (EXIT_SUCCESS);
    }
  push_preset (pc, args[0]);
}

HANDLER (h_profile)
{
  if (strcmp (args[0], "list") == 0)
    {
      profile_print_list (stdout);
      exit (EXIT_SUCCESS);
    }
  push_profile (pc, args[0], false);
}

/* --system-links, --cwd-bind, --x11-socket, --seccomp-policy-try,
 * --dbus-talk-try: the
 * words they stand for on this host are read next (presets.c). */
HANDLER (h_host_words)
{
  struct preset_context ctx;
  size_t n;

  preset_context_init (&ctx, pc->sb);
  char **words = preset_host_words (opt->name, opt->n_args > 0 ? args[0] : NULL, &ctx, &n);
  if (n > 0)
    source_push (pc, words, n, true);
  else
    free (words);
}

HANDLER (h_quiet)
{
  pc->sb->quiet = true;
}

HANDLER (h_verbose)
{
  pc->sb->verbose = true;
}

HANDLER (h_argv0)
{
  if (pc->sb->argv0 != NULL)
    die ("--argv0 used multiple times");
  pc->sb->argv0 = args[0];
}

HANDLER (h_level_prefix)
{
  pc->sb->level_prefix = true;
  log_level_prefix = true;
}

/* One line per row, four tab-separated fields: the name, the value names
 * (empty when it takes none), the first line of its help and
 * "setuid-refused" when the setuid build refuses it (else empty).  The
 * completions and the documentation tests read this. */
HANDLER (h_list_options)
{
  for (size_t i = 0; i < option_table_len; i++)
    {
      const struct option_def *o = &option_table[i];
      const char *help = o->help ? o->help : "";
      printf ("%s\t%s\t%.*s\t%s\n", o->name, o->arg_names ? o->arg_names : "",
              (int)strcspn (help, "\n"), help, options_setuid_refused (o) ? "setuid-refused" : "");
    }
  exit (fflush (stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

HANDLER (h_diagnose)
{
  pc->sb->diagnose = true;
}
HANDLER (h_dry_run)
{
  pc->sb->dry_run = DRY_RUN_TEXT;
}
/* --explain, --learn (explain.c, learn.c) */
HANDLER (h_explain)
{
  pc->sb->explain = EXPLAIN_TEXT;
}
HANDLER (h_explain_json)
{
  pc->sb->explain = EXPLAIN_JSON;
}
HANDLER (h_learn)
{
  if (args[0][0] == '\0')
    die ("--learn: the profile's file name is empty");
  pc->sb->learn_file = args[0];
}
HANDLER (h_dry_run_json)
{
  pc->sb->dry_run = DRY_RUN_JSON;
}

HANDLER (h_unshare_all)
{
  pc->sb->unshare_all = true;
  pc->sb->unshare_user_try = true;
  pc->sb->unshare_ipc = true;
  pc->sb->unshare_pid = true;
  pc->sb->unshare_net = true;
  pc->sb->unshare_uts = true;
  pc->sb->unshare_cgroup_try = true;
}

HANDLER (h_share_net)
{
  pc->sb->unshare_net = false;
  pc->sb->unshare_net_given = false;
  pc->sb->share_net = true;
  pc->sb->net_pasta = false; /* the later of --share-net and --net pasta wins */
}

HANDLER (h_net)
{
  pasta_parse_net (pc->sb, args[0]);
}
HANDLER (h_net_host_loopback)
{
  pc->sb->net_host_loopback = true;
}
HANDLER (h_publish)
{
  pasta_parse_publish (pc->sb, args[0]);
}

/* --dbus-talk, --dbus-system-call and the others (dbus-proxy.c) */
HANDLER (h_dbus_rule)
{
  dbus_proxy_parse_rule (pc->sb, opt->name, args[0]);
}
HANDLER (h_dbus_log)
{
  pc->sb->dbus_log = true;
}

HANDLER (h_unshare_user)
{
  pc->sb->unshare_user = true;
}
HANDLER (h_unshare_user_try)
{
  pc->sb->unshare_user_try = true;
}
HANDLER (h_unshare_ipc)
{
  pc->sb->unshare_ipc = true;
}
HANDLER (h_unshare_pid)
{
  pc->sb->unshare_pid = true;
}
HANDLER (h_unshare_net)
{
  pc->sb->unshare_net = true;
  pc->sb->unshare_net_given = true;
}
HANDLER (h_unshare_uts)
{
  pc->sb->unshare_uts = true;
}
HANDLER (h_unshare_cgroup)
{
  pc->sb->unshare_cgroup = true;
}
HANDLER (h_unshare_cgroup_try)
{
  pc->sb->unshare_cgroup_try = true;
}
HANDLER (h_disable_userns)
{
  pc->sb->disable_userns = true;
}
HANDLER (h_assert_userns_disabled)
{
  pc->sb->assert_userns_disabled = true;
}
HANDLER (h_new_session)
{
  pc->sb->new_session = true;
}
HANDLER (h_die_with_parent)
{
  pc->sb->die_with_parent = true;
}
HANDLER (h_forward_signals)
{
  pc->sb->forward_signals = true;
}
HANDLER (h_as_pid_1)
{
  pc->sb->as_pid_1 = true;
}

HANDLER (h_userns)
{
  set_single_fd (opt, &pc->sb->userns_fd, args[0]);
}
HANDLER (h_userns2)
{
  set_single_fd (opt, &pc->sb->userns2_fd, args[0]);
}
HANDLER (h_pidns)
{
  set_single_fd (opt, &pc->sb->pidns_fd, args[0]);
}
HANDLER (h_netns)
{
  set_single_fd (opt, &pc->sb->netns_fd, args[0]);
}
HANDLER (h_sync_fd)
{
  set_single_fd (opt, &pc->sb->sync_fd, args[0]);
}
HANDLER (h_block_fd)
{
  set_single_fd (opt, &pc->sb->block_fd, args[0]);
}
HANDLER (h_userns_block_fd)
{
  set_single_fd (opt, &pc->sb->userns_block_fd, args[0]);
}
HANDLER (h_info_fd)
{
  set_single_fd (opt, &pc->sb->info_fd, args[0]);
}
HANDLER (h_json_status_fd)
{
  set_single_fd (opt, &pc->sb->json_status_fd, args[0]);
}

HANDLER (h_uid)
{
  uint32_t v;

  if (pc->sb->uid_set)
    warn_only_last (opt);
  if (parse_uint32 (args[0], &v) < 0 || v > INT32_MAX)
    die ("Invalid uid: %s", args[0]);
  pc->sb->uid = (uid_t)v;
  pc->sb->uid_set = true;
}

HANDLER (h_gid)
{
  uint32_t v;

  if (pc->sb->gid_set)
    warn_only_last (opt);
  if (parse_uint32 (args[0], &v) < 0 || v > INT32_MAX)
    die ("Invalid gid: %s", args[0]);
  pc->sb->gid = (gid_t)v;
  pc->sb->gid_set = true;
}

HANDLER (h_hostname)
{
  size_t len = strlen (args[0]);

  /* (The same name again from a profile, as from two that include safe,
   * is no conflict; on the command line bubblewrap's warning stays.) */
  if (pc->sb->hostname != NULL
      && (pc->current_profile == NULL || strcmp (pc->sb->hostname, args[0]) != 0))
    warn_only_last (opt);
  /* Refused here rather than by sethostname(2): it would take a newline
   * or an escape sequence, which later shows up in prompts and logs. */
  for (size_t i = 0; i < len; i++)
    if (iscntrl ((unsigned char)args[0][i]))
      die ("Invalid --hostname %s: control character at byte %zu", args[0], i);
  if (len > MAX_HOSTNAME_LEN)
    die ("Invalid --hostname %.16s...: %zu bytes, at most %d", args[0], len, MAX_HOSTNAME_LEN);
  pc->sb->hostname = args[0];
}

HANDLER (h_keep_fd)
{
  int fd = fd_arg (args[0]);
  struct sandbox *sb = pc->sb;
  sb->keep_fds = xgrow (sb->keep_fds, &sb->keep_fds_cap, sb->n_keep_fds, sizeof *sb->keep_fds);
  sb->keep_fds[sb->n_keep_fds++] = fd;
}

HANDLER (h_chdir)
{
  if (pc->sb->chdir_count > 0)
    warn_only_last (opt);
  pc->sb->chdir_count++;
  pc->sb->chdir_path = args[0];
}

HANDLER (h_exec_label)
{
  if (pc->sb->exec_label != NULL)
    warn_only_last (opt);
  pc->sb->exec_label = args[0];
}

HANDLER (h_file_label)
{
  if (pc->sb->file_label != NULL)
    warn_only_last (opt);
  pc->sb->file_label = args[0];
}

HANDLER (h_clearenv)
{
  env_op_new (pc->sb, ENV_CLEAR, NULL, NULL);
}
HANDLER (h_setenv)
{
  env_op_new (pc->sb, ENV_SET, args[0], args[1]);
}
HANDLER (h_unsetenv)
{
  env_op_new (pc->sb, ENV_UNSET, args[0], NULL);
}

/* SRC DEST bind mounts. */
#define BIND_HANDLER(fn, type, flags_)                                                             \
  HANDLER (fn)                                                                                     \
  {                                                                                                \
    struct setup_op *op = op_new (pc, type, args[1]);                                              \
    op->src = args[0];                                                                             \
    op->flags |= (flags_);                                                                         \
  }

BIND_HANDLER (h_bind, OP_BIND, 0)
BIND_HANDLER (h_bind_try, OP_BIND, OPF_TRY)
BIND_HANDLER (h_dev_bind, OP_DEV_BIND, 0)
BIND_HANDLER (h_dev_bind_try, OP_DEV_BIND, OPF_TRY)
BIND_HANDLER (h_ro_bind, OP_RO_BIND, 0)
BIND_HANDLER (h_ro_bind_try, OP_RO_BIND, OPF_TRY)
BIND_HANDLER (h_symlink, OP_SYMLINK, 0)

/* FD DEST ops (whether a pending --perms applies is the kind's). */
static void
fd_op (struct parse_ctx *pc, enum op_type type, char **args)
{
  int fd = fd_arg (args[0]);
  struct setup_op *op = op_new (pc, type, args[1]);
  op->fd = fd;
}

HANDLER (h_bind_fd)
{
  fd_op (pc, OP_BIND_FD, args);
}
HANDLER (h_ro_bind_fd)
{
  fd_op (pc, OP_RO_BIND_FD, args);
}
HANDLER (h_file)
{
  fd_op (pc, OP_FILE, args);
}
HANDLER (h_bind_data)
{
  fd_op (pc, OP_BIND_DATA, args);
}
HANDLER (h_ro_bind_data)
{
  fd_op (pc, OP_RO_BIND_DATA, args);
}

HANDLER (h_remount_ro)
{
  op_new (pc, OP_REMOUNT_RO, args[0]);
}
HANDLER (h_proc)
{
  op_new (pc, OP_PROC, args[0]);
}
HANDLER (h_dev)
{
  op_new (pc, OP_DEV, args[0]);
}
HANDLER (h_mqueue)
{
  op_new (pc, OP_MQUEUE, args[0]);
}
HANDLER (h_lock_file)
{
  op_new (pc, OP_LOCK_FILE, args[0]);
}

HANDLER (h_tmpfs)
{
  op_new (pc, OP_TMPFS, args[0]);
}

HANDLER (h_dir)
{
  op_new (pc, OP_DIR, args[0]);
}

HANDLER (h_chmod)
{
  mode_t mode;

  if (parse_octal_mode (args[0], &mode) < 0)
    die ("--chmod takes an octal argument <= 07777");
  struct setup_op *op = op_new (pc, OP_CHMOD, args[1]);
  op->perms = mode;
  op->flags |= OPF_PERMS_SET;
}

HANDLER (h_overlay_src)
{
  pc->overlay_srcs = xgrow (pc->overlay_srcs, &pc->overlay_srcs_cap, pc->n_overlay_srcs,
                            sizeof *pc->overlay_srcs);
  pc->overlay_srcs[pc->n_overlay_srcs++] = args[0];
}

HANDLER (h_overlay)
{
  struct setup_op *op = overlay_op_new (pc, OP_OVERLAY, args[2]);
  op->src = args[0];
  op->workdir = args[1];
}

HANDLER (h_tmp_overlay)
{
  overlay_op_new (pc, OP_TMP_OVERLAY, args[0]);
}

HANDLER (h_ro_overlay)
{
  overlay_op_new (pc, OP_RO_OVERLAY, args[0]);
}

HANDLER (h_seccomp)
{
  if (pc->sb->n_seccomp_fds > 0 && !pc->sb->seccomp_given)
    die ("--seccomp cannot be combined with --add-seccomp-fd");
  if (pc->sb->seccomp_given)
    warn_only_last (opt);
  int fd = fd_arg (args[0]);
  if (pc->sb->seccomp_given)
    pc->sb->seccomp_fds[0] = fd;
  else
    seccomp_fd_add (pc->sb, fd);
  pc->sb->seccomp_given = true;
}

/* Confinement beyond bubblewrap: the modules check and record. */
HANDLER (h_seccomp_deny)
{
  hutch_seccomp_parse_deny (pc->sb, args[0]);
}
HANDLER (h_seccomp_errno)
{
  hutch_seccomp_parse_errno (pc->sb, args[0]);
}
HANDLER (h_seccomp_policy)
{
  hutch_seccomp_parse_policy (pc->sb, args[0]);
}
HANDLER (h_landlock_ro)
{
  landlock_parse_path (pc->sb, args[0], false);
}
HANDLER (h_landlock_rw)
{
  landlock_parse_path (pc->sb, args[0], true);
}
HANDLER (h_landlock_connect_tcp)
{
  landlock_parse_ports (pc->sb, opt->name, args[0], false);
}
HANDLER (h_landlock_bind_tcp)
{
  landlock_parse_ports (pc->sb, opt->name, args[0], true);
}
HANDLER (h_scope_abstract_unix)
{
  pc->sb->scope_abstract_unix = true;
}
HANDLER (h_scope_signals)
{
  pc->sb->scope_signals = true;
}
HANDLER (h_landlock_best_effort)
{
  pc->sb->landlock_best_effort = true;
}
HANDLER (h_rlimit)
{
  limit_parse_rlimit (pc->sb, args[0]);
}
HANDLER (h_timeout)
{
  if (pc->sb->timeout_ms != 0)
    warn_only_last (opt);
  limit_parse_timeout (pc->sb, args[0]);
}

HANDLER (h_add_seccomp_fd)
{
  if (pc->sb->seccomp_given)
    die ("--add-seccomp-fd cannot be combined with --seccomp");
  seccomp_fd_add (pc->sb, fd_arg (args[0]));
}

HANDLER (h_cap_add)
{
  caps_start (pc->sb);
  pc->sb->caps |= cap_arg (args[0]);
}

HANDLER (h_cap_drop)
{
  caps_start (pc->sb);
  pc->sb->caps &= ~cap_arg (args[0]);
}

HANDLER (h_perms)
{
  mode_t mode;

  if (pc->perms_pending)
    die ("--perms given twice for the same action");
  if (parse_octal_mode (args[0], &mode) < 0)
    die ("--perms takes an octal argument <= 07777");
  pc->perms = mode;
  pc->perms_pending = true;
}

HANDLER (h_size)
{
  size_t size;

  if (pc->size_pending)
    die ("--size given twice for the same action");
  if (!isdigit ((unsigned char)args[0][0]) || parse_size (args[0], &size) < 0)
    die ("--size takes a non-zero number of bytes");
  if (size > MAX_TMPFS_SIZE)
    die ("--size (for tmpfs) is limited to %zu", MAX_TMPFS_SIZE);
  pc->size = size;
  pc->size_pending = true;
}

/* ------------------------------------------------------------------------ */
/* The table                                                                 */

#define OPT0(name_, handler_, help_)                                                               \
  {                                                                                                \
    .name = name_, .n_args = 0, .arg_names = NULL, .help = help_, .handler = handler_              \
  }
#define OPT(name_, n_, args_, handler_, help_)                                                     \
  {                                                                                                \
    .name = name_, .n_args = n_, .arg_names = args_, .help = help_, .handler = handler_            \
  }
/* ------------------------------------------------------------------------ */
/* Running sandboxes (instance.c, enter.c)                                   */

HANDLER (h_name)
{
  if (!instance_name_valid (args[0]))
    die ("--name: \"%s\" is not a valid name (letters, digits, '.', '_', '-'; up to %d bytes)",
         args[0], INSTANCE_NAME_MAX);
  if (pc->sb->name != NULL)
    warn_only_last (opt);
  pc->sb->name = args[0];
}

/* --list, --enter and --stop build no sandbox: no preset either. */
static void
set_action (struct parse_ctx *pc, const struct option_def *opt, int action, const char *target)
{
  if (pc->sb->instance_action != INSTANCE_NONE)
    die ("%s: only one of --list, --enter and --stop at a time", opt->name);
  pc->sb->instance_action = action;
  pc->sb->instance_target = target;
  pc->sb->no_default_preset = true;
}

HANDLER (h_list)
{
  set_action (pc, opt, INSTANCE_LIST, NULL);
}
HANDLER (h_list_json)
{
  set_action (pc, opt, INSTANCE_LIST_JSON, NULL);
}
HANDLER (h_enter)
{
  set_action (pc, opt, INSTANCE_ENTER, args[0]);
}
HANDLER (h_stop)
{
  set_action (pc, opt, INSTANCE_STOP, args[0]);
}

HANDLER (h_grace)
{
  if (!limit_parse_seconds (args[0], strlen (args[0]), &pc->sb->stop_grace_ms))
    die ("--grace: invalid duration \"%s\" (SECONDS, e.g. 5 or 0.5)", args[0]);
  pc->sb->stop_grace_given = true;
}

/* The same, for an option the setuid build refuses (privilege.c).  The
 * options that make a setup op say it in op_kinds[] instead. */
#define OPT0_NOSUID(name_, handler_, help_)                                                        \
  {                                                                                                \
    .name = name_, .n_args = 0, .arg_names = NULL, .help = help_, .handler = handler_,             \
    .setuid_refused = true                                                                         \
  }
#define OPT_NOSUID(name_, n_, args_, handler_, help_)                                              \
  {                                                                                                \
    .name = name_, .n_args = n_, .arg_names = args_, .help = help_, .handler = handler_,           \
    .setuid_refused = true                                                                         \
  }

const struct option_def option_table[] = {
  OPT0 ("--help", h_help, "Print this help and exit"),
  OPT0 ("--version", h_version, "Print the version and the compiled-in features, then exit"),
  OPT0 ("--list-options", h_list_options,
        "Print every option, its values, help and setuid refusal, one a line; exit"),
  OPT0 ("--diagnose", h_diagnose, "Tell what this host allows a sandbox and why, then exit"),
  OPT0 ("--dry-run", h_dry_run, "Print the checked plan of the sandbox, create nothing, exit"),
  OPT0 ("--dry-run=json", h_dry_run_json, "Like --dry-run, as one JSON object"),
  /* --explain, --learn (explain.c, learn.c) */
  OPT0 ("--explain", h_explain,
        "Say on stderr what the sandbox refused COMMAND and which option did"),
  OPT0 ("--explain=json", h_explain_json, "Like --explain, as JSON lines on --json-status-fd"),
  OPT ("--learn", 1, "FILE", h_learn,
       "Write FILE, a profile that gives COMMAND only what it used in this run"),
  OPT ("--args", 1, "FD", h_args, "Read more NUL-separated arguments from FD"),
  OPT ("--argv0", 1, "VALUE", h_argv0, "Run COMMAND with VALUE as its argv[0]"),
  OPT0_NOSUID ("--map-subids", h_map_subids,
               "Map your subordinate uid/gid ranges (/etc/subuid, /etc/subgid) inside"),
  OPT_NOSUID ("--uid-map", 1, "I:O:COUNT", h_uid_map,
              "Map COUNT uids from O outside to I inside, checked by newuidmap"),
  OPT_NOSUID ("--gid-map", 1, "I:O:COUNT", h_gid_map,
              "Map COUNT gids from O outside to I inside, checked by newgidmap"),
  OPT ("--preset", 1, "NAME", h_preset,
       "Expand the preset NAME here (safe, build, desktop, desktop-dbus, net; list)"),
  OPT ("--profile", 1, "NAME|PATH", h_profile,
       "Expand the profile file NAME (looked up) or PATH here; list: every one found"),
  OPT0 ("--system-links", h_host_words,
        "/bin, /sbin, /lib*: the host's symbolic links into /usr, else read-only binds"),
  OPT ("--cwd-bind", 1, "ro|rw", h_host_words,
       "The current directory (read-only or writable) and --chdir there, unless it\n"
       "holds HOME or is a system directory"),
  OPT0 ("--x11-socket", h_host_words, "Bind the X11 socket of $DISPLAY read-only, if it exists"),
  OPT ("--seccomp-policy-try", 1, "NAME", h_host_words,
       "Like --seccomp-policy, but nothing when built without libseccomp"),
  OPT ("--dbus-talk-try", 1, "NAME", h_host_words,
       "Like --dbus-talk, but nothing when there is no session bus"),
  OPT0 ("--quiet", h_quiet, "Do not print notes (such as the implicit safe preset)"),
  OPT0 ("--verbose", h_verbose, "Say how the sandbox is built (such as the mount API used)"),
  OPT0 ("--level-prefix", h_level_prefix, "Start diagnostics with their syslog level, e.g. <3>"),
  OPT0 ("--unshare-all", h_unshare_all,
        "Unshare every namespace supported (user and cgroup only if possible)"),
  OPT0 ("--share-net", h_share_net,
        "Keep the host's network namespace (undoes an earlier --unshare-all or --unshare-net)"),
  OPT0 ("--unshare-user", h_unshare_user,
        "Create a new user namespace (implied unless run as root)"),
  OPT0 ("--unshare-user-try", h_unshare_user_try,
        "Create a new user namespace if possible, else go on without one"),
  OPT0 ("--unshare-ipc", h_unshare_ipc, "Create a new IPC namespace"),
  OPT0 ("--unshare-pid", h_unshare_pid, "Create a new PID namespace"),
  OPT0 ("--unshare-net", h_unshare_net, "Create a new network namespace"),
  OPT_NOSUID ("--net", 1, "MODE", h_net,
              "Network: pasta, a new network namespace with outbound access through pasta"),
  OPT0 ("--net-host-loopback", h_net_host_loopback,
        "With --net pasta: let the sandbox reach the host's loopback services"),
  OPT ("--publish", 1, "[ADDR:]PORT:PORT", h_publish,
       "With --net pasta: forward host port [ADDR:]PORT (127.0.0.1) to PORT inside;\n"
       "PORT/udp for UDP (repeatable)"),
  /* A filtered D-Bus (dbus-proxy.c) */
  OPT ("--dbus-talk", 1, "NAME", h_dbus_rule,
       "Filtered session bus (xdg-dbus-proxy): may talk to NAME (NAME.* for a prefix)"),
  OPT ("--dbus-own", 1, "NAME", h_dbus_rule, "Filtered session bus: may own NAME (and talk to it)"),
  OPT ("--dbus-see", 1, "NAME", h_dbus_rule,
       "Filtered session bus: may see NAME in ListNames, not talk to it"),
  OPT ("--dbus-call", 1, "NAME=RULE", h_dbus_rule,
       "Filtered session bus: may call [METHOD][@PATH] on NAME"),
  OPT ("--dbus-broadcast", 1, "NAME=RULE", h_dbus_rule,
       "Filtered session bus: receives NAME's signals matching [METHOD][@PATH]"),
  OPT ("--dbus-system-talk", 1, "NAME", h_dbus_rule, "Filtered system bus: may talk to NAME"),
  OPT ("--dbus-system-own", 1, "NAME", h_dbus_rule, "Filtered system bus: may own NAME"),
  OPT ("--dbus-system-see", 1, "NAME", h_dbus_rule, "Filtered system bus: may see NAME"),
  OPT ("--dbus-system-call", 1, "NAME=RULE", h_dbus_rule,
       "Filtered system bus: may call [METHOD][@PATH] on NAME"),
  OPT0 ("--dbus-log", h_dbus_log, "Pass the D-Bus proxy's log of every message to stderr"),
  OPT0 ("--unshare-uts", h_unshare_uts, "Create a new UTS namespace"),
  OPT0 ("--unshare-cgroup", h_unshare_cgroup, "Create a new cgroup namespace"),
  OPT0 ("--unshare-cgroup-try", h_unshare_cgroup_try,
        "Create a new cgroup namespace if possible, else go on without one"),
  OPT_NOSUID ("--userns", 1, "FD", h_userns,
              "Enter the user namespace FD (cannot combine with --unshare-user)"),
  OPT_NOSUID ("--userns2", 1, "FD", h_userns2,
              "Switch to the user namespace FD after setup (only useful with --userns)"),
  OPT0 ("--disable-userns", h_disable_userns,
        "Forbid creating more user namespaces inside the sandbox"),
  OPT0 ("--assert-userns-disabled", h_assert_userns_disabled,
        "Fail unless creating user namespaces inside the sandbox is forbidden"),
  OPT_NOSUID ("--pidns", 1, "FD", h_pidns,
              "Enter the PID namespace FD (as the parent one with --unshare-pid)"),
  OPT_NOSUID ("--netns", 1, "FD", h_netns,
              "Enter the network namespace FD (instead of the host's or a new one)"),
  OPT ("--uid", 1, "UID", h_uid,
       "User id inside the sandbox (requires --unshare-user or --userns)"),
  OPT ("--gid", 1, "GID", h_gid,
       "Group id inside the sandbox (requires --unshare-user or --userns)"),
  OPT ("--hostname", 1, "NAME", h_hostname,
       "Host name inside the sandbox (requires --unshare-uts)"),
  OPT ("--chdir", 1, "DIR", h_chdir, "Change to directory DIR inside the sandbox"),
  OPT0 ("--clearenv", h_clearenv, "Unset every environment variable"),
  OPT ("--setenv", 2, "VAR VALUE", h_setenv, "Set the environment variable VAR to VALUE"),
  OPT ("--unsetenv", 1, "VAR", h_unsetenv, "Unset the environment variable VAR"),
  OPT ("--lock-file", 1, "DEST", h_lock_file, "Hold a lock on DEST while the sandbox runs"),
  OPT ("--sync-fd", 1, "FD", h_sync_fd, "Keep FD open while the sandbox runs"),
  OPT ("--keep-fd", 1, "FD", h_keep_fd,
       "Pass the inherited directory fd FD to COMMAND (others are closed)"),
  OPT ("--bind", 2, "SRC DEST", h_bind, "Bind-mount the host path SRC on DEST"),
  OPT ("--bind-try", 2, "SRC DEST", h_bind_try, "Like --bind, but skipped when SRC does not exist"),
  OPT ("--dev-bind", 2, "SRC DEST", h_dev_bind,
       "Bind-mount the host path SRC on DEST, devices usable"),
  OPT ("--dev-bind-try", 2, "SRC DEST", h_dev_bind_try,
       "Like --dev-bind, but skipped when SRC does not exist"),
  OPT ("--ro-bind", 2, "SRC DEST", h_ro_bind, "Bind-mount the host path SRC read-only on DEST"),
  OPT ("--ro-bind-try", 2, "SRC DEST", h_ro_bind_try,
       "Like --ro-bind, but skipped when SRC does not exist"),
  OPT ("--bind-fd", 2, "FD DEST", h_bind_fd, "Bind-mount the directory or O_PATH fd FD on DEST"),
  OPT ("--ro-bind-fd", 2, "FD DEST", h_ro_bind_fd,
       "Bind-mount the directory or O_PATH fd FD read-only on DEST"),
  OPT ("--remount-ro", 1, "DEST", h_remount_ro,
       "Make the mount at DEST read-only (not recursively)"),
  OPT ("--overlay-src", 1, "SRC", h_overlay_src,
       "Add the host path SRC as a layer of the next overlay"),
  OPT ("--overlay", 3, "RWSRC WORKDIR DEST", h_overlay,
       "Mount an overlay on DEST, writing to the host path RWSRC;\n"
       "WORKDIR is an empty directory on the same file system as RWSRC"),
  OPT ("--tmp-overlay", 1, "DEST", h_tmp_overlay,
       "Mount an overlay on DEST, writing to an invisible tmpfs"),
  OPT ("--ro-overlay", 1, "DEST", h_ro_overlay, "Mount a read-only overlay on DEST"),
  OPT ("--exec-label", 1, "LABEL", h_exec_label, "Run COMMAND with the SELinux label LABEL"),
  OPT ("--file-label", 1, "LABEL", h_file_label, "Label files created for the sandbox with LABEL"),
  OPT ("--proc", 1, "DEST", h_proc, "Mount a new procfs on DEST"),
  OPT ("--dev", 1, "DEST", h_dev, "Mount a new minimal /dev on DEST"),
  OPT ("--tmpfs", 1, "DEST", h_tmpfs, "Mount a new tmpfs on DEST"),
  OPT ("--mqueue", 1, "DEST", h_mqueue, "Mount a new mqueue file system on DEST"),
  OPT ("--dir", 1, "DEST", h_dir, "Create the directory DEST"),
  OPT ("--file", 2, "FD DEST", h_file, "Create the file DEST with the data read from FD"),
  OPT ("--bind-data", 2, "FD DEST", h_bind_data,
       "Bind-mount a file holding the data read from FD on DEST"),
  OPT ("--ro-bind-data", 2, "FD DEST", h_ro_bind_data, "Like --bind-data, but read-only"),
  OPT ("--symlink", 2, "SRC DEST", h_symlink, "Create the symlink DEST pointing to SRC"),
  OPT ("--seccomp", 1, "FD", h_seccomp, "Load a seccomp filter from FD (not repeatable)"),
  OPT ("--add-seccomp-fd", 1, "FD", h_add_seccomp_fd, "Load a seccomp filter from FD (repeatable)"),
  OPT ("--seccomp-deny", 1, "LIST", h_seccomp_deny,
       "Refuse the system calls and @groups of the comma-separated LIST"),
  OPT ("--seccomp-errno", 1, "NAME", h_seccomp_errno,
       "Errno of refused calls, e.g. ENOSYS (default: EPERM)"),
  OPT ("--seccomp-policy", 1, "NAME", h_seccomp_policy,
       "Also refuse what untrusted code has no use for (NAME: default)"),
  OPT ("--landlock-ro", 1, "PATH", h_landlock_ro,
       "Landlock: read and execute only beneath the --landlock-ro/-rw PATHs"),
  OPT ("--landlock-rw", 1, "PATH", h_landlock_rw,
       "Landlock: also write beneath PATH (and nowhere else)"),
  OPT ("--landlock-connect-tcp", 1, "PORTS", h_landlock_connect_tcp,
       "Landlock: TCP connect only to PORTS, e.g. 80,443,8000-8080 or none"),
  OPT ("--landlock-bind-tcp", 1, "PORTS", h_landlock_bind_tcp,
       "Landlock: TCP bind only to PORTS, e.g. 8080 or none"),
  OPT0 ("--scope-abstract-unix", h_scope_abstract_unix,
        "Landlock: no connecting to abstract unix sockets made outside"),
  OPT0 ("--scope-signals", h_scope_signals,
        "Landlock: no signals to processes outside the sandbox"),
  OPT0 ("--landlock-best-effort", h_landlock_best_effort,
        "Warn about Landlock rights the kernel lacks instead of failing"),
  OPT ("--rlimit", 1, "NAME=SOFT[:HARD]", h_rlimit,
       "Set a resource limit, e.g. nofile=1024 or as=unlimited"),
  OPT ("--timeout", 1, "SECONDS[:GRACE]", h_timeout,
       "After SECONDS, SIGTERM the sandbox, SIGKILL after GRACE (2); exit 124"),
  OPT ("--block-fd", 1, "FD", h_block_fd, "Wait until FD has data to read before running COMMAND"),
  OPT_NOSUID ("--userns-block-fd", 1, "FD", h_userns_block_fd,
              "Wait until FD has data to read once the user namespace exists"),
  OPT ("--info-fd", 1, "FD", h_info_fd, "Write information about the running sandbox to FD"),
  OPT ("--json-status-fd", 1, "FD", h_json_status_fd,
       "Write the sandbox status to FD as a series of JSON documents"),
  OPT0 ("--new-session", h_new_session, "Run COMMAND in a new terminal session"),
  OPT0 ("--forward-signals", h_forward_signals,
        "Also forward SIGUSR1 and SIGUSR2 to COMMAND (SIGTERM, SIGINT, SIGHUP, SIGQUIT always)"),
  OPT0 ("--die-with-parent", h_die_with_parent,
        "Kill COMMAND with SIGKILL when hutch or its parent dies"),
  OPT0 ("--as-pid-1", h_as_pid_1, "Run COMMAND as PID 1 instead of under a reaper"),
  OPT_NOSUID ("--cap-add", 1, "CAP", h_cap_add, "Give COMMAND the capability CAP (or ALL)"),
  OPT ("--cap-drop", 1, "CAP", h_cap_drop, "Take the capability CAP (or ALL) from COMMAND"),
  OPT ("--perms", 1, "OCTAL", h_perms,
       "Permissions of the next --bind-data, --ro-bind-data, --file, --dir or --tmpfs"),
  OPT_NOSUID ("--size", 1, "BYTES", h_size, "Size of the next --tmpfs"),
  OPT ("--chmod", 2, "OCTAL PATH", h_chmod,
       "Set the permissions of PATH, which must exist, to OCTAL"),
  /* Running sandboxes (instance.c, enter.c) */
  OPT ("--name", 1, "NAME", h_name,
       "Name the sandbox (letters, digits, . _ -; up to 64 bytes), unique among yours"),
  OPT0 ("--list", h_list, "List your running sandboxes, then exit"),
  OPT0 ("--list=json", h_list_json, "Like --list, as a JSON array"),
  OPT ("--enter", 1, "NAME|PID", h_enter,
       "Run [--] COMMAND (default: $SHELL) inside your running sandbox NAME or PID"),
  OPT ("--stop", 1, "NAME|PID", h_stop,
       "Stop every process of your running sandbox NAME or PID, then exit"),
  OPT ("--grace", 1, "SECONDS", h_grace, "With --stop: SIGKILL after SECONDS (2) from SIGTERM"),
};

const size_t option_table_len = N_ELEMENTS (option_table);
_Static_assert(N_ELEMENTS (option_table) <= OPTIONS_MAX, "raise OPTIONS_MAX");

/* ------------------------------------------------------------------------ */
/* Between options                                                           */

/* What a run's context still holds once the command starts. */
void
parse_ctx_release (struct parse_ctx *pc)
{
  free (pc->sources);
  pc->sources = NULL;
  pc->n_sources = pc->sources_cap = 0;
  free (pc->overlay_srcs);
  pc->overlay_srcs = NULL;
  pc->n_overlay_srcs = pc->overlay_srcs_cap = 0;
}

/* --perms, --size and --overlay-src prepare the next option; anything else
 * that does not use what they prepared is a mistake.  --args only brings in
 * more words, so it is transparent. */
void
check_pending_after (const struct parse_ctx *pc, const struct option_def *opt)
{
  if (opt->handler == h_args)
    return;
  if (opt->handler != h_perms && opt->handler != h_size)
    {
      if (pc->perms_pending)
        die ("--perms must be followed by an option that creates a file");
      if (pc->size_pending)
        die ("--size must be followed by --tmpfs");
    }
  if (opt->handler != h_overlay_src && pc->n_overlay_srcs > 0)
    die (OVERLAY_SRC_MISPLACED);
}

/* Once the command starts, nothing may be left waiting for an option. */
void
check_nothing_pending (const struct parse_ctx *pc)
{
  if (pc->perms_pending)
    die ("--perms must be followed by an option that creates a file");
  if (pc->size_pending)
    die ("--size must be followed by --tmpfs");
  if (pc->n_overlay_srcs > 0)
    die (OVERLAY_SRC_MISPLACED);
}
