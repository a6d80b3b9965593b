/* floor: the least a program can do for the result bench/run times hutch
 * and bwrap on, so that their times can be compared with what the kernel
 * itself costs.
 *
 *   floor [-a] [-l LIST] [-r DIR] [-m batch|mount|api] [-t] CMD [ARG...]
 *
 * Always: a new user and mount namespace whose new root is "/" bound
 * read-only (nosuid, nodev, recursively), the root changed into it once,
 * the bounding set emptied, no_new_privs, a new session keyring, then
 * CMD is exec'd with the PATH search execvp(3) does: the result of
 * `hutch --ro-bind / / CMD`.
 *
 *   -a       also the result of `--unshare-all --proc /proc --dev /dev`:
 *            pid, net, ipc, uts and cgroup namespaces, procfs on /proc, a
 *            tmpfs on /dev with null, zero, full, random, urandom and tty
 *            bound from the host, the symlinks and directories hutch and
 *            bwrap make there, devpts on /dev/pts, loopback up, and the
 *            nested user namespace that gives back the caller's uid (the
 *            first one maps uid 0, so that /dev/pts is owned by the
 *            sandbox's user: without it the kernel shows it as 65534).
 *   -l LIST  also a tmpfs on /tmp and the binds of LIST, the file that
 *            bench/run passes to the tools with --args: NUL-separated
 *            "--ro-bind SRC DEST" triples, each SRC bound read-only at
 *            DEST, the missing directories made: the result of
 *            `--tmpfs /tmp --args 3` with that list.
 *   -r DIR   the directory of this mount namespace the new root is
 *            attached on before the pivot (default /tmp): it must not be
 *            one of the sources or above them, as the sources are looked
 *            up from the host's root.
 *   -m HOW   how the read-only binds of -l are made: "batch" (the default,
 *            the fastest: measured on kernel 6.18, see bench/README.md)
 *            makes "/" read-only once, with one recursive mount_setattr on
 *            a copy kept under the new root, and binds every source from
 *            that copy with mount(MS_BIND|MS_REC) alone, which keeps its
 *            flags (mkdirat + mount per bind); "mount" is mount(MS_BIND|
 *            MS_REC) + a recursive mount_setattr on the path (3 calls);
 *            "api" is open_tree(CLONE, recursive) + mount_setattr +
 *            move_mount + close (5 calls).  The new root itself is "/"
 *            bound by mount(2) and made read-only with one mount_setattr
 *            (open_tree and move_mount with -m api).
 *   -t       print the time of each phase to stderr (microseconds of
 *            wall and of CPU time; FLOOR_TIMES=1 in the environment does
 *            the same, with the start stamped before the options).  Off,
 *            the floor reads no clock that costs a syscall.
 *
 * Why this is the floor: each step is the cheapest call the kernel offers
 * for its effect, made once.  The command runs as PID 1 of its namespace
 * (no reaper: `true` needs none), the child is made with
 * clone(CLONE_VM|CLONE_VFORK) (no copy of the address space) and writes
 * its own id maps (no round trip to the parent), "/" is not made slave
 * (a mount namespace made with a new user namespace gets its shared
 * mounts as slaves already), the new root is the bind of "/" itself (no
 * tmpfs under it), one pivot_root(".", ".") and one detaching umount
 * replace root and old root, and loopback comes up with one ioctl.  No
 * path checks, no error messages beyond perror, no option parsing worth
 * the name: whatever a sandbox tool does beyond this is its own cost.
 *
 * Build: cc -O2 -o floor floor.c   (Linux >= 5.12 for mount_setattr) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The new mount API through syscall(2): older C libraries have no
 * wrappers, and <linux/mount.h> clashes with some <sys/mount.h>. */
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define FLOOR_ATTR_RDONLY 0x00000001
#define FLOOR_ATTR_NOSUID 0x00000002
#define FLOOR_ATTR_NODEV 0x00000004
#define FLOOR_KEYCTL_JOIN_SESSION_KEYRING 1

struct floor_mount_attr
{
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static const struct floor_mount_attr ro_attr = {
  .attr_set = FLOOR_ATTR_RDONLY | FLOOR_ATTR_NOSUID | FLOOR_ATTR_NODEV,
};

/* ---- Phase times, shared with the child (CLONE_VM). ---- */

enum phase
{
  P_START,
  P_READ,  /* the list read */
  P_CLONE, /* in the child */
  P_MAPS,
  P_ROOT, /* "/" bound read-only as the new root */
  P_TMP,
  P_BINDS,
  P_PROC,
  P_DEV,
  P_PIVOT,
  P_LOOPBACK,
  P_USERNS, /* the nested user namespace */
  P_CAPS,   /* bounding set, no_new_privs, keyring */
  P_EXEC,   /* exec, the command, its exit and the wait */
  P_N,
};
static const char *const phase_names[P_N] = {
  "start", "read list", "clone", "id maps",  "root bind", "tmpfs /tmp",       "binds",
  "proc",  "dev",       "pivot", "loopback", "userns",    "caps+nnp+keyring", "exec+run+wait",
};
static struct timespec stamps[P_N], cpu_stamps[P_N];
static int stamped[P_N];
static int times; /* -t */

/* With -t: the wall clock (the vDSO: no syscall) and this process's CPU
 * clock (a syscall: only with -t). */
static void
stamp (enum phase p)
{
  if (!times)
    return;
  clock_gettime (CLOCK_MONOTONIC, &stamps[p]);
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &cpu_stamps[p]);
  stamped[p] = 1;
}

static long
us_between (const struct timespec *a, const struct timespec *b)
{
  return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000L;
}

static void
print_times (void)
{
  int prev = P_START;

  /* CPU times only between two stamps of the child. */
  fprintf (stderr, "floor: %-18s %8s %8s\n", "phase", "wall us", "cpu us");
  for (int p = P_START + 1; p < P_N; p++)
    {
      if (!stamped[p])
        continue;
      if (prev >= P_CLONE && p < P_EXEC)
        fprintf (stderr, "floor: %-18s %8ld %8ld\n", phase_names[p],
                 us_between (&stamps[prev], &stamps[p]),
                 us_between (&cpu_stamps[prev], &cpu_stamps[p]));
      else
        fprintf (stderr, "floor: %-18s %8ld %8s\n", phase_names[p],
                 us_between (&stamps[prev], &stamps[p]), "-");
      prev = p;
    }
}

/* ---- Settings, made before the clone. ---- */

static int all; /* -a */
enum bind_method
{
  BIND_BATCH, /* -m batch: from one read-only copy of "/", mount(2) alone */
  BIND_MOUNT, /* -m mount: mount(MS_BIND|MS_REC) + mount_setattr */
  BIND_API,   /* -m api: open_tree + mount_setattr + move_mount + close */
};
static enum bind_method method = BIND_BATCH;
static char *list; /* -l: the list, NUL-separated words */
static size_t list_len;
static char **command;
static const char *attach_dir = "/tmp"; /* -r */
static char map_outer_uid[32], map_outer_gid[32], map_inner_uid[32], map_inner_gid[32];
static int child_failed; /* set by the child before it exits */

/* In the child (which shares the parent's memory): report and leave
 * without running the parent's atexit handlers. */
static void __attribute__ ((noreturn, format (printf, 1, 2))) die (const char *fmt, ...)
{
  int errnum = errno;
  va_list ap;

  fputs ("floor: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, ": %s\n", strerror (errnum));
  child_failed = 1;
  _exit (1);
}

static void
write_file (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen (text);

  if (fd < 0 || write (fd, text, len) != (ssize_t)len)
    die ("%s", path);
  close (fd);
}

static void
write_maps (const char *uid_map, const char *gid_map)
{
  write_file ("/proc/self/setgroups", "deny");
  write_file ("/proc/self/uid_map", uid_map);
  write_file ("/proc/self/gid_map", gid_map);
}

/* The whole list in memory, NUL-terminated words. */
static void
read_list (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  size_t done = 0;

  if (fd < 0 || fstat (fd, &st) < 0)
    die ("%s", path);
  list = malloc (st.st_size + 1);
  if (list == NULL)
    die ("malloc");
  while (done < (size_t)st.st_size)
    {
      ssize_t n = read (fd, list + done, st.st_size - done);
      if (n <= 0)
        die ("read %s", path);
      done += n;
    }
  list[done] = '\0';
  close (fd);
  list_len = done;
}

/* ---- The mounts, relative to the cwd: the new root until the pivot. ---- */

/* mkdir REL (under DIRFD) and its missing parents: one mkdirat when the
 * parent is there already, which is every bind but the first. */
static void
make_dir (int dirfd, char *rel)
{
  char *slash;

  if (mkdirat (dirfd, rel, 0755) == 0 || errno == EEXIST)
    return;
  if (errno != ENOENT || (slash = strrchr (rel, '/')) == NULL)
    die ("mkdir %s", rel);
  *slash = '\0';
  make_dir (dirfd, rel);
  *slash = '/';
  if (mkdirat (dirfd, rel, 0755) < 0 && errno != EEXIST)
    die ("mkdir %s", rel);
}

/* SRC bound read-only, nosuid, nodev, recursively, on DEST. */
static void
bind_ro (const char *src, const char *dest)
{
  if (method == BIND_API)
    {
      int tree = syscall (SYS_open_tree, AT_FDCWD, src,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
      if (tree < 0)
        die ("open_tree %s", src);
      if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro_attr,
                   sizeof ro_attr)
          < 0)
        die ("mount_setattr %s", src);
      if (syscall (SYS_move_mount, tree, "", AT_FDCWD, dest, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        die ("move_mount %s", dest);
      close (tree);
      return;
    }
  if (mount (src, dest, NULL, MS_BIND | MS_REC, NULL) < 0)
    die ("bind %s on %s", src, dest);
  if (syscall (SYS_mount_setattr, AT_FDCWD, dest, AT_RECURSIVE, &ro_attr, sizeof ro_attr) < 0)
    die ("mount_setattr %s", dest);
}

/* The next "--ro-bind SRC DEST" triple of the list from *p, DEST without
 * its leading slashes; false at the end. */
static int
next_triple (char **p, char **src, char **dest)
{
  char *end = list + list_len, *opt = *p;

  if (*p >= end)
    return 0;
  *src = opt + strlen (opt) + 1;
  *dest = *src < end ? *src + strlen (*src) + 1 : end;
  if (*dest >= end || strcmp (opt, "--ro-bind") != 0)
    {
      errno = EINVAL;
      die ("the list: want \"--ro-bind SRC DEST\" triples");
    }
  *p = *dest + strlen (*dest) + 1;
  while (**dest == '/')
    (*dest)++;
  return 1;
}

/* -m batch: every source is bound from one read-only copy of "/" (made
 * read-only with one recursive mount_setattr, by bind_ro()), which is
 * attached on -r's directory under the new root; the copies mount(2)
 * makes of it keep its flags, so a bind is mkdirat + mount.  The cwd is
 * that copy (sources are named relative to it), the destinations are
 * named through -r's directory, where the new root is on top. */
static void
bind_list_batch (int newroot_fd)
{
  char dest_path[4096], *p = list, *src, *dest;

  while (next_triple (&p, &src, &dest))
    {
      while (*src == '/')
        src++;
      make_dir (newroot_fd, dest);
      snprintf (dest_path, sizeof dest_path, "%s/%s", attach_dir, dest);
      if (mount (*src ? src : ".", dest_path, NULL, MS_BIND | MS_REC, NULL) < 0)
        die ("bind %s on %s", src, dest_path);
    }
}

static void
bind_list (void)
{
  char *p = list, *src, *dest;

  while (next_triple (&p, &src, &dest))
    {
      make_dir (AT_FDCWD, dest);
      bind_ro (src, dest);
    }
}

/* What --dev makes, as hutch and bwrap make it. */
static void
make_dev (void)
{
  static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
  static const char *const links[][2] = {
    { "/proc/self/fd/0", "dev/stdin" },  { "/proc/self/fd/1", "dev/stdout" },
    { "/proc/self/fd/2", "dev/stderr" }, { "/proc/self/fd", "dev/fd" },
    { "/proc/kcore", "dev/core" },       { "pts/ptmx", "dev/ptmx" },
  };
  char src[32], dest[32];

  if (mount ("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
    die ("tmpfs on /dev");
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
    {
      snprintf (src, sizeof src, "/dev/%s", nodes[i]);
      snprintf (dest, sizeof dest, "dev/%s", nodes[i]);
      if (mknodat (AT_FDCWD, dest, S_IFREG | 0444, 0) < 0)
        die ("mknod %s", dest);
      if (mount (src, dest, NULL, MS_BIND, NULL) < 0)
        die ("bind %s", src);
    }
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat (links[i][0], AT_FDCWD, links[i][1]) < 0)
      die ("symlink %s", links[i][1]);
  if (mkdirat (AT_FDCWD, "dev/shm", 0755) < 0 || mkdirat (AT_FDCWD, "dev/pts", 0755) < 0)
    die ("mkdir in /dev");
  if (mount ("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
             "newinstance,ptmxmode=0666,mode=620")
      < 0)
    die ("devpts");
}

static void
loopback_up (void)
{
  struct ifreq ifr = { .ifr_flags = IFF_UP };
  int sock = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  strcpy (ifr.ifr_name, "lo");
  if (sock < 0 || ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
    die ("loopback up");
  close (sock);
}

static void
drop_privileges (void)
{
  for (int cap = 0;; cap++)
    if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
      {
        if (errno == EINVAL && cap > 0) /* past the last capability */
          break;
        die ("drop capability %d", cap);
      }
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    die ("no_new_privs");
  if (syscall (SYS_keyctl, FLOOR_KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0)
    die ("session keyring");
}

static int
child (void *unused)
{
  (void)unused;
  stamp (P_CLONE);
  write_maps (map_outer_uid, map_outer_gid);
  stamp (P_MAPS);

  /* The new root: "/" bound read-only on -r's directory. */
  bind_ro ("/", attach_dir);
  if (list != NULL && method == BIND_BATCH)
    {
      /* That copy stays under the new root, the source of every bind; the
       * new root is a copy of it (read-only already) on top. */
      int copy_fd = open (attach_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (copy_fd < 0 || mount (attach_dir, attach_dir, NULL, MS_BIND | MS_REC, NULL) < 0)
        die ("the new root on the read-only copy");
      if (chdir (attach_dir) < 0)
        die ("chdir to the new root");
      stamp (P_ROOT);
      if (mount ("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
        die ("tmpfs on /tmp");
      stamp (P_TMP);
      int newroot_fd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (newroot_fd < 0 || fchdir (copy_fd) < 0)
        die ("into the read-only copy");
      bind_list_batch (newroot_fd);
      if (chdir (attach_dir) < 0)
        die ("chdir to the new root");
      close (newroot_fd);
      close (copy_fd);
      stamp (P_BINDS);
    }
  else
    {
      if (chdir (attach_dir) < 0)
        die ("chdir to the new root");
      stamp (P_ROOT);
    }

  if (list != NULL && method != BIND_BATCH)
    {
      if (mount ("tmpfs", "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
        die ("tmpfs on /tmp");
      stamp (P_TMP);
      bind_list ();
      stamp (P_BINDS);
    }
  if (all)
    {
      if (mount ("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        die ("proc");
      stamp (P_PROC);
      make_dev ();
      stamp (P_DEV);
    }

  if (syscall (SYS_pivot_root, ".", ".") < 0)
    die ("pivot_root");
  if (umount2 (".", MNT_DETACH) < 0 || chdir ("/") < 0)
    die ("detach the old root");
  stamp (P_PIVOT);

  if (all)
    {
      loopback_up (); /* while this user namespace owns the network one */
      stamp (P_LOOPBACK);
      if (unshare (CLONE_NEWUSER) < 0)
        die ("nested user namespace");
      write_maps (map_inner_uid, map_inner_gid);
      stamp (P_USERNS);
    }
  drop_privileges ();
  stamp (P_CAPS);
  execvp (command[0], command);
  die ("exec %s", command[0]);
}

int
main (int argc, char **argv)
{
  static char stack[64 * 1024] __attribute__ ((aligned (16)));
  int opt, flags, status;
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  pid_t pid;

  times = getenv ("FLOOR_TIMES") != NULL; /* -t too, but the start is before it */
  stamp (P_START);
  while ((opt = getopt (argc, argv, "+al:m:r:t")) != -1)
    switch (opt)
      {
      case 'a':
        all = 1;
        break;
      case 'l':
        read_list (optarg); /* before any namespace, as the tools read --args */
        stamp (P_READ);
        break;
      case 'm':
        if (strcmp (optarg, "api") == 0)
          method = BIND_API;
        else if (strcmp (optarg, "mount") == 0)
          method = BIND_MOUNT;
        else if (strcmp (optarg, "batch") == 0)
          method = BIND_BATCH;
        else
          {
            fprintf (stderr, "floor: -m wants batch, mount or api\n");
            return 2;
          }
        break;
      case 'r':
        attach_dir = optarg;
        break;
      case 't':
        times = 1;
        if (!stamped[P_START])
          stamp (P_START);
        break;
      default:
        fprintf (stderr,
                 "usage: floor [-a] [-l LIST] [-r DIR] [-m batch|mount|api] [-t] CMD [ARG...]\n");
        return 2;
      }
  if (optind >= argc)
    {
      fprintf (stderr,
               "usage: floor [-a] [-l LIST] [-r DIR] [-m batch|mount|api] [-t] CMD [ARG...]\n");
      return 2;
    }
  command = argv + optind;

  /* hutch and bwrap map the caller to uid 0 first when they mount devpts,
   * then give the caller's ids back in a nested namespace. */
  snprintf (map_outer_uid, sizeof map_outer_uid, "%u %u 1", all ? 0 : (unsigned)uid, (unsigned)uid);
  snprintf (map_outer_gid, sizeof map_outer_gid, "%u %u 1", all ? 0 : (unsigned)gid, (unsigned)gid);
  snprintf (map_inner_uid, sizeof map_inner_uid, "%u 0 1", (unsigned)uid);
  snprintf (map_inner_gid, sizeof map_inner_gid, "%u 0 1", (unsigned)gid);

  flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_VM | CLONE_VFORK | SIGCHLD;
  if (all)
    flags |= CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
  pid = clone (child, stack + sizeof stack, flags, NULL);
  if (pid < 0)
    {
      perror ("floor: clone");
      return 1;
    }
  if (waitpid (pid, &status, 0) < 0)
    {
      perror ("floor: waitpid");
      return 1;
    }
  stamp (P_EXEC);
  if (times && !child_failed)
    print_times ();
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
