/*
 * Pure parsing helpers of the check plugins: URLs, HOST:PORT, status code
 * lists, shell-like argv splitting, seconds with decimals.  See chk.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chk.h"

static int	 chk_host_ok(const char *);
static int	 chk_port_parse(const char *, size_t, uint16_t *);
static int	 chk_code_parse(const char *, size_t, int *);
static int	 chk_blank(char);

/* Host names: letters, digits, '-', '.', '_' (IPv4 literals fit too). */
static int
chk_host_ok(const char *h)
{
	const unsigned char *p;

	if (*h == '\0')
		return (0);
	for (p = (const unsigned char *)h; *p != '\0'; p++) {
		if (!isalnum(*p) && *p != '-' && *p != '.' && *p != '_')
			return (0);
	}
	return (1);
}

static int
chk_port_parse(const char *s, size_t n, uint16_t *port)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (n == 0 || n > 5)
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

int
chk_url_parse(const char *url, struct chk_url *u, char *err, size_t errlen)
{
	const unsigned char *c;
	const char	*auth, *aend, *hs, *he, *p, *q;
	struct in6_addr	 a6;
	size_t		 n;

	memset(u, 0, sizeof(*u));
	for (c = (const unsigned char *)url; *c != '\0'; c++) {
		if (*c <= 0x20 || *c == 0x7f) {
			snprintf(err, errlen, "url: spaces and control "
			    "characters are not allowed");
			return (-1);
		}
	}
	if (strncasecmp(url, "http://", 7) != 0) {
		if (strncasecmp(url, "https://", 8) == 0)
			snprintf(err, errlen, "url: https is not supported "
			    "(http:// only)");
		else
			snprintf(err, errlen, "url: expected "
			    "http://HOST[:PORT][/PATH]");
		return (-1);
	}
	auth = url + 7;
	aend = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(aend - auth)) != NULL) {
		snprintf(err, errlen, "url: user info is not supported");
		return (-1);
	}

	if (*auth == '[') {
		hs = auth + 1;
		if ((he = memchr(hs, ']', (size_t)(aend - hs))) == NULL) {
			snprintf(err, errlen, "url: unterminated [IPv6] "
			    "literal");
			return (-1);
		}
		p = he + 1;
		u->bracketed = 1;
	} else {
		hs = auth;
		if ((he = memchr(hs, ':', (size_t)(aend - hs))) == NULL)
			he = aend;
		p = he;
	}
	n = (size_t)(he - hs);
	if (n == 0) {
		snprintf(err, errlen, "url: missing host");
		return (-1);
	}
	if (n >= sizeof(u->host)) {
		snprintf(err, errlen, "url: host too long");
		return (-1);
	}
	memcpy(u->host, hs, n);
	u->host[n] = '\0';
	if (u->bracketed ? inet_pton(AF_INET6, u->host, &a6) != 1 :
	    !chk_host_ok(u->host)) {
		snprintf(err, errlen, "url: bad host '%s'", u->host);
		return (-1);
	}

	u->port = 80;
	if (p < aend) {
		if (*p != ':' || chk_port_parse(p + 1, (size_t)(aend - p - 1),
		    &u->port) == -1) {
			snprintf(err, errlen, "url: bad port (1-65535)");
			return (-1);
		}
		u->port_given = 1;
	}

	/* Request target: the path and query, without a fragment. */
	q = aend + strcspn(aend, "#");
	n = (size_t)(q - aend);
	if (n + 2 > sizeof(u->path)) {
		snprintf(err, errlen, "url: path too long");
		return (-1);
	}
	if (n == 0 || *aend == '?') {
		u->path[0] = '/';
		memcpy(u->path + 1, aend, n);
		u->path[n + 1] = '\0';
	} else {
		memcpy(u->path, aend, n);
		u->path[n] = '\0';
	}
	return (0);
}

int
chk_hostport_parse(const char *s, char *host, size_t hostlen, uint16_t *port,
    char *err, size_t errlen)
{
	const char	*hs, *he, *p;
	struct in6_addr	 a6;
	size_t		 n;
	int		 bracketed = 0;

	if (*s == '[') {
		hs = s + 1;
		if ((he = strchr(hs, ']')) == NULL) {
			snprintf(err, errlen, "%s: unterminated [IPv6] literal",
			    s);
			return (-1);
		}
		p = he + 1;
		bracketed = 1;
	} else {
		hs = s;
		if ((he = strrchr(hs, ':')) == NULL) {
			snprintf(err, errlen, "%s: expected HOST:PORT", s);
			return (-1);
		}
		if (memchr(hs, ':', (size_t)(he - hs)) != NULL) {
			snprintf(err, errlen, "%s: write an IPv6 address in "
			    "brackets, [ADDR]:PORT", s);
			return (-1);
		}
		p = he;
	}
	n = (size_t)(he - hs);
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, "%s: %s host", s, n == 0 ? "missing" :
		    "too long a");
		return (-1);
	}
	memcpy(host, hs, n);
	host[n] = '\0';
	if (bracketed ? inet_pton(AF_INET6, host, &a6) != 1 :
	    !chk_host_ok(host)) {
		snprintf(err, errlen, "%s: bad host '%s'", s, host);
		return (-1);
	}
	if (*p != ':') {
		snprintf(err, errlen, "%s: expected HOST:PORT", s);
		return (-1);
	}
	if (chk_port_parse(p + 1, strlen(p + 1), port) == -1) {
		snprintf(err, errlen, "%s: bad port (1-65535)", s);
		return (-1);
	}
	return (0);
}

static int
chk_code_parse(const char *s, size_t n, int *code)
{
	if (n != 3 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
		return (-1);
	*code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	if (*code < 100 || *code > 599)
		return (-1);
	return (0);
}

int
chk_status_parse(const char *s, struct chk_status *st, char *err,
    size_t errlen)
{
	const char	*p, *end, *dash;
	int		 lo, hi, c;

	p = s;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == p) {
			snprintf(err, errlen, "expect_status %s: empty item",
			    s);
			return (-1);
		}
		dash = memchr(p, '-', (size_t)(end - p));
		if (dash == NULL) {
			if (chk_code_parse(p, (size_t)(end - p), &lo) == -1)
				goto bad;
			hi = lo;
		} else if (chk_code_parse(p, (size_t)(dash - p), &lo) == -1 ||
		    chk_code_parse(dash + 1, (size_t)(end - dash - 1),
		    &hi) == -1 || hi < lo)
			goto bad;
		for (c = lo; c <= hi; c++)
			st->bits[c / 8] |= (uint8_t)(1u << (c % 8));
		st->any = 1;
		p = end;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return (0);
		p++;		/* the comma */
	}

 bad:
	snprintf(err, errlen, "expect_status %s: expected codes 100-599 or "
	    "ranges like 200-299, separated by commas", s);
	return (-1);
}

int
chk_status_match(const struct chk_status *st, int code)
{
	if (code < 100 || code > 599)
		return (0);
	return ((st->bits[code / 8] & (1u << (code % 8))) != 0);
}

static int
chk_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\n');
}

int
chk_argv_split(const char *s, char ***argvp, char *err, size_t errlen)
{
	char		**argv = NULL, **nv, *buf, *w, *start;
	const char	*p = s, *msg;
	size_t		 n = 0, cap = 0;

	*argvp = NULL;
	/* Words never grow: each needs one NUL, paid by a blank or ours. */
	if ((buf = malloc(strlen(s) + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	w = buf;
	for (;;) {
		while (chk_blank(*p))
			p++;
		if (*p == '\0')
			break;
		start = w;
		while (*p != '\0' && !chk_blank(*p)) {
			if (*p == '\'') {
				for (p++; *p != '\'' && *p != '\0'; p++)
					*w++ = *p;
				if (*p == '\0') {
					msg = "unterminated single quote";
					goto fail;
				}
				p++;
			} else if (*p == '"') {
				for (p++; *p != '"' && *p != '\0'; p++) {
					if (*p == '\\' && p[1] == '\n') {
						p++;
						continue;
					}
					if (*p == '\\' && p[1] != '\0' &&
					    strchr("\\\"$`", p[1]) != NULL)
						p++;
					*w++ = *p;
				}
				if (*p == '\0') {
					msg = "unterminated double quote";
					goto fail;
				}
				p++;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					msg = "trailing backslash";
					goto fail;
				}
				if (p[1] != '\n')
					*w++ = p[1];
				p += 2;
			} else
				*w++ = *p++;
		}
		*w++ = '\0';
		if (n + 2 > cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = reallocarray(argv, cap, sizeof(*argv))) ==
			    NULL) {
				msg = "out of memory";
				goto fail;
			}
			argv = nv;
		}
		argv[n++] = start;
	}
	if (n == 0) {
		msg = "empty command";
		goto fail;
	}
	argv[n] = NULL;
	*argvp = argv;
	return ((int)n);

 fail:
	snprintf(err, errlen, "%s", msg);
	free(argv);
	free(buf);
	return (-1);
}

void
chk_argv_free(char **argv)
{
	/* All words live in one buffer, which starts with the first word. */
	if (argv == NULL)
		return;
	free(argv[0]);
	free(argv);
}

int
chk_seconds_parse(const char *s, unsigned int min_cs, unsigned int max_cs,
    unsigned int *cs, char *err, size_t errlen)
{
	const char	*p = s;
	unsigned long	 v = 0;
	int		 digits = 0, dec = 0;

	while (*p >= '0' && *p <= '9') {
		if (++digits > 7)
			goto bad;
		v = v * 10 + (unsigned long)(*p++ - '0');
	}
	v *= 100;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (++dec > 2)
				goto bad;
			v += (unsigned long)(*p++ - '0') * (dec == 1 ? 10 : 1);
		}
		if (dec == 0)
			goto bad;
	}
	if (*p != '\0' || digits + dec == 0)
		goto bad;
	if (v < min_cs || v > max_cs)
		goto bad;
	*cs = (unsigned int)v;
	return (0);

 bad:
	snprintf(err, errlen, "'%s': expected seconds with at most two "
	    "decimals, %u.%02u to %u.%02u", s, min_cs / 100, min_cs % 100,
	    max_cs / 100, max_cs % 100);
	return (-1);
}
