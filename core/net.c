/*
 * Raw VRRP sockets: one IPv4 socket (IP protocol 112) per interface,
 * shared by every instance on it and demultiplexed by VRID, so a packet
 * for an unknown VRID is counted once, not once per instance.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

struct vsock {
	TAILQ_ENTRY(vsock) entry;
	char ifname[IF_NAMESIZE];
	unsigned int ifindex;
	int fd;
	int refs;
	int joined;
	struct fipd_io *io;
	net_lookup_fn *lookup;
	void *arg;
};
TAILQ_HEAD(vsock_list, vsock);

static struct vsock_list socks = TAILQ_HEAD_INITIALIZER(socks);
static uint64_t drops[VPKT_DROP_MAX];
static struct log_limit ll_drop = { .period_s = 10, .burst = 5 };

/* Reads handled per readiness event, so a flood cannot starve timers. */
#define NET_READ_BATCH 64

const uint64_t *
net_drops(void)
{
	return drops;
}

static void
net_drop(struct vsock *s, const uint8_t *buf, size_t len,
    const struct vpkt_ip *ip, enum vpkt_drop why)
{
	struct vrrp_router *r = NULL;
	char a[INET6_ADDRSTRLEN];
	size_t ihl;

	/* Attribute the drop to an instance when the VRID is readable. */
	if (why != VPKT_DROP_IP_HEADER && len >= 20) {
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl >= 20 && len >= ihl + 2)
			r = s->lookup(s->ifname, buf[ihl + 1], s->arg);
	}
	if (r != NULL)
		vrrp_count_drop(r, why);
	else
		drops[why]++;
	if (log_limit_ok(&ll_drop, ev_now_us()))
		log_warnx("%s: dropped packet from %s: %s", s->ifname,
		    ip->src.family ? vpkt_addr_str(&ip->src, a, sizeof(a)) :
		    "?", vpkt_drop_str(why));
}

static void
net_read_cb(int fd, void *arg)
{
	struct vsock *s = arg;
	uint8_t buf[VPKT_MAX_LEN + 64];
	struct vpkt_ip ip;
	struct vpkt p;
	struct vrrp_router *r;
	enum vpkt_drop why;
	ssize_t n;
	int i;
	uint64_t now;

	for (i = 0; i < NET_READ_BATCH; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("%s: recv", s->ifname);
			return;
		}
		memset(&ip, 0, sizeof(ip));
		if ((size_t)n > sizeof(buf)) {
			net_drop(s, buf, sizeof(buf), &ip,
			    VPKT_DROP_TOO_LONG);
			continue;
		}
		if (vpkt_parse_ipv4(buf, (size_t)n, &ip, &p, &why) == -1) {
			net_drop(s, buf, (size_t)n, &ip, why);
			continue;
		}
		if ((r = s->lookup(s->ifname, p.vrid, s->arg)) == NULL) {
			net_drop(s, buf, (size_t)n, &ip, VPKT_DROP_VRID);
			continue;
		}
		now = ev_now_us();
		if (vrrp_rx_check(r, now, &p, &ip.src, ip.ttl, &why) == 0)
			vrrp_rx(r, now, &p, &ip.src);
	}
}

static int
setopt(int fd, int level, int opt, const void *v, socklen_t len,
    const char *name, char *err, size_t errlen)
{
	if (setsockopt(fd, level, opt, v, len) == -1) {
		snprintf(err, errlen, "setsockopt %s: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct vsock *
net_get(const char *ifname, net_lookup_fn *lookup, void *arg, char *err,
    size_t errlen)
{
	struct vsock *s;
	struct ip_mreqn mr;
	int fd, on = 1, off = 0, ttl = VPKT_TTL;
	unsigned int idx;

	TAILQ_FOREACH(s, &socks, entry)
		if (strcmp(s->ifname, ifname) == 0) {
			s->refs++;
			return s;
		}
	if ((idx = if_nametoindex(ifname)) == 0) {
		snprintf(err, errlen, "interface %s: %s", ifname,
		    strerror(errno));
		return NULL;
	}
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VPKT_PROTO);
	if (fd == -1) {
		snprintf(err, errlen, "raw socket (needs CAP_NET_RAW): %s",
		    strerror(errno));
		return NULL;
	}
	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)idx;
	/*
	 * We build the IP header ourselves (IP_HDRINCL) so that the source
	 * address and TTL 255 are exactly what the checksum covered.
	 */
	if (setopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
	    (socklen_t)strlen(ifname) + 1, "SO_BINDTODEVICE", err,
	    errlen) == -1 ||
	    setopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on), "IP_HDRINCL",
	    err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off),
	    "IP_MULTICAST_LOOP", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl),
	    "IP_MULTICAST_TTL", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr),
	    "IP_MULTICAST_IF", err, errlen) == -1) {
		close(fd);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->ifindex = idx;
	s->fd = fd;
	s->refs = 1;
	s->lookup = lookup;
	s->arg = arg;
	s->io = ev_io_new(fd, 0, net_read_cb, s);
	TAILQ_INSERT_TAIL(&socks, s, entry);
	return s;
}

static int
membership(struct vsock *s, int opt)
{
	struct ip_mreqn mr;

	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr.s_addr = htonl(VPKT_MCAST4);
	mr.imr_ifindex = (int)s->ifindex;
	return setsockopt(s->fd, IPPROTO_IP, opt, &mr, sizeof(mr));
}

int
net_join(struct vsock *s)
{
	if (s->joined++ > 0)
		return 0;
	if (membership(s, IP_ADD_MEMBERSHIP) == -1) {
		log_warn("%s: join 224.0.0.18", s->ifname);
		s->joined = 0;
		return -1;
	}
	return 0;
}

void
net_leave(struct vsock *s)
{
	if (s->joined == 0 || --s->joined > 0)
		return;
	if (membership(s, IP_DROP_MEMBERSHIP) == -1)
		log_warn("%s: leave 224.0.0.18", s->ifname);
}

void
net_put(struct vsock *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	TAILQ_REMOVE(&socks, s, entry);
	ev_io_free(s->io);
	close(s->fd);
	free(s);
}

int
net_send(struct vsock *s, const uint8_t *pkt, size_t len,
    const struct fipd_addr *dst)
{
	struct sockaddr_in sin;
	ssize_t n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = dst->u.v4;
	n = sendto(s->fd, pkt, len, 0, (struct sockaddr *)&sin, sizeof(sin));
	if (n == -1)
		return -1;
	return 0;
}

static int
addr_skipped(const struct in_addr *a, const struct fipd_addr *skip,
    size_t nskip)
{
	size_t i;

	for (i = 0; i < nskip; i++)
		if (skip[i].family == AF_INET &&
		    skip[i].u.v4.s_addr == a->s_addr)
			return 1;
	return 0;
}

int
net_if_primary(const char *ifname, const struct fipd_addr *skip,
    size_t nskip, struct fipd_addr *out, unsigned int *ifindex)
{
	struct ifaddrs *ifa, *i;
	int rc = -1;

	if ((*ifindex = if_nametoindex(ifname)) == 0)
		return -1;
	if (getifaddrs(&ifa) == -1)
		return -1;
	/* The kernel lists primary addresses before secondaries. */
	for (i = ifa; i != NULL; i = i->ifa_next) {
		const struct sockaddr_in *sin;

		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifname) != 0)
			continue;
		sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
		if (addr_skipped(&sin->sin_addr, skip, nskip))
			continue;
		memset(out, 0, sizeof(*out));
		out->family = AF_INET;
		out->prefixlen = 32;
		out->u.v4 = sin->sin_addr;
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	return rc;
}
