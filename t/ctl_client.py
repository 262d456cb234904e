#!/usr/bin/env python3
"""Control-socket protocol checks against a running fipd.

usage: ctl_client.py SOCKET basic|idle|many [N]

  basic  valid requests, malformed ones (the connection stays usable),
         pipelined requests, an oversized request (error reply, then the
         connection is closed), a request cut by EOF
  idle   a client that connects and never sends, and one that sends half
         a line, do not delay another client; the server drops both
         after its idle timeout (5 s)
  many   N clients (default 50) connect at once and each gets its reply
         (they keep their connections open: the server closes the ones
         idle after a reply to make room for the others)
  full   32 clients that never send take every slot: another client is
         still served, once the idle timeout frees a slot (5 s)

Every step prints "ok: ..." or "FAIL: ..."; exit 1 if any failed.
"""
import json
import os
import select
import socket
import sys
import time

FAILED = 0
REQ_MAX = 4096


def ok(msg):
    print("ok: " + msg)


def fail(msg):
    global FAILED
    FAILED += 1
    print("FAIL: " + msg)


def connect(path, timeout=5.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def read_line(s, timeout=5.0):
    """One reply line (without LF); None if the peer closed first."""
    s.settimeout(timeout)
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None if not buf else buf.decode("utf-8", "replace")
        buf += chunk
    return buf.partition(b"\n")[0].decode("utf-8")


def read_lines(s, n, timeout=5.0):
    s.settimeout(timeout)
    buf = b""
    deadline = time.monotonic() + timeout
    while buf.count(b"\n") < n and time.monotonic() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return [x.decode("utf-8") for x in buf.split(b"\n")[:-1]]


def closed_by_peer(s, timeout):
    """True if the server closes the connection within timeout."""
    s.settimeout(timeout)
    try:
        while True:
            if not s.recv(4096):
                return True
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def request(path, line, timeout=5.0):
    s = connect(path, timeout)
    s.sendall(line)
    reply = read_line(s, timeout)
    s.close()
    return reply


def as_json(reply, what):
    try:
        v = json.loads(reply)
    except (TypeError, ValueError):
        fail("%s: reply is not JSON: %r" % (what, reply))
        return None
    if not isinstance(v, dict):
        fail("%s: reply is not an object: %r" % (what, reply))
        return None
    return v


def basic(path):
    st = as_json(request(path, b"status\n"), "status")
    if st is not None and isinstance(st.get("instances"), list):
        ok("status: %d instance(s)" % len(st["instances"]))
    else:
        fail("status: no instances list")
    v = as_json(request(path, b"version\n"), "version")
    if v is not None and isinstance(v.get("version"), str):
        ok("version: %s" % v["version"])
    else:
        fail("version: no version")
    v = as_json(request(path, b"ping\r\n"), "ping (CRLF)")
    if v == {"pong": True}:
        ok("ping with CRLF")
    else:
        fail("ping: %r" % v)
    v = as_json(request(path, b"status json\n"), "status json")
    if v is not None and "instances" in v:
        ok("'status json' accepted")

    # Malformed requests: an error reply each, on one connection that
    # stays usable.
    s = connect(path)
    for bad, what in ((b"bogus\n", "unknown command"),
                      (b"\n", "empty"),
                      (b"status now please\n", "arguments"),
                      (b"\x00\x01\xff\xfe garbage\n", "binary"),
                      (b'{"cmd":"status"}\n', "JSON request")):
        s.sendall(bad)
        v = as_json(read_line(s), what)
        if v is not None and isinstance(v.get("error"), str) and v["error"]:
            ok("malformed (%s): error %r" % (what, v["error"]))
        else:
            fail("malformed (%s): no error reply: %r" % (what, v))
    s.sendall(b"ping\n")
    if as_json(read_line(s), "ping after errors") == {"pong": True}:
        ok("connection still usable after malformed requests")
    else:
        fail("connection not usable after malformed requests")
    s.close()

    # Pipelined requests, answered in order.
    s = connect(path)
    s.sendall(b"ping\nversion\nbogus\nping\n")
    lines = read_lines(s, 4)
    s.close()
    kinds = []
    for ln in lines:
        v = json.loads(ln)
        kinds.append("pong" if "pong" in v else "version" if "version" in v
                     else "error" if "error" in v else "?")
    if kinds == ["pong", "version", "error", "pong"]:
        ok("pipelined requests answered in order")
    else:
        fail("pipelined requests: %r" % kinds)

    # The last request may end at EOF instead of LF.
    s = connect(path)
    s.sendall(b"ping")
    s.shutdown(socket.SHUT_WR)
    if as_json(read_line(s), "ping at EOF") == {"pong": True}:
        ok("request ended by EOF answered")
    else:
        fail("request ended by EOF not answered")
    s.close()

    # Oversized: exactly the limit is fine, one byte more is not.
    line = b"ping" + b" " * (REQ_MAX - 5) + b"\n"
    if as_json(request(path, line), "limit") == {"pong": True}:
        ok("a %d-byte request is accepted" % len(line))
    else:
        fail("a %d-byte request was refused" % len(line))
    s = connect(path)
    try:
        s.sendall(b"status" + b"x" * 10000)
    except (BrokenPipeError, ConnectionResetError):
        pass
    v = as_json(read_line(s), "oversize")
    if v is not None and "too long" in v.get("error", ""):
        ok("oversized request: error %r" % v["error"])
    else:
        fail("oversized request: %r" % v)
    if closed_by_peer(s, 3.0):
        ok("oversized request: connection closed")
    else:
        fail("oversized request: connection left open")
    s.close()


def idle(path):
    silent = connect(path)                  # never sends
    half = connect(path)
    half.sendall(b"sta")                    # never finishes its line
    time.sleep(0.3)
    t0 = time.monotonic()
    v = as_json(request(path, b"status\n"), "status beside idle clients")
    dt = time.monotonic() - t0
    if v is not None and "instances" in v and dt < 1.0:
        ok("served in %.0f ms while two clients sit idle" % (dt * 1000))
    else:
        fail("status beside idle clients took %.0f ms: %r" % (dt * 1000, v))
    t0 = time.monotonic()
    c1 = closed_by_peer(silent, 9.0)
    c2 = closed_by_peer(half, 9.0 - (time.monotonic() - t0))
    dt = time.monotonic() - t0 + 0.3
    if c1 and c2 and 3.5 <= dt <= 9.0:
        ok("idle clients dropped after %.1f s (timeout 5 s)" % dt)
    else:
        fail("idle clients: silent closed %s, half closed %s, after %.1f s"
             % (c1, c2, dt))
    silent.close()
    half.close()


def many(path, n):
    socks = []
    t0 = time.monotonic()
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
        except BlockingIOError:
            pass
        socks.append(s)
    pending = {}
    for s in socks:
        pending[s.fileno()] = [s, b"status\n", b""]
    done = 0
    bad = 0
    deadline = time.monotonic() + 20
    while pending and time.monotonic() < deadline:
        rl = [e[0] for e in pending.values() if not e[1]]
        wl = [e[0] for e in pending.values() if e[1]]
        r, w, _ = select.select(rl, wl, [], 0.5)
        for s in w:
            e = pending[s.fileno()]
            try:
                k = s.send(e[1])
                e[1] = e[1][k:]
            except BlockingIOError:
                pass
            except OSError:
                bad += 1
                del pending[s.fileno()]
        for s in r:
            e = pending.get(s.fileno())
            if e is None:
                continue
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            e[2] += chunk
            if b"\n" in e[2] or not chunk:
                try:
                    v = json.loads(e[2].split(b"\n")[0])
                    if "instances" in v:
                        done += 1
                    else:
                        bad += 1
                except ValueError:
                    bad += 1
                del pending[s.fileno()]
    dt = time.monotonic() - t0
    for s in socks:
        s.close()
    # Well below the idle timeout: nobody waited for a slot to time out.
    if done == n and dt < 4.0:
        ok("%d clients at once: all got their status in %.2f s" % (n, dt))
    else:
        fail("%d clients at once: %d answered, %d bad, %d unanswered after "
             "%.1f s" % (n, done, bad, len(pending), dt))


def full(path):
    silent = [connect(path) for _ in range(32)]
    time.sleep(0.3)
    t0 = time.monotonic()
    try:
        v = as_json(request(path, b"ping\n", 12.0), "ping while full")
    except socket.timeout:
        v = None
    dt = time.monotonic() - t0
    if v == {"pong": True} and dt <= 9.0:
        ok("every slot taken by silent clients: served after %.1f s "
           "(idle timeout 5 s)" % dt)
    else:
        fail("every slot taken by silent clients: %r after %.1f s" % (v, dt))
    for s in silent:
        s.close()


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path, what = argv[0], argv[1]
    if what == "basic":
        basic(path)
    elif what == "idle":
        idle(path)
    elif what == "full":
        full(path)
    elif what == "many":
        many(path, int(argv[2]) if len(argv) > 2 else 50)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
