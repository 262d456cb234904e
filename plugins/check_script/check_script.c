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
 * Starting, watching and reaping the child is plugins/common/chk_spawn.c,
 * shared with action_notify: children are reaped without SIGCHLD
 * (pidfd, or polling where pidfd_open is missing), and when a child
 * exits its process group is killed (anything it left running), while
 * the child is still an unreaped zombie, so that the group id cannot
 * have been reused.  cancel() kills the group and leaves the child on
 * the list of children to reap; fini() waits (boundedly) for any that
 * remain.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
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
#include "../common/chk_spawn.h"

#define SC_DEFAULT_USER		"nobody"
#define SC_FINI_WAIT_MS		1000

struct sc_child;

struct sc_conf {
	struct fipd_host	*h;
	char			*command;	/* as configured, for logs */
	char			**argv;
	char			*user;		/* script_user, for logs */
	struct chk_proc_user	 u;		/* whom the command runs as */
	struct fipd_probe	*p;
	struct sc_child		*probe;		/* in flight, or NULL */
};

struct sc_child {
	LIST_ENTRY(sc_child)	 entry;
	struct sc_conf		*conf;		/* NULL: cancelled, reap only */
	struct chk_proc		 proc;
};

static int	 sc_init(struct fipd_host *, const struct fipd_host_api *);
static void	 sc_fini(void);
static int	 sc_parse(void *, const struct fipd_conf_key *, const char *,
		    char *, size_t);
static int	 sc_conf_check(struct fipd_host *, void *, char *, size_t);
static void	 sc_conf_free(void *);
static int	 sc_start(struct fipd_host *, void *, struct fipd_probe *,
		    void **);
static void	 sc_cancel(void *);

static int	 sc_may_exec(const struct sc_conf *, const char *,
		    const struct stat *);
static int	 sc_check_path(const struct sc_conf *, char *, size_t);
static void	 sc_kill(struct sc_child *);
static void	 sc_child_free(struct sc_child *);
static int	 sc_reap(void *);

static struct fipd_host			*sc_host;
static const struct fipd_host_api	*sc_api;
static LIST_HEAD(, sc_child)		 sc_children =
    LIST_HEAD_INITIALIZER(sc_children);

/* The command's whole environment. */
static char	 sc_env_path[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
static char	*sc_envp[] = { sc_env_path, NULL };

#define SC_LOG(lvl, ...)	sc_api->log(sc_host, (lvl), __VA_ARGS__)

static const struct fipd_conf_key sc_keys[] = {
	FIPD_KEY_PARSE("command", FIPD_KF_REQUIRED, sc_parse,
	    "an absolute path and its arguments"),
};

static const struct fipd_conf_schema sc_schema = {
	.size = sizeof(struct sc_conf),
	.keys = sc_keys,
	.n_keys = sizeof(sc_keys) / sizeof(sc_keys[0]),
};

static const struct fipd_check_ops sc_ops = {
	.conf = &sc_schema,
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
	/* Output to /dev/null, a process group but the session kept. */
	chk_proc_init(h, api, "child", 0);
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
		    "unreaped", (long)ch->proc.pid);
		sc_child_free(ch);
	}
}

static int
sc_parse(void *conf, const struct fipd_conf_key *k, const char *value,
    char *err, size_t errlen)
{
	struct sc_conf	*c = conf;
	char		 e[128];

	(void)k;
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
	if (!c->u.setuser)
		return (access(path, X_OK) == 0);
	if (c->u.uid == 0)
		return (S_ISDIR(st->st_mode) ||
		    (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0);
	if (st->st_uid == c->u.uid)
		return ((st->st_mode & S_IXUSR) != 0);
	if (st->st_gid == c->u.gid)
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
		    0 || (below != 0 && below != c->u.uid))) {
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
		c->u.setuser = 1;
		c->u.uid = pw->pw_uid;
		c->u.gid = pw->pw_gid;
	} else {
		/* Unprivileged (tests): the command runs as ourselves. */
		c->u.setuser = 0;
		c->u.uid = geteuid();
		c->u.gid = getegid();
		if (pw->pw_uid != c->u.uid)
			SC_LOG(FIPD_LOG_WARNING, "not running as root: "
			    "%s runs as uid %u, not as %s", c->argv[0],
			    (unsigned int)c->u.uid, user);
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
}

static int
sc_start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	struct sc_conf	*c = conf;
	struct sc_child	*ch;
	const char	*what;

	(void)h;
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
	if (chk_proc_spawn(&ch->proc, c->argv, sc_envp, &c->u, &what) ==
	    -1) {
		SC_LOG(FIPD_LOG_ERR, "%s: %s: %s", c->argv[0], what,
		    strerror(errno));
		free(ch);
		return (-1);
	}
	LIST_INSERT_HEAD(&sc_children, ch, entry);
	if (chk_proc_watch(&ch->proc, sc_reap, ch) == -1) {
		if (ch->proc.watch_err != 0)
			SC_LOG(FIPD_LOG_ERR, "%s: pidfd_open: %s", c->argv[0],
			    strerror(ch->proc.watch_err));
		/* The child is not reaped yet: its pid is still ours. */
		sc_kill(ch);
		(void)waitpid(ch->proc.pid, NULL, 0);
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
	chk_proc_signal(&ch->proc, SIGKILL);
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
	chk_proc_close(&ch->proc);
	free(ch);
}

/*
 * Reap the child if it exited (chk_proc_wait() kills what it left in its
 * group first); report its result unless it was cancelled.
 * Returns: 1 when the child was reaped and freed, else 0.
 */
static int
sc_reap(void *arg)
{
	struct sc_child	*ch = arg;
	struct sc_conf	*c;
	struct chk_exit	 ex;
	char		 why[128];

	if (!chk_proc_wait(&ch->proc, &ex))
		return (0);
	if (ex.how == CHK_EXIT_LOST)
		SC_LOG(FIPD_LOG_ERR, "waitid %ld: %s", (long)ch->proc.pid,
		    strerror(ex.code));
	chk_exit_str(&ex, why, sizeof(why));
	c = ch->conf;
	sc_child_free(ch);
	if (c != NULL) {
		c->probe = NULL;
		sc_api->check_done(c->p, ex.how == CHK_EXIT_CODE &&
		    ex.code == 0 ? FIPD_CHECK_UP : FIPD_CHECK_DOWN, why);
	}
	return (1);
}
