/* hutch — --info-fd and --json-status-fd reports.
 *
 * Formats are bubblewrap's, which callers parse: --info-fd gets one
 * pretty-printed JSON object; --json-status-fd gets one object per line.
 */
#include "config.h"

#include "status.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbus-proxy.h"
#include "json.h"
#include "pasta.h"
#include "utils.h"

struct ns_field
{
  const char *json_name;
  const char *proc_name;
  int flag; /* CLONE_NEW* */
};

/* In the order bubblewrap prints them. */
static const struct ns_field ns_fields[] = {
  { "cgroup-namespace", "cgroup", CLONE_NEWCGROUP }, { "ipc-namespace", "ipc", CLONE_NEWIPC },
  { "mnt-namespace", "mnt", CLONE_NEWNS },           { "net-namespace", "net", CLONE_NEWNET },
  { "pid-namespace", "pid", CLONE_NEWPID },          { "uts-namespace", "uts", CLONE_NEWUTS },
};

/* The ids as the child itself read them (see status_set_namespace_ids):
 * in the setuid mode the monitor may not look into the child's /proc. */
static uint64_t child_ns_ids[N_ELEMENTS (ns_fields)];
static bool have_child_ns_ids;

const char *const *
status_namespace_names (size_t *n)
{
  static const char *names[N_ELEMENTS (ns_fields)];
  for (size_t i = 0; i < N_ELEMENTS (ns_fields); i++)
    names[i] = ns_fields[i].proc_name;
  *n = N_ELEMENTS (ns_fields);
  return names;
}

void
status_set_namespace_ids (const uint64_t *ids, size_t n)
{
  for (size_t i = 0; i < n && i < N_ELEMENTS (ns_fields); i++)
    child_ns_ids[i] = ids[i];
  have_child_ns_ids = true;
}

/* The members "NAME": ID for the child's namespaces. */
static void
add_namespaces (struct json *j, const struct run *run, pid_t child)
{
  for (size_t i = 0; i < N_ELEMENTS (ns_fields); i++)
    {
      char path[64];
      struct stat st;

      if (!(run->new_namespaces & ns_fields[i].flag))
        continue;
      if (have_child_ns_ids)
        {
          if (child_ns_ids[i] == 0)
            continue;
          st.st_ino = (ino_t)child_ns_ids[i];
        }
      else
        {
          snprintf (path, sizeof path, "%d/ns/%s", (int)child, ns_fields[i].proc_name);
          if (fstatat (run->proc_fd, path, &st, 0) != 0)
            continue; /* e.g. cgroup namespaces unsupported with --unshare-cgroup-try */
        }
      json_member_uint (j, ns_fields[i].json_name, (uint64_t)st.st_ino);
    }
}

/* One "started" document, in the given style, written to fd. */
static int
write_started (int fd, enum json_style style, const struct sandbox *sb, const struct run *run,
               pid_t child)
{
  struct json j;
  json_init (&j);
  json_object_begin (&j, style);
  json_member_int (&j, "child-pid", child);
  add_namespaces (&j, run, child);
  if (sb->name != NULL)
    json_member_string (&j, "name", sb->name); /* --name */
  pasta_status_fields (sb, &j);                /* --net pasta: address, ports */
  dbus_proxy_status_fields (sb, &j);           /* --dbus-*: the proxy's PID, the rules */
  json_object_end (&j);
  json_append (&j, "\n");
  int r = write_all (fd, j.buf, j.len);
  json_free (&j);
  return r;
}

int
status_report_started (const struct sandbox *sb, const struct run *run, pid_t child,
                       const char **failed)
{
  int r;

  if (sb->info_fd >= 0)
    {
      r = write_started (sb->info_fd, JSON_PRETTY, sb, run, child);
      close (sb->info_fd);
      if (r < 0)
        {
          *failed = "--info-fd";
          return r;
        }
    }
  if (sb->json_status_fd >= 0)
    {
      r = write_started (sb->json_status_fd, JSON_SPACED, sb, run, child);
      if (r < 0)
        {
          *failed = "--json-status-fd";
          return r;
        }
    }
  return 0;
}

/* One line { "KEY": NUMBER } on --json-status-fd; the caller may have
 * stopped reading, nothing useful to do then. */
static void
write_event (const struct sandbox *sb, const char *key, const char *number)
{
  struct json j;
  json_init (&j);
  json_object_begin (&j, JSON_SPACED);
  json_key (&j, key);
  json_number_text (&j, number);
  json_object_end (&j);
  json_append (&j, "\n");
  (void)write_all (sb->json_status_fd, j.buf, j.len);
  json_free (&j);
}

void
status_report_exit (const struct sandbox *sb, int exit_code)
{
  if (sb->json_status_fd < 0)
    return;
  char num[32];
  snprintf (num, sizeof num, "%d", exit_code);
  write_event (sb, "exit-code", num);
}

void
status_report_timeout (const struct sandbox *sb)
{
  if (sb->json_status_fd < 0)
    return;
  char secs[32];
  uint64_t ms = sb->timeout_ms;
  int n = snprintf (secs, sizeof secs, "%" PRIu64 ".%03u", ms / 1000, (unsigned)(ms % 1000));
  /* "1.500" -> "1.5", "2.000" -> "2". */
  while (n > 0 && secs[n - 1] == '0')
    secs[--n] = '\0';
  if (n > 0 && secs[n - 1] == '.')
    secs[--n] = '\0';
  write_event (sb, "timeout", secs);
}
