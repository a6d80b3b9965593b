/* hutch — the one description of a sandbox, shared by every phase.
 *
 * Parse (options.c, with the handlers of option-table.c) fills a `struct
 * sandbox` from argv; check (options.c) validates it; build (namespaces.c,
 * setup.c, bind-mount.c, network.c) and confine (confine.c) read it.
 * Nothing but the parser and its handlers writes to it, except the `run`
 * part, which the build phase fills in as it goes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Ordered setup operations: everything whose order on the command line
 * matters.  Applied in sequence by setup_apply_ops() in setup.c. */
enum op_type
{
  OP_BIND,         /* --bind / --bind-try            src dest          */
  OP_RO_BIND,      /* --ro-bind / --ro-bind-try      src dest          */
  OP_DEV_BIND,     /* --dev-bind / --dev-bind-try    src dest          */
  OP_BIND_FD,      /* --bind-fd FD DEST              fd dest           */
  OP_RO_BIND_FD,   /* --ro-bind-fd FD DEST           fd dest           */
  OP_REMOUNT_RO,   /* --remount-ro DEST              dest              */
  OP_PROC,         /* --proc DEST                                      */
  OP_DEV,          /* --dev DEST                                       */
  OP_TMPFS,        /* --tmpfs DEST        (perms, size)                */
  OP_MQUEUE,       /* --mqueue DEST                                    */
  OP_DIR,          /* --dir DEST          (perms)                      */
  OP_SYMLINK,      /* --symlink TARGET DEST         src = target       */
  OP_CHMOD,        /* --chmod OCTAL PATH            perms, dest = path */
  OP_FILE,         /* --file FD DEST      (perms)                      */
  OP_BIND_DATA,    /* --bind-data FD DEST (perms)                      */
  OP_RO_BIND_DATA, /* --ro-bind-data FD DEST (perms)                   */
  OP_OVERLAY,      /* --overlay RWSRC WORKDIR DEST  src, workdir, dest */
  OP_TMP_OVERLAY,  /* --tmp-overlay DEST                               */
  OP_RO_OVERLAY,   /* --ro-overlay DEST                                */
  OP_LOCK_FILE,    /* --lock-file DEST                                 */
};
/* The last of them: op_kinds[] (op-kinds.h) has a row for each up to it. */
#define OP_TYPE_LAST OP_LOCK_FILE

enum
{
  OPF_TRY = 1 << 0,       /* the -try variants: skip a missing source  */
  OPF_PERMS_SET = 1 << 1, /* --perms was given for this op            */
  OPF_SIZE_SET = 1 << 2,  /* --size was given for this op             */
};

struct setup_op
{
  enum op_type type;
  unsigned flags;            /* OPF_* */
  const char *src;           /* bind source, symlink target, overlay rw source */
  const char *dest;          /* destination inside the sandbox (absolute or relative to /) */
  const char *workdir;       /* OP_OVERLAY only */
  int fd;                    /* OP_FILE, OP_*BIND_DATA, OP_*BIND_FD; -1 otherwise */
  mode_t perms;              /* valid when OPF_PERMS_SET (always for OP_CHMOD) */
  size_t size;               /* valid when OPF_SIZE_SET */
  const char **overlay_srcs; /* --overlay-src paths for the overlay ops, in order */
  size_t n_overlay_srcs;
};

/* Environment changes, applied in order just before exec. */
enum env_op_type
{
  ENV_SET,
  ENV_UNSET,
  ENV_CLEAR
};

struct env_op
{
  enum env_op_type type;
  const char *name;
  const char *value;
};

/* --landlock-connect-tcp / --landlock-bind-tcp: inclusive ranges. */
struct port_range
{
  uint16_t lo, hi;
};

/* --rlimit NAME=SOFT[:HARD]; RLIM_INFINITY is UINT64_MAX. */
struct rlimit_setting
{
  int resource; /* RLIMIT_* */
  uint64_t soft, hard;
};

/* --publish [HOSTADDR:]HOSTPORT:SANDBOXPORT[/tcp|/udp] (pasta.c). */
struct net_publish
{
  char host_addr[46]; /* numeric, normalized; IPv6 without brackets */
  bool host_ipv6;
  uint16_t host_port, sandbox_port;
  bool udp;
};

/* --dbus-talk NAME, --dbus-system-call NAME=RULE and the others
 * (dbus-proxy.c): one policy rule of the filtered bus. */
enum dbus_policy
{
  DBUS_SEE,
  DBUS_TALK,
  DBUS_OWN,
  DBUS_CALL,
  DBUS_BROADCAST
};

struct dbus_rule
{
  bool system_bus; /* --dbus-system-*: the system bus, else the session bus */
  enum dbus_policy policy;
  char *value;        /* NAME or NAME=RULE, a copy (--args data is freed early) */
  const char *option; /* the option that gave it, for messages */
};

/* One line of a uid or gid map: INSIDE OUTSIDE COUNT. */
struct id_map_entry
{
  uint32_t inside, outside, count;
};

struct sandbox
{
  /* Namespaces asked for. */
  bool unshare_user;
  bool unshare_user_try;
  bool unshare_ipc;
  bool unshare_pid;
  bool unshare_net;
  bool unshare_net_given; /* --unshare-net itself (not only --unshare-all) */
  bool unshare_uts;
  bool unshare_cgroup;
  bool unshare_cgroup_try;
  bool unshare_all; /* --unshare-all was given */
  bool share_net;   /* --share-net was given */

  /* Identity inside. */
  bool uid_set, gid_set;
  uid_t uid;
  gid_t gid;
  /* Many ids inside (idmap.c): --map-subids, --uid-map, --gid-map. */
  bool map_subids;
  struct id_map_entry *uid_maps, *gid_maps;
  size_t n_uid_maps, n_gid_maps;
  size_t uid_maps_cap, gid_maps_cap; /* xgrow()'s capacities of the two */
  const char *hostname;              /* NULL: keep */

  /* Process. */
  const char *chdir_path; /* NULL: keep cwd if visible, else $HOME, else / */
  unsigned chdir_count;   /* for the "--chdir given twice" warning */
  const char *argv0;      /* NULL: command[0] */
  bool new_session;
  bool die_with_parent;
  bool forward_signals; /* --forward-signals: SIGUSR1 and SIGUSR2 too */
  bool as_pid_1;

  /* Capabilities: the set the command keeps, after --cap-add/--cap-drop in order. */
  uint64_t caps;
  bool caps_given; /* any --cap-add or --cap-drop was seen */

  /* Environment changes in command-line order. */
  struct env_op *env_ops;
  size_t n_env_ops, env_ops_cap;

  /* Ordered setup. */
  struct setup_op *ops;
  size_t n_ops, ops_cap;

  /* File descriptors named by the caller (-1: not given). */
  int info_fd;
  int json_status_fd;
  int sync_fd;
  int block_fd;
  int userns_block_fd;
  int userns_fd;
  int userns2_fd;
  int pidns_fd;
  int netns_fd;     /* --netns: the network namespace to join */
  int *seccomp_fds; /* --seccomp (at most one) and --add-seccomp-fd, in order */
  size_t n_seccomp_fds, seccomp_fds_cap;
  bool seccomp_given; /* --seccomp seen (it is not repeatable) */
  int *keep_fds;      /* --keep-fd: inherited directory fds the command may keep */
  size_t n_keep_fds, keep_fds_cap;

  bool disable_userns;
  bool assert_userns_disabled;

  const char *exec_label;
  const char *file_label;

  bool level_prefix;
  bool quiet;   /* --quiet: no notes on stderr */
  bool verbose; /* --verbose: say how the sandbox is built (the mount API used) */

  /* Report instead of building: --diagnose (diagnose.c), --dry-run (dry-run.c). */
  bool diagnose;
  enum
  {
    DRY_RUN_NONE,
    DRY_RUN_TEXT,
    DRY_RUN_JSON
  } dry_run;

  /* confinement beyond bubblewrap (syscall-filter.c, landlock.c, resource-limits.c) */
  const char **seccomp_deny; /* --seccomp-deny: syscall names and @groups, checked */
  size_t n_seccomp_deny;
  int seccomp_errno;           /* --seccomp-errno; 0: EPERM */
  bool seccomp_policy_default; /* --seccomp-policy default */
  const char **landlock_ro;    /* --landlock-ro paths, as seen inside */
  size_t n_landlock_ro;
  const char **landlock_rw; /* --landlock-rw paths, as seen inside */
  size_t n_landlock_rw;
  struct port_range *landlock_connect; /* --landlock-connect-tcp */
  size_t n_landlock_connect;
  bool landlock_connect_given;
  struct port_range *landlock_bind; /* --landlock-bind-tcp */
  size_t n_landlock_bind;
  bool landlock_bind_given;
  bool scope_abstract_unix;       /* --scope-abstract-unix */
  bool scope_signals;             /* --scope-signals */
  bool landlock_best_effort;      /* --landlock-best-effort */
  struct rlimit_setting *rlimits; /* --rlimit, one per resource (the last wins) */
  size_t n_rlimits;
  uint64_t timeout_ms;       /* --timeout; 0: none */
  uint64_t timeout_grace_ms; /* SIGTERM to SIGKILL */

  /* user-mode networking through pasta (pasta.c) */
  bool net_pasta;              /* --net pasta: a new network namespace that pasta wires up */
  bool net_host_loopback;      /* --net-host-loopback: the gateway reaches the host's loopback */
  struct net_publish *publish; /* --publish, in order */
  size_t n_publish;

  /* a filtered D-Bus through xdg-dbus-proxy (dbus-proxy.c) */
  struct dbus_rule *dbus_rules; /* in command-line order */
  size_t n_dbus_rules, dbus_rules_cap;
  bool dbus_log; /* --dbus-log: the proxy's log on hutch's stderr */

  /* --explain, --explain=json, --learn FILE (explain.c, learn.c) */
  enum
  {
    EXPLAIN_NONE,
    EXPLAIN_TEXT,
    EXPLAIN_JSON
  } explain;
  const char *learn_file;

  /* The command: NULL-terminated, n_command >= 1 after check. */
  char **command;
  size_t n_command;

  /* The data read from each --args FD: the parsed strings point into it,
   * so it lives until options_release(). */
  char **args_buffers;
  size_t n_args_buffers, args_buffers_cap;

  /* Each option read from a profile ("--tmpfs /tmp") and where it stands
   * ("builtin:safe.profile:20"): --dry-run shows them. */
  struct option_origin
  {
    char *option;
    char *where;
  } * origins;
  size_t n_origins, origins_cap;

  /* A command line with no file-system operation gets no safe preset
   * (the unit tests of single options set it). */
  bool no_default_preset;

  /* Running sandboxes (instance.c, enter.c): --name, and the actions
   * --list, --enter and --stop, which build no sandbox. */
  const char *name; /* --name; NULL: none */
  enum
  {
    INSTANCE_NONE,
    INSTANCE_LIST,
    INSTANCE_LIST_JSON,
    INSTANCE_ENTER,
    INSTANCE_STOP
  } instance_action;
  const char *instance_target; /* --enter/--stop NAME|PID */
  uint64_t stop_grace_ms;      /* --grace; default 2 s */
  bool stop_grace_given;
};

/* Mapped ids and other facts the build phase works out. */
struct sock_fprog;
struct explain;

struct run
{
  uid_t real_uid;
  gid_t real_gid;
  uid_t ns_uid; /* uid mapped in the first user namespace */
  gid_t ns_gid;
  bool userns;         /* a user namespace is created */
  bool nested_userns;  /* a second user namespace switches to sb->uid/gid after setup */
  bool has_lock_files; /* some --lock-file: PID 1 holds the locks */
  int proc_fd;         /* O_PATH fd of the host's /proc, opened before clone */
  /* Maps written by newuidmap/newgidmap (idmap.c); n == 0: not by them. */
  struct id_map_entry *uid_map, *gid_map;
  size_t n_uid_map, n_gid_map;
  bool switch_ids; /* many ids mapped: setresuid/setresgid after setup to: */
  uid_t switch_uid;
  gid_t switch_gid;
  bool pid1;          /* a reaper runs as PID 1 of the new PID namespace */
  int status_pipe[2]; /* PID 1 reports the command's exit status to the monitor */
  int exec_pipe[2];   /* the command reports a failed exec to the monitor */
  int pid1_ready_fd;  /* in the command: PID 1 writes to it once confined (-1: no PID 1) */
  char *old_cwd;      /* the caller's cwd, to keep it if it exists inside */

  /* confinement beyond bubblewrap (syscall-filter.c, landlock.c) */
  void *seccomp_bpf;      /* hutch's own filter (struct sock_filter[]), compiled before clone */
  size_t seccomp_bpf_len; /* in bytes; 0: no filter of hutch's own */
  struct sock_fprog *seccomp_progs; /* the caller's programs once read (NULL: not yet) */
  size_t n_seccomp_progs;
  int landlock_abi; /* the kernel's Landlock ABI (0: none), probed once */
  /* The rights the Landlock ruleset handles (landlock_check(): what is
   * asked, less what the ABI lacks under --landlock-best-effort); all 0:
   * no ruleset. */
  uint64_t landlock_fs;     /* LANDLOCK_ACCESS_FS_* */
  uint64_t landlock_net;    /* LANDLOCK_ACCESS_NET_* */
  uint64_t landlock_scoped; /* LANDLOCK_SCOPE_* */

  /* The command's ids as it sees them (namespaces_prepare()); not known
   * when it runs in a user namespace of the caller's (--userns, --userns2)
   * without --uid/--gid. */
  bool cmd_uid_known, cmd_gid_known;
  uid_t cmd_uid;
  gid_t cmd_gid;

  /* The command's capabilities, decided once before clone by
   * confine_caps_prepare() (the run applies them, --dry-run reports them). */
  uint64_t caps_keep;  /* permitted and effective when it starts */
  bool caps_ambient;   /* inheritable and ambient too (--cap-add/--cap-drop given) */
  bool caps_set_bound; /* in a user namespace new to it: the bounding set becomes: */
  uint64_t caps_bound; /* (else the caller's bounding set is left as it is) */

  /* The namespaces, decided once by namespaces_prepare(): clone_flags is
   * what clone() is given (CLONE_NEW*; --unshare-user-try without a user
   * namespace the kernel refuses drops CLONE_NEWUSER); new_namespaces the
   * namespaces the command ends up in that are new to it (clone_flags and
   * the PID namespace made below a --pidns one, nest_pid_namespace()).
   * The build uses them, --dry-run prints them. */
  int clone_flags;
  int new_namespaces;

  /* --explain, --learn: what the monitor needs to say what the sandbox
   * refused (explain.c); NULL without them. */
  struct explain *explain;

  /* What setup_resolve_sources() found for each of sb->ops (setup.h),
   * before the build: the build, and a plan, read the same. */
  struct resolved_op *resolved_ops;
  size_t n_resolved_ops;
};

void sandbox_init (struct sandbox *sb);
