/*
 * check_script: run a command, `type = script`; exit 0 is UP.
 *
 *   command = /abs/path ARG...	required; split into argv like a shell
 *				would ('...', "...", \x), with no
 *				expansion and no shell
 *
 * The command runs as [global] script_user (default nobody; root only
 * when configured so), with supplementary groups dropped, in its own
 * process group, with stdin/stdout/stderr on /dev/null, every other
 * descriptor closed, default signal dispositions, an empty signal mask,
 * "/" as working directory and only PATH in its environment.
 *
 * The configuration test refuses a command that is not an absolute path
 * to an executable regular file the script user may run, a world-writable
 * file, and a file under a world-writable directory (a sticky one, like
 * /tmp, only when what lies in it is owned by neither root nor the
 * script user).
 *
 * Children are reaped without SIGCHLD: each has a pidfd (pidfd_open(2))
 * watched for readability, then waitid(P_PIDFD).  Where pidfd_open is
 * missing (Linux < 5.3, valgrind) a timer polls waitid(WNOHANG) every
 * SC_POLL_US instead.  When a child exits its
 * process group is killed (anything it left running), while the child is
 * still an unreaped zombie, so that the group id cannot have been reused.
 * cancel() kills the group and leaves the child on the list of children
 * to reap; fini() waits (boundedly) for any that remain.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fipd/plugin.h"
#include "../common/chk.h"

#define SC_DEFAULT_USER		"nobody"
#define SC_FINI_WAIT_MS		1000
#define SC_FD_LOOP_MAX		65536
#define SC_POLL_US		20000	/* without pidfd_open */

struct sc_child;

struct sc_conf {
	struct fipd_host	*h;
	char			*command;	/* as configured, for logs */
	char			**argv;
	char			*user;		/* script_user, for logs */
	uid_t			 uid;
	gid_t			 gid;
	int			 setuser;	/* switch to uid/gid */
	struct fipd_probe	*p;
	struct sc_child		*probe;		/* in flight, or NULL */
};

struct sc_child {
	LIST_ENTRY(sc_child)	 entry;
	struct sc_conf		*conf;		/* NULL: cancelled, reap only */
	pid_t			 pid;		/* also its process group */
	int			 pidfd;		/* -1: polled with t_poll */
	int			 errfd;		/* exec failure report */
	struct fipd_io		*io;
	struct fipd_timer	*t_poll;
};

/* What a child that could not exec writes to the error pipe. */
struct sc_execerr {
	int			 stage;
	int			 err;
};

enum {
	SC_ST_DEVNULL = 1,
	SC_ST_CHDIR,
	SC_ST_SETGROUPS,
	SC_ST_SETGID,
	SC_ST_SETUID,
	SC_ST_EXEC,
};

static int	 sc_init(struct fipd_host *, const struct fipd_host_api *);
static void	 sc_fini(void);
static int	 sc_conf_key(struct fipd_host *, void **, const char *,
		    const char *, char *, size_t);
static int	 sc_conf_check(struct fipd_host *, void *, char *, size_t);
static void	 sc_conf_free(void *);
static int	 sc_start(struct fipd_host *, void *, struct fipd_probe *,
		    void **);
static void	 sc_cancel(void *);

static int	 sc_may_exec(const struct sc_conf *, const char *,
		    const struct stat *);
static int	 sc_check_path(const struct sc_conf *, char *, size_t);
static void	 sc_child_exec(const struct sc_conf *, int)
		    __attribute__((noreturn));
static void	 sc_child_fail(int, int, int) __attribute__((noreturn));
static void	 sc_closefrom(int, int);
static int	 sc_pidfd_open(pid_t);
static void	 sc_kill(struct sc_child *);
static void	 sc_child_free(struct sc_child *);
static int	 sc_reap(struct sc_child *);
static void	 sc_reap_cb(int, void *);
static void	 sc_poll_cb(void *);
static const char *sc_stage_str(int);

static struct fipd_host			*sc_host;
static const struct fipd_host_api	*sc_api;
static LIST_HEAD(, sc_child)		 sc_children =
    LIST_HEAD_INITIALIZER(sc_children);
static int				 sc_nopidfd;	/* logged once */

#define SC_LOG(lvl, ...)	sc_api->log(sc_host, (lvl), __VA_ARGS__)

static const struct fipd_check_ops sc_ops = {
	.conf_key = sc_conf_key,
	.conf_check = sc_conf_check,
	.conf_free = sc_conf_free,
	.start = sc_start,
	.cancel = sc_cancel,
};

FIPD_PLUGIN(
	.name = "check_script",
	.kind = FIPD_PLUGIN_CHECK,
	.type = "script",
	.init = sc_init,
	.fini = sc_fini,
	.check = &sc_ops,
);

static int
sc_init(struct fipd_host *h, const struct fipd_host_api *api)
{
	if (api == NULL || api->abi_version != FIPD_PLUGIN_ABI_VERSION)
		return (-1);
	sc_host = h;
	sc_api = api;
	return (0);
}

/*
 * Unloading: every child was killed by cancel() or conf_free(); reap
 * them now, waiting at most SC_FINI_WAIT_MS for a slow death.
 */
static void
sc_fini(void)
{
	struct sc_child	*ch;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 waited = 0;

	while ((ch = LIST_FIRST(&sc_children)) != NULL) {
		sc_kill(ch);
		ch->conf = NULL;
		if (sc_reap(ch))
			continue;	/* freed */
		if (waited < SC_FINI_WAIT_MS) {
			nanosleep(&ts, NULL);
			waited += 10;
			continue;
		}
		SC_LOG(FIPD_LOG_WARNING, "child %ld did not die, left "
		    "unreaped", (long)ch->pid);
		sc_child_free(ch);
	}
}

static int
sc_conf_key(struct fipd_host *h, void **confp, const char *key,
    const char *value, char *err, size_t errlen)
{
	struct sc_conf	*c;
	char		 e[128];

	if (strcmp(key, "command") != 0)
		return (1);
	if ((c = *confp) == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		c->h = h;
		*confp = c;
	}
	if (c->argv != NULL) {
		snprintf(err, errlen, "command given twice");
		return (-1);
	}
	if (chk_argv_split(value, &c->argv, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "command %s: %s", value, e);
		return (-1);
	}
	if ((c->command = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

/*
 * May the script user execute (search, for a directory) this?  When we
 * switch users the child drops supplementary groups, so owner, group and
 * other bits against uid/gid decide; without switching, access(2) knows.
 */
static int
sc_may_exec(const struct sc_conf *c, const char *path, const struct stat *st)
{
	if (!c->setuser)
		return (access(path, X_OK) == 0);
	if (c->uid == 0)
		return (S_ISDIR(st->st_mode) ||
		    (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0);
	if (st->st_uid == c->uid)
		return ((st->st_mode & S_IXUSR) != 0);
	if (st->st_gid == c->gid)
		return ((st->st_mode & S_IXGRP) != 0);
	return ((st->st_mode & S_IXOTH) != 0);
}

/* The executable and every directory above it (symbolic links resolved). */
static int
sc_check_path(const struct sc_conf *c, char *err, size_t errlen)
{
	const char	*cmd = c->argv[0];
	char		*real, *slash;
	struct stat	 st;
	uid_t		 below;
	int		 rc = -1;

	if (cmd[0] != '/') {
		snprintf(err, errlen, "command %s: not an absolute path", cmd);
		return (-1);
	}
	if ((real = realpath(cmd, NULL)) == NULL) {
		snprintf(err, errlen, "command %s: %s", cmd, strerror(errno));
		return (-1);
	}
	if (stat(real, &st) == -1) {
		snprintf(err, errlen, "command %s: %s", cmd, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "command %s: not a regular file", cmd);
		goto out;
	}
	if ((st.st_mode & S_IWOTH) != 0) {
		snprintf(err, errlen, "command %s: writable by everyone",
		    cmd);
		goto out;
	}
	if (!sc_may_exec(c, real, &st)) {
		snprintf(err, errlen, "command %s: not executable by %s", cmd,
		    c->user);
		goto out;
	}
	/* Walk up: "/a/b/x" checks "/a/b", "/a", "/". */
	below = st.st_uid;
	while ((slash = strrchr(real, '/')) != NULL) {
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(real, &st) == -1) {
			snprintf(err, errlen, "command %s: %s: %s", cmd, real,
			    strerror(errno));
			goto out;
		}
		/*
		 * In a world-writable directory others may replace entries,
		 * unless it is sticky (like /tmp) and the entry is ours.
		 */
		if ((st.st_mode & S_IWOTH) != 0 && ((st.st_mode & S_ISVTX) ==
		    0 || (below != 0 && below != c->uid))) {
			snprintf(err, errlen, "command %s: directory %s is "
			    "writable by everyone", cmd, real);
			goto out;
		}
		below = st.st_uid;
		if (!sc_may_exec(c, real, &st)) {
			snprintf(err, errlen, "command %s: directory %s is not "
			    "searchable by %s", cmd, real, c->user);
			goto out;
		}
		if (slash == real)
			break;
	}
	rc = 0;
 out:
	free(real);
	return (rc);
}

static int
sc_conf_check(struct fipd_host *h, void *conf, char *err, size_t errlen)
{
	struct sc_conf	*c = conf;
	struct passwd	*pw;
	const char	*user;

	if (c == NULL || c->argv == NULL) {
		snprintf(err, errlen, "command is required");
		return (-1);
	}
	c->h = h;
	user = sc_api->global != NULL ? sc_api->global(h, "script_user") :
	    NULL;
	if (user == NULL)
		user = SC_DEFAULT_USER;
	free(c->user);
	if ((c->user = strdup(user)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "script_user %s: %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
		return (-1);
	}
	if (geteuid() == 0) {
		c->setuser = 1;
		c->uid = pw->pw_uid;
		c->gid = pw->pw_gid;
	} else {
		/* Unprivileged (tests): the command runs as ourselves. */
		c->setuser = 0;
		c->uid = geteuid();
		c->gid = getegid();
		if (pw->pw_uid != c->uid)
			SC_LOG(FIPD_LOG_WARNING, "not running as root: "
			    "%s runs as uid %u, not as %s", c->argv[0],
			    (unsigned int)c->uid, user);
	}
	return (sc_check_path(c, err, errlen));
}

static void
sc_conf_free(void *conf)
{
	struct sc_conf	*c = conf;

	if (c == NULL)
		return;
	if (c->probe != NULL)
		sc_cancel(c->probe);
	chk_argv_free(c->argv);
	free(c->command);
	free(c->user);
	free(c);
}

static int
sc_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
	(void)pid;
	errno = ENOSYS;
	return (-1);
#endif
}

static int
sc_start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	struct sc_conf	*c = conf;
	struct sc_child	*ch;
	int		 efd[2];
	pid_t		 pid;

	*pctx = NULL;
	c->p = p;
	if (c->probe != NULL) {
		SC_LOG(FIPD_LOG_ERR, "%s: probe started while one runs",
		    c->argv[0]);
		return (-1);
	}
	if ((ch = calloc(1, sizeof(*ch))) == NULL) {
		SC_LOG(FIPD_LOG_ERR, "%s: out of memory", c->argv[0]);
		return (-1);
	}
	ch->pidfd = ch->errfd = -1;
	if (pipe2(efd, O_CLOEXEC) == -1) {
		SC_LOG(FIPD_LOG_ERR, "%s: pipe: %s", c->argv[0],
		    strerror(errno));
		free(ch);
		return (-1);
	}
	if ((pid = fork()) == -1) {
		SC_LOG(FIPD_LOG_ERR, "%s: fork: %s", c->argv[0],
		    strerror(errno));
		close(efd[0]);
		close(efd[1]);
		free(ch);
		return (-1);
	}
	if (pid == 0)
		sc_child_exec(c, efd[1]);
	/* NOTREACHED in the child */

	close(efd[1]);
	ch->pid = pid;
	ch->errfd = efd[0];
	/* Both sides set the group, so that cancel() never misses it. */
	(void)setpgid(pid, pid);
	LIST_INSERT_HEAD(&sc_children, ch, entry);
	if ((ch->pidfd = sc_pidfd_open(pid)) != -1)
		ch->io = sc_api->io_new(h, ch->pidfd, sc_reap_cb, ch);
	else if (errno == ENOSYS || errno == EPERM) {
		if (!sc_nopidfd++)
			SC_LOG(FIPD_LOG_NOTICE, "pidfd_open: %s: polling for "
			    "child exits every %d ms", strerror(errno),
			    SC_POLL_US / 1000);
		if ((ch->t_poll = sc_api->timer_new(h, sc_poll_cb, ch)) !=
		    NULL)
			sc_api->timer_arm(ch->t_poll, SC_POLL_US);
	} else
		SC_LOG(FIPD_LOG_ERR, "%s: pidfd_open: %s", c->argv[0],
		    strerror(errno));
	if (ch->io == NULL && ch->t_poll == NULL) {
		/* The child is not reaped yet: its pid is still ours. */
		sc_kill(ch);
		(void)waitpid(pid, NULL, 0);
		sc_child_free(ch);
		return (-1);
	}
	ch->conf = c;
	c->probe = ch;
	*pctx = ch;
	return (0);
}

/* Kill the child and its process group; safe until it is reaped. */
static void
sc_kill(struct sc_child *ch)
{
	(void)kill(-ch->pid, SIGKILL);
	(void)kill(ch->pid, SIGKILL);
}

static void
sc_cancel(void *pctx)
{
	struct sc_child	*ch = pctx;

	if (ch == NULL)
		return;
	sc_kill(ch);
	if (ch->conf != NULL && ch->conf->probe == ch)
		ch->conf->probe = NULL;
	ch->conf = NULL;	/* reaped by sc_reap, never reported */
}

static void
sc_child_free(struct sc_child *ch)
{
	LIST_REMOVE(ch, entry);
	if (ch->io != NULL)
		sc_api->io_free(ch->io);
	if (ch->t_poll != NULL)
		sc_api->timer_free(ch->t_poll);
	if (ch->pidfd != -1)
		close(ch->pidfd);
	if (ch->errfd != -1)
		close(ch->errfd);
	free(ch);
}

static void
sc_reap_cb(int fd, void *arg)
{
	(void)fd;
	(void)sc_reap(arg);
}

static void
sc_poll_cb(void *arg)
{
	struct sc_child	*ch = arg;

	if (!sc_reap(ch))
		sc_api->timer_arm(ch->t_poll, SC_POLL_US);
}

/*
 * Reap the child if it exited; report its result unless it was
 * cancelled.  Before reaping, while the exited child is a zombie and its
 * pid (so its process group id) cannot be reused, kill whatever it left
 * running in its group.
 * Returns: 1 when the child was reaped and freed, else 0.
 */
static int
sc_reap(struct sc_child *ch)
{
	struct sc_conf	*c;
	struct sc_execerr ee;
	siginfo_t	 si;
	idtype_t	 idtype = P_PID;
	id_t		 id = (id_t)ch->pid;
	char		 why[128];
	enum fipd_check_result res = FIPD_CHECK_DOWN;

	if (ch->pidfd != -1) {
		idtype = P_PIDFD;
		id = (id_t)ch->pidfd;
	}
	memset(&si, 0, sizeof(si));
	if (waitid(idtype, id, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
		if (errno == EINTR)
			return (0);
		SC_LOG(FIPD_LOG_ERR, "waitid %ld: %s", (long)ch->pid,
		    strerror(errno));
		snprintf(why, sizeof(why), "waitid: %s", strerror(errno));
	} else if (si.si_pid == 0) {
		return (0);
	} else {
		(void)kill(-ch->pid, SIGKILL);
		memset(&si, 0, sizeof(si));
		(void)waitid(idtype, id, &si, WEXITED | WNOHANG);
		if (si.si_code == CLD_EXITED) {
			if (si.si_status == 127 && read(ch->errfd, &ee,
			    sizeof(ee)) == (ssize_t)sizeof(ee))
				snprintf(why, sizeof(why), "cannot run: %s: "
				    "%s", sc_stage_str(ee.stage),
				    strerror(ee.err));
			else {
				snprintf(why, sizeof(why), "exit %d",
				    si.si_status);
				if (si.si_status == 0)
					res = FIPD_CHECK_UP;
			}
		} else
			snprintf(why, sizeof(why), "killed by signal %d",
			    si.si_status);
	}

	c = ch->conf;
	sc_child_free(ch);
	if (c != NULL) {
		c->probe = NULL;
		sc_api->check_done(c->p, res, why);
	}
	return (1);
}

static const char *
sc_stage_str(int stage)
{
	switch (stage) {
	case SC_ST_DEVNULL:
		return ("/dev/null");
	case SC_ST_CHDIR:
		return ("chdir");
	case SC_ST_SETGROUPS:
		return ("setgroups");
	case SC_ST_SETGID:
		return ("setgid");
	case SC_ST_SETUID:
		return ("setuid");
	case SC_ST_EXEC:
		return ("execve");
	default:
		return ("child");
	}
}

/*
 * Everything below runs in the forked child: no allocation, no stdio,
 * only async-signal-safe calls until execve.
 */
static void
sc_child_fail(int efd, int stage, int err)
{
	struct sc_execerr ee;

	ee.stage = stage;
	ee.err = err;
	(void)write(efd, &ee, sizeof(ee));
	_exit(127);
}

/* Close every descriptor from lowfd up, except keep (keep >= lowfd). */
static void
sc_closefrom(int lowfd, int keep)
{
	long		 max, fd;

#ifdef SYS_close_range
	if ((keep == lowfd || syscall(SYS_close_range, (unsigned int)lowfd,
	    (unsigned int)keep - 1, 0) == 0) &&
	    syscall(SYS_close_range, (unsigned int)keep + 1, ~0U, 0) == 0)
		return;
#endif
	if ((max = sysconf(_SC_OPEN_MAX)) == -1 || max > SC_FD_LOOP_MAX)
		max = SC_FD_LOOP_MAX;
	for (fd = lowfd; fd < max; fd++) {
		if (fd != keep)
			(void)close((int)fd);
	}
}

static void
sc_child_exec(const struct sc_conf *c, int efd)
{
	static char	 env_path[] =
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	char		*envp[] = { env_path, NULL };
	sigset_t	 set;
	int		 fd, sig;

	/* Keep the error pipe clear of 0-2. */
	if (efd <= STDERR_FILENO)
		efd = fcntl(efd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	if (efd == -1)
		_exit(127);
	sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	(void)setpgid(0, 0);

	if ((fd = open("/dev/null", O_RDWR)) == -1)
		sc_child_fail(efd, SC_ST_DEVNULL, errno);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		sc_child_fail(efd, SC_ST_DEVNULL, errno);
	if (fd > STDERR_FILENO)
		(void)close(fd);
	if (chdir("/") == -1)
		sc_child_fail(efd, SC_ST_CHDIR, errno);
	if (c->setuser) {
		if (setgroups(0, NULL) == -1)
			sc_child_fail(efd, SC_ST_SETGROUPS, errno);
		if (setgid(c->gid) == -1)
			sc_child_fail(efd, SC_ST_SETGID, errno);
		if (setuid(c->uid) == -1)
			sc_child_fail(efd, SC_ST_SETUID, errno);
	}
	/* Netlink, raw and control sockets of the daemon must not leak. */
	sc_closefrom(STDERR_FILENO + 1, efd);
	execve(c->argv[0], c->argv, envp);
	sc_child_fail(efd, SC_ST_EXEC, errno);
}
