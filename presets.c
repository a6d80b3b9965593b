/* hutch — presets (--preset NAME) and the host-dependent options their
 * profiles use.
 *
 * A preset is a shipped profile (profiles/NAME.profile, built into the
 * binary: profile.h): --preset safe reads the same file as --profile safe
 * (but only among the shipped ones), where it stands, as if the caller
 * had typed its options, so a later flag adds to or overrides them, and
 * --dry-run shows the result.
 *
 * What a profile cannot say with -try binds and ${VAR:-default} is here,
 * as options that stand for the words they give on this host:
 * --system-links (merged-/usr links), --cwd-bind ro|rw (the current
 * directory, unless showing it shows more than a project directory),
 * --x11-socket (the socket of $DISPLAY) and --seccomp-policy-try.  They
 * look, but never change anything.
 */
#include "config.h"

#include "presets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "profile-files.h"
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

/* --system-links: merged-/usr links as links, else read-only binds. */
static void
system_links (struct words *w)
{
  static const char *const maybe_links[]
      = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };

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

/* Bind a host path at the same place if it exists. */
static void
bind_if_exists (struct words *w, const char *option, const char *path)
{
  if (exists (path))
    add3 (w, option, path, path);
}

/* --cwd-bind MODE: the current directory (ro or rw) when it is a project
 * directory, and the working directory when the sandbox has it (and no
 * --chdir came before). */
static void
cwd_bind (struct words *w, const char *mode, const struct preset_context *ctx)
{
  bool writable = strcmp (mode, "rw") == 0;
  if (!writable && strcmp (mode, "ro") != 0)
    die ("--cwd-bind: \"%s\": ro or rw", mode);

  enum cwd_view view = cwd_view (ctx);
  if (view == CWD_SHOWN)
    add3 (w, writable ? "--bind" : "--ro-bind", ctx->cwd, ctx->cwd);
  if (view != CWD_MISSING && !ctx->chdir_set && (ctx->sb == NULL || !ctx->sb->chdir_path))
    add2 (w, "--chdir", ctx->cwd);
}

/* --x11-socket: the socket of an X11 display ":N" or ":N.S". */
static void
x11_socket (struct words *w)
{
  const char *display = getenv ("DISPLAY");

  if (display != NULL && display[0] == ':')
    {
      char socket[128];
      unsigned number = (unsigned)strtoul (display + 1, NULL, 10);
      snprintf (socket, sizeof socket, "/tmp/.X11-unix/X%u", number);
      bind_if_exists (w, "--ro-bind", socket);
    }
}

char **
preset_host_words (const char *option, const char *arg, const struct preset_context *ctx,
                   size_t *n_words)
{
  struct words w = { 0 };

  if (strcmp (option, "--system-links") == 0)
    system_links (&w);
  else if (strcmp (option, "--cwd-bind") == 0)
    cwd_bind (&w, arg, ctx);
  else if (strcmp (option, "--x11-socket") == 0)
    x11_socket (&w);
  else if (strcmp (option, "--seccomp-policy-try") == 0 && hutch_seccomp_available ())
    add2 (&w, "--seccomp-policy", arg);
  if (w.v == NULL)
    w.v = xcalloc (1, sizeof *w.v);
  *n_words = w.n;
  return w.v;
}

static const char *const preset_names[] = { "safe", "build", "desktop", "desktop-dbus", "net" };

void
preset_check_name (const char *name)
{
  char valid[256] = "";

  for (size_t i = 0; i < N_ELEMENTS (preset_names); i++)
    if (strcmp (preset_names[i], name) == 0)
      return;
  for (size_t i = 0; i < N_ELEMENTS (preset_names); i++)
    {
      if (i > 0)
        strncat (valid, ", ", sizeof valid - strlen (valid) - 1);
      strncat (valid, preset_names[i], sizeof valid - strlen (valid) - 1);
    }
  die ("--preset: unknown preset \"%s\" (valid: %s, list)", name, valid);
}

/* The words of the shipped profile NAME as the parser would read them
 * here: includes of presets and the host-dependent options expanded. */
static void
print_expansion (FILE *out, const char *name, struct preset_context *ctx, int depth)
{
  struct loaded_profile p;

  if (depth > PROFILE_MAX_DEPTH)
    die ("--preset list: %s: includes nested more than %d deep", name, PROFILE_MAX_DEPTH);
  profile_load_builtin (name, &p);
  for (size_t i = 0; i < p.n_words;)
    {
      const struct option_def *opt = options_lookup (p.words[i]);
      const char *arg = opt->n_args > 0 ? p.words[i + 1] : NULL;
      if (strcmp (opt->name, "--preset") == 0)
        print_expansion (out, arg, ctx, depth + 1);
      else if (opt->handler == options_lookup ("--system-links")->handler)
        {
          size_t n;
          char **words = preset_host_words (opt->name, arg, ctx, &n);
          for (size_t k = 0; k < n; k++)
            {
              ctx->chdir_set |= strcmp (words[k], "--chdir") == 0;
              fprintf (out, " %s", words[k]);
              free (words[k]);
            }
          free (words);
        }
      else
        for (int k = 0; k <= opt->n_args; k++)
          fprintf (out, " %s", p.words[i + (size_t)k]);
      i += 1 + (size_t)opt->n_args;
    }
  profile_loaded_free (&p);
}

void
preset_print_list (FILE *out, const struct preset_context *ctx)
{
  for (size_t i = 0; i < N_ELEMENTS (preset_names); i++)
    {
      const char *name = preset_names[i];
      const char *text = builtin_profile_find (name)->text;
      size_t skip = strlen (name) + 4; /* "# NAME: " */
      const char *summary = "";
      if (strncmp (text, "# ", 2) == 0 && strncmp (text + 2, name, strlen (name)) == 0
          && strncmp (text + skip - 2, ": ", 2) == 0)
        summary = text + skip;
      fprintf (out, "%s: %.*s\n   ", name, (int)strcspn (summary, "\n"), summary);
      struct preset_context here = *ctx;
      here.chdir_set = false;
      print_expansion (out, name, &here, 1);
      fprintf (out, "\n");
    }
}
