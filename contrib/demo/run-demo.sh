#!/bin/bash
# fipd demo: the wiki's two-web-server floating IP, played in network
# namespaces on this machine, with narration.
#
#   contrib/demo/run-demo.sh        (as root, from the top of the source tree)
#
# On a fresh Debian 12 it installs what it needs (only what is missing), builds
# fipd if ./fipd is not there, then:
#   act 1  n1 (priority 100) holds the VIP 192.0.2.100, n2 (50) stands by;
#          a client fetches http://192.0.2.100/ every 10 ms
#   act 2  n1's host dies (fipd SIGKILLed, its link cut): n2 takes over after
#          the Master_Down_Interval; the client outage is measured
#   act 3  n1 comes back (rebooted: link up, fipd started): it preempts
#   act 4  n1 is stopped for maintenance (SIGTERM): it hands over at once
# and removes everything it created (namespaces, processes) on exit.
# Nothing is configured in the root namespace; addresses are 192.0.2.0/24.
#
# Environment: FIPD_BUILDDIR (default: the top of this tree), FIPD_DAEMON=keepalived
# (play the same scenario with keepalived, for comparison), FIPD_NO_INSTALL=1.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "run-demo.sh needs root (network namespaces, apt-get): run it from a root shell" >&2
	exit 1
fi

# --- 1. packages (only what is missing).
DEPS="build-essential autoconf automake libtool pkg-config libevent-dev libnl-3-dev
libnl-route-3-dev libinih-dev check nginx-light iproute2 curl python3"
missing=
for p in $DEPS; do
	case $p in
	nginx-light) command -v nginx >/dev/null 2>&1 && continue ;;
	python3) command -v python3 >/dev/null 2>&1 && continue ;;
	esac
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "${FIPD_NO_INSTALL:-0}" = 1 ]; then
		echo "missing packages:$missing (FIPD_NO_INSTALL=1: not installing)" >&2
		exit 1
	fi
	echo "== installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q || exit 1
	# shellcheck disable=SC2086
	apt-get install -y -q $missing || exit 1
fi

# --- 2. build fipd if needed.
export FIPD_BUILDDIR=${FIPD_BUILDDIR:-$TOP}
if [ "${FIPD_DAEMON:-fipd}" = fipd ] && [ ! -x "$FIPD_BUILDDIR/fipd" ]; then
	echo "== building fipd in $FIPD_BUILDDIR"
	(
		cd "$FIPD_BUILDDIR" || exit 1
		if [ ! -f Makefile ]; then
			[ -x "$TOP/configure" ] || (cd "$TOP" && ./autogen.sh) || exit 1
			"$TOP/configure" || exit 1
		fi
		make -j"$(nproc)"
	) > "$FIPD_BUILDDIR/demo-build.log" 2>&1 || {
		tail -n 30 "$FIPD_BUILDDIR/demo-build.log"
		echo "build failed: see $FIPD_BUILDDIR/demo-build.log" >&2
		exit 1
	}
fi

# --- 3. the scenario, with the integration tests' harness.
# shellcheck source=../../t/integration/lib.sh
. "$TOP/t/integration/lib.sh"
FIPD_DEBUG=${FIPD_DEBUG:-0}

banner() { printf '\n=== %s\n' "$*"; }

# One status line: who holds the VIP, what the client got in the last 250 ms.
DEMO_T0=
status_line() {
	local now t seen
	now=$(now_ms)
	t=$((now - DEMO_T0))
	seen=$(awk -v f=$((now - 250)) '$2 >= f { c[$3]++; n++ }
		END {
			if (!n) { print "(no probe yet)"; exit }
			s = ""
			for (k in c) if (k != "-") s = s sprintf("%s%s x%d", s ? ", " : "", k, c[k])
			if (c["-"]) s = s sprintf("%sNO ANSWER x%d", s ? ", " : "", c["-"])
			print s
		}' "$T_PROBE_LOG")
	printf '  %7.2fs   VIP on: %-6s   client got: %s\n' "$(awk -v t="$t" 'BEGIN { printf "%.2f", t / 1000 }')" \
		"$(vip_holders)" "$seen"
}

# narrate MS [COND]: a status line every ~250 ms for MS, or until COND holds
# (then two more lines).  Bounded.
narrate() {
	local ms=$1 cond=${2:-false} i max extra=-1
	max=$((ms / 250 + 1))
	for ((i = 0; i < max; i++)); do
		status_line
		if [ "$extra" -lt 0 ] && eval "$cond"; then extra=2; fi
		if [ "$extra" -ge 0 ]; then
			[ "$extra" = 0 ] && return 0
			extra=$((extra - 1))
		fi
		sleep 0.25
	done
	eval "$cond"
}

outage_report() { # EVENT_MS NEW_NODE WHAT
	local first gap
	first=$(probe_first "$2" "$1")
	if [ -z "$first" ]; then
		echo "  -> the client has not been served by $2 yet"
		return 1
	fi
	read -r gap _ _ <<< "$(probe_gap $(($1 - 1000)) "$first")"
	echo "  -> $3: the client was served by $2 $((first - $1)) ms after the event; longest time without an answer: $gap ms"
}

setup_all 300
DEMO_T0=$T_START_MS
c1=$(wiki_conf n1)
c2=$(wiki_conf n2)

banner "act 1: the wiki setup (VRRPv2, unicast, auth PASS, advert 1 s, VRID 50)"
echo "  n1 = web-srv-1 (192.0.2.1, priority 100, MASTER), n2 = web-srv-2 (192.0.2.2, priority 50, BACKUP)"
echo "  each runs nginx answering 'node=n1' / 'node=n2'; the client (192.0.2.50) polls http://$T_VIP/"
echo "  n1's config ($c1):"
sed -n '/^\[instance/,$p' "$c1" | sed 's/^/      /'
prober_start 280
start_fipd n1 "$c1"
narrate 6000 "vip_on n1" || die "n1 did not take the VIP"
start_fipd n2 "$c2"
narrate 2500

banner "act 2: n1's host dies (fipd SIGKILLed and its network link cut)"
echo "  n2 must wait Master_Down_Interval = 3 x 1 s + (256-50)/256 s = 3.805 s after n1's last advert"
kill_fipd n1
cut_link n1
t_event=$T_CUT_MS
narrate 8000 "vip_on n2 && [ -n \"\$(probe_first n2 $t_event)\" ]" || echo "  !! n2 did not take over"
outage_report "$t_event" n2 "hard failure"
echo "  (n1 still lists the VIP: its host is dead and unreachable, nobody hears it)"
narrate 1500

banner "act 3: n1 comes back (rebooted: its old addresses are gone, link up, fipd started)"
ip -n "$(ns n1)" addr del "$T_VIP/32" dev eth0 2>/dev/null
restore_link n1
_now; t_event=$T_NOW
start_fipd n1 "$c1"
narrate 8000 "vip_only_on n1 && [ -n \"\$(probe_first n1 $t_event)\" ]" || echo "  !! n1 did not take the VIP back"
outage_report "$t_event" n1 "preemption"
narrate 1500

banner "act 4: n1 is stopped for maintenance (SIGTERM): it sends priority 0 and releases the VIP"
echo "  n2 takes over after Skew_Time = (256-50)/256 s = 0.805 s instead of 3.805 s"
_now; t_event=$T_NOW
stop_fipd n1
narrate 5000 "vip_on n2 && [ -n \"\$(probe_first n2 $t_event)\" ]" || echo "  !! n2 did not take over"
outage_report "$t_event" n2 "graceful stop"
narrate 1000

banner "done: cleaning up (namespaces, nginx, daemons)"
prober_stop
stop_fipd n2
exit 0
