# t/reliability/lib-extra.sh -- helpers for the reliability tests, on top of
# t/integration/lib.sh (sourced first; not executable).
#
# Packet filters: the CI kernel has no netem, gact, iptables or nftables
# (DESIGN.md §8), but tc's clsact qdisc with a classic-BPF classifier in
# direct-action mode works.  In direct-action mode the program's return value
# is the verdict: 0 = TC_ACT_OK (pass), 2 = TC_ACT_SHOT (drop).  Filters sit
# on the INGRESS of the bridge-side veth of a node (the port named after the
# node in $T_PREFIX-br), so they act on what that node sends into the LAN.
# At tc ingress skb->data is at the network header; the programs use the
# ancillary offsets anyway (SKF_AD_OFF = -4096, SKF_NET_OFF = -1048576), so
# they do not depend on where skb->data is.  Bytecode is "COUNT,code jt jf k,..."
# with k as an unsigned 32-bit number.
#
#   ldh  [SKF_AD_OFF+SKF_AD_PROTOCOL]  40 0 0 4294963200  A = ethertype (host order)
#   jeq  #0x0800, jt, jf               21 jt jf 2048
#   ldb  [SKF_NET_OFF+9]               48 0 0 4293918729  A = IPv4 protocol
#   jeq  #112                          21 jt jf 112
#   ldb  [SKF_NET_OFF+22]              48 0 0 4293918742  A = VRRP priority (IHL 5)
#   ld   rand  ([SKF_AD_OFF+SKF_AD_RANDOM])  32 0 0 4294963256  A = prandom u32
#   jge  #T                            53 jt jf T         unsigned A >= T
#   ret  #2 / ret #0                   6 0 0 2 / 6 0 0 0
#
# Programs:
#   BPF_BLOCK112: IPv4 protocol 112 -> drop, everything else passes.
#     0 ldh proto; 1 jeq 0x800 ? 2 : 5; 2 ldb ipproto; 3 jeq 112 ? 4 : 5;
#     4 ret 2; 5 ret 0
#   bpf_loss112 PCT: protocol 112 dropped with probability PCT/100.
#     0 ldh proto; 1 jeq 0x800 ? 2 : 7; 2 ldb ipproto; 3 jeq 112 ? 4 : 7;
#     4 ld rand; 5 jge T ? 7 : 6; 6 ret 2; 7 ret 0   (T = PCT/100 * 2^32)
#   bpf_prio0_loss PCT: only VRRP adverts with priority 0 (fipd sends IHL 5,
#     so the priority is network offset 22), dropped with probability PCT/100.
#     0 ldh proto; 1 jeq 0x800 ? 2 : 9; 2 ldb ipproto; 3 jeq 112 ? 4 : 9;
#     4 ldb prio; 5 jeq 0 ? 6 : 9; 6 ld rand; 7 jge T ? 9 : 8; 8 ret 2; 9 ret 0

REL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REL_PY=${FIPD_PYTHON:-python3}

BPF_BLOCK112="6,40 0 0 4294963200,21 0 3 2048,48 0 0 4293918729,21 0 1 112,6 0 0 2,6 0 0 0"

# Threshold for a drop probability of PCT percent (integer or decimal).
_bpf_thresh() { awk -v p="$1" 'BEGIN { t = p / 100 * 4294967296; if (t > 4294967295) t = 4294967295; printf "%.0f", t }'; }

bpf_loss112() { # PCT
	local t; t=$(_bpf_thresh "$1")
	echo "8,40 0 0 4294963200,21 0 5 2048,48 0 0 4293918729,21 0 3 112,32 0 0 4294963256,53 1 0 $t,6 0 0 2,6 0 0 0"
}

bpf_prio0_loss() { # PCT
	local t; t=$(_bpf_thresh "$1")
	echo "10,40 0 0 4294963200,21 0 7 2048,48 0 0 4293918729,21 0 5 112,48 0 0 4293918742,21 0 3 0,32 0 0 4294963256,53 1 0 $t,6 0 0 2,6 0 0 0"
}

# tc_filter PORT PROGRAM: replace the ingress filter of bridge port PORT.
tc_filter() {
	local br; br=$(ns br)
	tc -n "$br" qdisc show dev "$1" 2>/dev/null | grep -q clsact ||
		tc -n "$br" qdisc add dev "$1" clsact || return 1
	tc -n "$br" filter del dev "$1" ingress 2>/dev/null
	tc -n "$br" filter add dev "$1" ingress bpf da bytecode "$2"
}
tc_clear() { # PORT
	tc -n "$(ns br)" filter del dev "$1" ingress 2>/dev/null
	return 0
}
# Does tc accept a cBPF filter here?  (Skip the test if not.)
need_tc_bpf() {
	command -v tc >/dev/null 2>&1 || skip "tc (iproute2) missing"
	tc_filter c "$BPF_BLOCK112" 2>"$T_DIR/tc.err" ||
		skip "tc clsact + classic BPF filter not available: $(cat "$T_DIR/tc.err")"
	tc_clear c
}

# VRRP between n1 and n2 blocked both ways (ingress of both bridge ports).
partition() {
	tc_filter n1 "$BPF_BLOCK112" && tc_filter n2 "$BPF_BLOCK112" || die "partition: tc filter failed"
	_now; T_PART_MS=$T_NOW
	say "partition: IP protocol 112 dropped on bridge ports n1, n2"
}
# Both filters go in one tc process (-batch), well under a millisecond apart,
# so the heal is symmetric.  T_HEAL_MS is taken just before, T_HEAL_END_MS
# once tc is done.
heal() {
	_now; T_HEAL_MS=$T_NOW
	printf 'filter del dev n1 ingress\nfilter del dev n2 ingress\n' |
		tc -n "$(ns br)" -force -batch - 2>/dev/null
	_now; T_HEAL_END_MS=$T_NOW
	say "heal: filters removed (tc took $((T_NOW - T_HEAL_MS)) ms)"
}

# ------------------------------------------------------------ injector

inj() { nsx "${INJ_NODE:-n2}" "$REL_PY" "$REL_DIR/vrrpinj.py" "$@"; }
node_mac() { ip -n "$(ns "$1")" -o link show dev eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

# ------------------------------------------------------------ status dump

# dump_status NODE: SIGUSR1, wait (bounded) for the dump, keep its "status"
# lines in $T_DIR/NODE.dump.  Prints the time it took to answer (ms).
# Returns 1 if no dump came within 3 s (daemon stuck or dead).
dump_status() {
	local n=$1 mark t0 prev=-1 cur i
	mark=$(log_lines "$n")
	_now; t0=$T_NOW
	kill -USR1 "${FIPD_PID[$n]}" 2>/dev/null || return 1
	wait_for "log_since $n $mark | grep -q 'status '" 3000 || return 1
	_now; T_DUMP_MS=$((T_NOW - t0))
	# The dump is written in one go; wait until the log stops growing.
	for ((i = 0; i < 50; i++)); do
		cur=$(log_lines "$n")
		[ "$cur" = "$prev" ] && break
		prev=$cur
		sleep 0.05
	done
	log_since "$n" "$mark" | grep 'status' | sed 's/^[0-9:.]* //' > "$T_DIR/$n.dump"
}
# dump_drop NODE INSTANCE|- REASON: a drop counter of the last dump (0 if absent).
dump_drop() {
	local v
	if [ "$2" = - ]; then
		v=$(awk -v r="$3" '$1 == "status:" && $2 == "dropped" && $3 == "before" && $5 == r { print $6 }' "$T_DIR/$1.dump")
	else
		v=$(awk -v i="status $2:" -v r="$3" 'index($0, i) == 1 && $3 == "dropped" && $4 == r { print $5 }' "$T_DIR/$1.dump")
	fi
	echo "${v:-0}"
}
# dump_state NODE INSTANCE
dump_state() { awk -v i="status $2:" 'index($0, i) == 1 && $3 == "state" { print $4 }' "$T_DIR/$1.dump"; }
# dump_field NODE INSTANCE WORDS...: the number after a phrase in the
# instance's lines ("transitions", "rcvd", "interval mismatch", "vip_readded").
dump_field() {
	local n=$1 i=$2; shift 2
	awk -v i="status $i:" -v w="$*" 'index($0, i) == 1 {
		p = index($0, " " w " ")
		if (p) { s = substr($0, p + length(w) + 2); sub(/[^0-9].*/, "", s); print s; exit }
	}' "$T_DIR/$n.dump"
}

# ------------------------------------------------------------ logs

# No AddressSanitizer / UBSan / LeakSanitizer report in a node's log.
sanitizer_clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|ERROR: .*Sanitizer' "$T_DIR/$1.log"; }
# HH:MM:SS.mmm (today, local time) -> epoch ms.
hms_ms() { date -d "$1" +%s%3N; }
# Transition lines of NODE since log line MARK.
transitions_since() { log_since "$1" "$2" | grep -E "$(transition_re)"; }
# Epoch ms of the first log line since MARK matching an ERE ("" if none).
log_first_ms() { # NODE MARK ERE
	local l; l=$(log_since "$1" "$2" | grep -E -m1 -- "$3") || return 0
	hms_ms "${l%% *}"
}
# Epoch ms of every log line since MARK matching an ERE.
log_all_ms() { # NODE MARK ERE
	local l
	log_since "$1" "$2" | grep -E -- "$3" | while read -r l; do hms_ms "${l%% *}"; done
}

# fd count and RSS (kB) of a PID.
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# Client's ARP entry for the VIP: the MAC, or "" if none/incomplete.
client_vip_mac() { ip -n "$(ns c)" neigh show "$T_VIP" dev eth0 2>/dev/null | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'; }

# v3 multicast pair config (the wiki's keys, VRRPv3, no auth, no unicast).

# Who holds the VIP: "n1", "n2", "n1 n2" or "none" (lib.sh's vip_holders).
single_holder() { local h; h=$(vip_holders); [ "$h" = "$1" ]; }

# A percentile (0-100) of the numbers on stdin.
percentile() { sort -n | awk -v p="$1" '{ a[NR] = $1 } END { if (NR == 0) { print 0; exit } i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; if (i > NR) i = NR; print a[i] }'; }

# ------------------------------------------------------------ client ARP watch

# arpwatch_start: the client's ARP entry for the VIP, every 5 ms, changes only,
# in $T_ARP_LOG ("epoch_ms mac").
arpwatch_start() {
	T_ARP_LOG=$T_DIR/arp.log
	: > "$T_ARP_LOG"
	ip netns exec "$(ns c)" "$REL_PY" "$REL_DIR/arpwatch.py" "$T_VIP" "$T_ARP_LOG" "${1:-300}" 5 \
		</dev/null >"$T_DIR/arpwatch.err" 2>&1 &
	T_ARPW_PID=$!
	_track "$T_ARPW_PID"
	wait_for '[ -s "$T_ARP_LOG" ]' 3000 || die "arpwatch did not start"
}
# arp_settled FROM TO MAC: sets ARP_SETTLED to when (epoch ms) the client's
# entry last became MAC within [FROM, TO] and stayed so until TO (FROM if it
# already was; -1 if it is not MAC at TO), and ARP_FLIPS to the number of
# changes within the window.  (No subshell: call it directly.)
arp_settled() {
	local r
	r=$(awk -v f="$1" -v t="$2" -v m="$3" '
		$1 < f { cur = $2; next }
		$1 > t { exit }
		{ if ($2 != cur) { flips++; if ($2 == m) s = $1 } cur = $2 }
		END { if (cur != m) s = -1; else if (s == "") s = f; printf "%s %d\n", s, flips }' "$T_ARP_LOG")
	ARP_SETTLED=${r% *}
	ARP_FLIPS=${r#* }
}
