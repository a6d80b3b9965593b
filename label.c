/* hutch — SELinux labels.  The one #ifdef for libselinux lives here.
 *
 * libselinux is not linked: it is loaded with dlopen() by label_check(),
 * and only when --exec-label or --file-label is given.  Linked, it cost
 * every start its constructor (a statfs of /sys/fs/selinux and /selinux,
 * a read of /proc/filesystems, an access of /etc/selinux/config) and the
 * relocations and page faults of it and of libpcre2: ~10% of a start-up
 * with no label at all.  label_check() runs in the check phase, on the
 * host's root, so the library is in memory before the build changes the
 * root; label_exec() in the child then calls what was resolved.  The
 * build still needs libselinux's headers (configure --with-selinux), and
 * --version still lists "selinux": the support is compiled in. */
#include "config.h"

#include "label.h"

#include "utils.h"

#ifdef HAVE_SELINUX
#include <dlfcn.h>
#include <selinux/selinux.h>

#define SELINUX_SONAME "libselinux.so.1"

/* The calls used, resolved from the loaded library. */
static struct
{
  __typeof__ (is_selinux_enabled) *is_enabled;
  __typeof__ (security_check_context) *check_context;
  __typeof__ (setexeccon) *set_exec_context;
} selinux;

static void *
selinux_symbol (void *lib, const char *name)
{
  void *sym = dlsym (lib, name);
  if (sym == NULL)
    die ("%s has no %s: %s (a libselinux too old or broken)", SELINUX_SONAME, name, dlerror ());
  return sym;
}

/* Load libselinux once; `option` names what needs it, for the message. */
static void
selinux_load (const char *option)
{
  if (selinux.is_enabled != NULL)
    return;
  void *lib = dlopen (SELINUX_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL)
    die ("%s needs %s, which cannot be loaded: %s (install libselinux)", option, SELINUX_SONAME,
         dlerror ());
  selinux.is_enabled = selinux_symbol (lib, "is_selinux_enabled");
  selinux.check_context = selinux_symbol (lib, "security_check_context");
  selinux.set_exec_context = selinux_symbol (lib, "setexeccon");
}
#endif

static void
check_one (const char *option, const char *label)
{
  if (label == NULL)
    return;
#ifdef HAVE_SELINUX
  selinux_load (option);
  if (selinux.is_enabled () <= 0)
    die ("%s %s: SELinux is not enabled on this host", option, label);
  if (selinux.check_context (label) < 0)
    die_with_error ("Invalid label %s", label);
#else
  die ("%s %s: this hutch was built without SELinux support (configure --with-selinux)", option,
       label);
#endif
}

void
label_check (const struct sandbox *sb)
{
  check_one ("--exec-label", sb->exec_label);
  check_one ("--file-label", sb->file_label);
}

void
label_exec (const char *label)
{
  if (label == NULL)
    return;
#ifdef HAVE_SELINUX
  /* label_check() loaded the library for this label. */
  if (selinux.set_exec_context == NULL || selinux.set_exec_context (label) < 0)
    die_with_error ("Can't set the exec label %s", label);
#endif
}

char *
label_mount_option (const char *label)
{
  if (label == NULL)
    return NULL;
  return xasprintf ("context=\"%s\"", label);
}
