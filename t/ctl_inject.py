#!/usr/bin/env python3
"""Send crafted VRRPv2 adverts (IPv4, protocol 112) that a fipd node must
drop, to see its drop counters move.  Raw socket with our own IP header
(needs CAP_NET_RAW; run it inside a test namespace).

usage: ctl_inject.py KIND DST [--vrid N] [--count N] [--vip ADDR]
                     [--pass PASSWORD]

KIND:
  bad_checksum  a well-formed advert whose VRRP checksum is wrong
  bad_ttl       a correct advert sent with TTL 64 (RFC 3768 7.1: 255)
  unknown_vrid  a correct advert for a VRID nobody runs (--vrid, 99)
"""
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def vrrp_v2(vrid, prio, vip, password, bad_sum):
    auth = 1 if password else 0
    body = struct.pack("!BBBBBBH", 0x21, vrid, prio, 1, auth, 1, 0)
    body += socket.inet_aton(vip)
    body += password.encode().ljust(8, b"\0")[:8]
    c = csum(body)
    if bad_sum:
        c ^= 0x5a5a
    return body[:6] + struct.pack("!H", c) + body[8:]


def ip_header(src, dst, ttl, payload_len):
    # Total length and checksum are filled in by the kernel (IP_HDRINCL
    # with id 0 gets an id too).
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0xc0, 20 + payload_len, 0, 0,
                       ttl, 112, 0, socket.inet_aton(src),
                       socket.inet_aton(dst))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    kind, dst = argv[0], argv[1]
    opts = {"--vrid": "50", "--count": "5", "--vip": "192.0.2.100",
            "--pass": "EcbCp2b1"}
    i = 2
    while i + 1 < len(argv):
        opts[argv[i]] = argv[i + 1]
        i += 2
    vrid = int(opts["--vrid"])
    if kind == "unknown_vrid" and "--vrid" not in argv:
        vrid = 99
    ttl = 64 if kind == "bad_ttl" else 255
    if kind not in ("bad_checksum", "bad_ttl", "unknown_vrid"):
        sys.stderr.write(__doc__)
        return 2
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    # The source: our address towards dst.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect((dst, 9))
    src = probe.getsockname()[0]
    probe.close()
    pkt = vrrp_v2(vrid, 100, opts["--vip"], opts["--pass"],
                  kind == "bad_checksum")
    for _ in range(int(opts["--count"])):
        s.sendto(ip_header(src, dst, ttl, len(pkt)) + pkt, (dst, 0))
        time.sleep(0.01)
    print("sent %s x%s from %s to %s" % (kind, opts["--count"], src, dst))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
