/*
 * Interface watcher: link up/down of the interfaces instances run on or
 * track, from rtnetlink link events (no polling).  "Up" means
 * administratively up with carrier (IFF_UP and IFF_RUNNING).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fipd.h"

static int kif_fd = -1;
static struct fipd_io *kif_io;
static void (*kif_hook)(const char *ifname);

int
kif_link_up(const char *ifname)
{
	struct ifreq ifr;
	int fd, rc;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	if (rc == -1)
		return -1;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

/* Parse one RTM_NEWLINK/DELLINK; tell the hook which interface moved. */
static void
kif_link_msg(const struct nlmsghdr *nh)
{
	const struct ifinfomsg *ifi;
	const struct rtattr *rta;
	char name[IF_NAMESIZE];
	int len;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	ifi = NLMSG_DATA(nh);
	len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
	name[0] = '\0';
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t n;

		if (rta->rta_type != IFLA_IFNAME)
			continue;
		n = RTA_PAYLOAD(rta);
		if (n == 0)
			break;
		if (n > sizeof(name))
			n = sizeof(name);
		memcpy(name, RTA_DATA(rta), n);
		name[n - 1] = '\0';
		break;
	}
	if (name[0] != '\0' && kif_hook != NULL)
		kif_hook(name);
}

static void
kif_read_cb(int fd, void *arg)
{
	uint8_t buf[16384];
	const struct nlmsghdr *nh;
	ssize_t n;
	int i, len;

	for (i = 0; i < 64; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1) {
			if (errno == ENOBUFS) {
				/* Lost events: re-evaluate everything. */
				log_warnx("kif: netlink overrun, rechecking "
				    "all links");
				if (kif_hook != NULL)
					kif_hook(NULL);
				continue;
			}
			if (errno != EAGAIN && errno != EINTR)
				log_warn("kif: recv");
			return;
		}
		len = (int)n;
		for (nh = (const struct nlmsghdr *)(const void *)buf;
		    NLMSG_OK(nh, (unsigned int)len); nh = NLMSG_NEXT(nh, len))
			if (nh->nlmsg_type == RTM_NEWLINK ||
			    nh->nlmsg_type == RTM_DELLINK)
				kif_link_msg(nh);
	}
}

int
kif_start(void (*hook)(const char *ifname))
{
	struct sockaddr_nl snl;

	kif_hook = hook;
	if (kif_fd != -1)
		return 0;
	kif_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (kif_fd == -1) {
		log_warn("kif: netlink socket");
		return -1;
	}
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	snl.nl_groups = RTMGRP_LINK;
	if (bind(kif_fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		log_warn("kif: netlink bind");
		close(kif_fd);
		kif_fd = -1;
		return -1;
	}
	kif_io = ev_io_new(kif_fd, 0, kif_read_cb, NULL);
	return 0;
}

void
kif_stop(void)
{
	if (kif_fd == -1)
		return;
	ev_io_free(kif_io);
	close(kif_fd);
	kif_fd = -1;
	kif_io = NULL;
}
