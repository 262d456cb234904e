/*
 * Control socket: a unix stream socket served on the event loop, one
 * request per line, one JSON object per reply line (ctl_proto.h,
 * fipctl(8)).  Also tells systemd we are ready (sd_notify protocol,
 * spoken directly: no libsystemd needed).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "ctl_srv.h"

#define CTL_MAX_CLIENTS 32
#define CTL_IDLE_US (5 * 1000000)
#define CTL_OUT_MAX (16 * 1024 * 1024)
#define CTL_BACKLOG 64

static struct csrv *ctl_srv;
static char *ctl_path;			/* the socket we created */
static dev_t ctl_dev;
static ino_t ctl_ino;
static char *ctl_conf;			/* what reload reloads */
static uint64_t ctl_start_us;

static void ctl_sd_notify(const char *);
static enum csrv_act ctl_input(const char *, size_t, int, size_t *,
    struct cbuf *, void *);

/* ----------------------------------------------------------- systemd */

/*
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a
 * path, or an abstract name written with a leading '@').  Best effort.
 */
static void
ctl_sd_notify(const char *msg)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	socklen_t len;
	size_t n;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof(sun.sun_path) || n < 2)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_debug("sd_notify %s: %s", msg, strerror(errno));
	close(fd);
}

/* ------------------------------------------------------------ replies */

static void
reply_error(struct cbuf *out, const char *msg)
{
	struct jw w;

	cbuf_reset(out);
	jw_init(&w, out);
	jw_obj_open(&w, NULL);
	jw_str(&w, "error", msg);
	jw_obj_close(&w);
	cbuf_add(out, "\n", 1);
}

static void
json_addr(struct jw *w, const char *key, const struct fipd_addr *a,
    int prefix)
{
	char s[INET6_ADDRSTRLEN + 8];
	size_t n;

	if (a == NULL || vpkt_addr_str(a, s, INET6_ADDRSTRLEN) == NULL) {
		jw_null(w, key);
		return;
	}
	if (prefix) {
		n = strlen(s);
		snprintf(s + n, sizeof(s) - n, "/%u", a->prefixlen);
	}
	jw_str(w, key, s);
}

/* One key of the running section into the "config" object. */
static void
config_value_cb(void *arg, const char *key, const char *const *values,
    size_t n, int list)
{
	struct jw *w = arg;
	size_t i;

	if (list) {
		jw_arr_open(w, key);
		for (i = 0; i < n; i++)
			jw_str(w, NULL, values[i]);
		jw_arr_close(w);
	} else if (n == 0)
		jw_null(w, key);
	else
		jw_str(w, key, values[0]);
}

static void
status_inst_cb(const struct daemon_inst_status *st, void *arg)
{
	struct jw *w = arg;
	const struct cfg_instance *ci = st->ci;
	const struct vrrp_stats *vs = st->stats;
	struct check_status cs;
	uint64_t now = ev_now_us();
	size_t i;

	jw_obj_open(w, NULL);
	jw_str(w, "name", st->name);
	jw_str(w, "state", st->state);
	jw_int(w, "priority", st->priority);
	jw_int(w, "effective_priority", st->effective_priority);
	jw_uint(w, "vrid", st->vrid);
	jw_int(w, "version", st->version);
	jw_str(w, "interface", st->ifname);
	jw_arr_open(w, "vips");
	for (i = 0; i < st->n_vips; i++)
		json_addr(w, NULL, &st->vips[i], 1);
	jw_arr_close(w);
	json_addr(w, "master", st->master, 0);
	jw_uint(w, "transitions", vs != NULL ? vs->transitions : 0);
	jw_arr_open(w, "checks");
	for (i = 0; ci != NULL && i < ci->n_track_check; i++) {
		jw_obj_open(w, NULL);
		jw_str(w, "name", ci->track_check[i]);
		if (check_get(ci->track_check[i], &cs) == 0 && cs.known)
			jw_bool(w, "up", cs.up);
		else
			jw_null(w, "up");
		jw_obj_close(w);
	}
	jw_arr_close(w);

	jw_obj_open(w, "counters");
	jw_uint(w, "adverts_sent", vs != NULL ? vs->adverts_sent : 0);
	jw_uint(w, "adverts_received", vs != NULL ? vs->adverts_rcvd : 0);
	jw_uint(w, "priority_zero_sent", vs != NULL ? vs->prio0_sent : 0);
	jw_uint(w, "priority_zero_received",
	    vs != NULL ? vs->prio0_rcvd : 0);
	jw_uint(w, "became_master", vs != NULL ? vs->became_master : 0);
	jw_uint(w, "checksum_pseudo_header",
	    vs != NULL ? vs->csum_pseudo : 0);
	jw_uint(w, "checksum_rfc9568", vs != NULL ? vs->csum_rfc9568 : 0);
	jw_uint(w, "interval_mismatch",
	    vs != NULL ? vs->interval_mismatch : 0);
	jw_uint(w, "address_mismatch", vs != NULL ? vs->addr_mismatch : 0);
	jw_uint(w, "owner_conflict", vs != NULL ? vs->owner_conflict : 0);
	jw_uint(w, "yield_notices", vs != NULL ? vs->yield_notices : 0);
	jw_obj_open(w, "dropped");
	for (i = VPKT_OK + 1; i < VPKT_DROP_MAX; i++)
		jw_uint(w, vpkt_drop_str((enum vpkt_drop)i),
		    vs != NULL ? vs->drops[i] : 0);
	jw_obj_close(w);
	jw_obj_open(w, "actions");
	for (i = 0; i < st->n_counters; i++)
		jw_uint(w, st->counters[i].name, st->counters[i].value);
	jw_obj_close(w);
	jw_obj_close(w);

	/* Additions to the DESIGN.md 7 fields. */
	jw_bool(w, "started", vs != NULL);
	if (st->last_change_us != 0) {
		jw_obj_open(w, "last_transition");
		jw_str(w, "reason", st->last_reason);
		jw_double(w, "age_seconds", now > st->last_change_us ?
		    (double)(now - st->last_change_us) / 1e6 : 0.0);
		jw_obj_close(w);
	} else
		jw_null(w, "last_transition");
	if (ci != NULL) {
		jw_double(w, "advert_int", (double)ci->advert_int_cs / 100);
		jw_bool(w, "preempt", ci->preempt);
		jw_double(w, "preempt_delay",
		    (double)ci->preempt_delay_cs / 100);
		jw_str(w, "mode", ci->n_peers > 0 ? "unicast" : "multicast");
		jw_arr_open(w, "unicast_peers");
		for (i = 0; i < ci->n_peers; i++)
			json_addr(w, NULL, &ci->peers[i], 0);
		jw_arr_close(w);
		jw_arr_open(w, "track_interfaces");
		for (i = 0; i < ci->n_track_if; i++)
			jw_str(w, NULL, ci->track_if[i]);
		jw_arr_close(w);
		/*
		 * Every key's running value, from the key tables (a reload
		 * applied in place shows here at once).
		 */
		jw_obj_open(w, "config");
		cfg_instance_values(ci, config_value_cb, w);
		jw_obj_close(w);
	}
	jw_obj_close(w);
}

static void
status_check_cb(const struct check_status *cs, void *arg)
{
	struct jw *w = arg;

	jw_obj_open(w, NULL);
	jw_str(w, "name", cs->name);
	jw_str(w, "type", cs->type);
	if (cs->known)
		jw_bool(w, "up", cs->up);
	else
		jw_null(w, "up");
	jw_str(w, "reason", cs->reason != NULL ? cs->reason : "");
	jw_double(w, "last_duration_seconds",
	    (double)cs->last_duration_us / 1e6);
	jw_uint(w, "probes", cs->probes);
	jw_uint(w, "failures", cs->failures);
	jw_uint(w, "transitions", cs->transitions);
	jw_double(w, "interval", (double)cs->interval_cs / 100);
	jw_int(w, "weight", cs->weight);
	jw_obj_close(w);
}

static void
reply_status(struct cbuf *out)
{
	const struct cfg *c = daemon_cfg();
	const uint64_t *nd = net_drops();
	struct jw w;
	size_t i;

	jw_init(&w, out);
	jw_obj_open(&w, NULL);
	jw_arr_open(&w, "instances");
	daemon_foreach(status_inst_cb, &w);
	jw_arr_close(&w);
	jw_arr_open(&w, "checks");
	check_foreach(status_check_cb, &w);
	jw_arr_close(&w);
	jw_obj_open(&w, "dropped_before_demux");
	for (i = VPKT_OK + 1; i < VPKT_DROP_MAX; i++)
		jw_uint(&w, vpkt_drop_str((enum vpkt_drop)i), nd[i]);
	jw_obj_close(&w);
	jw_str(&w, "router_id", c != NULL ? c->global.router_id : NULL);
	jw_str(&w, "fipd_version", PACKAGE_VERSION);
	jw_int(&w, "pid", (long long)getpid());
	jw_double(&w, "uptime_seconds",
	    (double)(ev_now_us() - ctl_start_us) / 1e6);
	jw_obj_close(&w);
	if (jw_finish(&w) == -1) {
		reply_error(out, out->failed ? "status too large" :
		    "internal error while writing the status");
		return;
	}
	cbuf_add(out, "\n", 1);
}

static void
reply_reload(struct cbuf *out)
{
	char *errs = NULL, *line, *save = NULL;
	size_t errlen = 0;
	FILE *ef;
	struct jw w;
	int rc;

	log_notice("control: reload of %s requested", ctl_conf);
	if ((ef = open_memstream(&errs, &errlen)) == NULL) {
		reply_error(out, "reload: out of memory");
		return;
	}
	rc = daemon_reload(ctl_conf, ef);
	fclose(ef);
	jw_init(&w, out);
	jw_obj_open(&w, NULL);
	if (rc == 0)
		jw_str(&w, "result", "applied");
	else {
		jw_str(&w, "error", "configuration refused; the running "
		    "configuration stays in place");
		jw_str(&w, "result", "refused");
	}
	jw_str(&w, "file", ctl_conf);
	jw_arr_open(&w, "errors");
	for (line = strtok_r(errs, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		jw_str(&w, NULL, line);
	jw_arr_close(&w);
	jw_obj_close(&w);
	free(errs);
	if (jw_finish(&w) == -1) {
		reply_error(out, rc == 0 ? "reload applied (reply too large)" :
		    "reload refused (too many errors to list)");
		return;
	}
	cbuf_add(out, "\n", 1);
}

static void
reply_version(struct cbuf *out)
{
	struct jw w;

	jw_init(&w, out);
	jw_obj_open(&w, NULL);
	jw_str(&w, "version", PACKAGE_VERSION);
	jw_int(&w, "plugin_abi", FIPD_PLUGIN_ABI_VERSION);
	jw_str(&w, "libevent", ev_version());
	jw_obj_close(&w);
	jw_finish(&w);
	cbuf_add(out, "\n", 1);
}

static enum csrv_act
ctl_input(const char *in, size_t len, int eof, size_t *used,
    struct cbuf *out, void *arg)
{
	struct ctl_req req;
	char err[160];
	ssize_t n;
	struct jw w;

	n = ctl_req_frame(in, len);
	if (n == -1) {
		snprintf(err, sizeof(err), "request too long (limit %d "
		    "bytes)", CTL_REQ_MAX);
		reply_error(out, err);
		*used = len;
		return CSRV_CLOSE;
	}
	if (n == 0) {
		/* A last request without its newline counts at EOF. */
		if (!eof || len == 0)
			return CSRV_MORE;
		n = (ssize_t)len;
	}
	*used = (size_t)n;
	if (ctl_req_parse(in, (size_t)n, &req, err, sizeof(err)) == -1) {
		reply_error(out, err);
		return CSRV_REPLY;
	}
	switch (req.verb) {
	case CTL_V_STATUS:
		reply_status(out);
		break;
	case CTL_V_RELOAD:
		reply_reload(out);
		break;
	case CTL_V_VERSION:
		reply_version(out);
		break;
	case CTL_V_PING:
		jw_init(&w, out);
		jw_obj_open(&w, NULL);
		jw_bool(&w, "pong", 1);
		jw_obj_close(&w);
		cbuf_add(out, "\n", 1);
		break;
	default:
		reply_error(out, "internal error: unhandled command");
		break;
	}
	return CSRV_REPLY;
}

/* ------------------------------------------------------------ socket */

/*
 * A socket file already at path: if a process still listens there, it is
 * not ours to take; if nobody does, it is a leftover of a crash.
 * Returns: 0 (path free now), or -1 (logged).
 */
static int
ctl_clear_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("control socket %s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control socket %s: exists and is not a socket; "
		    "not replacing it", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		log_warn("control socket: socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0 || errno == EAGAIN) {
		log_warnx("control socket %s: another process is listening "
		    "on it (another fipd?)", path);
		return -1;
	}
	log_info("control socket %s: removing a stale socket", path);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("control socket %s: unlink", path);
		return -1;
	}
	return 0;
}

static int
ctl_listen(const char *path)
{
	struct sockaddr_un sun;
	struct csrv_params p;
	struct stat st;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path[0] != '/' || strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: must be an absolute path "
		    "shorter than %zu bytes", path, sizeof(sun.sun_path));
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (ctl_clear_stale(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket: socket");
		return -1;
	}
	/* Never visible with wider permissions than 0600. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("control socket %s: bind", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0600) == -1 || lstat(path, &st) == -1 ||
	    listen(fd, CTL_BACKLOG) == -1) {
		log_warn("control socket %s", path);
		unlink(path);
		close(fd);
		return -1;
	}
	ctl_dev = st.st_dev;
	ctl_ino = st.st_ino;
	ctl_path = xstrdup(path);
	memset(&p, 0, sizeof(p));
	p.name = "control";
	p.in_max = CTL_REQ_MAX;
	p.out_max = CTL_OUT_MAX;
	p.max_clients = CTL_MAX_CLIENTS;
	p.idle_us = CTL_IDLE_US;
	p.input = ctl_input;
	ctl_srv = csrv_new(fd, &p);
	log_info("control socket %s ready", path);
	return 0;
}

int
ctl_start(const char *path, const char *conf_path)
{
	int rc = 0;

	ctl_stop();
	ctl_start_us = ev_now_us();
	ctl_conf = xstrdup(conf_path != NULL ? conf_path : "");
	if (path != NULL && path[0] != '\0')
		rc = ctl_listen(path);
	/*
	 * main() starts the control socket last, right before the loop:
	 * the daemon is ready either way (a missing socket is logged).
	 */
	ctl_sd_notify("READY=1");
	return rc;
}

void
ctl_stop(void)
{
	struct stat st;

	if (ctl_srv != NULL)
		ctl_sd_notify("STOPPING=1");
	csrv_free(ctl_srv);
	ctl_srv = NULL;
	/* Remove the socket file only if it is still the one we made. */
	if (ctl_path != NULL && lstat(ctl_path, &st) == 0 &&
	    st.st_dev == ctl_dev && st.st_ino == ctl_ino)
		unlink(ctl_path);
	free(ctl_path);
	ctl_path = NULL;
	free(ctl_conf);
	ctl_conf = NULL;
}
