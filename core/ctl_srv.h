/*
 * A small stream server on the event loop, shared by the control socket
 * (ctl.c) and the metrics endpoint (metrics.c).  Private to the fipd
 * program.
 *
 * Everything is non-blocking and bounded: at most `max_clients`
 * connections (beyond that, a connection idle after a reply is closed to
 * make room; if there is none, the listening socket is not watched and new
 * clients wait in the kernel's backlog instead of being refused), at most
 * `in_max` bytes of pending input and `out_max` of pending output per
 * connection, and a client that has not completed a request within
 * `idle_us` of connecting or of its previous reply is dropped.  A slow or
 * silent client never delays the others: each one is served when its
 * socket is ready.
 */
#ifndef FIPD_CTL_SRV_H
#define FIPD_CTL_SRV_H

#include <stddef.h>
#include <stdint.h>

#include "ctl_proto.h"

struct csrv;

/* What the input handler decided. */
enum csrv_act {
	CSRV_MORE = 0,		/* a request is incomplete: read more */
	CSRV_REPLY,		/* `out` holds a reply; then the next request */
	CSRV_CLOSE,		/* `out` holds a last reply (may be empty) */
};

/*
 * Handle the pending input of one connection.
 *   in, len: the bytes received and not consumed yet
 *   eof: the peer closed its side (no more bytes will come)
 *   used: set to the bytes consumed (with CSRV_REPLY / CSRV_CLOSE)
 *   out: where the reply goes (empty on entry)
 *   arg: csrv_params.arg
 * Returns: what to do next.
 */
typedef enum csrv_act csrv_input_fn(const char *in, size_t len, int eof,
    size_t *used, struct cbuf *out, void *arg);

struct csrv_params {
	const char *name;		/* for logs: "control", "metrics" */
	size_t in_max;			/* pending input per connection */
	size_t out_max;			/* largest reply */
	unsigned int max_clients;	/* connections at once */
	uint64_t idle_us;		/* per request */
	csrv_input_fn *input;
	void *arg;
};

/*
 * Serve a listening socket (non-blocking, already listening); the server
 * owns it from now on.
 * Returns: the server (never NULL: allocation failures are fatal).
 */
struct csrv *csrv_new(int lfd, const struct csrv_params *);
/* Close every connection and the listening socket.  NULL is fine. */
void csrv_free(struct csrv *);
/* Connections open now (tests, logs). */
unsigned int csrv_clients(const struct csrv *);

#endif /* FIPD_CTL_SRV_H */
