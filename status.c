/* hutch — --info-fd and --json-status-fd reports.
 *
 * Formats are bubblewrap's, which callers parse: --info-fd gets one
 * pretty-printed JSON object; --json-status-fd gets one object per line.
 */
#include "config.h"

#include "status.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pasta.h"
#include "utils.h"

struct ns_field
{
  const char *json_name;
  const char *proc_name;
};

/* In the order bubblewrap prints them. */
static const struct ns_field ns_fields[] = {
  { "cgroup-namespace", "cgroup" },
  { "ipc-namespace", "ipc" },
  { "mnt-namespace", "mnt" },
  { "net-namespace", "net" },
  { "pid-namespace", "pid" },
  { "uts-namespace", "uts" },
};

static bool
ns_unshared (const struct sandbox *sb, const char *proc_name)
{
  if (strcmp (proc_name, "mnt") == 0)
    return true;
  if (strcmp (proc_name, "cgroup") == 0)
    return sb->unshare_cgroup || sb->unshare_cgroup_try;
  if (strcmp (proc_name, "ipc") == 0)
    return sb->unshare_ipc;
  if (strcmp (proc_name, "net") == 0)
    return sb->unshare_net;
  if (strcmp (proc_name, "pid") == 0)
    return sb->unshare_pid;
  if (strcmp (proc_name, "uts") == 0)
    return sb->unshare_uts;
  return false;
}

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

/* Append ", "NAME": ID" pairs for the child's namespaces to buf. */
static size_t
format_namespaces (const struct sandbox *sb, pid_t child, int proc_fd, const char *sep,
                   char *buf, size_t size)
{
  size_t n = 0;
  for (size_t i = 0; i < N_ELEMENTS (ns_fields); i++)
    {
      char path[64];
      struct stat st;

      if (!ns_unshared (sb, ns_fields[i].proc_name))
        continue;
      if (have_child_ns_ids)
        {
          if (child_ns_ids[i] == 0)
            continue;
          st.st_ino = (ino_t) child_ns_ids[i];
        }
      else
        {
          snprintf (path, sizeof path, "%d/ns/%s", (int) child, ns_fields[i].proc_name);
          if (fstatat (proc_fd, path, &st, 0) != 0)
            continue; /* e.g. cgroup namespaces unsupported with --unshare-cgroup-try */
        }
      int r = snprintf (buf + n, size - n, ",%s\"%s\": %" PRIu64, sep, ns_fields[i].json_name,
                        (uint64_t) st.st_ino);
      if (r < 0 || (size_t) r >= size - n)
        break;
      n += (size_t) r;
    }
  return n;
}

int
status_report_started (const struct sandbox *sb, pid_t child, int proc_fd, const char **failed)
{
  char ns[1024];
  int r;

  if (sb->info_fd >= 0)
    {
      format_namespaces (sb, child, proc_fd, "\n    ", ns, sizeof ns);
      char *net = pasta_status_fields (sb, "\n    "); /* --net pasta: address, ports */
      char *doc = xasprintf ("{\n    \"child-pid\": %d%s%s\n}\n", (int) child, ns,
                             net ? net : "");
      free (net);
      r = write_all (sb->info_fd, doc, strlen (doc));
      free (doc);
      close (sb->info_fd);
      if (r < 0)
        {
          *failed = "--info-fd";
          return r;
        }
    }
  if (sb->json_status_fd >= 0)
    {
      format_namespaces (sb, child, proc_fd, " ", ns, sizeof ns);
      char *net = pasta_status_fields (sb, " ");
      char *doc = xasprintf ("{ \"child-pid\": %d%s%s }\n", (int) child, ns, net ? net : "");
      free (net);
      r = write_all (sb->json_status_fd, doc, strlen (doc));
      free (doc);
      if (r < 0)
        {
          *failed = "--json-status-fd";
          return r;
        }
    }
  return 0;
}

void
status_report_exit (const struct sandbox *sb, int exit_code)
{
  if (sb->json_status_fd < 0)
    return;
  char doc[64];
  int n = snprintf (doc, sizeof doc, "{ \"exit-code\": %d }\n", exit_code);
  /* The caller may have stopped reading; nothing useful to do then. */
  (void) write_all (sb->json_status_fd, doc, (size_t) n);
}

void
status_report_timeout (const struct sandbox *sb)
{
  if (sb->json_status_fd < 0)
    return;
  char secs[32], doc[64];
  uint64_t ms = sb->timeout_ms;
  int n = snprintf (secs, sizeof secs, "%" PRIu64 ".%03u", ms / 1000, (unsigned) (ms % 1000));
  /* "1.500" -> "1.5", "2.000" -> "2". */
  while (n > 0 && secs[n - 1] == '0')
    secs[--n] = '\0';
  if (n > 0 && secs[n - 1] == '.')
    secs[--n] = '\0';
  n = snprintf (doc, sizeof doc, "{ \"timeout\": %s }\n", secs);
  (void) write_all (sb->json_status_fd, doc, (size_t) n);
}
