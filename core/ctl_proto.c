/*
 * Control protocol, JSON and Prometheus text helpers (see ctl_proto.h).
 * No fipd dependencies: fipctl and the unit tests link this file alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

static const char *const ctl_verb_names[CTL_V_MAX] = {
	[CTL_V_NONE] = NULL,
	[CTL_V_STATUS] = "status",
	[CTL_V_RELOAD] = "reload",
	[CTL_V_VERSION] = "version",
	[CTL_V_PING] = "ping",
};

/* ------------------------------------------------------------ requests */

const char *
ctl_verb_str(enum ctl_verb v)
{
	if ((unsigned int)v >= CTL_V_MAX || ctl_verb_names[v] == NULL)
		return "?";
	return ctl_verb_names[v];
}

ssize_t
ctl_req_frame(const char *buf, size_t len)
{
	const char *nl;
	size_t n = len < CTL_REQ_MAX ? len : CTL_REQ_MAX;

	if ((nl = memchr(buf, '\n', n)) != NULL)
		return nl - buf + 1;
	return len >= CTL_REQ_MAX ? -1 : 0;
}

int
ctl_req_parse(const char *line, size_t len, struct ctl_req *out, char *err,
    size_t errlen)
{
	const char *w[CTL_REQ_MAX_ARGS];
	size_t wl[CTL_REQ_MAX_ARGS];
	size_t i, nw = 0;
	int v;

	memset(out, 0, sizeof(*out));
	if (len > CTL_REQ_MAX) {
		snprintf(err, errlen, "request too long (limit %d bytes)",
		    CTL_REQ_MAX);
		return -1;
	}
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c > 0x7e) {
			snprintf(err, errlen, "malformed request: control "
			    "character or non-ASCII byte at offset %zu", i);
			return -1;
		}
	}
	for (i = 0; i < len;) {
		size_t s;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		s = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (nw == CTL_REQ_MAX_ARGS) {
			snprintf(err, errlen, "malformed request: more than "
			    "%d words", CTL_REQ_MAX_ARGS);
			return -1;
		}
		w[nw] = line + s;
		wl[nw++] = i - s;
	}
	if (nw == 0) {
		snprintf(err, errlen, "empty request (try: status, reload, "
		    "version, ping)");
		return -1;
	}
	for (v = CTL_V_NONE + 1; v < CTL_V_MAX; v++)
		if (strlen(ctl_verb_names[v]) == wl[0] &&
		    memcmp(ctl_verb_names[v], w[0], wl[0]) == 0)
			break;
	if (v == CTL_V_MAX) {
		snprintf(err, errlen, "unknown command '%.*s' (try: status, "
		    "reload, version, ping)", (int)(wl[0] > 32 ? 32 : wl[0]),
		    w[0]);
		return -1;
	}
	out->verb = (enum ctl_verb)v;
	out->argc = (int)nw - 1;
	/* "status json" is accepted: every reply is JSON anyway. */
	if (out->verb == CTL_V_STATUS && nw == 2 && wl[1] == 4 &&
	    memcmp(w[1], "json", 4) == 0)
		return 0;
	if (nw > 1) {
		snprintf(err, errlen, "'%s' takes no arguments",
		    ctl_verb_names[v]);
		out->verb = CTL_V_NONE;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- buffers */

void
cbuf_init(struct cbuf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void
cbuf_free(struct cbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

void
cbuf_reset(struct cbuf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* Make room for n more bytes and a NUL.  Returns 0 or -1. */
static int
cbuf_room(struct cbuf *b, size_t n)
{
	size_t want, ncap;
	char *np;

	if (b->failed)
		return -1;
	if (n > SIZE_MAX / 2 - b->len ||
	    (b->limit != 0 && b->len + n > b->limit)) {
		b->failed = 1;
		return -1;
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap < 256 ? 256 : b->cap;
	while (ncap < want)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

void
cbuf_add(struct cbuf *b, const void *data, size_t n)
{
	if (n == 0 || cbuf_room(b, n) == -1)
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
cbuf_adds(struct cbuf *b, const char *s)
{
	cbuf_add(b, s, strlen(s));
}

void
cbuf_printf(struct cbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		cbuf_add(b, small, (size_t)n);
		return;
	}
	if (cbuf_room(b, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
cbuf_consume(struct cbuf *b, size_t n)
{
	if (n >= b->len) {
		cbuf_reset(b);
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = '\0';
}

/* ---------------------------------------------------------- JSON writer */

/*
 * Length of the valid UTF-8 sequence at s (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0;	/* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0;	/* surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 ||
		    (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (s[0] == 0xf4 && s[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

void
json_quote(struct cbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, k;
	char esc[8];

	cbuf_add(b, "\"", 1);
	while (i < n) {
		switch (s[i]) {
		case '"':
			cbuf_add(b, "\\\"", 2);
			i++;
			continue;
		case '\\':
			cbuf_add(b, "\\\\", 2);
			i++;
			continue;
		case '\n':
			cbuf_add(b, "\\n", 2);
			i++;
			continue;
		case '\r':
			cbuf_add(b, "\\r", 2);
			i++;
			continue;
		case '\t':
			cbuf_add(b, "\\t", 2);
			i++;
			continue;
		default:
			break;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			cbuf_add(b, esc, 6);
			i++;
		} else if ((k = utf8_len(s + i, n - i)) == 0) {
			cbuf_add(b, "\\ufffd", 6);
			i++;
		} else {
			cbuf_add(b, s + i, k);
			i += k;
		}
	}
	cbuf_add(b, "\"", 1);
}

void
jw_init(struct jw *w, struct cbuf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->first[0] = 1;
}

/* Comma and member name before a value. */
static int
jw_prefix(struct jw *w, const char *key)
{
	if (w->err)
		return -1;
	if (w->depth == 0) {
		if (key != NULL || !w->first[0]) {
			w->err = 1;
			return -1;
		}
		w->first[0] = 0;
		return 0;
	}
	if ((key != NULL) != (w->is_obj[w->depth] != 0)) {
		w->err = 1;
		return -1;
	}
	if (!w->first[w->depth])
		cbuf_add(w->b, ",", 1);
	w->first[w->depth] = 0;
	if (key != NULL) {
		json_quote(w->b, key);
		cbuf_add(w->b, ":", 1);
	}
	return 0;
}

static void
jw_open(struct jw *w, const char *key, int obj)
{
	if (jw_prefix(w, key) == -1)
		return;
	if (w->depth == CTL_JSON_MAX_DEPTH) {
		w->err = 1;
		return;
	}
	w->depth++;
	w->first[w->depth] = 1;
	w->is_obj[w->depth] = (unsigned char)obj;
	cbuf_add(w->b, obj ? "{" : "[", 1);
}

static void
jw_close(struct jw *w, int obj)
{
	if (w->err)
		return;
	if (w->depth == 0 || (w->is_obj[w->depth] != 0) != (obj != 0)) {
		w->err = 1;
		return;
	}
	w->depth--;
	cbuf_add(w->b, obj ? "}" : "]", 1);
}

void
jw_obj_open(struct jw *w, const char *key)
{
	jw_open(w, key, 1);
}

void
jw_obj_close(struct jw *w)
{
	jw_close(w, 1);
}

void
jw_arr_open(struct jw *w, const char *key)
{
	jw_open(w, key, 0);
}

void
jw_arr_close(struct jw *w)
{
	jw_close(w, 0);
}

void
jw_str(struct jw *w, const char *key, const char *v)
{
	if (jw_prefix(w, key) == -1)
		return;
	if (v == NULL)
		cbuf_add(w->b, "null", 4);
	else
		json_quote(w->b, v);
}

void
jw_int(struct jw *w, const char *key, long long v)
{
	if (jw_prefix(w, key) == 0)
		cbuf_printf(w->b, "%lld", v);
}

void
jw_uint(struct jw *w, const char *key, unsigned long long v)
{
	if (jw_prefix(w, key) == 0)
		cbuf_printf(w->b, "%llu", v);
}

void
jw_double(struct jw *w, const char *key, double v)
{
	char num[64];
	size_t n;

	if (jw_prefix(w, key) == -1)
		return;
	/* Also false for NaN. */
	if (!(v > -1e15 && v < 1e15)) {
		cbuf_add(w->b, "null", 4);
		return;
	}
	n = (size_t)snprintf(num, sizeof(num), "%.6f", v);
	while (n > 1 && num[n - 1] == '0')
		n--;
	if (num[n - 1] == '.')
		n--;
	cbuf_add(w->b, num, n);
}

void
jw_bool(struct jw *w, const char *key, int v)
{
	if (jw_prefix(w, key) == 0)
		cbuf_adds(w->b, v ? "true" : "false");
}

void
jw_null(struct jw *w, const char *key)
{
	if (jw_prefix(w, key) == 0)
		cbuf_add(w->b, "null", 4);
}

int
jw_finish(struct jw *w)
{
	return w->err || w->depth != 0 || w->first[0] || w->b->failed ?
	    -1 : 0;
}

/* ---------------------------------------------------------- JSON reader */

struct cjp {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
	int failed;
};

static struct cj *cjp_value(struct cjp *, int depth);

static void
cjp_fail(struct cjp *p, const char *what)
{
	if (!p->failed)
		snprintf(p->err, p->errlen, "invalid JSON at offset %zu: %s",
		    p->pos, what);
	p->failed = 1;
}

static void
cjp_ws(struct cjp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

static int
cjp_lit(struct cjp *p, const char *lit)
{
	size_t n = strlen(lit);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n) != 0) {
		cjp_fail(p, "unexpected token");
		return -1;
	}
	p->pos += n;
	return 0;
}

static int
cjp_hex4(struct cjp *p, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	if (p->len - p->pos < 4) {
		cjp_fail(p, "truncated \\u escape");
		return -1;
	}
	for (i = 0; i < 4; i++) {
		char c = p->s[p->pos++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else {
			cjp_fail(p, "bad \\u escape");
			return -1;
		}
	}
	*out = v;
	return 0;
}

static void
utf8_put(struct cbuf *b, unsigned int cp)
{
	unsigned char u[4];

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		cbuf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		cbuf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		cbuf_add(b, u, 3);
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		cbuf_add(b, u, 4);
	}
}

/* A string literal at pos (the opening quote); the bytes go to *out. */
static int
cjp_string(struct cjp *p, char **out, size_t *outlen)
{
	struct cbuf b;
	unsigned int cp, lo;
	size_t k;

	cbuf_init(&b, 0);
	p->pos++;			/* the quote */
	for (;;) {
		unsigned char c;

		if (p->pos >= p->len) {
			cjp_fail(p, "unterminated string");
			goto bad;
		}
		c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			cjp_fail(p, "control character in string");
			goto bad;
		}
		if (c != '\\') {
			if ((k = utf8_len((const unsigned char *)p->s + p->pos,
			    p->len - p->pos)) == 0) {
				cjp_fail(p, "invalid UTF-8");
				goto bad;
			}
			cbuf_add(&b, p->s + p->pos, k);
			p->pos += k;
			continue;
		}
		if (++p->pos >= p->len) {
			cjp_fail(p, "unterminated escape");
			goto bad;
		}
		switch (p->s[p->pos++]) {
		case '"':
			cbuf_add(&b, "\"", 1);
			break;
		case '\\':
			cbuf_add(&b, "\\", 1);
			break;
		case '/':
			cbuf_add(&b, "/", 1);
			break;
		case 'b':
			cbuf_add(&b, "\b", 1);
			break;
		case 'f':
			cbuf_add(&b, "\f", 1);
			break;
		case 'n':
			cbuf_add(&b, "\n", 1);
			break;
		case 'r':
			cbuf_add(&b, "\r", 1);
			break;
		case 't':
			cbuf_add(&b, "\t", 1);
			break;
		case 'u':
			if (cjp_hex4(p, &cp) == -1)
				goto bad;
			if (cp >= 0xd800 && cp <= 0xdbff && p->len - p->pos >= 6 &&
			    p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
				p->pos += 2;
				if (cjp_hex4(p, &lo) == -1)
					goto bad;
				if (lo >= 0xdc00 && lo <= 0xdfff)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				else {
					utf8_put(&b, 0xfffd);
					cp = lo;
				}
			}
			/* A lone surrogate is not a character. */
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			utf8_put(&b, cp);
			break;
		default:
			p->pos--;
			cjp_fail(p, "unknown escape");
			goto bad;
		}
	}
	if (b.failed) {
		cjp_fail(p, "out of memory");
		goto bad;
	}
	if (b.p == NULL && (b.p = calloc(1, 1)) == NULL) {
		cjp_fail(p, "out of memory");
		goto bad;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
bad:
	cbuf_free(&b);
	return -1;
}

static int
cjp_number(struct cjp *p, double *out)
{
	size_t s = p->pos;
	char num[128];
	char *end;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len) {
		cjp_fail(p, "truncated number");
		return -1;
	}
	if (p->s[p->pos] == '0')
		p->pos++;
	else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9')
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		    p->s[p->pos] <= '9')
			p->pos++;
	else {
		cjp_fail(p, "bad number");
		return -1;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' ||
		    p->s[p->pos] > '9') {
			cjp_fail(p, "bad fraction");
			return -1;
		}
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		    p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' ||
		    p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || p->s[p->pos] < '0' ||
		    p->s[p->pos] > '9') {
			cjp_fail(p, "bad exponent");
			return -1;
		}
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		    p->s[p->pos] <= '9')
			p->pos++;
	}
	if (p->pos - s >= sizeof(num)) {
		cjp_fail(p, "number too long");
		return -1;
	}
	memcpy(num, p->s + s, p->pos - s);
	num[p->pos - s] = '\0';
	*out = strtod(num, &end);
	return 0;
}

static struct cj *
cj_node(struct cjp *p, enum cj_type t)
{
	struct cj *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		cjp_fail(p, "out of memory");
	else
		v->type = t;
	return v;
}

/* Elements of an array or members of an object, after the bracket. */
static struct cj *
cjp_container(struct cjp *p, int depth, int obj)
{
	struct cj *v, *e, **tail;
	char *key;
	size_t klen;

	if (depth >= CTL_JSON_MAX_DEPTH) {
		cjp_fail(p, "nested too deeply");
		return NULL;
	}
	if ((v = cj_node(p, obj ? CJ_OBJ : CJ_ARR)) == NULL)
		return NULL;
	tail = &v->child;
	p->pos++;			/* [ or { */
	cjp_ws(p);
	if (p->pos < p->len && p->s[p->pos] == (obj ? '}' : ']')) {
		p->pos++;
		return v;
	}
	for (;;) {
		key = NULL;
		if (obj) {
			cjp_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				cjp_fail(p, "expected a member name");
				goto bad;
			}
			if (cjp_string(p, &key, &klen) == -1)
				goto bad;
			cjp_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				cjp_fail(p, "expected ':'");
				goto bad;
			}
			p->pos++;
		}
		if ((e = cjp_value(p, depth + 1)) == NULL) {
			free(key);
			goto bad;
		}
		e->key = key;
		*tail = e;
		tail = &e->next;
		v->n++;
		cjp_ws(p);
		if (p->pos >= p->len) {
			cjp_fail(p, "unterminated container");
			goto bad;
		}
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == (obj ? '}' : ']')) {
			p->pos++;
			return v;
		}
		cjp_fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		goto bad;
	}
bad:
	cj_free(v);
	return NULL;
}

static struct cj *
cjp_value(struct cjp *p, int depth)
{
	struct cj *v;

	cjp_ws(p);
	if (p->pos >= p->len) {
		cjp_fail(p, "expected a value");
		return NULL;
	}
	switch (p->s[p->pos]) {
	case '{':
		return cjp_container(p, depth, 1);
	case '[':
		return cjp_container(p, depth, 0);
	case '"':
		if ((v = cj_node(p, CJ_STR)) == NULL)
			return NULL;
		if (cjp_string(p, &v->str, &v->slen) == -1) {
			free(v);
			return NULL;
		}
		return v;
	case 't':
	case 'f': {
		int t = p->s[p->pos] == 't';

		if (cjp_lit(p, t ? "true" : "false") == -1)
			return NULL;
		if ((v = cj_node(p, CJ_BOOL)) != NULL)
			v->b = t;
		return v;
	}
	case 'n':
		if (cjp_lit(p, "null") == -1)
			return NULL;
		return cj_node(p, CJ_NULL);
	default:
		if ((v = cj_node(p, CJ_NUM)) == NULL)
			return NULL;
		if (cjp_number(p, &v->num) == -1) {
			free(v);
			return NULL;
		}
		return v;
	}
}

struct cj *
cj_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct cjp p;
	struct cj *v;

	memset(&p, 0, sizeof(p));
	p.s = text;
	p.len = len;
	p.err = err;
	p.errlen = errlen;
	if ((v = cjp_value(&p, 0)) == NULL)
		return NULL;
	cjp_ws(&p);
	if (p.pos != p.len) {
		cjp_fail(&p, "trailing data");
		cj_free(v);
		return NULL;
	}
	return v;
}

void
cj_free(struct cj *v)
{
	struct cj *next;

	/* Siblings iteratively; depth is bounded by CTL_JSON_MAX_DEPTH. */
	for (; v != NULL; v = next) {
		next = v->next;
		cj_free(v->child);
		free(v->key);
		free(v->str);
		free(v);
	}
}

const struct cj *
cj_get(const struct cj *v, const char *key)
{
	const struct cj *e;

	if (v == NULL || v->type != CJ_OBJ)
		return NULL;
	for (e = v->child; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

const char *
cj_get_str(const struct cj *v, const char *key, const char *dflt)
{
	const struct cj *e = cj_get(v, key);

	return e != NULL && e->type == CJ_STR ? e->str : dflt;
}

double
cj_get_num(const struct cj *v, const char *key, double dflt)
{
	const struct cj *e = cj_get(v, key);

	return e != NULL && e->type == CJ_NUM ? e->num : dflt;
}

int
cj_get_bool(const struct cj *v, const char *key, int dflt)
{
	const struct cj *e = cj_get(v, key);

	return e != NULL && e->type == CJ_BOOL ? e->b : dflt;
}

/* ----------------------------------------------------- Prometheus text */

void
prom_label(struct cbuf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			cbuf_add(b, "\\\\", 2);
		else if (*v == '"')
			cbuf_add(b, "\\\"", 2);
		else if (*v == '\n')
			cbuf_add(b, "\\n", 2);
		else
			cbuf_add(b, v, 1);
	}
}

void
prom_family(struct cbuf *b, const char *name, const char *type,
    const char *help)
{
	cbuf_printf(b, "# HELP %s ", name);
	for (; *help != '\0'; help++) {
		if (*help == '\\')
			cbuf_add(b, "\\\\", 2);
		else if (*help == '\n')
			cbuf_add(b, "\\n", 2);
		else
			cbuf_add(b, help, 1);
	}
	cbuf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* --------------------------------------------------------------- HTTP */

ssize_t
http_req_parse(const char *buf, size_t len, size_t max, struct http_req *out,
    int *status)
{
	size_t n = len < max ? len : max, i, head = 0, le, s;

	memset(out, 0, sizeof(*out));
	*status = 400;
	/* The end of the head: an empty line. */
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < n && buf[i + 1] == '\n') {
			head = i + 2;
			break;
		}
		if (i + 2 < n && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			head = i + 3;
			break;
		}
	}
	if (head == 0) {
		if (len < max)
			return 0;
		*status = 431;
		return -1;
	}
	/* Request line: METHOD SP TARGET SP HTTP/1.x */
	le = (size_t)((const char *)memchr(buf, '\n', head) - buf);
	if (le > 0 && buf[le - 1] == '\r')
		le--;
	for (i = 0; i < le && buf[i] >= 'A' && buf[i] <= 'Z'; i++)
		;
	if (i == 0 || i >= sizeof(out->method) || i >= le || buf[i] != ' ')
		return -1;
	memcpy(out->method, buf, i);
	s = ++i;
	while (i < le && buf[i] != ' ')
		i++;
	if (i == s || buf[s] != '/' || i == le)
		return -1;
	{
		const char *q = memchr(buf + s, '?', i - s);
		size_t plen = q != NULL ? (size_t)(q - (buf + s)) : i - s;
		size_t k;

		if (plen >= sizeof(out->path)) {
			*status = 414;
			return -1;
		}
		for (k = 0; k < plen; k++)
			if ((unsigned char)buf[s + k] <= 0x20 ||
			    (unsigned char)buf[s + k] >= 0x7f)
				return -1;
		memcpy(out->path, buf + s, plen);
		out->path[plen] = '\0';
	}
	i++;
	if (le - i != 8 || memcmp(buf + i, "HTTP/", 5) != 0 ||
	    buf[i + 6] != '.' || buf[i + 5] < '0' || buf[i + 5] > '9' ||
	    buf[i + 7] < '0' || buf[i + 7] > '9')
		return -1;
	if (buf[i + 5] != '1') {
		*status = 505;
		return -1;
	}
	out->minor = buf[i + 7] - '0';
	*status = 200;
	return (ssize_t)head;
}
