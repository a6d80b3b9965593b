/* hutch — presets (--preset NAME): named sets of ordinary options. */
#pragma once

#include <limits.h>
#include <stdio.h>

#include "sandbox.h"

/* What a preset's host-dependent steps look at. */
struct preset_context
{
  const struct sandbox *sb; /* what the command line set before the preset */
  const char *home;         /* $HOME, or NULL */
  const char *cwd;          /* the current directory, or NULL */
  char cwd_buf[PATH_MAX];   /* where cwd points */
};

/* The words NAME expands into (NULL-terminated; the caller keeps them).
 * Dies with the list of valid names when NAME is unknown. */
char **preset_words (const char *name, const struct preset_context *ctx, size_t *n_words);

/* --preset list: every preset and what it expands to here. */
void preset_print_list (FILE *out, const struct preset_context *ctx);
