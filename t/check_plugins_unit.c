/*
 * Unit tests (Check) of the pure helpers of the check plugins
 * (plugins/common/): URL and HOST:PORT parsing, expect_status lists,
 * argv splitting, seconds, and the HTTP response parser.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/common/chk.h"

static char	 err[256];

/* ------------------------------------------------------------- URLs */

START_TEST(url_ok)
{
	struct chk_url	 u;

	ck_assert_int_eq(chk_url_parse("http://127.0.0.1/", &u, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_int_eq(u.port, 80);
	ck_assert_int_eq(u.port_given, 0);
	ck_assert_int_eq(u.bracketed, 0);
	ck_assert_str_eq(u.path, "/");

	ck_assert_int_eq(chk_url_parse("HTTP://web-1.example.org:8080/health"
	    "z?full=1#frag", &u, err, sizeof(err)), 0);
	ck_assert_str_eq(u.host, "web-1.example.org");
	ck_assert_int_eq(u.port, 8080);
	ck_assert_int_eq(u.port_given, 1);
	ck_assert_str_eq(u.path, "/healthz?full=1");

	ck_assert_int_eq(chk_url_parse("http://[::1]:81", &u, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_int_eq(u.bracketed, 1);
	ck_assert_int_eq(u.port, 81);
	ck_assert_str_eq(u.path, "/");

	ck_assert_int_eq(chk_url_parse("http://[2001:db8::5]/x", &u, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(u.host, "2001:db8::5");
	ck_assert_int_eq(u.port, 80);
	ck_assert_str_eq(u.path, "/x");

	ck_assert_int_eq(chk_url_parse("http://localhost?q", &u, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(u.host, "localhost");
	ck_assert_str_eq(u.path, "/?q");

	ck_assert_int_eq(chk_url_parse("http://h:65535", &u, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(u.port, 65535);
}
END_TEST

START_TEST(url_bad)
{
	static const struct {
		const char	*url;
		const char	*msg;
	} bad[] = {
		{ "https://127.0.0.1/", "https is not supported" },
		{ "ftp://127.0.0.1/", "expected http://" },
		{ "127.0.0.1", "expected http://" },
		{ "http://", "missing host" },
		{ "http:///x", "missing host" },
		{ "http://:80/", "missing host" },
		{ "http://a b/", "spaces" },
		{ "http://a/\tb", "spaces" },
		{ "http://u:p@host/", "user info" },
		{ "http://[::1/", "unterminated" },
		{ "http://[zz::1]/", "bad host" },
		{ "http://[::1]x/", "bad port" },
		{ "http://h:0/", "bad port" },
		{ "http://h:65536/", "bad port" },
		{ "http://h:80x/", "bad port" },
		{ "http://h:/", "bad port" },
		{ "http://h:123456/", "bad port" },
		{ "http://::1/", "missing host" },
		{ "http://ho$t/", "bad host" },
	};
	struct chk_url	 u;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(chk_url_parse(bad[i].url, &u, err,
		    sizeof(err)) == -1, "%s accepted", bad[i].url);
		ck_assert_msg(strstr(err, bad[i].msg) != NULL,
		    "%s: '%s' lacks '%s'", bad[i].url, err, bad[i].msg);
	}
}
END_TEST

START_TEST(url_long_path)
{
	struct chk_url	 u;
	char		*url;
	size_t		 n = CHK_PATH_MAX + 16;

	url = malloc(n + 1);
	ck_assert_ptr_nonnull(url);
	memset(url, 'a', n);
	memcpy(url, "http://h/", 9);
	url[n] = '\0';
	ck_assert_int_eq(chk_url_parse(url, &u, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "path too long"));
	free(url);
}
END_TEST

START_TEST(hostport)
{
	char		 host[CHK_HOST_MAX];
	uint16_t	 port;

	ck_assert_int_eq(chk_hostport_parse("127.0.0.1:5432", host,
	    sizeof(host), &port, err, sizeof(err)), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_int_eq(port, 5432);
	ck_assert_int_eq(chk_hostport_parse("[::1]:22", host, sizeof(host),
	    &port, err, sizeof(err)), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_int_eq(port, 22);
	ck_assert_int_eq(chk_hostport_parse("db.local:1", host, sizeof(host),
	    &port, err, sizeof(err)), 0);
	ck_assert_str_eq(host, "db.local");

	ck_assert_int_eq(chk_hostport_parse("127.0.0.1", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(chk_hostport_parse("::1:22", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "brackets"));
	ck_assert_int_eq(chk_hostport_parse("[::1]", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(chk_hostport_parse("[::1:22", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(chk_hostport_parse(":22", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(chk_hostport_parse("h:0", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(chk_hostport_parse("h:99999", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(chk_hostport_parse("h:", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(chk_hostport_parse("a b:1", host, sizeof(host),
	    &port, err, sizeof(err)), -1);
}
END_TEST

/* ---------------------------------------------------- expect_status */

START_TEST(status_ok)
{
	struct chk_status st;
	int		 c, n;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(chk_status_parse("200", &st, err, sizeof(err)), 0);
	ck_assert_int_eq(st.any, 1);
	ck_assert_int_eq(chk_status_match(&st, 200), 1);
	ck_assert_int_eq(chk_status_match(&st, 201), 0);
	ck_assert_int_eq(chk_status_match(&st, 99), 0);
	ck_assert_int_eq(chk_status_match(&st, 600), 0);

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(chk_status_parse("200,204", &st, err, sizeof(err)),
	    0);
	ck_assert_int_eq(chk_status_match(&st, 204), 1);
	ck_assert_int_eq(chk_status_match(&st, 203), 0);

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(chk_status_parse("200-299", &st, err, sizeof(err)),
	    0);
	for (n = 0, c = 100; c <= 599; c++)
		n += chk_status_match(&st, c);
	ck_assert_int_eq(n, 100);
	ck_assert_int_eq(chk_status_match(&st, 299), 1);
	ck_assert_int_eq(chk_status_match(&st, 300), 0);

	/* Mixed, blanks, and repeated keys add up. */
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(chk_status_parse(" 200 - 204 , 301,599 ", &st, err,
	    sizeof(err)), -1);
	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(chk_status_parse(" 200-204 , 301,599 ", &st, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(chk_status_parse("100", &st, err, sizeof(err)), 0);
	for (n = 0, c = 100; c <= 599; c++)
		n += chk_status_match(&st, c);
	ck_assert_int_eq(n, 8);
	ck_assert_int_eq(chk_status_match(&st, 599), 1);
	ck_assert_int_eq(chk_status_match(&st, 100), 1);
}
END_TEST

START_TEST(status_bad)
{
	static const char *const bad[] = {
		"", "20", "2000", "099", "600", "abc", "200,", ",200",
		"200,,204", "299-200", "200-", "-200", "200-600", "2x0",
		"200 204", "+200",
	};
	struct chk_status st;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&st, 0, sizeof(st));
		ck_assert_msg(chk_status_parse(bad[i], &st, err,
		    sizeof(err)) == -1, "'%s' accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "expect_status"));
	}
}
END_TEST

/* ---------------------------------------------------------- argv */

static void
argv_is(const char *line, const char *const *want)
{
	char		**av;
	int		 n, i;

	n = chk_argv_split(line, &av, err, sizeof(err));
	ck_assert_msg(n > 0, "'%s': %s", line, err);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(av[i] != NULL, "'%s': only %d words", line, i);
		ck_assert_msg(strcmp(av[i], want[i]) == 0,
		    "'%s': word %d is '%s', not '%s'", line, i, av[i],
		    want[i]);
	}
	ck_assert_int_eq(n, i);
	ck_assert_ptr_null(av[n]);
	chk_argv_free(av);
}

START_TEST(argv_ok)
{
	static const char *const w1[] = { "/bin/check", "a", "b", NULL };
	static const char *const w2[] = { "/bin/sh", "-c", "exit 3", NULL };
	static const char *const w3[] = { "/x", "it's", "a \"b\"", NULL };
	static const char *const w4[] = { "/x", "a b", "c\\d", "$HOME",
	    NULL };
	static const char *const w5[] = { "/x", "", "ab", "", NULL };
	static const char *const w6[] = { "/x", "\\$`\"", "\\n", NULL };
	static const char *const w7[] = { "/x", "one", NULL };
	static const char *const w8[] = { "/x", "a'b'c\"d\"e", NULL };

	argv_is("/bin/check a b", w1);
	argv_is("  /bin/check\ta   b  ", w1);
	argv_is("/bin/sh -c 'exit 3'", w2);
	argv_is("/bin/sh -c \"exit 3\"", w2);
	argv_is("/bin/sh -c exit\\ 3", w2);
	argv_is("/x \"it's\" 'a \"b\"'", w3);
	argv_is("/x a\\ b 'c\\d' $HOME", w4);
	argv_is("/x '' a\"\"b \"\"", w5);
	argv_is("/x \"\\\\\\$\\`\\\"\" \"\\n\"", w6);
	argv_is("/x \\\none", w7);
	argv_is("/x a\\'b\\'c\\\"d\\\"e", w8);
}
END_TEST

START_TEST(argv_bad)
{
	static const struct {
		const char	*line;
		const char	*msg;
	} bad[] = {
		{ "", "empty command" },
		{ "  \t ", "empty command" },
		{ "/x 'abc", "unterminated single quote" },
		{ "/x \"abc", "unterminated double quote" },
		{ "/x \"a\\\"", "unterminated double quote" },
		{ "/x abc\\", "trailing backslash" },
	};
	char		**av;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(chk_argv_split(bad[i].line, &av, err,
		    sizeof(err)) == -1, "'%s' accepted", bad[i].line);
		ck_assert_ptr_null(av);
		ck_assert_msg(strstr(err, bad[i].msg) != NULL,
		    "'%s': '%s' lacks '%s'", bad[i].line, err, bad[i].msg);
	}
	chk_argv_free(NULL);
}
END_TEST

/* ------------------------------------------------------- seconds */

START_TEST(seconds)
{
	unsigned int	 cs;

	ck_assert_int_eq(chk_seconds_parse("1", 1, 100000, &cs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(cs, 100);
	ck_assert_int_eq(chk_seconds_parse("0.25", 1, 100000, &cs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(cs, 25);
	ck_assert_int_eq(chk_seconds_parse("2.5", 1, 100000, &cs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(cs, 250);
	ck_assert_int_eq(chk_seconds_parse(".05", 1, 100000, &cs, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(cs, 5);
	ck_assert_int_eq(chk_seconds_parse("0", 1, 100000, &cs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(chk_seconds_parse("0.001", 1, 100000, &cs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(chk_seconds_parse("1.", 1, 100000, &cs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(chk_seconds_parse("", 1, 100000, &cs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(chk_seconds_parse("-1", 1, 100000, &cs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(chk_seconds_parse("1e3", 1, 100000, &cs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(chk_seconds_parse("1001", 1, 100000, &cs, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(chk_seconds_parse("99999999", 1, 100000, &cs, err,
	    sizeof(err)), -1);
}
END_TEST

/* --------------------------------------------------- HTTP responses */

static struct chk_http_resp *
http_new(int head, unsigned char *body)
{
	struct chk_http_resp *r;

	r = malloc(sizeof(*r));
	ck_assert_ptr_nonnull(r);
	chk_http_init(r, head, body);
	return (r);
}

/* Feed s in pieces of `step` bytes; returns the last rc. */
static enum chk_http_rc
http_feed(struct chk_http_resp *r, const char *s, size_t len, size_t step,
    size_t *usedtotal)
{
	enum chk_http_rc rc = CHK_HTTP_MORE;
	size_t		 off = 0, k, used;

	*usedtotal = 0;
	while (off < len && rc == CHK_HTTP_MORE) {
		k = len - off < step ? len - off : step;
		rc = chk_http_feed(r, s + off, k, &used);
		ck_assert_uint_le(used, k);
		*usedtotal += used;
		off += k;
	}
	return (rc);
}

START_TEST(http_content_length)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 5\r\n"
	    "\r\n"
	    "hello";
	static const size_t steps[] = { 1, 2, 3, 7, 1000 };
	unsigned char	*body;
	struct chk_http_resp *r;
	size_t		 i, used;

	body = malloc(CHK_HTTP_BODY_MAX);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		r = http_new(0, body);
		ck_assert_int_eq(http_feed(r, resp, sizeof(resp) - 1,
		    steps[i], &used), CHK_HTTP_DONE);
		ck_assert_uint_eq(used, sizeof(resp) - 1);
		ck_assert_int_eq(r->status, 200);
		ck_assert_int_eq(r->keepalive, 1);
		ck_assert_uint_eq(r->bodylen, 5);
		ck_assert_int_eq(memcmp(body, "hello", 5), 0);
		free(r);
	}
	free(body);
}
END_TEST

START_TEST(http_chunked)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "\r\n"
	    "5;ext=1\r\nhello\r\n"
	    "7\r\n, world\r\n"
	    "0\r\n"
	    "X-Trailer: yes\r\n"
	    "\r\n";
	static const size_t steps[] = { 1, 4, 1000 };
	unsigned char	*body;
	struct chk_http_resp *r;
	size_t		 i, used;

	body = malloc(CHK_HTTP_BODY_MAX);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		r = http_new(0, body);
		ck_assert_int_eq(http_feed(r, resp, sizeof(resp) - 1,
		    steps[i], &used), CHK_HTTP_DONE);
		ck_assert_uint_eq(used, sizeof(resp) - 1);
		ck_assert_int_eq(r->keepalive, 1);
		ck_assert_uint_eq(r->bodylen, 12);
		ck_assert_int_eq(memcmp(body, "hello, world", 12), 0);
		free(r);
	}
	free(body);
}
END_TEST

START_TEST(http_close_delimited)
{
	static const char resp[] = "HTTP/1.0 503 Service Unavailable\n"
	    "\n"
	    "down for maintenance";
	struct chk_http_resp *r;
	unsigned char	*body;
	size_t		 used;

	body = malloc(CHK_HTTP_BODY_MAX);
	r = http_new(0, body);
	ck_assert_int_eq(http_feed(r, resp, sizeof(resp) - 1, 10, &used),
	    CHK_HTTP_MORE);
	ck_assert_int_eq(chk_http_eof(r), CHK_HTTP_DONE);
	ck_assert_int_eq(r->status, 503);
	ck_assert_int_eq(r->minor, 0);
	ck_assert_int_eq(r->keepalive, 0);
	ck_assert_uint_eq(r->bodylen, 20);
	free(r);
	free(body);
}
END_TEST

START_TEST(http_no_body)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 1234\r\n\r\n";
	static const char nc[] = "HTTP/1.1 204 No Content\r\n\r\nHTTP";
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	static const char ka10[] = "HTTP/1.0 200 OK\r\n"
	    "Connection: Keep-Alive\r\nContent-Length: 0\r\n\r\n";
	static const char cl11[] = "HTTP/1.1 200 OK\r\n"
	    "Connection: foo, close\r\nContent-Length: 0\r\n\r\n";
	struct chk_http_resp *r;
	size_t		 used;

	r = http_new(1, NULL);
	ck_assert_int_eq(http_feed(r, head, sizeof(head) - 1, 1000, &used),
	    CHK_HTTP_DONE);
	ck_assert_int_eq(r->keepalive, 1);
	free(r);

	/* Bytes after a complete response are left unused. */
	r = http_new(0, NULL);
	ck_assert_int_eq(http_feed(r, nc, sizeof(nc) - 1, 1000, &used),
	    CHK_HTTP_DONE);
	ck_assert_uint_eq(used, sizeof(nc) - 1 - 4);
	ck_assert_int_eq(r->status, 204);
	free(r);

	r = http_new(0, NULL);
	ck_assert_int_eq(http_feed(r, cont, sizeof(cont) - 1, 3, &used),
	    CHK_HTTP_DONE);
	ck_assert_int_eq(r->status, 200);
	ck_assert_uint_eq(r->bodytotal, 2);
	free(r);

	r = http_new(0, NULL);
	ck_assert_int_eq(http_feed(r, ka10, sizeof(ka10) - 1, 1000, &used),
	    CHK_HTTP_DONE);
	ck_assert_int_eq(r->keepalive, 1);
	free(r);

	r = http_new(0, NULL);
	ck_assert_int_eq(http_feed(r, cl11, sizeof(cl11) - 1, 1000, &used),
	    CHK_HTTP_DONE);
	ck_assert_int_eq(r->keepalive, 0);
	free(r);
}
END_TEST

START_TEST(http_bad)
{
	static const char *const bad[] = {
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/2.0 200 OK\r\n\r\n",
		"HTTP/1.1  200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 099 Odd\r\n\r\n",
		"HTTP/1.1 600 Odd\r\n\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n\r\n",
		"\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		"HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		    "Content-Length: 6\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "zz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "2\r\nabc\r\n",
		"HTTP/1.1 101 Switching\r\n\r\n",
	};
	struct chk_http_resp *r;
	size_t		 i, used;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = http_new(0, NULL);
		ck_assert_msg(http_feed(r, bad[i], strlen(bad[i]), 1000,
		    &used) == CHK_HTTP_BAD, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(r->error);
		free(r);
	}
}
END_TEST

START_TEST(http_bounds)
{
	static const char trunc[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 9\r\n\r\nabc";
	struct chk_http_resp *r;
	unsigned char	*body;
	char		*big;
	size_t		 used, n;

	/* A header block over 16 KiB. */
	n = CHK_HTTP_HDR_MAX + 100;
	big = malloc(n + 64);
	strcpy(big, "HTTP/1.1 200 OK\r\nX-Pad: ");
	memset(big + strlen(big), 'a', n - strlen(big));
	big[n] = '\0';
	r = http_new(0, NULL);
	ck_assert_int_eq(http_feed(r, big, n, 4096, &used), CHK_HTTP_BAD);
	ck_assert_str_eq(r->error, "header too large");
	free(r);

	/* A body over 64 KiB: done early, truncated, not reusable. */
	body = malloc(CHK_HTTP_BODY_MAX);
	r = http_new(0, body);
	snprintf(big, 64, "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n");
	ck_assert_int_eq(http_feed(r, big, strlen(big), 1000, &used),
	    CHK_HTTP_MORE);
	free(big);
	n = 100000;
	big = malloc(n);
	memset(big, 'b', n);
	ck_assert_int_eq(http_feed(r, big, n, 4096, &used), CHK_HTTP_DONE);
	ck_assert_int_eq(r->truncated, 1);
	ck_assert_int_eq(r->keepalive, 0);
	ck_assert_uint_eq(r->bodylen, CHK_HTTP_BODY_MAX);
	free(r);
	free(body);
	free(big);

	/* Truncated responses. */
	r = http_new(0, NULL);
	ck_assert_int_eq(chk_http_eof(r), CHK_HTTP_BAD);
	ck_assert_str_eq(r->error, "no response");
	free(r);
	r = http_new(0, NULL);
	ck_assert_int_eq(http_feed(r, trunc, strlen(trunc), 1000, &used),
	    CHK_HTTP_MORE);
	ck_assert_int_eq(chk_http_eof(r), CHK_HTTP_BAD);
	ck_assert_str_eq(r->error, "truncated response");
	free(r);
}
END_TEST

static Suite *
plugins_suite(void)
{
	Suite		*s;
	TCase		*tc;

	s = suite_create("check plugins");
	tc = tcase_create("url");
	tcase_add_test(tc, url_ok);
	tcase_add_test(tc, url_bad);
	tcase_add_test(tc, url_long_path);
	tcase_add_test(tc, hostport);
	suite_add_tcase(s, tc);
	tc = tcase_create("status");
	tcase_add_test(tc, status_ok);
	tcase_add_test(tc, status_bad);
	suite_add_tcase(s, tc);
	tc = tcase_create("argv");
	tcase_add_test(tc, argv_ok);
	tcase_add_test(tc, argv_bad);
	tcase_add_test(tc, seconds);
	suite_add_tcase(s, tc);
	tc = tcase_create("http");
	tcase_add_test(tc, http_content_length);
	tcase_add_test(tc, http_chunked);
	tcase_add_test(tc, http_close_delimited);
	tcase_add_test(tc, http_no_body);
	tcase_add_test(tc, http_bad);
	tcase_add_test(tc, http_bounds);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner		*sr;
	int		 failed;

	sr = srunner_create(plugins_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
