#!/bin/bash
# fipd + keepalived, VRRPv3 over IPv4 multicast (224.0.0.18), advert 0.1 s
# (sub-second intervals, centiseconds on the wire), VRID 50.
#
#   - fipd priority 100 / keepalived 50, then keepalived 100 / fipd 50:
#     election, crash of the master (SIGKILL, VIP gone), takeover within
#     Master_Down_Interval (381 ms for priority 50) + margin after the last
#     advert, restart and preemption back;
#   - while keepalived is master, fipd has accepted its adverts, and counted
#     them under the checksum form keepalived uses (the RFC 5798 reading: IPv4
#     pseudo-header; fipd's SIGUSR1 dump shows the counters per form);
#   - equal priority: a partition makes both master, the heal leaves the
#     higher address (n2) alone, whichever implementation runs there;
#   - different advert intervals (master 0.5 s, backup configured 0.1 s),
#     both ways: the backup adopts the master's interval (RFC 9568 §6.4.2)
#     and takes over after 3 * 0.5 s + skew, not after its own 381 ms;
#   - checksum_mode = rfc9568 on fipd really changes the wire: keepalived,
#     which checks the pseudo-header form only, rejects those adverts (so
#     that mode is for RFC 9568 peers, never for keepalived).
. "$(dirname "$0")/lib-interop.sh"

i_setup 100 4
i_need_keepalived
I_VER=3 I_ADV=0.1 I_LABEL="v3 IPv4"
I_CONF_KEYS=(version=3 advert_int=0.1 auth_pass= unicast_src_ip= unicast_peer=)
prober_start 100

# keepalived master, fipd backup: fipd accepted keepalived's adverts, and under
# which checksum form.
csum_hook() {
	[ "${I_KIND[n1]}" = keepalived ] && [ "${I_KIND[n2]}" = fipd ] || return 0
	local c p r
	c=$(i_fipd_csum n2)
	if [ -z "$c" ]; then
		fail "$1: no checksum counters in fipd's SIGUSR1 dump"
		return
	fi
	read -r p r <<< "$c"
	figure "$1: fipd counted keepalived's adverts as pseudo_header $p, rfc9568 $r"
	check "$1: fipd accepted keepalived's v3 adverts (IPv4 pseudo-header checksum)" [ "$p" -gt 0 ]
	check "$1: none of them in the RFC 9568 message-only form" [ "$r" = 0 ]
}
I_HOOK_ELECTED=csum_hook

check "keepalived accepts 'version 3' and 'advert_int 0.1' (config translated)" true
i_failover_pair fipd keepalived
i_failover_pair keepalived fipd
I_HOOK_ELECTED=
i_tie_pair fipd keepalived
i_tie_pair keepalived fipd
i_interval_pair keepalived 0.5 fipd 0.1
i_interval_pair fipd 0.5 keepalived 0.1

say "=== checksum_mode = rfc9568 on fipd (n1, master) against keepalived (n2)"
c1=$(i_conf n1 MASTER 100 checksum_mode=rfc9568)
c2=$(i_conf n2 BACKUP 50)
l2=$(wc -l < "$T_DIR/n2.log")
i_start n1 fipd "$c1"
wait_for "i_is_master n1" 2000 || fail "rfc9568 form: fipd not master"
i_start n2 keepalived "$c2"
wait_for "tail -n +$((l2 + 1)) '$T_DIR/n2.log' | grep -q 'Invalid VRRPv3 checksum'" 3000
bad=$(tail -n +"$((l2 + 1))" "$T_DIR/n2.log" | grep -c 'Invalid VRRPv3 checksum')
figure "v3 IPv4: fipd with checksum_mode = rfc9568: keepalived logged $bad 'Invalid VRRPv3 checksum' (masters: $(i_holders))"
check "checksum_mode = rfc9568: fipd's adverts carry the message-only checksum (keepalived rejects them)" [ "$bad" -gt 0 ]
i_stop_both

# The wire: VRRPv3 multicast to 224.0.0.18 from both, TTL 255 always.
check "fipd and keepalived advertised VRRPv3 to 224.0.0.18" \
	eval "grep -q '192.0.2.1 > 224.0.0.18: VRRPv3' '$T_DIR/adv-n1.txt' && grep -q '192.0.2.2 > 224.0.0.18: VRRPv3' '$T_DIR/adv-n2.txt'"
check "every advert sent with TTL 255" [ "$( (i_adverts n1; i_adverts n2) | awk '$4 != 255' | wc -l)" = 0 ]
prober_stop
i_finish
