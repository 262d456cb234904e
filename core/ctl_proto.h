/*
 * Control protocol, JSON and Prometheus text helpers, shared by the
 * daemon (ctl.c, metrics.c) and fipctl.  Pure code: no sockets, no
 * clock, no global state, plain malloc (fipctl does not link the core
 * library).  Every input is bounded, so the parsers are safe to feed
 * anything (the unit suite does, with random bytes).
 *
 * The protocol (fipctl(8) documents it for other clients):
 *
 *   request  = VERB *( SP ARG ) [CR] LF   at most CTL_REQ_MAX bytes
 *   reply    = one JSON object on one line, then LF
 *
 * A connection may carry several requests, answered in order.  A reply
 * with an "error" member means the request failed; a request longer than
 * CTL_REQ_MAX gets an error reply and the connection is closed.
 */
#ifndef FIPD_CTL_PROTO_H
#define FIPD_CTL_PROTO_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest request line, LF included. */
#define CTL_REQ_MAX 4096
/* Most words in a request (verb included). */
#define CTL_REQ_MAX_ARGS 8
/* Deepest JSON nesting cj_parse() accepts (and jw writes). */
#define CTL_JSON_MAX_DEPTH 32

/* ------------------------------------------------------------ requests */

enum ctl_verb {
	CTL_V_NONE = 0,
	CTL_V_STATUS,		/* "status": the JSON of DESIGN.md 7 */
	CTL_V_RELOAD,		/* "reload": reload the configuration file */
	CTL_V_VERSION,		/* "version" */
	CTL_V_PING,		/* "ping": {"pong":true}, for health probes */
	CTL_V_MAX
};

/* A parsed request. */
struct ctl_req {
	enum ctl_verb verb;
	int argc;		/* words after the verb */
};

/*
 * Find the end of the first request in buf.
 *   buf, len: bytes received so far
 * Returns: the length of the first line, LF included (> 0); 0 if no LF
 * yet and there is room for more; -1 if no LF within CTL_REQ_MAX bytes
 * (the request is too long).
 */
ssize_t ctl_req_frame(const char *buf, size_t len);

/*
 * Parse one request line.
 *   line, len: the line, with or without its LF (and CR)
 *   out: the request
 *   err, errlen: why it was refused, for the error reply
 * Returns: 0, or -1 (empty, control characters or non-ASCII bytes, too
 * many words, unknown verb, arguments the verb does not take).
 */
int ctl_req_parse(const char *line, size_t len, struct ctl_req *out,
    char *err, size_t errlen);

/* The verb's name ("status"); "?" for an unknown value. */
const char *ctl_verb_str(enum ctl_verb);

/* ------------------------------------------------------------- buffers */

/*
 * A growable byte buffer.  Allocation failures are remembered (`failed`)
 * and make later appends no-ops, so a writer can check once at the end.
 */
struct cbuf {
	char *p;		/* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	size_t limit;		/* 0 = none; beyond it appends fail */
	int failed;
};

void cbuf_init(struct cbuf *, size_t limit);
void cbuf_free(struct cbuf *);
/* Forget the contents, keep the memory. */
void cbuf_reset(struct cbuf *);
void cbuf_add(struct cbuf *, const void *data, size_t n);
void cbuf_adds(struct cbuf *, const char *s);
void cbuf_printf(struct cbuf *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (consumed input). */
void cbuf_consume(struct cbuf *, size_t n);

/* ---------------------------------------------------------- JSON writer */

/*
 * Streaming JSON writer: it places commas and quotes, escapes strings
 * (invalid UTF-8 becomes U+FFFD, so the output is always valid JSON)
 * and tracks nesting.  `key` is the member name inside an object and
 * must be NULL inside an array or at the top.
 */
struct jw {
	struct cbuf *b;
	int depth;
	int err;			/* misuse: key/no key, depth */
	unsigned char first[CTL_JSON_MAX_DEPTH + 1];
	unsigned char is_obj[CTL_JSON_MAX_DEPTH + 1];
};

void jw_init(struct jw *, struct cbuf *);
void jw_obj_open(struct jw *, const char *key);
void jw_obj_close(struct jw *);
void jw_arr_open(struct jw *, const char *key);
void jw_arr_close(struct jw *);
/* A string member; v NULL writes null. */
void jw_str(struct jw *, const char *key, const char *v);
void jw_int(struct jw *, const char *key, long long v);
void jw_uint(struct jw *, const char *key, unsigned long long v);
/* A number with up to 6 decimals; NaN and infinities write null. */
void jw_double(struct jw *, const char *key, double v);
void jw_bool(struct jw *, const char *key, int v);
void jw_null(struct jw *, const char *key);
/*
 * Returns: 0 if everything was closed, nothing was misused and the
 * buffer never failed; -1 otherwise.
 */
int jw_finish(struct jw *);

/* Append s as a JSON string literal (quotes included). */
void json_quote(struct cbuf *, const char *s);

/* ---------------------------------------------------------- JSON reader */

enum cj_type {
	CJ_NULL = 0,
	CJ_BOOL,
	CJ_NUM,
	CJ_STR,
	CJ_ARR,
	CJ_OBJ,
};

/* A parsed JSON value.  Object members and array elements are a list. */
struct cj {
	enum cj_type type;
	char *key;		/* member name (inside an object), else NULL */
	char *str;		/* CJ_STR, NUL-terminated (may hold NULs) */
	size_t slen;
	double num;		/* CJ_NUM */
	int b;			/* CJ_BOOL */
	struct cj *child;	/* CJ_ARR, CJ_OBJ: first element */
	struct cj *next;	/* next sibling */
	size_t n;		/* CJ_ARR, CJ_OBJ: number of children */
};

/*
 * Parse one JSON text (RFC 8259; surrounding whitespace allowed).
 *   text, len: the input, need not be NUL-terminated
 *   err, errlen: message with the byte offset on failure
 * Returns: the value (cj_free() it), or NULL.
 */
struct cj *cj_parse(const char *text, size_t len, char *err, size_t errlen);
void cj_free(struct cj *);
/* Member `key` of an object; NULL if absent or v is not an object. */
const struct cj *cj_get(const struct cj *v, const char *key);
/* Member `key` as a string / number / boolean, or the default. */
const char *cj_get_str(const struct cj *v, const char *key,
    const char *dflt);
double cj_get_num(const struct cj *v, const char *key, double dflt);
int cj_get_bool(const struct cj *v, const char *key, int dflt);

/* ----------------------------------------------------- Prometheus text */

/* Append v escaped for a label value (\\, \", \n). */
void prom_label(struct cbuf *, const char *v);
/* "# HELP name help\n# TYPE name type\n" (help escaped: \\, \n). */
void prom_family(struct cbuf *, const char *name, const char *type,
    const char *help);

/* --------------------------------------------------------------- HTTP */

/* The request line of a minimal HTTP/1.x request (metrics endpoint). */
struct http_req {
	char method[8];		/* "GET", "HEAD", ... (truncated: refused) */
	char path[256];		/* without the query string */
	int minor;		/* HTTP/1.<minor> */
};

/*
 * Parse an HTTP request head: the request line and headers up to the
 * empty line (CRLF CRLF, or LF LF).  Headers are skipped.
 *   buf, len: bytes received so far
 *   out: the request line
 *   status: on -1, the HTTP status to answer (400, 414, 431, 505)
 * Returns: the length of the head (> 0); 0 if incomplete and shorter than
 * max; -1 if malformed or longer than max.
 */
ssize_t http_req_parse(const char *buf, size_t len, size_t max,
    struct http_req *out, int *status);

#endif /* FIPD_CTL_PROTO_H */
