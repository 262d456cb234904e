#!/bin/bash
# VRRPv3 over multicast (224.0.0.18, no unicast_peer) with a 100 ms advert
# interval: election, then failover on a link cut.  n2 (priority 50) must take
# over within Master_Down_Interval = 3 * 10 cs + (206 * 10 / 256) cs = 380 ms
# (+ margin) after n1's last advert (RFC 9568 §6.1).
. "$(dirname "$0")/lib.sh"

MDI=381
M=$FIPD_MARGIN_MS

setup_all 120
c1=$(v3_conf n1 MASTER 100)
c2=$(v3_conf n2 BACKUP 50)

start_fipd n1 "$c1"
start_fipd n2 "$c2"
# Both start together: the election must give the VIP to n1 (higher priority).
wait_for "vip_only_on n1" 3000 || die "election: VIP not on n1 alone within 3 s (holders: $(vip_holders))"
if hold_for "vip_only_on n1" 1500; then ok "election: n1 holds the VIP alone"; else fail "election unstable (holders: $(vip_holders))"; fi
check "client HTTP answer comes from n1" client_sees n1

adv_capture_start n2
prober_start 60
sleep 1
check "adverts are multicast to 224.0.0.18 (VRRPv3)" \
	grep -qE '192\.0\.2\.1 > 224\.0\.0\.18: VRRPv3' "$T_ADV_LOG"
check "no unicast VRRP seen" eval "! grep -qE '> 192\\.0\\.2\\.[0-9]+: VRRP' '$T_ADV_LOG'"

m2=$(mon_mark n2)
cut_link n1
wait_for "vip_on n2" $((MDI + M + 2000)) || fail "n2 did not take the VIP within $((MDI + M + 2000)) ms of the cut"
wait_client n2 "$T_CUT_MS" 2000 || fail "the client got no answer from n2 after the cut"
sleep 0.3
# n1's last advert as n2 heard it: the last one captured before n2 took
# the VIP.  (Not "before T_CUT_MS": that is taken before the bridge command
# runs, and an advert that still got through meanwhile would make the
# takeover look one advert interval late.)
t_vip=$(mon_first n2 add "$T_CUT_MS" "$m2")
last_adv=$(adv_last 192.0.2.1 "${t_vip:-$(now_ms)}")
ref_what="n1's last advert"
[ -n "$last_adv" ] || { last_adv=$T_CUT_MS; ref_what="the cut (no capture)"; }
c_first=$(probe_first n2 "$T_CUT_MS")
if [ -n "$t_vip" ]; then
	d=$((t_vip - last_adv))
	figure "v3 multicast 100 ms: n2 took the VIP $d ms after $ref_what ($((t_vip - T_CUT_MS)) ms after the cut; Master_Down_Interval $MDI ms, bound $((MDI + M)) ms)"
	check "takeover within Master_Down_Interval + ${M} ms ($d ms)" [ "$d" -le $((MDI + M)) ]
	check "takeover not before 3 advert intervals ($d ms >= 300 ms)" [ "$d" -ge 300 ]
fi
if [ -n "$c_first" ]; then
	read -r gap _ _ <<< "$(probe_gap $((T_CUT_MS - 500)) "$c_first")"
	figure "v3 multicast 100 ms: client outage $gap ms; first answer from n2 $((c_first - last_adv)) ms after $ref_what"
	check "client served by n2 within Master_Down_Interval + ${M} ms + probe resolution" [ $((c_first - last_adv)) -le $((MDI + M + 150)) ]
fi

restore_link n1
if wait_for "vip_only_on n1" $((1000 + M)); then
	figure "v3 multicast 100 ms: VIP on n1 alone $(( $(now_ms) - T_RESTORE_MS )) ms after the link came back"
else
	fail "VIP not on n1 alone within $((1000 + M)) ms of the restore (holders: $(vip_holders))"
fi
client_after_heal 2000
prober_stop
adv_capture_stop
stop_fipd n2
stop_fipd n1
check "both exited 0" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
print_figures
finish
