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
	int family;
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
			r = s->lookup(s->ifname, AF_INET, buf[ihl + 1],
			    s->arg);
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
		if ((r = s->lookup(s->ifname, AF_INET, p.vrid,
		    s->arg)) == NULL) {
			net_drop(s, buf, (size_t)n, &ip, VPKT_DROP_VRID);
			continue;
		}
		now = ev_now_us();
		if (vrrp_rx_check(r, now, &p, &ip.src, ip.ttl, &why) == 0)
			vrrp_rx(r, now, &p, &ip.src);
	}
}

static void
net_drop6(struct vsock *s, const struct fipd_addr *src, const uint8_t *buf,
    size_t len, enum vpkt_drop why)
{
	struct vrrp_router *r = NULL;
	char a[INET6_ADDRSTRLEN];

	if (why != VPKT_DROP_VRID && len >= 2)
		r = s->lookup(s->ifname, AF_INET6, buf[1], s->arg);
	if (r != NULL)
		vrrp_count_drop(r, why);
	else
		drops[why]++;
	if (log_limit_ok(&ll_drop, ev_now_us()))
		log_warnx("%s: dropped packet from %s: %s", s->ifname,
		    vpkt_addr_str(src, a, sizeof(a)), vpkt_drop_str(why));
}

/*
 * IPv6 raw sockets deliver the VRRP message without the IP header: the
 * hop limit and the destination come as ancillary data.  A missing hop
 * limit is a drop (RFC 9568 7.1 cannot be checked without it).
 */
static void
net_read6_cb(int fd, void *arg)
{
	struct vsock *s = arg;
	uint8_t buf[VPKT_MAX_LEN + 64];
	uint8_t cbuf[CMSG_SPACE(sizeof(int)) +
	    CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct sockaddr_in6 from;
	struct fipd_addr src, dst;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	struct vpkt p;
	struct vrrp_router *r;
	enum vpkt_drop why;
	ssize_t n;
	int i, hops, have_dst;
	uint64_t now;

	for (i = 0; i < NET_READ_BATCH; i++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("%s: recvmsg", s->ifname);
			return;
		}
		memset(&src, 0, sizeof(src));
		src.family = AF_INET6;
		src.prefixlen = 128;
		src.u.v6 = from.sin6_addr;
		memset(&dst, 0, sizeof(dst));
		dst.family = AF_INET6;
		dst.prefixlen = 128;
		hops = -1;
		have_dst = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level != IPPROTO_IPV6)
				continue;
			if (cm->cmsg_type == IPV6_HOPLIMIT &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(int)))
				memcpy(&hops, CMSG_DATA(cm), sizeof(int));
			else if (cm->cmsg_type == IPV6_PKTINFO &&
			    cm->cmsg_len >=
			    CMSG_LEN(sizeof(struct in6_pktinfo))) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				dst.u.v6 = pi.ipi6_addr;
				have_dst = 1;
			}
		}
		if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
			net_drop6(s, &src, buf, (size_t)n, VPKT_DROP_TOO_LONG);
			continue;
		}
		if (!have_dst) {
			net_drop6(s, &src, buf, (size_t)n,
			    VPKT_DROP_IP_HEADER);
			continue;
		}
		if (vpkt_parse(buf, (size_t)n, AF_INET6, &src, &dst, &p,
		    &why) == -1) {
			net_drop6(s, &src, buf, (size_t)n, why);
			continue;
		}
		if ((r = s->lookup(s->ifname, AF_INET6, p.vrid,
		    s->arg)) == NULL) {
			net_drop6(s, &src, buf, (size_t)n, VPKT_DROP_VRID);
			continue;
		}
		now = ev_now_us();
		if (vrrp_rx_check(r, now, &p, &src, hops, &why) == 0)
			vrrp_rx(r, now, &p, &src);
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

static int
open4(int fd, unsigned int idx, char *err, size_t errlen)
{
	struct ip_mreqn mr;
	int on = 1, off = 0, ttl = VPKT_TTL;

	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = (int)idx;
	/*
	 * We build the IP header ourselves (IP_HDRINCL) so that the source
	 * address and TTL 255 are exactly what the checksum covered.
	 */
	if (setopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on), "IP_HDRINCL",
	    err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off),
	    "IP_MULTICAST_LOOP", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl),
	    "IP_MULTICAST_TTL", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr),
	    "IP_MULTICAST_IF", err, errlen) == -1)
		return -1;
	return 0;
}

static int
open6(int fd, unsigned int idx, char *err, size_t errlen)
{
	int on = 1, off = 0, hops = VPKT_TTL, ifi = (int)idx;

	/* RFC 9568 5.1.2.3: hop limit 255 out, checked on the way in. */
	if (setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on),
	    "IPV6_RECVHOPLIMIT", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on),
	    "IPV6_RECVPKTINFO", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops),
	    "IPV6_MULTICAST_HOPS", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops),
	    "IPV6_UNICAST_HOPS", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off),
	    "IPV6_MULTICAST_LOOP", err, errlen) == -1 ||
	    setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi),
	    "IPV6_MULTICAST_IF", err, errlen) == -1)
		return -1;
	return 0;
}

struct vsock *
net_get(const char *ifname, int family, net_lookup_fn *lookup, void *arg,
    char *err, size_t errlen)
{
	struct vsock *s;
	int fd, rc;
	unsigned int idx;

	TAILQ_FOREACH(s, &socks, entry)
		if (s->family == family && strcmp(s->ifname, ifname) == 0) {
			s->refs++;
			return s;
		}
	if ((idx = if_nametoindex(ifname)) == 0) {
		snprintf(err, errlen, "interface %s: %s", ifname,
		    strerror(errno));
		return NULL;
	}
	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VPKT_PROTO);
	if (fd == -1) {
		snprintf(err, errlen, "raw socket (needs CAP_NET_RAW): %s",
		    strerror(errno));
		return NULL;
	}
	rc = setopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
	    (socklen_t)strlen(ifname) + 1, "SO_BINDTODEVICE", err, errlen);
	if (rc == 0)
		rc = family == AF_INET ? open4(fd, idx, err, errlen) :
		    open6(fd, idx, err, errlen);
	if (rc == -1) {
		close(fd);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->family = family;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->ifindex = idx;
	s->fd = fd;
	s->refs = 1;
	s->lookup = lookup;
	s->arg = arg;
	s->io = ev_io_new(fd, 0, family == AF_INET ? net_read_cb :
	    net_read6_cb, s);
	TAILQ_INSERT_TAIL(&socks, s, entry);
	return s;
}

static int
membership(struct vsock *s, int join)
{
	struct ip_mreqn mr;
	struct ipv6_mreq m6;

	if (s->family == AF_INET6) {
		memset(&m6, 0, sizeof(m6));
		memcpy(&m6.ipv6mr_multiaddr, vpkt_mcast6, 16);
		m6.ipv6mr_interface = s->ifindex;
		return setsockopt(s->fd, IPPROTO_IPV6, join ?
		    IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &m6, sizeof(m6));
	}
	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr.s_addr = htonl(VPKT_MCAST4);
	mr.imr_ifindex = (int)s->ifindex;
	return setsockopt(s->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP :
	    IP_DROP_MEMBERSHIP, &mr, sizeof(mr));
}

int
net_join(struct vsock *s)
{
	if (s->joined++ > 0)
		return 0;
	if (membership(s, 1) == -1) {
		log_warn("%s: join the VRRP group", s->ifname);
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
	if (membership(s, 0) == -1)
		log_warn("%s: leave the VRRP group", s->ifname);
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
    const struct fipd_addr *src, const struct fipd_addr *dst)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct in6_pktinfo pi;
	uint8_t cbuf[CMSG_SPACE(sizeof(pi))];
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;

	if (s->family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr = dst->u.v4;
		return sendto(s->fd, pkt, len, 0, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1 ? -1 : 0;
	}
	/* IPv6: the source (link-local) and interface go as IPV6_PKTINFO. */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = dst->u.v6;
	if (IN6_IS_ADDR_LINKLOCAL(&dst->u.v6) ||
	    IN6_IS_ADDR_MC_LINKLOCAL(&dst->u.v6))
		sin6.sin6_scope_id = s->ifindex;
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = src->u.v6;
	pi.ipi6_ifindex = s->ifindex;
	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)pkt;
	iov.iov_len = len;
	msg.msg_name = &sin6;
	msg.msg_namelen = sizeof(sin6);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	return sendmsg(s->fd, &msg, 0) == -1 ? -1 : 0;
}

static int
addr_skipped(const struct fipd_addr *a, const struct fipd_addr *skip,
    size_t nskip)
{
	size_t i;

	for (i = 0; i < nskip; i++)
		if (skip[i].family == a->family &&
		    vpkt_addr_cmp(&skip[i], a) == 0)
			return 1;
	return 0;
}

int
net_if_primary(const char *ifname, int family, const struct fipd_addr *skip,
    size_t nskip, struct fipd_addr *out, unsigned int *ifindex)
{
	struct ifaddrs *ifa, *i;
	struct fipd_addr a;
	int rc = -1;

	if ((*ifindex = if_nametoindex(ifname)) == 0)
		return -1;
	if (getifaddrs(&ifa) == -1)
		return -1;
	/*
	 * IPv4: the first address (the kernel lists primaries first).
	 * IPv6: the link-local address (RFC 9568 5.1.2.1), never a global.
	 */
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != family ||
		    strcmp(i->ifa_name, ifname) != 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.family = family;
		if (family == AF_INET) {
			a.prefixlen = 32;
			a.u.v4 = ((const struct sockaddr_in *)(const void *)
			    i->ifa_addr)->sin_addr;
		} else {
			a.prefixlen = 128;
			a.u.v6 = ((const struct sockaddr_in6 *)(const void *)
			    i->ifa_addr)->sin6_addr;
			if (!IN6_IS_ADDR_LINKLOCAL(&a.u.v6))
				continue;
		}
		if (addr_skipped(&a, skip, nskip))
			continue;
		*out = a;
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	return rc;
}
