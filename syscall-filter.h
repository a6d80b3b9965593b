/* hutch — seccomp filters hutch builds itself: --seccomp-deny,
 * --seccomp-errno and --seccomp-policy (the caller's own BPF programs,
 * --seccomp and --add-seccomp-fd, are loaded by confine.c as given).
 *
 * Built without libseccomp, every function here refuses these options
 * with one clear line; callers need no #ifdef.
 */
#pragma once

#include "sandbox.h"
#include "utils.h"

/* Parse time.  Each checks its value and records it in sb; a bad value
 * (unknown system call or @group, unknown errno or policy name) dies with
 * one line naming the option. */
void hutch_seccomp_parse_deny (struct sandbox *sb, const char *list);
void hutch_seccomp_parse_errno (struct sandbox *sb, const char *name);
void hutch_seccomp_parse_policy (struct sandbox *sb, const char *name);

/* Before clone, after landlock_check(): compile what sb asks for into BPF
 * held in memory (run->seccomp_bpf), with the rules that close the ways
 * around run's Landlock port rules; nothing when nothing is asked for.
 * --seccomp-policy default alone (with or without --seccomp-errno) is the
 * program compiled at build time, when the build made one. */
void hutch_seccomp_compile (const struct sandbox *sb, struct run *run);
/* The same, always compiled now with libseccomp: what the build-time
 * generator (tools/gen-seccomp.c) and the unit test that checks its
 * result call. */
void hutch_seccomp_compile_at_run_time (const struct sandbox *sb, struct run *run);
/* The errno the build-time program is compiled with, replaced at run time
 * (no policy rule uses it: not EAFNOSUPPORT, not ENOSYS). */
#define HUTCH_SECCOMP_SENTINEL_ERRNO 4094

/* The last step before exec: load run's filter, if any (no_new_privs must
 * be set).  Returns 0 or -errno. */
int hutch_seccomp_load (const struct run *run);

/* The keyring fallback (see confine.c): a filter built in (no libseccomp
 * needed) that makes add_key, request_key and keyctl fail with ENOSYS on
 * every ABI of the CPU.  _known() is false where hutch does not know the
 * CPU's ABIs; _load() (no_new_privs set) returns 0, -ENOTSUP there, or
 * the -errno of the load. */
bool hutch_seccomp_keyring_filter_known (void);
int hutch_seccomp_load_keyring_filter (void);

/* --explain, --learn (explain.c): with either, hutch_seccomp_compile
 * makes every refusal a seccomp user notification, which the monitor
 * answers.  _refusals() calls fn for each call name hutch's filter
 * refuses, in the order the filter decides (the first of a name wins):
 * the errno, the option (and @group) that refuses it, and whether it is
 * the default policy's.  A call refused only for some arguments (clone,
 * ioctl, socket, ...) comes with the arguments named in `why`. */
typedef void (*hutch_seccomp_refusal_fn) (const char *call, int err, const char *why, bool policy,
                                          void *data);
void hutch_seccomp_refusals (const struct sandbox *sb, hutch_seccomp_refusal_fn fn, void *data);
/* The name of system call nr of the ABI arch (AUDIT_ARCH_*); malloc'd,
 * NULL if unknown. */
char *hutch_seccomp_call_name (uint32_t arch, int nr);

/* True when hutch was built with libseccomp (the presets use it). */
bool hutch_seccomp_available (void);
