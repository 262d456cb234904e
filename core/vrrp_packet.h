/*
 * VRRP wire format (RFC 3768 VRRPv2, RFC 9568 VRRPv3).  Pure functions:
 * bytes in, bytes out, no sockets, no clock, no global state.
 */
#ifndef FIPD_VRRP_PACKET_H
#define FIPD_VRRP_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fipd/plugin.h"

/* RFC 9568 5.1.1.4 / RFC 3768 5.2.4: IP protocol number. */
#define VPKT_PROTO 112
/* RFC 9568 5.1.1.3 / 5.1.2.3: TTL / hop limit sent and required. */
#define VPKT_TTL 255
/* RFC 3768 5.3: Authentication Data length (v2 only). */
#define VPKT_AUTH_LEN 8
/* Fixed VRRP header (both versions): 8 octets. */
#define VPKT_HDR_LEN 8
/* Largest VRRP message: v3 IPv6, 255 addresses. */
#define VPKT_MAX_LEN (VPKT_HDR_LEN + 255 * 16)
/* RFC 9568 5.2.2 / RFC 3768 5.3.2: the only type. */
#define VPKT_TYPE_ADVERT 1
/* RFC 3768 5.3.6: authentication types. */
#define VPKT_AUTH_NONE 0
#define VPKT_AUTH_PASS 1	/* RFC 2338 simple text password */
#define VPKT_AUTH_AH 2		/* RFC 2338 IP AH; never accepted */

/* 224.0.0.18 in host byte order, and ff02::12. */
#define VPKT_MCAST4 0xe0000012u
extern const uint8_t vpkt_mcast6[16];

/*
 * Checksum form for VRRPv3 over IPv4.  RFC 9568 5.2.8 says the message
 * only; RFC 5798 implementations in the field (keepalived, FRR, scapy)
 * include an IPv4 pseudo-header.  IPv6 always uses the pseudo-header.
 */
enum vpkt_csum {
	VPKT_CSUM_PSEUDO = 0,	/* with pseudo-header (default on transmit) */
	VPKT_CSUM_RFC9568 = 1,	/* message only */
};

/*
 * Why a received packet was dropped.  vpkt_drop_str() gives the counter
 * and metrics label (stable names: tools rely on them).
 */
enum vpkt_drop {
	VPKT_OK = 0,
	VPKT_DROP_IP_HEADER,	/* "bad_ip_header": IPv4 header malformed */
	VPKT_DROP_TTL,		/* "bad_ttl": TTL / hop limit != 255 */
	VPKT_DROP_TRUNCATED,	/* "truncated": shorter than the message */
	VPKT_DROP_TOO_LONG,	/* "too_long": bytes beyond the message */
	VPKT_DROP_VERSION,	/* "bad_version" */
	VPKT_DROP_TYPE,		/* "bad_type" */
	VPKT_DROP_CHECKSUM,	/* "bad_checksum" */
	VPKT_DROP_COUNT,	/* "bad_count": v3 count 0 */
	VPKT_DROP_FAMILY,	/* "bad_family": v2 over IPv6 */
	VPKT_DROP_VRID,		/* "unknown_vrid": no VR with this VRID here */
	VPKT_DROP_OWNER,	/* "owner": we are the address owner (255) */
	VPKT_DROP_AUTH_TYPE,	/* "bad_auth_type" (v2) */
	VPKT_DROP_AUTH,		/* "bad_auth": password mismatch (v2) */
	VPKT_DROP_INTERVAL,	/* "bad_interval": v2 Adver Int mismatch */
	VPKT_DROP_ADDRS,	/* "address_mismatch": v2, sender prio != 255 */
	VPKT_DROP_PEER,		/* "not_a_peer": unicast, unknown source */
	VPKT_DROP_OWN,		/* "own_packet": our own advert looped back */
	VPKT_DROP_MAX
};

/* Stable short name of a drop reason ("bad_ttl"). */
const char *vpkt_drop_str(enum vpkt_drop d);

/* A decoded advertisement.  addrs points into the parsed buffer. */
struct vpkt {
	uint8_t version;	/* 2 or 3 */
	uint8_t type;		/* 1 */
	uint8_t vrid;
	uint8_t priority;
	uint8_t naddrs;
	int family;		/* AF_INET or AF_INET6 (from the IP header) */
	/*
	 * v3: Max Advertise Interval (12 bits, centiseconds).
	 * v2: Adver Int (seconds) * 100.
	 */
	uint16_t adver_cs;
	uint8_t auth_type;	/* v2 only */
	uint8_t auth_data[VPKT_AUTH_LEN]; /* v2 only */
	const uint8_t *addrs;	/* naddrs * 4 or 16 bytes, wire order */
	enum vpkt_csum csum_form; /* v3/IPv4: which form verified */
};

/* What an IPv4 header said (vpkt_parse_ipv4). */
struct vpkt_ip {
	struct fipd_addr src;
	struct fipd_addr dst;
	uint8_t ttl;
};

/* Parameters of an advertisement to build. */
struct vpkt_params {
	uint8_t version;	/* 2 or 3 */
	uint8_t vrid;
	uint8_t priority;
	uint16_t adver_cs;	/* v3: 1-4095 cs; v2: a multiple of 100 */
	int family;
	const struct fipd_addr *addrs;
	size_t naddrs;		/* 1-255 */
	uint8_t auth_type;	/* v2 */
	char auth_pass[VPKT_AUTH_LEN]; /* v2 PASS, NUL padded */
	enum vpkt_csum csum_form; /* v3/IPv4 */
	const struct fipd_addr *src; /* for the pseudo-header (v3) */
	const struct fipd_addr *dst; /* for the pseudo-header (v3) */
};

/*
 * Internet checksum (RFC 1071) over a buffer, continuing from sum.
 * Returns: the folded, not yet complemented 32-bit partial sum.
 */
uint32_t vpkt_sum(const void *buf, size_t len, uint32_t sum);

/*
 * Build the VRRP message (no IP header) into buf.
 * Returns: the message length, or -1 if buf is too small or the
 * parameters are invalid (version, count, family).
 */
ssize_t vpkt_build(uint8_t *buf, size_t len, const struct vpkt_params *p);

/*
 * Parse and verify a VRRP message whose IP header was already removed.
 * src/dst are the IP addresses (for the pseudo-header checksum).
 * Checks: length (RFC 9568 7.1 complete packet, exact size), version 2/3,
 * type, checksum, v3 count >= 1, family.  It does NOT check VRID, TTL,
 * priority, auth or interval: those depend on the instance (vrrp.c).
 * Returns: 0 and *out filled, or -1 and *why set.
 */
int vpkt_parse(const uint8_t *buf, size_t len, int family,
    const struct fipd_addr *src, const struct fipd_addr *dst,
    struct vpkt *out, enum vpkt_drop *why);

/*
 * Parse a whole IPv4 datagram as read from a raw socket (header
 * included): IHL and total length are checked against len, then the
 * payload is handed to vpkt_parse().  ip receives src, dst and TTL even
 * when the VRRP part is refused (for logs), if the IP header was sane.
 * Returns: 0, or -1 and *why.
 */
int vpkt_parse_ipv4(const uint8_t *buf, size_t len, struct vpkt_ip *ip,
    struct vpkt *out, enum vpkt_drop *why);

/*
 * Build a whole IPv4 datagram (20-byte header, TTL 255, protocol 112,
 * DF clear, id 0, header checksum filled) around a message from
 * vpkt_build(), for IP_HDRINCL sockets.
 * Returns: total length, or -1 if buf is too small.
 */
ssize_t vpkt_build_ipv4(uint8_t *buf, size_t len, const struct vpkt_params *p);

/*
 * Compare two addresses of one family as unsigned big-endian integers
 * (RFC 9568 6.4.3 tie-break).
 * Returns: <0, 0, >0.
 */
int vpkt_addr_cmp(const struct fipd_addr *a, const struct fipd_addr *b);

/* Format an address (no prefix) into buf; returns buf. */
const char *vpkt_addr_str(const struct fipd_addr *a, char *buf, size_t len);

/*
 * Virtual MAC of a VR (RFC 9568 7.3): 00-00-5E-00-01-{VRID} for IPv4,
 * 00-00-5E-00-02-{VRID} for IPv6.
 */
void vpkt_vmac(uint8_t vrid, int family, uint8_t mac[6]);

#endif /* FIPD_VRRP_PACKET_H */
