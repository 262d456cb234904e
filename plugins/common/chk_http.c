/*
 * An incremental HTTP/1.x response parser for health checks (RFC 9112),
 * strict about the status line and message framing and bounded
 * everywhere: CHK_HTTP_HDR_MAX of header block (and of trailers), lines
 * of CHK_HTTP_LINE_MAX in chunked framing, CHK_HTTP_BODY_MAX of body.  A
 * body over its bound ends the parse early (DONE, truncated, not
 * reusable) rather than being read to its end.  See chk.h.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "chk.h"

enum {
	CH_HEAD = 0,
	CH_BODY,		/* Content-Length body */
	CH_CLOSE,		/* body until the server closes */
	CH_CHUNK_SIZE,
	CH_CHUNK_DATA,
	CH_CHUNK_CRLF,
	CH_TRAILER,
	CH_DONE,
	CH_BAD,
};

static enum chk_http_rc chk_http_bad(struct chk_http_resp *, const char *);
static int	 chk_http_head(struct chk_http_resp *, const char *, size_t);
static int	 chk_http_status_line(struct chk_http_resp *, const char *,
		    size_t);
static int	 chk_http_field(struct chk_http_resp *, const char *, size_t,
		    int *, int *, int *);
static void	 chk_http_body(struct chk_http_resp *, const char *, size_t);
static void	 chk_http_framing(struct chk_http_resp *, int);
static int	 chk_http_line(struct chk_http_resp *);
static int	 chk_tchar(int);
static int	 chk_token_eq(const char *, size_t, const char *);

void
chk_http_init(struct chk_http_resp *r, int head, unsigned char *body)
{
	memset(r, 0, offsetof(struct chk_http_resp, line));
	r->state = CH_HEAD;
	r->head = head;
	r->body = body;
}

static enum chk_http_rc
chk_http_bad(struct chk_http_resp *r, const char *why)
{
	r->state = CH_BAD;
	r->error = why;
	r->keepalive = 0;
	return (CHK_HTTP_BAD);
}

/* RFC 9110 5.6.2 tchar. */
static int
chk_tchar(int c)
{
	return (isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL));
}

/* s[0..n) equals the token t, ignoring case and surrounding blanks. */
static int
chk_token_eq(const char *s, size_t n, const char *t)
{
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return (n == strlen(t) && strncasecmp(s, t, n) == 0);
}

/* "HTTP/1.1 200 OK": version, one SP, three digits, SP reason or end. */
static int
chk_http_status_line(struct chk_http_resp *r, const char *l, size_t n)
{
	size_t		 i;

	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)l[7]) || l[8] != ' ' ||
	    !isdigit((unsigned char)l[9]) || !isdigit((unsigned char)l[10]) ||
	    !isdigit((unsigned char)l[11]) || (n > 12 && l[12] != ' '))
		return (-1);
	for (i = 13; i < n; i++) {
		if (((unsigned char)l[i] < 0x20 && l[i] != '\t') ||
		    l[i] == 0x7f)
			return (-1);
	}
	r->minor = l[7] - '0';
	r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	if (r->status < 100 || r->status > 599)
		return (-1);
	return (0);
}

/* One header field; remembers what framing and persistence need. */
static int
chk_http_field(struct chk_http_resp *r, const char *l, size_t n, int *te,
    int *conn_close, int *conn_keep)
{
	const char	*colon, *v, *end, *c;
	uint64_t	 cl;
	size_t		 vn, i;

	if ((colon = memchr(l, ':', n)) == NULL || colon == l)
		return (-1);
	for (c = l; c < colon; c++) {
		if (!chk_tchar((unsigned char)*c))
			return (-1);
	}
	v = colon + 1;
	end = l + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vn = (size_t)(end - v);
	for (i = 0; i < vn; i++) {
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    v[i] == 0x7f)
			return (-1);
	}

	if (chk_token_eq(l, (size_t)(colon - l), "content-length")) {
		if (vn == 0 || vn > 15)
			return (-1);
		for (cl = 0, i = 0; i < vn; i++) {
			if (!isdigit((unsigned char)v[i]))
				return (-1);
			cl = cl * 10 + (uint64_t)(v[i] - '0');
		}
		if (r->have_cl && r->clen != cl)
			return (-1);
		r->have_cl = 1;
		r->clen = cl;
	} else if (chk_token_eq(l, (size_t)(colon - l),
	    "transfer-encoding")) {
		/* Chunked must be the final coding (RFC 9112 6.1). */
		*te = 1;
		c = v + vn;
		while (c > v && c[-1] != ',')
			c--;
		r->chunked = chk_token_eq(c, (size_t)(v + vn - c), "chunked");
	} else if (chk_token_eq(l, (size_t)(colon - l), "connection")) {
		while (vn > 0) {
			c = memchr(v, ',', vn);
			i = c == NULL ? vn : (size_t)(c - v);
			if (chk_token_eq(v, i, "close"))
				*conn_close = 1;
			else if (chk_token_eq(v, i, "keep-alive"))
				*conn_keep = 1;
			if (c == NULL)
				break;
			vn -= i + 1;
			v = c + 1;
		}
	}
	return (0);
}

/* Parse a complete header block of n bytes (ends with an empty line). */
static int
chk_http_head(struct chk_http_resp *r, const char *h, size_t n)
{
	const char	*l, *nl, *end = h + n;
	size_t		 ln;
	int		 first = 1, te = 0, cclose = 0, ckeep = 0;

	if (memchr(h, '\0', n) != NULL)
		return (chk_http_bad(r, "NUL in header"));
	r->have_cl = 0;
	r->chunked = 0;
	for (l = h; l < end; l = nl + 1) {
		nl = memchr(l, '\n', (size_t)(end - l));
		ln = (size_t)(nl - l);
		if (ln > 0 && l[ln - 1] == '\r')
			ln--;
		if (first) {
			if (chk_http_status_line(r, l, ln) == -1)
				return (chk_http_bad(r, "bad status line"));
			first = 0;
			continue;
		}
		if (ln == 0)
			break;
		if (*l == ' ' || *l == '\t')
			return (chk_http_bad(r, "folded header line"));
		if (chk_http_field(r, l, ln, &te, &cclose, &ckeep) == -1)
			return (chk_http_bad(r, "bad header field"));
	}
	if (r->status >= 100 && r->status <= 199) {
		/* Interim response: the final one follows. */
		if (r->status == 101)
			return (chk_http_bad(r, "unexpected protocol switch"));
		return (0);
	}
	r->keepalive = r->minor >= 1 ? !cclose : (ckeep && !cclose);
	chk_http_framing(r, te);
	return (0);
}

/* RFC 9112 6.3: how the body is delimited. */
static void
chk_http_framing(struct chk_http_resp *r, int te)
{
	if (r->head || r->status == 204 || r->status == 304) {
		r->state = CH_DONE;
	} else if (te) {
		/* Both framings sent: use TE, but do not reuse the link. */
		if (r->have_cl)
			r->keepalive = 0;
		if (r->chunked)
			r->state = CH_CHUNK_SIZE;
		else {
			r->state = CH_CLOSE;
			r->keepalive = 0;
		}
	} else if (r->have_cl) {
		r->remain = r->clen;
		r->state = r->clen == 0 ? CH_DONE : CH_BODY;
	} else {
		r->state = CH_CLOSE;
		r->keepalive = 0;
	}
}

static void
chk_http_body(struct chk_http_resp *r, const char *p, size_t n)
{
	size_t		 k;

	if (r->body != NULL && r->bodylen < CHK_HTTP_BODY_MAX) {
		k = CHK_HTTP_BODY_MAX - r->bodylen;
		if (k > n)
			k = n;
		memcpy(r->body + r->bodylen, p, k);
		r->bodylen += k;
	}
	r->bodytotal += n;
	if (r->bodytotal > CHK_HTTP_BODY_MAX) {
		r->truncated = 1;
		r->keepalive = 0;
		r->state = CH_DONE;
	}
}

/* A complete line of chunked framing is in r->line (r->linelen). */
static int
chk_http_line(struct chk_http_resp *r)
{
	size_t		 n = r->linelen, i;
	uint64_t	 size = 0;

	if (n > 0 && r->line[n - 1] == '\r')
		n--;
	switch (r->state) {
	case CH_CHUNK_SIZE:
		for (i = 0; i < n && isxdigit((unsigned char)r->line[i]);
		    i++) {
			if (i == 15)
				return (chk_http_bad(r, "chunk too large"));
			size = size * 16 + (uint64_t)(isdigit(
			    (unsigned char)r->line[i]) ? r->line[i] - '0' :
			    (tolower((unsigned char)r->line[i]) - 'a' + 10));
		}
		if (i == 0)
			return (chk_http_bad(r, "bad chunk size"));
		while (i < n && (r->line[i] == ' ' || r->line[i] == '\t'))
			i++;
		if (i < n && r->line[i] != ';')
			return (chk_http_bad(r, "bad chunk size"));
		r->remain = size;
		r->state = size == 0 ? CH_TRAILER : CH_CHUNK_DATA;
		break;
	case CH_CHUNK_CRLF:
		if (n != 0)
			return (chk_http_bad(r, "chunk data too long"));
		r->state = CH_CHUNK_SIZE;
		break;
	case CH_TRAILER:
		if (n == 0)
			r->state = CH_DONE;
		break;
	}
	r->linelen = 0;
	return (0);
}

enum chk_http_rc
chk_http_feed(struct chk_http_resp *r, const char *buf, size_t n,
    size_t *used)
{
	size_t		 i = 0, k, j, end, old;

	while (i < n && r->state != CH_DONE && r->state != CH_BAD) {
		switch (r->state) {
		case CH_HEAD:
			if (r->hlen == sizeof(r->hbuf)) {
				chk_http_bad(r, "header too large");
				break;
			}
			k = sizeof(r->hbuf) - r->hlen;
			if (k > n - i)
				k = n - i;
			old = r->hlen;
			memcpy(r->hbuf + old, buf + i, k);
			r->hlen += k;
			end = 0;
			for (j = r->scan; j < r->hlen && end == 0; j++) {
				if (r->hbuf[j] != '\n')
					continue;
				if (j + 1 < r->hlen && r->hbuf[j + 1] == '\n')
					end = j + 2;
				else if (j + 2 < r->hlen &&
				    r->hbuf[j + 1] == '\r' &&
				    r->hbuf[j + 2] == '\n')
					end = j + 3;
			}
			if (end == 0) {
				r->scan = r->hlen > 2 ? r->hlen - 2 : 0;
				i += k;
				break;
			}
			/* Only the bytes up to the empty line are ours. */
			i += end - old;
			r->hlen = end;
			if (chk_http_head(r, r->hbuf, end) == -1)
				break;
			if (r->state == CH_HEAD)	/* after a 1xx */
				r->hlen = r->scan = 0;
			break;
		case CH_BODY:
		case CH_CHUNK_DATA:
			k = n - i;
			if (k > r->remain)
				k = (size_t)r->remain;
			r->remain -= k;
			chk_http_body(r, buf + i, k);
			i += k;
			if (r->remain == 0 && r->state == CH_BODY)
				r->state = CH_DONE;
			else if (r->remain == 0 && r->state == CH_CHUNK_DATA)
				r->state = CH_CHUNK_CRLF;
			break;
		case CH_CLOSE:
			chk_http_body(r, buf + i, n - i);
			i = n;
			break;
		case CH_CHUNK_SIZE:
		case CH_CHUNK_CRLF:
		case CH_TRAILER:
			if (buf[i] == '\n') {
				i++;
				if (r->state == CH_TRAILER)
					r->trailer += r->linelen + 1;
				if (chk_http_line(r) == -1)
					break;
				if (r->trailer > CHK_HTTP_HDR_MAX)
					chk_http_bad(r, "trailer too large");
				break;
			}
			if (r->state == CH_CHUNK_CRLF && buf[i] != '\r') {
				chk_http_bad(r, "chunk data too long");
				break;
			}
			if (r->linelen < sizeof(r->line))
				r->line[r->linelen] = buf[i];
			else if (r->state == CH_CHUNK_SIZE) {
				chk_http_bad(r, "chunk-size line too long");
				break;
			}
			r->linelen++;
			i++;
			if (r->state == CH_TRAILER &&
			    r->trailer + r->linelen > CHK_HTTP_HDR_MAX)
				chk_http_bad(r, "trailer too large");
			break;
		}
	}
	*used = i;
	if (r->state == CH_BAD)
		return (CHK_HTTP_BAD);
	if (r->state == CH_DONE)
		return (CHK_HTTP_DONE);
	return (CHK_HTTP_MORE);
}

enum chk_http_rc
chk_http_eof(struct chk_http_resp *r)
{
	switch (r->state) {
	case CH_CLOSE:
		r->state = CH_DONE;
		r->keepalive = 0;
		return (CHK_HTTP_DONE);
	case CH_DONE:
		return (CHK_HTTP_DONE);
	case CH_BAD:
		return (CHK_HTTP_BAD);
	default:
		return (chk_http_bad(r, r->state == CH_HEAD && r->hlen == 0 ?
		    "no response" : "truncated response"));
	}
}
