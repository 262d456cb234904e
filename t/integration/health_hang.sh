#!/bin/bash
# A hanging HTTP server must not stall adverts (issue 3): n1's check points
# at a server that accepts and never answers.  Every probe times out (0.9 s)
# while n1 stays MASTER (weight -10: 90 > 50), and its adverts keep their
# 1 s rhythm as n2 sees them on the wire.
. "$(dirname "$0")/lib.sh"

setup_all 120
nsx n1 python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8081)); s.listen(64)
conns = []
end = time.time() + 100
while time.time() < end:
    s.settimeout(1)
    try:
        c, _ = s.accept(); conns.append(c)   # accept, never answer
    except socket.timeout:
        pass
' </dev/null >/dev/null 2>&1 &
_track $!
wait_for "nsx n1 ss -ltn | grep -q 127.0.0.1:8081" 5000 || die "hanging server did not start"
c1=$(wiki_conf n1 track_check=slow)
add_check "$c1" slow type=http url=http://127.0.0.1:8081/ interval=1 timeout=0.9 fall=1 rise=1 weight=-10
c2=$(wiki_conf n2)
start_pair "$c1" "$c2" n1 6000
adv_capture_start n2
_now; t0=$T_NOW
sleep 6
adv_capture_stop
check "n1's check timed out" grep -qE "check slow: .*DOWN \(timeout after 0.90 s\)" "$T_DIR/n1.log"
check "VIP still on n1 alone" vip_only_on n1
gaps=$(adv_prios 192.0.2.1 "$t0" | awk 'NR > 1 { g = $1 - p; if (g > m) m = g; n++ } { p = $1 } END { printf "%d %d\n", m, n }')
read -r maxgap n <<< "$gaps"
figure "hanging HTTP server: $n advert intervals seen while every probe timed out; largest gap $maxgap ms (advert_int 1000 ms)"
check "at least 4 adverts seen" [ "${n:-0}" -ge 4 ]
check "no advert gap above 1100 ms" [ "${maxgap:-9999}" -le 1100 ]
check "adverts carry the lowered priority 90" eval 'adv_prios 192.0.2.1 "$t0" | awk "\$2 == 90 { f = 1 } END { exit !f }"'
stop_fipd n1; stop_fipd n2
print_figures
finish
