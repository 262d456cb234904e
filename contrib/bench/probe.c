/*
 * contrib/bench/probe.c -- the client of the benchmark (contrib/bench/run.sh).
 *
 * From the client namespace it sends, to one address (the VIP):
 *   - an ICMP echo request every ICMP_MS (default 2 ms), through a raw
 *     socket; replies are time-stamped by the kernel (SO_TIMESTAMPNS);
 *   - an HTTP/1.0 GET on a new TCP connection every HTTP_MS (default 10 ms),
 *     several in flight, each bounded by HTTP_TIMEOUT_MS (default 1000 ms).
 *
 * One line per event, times in microseconds of the wall clock (the clock of
 * `tcpdump -tt`, `ip -ts monitor` and bash's EPOCHREALTIME):
 *
 *   i SEQ SEND_US RECV_US WHO     an echo reply (WHO from the reply's TTL,
 *                                 see -t; "?" when the TTL is not mapped)
 *   h SEND_US END_US WHO          an HTTP attempt: WHO is the node name in
 *                                 the page ("node=n1" -> n1), "-" = failed
 *
 * Lost echo requests produce no line: the analysis only needs the replies.
 * The nodes are told apart by their default TTL (run.sh sets
 * net.ipv4.ip_default_ttl per node namespace and passes -t 61=n1 -t 62=n2).
 *
 * Bounded: it stops after DURATION seconds, or on SIGTERM/SIGINT.
 *
 * Build: cc -O2 -o probe probe.c   (run.sh does it; no dependency)
 * Usage: probe -o FILE -d DURATION [-i ICMP_MS] [-H HTTP_MS]
 *              [-T HTTP_TIMEOUT_MS] [-p PORT] [-t TTL=NAME]... ADDRESS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HTTP	256
#define MAX_TTL		8

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t
now_us(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static uint16_t
cksum(const void *p, size_t len)
{
	const uint8_t	*b = p;
	uint32_t	 s = 0;

	for (; len > 1; b += 2, len -= 2)
		s += (uint32_t)b[0] << 8 | b[1];
	if (len)
		s += (uint32_t)b[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (htons((uint16_t)~s));
}

struct http {
	int	 fd;		/* -1: free */
	int	 sent;
	int64_t	 start_us;	/* wall clock */
	int64_t	 deadline;	/* monotonic */
	size_t	 len;
	char	 buf[1024];
};

static struct http	 conns[MAX_HTTP];
static int		 ttl_val[MAX_TTL];
static const char	*ttl_name[MAX_TTL];
static int		 nttl;
static FILE		*out;
static struct sockaddr_in dst;
static char		 req[256];
static int64_t		 http_timeout_us = 1000000;

static const char *
who_ttl(int ttl)
{
	int i;

	for (i = 0; i < nttl; i++)
		if (ttl_val[i] == ttl)
			return (ttl_name[i]);
	return ("?");
}

static void
http_done(struct http *c, const char *who)
{
	struct linger lg = { 1, 0 };

	/* A failed attempt is reset, not left in FIN_WAIT or SYN_SENT. */
	if (strcmp(who, "-") == 0)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c->fd);
	c->fd = -1;
	fprintf(out, "h %lld %lld %s\n", (long long)c->start_us,
	    (long long)now_us(CLOCK_REALTIME), who);
}

/* The answer is complete (EOF): "HTTP/1.x 200" and "node=NAME". */
static void
http_parse(struct http *c)
{
	char	 name[32];
	char	*p;
	size_t	 i = 0;

	c->buf[c->len] = '\0';
	if (strncmp(c->buf, "HTTP/1.", 7) != 0 || c->len < 12 ||
	    strncmp(c->buf + 9, "200", 3) != 0 ||
	    (p = strstr(c->buf, "node=")) == NULL) {
		http_done(c, "-");
		return;
	}
	for (p += 5; i < sizeof(name) - 1 && (p[i] == '_' || p[i] == '-' ||
	    (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') ||
	    (p[i] >= 'A' && p[i] <= 'Z')); i++)
		name[i] = p[i];
	name[i] = '\0';
	http_done(c, i ? name : "-");
}

static void
http_start(void)
{
	struct http	*c = NULL;
	int		 i, fd;

	for (i = 0; i < MAX_HTTP; i++)
		if (conns[i].fd < 0) {
			c = &conns[i];
			break;
		}
	if (c == NULL)
		return;		/* all slots busy: skip this tick */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	c->fd = fd;
	c->sent = 0;
	c->len = 0;
	c->start_us = now_us(CLOCK_REALTIME);
	c->deadline = now_us(CLOCK_MONOTONIC) + http_timeout_us;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
	    errno != EINPROGRESS)
		http_done(c, "-");
}

static void
http_io(struct http *c, short rev)
{
	ssize_t	 n;
	int	 err = 0;
	socklen_t el = sizeof(err);

	if (!c->sent) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 ||
		    err != 0) {
			http_done(c, "-");
			return;
		}
		if (!(rev & POLLOUT))
			return;
		n = send(c->fd, req, strlen(req), MSG_NOSIGNAL);
		if (n != (ssize_t)strlen(req)) {
			http_done(c, "-");
			return;
		}
		c->sent = 1;
		return;
	}
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			http_done(c, "-");
		return;
	}
	if (n == 0 || c->len + (size_t)n >= sizeof(c->buf) - 1) {
		c->len += (size_t)n;
		http_parse(c);
		return;
	}
	c->len += (size_t)n;
}

static void
icmp_send(int fd, uint16_t id, uint16_t seq)
{
	uint8_t		 pkt[8 + 16];
	struct icmphdr	*h = (struct icmphdr *)pkt;
	int64_t		 t = now_us(CLOCK_REALTIME);

	memset(pkt, 0, sizeof(pkt));
	h->type = ICMP_ECHO;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(seq);
	memcpy(pkt + 8, &t, sizeof(t));
	h->checksum = cksum(pkt, sizeof(pkt));
	/* Errors (no route, neighbour failed) are part of the outage. */
	(void)sendto(fd, pkt, sizeof(pkt), MSG_DONTWAIT,
	    (struct sockaddr *)&dst, sizeof(dst));
}

static void
icmp_recv(int fd, uint16_t id)
{
	uint8_t		 buf[256];
	char		 cbuf[256];
	struct iovec	 iov = { buf, sizeof(buf) };
	struct msghdr	 m;
	struct cmsghdr	*cm;
	struct ip	*ip;
	struct icmphdr	*h;
	int64_t		 sent, rcv;
	ssize_t		 n;
	size_t		 hl;
	int		 k;

	for (k = 0; k < 64; k++) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		n = recvmsg(fd, &m, MSG_DONTWAIT);
		if (n < 0)
			return;
		rcv = 0;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				rcv = (int64_t)ts.tv_sec * 1000000 +
				    ts.tv_nsec / 1000;
			}
		if (rcv == 0)
			rcv = now_us(CLOCK_REALTIME);
		if ((size_t)n < sizeof(struct ip))
			continue;
		ip = (struct ip *)buf;
		hl = (size_t)ip->ip_hl * 4;
		if ((size_t)n < hl + 8 + 8 || ip->ip_src.s_addr !=
		    dst.sin_addr.s_addr)
			continue;
		h = (struct icmphdr *)(buf + hl);
		if (h->type != ICMP_ECHOREPLY || ntohs(h->un.echo.id) != id)
			continue;
		memcpy(&sent, buf + hl + 8, sizeof(sent));
		fprintf(out, "i %u %lld %lld %s\n", ntohs(h->un.echo.sequence),
		    (long long)sent, (long long)rcv, who_ttl(ip->ip_ttl));
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: probe -o FILE -d DURATION [-i ICMP_MS] "
	    "[-H HTTP_MS] [-T HTTP_TIMEOUT_MS] [-p PORT] [-t TTL=NAME]... "
	    "ADDRESS\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct pollfd	 pfd[1 + MAX_HTTP];
	struct http	*map[1 + MAX_HTTP];
	const char	*outf = NULL;
	double		 dur = 0, icmp_ms = 2, http_ms = 10, http_to = 1000;
	int64_t		 t, end, next_icmp, next_http, next_flush, wake;
	uint16_t	 id, seq = 0;
	int		 port = 80, ch, icmp, on = 1, i, n;

	while ((ch = getopt(argc, argv, "o:d:i:H:T:p:t:")) != -1) {
		switch (ch) {
		case 'o': outf = optarg; break;
		case 'd': dur = atof(optarg); break;
		case 'i': icmp_ms = atof(optarg); break;
		case 'H': http_ms = atof(optarg); break;
		case 'T': http_to = atof(optarg); break;
		case 'p': port = atoi(optarg); break;
		case 't':
			if (nttl == MAX_TTL || strchr(optarg, '=') == NULL)
				usage();
			ttl_val[nttl] = atoi(optarg);
			ttl_name[nttl++] = strchr(optarg, '=') + 1;
			break;
		default: usage();
		}
	}
	if (optind != argc - 1 || outf == NULL || dur <= 0 || dur > 3600 ||
	    icmp_ms < 0.5 || http_ms < 1 || http_to < 10)
		usage();
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		usage();
	snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: fipd-bench-probe\r\n\r\n", argv[optind]);
	http_timeout_us = (int64_t)(http_to * 1000);
	if ((out = fopen(outf, "a")) == NULL) {
		perror(outf);
		return (1);
	}
	setvbuf(out, NULL, _IOFBF, 1 << 16);
	icmp = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (icmp < 0) {
		perror("raw ICMP socket (root needed)");
		return (1);
	}
	setsockopt(icmp, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	n = 1 << 20;
	setsockopt(icmp, SOL_SOCKET, SO_RCVBUF, &n, sizeof(n));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < MAX_HTTP; i++)
		conns[i].fd = -1;
	id = (uint16_t)(getpid() & 0xffff);
	fprintf(out, "# probe %s icmp %.1f ms http %.1f ms timeout %.0f ms "
	    "start %lld\n", argv[optind], icmp_ms, http_ms, http_to,
	    (long long)now_us(CLOCK_REALTIME));
	fflush(out);

	t = now_us(CLOCK_MONOTONIC);
	end = t + (int64_t)(dur * 1e6);
	next_icmp = next_http = t;
	next_flush = t + 50000;
	while (!stop) {
		t = now_us(CLOCK_MONOTONIC);
		if (t >= end)
			break;
		if (t >= next_icmp) {
			icmp_send(icmp, id, seq++);
			next_icmp += (int64_t)(icmp_ms * 1000);
			if (next_icmp < t)	/* late: do not burst */
				next_icmp = t + (int64_t)(icmp_ms * 1000);
		}
		if (t >= next_http) {
			http_start();
			next_http += (int64_t)(http_ms * 1000);
			if (next_http < t)
				next_http = t + (int64_t)(http_ms * 1000);
		}
		if (t >= next_flush) {
			fflush(out);
			next_flush = t + 50000;
		}
		/* Expired HTTP attempts. */
		for (i = 0; i < MAX_HTTP; i++)
			if (conns[i].fd >= 0 && t >= conns[i].deadline)
				http_done(&conns[i], "-");
		n = 0;
		pfd[n].fd = icmp;
		pfd[n].events = POLLIN;
		map[n++] = NULL;
		for (i = 0; i < MAX_HTTP; i++)
			if (conns[i].fd >= 0) {
				pfd[n].fd = conns[i].fd;
				pfd[n].events = conns[i].sent ? POLLIN : POLLOUT;
				map[n++] = &conns[i];
			}
		wake = next_icmp < next_http ? next_icmp : next_http;
		if (next_flush < wake)
			wake = next_flush;
		t = now_us(CLOCK_MONOTONIC);
		{
			struct timespec to = { 0, 0 };
			int64_t d = wake - t;

			if (d > 0) {
				to.tv_sec = d / 1000000;
				to.tv_nsec = (d % 1000000) * 1000;
			}
			if (ppoll(pfd, (nfds_t)n, &to, NULL) < 0 &&
			    errno != EINTR)
				break;
		}
		if (pfd[0].revents & POLLIN)
			icmp_recv(icmp, id);
		for (i = 1; i < n; i++)
			if (pfd[i].revents && map[i]->fd == pfd[i].fd)
				http_io(map[i], pfd[i].revents);
	}
	for (i = 0; i < MAX_HTTP; i++)
		if (conns[i].fd >= 0)
			http_done(&conns[i], "-");
	fclose(out);
	return (0);
}
