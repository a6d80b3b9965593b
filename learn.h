/* hutch — --learn FILE: a profile (the format of --profile) written from
 * what the command did in the sandbox of the rest of the command line:
 * what it read, wrote, created, ran and connected to (tracer.c), and the
 * system calls of the default seccomp policy it made (explain.c).
 */
#pragma once

#include "sandbox.h"
#include "tracer.h"

struct learn;

/* Before clone: checks FILE can be written (dies with one line if not). */
struct learn *learn_new (const struct sandbox *sb);
/* In the monitor, for every watched call at its exit. */
void learn_call (struct learn *l, const struct traced_call *c);
/* A call the default seccomp policy refuses, which the command made. */
void learn_refused_call (struct learn *l, const char *call, const char *why);
/* When the command has ended: write FILE. */
void learn_write (struct learn *l, int exit_code);
