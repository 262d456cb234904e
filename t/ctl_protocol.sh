#!/bin/bash
# Control socket protocol (issue 5) against a running fipd in a network
# namespace:
#  1. the socket is 0600 and owned by root; fipctl status/version/ping work
#     and its exit codes are 0 (done), 2 (usage) and 3 (unreachable);
#     READY=1 and STOPPING=1 reach $NOTIFY_SOCKET (systemd Type=notify);
#  2. valid, malformed, pipelined and oversized requests (t/ctl_client.py);
#  3. a client that connects and never sends (and one that sends half a
#     line) does not delay another; both are dropped after the 5 s timeout;
#  4. 50 clients at once all get their status (at most 32 connections at
#     a time: those idle after a reply make room for the waiting ones);
#     with every slot held by silent clients, a new one waits at most the
#     idle timeout;
#  5. a stale socket file left by a crash is replaced at the next start,
#     a live one is not taken over, a regular file is not removed, and a
#     clean stop removes the socket.
. "$(dirname "$0")/integration/lib.sh"
. "$(dirname "$0")/ctl_lib.sh"

setup_light 150
c1=$(wiki_conf n1)
# systemd's notification socket, played by a datagram listener.
notify_log=$T_DIR/notify.log
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a") as log:
    while True:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        log.write(msg + "\n")
        log.flush()
        if "STOPPING=1" in msg:
            break' "$T_DIR/notify.sock" "$notify_log" &
_track $!
wait_for "[ -S '$T_DIR/notify.sock' ]" 3000 || die "notify listener did not start"
NOTIFY_SOCKET=$T_DIR/notify.sock start_fipd n1 "$c1"
sock=$T_DIR/n1.sock
wait_for "[ -S '$sock' ]" 5000 || die "no control socket at $sock"
wait_for "vip_on n1" 6000 || die "n1 did not take the VIP"
check "sd_notify: READY=1 sent to \$NOTIFY_SOCKET" grep -qx "READY=1" "$notify_log"

# --- 1. permissions, fipctl basics and exit codes.
check "socket mode 0600, owner root" [ "$(stat -c '%a %U' "$sock")" = "600 root" ]
out=$(ctl n1 status); rc=$?
check "fipctl status exits 0" [ "$rc" = 0 ]
check "fipctl status shows VI_1 MASTER" grep -qE '^VI_1 +MASTER +100/100 +50 +eth0 +192\.0\.2\.100/32 +192\.0\.2\.1 ' <<< "$out"
echo "$out" | sed 's/^/    | /'
out=$(ctl n1 version); rc=$?
check "fipctl version exits 0 and names fipd" eval '[ "$rc" = 0 ] && grep -q "^fipd " <<< "$out"'
check "fipctl ping exits 0" eval "ctl n1 ping >/dev/null"
"$FIPCTL" -s "$sock" frobnicate >/dev/null 2>&1; rc=$?
check "unknown command: exit 2 ($rc)" [ "$rc" = 2 ]
"$FIPCTL" -s "$sock" reload --json >/dev/null 2>&1; rc=$?
check "--json with reload: exit 2 ($rc)" [ "$rc" = 2 ]
"$FIPCTL" >/dev/null 2>&1; rc=$?
check "no command: exit 2 ($rc)" [ "$rc" = 2 ]
"$FIPCTL" -s "$T_DIR/nothing.sock" status >/dev/null 2>"$T_DIR/unreach.err"; rc=$?
check "no daemon: exit 3 ($rc)" [ "$rc" = 3 ]
check "no daemon: says it cannot connect" grep -q "cannot connect" "$T_DIR/unreach.err"

# --- 2-4. the protocol.
for step in basic idle "many 50" full; do
	if python3 "$T_CTL_DIR/ctl_client.py" "$sock" $step > "$T_DIR/client-${step%% *}.out" 2>&1; then
		ok "protocol: $step"
	else
		fail "protocol: $step"
	fi
	sed 's/^/    | /' "$T_DIR/client-${step%% *}.out"
done
check "fipd still running after the protocol tests" fipd_alive n1
check "status still answered" eval "ctl n1 ping >/dev/null"

# --- 5. socket file life cycle.
stop_fipd n1
check "sd_notify: STOPPING=1 on a clean stop" grep -qx "STOPPING=1" "$notify_log"
check "a clean stop removes the socket" [ ! -e "$sock" ]
check "fipd exited 0" [ "${FIPD_RC[n1]}" = 0 ]
start_fipd n1 "$c1"
wait_for "[ -S '$sock' ]" 5000 || die "no control socket after the restart"
kill_fipd n1
check "a crash leaves the socket file behind" [ -S "$sock" ]
l1=$(log_lines n1)
start_fipd n1 "$c1"
wait_for "log_since n1 $l1 | grep -q 'control socket .* ready'" 5000
check "restart replaces the stale socket" eval "ctl n1 ping >/dev/null"
check "the restart logged the stale socket" eval "log_since n1 $l1 | grep -q 'removing a stale socket'"

# A second daemon on the same socket path must not steal it.
conf_b=$T_DIR/other.conf
{ conf_global n1; echo; echo "[instance VI_9]"; echo "interface = eth0"
  echo "virtual_router_id = 99"; echo "virtual_ipaddress = 192.0.2.99/32"; } > "$conf_b"
ip netns exec "$(ns n1)" "$FIPD" -n -f "$conf_b" -p "$T_DIR/other.pid" -s "$sock" > "$T_DIR/other.log" 2>&1 &
other=$!
_track "$other"
wait_for "grep -q 'another process is listening' '$T_DIR/other.log'" 5000
check "a second fipd refuses to take a live socket" grep -q 'another process is listening' "$T_DIR/other.log"
_stop_pid "$other" 5000
check "the first fipd still answers" eval "ctl n1 ping >/dev/null"

stop_fipd n1
check "a clean stop removes the socket" [ ! -e "$sock" ]
check "fipd exited 0" [ "${FIPD_RC[n1]}" = 0 ]

# A regular file at the socket path is left alone (and reported).
echo "not a socket" > "$sock"
l1=$(log_lines n1)
start_fipd n1 "$c1"
wait_for "log_since n1 $l1 | grep -q 'not a socket'" 5000
check "a regular file at the path is reported" eval "log_since n1 $l1 | grep -q 'exists and is not a socket'"
check "... and not removed" grep -q "not a socket" "$sock"
check "... and fipd runs on" eval "sleep 0.5; fipd_alive n1"
stop_fipd n1
check "the regular file is still there after the stop" grep -q "not a socket" "$sock"
finish
