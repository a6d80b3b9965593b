/* hutch — the table of setup op kinds (op-kinds.h). */
#include "config.h"

#include "op-kinds.h"

#include "utils.h"

#define N_OP_KINDS (OP_TYPE_LAST + 1)

const struct op_kind op_kinds[N_OP_KINDS] = {
  [OP_BIND] = { .name = "bind", .try_name = "bind-try", .option = "--bind", .source = OP_SRC_BIND },
  [OP_RO_BIND] = { .name = "ro-bind",
                   .try_name = "ro-bind-try",
                   .option = "--ro-bind",
                   .source = OP_SRC_BIND,
                   .read_only = true },
  [OP_DEV_BIND] = { .name = "dev-bind",
                    .try_name = "dev-bind-try",
                    .option = "--dev-bind",
                    .source = OP_SRC_BIND,
                    .devices = true },
  [OP_BIND_FD] = { .name = "bind-fd", .option = "--bind-fd", .fd = OP_FD_OPEN },
  [OP_RO_BIND_FD]
  = { .name = "ro-bind-fd", .option = "--ro-bind-fd", .fd = OP_FD_OPEN, .read_only = true },
  [OP_REMOUNT_RO] = { .name = "remount-ro", .option = "--remount-ro", .read_only = true },
  [OP_PROC] = { .name = "proc", .option = "--proc" },
  [OP_DEV] = { .name = "dev", .option = "--dev" },
  [OP_TMPFS] = { .name = "tmpfs",
                 .option = "--tmpfs",
                 .takes_perms = true,
                 .takes_size = true,
                 .default_mode = 0755 },
  [OP_MQUEUE] = { .name = "mqueue", .option = "--mqueue" },
  [OP_DIR] = { .name = "dir", .option = "--dir", .takes_perms = true, .default_mode = 0755 },
  [OP_SYMLINK] = { .name = "symlink", .option = "--symlink" },
  [OP_CHMOD] = { .name = "chmod", .option = "--chmod" },
  [OP_FILE] = { .name = "file",
                .option = "--file",
                .fd = OP_FD_READ,
                .takes_perms = true,
                .default_mode = 0666 },
  [OP_BIND_DATA] = { .name = "bind-data",
                     .option = "--bind-data",
                     .fd = OP_FD_READ,
                     .takes_perms = true,
                     .default_mode = 0600 },
  [OP_RO_BIND_DATA] = { .name = "ro-bind-data",
                        .option = "--ro-bind-data",
                        .fd = OP_FD_READ,
                        .takes_perms = true,
                        .default_mode = 0600,
                        .read_only = true },
  [OP_OVERLAY] = { .name = "overlay",
                   .option = "--overlay",
                   .source = OP_SRC_OVERLAY,
                   .min_overlay_srcs = 1,
                   .setuid_refused = true },
  [OP_TMP_OVERLAY] = { .name = "tmp-overlay",
                       .option = "--tmp-overlay",
                       .source = OP_SRC_LAYERS,
                       .min_overlay_srcs = 1,
                       .setuid_refused = true },
  [OP_RO_OVERLAY] = { .name = "ro-overlay",
                      .option = "--ro-overlay",
                      .source = OP_SRC_LAYERS,
                      .min_overlay_srcs = 2,
                      .read_only = true,
                      .setuid_refused = true },
  [OP_LOCK_FILE] = { .name = "lock-file", .option = "--lock-file" },
};

const size_t op_kinds_len = N_ELEMENTS (op_kinds);

const struct op_kind *
op_kind_of (const struct setup_op *op)
{
  if ((size_t)op->type >= op_kinds_len || op_kinds[op->type].name == NULL)
    die ("Unexpected setup operation %d", (int)op->type);
  return &op_kinds[op->type];
}

const char *
op_kind_name (const struct setup_op *op)
{
  const struct op_kind *k = op_kind_of (op);
  return (op->flags & OPF_TRY) && k->try_name ? k->try_name : k->name;
}
