/*
 * action_notify: pure helpers (see ntf.h).  No I/O, no clock, no
 * process here: everything is tested by t/check_notify_unit.c.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntf.h"

#define NTF_ENV_N	12	/* variables built by ntf_env_build */

static const char *const ntf_keys[NTF_K_MAX] = {
	[NTF_K_MASTER] = "notify_master",
	[NTF_K_BACKUP] = "notify_backup",
	[NTF_K_FAULT] = "notify_fault",
	[NTF_K_STOP] = "notify_stop",
	[NTF_K_RXLP] = "notify_master_rx_lower_pri",
	[NTF_K_ANY] = "notify",
};

static char	*ntf_kv(const char *, const char *);
static int	 ntf_strv_push(char ***, size_t *, size_t *, const char *,
		    size_t);
static void	 ntf_out_emit(struct ntf_out *, ntf_line_fn *, void *);
static int	 ntf_may_x(const struct stat *, const struct ntf_who *);

const char *
ntf_key_name(enum ntf_key k)
{
	if ((int)k < 0 || k >= NTF_K_MAX)
		return ("?");
	return (ntf_keys[k]);
}

int
ntf_key_lookup(const char *key)
{
	int	 k;

	for (k = 0; k < NTF_K_MAX; k++)
		if (strcmp(key, ntf_keys[k]) == 0)
			return (k);
	return (-1);
}

int
ntf_key_for_state(enum fipd_state s)
{
	switch (s) {
	case FIPD_STATE_MASTER:
		return (NTF_K_MASTER);
	case FIPD_STATE_BACKUP:
		return (NTF_K_BACKUP);
	case FIPD_STATE_FAULT:
		return (NTF_K_FAULT);
	case FIPD_STATE_STOP:
		return (NTF_K_STOP);
	default:
		return (-1);
	}
}

const char *
ntf_state_str(enum fipd_state s)
{
	switch (s) {
	case FIPD_STATE_INIT:
		return ("INIT");
	case FIPD_STATE_BACKUP:
		return ("BACKUP");
	case FIPD_STATE_MASTER:
		return ("MASTER");
	case FIPD_STATE_FAULT:
		return ("FAULT");
	case FIPD_STATE_STOP:
		return ("STOP");
	default:
		return ("?");
	}
}

int
ntf_parse_timeout(const char *s, unsigned int *ms, char *err, size_t errlen)
{
	const char	*p = s;
	uint64_t	 v = 0;
	int		 ndig = 0, dec = 0;

	/* Integer part, saturated well above the maximum. */
	for (; *p >= '0' && *p <= '9'; p++, ndig++)
		if (v <= NTF_TIMEOUT_MAX_MS)
			v = v * 10 + (uint64_t)(*p - '0');
	v *= 1000;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && dec < 3; p++, dec++) {
			v += (uint64_t)(*p - '0') * (dec == 0 ? 100 :
			    dec == 1 ? 10 : 1);
			ndig++;
		}
	if (ndig == 0 || *p != '\0') {
		snprintf(err, errlen, "'%s' is not a number of seconds (e.g. "
		    "5 or 0.5, at most three decimals)", s);
		return (-1);
	}
	if (v < NTF_TIMEOUT_MIN_MS || v > NTF_TIMEOUT_MAX_MS) {
		snprintf(err, errlen, "%s s is out of range (%d.%d to %d s)",
		    s, NTF_TIMEOUT_MIN_MS / 1000, NTF_TIMEOUT_MIN_MS % 1000 /
		    100, NTF_TIMEOUT_MAX_MS / 1000);
		return (-1);
	}
	*ms = (unsigned int)v;
	return (0);
}

void
ntf_strv_free(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Append a copy of s[0..len) to *v (n used, cap allocated). */
static int
ntf_strv_push(char ***v, size_t *n, size_t *cap, const char *s, size_t len)
{
	char	**nv, *c;

	if (*n + 2 > *cap) {
		if ((nv = reallocarray(*v, *cap + 8, sizeof(*nv))) == NULL)
			return (-1);
		*v = nv;
		*cap += 8;
	}
	if ((c = malloc(len + 1)) == NULL)
		return (-1);
	memcpy(c, s, len);
	c[len] = '\0';
	(*v)[(*n)++] = c;
	(*v)[*n] = NULL;
	return (0);
}

int
ntf_split(const char *s, char ***words, char *err, size_t errlen)
{
	char	**v = NULL, *w;
	size_t	 n = 0, cap = 0, wl = 0, len;
	int	 inword = 0, rc = -1;
	char	 q = 0;

	*words = NULL;
	len = strlen(s);
	if (len > NTF_CMD_MAX) {
		snprintf(err, errlen, "command longer than %d bytes",
		    NTF_CMD_MAX);
		return (-1);
	}
	/* A word is never longer than the command. */
	if ((w = malloc(len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t') {
			snprintf(err, errlen, "control character in command");
			goto out;
		}
		if (q == '\'') {
			if (*s == '\'')
				q = 0;
			else
				w[wl++] = *s;
			continue;
		}
		if (q == '"') {
			if (*s == '"')
				q = 0;
			else if (*s == '\\' && s[1] != '\0' &&
			    strchr("\"\\$`", s[1]) != NULL)
				w[wl++] = *++s;
			else
				w[wl++] = *s;
			continue;
		}
		if (*s == ' ' || *s == '\t') {
			if (inword) {
				if (n >= NTF_WORDS_MAX) {
					snprintf(err, errlen, "more than %d "
					    "words in command", NTF_WORDS_MAX);
					goto out;
				}
				if (ntf_strv_push(&v, &n, &cap, w, wl) == -1)
					goto oom;
				wl = 0;
				inword = 0;
			}
			continue;
		}
		inword = 1;
		if (*s == '\'' || *s == '"')
			q = *s;
		else if (*s == '\\') {
			if (s[1] == '\0') {
				snprintf(err, errlen, "trailing backslash in "
				    "command");
				goto out;
			}
			w[wl++] = *++s;
		} else
			w[wl++] = *s;
	}
	if (q != 0) {
		snprintf(err, errlen, "unterminated %c quote in command", q);
		goto out;
	}
	if (inword) {
		if (n >= NTF_WORDS_MAX) {
			snprintf(err, errlen, "more than %d words in command",
			    NTF_WORDS_MAX);
			goto out;
		}
		if (ntf_strv_push(&v, &n, &cap, w, wl) == -1)
			goto oom;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		goto out;
	}
	*words = v;
	v = NULL;
	rc = (int)n;
	goto out;
 oom:
	snprintf(err, errlen, "out of memory");
 out:
	free(w);
	ntf_strv_free(v);
	return (rc);
}

char **
ntf_argv_build(char *const *words, enum ntf_key key,
    const struct ntf_info *info)
{
	char	**v = NULL, prio[16];
	size_t	 n = 0, cap = 0, i, ntail;
	const char *tail[4];

	snprintf(prio, sizeof(prio), "%d", info->priority);
	tail[0] = "INSTANCE";
	tail[1] = info->instance;
	tail[2] = ntf_state_str(info->to);
	tail[3] = prio;
	for (i = 0; words[i] != NULL; i++)
		if (ntf_strv_push(&v, &n, &cap, words[i],
		    strlen(words[i])) == -1)
			goto fail;
	/* keepalived appends them to `notify` only. */
	ntail = key == NTF_K_ANY ? 4 : 0;
	for (i = 0; i < ntail; i++)
		if (ntf_strv_push(&v, &n, &cap, tail[i], strlen(tail[i])) ==
		    -1)
			goto fail;
	return (v);
 fail:
	ntf_strv_free(v);
	return (NULL);
}

/* "NAME=value", allocated. */
static char *
ntf_kv(const char *name, const char *value)
{
	char	*s;
	size_t	 nl = strlen(name), vl = strlen(value);

	if ((s = malloc(nl + vl + 2)) == NULL)
		return (NULL);
	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, vl + 1);
	return (s);
}

char **
ntf_env_build(const struct ntf_info *info)
{
	char	**v, vrid[8], seq[24], prio[16];
	size_t	 i = 0;

	if ((v = calloc(NTF_ENV_N + 1, sizeof(*v))) == NULL)
		return (NULL);
	snprintf(vrid, sizeof(vrid), "%u", info->vrid);
	snprintf(seq, sizeof(seq), "%" PRIu64, info->seq);
	snprintf(prio, sizeof(prio), "%d", info->priority);
	if ((v[i++] = ntf_kv("PATH", NTF_PATH)) == NULL ||
	    (v[i++] = ntf_kv("FIPD_INSTANCE", info->instance)) == NULL ||
	    (v[i++] = ntf_kv("FIPD_STATE", ntf_state_str(info->to))) ==
	    NULL ||
	    (v[i++] = ntf_kv("FIPD_PREV_STATE", ntf_state_str(info->from))) ==
	    NULL ||
	    (v[i++] = ntf_kv("FIPD_VRID", vrid)) == NULL ||
	    (v[i++] = ntf_kv("FIPD_INTERFACE", info->ifname)) == NULL ||
	    (v[i++] = ntf_kv("FIPD_VIPS", info->vips)) == NULL ||
	    (v[i++] = ntf_kv("FIPD_SEQ", seq)) == NULL ||
	    (v[i++] = ntf_kv("FIPD_PRIORITY", prio)) == NULL ||
	    (v[i++] = ntf_kv("FIPD_EVENT", info->kind == NTF_RX_LOWER_PRI ?
	    "MASTER_RX_LOWER_PRI" : "TRANSITION")) == NULL ||
	    (v[i++] = ntf_kv("FIPD_REASON", info->reason != NULL ?
	    info->reason : "")) == NULL) {
		ntf_strv_free(v);
		return (NULL);
	}
	return (v);
}

char *
ntf_vips_str(const struct fipd_addr *vips, size_t n)
{
	char	*s, *p;
	size_t	 i;

	/* Each address with its separator fits INET6_ADDRSTRLEN. */
	if ((s = calloc(n + 1, INET6_ADDRSTRLEN)) == NULL)
		return (NULL);
	p = s;
	for (i = 0; i < n; i++) {
		if (p != s)
			*p++ = ' ';
		if (inet_ntop(vips[i].family, vips[i].u.raw, p,
		    INET6_ADDRSTRLEN) == NULL) {
			strcpy(p, "?");
		}
		p += strlen(p);
	}
	return (s);
}

void
ntf_queue_init(struct ntf_queue *q)
{
	TAILQ_INIT(&q->items);
	q->npending = 0;
}

void
ntf_queue_drop_hooks(struct ntf_queue *q, struct ntf_itemq *dropped)
{
	struct ntf_item	*p, *tmp;

	TAILQ_FOREACH_SAFE(p, &q->items, entry, tmp) {
		if (p->started || p->kind != NTF_RX_LOWER_PRI)
			continue;
		TAILQ_REMOVE(&q->items, p, entry);
		q->npending--;
		TAILQ_INSERT_TAIL(dropped, p, entry);
	}
}

void
ntf_queue_clear(struct ntf_queue *q, struct ntf_itemq *dropped)
{
	struct ntf_item	*p;

	while ((p = TAILQ_FIRST(&q->items)) != NULL) {
		TAILQ_REMOVE(&q->items, p, entry);
		TAILQ_INSERT_TAIL(dropped, p, entry);
	}
	q->npending = 0;
}

void
ntf_queue_push(struct ntf_queue *q, struct ntf_item *it,
    struct ntf_itemq *dropped)
{
	struct ntf_item	*p, *tmp;
	size_t		 ntrans = 0;

	if (it->kind == NTF_RX_LOWER_PRI) {
		/* Rule 2: one pending hook is enough. */
		TAILQ_FOREACH(p, &q->items, entry)
			if (!p->started && p->kind == NTF_RX_LOWER_PRI) {
				TAILQ_INSERT_TAIL(dropped, it, entry);
				return;
			}
	} else {
		/* Rule 1: a transition makes pending hooks stale. */
		ntf_queue_drop_hooks(q, dropped);
		TAILQ_FOREACH(p, &q->items, entry)
			if (!p->started)
				ntrans++;
	}
	if (ntrans >= NTF_QUEUE_MAX) {
		/* Rule 3: collapse to the newest transition. */
		TAILQ_FOREACH_SAFE(p, &q->items, entry, tmp) {
			if (p->started)
				continue;
			TAILQ_REMOVE(&q->items, p, entry);
			q->npending--;
			TAILQ_INSERT_TAIL(dropped, p, entry);
		}
	}
	it->started = 0;
	it->next = 0;
	TAILQ_INSERT_TAIL(&q->items, it, entry);
	q->npending++;
}

void
ntf_queue_trim(struct ntf_queue *q, struct ntf_itemq *dropped)
{
	struct ntf_item	*p, *tmp, *last;

	last = TAILQ_LAST(&q->items, ntf_itemq);
	TAILQ_FOREACH_SAFE(p, &q->items, entry, tmp) {
		if (p->started || p == last)
			continue;
		TAILQ_REMOVE(&q->items, p, entry);
		q->npending--;
		TAILQ_INSERT_TAIL(dropped, p, entry);
	}
}

struct ntf_item *
ntf_queue_start(struct ntf_queue *q)
{
	struct ntf_item	*it;

	if ((it = TAILQ_FIRST(&q->items)) == NULL)
		return (NULL);
	if (!it->started) {
		it->started = 1;
		q->npending--;
	}
	return (it);
}

struct ntf_item *
ntf_queue_done(struct ntf_queue *q)
{
	struct ntf_item	*it;

	if ((it = TAILQ_FIRST(&q->items)) == NULL)
		return (NULL);
	if (it->next < it->nruns)
		it->next++;
	if (it->next < it->nruns)
		return (NULL);
	TAILQ_REMOVE(&q->items, it, entry);
	if (!it->started)
		q->npending--;
	return (it);
}

void
ntf_item_free(struct ntf_item *it)
{
	size_t	 i;

	if (it == NULL)
		return;
	for (i = 0; i < it->nruns; i++)
		ntf_strv_free(it->runs[i].argv);
	ntf_strv_free(it->envp);
	free(it);
}

void
ntf_itemq_free(struct ntf_itemq *l)
{
	struct ntf_item	*it;

	while ((it = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, it, entry);
		ntf_item_free(it);
	}
}

void
ntf_clock_start(struct ntf_clock *c, uint64_t now, unsigned int timeout_ms)
{
	c->phase = NTF_P_RUN;
	c->deadline = now + (uint64_t)timeout_ms * 1000;
}

enum ntf_act
ntf_clock_step(struct ntf_clock *c, uint64_t now, uint64_t grace_us)
{
	if (c->phase == NTF_P_GONE || now < c->deadline)
		return (NTF_A_NONE);
	c->deadline = now + grace_us;
	switch (c->phase) {
	case NTF_P_RUN:
		c->phase = NTF_P_TERM;
		return (NTF_A_TERM);
	case NTF_P_TERM:
		c->phase = NTF_P_KILL;
		return (NTF_A_KILL);
	default:
		c->phase = NTF_P_GONE;
		return (NTF_A_ABANDON);
	}
}

static void
ntf_out_emit(struct ntf_out *o, ntf_line_fn *fn, void *arg)
{
	o->line[o->len] = '\0';
	if (o->logged < NTF_OUT_MAX) {
		fn(arg, o->line);
		o->logged += o->len + 1;
	} else
		o->dropped += o->len + 1;
	o->len = 0;
}

void
ntf_out_feed(struct ntf_out *o, const char *buf, size_t n, ntf_line_fn *fn,
    void *arg)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)buf[i];
		if (c == '\n') {
			if (o->cut)
				o->cut = 0;
			else
				ntf_out_emit(o, fn, arg);
			continue;
		}
		if (o->cut) {
			o->dropped++;
			continue;
		}
		if (c == '\r')
			continue;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			c = '?';
		o->line[o->len++] = (char)c;
		if (o->len == NTF_LINE_MAX) {
			ntf_out_emit(o, fn, arg);
			o->cut = 1;
		}
	}
}

void
ntf_out_flush(struct ntf_out *o, ntf_line_fn *fn, void *arg)
{
	if (o->len > 0)
		ntf_out_emit(o, fn, arg);
	o->cut = 0;
}

/* Execute (search) permission for the script user, groups dropped. */
static int
ntf_may_x(const struct stat *st, const struct ntf_who *who)
{
	if (who->uid == 0)
		return ((st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0);
	if (st->st_uid == who->uid)
		return ((st->st_mode & S_IXUSR) != 0);
	if (st->st_gid == who->gid)
		return ((st->st_mode & S_IXGRP) != 0);
	return ((st->st_mode & S_IXOTH) != 0);
}

int
ntf_judge(const struct stat *st, int is_dir, const struct ntf_who *who,
    char *why, size_t whylen)
{
	mode_t	 w = st->st_mode & (S_IWGRP | S_IWOTH);
	unsigned int mode = (unsigned int)(st->st_mode & 07777);

	if (is_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "not a %s", is_dir ? "directory" :
		    "regular file");
		return (-1);
	}
	if (st->st_uid != 0 && st->st_uid != who->uid &&
	    (who->self == 0 || st->st_uid != who->self)) {
		snprintf(why, whylen, "owned by uid %u, neither root nor "
		    "script_user %s", (unsigned int)st->st_uid, who->name);
		return (-1);
	}
	/*
	 * In a sticky directory (like /tmp) others may add entries but not
	 * replace ours; what lies below is judged on its own.
	 */
	if (w != 0 && !(is_dir && (st->st_mode & S_ISVTX) != 0)) {
		snprintf(why, whylen, "writable by %s (mode %04o)",
		    w == (S_IWGRP | S_IWOTH) ? "group and others" :
		    w == S_IWGRP ? "group" : "others", mode);
		return (-1);
	}
	if (!ntf_may_x(st, who)) {
		snprintf(why, whylen, "not %s by script_user %s (mode %04o)",
		    is_dir ? "searchable" : "executable", who->name, mode);
		return (-1);
	}
	return (0);
}
