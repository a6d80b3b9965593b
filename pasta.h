/* hutch — user-mode networking through pasta (--net pasta). */
#pragma once

#include <sys/types.h>

#include "json.h"
#include "sandbox.h"

/* The fixed addresses of the sandbox's side of the link (README:
 * "Networking").  Fixed, so that they are known before pasta starts and can
 * be reported without looking inside the namespace. */
#define PASTA_ADDRESS "10.0.2.100"
#define PASTA_PREFIX_LENGTH 24
#define PASTA_GATEWAY "10.0.2.2" /* also the host's loopback with --net-host-loopback */
#define PASTA_DNS "10.0.2.3"     /* pasta forwards DNS sent here to the host's resolver */

/* Parse: --net MODE, --publish SPEC (option-table.c's handlers).  One-line
 * errors on a malformed value. */
void pasta_parse_net (struct sandbox *sb, const char *mode);
void pasta_parse_publish (struct sandbox *sb, const char *spec);

/* Check, after options_check(): the cross-option rules, pasta looked up in
 * PATH, and an op that binds a generated /etc/resolv.conf naming the DNS
 * forwarder.  Does nothing without --net pasta. */
void pasta_check (struct sandbox *sb);

/* In the monitor, once the child's uid/gid maps are written and before it
 * is let go: start pasta on the child's network namespace and wait until
 * the interface is configured.  On failure the child is killed and hutch
 * dies with one line.  Does nothing without --net pasta. */
void pasta_start (const struct sandbox *sb, const struct run *run, pid_t child);

/* In the monitor when the command is done: kill pasta and reap it. */
void pasta_stop (void);

/* The extra members of the status reports, into the object j is writing:
 * none without --net pasta, else "network": "pasta", "address": ... */
void pasta_status_fields (const struct sandbox *sb, struct json *j);
