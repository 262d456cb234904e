/*
 * check_driver: run a check plugin outside the daemon, for tests.
 *
 *   check_driver [-v] [-g key=value]... [-t timeout] [-X] [-S]
 *       plugin.so [key=value]... [-- command...]
 *
 * The key=value pairs go through the plugin's key table and conf_check() as a
 * [check] section would; a refusal prints "CONFKEY key unknown",
 * "CONFKEY key error: MSG" or "CONFCHECK error: MSG" and exits 3,
 * success prints "CONFOK".  Then the commands run (default: probe):
 *
 *   probe		one probe; prints "RESULT up|down REASON ms=T"
 *   probes N S		N probes, S seconds apart
 *   sleep S		run the loop S seconds
 *   sh CMD		run a shell command (blocking), set the time mark
 *   waitrecheck S	run the loop until the plugin asks for a recheck
 *			(at most S seconds); prints "RECHECK WHY mark_ms=T"
 *			or "NORECHECK"
 *
 * Like the core, the driver cancels a probe when its timeout (-t seconds,
 * default 1) expires and prints "RESULT down timeout ms=T", and answers a
 * recheck request by starting a probe at once when none runs.  A 10 ms
 * heartbeat timer runs throughout; at the end the driver prints
 * "HEARTBEAT max_gap_ms=T" (outside sh commands), then
 * "CHILDREN none|running|zombie" (children left after conf_free and at
 * most 0.5 s of loop to reap them), and fails if the plugin reports twice,
 * reports a cancelled probe, or leaks timers or fd watches.
 *
 * -X leaves an extra descriptor open without close-on-exec (fd 42), -S
 * ignores SIGINT and blocks SIGUSR1, so that tests can check what a
 * child inherits.  -v shows the plugin's debug lines.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
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

#define DRV_MAX_GLOBALS	16
#define DRV_HB_US	10000
#define DRV_EXTRA_FD	42

struct fipd_probe {
	int			 id;
};


static const struct fipd_plugin	*drv_pl;
static struct fipd_host		 drv_host;
static struct fipd_probe	 drv_probe_handle;
static void			*drv_conf;
static struct pconf		*drv_pc;
static void			*drv_pctx;
static int			 drv_running;	/* a probe is in flight */
static int			 drv_in_start;
static uint64_t			 drv_started;	/* of the running probe */
static uint64_t			 drv_timeout_us = 1000000;
static uint64_t			 drv_deadline;
static uint64_t			 drv_mark;	/* last sh command */
static int			 drv_recheck;	/* asked, not yet served */
static int			 drv_rechecks;	/* how many so far */
static uint64_t			 drv_hb_next, drv_hb_last, drv_hb_max;
static int			 drv_errors;
static const char		*drv_globals[DRV_MAX_GLOBALS][2];
static size_t			 drv_nglobals;

static void	 usage(void) __attribute__((noreturn));
static void	 drv_check_done(struct fipd_probe *, enum fipd_check_result,
		    const char *);
static const char *drv_global(struct fipd_host *, const char *);
static void	 drv_check_recheck(struct fipd_probe *, const char *);
static void	 drv_start(void);
static void	 drv_step(uint64_t);
static void	 drv_run(uint64_t);
static void	 drv_hb_reset(void);
static void	 drv_err(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

static const struct fipd_host_api drv_api = {
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
	.check_done = drv_check_done,
	.global = drv_global,
	.check_recheck = drv_check_recheck,
};

static void
usage(void)
{
	fprintf(stderr, "usage: check_driver [-v] [-g key=value]... "
	    "[-t timeout] [-X] [-S] plugin.so\n"
	    "           [key=value]... [-- command...]\n");
	exit(2);
}

static void
drv_err(const char *fmt, ...)
{
	va_list		 ap;

	printf("ERROR ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	drv_errors++;
}

static void
drv_check_done(struct fipd_probe *p, enum fipd_check_result r,
    const char *reason)
{
	uint64_t	 now = fh_now();

	if (p != &drv_probe_handle) {
		drv_err("check_done with a foreign probe handle");
		return;
	}
	if (!drv_running) {
		drv_err("check_done without a running probe (%s)",
		    reason != NULL ? reason : "no reason");
		return;
	}
	drv_running = 0;
	drv_pctx = NULL;
	printf("RESULT %s %s ms=%.3f%s\n", r == FIPD_CHECK_UP ? "up" : "down",
	    reason != NULL ? reason : "(no reason)",
	    (double)(now - drv_started) / 1000.0,
	    drv_in_start ? " sync" : "");
	fflush(stdout);
}

static const char *
drv_global(struct fipd_host *h, const char *key)
{
	size_t		 i;

	(void)h;
	for (i = 0; i < drv_nglobals; i++) {
		if (strcmp(drv_globals[i][0], key) == 0)
			return (drv_globals[i][1]);
	}
	return (NULL);
}

static void
drv_check_recheck(struct fipd_probe *p, const char *why)
{
	if (p != &drv_probe_handle) {
		drv_err("check_recheck with a foreign probe handle");
		return;
	}
	drv_rechecks++;
	printf("RECHECK %s mark_ms=%.3f%s\n", why != NULL ? why : "(none)",
	    drv_mark == 0 ? -1.0 : (double)(fh_now() - drv_mark) / 1000.0,
	    drv_running ? " (probe running)" : "");
	fflush(stdout);
	if (!drv_running)
		drv_recheck = 1;
}

static void
drv_start(void)
{
	void		*pctx = NULL;
	int		 rc;

	drv_running = 1;
	drv_in_start = 1;
	drv_started = fh_now();
	drv_deadline = drv_started + drv_timeout_us;
	rc = drv_pl->check->start(&drv_host, drv_conf, &drv_probe_handle,
	    &pctx);
	drv_in_start = 0;
	if (rc == -1) {
		if (!drv_running)
			drv_err("start failed after reporting");
		drv_running = 0;
		printf("RESULT down cannot start probe ms=%.3f\n",
		    (double)(fh_now() - drv_started) / 1000.0);
		fflush(stdout);
		return;
	}
	if (drv_running)
		drv_pctx = pctx;
}

static void
drv_hb_reset(void)
{
	drv_hb_last = fh_now();
	drv_hb_next = drv_hb_last + DRV_HB_US;
}

/*
 * One round of the loop: due timers (the probe timeout, the heartbeat,
 * the plugin's), then poll until the next one or `until`.  Callbacks may
 * free any timer or watch, so nothing is held across a call.
 */
static void
drv_step(uint64_t until)
{
	uint64_t	 now, next;

	now = fh_now();
	if (now >= drv_hb_next) {
		if (now - drv_hb_last > drv_hb_max)
			drv_hb_max = now - drv_hb_last;
		drv_hb_last = now;
		drv_hb_next = now + DRV_HB_US;
	}
	if (drv_running && now >= drv_deadline) {
		drv_running = 0;
		drv_pl->check->cancel(drv_pctx);
		drv_pctx = NULL;
		printf("RESULT down timeout ms=%.3f\n",
		    (double)(fh_now() - drv_started) / 1000.0);
		fflush(stdout);
	}
	if (drv_recheck && !drv_running) {
		drv_recheck = 0;
		drv_start();
	}
	fh_fire_timers();
	next = until < drv_hb_next ? until : drv_hb_next;
	if (drv_running && drv_deadline < next)
		next = drv_deadline;
	if (drv_recheck)
		next = 0;
	fh_poll(next);
}

static void
drv_run(uint64_t until)
{
	while (fh_now() < until)
		drv_step(until);
}

int
main(int argc, char *argv[])
{
	struct fipd_host *h = &drv_host;
	char		 err[512], *eq, key[128];
	const char	*path, *cmd;
	void		*dl;
	uint64_t	 until;
	siginfo_t	 si;
	sigset_t	 set;
	int		 ch, rc, extra_fd = 0, sigs = 0, i, n, exitrc = 0;
	int		 line;
	double		 secs;

	fh_log_debug = 0;	/* -v */
	while ((ch = getopt(argc, argv, "+g:St:vX")) != -1) {
		switch (ch) {
		case 'g':
			if (drv_nglobals == DRV_MAX_GLOBALS ||
			    (eq = strchr(optarg, '=')) == NULL)
				usage();
			*eq = '\0';
			drv_globals[drv_nglobals][0] = optarg;
			drv_globals[drv_nglobals][1] = eq + 1;
			drv_nglobals++;
			break;
		case 'S':
			sigs = 1;
			break;
		case 't':
			drv_timeout_us = (uint64_t)(strtod(optarg, NULL) * 1e6);
			break;
		case 'v':
			fh_log_debug = 1;
			break;
		case 'X':
			extra_fd = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	path = argv[0];
	argc--;
	argv++;

	if (extra_fd && dup2(STDERR_FILENO, DRV_EXTRA_FD) == -1) {
		perror("dup2");
		return (1);
	}
	if (sigs) {
		signal(SIGINT, SIG_IGN);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}

	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return (1);
	}
	drv_pl = dlsym(dl, FIPD_PLUGIN_SYMBOL);
	if (drv_pl == NULL || drv_pl->magic != FIPD_PLUGIN_MAGIC ||
	    drv_pl->abi_version != FIPD_PLUGIN_ABI_VERSION ||
	    drv_pl->kind != FIPD_PLUGIN_CHECK || drv_pl->check == NULL ||
	    drv_pl->check->conf == NULL || drv_pl->check->start == NULL ||
	    drv_pl->check->cancel == NULL) {
		fprintf(stderr, "%s: not a check plugin of ABI %d\n", path,
		    FIPD_PLUGIN_ABI_VERSION);
		return (1);
	}
	drv_host.name = drv_pl->name;
	if (drv_pl->init != NULL && drv_pl->init(h, &drv_api) == -1) {
		fprintf(stderr, "%s: init failed\n", drv_pl->name);
		return (1);
	}

	/* The [check] section. */
	drv_pc = pconf_new(drv_pl->check->conf);
	drv_conf = drv_pc->conf;
	for (line = 1; argc > 0 && strcmp(argv[0], "--") != 0;
	    argc--, argv++, line++) {
		if ((eq = strchr(argv[0], '=')) == NULL ||
		    (size_t)(eq - argv[0]) >= sizeof(key))
			usage();
		memcpy(key, argv[0], (size_t)(eq - argv[0]));
		key[eq - argv[0]] = '\0';
		err[0] = '\0';
		rc = pconf_set(drv_pc, key, eq + 1, line, err, sizeof(err));
		if (rc == 1) {
			printf("CONFKEY %s unknown\n", key);
			exitrc = 3;
			goto out;
		}
		if (rc != 0) {
			printf("CONFKEY %s error: %s\n", key, err);
			exitrc = 3;
			goto out;
		}
	}
	if (argc > 0) {
		argc--;
		argv++;
	}
	err[0] = '\0';
	if (pconf_finish(drv_pc, err, sizeof(err)) == -1) {
		printf("CONFCHECK error: %s\n", err);
		exitrc = 3;
		goto out;
	}
	if (drv_pl->check->conf_check != NULL &&
	    drv_pl->check->conf_check(h, drv_conf, err, sizeof(err)) != 0) {
		printf("CONFCHECK error: %s\n", err);
		exitrc = 3;
		goto out;
	}
	printf("CONFOK\n");
	fflush(stdout);

	drv_hb_reset();
	if (argc == 0) {
		drv_start();
		while (drv_running || drv_recheck)
			drv_step(fh_now() + 1000000);
	}
	for (; argc > 0; argc--, argv++) {
		cmd = argv[0];
		if (strcmp(cmd, "probe") == 0) {
			drv_start();
			while (drv_running)
				drv_step(fh_now() + 1000000);
		} else if (strcmp(cmd, "probes") == 0 && argc >= 3) {
			n = atoi(argv[1]);
			secs = strtod(argv[2], NULL);
			for (i = 0; i < n; i++) {
				if (i > 0)
					drv_run(fh_now() +
					    (uint64_t)(secs * 1e6));
				drv_start();
				while (drv_running)
					drv_step(fh_now() + 1000000);
			}
			argc -= 2;
			argv += 2;
		} else if (strcmp(cmd, "sleep") == 0 && argc >= 2) {
			drv_run(fh_now() + (uint64_t)(strtod(argv[1], NULL) *
			    1e6));
			argc--;
			argv++;
		} else if (strcmp(cmd, "sh") == 0 && argc >= 2) {
			drv_mark = fh_now();
			if (system(argv[1]) != 0)
				drv_err("sh %s failed", argv[1]);
			drv_hb_reset();
			argc--;
			argv++;
		} else if (strcmp(cmd, "waitrecheck") == 0 && argc >= 2) {
			until = fh_now() + (uint64_t)(strtod(argv[1], NULL) *
			    1e6);
			n = drv_rechecks;
			while (drv_rechecks == n && fh_now() < until)
				drv_step(until);
			if (drv_rechecks == n) {
				printf("NORECHECK\n");
				fflush(stdout);
			}
			/* Serve it: the probe the core would start now. */
			while (drv_recheck || drv_running)
				drv_step(fh_now() + 1000000);
			argc--;
			argv++;
		} else {
			fprintf(stderr, "bad command %s\n", cmd);
			exitrc = 2;
			break;
		}
	}
	printf("HEARTBEAT max_gap_ms=%.3f\n", (double)drv_hb_max / 1000.0);

 out:
	if (drv_running) {
		drv_pl->check->cancel(drv_pctx);
		drv_running = 0;
	}
	pconf_free(drv_pc, drv_pl->check->conf_free);
	/* Cancelled children are reaped asynchronously: give them time. */
	until = fh_now() + 500000;
	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			printf("CHILDREN none\n");
			break;
		}
		if (fh_now() >= until) {
			printf("CHILDREN %s\n", si.si_pid == 0 ? "running" :
			    "zombie");
			break;
		}
		drv_step(fh_now() + 10000);
	}
	if (drv_pl->fini != NULL)
		drv_pl->fini();
	if (fh_leftovers() != 0)
		drv_err("timers or fd watches leaked after conf_free");
	dlclose(dl);
	fflush(stdout);
	if (exitrc == 0 && drv_errors > 0)
		exitrc = 1;
	return (exitrc);
}
