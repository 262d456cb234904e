/*
 * t/fakehost.h -- the host side of the plugin ABI, for the test drivers
 * that load plugins outside the daemon (t/plugin_driver.c,
 * t/plugin_multi.c, t/check_driver.c, t/notify_driver.c).
 *
 * Timers and fd watches run on a poll() loop (fh_step, fh_run); logs go
 * to stderr as "HOST: LEVEL: message" (or "MS LEVEL: message" with
 * fh_log_t0 set), counters to stdout as "COUNT instance counter".  Each
 * driver builds its own fipd_host_api from these, adding what is its own
 * (check_done, global, check_recheck); fh_addr_present stands in for the
 * daemon's kernel watcher.
 */
#ifndef FIPD_T_FAKEHOST_H
#define FIPD_T_FAKEHOST_H

#include <stdint.h>

#include "fipd/plugin.h"

struct fipd_host {
	const char		*name;
};

/* Log FIPD_LOG_DEBUG lines too (default: yes). */
extern int		 fh_log_debug;
/* Not 0: log lines start with the ms since this time, not the host. */
extern uint64_t		 fh_log_t0;

/* CLOCK_MONOTONIC in microseconds. */
uint64_t	 fh_now(void);

void		 fh_log(struct fipd_host *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
struct fipd_timer *fh_timer_new(struct fipd_host *, fipd_timer_cb *, void *);
void		 fh_timer_arm(struct fipd_timer *, uint64_t);
void		 fh_timer_cancel(struct fipd_timer *);
void		 fh_timer_free(struct fipd_timer *);
struct fipd_io	*fh_io_new(struct fipd_host *, int, fipd_io_cb *, void *);
struct fipd_io	*fh_io_new_write(struct fipd_host *, int, fipd_io_cb *,
		    void *);
void		 fh_io_free(struct fipd_io *);
uint64_t	 fh_now_us(struct fipd_host *);
void		 fh_count(struct fipd_host *, const struct fipd_instance *,
		    const char *);

/*
 * One round of the loop: the timers that are due (earliest first, at
 * most 1000), then poll() the watched fds until the next timer or
 * `until` (monotonic us), and run the callbacks of the ready ones.
 * Callbacks may free any timer or watch: nothing is held across a call.
 * A watched fd that was closed is a plugin bug: "ERROR fd N watched but
 * closed" on stdout, exit 1.
 */
void		 fh_step(uint64_t until);
/* fh_step() in two halves, for a driver with deadlines of its own. */
void		 fh_fire_timers(void);
void		 fh_poll(uint64_t until);
/* fh_step() until `until`. */
void		 fh_run(uint64_t until);
/* Stall without running the loop (a busy daemon). */
void		 fh_block(double secs);

/*
 * The kernel watcher's addr_present(), the slow way: a synchronous
 * RTM_GETADDR dump of the namespace on a socket of its own, opened and
 * closed each time (send/recv: sendto and recvfrom in strace, apart from
 * the plugins' sendmsg and recvmsg).  Test code may block.
 */
int		 fh_addr_present(struct fipd_host *, unsigned int,
		    const struct fipd_addr *, uint8_t *);
/* Number of fh_addr_present() calls so far. */
extern unsigned long	 fh_addr_queries;

/* Watched fds (read watches) with something to read now; no wait. */
int		 fh_readable(void);
/* Time spent in timer and fd callbacks, and their number, so far. */
extern uint64_t		 fh_cb_us;
extern unsigned long	 fh_cb_calls;

/* "192.0.2.1", "2001:db8::1/64": 0, or -1 when not an address. */
int		 fh_parse_addr(const char *, struct fipd_addr *);
/* Timers and fd watches still registered (a leak after detach). */
int		 fh_leftovers(void);
/* Open descriptors of this process. */
int		 fh_fds(void);

#endif
