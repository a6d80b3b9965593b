/* hutch — profile files (--profile NAME|PATH): the reader of their text.
 *
 * A profile holds the options of a command line, one option and its
 * arguments a line, quoted as in a shell: '...' keeps everything,
 * "..." keeps everything but ${...}, \", \\ and \$, a backslash outside
 * quotes keeps the next character (and joins lines before a newline).
 * A word that starts with # starts a comment.  ${NAME} is the variable
 * NAME (an error when unset), ${NAME:-DEFAULT} its value or DEFAULT when
 * it is unset or empty.  An expanded value is never split into words.
 *
 * This file only turns text into words: it opens nothing, and the
 * variables come from the caller (profile-files.c gives the environment).
 * What the words mean (an option a line, includes, the command after --)
 * is options.c's business.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A profile's text is at most this long (a real one is a few KiB). */
#define PROFILE_MAX_BYTES ((size_t)1 << 20)
/* No word, once expanded, is longer; no profile has more words. */
#define PROFILE_MAX_WORD ((size_t)1 << 16)
#define PROFILE_MAX_WORDS ((size_t)100000)
/* ${A:-${B:-${C:-...}}} nests at most this deep. */
#define PROFILE_MAX_NESTING 8

/* The value of the variable NAME, or NULL when it is unset. */
typedef const char *(*profile_lookup_fn) (const char *name, void *data);

struct profile_word
{
  char *text;    /* expanded, unquoted */
  unsigned line; /* where it starts, from 1 */
  bool first;    /* the first word of its line (after joined lines) */
};

struct profile_words
{
  struct profile_word *v;
  size_t n, cap;
};

/* What went wrong, and on which line. */
struct profile_error
{
  unsigned line;
  char message[512]; /* quotes the word at fault */
};

/* Split text[0..len) into words, expanding variables through lookup.
 * Returns 0, or -1 with *err filled (and out emptied). */
int profile_split (const char *text, size_t len, profile_lookup_fn lookup, void *data,
                   struct profile_words *out, struct profile_error *err);

void profile_words_free (struct profile_words *w);

/* The profiles shipped in profiles/, built into the binary
 * (profiles-builtin.c, made from those files at build time): the text of
 * NAME.profile, as installed in $(datadir)/hutch/profiles. */
struct builtin_profile
{
  const char *name; /* "safe" */
  const char *text;
};

extern const struct builtin_profile builtin_profiles[];
extern const size_t builtin_profiles_len;

/* The shipped profile NAME, or NULL. */
const struct builtin_profile *builtin_profile_find (const char *name);
