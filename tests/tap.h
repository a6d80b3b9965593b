/* hutch — what the C unit tests share: TAP output, one "ok N - ..." or
 * "not ok N - ..." line per check, counted for the summary line. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "utils.h"

static int n_tests, n_passed, n_failed, n_skipped;

PRINTF (2, 3) static bool ok (bool cond, const char *fmt, ...)
{
  va_list ap;
  n_tests++;
  if (cond)
    n_passed++;
  else
    n_failed++;
  printf ("%s %d - ", cond ? "ok" : "not ok", n_tests);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  return cond;
}

/* The summary line run-tests.sh reads; the exit status of the test. */
static inline int
tap_summary (void)
{
  printf ("%d passed, %d failed, %d skipped\n", n_passed, n_failed, n_skipped);
  return n_failed ? 1 : 0;
}
