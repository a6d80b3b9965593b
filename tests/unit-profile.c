/* hutch — unit tests for profile.c: the words of a profile's text
 * (quoting, comments, lines, ${VAR} expansion) and its errors.  Pure: no
 * file, no environment (the variables come from the table below).
 */
#include "config.h"

#include "profile.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

/* The variables the tests see. */
static const char *const vars[][2] = {
  { "HOME", "/home/u" }, { "EMPTY", "" }, { "SPACED", "a b  c" }, { "QUOTES", "it's \"q\" $X \\" },
  { "UID", "1000" },
};

static const char *
lookup (const char *name, void *data UNUSED)
{
  for (size_t i = 0; i < N_ELEMENTS (vars); i++)
    if (strcmp (vars[i][0], name) == 0)
      return vars[i][1];
  return NULL;
}

static struct profile_words words;
static struct profile_error err;

static int
split (const char *text)
{
  profile_words_free (&words);
  memset (&err, 0, sizeof err);
  return profile_split (text, strlen (text), lookup, NULL, &words, &err);
}

/* The words, "|"-joined, each followed by "@LINE" and "*" when first. */
static const char *
shown (void)
{
  static char buf[4096];
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < words.n && n < sizeof buf - 64; i++)
    n += (size_t)snprintf (buf + n, sizeof buf - n, "%s%s@%u%s", i ? "|" : "", words.v[i].text,
                           words.v[i].line, words.v[i].first ? "*" : "");
  return buf;
}

static void
expect_words (const char *text, const char *expected, const char *what)
{
  int r = split (text);
  if (!ok (r == 0 && strcmp (shown (), expected) == 0, "%s", what))
    printf ("# got r=%d [%s] (error line %u: %s), expected [%s]\n", r, shown (), err.line,
            err.message, expected);
}

static void
expect_error (const char *text, unsigned line, const char *message, const char *what)
{
  int r = split (text);
  if (!ok (r < 0 && err.line == line && strcmp (err.message, message) == 0 && words.n == 0, "%s",
           what))
    printf ("# got r=%d line %u [%s], expected line %u [%s]\n", r, err.line, err.message, line,
            message);
}

static void
test_words (void)
{
  expect_words ("", "", "an empty text has no words");
  expect_words ("--tmpfs /tmp\n--dev /dev\n", "--tmpfs@1*|/tmp@1|--dev@2*|/dev@2",
                "words a line, each with its line and the first of each line marked");
  expect_words ("  \t--a\tb  \r\n\n\n--c", "--a@1*|b@1|--c@4*",
                "blanks, tabs, CR and blank lines only separate; no newline at the end");
  expect_words ("# a comment\n--a b # the rest too\n  # indented\n--c d#e",
                "--a@2*|b@2|--c@4*|d#e@4",
                "comments: a word that starts with #, to the line's end");
  expect_words ("--a 'x y' 'it''s' '$HOME ${HOME} \\ \"' ''",
                "--a@1*|x y@1|its@1|$HOME ${HOME} \\ \"@1|@1",
                "single quotes keep everything, an empty one is an empty word");
  expect_words (
      "--a \"x  y\" \"${HOME}/d\" \"\\\"\\\\\\$\" \"\\n#\"",
      "--a@1*|x  y@1|/home/u/d@1|\"\\$@1|\\n#@1",
      "double quotes: blanks kept, ${} expanded, \\\" \\\\ \\$ escaped, other backslashes kept");
  expect_words ("--a x\\ y \\# \\'q\\' a\\\\b", "--a@1*|x y@1|#@1|'q'@1|a\\b@1",
                "a backslash outside quotes keeps the next character");
  expect_words ("--bind \\\n  /a \\\n  /b\n--c", "--bind@1*|/a@2|/b@3|--c@4*",
                "a backslash before a newline goes on to the next line (not a new option line)");
  expect_words ("--a x\\\ny", "--a@1*|xy@1", "a backslash-newline inside a word joins it");
  expect_words ("--a pre\"mid dle\"'post'", "--a@1*|premid dlepost@1",
                "quoted and bare parts make one word");
  expect_words ("--a $ a$ $$ $1 5$", "--a@1*|$@1|a$@1|$$@1|$1@1|5$@1",
                "a dollar sign not before a name or { stays");
}

static void
test_variables (void)
{
  expect_words ("--tmpfs ${HOME} ${HOME}/x${UID}", "--tmpfs@1*|/home/u@1|/home/u/x1000@1",
                "${NAME} expands, in a word too");
  expect_words ("--a ${SPACED} \"${SPACED}\"", "--a@1*|a b  c@1|a b  c@1",
                "an expanded value stays one word, quoted or not");
  expect_words ("--a ${QUOTES}", "--a@1*|it's \"q\" $X \\@1",
                "an expanded value is not read again (quotes, $, backslashes kept)");
  expect_words ("--a ${NOPE:-dflt} ${HOME:-dflt} ${EMPTY:-dflt} ${EMPTY:-}",
                "--a@1*|dflt@1|/home/u@1|dflt@1|@1",
                "${NAME:-DEFAULT}: the default when unset or empty, else the value");
  expect_words ("--a ${NOPE:-${HOME}/.x} ${NOPE:-${NO2:-/run/user/${UID}}}/bus",
                "--a@1*|/home/u/.x@1|/run/user/1000/bus@1", "a default holds ${...} itself");
  expect_words ("--a ${NOPE:-a b} ${NOPE:-'}'} ${NOPE:-\"${HOME}\"}", "--a@1*|a b@1|}@1|/home/u@1",
                "a default keeps its blanks and may be quoted");
  expect_words ("--a ${HOME:-${UNSET_BUT_NOT_USED:-x}}", "--a@1*|/home/u@1",
                "a default not used is still read, but not kept");
  expect_words ("--a '${NOPE}' \"\\${NOPE}\" \\${NOPE}", "--a@1*|${NOPE}@1|${NOPE}@1|${NOPE}@1",
                "${...} quoted or escaped is not expanded");
}

static void
test_errors (void)
{
  expect_error ("--a b\n--tmpfs ${NOPE}/x\n", 2,
                "\"${NOPE}/x\": ${NOPE} is not set (write ${NOPE:-DEFAULT} for a default)",
                "an unset variable: its line, the word, and how to give a default");
  expect_error ("--a ${HOME:-${NOPE}}", 1,
                "\"${HOME:-${NOPE}}\": ${NOPE} is not set (write ${NOPE:-DEFAULT} for a default)",
                "an unset variable in a default not used is an error too");
  expect_error ("\n\n--a $HOME/x", 3,
                "\"$HOME/x\": write ${NAME}, not $NAME (or '$' for a dollar sign)",
                "$NAME without braces is an error, not a literal");
  expect_error ("--a 'open\n'", 1, "\"'open\": a single quote without its end on the same line",
                "a single quote without its end");
  expect_error ("--a \"open", 1, "\"\"open\": a double quote without its end on the same line",
                "a double quote without its end");
  expect_error ("--a ${HOME", 1, "\"${HOME\": ${HOME must be followed by \"}\" or \":-DEFAULT}\"",
                "a ${ without its }");
  expect_error ("--a ${NOPE:-x\ny}", 1,
                "\"${NOPE:-x\": a \"${\" without its \"}\" on the same line",
                "a default that runs past its line");
  expect_error ("--a ${1}", 1, "\"${1}\": \"${\" must be followed by a variable name",
                "a ${ without a name");
  expect_error ("--a ${HOME:+x}", 1,
                "\"${HOME:+x}\": ${HOME must be followed by \"}\" or \":-DEFAULT}\"",
                "only :- is a default");
  expect_error ("--a x\\", 1, "\"x\\\": a backslash at the end of the file",
                "a backslash at the end of the file");
  static const char nul[] = "--a\n--b x\0y\n";
  profile_words_free (&words);
  int r = profile_split (nul, sizeof nul - 1, lookup, NULL, &words, &err);
  ok (r < 0 && err.line == 2 && strstr (err.message, "a NUL byte") != NULL, "a NUL byte: its line");

  char deep[512] = "--a ";
  for (int i = 0; i < PROFILE_MAX_NESTING + 1; i++)
    strcat (deep, "${NOPE:-");
  strcat (deep, "x");
  for (int i = 0; i < PROFILE_MAX_NESTING + 1; i++)
    strcat (deep, "}");
  r = split (deep);
  ok (r < 0 && strstr (err.message, "nested more than 8 deep") != NULL,
      "defaults nested more than 8 deep are refused");

  size_t big = PROFILE_MAX_WORD + 10;
  char *long_word = malloc (big + 8);
  memcpy (long_word, "--a ", 4);
  memset (long_word + 4, 'x', big);
  long_word[4 + big] = '\0';
  r = split (long_word);
  ok (r < 0 && strstr (err.message, "a word longer than 65536 bytes") != NULL
          && strstr (err.message, "xxx...\"") != NULL,
      "a word too long: refused, quoted short");
  free (long_word);

  static char too_big[PROFILE_MAX_BYTES + 2];
  memset (too_big, ' ', sizeof too_big - 1);
  profile_words_free (&words);
  r = profile_split (too_big, sizeof too_big - 1, lookup, NULL, &words, &err);
  ok (r < 0 && strstr (err.message, "longer than") != NULL, "a text over 1 MiB is refused");
}

/* Every shipped profile reads without an error, its first line a comment
 * "# NAME: ..." and every line but comments an option. */
static void
test_shipped (void)
{
  for (size_t i = 0; i < builtin_profiles_len; i++)
    {
      const struct builtin_profile *b = &builtin_profiles[i];
      char head[80];
      snprintf (head, sizeof head, "# %s: ", b->name);
      int r = split (b->text);
      bool lines_ok = true;
      for (size_t k = 0; k < words.n; k++)
        if (words.v[k].first && words.v[k].text[0] != '-')
          lines_ok = false;
      ok (r == 0 && words.n > 0 && lines_ok && strncmp (b->text, head, strlen (head)) == 0
              && builtin_profile_find (b->name) == b,
          "shipped profile %s reads, starts with \"%s\", a line an option", b->name, head);
    }
  ok (builtin_profile_find ("nope") == NULL, "no shipped profile nope");
}

int
main (void)
{
  test_words ();
  test_variables ();
  test_errors ();
  test_shipped ();
  profile_words_free (&words);
  return tap_summary ();
}
