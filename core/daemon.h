/*
 * The running daemon: instances bound to sockets, timers and action
 * plugins (daemon.c), and the raw VRRP sockets (net.c).  Private to the
 * fipd program.
 */
#ifndef FIPD_DAEMON_H
#define FIPD_DAEMON_H

#include "fipd.h"

/* ------------------------------------------------------------ daemon.c */

/*
 * Take a validated config and start every instance.
 * Returns: 0, or -1 (logged).
 */
int daemon_start(struct cfg *);
/*
 * Reload from path: validate first; on error keep everything running and
 * log each error (and copy them, FILE:LINE lines, to errs if not NULL).
 * Unchanged instances keep their state and VIPs.
 * Returns: 0 applied, -1 refused.
 */
int daemon_reload(const char *path, FILE *errs);

/* A named counter bumped by a plugin (api->count). */
struct daemon_counter {
	const char *name;
	uint64_t value;
};

/* Snapshot of one instance for status output and metrics. */
struct daemon_inst_status {
	const struct cfg_instance *ci;	/* its running section */
	const char *name;
	const char *state;		/* "MASTER", ...; "INIT" while waiting */
	enum fipd_state state_id;
	int priority;			/* configured */
	int effective_priority;
	unsigned int vrid;
	int version;
	const char *ifname;
	const struct fipd_addr *vips;
	size_t n_vips;
	const struct fipd_addr *master; /* NULL: unknown */
	const char *last_reason;	/* of the last transition, or "" */
	uint64_t last_change_us;	/* ev_now_us() of it, 0 = none */
	const struct vrrp_stats *stats;	/* NULL while not started */
	const struct daemon_counter *counters;
	size_t n_counters;
};
typedef void daemon_status_cb(const struct daemon_inst_status *, void *arg);
/* Call cb for every instance, in config order. */
void daemon_foreach(daemon_status_cb *cb, void *arg);
/* The running configuration (read-only). */
const struct cfg *daemon_cfg(void);
/* Graceful stop of every instance (priority 0, VIPs removed). */
void daemon_stop(void);
/* Log every instance's state and counters (SIGUSR1). */
void daemon_dump(void);

/* ------------------------------------------------------------ kernel.c */

/*
 * Typed events of the kernel watcher (libnl cache manager over links and
 * addresses).  Names and addresses point into the watcher's caches: copy
 * what must outlive the hook.
 */
enum kernel_ev_type {
	KERNEL_LINK_NEW = 1,	/* a link holds ifname now (created, renamed) */
	KERNEL_LINK_GONE,	/* no link holds ifname (deleted, renamed) */
	KERNEL_LINK_UP,		/* IFF_UP and IFF_RUNNING now both set */
	KERNEL_LINK_DOWN,	/* one of them cleared */
	KERNEL_ADDR_NEW,	/* added, or usable now (DAD over) */
	KERNEL_ADDR_DEL,	/* removed, or unusable (DAD failed) */
	KERNEL_RESYNC,		/* notifications were lost: anything changed */
};
struct kernel_ev {
	enum kernel_ev_type type;
	const char *ifname;	/* NULL: RESYNC, or an address on an unknown link */
	unsigned int ifindex;
	const struct fipd_addr *addr;	/* ADDR_* */
};
typedef void kernel_hook_fn(const struct kernel_ev *);

/* Fill the caches (two dumps) and watch.  Returns: 0, or -1 (logged). */
int kernel_start(kernel_hook_fn *);
void kernel_stop(void);
/*
 * A link by name, from the cache: 1 up with carrier, 0 not, -1 absent;
 * *ifindex is set (0 when absent).
 */
int kernel_link(const char *ifname, unsigned int *ifindex);
/*
 * The advert source of an interface, from the cache: its first primary
 * IPv4 address, or its IPv6 link-local address, skipping the addresses in
 * skip (our VIPs) and any still in DAD.  Returns: 0, or -1 if none.
 */
int kernel_source(unsigned int ifindex, int family,
    const struct fipd_addr *skip, size_t nskip, struct fipd_addr *out);
/*
 * Is the address (any prefix length) on the interface?  1 (with
 * *prefixlen set when not NULL), 0, or -1 (no watcher).
 */
int kernel_addr_present(unsigned int ifindex, const struct fipd_addr *,
    uint8_t *prefixlen);

/* --------------------------------------------------------------- net.c */

struct vsock;

/*
 * Get the shared raw socket of an interface for a family (opened on first
 * use).  Returns: the socket, or NULL with err filled.
 */
struct vsock *net_get(const char *ifname, int family, char *err,
    size_t errlen);
/* Has a router the VRID on this socket? */
int net_vrid_taken(struct vsock *, uint8_t vrid);
/*
 * Adverts for vrid on this socket go to r from now on (net_unbind stops
 * that); the VRID must be free (net_vrid_taken).
 */
void net_bind(struct vsock *, uint8_t vrid, struct vrrp_router *r);
void net_unbind(struct vsock *, uint8_t vrid, struct vrrp_router *r);
/* Drop one reference; the last closes the socket. */
void net_put(struct vsock *);
/* Process every packet queued on the socket now (bounded). */
void net_flush(struct vsock *);
/* Join / leave 224.0.0.18 or ff02::12 (reference counted). */
int net_join(struct vsock *);
void net_leave(struct vsock *);
/*
 * Send one advert: for IPv4 a whole datagram from vpkt_build_ipv4(), for
 * IPv6 the message from vpkt_build() (src sets the source address).
 */
int net_send(struct vsock *, const uint8_t *pkt, size_t len,
    const struct fipd_addr *src, const struct fipd_addr *dst);
/* Drops counted before an instance could be found. */
const uint64_t *net_drops(void);
/* The interface index the socket is bound to (0: the link is gone). */
unsigned int net_ifindex(const struct vsock *);
/*
 * Follow the interface ifname to its current index: sockets reopened
 * (and the VRRP group rejoined) on a new index, closed when it is gone.
 * Returns: 1 if a socket changed, 0 if not.
 */
int net_relink(const char *ifname);

/* --------------------------------------------------------------- ctl.c */

/*
 * Control socket (unix stream) for fipctl, served on the event loop.
 * conf_path is what `reload` reloads.  Returns: 0, or -1 (logged).
 */
int ctl_start(const char *path, const char *conf_path);
void ctl_stop(void);

/* ----------------------------------------------------------- metrics.c */

/* Prometheus text endpoint on HOST:PORT ("" = off).  Returns 0 / -1. */
int metrics_start(const char *listen);
void metrics_stop(void);

/* -------------------------------------------------------------- priv.c */

/*
 * Drop what the running daemon does not need once sockets are open
 * (see priv.c for the list).  Returns: 0, or -1 (logged).
 */
int priv_drop(void);

#endif /* FIPD_DAEMON_H */
