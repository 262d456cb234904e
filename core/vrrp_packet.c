/*
 * VRRP wire format: build and parse advertisements (RFC 3768 VRRPv2,
 * RFC 9568 VRRPv3).  Everything here is a pure function of its
 * arguments; sockets live elsewhere.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "vrrp_packet.h"

#define IP4_HDR_LEN	20	/* IPv4 header without options */
#define IP4_TOS_NETCTL	0xc0	/* precedence 6, network control */
#define V2_ADVER_MAX	255	/* v2 Adver Int: 8 bits of seconds */
#define V3_ADVER_MASK	0x0fff	/* v3 Max Advertise Interval: 12 bits */

const uint8_t vpkt_mcast6[16] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12
};

static const char *const vpkt_drop_names[VPKT_DROP_MAX] = {
	[VPKT_OK] = "ok",
	[VPKT_DROP_IP_HEADER] = "bad_ip_header",
	[VPKT_DROP_TTL] = "bad_ttl",
	[VPKT_DROP_TRUNCATED] = "truncated",
	[VPKT_DROP_TOO_LONG] = "too_long",
	[VPKT_DROP_VERSION] = "bad_version",
	[VPKT_DROP_TYPE] = "bad_type",
	[VPKT_DROP_CHECKSUM] = "bad_checksum",
	[VPKT_DROP_COUNT] = "bad_count",
	[VPKT_DROP_FAMILY] = "bad_family",
	[VPKT_DROP_VRID] = "unknown_vrid",
	[VPKT_DROP_OWNER] = "owner",
	[VPKT_DROP_AUTH_TYPE] = "bad_auth_type",
	[VPKT_DROP_AUTH] = "bad_auth",
	[VPKT_DROP_INTERVAL] = "bad_interval",
	[VPKT_DROP_ADDRS] = "address_mismatch",
	[VPKT_DROP_PEER] = "not_a_peer",
	[VPKT_DROP_OWN] = "own_packet",
};

static size_t	vpkt_addr_len(int);
static size_t	vpkt_msg_len(uint8_t, int, size_t);
static int	vpkt_drop(enum vpkt_drop *, enum vpkt_drop);
static int	vpkt_pseudo_sum(int, const struct fipd_addr *,
		    const struct fipd_addr *, size_t, uint32_t *);
static uint16_t	vpkt_fold(uint32_t);
static void	vpkt_put16(uint8_t *, uint16_t);
static uint16_t	vpkt_get16(const uint8_t *);

const char *
vpkt_drop_str(enum vpkt_drop d)
{
	if ((unsigned int)d >= VPKT_DROP_MAX || vpkt_drop_names[d] == NULL)
		return "unknown";
	return vpkt_drop_names[d];
}

uint32_t
vpkt_sum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	/* RFC 1071: an odd trailing octet is padded with a zero octet. */
	if (i < len)
		acc += (uint32_t)p[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

static uint16_t
vpkt_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void
vpkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint16_t
vpkt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
vpkt_drop(enum vpkt_drop *why, enum vpkt_drop d)
{
	if (why != NULL)
		*why = d;
	return -1;
}

static size_t
vpkt_addr_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

/* Exact length of a message; 0 for a version/family pair that can't be. */
static size_t
vpkt_msg_len(uint8_t version, int family, size_t naddrs)
{
	if (version == 2 && family == AF_INET)
		return VPKT_HDR_LEN + naddrs * 4 + VPKT_AUTH_LEN;
	if (version == 3 && vpkt_addr_len(family) != 0)
		return VPKT_HDR_LEN + naddrs * vpkt_addr_len(family);
	return 0;
}

/*
 * Partial sum of the pseudo-header: RFC 768 layout for IPv4 (16-bit
 * length), RFC 8200 8.1 for IPv6 (32-bit length).  Fails when an
 * address is missing or of another family.
 */
static int
vpkt_pseudo_sum(int family, const struct fipd_addr *src,
    const struct fipd_addr *dst, size_t msglen, uint32_t *sum)
{
	uint8_t ph[40];
	size_t alen;

	alen = vpkt_addr_len(family);
	if (alen == 0 || src == NULL || dst == NULL ||
	    src->family != family || dst->family != family)
		return -1;
	memset(ph, 0, sizeof(ph));
	memcpy(ph, src->u.raw, alen);
	memcpy(ph + alen, dst->u.raw, alen);
	if (family == AF_INET) {
		ph[9] = VPKT_PROTO;
		vpkt_put16(ph + 10, (uint16_t)msglen);
		*sum = vpkt_sum(ph, 12, 0);
	} else {
		ph[32] = (msglen >> 24) & 0xff;
		ph[33] = (msglen >> 16) & 0xff;
		ph[34] = (msglen >> 8) & 0xff;
		ph[35] = msglen & 0xff;
		ph[39] = VPKT_PROTO;
		*sum = vpkt_sum(ph, 40, 0);
	}
	return 0;
}

ssize_t
vpkt_build(uint8_t *buf, size_t len, const struct vpkt_params *p)
{
	uint32_t sum = 0;
	size_t alen, mlen, i;
	uint8_t *a;

	if (buf == NULL || p == NULL || p->addrs == NULL ||
	    p->naddrs < 1 || p->naddrs > 255)
		return -1;
	mlen = vpkt_msg_len(p->version, p->family, p->naddrs);
	if (mlen == 0 || len < mlen)
		return -1;
	alen = vpkt_addr_len(p->family);
	/* RFC 9568 5.2.9: the list never mixes families. */
	for (i = 0; i < p->naddrs; i++)
		if (p->addrs[i].family != p->family)
			return -1;
	if (p->version == 2) {
		if (p->adver_cs == 0 || p->adver_cs % 100 != 0 ||
		    p->adver_cs / 100 > V2_ADVER_MAX)
			return -1;
	} else {
		if (p->adver_cs == 0 || p->adver_cs > V3_ADVER_MASK)
			return -1;
		if ((p->family == AF_INET6 ||
		    p->csum_form == VPKT_CSUM_PSEUDO) &&
		    vpkt_pseudo_sum(p->family, p->src, p->dst, mlen,
		    &sum) == -1)
			return -1;
	}

	memset(buf, 0, mlen);
	buf[0] = (uint8_t)(p->version << 4 | VPKT_TYPE_ADVERT);
	buf[1] = p->vrid;
	buf[2] = p->priority;
	buf[3] = (uint8_t)p->naddrs;
	if (p->version == 2) {
		buf[4] = p->auth_type;
		buf[5] = (uint8_t)(p->adver_cs / 100);
	} else
		vpkt_put16(buf + 4, p->adver_cs);	/* Reserve stays 0 */
	a = buf + VPKT_HDR_LEN;
	for (i = 0; i < p->naddrs; i++, a += alen)
		memcpy(a, p->addrs[i].u.raw, alen);
	/* RFC 3768 5.3.10: zero unless the RFC 2338 password is in use. */
	if (p->version == 2 && p->auth_type == VPKT_AUTH_PASS)
		memcpy(a, p->auth_pass, VPKT_AUTH_LEN);
	vpkt_put16(buf + 6, (uint16_t)~vpkt_sum(buf, mlen, sum));
	return (ssize_t)mlen;
}

int
vpkt_parse(const uint8_t *buf, size_t len, int family,
    const struct fipd_addr *src, const struct fipd_addr *dst,
    struct vpkt *out, enum vpkt_drop *why)
{
	struct vpkt pkt;
	uint32_t sum;
	size_t mlen;

	memset(&pkt, 0, sizeof(pkt));
	if (out != NULL)
		*out = pkt;
	if (buf == NULL || len < VPKT_HDR_LEN)
		return vpkt_drop(why, VPKT_DROP_TRUNCATED);
	pkt.version = buf[0] >> 4;
	pkt.type = buf[0] & 0x0f;
	pkt.vrid = buf[1];
	pkt.priority = buf[2];
	pkt.naddrs = buf[3];
	pkt.family = family;
	/* Header fields are already worth logging if a later check fails. */
	if (out != NULL)
		*out = pkt;

	if (pkt.version != 2 && pkt.version != 3)
		return vpkt_drop(why, VPKT_DROP_VERSION);
	if (pkt.type != VPKT_TYPE_ADVERT)
		return vpkt_drop(why, VPKT_DROP_TYPE);
	mlen = vpkt_msg_len(pkt.version, family, pkt.naddrs);
	if (mlen == 0)
		return vpkt_drop(why, VPKT_DROP_FAMILY);
	/*
	 * RFC 9568 7.1: the whole message must be there.  A CARP advert
	 * (36 octets, authlen 7 where v2 has the count) lands here.
	 */
	if (len < mlen)
		return vpkt_drop(why, VPKT_DROP_TRUNCATED);
	if (len > mlen)
		return vpkt_drop(why, VPKT_DROP_TOO_LONG);

	if (pkt.version == 2) {
		/* RFC 3768 5.3.8: the message alone. */
		if (vpkt_fold(vpkt_sum(buf, len, 0)) != 0xffff)
			return vpkt_drop(why, VPKT_DROP_CHECKSUM);
		pkt.csum_form = VPKT_CSUM_RFC9568;
	} else if (family == AF_INET6) {
		if (vpkt_pseudo_sum(family, src, dst, len, &sum) == -1 ||
		    vpkt_fold(vpkt_sum(buf, len, sum)) != 0xffff)
			return vpkt_drop(why, VPKT_DROP_CHECKSUM);
		pkt.csum_form = VPKT_CSUM_PSEUDO;
	} else {
		/*
		 * Both IPv4 readings are in the field; try the common one
		 * (keepalived, FRR) first.
		 */
		if (vpkt_pseudo_sum(family, src, dst, len, &sum) == 0 &&
		    vpkt_fold(vpkt_sum(buf, len, sum)) == 0xffff)
			pkt.csum_form = VPKT_CSUM_PSEUDO;
		else if (vpkt_fold(vpkt_sum(buf, len, 0)) == 0xffff)
			pkt.csum_form = VPKT_CSUM_RFC9568;
		else
			return vpkt_drop(why, VPKT_DROP_CHECKSUM);
	}

	if (pkt.version == 3 && pkt.naddrs == 0)
		return vpkt_drop(why, VPKT_DROP_COUNT);

	if (pkt.version == 2) {
		pkt.auth_type = buf[4];
		pkt.adver_cs = (uint16_t)(buf[5] * 100);
		memcpy(pkt.auth_data, buf + len - VPKT_AUTH_LEN,
		    VPKT_AUTH_LEN);
	} else
		pkt.adver_cs = vpkt_get16(buf + 4) & V3_ADVER_MASK;
	pkt.addrs = pkt.naddrs > 0 ? buf + VPKT_HDR_LEN : NULL;
	if (out != NULL)
		*out = pkt;
	if (why != NULL)
		*why = VPKT_OK;
	return 0;
}

int
vpkt_parse_ipv4(const uint8_t *buf, size_t len, struct vpkt_ip *ip,
    struct vpkt *out, enum vpkt_drop *why)
{
	struct vpkt_ip hdr;
	size_t ihl, tot;

	memset(&hdr, 0, sizeof(hdr));
	if (ip != NULL)
		*ip = hdr;
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (buf == NULL || len < IP4_HDR_LEN || buf[0] >> 4 != 4)
		return vpkt_drop(why, VPKT_DROP_IP_HEADER);
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	tot = vpkt_get16(buf + 2);
	/*
	 * Options are allowed, so the payload starts at IHL.  Bytes past
	 * Total Length are link-layer padding and are not ours.
	 */
	if (ihl < IP4_HDR_LEN || ihl > len || tot < ihl || tot > len)
		return vpkt_drop(why, VPKT_DROP_IP_HEADER);

	hdr.ttl = buf[8];
	hdr.src.family = hdr.dst.family = AF_INET;
	hdr.src.prefixlen = hdr.dst.prefixlen = 32;
	memcpy(hdr.src.u.raw, buf + 12, 4);
	memcpy(hdr.dst.u.raw, buf + 16, 4);
	if (ip != NULL)
		*ip = hdr;
	if (buf[9] != VPKT_PROTO)
		return vpkt_drop(why, VPKT_DROP_IP_HEADER);
	return vpkt_parse(buf + ihl, tot - ihl, AF_INET, &hdr.src, &hdr.dst,
	    out, why);
}

ssize_t
vpkt_build_ipv4(uint8_t *buf, size_t len, const struct vpkt_params *p)
{
	ssize_t mlen;
	size_t tot;

	if (buf == NULL || p == NULL || len < IP4_HDR_LEN ||
	    p->family != AF_INET || p->src == NULL || p->dst == NULL ||
	    p->src->family != AF_INET || p->dst->family != AF_INET)
		return -1;
	mlen = vpkt_build(buf + IP4_HDR_LEN, len - IP4_HDR_LEN, p);
	if (mlen == -1)
		return -1;
	tot = IP4_HDR_LEN + (size_t)mlen;

	memset(buf, 0, IP4_HDR_LEN);
	buf[0] = 0x45;			/* version 4, IHL 5 */
	buf[1] = IP4_TOS_NETCTL;
	vpkt_put16(buf + 2, (uint16_t)tot);
	/* Identification and Flags/Fragment Offset stay 0: DF clear. */
	buf[8] = VPKT_TTL;
	buf[9] = VPKT_PROTO;
	memcpy(buf + 12, p->src->u.raw, 4);
	memcpy(buf + 16, p->dst->u.raw, 4);
	vpkt_put16(buf + 10, (uint16_t)~vpkt_sum(buf, IP4_HDR_LEN, 0));
	return (ssize_t)tot;
}

int
vpkt_addr_cmp(const struct fipd_addr *a, const struct fipd_addr *b)
{
	size_t alen;
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	alen = vpkt_addr_len(a->family);
	if (alen == 0)
		return 0;
	/* Wire order is big-endian, so octet order is numeric order. */
	r = memcmp(a->u.raw, b->u.raw, alen);
	return (r > 0) - (r < 0);
}

const char *
vpkt_addr_str(const struct fipd_addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (buf == NULL || len == 0)
		return buf;
	if (a == NULL || vpkt_addr_len(a->family) == 0 ||
	    inet_ntop(a->family, a->u.raw, tmp, sizeof(tmp)) == NULL)
		(void)snprintf(buf, len, "?");
	else
		(void)snprintf(buf, len, "%s", tmp);
	return buf;
}

void
vpkt_vmac(uint8_t vrid, int family, uint8_t mac[6])
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = family == AF_INET6 ? 0x02 : 0x01;
	mac[5] = vrid;
}
