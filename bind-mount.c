/* hutch — bind mounts and other helpers built on the fd-based mount API,
 * with a mount(2) fallback for kernels (or seccomp filters) without it.
 *
 * The fallback, in short (see bind-mount.h for the contract):
 *
 *  - Fds are named by their magic links, "self/fd/N" looked up from the
 *    host's procfs: mount(2) follows such a link to exactly the object the
 *    fd holds, so a path that was resolved once (with openat2
 *    RESOLVE_IN_ROOT) is not looked up again and no symlink can redirect
 *    it.  There is no "/proc" to use at this point: after the first
 *    pivot_root "/" is the base tmpfs, and the host's tree under /oldroot
 *    is no place to look things up.  What there is, is the fd of the
 *    host's /proc opened before clone (run->proc_fd), where "self" is this
 *    process; mount(2) takes no dirfd, so the cwd moves there for the call
 *    and back.  (That procfs mount belongs to the caller's mount namespace:
 *    it can be walked through, but not bound into ours, which is why it is
 *    not simply mounted in the base once.)
 *  - A "detached" mount is one on a stage in the base, which the sandbox
 *    never sees; its flags are set there, then it is moved (MS_MOVE) onto
 *    the destination, so that, as with the fd-based API, no mount is ever
 *    visible in the new root with the wrong flags.
 *  - A recursive bind is MS_BIND | MS_REC, then MS_REMOUNT | MS_BIND with
 *    the new flags on the copy and on every mount below it.  Those are
 *    found in a model of the mount tree: /proc/self/mountinfo read once per
 *    run (paths and per-mount flags), then kept up to date here as mounts
 *    are added or moved.  A remount repeats each mount's own flags (a mount
 *    that came from a more privileged namespace has its nosuid, nodev,
 *    noexec, read-only and atime flags locked: leaving one out is EPERM).
 */
#include "config.h"

#include "bind-mount.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS 0x04
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif

/* openat2 may fail with EAGAIN when a rename or mount races with a ".."
 * walk under RESOLVE_IN_ROOT; a few retries are plenty. */
#define OPEN_IN_ROOT_RETRIES 64

int
open_in_root (int rootfd, const char *path, int flags, mode_t mode)
{
  struct hutch_open_how how = {
    .flags = (uint64_t) (unsigned) (flags | O_CLOEXEC),
    .mode = (flags & O_CREAT) ? (uint64_t) mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };

  if (path == NULL || *path == '\0')
    path = ".";

  for (int i = 0;; i++)
    {
      int fd = sys_openat2 (rootfd, path, &how);
      if (fd >= 0)
        return fd;
      if ((errno != EAGAIN && errno != EINTR) || i >= OPEN_IN_ROOT_RETRIES)
        return -1;
    }
}

const char *
bind_result_describe (enum bind_result r)
{
  switch (r)
    {
    case BIND_OK:
      return "Success";
    case BIND_OPEN_SOURCE:
      return "Unable to open the source";
    case BIND_CLONE:
      return "Unable to copy the source's mounts";
    case BIND_SET_ATTR:
      return "Unable to set mount flags";
    case BIND_ATTACH:
      return "Unable to attach the mount on the destination";
    case BIND_REMOUNT:
      return "Unable to change the mount flags";
    }
  return "Unknown error";
}

void
die_with_bind_result (enum bind_result r, int errnum, const char *fmt, ...)
{
  char what[2048];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);

  errno = errnum;
  die_with_error ("%s: %s", what, bind_result_describe (r));
}

/* ------------------------------------------------------------------------ */
/* Which API                                                                 */

const char *const mount_api_calls[MOUNT_API_N_CALLS] = {
  "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "mount_setattr",
};

void
mount_api_probe (unsigned *missing, unsigned *refused)
{
  struct hutch_mount_attr attr;
  long r[MOUNT_API_N_CALLS];
  int err[MOUNT_API_N_CALLS];
  size_t n = 0;

  /* Nothing must come of these calls, nor close anything: a call that
   * returns an fd is closed only if it does; mount_setattr() gets flags
   * it must refuse (with nothing to set it would succeed at once). */
  memset (&attr, 0, sizeof attr);
#define PROBE(expr, returns_fd)                                                                    \
  do                                                                                               \
    {                                                                                              \
      errno = 0;                                                                                   \
      r[n] = (long) (expr);                                                                        \
      err[n] = errno;                                                                              \
      if ((returns_fd) && r[n] >= 0)                                                               \
        close ((int) r[n]);                                                                        \
      n++;                                                                                         \
    }                                                                                              \
  while (0)
  PROBE (syscall (__NR_open_tree, -1, "", 0), true);
  PROBE (syscall (__NR_move_mount, -1, "", -1, "", 0), false);
  PROBE (syscall (__NR_fsopen, NULL, 0), true);
  PROBE (syscall (__NR_fsconfig, -1, 0, NULL, NULL, 0), false);
  PROBE (syscall (__NR_fsmount, -1, 0, 0), true);
  PROBE (syscall (__NR_mount_setattr, -1, "", ~0u, &attr, sizeof attr), false);
#undef PROBE

  *missing = *refused = 0;
  for (size_t i = 0; i < n; i++)
    if (r[i] < 0 && err[i] == ENOSYS)
      *missing |= 1u << i;
    else if (r[i] < 0 && (err[i] == EPERM || err[i] == EACCES))
      *refused |= 1u << i;
}

bool
mount_api_has_openat2 (void)
{
  /* A size below the first struct open_how: EINVAL where it exists. */
  return !(syscall (__NR_openat2, -1, "", NULL, 0) < 0 && errno == ENOSYS);
}

bool
mount_api_test_forced (bool honoured)
{
  const char *v = getenv ("HUTCH_TEST_LEGACY_MOUNT");

  return honoured && v != NULL && strcmp (v, "1") == 0;
}

/* The state of the fallback, in the child that builds the sandbox. */
struct mnode;
struct mi_entry;
static struct
{
  enum mount_api api;
  char reason[160];
  int proc_fd; /* a procfs where "self" is us (not owned) */
  int base_fd; /* the base tmpfs, "/" while building (not owned) */
  /* The model: every path that is, or leads to, a mount point, hashed by
   * its full path and linked as a tree. */
  struct mnode **buckets;
  size_t n_buckets, n_nodes;
} fb = { .api = MOUNT_API_NEW, .proc_fd = -1, .base_fd = -1 };

static bool
use_fallback (void)
{
  return fb.api != MOUNT_API_NEW;
}

void
mount_api_call_names (unsigned mask, const char *sep, char *buf, size_t size)
{
  size_t len = 0;

  buf[0] = '\0';
  for (size_t i = 0; i < MOUNT_API_N_CALLS; i++)
    if (mask & (1u << i))
      {
        int w = snprintf (buf + len, size - len, "%s%s", len ? sep : "", mount_api_calls[i]);
        if (w > 0 && (size_t) w < size - len)
          len += (size_t) w;
      }
}

enum mount_api
mount_api_choose (int proc_fd, bool honour_test_switch)
{
  unsigned missing, refused;
  char names[96];

  fb.proc_fd = proc_fd;
  mount_api_probe (&missing, &refused);
  if (missing != 0)
    {
      mount_api_call_names (missing, ", ", names, sizeof names);
      fb.api = MOUNT_API_MISSING;
      snprintf (fb.reason, sizeof fb.reason, "the kernel lacks %s", names);
    }
  else if (refused != 0)
    {
      mount_api_call_names (refused, ", ", names, sizeof names);
      fb.api = MOUNT_API_REFUSED;
      snprintf (fb.reason, sizeof fb.reason, "%s refused, by a seccomp filter?", names);
    }
  else if (mount_api_test_forced (honour_test_switch))
    {
      fb.api = MOUNT_API_FORCED;
      snprintf (fb.reason, sizeof fb.reason, "forced by HUTCH_TEST_LEGACY_MOUNT=1");
    }
  else
    fb.api = MOUNT_API_NEW;
  return fb.api;
}

bool
mount_api_fd_based (void)
{
  return !use_fallback ();
}

const char *
mount_api_fallback_reason (void)
{
  return use_fallback () ? fb.reason : NULL;
}

/* ------------------------------------------------------------------------ */
/* The fallback: flags                                                       */

/* The MS_* flags that describe one mount, which a remount must repeat. */
#define PER_MOUNT_FLAGS                                                                            \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME         \
   | MS_NOSYMFOLLOW)

static unsigned long
ms_from_attrs (unsigned attrs)
{
  unsigned long ms = 0;

  if (attrs & MOUNT_ATTR_RDONLY)
    ms |= MS_RDONLY;
  if (attrs & MOUNT_ATTR_NOSUID)
    ms |= MS_NOSUID;
  if (attrs & MOUNT_ATTR_NODEV)
    ms |= MS_NODEV;
  if (attrs & MOUNT_ATTR_NOEXEC)
    ms |= MS_NOEXEC;
  return ms;
}

/* The remount that gives a mount exactly `flags`.  Neither relatime nor
 * noatime means strictatime: say so, since locked atime flags must be
 * repeated as they are. */
static unsigned long
remount_flags (unsigned long flags)
{
  unsigned long r = MS_REMOUNT | MS_BIND | (flags & PER_MOUNT_FLAGS);

  if ((flags & (MS_NOATIME | MS_RELATIME)) == 0)
    r |= MS_STRICTATIME;
  return r;
}

/* The per-mount flags of the mount an fd is on, from statfs (for a mount
 * the model does not know, such as an overlay mounted by the caller). */
static int
flags_of_mount (int fd, unsigned long *flags)
{
  static const struct
  {
    unsigned long st, ms;
  } map[] = {
    { 0x0001 /* ST_RDONLY */, MS_RDONLY },       { 0x0002 /* ST_NOSUID */, MS_NOSUID },
    { 0x0004 /* ST_NODEV */, MS_NODEV },         { 0x0008 /* ST_NOEXEC */, MS_NOEXEC },
    { 0x0400 /* ST_NOATIME */, MS_NOATIME },     { 0x0800 /* ST_NODIRATIME */, MS_NODIRATIME },
    { 0x1000 /* ST_RELATIME */, MS_RELATIME },   { 0x2000 /* ST_NOSYMFOLLOW */, MS_NOSYMFOLLOW },
  };
  struct statfs sfs;

  if (fstatfs (fd, &sfs) < 0)
    return -1;
  *flags = 0;
  for (size_t i = 0; i < N_ELEMENTS (map); i++)
    if ((unsigned long) sfs.f_flags & map[i].st)
      *flags |= map[i].ms;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The fallback: the model of the mount tree                                 */

struct mnode
{
  char *path;          /* as seen from our root: "/", "/oldroot/proc" */
  size_t len;
  struct mnode *parent; /* the directory above; NULL for "/" */
  struct mnode *child;  /* the first entry below */
  struct mnode *next;   /* the next entry in the same directory */
  struct mnode *hnext;  /* the next in the same hash bucket */
  unsigned long flags;  /* MS_* per-mount flags, when is_mount */
  bool is_mount;        /* the topmost mount on this path */
  struct mi_entry *mi;  /* while mountinfo is read: its lines on this path */
};

/* A mount below another: its path relative to it, and its flags. */
struct sub
{
  const char *rel; /* points into a node's path: nodes live until the end */
  unsigned long flags;
};

static size_t
path_hash (const char *path, size_t len)
{
  uint64_t h = 14695981039346656037ULL; /* FNV-1a */

  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char) path[i]) * 1099511628211ULL;
  return (size_t) h;
}

static struct mnode *
model_find (const char *path, size_t len)
{
  if (fb.n_buckets == 0)
    return NULL;
  for (struct mnode *n = fb.buckets[path_hash (path, len) & (fb.n_buckets - 1)]; n; n = n->hnext)
    if (n->len == len && memcmp (n->path, path, len) == 0)
      return n;
  return NULL;
}

static void
model_rehash (void)
{
  size_t size = fb.n_buckets ? fb.n_buckets * 2 : 256;
  struct mnode **buckets = xcalloc (size, sizeof *buckets);

  for (size_t i = 0; i < fb.n_buckets; i++)
    for (struct mnode *n = fb.buckets[i], *next; n; n = next)
      {
        size_t b = path_hash (n->path, n->len) & (size - 1);
        next = n->hnext;
        n->hnext = buckets[b];
        buckets[b] = n;
      }
  free (fb.buckets);
  fb.buckets = buckets;
  fb.n_buckets = size;
}

/* The length of the parent of a path ("/a/b" -> 2, "/a" -> 1). */
static size_t
parent_len (const char *path, size_t len)
{
  while (len > 1 && path[len - 1] != '/')
    len--;
  return len > 1 ? len - 1 : 1;
}

/* The node of `path` (absolute, canonical), made with its parents if
 * missing. */
static struct mnode *
model_get (const char *path, size_t len)
{
  struct mnode *n = model_find (path, len);
  struct mnode *parent = NULL;
  size_t b;

  if (n != NULL)
    return n;
  if (len > 1)
    parent = model_get (path, parent_len (path, len));
  if (4 * (fb.n_nodes + 1) > 3 * fb.n_buckets)
    model_rehash ();

  n = xcalloc (1, sizeof *n);
  n->path = xmalloc (len + 1);
  memcpy (n->path, path, len);
  n->path[len] = '\0';
  n->len = len;
  n->parent = parent;
  if (parent != NULL)
    {
      n->next = parent->child;
      parent->child = n;
    }
  b = path_hash (path, len) & (fb.n_buckets - 1);
  n->hnext = fb.buckets[b];
  fb.buckets[b] = n;
  fb.n_nodes++;
  return n;
}

/* The node after n in a walk of top's subtree, parents first; NULL at the
 * end.  Nodes are never freed before mount_build_end(), so a walk costs
 * the size of the subtree and no allocation. */
static struct mnode *
walk_next (struct mnode *n, const struct mnode *top)
{
  if (n->child != NULL)
    return n->child;
  for (; n != top; n = n->parent)
    if (n->next != NULL)
      return n->next;
  return NULL;
}

/* Nothing below n is visible any more (a mount now covers n). */
static void
model_clear_below (struct mnode *n)
{
  for (struct mnode *m = walk_next (n, n); m; m = walk_next (m, n))
    m->is_mount = false;
}

/* A mount with `flags` is now the topmost one at `path`. */
static void
model_set (const char *path, size_t len, unsigned long flags)
{
  struct mnode *n = model_get (path, len);

  model_clear_below (n);
  n->is_mount = true;
  n->flags = flags;
}

/* The flags of the mount that holds `path` (the deepest mount point at or
 * above it); false when the model knows none. */
static bool
model_containing (const char *path, unsigned long *flags)
{
  size_t len = strlen (path);
  struct mnode *n;

  while ((n = model_find (path, len)) == NULL && len > 1)
    len = parent_len (path, len);
  for (; n != NULL; n = n->parent)
    if (n->is_mount)
      {
        *flags = n->flags;
        return true;
      }
  return false;
}

/* The mounts strictly below `path`, parents first (the order in which a
 * copy of them is found and remounted); NULL when there are none. */
static struct sub *
model_below (const char *path, size_t *n_out)
{
  struct mnode *top = model_find (path, strlen (path));
  struct sub *subs = NULL;
  size_t cap = 0, n = 0, skip;

  *n_out = 0;
  if (top == NULL)
    return NULL;
  skip = top->len > 1 ? top->len + 1 : 1; /* the path and its '/' */
  for (struct mnode *m = walk_next (top, top); m; m = walk_next (m, top))
    if (m->is_mount)
      {
        subs = xgrow (subs, &cap, n, sizeof *subs);
        subs[n++] = (struct sub) { m->path + skip, m->flags };
      }
  *n_out = n;
  return subs;
}

/* A copy of a tree is now at `dest`: its root with root_flags, and subs. */
static void
model_add_tree (const char *dest, unsigned long root_flags, const struct sub *subs, size_t n)
{
  size_t len = strlen (dest);

  model_set (dest, len, root_flags);
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *p = xasprintf ("%s/%s", len > 1 ? dest : "", subs[i].rel);
      model_set (p, strlen (p), subs[i].flags);
    }
}

/* mountinfo's escapes (\040 for a space, ...), undone in place. */
static void
unescape_octal (char *s)
{
  char *out = s;

  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
        && s[3] <= '7')
      {
        *out++ = (char) (((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
        s += 3;
      }
    else
      *out++ = *s;
  *out = '\0';
}

/* The per-mount options of mountinfo ("rw,nosuid,relatime") as MS_* flags. */
static unsigned long
parse_mount_options (char *opts)
{
  static const struct
  {
    const char *name;
    unsigned long flag;
  } known[] = {
    { "ro", MS_RDONLY },       { "nosuid", MS_NOSUID },         { "nodev", MS_NODEV },
    { "noexec", MS_NOEXEC },   { "noatime", MS_NOATIME },       { "nodiratime", MS_NODIRATIME },
    { "relatime", MS_RELATIME }, { "nosymfollow", MS_NOSYMFOLLOW },
  };
  unsigned long flags = 0;
  char *save = NULL;

  for (char *o = strtok_r (opts, ",", &save); o; o = strtok_r (NULL, ",", &save))
    for (size_t i = 0; i < N_ELEMENTS (known); i++)
      if (strcmp (o, known[i].name) == 0)
        flags |= known[i].flag;
  return flags;
}

/* One line of mountinfo. */
struct mi_entry
{
  int id, parent;
  struct mnode *node;         /* its mount point */
  unsigned long flags;
  int reachable;              /* mi_reachable (); -1: not worked out yet */
  struct mi_entry *same_path; /* the next entry on the same mount point */
};

static int
mi_cmp_id (const void *a, const void *b)
{
  const struct mi_entry *x = *(struct mi_entry *const *) a, *y = *(struct mi_entry *const *) b;
  return (x->id > y->id) - (x->id < y->id);
}

static struct mi_entry *
mi_find (struct mi_entry **by_id, size_t n, int id)
{
  struct mi_entry key = { .id = id }, *k = &key;
  struct mi_entry **e = bsearch (&k, by_id, n, sizeof *by_id, mi_cmp_id);
  return e ? *e : NULL;
}

/* Is something stacked on e's root (a child on the same mount point)? */
static bool
mi_covered (const struct mi_entry *e)
{
  for (const struct mi_entry *x = e->node->mi; x != NULL; x = x->same_path)
    if (x != e && x->parent == e->id)
      return true;
  return false;
}

/* Can a path lead into e?  Its parent must be reachable, and not covered
 * unless e is what covers it (stacked on the parent's root); and no
 * sibling may be mounted on a directory above e's mount point (mounted
 * later, so: else e's parent would be that sibling).  Mountinfo's order
 * does not tell these things: pivot_root, for one, lists the new "/"
 * last.  A mount whose parent is not listed is the root. */
static bool
mi_reachable (struct mi_entry *e, struct mi_entry **by_id, size_t n)
{
  struct mi_entry *p;
  bool v = true;

  if (e->reachable >= 0)
    return e->reachable;
  e->reachable = 0; /* a loop in the parents is no root */
  p = mi_find (by_id, n, e->parent);
  if (p != NULL && p != e)
    v = mi_reachable (p, by_id, n) && (p->node == e->node || !mi_covered (p));
  for (struct mnode *a = e->node->parent; v && a != NULL; a = a->parent)
    for (struct mi_entry *x = a->mi; x != NULL; x = x->same_path)
      if (x->parent == e->parent && x != e)
        v = false;
  e->reachable = v;
  return v;
}

/* The one read of /proc/self/mountinfo in a run: every mount reachable by
 * path, with its per-mount flags. */
static int
model_read_mountinfo (void)
{
  _cleanup_close_ int fd = openat (fb.proc_fd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
  _cleanup_free_ char *text = NULL;
  _cleanup_free_ struct mi_entry *entries = NULL;
  _cleanup_free_ struct mi_entry **by_id = NULL;
  size_t size, cap = 0, n = 0;
  int r;

  if (fd < 0)
    return -1;
  r = read_all (fd, &text, &size);
  if (r < 0)
    {
      errno = -r;
      return -1;
    }
  for (char *line = text, *end; *line; line = end)
    {
      char *field[6], *save = NULL;
      size_t k;

      end = strchr (line, '\n');
      if (end != NULL)
        *end++ = '\0';
      else
        end = line + strlen (line);
      /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... */
      for (k = 0; k < N_ELEMENTS (field); k++)
        if ((field[k] = strtok_r (k ? NULL : line, " ", &save)) == NULL)
          break;
      if (k < N_ELEMENTS (field))
        continue;
      unescape_octal (field[4]);
      if (field[4][0] != '/')
        continue;
      entries = xgrow (entries, &cap, n, sizeof *entries);
      entries[n] = (struct mi_entry) {
        .id = atoi (field[0]),
        .parent = atoi (field[1]),
        .node = model_get (field[4], strlen (field[4])),
        .flags = parse_mount_options (field[5]),
        .reachable = -1,
      };
      n++;
    }

  /* Linked only now: entries may have moved while the array grew. */
  by_id = xcalloc (n + 1, sizeof *by_id);
  for (size_t i = 0; i < n; i++)
    {
      entries[i].same_path = entries[i].node->mi;
      entries[i].node->mi = &entries[i];
      by_id[i] = &entries[i];
    }
  qsort (by_id, n, sizeof *by_id, mi_cmp_id);
  /* The model holds what a path reaches: the topmost mount of each. */
  for (size_t i = 0; i < n; i++)
    if (mi_reachable (&entries[i], by_id, n) && !mi_covered (&entries[i]))
      {
        entries[i].node->is_mount = true;
        entries[i].node->flags = entries[i].flags;
      }
  for (size_t i = 0; i < n; i++)
    entries[i].node->mi = NULL;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The fallback: mounts                                                      */

/* In the base, while building: where mounts wait before they are moved
 * onto their destination, one for directories, one for the rest.  "/" is
 * the base then, so these absolute paths are ours alone: nothing else
 * mounts or creates anything there. */
#define STAGE_DIR "/legacy-stage-dir"
#define STAGE_FILE "/legacy-stage-file"

/* mount(2) with the source and/or the target given as fds (-1: the
 * string is used instead), each named by its magic link "self/fd/N" from
 * the procfs fd (see the top of this file). */
static int
mount_fds (int srcfd, const char *src, int destfd, const char *dest, const char *fstype,
           unsigned long flags, const void *data)
{
  char src_link[32], dest_link[32];
  _cleanup_close_ int cwd = -1;
  int r, saved;

  if (srcfd < 0 && destfd < 0)
    return mount (src, dest, fstype, flags, data);
  if (srcfd >= 0)
    {
      snprintf (src_link, sizeof src_link, "self/fd/%d", srcfd);
      src = src_link;
    }
  if (destfd >= 0)
    {
      snprintf (dest_link, sizeof dest_link, "self/fd/%d", destfd);
      dest = dest_link;
    }
  cwd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cwd < 0 || fchdir (fb.proc_fd) < 0)
    return -1;
  r = mount (src, dest, fstype, flags, data);
  saved = errno;
  if (fchdir (cwd) < 0)
    return -1;
  errno = saved;
  return r;
}

/* Give the mount whose root is fd exactly `flags`. */
static int
remount_fd (int fd, unsigned long flags)
{
  return mount_fds (-1, NULL, fd, NULL, NULL, remount_flags (flags), NULL);
}

/* The path of what fd refers to, as we see it from our root (the
 * kernel's own name for it, for the model).  NULL with errno set. */
static char *
fd_path (int fd)
{
  char link[32], buf[PATH_MAX];
  ssize_t n;

  snprintf (link, sizeof link, "self/fd/%d", fd);
  n = readlinkat (fb.proc_fd, link, buf, sizeof buf);
  if (n < 0)
    return NULL;
  if ((size_t) n >= sizeof buf)
    {
      errno = ENAMETOOLONG;
      return NULL;
    }
  buf[n] = '\0';
  if (buf[0] != '/')
    {
      errno = EINVAL; /* not a path: "anon_inode:...", "pipe:[...]" */
      return NULL;
    }
  return xstrdup (buf);
}

/* The mount rooted at `rel` below root (no symlink, no "..", not out of
 * root), O_PATH.  O_PATH without O_DIRECTORY: an automount point is not
 * triggered, its own root is what is opened. */
static int
open_below (int root, const char *rel)
{
  struct hutch_open_how how = {
    .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };

  for (int i = 0;; i++)
    {
      int fd = sys_openat2 (root, rel, &how);
      if (fd >= 0)
        return fd;
      if ((errno != EAGAIN && errno != EINTR) || i >= OPEN_IN_ROOT_RETRIES)
        return -1;
    }
}

/* After MS_BIND | MS_REC onto `stage`: open the copy's root, give it
 * root_flags, and each mount below it its own flags plus `add`
 * (subs[i].flags is updated to what the mount got). */
static enum bind_result
legacy_flag_tree (const char *stage, unsigned long root_flags, struct sub *subs, size_t n,
                  unsigned long add, int *root_out)
{
  _cleanup_close_ int root = openat (fb.base_fd, stage + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);

  if (root < 0)
    return BIND_CLONE;
  if (remount_fd (root, root_flags) < 0)
    return BIND_SET_ATTR;
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_close_ int fd = open_below (root, subs[i].rel);

      /* As bubblewrap: a mount point we can't reach is out of the
       * sandbox's reach too (it runs with these credentials or fewer). */
      if (fd < 0 && errno == EACCES)
        continue;
      if (fd < 0 || remount_fd (fd, subs[i].flags | add) < 0)
        return BIND_SET_ATTR;
      subs[i].flags |= add;
    }
  *root_out = steal_fd (&root);
  return BIND_OK;
}

static enum bind_result
legacy_clone_tree (int srcfd, unsigned long add, int *tree_out)
{
  _cleanup_free_ char *src = NULL;
  _cleanup_free_ struct sub *subs = NULL;
  unsigned long root_flags;
  const char *stage;
  size_t n_subs = 0;
  struct stat st;
  enum bind_result r;
  int root = -1, saved;

  if (fstat (srcfd, &st) < 0 || (src = fd_path (srcfd)) == NULL)
    return BIND_CLONE;
  if (!model_containing (src, &root_flags) && flags_of_mount (srcfd, &root_flags) < 0)
    return BIND_CLONE;
  subs = model_below (src, &n_subs);
  stage = S_ISDIR (st.st_mode) ? STAGE_DIR : STAGE_FILE;

  /* Recursive, as open_tree (AT_RECURSIVE): a plain bind could uncover
   * what a submount hides, and is refused over locked mounts. */
  if (mount_fds (srcfd, NULL, -1, stage, NULL, MS_BIND | MS_REC, NULL) < 0)
    return BIND_CLONE;
  r = legacy_flag_tree (stage, root_flags | add, subs, n_subs, add, &root);
  if (r != BIND_OK)
    {
      saved = errno;
      (void) umount2 (stage, MNT_DETACH);
      errno = saved;
      return r;
    }
  model_add_tree (stage, root_flags | add, subs, n_subs);
  *tree_out = root;
  return BIND_OK;
}

/* Move a mount (the root of one, anywhere: staged or attached) onto
 * destfd, and the model's copy of it with it. */
static int
legacy_attach (int mntfd, int destfd)
{
  _cleanup_free_ char *from = fd_path (mntfd);
  _cleanup_free_ char *to = NULL;
  _cleanup_free_ struct sub *subs = NULL;
  struct mnode *n = NULL;
  unsigned long flags;
  size_t n_subs = 0;

  if (from == NULL || (to = fd_path (destfd)) == NULL)
    return -1;
  n = model_find (from, strlen (from));
  if (n != NULL && n->is_mount)
    {
      flags = n->flags;
      subs = model_below (from, &n_subs);
    }
  else if (flags_of_mount (mntfd, &flags) < 0)
    return -1;

  if (mount_fds (mntfd, NULL, destfd, NULL, NULL, MS_MOVE, NULL) < 0)
    return -1;
  if (n != NULL && n->is_mount)
    {
      n->is_mount = false;
      model_clear_below (n);
    }
  model_add_tree (to, flags, subs, n_subs);
  return 0;
}

/* Add `flags` to the mount whose root is fd (that mount only). */
static int
legacy_remount (int fd, unsigned long flags)
{
  _cleanup_free_ char *path = fd_path (fd);
  struct mnode *n;
  unsigned long now;

  if (path == NULL)
    return -1;
  n = model_find (path, strlen (path));
  if (n != NULL && n->is_mount)
    now = n->flags;
  else if (flags_of_mount (fd, &now) < 0)
    return -1;
  if (remount_fd (fd, now | flags) < 0)
    return -1;
  n = model_get (path, strlen (path));
  n->is_mount = true;
  n->flags = now | flags;
  return 0;
}

/* fsconfig's params as mount(2)'s option string ("mode=0755,size=..."),
 * NULL for none. */
static int
legacy_fs_options (const struct fs_param *params, size_t n, char **out)
{
  char *s = NULL;

  *out = NULL;
  for (size_t i = 0; i < n; i++)
    {
      char *next;

      /* "lowerdir+" and the like take their value literally: a comma in
       * it, or the key itself, would mean something else here. */
      if (strchr (params[i].key, '+') != NULL
          || (params[i].value != NULL && strchr (params[i].value, ',') != NULL))
        {
          free (s);
          errno = EINVAL;
          return -1;
        }
      next = xasprintf ("%s%s%s%s%s", s ? s : "", s ? "," : "", params[i].key,
                        params[i].value ? "=" : "", params[i].value ? params[i].value : "");
      free (s);
      s = next;
    }
  *out = s;
  return 0;
}

static int
legacy_new_fs (const char *fstype, const struct fs_param *params, size_t n, unsigned attrs)
{
  _cleanup_free_ char *options = NULL;
  unsigned long flags = ms_from_attrs (attrs);
  int fd, saved;

  if (legacy_fs_options (params, n, &options) < 0)
    return -1;
  if (mount (fstype, STAGE_DIR, fstype, flags, options) < 0)
    return -1;
  fd = openat (fb.base_fd, STAGE_DIR + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      saved = errno;
      (void) umount2 (STAGE_DIR, MNT_DETACH);
      errno = saved;
      return -1;
    }
  /* A new mount is relatime unless told otherwise. */
  model_set (STAGE_DIR, strlen (STAGE_DIR), flags | MS_RELATIME);
  return fd;
}

int
mount_build_begin (int base_fd)
{
  _cleanup_close_ int file = -1;

  fb.base_fd = base_fd;
  if (!use_fallback ())
    return 0;

  if (mkdirat (base_fd, STAGE_DIR + 1, 0700) < 0)
    return -1;
  file = openat (base_fd, STAGE_FILE + 1, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (file < 0)
    return -1;
  return model_read_mountinfo ();
}

void
mount_build_end (void)
{
  for (size_t i = 0; i < fb.n_buckets; i++)
    for (struct mnode *n = fb.buckets[i], *next; n; n = next)
      {
        next = n->hnext;
        free (n->path);
        free (n);
      }
  free (fb.buckets);
  fb.buckets = NULL;
  fb.n_buckets = fb.n_nodes = 0;
  fb.base_fd = -1;
}

/* ------------------------------------------------------------------------ */
/* Bind mounts                                                               */

static unsigned
bind_attrs (unsigned flags)
{
  unsigned attrs = MOUNT_ATTR_NOSUID;

  if ((flags & BIND_DEVICES) == 0)
    attrs |= MOUNT_ATTR_NODEV;
  if (flags & BIND_READONLY)
    attrs |= MOUNT_ATTR_RDONLY;
  return attrs;
}

/* open_tree (dfd, path, flags): a recursive copy, flagged while it is
 * still detached. */
static enum bind_result
clone_and_flag (int dfd, const char *path, unsigned at_flags, unsigned flags, int *tree_out)
{
  struct hutch_mount_attr attr = { .attr_set = bind_attrs (flags) };
  _cleanup_close_ int tree = -1;

  /* A recursive copy: a non-recursive one could uncover files that a
   * submount hides on the host, and the kernel refuses it anyway when
   * locked mounts are involved. */
  tree = sys_open_tree (dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | at_flags);
  if (tree < 0)
    return BIND_CLONE;

  /* While the copy is detached nothing can use it: set the flags now so
   * that it is never reachable writable or with device/suid access. */
  if (sys_mount_setattr (tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
    return BIND_SET_ATTR;

  *tree_out = steal_fd (&tree);
  return BIND_OK;
}

enum bind_result
bind_clone_tree (int srcfd, unsigned flags, int *tree_out)
{
  if (use_fallback ())
    return legacy_clone_tree (srcfd, ms_from_attrs (bind_attrs (flags)), tree_out);
  return clone_and_flag (srcfd, "", AT_EMPTY_PATH, flags, tree_out);
}

enum bind_result
bind_clone_path (const char *path, unsigned flags, int *tree_out)
{
  enum bind_result r;

  if (use_fallback ())
    {
      errno = ENOSYS;
      return BIND_CLONE;
    }
  r = clone_and_flag (AT_FDCWD, path, 0, flags, tree_out);
  if (r == BIND_CLONE
      && (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == ELOOP
          || errno == ENAMETOOLONG))
    r = BIND_OPEN_SOURCE; /* the lookup failed, not the copy */
  return r;
}

enum bind_result
bind_mount_fd (int srcfd, int destfd, unsigned flags)
{
  _cleanup_close_ int tree = -1;
  enum bind_result r = bind_clone_tree (srcfd, flags, &tree);

  if (r != BIND_OK)
    return r;
  if (mount_attach (tree, destfd) < 0)
    return BIND_ATTACH;
  return BIND_OK;
}

enum bind_result
bind_cover_ro (int dirfd, const char *name)
{
  _cleanup_close_ int fd = -1;
  _cleanup_close_ int tree = -1;
  enum bind_result r;

  if (use_fallback ())
    {
      fd = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return BIND_OPEN_SOURCE;
      return bind_mount_fd (fd, fd, BIND_READONLY);
    }
  /* The same lookup as that O_PATH | O_NOFOLLOW open, twice, with no fd
   * to open and close: open_tree() and move_mount() take the name. */
  r = clone_and_flag (dirfd, name, AT_SYMLINK_NOFOLLOW, BIND_READONLY, &tree);
  if (r == BIND_CLONE && (errno == ENOENT || errno == EACCES))
    return BIND_OPEN_SOURCE;
  if (r != BIND_OK)
    return r;
  if (mount_attach_at (tree, dirfd, name) < 0)
    return BIND_ATTACH;
  return BIND_OK;
}

enum bind_result
bind_mount_in_root (int src_root_fd, const char *src, int destfd, unsigned flags)
{
  _cleanup_close_ int srcfd = open_in_root (src_root_fd, src, O_PATH, 0);

  if (srcfd < 0)
    return BIND_OPEN_SOURCE;
  return bind_mount_fd (srcfd, destfd, flags);
}

enum bind_result
bind_remount_ro (int destfd)
{
  struct hutch_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  if (use_fallback ())
    return legacy_remount (destfd, MS_RDONLY) < 0 ? BIND_REMOUNT : BIND_OK;
  /* No AT_RECURSIVE: only the mount at destfd changes. */
  if (sys_mount_setattr (destfd, "", AT_EMPTY_PATH, &attr) < 0)
    return BIND_REMOUNT;
  return BIND_OK;
}

int
mount_new_fs (const char *fstype, const struct fs_param *params, size_t n_params,
              unsigned attrs)
{
  _cleanup_close_ int fs = -1;

  if (use_fallback ())
    return legacy_new_fs (fstype, params, n_params, attrs);

  fs = sys_fsopen (fstype, FSOPEN_CLOEXEC);
  if (fs < 0)
    return -1;

  /* The name shown as the mount's source (mountinfo, df): the type, as
   * mount(8) and bwrap show it. */
  if (sys_fsconfig (fs, HUTCH_FSCONFIG_SET_STRING, "source", fstype, 0) < 0)
    return -1;

  for (size_t i = 0; i < n_params; i++)
    {
      int r;
      if (params[i].value != NULL)
        r = sys_fsconfig (fs, HUTCH_FSCONFIG_SET_STRING, params[i].key, params[i].value, 0);
      else
        r = sys_fsconfig (fs, HUTCH_FSCONFIG_SET_FLAG, params[i].key, NULL, 0);
      if (r < 0)
        return -1;
    }

  if (sys_fsconfig (fs, HUTCH_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;

  return sys_fsmount (fs, FSMOUNT_CLOEXEC, attrs);
}

int
mount_new_fs_at (const char *fstype, const struct fs_param *params, size_t n_params,
                 unsigned attrs, const char *path, bool *created)
{
  _cleanup_close_ int fd = -1;
  _cleanup_free_ char *options = NULL;

  *created = false;
  if (use_fallback ())
    {
      if (legacy_fs_options (params, n_params, &options) < 0
          || mount (fstype, path, fstype, ms_from_attrs (attrs), options) < 0)
        return -1;
      *created = true;
      return open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }

  fd = mount_new_fs (fstype, params, n_params, attrs);
  if (fd < 0)
    return -1;
  *created = true;
  if (sys_move_mount (fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0)
    return -1;
  return steal_fd (&fd);
}

int
mount_attach_at (int mntfd, int dirfd, const char *name)
{
  _cleanup_close_ int dest = -1;

  if (!use_fallback ())
    return sys_move_mount (mntfd, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH);
  dest = openat (dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (dest < 0)
    return -1;
  return legacy_attach (mntfd, dest);
}

int
mount_attach (int mntfd, int destfd)
{
  if (use_fallback ())
    return legacy_attach (mntfd, destfd);
  return sys_move_mount (mntfd, "", destfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}
