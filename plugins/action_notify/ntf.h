/*
 * action_notify internals: the pure parts (no I/O, no clock, no process),
 * kept apart so that t/check_notify_unit.c can test them.  ntf_util.c
 * holds them; action_notify.c does the spawning, reaping and logging.
 *
 * Words used here:
 *  - a *run* is one execution of one script (argv, environment, key);
 *  - an *item* is what one transition (or one lower-priority event) asks
 *    for: up to two runs, the state-specific script first, then the
 *    generic `notify`;
 *  - the *queue* holds an instance's items in transition order.  Only
 *    its head item may be *started*; the others are *pending*.
 */
#ifndef FIPD_NTF_H
#define FIPD_NTF_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#include "fipd/plugin.h"

/* glibc's <sys/queue.h> lacks the _SAFE variants. */
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif
#ifndef LIST_FOREACH_SAFE
#define LIST_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = LIST_FIRST(head);					\
	    (var) != NULL && ((tvar) = LIST_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

/* Longest configured command, and most words in it (script + args). */
#define NTF_CMD_MAX		4096
#define NTF_WORDS_MAX		32
/*
 * Collapse threshold: when a transition arrives while this many
 * transitions are already pending (not started), the pending ones are
 * dropped and only the new one is kept.
 */
#define NTF_QUEUE_MAX		4
/* Output of one run that is logged, and the longest logged line. */
#define NTF_OUT_MAX		4096
#define NTF_LINE_MAX		480
/* notify_timeout: default and bounds, milliseconds. */
#define NTF_TIMEOUT_DEF_MS	5000
#define NTF_TIMEOUT_MIN_MS	100
#define NTF_TIMEOUT_MAX_MS	3600000
/* Between SIGTERM and SIGKILL, and after SIGKILL before giving up. */
#define NTF_GRACE_US		1000000
/* The only inherited variable. */
#define NTF_PATH	\
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The script keys, in the order their runs happen within an item. */
enum ntf_key {
	NTF_K_MASTER = 0,
	NTF_K_BACKUP,
	NTF_K_FAULT,
	NTF_K_STOP,
	NTF_K_RXLP,		/* RFC 9568 6.4.3 hook */
	NTF_K_ANY,		/* generic `notify`, runs last */
	NTF_K_MAX
};

/* What kind of item. */
enum ntf_kind {
	NTF_TRANSITION = 1,
	NTF_RX_LOWER_PRI,
};

/*
 * Name of a key ("notify_master", ..., "notify").
 * Returns: the name, or "?" when k is out of range.
 */
const char	*ntf_key_name(enum ntf_key k);

/*
 * Look a configuration key up.
 * Returns: the key, or -1 when key is not a script key.
 */
int		 ntf_key_lookup(const char *key);

/*
 * The state-specific key of a target state.
 * Returns: NTF_K_MASTER..NTF_K_STOP, or -1 (INIT has none).
 */
int		 ntf_key_for_state(enum fipd_state s);

/* "MASTER", "BACKUP", "FAULT", "STOP", "INIT"; "?" when unknown. */
const char	*ntf_state_str(enum fipd_state s);

/*
 * Parse notify_timeout: seconds with up to three decimals, within
 * NTF_TIMEOUT_MIN_MS..NTF_TIMEOUT_MAX_MS.
 *   s: the text
 *   ms: receives milliseconds
 *   err, errlen: message on failure
 * Returns: 0, or -1 with err filled.
 */
int		 ntf_parse_timeout(const char *s, unsigned int *ms, char *err,
		    size_t errlen);

/*
 * Split a configured command into words like a shell would, without any
 * expansion: blanks separate words, '...' quotes literally, "..." quotes
 * with \" \\ \$ \` escapes, \x outside quotes is x.  Control characters
 * are refused.
 *   s: the command (at most NTF_CMD_MAX bytes)
 *   words: receives a NULL-terminated, allocated vector (ntf_strv_free)
 *   err, errlen: message on failure
 * Returns: the number of words (>= 1), or -1 with err filled.
 */
int		 ntf_split(const char *s, char ***words, char *err,
		    size_t errlen);

/* Free a NULL-terminated vector of strings (NULL is fine). */
void		 ntf_strv_free(char **v);

/* What a run is told about the transition (or event). */
struct ntf_info {
	const char	*instance;	/* section name */
	const char	*ifname;
	unsigned int	 vrid;
	enum fipd_state	 from;
	enum fipd_state	 to;
	int		 priority;	/* effective, at the change */
	uint64_t	 seq;		/* of the transition */
	const char	*vips;		/* space separated, no prefix */
	const char	*reason;	/* may be NULL */
	enum ntf_kind	 kind;
};

/*
 * Build a run's argv as keepalived does (vrrp_notify.c): for the generic
 * `notify` the configured words, then the four arguments INSTANCE NAME
 * STATE PRIORITY; for every other key (notify_master, notify_backup,
 * notify_fault, notify_stop, notify_master_rx_lower_pri) the configured
 * words alone.
 *   words: the configured command, NULL-terminated
 *   key: the key the command comes from
 *   info: the transition
 * Returns: an allocated vector (ntf_strv_free), or NULL (out of memory).
 */
char		**ntf_argv_build(char *const *words, enum ntf_key key,
		    const struct ntf_info *info);

/*
 * Build a run's environment: PATH=NTF_PATH and FIPD_INSTANCE,
 * FIPD_STATE, FIPD_PREV_STATE, FIPD_VRID, FIPD_INTERFACE, FIPD_VIPS,
 * FIPD_SEQ, FIPD_PRIORITY, FIPD_EVENT (TRANSITION or
 * MASTER_RX_LOWER_PRI) and FIPD_REASON; nothing else.
 * Returns: an allocated vector (ntf_strv_free), or NULL (out of memory).
 */
char		**ntf_env_build(const struct ntf_info *info);

/*
 * Format addresses for FIPD_VIPS: "192.0.2.100 2001:db8::1".
 * Returns: an allocated string ("" when n is 0), or NULL.
 */
char		*ntf_vips_str(const struct fipd_addr *vips, size_t n);

/* One script execution of an item. */
struct ntf_run {
	char		**argv;
	enum ntf_key	 key;
};

/* What one transition asks for. */
struct ntf_item {
	TAILQ_ENTRY(ntf_item) entry;
	enum ntf_kind	 kind;
	uint64_t	 seq;
	enum fipd_state	 to;
	char		**envp;
	struct ntf_run	 runs[2];
	size_t		 nruns;
	size_t		 next;		/* index of the next run to start */
	unsigned int	 timeout_ms;
	uid_t		 uid;		/* script_user at the transition */
	gid_t		 gid;
	int		 setuser;	/* switch to uid/gid (fipd is root) */
	int		 started;	/* a run of it was started */
};
TAILQ_HEAD(ntf_itemq, ntf_item);

/* An instance's items, in transition order. */
struct ntf_queue {
	struct ntf_itemq items;
	size_t		 npending;	/* items not started */
};

void		 ntf_queue_init(struct ntf_queue *q);

/*
 * Append an item, applying the collapse rules:
 *  1. a transition makes every pending lower-priority hook item stale:
 *     they are dropped;
 *  2. a lower-priority hook item is dropped itself when one is pending
 *     already;
 *  3. when NTF_QUEUE_MAX transitions are pending, they are all dropped
 *     before the new one is appended: the newest transition is never
 *     dropped and the order of what runs is the order of transitions.
 * The started head item is never touched.
 *   q: the queue
 *   it: the new item (owned by the queue, or moved to dropped)
 *   dropped: receives the dropped items, oldest first (caller frees)
 */
void		 ntf_queue_push(struct ntf_queue *q, struct ntf_item *it,
		    struct ntf_itemq *dropped);

/*
 * Drop the pending lower-priority hook items (rule 1 of ntf_queue_push,
 * for a transition that runs no script).
 *   dropped: receives the dropped items, oldest first (caller frees)
 */
void		 ntf_queue_drop_hooks(struct ntf_queue *q,
		    struct ntf_itemq *dropped);

/*
 * Remove every item, the started one too (the daemon exits).
 *   dropped: receives them, oldest first (caller frees)
 */
void		 ntf_queue_clear(struct ntf_queue *q, struct ntf_itemq *dropped);

/*
 * Keep only the newest pending item (an instance stops: its final STOP
 * item supersedes what was still waiting).
 *   dropped: receives the dropped items, oldest first (caller frees)
 */
void		 ntf_queue_trim(struct ntf_queue *q, struct ntf_itemq *dropped);

/*
 * The item whose next run should start, or NULL when the queue is empty.
 * Marks it started (and no longer pending).
 */
struct ntf_item	*ntf_queue_start(struct ntf_queue *q);

/*
 * The head run finished: advance.  When the head item has no run left it
 * is removed from the queue and returned for freeing.
 * Returns: the finished item, or NULL when it has runs left.
 */
struct ntf_item	*ntf_queue_done(struct ntf_queue *q);

/* Free an item and its vectors (NULL is fine). */
void		 ntf_item_free(struct ntf_item *it);

/* Free every item of a list. */
void		 ntf_itemq_free(struct ntf_itemq *l);

/* A run's deadline: timeout, then SIGTERM, grace, SIGKILL, grace. */
enum ntf_phase {
	NTF_P_RUN = 0,		/* within notify_timeout */
	NTF_P_TERM,		/* SIGTERM sent */
	NTF_P_KILL,		/* SIGKILL sent */
	NTF_P_GONE,		/* gave up waiting */
};

enum ntf_act {
	NTF_A_NONE = 0,		/* not due yet */
	NTF_A_TERM,		/* send SIGTERM to the process group */
	NTF_A_KILL,		/* send SIGKILL to the process group */
	NTF_A_ABANDON,		/* stop waiting for it */
};

struct ntf_clock {
	enum ntf_phase	 phase;
	uint64_t	 deadline;	/* monotonic, microseconds */
};

/* Start the clock of a run at now. */
void		 ntf_clock_start(struct ntf_clock *c, uint64_t now,
		    unsigned int timeout_ms);

/*
 * What to do at `now`.  When the deadline has passed, moves to the next
 * phase, sets the next deadline (now + grace) and returns the action.
 * Returns: an action; NTF_A_NONE also after NTF_P_GONE.
 */
enum ntf_act	 ntf_clock_step(struct ntf_clock *c, uint64_t now,
		    uint64_t grace_us);

/* Output of one run, split into bounded, printable lines. */
struct ntf_out {
	char		 line[NTF_LINE_MAX + 1];
	size_t		 len;		/* bytes in line */
	size_t		 logged;	/* bytes passed to the callback */
	size_t		 dropped;	/* bytes not passed (over budget) */
	int		 cut;		/* skipping the rest of a long line */
};

typedef void ntf_line_fn(void *arg, const char *line);

/*
 * Feed output bytes.  Complete lines go to fn (without the newline,
 * carriage returns removed, other control characters as '?'); a line
 * longer than NTF_LINE_MAX is passed cut, and the rest of it skipped.
 * After NTF_OUT_MAX bytes are logged the remainder is only counted.
 */
void		 ntf_out_feed(struct ntf_out *o, const char *buf, size_t n,
		    ntf_line_fn *fn, void *arg);

/* The run ended: pass an unterminated last line. */
void		 ntf_out_flush(struct ntf_out *o, ntf_line_fn *fn, void *arg);

/* Who a script is checked against. */
struct ntf_who {
	uid_t		 uid;		/* script_user */
	gid_t		 gid;		/* its primary group */
	uid_t		 self;		/* fipd's own euid */
	const char	*name;		/* script_user, for messages */
};

/*
 * Judge one element of a script's path from its stat(2): the script
 * itself (is_dir = 0) or a directory above it (is_dir = 1).  Refused:
 * not a regular file (or directory); owned by anyone but root, the
 * script user or (when fipd is not root) fipd's own user; writable by
 * group or others (a directory only when not sticky); not executable
 * (searchable) by the script user, whose supplementary groups are
 * dropped.
 *   st: the stat
 *   is_dir: which of the two
 *   who: the script user
 *   why, whylen: the reason, e.g. "writable by group and others (mode
 *       0777)"
 * Returns: 0 acceptable, -1 refused with why filled.
 */
int		 ntf_judge(const struct stat *st, int is_dir,
		    const struct ntf_who *who, char *why, size_t whylen);

#endif /* FIPD_NTF_H */
