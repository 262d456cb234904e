/*
 * action_arping: announce an instance's virtual addresses when it becomes
 * MASTER, so that neighbours' ARP and ND caches point at us.
 *
 * IPv4: gratuitous ARP in the RFC 5227 announcement shape (an ARP request
 * with sender IP = target IP = VIP and a zero target hardware address),
 * broadcast from the interface's MAC.  IPv6: unsolicited Neighbor
 * Advertisement to ff02::1 with R=1, S=0, O=1 and the target link-layer
 * address option.  Repeats are spaced by host timers; nothing here sleeps.
 *
 * The two sockets belong to the module, not to an instance: neither is
 * bound, every send names its interface (sockaddr_ll index, sin6_scope_id),
 * so one of each serves every instance.  The packet socket exists while
 * an attached instance has an IPv4 VIP, the ICMPv6 socket while one has
 * an IPv6 VIP.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fipd/plugin.h"

#define AP_BURST_US	100000		/* between the garp_repeat rounds */
#define AP_ERRLOG_US	1000000		/* one failure line per second */
#define AP_CS_US	10000		/* one centisecond */
#define AP_ARP_LEN	28		/* Ethernet/IPv4 ARP payload */
#define AP_NA_LEN	(sizeof(struct nd_neighbor_advert) + 8)
/*
 * Send buffer of the shared sockets.  Frames stay charged to the socket
 * until the driver has sent them, and the socket now carries the bursts
 * of every instance at once (all of them become MASTER together at
 * start-up or failover): what one socket per instance gave each instance
 * must not run out for all of them together.
 */
#define AP_SNDBUF	(4 * 1024 * 1024)

struct ap_ctx {
	const struct fipd_instance *vi;
	enum fipd_state		 state;
	int			 v4;		/* holds a ref. on ap_pfd */
	int			 v6;		/* holds a ref. on ap_ifd6 */
	struct fipd_timer	*t_burst;	/* rest of garp_repeat */
	struct fipd_timer	*t_refresh;	/* every garp_refresh_cs */
	struct fipd_timer	*t_heal;	/* after RX_LOWER_PRIO */
	unsigned int		 burst_left;
	/*
	 * VIPs added by a reload while MASTER: the burst announces only
	 * them (NULL: every VIP).
	 */
	struct fipd_addr	*fresh;
	size_t			 n_fresh;
	uint64_t		 errlog_at;
	int			 errlog_any;
	unsigned int		 errlog_dropped;
};

static int	 ap_init(struct fipd_host *, const struct fipd_host_api *);
static int	 ap_attach(struct fipd_host *, const struct fipd_instance *,
		    void *, void **);
static void	 ap_detach(void *);
static void	 ap_transition(void *, const struct fipd_transition *);
static void	 ap_event(void *, enum fipd_event);
static int	 ap_reconfigure(void **, const struct fipd_instance *,
		    const struct fipd_reconf *);

static void	 ap_free(struct ap_ctx *);
static int	 ap_open4(const char *);
static int	 ap_open6(const char *);
static void	 ap_sndbuf(int);
static void	 ap_stop(struct ap_ctx *);
static void	 ap_round(struct ap_ctx *);
static void	 ap_round_of(struct ap_ctx *, const struct fipd_addr *,
		    size_t);
static void	 ap_burst(struct ap_ctx *);
static int	 ap_send_garp(struct ap_ctx *, unsigned int, const uint8_t *,
		    const struct fipd_addr *);
static int	 ap_send_na(struct ap_ctx *, unsigned int, const uint8_t *,
		    const struct fipd_addr *);
static void	 ap_burst_cb(void *);
static void	 ap_refresh_cb(void *);
static void	 ap_heal_cb(void *);
static void	 ap_err(struct ap_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static struct fipd_host			*ap_host;
static const struct fipd_host_api	*ap_api;

/* Shared by the attached instances; open while their count is not 0. */
static int				 ap_pfd = -1;	/* AF_PACKET */
static unsigned int			 ap_refs4;
static int				 ap_ifd6 = -1;	/* raw ICMPv6 */
static unsigned int			 ap_refs6;

#define AP_LOG(lvl, ...)	ap_api->log(ap_host, (lvl), __VA_ARGS__)

static const struct fipd_action_ops ap_ops = {
	.attach = ap_attach,
	.detach = ap_detach,
	.transition = ap_transition,
	.event = ap_event,
	.reconfigure = ap_reconfigure,
};

FIPD_PLUGIN(
	.name = "action_arping",
	.kind = FIPD_PLUGIN_ACTION,
	.order = 20,
	.init = ap_init,
	.action = &ap_ops,
);

static int
ap_init(struct fipd_host *h, const struct fipd_host_api *api)
{
	if (api == NULL || api->abi_version != FIPD_PLUGIN_ABI_VERSION)
		return (-1);
	ap_host = h;
	ap_api = api;
	return (0);
}

static int
ap_attach(struct fipd_host *h, const struct fipd_instance *vi, void *conf,
    void **ictx)
{
	struct ap_ctx	*ctx;
	size_t		 i;
	int		 v4 = 0, v6 = 0;

	(void)conf;		/* this plugin owns no configuration keys */
	for (i = 0; i < vi->n_vips; i++) {
		if (vi->vips[i].family == AF_INET)
			v4 = 1;
		else if (vi->vips[i].family == AF_INET6)
			v6 = 1;
	}

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		AP_LOG(FIPD_LOG_ERR, "%s: out of memory", vi->name);
		return (-1);
	}
	ctx->vi = vi;
	ctx->state = FIPD_STATE_INIT;

	if ((ctx->t_burst = ap_api->timer_new(h, ap_burst_cb, ctx)) == NULL ||
	    (ctx->t_refresh = ap_api->timer_new(h, ap_refresh_cb, ctx)) ==
	    NULL ||
	    (ctx->t_heal = ap_api->timer_new(h, ap_heal_cb, ctx)) == NULL) {
		AP_LOG(FIPD_LOG_ERR, "%s: cannot create timers", vi->name);
		goto fail;
	}

	if (v4) {
		if (ap_refs4 == 0 && ap_open4(vi->name) == -1)
			goto fail;
		ap_refs4++;
		ctx->v4 = 1;
	}
	if (v6) {
		if (ap_refs6 == 0 && ap_open6(vi->name) == -1)
			goto fail;
		ap_refs6++;
		ctx->v6 = 1;
	}

	*ictx = ctx;
	return (0);

 fail:
	ap_free(ctx);
	return (-1);
}

static void
ap_detach(void *ictx)
{
	ap_free(ictx);
}

static void
ap_free(struct ap_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->t_burst != NULL)
		ap_api->timer_free(ctx->t_burst);
	if (ctx->t_refresh != NULL)
		ap_api->timer_free(ctx->t_refresh);
	if (ctx->t_heal != NULL)
		ap_api->timer_free(ctx->t_heal);
	free(ctx->fresh);
	if (ctx->v4 && --ap_refs4 == 0) {
		close(ap_pfd);
		ap_pfd = -1;
	}
	if (ctx->v6 && --ap_refs6 == 0) {
		close(ap_ifd6);
		ap_ifd6 = -1;
	}
	free(ctx);
}

/* Open the packet socket for gratuitous ARP; log failures as name's. */
static int
ap_open4(const char *name)
{
	/*
	 * Protocol 0: the socket only sends.  Bound to ETH_P_ARP it would
	 * queue a copy of every ARP frame on every interface.
	 */
	ap_pfd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (ap_pfd == -1) {
		AP_LOG(FIPD_LOG_ERR, "%s: packet socket: %s", name,
		    strerror(errno));
		return (-1);
	}
	ap_sndbuf(ap_pfd);
	return (0);
}

/* Open the ICMPv6 socket for unsolicited NAs; log failures as name's. */
static int
ap_open6(const char *name)
{
	struct icmp6_filter filt;
	int		 hops = 255, off = 0;

	ap_ifd6 = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6);
	if (ap_ifd6 == -1) {
		AP_LOG(FIPD_LOG_ERR, "%s: ICMPv6 socket: %s", name,
		    strerror(errno));
		return (-1);
	}
	/*
	 * Send only: drop every incoming ICMPv6 message.  NAs go to ff02::1
	 * with hop limit 255 (RFC 4861 7.1.2), not looped back to us.
	 */
	ICMP6_FILTER_SETBLOCKALL(&filt);
	if (setsockopt(ap_ifd6, IPPROTO_ICMPV6, ICMP6_FILTER, &filt,
	    sizeof(filt)) == -1 ||
	    setsockopt(ap_ifd6, IPPROTO_IPV6, IPV6_MULTICAST_HOPS,
	    &hops, sizeof(hops)) == -1 ||
	    setsockopt(ap_ifd6, IPPROTO_IPV6, IPV6_MULTICAST_LOOP,
	    &off, sizeof(off)) == -1) {
		AP_LOG(FIPD_LOG_ERR, "%s: ICMPv6 socket options: %s",
		    name, strerror(errno));
		close(ap_ifd6);
		ap_ifd6 = -1;
		return (-1);
	}
	ap_sndbuf(ap_ifd6);
	return (0);
}

/*
 * Raise the send buffer to AP_SNDBUF, past net.core.wmem_max (this needs
 * CAP_NET_ADMIN, which the daemon keeps).  Without it the socket keeps
 * the default, as each instance's own socket had; SO_SNDBUF is not tried
 * because a small wmem_max would make it smaller than that.
 */
static void
ap_sndbuf(int fd)
{
	int		 sz = AP_SNDBUF / 2;	/* the kernel doubles it */

	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
}

static void
ap_transition(void *ictx, const struct fipd_transition *t)
{
	struct ap_ctx	*ctx = ictx;
	const struct fipd_instance *vi = ctx->vi;

	if (t->to == ctx->state)
		return;
	ctx->state = t->to;
	if (t->to != FIPD_STATE_MASTER) {
		ap_stop(ctx);
		return;
	}

	ap_stop(ctx);
	ap_burst(ctx);
	if (vi->garp_refresh_cs > 0)
		ap_api->timer_arm(ctx->t_refresh,
		    (uint64_t)vi->garp_refresh_cs * AP_CS_US);
}

/* garp_repeat rounds, AP_BURST_US apart, of ctx->fresh or every VIP. */
static void
ap_burst(struct ap_ctx *ctx)
{
	if (ctx->vi->garp_repeat == 0)
		return;
	if (ctx->fresh != NULL)
		ap_round_of(ctx, ctx->fresh, ctx->n_fresh);
	else
		ap_round(ctx);
	ctx->burst_left = ctx->vi->garp_repeat - 1;
	if (ctx->burst_left > 0)
		ap_api->timer_arm(ctx->t_burst, AP_BURST_US);
}

static int
ap_has(const struct fipd_addr *list, size_t n, const struct fipd_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].family == a->family && memcmp(list[i].u.raw,
		    a->u.raw, a->family == AF_INET ? 4 : 16) == 0)
			return (1);
	return (0);
}

/*
 * A reload in place: a MASTER announces only the VIPs that are new (the
 * others' caches are right), and the refresh follows garp_refresh.
 */
static int
ap_reconfigure(void **ictxp, const struct fipd_instance *vi,
    const struct fipd_reconf *rc)
{
	struct ap_ctx	*ctx = *ictxp;
	struct fipd_addr *fresh;
	size_t		 i, n = 0;

	if (ctx->state != FIPD_STATE_MASTER)
		return (0);
	if ((fresh = calloc(vi->n_vips + 1, sizeof(*fresh))) == NULL)
		return (-1);
	for (i = 0; i < vi->n_vips; i++)
		if (!ap_has(rc->old_vips, rc->n_old_vips, &vi->vips[i]))
			fresh[n++] = vi->vips[i];
	if (n > 0 && ctx->burst_left > 0 && ctx->fresh == NULL) {
		/* The burst of every VIP is running: it covers the new ones. */
		AP_LOG(FIPD_LOG_INFO, "%s: %zu new VIP%s join the running "
		    "announcement", vi->name, n, n == 1 ? "" : "s");
		free(fresh);
	} else if (n > 0) {
		AP_LOG(FIPD_LOG_INFO, "%s: announcing %zu new VIP%s", vi->name,
		    n, n == 1 ? "" : "s");
		ap_api->timer_cancel(ctx->t_burst);
		free(ctx->fresh);
		ctx->fresh = fresh;
		ctx->n_fresh = n;
		ap_burst(ctx);
	} else
		free(fresh);
	ap_api->timer_cancel(ctx->t_refresh);
	if (vi->garp_refresh_cs > 0)
		ap_api->timer_arm(ctx->t_refresh,
		    (uint64_t)vi->garp_refresh_cs * AP_CS_US);
	return (0);
}

static void
ap_event(void *ictx, enum fipd_event ev)
{
	struct ap_ctx	*ctx = ictx;
	unsigned int	 cs;

	if (ev != FIPD_EV_RX_LOWER_PRIO || ctx->state != FIPD_STATE_MASTER)
		return;
	/*
	 * After a split brain the other router may own some caches: announce
	 * now, and once more an advertisement interval later, when the
	 * other side has surely seen our advert and gone BACKUP.
	 */
	ap_round(ctx);
	cs = ctx->vi->advert_int_cs > 0 ? ctx->vi->advert_int_cs : 100;
	ap_api->timer_arm(ctx->t_heal, (uint64_t)cs * AP_CS_US);
}

static void
ap_stop(struct ap_ctx *ctx)
{
	ap_api->timer_cancel(ctx->t_burst);
	ap_api->timer_cancel(ctx->t_refresh);
	ap_api->timer_cancel(ctx->t_heal);
	ctx->burst_left = 0;
	free(ctx->fresh);
	ctx->fresh = NULL;
	ctx->n_fresh = 0;
}

static void
ap_burst_cb(void *arg)
{
	struct ap_ctx	*ctx = arg;

	if (ctx->state != FIPD_STATE_MASTER || ctx->burst_left == 0)
		return;
	if (ctx->fresh != NULL)
		ap_round_of(ctx, ctx->fresh, ctx->n_fresh);
	else
		ap_round(ctx);
	if (--ctx->burst_left > 0)
		ap_api->timer_arm(ctx->t_burst, AP_BURST_US);
}

static void
ap_refresh_cb(void *arg)
{
	struct ap_ctx	*ctx = arg;

	if (ctx->state != FIPD_STATE_MASTER || ctx->vi->garp_refresh_cs == 0)
		return;
	ap_round(ctx);
	ap_api->timer_arm(ctx->t_refresh,
	    (uint64_t)ctx->vi->garp_refresh_cs * AP_CS_US);
}

static void
ap_heal_cb(void *arg)
{
	struct ap_ctx	*ctx = arg;

	if (ctx->state == FIPD_STATE_MASTER)
		ap_round(ctx);
}

static void
ap_round(struct ap_ctx *ctx)
{
	ap_round_of(ctx, ctx->vi->vips, ctx->vi->n_vips);
}

/*
 * One announcement per VIP of vips.  The interface index and MAC are
 * looked up each round: the link may have been re-created or
 * re-addressed since the last one, and both look-ups are a cheap ioctl
 * on our socket.
 */
static void
ap_round_of(struct ap_ctx *ctx, const struct fipd_addr *vips, size_t n_vips)
{
	const struct fipd_instance *vi = ctx->vi;
	struct ifreq	 ifr;
	uint8_t		 mac[ETH_ALEN];
	unsigned int	 ifindex = 0;
	size_t		 i;
	int		 sfd;

	if (n_vips == 0)
		return;
	/* What if_nametoindex() does, without a socket of its own. */
	sfd = ctx->v4 ? ap_pfd : ap_ifd6;
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(vi->ifname) >= sizeof(ifr.ifr_name))
		errno = ENODEV;
	else {
		memcpy(ifr.ifr_name, vi->ifname, strlen(vi->ifname));
		if (ioctl(sfd, SIOCGIFINDEX, &ifr) == 0)
			ifindex = (unsigned int)ifr.ifr_ifindex;
	}
	if (ifindex == 0) {
		ap_err(ctx, "%s: cannot announce VIPs: interface %s: %s",
		    vi->name, vi->ifname, strerror(errno));
		return;
	}
	if (ioctl(sfd, SIOCGIFHWADDR, &ifr) == -1) {
		ap_err(ctx, "%s: cannot read the MAC of %s: %s", vi->name,
		    vi->ifname, strerror(errno));
		return;
	}
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		ap_err(ctx, "%s: %s is not an Ethernet interface (type %u); "
		    "not announcing VIPs", vi->name, vi->ifname,
		    (unsigned int)ifr.ifr_hwaddr.sa_family);
		return;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);

	for (i = 0; i < n_vips; i++) {
		if (vips[i].family == AF_INET) {
			if (ap_send_garp(ctx, ifindex, mac, &vips[i]) == 0)
				ap_api->count(ap_host, vi, "garp_sent");
		} else if (vips[i].family == AF_INET6) {
			if (ap_send_na(ctx, ifindex, mac, &vips[i]) == 0)
				ap_api->count(ap_host, vi, "na_sent");
		}
	}
}

static int
ap_send_garp(struct ap_ctx *ctx, unsigned int ifindex, const uint8_t *mac,
    const struct fipd_addr *vip)
{
	struct sockaddr_ll	 sll;
	struct arphdr		 ah;
	uint8_t			 pkt[AP_ARP_LEN], *p;
	char			 str[INET_ADDRSTRLEN];
	ssize_t			 n;

	memset(&ah, 0, sizeof(ah));
	ah.ar_hrd = htons(ARPHRD_ETHER);
	ah.ar_pro = htons(ETHERTYPE_IP);
	ah.ar_hln = ETH_ALEN;
	ah.ar_pln = 4;
	ah.ar_op = htons(ARPOP_REQUEST);

	/* RFC 5227 2.3: target HW zero, sender IP = target IP = VIP. */
	p = pkt;
	memcpy(p, &ah, sizeof(ah));
	p += sizeof(ah);
	memcpy(p, mac, ETH_ALEN);
	p += ETH_ALEN;
	memcpy(p, &vip->u.v4, 4);
	p += 4;
	memset(p, 0, ETH_ALEN);
	p += ETH_ALEN;
	memcpy(p, &vip->u.v4, 4);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)ifindex;
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);

	n = sendto(ap_pfd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sll,
	    sizeof(sll));
	if (n != (ssize_t)sizeof(pkt)) {
		inet_ntop(AF_INET, &vip->u.v4, str, sizeof(str));
		ap_err(ctx, "%s: gratuitous ARP for %s on %s: %s",
		    ctx->vi->name, str, ctx->vi->ifname,
		    n == -1 ? strerror(errno) : "short send");
		return (-1);
	}
	return (0);
}

static int
ap_send_na(struct ap_ctx *ctx, unsigned int ifindex, const uint8_t *mac,
    const struct fipd_addr *vip)
{
	struct sockaddr_in6	 dst;
	struct nd_neighbor_advert na;
	struct nd_opt_hdr	 opt;
	uint8_t			 pkt[AP_NA_LEN];
	char			 str[INET6_ADDRSTRLEN];
	ssize_t			 n;

	/* The kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets. */
	memset(&na, 0, sizeof(na));
	na.nd_na_type = ND_NEIGHBOR_ADVERT;
	na.nd_na_code = 0;
	na.nd_na_flags_reserved = ND_NA_FLAG_ROUTER | ND_NA_FLAG_OVERRIDE;
	memcpy(&na.nd_na_target, &vip->u.v6, sizeof(na.nd_na_target));
	opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	opt.nd_opt_len = 1;			/* in units of 8 octets */
	memcpy(pkt, &na, sizeof(na));
	memcpy(pkt + sizeof(na), &opt, sizeof(opt));
	memcpy(pkt + sizeof(na) + sizeof(opt), mac, ETH_ALEN);

	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	dst.sin6_scope_id = ifindex;

	n = sendto(ap_ifd6, pkt, sizeof(pkt), 0, (struct sockaddr *)&dst,
	    sizeof(dst));
	if (n != (ssize_t)sizeof(pkt)) {
		inet_ntop(AF_INET6, &vip->u.v6, str, sizeof(str));
		ap_err(ctx, "%s: unsolicited NA for %s on %s: %s",
		    ctx->vi->name, str, ctx->vi->ifname,
		    n == -1 ? strerror(errno) : "short send");
		return (-1);
	}
	return (0);
}

/*
 * Log a send failure, at most one line per second per instance: a dead
 * link would otherwise produce one line per VIP per round.
 */
static void
ap_err(struct ap_ctx *ctx, const char *fmt, ...)
{
	char		 buf[512];
	va_list		 ap;
	uint64_t	 now = ap_api->now_us(ap_host);

	if (ctx->errlog_any && now - ctx->errlog_at < AP_ERRLOG_US) {
		ctx->errlog_dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ctx->errlog_dropped > 0)
		AP_LOG(FIPD_LOG_ERR, "%s (%u similar lines suppressed)", buf,
		    ctx->errlog_dropped);
	else
		AP_LOG(FIPD_LOG_ERR, "%s", buf);
	ctx->errlog_any = 1;
	ctx->errlog_at = now;
	ctx->errlog_dropped = 0;
}
