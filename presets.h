/* hutch — presets (--preset NAME: a shipped profile) and the
 * host-dependent options their profiles use. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "sandbox.h"

/* What the host-dependent options look at. */
struct preset_context
{
  const struct sandbox *sb; /* what the command line set before them */
  const char *home;         /* $HOME, or NULL */
  const char *cwd;          /* the current directory, or NULL */
  char cwd_buf[PATH_MAX];   /* where cwd points */
  bool chdir_set;           /* a --chdir came before (--preset list's expansion) */
};

/* Dies with the list of valid names unless NAME is a preset. */
void preset_check_name (const char *name);

/* The words the host-dependent option (--system-links, --cwd-bind MODE,
 * --x11-socket, --seccomp-policy-try NAME) stands for here
 * (NULL-terminated; the caller keeps them).  Dies on a bad MODE. */
char **preset_host_words (const char *option, const char *arg, const struct preset_context *ctx,
                          size_t *n_words);

/* --preset list: every preset and what it expands to here. */
void preset_print_list (FILE *out, const struct preset_context *ctx);
