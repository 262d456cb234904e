#!/bin/sh
# Tests of the check plugins (check_http, check_tcp, check_script) run
# through t/check_driver (a fake host with a core-like timeout) against
# small python3 servers listening on 127.0.0.1 (and ::1 when available).
#
# Files are looked up relative to the current directory (make check runs
# tests from the top build directory); CHECK_DRIVER, CHECK_HTTP_SO,
# CHECK_TCP_SO and CHECK_SCRIPT_SO override them.  Needs python3 (skips
# otherwise); the script_user part needs root and is skipped without.

set -u

skip() { echo "SKIP: $*"; exit 77; }

command -v python3 >/dev/null 2>&1 || skip "needs python3"
command -v timeout >/dev/null 2>&1 || skip "needs timeout (coreutils)"

DRIVER=${CHECK_DRIVER:-./t/check_driver}
HTTP_SO=${CHECK_HTTP_SO:-./plugins/check_http/.libs/check_http.so}
TCP_SO=${CHECK_TCP_SO:-./plugins/check_tcp/.libs/check_tcp.so}
SCRIPT_SO=${CHECK_SCRIPT_SO:-./plugins/check_script/.libs/check_script.so}
for f in "$DRIVER" "$HTTP_SO" "$TCP_SO" "$SCRIPT_SO"; do
	if [ ! -f "$f" ]; then
		echo "ERROR: $f not found (run from the top build directory)"
		exit 99
	fi
done
# dlopen() needs a path with a slash to avoid the library search path.
for v in HTTP_SO TCP_SO SCRIPT_SO; do
	eval "p=\$$v"
	case $p in /*|./*|../*) ;; *) eval "$v=./\$p" ;; esac
done

. "$(dirname "$0")/lib-unit.sh"
unit_init pc

# drv NAME ARGS...: run the driver, output in $TMP/NAME.out and .err.
drv() {
	name=$1
	shift
	timeout 20 "$DRIVER" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	DRVRC=$?
}

show() {
	sed 's/^/  | /' "$TMP/$1.out" "$TMP/$1.err"
}

# has NAME ERE: a line of NAME's output matches.
has() {
	grep -Eq -- "$2" "$TMP/$1.out"
}

# expect NAME ERE WHAT: the driver exited 0 (or 3 for config errors, see
# expect_conf) and a line of its output matches ERE.
expect() {
	if [ "$DRVRC" -ne 0 ]; then
		fail "$3: driver exited with $DRVRC"
		show "$1"
		return 1
	fi
	if ! has "$1" "$2"; then
		fail "$3: no line matching '$2'"
		show "$1"
		return 1
	fi
	ok "$3"
}

# expect_conf NAME ERE WHAT: a configuration refusal.
expect_conf() {
	if [ "$DRVRC" -ne 3 ] || ! has "$1" "$2"; then
		fail "$3: want exit 3 and '$2', got exit $DRVRC"
		show "$1"
		return 1
	fi
	ok "$3"
}

# ms NAME ERE: the ms= (or mark_ms=) value of the first matching line.
ms() {
	grep -E -- "$2" "$TMP/$1.out" | head -n 1 |
	    sed -n 's/.*ms=\([0-9.]*\).*/\1/p'
}

# lt A B: A < B for decimal numbers.
lt() {
	[ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'
}

# alive PID: the process exists and is not a zombie (orphans are
# reaped by whatever init runs, maybe late).
alive() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# heartbeat_ok NAME WHAT: the driver's loop never stalled 50 ms.
heartbeat_ok() {
	g=$(ms "$1" '^HEARTBEAT')
	if lt "$g" 50; then
		ok "$2: event loop stayed responsive (max gap $g ms)"
	else
		fail "$2: event loop stalled (max gap ${g:-?} ms)"
		show "$1"
	fi
}

# --------------------------------------------------------- test servers
cat >"$TMP/srv.py" <<'EOF'
# Test HTTP server: behaviour by path.  Writes "PORT4 PORT6" to argv[1]
# when listening (PORT6 0 without IPv6) and one line per accepted
# connection to argv[2].
import os, socket, struct, sys, threading, time

portfile, acceptlog = sys.argv[1], sys.argv[2]
lock = threading.Lock()

def resp(code, body, method, extra=b"", reason=b"X"):
    h = b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n" % (code, reason, len(body))
    return h + extra + b"\r\n" + (b"" if method == "HEAD" else body)

def handle(c):
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(65536)
                if not d:
                    return
                buf += d
            req, buf = buf.split(b"\r\n\r\n", 1)
            method, path, _ = req.split(b"\r\n")[0].decode().split(" ")
            idle = None
            if path == "/ok":
                out = resp(200, b"status: healthy\n", method, reason=b"OK")
            elif path == "/502":
                out = resp(502, b"bad gateway\n", method)
            elif path == "/204":
                out = b"HTTP/1.1 204 No Content\r\n\r\n"
            elif path == "/chunked":
                out = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                       b"\r\n3\r\nsta\r\n8;x=y\r\ntus: hea\r\n4\r\nlthy\r\n"
                       b"0\r\n\r\n")
            elif path == "/close":
                c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"
                          b"status: healthy\n")
                return
            elif path == "/hang":
                time.sleep(60)
                return
            elif path == "/reset":
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
                return
            elif path == "/garbage":
                out = b"HTTP/1.1 2x0 OK\r\n\r\n"
            elif path == "/bighdr":
                out = (b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 20000 +
                       b"\r\nContent-Length: 0\r\n\r\n")
            elif path == "/bigbody-late":
                out = resp(200, b"x" * 100000 + b"MARKER" + b"x" * 100000,
                           method)
            elif path == "/bigbody-early":
                out = resp(200, b"MARKER" + b"x" * 200000, method)
            elif path == "/abrupt":
                c.sendall(resp(200, b"ok\n", method))
                return
            elif path == "/ka-close":
                out = resp(200, b"ok\n", method)
                idle = 0.3
            else:
                out = resp(404, b"not found\n", method)
            c.sendall(out)
            if idle is not None:
                c.settimeout(idle)
    except Exception:
        pass
    finally:
        c.close()

def serve(ls):
    while True:
        c, _ = ls.accept()
        with lock:
            with open(acceptlog, "a") as f:
                f.write("accept\n")
        threading.Thread(target=handle, args=(c,), daemon=True).start()

ls4 = socket.socket(socket.AF_INET)
ls4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls4.bind(("127.0.0.1", 0))
ls4.listen(64)
port6 = 0
try:
    ls6 = socket.socket(socket.AF_INET6)
    ls6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    ls6.bind(("::1", 0))
    ls6.listen(64)
    port6 = ls6.getsockname()[1]
    threading.Thread(target=serve, args=(ls6,), daemon=True).start()
except OSError:
    pass
with open(portfile + ".tmp", "w") as f:
    f.write("%d %d\n" % (ls4.getsockname()[1], port6))
os.rename(portfile + ".tmp", portfile)
serve(ls4)
EOF

cat >"$TMP/backlog.py" <<'EOF'
# A listener whose accept queue is full: connects to it hang in SYN-SENT.
import os, socket, sys, time
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(0)
port = ls.getsockname()[1]
fill = []
for i in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(0.2)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % port)
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)
EOF

# start_srv NAME: start a server; its ports in PORT/PORT6, pid in SRVPID.
start_srv() {
	python3 "$TMP/srv.py" "$TMP/$1.port" "$TMP/$1.accepts" \
	    2>"$TMP/$1.srverr" &
	SRVPID=$!
	BGPIDS="$BGPIDS $SRVPID"
	if ! wait_until 50 test -s "$TMP/$1.port"; then
		echo "ERROR: test server $1 did not start"
		cat "$TMP/$1.srverr"
		exit 99
	fi
	read -r PORT PORT6 <"$TMP/$1.port"
}

start_srv main
MAIN=$PORT
MAIN6=$PORT6
# A port with no listener: bound and closed at once.
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$TMP/backlog.py" "$TMP/backlog.port" 2>/dev/null &
BGPIDS="$BGPIDS $!"
wait_until 50 test -s "$TMP/backlog.port" || exit 99
FULL=$(cat "$TMP/backlog.port")
echo "# server on $MAIN (IPv6: $MAIN6), dead port $DEAD, full backlog $FULL"
U=http://127.0.0.1:$MAIN

# ----------------------------------------------------------- check_http
drv h_ok "$HTTP_SO" url=$U/ok expect_body=healthy
expect h_ok '^RESULT up status 200 ' "http: 200 with expected body is UP"

drv h_head "$HTTP_SO" url=$U/ok method=HEAD
expect h_head '^RESULT up status 200 ' "http: HEAD"

drv h_502 "$HTTP_SO" url=$U/502
expect h_502 '^RESULT down status 502 ' "http: 502 is DOWN, reason 'status 502'"
drv h_502r "$HTTP_SO" url=$U/502 expect_status=500-599
expect h_502r '^RESULT up status 502 ' "http: expect_status range"
drv h_list "$HTTP_SO" url=$U/204 expect_status=200,204
expect h_list '^RESULT up status 204 ' "http: expect_status list"
drv h_rep "$HTTP_SO" url=$U/502 expect_status=200 expect_status=502
expect h_rep '^RESULT up status 502 ' "http: repeated expect_status adds up"
drv h_404 "$HTTP_SO" url=$U/nope
expect h_404 '^RESULT down status 404 ' "http: default expect_status is 200"

drv h_chunk "$HTTP_SO" url=$U/chunked "expect_body=status: healthy"
expect h_chunk '^RESULT up status 200 ' "http: chunked body reassembled and matched"
drv h_mis "$HTTP_SO" url=$U/chunked expect_body=sick
expect h_mis '^RESULT down body mismatch ' "http: body mismatch"
drv h_close "$HTTP_SO" url=$U/close expect_body=healthy
expect h_close '^RESULT up status 200 ' "http: body delimited by close"
drv h_late "$HTTP_SO" url=$U/bigbody-late expect_body=MARKER
expect h_late '^RESULT down body mismatch ' "http: only the first 64 KiB of the body count"
drv h_early "$HTTP_SO" url=$U/bigbody-early expect_body=MARKER
expect h_early '^RESULT up status 200 ' "http: large body, marker early"

drv h_garb "$HTTP_SO" url=$U/garbage
expect h_garb '^RESULT down bad response' "http: malformed status line"
drv h_bighdr "$HTTP_SO" url=$U/bighdr
expect h_bighdr '^RESULT down bad response' "http: header over 16 KiB"
drv h_reset "$HTTP_SO" url=$U/reset
expect h_reset '^RESULT down connection reset ' "http: connection reset"

drv h_ref "$HTTP_SO" url=http://127.0.0.1:$DEAD/ -- probe probe probe
if expect h_ref '^RESULT down connection refused ' "http: refused is DOWN"; then
	worst=$(grep '^RESULT' "$TMP/h_ref.out" |
	    sed 's/.*ms=\([0-9.]*\).*/\1/' | sort -n | tail -n 1)
	if lt "$worst" 50; then
		ok "http: refused reported in $worst ms (< 50 ms)"
	else
		fail "http: refused took $worst ms"
	fi
fi

drv h_hang -t 0.5 "$HTTP_SO" url=$U/hang
if expect h_hang '^RESULT down timeout ' "http: hanging server cancelled at the timeout"; then
	heartbeat_ok h_hang "http: hanging server"
fi

drv h_cto -t 2 "$HTTP_SO" url=http://127.0.0.1:$FULL/ connect_timeout=0.3
if expect h_cto '^RESULT down connect timeout ' "http: connect_timeout"; then
	t=$(ms h_cto '^RESULT')
	if lt 290 "$t" && lt "$t" 600; then
		ok "http: connect timeout after $t ms (0.3 s)"
	else
		fail "http: connect timeout after $t ms, want about 300"
	fi
fi

# Keep-alive: three probes, one connection.
: >"$TMP/main.accepts"
drv h_ka "$HTTP_SO" url=$U/ok -- probes 3 0.1
if expect h_ka '^RESULT up' "http: probes on a kept-alive connection"; then
	n=$(grep -c '^RESULT up' "$TMP/h_ka.out")
	a=$(grep -c accept "$TMP/main.accepts")
	if [ "$n" = 3 ] && [ "$a" = 1 ]; then
		ok "http: 3 probes reused 1 connection"
	else
		fail "http: $n probes UP over $a connections (want 3 over 1)"
	fi
fi

# Keep-alive: the server dies between probes -> recheck at once.
start_srv ka
KAPID=$SRVPID
drv h_kill "$HTTP_SO" url=http://127.0.0.1:$PORT/ok -- \
    probe sleep 0.1 sh "kill $KAPID" waitrecheck 2
t=$(ms h_kill '^RECHECK connection closed by server')
if [ -z "$t" ]; then
	fail "http: no recheck after the server died"
	show h_kill
elif lt "$t" 100; then
	ok "http: server death noticed between probes in $t ms (< 100 ms)"
else
	fail "http: recheck after $t ms"
fi
# The kernel tears the killed server's sockets down one by one: the
# re-probe may still reach the dying listener and be reset.  Both are DOWN.
if grep -A1 '^RECHECK' "$TMP/h_kill.out" |
    grep -qE '^RESULT down connection (refused|reset) '; then
	ok "http: the re-probe says DOWN (connection refused or reset)"
else
	fail "http: re-probe after the recheck is not DOWN with 'connection refused' or 'connection reset'"
	show h_kill
fi

# Keep-alive: a normal idle close by the server rechecks once, and the
# re-probe succeeds on a new connection.
drv h_idle "$HTTP_SO" url=$U/ka-close -- probe waitrecheck 2
if expect h_idle '^RECHECK connection closed by server' "http: idle close asks for a recheck"; then
	if [ "$(grep -c '^RECHECK' "$TMP/h_idle.out")" = 1 ] &&
	    [ "$(grep -c '^RESULT up' "$TMP/h_idle.out")" = 2 ]; then
		ok "http: one recheck per closure, re-probe UP"
	else
		fail "http: idle close: want 1 recheck and 2 UP results"
		show h_idle
	fi
fi

# A server that closes every connection right after the response (without
# Connection: close) must not make rechecks spin.
drv h_abrupt "$HTTP_SO" url=$U/abrupt -- probe sleep 1
n=$(grep -c '^RECHECK' "$TMP/h_abrupt.out")
r=$(grep -c '^RESULT up' "$TMP/h_abrupt.out")
if [ "$DRVRC" = 0 ] && [ "$n" -le 3 ] && [ "$r" -le 4 ] &&
    grep -q 'keep-alive (and recheck on close) turned off' "$TMP/h_abrupt.err"; then
	ok "http: immediate closes: $n rechecks, then keep-alive off"
else
	fail "http: immediate closes: $n rechecks, $r probes"
	show h_abrupt
fi

if [ "$MAIN6" != 0 ]; then
	drv h_v6 "$HTTP_SO" "url=http://[::1]:$MAIN6/ok"
	expect h_v6 '^RESULT up status 200 ' "http: [IPv6] literal"
else
	echo "# no IPv6 loopback: IPv6 checks skipped"
fi
if getent ahosts localhost 2>/dev/null | head -n 1 | grep -q '^127\.0\.0\.1 '; then
	drv h_name "$HTTP_SO" url=http://localhost:$MAIN/ok
	expect h_name '^RESULT up status 200 ' "http: host name resolved when probing"
fi

# Configuration errors.
drv hc1 "$HTTP_SO" method=GET
expect_conf hc1 '^CONFCHECK error: url is required' "http conf: url required"
drv hc2 "$HTTP_SO" url=https://127.0.0.1/
expect_conf hc2 '^CONFKEY url error: .*https is not supported' "http conf: https refused"
drv hc3 "$HTTP_SO" url=$U/ bogus=1
expect_conf hc3 '^CONFKEY bogus unknown' "http conf: unknown key"
drv hc4 "$HTTP_SO" url=$U/ method=POST
expect_conf hc4 '^CONFKEY method error' "http conf: bad method"
drv hc5 "$HTTP_SO" url=$U/ expect_status=2xx
expect_conf hc5 '^CONFKEY expect_status error' "http conf: bad expect_status"
drv hc6 "$HTTP_SO" url=$U/ connect_timeout=0.001
expect_conf hc6 '^CONFKEY connect_timeout error' "http conf: bad connect_timeout"
drv hc7 "$HTTP_SO" "url=http://bad host/"
expect_conf hc7 '^CONFKEY url error' "http conf: a host that is neither an address nor a name"
# A name that does not resolve is accepted (names resolve when probing,
# in the background) and the probe is DOWN with the resolver's reason.
# Run in a private network namespace with only lo, so that the lookup
# cannot send a DNS query anywhere.
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 &&
    ip netns add "fipd-pc$$" 2>/dev/null; then
	NETNS=fipd-pc$$
	UNIT_NETNS=$NETNS
	ip -n "$NETNS" link set lo up
	for so in "$HTTP_SO:url=http://no-such-host.invalid/" "$TCP_SO:connect=no-such-host.invalid:80"; do
		name=unres_$(basename "${so%%:*}" .so)
		timeout 20 ip netns exec "$NETNS" "$DRIVER" "${so%%:*}" "${so#*:}" \
			>"$TMP/$name.out" 2>"$TMP/$name.err"
		DRVRC=$?
		expect "$name" '^RESULT down cannot resolve no-such-host\.invalid' "$(basename "${so%%:*}" .so): unresolvable name is DOWN when probing"
	done
	ip netns del "$NETNS"
	UNIT_NETNS=
else
	echo "# not root: the unresolvable-name probes are not run"
fi
drv hc8 "$HTTP_SO" url=$U/ method=HEAD expect_body=x
expect_conf hc8 '^CONFCHECK error: expect_body needs method GET' "http conf: expect_body with HEAD"
drv hc9 "$HTTP_SO" url=$U/ url=$U/
expect_conf hc9 "^CONFKEY url error: duplicate key 'url' \\(first at line 1\\)" "http conf: url twice"
drv hc10 "$HTTP_SO" "url=http://[::1/"
expect_conf hc10 '^CONFKEY url error: url: unterminated' "http conf: bad IPv6 literal"

# ------------------------------------------------------------ check_tcp
drv t_ok "$TCP_SO" connect=127.0.0.1:$MAIN
expect t_ok '^RESULT up connected ' "tcp: connect is UP"
drv t_ref "$TCP_SO" connect=127.0.0.1:$DEAD
if expect t_ref '^RESULT down connection refused ' "tcp: refused is DOWN"; then
	t=$(ms t_ref '^RESULT')
	if lt "$t" 50; then
		ok "tcp: refused reported in $t ms (< 50 ms)"
	else
		fail "tcp: refused took $t ms"
	fi
fi
drv t_hang -t 0.3 "$TCP_SO" connect=127.0.0.1:$FULL
if expect t_hang '^RESULT down timeout ' "tcp: hanging connect cancelled at the timeout"; then
	heartbeat_ok t_hang "tcp: hanging connect"
fi
if [ "$MAIN6" != 0 ]; then
	drv t_v6 "$TCP_SO" "connect=[::1]:$MAIN6"
	expect t_v6 '^RESULT up connected ' "tcp: [IPv6] literal"
fi
drv t_name "$TCP_SO" connect=localhost:$MAIN
expect t_name '^RESULT up connected ' "tcp: host name"
drv tc1 "$TCP_SO"
expect_conf tc1 '^CONFCHECK error: connect is required' "tcp conf: connect required"
drv tc2 "$TCP_SO" connect=127.0.0.1
expect_conf tc2 '^CONFKEY connect error' "tcp conf: port required"
drv tc3 "$TCP_SO" connect=::1:80
expect_conf tc3 '^CONFKEY connect error: .*brackets' "tcp conf: bare IPv6 refused"
drv tc4 "$TCP_SO" connect=127.0.0.1:1 url=http://x/
expect_conf tc4 '^CONFKEY url unknown' "tcp conf: unknown key"

# --------------------------------------------------------- check_script
# Scripts run as nobody when we are root: let them reach their files.
mkdir "$TMP/bin" "$TMP/out"
chmod 755 "$TMP" "$TMP/bin"
chmod 777 "$TMP/out"
OUT=$TMP/out

drv s_true "$SCRIPT_SO" command=/bin/true
expect s_true '^RESULT up exit 0 ' "script: exit 0 is UP"
drv s_exit "$SCRIPT_SO" "command=/bin/sh -c 'exit 3'"
expect s_exit '^RESULT down exit 3 ' "script: exit 3 is DOWN, reason 'exit 3'"
drv s_sig "$SCRIPT_SO" 'command=/bin/sh -c "kill -TERM \$\$"'
expect s_sig '^RESULT down killed by signal 15 ' "script: killed by a signal"

# Killed at the timeout, with a grandchild in its process group.
drv s_to -t 0.3 "$SCRIPT_SO" \
    "command=/bin/sh -c 'echo \$\$ > $OUT/pg; /bin/sleep 30 & echo \$! > $OUT/gc; /bin/sleep 30'" \
    -- probe sleep 0.1
if expect s_to '^RESULT down timeout ' "script: cancelled at the timeout"; then
	pg=$(cat "$OUT/pg" 2>/dev/null)
	if [ -z "$pg" ]; then
		fail "script: no process group id written"
	elif kill -0 -- "-$pg" 2>/dev/null; then
		fail "script: process group $pg still alive after cancel"
		kill -9 -- "-$pg" 2>/dev/null
	elif alive "$(cat "$OUT/gc")"; then
		fail "script: the script's background child survived"
		kill -9 "$(cat "$OUT/gc")" 2>/dev/null
	else
		ok "script: whole process group $pg killed"
	fi
	if has s_to '^CHILDREN none'; then
		ok "script: cancelled child reaped asynchronously"
	else
		fail "script: children left unreaped"
		show s_to
	fi
	heartbeat_ok s_to "script: timeout"
fi

# Child hygiene: descriptors and stdin (seen from a shell, whose own
# fd 10 is a copy of its stdin), then signals and process group (seen by
# cp in its own /proc/self: a shell's mask changes while it waits).
drv s_hyg -X -S "$SCRIPT_SO" \
    "command=/bin/sh -c 'ls -l /proc/\$\$/fd > $OUT/fds; true'"
if expect s_hyg '^RESULT up exit 0 ' "script: descriptor probe ran"; then
	# The shell's own redirection to the listing may show up.
	if grep -- '->' "$OUT/fds" | grep -v -- "-> $OUT/fds\$" |
	    grep -qv -- '-> /dev/null$'; then
		fail "script: descriptors leaked into the child"
		sed 's/^/  | /' "$OUT/fds"
	elif ! grep -q ' 0 -> /dev/null$' "$OUT/fds"; then
		fail "script: stdin is not /dev/null"
		sed 's/^/  | /' "$OUT/fds"
	else
		ok "script: only /dev/null descriptors in the child"
	fi
fi
CP=$(command -v cp)
drv s_sigs -X -S "$SCRIPT_SO" \
    "command=$CP /proc/self/status /proc/self/stat $OUT/"
if expect s_sigs '^RESULT up exit 0 ' "script: signal probe ran"; then
	# glibc refuses to touch its reserved signals 32 and 33: whatever
	# our parent gave them is left as it was.
	if python3 -c '
import sys
m = dict(l.split(":", 1) for l in open(sys.argv[1]).read().split("\n")
         if l.startswith(("SigBlk:", "SigIgn:")))
sys.exit(any(int(v, 16) & ~(3 << 31) for v in m.values()) or len(m) != 2)
' "$OUT/status"; then
		ok "script: signal mask and ignored signals reset"
	else
		fail "script: signals inherited"
		grep '^Sig' "$OUT/status" | sed 's/^/  | /'
	fi
	# stat: pid (comm) state ppid pgrp
	if awk '{ exit !($1 == $5) }' "$OUT/stat"; then
		ok "script: runs in its own process group"
	else
		fail "script: not a process group leader: $(cat "$OUT/stat")"
	fi
fi

# Configuration errors.
printf '#!/bin/sh\nexit 0\n' >"$TMP/bin/ok.sh"
chmod 755 "$TMP/bin/ok.sh"
cp "$TMP/bin/ok.sh" "$TMP/bin/ww.sh"
chmod 777 "$TMP/bin/ww.sh"
cp "$TMP/bin/ok.sh" "$TMP/out/indir.sh"
cp "$TMP/bin/ok.sh" "$TMP/bin/noexec.sh"
chmod 644 "$TMP/bin/noexec.sh"
drv s_file "$SCRIPT_SO" "command=$TMP/bin/ok.sh"
expect s_file '^RESULT up exit 0 ' "script: a script file"
drv sc1 "$SCRIPT_SO"
expect_conf sc1 '^CONFCHECK error: command is required' "script conf: command required"
drv sc2 "$SCRIPT_SO" "command=bin/true"
expect_conf sc2 'not an absolute path' "script conf: relative path"
drv sc3 "$SCRIPT_SO" "command=/nonexistent/check"
expect_conf sc3 '^CONFCHECK error: command /nonexistent/check: No such file' "script conf: missing file"
drv sc4 "$SCRIPT_SO" "command=$TMP/bin/noexec.sh"
expect_conf sc4 'noexec.sh: not executable' "script conf: not executable"
drv sc5 "$SCRIPT_SO" "command=$TMP/bin/ww.sh"
expect_conf sc5 'ww.sh: writable by everyone' "script conf: world-writable file"
drv sc6 "$SCRIPT_SO" "command=$TMP/out/indir.sh"
expect_conf sc6 "directory $TMP/out is writable by everyone" "script conf: world-writable directory"
drv sc7 "$SCRIPT_SO" "command=/bin/sh -c 'exit 3"
expect_conf sc7 '^CONFKEY command error: .*unterminated single quote' "script conf: unterminated quote"
drv sc8 "$SCRIPT_SO" command=/bin/true interval=1
expect_conf sc8 '^CONFKEY interval unknown' "script conf: unknown key"
drv sc9 -g script_user=no-such-user-fipd "$SCRIPT_SO" command=/bin/true
expect_conf sc9 'script_user no-such-user-fipd' "script conf: unknown script_user"

# script_user (root only).
if [ "$(id -u)" = 0 ]; then
	NOBODY=$(id -u nobody 2>/dev/null)
	drv s_user "$SCRIPT_SO" \
	    "command=/bin/sh -c 'id -u > $OUT/uid; id -G > $OUT/gids'"
	if expect s_user '^RESULT up exit 0 ' "script: ran as the default script_user"; then
		if [ "$(cat "$OUT/uid")" = "$NOBODY" ] &&
		    [ "$(cat "$OUT/gids")" = "$(id -g nobody)" ]; then
			ok "script: runs as nobody ($NOBODY), no extra groups"
		else
			fail "script: ran as uid $(cat "$OUT/uid") groups $(cat "$OUT/gids")"
		fi
	fi
	drv s_root -g script_user=root "$SCRIPT_SO" \
	    "command=/bin/sh -c 'id -u > $OUT/uid'"
	if expect s_root '^RESULT up exit 0 ' "script: script_user = root" &&
	    [ "$(cat "$OUT/uid")" != 0 ]; then
		fail "script: script_user root ran as $(cat "$OUT/uid")"
	fi
	mkdir "$TMP/private"
	chmod 700 "$TMP/private"
	cp "$TMP/bin/ok.sh" "$TMP/private/ok.sh"
	drv sc10 "$SCRIPT_SO" "command=$TMP/private/ok.sh"
	expect_conf sc10 "directory $TMP/private is not searchable by nobody" "script conf: unreachable for nobody"
else
	echo "# not root: script_user checks skipped"
fi

unit_finish
