/*
 * action_netlink: keep an instance's virtual addresses on its interface
 * while it is MASTER and off it otherwise.
 *
 * The plugin keeps no view of the kernel of its own.  The host's kernel
 * watcher answers addr_present() (the stale-VIP clean-up at attach, the
 * drift check), raises FIPD_EV_RECONCILE when one of a MASTER's VIPs
 * disappears and FIPD_EV_LINK when the interface comes back with a new
 * index; vi->ifindex (0 while the interface is absent) is the one used.
 *
 * Requests (RTM_NEWADDR, RTM_DELADDR with NLM_F_ACK, built with
 * libnl-route-3) go out on one non-blocking NETLINK_ROUTE socket shared
 * by every instance: opened by the first attach, closed by the last
 * detach.  rtnetlink handles a request inside sendmsg() and queues the
 * acknowledgement before sendmsg() returns, so nothing ever waits: the
 * host watches the socket, and each acknowledgement is matched by its
 * sequence number to the record of its request (instance, VIP, add or
 * delete).  A failed request is retried once, 100 ms later.  A request
 * the kernel did not take (EAGAIN, ENOBUFS on send) waits in a queue,
 * in order, and goes out from a short timer.  When acknowledgements are
 * lost to an overrun of the socket, addr_present() tells what became of
 * their requests.  A detached instance's requests stay in flight without
 * it: their records are orphaned, never matched back to it.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/addr.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>

#include "fipd/plugin.h"

#define AN_RETRY_US	100000		/* one retry of a failed request */
#define AN_QUEUE_US	10000		/* next try of a request not taken */
#define AN_FINI_US	100000		/* for the last tries at unloading */
#define AN_READD_WINDOW	1000000		/* re-add rate limit window */
#define AN_READD_MAX	10		/* re-add rounds per window, instance */
/*
 * RECONCILEs are gathered for this long into one round: `ip addr flush`
 * or a batch of deletions reaches the core as one event per address,
 * spread over several passes of the loop.
 */
#define AN_RECONCILE_US	5000
/*
 * Receive buffer for the acknowledgements: a takeover of every instance
 * at once sends all its requests in one pass of the loop, and each
 * acknowledgement is charged about 830 bytes.  The kernel doubles this:
 * 8 MiB, room for some 10,000.
 */
#define AN_RCVBUF	(4 * 1024 * 1024)
#define AN_DRAIN_MAX	4096		/* datagrams per readiness event */
#define AN_VIPSTRLEN	(INET6_ADDRSTRLEN + 4)

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK	10
#endif

enum an_op {
	AN_ADD,
	AN_DEL,
};

/* Why a request was made: what its outcome logs and what follows it. */
enum an_why {
	AN_W_APPLY,		/* a transition or a reload's new VIP */
	AN_W_RETRY,		/* the one retry of a failed request */
	AN_W_READD,		/* a wanted VIP found missing */
	AN_W_STALE,		/* a VIP left by a crash, at attach */
	AN_W_RELOAD,		/* a VIP a reload took away */
};

struct an_vip {
	const struct fipd_addr	*addr;
	char			 str[AN_VIPSTRLEN];
	int			 want;		/* should be on the interface */
	int			 retry;		/* one retry is pending */
	uint32_t		 seq;		/* unanswered request, or 0 */
};

struct an_ctx;

/*
 * One request, from its building to its acknowledgement.  It names its
 * VIP by value: a reload replaces the VIP array.
 */
struct an_req {
	TAILQ_ENTRY(an_req)	 entry;		/* an_queue or an_sent */
	TAILQ_ENTRY(an_req)	 centry;	/* ctx->reqs while ctx is set */
	struct an_ctx		*ctx;		/* NULL once it detached */
	struct nl_msg		*msg;		/* until sent */
	uint32_t		 seq;
	enum an_op		 op;
	enum an_why		 why;
	const char		*what;		/* AN_W_READD: why missing */
	unsigned int		 ifindex;
	struct fipd_addr	 addr;		/* as requested */
	uint8_t			 vplen;		/* the VIP's prefix length */
	char			 str[AN_VIPSTRLEN]; /* the VIP, for logs */
};

TAILQ_HEAD(an_reqs, an_req);

struct an_ctx {
	const struct fipd_instance *vi;
	unsigned int		 ifindex;	/* 0 while the link is absent */
	enum fipd_state		 state;
	int			 linked;	/* holds a reference */
	struct fipd_timer	*t_retry;
	struct fipd_timer	*t_reconcile;	/* gathers RECONCILEs */
	int			 reconcile_armed;
	struct fipd_timer	*t_resync;	/* end of a re-add pause */
	struct an_vip		*vips;
	size_t			 n_vips;
	struct an_reqs		 reqs;		/* its requests in flight */
	uint64_t		 readd_since;
	unsigned int		 readds;
};

static int	 an_init(struct fipd_host *, const struct fipd_host_api *);
static void	 an_fini(void);
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
static void	 an_idle_close(void);
static struct an_vip *an_vip_lookup(struct an_ctx *, const struct an_req *);
static void	 an_request(struct an_ctx *, struct an_vip *, enum an_op,
		    enum an_why, const char *, uint8_t);
static int	 an_send(struct an_req *);
static void	 an_submit(struct an_req *);
static void	 an_queue_cb(void *);
static void	 an_ack_cb(int, void *);
static void	 an_acked(uint32_t, int);
static void	 an_lost(void);
static void	 an_done(struct an_req *, int);
static void	 an_req_free(struct an_req *);
static void	 an_vip_apply(struct an_ctx *, struct an_vip *, int);
static void	 an_vip_failed(struct an_ctx *, struct an_vip *, int);
static void	 an_retry_cb(void *);
static void	 an_reconcile_cb(void *);
static void	 an_resync_cb(void *);
static void	 an_resync(struct an_ctx *, const char *, int);
static int	 an_readd_allowed(struct an_ctx *);
static void	 an_remove_stale(struct an_ctx *);
static void	 an_link(struct an_ctx *);

static struct fipd_host			*an_host;
static const struct fipd_host_api	*an_api;

/*
 * Shared by every attached instance: an_refs counts them.  The socket
 * exists while it is not 0, and after that while requests wait in
 * an_queue (they are sent before it closes).
 */
static unsigned int		 an_refs;
static int			 an_fd = -1;
static struct fipd_io		*an_io;
static struct fipd_timer	*an_t_queue;
static struct an_reqs		 an_queue = TAILQ_HEAD_INITIALIZER(an_queue);
static struct an_reqs		 an_sent = TAILQ_HEAD_INITIALIZER(an_sent);
static uint32_t			 an_seq;
static int			 an_overrun;	/* acknowledgements lost */

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
	.fini = an_fini,
	.action = &an_ops,
);

static int
an_init(struct fipd_host *h, const struct fipd_host_api *api)
{
	if (api == NULL || api->abi_version != FIPD_PLUGIN_ABI_VERSION ||
	    api->addr_present == NULL)
		return (-1);
	an_host = h;
	an_api = api;
	return (0);
}

/*
 * Unloading: the loop will not run again (the daemon is exiting; it
 * detached every instance first).  Requests still waiting for the kernel
 * (the deletions of the last STOPs) are tried for up to AN_FINI_US more:
 * a request is done once sent, whoever reads its acknowledgement.
 */
static void
an_fini(void)
{
	struct timespec	 ms = { 0, 1000000 };
	struct an_req	*r;
	uint64_t	 until = an_api->now_us(an_host) + AN_FINI_US;
	size_t		 lost = 0;
	int		 rc;

	while ((r = TAILQ_FIRST(&an_queue)) != NULL) {
		TAILQ_REMOVE(&an_queue, r, entry);
		rc = -1;
		while (an_fd != -1 && (rc = an_send(r)) == 1 &&
		    an_api->now_us(an_host) < until)
			nanosleep(&ms, NULL);
		if (rc != 0)
			lost++;
		an_req_free(r);
	}
	if (lost > 0)
		AN_LOG(FIPD_LOG_ERR, "%zu address requests could not be sent "
		    "to the kernel", lost);
	if (an_refs == 0)
		an_shared_close();
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
	TAILQ_INIT(&ctx->reqs);
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
	    (ctx->t_reconcile = an_api->timer_new(h, an_reconcile_cb,
	    ctx)) == NULL ||
	    (ctx->t_resync = an_api->timer_new(h, an_resync_cb, ctx)) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot create timers", vi->name);
		goto fail;
	}

	if (an_fd == -1 && an_shared_open(vi->name) == -1)
		goto fail;
	an_refs++;
	ctx->linked = 1;

	if ((ctx->ifindex = vi->ifindex) == 0)
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
	struct an_req	*r;

	if (ctx == NULL)
		return;
	/* Its requests go on without it. */
	while ((r = TAILQ_FIRST(&ctx->reqs)) != NULL) {
		TAILQ_REMOVE(&ctx->reqs, r, centry);
		r->ctx = NULL;
	}
	if (ctx->t_retry != NULL)
		an_api->timer_free(ctx->t_retry);
	if (ctx->t_reconcile != NULL)
		an_api->timer_free(ctx->t_reconcile);
	if (ctx->t_resync != NULL)
		an_api->timer_free(ctx->t_resync);
	free(ctx->vips);
	if (ctx->linked && --an_refs == 0)
		an_idle_close();
	free(ctx);
}

/*
 * Open the request socket shared by every instance.  Failures are
 * logged under the name of the instance that asked.
 */
static int
an_shared_open(const char *name)
{
	struct sockaddr_nl	 snl;
	int			 fd, one = 1, sz = AN_RCVBUF;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_ROUTE);
	if (fd == -1) {
		AN_LOG(FIPD_LOG_ERR, "%s: netlink socket: %s", name,
		    strerror(errno));
		return (-1);
	}
	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) == -1) {
		AN_LOG(FIPD_LOG_ERR, "%s: netlink bind: %s", name,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	/* Beyond net.core.rmem_max with CAP_NET_ADMIN, else up to it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Errors without a copy of the request: smaller, more of them fit. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	if ((an_t_queue = an_api->timer_new(an_host, an_queue_cb, NULL)) ==
	    NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot create timers", name);
		close(fd);
		return (-1);
	}
	if ((an_io = an_api->io_new(an_host, fd, an_ack_cb, NULL)) == NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: cannot watch netlink socket", name);
		an_api->timer_free(an_t_queue);
		an_t_queue = NULL;
		close(fd);
		return (-1);
	}
	an_fd = fd;
	an_overrun = 0;
	return (0);
}

/*
 * Close the socket.  The requests sent are done (the kernel applied them
 * inside sendmsg()); only their acknowledgements go unread.
 */
static void
an_shared_close(void)
{
	struct an_req	*r;

	while ((r = TAILQ_FIRST(&an_sent)) != NULL) {
		TAILQ_REMOVE(&an_sent, r, entry);
		an_req_free(r);
	}
	while ((r = TAILQ_FIRST(&an_queue)) != NULL) {
		TAILQ_REMOVE(&an_queue, r, entry);
		an_req_free(r);
	}
	if (an_io != NULL) {
		an_api->io_free(an_io);
		an_io = NULL;
	}
	if (an_t_queue != NULL) {
		an_api->timer_free(an_t_queue);
		an_t_queue = NULL;
	}
	if (an_fd != -1) {
		close(an_fd);
		an_fd = -1;
	}
}

/* No instance left: close, unless requests still wait to be sent. */
static void
an_idle_close(void)
{
	if (an_refs == 0 && TAILQ_EMPTY(&an_queue))
		an_shared_close();
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
	an_api->timer_cancel(ctx->t_reconcile);
	ctx->reconcile_armed = 0;
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

	switch (ev) {
	case FIPD_EV_RECONCILE:
		/*
		 * The host raises one per VIP gone, as its watcher reads the
		 * deletions, and its view may not show yet what this plugin
		 * re-added for the previous one: look once, when the burst is
		 * over (AN_RECONCILE_US after the first; later ones do not
		 * postpone it).
		 */
		if (ctx->state == FIPD_STATE_MASTER && !ctx->reconcile_armed) {
			ctx->reconcile_armed = 1;
			an_api->timer_arm(ctx->t_reconcile, AN_RECONCILE_US);
		}
		break;
	case FIPD_EV_LINK:
		an_link(ctx);
		break;
	default:
		break;
	}
}

/* The interface went away, or came back with another index. */
static void
an_link(struct an_ctx *ctx)
{
	unsigned int	 old = ctx->ifindex;

	ctx->ifindex = ctx->vi->ifindex;
	if (ctx->ifindex == old)
		return;
	if (ctx->ifindex == 0) {
		AN_LOG(FIPD_LOG_WARNING, "%s: interface %s went away",
		    ctx->vi->name, ctx->vi->ifname);
		return;
	}
	AN_LOG(FIPD_LOG_NOTICE, "%s: interface %s is now index %u",
	    ctx->vi->name, ctx->vi->ifname, ctx->ifindex);
	an_resync(ctx, "interface reappeared", 0);
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
			nv[i].retry = o->retry;
			nv[i].seq = o->seq;
			o->addr = NULL;		/* kept */
			kept[i] = 1;
			break;
		}
	}
	/* The old entries not kept went: off the interface. */
	ctx->ifindex = vi->ifindex;
	for (j = 0; j < ctx->n_vips; j++) {
		o = &ctx->vips[j];
		if (o->addr == NULL || (!o->want && !master))
			continue;
		o->want = 0;
		if (ctx->ifindex == 0)
			AN_LOG(FIPD_LOG_INFO, "%s: VIP %s removed by reload",
			    vi->name, o->str);
		else
			an_request(ctx, o, AN_DEL, AN_W_RELOAD, NULL,
			    o->addr->prefixlen);
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

/* The VIP a request is about, if the instance still has it. */
static struct an_vip *
an_vip_lookup(struct an_ctx *ctx, const struct an_req *r)
{
	struct an_vip	*v;
	size_t		 i, alen;

	alen = r->addr.family == AF_INET6 ? 16 : 4;
	for (i = 0; i < ctx->n_vips; i++) {
		v = &ctx->vips[i];
		if (v->addr != NULL && v->addr->family == r->addr.family &&
		    v->addr->prefixlen == r->vplen &&
		    memcmp(v->addr->u.raw, r->addr.u.raw, alen) == 0)
			return (v);
	}
	return (NULL);
}

/*
 * Build a request for VIP v with prefix length plen (the VIP's own, or a
 * stale one's) on the instance's interface, and send it.  Its outcome
 * comes back through an_done().
 */
static void
an_request(struct an_ctx *ctx, struct an_vip *v, enum an_op op,
    enum an_why why, const char *what, uint8_t plen)
{
	const struct fipd_addr	*fa = v->addr;
	struct rtnl_addr	*ra = NULL;
	struct nl_addr		*na = NULL;
	struct nlmsghdr		*nh;
	struct an_req		*r;
	size_t			 alen;
	int			 err;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto nomem;
	alen = fa->family == AF_INET6 ? sizeof(fa->u.v6) : sizeof(fa->u.v4);
	if ((ra = rtnl_addr_alloc()) == NULL ||
	    (na = nl_addr_build(fa->family, fa->u.raw, alen)) == NULL)
		goto nomem;
	rtnl_addr_set_ifindex(ra, (int)ctx->ifindex);
	rtnl_addr_set_family(ra, fa->family);
	if (rtnl_addr_set_local(ra, na) < 0)
		goto nomem;
	rtnl_addr_set_prefixlen(ra, plen);
	if (op == AN_ADD) {
		rtnl_addr_set_scope(ra, RT_SCOPE_UNIVERSE);
		if (fa->family == AF_INET6)
			rtnl_addr_set_flags(ra, IFA_F_NODAD);
		/* No NLM_F_REPLACE: EEXIST says it was already there. */
		err = rtnl_addr_build_add_request(ra, 0, &r->msg);
	} else
		err = rtnl_addr_build_delete_request(ra, 0, &r->msg);
	if (err < 0)
		goto nomem;
	nl_addr_put(na);
	rtnl_addr_put(ra);

	/* 0 means "none in flight" in an_vip. */
	if (++an_seq == 0)
		an_seq = 1;
	nh = nlmsg_hdr(r->msg);
	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = an_seq;
	nh->nlmsg_pid = 0;
	r->seq = an_seq;
	r->op = op;
	r->why = why;
	r->what = what;
	r->ifindex = ctx->ifindex;
	r->addr = *fa;
	r->addr.prefixlen = plen;
	r->vplen = fa->prefixlen;
	memcpy(r->str, v->str, sizeof(r->str));
	r->ctx = ctx;
	TAILQ_INSERT_TAIL(&ctx->reqs, r, centry);
	v->seq = r->seq;
	an_submit(r);
	return;

 nomem:
	if (na != NULL)
		nl_addr_put(na);
	if (ra != NULL)
		rtnl_addr_put(ra);
	if (r != NULL)
		nlmsg_free(r->msg);
	free(r);
	AN_LOG(FIPD_LOG_ERR, "%s: cannot %s VIP %s: out of memory",
	    ctx->vi->name, op == AN_ADD ? "add" : "delete", v->str);
	if (why == AN_W_APPLY || why == AN_W_RETRY || why == AN_W_READD)
		an_vip_failed(ctx, v, why == AN_W_RETRY);
}

/*
 * Hand one request to the kernel, which applies it before sendmsg()
 * returns.  Returns 0 when sent, 1 when the kernel did not take it now
 * (try again later), or a negative errno.
 */
static int
an_send(struct an_req *r)
{
	struct sockaddr_nl	 snl;
	struct nlmsghdr		*nh = nlmsg_hdr(r->msg);
	struct iovec		 iov;
	struct msghdr		 mh;
	ssize_t			 n;

	memset(&snl, 0, sizeof(snl));
	snl.nl_family = AF_NETLINK;
	iov.iov_base = nh;
	iov.iov_len = nh->nlmsg_len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &snl;
	mh.msg_namelen = sizeof(snl);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do
		n = sendmsg(an_fd, &mh, MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n != -1)
		return (0);
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ||
	    errno == ENOMEM)
		return (1);
	return (-errno);
}

/*
 * Send a request, or queue it behind those waiting (the kernel must see
 * them in order).  A netlink socket always polls writable (a send to
 * the kernel never waits for room), so the queue is retried from a
 * timer, not a write watch.
 */
static void
an_submit(struct an_req *r)
{
	int		 rc;

	if (TAILQ_EMPTY(&an_queue)) {
		if ((rc = an_send(r)) == 0) {
			nlmsg_free(r->msg);
			r->msg = NULL;
			TAILQ_INSERT_TAIL(&an_sent, r, entry);
			return;
		}
		if (rc < 0) {
			an_done(r, rc);
			return;
		}
		AN_LOG(FIPD_LOG_DEBUG, "the kernel did not take a request "
		    "(%s); queued", strerror(errno));
		an_api->timer_arm(an_t_queue, AN_QUEUE_US);
	}
	TAILQ_INSERT_TAIL(&an_queue, r, entry);
}

static void
an_queue_cb(void *arg)
{
	struct an_req	*r;
	int		 rc;

	(void)arg;
	while ((r = TAILQ_FIRST(&an_queue)) != NULL) {
		if ((rc = an_send(r)) == 1) {
			an_api->timer_arm(an_t_queue, AN_QUEUE_US);
			return;
		}
		TAILQ_REMOVE(&an_queue, r, entry);
		if (rc < 0) {
			an_done(r, rc);
			continue;
		}
		nlmsg_free(r->msg);
		r->msg = NULL;
		TAILQ_INSERT_TAIL(&an_sent, r, entry);
	}
	an_idle_close();
}

/* Read the acknowledgements the kernel queued. */
static void
an_ack_cb(int fd, void *arg)
{
	static union {
		struct nlmsghdr	 nh;
		char		 buf[8192];
	} rb;
	const struct nlmsghdr	*nh;
	const struct nlmsgerr	*e;
	struct sockaddr_nl	 snl;
	struct iovec		 iov;
	struct msghdr		 msg;
	ssize_t			 n;
	int			 i, left;

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
				an_overrun = 1;
				continue;
			}
			AN_LOG(FIPD_LOG_ERR, "netlink receive: %s",
			    strerror(errno));
			return;
		}
		if (n == 0)
			break;
		if (msg.msg_flags & MSG_TRUNC) {
			an_overrun = 1;
			continue;
		}
		if (msg.msg_namelen != sizeof(snl) || snl.nl_pid != 0)
			continue;
		/*
		 * Signed on purpose: NLMSG_NEXT() subtracts the aligned
		 * length, which may exceed what is left when the last message
		 * is unpadded; the count must go negative, not wrap.
		 */
		left = (int)n;
		for (nh = &rb.nh; NLMSG_OK(nh, left);
		    nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type != NLMSG_ERROR ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(e->error)))
				continue;
			e = NLMSG_DATA(nh);
			an_acked(nh->nlmsg_seq, e->error);
		}
	}
	/*
	 * Drained: every request was sent before this call, so whatever has
	 * no acknowledgement now lost it.
	 */
	if (i < AN_DRAIN_MAX && an_overrun)
		an_lost();
}

/* The acknowledgement of request seq: 0, or a negative errno. */
static void
an_acked(uint32_t seq, int err)
{
	struct an_req	*r;

	/* In order of sending: the first one, unless some were lost. */
	TAILQ_FOREACH(r, &an_sent, entry) {
		if (r->seq == seq)
			break;
	}
	if (r == NULL)
		return;
	TAILQ_REMOVE(&an_sent, r, entry);
	an_done(r, err);
}

/*
 * The socket overran and acknowledgements were lost.  Their requests
 * were applied or refused: the kernel watcher's view tells which.  It
 * may lag behind the last requests; the worst it costs is one request
 * more (EEXIST or EADDRNOTAVAIL, no-ops).
 */
static void
an_lost(void)
{
	struct an_reqs	 lost = TAILQ_HEAD_INITIALIZER(lost);
	struct an_req	*r;
	struct an_vip	*v;
	size_t		 n = 0;
	int		 p;

	an_overrun = 0;
	TAILQ_CONCAT(&lost, &an_sent, entry);
	TAILQ_FOREACH(r, &lost, entry)
		n++;
	if (n > 0)
		AN_LOG(FIPD_LOG_WARNING, "netlink overrun: %zu "
		    "acknowledgements lost, checking their VIPs", n);
	while ((r = TAILQ_FIRST(&lost)) != NULL) {
		TAILQ_REMOVE(&lost, r, entry);
		if (r->ctx == NULL || (v = an_vip_lookup(r->ctx, r)) == NULL ||
		    v->seq != r->seq) {
			/* Gone or overtaken by a later request: moot. */
			an_req_free(r);
			continue;
		}
		p = an_api->addr_present(an_host, r->ifindex, &r->addr, NULL);
		if (r->op == AN_ADD ? p == 1 : p == 0)
			an_done(r, 0);
		else
			an_done(r, -ENOBUFS);
	}
}

/*
 * The outcome of request r (err: 0 or a negative errno), then r is freed.
 * EEXIST on an add and EADDRNOTAVAIL, ENOENT or ENODEV on a delete mean
 * it was already as wanted.
 */
static void
an_done(struct an_req *r, int err)
{
	struct an_ctx	*ctx = r->ctx;
	struct an_vip	*v;
	int		 noop = 0, latest;

	if (r->op == AN_ADD && err == -EEXIST)
		noop = 1;
	else if (r->op == AN_DEL && (err == -EADDRNOTAVAIL ||
	    err == -ENOENT || err == -ENODEV))
		noop = 1;
	if (noop)
		err = 0;

	if (ctx == NULL) {
		if (err != 0)
			AN_LOG(FIPD_LOG_ERR, "VIP %s (instance stopped): "
			    "cannot %s it on interface %u: %s", r->str,
			    r->op == AN_ADD ? "add" : "delete", r->ifindex,
			    strerror(-err));
		an_req_free(r);
		return;
	}
	v = an_vip_lookup(ctx, r);
	latest = v != NULL && v->seq == r->seq;
	if (latest)
		v->seq = 0;

	switch (r->why) {
	case AN_W_STALE:
		if (err != 0)
			AN_LOG(FIPD_LOG_ERR, "%s: cannot remove stale VIP %s "
			    "(prefix /%u) from %s: %s", ctx->vi->name, r->str,
			    r->addr.prefixlen, ctx->vi->ifname,
			    strerror(-err));
		else if (!noop)
			AN_LOG(FIPD_LOG_NOTICE, "%s: removed stale VIP %s "
			    "(prefix /%u) from %s", ctx->vi->name, r->str,
			    r->addr.prefixlen, ctx->vi->ifname);
		break;
	case AN_W_RELOAD:
		if (err != 0)
			AN_LOG(FIPD_LOG_ERR, "%s: cannot delete VIP %s from "
			    "%s: %s", ctx->vi->name, r->str, ctx->vi->ifname,
			    strerror(-err));
		else
			AN_LOG(FIPD_LOG_INFO, "%s: VIP %s removed by reload",
			    ctx->vi->name, r->str);
		break;
	default:
		if (err != 0) {
			if (r->op == AN_ADD)
				AN_LOG(FIPD_LOG_ERR, "%s: cannot add VIP %s on "
				    "%s: %s", ctx->vi->name, r->str,
				    ctx->vi->ifname, strerror(-err));
			else
				AN_LOG(FIPD_LOG_ERR, "%s: cannot delete VIP %s "
				    "from %s: %s", ctx->vi->name, r->str,
				    ctx->vi->ifname, strerror(-err));
			/* A later request for this VIP decides. */
			if (latest)
				an_vip_failed(ctx, v, r->why == AN_W_RETRY);
		} else if (r->why == AN_W_RETRY && latest)
			AN_LOG(FIPD_LOG_NOTICE, "%s: VIP %s %s on retry",
			    ctx->vi->name, r->str,
			    r->op == AN_ADD ? "added" : "deleted");
		else if (r->why == AN_W_READD && !noop) {
			AN_LOG(FIPD_LOG_WARNING, "%s: VIP %s was missing (%s), "
			    "re-added", ctx->vi->name, r->str, r->what);
			an_api->count(an_host, ctx->vi, "vip_readded");
		}
		break;
	}
	an_req_free(r);
}

static void
an_req_free(struct an_req *r)
{
	if (r->ctx != NULL)
		TAILQ_REMOVE(&r->ctx->reqs, r, centry);
	if (r->msg != NULL)
		nlmsg_free(r->msg);
	free(r);
}

/*
 * Bring one VIP to its wanted state.  A failure is retried once, 100 ms
 * later, from a timer; a second failure is only logged.
 */
static void
an_vip_apply(struct an_ctx *ctx, struct an_vip *v, int retrying)
{
	ctx->ifindex = ctx->vi->ifindex;
	if (ctx->ifindex == 0) {
		v->seq = 0;	/* what is in flight is moot now */
		if (v->want) {
			AN_LOG(FIPD_LOG_ERR, "%s: cannot add VIP %s: interface "
			    "%s absent", ctx->vi->name, v->str,
			    ctx->vi->ifname);
			an_vip_failed(ctx, v, retrying);
		} else if (retrying)
			AN_LOG(FIPD_LOG_NOTICE, "%s: VIP %s deleted on retry",
			    ctx->vi->name, v->str);
		return;		/* no interface, no address */
	}
	an_request(ctx, v, v->want ? AN_ADD : AN_DEL,
	    retrying ? AN_W_RETRY : AN_W_APPLY, NULL, v->addr->prefixlen);
}

static void
an_vip_failed(struct an_ctx *ctx, struct an_vip *v, int retrying)
{
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
an_reconcile_cb(void *arg)
{
	struct an_ctx	*ctx = arg;

	ctx->reconcile_armed = 0;
	an_resync(ctx, "reconcile", 1);
}

static void
an_resync_cb(void *arg)
{
	an_resync(arg, "after re-add rate limit", 0);
}

/*
 * While MASTER, put back each wanted VIP the kernel watcher does not see
 * (a round that finds one missing counts against the rate limit when the
 * host reported a deletion).  A VIP with a retry pending is left to it.
 * One with an add in flight is not: the kernel applied that add inside
 * sendmsg(), so a deletion reported since came after it (and if the
 * watcher has not seen the add yet, adding again costs an EEXIST).
 */
static void
an_resync(struct an_ctx *ctx, const char *why, int limited)
{
	struct an_vip	*v;
	size_t		 i;

	/* Without the interface, FIPD_EV_LINK will bring them back. */
	if (ctx->state != FIPD_STATE_MASTER ||
	    (ctx->ifindex = ctx->vi->ifindex) == 0)
		return;
	for (i = 0; i < ctx->n_vips; i++) {
		v = &ctx->vips[i];
		if (!v->want || v->retry || an_api->addr_present(an_host,
		    ctx->ifindex, v->addr, NULL) == 1)
			continue;
		if (limited) {
			if (!an_readd_allowed(ctx))
				return;
			limited = 0;
		}
		an_request(ctx, v, AN_ADD, AN_W_READD, why,
		    v->addr->prefixlen);
	}
}

/*
 * Someone who keeps deleting our addresses must not turn us into a busy
 * loop: allow AN_READD_MAX rounds of re-adds per second, then wait for
 * the window to end and re-check everything once.
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
 * prefix length than configured now: delete every one the kernel watcher
 * sees there, with the prefix length it has.
 */
static void
an_remove_stale(struct an_ctx *ctx)
{
	struct an_vip	*v;
	size_t		 i;
	uint8_t		 plen;
	int		 p;

	for (i = 0; i < ctx->n_vips; i++) {
		v = &ctx->vips[i];
		plen = v->addr->prefixlen;
		p = an_api->addr_present(an_host, ctx->ifindex, v->addr,
		    &plen);
		if (p == -1) {
			AN_LOG(FIPD_LOG_WARNING, "%s: addresses of %s not "
			    "known: stale VIPs not removed", ctx->vi->name,
			    ctx->vi->ifname);
			return;
		}
		if (p == 1)
			an_request(ctx, v, AN_DEL, AN_W_STALE, NULL, plen);
	}
}
