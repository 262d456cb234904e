#!/bin/bash
# Graceful stop of the MASTER (SIGTERM): it sends an advert with priority 0
# and removes the VIP; the BACKUP takes over after Skew_Time instead of the
# whole Master_Down_Interval (RFC 3768 §6.4.2: priority 0 -> Master_Down_Timer
# = Skew_Time).  Wiki setup (v2, unicast, advert 1 s): n2 priority 50 ->
# Skew_Time = (256 - 50) / 256 s = 805 ms.  fipd on n1 must exit 0.
. "$(dirname "$0")/lib.sh"

SKEW=805
M=$FIPD_MARGIN_MS

setup_all 120
start_fipd n1 "$(wiki_conf n1)"
wait_for "vip_on n1" 6000 || die "n1 did not take the VIP within 6 s"
start_fipd n2 "$(wiki_conf n2)"
# Let n2 settle as BACKUP (it must have heard n1 for a while).
hold_for "vip_only_on n1" 2500 || die "VIP not on n1 alone before the stop (holders: $(vip_holders))"
check "client HTTP answer comes from n1" client_sees n1

adv_capture_start n2
prober_start 60
sleep 1
m1=$(mon_mark n1); m2=$(mon_mark n2)
_now; t_term=$T_NOW
stop_fipd n1 5000 || fail "fipd on n1 did not exit within 5 s of SIGTERM"
check "fipd on n1 exited with status 0 (got ${FIPD_RC[n1]})" [ "${FIPD_RC[n1]}" = 0 ]
check "VIP removed from n1 by the stop" eval '! vip_on n1'
wait_for "vip_on n2" $((SKEW + M + 3000)) || fail "n2 did not take the VIP within $((SKEW + M + 3000)) ms"
wait_client n2 "$t_term" 3000 || fail "the client got no answer from n2 after the stop"
sleep 0.5
prober_stop
adv_capture_stop

t_vip=$(mon_first n2 add "$t_term" "$m2")
t_del=$(mon_first n1 del "$t_term" "$m1")
c_first=$(probe_first n2 "$t_term")
prio0=$(adv_prios 192.0.2.1 "$t_term" | awk '$2 == 0 { print $1; exit }')
if [ -n "$prio0" ]; then
	ok "n1 sent a priority-0 advert $((prio0 - t_term)) ms after SIGTERM"
	ref=$prio0; ref_what="n1's priority-0 advert"
elif command -v tcpdump >/dev/null 2>&1; then
	fail "no priority-0 advert from n1 seen by n2 after SIGTERM"
	ref=$t_term; ref_what="SIGTERM"
else
	ref=$t_term; ref_what="SIGTERM"
fi
[ -n "$t_del" ] && say "VIP deleted on n1 $((t_del - t_term)) ms after SIGTERM"
if [ -n "$t_vip" ]; then
	d=$((t_vip - t_term))
	figure "graceful stop: n2 took the VIP $d ms after SIGTERM ($((t_vip - ref)) ms after $ref_what; Skew_Time $SKEW ms, bound $((SKEW + M)) ms)"
	check "takeover within Skew_Time + ${M} ms of SIGTERM ($d ms)" [ "$d" -le $((SKEW + M)) ]
	check "takeover not before Skew_Time - 100 ms after $ref_what ($((t_vip - ref)) ms)" [ $((t_vip - ref)) -ge $((SKEW - 100)) ]
fi
if [ -n "$c_first" ]; then
	read -r gap _ _ <<< "$(probe_gap $((t_term - 500)) "$c_first")"
	figure "graceful stop: client outage $gap ms; first answer from n2 $((c_first - t_term)) ms after SIGTERM"
	check "client served by n2 within Skew_Time + ${M} ms + probe resolution" [ $((c_first - t_term)) -le $((SKEW + M + 150)) ]
fi
check "fipd on n2 still running" fipd_alive n2
check "VIP only on n2" vip_only_on n2
stop_fipd n2
check "fipd on n2 exited 0" [ "${FIPD_RC[n2]}" = 0 ]
print_figures
finish
