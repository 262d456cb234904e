/*
 * The running daemon: each configured instance becomes a vrrp_router
 * wired to a raw socket, two loop timers and the action plugins.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "pconf.h"

#define INST_MAX_COUNTERS 16
#define INST_RETRY_US 1000000	/* retry a missing interface every 1 s */
/*
 * How long an instance keeps advertising from its last source address
 * once the interface has none left, before it goes FAULT: an operator's
 * or a DHCP client's "delete the old address, add the new one" must not
 * cost a failover.
 */
#define INST_NOSRC_GRACE_US 250000

struct inst_action {
	struct plug *plug;
	void *ictx;
	int attached;
};

struct inst_counter {
	char name[32];
	uint64_t value;
};

#define INST_MAGIC 0x66697069u	/* "fipi": a live struct inst */

struct inst {
	TAILQ_ENTRY(inst) entry;
	uint32_t magic;			/* INST_MAGIC while alive */
	struct cfg_instance *ci;	/* owned by the running cfg */
	struct vrrp_router *r;
	struct vsock *sock;
	int joined;
	struct fipd_timer *t[VRRP_T_MAX];
	struct fipd_timer *t_retry;
	struct fipd_timer *t_nosrc;	/* grace before "no source" is a FAULT */
	struct fipd_instance view;	/* what plugins see */
	struct inst_action *actions;
	size_t n_actions;
	struct inst_counter counters[INST_MAX_COUNTERS];
	size_t n_counters;
	int started;
	struct log_limit ll_send;
	int no_source;			/* no usable advert source now */
	char last_reason[128];
	uint64_t last_change_us;
};
TAILQ_HEAD(inst_list, inst);

static struct inst_list insts = TAILQ_HEAD_INITIALIZER(insts);
static struct cfg *running;

/*
 * Which instances a name concerns: a check's result reaches only the
 * instances that track it (by_check), a link's event only the instances
 * on it or tracking it (by_if).  Rebuilt when the set of instances or
 * their lists change (start, reload); NULL-free while `reloading` is 0.
 */
struct tracker {
	char name[FIPD_NAME_MAX];	/* the key */
	struct inst **v;
	size_t n, cap;
};
struct index {
	struct nhash h;
	struct tracker **list;
	size_t n;
};
static struct index by_check, by_if;
static int reloading;

static void inst_try_start(struct inst *);
static void inst_eval(struct inst *);
static int inst_update(struct inst *, struct cfg_instance *);
static void nosrc_cb(void *);

/* ------------------------------------------------------ router ops */

static void
op_send(struct vrrp_router *r, void *arg, int priority)
{
	struct inst *in = arg;
	const struct cfg_instance *ci = vrrp_cfg(r);
	struct fipd_addr mcast;
	struct vpkt_params p;
	uint8_t buf[20 + VPKT_MAX_LEN];
	ssize_t len;
	size_t i, n;
	const struct fipd_addr *dst;
	char a[INET6_ADDRSTRLEN];

	if (in->sock == NULL)
		return;
	memset(&mcast, 0, sizeof(mcast));
	mcast.family = ci->family;
	if (ci->family == AF_INET)
		mcast.u.v4.s_addr = htonl(VPKT_MCAST4);
	else
		memcpy(mcast.u.raw, vpkt_mcast6, 16);
	n = ci->n_peers > 0 ? ci->n_peers : 1;
	for (i = 0; i < n; i++) {
		dst = ci->n_peers > 0 ? &ci->peers[i] : &mcast;
		vrrp_advert_params(r, priority, dst, &p);
		len = ci->family == AF_INET ?
		    vpkt_build_ipv4(buf, sizeof(buf), &p) :
		    vpkt_build(buf, sizeof(buf), &p);
		if (len == -1)
			fatalx("%s: %s: cannot build advert", __func__,
			    ci->name);
		if (net_send(in->sock, buf, (size_t)len, vrrp_local(r),
		    dst) == -1 && log_limit_ok(&in->ll_send, ev_now_us()))
			log_warn("%s: send advert to %s", ci->name,
			    vpkt_addr_str(dst, a, sizeof(a)));
	}
}

static void
op_timer(struct vrrp_router *r, void *arg, enum vrrp_timer_id t,
    int64_t delay_us)
{
	struct inst *in = arg;

	if (delay_us < 0)
		ev_timer_cancel(in->t[t]);
	else
		ev_timer_arm(in->t[t], (uint64_t)delay_us);
}

static void
op_state(struct vrrp_router *r, void *arg, const struct fipd_transition *t)
{
	struct inst *in = arg;
	size_t i;

	snprintf(in->last_reason, sizeof(in->last_reason), "%s", t->reason);
	in->last_change_us = ev_now_us();
	for (i = 0; i < in->n_actions; i++)
		if (in->actions[i].attached)
			plug_desc(in->actions[i].plug)->action->transition(
			    in->actions[i].ictx, t);
}

static void
op_event(struct vrrp_router *r, void *arg, enum fipd_event ev)
{
	struct inst *in = arg;
	const struct fipd_action_ops *ops;
	size_t i;

	for (i = 0; i < in->n_actions; i++) {
		ops = plug_desc(in->actions[i].plug)->action;
		if (in->actions[i].attached && ops->event != NULL)
			ops->event(in->actions[i].ictx, ev);
	}
}

static const struct vrrp_ops inst_ops = {
	.send = op_send,
	.timer = op_timer,
	.state = op_state,
	.event = op_event,
};

static void
adver_cb(void *arg)
{
	struct inst *in = arg;

	vrrp_timer_expired(in->r, ev_now_us(), VRRP_T_ADVER);
}

/*
 * Before the master is declared down, read what the socket holds: an
 * advert that came in time but still waits there (the loop was busy, or
 * receive moderation held it) restarts the timer instead.
 */
static void
mdown_cb(void *arg)
{
	struct inst *in = arg;

	net_flush(in->sock);
	if (ev_timer_pending(in->t[VRRP_T_MDOWN]))
		return;
	vrrp_timer_expired(in->r, ev_now_us(), VRRP_T_MDOWN);
}

static void
retry_cb(void *arg)
{
	inst_try_start(arg);
}

/* ------------------------------------------------------- instances */

/* A plugin's counter: vi is the view given to attach (in->view). */
static void
count_hook(const struct fipd_instance *vi, const char *counter)
{
	struct inst *in = (struct inst *)(void *)((char *)(uintptr_t)vi -
	    offsetof(struct inst, view));
	size_t i;

	/* Only a view that attach() gave out, of a live instance. */
	if (in->magic != INST_MAGIC || &in->view != vi)
		return;

	for (i = 0; i < in->n_counters; i++)
		if (strcmp(in->counters[i].name, counter) == 0) {
			in->counters[i].value++;
			return;
		}
	if (in->n_counters < INST_MAX_COUNTERS) {
		snprintf(in->counters[i].name, sizeof(in->counters[i].name),
		    "%s", counter);
		in->counters[in->n_counters++].value = 1;
	}
}

static struct cfg_plugconf *
plugconf_for(struct cfg_instance *ci, struct plug *p)
{
	struct cfg_plugconf *pc;

	TAILQ_FOREACH(pc, &ci->plugconfs, entry)
		if (pc->plug == p)
			return pc;
	return NULL;
}

static void
actions_attach(struct inst *in)
{
	const struct fipd_action_ops *ops;
	struct cfg_plugconf *pc;
	struct plug *p;
	size_t n = 0;

	for (p = plug_next_action(NULL); p != NULL; p = plug_next_action(p))
		n++;
	in->actions = xcalloc(n, sizeof(*in->actions));
	for (p = plug_next_action(NULL); p != NULL; p = plug_next_action(p)) {
		struct inst_action *a = &in->actions[in->n_actions++];

		a->plug = p;
		ops = plug_desc(p)->action;
		if (ops->attach == NULL) {
			a->attached = 1;
			continue;
		}
		pc = plugconf_for(in->ci, p);
		if (ops->attach(plug_host(p), &in->view, pc != NULL ?
		    pc->pc->conf : NULL, &a->ictx) == 0)
			a->attached = 1;
		else
			log_warnx("%s: action %s refused to attach",
			    in->ci->name, plug_name(p));
	}
}

static void
actions_detach(struct inst *in)
{
	const struct fipd_action_ops *ops;
	size_t i;

	for (i = 0; i < in->n_actions; i++) {
		ops = plug_desc(in->actions[i].plug)->action;
		if (in->actions[i].attached && ops->detach != NULL)
			ops->detach(in->actions[i].ictx);
	}
	free(in->actions);
	in->actions = NULL;
	in->n_actions = 0;
}

/*
 * Bring an instance up once its interface exists and has an address:
 * resolve the source address, open the socket, attach the actions (which
 * clean VIPs left by a crash), then the RFC Startup event.
 */
static void
inst_try_start(struct inst *in)
{
	struct cfg_instance *ci = in->ci;
	const struct cfg_instance *rc;
	struct fipd_addr local;
	unsigned int ifindex;
	char err[256];
	struct check_status cs;
	size_t i;

	if (in->started)
		return;
	/* Wait for the first result of every tracked check. */
	for (i = 0; i < ci->n_track_check; i++)
		if (check_get(ci->track_check[i], &cs) == 0 && !cs.known)
			return;
	if (kernel_link(ci->ifname, &ifindex) == -1)
		goto retry;
	if (ci->src_set)
		local = ci->src;
	else if (kernel_source(ifindex, ci->family, ci->vips, ci->n_vips,
	    &local) == -1)
		goto retry;
	if ((in->sock = net_get(ci->ifname, ci->family, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s: %s", ci->name, err);
		goto retry;
	}
	/* The config refuses a VRID twice on one interface and family. */
	if (net_vrid_taken(in->sock, ci->vrid)) {
		log_warnx("%s: VRID %u on %s is taken by another instance",
		    ci->name, ci->vrid, ci->ifname);
		net_put(in->sock);
		in->sock = NULL;
		ev_timer_arm(in->t_retry, INST_RETRY_US);
		return;
	}
	if (ci->n_peers == 0) {
		net_join(in->sock);
		in->joined = 1;
	}
	in->r = vrrp_new(ci, &local, &inst_ops, in);
	rc = vrrp_cfg(in->r);
	in->view.name = rc->name;
	in->view.ifname = rc->ifname;
	in->view.ifindex = net_ifindex(in->sock);
	in->view.vrid = rc->vrid;
	in->view.version = (uint8_t)rc->version;
	in->view.family = rc->family;
	in->view.priority = rc->priority;
	in->view.advert_int_cs = rc->advert_int_cs;
	in->view.vips = rc->vips;
	in->view.n_vips = rc->n_vips;
	in->view.garp_repeat = rc->garp_repeat;
	in->view.garp_refresh_cs = rc->garp_refresh_cs;
	in->t[VRRP_T_ADVER] = ev_timer_new(adver_cb, in);
	in->t[VRRP_T_MDOWN] = ev_timer_new(mdown_cb, in);
	in->t_nosrc = ev_timer_new(nosrc_cb, in);
	actions_attach(in);
	net_bind(in->sock, ci->vrid, in->r);
	in->started = 1;
	ev_timer_cancel(in->t_retry);
	log_info("%s: starting on %s (vrid %u, v%d, priority %d, %s)",
	    ci->name, ci->ifname, ci->vrid, ci->version, ci->priority,
	    ci->n_peers > 0 ? "unicast" : "multicast");
	inst_eval(in);
	vrrp_startup(in->r, ev_now_us());
	return;
retry:
	if (!ev_timer_pending(in->t_retry)) {
		log_warnx("%s: interface %s missing or without an %s "
		    "address; retrying every %d s", ci->name, ci->ifname,
		    ci->family == AF_INET6 ? "IPv6 link-local" : "IPv4",
		    INST_RETRY_US / 1000000);
	}
	ev_timer_arm(in->t_retry, INST_RETRY_US);
}

/*
 * Work out fault and priority from the tracked checks and links:
 * a DOWN check with weight 0, or a tracked link (the instance's own
 * interface included) without carrier, is a FAULT; other DOWN checks add
 * their weights to the priority.
 */
static void
inst_eval(struct inst *in)
{
	struct cfg_instance *ci = in->ci;
	struct check_status cs;
	char reason[160] = "";
	int fault = 0, delta = 0;
	size_t i;

	if (!in->started)
		return;
	for (i = 0; i < ci->n_track_check; i++) {
		if (check_get(ci->track_check[i], &cs) == -1 || !cs.known ||
		    cs.up)
			continue;
		if (cs.weight == 0) {
			if (!fault)
				snprintf(reason, sizeof(reason),
				    "check %s DOWN: %s", cs.name, cs.reason);
			fault = 1;
		} else
			delta += cs.weight;
	}
	for (i = 0; i <= ci->n_track_if && !fault; i++) {
		const char *ifn = i == 0 ? ci->ifname : ci->track_if[i - 1];
		unsigned int idx;
		int up;

		if ((up = kernel_link(ifn, &idx)) != 1) {
			snprintf(reason, sizeof(reason), "interface %s %s",
			    ifn, up == -1 ? "gone" : "down");
			fault = 1;
		}
	}
	if (!fault && in->no_source) {
		snprintf(reason, sizeof(reason), "no %s address on %s to "
		    "advertise from", ci->family == AF_INET6 ?
		    "IPv6 link-local" : "IPv4", ci->ifname);
		fault = 1;
	}
	vrrp_set_prio_delta(in->r, ev_now_us(), delta);
	vrrp_set_fault(in->r, ev_now_us(), fault,
	    fault ? reason : "checks and links OK");
}

static void
eval_all(void)
{
	struct inst *in;

	TAILQ_FOREACH(in, &insts, entry) {
		if (in->started)
			inst_eval(in);
		else if (!ev_timer_pending(in->t_retry))
			inst_try_start(in);
	}
}

/*
 * Follow the advert source: the interface's primary address (IPv4) or
 * link-local address (IPv6) as the kernel has it now.  Renumbering moves
 * the source at once (the next advert carries it); with none left the
 * instance goes FAULT (inst_eval) until one appears.  A configured
 * unicast_src_ip is the operator's to change.
 */
static void
inst_source(struct inst *in, int grace_over)
{
	struct cfg_instance *ci = in->ci;
	struct fipd_addr a;
	char o[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];
	int none;

	/* A link that is gone has no address: its FAULT says so already. */
	if (!in->started || ci->src_set || net_ifindex(in->sock) == 0)
		return;
	none = kernel_source(net_ifindex(in->sock), ci->family, ci->vips,
	    ci->n_vips, &a) == -1;
	if (none) {
		if (in->no_source)
			return;
		if (!grace_over) {
			if (!ev_timer_pending(in->t_nosrc))
				ev_timer_arm(in->t_nosrc, INST_NOSRC_GRACE_US);
			return;
		}
		log_warnx("%s: no %s address left on %s to advertise from "
		    "(was %s)", ci->name, ci->family == AF_INET6 ?
		    "IPv6 link-local" : "IPv4", ci->ifname,
		    vpkt_addr_str(vrrp_local(in->r), o, sizeof(o)));
		in->no_source = 1;
		return;
	}
	ev_timer_cancel(in->t_nosrc);
	in->no_source = 0;
	if (vpkt_addr_cmp(&a, vrrp_local(in->r)) == 0)
		return;
	log_notice("%s: advert source %s -> %s (%s renumbered)", ci->name,
	    vpkt_addr_str(vrrp_local(in->r), o, sizeof(o)),
	    vpkt_addr_str(&a, n, sizeof(n)), ci->ifname);
	vrrp_set_local(in->r, &a);
}

static void
nosrc_cb(void *arg)
{
	struct inst *in = arg;

	inst_source(in, 1);
	inst_eval(in);
}

static int
inst_has_vip(const struct inst *in, const struct fipd_addr *a)
{
	size_t i;

	for (i = 0; i < in->ci->n_vips; i++)
		if (vpkt_addr_cmp(&in->ci->vips[i], a) == 0)
			return 1;
	return 0;
}

/* Everything about the instance's links may have changed. */
static void
inst_relinked(struct inst *in)
{
	if (!in->started) {
		inst_try_start(in);
		return;
	}
	if (in->view.ifindex != net_ifindex(in->sock)) {
		in->view.ifindex = net_ifindex(in->sock);
		if (in->view.ifindex != 0)
			op_event(in->r, in, FIPD_EV_LINK);
	}
	inst_source(in, 0);
	inst_eval(in);
}

/* An address event for one instance (see kernel_changed). */
static void
inst_addr_changed(struct inst *in, const struct kernel_ev *ev)
{
	int nosrc;

	if (!in->started) {
		if (ev->type == KERNEL_ADDR_NEW && ev->ifname != NULL &&
		    strcmp(in->ci->ifname, ev->ifname) == 0)
			inst_try_start(in);
		return;
	}
	if (net_ifindex(in->sock) != ev->ifindex ||
	    in->ci->family != ev->addr->family)
		return;
	/*
	 * Only what can change the source is worth a look (a takeover of N
	 * VIPs on one link is N events for each of its instances): the
	 * source going, or any address while there is none.  A new address
	 * never displaces a working source (the cache lists new ones last).
	 */
	if (!in->ci->src_set && (in->no_source ||
	    ev_timer_pending(in->t_nosrc) ||
	    (ev->type == KERNEL_ADDR_DEL &&
	    vpkt_addr_cmp(ev->addr, vrrp_local(in->r)) == 0))) {
		nosrc = in->no_source;
		inst_source(in, 0);
		if (nosrc != in->no_source)
			inst_eval(in);
	}
	if (ev->type == KERNEL_ADDR_DEL &&
	    vrrp_state(in->r) == FIPD_STATE_MASTER && inst_has_vip(in, ev->addr))
		op_event(in->r, in, FIPD_EV_RECONCILE);
}

/*
 * The kernel watcher's events, each to the instances it concerns (by the
 * interface's name, through by_if): a link's to those on or tracking it,
 * an address's to those on its interface.  A VIP that disappears from a
 * MASTER's interface behind our back raises FIPD_EV_RECONCILE
 * (action_netlink puts it back).
 */
static void
kernel_changed(const struct kernel_ev *ev)
{
	struct tracker *t;
	struct inst *in;
	size_t i;

	switch (ev->type) {
	case KERNEL_LINK_NEW:
	case KERNEL_LINK_GONE:
	case KERNEL_LINK_UP:
		net_relink(ev->ifname);
		/* FALLTHROUGH */
	case KERNEL_LINK_DOWN:
		if ((t = nhash_get(&by_if.h, ev->ifname)) != NULL)
			for (i = 0; i < t->n; i++)
				inst_relinked(t->v[i]);
		break;
	case KERNEL_ADDR_NEW:
	case KERNEL_ADDR_DEL:
		if (ev->ifname != NULL) {
			if ((t = nhash_get(&by_if.h, ev->ifname)) != NULL)
				for (i = 0; i < t->n; i++)
					inst_addr_changed(t->v[i], ev);
		} else
			/* A link the watcher does not know (yet): by index. */
			TAILQ_FOREACH(in, &insts, entry)
				inst_addr_changed(in, ev);
		break;
	case KERNEL_RESYNC:
		TAILQ_FOREACH(in, &insts, entry) {
			net_relink(in->ci->ifname);
			inst_relinked(in);
			if (in->started &&
			    vrrp_state(in->r) == FIPD_STATE_MASTER)
				op_event(in->r, in, FIPD_EV_RECONCILE);
		}
		break;
	}
}

static void
index_free(struct index *x)
{
	size_t i;

	for (i = 0; i < x->n; i++) {
		free(x->list[i]->v);
		free(x->list[i]);
	}
	free(x->list);
	x->list = NULL;
	x->n = 0;
	nhash_free(&x->h);
}

static void
index_add(struct index *x, const char *name, struct inst *in)
{
	struct tracker *t;

	if ((t = nhash_get(&x->h, name)) == NULL) {
		t = xcalloc(1, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", name);
		nhash_put(&x->h, t->name, t);
		x->list = xrealloc(x->list, (x->n + 1) * sizeof(*x->list));
		x->list[x->n++] = t;
	}
	/* An instance tracking its own interface is listed once. */
	if (t->n > 0 && t->v[t->n - 1] == in)
		return;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 4;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n++] = in;
}

static void
trackers_free(void)
{
	index_free(&by_check);
	index_free(&by_if);
}

static void
trackers_rebuild(void)
{
	struct inst *in;
	size_t i;

	trackers_free();
	TAILQ_FOREACH(in, &insts, entry) {
		for (i = 0; i < in->ci->n_track_check; i++)
			index_add(&by_check, in->ci->track_check[i], in);
		index_add(&by_if, in->ci->ifname, in);
		for (i = 0; i < in->ci->n_track_if; i++)
			index_add(&by_if, in->ci->track_if[i], in);
	}
}

/*
 * A check changed: evaluate the instances that track it (or start those
 * that waited for its first result).  During a reload the set of
 * instances is in flux; the reload evaluates everything at its end.
 */
static void
check_changed(const char *name)
{
	struct tracker *t;
	size_t i;

	if (reloading || (t = nhash_get(&by_check.h, name)) == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		if (t->v[i]->started)
			inst_eval(t->v[i]);
		else if (!ev_timer_pending(t->v[i]->t_retry))
			inst_try_start(t->v[i]);
	}
}

static struct inst *
inst_new(struct cfg_instance *ci)
{
	struct inst *in;

	in = xcalloc(1, sizeof(*in));
	in->magic = INST_MAGIC;
	in->ci = ci;
	in->ll_send.period_s = 60;
	in->ll_send.burst = 3;
	in->t_retry = ev_timer_new(retry_cb, in);
	TAILQ_INSERT_TAIL(&insts, in, entry);
	inst_try_start(in);
	return in;
}

static void
inst_stop(struct inst *in, const char *why)
{
	size_t i;

	TAILQ_REMOVE(&insts, in, entry);
	ev_timer_free(in->t_retry);
	if (in->started) {
		vrrp_shutdown(in->r, ev_now_us(), why);
		actions_detach(in);
		for (i = 0; i < VRRP_T_MAX; i++)
			ev_timer_free(in->t[i]);
		ev_timer_free(in->t_nosrc);
		net_unbind(in->sock, in->ci->vrid, in->r);
		if (in->joined)
			net_leave(in->sock);
		net_put(in->sock);
		vrrp_free(in->r);
	}
	in->magic = 0;
	free(in);
}

int
daemon_start(struct cfg *c)
{
	struct cfg_instance *ci;

	running = c;
	plug_set_global(&c->global);
	plug_set_count_hook(count_hook);
	plug_set_addr_hook(kernel_addr_present);
	if (kernel_start(kernel_changed) == -1)
		return -1;
	check_set_change_hook(check_changed);
	check_apply(c, NULL);
	reloading = 1;
	TAILQ_FOREACH(ci, &c->instances, entry)
		inst_new(ci);
	trackers_rebuild();
	reloading = 0;
	return 0;
}

void
daemon_stop(void)
{
	struct inst *in;

	reloading = 1;		/* no check result may reach a freed instance */
	while ((in = TAILQ_FIRST(&insts)) != NULL)
		inst_stop(in, "shutdown");
	trackers_free();
	check_stop_all();
	reloading = 0;
	kernel_stop();
	plug_set_global(NULL);
	cfg_free(running);
	running = NULL;
}

#define SWAP(a, b) do {						\
	__typeof__(a) swap_tmp_ = (a);					\
	(a) = (b);							\
	(b) = swap_tmp_;						\
} while (0)

/*
 * The action plugins follow an in-place update: each gets the new view
 * (same pointer), the VIPs it had, and its new keys.  The instance's
 * plugconfs of changed plugins are swapped with the new section's (which
 * the caller frees, with the old ones).
 * Returns: 0, or -1 when a plugin cannot apply the change in place.
 */
static int
actions_reconfigure(struct inst *in, struct cfg_instance *n,
    const struct fipd_addr *old_vips, size_t n_old_vips)
{
	const struct fipd_action_ops *ops;
	struct cfg_plugconf *po, *pn;
	struct fipd_reconf rc;
	size_t i;
	int rv = 0;

	/*
	 * The plugins' keys first, attached or not (an instance that has not
	 * started has no actions yet and must start with the new keys): the
	 * changed ones are swapped, so the running section holds the new
	 * and the new section, freed by the caller, the old.  Both lists
	 * name the same plugins in the same order (cfg_instance_diff()).
	 */
	for (po = TAILQ_FIRST(&in->ci->plugconfs), pn = TAILQ_FIRST(
	    &n->plugconfs); po != NULL && pn != NULL;
	    po = TAILQ_NEXT(po, entry), pn = TAILQ_NEXT(pn, entry))
		if (pconf_diff(po->pc, pn->pc) != NULL)
			SWAP(po->pc, pn->pc);
	for (i = 0; i < in->n_actions; i++) {
		ops = plug_desc(in->actions[i].plug)->action;
		po = plugconf_for(in->ci, in->actions[i].plug);
		pn = plugconf_for(n, in->actions[i].plug);
		memset(&rc, 0, sizeof(rc));
		rc.state = in->started ? vrrp_state(in->r) : FIPD_STATE_INIT;
		rc.old_vips = old_vips;
		rc.n_old_vips = n_old_vips;
		/* After the swap: n holds the old conf when it changed. */
		rc.conf = po != NULL ? po->pc->conf : NULL;
		rc.old_conf = po != NULL && pn != NULL &&
		    pconf_diff(po->pc, pn->pc) != NULL ? pn->pc->conf : rc.conf;
		if (!in->actions[i].attached || ops->reconfigure == NULL)
			continue;
		if (ops->reconfigure(&in->actions[i].ictx, &in->view, &rc) ==
		    -1) {
			log_warnx("%s: action %s cannot apply the reload in "
			    "place", in->ci->name, plug_name(in->actions[i].plug));
			rv = -1;
		}
	}
	return rv;
}

/*
 * Apply a reload's changes to a running instance in place: every key but
 * the identity keys (see cfg_instance_diff()).  Its cfg_instance stays
 * (the router and the plugins hold pointers into it): values are copied
 * from the new section and lists swapped with it (the new section, freed
 * by the caller, takes the old lists).  No transition, no priority-0
 * advert; the router, the sockets, the plugins' view and the plugins
 * (reconfigure: a MASTER adds and announces only new VIPs) follow, and the
 * next advert carries the new values.
 * Returns: 0, or -1 when an action plugin could not follow (the caller
 * restarts the instance, whose section now holds the new values).
 */
static int
inst_update(struct inst *in, struct cfg_instance *n)
{
	struct cfg_instance *ci = in->ci;
	const char *keys[32];
	char list[256] = "";
	size_t i, nk;
	int was_unicast = ci->n_peers > 0;

	nk = cfg_instance_changed(ci, n, keys, sizeof(keys) / sizeof(keys[0]));
	for (i = 0; i < nk; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i > 0 ? ", " : "", keys[i]);
	log_notice("%s: updated in place by reload (%s)", ci->name, list);
	if (ci->priority != n->priority)
		log_notice("%s: priority %d -> %d", ci->name, ci->priority,
		    n->priority);
	ci->priority = n->priority;
	ci->preempt = n->preempt;
	ci->preempt_delay_cs = n->preempt_delay_cs;
	ci->start_master = n->start_master;
	ci->garp_repeat = n->garp_repeat;
	ci->garp_refresh_cs = n->garp_refresh_cs;
	ci->advert_int_cs = n->advert_int_cs;
	memcpy(ci->auth_pass, n->auth_pass, sizeof(ci->auth_pass));
	ci->csum_tx = n->csum_tx;
	ci->strict_ttl = n->strict_ttl;
	ci->src = n->src;
	ci->src_set = n->src_set;
	/*
	 * The VIP list is swapped only when it changed (n->vips: the old
	 * list, for the actions); the view's pointer then changes, which
	 * reconfigure() tells the plugins.
	 */
	if (ci->n_vips != n->n_vips || memcmp(ci->vips, n->vips,
	    ci->n_vips * sizeof(*ci->vips)) != 0) {
		SWAP(ci->vips, n->vips);
		SWAP(ci->n_vips, n->n_vips);
	}
	SWAP(ci->peers, n->peers);
	SWAP(ci->n_peers, n->n_peers);
	SWAP(ci->track_check, n->track_check);
	SWAP(ci->n_track_check, n->n_track_check);
	SWAP(ci->track_if, n->track_if);
	SWAP(ci->n_track_if, n->n_track_if);
	in->view.priority = ci->priority;
	in->view.advert_int_cs = ci->advert_int_cs;
	in->view.garp_repeat = ci->garp_repeat;
	in->view.garp_refresh_cs = ci->garp_refresh_cs;
	in->view.vips = ci->vips;
	in->view.n_vips = ci->n_vips;
	if (!in->started)
		return actions_reconfigure(in, n, n->vips, n->n_vips);
	vrrp_update(in->r);
	/* Multicast <-> unicast: the VRRP group membership follows. */
	if (was_unicast && ci->n_peers == 0 && !in->joined) {
		net_join(in->sock);
		in->joined = 1;
	} else if (!was_unicast && ci->n_peers > 0 && in->joined) {
		net_leave(in->sock);
		in->joined = 0;
	}
	if (ci->src_set) {
		/* A configured source ends a "no address" FAULT. */
		ev_timer_cancel(in->t_nosrc);
		in->no_source = 0;
		vrrp_set_local(in->r, &ci->src);
	} else
		inst_source(in, 0);
	return actions_reconfigure(in, n, n->vips, n->n_vips);
}

int
daemon_reload(const char *path, FILE *out)
{
	struct cfg *nc;
	struct cfg_instance *ci, *nci, *next;
	struct inst *in, *tmp;
	char *errs = NULL, *line, *save = NULL;
	size_t errlen = 0;
	FILE *ef;
	int kept = 0, changed = 0, added = 0, removed = 0, soft = 0;
	uint64_t t0 = ev_now_us(), t_load, t_apply;
	struct nhash by_new = { 0 }, by_inst = { 0 }, by_old = { 0 };
	enum cfg_diff d;
	const char *what;
	struct cfg_instance **redo = NULL;
	size_t i, nredo = 0;

	if ((ef = open_memstream(&errs, &errlen)) == NULL)
		fatal("open_memstream");
	nc = cfg_load(path, ef);
	fclose(ef);
	if (nc == NULL) {
		log_warnx("reload: %s refused, the running configuration "
		    "stays in place:", path);
		if (out != NULL)
			fputs(errs, out);
		for (line = strtok_r(errs, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			log_warnx("reload: %s", line);
		free(errs);
		plug_set_global(&running->global);
		return -1;
	}
	free(errs);
	t_load = ev_now_us();
	if (strcmp(nc->global.control_socket,
	    running->global.control_socket) != 0 ||
	    strcmp(nc->global.metrics_listen,
	    running->global.metrics_listen) != 0 ||
	    strcmp(nc->global.plugin_dir, running->global.plugin_dir) != 0 ||
	    strcmp(nc->global.actions, running->global.actions) != 0)
		log_warnx("reload: control_socket, metrics_listen, plugin_dir "
		    "and actions changes take effect at the next restart");
	reloading = 1;
	check_apply(nc, running);

	/*
	 * Instances whose changes are all in keys applied in place (every
	 * key but the identity keys) are updated: no transition, the VIPs
	 * that stay stay.  Removed instances and those whose identity
	 * changed stop (changed ones restart below).
	 */
	/*
	 * Names to objects, so that matching the two configurations is
	 * linear: by_new (the new sections) for this loop, by_inst (running
	 * instances; stopped ones set to NULL) and by_old (the running
	 * sections, alive until the end) for the ones below.
	 */
	TAILQ_FOREACH(nci, &nc->instances, entry)
		nhash_put(&by_new, nci->name, nci);
	TAILQ_FOREACH(in, &insts, entry)
		nhash_put(&by_inst, in->ci->name, in);
	TAILQ_FOREACH(ci, &running->instances, entry)
		nhash_put(&by_old, ci->name, ci);
	TAILQ_FOREACH_SAFE(in, &insts, entry, tmp) {
		nci = nhash_get(&by_new, in->ci->name);
		d = nci != NULL ? cfg_instance_diff(in->ci, nci, &what) :
		    CFG_DIFF_RESTART;
		if (d == CFG_SAME)
			continue;
		if (d == CFG_DIFF_INPLACE) {
			if (inst_update(in, nci) == 0) {
				soft++;
				continue;
			}
			/*
			 * Its section holds the new values: start it anew
			 * from it, after this loop (which must not meet it).
			 */
			log_notice("%s: restarted by reload (an action could "
			    "not follow in place)", in->ci->name);
			redo = xrealloc(redo, (nredo + 1) * sizeof(*redo));
			redo[nredo++] = in->ci;
			inst_stop(in, "changed by reload");
			changed++;
			continue;
		}
		if (nci == NULL)
			removed++;
		else
			log_notice("%s: restarted by reload (%s changed)",
			    in->ci->name, what != NULL ? what :
			    "a key that needs a running instance");
		nhash_set(&by_inst, in->ci->name, NULL);
		inst_stop(in, nci == NULL ? "removed by reload" :
		    "changed by reload");
	}
	nhash_free(&by_new);	/* its keys go with the sections freed below */
	for (i = 0; i < nredo; i++)
		nhash_set(&by_inst, redo[i]->name, inst_new(redo[i]));
	free(redo);
	/*
	 * Unchanged instances keep their router and their cfg_instance
	 * (plugins may hold pointers into it): move the old one into the
	 * new config in place of its twin.
	 */
	TAILQ_FOREACH_SAFE(nci, &nc->instances, entry, next) {
		if ((in = nhash_get(&by_inst, nci->name)) == NULL)
			continue;
		ci = in->ci;
		TAILQ_REMOVE(&running->instances, ci, entry);
		TAILQ_INSERT_BEFORE(nci, ci, entry);
		TAILQ_REMOVE(&nc->instances, nci, entry);
		cfg_instance_free(nci);
		kept++;
	}
	kept -= (int)nredo;	/* counted as restarted */
	TAILQ_FOREACH(ci, &nc->instances, entry) {
		if (nhash_get(&by_inst, ci->name) != NULL)
			continue;
		if (nhash_get(&by_old, ci->name) != NULL)
			changed++;
		else
			added++;
		inst_new(ci);
	}
	nhash_free(&by_inst);
	nhash_free(&by_old);
	t_apply = ev_now_us();
	cfg_free(running);
	running = nc;
	plug_set_global(&nc->global);
	trackers_rebuild();
	reloading = 0;
	eval_all();
	/* All of it ran on the loop: adverts and timers waited that long. */
	log_notice("reload: %s applied in %llu ms (%d unchanged of which %d "
	    "updated in place, %d restarted, %d added, %d removed; read %llu "
	    "ms, applied %llu ms, freed and evaluated %llu ms)", path,
	    (unsigned long long)(ev_now_us() - t0) / 1000, kept, soft, changed,
	    added, removed, (unsigned long long)(t_load - t0) / 1000,
	    (unsigned long long)(t_apply - t_load) / 1000,
	    (unsigned long long)(ev_now_us() - t_apply) / 1000);
	return 0;
}

void
daemon_dump(void)
{
	const struct vrrp_stats *st;
	const struct fipd_addr *m;
	const uint64_t *nd = net_drops();
	char a[INET6_ADDRSTRLEN];
	struct inst *in;
	size_t i;

	TAILQ_FOREACH(in, &insts, entry) {
		if (!in->started) {
			log_notice("status %s: waiting for interface %s",
			    in->ci->name, in->ci->ifname);
			continue;
		}
		st = vrrp_stats(in->r);
		m = vrrp_master(in->r);
		log_notice("status %s: state %s priority %d/%d master %s "
		    "sent %llu rcvd %llu transitions %llu", in->ci->name,
		    vrrp_state_str(vrrp_state(in->r)), in->ci->priority,
		    vrrp_effective_priority(in->r),
		    m != NULL ? vpkt_addr_str(m, a, sizeof(a)) : "none",
		    (unsigned long long)st->adverts_sent,
		    (unsigned long long)st->adverts_rcvd,
		    (unsigned long long)st->transitions);
		log_notice("status %s: prio0 sent %llu rcvd %llu, v3 checksum "
		    "pseudo_header %llu rfc9568 %llu, interval mismatch %llu, "
		    "address mismatch %llu, yield notices %llu, lower-priority answers "
		    "rate-limited %llu", in->ci->name,
		    (unsigned long long)st->prio0_sent,
		    (unsigned long long)st->prio0_rcvd,
		    (unsigned long long)st->csum_pseudo,
		    (unsigned long long)st->csum_rfc9568,
		    (unsigned long long)st->interval_mismatch,
		    (unsigned long long)st->addr_mismatch,
		    (unsigned long long)st->yield_notices,
		    (unsigned long long)st->lower_answers_limited);
		for (i = 1; i < VPKT_DROP_MAX; i++)
			if (st->drops[i] > 0)
				log_notice("status %s: dropped %s %llu",
				    in->ci->name,
				    vpkt_drop_str((enum vpkt_drop)i),
				    (unsigned long long)st->drops[i]);
		for (i = 0; i < in->n_counters; i++)
			log_notice("status %s: %s %llu", in->ci->name,
			    in->counters[i].name,
			    (unsigned long long)in->counters[i].value);
	}
	for (i = 1; i < VPKT_DROP_MAX; i++)
		if (nd[i] > 0)
			log_notice("status: dropped before demux %s %llu",
			    vpkt_drop_str((enum vpkt_drop)i),
			    (unsigned long long)nd[i]);
}

const struct cfg *
daemon_cfg(void)
{
	return running;
}

void
daemon_foreach(daemon_status_cb *cb, void *arg)
{
	struct daemon_inst_status st;
	struct daemon_counter ctr[INST_MAX_COUNTERS];
	struct inst *in;
	size_t i;

	TAILQ_FOREACH(in, &insts, entry) {
		memset(&st, 0, sizeof(st));
		st.ci = in->ci;
		st.name = in->ci->name;
		st.priority = in->ci->priority;
		st.effective_priority = in->ci->priority;
		st.vrid = in->ci->vrid;
		st.version = in->ci->version;
		st.ifname = in->ci->ifname;
		st.vips = in->ci->vips;
		st.n_vips = in->ci->n_vips;
		st.last_reason = in->last_reason;
		st.last_change_us = in->last_change_us;
		st.state_id = FIPD_STATE_INIT;
		if (in->started) {
			st.state_id = vrrp_state(in->r);
			st.effective_priority =
			    vrrp_effective_priority(in->r);
			st.master = vrrp_master(in->r);
			st.stats = vrrp_stats(in->r);
		}
		st.state = vrrp_state_str(st.state_id);
		for (i = 0; i < in->n_counters; i++) {
			ctr[i].name = in->counters[i].name;
			ctr[i].value = in->counters[i].value;
		}
		st.counters = ctr;
		st.n_counters = in->n_counters;
		cb(&st, arg);
	}
}
