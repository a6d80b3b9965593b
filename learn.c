/* hutch — --learn FILE (see learn.h).
 *
 * What the command touched becomes the narrowest set of options that
 * still has it all:
 *  - system directories (/usr, /etc, /lib...) it read from: each as one
 *    --ro-bind (or --symlink, where the host's is a merged-/usr link);
 *  - /proc, /dev: --proc, --dev; /tmp, /var/tmp: a --tmpfs;
 *  - a directory it listed: --ro-bind of the directory; any other file
 *    it read, ran or looked at: --ro-bind of the file itself (so the rest
 *    of $HOME stays out); a directory it only looked at: --dir;
 *  - what it wrote: --bind of the narrowest directory that covers each
 *    write (the directory a file was created in, a file written in
 *    place), none inside another;
 *  - --unshare-all, --share-net only if it connected to an address, and
 *    --seccomp-policy default unless it made a call that policy refuses.
 * Each line of FILE comes after a comment that says why it is there.
 */
#include "config.h"

#include "learn.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "utils.h"

enum use
{
  USE_READ,   /* opened for reading, run */
  USE_LOOK,   /* looked at: stat, access, readlink */
  USE_WRITE,  /* written in place */
  USE_CREATE, /* created or removed in its directory: the directory is written */
};

struct use_rec
{
  char *path;
  enum use use;
};

struct learn
{
  char *file;
  char *home;
  struct use_rec *recs;
  size_t n_recs, recs_cap;
  char *net;     /* the first address it connected to; NULL: none */
  char *refused; /* the first call of the default policy's it made */
  char *refused_why;
  bool policy_given;
  char *command;
};

/* A profile line to write: the option and its words, and why. */
struct line
{
  char *dest; /* sorted on, so that a parent comes before what is in it */
  char *text;
  char *why;
};

static void
add (struct learn *l, const char *path, enum use use)
{
  if (path == NULL || path[0] != '/')
    return;
  l->recs = xgrow (l->recs, &l->recs_cap, l->n_recs, sizeof *l->recs);
  l->recs[l->n_recs++] = (struct use_rec){ xstrdup (path), use };
}

struct learn *
learn_new (const struct sandbox *sb)
{
  struct learn *l = xcalloc (1, sizeof *l);
  struct stat st;

  l->file = xstrdup (sb->learn_file);
  _cleanup_free_ char *dir = xstrdup (l->file);
  char *slash = strrchr (dir, '/');
  if (slash != NULL)
    *slash = '\0';
  const char *d = slash == NULL ? "." : (dir[0] == '\0' ? "/" : dir);
  if (stat (l->file, &st) == 0 && S_ISDIR (st.st_mode))
    die ("--learn %s: is a directory (the profile to write is a file)", l->file);
  if (access (d, W_OK) < 0)
    die_with_error ("--learn %s: Can't write in %s", l->file, d);
  const char *home = getenv ("HOME");
  l->home = home != NULL && home[0] == '/' && strcmp (home, "/") != 0 ? xstrdup (home) : NULL;
  l->policy_given = sb->seccomp_policy_default;
  l->command = xstrdup (sb->n_command > 0 ? sb->command[0] : "the command");
  /* It starts in the caller's directory, which must be there. */
  _cleanup_free_ char *cwd = getcwd (NULL, 0);
  add (l, cwd, USE_LOOK);
  return l;
}

static void
add_parent (struct learn *l, const char *path)
{
  if (path == NULL)
    return;
  _cleanup_free_ char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  if (slash == NULL)
    return;
  slash[slash == dir ? 1 : 0] = '\0';
  add (l, dir, USE_WRITE);
}

/* What the kernel opens itself to run a file: the ELF interpreter (the
 * dynamic loader, /lib64/ld-linux-x86-64.so.2), or a script's #! line. */
static void
add_interpreter (struct learn *l, const char *path)
{
  char buf[4096];
  _cleanup_close_ int fd = path ? open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY) : -1;
  ssize_t n = fd >= 0 ? pread (fd, buf, sizeof buf - 1, 0) : -1;

  if (n < 4)
    return;
  buf[n] = '\0';
  if (buf[0] == '#' && buf[1] == '!')
    {
      char *p = buf + 2 + strspn (buf + 2, " \t");
      p[strcspn (p, " \t\n")] = '\0';
      add (l, p, USE_READ);
      return;
    }
  if (memcmp (buf, ELFMAG, SELFMAG) != 0 || (size_t)n < sizeof (ElfW (Ehdr)))
    return;
  const ElfW (Ehdr) *eh = (const ElfW (Ehdr) *)buf;
  for (size_t i = 0; i < eh->e_phnum; i++)
    {
      ElfW (Phdr) ph;
      if (pread (fd, &ph, sizeof ph, (off_t)(eh->e_phoff + i * eh->e_phentsize)) != sizeof ph)
        return;
      if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz >= sizeof buf)
        continue;
      if (pread (fd, buf, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
        return;
      buf[ph.p_filesz] = '\0';
      add (l, buf, USE_READ);
      return;
    }
}

void
learn_call (struct learn *l, const struct traced_call *c)
{
  int err = c->ret < 0 ? (int)-c->ret : 0;

  /* What it could not do in this sandbox is what it wanted to do; a name
   * that exists nowhere is nothing to give it. */
  if (err != 0 && err != EROFS && err != EACCES && err != EPERM && err != ENETUNREACH
      && err != EHOSTUNREACH && err != EADDRNOTAVAIL)
    return;
  switch (c->kind)
    {
    case TRACED_OPEN:
      if ((c->flags & O_CREAT) != 0)
        add_parent (l, c->path);
      else if ((c->flags & O_ACCMODE) != O_RDONLY || (c->flags & O_TRUNC) != 0)
        add (l, c->path, USE_WRITE);
      else
        add (l, c->path, USE_READ);
      break;
    case TRACED_EXEC:
      add (l, c->path, USE_READ);
      add_interpreter (l, c->path);
      break;
    case TRACED_STAT:
      add (l, c->path, USE_LOOK);
      break;
    case TRACED_META:
      add (l, c->path, USE_WRITE);
      break;
    case TRACED_CREATE:
    case TRACED_REMOVE:
      add_parent (l, c->path);
      break;
    case TRACED_RENAME:
      add_parent (l, c->path);
      add_parent (l, c->path2);
      break;
    case TRACED_CONNECT:
    case TRACED_BIND:
      if (c->family == AF_UNIX && c->path != NULL)
        add (l, c->path, USE_READ);
      else if ((c->family == AF_INET || c->family == AF_INET6) && l->net == NULL)
        l->net = xstrdup (c->addr);
      break;
    }
}

void
learn_refused_call (struct learn *l, const char *call, const char *why)
{
  if (l->refused != NULL)
    return;
  l->refused = xstrdup (call);
  l->refused_why = xstrdup (why);
}

/* ------------------------------------------------------------------------ */
/* Writing the profile                                                       */

static int
cmp_recs (const void *a, const void *b)
{
  const struct use_rec *x = a, *y = b;
  int c = strcmp (x->path, y->path);
  return c != 0 ? c : (int)x->use - (int)y->use;
}

static int
cmp_lines (const void *a, const void *b)
{
  const struct line *x = a, *y = b;
  return strcmp (x->dest, y->dest);
}

/* A word as the profile reader takes it back: quoted unless plain. */
static char *
quote (const char *s)
{
  if (s[0] != '\0'
      && strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789/._+-,:@=%")
             == strlen (s))
    return xstrdup (s);
  size_t n = 2;
  for (const char *p = s; *p; p++)
    n += *p == '\'' ? 4 : 1;
  char *out = xcalloc (n + 1, 1), *o = out;
  *o++ = '\'';
  for (const char *p = s; *p; p++)
    if (*p == '\'')
      o = stpcpy (o, "'\\''");
    else
      *o++ = *p;
  *o++ = '\'';
  return out;
}

struct lines
{
  struct line *v;
  size_t n, cap;
};

static void
add_line (struct lines *ls, const char *dest, char *text, char *why)
{
  ls->v = xgrow (ls->v, &ls->cap, ls->n, sizeof *ls->v);
  ls->v[ls->n++] = (struct line){ xstrdup (dest), text, why };
}

static void
add_mount (struct lines *ls, const char *opt, const char *path, char *why)
{
  _cleanup_free_ char *q = quote (path);
  add_line (ls, path, xasprintf ("%s %s %s", opt, q, q), why);
}

static const char *const system_dirs[]
    = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/sys" };
static const char *const fresh_dirs[][2] = {
  { "/proc", "--proc" },     { "/dev", "--dev" },       { "/tmp", "--tmpfs" },
  { "/var/tmp", "--tmpfs" }, { "/dev/shm", "--tmpfs" },
};

/* /usr and the like: one bind each, for whatever was used beneath. */
static bool
add_system_dirs (struct learn *l, struct lines *ls, const struct use_rec *r, size_t n,
                 bool *needs_usr)
{
  for (size_t d = 0; d < N_ELEMENTS (system_dirs); d++)
    {
      const char *dir = system_dirs[d];
      size_t count = 0;
      const char *first = NULL;
      for (size_t i = 0; i < n; i++)
        if (tracer_path_under (r[i].path, dir))
          {
            count++;
            first = first ? first : r[i].path;
          }
      if (count == 0 && !(strcmp (dir, "/usr") == 0 && *needs_usr))
        continue;
      char target[4096];
      ssize_t len = readlink (dir, target, sizeof target - 1);
      char *why = count ? xasprintf ("# used %s%s", first, count > 1 ? " and more beneath" : "")
                        : xstrdup ("# the merged-/usr links point into it");
      if (len > 0)
        {
          target[len] = '\0';
          _cleanup_free_ char *qt = quote (target);
          add_line (ls, dir, xasprintf ("--symlink %s %s", qt, dir), why);
          if (strncmp (target, "usr/", 4) == 0 || strncmp (target, "/usr/", 5) == 0)
            *needs_usr = true;
        }
      else
        add_mount (ls, "--ro-bind", dir, why);
    }
  (void)l;
  return *needs_usr;
}

static bool
covered (const struct lines *ls, size_t from, const char *path)
{
  for (size_t i = from; i < ls->n; i++)
    if (tracer_path_under (path, ls->v[i].dest))
      return true;
  return false;
}

/* Given whole, or fresh: /usr, /proc and the like.  /tmp is fresh too,
 * but what exists in the host's /tmp (a project there) is bound over it. */
static bool
is_system_or_fresh (const char *path)
{
  for (size_t d = 0; d < N_ELEMENTS (system_dirs); d++)
    if (tracer_path_under (path, system_dirs[d]))
      return true;
  for (size_t d = 0; d < N_ELEMENTS (fresh_dirs); d++)
    if (strcmp (fresh_dirs[d][1], "--tmpfs") == 0 ? strcmp (path, fresh_dirs[d][0]) == 0
                                                  : tracer_path_under (path, fresh_dirs[d][0]))
      return true;
  return false;
}

/* The written directories: each the nearest that exists, none beneath another. */
static void
add_writes (struct lines *ls, const struct use_rec *r, size_t n)
{
  size_t first = ls->n;
  for (size_t i = 0; i < n; i++)
    {
      if (r[i].use != USE_WRITE || is_system_or_fresh (r[i].path))
        continue;
      _cleanup_free_ char *p = xstrdup (r[i].path);
      struct stat st;
      while (lstat (p, &st) < 0 && strrchr (p, '/') != p)
        *strrchr (p, '/') = '\0';
      if (strcmp (p, "/") == 0 || is_system_or_fresh (p) || covered (ls, first, p))
        continue;
      /* A directory found later may cover one found before. */
      for (size_t k = first; k < ls->n;)
        if (tracer_path_under (ls->v[k].dest, p))
          {
            free (ls->v[k].dest), free (ls->v[k].text), free (ls->v[k].why);
            ls->v[k] = ls->v[--ls->n];
          }
        else
          k++;
      add_mount (ls, "--bind", p, xasprintf ("# wrote %s", r[i].path));
    }
}

static void
add_reads (struct learn *l, struct lines *ls, const struct use_rec *r, size_t n, size_t writes)
{
  for (size_t i = 0; i < n; i++)
    {
      const char *p = r[i].path;
      struct stat st;
      if (r[i].use == USE_WRITE || is_system_or_fresh (p) || strcmp (p, "/") == 0
          || covered (ls, writes, p) || lstat (p, &st) < 0)
        continue;
      /* A directory only looked at, or $HOME itself: there, but empty
       * (what it needs inside comes on lines of its own). */
      bool home = l->home != NULL && strcmp (p, l->home) == 0;
      if (S_ISDIR (st.st_mode) && (r[i].use == USE_LOOK || home))
        {
          bool parent = i + 1 < n && tracer_path_under (r[i + 1].path, p);
          if (!parent)
            {
              _cleanup_free_ char *q = quote (p);
              add_line (ls, p, xasprintf ("--dir %s", q), xasprintf ("# looked at %s", p));
            }
          continue;
        }
      add_mount (ls, "--ro-bind", p,
                 xasprintf ("# %s %s", r[i].use == USE_LOOK ? "looked at" : "read", p));
    }
}

static void
add_fresh_dirs (struct lines *ls, const struct use_rec *r, size_t n)
{
  for (size_t d = 0; d < N_ELEMENTS (fresh_dirs); d++)
    for (size_t i = 0; i < n; i++)
      if (tracer_path_under (r[i].path, fresh_dirs[d][0]))
        {
          const char *opt = fresh_dirs[d][1];
          char *why = xasprintf ("# used %s", r[i].path);
          add_line (ls, fresh_dirs[d][0], xasprintf ("%s %s", opt, fresh_dirs[d][0]), why);
          break;
        }
}

static void
write_profile (struct learn *l, FILE *f, int exit_code)
{
  struct lines ls = { 0 };
  bool needs_usr = false;

  qsort (l->recs, l->n_recs, sizeof *l->recs, cmp_recs);
  add_system_dirs (l, &ls, l->recs, l->n_recs, &needs_usr);
  if (needs_usr)
    {
      /* /usr came after a merged-/usr link: its line again, now counted. */
      for (size_t i = 0; i < ls.n; i++)
        if (strcmp (ls.v[i].dest, "/usr") == 0)
          needs_usr = false;
      if (needs_usr)
        add_mount (&ls, "--ro-bind", "/usr", xstrdup ("# the merged-/usr links point into it"));
    }
  add_fresh_dirs (&ls, l->recs, l->n_recs);
  size_t writes = ls.n;
  add_writes (&ls, l->recs, l->n_recs);
  add_reads (l, &ls, l->recs, l->n_recs, writes);
  qsort (ls.v, ls.n, sizeof *ls.v, cmp_lines);

  fprintf (f, "# hutch profile learnt from a run of %s (exit status %d) by --learn.\n", l->command,
           exit_code);
  fprintf (f, "# What it did not use is left out: check it, then run it with\n"
              "#   hutch --profile FILE -- COMMAND\n");
  fprintf (f, "# no namespace of the host's%s\n--unshare-all\n",
           l->net ? "" : ", no network: it connected to no address");
  if (l->net != NULL)
    fprintf (f, "# the network of the host's: it connected to %s\n--share-net\n", l->net);
  if (l->refused == NULL || l->policy_given)
    fprintf (f, "# it made no system call this policy refuses\n--seccomp-policy default\n");
  else
    fprintf (f, "# not --seccomp-policy default: it called %s, refused by %s\n", l->refused,
             l->refused_why);
  for (size_t i = 0; i < ls.n; i++)
    {
      fprintf (f, "%s\n%s\n", ls.v[i].why, ls.v[i].text);
      free (ls.v[i].dest), free (ls.v[i].text), free (ls.v[i].why);
    }
  free (ls.v);
}

void
learn_write (struct learn *l, int exit_code)
{
  _cleanup_free_ char *tmp = xasprintf ("%s.tmp%d", l->file, (int)getpid ());
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    {
      warn_msg ("--learn: Can't create %s: %s", tmp, strerror (errno));
      return;
    }
  FILE *f = fdopen (fd, "w");
  if (f == NULL)
    die_oom ();
  write_profile (l, f, exit_code);
  if (fclose (f) != 0 || rename (tmp, l->file) < 0)
    {
      warn_msg ("--learn: Can't write %s: %s", l->file, strerror (errno));
      (void)unlink (tmp);
      return;
    }
  log_msg (LOG_LVL_INFO, "--learn: wrote the profile %s", l->file);
}
