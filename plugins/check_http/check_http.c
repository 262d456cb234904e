/*
 * check_http: HTTP/1.1 health check, `type = http` (the nginx check).
 *
 *   url = http://HOST[:PORT][/PATH]	required; HOST an IPv4 or an
 *					[IPv6] literal, or a name (resolved
 *					in the background when probing,
 *					again after a minute; see chk.h)
 *   method = GET | HEAD		default GET
 *   expect_status = 200,204 | 200-299	default 200; repeatable
 *   expect_body = TEXT			in the first 64 KiB of the body
 *   host = NAME			Host header (default from the URL)
 *   connect_timeout = SECONDS		default: only the core's timeout
 *
 * Everything is non-blocking and bounded (chk_http.c).  A refused
 * connection is DOWN as soon as the kernel says so.  After an UP probe
 * the connection is kept alive in the configuration and watched: when
 * the server closes it between probes (nginx stopping, or only its
 * keepalive_timeout), the plugin asks the core for a probe at once with
 * check_recheck(), so a dead server is noticed without waiting for the
 * next interval.  The next probe reuses the connection while it is open;
 * if a reused connection fails before any byte of the response (the
 * server closed it while we sent), the probe reconnects once.  A server
 * that closes every idle connection at once gets keep-alive turned off
 * (see HC_KA_QUICK_MAX) rather than a recheck loop.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fipd/plugin.h"
#include "../common/chk.h"

#define HC_READ_SIZE		16384
#define HC_READS_PER_WAKE	8	/* then yield to the loop */
#define HC_CS_US		10000
#define HC_HOSTHDR_MAX		(CHK_HOST_MAX + 8)
/*
 * A server that closes every kept-alive connection at once (without
 * saying Connection: close) would turn rechecks into a busy loop: after
 * HC_KA_QUICK_MAX such closures in a row, each within HC_KA_QUICK_US of
 * parking the connection, keep-alive is given up for that check.
 */
#define HC_KA_QUICK_US		100000
#define HC_KA_QUICK_MAX		3

/* Keys seen, to refuse a repeated single-value key. */

struct hc_probe;

struct hc_conf {
	struct fipd_host	*h;
	char			*url;		/* as configured, for logs */
	struct chk_url		 u;
	struct chk_target	 tgt;
	int			 head;		/* method HEAD */
	struct chk_status	 status;
	char			*expect_body;
	size_t			 expect_len;
	char			*host_hdr;
	unsigned int		 connect_timeout_cs;	/* 0: none */
	char			*req;		/* the request, built once */
	size_t			 reqlen;

	struct fipd_probe	*p;		/* the core's handle */
	struct hc_probe		*probe;		/* in flight, or NULL */
	int			 ka_fd;		/* kept alive, or -1 */
	struct fipd_io		*ka_io;
	uint64_t		 ka_since;	/* parked at, us */
	unsigned int		 ka_quick;	/* closed at once, in a row */
	int			 ka_off;	/* keep-alive given up */
};

enum hc_phase {
	HC_CONNECTING,
	HC_SENDING,
	HC_READING,
};

struct hc_probe {
	struct hc_conf		*conf;
	enum hc_phase		 phase;
	int			 fd;
	struct fipd_io		*io;
	struct fipd_timer	*t_connect;
	int			 reused;	/* on a kept-alive connection */
	size_t			 sent;
	uint64_t		 rcvd;
	unsigned char		*body;		/* kept for expect_body */
	struct chk_http_resp	 resp;
};

static int	 hc_init(struct fipd_host *, const struct fipd_host_api *);
static void	 hc_conf_defaults(void *);
static int	 hc_parse(void *, const struct fipd_conf_key *, const char *,
		    char *, size_t);
static int	 hc_conf_check(struct fipd_host *, void *, char *, size_t);
static void	 hc_conf_free(void *);
static int	 hc_start(struct fipd_host *, void *, struct fipd_probe *,
		    void **);
static void	 hc_cancel(void *);

static int	 hc_set_url(struct hc_conf *, const char *, char *, size_t);
static void	 hc_ka_close(struct hc_conf *);
static void	 hc_ka_cb(int, void *);
static void	 hc_probe_free(struct hc_probe *);
static int	 hc_connect(struct hc_probe *);
static void	 hc_connect_cb(int, void *);
static void	 hc_connect_timeout_cb(void *);
static int	 hc_send(struct hc_probe *);
static void	 hc_send_cb(int, void *);
static void	 hc_read_cb(int, void *);
static int	 hc_retry(struct hc_probe *);
static int	 hc_io_error(struct hc_probe *, int, const char *);
static int	 hc_evaluate(struct hc_probe *);
static int	 hc_finish(struct hc_probe *, enum fipd_check_result,
		    const char *, int);
static void	 hc_resolved_cb(void *, int, const char *);
static void	 hc_fini(void);

static struct fipd_host			*hc_host;
static const struct fipd_host_api	*hc_api;

#define HC_LOG(lvl, ...)	hc_api->log(hc_host, (lvl), __VA_ARGS__)

static const char *const hc_methods[] = { "GET", "HEAD", NULL };

static const struct fipd_conf_key hc_keys[] = {
	FIPD_KEY_PARSE("url", FIPD_KF_REQUIRED, hc_parse,
	    "http://HOST[:PORT]/PATH"),
	{ .name = "method", .type = FIPD_KT_ENUM, .names = hc_methods,
	    .offset = offsetof(struct hc_conf, head), .doc = "GET or HEAD" },
	FIPD_KEY_PARSE("expect_status", FIPD_KF_REPEAT, hc_parse,
	    "a status or range (200, 200-299)"),
	FIPD_KEY_PARSE("expect_body", 0, hc_parse,
	    "text the body must contain"),
	FIPD_KEY_PARSE("host", 0, hc_parse, "a Host header (name[:port])"),
	FIPD_KEY_NUM("connect_timeout", FIPD_KT_SECONDS, 0, 1, 360000,
	    struct hc_conf, connect_timeout_cs, "seconds 0.01-3600"),
};

static const struct fipd_conf_schema hc_schema = {
	.size = sizeof(struct hc_conf),
	.defaults = hc_conf_defaults,
	.keys = hc_keys,
	.n_keys = sizeof(hc_keys) / sizeof(hc_keys[0]),
};

static const struct fipd_check_ops hc_ops = {
	.conf = &hc_schema,
	.conf_check = hc_conf_check,
	.conf_free = hc_conf_free,
	.start = hc_start,
	.cancel = hc_cancel,
};

FIPD_PLUGIN(
	.name = "check_http",
	.kind = FIPD_PLUGIN_CHECK,
	.type = "http",
	.init = hc_init,
	.fini = hc_fini,
	.check = &hc_ops,
);

static int
hc_init(struct fipd_host *h, const struct fipd_host_api *api)
{
	if (api == NULL || api->abi_version != FIPD_PLUGIN_ABI_VERSION)
		return (-1);
	hc_host = h;
	hc_api = api;
	return (0);
}

/* Abandoned lookups still written to by the C library: wait for them. */
static void
hc_fini(void)
{
	chk_target_shutdown(2000000);
}

static void
hc_conf_defaults(void *conf)
{
	struct hc_conf	*c = conf;

	c->ka_fd = -1;
}

static int
hc_set_url(struct hc_conf *c, const char *value, char *err, size_t errlen)
{
	char		 e[256];

	if (chk_url_parse(value, &c->u, err, errlen) == -1)
		return (-1);
	if (chk_target_init(&c->tgt, c->u.host, c->u.port, e, sizeof(e)) ==
	    -1) {
		snprintf(err, errlen, "url: %s", e);
		return (-1);
	}
	if ((c->url = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

/* url, expect_status, expect_body, host. */
static int
hc_parse(void *conf, const struct fipd_conf_key *k, const char *value,
    char *err, size_t errlen)
{
	struct hc_conf	*c = conf;
	const unsigned char *s;

	if (strcmp(k->name, "url") == 0)
		return (hc_set_url(c, value, err, errlen));
	if (strcmp(k->name, "expect_status") == 0)
		return (chk_status_parse(value, &c->status, err, errlen));
	if (strcmp(k->name, "expect_body") == 0) {
		c->expect_len = strlen(value);
		if (c->expect_len == 0 || c->expect_len > CHK_HTTP_BODY_MAX) {
			snprintf(err, errlen, "1 to %d bytes",
			    CHK_HTTP_BODY_MAX);
			return (-1);
		}
		if ((c->expect_body = strdup(value)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		return (0);
	}
	/* host */
	for (s = (const unsigned char *)value; *s != '\0'; s++) {
		if (*s <= 0x20 || *s >= 0x7f)
			break;
	}
	if (*value == '\0' || *s != '\0' || strlen(value) >= HC_HOSTHDR_MAX) {
		snprintf(err, errlen, "%s: expected a host name (and :port), "
		    "no spaces", value);
		return (-1);
	}
	if ((c->host_hdr = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

static int
hc_conf_check(struct fipd_host *h, void *conf, char *err, size_t errlen)
{
	struct hc_conf	*c = conf;
	char		 hosthdr[HC_HOSTHDR_MAX], port[8], a[64];
	int		 n;

	if (c == NULL || c->url == NULL) {
		snprintf(err, errlen, "url is required");
		return (-1);
	}
	if (c->head && c->expect_body != NULL) {
		snprintf(err, errlen, "expect_body needs method GET (a HEAD "
		    "response has no body)");
		return (-1);
	}
	if (!c->status.any)
		chk_status_parse("200", &c->status, err, errlen);

	port[0] = '\0';
	if (c->u.port != 80)
		snprintf(port, sizeof(port), ":%u", (unsigned int)c->u.port);
	snprintf(hosthdr, sizeof(hosthdr), "%s%s%s%s", c->u.bracketed ?
	    "[" : "", c->u.host, c->u.bracketed ? "]" : "", port);

	free(c->req);
	n = asprintf(&c->req, "%s %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "User-Agent: fipd-check_http/%s\r\n"
	    "Accept: */*\r\n"
	    "\r\n", c->head ? "HEAD" : "GET", c->u.path,
	    c->host_hdr != NULL ? c->host_hdr : hosthdr, PACKAGE_VERSION);
	if (n < 0) {
		c->req = NULL;
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	c->reqlen = (size_t)n;
	c->h = h;
	HC_LOG(FIPD_LOG_DEBUG, "%s: probing %s", c->url, c->tgt.literal ?
	    chk_addr_str(&c->tgt.addr, a, sizeof(a)) : c->tgt.host);
	return (0);
}

static void
hc_conf_free(void *conf)
{
	struct hc_conf	*c = conf;

	if (c == NULL)
		return;
	if (c->probe != NULL)
		hc_probe_free(c->probe);
	hc_ka_close(c);
	chk_target_fini(&c->tgt);
	free(c->url);
	free(c->expect_body);
	free(c->host_hdr);
	free(c->req);
}

static void
hc_ka_close(struct hc_conf *c)
{
	if (c->ka_io != NULL) {
		hc_api->io_free(c->ka_io);
		c->ka_io = NULL;
	}
	if (c->ka_fd != -1) {
		close(c->ka_fd);
		c->ka_fd = -1;
	}
}

/*
 * The idle kept-alive connection became readable: the server closed it,
 * reset it or (wrongly) sent something.  Either way it is done; close it
 * and ask for a probe now.  The recheck is requested last, as the core
 * may start the probe from inside the call.
 */
static void
hc_ka_cb(int fd, void *arg)
{
	struct hc_conf	*c = arg;
	const char	*why;
	ssize_t		 n;
	char		 b;

	n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n == 0)
		why = "connection closed by server";
	else if (n == -1)
		why = "connection reset by server";
	else
		why = "unexpected data from server";
	hc_ka_close(c);
	HC_LOG(FIPD_LOG_DEBUG, "%s: kept-alive connection: %s", c->url, why);
	if (hc_api->now_us(c->h) - c->ka_since >= HC_KA_QUICK_US)
		c->ka_quick = 0;
	else if (++c->ka_quick >= HC_KA_QUICK_MAX) {
		c->ka_off = 1;
		HC_LOG(FIPD_LOG_NOTICE, "%s: the server closes idle "
		    "connections at once; keep-alive (and recheck on close) "
		    "turned off", c->url);
	}
	if (c->p != NULL && hc_api->check_recheck != NULL)
		hc_api->check_recheck(c->p, why);
}

static int
hc_start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	struct hc_conf	*c = conf;
	struct hc_probe	*pr;
	int		 done;

	*pctx = NULL;
	c->p = p;
	if (c->probe != NULL) {
		HC_LOG(FIPD_LOG_ERR, "%s: probe started while one runs",
		    c->url);
		return (-1);
	}
	if ((pr = calloc(1, sizeof(*pr))) == NULL ||
	    (c->expect_body != NULL &&
	    (pr->body = malloc(CHK_HTTP_BODY_MAX)) == NULL)) {
		HC_LOG(FIPD_LOG_ERR, "%s: out of memory", c->url);
		free(pr);
		return (-1);
	}
	pr->conf = c;
	pr->fd = -1;
	c->probe = pr;
	*pctx = pr;

	if (c->ka_fd != -1) {
		hc_api->io_free(c->ka_io);
		c->ka_io = NULL;
		pr->fd = c->ka_fd;
		c->ka_fd = -1;
		pr->reused = 1;
		done = hc_send(pr);
	} else
		done = hc_connect(pr);
	if (done)
		*pctx = NULL;
	return (0);
}

static void
hc_cancel(void *pctx)
{
	/* The core's timeout: the connection's state is unknown, drop it. */
	if (pctx != NULL)
		hc_probe_free(pctx);
}

static void
hc_probe_free(struct hc_probe *pr)
{
	if (pr->io != NULL)
		hc_api->io_free(pr->io);
	if (pr->t_connect != NULL)
		hc_api->timer_free(pr->t_connect);
	if (pr->fd != -1)
		close(pr->fd);
	chk_target_forget(&pr->conf->tgt);
	if (pr->conf->probe == pr)
		pr->conf->probe = NULL;
	free(pr->body);
	free(pr);
}

/* The hc_connect ... hc_finish chain returns 1 once the probe is over. */
static int
hc_connect(struct hc_probe *pr)
{
	struct hc_conf	*c = pr->conf;
	int		 rc;

	pr->phase = HC_CONNECTING;
	switch (chk_target_get(&c->tgt, c->h, hc_api, hc_resolved_cb, pr)) {
	case 0:
		return (0);	/* hc_resolved_cb() goes on */
	case -1:
		return (hc_finish(pr, FIPD_CHECK_DOWN, c->tgt.err, 0));
	}
	rc = chk_connect(&c->tgt.addr, c->tgt.addrlen, &pr->fd);
	if (rc == -1) {
		pr->fd = -1;
		return (hc_io_error(pr, errno, "connect"));
	}
	if (rc == 0)
		return (hc_send(pr));
	if ((pr->io = hc_api->io_new_write(c->h, pr->fd, hc_connect_cb,
	    pr)) == NULL)
		return (hc_finish(pr, FIPD_CHECK_DOWN, "cannot watch socket",
		    0));
	if (c->connect_timeout_cs > 0) {
		if ((pr->t_connect = hc_api->timer_new(c->h,
		    hc_connect_timeout_cb, pr)) == NULL)
			return (hc_finish(pr, FIPD_CHECK_DOWN,
			    "cannot create timer", 0));
		hc_api->timer_arm(pr->t_connect,
		    (uint64_t)c->connect_timeout_cs * HC_CS_US);
	}
	return (0);
}

static void
hc_resolved_cb(void *arg, int ok, const char *err)
{
	struct hc_probe	*pr = arg;

	if (ok)
		(void)hc_connect(pr);
	else
		(void)hc_finish(pr, FIPD_CHECK_DOWN, err, 0);
}

static void
hc_connect_cb(int fd, void *arg)
{
	struct hc_probe	*pr = arg;
	int		 e;

	if ((e = chk_connect_result(fd)) != 0) {
		hc_io_error(pr, e, "connect");
		return;
	}
	hc_api->io_free(pr->io);
	pr->io = NULL;
	if (pr->t_connect != NULL) {
		hc_api->timer_free(pr->t_connect);
		pr->t_connect = NULL;
	}
	hc_send(pr);
}

static void
hc_connect_timeout_cb(void *arg)
{
	hc_finish(arg, FIPD_CHECK_DOWN, "connect timeout", 0);
}

static int
hc_send(struct hc_probe *pr)
{
	struct hc_conf	*c = pr->conf;
	ssize_t		 n;

	pr->phase = HC_SENDING;
	while (pr->sent < c->reqlen) {
		n = send(pr->fd, c->req + pr->sent, c->reqlen - pr->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (pr->io == NULL && (pr->io = hc_api->io_new_write(
			    c->h, pr->fd, hc_send_cb, pr)) == NULL)
				return (hc_finish(pr, FIPD_CHECK_DOWN,
				    "cannot watch socket", 0));
			return (0);
		}
		if (n == -1)
			return (hc_io_error(pr, errno, "send"));
		pr->sent += (size_t)n;
	}
	if (pr->io != NULL) {
		hc_api->io_free(pr->io);
		pr->io = NULL;
	}
	pr->phase = HC_READING;
	chk_http_init(&pr->resp, c->head, pr->body);
	if ((pr->io = hc_api->io_new(c->h, pr->fd, hc_read_cb, pr)) == NULL)
		return (hc_finish(pr, FIPD_CHECK_DOWN, "cannot watch socket",
		    0));
	return (0);
}

static void
hc_send_cb(int fd, void *arg)
{
	(void)fd;
	hc_send(arg);
}

static void
hc_read_cb(int fd, void *arg)
{
	struct hc_probe	*pr = arg;
	char		 buf[HC_READ_SIZE], why[96];
	enum chk_http_rc rc;
	size_t		 used;
	ssize_t		 n;
	int		 i;

	for (i = 0; i < HC_READS_PER_WAKE; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				hc_io_error(pr, errno, "recv");
			return;
		}
		if (n == 0) {
			if (pr->reused && pr->rcvd == 0) {
				hc_retry(pr);
				return;
			}
			if (pr->rcvd == 0) {
				hc_finish(pr, FIPD_CHECK_DOWN,
				    "connection closed", 0);
				return;
			}
			rc = chk_http_eof(&pr->resp);
		} else {
			pr->rcvd += (uint64_t)n;
			rc = chk_http_feed(&pr->resp, buf, (size_t)n, &used);
			if (rc == CHK_HTTP_DONE && used < (size_t)n)
				pr->resp.keepalive = 0;
		}
		if (rc == CHK_HTTP_BAD) {
			snprintf(why, sizeof(why), "bad response (%s)",
			    pr->resp.error);
			hc_finish(pr, FIPD_CHECK_DOWN, why, 0);
			return;
		}
		if (rc == CHK_HTTP_DONE) {
			hc_evaluate(pr);
			return;
		}
	}
}

/* A kept-alive connection failed before any response: reconnect once. */
static int
hc_retry(struct hc_probe *pr)
{
	HC_LOG(FIPD_LOG_DEBUG, "%s: kept-alive connection closed under the "
	    "request, reconnecting", pr->conf->url);
	if (pr->io != NULL) {
		hc_api->io_free(pr->io);
		pr->io = NULL;
	}
	close(pr->fd);
	pr->fd = -1;
	pr->reused = 0;
	pr->sent = 0;
	return (hc_connect(pr));
}

static int
hc_io_error(struct hc_probe *pr, int e, const char *what)
{
	char		 buf[96];

	if (pr->reused && pr->rcvd == 0 && (e == ECONNRESET || e == EPIPE))
		return (hc_retry(pr));
	return (hc_finish(pr, FIPD_CHECK_DOWN, chk_errno_reason(e, what, buf,
	    sizeof(buf)), 0));
}

static int
hc_evaluate(struct hc_probe *pr)
{
	struct hc_conf	*c = pr->conf;
	struct chk_http_resp *r = &pr->resp;
	char		 why[32];

	snprintf(why, sizeof(why), "status %d", r->status);
	if (!chk_status_match(&c->status, r->status))
		return (hc_finish(pr, FIPD_CHECK_DOWN, why, 0));
	if (c->expect_body != NULL && memmem(r->body, r->bodylen,
	    c->expect_body, c->expect_len) == NULL)
		return (hc_finish(pr, FIPD_CHECK_DOWN, "body mismatch", 0));
	return (hc_finish(pr, FIPD_CHECK_UP, why, r->keepalive));
}

/*
 * End the probe: keep the connection if asked, free everything, then
 * report.  The report comes last since the core may start the next
 * probe from inside check_done().
 */
static int
hc_finish(struct hc_probe *pr, enum fipd_check_result res, const char *reason,
    int keep)
{
	struct hc_conf	*c = pr->conf;
	struct fipd_probe *p = c->p;
	char		 why[CHK_HOST_MAX + 128];
	int		 fd = -1;

	snprintf(why, sizeof(why), "%s", reason);
	if (keep) {
		fd = pr->fd;
		pr->fd = -1;
	}
	hc_probe_free(pr);
	if (fd != -1 && c->ka_off) {
		close(fd);
		fd = -1;
	}
	if (fd != -1) {
		c->ka_fd = fd;
		c->ka_since = hc_api->now_us(c->h);
		if ((c->ka_io = hc_api->io_new(c->h, fd, hc_ka_cb, c)) ==
		    NULL) {
			close(fd);
			c->ka_fd = -1;
		}
	}
	hc_api->check_done(p, res, why);
	return (1);
}
