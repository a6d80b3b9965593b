/* hutch — profile files: lookup, reading, checks, and the meaning of
 * their lines.
 *
 * A NAME is looked for as NAME.profile in $XDG_CONFIG_HOME/hutch/profiles
 * (~/.config by default), then $(sysconfdir)/hutch/profiles, then
 * $(datadir)/hutch/profiles, then among the shipped profiles built into
 * the binary (the same text make install puts in datadir), so that a
 * hutch that was never installed (or a bwrap link) has them too.  A
 * PATH is read as is.  Files are read as the caller: in the setuid mode
 * privilege_init() has taken the caller's ids before the options are
 * read, and no environment variable adds a directory to look in.
 *
 * A profile anyone but its owner (and root) could change is refused: a
 * file writable by its group or by others, or in a directory that is
 * (unless sticky, as /tmp, where others cannot replace it).
 */
#include "config.h"

#include "profile-files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "utils.h"

#ifndef HUTCH_SYSCONF_PROFILES
#define HUTCH_SYSCONF_PROFILES "/etc/hutch/profiles"
#endif
#ifndef HUTCH_DATA_PROFILES
#define HUTCH_DATA_PROFILES "/usr/share/hutch/profiles"
#endif

/* ------------------------------------------------------------------------ */
/* Variables: the environment, and a few hutch knows when it lacks them.    */

struct vars
{
  char uid[16], gid[16];
  char cwd[4096];
};

static const char *
home_dir (void)
{
  const char *home = getenv ("HOME");
  if (home != NULL)
    return home;
  struct passwd *pw = getpwuid (getuid ());
  return pw != NULL ? pw->pw_dir : NULL;
}

static const char *
lookup_var (const char *name, void *data)
{
  struct vars *v = data;

  /* The real current directory (an inherited $PWD may be stale). */
  if (strcmp (name, "PWD") == 0 && getcwd (v->cwd, sizeof v->cwd) != NULL)
    return v->cwd;
  const char *value = getenv (name);
  if (value != NULL)
    return value;
  if (strcmp (name, "HOME") == 0)
    return home_dir ();
  if (strcmp (name, "UID") == 0)
    {
      snprintf (v->uid, sizeof v->uid, "%u", (unsigned)getuid ());
      return v->uid;
    }
  if (strcmp (name, "GID") == 0)
    {
      snprintf (v->gid, sizeof v->gid, "%u", (unsigned)getgid ());
      return v->gid;
    }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Lookup                                                                    */

static bool
valid_name (const char *name)
{
  size_t n = strlen (name);
  if (n == 0 || n > 64 || name[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z')
          || (name[i] >= '0' && name[i] <= '9') || strchr ("._+-", name[i]) != NULL))
      return false;
  return true;
}

/* The directories looked in, in order (NULL entries skipped); the first
 * is allocated. */
static void
search_dirs (const char *dirs[3])
{
  const char *config = getenv ("XDG_CONFIG_HOME");
  const char *home = home_dir ();

  if (config != NULL && config[0] == '/')
    dirs[0] = xasprintf ("%s/hutch/profiles", config);
  else if (home != NULL && home[0] == '/')
    dirs[0] = xasprintf ("%s/.config/hutch/profiles", home);
  else
    dirs[0] = NULL;
  dirs[1] = HUTCH_SYSCONF_PROFILES;
  dirs[2] = HUTCH_DATA_PROFILES;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */

static bool
writable_by_others (const struct stat *st)
{
  return (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

/* Refuse a profile others could change (see the top of the file). */
static void
check_owner_only (const char *path, const struct stat *st)
{
  if (!S_ISREG (st->st_mode))
    die ("--profile %s: not a regular file", path);
  if (writable_by_others (st))
    die ("--profile %s: writable by others (mode %04o): refused (chmod go-w %s)", path,
         (unsigned)(st->st_mode & 07777), path);

  char *dir = xstrdup (path);
  char *slash = strrchr (dir, '/');
  if (slash == dir)
    slash[1] = '\0';
  else if (slash != NULL)
    *slash = '\0';
  else
    strcpy (dir, ".");
  struct stat ds;
  if (stat (dir, &ds) < 0)
    die_with_error ("--profile %s: can't look at its directory %s", path, dir);
  if (writable_by_others (&ds) && !(ds.st_mode & S_ISVTX))
    die ("--profile %s: its directory %s is writable by others (mode %04o): refused "
         "(chmod go-w %s)",
         path, dir, (unsigned)(ds.st_mode & 07777), dir);
  free (dir);
}

/* The text of the file at path, checked; NULL when it does not exist and
 * `may_be_missing`. */
static char *
read_profile_file (const char *path, bool may_be_missing, struct stat *st)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && may_be_missing && (errno == ENOENT || errno == ENOTDIR))
    return NULL;
  if (fd < 0)
    die_with_error ("--profile %s: can't open it", path);
  if (fstat (fd, st) < 0)
    die_with_error ("--profile %s: can't look at it", path);
  check_owner_only (path, st);

  char *text;
  size_t len;
  int r = read_all_max (fd, PROFILE_MAX_BYTES, &text, &len);
  (void)close (fd);
  if (r == -EFBIG)
    die ("--profile %s: longer than %zu bytes", path, PROFILE_MAX_BYTES);
  if (r < 0)
    die_with_errno (-r, "--profile %s: can't read it", path);
  const char *nul = memchr (text, '\0', len);
  if (nul != NULL)
    {
      unsigned line = 1;
      for (const char *p = text; p < nul; p++)
        line += *p == '\n';
      die ("--profile %s:%u: a NUL byte: not a profile", path, line);
    }
  return text;
}

/* ------------------------------------------------------------------------ */
/* What the lines mean                                                       */

/* Each line: an option of the table and exactly its arguments, or "--"
 * and the command (the last words of the profile). */
static void
check_lines (const char *where, const struct profile_words *w, struct loaded_profile *out)
{
  size_t i = 0;

  out->words = xcalloc (w->n + 1, sizeof *out->words);
  out->lines = xcalloc (w->n + 1, sizeof *out->lines);
  while (i < w->n)
    {
      const struct profile_word *word = &w->v[i];
      if (strcmp (word->text, "--") == 0)
        {
          size_t k = i + 1;
          while (k < w->n && !w->v[k].first)
            k++;
          if (k == i + 1)
            die ("%s:%u: \"--\": a command must follow it on its line", where, word->line);
          if (k < w->n)
            die ("%s:%u: \"%s\": nothing may follow the command (line %u)", where, w->v[k].line,
                 w->v[k].text, word->line);
          out->n_command = k - i - 1;
          out->command = xcalloc (out->n_command + 1, sizeof *out->command);
          for (size_t j = 0; j < out->n_command; j++)
            out->command[j] = xstrdup (w->v[i + 1 + j].text);
          return;
        }
      const struct option_def *opt = options_lookup (word->text);
      if (opt == NULL)
        die ("%s:%u: \"%s\": not an option (a line is an option and its arguments)", where,
             word->line, word->text);
      if (strcmp (opt->name, "--args") == 0)
        die ("%s:%u: \"%s\": not in a profile", where, word->line, word->text);
      size_t k = i + 1;
      while (k < w->n && !w->v[k].first)
        k++;
      if (k - i - 1 != (size_t)opt->n_args)
        die ("%s:%u: \"%s\" takes %d argument%s on its line, not %zu", where, word->line,
             word->text, opt->n_args, opt->n_args == 1 ? "" : "s", k - i - 1);
      if (opt->n_args == 1 && strcmp (w->v[i + 1].text, "list") == 0
          && (strcmp (opt->name, "--profile") == 0 || strcmp (opt->name, "--preset") == 0))
        die ("%s:%u: \"%s list\": not in a profile", where, word->line, word->text);
      for (; i < k; i++)
        {
          out->lines[out->n_words] = w->v[i].line;
          out->words[out->n_words++] = xstrdup (w->v[i].text);
        }
    }
}

static void
load_text (const char *where, const char *text, struct loaded_profile *out)
{
  struct vars vars;
  struct profile_words w;
  struct profile_error err;

  if (profile_split (text, strlen (text), lookup_var, &vars, &w, &err) < 0)
    die ("%s:%u: %s", where, err.line, err.message);
  check_lines (where, &w, out);
  profile_words_free (&w);
}

void
profile_load_builtin (const char *name, struct loaded_profile *out)
{
  const struct builtin_profile *b = builtin_profile_find (name);

  *out = (struct loaded_profile){ 0 };
  if (b == NULL)
    die ("--profile: no shipped profile \"%s\"", name);
  out->where = xasprintf ("builtin:%s.profile", name);
  load_text (out->where, b->text, out);
}

static void
load_file (const char *path, char *text, const struct stat *st, struct loaded_profile *out)
{
  out->where = xstrdup (path);
  out->dev = st->st_dev;
  out->ino = st->st_ino;
  out->dir = xstrdup (path);
  char *slash = strrchr (out->dir, '/');
  if (slash != NULL)
    slash[slash == out->dir ? 1 : 0] = '\0';
  else
    strcpy (out->dir, ".");
  load_text (out->where, text, out);
  free (text);
}

void
profile_load (const char *name, const char *dir, struct loaded_profile *out)
{
  struct stat st;
  char *text;

  *out = (struct loaded_profile){ 0 };
  if (strchr (name, '/') != NULL)
    {
      const char *rel = name;
      while (dir != NULL && rel[0] == '.' && rel[1] == '/')
        rel += 2; /* "dir/x", not "dir/./x" */
      char *path = name[0] != '/' && dir != NULL
                       ? xasprintf ("%s%s%s", dir, strcmp (dir, "/") == 0 ? "" : "/", rel)
                       : xstrdup (name);
      text = read_profile_file (path, false, &st);
      load_file (path, text, &st, out);
      free (path);
      return;
    }
  if (!valid_name (name))
    die ("--profile \"%s\": not a profile name (letters, digits, \".\", \"_\", \"+\", \"-\") "
         "nor a path (with a \"/\")",
         name);

  const char *dirs[3];
  search_dirs (dirs);
  for (size_t i = 0; i < 3; i++)
    {
      if (dirs[i] == NULL)
        continue;
      char *path = xasprintf ("%s/%s.profile", dirs[i], name);
      text = read_profile_file (path, true, &st);
      if (text != NULL)
        load_file (path, text, &st, out);
      free (path);
      if (text != NULL)
        break;
    }
  free ((char *)dirs[0]);
  if (out->where != NULL)
    return;
  if (builtin_profile_find (name) == NULL)
    die ("--profile %s: no %s.profile in ~/.config/hutch/profiles, %s or %s, nor shipped "
         "(--profile list shows them)",
         name, name, HUTCH_SYSCONF_PROFILES, HUTCH_DATA_PROFILES);
  profile_load_builtin (name, out);
}

bool
profile_same (const struct loaded_profile *a, const struct loaded_profile *b)
{
  if (a->dir == NULL || b->dir == NULL)
    return a->dir == b->dir && strcmp (a->where, b->where) == 0;
  return a->dev == b->dev && a->ino == b->ino;
}

void
profile_loaded_free (struct loaded_profile *p)
{
  free (p->where);
  free (p->dir);
  for (size_t i = 0; i < p->n_words; i++)
    free (p->words[i]);
  free (p->words);
  free (p->lines);
  for (size_t i = 0; i < p->n_command; i++)
    free (p->command[i]);
  free (p->command);
  *p = (struct loaded_profile){ 0 };
}

/* ------------------------------------------------------------------------ */
/* --profile list                                                            */

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* NAME.profile files of one directory, sorted, printed as "NAME\tPATH". */
static void
list_dir (FILE *out, const char *dir)
{
  DIR *d = opendir (dir);
  char **names = NULL;
  size_t n = 0, cap = 0;

  if (d == NULL)
    return;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    {
      size_t len = strlen (e->d_name);
      if (len <= 8 || strcmp (e->d_name + len - 8, ".profile") != 0)
        continue;
      names = xgrow (names, &cap, n, sizeof *names);
      names[n++] = xasprintf ("%.*s", (int)(len - 8), e->d_name);
    }
  closedir (d);
  if (n > 0)
    qsort (names, n, sizeof *names, compare_strings);
  for (size_t i = 0; i < n; i++)
    {
      if (valid_name (names[i]))
        fprintf (out, "%s\t%s/%s.profile\n", names[i], dir, names[i]);
      free (names[i]);
    }
  free (names);
}

void
profile_print_list (FILE *out)
{
  const char *dirs[3];

  search_dirs (dirs);
  for (size_t i = 0; i < 3; i++)
    if (dirs[i] != NULL)
      list_dir (out, dirs[i]);
  free ((char *)dirs[0]);
  for (size_t i = 0; i < builtin_profiles_len; i++)
    fprintf (out, "%s\tbuiltin:%s.profile\n", builtin_profiles[i].name, builtin_profiles[i].name);
  fflush (out);
}
