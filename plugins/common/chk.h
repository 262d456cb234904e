/*
 * Helpers shared by the check plugins (check_http, check_tcp,
 * check_script).  The sources in plugins/common/ are compiled into each
 * plugin that needs them; there is no shared library, and since a plugin
 * exports only fipd_plugin_info nothing here is visible to the daemon.
 *
 * chk_parse.c holds pure functions (no I/O, no allocation except argv
 * splitting) so that t/check_plugins_unit.c can test them; chk_net.c
 * holds the socket helpers; chk_http.c the HTTP/1.x response parser.
 */
#ifndef FIPD_CHK_H
#define FIPD_CHK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/* Longest host name or address literal we accept (RFC 1035: 253). */
#define CHK_HOST_MAX	256
/* Longest request target (path and query) of an URL. */
#define CHK_PATH_MAX	2048
/* Bounds of a response: header block, kept body, chunk-size line. */
#define CHK_HTTP_HDR_MAX	(16 * 1024)
#define CHK_HTTP_BODY_MAX	(64 * 1024)
#define CHK_HTTP_LINE_MAX	256

/*
 * chk_parse.c
 */

/* A parsed http:// URL. */
struct chk_url {
	char		 host[CHK_HOST_MAX];	/* without brackets */
	int		 bracketed;		/* host was an [IPv6] literal */
	uint16_t	 port;			/* 80 when not given */
	int		 port_given;
	char		 path[CHK_PATH_MAX];	/* "/" when not given */
};

/*
 * Parse an http:// URL: scheme (case-insensitive), host (name, IPv4
 * literal or [IPv6] literal), optional :port (1-65535), optional path and
 * query.  A fragment is dropped; user info, https and other schemes,
 * spaces and control characters are refused.
 *   url: the text
 *   u: filled on success
 *   err, errlen: message on failure
 * Returns: 0, or -1 with err filled.
 */
int	chk_url_parse(const char *url, struct chk_url *u, char *err,
	    size_t errlen);

/*
 * Parse HOST:PORT where HOST is a name, an IPv4 literal or an [IPv6]
 * literal; the port is required.
 *   s: the text
 *   host, hostlen: receives the host without brackets
 *   port: receives the port
 *   err, errlen: message on failure
 * Returns: 0, or -1 with err filled.
 */
int	chk_hostport_parse(const char *s, char *host, size_t hostlen,
	    uint16_t *port, char *err, size_t errlen);

/* A set of acceptable HTTP status codes, 100-599. */
struct chk_status {
	uint8_t		 bits[600 / 8];
	int		 any;		/* at least one code in the set */
};

/*
 * Add the codes of a list to a status set.  The list is comma-separated
 * codes or ranges: "200", "200,204", "200-299", "200-204, 301".
 *   s: the text
 *   st: the set, added to (initialise it with memset 0)
 *   err, errlen: message on failure
 * Returns: 0, or -1 with err filled (the set may have been changed).
 */
int	chk_status_parse(const char *s, struct chk_status *st, char *err,
	    size_t errlen);

/*
 * Returns: 1 when code is in the set, 0 otherwise.
 */
int	chk_status_match(const struct chk_status *st, int code);

/*
 * Split a command line into an argv the shell way, without any expansion
 * and without a shell: words are separated by blanks; 'single quotes'
 * keep everything literally; "double quotes" keep everything but a
 * backslash before \ " $ ` or newline; outside quotes a backslash makes
 * the next character literal.  An empty quoted string is a word.
 *   s: the command line
 *   argvp: receives a NULL-terminated array, free with chk_argv_free()
 *   err, errlen: message on failure (unterminated quote, trailing
 *	backslash, empty command, out of memory)
 * Returns: the number of words (at least 1), or -1 with err filled.
 */
int	chk_argv_split(const char *s, char ***argvp, char *err,
	    size_t errlen);

/* Free an argv from chk_argv_split(); NULL is fine. */
void	chk_argv_free(char **argv);

/*
 * Parse seconds with at most two decimals ("1", "0.25", "2.5").
 *   s: the text
 *   min_cs, max_cs: accepted range in centiseconds
 *   cs: receives centiseconds
 *   err, errlen: message on failure
 * Returns: 0, or -1 with err filled.
 */
int	chk_seconds_parse(const char *s, unsigned int min_cs,
	    unsigned int max_cs, unsigned int *cs, char *err, size_t errlen);

/*
 * chk_net.c
 */

/*
 * Where a check connects.  An address literal is converted at once and
 * never touches the resolver.  A name is resolved when a probe needs it,
 * in the background (getaddrinfo_a), so that neither the configuration
 * load (a reload runs on the daemon's loop) nor the loop waits for DNS:
 * the first probe waits for the answer through its callback (the core's
 * timeout bounds it), later ones use the last answer and refresh it in
 * the background once it is older than CHK_RESOLVE_TTL_US.
 */
#define CHK_RESOLVE_TTL_US	60000000ULL
/*
 * After a failed lookup, probes report it at once (DOWN, "cannot resolve
 * NAME: ...") instead of waiting, and the next lookup starts no sooner
 * than this later.
 */
#define CHK_RESOLVE_RETRY_US	5000000ULL

struct chk_gai;
struct fipd_host;
struct fipd_host_api;
struct fipd_timer;

/* Called once the name resolved (ok 1) or failed (ok 0, err set). */
typedef void chk_target_cb(void *arg, int ok, const char *err);

struct chk_target {
	char		 host[CHK_HOST_MAX];
	uint16_t	 port;
	int		 literal;	/* host is an address literal */
	struct sockaddr_storage addr;
	socklen_t	 addrlen;	/* 0: no address yet */
	uint64_t	 resolved_at;	/* of addr (monotonic us) */
	uint64_t	 failed_at;	/* of the last lookup, 0: it worked */
	char		 err[CHK_HOST_MAX + 128]; /* the last failure */
	struct chk_gai	*gai;		/* a lookup in flight */
	unsigned int	 poll_us;
	struct fipd_timer *t_poll;
	struct fipd_host *h;
	const struct fipd_host_api *api;
	chk_target_cb	*cb;		/* a probe waits for the lookup */
	void		*cb_arg;
};

/*
 * Set a target from host and port (checks the name's syntax only).
 * Returns: 0, or -1 with err filled.
 */
int	chk_target_init(struct chk_target *, const char *host,
	    uint16_t port, char *err, size_t errlen);
/*
 * The address to connect to.  Returns 1 (t->addr is ready), 0 (a lookup
 * runs: cb(arg, ...) follows, from the loop), or -1 (no address: t->err;
 * the last lookup failed, another one may run in the background).
 */
int	chk_target_get(struct chk_target *, struct fipd_host *,
	    const struct fipd_host_api *, chk_target_cb *cb, void *arg);
/* The waiting probe went away: no callback (the lookup goes on). */
void	chk_target_forget(struct chk_target *);
/* Release the target (a lookup in flight is cancelled or abandoned). */
void	chk_target_fini(struct chk_target *);
/*
 * Plugin unload: wait (at most max_us) for abandoned lookups, which the
 * C library still writes to, and free them.
 */
void	chk_target_shutdown(uint64_t max_us);

/*
 * Format an address as "192.0.2.1:80" or "[2001:db8::1]:80".
 * Returns: buf.
 */
char	*chk_addr_str(const struct sockaddr_storage *ss, char *buf,
	    size_t len);

/*
 * Start a non-blocking TCP connect (close-on-exec socket).
 *   ss, sslen: where to
 *   fdp: receives the socket unless -1 is returned
 * Returns: 0 connected at once, 1 in progress (wait for writability,
 * then chk_connect_result()), -1 failed (errno set, no socket left open).
 */
int	chk_connect(const struct sockaddr_storage *ss, socklen_t sslen,
	    int *fdp);

/*
 * The outcome of a connect that was in progress and is now writable.
 * Returns: 0 connected, else the error number (ECONNREFUSED...).
 */
int	chk_connect_result(int fd);

/*
 * A short human reason for a socket error: "connection refused",
 * "no route to host", "connection reset", ...; other errors as
 * "what: strerror".
 *   e: the errno value
 *   what: the failing step for unusual errors ("connect", "send")
 *   buf, len: storage for the composed text
 * Returns: a constant string or buf.
 */
const char *chk_errno_reason(int e, const char *what, char *buf,
	    size_t len);

/*
 * chk_http.c: an incremental HTTP/1.x response parser with fixed bounds.
 */

enum chk_http_rc {
	CHK_HTTP_BAD = -1,	/* malformed or over a bound */
	CHK_HTTP_MORE = 0,	/* need more bytes */
	CHK_HTTP_DONE = 1,	/* response complete (or body bound hit) */
};

struct chk_http_resp {
	int		 state;		/* internal */
	int		 head;		/* response to HEAD: no body */
	int		 status;	/* final status code, 100-599 */
	int		 minor;		/* HTTP/1.minor */
	int		 keepalive;	/* connection reusable after DONE */
	int		 chunked;
	int		 have_cl;
	uint64_t	 clen;		/* Content-Length */
	uint64_t	 remain;	/* of the body or the current chunk */
	size_t		 hlen;		/* bytes in hbuf */
	size_t		 scan;		/* hbuf scanned for the end so far */
	size_t		 linelen;	/* chunk-size and trailer lines */
	size_t		 trailer;	/* trailer bytes so far */
	unsigned char	*body;		/* NULL: body not kept */
	size_t		 bodylen;	/* bytes kept in body */
	uint64_t	 bodytotal;	/* body bytes seen */
	int		 truncated;	/* body over CHK_HTTP_BODY_MAX */
	const char	*error;		/* detail of CHK_HTTP_BAD, for logs */
	char		 line[CHK_HTTP_LINE_MAX];
	char		 hbuf[CHK_HTTP_HDR_MAX];
};

/*
 * Prepare a parser.
 *   r: the parser
 *   head: the request was HEAD
 *   body: CHK_HTTP_BODY_MAX bytes to keep the body in, or NULL
 */
void	chk_http_init(struct chk_http_resp *r, int head,
	    unsigned char *body);

/*
 * Feed received bytes.
 *   r: the parser
 *   buf, n: the bytes
 *   used: receives how many bytes were consumed (less than n after DONE
 *	when the server sent more than one response)
 * Returns: CHK_HTTP_MORE, CHK_HTTP_DONE or CHK_HTTP_BAD (r->error says
 * why).  Once DONE or BAD the parser takes no more bytes.
 */
enum chk_http_rc chk_http_feed(struct chk_http_resp *r, const char *buf,
	    size_t n, size_t *used);

/*
 * The server closed the connection.
 * Returns: CHK_HTTP_DONE when that ends a read-until-close body, else
 * CHK_HTTP_BAD (truncated response).
 */
enum chk_http_rc chk_http_eof(struct chk_http_resp *r);

#endif /* FIPD_CHK_H */
