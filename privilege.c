/* hutch — the setuid-optional mode.
 *
 * The sequence, when installed setuid root and started by uid U:
 *
 *   1. privilege_init (first thing in main):  setresgid(G,G,G);
 *      setresuid(U,U,0), which clears the effective set; then capset
 *      permitted = {CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID}, effective = {}.
 *      From here hutch reads its arguments as U, with no effective
 *      capability; the saved uid 0 is the only way back.
 *   2. parse and check, without privilege; close every fd above 2 the
 *      caller did not name.
 *   3. privilege_raise: setresuid(-1,0,-1) (effective = the three kept
 *      capabilities); clone into the new namespaces, a user namespace
 *      always among them (owned by root, so U has no capability over the
 *      child while it sets up); write /proc/CHILD/{setgroups,uid_map,
 *      gid_map} mapping only U and G; privilege_lower.
 *   4. privilege_drop_all in the monitor: setresuid(U,U,U), which clears
 *      every capability; checked with capget.
 *   5. In the child: setresgid/setresuid to the mapped ids inside the
 *      namespace, which are U and G outside.  All setup (paths, files, mounts) happens from here,
 * with capabilities only in the new user namespace.
 *
 * The syscalls made with root ids: clone, open and write of the child's
 * setgroups, uid_map and gid_map, and the setresuid calls themselves.
 */
#include "config.h"

#include "privilege.h"

#include <fcntl.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "op-kinds.h"
#include "options.h"
#include "utils.h"

static bool setuid_mode;
static uid_t caller_uid;
static gid_t caller_gid;

bool
privilege_is_setuid (void)
{
  return setuid_mode;
}

static void
set_caps (const cap_value_t *values, int n, bool effective)
{
  cap_t caps = cap_init ();
  if (caps == NULL)
    die_oom ();
  if (n > 0
      && (cap_set_flag (caps, CAP_PERMITTED, n, values, CAP_SET) < 0
          || (effective && cap_set_flag (caps, CAP_EFFECTIVE, n, values, CAP_SET) < 0)))
    die_with_error ("cap_set_flag");
  if (cap_set_proc (caps) < 0)
    die_with_error ("Can't set capabilities");
  cap_free (caps);
}

void
privilege_init (void)
{
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;

  if (getresuid (&ruid, &euid, &suid) < 0 || getresgid (&rgid, &egid, &sgid) < 0)
    die_with_error ("getresuid");
  if (ruid == euid && rgid == egid && ruid == suid && rgid == sgid)
    return; /* not setuid: the rootless mode (or plain root) */

#ifndef ENABLE_SETUID
  die ("this binary is installed setuid or setgid but was built without --enable-setuid; "
       "refusing to run (remove the setuid bit, or rebuild with ./configure --enable-setuid)");
#else
  static const cap_value_t kept_caps[] = { CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID };

  if (euid != 0)
    die ("installed setuid to uid %u: only setuid root is supported", (unsigned)euid);
  setuid_mode = true;
  caller_uid = ruid;
  caller_gid = rgid;

  /* No group privilege at all, from the start. */
  if (setresgid (rgid, rgid, rgid) < 0)
    die_with_error ("setresgid");
  /* The caller's uid in effect; root kept only as the saved uid. */
  if (setresuid (ruid, ruid, 0) < 0)
    die_with_error ("setresuid");
  set_caps (kept_caps, (int)N_ELEMENTS (kept_caps), false);
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_DUMPABLE)");
#endif
}

void
privilege_check (const struct sandbox *sb)
{
  if (!setuid_mode)
    return;
  if (sb->caps_given && (sb->caps != 0))
    die ("--cap-add is not permitted in setuid mode (the caller is not root)");
  if (sb->userns_fd >= 0)
    die ("--userns is not permitted in setuid mode");
  if (sb->userns2_fd >= 0)
    die ("--userns2 is not permitted in setuid mode");
  if (sb->pidns_fd >= 0)
    die ("--pidns is not permitted in setuid mode");
  if (sb->netns_fd >= 0)
    die ("--netns is not permitted in setuid mode");
  if (sb->userns_block_fd >= 0)
    die ("--userns-block-fd is not permitted in setuid mode");
  /* newuidmap/newgidmap check the caller's allowance, but a map written
   * for a namespace that root created would not be the caller's to ask. */
  if (sb->map_subids)
    die ("--map-subids is not permitted in setuid mode");
  if (sb->n_uid_maps > 0)
    die ("--uid-map is not permitted in setuid mode");
  if (sb->n_gid_maps > 0)
    die ("--gid-map is not permitted in setuid mode");
  /* pasta runs as the caller, who has no rights in a namespace root made. */
  if (sb->net_pasta)
    die ("--net is not permitted in setuid mode (pasta can't enter a user namespace root created)");
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct setup_op *op = &sb->ops[i];
      if (op->flags & OPF_SIZE_SET)
        die ("--size is not permitted in setuid mode");
      if (op_kind_of (op)->setuid_refused)
        die ("%s is not permitted in setuid mode", op_kind_of (op)->option);
    }
}

static void
close_unnamed_fd (int fd, void *data)
{
  if (!options_fd_is_named (data, fd))
    close (fd);
}

void
privilege_close_unnamed_fds (const struct sandbox *sb)
{
  if (!setuid_mode)
    return;
  /* Before /proc is opened for the run: through the path. */
  if (for_each_open_fd (-1, close_unnamed_fd, (void *)sb) < 0)
    die_with_error ("Can't list /proc/self/fd");
}

void
privilege_raise (void)
{
  if (setuid_mode && setresuid ((uid_t)-1, 0, (uid_t)-1) < 0)
    die_with_error ("setresuid");
}

void
privilege_lower (void)
{
  if (setuid_mode && setresuid ((uid_t)-1, caller_uid, (uid_t)-1) < 0)
    die_with_error ("setresuid");
}

void
privilege_drop_all (void)
{
  if (!setuid_mode)
    return;
  if (setresgid (caller_gid, caller_gid, caller_gid) < 0)
    die_with_error ("setresgid");
  if (setresuid (caller_uid, caller_uid, caller_uid) < 0)
    die_with_error ("setresuid");
  set_caps (NULL, 0, false);
  uid_t r, e, s;
  if (getresuid (&r, &e, &s) < 0 || r != caller_uid || e != caller_uid || s != caller_uid)
    die ("Can't drop root privileges");
  cap_t caps = cap_get_proc ();
  cap_flag_value_t v = CAP_CLEAR;
  if (caps == NULL || cap_get_flag (caps, CAP_SYS_ADMIN, CAP_PERMITTED, &v) < 0 || v != CAP_CLEAR)
    die ("Can't drop capabilities");
  cap_free (caps);
}

void
privilege_child_enter_userns (uid_t ns_uid, gid_t ns_gid)
{
  if (!setuid_mode)
    return;
  /* The mapped ids are the caller's outside the namespace. */
  if (setresgid (ns_gid, ns_gid, ns_gid) < 0)
    die_with_error ("setresgid in the user namespace");
  if (setresuid (ns_uid, ns_uid, ns_uid) < 0)
    die_with_error ("setresuid in the user namespace");
  /* The namespace belongs to root: the caller has no capability over this
   * process, so it may be dumpable again, which lets it write its own
   * /proc files (a nested user namespace's maps). */
  if (prctl (PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
    die_with_error ("prctl(PR_SET_DUMPABLE)");
}
