/* hutch — phase 1 (parse) and phase 2 (check): argv -> struct sandbox.
 *
 * Every option is one row of option_table[] (option-table.c); the parser
 * looks the word up, collects the row's n_args values and calls the row's
 * handler.  Nothing here touches the file system or the namespaces.  The
 * only I/O is reading the data of --args FD.
 *
 * Arguments come from a stack of sources: the command line at the bottom
 * and one source per --args FD above it.  Reading an --args FD pushes its
 * words on top, so they are parsed as if they stood in place of
 * "--args FD" on the command line, followed by whatever came after.  Each
 * word is visited once, so the cost is linear in the number of words no
 * matter how many --args there are.
 */
#include "config.h"

#include "options-private.h"

#include "op-kinds.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

/* What all --args FDs of one command line may bring in together (README:
 * "Limits").  Far beyond any real use, low enough that a caller who hands
 * over an endless stream (/dev/zero) gets an error, not an exhausted
 * machine. */
#define ARGS_MAX_WORDS ((size_t)1000000)
#define ARGS_MAX_BYTES ((size_t)256 << 20)

void
sandbox_init (struct sandbox *sb)
{
  memset (sb, 0, sizeof *sb);
  sb->info_fd = -1;
  sb->json_status_fd = -1;
  sb->sync_fd = -1;
  sb->block_fd = -1;
  sb->userns_block_fd = -1;
  sb->userns_fd = -1;
  sb->userns2_fd = -1;
  sb->pidns_fd = -1;
  sb->netns_fd = -1;
  sb->uid = getuid ();
  sb->gid = getgid ();
  sb->uid_set = false;
  sb->gid_set = false;
}

/* ------------------------------------------------------------------------ */
/* Word sources                                                              */

static void
source_pop (struct parse_ctx *pc)
{
  struct word_source *src = &pc->sources[pc->n_sources - 1];
  free (src->owned);
  src->owned = NULL;
  pc->n_sources--;
}

void
source_push (struct parse_ctx *pc, char **words, size_t n_words, bool owned)
{
  /* A finished source on top can go now; this keeps the stack shallow
   * when --args is the last word of its source. */
  while (pc->n_sources > 0
         && pc->sources[pc->n_sources - 1].next >= pc->sources[pc->n_sources - 1].n_words)
    source_pop (pc);

  pc->sources = xgrow (pc->sources, &pc->sources_cap, pc->n_sources, sizeof *pc->sources);
  pc->sources[pc->n_sources++] = (struct word_source){
    .words = words,
    .n_words = n_words,
    .next = 0,
    .owned = owned ? words : NULL,
  };
}

static char *
word_peek (struct parse_ctx *pc)
{
  while (pc->n_sources > 0)
    {
      struct word_source *src = &pc->sources[pc->n_sources - 1];
      if (src->next < src->n_words)
        return src->words[src->next];
      source_pop (pc);
    }
  return NULL;
}

static char *
word_take (struct parse_ctx *pc)
{
  char *w = word_peek (pc);
  if (w != NULL)
    pc->sources[pc->n_sources - 1].next++;
  return w;
}

/* Everything not yet read becomes the command, in order. */
static void
take_command (struct parse_ctx *pc)
{
  struct sandbox *sb = pc->sb;
  size_t n = 0, k = 0;

  for (size_t i = pc->n_sources; i-- > 0;)
    n += pc->sources[i].n_words - pc->sources[i].next;

  sb->command = xcalloc (n + 1, sizeof (char *));
  for (size_t i = pc->n_sources; i-- > 0;)
    {
      struct word_source *src = &pc->sources[i];
      while (src->next < src->n_words)
        sb->command[k++] = src->words[src->next++];
    }
  sb->command[k] = NULL;
  sb->n_command = k;

  while (pc->n_sources > 0)
    source_pop (pc);
}

/* ------------------------------------------------------------------------ */
/* --args FD                                                                 */

/* Read all the data of one --args FD, counting its words as they come so
 * that an endless stream stops at the limits, not at the end of memory. */
static void
read_args_data (struct parse_ctx *pc, int fd, const char *fd_name, char **out, size_t *out_len)
{
  size_t cap = 4096, len = 0, words = pc->args_words_total;
  char *buf = xmalloc (cap);

  for (;;)
    {
      if (cap - len < 2048)
        {
          cap *= 2;
          buf = xrealloc (buf, cap);
        }
      ssize_t r = read (fd, buf + len, cap - len - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        die_with_error ("Can't read --args data");
      if (r == 0)
        break;
      for (const char *p = buf + len, *end = buf + len + r;
           (p = memchr (p, '\0', (size_t)(end - p))) != NULL; p++)
        words++;
      len += (size_t)r;
      if (words > ARGS_MAX_WORDS)
        die ("--args %s: more than %zu arguments in all --args data", fd_name, ARGS_MAX_WORDS);
      if (len > ARGS_MAX_BYTES - pc->args_bytes_total)
        die ("--args %s: more than %zu bytes in all --args data", fd_name, ARGS_MAX_BYTES);
    }
  /* A last word without its NUL counts too. */
  if (len > 0 && buf[len - 1] != '\0' && ++words > ARGS_MAX_WORDS)
    die ("--args %s: more than %zu arguments in all --args data", fd_name, ARGS_MAX_WORDS);
  buf[len] = '\0';
  pc->args_words_total = words;
  pc->args_bytes_total += len;
  *out = buf;
  *out_len = len;
}

void
h_args (struct parse_ctx *pc, const struct option_def *opt UNUSED, char **args)
{
  struct sandbox *sb = pc->sb;
  char *data;
  size_t len, n = 0;

  /* As in bubblewrap: an --args file cannot name another one. */
  if (pc->n_sources > 1)
    die ("--args not supported in arguments file");
  int fd = fd_arg (args[0]);

  read_args_data (pc, fd, args[0], &data, &len);
  (void)close (fd);

  sb->args_buffers = xgrow (sb->args_buffers, &sb->args_buffers_cap, sb->n_args_buffers,
                            sizeof *sb->args_buffers);
  sb->args_buffers[sb->n_args_buffers++] = data;

  /* NUL-separated words; the last one may lack its NUL. */
  const char *end = data + len;
  for (const char *p = data; p < end; n++)
    {
      const char *nul = memchr (p, '\0', (size_t)(end - p));
      p = nul ? nul + 1 : end;
    }
  if (n == 0)
    return;

  char **words = xcalloc (n, sizeof (char *));
  size_t i = 0;
  for (char *p = data; p < end; i++)
    {
      words[i] = p;
      char *nul = memchr (p, '\0', (size_t)(end - p));
      p = nul ? nul + 1 : (char *)end;
    }
  source_push (pc, words, n, true);
}

/* ------------------------------------------------------------------------ */
/* --profile and --preset                                                    */

void
push_profile (struct parse_ctx *pc, const char *name, bool builtin)
{
  const struct profile_source *parent = pc->current_profile;
  struct profile_source *ps = xcalloc (1, sizeof *ps);

  if (builtin)
    profile_load_builtin (name, &ps->p);
  else
    profile_load (name, parent != NULL ? parent->p.dir : NULL, &ps->p);
  ps->parent = parent;
  ps->depth = parent != NULL ? parent->depth + 1 : 1;
  ps->next = pc->profiles;
  pc->profiles = ps;
  /* (log_context names the including file and line.) */
  if (ps->depth > PROFILE_MAX_DEPTH)
    die ("\"%s\": includes nested more than %d deep", name, PROFILE_MAX_DEPTH);
  for (const struct profile_source *q = parent; q != NULL; q = q->parent)
    if (profile_same (&q->p, &ps->p))
      die ("\"%s\": %s includes itself (through %s)", name, ps->p.where, parent->p.where);
  /* The command of the outermost profile (of the last, among equals). */
  if (ps->p.command != NULL
      && (pc->profile_command_from == NULL || ps->depth <= pc->profile_command_from->depth))
    pc->profile_command_from = ps;
  if (ps->p.n_words == 0)
    return;
  source_push (pc, ps->p.words, ps->p.n_words, false);
  pc->sources[pc->n_sources - 1].profile = ps;
}

/* The profiles' words stay: the sandbox points at them. */
static void
release_profiles (struct parse_ctx *pc)
{
  while (pc->profiles != NULL)
    {
      struct profile_source *ps = pc->profiles;
      pc->profiles = ps->next;
      free (ps->p.where);
      free (ps->p.dir);
      free (ps->p.words);
      free (ps->p.lines);
      free (ps->p.command);
      free (ps);
    }
  pc->profile_command_from = NULL;
}

/* "--bind 'a b' c", for --dry-run's list of where options come from. */
static char *
option_text (const struct option_def *opt, char **values)
{
  size_t len = strlen (opt->name) + 1;
  for (int i = 0; i < opt->n_args && i < 3; i++)
    len += strlen (values[i]) + 3;
  char *text = xmalloc (len + 1), *p = text;
  p = stpcpy (p, opt->name);
  for (int i = 0; i < opt->n_args && i < 3; i++)
    {
      bool plain = values[i][0] != '\0' && strpbrk (values[i], " \t'\"\\$#") == NULL;
      p += sprintf (p, plain ? " %s" : " '%s'", values[i]);
    }
  return text;
}

static void
record_origin (struct sandbox *sb, const struct option_def *opt, char **values, const char *where)
{
  sb->origins = xgrow (sb->origins, &sb->origins_cap, sb->n_origins, sizeof *sb->origins);
  sb->origins[sb->n_origins++]
      = (struct option_origin){ .option = option_text (opt, values), .where = xstrdup (where) };
}

/* ------------------------------------------------------------------------ */
/* Lookup: a run sorts the table by name once (in its context) and
 * searches that; the public lookup, for the few words outside a run,
 * looks at every row. */

static int
compare_option_names (const void *a, const void *b)
{
  const struct option_def *const *x = a;
  const struct option_def *const *y = b;
  return strcmp ((*x)->name, (*y)->name);
}

static int
compare_name_to_option (const void *key, const void *elem)
{
  const struct option_def *const *opt = elem;
  return strcmp (key, (*opt)->name);
}

static const struct option_def *
lookup_in_run (struct parse_ctx *pc, const char *name)
{
  const struct option_def **found;

  if (!pc->sorted_ready)
    {
      for (size_t i = 0; i < option_table_len; i++)
        pc->sorted[i] = &option_table[i];
      qsort (pc->sorted, option_table_len, sizeof *pc->sorted, compare_option_names);
      pc->sorted_ready = true;
    }
  found = bsearch (name, pc->sorted, option_table_len, sizeof *pc->sorted, compare_name_to_option);
  return found ? *found : NULL;
}

bool
options_setuid_refused (const struct option_def *opt)
{
  if (opt->setuid_refused)
    return true;
  for (size_t k = 0; k < op_kinds_len; k++)
    if (op_kinds[k].setuid_refused && op_kinds[k].option != NULL
        && strcmp (op_kinds[k].option, opt->name) == 0)
      return true;
  return false;
}

const struct option_def *
options_lookup (const char *name)
{
  if (name == NULL)
    return NULL;
  for (size_t i = 0; i < option_table_len; i++)
    if (strcmp (option_table[i].name, name) == 0)
      return &option_table[i];
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Parse                                                                     */

NORETURN static void
die_missing_values (const struct option_def *opt)
{
  /* These three say "one argument", the others "an argument". */
  static const char *const one_argument[] = { "--argv0", "--chdir", "--remount-ro" };

  /* As bubblewrap: a last --overlay-src lacks what must follow it. */
  if (strcmp (opt->name, "--overlay-src") == 0)
    die ("--overlay-src must be followed by another --overlay-src or one of --overlay, "
         "--tmp-overlay, or --ro-overlay");
  switch (opt->n_args)
    {
    case 1:
      for (size_t i = 0; i < N_ELEMENTS (one_argument); i++)
        if (strcmp (opt->name, one_argument[i]) == 0)
          die ("%s takes one argument", opt->name);
      die ("%s takes an argument", opt->name);
    case 2:
      die ("%s takes two arguments", opt->name);
    default:
      die ("%s takes three arguments", opt->name);
    }
}

/* Read options until the command starts (a word not starting with '-',
 * or after "--"). */
static void
parse_options (struct parse_ctx *pc)
{
  for (;;)
    {
      char *word = word_peek (pc);
      char *values[3] = { NULL, NULL, NULL };
      const struct option_def *opt;

      if (word == NULL || word[0] != '-')
        break; /* the command starts here */
      word_take (pc);
      if (strcmp (word, "--") == 0)
        break;

      /* A profile's lines were checked when it was read: an option and
       * its arguments come from it together. */
      const struct word_source *src = &pc->sources[pc->n_sources - 1];
      char where[4200];
      pc->current_profile = src->profile;
      if (src->profile != NULL)
        {
          pc->current_line = src->profile->p.lines[src->next - 1];
          snprintf (where, sizeof where, "%s:%u", src->profile->p.where, pc->current_line);
          log_context = where;
        }
      opt = lookup_in_run (pc, word);
      if (opt == NULL)
        die ("Unknown option %s", word);
      for (int i = 0; i < opt->n_args && i < 3; i++)
        {
          values[i] = word_take (pc);
          if (values[i] == NULL)
            die_missing_values (opt);
        }
      if (pc->current_profile != NULL)
        record_origin (pc->sb, opt, values, where);
      opt->handler (pc, opt, values);
      check_pending_after (pc, opt);
      log_context = NULL;
      pc->current_profile = NULL;
      pc->current_line = 0;
    }
}

/* A command line with no file-system operation at all gets the safe preset:
 * with bubblewrap such a run could not even exec its command. */
static void
apply_default_preset (struct parse_ctx *pc)
{
  struct sandbox *sb = pc->sb;

  if (sb->no_default_preset || sb->n_ops > 0 || sb->n_command == 0)
    return;
  /* What the command line asked for stays: the preset comes after it,
   * but only to fill in. */
  const char *hostname = sb->hostname;
  bool share_net = sb->share_net;
  sb->hostname = NULL;
  push_preset (pc, "safe");
  parse_options (pc);
  if (hostname != NULL)
    sb->hostname = hostname;
  if (share_net)
    {
      sb->unshare_net = false;
      sb->share_net = true;
    }
  if (!sb->quiet)
    warn_msg ("no file-system options given: applying --preset safe "
              "(--preset list shows it; --quiet hides this note)");
}

void
options_parse (struct sandbox *sb, int argc, char **argv)
{
  struct parse_ctx pc = { .sb = sb, .sorted_ready = false };

  source_push (&pc, argv, argc > 0 ? (size_t)argc : 0, false);
  parse_options (&pc);
  take_command (&pc);
  /* No command given: the profile's, if it has one. */
  if (sb->n_command == 0 && pc.profile_command_from != NULL)
    {
      const struct loaded_profile *p = &pc.profile_command_from->p;
      free (sb->command);
      sb->command = xcalloc (p->n_command + 1, sizeof *sb->command);
      memcpy (sb->command, p->command, p->n_command * sizeof *sb->command);
      sb->n_command = p->n_command;
    }
  apply_default_preset (&pc);
  check_nothing_pending (&pc);
  parse_ctx_release (&pc);
  release_profiles (&pc);
}

/* ------------------------------------------------------------------------ */
/* Check                                                                     */

/* A destination must name something.  ".." components are allowed, as
 * bubblewrap allows them (WebKitGTK passes /lib64/../libexec/...): the
 * build resolves every destination inside the new root, where a ".." at
 * its top stays at its top (openat2's RESOLVE_IN_ROOT), so none climbs
 * out, through symlinks or not (setup.c). */
static bool
dest_is_valid (const char *dest)
{
  return dest != NULL && *dest != '\0';
}

/* --netns takes the place of the network namespace --unshare-all would
 * create; anything else that names the network is a contradiction. */
static void
check_netns (struct sandbox *sb)
{
  if (sb->netns_fd == -1)
    return;
  if (sb->unshare_net_given)
    die ("--netns not compatible with --unshare-net");
  if (sb->net_pasta)
    die ("--netns not compatible with --net pasta");
  if (sb->share_net)
    die ("--netns not compatible with --share-net");
  sb->unshare_net = false; /* --unshare-all's */
}

void
options_check (struct sandbox *sb)
{
  bool has_lock_file = false;

  /* These look at what was asked for explicitly, before the implied
   * --unshare-user below. */
  if (sb->userns_block_fd != -1 && !sb->unshare_user)
    die ("--userns-block-fd requires --unshare-user");
  if (sb->userns_block_fd != -1 && sb->info_fd == -1)
    die ("--userns-block-fd requires --info-fd");
  if (sb->userns_fd != -1 && sb->unshare_user)
    die ("--userns not compatible --unshare-user");
  if (sb->userns_fd != -1 && sb->unshare_user_try)
    die ("--userns not compatible --unshare-user-try");
  if (sb->disable_userns && !sb->unshare_user)
    die ("--disable-userns requires --unshare-user");
  if (sb->disable_userns && sb->userns_block_fd != -1)
    die ("--disable-userns is not compatible with  --userns-block-fd");
  check_netns (sb);

  /* Without root, only a user namespace gives the rights to set up. */
  if (getuid () != 0 && sb->userns_fd == -1)
    sb->unshare_user = true;

  if (sb->n_command == 0)
    options_usage (stderr, EXIT_FAILURE);

  bool own_userns = sb->unshare_user || sb->unshare_user_try || sb->userns_fd != -1;
  if (sb->uid_set && sb->uid != getuid () && !own_userns)
    die ("Specifying --uid requires --unshare-user or --userns");
  if (sb->gid_set && sb->gid != getgid () && !own_userns)
    die ("Specifying --gid requires --unshare-user or --userns");
  if (sb->hostname != NULL && !sb->unshare_uts)
    die ("Specifying --hostname requires --unshare-uts");

  for (size_t i = 0; i < sb->n_ops; i++)
    if (sb->ops[i].type == OP_LOCK_FILE)
      has_lock_file = true;
  if (sb->as_pid_1 && !sb->unshare_pid)
    die ("Specifying --as-pid-1 requires --unshare-pid");
  if (sb->as_pid_1 && has_lock_file)
    die ("Specifying --as-pid-1 and --lock-file is not permitted");

  for (size_t i = 0; i < sb->n_ops; i++)
    if (!dest_is_valid (sb->ops[i].dest))
      die ("Invalid destination \"\": must not be empty");
}

bool
options_fd_is_named (const struct sandbox *sb, int fd)
{
  const int singles[]
      = { sb->info_fd,   sb->json_status_fd, sb->sync_fd,  sb->block_fd, sb->userns_block_fd,
          sb->userns_fd, sb->userns2_fd,     sb->pidns_fd, sb->netns_fd };
  for (size_t i = 0; i < N_ELEMENTS (singles); i++)
    if (singles[i] == fd)
      return true;
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    if (sb->seccomp_fds[i] == fd)
      return true;
  for (size_t i = 0; i < sb->n_keep_fds; i++)
    if (sb->keep_fds[i] == fd)
      return true;
  for (size_t i = 0; i < sb->n_ops; i++)
    if (sb->ops[i].fd == fd)
      return true;
  return false;
}

/* What a named fd must be. */
enum fd_need
{
  FD_OPEN,   /* anything open, O_PATH included */
  FD_READ,   /* readable */
  FD_WRITE,  /* writable */
  FD_USERNS, /* a user namespace */
  FD_PIDNS,  /* a PID namespace */
  FD_NETNS,  /* a network namespace */
};

static void
check_fd (const char *option, int fd, enum fd_need need)
{
  int fl;

  if (fd < 0)
    return;
  fl = fcntl (fd, F_GETFL);
  if (fl < 0)
    die_with_error ("%s %d", option, fd);
  switch (need)
    {
    case FD_OPEN:
      break;
    case FD_READ:
      if ((fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY)
        die ("%s %d: not open for reading", option, fd);
      break;
    case FD_WRITE:
      if ((fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY)
        die ("%s %d: not open for writing", option, fd);
      break;
    case FD_USERNS:
    case FD_PIDNS:
    case FD_NETNS:
      {
        int want = need == FD_USERNS  ? CLONE_NEWUSER
                   : need == FD_PIDNS ? CLONE_NEWPID
                                      : CLONE_NEWNET;
        const char *kind = need == FD_USERNS ? "user" : need == FD_PIDNS ? "PID" : "network";
        struct statfs fs;
        /* Only nsfs files get the ioctl: on a device it could mean something. */
        if (fstatfs (fd, &fs) < 0 || fs.f_type != NSFS_MAGIC || ioctl (fd, NS_GET_NSTYPE) != want)
          die ("%s %d: not a %s namespace", option, fd, kind);
      }
      break;
    }
}

void
options_check_fds (const struct sandbox *sb)
{
  check_fd ("--info-fd", sb->info_fd, FD_WRITE);
  check_fd ("--json-status-fd", sb->json_status_fd, FD_WRITE);
  check_fd ("--sync-fd", sb->sync_fd, FD_OPEN);
  check_fd ("--block-fd", sb->block_fd, FD_READ);
  check_fd ("--userns-block-fd", sb->userns_block_fd, FD_READ);
  check_fd ("--userns", sb->userns_fd, FD_USERNS);
  check_fd ("--userns2", sb->userns2_fd, FD_USERNS);
  check_fd ("--pidns", sb->pidns_fd, FD_PIDNS);
  check_fd ("--netns", sb->netns_fd, FD_NETNS);
  for (size_t i = 0; i < sb->n_seccomp_fds; i++)
    {
      /* bubblewrap's words for an fd that is not open (its tests match them) */
      if (fcntl (sb->seccomp_fds[i], F_GETFL) < 0)
        die_with_error ("Can't read seccomp data");
      check_fd (sb->seccomp_given ? "--seccomp" : "--add-seccomp-fd", sb->seccomp_fds[i], FD_READ);
    }
  for (size_t i = 0; i < sb->n_keep_fds; i++)
    check_fd ("--keep-fd", sb->keep_fds[i], FD_OPEN);
  for (size_t i = 0; i < sb->n_ops; i++)
    {
      const struct op_kind *k = op_kind_of (&sb->ops[i]);
      if (k->fd != OP_FD_NONE)
        check_fd (k->option, sb->ops[i].fd, k->fd == OP_FD_READ ? FD_READ : FD_OPEN);
    }
}

/* ------------------------------------------------------------------------ */
/* Help                                                                      */

#define HELP_COLUMN 29 /* width of "--name ARGS", after 4 spaces */

void
options_usage (FILE *out, int status)
{
  /* argv[0] as given, as bubblewrap's usage line has it (error lines
   * start with the basename, prog_name). */
  fprintf (out, "usage: %s [OPTIONS...] [--] COMMAND [ARGS...]\n\n", prog_invoked_as);

  for (size_t i = 0; i < option_table_len; i++)
    {
      const struct option_def *opt = &option_table[i];
      const char *help = opt->help ? opt->help : "";
      char left[128];
      int len;

      if (opt->arg_names != NULL)
        len = snprintf (left, sizeof left, "%s %s", opt->name, opt->arg_names);
      else
        len = snprintf (left, sizeof left, "%s", opt->name);

      if (len >= HELP_COLUMN)
        fprintf (out, "    %s ", left);
      else
        fprintf (out, "    %-*s", HELP_COLUMN, left);

      /* Lines after the first line up under the first. */
      for (;;)
        {
          size_t n = strcspn (help, "\n");
          fprintf (out, "%.*s\n", (int)n, help);
          if (help[n] == '\0')
            break;
          help += n + 1;
          fprintf (out, "%*s", 4 + HELP_COLUMN, "");
        }
    }

  fflush (out);
  exit (status);
}

void
options_release (struct sandbox *sb)
{
  free (sb->ops);
  sb->ops = NULL;
  sb->n_ops = sb->ops_cap = 0;
  free (sb->env_ops);
  sb->env_ops = NULL;
  sb->n_env_ops = sb->env_ops_cap = 0;
  for (size_t i = 0; i < sb->n_args_buffers; i++)
    free (sb->args_buffers[i]);
  free (sb->args_buffers);
  sb->args_buffers = NULL;
  sb->n_args_buffers = sb->args_buffers_cap = 0;
  for (size_t i = 0; i < sb->n_origins; i++)
    {
      free (sb->origins[i].option);
      free (sb->origins[i].where);
    }
  free (sb->origins);
  sb->origins = NULL;
  sb->n_origins = sb->origins_cap = 0;
  /* The words of --args data are gone: so is the command taken from them. */
  sb->command = NULL;
  sb->n_command = 0;
  malloc_trim (0);
}
