/* hutch fuzzing — the command-line parser and checker.
 *
 * Input: the words of a command line (argv without the program name),
 * separated by NULs.  The value after each "--args" is replaced by a fresh
 * fd of empty data, so that no input reads from the fuzzer's own fds
 * (fuzz-args covers what --args data can hold).
 */
#include "config.h"

#include <stdio.h>

#include "fuzz.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t len);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_quiet_stdin ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t len)
{
  char *buf;
  int argc;
  char **argv = fuzz_split (data, len, &argc, &buf);
  int fds[64];
  size_t n_fds = 0;
  char names[64][16];

  for (int i = 0; i + 1 < argc && n_fds < 64; i++)
    if (strcmp (argv[i], "--args") == 0)
      {
        fds[n_fds] = fuzz_data_fd (NULL, 0);
        snprintf (names[n_fds], sizeof names[n_fds], "%d", fds[n_fds]);
        argv[++i] = names[n_fds++];
      }

  (void)fuzz_parse (argc, argv);

  for (size_t i = 0; i < n_fds; i++)
    close (fds[i]); /* (EBADF when the parser closed it already) */
  free (argv);
  free (buf);
  return 0;
}
