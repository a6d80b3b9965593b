/* hutch — the limits of the command: resource limits (--rlimit) and the
 * wall-clock limit (--timeout).  (Not named limits.h: that would hide the
 * system's <limits.h>.) */
#pragma once

#include <sys/types.h>

#include "sandbox.h"
#include "utils.h"

/* Parse time.  Die with one line on a bad value. */
void limit_parse_rlimit (struct sandbox *sb, const char *arg);  /* NAME=SOFT[:HARD] */
void limit_parse_timeout (struct sandbox *sb, const char *arg); /* SECONDS[:GRACE] */
/* Seconds with an optional fraction ("30", "1.5"), the first len bytes of s, in ms. */
bool limit_parse_seconds (const char *s, size_t len, uint64_t *ms);

/* A limit as --rlimit takes it: a number, or "unlimited" for UINT64_MAX. */
void format_limit (uint64_t v, char *buf, size_t size);

/* The --rlimit name of an RLIMIT_* resource ("nofile"), "?" if unknown. */
const char *rlimit_name_of (int resource);

/* Check phase: a hard limit above the current one can only be raised by
 * real root outside a user namespace; refuse it early for anyone else. */
void limit_check (const struct sandbox *sb, const struct run *run);

/* In the command, just before no_new_privs: set the --rlimit limits. */
void limit_apply_rlimits (const struct sandbox *sb);
