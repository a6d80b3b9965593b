/* hutch — phase 1 (parse) and phase 2 (check): argv -> struct sandbox. */
#pragma once

#include <stdio.h>

#include "sandbox.h"
#include "utils.h"

struct parse_ctx; /* options-private.h: one options_parse() run */

/* One row per command-line option; the only place options are declared.
 * --help, the completions and the man page are checked against it. */
struct option_def
{
  const char *name;      /* "--ro-bind" */
  int n_args;            /* 0, 1, 2 or 3 */
  const char *arg_names; /* "SRC DEST", shown by --help; NULL when n_args == 0 */
  const char *help;      /* one line for --help */
  /* Apply the option to pc's sandbox: args holds n_args strings.  Dies
   * on a bad value. */
  void (*handler) (struct parse_ctx *pc, const struct option_def *opt, char **args);
  /* The setuid build refuses it (privilege.c); --list-options says so.
   * For the options that make a setup op, op_kinds[].setuid_refused says
   * it instead (see options_setuid_refused()). */
  bool setuid_refused;
};

extern const struct option_def option_table[];
extern const size_t option_table_len;

/* Parse argv[0..argc) (the program name already removed) into sb.
 * Expands --args FD, --profile and --preset in place.  Handles --help
 * and --version (exit 0).  Creates nothing: no mount, no namespace, no
 * file; the only files it reads are profiles (as the caller).
 * Reentrant: all it keeps is in sb and on its own stack.  A command line
 * with no file-system operation gets the safe preset unless
 * sb->no_default_preset. */
void options_parse (struct sandbox *sb, int argc, char **argv);

/* Cross-option rules that need the whole command line (e.g. --hostname
 * needs --unshare-uts, a command is required).  Dies with one line. */
void options_check (struct sandbox *sb);

/* Every fd an option names must be open and of the right kind (readable,
 * writable, a user or PID namespace).  Separate from options_check(),
 * which looks only at the words, not at the process. */
void options_check_fds (const struct sandbox *sb);

/* Is fd named by an option (--info-fd, --file, --keep-fd, ...)? */
bool options_fd_is_named (const struct sandbox *sb, int fd);

/* Print --help to `out` and exit with `status`. */
void options_usage (FILE *out, int status) NORETURN;

/* In hutch's own long-running processes (monitor, PID 1): free what only
 * the build needed (ops, environment changes, --args data, the command),
 * so that they stay small however long the command line was. */
void options_release (struct sandbox *sb);

/* Whether the setuid build refuses opt: its row says so, or the setup op
 * it makes is of a kind op_kinds[] marks refused.  --list-options prints it. */
bool options_setuid_refused (const struct option_def *opt);

/* Look up an option by name; NULL if unknown. */
const struct option_def *options_lookup (const char *name);
