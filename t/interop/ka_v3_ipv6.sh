#!/bin/bash
# fipd + keepalived, VRRPv3 over IPv6: VIP 2001:db8::100/64, multicast to
# ff02::12, advert 0.1 s, VRID 50.  Both implementations send from the
# interface's link-local address with hop limit 255.
#
#   - fipd priority 100 / keepalived 50, then keepalived 100 / fipd 50:
#     election, crash of the master (SIGKILL, VIP gone), takeover within
#     Master_Down_Interval + margin after the last advert, the client (over
#     IPv6, following the unsolicited Neighbor Advertisements) served by the
#     new master, restart and preemption back;
#   - equal priority: a partition makes both master, the heal leaves the
#     node with the higher link-local source address alone (RFC 9568 §6.4.3
#     compares all 128 bits), whichever implementation runs there;
#   - the wire: every multicast advert from the sender's eth0 link-local
#     address, to ff02::12, hop limit 255; fipd's unsolicited NAs as
#     CONFORMANCE item 72 says;
#   - unicast (unicast_src_ip = the node's 2001:db8:: address, unicast_peer
#     = the other's), crash failover both ways.  keepalived 2.2.7 sends its
#     IPv6 unicast adverts with hop limit 64, which fipd drops by default
#     (RFC 9568 §5.1.2.3); fipd runs with strict_ttl = no, its documented
#     setting for such peers, and the hop limits seen are printed.
. "$(dirname "$0")/lib-interop.sh"

i_setup 100 6
i_need_keepalived
I_VER=3 I_ADV=0.1 I_LABEL="v3 IPv6"
I_CONF_KEYS=(version=3 advert_int=0.1 auth_pass= unicast_src_ip= unicast_peer=
	virtual_ipaddress=$I_VIP6/64)
prober_start 100

i_failover_pair fipd keepalived
i_failover_pair keepalived fipd
i_tie_pair fipd keepalived
i_tie_pair keepalived fipd

# The multicast part's wire checks, before the unicast part adds packets.
for n in n1 n2; do
	ll=$(i_ll "$n")
	srcs=$(i_adv_srcs "$n" | tr '\n' ' ')
	check "$n: adverts only from its link-local $ll with hop limit 255 (seen: $srcs)" [ "$srcs" = "$ll 255 " ]
	check "$n: adverts to ff02::12 (VRRPv3)" grep -q "> ff02::12: VRRPv3" "$T_DIR/adv-$n.txt"
done
i_check_fipd_nas

# --- unicast.
I_UNICAST=1 I_LABEL="v3 IPv6 unicast"
I_CONF_KEYS+=(strict_ttl=no)
_now; u0=$T_NOW
i_failover_pair fipd keepalived
_now; u1=$T_NOW
i_failover_pair keepalived fipd
_now; u2=$T_NOW
hlims() { i_adverts "$1" | awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b { print $4 }' | sort | uniq -c | awk '{ printf "%s%s x%s", s, $2, $1; s = ", " }'; }
figure "v3 IPv6 unicast: hop limits of fipd's adverts: $(hlims n1 "$u0" "$u1") (n1), $(hlims n2 "$u1" "$u2") (n2); of keepalived's: $(hlims n2 "$u0" "$u1") (n2), $(hlims n1 "$u1" "$u2") (n1)"
check "v3 IPv6 unicast: fipd's unicast adverts all have hop limit 255" \
	eval '[ "$(hlims n1 "$u0" "$u1" | sed "s/ x[0-9]*//g")" = 255 ] && [ "$(hlims n2 "$u1" "$u2" | sed "s/ x[0-9]*//g")" = 255 ]'
check "v3 IPv6 unicast: fipd's adverts go from its unicast_src_ip to the peer" \
	eval "grep -q '2001:db8::1 > 2001:db8::2: VRRPv3' '$T_DIR/adv-n1.txt' && grep -q '2001:db8::2 > 2001:db8::1: VRRPv3' '$T_DIR/adv-n2.txt'"
prober_stop
i_finish
