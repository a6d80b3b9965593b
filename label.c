/* hutch — SELinux labels.  The one #ifdef for libselinux lives here. */
#include "config.h"

#include "label.h"

#include "utils.h"

#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#endif

static void
check_one (const char *option, const char *label)
{
  if (label == NULL)
    return;
#ifdef HAVE_SELINUX
  if (is_selinux_enabled () <= 0)
    die ("%s %s: SELinux is not enabled on this host", option, label);
  if (security_check_context (label) < 0)
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
  if (setexeccon (label) < 0)
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
