/* hutch — main(): the four phases of DESIGN.md.
 *
 *   1. parse    argv -> struct sandbox                    options.c
 *   2. check    cross-option rules, before anything exists options.c
 *   3. build    namespaces, mounts, network               namespaces.c setup.c network.c
 *   4. confine  capabilities, no_new_privs, seccomp; exec  confine.c
 *
 * The parent becomes the monitor (monitor.c); the child builds the
 * sandbox and becomes the command, behind a PID 1 reaper when there is a
 * new PID namespace.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bind-mount.h"
#include "confine.h"
#include "dbus-proxy.h"
#include "diagnose.h"
#include "dry-run.h"
#include "explain.h"
#include "instance.h"
#include "label.h"
#include "landlock.h"
#include "monitor.h"
#include "namespaces.h"
#include "network.h"
#include "options.h"
#include "pasta.h"
#include "privilege.h"
#include "reaper.h"
#include "sandbox.h"
#include "setup.h"
#include "signals.h"
#include "utils.h"

static void
prepare_run (const struct sandbox *sb, struct run *run)
{
  memset (run, 0, sizeof *run);
  namespaces_prepare (sb, run);
  for (size_t i = 0; i < sb->n_ops; i++)
    if (sb->ops[i].type == OP_LOCK_FILE)
      run->has_lock_files = true;
  /* A reaper holds the locks and the --sync-fd while the command runs. */
  run->pid1 = (sb->unshare_pid || run->has_lock_files || sb->sync_fd >= 0) && !sb->as_pid_1;
  run->status_pipe[0] = run->status_pipe[1] = -1;
  run->pid1_ready_fd = -1;
  if (run->pid1 && pipe2 (run->status_pipe, O_CLOEXEC) < 0)
    die_with_error ("Can't create pipe");
  if (pipe2 (run->exec_pipe, O_CLOEXEC) < 0)
    die_with_error ("Can't create pipe");
  run->old_cwd = getcwd (NULL, 0); /* NULL if the cwd is gone: fine */
}

/* Every destination is resolved inside the new root with openat2
 * (open_in_root).  Where the call is missing (before Linux 5.6) or
 * refused (the seccomp profile of the container hutch runs in), nothing
 * could be built: say so once, before any namespace exists, rather than
 * fail on the first mount with a message that names neither.  The probe's
 * size is below any struct open_how: a kernel that has the call answers
 * EINVAL, without opening anything. */
static void
require_openat2 (void)
{
  if (syscall (__NR_openat2, -1, "", NULL, 0) < 0 && (errno == ENOSYS || errno == EPERM))
    die_with_error ("Can't use openat2, which resolves every path inside the sandbox "
                    "(Linux 5.6 or later, not refused by a seccomp filter; see --diagnose)");
}

static void
die_with_parent (const struct sandbox *sb)
{
  if (!sb->die_with_parent)
    return;
  set_parent_death_signal (getppid ());
}

/* Wait for the caller's go-ahead on an fd (--block-fd, --userns-block-fd). */
static void
block_on_fd (int fd, const char *option)
{
  char c;
  if (fd < 0)
    return;
  if (TEMP_FAILURE_RETRY_INT (read (fd, &c, 1)) < 0)
    die_with_error ("Can't read from %s", option);
  close (fd);
}

/* The monitor writes the status reports; the command gets no copy. */
static void
close_status_fds (const struct sandbox *sb)
{
  if (sb->info_fd > STDERR_FILENO)
    close (sb->info_fd);
  if (sb->json_status_fd > STDERR_FILENO)
    close (sb->json_status_fd);
}

/* --lock-file: read locks on paths inside the sandbox, held by PID 1 (or
 * by this process while it lives) for as long as the sandbox runs. */
static void
take_lock_files (const struct sandbox *sb)
{
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct setup_op *op = &sb->ops[i];
      if (op->type != OP_LOCK_FILE)
        continue;
      /* O_NONBLOCK: a fifo planted there must not hold the setup up. */
      int fd = open (op->dest, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
      struct stat st;
      if (fd < 0)
        die_with_error ("Unable to open lock file %s", op->dest);
      if (fstat (fd, &st) < 0)
        die_with_error ("Unable to lock file %s: fstat", op->dest);
      if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
        die ("Unable to lock file %s: not a regular file or a directory", op->dest);
      struct flock lock = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
      if (fcntl (fd, F_SETLK, &lock) < 0)
        die_with_error ("Unable to lock file %s", op->dest);
      /* fd stays open: closing it would drop the lock. */
    }
}

/* Phase 3 in the child: everything that needs privilege in the new
 * namespaces, then drop into the command's ids. */
static void
build_sandbox (struct sandbox *sb, struct run *run)
{
  instance_child_close ();
  close (run->exec_pipe[0]);
  if (run->pid1)
    close (run->status_pipe[0]);
  close_status_fds (sb);
  block_on_fd (sb->userns_block_fd, "--userns-block-fd");
  if (sb->die_with_parent)
    set_parent_death_signal (0); /* again: clone cleared it */
  if (sb->hostname != NULL && sethostname (sb->hostname, strlen (sb->hostname)) < 0)
    die_with_error ("Can't set hostname to %s", sb->hostname);
  if (sb->unshare_net)
    {
      int r = network_loopback_up ();
      if (r < 0)
        die_with_errno (-r, "Can't bring up the loopback interface");
    }
  setup_resolve_sources (sb, run); /* as the caller: no host privilege here */
  setup_build_root (sb, run);
  dbus_proxy_child_cleanup ();     /* the proxy's sockets are mounted: their names go */
  landlock_protect_tree (sb, run); /* the mounts Landlock's file rules need read-only */
  namespaces_switch_ids (sb, run);
  confine_apply_env (sb);
  setup_chdir (sb, run->old_cwd);
  take_lock_files (sb);
  block_on_fd (sb->block_fd, "--block-fd");
  instance_child_handover (sb, run); /* what --enter joins */
}

int
main (int argc, char **argv)
{
  struct sandbox sb;
  struct run run;

  privilege_init (); /* setuid mode: the caller's ids from here on */
  log_init (argv[0]);
  signals_reset_sigchld ();
  sandbox_init (&sb);
  options_parse (&sb, argc - 1, argv + 1);       /* 1. parse */
  instance_run_action (&sb, argc - 1, argv + 1); /* --list, --enter, --stop: do it and exit */
  diagnose_run (&sb);                            /* --diagnose: report and exit */
  options_check (&sb);                           /* 2. check */
  options_check_fds (&sb);
  confine_check_std_fds (&sb); /* no directory on 0-2 */
  label_check (&sb);
  privilege_check (&sb);
  pasta_check (&sb);      /* --net pasta: pasta found, resolv.conf */
  dbus_proxy_check (&sb); /* --dbus-*: xdg-dbus-proxy found, the bus there */
  privilege_close_unnamed_fds (&sb);

  prepare_run (&sb, &run);
  confine_prepare (&sb, &run); /* Landlock probe, seccomp compiled */
  explain_prepare (&sb, &run); /* --explain, --learn: what the reports need */
  dry_run_print (&sb, &run);   /* --dry-run: print the plan and exit */
  require_openat2 ();
  instance_prepare (&sb, &run); /* --name taken, or one line and exit */
  die_with_parent (&sb);
  dbus_proxy_start (&sb); /* --dbus-*: the filtered bus, before the child binds it */
  signals_block (&sb);

  pid_t child = namespaces_clone (&sb, &run); /* 3. build */
  if (child > 0)
    {
      pasta_start (&sb, &run, child); /* --net pasta: the network before the child goes on */
      die_with_parent (&sb);          /* again: a change of ids clears it */
      /* The monitor stays small while the command runs, but for what
       * --enter confines with (not in the setuid mode: no --enter). */
      if (privilege_is_setuid ())
        options_release (&sb);
      int code = monitor_run (&sb, &run, child);
      instance_unregister ();
      return code;
    }

  build_sandbox (&sb, &run);
  if (run.pid1)
    reaper_fork_pid1 (&sb, &run);
  confine_exec (&sb, &run); /* 4. confine and exec */
}
