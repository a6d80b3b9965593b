/* hutch — logging, memory, parsing and I/O helpers. */
#include "config.h"

#include "utils.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

const char *prog_name = "hutch";
const char *log_context;
const char *prog_invoked_as = "hutch";

#ifdef __SANITIZE_ADDRESS__
/* ./configure --enable-sanitizers: hutch leaves through die() and exit()
 * without freeing what a short-lived process needs until its end, and
 * LeakSanitizer has to ptrace the process, which a non-dumpable monitor
 * refuses; so no leak check (ASAN_OPTIONS can still turn it on).  The
 * command run in the sandbox is not instrumented. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "detect_leaks=0";
}
#endif
bool log_level_prefix = false;

void
log_init (const char *argv0)
{
  /* A caller that closed 0, 1 or 2 would have hutch's own fds (its /proc,
   * its pipes) take those numbers, and its messages written into them:
   * hold them with /dev/null, closed again at exec as the caller left
   * them. */
  for (int fd = 0; fd <= STDERR_FILENO; fd++)
    if (fcntl (fd, F_GETFD) < 0 && errno == EBADF)
      {
        int n = open ("/dev/null", O_RDWR | O_CLOEXEC);
        if (n < 0)
          _exit (1); /* (no fd 2 to say it on) */
        if (n != fd)
          close (n); /* the lowest free number was not fd: it was open */
      }
  if (argv0 != NULL && *argv0 != '\0')
    {
      const char *slash = strrchr (argv0, '/');
      prog_invoked_as = argv0;
      prog_name = slash ? slash + 1 : argv0;
      if (*prog_name == '\0')
        prog_name = "hutch";
    }
}

static void
log_v (enum log_level level, const char *fmt, va_list ap, int errnum)
{
  /* Build the whole line first so that it reaches stderr in one write. */
  char buf[4096];
  size_t n = 0;
  int r;

  if (log_level_prefix)
    {
      r = snprintf (buf, sizeof buf, "<%d>", (int)level);
      n = r > 0 ? (size_t)r : 0;
    }
  r = snprintf (buf + n, sizeof buf - n, "%s: ", prog_name);
  if (r > 0)
    n += (size_t)r;
  if (log_context != NULL && n < sizeof buf)
    {
      r = snprintf (buf + n, sizeof buf - n, "%s: ", log_context);
      if (r > 0)
        n += (size_t)r;
    }
  /* A message that quotes a huge value (an 8,000-byte path) is cut short,
   * keeping room for the reason that follows it. */
  const size_t limit = sizeof buf - 256;
  if (n < limit)
    {
      r = vsnprintf (buf + n, limit - n, fmt, ap);
      if (r > 0 && (size_t)r >= limit - n)
        n = (size_t)snprintf (buf + limit - 4, 4, "...") + limit - 4;
      else if (r > 0)
        n += (size_t)r;
    }
  if (errnum != 0 && n < sizeof buf)
    {
      r = snprintf (buf + n, sizeof buf - n, ": %s", strerror (errnum));
      if (r > 0)
        n += (size_t)r;
    }
  if (n >= sizeof buf - 1)
    n = sizeof buf - 2;

  /* One message, one line: a control character that came from the caller
   * (a newline in a host name, an escape sequence in a path) is shown as
   * \xHH instead. */
  char line[sizeof buf];
  size_t m = 0;
  for (size_t i = 0; i < n && m < sizeof line - 5; i++)
    {
      unsigned char c = (unsigned char)buf[i];
      if (c < 0x20 || c == 0x7f)
        m += (size_t)snprintf (line + m, sizeof line - m, "\\x%02x", c);
      else
        line[m++] = (char)c;
    }
  line[m++] = '\n';
  (void)write_all (STDERR_FILENO, line, m);
}

void
log_msg (enum log_level level, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  va_start (ap, fmt);
  log_v (level, fmt, ap, 0);
  va_end (ap);
  errno = saved;
}

void
die (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_v (LOG_LVL_ERR, fmt, ap, 0);
  va_end (ap);
  exit (1);
}

void
die_with_error (const char *fmt, ...)
{
  int errnum = errno;
  va_list ap;
  va_start (ap, fmt);
  log_v (LOG_LVL_ERR, fmt, ap, errnum);
  va_end (ap);
  exit (1);
}

void
die_with_errno (int err, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  log_v (LOG_LVL_ERR, fmt, ap, err);
  va_end (ap);
  exit (1);
}

void
die_oom (void)
{
  static const char msg[] = ": out of memory\n";
  (void)write_all (STDERR_FILENO, prog_name, strlen (prog_name));
  (void)write_all (STDERR_FILENO, msg, sizeof msg - 1);
  exit (1);
}

void *
xmalloc (size_t size)
{
  void *p = malloc (size ? size : 1);
  if (p == NULL)
    die_oom ();
  return p;
}

void *
xcalloc (size_t n, size_t size)
{
  void *p = calloc (n ? n : 1, size ? size : 1);
  if (p == NULL)
    die_oom ();
  return p;
}

void *
xrealloc (void *ptr, size_t size)
{
  void *p = realloc (ptr, size ? size : 1);
  if (p == NULL)
    die_oom ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *p = strdup (s);
  if (p == NULL)
    die_oom ();
  return p;
}

char *
xasprintf (const char *fmt, ...)
{
  char *s;
  va_list ap;
  va_start (ap, fmt);
  int r = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (r < 0)
    die_oom ();
  return s;
}

void *
xgrow (void *array, size_t *capacity, size_t n, size_t size)
{
  if (n < *capacity)
    return array;
  size_t cap = *capacity ? *capacity * 2 : 16;
  if (cap < n + 1 || cap > SIZE_MAX / size)
    die_oom ();
  *capacity = cap;
  return xrealloc (array, cap * size);
}

int
parse_fd (const char *s, int *out)
{
  char *end;
  long v;

  /* Digits only: strtol() would also take " 3" and "+3". */
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  v = strtol (s, &end, 10);
  if (errno != 0 || *end != '\0' || v < 0 || v > INT_MAX)
    return -1;
  *out = (int)v;
  return 0;
}

int
parse_uint32 (const char *s, uint32_t *out)
{
  char *end;
  unsigned long long v;

  if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0' || v > UINT32_MAX)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

int
parse_octal_mode (const char *s, mode_t *out)
{
  char *end;
  unsigned long v;

  if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
    return -1;
  errno = 0;
  v = strtoul (s, &end, 8);
  if (errno != 0 || *end != '\0' || v > 07777)
    return -1;
  *out = (mode_t)v;
  return 0;
}

int
parse_size (const char *s, size_t *out)
{
  char *end;
  unsigned long long v;

  if (s == NULL || *s == '\0' || *s == '-' || *s == '+' || *s == ' ')
    return -1;
  errno = 0;
  v = strtoull (s, &end, 0);
  if (errno != 0 || *end != '\0' || v == 0 || v > SIZE_MAX)
    return -1;
  *out = (size_t)v;
  return 0;
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return -errno;
        }
      if (w == 0)
        return -EIO;
      p += w;
      len -= (size_t)w;
    }
  return 0;
}

int
write_file_at (int dirfd, const char *path, const char *content)
{
  int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return -errno;
  int r = write_all (fd, content, strlen (content));
  if (close (fd) < 0 && r == 0)
    r = -errno;
  return r;
}

int
read_all (int fd, char **out, size_t *len)
{
  return read_all_max (fd, SIZE_MAX, out, len);
}

int
read_all_max (int fd, size_t max, char **out, size_t *len)
{
  size_t cap = 4096, n = 0;
  char *buf = xmalloc (cap);

  for (;;)
    {
      if (n > max)
        {
          free (buf);
          return -EFBIG;
        }
      if (cap - n < 2048)
        {
          if (cap > SIZE_MAX / 2)
            {
              free (buf);
              return -ENOMEM;
            }
          cap *= 2;
          buf = xrealloc (buf, cap);
        }
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          int e = errno;
          free (buf);
          return -e;
        }
      if (r == 0)
        break;
      n += (size_t)r;
    }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

int
copy_fd (int from, int to)
{
  char buf[16384];
  for (;;)
    {
      ssize_t r = read (from, buf, sizeof buf);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return -errno;
        }
      if (r == 0)
        return 0;
      int w = write_all (to, buf, (size_t)r);
      if (w < 0)
        return w;
    }
}

int
for_each_open_fd (int proc_fd, void (*fn) (int fd, void *data), void *data)
{
  _Alignas(struct dirent64) char buf[4096];
  int dfd = proc_fd >= 0 ? openat (proc_fd, "self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                         : open ("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ssize_t n;

  if (dfd < 0)
    return -1;
  while ((n = getdents64 (dfd, buf, sizeof buf)) > 0)
    for (ssize_t off = 0; off < n;)
      {
        const struct dirent64 *de = (const struct dirent64 *)(buf + off);
        int fd;

        off += de->d_reclen;
        if (parse_fd (de->d_name, &fd) == 0 && fd > STDERR_FILENO && fd != dfd)
          fn (fd, data);
      }
  int saved = errno;
  close (dfd);
  errno = saved;
  return n < 0 ? -1 : 0;
}

/* Every process of hutch's that must not outlive its parent asks for
 * SIGKILL at the parent's death here, and asks again after each change
 * of credentials: the kernel clears the request in the child of a fork,
 * at the exec of a set-user-ID, set-group-ID or file-capability program,
 * and whenever the effective or filesystem uid or gid changes or the new
 * credentials are not a subset of the old ones (more permitted
 * capabilities, or a user namespace joined that is not one of the
 * caller's own below its current one). */
int
parent_death_signal_set (pid_t expected_parent)
{
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return -errno;
  /* A parent that died before the request took effect sends nothing:
   * this process has then been handed to another one. */
  if (expected_parent > 0 && getppid () != expected_parent)
    return -ESRCH;
  return 0;
}

void
set_parent_death_signal (pid_t expected_parent)
{
  int r = parent_death_signal_set (expected_parent);
  if (r == -ESRCH)
    die ("The parent process is gone");
  if (r < 0)
    die_with_errno (-r, "prctl(PR_SET_PDEATHSIG)");
}

static void
release_range (uintptr_t start, uintptr_t end)
{
  /* MADV_RANDOM first: else a fault on one page maps the 64 kB around
   * it again ("fault-around"), and the code the process still runs soon
   * brings most of it back. */
  (void)madvise ((void *)start, end - start, MADV_RANDOM);
  (void)madvise ((void *)start, end - start, MADV_DONTNEED);
}

static int
release_object_pages (struct dl_phdr_info *info, size_t size, void *data)
{
  uintptr_t page = (uintptr_t)sysconf (_SC_PAGESIZE);
  uintptr_t start = 0, end = 0, limit = UINTPTR_MAX;

  /* The first object is the program itself. */
  for (size_t i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW (Phdr) *ph = &info->dlpi_phdr[i];

      if (ph->p_type == PT_DYNAMIC)
        {
          /* Text relocations would have written to the code: leave it. */
          for (const ElfW (Dyn) *d = (const ElfW (Dyn) *)(info->dlpi_addr + ph->p_vaddr);
               d->d_tag != DT_NULL; d++)
            if (d->d_tag == DT_TEXTREL || (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)))
              return 1;
        }
      if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W))
        {
          uintptr_t w = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
          if (w < limit)
            limit = w;
        }
    }
  for (size_t i = 0; i < info->dlpi_phnum; i++)
    {
      const ElfW (Phdr) *ph = &info->dlpi_phdr[i];
      uintptr_t s, e;

      if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
        continue;
      s = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
      e = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
      if (s < limit && e > limit)
        e = limit; /* never a page of the writable segment */
      if (start == end)
        start = s, end = e;
      else if (s == end)
        end = e; /* adjacent: one call for the lot */
      else
        {
          release_range (start, end);
          start = s, end = e;
        }
    }
  if (end > start)
    release_range (start, end);
  (void)size;
  (void)data;
  return 1; /* the program only */
}

void
release_program_pages (void)
{
  (void)dl_iterate_phdr (release_object_pages, NULL);
}
