/*
 * Prometheus text endpoint (exposition format 0.0.4): a minimal HTTP/1.0
 * server on the event loop.  GET or HEAD /metrics; every connection is
 * closed after its reply.
 */
#include "config.h"

#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "ctl_srv.h"

#define METRICS_MAX_CLIENTS 16
#define METRICS_IDLE_US (5 * 1000000)
#define METRICS_IN_MAX 8192
#define METRICS_OUT_MAX (64 * 1024 * 1024)
#define METRICS_BACKLOG 32

/* Which family a pass over the instances writes. */
enum mfam {
	MF_STATE,
	MF_PRIORITY,
	MF_EFFECTIVE,
	MF_TRANSITIONS,
	MF_BECAME_MASTER,
	MF_SENT,
	MF_RCVD,
	MF_PRIO0_SENT,
	MF_PRIO0_RCVD,
	MF_DROPS,
	MF_ACTIONS,
};

struct mpass {
	struct cbuf *b;
	enum mfam fam;
};

static struct csrv *m_srv;
static time_t m_start_time;

static void
m_inst_label(struct cbuf *b, const char *metric, const char *inst)
{
	cbuf_printf(b, "%s{instance=\"", metric);
	prom_label(b, inst);
	cbuf_add(b, "\"", 1);
}

static void
m_u64(struct cbuf *b, const char *metric, const char *inst, uint64_t v)
{
	m_inst_label(b, metric, inst);
	cbuf_printf(b, "} %llu\n", (unsigned long long)v);
}

static void
m_inst_cb(const struct daemon_inst_status *st, void *arg)
{
	struct mpass *mp = arg;
	struct cbuf *b = mp->b;
	const struct vrrp_stats *vs = st->stats;
	static const struct vrrp_stats zero;
	int s;
	size_t i;

	if (vs == NULL)
		vs = &zero;
	switch (mp->fam) {
	case MF_STATE:
		for (s = FIPD_STATE_INIT; s <= FIPD_STATE_STOP; s++) {
			m_inst_label(b, "fipd_instance_state", st->name);
			cbuf_printf(b, ",state=\"%s\"} %d\n",
			    vrrp_state_str((enum fipd_state)s),
			    st->state_id == (enum fipd_state)s);
		}
		break;
	case MF_PRIORITY:
		m_u64(b, "fipd_priority", st->name, (uint64_t)st->priority);
		break;
	case MF_EFFECTIVE:
		m_u64(b, "fipd_effective_priority", st->name,
		    (uint64_t)st->effective_priority);
		break;
	case MF_TRANSITIONS:
		m_u64(b, "fipd_transitions_total", st->name, vs->transitions);
		break;
	case MF_BECAME_MASTER:
		m_u64(b, "fipd_became_master_total", st->name,
		    vs->became_master);
		break;
	case MF_SENT:
		m_u64(b, "fipd_adverts_sent_total", st->name,
		    vs->adverts_sent);
		break;
	case MF_RCVD:
		m_u64(b, "fipd_adverts_received_total", st->name,
		    vs->adverts_rcvd);
		break;
	case MF_PRIO0_SENT:
		m_u64(b, "fipd_priority_zero_sent_total", st->name,
		    vs->prio0_sent);
		break;
	case MF_PRIO0_RCVD:
		m_u64(b, "fipd_priority_zero_received_total", st->name,
		    vs->prio0_rcvd);
		break;
	case MF_DROPS:
		for (i = VPKT_OK + 1; i < VPKT_DROP_MAX; i++) {
			m_inst_label(b, "fipd_packets_dropped_total",
			    st->name);
			cbuf_printf(b, ",reason=\"%s\"} %llu\n",
			    vpkt_drop_str((enum vpkt_drop)i),
			    (unsigned long long)vs->drops[i]);
		}
		break;
	case MF_ACTIONS:
		for (i = 0; i < st->n_counters; i++) {
			m_inst_label(b, "fipd_action_events_total", st->name);
			cbuf_add(b, ",event=\"", 8);
			prom_label(b, st->counters[i].name);
			cbuf_printf(b, "\"} %llu\n",
			    (unsigned long long)st->counters[i].value);
		}
		break;
	}
}

static void
m_pass(struct cbuf *b, enum mfam fam, const char *name, const char *type,
    const char *help)
{
	struct mpass mp = { b, fam };

	prom_family(b, name, type, help);
	daemon_foreach(m_inst_cb, &mp);
}

/* Which check family a pass writes. */
enum cfam {
	CF_UP,
	CF_DURATION,
	CF_PROBES,
	CF_FAILURES,
	CF_TRANSITIONS,
};

struct cpass {
	struct cbuf *b;
	enum cfam fam;
};

static void
m_check_cb(const struct check_status *cs, void *arg)
{
	struct cpass *cp = arg;
	struct cbuf *b = cp->b;
	static const char *const names[] = {
		[CF_UP] = "fipd_check_up",
		[CF_DURATION] = "fipd_check_duration_seconds",
		[CF_PROBES] = "fipd_check_probes_total",
		[CF_FAILURES] = "fipd_check_failures_total",
		[CF_TRANSITIONS] = "fipd_check_transitions_total",
	};

	/* Up and duration only once there is a result to report. */
	if ((cp->fam == CF_UP || cp->fam == CF_DURATION) && !cs->known)
		return;
	cbuf_printf(b, "%s{check=\"", names[cp->fam]);
	prom_label(b, cs->name);
	cbuf_add(b, "\"} ", 3);
	switch (cp->fam) {
	case CF_UP:
		cbuf_printf(b, "%d\n", cs->up ? 1 : 0);
		break;
	case CF_DURATION:
		cbuf_printf(b, "%.6f\n", (double)cs->last_duration_us / 1e6);
		break;
	case CF_PROBES:
		cbuf_printf(b, "%llu\n", (unsigned long long)cs->probes);
		break;
	case CF_FAILURES:
		cbuf_printf(b, "%llu\n", (unsigned long long)cs->failures);
		break;
	case CF_TRANSITIONS:
		cbuf_printf(b, "%llu\n", (unsigned long long)cs->transitions);
		break;
	}
}

static void
m_check_pass(struct cbuf *b, enum cfam fam, const char *name,
    const char *type, const char *help)
{
	struct cpass cp = { b, fam };

	prom_family(b, name, type, help);
	check_foreach(m_check_cb, &cp);
}

/* The whole exposition, in a fixed order of families. */
static void
metrics_render(struct cbuf *b)
{
	const uint64_t *nd = net_drops();
	size_t i;

	prom_family(b, "fipd_build_info", "gauge",
	    "fipd version and plugin ABI (always 1).");
	cbuf_printf(b, "fipd_build_info{version=\"%s\",plugin_abi=\"%d\"} 1\n",
	    PACKAGE_VERSION, FIPD_PLUGIN_ABI_VERSION);
	prom_family(b, "fipd_start_time_seconds", "gauge",
	    "Start time of the daemon since the Unix epoch.");
	cbuf_printf(b, "fipd_start_time_seconds %lld\n",
	    (long long)m_start_time);

	m_pass(b, MF_STATE, "fipd_instance_state", "gauge",
	    "VRRP state of an instance: 1 for the current state, 0 for the "
	    "others.");
	m_pass(b, MF_PRIORITY, "fipd_priority", "gauge",
	    "Configured priority of an instance.");
	m_pass(b, MF_EFFECTIVE, "fipd_effective_priority", "gauge",
	    "Priority advertised now (configured plus failing check "
	    "weights).");
	m_pass(b, MF_TRANSITIONS, "fipd_transitions_total", "counter",
	    "State changes of an instance.");
	m_pass(b, MF_BECAME_MASTER, "fipd_became_master_total", "counter",
	    "Transitions into MASTER.");
	m_pass(b, MF_SENT, "fipd_adverts_sent_total", "counter",
	    "VRRP advertisements sent.");
	m_pass(b, MF_RCVD, "fipd_adverts_received_total", "counter",
	    "VRRP advertisements received and accepted.");
	m_pass(b, MF_PRIO0_SENT, "fipd_priority_zero_sent_total", "counter",
	    "Priority-0 advertisements sent (MASTER stepping down).");
	m_pass(b, MF_PRIO0_RCVD, "fipd_priority_zero_received_total",
	    "counter", "Priority-0 advertisements received.");
	/* One family: per instance, then the drops before demultiplexing
	 * (instance=""), which no instance could be blamed for. */
	m_pass(b, MF_DROPS, "fipd_packets_dropped_total", "counter",
	    "Received VRRP packets dropped, by reason; instance=\"\" counts "
	    "packets dropped before their instance was known.");
	for (i = VPKT_OK + 1; i < VPKT_DROP_MAX; i++)
		cbuf_printf(b, "fipd_packets_dropped_total{instance=\"\","
		    "reason=\"%s\"} %llu\n", vpkt_drop_str((enum vpkt_drop)i),
		    (unsigned long long)nd[i]);
	m_pass(b, MF_ACTIONS, "fipd_action_events_total", "counter",
	    "Events counted by action plugins (e.g. garp_sent, "
	    "vip_readded).");

	m_check_pass(b, CF_UP, "fipd_check_up", "gauge",
	    "Health check verdict: 1 up, 0 down (absent until the first "
	    "result).");
	m_check_pass(b, CF_DURATION, "fipd_check_duration_seconds", "gauge",
	    "Duration of the last probe of a health check.");
	m_check_pass(b, CF_PROBES, "fipd_check_probes_total", "counter",
	    "Probes run by a health check.");
	m_check_pass(b, CF_FAILURES, "fipd_check_failures_total", "counter",
	    "Probes of a health check that said down.");
	m_check_pass(b, CF_TRANSITIONS, "fipd_check_transitions_total",
	    "counter", "Up/down changes of a health check.");
}

static void
http_reply(struct cbuf *out, int status, const char *reason,
    const char *ctype, const char *extra, const char *body, size_t blen,
    int head_only)
{
	cbuf_printf(out, "HTTP/1.0 %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s"
	    "Connection: close\r\n\r\n", status, reason, ctype, blen,
	    extra != NULL ? extra : "");
	if (!head_only)
		cbuf_add(out, body, blen);
}

static void
http_error(struct cbuf *out, int status, const char *extra, int head_only)
{
	const char *reason;
	char body[96];
	int n;

	switch (status) {
	case 404:
		reason = "Not Found";
		break;
	case 405:
		reason = "Method Not Allowed";
		break;
	case 414:
		reason = "URI Too Long";
		break;
	case 431:
		reason = "Request Header Fields Too Large";
		break;
	case 500:
		reason = "Internal Server Error";
		break;
	case 505:
		reason = "HTTP Version Not Supported";
		break;
	default:
		status = 400;
		reason = "Bad Request";
		break;
	}
	n = snprintf(body, sizeof(body), "%d %s (fipd serves GET /metrics)\n",
	    status, reason);
	http_reply(out, status, reason, "text/plain; charset=utf-8", extra,
	    body, (size_t)n, head_only);
}

static enum csrv_act
metrics_input(const char *in, size_t len, int eof, size_t *used,
    struct cbuf *out, void *arg)
{
	struct http_req req;
	struct cbuf body;
	ssize_t n;
	int status, head;

	n = http_req_parse(in, len, METRICS_IN_MAX, &req, &status);
	if (n == 0) {
		if (!eof)
			return CSRV_MORE;
		n = -1;
		status = 400;
	}
	*used = len;
	if (n == -1) {
		http_error(out, status, NULL, 0);
		return CSRV_CLOSE;
	}
	head = strcmp(req.method, "HEAD") == 0;
	if (!head && strcmp(req.method, "GET") != 0) {
		http_error(out, 405, "Allow: GET, HEAD\r\n", 0);
		return CSRV_CLOSE;
	}
	if (strcmp(req.path, "/metrics") != 0) {
		http_error(out, 404, NULL, head);
		return CSRV_CLOSE;
	}
	cbuf_init(&body, METRICS_OUT_MAX / 2);
	metrics_render(&body);
	if (body.failed) {
		log_warnx("metrics: exposition larger than %d bytes",
		    METRICS_OUT_MAX / 2);
		http_error(out, 500, NULL, head);
	} else
		http_reply(out, 200, "OK",
		    "text/plain; version=0.0.4; charset=utf-8", NULL,
		    body.p != NULL ? body.p : "", body.len, head);
	cbuf_free(&body);
	return CSRV_CLOSE;
}

/* Split HOST:PORT or [V6]:PORT (validated by the config already). */
static int
metrics_split(const char *spec, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char *colon, *h = spec;
	size_t n;

	if (*spec == '[') {
		const char *e = strchr(spec, ']');

		if (e == NULL || e[1] != ':')
			return -1;
		h = spec + 1;
		n = (size_t)(e - h);
		colon = e + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			return -1;
		n = (size_t)(colon - spec);
	}
	if (n == 0 || n >= hlen || strlen(colon + 1) >= plen ||
	    colon[1] == '\0')
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

int
metrics_start(const char *spec)
{
	struct addrinfo hints, *res, *ai;
	struct csrv_params p;
	char host[256], port[16];
	int fd = -1, on = 1, rc;

	metrics_stop();
	if (spec == NULL || spec[0] == '\0')
		return 0;
	m_start_time = time(NULL);
	if (metrics_split(spec, host, sizeof(host), port,
	    sizeof(port)) == -1) {
		log_warnx("metrics_listen %s: expected HOST:PORT", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_warnx("metrics_listen %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, METRICS_BACKLOG) == 0)
			break;
		rc = errno;
		close(fd);
		fd = -1;
		errno = rc;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		log_warn("metrics_listen %s", spec);
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.name = "metrics";
	p.in_max = METRICS_IN_MAX;
	p.out_max = METRICS_OUT_MAX;
	p.max_clients = METRICS_MAX_CLIENTS;
	p.idle_us = METRICS_IDLE_US;
	p.input = metrics_input;
	m_srv = csrv_new(fd, &p);
	log_info("metrics: serving http://%s/metrics", spec);
	return 0;
}

void
metrics_stop(void)
{
	csrv_free(m_srv);
	m_srv = NULL;
}
