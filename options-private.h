/* hutch — what the parser (options.c) and the option table
 * (option-table.c) share.  Only those two files include this. */
#pragma once

#include "options.h"
#include "profile-files.h"

/* At least the number of rows of option_table (option-table.c checks). */
#define OPTIONS_MAX 160

/* One source of words: the command line or the data of one --args FD. */
struct word_source
{
  char **words;
  size_t n_words;
  size_t next;
  char **owned;                         /* the words array when we allocated it, else NULL */
  const struct profile_source *profile; /* the profile the words come from, or NULL */
};

/* A profile being read (--profile, --preset), and what included it. */
struct profile_source
{
  struct loaded_profile p;
  const struct profile_source *parent; /* NULL: from the command line */
  int depth;                           /* 1 for one named on the command line */
  struct profile_source *next;         /* all of one run, for the release */
};

/* Everything one options_parse() run keeps between words: it lives on
 * options_parse()'s stack and every handler gets it, so two runs (on two
 * sandboxes, or one after a run that died half-way) share nothing. */
struct parse_ctx
{
  struct sandbox *sb; /* the sandbox being built */

  /* option_table sorted by name, for the lookups (made on first use;
   * inline, so that a run that dies leaves nothing allocated for it). */
  const struct option_def *sorted[OPTIONS_MAX];
  bool sorted_ready;

  /* The stack of word sources: the command line at the bottom, one per
   * --args FD above it (its depth is the --args nesting). */
  struct word_source *sources;
  size_t n_sources, sources_cap;

  /* Every profile read, the command of the outermost one that has one,
   * and the profile and line of the option being handled (NULL, 0 when
   * it comes from the command line). */
  struct profile_source *profiles;
  const struct profile_source *profile_command_from;
  const struct profile_source *current_profile;
  unsigned current_line;

  /* Words and bytes brought in by every --args so far. */
  size_t args_words_total, args_bytes_total;

  /* --perms, --size and --overlay-src prepare the next option. */
  bool perms_pending;
  mode_t perms;
  bool size_pending;
  size_t size;
  const char **overlay_srcs;
  size_t n_overlay_srcs, overlay_srcs_cap;
};

/* options.c: the word sources */

/* Put words on top of the stack of sources: they are read next, as if
 * they stood here on the command line.  `owned`: the array (not the
 * words) is freed once its words are read. */
void source_push (struct parse_ctx *pc, char **words, size_t n_words, bool owned);

/* The words of the profile NAME (or PATH; the shipped profile NAME when
 * `builtin`) are read next, as if typed here.  Refuses cycles and
 * includes nested deeper than PROFILE_MAX_DEPTH. */
void push_profile (struct parse_ctx *pc, const char *name, bool builtin);

/* The handler of --args FD: its words are read next. */
void h_args (struct parse_ctx *pc, const struct option_def *opt, char **args);

/* option-table.c: what the handlers keep between options */

/* A file descriptor number; dies on anything else. */
int fd_arg (const char *s);

/* The words of the preset NAME are read next, as if typed here. */
void push_preset (struct parse_ctx *pc, const char *name);

/* After each option: --perms, --size and --overlay-src must be followed
 * by an option that uses what they prepared. */
void check_pending_after (const struct parse_ctx *pc, const struct option_def *opt);

/* Once the command starts: nothing may be left pending. */
void check_nothing_pending (const struct parse_ctx *pc);

/* At the end of a run: free what the context still holds. */
void parse_ctx_release (struct parse_ctx *pc);
