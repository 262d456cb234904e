#!/usr/bin/env python3
"""Client prober for the fipd integration tests and the demo.

Usage: prober.py URL_HOST OUTFILE [MAX_SECONDS] [INTERVAL_MS] [TIMEOUT_MS]

Every INTERVAL_MS (default 10) it opens a new TCP connection to
URL_HOST:80, sends "GET / HTTP/1.0" and reads the answer, with a short
timeout (default 100 ms) for the whole exchange.  One line per attempt:

    <start_ms> <end_ms> <who>

where the times are wall-clock milliseconds (the same clock as
`date +%s%3N` and bash's EPOCHREALTIME, so the shell can compare them
with its own event times), and <who> is the node name found in the
page ("node=n1" -> n1) or "-" when the attempt failed.

It stops after MAX_SECONDS (default 300) or on SIGTERM/SIGINT: the loop is
always bounded.
"""
import re
import signal
import socket
import sys
import time

NODE_RE = re.compile(rb"node=([A-Za-z0-9_-]+)")


def probe(host, timeout):
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, 80), timeout=timeout) as s:
        s.sendall(b"GET / HTTP/1.0\r\nHost: vip\r\nConnection: close\r\n\r\n")
        data = b""
        while len(data) < 65536:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("slow answer")
            s.settimeout(left)
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    m = NODE_RE.search(data)
    if not data.startswith(b"HTTP/") or m is None:
        raise ValueError("unexpected answer")
    return m.group(1).decode()


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    host = sys.argv[1]
    out = sys.argv[2]
    max_s = float(sys.argv[3]) if len(sys.argv) > 3 else 300.0
    interval = (float(sys.argv[4]) if len(sys.argv) > 4 else 10.0) / 1000.0
    timeout = (float(sys.argv[5]) if len(sys.argv) > 5 else 100.0) / 1000.0

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    end = time.monotonic() + max_s
    max_iter = int(max_s / max(interval, 0.001)) + 1
    with open(out, "a", buffering=1) as f:
        for _ in range(max_iter):
            if stop or time.monotonic() >= end:
                break
            t0 = time.time()
            try:
                who = probe(host, timeout)
            except (OSError, ValueError):
                who = "-"
            t1 = time.time()
            f.write("%d %d %s\n" % (int(t0 * 1000), int(t1 * 1000), who))
            time.sleep(interval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
