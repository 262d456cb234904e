/*
 * Health-check scheduling.  Plugins run one probe when asked and report
 * UP or DOWN; the core owns the schedule and the verdict:
 *
 *  - one probe at a time per check, every `interval`, cut at `timeout`
 *    (a timeout is DOWN);
 *  - `fall` consecutive DOWN results take an UP check DOWN, `rise`
 *    consecutive UP results bring it back;
 *  - while a check is changing (a first failure to confirm, a first
 *    success after a failure) the next probe comes after the fast
 *    interval, interval / 5 capped at 100 ms (HAProxy's fastinter idea),
 *    so confirming a failure costs a fraction of an interval;
 *  - a plugin's recheck request (e.g. its kept-alive connection closed)
 *    runs a probe at once, at most once per fast interval;
 *  - the very first result sets the state directly, so the daemon knows
 *    where it stands right after start-up.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fipd.h"
#include "pconf.h"

struct fipd_probe {
	struct chk *c;
};

struct chk {
	TAILQ_ENTRY(chk) entry;
	struct cfg_check *cc;
	struct fipd_probe handle;
	struct fipd_timer *t_next;
	struct fipd_timer *t_timeout;
	void *pctx;
	int running;
	uint64_t started_us;
	uint64_t last_start_us;
	int known;
	int up;
	int carried;			/* verdict kept over a reload's change */
	unsigned int ok_run;		/* consecutive UP results */
	unsigned int fail_run;		/* consecutive DOWN results */
	char reason[128];
	uint64_t last_duration_us;
	uint64_t probes;
	uint64_t failures;
	uint64_t transitions;
};
TAILQ_HEAD(chk_list, chk);

static struct chk_list chks = TAILQ_HEAD_INITIALIZER(chks);
/* chks by name; rebuilt on the next look-up after a check was freed. */
static struct nhash chk_index;
static int chk_index_stale;
static void (*change_hook)(const char *);

static void chk_run(struct chk *);

void
check_set_change_hook(void (*fn)(const char *))
{
	change_hook = fn;
}

/* interval / 5, at most 100 ms, at least 10 ms. */
static uint64_t
fast_us(const struct chk *c)
{
	uint64_t us = (uint64_t)c->cc->interval_cs * 10000 / 5;

	if (us > 100000)
		us = 100000;
	return us < 10000 ? 10000 : us;
}

static void
chk_schedule(struct chk *c, uint64_t delay_us)
{
	ev_timer_arm(c->t_next, delay_us);
}

/* Apply one result: rise/fall, logging, the next probe. */
static void
chk_result(struct chk *c, int up, const char *reason)
{
	int was_known = c->known, was_up = c->up, changed = 0;
	uint64_t now = ev_now_us();

	c->running = 0;
	c->pctx = NULL;
	ev_timer_cancel(c->t_timeout);
	c->last_duration_us = now - c->started_us;
	c->probes++;
	snprintf(c->reason, sizeof(c->reason), "%s",
	    reason != NULL && reason[0] != '\0' ? reason : up ? "ok" : "down");
	if (up) {
		c->ok_run++;
		c->fail_run = 0;
	} else {
		c->failures++;
		c->fail_run++;
		c->ok_run = 0;
	}
	if (!c->known || c->carried) {
		/*
		 * The first result of a new check, or of a check whose
		 * definition a reload changed: it stands on its own, the
		 * carried verdict was only a placeholder.
		 */
		c->known = 1;
		c->carried = 0;
		changed = c->up != up || !was_known;
		c->up = up;
		if (!was_known)
			log_notice("check %s: %s (%s)", c->cc->name,
			    up ? "UP" : "DOWN", c->reason);
	} else if (c->up && !up && c->fail_run >= c->cc->fall) {
		c->up = 0;
		changed = 1;
	} else if (!c->up && up && c->ok_run >= c->cc->rise) {
		c->up = 1;
		changed = 1;
	}
	if (changed && was_known) {
		c->transitions++;
		log_notice("check %s: %s -> %s (%s)", c->cc->name,
		    was_up ? "UP" : "DOWN", c->up ? "UP" : "DOWN", c->reason);
	}
	/* Changing (unconfirmed either way): look again soon. */
	if ((c->up && !up) || (!c->up && up))
		chk_schedule(c, fast_us(c));
	else
		chk_schedule(c, (uint64_t)c->cc->interval_cs * 10000);
	if (changed && change_hook != NULL)
		change_hook(c->cc->name);
}

void
check_probe_done(struct fipd_probe *p, enum fipd_check_result r,
    const char *reason)
{
	if (p == NULL || p->c == NULL || !p->c->running)
		return;		/* late or duplicate report: ignored */
	chk_result(p->c, r == FIPD_CHECK_UP, reason);
}

void
check_probe_recheck(struct fipd_probe *p, const char *why)
{
	struct chk *c;
	uint64_t now = ev_now_us();

	if (p == NULL || (c = p->c) == NULL || c->running)
		return;
	if (now - c->last_start_us < fast_us(c)) {
		/* Too soon after the last probe: postpone, do not drop. */
		ev_timer_arm(c->t_next, c->last_start_us + fast_us(c) - now);
		return;
	}
	log_info("check %s: recheck (%s)", c->cc->name,
	    why != NULL ? why : "plugin request");
	ev_timer_cancel(c->t_next);
	chk_run(c);
}

static void
chk_timeout_cb(void *arg)
{
	struct chk *c = arg;
	const struct fipd_check_ops *ops = plug_desc(c->cc->plug)->check;
	char reason[64];

	if (!c->running)
		return;
	if (ops->cancel != NULL && c->pctx != NULL)
		ops->cancel(c->pctx);
	snprintf(reason, sizeof(reason), "timeout after %u.%02u s",
	    c->cc->timeout_cs / 100, c->cc->timeout_cs % 100);
	chk_result(c, 0, reason);
}

static void
chk_run(struct chk *c)
{
	const struct fipd_check_ops *ops = plug_desc(c->cc->plug)->check;

	c->running = 1;
	c->pctx = NULL;
	c->started_us = c->last_start_us = ev_now_us();
	ev_timer_arm(c->t_timeout, (uint64_t)c->cc->timeout_cs * 10000);
	if (ops->start(plug_host(c->cc->plug), c->cc->pc->conf, &c->handle,
	    &c->pctx) == -1 && c->running)
		chk_result(c, 0, "cannot start probe");
}

static void
chk_next_cb(void *arg)
{
	struct chk *c = arg;

	if (!c->running)
		chk_run(c);
}

static struct chk *
chk_new(struct cfg_check *cc)
{
	struct chk *c;

	c = xcalloc(1, sizeof(*c));
	c->cc = cc;
	c->handle.c = c;
	c->t_next = ev_timer_new(chk_next_cb, c);
	c->t_timeout = ev_timer_new(chk_timeout_cb, c);
	TAILQ_INSERT_TAIL(&chks, c, entry);
	if (!chk_index_stale)
		nhash_put(&chk_index, c->cc->name, c);
	/* First probe at once: instances wait for the first results. */
	chk_schedule(c, 0);
	return c;
}

/*
 * Stop a check: cancel its probe and free the plugin's state now, so no
 * plugin callback can reach the handle after it is gone.
 */
static void
chk_free(struct chk *c)
{
	const struct fipd_check_ops *ops = plug_desc(c->cc->plug)->check;

	TAILQ_REMOVE(&chks, c, entry);
	chk_index_stale = 1;
	if (c->running && ops->cancel != NULL && c->pctx != NULL)
		ops->cancel(c->pctx);
	c->running = 0;
	cfg_check_release(c->cc);
	ev_timer_free(c->t_next);
	ev_timer_free(c->t_timeout);
	c->handle.c = NULL;
	free(c);
}

static struct chk *
chk_find(const char *name)
{
	struct chk *c;

	if (chk_index_stale) {
		nhash_free(&chk_index);
		TAILQ_FOREACH(c, &chks, entry)
			nhash_put(&chk_index, c->cc->name, c);
		chk_index_stale = 0;
	}
	return nhash_get(&chk_index, name);
}

/* The verdict of a check whose definition a reload changed. */
struct chk_verdict {
	TAILQ_ENTRY(chk_verdict) entry;
	char name[FIPD_NAME_MAX];
	int up;
	char reason[128];
	uint64_t probes, failures, transitions;
};
TAILQ_HEAD(chk_verdict_list, chk_verdict);

void
check_apply(struct cfg *nc, struct cfg *old)
{
	struct chk_verdict_list kept = TAILQ_HEAD_INITIALIZER(kept);
	struct chk_verdict *v;
	struct cfg_check *cc, *next;
	struct chk *c, *tmp;
	struct nhash by_new = { 0 }, by_kept = { 0 };

	/*
	 * Changed or removed checks stop.  A changed check keeps its last
	 * verdict until the new definition's first result: restarting it
	 * as "unknown" would count a failing service as UP in between and
	 * take an instance out of FAULT (issue 12).
	 */
	TAILQ_FOREACH(cc, &nc->checks, entry)
		nhash_put(&by_new, cc->name, cc);
	TAILQ_FOREACH_SAFE(c, &chks, entry, tmp) {
		cc = nhash_get(&by_new, c->cc->name);
		if (cc != NULL && cfg_check_diff(c->cc, cc, NULL) == CFG_SAME)
			continue;
		if (cc != NULL && c->known) {
			v = xcalloc(1, sizeof(*v));
			snprintf(v->name, sizeof(v->name), "%s", c->cc->name);
			v->up = c->up;
			snprintf(v->reason, sizeof(v->reason), "%s", c->reason);
			v->probes = c->probes;
			v->failures = c->failures;
			v->transitions = c->transitions;
			TAILQ_INSERT_TAIL(&kept, v, entry);
			nhash_put(&by_kept, v->name, v);
		}
		chk_free(c);
	}
	nhash_free(&by_new);	/* some of its keys are freed below */
	/* Unchanged ones keep their state and their (moved) section. */
	TAILQ_FOREACH_SAFE(cc, &nc->checks, entry, next) {
		if ((c = chk_find(cc->name)) == NULL || old == NULL)
			continue;
		TAILQ_REMOVE(&old->checks, c->cc, entry);
		TAILQ_INSERT_BEFORE(cc, c->cc, entry);
		TAILQ_REMOVE(&nc->checks, cc, entry);
		cfg_check_free(cc);
	}
	TAILQ_FOREACH(cc, &nc->checks, entry) {
		if (chk_find(cc->name) != NULL)
			continue;
		c = chk_new(cc);
		if ((v = nhash_get(&by_kept, cc->name)) == NULL)
			continue;
		c->known = 1;
		c->carried = 1;
		c->up = v->up;
		snprintf(c->reason, sizeof(c->reason), "%s", v->reason);
		c->probes = v->probes;
		c->failures = v->failures;
		c->transitions = v->transitions;
		log_notice("check %s: changed by reload, stays %s (%s) until "
		    "its first result", cc->name, c->up ? "UP" : "DOWN",
		    c->reason);
	}
	nhash_free(&by_kept);
	while ((v = TAILQ_FIRST(&kept)) != NULL) {
		TAILQ_REMOVE(&kept, v, entry);
		free(v);
	}
}

void
check_stop_all(void)
{
	struct chk *c;

	while ((c = TAILQ_FIRST(&chks)) != NULL)
		chk_free(c);
	nhash_free(&chk_index);
	chk_index_stale = 0;
}

static void
chk_status(const struct chk *c, struct check_status *st)
{
	memset(st, 0, sizeof(*st));
	st->name = c->cc->name;
	st->type = plug_desc(c->cc->plug)->type;
	st->known = c->known;
	st->up = c->known ? c->up : 0;
	st->reason = c->reason;
	st->last_duration_us = c->last_duration_us;
	st->probes = c->probes;
	st->failures = c->failures;
	st->transitions = c->transitions;
	st->interval_cs = c->cc->interval_cs;
	st->weight = c->cc->weight;
}

int
check_get(const char *name, struct check_status *out)
{
	struct chk *c;

	if ((c = chk_find(name)) == NULL)
		return -1;
	chk_status(c, out);
	return 0;
}

void
check_foreach(check_status_cb *cb, void *arg)
{
	struct check_status st;
	struct chk *c;

	TAILQ_FOREACH(c, &chks, entry) {
		chk_status(c, &st);
		cb(&st, arg);
	}
}
