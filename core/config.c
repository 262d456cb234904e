/*
 * Configuration: INI (inih) -> validated struct cfg.
 *
 * Two passes.  inih first reads every line into a list of raw entries
 * (section, key, value, line); our reader counts lines because Debian's
 * inih has no INI_HANDLER_LINENO.  Then [global] is applied first (it
 * names plugin_dir), plugins are loaded, and the sections are checked
 * with table-driven core keys; keys the core does not know go to the
 * plugins (check sections to their `type`, instance keys to the action
 * plugins).  Every error is reported as FILE:LINE, all of them, and the
 * whole config is refused if there is one: nothing is half-applied.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "fipd.h"

#define CFG_LINE_MAX 4096

struct raw {
	TAILQ_ENTRY(raw) entry;
	char *section;		/* as written: "instance VI_1" */
	char *key;
	char *value;
	int line;
	int used;
};
TAILQ_HEAD(raw_list, raw);

struct rsect {
	TAILQ_ENTRY(rsect) entry;
	char *name;
	int line;
};
TAILQ_HEAD(rsect_list, rsect);

struct loader {
	const char *name;	/* file name for messages */
	FILE *errs;
	int nerr;
	int line;		/* lines read so far */
	int last_line;		/* line of the last complete line handed out */
	struct raw_list raws;
	struct rsect_list sects;
	/* input */
	FILE *fp;
	const char *str;
	size_t pos;
	struct cfg *cfg;
};

static char default_plugin_dir[4096] = PKGLIBDIR;

static void cfg_err(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static void cfg_warn(struct loader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

void
cfg_set_default_plugin_dir(const char *dir)
{
	snprintf(default_plugin_dir, sizeof(default_plugin_dir), "%s", dir);
}

static void
cfg_err(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	ld->nerr++;
	if (ld->errs == NULL)
		return;
	if (line > 0)
		fprintf(ld->errs, "%s:%d: ", ld->name, line);
	else
		fprintf(ld->errs, "%s: ", ld->name);
	va_start(ap, fmt);
	vfprintf(ld->errs, fmt, ap);
	va_end(ap);
	fputc('\n', ld->errs);
}

/* A remark that does not refuse the file: "FILE:LINE: warning: ...". */
static void
cfg_warn(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	if (ld->errs == NULL)
		return;
	fprintf(ld->errs, "%s:%d: warning: ", ld->name, line);
	va_start(ap, fmt);
	vfprintf(ld->errs, fmt, ap);
	va_end(ap);
	fputc('\n', ld->errs);
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

/* Inspect each physical line for section headers and syntax errors. */
static void
scan_line(struct loader *ld, const char *text, int line)
{
	char buf[CFG_LINE_MAX], *s, *e;
	struct rsect *rs;

	snprintf(buf, sizeof(buf), "%s", text);
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
		s = buf;
		TAILQ_FOREACH(rs, &ld->sects, entry) {
			if (strcmp(rs->name, s) == 0) {
				cfg_err(ld, line, "duplicate section [%s] "
				    "(first at line %d)", s, rs->line);
				return;
			}
		}
		rs = xcalloc(1, sizeof(*rs));
		rs->name = xstrdup(s);
		rs->line = line;
		TAILQ_INSERT_TAIL(&ld->sects, rs, entry);
		return;
	}
	if (strchr(s, '=') == NULL && strchr(s, ':') == NULL)
		cfg_err(ld, line, "syntax error: expected 'key = value'");
}

/*
 * fgets-like reader for inih: counts lines, scans them, and refuses
 * over-long lines instead of letting them be split.
 */
static char *
cfg_reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	size_t n = 0, cap = (size_t)num;
	int c, toolong = 0;

	if (cap < 2)
		return NULL;
	for (;;) {
		if (ld->fp != NULL)
			c = fgetc(ld->fp);
		else
			c = ld->str[ld->pos] != '\0' ?
			    (unsigned char)ld->str[ld->pos++] : EOF;
		if (c == EOF) {
			if (n == 0 && !toolong)
				return NULL;
			break;
		}
		if (c == '\0')
			c = ' ';	/* NUL bytes would cut the line */
		if (n + 2 < cap)
			str[n++] = (char)c;
		else
			toolong = 1;
		if (c == '\n')
			break;
	}
	str[n] = '\0';
	ld->line++;
	if (toolong) {
		cfg_err(ld, ld->line, "line longer than %d characters",
		    num - 3);
		str[0] = '\0';
		return str;
	}
	scan_line(ld, str, ld->line);
	return str;
}

static int
cfg_handler(void *user, const char *section, const char *key,
    const char *value)
{
	struct loader *ld = user;
	struct raw *r;
	char canon[CFG_LINE_MAX];

	section_canon(section, canon, sizeof(canon));
	r = xcalloc(1, sizeof(*r));
	r->section = xstrdup(canon);
	r->key = xstrdup(key);
	r->value = xstrdup(value != NULL ? value : "");
	r->line = ld->line;
	TAILQ_INSERT_TAIL(&ld->raws, r, entry);
	return 1;
}

/* ------------------------------------------------------ value parsers */

static int
parse_uint(const char *v, unsigned long min, unsigned long max,
    unsigned long *out)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
parse_int(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (*v == '\0')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "on") == 0 || strcmp(v, "1") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/*
 * Seconds with up to two decimals ("1", "0.5", "0.01") -> centiseconds.
 * Returns: 0, or -1 on syntax (more decimals, signs, garbage).
 */
static int
parse_cs(const char *v, unsigned long *out)
{
	unsigned long whole = 0, frac = 0;
	int nd = 0, ndigits = 0;

	while (isdigit((unsigned char)*v)) {
		whole = whole * 10 + (unsigned long)(*v++ - '0');
		if (whole > 10000000)
			return -1;
		ndigits++;
	}
	if (*v == '.') {
		v++;
		while (isdigit((unsigned char)*v)) {
			if (nd == 2)
				return -1;
			frac = frac * 10 + (unsigned long)(*v++ - '0');
			nd++;
		}
		if (nd == 1)
			frac *= 10;
		if (nd == 0 && ndigits == 0)
			return -1;
	} else if (ndigits == 0)
		return -1;
	if (*v != '\0')
		return -1;
	*out = whole * 100 + frac;
	return 0;
}

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
		if (parse_uint(slash, 0, a->family == AF_INET ? 32 : 128,
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
	return parse_uint(colon + 1, 1, 65535, &port);
}

/* ---------------------------------------------------------- [global] */

static void
apply_global(struct loader *ld, struct raw *r)
{
	struct cfg_global *g = &ld->cfg->global;
	const char *v = r->value;

	if (strcmp(r->key, "router_id") == 0) {
		if (!valid_name(v, sizeof(g->router_id)))
			cfg_err(ld, r->line, "router_id: '%s' is not a valid "
			    "name (letters, digits, _ - . : @; at most %zu)", v,
			    sizeof(g->router_id) - 1);
		else
			strcpy(g->router_id, v);
	} else if (strcmp(r->key, "plugin_dir") == 0) {
		struct stat st;

		if (v[0] != '/' || strlen(v) >= sizeof(g->plugin_dir))
			cfg_err(ld, r->line, "plugin_dir: must be an absolute "
			    "path");
		else if (strchr(v, ':') == NULL &&
		    (stat(v, &st) == -1 || !S_ISDIR(st.st_mode)))
			cfg_err(ld, r->line, "plugin_dir: %s is not a "
			    "directory", v);
		else
			strcpy(g->plugin_dir, v);
	} else if (strcmp(r->key, "control_socket") == 0) {
		if (v[0] != '/' || strlen(v) >= sizeof(g->control_socket))
			cfg_err(ld, r->line, "control_socket: must be an "
			    "absolute path shorter than %zu characters",
			    sizeof(g->control_socket));
		else
			strcpy(g->control_socket, v);
	} else if (strcmp(r->key, "script_user") == 0) {
		if (!valid_name(v, sizeof(g->script_user)))
			cfg_err(ld, r->line, "script_user: '%s' is not a "
			    "valid user name", v);
		else if (getpwnam(v) == NULL)
			cfg_err(ld, r->line, "script_user: no such user '%s'",
			    v);
		else
			strcpy(g->script_user, v);
	} else if (strcmp(r->key, "metrics_listen") == 0) {
		if (strlen(v) >= sizeof(g->metrics_listen) ||
		    parse_hostport(v) == -1)
			cfg_err(ld, r->line, "metrics_listen: expected "
			    "HOST:PORT (e.g. 127.0.0.1:9650 or [::1]:9650), "
			    "got '%s'", v);
		else
			strcpy(g->metrics_listen, v);
	} else
		cfg_err(ld, r->line, "unknown key '%s' in [global]", r->key);
}

/* ----------------------------------------------------------- sections */

/*
 * Refuse repeated keys that are not repeatable.  The first occurrence is
 * kept for the error message.
 */
static int
check_dup(struct loader *ld, struct raw *r, const char *const *repeatable)
{
	struct raw *o;
	size_t i;

	for (i = 0; repeatable != NULL && repeatable[i] != NULL; i++)
		if (strcmp(r->key, repeatable[i]) == 0)
			return 0;
	TAILQ_FOREACH(o, &ld->raws, entry) {
		if (o == r)
			break;
		if (strcmp(o->section, r->section) == 0 &&
		    strcmp(o->key, r->key) == 0) {
			cfg_err(ld, r->line, "duplicate key '%s' (first at "
			    "line %d)", r->key, o->line);
			return -1;
		}
	}
	return 0;
}

static char *
section_signature(struct loader *ld, const char *section)
{
	struct raw *r;
	char *sig = xstrdup(""), *n;

	TAILQ_FOREACH(r, &ld->raws, entry) {
		if (strcmp(r->section, section) != 0)
			continue;
		xasprintf(&n, "%s%s=%s\n", sig, r->key, r->value);
		free(sig);
		sig = n;
	}
	return sig;
}

static int
section_line(struct loader *ld, const char *section)
{
	struct rsect *rs;

	TAILQ_FOREACH(rs, &ld->sects, entry)
		if (strcmp(rs->name, section) == 0)
			return rs->line;
	return 0;
}

/* Hand a key to a plugin; returns 0 taken, 1 not known, -1 error. */
static int
plugin_key(struct loader *ld, struct plug *p, void **conf, struct raw *r)
{
	char err[256] = "";
	int rc;
	fipd_conf_key_fn *fn;

	fn = plug_desc(p)->kind == FIPD_PLUGIN_ACTION ?
	    plug_desc(p)->action->conf_key : plug_desc(p)->check->conf_key;
	if (fn == NULL)
		return 1;
	rc = fn(plug_host(p), conf, r->key, r->value, err, sizeof(err));
	if (rc == -1)
		cfg_err(ld, r->line, "%s: %s", r->key,
		    err[0] != '\0' ? err : "invalid value");
	return rc < 0 ? -1 : rc > 0 ? 1 : 0;
}

static const char *const check_repeatable[] = { "expect_status", NULL };

static void
load_check(struct loader *ld, const char *section, const char *name)
{
	struct cfg_check *c;
	struct raw *r, *type = NULL;
	char err[512];
	unsigned long u;
	long l;
	int timeout_set = 0;

	c = xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->line = section_line(ld, section);
	c->interval_cs = 100;
	c->rise = 2;
	c->fall = 2;
	c->weight = 0;
	TAILQ_INSERT_TAIL(&ld->cfg->checks, c, entry);
	if (!valid_name(name, sizeof(c->name)))
		cfg_err(ld, c->line, "invalid check name '%s'", name);

	TAILQ_FOREACH(r, &ld->raws, entry)
		if (strcmp(r->section, section) == 0 &&
		    strcmp(r->key, "type") == 0) {
			type = r;
			break;
		}
	if (type == NULL) {
		cfg_err(ld, c->line, "[check %s]: missing 'type' (http, tcp, "
		    "script, ...)", name);
		return;
	}
	c->plug = plug_check_type(ld->cfg->global.plugin_dir, type->value,
	    err, sizeof(err));
	if (c->plug == NULL) {
		cfg_err(ld, type->line, "type: %s", err);
		return;
	}
	TAILQ_FOREACH(r, &ld->raws, entry) {
		if (strcmp(r->section, section) != 0 || r == type)
			continue;
		if (check_dup(ld, r, check_repeatable) == -1)
			continue;
		if (strcmp(r->key, "type") == 0)
			continue;
		if (strcmp(r->key, "interval") == 0) {
			if (parse_cs(r->value, &u) == -1 || u < 1 ||
			    u > 360000)
				cfg_err(ld, r->line, "interval: expected "
				    "seconds 0.01-3600, got '%s'", r->value);
			else
				c->interval_cs = (unsigned int)u;
		} else if (strcmp(r->key, "timeout") == 0) {
			if (parse_cs(r->value, &u) == -1 || u < 1 ||
			    u > 360000)
				cfg_err(ld, r->line, "timeout: expected "
				    "seconds 0.01-3600, got '%s'", r->value);
			else {
				c->timeout_cs = (unsigned int)u;
				timeout_set = 1;
			}
		} else if (strcmp(r->key, "rise") == 0) {
			if (parse_uint(r->value, 1, 100, &u) == -1)
				cfg_err(ld, r->line, "rise: expected 1-100, "
				    "got '%s'", r->value);
			else
				c->rise = (unsigned int)u;
		} else if (strcmp(r->key, "fall") == 0) {
			if (parse_uint(r->value, 1, 100, &u) == -1)
				cfg_err(ld, r->line, "fall: expected 1-100, "
				    "got '%s'", r->value);
			else
				c->fall = (unsigned int)u;
		} else if (strcmp(r->key, "weight") == 0) {
			if (parse_int(r->value, -254, 254, &l) == -1)
				cfg_err(ld, r->line, "weight: expected "
				    "-254..254, got '%s'", r->value);
			else
				c->weight = (int)l;
		} else if (plugin_key(ld, c->plug, &c->conf, r) == 1)
			cfg_err(ld, r->line, "unknown key '%s' in [check %s] "
			    "(type %s)", r->key, name, type->value);
	}
	if (!timeout_set)
		c->timeout_cs = c->interval_cs;
	if (plug_desc(c->plug)->check->conf_check != NULL) {
		err[0] = '\0';
		if (plug_desc(c->plug)->check->conf_check(plug_host(c->plug),
		    c->conf, err, sizeof(err)) == -1)
			cfg_err(ld, c->line, "[check %s]: %s", name, err);
	}
	c->signature = section_signature(ld, section);
}

static const char *const instance_repeatable[] = {
	"virtual_ipaddress", "unicast_peer", "track_check",
	"track_interface", NULL
};

/* The core's instance keys. */
enum ikey {
	IK_INTERFACE, IK_VRID, IK_PRIORITY, IK_STATE, IK_VERSION,
	IK_ADVERT_INT, IK_AUTH_PASS, IK_VIP, IK_SRC, IK_PEER, IK_PREEMPT,
	IK_PREEMPT_DELAY, IK_TRACK_CHECK, IK_TRACK_IF, IK_GARP_REPEAT,
	IK_GARP_REFRESH, IK_CSUM, IK_STRICT_TTL, IK_MAX
};

static const char *const ikey_names[IK_MAX] = {
	[IK_INTERFACE] = "interface",
	[IK_VRID] = "virtual_router_id",
	[IK_PRIORITY] = "priority",
	[IK_STATE] = "state",
	[IK_VERSION] = "version",
	[IK_ADVERT_INT] = "advert_int",
	[IK_AUTH_PASS] = "auth_pass",
	[IK_VIP] = "virtual_ipaddress",
	[IK_SRC] = "unicast_src_ip",
	[IK_PEER] = "unicast_peer",
	[IK_PREEMPT] = "preempt",
	[IK_PREEMPT_DELAY] = "preempt_delay",
	[IK_TRACK_CHECK] = "track_check",
	[IK_TRACK_IF] = "track_interface",
	[IK_GARP_REPEAT] = "garp_repeat",
	[IK_GARP_REFRESH] = "garp_refresh",
	[IK_CSUM] = "checksum_mode",
	[IK_STRICT_TTL] = "strict_ttl",
};

/* Lines of some keys, for errors found after all keys are read. */
struct ilines {
	int key[IK_MAX];
	int vip_family_line;
};

static void
apply_ikey(struct loader *ld, struct cfg_instance *ci, enum ikey k,
    struct raw *r, struct ilines *il)
{
	const char *v = r->value;
	unsigned long u;
	struct fipd_addr a;
	int b;

	if (il->key[k] == 0)
		il->key[k] = r->line;
	switch (k) {
	case IK_INTERFACE:
		if (!valid_name(v, sizeof(ci->ifname)) || strchr(v, '/'))
			cfg_err(ld, r->line, "interface: invalid name '%s'",
			    v);
		else
			strcpy(ci->ifname, v);
		break;
	case IK_VRID:
		/* RFC 9568 6.1: VRID 1-255, no default. */
		if (parse_uint(v, 1, 255, &u) == -1)
			cfg_err(ld, r->line, "virtual_router_id: expected "
			    "1-255, got '%s'", v);
		else
			ci->vrid = (uint8_t)u;
		break;
	case IK_PRIORITY:
		/* RFC 9568 6.1: 255 = owner, backups 1-254, 0 reserved. */
		if (parse_uint(v, 1, 255, &u) == -1)
			cfg_err(ld, r->line, "priority: expected 1-255 (255 "
			    "= address owner), got '%s'", v);
		else
			ci->priority = (int)u;
		break;
	case IK_STATE:
		if (strcasecmp(v, "MASTER") == 0)
			ci->start_master = 1;
		else if (strcasecmp(v, "BACKUP") == 0)
			ci->start_master = 0;
		else
			cfg_err(ld, r->line, "state: expected MASTER or "
			    "BACKUP, got '%s'", v);
		break;
	case IK_VERSION:
		if (parse_uint(v, 2, 3, &u) == -1)
			cfg_err(ld, r->line, "version: expected 2 or 3, got "
			    "'%s'", v);
		else
			ci->version = (int)u;
		break;
	case IK_ADVERT_INT:
		/* RFC 9568 5.2.7: 12 bits of centiseconds, 0 meaningless. */
		if (parse_cs(v, &u) == -1 || u < 1 || u > 25500)
			cfg_err(ld, r->line, "advert_int: expected seconds "
			    "0.01-40.95 (v3) or 1-255 (v2), got '%s'", v);
		else
			ci->advert_int_cs = (unsigned int)u;
		break;
	case IK_AUTH_PASS:
		if (strlen(v) == 0 || strlen(v) > VPKT_AUTH_LEN)
			cfg_err(ld, r->line, "auth_pass: 1-%d characters "
			    "(VRRPv2 PASS authentication)", VPKT_AUTH_LEN);
		else
			strcpy(ci->auth_pass, v);
		break;
	case IK_VIP:
		if (parse_addr(v, 1, &a) == -1) {
			cfg_err(ld, r->line, "virtual_ipaddress: '%s' is not "
			    "an address[/prefix]", v);
			break;
		}
		if (ci->n_vips == CFG_MAX_VIPS) {
			cfg_err(ld, r->line, "virtual_ipaddress: at most %d",
			    CFG_MAX_VIPS);
			break;
		}
		if (ci->n_vips > 0 && a.family != ci->family) {
			cfg_err(ld, r->line, "virtual_ipaddress: %s mixes "
			    "IPv4 and IPv6 in one instance (line %d); use "
			    "one instance per family", v, il->vip_family_line);
			break;
		}
		for (u = 0; u < ci->n_vips; u++)
			if (vpkt_addr_cmp(&a, &ci->vips[u]) == 0) {
				cfg_err(ld, r->line, "virtual_ipaddress: %s "
				    "listed twice", v);
				return;
			}
		if (ci->n_vips == 0) {
			ci->family = a.family;
			il->vip_family_line = r->line;
		}
		ci->vips = xrealloc(ci->vips, (ci->n_vips + 1) *
		    sizeof(*ci->vips));
		ci->vips[ci->n_vips++] = a;
		break;
	case IK_SRC:
		if (parse_addr(v, 0, &a) == -1)
			cfg_err(ld, r->line, "unicast_src_ip: '%s' is not an "
			    "address", v);
		else {
			ci->src = a;
			ci->src_set = 1;
		}
		break;
	case IK_PEER:
		if (parse_addr(v, 0, &a) == -1)
			cfg_err(ld, r->line, "unicast_peer: '%s' is not an "
			    "address", v);
		else if (ci->n_peers == CFG_MAX_PEERS)
			cfg_err(ld, r->line, "unicast_peer: at most %d",
			    CFG_MAX_PEERS);
		else {
			ci->peers = xrealloc(ci->peers, (ci->n_peers + 1) *
			    sizeof(*ci->peers));
			ci->peers[ci->n_peers++] = a;
		}
		break;
	case IK_PREEMPT:
		if (parse_bool(v, &b) == -1)
			cfg_err(ld, r->line, "preempt: expected yes or no, "
			    "got '%s'", v);
		else
			ci->preempt = b;
		break;
	case IK_PREEMPT_DELAY:
		if (parse_cs(v, &u) == -1 || u > 100000)
			cfg_err(ld, r->line, "preempt_delay: expected "
			    "seconds 0-1000, got '%s'", v);
		else
			ci->preempt_delay_cs = (unsigned int)u;
		break;
	case IK_TRACK_CHECK:
		if (!valid_name(v, FIPD_NAME_MAX))
			cfg_err(ld, r->line, "track_check: invalid name '%s'",
			    v);
		else if (ci->n_track_check == CFG_MAX_TRACK)
			cfg_err(ld, r->line, "track_check: at most %d",
			    CFG_MAX_TRACK);
		else {
			ci->track_check = xrealloc(ci->track_check,
			    (ci->n_track_check + 1) * sizeof(*ci->track_check));
			strcpy(ci->track_check[ci->n_track_check++], v);
		}
		break;
	case IK_TRACK_IF:
		if (!valid_name(v, IF_NAMESIZE) || strchr(v, '/'))
			cfg_err(ld, r->line, "track_interface: invalid name "
			    "'%s'", v);
		else if (ci->n_track_if == CFG_MAX_TRACK)
			cfg_err(ld, r->line, "track_interface: at most %d",
			    CFG_MAX_TRACK);
		else {
			ci->track_if = xrealloc(ci->track_if,
			    (ci->n_track_if + 1) * sizeof(*ci->track_if));
			strcpy(ci->track_if[ci->n_track_if++], v);
		}
		break;
	case IK_GARP_REPEAT:
		if (parse_uint(v, 0, 100, &u) == -1)
			cfg_err(ld, r->line, "garp_repeat: expected 0-100, "
			    "got '%s'", v);
		else
			ci->garp_repeat = (unsigned int)u;
		break;
	case IK_GARP_REFRESH:
		if (parse_cs(v, &u) == -1 || u > 360000)
			cfg_err(ld, r->line, "garp_refresh: expected seconds "
			    "0-3600 (0 = off), got '%s'", v);
		else
			ci->garp_refresh_cs = (unsigned int)u;
		break;
	case IK_CSUM:
		if (strcmp(v, "pseudo_header") == 0)
			ci->csum_tx = VPKT_CSUM_PSEUDO;
		else if (strcmp(v, "rfc9568") == 0)
			ci->csum_tx = VPKT_CSUM_RFC9568;
		else
			cfg_err(ld, r->line, "checksum_mode: expected "
			    "pseudo_header or rfc9568, got '%s'", v);
		break;
	case IK_STRICT_TTL:
		if (parse_bool(v, &b) == -1)
			cfg_err(ld, r->line, "strict_ttl: expected yes or no, "
			    "got '%s'", v);
		else
			ci->strict_ttl = b;
		break;
	case IK_MAX:
		break;
	}
}

static struct cfg_plugconf *
plugconf_get(struct cfg_instance *ci, struct plug *p)
{
	struct cfg_plugconf *pc;

	TAILQ_FOREACH(pc, &ci->plugconfs, entry)
		if (pc->plug == p)
			return pc;
	pc = xcalloc(1, sizeof(*pc));
	pc->plug = p;
	TAILQ_INSERT_TAIL(&ci->plugconfs, pc, entry);
	return pc;
}

static void
instance_key(struct loader *ld, struct cfg_instance *ci, struct raw *r,
    struct ilines *il)
{
	struct cfg_plugconf *pc;
	struct plug *p;
	int k, rc;

	for (k = 0; k < IK_MAX; k++)
		if (strcmp(r->key, ikey_names[k]) == 0) {
			apply_ikey(ld, ci, (enum ikey)k, r, il);
			return;
		}
	for (p = plug_next_action(NULL); p != NULL; p = plug_next_action(p)) {
		if (plug_desc(p)->action->conf_key == NULL)
			continue;
		pc = plugconf_get(ci, p);
		rc = plugin_key(ld, p, &pc->conf, r);
		if (rc != 1)
			return;
	}
	cfg_err(ld, r->line, "unknown key '%s' in [instance %s]", r->key,
	    ci->name);
}

static void
validate_instance(struct loader *ld, struct cfg_instance *ci,
    struct ilines *il)
{
	struct cfg_plugconf *pc;
	size_t i;
	char err[512];

	if (ci->ifname[0] == '\0' && il->key[IK_INTERFACE] == 0)
		cfg_err(ld, ci->line, "[instance %s]: missing 'interface'",
		    ci->name);
	if (ci->vrid == 0 && il->key[IK_VRID] == 0)
		cfg_err(ld, ci->line, "[instance %s]: missing "
		    "'virtual_router_id' (1-255, no default)", ci->name);
	if (ci->n_vips == 0 && il->key[IK_VIP] == 0)
		cfg_err(ld, ci->line, "[instance %s]: missing "
		    "'virtual_ipaddress'", ci->name);
	if (ci->version == 2) {
		/*
		 * RFC 3768 5.3.7: Adver Int is whole seconds, 8 bits;
		 * RFC 9568 8.4.2.1.1: no sub-second v2.
		 */
		if (ci->advert_int_cs % 100 != 0 || ci->advert_int_cs > 25500)
			cfg_err(ld, il->key[IK_ADVERT_INT], "advert_int: "
			    "VRRPv2 carries whole seconds (1-255); %u.%02u "
			    "needs version = 3", ci->advert_int_cs / 100,
			    ci->advert_int_cs % 100);
		if (ci->n_vips > 0 && ci->family != AF_INET)
			cfg_err(ld, il->vip_family_line, "virtual_ipaddress: "
			    "VRRPv2 is IPv4 only; use version = 3 for IPv6");
	} else {
		if (ci->advert_int_cs > 4095)
			cfg_err(ld, il->key[IK_ADVERT_INT], "advert_int: "
			    "VRRPv3 allows at most 40.95 s (12 bits of "
			    "centiseconds)");
		if (il->key[IK_AUTH_PASS] != 0)
			cfg_err(ld, il->key[IK_AUTH_PASS], "auth_pass: "
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
		cfg_warn(ld, il->vip_family_line, "virtual_ipaddress: RFC 9568 "
		    "5.2.9 wants the VR's link-local address first; every "
		    "router of the group must list the same addresses");
	if (ci->src_set && ci->n_vips > 0 && ci->src.family != ci->family)
		cfg_err(ld, il->key[IK_SRC], "unicast_src_ip: address family "
		    "differs from the virtual addresses");
	for (i = 0; i < ci->n_peers; i++)
		if (ci->n_vips > 0 && ci->peers[i].family != ci->family) {
			cfg_err(ld, il->key[IK_PEER], "unicast_peer: address "
			    "family differs from the virtual addresses");
			break;
		}
	if (ci->src_set && ci->n_peers == 0)
		cfg_err(ld, il->key[IK_SRC], "unicast_src_ip: only "
		    "meaningful with unicast_peer");
	TAILQ_FOREACH(pc, &ci->plugconfs, entry) {
		fipd_conf_check_fn *fn = plug_desc(pc->plug)->action->conf_check;

		err[0] = '\0';
		if (fn != NULL && pc->conf != NULL &&
		    fn(plug_host(pc->plug), pc->conf, err, sizeof(err)) == -1)
			cfg_err(ld, ci->line, "[instance %s]: %s: %s",
			    ci->name, plug_name(pc->plug), err);
	}
}

static void
load_instance(struct loader *ld, const char *section, const char *name)
{
	struct cfg_instance *ci, *o;
	struct raw *r;
	struct ilines il;
	size_t i;
	int vrid_line;

	memset(&il, 0, sizeof(il));
	ci = xcalloc(1, sizeof(*ci));
	TAILQ_INIT(&ci->plugconfs);
	snprintf(ci->name, sizeof(ci->name), "%s", name);
	ci->line = section_line(ld, section);
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

	TAILQ_FOREACH(r, &ld->raws, entry) {
		if (strcmp(r->section, section) != 0)
			continue;
		if (check_dup(ld, r, instance_repeatable) == -1)
			continue;
		instance_key(ld, ci, r, &il);
	}
	validate_instance(ld, ci, &il);
	for (i = 0; i < ci->n_track_check; i++)
		if (cfg_check_find(ld->cfg, ci->track_check[i]) == NULL)
			cfg_err(ld, il.key[IK_TRACK_CHECK], "track_check: no "
			    "[check %s] section", ci->track_check[i]);
	/* RFC 9568 6.1: a VRID is unique per interface and family. */
	vrid_line = il.key[IK_VRID] ? il.key[IK_VRID] : ci->line;
	TAILQ_FOREACH(o, &ld->cfg->instances, entry) {
		if (o == ci)
			break;
		if (o->vrid == ci->vrid && ci->vrid != 0 &&
		    strcmp(o->ifname, ci->ifname) == 0 &&
		    o->family == ci->family) {
			cfg_err(ld, vrid_line, "virtual_router_id %u is "
			    "already used on %s by [instance %s] (line %d)",
			    ci->vrid, ci->ifname, o->name, o->line);
			break;
		}
	}
	ci->signature = section_signature(ld, section);
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
	TAILQ_INIT(&c->instances);
	TAILQ_INIT(&c->checks);
}

static struct cfg *
cfg_parse(struct loader *ld)
{
	struct cfg *c;
	struct raw *r;
	struct rsect *rs;
	char err[512];
	int rc;

	c = ld->cfg = xcalloc(1, sizeof(*c));
	c->path = xstrdup(ld->name);
	cfg_defaults(c);

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

	TAILQ_FOREACH(r, &ld->raws, entry) {
		if (r->section[0] == '\0')
			cfg_err(ld, r->line, "key '%s' outside of any section",
			    r->key);
		else if (strcmp(r->section, "global") == 0 &&
		    check_dup(ld, r, NULL) == 0)
			apply_global(ld, r);
	}
	plug_set_global(&c->global);
	if (plug_load_actions(c->global.plugin_dir, err, sizeof(err)) == -1)
		cfg_err(ld, section_line(ld, "global"), "plugin_dir %s: %s",
		    c->global.plugin_dir, err);

	/* Checks first: instances refer to them. */
	TAILQ_FOREACH(rs, &ld->sects, entry) {
		if (strncmp(rs->name, "check ", 6) == 0)
			load_check(ld, rs->name, trim(rs->name + 6));
	}
	TAILQ_FOREACH(rs, &ld->sects, entry) {
		if (strcmp(rs->name, "global") == 0 ||
		    strncmp(rs->name, "check ", 6) == 0)
			continue;
		if (strncmp(rs->name, "instance ", 9) == 0)
			load_instance(ld, rs->name, trim(rs->name + 9));
		else
			cfg_err(ld, rs->line, "unknown section [%s] (expected "
			    "[global], [instance NAME] or [check NAME])",
			    rs->name);
	}
	if (ld->nerr == 0 && TAILQ_EMPTY(&c->instances))
		cfg_err(ld, 0, "no [instance NAME] section");
	if (ld->nerr > 0) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

static void
loader_free(struct loader *ld)
{
	struct raw *r;
	struct rsect *rs;

	while ((r = TAILQ_FIRST(&ld->raws)) != NULL) {
		TAILQ_REMOVE(&ld->raws, r, entry);
		free(r->section);
		free(r->key);
		free(r->value);
		free(r);
	}
	while ((rs = TAILQ_FIRST(&ld->sects)) != NULL) {
		TAILQ_REMOVE(&ld->sects, rs, entry);
		free(rs->name);
		free(rs);
	}
}

struct cfg *
cfg_load(const char *path, FILE *errs)
{
	struct loader ld;
	struct cfg *c;

	memset(&ld, 0, sizeof(ld));
	TAILQ_INIT(&ld.raws);
	TAILQ_INIT(&ld.sects);
	ld.name = path;
	ld.errs = errs;
	if ((ld.fp = fopen(path, "r")) == NULL) {
		if (errs != NULL)
			fprintf(errs, "%s: cannot open: %s\n", path,
			    strerror(errno));
		return NULL;
	}
	c = cfg_parse(&ld);
	fclose(ld.fp);
	loader_free(&ld);
	return c;
}

struct cfg *
cfg_load_string(const char *text, const char *name, FILE *errs)
{
	struct loader ld;
	struct cfg *c;

	memset(&ld, 0, sizeof(ld));
	TAILQ_INIT(&ld.raws);
	TAILQ_INIT(&ld.sects);
	ld.name = name;
	ld.errs = errs;
	ld.str = text;
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
		if (pc->conf != NULL &&
		    plug_desc(pc->plug)->action->conf_free != NULL)
			plug_desc(pc->plug)->action->conf_free(pc->conf);
		free(pc);
	}
}

void
cfg_instance_free(struct cfg_instance *ci)
{
	plugconfs_free(&ci->plugconfs);
	free(ci->signature);
	free(ci->vips);
	free(ci->peers);
	free(ci->track_check);
	free(ci->track_if);
	free(ci);
}

void
cfg_free(struct cfg *c)
{
	struct cfg_instance *ci;
	struct cfg_check *ck;

	if (c == NULL)
		return;
	while ((ci = TAILQ_FIRST(&c->instances)) != NULL) {
		TAILQ_REMOVE(&c->instances, ci, entry);
		cfg_instance_free(ci);
	}
	while ((ck = TAILQ_FIRST(&c->checks)) != NULL) {
		TAILQ_REMOVE(&c->checks, ck, entry);
		if (ck->conf != NULL && ck->plug != NULL &&
		    plug_desc(ck->plug)->check->conf_free != NULL)
			plug_desc(ck->plug)->check->conf_free(ck->conf);
		free(ck->signature);
		free(ck);
	}
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
