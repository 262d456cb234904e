/*
 * Running a script from a plugin: child hygiene, exec errors, reaping
 * without SIGCHLD, killing what the script left behind.  Shared by
 * check_script and action_notify; like the rest of plugins/common/ the
 * source is compiled into each plugin that uses it, so the state kept
 * here (the host table, the flags, the "polling" notice) is per plugin.
 *
 * The child: every signal blocked across fork (a signal landing before
 * the dispositions are reset would run the daemon's handlers), default
 * dispositions (glibc's reserved real-time signals too), a process group
 * of its own (pid = group id; with CHK_PROC_SETSID a new session), stdin
 * /dev/null, stdout and stderr /dev/null or a pipe to the plugin
 * (CHK_PROC_OUTPUT), "/" as working directory, umask 022 with
 * CHK_PROC_UMASK, then when switching users: supplementary groups
 * dropped, gid, uid, and a check that root cannot be regained; every
 * descriptor above 2 closed at exec, an empty signal mask, execve.  A
 * failure before execve is written to a close-on-exec pipe with the step
 * that failed, and the child exits 127.
 *
 * Reaping: pidfd_open(2) gives a descriptor that becomes readable when
 * the child exits, watched through the host's io API; then waitid
 * (P_PIDFD, or P_PID on Linux 5.3, which has pidfd_open but not P_PIDFD).
 * Without pidfd_open (Linux < 5.3, valgrind) a host timer polls
 * waitid(WNOHANG) every CHK_PROC_POLL_US.  Between the exit and the reap
 * the child is a zombie, so its pid, hence its process group id, cannot
 * have been reused: that is when whatever it left in its group is
 * killed.
 */
#ifndef FIPD_CHK_SPAWN_H
#define FIPD_CHK_SPAWN_H

#include <sys/types.h>

#include "fipd/plugin.h"

#define CHK_PROC_POLL_US	20000	/* waitid polling without pidfd */

/* Per-plugin behaviour, given once to chk_proc_init(). */
#define CHK_PROC_OUTPUT		0x01	/* stdout+stderr to a pipe (outfd) */
#define CHK_PROC_SETSID		0x02	/* a new session, not only a group */
#define CHK_PROC_UMASK		0x04	/* umask 022 in the child */
#define CHK_PROC_POLL_ANY	0x08	/* poll whatever pidfd_open's error;
					   else only on ENOSYS and EPERM */

/*
 * Called when the watched child may have exited (pidfd readable, or the
 * poll timer).
 * Returns: 1 when the child was reaped and its chk_proc freed, 0 when it
 * still runs (the poll timer is then armed again).
 */
typedef int chk_proc_cb(void *arg);

/* One child.  Embedded in the plugin's own record of it. */
struct chk_proc {
	pid_t			 pid;		/* also its process group */
	int			 pidfd;		/* -1: polled with t_poll */
	int			 outfd;		/* -1 without CHK_PROC_OUTPUT */
	int			 errfd;		/* pre-exec failure report */
	int			 watch_err;	/* pidfd_open's errno when
						   chk_proc_watch() refused */
	struct fipd_io		*io;
	struct fipd_timer	*t_poll;
	chk_proc_cb		*cb;
	void			*arg;
};

/* Who the child runs as. */
struct chk_proc_user {
	int			 setuser;	/* switch to uid/gid */
	uid_t			 uid;
	gid_t			 gid;
};

/* How a reaped child ended. */
enum chk_exit_how {
	CHK_EXIT_CODE = 1,	/* exited; code is the status */
	CHK_EXIT_SIGNAL,	/* killed; code is the signal */
	CHK_EXIT_NORUN,		/* did not reach execve; stage and code */
	CHK_EXIT_LOST,		/* waitid failed; code is the errno */
};

struct chk_exit {
	enum chk_exit_how	 how;
	int			 code;
	int			 stage;		/* CHK_EXIT_NORUN */
};

/*
 * Remember the host table for the helpers below.
 *   h, api: from the plugin's init()
 *   noun: what the children are, for the one polling notice ("child")
 *   flags: CHK_PROC_*
 */
void	chk_proc_init(struct fipd_host *h, const struct fipd_host_api *api,
	    const char *noun, int flags);

/*
 * Fork and exec a child.
 *   pr: filled (pid, errfd, outfd; pidfd -1, no watch yet)
 *   argv, envp: for execve; argv[0] an absolute path
 *   u: the user to run as
 *   what: on failure the step that failed ("pipe", "fork")
 * Returns: 0, or -1 with errno set and nothing left open.
 */
int	chk_proc_spawn(struct chk_proc *pr, char *const *argv,
	    char *const *envp, const struct chk_proc_user *u,
	    const char **what);

/*
 * Watch a spawned child for its exit: cb(arg) runs from the loop when
 * it may have exited.  Logs once per plugin when falling back to polling.
 * Returns: 0, or -1 when it cannot be watched (pr->watch_err is the
 * error of pidfd_open when that was the cause, else 0); the child then
 * still runs and is the caller's to kill and reap.
 */
int	chk_proc_watch(struct chk_proc *pr, chk_proc_cb *cb, void *arg);

/*
 * Reap the child if it exited, after killing whatever is left in its
 * process group.
 *   ex: filled when 1 is returned
 * Returns: 1 reaped (or lost: CHK_EXIT_LOST), 0 still running.
 */
int	chk_proc_wait(struct chk_proc *pr, struct chk_exit *ex);

/*
 * Signal the child's process group, and the child itself in case it has
 * not left our group yet.  Safe until the child is reaped.
 */
void	chk_proc_signal(const struct chk_proc *pr, int sig);

/* Drop the watch and close the descriptors (the pid is not waited for). */
void	chk_proc_close(struct chk_proc *pr);

/*
 * Describe an ending: "exit 3", "killed by signal 9", "cannot run:
 * setuid: Operation not permitted", "waitid: ...".
 * Returns: buf.
 */
char	*chk_exit_str(const struct chk_exit *ex, char *buf, size_t len);

#endif /* FIPD_CHK_SPAWN_H */
