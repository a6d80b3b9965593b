/* hutch — unit tests for mount-model.c, the mount(2) backend's model of
 * the mount tree, on the mountinfo files of tests/fixtures/mountinfo/
 * (the directory is the first argument; default: the one beside this
 * file, from the build directory).  No sandbox, no system call but reads.
 *
 * Output is TAP-like: "ok N - name" / "not ok N - name", then a summary.
 */
#include "config.h"

#include "mount-model.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tests/tap.h"
#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static const char *fixtures = "tests/fixtures/mountinfo";

/* A model of the fixture `name`; exits if it can't be read. */
static struct mount_model *
load (const char *name)
{
  _cleanup_free_ char *path = xasprintf ("%s/%s", fixtures, name);
  _cleanup_free_ char *text = NULL;
  _cleanup_close_ int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct mount_model *m;
  size_t len;

  if (fd < 0 || read_all (fd, &text, &len) < 0)
    {
      printf ("Bail out! can't read %s\n", path);
      exit (1);
    }
  m = mount_model_new ();
  mount_model_parse (m, text);
  return m;
}

/* Is there a mount at `path` with exactly `flags`?  (want < 0: no mount.) */
static bool
mount_is (const struct mount_model *m, const char *path, long want)
{
  unsigned long flags = 0;
  bool found = mount_model_mount_at (m, path, &flags);

  if (want < 0)
    return !found;
  if (!found || flags != (unsigned long)want)
    printf ("# %s: %s, flags %#lx, want %#lx\n", path, found ? "a mount" : "no mount", flags,
            (unsigned long)want);
  return found && flags == (unsigned long)want;
}

static bool
containing_is (const struct mount_model *m, const char *path, unsigned long want)
{
  unsigned long flags = 0;
  bool found = mount_model_containing (m, path, &flags);

  if (!found || flags != want)
    printf ("# %s is in: %s, flags %#lx, want %#lx\n", path, found ? "a mount" : "none", flags,
            want);
  return found && flags == want;
}

/* The mounts below `path` as "rel=flags rel=flags", in the model's order. */
static char *
below_text (const struct mount_model *m, const char *path)
{
  _cleanup_free_ struct mount_sub *subs = NULL;
  char *s = xstrdup ("");
  size_t n;

  subs = mount_model_below (m, path, &n);
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%s%s=%#lx", s, i ? " " : "", subs[i].rel, subs[i].flags);
      free (s);
      s = next;
    }
  return s;
}

/* Where `rel` is in below_text()'s list: its index, or -1. */
static int
below_index (const struct mount_model *m, const char *path, const char *rel)
{
  _cleanup_free_ struct mount_sub *subs = NULL;
  size_t n;

  subs = mount_model_below (m, path, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp (subs[i].rel, rel) == 0)
      return (int)i;
  return -1;
}

static void
test_escapes_and_options (void)
{
  char s1[] = "/home/a\\040b/tab\\011and\\134back";
  char s2[] = "/x\\04/y\\400z\\";
  char o1[] = "rw,nosuid,nodev,noexec,relatime";
  char o2[] = "ro,noatime,nodiratime,nosymfollow,strictatime,lazytime,unknown";
  char o3[] = "";

  mount_model_unescape (s1);
  ok (strcmp (s1, "/home/a b/tab\tand\\back") == 0, "mountinfo escapes: \\040 \\011 \\134 undone");
  mount_model_unescape (s2);
  ok (strcmp (s2, "/x\\04/y\\400z\\") == 0,
      "mountinfo escapes: a short one, one above \\377 and a trailing '\\' are kept as they are");
  ok (mount_model_parse_options (o1) == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME),
      "options: rw,nosuid,nodev,noexec,relatime");
  ok (mount_model_parse_options (o2) == (MS_RDONLY | MS_NOATIME | MS_NODIRATIME | MS_NOSYMFOLLOW),
      "options: ro,noatime,nodiratime,nosymfollow; strictatime, lazytime and unknown ones ignored");
  ok (mount_model_parse_options (o3) == 0, "options: none");
}

static void
test_host (void)
{
  struct mount_model *m = load ("host.txt");
  _cleanup_free_ char *below_home = NULL;

  ok (mount_is (m, "/", MS_RELATIME), "host: / is rw,relatime");
  ok (mount_is (m, "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME),
      "host: /proc nosuid,nodev,noexec,relatime");
  ok (mount_is (m, "/tmp", MS_NOSUID | MS_NODEV), "host: /tmp without an atime option");
  ok (mount_is (m, "/home/a b", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOATIME),
      "host: a mount point with a space (\\040), read-only");
  ok (mount_is (m, "/home/a b/tab\tand\\back", MS_NODIRATIME | MS_NOSYMFOLLOW),
      "host: a mount point with a tab and a backslash, below another");
  ok (mount_is (m, "/home/a\\040b", -1) && mount_is (m, "/home", -1),
      "host: no mount at the escaped text, nor at a directory above a mount point");
  ok (containing_is (m, "/usr/bin/env", MS_RDONLY | MS_RELATIME),
      "host: a path in /usr is on the read-only /usr");
  ok (containing_is (m, "/usr/lib/modules/6.1/x", MS_NOSUID | MS_NODEV | MS_RELATIME),
      "host: a path below a nested mount is on that one");
  ok (containing_is (m, "/nonexistent/deep/path", MS_RELATIME),
      "host: a path the model has never seen is on /");
  ok (containing_is (m, "/sys/kernel/security", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME),
      "host: /sys/kernel/security (a mount point) is its own mount");
  below_home = below_text (m, "/home/a b");
  ok (strcmp (below_home, "tab\tand\\back=0x900") == 0, "host: below /home/a b: one mount (%s)",
      below_home);
  ok (below_index (m, "/", "sys") >= 0
          && below_index (m, "/", "sys") < below_index (m, "/", "sys/kernel/security")
          && below_index (m, "/", "dev") < below_index (m, "/", "dev/pts")
          && below_index (m, "/", "usr") < below_index (m, "/", "usr/lib/modules"),
      "host: below /: parents before the mounts below them");
  {
    size_t n;
    _cleanup_free_ struct mount_sub *subs = mount_model_below (m, "/", &n);
    ok (n == 10,
        "host: below /: 10 mounts (the line that is not mountinfo's, and the mount "
        "point that is not a path, left out): %zu",
        n);
  }
  mount_model_free (m);
}

static void
test_shadowed (void)
{
  struct mount_model *m = load ("shadowed.txt");
  _cleanup_free_ char *below_mnt = NULL, *below_srv = NULL;

  ok (mount_is (m, "/mnt", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME),
      "shadowed: two mounts on /mnt: the one on top counts");
  ok (mount_is (m, "/mnt/sub", -1), "shadowed: a mount on the lower /mnt is out of reach");
  ok (mount_is (m, "/mnt/other", MS_NOEXEC | MS_RELATIME),
      "shadowed: a mount on the upper /mnt is reachable");
  below_mnt = below_text (m, "/mnt");
  ok (strcmp (below_mnt, "other=0x200008") == 0, "shadowed: below /mnt: only other (%s)",
      below_mnt);
  ok (mount_is (m, "/srv/a/b", -1) && mount_is (m, "/srv", MS_RDONLY | MS_RELATIME),
      "shadowed: /srv mounted over an earlier /srv/a/b hides it");
  below_srv = below_text (m, "/srv");
  ok (strcmp (below_srv, "c=0x200002") == 0, "shadowed: below /srv: only c (%s)", below_srv);
  ok (containing_is (m, "/srv/a/b/f", MS_RDONLY | MS_RELATIME),
      "shadowed: a path in the hidden /srv/a/b is on /srv");
  ok (mount_is (m, "/opt", MS_RDONLY | MS_NOEXEC | MS_RELATIME),
      "shadowed: three mounts stacked on /opt: the last counts");
  ok (mount_is (m, "/var", MS_RDONLY | MS_NOSUID | MS_RELATIME) && mount_is (m, "/var/log", -1),
      "shadowed: the mount on top of /var listed before the one it covers still counts, and "
      "what is below the covered one does not");
  mount_model_free (m);
}

/* What the mount(2) backend does to the model: a recursive copy of
 * /oldroot/usr onto the stage (with nosuid,nodev added), moved onto
 * /newroot/usr, remounted read-only, then covered. */
static void
test_operations (void)
{
  const unsigned long add = MS_NOSUID | MS_NODEV;
  struct mount_model *m = load ("pivot.txt");
  _cleanup_free_ struct mount_sub *subs = NULL;
  unsigned long root_flags = 0, flags = 0;
  size_t n = 0;
  bool all_added = true;

  ok (mount_is (m, "/", MS_NOSUID | MS_NODEV | MS_RELATIME),
      "pivot: the new root, listed last with an unlisted parent, is /");
  ok (mount_is (m, "/oldroot", MS_RELATIME) && mount_is (m, "/oldroot/tmp", MS_NOSUID | MS_NODEV),
      "pivot: the old root and its mounts, below /oldroot");

  /* Clone. */
  ok (mount_model_containing (m, "/oldroot/usr", &root_flags)
          && root_flags == (MS_RDONLY | MS_NOSUID | MS_RELATIME),
      "clone: the source's own flags");
  subs = mount_model_below (m, "/oldroot/usr", &n);
  ok (n == 3 && below_index (m, "/oldroot/usr", "lib") < below_index (m, "/oldroot/usr", "lib/x")
          && below_index (m, "/oldroot/usr", "share") >= 0,
      "clone: the 3 mounts below the source, parents first");
  for (size_t i = 0; i < n; i++)
    subs[i].flags |= add;
  mount_model_add_tree (m, "/legacy-stage-dir", root_flags | add, subs, n);
  ok (mount_is (m, "/legacy-stage-dir", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME)
          && mount_is (m, "/legacy-stage-dir/lib/x", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME)
          && mount_is (m, "/legacy-stage-dir/share", MS_NOSUID | MS_NODEV | MS_RELATIME),
      "clone: the copy on the stage, each mount with its own flags and nosuid,nodev");
  ok (mount_is (m, "/oldroot/usr/share", MS_RELATIME), "clone: the source is unchanged");
  free (subs);
  subs = NULL;

  /* Move. */
  ok (mount_model_mount_at (m, "/legacy-stage-dir", &flags), "move: the stage holds a mount");
  subs = mount_model_below (m, "/legacy-stage-dir", &n);
  mount_model_remove (m, "/legacy-stage-dir");
  mount_model_add_tree (m, "/newroot/usr", flags, subs, n);
  ok (mount_is (m, "/legacy-stage-dir", -1) && mount_is (m, "/legacy-stage-dir/lib", -1)
          && mount_is (m, "/legacy-stage-dir/lib/x", -1),
      "move: nothing left on the stage");
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *p = xasprintf ("/newroot/usr/%s", subs[i].rel);
      unsigned long f;
      all_added &= mount_model_mount_at (m, p, &f) && f == subs[i].flags;
    }
  ok (n == 3 && all_added && mount_is (m, "/newroot/usr", flags),
      "move: the tree at its destination, flags kept");

  /* Remount. */
  mount_model_set_flags (m, "/newroot/usr/share", MS_NOSUID | MS_NODEV | MS_RELATIME | MS_RDONLY);
  ok (mount_is (m, "/newroot/usr/share", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME)
          && mount_is (m, "/newroot/usr/lib/x", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME),
      "remount: the mount gets its flags, the others keep theirs");

  /* Cover. */
  mount_model_set (m, "/newroot", MS_NOEXEC);
  ok (mount_is (m, "/newroot", MS_NOEXEC) && mount_is (m, "/newroot/usr", -1)
          && mount_is (m, "/newroot/usr/lib/x", -1)
          && containing_is (m, "/newroot/usr/lib/x/f", MS_NOEXEC),
      "cover: a mount on /newroot hides everything below it");
  {
    size_t k;
    _cleanup_free_ struct mount_sub *none = mount_model_below (m, "/newroot", &k);
    ok (none == NULL && k == 0, "cover: nothing below the new mount");
  }
  {
    size_t k = 7;
    _cleanup_free_ struct mount_sub *none = mount_model_below (m, "/no/such/path", &k);
    ok (none == NULL && k == 0, "below a path the model does not know: nothing");
  }
  mount_model_free (m);
}

static void
test_empty_and_large (void)
{
  struct mount_model *m = mount_model_new ();
  unsigned long f = 0;
  bool all = true;

  ok (!mount_model_containing (m, "/a", &f) && !mount_model_mount_at (m, "/", &f),
      "empty model: no mount anywhere");
  mount_model_set (m, "/a/b", MS_RDONLY);
  ok (containing_is (m, "/a/b/c", MS_RDONLY) && !mount_model_containing (m, "/a", &f),
      "empty model: one mount, and nothing above it");
  for (int i = 0; i < 3000; i++)
    {
      _cleanup_free_ char *p = xasprintf ("/many/%d/d", i);
      mount_model_set (m, p, (unsigned long)i);
    }
  for (int i = 0; i < 3000; i++)
    {
      _cleanup_free_ char *p = xasprintf ("/many/%d/d", i);
      all &= mount_model_mount_at (m, p, &f) && f == (unsigned long)i;
    }
  ok (all, "3,000 mounts (the table grows): each found with its flags");
  mount_model_free (m);
  mount_model_free (NULL);
}

int
main (int argc, char **argv)
{
  if (argc > 1)
    fixtures = argv[1];
  test_escapes_and_options ();
  test_host ();
  test_shadowed ();
  test_operations ();
  test_empty_and_large ();
  return tap_summary ();
}
