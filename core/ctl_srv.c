/*
 * Non-blocking stream server for the control socket and the metrics
 * endpoint (see ctl_srv.h).  Only loop watches and timers from event.c;
 * no libevent here.
 */
#include "config.h"

#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fipd.h"
#include "ctl_srv.h"

#define CSRV_ACCEPT_BURST 16		/* accepts per wake-up */
#define CSRV_READ_CHUNK 4096
#define CSRV_RESUME_US 1000000		/* retry accept after EMFILE */
#define CSRV_DRAIN_US 1000000		/* lingering close, at most */

struct cconn {
	TAILQ_ENTRY(cconn) entry;
	struct csrv *s;
	int fd;
	struct fipd_io *rd;		/* NULL while a reply is pending */
	struct fipd_io *wr;		/* only while the socket is full */
	struct fipd_timer *t_idle;
	struct cbuf in;
	struct cbuf out;
	size_t out_off;
	int eof;
	int closing;			/* close once out is written */
	int draining;			/* reply sent, discarding input */
	uint64_t served;		/* replies queued */
};
TAILQ_HEAD(cconn_list, cconn);

struct csrv {
	struct csrv_params p;
	int lfd;
	struct fipd_io *lio;		/* NULL while paused */
	struct fipd_timer *t_resume;
	struct cconn_list conns;
	unsigned int n;
	struct log_limit ll;
};

static void csrv_accept_cb(int, void *);
static void cconn_read_cb(int, void *);
static void cconn_write_cb(int, void *);
static void cconn_idle_cb(void *);
static int cconn_process(struct cconn *);

static void
csrv_listen(struct csrv *s)
{
	if (s->lio == NULL && !ev_timer_pending(s->t_resume))
		s->lio = ev_io_new(s->lfd, 0, csrv_accept_cb, s);
}

static void
csrv_pause(struct csrv *s)
{
	ev_io_free(s->lio);
	s->lio = NULL;
}

static void
csrv_resume_cb(void *arg)
{
	csrv_listen(arg);
}

static void
cconn_close(struct cconn *c)
{
	struct csrv *s = c->s;

	TAILQ_REMOVE(&s->conns, c, entry);
	s->n--;
	ev_io_free(c->rd);
	ev_io_free(c->wr);
	ev_timer_free(c->t_idle);
	close(c->fd);
	cbuf_free(&c->in);
	cbuf_free(&c->out);
	free(c);
	if (s->n < s->p.max_clients)
		csrv_listen(s);
}

/*
 * Write what is pending.  Returns: 1 all written (the connection reads
 * again), 0 the socket is full (a write watch waits), -1 closed or
 * closing (nothing more to do with it).
 */
static int
cconn_flush(struct cconn *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_free(c->rd);
			c->rd = NULL;
			if (c->wr == NULL)
				c->wr = ev_io_new(c->fd, 1, cconn_write_cb, c);
			return 0;
		}
		log_debug("%s: client write: %s", c->s->p.name,
		    n == -1 ? strerror(errno) : "closed");
		cconn_close(c);
		return -1;
	}
	ev_io_free(c->wr);
	c->wr = NULL;
	cbuf_reset(&c->out);
	c->out_off = 0;
	if (c->closing) {
		/*
		 * Closing with unread input makes the kernel send a reset,
		 * which can destroy the reply before the client reads it:
		 * end our side and discard what still comes, for a while.
		 */
		if (c->eof || shutdown(c->fd, SHUT_WR) == -1) {
			cconn_close(c);
			return -1;
		}
		c->draining = 1;
		cbuf_reset(&c->in);
		if (c->rd == NULL)
			c->rd = ev_io_new(c->fd, 0, cconn_read_cb, c);
		ev_timer_arm(c->t_idle, c->s->p.idle_us < CSRV_DRAIN_US ?
		    c->s->p.idle_us : CSRV_DRAIN_US);
		return -1;
	}
	if (c->rd == NULL && !c->eof)
		c->rd = ev_io_new(c->fd, 0, cconn_read_cb, c);
	return 1;
}

/*
 * Run the handler over the pending input until it needs more bytes or a
 * reply cannot be written at once.  Each reply consumes input, so this
 * ends after at most in_max rounds.  Returns: 0, or -1 closed.
 */
static int
cconn_process(struct cconn *c)
{
	struct csrv *s = c->s;
	enum csrv_act act;
	size_t used, i;
	int rc;

	for (i = 0; i <= s->p.in_max; i++) {
		used = 0;
		act = s->p.input(c->in.len > 0 ? c->in.p : "", c->in.len,
		    c->eof, &used, &c->out, s->p.arg);
		if (act == CSRV_MORE) {
			/* Nothing more can come, or the handler let the
			 * buffer fill up without deciding. */
			if (c->eof || c->in.len >= s->p.in_max)
				break;
			return 0;
		}
		if (act == CSRV_REPLY && (used == 0 || used > c->in.len)) {
			log_warnx("%s: %s: handler consumed %zu of %zu bytes",
			    s->p.name, __func__, used, c->in.len);
			break;
		}
		cbuf_consume(&c->in, used > c->in.len ? c->in.len : used);
		if (c->out.failed) {
			log_warnx("%s: reply larger than %zu bytes dropped",
			    s->p.name, s->p.out_max);
			break;
		}
		c->served++;
		/* Least recently served last (csrv_reclaim takes the first). */
		TAILQ_REMOVE(&s->conns, c, entry);
		TAILQ_INSERT_TAIL(&s->conns, c, entry);
		if (act == CSRV_CLOSE)
			c->closing = 1;
		else
			ev_timer_arm(c->t_idle, s->p.idle_us);
		if ((rc = cconn_flush(c)) != 1)
			return rc == -1 ? -1 : 0;
		/* Full and paused: this connection may now make room. */
		if (s->n >= s->p.max_clients)
			csrv_listen(s);
	}
	cconn_close(c);
	return -1;
}

static void
cconn_read_cb(int fd, void *arg)
{
	struct cconn *c = arg;
	char buf[CSRV_READ_CHUNK];
	size_t room = c->s->p.in_max - c->in.len;
	ssize_t n;

	if (c->draining) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN &&
		    errno != EWOULDBLOCK && errno != EINTR))
			cconn_close(c);
		return;
	}
	if (room == 0) {
		cconn_close(c);
		return;
	}
	n = recv(fd, buf, room < sizeof(buf) ? room : sizeof(buf),
	    MSG_DONTWAIT);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_debug("%s: client read: %s", c->s->p.name,
		    strerror(errno));
		cconn_close(c);
		return;
	}
	if (n == 0) {
		c->eof = 1;
		ev_io_free(c->rd);
		c->rd = NULL;
	} else
		cbuf_add(&c->in, buf, (size_t)n);
	if (c->in.failed) {
		cconn_close(c);
		return;
	}
	cconn_process(c);
}

static void
cconn_write_cb(int fd, void *arg)
{
	struct cconn *c = arg;

	if (cconn_flush(c) == 1)
		cconn_process(c);
}

static void
cconn_idle_cb(void *arg)
{
	struct cconn *c = arg;

	log_debug("%s: client idle for %llu ms, closed", c->s->p.name,
	    (unsigned long long)(c->s->p.idle_us / 1000));
	cconn_close(c);
}

/*
 * The server is full and a client waits: close the connection that has
 * waited longest for its next request after a reply (a kept-alive
 * client loses nothing but its connection).  Clients in the middle of a
 * request keep their place.  Returns: 0 one was closed, -1 none could be.
 */
static int
csrv_reclaim(struct csrv *s)
{
	struct cconn *c;

	TAILQ_FOREACH(c, &s->conns, entry)
		if (c->served > 0 && c->in.len == 0 && c->out.len == 0 &&
		    !c->closing && !c->draining) {
			log_debug("%s: full, closing an idle kept-alive "
			    "client", s->p.name);
			cconn_close(c);
			return 0;
		}
	return -1;
}

static void
csrv_accept_cb(int lfd, void *arg)
{
	struct csrv *s = arg;
	struct cconn *c;
	int i, fd;

	for (i = 0; i < CSRV_ACCEPT_BURST; i++) {
		if (s->n >= s->p.max_clients && csrv_reclaim(s) == -1) {
			/* The rest wait in the backlog until one leaves. */
			csrv_pause(s);
			return;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* EMFILE and friends: the socket stays readable,
			 * so stop watching it for a while. */
			if (log_limit_ok(&s->ll, ev_now_us()))
				log_warn("%s: accept", s->p.name);
			csrv_pause(s);
			ev_timer_arm(s->t_resume, CSRV_RESUME_US);
			return;
		}
		c = xcalloc(1, sizeof(*c));
		c->s = s;
		c->fd = fd;
		cbuf_init(&c->in, s->p.in_max);
		cbuf_init(&c->out, s->p.out_max);
		c->t_idle = ev_timer_new(cconn_idle_cb, c);
		ev_timer_arm(c->t_idle, s->p.idle_us);
		c->rd = ev_io_new(fd, 0, cconn_read_cb, c);
		TAILQ_INSERT_TAIL(&s->conns, c, entry);
		s->n++;
	}
}

struct csrv *
csrv_new(int lfd, const struct csrv_params *p)
{
	struct csrv *s;

	s = xcalloc(1, sizeof(*s));
	s->p = *p;
	if (s->p.max_clients == 0)
		s->p.max_clients = 1;
	s->lfd = lfd;
	s->ll.period_s = 60;
	s->ll.burst = 3;
	TAILQ_INIT(&s->conns);
	s->t_resume = ev_timer_new(csrv_resume_cb, s);
	csrv_listen(s);
	return s;
}

void
csrv_free(struct csrv *s)
{
	struct cconn *c;

	if (s == NULL)
		return;
	while ((c = TAILQ_FIRST(&s->conns)) != NULL) {
		/* Keep cconn_close from listening again. */
		s->p.max_clients = 0;
		cconn_close(c);
	}
	csrv_pause(s);
	ev_timer_free(s->t_resume);
	close(s->lfd);
	free(s);
}

unsigned int
csrv_clients(const struct csrv *s)
{
	return s != NULL ? s->n : 0;
}
