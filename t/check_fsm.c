/*
 * The VRRP state machine on a fake clock (CONFORMANCE.md 39-68).  The
 * ops record what the router asks for; advance() moves time and fires
 * the timers that are due, in deadline order.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_fipd.h"
#include "fipd.h"

#define MAXREC 256

struct fake {
	uint64_t now;
	int64_t deadline[VRRP_T_MAX];	/* absolute us, -1 = not armed */
	int sent[MAXREC];		/* priorities sent */
	uint64_t sent_at[MAXREC];
	int nsent;
	struct fipd_transition tr[MAXREC];
	int ntr;
	int events[MAXREC];
	int nev;
};

static struct fake F;

static void
f_send(struct vrrp_router *r, void *arg, int prio)
{
	ck_assert_int_lt(F.nsent, MAXREC);
	F.sent_at[F.nsent] = F.now;
	F.sent[F.nsent++] = prio;
}

static void
f_timer(struct vrrp_router *r, void *arg, enum vrrp_timer_id t, int64_t d)
{
	F.deadline[t] = d < 0 ? -1 : (int64_t)F.now + d;
}

static void
f_state(struct vrrp_router *r, void *arg, const struct fipd_transition *t)
{
	ck_assert_int_lt(F.ntr, MAXREC);
	F.tr[F.ntr++] = *t;
}

static void
f_event(struct vrrp_router *r, void *arg, enum fipd_event ev)
{
	F.events[F.nev++] = (int)ev;
}

static const struct vrrp_ops fops = {
	.send = f_send, .timer = f_timer, .state = f_state, .event = f_event,
};

/* Move the clock by us, firing due timers in order. */
static void
advance(struct vrrp_router *r, uint64_t us)
{
	uint64_t end = F.now + us;
	int i, best, guard = 0;

	for (;;) {
		best = -1;
		for (i = 0; i < VRRP_T_MAX; i++)
			if (F.deadline[i] >= 0 &&
			    (uint64_t)F.deadline[i] <= end &&
			    (best == -1 || F.deadline[i] < F.deadline[best]))
				best = i;
		if (best == -1)
			break;
		ck_assert_int_lt(++guard, 100000);
		F.now = (uint64_t)F.deadline[best];
		F.deadline[best] = -1;
		vrrp_timer_expired(r, F.now, (enum vrrp_timer_id)best);
	}
	F.now = end;
}

static struct fipd_addr
A(const char *s)
{
	struct fipd_addr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.prefixlen = 32;
	ck_assert_int_eq(inet_pton(AF_INET, s, &a.u.v4), 1);
	return a;
}

static struct cfg_instance CI;
static struct fipd_addr CI_vips[4], CI_peers[4];	/* CI's arrays */
static uint8_t vipbytes[4];

static void
base_cfg(int version, int prio)
{
	memset(&CI, 0, sizeof(CI));
	memset(CI_vips, 0, sizeof(CI_vips));
	memset(CI_peers, 0, sizeof(CI_peers));
	CI.vips = CI_vips;
	CI.peers = CI_peers;
	TAILQ_INIT(&CI.plugconfs);
	strcpy(CI.name, "VI_1");
	strcpy(CI.ifname, "eth0");
	CI.vrid = 50;
	CI.priority = prio;
	CI.version = version;
	CI.advert_int_cs = 100;
	CI.family = AF_INET;
	CI.vips[0] = A("192.0.2.100");
	CI.n_vips = 1;
	CI.preempt = 1;
	CI.strict_ttl = 1;
	memcpy(vipbytes, &CI.vips[0].u.v4, 4);
	memset(&F, 0, sizeof(F));
	F.now = 1000000;
	F.deadline[0] = F.deadline[1] = -1;
}

static struct vrrp_router *
mk(void)
{
	struct fipd_addr local = A("192.0.2.5");

	return vrrp_new(&CI, &local, &fops, NULL);
}

static struct vpkt
P(int prio, unsigned int adver_cs)
{
	struct vpkt p;

	memset(&p, 0, sizeof(p));
	p.version = (uint8_t)CI.version;
	p.type = 1;
	p.vrid = CI.vrid;
	p.priority = (uint8_t)prio;
	p.naddrs = 1;
	p.family = AF_INET;
	p.adver_cs = (uint16_t)adver_cs;
	p.addrs = vipbytes;
	return p;
}

static void
rx(struct vrrp_router *r, int prio, const char *src)
{
	struct vpkt p = P(prio, CI.advert_int_cs);
	struct fipd_addr s = A(src);
	enum vpkt_drop why;

	ck_assert_int_eq(vrrp_rx_check(r, F.now, &p, &s, 255, &why), 0);
	vrrp_rx(r, F.now, &p, &s);
}

/* 39: v3 Skew_Time in integer centiseconds. */
START_TEST(conf_039_skew_time_v3)
{
	ck_assert_uint_eq(vrrp_calc_skew_us(3, 200, 100), 210000);
	ck_assert_uint_eq(vrrp_calc_skew_us(3, 254, 100), 0);
	ck_assert_uint_eq(vrrp_calc_skew_us(3, 100, 100), 600000);
	ck_assert_uint_eq(vrrp_calc_skew_us(3, 1, 100), 990000);
}
END_TEST

/* 40: Active_Down_Interval, no 16-bit overflow at 4095 cs. */
START_TEST(conf_040_active_down_interval)
{
	ck_assert_uint_eq(vrrp_calc_mdown_us(3, 200, 100), 3210000);
	ck_assert_uint_eq(vrrp_calc_mdown_us(3, 100, 100), 3600000);
	ck_assert_uint_eq(vrrp_calc_mdown_us(3, 100, 4095), 147800000);
	ck_assert_uint_eq(vrrp_calc_mdown_us(3, 50, 10), 380000);
}
END_TEST

/* 42/43: v2 Skew_Time is (256 - prio)/256 s, from the local interval. */
START_TEST(conf_042_v2_timers)
{
	ck_assert_uint_eq(vrrp_calc_skew_us(2, 100, 100), 609375);
	ck_assert_uint_eq(vrrp_calc_mdown_us(2, 100, 100), 3609375);
	/* The wiki's BACKUP: priority 50, 1 s -> 3.8047 s. */
	ck_assert_uint_eq(vrrp_calc_mdown_us(2, 50, 100), 3804687);
	ck_assert_uint_eq(vrrp_calc_skew_us(2, 100, 300), 609375);
}
END_TEST

/* 46: priority < 255 starts in Backup, sends nothing, arms MDI. */
START_TEST(conf_046_startup_backup_sends_nothing)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	r = mk();
	vrrp_startup(r, F.now);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	ck_assert_int_eq(F.nsent, 0);
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN], (int64_t)F.now + 3600000);
	ck_assert_int_eq(F.deadline[VRRP_T_ADVER], -1);
	ck_assert_int_eq(F.ntr, 1);
	ck_assert_int_eq(F.tr[0].from, FIPD_STATE_INIT);
	ck_assert_int_eq(F.tr[0].to, FIPD_STATE_BACKUP);
	vrrp_free(r);
}
END_TEST

/* 45: the owner advertises at once and becomes Active. */
START_TEST(conf_045_owner_startup_becomes_master)
{
	struct vrrp_router *r;

	base_cfg(3, 255);
	r = mk();
	vrrp_startup(r, F.now);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	ck_assert_int_eq(F.nsent, 1);
	ck_assert_int_eq(F.sent[0], 255);
	ck_assert_int_eq(F.deadline[VRRP_T_ADVER], (int64_t)F.now + 1000000);
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN], -1);
	vrrp_free(r);
}
END_TEST

/* state = MASTER (keepalived compatible) claims at once. */
START_TEST(fsm_state_master_hint)
{
	struct vrrp_router *r;

	base_cfg(2, 100);
	CI.start_master = 1;
	r = mk();
	vrrp_startup(r, F.now);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	ck_assert_int_eq(F.nsent, 1);
	/* A better router answers: yield within one advert. */
	rx(r, 150, "192.0.2.9");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	vrrp_free(r);
}
END_TEST

/* 47: adverts before Startup change nothing. */
START_TEST(conf_047_init_ignores_adverts)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	r = mk();
	rx(r, 200, "192.0.2.9");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_INIT);
	ck_assert_int_eq(F.nsent, 0);
	ck_assert_int_eq(F.ntr, 0);
	vrrp_free(r);
}
END_TEST

/* 51: Active_Down_Timer fires: advert, Adver_Timer, Active. */
START_TEST(conf_051_master_down_takes_over)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 3599999);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	advance(r, 1);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	ck_assert_int_eq(F.nsent, 1);
	ck_assert_int_eq(F.sent[0], 100);
	ck_assert_str_eq(F.tr[1].reason, "master down");
	ck_assert_uint_eq(F.tr[1].seq, F.tr[0].seq + 1);
	/* 62: then one advert per interval. */
	advance(r, 3000000);
	ck_assert_int_eq(F.nsent, 4);
	ck_assert_uint_eq(F.sent_at[3] - F.sent_at[2], 1000000);
	vrrp_free(r);
}
END_TEST

/* 52: priority 0 in Backup: Active_Down_Timer = Skew_Time. */
START_TEST(conf_052_backup_rx_prio0_skew)
{
	struct vrrp_router *r;

	base_cfg(2, 50);
	r = mk();
	vrrp_startup(r, F.now);
	rx(r, 100, "192.0.2.9");
	rx(r, 0, "192.0.2.9");
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN],
	    (int64_t)F.now + (256 - 50) * 1000000 / 256);
	advance(r, 804687);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 52 + 39: priority 254 takes over at once on priority 0. */
START_TEST(conf_052_prio254_immediate)
{
	struct vrrp_router *r;

	base_cfg(3, 254);
	r = mk();
	vrrp_startup(r, F.now);
	rx(r, 0, "192.0.2.9");
	advance(r, 0);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 53/41: v3 Backup learns the Master's interval and resets the timer. */
START_TEST(conf_053_backup_learns_interval)
{
	struct vrrp_router *r;
	struct vpkt p;
	struct fipd_addr s = A("192.0.2.9");
	enum vpkt_drop why;

	base_cfg(3, 100);
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 2000000);
	p = P(200, 50);
	ck_assert_int_eq(vrrp_rx_check(r, F.now, &p, &s, 255, &why), 0);
	vrrp_rx(r, F.now, &p, &s);
	/* 3 * 50 + (156 * 50 / 256 = 30) = 180 cs */
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN], (int64_t)F.now + 1800000);
	ck_assert_uint_eq(vrrp_master_down_us(r), 1800000);
	ck_assert_int_eq(vrrp_stats(r)->interval_mismatch, 1);
	ck_assert_ptr_nonnull(vrrp_master(r));
	vrrp_free(r);
}
END_TEST

/* 53: v2 never learns: MDI from the local interval. */
START_TEST(conf_053_v2_resets_without_learning)
{
	struct vrrp_router *r;

	base_cfg(2, 50);
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 3000000);
	rx(r, 100, "192.0.2.9");
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN], (int64_t)F.now + 3804687);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	vrrp_free(r);
}
END_TEST

/* 54: preempt: a lower-priority Master's adverts are discarded. */
START_TEST(conf_054_backup_preempts_lower)
{
	struct vrrp_router *r;
	int i;

	base_cfg(3, 150);
	r = mk();
	vrrp_startup(r, F.now);
	for (i = 0; i < 3; i++) {
		advance(r, 1000000);
		rx(r, 100, "192.0.2.9");
	}
	/* Timer was never reset: MDI from startup (3 * 100 + losing 106*100/256=41). */
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	advance(r, 410000);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 53: preempt = no: a lower-priority Master is accepted. */
START_TEST(conf_053_no_preempt_accepts_lower)
{
	struct vrrp_router *r;
	int i;

	base_cfg(3, 150);
	CI.preempt = 0;
	r = mk();
	vrrp_startup(r, F.now);
	for (i = 0; i < 20; i++) {
		advance(r, 1000000);
		rx(r, 100, "192.0.2.9");
	}
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	vrrp_free(r);
}
END_TEST

/* 55: the owner preempts whatever preempt says. */
START_TEST(conf_055_owner_always_preempts)
{
	struct vrrp_router *r;

	base_cfg(3, 255);
	CI.preempt = 0;
	r = mk();
	vrrp_startup(r, F.now);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_set_fault(r, F.now, 1, "test fault");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_FAULT);
	vrrp_set_fault(r, F.now, 0, "test fault cleared");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 56: preempt_delay holds off preemption, then it happens. */
START_TEST(conf_056_preempt_delay)
{
	struct vrrp_router *r;
	int i;

	base_cfg(3, 150);
	CI.preempt_delay_cs = 500;
	r = mk();
	vrrp_startup(r, F.now);
	for (i = 0; i < 5; i++) {
		advance(r, 1000000);
		rx(r, 100, "192.0.2.9");
		ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	}
	for (i = 0; i < 5; i++) {
		advance(r, 1000000);
		if (vrrp_state(r) == FIPD_STATE_MASTER)
			break;
		rx(r, 100, "192.0.2.9");
	}
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 50: shutdown in Backup: no advert; timers cancelled. */
START_TEST(conf_050_backup_shutdown_silent)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	r = mk();
	vrrp_startup(r, F.now);
	vrrp_shutdown(r, F.now, NULL);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_STOP);
	ck_assert_int_eq(F.nsent, 0);
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN], -1);
	vrrp_free(r);
}
END_TEST

/* 61: shutdown in Active: priority 0 (sent twice), timers cancelled. */
START_TEST(conf_061_master_shutdown_prio0)
{
	struct vrrp_router *r;

	base_cfg(3, 255);
	r = mk();
	vrrp_startup(r, F.now);
	vrrp_shutdown(r, F.now, NULL);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_STOP);
	ck_assert_int_eq(F.nsent, 3);
	ck_assert_int_eq(F.sent[1], 0);
	ck_assert_int_eq(F.sent[2], 0);
	ck_assert_int_eq(F.deadline[VRRP_T_ADVER], -1);
	ck_assert_int_eq(F.tr[F.ntr - 1].to, FIPD_STATE_STOP);
	ck_assert_int_eq(F.tr[F.ntr - 1].from, FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 63: Active hears priority 0: advertise at once. */
START_TEST(conf_063_master_rx_prio0_readvertises)
{
	struct vrrp_router *r;

	base_cfg(3, 255);
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 500000);
	ck_assert_int_eq(F.nsent, 1);
	/* The owner drops adverts (30), so test with a non-owner. */
	vrrp_free(r);
	base_cfg(3, 200);
	CI.start_master = 1;
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 500000);
	rx(r, 0, "192.0.2.9");
	ck_assert_int_eq(F.nsent, 2);
	ck_assert_int_eq(F.deadline[VRRP_T_ADVER], (int64_t)F.now + 1000000);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 64: higher priority: yield to Backup with MDI armed. */
START_TEST(conf_064_master_yields_to_higher)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	CI.start_master = 1;
	r = mk();
	vrrp_startup(r, F.now);
	rx(r, 101, "192.0.2.1");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN], (int64_t)F.now + 3600000);
	/* Adver_Timer now only paces the yield notices. */
	ck_assert_int_eq(F.deadline[VRRP_T_ADVER], (int64_t)F.now + 1000000);
	/* Yield notice: one advert with our priority, after the change, */
	ck_assert_int_eq(F.nsent, 2);
	ck_assert_int_eq(F.sent[1], 100);
	ck_assert_uint_eq(vrrp_stats(r)->yield_notices, 1);
	/* then one and two advert intervals later, then silence. */
	advance(r, 1000000);
	ck_assert_int_eq(F.nsent, 3);
	advance(r, 1000000);
	ck_assert_int_eq(F.nsent, 4);
	ck_assert_uint_eq(F.sent_at[3] - F.sent_at[1], 2000000);
	rx(r, 101, "192.0.2.1");
	advance(r, 3000000);
	ck_assert_int_eq(F.nsent, 4);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	ck_assert_uint_eq(vrrp_stats(r)->yield_notices, 3);
	vrrp_free(r);
}
END_TEST

/*
 * The repeated yield notices stop once our priority is back at the
 * Master's or above (a check came back): a notice would make the Master
 * yield while we are still Backup (the bench's failback after a weight -60
 * check: 2.85 s with nobody holding the VIP).
 */
START_TEST(yield_notice_not_when_priority_rose)
{
	struct vrrp_router *r;
	int before;

	base_cfg(2, 100);
	CI.start_master = 1;
	r = mk();
	vrrp_startup(r, F.now);
	vrrp_set_prio_delta(r, F.now, -60);	/* a check failed: 40 */
	rx(r, 50, "192.0.2.1");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	ck_assert_int_eq(F.sent[F.nsent - 1], 40);	/* the notice */
	advance(r, 1000000);				/* first repeat */
	ck_assert_int_eq(F.sent[F.nsent - 1], 40);
	rx(r, 50, "192.0.2.1");
	vrrp_set_prio_delta(r, F.now, 0);	/* the check is back: 100 */
	before = F.nsent;
	advance(r, 1000000);		/* the second repeat is not sent */
	ck_assert_int_eq(F.nsent, before);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	/* Preemption: the Master's adverts are discarded, MDI runs out. */
	advance(r, 3000000);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	ck_assert_int_eq(F.sent[F.nsent - 1], 100);
	vrrp_free(r);
}
END_TEST

/* 64/67: equal priority, higher address wins (unsigned, big-endian). */
START_TEST(conf_067_tie_break_on_address)
{
	struct vrrp_router *r;
	struct fipd_addr lo = A("192.0.2.2");

	base_cfg(3, 100);
	CI.start_master = 1;
	r = mk();			/* local 192.0.2.5 */
	vrrp_startup(r, F.now);
	rx(r, 100, "192.0.2.4");	/* lower address: we stay */
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	rx(r, 100, "192.0.2.10");	/* 10 > 5 as integers */
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	vrrp_free(r);

	/* 192.0.2.10 beats 192.0.2.2 (not a string compare). */
	base_cfg(3, 100);
	CI.start_master = 1;
	r = vrrp_new(&CI, &lo, &fops, NULL);
	vrrp_startup(r, F.now);
	rx(r, 100, "192.0.2.10");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	vrrp_free(r);
}
END_TEST

/* 65: lower priority heard by Active: discard, advertise at once, event. */
START_TEST(conf_065_rx_lower_prio_readvertises)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	CI.start_master = 1;
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 300000);
	rx(r, 50, "192.0.2.9");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	ck_assert_int_eq(F.nsent, 2);
	ck_assert_uint_eq(F.sent_at[1], F.now);
	ck_assert_int_eq(F.nev, 1);
	ck_assert_int_eq(F.events[0], FIPD_EV_RX_LOWER_PRIO);
	vrrp_free(r);
}
END_TEST

/* 65: a flood of lower adverts is answered at most 4 times per interval. */
START_TEST(conf_065_lower_prio_answers_rate_limited)
{
	struct vrrp_router *r;
	int i;

	base_cfg(3, 100);
	CI.start_master = 1;
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 100000);
	for (i = 0; i < 1000; i++) {
		rx(r, 50, "192.0.2.9");
		advance(r, 1000);	/* 1000 adverts per second */
	}
	/* 1 at startup + 1 periodic + at most 4 answers in that second */
	ck_assert_int_le(F.nsent, 6);
	ck_assert_int_ge(F.nsent, 5);
	ck_assert_int_le(F.nev, 4);
	ck_assert_uint_ge(vrrp_stats(r)->lower_answers_limited, 990);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_MASTER);
	vrrp_free(r);
}
END_TEST

/* 66: Preempt_Mode is not considered in Active. */
START_TEST(conf_066_master_ignores_preempt_mode)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	CI.start_master = 1;
	CI.preempt = 0;
	r = mk();
	vrrp_startup(r, F.now);
	rx(r, 150, "192.0.2.9");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	vrrp_free(r);
}
END_TEST

static enum vpkt_drop
check_drop(struct vrrp_router *r, struct vpkt *p, const char *src, int ttl)
{
	struct fipd_addr s = A(src);
	enum vpkt_drop why = VPKT_OK;

	if (vrrp_rx_check(r, F.now, p, &s, ttl, &why) == 0)
		return VPKT_OK;
	ck_assert_int_ne(why, VPKT_OK);
	ck_assert_uint_ge(vrrp_stats(r)->drops[why], 1);
	return why;
}

/* 23, 25, 30, 32, 33, 35 and unicast: receive checks of one instance. */
START_TEST(conf_023_033_rx_checks)
{
	struct vrrp_router *r;
	struct vpkt p;

	base_cfg(2, 100);
	strcpy(CI.auth_pass, "secret");
	r = mk();
	vrrp_startup(r, F.now);
	p = P(100, 100);
	p.auth_type = VPKT_AUTH_PASS;
	memcpy(p.auth_data, "secret\0\0", 8);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255), VPKT_OK);
	/* 23: TTL */
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 254), VPKT_DROP_TTL);
	/* 25: version */
	p.version = 3;
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255),
	    VPKT_DROP_VERSION);
	p.version = 2;
	/* 32: auth type, then password */
	p.auth_type = 0;
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255),
	    VPKT_DROP_AUTH_TYPE);
	p.auth_type = VPKT_AUTH_AH;
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255),
	    VPKT_DROP_AUTH_TYPE);
	p.auth_type = VPKT_AUTH_PASS;
	memcpy(p.auth_data, "secreT\0\0", 8);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255),
	    VPKT_DROP_AUTH);
	memcpy(p.auth_data, "secret\0\0", 8);
	/* 33: v2 interval must match */
	p.adver_cs = 200;
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255),
	    VPKT_DROP_INTERVAL);
	p.adver_cs = 100;
	/* 35: v2 address mismatch dropped unless the sender is the owner */
	p.naddrs = 0;
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255),
	    VPKT_DROP_ADDRS);
	p.priority = 255;
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255), VPKT_OK);
	p.priority = 100;
	p.naddrs = 1;
	/* our own advert */
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.5", 255), VPKT_DROP_OWN);
	vrrp_free(r);

	/* 30: the owner discards every advert. */
	base_cfg(3, 255);
	r = mk();
	vrrp_startup(r, F.now);
	p = P(255, 100);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255),
	    VPKT_DROP_OWNER);
	ck_assert_uint_eq(vrrp_stats(r)->owner_conflict, 1);
	vrrp_free(r);
}
END_TEST

/* 34/35: v3 interval and address mismatches are counted, not dropped. */
START_TEST(conf_034_v3_mismatch_not_dropped)
{
	struct vrrp_router *r;
	struct vpkt p;

	base_cfg(3, 100);
	r = mk();
	vrrp_startup(r, F.now);
	p = P(100, 50);
	p.naddrs = 0;
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255), VPKT_OK);
	ck_assert_uint_eq(vrrp_stats(r)->interval_mismatch, 1);
	ck_assert_uint_eq(vrrp_stats(r)->addr_mismatch, 1);
	vrrp_free(r);
}
END_TEST

/* 84: unicast: only peers; TTL strict by default, relaxable. */
START_TEST(conf_084_unicast_peers_and_ttl)
{
	struct vrrp_router *r;
	struct vpkt p;

	base_cfg(3, 100);
	CI.peers[0] = A("192.0.2.9");
	CI.n_peers = 1;
	r = mk();
	vrrp_startup(r, F.now);
	p = P(100, 100);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255), VPKT_OK);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.8", 255),
	    VPKT_DROP_PEER);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 64), VPKT_DROP_TTL);
	vrrp_free(r);

	CI.strict_ttl = 0;
	r = mk();
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 64), VPKT_OK);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.8", 64), VPKT_DROP_PEER);
	vrrp_free(r);

	/* Multicast: TTL 255 even when strict_ttl = no. */
	CI.n_peers = 0;
	r = mk();
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 64), VPKT_DROP_TTL);
	vrrp_free(r);
}
END_TEST

/* Read back what the router logged to stderr (see stranger_log). */
static char *
slurp(FILE *f)
{
	static char buf[8192];
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return buf;
}

static int
count_str(const char *hay, const char *needle)
{
	int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

/*
 * Unicast: an advert from an address that is not a unicast_peer (a
 * renumbered peer) is dropped as ever, and logged once per source, naming
 * the configured peers not heard lately (the stale entries).
 */
START_TEST(unicast_stranger_logged_once)
{
	struct vrrp_router *r;
	struct vpkt p;
	struct fipd_addr peer;
	FILE *tmp;
	char *out;
	int saved;

	base_cfg(3, 100);
	CI.peers[0] = A("192.0.2.9");
	CI.n_peers = 1;
	r = mk();
	vrrp_startup(r, F.now);
	p = P(100, 150);
	ck_assert_ptr_nonnull(tmp = tmpfile());
	fflush(stderr);
	saved = dup(2);
	ck_assert_int_ne(dup2(fileno(tmp), 2), -1);

	/* The peer is heard, then a stranger: every peer is heard. */
	peer = A("192.0.2.9");
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.9", 255), VPKT_OK);
	vrrp_rx(r, F.now, &p, &peer);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.19", 255),
	    VPKT_DROP_PEER);
	/* Three intervals of silence from the peer: it is named. */
	advance(r, 3100000);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.29", 255),
	    VPKT_DROP_PEER);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.29", 255),
	    VPKT_DROP_PEER);
	ck_assert_int_eq(check_drop(r, &p, "192.0.2.19", 255),
	    VPKT_DROP_PEER);

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	out = slurp(tmp);
	fclose(tmp);
	ck_assert_int_eq(count_str(out, "from 192.0.2.19, which is not a "
	    "unicast_peer"), 1);
	ck_assert_int_eq(count_str(out, "from 192.0.2.29, which is not a "
	    "unicast_peer"), 1);
	ck_assert_int_eq(count_str(out, "every unicast_peer is heard"), 1);
	ck_assert_int_eq(count_str(out, "not heard lately (stale?): "
	    "192.0.2.9"), 1);
	ck_assert_uint_eq(vrrp_stats(r)->drops[VPKT_DROP_PEER], 4);
	vrrp_free(r);
}
END_TEST

/* Effective priority: clamped to 1..254; the owner stays 255. */
START_TEST(fsm_effective_priority_clamp)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	r = mk();
	vrrp_set_prio_delta(r, F.now, -60);
	ck_assert_int_eq(vrrp_effective_priority(r), 40);
	vrrp_set_prio_delta(r, F.now, -200);
	ck_assert_int_eq(vrrp_effective_priority(r), 1);
	vrrp_set_prio_delta(r, F.now, 200);
	ck_assert_int_eq(vrrp_effective_priority(r), 254);
	vrrp_free(r);
	base_cfg(3, 255);
	r = mk();
	vrrp_set_prio_delta(r, F.now, -100);
	ck_assert_int_eq(vrrp_effective_priority(r), 255);
	vrrp_free(r);
}
END_TEST

/* Fault from MASTER: priority 0 out, FAULT; cleared: BACKUP with MDI. */
START_TEST(fsm_fault_releases)
{
	struct vrrp_router *r;

	base_cfg(3, 100);
	CI.start_master = 1;
	r = mk();
	vrrp_startup(r, F.now);
	vrrp_set_fault(r, F.now, 1, "link down");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_FAULT);
	ck_assert_int_eq(F.sent[F.nsent - 1], 0);
	ck_assert_int_eq(F.deadline[VRRP_T_ADVER], -1);
	advance(r, 10000000);
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_FAULT);
	vrrp_set_fault(r, F.now, 0, "link up");
	ck_assert_int_eq(vrrp_state(r), FIPD_STATE_BACKUP);
	ck_assert_int_eq(F.deadline[VRRP_T_MDOWN], (int64_t)F.now + 3600000);
	vrrp_free(r);
}
END_TEST

/* Every transition goes through one place: counted, sequenced. */
START_TEST(fsm_transitions_counted)
{
	struct vrrp_router *r;
	int i;

	base_cfg(3, 100);
	r = mk();
	vrrp_startup(r, F.now);
	advance(r, 3600000);
	rx(r, 200, "192.0.2.9");
	vrrp_shutdown(r, F.now, NULL);
	ck_assert_int_eq(F.ntr, 4);
	ck_assert_uint_eq(vrrp_stats(r)->transitions, 4);
	ck_assert_uint_eq(vrrp_stats(r)->became_master, 1);
	for (i = 1; i < F.ntr; i++) {
		ck_assert_uint_eq(F.tr[i].seq, F.tr[i - 1].seq + 1);
		ck_assert_int_eq(F.tr[i].from, F.tr[i - 1].to);
	}
	vrrp_free(r);
}
END_TEST

/* The advert this router sends carries its config. */
START_TEST(fsm_advert_params)
{
	struct vrrp_router *r;
	struct vpkt_params p;
	struct fipd_addr dst = A("192.0.2.9");

	base_cfg(2, 100);
	strcpy(CI.auth_pass, "EcbCp2b1");
	r = mk();
	vrrp_advert_params(r, 0, &dst, &p);
	ck_assert_int_eq(p.version, 2);
	ck_assert_int_eq(p.vrid, 50);
	ck_assert_int_eq(p.priority, 0);
	ck_assert_int_eq(p.auth_type, VPKT_AUTH_PASS);
	ck_assert_int_eq(memcmp(p.auth_pass, "EcbCp2b1", 8), 0);
	ck_assert_ptr_eq(p.dst, &dst);
	ck_assert_uint_eq(p.naddrs, 1);
	vrrp_free(r);
}
END_TEST

Suite *
suite_fsm(void)
{
	Suite *s = suite_create("fsm");
	TCase *tc = tcase_create("rfc");

	tcase_add_test(tc, conf_039_skew_time_v3);
	tcase_add_test(tc, conf_040_active_down_interval);
	tcase_add_test(tc, conf_042_v2_timers);
	tcase_add_test(tc, conf_045_owner_startup_becomes_master);
	tcase_add_test(tc, conf_046_startup_backup_sends_nothing);
	tcase_add_test(tc, fsm_state_master_hint);
	tcase_add_test(tc, conf_047_init_ignores_adverts);
	tcase_add_test(tc, conf_050_backup_shutdown_silent);
	tcase_add_test(tc, conf_051_master_down_takes_over);
	tcase_add_test(tc, conf_052_backup_rx_prio0_skew);
	tcase_add_test(tc, conf_052_prio254_immediate);
	tcase_add_test(tc, conf_053_backup_learns_interval);
	tcase_add_test(tc, conf_053_v2_resets_without_learning);
	tcase_add_test(tc, conf_053_no_preempt_accepts_lower);
	tcase_add_test(tc, conf_054_backup_preempts_lower);
	tcase_add_test(tc, conf_055_owner_always_preempts);
	tcase_add_test(tc, conf_056_preempt_delay);
	tcase_add_test(tc, conf_061_master_shutdown_prio0);
	tcase_add_test(tc, conf_063_master_rx_prio0_readvertises);
	tcase_add_test(tc, conf_064_master_yields_to_higher);
	tcase_add_test(tc, yield_notice_not_when_priority_rose);
	tcase_add_test(tc, conf_065_rx_lower_prio_readvertises);
	tcase_add_test(tc, conf_065_lower_prio_answers_rate_limited);
	tcase_add_test(tc, conf_066_master_ignores_preempt_mode);
	tcase_add_test(tc, conf_067_tie_break_on_address);
	tcase_add_test(tc, conf_023_033_rx_checks);
	tcase_add_test(tc, conf_034_v3_mismatch_not_dropped);
	tcase_add_test(tc, conf_084_unicast_peers_and_ttl);
	tcase_add_test(tc, unicast_stranger_logged_once);
	tcase_add_test(tc, fsm_effective_priority_clamp);
	tcase_add_test(tc, fsm_fault_releases);
	tcase_add_test(tc, fsm_transitions_counted);
	tcase_add_test(tc, fsm_advert_params);
	suite_add_tcase(s, tc);
	return s;
}
