/*
 * t/fakehost.c -- the plugin host for test drivers: see fakehost.h.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakehost.h"

#define FH_MAX_POLL	256
#define FH_MAX_FIRES	1000
#define FH_DUMP_TRIES	10		/* address dumps interrupted in a row */

struct fipd_timer {
	TAILQ_ENTRY(fipd_timer)	 entry;
	fipd_timer_cb		*cb;
	void			*arg;
	int			 armed;
	uint64_t		 due;
};

struct fipd_io {
	TAILQ_ENTRY(fipd_io)	 entry;
	int			 fd;
	short			 events;
	fipd_io_cb		*cb;
	void			*arg;
	uint64_t		 id;
};

int			 fh_log_debug = 1;
uint64_t		 fh_log_t0;
unsigned long		 fh_addr_queries;
uint64_t		 fh_cb_us;
unsigned long		 fh_cb_calls;

static TAILQ_HEAD(, fipd_timer)	 fh_timers =
    TAILQ_HEAD_INITIALIZER(fh_timers);
static TAILQ_HEAD(, fipd_io)	 fh_ios = TAILQ_HEAD_INITIALIZER(fh_ios);
static uint64_t			 fh_io_seq;

uint64_t
fh_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

void
fh_log(struct fipd_host *h, int level, const char *fmt, ...)
{
	static const char *const names[] = {
		"EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO",
		"DEBUG"
	};
	const char	*lv = level >= 0 && level <= 7 ? names[level] : "?";
	va_list		 ap;

	if (level == FIPD_LOG_DEBUG && !fh_log_debug)
		return;
	if (fh_log_t0 != 0)
		fprintf(stderr, "%llu %s: ",
		    (unsigned long long)((fh_now() - fh_log_t0) / 1000), lv);
	else
		fprintf(stderr, "%s: %s: ", h->name, lv);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct fipd_timer *
fh_timer_new(struct fipd_host *h, fipd_timer_cb *cb, void *arg)
{
	struct fipd_timer *t;

	(void)h;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->cb = cb;
	t->arg = arg;
	TAILQ_INSERT_TAIL(&fh_timers, t, entry);
	return (t);
}

void
fh_timer_arm(struct fipd_timer *t, uint64_t delay_us)
{
	t->armed = 1;
	t->due = fh_now() + delay_us;
}

void
fh_timer_cancel(struct fipd_timer *t)
{
	if (t != NULL)
		t->armed = 0;
}

void
fh_timer_free(struct fipd_timer *t)
{
	if (t == NULL)
		return;
	TAILQ_REMOVE(&fh_timers, t, entry);
	free(t);
}

static struct fipd_io *
fh_io_add(int fd, short events, fipd_io_cb *cb, void *arg)
{
	struct fipd_io	*io;

	if ((io = calloc(1, sizeof(*io))) == NULL)
		return (NULL);
	io->fd = fd;
	io->events = events;
	io->cb = cb;
	io->arg = arg;
	io->id = ++fh_io_seq;
	TAILQ_INSERT_TAIL(&fh_ios, io, entry);
	return (io);
}

struct fipd_io *
fh_io_new(struct fipd_host *h, int fd, fipd_io_cb *cb, void *arg)
{
	(void)h;
	return (fh_io_add(fd, POLLIN, cb, arg));
}

struct fipd_io *
fh_io_new_write(struct fipd_host *h, int fd, fipd_io_cb *cb, void *arg)
{
	(void)h;
	return (fh_io_add(fd, POLLOUT, cb, arg));
}

void
fh_io_free(struct fipd_io *io)
{
	if (io == NULL)
		return;
	TAILQ_REMOVE(&fh_ios, io, entry);
	free(io);
}

uint64_t
fh_now_us(struct fipd_host *h)
{
	(void)h;
	return (fh_now());
}

void
fh_count(struct fipd_host *h, const struct fipd_instance *vi,
    const char *counter)
{
	(void)h;
	printf("COUNT %s %s\n", vi->name, counter);
	fflush(stdout);
}

void
fh_fire_timers(void)
{
	struct fipd_timer *t, *first;
	uint64_t	 now;
	int		 fired;

	for (fired = 0; fired < FH_MAX_FIRES; fired++) {
		now = fh_now();
		first = NULL;
		TAILQ_FOREACH(t, &fh_timers, entry) {
			if (t->armed && t->due <= now &&
			    (first == NULL || t->due < first->due))
				first = t;
		}
		if (first == NULL)
			break;
		first->armed = 0;
		now = fh_now();
		first->cb(first->arg);
		fh_cb_us += fh_now() - now;
		fh_cb_calls++;
	}
}

void
fh_poll(uint64_t until)
{
	struct pollfd	 pfd[FH_MAX_POLL];
	uint64_t	 ids[FH_MAX_POLL], now, next;
	struct fipd_timer *t;
	struct fipd_io	*io;
	int		 i, n, timeout;

	next = until;
	TAILQ_FOREACH(t, &fh_timers, entry) {
		if (t->armed && t->due < next)
			next = t->due;
	}
	now = fh_now();
	timeout = next > now ? (int)((next - now + 999) / 1000) : 0;

	n = 0;
	TAILQ_FOREACH(io, &fh_ios, entry) {
		if (n == FH_MAX_POLL)
			break;
		pfd[n].fd = io->fd;
		pfd[n].events = io->events;
		pfd[n].revents = 0;
		ids[n++] = io->id;
	}
	if (poll(pfd, (nfds_t)n, timeout) == -1) {
		if (errno == EINTR)
			return;
		perror("poll");
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if ((pfd[i].revents & POLLNVAL) != 0) {
			printf("ERROR fd %d watched but closed\n", pfd[i].fd);
			fflush(stdout);
			exit(1);
		}
		TAILQ_FOREACH(io, &fh_ios, entry) {
			if (io->id == ids[i])
				break;
		}
		if (io != NULL) {
			now = fh_now();
			io->cb(io->fd, io->arg);
			fh_cb_us += fh_now() - now;
			fh_cb_calls++;
		}
	}
}

void
fh_step(uint64_t until)
{
	fh_fire_timers();
	fh_poll(until);
}

void
fh_run(uint64_t until)
{
	while (fh_now() < until)
		fh_step(until);
}

void
fh_block(double secs)
{
	struct timespec	 ts;
	uint64_t	 until, now;

	until = fh_now() + (uint64_t)(secs * 1e6);
	while ((now = fh_now()) < until) {
		ts.tv_sec = (time_t)((until - now) / 1000000);
		ts.tv_nsec = (long)((until - now) % 1000000) * 1000;
		nanosleep(&ts, NULL);
	}
}

int
fh_parse_addr(const char *s, struct fipd_addr *a)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long		 plen;

	if (strlen(s) >= sizeof(buf))
		return (-1);
	strcpy(buf, s);
	memset(a, 0, sizeof(*a));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &a->u.v4) == 1) {
		a->family = AF_INET;
		a->prefixlen = 32;
	} else if (inet_pton(AF_INET6, buf, &a->u.v6) == 1) {
		a->family = AF_INET6;
		a->prefixlen = 128;
	} else
		return (-1);
	if (slash != NULL) {
		errno = 0;
		plen = strtol(slash, &end, 10);
		if (errno != 0 || *end != '\0' || end == slash || plen < 0 ||
		    plen > a->prefixlen)
			return (-1);
		a->prefixlen = (uint8_t)plen;
	}
	return (0);
}

int
fh_readable(void)
{
	struct pollfd	 pfd[FH_MAX_POLL];
	struct fipd_io	*io;
	int		 i, n = 0, ready = 0;

	TAILQ_FOREACH(io, &fh_ios, entry) {
		if (n == FH_MAX_POLL)
			break;
		if (io->events != POLLIN)
			continue;
		pfd[n].fd = io->fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (poll(pfd, (nfds_t)n, 0) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (pfd[i].revents & POLLIN)
			ready++;
	}
	return (ready);
}

/*
 * One dump: 1 found (*plen set), 0 not, -1 failed, -2 interrupted (the
 * addresses changed during the dump: start again).
 */
static int
fh_dump_find(int fd, unsigned int ifindex, const struct fipd_addr *a,
    uint8_t *plen)
{
	static union {
		struct nlmsghdr	 nh;
		char		 buf[65536];
	} rb;
	struct {
		struct nlmsghdr	 nh;
		struct ifaddrmsg ifa;
	} req;
	const struct nlmsghdr	*nh;
	const struct ifaddrmsg	*ifa;
	const struct rtattr	*rta;
	const void		*local, *address, *p;
	size_t			 alen = a->family == AF_INET6 ? 16 : 4;
	ssize_t			 n;
	int			 left, rleft, found = 0, intr = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifa));
	req.nh.nlmsg_type = RTM_GETADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.ifa.ifa_family = (uint8_t)a->family;
	if (send(fd, &req, req.nh.nlmsg_len, 0) == -1)
		return (-1);
	for (;;) {
		if ((n = recv(fd, rb.buf, sizeof(rb.buf), 0)) <= 0)
			return (-1);
		left = (int)n;
		for (nh = &rb.nh; NLMSG_OK(nh, left);
		    nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (nh->nlmsg_type == NLMSG_DONE)
				return (intr ? -2 : found);
			if (nh->nlmsg_type == NLMSG_ERROR)
				return (-1);
			if (nh->nlmsg_type != RTM_NEWADDR ||
			    nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
				continue;
			ifa = NLMSG_DATA(nh);
			if (ifa->ifa_index != ifindex ||
			    ifa->ifa_family != a->family)
				continue;
			/* IPv4 names the local address IFA_LOCAL. */
			local = address = NULL;
			rleft = (int)(nh->nlmsg_len -
			    NLMSG_LENGTH(sizeof(*ifa)));
			for (rta = IFA_RTA(ifa); RTA_OK(rta, rleft);
			    rta = RTA_NEXT(rta, rleft)) {
				if (RTA_PAYLOAD(rta) != alen)
					continue;
				if (rta->rta_type == IFA_LOCAL)
					local = RTA_DATA(rta);
				else if (rta->rta_type == IFA_ADDRESS)
					address = RTA_DATA(rta);
			}
			p = local != NULL ? local : address;
			if (p != NULL && memcmp(p, a->u.raw, alen) == 0) {
				found = 1;
				*plen = ifa->ifa_prefixlen;
			}
		}
	}
}

int
fh_addr_present(struct fipd_host *h, unsigned int ifindex,
    const struct fipd_addr *a, uint8_t *prefixlen)
{
	struct timeval	 tv = { 2, 0 };
	uint8_t		 plen = 0;
	int		 fd, rc = -1, tries;

	(void)h;
	fh_addr_queries++;
	if (ifindex == 0)
		return (0);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd == -1)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (tries = 0; tries < FH_DUMP_TRIES; tries++) {
		if ((rc = fh_dump_find(fd, ifindex, a, &plen)) != -2)
			break;
	}
	close(fd);
	if (rc == 1 && prefixlen != NULL)
		*prefixlen = plen;
	return (rc < 0 ? -1 : rc);
}

int
fh_leftovers(void)
{
	struct fipd_timer *t;
	struct fipd_io	*io;
	int		 n = 0;

	TAILQ_FOREACH(t, &fh_timers, entry)
		n++;
	TAILQ_FOREACH(io, &fh_ios, entry)
		n++;
	return (n);
}

int
fh_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL) {
		perror("/proc/self/fd");
		exit(1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n - 1);		/* the directory's own */
}
