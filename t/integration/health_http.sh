#!/bin/bash
# The VIP follows a *working* nginx (issue 3): the wiki pair (v2, unicast,
# advert 1 s; n1 priority 100, n2 priority 50) with an HTTP check of the
# local nginx on both nodes.  nginx on the MASTER is stopped (gracefully, as
# `systemctl stop nginx` does); the BACKUP must take the VIP and answer the
# client's HTTP, then nginx comes back and the VIP fails back (preempt).
#
#   HC_WEIGHT=0    (default) a failing check puts n1 in FAULT: it hands over
#                  with priority 0, n2 takes over after Skew_Time (805 ms).
#   HC_WEIGHT=-60  n1 advertises 40 < 50; n2 preempts after its
#                  Master_Down_Interval (3805 ms) from the last advert >= 50.
#   HC_PROFILE=fast  v3, advert 0.1 s, check interval 0.1 s (Skew_Time of
#                  priority 50: 80 ms; Master_Down_Interval 380 ms).
#   HC_TYPE=http|tcp|script  the check plugin (script: curl, exec'd without a
#                  shell as script_user nobody).
#   HC_PREEMPT=no  n1 must NOT take the VIP back when nginx returns.
# Bound on the client's outage: fall x interval + (Skew_Time | MDI) + margin.
# nginx keeps connections alive (keepalive_timeout 75 s, nginx's default),
# which lets check_http notice the stop as its connection closes.
. "$(dirname "$0")/lib.sh"

W=${HC_WEIGHT:-0}
PROFILE=${HC_PROFILE:-wiki}
TYPE=${HC_TYPE:-http}
PREEMPT=${HC_PREEMPT:-yes}
case $TYPE in
http) chk=(type=http url=http://127.0.0.1/) ;;
tcp) chk=(type=tcp connect=127.0.0.1:80) ;;
script) chk=(type=script "command=/usr/bin/curl -s -f -o /dev/null -m 1 http://127.0.0.1/") ;;
*) echo "HC_TYPE=$TYPE?"; exit 99 ;;
esac
M=$FIPD_MARGIN_MS
T_NGINX_KEEPALIVE=75

if [ "$PROFILE" = fast ]; then
	INT=0.1; INT_MS=100; SKEW=80; MDI=380
	extra=(version=3 advert_int=0.1 auth_pass=)
else
	INT=1; INT_MS=1000; SKEW=805; MDI=3805
	extra=()
fi
FALL=2
if [ "$W" = 0 ]; then TAKE=$SKEW; what="Skew_Time"; else TAKE=$MDI; what="Master_Down_Interval"; fi
BOUND=$((FALL * INT_MS + TAKE + M))

setup_all 150
for n in n1 n2; do
	c=$(wiki_conf $n "${extra[@]}" preempt=$PREEMPT track_check=nginx)
	add_check "$c" nginx "${chk[@]}" interval=$INT \
		timeout=$INT fall=$FALL rise=2 weight="$W"
done
start_pair "$T_DIR/n1.conf" "$T_DIR/n2.conf" n1 6000
hold_for "vip_only_on n1" 1500 || die "VIP not on n1 alone (holders: $(vip_holders))"
check "client HTTP answer comes from n1" client_sees n1

prober_start 60
sleep 1
m2=$(mon_mark n2)
stop_nginx n1
t_stop=$T_NGINX_STOP_MS
wait_for "vip_on n2" $((BOUND + 3000)) || fail "n2 did not take the VIP within $((BOUND + 3000)) ms of stopping nginx on n1"
wait_client n2 "$t_stop" 3000 || fail "the client got no answer from n2"
sleep 0.3
t_vip=$(mon_first n2 add "$t_stop" "$m2")
c_first=$(probe_first n2 "$t_stop")
if [ -n "$c_first" ]; then
	read -r gap _ _ <<< "$(probe_gap $((t_stop - 500)) "$c_first")"
	figure "health check ($TYPE, $PROFILE, weight $W): client outage $gap ms after nginx stopped on the MASTER; first answer from n2 $((c_first - t_stop)) ms after the stop (bound $BOUND ms = $FALL x $INT_MS + $what $TAKE + $M)"
	check "client served by n2 within $BOUND ms + probe resolution" [ $((c_first - t_stop)) -le $((BOUND + 150)) ]
fi
[ -n "$t_vip" ] && figure "health check ($TYPE, $PROFILE, weight $W): n2 took the VIP $((t_vip - t_stop)) ms after nginx stopped"
if [ "$FIPD_DAEMON" = fipd ]; then
	grep -E "check nginx: UP -> DOWN" "$T_DIR/n1.log" | tail -n 1 | sed 's/^/n1: /'
	check "n1 logged the check going DOWN with a reason" grep -qE "check nginx: UP -> DOWN \(.+\)" "$T_DIR/n1.log"
	if [ "$W" = 0 ]; then
		check "n1 went to FAULT" grep -qE "VI_1: MASTER -> FAULT \(check nginx DOWN" "$T_DIR/n1.log"
	fi
fi
check "VIP only on n2" vip_only_on n2

# nginx back on n1: the check rises, n1 preempts (priority 100 > 50) --
# or, with preempt = no, leaves the VIP where it is.
start_nginx n1
_now; t_back=$T_NOW
if [ "$PREEMPT" = no ]; then
	if hold_for "vip_only_on n2" $((2 * INT_MS + MDI + 1000)); then
		ok "preempt = no: VIP stayed on n2 after nginx returned on n1"
	else
		fail "preempt = no: VIP moved after nginx returned (holders: $(vip_holders))"
	fi
else
	wait_for "vip_only_on n1" $((2 * INT_MS + MDI + M + 3000)) ||
		fail "VIP did not fail back to n1 after nginx returned (holders: $(vip_holders))"
	_now
	figure "health check ($TYPE, $PROFILE, weight $W): VIP back on n1 $((T_NOW - t_back)) ms after nginx restarted"
	check "client HTTP answer comes from n1 again" client_sees n1
fi
prober_stop
stop_fipd n1; stop_fipd n2
check "fipd on n1 exited 0" [ "${FIPD_RC[n1]}" = 0 ]
check "fipd on n2 exited 0" [ "${FIPD_RC[n2]}" = 0 ]
print_figures
finish
