#!/bin/bash
# Reload applies keys in place (issue 12): VRRPv3 unicast at 100 ms, n1
# MASTER (100), n2 BACKUP (50), the client probing the VIP every 10 ms.
# Each step edits keys on one node and reloads it, alternately by SIGHUP and
# by `fipctl reload`, on the MASTER and on the BACKUP.  After every step:
# no transition on either node (no priority-0 advert, no VIP move), the
# node logs the keys it updated in place, and where the wire shows the key,
# the new value is seen there (n1's adverts captured on n2's eth0):
#   priority, advert_int (the advert's priority and interval fields),
#   unicast_peer (adverts to an added peer; the client's address, which
#   ignores them), unicast_src_ip (renumbering a unicast pair without a
#   split brain: n2 first accepts both addresses, then n1 moves),
#   preempt, preempt_delay, state, garp_repeat, garp_refresh,
#   track_interface, track_check, checksum_mode, strict_ttl,
#   virtual_ipaddress (added: n1 adds it and the client sees gratuitous ARP
#   for it alone, adverts carry two addresses; removed: deleted from n1
#   alone), notify keys (the notify_stop added in place runs at the restart
#   below).
# Then an identity key (virtual_router_id) restarts the instance, as
# documented.  Over the in-place steps the VIP never leaves n1 (address
# monitors), the client is never served by n2, and its largest gap between
# answers is printed (bounded by 3 probe intervals + FIPD_MARGIN_MS: on a
# loaded machine the prober or nginx themselves may stall).
# Before, every key outside six restarted the instance: priority 0, VIP
# removed and preempted back, a client outage per edit.
. "$(dirname "$0")/lib.sh"

setup_all 240
FIPCTL=${FIPCTL:-$FIPD_BUILDDIR/fipctl}
[ -x "$FIPCTL" ] || skip "no fipctl at $FIPCTL"

# conf NODE key=value...: a v3 unicast config; repeated keys allowed,
# later plain key=value pairs override the defaults.
conf() {
	local n=$1 kv k
	shift
	local -A v=([priority]=100 [state]=MASTER [advert_int]=0.1
		[unicast_src_ip]=${T_NODE_IP[$n]} [unicast_peer]=${T_PEER_IP[$n]})
	if [ "$n" = n2 ]; then v[priority]=50; v[state]=BACKUP; fi
	local -a extra=()
	for kv in "$@"; do
		k=${kv%%=*}
		if [ -n "${v[$k]+x}" ]; then v[$k]=${kv#*=}; else extra+=("$kv"); fi
	done
	{
		conf_global "$n"
		echo "script_user = root"
		echo
		echo "[instance VI_1]"
		echo "interface = eth0"
		echo "virtual_router_id = 50"
		echo "version = 3"
		echo "virtual_ipaddress = $T_VIP/32"
		for k in priority state advert_int unicast_src_ip unicast_peer; do
			for kv in ${v[$k]}; do echo "$k = $kv"; done
		done
		for kv in "${extra[@]}"; do echo "${kv%%=*} = ${kv#*=}"; done
		echo
		echo "[check web]"
		echo "type = http"
		echo "url = http://127.0.0.1/"
		echo "interval = 0.5"
	} > "$T_DIR/$n.conf"
	echo "$T_DIR/$n.conf"
}

start_fipd n1 "$(conf n1)"
wait_for "vip_on n1" 3000 || die "n1 did not take the VIP"
start_fipd n2 "$(conf n2)"
hold_for "vip_only_on n1" 1500 || die "VIP not on n1 alone (holders: $(vip_holders))"
adv_capture_start n2
prober_start 220
sleep 0.5
_now; t_begin=$T_NOW
tr0_1=$(transitions n1); tr0_2=$(transitions n2)
m1_0=$(mon_mark n1); m2_0=$(mon_mark n2)
nstep=0

# step NODE "what" key=value...: rewrite NODE's config, reload, check.
step() {
	local n=$1 what=$2 how l1 l2 lm t1 t2 lg
	shift 2
	nstep=$((nstep + 1))
	conf "$n" "$@" >/dev/null
	l1=$(log_lines n1); l2=$(log_lines n2)
	t1=$(transitions n1); t2=$(transitions n2)
	if [ $((nstep % 2)) = 0 ]; then
		how="fipctl reload"
		"$FIPCTL" -s "$T_DIR/$n.sock" reload >"$T_DIR/ctl.out" 2>&1 ||
			fail "$what: fipctl reload failed: $(cat "$T_DIR/ctl.out")"
	else
		how=SIGHUP
		kill -HUP "${FIPD_PID[$n]}"
	fi
	_now; T_STEP_MS=$T_NOW
	lm=$l1; [ "$n" = n2 ] && lm=$l2
	wait_for "log_since $n $lm | grep -q 'reload: .* applied'" 3000 ||
		fail "$what ($how on $n): the reload was not applied"
	sleep 0.4
	lg=$(log_since "$n" "$lm" | grep 'updated in place by reload' | tail -n 1)
	check "$what ($how on $n): updated in place ${lg#*reload }" [ -n "$lg" ]
	check "$what ($how on $n): no transition on n1 or n2" \
		eval '[ "$(transitions n1)" = "$t1" ] && [ "$(transitions n2)" = "$t2" ]'
	check "$what ($how on $n): VIP on n1 alone" vip_only_on n1
}
# cfgval NODE KEY: the running value from `fipctl status --json` (its
# "config" object; a list joined by spaces).
cfgval() {
	"$FIPCTL" -s "$T_DIR/$1.sock" status --json 2>/dev/null | python3 -c '
import json, sys
v = json.load(sys.stdin)["instances"][0]["config"].get(sys.argv[1])
print(" ".join(v) if isinstance(v, list) else ("" if v is None else v))' "$2"
}
# counter NODE NAME: one of the instance's counters.
counter() {
	"$FIPCTL" -s "$T_DIR/$1.sock" status --json 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["instances"][0]["counters"][sys.argv[1]])' "$2"
}
# in_effect NODE KEY VALUE: check the running value.
in_effect() {
	local got
	got=$(cfgval "$1" "$2")
	check "$2 on $1 in effect: '$3' (status: '$got')" [ "$got" = "$3" ]
}
# Adverts from SRC to DST captured since T_STEP_MS (+ a settling 150 ms).
adv_lines() { # SRC DST
	awk -v a="$((T_STEP_MS + 150))" -v s="$1" -v d="$2:" '$3 == s && $5 == d {
		split($1, p, "."); ms = p[1] * 1000 + int(substr(p[2] "000", 1, 3))
		if (ms >= a) print }' "$T_ADV_LOG"
}

step n1 "priority 100 -> 120 on the MASTER" priority=120
in_effect n1 priority 120
check "priority: n1 advertises priority 120" eval 'adv_lines 192.0.2.1 192.0.2.2 | grep -q "prio 120"'
check "priority: no advert with the old priority afterwards" eval '! adv_lines 192.0.2.1 192.0.2.2 | grep -q "prio 100,"'

step n1 "advert_int 0.1 -> 0.2 on the MASTER" priority=120 advert_int=0.2
check "advert_int: n1 advertises 20 cs" eval 'adv_lines 192.0.2.1 192.0.2.2 | grep -q "intvl 20cs"'

step n2 "advert_int and priority on the BACKUP" priority=60 advert_int=0.2
step n1 "unicast_peer added on the MASTER" priority=120 advert_int=0.2 \
	"unicast_peer=192.0.2.2 $T_CLIENT_IP"
adv_capture_stop
adv_capture_start c
sleep 0.5
check "unicast_peer: adverts now also go to $T_CLIENT_IP" eval 'grep -q "192.0.2.1 > $T_CLIENT_IP: VRRP" "$T_ADV_LOG"'
adv_capture_stop
adv_capture_start n2

# Renumbering a unicast pair: n2 accepts both addresses, n1 moves.
ip -n "$(ns n1)" addr add 192.0.2.11/24 dev eth0
step n2 "unicast_peer: n2 accepts n1's old and new address" priority=60 advert_int=0.2 \
	"unicast_peer=192.0.2.1 192.0.2.11"
step n1 "unicast_src_ip 192.0.2.1 -> 192.0.2.11 on the MASTER" priority=120 advert_int=0.2 \
	unicast_src_ip=192.0.2.11
check "unicast_src_ip: n1's adverts come from 192.0.2.11" eval 'adv_lines 192.0.2.11 192.0.2.2 | grep -q VRRP'
check "unicast_src_ip: none from 192.0.2.1 afterwards" eval '[ -z "$(adv_lines 192.0.2.1 192.0.2.2)" ]'

common1=(priority=120 advert_int=0.2 unicast_src_ip=192.0.2.11)
step n1 "preempt, preempt_delay, state on the MASTER" "${common1[@]}" preempt=no preempt_delay=2 state=BACKUP
in_effect n1 preempt no
in_effect n1 preempt_delay 2.00
in_effect n1 state BACKUP
step n2 "preempt, preempt_delay on the BACKUP" priority=60 advert_int=0.2 \
	"unicast_peer=192.0.2.1 192.0.2.11" preempt=no preempt_delay=1
step n1 "garp_repeat, garp_refresh on the MASTER" "${common1[@]}" garp_repeat=5 garp_refresh=30
in_effect n1 garp_repeat 5
in_effect n1 garp_refresh 30.00
step n1 "track_interface on the MASTER" "${common1[@]}" track_interface=lo
in_effect n1 track_interface lo
step n1 "track_check on the MASTER" "${common1[@]}" track_check=web
in_effect n1 track_check web
step n2 "track_check on the BACKUP" priority=60 advert_int=0.2 "unicast_peer=192.0.2.1 192.0.2.11" track_check=web
c0=$(counter n2 checksum_rfc9568)
step n1 "checksum_mode, strict_ttl on the MASTER" "${common1[@]}" track_check=web checksum_mode=rfc9568 strict_ttl=no
in_effect n1 checksum_mode rfc9568
in_effect n1 strict_ttl no
c1=$(counter n2 checksum_rfc9568)
check "checksum_mode: n2 now receives the RFC 9568 checksum form ($c0 -> $c1 adverts)" [ "$c1" -gt "${c0:-0}" ]

# VIPs in place: the MASTER adds and announces only the new one (GARPs
# seen by the client), removal deletes only it; a BACKUP adds nothing.
VIP2=192.0.2.101
vip2_on() { ip -n "$(ns "$1")" -o -4 addr show dev eth0 2>/dev/null | grep -q " inet $VIP2/"; }
ARP_LOG=$T_DIR/arp-c.txt
ip netns exec "$(ns c)" tcpdump -i eth0 -p -n -l arp </dev/null >"$ARP_LOG" 2>"$T_DIR/tcpdump-arp.err" &
_track $!
sleep 0.3
common2=("${common1[@]}" track_check=web)
common2b=(priority=60 advert_int=0.2 "unicast_peer=192.0.2.1 192.0.2.11" track_check=web)
step n2 "virtual_ipaddress added on the BACKUP" "${common2b[@]}" "virtual_ipaddress=$VIP2/32"
check "virtual_ipaddress: the BACKUP did not add $VIP2" eval '! vip2_on n2'
a0=$(wc -l < "$ARP_LOG")
step n1 "virtual_ipaddress added on the MASTER" "${common2[@]}" "virtual_ipaddress=$VIP2/32"
check "virtual_ipaddress: $VIP2 added on n1" wait_for "vip2_on n1" 1000
in_effect n1 virtual_ipaddress "$T_VIP/32 $VIP2/32"
check "virtual_ipaddress: the client saw n1's gratuitous ARP for $VIP2" \
	wait_for "tail -n +$((a0 + 1)) $ARP_LOG | grep -q 'who-has $VIP2 tell $VIP2'" 1000
check "virtual_ipaddress: no gratuitous ARP for the unchanged $T_VIP" \
	eval "! tail -n +$((a0 + 1)) $ARP_LOG | grep -q 'who-has $T_VIP tell $T_VIP'"
check "virtual_ipaddress: n1's adverts carry two addresses (length 16)" \
	eval 'adv_lines 192.0.2.11 192.0.2.2 | tail -n 1 | grep -q "length 16"'
step n1 "virtual_ipaddress removed on the MASTER" "${common2[@]}"
check "virtual_ipaddress: $VIP2 deleted from n1" wait_for "! vip2_on n1" 1000
step n2 "virtual_ipaddress removed on the BACKUP" "${common2b[@]}"

# Notify keys in place: the edited notify_stop is the one the restart
# below runs.
printf '#!/bin/sh\necho "$FIPD_INSTANCE $FIPD_STATE" >> %s\n' "$T_DIR/notes" > "$T_DIR/note.sh"
chmod 755 "$T_DIR/note.sh"
step n1 "notify_stop added on the MASTER" "${common2[@]}" "notify_stop=$T_DIR/note.sh"
in_effect n1 notify_stop "$T_DIR/note.sh"
common2+=("notify_stop=$T_DIR/note.sh")
_now; t_end=$T_NOW
read -r gap gs ge <<< "$(probe_gap "$t_begin" "$t_end")"
pc=$(probe_counts "$t_begin" "$t_end")
figure "$nstep in-place reloads: the client's largest gap between answers $gap ms (probe every 10 ms; $pc)"
# A restart would move the VIP to n2 for a while (priority 0, then
# preemption back): the address monitors and the client would see n2.
check "the VIP never left n1 (address monitors: $(mon_count n1 del "$m1_0") deletions on n1, $(mon_count n2 add "$m2_0") additions on n2)" \
	eval '[ "$(mon_count n1 del "$m1_0")" = 0 ] && [ "$(mon_count n2 add "$m2_0")" = 0 ]'
check "the client was never served by n2 ($pc)" eval '[[ "$pc" == *" n2=0 "* ]]'
# The gap also counts a loaded machine's stalls of the prober or nginx
# (seen: 136 ms with one failed request, VIP on n1 throughout).
check "the client's largest gap $gap ms <= 3 probe intervals + $FIPD_MARGIN_MS ms" [ "${gap:-999}" -le $((30 + FIPD_MARGIN_MS)) ]
check "no transition during the in-place steps" eval '[ "$(transitions n1)" = "$tr0_1" ] && [ "$(transitions n2)" = "$tr0_2" ]'

# An identity key restarts the instance, as documented.
l1=$(log_lines n1)
conf n1 "${common2[@]}" virtual_router_id=51 >/dev/null
sed -i 's/^virtual_router_id = 50$//' "$T_DIR/n1.conf"
kill -HUP "${FIPD_PID[n1]}"
wait_for "log_since n1 $l1 | grep -q 'reload: .* applied'" 3000 || fail "identity: reload not applied"
check "virtual_router_id: the instance restarts (1 restarted)" eval "log_since n1 $l1 | grep -q '1 restarted'"
check "notify_stop added in place ran at the restart" wait_for "grep -q 'VI_1 STOP' $T_DIR/notes" 2000

prober_stop
adv_capture_stop
stop_pair_checked
print_figures
finish
