#!/bin/bash
# contrib/bench/config_scale.sh -- how long `fipd -t` takes on a large
# configuration (issue 12: parsing must be linear in the number of entries;
# target: 4,000 instances with checks under 0.2 s in a normal build).
#
#   contrib/bench/config_scale.sh [--builddir DIR] [--runs R] [N ...]
#
# For each N (default: 2000 4000) it writes a config with N instances (VRIDs
# 1-250 on 16 interfaces each, one IPv4 VIP from 192.0.2.0/24 or 2001:db8::/32
# in turn, unicast peer, notify script) and N TCP checks, one tracked by each
# instance, and prints the best of R runs (default 3) of `fipd -t`.  fipd
# only reads the file and loads the plugins; where unshare(1) works it runs in
# a private network namespace anyway.
set -eu

builddir=.
runs=3
counts=()
while [ $# -gt 0 ]; do
	case $1 in
	--builddir) builddir=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) counts+=("$1"); shift ;;
	esac
done
[ ${#counts[@]} -gt 0 ] || counts=(2000 4000)
fipd=$builddir/fipd
[ -x "$fipd" ] || { echo "no $fipd (use --builddir)" >&2; exit 1; }
plugdir=
for d in "$builddir"/plugins/*/.libs; do plugdir=${plugdir:+$plugdir:}$(cd "$d" && pwd); done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

gen() { # N FILE
	awk -v n="$1" -v plugdir="$plugdir" -v sock="$tmp/fipd.sock" 'BEGIN {
		printf "[global]\nrouter_id = bench\nplugin_dir = %s\n", plugdir
		printf "control_socket = %s\n\n", sock
		for (i = 0; i < n; i++) {
			printf "[check c%d]\ntype = tcp\nconnect = 127.0.0.1:%d\n", i, 1024 + i
			printf "interval = 2\ntimeout = 1\nrise = 2\nfall = 2\nweight = -10\n\n"
		}
		for (i = 0; i < n; i++) {
			printf "[instance VI_%d]\ninterface = eth%d\n", i, int(i / 250)
			printf "virtual_router_id = %d\npriority = %d\n", i % 250 + 1, 50 + i % 100
			printf "advert_int = 1\npreempt = yes\n"
			printf "virtual_ipaddress = 192.0.2.%d/32\n", i % 250 + 1
			printf "unicast_peer = 192.0.2.254\n"
			printf "track_check = c%d\nnotify_master = /bin/true\n\n", i
		}
	}' > "$2"
}

if unshare -n true 2>/dev/null; then wrap=(unshare -n); else wrap=(); fi
# GNU time gives the CPU time (user + system) too, which a loaded machine
# inflates less than the wall time.
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f "%e %U %S" -o "$tmp/time"); else timer=(); fi
ms() { awk -v s="$1" 'BEGIN { printf "%d", s * 1000 + 0.5 }'; }
for n in "${counts[@]}"; do
	conf=$tmp/fipd-$n.conf
	gen "$n" "$conf"
	best=; bestcpu=
	for ((r = 0; r < runs; r++)); do
		t0=${EPOCHREALTIME/[.,]/}
		"${wrap[@]}" "${timer[@]}" "$fipd" -t -f "$conf" > "$tmp/out" 2>&1 ||
			{ echo "fipd -t refused the $n-instance config:" >&2; head "$tmp/out" >&2; exit 1; }
		t1=${EPOCHREALTIME/[.,]/}
		if [ ${#timer[@]} -gt 0 ]; then
			read -r e u s < "$tmp/time"
			wall=$(ms "$e"); cpu=$(ms "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')")
		else
			wall=$(((t1 - t0) / 1000)); cpu=
		fi
		[ -z "$best" ] || [ "$wall" -lt "$best" ] && best=$wall
		[ -n "$cpu" ] && { [ -z "$bestcpu" ] || [ "$cpu" -lt "$bestcpu" ]; } && bestcpu=$cpu
	done
	printf "fipd -t, %d instances + %d checks (%d lines): %d ms wall%s (best of %d)\n" \
		"$n" "$n" "$(wc -l < "$conf")" "$best" "${bestcpu:+, $bestcpu ms CPU}" "$runs"
done
