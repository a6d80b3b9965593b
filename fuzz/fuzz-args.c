/* hutch fuzzing — the --args stream.
 *
 * Input: the data an --args FD delivers (NUL-separated words, the last
 * one perhaps without its NUL).  It is parsed as "--args FD --dir /after
 * cmd", so that the words in the data meet the rest of the command line
 * as they would for real.
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
  int fd = fuzz_data_fd (data, len);
  char fd_name[16];
  snprintf (fd_name, sizeof fd_name, "%d", fd);
  char *argv[] = { "--args", fd_name, "--dir", "/after", "cmd", NULL };

  (void)fuzz_parse (5, argv);
  close (fd); /* (EBADF when the parser closed it already) */
  return 0;
}
