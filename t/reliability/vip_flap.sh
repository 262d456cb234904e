#!/bin/bash
# Changes behind fipd's back.  VRRPv3 multicast at 100 ms, n1 MASTER (100),
# n2 BACKUP (50).
#  1. `ip addr del` of the VIP on the MASTER, 3 times: re-added each time
#     within one advert interval (VIPDEL_BOUND_MS, default 100 ms, from
#     the deletion to the re-add as the address monitor saw them), counted (vip_readded in the
#     SIGUSR1 dump), no transition anywhere.  Then a burst: the VIP deleted
#     again as soon as it is back, 15 times (action_netlink rate-limits its
#     re-adds to 10 per second): it must still come back, and no crash.
#  2. n1's eth0 set down (admin) for 1 s: n1 -> FAULT, VIP off n1, n2 takes
#     over; up again: n1 leaves FAULT, preempts, ends MASTER alone.
#  3. n1's carrier lost (its bridge-side veth set down) for 1 s: same.
#  4. n2's eth0 flapped while BACKUP: n2 -> FAULT -> BACKUP, n1 unaffected.
# Never two holders of the VIP once things settle (hold 1 s).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib-extra.sh"

M=$FIPD_MARGIN_MS
MDI=380
VB=${VIPDEL_BOUND_MS:-100}

setup_all 180
start_fipd n1 "$(v3_conf n1 MASTER 100)"
start_fipd n2 "$(v3_conf n2 BACKUP 50)"
wait_for "vip_only_on n1" 3000 || die "VIP not on n1 alone (holders: $(vip_holders))"
hold_for "vip_only_on n1" 1000 || die "election unstable (holders: $(vip_holders))"
prober_start 150

# ---- 1. VIP deleted behind fipd's back
l1=$(log_lines n1); l2=$(log_lines n2)
worst=0
for i in 1 2 3; do
	m1=$(mon_mark n1)
	_now; t=$T_NOW
	ip -n "$(ns n1)" addr del "$T_VIP/32" dev eth0 || die "ip addr del failed"
	if wait_for "vip_on n1" 2000; then
		sleep 0.05
		# Both ends from the same address monitor (its stamps lag
		# alike), not from before the `ip` command, which on a loaded
		# machine takes tens of ms to run.
		td=$(mon_first n1 del "$t" "$m1")
		ta=$(mon_first n1 add "${td:-$t}" "$m1")
		d=$(( ${ta:-$T_NOW} - ${td:-$t} ))
		[ "$d" -gt "$worst" ] && worst=$d
		check "VIP deleted ($i): re-added within $VB ms ($d ms)" [ "$d" -le "$VB" ]
	else
		fail "VIP deleted ($i): not re-added within 2 s"
	fi
	sleep 0.3
done
dump_status n1 || die "no dump"
ra=$(dump_field n1 VI_1 vip_readded)
figure "VIP deleted behind fipd's back 3 times: re-added each time, worst $worst ms; vip_readded = ${ra:-absent}"
check "vip_readded counts the 3 re-adds (${ra:-absent})" [ "${ra:-0}" -eq 3 ]
tr=$(transitions_since n1 "$l1"; transitions_since n2 "$l2")
check "no transition on either node${tr:+: $tr}" [ -z "$tr" ]

# Burst: delete again as soon as it is back, 15 times (bounded: 10 s).
_now; t0=$T_NOW
n=0
for ((i = 0; i < 15; i++)); do
	wait_for "vip_on n1" 3000 || break
	ip -n "$(ns n1)" addr del "$T_VIP/32" dev eth0 2>/dev/null && n=$((n + 1))
	_now; [ $((T_NOW - t0)) -gt 10000 ] && break
done
if wait_for "vip_on n1" 3000; then
	_now
	ok "VIP back after a burst of $n deletions ($((T_NOW - t0)) ms for the whole burst)"
else
	fail "VIP not back 3 s after a burst of $n deletions"
fi
dump_status n1
figure "burst of $n deletions: vip_readded now $(dump_field n1 VI_1 vip_readded); rate-limit lines: $(log_since n1 "$l1" | grep -c 'keep disappearing')"
check "fipd on n1 alive after the burst" fipd_alive n1
hold_for "vip_only_on n1" 500 || fail "VIP not on n1 alone after the burst (holders: $(vip_holders))"

# ---- 2./3. interface flaps on the MASTER
flap_master() { # LABEL DOWN_CMD UP_CMD
	local label=$1 l1 l2 t0 tf tu tm
	l1=$(log_lines n1); l2=$(log_lines n2)
	_now; t0=$T_NOW
	eval "$2" || die "$label: down failed"
	wait_for "log_since n1 $l1 | grep -q 'VI_1: MASTER -> FAULT'" 2000 || fail "$label: n1 did not go to FAULT"
	wait_for "vip_on n2" $((MDI + M + 1500)) || fail "$label: n2 did not take over"
	check "$label: VIP removed from n1 in FAULT" eval '! vip_on n1'
	sleep 1
	_now; tu=$T_NOW
	eval "$3" || die "$label: up failed"
	wait_for "log_since n1 $l1 | grep -qE 'VI_1: FAULT -> (BACKUP|MASTER)'" 3000 || fail "$label: n1 did not leave FAULT"
	wait_for "vip_only_on n1" $((MDI + M + 2000)) || fail "$label: n1 did not take the VIP back (holders: $(vip_holders))"
	hold_for "vip_only_on n1" 1000 || fail "$label: not a single master after the flap (holders: $(vip_holders))"
	tf=$(log_first_ms n1 "$l1" 'VI_1: MASTER -> FAULT')
	tm=$(log_first_ms n1 "$l1" 'VI_1: [A-Z]+ -> MASTER')
	figure "$label: n1 FAULT $(( ${tf:-0} - t0 )) ms after the down; MASTER again $(( ${tm:-0} - tu )) ms after the up; n1: $(log_since n1 "$l1" | grep -oE 'VI_1: [A-Z]+ -> [A-Z]+' | cut -d' ' -f2- | tr '\n' ',' ) n2: $(log_since n2 "$l2" | grep -oE 'VI_1: [A-Z]+ -> [A-Z]+' | cut -d' ' -f2- | tr '\n' ',')"
	check "$label: both alive" eval 'fipd_alive n1 && fipd_alive n2'
}
flap_master "admin down/up of n1's eth0" \
	'ip -n "$(ns n1)" link set eth0 down' 'ip -n "$(ns n1)" link set eth0 up'
flap_master "carrier loss on n1 (bridge-side veth down/up)" \
	'ip -n "$(ns br)" link set n1 down' 'ip -n "$(ns br)" link set n1 up'

# ---- 4. flap on the BACKUP
l1=$(log_lines n1); l2=$(log_lines n2)
ip -n "$(ns n2)" link set eth0 down
wait_for "log_since n2 $l2 | grep -q 'VI_1: BACKUP -> FAULT'" 2000 || fail "BACKUP flap: n2 did not go to FAULT"
sleep 0.5
ip -n "$(ns n2)" link set eth0 up
wait_for "log_since n2 $l2 | grep -q 'VI_1: FAULT -> BACKUP'" 3000 || fail "BACKUP flap: n2 did not return to BACKUP"
hold_for "vip_only_on n1" 1000 || fail "BACKUP flap: VIP not on n1 alone (holders: $(vip_holders))"
tr=$(transitions_since n1 "$l1")
check "BACKUP flap: no transition on n1${tr:+: $tr}" [ -z "$tr" ]
sleep 0.5
tr=$(log_since n2 "$l2" | grep -c 'VI_1: BACKUP -> MASTER')
check "BACKUP flap: n2 did not take over after coming back ($tr)" [ "$tr" -eq 0 ]

prober_stop
check "no sanitizer report" eval 'sanitizer_clean n1 && sanitizer_clean n2'
stop_fipd n2; stop_fipd n1
check "both exited 0" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
print_figures
finish
