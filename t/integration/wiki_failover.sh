#!/bin/bash
# The wiki scenario (WIKI-ha-fip.txt) end to end: two web nodes, VRRPv2 with
# unicast peers and PASS auth, advert 1 s, VRID 50; n1 priority 100 MASTER,
# n2 priority 50 BACKUP, VIP 192.0.2.100 in front of nginx.
#
#  1. n1 holds the VIP alone; the backup never takes it while adverts flow;
#     the client's HTTP answers come from n1.
#  2. Hard failure: n1's switch port goes dead.  n2 must take the VIP within
#     Master_Down_Interval = 3 * 1 s + (256 - 50) / 256 s = 3.805 s (+ margin)
#     after n1's last advert, and the client gets answers from n2.
#  3. The link comes back: n2 sees the higher priority and steps down; the VIP
#     is on n1 alone again and the client is served by n1.
# Measured figures are printed ("hard failure: client outage X ms").
. "$(dirname "$0")/lib.sh"

MDI=3805            # Master_Down_Interval of n2, ms (v2, prio 50, advert 1 s)
M=$FIPD_MARGIN_MS

setup_all 180
c1=$(wiki_conf n1)
c2=$(wiki_conf n2)

# --- 1. steady state: n1 first, as in the wiki, then the backup joins.
start_fipd n1 "$c1"
wait_for "vip_on n1" 6000 || die "n1 did not take the VIP within 6 s of starting"
say "n1 holds the VIP"
m2=$(mon_mark n2)
start_fipd n2 "$c2"
# n2 must stay BACKUP for longer than its Master_Down_Interval.
if hold_for "vip_only_on n1 && fipd_alive n1 && fipd_alive n2" $((MDI + 1000)); then
	ok "VIP only on n1 for $((MDI + 1000)) ms after the backup started"
else
	fail "VIP not on n1 alone after the backup started (holders: $(vip_holders))"
fi
check "n2 never added the VIP while n1 advertised" [ "$(mon_count n2 add "$m2")" = 0 ]
check "client HTTP answer comes from n1" client_sees n1

adv_capture_start n2
prober_start 120
sleep 1.5
_now; base_end=$T_NOW
read -r bgap _ _ <<< "$(probe_gap $((base_end - 1400)) "$base_end")"
say "baseline: $(probe_counts $((base_end - 1400)) "$base_end"), largest gap ${bgap} ms"
check "baseline: every answer from n1" [ "$(probe_counts $((base_end - 1400)) "$base_end")" = \
	"$(probe_counts $((base_end - 1400)) "$base_end" | sed 's/n2=[0-9]*/n2=0/;s/fail=[0-9]*/fail=0/')" ]

# --- 2. hard failure of n1's network.
t1=$(transitions n2)
m2=$(mon_mark n2)
cut_link n1
if wait_for "vip_on n2" $((MDI + M + 3000)); then
	say "VIP on n2 ($(vip_holders))"
else
	fail "n2 did not take the VIP within $((MDI + M + 3000)) ms of the cut"
fi
wait_client n2 "$T_CUT_MS" 3000 || fail "the client got no answer from n2 after the cut"
sleep 0.5

# n1's last advert as n2 heard it: the last one captured before n2 took
# the VIP.  (Not "before T_CUT_MS": that is taken before the bridge command
# runs, and an advert that still got through meanwhile would make the
# takeover look one advert interval late.)
t_vip=$(mon_first n2 add "$T_CUT_MS" "$m2")
last_adv=$(adv_last 192.0.2.1 "${t_vip:-$(now_ms)}")
ref_what="n1's last advert seen by n2"
if [ -z "$last_adv" ]; then last_adv=$T_CUT_MS; ref_what="the cut (no capture)"; fi
c_first=$(probe_first n2 "$T_CUT_MS")
read -r gap gs ge <<< "$(probe_gap $((T_CUT_MS - 1000)) "${c_first:-$(now_ms)}")"
say "cut at +0; n1's last advert $((last_adv - T_CUT_MS)) ms; VIP on n2 +$((t_vip - T_CUT_MS)) ms; first n2 answer +$((c_first - T_CUT_MS)) ms"
if [ -n "$t_vip" ]; then
	detect=$((t_vip - last_adv))
	figure "hard failure: n2 took the VIP $detect ms after $ref_what (Master_Down_Interval $MDI ms, bound $((MDI + M)) ms)"
	check "takeover within Master_Down_Interval + ${M} ms ($detect ms)" [ "$detect" -le $((MDI + M)) ]
	check "takeover not before 3 advert intervals ($detect ms >= 3000 ms)" [ "$detect" -ge 3000 ]
fi
if [ -n "$c_first" ]; then
	cdelay=$((c_first - last_adv))
	figure "hard failure: client's first answer from n2 $cdelay ms after $ref_what (bound $((MDI + M + 150)) ms incl. 150 ms probe resolution)"
	check "client served by n2 within Master_Down_Interval + ${M} ms + probe resolution" [ "$cdelay" -le $((MDI + M + 150)) ]
fi
figure "hard failure: client outage $gap ms (largest gap between answers)"
check "n2 logged a transition to MASTER" [ "$(transitions n2)" -gt "$t1" ]

# --- 3. n1 comes back.
m1=$(mon_mark n1); m2=$(mon_mark n2)
restore_link n1
if wait_for "vip_only_on n1" $((3000 + M)); then
	t_back=$(now_ms)
	figure "recovery: VIP on n1 alone again $((t_back - T_RESTORE_MS)) ms after the link came back"
	ok "VIP only on n1 again"
else
	fail "VIP not on n1 alone within $((3000 + M)) ms of the restore (holders: $(vip_holders))"
fi
# The client follows only if something makes its ARP entry point at n1 again:
# n1 never left MASTER, so that takes a GARP from n1 (keepalived sends one when
# it hears n2's lower-priority advert; if n2 hears n1 first and yields
# silently, nothing does).  Reported as a figure, not asserted: it is a race.
client_after_heal 3000
sleep 1
check "VIP still only on n1" vip_only_on n1
check "both daemons still running" eval "fipd_alive n1 && fipd_alive n2"
prober_stop
adv_capture_stop

stop_fipd n2
stop_fipd n1
check "n1 exited 0 on SIGTERM" [ "${FIPD_RC[n1]}" = 0 ]
check "n2 exited 0 on SIGTERM" [ "${FIPD_RC[n2]}" = 0 ]
check "VIP removed from n1 on stop" eval '! vip_on n1'
print_figures
finish
