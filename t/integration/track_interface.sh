#!/bin/bash
# track_interface (issue 3): n1 tracks a second link (trk0, one end of a veth
# pair inside n1).  Its carrier goes away -> n1 enters FAULT, sends priority
# 0 and removes the VIP, n2 takes over after Skew_Time; the link comes back
# -> n1 leaves FAULT and preempts.  Link events come from netlink.
. "$(dirname "$0")/lib.sh"

SKEW=805
M=$FIPD_MARGIN_MS
setup_all 120
nsx n1 ip link add trk0 type veth peer name trk1 || die "veth in n1"
nsx n1 ip link set trk0 up
nsx n1 ip link set trk1 up
c1=$(wiki_conf n1 track_interface=trk0)
c2=$(wiki_conf n2)
start_pair "$c1" "$c2" n1 6000
hold_for "vip_only_on n1" 1500 || die "VIP not on n1 alone (holders: $(vip_holders))"

prober_start 40
sleep 0.5
_now; t_down=$T_NOW
nsx n1 ip link set trk1 down	# trk0 loses its carrier
wait_for "vip_only_on n2" $((SKEW + M + 1000)) || fail "n2 did not take the VIP after n1's tracked link went down (holders: $(vip_holders))"
_now
figure "track_interface: VIP on n2 alone $((T_NOW - t_down)) ms after n1's tracked link lost carrier (Skew_Time $SKEW ms)"
check "takeover within Skew_Time + $M ms" [ $((T_NOW - t_down)) -le $((SKEW + M)) ]
check "n1 logged MASTER -> FAULT naming the interface" grep -qE "VI_1: MASTER -> FAULT \(interface trk0 down\)" "$T_DIR/n1.log"
check "client served by n2" client_sees n2

nsx n1 ip link set trk1 up
_now; t_up=$T_NOW
wait_for "vip_only_on n1" 8000 || fail "n1 did not take the VIP back after its link returned (holders: $(vip_holders))"
_now
figure "track_interface: VIP back on n1 $((T_NOW - t_up)) ms after the link returned (FAULT -> BACKUP, then preemption after Master_Down_Interval)"
check "n1 logged FAULT -> BACKUP" grep -qE "VI_1: FAULT -> BACKUP" "$T_DIR/n1.log"
prober_stop
stop_fipd n1; stop_fipd n2
print_figures
finish
