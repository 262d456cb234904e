/*
 * Unit tests for the VRRP wire format (core/vrrp_packet.c): CONFORMANCE
 * sections 2.1-2.3 and the vectors of 2.11.  Test names carry the item
 * number.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_fipd.h"
#include "vrrp_packet.h"

/* CONFORMANCE 2.11 vectors, exactly as listed there. */
static const uint8_t vec_v2[] = {
	0x21, 0x01, 0x64, 0x01, 0x00, 0x01, 0xb7, 0xfd,
	0xc0, 0x00, 0x02, 0xfe,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t vec_v2_holo[] = {
	0x21, 0x33, 0x65, 0x01, 0x00, 0x01, 0x54, 0xbd,
	0xc0, 0xa8, 0x64, 0x64,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t vec_v3_v4[] = {
	0x31, 0x01, 0x64, 0x01, 0x00, 0x64, 0x05, 0x0a,
	0xc0, 0x00, 0x02, 0xfe,
};
static const uint8_t vec_v3_v6[] = {
	0x31, 0x01, 0x64, 0x02, 0x00, 0x64, 0x3b, 0x87,
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x54,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x54,
};

/* Addresses of the vectors. */
static struct fipd_addr a_src4, a_grp4, a_peer4, a_vip4, a_holo_vip;
static struct fipd_addr a_src6, a_grp6, a_vip6[2];
/* Big address lists (255 entries) for the round trips. */
static struct fipd_addr many4[255], many6[255];

static struct fipd_addr	 mkaddr(const char *);
static void		 setup_addrs(void);
static void		 params(struct vpkt_params *, uint8_t, int,
			    const struct fipd_addr *, size_t);
static uint8_t		*dup_exact(const uint8_t *, size_t);
static enum vpkt_drop	 parse(const uint8_t *, size_t, int,
			    const struct fipd_addr *, const struct fipd_addr *,
			    struct vpkt *);
static enum vpkt_drop	 parse4(const uint8_t *, size_t, struct vpkt_ip *,
			    struct vpkt *);
static void		 fix_csum(uint8_t *, size_t, int,
			    const struct fipd_addr *, const struct fipd_addr *,
			    enum vpkt_csum);
static void		 fix_ip_csum(uint8_t *);
static size_t		 mkdgram(uint8_t *, size_t, uint8_t, size_t,
			    enum vpkt_csum);
static size_t		 mkcarp(uint8_t *);

static struct fipd_addr
mkaddr(const char *s)
{
	struct fipd_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.u.v4) == 1) {
		a.family = AF_INET;
		a.prefixlen = 32;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, s, &a.u.v6), 1);
		a.family = AF_INET6;
		a.prefixlen = 128;
	}
	return a;
}

static void
setup_addrs(void)
{
	size_t i;

	a_src4 = mkaddr("192.0.2.1");
	a_grp4 = mkaddr("224.0.0.18");
	a_peer4 = mkaddr("192.0.2.2");
	a_vip4 = mkaddr("192.0.2.254");
	a_holo_vip = mkaddr("192.168.100.100");
	a_src6 = mkaddr("fe80::1");
	a_grp6 = mkaddr("ff02::12");
	a_vip6[0] = mkaddr("fe80::254");
	a_vip6[1] = mkaddr("2001:db8::254");
	for (i = 0; i < 255; i++) {
		/* Distinct and ordered: 10.0.0.i+1, 2001:db8::i. */
		many4[i] = mkaddr("10.0.0.0");
		many4[i].u.raw[3] = (uint8_t)(i + 1);
		many6[i] = mkaddr("2001:db8::");
		many6[i].u.raw[14] = (uint8_t)(i >> 8);
		many6[i].u.raw[15] = (uint8_t)i;
	}
	/* RFC 9568 5.2.9: the first IPv6 address is the link-local one. */
	many6[0] = mkaddr("fe80::254");
}

static void
params(struct vpkt_params *p, uint8_t version, int family,
    const struct fipd_addr *addrs, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->version = version;
	p->vrid = 1;
	p->priority = 100;
	p->adver_cs = 100;
	p->family = family;
	p->addrs = addrs;
	p->naddrs = n;
	p->csum_form = VPKT_CSUM_PSEUDO;
	p->src = family == AF_INET6 ? &a_src6 : &a_src4;
	p->dst = family == AF_INET6 ? &a_grp6 : &a_grp4;
}

/* A heap copy of exactly len bytes, so ASan sees any overread. */
static uint8_t *
dup_exact(const uint8_t *buf, size_t len)
{
	uint8_t *p;

	p = malloc(len == 0 ? 1 : len);
	ck_assert_ptr_nonnull(p);
	if (len > 0)
		memcpy(p, buf, len);
	return p;
}

static enum vpkt_drop
parse(const uint8_t *buf, size_t len, int family,
    const struct fipd_addr *src, const struct fipd_addr *dst,
    struct vpkt *out)
{
	struct vpkt tmp;
	enum vpkt_drop why = VPKT_DROP_MAX;
	uint8_t *copy;
	int r;

	copy = dup_exact(buf, len);
	r = vpkt_parse(copy, len, family, src, dst,
	    out == NULL ? &tmp : out, &why);
	ck_assert_int_eq(r == 0, why == VPKT_OK);
	ck_assert_int_eq(r == 0 || r == -1, 1);
	if (out != NULL && r == 0 && out->addrs != NULL) {
		/* Point back into the caller's buffer. */
		out->addrs = buf + (out->addrs - copy);
	}
	free(copy);
	return why;
}

static enum vpkt_drop
parse4(const uint8_t *buf, size_t len, struct vpkt_ip *ip, struct vpkt *out)
{
	struct vpkt tmp;
	struct vpkt_ip iptmp;
	enum vpkt_drop why = VPKT_DROP_MAX;
	uint8_t *copy;
	int r;

	copy = dup_exact(buf, len);
	r = vpkt_parse_ipv4(copy, len, ip == NULL ? &iptmp : ip,
	    out == NULL ? &tmp : out, &why);
	ck_assert_int_eq(r == 0, why == VPKT_OK);
	if (out != NULL && r == 0 && out->addrs != NULL)
		out->addrs = buf + (out->addrs - copy);
	free(copy);
	return why;
}

/*
 * Recompute the checksum of a (tampered) message, independently of the
 * library's pseudo-header code.
 */
static void
fix_csum(uint8_t *buf, size_t len, int family, const struct fipd_addr *src,
    const struct fipd_addr *dst, enum vpkt_csum form)
{
	uint8_t ph[40];
	uint32_t sum = 0;

	memset(ph, 0, sizeof(ph));
	buf[6] = buf[7] = 0;
	if ((buf[0] >> 4) == 3 && family == AF_INET6) {
		memcpy(ph, src->u.raw, 16);
		memcpy(ph + 16, dst->u.raw, 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = 112;
		sum = vpkt_sum(ph, 40, 0);
	} else if ((buf[0] >> 4) == 3 && form == VPKT_CSUM_PSEUDO) {
		memcpy(ph, src->u.raw, 4);
		memcpy(ph + 4, dst->u.raw, 4);
		ph[9] = 112;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		sum = vpkt_sum(ph, 12, 0);
	}
	sum = (uint16_t)~vpkt_sum(buf, len, sum);
	buf[6] = (uint8_t)(sum >> 8);
	buf[7] = (uint8_t)sum;
}

static void
fix_ip_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	uint16_t sum;

	ip[10] = ip[11] = 0;
	sum = (uint16_t)~vpkt_sum(ip, ihl, 0);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
}

/* A whole IPv4 datagram 192.0.2.1 -> 224.0.0.18 with n addresses. */
static size_t
mkdgram(uint8_t *buf, size_t len, uint8_t version, size_t n,
    enum vpkt_csum form)
{
	struct vpkt_params p;
	ssize_t r;

	params(&p, version, AF_INET, many4, n);
	p.csum_form = form;
	r = vpkt_build_ipv4(buf, len, &p);
	ck_assert_int_gt(r, 0);
	return (size_t)r;
}

/*
 * A CARP advertisement (ucarp/OpenBSD ip_carp.h): version 2, type 1,
 * vhid, advskew, authlen 7, demote, advbase, cksum, 8-byte counter,
 * 20-byte HMAC.  36 octets with a valid (message-only) checksum.
 */
static size_t
mkcarp(uint8_t *buf)
{
	size_t i;
	uint16_t sum;

	memset(buf, 0, 36);
	buf[0] = 0x21;
	buf[1] = 1;		/* vhid */
	buf[2] = 0;		/* advskew */
	buf[3] = 7;		/* authlen */
	buf[4] = 0;		/* demote */
	buf[5] = 1;		/* advbase */
	for (i = 8; i < 36; i++)
		buf[i] = (uint8_t)(i * 37);
	sum = (uint16_t)~vpkt_sum(buf, 36, 0);
	buf[6] = (uint8_t)(sum >> 8);
	buf[7] = (uint8_t)sum;
	return 36;
}

/* CONFORMANCE 2.1: constants and wire format. */

START_TEST(conf_001_protocol_112)
{
	uint8_t buf[64];
	size_t n;

	ck_assert_int_eq(VPKT_PROTO, 112);
	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	ck_assert_uint_eq(n, 32);
	ck_assert_uint_eq(buf[9], 112);
	buf[9] = 6;
	fix_ip_csum(buf);
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
}
END_TEST

START_TEST(conf_002_multicast_groups)
{
	struct in6_addr g6;

	ck_assert_uint_eq(VPKT_MCAST4, 0xe0000012u);
	ck_assert_uint_eq(htonl(VPKT_MCAST4), a_grp4.u.v4.s_addr);
	ck_assert_int_eq(inet_pton(AF_INET6, "ff02::12", &g6), 1);
	ck_assert_mem_eq(vpkt_mcast6, &g6, 16);
}
END_TEST

START_TEST(conf_004_ipv4_header_ttl_255)
{
	uint8_t buf[64], msg[64];
	struct vpkt_params p;
	ssize_t n, m;

	params(&p, 3, AF_INET, &a_vip4, 1);
	n = vpkt_build_ipv4(buf, sizeof(buf), &p);
	m = vpkt_build(msg, sizeof(msg), &p);
	ck_assert_int_eq(n, 32);
	ck_assert_int_eq(m, 12);
	ck_assert_uint_eq(buf[0], 0x45);		/* v4, IHL 5 */
	ck_assert_uint_eq(buf[1], 0xc0);		/* network control */
	ck_assert_uint_eq(buf[2] << 8 | buf[3], 32);	/* total length */
	ck_assert_uint_eq(buf[4] | buf[5], 0);		/* id 0 */
	ck_assert_uint_eq(buf[6] | buf[7], 0);		/* DF clear, no frag */
	ck_assert_uint_eq(buf[8], VPKT_TTL);
	ck_assert_uint_eq(buf[8], 255);
	ck_assert_uint_eq(buf[9], VPKT_PROTO);
	ck_assert_mem_eq(buf + 12, a_src4.u.raw, 4);
	ck_assert_mem_eq(buf + 16, a_grp4.u.raw, 4);
	ck_assert_uint_eq(vpkt_sum(buf, 20, 0), 0xffff);
	ck_assert_mem_eq(buf + 20, msg, 12);
	ck_assert_mem_eq(buf + 20, vec_v3_v4, sizeof(vec_v3_v4));
}
END_TEST

START_TEST(conf_004_build_ipv4_refusals)
{
	uint8_t buf[64];
	struct vpkt_params p;
	size_t len;

	params(&p, 3, AF_INET, &a_vip4, 1);
	for (len = 0; len < 32; len++)
		ck_assert_int_eq(vpkt_build_ipv4(buf, len, &p), -1);
	ck_assert_int_eq(vpkt_build_ipv4(buf, 32, &p), 32);
	p.src = NULL;
	ck_assert_int_eq(vpkt_build_ipv4(buf, sizeof(buf), &p), -1);
	params(&p, 3, AF_INET6, a_vip6, 2);
	ck_assert_int_eq(vpkt_build_ipv4(buf, sizeof(buf), &p), -1);
}
END_TEST

START_TEST(conf_005_v3_ipv4_round_trip)
{
	static const size_t counts[] = { 1, 255 };
	static const enum vpkt_csum forms[] = {
		VPKT_CSUM_PSEUDO, VPKT_CSUM_RFC9568
	};
	uint8_t buf[VPKT_MAX_LEN];
	struct vpkt_params p;
	struct vpkt v;
	size_t i, j, k;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			params(&p, 3, AF_INET, many4, counts[i]);
			p.vrid = 51;
			p.priority = 254;
			p.adver_cs = 4095;
			p.csum_form = forms[j];
			n = vpkt_build(buf, sizeof(buf), &p);
			ck_assert_int_eq(n, 8 + 4 * (ssize_t)counts[i]);
			ck_assert_uint_eq(buf[0], 0x31);
			ck_assert_int_eq(parse(buf, (size_t)n, AF_INET, &a_src4,
			    &a_grp4, &v), VPKT_OK);
			ck_assert_uint_eq(v.version, 3);
			ck_assert_uint_eq(v.type, VPKT_TYPE_ADVERT);
			ck_assert_uint_eq(v.vrid, 51);
			ck_assert_uint_eq(v.priority, 254);
			ck_assert_uint_eq(v.naddrs, counts[i]);
			ck_assert_int_eq(v.family, AF_INET);
			ck_assert_uint_eq(v.adver_cs, 4095);
			ck_assert_int_eq(v.csum_form, forms[j]);
			ck_assert_ptr_eq(v.addrs, buf + 8);
			/* 70: the configured order is kept on the wire. */
			for (k = 0; k < counts[i]; k++)
				ck_assert_mem_eq(v.addrs + 4 * k,
				    many4[k].u.raw, 4);
		}
	}
}
END_TEST

START_TEST(conf_005_v3_ipv6_round_trip)
{
	static const size_t counts[] = { 1, 255 };
	uint8_t buf[VPKT_MAX_LEN];
	struct vpkt_params p;
	struct vpkt v;
	size_t i, k;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		params(&p, 3, AF_INET6, many6, counts[i]);
		p.vrid = 255;
		p.priority = 255;
		p.adver_cs = 1;
		n = vpkt_build(buf, sizeof(buf), &p);
		ck_assert_int_eq(n, 8 + 16 * (ssize_t)counts[i]);
		ck_assert_uint_eq(buf[0], 0x31);
		ck_assert_int_eq(parse(buf, (size_t)n, AF_INET6, &a_src6,
		    &a_grp6, &v), VPKT_OK);
		ck_assert_uint_eq(v.version, 3);
		ck_assert_uint_eq(v.vrid, 255);
		ck_assert_uint_eq(v.priority, 255);
		ck_assert_uint_eq(v.naddrs, counts[i]);
		ck_assert_int_eq(v.family, AF_INET6);
		ck_assert_uint_eq(v.adver_cs, 1);
		for (k = 0; k < counts[i]; k++)
			ck_assert_mem_eq(v.addrs + 16 * k, many6[k].u.raw, 16);
	}
	/* The largest message is the documented maximum. */
	ck_assert_int_eq(n, VPKT_MAX_LEN);
	ck_assert_int_eq(vpkt_build(buf, VPKT_MAX_LEN - 1, &p), -1);
}
END_TEST

START_TEST(conf_005_build_buffer_too_small)
{
	struct vpkt_params p;
	uint8_t *buf;
	size_t len;

	params(&p, 3, AF_INET6, a_vip6, 2);
	/* Exact-size heap buffers: a write past the end trips ASan. */
	for (len = 0; len < 40; len++) {
		buf = malloc(len == 0 ? 1 : len);
		ck_assert_int_eq(vpkt_build(buf, len, &p), -1);
		free(buf);
	}
	buf = malloc(40);
	ck_assert_int_eq(vpkt_build(buf, 40, &p), 40);
	ck_assert_mem_eq(buf, vec_v3_v6, 40);
	free(buf);
	params(&p, 2, AF_INET, &a_vip4, 1);
	for (len = 0; len < 20; len++) {
		buf = malloc(len == 0 ? 1 : len);
		ck_assert_int_eq(vpkt_build(buf, len, &p), -1);
		free(buf);
	}
	ck_assert_int_eq(vpkt_build(NULL, 100, &p), -1);
}
END_TEST

START_TEST(conf_005_build_bad_params)
{
	uint8_t buf[VPKT_MAX_LEN];
	struct vpkt_params p;
	struct fipd_addr unspec;

	/* Version. */
	params(&p, 1, AF_INET, &a_vip4, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.version = 4;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.version = 0;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	/* No address list. */
	params(&p, 3, AF_INET, NULL, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	/* Pseudo-header needs both addresses, of the right family. */
	params(&p, 3, AF_INET, &a_vip4, 1);
	p.dst = NULL;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.dst = &a_grp6;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	/* ... but the RFC 9568 form does not use them. */
	p.src = p.dst = NULL;
	p.csum_form = VPKT_CSUM_RFC9568;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);
	/* IPv6 always has a pseudo-header, whatever csum_form says. */
	params(&p, 3, AF_INET6, a_vip6, 2);
	p.csum_form = VPKT_CSUM_RFC9568;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 40);
	ck_assert_mem_eq(buf, vec_v3_v6, 40);
	p.src = NULL;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	/* Unknown family. */
	memset(&unspec, 0, sizeof(unspec));
	params(&p, 3, AF_UNSPEC, &unspec, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	params(&p, 2, AF_UNSPEC, &unspec, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
}
END_TEST

START_TEST(conf_006_v2_round_trip)
{
	static const size_t counts[] = { 1, 255 };
	uint8_t buf[VPKT_MAX_LEN];
	struct vpkt_params p;
	struct vpkt v;
	size_t i, k;
	ssize_t n;

	for (i = 0; i < 2; i++) {
		params(&p, 2, AF_INET, many4, counts[i]);
		p.vrid = 200;
		p.priority = 1;
		p.adver_cs = 25500;
		p.auth_type = VPKT_AUTH_PASS;
		memcpy(p.auth_pass, "secret", 6);
		n = vpkt_build(buf, sizeof(buf), &p);
		ck_assert_int_eq(n, 16 + 4 * (ssize_t)counts[i]);
		ck_assert_uint_eq(buf[0], 0x21);
		ck_assert_uint_eq(buf[5], 255);
		ck_assert_int_eq(parse(buf, (size_t)n, AF_INET, &a_src4,
		    &a_grp4, &v), VPKT_OK);
		ck_assert_uint_eq(v.version, 2);
		ck_assert_uint_eq(v.type, VPKT_TYPE_ADVERT);
		ck_assert_uint_eq(v.vrid, 200);
		ck_assert_uint_eq(v.priority, 1);
		ck_assert_uint_eq(v.naddrs, counts[i]);
		ck_assert_int_eq(v.family, AF_INET);
		ck_assert_uint_eq(v.adver_cs, 25500);
		ck_assert_uint_eq(v.auth_type, VPKT_AUTH_PASS);
		ck_assert_mem_eq(v.auth_data, "secret\0\0", 8);
		for (k = 0; k < counts[i]; k++)
			ck_assert_mem_eq(v.addrs + 4 * k, many4[k].u.raw, 4);
		/* v2 needs no pseudo-header addresses at all. */
		ck_assert_int_eq(parse(buf, (size_t)n, AF_INET, NULL, NULL,
		    NULL), VPKT_OK);
	}
}
END_TEST

START_TEST(conf_006_ipv4_datagram_round_trip)
{
	static const size_t counts[] = { 1, 255 };
	uint8_t buf[20 + VPKT_MAX_LEN];
	struct vpkt_ip ip;
	struct vpkt v;
	size_t i, n;
	uint8_t ver;

	for (ver = 2; ver <= 3; ver++) {
		for (i = 0; i < 2; i++) {
			n = mkdgram(buf, sizeof(buf), ver, counts[i],
			    VPKT_CSUM_PSEUDO);
			ck_assert_uint_eq(n, 20 + (ver == 2 ? 16 : 8) +
			    4 * counts[i]);
			ck_assert_int_eq(parse4(buf, n, &ip, &v), VPKT_OK);
			ck_assert_uint_eq(v.version, ver);
			ck_assert_uint_eq(v.naddrs, counts[i]);
			ck_assert_ptr_eq(v.addrs, buf + 28);
			ck_assert_int_eq(vpkt_addr_cmp(&ip.src, &a_src4), 0);
			ck_assert_int_eq(vpkt_addr_cmp(&ip.dst, &a_grp4), 0);
			ck_assert_uint_eq(ip.ttl, 255);
		}
	}
	/* Either v3 checksum form passes through the IPv4 path. */
	n = mkdgram(buf, sizeof(buf), 3, 3, VPKT_CSUM_RFC9568);
	ck_assert_int_eq(parse4(buf, n, NULL, &v), VPKT_OK);
	ck_assert_int_eq(v.csum_form, VPKT_CSUM_RFC9568);
}
END_TEST

START_TEST(conf_007_version_type_on_wire)
{
	uint8_t buf[64];
	struct vpkt_params p;

	params(&p, 2, AF_INET, &a_vip4, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_uint_eq(buf[0], 2 << 4 | VPKT_TYPE_ADVERT);
	params(&p, 3, AF_INET, &a_vip4, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);
	ck_assert_uint_eq(buf[0], 3 << 4 | VPKT_TYPE_ADVERT);
}
END_TEST

START_TEST(conf_007_bad_version)
{
	uint8_t buf[20];
	unsigned int ver;

	for (ver = 0; ver < 16; ver++) {
		if (ver == 2 || ver == 3)
			continue;
		memcpy(buf, vec_v3_v4, 12);
		buf[0] = (uint8_t)(ver << 4 | 1);
		fix_csum(buf, 12, AF_INET, &a_src4, &a_grp4,
		    VPKT_CSUM_PSEUDO);
		ck_assert_int_eq(parse(buf, 12, AF_INET, &a_src4, &a_grp4,
		    NULL), VPKT_DROP_VERSION);
		memcpy(buf, vec_v2, 20);
		buf[0] = (uint8_t)(ver << 4 | 1);
		fix_csum(buf, 20, AF_INET, NULL, NULL, VPKT_CSUM_RFC9568);
		ck_assert_int_eq(parse(buf, 20, AF_INET, &a_src4, &a_grp4,
		    NULL), VPKT_DROP_VERSION);
	}
}
END_TEST

START_TEST(conf_010_reserve_zero_on_transmit)
{
	uint8_t buf[64];
	struct vpkt_params p;

	params(&p, 3, AF_INET, &a_vip4, 1);
	p.adver_cs = 4095;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);
	ck_assert_uint_eq(buf[4], 0x0f);
	ck_assert_uint_eq(buf[5], 0xff);
}
END_TEST

START_TEST(conf_010_reserve_nibble_ignored)
{
	uint8_t buf[40];
	struct vpkt v;

	memcpy(buf, vec_v3_v4, 12);
	buf[4] |= 0xf0;
	fix_csum(buf, 12, AF_INET, &a_src4, &a_grp4, VPKT_CSUM_PSEUDO);
	ck_assert_int_eq(parse(buf, 12, AF_INET, &a_src4, &a_grp4, &v),
	    VPKT_OK);
	ck_assert_uint_eq(v.adver_cs, 100);
	memcpy(buf, vec_v3_v6, 40);
	buf[4] |= 0xf0;
	fix_csum(buf, 40, AF_INET6, &a_src6, &a_grp6, VPKT_CSUM_PSEUDO);
	ck_assert_int_eq(parse(buf, 40, AF_INET6, &a_src6, &a_grp6, &v),
	    VPKT_OK);
	ck_assert_uint_eq(v.adver_cs, 100);
}
END_TEST

START_TEST(conf_011_max_adver_12_bits)
{
	static const struct {
		uint8_t b4, b5;
		uint16_t cs;
	} c[] = {
		{ 0xff, 0xff, 4095 },
		{ 0xa0, 0x01, 1 },
		{ 0x10, 0x00, 0 },
		{ 0x5f, 0xfe, 4094 },
		{ 0x00, 0x64, 100 },
	};
	uint8_t buf[12];
	struct vpkt v;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memcpy(buf, vec_v3_v4, 12);
		buf[4] = c[i].b4;
		buf[5] = c[i].b5;
		fix_csum(buf, 12, AF_INET, &a_src4, &a_grp4,
		    VPKT_CSUM_RFC9568);
		ck_assert_int_eq(parse(buf, 12, AF_INET, &a_src4, &a_grp4,
		    &v), VPKT_OK);
		ck_assert_uint_eq(v.adver_cs, c[i].cs);
	}
}
END_TEST

START_TEST(conf_011_interval_range_on_build)
{
	uint8_t buf[64];
	struct vpkt_params p;
	struct vpkt v;

	params(&p, 3, AF_INET, &a_vip4, 1);
	p.adver_cs = 0;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.adver_cs = 4096;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.adver_cs = 1;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);
	p.adver_cs = 4095;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);

	/* v2: whole seconds, 1-255. */
	params(&p, 2, AF_INET, &a_vip4, 1);
	p.adver_cs = 0;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.adver_cs = 50;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.adver_cs = 150;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.adver_cs = 25600;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	p.adver_cs = 300;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_uint_eq(buf[5], 3);
	ck_assert_int_eq(parse(buf, 20, AF_INET, NULL, NULL, &v), VPKT_OK);
	ck_assert_uint_eq(v.adver_cs, 300);
	p.adver_cs = 25500;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_uint_eq(buf[5], 255);
}
END_TEST

START_TEST(conf_012_v3_count_zero_dropped)
{
	uint8_t buf[8];
	uint8_t out[VPKT_MAX_LEN];
	struct vpkt_params p;

	/* A complete 8-octet v3 message with a valid checksum, count 0. */
	memcpy(buf, vec_v3_v4, 8);
	buf[3] = 0;
	fix_csum(buf, 8, AF_INET, &a_src4, &a_grp4, VPKT_CSUM_PSEUDO);
	ck_assert_int_eq(parse(buf, 8, AF_INET, &a_src4, &a_grp4, NULL),
	    VPKT_DROP_COUNT);
	fix_csum(buf, 8, AF_INET, &a_src4, &a_grp4, VPKT_CSUM_RFC9568);
	ck_assert_int_eq(parse(buf, 8, AF_INET, &a_src4, &a_grp4, NULL),
	    VPKT_DROP_COUNT);
	fix_csum(buf, 8, AF_INET6, &a_src6, &a_grp6, VPKT_CSUM_PSEUDO);
	ck_assert_int_eq(parse(buf, 8, AF_INET6, &a_src6, &a_grp6, NULL),
	    VPKT_DROP_COUNT);
	/* The checksum comes first. */
	buf[7] ^= 1;
	ck_assert_int_eq(parse(buf, 8, AF_INET6, &a_src6, &a_grp6, NULL),
	    VPKT_DROP_CHECKSUM);

	/* The encoder refuses 0 and more than 255. */
	params(&p, 3, AF_INET, many4, 0);
	ck_assert_int_eq(vpkt_build(out, sizeof(out), &p), -1);
	params(&p, 3, AF_INET, many4, 256);
	ck_assert_int_eq(vpkt_build(out, sizeof(out), &p), -1);
	params(&p, 2, AF_INET, many4, 0);
	ck_assert_int_eq(vpkt_build(out, sizeof(out), &p), -1);
}
END_TEST

START_TEST(conf_012_v2_count_zero_parses)
{
	uint8_t buf[16];
	struct vpkt v;

	/* RFC 3768 does not forbid it; the instance decides. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x21;
	buf[1] = 1;
	buf[2] = 100;
	buf[5] = 1;
	fix_csum(buf, 16, AF_INET, NULL, NULL, VPKT_CSUM_RFC9568);
	ck_assert_int_eq(parse(buf, 16, AF_INET, NULL, NULL, &v), VPKT_OK);
	ck_assert_uint_eq(v.naddrs, 0);
	ck_assert_ptr_null(v.addrs);
}
END_TEST

START_TEST(conf_013_family_never_mixed_on_build)
{
	uint8_t buf[128];
	struct vpkt_params p;
	struct fipd_addr mixed[2];

	mixed[0] = a_vip4;
	mixed[1] = a_vip6[1];
	params(&p, 3, AF_INET, mixed, 2);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	mixed[0] = a_vip6[0];
	mixed[1] = a_vip4;
	params(&p, 3, AF_INET6, mixed, 2);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	params(&p, 3, AF_INET, a_vip6, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
	/* VRRPv2 is IPv4 only. */
	params(&p, 2, AF_INET6, a_vip6, 2);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), -1);
}
END_TEST

START_TEST(conf_013_v2_over_ipv6_dropped)
{
	ck_assert_int_eq(parse(vec_v2, sizeof(vec_v2), AF_INET6, &a_src6,
	    &a_grp6, NULL), VPKT_DROP_FAMILY);
	ck_assert_int_eq(parse(vec_v2, sizeof(vec_v2), AF_UNSPEC, NULL,
	    NULL, NULL), VPKT_DROP_FAMILY);
	ck_assert_int_eq(parse(vec_v3_v4, sizeof(vec_v3_v4), AF_UNSPEC,
	    NULL, NULL, NULL), VPKT_DROP_FAMILY);
}
END_TEST

START_TEST(conf_036_address_size_of_other_family)
{
	uint8_t buf[24];

	/* IPv6-sized list (1 x 16) in an IPv4 packet: 12 expected. */
	memcpy(buf, vec_v3_v6, 24);
	buf[3] = 1;
	fix_csum(buf, 24, AF_INET, &a_src4, &a_grp4, VPKT_CSUM_PSEUDO);
	ck_assert_int_eq(parse(buf, 24, AF_INET, &a_src4, &a_grp4, NULL),
	    VPKT_DROP_TOO_LONG);
	/* The 2-address IPv6 vector read as IPv4: 16 expected, 40 there. */
	ck_assert_int_eq(parse(vec_v3_v6, 40, AF_INET, &a_src4, &a_grp4,
	    NULL), VPKT_DROP_TOO_LONG);
	/* Four IPv4 addresses (24 octets) read as IPv6: 72 expected. */
	buf[3] = 4;
	fix_csum(buf, 24, AF_INET6, &a_src6, &a_grp6, VPKT_CSUM_PSEUDO);
	ck_assert_int_eq(parse(buf, 24, AF_INET6, &a_src6, &a_grp6, NULL),
	    VPKT_DROP_TRUNCATED);
	/* The IPv4 vector read as IPv6. */
	ck_assert_int_eq(parse(vec_v3_v4, 12, AF_INET6, &a_src6, &a_grp6,
	    NULL), VPKT_DROP_TRUNCATED);
}
END_TEST

START_TEST(conf_015_v2_auth_data)
{
	uint8_t buf[64];
	struct vpkt_params p;
	struct vpkt v;

	/* Type 0: zeros, whatever is in auth_pass. */
	params(&p, 2, AF_INET, &a_vip4, 1);
	memcpy(p.auth_pass, "ignored", 7);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_mem_eq(buf, vec_v2, 20);
	/* Type 1: the password, NUL padded. */
	p.auth_type = VPKT_AUTH_PASS;
	memset(p.auth_pass, 0, sizeof(p.auth_pass));
	memcpy(p.auth_pass, "secret", 6);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_uint_eq(buf[4], 1);
	ck_assert_mem_eq(buf + 12, "secret\0\0", 8);
	/* An 8-character password fills the field, no NUL. */
	memcpy(p.auth_pass, "abcdefgh", 8);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_mem_eq(buf + 12, "abcdefgh", 8);
	ck_assert_int_eq(parse(buf, 20, AF_INET, NULL, NULL, &v), VPKT_OK);
	ck_assert_uint_eq(v.auth_type, VPKT_AUTH_PASS);
	ck_assert_mem_eq(v.auth_data, "abcdefgh", 8);
	/* Receive: data with type 0 is reported, not judged, by the codec. */
	memcpy(buf, vec_v2, 20);
	memcpy(buf + 12, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	fix_csum(buf, 20, AF_INET, NULL, NULL, VPKT_CSUM_RFC9568);
	ck_assert_int_eq(parse(buf, 20, AF_INET, NULL, NULL, &v), VPKT_OK);
	ck_assert_uint_eq(v.auth_type, VPKT_AUTH_NONE);
	ck_assert_mem_eq(v.auth_data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	/* Type 2 (AH) parses too: refusing it is the instance's job (32). */
	buf[4] = VPKT_AUTH_AH;
	fix_csum(buf, 20, AF_INET, NULL, NULL, VPKT_CSUM_RFC9568);
	ck_assert_int_eq(parse(buf, 20, AF_INET, NULL, NULL, &v), VPKT_OK);
	ck_assert_uint_eq(v.auth_type, VPKT_AUTH_AH);
}
END_TEST

START_TEST(conf_016_virtual_mac)
{
	static const uint8_t v6_5[6] = { 0x00, 0x00, 0x5e, 0x00, 0x02, 0x05 };
	static const uint8_t v4_255[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0xff };
	static const uint8_t v4_1[6] = { 0x00, 0x00, 0x5e, 0x00, 0x01, 0x01 };
	uint8_t mac[6];

	vpkt_vmac(5, AF_INET6, mac);
	ck_assert_mem_eq(mac, v6_5, 6);
	vpkt_vmac(255, AF_INET, mac);
	ck_assert_mem_eq(mac, v4_255, 6);
	vpkt_vmac(1, AF_INET, mac);
	ck_assert_mem_eq(mac, v4_1, 6);
}
END_TEST

/* CONFORMANCE 2.2: checksum. */

START_TEST(conf_018_sum_rfc1071)
{
	/* RFC 1071 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2. */
	static const uint8_t ex[] = {
		0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7
	};
	static const uint8_t ones[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t odd[] = { 0x12, 0x34, 0x56 };

	ck_assert_uint_eq(vpkt_sum(ex, sizeof(ex), 0), 0xddf2);
	ck_assert_uint_eq(vpkt_sum(ex + 4, 4, vpkt_sum(ex, 4, 0)), 0xddf2);
	ck_assert_uint_eq(vpkt_sum(ones, 4, 0), 0xffff);
	ck_assert_uint_eq(vpkt_sum(odd, 3, 0), 0x1234 + 0x5600);
	ck_assert_uint_eq(vpkt_sum(odd, 0, 0x12345), 0x2346);
	ck_assert_uint_eq(vpkt_sum(ones, 4, 0xffffffffu), 0xffff);
}
END_TEST

START_TEST(conf_018_v2_checksum_vector)
{
	uint8_t buf[64];
	struct vpkt_params p;
	struct vpkt v;

	params(&p, 2, AF_INET, &a_vip4, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_mem_eq(buf, vec_v2, 20);
	ck_assert_uint_eq(buf[6] << 8 | buf[7], 0xb7fd);
	ck_assert_uint_eq(vpkt_sum(vec_v2, 20, 0), 0xffff);
	ck_assert_int_eq(parse(vec_v2, 20, AF_INET, &a_src4, &a_grp4, &v),
	    VPKT_OK);
	ck_assert_uint_eq(v.vrid, 1);
	ck_assert_uint_eq(v.priority, 100);
	ck_assert_uint_eq(v.adver_cs, 100);
	ck_assert_mem_eq(v.addrs, a_vip4.u.raw, 4);
	/* No pseudo-header: the destination does not matter. */
	ck_assert_int_eq(parse(vec_v2, 20, AF_INET, &a_src4, &a_peer4, NULL),
	    VPKT_OK);
}
END_TEST

START_TEST(conf_018_v2_holo_vector)
{
	uint8_t buf[64];
	struct vpkt_params p;

	params(&p, 2, AF_INET, &a_holo_vip, 1);
	p.vrid = 51;
	p.priority = 101;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 20);
	ck_assert_mem_eq(buf, vec_v2_holo, 20);
	ck_assert_uint_eq(buf[6] << 8 | buf[7], 0x54bd);
	ck_assert_int_eq(parse(vec_v2_holo, 20, AF_INET, NULL, NULL, NULL),
	    VPKT_OK);
	/* The value in holo's comment (0x54db) is wrong: refused. */
	buf[6] = 0x54;
	buf[7] = 0xdb;
	ck_assert_int_eq(parse(buf, 20, AF_INET, NULL, NULL, NULL),
	    VPKT_DROP_CHECKSUM);
}
END_TEST

START_TEST(conf_019_v3_ipv6_vector)
{
	uint8_t buf[64];
	struct vpkt_params p;
	struct vpkt v;
	struct fipd_addr other;

	params(&p, 3, AF_INET6, a_vip6, 2);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 40);
	ck_assert_mem_eq(buf, vec_v3_v6, 40);
	ck_assert_uint_eq(buf[6] << 8 | buf[7], 0x3b87);
	ck_assert_int_eq(parse(vec_v3_v6, 40, AF_INET6, &a_src6, &a_grp6,
	    &v), VPKT_OK);
	ck_assert_uint_eq(v.naddrs, 2);
	ck_assert_int_eq(v.csum_form, VPKT_CSUM_PSEUDO);
	ck_assert_mem_eq(v.addrs, a_vip6[0].u.raw, 16);
	ck_assert_mem_eq(v.addrs + 16, a_vip6[1].u.raw, 16);
	/* The pseudo-header is mandatory: another src or dst fails. */
	other = mkaddr("fe80::2");
	ck_assert_int_eq(parse(vec_v3_v6, 40, AF_INET6, &other, &a_grp6,
	    NULL), VPKT_DROP_CHECKSUM);
	ck_assert_int_eq(parse(vec_v3_v6, 40, AF_INET6, &a_src6, &other,
	    NULL), VPKT_DROP_CHECKSUM);
	ck_assert_int_eq(parse(vec_v3_v6, 40, AF_INET6, NULL, &a_grp6,
	    NULL), VPKT_DROP_CHECKSUM);
	/* The message-only sum is no excuse for IPv6. */
	memcpy(buf, vec_v3_v6, 40);
	fix_csum(buf, 40, AF_INET, NULL, NULL, VPKT_CSUM_RFC9568);
	ck_assert_int_eq(parse(buf, 40, AF_INET6, &a_src6, &a_grp6, NULL),
	    VPKT_DROP_CHECKSUM);
	/* Unicast IPv6 peer: the real destination enters the sum. */
	p.dst = &other;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 40);
	ck_assert_int_eq(parse(buf, 40, AF_INET6, &a_src6, &other, NULL),
	    VPKT_OK);
	ck_assert_int_eq(parse(buf, 40, AF_INET6, &a_src6, &a_grp6, NULL),
	    VPKT_DROP_CHECKSUM);
}
END_TEST

START_TEST(conf_020_v3_ipv4_pseudo_vector)
{
	uint8_t buf[64];
	struct vpkt_params p;
	struct vpkt v;

	params(&p, 3, AF_INET, &a_vip4, 1);
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);
	ck_assert_mem_eq(buf, vec_v3_v4, 12);
	ck_assert_uint_eq(buf[6] << 8 | buf[7], 0x050a);
	ck_assert_int_eq(parse(vec_v3_v4, 12, AF_INET, &a_src4, &a_grp4, &v),
	    VPKT_OK);
	ck_assert_int_eq(v.csum_form, VPKT_CSUM_PSEUDO);
	ck_assert_uint_eq(v.vrid, 1);
	ck_assert_uint_eq(v.priority, 100);
	ck_assert_uint_eq(v.adver_cs, 100);
	ck_assert_uint_eq(v.naddrs, 1);
	ck_assert_mem_eq(v.addrs, a_vip4.u.raw, 4);
	/* Without the addresses only the RFC 9568 form can be checked. */
	ck_assert_int_eq(parse(vec_v3_v4, 12, AF_INET, NULL, NULL, NULL),
	    VPKT_DROP_CHECKSUM);
}
END_TEST

START_TEST(conf_020_v3_ipv4_rfc9568_vector)
{
	uint8_t buf[64], want[12];
	struct vpkt_params p;
	struct vpkt v;

	memcpy(want, vec_v3_v4, 12);
	want[6] = 0xa7;
	want[7] = 0x9a;
	params(&p, 3, AF_INET, &a_vip4, 1);
	p.csum_form = VPKT_CSUM_RFC9568;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);
	ck_assert_mem_eq(buf, want, 12);
	ck_assert_int_eq(parse(want, 12, AF_INET, &a_src4, &a_grp4, &v),
	    VPKT_OK);
	ck_assert_int_eq(v.csum_form, VPKT_CSUM_RFC9568);
	/* Independent of the addresses, as there is no pseudo-header. */
	ck_assert_int_eq(parse(want, 12, AF_INET, &a_peer4, &a_peer4, &v),
	    VPKT_OK);
	ck_assert_int_eq(parse(want, 12, AF_INET, NULL, NULL, &v), VPKT_OK);
	ck_assert_int_eq(v.csum_form, VPKT_CSUM_RFC9568);
}
END_TEST

START_TEST(conf_021_unicast_pseudo_vector)
{
	uint8_t buf[64], want[12];
	struct vpkt_params p;
	struct vpkt v;

	memcpy(want, vec_v3_v4, 12);
	want[6] = 0x23;
	want[7] = 0x1a;
	params(&p, 3, AF_INET, &a_vip4, 1);
	p.dst = &a_peer4;
	ck_assert_int_eq(vpkt_build(buf, sizeof(buf), &p), 12);
	ck_assert_mem_eq(buf, want, 12);
	ck_assert_int_eq(parse(want, 12, AF_INET, &a_src4, &a_peer4, &v),
	    VPKT_OK);
	ck_assert_int_eq(v.csum_form, VPKT_CSUM_PSEUDO);
	/* Summed for the group, received unicast (and vice versa): bad. */
	ck_assert_int_eq(parse(want, 12, AF_INET, &a_src4, &a_grp4, NULL),
	    VPKT_DROP_CHECKSUM);
	ck_assert_int_eq(parse(vec_v3_v4, 12, AF_INET, &a_src4, &a_peer4,
	    NULL), VPKT_DROP_CHECKSUM);
}
END_TEST

START_TEST(conf_022_bad_checksum_dropped)
{
	uint8_t buf[40];
	size_t i;
	unsigned int bit;

	/*
	 * Every single-bit error outside Version/Type and Count (which
	 * fail earlier checks) is a checksum failure.
	 */
	for (i = 0; i < 40; i++) {
		if (i == 0 || i == 3)
			continue;
		for (bit = 0; bit < 8; bit++) {
			if (i < 20) {
				memcpy(buf, vec_v2, 20);
				buf[i] ^= (uint8_t)(1u << bit);
				ck_assert_int_eq(parse(buf, 20, AF_INET,
				    &a_src4, &a_grp4, NULL),
				    VPKT_DROP_CHECKSUM);
			}
			if (i < 12) {
				memcpy(buf, vec_v3_v4, 12);
				buf[i] ^= (uint8_t)(1u << bit);
				ck_assert_int_eq(parse(buf, 12, AF_INET,
				    &a_src4, &a_grp4, NULL),
				    VPKT_DROP_CHECKSUM);
			}
			memcpy(buf, vec_v3_v6, 40);
			buf[i] ^= (uint8_t)(1u << bit);
			ck_assert_int_eq(parse(buf, 40, AF_INET6, &a_src6,
			    &a_grp6, NULL), VPKT_DROP_CHECKSUM);
		}
	}
	/* A zero checksum field is not "no checksum". */
	memcpy(buf, vec_v2, 20);
	buf[6] = buf[7] = 0;
	ck_assert_int_eq(parse(buf, 20, AF_INET, NULL, NULL, NULL),
	    VPKT_DROP_CHECKSUM);
}
END_TEST

/* CONFORMANCE 2.3: receive validation. */

START_TEST(conf_023_ttl_left_to_caller)
{
	uint8_t buf[64];
	struct vpkt_ip ip;
	size_t n;

	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	buf[8] = 64;
	fix_ip_csum(buf);
	ck_assert_int_eq(parse4(buf, n, &ip, NULL), VPKT_OK);
	ck_assert_uint_eq(ip.ttl, 64);
}
END_TEST

START_TEST(conf_026_bad_type)
{
	uint8_t buf[40];
	unsigned int type;

	for (type = 0; type < 16; type++) {
		if (type == VPKT_TYPE_ADVERT)
			continue;
		memcpy(buf, vec_v2, 20);
		buf[0] = (uint8_t)(0x20 | type);
		fix_csum(buf, 20, AF_INET, NULL, NULL, VPKT_CSUM_RFC9568);
		ck_assert_int_eq(parse(buf, 20, AF_INET, NULL, NULL, NULL),
		    VPKT_DROP_TYPE);
		memcpy(buf, vec_v3_v6, 40);
		buf[0] = (uint8_t)(0x30 | type);
		fix_csum(buf, 40, AF_INET6, &a_src6, &a_grp6,
		    VPKT_CSUM_PSEUDO);
		ck_assert_int_eq(parse(buf, 40, AF_INET6, &a_src6, &a_grp6,
		    NULL), VPKT_DROP_TYPE);
	}
}
END_TEST

/* Every proper prefix of a valid message is truncated. */
static void
check_all_prefixes(const uint8_t *msg, size_t n, int family,
    const struct fipd_addr *src, const struct fipd_addr *dst)
{
	size_t len;

	ck_assert_int_eq(parse(msg, n, family, src, dst, NULL), VPKT_OK);
	for (len = 0; len < n; len++)
		ck_assert_msg(parse(msg, len, family, src, dst, NULL) ==
		    VPKT_DROP_TRUNCATED, "length %zu of %zu", len, n);
}

START_TEST(conf_027_truncated_every_length_v2)
{
	uint8_t buf[VPKT_MAX_LEN];
	struct vpkt_params p;
	ssize_t n;

	check_all_prefixes(vec_v2, sizeof(vec_v2), AF_INET, NULL, NULL);
	params(&p, 2, AF_INET, many4, 255);
	n = vpkt_build(buf, sizeof(buf), &p);
	ck_assert_int_eq(n, 16 + 4 * 255);
	check_all_prefixes(buf, (size_t)n, AF_INET, NULL, NULL);
}
END_TEST

START_TEST(conf_027_truncated_every_length_v3)
{
	uint8_t buf[VPKT_MAX_LEN];
	struct vpkt_params p;
	ssize_t n;

	check_all_prefixes(vec_v3_v4, sizeof(vec_v3_v4), AF_INET, &a_src4,
	    &a_grp4);
	check_all_prefixes(vec_v3_v6, sizeof(vec_v3_v6), AF_INET6, &a_src6,
	    &a_grp6);
	params(&p, 3, AF_INET, many4, 255);
	n = vpkt_build(buf, sizeof(buf), &p);
	check_all_prefixes(buf, (size_t)n, AF_INET, &a_src4, &a_grp4);
	params(&p, 3, AF_INET6, many6, 255);
	n = vpkt_build(buf, sizeof(buf), &p);
	ck_assert_int_eq(n, VPKT_MAX_LEN);
	check_all_prefixes(buf, (size_t)n, AF_INET6, &a_src6, &a_grp6);
}
END_TEST

START_TEST(conf_027_truncated_by_ip_total_length)
{
	uint8_t buf[128];
	size_t n, tot;
	uint8_t ver;

	/* IP says less than the message: cut at Total Length, truncated. */
	for (ver = 2; ver <= 3; ver++) {
		n = mkdgram(buf, sizeof(buf), ver, 3, VPKT_CSUM_PSEUDO);
		for (tot = 20; tot < n; tot++) {
			buf[2] = (uint8_t)(tot >> 8);
			buf[3] = (uint8_t)tot;
			fix_ip_csum(buf);
			ck_assert_int_eq(parse4(buf, n, NULL, NULL),
			    VPKT_DROP_TRUNCATED);
			ck_assert_int_eq(parse4(buf, tot, NULL, NULL),
			    VPKT_DROP_TRUNCATED);
		}
	}
}
END_TEST

START_TEST(conf_027_ipv4_header_short)
{
	uint8_t buf[64];
	size_t n, len;

	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	/* Fewer bytes than the IP header, or than Total Length says. */
	for (len = 0; len < n; len++)
		ck_assert_int_eq(parse4(buf, len, NULL, NULL),
		    VPKT_DROP_IP_HEADER);
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_OK);
}
END_TEST

START_TEST(conf_027_ipv4_bad_version)
{
	uint8_t buf[64];
	size_t n;

	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	buf[0] = 0x65;
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
}
END_TEST

START_TEST(conf_027_ipv4_ihl_below_5)
{
	uint8_t buf[64];
	size_t n;
	unsigned int ihl;

	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	for (ihl = 0; ihl < 5; ihl++) {
		buf[0] = (uint8_t)(0x40 | ihl);
		ck_assert_int_eq(parse4(buf, n, NULL, NULL),
		    VPKT_DROP_IP_HEADER);
	}
}
END_TEST

START_TEST(conf_027_ipv4_ihl_beyond_length)
{
	uint8_t buf[64];
	size_t n;

	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	ck_assert_uint_eq(n, 32);
	buf[0] = 0x49;		/* 36 octets of header in 32 */
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
	buf[0] = 0x4f;		/* 60 */
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
	/* IHL within the bytes but past Total Length. */
	buf[0] = 0x48;		/* 32 */
	buf[3] = 28;
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
}
END_TEST

START_TEST(conf_027_ipv4_total_length_exceeds_bytes)
{
	uint8_t buf[64];
	size_t n;

	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	buf[3] = (uint8_t)(n + 1);
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
	buf[2] = 0xff;
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
	/* Total Length smaller than the header itself. */
	buf[2] = 0;
	buf[3] = 19;
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
	buf[3] = 0;
	ck_assert_int_eq(parse4(buf, n, NULL, NULL), VPKT_DROP_IP_HEADER);
}
END_TEST

START_TEST(conf_027_ipv4_wrong_protocol)
{
	static const uint8_t protos[] = { 0, 1, 6, 17, 51, 111, 113, 255 };
	uint8_t buf[64];
	struct vpkt_ip ip;
	size_t n, i;

	n = mkdgram(buf, sizeof(buf), 2, 1, VPKT_CSUM_PSEUDO);
	for (i = 0; i < sizeof(protos); i++) {
		buf[9] = protos[i];
		fix_ip_csum(buf);
		ck_assert_int_eq(parse4(buf, n, &ip, NULL),
		    VPKT_DROP_IP_HEADER);
	}
}
END_TEST

START_TEST(conf_027_ipv4_options_and_padding)
{
	uint8_t buf[64], opt[64];
	struct vpkt_ip ip;
	struct vpkt v;
	size_t n;

	/* A 4-octet option (router alert): the payload starts at IHL. */
	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	memcpy(opt, buf, 20);
	opt[0] = 0x46;
	opt[20] = 0x94;
	opt[21] = 0x04;
	opt[22] = opt[23] = 0;
	memcpy(opt + 24, buf + 20, n - 20);
	opt[3] = (uint8_t)(n + 4);
	fix_ip_csum(opt);
	ck_assert_int_eq(parse4(opt, n + 4, &ip, &v), VPKT_OK);
	ck_assert_ptr_eq(v.addrs, opt + 32);
	ck_assert_int_eq(vpkt_addr_cmp(&ip.src, &a_src4), 0);
	/* Ethernet minimum-frame padding after Total Length is ignored. */
	memset(buf + n, 0, sizeof(buf) - n);
	ck_assert_int_eq(parse4(buf, 46, NULL, NULL), VPKT_OK);
}
END_TEST

START_TEST(conf_027_ipv4_fields_kept_on_refusal)
{
	uint8_t buf[64];
	struct vpkt_ip ip;
	struct vpkt v;
	size_t n;

	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	buf[n - 1] ^= 0xff;
	ck_assert_int_eq(parse4(buf, n, &ip, &v), VPKT_DROP_CHECKSUM);
	ck_assert_int_eq(vpkt_addr_cmp(&ip.src, &a_src4), 0);
	ck_assert_int_eq(vpkt_addr_cmp(&ip.dst, &a_grp4), 0);
	ck_assert_uint_eq(ip.ttl, 255);
}
END_TEST

START_TEST(conf_028_trailing_byte_too_long)
{
	uint8_t buf[128];
	size_t n;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, vec_v2, 20);
	ck_assert_int_eq(parse(buf, 21, AF_INET, NULL, NULL, NULL),
	    VPKT_DROP_TOO_LONG);
	ck_assert_int_eq(parse(buf, 22, AF_INET, NULL, NULL, NULL),
	    VPKT_DROP_TOO_LONG);
	memcpy(buf, vec_v3_v4, 12);
	buf[12] = 0;
	ck_assert_int_eq(parse(buf, 13, AF_INET, &a_src4, &a_grp4, NULL),
	    VPKT_DROP_TOO_LONG);
	memcpy(buf, vec_v3_v6, 40);
	buf[40] = 0;
	ck_assert_int_eq(parse(buf, 41, AF_INET6, &a_src6, &a_grp6, NULL),
	    VPKT_DROP_TOO_LONG);
	/* Through IPv4 when Total Length includes the extra octets. */
	n = mkdgram(buf, sizeof(buf), 3, 1, VPKT_CSUM_PSEUDO);
	buf[n] = 0;
	buf[3] = (uint8_t)(n + 1);
	fix_ip_csum(buf);
	ck_assert_int_eq(parse4(buf, n + 1, NULL, NULL), VPKT_DROP_TOO_LONG);
}
END_TEST

START_TEST(conf_031_drop_names)
{
	static const char *const want[VPKT_DROP_MAX] = {
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
	const char *s, *t;
	int d, e;

	for (d = 0; d < VPKT_DROP_MAX; d++) {
		s = vpkt_drop_str((enum vpkt_drop)d);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		if (want[d] != NULL)
			ck_assert_str_eq(s, want[d]);
		for (e = 0; e < d; e++) {
			t = vpkt_drop_str((enum vpkt_drop)e);
			ck_assert_msg(strcmp(s, t) != 0,
			    "%d and %d are both \"%s\"", d, e, s);
		}
	}
	ck_assert_ptr_nonnull(vpkt_drop_str(VPKT_DROP_MAX));
	ck_assert_ptr_nonnull(vpkt_drop_str((enum vpkt_drop)-1));
	ck_assert_ptr_nonnull(vpkt_drop_str((enum vpkt_drop)1000));
}
END_TEST

START_TEST(conf_037_carp_rejected)
{
	uint8_t carp[36], dg[56];
	struct vpkt_ip ip;

	mkcarp(carp);
	ck_assert_uint_eq(vpkt_sum(carp, 36, 0), 0xffff);
	ck_assert_int_eq(parse(carp, 36, AF_INET, &a_src4, &a_grp4, NULL),
	    VPKT_DROP_TRUNCATED);
	/* Also as a whole datagram to 224.0.0.18, protocol 112. */
	memset(dg, 0, 20);
	dg[0] = 0x45;
	dg[3] = 56;
	dg[8] = 255;
	dg[9] = 112;
	memcpy(dg + 12, a_src4.u.raw, 4);
	memcpy(dg + 16, a_grp4.u.raw, 4);
	fix_ip_csum(dg);
	memcpy(dg + 20, carp, 36);
	ck_assert_int_eq(parse4(dg, 56, &ip, NULL), VPKT_DROP_TRUNCATED);
}
END_TEST

START_TEST(conf_038_random_input)
{
	static const uint8_t firsts[] = { 0x21, 0x31, 0x45, 0x46, 0x4f };
	uint8_t buf[128];
	struct vpkt v;
	struct vpkt_ip ip;
	uint32_t x = 12345;
	size_t len, i;
	int round;

	/*
	 * Cheap in-suite stand-in for t/fuzz: odd inputs under ASan in
	 * exact-size buffers (parse() and parse4() copy).
	 */
	for (round = 0; round < 20000; round++) {
		x = x * 1103515245u + 12345u;
		len = (x >> 16) % sizeof(buf);
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 24);
		}
		if (len > 0)
			buf[0] = firsts[round % sizeof(firsts)];
		if (len > 3)
			buf[3] = (uint8_t)(round % 8);
		(void)parse(buf, len, AF_INET, &a_src4, &a_grp4, &v);
		(void)parse(buf, len, AF_INET6, &a_src6, &a_grp6, &v);
		(void)parse4(buf, len, &ip, &v);
	}
}
END_TEST

/* Addresses (CONFORMANCE 67) and their text form. */

START_TEST(conf_067_addr_cmp_unsigned_big_endian)
{
	struct fipd_addr a, b;
	unsigned int bit;

	a = mkaddr("192.0.2.10");
	b = mkaddr("192.0.2.2");
	ck_assert_int_gt(vpkt_addr_cmp(&a, &b), 0);
	ck_assert_int_lt(vpkt_addr_cmp(&b, &a), 0);
	ck_assert_int_eq(vpkt_addr_cmp(&a, &a), 0);
	/* Unsigned: 200.x beats 10.x (not a signed-byte compare). */
	a = mkaddr("200.0.0.1");
	b = mkaddr("10.0.0.1");
	ck_assert_int_gt(vpkt_addr_cmp(&a, &b), 0);
	/* Big-endian: 1.0.0.0 beats 0.0.0.255 (not host order). */
	a = mkaddr("1.0.0.0");
	b = mkaddr("0.0.0.255");
	ck_assert_int_gt(vpkt_addr_cmp(&a, &b), 0);
	/* IPv6: every one of the 128 bits counts. */
	for (bit = 0; bit < 128; bit++) {
		a = mkaddr("::");
		b = mkaddr("::");
		a.u.raw[bit / 8] = (uint8_t)(0x80u >> (bit % 8));
		ck_assert_msg(vpkt_addr_cmp(&a, &b) > 0, "bit %u", bit);
		ck_assert_msg(vpkt_addr_cmp(&b, &a) < 0, "bit %u", bit);
	}
	a = mkaddr("fe80::2");
	b = mkaddr("fe80::10");
	ck_assert_int_lt(vpkt_addr_cmp(&a, &b), 0);
	/* The prefix length is not part of the address. */
	a = mkaddr("fe80::2");
	b = a;
	b.prefixlen = 64;
	ck_assert_int_eq(vpkt_addr_cmp(&a, &b), 0);
}
END_TEST

START_TEST(addr_str)
{
	struct fipd_addr a;
	char buf[64], small[8];

	a = mkaddr("192.0.2.1");
	ck_assert_str_eq(vpkt_addr_str(&a, buf, sizeof(buf)), "192.0.2.1");
	a.prefixlen = 24;
	ck_assert_str_eq(vpkt_addr_str(&a, buf, sizeof(buf)), "192.0.2.1");
	a = mkaddr("fe80::1");
	ck_assert_str_eq(vpkt_addr_str(&a, buf, sizeof(buf)), "fe80::1");
	a = mkaddr("2001:db8::254");
	ck_assert_ptr_eq(vpkt_addr_str(&a, buf, sizeof(buf)), buf);
	ck_assert_str_eq(buf, "2001:db8::254");
	a = mkaddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_str_eq(vpkt_addr_str(&a, buf, sizeof(buf)),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* Too small: truncated, still terminated. */
	a = mkaddr("192.0.2.254");
	ck_assert_str_eq(vpkt_addr_str(&a, small, sizeof(small)), "192.0.2");
	ck_assert_ptr_eq(vpkt_addr_str(&a, small, 0), small);
	/* Unknown family. */
	memset(&a, 0, sizeof(a));
	ck_assert_str_eq(vpkt_addr_str(&a, buf, sizeof(buf)), "?");
}
END_TEST

Suite *
suite_packet(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("packet");

	tc = tcase_create("wire");
	tcase_add_checked_fixture(tc, setup_addrs, NULL);
	tcase_add_test(tc, conf_001_protocol_112);
	tcase_add_test(tc, conf_002_multicast_groups);
	tcase_add_test(tc, conf_004_ipv4_header_ttl_255);
	tcase_add_test(tc, conf_004_build_ipv4_refusals);
	tcase_add_test(tc, conf_005_v3_ipv4_round_trip);
	tcase_add_test(tc, conf_005_v3_ipv6_round_trip);
	tcase_add_test(tc, conf_005_build_buffer_too_small);
	tcase_add_test(tc, conf_005_build_bad_params);
	tcase_add_test(tc, conf_006_v2_round_trip);
	tcase_add_test(tc, conf_006_ipv4_datagram_round_trip);
	tcase_add_test(tc, conf_007_version_type_on_wire);
	tcase_add_test(tc, conf_007_bad_version);
	tcase_add_test(tc, conf_010_reserve_zero_on_transmit);
	tcase_add_test(tc, conf_010_reserve_nibble_ignored);
	tcase_add_test(tc, conf_011_max_adver_12_bits);
	tcase_add_test(tc, conf_011_interval_range_on_build);
	tcase_add_test(tc, conf_012_v3_count_zero_dropped);
	tcase_add_test(tc, conf_012_v2_count_zero_parses);
	tcase_add_test(tc, conf_013_family_never_mixed_on_build);
	tcase_add_test(tc, conf_013_v2_over_ipv6_dropped);
	tcase_add_test(tc, conf_015_v2_auth_data);
	tcase_add_test(tc, conf_016_virtual_mac);
	suite_add_tcase(s, tc);

	tc = tcase_create("checksum");
	tcase_add_checked_fixture(tc, setup_addrs, NULL);
	tcase_add_test(tc, conf_018_sum_rfc1071);
	tcase_add_test(tc, conf_018_v2_checksum_vector);
	tcase_add_test(tc, conf_018_v2_holo_vector);
	tcase_add_test(tc, conf_019_v3_ipv6_vector);
	tcase_add_test(tc, conf_020_v3_ipv4_pseudo_vector);
	tcase_add_test(tc, conf_020_v3_ipv4_rfc9568_vector);
	tcase_add_test(tc, conf_021_unicast_pseudo_vector);
	tcase_add_test(tc, conf_022_bad_checksum_dropped);
	suite_add_tcase(s, tc);

	tc = tcase_create("validation");
	tcase_add_checked_fixture(tc, setup_addrs, NULL);
	tcase_add_test(tc, conf_023_ttl_left_to_caller);
	tcase_add_test(tc, conf_026_bad_type);
	tcase_add_test(tc, conf_027_truncated_every_length_v2);
	tcase_add_test(tc, conf_027_truncated_every_length_v3);
	tcase_add_test(tc, conf_027_truncated_by_ip_total_length);
	tcase_add_test(tc, conf_027_ipv4_header_short);
	tcase_add_test(tc, conf_027_ipv4_bad_version);
	tcase_add_test(tc, conf_027_ipv4_ihl_below_5);
	tcase_add_test(tc, conf_027_ipv4_ihl_beyond_length);
	tcase_add_test(tc, conf_027_ipv4_total_length_exceeds_bytes);
	tcase_add_test(tc, conf_027_ipv4_wrong_protocol);
	tcase_add_test(tc, conf_027_ipv4_options_and_padding);
	tcase_add_test(tc, conf_027_ipv4_fields_kept_on_refusal);
	tcase_add_test(tc, conf_028_trailing_byte_too_long);
	tcase_add_test(tc, conf_031_drop_names);
	tcase_add_test(tc, conf_036_address_size_of_other_family);
	tcase_add_test(tc, conf_037_carp_rejected);
	tcase_add_test(tc, conf_038_random_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	tcase_add_checked_fixture(tc, setup_addrs, NULL);
	tcase_add_test(tc, conf_067_addr_cmp_unsigned_big_endian);
	tcase_add_test(tc, addr_str);
	suite_add_tcase(s, tc);

	return s;
}
