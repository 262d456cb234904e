#!/bin/bash
# preempt = no on the higher-priority node (n1, 100): once n2 (50) has taken
# over, a returning n1 must NOT take the VIP back.  Preempt_Mode only matters
# in the Backup state (RFC 3768 §6.4.2; RFC 9568 §6.4.2): a node coming back
# starts as BACKUP, hears n2's lower-priority adverts and, with preempt = no,
# keeps resetting its Master_Down_Timer instead of preempting.
# (A node that was isolated and stayed MASTER is not covered by preempt: two
# MASTERs resolve by priority, RFC 9568 §6.4.3.)
#
#  1. n1 (preempt = no, state BACKUP) starts alone and becomes MASTER; n2 joins.
#  2. n1 stops (SIGTERM): n2 takes over.
#  3. n1 starts again: for Master_Down_Interval(n1) + 2 s the VIP stays on n2
#     and the client keeps being served by n2.
#  4. Control: n1 is restarted with preempt = yes: it takes the VIP back after
#     its Master_Down_Interval (3 s + (256 - 100) / 256 s = 3.609 s).
. "$(dirname "$0")/lib.sh"

MDI1=3609
M=$FIPD_MARGIN_MS

setup_all 180
c1=$(wiki_conf n1 state=BACKUP preempt=no)
c2=$(wiki_conf n2)

start_fipd n1 "$c1"
wait_for "vip_on n1" $((MDI1 + M + 2000)) || die "n1 did not become MASTER alone"
start_fipd n2 "$c2"
hold_for "vip_only_on n1" 2000 || die "VIP not on n1 alone after n2 joined (holders: $(vip_holders))"
ok "n1 MASTER, n2 BACKUP"

stop_fipd n1 || fail "fipd on n1 did not stop on SIGTERM"
wait_for "vip_only_on n2" 3000 || die "n2 did not take over after n1 stopped (holders: $(vip_holders))"
ok "n2 took over after n1 stopped"

prober_start 60
sleep 0.5
m1=$(mon_mark n1)
l1=$(log_lines n1)
_now; t_back=$T_NOW
start_fipd n1 "$c1"
if hold_for "vip_only_on n2 && fipd_alive n1" $((MDI1 + 2000)); then
	ok "VIP stayed on n2 for $((MDI1 + 2000)) ms after n1 (preempt = no) came back"
else
	fail "VIP left n2 after n1 came back with preempt = no (holders: $(vip_holders); n1 alive: $(fipd_alive n1 && echo yes || echo no))"
fi
check "n1 never added the VIP" [ "$(mon_count n1 add "$m1")" = 0 ]
check "n1 logged no transition to MASTER after its return" \
	[ "$(log_since n1 "$l1" | grep -cE -- '-> MASTER \(|Entering MASTER STATE')" = 0 ]
_now
check "client served by n2 only while n1 came back ($(probe_counts "$t_back" "$T_NOW"))" \
	[ "$(probe_counts "$t_back" "$T_NOW" | sed 's/ .*//')" = "n1=0" ]
read -r gap _ _ <<< "$(probe_gap "$t_back" "$T_NOW")"
figure "preempt = no: largest client gap while n1 returned: $gap ms"
check "no client outage while n1 returned (largest gap $gap ms <= 300 ms)" [ "$gap" -le 300 ]

# Control: the same node with preempt = yes does take the VIP back.
stop_fipd n1
c1=$(wiki_conf n1 state=BACKUP preempt=yes)
_now; t_start=$T_NOW
m1=$(mon_mark n1)
start_fipd n1 "$c1"
if wait_for "vip_only_on n1" $((MDI1 + M + 1500)); then
	t_vip=$(mon_first n1 add "$t_start" "$m1")
	figure "preempt = yes (control): n1 took the VIP back $((t_vip - t_start)) ms after starting (Master_Down_Interval $MDI1 ms)"
	check "preemption after about Master_Down_Interval ($((t_vip - t_start)) ms <= $((MDI1 + M + 500)) ms)" \
		[ $((t_vip - t_start)) -le $((MDI1 + M + 500)) ]
else
	fail "control: n1 with preempt = yes did not take the VIP back (holders: $(vip_holders))"
fi
prober_stop
stop_fipd n1
stop_fipd n2
check "both exited 0" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
print_figures
finish
