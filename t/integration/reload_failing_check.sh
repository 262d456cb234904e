#!/bin/bash
# Issue 12: a reload that edits a failing check keeps the instance in FAULT.
# The wiki pair with an HTTP check of the local nginx (weight 0).  nginx is
# stopped on the MASTER (n1), n1 goes to FAULT and n2 takes the VIP.  Then
# the check's `interval` is edited on n1 and n1 gets SIGHUP: the changed
# check must keep its DOWN verdict until its first new result, so n1 logs
# no transition and the VIP stays on n2.  Before the fix the check
# restarted as "unknown", which counted as UP: n1 went FAULT -> BACKUP and
# (priority 100 > 50, preempt) took the VIP with its nginx still down.
. "$(dirname "$0")/lib.sh"

M=$FIPD_MARGIN_MS
[ "$FIPD_DAEMON" = fipd ] || skip "fipd only (check verdicts over a reload)"

setup_all 120
for n in n1 n2; do
	c=$(wiki_conf $n track_check=nginx)
	add_check "$c" nginx type=http url=http://127.0.0.1/ interval=1 \
		timeout=1 fall=2 rise=2 weight=0
done
start_pair "$T_DIR/n1.conf" "$T_DIR/n2.conf" n1 6000
hold_for "vip_only_on n1" 1500 || die "VIP not on n1 alone (holders: $(vip_holders))"

stop_nginx n1
wait_for "vip_only_on n2" $((2 * 1000 + 805 + M + 3000)) ||
	die "n2 did not take the VIP after nginx stopped on n1 (holders: $(vip_holders))"
wait_for "grep -qE 'VI_1: [A-Z]+ -> FAULT' '$T_DIR/n1.log'" 3000 ||
	die "n1 did not go to FAULT"
ok "nginx stopped on n1: n1 in FAULT, VIP on n2"

# Edit the failing check (interval 1 -> 0.5) and reload n1.
c=$(wiki_conf n1 track_check=nginx)
add_check "$c" nginx type=http url=http://127.0.0.1/ interval=0.5 \
	timeout=0.5 fall=2 rise=2 weight=0
l1=$(log_lines n1); m1=$(mon_mark n1)
tr_re=$(transition_re)
hup_fipd n1
wait_for "log_since n1 $l1 | grep -q 'reload: .* applied'" 3000 ||
	fail "n1 did not log the reload as applied"
if hold_for "vip_only_on n2 && fipd_alive n1" 4000; then
	ok "VIP stayed on n2 for 4 s after the check was edited on n1"
else
	fail "after editing the failing check on n1: holders $(vip_holders)"
fi
check "n1 logged no transition after the reload" \
	[ "$(log_since n1 "$l1" | grep -cE "$tr_re")" = 0 ]
check "n1 never added the VIP after the reload (address monitor)" \
	[ "$(mon_count n1 add "$m1")" = 0 ]
check "n1 says the changed check stays DOWN" \
	grep -q "check nginx: changed by reload, stays DOWN" "$T_DIR/n1.log"

# nginx back: the edited check rises and n1 takes the VIP back (preempt).
start_nginx n1
wait_for "vip_only_on n1" $((2 * 500 + 3805 + M + 3000)) ||
	fail "VIP did not fail back to n1 after nginx returned (holders: $(vip_holders))"
stop_fipd n1; stop_fipd n2
check "both exited 0" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
print_figures
finish
