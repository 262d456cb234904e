/*
 * libevent glue.  Nothing else in fipd includes <event2/...>: the rest of
 * the daemon and the plugins see opaque timers and io watches.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "fipd.h"

struct fipd_timer {
	struct event *ev;
	fipd_timer_cb *cb;
	void *arg;
};

struct fipd_io {
	struct event *ev;
	fipd_io_cb *cb;
	void *arg;
};

static struct event_base *base;

static void
ev_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

int
ev_init(void)
{
	struct event_config *cfg;

	event_set_log_callback(ev_log_cb);
	if ((cfg = event_config_new()) == NULL)
		return -1;
	/* Timers are on the monotonic clock (no wall-clock jumps). */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	/*
	 * A timer's deadline is "now + delay" with the real now, not the
	 * time the loop woke up.  libevent caches that time for the whole
	 * pass; when the process is preempted during a pass (a loaded host),
	 * a Master_Down_Timer restarted by an advert read late in the pass
	 * would expire early by as long as the pass took (seen: 30 ms early
	 * on a 36 ms timer, a false takeover).  The price is one vDSO
	 * clock_gettime() per timer armed.
	 */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base == NULL ? -1 : 0;
}

int
ev_loop(void)
{
	return event_base_dispatch(base) == -1 ? -1 : 0;
}

void
ev_break(void)
{
	event_base_loopbreak(base);
}

void
ev_fini(void)
{
	if (base != NULL)
		event_base_free(base);
	base = NULL;
}

uint64_t
ev_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

const char *
ev_version(void)
{
	return event_get_version();
}

const char *
ev_method(void)
{
	return base != NULL ? event_base_get_method(base) : "none";
}

static void
ev_timer_dispatch(evutil_socket_t fd, short what, void *arg)
{
	struct fipd_timer *t = arg;

	t->cb(t->arg);
}

struct fipd_timer *
ev_timer_new(fipd_timer_cb *cb, void *arg)
{
	struct fipd_timer *t;

	if (base == NULL && ev_init() == -1)
		fatalx("%s: cannot create event base", __func__);
	t = xcalloc(1, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
	if ((t->ev = evtimer_new(base, ev_timer_dispatch, t)) == NULL)
		fatalx("%s: evtimer_new", __func__);
	return t;
}

void
ev_timer_arm(struct fipd_timer *t, uint64_t delay_us)
{
	struct timeval tv;

	if (t == NULL)
		return;
	tv.tv_sec = (time_t)(delay_us / 1000000);
	tv.tv_usec = (suseconds_t)(delay_us % 1000000);
	evtimer_add(t->ev, &tv);
}

void
ev_timer_cancel(struct fipd_timer *t)
{
	if (t != NULL)
		evtimer_del(t->ev);
}

int
ev_timer_pending(struct fipd_timer *t)
{
	return t != NULL && evtimer_pending(t->ev, NULL);
}

void
ev_timer_free(struct fipd_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

static void
ev_io_dispatch(evutil_socket_t fd, short what, void *arg)
{
	struct fipd_io *io = arg;

	io->cb(fd, io->arg);
}

struct fipd_io *
ev_io_new(int fd, int write, fipd_io_cb *cb, void *arg)
{
	struct fipd_io *io;

	if (base == NULL && ev_init() == -1)
		fatalx("%s: cannot create event base", __func__);
	io = xcalloc(1, sizeof(*io));
	io->cb = cb;
	io->arg = arg;
	io->ev = event_new(base, fd, (write ? EV_WRITE : EV_READ) | EV_PERSIST,
	    ev_io_dispatch, io);
	if (io->ev == NULL || event_add(io->ev, NULL) == -1)
		fatalx("%s: cannot watch fd %d", __func__, fd);
	return io;
}

struct fipd_io *
ev_signal_new(int sig, fipd_io_cb *cb, void *arg)
{
	struct fipd_io *io;

	if (base == NULL && ev_init() == -1)
		fatalx("%s: cannot create event base", __func__);
	io = xcalloc(1, sizeof(*io));
	io->cb = cb;
	io->arg = arg;
	io->ev = evsignal_new(base, sig, ev_io_dispatch, io);
	if (io->ev == NULL || event_add(io->ev, NULL) == -1)
		fatalx("%s: cannot watch signal %d", __func__, sig);
	return io;
}

void
ev_io_pause(struct fipd_io *io)
{
	if (io != NULL)
		event_del(io->ev);
}

void
ev_io_resume(struct fipd_io *io)
{
	if (io != NULL && event_add(io->ev, NULL) == -1)
		fatalx("%s: cannot watch fd %d", __func__,
		    (int)event_get_fd(io->ev));
}

void
ev_io_free(struct fipd_io *io)
{
	if (io == NULL)
		return;
	event_free(io->ev);
	free(io);
}
