/* hutch — profile files: where they are found, how they are read and
 * checked, and what their lines mean (an option a line, the command after
 * "--").  profile.h reads the text; options.c puts the words in place. */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "profile.h"

/* Includes (--profile or --preset inside a profile) nest at most so deep. */
#define PROFILE_MAX_DEPTH 8

/* One profile, read and checked. */
struct loaded_profile
{
  char *where; /* "/home/u/.config/hutch/profiles/x.profile", "builtin:safe.profile" */
  char *dir;   /* its directory, for relative includes; NULL when built in */
  dev_t dev;   /* the file, for finding cycles (0/0 when built in) */
  ino_t ino;
  char **words;    /* the options and their arguments, NULL-terminated */
  unsigned *lines; /* the line of each word */
  size_t n_words;
  char **command; /* the words after "--", or NULL */
  size_t n_command;
};

/* Find and read NAME (a name, looked up; with a "/", a path, relative to
 * `dir` when that is not NULL) and check it.  Dies with file:line and the
 * word at fault on any error. */
void profile_load (const char *name, const char *dir, struct loaded_profile *out);

/* The shipped profile NAME (built into the binary), checked as any file. */
void profile_load_builtin (const char *name, struct loaded_profile *out);

/* Is it the same profile (to find cycles)? */
bool profile_same (const struct loaded_profile *a, const struct loaded_profile *b);

void profile_loaded_free (struct loaded_profile *p);

/* --profile list: every profile found, and where, in lookup order. */
void profile_print_list (FILE *out);
