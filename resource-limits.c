/* hutch — resource limits (--rlimit) and the wall-clock limit (--timeout).
 *
 * --rlimit is applied by the command itself just before no_new_privs, late
 * enough that hutch's own last steps are not cramped by it (a tiny "as" or
 * "nofile" would be), early enough that real root still holds the
 * capability to raise a hard limit.  Inside a user namespace nobody can
 * raise a hard limit: the kernel checks CAP_SYS_RESOURCE in the initial
 * namespace.
 *
 * --timeout is parsed here and run by the monitor (timeout.c).
 */
#include "config.h"

#include "resource-limits.h"

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define DEFAULT_GRACE_MS 2000
#define MAX_SECONDS 1000000000ULL /* about 31 years */

struct rlimit_name
{
  const char *name;
  int resource;
};

static const struct rlimit_name rlimit_names[] = {
  { "as", RLIMIT_AS },
  { "core", RLIMIT_CORE },
  { "cpu", RLIMIT_CPU },
  { "data", RLIMIT_DATA },
  { "fsize", RLIMIT_FSIZE },
  { "memlock", RLIMIT_MEMLOCK },
  { "msgqueue", RLIMIT_MSGQUEUE },
  { "nice", RLIMIT_NICE },
  { "nofile", RLIMIT_NOFILE },
  { "nproc", RLIMIT_NPROC },
  { "rss", RLIMIT_RSS },
  { "rtprio", RLIMIT_RTPRIO },
  { "rttime", RLIMIT_RTTIME },
  { "sigpending", RLIMIT_SIGPENDING },
  { "stack", RLIMIT_STACK },
};

const char *
rlimit_name_of (int resource)
{
  for (size_t i = 0; i < N_ELEMENTS (rlimit_names); i++)
    if (rlimit_names[i].resource == resource)
      return rlimit_names[i].name;
  return "?";
}

/* ------------------------------------------------------------------------ */
/* --rlimit                                                                  */

/* A limit: decimal digits, or "unlimited" / "infinity" (UINT64_MAX). */
static bool
parse_limit (const char *s, size_t len, uint64_t *out)
{
  uint64_t v = 0;

  if ((len == 9 && strncmp (s, "unlimited", 9) == 0)
      || (len == 8 && strncmp (s, "infinity", 8) == 0))
    {
      *out = UINT64_MAX;
      return true;
    }
  if (len == 0)
    return false;
  for (size_t i = 0; i < len; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return false;
      unsigned d = (unsigned)(s[i] - '0');
      if (v > (UINT64_MAX - 1 - d) / 10) /* UINT64_MAX itself means unlimited */
        return false;
      v = v * 10 + d;
    }
  *out = v;
  return true;
}

void
format_limit (uint64_t v, char *buf, size_t size)
{
  if (v == UINT64_MAX)
    snprintf (buf, size, "unlimited");
  else
    snprintf (buf, size, "%" PRIu64, v);
}

void
limit_parse_rlimit (struct sandbox *sb, const char *arg)
{
  const char *eq = strchr (arg, '=');
  const struct rlimit_name *res = NULL;
  struct rlimit_setting set;

  if (eq == NULL || eq == arg)
    die ("--rlimit: expected NAME=SOFT[:HARD], got \"%s\"", arg);
  for (size_t i = 0; i < N_ELEMENTS (rlimit_names); i++)
    if (strlen (rlimit_names[i].name) == (size_t)(eq - arg)
        && strncmp (rlimit_names[i].name, arg, (size_t)(eq - arg)) == 0)
      res = &rlimit_names[i];
  if (res == NULL)
    die ("--rlimit: unknown resource \"%.*s\" (as, core, cpu, data, fsize, memlock, msgqueue,"
         " nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack)",
         (int)(eq - arg), arg);

  const char *value = eq + 1;
  const char *colon = strchr (value, ':');
  size_t soft_len = colon ? (size_t)(colon - value) : strlen (value);
  bool ok = parse_limit (value, soft_len, &set.soft);
  if (ok && colon != NULL)
    ok = parse_limit (colon + 1, strlen (colon + 1), &set.hard);
  else
    set.hard = set.soft; /* one value sets both, like ulimit */
  if (!ok)
    die ("--rlimit %s: invalid value \"%s\" (SOFT[:HARD], each a number or \"unlimited\")",
         res->name, value);
  if (set.soft > set.hard)
    {
      char soft[32], hard[32];
      format_limit (set.soft, soft, sizeof soft);
      format_limit (set.hard, hard, sizeof hard);
      die ("--rlimit %s: the soft limit %s is above the hard limit %s", res->name, soft, hard);
    }
  set.resource = res->resource;

  /* One setting per resource: the last one wins. */
  for (size_t i = 0; i < sb->n_rlimits; i++)
    if (sb->rlimits[i].resource == set.resource)
      {
        sb->rlimits[i] = set;
        return;
      }
  sb->rlimits = xrealloc (sb->rlimits, (sb->n_rlimits + 1) * sizeof *sb->rlimits);
  sb->rlimits[sb->n_rlimits++] = set;
}

void
limit_check (const struct sandbox *sb, const struct run *run)
{
  if (geteuid () == 0 && !run->userns)
    return;
  for (size_t i = 0; i < sb->n_rlimits; i++)
    {
      const struct rlimit_setting *s = &sb->rlimits[i];
      struct rlimit cur;
      if (getrlimit ((__rlimit_resource_t)s->resource, &cur) < 0 || cur.rlim_max == RLIM_INFINITY
          || s->hard <= (uint64_t)cur.rlim_max)
        continue;
      char want[32], have[32];
      format_limit (s->hard, want, sizeof want);
      format_limit ((uint64_t)cur.rlim_max, have, sizeof have);
      die ("--rlimit %s: the hard limit %s is above the current one, %s, which only root"
           " outside a user namespace can raise",
           rlimit_name_of (s->resource), want, have);
    }
}

void
limit_apply_rlimits (const struct sandbox *sb)
{
  for (size_t i = 0; i < sb->n_rlimits; i++)
    {
      const struct rlimit_setting *s = &sb->rlimits[i];
      struct rlimit rl = {
        .rlim_cur = s->soft == UINT64_MAX ? RLIM_INFINITY : (rlim_t)s->soft,
        .rlim_max = s->hard == UINT64_MAX ? RLIM_INFINITY : (rlim_t)s->hard,
      };
      if (setrlimit ((__rlimit_resource_t)s->resource, &rl) < 0)
        {
          char soft[32], hard[32];
          format_limit (s->soft, soft, sizeof soft);
          format_limit (s->hard, hard, sizeof hard);
          die_with_error ("Can't set --rlimit %s=%s:%s", rlimit_name_of (s->resource), soft, hard);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* --timeout: parse                                                          */

/* Seconds with an optional fraction ("30", "1.5", ".25"), in ms. */
bool
limit_parse_seconds (const char *s, size_t len, uint64_t *ms)
{
  uint64_t whole = 0, frac = 0, scale = 1000;
  size_t i = 0, digits = 0;

  for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
    {
      whole = whole * 10 + (uint64_t)(s[i] - '0');
      if (whole > MAX_SECONDS)
        return false;
    }
  if (i < len && s[i] == '.')
    for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
      if (scale > 1)
        {
          scale /= 10;
          frac += (uint64_t)(s[i] - '0') * scale;
        }
  if (i != len || digits == 0)
    return false;
  *ms = whole * 1000 + frac;
  return true;
}

void
limit_parse_timeout (struct sandbox *sb, const char *arg)
{
  const char *colon = strchr (arg, ':');
  size_t len = colon ? (size_t)(colon - arg) : strlen (arg);
  uint64_t ms, grace = DEFAULT_GRACE_MS;

  if (!limit_parse_seconds (arg, len, &ms)
      || (colon != NULL && !limit_parse_seconds (colon + 1, strlen (colon + 1), &grace)))
    die ("--timeout: invalid duration \"%s\" (SECONDS[:GRACE], e.g. 30 or 1.5:5)", arg);
  if (ms == 0)
    die ("--timeout: the timeout must be more than 0 seconds, got \"%s\"", arg);
  sb->timeout_ms = ms;
  sb->timeout_grace_ms = grace;
}
