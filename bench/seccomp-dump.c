/* seccomp-dump.so: bench/run's way to get the BPF program a sandbox tool
 * loads, so that the same program can be given back as `--seccomp FD`.
 *
 *   LD_PRELOAD=seccomp-dump.so SECCOMP_DUMP_FD=9 hutch ... 9>prog.bpf
 *
 * It stands in for prctl(2): a PR_SET_SECCOMP of a filter program is
 * written, as the raw struct sock_filter array `--seccomp` reads, to the
 * fd SECCOMP_DUMP_FD names (each program loaded is appended; the fd is
 * opened by the caller before the tool starts, so the tool's new root
 * does not matter), and then made as the tool asked.  An unprivileged
 * user cannot read a loaded filter back (PTRACE_SECCOMP_GET_FILTER wants
 * CAP_SYS_ADMIN), hence this.  hutch has no option that prints its
 * compiled policy.
 *
 * Build: cc -O2 -shared -fPIC -o seccomp-dump.so seccomp-dump.c */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int
prctl (int option, ...)
{
  unsigned long a2, a3, a4, a5;
  va_list ap;

  va_start (ap, option);
  a2 = va_arg (ap, unsigned long);
  a3 = va_arg (ap, unsigned long);
  a4 = va_arg (ap, unsigned long);
  a5 = va_arg (ap, unsigned long);
  va_end (ap);

  if (option == PR_SET_SECCOMP && a2 == SECCOMP_MODE_FILTER && a3 != 0)
    {
      const struct sock_fprog *prog = (const struct sock_fprog *)a3;
      const char *fd_text = getenv ("SECCOMP_DUMP_FD");
      if (fd_text != NULL)
        {
          const char *p = (const char *)prog->filter;
          size_t left = prog->len * sizeof (struct sock_filter);
          int fd = atoi (fd_text);
          while (left > 0)
            {
              ssize_t n = write (fd, p, left);
              if (n <= 0)
                _exit (111); /* bench/run sees the failure */
              p += n;
              left -= n;
            }
        }
    }
  return (int)syscall (SYS_prctl, option, a2, a3, a4, a5);
}
