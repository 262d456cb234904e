#!/usr/bin/env python3
"""Craft VRRP advertisements, valid and broken, and put them on a link.

Used by the reliability tests (t/reliability/*.sh) inside a network
namespace; needs CAP_NET_RAW.  Frames are built completely here (Ethernet,
IPv4, VRRP) and sent with an AF_PACKET socket, so every field is ours:
TTL, IP options, lengths, checksums.  No scapy needed.

Usage:
  vrrpinj.py list
      One line per conformance case: NAME ITEM INSTANCE EXPECT SCOPE
      EXPECT is a drop reason (vpkt_drop_str) or "accept"; SCOPE is "inst"
      (refused by vrrp_rx_check: per-instance log limiter), "parse"
      (refused by the parser in net.c: daemon-wide log limiter, counted on
      the instance of the VRID byte when readable) or "demux" (counted
      "before demux"), or "-" for accept cases.
  vrrpinj.py send --iface IF --dst-mac MAC [--count N] [--pps R] CASE
      Send a case N times (default 1) at R packets/s (default 1000).
  vrrpinj.py hex CASE
      Print the IPv4 datagram of a case (for the log, and for debugging).
  vrrpinj.py flood --iface IF --vrid V --prio P [--version 3] [--adver CS]
                   [--vip A] [--src IP] [--ttl T] [--pps R] [--seconds S]
      Valid-looking adverts (multicast, right checksum) at R packets/s for
      S seconds; prints "sent N in T s (R pps)".

Instances of the conformance test config (conformance_rx.sh):
  V3   VRID 1, v3 multicast, advert 10 cs, VIP 192.0.2.101, priority 100
  V2P  VRID 2, v2 multicast, advert 1 s, auth_pass secret1, VIP 192.0.2.102
  V2N  VRID 3, v2 multicast, advert 1 s, no auth, VIP 192.0.2.103
  UC   VRID 4, v3 unicast 192.0.2.1 <-> peer 192.0.2.2, VIP 192.0.2.104
  OWN  VRID 5, v3 multicast, priority 255 (owner), VIP 192.0.2.105
Every broken case claims priority 254 (OWN: 255 from a higher address), so
that accepting it would make the MASTER under test yield: a transition.
"""
import argparse
import socket
import struct
import sys
import time

MCAST = "224.0.0.18"
MCAST_MAC = bytes.fromhex("01005e000012")
PROTO = 112
NODE = "192.0.2.1"     # the daemon under test
PEER = "192.0.2.2"     # the injector's own address (n2)
STRANGER = "192.0.2.3"  # not a configured peer

INST = {
    "V3": dict(vrid=1, version=3, adver=10, vip="192.0.2.101", dst=MCAST),
    "V2P": dict(vrid=2, version=2, adver=1, vip="192.0.2.102", dst=MCAST,
                auth_type=1, auth=b"secret1"),
    "V2N": dict(vrid=3, version=2, adver=1, vip="192.0.2.103", dst=MCAST),
    "UC": dict(vrid=4, version=3, adver=10, vip="192.0.2.104", dst=NODE),
    "OWN": dict(vrid=5, version=3, adver=10, vip="192.0.2.105", dst=MCAST),
}


def ip4(a):
    return socket.inet_aton(a)


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def osum(data, s=0):
    if len(data) % 2:
        data += b"\0"
    for (w,) in struct.iter_unpack("!H", data):
        s += w
    return fold(s)


def cksum(data, s=0):
    return (~osum(data, s)) & 0xFFFF


def pseudo4(src, dst, length):
    return osum(ip4(src) + ip4(dst) + struct.pack("!BBH", 0, PROTO, length))


def vrrp(version=3, type_=1, vrid=1, prio=254, addrs=("192.0.2.101",),
         adver=10, auth_type=0, auth=b"", count=None, reserve=0,
         csum="auto", src=PEER, dst=MCAST, extra=b"", cut=None,
         addr_bytes=None):
    """A VRRP message.  csum: auto (v2: message; v3: IPv4 pseudo-header),
    pseudo, rfc9568 (message only), flip (auto, then one bit flipped),
    zero.  The checksum covers the bytes actually sent (after cut/extra),
    so a length case fails on its length, not on its checksum."""
    n = len(addrs) if count is None else count
    body = addr_bytes if addr_bytes is not None else b"".join(
        ip4(a) for a in addrs)
    if version == 2:
        hdr = struct.pack("!BBBBBBH", (version << 4) | type_, vrid, prio, n,
                          auth_type, adver, 0)
        msg = hdr + body + auth.ljust(8, b"\0")[:8]
    else:
        hdr = struct.pack("!BBBBHH", (version << 4) | type_, vrid, prio, n,
                          ((reserve & 0xF) << 12) | (adver & 0xFFF), 0)
        msg = hdr + body
    msg += extra
    if cut is not None:
        msg = msg[:cut]
    if len(msg) >= 8:
        form = csum
        if form in ("auto", "flip"):
            form = "rfc9568" if version == 2 else "pseudo"
        if form == "pseudo":
            c = cksum(msg, pseudo4(src, dst, len(msg)))
        elif form == "rfc9568":
            c = cksum(msg)
        else:
            c = 0
        if csum == "flip":
            c ^= 0x0100
        msg = msg[:6] + struct.pack("!H", c) + msg[8:]
    return msg


def ipv4(payload, src=PEER, dst=MCAST, ttl=255, proto=PROTO, options=b"",
         tos=0xC0):
    assert len(options) % 4 == 0
    ihl = 5 + len(options) // 4
    hdr = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, tos,
                      ihl * 4 + len(payload), 0x1234, 0, ttl, proto, 0,
                      ip4(src), ip4(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", cksum(hdr)) + hdr[12:]
    return hdr + payload


def advert(inst, **kw):
    """A valid advert for an instance, with overrides.  IP-level keys:
    src, dst, ttl, options; the rest go to vrrp()."""
    d = dict(INST[inst])
    ipkw = {}
    for k in ("ttl", "options"):
        if k in kw:
            ipkw[k] = kw.pop(k)
    src = kw.pop("src", PEER)
    dst = kw.pop("dst", d["dst"])
    v = dict(version=d["version"], vrid=d["vrid"], adver=d["adver"],
             addrs=(d["vip"],), auth_type=d.get("auth_type", 0),
             auth=d.get("auth", b""), prio=254)
    if inst == "OWN":
        v["prio"] = 255
    v.update(kw)
    return ipv4(vrrp(src=src, dst=dst, **v), src=src, dst=dst, **ipkw)


def carp(vhid, advskew, src=PEER):
    """A CARP advert as ucarp/OpenBSD send it (ip_carp.h): 36 octets,
    version 2 / type 1 (0x21), vhid, advskew, authlen 7, pad, advbase,
    checksum over the CARP header, 8-octet counter, 20-octet HMAC.  Read
    as VRRPv2: VRID = vhid, priority = advskew, count = 7 (authlen),
    auth type = pad (0), Adver Int = advbase."""
    hdr = struct.pack("!BBBBBBH", 0x21, vhid, advskew, 7, 0, 1, 0)
    msg = hdr + struct.pack("!II", 0x5eed, 0x0001) + bytes(range(1, 21))
    msg = msg[:6] + struct.pack("!H", cksum(msg)) + msg[8:]
    assert len(msg) == 36
    return ipv4(msg, src=src)


V6 = socket.inet_pton(socket.AF_INET6, "2001:db8::101")

# name -> (CONFORMANCE item, instance, expected, scope, datagram builder)
CASES = [
    # 23: TTL != 255
    ("ttl_254", "23", "V3", "bad_ttl", "inst", lambda: advert("V3", ttl=254)),
    ("ttl_64", "23", "V2N", "bad_ttl", "inst", lambda: advert("V2N", ttl=64)),
    ("ttl_1_unicast", "23", "UC", "bad_ttl", "inst",
     lambda: advert("UC", ttl=1)),
    # 25: version
    ("version_v2_on_v3", "25", "V3", "bad_version", "inst",
     lambda: advert("V3", version=2, adver=1)),
    ("version_v3_on_v2", "25", "V2N", "bad_version", "inst",
     lambda: advert("V2N", version=3, adver=100)),
    ("version_4", "25", "V3", "bad_version", "parse",
     lambda: advert("V3", version=4)),
    ("version_1", "25", "V2N", "bad_version", "parse",
     lambda: advert("V2N", version=1)),
    ("version_0", "25", "V2P", "bad_version", "parse",
     lambda: advert("V2P", version=0)),
    # 26: type
    ("type_2", "26", "V3", "bad_type", "parse", lambda: advert("V3", type_=2)),
    ("type_0", "26", "V2N", "bad_type", "parse",
     lambda: advert("V2N", type_=0)),
    ("type_15", "26", "V2P", "bad_type", "parse",
     lambda: advert("V2P", type_=15)),
    # 27: truncated (v3/IPv4 with one address is 12 octets, v2 is 20)
    ("trunc_v3_0", "27", "-", "truncated", "demux",
     lambda: advert("V3", cut=0)),
    ("trunc_v3_1", "27", "-", "truncated", "demux",
     lambda: advert("V3", cut=1)),
    ("trunc_v3_2", "27", "V3", "truncated", "parse",
     lambda: advert("V3", cut=2)),
    ("trunc_v3_7", "27", "V3", "truncated", "parse",
     lambda: advert("V3", cut=7)),
    ("trunc_v3_8", "27", "V3", "truncated", "parse",
     lambda: advert("V3", cut=8)),
    ("trunc_v3_11", "27", "V3", "truncated", "parse",
     lambda: advert("V3", cut=11)),
    ("trunc_v3_count2", "27", "V3", "truncated", "parse",
     lambda: advert("V3", count=2)),
    ("trunc_v3_ipopt_11", "27", "V3", "truncated", "parse",
     lambda: advert("V3", cut=11, options=b"\x94\x04\x00\x00")),
    ("trunc_v2_12", "27", "V2N", "truncated", "parse",
     lambda: advert("V2N", cut=12)),
    ("trunc_v2_19", "27", "V2P", "truncated", "parse",
     lambda: advert("V2P", cut=19)),
    ("trunc_v2_count3", "27", "V2N", "truncated", "parse",
     lambda: advert("V2N", count=3)),
    # 28: trailing bytes
    ("too_long_v3_4", "28", "V3", "too_long", "parse",
     lambda: advert("V3", extra=b"\0\0\0\0")),
    ("too_long_v3_1", "28", "V3", "too_long", "parse",
     lambda: advert("V3", extra=b"\xff")),
    ("too_long_v2_1", "28", "V2N", "too_long", "parse",
     lambda: advert("V2N", extra=b"\0")),
    # 22: checksum
    ("csum_v3_flip", "22", "V3", "bad_checksum", "parse",
     lambda: advert("V3", csum="flip")),
    ("csum_v3_zero", "22", "UC", "bad_checksum", "parse",
     lambda: advert("UC", csum="zero")),
    ("csum_v3_wrong_dst", "22", "UC", "bad_checksum", "parse",
     # pseudo-header computed for 224.0.0.18, sent unicast (keepalived#642)
     lambda: ipv4(vrrp(vrid=4, adver=10, addrs=("192.0.2.104",),
                       dst=MCAST), dst=NODE)),
    ("csum_v2_pseudo", "22", "V2N", "bad_checksum", "parse",
     lambda: advert("V2N", csum="pseudo")),
    ("csum_v2_flip", "22", "V2P", "bad_checksum", "parse",
     lambda: advert("V2P", csum="flip")),
    # 12: v3 count 0
    ("count0_v3", "12", "V3", "bad_count", "parse",
     lambda: advert("V3", addrs=())),
    # 29: VRID not configured here
    ("unknown_vrid_v3", "29", "-", "unknown_vrid", "demux",
     lambda: advert("V3", vrid=200)),
    ("unknown_vrid_v2", "29", "-", "unknown_vrid", "demux",
     lambda: advert("V2N", vrid=201)),
    # 30: we are the owner (priority 255): discard, even a 255 from a
    # higher address (which would win the tie-break if accepted)
    ("owner_255_higher_addr", "30", "OWN", "owner", "inst",
     lambda: advert("OWN", prio=255)),
    ("owner_254", "30", "OWN", "owner", "inst",
     lambda: advert("OWN", prio=254)),
    # 32: v2 auth type / data
    ("auth_none_on_pass", "32", "V2P", "bad_auth_type", "inst",
     lambda: advert("V2P", auth_type=0, auth=b"")),
    ("auth_ah_on_pass", "32", "V2P", "bad_auth_type", "inst",
     lambda: advert("V2P", auth_type=2)),
    ("auth_pass_on_none", "32", "V2N", "bad_auth_type", "inst",
     lambda: advert("V2N", auth_type=1, auth=b"secret1")),
    ("auth_wrong_pass", "32", "V2P", "bad_auth", "inst",
     lambda: advert("V2P", auth=b"secret2")),
    # 33: v2 Adver Int mismatch
    ("interval_v2_2s", "33", "V2N", "bad_interval", "inst",
     lambda: advert("V2N", adver=2)),
    ("interval_v2_pass_3s", "33", "V2P", "bad_interval", "inst",
     lambda: advert("V2P", adver=3)),
    # 35: v2 address list differs, sender priority != 255
    ("addr_v2_other", "35", "V2N", "address_mismatch", "inst",
     lambda: advert("V2N", addrs=("192.0.2.199",))),
    ("addr_v2_extra", "35", "V2P", "address_mismatch", "inst",
     lambda: advert("V2P", addrs=("192.0.2.102", "192.0.2.198"))),
    # 36: an IPv6-sized address list in an IPv4 packet
    ("family_v3_v6list", "36", "V3", "too_long", "parse",
     lambda: advert("V3", count=1, addr_bytes=V6)),
    ("family_v3_2x_v6list", "36", "V3", "too_long", "parse",
     lambda: advert("V3", count=2, addr_bytes=V6 + V6)),
    ("family_v2_v6list", "36", "V2N", "too_long", "parse",
     lambda: advert("V2N", count=1, addr_bytes=V6)),
    # 37: CARP (ucarp); as VRRPv2: VRID 3, priority 254, auth none, 1 s
    ("carp_vhid3", "37", "V2N", "truncated", "parse",
     lambda: carp(3, 254)),
    ("carp_vhid2", "37", "V2P", "truncated", "parse",
     lambda: carp(2, 254)),
    # 84: unicast mode, source not a configured peer
    ("nonpeer_unicast", "84", "UC", "not_a_peer", "inst",
     lambda: advert("UC", src=STRANGER)),
    ("nonpeer_multicast", "84", "UC", "not_a_peer", "inst",
     lambda: advert("UC", src=STRANGER, dst=MCAST)),
    # Accepted (positive controls: the same injector, the same path, a
    # change of state).  Each makes the MASTER yield.
    ("accept_v3", "53/64", "V3", "accept", "-", lambda: advert("V3")),
    ("accept_v3_rfc9568_csum", "20", "V3", "accept", "-",
     lambda: advert("V3", csum="rfc9568")),
    ("accept_v3_reserve_f", "10", "V3", "accept", "-",
     lambda: advert("V3", reserve=15)),
    ("accept_v3_interval_20cs", "34", "V3", "accept", "-",
     lambda: advert("V3", adver=20)),
    ("accept_v3_addr_mismatch", "35", "V3", "accept", "-",
     lambda: advert("V3", addrs=("192.0.2.197",))),
    ("accept_v3_ip_options", "27", "V3", "accept", "-",
     lambda: advert("V3", options=b"\x94\x04\x00\x00")),
    ("accept_v2_pass", "32", "V2P", "accept", "-", lambda: advert("V2P")),
    ("accept_v2_owner_addr_mismatch", "35", "V2N", "accept", "-",
     lambda: advert("V2N", prio=255, addrs=("192.0.2.196",))),
    ("accept_unicast_peer", "84", "UC", "accept", "-", lambda: advert("UC")),
]
BY_NAME = {c[0]: c for c in CASES}


def mac_of(iface):
    with open("/sys/class/net/%s/address" % iface) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def frame_for(dgram, iface, dst_mac):
    dst = dgram[16:20]
    if dst[0] >= 224 and dst[0] <= 239:
        l2 = bytes([0x01, 0x00, 0x5e, dst[1] & 0x7F, dst[2], dst[3]])
    else:
        if dst_mac is None:
            raise SystemExit("unicast case: --dst-mac needed")
        l2 = bytes.fromhex(dst_mac.replace(":", ""))
    return l2 + mac_of(iface) + b"\x08\x00" + dgram


def open_sock(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    return s


def paced_send(s, frames, count, pps, max_seconds=60.0):
    """Send frames round-robin, count in total, at pps; bounded in time."""
    t0 = time.monotonic()
    sent = 0
    batch = max(1, min(100, int(pps / 200) or 1))
    nf = len(frames)
    while sent < count:
        for _ in range(min(batch, count - sent)):
            try:
                s.send(frames[sent % nf])
            except BlockingIOError:
                pass
            except OSError as e:
                if e.errno not in (105, 11):  # ENOBUFS, EAGAIN
                    raise
            sent += 1
        now = time.monotonic()
        if now - t0 > max_seconds:
            break
        ahead = sent / pps - (now - t0)
        if ahead > 0:
            time.sleep(ahead)
    return sent, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list")
    h = sub.add_parser("hex")
    h.add_argument("case")
    sp = sub.add_parser("send")
    sp.add_argument("--iface", default="eth0")
    sp.add_argument("--dst-mac")
    sp.add_argument("--count", type=int, default=1)
    sp.add_argument("--pps", type=float, default=1000.0)
    sp.add_argument("case")
    fp = sub.add_parser("flood")
    fp.add_argument("--iface", default="eth0")
    fp.add_argument("--vrid", type=int, required=True)
    fp.add_argument("--prio", type=int, required=True)
    fp.add_argument("--version", type=int, default=3)
    fp.add_argument("--adver", type=int, default=10)
    fp.add_argument("--vip", default="192.0.2.100")
    fp.add_argument("--src", default=PEER)
    fp.add_argument("--ttl", type=int, default=255)
    fp.add_argument("--pps", type=float, default=20000.0)
    fp.add_argument("--seconds", type=float, default=2.0)
    a = ap.parse_args()

    if a.cmd == "list":
        for name, item, inst, exp, scope, _ in CASES:
            print(name, item, inst, exp, scope)
        return 0
    if a.cmd == "hex":
        print(BY_NAME[a.case][5]().hex())
        return 0
    if a.cmd == "send":
        if a.case not in BY_NAME:
            raise SystemExit("unknown case %s" % a.case)
        s = open_sock(a.iface)
        f = frame_for(BY_NAME[a.case][5](), a.iface, a.dst_mac)
        n, t = paced_send(s, [f], max(1, min(a.count, 1000000)),
                          max(1.0, a.pps))
        print("sent %d in %.3f s" % (n, t))
        return 0
    if a.cmd == "flood":
        s = open_sock(a.iface)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        dg = ipv4(vrrp(version=a.version, vrid=a.vrid, prio=a.prio,
                       addrs=(a.vip,), adver=a.adver, src=a.src), src=a.src,
                  ttl=a.ttl)
        frames = [frame_for(dg, a.iface, None)]
        seconds = min(max(a.seconds, 0.1), 30.0)
        n, t = paced_send(s, frames, int(a.pps * seconds), a.pps,
                          max_seconds=seconds + 5)
        print("sent %d in %.3f s (%.0f pps)" % (n, t, n / t if t else 0))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
