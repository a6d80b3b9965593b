/* hutch — creating the namespaces and writing the uid/gid maps.
 *
 * The parent (the monitor, with the caller's credentials) writes the
 * child's maps: it owns the new user namespace, so the kernel lets it map
 * its own uid and gid there (after denying setgroups when it is not root),
 * and as real root it may map root.  The child waits on a pipe until the
 * maps are in place, because before that its uid is the overflow uid.
 */
#include "config.h"

#include "namespaces.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confine.h"
#include "diagnose.h"
#include "idmap.h"
#include "privilege.h"
#include "signals.h"
#include "status.h"
#include "utils.h"

static int map_pipe[2] = { -1, -1 };
static int ns_pipe[2] = { -1, -1 };
/* --pidns with --unshare-pid: PID 1 of the new PID namespace, the child of
 * the process the monitor waits for (see nest_pid_namespace). */
static pid_t nested_pid1;

/* In the child, first thing: tell the monitor the ids of the namespaces it
 * is in, for --info-fd/--json-status-fd (a process may always read its
 * own /proc/self/ns; the monitor may not, in the setuid mode). */
static void
send_namespace_ids (const struct run *run)
{
  size_t n;
  const char *const *names = status_namespace_names (&n);
  uint64_t ids[16] = { 0 };
  for (size_t i = 0; i < n && i < N_ELEMENTS (ids); i++)
    {
      char path[64];
      struct stat st;
      snprintf (path, sizeof path, "self/ns/%s", names[i]);
      if (fstatat (run->proc_fd, path, &st, 0) == 0)
        ids[i] = st.st_ino;
    }
  /* (A monitor that failed to read them kills this process before it is
   * gone: EPIPE here is an error of its own too.) */
  int r = write_all (ns_pipe[1], ids, n * sizeof ids[0]);
  if (r < 0)
    die_with_errno (-r, "Can't send the namespace ids to hutch's monitor");
  close (ns_pipe[1]);
}

/* False if the child ended before it sent them all. */
static bool
receive_namespace_ids (pid_t child)
{
  size_t n;
  uint64_t ids[16];
  status_namespace_names (&n);
  size_t want = n * sizeof ids[0], got = 0;
  while (got < want)
    {
      ssize_t r = read (ns_pipe[0], (char *)ids + got, want - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int err = errno;
          (void)kill (child, SIGKILL); /* it says nothing more */
          die_with_errno (err, "Can't read the namespace ids from the sandbox process");
        }
      if (r == 0)
        break;
      got += (size_t)r;
    }
  close (ns_pipe[0]);
  if (got == want)
    status_set_namespace_ids (ids, n);
  return got == want;
}

/* The child ended before the sandbox was built: it said why, unless a
 * signal killed it. */
NORETURN static void
child_ended_early (pid_t child)
{
  int status;
  while (waitpid (child, &status, 0) < 0)
    if (errno != EINTR)
      die_with_error ("The sandbox process ended early, and can't be waited for");
  if (WIFSIGNALED (status))
    die ("The sandbox process was killed by signal %d before the sandbox was built",
         WTERMSIG (status));
  exit (1);
}

static int clone_flags (const struct sandbox *sb, const struct run *run);

static bool
needs_root_mapped (const struct sandbox *sb)
{
  /* devpts creates its ptmx node owned by root of the namespace, so a
   * --dev needs uid and gid 0 mapped while it is mounted. */
  for (size_t i = 0; i < sb->n_ops; i++)
    if (sb->ops[i].type == OP_DEV)
      return true;
  return false;
}

static bool
kernel_has_namespace (int proc_fd, const char *name)
{
  char path[64];
  struct stat st;
  snprintf (path, sizeof path, "self/ns/%s", name);
  if (fstatat (proc_fd, path, &st, 0) == 0)
    return true;
  /* Only a kernel without that namespace type has no such file. */
  if (errno != ENOENT)
    die_with_error ("Can't look for /proc/self/ns/%s", name);
  return false;
}

/* The ids the command sees, worked out from what the build does: the ids
 * mapped for setup, then a switch inside (many ids mapped), then a nested
 * user namespace that maps the command's ids onto those. */
static void
command_ids (const struct sandbox *sb, struct run *run)
{
  run->cmd_uid_known = run->cmd_gid_known = true;
  if (sb->userns2_fd >= 0 || sb->userns_fd >= 0)
    {
      /* A namespace of the caller's: the ids are what it maps the caller's
       * to, unless --uid/--gid name them (then switched to after setup). */
      run->cmd_uid_known = sb->userns2_fd < 0 && sb->uid_set;
      run->cmd_gid_known = sb->userns2_fd < 0 && sb->gid_set;
      run->cmd_uid = sb->uid;
      run->cmd_gid = sb->gid;
      return;
    }
  if (!run->userns)
    {
      run->cmd_uid = run->real_uid;
      run->cmd_gid = run->real_gid;
      return;
    }
  uid_t uid = run->switch_ids ? run->switch_uid : run->ns_uid;
  gid_t gid = run->switch_ids ? run->switch_gid : run->ns_gid;
  if (run->nested_userns)
    {
      /* With a helper's map, the ids it was asked to give (--map-subids:
       * root unless --uid/--gid); else --uid/--gid or the caller's. */
      uid = run->n_uid_map > 0 ? run->switch_uid : sb->uid;
      gid = run->n_gid_map > 0 ? run->switch_gid : sb->gid;
    }
  run->cmd_uid = uid;
  run->cmd_gid = gid;
}

/* The facts that depend on whether a user namespace is created. */
static void
prepare_ids (const struct sandbox *sb, struct run *run)
{
  if (!run->userns)
    {
      idmap_prepare (sb, run); /* refuses --map-subids without a user namespace */
      run->ns_uid = run->real_uid;
      run->ns_gid = run->real_gid;
      run->nested_userns = false;
      run->switch_ids = false;
      /* --userns FD --uid/--gid: switch to them in that namespace once
       * set up, as with many ids mapped. */
      if (sb->userns_fd >= 0 && sb->userns2_fd < 0 && (sb->uid_set || sb->gid_set))
        {
          run->switch_ids = true;
          run->switch_uid = sb->uid_set ? sb->uid : (uid_t)-1;
          run->switch_gid = sb->gid_set ? sb->gid : (gid_t)-1;
        }
    }
  else
    {
      if (needs_root_mapped (sb))
        {
          run->ns_uid = 0;
          run->ns_gid = 0;
        }
      else
        {
          run->ns_uid = sb->uid;
          run->ns_gid = sb->gid;
        }
      run->nested_userns = run->ns_uid != sb->uid || run->ns_gid != sb->gid || sb->disable_userns;
      idmap_prepare (sb, run); /* many ids: newuidmap/newgidmap write the maps */
    }
  command_ids (sb, run);
  confine_caps_prepare (sb, run);
}

void
namespaces_prepare (const struct sandbox *sb, struct run *run)
{
  run->real_uid = getuid ();
  run->real_gid = getgid ();
  run->proc_fd = open ("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (run->proc_fd < 0)
    die_with_error ("Can't open /proc");

  /* A caller who is not root can only build a sandbox in a user namespace
   * of its own; options_check() has already implied --unshare-user.
   * With --userns the namespace is the caller's, already mapped. */
  run->userns = sb->userns_fd < 0
                && (sb->unshare_user
                    || (sb->unshare_user_try && kernel_has_namespace (run->proc_fd, "user")));
  prepare_ids (sb, run);
  run->clone_flags = clone_flags (sb, run);
  run->new_namespaces = run->clone_flags;
  if (sb->unshare_pid && sb->pidns_fd >= 0)
    run->new_namespaces |= CLONE_NEWPID; /* nest_pid_namespace() */
}

/* --userns and --pidns: join the caller's namespaces before clone, so the
 * child's new namespaces are created inside them. */
static void
join_namespaces (const struct sandbox *sb)
{
  if (sb->userns_fd >= 0)
    {
      if (setns (sb->userns_fd, CLONE_NEWUSER) < 0)
        {
          /* bubblewrap's words: the usual cause of EINVAL */
          if (errno == EINVAL)
            die ("Joining the specified user namespace failed, it might not be a descendant of "
                 "the current user namespace.");
          die_with_error ("Joining specified user namespace failed");
        }
      close (sb->userns_fd);
    }
  if (sb->pidns_fd >= 0)
    {
      if (setns (sb->pidns_fd, CLONE_NEWPID) < 0)
        die_with_error ("Setting pidns failed");
      close (sb->pidns_fd);
    }
  /* After --userns: joining needs CAP_SYS_ADMIN over the user namespace
   * that owns the network namespace, which a caller who is not root has
   * only in a user namespace of its own, entered with --userns. */
  if (sb->netns_fd >= 0)
    {
      if (setns (sb->netns_fd, CLONE_NEWNET) < 0)
        {
          if (errno == EPERM && sb->userns_fd < 0)
            die ("Can't join the network namespace of --netns %d: %s (it is not this user's: "
                 "give the user namespace that owns it with --userns)",
                 sb->netns_fd, strerror (errno));
          die_with_error ("Can't join the network namespace of --netns %d", sb->netns_fd);
        }
      close (sb->netns_fd);
    }
}

static int
clone_flags (const struct sandbox *sb, const struct run *run)
{
  int flags = CLONE_NEWNS;
  if (run->userns)
    flags |= CLONE_NEWUSER;
  /* After setns into the --pidns namespace, clone cannot make a new one
   * (EINVAL): the child makes it itself, see nest_pid_namespace(). */
  if (sb->unshare_pid && sb->pidns_fd < 0)
    flags |= CLONE_NEWPID;
  if (sb->unshare_net)
    flags |= CLONE_NEWNET;
  if (sb->unshare_ipc)
    flags |= CLONE_NEWIPC;
  if (sb->unshare_uts)
    flags |= CLONE_NEWUTS;
  if (sb->unshare_cgroup
      || (sb->unshare_cgroup_try && kernel_has_namespace (run->proc_fd, "cgroup")))
    flags |= CLONE_NEWCGROUP;
  return flags;
}

NORETURN static void
die_clone_failed (int flags, int err)
{
  errno = err;
  if ((flags & CLONE_NEWUSER) && (err == EPERM || err == ENOSPC || err == EINVAL || err == EACCES))
    {
      const char *why = diagnose_userns_blocker ();
      die ("Creating new namespace failed: %s (user namespaces are blocked here%s%s; run '%s "
           "--diagnose')",
           strerror (err), why ? ": " : "", why ? why : "", prog_name);
    }
  die_with_error ("Creating new namespace failed");
}

/* In the parent: map the caller's ids into the child's user namespace. */
static void
write_child_maps (const struct run *run, pid_t child)
{
  /* Many ids: the setuid helpers write those maps (newgidmap needs
   * setgroups left as it is). */
  idmap_write (run, child);
  /* Else the caller's own ids. */
  const struct one_id_map map = {
    .uid = run->n_uid_map == 0,
    .uid_inside = run->ns_uid,
    .uid_outside = run->real_uid,
    .gid = run->n_gid_map == 0,
    .gid_inside = run->ns_gid,
    .gid_outside = run->real_gid,
  };
  enum idmap_file failed;
  int r = idmap_write_one_id (run->proc_fd, child, run->real_uid != 0 && run->n_gid_map == 0, &map,
                              &failed);
  if (r == 0)
    return;
  switch (failed)
    {
    case IDMAP_SETGROUPS:
      die_with_errno (-r, "Can't write /proc/%d/setgroups", (int)child);
    case IDMAP_UID_MAP:
      if (r == -EPERM || r == -EACCES)
        die ("Can't write uid map %u->%u of the new user namespace: %s (run '%s --diagnose')",
             map.uid_inside, map.uid_outside, strerror (-r), prog_name);
      die_with_errno (-r, "Can't write uid map %u->%u of the new user namespace", map.uid_inside,
                      map.uid_outside);
    case IDMAP_GID_MAP:
      die_with_errno (-r, "Can't write gid map %u->%u of the new user namespace", map.gid_inside,
                      map.gid_outside);
    }
}

/* In the child, with --pidns and --unshare-pid: the child was cloned into
 * the --pidns namespace; make the new PID namespace below it and go on in
 * its first process (PID 1 there), while this one stays outside, passes
 * signals on to it and leaves with its exit status. */
static void
nest_pid_namespace (const struct sandbox *sb, struct run *run)
{
  if (sb->pidns_fd < 0 || !sb->unshare_pid)
    return;
  if (unshare (CLONE_NEWPID) < 0)
    die_with_error ("Can't create a PID namespace below the --pidns one");
  pid_t pid = fork ();
  if (pid < 0)
    die_with_error ("Can't fork into the new PID namespace");
  if (pid == 0)
    {
      /* The sandbox does not outlive the process the monitor waits for. */
      set_parent_death_signal (0);
      return;
    }
  /* Only the child sends the namespace ids, waits for the maps and
   * reports its progress. */
  close (map_pipe[0]);
  if (ns_pipe[1] >= 0)
    close (ns_pipe[1]);
  close (run->exec_pipe[1]);
  if (run->pid1)
    close (run->status_pipe[1]);
  if (sb->info_fd > STDERR_FILENO)
    close (sb->info_fd);
  if (sb->json_status_fd > STDERR_FILENO)
    close (sb->json_status_fd);
  if (sb->die_with_parent)
    set_parent_death_signal (0); /* again: clone cleared it */
  /* Nothing in the --pidns namespace may ptrace this process. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_DUMPABLE)");
  signals_relay (pid, sb->new_session);
}

/* The pid (on the host) of a child of `parent`, from /proc/PID/stat;
 * 0 if there is none. */
static pid_t
find_child_of (int proc_fd, pid_t parent)
{
  int dfd = openat (proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = dfd >= 0 ? fdopendir (dfd) : NULL;
  struct dirent *de;
  pid_t found = 0;

  if (dir == NULL)
    {
      if (dfd >= 0)
        close (dfd);
      return 0;
    }
  while (found == 0 && (de = readdir (dir)) != NULL)
    {
      uint32_t pid;
      char path[64], buf[512];
      if (parse_uint32 (de->d_name, &pid) < 0)
        continue;
      snprintf (path, sizeof path, "%u/stat", (unsigned)pid);
      int fd = openat (proc_fd, path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        continue;
      ssize_t n = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (n <= 0)
        continue;
      buf[n] = '\0';
      /* "PID (COMM) STATE PPID ...": COMM may hold anything but ends at the last ')'. */
      const char *p = strrchr (buf, ')');
      int ppid;
      if (p != NULL && sscanf (p + 1, " %*c %d", &ppid) == 1 && ppid == parent)
        found = (pid_t)pid;
    }
  closedir (dir);
  return found;
}

pid_t
namespaces_reported_pid (pid_t child)
{
  return nested_pid1 > 0 ? nested_pid1 : child;
}

pid_t
namespaces_clone (const struct sandbox *sb, struct run *run)
{
  int flags = run->clone_flags;
  pid_t pid;

  join_namespaces (sb);
  if (pipe2 (map_pipe, O_CLOEXEC) < 0)
    die_with_error ("Can't create pipe");
  bool report_ns = sb->info_fd >= 0 || sb->json_status_fd >= 0;
  if (report_ns && pipe2 (ns_pipe, O_CLOEXEC) < 0)
    die_with_error ("Can't create pipe");

  /* Setuid mode: root ids for clone and the map writes only. */
  privilege_raise ();

  /* fork() semantics with namespace flags: no stack, SIGCHLD to the parent. */
  pid = (pid_t)syscall (SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
  /* --unshare-user-try goes on without a user namespace only when the
   * kernel refuses one (as die_clone_failed says), not when it is out of
   * memory or processes. */
  if (pid < 0 && (flags & CLONE_NEWUSER) && sb->unshare_user_try && !sb->unshare_user
      && (errno == EPERM || errno == ENOSPC || errno == EINVAL || errno == EACCES))
    {
      /* --unshare-user-try: go on without a user namespace. */
      run->userns = false;
      prepare_ids (sb, run); /* the ids and capabilities change with it */
      flags &= ~CLONE_NEWUSER;
      run->clone_flags = flags;
      run->new_namespaces &= ~CLONE_NEWUSER;
      pid = (pid_t)syscall (SYS_clone, (unsigned long)flags | SIGCHLD, NULL, NULL, NULL, NULL);
    }
  if (pid < 0)
    die_clone_failed (flags, errno);

  if (pid == 0)
    {
      char c;
      ssize_t r;
      close (map_pipe[1]);
      nest_pid_namespace (sb, run);
      if (report_ns)
        {
          close (ns_pipe[0]);
          send_namespace_ids (run);
        }
      /* One byte: the parent has written the maps.  EOF: it failed (and
       * said why) or died, and the child must not go on unmapped. */
      r = TEMP_FAILURE_RETRY_INT (read (map_pipe[0], &c, 1));
      if (r < 0)
        die_with_error ("Can't wait for the id maps of the sandbox");
      if (r != 1)
        _exit (1);
      close (map_pipe[0]);
      if (run->userns)
        privilege_child_enter_userns (run->ns_uid, run->ns_gid);
      return 0;
    }

  close (map_pipe[0]);
  if (report_ns)
    {
      close (ns_pipe[1]);
      if (!receive_namespace_ids (pid))
        child_ended_early (pid);
      /* The reports name the sandbox's PID 1, as bubblewrap's do: the
       * process whose /proc/PID/ns callers look at.  (It exists: it has
       * just sent the ids.) */
      if (sb->pidns_fd >= 0 && sb->unshare_pid)
        nested_pid1 = find_child_of (run->proc_fd, pid);
    }
  if (run->userns && sb->userns_block_fd < 0)
    write_child_maps (run, pid);
  privilege_lower ();
  privilege_drop_all ();
  /* The monitor stays in the caller's namespaces: from now on nothing in
   * the sandbox may ptrace it or reach the host through its /proc/PID/root
   * or /proc/PID/exe, whatever capabilities it is given there.  Only now:
   * the child copied the flag at clone, and the maps above had to be
   * written while the child's /proc files belonged to the caller. */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_DUMPABLE)");
  return pid;
}

void
namespaces_release_child (void)
{
  if (write_all (map_pipe[1], "1", 1) < 0)
    die_with_error ("Can't start the sandbox process");
  close (map_pipe[1]);
  map_pipe[1] = -1;
}

void
namespaces_abandon_child (pid_t child)
{
  int status;

  /* EOF on the pipe makes the child exit before it does anything. */
  (void)kill (child, SIGKILL);
  if (map_pipe[1] >= 0)
    close (map_pipe[1]);
  map_pipe[1] = -1;
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
}

/* --disable-userns: at most one user namespace below the current one,
 * the nested one about to be made, so none can be created inside it. */
static void
limit_user_namespaces (const struct run *run)
{
  int r = write_file_at (run->proc_fd, "sys/user/max_user_namespaces", "1\n");
  if (r < 0)
    die_with_errno (-r, "Can't disable user namespaces: "
                        "writing /proc/sys/user/max_user_namespaces");
}

void
namespaces_switch_ids (const struct sandbox *sb, const struct run *run)
{
  if (run->switch_ids)
    {
      /* Many ids are mapped: take the command's ids in this namespace,
       * keeping the capabilities for the confine phase to sort out. */
      uid_t uid = run->switch_uid;
      gid_t gid = run->switch_gid;
      if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        die_with_error ("prctl(PR_SET_KEEPCAPS)");
      /* (gid first: changing the uid from 0 first would take the right to) */
      if (gid != (gid_t)-1 && setresgid (gid, gid, gid) < 0)
        die_with_error ("Can't switch to gid %u%s", (unsigned)gid,
                        sb->userns_fd >= 0 ? " in the --userns namespace (is it mapped there?)"
                                           : "");
      if (uid != (uid_t)-1 && setresuid (uid, uid, uid) < 0)
        die_with_error ("Can't switch to uid %u%s", (unsigned)uid,
                        sb->userns_fd >= 0 ? " in the --userns namespace (is it mapped there?)"
                                           : "");
      confine_regain_effective ();
    }

  if (sb->userns2_fd >= 0)
    {
      if (setns (sb->userns2_fd, CLONE_NEWUSER) < 0)
        die_with_error ("Setting userns2 failed");
      close (sb->userns2_fd);
    }
  else if (run->nested_userns)
    {
      if (sb->disable_userns)
        limit_user_namespaces (run);
      if (unshare (CLONE_NEWUSER) < 0)
        die_with_error ("Can't create the nested user namespace for --uid/--gid");
      /* The command's ids onto those this process has now. */
      const struct one_id_map map = {
        .uid = true,
        .uid_inside = run->cmd_uid,
        .uid_outside = run->switch_ids ? run->switch_uid : run->ns_uid,
        .gid = true,
        .gid_inside = run->cmd_gid,
        .gid_outside = run->switch_ids ? run->switch_gid : run->ns_gid,
      };
      enum idmap_file failed;
      int r = idmap_write_one_id (run->proc_fd, 0, true, &map, &failed);
      if (r < 0 && failed == IDMAP_SETGROUPS)
        die_with_errno (-r, "Can't write /proc/self/setgroups");
      if (r < 0 && failed == IDMAP_UID_MAP)
        die_with_errno (-r, "Can't write uid map of the nested user namespace");
      if (r < 0)
        die_with_errno (-r, "Can't write gid map of the nested user namespace");
    }

  if (sb->assert_userns_disabled)
    {
      /* Succeeding would leave this process in a new namespace, but it
       * dies right away then. */
      if (unshare (CLONE_NEWUSER) == 0)
        die ("creation of new user namespaces was not disabled as requested");
    }
}
