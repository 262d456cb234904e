/*
 * action_netlink: keep an instance's virtual addresses on its interface
 * while it is MASTER and off it otherwise.
 *
 * Requests go through libnl-route-3 on a blocking socket: the kernel
 * handles RTM_NEWADDR/RTM_DELADDR inside sendmsg() and queues the ACK
 * before it returns, so waiting for the ACK costs one round trip and never
 * blocks on anything else.  Address and link events arrive on a second,
 * non-blocking socket watched by the host; they are parsed by hand with
 * the NLMSG and RTA bounds-checking macros.
 *
 * Both sockets belong to the module, not to an instance: they are opened
 * by the first attach and closed by the last detach, and the event
 * callback hands each message to every attached instance it concerns.
 * An instance sees only the events queued after its attach, as it did
 * with a socket of its own: attach first delivers what is pending to the
 * instances already there.  The stale-VIP clean-up of every attach done
 * in one pass of the host's loop (all instances at start-up or reload)
 * reads one address dump, dropped when the loop runs again.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <net/if.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/rtnl.h>

#include "fipd/plugin.h"

#define AN_RETRY_US	100000		/* one retry of a failed request */
#define AN_READD_WINDOW	1000000		/* re-add rate limit window */
#define AN_READD_MAX	10		/* re-adds per window, per instance */
#define AN_RCVBUF	(256 * 1024)
#define AN_DRAIN_MAX	4096		/* datagrams per readiness event */
#define AN_DUMP_TRIES	10		/* address dumps interrupted in a row */
#define AN_VIPSTRLEN	(INET6_ADDRSTRLEN + 4)

enum an_result {
	AN_ERR = -1,	/* failed; logged */
	AN_DONE = 0,	/* the kernel changed the address */
	AN_NOOP = 1,	/* already as wanted */
};

struct an_vip {
	const struct fipd_addr	*addr;
	char			 str[AN_VIPSTRLEN];
	int			 want;		/* should be on the interface */
	unsigned int		 own_dels;	/* our deletions not yet seen */
	int			 retry;		/* one retry is pending */
};

struct an_ctx {
	TAILQ_ENTRY(an_ctx)	 entry;		/* in an_ctxs once attached */
	const struct fipd_instance *vi;
	unsigned int		 ifindex;	/* 0 while the link is absent */
	enum fipd_state		 state;
	int			 linked;	/* in an_ctxs, holds a reference */
	struct fipd_timer	*t_retry;
	struct fipd_timer	*t_resync;
	struct an_vip		*vips;
	size_t			 n_vips;
	uint64_t		 readd_since;
	unsigned int		 readds;
};

/* One address of the dump read for the stale-VIP clean-up. */
struct an_snapaddr {
	unsigned int		 ifindex;
	int			 family;	/* AF_UNSPEC: deleted since */
	int			 prefixlen;
	uint8_t			 addr[16];
};

static int	 an_init(struct fipd_host *, const struct fipd_host_api *);
static int	 an_attach(struct fipd_host *, const struct fipd_instance *,
		    void *, void **);
static void	 an_detach(void *);
static void	 an_transition(void *, const struct fipd_transition *);
static void	 an_event(void *, enum fipd_event);
static int	 an_reconfigure(void **, const struct fipd_instance *,
		    const struct fipd_reconf *);

static void	 an_free(struct an_ctx *);
static int	 an_shared_open(const char *);
static void	 an_shared_close(void);
static int	 an_resolve(struct an_ctx *);
static struct rtnl_addr *an_rtnl_addr(struct an_ctx *, const struct fipd_addr *,
		    unsigned int);
static enum an_result an_vip_add(struct an_ctx *, struct an_vip *);
static enum an_result an_vip_del(struct an_ctx *, struct an_vip *);
static void	 an_vip_apply(struct an_ctx *, struct an_vip *, int);
static void	 an_retry_cb(void *);
static void	 an_resync_cb(void *);
static void	 an_resync(struct an_ctx *, const char *);
static int	 an_readd_allowed(struct an_ctx *);
static int	 an_snap_take(const char *);
static int	 an_snap_msg(struct nl_msg *, void *);
static void	 an_snap_drop(void *);
static void	 an_remove_stale(struct an_ctx *);
static void	 an_events_cb(int, void *);
static void	 an_events_parse(const struct nlmsghdr *, size_t);
static const void *an_ifa_local(const struct nlmsghdr *,
		    const struct ifaddrmsg **);
static void	 an_addr_msg(const struct nlmsghdr *);
static void	 an_addr_ctx(struct an_ctx *, int, int, const void *);
static void	 an_link_msg(const struct nlmsghdr *);
static void	 an_link_ctx(struct an_ctx *, int, unsigned int, unsigned int,
		    const char *);
static struct an_vip *an_vip_find(struct an_ctx *, int, const void *);

static struct fipd_host			*an_host;
static const struct fipd_host_api	*an_api;

/*
 * Shared by every attached instance: an_refs counts them, the sockets
 * exist while it is not 0.
 */
static unsigned int		 an_refs;
static TAILQ_HEAD(, an_ctx)	 an_ctxs = TAILQ_HEAD_INITIALIZER(an_ctxs);
static struct nl_sock		*an_req;	/* requests, blocking */
static int			 an_evfd = -1;	/* events, non-blocking */
static struct fipd_io		*an_io;
static struct fipd_timer	*an_t_snap;	/* drops the dump */
static int			 an_snap_held;	/* an_snap is this pass's */
static struct an_snapaddr	*an_snap;
static size_t			 an_n_snap, an_snap_cap;
static int			 an_snap_nomem;

#define AN_LOG(lvl, ...)	an_api->log(an_host, (lvl), __VA_ARGS__)

static const struct fipd_action_ops an_ops = {
	.attach = an_attach,
	.detach = an_detach,
	.transition = an_transition,
	.event = an_event,
	.reconfigure = an_reconfigure,
};

FIPD_PLUGIN(
	.name = "action_netlink",
	.kind = FIPD_PLUGIN_ACTION,
	.order = 10,
	.init = an_init,
	.action = &an_ops,
);

static int
an_init(struct fipd_host *h, const struct fipd_host_api *api)
{
	if (api == NULL || api->abi_version != FIPD_PLUGIN_ABI_VERSION)
		return (-1);
	an_host = h;
	an_api = api;
	return (0);
}

/* A VIP entry for address a (kept in the view); -1 on a bad family. */
static int
an_vip_init(struct an_vip *v, const struct fipd_addr *a)
{
	memset(v, 0, sizeof(*v));
	v->addr = a;
	if (inet_ntop(a->family, a->u.raw, v->str, sizeof(v->str)) == NULL)
		return (-1);
	snprintf(v->str + strlen(v->str), sizeof(v->str) - strlen(v->str),
	    "/%u", a->prefixlen);
	return (0);
}

static int
an_attach(struct fipd_host *h, const struct fipd_instance *vi, void *conf,
    void **ictx)
{
	struct an_ctx	*ctx;
	struct an_vip	*v;
	size_t		 i;

	(void)conf;		/* this plugin owns no configuration keys */
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: out of memory", vi->name);
		return (-1);
	}
	ctx->vi = vi;
	ctx->state = FIPD_STATE_INIT;
	ctx->n_vips = vi->n_vips;
	if (vi->n_vips > 0 &&
	    (ctx->vips = calloc(vi->n_vips, sizeof(*ctx->vips))) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: out of memory", vi->name);
		goto fail;
	}
	for (i = 0; i < ctx->n_vips; i++) {
		v = &ctx->vips[i];
		if (an_vip_init(v, &vi->vips[i]) == -1) {
			AN_LOG(FIPD_LOG_ERR, "%s: VIP %zu: bad address "
			    "family %d", vi->name, i, vi->vips[i].family);
			goto fail;
		}
	}

	if ((ctx->t_retry = an_api->timer_new(h, an_retry_cb, ctx)) == NULL ||
	    (ctx->t_resync = an_api->timer_new(h, an_resync_cb, ctx)) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot create timers", vi->name);
		goto fail;
	}

	/*
	 * Subscribe before cleaning up, so that no deletion by someone else
	 * can fall between the clean-up and the first event we read.  With
	 * the sockets already open, what is queued happened before this
	 * attach: it goes to the instances attached so far, not to this one.
	 */
	if (an_refs == 0) {
		if (an_shared_open(vi->name) == -1)
			goto fail;
	} else
		an_events_cb(an_evfd, NULL);
	an_refs++;
	ctx->linked = 1;
	TAILQ_INSERT_TAIL(&an_ctxs, ctx, entry);

	if (an_resolve(ctx) == -1)
		AN_LOG(FIPD_LOG_WARNING, "%s: interface %s not found; waiting "
		    "for it to appear", vi->name, vi->ifname);
	else
		an_remove_stale(ctx);

	*ictx = ctx;
	return (0);

 fail:
	an_free(ctx);
	return (-1);
}

static void
an_detach(void *ictx)
{
	an_free(ictx);
}

static void
an_free(struct an_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->t_retry != NULL)
		an_api->timer_free(ctx->t_retry);
	if (ctx->t_resync != NULL)
		an_api->timer_free(ctx->t_resync);
	free(ctx->vips);
	if (ctx->linked) {
		TAILQ_REMOVE(&an_ctxs, ctx, entry);
		if (--an_refs == 0)
			an_shared_close();
	}
	free(ctx);
}

/*
 * Open the request socket and the event socket (subscribed to links and
 * addresses) shared by every instance.  Failures are logged under the
 * name of the instance that asked.
 */
static int
an_shared_open(const char *name)
{
	static const int	 groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR
	};
	struct sockaddr_nl	 snl;
	size_t			 i;
	int			 err, fd = -1, sz = AN_RCVBUF;

	if ((an_t_snap = an_api->timer_new(an_host, an_snap_drop, NULL)) ==
	    NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot create timers", name);
		goto fail;
	}
	if ((an_req = nl_socket_alloc()) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: nl_socket_alloc failed", name);
		goto fail;
	}
	if ((err = nl_connect(an_req, NETLINK_ROUTE)) < 0) {
		AN_LOG(FIPD_LOG_ERR, "%s: netlink connect: %s", name,
		    nl_geterror(err));
		goto fail;
	}

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd == -1) {
		AN_LOG(FIPD_LOG_ERR, "%s: netlink socket: %s", name,
		    strerror(errno));
		goto fail;
	}
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		AN_LOG(FIPD_LOG_ERR, "%s: netlink bind: %s", name,
		    strerror(errno));
		goto fail;
	}
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		    &groups[i], sizeof(groups[i])) == -1) {
			AN_LOG(FIPD_LOG_ERR, "%s: netlink group %d: %s",
			    name, groups[i], strerror(errno));
			goto fail;
		}
	}
	/* A bigger buffer makes overruns rarer; they are handled anyway. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));

	if ((an_io = an_api->io_new(an_host, fd, an_events_cb, NULL)) ==
	    NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot watch netlink socket", name);
		goto fail;
	}
	an_evfd = fd;
	return (0);

 fail:
	if (fd != -1)
		close(fd);
	an_shared_close();
	return (-1);
}

static void
an_shared_close(void)
{
	if (an_io != NULL) {
		an_api->io_free(an_io);
		an_io = NULL;
	}
	if (an_evfd != -1) {
		close(an_evfd);
		an_evfd = -1;
	}
	if (an_req != NULL) {
		nl_socket_free(an_req);
		an_req = NULL;
	}
	an_snap_drop(NULL);
	if (an_t_snap != NULL) {
		an_api->timer_free(an_t_snap);
		an_t_snap = NULL;
	}
}

static void
an_transition(void *ictx, const struct fipd_transition *t)
{
	struct an_ctx	*ctx = ictx;
	enum fipd_state	 prev = ctx->state;
	size_t		 i;

	ctx->state = t->to;
	if (t->to == prev)
		return;
	an_api->timer_cancel(ctx->t_retry);
	an_api->timer_cancel(ctx->t_resync);
	for (i = 0; i < ctx->n_vips; i++)
		ctx->vips[i].retry = 0;

	if (t->to == FIPD_STATE_MASTER) {
		for (i = 0; i < ctx->n_vips; i++) {
			ctx->vips[i].want = 1;
			an_vip_apply(ctx, &ctx->vips[i], 0);
		}
	} else if (prev == FIPD_STATE_MASTER ||
	    t->from == FIPD_STATE_MASTER) {
		for (i = 0; i < ctx->n_vips; i++) {
			ctx->vips[i].want = 0;
			an_vip_apply(ctx, &ctx->vips[i], 0);
		}
	}
}

static void
an_event(void *ictx, enum fipd_event ev)
{
	struct an_ctx	*ctx = ictx;

	if (ev == FIPD_EV_RECONCILE)
		an_resync(ctx, "reconcile");
}

/*
 * A reload changed the VIP list in place.  A MASTER deletes only the VIPs
 * that went and adds only the new ones (a new prefix length is a new
 * VIP); the others stay untouched on the interface, with their state.
 */
static int
an_reconfigure(void **ictxp, const struct fipd_instance *vi,
    const struct fipd_reconf *rc)
{
	struct an_ctx	*ctx = *ictxp;
	struct an_vip	*nv, *o;
	unsigned char	*kept;
	size_t		 i, j, len;
	int		 master = ctx->state == FIPD_STATE_MASTER;

	(void)rc;
	if ((nv = calloc(vi->n_vips + 1, sizeof(*nv))) == NULL ||
	    (kept = calloc(vi->n_vips + 1, 1)) == NULL) {
		free(nv);
		return (-1);
	}
	for (i = 0; i < vi->n_vips; i++) {
		if (an_vip_init(&nv[i], &vi->vips[i]) == -1) {
			free(nv);
			free(kept);
			return (-1);
		}
		len = vi->vips[i].family == AF_INET ? 4 : 16;
		for (j = 0; j < ctx->n_vips; j++) {
			o = &ctx->vips[j];
			if (o->addr == NULL || o->addr->family !=
			    vi->vips[i].family || o->addr->prefixlen !=
			    vi->vips[i].prefixlen || memcmp(o->addr->u.raw,
			    vi->vips[i].u.raw, len) != 0)
				continue;
			nv[i].want = o->want;
			nv[i].own_dels = o->own_dels;
			nv[i].retry = o->retry;
			o->addr = NULL;		/* kept */
			kept[i] = 1;
			break;
		}
	}
	/* The old entries not kept went: off the interface. */
	for (j = 0; j < ctx->n_vips; j++) {
		o = &ctx->vips[j];
		if (o->addr == NULL)
			continue;
		if (o->want || master) {
			o->want = 0;
			if (an_vip_del(ctx, o) != AN_ERR)
				AN_LOG(FIPD_LOG_INFO, "%s: VIP %s removed by "
				    "reload", vi->name, o->str);
		}
	}
	free(ctx->vips);
	ctx->vips = nv;
	ctx->n_vips = vi->n_vips;
	for (i = 0; master && i < ctx->n_vips; i++) {
		if (kept[i])
			continue;
		ctx->vips[i].want = 1;
		an_vip_apply(ctx, &ctx->vips[i], 0);
		AN_LOG(FIPD_LOG_INFO, "%s: VIP %s added by reload", vi->name,
		    ctx->vips[i].str);
	}
	free(kept);
	return (0);
}

/*
 * Find the interface index by name.  Returns 0 with ctx->ifindex set, or
 * -1 when the interface does not exist (now).
 */
static int
an_resolve(struct an_ctx *ctx)
{
	struct ifreq	 ifr;
	size_t		 len = strlen(ctx->vi->ifname);

	/*
	 * What if_nametoindex() does, on the event socket instead of a new
	 * one: the kernel answers SIOCGIFINDEX on any socket.
	 */
	ctx->ifindex = 0;
	if (len >= sizeof(ifr.ifr_name))
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ctx->vi->ifname, len);
	if (ioctl(an_evfd, SIOCGIFINDEX, &ifr) == -1 || ifr.ifr_ifindex <= 0)
		return (-1);
	ctx->ifindex = (unsigned int)ifr.ifr_ifindex;
	return (0);
}

static struct rtnl_addr *
an_rtnl_addr(struct an_ctx *ctx, const struct fipd_addr *fa,
    unsigned int prefixlen)
{
	struct rtnl_addr	*ra;
	struct nl_addr		*na;
	size_t			 alen;
	int			 err;

	alen = fa->family == AF_INET6 ? sizeof(fa->u.v6) : sizeof(fa->u.v4);
	if ((ra = rtnl_addr_alloc()) == NULL)
		return (NULL);
	if ((na = nl_addr_build(fa->family, fa->u.raw, alen)) == NULL) {
		rtnl_addr_put(ra);
		return (NULL);
	}
	rtnl_addr_set_ifindex(ra, (int)ctx->ifindex);
	rtnl_addr_set_family(ra, fa->family);
	err = rtnl_addr_set_local(ra, na);
	nl_addr_put(na);
	if (err < 0) {
		rtnl_addr_put(ra);
		return (NULL);
	}
	rtnl_addr_set_prefixlen(ra, (int)prefixlen);
	return (ra);
}

static enum an_result
an_vip_add(struct an_ctx *ctx, struct an_vip *v)
{
	struct rtnl_addr	*ra;
	int			 err;

	if (ctx->ifindex == 0 && an_resolve(ctx) == -1) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot add VIP %s: interface %s "
		    "absent", ctx->vi->name, v->str, ctx->vi->ifname);
		return (AN_ERR);
	}
	if ((ra = an_rtnl_addr(ctx, v->addr, v->addr->prefixlen)) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot add VIP %s: out of memory",
		    ctx->vi->name, v->str);
		return (AN_ERR);
	}
	rtnl_addr_set_scope(ra, RT_SCOPE_UNIVERSE);
	if (v->addr->family == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	/* No NLM_F_REPLACE: EEXIST tells us the address was already there. */
	err = rtnl_addr_add(an_req, ra, 0);
	rtnl_addr_put(ra);
	if (err == -NLE_EXIST)
		return (AN_NOOP);
	if (err < 0) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot add VIP %s on %s: %s",
		    ctx->vi->name, v->str, ctx->vi->ifname, nl_geterror(err));
		return (AN_ERR);
	}
	return (AN_DONE);
}

static enum an_result
an_vip_del(struct an_ctx *ctx, struct an_vip *v)
{
	struct rtnl_addr	*ra;
	int			 err;

	if (ctx->ifindex == 0)
		return (AN_NOOP);	/* no interface, no address */
	if ((ra = an_rtnl_addr(ctx, v->addr, v->addr->prefixlen)) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot delete VIP %s: out of memory",
		    ctx->vi->name, v->str);
		return (AN_ERR);
	}
	err = rtnl_addr_delete(an_req, ra, 0);
	rtnl_addr_put(ra);
	if (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND ||
	    err == -NLE_NODEV)
		return (AN_NOOP);
	if (err < 0) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot delete VIP %s from %s: %s",
		    ctx->vi->name, v->str, ctx->vi->ifname, nl_geterror(err));
		return (AN_ERR);
	}
	v->own_dels++;
	return (AN_DONE);
}

/*
 * Bring one VIP to its wanted state.  A failure is retried once, 100 ms
 * later, from a timer; a second failure is only logged.
 */
static void
an_vip_apply(struct an_ctx *ctx, struct an_vip *v, int retrying)
{
	enum an_result	 r;

	r = v->want ? an_vip_add(ctx, v) : an_vip_del(ctx, v);
	if (r != AN_ERR) {
		if (retrying)
			AN_LOG(FIPD_LOG_NOTICE, "%s: VIP %s %s on retry",
			    ctx->vi->name, v->str,
			    v->want ? "added" : "deleted");
		return;
	}
	if (retrying) {
		AN_LOG(FIPD_LOG_ERR, "%s: VIP %s: giving up after retry",
		    ctx->vi->name, v->str);
		return;
	}
	if (!v->retry) {
		v->retry = 1;
		an_api->timer_arm(ctx->t_retry, AN_RETRY_US);
	}
}

static void
an_retry_cb(void *arg)
{
	struct an_ctx	*ctx = arg;
	struct an_vip	*v;
	size_t		 i;

	for (i = 0; i < ctx->n_vips; i++) {
		v = &ctx->vips[i];
		if (!v->retry)
			continue;
		v->retry = 0;
		/* Leaving MASTER cancels this timer; re-check anyway. */
		if (v->want && ctx->state != FIPD_STATE_MASTER)
			continue;
		an_vip_apply(ctx, v, 1);
	}
}

static void
an_resync_cb(void *arg)
{
	an_resync(arg, "after re-add rate limit");
}

/*
 * While MASTER, put back any VIP that is missing.  Adding one that is
 * present returns EEXIST and changes nothing, so this needs no dump.
 */
static void
an_resync(struct an_ctx *ctx, const char *why)
{
	struct an_vip	*v;
	size_t		 i;

	if (ctx->state != FIPD_STATE_MASTER)
		return;
	for (i = 0; i < ctx->n_vips; i++) {
		v = &ctx->vips[i];
		if (!v->want)
			continue;
		switch (an_vip_add(ctx, v)) {
		case AN_DONE:
			AN_LOG(FIPD_LOG_WARNING, "%s: VIP %s was missing (%s), "
			    "re-added", ctx->vi->name, v->str, why);
			an_api->count(an_host, ctx->vi, "vip_readded");
			break;
		case AN_ERR:
			if (!v->retry) {
				v->retry = 1;
				an_api->timer_arm(ctx->t_retry, AN_RETRY_US);
			}
			break;
		case AN_NOOP:
			break;
		}
	}
}

/*
 * Someone who keeps deleting our addresses must not turn us into a busy
 * loop: allow AN_READD_MAX re-adds per second, then wait for the window
 * to end and re-check everything once.
 */
static int
an_readd_allowed(struct an_ctx *ctx)
{
	uint64_t	 now = an_api->now_us(an_host);

	if (now - ctx->readd_since >= AN_READD_WINDOW) {
		ctx->readd_since = now;
		ctx->readds = 0;
	}
	if (ctx->readds < AN_READD_MAX) {
		ctx->readds++;
		return (1);
	}
	if (ctx->readds++ == AN_READD_MAX) {
		AN_LOG(FIPD_LOG_WARNING, "%s: VIPs keep disappearing from %s; "
		    "pausing re-adds for up to 1 s", ctx->vi->name,
		    ctx->vi->ifname);
		an_api->timer_arm(ctx->t_resync,
		    AN_READD_WINDOW - (now - ctx->readd_since));
	}
	return (0);
}

/*
 * A crash may have left our VIPs on the interface, possibly with another
 * prefix length than configured now: look through the addresses and
 * delete every one that carries a VIP, whatever its prefix.
 */
static void
an_remove_stale(struct an_ctx *ctx)
{
	struct an_snapaddr	*sa;
	struct rtnl_addr	*del;
	struct an_vip		*v;
	size_t			 i;
	int			 err;

	if (ctx->n_vips == 0 || an_snap_take(ctx->vi->name) == -1)
		return;
	for (i = 0; i < an_n_snap; i++) {
		sa = &an_snap[i];
		if (sa->ifindex != ctx->ifindex || sa->family == AF_UNSPEC)
			continue;
		if ((v = an_vip_find(ctx, sa->family, sa->addr)) == NULL)
			continue;
		if ((del = an_rtnl_addr(ctx, v->addr,
		    (unsigned int)sa->prefixlen)) == NULL) {
			AN_LOG(FIPD_LOG_ERR, "%s: out of memory",
			    ctx->vi->name);
			break;
		}
		err = rtnl_addr_delete(an_req, del, 0);
		rtnl_addr_put(del);
		if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND) {
			AN_LOG(FIPD_LOG_ERR, "%s: cannot remove stale VIP %s "
			    "(prefix /%d) from %s: %s", ctx->vi->name, v->str,
			    sa->prefixlen, ctx->vi->ifname, nl_geterror(err));
			continue;
		}
		/* Gone now: a later attach of this pass must not see it. */
		sa->family = AF_UNSPEC;
		if (err == 0) {
			v->own_dels++;
			AN_LOG(FIPD_LOG_NOTICE, "%s: removed stale VIP %s "
			    "(prefix /%d) from %s", ctx->vi->name, v->str,
			    sa->prefixlen, ctx->vi->ifname);
		}
	}
}

/*
 * Dump the addresses of every interface once for all the attaches of
 * this pass of the host's loop: a timer due at once drops the dump when
 * the loop runs again.  Between two attaches of one pass only this
 * plugin changes addresses (anyone else's change is an event not read
 * yet, as it would be after a fresh dump), and its stale deletions are
 * struck off the dump.  Returns 0 with an_snap set, or -1 (logged).
 */
static int
an_snap_take(const char *name)
{
	struct nl_cb	*cb, *ccb;
	int		 err, tries;

	if (an_snap_held)
		return (0);
	cb = nl_socket_get_cb(an_req);
	ccb = nl_cb_clone(cb);
	nl_cb_put(cb);
	if (ccb == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot list addresses to remove "
		    "stale VIPs: %s", name, nl_geterror(-NLE_NOMEM));
		return (-1);
	}
	nl_cb_set(ccb, NL_CB_VALID, NL_CB_CUSTOM, an_snap_msg, NULL);
	/* As libnl's own cache fill, start again when the dump changed. */
	for (tries = 0; tries < AN_DUMP_TRIES; tries++) {
		an_n_snap = 0;
		an_snap_nomem = 0;
		err = nl_rtgen_request(an_req, RTM_GETADDR, AF_UNSPEC,
		    NLM_F_DUMP);
		if (err >= 0)
			err = nl_recvmsgs(an_req, ccb);
		if (err != -NLE_DUMP_INTR)
			break;
	}
	nl_cb_put(ccb);
	if (err >= 0 && an_snap_nomem)
		err = -NLE_NOMEM;
	if (err < 0) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot list addresses to remove "
		    "stale VIPs: %s", name, nl_geterror(err));
		an_snap_drop(NULL);
		return (-1);
	}
	an_snap_held = 1;
	an_api->timer_arm(an_t_snap, 0);
	return (0);
}

/* One message of the address dump. */
static int
an_snap_msg(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr	*nh = nlmsg_hdr(msg);
	const struct ifaddrmsg	*ifa;
	struct an_snapaddr	*sa;
	const void		*a;
	size_t			 cap;

	(void)arg;
	if (nh->nlmsg_type != RTM_NEWADDR ||
	    (a = an_ifa_local(nh, &ifa)) == NULL || an_snap_nomem)
		return (NL_OK);
	/* Never stop early: the rest of the dump would stay queued. */
	if (an_n_snap == an_snap_cap) {
		cap = an_snap_cap > 0 ? an_snap_cap * 2 : 64;
		if ((sa = reallocarray(an_snap, cap, sizeof(*sa))) == NULL) {
			an_snap_nomem = 1;
			return (NL_OK);
		}
		an_snap = sa;
		an_snap_cap = cap;
	}
	sa = &an_snap[an_n_snap++];
	memset(sa, 0, sizeof(*sa));
	sa->ifindex = ifa->ifa_index;
	sa->family = ifa->ifa_family;
	sa->prefixlen = ifa->ifa_prefixlen;
	memcpy(sa->addr, a, ifa->ifa_family == AF_INET6 ? 16 : 4);
	return (NL_OK);
}

static void
an_snap_drop(void *arg)
{
	(void)arg;
	free(an_snap);
	an_snap = NULL;
	an_n_snap = an_snap_cap = 0;
	an_snap_held = 0;
}

/*
 * Read what the kernel sent on the event socket and hand it to the
 * attached instances.  Also called by attach, with the host's watch
 * not involved, to deliver what is already queued.
 */
static void
an_events_cb(int fd, void *arg)
{
	static union {
		struct nlmsghdr	 nh;
		char		 buf[32768];
	} rb;
	struct an_ctx	*ctx;
	struct sockaddr_nl snl;
	struct iovec	 iov;
	struct msghdr	 msg;
	ssize_t		 n;
	size_t		 j;
	int		 i, overrun = 0;

	(void)arg;
	for (i = 0; i < AN_DRAIN_MAX; i++) {
		iov.iov_base = rb.buf;
		iov.iov_len = sizeof(rb.buf);
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &snl;
		msg.msg_namelen = sizeof(snl);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				overrun = 1;
				continue;
			}
			AN_LOG(FIPD_LOG_ERR, "netlink receive: %s",
			    strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (msg.msg_flags & MSG_TRUNC) {
			overrun = 1;
			continue;
		}
		/* Only the kernel speaks on these groups. */
		if (msg.msg_namelen != sizeof(snl) || snl.nl_pid != 0)
			continue;
		an_events_parse(&rb.nh, (size_t)n);
	}

	if (!overrun)
		return;
	/*
	 * Events were lost: what we expected to see of our own deletions is
	 * now unknown, and a VIP may be gone unseen.
	 */
	TAILQ_FOREACH(ctx, &an_ctxs, entry) {
		AN_LOG(FIPD_LOG_WARNING, "%s: netlink event overrun, "
		    "re-checking VIPs", ctx->vi->name);
		for (j = 0; j < ctx->n_vips; j++)
			ctx->vips[j].own_dels = 0;
		if (ctx->ifindex == 0 || an_resolve(ctx) == 0)
			an_resync(ctx, "netlink overrun");
	}
}

static void
an_events_parse(const struct nlmsghdr *nh, size_t len)
{
	int		 left;

	/*
	 * Signed on purpose: NLMSG_NEXT() subtracts the aligned length, which
	 * may exceed what is left when the last message is unpadded; the
	 * count must go negative, not wrap.
	 */
	if (len > INT_MAX)
		return;
	left = (int)len;
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		switch (nh->nlmsg_type) {
		case RTM_NEWADDR:
		case RTM_DELADDR:
			an_addr_msg(nh);
			break;
		case RTM_NEWLINK:
		case RTM_DELLINK:
			an_link_msg(nh);
			break;
		default:
			break;
		}
	}
}

static struct an_vip *
an_vip_find(struct an_ctx *ctx, int family, const void *addr)
{
	struct an_vip	*v;
	size_t		 i, alen;

	alen = family == AF_INET6 ? 16 : 4;
	for (i = 0; i < ctx->n_vips; i++) {
		v = &ctx->vips[i];
		if (v->addr->family == family &&
		    memcmp(v->addr->u.raw, addr, alen) == 0)
			return (v);
	}
	return (NULL);
}

/*
 * The local address of an address message: IPv4 names it IFA_LOCAL (and
 * IFA_ADDRESS is the peer of a point-to-point link), IPv6 only
 * IFA_ADDRESS.  Returns it with *ifap set, or NULL.
 */
static const void *
an_ifa_local(const struct nlmsghdr *nh, const struct ifaddrmsg **ifap)
{
	const struct ifaddrmsg	*ifa;
	const struct rtattr	*rta;
	const void		*local = NULL, *address = NULL;
	unsigned int		 alen;
	int			 left;	/* signed, as in an_events_parse() */

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return (NULL);
	ifa = NLMSG_DATA(nh);
	if (ifa->ifa_family == AF_INET)
		alen = 4;
	else if (ifa->ifa_family == AF_INET6)
		alen = 16;
	else
		return (NULL);

	left = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	for (rta = IFA_RTA(ifa); RTA_OK(rta, left);
	    rta = RTA_NEXT(rta, left)) {
		if (RTA_PAYLOAD(rta) != alen)
			continue;
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			address = RTA_DATA(rta);
	}
	*ifap = ifa;
	return (local != NULL ? local : address);
}

static void
an_addr_msg(const struct nlmsghdr *nh)
{
	const struct ifaddrmsg	*ifa;
	const void		*a;
	struct an_ctx		*ctx;

	if ((a = an_ifa_local(nh, &ifa)) == NULL || ifa->ifa_index == 0)
		return;
	TAILQ_FOREACH(ctx, &an_ctxs, entry) {
		if (ctx->ifindex == ifa->ifa_index)
			an_addr_ctx(ctx, nh->nlmsg_type, ifa->ifa_family, a);
	}
}

/* An address event on the interface of ctx. */
static void
an_addr_ctx(struct an_ctx *ctx, int type, int family, const void *a)
{
	struct an_vip		*v;

	if ((v = an_vip_find(ctx, family, a)) == NULL)
		return;
	if (type != RTM_DELADDR)
		return;

	if (v->own_dels > 0) {
		v->own_dels--;
		return;
	}
	if (!v->want || ctx->state != FIPD_STATE_MASTER)
		return;
	if (!an_readd_allowed(ctx))
		return;
	switch (an_vip_add(ctx, v)) {
	case AN_DONE:
		AN_LOG(FIPD_LOG_WARNING, "%s: VIP %s removed behind our back, "
		    "re-added", ctx->vi->name, v->str);
		an_api->count(an_host, ctx->vi, "vip_readded");
		break;
	case AN_ERR:
		if (!v->retry) {
			v->retry = 1;
			an_api->timer_arm(ctx->t_retry, AN_RETRY_US);
		}
		break;
	case AN_NOOP:
		/* Already back, e.g. through a reconcile from the host. */
		break;
	}
}

static void
an_link_msg(const struct nlmsghdr *nh)
{
	const struct ifinfomsg	*ifi;
	const struct rtattr	*rta;
	const char		*name = NULL;
	struct an_ctx		*ctx;
	unsigned int		 idx;
	int			 left;	/* signed, as in an_events_parse() */
	size_t			 plen;

	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return;
	ifi = NLMSG_DATA(nh);
	if (ifi->ifi_index <= 0)
		return;
	idx = (unsigned int)ifi->ifi_index;

	left = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, left);
	    rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type != IFLA_IFNAME)
			continue;
		plen = RTA_PAYLOAD(rta);
		if (plen > 0 && memchr(RTA_DATA(rta), '\0', plen) != NULL)
			name = RTA_DATA(rta);
	}
	TAILQ_FOREACH(ctx, &an_ctxs, entry)
		an_link_ctx(ctx, nh->nlmsg_type, idx, ifi->ifi_flags, name);
}

/* A link event (name may be NULL), for each attached instance. */
static void
an_link_ctx(struct an_ctx *ctx, int type, unsigned int idx,
    unsigned int flags, const char *name)
{
	if (type == RTM_DELLINK) {
		if (idx == ctx->ifindex) {
			AN_LOG(FIPD_LOG_WARNING, "%s: interface %s went away",
			    ctx->vi->name, ctx->vi->ifname);
			ctx->ifindex = 0;
		}
		return;
	}

	if (idx == ctx->ifindex) {
		/* Link changes (down/up) may flush addresses: re-check. */
		if (ctx->state == FIPD_STATE_MASTER && (flags & IFF_UP))
			an_resync(ctx, "link change");
		return;
	}
	if (name != NULL && strcmp(name, ctx->vi->ifname) == 0) {
		AN_LOG(FIPD_LOG_NOTICE, "%s: interface %s is now index %u",
		    ctx->vi->name, ctx->vi->ifname, idx);
		ctx->ifindex = idx;
		an_resync(ctx, "interface reappeared");
	}
}
