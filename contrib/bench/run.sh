#!/bin/bash
# contrib/bench/run.sh -- fipd side by side with keepalived, same namespace
# topology, same run: client-visible outage, its decomposition, and cost.
#
# Run as root from a build tree (or give --builddir):
#
#   contrib/bench/run.sh [options]
#
#   --daemons LIST     fipd,keepalived (default both, interleaved run by run)
#   --runs N           runs per scenario (default 5)
#   --profiles LIST    wiki,fast100,fast10 (default all three)
#                        wiki     VRRPv2, unicast, PASS auth, advert 1 s
#                        fast100  VRRPv3, unicast, advert 0.1 s
#                        fast10   VRRPv3, unicast, advert 0.01 s
#   --scenarios LIST   hard,graceful,health0,health60 (default all); each one
#                      also measures the way back:
#                        hard     MASTER's switch port cut; then "heal": port back
#                        graceful SIGTERM to the MASTER; then "return": the
#                                 MASTER's daemon starts again and preempts
#                        health0  nginx stopped on the MASTER, HTTP check with
#                                 weight 0 (FAULT); then "failback": nginx back
#                        health60 the same with weight -60 (priority 100 -> 40)
#   --no-outage        skip the outage part
#   --cost-n LIST      instance counts for the cost part (default 1,50)
#   --cost-adv LIST    advert intervals for the cost part (default 1,0.01)
#   --cost-secs S      measuring window per cost point (default 20)
#   --no-cost          skip the cost part
#   --perf S           after each cost window, `perf record -g` both daemons
#                      for S seconds (DIR/raw/perf-*.txt: where the CPU goes)
#   --full             --cost-n 1,50,200 --cost-secs 60 (about 25 minutes more)
#   --quick            1 run, profiles wiki,fast100, cost 1,50 for 10 s (a try)
#   --out DIR          results (default ./bench-YYYYmmdd-HHMMSS)
#   --builddir DIR     where ./fipd and plugins/*/.libs are (default: $PWD)
#   --wait-quiet S     before each part, wait up to S seconds (checking every
#                      20 s) for a 1-minute load average below 0.8
#   --max-seconds S    watchdog for the whole run (default 14400)
#
# Writes DIR/outage.csv, DIR/cost.csv, DIR/summary.txt (the tables printed at
# the end), DIR/command.txt (the command line), DIR/machine.txt, the plot
# DIR/failover.png (gnuplot; contrib/bench/plot.gp) and DIR/raw/ (prober logs,
# wire capture, daemon logs).  Namespaces, PIDs and temporary files are
# removed by the harness's EXIT trap.  Only documentation addresses are used
# (192.0.2.0/24 on the links; VIPs 192.0.2.100, 198.51.100.0/24, 203.0.113.0/24).
#
# Exit status: 0 done, 77 cannot run here (not root, tool missing), else error.

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$BENCH_DIR/../.." && pwd)
BENCH_CMD="$(printf '%q ' "$0" "$@")"

DAEMONS="fipd keepalived"
RUNS=5
PROFILES="wiki fast100 fast10"
SCENARIOS="hard graceful health0 health60"
DO_OUTAGE=1
DO_COST=1
COST_N="1 50"
COST_ADV="1 0.01"
COST_SECS=20
OUT=
WAIT_QUIET=0
MAX_SECONDS=14400
PERF_SECS=0
BENCH_ICMP_MS=${BENCH_ICMP_MS:-2}
BENCH_HTTP_MS=${BENCH_HTTP_MS:-10}

usage() { sed -n '2,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
list() { echo "$1" | tr ',' ' '; }
while [ $# -gt 0 ]; do
	case $1 in
	--daemons) DAEMONS=$(list "$2"); shift ;;
	--runs) RUNS=$2; shift ;;
	--profiles) PROFILES=$(list "$2"); shift ;;
	--scenarios) SCENARIOS=$(list "$2"); shift ;;
	--no-outage) DO_OUTAGE=0 ;;
	--cost-n) COST_N=$(list "$2"); shift ;;
	--cost-adv) COST_ADV=$(list "$2"); shift ;;
	--cost-secs) COST_SECS=$2; shift ;;
	--no-cost) DO_COST=0 ;;
	--perf) PERF_SECS=$2; shift ;;
	--full) COST_N="1 50 200"; COST_SECS=60 ;;
	--quick) RUNS=1; PROFILES="wiki fast100"; COST_N="1 50"; COST_SECS=10 ;;
	--out) OUT=$2; shift ;;
	--builddir) FIPD_BUILDDIR=$2; shift ;;
	--wait-quiet) WAIT_QUIET=$2; shift ;;
	--max-seconds) MAX_SECONDS=$2; shift ;;
	-h | --help) usage 0 ;;
	*) echo "unknown option: $1" >&2; usage 2 ;;
	esac
	shift
done
case $RUNS in '' | *[!0-9]*) echo "--runs: a number" >&2; exit 2 ;; esac
for d in $DAEMONS; do case $d in fipd | keepalived) ;; *) echo "unknown daemon $d" >&2; exit 2 ;; esac; done
for p in $PROFILES; do case $p in wiki | fast100 | fast10) ;; *) echo "unknown profile $p" >&2; exit 2 ;; esac; done
for s in $SCENARIOS; do case $s in hard | graceful | health0 | health60) ;; *) echo "unknown scenario $s" >&2; exit 2 ;; esac; done

FIPD_BUILDDIR=$(cd "${FIPD_BUILDDIR:-$PWD}" 2>/dev/null && pwd) || { echo "no build directory" >&2; exit 2; }
export FIPD_BUILDDIR
OUT=${OUT:-$PWD/bench-$(date +%Y%m%d-%H%M%S)}

# nginx as operators run it (keepalive_timeout 75 s, nginx's default): the
# HTTP check may keep its connection open.
T_NGINX_KEEPALIVE=75
FIPD_DAEMON=keepalived
case " $DAEMONS " in *" fipd "*) FIPD_DAEMON=fipd ;; esac
. "$SRC_DIR/t/integration/lib.sh"
T_NAME=bench
. "$BENCH_DIR/lib-bench.sh"
. "$BENCH_DIR/adapter-fipd.sh"
. "$BENCH_DIR/adapter-keepalived.sh"

need_root
need_tools ip bridge nginx curl cc tcpdump ps
for d in $DAEMONS; do "adp_${d}_check"; done
mkdir -p "$OUT/raw" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
setup_all "$MAX_SECONDS"
bench_build_probe
bench_node_marks

echo "$BENCH_CMD" > "$OUT/command.txt"
{
	echo "machine: $(machine_line)"
	for d in $DAEMONS; do echo "$d: $("adp_${d}_version")"; done
	echo "fipd build: $FIPD_BUILDDIR ($(git -C "$SRC_DIR" describe --always --dirty 2>/dev/null))"
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

OUTAGE_CSV=$OUT/outage.csv
COST_CSV=$OUT/cost.csv
echo "daemon,profile,scenario,run,outage_icmp_ms,outage_http_ms,floor_ms,ref,event_epoch_ms,event_to_ref_ms,decision_ms,first_advert_ms,vip_ms,garp_ms,client_ms,old_vip_del_ms,note" > "$OUTAGE_CSV"
echo "daemon,instances,advert_s,side,window_s,cpu_s,cpu_s_per_60s,rss_kb,pss_kb,nproc,startup_ms,to_master,vips_end,load1" > "$COST_CSV"

# ------------------------------------------------------------ profiles

# prof_set PROFILE: instance keys and timing of the pair (n1 priority 100,
# n2 priority 50).
prof_set() {
	case $1 in
	wiki) P_OPTS=(); P_ADV_MS=1000; P_CHK=1; P_CHK_MS=1000; P_SETTLE=2000 ;;
	fast100) P_OPTS=(version=3 advert_int=0.1 auth_pass=); P_ADV_MS=100; P_CHK=0.1; P_CHK_MS=100; P_SETTLE=1000 ;;
	fast10) P_OPTS=(version=3 advert_int=0.01 auth_pass=); P_ADV_MS=10; P_CHK=0.1; P_CHK_MS=100; P_SETTLE=1000 ;;
	esac
	P_NAME=$1
}
# Skew_Time and Master_Down_Interval of n2 (priority 50), in ms, as daemon D
# computes them: RFC 3768 (v2) exactly; for v3, fipd takes RFC 9568's
# centisecond arithmetic literally (integer division), keepalived does not.
skew_ms() { # D
	if [ "$P_NAME" = wiki ]; then echo 805; return; fi
	local cs=$((P_ADV_MS / 10))
	if [ "$1" = fipd ]; then echo $((206 * cs / 256 * 10)); else awk -v a="$P_ADV_MS" 'BEGIN { printf "%.0f\n", 206 * a / 256 }'; fi
}
mdi_ms() { echo $((3 * P_ADV_MS + $(skew_ms "$1"))); }

pair_confs() { # [extra instance keys...]
	wiki_conf n1 "${P_OPTS[@]}" "$@" >/dev/null
	wiki_conf n2 "${P_OPTS[@]}" "$@" >/dev/null
}
add_http_check() { # WEIGHT
	local n
	for n in n1 n2; do
		add_check "$T_DIR/$n.conf" nginx type=http url=http://127.0.0.1/ interval="$P_CHK" \
			timeout="$P_CHK" fall=2 rise=2 weight="$1"
	done
}

# ------------------------------------------------------------ cycles

# Leave the topology as a fresh one: links forwarding, nginx up, no VIP,
# the client's ARP cache empty.
clean_state() {
	bridge -n "$(ns br)" link set dev n1 state 3 2>/dev/null
	bridge -n "$(ns br)" link set dev n2 state 3 2>/dev/null
	local n
	for n in n1 n2; do
		_alive "${NGINX_PID[$n]}" || start_nginx "$n" >/dev/null
		ip -n "$(ns $n)" -4 addr show dev eth0 | awk '/inet (192\.0\.2\.100|198\.51\.100\.|203\.0\.113\.)/ { print $2 }' |
			while read -r a; do ip -n "$(ns $n)" addr del "$a" dev eth0 2>/dev/null; done
	done
	ip -n "$(ns c)" neigh flush dev eth0 2>/dev/null
	ip -n "$(ns n1)" neigh flush dev eth0 2>/dev/null
	ip -n "$(ns n2)" neigh flush dev eth0 2>/dev/null
}

# Stop whatever runs on the nodes (TERM to both, then bounded waits).
stop_both() {
	local n
	for n in n1 n2; do fipd_alive "$n" && kill -TERM "${FIPD_PID[$n]}" 2>/dev/null; done
	for n in n1 n2; do
		[ -n "${FIPD_PID[$n]:-}" ] || continue
		if ! _reap "${FIPD_PID[$n]}" 8000; then
			kill -KILL "${FIPD_PID[$n]}" 2>/dev/null
			_reap "${FIPD_PID[$n]}" 1000
		fi
		if [ "$FIPD_DAEMON" = keepalived ] && [ -f "$T_DIR/$n.vrrp.pid" ]; then
			local vp; vp=$(cat "$T_DIR/$n.vrrp.pid" 2>/dev/null)
			[ -n "$vp" ] && _alive "$vp" && kill -KILL "$vp" 2>/dev/null
		fi
		FIPD_PID[$n]=
	done
}

# begin_cycle D TAG: both daemons from $T_DIR/n{1,2}.conf, VIP on n1 alone,
# the prober running and served by n1.  Returns 1 (with C_NOTE) otherwise.
begin_cycle() {
	local d=$1 tag=$2 t0
	FIPD_DAEMON=$d
	C_NOTE=
	clean_state
	"adp_${d}_start" n1 "$T_DIR/n1.conf"
	"adp_${d}_start" n2 "$T_DIR/n2.conf"
	if ! wait_for "vip_only_on n1" 10000 || ! hold_for "vip_only_on n1" "$P_SETTLE"; then
		C_NOTE="setup: VIP not on n1 alone (holders: $(vip_holders))"
		return 1
	fi
	_now; t0=$T_NOW
	bench_probe_start "$T_DIR/probe-$tag.log" 120
	if ! wait_for "pr_has i n1 $t0 && pr_has h n1 $t0" 3000; then
		C_NOTE="setup: the client gets no answer from n1"
		return 1
	fi
	sleep 1
	return 0
}
end_cycle() { # TAG
	bench_probe_stop
	stop_both
	[ -f "$T_DIR/probe-$1.log" ] && gzip -c "$T_DIR/probe-$1.log" > "$OUT/raw/probe-$1.log.gz" && rm -f "$T_DIR/probe-$1.log"
}

# A random wait before the event (0 .. one advert or check interval), so that
# the event falls at any phase of the adverts and of the check schedule, as
# in real life (a fixed phase would bias every run the same way).
random_phase() { # PERIOD_MS
	local ms=$((RANDOM % $1))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
}

# row D PROFILE SCENARIO RUN: one CSV line from the M_* variables.
row() {
	echo "$1,$2,$3,$4,${M_GI:-},${M_GH:-},${M_FLOOR:-},${M_REF_WHAT:-},${M_EV:-},$(rel "$M_REF" "$M_EV"),$(rel "$M_DEC" "$M_REF"),$(rel "$M_ADV" "$M_REF"),$(rel "$M_VIP" "$M_REF"),$(rel "$M_GARP" "$M_REF"),$(rel "$M_CL" "$M_REF"),$(rel "$M_DEL" "$M_REF"),${C_NOTE//,/;}" >> "$OUTAGE_CSV"
	say "  $3 $1: outage icmp ${M_GI:-?} ms http ${M_GH:-?} ms; after $M_REF_WHAT: decision $(rel "$M_DEC" "$M_REF") vip $(rel "$M_VIP" "$M_REF") garp $(rel "$M_GARP" "$M_REF") client $(rel "$M_CL" "$M_REF") ms ${C_NOTE:+($C_NOTE)}"
}
m_reset() { M_GI= M_GH= M_FLOOR= M_REF_WHAT= M_EV= M_REF= M_DEC= M_ADV= M_VIP= M_GARP= M_CL= M_DEL=; }

# measure_gaps FROM_MS: the largest gaps between successful replies from FROM
# to now - 100 ms (the prober writes its log every 50 ms).  When the client
# has had no reply since some point before that end, the open gap counts too
# (a black hole that outlasts the observation: a lower bound).
measure_gaps() {
	local from=$1 end g k lr
	_now; end=$((T_NOW - 100))
	for k in i h; do
		read -r g _ _ <<< "$(pr_gap "$k" "$from" "$end")"
		lr=$(awk -v k="$k" -v e="$end" '($1 == "i" && k == "i" && $4 / 1000 <= e) { print $4 } ($1 == "h" && k == "h" && $4 != "-" && $3 / 1000 <= e) { print $3 }' "$B_PROBE" | sort -n | tail -n 1)
		[ -n "$lr" ] && g=$(awk -v g="$g" -v l="$lr" -v n="$end" 'BEGIN { o = n - l / 1000; if (o > g + 0) { printf "%.1f\n", o } else { printf "%.1f\n", g } }')
		if [ "$k" = i ]; then M_GI=$g; else M_GH=$g; fi
	done
}

# --- hard failure (switch port cut), then heal
cycle_hard() { # D RUN
	local d=$1 r=$2 tag="$P_NAME-hard-$1-$2" m1 m2 ev mdi
	mdi=$(mdi_ms "$d")
	pair_confs
	m_reset
	if ! begin_cycle "$d" "$tag"; then row "$d" "$P_NAME" hard "$r"; end_cycle "$tag"; return; fi
	m2=$(mon_mark n2)
	random_phase "$P_ADV_MS"
	cut_link n1 >/dev/null
	ev=$T_CUT_MS
	wait_for "pr_has i n2 $ev" $((mdi + 5000)) || C_NOTE="no ICMP answer from n2"
	sleep 0.5
	measure_gaps $((ev - 1000))
	M_EV=$ev M_FLOOR=$mdi
	# The last advert of n1 that crossed the bridge (the cut takes effect a
	# few ms after T_CUT_MS, when `bridge link set` has run; nothing of n1
	# crosses after it).
	M_REF=$(wire_adv_last 192.0.2.1 "$(now_ms)") M_REF_WHAT=last_advert
	[ -n "$M_REF" ] || { M_REF=$ev M_REF_WHAT=cut; }
	M_DEC=$("adp_${d}_master_at" n2 "$ev")
	M_ADV=$(wire_adv_first 192.0.2.2 "$ev")
	[ -n "$M_DEC" ] || M_DEC=$M_ADV
	M_VIP=$(mon_first n2 add "$ev" "$m2")
	M_GARP=$(wire_garp_first "${B_MAC[n2]}" "$ev")
	M_CL=$(pr_first i n2 "$ev")
	row "$d" "$P_NAME" hard "$r"

	# heal: n1 never left MASTER; n2 must yield and the client follow n1.
	m_reset
	m1=$(mon_mark n1); m2=$(mon_mark n2)
	random_phase "$P_ADV_MS"
	restore_link n1 >/dev/null
	ev=$T_RESTORE_MS
	wait_for "pr_has i n1 $ev" $((mdi + 3000)) || C_NOTE="client not served by n1 within $((mdi + 3000)) ms (ARP still on n2)"
	sleep 0.5
	measure_gaps "$ev"
	M_EV=$ev M_REF=$ev M_REF_WHAT=restore M_FLOOR=
	M_ADV=$(wire_adv_first 192.0.2.1 "$ev")
	M_GARP=$(wire_garp_first "${B_MAC[n1]}" "$ev")
	M_CL=$(pr_first i n1 "$ev")
	M_DEL=$(mon_first n2 del "$ev" "$m2")
	row "$d" "$P_NAME" heal "$r"
	end_cycle "$tag"
}

# --- graceful stop (SIGTERM), then the MASTER returns and preempts
cycle_graceful() { # D RUN
	local d=$1 r=$2 tag="$P_NAME-graceful-$1-$2" m1 m2 ev mdi
	mdi=$(mdi_ms "$d")
	pair_confs
	m_reset
	if ! begin_cycle "$d" "$tag"; then row "$d" "$P_NAME" graceful "$r"; end_cycle "$tag"; return; fi
	m1=$(mon_mark n1); m2=$(mon_mark n2)
	random_phase "$P_ADV_MS"
	_now; ev=$T_NOW
	kill -TERM "${FIPD_PID[n1]}"
	wait_for "pr_has i n2 $ev" $((mdi + 5000)) || C_NOTE="no ICMP answer from n2"
	sleep 0.5
	measure_gaps $((ev - 1000))
	M_EV=$ev M_FLOOR=$(skew_ms "$d")
	M_REF=$(wire_adv_first 192.0.2.1 "$ev" 1) M_REF_WHAT=prio0_advert
	[ -n "$M_REF" ] || { M_REF=$ev M_REF_WHAT=sigterm; C_NOTE="${C_NOTE:+$C_NOTE; }no priority-0 advert seen"; }
	M_DEC=$("adp_${d}_master_at" n2 "$ev")
	M_ADV=$(wire_adv_first 192.0.2.2 "$ev")
	[ -n "$M_DEC" ] || M_DEC=$M_ADV
	M_VIP=$(mon_first n2 add "$ev" "$m2")
	M_GARP=$(wire_garp_first "${B_MAC[n2]}" "$ev")
	M_CL=$(pr_first i n2 "$ev")
	M_DEL=$(mon_first n1 del "$ev" "$m1")
	row "$d" "$P_NAME" graceful "$r"
	if ! _reap "${FIPD_PID[n1]}" 8000; then kill -KILL "${FIPD_PID[n1]}"; _reap "${FIPD_PID[n1]}" 1000; fi

	# return: n1's daemon starts again and preempts (priority 100 > 50).
	m_reset
	m1=$(mon_mark n1); m2=$(mon_mark n2)
	_now; ev=$T_NOW
	"adp_${d}_start" n1 "$T_DIR/n1.conf"
	wait_for "pr_has i n1 $ev" $((mdi + 5000)) || C_NOTE="client not served by n1 within $((mdi + 5000)) ms"
	sleep 0.5
	measure_gaps "$ev"
	M_EV=$ev M_REF=$ev M_REF_WHAT=start M_FLOOR=
	M_DEC=$("adp_${d}_master_at" n1 "$ev")
	M_ADV=$(wire_adv_first 192.0.2.1 "$ev")
	[ -n "$M_DEC" ] || M_DEC=$M_ADV
	M_VIP=$(mon_first n1 add "$ev" "$m1")
	M_GARP=$(wire_garp_first "${B_MAC[n1]}" "$ev")
	M_CL=$(pr_first i n1 "$ev")
	M_DEL=$(mon_first n2 del "$ev" "$m2")
	row "$d" "$P_NAME" return "$r"
	end_cycle "$tag"
}

# --- nginx stops on the MASTER (HTTP check), then comes back
cycle_health() { # D RUN WEIGHT
	local d=$1 r=$2 w=$3 sc=health${3#-} tag m1 m2 ev take chk=$P_CHK_MS
	tag="$P_NAME-$sc-$1-$2"
	# keepalived's vrrp_script cannot check more often than every second.
	[ "$d" = keepalived ] && [ "$chk" -lt 1000 ] && chk=1000
	if [ "$w" = 0 ]; then take=$(skew_ms "$d"); else take=$(mdi_ms "$d"); fi
	pair_confs track_check=nginx
	add_http_check "$w"
	m_reset
	if ! begin_cycle "$d" "$tag"; then row "$d" "$P_NAME" "$sc" "$r"; end_cycle "$tag"; return; fi
	m1=$(mon_mark n1); m2=$(mon_mark n2)
	random_phase "$chk"
	stop_nginx n1 >/dev/null
	ev=$T_NGINX_STOP_MS
	wait_for "pr_has h n2 $ev" $((2 * chk + take + 6000)) || C_NOTE="no HTTP answer from n2"
	sleep 0.5
	measure_gaps $((ev - 1000))
	M_EV=$ev M_REF=$ev M_REF_WHAT=nginx_stop M_FLOOR=$((2 * chk + take))
	M_DEC=$("adp_${d}_master_at" n2 "$ev")
	M_ADV=$(wire_adv_first 192.0.2.2 "$ev")
	[ -n "$M_DEC" ] || M_DEC=$M_ADV
	M_VIP=$(mon_first n2 add "$ev" "$m2")
	M_GARP=$(wire_garp_first "${B_MAC[n2]}" "$ev")
	M_CL=$(pr_first h n2 "$ev")
	M_DEL=$(mon_first n1 del "$ev" "$m1")
	[ "$d" = keepalived ] && [ "$chk" != "$P_CHK_MS" ] && C_NOTE="${C_NOTE:+$C_NOTE; }vrrp_script interval 1 s (keepalived minimum)"
	row "$d" "$P_NAME" "$sc" "$r"

	# failback: nginx back on n1; the check rises (rise 2) and n1 preempts.
	m_reset
	m1=$(mon_mark n1); m2=$(mon_mark n2)
	_now; ev=$T_NOW
	start_nginx n1 >/dev/null
	wait_for "pr_has h n1 $ev" $((3 * chk + $(mdi_ms "$d") + 6000)) || C_NOTE="client not served by n1 again"
	sleep 0.5
	measure_gaps "$ev"
	M_EV=$ev M_REF=$ev M_REF_WHAT=nginx_start M_FLOOR=
	M_DEC=$("adp_${d}_master_at" n1 "$ev")
	M_ADV=$(wire_adv_first 192.0.2.1 "$ev")
	[ -n "$M_DEC" ] || M_DEC=$M_ADV
	M_VIP=$(mon_first n1 add "$ev" "$m1")
	M_GARP=$(wire_garp_first "${B_MAC[n1]}" "$ev")
	M_CL=$(pr_first h n1 "$ev")
	M_DEL=$(mon_first n2 del "$ev" "$m2")
	row "$d" "$P_NAME" "failback${3#-}" "$r"
	end_cycle "$tag"
}

# ------------------------------------------------------------ cost

# cost_conf NODE N ADVERT: N instances, VRIDs 1..N on eth0, one VIP each.
cost_conf() {
	local n=$1 cnt=$2 adv=$3 k vip prio state
	if [ "$n" = n1 ]; then prio=100 state=MASTER; else prio=50 state=BACKUP; fi
	{
		conf_global "$n"
		for ((k = 1; k <= cnt; k++)); do
			if [ "$k" -le 254 ]; then vip=198.51.100.$k; else vip=203.0.113.$((k - 254)); fi
			echo
			echo "[instance VI_$k]"
			echo "interface = eth0"
			echo "state = $state"
			echo "virtual_router_id = $k"
			echo "priority = $prio"
			if [ "$adv" = 1 ]; then
				echo "version = 2"
				echo "advert_int = 1"
				echo "auth_pass = EcbCp2b1"
			else
				echo "version = 3"
				echo "advert_int = $adv"
			fi
			echo "virtual_ipaddress = $vip/32"
			echo "unicast_src_ip = ${T_NODE_IP[$n]}"
			echo "unicast_peer = ${T_PEER_IP[$n]}"
		done
	} > "$T_DIR/cost-$n.conf"
}
cost_vips() { ip -n "$(ns "$1")" -4 addr show dev eth0 | grep -cE 'inet (198\.51\.100|203\.0\.113)\.'; }

cost_one() { # D N ADVERT
	local d=$1 cnt=$2 adv=$3 mon t0 tm settle l1 l2 a1 a2 b1 b2 n vips side st tomaster
	FIPD_DAEMON=$d
	C_NOTE=
	clean_state
	cost_conf n1 "$cnt" "$adv"
	cost_conf n2 "$cnt" "$adv"
	mon=$T_DIR/cost-mon-$d-$cnt-$adv.txt
	ip -n "$(ns n1)" -ts monitor address </dev/null >"$mon" 2>&1 &
	local mpid=$!
	_track "$mpid"
	sleep 0.2
	_now; t0=$T_NOW
	"adp_${d}_start" n1 "$T_DIR/cost-n1.conf"
	wait_for "[ \$(cost_vips n1) -ge $cnt ]" 60000 || C_NOTE="n1 holds $(cost_vips n1)/$cnt VIPs after 60 s"
	sleep 0.3
	_stop_pid "$mpid" 1000
	# Time of the N-th VIP added (ip -ts monitor: "[YYYY-mm-ddTHH:MM:SS.usec] ...").
	tm=$(grep -E ' inet (198\.51\.100|203\.0\.113)\.' "$mon" | grep -v Deleted | sed -n "${cnt}p" |
		sed 's/^\[\([^]]*\)\].*/\1/')
	st=
	[ -n "$tm" ] && st=$(( $(date -d "$tm" +%s%3N) - t0 ))
	"adp_${d}_start" n2 "$T_DIR/cost-n2.conf"
	settle=$((3 * 1000 + 1000))
	[ "$adv" != 1 ] && settle=2000
	sleep "$((settle / 1000)).$((settle % 1000))"
	l1=$(log_lines n1); l2=$(log_lines n2)
	read -r -a a1 <<< "$(proc_cost "${FIPD_PID[n1]}")"
	read -r -a a2 <<< "$(proc_cost "${FIPD_PID[n2]}")"
	_now; local ta=$T_NOW
	sleep "$COST_SECS"
	read -r -a b1 <<< "$(proc_cost "${FIPD_PID[n1]}")"
	read -r -a b2 <<< "$(proc_cost "${FIPD_PID[n2]}")"
	_now; local win; win=$(awk -v a="$ta" -v b="$T_NOW" 'BEGIN { printf "%.2f\n", (b - a) / 1000 }')
	tomaster=$("adp_${d}_to_master" n2 "$l2")
	local tck; tck=$(getconf CLK_TCK)
	for side in master backup; do
		if [ "$side" = master ]; then n=n1; a=("${a1[@]}"); b=("${b1[@]}"); else n=n2; a=("${a2[@]}"); b=("${b2[@]}"); fi
		vips=$(cost_vips "$n")
		local cpu per
		cpu=$(awk -v x="${a[0]:-0}" -v y="${b[0]:-0}" -v t="$tck" 'BEGIN { printf "%.2f\n", (y - x) / t }')
		per=$(awk -v c="$cpu" -v w="$win" 'BEGIN { printf "%.3f\n", c * 60 / w }')
		echo "$d,$cnt,$adv,$side,$win,$cpu,$per,${b[1]:-},${b[2]:-},${b[3]:-},$([ "$side" = master ] && echo "$st"),$([ "$side" = backup ] && echo "$tomaster"),$vips,$(load1)" >> "$COST_CSV"
		say "  cost $d n=$cnt advert=$adv $side: cpu ${per} s/60s rss ${b[1]:-?} kB pss ${b[2]:-?} kB procs ${b[3]:-?}$([ "$side" = master ] && echo " startup ${st:-?} ms")$([ "$side" = backup ] && echo " to-MASTER transitions $tomaster") vips $vips ${C_NOTE:+($C_NOTE)}"
	done
	if [ "$PERF_SECS" -gt 0 ] && command -v perf >/dev/null 2>&1; then
		local pp=() f
		for side in master backup; do
			n=n1; [ "$side" = backup ] && n=n2
			f=$OUT/raw/perf-$d-$cnt-$adv-$side
			perf record -q -F 1999 -g -o "$f.data" -p "$(proc_tree "${FIPD_PID[$n]}" | tr '\n' ',' | sed 's/,$//')" \
				-- sleep "$PERF_SECS" </dev/null >/dev/null 2>&1 &
			pp+=($!)
			_track "$!"
		done
		for f in "${pp[@]}"; do _reap "$f" $((PERF_SECS * 1000 + 20000)) || _stop_pid "$f" 2000; done
		for side in master backup; do
			f=$OUT/raw/perf-$d-$cnt-$adv-$side
			perf report -i "$f.data" --no-children --stdio --percent-limit 0.5 -g none 2>/dev/null > "$f.txt"
			perf report -i "$f.data" --children --stdio --percent-limit 2 -g caller,0.5,callee --max-stack 12 2>/dev/null > "$f-callers.txt"
			rm -f "$f.data"
		done
		say "  perf: $OUT/raw/perf-$d-$cnt-$adv-*.txt"
	fi
	stop_both
	cp "$T_DIR/n1.log" "$OUT/raw/cost-$d-$cnt-$adv-n1.log" 2>/dev/null
	cp "$T_DIR/n2.log" "$OUT/raw/cost-$d-$cnt-$adv-n2.log" 2>/dev/null
	: > "$T_DIR/n1.log"; : > "$T_DIR/n2.log"
}

# ------------------------------------------------------------ the run

if [ "$DO_OUTAGE" = 1 ]; then
	[ "$WAIT_QUIET" -gt 0 ] && wait_quiet "$WAIT_QUIET"
	say "outage part: load $(load1); daemons: $DAEMONS; profiles: $PROFILES; scenarios: $SCENARIOS; $RUNS run(s)"
	echo "outage load1 at start: $(load1)" >> "$OUT/machine.txt"
	bench_wire_start
	for p in $PROFILES; do
		prof_set "$p"
		for s in $SCENARIOS; do
			for ((r = 1; r <= RUNS; r++)); do
				for d in $DAEMONS; do
					say "$p $s run $r/$RUNS: $d"
					case $s in
					hard) cycle_hard "$d" "$r" ;;
					graceful) cycle_graceful "$d" "$r" ;;
					health0) cycle_health "$d" "$r" 0 ;;
					health60) cycle_health "$d" "$r" -60 ;;
					esac
				done
			done
		done
	done
	bench_wire_stop
	gzip -c "$B_WIRE" > "$OUT/raw/wire.txt.gz"
	for n in n1 n2; do cp "$T_DIR/$n.log" "$OUT/raw/outage-$n.log" 2>/dev/null; : > "$T_DIR/$n.log"; done
fi

if [ "$DO_COST" = 1 ]; then
	[ "$WAIT_QUIET" -gt 0 ] && wait_quiet "$WAIT_QUIET"
	say "cost part: load $(load1); instances: $COST_N; adverts: $COST_ADV; window ${COST_SECS}s"
	echo "cost load1 at start: $(load1)" >> "$OUT/machine.txt"
	for adv in $COST_ADV; do
		for cnt in $COST_N; do
			for d in $DAEMONS; do
				cost_one "$d" "$cnt" "$adv"
			done
		done
	done
fi

# What is still running in our namespaces (nginx, the address monitors and
# tcpdump are expected; anything else was left behind by a daemon).
for n in n1 n2 c br; do
	for p in $(ip netns pids "$(ns $n)" 2>/dev/null); do
		echo "left in $n: $(ps -o pid=,ppid=,comm= -p "$p" 2>/dev/null)"
	done
done | grep -vE ' (nginx|ip|tcpdump)$' | sed 's/^/note: /'

"$BENCH_DIR/report.sh" "$OUT" | tee "$OUT/summary.txt"
if command -v gnuplot >/dev/null 2>&1 && [ "$DO_OUTAGE" = 1 ]; then
	"$BENCH_DIR/report.sh" --plot "$OUT" && say "plot: $OUT/failover.png"
else
	say "no plot (gnuplot absent: apt-get install gnuplot-nox, or no outage part)"
fi
echo
echo "reproduce: $BENCH_CMD"
echo "results: $OUT"
