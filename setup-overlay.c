/* hutch — phase 3 (build): --overlay, --tmp-overlay and --ro-overlay.
 *
 * The layers were resolved before the build (setup_resolve_sources(), in
 * the caller's view); host paths are given to overlayfs relative to the
 * host's tree, with the cwd there for the call.  The fd-based API's
 * "lowerdir+" first (no length limit), else mount(2) with an option
 * string.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind-mount.h"
#include "setup-private.h"
#include "utils.h"

/* ---- Overlays. ---- */

/* A growing string. */
struct strbuf
{
  char *s;
  size_t len, cap;
};

static void
strbuf_putc (struct strbuf *out, char c)
{
  if (out->len + 2 > out->cap)
    {
      out->cap = out->cap ? out->cap * 2 : 256;
      out->s = xrealloc (out->s, out->cap);
    }
  out->s[out->len++] = c;
  out->s[out->len] = '\0';
}

static void
strbuf_puts (struct strbuf *out, const char *s)
{
  for (; *s; s++)
    strbuf_putc (out, *s);
}

/* A backslash before ':' ',' and '\\' (overlayfs's option syntax). */
static void
strbuf_puts_escaped (struct strbuf *out, const char *s)
{
  for (; *s; s++)
    {
      if (*s == ':' || *s == ',' || *s == '\\')
        strbuf_putc (out, '\\');
      strbuf_putc (out, *s);
    }
}

/* A host path (absolute, canonical) as a path relative to the host's
 * root, to be looked up with the cwd at /oldroot. */
static const char *
host_relative (const char *path)
{
  while (*path == '/')
    path++;
  return *path ? path : ".";
}

struct overlay_layers
{
  const char **lower; /* bottom first, as given on the command line */
  size_t n_lower;
  const char *upper; /* NULL for --ro-overlay */
  const char *work;
};

/* The mount(2) option string.  `host_prefix`: how to write host paths
 * ("" for relative lookups from /oldroot, "/" for messages). */
static char *
overlay_options (const struct overlay_layers *l, bool tmp, const char *host_prefix, bool userxattr)
{
  struct strbuf out = { NULL, 0, 0 };

  strbuf_puts (&out, "lowerdir=");
  for (size_t k = l->n_lower; k-- > 0;) /* the kernel wants the top first */
    {
      strbuf_puts (&out, host_prefix);
      strbuf_puts_escaped (&out, host_relative (l->lower[k]));
      if (k > 0)
        strbuf_putc (&out, ':');
    }
  if (l->upper != NULL)
    {
      strbuf_puts (&out, ",upperdir=");
      strbuf_puts (&out, tmp ? "" : host_prefix);
      strbuf_puts_escaped (&out, tmp ? l->upper : host_relative (l->upper));
      strbuf_puts (&out, ",workdir=");
      strbuf_puts (&out, tmp ? "" : host_prefix);
      strbuf_puts_escaped (&out, tmp ? l->work : host_relative (l->work));
    }
  if (userxattr)
    strbuf_puts (&out, ",userxattr");
  return out.s;
}

static char *
escaped (const char *s)
{
  struct strbuf out = { NULL, 0, 0 };

  strbuf_putc (&out, '\0');
  out.len = 0;
  strbuf_puts_escaped (&out, s);
  return out.s;
}

/* New mount API (Linux >= 6.8 for "lowerdir+"): no length limit.  The
 * kernel takes "lowerdir+" values literally but unescapes "upperdir" and
 * "workdir".  Host paths are relative: the cwd is /oldroot. */
static int
overlay_new_api (const struct overlay_layers *l, bool tmp, bool userxattr, unsigned attrs)
{
  size_t n = 0;
  struct fs_param *params = xcalloc (l->n_lower + 3, sizeof *params);
  _cleanup_free_ char *upper = NULL, *work = NULL;
  int fd;

  for (size_t k = l->n_lower; k-- > 0;)
    params[n++] = (struct fs_param){ "lowerdir+", host_relative (l->lower[k]) };
  if (l->upper != NULL)
    {
      upper = escaped (tmp ? l->upper : host_relative (l->upper));
      work = escaped (tmp ? l->work : host_relative (l->work));
      params[n++] = (struct fs_param){ "upperdir", upper };
      params[n++] = (struct fs_param){ "workdir", work };
    }
  if (userxattr)
    params[n++] = (struct fs_param){ "userxattr", NULL };
  fd = mount_new_fs ("overlay", params, n, attrs);
  free (params);
  return fd;
}

/* Older kernels: mount(2) with an option string on a fixed directory of
 * the base, then move the mount.  Returns an O_PATH fd of the mount. */
static int
overlay_legacy (struct build *b, const char *options, unsigned long flags)
{
  static const char mnt_dir[] = "/overlay-mount";

  if (!b->overlay_mnt_made)
    {
      if (mkdirat (b->base_fd, mnt_dir + 1, 0700) < 0)
        return -1;
      b->overlay_mnt_made = true;
    }
  if (mount ("overlay", mnt_dir, "overlay", flags, options) < 0)
    return -1;
  return open (mnt_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* --tmp-overlay: upper and work directories in the base tmpfs, which the
 * sandbox cannot see; paths returned are absolute in the base. */
static void
tmp_overlay_dirs (struct build *b, size_t i, char **upper, char **work)
{
  _cleanup_free_ char *top = xasprintf ("tmp-overlay-%zu", i);
  _cleanup_close_ int fd = -1;

  if (mkdirat (b->base_fd, top, 0755) < 0)
    die_with_error ("Can't mkdir /%s", top);
  fd = openat (b->base_fd, top, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || mkdirat (fd, "upper", 0755) < 0 || mkdirat (fd, "work", 0755) < 0)
    die_with_error ("Can't mkdir /%s/upper or work", top);
  *upper = xasprintf ("/%s/upper", top);
  *work = xasprintf ("/%s/work", top);
}

void
setup_op_overlay (struct build *b, size_t i, const struct setup_op *op)
{
  const struct resolved_op *r = setup_resolved (b, i);
  struct overlay_layers l = { (const char **)r->overlay_srcs, op->n_overlay_srcs, NULL, NULL };
  _cleanup_free_ char *tmp_upper = NULL, *tmp_work = NULL, *opts = NULL, *shown = NULL;
  _cleanup_close_ int dest = -1;
  _cleanup_close_ int mnt = -1;
  bool tmp = op->type == OP_TMP_OVERLAY;
  /* Unprivileged overlayfs keeps its metadata in user.* xattrs. */
  bool userxattr = b->run->userns || b->sb->userns_fd >= 0;
  unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  unsigned long flags = MS_NOSUID | MS_NODEV;
  int saved;

  if (l.lower == NULL)
    die ("Internal error: sources of %s were not resolved", op->dest);
  if (op->type == OP_OVERLAY)
    {
      l.upper = r->upper;
      l.work = r->workdir;
    }
  else if (tmp)
    {
      tmp_overlay_dirs (b, i, &tmp_upper, &tmp_work);
      l.upper = tmp_upper;
      l.work = tmp_work;
    }
  else
    {
      attrs |= MOUNT_ATTR_RDONLY;
      flags |= MS_RDONLY;
    }

  dest = setup_open_dest (b, op, op->dest, DEST_DIR, 0755);
  opts = overlay_options (&l, tmp, "", userxattr);
  shown = overlay_options (&l, tmp, "/", userxattr);

  mount_view_base (); /* the base's paths are absolute in `opts` */
  if (fchdir (b->oldroot_fd) < 0)
    die_with_error ("Can't chdir to the host's root");
  mnt = overlay_new_api (&l, tmp, userxattr, attrs);
  if (mnt < 0 && (errno == EINVAL || errno == ENOSYS))
    mnt = overlay_legacy (b, opts, flags);
  saved = errno;
  if (fchdir (b->base_fd) < 0)
    die_with_error ("Can't chdir to the base directory");
  errno = saved;

  if (mnt < 0 || mount_attach (mnt, dest) < 0)
    die_with_error ("Can't make overlay mount on %s with options %s", op->dest, shown);
}
