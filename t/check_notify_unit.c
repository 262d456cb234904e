/*
 * Unit tests (Check) of the pure parts of the action_notify plugin
 * (plugins/action_notify/ntf_util.c): command splitting, argv and
 * environment construction, the queue's order and collapse rules, the
 * timeout clock, output line splitting and the script path verdicts.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../plugins/action_notify/ntf.h"

static char	 err[256];

static size_t
strv_len(char **v)
{
	size_t	 n = 0;

	while (v[n] != NULL)
		n++;
	return (n);
}

/* ------------------------------------------------------------- keys */

START_TEST(keys)
{
	ck_assert_int_eq(ntf_key_lookup("notify"), NTF_K_ANY);
	ck_assert_int_eq(ntf_key_lookup("notify_master"), NTF_K_MASTER);
	ck_assert_int_eq(ntf_key_lookup("notify_backup"), NTF_K_BACKUP);
	ck_assert_int_eq(ntf_key_lookup("notify_fault"), NTF_K_FAULT);
	ck_assert_int_eq(ntf_key_lookup("notify_stop"), NTF_K_STOP);
	ck_assert_int_eq(ntf_key_lookup("notify_master_rx_lower_pri"),
	    NTF_K_RXLP);
	ck_assert_int_eq(ntf_key_lookup("notify_timeout"), -1);
	ck_assert_int_eq(ntf_key_lookup("priority"), -1);
	ck_assert_int_eq(ntf_key_for_state(FIPD_STATE_MASTER), NTF_K_MASTER);
	ck_assert_int_eq(ntf_key_for_state(FIPD_STATE_STOP), NTF_K_STOP);
	ck_assert_int_eq(ntf_key_for_state(FIPD_STATE_INIT), -1);
	ck_assert_str_eq(ntf_key_name(NTF_K_RXLP),
	    "notify_master_rx_lower_pri");
	ck_assert_str_eq(ntf_key_name(NTF_K_MAX), "?");
	ck_assert_str_eq(ntf_state_str(FIPD_STATE_FAULT), "FAULT");
}
END_TEST

START_TEST(timeouts)
{
	unsigned int	 ms;

	ck_assert_int_eq(ntf_parse_timeout("5", &ms, err, sizeof(err)), 0);
	ck_assert_uint_eq(ms, 5000);
	ck_assert_int_eq(ntf_parse_timeout("0.1", &ms, err, sizeof(err)), 0);
	ck_assert_uint_eq(ms, 100);
	ck_assert_int_eq(ntf_parse_timeout("1.25", &ms, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(ms, 1250);
	ck_assert_int_eq(ntf_parse_timeout("3600", &ms, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(ms, 3600000);
	ck_assert_int_eq(ntf_parse_timeout("3600.001", &ms, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	ck_assert_int_eq(ntf_parse_timeout("0.05", &ms, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(ntf_parse_timeout("0", &ms, err, sizeof(err)), -1);
	ck_assert_int_eq(ntf_parse_timeout("99999999999999999999", &ms, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	ck_assert_int_eq(ntf_parse_timeout("1.2345", &ms, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "not a number"));
	ck_assert_int_eq(ntf_parse_timeout("", &ms, err, sizeof(err)), -1);
	ck_assert_int_eq(ntf_parse_timeout("5s", &ms, err, sizeof(err)), -1);
	ck_assert_int_eq(ntf_parse_timeout("-1", &ms, err, sizeof(err)), -1);
}
END_TEST

/* ------------------------------------------------------------- split */

START_TEST(split_ok)
{
	char	**w;

	ck_assert_int_eq(ntf_split("/bin/x", &w, err, sizeof(err)), 1);
	ck_assert_str_eq(w[0], "/bin/x");
	ck_assert_ptr_null(w[1]);
	ntf_strv_free(w);

	ck_assert_int_eq(ntf_split("  /bin/x  a\t'b c' \"d \\\"e\\\" $f\" "
	    "g\\ h '' ", &w, err, sizeof(err)), 6);
	ck_assert_str_eq(w[0], "/bin/x");
	ck_assert_str_eq(w[1], "a");
	ck_assert_str_eq(w[2], "b c");
	ck_assert_str_eq(w[3], "d \"e\" $f");
	ck_assert_str_eq(w[4], "g h");
	ck_assert_str_eq(w[5], "");
	ntf_strv_free(w);

	/* Single quotes keep backslashes; double quotes keep \n as is. */
	ck_assert_int_eq(ntf_split("/x 'a\\b' \"c\\n\"", &w, err,
	    sizeof(err)), 3);
	ck_assert_str_eq(w[1], "a\\b");
	ck_assert_str_eq(w[2], "c\\n");
	ntf_strv_free(w);

	ck_assert_int_eq(ntf_split("/x ab'cd'\"ef\"", &w, err, sizeof(err)),
	    2);
	ck_assert_str_eq(w[1], "abcdef");
	ntf_strv_free(w);
}
END_TEST

START_TEST(split_bad)
{
	char	**w = NULL, big[NTF_CMD_MAX + 2];
	size_t	 i;

	ck_assert_int_eq(ntf_split("", &w, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	ck_assert_ptr_null(w);
	ck_assert_int_eq(ntf_split("   ", &w, err, sizeof(err)), -1);
	ck_assert_int_eq(ntf_split("/x 'abc", &w, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unterminated"));
	ck_assert_int_eq(ntf_split("/x \"abc", &w, err, sizeof(err)), -1);
	ck_assert_int_eq(ntf_split("/x abc\\", &w, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "backslash"));
	ck_assert_int_eq(ntf_split("/x a\nb", &w, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "control"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(ntf_split(big, &w, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer"));
	/* 33 words. */
	for (i = 0; i < 33; i++) {
		big[2 * i] = 'a';
		big[2 * i + 1] = ' ';
	}
	big[66] = '\0';
	ck_assert_int_eq(ntf_split(big, &w, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "words"));
	big[64] = '\0';
	ck_assert_int_eq(ntf_split(big, &w, err, sizeof(err)), 32);
	ntf_strv_free(w);
}
END_TEST

/* ------------------------------------------------------------- argv/env */

static void
info_init(struct ntf_info *in)
{
	memset(in, 0, sizeof(*in));
	in->instance = "VI_1";
	in->ifname = "eth0";
	in->vrid = 51;
	in->from = FIPD_STATE_BACKUP;
	in->to = FIPD_STATE_MASTER;
	in->priority = 150;
	in->seq = 12345678901ULL;
	in->vips = "192.0.2.100 192.0.2.101";
	in->reason = "master down";
	in->kind = NTF_TRANSITION;
}

START_TEST(argv_build)
{
	struct ntf_info	 in;
	char		**w, **a;
	int		 k;

	info_init(&in);
	ck_assert_int_eq(ntf_split("/etc/fipd/n.sh --x 'y z'", &w, err,
	    sizeof(err)), 3);
	/* keepalived: `notify` gets INSTANCE NAME STATE PRIORITY. */
	a = ntf_argv_build(w, NTF_K_ANY, &in);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(strv_len(a), 7);
	ck_assert_str_eq(a[0], "/etc/fipd/n.sh");
	ck_assert_str_eq(a[1], "--x");
	ck_assert_str_eq(a[2], "y z");
	ck_assert_str_eq(a[3], "INSTANCE");
	ck_assert_str_eq(a[4], "VI_1");
	ck_assert_str_eq(a[5], "MASTER");
	ck_assert_str_eq(a[6], "150");
	ntf_strv_free(a);
	/* ... and every other key its configured words only. */
	for (k = 0; k < NTF_K_MAX; k++) {
		if (k == NTF_K_ANY)
			continue;
		a = ntf_argv_build(w, (enum ntf_key)k, &in);
		ck_assert_ptr_nonnull(a);
		ck_assert_msg(strv_len(a) == 3, "%s: %zu words",
		    ntf_key_name((enum ntf_key)k), strv_len(a));
		ck_assert_str_eq(a[0], "/etc/fipd/n.sh");
		ck_assert_str_eq(a[2], "y z");
		ck_assert_ptr_null(a[3]);
		ntf_strv_free(a);
	}
	ntf_strv_free(w);

	/* keepalived's layout when no argument is configured. */
	ck_assert_int_eq(ntf_split("/n", &w, err, sizeof(err)), 1);
	in.to = FIPD_STATE_STOP;
	in.priority = 0;
	a = ntf_argv_build(w, NTF_K_ANY, &in);
	ck_assert_uint_eq(strv_len(a), 5);
	ck_assert_str_eq(a[1], "INSTANCE");
	ck_assert_str_eq(a[3], "STOP");
	ck_assert_str_eq(a[4], "0");
	ntf_strv_free(a);
	a = ntf_argv_build(w, NTF_K_STOP, &in);
	ck_assert_uint_eq(strv_len(a), 1);
	ck_assert_str_eq(a[0], "/n");
	ntf_strv_free(a);
	ntf_strv_free(w);
}
END_TEST

START_TEST(env_build)
{
	static const char *const want[] = {
		"PATH=" NTF_PATH,
		"FIPD_INSTANCE=VI_1",
		"FIPD_STATE=MASTER",
		"FIPD_PREV_STATE=BACKUP",
		"FIPD_VRID=51",
		"FIPD_INTERFACE=eth0",
		"FIPD_VIPS=192.0.2.100 192.0.2.101",
		"FIPD_SEQ=12345678901",
		"FIPD_PRIORITY=150",
		"FIPD_EVENT=TRANSITION",
		"FIPD_REASON=master down",
		NULL
	};
	struct ntf_info	 in;
	char		**e;
	size_t		 i;

	info_init(&in);
	e = ntf_env_build(&in);
	ck_assert_ptr_nonnull(e);
	for (i = 0; want[i] != NULL; i++) {
		ck_assert_ptr_nonnull(e[i]);
		ck_assert_str_eq(e[i], want[i]);
	}
	/* Nothing else: no inherited variable. */
	ck_assert_ptr_null(e[i]);
	ntf_strv_free(e);

	in.kind = NTF_RX_LOWER_PRI;
	in.from = in.to = FIPD_STATE_MASTER;
	in.reason = NULL;
	e = ntf_env_build(&in);
	ck_assert_str_eq(e[2], "FIPD_STATE=MASTER");
	ck_assert_str_eq(e[3], "FIPD_PREV_STATE=MASTER");
	ck_assert_str_eq(e[9], "FIPD_EVENT=MASTER_RX_LOWER_PRI");
	ck_assert_str_eq(e[10], "FIPD_REASON=");
	ntf_strv_free(e);
}
END_TEST

START_TEST(vips_str)
{
	struct fipd_addr a[3];
	char		*s;

	memset(a, 0, sizeof(a));
	a[0].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.100", &a[0].u.v4);
	a[1].family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &a[1].u.v6);
	a[2].family = AF_INET;
	inet_pton(AF_INET, "192.0.2.255", &a[2].u.v4);
	s = ntf_vips_str(a, 3);
	ck_assert_str_eq(s, "192.0.2.100 2001:db8::1 192.0.2.255");
	free(s);
	s = ntf_vips_str(a, 0);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* ------------------------------------------------------------- queue */

static struct ntf_item *
item(enum ntf_kind kind, uint64_t seq, enum fipd_state to, size_t nruns)
{
	struct ntf_item	*it;

	it = calloc(1, sizeof(*it));
	ck_assert_ptr_nonnull(it);
	it->kind = kind;
	it->seq = seq;
	it->to = to;
	it->nruns = nruns;
	return (it);
}

/* The seqs of a list, e.g. "1 2 3". */
static const char *
seqs(struct ntf_itemq *l)
{
	static char	 buf[256];
	struct ntf_item	*it;
	size_t		 n = 0;

	buf[0] = '\0';
	TAILQ_FOREACH(it, l, entry)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%llu%s",
		    n > 0 ? " " : "", (unsigned long long)it->seq,
		    it->kind == NTF_RX_LOWER_PRI ? "h" : "");
	return (buf);
}

START_TEST(queue_order)
{
	struct ntf_queue q;
	struct ntf_itemq d = TAILQ_HEAD_INITIALIZER(d);
	struct ntf_item	*it;

	ntf_queue_init(&q);
	ck_assert_ptr_null(ntf_queue_start(&q));
	ntf_queue_push(&q, item(NTF_TRANSITION, 1, FIPD_STATE_BACKUP, 2), &d);
	ntf_queue_push(&q, item(NTF_TRANSITION, 2, FIPD_STATE_MASTER, 1), &d);
	ck_assert_uint_eq(q.npending, 2);
	ck_assert(TAILQ_EMPTY(&d));

	/* Item 1 has two runs: specific, then generic. */
	it = ntf_queue_start(&q);
	ck_assert_uint_eq(it->seq, 1);
	ck_assert_uint_eq(it->next, 0);
	ck_assert_uint_eq(q.npending, 1);
	ck_assert_ptr_null(ntf_queue_done(&q));
	it = ntf_queue_start(&q);
	ck_assert_uint_eq(it->seq, 1);
	ck_assert_uint_eq(it->next, 1);
	ck_assert_uint_eq(q.npending, 1);
	it = ntf_queue_done(&q);
	ck_assert_uint_eq(it->seq, 1);
	ntf_item_free(it);

	it = ntf_queue_start(&q);
	ck_assert_uint_eq(it->seq, 2);
	ck_assert_uint_eq(q.npending, 0);
	ntf_item_free(ntf_queue_done(&q));
	ck_assert_ptr_null(ntf_queue_start(&q));
	ck_assert_uint_eq(q.npending, 0);
}
END_TEST

START_TEST(queue_collapse)
{
	struct ntf_queue q;
	struct ntf_itemq d = TAILQ_HEAD_INITIALIZER(d);
	struct ntf_item	*it;
	uint64_t	 s;

	ntf_queue_init(&q);
	ntf_queue_push(&q, item(NTF_TRANSITION, 1, FIPD_STATE_BACKUP, 1), &d);
	it = ntf_queue_start(&q);	/* seq 1 runs */
	for (s = 2; s < 2 + NTF_QUEUE_MAX; s++)
		ntf_queue_push(&q, item(NTF_TRANSITION, s, s % 2 ?
		    FIPD_STATE_BACKUP : FIPD_STATE_MASTER, 1), &d);
	ck_assert(TAILQ_EMPTY(&d));
	ck_assert_uint_eq(q.npending, NTF_QUEUE_MAX);
	ck_assert_str_eq(seqs(&q.items), "1 2 3 4 5");

	/* One more: the pending ones go, the running one and seq 6 stay. */
	ntf_queue_push(&q, item(NTF_TRANSITION, 6, FIPD_STATE_MASTER, 1), &d);
	ck_assert_str_eq(seqs(&d), "2 3 4 5");
	ck_assert_str_eq(seqs(&q.items), "1 6");
	ck_assert_uint_eq(q.npending, 1);
	ck_assert_ptr_eq(TAILQ_FIRST(&q.items), it);
	ntf_itemq_free(&d);

	/* The newest is never dropped, whatever comes. */
	for (s = 7; s < 40; s++) {
		ntf_queue_push(&q, item(NTF_TRANSITION, s, FIPD_STATE_FAULT, 1),
		    &d);
		ck_assert_uint_eq(TAILQ_LAST(&q.items, ntf_itemq)->seq, s);
		ck_assert_uint_le(q.npending, NTF_QUEUE_MAX);
		ntf_itemq_free(&d);
	}
	ntf_queue_clear(&q, &d);
	ck_assert_uint_eq(q.npending, 0);
	ntf_itemq_free(&d);
}
END_TEST

START_TEST(queue_hooks)
{
	struct ntf_queue q;
	struct ntf_itemq d = TAILQ_HEAD_INITIALIZER(d);

	ntf_queue_init(&q);
	ntf_queue_push(&q, item(NTF_TRANSITION, 1, FIPD_STATE_MASTER, 1), &d);
	(void)ntf_queue_start(&q);
	ntf_queue_push(&q, item(NTF_RX_LOWER_PRI, 1, FIPD_STATE_MASTER, 1),
	    &d);
	ck_assert(TAILQ_EMPTY(&d));
	/* Rule 2: a second hook while one is pending is dropped. */
	ntf_queue_push(&q, item(NTF_RX_LOWER_PRI, 1, FIPD_STATE_MASTER, 1),
	    &d);
	ck_assert_str_eq(seqs(&d), "1h");
	ck_assert_str_eq(seqs(&q.items), "1 1h");
	ntf_itemq_free(&d);
	/* Rule 1: a transition makes the pending hook stale. */
	ntf_queue_push(&q, item(NTF_TRANSITION, 2, FIPD_STATE_BACKUP, 1), &d);
	ck_assert_str_eq(seqs(&d), "1h");
	ck_assert_str_eq(seqs(&q.items), "1 2");
	ck_assert_uint_eq(q.npending, 1);
	ntf_itemq_free(&d);
	/* A started hook is never touched. */
	ntf_item_free(ntf_queue_done(&q));
	ntf_item_free(ntf_queue_done(&q));
	ntf_queue_push(&q, item(NTF_TRANSITION, 3, FIPD_STATE_MASTER, 1), &d);
	ntf_queue_push(&q, item(NTF_RX_LOWER_PRI, 3, FIPD_STATE_MASTER, 1),
	    &d);
	ntf_item_free(ntf_queue_done(&q));
	(void)ntf_queue_start(&q);		/* the hook runs */
	ntf_queue_push(&q, item(NTF_RX_LOWER_PRI, 3, FIPD_STATE_MASTER, 1),
	    &d);
	ck_assert(TAILQ_EMPTY(&d));
	ntf_queue_drop_hooks(&q, &d);
	ck_assert_str_eq(seqs(&d), "3h");
	ck_assert_str_eq(seqs(&q.items), "3h");
	ntf_itemq_free(&d);
	ntf_queue_clear(&q, &d);
	ntf_itemq_free(&d);
}
END_TEST

START_TEST(queue_trim)
{
	struct ntf_queue q;
	struct ntf_itemq d = TAILQ_HEAD_INITIALIZER(d);

	ntf_queue_init(&q);
	ntf_queue_push(&q, item(NTF_TRANSITION, 1, FIPD_STATE_MASTER, 1), &d);
	(void)ntf_queue_start(&q);
	ntf_queue_push(&q, item(NTF_TRANSITION, 2, FIPD_STATE_BACKUP, 1), &d);
	ntf_queue_push(&q, item(NTF_TRANSITION, 3, FIPD_STATE_STOP, 2), &d);
	ntf_queue_trim(&q, &d);
	ck_assert_str_eq(seqs(&d), "2");
	ck_assert_str_eq(seqs(&q.items), "1 3");
	ck_assert_uint_eq(q.npending, 1);
	ntf_itemq_free(&d);
	/* Nothing pending: nothing to trim; the running item stays. */
	ntf_item_free(ntf_queue_done(&q));
	ntf_item_free(ntf_queue_done(&q));
	ntf_item_free(ntf_queue_done(&q));
	ck_assert(TAILQ_EMPTY(&q.items));
	ntf_queue_trim(&q, &d);
	ck_assert(TAILQ_EMPTY(&d));
}
END_TEST

/* ------------------------------------------------------------- clock */

START_TEST(clock_steps)
{
	struct ntf_clock c;
	uint64_t	 t0 = 1000000;

	ntf_clock_start(&c, t0, 1500);
	ck_assert_int_eq(ntf_clock_step(&c, t0, NTF_GRACE_US), NTF_A_NONE);
	ck_assert_int_eq(ntf_clock_step(&c, t0 + 1499999, NTF_GRACE_US),
	    NTF_A_NONE);
	ck_assert_int_eq(c.phase, NTF_P_RUN);
	/* At the timeout: SIGTERM, then a grace. */
	ck_assert_int_eq(ntf_clock_step(&c, t0 + 1500000, NTF_GRACE_US),
	    NTF_A_TERM);
	ck_assert_int_eq(c.phase, NTF_P_TERM);
	ck_assert_uint_eq(c.deadline, t0 + 2500000);
	ck_assert_int_eq(ntf_clock_step(&c, t0 + 2000000, NTF_GRACE_US),
	    NTF_A_NONE);
	/* Late timer: the grace counts from when SIGTERM really went. */
	ck_assert_int_eq(ntf_clock_step(&c, t0 + 2600000, NTF_GRACE_US),
	    NTF_A_KILL);
	ck_assert_uint_eq(c.deadline, t0 + 3600000);
	ck_assert_int_eq(ntf_clock_step(&c, t0 + 3600000, NTF_GRACE_US),
	    NTF_A_ABANDON);
	ck_assert_int_eq(c.phase, NTF_P_GONE);
	ck_assert_int_eq(ntf_clock_step(&c, t0 + 99000000, NTF_GRACE_US),
	    NTF_A_NONE);
}
END_TEST

/* ------------------------------------------------------------- output */

static char	 lines[64][NTF_LINE_MAX + 1];
static int	 nlines;

static void
collect(void *arg, const char *line)
{
	(void)arg;
	ck_assert_int_lt(nlines, 64);
	snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
}

START_TEST(output_lines)
{
	struct ntf_out	 o;
	char		 big[2 * NTF_LINE_MAX];

	memset(&o, 0, sizeof(o));
	nlines = 0;
	ntf_out_feed(&o, "one\ntw", 6, collect, NULL);
	ck_assert_int_eq(nlines, 1);
	ntf_out_feed(&o, "o\r\n\x1b[31mred\tx\n", 14, collect, NULL);
	ck_assert_int_eq(nlines, 3);
	ck_assert_str_eq(lines[0], "one");
	ck_assert_str_eq(lines[1], "two");
	ck_assert_str_eq(lines[2], "?[31mred\tx");
	ntf_out_feed(&o, "\n", 1, collect, NULL);
	ck_assert_str_eq(lines[3], "");
	ntf_out_feed(&o, "tail", 4, collect, NULL);
	ntf_out_flush(&o, collect, NULL);
	ck_assert_int_eq(nlines, 5);
	ck_assert_str_eq(lines[4], "tail");

	/* A long line is cut, its rest skipped up to the newline. */
	memset(&o, 0, sizeof(o));
	nlines = 0;
	memset(big, 'x', sizeof(big));
	ntf_out_feed(&o, big, sizeof(big), collect, NULL);
	ntf_out_feed(&o, "\nnext\n", 6, collect, NULL);
	ck_assert_int_eq(nlines, 2);
	ck_assert_uint_eq(strlen(lines[0]), NTF_LINE_MAX);
	ck_assert_str_eq(lines[1], "next");
	ck_assert_uint_eq(o.dropped, sizeof(big) - NTF_LINE_MAX);
}
END_TEST

START_TEST(output_budget)
{
	struct ntf_out	 o;
	char		 line[101];
	int		 i;

	memset(&o, 0, sizeof(o));
	nlines = 0;
	memset(line, 'y', 99);
	line[99] = '\n';
	line[100] = '\0';
	/* 100 lines of 100 bytes: 4096 / 100 -> 41 lines logged. */
	for (i = 0; i < 100 && nlines < 64; i++)
		ntf_out_feed(&o, line, 100, collect, NULL);
	ntf_out_flush(&o, collect, NULL);
	ck_assert_int_eq(nlines, (NTF_OUT_MAX + 99) / 100);
	ck_assert_uint_eq(o.logged + o.dropped, 100 * 100);
	ck_assert_uint_ge(o.logged, NTF_OUT_MAX);
	ck_assert_uint_lt(o.logged, NTF_OUT_MAX + 100);
}
END_TEST

/* ------------------------------------------------------------- verdicts */

static struct stat
st_make(mode_t type, unsigned int perm, uid_t uid, gid_t gid)
{
	struct stat	 st;

	memset(&st, 0, sizeof(st));
	st.st_mode = type | perm;
	st.st_uid = uid;
	st.st_gid = gid;
	return (st);
}

START_TEST(judge)
{
	struct ntf_who	 nobody = { 65534, 65534, 0, "nobody" };
	struct ntf_who	 root = { 0, 0, 0, "root" };
	struct ntf_who	 tester = { 65534, 65534, 1000, "nobody" };
	struct stat	 st;
	char		 why[160];

	st = st_make(S_IFREG, 0755, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), 0);
	ck_assert_int_eq(ntf_judge(&st, 1, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "not a directory");
	st = st_make(S_IFREG, 0775, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "writable by group (mode 0775)");
	st = st_make(S_IFREG, 0757, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "writable by others (mode 0757)");
	st = st_make(S_IFREG, 0777, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "writable by group and others (mode 0777)");
	st = st_make(S_IFREG, 0750, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "not executable by script_user nobody "
	    "(mode 0750)");
	/* Root may run anything with an x bit. */
	st = st_make(S_IFREG, 0700, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &root, why, sizeof(why)), 0);
	st = st_make(S_IFREG, 0644, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &root, why, sizeof(why)), -1);
	/* Owned by the script user, or its group's x bit. */
	st = st_make(S_IFREG, 0700, 65534, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), 0);
	st = st_make(S_IFREG, 0750, 0, 65534);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), 0);
	/* Someone else's. */
	st = st_make(S_IFREG, 0755, 1000, 1000);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "owned by uid 1000, neither root nor "
	    "script_user nobody");
	/* ... unless fipd itself runs as that user (tests). */
	ck_assert_int_eq(ntf_judge(&st, 0, &tester, why, sizeof(why)), 0);
	st = st_make(S_IFCHR, 0755, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 0, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "not a regular file");

	/* Directories: sticky ones may be world-writable. */
	st = st_make(S_IFDIR, 01777, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 1, &nobody, why, sizeof(why)), 0);
	st = st_make(S_IFDIR, 0777, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 1, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "writable by group and others (mode 0777)");
	st = st_make(S_IFDIR, 02775, 0, 50);
	ck_assert_int_eq(ntf_judge(&st, 1, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "writable by group (mode 2775)");
	st = st_make(S_IFDIR, 0750, 0, 0);
	ck_assert_int_eq(ntf_judge(&st, 1, &nobody, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "not searchable by script_user nobody "
	    "(mode 0750)");
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("notify");
	tc = tcase_create("parse");
	tcase_add_test(tc, keys);
	tcase_add_test(tc, timeouts);
	tcase_add_test(tc, split_ok);
	tcase_add_test(tc, split_bad);
	suite_add_tcase(s, tc);
	tc = tcase_create("build");
	tcase_add_test(tc, argv_build);
	tcase_add_test(tc, env_build);
	tcase_add_test(tc, vips_str);
	suite_add_tcase(s, tc);
	tc = tcase_create("queue");
	tcase_add_test(tc, queue_order);
	tcase_add_test(tc, queue_collapse);
	tcase_add_test(tc, queue_hooks);
	tcase_add_test(tc, queue_trim);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, clock_steps);
	tcase_add_test(tc, output_lines);
	tcase_add_test(tc, output_budget);
	tcase_add_test(tc, judge);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(notify_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
