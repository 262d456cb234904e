/*
 * fipd core: one header, one section per .c file.
 */
#ifndef FIPD_H
#define FIPD_H

#include <sys/queue.h>
#include <net/if.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fipd/plugin.h"
#include "vrrp_packet.h"

/* glibc's <sys/queue.h> lacks the _SAFE iterators. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)                          \
	for ((var) = TAILQ_FIRST(head);                                     \
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);          \
	    (var) = (tvar))
#endif

#define FIPD_NAME_MAX 64	/* instance, check and router names */
#define CFG_MAX_VIPS 64		/* virtual_ipaddress per instance */
#define CFG_MAX_PEERS 32	/* unicast_peer per instance */
#define CFG_MAX_TRACK 16	/* track_check / track_interface */

/* ------------------------------------------------------------------ log.c */

/*
 * Start logging as ident.
 *   to_stderr: also write to stderr (foreground, -t, tests)
 *   debug: let log_debug() through
 *   to_syslog: open syslog
 */
void log_init(const char *ident, int to_stderr, int to_syslog, int debug);
/* Change stderr echo (after daemonizing it is turned off). */
void log_set_stderr(int on);
/* JOURNAL_STREAM ("dev:ino") names fd: stderr is the systemd journal. */
int log_stderr_is_journal(const char *journal_stream, int fd);
void log_vlog(int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void log_emit(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Rate limiter for repetitive log lines: at most `burst` lines per
 * `period_us`, then one summary of how many were suppressed.
 */
struct log_limit {
	uint64_t window_start;
	unsigned int period_s;
	unsigned int burst;
	unsigned int in_window;
	unsigned int suppressed;
};
/* Returns: 1 if a line may be logged now, 0 if suppressed. */
int log_limit_ok(struct log_limit *l, uint64_t now_us);

/* ------------------------------------------------------------ xmalloc.c */

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------- config.c */

/* [global] */
struct cfg_global {
	char router_id[FIPD_NAME_MAX];	/* default: hostname */
	char plugin_dir[4096];		/* default: PKGLIBDIR */
	char control_socket[108];	/* sun_path size; default FIPD_SOCKET */
	char script_user[FIPD_NAME_MAX]; /* default "nobody" */
	char metrics_listen[128];	/* "" = off; HOST:PORT */
	/* Action plugins to load, by name (action_NAME.so), space-separated. */
	char actions[256];		/* default "netlink arping notify" */
};

struct pconf;

/* An action plugin's keys of one [instance] section (core/pconf.h). */
struct cfg_plugconf {
	TAILQ_ENTRY(cfg_plugconf) entry;
	struct plug *plug;
	struct pconf *pc;		/* pc->conf: the plugin's struct */
};
TAILQ_HEAD(cfg_plugconf_list, cfg_plugconf);

/* [instance NAME] */
struct cfg_instance {
	TAILQ_ENTRY(cfg_instance) entry;
	char name[FIPD_NAME_MAX];
	int line;			/* of the section header */
	char ifname[IF_NAMESIZE];
	uint8_t vrid;			/* 1-255 */
	int priority;			/* 1-255 (255 = owner) */
	int start_master;		/* state = MASTER */
	int version;			/* 2 or 3 */
	unsigned int advert_int_cs;	/* v3: 1-4095; v2: 100-25500 by 100 */
	char auth_pass[VPKT_AUTH_LEN + 1]; /* v2 PASS; "" = none */
	int family;			/* of the VIPs */
	struct fipd_addr *vips;		/* n_vips (<= CFG_MAX_VIPS), owned */
	size_t n_vips;
	struct fipd_addr src;		/* unicast_src_ip */
	int src_set;
	struct fipd_addr *peers;	/* n_peers (<= CFG_MAX_PEERS), owned */
	size_t n_peers;			/* 0 = multicast */
	int preempt;			/* default yes */
	unsigned int preempt_delay_cs;
	char (*track_check)[FIPD_NAME_MAX];	/* n_track_check, owned */
	size_t n_track_check;
	char (*track_if)[IF_NAMESIZE];	/* n_track_if, owned */
	size_t n_track_if;
	unsigned int garp_repeat;	/* default 3 */
	unsigned int garp_refresh_cs;	/* default 0 = off */
	enum vpkt_csum csum_tx;		/* v3/IPv4 transmit form */
	int strict_ttl;			/* require TTL 255 (default yes) */
	/* Action plugins' own keys: one entry per plugin with a schema. */
	struct cfg_plugconf_list plugconfs;
};
TAILQ_HEAD(cfg_instance_list, cfg_instance);

/* [check NAME] */
struct cfg_check {
	TAILQ_ENTRY(cfg_check) entry;
	char name[FIPD_NAME_MAX];
	int line;
	struct plug *plug;		/* from type = ... */
	struct pconf *pc;		/* the plugin's keys; pc->conf is
					   its struct (NULL once stopped) */
	unsigned int interval_cs;	/* default 100 */
	unsigned int timeout_cs;	/* default = interval */
	unsigned int rise;		/* default 2 */
	unsigned int fall;		/* default 2 */
	int weight;			/* -254..254, 0 = FAULT */
};
TAILQ_HEAD(cfg_check_list, cfg_check);

/*
 * Lines are numbered across the file and what it includes, in reading
 * order; this maps them back (cfg_where()).
 */
struct cfg_lmap {
	int gline;			/* first line of a stretch */
	int file;			/* index in cfg->files */
	int fline;			/* its line in that file */
};

struct cfg {
	char *path;
	char **files;			/* [0] = path, then includes */
	size_t n_files;
	struct cfg_lmap *lmap;
	size_t n_lmap;
	struct cfg_global global;
	struct cfg_instance_list instances;
	struct cfg_check_list checks;
};

/*
 * Load and validate a configuration file.  Every error is written to
 * errs as "FILE:LINE: message" (all of them, not only the first).
 * Plugins are loaded (plug_load_*) as the config names them.
 * Returns: the config, or NULL when anything was wrong.
 */
struct cfg *cfg_load(const char *path, FILE *errs);
/* The same from a string; name is used in messages in place of a file. */
struct cfg *cfg_load_string(const char *text, const char *name, FILE *errs);
void cfg_free(struct cfg *);
/* Free one instance (with its plugin configurations). */
void cfg_instance_free(struct cfg_instance *);
/* Free one check section (with its plugin configuration). */
void cfg_check_free(struct cfg_check *);
struct cfg_instance *cfg_instance_find(struct cfg *, const char *name);
struct cfg_check *cfg_check_find(struct cfg *, const char *name);
/* How two parsed sections of the same name differ (reload). */
enum cfg_diff {
	CFG_SAME = 0,		/* every key has the same value */
	CFG_DIFF_INPLACE,	/* only keys a reload applies in place */
	CFG_DIFF_RESTART,	/* a key that restarts the instance/check */
};
/*
 * Compare two [instance] sections by value, key by key from the key
 * table: the order of the keys in the file does not matter (the order
 * of a repeated key's values does).  Keys flagged in place are every
 * core key but interface, virtual_router_id, version and
 * virtual_ipaddress; the action plugins' keys restart the instance.
 * a, b: the running and the new section (names are not compared)
 * what: if not NULL, set to the first key that needs a restart
 * Returns: CFG_SAME, CFG_DIFF_INPLACE or CFG_DIFF_RESTART.
 */
enum cfg_diff cfg_instance_diff(const struct cfg_instance *a,
    const struct cfg_instance *b, const char **what);
/*
 * The names of the core keys whose values differ between a and b, at most
 * max of them into names.  Returns: how many were stored.
 */
size_t cfg_instance_changed(const struct cfg_instance *a,
    const struct cfg_instance *b, const char **names, size_t max);
/*
 * The same for two [check] sections (a changed check is replaced, so
 * only CFG_SAME and CFG_DIFF_RESTART are returned).
 */
enum cfg_diff cfg_check_diff(const struct cfg_check *a,
    const struct cfg_check *b, const char **what);
/*
 * The running value(s) of each key of an instance (core and plugins), as
 * the configuration would write them: n values (a list when repeatable),
 * n = 0 for an unset optional key.  auth_pass shows only "(set)".
 */
typedef void cfg_value_fn(void *arg, const char *key,
    const char *const *values, size_t n, int list);
void cfg_instance_values(const struct cfg_instance *ci, cfg_value_fn *fn,
    void *arg);
/*
 * Print every key (core tables and the loaded plugins'), one per line:
 * section, key, what a reload does with it, what its value looks like.
 */
void cfg_keys_print(FILE *f);
/*
 * The file and line of line number gline of a loaded configuration (the
 * numbers in cfg_instance.line etc. run across included files).
 */
const char *cfg_where(const struct cfg *c, int gline, int *fline);
/* Whether [instance] has a core key of this name (plugins may not). */
int cfg_instance_key_known(const char *key);
int cfg_check_key_known(const char *key);
/* Free the plugin's keys of a check (at its stop: its probes are over). */
void cfg_check_release(struct cfg_check *ck);
/*
 * Default plugin directory for configs that do not set plugin_dir
 * (tests point it at the build tree).
 */
void cfg_set_default_plugin_dir(const char *dir);
const char *cfg_default_plugin_dir(void);
/*
 * Plugins load only from the directories and with the action list the
 * daemon started with: after this call a reload's plugin_dir and actions
 * are not used to load anything (the reload says they need a restart).
 * NULL lifts it (tests).
 */
void cfg_lock_plugins(const char *dir, const char *actions);

/* -------------------------------------------------------------- nhash.c */

/*
 * Open-addressing hash of names to pointers (config sections and checks,
 * instances during a reload).  Keys are not copied: each must outlive the
 * table (it usually points into its value).  Zero-initialise to start.
 */
struct nhash {
	const char **keys;
	void **vals;
	size_t cap, n;
};
/* The value of key, or NULL. */
void *nhash_get(const struct nhash *, const char *key);
/* Add key (no check for an existing one: see nhash_set). */
void nhash_put(struct nhash *, const char *key, void *val);
/* Replace key's value, or add it. */
void nhash_set(struct nhash *, const char *key, void *val);
void nhash_free(struct nhash *);

/* ------------------------------------------------------------- plugin.c */

struct plug;	/* a loaded plugin */

/*
 * Load one plugin file.  Refusals (dlopen error, missing symbol, bad
 * magic, ABI mismatch, wrong kind ops, duplicate name, init failure) are
 * written to err.
 * Returns: the plugin, or NULL.
 */
struct plug *plug_load_file(const char *path, char *err, size_t errlen);
/*
 * Load every action_*.so of dir not loaded yet, in name order.
 * Returns: 0, or -1 if one was refused (err holds the last reason).
 */
int plug_load_actions(const char *dir, char *err, size_t errlen);
/*
 * Load the action plugins named in list ("netlink arping": the files
 * action_NAME.so, first found in dirs).  Returns: 0, or -1 (err says
 * which and why).
 */
int plug_load_named_actions(const char *dirs, const char *list, char *err,
    size_t errlen);
/*
 * Find the check plugin for `type = NAME`, loading DIR/check_NAME.so on
 * first use.  Returns: the plugin or NULL (err filled).
 */
struct plug *plug_check_type(const char *dir, const char *type, char *err,
    size_t errlen);
/* Iterate loaded action plugins in order: pass NULL to get the first. */
struct plug *plug_next_action(struct plug *prev);
/* Every loaded plugin, in order. */
struct plug *plug_next(struct plug *prev);
/* Load every check_*.so of the directories (for --keys). */
int plug_load_checks(const char *dirs, char *err, size_t errlen);
const struct fipd_plugin *plug_desc(struct plug *);
struct fipd_host *plug_host(struct plug *);
const char *plug_name(struct plug *);
/*
 * Where api->count() lands (the daemon routes it to the instance);
 * NULL drops the counts.
 */
void plug_set_count_hook(void (*fn)(const struct fipd_instance *vi,
    const char *counter));
/* The kernel watcher's answer to a plugin's addr_present(). */
void plug_set_addr_hook(int (*fn)(unsigned int ifindex,
    const struct fipd_addr *a, uint8_t *prefixlen));
/* Unload everything (fini, dlclose). */
void plug_unload_all(void);
/* The global config plugins see through api->global(). */
void plug_set_global(const struct cfg_global *g);
/* The host API table (shared by all plugins). */
const struct fipd_host_api *plug_api(void);

/* -------------------------------------------------------------- event.c */

/*
 * All libevent lives in event.c.  The timer and io handles are the same
 * objects plugins see as struct fipd_timer / struct fipd_io.
 */
/* Create the event base.  Returns: 0, or -1. */
int ev_init(void);
/* Run the loop until ev_break().  Returns: 0, or -1 on error. */
int ev_loop(void);
void ev_break(void);
/* Free the base (after every event is freed). */
void ev_fini(void);
/* Monotonic clock, microseconds. */
uint64_t ev_now_us(void);
/* libevent version and back-end method, for the start-up log line. */
const char *ev_version(void);
const char *ev_method(void);
struct fipd_timer *ev_timer_new(fipd_timer_cb *cb, void *arg);
void ev_timer_arm(struct fipd_timer *, uint64_t delay_us);
void ev_timer_cancel(struct fipd_timer *);
int ev_timer_pending(struct fipd_timer *);
void ev_timer_free(struct fipd_timer *);
/* Persistent readiness watch; write = 0 for read, 1 for write. */
struct fipd_io *ev_io_new(int fd, int write, fipd_io_cb *cb, void *arg);
/* Stop / start watching the descriptor (the watch stays allocated). */
void ev_io_pause(struct fipd_io *);
void ev_io_resume(struct fipd_io *);
void ev_io_free(struct fipd_io *);
/* Signal delivered as a loop event (handlers may do real work). */
struct fipd_io *ev_signal_new(int sig, fipd_io_cb *cb, void *arg);

/* -------------------------------------------------------------- check.c */

/* Status of one health check (status output, metrics). */
struct check_status {
	const char *name;
	const char *type;		/* plugin type, "http" */
	int known;			/* a first result arrived */
	int up;
	const char *reason;		/* of the last result, "" if none */
	uint64_t last_duration_us;	/* of the last probe */
	uint64_t probes;		/* probes run */
	uint64_t failures;		/* probes that said DOWN */
	uint64_t transitions;		/* UP <-> DOWN changes */
	unsigned int interval_cs;
	int weight;
};
typedef void check_status_cb(const struct check_status *, void *arg);

/*
 * Start (or, on reload, keep/restart) the checks of a config: a check
 * whose section is unchanged keeps its state; its cfg_check is moved from
 * `old` into `c` (old may be NULL at start-up).
 */
void check_apply(struct cfg *c, struct cfg *old);
/* Stop every check (cancel probes, free plugin state). */
void check_stop_all(void);
/*
 * fn(name) after the check called name changed state (or got its first
 * result).
 */
void check_set_change_hook(void (*fn)(const char *name));
/* Status of the check called name; returns 0, or -1 if there is none. */
int check_get(const char *name, struct check_status *out);
/* Every check, in config order. */
void check_foreach(check_status_cb *cb, void *arg);
/* Host API entry points (plugin.c forwards to these). */
void check_probe_done(struct fipd_probe *, enum fipd_check_result,
    const char *reason);
void check_probe_recheck(struct fipd_probe *, const char *why);

/* --------------------------------------------------------------- vrrp.c */

struct vrrp_router;

enum vrrp_timer_id {
	VRRP_T_ADVER = 0,	/* Adver_Timer (Active/Master) */
	VRRP_T_MDOWN,		/* Active_Down_Timer / Master_Down_Timer */
	VRRP_T_MAX
};

/* What the FSM asks of its environment (event.c in the daemon, fakes in tests). */
struct vrrp_ops {
	/* Send one advertisement with this priority (0 on shutdown). */
	void (*send)(struct vrrp_router *r, void *arg, int priority);
	/* Arm (delay_us >= 0) or cancel (delay_us < 0) a timer. */
	void (*timer)(struct vrrp_router *r, void *arg, enum vrrp_timer_id t,
	    int64_t delay_us);
	/* The state changed (after the log line): run the actions. */
	void (*state)(struct vrrp_router *r, void *arg,
	    const struct fipd_transition *t);
	/* Non-transition event for the actions. */
	void (*event)(struct vrrp_router *r, void *arg, enum fipd_event ev);
};

/* Counters of one router (status, metrics). */
struct vrrp_stats {
	uint64_t adverts_sent;
	uint64_t adverts_rcvd;
	uint64_t prio0_sent;
	uint64_t prio0_rcvd;
	uint64_t transitions;
	uint64_t became_master;
	uint64_t drops[VPKT_DROP_MAX];
	uint64_t csum_pseudo;	/* v3/IPv4 adverts verified with pseudo-header */
	uint64_t csum_rfc9568;	/* ... and without */
	uint64_t interval_mismatch; /* v3: logged, not dropped */
	uint64_t addr_mismatch;	/* v3: logged, not dropped */
	uint64_t owner_conflict; /* other routers claiming 255 */
	uint64_t yield_notices;	/* adverts sent right after yielding */
	uint64_t lower_answers_limited; /* 6.4.3 answers skipped (flood) */
};

/*
 * Create a router from its configuration, which the caller keeps alive
 * and unchanged (but for vrrp_update) as long as the router: it is not
 * copied.  local is the primary address used as the advert source and for
 * the tie-break.
 * Returns: the router, in INIT.
 */
struct vrrp_router *vrrp_new(const struct cfg_instance *ci,
    const struct fipd_addr *local, const struct vrrp_ops *ops, void *arg);
void vrrp_free(struct vrrp_router *);
/* RFC 9568 6.4.1: Startup event. */
void vrrp_startup(struct vrrp_router *, uint64_t now_us);
/*
 * RFC 9568 6.4.2/6.4.3: Shutdown event.  A MASTER sends priority 0
 * (`repeat` times, to survive a lost packet); every state ends in STOP.
 */
void vrrp_shutdown(struct vrrp_router *, uint64_t now_us, const char *why);
/* A timer armed through ops->timer fired. */
void vrrp_timer_expired(struct vrrp_router *, uint64_t now_us,
    enum vrrp_timer_id);
/*
 * Per-instance receive checks (RFC 9568 7.1, RFC 3768 7.1) on a packet
 * vpkt_parse() accepted: version, owner, TTL, auth, interval, address
 * list, unicast peer.  Counts and (rate-limited) logs drops.
 * Returns: 0 to process, -1 dropped (*why set).
 */
int vrrp_rx_check(struct vrrp_router *, uint64_t now_us, const struct vpkt *,
    const struct fipd_addr *src, int ttl, enum vpkt_drop *why);
/* Process an accepted advertisement from src (RFC 9568 6.4.2, 6.4.3). */
void vrrp_rx(struct vrrp_router *, uint64_t now_us, const struct vpkt *,
    const struct fipd_addr *src);
/*
 * Fault in/out (tracked interface down, check with weight 0, no usable
 * source address).  A MASTER sends priority 0 and releases its VIPs.
 */
void vrrp_set_fault(struct vrrp_router *, uint64_t now_us, int fault,
    const char *reason);
/* Priority delta from failing checks (effective = clamp(prio + delta)). */
void vrrp_set_prio_delta(struct vrrp_router *, uint64_t now_us, int delta);
/*
 * The caller changed the soft settings of the router's cfg_instance
 * (priority, preempt, preempt_delay, state hint, GARP settings) in place:
 * take them without a transition; the next adverts and timers use them.
 */
void vrrp_update(struct vrrp_router *);
/* Count a drop that happened before the router was known (socket). */
void vrrp_count_drop(struct vrrp_router *, enum vpkt_drop);

enum fipd_state vrrp_state(const struct vrrp_router *);
const char *vrrp_state_str(enum fipd_state);
const char *vrrp_name(const struct vrrp_router *);
const struct cfg_instance *vrrp_cfg(const struct vrrp_router *);
int vrrp_effective_priority(const struct vrrp_router *);
const struct fipd_addr *vrrp_local(const struct vrrp_router *);
/* The advert source changed (the interface was renumbered). */
void vrrp_set_local(struct vrrp_router *, const struct fipd_addr *);
/* Address of the current master as last heard (or ourselves). */
const struct fipd_addr *vrrp_master(const struct vrrp_router *);
const struct vrrp_stats *vrrp_stats(const struct vrrp_router *);
/* Build the advertisement this router sends, for the given priority. */
void vrrp_advert_params(const struct vrrp_router *, int priority,
    const struct fipd_addr *dst, struct vpkt_params *out);
/* RFC 9568 6.1 timer values, microseconds (current, learned interval). */
uint64_t vrrp_skew_us(const struct vrrp_router *);
uint64_t vrrp_master_down_us(const struct vrrp_router *);
/* Pure helpers for the RFC formulas (tests: CONFORMANCE 39-43). */
uint64_t vrrp_calc_skew_us(int version, int priority, unsigned int adver_cs);
uint64_t vrrp_calc_mdown_us(int version, int priority, unsigned int adver_cs);

#endif /* FIPD_H */
