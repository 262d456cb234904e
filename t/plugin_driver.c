/*
 * plugin_driver: run action plugins outside the daemon, for tests.
 *
 *   plugin_driver [-i ifname] [-n name] [-v vip]... [-r garp_repeat]
 *       [-R garp_refresh_cs] [-a advert_int_cs] [-B bytes] [-F n [-E]]
 *       -p plugin.so [-p ...] command...
 *   plugin_driver capture ifname seconds
 *
 * Commands: master, backup, fault, stop (transition to STOP, then
 * detach), reconcile (FIPD_EV_RECONCILE), lowerprio
 * (FIPD_EV_RX_LOWER_PRIO), link (the interface's index read again; when
 * it changed, FIPD_EV_LINK), sleep SECONDS (run the event loop), watch
 * SECONDS (run the loop as the daemon's kernel watcher would: see
 * drv_watch), block SECONDS (stall without running the loop), sh COMMAND
 * (run a shell command, waiting for it), readable (print "READABLE n",
 * the watched fds with something to read).  When the script ends the
 * plugins are stopped and detached if they are not yet.
 *
 * The host API is a small fake: logs go to stderr as "plugin: LEVEL: msg",
 * counters to stdout as "COUNT instance counter", and timers and fd
 * watches run on a poll() loop; addr_present() dumps the addresses.
 *
 * Faults, on netlink sockets only: -B shrinks the receive buffer of each
 * fd a plugin watches to that many bytes (acknowledgements overrun it);
 * -F makes every n-th sendmsg() fail with EAGAIN, or ENOBUFS with -E,
 * as if the kernel had not taken the message.  The driver's sendmsg()
 * stands in front of libc's for the plugins (it is linked -rdynamic).
 *
 * capture prints every ARP frame and ICMPv6 Neighbor Advertisement seen
 * on ifname for the given time, one line each, after a line "READY".
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <netpacket/packet.h>
#include <arpa/inet.h>

#include <dlfcn.h>
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fipd/plugin.h"
#include "fakehost.h"

#define DRV_MAX_PLUGINS	8
#define DRV_MAX_VIPS	64
#define DRV_WATCH_US	20000		/* drv_watch's look at the kernel */

struct drv_plugin {
	void			*dl;
	const struct fipd_plugin *info;
	struct fipd_host	 host;
	void			*ictx;
	int			 attached;
};

static void	 usage(void) __attribute__((noreturn));
static void	 drv_check_done(struct fipd_probe *, enum fipd_check_result,
		    const char *);
static const char *drv_global(struct fipd_host *, const char *);
static int	 drv_capture(const char *, const char *);
static void	 drv_print_frame(const uint8_t *, size_t);
static struct fipd_io *drv_io_new(struct fipd_host *, int, fipd_io_cb *,
		    void *);
static int	 drv_is_netlink(int);
static void	 drv_event(struct drv_plugin *, size_t, enum fipd_event);
static int	 drv_link(struct fipd_instance *);
static void	 drv_seen(const struct fipd_instance *);
static void	 drv_watch(struct drv_plugin *, size_t, struct fipd_instance *,
		    enum fipd_state *, double);

typedef ssize_t	 drv_sendmsg_fn(int, const struct msghdr *, int);

static int		 drv_rcvbuf;		/* -B */
static unsigned long	 drv_fail_every;	/* -F */
static int		 drv_fail_errno = EAGAIN; /* -E: ENOBUFS */
static unsigned long	 drv_nl_sends, drv_nl_failed;
static int		 drv_was[DRV_MAX_VIPS];	/* VIPs drv_watch last saw */

static const struct fipd_host_api drv_api = {
	.abi_version = FIPD_PLUGIN_ABI_VERSION,
	.log = fh_log,
	.timer_new = fh_timer_new,
	.timer_arm = fh_timer_arm,
	.timer_cancel = fh_timer_cancel,
	.timer_free = fh_timer_free,
	.io_new = drv_io_new,
	.io_new_write = fh_io_new_write,
	.io_free = fh_io_free,
	.now_us = fh_now_us,
	.count = fh_count,
	.check_done = drv_check_done,
	.global = drv_global,
	.addr_present = fh_addr_present,
};

static void
usage(void)
{
	fprintf(stderr, "usage: plugin_driver [-i ifname] [-n name] "
	    "[-v vip]... [-r garp_repeat]\n"
	    "           [-R garp_refresh_cs] [-a advert_int_cs] "
	    "[-B bytes] [-F n [-E]]\n"
	    "           -p plugin.so... command...\n"
	    "       plugin_driver capture ifname seconds\n");
	exit(2);
}

static void
drv_check_done(struct fipd_probe *p, enum fipd_check_result r,
    const char *reason)
{
	(void)p;
	(void)r;
	(void)reason;
}

static const char *
drv_global(struct fipd_host *h, const char *key)
{
	(void)h;
	(void)key;
	return (NULL);
}

static int
drv_is_netlink(int fd)
{
	struct sockaddr_storage ss;
	socklen_t	 sl = sizeof(ss);

	return (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    ss.ss_family == AF_NETLINK);
}

static struct fipd_io *
drv_io_new(struct fipd_host *h, int fd, fipd_io_cb *cb, void *arg)
{
	if (drv_rcvbuf > 0 && drv_is_netlink(fd) && setsockopt(fd,
	    SOL_SOCKET, SO_RCVBUF, &drv_rcvbuf, sizeof(drv_rcvbuf)) == -1)
		perror("plugin_driver: SO_RCVBUF");
	return (fh_io_new(h, fd, cb, arg));
}

/*
 * The plugins' sendmsg(): -F fails every n-th one on a netlink socket
 * before it reaches the kernel.
 */
ssize_t
sendmsg(int fd, const struct msghdr *m, int flags)
{
	static drv_sendmsg_fn *real;
	void		*sym;

	if (real == NULL) {
		if ((sym = dlsym(RTLD_NEXT, "sendmsg")) == NULL) {
			errno = ENOSYS;
			return (-1);
		}
		memcpy(&real, &sym, sizeof(real));
	}
	if (drv_fail_every != 0 && drv_is_netlink(fd) &&
	    ++drv_nl_sends % drv_fail_every == 0) {
		drv_nl_failed++;
		errno = drv_fail_errno;
		return (-1);
	}
	return (real(fd, m, flags));
}

static void
drv_event(struct drv_plugin *plugins, size_t np, enum fipd_event ev)
{
	struct drv_plugin *pl;
	size_t		 i;

	for (i = 0; i < np; i++) {
		pl = &plugins[i];
		if (pl->attached && pl->info->action->event != NULL)
			pl->info->action->event(pl->ictx, ev);
	}
}

/* Read the interface's index again: 1 when it changed. */
static int
drv_link(struct fipd_instance *vi)
{
	unsigned int	 idx = if_nametoindex(vi->ifname);

	if (idx == vi->ifindex)
		return (0);
	vi->ifindex = idx;
	if (idx != 0) {
		printf("EVENT link %u\n", idx);
		fflush(stdout);
	}
	return (1);
}

/*
 * What the kernel watcher has seen of the VIPs: after the driver's own
 * steps, not after sh or block (the outside world acting: the next watch
 * finds what it did).
 */
static void
drv_seen(const struct fipd_instance *vi)
{
	size_t		 i;

	for (i = 0; i < vi->n_vips; i++)
		drv_was[i] = fh_addr_present(NULL, vi->ifindex, &vi->vips[i],
		    NULL) == 1;
}

/*
 * Run the loop for secs while standing in for the daemon's kernel
 * watcher, by looking every DRV_WATCH_US: the interface's index changed
 * -> FIPD_EV_LINK; while MASTER, a VIP that was on the interface is gone
 * -> FIPD_EV_RECONCILE.
 */
static void
drv_watch(struct drv_plugin *plugins, size_t np, struct fipd_instance *vi,
    enum fipd_state *state, double secs)
{
	uint64_t	 until, next;
	size_t		 i;
	int		 now, gone;

	until = fh_now() + (uint64_t)(secs * 1e6);
	do {
		/* The addresses of a link that went are not deletions. */
		if (drv_link(vi)) {
			/* As the core: the event only for a new index. */
			if (vi->ifindex != 0)
				drv_event(plugins, np, FIPD_EV_LINK);
			drv_seen(vi);
		}
		gone = 0;
		for (i = 0; i < vi->n_vips; i++) {
			now = fh_addr_present(NULL, vi->ifindex,
			    &vi->vips[i], NULL) == 1;
			if (drv_was[i] && !now)
				gone = 1;
			drv_was[i] = now;
		}
		if (gone && *state == FIPD_STATE_MASTER) {
			printf("EVENT reconcile\n");
			fflush(stdout);
			drv_event(plugins, np, FIPD_EV_RECONCILE);
		}
		next = fh_now() + DRV_WATCH_US;
		fh_run(next < until ? next : until);
	} while (fh_now() < until);
}

static void
drv_print_frame(const uint8_t *f, size_t len)
{
	struct ether_header eh;
	struct ip6_hdr	 ip6;
	struct nd_neighbor_advert na;
	char		 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const uint8_t	*p, *o;
	uint16_t	 type;
	uint32_t	 fl;

	/* Headers sit at odd offsets in the frame: copy them out. */
	if (len < sizeof(eh))
		return;
	memcpy(&eh, f, sizeof(eh));
	type = ntohs(eh.ether_type);
	p = f + sizeof(eh);
	len -= sizeof(eh);
	if (type == ETHERTYPE_ARP && len >= 28) {
		printf("ARP src=%02x:%02x:%02x:%02x:%02x:%02x "
		    "dst=%02x:%02x:%02x:%02x:%02x:%02x hrd=%u pro=0x%04x "
		    "hln=%u pln=%u op=%u "
		    "sha=%02x:%02x:%02x:%02x:%02x:%02x spa=%u.%u.%u.%u "
		    "tha=%02x:%02x:%02x:%02x:%02x:%02x tpa=%u.%u.%u.%u\n",
		    eh.ether_shost[0], eh.ether_shost[1], eh.ether_shost[2],
		    eh.ether_shost[3], eh.ether_shost[4], eh.ether_shost[5],
		    eh.ether_dhost[0], eh.ether_dhost[1], eh.ether_dhost[2],
		    eh.ether_dhost[3], eh.ether_dhost[4], eh.ether_dhost[5],
		    (unsigned int)(p[0] << 8 | p[1]),
		    (unsigned int)(p[2] << 8 | p[3]), p[4], p[5],
		    (unsigned int)(p[6] << 8 | p[7]),
		    p[8], p[9], p[10], p[11], p[12], p[13],
		    p[14], p[15], p[16], p[17],
		    p[18], p[19], p[20], p[21], p[22], p[23],
		    p[24], p[25], p[26], p[27]);
	} else if (type == ETHERTYPE_IPV6 && len >= sizeof(ip6) +
	    sizeof(na)) {
		memcpy(&ip6, p, sizeof(ip6));
		memcpy(&na, p + sizeof(ip6), sizeof(na));
		if (ip6.ip6_nxt != IPPROTO_ICMPV6 ||
		    na.nd_na_type != ND_NEIGHBOR_ADVERT)
			return;
		fl = na.nd_na_flags_reserved;
		inet_ntop(AF_INET6, &ip6.ip6_dst, a, sizeof(a));
		inet_ntop(AF_INET6, &na.nd_na_target, b, sizeof(b));
		printf("NA src=%02x:%02x:%02x:%02x:%02x:%02x ipdst=%s hlim=%u "
		    "R=%d S=%d O=%d target=%s",
		    eh.ether_shost[0], eh.ether_shost[1], eh.ether_shost[2],
		    eh.ether_shost[3], eh.ether_shost[4], eh.ether_shost[5],
		    a, ip6.ip6_hlim, (fl & ND_NA_FLAG_ROUTER) != 0,
		    (fl & ND_NA_FLAG_SOLICITED) != 0,
		    (fl & ND_NA_FLAG_OVERRIDE) != 0, b);
		o = p + sizeof(ip6) + sizeof(na);
		if (len >= sizeof(ip6) + sizeof(na) + 8 && o[0] ==
		    ND_OPT_TARGET_LINKADDR && o[1] == 1)
			printf(" tlla=%02x:%02x:%02x:%02x:%02x:%02x",
			    o[2], o[3], o[4], o[5], o[6], o[7]);
		printf("\n");
	}
}

static int
drv_capture(const char *ifname, const char *secs)
{
	union {
		uint64_t	 align;
		uint8_t		 buf[2048];
	} fb;
	struct sockaddr_ll sll;
	struct pollfd	 pfd;
	socklen_t	 slen;
	uint64_t	 until, now;
	ssize_t		 n;
	int		 fd;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	if ((sll.sll_ifindex = (int)if_nametoindex(ifname)) == 0) {
		fprintf(stderr, "capture: %s: %s\n", ifname, strerror(errno));
		return (1);
	}
	if ((fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) == -1 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror("capture: packet socket");
		return (1);
	}
	until = fh_now() + (uint64_t)(strtod(secs, NULL) * 1e6);
	printf("READY\n");
	fflush(stdout);
	while ((now = fh_now()) < until) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)((until - now) / 1000) + 1) <= 0)
			continue;
		slen = sizeof(sll);
		n = recvfrom(fd, fb.buf, sizeof(fb.buf), MSG_DONTWAIT,
		    (struct sockaddr *)&sll, &slen);
		if (n <= 0 || sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		drv_print_frame(fb.buf, (size_t)n);
		fflush(stdout);
	}
	printf("DONE\n");
	close(fd);
	return (0);
}

int
main(int argc, char *argv[])
{
	static struct fipd_addr vips[DRV_MAX_VIPS];
	struct drv_plugin plugins[DRV_MAX_PLUGINS];
	const char	*paths[DRV_MAX_PLUGINS];
	struct fipd_instance vi;
	struct fipd_transition tr;
	struct drv_plugin *pl;
	enum fipd_state	 state = FIPD_STATE_INIT, to;
	const char	*cmd;
	size_t		 np = 0, i;
	uint64_t	 seq = 0;
	int		 ch, rc = 0, stopped = 0;
	double		 secs;

	if (argc == 4 && strcmp(argv[1], "capture") == 0)
		return (drv_capture(argv[2], argv[3]));

	memset(&vi, 0, sizeof(vi));
	vi.name = "VI_1";
	vi.ifname = "eth0";
	vi.vrid = 50;
	vi.version = 3;
	vi.family = AF_INET;
	vi.priority = 100;
	vi.advert_int_cs = 100;
	vi.vips = vips;
	vi.garp_repeat = 3;

	while ((ch = getopt(argc, argv, "+a:B:EF:i:n:p:r:R:v:")) != -1) {
		switch (ch) {
		case 'a':
			vi.advert_int_cs = (unsigned int)strtoul(optarg, NULL,
			    10);
			break;
		case 'B':
			drv_rcvbuf = atoi(optarg);
			break;
		case 'E':
			drv_fail_errno = ENOBUFS;
			break;
		case 'F':
			drv_fail_every = strtoul(optarg, NULL, 10);
			break;
		case 'i':
			vi.ifname = optarg;
			break;
		case 'n':
			vi.name = optarg;
			break;
		case 'p':
			if (np == DRV_MAX_PLUGINS)
				usage();
			paths[np++] = optarg;
			break;
		case 'r':
			vi.garp_repeat = (unsigned int)strtoul(optarg, NULL,
			    10);
			break;
		case 'R':
			vi.garp_refresh_cs = (unsigned int)strtoul(optarg,
			    NULL, 10);
			break;
		case 'v':
			if (vi.n_vips == DRV_MAX_VIPS ||
			    fh_parse_addr(optarg, &vips[vi.n_vips]) == -1) {
				fprintf(stderr, "bad VIP %s\n", optarg);
				return (2);
			}
			vi.family = vips[vi.n_vips].family;
			vi.n_vips++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (np == 0)
		usage();
	vi.ifindex = if_nametoindex(vi.ifname);

	memset(plugins, 0, sizeof(plugins));
	for (i = 0; i < np; i++) {
		pl = &plugins[i];
		if ((pl->dl = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL)) ==
		    NULL) {
			fprintf(stderr, "dlopen %s: %s\n", paths[i], dlerror());
			return (1);
		}
		pl->info = dlsym(pl->dl, FIPD_PLUGIN_SYMBOL);
		if (pl->info == NULL || pl->info->magic != FIPD_PLUGIN_MAGIC ||
		    pl->info->abi_version != FIPD_PLUGIN_ABI_VERSION ||
		    pl->info->kind != FIPD_PLUGIN_ACTION ||
		    pl->info->action == NULL) {
			fprintf(stderr, "%s: not an action plugin of ABI %d\n",
			    paths[i], FIPD_PLUGIN_ABI_VERSION);
			return (1);
		}
		pl->host.name = pl->info->name;
		if (pl->info->init != NULL &&
		    pl->info->init(&pl->host, &drv_api) == -1) {
			fprintf(stderr, "%s: init failed\n", pl->info->name);
			return (1);
		}
		if (pl->info->action->attach(&pl->host, &vi, NULL,
		    &pl->ictx) == -1) {
			fprintf(stderr, "%s: attach refused\n", pl->info->name);
			return (1);
		}
		pl->attached = 1;
	}
	printf("ATTACHED\n");
	fflush(stdout);
	drv_seen(&vi);

	for (; argc > 0; argc--, argv++) {
		cmd = argv[0];
		if (strcmp(cmd, "sleep") == 0) {
			if (argc < 2)
				usage();
			secs = strtod(argv[1], NULL);
			fh_run(fh_now() + (uint64_t)(secs * 1e6));
			drv_seen(&vi);
			argc--;
			argv++;
			continue;
		}
		if (strcmp(cmd, "block") == 0) {
			if (argc < 2)
				usage();
			printf("BLOCKING\n");
			fflush(stdout);
			fh_block(strtod(argv[1], NULL));
			argc--;
			argv++;
			continue;
		}
		if (strcmp(cmd, "watch") == 0) {
			if (argc < 2)
				usage();
			drv_watch(plugins, np, &vi, &state,
			    strtod(argv[1], NULL));
			argc--;
			argv++;
			continue;
		}
		if (strcmp(cmd, "sh") == 0) {
			if (argc < 2)
				usage();
			printf("SH %d\n", system(argv[1]));
			fflush(stdout);
			argc--;
			argv++;
			continue;
		}
		if (strcmp(cmd, "readable") == 0) {
			printf("READABLE %d\n", fh_readable());
			fflush(stdout);
			continue;
		}
		if (strcmp(cmd, "reconcile") == 0 ||
		    strcmp(cmd, "lowerprio") == 0) {
			drv_event(plugins, np, cmd[0] == 'r' ?
			    FIPD_EV_RECONCILE : FIPD_EV_RX_LOWER_PRIO);
			drv_seen(&vi);
			continue;
		}
		if (strcmp(cmd, "link") == 0) {
			if (drv_link(&vi) && vi.ifindex != 0)
				drv_event(plugins, np, FIPD_EV_LINK);
			drv_seen(&vi);
			continue;
		}
		if (strcmp(cmd, "master") == 0)
			to = FIPD_STATE_MASTER;
		else if (strcmp(cmd, "backup") == 0)
			to = FIPD_STATE_BACKUP;
		else if (strcmp(cmd, "fault") == 0)
			to = FIPD_STATE_FAULT;
		else if (strcmp(cmd, "stop") == 0)
			to = FIPD_STATE_STOP;
		else {
			fprintf(stderr, "unknown command %s\n", cmd);
			rc = 2;
			break;
		}
		if (stopped) {
			fprintf(stderr, "%s after stop\n", cmd);
			rc = 2;
			break;
		}
		memset(&tr, 0, sizeof(tr));
		tr.from = state;
		tr.to = to;
		tr.priority = vi.priority;
		tr.reason = "driver";
		tr.seq = ++seq;
		for (i = 0; i < np; i++)
			plugins[i].info->action->transition(plugins[i].ictx,
			    &tr);
		state = to;
		printf("STATE %s\n", cmd);
		fflush(stdout);
		drv_seen(&vi);
		if (to == FIPD_STATE_STOP) {
			for (i = 0; i < np; i++) {
				plugins[i].info->action->detach(
				    plugins[i].ictx);
				plugins[i].attached = 0;
			}
			stopped = 1;
		}
	}

	if (!stopped) {
		memset(&tr, 0, sizeof(tr));
		tr.from = state;
		tr.to = FIPD_STATE_STOP;
		tr.priority = vi.priority;
		tr.reason = "driver exit";
		tr.seq = ++seq;
		for (i = 0; i < np; i++)
			plugins[i].info->action->transition(plugins[i].ictx,
			    &tr);
		for (i = 0; i < np; i++)
			plugins[i].info->action->detach(plugins[i].ictx);
	}
	for (i = 0; i < np; i++) {
		if (plugins[i].info->fini != NULL)
			plugins[i].info->fini();
	}
	for (i = np; i > 0; i--)
		dlclose(plugins[i - 1].dl);
	if (fh_leftovers() != 0) {
		fprintf(stderr, "plugin_driver: timers or fd watches leaked "
		    "after detach\n");
		rc = 1;
	}
	if (drv_fail_every != 0) {
		printf("FAILED_SENDS %lu of %lu\n", drv_nl_failed,
		    drv_nl_sends);
		fflush(stdout);
	}
	return (rc);
}
