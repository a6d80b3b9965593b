/* hutch — what each kind of setup op is: one row per enum op_type.
 *
 * Every fact about an op kind that more than one place decides (the
 * option that makes it, its fd, whether --perms and --size apply, its
 * default mode, what sources it resolves, whether the setuid build
 * refuses it) is a column here; the parser, the checks, the build, the
 * plan and the setuid rules read the row instead of a switch of their own.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "sandbox.h"

/* What the fd of an op must be (options_check_fds()). */
enum op_fd
{
  OP_FD_NONE, /* the op names no fd */
  OP_FD_OPEN, /* anything open, O_PATH included: --bind-fd, --ro-bind-fd */
  OP_FD_READ, /* readable, its data is read: --file, --bind-data, --ro-bind-data */
};

/* The host paths an op names, resolved before the build (setup.c's
 * setup_resolve_sources(), plan.c's resolve_ops()). */
enum op_source
{
  OP_SRC_NONE,    /* none (a symlink's target is not resolved) */
  OP_SRC_BIND,    /* src, a bind source (missing is fine with OPF_TRY) */
  OP_SRC_OVERLAY, /* src (upper), workdir and the --overlay-src layers */
  OP_SRC_LAYERS,  /* the --overlay-src layers only */
};

struct op_kind
{
  const char *name;     /* "bind": --dry-run's word for it */
  const char *try_name; /* "bind-try": with OPF_TRY; NULL: no -try variant */
  const char *option;   /* "--bind": the option that makes it, for messages */
  enum op_fd fd;
  enum op_source source;
  bool takes_perms;          /* a pending --perms applies to it */
  bool takes_size;           /* a pending --size applies to it */
  mode_t default_mode;       /* without --perms; 0: the op has no mode of its own */
  bool read_only;            /* mounted read-only (the ro- variants) */
  bool devices;              /* device nodes usable (--dev-bind) */
  unsigned min_overlay_srcs; /* --overlay-src layers it needs (overlays only) */
  bool setuid_refused;       /* the setuid build refuses it (privilege.c) */
};

/* Indexed by enum op_type; every value has its row (op-kinds.c checks). */
extern const struct op_kind op_kinds[];
extern const size_t op_kinds_len;

/* The row of an op's kind. */
const struct op_kind *op_kind_of (const struct setup_op *op);

/* --dry-run's word for op: its kind's name, or try_name with OPF_TRY. */
const char *op_kind_name (const struct setup_op *op);
