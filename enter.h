/* hutch — --enter: a command run inside a running sandbox, in all of its
 * namespaces (the nested user namespace too), its root and working
 * directory, and confined as the sandbox's command is.
 *
 * The setup child hands its namespaces, root and cwd (and the caller's
 * seccomp programs) to the monitor at the end of the build
 * (enter_send_handover).  `hutch --enter` connects to the monitor's socket
 * (instance.c) and sends its stdin, stdout and stderr and the command
 * line; the monitor forks a server that joins the namespaces, forks the
 * command into the sandbox's PID namespace, confines it from the
 * sandbox's own parsed options (confine_exec_entered) and reports its
 * exit status back.  The client passes SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT on, and exits with the command's status.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"
#include "utils.h"

/* The most a request (the command line and TERM) may hold. */
#define ENTER_REQUEST_MAX 65536

/* The client: send the request on `conn` (connected to the monitor),
 * relay signals, exit with the command's status. */
NORETURN void enter_client (const struct sandbox *sb, int conn);

/* In the child at the end of the build: the hand-over on `fd`. */
void enter_send_handover (const struct sandbox *sb, struct run *run, int fd);

/* In the monitor: receive the first part of the hand-over (data and up
 * to nfds fds); the number of fds received, or -1.  Then the seccomp
 * programs into run->seccomp_progs: 0 or -1. */
int enter_recv_fds (int fd, void *data, size_t len, int *fds, size_t nfds);
int enter_recv_programs (int fd, struct run *run, uint32_t n);

/* In the monitor: one request from a client (up to 3 fds); its length,
 * or -1. */
ssize_t enter_recv_request (int conn, char *buf, size_t max, int fds[3]);

/* In the monitor: serve the --enter request buf[0..n) in a process of its
 * own (the monitor goes on at once); fds are the client's stdio. */
void enter_fork_server (const struct sandbox *sb, struct run *run, int conn, const int fds[3],
                        const char *buf, size_t n);
