/*
 * VRRP virtual router state machine (RFC 9568 section 6, RFC 3768 section
 * 6).  Pure: no sockets, no clock of its own.  Time comes in as now_us,
 * packets come in decoded, and everything the router wants done (send an
 * advertisement, arm a timer, run the actions of a transition) goes out
 * through struct vrrp_ops.  This keeps every rule of CONFORMANCE.md
 * testable on a fake clock.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fipd.h"

#define VRRP_PEERS_TRACKED 16	/* unicast peers whose last advert is kept */
#define VRRP_STRANGERS 8	/* unknown sources remembered (logged once) */

struct vrrp_router {
	/*
	 * The instance's configuration, owned by the caller and alive as long
	 * as the router (the daemon keeps an instance's cfg_instance across
	 * reloads and changes its soft keys in place, then vrrp_update()).
	 */
	const struct cfg_instance *cfg;
	struct fipd_addr local;		/* advert source, tie-break */
	struct fipd_addr master;	/* who we believe is MASTER */
	int master_known;
	enum fipd_state state;
	unsigned int active_adver_cs;	/* v3: learned from the MASTER */
	int prio_delta;
	int fault;
	uint64_t preempt_pending_since;	/* preempt_delay bookkeeping */
	int yield_left;			/* yield notices still to send */
	int yield_to_prio;		/* priority of the router we yielded to */
	uint64_t last_lower_answer_us;	/* rate limit of 6.4.3 answers */
	const struct vrrp_ops *ops;
	void *arg;
	struct vrrp_stats st;
	struct log_limit ll_drop;
	struct log_limit ll_info;
	/*
	 * Unicast: when each configured peer was last heard (the first
	 * VRRP_PEERS_TRACKED of them), and the sources already reported as
	 * "not a unicast_peer" (logged once each: a renumbered peer).
	 */
	uint64_t peer_heard_us[VRRP_PEERS_TRACKED];
	struct fipd_addr strangers[VRRP_STRANGERS];
	size_t n_strangers;
};

static uint64_t vrrp_seq;

static const char *const state_names[] = {
	[FIPD_STATE_INIT] = "INIT",
	[FIPD_STATE_BACKUP] = "BACKUP",
	[FIPD_STATE_MASTER] = "MASTER",
	[FIPD_STATE_FAULT] = "FAULT",
	[FIPD_STATE_STOP] = "STOP",
};

static void change_state(struct vrrp_router *, enum fipd_state,
    const char *);
static void become_master(struct vrrp_router *, const char *);
static void become_backup(struct vrrp_router *, uint64_t, const char *);
static void send_advert(struct vrrp_router *, int);
static void arm(struct vrrp_router *, enum vrrp_timer_id, int64_t);

const char *
vrrp_state_str(enum fipd_state s)
{
	if ((unsigned int)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "UNKNOWN";
	return state_names[s];
}

uint64_t
vrrp_calc_skew_us(int version, int priority, unsigned int adver_cs)
{
	if (version == 2)
		/* RFC 3768 6.1: ((256 - Priority) / 256) seconds. */
		return (uint64_t)(256 - priority) * 1000000 / 256;
	/*
	 * RFC 9568 6.1: ((256 - Priority) * Active_Adver_Interval) / 256,
	 * in centiseconds, integer arithmetic.
	 */
	return (uint64_t)((256 - priority) * adver_cs / 256) * 10000;
}

uint64_t
vrrp_calc_mdown_us(int version, int priority, unsigned int adver_cs)
{
	/* RFC 9568 6.1 / RFC 3768 6.1: 3 * interval + Skew_Time. */
	return 3 * (uint64_t)adver_cs * 10000 +
	    vrrp_calc_skew_us(version, priority, adver_cs);
}

struct vrrp_router *
vrrp_new(const struct cfg_instance *ci, const struct fipd_addr *local,
    const struct vrrp_ops *ops, void *arg)
{
	struct vrrp_router *r;

	r = xcalloc(1, sizeof(*r));
	r->cfg = ci;
	if (local != NULL)
		r->local = *local;
	r->state = FIPD_STATE_INIT;
	r->active_adver_cs = ci->advert_int_cs;
	r->ops = ops;
	r->arg = arg;
	r->ll_drop.period_s = 10;
	r->ll_drop.burst = 5;
	r->ll_info.period_s = 60;
	r->ll_info.burst = 3;
	return r;
}

void
vrrp_free(struct vrrp_router *r)
{
	free(r);
}

enum fipd_state
vrrp_state(const struct vrrp_router *r)
{
	return r->state;
}

const char *
vrrp_name(const struct vrrp_router *r)
{
	return r->cfg->name;
}

const struct cfg_instance *
vrrp_cfg(const struct vrrp_router *r)
{
	return r->cfg;
}

int
vrrp_effective_priority(const struct vrrp_router *r)
{
	int p;

	/*
	 * The address owner keeps 255 whatever its checks say: ownership is
	 * a property of the addresses, not of health.  A failing check with
	 * weight 0 still takes it to FAULT.
	 */
	if (r->cfg->priority == 255)
		return 255;
	p = r->cfg->priority + r->prio_delta;
	if (p < 1)
		p = 1;
	if (p > 254)
		p = 254;
	return p;
}

const struct fipd_addr *
vrrp_local(const struct vrrp_router *r)
{
	return &r->local;
}

void
vrrp_set_local(struct vrrp_router *r, const struct fipd_addr *local)
{
	r->local = *local;
}

const struct fipd_addr *
vrrp_master(const struct vrrp_router *r)
{
	if (r->state == FIPD_STATE_MASTER)
		return &r->local;
	return r->master_known ? &r->master : NULL;
}

const struct vrrp_stats *
vrrp_stats(const struct vrrp_router *r)
{
	return &r->st;
}

void
vrrp_update(struct vrrp_router *r)
{
	r->preempt_pending_since = 0;
	/* unicast_peer may have changed: positions mean other peers now. */
	memset(r->peer_heard_us, 0, sizeof(r->peer_heard_us));
	r->n_strangers = 0;
	/* A MASTER advertises its (new) interval; v3 backups learn anew. */
	if (r->state == FIPD_STATE_MASTER)
		r->active_adver_cs = r->cfg->advert_int_cs;
}

void
vrrp_count_drop(struct vrrp_router *r, enum vpkt_drop why)
{
	if (why > VPKT_OK && why < VPKT_DROP_MAX)
		r->st.drops[why]++;
}

static unsigned int
adver_cs(const struct vrrp_router *r)
{
	/* v2 has no learning: always the local interval (RFC 3768 6.1). */
	return r->cfg->version == 3 ? r->active_adver_cs : r->cfg->advert_int_cs;
}

uint64_t
vrrp_skew_us(const struct vrrp_router *r)
{
	return vrrp_calc_skew_us(r->cfg->version, vrrp_effective_priority(r),
	    adver_cs(r));
}

uint64_t
vrrp_master_down_us(const struct vrrp_router *r)
{
	return vrrp_calc_mdown_us(r->cfg->version, vrrp_effective_priority(r),
	    adver_cs(r));
}

void
vrrp_advert_params(const struct vrrp_router *r, int priority,
    const struct fipd_addr *dst, struct vpkt_params *p)
{
	memset(p, 0, sizeof(*p));
	p->version = (uint8_t)r->cfg->version;
	p->vrid = r->cfg->vrid;
	p->priority = (uint8_t)priority;
	p->adver_cs = (uint16_t)r->cfg->advert_int_cs;
	p->family = r->cfg->family;
	p->addrs = r->cfg->vips;
	p->naddrs = r->cfg->n_vips;
	if (r->cfg->version == 2 && r->cfg->auth_pass[0] != '\0') {
		p->auth_type = VPKT_AUTH_PASS;
		memcpy(p->auth_pass, r->cfg->auth_pass,
		    strnlen(r->cfg->auth_pass, VPKT_AUTH_LEN));
	}
	p->csum_form = r->cfg->csum_tx;
	p->src = &r->local;
	p->dst = dst;
}

static void
arm(struct vrrp_router *r, enum vrrp_timer_id t, int64_t delay_us)
{
	r->ops->timer(r, r->arg, t, delay_us);
}

static void
send_advert(struct vrrp_router *r, int priority)
{
	r->ops->send(r, r->arg, priority);
	r->st.adverts_sent++;
	if (priority == 0)
		r->st.prio0_sent++;
}

/*
 * The one place a state changes: log exactly one line (tools parse it),
 * count, then let the actions run.
 */
static void
change_state(struct vrrp_router *r, enum fipd_state to, const char *reason)
{
	struct fipd_transition t;

	if (r->state == to)
		return;
	t.from = r->state;
	t.to = to;
	t.priority = to == FIPD_STATE_STOP || to == FIPD_STATE_FAULT ?
	    0 : vrrp_effective_priority(r);
	t.reason = reason;
	t.seq = ++vrrp_seq;
	r->state = to;
	r->st.transitions++;
	if (to == FIPD_STATE_MASTER)
		r->st.became_master++;
	log_notice("%s: %s -> %s (%s)", r->cfg->name, vrrp_state_str(t.from),
	    vrrp_state_str(to), reason);
	r->ops->state(r, r->arg, &t);
}

/* RFC 9568 6.4.1 / 6.4.2: send an advert, arm Adver_Timer, -> Active. */
static void
become_master(struct vrrp_router *r, const char *reason)
{
	arm(r, VRRP_T_MDOWN, -1);
	r->preempt_pending_since = 0;
	r->yield_left = 0;
	send_advert(r, vrrp_effective_priority(r));
	arm(r, VRRP_T_ADVER, (int64_t)r->cfg->advert_int_cs * 10000);
	change_state(r, FIPD_STATE_MASTER, reason);
}

/* RFC 9568 6.4.1: Active_Down_Timer = Active_Down_Interval, -> Backup. */
static void
become_backup(struct vrrp_router *r, uint64_t mdown_us, const char *reason)
{
	arm(r, VRRP_T_ADVER, -1);
	arm(r, VRRP_T_MDOWN, (int64_t)mdown_us);
	change_state(r, FIPD_STATE_BACKUP, reason);
}

void
vrrp_startup(struct vrrp_router *r, uint64_t now_us)
{
	if (r->state != FIPD_STATE_INIT && r->state != FIPD_STATE_STOP)
		return;
	r->state = FIPD_STATE_INIT;
	r->active_adver_cs = r->cfg->advert_int_cs;
	r->master_known = 0;
	if (r->fault) {
		change_state(r, FIPD_STATE_FAULT, "startup with fault");
		return;
	}
	if (vrrp_effective_priority(r) == 255)
		become_master(r, "address owner, priority 255");
	else if (r->cfg->start_master)
		/*
		 * keepalived compatible: `state = MASTER` claims the VIPs at
		 * once; the election corrects it within one advert if a
		 * better router is there.
		 */
		become_master(r, "startup, state MASTER");
	else
		become_backup(r, vrrp_master_down_us(r), "startup");
}

void
vrrp_shutdown(struct vrrp_router *r, uint64_t now_us, const char *why)
{
	r->yield_left = 0;
	arm(r, VRRP_T_ADVER, -1);
	arm(r, VRRP_T_MDOWN, -1);
	if (r->state == FIPD_STATE_MASTER) {
		/*
		 * RFC 9568 6.4.3: send priority 0 so a Backup takes over after
		 * Skew_Time.  Twice: one lost packet must not cost a whole
		 * Master_Down_Interval.
		 */
		send_advert(r, 0);
		send_advert(r, 0);
	}
	change_state(r, FIPD_STATE_STOP, why != NULL ? why : "shutdown");
}

void
vrrp_timer_expired(struct vrrp_router *r, uint64_t now_us,
    enum vrrp_timer_id t)
{
	switch (t) {
	case VRRP_T_ADVER:
		if (r->state == FIPD_STATE_BACKUP && r->yield_left > 0) {
			/*
			 * Repeat the yield notice (see rx_master), unless our
			 * priority rose meanwhile to the Master's or above (a
			 * check came back): a notice would then make the
			 * Master yield while we are still Backup, and nobody
			 * would hold the addresses until our Master_Down_Timer
			 * ran out.  Preemption takes its normal course.
			 */
			if (vrrp_effective_priority(r) >= r->yield_to_prio) {
				r->yield_left = 0;
				return;
			}
			send_advert(r, vrrp_effective_priority(r));
			r->st.yield_notices++;
			if (--r->yield_left > 0)
				arm(r, VRRP_T_ADVER,
				    (int64_t)r->cfg->advert_int_cs * 10000);
			return;
		}
		if (r->state != FIPD_STATE_MASTER)
			return;
		/* RFC 9568 6.4.3: send an ADVERTISEMENT, reset Adver_Timer. */
		send_advert(r, vrrp_effective_priority(r));
		arm(r, VRRP_T_ADVER, (int64_t)r->cfg->advert_int_cs * 10000);
		break;
	case VRRP_T_MDOWN:
		if (r->state != FIPD_STATE_BACKUP)
			return;
		become_master(r, "master down");
		break;
	default:
		fatalx("%s: unknown timer %d", __func__, (int)t);
	}
}

static int
addr_in(const struct fipd_addr *a, const struct fipd_addr *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].family == a->family && vpkt_addr_cmp(a,
		    &list[i]) == 0)
			return 1;
	return 0;
}

/* Do the packet's addresses equal the configured VIPs (as sets)? */
static int
addrs_match(const struct vrrp_router *r, const struct vpkt *p)
{
	size_t alen = p->family == AF_INET ? 4 : 16;
	struct fipd_addr a;
	size_t i;

	if (p->naddrs != r->cfg->n_vips)
		return 0;
	for (i = 0; i < p->naddrs; i++) {
		memset(&a, 0, sizeof(a));
		a.family = p->family;
		memcpy(a.u.raw, p->addrs + i * alen, alen);
		if (!addr_in(&a, r->cfg->vips, r->cfg->n_vips))
			return 0;
	}
	return 1;
}

static int
drop(struct vrrp_router *r, uint64_t now_us, const struct fipd_addr *src,
    enum vpkt_drop why, enum vpkt_drop *out, const char *detail)
{
	char buf[INET6_ADDRSTRLEN];

	r->st.drops[why]++;
	*out = why;
	/* RFC 9568 7.1: MUST discard, SHOULD log (rate-limited here). */
	if (log_limit_ok(&r->ll_drop, now_us))
		log_warnx("%s: dropped advert from %s: %s%s%s", r->cfg->name,
		    vpkt_addr_str(src, buf, sizeof(buf)), vpkt_drop_str(why),
		    detail != NULL ? ", " : "", detail != NULL ? detail : "");
	return -1;
}

/*
 * An advert for our VRID from an address that is not a unicast_peer: most
 * often a peer that was renumbered while our unicast_peer still names its
 * old address (left alone, both sides end up MASTER).  Say so once per
 * source, naming the configured peers not heard for three intervals: the
 * entries that are probably stale.  The drop itself is counted as usual.
 */
static void
stranger(struct vrrp_router *r, uint64_t now_us, const struct vpkt *p,
    const struct fipd_addr *src)
{
	char a[INET6_ADDRSTRLEN], list[256] = "";
	uint64_t quiet_us = 3ULL * r->cfg->advert_int_cs * 10000;
	size_t i, n = 0;
	int len;

	if (addr_in(src, r->strangers, r->n_strangers))
		return;
	if (r->n_strangers < VRRP_STRANGERS)
		r->strangers[r->n_strangers++] = *src;
	else {
		memmove(&r->strangers[0], &r->strangers[1],
		    (VRRP_STRANGERS - 1) * sizeof(r->strangers[0]));
		r->strangers[VRRP_STRANGERS - 1] = *src;
	}
	for (i = 0; i < r->cfg->n_peers; i++) {
		if (i < VRRP_PEERS_TRACKED && r->peer_heard_us[i] != 0 &&
		    now_us - r->peer_heard_us[i] < quiet_us)
			continue;
		len = snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", n++ > 0 ? ", " : "",
		    vpkt_addr_str(&r->cfg->peers[i], a, sizeof(a)));
		if (len < 0 || strlen(list) >= sizeof(list) - 1)
			break;
	}
	/* Once per source, and rotating sources cannot flood the log. */
	if (!log_limit_ok(&r->ll_info, now_us))
		return;
	log_warnx("%s: advert for VRID %u (priority %u) from %s, which is not "
	    "a unicast_peer: a renumbered peer?  %s%s", r->cfg->name,
	    p->vrid, p->priority, vpkt_addr_str(src, a, sizeof(a)),
	    n > 0 ? "unicast_peer entries not heard lately (stale?): " :
	    "every unicast_peer is heard", list);
}

/* A configured unicast peer was heard (for stranger()). */
static void
peer_heard(struct vrrp_router *r, uint64_t now_us,
    const struct fipd_addr *src)
{
	size_t i;

	for (i = 0; i < r->cfg->n_peers && i < VRRP_PEERS_TRACKED; i++)
		if (r->cfg->peers[i].family == src->family &&
		    vpkt_addr_cmp(&r->cfg->peers[i], src) == 0) {
			r->peer_heard_us[i] = now_us ? now_us : 1;
			return;
		}
}

int
vrrp_rx_check(struct vrrp_router *r, uint64_t now_us, const struct vpkt *p,
    const struct fipd_addr *src, int ttl, enum vpkt_drop *why)
{
	char detail[96];

	if (p->version != r->cfg->version)
		return drop(r, now_us, src, VPKT_DROP_VERSION, why, NULL);
	if (p->family != r->cfg->family)
		return drop(r, now_us, src, VPKT_DROP_FAMILY, why, NULL);
	if (r->local.family == src->family &&
	    vpkt_addr_cmp(src, &r->local) == 0)
		return drop(r, now_us, src, VPKT_DROP_OWN, why, NULL);
	/*
	 * RFC 9568 7.1: TTL must be 255.  Unicast peers behind a router may
	 * be allowed a lower TTL (strict_ttl = no); multicast never.
	 */
	if (ttl != VPKT_TTL && (r->cfg->strict_ttl || r->cfg->n_peers == 0)) {
		snprintf(detail, sizeof(detail), "ttl %d", ttl);
		return drop(r, now_us, src, VPKT_DROP_TTL, why, detail);
	}
	/* Unicast mode (not in the RFCs): only configured peers. */
	if (r->cfg->n_peers > 0 &&
	    !addr_in(src, r->cfg->peers, r->cfg->n_peers)) {
		stranger(r, now_us, p, src);
		return drop(r, now_us, src, VPKT_DROP_PEER, why, NULL);
	}
	/* RFC 9568 7.1 / RFC 3768 7.1: the owner discards adverts. */
	if (vrrp_effective_priority(r) == 255) {
		if (p->priority == 255) {
			r->st.owner_conflict++;
			if (log_limit_ok(&r->ll_info, now_us))
				log_warnx("%s: another router claims to own "
				    "the addresses (priority 255)",
				    r->cfg->name);
		}
		return drop(r, now_us, src, VPKT_DROP_OWNER, why, NULL);
	}
	if (p->version == 2) {
		int want = r->cfg->auth_pass[0] != '\0' ? VPKT_AUTH_PASS :
		    VPKT_AUTH_NONE;
		char pass[VPKT_AUTH_LEN];

		/* RFC 3768 7.1: auth type must match the configured one. */
		if (p->auth_type != want) {
			snprintf(detail, sizeof(detail), "type %u, want %d",
			    p->auth_type, want);
			return drop(r, now_us, src, VPKT_DROP_AUTH_TYPE, why,
			    detail);
		}
		if (want == VPKT_AUTH_PASS) {
			memset(pass, 0, sizeof(pass));
			memcpy(pass, r->cfg->auth_pass,
			    strnlen(r->cfg->auth_pass, VPKT_AUTH_LEN));
			if (memcmp(pass, p->auth_data, VPKT_AUTH_LEN) != 0)
				return drop(r, now_us, src, VPKT_DROP_AUTH,
				    why, NULL);
		}
		/* RFC 3768 7.1: Adver Int must match, MUST discard. */
		if (p->adver_cs != r->cfg->advert_int_cs) {
			snprintf(detail, sizeof(detail), "%u s, want %u s",
			    p->adver_cs / 100, r->cfg->advert_int_cs / 100);
			return drop(r, now_us, src, VPKT_DROP_INTERVAL, why,
			    detail);
		}
		/* RFC 3768 7.1: address mismatch, sender not owner: drop. */
		if (!addrs_match(r, p) && p->priority != 255)
			return drop(r, now_us, src, VPKT_DROP_ADDRS, why,
			    NULL);
	} else {
		/* RFC 9568 7.1: interval mismatch SHOULD log, MUST NOT drop. */
		if (p->adver_cs != r->cfg->advert_int_cs) {
			r->st.interval_mismatch++;
			if (log_limit_ok(&r->ll_info, now_us))
				log_info("%s: advert interval %u cs from "
				    "peer differs from ours (%u cs)",
				    r->cfg->name, p->adver_cs,
				    r->cfg->advert_int_cs);
		}
		if (!addrs_match(r, p)) {
			r->st.addr_mismatch++;
			if (log_limit_ok(&r->ll_info, now_us))
				log_info("%s: address list in advert differs "
				    "from ours", r->cfg->name);
		}
	}
	*why = VPKT_OK;
	return 0;
}

static void
rx_backup(struct vrrp_router *r, uint64_t now_us, const struct vpkt *p,
    const struct fipd_addr *src)
{
	int local = vrrp_effective_priority(r);
	int preempt = r->cfg->preempt || local == 255;

	if (p->priority == 0) {
		/* RFC 9568 6.4.2: Active_Down_Timer = Skew_Time. */
		r->master_known = 0;
		arm(r, VRRP_T_MDOWN, (int64_t)vrrp_skew_us(r));
		return;
	}
	if (!preempt || p->priority >= local) {
		/* RFC 9568 6.4.2: learn the interval, reset the timer. */
		if (r->cfg->version == 3 && p->adver_cs > 0)
			r->active_adver_cs = p->adver_cs;
		r->master = *src;
		r->master_known = 1;
		r->preempt_pending_since = 0;
		arm(r, VRRP_T_MDOWN, (int64_t)vrrp_master_down_us(r));
		return;
	}
	/*
	 * Preempt: discard, so Active_Down_Timer runs out.  preempt_delay
	 * (keepalived's extension, never for the owner) keeps the lower
	 * MASTER for that long first.
	 */
	if (r->cfg->preempt_delay_cs > 0 && local != 255) {
		uint64_t delay = (uint64_t)r->cfg->preempt_delay_cs * 10000;

		if (r->preempt_pending_since == 0)
			r->preempt_pending_since = now_us ? now_us : 1;
		if (now_us - r->preempt_pending_since < delay) {
			r->master = *src;
			r->master_known = 1;
			arm(r, VRRP_T_MDOWN,
			    (int64_t)vrrp_master_down_us(r));
		}
	}
}

static void
rx_master(struct vrrp_router *r, uint64_t now_us, const struct vpkt *p,
    const struct fipd_addr *src)
{
	int local = vrrp_effective_priority(r);
	char buf[INET6_ADDRSTRLEN], reason[128];

	if (p->priority == 0) {
		/* RFC 9568 6.4.3: send an ADVERTISEMENT, reset Adver_Timer. */
		send_advert(r, local);
		arm(r, VRRP_T_ADVER, (int64_t)r->cfg->advert_int_cs * 10000);
		return;
	}
	if (p->priority > local ||
	    (p->priority == local && vpkt_addr_cmp(src, &r->local) > 0)) {
		/* RFC 9568 6.4.3: yield; Preempt_Mode is not considered. */
		if (r->cfg->version == 3 && p->adver_cs > 0)
			r->active_adver_cs = p->adver_cs;
		r->master = *src;
		r->master_known = 1;
		if (p->priority == local && log_limit_ok(&r->ll_info, now_us))
			log_warnx("%s: equal priority %d from %s, higher "
			    "address wins", r->cfg->name, local,
			    vpkt_addr_str(src, buf, sizeof(buf)));
		snprintf(reason, sizeof(reason),
		    "higher priority advert from %s, priority %d",
		    vpkt_addr_str(src, buf, sizeof(buf)), p->priority);
		become_backup(r, vrrp_master_down_us(r), reason);
		/*
		 * Extension (not in the RFCs): adverts with our priority right
		 * after yielding, and one and two advert intervals later (a
		 * partition may heal one direction at a time, and one packet
		 * may be lost).  After a partition heals, the winner may never
		 * have heard us, while the clients' ARP caches still point at
		 * us (our GARPs came last).  Our lower priority makes the
		 * winner re-advertise and re-GARP (RFC 9568 6.4.3 and
		 * FIPD_EV_RX_LOWER_PRIO); a Backup treats it like any lower
		 * advert, and the winner's immediate answer corrects it.  The
		 * Adver_Timer is idle in Backup, so it paces the repeats.
		 */
		send_advert(r, local);
		r->st.yield_notices++;
		r->yield_left = 2;
		r->yield_to_prio = p->priority;
		arm(r, VRRP_T_ADVER, (int64_t)r->cfg->advert_int_cs * 10000);
		return;
	}
	/*
	 * RFC 9568 6.4.3 (new since RFC 5798): discard and send an
	 * ADVERTISEMENT immediately, so the other router yields at once.
	 * At most one such answer (and one re-assert event for the
	 * actions) per quarter advert interval: a flood of lower-priority
	 * adverts must not be reflected as a flood of adverts and GARPs.
	 */
	if (r->last_lower_answer_us != 0 && now_us - r->last_lower_answer_us <
	    (uint64_t)r->cfg->advert_int_cs * 10000 / 4) {
		r->st.lower_answers_limited++;
		return;
	}
	r->last_lower_answer_us = now_us ? now_us : 1;
	send_advert(r, local);
	r->ops->event(r, r->arg, FIPD_EV_RX_LOWER_PRIO);
}

void
vrrp_rx(struct vrrp_router *r, uint64_t now_us, const struct vpkt *p,
    const struct fipd_addr *src)
{
	r->st.adverts_rcvd++;
	if (r->cfg->n_peers > 0)
		peer_heard(r, now_us, src);
	if (p->priority == 0)
		r->st.prio0_rcvd++;
	if (p->version == 3 && p->family == AF_INET) {
		if (p->csum_form == VPKT_CSUM_PSEUDO)
			r->st.csum_pseudo++;
		else
			r->st.csum_rfc9568++;
	}
	switch (r->state) {
	case FIPD_STATE_BACKUP:
		rx_backup(r, now_us, p, src);
		break;
	case FIPD_STATE_MASTER:
		rx_master(r, now_us, p, src);
		break;
	default:
		/* RFC 9568 6.4.1: nothing is processed in Initialize. */
		if (p->priority > 0) {
			r->master = *src;
			r->master_known = 1;
		}
		break;
	}
}

void
vrrp_set_fault(struct vrrp_router *r, uint64_t now_us, int fault,
    const char *reason)
{
	if (!fault == !r->fault)
		return;
	r->fault = fault;
	r->yield_left = 0;
	if (r->state == FIPD_STATE_INIT || r->state == FIPD_STATE_STOP)
		return;
	if (fault) {
		arm(r, VRRP_T_MDOWN, -1);
		arm(r, VRRP_T_ADVER, -1);
		if (r->state == FIPD_STATE_MASTER) {
			/* As on shutdown: hand over after Skew_Time. */
			send_advert(r, 0);
			send_advert(r, 0);
		}
		change_state(r, FIPD_STATE_FAULT, reason);
		return;
	}
	r->active_adver_cs = r->cfg->advert_int_cs;
	if (vrrp_effective_priority(r) == 255)
		become_master(r, reason);
	else
		become_backup(r, vrrp_master_down_us(r), reason);
}

void
vrrp_set_prio_delta(struct vrrp_router *r, uint64_t now_us, int delta)
{
	r->prio_delta = delta;
}
