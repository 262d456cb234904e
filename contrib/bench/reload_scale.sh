#!/bin/bash
# contrib/bench/reload_scale.sh -- how long a SIGHUP holds fipd's event loop
# with many running instances (issue 12: with 4,000 instances, a reload that
# changes one priority must hold the loop under 50 ms).
#
#   contrib/bench/reload_scale.sh [--builddir DIR] [--runs R] [--checks]
#                                 [--load K] [N]
#
# As root.  In a network namespace of its own (removed on exit) it creates
# 16 veth pairs, starts fipd with N instances (default 4000: VRIDs 1-250 on
# eth0..eth15, advert 1 s, one VIP each from 192.0.2.0/24, multicast, no
# peer: every instance becomes MASTER), waits until all are MASTER, then R
# times (default 5) changes one instance's priority and sends SIGHUP.  The
# --checks adds N TCP checks (to a closed local port: DOWN, weight -10,
# every 10 s), one tracked by each instance.  The
# daemon logs how long each reload took ("reload: ... applied in N ms"):
# the whole of it runs on the loop, so that is how long adverts and timers
# waited.  Prints each figure and the worst.  --load K runs
# `stress-ng --cpu K` (its own process, stopped by PID) during the reloads:
# the figure on a loaded machine.
set -eu

builddir=.
runs=5
n=4000
checks=0
load=0
while [ $# -gt 0 ]; do
	case $1 in
	--checks) checks=1; shift ;;
	--load) load=$2; shift 2 ;;
	--builddir) builddir=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) n=$1; shift ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "reload_scale.sh needs root (network namespace)" >&2; exit 1; }
[ "$n" -ge 1 ] && [ "$n" -le 4000 ] || { echo "N must be 1..4000" >&2; exit 1; }
fipd=$(cd "$builddir" && pwd)/fipd
[ -x "$fipd" ] || { echo "no $fipd (use --builddir)" >&2; exit 1; }
plugdir=
for d in "$builddir"/plugins/*/.libs; do plugdir=${plugdir:+$plugdir:}$(cd "$d" && pwd); done

tmp=$(mktemp -d)
ns=fipdrs$$
pid=
spid=
# Under set -e a failing command would end the trap early: every step of
# the clean-up is allowed to fail, and the namespace always goes.
cleanup() {
	set +e
	[ -n "$spid" ] && kill -TERM "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
	if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
nif=$(( (n + 249) / 250 ))
for ((k = 0; k < nif; k++)); do
	ip -n "$ns" link add "eth$k" type veth peer name "p$k"
	ip -n "$ns" link set "eth$k" up
	ip -n "$ns" link set "p$k" up
	ip -n "$ns" addr add "198.51.100.$((k + 1))/32" dev "eth$k"
done

gen() { # PRIO_OF_VI_7
	awk -v n="$n" -v plugdir="$plugdir" -v sock="$tmp/fipd.sock" -v p7="$1" \
	    -v checks="$checks" 'BEGIN {
		printf "[global]\nrouter_id = bench\nplugin_dir = %s\n", plugdir
		printf "control_socket = %s\n\n", sock
		for (i = 0; checks && i < n; i++) {
			printf "[check c%d]\ntype = tcp\nconnect = 127.0.0.1:9\n", i
			printf "interval = 10\ntimeout = 1\nweight = -10\n\n"
		}
		for (i = 0; i < n; i++) {
			printf "[instance VI_%d]\ninterface = eth%d\n", i, int(i / 250)
			printf "virtual_router_id = %d\npriority = %d\n", i % 250 + 1, i == 7 ? p7 : 100
			printf "advert_int = 1\nvirtual_ipaddress = 192.0.2.%d/32\n", i % 250 + 1
			if (checks)
				printf "track_check = c%d\n", i
			printf "\n"
		}
	}' > "$tmp/fipd.conf"
}
gen 100
ip netns exec "$ns" "$fipd" -n -f "$tmp/fipd.conf" -p "$tmp/fipd.pid" >"$tmp/fipd.log" 2>&1 &
pid=$!
masters() { grep -c -- '-> MASTER (' "$tmp/fipd.log" || true; }
for _ in $(seq 600); do
	[ "$(masters)" -ge "$n" ] && break
	kill -0 "$pid" 2>/dev/null || { echo "fipd died:" >&2; tail "$tmp/fipd.log" >&2; exit 1; }
	sleep 0.1
done
[ "$(masters)" -ge "$n" ] || { echo "only $(masters) of $n instances MASTER after 60 s" >&2; exit 1; }
echo "fipd: $n instances MASTER on $nif interfaces"
if [ "$load" -gt 0 ]; then
	command -v stress-ng >/dev/null || { echo "--load needs stress-ng" >&2; exit 1; }
	stress-ng --cpu "$load" --timeout $((runs * 10 + 30)) >/dev/null 2>&1 &
	spid=$!
	sleep 2
	echo "load: stress-ng --cpu $load (pid $spid) on $(nproc) cores"
fi
worst=0
for ((r = 1; r <= runs; r++)); do
	gen $((100 + r))
	before=$(grep -c 'reload: .* applied' "$tmp/fipd.log" || true)
	kill -HUP "$pid"
	for _ in $(seq 300); do
		[ "$(grep -c 'reload: .* applied' "$tmp/fipd.log" || true)" -gt "$before" ] && break
		sleep 0.1
	done
	line=$(grep 'reload: .* applied' "$tmp/fipd.log" | tail -n 1)
	ms=$(echo "$line" | sed -n 's/.* applied in \([0-9]*\) ms.*/\1/p')
	[ -n "$ms" ] || { echo "no reload figure: $line" >&2; exit 1; }
	echo "reload $r (VI_7 priority -> $((100 + r))): the loop was held $ms ms; ${line#*applied in * ms }"
	[ "$ms" -gt "$worst" ] && worst=$ms
done
echo "reload_scale: $n instances$([ "$checks" = 1 ] && echo " and $n checks"), $runs reloads changing one priority$([ "$load" -gt 0 ] && echo " under stress-ng --cpu $load"): worst $worst ms on the loop"
