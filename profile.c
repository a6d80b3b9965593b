/* hutch — the reader of profile files' text: words, quotes, variables.
 * (profile.h has the format.)  Pure: text in, words out. */
#include "config.h"

#include "profile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utils.h"

/* One scan of a text: where it is, and the word being built. */
struct scan
{
  const char *text;
  size_t len, i;
  unsigned line;
  profile_lookup_fn lookup;
  void *data;
  struct profile_error *err;
  size_t word_start; /* for quoting the word at fault */
  char *buf;         /* the word so far */
  size_t n, cap;
};

/* The raw text of the word at fault, up to the next blank (at most 60
 * bytes), in err->message after the message itself. */
PRINTF (2, 3) static int fail (struct scan *s, const char *fmt, ...)
{
  char what[320];
  va_list ap;
  size_t end = s->word_start;

  while (end < s->len && end - s->word_start < 60 && s->text[end] != ' ' && s->text[end] != '\t'
         && s->text[end] != '\n' && s->text[end] != '\0')
    end++;
  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  s->err->line = s->line;
  snprintf (s->err->message, sizeof s->err->message, "\"%.*s%s\": %s", (int)(end - s->word_start),
            s->text + s->word_start, end < s->len && end - s->word_start >= 60 ? "..." : "", what);
  return -1;
}

static int
put (struct scan *s, const char *p, size_t n)
{
  if (s->n + n >= PROFILE_MAX_WORD)
    return fail (s, "a word longer than %zu bytes", PROFILE_MAX_WORD);
  if (s->n + n + 1 > s->cap)
    {
      s->cap = (s->n + n + 1) * 2;
      s->buf = xrealloc (s->buf, s->cap);
    }
  memcpy (s->buf + s->n, p, n);
  s->n += n;
  s->buf[s->n] = '\0';
  return 0;
}

static int
put_char (struct scan *s, char c)
{
  return put (s, &c, 1);
}

static bool
name_start (char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
name_char (char c)
{
  return name_start (c) || (c >= '0' && c <= '9');
}

static bool
blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

static int scan_text (struct scan *s, char end, int depth);

/* At "${": the variable's value, or its default, appended. */
static int
expand (struct scan *s, int depth)
{
  char name[128];
  size_t k = 0;

  s->i += 2;
  if (s->i >= s->len || !name_start (s->text[s->i]))
    return fail (s, "\"${\" must be followed by a variable name");
  while (s->i < s->len && name_char (s->text[s->i]))
    {
      if (k + 1 >= sizeof name)
        return fail (s, "a variable name longer than %zu bytes", sizeof name - 1);
      name[k++] = s->text[s->i++];
    }
  name[k] = '\0';
  if (s->i < s->len && s->text[s->i] == '}')
    {
      s->i++;
      const char *value = s->lookup (name, s->data);
      if (value == NULL)
        return fail (s, "${%s} is not set (write ${%s:-DEFAULT} for a default)", name, name);
      return put (s, value, strlen (value));
    }
  if (s->i + 1 >= s->len || s->text[s->i] != ':' || s->text[s->i + 1] != '-')
    return fail (s, "${%s must be followed by \"}\" or \":-DEFAULT}\"", name);
  s->i += 2;
  if (depth >= PROFILE_MAX_NESTING)
    return fail (s, "defaults nested more than %d deep", PROFILE_MAX_NESTING);

  const char *value = s->lookup (name, s->data);
  if (value != NULL && value[0] != '\0')
    {
      /* The default is read (its errors count) but not kept. */
      size_t kept = s->n;
      if (scan_text (s, '}', depth + 1) < 0)
        return -1;
      s->n = kept;
      return put (s, value, strlen (value));
    }
  return scan_text (s, '}', depth + 1);
}

/* Inside "...": until the closing quote. */
static int
scan_double (struct scan *s, int depth)
{
  s->i++;
  for (;;)
    {
      if (s->i >= s->len || s->text[s->i] == '\n')
        return fail (s, "a double quote without its end on the same line");
      char c = s->text[s->i];
      if (c == '"')
        {
          s->i++;
          return 0;
        }
      if (c == '\\' && s->i + 1 < s->len && strchr ("\"\\$", s->text[s->i + 1]) != NULL)
        {
          if (put_char (s, s->text[s->i + 1]) < 0)
            return -1;
          s->i += 2;
        }
      else if (c == '$' && s->i + 1 < s->len && s->text[s->i + 1] == '{')
        {
          if (expand (s, depth) < 0)
            return -1;
        }
      else if (c == '\0')
        return fail (s, "a NUL byte");
      else
        {
          if (put_char (s, c) < 0)
            return -1;
          s->i++;
        }
    }
}

/* Inside '...': until the closing quote, everything kept. */
static int
scan_single (struct scan *s)
{
  size_t start = ++s->i;
  while (s->i < s->len && s->text[s->i] != '\'' && s->text[s->i] != '\n' && s->text[s->i] != '\0')
    s->i++;
  if (s->i >= s->len || s->text[s->i] != '\'')
    return fail (s, "a single quote without its end on the same line");
  if (put (s, s->text + start, s->i - start) < 0)
    return -1;
  s->i++;
  return 0;
}

/* A word (end == 0: until a blank or a newline) or a default (end ==
 * '}': until that brace, blanks kept). */
static int
scan_text (struct scan *s, char end, int depth)
{
  for (;;)
    {
      if (s->i >= s->len)
        return end == 0 ? 0 : fail (s, "a \"${\" without its \"}\"");
      char c = s->text[s->i];
      if (end == 0 && (blank (c) || c == '\n'))
        return 0;
      if (end != 0 && c == end)
        {
          s->i++;
          return 0;
        }
      if (c == '\n')
        return fail (s, "a \"${\" without its \"}\" on the same line");
      if (c == '\0')
        return fail (s, "a NUL byte");
      if (c == '\'')
        {
          if (scan_single (s) < 0)
            return -1;
        }
      else if (c == '"')
        {
          if (scan_double (s, depth) < 0)
            return -1;
        }
      else if (c == '\\')
        {
          if (s->i + 1 >= s->len)
            return fail (s, "a backslash at the end of the file");
          if (s->text[s->i + 1] == '\n')
            {
              s->line++; /* the line goes on */
              s->i += 2;
              continue;
            }
          if (s->text[s->i + 1] == '\0')
            return fail (s, "a NUL byte");
          if (put_char (s, s->text[s->i + 1]) < 0)
            return -1;
          s->i += 2;
        }
      else if (c == '$' && s->i + 1 < s->len && s->text[s->i + 1] == '{')
        {
          if (expand (s, depth) < 0)
            return -1;
        }
      else if (c == '$' && s->i + 1 < s->len && name_start (s->text[s->i + 1]))
        return fail (s, "write ${NAME}, not $NAME (or '$' for a dollar sign)");
      else
        {
          if (put_char (s, c) < 0)
            return -1;
          s->i++;
        }
    }
}

static void
add_word (struct profile_words *out, char *text, unsigned line, bool first)
{
  out->v = xgrow (out->v, &out->cap, out->n, sizeof *out->v);
  out->v[out->n++] = (struct profile_word){ .text = text, .line = line, .first = first };
}

int
profile_split (const char *text, size_t len, profile_lookup_fn lookup, void *data,
               struct profile_words *out, struct profile_error *err)
{
  struct scan s
      = { .text = text, .len = len, .line = 1, .lookup = lookup, .data = data, .err = err };
  bool line_start = true;

  *out = (struct profile_words){ 0 };
  if (len > PROFILE_MAX_BYTES)
    {
      err->line = 1;
      snprintf (err->message, sizeof err->message, "longer than %zu bytes", PROFILE_MAX_BYTES);
      return -1;
    }
  while (s.i < len)
    {
      char c = text[s.i];
      if (c == '\n')
        {
          s.line++;
          s.i++;
          line_start = true;
          continue;
        }
      if (blank (c))
        {
          s.i++;
          continue;
        }
      if (c == '\\' && s.i + 1 < len && text[s.i + 1] == '\n')
        {
          s.line++;
          s.i += 2;
          continue;
        }
      if (c == '#')
        {
          while (s.i < len && text[s.i] != '\n')
            s.i++;
          continue;
        }
      s.word_start = s.i;
      unsigned line = s.line;
      s.n = 0;
      if (put (&s, "", 0) < 0 || scan_text (&s, 0, 0) < 0)
        goto failed;
      if (out->n >= PROFILE_MAX_WORDS)
        {
          fail (&s, "more than %zu words", PROFILE_MAX_WORDS);
          goto failed;
        }
      add_word (out, xstrdup (s.buf), line, line_start);
      line_start = false;
    }
  free (s.buf);
  return 0;

failed:
  free (s.buf);
  profile_words_free (out);
  return -1;
}

void
profile_words_free (struct profile_words *w)
{
  for (size_t i = 0; i < w->n; i++)
    free (w->v[i].text);
  free (w->v);
  *w = (struct profile_words){ 0 };
}

const struct builtin_profile *
builtin_profile_find (const char *name)
{
  for (size_t i = 0; i < builtin_profiles_len; i++)
    if (strcmp (builtin_profiles[i].name, name) == 0)
      return &builtin_profiles[i];
  return NULL;
}
