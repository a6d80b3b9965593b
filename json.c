/* hutch — the JSON writer of json.h. */
#include "config.h"

#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utils.h"

void
json_init (struct json *j)
{
  memset (j, 0, sizeof *j);
  j->cap = 256;
  j->buf = xmalloc (j->cap);
  j->buf[0] = '\0';
}

void
json_free (struct json *j)
{
  free (j->buf);
  j->buf = NULL;
  j->len = j->cap = 0;
}

static void
put_bytes (struct json *j, const char *s, size_t n)
{
  if (j->len + n + 1 > j->cap)
    {
      while (j->len + n + 1 > j->cap)
        j->cap *= 2;
      j->buf = xrealloc (j->buf, j->cap);
    }
  memcpy (j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = '\0';
}

static void
put (struct json *j, const char *s)
{
  put_bytes (j, s, strlen (s));
}

static void
put_indent (struct json *j, int levels)
{
  for (int i = 0; i < levels; i++)
    put (j, "    ");
}

/* Before a member or an element of the innermost container. */
static void
separate (struct json *j)
{
  if (j->after_key)
    {
      j->after_key = false;
      return;
    }
  if (j->depth == 0)
    return;
  int top = j->depth - 1;
  bool first = !j->open[top].any;
  bool object = j->open[top].is_object;
  enum json_style style = j->open[top].style;
  j->open[top].any = true;
  if (object && style == JSON_PRETTY)
    {
      put (j, first ? "\n" : ",\n");
      put_indent (j, j->depth);
    }
  else if (!first)
    put (j, style == JSON_COMPACT ? "," : ", ");
  else if (object && style == JSON_SPACED)
    put (j, " ");
}

static void
begin (struct json *j, enum json_style style, bool is_object)
{
  separate (j);
  if (j->depth >= JSON_MAX_DEPTH)
    die ("JSON document nested too deep"); /* a bug of hutch's */
  j->open[j->depth].style = style;
  j->open[j->depth].is_object = is_object;
  j->open[j->depth].any = false;
  j->depth++;
  put (j, is_object ? "{" : "[");
}

static void
end (struct json *j, bool is_object)
{
  int top = j->depth - 1;
  if (top < 0 || j->open[top].is_object != is_object)
    die ("JSON document closed wrongly"); /* a bug of hutch's */
  if (j->open[top].any && is_object)
    {
      if (j->open[top].style == JSON_PRETTY)
        {
          put (j, "\n");
          put_indent (j, top);
        }
      else if (j->open[top].style == JSON_SPACED)
        put (j, " ");
    }
  j->depth--;
  put (j, is_object ? "}" : "]");
}

void
json_object_begin (struct json *j, enum json_style style)
{
  begin (j, style, true);
}

void
json_object_end (struct json *j)
{
  end (j, true);
}

void
json_array_begin (struct json *j, enum json_style style)
{
  begin (j, style, false);
}

void
json_array_end (struct json *j)
{
  end (j, false);
}

/* Length of the valid UTF-8 sequence at s (0: not one). */
static size_t
utf8_len (const unsigned char *s)
{
  unsigned c = s[0];
  size_t n;
  unsigned min;
  unsigned cp;

  if (c < 0x80)
    return 1;
  if ((c & 0xe0) == 0xc0)
    n = 2, min = 0x80, cp = c & 0x1f;
  else if ((c & 0xf0) == 0xe0)
    n = 3, min = 0x800, cp = c & 0x0f;
  else if ((c & 0xf8) == 0xf0)
    n = 4, min = 0x10000, cp = c & 0x07;
  else
    return 0;
  for (size_t i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

static void
put_quoted (struct json *j, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  char esc[8];

  put (j, "\"");
  while (*p)
    {
      size_t n;
      if (*p == '"' || *p == '\\')
        {
          esc[0] = '\\', esc[1] = (char)*p++, esc[2] = '\0';
          put (j, esc);
        }
      else if (*p == '\n')
        put (j, "\\n"), p++;
      else if (*p == '\t')
        put (j, "\\t"), p++;
      else if (*p < 0x20 || *p == 0x7f)
        {
          snprintf (esc, sizeof esc, "\\u%04x", *p++);
          put (j, esc);
        }
      else if ((n = utf8_len (p)) > 0)
        {
          put_bytes (j, (const char *)p, n);
          p += n;
        }
      else
        {
          put (j, "\\ufffd");
          p++;
        }
    }
  put (j, "\"");
}

void
json_key (struct json *j, const char *key)
{
  separate (j);
  put_quoted (j, key);
  put (j, j->open[j->depth - 1].style == JSON_COMPACT ? ":" : ": ");
  j->after_key = true;
}

void
json_string (struct json *j, const char *s)
{
  separate (j);
  if (s == NULL)
    put (j, "null");
  else
    put_quoted (j, s);
}

void
json_int (struct json *j, int64_t v)
{
  char num[32];
  snprintf (num, sizeof num, "%" PRId64, v);
  json_number_text (j, num);
}

void
json_uint (struct json *j, uint64_t v)
{
  char num[32];
  snprintf (num, sizeof num, "%" PRIu64, v);
  json_number_text (j, num);
}

void
json_bool (struct json *j, bool v)
{
  json_number_text (j, v ? "true" : "false");
}

void
json_null (struct json *j)
{
  json_number_text (j, "null");
}

void
json_number_text (struct json *j, const char *text)
{
  separate (j);
  put (j, text);
}

void
json_append (struct json *j, const char *text)
{
  put (j, text);
}

void
json_member_string (struct json *j, const char *key, const char *s)
{
  json_key (j, key);
  json_string (j, s);
}

void
json_member_int (struct json *j, const char *key, int64_t v)
{
  json_key (j, key);
  json_int (j, v);
}

void
json_member_uint (struct json *j, const char *key, uint64_t v)
{
  json_key (j, key);
  json_uint (j, v);
}

void
json_member_bool (struct json *j, const char *key, bool v)
{
  json_key (j, key);
  json_bool (j, v);
}

void
json_member_fd (struct json *j, const char *key, int fd)
{
  json_key (j, key);
  if (fd >= 0)
    json_int (j, fd);
  else
    json_null (j);
}
