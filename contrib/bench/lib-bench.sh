# contrib/bench/lib-bench.sh -- what the benchmark adds to the integration
# harness (t/integration/lib.sh, sourced first by run.sh): the wire capture
# in the bridge namespace, the C prober, the analysis of their logs, the
# process-tree cost figures and the statistics.  Sourced, not executable.
#
# Times: the prober, tcpdump -tt and `ip -ts monitor` all use the wall clock.
# Functions here print milliseconds with three decimals (from microseconds);
# the harness's event times (T_CUT_MS, ...) are integer milliseconds.

B_WIRE=           # wire capture (tcpdump -e -tt on br0 in the bridge namespace)
B_WIRE_PID=
B_PROBE=          # current prober log
B_PROBE_PID=
B_PROBE_BIN=
declare -A B_MAC=()

# ------------------------------------------------------------ setup

# Build the prober (no dependency but a C compiler).
bench_build_probe() {
	B_PROBE_BIN=$T_DIR/probe
	cc -O2 -Wall -o "$B_PROBE_BIN" "$BENCH_DIR/probe.c" 2>"$T_DIR/probe-build.err" ||
		{ cat "$T_DIR/probe-build.err"; die "cannot build contrib/bench/probe.c (cc)"; }
}

# Tell the nodes apart by the TTL of their ICMP replies, learn their MACs.
bench_node_marks() {
	nsx n1 sysctl -qw net.ipv4.ip_default_ttl=61 || die "sysctl ip_default_ttl in n1"
	nsx n2 sysctl -qw net.ipv4.ip_default_ttl=62 || die "sysctl ip_default_ttl in n2"
	local n
	for n in n1 n2 c; do
		B_MAC[$n]=$(nsx "$n" cat /sys/class/net/eth0/address)
	done
}

# Everything VRRP (IP protocol 112) and ARP that crosses the bridge.  br0 is
# put in promiscuous mode by tcpdump, so the bridge passes every forwarded
# frame up to the capture too; frames from a cut port never get there.
bench_wire_start() {
	B_WIRE=$T_DIR/wire.txt
	: > "$B_WIRE"
	# ip netns exec execs tcpdump: $! is tcpdump itself (a shell function
	# run in the background would leave a subshell between them).
	ip netns exec "$(ns br)" tcpdump -i br0 -n -e -tt -l -U 'arp or ip proto 112' \
		</dev/null >"$B_WIRE" 2>"$T_DIR/tcpdump-br.err" &
	B_WIRE_PID=$!
	_track "$B_WIRE_PID"
	wait_for 'grep -q "listening on" "$T_DIR/tcpdump-br.err"' 3000 || die "tcpdump on br0 did not start"
}
bench_wire_stop() { [ -n "$B_WIRE_PID" ] && _stop_pid "$B_WIRE_PID" 2000; B_WIRE_PID=; }

# bench_probe_start FILE MAX_SECONDS: the C prober in the client namespace.
bench_probe_start() {
	B_PROBE=$1
	: > "$B_PROBE"
	ip netns exec "$(ns c)" "$B_PROBE_BIN" -o "$B_PROBE" -d "$2" -i "$BENCH_ICMP_MS" -H "$BENCH_HTTP_MS" \
		-T 1000 -t 61=n1 -t 62=n2 "$T_VIP" </dev/null >"$T_DIR/probe.err" 2>&1 &
	B_PROBE_PID=$!
	_track "$B_PROBE_PID"
}
bench_probe_stop() { [ -n "$B_PROBE_PID" ] && _stop_pid "$B_PROBE_PID" 2000; B_PROBE_PID=; }

# ------------------------------------------------------------ prober log

# pr_gap KIND FROM_MS TO_MS: the largest interval between two successive
# successful replies (ordered by arrival) with the second one in [FROM, TO];
# the last reply before FROM counts as a start.  KIND: i (ICMP) or h (HTTP).
# Prints "GAP_MS START_MS END_MS" (0 when there was no reply in the window).
pr_gap() {
	awk -v k="$1" -v f="$2" -v t="$3" '
	$1 == "i" && k == "i" { print $4 }
	$1 == "h" && k == "h" && $4 != "-" { print $3 }' "$B_PROBE" | sort -n |
	awk -v f="$2" -v t="$3" '
	{ ms = $1 / 1000 }
	ms < f { prev = ms; next }
	ms > t { exit }
	{ if (prev != "" && ms - prev > g) { g = ms - prev; gs = prev; ge = ms } prev = ms }
	END { printf "%.3f %.3f %.3f\n", g, gs, ge }'
}
# pr_first KIND WHO AFTER_MS: arrival of the first successful reply from WHO.
pr_first() {
	awk -v k="$1" -v w="$2" -v a="$3" '
	$1 == "i" && k == "i" && $5 == w && $4 / 1000 >= a { print $4 }
	$1 == "h" && k == "h" && $4 == w && $3 / 1000 >= a { print $3 }' "$B_PROBE" |
		sort -n | head -n 1 | awk '{ printf "%.3f\n", $1 / 1000 }'
}
pr_has() { [ -n "$(pr_first "$@")" ]; }
# Replies in a window, for a sanity line: "icmp n1=X n2=Y http n1=X n2=Y fail=Z"
pr_counts() {
	awk -v f="$1" -v t="$2" '
	$1 == "i" && $4 / 1000 >= f && $4 / 1000 <= t { i[$5]++ }
	$1 == "h" && $3 / 1000 >= f && $3 / 1000 <= t { h[$4]++ }
	END { printf "icmp n1=%d n2=%d http n1=%d n2=%d fail=%d\n", i["n1"], i["n2"], h["n1"], h["n2"], h["-"] }' "$B_PROBE"
}

# ------------------------------------------------------------ wire capture

# Lines: "SEC.USEC MAC > MAC, ethertype IPv4 (0x0800), length N: SRC > DST: VRRPv2, ..., prio P, ..."
# wire_adv_last SRC_IP BEFORE_MS: arrival of the last advert from SRC_IP.
wire_adv_last() {
	awk -v s="$1" -v b="$2" '/VRRPv[23]/ && $0 ~ (": " s " > ") {
		ms = $1 * 1000; if (ms < b) t = ms } END { if (t) printf "%.3f\n", t }' "$B_WIRE"
}
# wire_adv_first SRC_IP AFTER_MS [0|1]: first advert from SRC_IP (1: priority 0 only).
wire_adv_first() {
	awk -v s="$1" -v a="$2" -v z="${3:-}" '/VRRPv[23]/ && $0 ~ (": " s " > ") {
		ms = $1 * 1000; if (ms < a) next
		p = -1; if (match($0, /prio [0-9]+/)) p = substr($0, RSTART + 5, RLENGTH - 5) + 0
		if ((z == 1 && p == 0) || (z != 1 && p > 0)) { printf "%.3f\n", ms; exit } }' "$B_WIRE"
}
# wire_garp_first MAC AFTER_MS: first ARP from MAC announcing the VIP.
wire_garp_first() {
	awk -v m="$1" -v a="$2" -v v="$T_VIP" '$2 == m && /ethertype ARP/ &&
		($0 ~ ("tell " v ",") || $0 ~ ("Reply " v " is-at")) {
		ms = $1 * 1000; if (ms >= a) { printf "%.3f\n", ms; exit } }' "$B_WIRE"
}

# ------------------------------------------------------------ daemon logs

# log_master_at NODE AFTER_MS: time of the first "X -> MASTER" line of fipd's
# log (HH:MM:SS.mmm, local time) at or after AFTER_MS.
B_MIDNIGHT_MS=$(( $(date -d 'today 00:00:00' +%s) * 1000 ))
log_state_at() { # NODE AFTER_MS TO_STATE
	awk -v a=$(($2 - B_MIDNIGHT_MS)) -v st="$3" '
	$1 ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]+$/ && $0 ~ ("-> " st " \\(") {
		split($1, p, ":"); ms = (p[1] * 3600 + p[2] * 60 + p[3]) * 1000
		if (ms >= a) { printf "%.3f\n", ms; exit } }' "$T_DIR/$1.log" |
		awk -v m="$B_MIDNIGHT_MS" '{ printf "%.3f\n", $1 + m }'
}

# ------------------------------------------------------------ arithmetic

# rel A B: A - B with three decimals, or "" when either is empty.
rel() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", a - b }'; }
# stats: numbers on stdin (empty lines ignored) -> "N MIN MEDIAN MAX"
stats() {
	awk 'NF && $1 != "" { v[n++] = $1 + 0 }
	END {
		if (!n) { print "0 - - -"; exit }
		for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		med = (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2
		printf "%d %.0f %.0f %.0f\n", n, v[0], med, v[n - 1] }'
}

# ------------------------------------------------------------ process cost

# The daemon's whole process tree (keepalived has a parent and a VRRP child,
# and forks scripts), from one PID.
proc_tree() {
	ps -e -o pid=,ppid= | awk -v r="$1" '
	{ pp[$1] = $2; ids[n++] = $1 }
	END {
		keep[r] = 1; print r
		for (changed = 1; changed; ) { changed = 0
			for (i = 0; i < n; i++) { p = ids[i]
				if (!(p in keep) && (pp[p] in keep)) { keep[p] = 1; print p; changed = 1 } } } }'
}
# proc_cost PID: "TICKS RSS_KB PSS_KB NPROC" summed over the tree
# (utime+stime+cutime+cstime, in clock ticks).
proc_cost() {
	local p t=0 rss=0 pss=0 n=0 f a
	for p in $(proc_tree "$1"); do
		[ -r "/proc/$p/stat" ] || continue
		# Fields after the command name (which may hold spaces).
		f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		read -r -a a <<< "$f"
		# a[0] is field 3 (state): utime=14 stime=15 cutime=16 cstime=17
		t=$((t + a[11] + a[12] + a[13] + a[14]))
		rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
		pss=$((pss + $(awk '/^Pss:/ { print $2; exit }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
		n=$((n + 1))
	done
	echo "$t $rss $pss $n"
}

# ------------------------------------------------------------ machine

machine_line() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	echo "nproc $(nproc); kernel $(uname -r); CPU ${cpu:-unknown}; $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
}
load1() { awk '{ print $1 }' /proc/loadavg; }
# wait_quiet MAX_SECONDS: wait (bounded, every 20 s) for a 1-min load < 0.8.
wait_quiet() {
	local max=$1 waited=0
	while awk -v l="$(load1)" 'BEGIN { exit !(l >= 0.8) }'; do
		[ "$waited" -ge "$max" ] && { say "load $(load1) still >= 0.8 after ${max}s: measuring anyway"; return 1; }
		say "load $(load1) >= 0.8: waiting (${waited}/${max}s)"
		sleep 20
		waited=$((waited + 20))
	done
	say "load $(load1) < 0.8"
	return 0
}
