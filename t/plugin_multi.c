/*
 * plugin_multi: run action plugins for many instances at once outside
 * the daemon, for tests of what the instances share.
 *
 *   plugin_multi -p plugin.so [-p ...] command...
 *
 * Commands:
 *   attach NAME IFNAME VIP[,VIP...] attach a new instance to every plugin
 *                                   (garp_repeat 1, no refresh)
 *   master|backup NAME|all          transition
 *   detach NAME|all                 transition to STOP, then detach
 *   sleep SECONDS                   run the event loop
 *   fds                             print "FDS n", the open descriptors
 *
 * Every instance left is stopped and detached at the end.  The fake host
 * logs to stderr as "plugin: LEVEL: msg", prints counters to stdout as
 * "COUNT instance counter", and runs timers and fd watches on poll().
 * Exit status 1 when a timer or fd watch outlives the last detach.
 */
#include <sys/types.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <net/if.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fipd/plugin.h"

#define PM_MAX_PLUGINS	8
#define PM_MAX_VIPS	16
#define PM_MAX_POLL	256

struct fipd_host {
	const char		*name;
};

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

struct pm_plugin {
	void			*dl;
	const struct fipd_plugin *info;
	struct fipd_host	 host;
};

struct pm_inst {
	TAILQ_ENTRY(pm_inst)	 entry;
	char			*name;
	char			*ifname;
	struct fipd_instance	 vi;
	struct fipd_addr	 vips[PM_MAX_VIPS];
	enum fipd_state		 state;
	void			*ictx[PM_MAX_PLUGINS];
	int			 attached[PM_MAX_PLUGINS];
};

static TAILQ_HEAD(, fipd_timer)	 pm_timers = TAILQ_HEAD_INITIALIZER(pm_timers);
static TAILQ_HEAD(, fipd_io)	 pm_ios = TAILQ_HEAD_INITIALIZER(pm_ios);
static TAILQ_HEAD(, pm_inst)	 pm_insts = TAILQ_HEAD_INITIALIZER(pm_insts);
static struct pm_plugin		 pm_plugins[PM_MAX_PLUGINS];
static size_t			 pm_np;
static uint64_t			 pm_io_seq, pm_seq;

static void	 usage(void) __attribute__((noreturn));
static uint64_t	 pm_now(void);
static void	 pm_log(struct fipd_host *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static struct fipd_timer *pm_timer_new(struct fipd_host *, fipd_timer_cb *,
		    void *);
static void	 pm_timer_arm(struct fipd_timer *, uint64_t);
static void	 pm_timer_cancel(struct fipd_timer *);
static void	 pm_timer_free(struct fipd_timer *);
static struct fipd_io *pm_io_new(struct fipd_host *, int, fipd_io_cb *,
		    void *);
static struct fipd_io *pm_io_new_write(struct fipd_host *, int,
		    fipd_io_cb *, void *);
static void	 pm_io_free(struct fipd_io *);
static uint64_t	 pm_now_us(struct fipd_host *);
static void	 pm_count(struct fipd_host *, const char *, const char *);
static const char *pm_global(struct fipd_host *, const char *);
static void	 pm_run(uint64_t);
static int	 pm_fds(void);
static int	 pm_parse_vip(const char *, struct fipd_addr *);
static int	 pm_attach(const char *, const char *, const char *);
static void	 pm_transition(struct pm_inst *, enum fipd_state);
static void	 pm_detach(struct pm_inst *);

static const struct fipd_host_api pm_api = {
	.abi_version = FIPD_PLUGIN_ABI_VERSION,
	.log = pm_log,
	.timer_new = pm_timer_new,
	.timer_arm = pm_timer_arm,
	.timer_cancel = pm_timer_cancel,
	.timer_free = pm_timer_free,
	.io_new = pm_io_new,
	.io_new_write = pm_io_new_write,
	.io_free = pm_io_free,
	.now_us = pm_now_us,
	.count = pm_count,
	.global = pm_global,
};

static void
usage(void)
{
	fprintf(stderr, "usage: plugin_multi -p plugin.so [-p ...] "
	    "command...\n");
	exit(2);
}

static uint64_t
pm_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
pm_log(struct fipd_host *h, int level, const char *fmt, ...)
{
	static const char *const lv[] = {
		"EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO",
		"DEBUG"
	};
	va_list		 ap;

	fprintf(stderr, "%s: %s: ", h->name,
	    level >= 0 && level <= 7 ? lv[level] : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct fipd_timer *
pm_timer_new(struct fipd_host *h, fipd_timer_cb *cb, void *arg)
{
	struct fipd_timer *t;

	(void)h;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->cb = cb;
	t->arg = arg;
	TAILQ_INSERT_TAIL(&pm_timers, t, entry);
	return (t);
}

static void
pm_timer_arm(struct fipd_timer *t, uint64_t delay_us)
{
	t->armed = 1;
	t->due = pm_now() + delay_us;
}

static void
pm_timer_cancel(struct fipd_timer *t)
{
	if (t != NULL)
		t->armed = 0;
}

static void
pm_timer_free(struct fipd_timer *t)
{
	if (t == NULL)
		return;
	TAILQ_REMOVE(&pm_timers, t, entry);
	free(t);
}

static struct fipd_io *
pm_io_add(int fd, short events, fipd_io_cb *cb, void *arg)
{
	struct fipd_io	*io;

	if ((io = calloc(1, sizeof(*io))) == NULL)
		return (NULL);
	io->fd = fd;
	io->events = events;
	io->cb = cb;
	io->arg = arg;
	io->id = ++pm_io_seq;
	TAILQ_INSERT_TAIL(&pm_ios, io, entry);
	return (io);
}

static struct fipd_io *
pm_io_new(struct fipd_host *h, int fd, fipd_io_cb *cb, void *arg)
{
	(void)h;
	return (pm_io_add(fd, POLLIN, cb, arg));
}

static struct fipd_io *
pm_io_new_write(struct fipd_host *h, int fd, fipd_io_cb *cb, void *arg)
{
	(void)h;
	return (pm_io_add(fd, POLLOUT, cb, arg));
}

static void
pm_io_free(struct fipd_io *io)
{
	if (io == NULL)
		return;
	TAILQ_REMOVE(&pm_ios, io, entry);
	free(io);
}

static uint64_t
pm_now_us(struct fipd_host *h)
{
	(void)h;
	return (pm_now());
}

static void
pm_count(struct fipd_host *h, const char *instance, const char *counter)
{
	(void)h;
	printf("COUNT %s %s\n", instance, counter);
	fflush(stdout);
}

static const char *
pm_global(struct fipd_host *h, const char *key)
{
	(void)h;
	(void)key;
	return (NULL);
}

/*
 * Run due timers and ready fds until `until`.  A callback may free any
 * timer or watch: timers are searched afresh after each call and watches
 * found again by id.
 */
static void
pm_run(uint64_t until)
{
	struct pollfd	 pfd[PM_MAX_POLL];
	uint64_t	 ids[PM_MAX_POLL], now, next;
	struct fipd_timer *t, *due;
	struct fipd_io	*io;
	int		 i, n, timeout;

	while ((now = pm_now()) < until) {
		for (;;) {
			due = NULL;
			TAILQ_FOREACH(t, &pm_timers, entry) {
				if (t->armed && t->due <= now &&
				    (due == NULL || t->due < due->due))
					due = t;
			}
			if (due == NULL)
				break;
			due->armed = 0;
			due->cb(due->arg);
		}
		next = until;
		TAILQ_FOREACH(t, &pm_timers, entry) {
			if (t->armed && t->due < next)
				next = t->due;
		}
		now = pm_now();
		timeout = next > now ? (int)((next - now + 999) / 1000) : 0;
		n = 0;
		TAILQ_FOREACH(io, &pm_ios, entry) {
			if (n == PM_MAX_POLL)
				break;
			pfd[n].fd = io->fd;
			pfd[n].events = io->events;
			pfd[n].revents = 0;
			ids[n++] = io->id;
		}
		if (poll(pfd, (nfds_t)n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			perror("poll");
			exit(1);
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			TAILQ_FOREACH(io, &pm_ios, entry) {
				if (io->id == ids[i])
					break;
			}
			if (io != NULL)
				io->cb(io->fd, io->arg);
		}
	}
}

/* Open descriptors of this process (the directory's own not counted). */
static int
pm_fds(void)
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
	return (n - 1);
}

static int
pm_parse_vip(const char *s, struct fipd_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.v4) == 1) {
		a->family = AF_INET;
		a->prefixlen = 32;
	} else if (inet_pton(AF_INET6, s, &a->u.v6) == 1) {
		a->family = AF_INET6;
		a->prefixlen = 128;
	} else
		return (-1);
	return (0);
}

static int
pm_attach(const char *name, const char *ifname, const char *vips)
{
	struct pm_inst	*in;
	char		*list, *tok, *last;
	size_t		 i;

	if ((in = calloc(1, sizeof(*in))) == NULL ||
	    (in->name = strdup(name)) == NULL ||
	    (in->ifname = strdup(ifname)) == NULL ||
	    (list = strdup(vips)) == NULL) {
		perror("attach");
		exit(1);
	}
	for (tok = strtok_r(list, ",", &last); tok != NULL;
	    tok = strtok_r(NULL, ",", &last)) {
		if (in->vi.n_vips == PM_MAX_VIPS ||
		    pm_parse_vip(tok, &in->vips[in->vi.n_vips]) == -1) {
			fprintf(stderr, "bad VIP %s\n", tok);
			exit(2);
		}
		in->vi.n_vips++;
	}
	free(list);
	in->vi.name = in->name;
	in->vi.ifname = in->ifname;
	in->vi.ifindex = if_nametoindex(ifname);
	in->vi.vrid = 1;
	in->vi.version = 3;
	in->vi.family = in->vi.n_vips > 0 ? in->vips[0].family : AF_INET;
	in->vi.priority = 100;
	in->vi.advert_int_cs = 100;
	in->vi.vips = in->vips;
	in->vi.garp_repeat = 1;
	in->state = FIPD_STATE_INIT;
	for (i = 0; i < pm_np; i++) {
		if (pm_plugins[i].info->action->attach(&pm_plugins[i].host,
		    &in->vi, NULL, &in->ictx[i]) == -1) {
			printf("REFUSED %s %s\n", name,
			    pm_plugins[i].info->name);
			continue;
		}
		in->attached[i] = 1;
	}
	TAILQ_INSERT_TAIL(&pm_insts, in, entry);
	return (0);
}

static void
pm_transition(struct pm_inst *in, enum fipd_state to)
{
	struct fipd_transition tr;
	size_t		 i;

	memset(&tr, 0, sizeof(tr));
	tr.from = in->state;
	tr.to = to;
	tr.priority = in->vi.priority;
	tr.reason = "driver";
	tr.seq = ++pm_seq;
	for (i = 0; i < pm_np; i++) {
		if (in->attached[i])
			pm_plugins[i].info->action->transition(in->ictx[i],
			    &tr);
	}
	in->state = to;
}

static void
pm_detach(struct pm_inst *in)
{
	size_t		 i;

	pm_transition(in, FIPD_STATE_STOP);
	for (i = 0; i < pm_np; i++) {
		if (in->attached[i])
			pm_plugins[i].info->action->detach(in->ictx[i]);
	}
	TAILQ_REMOVE(&pm_insts, in, entry);
	free(in->name);
	free(in->ifname);
	free(in);
}

int
main(int argc, char *argv[])
{
	struct pm_plugin *pl;
	struct pm_inst	*in, *tmp;
	enum fipd_state	 to;
	const char	*cmd, *who;
	size_t		 i;
	int		 ch, rc = 0, found;

	while ((ch = getopt(argc, argv, "+p:")) != -1) {
		switch (ch) {
		case 'p':
			if (pm_np == PM_MAX_PLUGINS)
				usage();
			pl = &pm_plugins[pm_np++];
			if ((pl->dl = dlopen(optarg, RTLD_NOW | RTLD_LOCAL)) ==
			    NULL) {
				fprintf(stderr, "dlopen %s: %s\n", optarg,
				    dlerror());
				return (1);
			}
			pl->info = dlsym(pl->dl, FIPD_PLUGIN_SYMBOL);
			if (pl->info == NULL ||
			    pl->info->magic != FIPD_PLUGIN_MAGIC ||
			    pl->info->abi_version != FIPD_PLUGIN_ABI_VERSION ||
			    pl->info->kind != FIPD_PLUGIN_ACTION ||
			    pl->info->action == NULL) {
				fprintf(stderr, "%s: not an action plugin\n",
				    optarg);
				return (1);
			}
			pl->host.name = pl->info->name;
			if (pl->info->init != NULL &&
			    pl->info->init(&pl->host, &pm_api) == -1) {
				fprintf(stderr, "%s: init failed\n",
				    pl->info->name);
				return (1);
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (pm_np == 0)
		usage();

	while (argc > 0) {
		cmd = argv[0];
		if (strcmp(cmd, "fds") == 0) {
			printf("FDS %d\n", pm_fds());
			fflush(stdout);
			argc--, argv++;
			continue;
		}
		if (strcmp(cmd, "attach") == 0) {
			if (argc < 4)
				usage();
			pm_attach(argv[1], argv[2], argv[3]);
			argc -= 4, argv += 4;
			continue;
		}
		if (argc < 2)
			usage();
		who = argv[1];
		argc -= 2, argv += 2;
		if (strcmp(cmd, "sleep") == 0) {
			pm_run(pm_now() + (uint64_t)(strtod(who, NULL) * 1e6));
			continue;
		}
		if (strcmp(cmd, "master") == 0)
			to = FIPD_STATE_MASTER;
		else if (strcmp(cmd, "backup") == 0)
			to = FIPD_STATE_BACKUP;
		else if (strcmp(cmd, "detach") == 0)
			to = FIPD_STATE_STOP;
		else {
			fprintf(stderr, "unknown command %s\n", cmd);
			return (2);
		}
		found = 0;
		for (in = TAILQ_FIRST(&pm_insts); in != NULL; in = tmp) {
			tmp = TAILQ_NEXT(in, entry);
			if (strcmp(who, "all") != 0 &&
			    strcmp(who, in->name) != 0)
				continue;
			found = 1;
			if (to == FIPD_STATE_STOP)
				pm_detach(in);
			else
				pm_transition(in, to);
		}
		if (!found) {
			fprintf(stderr, "%s: no instance %s\n", cmd, who);
			return (2);
		}
	}

	while ((in = TAILQ_FIRST(&pm_insts)) != NULL)
		pm_detach(in);
	for (i = 0; i < pm_np; i++) {
		if (pm_plugins[i].info->fini != NULL)
			pm_plugins[i].info->fini();
	}
	for (i = pm_np; i > 0; i--)
		dlclose(pm_plugins[i - 1].dl);
	if (!TAILQ_EMPTY(&pm_timers) || !TAILQ_EMPTY(&pm_ios)) {
		fprintf(stderr, "plugin_multi: timers or fd watches left "
		    "after the last detach\n");
		rc = 1;
	}
	return (rc);
}
