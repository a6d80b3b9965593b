/* hutch — one small JSON writer: objects, arrays, strings, numbers,
 * booleans and null, into a growing buffer.
 *
 * Used by the status reports (--info-fd, --json-status-fd, pasta's
 * fields in them: status.c, pasta.c) and by --dry-run=json (dry-run.c).
 * The writer places the separators itself; each container has a style
 * that says how they look, so that the status reports keep bubblewrap's
 * exact bytes:
 *
 *   JSON_COMPACT  {"a":1,"b":[1,2]}
 *   JSON_SPACED   { "a": 1, "b": [1, 2] }
 *   JSON_PRETTY   {\n    "a": 1,\n    "b": 2\n}   (4 spaces a level)
 *
 * Strings are escaped (quote, backslash, control characters); bytes that
 * are not valid UTF-8 become U+FFFD, so that the output always parses.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_style
{
  JSON_COMPACT,
  JSON_SPACED,
  JSON_PRETTY,
};

#define JSON_MAX_DEPTH 16

struct json
{
  char *buf; /* NUL-terminated; owned */
  size_t len, cap;
  int depth;
  bool after_key; /* a key was written: its value comes next */
  struct
  {
    enum json_style style;
    bool is_object;
    bool any; /* a member was written */
  } open[JSON_MAX_DEPTH];
};

void json_init (struct json *j);
void json_free (struct json *j);

void json_object_begin (struct json *j, enum json_style style);
void json_object_end (struct json *j);
void json_array_begin (struct json *j, enum json_style style);
void json_array_end (struct json *j);

/* The key of the next member of the object being written. */
void json_key (struct json *j, const char *key);

/* Values (a member's after json_key, or an array's element). */
void json_string (struct json *j, const char *s); /* NULL: null */
void json_int (struct json *j, int64_t v);
void json_uint (struct json *j, uint64_t v);
void json_bool (struct json *j, bool v);
void json_null (struct json *j);
/* A number already formatted (e.g. "1.5"); the caller vouches for it. */
void json_number_text (struct json *j, const char *text);

/* Text after the document (e.g. "\n"), outside of any value. */
void json_append (struct json *j, const char *text);

/* Shorthands: json_key then the value. */
void json_member_string (struct json *j, const char *key, const char *s);
void json_member_int (struct json *j, const char *key, int64_t v);
void json_member_uint (struct json *j, const char *key, uint64_t v);
void json_member_bool (struct json *j, const char *key, bool v);
/* fd >= 0: the number, else null. */
void json_member_fd (struct json *j, const char *key, int fd);
