/* hutch fuzzing — what both libFuzzer targets share.
 *
 * The parser dies on bad input: die() prints one line and calls exit(1).
 * The fuzz build compiles every source with -Dexit=hutch_fuzz_exit, and
 * hutch_fuzz_exit() jumps back into the target, so that one process tries
 * input after input.  The parser keeps nothing between runs (all it keeps
 * is in the sandbox and on options_parse()'s stack), so a jump needs no
 * reset; what the dead run allocated is freed where the sandbox still
 * points to it, or leaks (run with -detect_leaks=0).
 */
#pragma once

#include <fcntl.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "options.h"
#include "sandbox.h"
#include "utils.h"

static sigjmp_buf fuzz_jump;
static int fuzz_jump_set;

void hutch_fuzz_exit (int status) __attribute__ ((noreturn));

void
hutch_fuzz_exit (int status)
{
  if (fuzz_jump_set)
    siglongjmp (fuzz_jump, 1);
  _exit (status);
}

/* Keep the fuzzer's own stdin out of reach of "--args 0". */
static void
fuzz_quiet_stdin (void)
{
  int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && fd != 0)
    {
      dup2 (fd, 0);
      close (fd);
    }
}

/* A memfd holding `len` bytes of `data`, read from its start. */
static int
fuzz_data_fd (const uint8_t *data, size_t len)
{
  int fd = memfd_create ("fuzz", 0);
  if (fd < 0 || (len > 0 && write_all (fd, data, len) < 0) || lseek (fd, 0, SEEK_SET) != 0)
    abort ();
  return fd;
}

/* Split data at NULs into a NULL-terminated array of words (the last one
 * without its NUL too); the words point into a copy that *buf owns. */
static char **
fuzz_split (const uint8_t *data, size_t len, int *n_out, char **buf)
{
  char *copy = xmalloc (len + 1);
  size_t n = 0, i = 0;

  memcpy (copy, data, len);
  copy[len] = '\0';
  for (const char *p = copy; p < copy + len; n++)
    p += strlen (p) + 1;
  char **words = xcalloc (n + 1, sizeof (char *));
  for (char *p = copy; p < copy + len; i++)
    {
      words[i] = p;
      p += strlen (p) + 1;
    }
  *n_out = (int)n;
  *buf = copy;
  return words;
}

/* Free what the sandbox points to (fields the fuzz targets know of). */
static void
fuzz_free_sandbox (struct sandbox *sb)
{
  for (size_t i = 0; i < sb->n_ops; i++)
    free (sb->ops[i].overlay_srcs);
  free (sb->seccomp_fds);
  free (sb->keep_fds);
  free (sb->command);
  options_release (sb);
}

/* Parse and check argv, catching die().  Returns true when it passed. */
static bool
fuzz_parse (int argc, char **argv)
{
  /* static: it must keep what the parser wrote when die() jumps out */
  static struct sandbox sb;
  volatile bool passed = false;

  sandbox_init (&sb);
  fuzz_jump_set = 1;
  if (sigsetjmp (fuzz_jump, 1) == 0)
    {
      options_parse (&sb, argc, argv);
      options_check (&sb);
      options_check_fds (&sb);
      passed = true;
    }
  fuzz_jump_set = 0;
  log_context = NULL; /* it pointed into the stack of the run that died */
  fuzz_free_sandbox (&sb);
  return passed;
}
