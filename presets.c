/* hutch — presets: named sets of ordinary options (--preset NAME).
 *
 * A preset is data: a list of steps in the table below, each of which adds
 * ordinary command-line words ("--ro-bind-try /usr /usr", "--tmpfs /tmp",
 * ...).  The parser reads those words at the position of --preset exactly
 * as if the caller had typed them, so a later flag adds to or overrides
 * them, and --dry-run shows the result.  Some steps depend on the host
 * (merged /usr, the caller's $HOME and cwd, display sockets); they look,
 * but never change anything.
 */
#include "config.h"

#include "presets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbus-proxy.h"
#include "syscall-filter.h"
#include "utils.h"

struct words
{
  char **v;
  size_t n, cap;
};

static void
add (struct words *w, const char *word)
{
  w->v = xgrow (w->v, &w->cap, w->n + 1, sizeof *w->v);
  w->v[w->n++] = xstrdup (word);
  w->v[w->n] = NULL;
}

static void
add2 (struct words *w, const char *a, const char *b)
{
  add (w, a);
  add (w, b);
}

static void
add3 (struct words *w, const char *a, const char *b, const char *c)
{
  add (w, a);
  add (w, b);
  add (w, c);
}

static bool
exists (const char *path)
{
  struct stat st;
  return path != NULL && lstat (path, &st) == 0;
}

/* An absolute path other than "/" (a HOME or cwd worth handling). */
static bool
usable_dir (const char *path)
{
  return path != NULL && path[0] == '/' && path[1] != '\0';
}

/* The system directories, read-only; merged-/usr links as links. */
static void
step_system (struct words *w, const struct preset_context *ctx)
{
  static const char *const dirs[] = { "/usr", "/etc", "/opt" };
  static const char *const maybe_links[]
      = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };

  for (size_t i = 0; i < N_ELEMENTS (dirs); i++)
    add3 (w, "--ro-bind-try", dirs[i], dirs[i]);
  for (size_t i = 0; i < N_ELEMENTS (maybe_links); i++)
    {
      char target[4096];
      ssize_t n = readlink (maybe_links[i], target, sizeof target - 1);
      if (n > 0)
        {
          target[n] = '\0';
          add3 (w, "--symlink", target, maybe_links[i]);
        }
      else if (exists (maybe_links[i]))
        add3 (w, "--ro-bind", maybe_links[i], maybe_links[i]);
    }
}

/* Fresh /dev, /proc and scratch directories. */
static void
step_scratch (struct words *w, const struct preset_context *ctx)
{
  add2 (w, "--dev", "/dev");
  add2 (w, "--proc", "/proc");
  add2 (w, "--tmpfs", "/tmp");
  add2 (w, "--tmpfs", "/var/tmp");
  add2 (w, "--tmpfs", "/run");
}

/* Is `dir` the same as `path` or above it? */
static bool
contains (const char *dir, const char *path)
{
  size_t n = strlen (dir);
  if (n > 1 && dir[n - 1] == '/')
    n--; /* "/a/" holds "/a/b" too */
  return dir[0] != '\0' && path != NULL && strncmp (dir, path, n) == 0
         && (path[n] == '\0' || path[n] == '/');
}

/* contains(), for `place` as given and with its symbolic links resolved
 * (getcwd() gives the cwd resolved; $HOME may go through a link). */
static bool
at_or_below (const char *place, const char *path)
{
  if (!usable_dir (place) || path == NULL)
    return false;
  if (contains (place, path))
    return true;
  char *real = realpath (place, NULL);
  bool found = real != NULL && contains (real, path);
  free (real);
  return found;
}

/* How `path` (resolved) stands to `place`. */
enum above
{
  NOT_ABOVE,
  ABOVE,         /* at or above `place` as given */
  ABOVE_RESOLVED /* only at or above `place` with its links resolved */
};

static enum above
at_or_above (const char *path, const char *place)
{
  if (!usable_dir (place) || path == NULL)
    return NOT_ABOVE;
  if (contains (path, place))
    return ABOVE;
  char *real = realpath (place, NULL);
  bool found = real != NULL && contains (path, real);
  free (real);
  return found ? ABOVE_RESOLVED : NOT_ABOVE;
}

/* What the current directory is in the sandbox. */
enum cwd_view
{
  CWD_SHOWN,   /* bound at the same path */
  CWD_THERE,   /* not shown, but a directory the preset makes (HOME's
                * parents, the fresh /tmp ...): the command starts there */
  CWD_MISSING, /* not shown and maybe not there: hutch's own fallback */
};

/* The current directory is shown unless that would show more of the host
 * than a project directory: the whole of HOME, the host's version of a
 * directory the preset makes fresh, or the host's kernel interfaces and
 * desktop sockets (which the desktop presets hand out one by one). */
static enum cwd_view
cwd_view (const struct preset_context *ctx)
{
  static const char *const fresh[] = { "/dev", "/proc", "/tmp", "/var/tmp", "/run" };
  static const char *const never_inside[] = { "/dev", "/proc", "/run", "/tmp/.X11-unix" };
  const char *cwd = ctx->cwd;
  const char *runtime = getenv ("XDG_RUNTIME_DIR");

  if (!usable_dir (cwd))
    return cwd != NULL && strcmp (cwd, "/") == 0 ? CWD_THERE : CWD_MISSING;
  for (size_t i = 0; i < N_ELEMENTS (never_inside); i++)
    if (at_or_below (never_inside[i], cwd))
      return CWD_MISSING;
  if (at_or_below (runtime, cwd))
    return CWD_MISSING;
  /* At or above HOME or a fresh directory: the sandbox has the path only
   * if the preset's own mount is at the same path (not through a link). */
  enum above home = at_or_above (cwd, ctx->home);
  if (home != NOT_ABOVE)
    return home == ABOVE ? CWD_THERE : CWD_MISSING;
  for (size_t i = 0; i < N_ELEMENTS (fresh); i++)
    {
      enum above a = at_or_above (cwd, fresh[i]);
      if (a != NOT_ABOVE)
        return a == ABOVE ? CWD_THERE : CWD_MISSING;
    }
  if (at_or_above (cwd, runtime) != NOT_ABOVE)
    return CWD_MISSING;
  return CWD_SHOWN;
}

/* An empty HOME at the same path; the current directory read-only, and
 * the working directory when the sandbox has it. */
static void
step_home_and_cwd (struct words *w, const struct preset_context *ctx)
{
  enum cwd_view view = cwd_view (ctx);

  if (usable_dir (ctx->home))
    add2 (w, "--tmpfs", ctx->home);
  if (view == CWD_SHOWN)
    add3 (w, "--ro-bind", ctx->cwd, ctx->cwd);
  if (view != CWD_MISSING && !ctx->sb->chdir_path)
    add2 (w, "--chdir", ctx->cwd);
}

/* Every namespace, a new session, death with the parent, seccomp. */
static void
step_isolation (struct words *w, const struct preset_context *ctx)
{
  add (w, "--unshare-all");
  if (ctx->sb->share_net)
    add (w, "--share-net"); /* asked for before an implicit preset */
  add (w, "--new-session");
  add (w, "--die-with-parent");
  if (ctx->sb->hostname == NULL)
    add2 (w, "--hostname", "hutch");
  if (hutch_seccomp_available ())
    add2 (w, "--seccomp-policy", "default");
}

static void
step_cwd_writable (struct words *w, const struct preset_context *ctx)
{
  if (cwd_view (ctx) == CWD_SHOWN)
    add3 (w, "--bind", ctx->cwd, ctx->cwd);
}

static void
step_share_net (struct words *w, const struct preset_context *ctx)
{
  add (w, "--share-net");
}

/* Bind a host path at the same place if it exists. */
static void
bind_if_exists (struct words *w, const char *option, const char *path)
{
  if (exists (path))
    add3 (w, option, path, path);
}

/* The display and sound of the caller, the GPU, fonts. */
static void
step_desktop (struct words *w, const struct preset_context *ctx)
{
  const char *display = getenv ("DISPLAY");
  const char *runtime = getenv ("XDG_RUNTIME_DIR");
  const char *wayland = getenv ("WAYLAND_DISPLAY");

  if (display != NULL && display[0] == ':')
    {
      char socket[128];
      unsigned number = (unsigned)strtoul (display + 1, NULL, 10);
      snprintf (socket, sizeof socket, "/tmp/.X11-unix/X%u", number);
      bind_if_exists (w, "--ro-bind", socket);
    }
  bind_if_exists (w, "--ro-bind", getenv ("XAUTHORITY"));
  if (usable_dir (runtime))
    {
      char path[4096];
      if (wayland != NULL && wayland[0] != '\0' && strchr (wayland, '/') == NULL)
        {
          snprintf (path, sizeof path, "%s/%s", runtime, wayland);
          bind_if_exists (w, "--ro-bind", path);
        }
      snprintf (path, sizeof path, "%s/pipewire-0", runtime);
      bind_if_exists (w, "--ro-bind", path);
      snprintf (path, sizeof path, "%s/pulse/native", runtime);
      bind_if_exists (w, "--ro-bind", path);
    }
  bind_if_exists (w, "--dev-bind", "/dev/dri");
  if (usable_dir (ctx->home))
    {
      static const char *const font_dirs[]
          = { ".fonts", ".local/share/fonts", ".cache/fontconfig", ".icons" };
      for (size_t i = 0; i < N_ELEMENTS (font_dirs); i++)
        {
          char path[4096];
          snprintf (path, sizeof path, "%s/%s", ctx->home, font_dirs[i]);
          bind_if_exists (w, "--ro-bind", path);
        }
    }
  add (w, "--share-net");
}

/* The session bus: a trust decision the caller makes by naming it. */
static void
step_dbus (struct words *w, const struct preset_context *ctx)
{
  const char *runtime = getenv ("XDG_RUNTIME_DIR");
  if (usable_dir (runtime))
    {
      char path[4096];
      snprintf (path, sizeof path, "%s/bus", runtime);
      bind_if_exists (w, "--ro-bind", path);
    }
}

/* The portals, through a filtered bus (dbus-proxy.c), and no other name;
 * desktop-dbus hands over the whole bus instead. */
static void
step_portals (struct words *w, const struct preset_context *ctx UNUSED)
{
  if (dbus_proxy_session_bus_present ())
    add2 (w, "--dbus-talk", "org.freedesktop.portal.*");
}

typedef void (*preset_step) (struct words *w, const struct preset_context *ctx);

struct preset
{
  const char *name;
  const char *summary;
  preset_step steps[8]; /* NULL-terminated */
};

#define SAFE_STEPS step_isolation, step_system, step_scratch, step_home_and_cwd

static const struct preset presets[] = {
  { "safe",
    "every namespace (no network), system directories read-only, fresh /dev /proc /tmp "
    "/var/tmp /run, empty HOME, cwd read-only, new session, default seccomp policy",
    { SAFE_STEPS, NULL } },
  { "build",
    "safe, plus the current directory read-write",
    { SAFE_STEPS, step_cwd_writable, NULL } },
  { "desktop",
    "safe, plus the caller's display and sound sockets, /dev/dri, fonts, the network, and "
    "the portals on a filtered session bus",
    { SAFE_STEPS, step_desktop, step_portals, NULL } },
  { "desktop-dbus",
    "desktop, plus the D-Bus session bus (a trust decision)",
    { SAFE_STEPS, step_desktop, step_dbus, NULL } },
  { "net", "the host's network again (as --share-net)", { step_share_net, NULL } },
};

static const struct preset *
find_preset (const char *name)
{
  for (size_t i = 0; i < N_ELEMENTS (presets); i++)
    if (strcmp (presets[i].name, name) == 0)
      return &presets[i];
  return NULL;
}

static void
expand (const struct preset *p, const struct preset_context *ctx, struct words *w)
{
  for (size_t i = 0; i < N_ELEMENTS (p->steps) && p->steps[i] != NULL; i++)
    p->steps[i](w, ctx);
}

char **
preset_words (const char *name, const struct preset_context *ctx, size_t *n_words)
{
  const struct preset *p = find_preset (name);
  struct words w = { 0 };

  if (p == NULL)
    {
      char valid[256] = "";
      for (size_t i = 0; i < N_ELEMENTS (presets); i++)
        {
          if (i > 0)
            strncat (valid, ", ", sizeof valid - strlen (valid) - 1);
          strncat (valid, presets[i].name, sizeof valid - strlen (valid) - 1);
        }
      die ("--preset: unknown preset \"%s\" (valid: %s, list)", name, valid);
    }
  expand (p, ctx, &w);
  if (w.v == NULL)
    w.v = xcalloc (1, sizeof *w.v);
  *n_words = w.n;
  return w.v;
}

void
preset_print_list (FILE *out, const struct preset_context *ctx)
{
  for (size_t i = 0; i < N_ELEMENTS (presets); i++)
    {
      struct words w = { 0 };
      fprintf (out, "%s: %s\n   ", presets[i].name, presets[i].summary);
      expand (&presets[i], ctx, &w);
      for (size_t k = 0; k < w.n; k++)
        {
          fprintf (out, " %s", w.v[k]);
          free (w.v[k]);
        }
      free (w.v);
      fprintf (out, "\n");
    }
}
