/* hutch — networking inside a new network namespace. */
#pragma once

/* Bring the loopback interface up (two ioctls).  Returns 0 or -errno. */
int network_loopback_up (void);
