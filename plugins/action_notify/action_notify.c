/*
 * action_notify: run notify scripts on state transitions (DESIGN.md 6),
 * one at a time per instance, in transition order, each with a timeout.
 *
 * Keys of an [instance] section (all optional; order 30, so scripts run
 * after action_netlink has moved the VIPs and action_arping announced
 * them):
 *
 *   notify = CMD			every transition
 *   notify_master = CMD		transition to MASTER
 *   notify_backup = CMD		... to BACKUP
 *   notify_fault = CMD			... to FAULT
 *   notify_stop = CMD			... to STOP (the instance stops)
 *   notify_master_rx_lower_pri = CMD	RFC 9568 6.4.3: the MASTER heard a
 *					lower priority (keepalived's name)
 *   notify_timeout = SECONDS		per script run, default 5, 0.1-3600
 *
 * CMD is an absolute path, optionally followed by arguments split like a
 * shell would ('...', "...", \x) with no expansion and no shell.
 *
 * Calling convention (keepalived's, vrrp_notify.c): `notify` gets CMD's
 * words, then INSTANCE NAME STATE PRIORITY, e.g. `/etc/fipd/notify.sh
 * INSTANCE VI_1 MASTER 100`; every other key (notify_master,
 * notify_backup, notify_fault, notify_stop, notify_master_rx_lower_pri)
 * gets CMD's words alone, so a script written for keepalived sees the
 * arguments it was written for.  The environment holds only PATH (a
 * fixed, minimal one) and FIPD_INSTANCE, FIPD_STATE, FIPD_PREV_STATE,
 * FIPD_VRID, FIPD_INTERFACE, FIPD_VIPS (addresses separated by spaces,
 * no prefix length), FIPD_SEQ (the transition's sequence number,
 * monotonic per daemon), FIPD_PRIORITY, FIPD_REASON and FIPD_EVENT
 * (TRANSITION, or MASTER_RX_LOWER_PRI for the hook).  The hook's
 * FIPD_STATE is MASTER, so that a script that re-asserts on MASTER just
 * works; its FIPD_PREV_STATE is MASTER too and FIPD_SEQ is the seq of
 * the transition into MASTER.
 *
 * Order.  Each transition gives one item of up to two runs: the
 * state-specific script first, then the generic `notify` (keepalived's
 * order).  Per instance one run at a time, items in transition order.
 * Items of an instance survive the instance: on reload a changed
 * instance's STOP scripts finish before the restarted instance's first
 * script starts (the queue is found again by instance name).
 *
 * Collapse (ntf_queue_push in ntf_util.c): when a transition arrives and
 * NTF_QUEUE_MAX (4) transitions are already pending, the pending ones are
 * dropped and logged; the running script is never interrupted and the
 * newest transition is never dropped.  A pending hook item is dropped by
 * any later transition, and a second hook item is not queued while one is
 * pending.  When an instance stops (detach), only its newest pending item
 * (the STOP) is kept.
 *
 * Timeout.  At notify_timeout the script's process group gets SIGTERM,
 * one second later SIGKILL; one more second later fipd stops waiting for
 * a process that will not die (a D state) and goes on with the queue, the
 * process being reaped whenever it exits.  When a script exits, whatever
 * it left running in its process group is killed: a script that must
 * leave a process behind has to put it in its own session (setsid).
 *
 * Hygiene, in the child: every signal blocked across fork (a signal
 * landing before the dispositions are reset would run the daemon's
 * handlers), then default dispositions (glibc's reserved real-time
 * signals too), a new session (process group =
 * pid), stdin /dev/null, stdout and stderr a pipe to fipd, "/" as
 * working directory, umask 022, supplementary groups dropped, gid and uid
 * of [global] script_user (default nobody; root only when configured
 * so; looked up when the transition is queued), every descriptor above 2 closed at exec (close_range), an empty
 * signal mask, then execve.  A failure before execve is reported through
 * a close-on-exec pipe with the step that failed.
 *
 * Output: stdout and stderr are logged line by line at INFO as
 * "NAME: KEY[PID]: line", control characters as '?', at most
 * NTF_LINE_MAX bytes a line and NTF_OUT_MAX bytes a run; the rest is
 * read and counted.  Exit status, timeouts and spawn failures are logged
 * with the script path and the transition's seq, and counted
 * (notify_run, notify_failed, notify_timeout, notify_dropped).
 *
 * Reaping without SIGCHLD: pidfd_open(2) gives a descriptor that becomes
 * readable when the child exits, watched on the loop; then
 * waitid(P_PIDFD).  Where pidfd_open is missing (Linux < 5.3, some
 * valgrind versions) a timer polls waitid(P_PID, WNOHANG) every 20 ms.
 * The child's set-up and the reaping are plugins/common/chk_spawn.c,
 * shared with check_script; the queue, the timeouts and the output are
 * this file's.
 *
 * The hook (notify_master_rx_lower_pri) runs at the first lower-priority
 * advertisement heard as MASTER, and once more when a window of
 * notify_timeout + 1 s + one advertisement interval has passed (the other
 * router's notify_master may have still been running when ours
 * re-asserted, and last writer wins in cloud APIs); events inside the
 * window are absorbed.  It never runs outside MASTER.
 *
 * Stop.  On SIGTERM the core takes every instance to STOP and detaches
 * the plugins, then leaves its loop and unloads them.  fini() therefore
 * runs what is left synchronously (poll(2) on the pidfds and pipes): the
 * running scripts and the STOP items, with their timeouts, and at most
 * AN_EXIT_MAX_MS (10 s) in all, after which the remaining process groups
 * are killed (the systemd unit's TimeoutStopSec leaves room for that).  So notify_stop runs, and fipd waits for it, boundedly, before
 * it exits.
 *
 * Configuration test (conf_key, so that `fipd -t` names the key's line):
 * the script must be an absolute path to a regular file, executable by
 * script_user, owned by root or script_user (or by fipd's own user when
 * it is not root), writable by neither group nor others; every directory
 * above it, on the configured path and on the resolved one, likewise
 * (sticky directories such as /tmp may be world-writable).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fipd/plugin.h"
#include "ntf.h"
#include "../common/chk_spawn.h"

#define AN_DEFAULT_USER	"nobody"
#define AN_READ_CHUNK	4096
#define AN_READS_MAX	16		/* reads per wake-up */
#define AN_EXIT_MAX_MS	10000		/* fini() waits at most this */
#define AN_KICK_MAX	64		/* spawn attempts per kick */
#define AN_CS_US	10000

struct an_conf {
	char		*cmd[NTF_K_MAX];	/* as configured, for logs */
	char		**words[NTF_K_MAX];
	unsigned int	 timeout_ms;
	int		 any;			/* a script is configured */
};

struct an_inst;

/* One running (or abandoned) script process. */
struct an_child {
	LIST_ENTRY(an_child) entry;
	struct an_inst	*in;		/* NULL: abandoned, reap only */
	struct chk_proc	 proc;		/* pid = its session and group;
					   outfd -1 after EOF */
	struct fipd_io	*io_out;
	struct ntf_clock clk;
	uint64_t	 start_us;
	unsigned int	 timeout_ms;
	enum ntf_key	 key;
	uint64_t	 seq;
	const char	*state;		/* static string */
	char		*path;		/* argv[0], for logs */
	char		*iname;		/* instance, for logs */
	struct ntf_out	 out;
	int		 timed_out;
};

struct an_ctx;

/* An instance's queue; outlives the instance until it is empty. */
struct an_inst {
	LIST_ENTRY(an_inst) entry;
	char		*name;
	struct an_ctx	*ctx;		/* NULL once detached */
	struct ntf_queue q;
	struct an_child	*child;		/* the running run, or NULL */
	struct fipd_timer *t_clock;	/* the running run's deadline */
};

/* One attached instance. */
struct an_ctx {
	struct an_inst	*in;
	const struct fipd_instance *vi;	/* valid until detach */
	char		**words[NTF_K_MAX];
	unsigned int	 timeout_ms;
	enum fipd_state	 state;
	enum fipd_state	 prev;
	uint64_t	 seq;
	int		 priority;
	struct fipd_timer *t_rxlp;	/* the hook's confirmation run */
	uint64_t	 rxlp_until;	/* end of the hook's window */
};

static int	 an_init(struct fipd_host *, const struct fipd_host_api *);
static void	 an_fini(void);
static void	 an_conf_defaults(void *);
static int	 an_parse(void *, const struct fipd_conf_key *, const char *,
		    char *, size_t);
static int	 an_reconfigure(void **, const struct fipd_instance *,
		    const struct fipd_reconf *);
static void	 an_conf_free(void *);
static int	 an_attach(struct fipd_host *, const struct fipd_instance *,
		    void *, void **);
static void	 an_detach(void *);
static void	 an_transition(void *, const struct fipd_transition *);
static void	 an_event(void *, enum fipd_event);

static int	 an_who(struct ntf_who *, char *, size_t);
static int	 an_check_dirs(const char *, const char *,
		    const struct ntf_who *, char *, size_t);
static int	 an_check_script(const char *, char *, size_t);
static char	**an_strv_dup(char **);
static struct an_inst *an_inst_get(const char *);
static int	 an_inst_gc(struct an_inst *);
static struct ntf_item *an_item_new(struct an_ctx *, enum ntf_kind,
		    const struct ntf_info *);
static void	 an_enqueue(struct an_ctx *, struct ntf_item *);
static void	 an_count(struct an_inst *, const char *);
static void	 an_log_dropped(struct an_inst *, const char *,
		    struct ntf_itemq *);
static int	 an_kick(struct an_inst *);
static int	 an_spawn(struct an_inst *, struct ntf_item *);
static int	 an_user(uid_t *, gid_t *, int *);
static void	 an_child_free(struct an_child *);
static void	 an_signal(struct an_child *, int);
static int	 an_reap(void *);
static void	 an_read_out(struct an_child *, int);
static void	 an_out_line(void *, const char *);
static void	 an_tick(struct an_child *, uint64_t);
static void	 an_out_cb(int, void *);
static void	 an_clock_cb(void *);
static void	 an_rxlp_cb(void *);
static void	 an_rxlp_run(struct an_ctx *);
static uint64_t	 an_now(void);
static int64_t	 an_mono_ms(void);

static struct fipd_host			*an_host;
static const struct fipd_host_api	*an_api;
static LIST_HEAD(, an_inst)		 an_insts =
    LIST_HEAD_INITIALIZER(an_insts);
static LIST_HEAD(, an_child)		 an_children =
    LIST_HEAD_INITIALIZER(an_children);
static int				 an_notroot;	/* logged once */

/* Cache of the script user, looked up again only when its name changes. */
static struct {
	char		 name[64];
	uid_t		 uid;
	gid_t		 gid;
	int		 valid;
} an_usr;

#define AN_LOG(lvl, ...)	an_api->log(an_host, (lvl), __VA_ARGS__)

#define AN_SCRIPT_DOC	"an absolute path and its arguments"
static const struct fipd_conf_key an_keys[] = {
	FIPD_KEY_PARSE("notify", 0, an_parse, AN_SCRIPT_DOC),
	FIPD_KEY_PARSE("notify_master", 0, an_parse, AN_SCRIPT_DOC),
	FIPD_KEY_PARSE("notify_backup", 0, an_parse, AN_SCRIPT_DOC),
	FIPD_KEY_PARSE("notify_fault", 0, an_parse, AN_SCRIPT_DOC),
	FIPD_KEY_PARSE("notify_stop", 0, an_parse, AN_SCRIPT_DOC),
	FIPD_KEY_PARSE("notify_master_rx_lower_pri", 0, an_parse,
	    AN_SCRIPT_DOC),
	FIPD_KEY_PARSE("notify_timeout", 0, an_parse, "seconds 0.1-3600"),
};

static const struct fipd_conf_schema an_schema = {
	.size = sizeof(struct an_conf),
	.defaults = an_conf_defaults,
	.keys = an_keys,
	.n_keys = sizeof(an_keys) / sizeof(an_keys[0]),
};

static const struct fipd_action_ops an_ops = {
	.conf = &an_schema,
	.conf_free = an_conf_free,
	.reconfigure = an_reconfigure,
	.attach = an_attach,
	.detach = an_detach,
	.transition = an_transition,
	.event = an_event,
};

FIPD_PLUGIN(
	.name = "action_notify",
	.kind = FIPD_PLUGIN_ACTION,
	.order = 30,
	.init = an_init,
	.fini = an_fini,
	.action = &an_ops,
);

static int
an_init(struct fipd_host *h, const struct fipd_host_api *api)
{
	if (api == NULL || api->abi_version != FIPD_PLUGIN_ABI_VERSION)
		return (-1);
	an_host = h;
	an_api = api;
	/* Output logged, a session of its own, umask 022, poll at worst. */
	chk_proc_init(h, api, "script", CHK_PROC_OUTPUT | CHK_PROC_SETSID |
	    CHK_PROC_UMASK | CHK_PROC_POLL_ANY);
	return (0);
}

/* ------------------------------------------------------ configuration */

/*
 * The last script that passed the test below, for one second: a
 * configuration with thousands of instances names the same script
 * thousands of times, and each test costs a getpwnam() and a stat() per
 * directory (4,000 instances: 0.25 s of a 0.33 s `fipd -t`).
 */
static char	*ok_path, *ok_user;
static uint64_t	 ok_us;

/* The script user as configured, for the configuration test. */
static int
an_who(struct ntf_who *who, char *err, size_t errlen)
{
	static char	 name[64];
	const char	*user = NULL;
	struct passwd	*pw;

	if (an_api->global != NULL)
		user = an_api->global(an_host, "script_user");
	if (user == NULL || *user == '\0')
		user = AN_DEFAULT_USER;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "script_user %s: %s", user, errno != 0 ?
		    strerror(errno) : "no such user");
		return (-1);
	}
	snprintf(name, sizeof(name), "%s", user);
	who->uid = pw->pw_uid;
	who->gid = pw->pw_gid;
	who->self = geteuid();
	who->name = name;
	return (0);
}

/*
 * Judge every directory of path, from its parent up to "/".  path is
 * absolute; shown is the configured path, for messages.
 */
static int
an_check_dirs(const char *path, const char *shown, const struct ntf_who *who,
    char *err, size_t errlen)
{
	char		 dir[PATH_MAX], why[160], *slash;
	struct stat	 st;
	int		 depth;

	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", shown);
		return (-1);
	}
	strcpy(dir, path);
	/* Bounded by the number of '/' in a PATH_MAX string. */
	for (depth = 0; depth < PATH_MAX; depth++) {
		if ((slash = strrchr(dir, '/')) == NULL)
			break;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(dir, &st) == -1) {
			snprintf(err, errlen, "%s: directory %s: %s", shown,
			    dir, strerror(errno));
			return (-1);
		}
		if (ntf_judge(&st, 1, who, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: directory %s is %s", shown,
			    dir, why);
			return (-1);
		}
		if (slash == dir)
			break;
	}
	return (0);
}

static int
an_check_script(const char *path, char *err, size_t errlen)
{
	struct ntf_who	 who;
	struct stat	 st;
	char		*real, why[160];
	const char	*user = NULL;
	uint64_t	 now = 0;
	int		 rc = -1;

	if (path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", path);
		return (-1);
	}
	if (an_api->global != NULL)
		user = an_api->global(an_host, "script_user");
	if (user == NULL)
		user = "";
	if (an_api->now_us != NULL)
		now = an_api->now_us(an_host);
	if (ok_path != NULL && now != 0 && now - ok_us < 1000000 &&
	    strcmp(ok_path, path) == 0 && strcmp(ok_user, user) == 0)
		return (0);
	if (an_who(&who, err, errlen) == -1)
		return (-1);
	/* The configured path: its directories hold the names we use. */
	if (an_check_dirs(path, path, &who, err, errlen) == -1)
		return (-1);
	if ((real = realpath(path, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (stat(real, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (ntf_judge(&st, 0, &who, why, sizeof(why)) == -1) {
		if (strcmp(real, path) != 0)
			snprintf(err, errlen, "%s (-> %s): %s", path, real,
			    why);
		else
			snprintf(err, errlen, "%s: %s", path, why);
		goto out;
	}
	/* The resolved path, when symbolic links were involved. */
	if (strcmp(real, path) != 0 &&
	    an_check_dirs(real, path, &who, err, errlen) == -1)
		goto out;
	rc = 0;
	free(ok_path);
	free(ok_user);
	ok_path = strdup(path);
	ok_user = strdup(user);
	if (ok_path == NULL || ok_user == NULL) {
		free(ok_path);
		free(ok_user);
		ok_path = ok_user = NULL;
	}
	ok_us = now;
 out:
	free(real);
	return (rc);
}

static void
an_conf_defaults(void *conf)
{
	struct an_conf	*c = conf;

	c->timeout_ms = NTF_TIMEOUT_DEF_MS;
}

static int
an_parse(void *conf, const struct fipd_conf_key *key, const char *value,
    char *err, size_t errlen)
{
	struct an_conf	*c = conf;
	char		**words;
	int		 k;

	if ((k = ntf_key_lookup(key->name)) < 0)	/* notify_timeout */
		return (ntf_parse_timeout(value, &c->timeout_ms, err,
		    errlen));
	if (ntf_split(value, &words, err, errlen) == -1)
		return (-1);
	if (an_check_script(words[0], err, errlen) == -1) {
		ntf_strv_free(words);
		return (-1);
	}
	if ((c->cmd[k] = strdup(value)) == NULL) {
		ntf_strv_free(words);
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	c->words[k] = words;
	c->any = 1;
	return (0);
}

static void
an_conf_free(void *conf)
{
	struct an_conf	*c = conf;
	int		 k;

	if (c == NULL)
		return;
	for (k = 0; k < NTF_K_MAX; k++) {
		free(c->cmd[k]);
		ntf_strv_free(c->words[k]);
	}
}

static char **
an_strv_dup(char **v)
{
	char	**d;
	size_t	 n, i;

	for (n = 0; v[n] != NULL; n++)
		;
	if ((d = calloc(n + 1, sizeof(*d))) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		if ((d[i] = strdup(v[i])) == NULL) {
			ntf_strv_free(d);
			return (NULL);
		}
	return (d);
}

/* ------------------------------------------------------ instances */

static struct an_inst *
an_inst_get(const char *name)
{
	struct an_inst	*in;

	LIST_FOREACH(in, &an_insts, entry)
		if (strcmp(in->name, name) == 0)
			return (in);
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return (NULL);
	if ((in->name = strdup(name)) == NULL ||
	    (in->t_clock = an_api->timer_new(an_host, an_clock_cb, in)) ==
	    NULL) {
		free(in->name);
		free(in);
		return (NULL);
	}
	ntf_queue_init(&in->q);
	LIST_INSERT_HEAD(&an_insts, in, entry);
	return (in);
}

/* Free a detached, idle instance queue.  Returns 1 when freed. */
static int
an_inst_gc(struct an_inst *in)
{
	if (in->ctx != NULL || in->child != NULL ||
	    !TAILQ_EMPTY(&in->q.items))
		return (0);
	LIST_REMOVE(in, entry);
	an_api->timer_free(in->t_clock);
	free(in->name);
	free(in);
	return (1);
}

static int
an_attach(struct fipd_host *h, const struct fipd_instance *vi, void *conf,
    void **ictx)
{
	struct an_conf	*c = conf;
	struct an_ctx	*ctx;
	struct an_inst	*in;
	int		 k;

	(void)h;
	*ictx = NULL;
	if (c == NULL || !c->any)
		return (0);	/* no script for this instance */
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		goto oom;
	for (k = 0; k < NTF_K_MAX; k++)
		if (c->words[k] != NULL &&
		    (ctx->words[k] = an_strv_dup(c->words[k])) == NULL)
			goto oom;
	if ((ctx->t_rxlp = an_api->timer_new(an_host, an_rxlp_cb, ctx)) ==
	    NULL)
		goto oom;
	if ((in = an_inst_get(vi->name)) == NULL)
		goto oom;
	if (in->ctx != NULL) {
		AN_LOG(FIPD_LOG_ERR, "%s: attached twice", vi->name);
		an_detach(ctx);
		return (-1);
	}
	in->ctx = ctx;
	ctx->in = in;
	ctx->vi = vi;
	ctx->timeout_ms = c->timeout_ms;
	ctx->state = ctx->prev = FIPD_STATE_INIT;
	ctx->priority = vi->priority;
	*ictx = ctx;
	return (0);
 oom:
	AN_LOG(FIPD_LOG_ERR, "%s: out of memory", vi->name);
	an_detach(ctx);
	return (-1);
}

static void
an_detach(void *ictx)
{
	struct an_ctx	*ctx = ictx;
	struct an_inst	*in;
	struct ntf_itemq dropped = TAILQ_HEAD_INITIALIZER(dropped);
	int		 k;

	if (ctx == NULL)
		return;
	if ((in = ctx->in) != NULL) {
		ntf_queue_trim(&in->q, &dropped);
		an_log_dropped(in, "stopping", &dropped);
		in->ctx = NULL;
		(void)an_inst_gc(in);
	}
	if (ctx->t_rxlp != NULL)
		an_api->timer_free(ctx->t_rxlp);
	for (k = 0; k < NTF_K_MAX; k++)
		ntf_strv_free(ctx->words[k]);
	free(ctx);
}

/*
 * A reload changed the instance in place: new scripts and timeout apply
 * to transitions from now on (queued ones keep the command they were
 * built with).  An instance that had no script gets its context now.
 */
static int
an_reconfigure(void **ictxp, const struct fipd_instance *vi,
    const struct fipd_reconf *rc)
{
	struct an_conf	*c = rc->conf;
	struct an_ctx	*ctx = *ictxp;
	char		**words[NTF_K_MAX];
	int		 k;

	if (rc->conf == rc->old_conf)
		return (0);
	if (ctx == NULL) {
		if (an_attach(an_host, vi, c, ictxp) == -1)
			return (-1);
		if ((ctx = *ictxp) != NULL) {
			ctx->state = ctx->prev = rc->state;
			ctx->priority = vi->priority;
		}
		return (0);
	}
	memset(words, 0, sizeof(words));
	for (k = 0; k < NTF_K_MAX; k++)
		if (c->words[k] != NULL &&
		    (words[k] = an_strv_dup(c->words[k])) == NULL) {
			while (k-- > 0)
				ntf_strv_free(words[k]);
			return (-1);
		}
	for (k = 0; k < NTF_K_MAX; k++) {
		ntf_strv_free(ctx->words[k]);
		ctx->words[k] = words[k];
	}
	ctx->timeout_ms = c->timeout_ms;
	AN_LOG(FIPD_LOG_INFO, "%s: notify keys updated by reload", vi->name);
	return (0);
}

/* ------------------------------------------------------ transitions */

static struct ntf_item *
an_item_new(struct an_ctx *ctx, enum ntf_kind kind,
    const struct ntf_info *info)
{
	struct ntf_item	*it;
	int		 keys[2], k, i;

	k = kind == NTF_RX_LOWER_PRI ? NTF_K_RXLP :
	    ntf_key_for_state(info->to);
	keys[0] = k >= 0 && ctx->words[k] != NULL ? k : -1;
	keys[1] = kind == NTF_TRANSITION && ctx->words[NTF_K_ANY] != NULL ?
	    NTF_K_ANY : -1;
	if (keys[0] == -1 && keys[1] == -1)
		return (NULL);
	if ((it = calloc(1, sizeof(*it))) == NULL)
		goto oom;
	it->kind = kind;
	it->seq = info->seq;
	it->to = info->to;
	it->timeout_ms = ctx->timeout_ms;
	/* Now, while the configuration the user comes from is alive. */
	if (an_user(&it->uid, &it->gid, &it->setuser) == -1) {
		AN_LOG(FIPD_LOG_ERR, "%s: seq %llu: no script user: scripts "
		    "not run", ctx->in->name, (unsigned long long)info->seq);
		an_count(ctx->in, "notify_failed");
		free(it);
		return (NULL);
	}
	if ((it->envp = ntf_env_build(info)) == NULL)
		goto oom;
	for (i = 0; i < 2; i++) {
		if (keys[i] == -1)
			continue;
		it->runs[it->nruns].key = (enum ntf_key)keys[i];
		if ((it->runs[it->nruns].argv = ntf_argv_build(
		    ctx->words[keys[i]], (enum ntf_key)keys[i], info)) == NULL)
			goto oom;
		it->nruns++;
	}
	return (it);
 oom:
	AN_LOG(FIPD_LOG_ERR, "%s: seq %llu: out of memory, scripts not run",
	    ctx->in->name, (unsigned long long)info->seq);
	ntf_item_free(it);
	return (NULL);
}

/*
 * Count against the instance while it is attached (the handle is valid
 * until detach); a queue that outlives its instance counts nothing.
 */
static void
an_count(struct an_inst *in, const char *counter)
{
	if (in != NULL && in->ctx != NULL)
		an_api->count(an_host, in->ctx->vi, counter);
}

static void
an_log_dropped(struct an_inst *an, const char *why, struct ntf_itemq *l)
{
	const char	*name = an->name;

	struct ntf_item	*it;
	char		 buf[256];
	size_t		 len = 0;
	int		 n = 0;

	buf[0] = '\0';
	TAILQ_FOREACH(it, l, entry) {
		n++;
		an_count(an, "notify_dropped");
		if (len < sizeof(buf))
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s%llu (%s%s)", n > 1 ? ", " : "",
			    (unsigned long long)it->seq,
			    ntf_state_str(it->to),
			    it->kind == NTF_RX_LOWER_PRI ? " rx_lower_pri" :
			    "");
	}
	if (n > 0)
		AN_LOG(FIPD_LOG_WARNING, "%s: %s: dropped %d pending "
		    "notification%s: seq %s", name, why, n, n > 1 ? "s" : "",
		    buf);
	ntf_itemq_free(l);
}

static void
an_enqueue(struct an_ctx *ctx, struct ntf_item *it)
{
	struct an_inst	*in = ctx->in;
	struct ntf_itemq dropped = TAILQ_HEAD_INITIALIZER(dropped);
	struct ntf_item	*d;
	char		 why[96];
	int		 trans = 0;

	if (it == NULL)
		ntf_queue_drop_hooks(&in->q, &dropped);
	else
		ntf_queue_push(&in->q, it, &dropped);
	TAILQ_FOREACH(d, &dropped, entry)
		if (d->kind == NTF_TRANSITION)
			trans = 1;
	if (it != NULL && TAILQ_FIRST(&dropped) == it)
		snprintf(why, sizeof(why), "lower-priority hook already "
		    "pending");
	else if (trans)
		snprintf(why, sizeof(why), "queue full (%d pending), newest "
		    "transition seq %llu kept", NTF_QUEUE_MAX,
		    (unsigned long long)ctx->seq);
	else
		snprintf(why, sizeof(why), "lower-priority hook superseded "
		    "by seq %llu", (unsigned long long)ctx->seq);
	an_log_dropped(in, why, &dropped);
	(void)an_kick(in);
}

static void
an_info(struct an_ctx *ctx, struct ntf_info *info, char **vips)
{
	const struct fipd_instance *vi = ctx->vi;

	memset(info, 0, sizeof(*info));
	info->instance = vi->name;
	info->ifname = vi->ifname;
	info->vrid = vi->vrid;
	info->priority = ctx->priority;
	info->seq = ctx->seq;
	*vips = ntf_vips_str(vi->vips, vi->n_vips);
	info->vips = *vips != NULL ? *vips : "";
}

static void
an_transition(void *ictx, const struct fipd_transition *t)
{
	struct an_ctx	*ctx = ictx;
	struct ntf_info	 info;
	char		*vips;

	if (ctx == NULL)
		return;
	ctx->prev = t->from;
	ctx->state = t->to;
	ctx->seq = t->seq;
	ctx->priority = t->priority;
	if (t->to != FIPD_STATE_MASTER) {
		an_api->timer_cancel(ctx->t_rxlp);
		ctx->rxlp_until = 0;
	}
	an_info(ctx, &info, &vips);
	info.kind = NTF_TRANSITION;
	info.from = t->from;
	info.to = t->to;
	info.reason = t->reason;
	an_enqueue(ctx, an_item_new(ctx, NTF_TRANSITION, &info));
	free(vips);
}

static void
an_rxlp_run(struct an_ctx *ctx)
{
	struct ntf_info	 info;
	struct ntf_item	*it;
	char		*vips;

	an_info(ctx, &info, &vips);
	info.kind = NTF_RX_LOWER_PRI;
	info.from = info.to = FIPD_STATE_MASTER;
	info.reason = "lower priority advertisement heard";
	if ((it = an_item_new(ctx, NTF_RX_LOWER_PRI, &info)) != NULL)
		an_enqueue(ctx, it);
	free(vips);
}

static void
an_event(void *ictx, enum fipd_event ev)
{
	struct an_ctx	*ctx = ictx;
	uint64_t	 now, w;

	if (ctx == NULL || ev != FIPD_EV_RX_LOWER_PRIO ||
	    ctx->state != FIPD_STATE_MASTER || ctx->words[NTF_K_RXLP] == NULL)
		return;
	now = an_api->now_us(an_host);
	if (now < ctx->rxlp_until)
		return;		/* absorbed by the running window */
	w = (uint64_t)ctx->timeout_ms * 1000 + NTF_GRACE_US +
	    (uint64_t)(ctx->vi->advert_int_cs > 0 ? ctx->vi->advert_int_cs :
	    100) * AN_CS_US;
	ctx->rxlp_until = now + w;
	an_api->timer_arm(ctx->t_rxlp, w);
	an_rxlp_run(ctx);
}

static void
an_rxlp_cb(void *arg)
{
	struct an_ctx	*ctx = arg;

	if (ctx->state == FIPD_STATE_MASTER)
		an_rxlp_run(ctx);
}

/* ------------------------------------------------------ running */

/*
 * Start the next run of an idle instance; runs that cannot start are
 * logged and skipped.  Returns 1 when the instance was freed.
 */
static int
an_kick(struct an_inst *in)
{
	struct ntf_item	*it;
	int		 n;

	for (n = 0; n < AN_KICK_MAX && in->child == NULL; n++) {
		if ((it = ntf_queue_start(&in->q)) == NULL)
			break;
		if (it->next < it->nruns && an_spawn(in, it) == 0)
			break;
		ntf_item_free(ntf_queue_done(&in->q));
	}
	return (an_inst_gc(in));
}

/*
 * The user scripts run as, resolved when a transition is queued (the
 * host's [global] values are not valid after the daemon stopped).  Not
 * root: we cannot switch (tests); say so once.  The name is looked up
 * again only when [global] script_user changed.
 */
static int
an_user(uid_t *uid, gid_t *gid, int *setuser)
{
	const char	*user = NULL;
	struct passwd	*pw;

	*setuser = 0;
	if (geteuid() != 0) {
		if (!an_notroot++)
			AN_LOG(FIPD_LOG_NOTICE, "not running as root: scripts "
			    "run as uid %u, not as script_user",
			    (unsigned int)geteuid());
		return (0);
	}
	if (an_api->global != NULL)
		user = an_api->global(an_host, "script_user");
	if (user == NULL || *user == '\0')
		user = AN_DEFAULT_USER;
	if (!an_usr.valid || strcmp(an_usr.name, user) != 0) {
		errno = 0;
		if ((pw = getpwnam(user)) == NULL) {
			AN_LOG(FIPD_LOG_ERR, "script_user %s: %s", user,
			    errno != 0 ? strerror(errno) : "no such user");
			return (-1);
		}
		snprintf(an_usr.name, sizeof(an_usr.name), "%s", user);
		an_usr.uid = pw->pw_uid;
		an_usr.gid = pw->pw_gid;
		an_usr.valid = 1;
	}
	*uid = an_usr.uid;
	*gid = an_usr.gid;
	*setuser = 1;
	return (0);
}

static int
an_spawn(struct an_inst *in, struct ntf_item *it)
{
	struct ntf_run	*run = &it->runs[it->next];
	struct an_child	*ch;
	struct chk_proc_user u;
	const char	*what;

	if ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    (ch->path = strdup(run->argv[0])) == NULL ||
	    (ch->iname = strdup(in->name)) == NULL) {
		what = "out of memory";
		errno = ENOMEM;
		goto fail;
	}
	u.setuser = it->setuser;
	u.uid = it->uid;
	u.gid = it->gid;
	if (chk_proc_spawn(&ch->proc, run->argv, it->envp, &u, &what) == -1)
		goto fail;
	ch->in = in;
	ch->key = run->key;
	ch->seq = it->seq;
	ch->state = ntf_state_str(it->to);
	ch->timeout_ms = it->timeout_ms;
	ch->start_us = an_now();
	ntf_clock_start(&ch->clk, ch->start_us, ch->timeout_ms);
	LIST_INSERT_HEAD(&an_children, ch, entry);

	if (chk_proc_watch(&ch->proc, an_reap, ch) == -1) {
		/* Cannot watch it: stop it now, while its pid is ours. */
		AN_LOG(FIPD_LOG_ERR, "%s: seq %llu: %s %s: cannot watch the "
		    "process; killed", in->name, (unsigned long long)it->seq,
		    ntf_key_name(run->key), run->argv[0]);
		an_signal(ch, SIGKILL);
		(void)waitpid(ch->proc.pid, NULL, 0);
		an_child_free(ch);
		an_count(in, "notify_failed");
		return (-1);
	}
	ch->io_out = an_api->io_new(an_host, ch->proc.outfd, an_out_cb, ch);
	in->child = ch;
	an_api->timer_arm(in->t_clock, (uint64_t)ch->timeout_ms * 1000);
	an_count(in, "notify_run");
	AN_LOG(FIPD_LOG_DEBUG, "%s: seq %llu %s: %s %s started (pid %ld)",
	    in->name, (unsigned long long)it->seq, ch->state,
	    ntf_key_name(run->key), run->argv[0], (long)ch->proc.pid);
	return (0);

 fail:
	AN_LOG(FIPD_LOG_ERR, "%s: seq %llu: %s %s: cannot start: %s: %s",
	    in->name, (unsigned long long)it->seq, ntf_key_name(run->key),
	    run->argv[0], what, strerror(errno));
	an_count(in, "notify_failed");
	if (ch != NULL) {
		free(ch->path);
		free(ch->iname);
		free(ch);
	}
	return (-1);
}

static void
an_child_free(struct an_child *ch)
{
	LIST_REMOVE(ch, entry);
	if (ch->io_out != NULL)
		an_api->io_free(ch->io_out);
	chk_proc_close(&ch->proc);
	free(ch->path);
	free(ch->iname);
	free(ch);
}

/*
 * Signal the script's process group, and the script itself in case it
 * has not reached setsid() yet.  Safe until it is reaped: its pid, hence
 * its group id, cannot have been reused.
 */
static void
an_signal(struct an_child *ch, int sig)
{
	chk_proc_signal(&ch->proc, sig);
}

static void
an_out_line(void *arg, const char *line)
{
	struct an_child	*ch = arg;

	AN_LOG(FIPD_LOG_INFO, "%s: %s[%ld]: %s", ch->iname,
	    ntf_key_name(ch->key), (long)ch->proc.pid, line);
}

/* Read what is available; at most `reads` reads.  EOF closes the pipe. */
static void
an_read_out(struct an_child *ch, int reads)
{
	char	 buf[AN_READ_CHUNK];
	ssize_t	 n;
	int	 i;

	for (i = 0; i < reads && ch->proc.outfd != -1; i++) {
		n = read(ch->proc.outfd, buf, sizeof(buf));
		if (n > 0) {
			ntf_out_feed(&ch->out, buf, (size_t)n, an_out_line,
			    ch);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		/* EOF or error: nothing more will come. */
		if (ch->io_out != NULL) {
			an_api->io_free(ch->io_out);
			ch->io_out = NULL;
		}
		close(ch->proc.outfd);
		ch->proc.outfd = -1;
	}
}

static void
an_out_cb(int fd, void *arg)
{
	(void)fd;
	an_read_out(arg, AN_READS_MAX);
}

/*
 * Reap the child if it exited (chk_proc_wait() kills what it left in its
 * group while it is an unreaped zombie), collect its output, log, go on
 * with the queue.
 * Returns: 1 when the child was reaped and freed, else 0.
 */
static int
an_reap(void *arg)
{
	struct an_child	*ch = arg;
	struct an_inst	*in = ch->in;
	struct chk_exit	 ex;
	uint64_t	 ms = (an_now() - ch->start_us) / 1000;
	char		 what[128];
	int		 level = FIPD_LOG_WARNING, failed = 1;

	if (!chk_proc_wait(&ch->proc, &ex))
		return (0);
	switch (ex.how) {
	case CHK_EXIT_LOST:
		snprintf(what, sizeof(what), "lost (waitid: %s)",
		    strerror(ex.code));
		level = FIPD_LOG_ERR;
		break;
	case CHK_EXIT_NORUN:
		chk_exit_str(&ex, what, sizeof(what));
		level = FIPD_LOG_ERR;
		break;
	case CHK_EXIT_CODE:
		chk_exit_str(&ex, what, sizeof(what));
		if (ex.code == 0) {
			level = FIPD_LOG_INFO;
			failed = 0;
		}
		break;
	default:
		snprintf(what, sizeof(what), "killed by signal %d%s",
		    ex.code, ch->timed_out ? " (timeout)" : "");
		break;
	}
	an_read_out(ch, AN_READS_MAX);
	ntf_out_flush(&ch->out, an_out_line, ch);
	if (ch->out.dropped > 0)
		AN_LOG(FIPD_LOG_INFO, "%s: %s[%ld]: %zu more bytes of output "
		    "not logged", ch->iname, ntf_key_name(ch->key),
		    (long)ch->proc.pid, ch->out.dropped);
	AN_LOG(level, "%s: seq %llu %s: %s %s: %s after %llu.%03llu s%s",
	    ch->iname, (unsigned long long)ch->seq, ch->state,
	    ntf_key_name(ch->key), ch->path, what,
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
	    in == NULL ? " (had been abandoned)" : "");
	if (failed && !ch->timed_out && in != NULL)
		an_count(in, "notify_failed");
	an_child_free(ch);
	if (in != NULL) {
		in->child = NULL;
		an_api->timer_cancel(in->t_clock);
		ntf_item_free(ntf_queue_done(&in->q));
		(void)an_kick(in);
	}
	return (1);
}

/* The running child's deadline. */
static void
an_tick(struct an_child *ch, uint64_t now)
{
	struct an_inst	*in = ch->in;

	switch (ntf_clock_step(&ch->clk, now, NTF_GRACE_US)) {
	case NTF_A_TERM:
		ch->timed_out = 1;
		AN_LOG(FIPD_LOG_WARNING, "%s: seq %llu %s: %s %s: timed out "
		    "after %u.%03u s: SIGTERM to its process group %ld",
		    ch->iname, (unsigned long long)ch->seq, ch->state,
		    ntf_key_name(ch->key), ch->path, ch->timeout_ms / 1000,
		    ch->timeout_ms % 1000, (long)ch->proc.pid);
		an_count(in, "notify_timeout");
		an_signal(ch, SIGTERM);
		break;
	case NTF_A_KILL:
		AN_LOG(FIPD_LOG_WARNING, "%s: seq %llu %s: %s %s: still "
		    "running 1 s after SIGTERM: SIGKILL", ch->iname,
		    (unsigned long long)ch->seq, ch->state,
		    ntf_key_name(ch->key), ch->path);
		an_signal(ch, SIGKILL);
		break;
	case NTF_A_ABANDON:
		AN_LOG(FIPD_LOG_ERR, "%s: seq %llu %s: %s %s: pid %ld does "
		    "not die; going on without waiting for it", ch->iname,
		    (unsigned long long)ch->seq, ch->state,
		    ntf_key_name(ch->key), ch->path, (long)ch->proc.pid);
		ch->in = NULL;
		if (in != NULL) {
			in->child = NULL;
			ntf_item_free(ntf_queue_done(&in->q));
			(void)an_kick(in);
		}
		return;
	default:
		break;
	}
	if (in != NULL && ch->clk.phase != NTF_P_GONE)
		an_api->timer_arm(in->t_clock, ch->clk.deadline > now ?
		    ch->clk.deadline - now : 0);
}

static void
an_clock_cb(void *arg)
{
	struct an_inst	*in = arg;

	if (in->child != NULL)
		an_tick(in->child, an_now());
}

static uint64_t
an_now(void)
{
	return (an_api->now_us(an_host));
}

static int64_t
an_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* ------------------------------------------------------ exit */

/*
 * The loop is gone: run what is left (running scripts, STOP items)
 * synchronously, with their timeouts, at most AN_EXIT_MAX_MS in all.
 */
static void
an_fini(void)
{
	struct pollfd	 pfd[2 * 64];
	struct an_child	*ch, *cht, *who[2 * 64];
	struct an_inst	*in, *int_;
	uint64_t	 now, next;
	int64_t		 end, left;
	int		 n, i, busy, tmo, iter;

	/* The budget on our own clock, whatever the host's does now. */
	end = an_mono_ms() + AN_EXIT_MAX_MS;
	for (iter = 0; iter < 1000000; iter++) {
		LIST_FOREACH_SAFE(in, &an_insts, entry, int_)
			(void)an_kick(in);
		now = an_now();
		busy = 0;
		n = 0;
		next = now + 100000;
		LIST_FOREACH(ch, &an_children, entry) {
			if (ch->in == NULL)
				continue;	/* abandoned */
			busy = 1;
			an_tick(ch, now);
			if (ch->clk.phase != NTF_P_GONE &&
			    ch->clk.deadline < next)
				next = ch->clk.deadline;
			if (ch->proc.pidfd == -1 &&
			    now + CHK_PROC_POLL_US < next)
				next = now + CHK_PROC_POLL_US;
			if (n + 2 > (int)(sizeof(pfd) / sizeof(pfd[0])))
				continue;
			if (ch->proc.pidfd != -1) {
				pfd[n].fd = ch->proc.pidfd;
				pfd[n].events = POLLIN;
				who[n++] = ch;
			}
			if (ch->proc.outfd != -1) {
				pfd[n].fd = ch->proc.outfd;
				pfd[n].events = POLLIN;
				who[n++] = ch;
			}
		}
		left = end - an_mono_ms();
		if (!busy || left <= 0)
			break;
		tmo = next > now ? (int)((next - now + 999) / 1000) : 0;
		if (tmo > left)
			tmo = (int)left;
		if (poll(pfd, (nfds_t)n, tmo) == -1 && errno != EINTR)
			break;
		/* Output first, then at most one reap: it changes the lists. */
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0 && pfd[i].fd == who[i]->proc.outfd)
				an_read_out(who[i], AN_READS_MAX);
		LIST_FOREACH(ch, &an_children, entry)
			if (ch->in != NULL && an_reap(ch))
				break;
	}
	/* Out of time (or abandoned ones): kill, reap what can be, free. */
	LIST_FOREACH_SAFE(ch, &an_children, entry, cht) {
		if (ch->in != NULL)
			AN_LOG(FIPD_LOG_WARNING, "%s: seq %llu %s: %s %s: "
			    "still running at exit: SIGKILL", ch->iname,
			    (unsigned long long)ch->seq, ch->state,
			    ntf_key_name(ch->key), ch->path);
		an_signal(ch, SIGKILL);
		if (ch->in != NULL)
			ch->in->child = NULL;
		if (waitpid(ch->proc.pid, NULL, WNOHANG) == 0) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			(void)waitpid(ch->proc.pid, NULL, WNOHANG);
		}
		an_child_free(ch);
	}
	while ((in = LIST_FIRST(&an_insts)) != NULL) {
		struct ntf_itemq rest = TAILQ_HEAD_INITIALIZER(rest);

		ntf_queue_clear(&in->q, &rest);
		an_log_dropped(in, "no time left at exit", &rest);
		in->ctx = NULL;
		in->child = NULL;
		(void)an_inst_gc(in);
	}
	free(ok_path);
	free(ok_user);
	ok_path = ok_user = NULL;
}
