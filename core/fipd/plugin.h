/*
 * fipd plugin ABI.
 *
 * A fipd plugin is a shared object that exports exactly one symbol,
 * fipd_plugin_info, a struct fipd_plugin.  The daemon dlopen()s it with
 * RTLD_NOW, checks magic and ABI version, refuses duplicate names, then
 * calls init() with a table of host services (struct fipd_host_api).
 *
 * Plugins see no libevent or libnl type of the daemon: timers, fd watches,
 * logging and counters go through the host table.  Plugins must never
 * block the event loop, never call exit(), and log only through the host
 * (the host prefixes each line with the plugin name).
 *
 * Two kinds exist:
 *  - FIPD_PLUGIN_ACTION: reacts to state transitions of an instance (VIP
 *    add/remove, gratuitous ARP, notify scripts).  Actions run in ascending
 *    `order` on every transition.
 *  - FIPD_PLUGIN_CHECK: runs one health probe when asked and reports the
 *    result later through host->check_done().  The core owns intervals,
 *    timeouts, rise/fall and weights.
 *
 * Out-of-tree plugins build against the installed <fipd/plugin.h>
 * (pkg-config fipd-plugin).
 */
#ifndef FIPD_PLUGIN_H
#define FIPD_PLUGIN_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "FIPD" in ASCII, first field of every plugin descriptor. */
#define FIPD_PLUGIN_MAGIC 0x46495044u

/*
 * Bumped on any incompatible change of the structures in this file.  The
 * loader refuses a plugin whose abi_version differs.
 *
 * 2: configuration keys are declared in tables (struct fipd_conf_schema)
 *    instead of parsed by a conf_key() function; actions get
 *    reconfigure() (a reload applied in place) and FIPD_EV_LINK; count()
 *    takes the instance's handle; the host answers addr_present().
 */
#define FIPD_PLUGIN_ABI_VERSION 2

/* Name of the one symbol every plugin exports. */
#define FIPD_PLUGIN_SYMBOL "fipd_plugin_info"

enum fipd_plugin_kind {
	FIPD_PLUGIN_CHECK = 1,
	FIPD_PLUGIN_ACTION = 2,
};

/* Instance states, as seen by plugins and logs. */
enum fipd_state {
	FIPD_STATE_INIT = 0,
	FIPD_STATE_BACKUP,
	FIPD_STATE_MASTER,
	FIPD_STATE_FAULT,
	FIPD_STATE_STOP,
};

/* Log levels; the values are syslog(3) priorities. */
enum fipd_log_level {
	FIPD_LOG_ERR = 3,
	FIPD_LOG_WARNING = 4,
	FIPD_LOG_NOTICE = 5,
	FIPD_LOG_INFO = 6,
	FIPD_LOG_DEBUG = 7,
};

/* An IPv4 or IPv6 address with an optional prefix length. */
struct fipd_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t prefixlen;	/* 32 or 128 when not given */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t raw[16];
	} u;
};

/*
 * Read-only view of one VRRP instance, handed to action plugins.  The
 * view itself (the pointer given to attach()) stays valid until detach()
 * returns; its fields may change at reconfigure() (a reload applied in
 * place): vips and n_vips then point to the new list, and the old one is
 * freed after reconfigure() returns, so do not keep vips across it.
 */
struct fipd_instance {
	const char *name;		/* section name, e.g. "VI_1" */
	const char *ifname;		/* interface the instance runs on */
	unsigned int ifindex;		/* 0 while the interface is absent */
	uint8_t vrid;			/* 1-255 */
	uint8_t version;		/* 2 or 3 */
	int family;			/* AF_INET or AF_INET6 */
	int priority;			/* configured priority, 1-255 */
	unsigned int advert_int_cs;	/* advertisement interval, centiseconds */
	const struct fipd_addr *vips;	/* virtual addresses, config order */
	size_t n_vips;
	unsigned int garp_repeat;	/* GARPs/NAs per VIP on becoming MASTER */
	unsigned int garp_refresh_cs;	/* refresh period while MASTER, 0 = off */
};

/* One state change of an instance, as delivered to action plugins. */
struct fipd_transition {
	enum fipd_state from;
	enum fipd_state to;
	int priority;			/* effective priority at the change */
	const char *reason;		/* human-readable, e.g. "master down" */
	uint64_t seq;			/* monotonic per daemon, starts at 1 */
};

/* Events other than state changes that action plugins may react to. */
enum fipd_event {
	/*
	 * RFC 9568 6.4.3: the MASTER heard an advertisement of lower priority
	 * (and re-advertised at once).  ARP caches and cloud APIs may point at
	 * the other router: re-assert.
	 */
	FIPD_EV_RX_LOWER_PRIO = 1,
	/*
	 * The host detected that a VIP vanished from the interface behind our
	 * back (or the link flapped) while MASTER: re-assert the VIPs.
	 */
	FIPD_EV_RECONCILE = 2,
	/*
	 * The instance's interface came back with a new index (deleted and
	 * re-created, renamed in): vi->ifindex holds the new one (never 0:
	 * while the interface is absent vi->ifindex is 0 and no event
	 * comes).
	 */
	FIPD_EV_LINK = 3,
};

/* Opaque handles owned by the host. */
struct fipd_host;		/* one per loaded plugin */
struct fipd_timer;
struct fipd_io;
struct fipd_probe;		/* a health check's handle (see check ops) */

/* Result of a health probe. */
enum fipd_check_result {
	FIPD_CHECK_DOWN = 0,
	FIPD_CHECK_UP = 1,
};

/* Callback types. */
typedef void fipd_timer_cb(void *arg);
typedef void fipd_io_cb(int fd, void *arg);

/*
 * Services the host offers to plugins.  Every function takes the plugin's
 * own host handle (passed to init) where it needs to know who is calling.
 */
struct fipd_host_api {
	unsigned int abi_version;	/* FIPD_PLUGIN_ABI_VERSION */

	/*
	 * Log one line.  The host prefixes "<plugin>: " and routes it to
	 * syslog and, in foreground mode, stderr.
	 */
	void (*log)(struct fipd_host *h, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

	/* One-shot timer; arm() re-arms, cancel() and free() are idempotent. */
	struct fipd_timer *(*timer_new)(struct fipd_host *h, fipd_timer_cb *cb,
	    void *arg);
	void (*timer_arm)(struct fipd_timer *t, uint64_t delay_us);
	void (*timer_cancel)(struct fipd_timer *t);
	void (*timer_free)(struct fipd_timer *t);

	/* Persistent read-readiness watch on fd (fd stays the plugin's). */
	struct fipd_io *(*io_new)(struct fipd_host *h, int fd, fipd_io_cb *cb,
	    void *arg);
	/* Persistent write-readiness watch (e.g. non-blocking connect). */
	struct fipd_io *(*io_new_write)(struct fipd_host *h, int fd,
	    fipd_io_cb *cb, void *arg);
	void (*io_free)(struct fipd_io *io);

	/* Monotonic clock, microseconds. */
	uint64_t (*now_us)(struct fipd_host *h);

	/*
	 * Bump a named counter of an instance (e.g. "vip_readded"); counters
	 * appear in status output and metrics.  vi is the handle given to
	 * attach(), valid until detach() returns.
	 */
	void (*count)(struct fipd_host *h, const struct fipd_instance *vi,
	    const char *counter);

	/*
	 * Report the result of a probe started by check ops start().  Must be
	 * called exactly once per probe unless the host cancelled it first;
	 * may be called from inside start() itself.
	 */
	void (*check_done)(struct fipd_probe *p, enum fipd_check_result r,
	    const char *reason);

	/* Value of a [global] key (e.g. "script_user"), or NULL. */
	const char *(*global)(struct fipd_host *h, const char *key);

	/*
	 * Ask the core to run the check again now, between probes, because
	 * the plugin saw a sign of trouble (e.g. the kept-alive connection
	 * to the server closed).  p is the handle passed to start(); the
	 * core may ignore or delay the request (rate limit, probe running).
	 */
	void (*check_recheck)(struct fipd_probe *p, const char *why);

	/*
	 * Whether address a (whatever its prefix length) is on interface
	 * ifindex, as the host's kernel watcher last saw it: 1 yes (with
	 * *prefixlen set to the one found, when not NULL), 0 no, -1 not
	 * known.  No system call.
	 */
	int (*addr_present)(struct fipd_host *h, unsigned int ifindex,
	    const struct fipd_addr *a, uint8_t *prefixlen);
};

/*
 * Configuration keys.  A plugin declares the keys of the sections it
 * owns in a table; the host parses them (one error per bad line, with
 * FILE:LINE), refuses unknown keys and repetitions of keys that do not
 * repeat, compares them key by key on reload, and lists them for the
 * documentation.  The values land in a struct of `size` bytes that the
 * host allocates zero-filled, fills with defaults() and then with the
 * section's keys, and frees after conf_free() (FIPD_KT_STR fields are
 * the host's too: defaults() may leave them NULL or point them to heap
 * memory, which the host frees; conf_free() frees only what parse() or
 * conf_check() allocated).  A reload compares typed keys by value and a
 * parse() key by the values given, as a set for a repeatable one (a new
 * order alone is no change).
 */
enum fipd_key_type {
	FIPD_KT_STR = 1,	/* char *: the value, a copy owned by the host */
	FIPD_KT_UINT,		/* unsigned int in [min, max] */
	FIPD_KT_INT,		/* int in [min, max] */
	FIPD_KT_BOOL,		/* int 0 or 1: yes/no, true/false, on/off, 1/0 */
	FIPD_KT_SECONDS,	/* unsigned int centiseconds in [min, max]
				   from seconds with up to two decimals */
	FIPD_KT_ENUM,		/* int: index of the value in names[]
				   (case-insensitive) */
	FIPD_KT_PARSE,		/* parse() stores the value itself */
};

#define FIPD_KF_REPEAT	0x01	/* may be given several times (KT_PARSE) */
#define FIPD_KF_REQUIRED 0x02	/* the section must give it */
/*
 * Actions: a change of this key cannot be applied by reconfigure(); a
 * reload restarts the instance (and says this key is why).
 */
#define FIPD_KF_RESTART	0x04

struct fipd_conf_key {
	const char *name;
	enum fipd_key_type type;
	unsigned int flags;		/* FIPD_KF_* */
	long min, max;			/* UINT, INT, SECONDS (centiseconds) */
	const char *const *names;	/* ENUM: NULL-terminated */
	size_t offset;			/* of the value in the conf struct */
	/*
	 * KT_PARSE: store value into conf.  One function may serve several
	 * keys: key is this entry.  Returns 0, or -1 with err filled (no
	 * file or line: the host adds them, and the key's name unless the
	 * message starts with it).
	 */
	int (*parse)(void *conf, const struct fipd_conf_key *key,
	    const char *value, char *err, size_t errlen);
	/* What the value is, for errors and docs: "seconds 0.1-3600". */
	const char *doc;
};

struct fipd_conf_schema {
	size_t size;			/* of the plugin's conf struct */
	void (*defaults)(void *conf);	/* may be NULL (all zero) */
	const struct fipd_conf_key *keys;
	size_t n_keys;
};

/* Table entries: a typed key landing in a field, or a parsed one. */
/* (The field must have the type's size: a compile error otherwise.) */
#define FIPD_KEY_NUM(n, t, fl, lo, hi, st, fld, d) {			\
	.name = (n), .type = (t), .flags = (fl), .min = (lo), .max = (hi), \
	.offset = offsetof(st, fld) + 0 * sizeof(char[			\
	    sizeof(((st *)0)->fld) == ((t) == FIPD_KT_STR ?		\
	    sizeof(char *) : sizeof(int)) ? 1 : -1]), .doc = (d) }
#define FIPD_KEY_PARSE(n, fl, fn, d) {					\
	.name = (n), .type = FIPD_KT_PARSE, .flags = (fl), .parse = (fn), \
	.doc = (d) }

/*
 * Configuration hooks shared by both kinds.  The plugin owns keys of a
 * section through its schema (a [check NAME] section for checks; keys
 * of an [instance NAME] section the core does not know, for actions).
 */
/* Final validation after all keys: 0 ok, -1 error (err filled). */
typedef int fipd_conf_check_fn(struct fipd_host *h, void *conf, char *err,
    size_t errlen);
typedef void fipd_conf_free_fn(void *conf);

/* What a reload changed, for reconfigure(). */
struct fipd_reconf {
	enum fipd_state state;		/* the instance's state now */
	const struct fipd_addr *old_vips; /* before; vi->vips is the new list */
	size_t n_old_vips;
	void *old_conf;			/* freed by the host after the call */
	void *conf;			/* the new conf (the same when the
					   plugin's keys did not change) */
};

struct fipd_action_ops {
	const struct fipd_conf_schema *conf;	/* may be NULL: owns no keys */
	fipd_conf_check_fn *conf_check;	/* may be NULL */
	fipd_conf_free_fn *conf_free;	/* may be NULL */

	/*
	 * Bind to one instance when it starts (conf is NULL only when the
	 * plugin has no schema).  This is where stale state
	 * left by a crash is cleaned (e.g. VIPs still on the interface).
	 * Returns 0, or -1 to refuse (the instance goes to FAULT).
	 */
	int (*attach)(struct fipd_host *h, const struct fipd_instance *vi,
	    void *conf, void **ictx);
	/* Unbind; called after the final transition (to STOP). */
	void (*detach)(void *ictx);
	/* Apply one state change.  Must not block. */
	void (*transition)(void *ictx, const struct fipd_transition *t);
	/* React to an event (may be NULL). */
	void (*event)(void *ictx, enum fipd_event ev);
	/*
	 * A reload changed the instance in place (no transition): its view
	 * (VIPs, priority, advert interval, GARP keys; the pointer vi is
	 * the one given to attach) and/or this plugin's conf.  The conf given
	 * to attach() (or to the last reconfigure()) stays valid until this
	 * call returns; from then on rc->conf is the one.  Apply it
	 * without a state change: e.g. a MASTER adds and announces only the
	 * VIPs that are new and deletes only the ones that went.  Must not
	 * block.  Returns 0, or -1 when the change cannot be applied in place
	 * (the host then restarts the instance: *ictx must still serve the
	 * STOP transition and detach()).  NULL: view changes need
	 * nothing, and a change of this plugin's keys restarts the instance.
	 * *ictx is what attach() left (NULL when it kept no context), and
	 * the plugin may replace it.
	 */
	int (*reconfigure)(void **ictx, const struct fipd_instance *vi,
	    const struct fipd_reconf *rc);
};

/*
 * Health checks.  The core owns the schedule (interval, timeout, rise,
 * fall, weight).  `conf` is the plugin's parsed section; the same conf
 * is used for every probe of that check, and p is the check's handle,
 * stable from the first start() until conf_free().
 *
 * One probe at a time per check: start() begins it and the plugin reports
 * the result exactly once with api->check_done(p, UP|DOWN, reason) (may
 * be from inside start()); after check_done the probe is over and its
 * state is the plugin's to free.  When the core's timeout fires first it
 * calls cancel(pctx) instead and the plugin must not report that probe.
 * Reasons are short and human: "connection refused", "status 502",
 * "exit 3".
 *
 * Between probes a plugin may keep resources in conf (e.g. a kept-alive
 * connection) and call api->check_recheck(p, why) when they show trouble.
 */
struct fipd_check_ops {
	const struct fipd_conf_schema *conf;	/* required: the [check] keys */
	fipd_conf_check_fn *conf_check;
	fipd_conf_free_fn *conf_free;
	/*
	 * Start one probe; *pctx receives the probe state for cancel().
	 * Returns 0 when started (or already reported), -1 when it could not
	 * start (the core counts a DOWN, reason "cannot start probe").
	 */
	int (*start)(struct fipd_host *h, void *conf, struct fipd_probe *p,
	    void **pctx);
	/* Abort the in-flight probe (the core's timeout fired). */
	void (*cancel)(void *pctx);
};

struct fipd_plugin {
	uint32_t magic;			/* FIPD_PLUGIN_MAGIC */
	uint32_t abi_version;		/* FIPD_PLUGIN_ABI_VERSION */
	const char *name;		/* e.g. "action_netlink" */
	enum fipd_plugin_kind kind;
	/*
	 * Checks: the `type =` value that selects this plugin ("http").
	 * Actions: unused (NULL).
	 */
	const char *type;
	int order;			/* actions: lower runs first */

	/* Called once after loading.  Returns 0, or -1 to refuse loading. */
	int (*init)(struct fipd_host *h, const struct fipd_host_api *api);
	/* Called once before unloading (may be NULL). */
	void (*fini)(void);

	const struct fipd_action_ops *action;	/* kind == ACTION */
	const struct fipd_check_ops *check;	/* kind == CHECK */

	void *reserved[4];		/* must be NULL */
};

/*
 * Define the plugin descriptor:
 *   FIPD_PLUGIN(.name = "action_arping", .kind = FIPD_PLUGIN_ACTION, ...);
 */
#define FIPD_PLUGIN(...)                                                   \
	__attribute__((visibility("default"))) const struct fipd_plugin     \
	    fipd_plugin_info = {                                            \
		.magic = FIPD_PLUGIN_MAGIC,                                 \
		.abi_version = FIPD_PLUGIN_ABI_VERSION,                     \
		__VA_ARGS__                                                 \
	}

#ifdef __cplusplus
}
#endif

#endif /* FIPD_PLUGIN_H */
