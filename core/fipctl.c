/*
 * fipctl: ask a running fipd over its control socket (fipctl(8)).
 *
 * Exit status: 0 done, 1 fipd answered with an error (e.g. a reload was
 * refused), 2 usage, 3 fipd could not be reached or its reply was not
 * understood.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"

#define FIPCTL_OK 0
#define FIPCTL_ERR 1
#define FIPCTL_USAGE 2
#define FIPCTL_UNREACHABLE 3

#define FIPCTL_REPLY_MAX (64 * 1024 * 1024)
#define FIPCTL_TIMEOUT_S 10
#define FIPCTL_RELOAD_TIMEOUT_S 60
#define TABLE_COLS 10

static const char *progname = "fipctl";

static void usage(FILE *, int) __attribute__((noreturn));

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: fipctl [-s SOCKET] [-t SECONDS] COMMAND\n"
	    "       fipctl -V | -h\n"
	    "\n"
	    "Commands:\n"
	    "  status [--json]   state of every instance and health check\n"
	    "  reload            reload fipd's configuration (validated first;\n"
	    "                    a refused file leaves the running one alone)\n"
	    "  version           versions of fipctl and of the running fipd\n"
	    "  ping              succeed if fipd answers\n"
	    "\n"
	    "  -s, --socket PATH    control socket (default %s)\n"
	    "  -t, --timeout SEC    give up after SEC seconds (default %d, "
	    "reload %d)\n"
	    "  -V, --version        print fipctl's version and exit\n"
	    "  -h, --help           this help\n"
	    "\n"
	    "Exit status: 0 done, 1 fipd reported an error, 2 usage,\n"
	    "3 fipd could not be reached.  See fipctl(8).\n",
	    RUNDIR "/fipd.sock", FIPCTL_TIMEOUT_S, FIPCTL_RELOAD_TIMEOUT_S);
	exit(status);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready until the deadline.  Returns 0 or -1. */
static int
wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		left = deadline - mono_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = ev;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
	}
}

/*
 * Send one request line and read the one-line reply into *reply.
 * Returns: 0, or -1 (message printed).
 */
static int
transact(const char *path, const char *req, int timeout_s,
    struct cbuf *reply)
{
	struct sockaddr_un sun;
	int64_t deadline = mono_ms() + (int64_t)timeout_s * 1000;
	size_t off = 0, len = strlen(req);
	char buf[65536], *nl;
	ssize_t n;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: %s: socket path too long\n", progname,
		    path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "%s: socket: %s\n", progname, strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int e = errno;

		fprintf(stderr, "%s: cannot connect to %s: %s%s\n", progname,
		    path, strerror(e),
		    e == ENOENT || e == ECONNREFUSED ? " (is fipd running? "
		    "see control_socket in fipd.conf, or -s)" :
		    e == EACCES ? " (the socket is for root only)" : "");
		close(fd);
		return -1;
	}
	while (off < len) {
		if (wait_fd(fd, POLLOUT, deadline) == -1)
			goto fail;
		n = send(fd, req + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	for (;;) {
		if (wait_fd(fd, POLLIN, deadline) == -1)
			goto fail;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == -1)
			goto fail;
		if (n == 0) {
			fprintf(stderr, "%s: %s: fipd closed the connection "
			    "without a complete reply\n", progname, path);
			close(fd);
			return -1;
		}
		cbuf_add(reply, buf, (size_t)n);
		if (reply->failed) {
			fprintf(stderr, "%s: reply larger than %d bytes\n",
			    progname, FIPCTL_REPLY_MAX);
			close(fd);
			return -1;
		}
		if ((nl = memchr(reply->p, '\n', reply->len)) != NULL) {
			reply->len = (size_t)(nl - reply->p);
			reply->p[reply->len] = '\0';
			break;
		}
	}
	close(fd);
	return 0;
fail:
	fprintf(stderr, "%s: %s: %s\n", progname, path,
	    errno == ETIMEDOUT ? "no reply from fipd in time" :
	    strerror(errno));
	close(fd);
	return -1;
}

/* Print "fipd: ERROR" and the "errors" lines of a refused request. */
static void
print_error(const struct cj *r)
{
	const struct cj *errs = cj_get(r, "errors"), *e;

	fprintf(stderr, "%s: fipd: %s\n", progname,
	    cj_get_str(r, "error", "error"));
	if (errs == NULL || errs->type != CJ_ARR)
		return;
	for (e = errs->child; e != NULL; e = e->next)
		if (e->type == CJ_STR)
			fprintf(stderr, "  %s\n", e->str);
}

/* ------------------------------------------------------------- tables */

struct table {
	char **cells;		/* rows * TABLE_COLS */
	size_t rows;
	size_t cap;
	size_t ncols;
};

static void *
xrealloc_or_die(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		exit(FIPCTL_UNREACHABLE);
	}
	return p;
}

static char *
xstrdup_or_die(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		exit(FIPCTL_UNREACHABLE);
	}
	return d;
}

/* Append a row of ncols cells (copied). */
static void
table_row(struct table *t, const char *const *cells)
{
	size_t i;

	if (t->rows == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		t->cells = xrealloc_or_die(t->cells,
		    t->cap * TABLE_COLS * sizeof(*t->cells));
	}
	for (i = 0; i < TABLE_COLS; i++)
		t->cells[t->rows * TABLE_COLS + i] = i < t->ncols ?
		    xstrdup_or_die(cells[i] != NULL ? cells[i] : "") : NULL;
	t->rows++;
}

/* Print with columns padded to their widest cell; the last not padded. */
static void
table_print(struct table *t)
{
	size_t w[TABLE_COLS] = { 0 }, r, c, n;

	for (r = 0; r < t->rows; r++)
		for (c = 0; c < t->ncols; c++) {
			n = strlen(t->cells[r * TABLE_COLS + c]);
			if (n > w[c])
				w[c] = n;
		}
	for (r = 0; r < t->rows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * TABLE_COLS + c];

			if (c + 1 == t->ncols)
				printf("%s\n", s);
			else
				printf("%-*s  ", (int)w[c], s);
		}
	}
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->rows * TABLE_COLS; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static void
fmt_age(char *buf, size_t len, double s)
{
	unsigned long long t = s < 0 ? 0 : (unsigned long long)s;

	if (t < 60)
		snprintf(buf, len, "%llus", t);
	else if (t < 3600)
		snprintf(buf, len, "%llum%02llus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, len, "%lluh%02llum", t / 3600, t % 3600 / 60);
	else
		snprintf(buf, len, "%llud%02lluh", t / 86400, t % 86400 / 3600);
}

static const char *
up_str(const struct cj *c)
{
	const struct cj *up = cj_get(c, "up");

	if (up == NULL || up->type != CJ_BOOL)
		return "unknown";
	return up->b ? "up" : "DOWN";
}

static void
print_status(const struct cj *r)
{
	const struct cj *insts = cj_get(r, "instances"), *in, *v, *e;
	const struct cj *checks = cj_get(r, "checks");
	struct table t;
	struct cbuf vips, cks, last;
	char prio[32], vrid[16], age[32];
	const char *row[TABLE_COLS];

	memset(&t, 0, sizeof(t));
	t.ncols = 8;
	row[0] = "INSTANCE";
	row[1] = "STATE";
	row[2] = "PRIO";
	row[3] = "VRID";
	row[4] = "IFACE";
	row[5] = "VIPS";
	row[6] = "MASTER";
	row[7] = "LAST TRANSITION";
	table_row(&t, row);
	for (in = insts != NULL && insts->type == CJ_ARR ? insts->child : NULL;
	    in != NULL; in = in->next) {
		cbuf_init(&vips, 0);
		cbuf_init(&last, 0);
		v = cj_get(in, "vips");
		for (e = v != NULL && v->type == CJ_ARR ? v->child : NULL;
		    e != NULL; e = e->next)
			if (e->type == CJ_STR) {
				if (vips.len > 0)
					cbuf_add(&vips, ",", 1);
				cbuf_adds(&vips, e->str);
			}
		snprintf(prio, sizeof(prio), "%.0f/%.0f",
		    cj_get_num(in, "priority", 0),
		    cj_get_num(in, "effective_priority", 0));
		snprintf(vrid, sizeof(vrid), "%.0f", cj_get_num(in, "vrid", 0));
		v = cj_get(in, "last_transition");
		if (v != NULL && v->type == CJ_OBJ) {
			fmt_age(age, sizeof(age), cj_get_num(v,
			    "age_seconds", 0));
			cbuf_printf(&last, "%s ago: %s", age,
			    cj_get_str(v, "reason", ""));
		} else
			cbuf_adds(&last, "-");
		row[0] = cj_get_str(in, "name", "?");
		row[1] = cj_get_str(in, "state", "?");
		row[2] = prio;
		row[3] = vrid;
		row[4] = cj_get_str(in, "interface", "?");
		row[5] = vips.len > 0 ? vips.p : "-";
		row[6] = cj_get_str(in, "master", "-");
		row[7] = last.len > 0 ? last.p : "-";
		table_row(&t, row);
		cbuf_free(&vips);
		cbuf_free(&last);
	}
	if (t.rows == 1)
		printf("no instances\n");
	else
		table_print(&t);
	table_free(&t);

	/* Tracked checks per instance, one line each. */
	for (in = insts != NULL && insts->type == CJ_ARR ? insts->child : NULL;
	    in != NULL; in = in->next) {
		v = cj_get(in, "checks");
		if (v == NULL || v->type != CJ_ARR || v->n == 0)
			continue;
		cbuf_init(&cks, 0);
		for (e = v->child; e != NULL; e = e->next) {
			if (cks.len > 0)
				cbuf_add(&cks, ", ", 2);
			cbuf_printf(&cks, "%s %s", cj_get_str(e, "name", "?"),
			    up_str(e));
		}
		printf("  %s checks: %s\n", cj_get_str(in, "name", "?"),
		    cks.len > 0 ? cks.p : "");
		cbuf_free(&cks);
	}

	if (checks == NULL || checks->type != CJ_ARR || checks->n == 0)
		return;
	memset(&t, 0, sizeof(t));
	t.ncols = 7;
	row[0] = "CHECK";
	row[1] = "TYPE";
	row[2] = "STATE";
	row[3] = "LAST PROBE";
	row[4] = "PROBES";
	row[5] = "FAILED";
	row[6] = "REASON";
	table_row(&t, row);
	for (e = checks->child; e != NULL; e = e->next) {
		char dur[32], probes[32], failed[32];

		snprintf(dur, sizeof(dur), "%.3fs",
		    cj_get_num(e, "last_duration_seconds", 0));
		snprintf(probes, sizeof(probes), "%.0f",
		    cj_get_num(e, "probes", 0));
		snprintf(failed, sizeof(failed), "%.0f",
		    cj_get_num(e, "failures", 0));
		row[0] = cj_get_str(e, "name", "?");
		row[1] = cj_get_str(e, "type", "?");
		row[2] = up_str(e);
		row[3] = dur;
		row[4] = probes;
		row[5] = failed;
		row[6] = cj_get_str(e, "reason", "");
		if (row[6][0] == '\0')
			row[6] = "-";
		table_row(&t, row);
	}
	printf("\n");
	table_print(&t);
	table_free(&t);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = RUNDIR "/fipd.sock", *cmd, *req;
	int ch, json = 0, timeout_s = 0, rc;
	char err[256], *end;
	struct cbuf reply;
	struct cj *r;
	long l;

	while ((ch = getopt_long(argc, argv, "+s:t:Vhj", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 't':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || l < 1 || l > 3600) {
				fprintf(stderr, "%s: -t: expected seconds "
				    "1-3600\n", progname);
				return FIPCTL_USAGE;
			}
			timeout_s = (int)l;
			break;
		case 'V':
			printf("fipctl %s\n", PACKAGE_VERSION);
			return FIPCTL_OK;
		case 'h':
			usage(stdout, FIPCTL_OK);
		case 'j':
			json = 1;
			break;
		default:
			usage(stderr, FIPCTL_USAGE);
		}
	}
	if (optind >= argc)
		usage(stderr, FIPCTL_USAGE);
	cmd = argv[optind++];
	/* Options after the command ("status --json"). */
	for (; optind < argc; optind++) {
		if (strcmp(cmd, "status") == 0 &&
		    (strcmp(argv[optind], "--json") == 0 ||
		    strcmp(argv[optind], "-j") == 0 ||
		    strcmp(argv[optind], "json") == 0))
			json = 1;
		else {
			fprintf(stderr, "%s: %s: unexpected argument '%s'\n",
			    progname, cmd, argv[optind]);
			usage(stderr, FIPCTL_USAGE);
		}
	}
	if (strcmp(cmd, "status") == 0)
		req = "status\n";
	else if (strcmp(cmd, "reload") == 0)
		req = "reload\n";
	else if (strcmp(cmd, "version") == 0)
		req = "version\n";
	else if (strcmp(cmd, "ping") == 0)
		req = "ping\n";
	else {
		fprintf(stderr, "%s: unknown command '%s'\n", progname, cmd);
		usage(stderr, FIPCTL_USAGE);
	}
	if (json && strcmp(cmd, "status") != 0) {
		fprintf(stderr, "%s: --json goes with status\n", progname);
		return FIPCTL_USAGE;
	}
	if (timeout_s == 0)
		timeout_s = strcmp(cmd, "reload") == 0 ?
		    FIPCTL_RELOAD_TIMEOUT_S : FIPCTL_TIMEOUT_S;

	cbuf_init(&reply, FIPCTL_REPLY_MAX);
	if (transact(path, req, timeout_s, &reply) == -1) {
		cbuf_free(&reply);
		return FIPCTL_UNREACHABLE;
	}
	if ((r = cj_parse(reply.p, reply.len, err, sizeof(err))) == NULL ||
	    r->type != CJ_OBJ) {
		fprintf(stderr, "%s: unexpected reply from fipd: %s\n",
		    progname, r == NULL ? err : "not a JSON object");
		cj_free(r);
		cbuf_free(&reply);
		return FIPCTL_UNREACHABLE;
	}
	rc = FIPCTL_OK;
	if (cj_get(r, "error") != NULL) {
		print_error(r);
		rc = FIPCTL_ERR;
	} else if (strcmp(cmd, "status") == 0) {
		if (json)
			printf("%s\n", reply.p);
		else
			print_status(r);
	} else if (strcmp(cmd, "reload") == 0)
		printf("reload: %s applied\n", cj_get_str(r, "file", "?"));
	else if (strcmp(cmd, "version") == 0)
		printf("fipctl %s\nfipd %s (plugin ABI %.0f, libevent %s)\n",
		    PACKAGE_VERSION, cj_get_str(r, "version", "?"),
		    cj_get_num(r, "plugin_abi", 0),
		    cj_get_str(r, "libevent", "?"));
	else
		printf("pong\n");
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: stdout: %s\n", progname, strerror(errno));
		rc = rc == FIPCTL_OK ? FIPCTL_ERR : rc;
	}
	cj_free(r);
	cbuf_free(&reply);
	return rc;
}
