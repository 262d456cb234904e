#!/usr/bin/env python3
"""Watch one neighbour entry: the MAC the kernel holds for an IPv4 address.

Usage: arpwatch.py IP OUTFILE [MAX_SECONDS] [INTERVAL_MS]

Reads /proc/net/arp every INTERVAL_MS (default 5) and appends a line
"<epoch_ms> <mac>" whenever the entry changes ("-" = no complete entry),
plus one line at start.  Bounded: stops after MAX_SECONDS (default 300) or
on SIGTERM/SIGINT.  Run it inside the client's namespace.
"""
import signal
import sys
import time


def lookup(ip):
    try:
        with open("/proc/net/arp") as f:
            next(f)
            for line in f:
                p = line.split()
                # IP, HW type, Flags, HW address, Mask, Device
                if len(p) >= 4 and p[0] == ip:
                    flags = int(p[2], 16)
                    return p[3] if flags & 0x2 else "-"
    except OSError:
        pass
    return "-"


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    ip, out = sys.argv[1], sys.argv[2]
    max_s = float(sys.argv[3]) if len(sys.argv) > 3 else 300.0
    step = (float(sys.argv[4]) if len(sys.argv) > 4 else 5.0) / 1000.0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    end = time.monotonic() + max_s
    last = None
    with open(out, "a", buffering=1) as f:
        for _ in range(int(max_s / step) + 1):
            if stop or time.monotonic() >= end:
                break
            cur = lookup(ip)
            if cur != last:
                f.write("%d %s\n" % (int(time.time() * 1000), cur))
                last = cur
            time.sleep(step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
