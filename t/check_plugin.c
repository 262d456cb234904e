/*
 * Plugin loader: a sane plugin loads; every malformed one is refused
 * with a reason that says why (CONFORMANCE-independent, DESIGN.md 5).
 */
#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_fipd.h"
#include "fipd.h"

static char err[1024];

static struct plug *
load(const char *file)
{
	char path[1024];

	err[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", TEST_PLUGIN_DIR, file);
	return plug_load_file(path, err, sizeof(err));
}

START_TEST(plug_refuses_bad_abi)
{
	ck_assert_ptr_null(load("bad_abi.so"));
	char want[64];

	snprintf(want, sizeof(want), "plugin ABI version %d, this fipd "
	    "speaks %d", FIPD_PLUGIN_ABI_VERSION - 1, FIPD_PLUGIN_ABI_VERSION);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
}
END_TEST

START_TEST(plug_refuses_bad_table)
{
	ck_assert_ptr_null(load("bad_table.so"));
	ck_assert_msg(strstr(err, "refused: key bt_count: only parsed keys "
	    "repeat") != NULL, "%s", err);
}
END_TEST

START_TEST(plug_refuses_bad_magic)
{
	ck_assert_ptr_null(load("bad_magic.so"));
	ck_assert_msg(strstr(err, "bad magic") != NULL, "%s", err);
}
END_TEST

START_TEST(plug_refuses_missing_symbol)
{
	ck_assert_ptr_null(load("no_symbol.so"));
	ck_assert_msg(strstr(err, "no symbol fipd_plugin_info") != NULL, "%s",
	    err);
}
END_TEST

START_TEST(plug_refuses_unloadable)
{
	ck_assert_ptr_null(load("does_not_exist.so"));
	ck_assert_msg(strstr(err, "does_not_exist.so: No such file") != NULL,
	    "%s", err);
}
END_TEST

/*
 * Code that others may write is never loaded (its constructors would run
 * as root): a group-writable plugin file is refused with one line.
 */
START_TEST(plug_refuses_writable_file)
{
	char dir[] = "/tmp/fipd-plug.XXXXXX", path[512], src[512], buf[8192];
	FILE *in, *out;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(src, sizeof(src), "%s/check_dummy.so", TEST_PLUGIN_DIR);
	snprintf(path, sizeof(path), "%s/check_dummy.so", dir);
	in = fopen(src, "rb");
	out = fopen(path, "wb");
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	ck_assert_int_eq(chmod(path, 0775), 0);
	err[0] = '\0';
	ck_assert_ptr_null(plug_load_file(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "refused: ") != NULL &&
	    strstr(err, "is writable by its group (mode 0775)") != NULL, "%s",
	    err);
	/* The directory counts too. */
	ck_assert_int_eq(chmod(path, 0755), 0);
	ck_assert_int_eq(chmod(dir, 0757), 0);
	ck_assert_ptr_null(plug_load_file(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "is writable by others (mode 0757)") !=
	    NULL, "%s", err);
	unlink(path);
	rmdir(dir);
}
END_TEST

/*
 * Once the daemon runs, plugins load only from where it started: a reload
 * naming another plugin_dir (then refused or not) loads nothing from it.
 */
START_TEST(plug_dir_locked_after_start)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	struct cfg *c;

	cfg_lock_plugins("/nonexistent", "");
	f = open_memstream(&buf, &len);
	c = cfg_load_string("[global]\nplugin_dir = " TEST_PLUGIN_DIR "\n"
	    "actions =\n[check web]\ntype = dummy\nanswer = up\n"
	    "[instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\n"
	    "virtual_ipaddress = 192.0.2.100\n", "p.conf", f);
	fclose(f);
	cfg_lock_plugins(NULL, NULL);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(buf, "no plugin check_dummy.so in /nonexistent")
	    != NULL, "%s", buf);
	free(buf);
	plug_unload_all();
}
END_TEST

START_TEST(plug_loads_good_and_refuses_duplicate)
{
	struct plug *p, *q;

	p = load("check_dummy.so");
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_str_eq(plug_name(p), "check_dummy");
	ck_assert_int_eq(plug_desc(p)->kind, FIPD_PLUGIN_CHECK);
	/* Loading the same file again returns the same plugin. */
	q = load("check_dummy.so");
	ck_assert_ptr_eq(p, q);
	/* Another file with the same name is refused. */
	ck_assert_ptr_null(load("dup_name.so"));
	ck_assert_msg(strstr(err, "already loaded") != NULL, "%s", err);
	/* `type = dummy` finds it. */
	ck_assert_ptr_eq(plug_check_type(TEST_PLUGIN_DIR, "dummy", err,
	    sizeof(err)), p);
	ck_assert_ptr_null(plug_check_type(TEST_PLUGIN_DIR, "../x", err,
	    sizeof(err)));
	plug_unload_all();
}
END_TEST

/* A check section is configured through its plugin's own keys. */
START_TEST(plug_check_section_keys)
{
	struct cfg *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	static const char good[] =
	    "[global]\nplugin_dir = " TEST_PLUGIN_DIR "\nactions =\n"
	    "[check web]\ntype = dummy\nanswer = up\ninterval = 0.5\n"
	    "fall = 3\nweight = -60\n"
	    "[instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\n"
	    "virtual_ipaddress = 192.0.2.100\ntrack_check = web\n";
	static const char bad[] =
	    "[global]\nplugin_dir = " TEST_PLUGIN_DIR "\nactions =\n"
	    "[check web]\ntype = dummy\nanswer = maybe\ncolour = red\n"
	    "weight = -300\n"
	    "[instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\n"
	    "virtual_ipaddress = 192.0.2.100\n";

	c = cfg_load_string(good, "p.conf", stderr);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(TAILQ_FIRST(&c->checks)->interval_cs, 50);
	ck_assert_uint_eq(TAILQ_FIRST(&c->checks)->timeout_cs, 50);
	ck_assert_uint_eq(TAILQ_FIRST(&c->checks)->fall, 3);
	ck_assert_int_eq(TAILQ_FIRST(&c->checks)->weight, -60);
	cfg_free(c);

	f = open_memstream(&buf, &len);
	c = cfg_load_string(bad, "p.conf", f);
	fclose(f);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(buf, "p.conf:6: answer: expected up or down") !=
	    NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "p.conf:7: unknown key 'colour' in [check "
	    "web] (type dummy)") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "p.conf:8: weight") != NULL, "%s", buf);
	free(buf);

	/* A required key of the plugin's table. */
	f = open_memstream(&buf, &len);
	c = cfg_load_string("[global]\nplugin_dir = " TEST_PLUGIN_DIR "\nactions =\n"
	    "[check web]\ntype = dummy\n"
	    "[instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\n"
	    "virtual_ipaddress = 192.0.2.100\n", "p.conf", f);
	fclose(f);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(buf, "p.conf:4: [check web]: answer is required")
	    != NULL, "%s", buf);
	free(buf);
	plug_unload_all();
}
END_TEST

static void
stop_loop_cb(void *arg)
{
	ev_break();
}

/* Run the event loop for ms milliseconds. */
static void
run_loop_ms(unsigned int ms)
{
	struct fipd_timer *t = ev_timer_new(stop_loop_cb, NULL);

	ev_timer_arm(t, (uint64_t)ms * 1000);
	ck_assert_int_eq(ev_loop(), 0);
	ev_timer_free(t);
}

#define VERDICT_CONF(interval)						\
	"[global]\nplugin_dir = " TEST_PLUGIN_DIR "\nactions =\n"			\
	"[check web]\ntype = dummy\nanswer = down\nweight = 0\n"	\
	"interval = " interval "\n"					\
	"[instance VI_1]\ninterface = eth0\nvirtual_router_id = 1\n"	\
	"virtual_ipaddress = 192.0.2.100\ntrack_check = web\n"

/*
 * Issue 12: a reload that edits a failing check keeps its verdict until
 * the new definition's first result.  Before, the check restarted as
 * "unknown", which counts as UP, and a node in FAULT went to MASTER
 * with its service down.
 */
START_TEST(check_reload_keeps_verdict)
{
	struct cfg *a, *b;
	struct check_status st;

	ck_assert_int_eq(ev_init(), 0);
	a = cfg_load_string(VERDICT_CONF("0.1"), "a.conf", stderr);
	ck_assert_ptr_nonnull(a);
	check_apply(a, NULL);
	run_loop_ms(30);
	ck_assert_int_eq(check_get("web", &st), 0);
	ck_assert_int_eq(st.known, 1);
	ck_assert_int_eq(st.up, 0);
	ck_assert_str_eq(st.reason, "dummy");

	b = cfg_load_string(VERDICT_CONF("0.2"), "b.conf", stderr);
	ck_assert_ptr_nonnull(b);
	check_apply(b, a);
	/* Changed, not probed yet: still DOWN with its reason. */
	ck_assert_int_eq(check_get("web", &st), 0);
	ck_assert_uint_eq(st.interval_cs, 20);
	ck_assert_msg(st.known && !st.up, "known %d up %d after the reload",
	    st.known, st.up);
	ck_assert_str_eq(st.reason, "dummy");
	ck_assert_uint_eq(st.transitions, 0);
	run_loop_ms(30);
	ck_assert_int_eq(check_get("web", &st), 0);
	ck_assert_int_eq(st.known, 1);
	ck_assert_int_eq(st.up, 0);
	ck_assert_uint_eq(st.transitions, 0);
	ck_assert_uint_ge(st.probes, 2);

	check_stop_all();
	cfg_free(a);
	cfg_free(b);
	ev_fini();
	plug_unload_all();
}
END_TEST

Suite *
suite_plugin(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc = tcase_create("loader");

	tcase_add_test(tc, plug_refuses_bad_abi);
	tcase_add_test(tc, plug_refuses_bad_magic);
	tcase_add_test(tc, plug_refuses_bad_table);
	tcase_add_test(tc, check_reload_keeps_verdict);
	tcase_add_test(tc, plug_refuses_missing_symbol);
	tcase_add_test(tc, plug_refuses_unloadable);
	tcase_add_test(tc, plug_refuses_writable_file);
	tcase_add_test(tc, plug_dir_locked_after_start);
	tcase_add_test(tc, plug_loads_good_and_refuses_duplicate);
	tcase_add_test(tc, plug_check_section_keys);
	suite_add_tcase(s, tc);
	return s;
}
