#!/bin/bash
# Interfaces that come and go, and renumbering (issue 12), VRRPv3 multicast
# at 100 ms (Master_Down_Interval 361 ms for n1, priority 100; 381 ms for
# n2, priority 50):
#
#   - eth0 deleted and created again (a VLAN or bond rebuilt, a NIC
#     hot-plugged; a new ifindex), under the MASTER and under the BACKUP;
#   - eth0 replaced by a rename (eth0 -> old0, a new link new0 -> eth0, the
#     address moved over), under the MASTER and under the BACKUP.
#   After each, within one Master_Down_Interval (+ margin) of the link being
#   back: n1 the only MASTER and staying so, its adverts leaving through the
#   new link (seen by the client), the client served by n1.  Before the
#   kernel watcher the raw socket stayed bound to the old ifindex: the
#   node never heard its peer again and both held the VIP for good.
#
#   - renumbering the MASTER (192.0.2.1 -> 192.0.2.11, DHCP-style: the new
#     address first, then the old one removed): its adverts carry the new
#     source within one advert interval (+ margin), no transition anywhere;
#   - no IPv4 address left to advertise from: FAULT with that reason, the
#     peer takes over; an address back: n1 preempts again.
. "$(dirname "$0")/lib.sh"

MDI1=361
MDI2=381
ADV=100
M=$FIPD_MARGIN_MS

setup_all 300
for n in n1 n2; do
	# Links created later inherit "default": no IPv6 chatter on them
	# either; promote_secondaries keeps a new address when the old
	# primary goes (the renumbering case).
	nsx "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
	nsx "$n" sysctl -qw net.ipv4.conf.all.promote_secondaries=1 >/dev/null 2>&1 || true
	nsx "$n" sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1 >/dev/null 2>&1 || true
done
c1=$(v3_conf n1 MASTER 100)
c2=$(v3_conf n2 BACKUP 50)
start_pair "$c1" "$c2" n1 4000
hold_for "vip_only_on n1" 1000 || die "VIP not on n1 alone (holders: $(vip_holders))"
adv_capture_start c
prober_start 280

# The node's eth0 as the bridge's port NODE again, with ADDR.
new_port() { # NODE IFNAME ADDR
	local n=$1 ifn=$2 a=$3
	ip -n "$(ns br)" link add "$n" type veth peer name "$ifn" netns "$(ns "$n")" ||
		die "cannot create veth for $n"
	ip -n "$(ns br)" link set "$n" master br0
	ip -n "$(ns br)" link set "$n" up
	nsx "$n" sysctl -qw "net.ipv4.conf.$ifn.promote_secondaries=1" >/dev/null 2>&1 || true
	ip -n "$(ns "$n")" link set "$ifn" up
	[ -n "$a" ] && ip -n "$(ns "$n")" addr add "$a/24" dev "$ifn"
}

# How: recreate (delete eth0 with its bridge port, create both again) or
# rename (eth0 -> old0 and down, a new link new0 -> eth0, address moved).
replace_eth0() { # NODE recreate|rename
	local n=$1 how=$2 a=${T_NODE_IP[$1]} br
	br=$(ns br)
	case $how in
	recreate)
		ip -n "$br" link del "$n" || die "cannot delete $n's port"
		sleep 1
		new_port "$n" eth0 "$a"
		;;
	rename)
		ip -n "$(ns "$n")" link set eth0 down
		ip -n "$(ns "$n")" link set eth0 name old0 || die "cannot rename $n's eth0"
		ip -n "$br" link set "$n" name "$n-old"
		sleep 1
		new_port "$n" new0 ""
		ip -n "$(ns "$n")" link set new0 down
		ip -n "$(ns "$n")" link set new0 name eth0 || die "cannot rename new0 to eth0 on $n"
		ip -n "$(ns "$n")" link set eth0 up
		ip -n "$(ns "$n")" addr add "$a/24" dev eth0
		;;
	esac
	_now; T_BACK_MS=$T_NOW
	say "$n: eth0 back ($how) at +0, index $(ip -n "$(ns "$n")" -o link show dev eth0 | cut -d: -f1)"
}

# Remove what a rename left (the old link and its bridge port).
drop_old() { # NODE
	ip -n "$(ns br)" link del "$1-old" 2>/dev/null || true
}

case_run() { # NODE HOW ROLE
	local n=$1 how=$2 role=$3 l1 l2 m2 tk ad ok_single
	say "=== $how of eth0 under the $role ($n)"
	l1=$(transitions n1); l2=$(transitions n2); m2=$(became_master_count n2)
	replace_eth0 "$n" "$how"
	# Under the MASTER, n2 takes over meanwhile (n1 lost its link for
	# a second); then n1 preempts once it hears n2 over the new link.
	ok_single=0
	if wait_for "vip_only_on n1" $((MDI1 + M)); then
		_now; tk=$((T_NOW - T_BACK_MS))
		if hold_for "vip_only_on n1" 1500; then ok_single=1; fi
	fi
	if [ "$ok_single" = 1 ]; then
		figure "$how under the $role ($n): n1 the only master $tk ms after eth0 was back (bound: Master_Down_Interval $MDI1 + $M ms), stable for 1.5 s"
		ok "$how under the $role: exactly one master within Master_Down_Interval + $M ms of the link's return"
	else
		fail "$how under the $role ($n): no single stable master within $((MDI1 + M)) ms of the link's return (holders: $(vip_holders))"
	fi
	ad=$(awk -v a="$T_BACK_MS" '$3 == "192.0.2.1" {
		split($1, p, "."); ms = p[1] * 1000 + int(substr(p[2] "000", 1, 3))
		if (ms >= a) c++ } END { print c + 0 }' "$T_ADV_LOG")
	check "$how under the $role: n1's adverts leave through the new link ($ad seen by the client since)" [ "$ad" -gt 5 ]
	check "$how under the $role: client served by n1" client_sees n1
	if [ "$role" = BACKUP ]; then
		check "$how under the BACKUP: no transition on n1 ($(($(transitions n1) - l1)))" [ "$(transitions n1)" = "$l1" ]
		check "$how under the BACKUP: n2 never became master" [ "$(became_master_count n2)" = "$m2" ]
	fi
	say "$how under the $role: transitions n1 +$(($(transitions n1) - l1)), n2 +$(($(transitions n2) - l2))"
	[ "$how" = rename ] && drop_old "$n"
}

case_run n1 recreate MASTER
case_run n2 recreate BACKUP
case_run n1 rename MASTER
case_run n2 rename BACKUP
check "n1 followed the new links (log)" grep -q "eth0: interface is index .* now: VRRP socket (IPv4) reopened" "$T_DIR/n1.log"

# --- renumbering the MASTER.
say "=== renumbering n1: 192.0.2.1 -> 192.0.2.11"
l1=$(transitions n1); l2=$(transitions n2)
ip -n "$(ns n1)" addr add 192.0.2.11/24 dev eth0
ip -n "$(ns n1)" addr del 192.0.2.1/24 dev eth0
_now; t_ren=$T_NOW
wait_for "grep -q ' 192.0.2.11 > 224.0.0.18' '$T_ADV_LOG'" 2000
first=$(awk '$3 == "192.0.2.11" { split($1, p, "."); printf "%.0f\n", p[1] * 1000 + int(substr(p[2] "000", 1, 3)); exit }' "$T_ADV_LOG")
if [ -n "$first" ]; then
	figure "renumbering: n1's first advert from 192.0.2.11 $((first - t_ren)) ms after the old address went (bound: one advert interval $ADV + $M ms)"
	check "renumbering: adverts from the new address within one advert interval + $M ms" [ $((first - t_ren)) -le $((ADV + M)) ]
else
	fail "renumbering: no advert from 192.0.2.11 within 2 s"
fi
sleep 0.5
late=$(awk -v a="$((t_ren + ADV + M))" '$3 == "192.0.2.1" { split($1, p, "."); ms = p[1] * 1000 + int(substr(p[2] "000", 1, 3)); if (ms >= a) c++ } END { print c + 0 }' "$T_ADV_LOG")
check "renumbering: no advert from the old address afterwards ($late)" [ "$late" = 0 ]
check "renumbering: no transition on either node" eval '[ "$(transitions n1)" = "$l1" ] && [ "$(transitions n2)" = "$l2" ]'
check "renumbering: logged" grep -q "VI_1: advert source 192.0.2.1 -> 192.0.2.11" "$T_DIR/n1.log"
check "renumbering: n1 still the only master" vip_only_on n1

# --- no source address left: FAULT, then back.
say "=== n1 loses its last IPv4 address"
_now; t_gone=$T_NOW
ip -n "$(ns n1)" addr del 192.0.2.11/24 dev eth0
if wait_for "vip_only_on n2" 2000; then
	_now; figure "no address: n2 holds the VIP alone $((T_NOW - t_gone)) ms after n1's last address went"
else
	fail "no address: n2 did not take over (holders: $(vip_holders))"
fi
check "no address: n1 logged MASTER -> FAULT with the reason" grep -qE "VI_1: MASTER -> FAULT \(no IPv4 address on eth0 to advertise from\)" "$T_DIR/n1.log"
ip -n "$(ns n1)" addr add 192.0.2.1/24 dev eth0
_now; t_back=$T_NOW
if wait_for "vip_only_on n1" $((MDI1 + M + 1000)); then
	_now; figure "no address: n1 master again $((T_NOW - t_back)) ms after an address came back"
else
	fail "no address: n1 not master again after its address came back (holders: $(vip_holders))"
fi
check "no address: n1 logged FAULT -> BACKUP" grep -qE "VI_1: FAULT -> BACKUP" "$T_DIR/n1.log"

prober_stop
adv_capture_stop
stop_pair_checked
print_figures
finish
