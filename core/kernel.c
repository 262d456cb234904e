/*
 * Kernel watcher: links and addresses, from libnl's cache manager.
 *
 * One netlink socket subscribed to link and IPv4/IPv6 address
 * notifications keeps two caches (route/link, route/addr) current; every
 * change is turned into a typed event for the daemon (struct kernel_ev):
 * a name now held by a link or no longer held (created, deleted, renamed),
 * a link's usability (IFF_UP and IFF_RUNNING), an address added, changed
 * or removed.  Everything else asks the caches, so the steady state makes
 * no synchronous netlink round trip and no ioctl: the only blocking
 * requests are the two dumps at start and a resynchronisation after the
 * kernel dropped notifications (ENOBUFS), which is reported as one
 * KERNEL_RESYNC event.
 */
#include "config.h"

#include <sys/socket.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "daemon.h"

/* Receive buffer of the notification socket (bursts: a bond rebuilt). */
#define KERNEL_RCVBUF (4 * 1024 * 1024)

static struct nl_sock *k_sock;		/* notifications (the manager's) */
static struct nl_sock *k_sync;		/* resynchronisation dumps */
static struct nl_cache_mngr *k_mngr;
static struct nl_cache *k_links, *k_addrs;
static struct fipd_io *k_io;
static kernel_hook_fn *k_hook;

static int
link_usable(struct rtnl_link *l)
{
	unsigned int f = rtnl_link_get_flags(l);

	return (f & IFF_UP) && (f & IFF_RUNNING);
}

/*
 * Only the interfaces themselves (family AF_UNSPEC): a bridge also
 * reports its ports as AF_BRIDGE link objects under the same names.
 */
static int
link_ours(struct rtnl_link *l)
{
	return l != NULL && rtnl_link_get_family(l) == AF_UNSPEC;
}

static struct rtnl_link *
link_by_name(const char *ifname)
{
	struct nl_object *o;
	struct rtnl_link *l;
	const char *n;

	if (k_links == NULL)
		return NULL;
	for (o = nl_cache_get_first(k_links); o != NULL;
	    o = nl_cache_get_next(o)) {
		l = (struct rtnl_link *)o;
		if (link_ours(l) && (n = rtnl_link_get_name(l)) != NULL &&
		    strcmp(n, ifname) == 0)
			return l;
	}
	return NULL;
}

static void
emit(enum kernel_ev_type type, const char *ifname, unsigned int ifindex,
    const struct fipd_addr *a)
{
	struct kernel_ev ev;

	if (k_hook == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.ifname = ifname;
	ev.ifindex = ifindex;
	ev.addr = a;
	k_hook(&ev);
}

/*
 * Link cache changes.  A rename is two events: the old name is gone, the
 * new one is new (an instance configured on either name must notice).
 */
static void
link_cb(struct nl_cache *c, struct nl_object *o_old, struct nl_object *o_new,
    uint64_t diff, int act, void *arg)
{
	struct rtnl_link *lo = (struct rtnl_link *)o_old;
	struct rtnl_link *ln = (struct rtnl_link *)o_new;
	const char *no, *nn;

	if ((lo != NULL && !link_ours(lo)) || (ln != NULL && !link_ours(ln)))
		return;
	switch (act) {
	case NL_ACT_NEW:
		if (ln != NULL && (nn = rtnl_link_get_name(ln)) != NULL)
			emit(KERNEL_LINK_NEW, nn, (unsigned int)
			    rtnl_link_get_ifindex(ln), NULL);
		break;
	case NL_ACT_DEL:
		if (lo != NULL && (no = rtnl_link_get_name(lo)) != NULL)
			emit(KERNEL_LINK_GONE, no, (unsigned int)
			    rtnl_link_get_ifindex(lo), NULL);
		break;
	case NL_ACT_CHANGE:
		if (lo == NULL || ln == NULL)
			break;
		no = rtnl_link_get_name(lo);
		nn = rtnl_link_get_name(ln);
		if (no != NULL && nn != NULL && strcmp(no, nn) != 0) {
			emit(KERNEL_LINK_GONE, no, (unsigned int)
			    rtnl_link_get_ifindex(lo), NULL);
			emit(KERNEL_LINK_NEW, nn, (unsigned int)
			    rtnl_link_get_ifindex(ln), NULL);
		} else if (nn != NULL &&
		    link_usable(lo) != link_usable(ln))
			emit(link_usable(ln) ? KERNEL_LINK_UP :
			    KERNEL_LINK_DOWN, nn, (unsigned int)
			    rtnl_link_get_ifindex(ln), NULL);
		break;
	default:
		break;
	}
}

/* The local address of a cache entry (IFA_LOCAL for IPv4). */
static int
addr_of(struct rtnl_addr *ra, struct fipd_addr *out)
{
	struct nl_addr *na;
	int fam = rtnl_addr_get_family(ra);
	size_t len;

	if (fam != AF_INET && fam != AF_INET6)
		return -1;
	if ((na = rtnl_addr_get_local(ra)) == NULL)
		return -1;
	len = fam == AF_INET ? 4 : 16;
	if (nl_addr_get_len(na) != len)
		return -1;
	memset(out, 0, sizeof(*out));
	out->family = fam;
	out->prefixlen = (uint8_t)rtnl_addr_get_prefixlen(ra);
	memcpy(out->u.raw, nl_addr_get_binary_addr(na), len);
	return 0;
}

/* Usable as a source: not tentative (DAD running) nor failed DAD. */
static int
addr_usable(struct rtnl_addr *ra)
{
	return (rtnl_addr_get_flags(ra) & (IFA_F_TENTATIVE |
	    IFA_F_DADFAILED)) == 0;
}

static void
addr_cb(struct nl_cache *c, struct nl_object *o_old, struct nl_object *o_new,
    uint64_t diff, int act, void *arg)
{
	struct rtnl_addr *ra;
	struct rtnl_link *l;
	struct fipd_addr a;
	char name[IF_NAMESIZE] = "";
	unsigned int idx;

	ra = (struct rtnl_addr *)(act == NL_ACT_DEL ? o_old : o_new);
	if (ra == NULL || addr_of(ra, &a) == -1)
		return;
	idx = (unsigned int)rtnl_addr_get_ifindex(ra);
	if ((l = rtnl_link_get(k_links, (int)idx)) != NULL) {
		if (rtnl_link_get_name(l) != NULL)
			snprintf(name, sizeof(name), "%s",
			    rtnl_link_get_name(l));
		rtnl_link_put(l);
	}
	/* A changed entry (DAD over, flags) is news for source selection. */
	emit(act == NL_ACT_DEL || !addr_usable(ra) ? KERNEL_ADDR_DEL :
	    KERNEL_ADDR_NEW, name[0] != '\0' ? name : NULL, idx, &a);
}

/* Lost notifications: compare the caches with fresh dumps. */
static void
resync(void)
{
	int rc;

	log_warnx("kernel: netlink notifications lost, resynchronising "
	    "links and addresses");
	if ((rc = nl_cache_refill(k_sync, k_links)) < 0 ||
	    (rc = nl_cache_refill(k_sync, k_addrs)) < 0)
		log_warnx("kernel: resynchronisation failed: %s",
		    nl_geterror(rc));
	emit(KERNEL_RESYNC, NULL, 0, NULL);
}

static void
read_cb(int fd, void *arg)
{
	int rc;

	rc = nl_cache_mngr_data_ready(k_mngr);
	if (rc == -NLE_NOMEM || rc == -NLE_DUMP_INTR)
		resync();
	else if (rc < 0 && rc != -NLE_AGAIN)
		log_warnx("kernel: netlink: %s", nl_geterror(rc));
}

int
kernel_start(kernel_hook_fn *hook)
{
	int rc, rcvbuf;

	k_hook = hook;
	if (k_mngr != NULL)
		return 0;
	if ((k_sock = nl_socket_alloc()) == NULL ||
	    (k_sync = nl_socket_alloc()) == NULL) {
		log_warnx("kernel: cannot allocate netlink sockets");
		goto fail;
	}
	/* Empty caches: adding them to the manager fills them (one dump). */
	if ((rc = nl_connect(k_sync, NETLINK_ROUTE)) < 0 ||
	    (rc = nl_cache_mngr_alloc(k_sock, NETLINK_ROUTE, 0,
	    &k_mngr)) < 0 ||
	    (rc = nl_cache_alloc_name("route/link", &k_links)) < 0 ||
	    (rc = nl_cache_alloc_name("route/addr", &k_addrs)) < 0)
		goto nlfail;
	if ((rc = nl_cache_mngr_add_cache_v2(k_mngr, k_links, link_cb,
	    NULL)) < 0) {
		nl_cache_free(k_links);	/* neither is the manager's yet */
		nl_cache_free(k_addrs);
		k_links = k_addrs = NULL;
		goto nlfail;
	}
	if ((rc = nl_cache_mngr_add_cache_v2(k_mngr, k_addrs, addr_cb,
	    NULL)) < 0) {
		nl_cache_free(k_addrs);
		k_addrs = NULL;
		goto nlfail;
	}
	/* Past net.core.rmem_max with CAP_NET_ADMIN (as net.c does). */
	rcvbuf = KERNEL_RCVBUF;
	if (setsockopt(nl_socket_get_fd(k_sock), SOL_SOCKET, SO_RCVBUFFORCE,
	    &rcvbuf, sizeof(rcvbuf)) == -1)
		(void)nl_socket_set_buffer_size(k_sock, KERNEL_RCVBUF, 0);
	k_io = ev_io_new(nl_cache_mngr_get_fd(k_mngr), 0, read_cb, NULL);
	return 0;
nlfail:
	log_warnx("kernel: netlink: %s", nl_geterror(rc));
fail:
	kernel_stop();
	return -1;
}

void
kernel_stop(void)
{
	if (k_io != NULL)
		ev_io_free(k_io);
	k_io = NULL;
	/*
	 * The manager frees the caches added to it; a cache not added yet
	 * (a failed start) is ours.
	 */
	if (k_mngr != NULL)
		nl_cache_mngr_free(k_mngr);
	else {
		if (k_links != NULL)
			nl_cache_free(k_links);
		if (k_addrs != NULL)
			nl_cache_free(k_addrs);
	}
	if (k_sock != NULL)
		nl_socket_free(k_sock);
	if (k_sync != NULL)
		nl_socket_free(k_sync);
	k_mngr = NULL;
	k_links = k_addrs = NULL;
	k_sock = k_sync = NULL;
	k_hook = NULL;
}

int
kernel_link(const char *ifname, unsigned int *ifindex)
{
	struct rtnl_link *l;

	*ifindex = 0;
	if ((l = link_by_name(ifname)) == NULL)
		return -1;
	*ifindex = (unsigned int)rtnl_link_get_ifindex(l);
	return link_usable(l);
}

static int
skipped(const struct fipd_addr *a, const struct fipd_addr *skip,
    size_t nskip)
{
	size_t i;

	for (i = 0; i < nskip; i++)
		if (skip[i].family == a->family &&
		    vpkt_addr_cmp(&skip[i], a) == 0)
			return 1;
	return 0;
}

int
kernel_source(unsigned int ifindex, int family,
    const struct fipd_addr *skip, size_t nskip, struct fipd_addr *out)
{
	struct nl_object *o;
	struct rtnl_addr *ra;
	struct fipd_addr a, second;
	int have_second = 0;

	if (k_addrs == NULL || ifindex == 0)
		return -1;
	/*
	 * IPv4: the first primary address the kernel listed, else the first
	 * secondary one: when a primary goes and its secondary is promoted
	 * (promote_secondaries, DHCP-style renumbering), the deletion is
	 * reported before the promotion, and the source must not vanish in
	 * between.  IPv6: the link-local address (RFC 9568 5.1.2.1), never a
	 * global one.  Our own VIPs are skipped, and addresses still in DAD.
	 */
	for (o = nl_cache_get_first(k_addrs); o != NULL;
	    o = nl_cache_get_next(o)) {
		ra = (struct rtnl_addr *)o;
		if ((unsigned int)rtnl_addr_get_ifindex(ra) != ifindex ||
		    rtnl_addr_get_family(ra) != family ||
		    addr_of(ra, &a) == -1 || !addr_usable(ra))
			continue;
		if (family == AF_INET6 && !IN6_IS_ADDR_LINKLOCAL(&a.u.v6))
			continue;
		a.prefixlen = family == AF_INET ? 32 : 128;
		if (skipped(&a, skip, nskip))
			continue;
		if (family == AF_INET &&
		    (rtnl_addr_get_flags(ra) & IFA_F_SECONDARY)) {
			if (!have_second) {
				second = a;
				have_second = 1;
			}
			continue;
		}
		*out = a;
		return 0;
	}
	if (!have_second)
		return -1;
	*out = second;
	return 0;
}

int
kernel_addr_present(unsigned int ifindex, const struct fipd_addr *want,
    uint8_t *prefixlen)
{
	struct nl_object *o;
	struct rtnl_addr *ra;
	struct fipd_addr a;

	if (k_addrs == NULL)
		return -1;
	for (o = nl_cache_get_first(k_addrs); o != NULL;
	    o = nl_cache_get_next(o)) {
		ra = (struct rtnl_addr *)o;
		if ((unsigned int)rtnl_addr_get_ifindex(ra) == ifindex &&
		    addr_of(ra, &a) == 0 && a.family == want->family &&
		    vpkt_addr_cmp(&a, want) == 0) {
			if (prefixlen != NULL)
				*prefixlen = a.prefixlen;
			return 1;
		}
	}
	return 0;
}
