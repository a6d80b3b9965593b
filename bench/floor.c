/* floor: the least a program can do to build workload (2) of bench/run,
 * N read-only binds of distinct directories in a new user and mount
 * namespace, so that hutch's time can be compared with the physical limit.
 *
 *   floor LIST ROOT
 *
 * LIST is the file bench/run passes to hutch and bwrap through --args: NUL
 * separated words, "--ro-bind SRC DEST" three at a time.  ROOT is an
 * existing directory; floor mounts a tmpfs on it (in its own namespace: the
 * host never sees it) and binds each SRC at ROOT/DEST, creating the missing
 * directories.  Then it exits.
 *
 * The syscalls it makes are the unavoidable ones: unshare(2) of a user and
 * a mount namespace and the id maps (3 writes), / made private, one tmpfs
 * mount, and per bind mkdirat, open_tree(OPEN_TREE_CLONE|AT_RECURSIVE),
 * mount_setattr(RDONLY|NOSUID|NODEV, AT_RECURSIVE), move_mount, close.
 * No path checks, no fork, no pivot_root, no exec: whatever a sandbox does
 * beyond this is its own overhead.
 *
 * Build: cc -O2 -o floor floor.c   (Linux >= 5.12 for mount_setattr) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

struct floor_mount_attr
{
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static void __attribute__ ((noreturn, format (printf, 1, 2))) die (const char *fmt, ...)
{
  int errnum = errno;
  va_list ap;

  fputs ("floor: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, ": %s\n", strerror (errnum));
  exit (1);
}

static void
write_file (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t)strlen (text))
    die ("%s", path);
  close (fd);
}

/* The whole list in memory, NUL-terminated words. */
static char *
read_list (const char *path, size_t *len)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  char *buf;
  size_t done = 0;

  if (fd < 0 || fstat (fd, &st) < 0)
    die ("%s", path);
  buf = malloc (st.st_size + 1);
  if (buf == NULL)
    die ("malloc");
  while (done < (size_t)st.st_size)
    {
      ssize_t n = read (fd, buf + done, st.st_size - done);
      if (n <= 0)
        die ("read %s", path);
      done += n;
    }
  buf[done] = '\0';
  close (fd);
  *len = done;
  return buf;
}

/* mkdir ROOT/REL, and its missing parents: one mkdirat when the parent is
 * there already, which is every bind but the first. */
static void
make_dir (int rootfd, char *rel)
{
  char *slash;

  if (mkdirat (rootfd, rel, 0755) == 0 || errno == EEXIST)
    return;
  if (errno != ENOENT || (slash = strrchr (rel, '/')) == NULL)
    die ("mkdir %s", rel);
  *slash = '\0';
  make_dir (rootfd, rel);
  *slash = '/';
  if (mkdirat (rootfd, rel, 0755) < 0 && errno != EEXIST)
    die ("mkdir %s", rel);
}

static void
bind_ro (const char *src, int rootfd, char *dest)
{
  struct floor_mount_attr attr = {
    .attr_set = FLOOR_ATTR_RDONLY | FLOOR_ATTR_NOSUID | FLOOR_ATTR_NODEV,
  };
  int tree;

  make_dir (rootfd, dest);
  tree = syscall (SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
  if (tree < 0)
    die ("open_tree %s", src);
  if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    die ("mount_setattr %s", src);
  if (syscall (SYS_move_mount, tree, "", rootfd, dest, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    die ("move_mount %s", dest);
  close (tree);
}

int
main (int argc, char **argv)
{
  char map[64];
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  size_t len, binds = 0;
  char *list, *p, *end;
  int rootfd;

  if (argc != 3)
    {
      fprintf (stderr, "usage: floor LIST ROOT\n");
      return 2;
    }
  /* Read first, as hutch and bwrap read --args before any namespace. */
  list = read_list (argv[1], &len);

  if (unshare (CLONE_NEWUSER | CLONE_NEWNS) < 0)
    die ("unshare");
  write_file ("/proc/self/setgroups", "deny");
  snprintf (map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
  write_file ("/proc/self/uid_map", map);
  snprintf (map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
  write_file ("/proc/self/gid_map", map);

  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die ("make / private");
  if (mount ("tmpfs", argv[2], "tmpfs", MS_NOSUID | MS_NODEV, NULL) < 0)
    die ("mount tmpfs on %s", argv[2]);
  rootfd = open (argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    die ("%s", argv[2]);

  for (p = list, end = list + len; p < end;)
    {
      char *opt = p, *src, *dest;

      src = opt + strlen (opt) + 1;
      dest = src < end ? src + strlen (src) + 1 : end;
      if (dest >= end || strcmp (opt, "--ro-bind") != 0)
        {
          errno = EINVAL;
          die ("%s: want \"--ro-bind SRC DEST\" triples", argv[1]);
        }
      p = dest + strlen (dest) + 1;
      while (*dest == '/')
        dest++;
      bind_ro (src, rootfd, dest);
      binds++;
    }

  if (getenv ("FLOOR_VERBOSE") != NULL)
    fprintf (stderr, "floor: %zu binds\n", binds);
  return 0;
}
