/*
 * fipd: floating-IP high-availability daemon (VRRPv2/v3).
 * Command line, daemonizing, pid file, signals.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/version.h>

#include "daemon.h"

static const char *conf_path = SYSCONFDIR "/fipd/fipd.conf";
static const char *pid_path = RUNDIR "/fipd.pid";
static int pid_fd = -1;

static void usage(FILE *, int) __attribute__((noreturn));

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: fipd [-nt] [-d] [-f FILE] [-p PIDFILE] [-s SOCKET]\n"
	    "       fipd -K [-f FILE] | -V | -h\n"
	    "\n"
	    "Floating-IP high availability with VRRPv2 (RFC 3768) and VRRPv3\n"
	    "(RFC 9568): the MASTER holds the virtual addresses, a BACKUP\n"
	    "takes them over when the MASTER stops advertising.\n"
	    "\n"
	    "  -f, --config FILE      configuration (default %s)\n"
	    "  -n, --foreground       do not daemonize; log to stderr too\n"
	    "  -t, --test-config      validate the configuration and exit\n"
	    "                         (0 = valid, 1 = errors as FILE:LINE)\n"
	    "  -p, --pidfile FILE     pid file (default %s)\n"
	    "  -s, --socket PATH      control socket (overrides [global]\n"
	    "                         control_socket)\n"
	    "  -d, --debug            debug logging\n"
	    "  -K, --keys             list every configuration key (the\n"
	    "                         core's and the plugins' in plugin_dir\n"
	    "                         of FILE when -f is given): section,\n"
	    "                         key, what a reload does, its values\n"
	    "  -V, --version          print the version and exit\n"
	    "  -h, --help             this help\n"
	    "\n"
	    "Signals: HUP reloads (validated first; on error the running\n"
	    "configuration stays), TERM/INT stop gracefully (a MASTER sends\n"
	    "priority 0 and removes its addresses), USR1 logs the status.\n"
	    "See fipd(8) and fipd.conf(5).\n",
	    SYSCONFDIR "/fipd/fipd.conf", RUNDIR "/fipd.pid");
	exit(status);
}

/*
 * -t on this host: an interface a section names that does not exist here
 * is worth a warning (a typo, or the config of another host); fipd would
 * wait for it.
 */
static void
warn_absent_interfaces(const struct cfg *c)
{
	const struct cfg_instance *ci;
	const char *file;
	size_t i;
	int line;

	TAILQ_FOREACH(ci, &c->instances, entry) {
		file = cfg_where(c, ci->line, &line);
		if (if_nametoindex(ci->ifname) == 0)
			fprintf(stderr, "%s:%d: warning: [instance %s]: "
			    "interface %s does not exist on this host (fipd "
			    "would wait for it)\n", file, line, ci->name,
			    ci->ifname);
		for (i = 0; i < ci->n_track_if; i++)
			if (if_nametoindex(ci->track_if[i]) == 0)
				fprintf(stderr, "%s:%d: warning: [instance %s]: "
				    "track_interface %s does not exist on this "
				    "host (the instance is in FAULT while it is "
				    "absent)\n", file, line, ci->name,
				    ci->track_if[i]);
	}
}

/* -K: the key tables, with the plugins of the config's plugin_dir. */
static int
list_keys(const char *conf)
{
	char err[512];
	const char *dir = cfg_default_plugin_dir();
	struct cfg *c = NULL;
	int rc = 0;

	log_init("fipd", 1, 0, 0);
	if (conf != NULL) {
		if ((c = cfg_load(conf, stderr)) == NULL)
			return 1;
		dir = c->global.plugin_dir;
	}
	if (plug_load_actions(dir, err, sizeof(err)) == -1 ||
	    plug_load_checks(dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "fipd: plugin_dir %s: %s\n", dir, err);
		rc = 1;
	}
	cfg_keys_print(stdout);
	cfg_free(c);
	plug_unload_all();
	return rc;
}

static int
pidfile_open(const char *path)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pid file %s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_warnx("another fipd (pid %s) holds %s", buf, path);
		close(fd);
		return -1;
	}
	return fd;
}

static void
pidfile_write(int fd)
{
	char buf[32];
	int n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("write pid file");
}

static void
sig_cb(int sig, void *arg)
{
	switch (sig) {
	case SIGHUP:
		log_notice("SIGHUP: reloading %s", conf_path);
		daemon_reload(conf_path, NULL);
		break;
	case SIGTERM:
	case SIGINT:
		log_notice("%s: stopping", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		daemon_stop();
		ctl_stop();
		metrics_stop();
		ev_break();
		break;
	case SIGUSR1:
		daemon_dump();
		break;
	default:
		break;
	}
}

/*
 * An absolute form of a path given on the command line: the daemon works
 * from "/" after daemonizing, so a reload must not read "/fipd.conf" and
 * the exit must not unlink "/fipd.pid" instead of what was meant.
 */
static const char *
absolute(const char *path)
{
	char cwd[PATH_MAX], *p;

	if (path == NULL || path[0] == '/')
		return path;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	xasprintf(&p, "%s/%s", cwd, path);
	return p;
}

static void
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		fatal("setsid");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	log_set_stderr(0);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "foreground", no_argument, NULL, 'n' },
		{ "test-config", no_argument, NULL, 't' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "keys", no_argument, NULL, 'K' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock_path = NULL;
	int ch, foreground = 0, test = 0, debug = 0, keys = 0, conf_given = 0;
	struct cfg *c;
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct fipd_io *sigev[sizeof(sigs) / sizeof(sigs[0])];
	size_t i;

	while ((ch = getopt_long(argc, argv, "f:ntp:s:dKVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			conf_path = optarg;
			conf_given = 1;
			break;
		case 'n':
			foreground = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'p':
			pid_path = optarg;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'K':
			keys = 1;
			break;
		case 'V':
			printf("fipd %s (plugin ABI %d)\n", PACKAGE_VERSION,
			    FIPD_PLUGIN_ABI_VERSION);
			return 0;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	conf_path = absolute(conf_path);
	pid_path = absolute(pid_path);
	sock_path = absolute(sock_path);

	if (keys)
		return list_keys(conf_given ? conf_path : NULL);
	if (test) {
		log_init("fipd", 1, 0, debug);
		c = cfg_load(conf_path, stderr);
		if (c == NULL)
			return 1;
		warn_absent_interfaces(c);
		fprintf(stderr, "%s: configuration OK\n", conf_path);
		cfg_free(c);
		plug_unload_all();
		return 0;
	}

	log_init("fipd", 1, 1, debug);
	/*
	 * A reload builds the new configuration beside the running one and
	 * then frees the old: keep that memory for the next reload instead
	 * of giving it back and faulting it in again (with 4,000 instances
	 * the page faults were most of the time a SIGHUP held the loop).
	 * Fixed thresholds: the file read whole and the tables come from
	 * the heap, and freed memory up to 64 MiB stays in the process.
	 */
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_TOP_PAD, 1024 * 1024);
#endif
	if (geteuid() != 0)
		log_warnx("not running as root: raw sockets and address "
		    "changes need CAP_NET_RAW and CAP_NET_ADMIN");
	if ((c = cfg_load(conf_path, stderr)) == NULL) {
		log_warnx("%s: invalid configuration, not starting",
		    conf_path);
		return 1;
	}
	if (sock_path != NULL)
		snprintf(c->global.control_socket,
		    sizeof(c->global.control_socket), "%s", sock_path);
	if ((pid_fd = pidfile_open(pid_path)) == -1)
		return 1;
	if (!foreground)
		daemonize();
	pidfile_write(pid_fd);
	signal(SIGPIPE, SIG_IGN);
	if (ev_init() == -1)
		fatalx("cannot create the event loop");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigev[i] = ev_signal_new(sigs[i], sig_cb, NULL);
	log_notice("fipd %s starting (router_id %s, libevent %s/%s, libnl "
	    "%s)", PACKAGE_VERSION, c->global.router_id, ev_version(),
	    ev_method(), LIBNL_STRING);
	/* Reloads load plugins only from where and as fipd started. */
	cfg_lock_plugins(c->global.plugin_dir, c->global.actions);
	if (daemon_start(c) == -1)
		fatalx("cannot start");
	if (ctl_start(c->global.control_socket, conf_path) == -1)
		log_warnx("control socket %s not available",
		    c->global.control_socket);
	if (metrics_start(c->global.metrics_listen) == -1)
		log_warnx("metrics endpoint %s not available",
		    c->global.metrics_listen);
	if (priv_drop() == -1)
		fatalx("cannot drop privileges");
	if (ev_loop() == -1)
		log_warnx("event loop failed");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		ev_io_free(sigev[i]);
	plug_unload_all();
	ev_fini();
	unlink(pid_path);
	close(pid_fd);
	log_notice("fipd stopped");
	return 0;
}
