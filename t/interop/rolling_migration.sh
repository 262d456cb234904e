#!/bin/bash
# Rolling migration from keepalived to fipd, with a client probing the VIP
# over HTTP every 10 ms throughout (the wiki setup: VRRPv2 unicast + PASS,
# advert 1 s, VRID 50; n1 priority 100 MASTER, n2 priority 50 BACKUP, both
# configs the same fipd INI, translated to keepalived.conf for keepalived).
#
#   0. keepalived on both nodes: n1 master;
#   1. n2's keepalived is stopped and fipd started in its place (same
#      config): n1 stays master, the client sees nothing;
#   2. failover to n2: keepalived on n1 stops gracefully (priority 0), fipd
#      on n2 takes over within Skew_Time (0.805 s) + margin;
#   3. n1's keepalived is replaced by fipd, which takes the VIP back
#      (failback; preemption);
# and the client never sees a gap longer than one failover
# (Master_Down_Interval 3.805 s + margin) in any phase.  The largest gap of
# each phase is printed.
. "$(dirname "$0")/lib-interop.sh"

MDI=$(i_mdi 2 1 50)     # 3805 ms
SKEW=805                # (256 - 50) / 256 s, rounded up
M=$FIPD_MARGIN_MS

i_setup 90 4
i_need_keepalived
I_VER=2 I_ADV=1 I_LABEL=migration
I_CONF_KEYS=()
c1=$(i_conf n1 MASTER 100)
c2=$(i_conf n2 BACKUP 50)

phase_gap() { # NAME FROM_MS: largest gap between answers since FROM, checked
	local name=$1 from=$2 to gap gs ge
	_now; to=$T_NOW
	read -r gap gs ge <<< "$(probe_gap "$from" "$to")"
	figure "migration, $name: largest client gap $gap ms ($(probe_counts "$from" "$to"))"
	check "migration, $name: no client gap longer than one failover ($gap ms <= $((MDI + M)) ms)" [ "$gap" -le $((MDI + M)) ]
}

# --- 0. keepalived pair.
say "phase 0: keepalived on n1 (100) and n2 (50)"
i_start n1 keepalived "$c1"
i_start n2 keepalived "$c2"
wait_for "i_only n1" $((2 * MDI + 2000)) || die "keepalived pair: n1 not master alone (masters: $(i_holders))"
prober_start 90
wait_client n1 0 3000 || die "the client is not served by n1"
sleep 1
check "phase 0: keepalived n1 master alone, client served by n1" eval "i_only n1 && i_client_sees n1"

# --- 1. replace the backup's keepalived with fipd.
_now; p1=$T_NOW
say "phase 1: n2 keepalived -> fipd"
i_stop n2
i_start n2 fipd "$c2"
if i_watch_single n1 $((MDI + 1000)); then
	ok "phase 1: n1 (keepalived) stayed the only master for $((MDI + 1000)) ms with fipd as its backup"
else
	fail "phase 1: $I_WATCH_BAD of $I_WATCH_N samples without n1 alone (masters now: $(i_holders))"
fi
check "phase 1: fipd on n2 sees keepalived as master (BACKUP, no transition to MASTER)" \
	eval "! grep -q -- '-> MASTER' '$T_DIR/n2.log'"
phase_gap "phase 1 (backup replaced)" "$p1"

# --- 2. fail over to n2: keepalived on n1 stops gracefully.
_now; p2=$T_NOW
say "phase 2: keepalived on n1 stops (graceful): fipd on n2 takes over"
i_stop n1
check "phase 2: keepalived exited 0" [ "${FIPD_RC[n1]}" = 0 ]
if wait_for "i_only n2" $((SKEW + M + 1000)); then
	_now
	say "phase 2: n2 (fipd) master alone $((T_NOW - p2)) ms after keepalived's stop"
else
	fail "phase 2: n2 (fipd) not master alone within $((SKEW + M + 1000)) ms of keepalived's stop (masters: $(i_holders))"
fi
sleep 0.3
p0=$(i_adverts n1 | awk -v a="$p2" '$1 >= a && $2 == 0 { printf "%.0f\n", $1; exit }')
first=$(i_adv_first n2 "$p2")
if [ -n "$p0" ] && [ -n "$first" ]; then
	figure "migration, phase 2: fipd took over $((first - p0)) ms after keepalived's priority-0 advert (Skew_Time $SKEW ms, bound $((SKEW + M)) ms)"
	check "phase 2: takeover within Skew_Time + $M ms after the priority-0 advert ($((first - p0)) ms)" [ $((first - p0)) -le $((SKEW + M)) ]
else
	fail "phase 2: no priority-0 advert from keepalived ('$p0') or no advert from fipd ('$first') captured"
fi
wait_client n2 "$p2" 3000 || fail "phase 2: the client is not served by n2"
sleep 1
phase_gap "phase 2 (failover to fipd)" "$p2"

# --- 3. replace n1 with fipd: failback.
_now; p3=$T_NOW
say "phase 3: fipd on n1 (100, MASTER): failback"
i_start n1 fipd "$c1"
if wait_for "i_only n1" $((MDI + M)); then
	_now
	figure "migration, phase 3: fipd on n1 master alone $((T_NOW - p3)) ms after its start"
else
	fail "phase 3: n1 (fipd) not master alone within $((MDI + M)) ms (masters: $(i_holders))"
fi
wait_client n1 "$p3" 3000 || fail "phase 3: the client is not served by n1 after the failback"
if i_watch_single n1 2000; then ok "phase 3: n1 (fipd) the only master for 2000 ms"; else fail "phase 3: $I_WATCH_BAD of $I_WATCH_N samples without n1 alone"; fi
phase_gap "phase 3 (failback to fipd)" "$p3"

_now
read -r gap _ _ <<< "$(probe_gap "$p1" "$T_NOW")"
figure "migration, whole run: largest client gap $gap ms"
prober_stop
i_stop_both
i_finish
