/*
 * Raw VRRP sockets: one socket (IP protocol 112) per interface and
 * family, shared by every instance on it and demultiplexed by VRID through
 * a table, so a packet for an unknown VRID is counted once, not once per
 * instance, and finding the instance costs one index.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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
	int joined;			/* references to the VRRP group */
	int member;			/* the socket is in the group now */
	struct fipd_io *io;
	struct fipd_timer *t_poll;	/* receive moderation */
	uint64_t last_wake;
	struct vrrp_router *by_vrid[256];	/* started instances */
};
TAILQ_HEAD(vsock_list, vsock);

static struct vsock_list socks = TAILQ_HEAD_INITIALIZER(socks);
static uint64_t drops[VPKT_DROP_MAX];
static struct log_limit ll_drop = { .period_s = 10, .burst = 5 };

/*
 * Receive path: one recvmmsg() takes up to NET_MMSG packets; a short batch
 * means the queue is empty (no extra call to meet EAGAIN).  At most
 * NET_READ_ROUNDS batches per readiness event, so a flood cannot starve
 * timers.  The buffers are shared by every socket (one thread).
 */
#define NET_MMSG 16
#define NET_READ_ROUNDS 4
/*
 * Receive moderation: when a socket turns readable again less than
 * NET_POLL_US after its last wake-up (many instances, or a flood), stop
 * watching it and drain it every NET_POLL_US until it is found empty.
 * Packets then wait at most NET_POLL_US; below one wake-up per NET_POLL_US
 * nothing changes.  Each wake-up costs more than the packets it reads.
 */
#define NET_POLL_US 1000
/* net_flush(): at most this many drains (16 x 64 packets). */
#define NET_FLUSH_ROUNDS 16
/* Receive buffer asked for each raw socket (start-up bursts of adverts). */
#define NET_RCVBUF (1024 * 1024)

struct rxslot {
	union {				/* aligned for struct cmsghdr */
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(int)) +
		    CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct sockaddr_in6 from;
	struct iovec iov;
	uint8_t data[VPKT_MAX_LEN + 64];
};
static struct rxslot rx[NET_MMSG];
static struct mmsghdr rxm[NET_MMSG];

const uint64_t *
net_drops(void)
{
	return drops;
}

/* Count a drop against the instance when the VRID can be read. */
static void
net_drop(struct vsock *s, const struct fipd_addr *src, int vrid,
    enum vpkt_drop why)
{
	struct vrrp_router *r;
	char a[INET6_ADDRSTRLEN];

	r = vrid >= 0 ? s->by_vrid[vrid] : NULL;
	if (r != NULL)
		vrrp_count_drop(r, why);
	else
		drops[why]++;
	if (log_limit_ok(&ll_drop, ev_now_us()))
		log_warnx("%s: dropped packet from %s: %s", s->ifname,
		    src->family ? vpkt_addr_str(src, a, sizeof(a)) : "?",
		    vpkt_drop_str(why));
}

static void
net_deliver(struct vsock *s, uint64_t now, const struct vpkt *p,
    const struct fipd_addr *src, int ttl)
{
	struct vrrp_router *r;
	enum vpkt_drop why;

	if ((r = s->by_vrid[p->vrid]) == NULL) {
		net_drop(s, src, -1, VPKT_DROP_VRID);
		return;
	}
	if (vrrp_rx_check(r, now, p, src, ttl, &why) == 0)
		vrrp_rx(r, now, p, src);
}

/* IPv4: the whole datagram, IP header first (raw socket). */
static void
net_rx4(struct vsock *s, uint64_t now, const struct mmsghdr *m,
    const uint8_t *buf)
{
	struct vpkt_ip ip;
	struct vpkt p;
	enum vpkt_drop why;
	size_t n = m->msg_len, ihl;
	int vrid = -1;

	memset(&ip, 0, sizeof(ip));
	if (n >= 20) {
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		if (ihl >= 20 && n >= ihl + 2)
			vrid = buf[ihl + 1];
	}
	if (m->msg_hdr.msg_flags & MSG_TRUNC) {
		net_drop(s, &ip.src, vrid, VPKT_DROP_TOO_LONG);
		return;
	}
	if (vpkt_parse_ipv4(buf, n, &ip, &p, &why) == -1) {
		net_drop(s, &ip.src, why == VPKT_DROP_IP_HEADER ? -1 : vrid,
		    why);
		return;
	}
	net_deliver(s, now, &p, &ip.src, ip.ttl);
}

/*
 * IPv6 raw sockets deliver the VRRP message without the IP header: the
 * hop limit and the destination come as ancillary data.  A missing hop
 * limit is a drop (RFC 9568 7.1 cannot be checked without it).
 */
static void
net_rx6(struct vsock *s, uint64_t now, const struct mmsghdr *m,
    const uint8_t *buf, const struct sockaddr_in6 *from)
{
	const struct msghdr *msg = &m->msg_hdr;
	struct fipd_addr src, dst;
	struct cmsghdr *cm;
	struct in6_pktinfo pi;
	struct vpkt p;
	enum vpkt_drop why;
	size_t n = m->msg_len;
	int hops = -1, have_dst = 0, vrid = n >= 2 ? buf[1] : -1;

	memset(&src, 0, sizeof(src));
	src.family = AF_INET6;
	src.prefixlen = 128;
	src.u.v6 = from->sin6_addr;
	memset(&dst, 0, sizeof(dst));
	dst.family = AF_INET6;
	dst.prefixlen = 128;
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)(uintptr_t)msg, cm)) {
		if (cm->cmsg_level != IPPROTO_IPV6)
			continue;
		if (cm->cmsg_type == IPV6_HOPLIMIT &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(&hops, CMSG_DATA(cm), sizeof(int));
		else if (cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			dst.u.v6 = pi.ipi6_addr;
			have_dst = 1;
		}
	}
	if (msg->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		net_drop(s, &src, vrid, VPKT_DROP_TOO_LONG);
		return;
	}
	if (!have_dst) {
		net_drop(s, &src, vrid, VPKT_DROP_IP_HEADER);
		return;
	}
	if (vpkt_parse(buf, n, AF_INET6, &src, &dst, &p, &why) == -1) {
		net_drop(s, &src, vrid, why);
		return;
	}
	net_deliver(s, now, &p, &src, hops);
}

/* Read what is queued.  Returns: packets read, -1 on a socket error. */
static int
net_drain(struct vsock *s)
{
	struct msghdr *h;
	uint64_t now;
	int round, i, n, total = 0;

	if (s->fd == -1)
		return 0;
	for (round = 0; round < NET_READ_ROUNDS; round++) {
		for (i = 0; i < NET_MMSG; i++) {
			rx[i].iov.iov_base = rx[i].data;
			rx[i].iov.iov_len = sizeof(rx[i].data);
			h = &rxm[i].msg_hdr;
			memset(h, 0, sizeof(*h));
			h->msg_name = &rx[i].from;
			h->msg_namelen = sizeof(rx[i].from);
			h->msg_iov = &rx[i].iov;
			h->msg_iovlen = 1;
			if (s->family == AF_INET6) {
				h->msg_control = rx[i].ctl.buf;
				h->msg_controllen = sizeof(rx[i].ctl.buf);
			}
		}
		n = recvmmsg(s->fd, rxm, NET_MMSG, MSG_DONTWAIT, NULL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return total;
			log_warn("%s: recvmmsg", s->ifname);
			return -1;
		}
		total += n;
		now = ev_now_us();
		for (i = 0; i < n; i++) {
			if (s->family == AF_INET)
				net_rx4(s, now, &rxm[i], rx[i].data);
			else
				net_rx6(s, now, &rxm[i], rx[i].data,
				    &rx[i].from);
		}
		if (n < NET_MMSG)
			break;
	}
	return total;
}

static void
net_read_cb(int fd, void *arg)
{
	struct vsock *s = arg;
	uint64_t now = ev_now_us();
	int busy = now - s->last_wake < NET_POLL_US;

	s->last_wake = now;
	if (net_drain(s) > 0 && busy) {
		ev_io_pause(s->io);
		ev_timer_arm(s->t_poll, NET_POLL_US);
	}
}

/*
 * Read everything queued (bounded): called before a Master_Down_Timer is
 * allowed to expire, so that an advert which arrived in time but waits in
 * the socket (a busy loop, receive moderation, a start-up burst) is seen
 * before the master is declared down.
 */
void
net_flush(struct vsock *s)
{
	int i;

	for (i = 0; i < NET_FLUSH_ROUNDS; i++)
		if (net_drain(s) < NET_MMSG * NET_READ_ROUNDS)
			break;
}

/* Moderated: drain again until the socket is found empty. */
static void
net_poll_cb(void *arg)
{
	struct vsock *s = arg;
	int n;

	n = net_drain(s);
	if (n >= NET_MMSG * NET_READ_ROUNDS)
		ev_timer_arm(s->t_poll, 0);	/* a flood: next loop pass */
	else if (n > 0)
		ev_timer_arm(s->t_poll, NET_POLL_US);
	else {
		s->last_wake = ev_now_us();
		ev_io_resume(s->io);
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

/*
 * Open the socket of s for its interface at index idx (bound to it by
 * SO_BINDTODEVICE, which the kernel resolves to the index there and then:
 * a link deleted and created again needs a new socket).
 */
static int
sock_open(struct vsock *s, unsigned int idx, char *err, size_t errlen)
{
	int fd, rc, rcvbuf = NET_RCVBUF;

	fd = socket(s->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VPKT_PROTO);
	if (fd == -1) {
		snprintf(err, errlen, "raw socket (needs CAP_NET_RAW): %s",
		    strerror(errno));
		return -1;
	}
	rc = setopt(fd, SOL_SOCKET, SO_BINDTODEVICE, s->ifname,
	    (socklen_t)strlen(s->ifname) + 1, "SO_BINDTODEVICE", err, errlen);
	/*
	 * Room for a burst (every instance's first adverts at start-up):
	 * beyond net.core.rmem_max with CAP_NET_ADMIN, else up to it.
	 */
	if (rc == 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	if (rc == 0)
		rc = s->family == AF_INET ? open4(fd, idx, err, errlen) :
		    open6(fd, idx, err, errlen);
	if (rc == -1) {
		close(fd);
		return -1;
	}
	s->fd = fd;
	s->ifindex = idx;
	s->io = ev_io_new(fd, 0, net_read_cb, s);
	return 0;
}

static void
sock_close(struct vsock *s)
{
	if (s->fd == -1)
		return;
	ev_timer_cancel(s->t_poll);
	ev_io_free(s->io);
	close(s->fd);
	s->io = NULL;
	s->fd = -1;
	s->ifindex = 0;
	s->member = 0;
}

struct vsock *
net_get(const char *ifname, int family, char *err, size_t errlen)
{
	struct vsock *s;
	unsigned int idx;

	TAILQ_FOREACH(s, &socks, entry)
		if (s->family == family && strcmp(s->ifname, ifname) == 0) {
			s->refs++;
			return s;
		}
	if (kernel_link(ifname, &idx) == -1) {
		snprintf(err, errlen, "interface %s: no such device", ifname);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->family = family;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->fd = -1;
	if (sock_open(s, idx, err, errlen) == -1) {
		free(s);
		return NULL;
	}
	s->refs = 1;
	s->t_poll = ev_timer_new(net_poll_cb, s);
	TAILQ_INSERT_TAIL(&socks, s, entry);
	return s;
}

unsigned int
net_ifindex(const struct vsock *s)
{
	return s->ifindex;
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
net_vrid_taken(struct vsock *s, uint8_t vrid)
{
	return s->by_vrid[vrid] != NULL;
}

void
net_bind(struct vsock *s, uint8_t vrid, struct vrrp_router *r)
{
	s->by_vrid[vrid] = r;
}

void
net_unbind(struct vsock *s, uint8_t vrid, struct vrrp_router *r)
{
	if (s->by_vrid[vrid] == r)
		s->by_vrid[vrid] = NULL;
}

/*
 * The interface of the sockets named ifname changed (deleted, created
 * again, renamed): follow its index.  A socket whose link is gone is
 * closed (sends fail with ENODEV meanwhile); one whose name now belongs
 * to another index is opened again there and rejoins the VRRP group.
 * Returns: 1 if a socket changed, 0 if not.
 */
int
net_relink(const char *ifname)
{
	struct vsock *s;
	unsigned int idx;
	char err[256];
	int changed = 0;

	TAILQ_FOREACH(s, &socks, entry) {
		if (strcmp(s->ifname, ifname) != 0)
			continue;
		(void)kernel_link(ifname, &idx);
		if (idx == s->ifindex) {
			/* A join refused while the link was not ready. */
			if (s->fd != -1 && s->joined > 0 && !s->member &&
			    membership(s, 1) == 0) {
				s->member = 1;
				log_notice("%s: joined the VRRP group",
				    s->ifname);
			}
			continue;
		}
		changed = 1;
		if (s->fd != -1)
			log_notice("%s: interface index %u gone: VRRP socket "
			    "(IPv%d) closed", s->ifname, s->ifindex,
			    s->family == AF_INET ? 4 : 6);
		sock_close(s);
		if (idx == 0)
			continue;
		if (sock_open(s, idx, err, sizeof(err)) == -1) {
			log_warnx("%s: reopen the VRRP socket: %s", s->ifname,
			    err);
			continue;
		}
		log_notice("%s: interface is index %u now: VRRP socket "
		    "(IPv%d) reopened", s->ifname, idx,
		    s->family == AF_INET ? 4 : 6);
		if (s->joined > 0) {
			s->member = membership(s, 1) == 0;
			if (!s->member)
				log_warn("%s: join the VRRP group (retried "
				    "when the link changes)", s->ifname);
		}
	}
	return changed;
}

int
net_join(struct vsock *s)
{
	if (s->joined++ > 0)
		return 0;
	if (s->fd == -1)
		return 0;	/* joined when the socket opens */
	if (membership(s, 1) == -1) {
		log_warn("%s: join the VRRP group (retried when the link "
		    "changes)", s->ifname);
		return -1;
	}
	s->member = 1;
	return 0;
}

void
net_leave(struct vsock *s)
{
	if (s->joined == 0 || --s->joined > 0)
		return;
	if (!s->member)
		return;
	s->member = 0;
	if (s->fd != -1 && membership(s, 0) == -1)
		log_warn("%s: leave the VRRP group", s->ifname);
}

void
net_put(struct vsock *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	TAILQ_REMOVE(&socks, s, entry);
	sock_close(s);
	ev_timer_free(s->t_poll);
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

	if (s->fd == -1) {
		errno = ENODEV;
		return -1;
	}
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
