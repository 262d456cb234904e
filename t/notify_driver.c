/*
 * notify_driver: run the action_notify plugin outside the daemon, for
 * tests (t/notify_plugin.sh).
 *
 *   notify_driver -p action_notify.so [-n name] [-i ifname] [-r vrid]
 *       [-v vip]... [-a advert_int_cs] [-u script_user] [-P priority]
 *       [-k key=value]... [-c] command...
 *
 * -k keys are parsed by the plugin's key table in order (as an [instance]
 * section would be).  With -c the driver only configures: it prints
 * "CONF OK" or one "CONF ERROR key: message" line per refused key and
 * exits 0 or 1.
 *
 * Commands: master, backup, fault, stop (transitions; the seq grows by
 * one each, from 1), prio N (priority of the next transitions),
 * lowerprio (FIPD_EV_RX_LOWER_PRIO), sleep SECONDS (run the loop),
 * detach (detach the instance), attach (attach it again, as a reload of
 * a changed instance does), block SECONDS (stall without running the
 * loop).  At the end, an attached instance goes to STOP and is detached,
 * then the plugin's fini() runs (the daemon's exit path): "FINI" and
 * "FINI DONE" lines on stdout bracket it.
 *
 * Like the daemon, the driver ignores SIGPIPE; it also blocks SIGUSR2, so
 * that tests can see that scripts start with default dispositions and an
 * empty signal mask.
 *
 * The host API is a fake: logs go to stderr as "LEVEL: message" with the
 * time since start in milliseconds in front, counters to stdout as
 * "COUNT instance counter", timers and fd watches run on a poll() loop.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fipd/plugin.h"
#include "fakehost.h"
#include "../core/pconf.h"

#define DRV_MAX_VIPS	16
#define DRV_MAX_KEYS	32

static const char		*drv_user;
static struct fipd_host		 drv_host = { "action_notify" };

static void	 usage(void) __attribute__((noreturn));
static const char *drv_global(struct fipd_host *, const char *);

static const struct fipd_host_api drv_api = {
	.abi_version = FIPD_PLUGIN_ABI_VERSION,
	.log = fh_log,
	.timer_new = fh_timer_new,
	.timer_arm = fh_timer_arm,
	.timer_cancel = fh_timer_cancel,
	.timer_free = fh_timer_free,
	.io_new = fh_io_new,
	.io_new_write = NULL,
	.io_free = fh_io_free,
	.now_us = fh_now_us,
	.count = fh_count,
	.check_done = NULL,
	.global = drv_global,
};

static void
usage(void)
{
	fprintf(stderr, "usage: notify_driver -p plugin.so [-n name] "
	    "[-i ifname] [-r vrid] [-v vip]...\n"
	    "           [-a advert_int_cs] [-u script_user] [-P priority] "
	    "[-k key=value]... [-c]\n"
	    "           command...\n");
	exit(2);
}

static const char *
drv_global(struct fipd_host *h, const char *key)
{
	(void)h;
	if (strcmp(key, "script_user") == 0)
		return (drv_user);
	return (NULL);
}

int
main(int argc, char *argv[])
{
	struct fipd_addr vips[DRV_MAX_VIPS];
	struct fipd_instance vi;
	struct fipd_transition tr;
	const struct fipd_plugin *pl;
	const struct fipd_action_ops *ops;
	const char	*so = NULL, *keys[DRV_MAX_KEYS];
	char		 err[512], kbuf[128], *eq;
	void		*dl, *conf = NULL, *ictx = NULL;
	struct pconf	*pc;
	size_t		 nkeys = 0, nvips = 0, i, kl;
	int		 ch, confonly = 0, bad = 0, attached = 0, rc;
	enum fipd_state	 state = FIPD_STATE_INIT;
	uint64_t	 seq = 0;
	sigset_t	 mask;

	fh_log_t0 = fh_now();
	/*
	 * Like the daemon: SIGPIPE ignored; and one signal blocked, so that
	 * the tests see that children get default dispositions and an
	 * empty mask.
	 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	memset(&vi, 0, sizeof(vi));
	vi.name = "VI_1";
	vi.ifname = "eth0";
	vi.vrid = 50;
	vi.version = 3;
	vi.family = AF_INET;
	vi.priority = 100;
	vi.advert_int_cs = 100;
	while ((ch = getopt(argc, argv, "a:ci:k:n:p:P:r:u:v:")) != -1) {
		switch (ch) {
		case 'a':
			vi.advert_int_cs = (unsigned int)atoi(optarg);
			break;
		case 'c':
			confonly = 1;
			break;
		case 'i':
			vi.ifname = optarg;
			break;
		case 'k':
			if (nkeys == DRV_MAX_KEYS)
				usage();
			keys[nkeys++] = optarg;
			break;
		case 'n':
			vi.name = optarg;
			break;
		case 'p':
			so = optarg;
			break;
		case 'P':
			vi.priority = atoi(optarg);
			break;
		case 'r':
			vi.vrid = (uint8_t)atoi(optarg);
			break;
		case 'u':
			drv_user = optarg;
			break;
		case 'v':
			if (nvips == DRV_MAX_VIPS ||
			    fh_parse_addr(optarg, &vips[nvips]) == -1)
				usage();
			nvips++;
			break;
		default:
			usage();
		}
	}
	if (so == NULL)
		usage();
	vi.vips = vips;
	vi.n_vips = nvips;
	if (nvips > 0)
		vi.family = vips[0].family;
	argc -= optind;
	argv += optind;

	if ((dl = dlopen(so, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", so, dlerror());
		return (1);
	}
	if ((pl = dlsym(dl, FIPD_PLUGIN_SYMBOL)) == NULL ||
	    pl->kind != FIPD_PLUGIN_ACTION || (ops = pl->action) == NULL) {
		fprintf(stderr, "%s: not an action plugin\n", so);
		return (1);
	}
	if (pl->init != NULL && pl->init(&drv_host, &drv_api) != 0) {
		fprintf(stderr, "%s: init failed\n", so);
		return (1);
	}
	if (ops->conf == NULL) {
		fprintf(stderr, "%s: no key table\n", so);
		return (1);
	}
	pc = pconf_new(ops->conf);
	for (i = 0; i < nkeys; i++) {
		if ((eq = strchr(keys[i], '=')) == NULL)
			usage();
		kl = (size_t)(eq - keys[i]);
		if (kl >= sizeof(kbuf))
			usage();
		memcpy(kbuf, keys[i], kl);
		kbuf[kl] = '\0';
		err[0] = '\0';
		rc = pconf_set(pc, kbuf, eq + 1, (int)i + 1, err, sizeof(err));
		if (rc == 1) {
			printf("CONF ERROR %s: unknown key\n", kbuf);
			bad = 1;
		} else if (rc == -1) {
			printf("CONF ERROR %s\n", err);
			bad = 1;
		}
	}
	if (!bad && pconf_finish(pc, err, sizeof(err)) == -1) {
		printf("CONF ERROR check: %s\n", err);
		bad = 1;
	}
	conf = pc->conf;
	if (!bad && ops->conf_check != NULL &&
	    ops->conf_check(&drv_host, conf, err, sizeof(err)) == -1) {
		printf("CONF ERROR check: %s\n", err);
		bad = 1;
	}
	if (confonly || bad) {
		if (!bad)
			printf("CONF OK\n");
		pconf_free(pc, ops->conf_free);
		if (pl->fini != NULL)
			pl->fini();
		dlclose(dl);
		return (bad);
	}

	if (ops->attach(&drv_host, &vi, conf, &ictx) != 0) {
		fprintf(stderr, "attach failed\n");
		return (1);
	}
	attached = 1;
	for (i = 0; i < (size_t)argc; i++) {
		const char *c = argv[i];
		enum fipd_state to = FIPD_STATE_INIT;

		if (strcmp(c, "master") == 0)
			to = FIPD_STATE_MASTER;
		else if (strcmp(c, "backup") == 0)
			to = FIPD_STATE_BACKUP;
		else if (strcmp(c, "fault") == 0)
			to = FIPD_STATE_FAULT;
		else if (strcmp(c, "stop") == 0)
			to = FIPD_STATE_STOP;
		if (to != FIPD_STATE_INIT) {
			if (!attached) {
				fprintf(stderr, "%s: not attached\n", c);
				return (2);
			}
			memset(&tr, 0, sizeof(tr));
			tr.from = state;
			tr.to = to;
			tr.priority = vi.priority;
			tr.reason = "driver";
			tr.seq = ++seq;
			state = to;
			printf("TRANSITION %llu %s\n", (unsigned long long)seq,
			    c);
			fflush(stdout);
			ops->transition(ictx, &tr);
			if (to == FIPD_STATE_STOP) {
				ops->detach(ictx);
				attached = 0;
			}
		} else if (strcmp(c, "prio") == 0 && i + 1 < (size_t)argc)
			vi.priority = atoi(argv[++i]);
		else if (strcmp(c, "lowerprio") == 0 && attached)
			ops->event(ictx, FIPD_EV_RX_LOWER_PRIO);
		else if (strcmp(c, "detach") == 0 && attached) {
			ops->detach(ictx);
			attached = 0;
		} else if (strcmp(c, "attach") == 0 && !attached) {
			state = FIPD_STATE_INIT;
			if (ops->attach(&drv_host, &vi, conf, &ictx) != 0) {
				fprintf(stderr, "attach failed\n");
				return (1);
			}
			attached = 1;
		} else if (strcmp(c, "sleep") == 0 && i + 1 < (size_t)argc)
			fh_run(fh_now() + (uint64_t)(atof(argv[++i]) * 1e6));
		else if (strcmp(c, "block") == 0 && i + 1 < (size_t)argc) {
			struct timespec ts;
			double s = atof(argv[++i]);

			ts.tv_sec = (time_t)s;
			ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		} else {
			fprintf(stderr, "bad command %s\n", c);
			return (2);
		}
	}
	if (attached) {
		memset(&tr, 0, sizeof(tr));
		tr.from = state;
		tr.to = FIPD_STATE_STOP;
		tr.priority = vi.priority;
		tr.reason = "shutdown";
		tr.seq = ++seq;
		printf("TRANSITION %llu stop\n", (unsigned long long)seq);
		ops->transition(ictx, &tr);
		ops->detach(ictx);
	}
	printf("FINI\n");
	fflush(stdout);
	pconf_free(pc, ops->conf_free);
	if (pl->fini != NULL)
		pl->fini();
	printf("FINI DONE\n");
	fflush(stdout);
	if (fh_leftovers() != 0)
		fprintf(stderr, "LEAK: timers or fd watches left after fini\n");
	dlclose(dl);
	return (0);
}
