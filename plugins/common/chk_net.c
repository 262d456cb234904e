/*
 * Socket helpers of the check plugins: targets (address literals at
 * once, names in the background), non-blocking connect, error reasons.
 * See chk.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <sys/queue.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fipd/plugin.h"
#include "chk.h"

/* One getaddrinfo_a() request; the C library writes to it until done. */
struct chk_gai {
	struct gaicb		 cb;
	struct addrinfo		 hints;
	char			 host[CHK_HOST_MAX];
	char			 serv[8];
	LIST_ENTRY(chk_gai)	 entry;		/* on chk_orphans */
};

/* Lookups whose target went away while the C library still ran them. */
static LIST_HEAD(, chk_gai) chk_orphans = LIST_HEAD_INITIALIZER(chk_orphans);

#define CHK_POLL_FIRST_US	1000
#define CHK_POLL_MAX_US		50000

static void	chk_target_poll_cb(void *);

static uint64_t
chk_mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
chk_gai_free(struct chk_gai *g)
{
	if (g->cb.ar_result != NULL)
		freeaddrinfo(g->cb.ar_result);
	free(g);
}

static void
chk_orphans_sweep(void)
{
	struct chk_gai	*g, *next;

	for (g = LIST_FIRST(&chk_orphans); g != NULL; g = next) {
		next = LIST_NEXT(g, entry);
		if (gai_error(&g->cb) != EAI_INPROGRESS) {
			LIST_REMOVE(g, entry);
			chk_gai_free(g);
		}
	}
}

/* Cancel a lookup, or leave it to finish on chk_orphans. */
static void
chk_gai_drop(struct chk_gai *g)
{
	if (gai_cancel(&g->cb) == EAI_NOTCANCELED)
		LIST_INSERT_HEAD(&chk_orphans, g, entry);
	else
		chk_gai_free(g);
}

int
chk_target_init(struct chk_target *t, const char *host, uint16_t port,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 serv[8];
	const char	*c;

	memset(t, 0, sizeof(*t));
	if (host[0] == '\0' || strlen(host) >= sizeof(t->host)) {
		snprintf(err, errlen, "bad host '%s'", host);
		return (-1);
	}
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", (unsigned int)port);
	if (getaddrinfo(host, serv, &hints, &res) == 0) {
		if (res != NULL && res->ai_addrlen <= sizeof(t->addr)) {
			memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
			t->addrlen = res->ai_addrlen;
			t->literal = 1;
		}
		if (res != NULL)
			freeaddrinfo(res);
		if (t->literal)
			return (0);
	}
	/* A name: letters, digits, '-', '_' and '.' (RFC 1123, loosely). */
	for (c = host; *c != '\0'; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		    *c == '.')) {
			snprintf(err, errlen, "'%s' is neither an address nor "
			    "a host name", host);
			return (-1);
		}
	}
	return (0);
}

/* Start a lookup.  Returns: 0, or -1 with t->err set. */
static int
chk_target_lookup(struct chk_target *t)
{
	struct chk_gai	*g;
	struct gaicb	*list[1];
	int		 rc;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(t->err, sizeof(t->err), "cannot resolve %s: out of "
		    "memory", t->host);
		return (-1);
	}
	snprintf(g->host, sizeof(g->host), "%s", t->host);
	snprintf(g->serv, sizeof(g->serv), "%u", (unsigned int)t->port);
	g->hints.ai_family = AF_UNSPEC;
	g->hints.ai_socktype = SOCK_STREAM;
	g->hints.ai_flags = AI_NUMERICSERV;
	g->cb.ar_name = g->host;
	g->cb.ar_service = g->serv;
	g->cb.ar_request = &g->hints;
	list[0] = &g->cb;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		snprintf(t->err, sizeof(t->err), "cannot resolve %s: %s",
		    t->host, rc == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(rc));
		free(g);
		return (-1);
	}
	if (t->t_poll == NULL &&
	    (t->t_poll = t->api->timer_new(t->h, chk_target_poll_cb, t)) ==
	    NULL) {
		chk_gai_drop(g);
		snprintf(t->err, sizeof(t->err), "cannot resolve %s: no "
		    "timer", t->host);
		return (-1);
	}
	t->gai = g;
	t->poll_us = CHK_POLL_FIRST_US;
	t->api->timer_arm(t->t_poll, t->poll_us);
	return (0);
}

/* Is the lookup done?  Takes its answer, tells a waiting probe. */
static void
chk_target_poll_cb(void *arg)
{
	struct chk_target *t = arg;
	struct chk_gai	*g = t->gai;
	struct addrinfo	*res;
	chk_target_cb	*cb;
	int		 rc, ok = 0;

	if (g == NULL)
		return;
	if ((rc = gai_error(&g->cb)) == EAI_INPROGRESS) {
		if (t->poll_us < CHK_POLL_MAX_US)
			t->poll_us *= 2;
		t->api->timer_arm(t->t_poll, t->poll_us);
		return;
	}
	t->gai = NULL;
	res = g->cb.ar_result;
	if (rc != 0)
		snprintf(t->err, sizeof(t->err), "cannot resolve %s: %s",
		    t->host, gai_strerror(rc));
	else if (res == NULL || res->ai_addrlen > sizeof(t->addr))
		snprintf(t->err, sizeof(t->err), "cannot resolve %s: no "
		    "usable address", t->host);
	else {
		memset(&t->addr, 0, sizeof(t->addr));
		memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
		t->addrlen = res->ai_addrlen;
		t->resolved_at = chk_mono_us();
		ok = 1;
	}
	chk_gai_free(g);
	t->failed_at = ok ? 0 : chk_mono_us();
	/* A failed refresh keeps the last good address. */
	if (!ok && t->addrlen > 0)
		ok = 1;
	if ((cb = t->cb) != NULL) {
		t->cb = NULL;
		cb(t->cb_arg, ok, t->err);
	}
}

int
chk_target_get(struct chk_target *t, struct fipd_host *h,
    const struct fipd_host_api *api, chk_target_cb *cb, void *arg)
{
	uint64_t	 now;

	if (t->literal)
		return (1);
	t->h = h;
	t->api = api;
	chk_orphans_sweep();
	now = chk_mono_us();
	if (t->gai == NULL &&
	    (t->addrlen == 0 || now - t->resolved_at >= CHK_RESOLVE_TTL_US) &&
	    (t->failed_at == 0 || now - t->failed_at >= CHK_RESOLVE_RETRY_US) &&
	    chk_target_lookup(t) == -1)
		t->failed_at = now;
	if (t->addrlen > 0)
		return (1);	/* the last answer; a refresh may run */
	if (t->failed_at != 0)
		return (-1);	/* t->err; a retry may run */
	t->cb = cb;
	t->cb_arg = arg;
	return (0);
}

void
chk_target_forget(struct chk_target *t)
{
	t->cb = NULL;
	t->cb_arg = NULL;
}

void
chk_target_fini(struct chk_target *t)
{
	if (t->gai != NULL) {
		chk_gai_drop(t->gai);
		t->gai = NULL;
	}
	if (t->t_poll != NULL) {
		t->api->timer_free(t->t_poll);
		t->t_poll = NULL;
	}
	t->cb = NULL;
}

void
chk_target_shutdown(uint64_t max_us)
{
	struct timespec	 ts;
	uint64_t	 end = chk_mono_us() + max_us;

	chk_orphans_sweep();
	while (!LIST_EMPTY(&chk_orphans) && chk_mono_us() < end) {
		ts.tv_sec = 0;
		ts.tv_nsec = 10 * 1000 * 1000;
		nanosleep(&ts, NULL);
		chk_orphans_sweep();
	}
}

char *
chk_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	char		 a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else
		snprintf(buf, len, "(family %d)", ss->ss_family);
	return (buf);
}

int
chk_connect(const struct sockaddr_storage *ss, socklen_t sslen, int *fdp)
{
	int		 fd, e;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd == -1)
		return (-1);
	if (connect(fd, (const struct sockaddr *)ss, sslen) == 0) {
		*fdp = fd;
		return (0);
	}
	if (errno == EINPROGRESS || errno == EINTR) {
		*fdp = fd;
		return (1);
	}
	e = errno;
	close(fd);
	errno = e;
	return (-1);
}

int
chk_connect_result(int fd)
{
	socklen_t	 len;
	int		 e = 0;

	len = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		return (errno);
	return (e);
}

const char *
chk_errno_reason(int e, const char *what, char *buf, size_t len)
{
	switch (e) {
	case ECONNREFUSED:
		return ("connection refused");
	case ECONNRESET:
	case EPIPE:
		return ("connection reset");
	case ECONNABORTED:
		return ("connection aborted");
	case ETIMEDOUT:
		return ("connection timed out");
	case EHOSTUNREACH:
		return ("no route to host");
	case ENETUNREACH:
		return ("network unreachable");
	case ENETDOWN:
		return ("network down");
	case EHOSTDOWN:
		return ("host down");
	case EADDRNOTAVAIL:
		return ("address not available");
	default:
		snprintf(buf, len, "%s: %s", what, strerror(e));
		return (buf);
	}
}
