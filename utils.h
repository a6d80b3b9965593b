/* hutch — small helpers used by every file.
 *
 * Error convention:
 *  - Code that cannot go on calls die() or die_with_error(); both print one
 *    line "PROG: message" (PROG is the name hutch was invoked as, so a
 *    `bwrap` link speaks as "bwrap:") and exit 1.  die_with_error() appends
 *    ": strerror(errno)".  Messages name the operation and the path.
 *  - Reusable functions return a result (0 / -errno, or an enum) and leave
 *    the wording to their caller, who knows the operation and the path.
 *  - Resources are released by the cleanup attributes below.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define N_ELEMENTS(a) (sizeof (a) / sizeof ((a)[0]))

#define NORETURN __attribute__ ((noreturn))
#define PRINTF(a, b) __attribute__ ((format (printf, a, b)))
#define UNUSED __attribute__ ((unused))

/* Syslog levels, shown as "<N>" with --level-prefix. */
enum log_level
{
  LOG_LVL_ERR = 3,
  LOG_LVL_WARNING = 4,
  LOG_LVL_INFO = 6,
  LOG_LVL_DEBUG = 7
};

extern const char *prog_name;
/* argv[0] as the caller gave it (for the usage line); prog_name is its
 * basename. */
extern const char *prog_invoked_as;
extern bool log_level_prefix;
/* When not NULL, every message says it after the program's name (the
 * profile file and line of the option being read: "hutch: x.profile:3: ..."). */
extern const char *log_context;

void log_init (const char *argv0);
void log_msg (enum log_level level, const char *fmt, ...) PRINTF (2, 3);
#define warn_msg(...) log_msg (LOG_LVL_WARNING, __VA_ARGS__)
void die (const char *fmt, ...) NORETURN PRINTF (1, 2);
void die_with_error (const char *fmt, ...) NORETURN PRINTF (1, 2);
/* die_with_error() for a saved error number (a positive errno: pass -r for
 * a function's -errno result). */
void die_with_errno (int err, const char *fmt, ...) NORETURN PRINTF (2, 3);
void die_oom (void) NORETURN;

void *xmalloc (size_t size);
void *xcalloc (size_t n, size_t size);
void *xrealloc (void *ptr, size_t size);
char *xstrdup (const char *s);
char *xasprintf (const char *fmt, ...) PRINTF (1, 2);
/* Grow an array of n elements of `size` to hold one more; returns the array. */
void *xgrow (void *array, size_t *capacity, size_t n, size_t size);

/* Cleanup helpers. */
static inline void
cleanup_freep (void *p)
{
  free (*(void **)p);
}
static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}
#define _cleanup_free_ __attribute__ ((cleanup (cleanup_freep)))
#define _cleanup_close_ __attribute__ ((cleanup (cleanup_closep)))

/* Take ownership: return *p and set *p to the empty value. */
static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

/* Parsing. Return 0 on success, -1 on a malformed string. */
int parse_fd (const char *s, int *out);

/* For a process that only waits from now on (the monitor, PID 1): let
 * go of the pages of the program's own code and read-only data that it
 * has touched so far (madvise MADV_DONTNEED on its PT_LOADs that are not
 * writable: they are clean copies of the file, and fault back in from
 * the page cache if used again).  They would otherwise count in its
 * memory for as long as the command runs.  What it still runs comes
 * back, a folio at a time (on a kernel that caches files in large
 * folios that can be all of the code); its headers and read-only data
 * stay out.  Libraries are left alone: their pages are shared with every
 * other process that uses them. */
void release_program_pages (void);

/* Call fn (fd, data) for each fd above 2 open in this process (but the
 * listing's own), from "self/fd" below proc_fd, read with getdents64(2)
 * (a stdio DIR costs three more calls).  fn may close fd.  0, or -1 with
 * errno set when the directory can't be read. */
/* SIGKILL for this process when its parent dies (see utils.c for when it
 * must be asked again).  With expected_parent > 0, also checks the parent
 * is still that one: -ESRCH if it is already gone; else 0 or -errno. */
int parent_death_signal_set (pid_t expected_parent);
/* The same, dying with a message on failure. */
void set_parent_death_signal (pid_t expected_parent);
/* Calls fn for each open fd above 2, listed through proc_fd (an fd of
 * /proc), or /proc by its path when proc_fd < 0.  0, or -1 with errno. */
int for_each_open_fd (int proc_fd, void (*fn) (int fd, void *data), void *data);
int parse_uint32 (const char *s, uint32_t *out);
int parse_octal_mode (const char *s, mode_t *out); /* <= 07777 */
int parse_size (const char *s, size_t *out);       /* non-zero bytes */

/* I/O. Return 0 / -errno. */
int write_all (int fd, const void *buf, size_t len);
int write_file_at (int dirfd, const char *path, const char *content);
/* Read everything from fd; *out is NUL-terminated, *len excludes the NUL. */
int read_all (int fd, char **out, size_t *len);
/* The same, failing with -EFBIG once more than `max` bytes have come. */
int read_all_max (int fd, size_t max, char **out, size_t *len);
/* Copy everything from one fd to another. */
int copy_fd (int from, int to);

/* Retry a syscall expression on EINTR. */
#define TEMP_FAILURE_RETRY_INT(expr)                                                               \
  ({                                                                                               \
    long _r;                                                                                       \
    do                                                                                             \
      _r = (long)(expr);                                                                           \
    while (_r == -1 && errno == EINTR);                                                            \
    _r;                                                                                            \
  })
