#!/bin/bash
# CONFORMANCE.md §2.3 receive validation (items 22-37, and 84: unicast
# non-peer), packet level.  One fipd runs in n1 with five MASTER instances
# (see vrrpinj.py: V3, V2P, V2N, UC, OWN); vrrpinj.py in n2 sends one crafted
# advert per case.  Every broken advert claims priority 254 (or 255 from a
# higher address to the owner), so accepting it would make the MASTER yield.
# Per case:
#   - no state change (no transition line; the instance still MASTER; VIP kept)
#   - the drop is counted under its reason in the SIGUSR1 dump
#     ("status V3: dropped bad_ttl 1", "status: dropped before demux ...")
#   - the drop is logged (RFC 9568 §7.1 SHOULD).  The log is rate-limited (5
#     lines per 10 s per instance, and 5 per 10 s for parse failures), so the
#     daemon is restarted before a limiter would run out: every case is
#     checked against a fresh budget.
# Then: 100 bad packets of each kind -> counted 100 times, at most 5 log lines;
# and positive controls (valid adverts, RFC-tolerated oddities: RFC 9568
# checksum form, Reserve nibble, v3 interval/address mismatch, IP options, v2
# owner with other addresses) that MUST be accepted: the MASTER yields.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib-extra.sh"

need_root
need_tools ip bridge "$REL_PY"
need_daemon
[ "$FIPD_DAEMON" = fipd ] || skip "packet conformance needs fipd's SIGUSR1 counters"
t_init 300
setup_topology
setup_plugins

CONF=$T_DIR/n1.conf
{
	conf_global n1
	inst() { # NAME VRID VERSION ADVERT PRIO VIP [key=value...]
		local name=$1 vrid=$2 ver=$3 adv=$4 prio=$5 vip=$6 kv
		shift 6
		printf '\n[instance %s]\ninterface = eth0\nstate = MASTER\nvirtual_router_id = %s\npriority = %s\nversion = %s\nadvert_int = %s\nvirtual_ipaddress = %s/32\n' \
			"$name" "$vrid" "$prio" "$ver" "$adv" "$vip"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	}
	inst V3 1 3 0.1 100 192.0.2.101
	inst V2P 2 2 1 100 192.0.2.102 auth_pass=secret1
	inst V2N 3 2 1 100 192.0.2.103
	inst UC 4 3 0.1 100 192.0.2.104 unicast_src_ip=192.0.2.1 unicast_peer=192.0.2.2
	inst OWN 5 3 0.1 255 192.0.2.105
} > "$CONF"
INSTANCES=(V3 V2P V2N UC OWN)
declare -A IVIP=([V3]=192.0.2.101 [V2P]=192.0.2.102 [V2N]=192.0.2.103 [UC]=192.0.2.104 [OWN]=192.0.2.105)
MAC1=$(node_mac n1)
INJ_NODE=n2

has_vip() { ip -n "$(ns n1)" -o -4 addr show dev eth0 | grep -q " inet $1/"; }
all_vips() { local i; for i in "${INSTANCES[@]}"; do has_vip "${IVIP[$i]}" || return 1; done; }
all_master() {
	local i
	dump_status n1 || return 1
	for i in "${INSTANCES[@]}"; do [ "$(dump_state n1 "$i")" = MASTER ] || return 1; done
}

RUNS=0
declare -A BUDGET=()
start_run() {
	RUNS=$((RUNS + 1))
	BUDGET=()
	start_fipd n1 "$CONF"
	wait_for all_vips 5000 || die "run $RUNS: the five VIPs did not appear on n1 (log: $(tail -n 5 "$T_DIR/n1.log"))"
	wait_for all_master 3000 || die "run $RUNS: not every instance is MASTER: $(grep state "$T_DIR/n1.dump")"
}
end_run() {
	stop_fipd n1 5000 || fail "run $RUNS: fipd did not exit within 5 s of SIGTERM"
	[ "${FIPD_RC[n1]}" = 0 ] || fail "run $RUNS: fipd exited with status ${FIPD_RC[n1]}"
}

KINDS=0
declare -A ITEMS=()
LOGGED=0
run_drop_case() { # NAME ITEM INST EXPECT SCOPE
	local name=$1 item=$2 inst=$3 exp=$4 scope=$5 key before after mark tr re i
	key=$scope
	[ "$scope" = inst ] && key=inst:$inst
	[ "$scope" = demux ] && key=parse
	if [ "${BUDGET[$key]:-0}" -ge 5 ]; then
		end_run
		start_run
	fi
	BUDGET[$key]=$(( ${BUDGET[$key]:-0} + 1 ))
	dump_status n1 || die "$name: no status dump before the case"
	before=$(dump_drop n1 "$inst" "$exp")
	mark=$(log_lines n1)
	inj send --dst-mac "$MAC1" "$name" >/dev/null || die "$name: the injector failed"
	after=$before
	for ((i = 0; i < 10; i++)); do
		sleep 0.1
		dump_status n1 || die "$name: no status dump after the case (fipd alive: $(fipd_alive n1 && echo yes || echo no))"
		after=$(dump_drop n1 "$inst" "$exp")
		[ "$after" -gt "$before" ] && break
	done
	KINDS=$((KINDS + 1))
	ITEMS[$item]=$(( ${ITEMS[$item]:-0} + 1 ))
	local what="item $item $name -> ${inst/-/before demux} $exp"
	check "$what: counted once ($before -> $after)" [ "$after" -eq $((before + 1)) ]
	tr=$(transitions_since n1 "$mark")
	check "$what: no state change${tr:+ ($tr)}" [ -z "$tr" ]
	if [ "$inst" != - ]; then
		check "$what: $inst still MASTER with its VIP" eval "[ \"\$(dump_state n1 $inst)\" = MASTER ] && has_vip ${IVIP[$inst]}"
		re="$inst: dropped advert from [0-9.]+: $exp"
	fi
	[ "$scope" = inst ] || re="eth0: dropped packet from [0-9.?]+: $exp"
	if log_since n1 "$mark" | grep -qE -- "$re"; then
		LOGGED=$((LOGGED + 1))
		ok "$what: logged"
	else
		fail "$what: not logged (expected a line matching '$re'; budget ${BUDGET[$key]}/5 in this run)"
	fi
}

start_run
say "sending $(inj list | awk '$4 != "accept"' | wc -l) kinds of broken adverts, one at a time"
while read -r name item inst exp scope; do
	[ "$exp" = accept ] && continue
	run_drop_case "$name" "$item" "$inst" "$exp" "$scope"
done < <(inj list)
end_run
figure "malformed-advert kinds tried: $KINDS in $RUNS daemon runs; by CONFORMANCE item: $(for k in $(printf '%s\n' "${!ITEMS[@]}" | sort -n); do printf '%s:%s ' "$k" "${ITEMS[$k]}"; done)"
figure "drops logged: $LOGGED of $KINDS (rate limiter budget never exceeded by design)"

# ---- rate limiting: 100 bad packets of each scope, fresh limiters
start_run
dump_status n1 || die "no dump"
b_ttl=$(dump_drop n1 V3 bad_ttl); b_ck=$(dump_drop n1 V3 bad_checksum)
mark=$(log_lines n1)
inj send --dst-mac "$MAC1" --count 100 --pps 2000 ttl_254 >/dev/null
inj send --dst-mac "$MAC1" --count 100 --pps 2000 csum_v3_flip >/dev/null
sleep 0.3
dump_status n1 || die "no dump after the floods"
a_ttl=$(dump_drop n1 V3 bad_ttl); a_ck=$(dump_drop n1 V3 bad_checksum)
n_inst=$(log_since n1 "$mark" | grep -cE 'V3: dropped advert from .*: bad_ttl')
n_parse=$(log_since n1 "$mark" | grep -cE 'eth0: dropped packet from .*: bad_checksum')
figure "rate limit: 100 bad_ttl -> counted $((a_ttl - b_ttl)), logged $n_inst lines; 100 bad_checksum -> counted $((a_ck - b_ck)), logged $n_parse lines"
check "100 bad_ttl adverts all counted" [ $((a_ttl - b_ttl)) -eq 100 ]
check "100 bad_checksum adverts all counted" [ $((a_ck - b_ck)) -eq 100 ]
check "bad_ttl flood: 1 to 5 log lines ($n_inst)" [ "$n_inst" -ge 1 ] && [ "$n_inst" -le 5 ]
check "bad_checksum flood: 1 to 5 log lines ($n_parse)" [ "$n_parse" -ge 1 ] && [ "$n_parse" -le 5 ]
tr=$(transitions_since n1 "$mark")
check "floods of bad adverts change no state${tr:+ ($tr)}" [ -z "$tr" ]

# ---- positive controls: these must be accepted (the MASTER yields)
ACCEPTED=0
run_accept_case() { # NAME ITEM INST
	local name=$1 item=$2 inst=$3 mark
	if [ "$inst" = V3 ]; then
		# Back to MASTER after the previous control (Master_Down_Interval).
		wait_for "dump_status n1 && [ \"\$(dump_state n1 V3)\" = MASTER ]" 3000 ||
			fail "$name: V3 did not return to MASTER after the previous control"
	fi
	dump_status n1
	local im am rf
	im=$(dump_field n1 "$inst" interval mismatch); am=$(dump_field n1 "$inst" address mismatch)
	rf=$(dump_field n1 "$inst" rfc9568)
	mark=$(log_lines n1)
	inj send --dst-mac "$MAC1" "$name" >/dev/null || die "$name: the injector failed"
	if wait_for "log_since n1 $mark | grep -q '$inst: MASTER -> BACKUP'" 1500; then
		ACCEPTED=$((ACCEPTED + 1))
		ok "item $item $name: accepted ($(log_since n1 "$mark" | grep -m1 "$inst: MASTER -> BACKUP" | cut -d' ' -f2-))"
	else
		fail "item $item $name: NOT accepted (no '$inst: MASTER -> BACKUP')"
	fi
	dump_status n1
	case $name in
	*interval*) check "$name: interval mismatch counted" [ "$(dump_field n1 "$inst" interval mismatch)" -gt "$im" ] ;;
	accept_v3_addr*) check "$name: address mismatch counted" [ "$(dump_field n1 "$inst" address mismatch)" -gt "$am" ] ;;
	*rfc9568*) check "$name: RFC 9568 checksum form counted" [ "$(dump_field n1 "$inst" rfc9568)" -gt "$rf" ] ;;
	esac
}
N_ACC=0
while read -r name item inst exp scope; do
	[ "$exp" = accept ] || continue
	N_ACC=$((N_ACC + 1))
	run_accept_case "$name" "$item" "$inst"
done < <(inj list)
figure "positive controls accepted: $ACCEPTED of $N_ACC"
# Everything returns to MASTER (v2: Master_Down_Interval 3.6 s).
wait_for all_master 8000 || fail "not every instance returned to MASTER: $(grep state "$T_DIR/n1.dump")"
end_run
check "no sanitizer report in fipd's log" sanitizer_clean n1
print_figures
finish
