/* hutch — seccomp filters hutch builds itself.
 *
 * --seccomp-deny names system calls and @groups to refuse; --seccomp-policy
 * default adds a deny list for running untrusted code.  The whole policy
 * is compiled with libseccomp in the parent, before clone, into a BPF
 * program held in memory; the command loads it as the very last step
 * before exec (confine.c), after the caller's own --seccomp and
 * --add-seccomp-fd programs.  Filters stack: a call is refused if any
 * filter refuses it, and when two filters refuse the same call with an
 * errno, the kernel reports the errno of the filter loaded last, which is
 * hutch's.
 *
 * Every ABI the CPU can enter the kernel through is filtered: on x86_64
 * the filter covers x86_64, i386 (int $0x80, sysenter) and x32 (x86_64
 * numbers with __X32_SYSCALL_BIT), each with its own system call numbers,
 * so a denied call cannot be reached through another ABI.  A call from an
 * ABI the filter does not know kills the process (libseccomp's default
 * for a "bad architecture").
 *
 * Arguments: libseccomp compares 64-bit arguments in two 32-bit halves on
 * 64-bit ABIs and only the low half on 32-bit ones (i386, x32), so each
 * ABI gets a filter of its own, built with the width it has, and the
 * filters are merged.  A rule compares one argument once, so "refuse
 * every value but these" is written as a few rules, each covering an
 * aligned block of refused values (see deny_outside()).
 */
#include "config.h"

#include "syscall-filter.h"

#include "landlock.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef HAVE_LIBSECCOMP
#include <seccomp.h>
#endif

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#define OPT_DENY "--seccomp-deny"
#define OPT_ERRNO "--seccomp-errno"
#define OPT_POLICY "--seccomp-policy"

#ifdef HAVE_LIBSECCOMP

/* Named groups of system calls, by purpose.  A member may be another
 * @group.  A member this libseccomp does not know, or that the machine's
 * ABIs lack, is skipped: groups name what a call does, not where it
 * exists. */
struct syscall_group
{
  const char *name;
  const char *members; /* separated by spaces */
};

static const struct syscall_group groups[] = {
  /* Set the system's clocks. */
  { "@clock", "adjtimex clock_adjtime clock_adjtime64 clock_settime clock_settime64 "
              "settimeofday stime" },
  /* Run code in other CPU modes or layouts. */
  { "@cpu-emulation", "modify_ldt subpage_prot switch_endian vm86 vm86old" },
  /* Look into, trace or steer other processes. */
  { "@debug", "kcmp lookup_dcookie perf_event_open pidfd_getfd process_madvise "
              "process_vm_readv process_vm_writev ptrace" },
  /* Asynchronous I/O rings: a large kernel surface, rarely needed. */
  { "@io-uring", "io_uring_enter io_uring_register io_uring_setup" },
  /* The kernel's key retention service. */
  { "@keyring", "add_key keyctl request_key" },
  /* Load and unload kernel modules. */
  { "@module", "create_module delete_module finit_module get_kernel_syms init_module "
               "query_module" },
  /* Mount, unmount and move file systems, old and new API. */
  { "@mount", "fsconfig fsmount fsopen fspick mount mount_setattr move_mount open_tree "
              "pivot_root umount umount2" },
  /* Create or enter namespaces (clone's flags are not looked at here). */
  { "@namespaces", "setns unshare" },
  /* Calls that are gone, unimplemented, or only kept for old binaries. */
  { "@obsolete", "_sysctl afs_syscall bdflush break create_module ftime get_kernel_syms "
                 "getpmsg gtty idle lock mpx nfsservctl prof profil putpmsg query_module "
                 "security stty sysfs tuxcall ulimit uselib ustat vserver" },
  /* Calls that need a capability over the host to do anything. */
  { "@privileged", "@clock @module @mount @raw-io @reboot @swap acct bpf chroot "
                   "lookup_dcookie nfsservctl open_by_handle_at quotactl quotactl_fd "
                   "setdomainname sethostname syslog vhangup" },
  /* Talk to hardware ports and PCI configuration space directly. */
  { "@raw-io", "ioperm iopl pciconfig_iobase pciconfig_read pciconfig_write" },
  /* Reboot, or boot another kernel. */
  { "@reboot", "kexec_file_load kexec_load reboot" },
  /* Enable and disable swap. */
  { "@swap", "swapoff swapon" },
};

/* --seccomp-policy default: what untrusted code has no business calling.
 * Besides this list, the policy refuses (see add_policy_rules()):
 *  - clone and unshare with CLONE_NEWUSER (no new user namespace, so none
 *    of the kernel surface a user namespace opens up), and clone3 with
 *    ENOSYS, because its flags sit in memory a filter cannot read: libc
 *    then falls back to clone, which is checked;
 *  - personality() other than the harmless personas;
 *  - the TIOCSTI and TIOCLINUX ioctls (pushing input into a terminal);
 *  - socket and socketpair families other than AF_UNIX, AF_INET, AF_INET6
 *    and AF_NETLINK, with EAFNOSUPPORT.
 * ptrace is refused outright (with the rest of @debug): no debugger or
 * tracer works inside. */
static const char default_policy[]
    = "@debug @keyring @module @mount @obsolete @raw-io @reboot @swap @clock @io-uring "
      "acct bpf lookup_dcookie nfsservctl open_by_handle_at quotactl quotactl_fd syslog "
      "userfaultfd vhangup @cpu-emulation";

/* --explain and --learn (explain.c): a refused call goes to the monitor
 * (seccomp user notification), which answers with the same errno; set by
 * hutch_seccomp_compile. */
static bool notify_refusals;

static uint32_t
refuse_action (int err)
{
  return notify_refusals ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO ((uint32_t)err);
}

/* --learn watches the calls of the default policy even when not asked for. */
static bool
wants_policy (const struct sandbox *sb)
{
  return sb->seccomp_policy_default || sb->learn_file != NULL;
}

static const struct syscall_group *
find_group (const char *name)
{
  for (size_t i = 0; i < N_ELEMENTS (groups); i++)
    if (strcmp (groups[i].name, name) == 0)
      return &groups[i];
  return NULL;
}

NORETURN static void
die_unknown_group (const char *name)
{
  char known[512];
  size_t n = 0;
  for (size_t i = 0; i < N_ELEMENTS (groups) && n < sizeof known; i++)
    {
      int r = snprintf (known + n, sizeof known - n, "%s%s", i ? " " : "", groups[i].name);
      if (r > 0)
        n += (size_t)r;
    }
  die ("%s: unknown group \"%s\" (known: %s)", OPT_DENY, name, known);
}

/* The errno value for a name such as "EACCES", or a number 1..4094 (libseccomp refuses
 * 4095, MAX_ERRNO). */
static int
errno_from_name (const char *name)
{
  uint32_t v;

  if (parse_uint32 (name, &v) == 0)
    return v >= 1 && v <= 4094 ? (int)v : -1;
  for (int e = 1; e <= 4094; e++)
    {
      const char *s = strerrorname_np (e);
      if (s != NULL && strcmp (s, name) == 0)
        return e;
    }
  return -1;
}

/* ------------------------------------------------------------------------ */
/* The set of system calls refused outright                                 */

struct deny_set
{
  int *nrs; /* libseccomp's native numbers (negative: another ABI's only) */
  int *errnos;
  size_t n, cap;
};

static bool
deny_set_has (const struct deny_set *set, int nr)
{
  for (size_t i = 0; i < set->n; i++)
    if (set->nrs[i] == nr)
      return true;
  return false;
}

/* The first rule for a call wins: --seccomp-deny before the policy. */
static void
deny_set_add (struct deny_set *set, int nr, int err)
{
  if (deny_set_has (set, nr))
    return;
  set->nrs = xgrow (set->nrs, &set->cap, set->n, sizeof *set->nrs);
  set->errnos = xrealloc (set->errnos, set->cap * sizeof *set->errnos);
  set->nrs[set->n] = nr;
  set->errnos[set->n] = err;
  set->n++;
}

/* Add a space- or comma-separated list of names and @groups. */
static void
deny_set_add_list (struct deny_set *set, const char *list, int err, int depth)
{
  _cleanup_free_ char *copy = xstrdup (list);
  char *save = NULL;

  if (depth > 4)
    die ("%s: groups nest too deep", OPT_DENY);
  for (char *name = strtok_r (copy, " ,", &save); name; name = strtok_r (NULL, " ,", &save))
    {
      if (name[0] == '@')
        {
          const struct syscall_group *g = find_group (name);
          if (g == NULL)
            die_unknown_group (name);
          deny_set_add_list (set, g->members, err, depth + 1);
          continue;
        }
      int nr = seccomp_syscall_resolve_name (name);
      if (nr != __NR_SCMP_ERROR)
        deny_set_add (set, nr, err);
    }
}

/* ------------------------------------------------------------------------ */
/* One ABI's filter                                                          */

/* The ABIs besides the native one whose system calls the CPU accepts. */
static size_t
compat_arches (uint32_t native, uint32_t out[2])
{
  switch (native)
    {
    case SCMP_ARCH_X86_64:
      out[0] = SCMP_ARCH_X86;
      out[1] = SCMP_ARCH_X32;
      return 2;
    case SCMP_ARCH_AARCH64:
      out[0] = SCMP_ARCH_ARM;
      return 1;
    default:
      return 0;
    }
}

static bool
arch_is_64bit (uint32_t arch)
{
  switch (arch)
    {
    case SCMP_ARCH_X86:
    case SCMP_ARCH_X32:
    case SCMP_ARCH_ARM:
    case SCMP_ARCH_MIPS:
    case SCMP_ARCH_MIPSEL:
    case SCMP_ARCH_PPC:
    case SCMP_ARCH_S390:
      return false;
    default:
      return true;
    }
}

static void
check_rule (int r, const char *what)
{
  /* -EDOM: a call this ABI lacks, so nothing to refuse. */
  if (r < 0 && r != -EDOM)
    die_with_errno (-r, "Can't add the seccomp rule for %s", what);
}

static void
add_arg_rule (scmp_filter_ctx ctx, int err, const char *call, struct scmp_arg_cmp cmp)
{
  int nr = seccomp_syscall_resolve_name (call);
  if (nr == __NR_SCMP_ERROR)
    return;
  check_rule (seccomp_rule_add (ctx, refuse_action (err), nr, 1, cmp), call);
}

/* Refuse every value of argument `arg` of `call` but the `n` sorted values
 * of `allowed`.  Each gap between two allowed values is split into blocks
 * of 2^k values aligned on 2^k, and each block is one masked comparison;
 * the gap after the last allowed value is one "greater than". */
static void
deny_outside (scmp_filter_ctx ctx, bool is64, int err, const char *call, unsigned arg,
              const uint64_t *allowed, size_t n)
{
  uint64_t max = is64 ? UINT64_MAX : UINT32_MAX;
  uint64_t lo = 0;

  for (size_t i = 0; i < n; i++)
    {
      while (lo < allowed[i])
        {
          /* The largest aligned block that starts at lo and stays in the gap. */
          uint64_t size = lo == 0 ? (UINT64_C (1) << 63) : (lo & -lo);
          while (size > allowed[i] - lo)
            size >>= 1;
          add_arg_rule (ctx, err, call, SCMP_CMP (arg, SCMP_CMP_MASKED_EQ, ~(size - 1) & max, lo));
          lo += size;
        }
      if (allowed[i] == max)
        return;
      lo = allowed[i] + 1;
    }
  add_arg_rule (ctx, err, call, SCMP_CMP (arg, SCMP_CMP_GT, lo - 1));
}

/* What one filter refuses, gathered from the options before any rule is
 * added: the same spec gives the same program. */
struct filter_spec
{
  struct deny_set set; /* calls refused outright, with their errno */
  bool policy;         /* --seccomp-policy default's argument rules */
  int err;             /* the errno of the policy's rules */
  bool close_tcp;      /* Landlock port rules given: no MPTCP, no io_uring */
  bool close_connect;  /* --landlock-connect-tcp: no TCP Fast Open */
  bool close_listen;   /* --landlock-bind-tcp none: no listen() */
};

static bool
spec_denies (const struct filter_spec *spec, const char *call)
{
  return deny_set_has (&spec->set, seccomp_syscall_resolve_name (call));
}

static void
add_policy_rules (scmp_filter_ctx ctx, uint32_t arch, const struct filter_spec *spec)
{
  bool is64 = arch_is_64bit (arch);
  int err = spec->err;
  /* clone's flags come second on s390. */
  unsigned clone_flags_arg = arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X ? 1 : 0;
  static const uint64_t families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
  static const uint64_t personas[] = {
    PER_LINUX, PER_LINUX32, UNAME26, PER_LINUX32 | UNAME26, 0xffffffff, /* query */
  };

  if (!spec_denies (spec, "clone"))
    add_arg_rule (ctx, err, "clone",
                  SCMP_CMP (clone_flags_arg, SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
  if (!spec_denies (spec, "unshare"))
    add_arg_rule (ctx, err, "unshare", SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
  if (!spec_denies (spec, "ioctl"))
    {
      /* The request is an unsigned int: the high half is not looked at. */
      add_arg_rule (ctx, err, "ioctl", SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCSTI));
      add_arg_rule (ctx, err, "ioctl", SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffff, TIOCLINUX));
    }
  /* On i386, socket() and socketpair() through socketcall(2) hide their
   * arguments in memory: libseccomp then refuses socketcall's SYS_SOCKET
   * and SYS_SOCKETPAIR as a whole (the direct calls are checked). */
  if (!spec_denies (spec, "socket"))
    deny_outside (ctx, is64, EAFNOSUPPORT, "socket", 0, families, N_ELEMENTS (families));
  if (!spec_denies (spec, "socketpair"))
    deny_outside (ctx, is64, EAFNOSUPPORT, "socketpair", 0, families, N_ELEMENTS (families));
  if (!spec_denies (spec, "personality"))
    deny_outside (ctx, is64, err, "personality", 0, personas, N_ELEMENTS (personas));
}

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

/* What Landlock's port rules (ABI 4 to 7 at least) do not see, closed
 * here with the errno of a kernel that lacks the feature, so that
 * programs fall back to what Landlock checks:
 *  - an MPTCP socket connects and binds without the TCP hooks
 *    (EPROTONOSUPPORT, as without CONFIG_MPTCP); io_uring's socket,
 *    connect and send operations are another road to the same places
 *    (ENOSYS, as without CONFIG_IO_URING);
 *  - TCP Fast Open connects from sendto/sendmsg/sendmmsg(MSG_FASTOPEN)
 *    without connect()'s hook (EOPNOTSUPP, as with the client side of
 *    net.ipv4.tcp_fastopen off), and TCP_FASTOPEN_CONNECT is refused the
 *    same way;
 *  - listen() on a socket never bound takes an ephemeral port unseen:
 *    with no port to bind at all, listen() is refused (EACCES, Landlock's
 *    errno), on every socket since a filter can't tell a TCP one.
 * The integer arguments are compared on their low 32 bits, as the kernel
 * reads them. */
static void
add_landlock_rules (scmp_filter_ctx ctx, const struct filter_spec *spec)
{
  if (spec->close_tcp)
    {
      add_arg_rule (ctx, EPROTONOSUPPORT, "socket",
                    SCMP_A2 (SCMP_CMP_MASKED_EQ, 0xffffffff, IPPROTO_MPTCP));
      static const char *const rings[]
          = { "io_uring_setup", "io_uring_enter", "io_uring_register" };
      for (size_t i = 0; i < N_ELEMENTS (rings); i++)
        {
          int nr = seccomp_syscall_resolve_name (rings[i]);
          if (nr != __NR_SCMP_ERROR && !deny_set_has (&spec->set, nr))
            check_rule (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), nr, 0), rings[i]);
        }
    }
  if (spec->close_connect)
    {
      add_arg_rule (ctx, EOPNOTSUPP, "sendto",
                    SCMP_A3 (SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
      add_arg_rule (ctx, EOPNOTSUPP, "sendmsg",
                    SCMP_A2 (SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
      add_arg_rule (ctx, EOPNOTSUPP, "sendmmsg",
                    SCMP_A3 (SCMP_CMP_MASKED_EQ, MSG_FASTOPEN, MSG_FASTOPEN));
      int nr = seccomp_syscall_resolve_name ("setsockopt");
      int r = seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EOPNOTSUPP), nr, 2,
                                SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xffffffff, IPPROTO_TCP),
                                SCMP_A2 (SCMP_CMP_MASKED_EQ, 0xffffffff, TCP_FASTOPEN_CONNECT));
      check_rule (r, "setsockopt");
    }
  if (spec->close_listen && !spec_denies (spec, "listen"))
    check_rule (
        seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EACCES), seccomp_syscall_resolve_name ("listen"), 0),
        "listen");
}

/* The rule list of one ABI's filter (the loading is elsewhere). */
static scmp_filter_ctx
arch_filter (uint32_t arch, const struct filter_spec *spec)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  const struct deny_set *set = &spec->set;
  int r;

  if (ctx == NULL)
    die ("Can't create a seccomp filter");
  if (arch != seccomp_arch_native ())
    {
      r = seccomp_arch_add (ctx, arch);
      if (r == 0)
        r = seccomp_arch_remove (ctx, SCMP_ARCH_NATIVE);
      if (r < 0)
        die_with_errno (-r, "Can't add an architecture to the seccomp filter");
    }
  /* Smaller and faster for long lists; libseccomp < 2.5 lacks it. */
  (void)seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

  for (size_t i = 0; i < set->n; i++)
    {
      char *name = seccomp_syscall_resolve_num_arch (seccomp_arch_native (), set->nrs[i]);
      r = seccomp_rule_add (ctx, refuse_action (set->errnos[i]), set->nrs[i], 0);
      check_rule (r, name ? name : "a system call");
      free (name);
    }
  if (spec->policy)
    add_policy_rules (ctx, arch, spec);
  add_landlock_rules (ctx, spec);
  return ctx;
}

/* The flags of the spec sb and run ask for; false when they ask for no
 * filter at all. */
static bool
gather_flags (const struct sandbox *sb, const struct run *run, struct filter_spec *spec)
{
  struct landlock_summary ll;

  landlock_summarize (run, &ll);
  memset (spec, 0, sizeof *spec);
  spec->policy = wants_policy (sb);
  spec->err = sb->seccomp_errno != 0 ? sb->seccomp_errno : EPERM;
  spec->close_tcp = ll.connect_tcp || ll.bind_tcp;
  spec->close_connect = ll.connect_tcp;
  spec->close_listen = ll.bind_tcp && sb->n_landlock_bind == 0;
  return sb->n_seccomp_deny > 0 || spec->policy || spec->close_tcp;
}

/* The calls refused outright: --seccomp-deny's first, then the policy's. */
static void
gather_calls (const struct sandbox *sb, struct filter_spec *spec)
{
  for (size_t i = 0; i < sb->n_seccomp_deny; i++)
    deny_set_add_list (&spec->set, sb->seccomp_deny[i], spec->err, 0);
  if (spec->policy)
    {
      deny_set_add_list (&spec->set, default_policy, spec->err, 0);
      int clone3 = seccomp_syscall_resolve_name ("clone3");
      if (clone3 != __NR_SCMP_ERROR)
        deny_set_add (&spec->set, clone3, ENOSYS);
    }
}

/* Every ABI's filter merged, exported as BPF into run. */
static void
compile_spec (const struct filter_spec *spec, struct run *run)
{
  uint32_t native = seccomp_arch_native ();
  uint32_t compat[2];
  size_t n_compat = compat_arches (native, compat);

  scmp_filter_ctx ctx = arch_filter (native, spec);
  for (size_t i = 0; i < n_compat; i++)
    {
      scmp_filter_ctx other = arch_filter (compat[i], spec);
      int r = seccomp_merge (ctx, other);
      if (r < 0)
        die_with_errno (-r, "Can't merge the seccomp filters of each ABI");
    }

  _cleanup_close_ int fd = memfd_create ("hutch-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    die_with_error ("Can't create a memfd for the seccomp filter");
  int r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    die_with_errno (-r, "Can't compile the seccomp filter");
  seccomp_release (ctx);
  if (lseek (fd, 0, SEEK_SET) < 0)
    die_with_error ("lseek");
  char *data;
  size_t len;
  r = read_all (fd, &data, &len);
  if (r < 0)
    die_with_errno (-r, "Can't read the compiled seccomp filter");
  if (len == 0 || len % sizeof (struct sock_filter) != 0
      || len / sizeof (struct sock_filter) > BPF_MAXINSNS)
    die ("The compiled seccomp filter is malformed or too long (%zu bytes)", len);
  run->seccomp_bpf = data;
  run->seccomp_bpf_len = len;
}

#endif /* HAVE_LIBSECCOMP */

/* ------------------------------------------------------------------------ */
/* Parse                                                                     */

void
hutch_seccomp_parse_deny (struct sandbox *sb, const char *list)
{
#ifdef HAVE_LIBSECCOMP
  const char *p = list;

  for (;;)
    {
      size_t len = strcspn (p, ",");
      _cleanup_free_ char *name = xasprintf ("%.*s", (int)len, p);

      if (len == 0)
        die ("%s: empty name in \"%s\"", OPT_DENY, list);
      if (name[0] == '@')
        {
          if (find_group (name) == NULL)
            die_unknown_group (name);
        }
      else if (seccomp_syscall_resolve_name (name) == __NR_SCMP_ERROR)
        die ("%s: unknown system call \"%s\"", OPT_DENY, name);
      if (p[len] == '\0')
        break;
      p += len + 1;
    }
  sb->seccomp_deny = xrealloc (sb->seccomp_deny, (sb->n_seccomp_deny + 1) * sizeof (char *));
  sb->seccomp_deny[sb->n_seccomp_deny++] = list;
#else
  die ("%s: hutch was built without libseccomp", OPT_DENY);
#endif
}

void
hutch_seccomp_parse_errno (struct sandbox *sb, const char *name)
{
#ifdef HAVE_LIBSECCOMP
  int e = errno_from_name (name);
  if (e < 0)
    die ("%s: unknown errno \"%s\" (a name such as EPERM, or 1 to 4094)", OPT_ERRNO, name);
  sb->seccomp_errno = e;
#else
  die ("%s: hutch was built without libseccomp", OPT_ERRNO);
#endif
}

void
hutch_seccomp_parse_policy (struct sandbox *sb, const char *name)
{
#ifdef HAVE_LIBSECCOMP
  if (strcmp (name, "default") != 0)
    die ("%s: unknown policy \"%s\" (known: default)", OPT_POLICY, name);
  sb->seccomp_policy_default = true;
#else
  die ("%s: hutch was built without libseccomp", OPT_POLICY);
#endif
}

/* ------------------------------------------------------------------------ */
/* Compile and load                                                          */

#ifdef HAVE_LIBSECCOMP
#if defined(HAVE_PRECOMPILED_SECCOMP) && !defined(HUTCH_GEN_SECCOMP)
/* hutch_seccomp_default_bpf[]: --seccomp-policy default alone, compiled
 * by tools/gen-seccomp in the build with the errno
 * HUTCH_SECCOMP_SENTINEL_ERRNO, which is replaced by the one asked for. */
#include "seccomp-default.h"

/* The build-time program, when it is what sb and spec ask for. */
static bool
use_precompiled (const struct sandbox *sb, const struct filter_spec *spec, struct run *run)
{
  size_t n = N_ELEMENTS (hutch_seccomp_default_bpf);
  const uint32_t sentinel = SECCOMP_RET_ERRNO | HUTCH_SECCOMP_SENTINEL_ERRNO;

  if (!spec->policy || sb->n_seccomp_deny > 0 || spec->close_tcp)
    return false;
  struct sock_filter *f = xmalloc (sizeof hutch_seccomp_default_bpf);
  memcpy (f, hutch_seccomp_default_bpf, sizeof hutch_seccomp_default_bpf);
  for (size_t i = 0; i < n; i++)
    if (f[i].code == (BPF_RET | BPF_K) && f[i].k == sentinel)
      f[i].k = SECCOMP_RET_ERRNO | (uint32_t)spec->err;
  run->seccomp_bpf = f;
  run->seccomp_bpf_len = sizeof hutch_seccomp_default_bpf;
  return true;
}
#else
static bool
use_precompiled (const struct sandbox *sb UNUSED, const struct filter_spec *spec UNUSED,
                 struct run *run UNUSED)
{
  return false;
}
#endif
#endif /* HAVE_LIBSECCOMP */

/* Without libseccomp, Landlock's port rules can't be kept from their
 * by-passes (see add_landlock_rules()): refused, or with
 * --landlock-best-effort a warning. */
static void
check_landlock_closable (const struct sandbox *sb, const struct run *run)
{
#ifndef HAVE_LIBSECCOMP
  struct landlock_summary ll;
  landlock_summarize (run, &ll);
  if (!ll.connect_tcp && !ll.bind_tcp)
    return;
  const char *opt = ll.connect_tcp ? "--landlock-connect-tcp" : "--landlock-bind-tcp";
  if (!sb->landlock_best_effort)
    die ("%s: closing the ways around Landlock's port rules (MPTCP, TCP Fast Open, listen) "
         "needs a hutch built with libseccomp (--landlock-best-effort goes on without it)",
         opt);
  warn_msg ("%s: closing the ways around Landlock's port rules (MPTCP, TCP Fast Open, "
            "listen) needs a hutch built with libseccomp: going on without it",
            opt);
#else
  (void)sb;
  (void)run;
#endif
}

static void
compile (const struct sandbox *sb, struct run *run, bool precompiled_ok)
{
  run->seccomp_bpf = NULL;
  run->seccomp_bpf_len = 0;
  if (sb->seccomp_errno != 0 && sb->n_seccomp_deny == 0 && !sb->seccomp_policy_default)
    die ("%s needs %s or %s", OPT_ERRNO, OPT_DENY, OPT_POLICY);
  check_landlock_closable (sb, run);
#ifdef HAVE_LIBSECCOMP
  struct filter_spec spec;
  if (!gather_flags (sb, run, &spec))
    return;
  /* --explain, --learn: refusals go to the monitor, compiled now. */
  notify_refusals = sb->explain != EXPLAIN_NONE || sb->learn_file != NULL;
  if (precompiled_ok && !notify_refusals && use_precompiled (sb, &spec, run))
    return;
  gather_calls (sb, &spec);
  compile_spec (&spec, run);
  free (spec.set.nrs);
  free (spec.set.errnos);
#else
  (void)precompiled_ok;
#endif
}

void
hutch_seccomp_compile (const struct sandbox *sb, struct run *run)
{
  compile (sb, run, true);
}

void
hutch_seccomp_compile_at_run_time (const struct sandbox *sb, struct run *run)
{
  compile (sb, run, false);
}

int
hutch_seccomp_load (const struct run *run)
{
  if (run->seccomp_bpf_len == 0)
    return 0;
  struct sock_fprog prog = {
    .len = (unsigned short)(run->seccomp_bpf_len / sizeof (struct sock_filter)),
    .filter = run->seccomp_bpf,
  };
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    return -errno;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* What --explain says about a refusal                                      */

#ifdef HAVE_LIBSECCOMP
/* fn for each call of `list` (names and @groups, nested), with `why`. */
static void
each_listed_call (const char *list, int err, const char *why, bool policy, int depth,
                  hutch_seccomp_refusal_fn fn, void *data)
{
  _cleanup_free_ char *copy = xstrdup (list);
  char *save = NULL;

  for (char *name = strtok_r (copy, " ,", &save); name; name = strtok_r (NULL, " ,", &save))
    {
      const struct syscall_group *g = name[0] == '@' ? find_group (name) : NULL;
      if (g != NULL && depth < 4)
        {
          /* Named after the outermost group, as the caller wrote it. */
          _cleanup_free_ char *w = depth == 0 ? xasprintf ("%s (%s)", why, name) : NULL;
          each_listed_call (g->members, err, w ? w : why, policy, depth + 1, fn, data);
        }
      else if (g == NULL)
        fn (name, err, why, policy, data);
    }
}
#endif

void
hutch_seccomp_refusals (const struct sandbox *sb, hutch_seccomp_refusal_fn fn, void *data)
{
#ifdef HAVE_LIBSECCOMP
  int err = sb->seccomp_errno != 0 ? sb->seccomp_errno : EPERM;

  for (size_t i = 0; i < sb->n_seccomp_deny; i++)
    each_listed_call (sb->seccomp_deny[i], err, OPT_DENY, false, 0, fn, data);
  if (!wants_policy (sb))
    return;
  const char *p = OPT_POLICY " default";
  each_listed_call (default_policy, err, p, true, 0, fn, data);
  fn ("clone3", ENOSYS, OPT_POLICY " default (clone3, whose flags it can't see)", true, data);
  fn ("clone", err, OPT_POLICY " default (new user namespaces)", true, data);
  fn ("unshare", err, OPT_POLICY " default (new user namespaces)", true, data);
  fn ("ioctl", err, OPT_POLICY " default (TIOCSTI, TIOCLINUX)", true, data);
  fn ("socketpair", EAFNOSUPPORT,
      OPT_POLICY " default (socket families other than unix, inet, inet6, netlink)", true, data);
  fn ("socket", EAFNOSUPPORT,
      OPT_POLICY " default (socket families other than unix, inet, inet6, netlink)", true, data);
  fn ("personality", err, OPT_POLICY " default (personas)", true, data);
#else
  (void)sb, (void)fn, (void)data;
#endif
}

char *
hutch_seccomp_call_name (uint32_t arch, int nr)
{
#ifdef HAVE_LIBSECCOMP
  return seccomp_syscall_resolve_num_arch (arch, nr);
#else
  (void)arch;
  return xasprintf ("system call %d", nr);
#endif
}

/* ------------------------------------------------------------------------ */
/* The keyring filter (confine.c's fallback when no new session keyring
 * can be had): classic BPF written here, so that it exists in a build
 * without libseccomp too.  For each ABI the CPU can enter the kernel
 * through, add_key, request_key and keyctl fail with ENOSYS (what a
 * kernel without keyrings answers, which key-using programs handle);
 * every other call is allowed.  A call from an ABI the table does not
 * name fails with ENOSYS whatever it is: no way round the filter, at the
 * price of running nothing of such an ABI (there is none on x86 and Arm,
 * whose every ABI is listed). */

struct keyring_abi
{
  uint32_t arch;    /* AUDIT_ARCH_* */
  uint32_t nr_mask; /* bits ignored in the number: x32's __X32_SYSCALL_BIT */
  uint32_t nrs[3];  /* add_key, request_key, keyctl */
};

#define X32_SYSCALL_BIT 0x40000000u

/* This build's ABI: its index in keyring_abis[]. */
#if defined(__x86_64__) || (defined(__aarch64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define KEYRING_ABI_NATIVE 0
#elif defined(__i386__) || (defined(__arm__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define KEYRING_ABI_NATIVE 1
#elif (defined(__riscv) && __riscv_xlen == 64) || defined(__s390x__)
#define KEYRING_ABI_NATIVE 0
#endif

#ifdef KEYRING_ABI_NATIVE
static const struct keyring_abi keyring_abis[] = {
#if defined(__x86_64__) || defined(__i386__)
  /* x86_64 and x32 (the same numbers with X32_SYSCALL_BIT), i386 */
  { AUDIT_ARCH_X86_64, X32_SYSCALL_BIT, { 248, 249, 250 } },
  { AUDIT_ARCH_I386, 0, { 286, 287, 288 } },
#elif defined(__aarch64__) || defined(__arm__)
  { AUDIT_ARCH_AARCH64, 0, { 217, 218, 219 } },
  { AUDIT_ARCH_ARM, 0, { 309, 310, 311 } },
#elif defined(__riscv)
  { AUDIT_ARCH_RISCV64, 0, { 217, 218, 219 } },
  { AUDIT_ARCH_RISCV32, 0, { 217, 218, 219 } },
#else /* s390x */
  { AUDIT_ARCH_S390X, 0, { 278, 279, 280 } },
  { AUDIT_ARCH_S390, 0, { 278, 279, 280 } },
#endif
};

/* 2 ABIs: 1 load of the arch, 2 blocks of at most 7, 1 return. */
#define KEYRING_FILTER_MAX 16
_Static_assert(N_ELEMENTS (keyring_abis) <= 2, "KEYRING_FILTER_MAX is for 2 ABIs");

/* The program into f (KEYRING_FILTER_MAX entries); returns its length. */
static unsigned short
build_keyring_filter (struct sock_filter *f)
{
  unsigned short n = 0, total = 2; /* the arch load, the final return */

  for (size_t i = 0; i < N_ELEMENTS (keyring_abis); i++)
    total += keyring_abis[i].nr_mask ? 7 : 6;
  f[n++] = (struct sock_filter)BPF_STMT (BPF_LD | BPF_W | BPF_ABS,
                                         offsetof (struct seccomp_data, arch));
  for (size_t i = 0; i < N_ELEMENTS (keyring_abis); i++)
    {
      const struct keyring_abi *abi = &keyring_abis[i];
      unsigned char rest = abi->nr_mask ? 6 : 5; /* the block after its first test */

      /* Not this ABI: on to the next block (the arch is still in A). */
      f[n++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, abi->arch, 0, rest);
      f[n++] = (struct sock_filter)BPF_STMT (BPF_LD | BPF_W | BPF_ABS,
                                             offsetof (struct seccomp_data, nr));
      if (abi->nr_mask)
        f[n++] = (struct sock_filter)BPF_STMT (BPF_ALU | BPF_AND | BPF_K, ~abi->nr_mask);
      for (size_t k = 0; k < 3; k++)
        {
          /* Equal: to the final "fail with ENOSYS". */
          unsigned char to_end = (unsigned char)(total - 1 - n - 1);
          f[n++] = (struct sock_filter)BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, abi->nrs[k], to_end, 0);
        }
      f[n++] = (struct sock_filter)BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    }
  /* A keyring call, or any call of an ABI not listed. */
  f[n++] = (struct sock_filter)BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  return n;
}
#endif

bool
hutch_seccomp_keyring_filter_known (void)
{
#ifdef KEYRING_ABI_NATIVE
  const struct keyring_abi *native = &keyring_abis[KEYRING_ABI_NATIVE];
  /* The table agrees with this build's own numbers (x32's have the bit). */
  return ((uint32_t)SYS_add_key & ~native->nr_mask) == native->nrs[0]
         && ((uint32_t)SYS_request_key & ~native->nr_mask) == native->nrs[1]
         && ((uint32_t)SYS_keyctl & ~native->nr_mask) == native->nrs[2];
#else
  return false;
#endif
}

int
hutch_seccomp_load_keyring_filter (void)
{
#ifdef KEYRING_ABI_NATIVE
  struct sock_filter f[KEYRING_FILTER_MAX];
  struct sock_fprog prog = { .len = build_keyring_filter (f), .filter = f };

  if (!hutch_seccomp_keyring_filter_known ())
    return -ENOTSUP;
  if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
    return -errno;
  return 0;
#else
  return -ENOTSUP;
#endif
}

bool
hutch_seccomp_available (void)
{
#ifdef HAVE_LIBSECCOMP
  return true;
#else
  return false;
#endif
}
