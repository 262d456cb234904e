#!/bin/bash
# SIGKILL of the MASTER (nothing cleaned up: the VIP stays on its interface),
# then a restart of the killed daemon.  VRRPv3 multicast at 100 ms, both
# nodes start as BACKUP, n1 priority 100, n2 priority 50.
#   - n2 takes over within Master_Down_Interval (380 ms) + margin of the kill;
#     meanwhile the stale VIP is still on n1 (both hold it)
#   - the restarted fipd on n1 deletes the stale VIP before anything else:
#     before its first advert and before any GARP from n1's MAC (bridge-port
#     capture; the kernel's own ARP for the stale VIP is not fipd's), and
#     before it could become MASTER
#   - preempt = yes (default): n1 takes the VIP back, but only after its
#     Master_Down_Interval as a BACKUP (not at once), and then alone
#   - preempt = no: n1 stays BACKUP (HOLD_MS, default 2000 ms), n2 keeps the VIP
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib-extra.sh"

M=$FIPD_MARGIN_MS
MDI2=380   # n2 (50): 3 x 10 cs + 206 x 10 / 256 cs
MDI1=360   # n1 (100): 3 x 10 cs + 156 x 10 / 256 cs
HOLD=${HOLD_MS:-2000}

setup_all 180
need_tools tcpdump
MAC1=$(node_mac n1)
CAP=$T_DIR/n1-port.txt
ip netns exec "$(ns br)" tcpdump -i n1 -Q in -p -n -l -tt "(ip proto 112 and src host 192.0.2.1) or (arp and ether src $MAC1)" \
	</dev/null >"$CAP" 2>"$T_DIR/tcpdump.err" &
_track $!
sleep 0.5
vre=${T_VIP//./\\.}
GARP_RE="Request who-has $vre tell $vre[ ,]"
FIPD_FRAMES_RE="VRRP|$GARP_RE"
# First frame from n1 after AFTER_MS matching an ERE (epoch ms).
cap_first() { awk -v a="$1" -v re="$2" '{ ms = $1 * 1000 } ms >= a && $0 ~ re { printf "%.0f\n", ms; exit }' "$CAP"; }

scenario() { # LABEL PREEMPT
	local label=$1 pre=$2 m1 m2 l1 t_kill t_take t_start t_del t_dlog t_adv t_arp t_master d
	say "---- $label (preempt = $pre)"
	start_fipd n1 "$(v3_conf n1 BACKUP 100 preempt="$pre")"
	start_fipd n2 "$(v3_conf n2 BACKUP 50 preempt="$pre")"
	wait_for "vip_only_on n1" 3000 || die "$label: VIP not on n1 alone (holders: $(vip_holders))"
	hold_for "vip_only_on n1" 800 || die "$label: election unstable (holders: $(vip_holders))"
	m2=$(mon_mark n2)
	_now; t_kill=$T_NOW
	kill_fipd n1
	check "$label: the VIP stays on n1 after SIGKILL (stale)" vip_on n1
	wait_for "vip_on n2" $((MDI2 + M + 1000)) || fail "$label: n2 did not take over"
	t_take=$(mon_first n2 add "$t_kill" "$m2")
	d=$(( ${t_take:-99999999999} - t_kill ))
	figure "$label: n2 took the VIP $d ms after the SIGKILL of n1 (Master_Down_Interval $MDI2 ms)"
	check "$label: n2 takes over within Master_Down_Interval + ${M} ms ($d ms)" [ "$d" -le $((MDI2 + M)) ]
	check "$label: split: stale VIP on n1 and VIP on n2" eval 'vip_on n1 && vip_on n2'
	sleep 0.5

	m1=$(mon_mark n1); l1=$(log_lines n1)
	_now; t_start=$T_NOW
	start_fipd n1 "${FIPD_CONF[n1]}"
	wait_for "! vip_on n1" 2000 || fail "$label: the restarted fipd did not remove the stale VIP"
	if [ "$pre" = yes ]; then
		wait_for "vip_only_on n1" $((MDI1 + M + 1500)) || fail "$label: n1 did not take the VIP back (preempt = yes)"
		hold_for "vip_only_on n1" 500 || fail "$label: VIP not on n1 alone after the preemption (holders: $(vip_holders))"
	else
		hold_for "vip_only_on n2" "$HOLD" && ok "$label: n2 keeps the VIP alone for $HOLD ms" ||
			fail "$label: n1 took the VIP back with preempt = no (holders: $(vip_holders))"
	fi
	sleep 0.2
	t_del=$(mon_first n1 del "$t_start" "$m1")
	t_adv=$(cap_first "$t_start" 'VRRP')
	# fipd's gratuitous ARP (request, sender = target = VIP).  n1's kernel
	# may still answer or ask with the stale VIP meanwhile: that is the
	# crash's doing, not the restarted daemon's, and is not counted.
	t_arp=$(cap_first "$t_start" "$GARP_RE")
	# The deletion: the address monitor stamps it when it reads it, late
	# on a loaded machine; fipd logs it once netlink acknowledged it.
	# Both are upper bounds of the real time: take the earlier.
	t_dlog=$(log_first_ms n1 "$l1" 'removed stale VIP')
	if [ -n "$t_dlog" ] && { [ -z "$t_del" ] || [ "$t_dlog" -lt "$t_del" ]; }; then
		t_del=$t_dlog
	fi
	t_master=$(log_first_ms n1 "$l1" 'VI_1: [A-Z]+ -> MASTER')
	rel() { [ -n "$1" ] && echo "+$(($1 - t_start)) ms" || echo "none"; }
	say "$label: restart at 0; stale VIP deleted $(rel "$t_del"); first advert $(rel "$t_adv"); first ARP $(rel "$t_arp"); MASTER $(rel "$t_master")"
	check "$label: stale VIP deleted by the restarted fipd" [ -n "$t_del" ]
	if [ -n "$t_del" ]; then
		figure "$label: restarted fipd removed the stale VIP $((t_del - t_start)) ms after its start${t_adv:+, first advert $((t_adv - t_start)) ms}${t_master:+, MASTER at $((t_master - t_start)) ms}"
		[ -n "$t_adv" ] && check "$label: stale VIP deleted before n1's first advert" [ "$t_del" -le "$t_adv" ]
		[ -n "$t_arp" ] && check "$label: stale VIP deleted before n1's first ARP frame" [ "$t_del" -le "$t_arp" ]
		[ -n "$t_master" ] && check "$label: stale VIP deleted before n1 became MASTER" [ "$t_del" -le "$t_master" ]
		check "$label: no advert or GARP from n1 on the wire before the deletion" eval "[ -z \"\$(awk -v a=$t_start -v b=$t_del -v re=\"\$FIPD_FRAMES_RE\" '{ ms = \$1 * 1000 } ms >= a && ms < b && \$0 ~ re' '$CAP')\" ]"
	fi
	check "$label: a log line says the stale VIP was removed" eval "log_since n1 $l1 | grep -q 'removed stale VIP'"
	if [ "$pre" = yes ]; then
		if [ -n "$t_master" ]; then
			d=$((t_master - t_start))
			check "$label: n1 preempts only after waiting as BACKUP (>= 3 advert intervals: $d ms)" [ "$d" -ge 300 ]
			check "$label: n1 preempts within Master_Down_Interval + ${M} ms + start-up ($d ms)" [ "$d" -le $((MDI1 + M + 500)) ]
		else
			fail "$label: no transition to MASTER in n1's log"
		fi
	else
		check "$label: n1 never became MASTER" [ -z "$t_master" ]
		check "$label: n1 is BACKUP" eval "log_since n1 $l1 | grep -q 'VI_1: [A-Z]* -> BACKUP'"
	fi
	check "$label: both alive" eval 'fipd_alive n1 && fipd_alive n2'
	stop_fipd n1; stop_fipd n2
	check "$label: exit status 0 0 (${FIPD_RC[n1]} ${FIPD_RC[n2]})" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
	wait_for '[ "$(vip_holders)" = none ]' 2000 || fail "$label: VIP left behind after a clean stop ($(vip_holders))"
}

scenario "SIGKILL+restart, preempt" yes
scenario "SIGKILL+restart, no preempt" no
check "no sanitizer report" eval 'sanitizer_clean n1 && sanitizer_clean n2'
print_figures
finish
