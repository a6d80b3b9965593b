/* hutch — what the parser (options.c) and the option table
 * (option-table.c) share.  Only those two files include this. */
#pragma once

#include "options.h"

/* options.c: the word sources */

/* Put words on top of the stack of sources: they are read next, as if
 * they stood here on the command line.  `owned`: the array (not the
 * words) is freed once its words are read. */
void source_push (char **words, size_t n_words, bool owned);

/* The handler of --args FD: its words are read next. */
void h_args (struct sandbox *sb, const struct option_def *opt, char **args);

/* option-table.c: what the handlers keep between options */

/* A file descriptor number; dies on anything else. */
int fd_arg (const char *s);

/* The words of the preset NAME are read next, as if typed here. */
void push_preset (struct sandbox *sb, const char *name);

/* At the start of options_parse(): nothing pending, capacities matching
 * what sb already holds. */
void option_state_reset (const struct sandbox *sb);

/* After each option: --perms, --size and --overlay-src must be followed
 * by an option that uses what they prepared. */
void check_pending_after (const struct option_def *opt);

/* Once the command starts: nothing may be left pending. */
void check_nothing_pending (void);
