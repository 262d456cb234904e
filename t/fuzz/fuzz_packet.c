/*
 * libFuzzer target for the VRRP parser (CONFORMANCE 38).
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I core -I . \
 *       t/fuzz/fuzz_packet.c core/vrrp_packet.c -o fuzz_packet
 *   ./fuzz_packet -max_total_time=60 t/fuzz/corpus/packet
 *
 * Each input is parsed as a whole IPv4 datagram and as a bare VRRP
 * message over IPv4 and IPv6.  Random bytes almost never carry a valid
 * checksum, so copies with the checksum repaired are parsed as well:
 * that lets the fuzzer reach the code behind the checksum.  Accepted
 * messages must rebuild to the same bytes.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fz_check(int, enum vpkt_drop, const struct vpkt *,
		    const uint8_t *, size_t, const struct fipd_addr *,
		    const struct fipd_addr *);
static void	fz_rebuild(const struct vpkt *, const uint8_t *, size_t,
		    const struct fipd_addr *, const struct fipd_addr *);
static void	fz_fix_csum(uint8_t *, size_t, int,
		    const struct fipd_addr *, const struct fipd_addr *);
static void	fz_bare(const uint8_t *, size_t, int,
		    const struct fipd_addr *, const struct fipd_addr *);
static void	fz_ipv4(const uint8_t *, size_t);
static struct fipd_addr fz_addr(int, const uint8_t *);

static const uint8_t src4[4] = { 192, 0, 2, 1 };
static const uint8_t grp4[4] = { 224, 0, 0, 18 };
static const uint8_t src6[16] = {
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
};

static struct fipd_addr
fz_addr(int family, const uint8_t *raw)
{
	struct fipd_addr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	a.prefixlen = family == AF_INET ? 32 : 128;
	memcpy(a.u.raw, raw, family == AF_INET ? 4 : 16);
	return a;
}

/* Invariants of one vpkt_parse() answer. */
static void
fz_check(int r, enum vpkt_drop why, const struct vpkt *v,
    const uint8_t *buf, size_t len, const struct fipd_addr *src,
    const struct fipd_addr *dst)
{
	size_t alen, i;
	volatile uint8_t sink = 0;

	if (vpkt_drop_str(why) == NULL)
		abort();
	if (r != 0) {
		if (r != -1 || why == VPKT_OK || why >= VPKT_DROP_MAX)
			abort();
		return;
	}
	if (why != VPKT_OK || (v->version != 2 && v->version != 3) ||
	    v->type != VPKT_TYPE_ADVERT)
		abort();
	if (v->version == 3 && (v->naddrs == 0 || v->adver_cs > 0x0fff))
		abort();
	alen = v->family == AF_INET ? 4 : 16;
	if (v->naddrs > 0 && (v->addrs != buf + VPKT_HDR_LEN ||
	    VPKT_HDR_LEN + v->naddrs * alen > len))
		abort();
	/* Read every address octet, so ASan sees a bad pointer. */
	for (i = 0; i < v->naddrs * alen; i++)
		sink ^= v->addrs[i];
	(void)sink;
	fz_rebuild(v, buf, len, src, dst);
}

/* What was accepted must encode back to the same octets. */
static void
fz_rebuild(const struct vpkt *v, const uint8_t *buf, size_t len,
    const struct fipd_addr *src, const struct fipd_addr *dst)
{
	static struct fipd_addr addrs[255];
	static const uint8_t zero[VPKT_AUTH_LEN];
	uint8_t out[VPKT_MAX_LEN];
	struct vpkt_params p;
	size_t alen, i;
	ssize_t n;

	/* Fields the encoder refuses or normalises. */
	if (v->naddrs == 0 || v->adver_cs == 0)
		return;
	if (v->version == 3 && (buf[4] & 0xf0) != 0)
		return;
	if (v->version == 2 && v->auth_type != VPKT_AUTH_PASS &&
	    memcmp(v->auth_data, zero, VPKT_AUTH_LEN) != 0)
		return;

	alen = v->family == AF_INET ? 4 : 16;
	for (i = 0; i < v->naddrs; i++)
		addrs[i] = fz_addr(v->family, v->addrs + i * alen);
	memset(&p, 0, sizeof(p));
	p.version = v->version;
	p.vrid = v->vrid;
	p.priority = v->priority;
	p.adver_cs = v->adver_cs;
	p.family = v->family;
	p.addrs = addrs;
	p.naddrs = v->naddrs;
	p.auth_type = v->auth_type;
	if (v->auth_type == VPKT_AUTH_PASS)
		memcpy(p.auth_pass, v->auth_data, VPKT_AUTH_LEN);
	p.csum_form = v->csum_form;
	p.src = src;
	p.dst = dst;
	n = vpkt_build(out, sizeof(out), &p);
	if (n < 0 || (size_t)n != len)
		abort();
	if (memcmp(out, buf, 6) != 0 || memcmp(out + 8, buf + 8, len - 8))
		abort();
	/* One's complement has two zeros: 0x0000 and 0xffff both verify. */
	if (memcmp(out + 6, buf + 6, 2) != 0 &&
	    !((out[6] | out[7]) == 0 && (buf[6] & buf[7]) == 0xff))
		abort();
}

/* Rewrite the checksum so that the message verifies in a given form. */
static void
fz_fix_csum(uint8_t *buf, size_t len, int family,
    const struct fipd_addr *src, const struct fipd_addr *dst)
{
	uint8_t ph[40];
	uint32_t sum = 0;
	uint16_t c;

	memset(ph, 0, sizeof(ph));
	buf[6] = buf[7] = 0;
	if (family == AF_INET6) {
		memcpy(ph, src->u.raw, 16);
		memcpy(ph + 16, dst->u.raw, 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[39] = VPKT_PROTO;
		sum = vpkt_sum(ph, sizeof(ph), 0);
	} else if (family == AF_INET) {
		memcpy(ph, src->u.raw, 4);
		memcpy(ph + 4, dst->u.raw, 4);
		ph[9] = VPKT_PROTO;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		sum = vpkt_sum(ph, 12, 0);
	}
	c = (uint16_t)~vpkt_sum(buf, len, sum);
	buf[6] = (uint8_t)(c >> 8);
	buf[7] = (uint8_t)c;
}

/* A bare message: as is, then with each checksum form repaired. */
static void
fz_bare(const uint8_t *data, size_t size, int family,
    const struct fipd_addr *src, const struct fipd_addr *dst)
{
	struct vpkt v;
	enum vpkt_drop why = VPKT_DROP_MAX;
	uint8_t *copy;
	int r, form;

	r = vpkt_parse(data, size, family, src, dst, &v, &why);
	fz_check(r, why, &v, data, size, src, dst);
	if (size < VPKT_HDR_LEN)
		return;
	/* An exact-size heap copy keeps ASan's redzone right at the end. */
	if ((copy = malloc(size)) == NULL)
		return;
	for (form = 0; form < 2; form++) {
		memcpy(copy, data, size);
		/* form 0: message only (v2, RFC 9568); 1: pseudo-header. */
		fz_fix_csum(copy, size, form == 0 ? AF_UNSPEC : family,
		    src, dst);
		why = VPKT_DROP_MAX;
		r = vpkt_parse(copy, size, family, src, dst, &v, &why);
		fz_check(r, why, &v, copy, size, src, dst);
	}
	free(copy);
}

/* A whole IPv4 datagram: as is, then with the VRRP checksum repaired. */
static void
fz_ipv4(const uint8_t *data, size_t size)
{
	struct fipd_addr s, d;
	struct vpkt_ip ip;
	struct vpkt v;
	enum vpkt_drop why = VPKT_DROP_MAX;
	uint8_t *copy;
	size_t ihl, tot;
	int r, form;

	r = vpkt_parse_ipv4(data, size, &ip, &v, &why);
	if (size < 20) {
		fz_check(r, why, &v, data, 0, NULL, NULL);
		return;
	}
	ihl = (size_t)(data[0] & 0x0f) * 4;
	tot = (size_t)(data[2] << 8 | data[3]);
	if (r == 0) {
		/* Accepted: the header was sane, the payload is [ihl, tot). */
		if (ip.src.family != AF_INET || ip.dst.family != AF_INET ||
		    ihl < 20 || tot > size || tot < ihl)
			abort();
		fz_check(r, why, &v, data + ihl, tot - ihl, &ip.src, &ip.dst);
	} else
		fz_check(r, why, &v, data, 0, NULL, NULL);

	if (ihl < 20 || tot > size || tot < ihl + VPKT_HDR_LEN)
		return;
	if ((copy = malloc(size)) == NULL)
		return;
	s = fz_addr(AF_INET, data + 12);
	d = fz_addr(AF_INET, data + 16);
	for (form = 0; form < 2; form++) {
		memcpy(copy, data, size);
		fz_fix_csum(copy + ihl, tot - ihl,
		    form == 0 ? AF_UNSPEC : AF_INET, &s, &d);
		why = VPKT_DROP_MAX;
		r = vpkt_parse_ipv4(copy, size, &ip, &v, &why);
		fz_check(r, why, &v, copy + ihl, r == 0 ? tot - ihl : 0,
		    &s, &d);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fipd_addr s4, g4, s6, g6;

	s4 = fz_addr(AF_INET, src4);
	g4 = fz_addr(AF_INET, grp4);
	s6 = fz_addr(AF_INET6, src6);
	g6 = fz_addr(AF_INET6, vpkt_mcast6);

	fz_ipv4(data, size);
	fz_bare(data, size, AF_INET, &s4, &g4);
	fz_bare(data, size, AF_INET6, &s6, &g6);
	return 0;
}
