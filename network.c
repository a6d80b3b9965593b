/* hutch — bring up loopback in a new network namespace (rtnetlink). */
#include "config.h"

#include "network.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "utils.h"

struct link_request
{
  struct nlmsghdr header;
  struct ifinfomsg info;
};

/* Send one request and wait for the kernel's acknowledgement. */
static int
netlink_transact (int sock, struct nlmsghdr *request)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  char reply[1024];

  if (TEMP_FAILURE_RETRY_INT (
          sendto (sock, request, request->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel))
      < 0)
    return -errno;

  for (;;)
    {
      ssize_t len = TEMP_FAILURE_RETRY_INT (recv (sock, reply, sizeof reply, 0));
      if (len < 0)
        return -errno;
      for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK (h, (size_t)len);
           h = NLMSG_NEXT (h, len))
        {
          if (h->nlmsg_seq != request->nlmsg_seq)
            continue;
          if (h->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *err = NLMSG_DATA (h);
              return err->error; /* 0 is the acknowledgement, else -errno */
            }
          if (h->nlmsg_type == NLMSG_DONE)
            return 0;
        }
    }
}

int
network_loopback_up (void)
{
  struct sockaddr_nl local = { .nl_family = AF_NETLINK };
  unsigned int index = if_nametoindex ("lo");
  int sock, r;

  if (index == 0)
    return -errno;

  sock = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0)
    return -errno;
  if (bind (sock, (struct sockaddr *)&local, sizeof local) < 0)
    {
      r = -errno;
      close (sock);
      return r;
    }

  struct link_request request = {
    .header = {
      .nlmsg_len = NLMSG_LENGTH (sizeof (struct ifinfomsg)),
      .nlmsg_type = RTM_NEWLINK,
      .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
      .nlmsg_seq = 1,
    },
    .info = {
      .ifi_family = AF_UNSPEC,
      .ifi_index = (int) index,
      .ifi_flags = IFF_UP,
      .ifi_change = IFF_UP,
    },
  };
  r = netlink_transact (sock, &request.header);
  close (sock);
  return r;
}
