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
 *   reconcile NAME|all              FIPD_EV_RECONCILE
 *   sleep SECONDS                   run the event loop
 *   watch SECONDS                   run the loop as the daemon's kernel
 *                                   watcher would (see pm_watch)
 *   fds                             print "FDS n", the open descriptors
 *   readable                        print "READABLE n", the watched fds
 *                                   with something to read now
 *   cbtime                          print "CBTIME us calls", the time
 *                                   spent in timer and fd callbacks
 *                                   since the last cbtime
 *
 * master, backup, detach and reconcile print "TIME cmd who us user_us
 * sys_us", the time the plugins took in the calls (wall clock, then CPU
 * in the process and in the kernel).  Every instance left is stopped and
 * detached at the end.  The fake host logs to stderr as "plugin: LEVEL:
 * msg", prints counters to stdout as "COUNT instance counter", runs
 * timers and fd watches on poll() and answers addr_present() with an
 * address dump.  Exit status 1 when a timer or fd watch outlives the
 * last detach.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>

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
#include "fakehost.h"

#define PM_MAX_PLUGINS	8
#define PM_MAX_VIPS	16
#define PM_WATCH_US	20000		/* pm_watch's look at the kernel */

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
	int			 was[PM_MAX_VIPS];	/* seen by pm_watch */
};

static TAILQ_HEAD(, pm_inst)	 pm_insts = TAILQ_HEAD_INITIALIZER(pm_insts);
static struct pm_plugin		 pm_plugins[PM_MAX_PLUGINS];
static size_t			 pm_np;
static uint64_t			 pm_seq;

static void	 usage(void) __attribute__((noreturn));
static const char *pm_global(struct fipd_host *, const char *);
static int	 pm_attach(const char *, const char *, const char *);
static void	 pm_transition(struct pm_inst *, enum fipd_state);
static void	 pm_detach(struct pm_inst *);
static void	 pm_event(struct pm_inst *, enum fipd_event);
static void	 pm_seen(struct pm_inst *);
static void	 pm_watch(double);
static uint64_t	 pm_tv_us(const struct timeval *);

static const struct fipd_host_api pm_api = {
	.abi_version = FIPD_PLUGIN_ABI_VERSION,
	.log = fh_log,
	.timer_new = fh_timer_new,
	.timer_arm = fh_timer_arm,
	.timer_cancel = fh_timer_cancel,
	.timer_free = fh_timer_free,
	.io_new = fh_io_new,
	.io_new_write = fh_io_new_write,
	.io_free = fh_io_free,
	.now_us = fh_now_us,
	.count = fh_count,
	.global = pm_global,
	.addr_present = fh_addr_present,
};

static void
usage(void)
{
	fprintf(stderr, "usage: plugin_multi -p plugin.so [-p ...] "
	    "command...\n");
	exit(2);
}

static const char *
pm_global(struct fipd_host *h, const char *key)
{
	(void)h;
	(void)key;
	return (NULL);
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
		    fh_parse_addr(tok, &in->vips[in->vi.n_vips]) == -1) {
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

static uint64_t
pm_tv_us(const struct timeval *tv)
{
	return ((uint64_t)tv->tv_sec * 1000000 + (uint64_t)tv->tv_usec);
}

static void
pm_event(struct pm_inst *in, enum fipd_event ev)
{
	size_t		 i;

	for (i = 0; i < pm_np; i++) {
		if (in->attached[i] &&
		    pm_plugins[i].info->action->event != NULL)
			pm_plugins[i].info->action->event(in->ictx[i], ev);
	}
}

static void
pm_seen(struct pm_inst *in)
{
	size_t		 i;

	for (i = 0; i < in->vi.n_vips; i++)
		in->was[i] = fh_addr_present(NULL, in->vi.ifindex,
		    &in->vips[i], NULL) == 1;
}

/*
 * Run the loop for secs while standing in for the daemon's kernel
 * watcher, by looking every PM_WATCH_US from the start of the watch: an
 * instance's interface changed its index -> FIPD_EV_LINK; a MASTER's
 * VIP that was on its interface is gone -> FIPD_EV_RECONCILE.
 */
static void
pm_watch(double secs)
{
	struct pm_inst	*in;
	uint64_t	 until, next;
	unsigned int	 idx;
	size_t		 i;
	int		 now, gone;

	until = fh_now() + (uint64_t)(secs * 1e6);
	TAILQ_FOREACH(in, &pm_insts, entry)
		pm_seen(in);
	while (fh_now() < until) {
		next = fh_now() + PM_WATCH_US;
		fh_run(next < until ? next : until);
		TAILQ_FOREACH(in, &pm_insts, entry) {
			/* A link's addresses that went are no deletions. */
			if ((idx = if_nametoindex(in->ifname)) !=
			    in->vi.ifindex) {
				in->vi.ifindex = idx;
				/* As the core: an event for a new index only. */
				if (idx != 0) {
					printf("EVENT %s link %u\n", in->name,
					    idx);
					pm_event(in, FIPD_EV_LINK);
				}
				pm_seen(in);
				continue;
			}
			gone = 0;
			for (i = 0; i < in->vi.n_vips; i++) {
				now = fh_addr_present(NULL, in->vi.ifindex,
				    &in->vips[i], NULL) == 1;
				if (in->was[i] && !now)
					gone = 1;
				in->was[i] = now;
			}
			if (gone && in->state == FIPD_STATE_MASTER) {
				printf("EVENT %s reconcile\n", in->name);
				pm_event(in, FIPD_EV_RECONCILE);
			}
		}
		fflush(stdout);
	}
}

int
main(int argc, char *argv[])
{
	struct pm_plugin *pl;
	struct pm_inst	*in, *tmp;
	struct rusage	 ru0, ru1;
	enum fipd_state	 to;
	const char	*cmd, *who;
	size_t		 i;
	uint64_t	 t0;
	int		 ch, rc = 0, found, reconcile;

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
			printf("FDS %d\n", fh_fds());
			fflush(stdout);
			argc--, argv++;
			continue;
		}
		if (strcmp(cmd, "readable") == 0) {
			printf("READABLE %d\n", fh_readable());
			fflush(stdout);
			argc--, argv++;
			continue;
		}
		if (strcmp(cmd, "cbtime") == 0) {
			printf("CBTIME %llu %lu\n",
			    (unsigned long long)fh_cb_us, fh_cb_calls);
			fflush(stdout);
			fh_cb_us = 0;
			fh_cb_calls = 0;
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
			fh_run(fh_now() + (uint64_t)(strtod(who, NULL) * 1e6));
			continue;
		}
		if (strcmp(cmd, "watch") == 0) {
			pm_watch(strtod(who, NULL));
			continue;
		}
		to = FIPD_STATE_INIT;
		reconcile = strcmp(cmd, "reconcile") == 0;
		if (strcmp(cmd, "master") == 0)
			to = FIPD_STATE_MASTER;
		else if (strcmp(cmd, "backup") == 0)
			to = FIPD_STATE_BACKUP;
		else if (strcmp(cmd, "detach") == 0)
			to = FIPD_STATE_STOP;
		else if (!reconcile) {
			fprintf(stderr, "unknown command %s\n", cmd);
			return (2);
		}
		found = 0;
		(void)getrusage(RUSAGE_SELF, &ru0);
		t0 = fh_now();
		for (in = TAILQ_FIRST(&pm_insts); in != NULL; in = tmp) {
			tmp = TAILQ_NEXT(in, entry);
			if (strcmp(who, "all") != 0 &&
			    strcmp(who, in->name) != 0)
				continue;
			found = 1;
			if (reconcile)
				pm_event(in, FIPD_EV_RECONCILE);
			else if (to == FIPD_STATE_STOP)
				pm_detach(in);
			else
				pm_transition(in, to);
		}
		t0 = fh_now() - t0;
		(void)getrusage(RUSAGE_SELF, &ru1);
		printf("TIME %s %s %llu %llu %llu\n", cmd, who,
		    (unsigned long long)t0,
		    (unsigned long long)(pm_tv_us(&ru1.ru_utime) -
		    pm_tv_us(&ru0.ru_utime)),
		    (unsigned long long)(pm_tv_us(&ru1.ru_stime) -
		    pm_tv_us(&ru0.ru_stime)));
		fflush(stdout);
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
	if (fh_leftovers() != 0) {
		fprintf(stderr, "plugin_multi: timers or fd watches left "
		    "after the last detach\n");
		rc = 1;
	}
	return (rc);
}
