/*
 * Child processes of the plugins that run scripts (check_script,
 * action_notify).  See chk_spawn.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chk_spawn.h"

#define CHK_FD_LOOP_MAX		65536

/* The kernel's sigset_t: 64 signals (not glibc's). */
#define CHK_KSIGSET_SIZE	(64 / 8)

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif

/* Steps of the child before execve, as reported through the pipe. */
enum {
	CHK_ST_SIGNALS = 1,
	CHK_ST_SETSID,
	CHK_ST_FDS,
	CHK_ST_DEVNULL,
	CHK_ST_CHDIR,
	CHK_ST_SETGROUPS,
	CHK_ST_SETGID,
	CHK_ST_SETUID,
	CHK_ST_EXEC,
};

/* What a child that could not exec writes to the error pipe. */
struct chk_execerr {
	int		 stage;
	int		 err;
};

static int	 chk_pidfd_open(pid_t);
static void	 chk_proc_io_cb(int, void *);
static void	 chk_proc_poll_cb(void *);
static const char *chk_stage_str(int);
static void	 chk_child_exec(char *const *, char *const *, int, int,
		    const struct chk_proc_user *) __attribute__((noreturn));
static void	 chk_child_fail(int, int, int) __attribute__((noreturn));
static void	 chk_sig_default(int);
static void	 chk_closefrom(int);

static struct fipd_host			*chk_host;
static const struct fipd_host_api	*chk_api;
static const char			*chk_noun = "child";
static int				 chk_flags;
static int				 chk_nopidfd;	/* logged once */

void
chk_proc_init(struct fipd_host *h, const struct fipd_host_api *api,
    const char *noun, int flags)
{
	chk_host = h;
	chk_api = api;
	chk_noun = noun;
	chk_flags = flags;
}

static int
chk_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
	(void)pid;
	errno = ENOSYS;
	return (-1);
#endif
}

int
chk_proc_spawn(struct chk_proc *pr, char *const *argv, char *const *envp,
    const struct chk_proc_user *u, const char **what)
{
	sigset_t	 all, old;
	int		 op[2] = { -1, -1 }, ep[2] = { -1, -1 }, serr;
	pid_t		 pid;

	memset(pr, 0, sizeof(*pr));
	pr->pidfd = pr->outfd = pr->errfd = -1;
	*what = "pipe";
	if (((chk_flags & CHK_PROC_OUTPUT) && (pipe2(op, O_CLOEXEC) == -1 ||
	    fcntl(op[0], F_SETFL, O_NONBLOCK) == -1)) ||
	    pipe2(ep, O_CLOEXEC) == -1 ||
	    fcntl(ep[0], F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	/* Nothing may run our handlers in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		chk_child_exec(argv, envp, op[1], ep[1], u);
	serr = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		errno = serr;
		*what = "fork";
		goto fail;
	}
	/*
	 * Without a new session both sides set the group, so that a signal
	 * to it never misses the child.  (setsid() would fail in a child we
	 * had already made a group leader.)
	 */
	if (!(chk_flags & CHK_PROC_SETSID))
		(void)setpgid(pid, pid);
	if (op[1] != -1)
		close(op[1]);
	close(ep[1]);
	pr->pid = pid;
	pr->outfd = op[0];
	pr->errfd = ep[0];
	return (0);

 fail:
	serr = errno;
	if (op[0] != -1) {
		close(op[0]);
		close(op[1]);
	}
	if (ep[0] != -1) {
		close(ep[0]);
		close(ep[1]);
	}
	errno = serr;
	return (-1);
}

int
chk_proc_watch(struct chk_proc *pr, chk_proc_cb *cb, void *arg)
{
	pr->cb = cb;
	pr->arg = arg;
	pr->watch_err = 0;
	if ((pr->pidfd = chk_pidfd_open(pr->pid)) != -1) {
		pr->io = chk_api->io_new(chk_host, pr->pidfd, chk_proc_io_cb,
		    pr);
		if (pr->io != NULL)
			return (0);
		/* Polling still works; waitid then goes by the pidfd. */
		if (!(chk_flags & CHK_PROC_POLL_ANY))
			return (-1);
	} else if (!(chk_flags & CHK_PROC_POLL_ANY) && errno != ENOSYS &&
	    errno != EPERM) {
		pr->watch_err = errno;
		return (-1);
	} else if (!chk_nopidfd++)
		chk_api->log(chk_host, FIPD_LOG_NOTICE, "pidfd_open: %s: "
		    "polling for %s exits every %d ms", strerror(errno),
		    chk_noun, CHK_PROC_POLL_US / 1000);
	if ((pr->t_poll = chk_api->timer_new(chk_host, chk_proc_poll_cb,
	    pr)) == NULL)
		return (-1);
	chk_api->timer_arm(pr->t_poll, CHK_PROC_POLL_US);
	return (0);
}

static void
chk_proc_io_cb(int fd, void *arg)
{
	struct chk_proc	*pr = arg;

	(void)fd;
	(void)pr->cb(pr->arg);
}

static void
chk_proc_poll_cb(void *arg)
{
	struct chk_proc	*pr = arg;

	/* pr is gone when cb reaped the child. */
	if (!pr->cb(pr->arg))
		chk_api->timer_arm(pr->t_poll, CHK_PROC_POLL_US);
}

int
chk_proc_wait(struct chk_proc *pr, struct chk_exit *ex)
{
	struct chk_execerr ee;
	siginfo_t	 si;
	idtype_t	 idtype = P_PID;
	id_t		 id = (id_t)pr->pid;
	int		 rc;

	if (pr->pidfd != -1) {
		idtype = P_PIDFD;
		id = (id_t)pr->pidfd;
	}
	memset(&si, 0, sizeof(si));
	rc = waitid(idtype, id, &si, WEXITED | WNOHANG | WNOWAIT);
	if (rc == -1 && errno == EINVAL && idtype == P_PIDFD) {
		/* Linux 5.3 has pidfd_open but not P_PIDFD: by pid then. */
		idtype = P_PID;
		id = (id_t)pr->pid;
		memset(&si, 0, sizeof(si));
		rc = waitid(idtype, id, &si, WEXITED | WNOHANG | WNOWAIT);
	}
	memset(ex, 0, sizeof(*ex));
	if (rc == -1) {
		if (errno == EINTR)
			return (0);
		ex->how = CHK_EXIT_LOST;
		ex->code = errno;
		return (1);
	}
	if (si.si_pid == 0)
		return (0);
	/* A zombie now: its group id cannot have been reused. */
	(void)kill(-pr->pid, SIGKILL);
	memset(&si, 0, sizeof(si));
	(void)waitid(idtype, id, &si, WEXITED | WNOHANG);
	if (si.si_code == CLD_EXITED && si.si_status == 127 &&
	    read(pr->errfd, &ee, sizeof(ee)) == (ssize_t)sizeof(ee)) {
		ex->how = CHK_EXIT_NORUN;
		ex->stage = ee.stage;
		ex->code = ee.err;
	} else if (si.si_code == CLD_EXITED) {
		ex->how = CHK_EXIT_CODE;
		ex->code = si.si_status;
	} else {
		ex->how = CHK_EXIT_SIGNAL;
		ex->code = si.si_status;
	}
	return (1);
}

void
chk_proc_signal(const struct chk_proc *pr, int sig)
{
	(void)kill(-pr->pid, sig);
	(void)kill(pr->pid, sig);
}

void
chk_proc_close(struct chk_proc *pr)
{
	if (pr->io != NULL) {
		chk_api->io_free(pr->io);
		pr->io = NULL;
	}
	if (pr->t_poll != NULL) {
		chk_api->timer_free(pr->t_poll);
		pr->t_poll = NULL;
	}
	if (pr->pidfd != -1) {
		close(pr->pidfd);
		pr->pidfd = -1;
	}
	if (pr->outfd != -1) {
		close(pr->outfd);
		pr->outfd = -1;
	}
	if (pr->errfd != -1) {
		close(pr->errfd);
		pr->errfd = -1;
	}
}

char *
chk_exit_str(const struct chk_exit *ex, char *buf, size_t len)
{
	switch (ex->how) {
	case CHK_EXIT_CODE:
		snprintf(buf, len, "exit %d", ex->code);
		break;
	case CHK_EXIT_SIGNAL:
		snprintf(buf, len, "killed by signal %d", ex->code);
		break;
	case CHK_EXIT_NORUN:
		snprintf(buf, len, "cannot run: %s: %s",
		    chk_stage_str(ex->stage), strerror(ex->code));
		break;
	default:
		snprintf(buf, len, "waitid: %s", strerror(ex->code));
		break;
	}
	return (buf);
}

static const char *
chk_stage_str(int stage)
{
	switch (stage) {
	case CHK_ST_SIGNALS:
		return ("signals");
	case CHK_ST_SETSID:
		return ("setsid");
	case CHK_ST_FDS:
		return ("descriptors");
	case CHK_ST_DEVNULL:
		return ("/dev/null");
	case CHK_ST_CHDIR:
		return ("chdir /");
	case CHK_ST_SETGROUPS:
		return ("setgroups");
	case CHK_ST_SETGID:
		return ("setgid");
	case CHK_ST_SETUID:
		return ("setuid");
	case CHK_ST_EXEC:
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
chk_child_fail(int efd, int stage, int err)
{
	struct chk_execerr ee;

	ee.stage = stage;
	ee.err = err;
	if (write(efd, &ee, sizeof(ee)) == -1) {
		/* Nothing more to do: the exit status says 127. */
	}
	_exit(127);
}

/*
 * glibc refuses to touch the signals it reserves for itself (32, 33),
 * yet an ignored one stays ignored across execve.  An all-zero kernel
 * sigaction is SIG_DFL, no flags, empty mask, whatever the layout.
 */
static void
chk_sig_default(int sig)
{
#ifdef SYS_rt_sigaction
	unsigned long	 ksa[8];

	memset(ksa, 0, sizeof(ksa));
	(void)syscall(SYS_rt_sigaction, sig, ksa, NULL, CHK_KSIGSET_SIZE);
#else
	(void)sig;
#endif
}

/* Mark every descriptor from lowfd up close-on-exec (or close it). */
static void
chk_closefrom(int lowfd)
{
	long	 max, fd;
	int	 fl;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0U,
	    CLOSE_RANGE_CLOEXEC) == 0)
		return;
#endif
	if ((max = sysconf(_SC_OPEN_MAX)) == -1 || max > CHK_FD_LOOP_MAX)
		max = CHK_FD_LOOP_MAX;
	for (fd = lowfd; fd < max; fd++)
		if ((fl = fcntl((int)fd, F_GETFD)) != -1)
			(void)fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
}

/* outfd is -1 without CHK_PROC_OUTPUT: stdout and stderr /dev/null. */
static void
chk_child_exec(char *const *argv, char *const *envp, int outfd, int efd,
    const struct chk_proc_user *u)
{
	sigset_t	 none;
	int		 sig, fd;

	/* Every signal is blocked (see chk_proc_spawn) while this runs. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    signal(sig, SIG_DFL) == SIG_ERR)
			chk_sig_default(sig);
	if (chk_flags & CHK_PROC_SETSID) {
		if (setsid() == -1)
			chk_child_fail(efd, CHK_ST_SETSID, errno);
	} else
		(void)setpgid(0, 0);
	/* Keep the pipes clear of 0-2. */
	if (efd <= STDERR_FILENO &&
	    (efd = fcntl(efd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) == -1)
		_exit(127);
	if (outfd != -1 && outfd <= STDERR_FILENO &&
	    (outfd = fcntl(outfd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) == -1)
		chk_child_fail(efd, CHK_ST_FDS, errno);
	/* Not close-on-exec: dup2 onto itself would leave the flag set. */
	if ((fd = open("/dev/null", outfd != -1 ? O_RDONLY : O_RDWR)) == -1)
		chk_child_fail(efd, CHK_ST_DEVNULL, errno);
	if (outfd == -1)
		outfd = fd;
	if (dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(outfd, STDOUT_FILENO) == -1 ||
	    dup2(outfd, STDERR_FILENO) == -1)
		chk_child_fail(efd, CHK_ST_FDS, errno);
	if (fd > STDERR_FILENO)
		(void)close(fd);
	if (chdir("/") == -1)
		chk_child_fail(efd, CHK_ST_CHDIR, errno);
	if (chk_flags & CHK_PROC_UMASK)
		(void)umask(022);
	if (u->setuser) {
		if (setgroups(0, NULL) == -1)
			chk_child_fail(efd, CHK_ST_SETGROUPS, errno);
		if (setgid(u->gid) == -1)
			chk_child_fail(efd, CHK_ST_SETGID, errno);
		if (setuid(u->uid) == -1)
			chk_child_fail(efd, CHK_ST_SETUID, errno);
		/* A uid change must have dropped root for good. */
		if (u->uid != 0 && (getuid() != u->uid ||
		    geteuid() != u->uid || setuid(0) == 0))
			chk_child_fail(efd, CHK_ST_SETUID, EPERM);
	}
	/* Netlink, raw, control and pidfds of the daemon must not leak. */
	chk_closefrom(STDERR_FILENO + 1);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		chk_child_fail(efd, CHK_ST_SIGNALS, errno);
	execve(argv[0], argv, envp);
	chk_child_fail(efd, CHK_ST_EXEC, errno);
}
