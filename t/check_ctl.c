/*
 * Unit suite for core/ctl_proto.c: request framing and parsing, the JSON
 * writer and reader, Prometheus and HTTP helpers, and a random-input
 * pass over every parser (run under the build's sanitizers).
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

/* ------------------------------------------------------------ requests */

START_TEST(frame_lengths)
{
	char buf[CTL_REQ_MAX + 10];

	ck_assert_int_eq(ctl_req_frame("", 0), 0);
	ck_assert_int_eq(ctl_req_frame("stat", 4), 0);
	ck_assert_int_eq(ctl_req_frame("status\n", 7), 7);
	ck_assert_int_eq(ctl_req_frame("ping\nstatus\n", 12), 5);
	memset(buf, 'a', sizeof(buf));
	ck_assert_int_eq(ctl_req_frame(buf, CTL_REQ_MAX - 1), 0);
	ck_assert_int_eq(ctl_req_frame(buf, CTL_REQ_MAX), -1);
	ck_assert_int_eq(ctl_req_frame(buf, sizeof(buf)), -1);
	/* The LF as the last byte allowed. */
	buf[CTL_REQ_MAX - 1] = '\n';
	ck_assert_int_eq(ctl_req_frame(buf, sizeof(buf)), CTL_REQ_MAX);
	/* One byte too far. */
	buf[CTL_REQ_MAX - 1] = 'a';
	buf[CTL_REQ_MAX] = '\n';
	ck_assert_int_eq(ctl_req_frame(buf, sizeof(buf)), -1);
}
END_TEST

static int
parse(const char *s, struct ctl_req *r, char *err, size_t errlen)
{
	return ctl_req_parse(s, strlen(s), r, err, errlen);
}

START_TEST(parse_valid)
{
	struct ctl_req r;
	char err[160];

	ck_assert_int_eq(parse("status\n", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.verb, CTL_V_STATUS);
	ck_assert_int_eq(parse("status json\r\n", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.verb, CTL_V_STATUS);
	ck_assert_int_eq(parse("  reload\t\n", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.verb, CTL_V_RELOAD);
	ck_assert_int_eq(parse("version", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.verb, CTL_V_VERSION);
	ck_assert_int_eq(parse("ping\n", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.verb, CTL_V_PING);
	ck_assert_str_eq(ctl_verb_str(CTL_V_RELOAD), "reload");
	ck_assert_str_eq(ctl_verb_str(CTL_V_MAX), "?");
}
END_TEST

START_TEST(parse_refused)
{
	struct ctl_req r;
	char err[160];

	ck_assert_int_eq(parse("\n", &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	ck_assert_int_eq(parse("   \r\n", &r, err, sizeof(err)), -1);
	ck_assert_int_eq(parse("bogus\n", &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown command 'bogus'"));
	ck_assert_int_eq(parse("Status\n", &r, err, sizeof(err)), -1);
	ck_assert_int_eq(parse("statusx\n", &r, err, sizeof(err)), -1);
	ck_assert_int_eq(parse("status now\n", &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "takes no arguments"));
	ck_assert_int_eq(r.verb, CTL_V_NONE);
	ck_assert_int_eq(parse("reload json\n", &r, err, sizeof(err)), -1);
	ck_assert_int_eq(parse("a b c d e f g h i\n", &r, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	ck_assert_int_eq(parse("sta\x01tus\n", &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "offset 3"));
	ck_assert_int_eq(parse("status\xc3\xa9\n", &r, err, sizeof(err)), -1);
	/* An embedded NUL is a control character too. */
	ck_assert_int_eq(ctl_req_parse("stat\0us\n", 8, &r, err,
	    sizeof(err)), -1);
	/* A long unknown verb is cut in the message. */
	{
		char big[200];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		ck_assert_int_eq(parse(big, &r, err, sizeof(err)), -1);
		ck_assert_uint_lt(strlen(err), sizeof(err));
	}
}
END_TEST

/* ------------------------------------------------------------- buffers */

START_TEST(cbuf_ops)
{
	struct cbuf b;
	char big[1000];

	cbuf_init(&b, 0);
	cbuf_adds(&b, "abc");
	cbuf_printf(&b, "-%d-", 42);
	ck_assert_str_eq(b.p, "abc-42-");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cbuf_printf(&b, "%s!", big);
	ck_assert_uint_eq(b.len, 7 + 999 + 1);
	ck_assert_int_eq(b.p[b.len - 1], '!');
	cbuf_consume(&b, 7);
	ck_assert_uint_eq(b.len, 1000);
	ck_assert_int_eq(b.p[0], 'z');
	cbuf_consume(&b, 5000);
	ck_assert_uint_eq(b.len, 0);
	cbuf_free(&b);

	/* A limit makes appends fail, and sticks. */
	cbuf_init(&b, 8);
	cbuf_adds(&b, "12345678");
	ck_assert_int_eq(b.failed, 0);
	cbuf_adds(&b, "9");
	ck_assert_int_eq(b.failed, 1);
	cbuf_reset(&b);
	ck_assert_int_eq(b.failed, 0);
	cbuf_printf(&b, "%s", big);
	ck_assert_int_eq(b.failed, 1);
	cbuf_free(&b);
}
END_TEST

/* ---------------------------------------------------------- JSON writer */

START_TEST(jw_document)
{
	struct cbuf b;
	struct jw w;

	cbuf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "name", "VI_1");
	jw_int(&w, "n", -3);
	jw_uint(&w, "u", 18446744073709551615ULL);
	jw_double(&w, "d", 0.5);
	jw_double(&w, "w", 2.0);
	jw_double(&w, "small", 0.000001);
	jw_double(&w, "nan", 0.0 / 0.0);
	jw_double(&w, "huge", 1e300);
	jw_bool(&w, "t", 1);
	jw_null(&w, "z");
	jw_str(&w, "nul", NULL);
	jw_arr_open(&w, "a");
	jw_str(&w, NULL, "x");
	jw_obj_open(&w, NULL);
	jw_obj_close(&w);
	jw_arr_open(&w, NULL);
	jw_arr_close(&w);
	jw_arr_close(&w);
	jw_obj_close(&w);
	ck_assert_int_eq(jw_finish(&w), 0);
	ck_assert_str_eq(b.p, "{\"name\":\"VI_1\",\"n\":-3,"
	    "\"u\":18446744073709551615,\"d\":0.5,\"w\":2,\"small\":0.000001,"
	    "\"nan\":null,\"huge\":null,\"t\":true,\"z\":null,\"nul\":null,"
	    "\"a\":[\"x\",{},[]]}");
	cbuf_free(&b);
}
END_TEST

START_TEST(jw_misuse)
{
	struct cbuf b;
	struct jw w;
	int i;

	/* A member name inside an array. */
	cbuf_init(&b, 0);
	jw_init(&w, &b);
	jw_arr_open(&w, NULL);
	jw_str(&w, "k", "v");
	jw_arr_close(&w);
	ck_assert_int_eq(jw_finish(&w), -1);
	cbuf_free(&b);

	/* No name inside an object. */
	cbuf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_int(&w, NULL, 1);
	jw_obj_close(&w);
	ck_assert_int_eq(jw_finish(&w), -1);
	cbuf_free(&b);

	/* Unclosed, wrong closer, two top-level values, nothing. */
	cbuf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	ck_assert_int_eq(jw_finish(&w), -1);
	jw_arr_close(&w);
	ck_assert_int_eq(jw_finish(&w), -1);
	cbuf_free(&b);
	cbuf_init(&b, 0);
	jw_init(&w, &b);
	jw_int(&w, NULL, 1);
	jw_int(&w, NULL, 2);
	ck_assert_int_eq(jw_finish(&w), -1);
	cbuf_free(&b);
	cbuf_init(&b, 0);
	jw_init(&w, &b);
	ck_assert_int_eq(jw_finish(&w), -1);
	cbuf_free(&b);

	/* Too deep. */
	cbuf_init(&b, 0);
	jw_init(&w, &b);
	for (i = 0; i < CTL_JSON_MAX_DEPTH + 1; i++)
		jw_arr_open(&w, NULL);
	for (i = 0; i < CTL_JSON_MAX_DEPTH + 1; i++)
		jw_arr_close(&w);
	ck_assert_int_eq(jw_finish(&w), -1);
	cbuf_free(&b);

	/* A buffer limit is reported. */
	cbuf_init(&b, 10);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "key", "a value longer than ten bytes");
	jw_obj_close(&w);
	ck_assert_int_eq(jw_finish(&w), -1);
	cbuf_free(&b);
}
END_TEST

START_TEST(json_escaping)
{
	struct cbuf b;

	cbuf_init(&b, 0);
	json_quote(&b, "a\"b\\c\n\t\r\x01\x7f");
	ck_assert_str_eq(b.p, "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u007f\"");
	cbuf_reset(&b);
	/* Valid UTF-8 passes, invalid bytes become U+FFFD. */
	json_quote(&b, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	ck_assert_str_eq(b.p, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	cbuf_reset(&b);
	json_quote(&b, "\xff\xc3(\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80x");
	ck_assert_str_eq(b.p, "\"\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd"
	    "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffdx\"");
	cbuf_free(&b);
}
END_TEST

/* ---------------------------------------------------------- JSON reader */

static struct cj *
jparse(const char *s)
{
	char err[128];

	return cj_parse(s, strlen(s), err, sizeof(err));
}

START_TEST(cj_values)
{
	struct cj *v;
	const struct cj *e;

	v = jparse(" {\"a\":1,\"b\":[true,false,null,\"x\"],\"c\":{\"d\":-2.5e1},"
	    "\"s\":\"\\u00e9\\ud83d\\ude00\\n\\\"\\/\"} ");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->type, CJ_OBJ);
	ck_assert_uint_eq(v->n, 4);
	ck_assert(cj_get_num(v, "a", 0) == 1.0);
	e = cj_get(v, "b");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->type, CJ_ARR);
	ck_assert_uint_eq(e->n, 4);
	ck_assert_int_eq(e->child->type, CJ_BOOL);
	ck_assert_int_eq(e->child->b, 1);
	ck_assert_int_eq(e->child->next->b, 0);
	ck_assert_int_eq(e->child->next->next->type, CJ_NULL);
	ck_assert_str_eq(e->child->next->next->next->str, "x");
	ck_assert(cj_get_num(cj_get(v, "c"), "d", 0) == -25.0);
	ck_assert_str_eq(cj_get_str(v, "s", ""),
	    "\xc3\xa9\xf0\x9f\x98\x80\n\"/");
	ck_assert_str_eq(cj_get_str(v, "a", "dflt"), "dflt");
	ck_assert_int_eq(cj_get_bool(v, "zz", 7), 7);
	ck_assert_ptr_null(cj_get(v, "missing"));
	ck_assert_ptr_null(cj_get(e, "a"));
	cj_free(v);

	/* Scalars at the top, empty containers, a lone surrogate. */
	v = jparse("42");
	ck_assert(v != NULL && v->type == CJ_NUM && v->num == 42.0);
	cj_free(v);
	v = jparse("[]");
	ck_assert(v != NULL && v->type == CJ_ARR && v->n == 0);
	cj_free(v);
	v = jparse("{ }");
	ck_assert(v != NULL && v->type == CJ_OBJ && v->n == 0);
	cj_free(v);
	v = jparse("\"\\ud800x\"");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->str, "\xef\xbf\xbdx");
	cj_free(v);
	v = jparse("\"\\u0000\"");
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->slen, 1);
	cj_free(v);
}
END_TEST

START_TEST(cj_errors)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}",
		"{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
		"\"abc", "\"a\\x\"", "\"\\u12\"", "\"\x01\"", "\"\xff\"",
		"[1]x", "{\"a\":1,}", "[\"a\",\n", "NaN", "Infinity",
	};
	char deep[CTL_JSON_MAX_DEPTH * 2 + 8];
	char err[128];
	struct cj *v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		v = cj_parse(bad[i], strlen(bad[i]), err, sizeof(err));
		ck_assert_msg(v == NULL, "accepted '%s'", bad[i]);
		ck_assert_msg(strstr(err, "offset") != NULL, "no offset: %s",
		    err);
	}
	/* Exactly at the depth limit, then one more. */
	memset(deep, '[', CTL_JSON_MAX_DEPTH);
	memset(deep + CTL_JSON_MAX_DEPTH, ']', CTL_JSON_MAX_DEPTH);
	v = cj_parse(deep, CTL_JSON_MAX_DEPTH * 2, err, sizeof(err));
	ck_assert_ptr_nonnull(v);
	cj_free(v);
	memset(deep, '[', CTL_JSON_MAX_DEPTH + 1);
	memset(deep + CTL_JSON_MAX_DEPTH + 1, ']', CTL_JSON_MAX_DEPTH + 1);
	ck_assert_ptr_null(cj_parse(deep, CTL_JSON_MAX_DEPTH * 2 + 2, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "deeply"));
	/* Input is not NUL-terminated: the length is what counts. */
	ck_assert_ptr_null(cj_parse("[1]", 2, err, sizeof(err)));
}
END_TEST

START_TEST(cj_roundtrip)
{
	struct cbuf b;
	struct jw w;
	struct cj *v;
	char err[128];

	cbuf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj_open(&w, NULL);
	jw_str(&w, "weird \"key\"", "line1\nline2\t\xff");
	jw_double(&w, "age", 12.25);
	jw_arr_open(&w, "vips");
	jw_str(&w, NULL, "192.0.2.100/32");
	jw_arr_close(&w);
	jw_obj_close(&w);
	ck_assert_int_eq(jw_finish(&w), 0);
	v = cj_parse(b.p, b.len, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	ck_assert_str_eq(cj_get_str(v, "weird \"key\"", ""),
	    "line1\nline2\t\xef\xbf\xbd");
	ck_assert(cj_get_num(v, "age", 0) == 12.25);
	ck_assert_str_eq(cj_get(v, "vips")->child->str, "192.0.2.100/32");
	cj_free(v);
	cbuf_free(&b);
}
END_TEST

/* ----------------------------------------------------- Prometheus text */

START_TEST(prom_text)
{
	struct cbuf b;

	cbuf_init(&b, 0);
	prom_label(&b, "a\\b\"c\nd");
	ck_assert_str_eq(b.p, "a\\\\b\\\"c\\nd");
	cbuf_reset(&b);
	prom_family(&b, "fipd_x_total", "counter", "Things\\stuff\nmore.");
	ck_assert_str_eq(b.p, "# HELP fipd_x_total Things\\\\stuff\\nmore.\n"
	    "# TYPE fipd_x_total counter\n");
	cbuf_free(&b);
}
END_TEST

/* --------------------------------------------------------------- HTTP */

static ssize_t
hparse(const char *s, struct http_req *r, int *st)
{
	return http_req_parse(s, strlen(s), 8192, r, st);
}

START_TEST(http_requests)
{
	struct http_req r;
	char big[9000];
	int st;
	const char *req = "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n"
	    "Accept: */*\r\n\r\nextra";

	ck_assert_int_eq(hparse(req, &r, &st), (ssize_t)strlen(req) - 5);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_str_eq(r.path, "/metrics");
	ck_assert_int_eq(r.minor, 1);
	ck_assert_int_eq(st, 200);
	ck_assert_int_eq(hparse("HEAD / HTTP/1.0\n\n", &r, &st), 17);
	ck_assert_str_eq(r.method, "HEAD");
	ck_assert_str_eq(r.path, "/");
	/* Incomplete. */
	ck_assert_int_eq(hparse("GET /metrics HTTP/1.1\r\nHost: a\r\n", &r,
	    &st), 0);
	ck_assert_int_eq(hparse("", &r, &st), 0);
	/* Malformed. */
	ck_assert_int_eq(hparse("GET /metrics\r\n\r\n", &r, &st), -1);
	ck_assert_int_eq(st, 400);
	ck_assert_int_eq(hparse("get /metrics HTTP/1.1\r\n\r\n", &r, &st), -1);
	ck_assert_int_eq(hparse("GET metrics HTTP/1.1\r\n\r\n", &r, &st), -1);
	ck_assert_int_eq(hparse("GET  /metrics HTTP/1.1\r\n\r\n", &r, &st),
	    -1);
	ck_assert_int_eq(hparse("GET /metrics HTTP/1.1 x\r\n\r\n", &r, &st),
	    -1);
	ck_assert_int_eq(hparse("VERYLONGMETHOD / HTTP/1.1\r\n\r\n", &r, &st),
	    -1);
	ck_assert_int_eq(hparse("GET /metrics HTTP/2.0\r\n\r\n", &r, &st), -1);
	ck_assert_int_eq(st, 505);
	ck_assert_int_eq(hparse("GET /a\x01 HTTP/1.1\r\n\r\n", &r, &st), -1);
	/* Too long: path, then the whole head. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	memcpy(big + 300, " HTTP/1.1\r\n\r\n", 14);
	ck_assert_int_eq(http_req_parse(big, 314, 8192, &r, &st), -1);
	ck_assert_int_eq(st, 414);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(http_req_parse(big, 8191, 8192, &r, &st), 0);
	ck_assert_int_eq(http_req_parse(big, sizeof(big), 8192, &r, &st), -1);
	ck_assert_int_eq(st, 431);
}
END_TEST

/* ------------------------------------------------------- random inputs */

static uint32_t rng_state = 0x12345678u;

static uint32_t
rng(void)
{
	/* xorshift32: deterministic, so a failure reproduces. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

START_TEST(random_inputs)
{
	static const char *const seeds[] = {
		"{\"instances\":[{\"name\":\"VI_1\",\"vips\":[\"a\"],"
		"\"master\":null,\"n\":1.5e3}],\"ok\":true}",
		"status json\r\n",
		"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
		"[\"\\ud83d\\ude00\",-0.0,1E+2,{}]",
	};
	static const char alphabet[] = "{}[]\":,\\u0123456789.eE+-tfnrl "
	    "\r\n\tabcGETHP/";
	unsigned char buf[512];
	struct ctl_req req;
	struct http_req hr;
	struct cj *v;
	char err[160];
	size_t len, i, k;
	int it, st;
	ssize_t n;

	for (it = 0; it < 20000; it++) {
		const char *seed = seeds[rng() % 4];
		size_t slen = strlen(seed);

		/* A seed with mutations, or structured noise. */
		if (rng() % 2) {
			len = slen < sizeof(buf) ? slen : sizeof(buf);
			memcpy(buf, seed, len);
			for (k = rng() % 4 + 1; k > 0 && len > 0; k--) {
				i = rng() % len;
				switch (rng() % 3) {
				case 0:
					buf[i] = (unsigned char)rng();
					break;
				case 1:
					buf[i] = (unsigned char)alphabet[rng() %
					    (sizeof(alphabet) - 1)];
					break;
				default:
					len = i;
					break;
				}
			}
		} else {
			len = rng() % sizeof(buf);
			for (i = 0; i < len; i++)
				buf[i] = rng() % 8 == 0 ?
				    (unsigned char)rng() :
				    (unsigned char)alphabet[rng() %
				    (sizeof(alphabet) - 1)];
		}
		n = ctl_req_frame((const char *)buf, len);
		ck_assert(n >= 0 && (size_t)n <= len);
		if (ctl_req_parse((const char *)buf, len, &req, err,
		    sizeof(err)) == 0)
			ck_assert(req.verb > CTL_V_NONE && req.verb < CTL_V_MAX);
		else
			ck_assert_uint_gt(strlen(err), 0);
		v = cj_parse((const char *)buf, len, err, sizeof(err));
		cj_free(v);
		n = http_req_parse((const char *)buf, len, 256, &hr, &st);
		ck_assert(n >= -1 && n <= (ssize_t)len);
		if (n > 0)
			ck_assert(hr.path[0] == '/' && st == 200);
	}
}
END_TEST

static Suite *
suite_ctl(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc;

	tc = tcase_create("request");
	tcase_add_test(tc, frame_lengths);
	tcase_add_test(tc, parse_valid);
	tcase_add_test(tc, parse_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("json");
	tcase_add_test(tc, cbuf_ops);
	tcase_add_test(tc, jw_document);
	tcase_add_test(tc, jw_misuse);
	tcase_add_test(tc, json_escaping);
	tcase_add_test(tc, cj_values);
	tcase_add_test(tc, cj_errors);
	tcase_add_test(tc, cj_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("text");
	tcase_add_test(tc, prom_text);
	tcase_add_test(tc, http_requests);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, random_inputs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite_ctl());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
