/* hutch — subordinate uid/gid ranges through newuidmap/newgidmap.
 *
 * --map-subids maps the caller's own id to 0 inside (or to --uid/--gid)
 * and the caller's first subordinate range from /etc/subuid (/etc/subgid)
 * to the other ids from 0 up, around it.  --uid-map/--gid-map give the
 * lines explicitly.  Either way the lines go to the setuid helpers, which
 * decide whether the caller is allowed them: hutch writes no such map
 * itself, with or without privilege.
 *
 * The one-id maps (the caller's own uid and gid, nothing else) hutch
 * writes itself, here only: idmap_write_one_id().
 */
#include "config.h"

#include "idmap.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "utils.h"

#define MAX_MAP_LINES 340 /* the kernel's limit on lines in a map */

static int
write_proc_file (int proc_fd, pid_t pid, const char *name, const char *content)
{
  char path[64];
  if (pid == 0)
    snprintf (path, sizeof path, "self/%s", name);
  else
    snprintf (path, sizeof path, "%d/%s", (int)pid, name);
  return write_file_at (proc_fd, path, content);
}

static int
write_one_id_map (int proc_fd, pid_t pid, const char *name, unsigned inside, unsigned outside)
{
  char map[64];
  snprintf (map, sizeof map, "%u %u 1\n", inside, outside);
  return write_proc_file (proc_fd, pid, name, map);
}

int
idmap_write_one_id (int proc_fd, pid_t pid, bool deny_setgroups, const struct one_id_map *map,
                    enum idmap_file *failed)
{
  int r = 0;

  *failed = IDMAP_SETGROUPS;
  if (deny_setgroups)
    {
      r = write_proc_file (proc_fd, pid, "setgroups", "deny\n");
      /* Kernels before 3.19 have no setgroups file. */
      if (r < 0 && r != -ENOENT)
        return r;
    }
  *failed = IDMAP_UID_MAP;
  if (map->uid
      && (r = write_one_id_map (proc_fd, pid, "uid_map", map->uid_inside, map->uid_outside)) < 0)
    return r;
  *failed = IDMAP_GID_MAP;
  if (map->gid
      && (r = write_one_id_map (proc_fd, pid, "gid_map", map->gid_inside, map->gid_outside)) < 0)
    return r;
  return 0;
}

void
idmap_parse_entry (const char *option, const char *text, struct id_map_entry *out)
{
  char copy[96];
  char *fields[3];
  uint32_t v[3];

  if (strlen (text) >= sizeof copy)
    die ("%s: invalid map \"%.40s...\": expected INSIDE:OUTSIDE:COUNT", option, text);
  strcpy (copy, text);
  fields[0] = copy;
  fields[1] = strchr (fields[0], ':');
  fields[2] = fields[1] ? strchr (fields[1] + 1, ':') : NULL;
  if (fields[1] == NULL || fields[2] == NULL)
    die ("%s: invalid map \"%s\": expected INSIDE:OUTSIDE:COUNT", option, text);
  *fields[1]++ = '\0';
  *fields[2]++ = '\0';
  for (int i = 0; i < 3; i++)
    if (parse_uint32 (fields[i], &v[i]) < 0)
      die ("%s: invalid map \"%s\": expected INSIDE:OUTSIDE:COUNT", option, text);
  if (v[2] == 0 || (uint64_t)v[0] + v[2] > UINT32_MAX || (uint64_t)v[1] + v[2] > UINT32_MAX)
    die ("%s: invalid map \"%s\": the count must be at least 1 and the ranges fit in 32 bits",
         option, text);
  out->inside = v[0];
  out->outside = v[1];
  out->count = v[2];
}

bool
idmap_uses_helpers (const struct sandbox *sb)
{
  return sb->map_subids || sb->n_uid_maps > 0 || sb->n_gid_maps > 0;
}

/* The first range of `name` (or its numeric id) in /etc/subuid-style file. */
static bool
find_subid_range (const char *path, const char *name, unsigned long id, uint32_t *start,
                  uint32_t *count)
{
  FILE *f = fopen (path, "re");
  char line[512];
  char idstr[32];
  bool found = false;

  if (f == NULL)
    return false;
  snprintf (idstr, sizeof idstr, "%lu", id);
  while (!found && fgets (line, sizeof line, f) != NULL)
    {
      char *owner = line, *s, *c;
      uint32_t a, b;
      line[strcspn (line, "\n")] = '\0';
      s = strchr (owner, ':');
      c = s ? strchr (s + 1, ':') : NULL;
      if (s == NULL || c == NULL)
        continue;
      *s++ = '\0';
      *c++ = '\0';
      if (strcmp (owner, idstr) != 0 && (name == NULL || strcmp (owner, name) != 0))
        continue;
      if (parse_uint32 (s, &a) == 0 && parse_uint32 (c, &b) == 0 && b > 0)
        {
          *start = a;
          *count = b;
          found = true;
        }
    }
  fclose (f);
  return found;
}

/* The caller's own id at `self` inside, the range filling 0.. around it. */
static size_t
subid_map (struct id_map_entry *out, uint32_t self, uint32_t real, uint32_t start, uint32_t count)
{
  size_t n = 0;
  out[n++] = (struct id_map_entry){ self, real, 1 };
  if (self == 0)
    out[n++] = (struct id_map_entry){ 1, start, count };
  else if (self >= count)
    out[n++] = (struct id_map_entry){ 0, start, count };
  else
    {
      out[n++] = (struct id_map_entry){ 0, start, self };
      out[n++] = (struct id_map_entry){ self + 1, start + self, count - self };
    }
  return n;
}

static char *
find_helper (const char *name)
{
  const char *path = getenv ("PATH");
  char *dirs = xasprintf ("%s:/usr/bin:/usr/sbin:/bin:/sbin", path ? path : "");
  char *result = NULL;
  for (char *dir = strtok (dirs, ":"); dir != NULL && result == NULL; dir = strtok (NULL, ":"))
    {
      if (*dir != '/')
        continue;
      char *candidate = xasprintf ("%s/%s", dir, name);
      if (access (candidate, X_OK) == 0)
        result = candidate;
      else
        free (candidate);
    }
  free (dirs);
  return result;
}

static void
prepare_side (const struct sandbox *sb, const char *kind, const char *file,
              const struct id_map_entry *given, size_t n_given, uint32_t self, uint32_t real,
              struct id_map_entry **map, size_t *n_map)
{
  const char *helper = kind[0] == 'u' ? "newuidmap" : "newgidmap";
  char *path;

  if (n_given == 0 && !sb->map_subids)
    return;
  path = find_helper (helper);
  if (path == NULL)
    die ("%s: %s not found; install the \"uidmap\" package",
         sb->map_subids ? "--map-subids" : (kind[0] == 'u' ? "--uid-map" : "--gid-map"), helper);
  free (path);

  *map = xcalloc (n_given > 3 ? n_given : 3, sizeof **map);
  if (n_given > 0)
    {
      if (n_given > MAX_MAP_LINES)
        die ("--%s-map: at most %d lines", kind, MAX_MAP_LINES);
      memcpy (*map, given, n_given * sizeof *given);
      *n_map = n_given;
      return;
    }

  struct passwd *pw = getpwuid (getuid ());
  uint32_t start, count;
  if (!find_subid_range (file, pw ? pw->pw_name : NULL, real, &start, &count))
    die ("--map-subids: no subordinate %s range for %s (%s %lu) in %s; "
         "add one with usermod --add-sub%ss",
         kind, pw ? pw->pw_name : "this user", kind, (unsigned long)real, file, kind);
  *n_map = subid_map (*map, self, real, start, count);
}

/* The inside id the caller's own id has under `map` (65534 if none). */
static uint32_t
inside_id_of (const struct id_map_entry *map, size_t n, uint32_t real)
{
  for (size_t i = 0; i < n; i++)
    if (real >= map[i].outside && real - map[i].outside < map[i].count)
      return map[i].inside + (real - map[i].outside);
  return 65534;
}

void
idmap_prepare (const struct sandbox *sb, struct run *run)
{
  if (!idmap_uses_helpers (sb))
    return;
  if (!run->userns)
    die ("%s needs a new user namespace (--unshare-user)",
         sb->map_subids ? "--map-subids" : (sb->n_uid_maps ? "--uid-map" : "--gid-map"));

  uint32_t uid_self = sb->uid_set ? sb->uid : 0;
  uint32_t gid_self = sb->gid_set ? sb->gid : 0;
  prepare_side (sb, "uid", "/etc/subuid", sb->uid_maps, sb->n_uid_maps, uid_self, run->real_uid,
                &run->uid_map, &run->n_uid_map);
  prepare_side (sb, "gid", "/etc/subgid", sb->gid_maps, sb->n_gid_maps, gid_self, run->real_gid,
                &run->gid_map, &run->n_gid_map);

  /* The child's ids once the maps are written, and where it must go. */
  if (run->n_uid_map > 0)
    run->ns_uid = inside_id_of (run->uid_map, run->n_uid_map, run->real_uid);
  if (run->n_gid_map > 0)
    run->ns_gid = inside_id_of (run->gid_map, run->n_gid_map, run->real_gid);
  /* --uid/--gid if given; else 0 with --map-subids, else as mapped. */
  uid_t want_uid = sb->uid_set ? sb->uid : sb->map_subids ? uid_self : run->ns_uid;
  gid_t want_gid = sb->gid_set ? sb->gid : sb->map_subids ? gid_self : run->ns_gid;
  run->switch_uid = want_uid;
  run->switch_gid = want_gid;
  if (run->n_uid_map > 0 && run->n_gid_map > 0)
    {
      /* Root is mapped: no nested namespace is needed for devpts; ids
       * change with setresuid inside. */
      run->nested_userns = sb->disable_userns;
      run->switch_ids = run->ns_uid != want_uid || run->ns_gid != want_gid;
    }
}

char *
idmap_format (const struct id_map_entry *map, size_t n)
{
  size_t cap = n * 36 + 1, len = 0;
  char *s = xmalloc (cap);
  s[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf (s + len, cap - len, "%s%u %u %u", i ? " " : "", map[i].inside,
                             map[i].outside, map[i].count);
  return s;
}

/* Run HELPER PID INSIDE OUTSIDE COUNT...; die quoting its message. */
static void
run_helper (const char *helper, pid_t child, const struct id_map_entry *map, size_t n)
{
  char **argv = xcalloc (2 + 3 * n + 1, sizeof *argv);
  int err_pipe[2];
  size_t k = 0;

  argv[k++] = (char *)helper;
  argv[k++] = xasprintf ("%d", (int)child);
  for (size_t i = 0; i < n; i++)
    {
      argv[k++] = xasprintf ("%u", map[i].inside);
      argv[k++] = xasprintf ("%u", map[i].outside);
      argv[k++] = xasprintf ("%u", map[i].count);
    }
  if (pipe2 (err_pipe, O_CLOEXEC) < 0)
    die_with_error ("Can't create pipe");

  pid_t pid = fork ();
  if (pid < 0)
    die_with_error ("Can't fork %s", helper);
  if (pid == 0)
    {
      sigset_t none;
      sigemptyset (&none);
      sigprocmask (SIG_SETMASK, &none, NULL);
      if (dup2 (err_pipe[1], STDERR_FILENO) < 0 || dup2 (err_pipe[1], STDOUT_FILENO) < 0)
        _exit (127);
      execvp (helper, argv);
      dprintf (STDERR_FILENO, "can't run %s: %s\n", helper, strerror (errno));
      _exit (127);
    }
  close (err_pipe[1]);
  char *message = NULL;
  size_t len = 0;
  if (read_all (err_pipe[0], &message, &len) < 0)
    message = xstrdup ("");
  close (err_pipe[0]);

  int status;
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      die_with_error ("waitpid %s", helper);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      char *m = idmap_format (map, n);
      message[strcspn (message, "\n")] = '\0';
      kill (child, SIGKILL);
      die ("%s refused the map \"%s\": %s", helper, m, message[0] ? message : "(no message)");
    }
  free (message);
  for (size_t i = 1; i < k; i++)
    free (argv[i]);
  free (argv);
}

void
idmap_write (const struct run *run, pid_t child)
{
  if (run->n_uid_map > 0)
    run_helper ("newuidmap", child, run->uid_map, run->n_uid_map);
  if (run->n_gid_map > 0)
    run_helper ("newgidmap", child, run->gid_map, run->n_gid_map);
}
