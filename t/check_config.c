/*
 * Config loader: good configs load with the right values; every bad
 * input is refused with FILE:LINE and nothing is half-applied.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_fipd.h"
#include "fipd.h"

static char *errbuf;

/* Load text as "t.conf"; errors land in errbuf. */
static struct cfg *
load(const char *text)
{
	size_t len = 0;
	FILE *f;
	struct cfg *c;

	free(errbuf);
	errbuf = NULL;
	f = open_memstream(&errbuf, &len);
	ck_assert_ptr_nonnull(f);
	c = cfg_load_string(text, "t.conf", f);
	fclose(f);
	return c;
}

/* The config must be refused with `want` (e.g. "t.conf:4: priority"). */
static void
refused(const char *text, const char *want)
{
	struct cfg *c = load(text);

	if (c != NULL) {
		cfg_free(c);
		ck_abort_msg("accepted, expected error '%s'", want);
	}
	ck_assert_msg(strstr(errbuf, want) != NULL,
	    "expected '%s' in errors:\n%s", want, errbuf);
}

#define INST "[instance VI_1]\n" \
	"interface = eth0\n" \
	"virtual_router_id = 50\n" \
	"virtual_ipaddress = 192.0.2.100\n"

START_TEST(cfg_wiki_example)
{
	struct cfg *c;
	struct cfg_instance *ci;
	char a[64];

	c = load("[global]\n"
	    "router_id = web-srv-1\n"
	    "\n"
	    "[instance VI_1]\n"
	    "state = MASTER\n"
	    "interface = ens3\n"
	    "virtual_router_id = 50\n"
	    "priority = 100\n"
	    "version = 2\n"
	    "advert_int = 1\n"
	    "auth_pass = EcbCp2b1\n"
	    "virtual_ipaddress = 192.0.2.100/32\n"
	    "unicast_peer = 192.0.2.2\n");
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	ck_assert_str_eq(c->global.router_id, "web-srv-1");
	ci = cfg_instance_find(c, "VI_1");
	ck_assert_ptr_nonnull(ci);
	ck_assert_int_eq(ci->line, 4);
	ck_assert_str_eq(ci->ifname, "ens3");
	ck_assert_int_eq(ci->vrid, 50);
	ck_assert_int_eq(ci->priority, 100);
	ck_assert_int_eq(ci->start_master, 1);
	ck_assert_int_eq(ci->version, 2);
	ck_assert_uint_eq(ci->advert_int_cs, 100);
	ck_assert_str_eq(ci->auth_pass, "EcbCp2b1");
	ck_assert_uint_eq(ci->n_vips, 1);
	ck_assert_str_eq(vpkt_addr_str(&ci->vips[0], a, sizeof(a)),
	    "192.0.2.100");
	ck_assert_int_eq(ci->vips[0].prefixlen, 32);
	ck_assert_uint_eq(ci->n_peers, 1);
	ck_assert_int_eq(ci->preempt, 1);
	ck_assert_uint_eq(ci->garp_repeat, 3);
	ck_assert_int_eq(ci->strict_ttl, 1);
	cfg_free(c);
}
END_TEST

START_TEST(cfg_defaults_and_decimals)
{
	struct cfg *c;
	struct cfg_instance *ci;

	c = load(INST "advert_int = 0.05\n"
	    "preempt = no\n"
	    "preempt_delay = 2.5\n"
	    "garp_refresh = 30\n"
	    "checksum_mode = rfc9568\n"
	    "virtual_ipaddress = 192.0.2.101/24\n");
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	ci = TAILQ_FIRST(&c->instances);
	ck_assert_int_eq(ci->version, 3);
	ck_assert_int_eq(ci->priority, 100);
	ck_assert_int_eq(ci->start_master, 0);
	ck_assert_uint_eq(ci->advert_int_cs, 5);
	ck_assert_int_eq(ci->preempt, 0);
	ck_assert_uint_eq(ci->preempt_delay_cs, 250);
	ck_assert_uint_eq(ci->garp_refresh_cs, 3000);
	ck_assert_int_eq(ci->csum_tx, VPKT_CSUM_RFC9568);
	ck_assert_uint_eq(ci->n_vips, 2);
	ck_assert_int_eq(ci->vips[1].prefixlen, 24);
	ck_assert_str_eq(c->global.script_user, "nobody");
	cfg_free(c);
}
END_TEST

START_TEST(cfg_global_keys)
{
	struct cfg *c;

	c = load("[global]\n"
	    "router_id = r1\n"
	    "control_socket = /tmp/x.sock\n"
	    "script_user = root\n"
	    "metrics_listen = 127.0.0.1:9650\n"
	    INST);
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	ck_assert_str_eq(c->global.control_socket, "/tmp/x.sock");
	ck_assert_str_eq(c->global.metrics_listen, "127.0.0.1:9650");
	cfg_free(c);
	c = load("[global]\nmetrics_listen = [::1]:9650\n" INST);
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	cfg_free(c);
	refused("[global]\nmetrics_listen = 127.0.0.1\n" INST,
	    "t.conf:2: metrics_listen");
	refused("[global]\nmetrics_listen = 127.0.0.1:70000\n" INST,
	    "t.conf:2: metrics_listen");
	refused("[global]\ncontrol_socket = relative.sock\n" INST,
	    "t.conf:2: control_socket");
	refused("[global]\nscript_user = no-such-user-fipd\n" INST,
	    "t.conf:2: script_user: no such user");
	refused("[global]\nplugin_dir = /nonexistent/fipd\n" INST,
	    "t.conf:2: plugin_dir");
	refused("[global]\nrouter_id = a b\n" INST, "t.conf:2: router_id");
	refused("[global]\ncolour = blue\n" INST,
	    "t.conf:2: unknown key 'colour' in [global]");
}
END_TEST

/* Each bad value names its file and line. */
START_TEST(cfg_errors_have_lines)
{
	refused(INST "bogus = 1\n",
	    "t.conf:5: unknown key 'bogus' in [instance VI_1]");
	refused(INST "priority = 0\n", "t.conf:5: priority");
	refused(INST "priority = 256\n", "t.conf:5: priority");
	refused(INST "priority = 10x\n", "t.conf:5: priority");
	refused(INST "priority = -5\n", "t.conf:5: priority");
	refused("[instance VI_1]\ninterface = eth0\nvirtual_router_id = 0\n"
	    "virtual_ipaddress = 192.0.2.100\n", "t.conf:3: virtual_router_id");
	refused("[instance VI_1]\ninterface = eth0\nvirtual_router_id = 256\n"
	    "virtual_ipaddress = 192.0.2.100\n", "t.conf:3: virtual_router_id");
	refused(INST "state = LEADER\n", "t.conf:5: state");
	refused(INST "version = 4\n", "t.conf:5: version");
	refused(INST "advert_int = 0\n", "t.conf:5: advert_int");
	refused(INST "advert_int = 0.001\n", "t.conf:5: advert_int");
	refused(INST "advert_int = 41\n", "t.conf:5: advert_int");
	refused(INST "advert_int = 1s\n", "t.conf:5: advert_int");
	refused(INST "preempt = maybe\n", "t.conf:5: preempt");
	refused(INST "virtual_ipaddress = 192.0.2.300\n",
	    "t.conf:5: virtual_ipaddress");
	refused(INST "virtual_ipaddress = 192.0.2.101/33\n",
	    "t.conf:5: virtual_ipaddress");
	refused(INST "virtual_ipaddress = 192.0.2.100\n",
	    "t.conf:5: virtual_ipaddress: 192.0.2.100 listed twice");
	refused(INST "unicast_peer = peer1\n", "t.conf:5: unicast_peer");
	refused(INST "garp_repeat = 1000\n", "t.conf:5: garp_repeat");
	refused(INST "checksum_mode = sum\n", "t.conf:5: checksum_mode");
	refused(INST "interface = eth1\n",
	    "t.conf:5: duplicate key 'interface' (first at line 2)");
	refused(INST "this line is wrong\n", "t.conf:5: syntax error");
	refused(INST "[instance VI_1\n", "t.conf:5: section header");
	refused("interface = eth0\n" INST, "t.conf:1: key 'interface' outside");
	refused(INST "[vrrp x]\na = b\n", "t.conf:5: unknown section [vrrp x]");
	refused(INST INST, "t.conf:5: duplicate section [instance VI_1]");
	refused("[global]\n", "no [instance NAME] section");
}
END_TEST

/*
 * Issue 12: names are compared after trimming.  "[instance  VI_1]" (two
 * spaces) is VI_1 again; before, both sections passed and the first
 * reload stopped one of them for good.
 */
START_TEST(cfg_names_trimmed)
{
	struct cfg *c;

	refused(INST "\n[instance  VI_1]\ninterface = eth1\n"
	    "virtual_router_id = 51\nvirtual_ipaddress = 192.0.2.101\n",
	    "t.conf:6: duplicate section [instance VI_1] (first at line 1)");
	refused(INST "\n[ instance\tVI_1 ]\ninterface = eth1\n"
	    "virtual_router_id = 51\nvirtual_ipaddress = 192.0.2.101\n",
	    "t.conf:6: duplicate section [instance VI_1] (first at line 1)");
	refused("[global]\nplugin_dir = " TEST_PLUGIN_DIR "\nactions =\n"
	    "[check web]\ntype = dummy\nanswer = up\n"
	    "[check   web ]\ntype = dummy\nanswer = up\n" INST,
	    "t.conf:7: duplicate section [check web] (first at line 4)");
	/* Spaces around the name alone are harmless. */
	c = load("[instance   VI_1  ]\ninterface = eth0\n"
	    "virtual_router_id = 50\nvirtual_ipaddress = 192.0.2.100\n");
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	ck_assert_str_eq(TAILQ_FIRST(&c->instances)->name, "VI_1");
	ck_assert_str_eq(TAILQ_FIRST(&c->instances)->ifname, "eth0");
	cfg_free(c);
}
END_TEST

/* Rules across keys: CONFORMANCE 8, 9, 82, 83; duplicate VRIDs; families. */
START_TEST(cfg_cross_key_rules)
{
	/* 82: v2 carries whole seconds. */
	refused(INST "version = 2\nadvert_int = 0.5\n",
	    "t.conf:6: advert_int: VRRPv2 carries whole seconds");
	refused(INST "version = 2\nadvert_int = 1.5\n",
	    "t.conf:6: advert_int: VRRPv2");
	/* 83: no authentication in v3. */
	refused(INST "auth_pass = secret\n",
	    "t.conf:5: auth_pass: VRRPv3 has no authentication");
	refused(INST "version = 2\nauth_pass = 123456789\n",
	    "t.conf:6: auth_pass");
	/* mixed families */
	refused(INST "virtual_ipaddress = 2001:db8::1\n",
	    "t.conf:5: virtual_ipaddress: 2001:db8::1 mixes IPv4 and IPv6");
	refused(INST "unicast_peer = 2001:db8::2\n",
	    "t.conf:5: unicast_peer: address family");
	/* required keys */
	refused("[instance VI_1]\ninterface = eth0\n"
	    "virtual_ipaddress = 192.0.2.100\n",
	    "t.conf:1: [instance VI_1]: missing 'virtual_router_id'");
	refused("[instance VI_1]\nvirtual_router_id = 5\n"
	    "virtual_ipaddress = 192.0.2.100\n",
	    "t.conf:1: [instance VI_1]: missing 'interface'");
	refused("[instance VI_1]\nvirtual_router_id = 5\ninterface = eth0\n",
	    "t.conf:1: [instance VI_1]: missing 'virtual_ipaddress'");
	/* the same VRID twice on one interface */
	refused(INST "\n[instance VI_2]\ninterface = eth0\n"
	    "virtual_router_id = 50\nvirtual_ipaddress = 192.0.2.101\n",
	    "t.conf:8: virtual_router_id 50 is already used on eth0 by "
	    "[instance VI_1] (line 1)");
	/* unicast_src_ip without peers */
	refused(INST "unicast_src_ip = 192.0.2.1\n",
	    "t.conf:5: unicast_src_ip");
	/* an unknown check */
	refused(INST "track_check = nginx\n",
	    "t.conf:5: track_check: no [check nginx] section");
	/* a check type without a plugin */
	refused("[check web]\ntype = nosuchtype\n" INST,
	    "t.conf:2: type: no plugin check_nosuchtype.so");
	refused("[check web]\ninterval = 1\n" INST,
	    "t.conf:1: [check web]: missing 'type'");
}
END_TEST

/* Same VRID on two interfaces, or on one interface per family, is fine. */
START_TEST(cfg_same_vrid_other_interface)
{
	struct cfg *c;

	c = load(INST "\n[instance VI_2]\ninterface = eth1\n"
	    "virtual_router_id = 50\nvirtual_ipaddress = 192.0.2.101\n");
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	cfg_free(c);
}
END_TEST

/* All errors are reported, not just the first. */
START_TEST(cfg_all_errors_reported)
{
	refused(INST "priority = 0\nversion = 9\nbogus = 1\n",
	    "t.conf:5: priority");
	ck_assert_ptr_nonnull(strstr(errbuf, "t.conf:6: version"));
	ck_assert_ptr_nonnull(strstr(errbuf, "t.conf:7: unknown key"));
}
END_TEST

/* Comments, blank lines, indentation and CRLF do not confuse lines. */
START_TEST(cfg_lines_comments_indent)
{
	struct cfg *c;

	c = load("; comment\r\n"
	    "# another\r\n"
	    "\r\n"
	    "[instance VI_1]\r\n"
	    "  interface = eth0   ; inline comment\r\n"
	    "  virtual_router_id = 50\r\n"
	    "  virtual_ipaddress = 192.0.2.100\r\n");
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	ck_assert_str_eq(TAILQ_FIRST(&c->instances)->ifname, "eth0");
	ck_assert_int_eq(TAILQ_FIRST(&c->instances)->line, 4);
	cfg_free(c);
	refused("\n\n[instance VI_1]\n  interface = eth0\n"
	    "  virtual_router_id = 50\n  virtual_ipaddress = 192.0.2.100\n"
	    "    priority = zero\n", "t.conf:7: priority");
}
END_TEST

/* An over-long line is an error, not silently split. */
START_TEST(cfg_long_line)
{
	char *text;
	size_t n = 10000;

	text = malloc(n + 200);
	ck_assert_ptr_nonnull(text);
	strcpy(text, INST "auth_pass = ");
	memset(text + strlen(text), 'x', n);
	strcpy(text + strlen(INST "auth_pass = ") + n, "\n");
	refused(text, "t.conf:5: line longer than");
	free(text);
}
END_TEST

/* The shipped configs load. */
START_TEST(cfg_shipped_files)
{
	static const char *const files[] = {
		TEST_SRCDIR "/etc/examples/web-srv-1.conf",
		TEST_SRCDIR "/etc/examples/web-srv-2.conf",
	};
	size_t i;
	struct cfg *c;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		c = cfg_load(files[i], stderr);
		ck_assert_msg(c != NULL, "%s refused", files[i]);
		cfg_free(c);
	}
	ck_assert_ptr_null(cfg_load("/nonexistent/fipd.conf", NULL));
}
END_TEST

/*
 * The installed fipd.conf is a commented example: fipd refuses it and
 * says why (issue 13: it was a live config with eth0 and 192.0.2.100, and
 * a bare `fipd` took the address).  Uncommented, its template loads.
 */
START_TEST(cfg_shipped_example)
{
	char *buf = NULL, *text, *p;
	size_t len = 0;
	FILE *f;
	struct cfg *c;

	f = open_memstream(&buf, &len);
	ck_assert_ptr_null(cfg_load(TEST_SRCDIR "/etc/fipd.conf", f));
	fclose(f);
	ck_assert_msg(strstr(buf, "no [instance NAME] section: nothing to "
	    "run") != NULL, "%s", buf);
	free(buf);

	/* Uncomment the template: "#key = value" -> " key = value". */
	f = fopen(TEST_SRCDIR "/etc/fipd.conf", "r");
	ck_assert_ptr_nonnull(f);
	text = calloc(1, 65536);
	len = fread(text, 1, 65535, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\n#[instance VI_1]\n"));
	for (p = text; (p = strstr(p, "\n#")) != NULL; p++)
		p[1] = ' ';
	c = cfg_load_string(text, "fipd.conf", stderr);
	ck_assert_msg(c != NULL, "the uncommented template is refused");
	ck_assert_ptr_nonnull(cfg_instance_find(c, "VI_1"));
	cfg_free(c);
	free(text);
}
END_TEST

/*
 * Usability of the messages (issue 15): sorted by line, control bytes
 * escaped, a keepalived.conf recognised, "did you mean", a '#' comment
 * after a value, the check types available.
 */
START_TEST(cfg_messages)
{
	struct cfg *c;
	const char *p, *q;

	/* The VRID clash (found last) prints before a later line's error. */
	refused("[instance A]\ninterface = eth0\nvirtual_router_id = 5\n"
	    "virtual_ipaddress = 192.0.2.1\n"
	    "[instance B]\ninterface = eth0\nvirtual_router_id = 5\n"
	    "virtual_ipaddress = 192.0.2.2\npriority = 300\n",
	    "t.conf:9: priority");
	p = strstr(errbuf, "t.conf:7:");
	q = strstr(errbuf, "t.conf:9:");
	ck_assert_msg(p != NULL && q != NULL && p < q, "not sorted:\n%s",
	    errbuf);
	/* No raw control byte reaches the terminal. */
	refused("[global]\nrouter_id = a\x01\x1b[2Jb\n" INST,
	    "'a\\x01\\x1b[2Jb'");
	ck_assert_ptr_null(strchr(errbuf, '\x1b'));
	/* One line for a keepalived.conf, not one per line. */
	refused("global_defs {\n  router_id web1\n}\nvrrp_instance VI_1 {\n"
	    "  state MASTER\n  interface eth0\n}\n",
	    "t.conf:1: this looks like a keepalived.conf ('global_defs {'): "
	    "fipd reads INI sections; convert it with "
	    "fipd-import-keepalived(8)");
	ck_assert_msg(strchr(errbuf, '\n') == errbuf + strlen(errbuf) - 1,
	    "more than one line:\n%s", errbuf);
	/* Did you mean. */
	refused(INST "prority = 50\n",
	    "unknown key 'prority' in [instance VI_1] (did you mean "
	    "'priority'?)");
	refused("[global]\nrouter_di = x\n" INST,
	    "(did you mean 'router_id'?)");
	refused("[instanse VI_2]\ninterface = eth0\n" INST,
	    "t.conf:1: unknown section [instanse VI_2] (did you mean "
	    "[instance VI_2]?)");
	/* '#' after a value, after whitespace, outside quotes. */
	c = load(INST "priority = 120  # the master\n");
	ck_assert_msg(c != NULL, "errors: %s", errbuf);
	ck_assert_int_eq(TAILQ_FIRST(&c->instances)->priority, 120);
	cfg_free(c);
	/* An unknown check type lists the ones there are. */
	refused("[global]\nplugin_dir = " TEST_PLUGIN_DIR "\nactions =\n"
	    "[check web]\ntype = htp\n" INST,
	    "no plugin check_htp.so in " TEST_PLUGIN_DIR " (available: "
	    "dummy)");
}
END_TEST

/* A directory is not a configuration file, and says so. */
START_TEST(cfg_directory)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	ck_assert_ptr_null(cfg_load(TEST_SRCDIR "/etc", f));
	fclose(f);
	ck_assert_msg(strstr(buf, "/etc: is a directory, not a configuration "
	    "file") != NULL, "%s", buf);
	free(buf);
}
END_TEST

/* Two loads of text, both accepted. */
static void
load2(const char *ta, const char *tb, struct cfg **a, struct cfg **b)
{
	*a = load(ta);
	ck_assert_msg(*a != NULL, "errors: %s", errbuf);
	*b = load(tb);
	ck_assert_msg(*b != NULL, "errors: %s", errbuf);
}

static enum cfg_diff
idiff(const char *ta, const char *tb, const char **what)
{
	struct cfg *a, *b;
	enum cfg_diff d;

	load2(ta, tb, &a, &b);
	d = cfg_instance_diff(TAILQ_FIRST(&a->instances),
	    TAILQ_FIRST(&b->instances), what);
	cfg_free(a);
	cfg_free(b);
	return d;
}

/*
 * The reload compares typed values (issue 12): comments, key order and
 * spelling of a value do not matter; soft keys are applied in place;
 * anything else restarts.  Before, the section's text in file order was
 * compared, so reordering keys restarted the instance.
 */
START_TEST(cfg_typed_diff)
{
	const char *what;

	ck_assert_int_eq(idiff(INST "priority = 100\n",
	    "; a comment moves lines\n" INST "priority = 100\n", NULL),
	    CFG_SAME);
	/* Key order in the section. */
	ck_assert_int_eq(idiff(INST "priority = 100\npreempt = no\n",
	    "[instance VI_1]\npreempt = no\npriority = 100\n"
	    "virtual_ipaddress = 192.0.2.100\nvirtual_router_id = 50\n"
	    "interface = eth0\n", NULL), CFG_SAME);
	/* Values, not text: defaults, decimals, spellings. */
	ck_assert_int_eq(idiff(INST, INST "priority = 100\nadvert_int = 1.0\n"
	    "preempt = yes\nstate = backup\n", NULL), CFG_SAME);
	/* Soft keys. */
	ck_assert_int_eq(idiff(INST "priority = 100\n", INST "priority = 101\n",
	    NULL), CFG_DIFF_INPLACE);
	ck_assert_int_eq(idiff(INST, INST "preempt = no\npreempt_delay = 5\n"
	    "state = MASTER\ngarp_repeat = 5\ngarp_refresh = 10\n", NULL),
	    CFG_DIFF_INPLACE);
	/* VIPs added or removed: in place; another family restarts. */
	ck_assert_int_eq(idiff(INST "priority = 100\n", INST "priority = 101\n"
	    "virtual_ipaddress = 192.0.2.101\n", &what), CFG_DIFF_INPLACE);
	ck_assert_int_eq(idiff(INST "virtual_ipaddress = 192.0.2.101\n", INST,
	    &what), CFG_DIFF_INPLACE);
	ck_assert_int_eq(idiff("[instance VI_1]\ninterface = eth0\n"
	    "virtual_router_id = 50\nvirtual_ipaddress = 192.0.2.100\n",
	    "[instance VI_1]\ninterface = eth0\nvirtual_router_id = 50\n"
	    "virtual_ipaddress = 2001:db8::100\n", &what), CFG_DIFF_RESTART);
	ck_assert_str_eq(what, "virtual_ipaddress (address family)");
	/* The identity keys restart, and say which key. */
	ck_assert_int_eq(idiff(INST, "[instance VI_1]\ninterface = eth1\n"
	    "virtual_router_id = 50\nvirtual_ipaddress = 192.0.2.100\n",
	    &what), CFG_DIFF_RESTART);
	ck_assert_str_eq(what, "interface");
	/* Every core key but the identity keys: in place. */
	ck_assert_int_eq(idiff(INST, INST "advert_int = 2\n"
	    "unicast_src_ip = 192.0.2.1\nunicast_peer = 192.0.2.2\n"
	    "track_interface = eth1\nchecksum_mode = rfc9568\n"
	    "strict_ttl = no\n", &what), CFG_DIFF_INPLACE);
	ck_assert_ptr_null(what);
	ck_assert_int_eq(idiff(INST "version = 2\nauth_pass = one\n",
	    INST "version = 2\nauth_pass = two\n", &what), CFG_DIFF_INPLACE);
	ck_assert_int_eq(idiff(INST "version = 3\n", INST "version = 2\n",
	    &what), CFG_DIFF_RESTART);
	ck_assert_str_eq(what, "version");
	ck_assert_int_eq(idiff(INST, "[instance VI_1]\ninterface = eth0\n"
	    "virtual_router_id = 51\nvirtual_ipaddress = 192.0.2.100\n",
	    &what), CFG_DIFF_RESTART);
	ck_assert_str_eq(what, "virtual_router_id");
	ck_assert_int_eq(idiff(INST, "[instance VI_1]\ninterface = eth1\n"
	    "virtual_router_id = 50\nvirtual_ipaddress = 192.0.2.100\n",
	    &what), CFG_DIFF_RESTART);
	ck_assert_str_eq(what, "interface");
	/*
	 * The order of a repeated key's values is part of the value (the
	 * advert lists the VIPs in order): a change, applied in place.
	 */
	ck_assert_int_eq(idiff(INST "virtual_ipaddress = 192.0.2.101\n",
	    "[instance VI_1]\ninterface = eth0\nvirtual_router_id = 50\n"
	    "virtual_ipaddress = 192.0.2.101\n"
	    "virtual_ipaddress = 192.0.2.100\n", NULL), CFG_DIFF_INPLACE);
}
END_TEST

/* Checks: by value too (a default timeout equals an explicit one). */
START_TEST(cfg_check_typed_diff)
{
	struct cfg *a, *b;
	const char *what;

#define CHK(keys) "[global]\nplugin_dir = " TEST_PLUGIN_DIR "\nactions =\n" \
	"[check web]\n" keys INST
	load2(CHK("type = dummy\nanswer = up\ninterval = 2\n"),
	    CHK("interval = 2.00\ntimeout = 2\nanswer = up\ntype = dummy\n"),
	    &a, &b);
	ck_assert_int_eq(cfg_check_diff(TAILQ_FIRST(&a->checks),
	    TAILQ_FIRST(&b->checks), NULL), CFG_SAME);
	cfg_free(b);
	b = load(CHK("type = dummy\nanswer = down\ninterval = 2\n"));
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(cfg_check_diff(TAILQ_FIRST(&a->checks),
	    TAILQ_FIRST(&b->checks), &what), CFG_DIFF_RESTART);
	ck_assert_str_eq(what, "answer");	/* the plugin's key, typed */
	cfg_free(b);
	b = load(CHK("type = dummy\nanswer = up\ninterval = 2\nfall = 3\n"));
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(cfg_check_diff(TAILQ_FIRST(&a->checks),
	    TAILQ_FIRST(&b->checks), &what), CFG_DIFF_RESTART);
	ck_assert_str_eq(what, "fall");
	cfg_free(a);
	cfg_free(b);
#undef CHK
	plug_unload_all();
}
END_TEST

/* Logging: systemd's JOURNAL_STREAM names stderr's device:inode. */
START_TEST(log_journal_stream)
{
	char path[] = "/tmp/fipd-check-log.XXXXXX", v[64];
	struct stat st;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	unlink(path);
	ck_assert_int_eq(fstat(fd, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	ck_assert_int_eq(log_stderr_is_journal(v, fd), 1);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + 1);
	ck_assert_int_eq(log_stderr_is_journal(v, fd), 0);
	snprintf(v, sizeof(v), "%llu:%llux", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	ck_assert_int_eq(log_stderr_is_journal(v, fd), 0);
	ck_assert_int_eq(log_stderr_is_journal("", fd), 0);
	ck_assert_int_eq(log_stderr_is_journal("8:1", -1), 0);
	ck_assert_int_eq(log_stderr_is_journal(NULL, fd), 0);
	close(fd);
}
END_TEST

static void
teardown(void)
{
	free(errbuf);
	errbuf = NULL;
}

Suite *
suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, cfg_wiki_example);
	tcase_add_test(tc, cfg_defaults_and_decimals);
	tcase_add_test(tc, cfg_global_keys);
	tcase_add_test(tc, cfg_errors_have_lines);
	tcase_add_test(tc, cfg_names_trimmed);
	tcase_add_test(tc, cfg_cross_key_rules);
	tcase_add_test(tc, cfg_same_vrid_other_interface);
	tcase_add_test(tc, cfg_all_errors_reported);
	tcase_add_test(tc, cfg_lines_comments_indent);
	tcase_add_test(tc, cfg_long_line);
	tcase_add_test(tc, cfg_shipped_files);
	tcase_add_test(tc, cfg_directory);
	tcase_add_test(tc, cfg_messages);
	tcase_add_test(tc, cfg_shipped_example);
	tcase_add_test(tc, cfg_typed_diff);
	tcase_add_test(tc, cfg_check_typed_diff);
	tcase_add_test(tc, log_journal_stream);
	suite_add_tcase(s, tc);
	return s;
}
