/*
 * Configuration: INI (inih) -> validated struct cfg, driven by key tables.
 *
 * Two passes.  inih first reads every line; our reader counts lines
 * (Debian's inih has no INI_HANDLER_LINENO) and files each key under its
 * section, found by a hash of canonical section names.  Then [global] is
 * applied (it names plugin_dir), plugins are loaded, and each section is
 * parsed once by its table (global_keys[], check_keys[], instance_keys[]):
 * a table entry gives the key's type, range, whether it repeats, what a
 * reload does with it, and where the value lands.  Keys a table does not
 * know go to the plugins (check sections to their `type`, instance keys
 * to the action plugins).  Every error is reported as FILE:LINE, all of
 * them, and the whole config is refused if there is one: nothing is
 * half-applied.  Everything is linear in the number of lines (hashes for
 * section and check names, a sort for VRID clashes).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "fipd.h"
#include "pconf.h"

#define CFG_LINE_MAX 4096

/* One `key = value` line. */
struct ent {
	char *key;
	char *value;
	int line;
};

/* One section, its lines in file order. */
struct sect {
	char *name;		/* canonical: "instance VI_1" */
	int line;
	int dup;		/* a second header of an earlier section */
	struct ent *ents;
	size_t n_ents, cap_ents;
};

/* One file being read; the root is in[0], includes above it. */
#define CFG_INCLUDE_DEPTH 8
struct input {
	char *text;		/* owned (NULL: the caller's string) */
	const char *buf;
	size_t len, pos;
	int file;		/* index in cfg->files */
	int fline;		/* lines read from it so far */
	char **pend;		/* the matches of its include to read next */
	size_t n_pend, i_pend;
	int inc_line;		/* the include line, for errors */
};

/* Where the entries' strings live: freed at once with the loader. */
struct strchunk {
	struct strchunk *next;
	size_t used, cap;
	char buf[];
};
#define STRCHUNK_SIZE	(64 * 1024)
/* A configuration file is read whole: refuse one beyond this. */
#define CFG_FILE_MAX	(64 * 1024 * 1024)

/* One error or warning, printed at the end of the load. */
struct cfg_msg {
	int line;
	size_t order;		/* among messages of one line */
	char *text;
};

struct loader {
	const char *name;	/* file name for messages */
	struct cfg_msg *msgs;
	size_t n_msgs;
	int keepalived_line;	/* a keepalived.conf construct, or 0 */
	char keepalived_text[48];
	FILE *errs;
	int nerr;
	int line;		/* lines read so far */
	struct sect **sects;	/* in file order */
	size_t n_sects, cap_sects;
	struct nhash sect_names;
	struct sect *cur;	/* the section keys go to */
	struct ent *outside;	/* keys before any section */
	size_t n_outside;
	struct nhash check_names;
	struct strchunk *strs;
	/* input: the file, then the files it includes (a stack) */
	struct input in[CFG_INCLUDE_DEPTH + 1];
	int depth;
	struct cfg *cfg;
};

static char default_plugin_dir[4096] = PKGLIBDIR;

static void cfg_err(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void msgs_free(struct loader *);
static void cfg_warn(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static char *locked_plugin_dir, *locked_actions;

void
cfg_lock_plugins(const char *dir, const char *actions)
{
	free(locked_plugin_dir);
	free(locked_actions);
	locked_plugin_dir = dir != NULL ? xstrdup(dir) : NULL;
	locked_actions = dir != NULL ? xstrdup(actions) : NULL;
}

/* Where this load may take plugins from. */
static const char *
plugin_dir_of(const struct cfg *c)
{
	return locked_plugin_dir != NULL ? locked_plugin_dir :
	    c->global.plugin_dir;
}

const char *
cfg_default_plugin_dir(void)
{
	return default_plugin_dir;
}

void
cfg_set_default_plugin_dir(const char *dir)
{
	snprintf(default_plugin_dir, sizeof(default_plugin_dir), "%s", dir);
}

/*
 * Messages are kept and printed sorted by line at the end of the load
 * (the passes find them out of order), each on one line with control
 * bytes shown as \xNN (a binary file must not write to the terminal).
 */
static void
msg_add(struct loader *ld, int line, const char *prefix, const char *fmt,
    va_list ap)
{
	char text[1024], *out;
	const unsigned char *c;
	size_t n = 0;
	struct cfg_msg *m;

	vsnprintf(text, sizeof(text), fmt, ap);
	out = xmalloc(strlen(text) * 4 + strlen(prefix) + 1);
	n = (size_t)sprintf(out, "%s", prefix);
	for (c = (const unsigned char *)text; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			n += (size_t)sprintf(out + n, "\\x%02x", *c);
		else
			out[n++] = (char)*c;
	out[n] = '\0';
	ld->msgs = xrealloc(ld->msgs, (ld->n_msgs + 1) * sizeof(*ld->msgs));
	m = &ld->msgs[ld->n_msgs];
	m->line = line;
	m->order = ld->n_msgs++;
	m->text = out;
}

static void
cfg_err(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	ld->nerr++;
	va_start(ap, fmt);
	msg_add(ld, line, "", fmt, ap);
	va_end(ap);
}

/* A remark that does not refuse the file: "FILE:LINE: warning: ...". */
static void
cfg_warn(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_add(ld, line, "warning: ", fmt, ap);
	va_end(ap);
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct cfg_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Print the messages by line (file-wide ones, line 0, first). */
/*
 * Write a message, its "line N)" references (lines numbered across the
 * included files) as the line in its file, or as FILE:LINE when that is
 * another file than the message's.
 */
static void
msg_write(struct loader *ld, const char *file, const char *t)
{
	const char *q, *f;
	char *end;
	long l;
	int fl;

	while ((q = strstr(t, "line ")) != NULL) {
		l = strtol(q + 5, &end, 10);
		if (end == q + 5 || *end != ')' || ld->cfg == NULL) {
			fwrite(t, 1, (size_t)(q + 5 - t), ld->errs);
			t = q + 5;
			continue;
		}
		fwrite(t, 1, (size_t)(q - t), ld->errs);
		f = cfg_where(ld->cfg, (int)l, &fl);
		if (strcmp(f, file) == 0)
			fprintf(ld->errs, "line %d", fl);
		else
			fprintf(ld->errs, "%s:%d", f, fl);
		t = end;
	}
	fputs(t, ld->errs);
}

static void
msgs_print(struct loader *ld)
{
	const char *file;
	size_t i;
	int fl;

	if (ld->errs == NULL || ld->n_msgs == 0)
		return;
	qsort(ld->msgs, ld->n_msgs, sizeof(*ld->msgs), msg_cmp);
	for (i = 0; i < ld->n_msgs; i++) {
		if (ld->msgs[i].line > 0 && ld->cfg != NULL) {
			file = cfg_where(ld->cfg, ld->msgs[i].line, &fl);
			fprintf(ld->errs, "%s:%d: ", file, fl);
		} else {
			file = ld->name;
			fprintf(ld->errs, "%s: ", file);
		}
		msg_write(ld, file, ld->msgs[i].text);
		fputc('\n', ld->errs);
	}
}

/* ----------------------------------------------------------- raw pass */

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * The canonical form of a section header: "instance  VI " and
 * "instance VI" name the same section, so that a duplicate is found
 * (and a reload does not see two sections where there is one).  Only
 * the space between the kind and the name, and around both, is
 * dropped: a name with inner spaces stays invalid.
 */
static void
section_canon(const char *in, char *out, size_t outlen)
{
	char buf[CFG_LINE_MAX], *s, *name;

	snprintf(buf, sizeof(buf), "%s", in);
	s = trim(buf);
	name = s + strcspn(s, " \t");
	if (*name == '\0') {
		snprintf(out, outlen, "%s", s);
		return;
	}
	*name++ = '\0';
	snprintf(out, outlen, "%s %s", s, trim(name));
}


/* ---------------------------------------------------------- raw pass */

/* A copy of s in the loader's string chunks (one malloc per 64 KiB). */
static char *
ld_strdup(struct loader *ld, const char *s)
{
	struct strchunk *c = ld->strs;
	size_t n = strlen(s) + 1, cap;

	if (c == NULL || c->cap - c->used < n) {
		cap = n > STRCHUNK_SIZE ? n : STRCHUNK_SIZE;
		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = ld->strs;
		ld->strs = c;
	}
	memcpy(c->buf + c->used, s, n);
	c->used += n;
	return c->buf + c->used - n;
}

static void
ent_add(struct loader *ld, struct ent **ents, size_t *n, size_t *cap,
    const char *key, const char *value, int line)
{
	struct ent *e;

	if (*n == *cap) {
		*cap = *cap == 0 ? 8 : 2 * *cap;
		*ents = xrealloc(*ents, *cap * sizeof(**ents));
	}
	e = &(*ents)[(*n)++];
	e->key = ld_strdup(ld, key);
	e->value = ld_strdup(ld, value);
	e->line = line;
}

/* Does a (trimmed) line look like keepalived.conf's syntax? */
static int
keepalived_syntax(const char *s)
{
	static const char *const words[] = { "vrrp_instance", "vrrp_script",
	    "vrrp_sync_group", "global_defs", "virtual_server",
	    "track_script", NULL };
	size_t i, n = strlen(s);

	if (strchr(s, '=') != NULL)
		return 0;
	if (n > 0 && (s[n - 1] == '{' || strcmp(s, "}") == 0))
		return 1;
	for (i = 0; words[i] != NULL; i++)
		if (strncmp(s, words[i], strlen(words[i])) == 0)
			return 1;
	return 0;
}

/* Inspect each physical line for section headers and syntax errors. */
static void
scan_line(struct loader *ld, const char *text, int line)
{
	char buf[CFG_LINE_MAX], *s, *e;
	struct sect *sc, *first;
	size_t n = strlen(text);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	s = trim(buf);
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		if ((e = strchr(s, ']')) == NULL) {
			cfg_err(ld, line, "section header without ']'");
			return;
		}
		*e = '\0';
		section_canon(s + 1, buf, sizeof(buf));
		sc = xcalloc(1, sizeof(*sc));
		sc->name = xstrdup(buf);
		sc->line = line;
		if ((first = nhash_get(&ld->sect_names, sc->name)) != NULL) {
			/* Its keys are kept apart and not applied. */
			cfg_err(ld, line, "duplicate section [%s] (first at "
			    "line %d)", sc->name, first->line);
			sc->dup = 1;
		} else
			nhash_put(&ld->sect_names, sc->name, sc);
		if (ld->n_sects == ld->cap_sects) {
			ld->cap_sects = ld->cap_sects == 0 ? 64 :
			    2 * ld->cap_sects;
			ld->sects = xrealloc(ld->sects, ld->cap_sects *
			    sizeof(*ld->sects));
		}
		ld->sects[ld->n_sects++] = sc;
		ld->cur = sc;
		return;
	}
	if (ld->keepalived_line == 0 && keepalived_syntax(s)) {
		ld->keepalived_line = line;
		snprintf(ld->keepalived_text, sizeof(ld->keepalived_text),
		    "%s", s);
	}
	if (strchr(s, '=') == NULL && strchr(s, ':') == NULL)
		cfg_err(ld, line, "syntax error: expected 'key = value'");
}

/* ------------------------------------------------------------ include */

static void pend_free(struct input *);
static char *slurp(const char *, size_t *, char *, size_t);

static int
file_add(struct cfg *c, const char *path)
{
	c->files = xrealloc(c->files, (c->n_files + 1) * sizeof(*c->files));
	c->files[c->n_files] = xstrdup(path);
	return (int)c->n_files++;
}

/* The lines from the next one on come from the current input. */
static void
lmap_mark(struct loader *ld)
{
	struct cfg *c = ld->cfg;
	const struct input *in = &ld->in[ld->depth];

	c->lmap = xrealloc(c->lmap, (c->n_lmap + 1) * sizeof(*c->lmap));
	c->lmap[c->n_lmap].gline = ld->line + 1;
	c->lmap[c->n_lmap].file = in->file;
	c->lmap[c->n_lmap].fline = in->fline + 1;
	c->n_lmap++;
}

const char *
cfg_where(const struct cfg *c, int gline, int *fline)
{
	size_t lo = 0, hi = c->n_lmap, mid;

	*fline = gline;
	if (c->n_lmap == 0 || gline <= 0)
		return c->path;
	/* The last stretch starting at or before gline. */
	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (c->lmap[mid].gline <= gline)
			lo = mid;
		else
			hi = mid;
	}
	*fline = c->lmap[lo].fline + (gline - c->lmap[lo].gline);
	return c->files[c->lmap[lo].file];
}

/* Read the next match of the include of in[depth], above it. */
static void
include_next(struct loader *ld)
{
	struct input *p = &ld->in[ld->depth], *in;
	char err[PATH_MAX + 128];
	const char *path;

	while (p->i_pend < p->n_pend) {
		path = p->pend[p->i_pend++];
		if (ld->depth == CFG_INCLUDE_DEPTH) {
			cfg_err(ld, p->inc_line, "include: nested more than %d "
			    "deep (does a file include itself?)",
			    CFG_INCLUDE_DEPTH);
			p->i_pend = p->n_pend;
			return;
		}
		in = &ld->in[ld->depth + 1];
		memset(in, 0, sizeof(*in));
		if ((in->text = slurp(path, &in->len, err, sizeof(err))) ==
		    NULL) {
			cfg_err(ld, p->inc_line, "include: %s", err);
			continue;
		}
		in->buf = in->text;
		in->file = file_add(ld->cfg, path);
		ld->depth++;
		lmap_mark(ld);
		return;
	}
}

/*
 * An "include = PATTERN" line: the files the pattern matches (glob,
 * relative to the including file's directory, sorted) are read in its
 * place.  A pattern without wildcards must name a file; one with
 * wildcards may match nothing (an empty conf.d).
 */
static void
include_line(struct loader *ld, const char *pattern)
{
	struct input *in = &ld->in[ld->depth];
	const char *cur = ld->cfg->files[in->file];
	char full[PATH_MAX];
	glob_t g;
	size_t i;
	int rc, d;

	if (*pattern == '\0') {
		cfg_err(ld, ld->line, "include: expected a file or a pattern");
		return;
	}
	if (pattern[0] == '/' || strrchr(cur, '/') == NULL)
		snprintf(full, sizeof(full), "%s", pattern);
	else
		snprintf(full, sizeof(full), "%.*s/%s",
		    (int)(strrchr(cur, '/') - cur), cur, pattern);
	memset(&g, 0, sizeof(g));
	rc = glob(full, GLOB_ERR, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		if (strpbrk(pattern, "*?[") == NULL)
			cfg_err(ld, ld->line, "include: %s: no such file", full);
		globfree(&g);
		return;
	}
	if (rc != 0) {
		cfg_err(ld, ld->line, "include: %s: cannot read the "
		    "directory", full);
		globfree(&g);
		return;
	}
	in->pend = xcalloc(g.gl_pathc + 1, sizeof(*in->pend));
	for (i = 0; i < g.gl_pathc; i++)
		in->pend[i] = xstrdup(g.gl_pathv[i]);
	in->n_pend = g.gl_pathc;
	in->i_pend = 0;
	in->inc_line = ld->line;
	globfree(&g);
	d = ld->depth;
	include_next(ld);
	if (ld->depth == d)	/* no match could be read */
		pend_free(in);
}

/* Is the (trimmed) line "include = PATTERN"?  Then the pattern. */
static const char *
include_pattern(char *s)
{
	char *e;

	if (strncmp(s, "include", 7) != 0)
		return NULL;
	for (e = s + 7; *e == ' ' || *e == '\t'; e++)
		;
	if (*e != '=')
		return NULL;
	return trim(e + 1);
}

static void
pend_free(struct input *in)
{
	size_t i;

	for (i = 0; i < in->n_pend; i++)
		free(in->pend[i]);
	free(in->pend);
	in->pend = NULL;
	in->n_pend = in->i_pend = 0;
}

/*
 * fgets-like reader for inih over the text read whole: counts lines,
 * scans them, follows includes, and refuses over-long lines instead of
 * letting them be split.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	struct input *in;
	const char *p, *nl, *pat;
	char buf[CFG_LINE_MAX];
	size_t n, len, cap = (size_t)num, i;
	int toolong = 0, d;

	if (cap < 2)
		return NULL;
	for (;;) {
		in = &ld->in[ld->depth];
		if (in->pos < in->len)
			break;
		if (ld->depth == 0)
			return NULL;
		/* An included file is over: the pattern's next match, or
		 * back to the includer. */
		free(in->text);
		memset(in, 0, sizeof(*in));
		d = --ld->depth;
		lmap_mark(ld);
		include_next(ld);
		if (ld->depth == d)	/* the pattern has no more */
			pend_free(&ld->in[d]);
	}
	p = in->buf + in->pos;
	nl = memchr(p, '\n', in->len - in->pos);
	len = nl != NULL ? (size_t)(nl - p) + 1 : in->len - in->pos;
	in->pos += len;
	n = len;
	if (n + 2 > cap) {
		n = cap - 2;
		toolong = 1;
	}
	memcpy(str, p, n);
	for (i = 0; i < n; i++)
		if (str[i] == '\0')
			str[i] = ' ';	/* NUL bytes would cut the line */
	str[n] = '\0';
	ld->line++;
	in->fline++;
	if (toolong) {
		cfg_err(ld, ld->line, "line longer than %d characters",
		    num - 3);
		str[0] = '\0';
		return str;
	}
	snprintf(buf, sizeof(buf), "%s", str);
	if ((pat = include_pattern(trim(buf))) != NULL) {
		include_line(ld, pat);
		str[0] = '\0';		/* inih sees a blank line */
		return str;
	}
	scan_line(ld, str, ld->line);
	return str;
}

/*
 * Keys go to the section our reader saw last (inih's own section name is
 * as written and cut at INI_MAX_SECTION; only "none yet" is taken from
 * it).
 */
static int
cfg_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct loader *ld = user;
	char buf[CFG_LINE_MAX], *h;
	size_t cap;
	int q = 0;

	if (value == NULL)
		value = "";
	/*
	 * A comment after a value starts with whitespace and '#' as with
	 * ';' (which inih removes), outside quotes: "100  # the master" is
	 * 100, not a value with a comment in it.
	 */
	snprintf(buf, sizeof(buf), "%s", value);
	for (h = buf; *h != '\0'; h++) {
		if (*h == '"' || *h == '\'')
			q = q == 0 ? *h : q == *h ? 0 : q;
		else if (*h == '#' && q == 0 && h > buf &&
		    (h[-1] == ' ' || h[-1] == '\t')) {
			*h = '\0';
			value = trim(buf);
			break;
		}
	}
	if (section[0] == '\0' || ld->cur == NULL) {
		cap = ld->n_outside;
		ent_add(ld, &ld->outside, &ld->n_outside, &cap, key, value,
		    ld->line);
		return 1;
	}
	ent_add(ld, &ld->cur->ents, &ld->cur->n_ents, &ld->cur->cap_ents,
	    key, value, ld->line);
	return 1;
}

/* ------------------------------------------------------ value parsers */

/* "192.0.2.1", "192.0.2.1/24", "2001:db8::1/64". */
static int
parse_addr(const char *v, int allow_prefix, struct fipd_addr *a)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long plen;

	memset(a, 0, sizeof(*a));
	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	if ((slash = strchr(buf, '/')) != NULL) {
		if (!allow_prefix)
			return -1;
		*slash++ = '\0';
	}
	if (inet_pton(AF_INET, buf, &a->u.v4) == 1) {
		a->family = AF_INET;
		a->prefixlen = 32;
	} else if (inet_pton(AF_INET6, buf, &a->u.v6) == 1) {
		a->family = AF_INET6;
		a->prefixlen = 128;
	} else
		return -1;
	if (slash != NULL) {
		if (pconf_parse_uint(slash, 0, a->family == AF_INET ? 32 : 128,
		    &plen) == -1)
			return -1;
		a->prefixlen = (uint8_t)plen;
	}
	return 0;
}

static int
valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.' && *s != ':' && *s != '@')
			return 0;
	return 1;
}

/* HOST:PORT with an IPv4 literal, [IPv6] literal or a name. */
static int
parse_hostport(const char *v)
{
	const char *colon;
	unsigned long port;
	char host[256];
	struct in6_addr a6;

	if (*v == '[') {
		const char *e = strchr(v, ']');

		if (e == NULL || e[1] != ':' || (size_t)(e - v - 1) >=
		    sizeof(host))
			return -1;
		memcpy(host, v + 1, (size_t)(e - v - 1));
		host[e - v - 1] = '\0';
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return -1;
		colon = e + 1;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL || colon == v ||
		    (size_t)(colon - v) >= sizeof(host))
			return -1;
		memcpy(host, v, (size_t)(colon - v));
		host[colon - v] = '\0';
		if (!valid_name(host, sizeof(host)) || strchr(host, ':'))
			return -1;
	}
	return pconf_parse_uint(colon + 1, 1, 65535, &port);
}


/* ------------------------------------------------------- key tables */

/* How a table key's value is read. */
enum ktype {
	KT_NAME,	/* valid_name() into char[size] */
	KT_IFNAME,	/* an interface name into char[size] */
	KT_BOOL,	/* yes|no|true|false|on|off|1|0 into int */
	KT_UINT,	/* decimal, min-max, into a field of `size` bytes */
	KT_INT,		/* signed decimal, min-max */
	KT_CS,		/* seconds with up to 2 decimals -> centiseconds */
	KT_ENUM,	/* one of enums[], case-insensitive */
	KT_FN,		/* set() parses, stores and reports */
};

/* How two parsed values of a key are compared (reload). */
enum kcmp {
	KC_AUTO,	/* by type: bytes of size, or a string */
	KC_BYTES,	/* size bytes at off */
	KC_STR,		/* NUL-terminated string at off */
	KC_LIST,	/* array pointer at off, count (size_t) at off_n */
	KC_NONE,	/* not a value of the struct (e.g. check type) */
};

/* Key flags. */
#define KF_REPEAT	0x01	/* may appear more than once (list) */
/*
 * A reload applies a change of this key to a running instance in place
 * (daemon.c inst_update): no restart, no transition.
 */
#define KF_INPLACE	0x02
/*
 * Identity of an instance: a change restarts it whatever the reload can
 * do in place (interface, VRID, version; the address family comes with
 * virtual_ipaddress).
 */
#define KF_IDENTITY	0x04

struct kenum {
	const char *name;
	int value;
};

struct pctx;
typedef void kset_fn(struct pctx *, void *base, const char *value);

struct key {
	const char *name;
	enum ktype type;
	unsigned int flags;
	long min, max;		/* KT_UINT, KT_INT, KT_CS (centiseconds) */
	size_t off, size;	/* where the value lands */
	const char *expect;	/* "expected ..." in messages */
	const struct kenum *enums;	/* KT_ENUM, NULL-terminated */
	kset_fn *set;		/* KT_FN */
	enum kcmp cmp;
	size_t off_n, elem;	/* KC_LIST */
};

/* What a setter needs: where it is and what the section saw so far. */
struct pctx {
	struct loader *ld;
	const struct key *k;
	int line;		/* of the key being set */
	const int *lines;	/* first line of each key of the table */
	int vip_family_line;	/* line that set the VIP family */
};

#define KNUM(n, t, fl, lo, hi, st, fld, ex) {				\
	.name = (n), .type = (t), .flags = (fl), .min = (lo), .max = (hi), \
	.off = offsetof(st, fld), .size = sizeof(((st *)0)->fld),	\
	.expect = (ex) }
#define KFN(n, fl, fn, c, st, fld) {					\
	.name = (n), .type = KT_FN, .flags = (fl), .set = (fn),		\
	.cmp = (c), .off = offsetof(st, fld),				\
	.size = sizeof(((st *)0)->fld) }
#define KLIST(n, fl, fn, st, fld, nfld) {				\
	.name = (n), .type = KT_FN, .flags = (fl) | KF_REPEAT,		\
	.set = (fn), .cmp = KC_LIST, .off = offsetof(st, fld),		\
	.off_n = offsetof(st, nfld), .elem = sizeof(*((st *)0)->fld) }

static void
store_num(void *p, size_t size, long v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	int32_t i32 = (int32_t)v;
	int64_t i64 = v;

	switch (size) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 2:
		memcpy(p, &u16, 2);
		break;
	case 4:
		memcpy(p, &i32, 4);
		break;
	case 8:
		memcpy(p, &i64, 8);
		break;
	default:
		fatalx("%s: field size %zu", __func__, size);
	}
}

/* Parse one value by its table entry; errors name the key's line. */
static void
key_set(struct pctx *pc, void *base, const char *v)
{
	const struct key *k = pc->k;
	char *field = (char *)base + k->off;
	unsigned long u;
	long l;
	int b;
	size_t i;

	switch (k->type) {
	case KT_NAME:
	case KT_IFNAME:
		if (!valid_name(v, k->size) ||
		    (k->type == KT_IFNAME && strchr(v, '/') != NULL)) {
			cfg_err(pc->ld, pc->line, "%s: invalid name '%s'",
			    k->name, v);
			return;
		}
		memset(field, 0, k->size);
		memcpy(field, v, strlen(v));
		return;
	case KT_BOOL:
		if (pconf_parse_bool(v, &b) == -1)
			break;
		store_num(field, k->size, b);
		return;
	case KT_UINT:
		if (pconf_parse_uint(v, (unsigned long)k->min, (unsigned long)k->max,
		    &u) == -1)
			break;
		store_num(field, k->size, (long)u);
		return;
	case KT_INT:
		if (pconf_parse_int(v, k->min, k->max, &l) == -1)
			break;
		store_num(field, k->size, l);
		return;
	case KT_CS:
		if (pconf_parse_cs(v, &u) == -1 || u < (unsigned long)k->min ||
		    u > (unsigned long)k->max)
			break;
		store_num(field, k->size, (long)u);
		return;
	case KT_ENUM:
		for (i = 0; k->enums[i].name != NULL; i++)
			if (strcasecmp(v, k->enums[i].name) == 0) {
				store_num(field, k->size, k->enums[i].value);
				return;
			}
		break;
	case KT_FN:
		k->set(pc, base, v);
		return;
	}
	cfg_err(pc->ld, pc->line, "%s: expected %s, got '%s'", k->name,
	    k->expect, v);
}

/*
 * Compare one key of two parsed structs.
 * Returns: 0 when equal.
 */
static int
key_cmp(const struct key *k, const void *a, const void *b)
{
	const char *fa = (const char *)a + k->off;
	const char *fb = (const char *)b + k->off;
	enum kcmp c = k->cmp;
	size_t na, nb;
	const void *pa, *pb;

	if (c == KC_AUTO)
		c = k->type == KT_NAME || k->type == KT_IFNAME ? KC_STR :
		    KC_BYTES;
	switch (c) {
	case KC_AUTO:
	case KC_BYTES:
		return memcmp(fa, fb, k->size);
	case KC_STR:
		return strcmp(fa, fb);
	case KC_LIST:
		memcpy(&na, (const char *)a + k->off_n, sizeof(na));
		memcpy(&nb, (const char *)b + k->off_n, sizeof(nb));
		memcpy(&pa, fa, sizeof(pa));
		memcpy(&pb, fb, sizeof(pb));
		if (na != nb)
			return 1;
		return na == 0 ? 0 : memcmp(pa, pb, na * k->elem);
	case KC_NONE:
		return 0;
	}
	return 1;
}

/* Index of key in a table of n entries, or -1. */
static int
key_find(const struct key *t, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, key) == 0)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------- [global] */

static void
set_router_id(struct pctx *pc, void *base, const char *v)
{
	struct cfg_global *g = base;

	if (!valid_name(v, sizeof(g->router_id)))
		cfg_err(pc->ld, pc->line, "router_id: '%s' is not a valid "
		    "name (letters, digits, _ - . : @; at most %zu)", v,
		    sizeof(g->router_id) - 1);
	else
		strcpy(g->router_id, v);
}

static void
set_plugin_dir(struct pctx *pc, void *base, const char *v)
{
	struct cfg_global *g = base;
	struct stat st;

	if (v[0] != '/' || strlen(v) >= sizeof(g->plugin_dir))
		cfg_err(pc->ld, pc->line, "plugin_dir: must be an absolute "
		    "path");
	else if (strchr(v, ':') == NULL &&
	    (stat(v, &st) == -1 || !S_ISDIR(st.st_mode)))
		cfg_err(pc->ld, pc->line, "plugin_dir: %s is not a "
		    "directory", v);
	else
		strcpy(g->plugin_dir, v);
}

static void
set_control_socket(struct pctx *pc, void *base, const char *v)
{
	struct cfg_global *g = base;

	if (v[0] != '/' || strlen(v) >= sizeof(g->control_socket))
		cfg_err(pc->ld, pc->line, "control_socket: must be an "
		    "absolute path shorter than %zu characters",
		    sizeof(g->control_socket));
	else
		strcpy(g->control_socket, v);
}

static void
set_script_user(struct pctx *pc, void *base, const char *v)
{
	struct cfg_global *g = base;

	if (!valid_name(v, sizeof(g->script_user)))
		cfg_err(pc->ld, pc->line, "script_user: '%s' is not a "
		    "valid user name", v);
	else if (getpwnam(v) == NULL)
		cfg_err(pc->ld, pc->line, "script_user: no such user '%s'",
		    v);
	else
		strcpy(g->script_user, v);
}

static void
set_metrics_listen(struct pctx *pc, void *base, const char *v)
{
	struct cfg_global *g = base;

	if (strlen(v) >= sizeof(g->metrics_listen) ||
	    parse_hostport(v) == -1)
		cfg_err(pc->ld, pc->line, "metrics_listen: expected "
		    "HOST:PORT (e.g. 127.0.0.1:9650 or [::1]:9650), "
		    "got '%s'", v);
	else
		strcpy(g->metrics_listen, v);
}

/* Names of action plugins, separated by spaces. */
static void
set_actions(struct pctx *pc, void *base, const char *v)
{
	struct cfg_global *g = base;
	const char *s;

	for (s = v; *s != '\0'; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '_' && *s != ' ' && *s != '\t')
			break;
	if (*s != '\0' || strlen(v) >= sizeof(g->actions))
		cfg_err(pc->ld, pc->line, "actions: expected plugin names "
		    "(lower case letters, digits, _) separated by spaces, "
		    "got '%s'", v);
	else
		strcpy(g->actions, v);
}

/* Changes of [global] take effect at the next restart (daemon.c). */
static const struct key global_keys[] = {
	KFN("router_id", 0, set_router_id, KC_STR, struct cfg_global,
	    router_id),
	KFN("plugin_dir", 0, set_plugin_dir, KC_STR, struct cfg_global,
	    plugin_dir),
	KFN("control_socket", 0, set_control_socket, KC_STR,
	    struct cfg_global, control_socket),
	KFN("script_user", 0, set_script_user, KC_STR, struct cfg_global,
	    script_user),
	KFN("metrics_listen", 0, set_metrics_listen, KC_STR,
	    struct cfg_global, metrics_listen),
	KFN("actions", 0, set_actions, KC_STR, struct cfg_global, actions),
};
#define N_GLOBAL_KEYS (sizeof(global_keys) / sizeof(global_keys[0]))

/* ------------------------------------------------------ [check NAME] */

/* `type` selects the plugin before the other keys are read. */
static void
set_nothing(struct pctx *pc, void *base, const char *v)
{
}

enum ckey {
	CK_TYPE, CK_INTERVAL, CK_TIMEOUT, CK_RISE, CK_FALL, CK_WEIGHT, CK_MAX
};

static const struct key check_keys[CK_MAX] = {
	[CK_TYPE] = KFN("type", 0, set_nothing, KC_NONE, struct cfg_check,
	    plug),
	[CK_INTERVAL] = KNUM("interval", KT_CS, 0, 1, 360000,
	    struct cfg_check, interval_cs, "seconds 0.01-3600"),
	[CK_TIMEOUT] = KNUM("timeout", KT_CS, 0, 1, 360000,
	    struct cfg_check, timeout_cs, "seconds 0.01-3600"),
	[CK_RISE] = KNUM("rise", KT_UINT, 0, 1, 100, struct cfg_check,
	    rise, "1-100"),
	[CK_FALL] = KNUM("fall", KT_UINT, 0, 1, 100, struct cfg_check,
	    fall, "1-100"),
	[CK_WEIGHT] = KNUM("weight", KT_INT, 0, -254, 254, struct cfg_check,
	    weight, "-254..254"),
};

/* ---------------------------------------------------- [instance NAME] */

enum ikey {
	IK_INTERFACE, IK_VRID, IK_PRIORITY, IK_STATE, IK_VERSION,
	IK_ADVERT_INT, IK_AUTH_PASS, IK_VIP, IK_SRC, IK_PEER, IK_PREEMPT,
	IK_PREEMPT_DELAY, IK_TRACK_CHECK, IK_TRACK_IF, IK_GARP_REPEAT,
	IK_GARP_REFRESH, IK_CSUM, IK_STRICT_TTL, IK_MAX
};

static void
set_auth_pass(struct pctx *pc, void *base, const char *v)
{
	struct cfg_instance *ci = base;

	if (strlen(v) == 0 || strlen(v) > VPKT_AUTH_LEN)
		cfg_err(pc->ld, pc->line, "auth_pass: 1-%d characters "
		    "(VRRPv2 PASS authentication)", VPKT_AUTH_LEN);
	else {
		memset(ci->auth_pass, 0, sizeof(ci->auth_pass));
		strcpy(ci->auth_pass, v);
	}
}

static void
set_vip(struct pctx *pc, void *base, const char *v)
{
	struct cfg_instance *ci = base;
	struct fipd_addr a;
	size_t i;

	if (parse_addr(v, 1, &a) == -1) {
		cfg_err(pc->ld, pc->line, "virtual_ipaddress: '%s' is not "
		    "an address[/prefix]", v);
		return;
	}
	if (ci->n_vips == CFG_MAX_VIPS) {
		cfg_err(pc->ld, pc->line, "virtual_ipaddress: at most %d",
		    CFG_MAX_VIPS);
		return;
	}
	if (ci->n_vips > 0 && a.family != ci->family) {
		cfg_err(pc->ld, pc->line, "virtual_ipaddress: %s mixes "
		    "IPv4 and IPv6 in one instance (line %d); use "
		    "one instance per family", v, pc->vip_family_line);
		return;
	}
	for (i = 0; i < ci->n_vips; i++)
		if (vpkt_addr_cmp(&a, &ci->vips[i]) == 0) {
			cfg_err(pc->ld, pc->line, "virtual_ipaddress: %s "
			    "listed twice", v);
			return;
		}
	if (ci->n_vips == 0) {
		ci->family = a.family;
		pc->vip_family_line = pc->line;
	}
	ci->vips = xrealloc(ci->vips, (ci->n_vips + 1) * sizeof(*ci->vips));
	ci->vips[ci->n_vips++] = a;
}

static void
set_src(struct pctx *pc, void *base, const char *v)
{
	struct cfg_instance *ci = base;
	struct fipd_addr a;

	if (parse_addr(v, 0, &a) == -1)
		cfg_err(pc->ld, pc->line, "unicast_src_ip: '%s' is not an "
		    "address", v);
	else {
		ci->src = a;
		ci->src_set = 1;
	}
}

static void
set_peer(struct pctx *pc, void *base, const char *v)
{
	struct cfg_instance *ci = base;
	struct fipd_addr a;

	if (parse_addr(v, 0, &a) == -1)
		cfg_err(pc->ld, pc->line, "unicast_peer: '%s' is not an "
		    "address", v);
	else if (ci->n_peers == CFG_MAX_PEERS)
		cfg_err(pc->ld, pc->line, "unicast_peer: at most %d",
		    CFG_MAX_PEERS);
	else {
		ci->peers = xrealloc(ci->peers, (ci->n_peers + 1) *
		    sizeof(*ci->peers));
		ci->peers[ci->n_peers++] = a;
	}
}

static void
set_track_check(struct pctx *pc, void *base, const char *v)
{
	struct cfg_instance *ci = base;

	if (!valid_name(v, FIPD_NAME_MAX))
		cfg_err(pc->ld, pc->line, "track_check: invalid name '%s'",
		    v);
	else if (ci->n_track_check == CFG_MAX_TRACK)
		cfg_err(pc->ld, pc->line, "track_check: at most %d",
		    CFG_MAX_TRACK);
	else {
		ci->track_check = xrealloc(ci->track_check,
		    (ci->n_track_check + 1) * sizeof(*ci->track_check));
		/* Zero-filled: the reload compares the arrays' bytes. */
		memset(ci->track_check[ci->n_track_check], 0,
		    sizeof(*ci->track_check));
		strcpy(ci->track_check[ci->n_track_check++], v);
	}
}

static void
set_track_if(struct pctx *pc, void *base, const char *v)
{
	struct cfg_instance *ci = base;

	if (!valid_name(v, IF_NAMESIZE) || strchr(v, '/'))
		cfg_err(pc->ld, pc->line, "track_interface: invalid name "
		    "'%s'", v);
	else if (ci->n_track_if == CFG_MAX_TRACK)
		cfg_err(pc->ld, pc->line, "track_interface: at most %d",
		    CFG_MAX_TRACK);
	else {
		ci->track_if = xrealloc(ci->track_if,
		    (ci->n_track_if + 1) * sizeof(*ci->track_if));
		memset(ci->track_if[ci->n_track_if], 0,
		    sizeof(*ci->track_if));
		strcpy(ci->track_if[ci->n_track_if++], v);
	}
}

static const struct kenum state_enum[] = {
	{ "MASTER", 1 }, { "BACKUP", 0 }, { NULL, 0 }
};
static const struct kenum csum_enum[] = {
	{ "pseudo_header", VPKT_CSUM_PSEUDO },
	{ "rfc9568", VPKT_CSUM_RFC9568 },
	{ NULL, 0 }
};

#define CI struct cfg_instance
static const struct key instance_keys[IK_MAX] = {
	[IK_INTERFACE] = KNUM("interface", KT_IFNAME, KF_IDENTITY, 0, 0, CI,
	    ifname, NULL),
	/* RFC 9568 6.1: VRID 1-255, no default. */
	[IK_VRID] = KNUM("virtual_router_id", KT_UINT, KF_IDENTITY, 1, 255,
	    CI, vrid, "1-255"),
	/* RFC 9568 6.1: 255 = owner, backups 1-254, 0 reserved. */
	[IK_PRIORITY] = KNUM("priority", KT_UINT, KF_INPLACE, 1, 255, CI,
	    priority, "1-255 (255 = address owner)"),
	[IK_STATE] = { .name = "state", .type = KT_ENUM, .flags = KF_INPLACE,
	    .off = offsetof(CI, start_master),
	    .size = sizeof(((CI *)0)->start_master),
	    .expect = "MASTER or BACKUP", .enums = state_enum },
	[IK_VERSION] = KNUM("version", KT_UINT, KF_IDENTITY, 2, 3, CI,
	    version, "2 or 3"),
	/* RFC 9568 5.2.7: 12 bits of centiseconds, 0 meaningless. */
	[IK_ADVERT_INT] = KNUM("advert_int", KT_CS, KF_INPLACE, 1, 25500, CI,
	    advert_int_cs, "seconds 0.01-40.95 (v3) or 1-255 (v2)"),
	[IK_AUTH_PASS] = KFN("auth_pass", KF_INPLACE, set_auth_pass, KC_STR,
	    CI, auth_pass),
	/*
	 * Added and removed in place (the actions' reconfigure); a change of
	 * address family restarts (cfg_instance_diff()).
	 */
	[IK_VIP] = KLIST("virtual_ipaddress", KF_INPLACE, set_vip, CI, vips,
	    n_vips),
	[IK_SRC] = KFN("unicast_src_ip", KF_INPLACE, set_src, KC_BYTES, CI,
	    src),
	[IK_PEER] = KLIST("unicast_peer", KF_INPLACE, set_peer, CI, peers,
	    n_peers),
	[IK_PREEMPT] = KNUM("preempt", KT_BOOL, KF_INPLACE, 0, 1, CI, preempt,
	    "yes or no"),
	[IK_PREEMPT_DELAY] = KNUM("preempt_delay", KT_CS, KF_INPLACE, 0,
	    100000, CI, preempt_delay_cs, "seconds 0-1000"),
	[IK_TRACK_CHECK] = KLIST("track_check", KF_INPLACE, set_track_check, CI,
	    track_check, n_track_check),
	[IK_TRACK_IF] = KLIST("track_interface", KF_INPLACE, set_track_if, CI,
	    track_if, n_track_if),
	[IK_GARP_REPEAT] = KNUM("garp_repeat", KT_UINT, KF_INPLACE, 0, 100,
	    CI, garp_repeat, "0-100"),
	[IK_GARP_REFRESH] = KNUM("garp_refresh", KT_CS, KF_INPLACE, 0,
	    360000, CI, garp_refresh_cs, "seconds 0-3600 (0 = off)"),
	[IK_CSUM] = { .name = "checksum_mode", .type = KT_ENUM,
	    .flags = KF_INPLACE, .off = offsetof(CI, csum_tx), .size = sizeof(((CI *)0)->csum_tx),
	    .expect = "pseudo_header or rfc9568", .enums = csum_enum },
	[IK_STRICT_TTL] = KNUM("strict_ttl", KT_BOOL, KF_INPLACE, 0, 1, CI,
	    strict_ttl, "yes or no"),
};
#undef CI

/*
 * Parse one entry of a section by its table.  lines[] keeps the first
 * line of each key (for messages after all keys are read).
 * Returns: 1 when the table does not know the key, else 0.
 */
static int
table_entry(struct pctx *pc, const struct key *t, size_t n, int *lines,
    void *base, const struct ent *e)
{
	int k;

	if ((k = key_find(t, n, e->key)) == -1)
		return 1;
	if (lines[k] != 0 && !(t[k].flags & KF_REPEAT)) {
		cfg_err(pc->ld, e->line, "duplicate key '%s' (first at line "
		    "%d)", e->key, lines[k]);
		return 0;
	}
	if (lines[k] == 0)
		lines[k] = e->line;
	pc->k = &t[k];
	pc->line = e->line;
	key_set(pc, base, e->value);
	return 0;
}

/*
 * A key the core does not know, for a plugin's table.
 * Returns: 0 taken (or refused with an error), 1 not the plugin's key.
 */
static int
plugin_key(struct loader *ld, struct pconf *p, const struct ent *e)
{
	char err[512];
	int rc;

	err[0] = '\0';
	rc = pconf_set(p, e->key, e->value, e->line, err, sizeof(err));
	if (rc == -1)
		cfg_err(ld, e->line, "%s", err);
	return rc == 1;
}

/* ----------------------------------------------------------- sections */

static const struct ent *
sect_key(const struct sect *sc, const char *key)
{
	size_t i;

	for (i = 0; i < sc->n_ents; i++)
		if (strcmp(sc->ents[i].key, key) == 0)
			return &sc->ents[i];
	return NULL;
}

/* Edit distance of a and b, or more than max (then max + 1). */
static size_t
edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[64], prev, t, best;

	if (la >= sizeof(d) / sizeof(d[0]) || lb >= sizeof(d) / sizeof(d[0]))
		return max + 1;
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		best = d[0];
		for (j = 1; j <= lb; j++) {
			t = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (t + 1 < d[j])
				d[j] = t + 1;
			prev = t;
			if (d[j] < best)
				best = d[j];
		}
		if (best > max)
			return max + 1;
	}
	return d[lb];
}

/*
 * " (did you mean 'KEY'?)" for the closest known key (a core table, a
 * plugin's table, the action plugins' with actions set), or "".
 */
static const char *
did_you_mean(const char *key, const struct key *t, size_t n,
    const struct fipd_conf_schema *s, int actions)
{
	static char buf[96];
	const char *best = NULL;
	size_t i, d, bd, max;
	struct plug *p;

	max = strlen(key) < 6 ? 1 : 2;
	bd = max + 1;
#define TRY(name) do {							\
	if ((d = edit_distance(key, (name), max)) < bd) {		\
		bd = d;							\
		best = (name);						\
	}								\
} while (0)
	for (i = 0; i < n; i++)
		TRY(t[i].name);
	for (i = 0; s != NULL && i < s->n_keys; i++)
		TRY(s->keys[i].name);
	for (p = actions ? plug_next_action(NULL) : NULL; p != NULL;
	    p = plug_next_action(p))
		for (i = 0; plug_desc(p)->action->conf != NULL &&
		    i < plug_desc(p)->action->conf->n_keys; i++)
			TRY(plug_desc(p)->action->conf->keys[i].name);
#undef TRY
	if (best == NULL)
		return "";
	snprintf(buf, sizeof(buf), " (did you mean '%s'?)", best);
	return buf;
}

/* "did you mean [instance VI_1]?" for [instanse VI_1], or the kinds. */
static const char *
section_hint(const char *name)
{
	static const char *const kinds[] = { "global", "instance", "check" };
	static char buf[160];
	char word[32];
	const char *rest;
	size_t i, n;

	n = strcspn(name, " ");
	rest = name + n;
	snprintf(word, sizeof(word), "%.*s", (int)n, name);
	for (i = 0; i < 3; i++)
		if (edit_distance(word, kinds[i], 2) <= 2 &&
		    (i == 0) == (*rest == '\0')) {
			snprintf(buf, sizeof(buf), "did you mean [%s%s]?",
			    kinds[i], rest);
			return buf;
		}
	return "expected [global], [instance NAME] or [check NAME]";
}

static void
load_global(struct loader *ld, const struct sect *sc)
{
	struct pctx pc;
	int lines[N_GLOBAL_KEYS];
	size_t i;

	memset(&pc, 0, sizeof(pc));
	memset(lines, 0, sizeof(lines));
	pc.ld = ld;
	pc.lines = lines;
	for (i = 0; i < sc->n_ents; i++)
		if (table_entry(&pc, global_keys, N_GLOBAL_KEYS, lines,
		    &ld->cfg->global, &sc->ents[i]) == 1)
			cfg_err(ld, sc->ents[i].line, "unknown key '%s' in "
			    "[global]%s", sc->ents[i].key, did_you_mean(
			    sc->ents[i].key, global_keys, N_GLOBAL_KEYS, NULL,
			    0));
}

static void
load_check(struct loader *ld, const struct sect *sc, const char *name)
{
	struct cfg_check *c;
	const struct ent *type, *e;
	const struct fipd_check_ops *ops;
	struct pctx pc;
	int lines[CK_MAX];
	char err[512];
	size_t i;

	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->line = sc->line;
	c->interval_cs = 100;
	c->rise = 2;
	c->fall = 2;
	c->weight = 0;
	TAILQ_INSERT_TAIL(&ld->cfg->checks, c, entry);
	if (!valid_name(name, sizeof(c->name)))
		cfg_err(ld, c->line, "invalid check name '%s'", name);
	else
		nhash_put(&ld->check_names, c->name, c);

	if ((type = sect_key(sc, "type")) == NULL) {
		cfg_err(ld, c->line, "[check %s]: missing 'type' (http, tcp, "
		    "script, ...)", name);
		return;
	}
	c->plug = plug_check_type(plugin_dir_of(ld->cfg), type->value,
	    err, sizeof(err));
	if (c->plug == NULL) {
		cfg_err(ld, type->line, "type: %s", err);
		return;
	}
	ops = plug_desc(c->plug)->check;
	c->pc = pconf_new(ops->conf);
	memset(&pc, 0, sizeof(pc));
	memset(lines, 0, sizeof(lines));
	pc.ld = ld;
	pc.lines = lines;
	for (i = 0; i < sc->n_ents; i++) {
		e = &sc->ents[i];
		if (table_entry(&pc, check_keys, CK_MAX, lines, c, e) == 0)
			continue;
		if (plugin_key(ld, c->pc, e) == 1)
			cfg_err(ld, e->line, "unknown key '%s' in [check %s] "
			    "(type %s)%s", e->key, name, type->value,
			    did_you_mean(e->key, check_keys, CK_MAX, ops->conf,
			    0));
	}
	if (lines[CK_TIMEOUT] == 0)
		c->timeout_cs = c->interval_cs;
	err[0] = '\0';
	/* conf_check() only sees a section whose keys all parsed. */
	if (pconf_finish(c->pc, err, sizeof(err)) == -1 ||
	    (!c->pc->bad && ops->conf_check != NULL &&
	    ops->conf_check(plug_host(c->plug), c->pc->conf, err,
	    sizeof(err)) == -1))
		cfg_err(ld, c->line, "[check %s]: %s", name, err);
}

/* One plugconf per action plugin with a schema, in plugin order. */
static void
plugconfs_new(struct cfg_instance *ci)
{
	struct cfg_plugconf *pc;
	struct plug *p;

	for (p = plug_next_action(NULL); p != NULL; p = plug_next_action(p)) {
		if (plug_desc(p)->action->conf == NULL)
			continue;
		pc = xcalloc(1, sizeof(*pc));
		pc->plug = p;
		pc->pc = pconf_new(plug_desc(p)->action->conf);
		TAILQ_INSERT_TAIL(&ci->plugconfs, pc, entry);
	}
}

static void
instance_plugin_key(struct loader *ld, struct cfg_instance *ci,
    const struct ent *e)
{
	struct cfg_plugconf *pc;

	TAILQ_FOREACH(pc, &ci->plugconfs, entry)
		if (plugin_key(ld, pc->pc, e) == 0)
			return;
	cfg_err(ld, e->line, "unknown key '%s' in [instance %s]%s", e->key,
	    ci->name, did_you_mean(e->key, instance_keys, IK_MAX, NULL, 1));
}

static void
validate_instance(struct loader *ld, struct cfg_instance *ci,
    const int *lines, int vfl)
{
	struct cfg_plugconf *pc;
	size_t i;
	char err[512];

	if (ci->ifname[0] == '\0' && lines[IK_INTERFACE] == 0)
		cfg_err(ld, ci->line, "[instance %s]: missing 'interface'",
		    ci->name);
	if (ci->vrid == 0 && lines[IK_VRID] == 0)
		cfg_err(ld, ci->line, "[instance %s]: missing "
		    "'virtual_router_id' (1-255, no default)", ci->name);
	if (ci->n_vips == 0 && lines[IK_VIP] == 0)
		cfg_err(ld, ci->line, "[instance %s]: missing "
		    "'virtual_ipaddress'", ci->name);
	if (ci->version == 2) {
		/*
		 * RFC 3768 5.3.7: Adver Int is whole seconds, 8 bits;
		 * RFC 9568 8.4.2.1.1: no sub-second v2.
		 */
		if (ci->advert_int_cs % 100 != 0 || ci->advert_int_cs > 25500)
			cfg_err(ld, lines[IK_ADVERT_INT], "advert_int: "
			    "VRRPv2 carries whole seconds (1-255); %u.%02u "
			    "needs version = 3", ci->advert_int_cs / 100,
			    ci->advert_int_cs % 100);
		if (ci->n_vips > 0 && ci->family != AF_INET)
			cfg_err(ld, vfl, "virtual_ipaddress: "
			    "VRRPv2 is IPv4 only; use version = 3 for IPv6");
	} else {
		if (ci->advert_int_cs > 4095)
			cfg_err(ld, lines[IK_ADVERT_INT], "advert_int: "
			    "VRRPv3 allows at most 40.95 s (12 bits of "
			    "centiseconds)");
		if (lines[IK_AUTH_PASS] != 0)
			cfg_err(ld, lines[IK_AUTH_PASS], "auth_pass: "
			    "VRRPv3 has no authentication (RFC 9568 9); "
			    "remove it or set version = 2");
	}
	/*
	 * RFC 9568 5.2.9: for IPv6 the first address SHOULD be the VR's
	 * link-local address.  Not enforced: keepalived peers drop adverts
	 * whose address count differs from theirs, so all routers of a
	 * group must simply list the same addresses.
	 */
	if (ci->n_vips > 0 && ci->family == AF_INET6 &&
	    !IN6_IS_ADDR_LINKLOCAL(&ci->vips[0].u.v6))
		cfg_warn(ld, vfl, "virtual_ipaddress: RFC 9568 "
		    "5.2.9 wants the VR's link-local address first; every "
		    "router of the group must list the same addresses");
	if (ci->src_set && ci->n_vips > 0 && ci->src.family != ci->family)
		cfg_err(ld, lines[IK_SRC], "unicast_src_ip: address family "
		    "differs from the virtual addresses");
	for (i = 0; i < ci->n_peers; i++)
		if (ci->n_vips > 0 && ci->peers[i].family != ci->family) {
			cfg_err(ld, lines[IK_PEER], "unicast_peer: address "
			    "family differs from the virtual addresses");
			break;
		}
	if (ci->src_set && ci->n_peers == 0)
		cfg_err(ld, lines[IK_SRC], "unicast_src_ip: only "
		    "meaningful with unicast_peer");
	TAILQ_FOREACH(pc, &ci->plugconfs, entry) {
		fipd_conf_check_fn *fn = plug_desc(pc->plug)->action->conf_check;

		err[0] = '\0';
		/* conf_check() only sees keys that all parsed. */
		if (pconf_finish(pc->pc, err, sizeof(err)) == -1 ||
		    (!pc->pc->bad && fn != NULL &&
		    fn(plug_host(pc->plug), pc->pc->conf, err,
		    sizeof(err)) == -1))
			cfg_err(ld, ci->line, "[instance %s]: %s: %s",
			    ci->name, plug_name(pc->plug), err);
	}
}

/* Where an instance's VRID was set, for the clash check after loading. */
struct vrid_use {
	struct cfg_instance *ci;
	int line;
	size_t order;
};

static void
load_instance(struct loader *ld, const struct sect *sc, const char *name,
    struct vrid_use *vu)
{
	struct cfg_instance *ci;
	const struct ent *e;
	struct pctx pc;
	int lines[IK_MAX];
	size_t i;

	memset(&pc, 0, sizeof(pc));
	memset(lines, 0, sizeof(lines));
	pc.ld = ld;
	pc.lines = lines;
	ci = xcalloc(1, sizeof(*ci));
	TAILQ_INIT(&ci->plugconfs);
	snprintf(ci->name, sizeof(ci->name), "%s", name);
	ci->line = sc->line;
	ci->priority = 100;
	ci->version = 3;
	ci->advert_int_cs = 100;
	ci->preempt = 1;
	ci->garp_repeat = 3;
	ci->strict_ttl = 1;
	ci->csum_tx = VPKT_CSUM_PSEUDO;
	TAILQ_INSERT_TAIL(&ld->cfg->instances, ci, entry);
	if (!valid_name(name, sizeof(ci->name)))
		cfg_err(ld, ci->line, "invalid instance name '%s'", name);

	plugconfs_new(ci);
	for (i = 0; i < sc->n_ents; i++) {
		e = &sc->ents[i];
		if (table_entry(&pc, instance_keys, IK_MAX, lines, ci, e) == 1)
			instance_plugin_key(ld, ci, e);
	}
	validate_instance(ld, ci, lines, pc.vip_family_line);
	for (i = 0; i < ci->n_track_check; i++)
		if (nhash_get(&ld->check_names, ci->track_check[i]) == NULL)
			cfg_err(ld, lines[IK_TRACK_CHECK], "track_check: no "
			    "[check %s] section", ci->track_check[i]);
	vu->ci = ci;
	vu->line = lines[IK_VRID] ? lines[IK_VRID] : ci->line;
}

static int
vrid_use_cmp(const void *a, const void *b)
{
	const struct vrid_use *x = a, *y = b;
	int c;

	if ((c = strcmp(x->ci->ifname, y->ci->ifname)) != 0)
		return c;
	if (x->ci->family != y->ci->family)
		return x->ci->family < y->ci->family ? -1 : 1;
	if (x->ci->vrid != y->ci->vrid)
		return x->ci->vrid < y->ci->vrid ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * RFC 9568 6.1: a VRID is unique per interface and family.  Sorted, so
 * that 4,000 instances cost n log n, not n^2; each clash names the first
 * instance (in file order) that took the VRID.
 */
static void
vrid_clashes(struct loader *ld, struct vrid_use *vu, size_t n)
{
	size_t i, first = 0;

	qsort(vu, n, sizeof(*vu), vrid_use_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(vu[first].ci->ifname, vu[i].ci->ifname) != 0 ||
		    vu[first].ci->family != vu[i].ci->family ||
		    vu[first].ci->vrid != vu[i].ci->vrid) {
			first = i;
			continue;
		}
		if (vu[i].ci->vrid == 0)
			continue;
		cfg_err(ld, vu[i].line, "virtual_router_id %u is already "
		    "used on %s by [instance %s] (line %d)", vu[i].ci->vrid,
		    vu[i].ci->ifname, vu[first].ci->name, vu[first].ci->line);
	}
}

/* -------------------------------------------------------------- main */

static void
cfg_defaults(struct cfg *c)
{
	char host[256];

	if (gethostname(host, sizeof(host)) == -1)
		strcpy(host, "fipd");
	host[sizeof(host) - 1] = '\0';
	snprintf(c->global.router_id, sizeof(c->global.router_id), "%s",
	    host);
	snprintf(c->global.plugin_dir, sizeof(c->global.plugin_dir), "%s",
	    default_plugin_dir);
	snprintf(c->global.control_socket, sizeof(c->global.control_socket),
	    "%s/fipd.sock", RUNDIR);
	snprintf(c->global.script_user, sizeof(c->global.script_user),
	    "nobody");
	snprintf(c->global.actions, sizeof(c->global.actions), "%s",
	    "netlink arping notify");
	TAILQ_INIT(&c->instances);
	TAILQ_INIT(&c->checks);
}

static struct cfg *
cfg_parse(struct loader *ld)
{
	struct cfg *c;
	struct sect *sc, *global;
	struct vrid_use *vu;
	char err[512];
	size_t i, nvu = 0;
	int rc;

	c = ld->cfg = xcalloc(1, sizeof(*c));
	c->path = xstrdup(ld->name);
	cfg_defaults(c);
	ld->in[0].file = file_add(c, ld->name);
	lmap_mark(ld);

	/* inih globals: no continuation lines (indentation is harmless). */
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = CFG_LINE_MAX;
	ini_initial_alloc = CFG_LINE_MAX;
	rc = ini_parse_stream(cfg_reader, ld, cfg_handler, ld);
	if (rc > 0 && ld->nerr == 0)
		cfg_err(ld, rc, "syntax error");
	else if (rc < 0)
		cfg_err(ld, 0, "cannot parse (%s)", rc == -2 ?
		    "out of memory" : "read error");

	for (i = 0; i < ld->n_outside; i++)
		cfg_err(ld, ld->outside[i].line, "key '%s' outside of any "
		    "section", ld->outside[i].key);
	if ((global = nhash_get(&ld->sect_names, "global")) != NULL)
		load_global(ld, global);
	plug_set_global(&c->global);
	if (plug_load_named_actions(plugin_dir_of(c), locked_actions != NULL ?
	    locked_actions : c->global.actions, err, sizeof(err)) == -1)
		cfg_err(ld, global != NULL ? global->line : 0,
		    "actions: %s", err);

	/* Checks first: instances refer to them. */
	for (i = 0; i < ld->n_sects; i++) {
		sc = ld->sects[i];
		if (!sc->dup && strncmp(sc->name, "check ", 6) == 0)
			load_check(ld, sc, sc->name + 6);
	}
	vu = xcalloc(ld->n_sects + 1, sizeof(*vu));
	for (i = 0; i < ld->n_sects; i++) {
		sc = ld->sects[i];
		if (sc->dup || strcmp(sc->name, "global") == 0 ||
		    strncmp(sc->name, "check ", 6) == 0)
			continue;
		if (strncmp(sc->name, "instance ", 9) == 0) {
			load_instance(ld, sc, sc->name + 9, &vu[nvu]);
			vu[nvu].order = nvu;
			nvu++;
		} else
			cfg_err(ld, sc->line, "unknown section [%s] (%s)",
			    sc->name, section_hint(sc->name));
	}
	vrid_clashes(ld, vu, nvu);
	free(vu);
	if (TAILQ_EMPTY(&c->instances))
		cfg_err(ld, 0, "no [instance NAME] section: nothing to run "
		    "(the installed fipd.conf is a commented example; see "
		    "fipd.conf(5))");
	/*
	 * A keepalived.conf gives one error per line: say what it is and
	 * what to do instead.
	 */
	if (ld->keepalived_line > 0 && ld->nerr > 0) {
		msgs_free(ld);
		cfg_err(ld, ld->keepalived_line, "this looks like a "
		    "keepalived.conf ('%s'): fipd reads INI sections; convert "
		    "it with fipd-import-keepalived(8)", ld->keepalived_text);
	}
	msgs_print(ld);
	if (ld->nerr > 0) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

static void
msgs_free(struct loader *ld)
{
	size_t i;

	for (i = 0; i < ld->n_msgs; i++)
		free(ld->msgs[i].text);
	free(ld->msgs);
	ld->msgs = NULL;
	ld->n_msgs = 0;
	ld->nerr = 0;
}

static void
loader_free(struct loader *ld)
{
	struct strchunk *c;
	size_t i;

	msgs_free(ld);
	for (i = 0; i <= (size_t)ld->depth; i++) {
		free(ld->in[i].text);
		pend_free(&ld->in[i]);
	}
	for (i = 0; i < ld->n_sects; i++) {
		free(ld->sects[i]->ents);
		free(ld->sects[i]->name);
		free(ld->sects[i]);
	}
	free(ld->sects);
	free(ld->outside);
	while ((c = ld->strs) != NULL) {
		ld->strs = c->next;
		free(c);
	}
	nhash_free(&ld->sect_names);
	nhash_free(&ld->check_names);
}

/*
 * Read a whole file (one read for a config of any size).  Returns the
 * text, NUL-terminated, with *len; or NULL with err filled.
 */
static char *
slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a configuration "
		    "file", path);
		close(fd);
		return NULL;
	}
	/* One byte more than the size: the read that sees EOF fits. */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size <= CFG_FILE_MAX ? (size_t)st.st_size + 2 : 65536;
	buf = xmalloc(cap);
	for (;;) {
		if (n > CFG_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %d MiB", path,
			    CFG_FILE_MAX / (1024 * 1024));
			goto fail;
		}
		if (n + 1 >= cap) {
			cap = cap * 2 > CFG_FILE_MAX + 2 ? CFG_FILE_MAX + 2 :
			    cap * 2;
			buf = xrealloc(buf, cap);
		}
		if ((r = read(fd, buf + n, cap - n - 1)) == 0)
			break;
		if (r == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: cannot read: %s", path,
			    strerror(errno));
			goto fail;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
 fail:
	close(fd);
	free(buf);
	return NULL;
}

struct cfg *
cfg_load(const char *path, FILE *errs)
{
	struct loader ld;
	struct cfg *c;
	char err[PATH_MAX + 128];

	memset(&ld, 0, sizeof(ld));
	ld.name = path;
	ld.errs = errs;
	if ((ld.in[0].text = slurp(path, &ld.in[0].len, err,
	    sizeof(err))) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s\n", err);
		return NULL;
	}
	ld.in[0].buf = ld.in[0].text;
	c = cfg_parse(&ld);
	loader_free(&ld);
	return c;
}

struct cfg *
cfg_load_string(const char *text, const char *name, FILE *errs)
{
	struct loader ld;
	struct cfg *c;

	memset(&ld, 0, sizeof(ld));
	ld.name = name;
	ld.errs = errs;
	ld.in[0].buf = text;
	ld.in[0].len = strlen(text);
	c = cfg_parse(&ld);
	loader_free(&ld);
	return c;
}

static void
plugconfs_free(struct cfg_plugconf_list *l)
{
	struct cfg_plugconf *pc;

	while ((pc = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, pc, entry);
		pconf_free(pc->pc, plug_desc(pc->plug)->action->conf_free);
		free(pc);
	}
}

void
cfg_instance_free(struct cfg_instance *ci)
{
	plugconfs_free(&ci->plugconfs);
	free(ci->vips);
	free(ci->peers);
	free(ci->track_check);
	free(ci->track_if);
	free(ci);
}

void
cfg_check_release(struct cfg_check *ck)
{
	if (ck->pc != NULL)
		pconf_free(ck->pc, ck->plug != NULL ?
		    plug_desc(ck->plug)->check->conf_free : NULL);
	ck->pc = NULL;
}

void
cfg_check_free(struct cfg_check *ck)
{
	cfg_check_release(ck);
	free(ck);
}

void
cfg_free(struct cfg *c)
{
	struct cfg_instance *ci;
	struct cfg_check *ck;
	size_t i;

	if (c == NULL)
		return;
	while ((ci = TAILQ_FIRST(&c->instances)) != NULL) {
		TAILQ_REMOVE(&c->instances, ci, entry);
		cfg_instance_free(ci);
	}
	while ((ck = TAILQ_FIRST(&c->checks)) != NULL) {
		TAILQ_REMOVE(&c->checks, ck, entry);
		cfg_check_free(ck);
	}
	for (i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->files);
	free(c->lmap);
	free(c->path);
	free(c);
}

struct cfg_instance *
cfg_instance_find(struct cfg *c, const char *name)
{
	struct cfg_instance *ci;

	TAILQ_FOREACH(ci, &c->instances, entry)
		if (strcmp(ci->name, name) == 0)
			return ci;
	return NULL;
}

struct cfg_check *
cfg_check_find(struct cfg *c, const char *name)
{
	struct cfg_check *ck;

	TAILQ_FOREACH(ck, &c->checks, entry)
		if (strcmp(ck->name, name) == 0)
			return ck;
	return NULL;
}

/* ------------------------------------------------------------ values */

static long
load_num(const void *p, size_t size, int is_signed)
{
	uint8_t u8;
	uint16_t u16;
	int32_t i32;
	int64_t i64;

	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 2:
		memcpy(&u16, p, 2);
		return u16;
	case 4:
		memcpy(&i32, p, 4);
		return is_signed ? (long)i32 : (long)(uint32_t)i32;
	default:
		memcpy(&i64, p, sizeof(i64));
		return (long)i64;
	}
}

static const char *
addr_text(const struct fipd_addr *a, int prefix, char *buf, size_t len)
{
	size_t n;

	if (vpkt_addr_str(a, buf, len) == NULL)
		return "?";
	if (prefix) {
		n = strlen(buf);
		snprintf(buf + n, len - n, "/%u", a->prefixlen);
	}
	return buf;
}

/* One core key's value(s) as text. */
static void
key_values(const struct key *k, const void *base, cfg_value_fn *fn,
    void *arg)
{
	const char *field = (const char *)base + k->off;
	const char *v[CFG_MAX_VIPS > CFG_MAX_PEERS ? CFG_MAX_VIPS :
	    CFG_MAX_PEERS];
	char buf[CFG_MAX_VIPS][INET6_ADDRSTRLEN + 8], one[64];
	const char *const *one_v;
	const struct fipd_addr *addrs;
	const char *names;
	size_t i, n;
	long l;

	one_v = (const char *const *)v;
	switch (k->type) {
	case KT_NAME:
	case KT_IFNAME:
		v[0] = field;
		fn(arg, k->name, one_v, 1, 0);
		return;
	case KT_BOOL:
		v[0] = load_num(field, k->size, 0) ? "yes" : "no";
		fn(arg, k->name, one_v, 1, 0);
		return;
	case KT_UINT:
	case KT_INT:
		snprintf(one, sizeof(one), "%ld",
		    load_num(field, k->size, k->type == KT_INT));
		v[0] = one;
		fn(arg, k->name, one_v, 1, 0);
		return;
	case KT_CS:
		l = load_num(field, k->size, 0);
		snprintf(one, sizeof(one), "%ld.%02ld", l / 100, l % 100);
		v[0] = one;
		fn(arg, k->name, one_v, 1, 0);
		return;
	case KT_ENUM:
		l = load_num(field, k->size, 1);
		v[0] = "?";
		for (i = 0; k->enums[i].name != NULL; i++)
			if (k->enums[i].value == l)
				v[0] = k->enums[i].name;
		fn(arg, k->name, one_v, 1, 0);
		return;
	case KT_FN:
		break;
	}
	switch (k->cmp) {
	case KC_STR:
		/* A secret is not shown, only whether it is set. */
		v[0] = strcmp(k->name, "auth_pass") != 0 ? field :
		    *field != '\0' ? "(set)" : "";
		fn(arg, k->name, one_v, 1, 0);
		return;
	case KC_BYTES:		/* unicast_src_ip: unset is family 0 */
		addrs = (const struct fipd_addr *)(const void *)field;
		n = addrs->family != 0;
		if (n == 1)
			v[0] = addr_text(addrs, 0, buf[0], sizeof(buf[0]));
		fn(arg, k->name, one_v, n, 0);
		return;
	case KC_LIST:
		memcpy(&n, (const char *)base + k->off_n, sizeof(n));
		if (n > sizeof(buf) / sizeof(buf[0]))
			n = sizeof(buf) / sizeof(buf[0]);
		if (k->elem == sizeof(struct fipd_addr)) {
			memcpy(&addrs, field, sizeof(addrs));
			for (i = 0; i < n; i++)
				v[i] = addr_text(&addrs[i], k->set == set_vip,
				    buf[i], sizeof(buf[i]));
		} else {
			memcpy(&names, field, sizeof(names));
			for (i = 0; i < n; i++)
				v[i] = names + i * k->elem;
		}
		fn(arg, k->name, one_v, n, 1);
		return;
	case KC_AUTO:
	case KC_NONE:
		return;
	}
}

void
cfg_instance_values(const struct cfg_instance *ci, cfg_value_fn *fn,
    void *arg)
{
	const struct cfg_plugconf *pc;
	size_t i;

	for (i = 0; i < IK_MAX; i++)
		key_values(&instance_keys[i], ci, fn, arg);
	TAILQ_FOREACH(pc, &ci->plugconfs, entry)
		pconf_values(pc->pc, fn, arg);
}

/* ------------------------------------------------------------ --keys */

/* What the values of the keys set by a function look like. */
static const struct {
	const char *key, *doc;
} fn_docs[] = {
	{ "router_id", "a name for logs (default: the host name)" },
	{ "plugin_dir", "absolute directories separated by ':'" },
	{ "control_socket", "an absolute path" },
	{ "script_user", "a user name (default nobody)" },
	{ "metrics_listen", "HOST:PORT (default: off)" },
	{ "actions", "action plugin names (default: netlink arping notify)" },
	{ "type", "a check plugin's type: http, tcp, script, ..." },
	{ "auth_pass", "1-8 characters (VRRPv2 PASS authentication)" },
	{ "virtual_ipaddress", "ADDRESS[/PREFIX], one family per instance" },
	{ "unicast_src_ip", "an address of the interface" },
	{ "unicast_peer", "an address" },
	{ "track_check", "a [check NAME] name" },
	{ "track_interface", "an interface name" },
};

static const char *
key_doc(const struct key *k)
{
	size_t i;

	if (k->expect != NULL)
		return k->expect;
	if (k->type == KT_IFNAME)
		return "an interface name";
	for (i = 0; i < sizeof(fn_docs) / sizeof(fn_docs[0]); i++)
		if (strcmp(fn_docs[i].key, k->name) == 0)
			return fn_docs[i].doc;
	return "a value";
}

static void
keys_line(FILE *f, const char *section, const char *key, const char *reload,
    int repeat, int required, const char *doc)
{
	fprintf(f, "%s\t%s\t%s\t%s%s%s\n", section, key, reload, doc,
	    repeat ? "; repeatable" : "", required ? "; required" : "");
}

static void
keys_plugin(FILE *f, const char *section, const struct fipd_conf_schema *s,
    int can_reconfigure)
{
	const struct fipd_conf_key *k;
	size_t i;

	for (i = 0; s != NULL && i < s->n_keys; i++) {
		k = &s->keys[i];
		keys_line(f, section, k->name, can_reconfigure < 0 ?
		    "check replaced, verdict kept" : !can_reconfigure ||
		    (k->flags & FIPD_KF_RESTART) ? "restart" : "in place",
		    (k->flags & FIPD_KF_REPEAT) != 0,
		    (k->flags & FIPD_KF_REQUIRED) != 0,
		    k->doc != NULL ? k->doc : "a value");
	}
}

void
cfg_keys_print(FILE *f)
{
	const struct fipd_plugin *d;
	struct plug *p;
	char sect[96];
	size_t i;

	fprintf(f, "# section\tkey\ton reload\tvalue\n");
	for (i = 0; i < N_GLOBAL_KEYS; i++)
		keys_line(f, "global", global_keys[i].name,
		    strcmp(global_keys[i].name, "control_socket") == 0 ||
		    strcmp(global_keys[i].name, "metrics_listen") == 0 ||
		    strcmp(global_keys[i].name, "plugin_dir") == 0 ||
		    strcmp(global_keys[i].name, "actions") == 0 ?
		    "start-up" : "in place", 0, 0, key_doc(&global_keys[i]));
	for (i = 0; i < CK_MAX; i++)
		keys_line(f, "check", check_keys[i].name,
		    "check replaced, verdict kept", 0, i == CK_TYPE,
		    key_doc(&check_keys[i]));
	for (p = plug_next(NULL); p != NULL; p = plug_next(p)) {
		d = plug_desc(p);
		if (d->kind != FIPD_PLUGIN_CHECK)
			continue;
		snprintf(sect, sizeof(sect), "check type=%s", d->type);
		keys_plugin(f, sect, d->check->conf, -1);
	}
	for (i = 0; i < IK_MAX; i++)
		keys_line(f, "instance", instance_keys[i].name,
		    (instance_keys[i].flags & KF_IDENTITY) ? "restart" :
		    i == IK_VIP ? "in place (a new address family: restart)" :
		    "in place", (instance_keys[i].flags & KF_REPEAT) != 0,
		    i == IK_INTERFACE || i == IK_VRID || i == IK_VIP,
		    key_doc(&instance_keys[i]));
	for (p = plug_next_action(NULL); p != NULL; p = plug_next_action(p)) {
		d = plug_desc(p);
		snprintf(sect, sizeof(sect), "instance plugin=%s", d->name);
		keys_plugin(f, sect, d->action->conf,
		    d->action->reconfigure != NULL);
	}
}

int
cfg_instance_key_known(const char *key)
{
	return key_find(instance_keys, IK_MAX, key) != -1;
}

int
cfg_check_key_known(const char *key)
{
	return key_find(check_keys, CK_MAX, key) != -1;
}

/* ------------------------------------------------------------ reload */

/* Fold one table's differences into a cfg_diff verdict. */
static enum cfg_diff
table_diff(const struct key *t, size_t n, const void *a, const void *b,
    const char **what)
{
	enum cfg_diff d = CFG_SAME;
	size_t i;

	for (i = 0; i < n; i++) {
		if (key_cmp(&t[i], a, b) == 0)
			continue;
		if (!(t[i].flags & KF_INPLACE)) {
			if (what != NULL)
				*what = t[i].name;
			return CFG_DIFF_RESTART;
		}
		d = CFG_DIFF_INPLACE;
	}
	return d;
}

/*
 * The action plugins' keys of two sections (the same plugins in the same
 * order: one plugconf per plugin with a schema).
 */
static enum cfg_diff
plugconfs_diff(const struct cfg_instance *a, const struct cfg_instance *b,
    const char **what)
{
	const struct cfg_plugconf *pa, *pb;
	enum cfg_diff d = CFG_SAME;
	const char *k;

	for (pa = TAILQ_FIRST(&a->plugconfs), pb = TAILQ_FIRST(&b->plugconfs);
	    pa != NULL && pb != NULL;
	    pa = TAILQ_NEXT(pa, entry), pb = TAILQ_NEXT(pb, entry)) {
		if (pa->plug != pb->plug) {
			*what = "plugin keys";
			return CFG_DIFF_RESTART;
		}
		if ((k = pconf_diff(pa->pc, pb->pc)) == NULL)
			continue;
		if (plug_desc(pa->plug)->action->reconfigure == NULL) {
			*what = k;
			return CFG_DIFF_RESTART;
		}
		if (pconf_restart_key(pa->pc, pb->pc, what))
			return CFG_DIFF_RESTART;
		d = CFG_DIFF_INPLACE;
	}
	if (pa != NULL || pb != NULL) {
		*what = "plugin keys";
		return CFG_DIFF_RESTART;
	}
	return d;
}

/* Can every loaded action plugin apply a reload in place? */
static int
actions_follow(void)
{
	struct plug *p;

	for (p = plug_next_action(NULL); p != NULL; p = plug_next_action(p))
		if (plug_desc(p)->action->reconfigure == NULL)
			return 0;
	return 1;
}

enum cfg_diff
cfg_instance_diff(const struct cfg_instance *a, const struct cfg_instance *b,
    const char **what)
{
	enum cfg_diff d, dp;
	const char *w = NULL;

	if (a->family != b->family) {
		w = "virtual_ipaddress (address family)";
		d = CFG_DIFF_RESTART;
	} else if ((d = table_diff(instance_keys, IK_MAX, a, b, &w)) !=
	    CFG_DIFF_RESTART) {
		dp = plugconfs_diff(a, b, &w);
		if (dp != CFG_SAME)
			d = dp;
	}
	/* A VIP change in place needs every action plugin to follow it. */
	if (d == CFG_DIFF_INPLACE &&
	    key_cmp(&instance_keys[IK_VIP], a, b) != 0 && !actions_follow()) {
		w = "virtual_ipaddress (an action plugin without reconfigure)";
		d = CFG_DIFF_RESTART;
	}
	if (what != NULL)
		*what = w;
	return d;
}

size_t
cfg_instance_changed(const struct cfg_instance *a,
    const struct cfg_instance *b, const char **names, size_t max)
{
	const struct cfg_plugconf *pa, *pb;
	const char *k;
	size_t i, n = 0;

	for (i = 0; i < IK_MAX; i++)
		if (key_cmp(&instance_keys[i], a, b) != 0 && n < max)
			names[n++] = instance_keys[i].name;
	for (pa = TAILQ_FIRST(&a->plugconfs), pb = TAILQ_FIRST(&b->plugconfs);
	    pa != NULL && pb != NULL;
	    pa = TAILQ_NEXT(pa, entry), pb = TAILQ_NEXT(pb, entry))
		if ((k = pconf_diff(pa->pc, pb->pc)) != NULL && n < max)
			names[n++] = k;
	return n;
}

enum cfg_diff
cfg_check_diff(const struct cfg_check *a, const struct cfg_check *b,
    const char **what)
{
	const char *k;

	if (what != NULL)
		*what = NULL;
	if (a->plug != b->plug) {
		if (what != NULL)
			*what = "type";
		return CFG_DIFF_RESTART;
	}
	if ((k = pconf_diff(a->pc, b->pc)) != NULL) {
		if (what != NULL)
			*what = k;
		return CFG_DIFF_RESTART;
	}
	return table_diff(check_keys, CK_MAX, a, b, what);
}
