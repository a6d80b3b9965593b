/* hutch — bring up loopback in a new network namespace.
 *
 * Two ioctls on one socket: SIOCGIFFLAGS reads lo's flags, SIOCSIFFLAGS
 * writes them back with IFF_UP.  The kernel takes a socket of any family
 * for these device ioctls, and needs CAP_NET_ADMIN over the namespace, as
 * rtnetlink does; the rtnetlink way (if_nametoindex's own socket and
 * ioctl, then a netlink socket, bind, send, receive) was twice the calls
 * for the same change.  Reading the flags first keeps every other flag
 * of lo as it was. */
#include "config.h"

#include "network.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int
network_loopback_up (void)
{
  struct ifreq ifr = { 0 };
  int sock, r = 0;

  strcpy (ifr.ifr_name, "lo");
  sock = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return -errno;
  if (ioctl (sock, SIOCGIFFLAGS, &ifr) < 0)
    r = -errno;
  else if ((ifr.ifr_flags & IFF_UP) == 0)
    {
      ifr.ifr_flags |= IFF_UP;
      if (ioctl (sock, SIOCSIFFLAGS, &ifr) < 0)
        r = -errno;
    }
  close (sock);
  return r;
}
