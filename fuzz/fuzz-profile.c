/* hutch fuzzing — profile files.
 *
 * Input: the text of a profile.  First the reader alone (profile.c's
 * profile_split, with a few variables of its own), then the whole path:
 * the text is written to a private file that "--profile FILE --dir
 * /after cmd" reads, checks line by line and parses with the rest of the
 * command line (includes of itself, of other profiles and of the presets
 * included).
 */
#include "config.h"

#include <stdio.h>

#include "fuzz.h"
#include "profile.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t len);

static char profile_path[4096], profile_dir[4096];

/* The private directory goes when the fuzzer ends. */
static void
remove_profile_dir (void)
{
  unlink (profile_path);
  rmdir (profile_dir);
}

static const char *
lookup (const char *name, void *data)
{
  (void)data;
  if (strcmp (name, "HOME") == 0)
    return "/home/fuzz";
  if (strcmp (name, "EMPTY") == 0)
    return "";
  return NULL;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  fuzz_quiet_stdin ();
  const char *tmp = getenv ("TMPDIR");
  snprintf (profile_path, sizeof profile_path, "%s/hutch-fuzz-profile.XXXXXX", tmp ? tmp : "/tmp");
  if (mkdtemp (profile_path) == NULL)
    abort ();
  memcpy (profile_dir, profile_path, sizeof profile_dir);
  atexit (remove_profile_dir);
  strncat (profile_path, "/p.profile", sizeof profile_path - strlen (profile_path) - 1);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t len)
{
  struct profile_words w;
  struct profile_error err;

  if (profile_split ((const char *)data, len, lookup, NULL, &w, &err) == 0)
    {
      for (size_t i = 0; i < w.n; i++)
        if (w.v[i].text == NULL || w.v[i].line == 0)
          abort ();
      profile_words_free (&w);
    }
  else if (err.line == 0 || strlen (err.message) == 0)
    abort ();

  int fd = open (profile_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || (len > 0 && write_all (fd, data, len) < 0) || close (fd) < 0)
    abort ();
  char *argv[] = { "--profile", profile_path, "--dir", "/after", "cmd", NULL };
  (void)fuzz_parse (5, argv);
  return 0;
}
