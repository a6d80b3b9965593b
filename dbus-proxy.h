/* hutch — a filtered D-Bus through xdg-dbus-proxy (--dbus-talk and the
 * other --dbus-* options). */
#pragma once

#include <stdbool.h>

#include "json.h"
#include "sandbox.h"

/* Parse: one --dbus-{see,talk,own,call,broadcast} or --dbus-system-*
 * option (its name says which bus and which policy) with its value, NAME
 * or NAME=RULE; one-line errors on a malformed value. */
void dbus_proxy_parse_rule (struct sandbox *sb, const char *option, const char *value);

/* Is there a session bus for --preset desktop to filter:
 * DBUS_SESSION_BUS_ADDRESS set, or a $XDG_RUNTIME_DIR/bus? */
bool dbus_proxy_session_bus_present (void);

/* Check, after options_check(): xdg-dbus-proxy found in PATH, each bus a
 * rule names reachable, no abstract bus socket in a shared network
 * namespace, and the sandbox's environment pointed at the proxy.  Does
 * nothing without a --dbus-* rule. */
void dbus_proxy_check (struct sandbox *sb);

/* Before clone: start xdg-dbus-proxy as the caller, wait until it
 * listens, and add the binds of its sockets into the sandbox (after every
 * op of the caller's).  One line and exit on failure.  Does nothing
 * without a --dbus-* rule. */
void dbus_proxy_start (struct sandbox *sb);

/* In the child once the new root is built (the proxy's sockets mounted):
 * remove their names outside, close what the child must not keep. */
void dbus_proxy_child_cleanup (void);

/* In the monitor when the command is done: stop the proxy, reap it and
 * remove its directory. */
void dbus_proxy_stop (void);

/* The members of the status reports (--info-fd, --json-status-fd): the
 * proxy's PID and the rules of each bus; none without a proxy. */
void dbus_proxy_status_fields (const struct sandbox *sb, struct json *j);

/* --dry-run: the proxy's command line and where its sockets go. */
void dbus_proxy_dry_run_text (const struct sandbox *sb);
void dbus_proxy_dry_run_json (const struct sandbox *sb, struct json *j);
