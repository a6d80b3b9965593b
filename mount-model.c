/* hutch — the mount(2) backend's model of the mount tree (see
 * mount-model.h): mountinfo parsed into a tree of paths, and the changes
 * the backend makes to it.  No system call here.
 */
#include "config.h"

#include "mount-model.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "utils.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

struct mnode
{
  char *path; /* as seen from our root: "/", "/oldroot/proc" */
  size_t len;
  struct mnode *parent; /* the directory above; NULL for "/" */
  struct mnode *child;  /* the first entry below */
  struct mnode *next;   /* the next entry in the same directory */
  struct mnode *hnext;  /* the next in the same hash bucket */
  unsigned long flags;  /* MS_* per-mount flags, when is_mount */
  bool is_mount;        /* the topmost mount on this path */
  struct mi_entry *mi;  /* while mountinfo is read: its lines on this path */
};

struct mount_model
{
  /* Every path that is, or leads to, a mount point, hashed by its full
   * path and linked as a tree. */
  struct mnode **buckets;
  size_t n_buckets, n_nodes;
};

static size_t
path_hash (const char *path, size_t len)
{
  uint64_t h = 14695981039346656037ULL; /* FNV-1a */

  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)path[i]) * 1099511628211ULL;
  return (size_t)h;
}

static struct mnode *
model_find (const struct mount_model *m, const char *path, size_t len)
{
  if (m == NULL || m->n_buckets == 0)
    return NULL;
  for (struct mnode *n = m->buckets[path_hash (path, len) & (m->n_buckets - 1)]; n; n = n->hnext)
    if (n->len == len && memcmp (n->path, path, len) == 0)
      return n;
  return NULL;
}

static void
model_rehash (struct mount_model *m)
{
  size_t size = m->n_buckets ? m->n_buckets * 2 : 256;
  struct mnode **buckets = xcalloc (size, sizeof *buckets);

  for (size_t i = 0; i < m->n_buckets; i++)
    for (struct mnode *n = m->buckets[i], *next; n; n = next)
      {
        size_t b = path_hash (n->path, n->len) & (size - 1);
        next = n->hnext;
        n->hnext = buckets[b];
        buckets[b] = n;
      }
  free (m->buckets);
  m->buckets = buckets;
  m->n_buckets = size;
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
model_get (struct mount_model *m, const char *path, size_t len)
{
  struct mnode *n = model_find (m, path, len);
  struct mnode *parent = NULL;
  size_t b;

  if (n != NULL)
    return n;
  if (len > 1)
    parent = model_get (m, path, parent_len (path, len));
  if (4 * (m->n_nodes + 1) > 3 * m->n_buckets)
    model_rehash (m);

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
  b = path_hash (path, len) & (m->n_buckets - 1);
  n->hnext = m->buckets[b];
  m->buckets[b] = n;
  m->n_nodes++;
  return n;
}

/* The node after n in a walk of top's subtree, parents first; NULL at the
 * end.  Nodes are never freed before mount_model_free(), so a walk costs
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
  for (struct mnode *x = walk_next (n, n); x; x = walk_next (x, n))
    x->is_mount = false;
}

/* A mount with `flags` is now the topmost one at `path`. */
void
mount_model_set (struct mount_model *m, const char *path, unsigned long flags)
{
  struct mnode *n = model_get (m, path, strlen (path));

  model_clear_below (n);
  n->is_mount = true;
  n->flags = flags;
}

/* The flags of the mount that holds `path` (the deepest mount point at or
 * above it); false when the model knows none. */
bool
mount_model_containing (const struct mount_model *m, const char *path, unsigned long *flags)
{
  size_t len = strlen (path);
  struct mnode *n;

  while ((n = model_find (m, path, len)) == NULL && len > 1)
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
struct mount_sub *
mount_model_below (const struct mount_model *m, const char *path, size_t *n_out)
{
  struct mnode *top = model_find (m, path, strlen (path));
  struct mount_sub *subs = NULL;
  size_t cap = 0, n = 0, skip;

  *n_out = 0;
  if (top == NULL)
    return NULL;
  skip = top->len > 1 ? top->len + 1 : 1; /* the path and its '/' */
  for (struct mnode *x = walk_next (top, top); x; x = walk_next (x, top))
    if (x->is_mount)
      {
        subs = xgrow (subs, &cap, n, sizeof *subs);
        subs[n++] = (struct mount_sub){ x->path + skip, x->flags };
      }
  *n_out = n;
  return subs;
}

/* A copy of a tree is now at `dest`: its root with root_flags, and subs. */
void
mount_model_add_tree (struct mount_model *m, const char *dest, unsigned long root_flags,
                      const struct mount_sub *subs, size_t n)
{
  size_t len = strlen (dest);

  mount_model_set (m, dest, root_flags);
  for (size_t i = 0; i < n; i++)
    {
      _cleanup_free_ char *p = xasprintf ("%s/%s", len > 1 ? dest : "", subs[i].rel);
      mount_model_set (m, p, subs[i].flags);
    }
}

/* mountinfo's escapes (\040 for a space, ...), undone in place. */
void
mount_model_unescape (char *s)
{
  char *out = s;

  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
        && s[3] <= '7')
      {
        *out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
        s += 3;
      }
    else
      *out++ = *s;
  *out = '\0';
}

/* The per-mount options of mountinfo ("rw,nosuid,relatime") as MS_* flags. */
unsigned long
mount_model_parse_options (char *opts)
{
  static const struct
  {
    const char *name;
    unsigned long flag;
  } known[] = {
    { "ro", MS_RDONLY },         { "nosuid", MS_NOSUID },           { "nodev", MS_NODEV },
    { "noexec", MS_NOEXEC },     { "noatime", MS_NOATIME },         { "nodiratime", MS_NODIRATIME },
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
  struct mnode *node; /* its mount point */
  unsigned long flags;
  int reachable;              /* mi_reachable (); -1: not worked out yet */
  struct mi_entry *same_path; /* the next entry on the same mount point */
};

static int
mi_cmp_id (const void *a, const void *b)
{
  const struct mi_entry *x = *(struct mi_entry *const *)a, *y = *(struct mi_entry *const *)b;
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

void
mount_model_parse (struct mount_model *m, char *text)
{
  _cleanup_free_ struct mi_entry *entries = NULL;
  _cleanup_free_ struct mi_entry **by_id = NULL;
  size_t cap = 0, n = 0;

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
      mount_model_unescape (field[4]);
      if (field[4][0] != '/')
        continue;
      entries = xgrow (entries, &cap, n, sizeof *entries);
      entries[n] = (struct mi_entry){
        .id = atoi (field[0]),
        .parent = atoi (field[1]),
        .node = model_get (m, field[4], strlen (field[4])),
        .flags = mount_model_parse_options (field[5]),
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
}

void
mount_model_set_flags (struct mount_model *m, const char *path, unsigned long flags)
{
  struct mnode *n = model_get (m, path, strlen (path));

  n->is_mount = true;
  n->flags = flags;
}

void
mount_model_remove (struct mount_model *m, const char *path)
{
  struct mnode *n = model_find (m, path, strlen (path));

  if (n == NULL)
    return;
  n->is_mount = false;
  model_clear_below (n);
}

bool
mount_model_mount_at (const struct mount_model *m, const char *path, unsigned long *flags)
{
  const struct mnode *n = model_find (m, path, strlen (path));

  if (n == NULL || !n->is_mount)
    return false;
  *flags = n->flags;
  return true;
}

struct mount_model *
mount_model_new (void)
{
  return xcalloc (1, sizeof (struct mount_model));
}

void
mount_model_free (struct mount_model *m)
{
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->n_buckets; i++)
    for (struct mnode *n = m->buckets[i], *next; n; n = next)
      {
        next = n->hnext;
        free (n->path);
        free (n);
      }
  free (m->buckets);
  free (m);
}
