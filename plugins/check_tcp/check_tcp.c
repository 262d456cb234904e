/*
 * check_tcp: TCP connect health check, `type = tcp`.
 *
 *   connect = HOST:PORT	required; HOST an IPv4 or an [IPv6] literal,
 *				or a name (resolved in the background when
 *				probing, again after a minute; see chk.h)
 *
 * UP as soon as a non-blocking connect completes (the connection is then
 * closed); DOWN with the kernel's reason ("connection refused", "no route
 * to host", ...) as soon as it fails.  A connect that hangs is the core's
 * timeout.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fipd/plugin.h"
#include "../common/chk.h"

struct tc_probe;

struct tc_conf {
	struct fipd_host	*h;
	char			*target;	/* as configured, for logs */
	struct chk_target	 tgt;
	struct fipd_probe	*p;
	struct tc_probe		*probe;		/* in flight, or NULL */
};

struct tc_probe {
	struct tc_conf		*conf;
	int			 fd;
	struct fipd_io		*io;
};

static int	 tc_init(struct fipd_host *, const struct fipd_host_api *);
static int	 tc_parse(void *, const struct fipd_conf_key *, const char *,
		    char *, size_t);
static int	 tc_conf_check(struct fipd_host *, void *, char *, size_t);
static void	 tc_conf_free(void *);
static int	 tc_start(struct fipd_host *, void *, struct fipd_probe *,
		    void **);
static void	 tc_cancel(void *);

static void	 tc_probe_free(struct tc_probe *);
static void	 tc_connect_cb(int, void *);
static void	 tc_resolved_cb(void *, int, const char *);
static int	 tc_connect(struct tc_probe *);
static void	 tc_finish(struct tc_probe *, int, const char *);
static void	 tc_fini(void);

static struct fipd_host			*tc_host;
static const struct fipd_host_api	*tc_api;

#define TC_LOG(lvl, ...)	tc_api->log(tc_host, (lvl), __VA_ARGS__)

static const struct fipd_conf_key tc_keys[] = {
	FIPD_KEY_PARSE("connect", FIPD_KF_REQUIRED, tc_parse, "HOST:PORT"),
};

static const struct fipd_conf_schema tc_schema = {
	.size = sizeof(struct tc_conf),
	.keys = tc_keys,
	.n_keys = sizeof(tc_keys) / sizeof(tc_keys[0]),
};

static const struct fipd_check_ops tc_ops = {
	.conf = &tc_schema,
	.conf_check = tc_conf_check,
	.conf_free = tc_conf_free,
	.start = tc_start,
	.cancel = tc_cancel,
};

FIPD_PLUGIN(
	.name = "check_tcp",
	.kind = FIPD_PLUGIN_CHECK,
	.type = "tcp",
	.init = tc_init,
	.fini = tc_fini,
	.check = &tc_ops,
);

static int
tc_init(struct fipd_host *h, const struct fipd_host_api *api)
{
	if (api == NULL || api->abi_version != FIPD_PLUGIN_ABI_VERSION)
		return (-1);
	tc_host = h;
	tc_api = api;
	return (0);
}

static int
tc_parse(void *conf, const struct fipd_conf_key *k, const char *value,
    char *err, size_t errlen)
{
	struct tc_conf	*c = conf;
	char		 host[CHK_HOST_MAX], e[256];
	uint16_t	 port;

	(void)k;
	if (chk_hostport_parse(value, host, sizeof(host), &port, e,
	    sizeof(e)) == -1) {
		snprintf(err, errlen, "connect %s", e);
		return (-1);
	}
	if (chk_target_init(&c->tgt, host, port, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "connect %s: %s", value, e);
		return (-1);
	}
	if ((c->target = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

static int
tc_conf_check(struct fipd_host *h, void *conf, char *err, size_t errlen)
{
	struct tc_conf	*c = conf;
	char		 a[64];

	if (c == NULL || c->target == NULL) {
		snprintf(err, errlen, "connect = HOST:PORT is required");
		return (-1);
	}
	c->h = h;
	TC_LOG(FIPD_LOG_DEBUG, "%s: probing %s", c->target, c->tgt.literal ?
	    chk_addr_str(&c->tgt.addr, a, sizeof(a)) : c->tgt.host);
	return (0);
}

static void
tc_conf_free(void *conf)
{
	struct tc_conf	*c = conf;

	if (c == NULL)
		return;
	if (c->probe != NULL)
		tc_probe_free(c->probe);
	chk_target_fini(&c->tgt);
	free(c->target);
}

static int
tc_start(struct fipd_host *h, void *conf, struct fipd_probe *p, void **pctx)
{
	struct tc_conf	*c = conf;
	struct tc_probe	*pr;

	*pctx = NULL;
	c->p = p;
	if (c->probe != NULL) {
		TC_LOG(FIPD_LOG_ERR, "%s: probe started while one runs",
		    c->target);
		return (-1);
	}
	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		TC_LOG(FIPD_LOG_ERR, "%s: out of memory", c->target);
		return (-1);
	}
	pr->conf = c;
	pr->fd = -1;
	c->probe = pr;

	switch (chk_target_get(&c->tgt, c->h, tc_api, tc_resolved_cb, pr)) {
	case 1:
		if (tc_connect(pr))
			return (0);	/* reported already */
		break;
	case -1:
		tc_finish(pr, 0, c->tgt.err);
		return (0);
	}
	*pctx = pr;
	return (0);
}

static void
tc_resolved_cb(void *arg, int ok, const char *err)
{
	struct tc_probe	*pr = arg;

	if (ok)
		(void)tc_connect(pr);
	else
		tc_finish(pr, 0, err);
}

/* Returns: 1 when the probe is over (freed and reported), else 0. */
static int
tc_connect(struct tc_probe *pr)
{
	struct tc_conf	*c = pr->conf;
	int		 rc;

	rc = chk_connect(&c->tgt.addr, c->tgt.addrlen, &pr->fd);
	if (rc == -1) {
		pr->fd = -1;
		tc_finish(pr, errno, NULL);
		return (1);
	}
	if (rc == 0) {
		tc_finish(pr, 0, NULL);
		return (1);
	}
	if ((pr->io = tc_api->io_new_write(c->h, pr->fd, tc_connect_cb,
	    pr)) == NULL) {
		tc_finish(pr, 0, "cannot watch socket");
		return (1);
	}
	return (0);
}

static void
tc_cancel(void *pctx)
{
	if (pctx != NULL)
		tc_probe_free(pctx);
}

static void
tc_probe_free(struct tc_probe *pr)
{
	if (pr->io != NULL)
		tc_api->io_free(pr->io);
	if (pr->fd != -1)
		close(pr->fd);
	chk_target_forget(&pr->conf->tgt);
	if (pr->conf->probe == pr)
		pr->conf->probe = NULL;
	free(pr);
}

static void
tc_connect_cb(int fd, void *arg)
{
	tc_finish(arg, chk_connect_result(fd), NULL);
}

/*
 * Free the probe, then report: the core may start another from there.
 * fail: a reason that is not an errno (name resolution), or NULL.
 */
static void
tc_finish(struct tc_probe *pr, int e, const char *fail)
{
	struct fipd_probe *p = pr->conf->p;
	char		 buf[CHK_HOST_MAX + 128];
	const char	*why;
	int		 up = e == 0 && fail == NULL;

	if (fail != NULL) {
		snprintf(buf, sizeof(buf), "%s", fail);
		why = buf;
	} else
		why = e == 0 ? "connected" : chk_errno_reason(e, "connect",
		    buf, sizeof(buf));
	tc_probe_free(pr);
	tc_api->check_done(p, up ? FIPD_CHECK_UP : FIPD_CHECK_DOWN, why);
}

/* Abandoned lookups still written to by the C library: wait for them. */
static void
tc_fini(void)
{
	chk_target_shutdown(2000000);
}
