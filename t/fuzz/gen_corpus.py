#!/usr/bin/env python3
"""Write the seed corpus of t/fuzz/fuzz_packet.c into corpus/packet/.

Independent of core/vrrp_packet.c: the checksums are computed here with a
plain RFC 1071 sum, and the CONFORMANCE 2.11 vectors come out byte for
byte.  Bare messages use the addresses the fuzz target assumes
(192.0.2.1 -> 224.0.0.18, fe80::1 -> ff02::12).  Run once; the output
is committed.
"""

import ipaddress
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "corpus", "packet")
PROTO = 112


def a4(s):
    return ipaddress.IPv4Address(s).packed


def a6(s):
    return ipaddress.IPv6Address(s).packed


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def with_csum(msg, pseudo=b""):
    c = csum(pseudo + msg)
    return msg[:6] + struct.pack("!H", c) + msg[8:]


def ph4(src, dst, length):
    return a4(src) + a4(dst) + bytes([0, PROTO]) + struct.pack("!H", length)


def ph6(src, dst, length):
    return a6(src) + a6(dst) + struct.pack("!I", length) + bytes([0, 0, 0,
                                                                   PROTO])


def v2(vrid, prio, addrs, adv=1, auth_type=0, auth=b""):
    msg = bytes([0x21, vrid, prio, len(addrs), auth_type, adv, 0, 0])
    msg += b"".join(a4(a) for a in addrs) + auth.ljust(8, b"\0")
    return with_csum(msg)


def v3(vrid, prio, addrs, cs=100, v6=False, src=None, dst=None,
       pseudo=True):
    msg = bytes([0x31, vrid, prio, len(addrs)]) + struct.pack("!H", cs)
    msg += b"\0\0" + b"".join((a6 if v6 else a4)(a) for a in addrs)
    if v6:
        return with_csum(msg, ph6(src, dst, len(msg)))
    if pseudo:
        return with_csum(msg, ph4(src, dst, len(msg)))
    return with_csum(msg)


def ipv4(payload, src, dst, options=b""):
    ihl = (20 + len(options)) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0xc0,
                      20 + len(options) + len(payload), 0, 0, 255, PROTO,
                      0, a4(src), a4(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def carp():
    msg = bytes([0x21, 1, 0, 7, 0, 1, 0, 0]) + bytes(range(28))
    return with_csum(msg)


SEEDS = {
    "v2_vector": v2(1, 100, ["192.0.2.254"]),
    "v2_holo": v2(51, 101, ["192.168.100.100"]),
    "v2_pass_3addrs": v2(7, 254, ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
                         adv=3, auth_type=1, auth=b"secret"),
    "v3_ipv4_pseudo": v3(1, 100, ["192.0.2.254"], src="192.0.2.1",
                         dst="224.0.0.18"),
    "v3_ipv4_rfc9568": v3(1, 100, ["192.0.2.254"], pseudo=False),
    "v3_ipv4_4addrs": v3(200, 255, ["10.0.0.%d" % i for i in range(1, 5)],
                         cs=4095, src="192.0.2.1", dst="224.0.0.18"),
    "v3_ipv6_vector": v3(1, 100, ["fe80::254", "2001:db8::254"], v6=True,
                         src="fe80::1", dst="ff02::12"),
    "ipv4_v2": ipv4(v2(1, 100, ["192.0.2.254"]), "192.0.2.1",
                    "224.0.0.18"),
    "ipv4_v3_unicast": ipv4(v3(1, 100, ["192.0.2.254"], src="192.0.2.1",
                               dst="192.0.2.2"), "192.0.2.1", "192.0.2.2"),
    "ipv4_v3_router_alert": ipv4(v3(9, 50, ["198.51.100.1"], pseudo=False),
                                 "192.0.2.9", "224.0.0.18",
                                 options=bytes([0x94, 4, 0, 0])),
    "ipv4_carp": ipv4(carp(), "192.0.2.1", "224.0.0.18"),
}

# CONFORMANCE 2.11, checked so the seeds can't drift from the spec.
assert SEEDS["v2_vector"][6:8] == b"\xb7\xfd"
assert SEEDS["v2_holo"][6:8] == b"\x54\xbd"
assert SEEDS["v3_ipv4_pseudo"][6:8] == b"\x05\x0a"
assert SEEDS["v3_ipv4_rfc9568"][6:8] == b"\xa7\x9a"
assert SEEDS["ipv4_v3_unicast"][26:28] == b"\x23\x1a"
assert SEEDS["v3_ipv6_vector"][6:8] == b"\x3b\x87"


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
