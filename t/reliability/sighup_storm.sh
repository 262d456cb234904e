#!/bin/bash
# SIGHUP storms during a failover.  VRRPv3 multicast at 100 ms, n1 MASTER
# (100), n2 BACKUP (50).  Each storm: HUP_COUNT (default 50) SIGHUPs to each
# daemon over 2 s; 0.5 s in, n1's switch port is disabled (cut_link); after
# the storm the link comes back.
#   1. unchanged config: n2 still takes over within Master_Down_Interval +
#      margin of the cut; after the restore, n1 alone holds the VIP
#   2. the config changes on every HUP (priorities 100/110 and 50/60
#      alternate, so the instance is restarted by each applied reload)
#   3. every other HUP sees a broken file (refused, the running config stays)
# Always: no crash, both exit 0 on SIGTERM, no sanitizer report, and once the
# storm is over and the link is back the VIP is on exactly one node (n1).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib-extra.sh"

N=${HUP_COUNT:-50}
M=$FIPD_MARGIN_MS
MDI=380

setup_all 180
c1=$(v3_conf n1 MASTER 100); c2=$(v3_conf n2 BACKUP 50)
cp "$c1" "$T_DIR/n1.a"; v3_conf n1 MASTER 110 >/dev/null; cp "$T_DIR/n1.conf" "$T_DIR/n1.b"; cp "$T_DIR/n1.a" "$c1"
cp "$c2" "$T_DIR/n2.a"; v3_conf n2 BACKUP 60 >/dev/null; cp "$T_DIR/n2.conf" "$T_DIR/n2.b"; cp "$T_DIR/n2.a" "$c2"
for n in n1 n2; do { cat "$T_DIR/$n.a"; echo "priority = 0"; echo "bogus_key = 1"; } > "$T_DIR/$n.bad"; done
start_fipd n1 "$c1"
start_fipd n2 "$c2"
wait_for "vip_only_on n1" 3000 || die "VIP not on n1 alone (holders: $(vip_holders))"
hold_for "vip_only_on n1" 1000 || die "election unstable (holders: $(vip_holders))"
prober_start 150

# storm MODE: HUPs to both daemons every 2000/N ms; MODE same|change|broken.
storm_loop() {
	local mode=$1 i sl
	sl=$(awk -v n="$N" 'BEGIN { printf "%.3f", 2 / n }')
	for ((i = 1; i <= N; i++)); do
		case $mode in
		change) for n in n1 n2; do
				if [ $((i % 2)) = 1 ]; then cp "$T_DIR/$n.b" "$T_DIR/$n.tmp"; else cp "$T_DIR/$n.a" "$T_DIR/$n.tmp"; fi
				mv -f "$T_DIR/$n.tmp" "$T_DIR/$n.conf"
			done ;;
		broken) for n in n1 n2; do
				if [ $((i % 2)) = 1 ]; then cp "$T_DIR/$n.bad" "$T_DIR/$n.tmp"; else cp "$T_DIR/$n.a" "$T_DIR/$n.tmp"; fi
				mv -f "$T_DIR/$n.tmp" "$T_DIR/$n.conf"
			done ;;
		esac
		kill -HUP "${FIPD_PID[n1]}" "${FIPD_PID[n2]}" 2>/dev/null || break
		sleep "$sl"
	done
	# Leave the original configs in place (a last, valid reload).
	cp "$T_DIR/n1.a" "$T_DIR/n1.conf"; cp "$T_DIR/n2.a" "$T_DIR/n2.conf"
}

storm() { # LABEL MODE
	local label=$1 mode=$2 l1 l2 m2 sp t_take d r1 r2 e1 e2
	say "---- storm: $label"
	l1=$(log_lines n1); l2=$(log_lines n2); m2=$(mon_mark n2)
	storm_loop "$mode" &
	sp=$!
	_track $sp
	sleep 0.5
	cut_link n1
	wait_for "vip_on n2" $((MDI + M + 3000)) || fail "$label: n2 did not take over during the storm"
	t_take=$(mon_first n2 add "$T_CUT_MS" "$m2")
	d=$(( ${t_take:-99999999999999} - T_CUT_MS ))
	_reap "$sp" 20000 || { kill "$sp"; fail "$label: the storm loop did not end"; }
	kill -HUP "${FIPD_PID[n1]}" "${FIPD_PID[n2]}"
	sleep 0.5
	check "$label: both daemons alive after $N SIGHUPs each" eval 'fipd_alive n1 && fipd_alive n2'
	r1=$(log_since n1 "$l1" | grep -c 'reload: .* applied'); r2=$(log_since n2 "$l2" | grep -c 'reload: .* applied')
	e1=$(log_since n1 "$l1" | grep -c 'refused'); e2=$(log_since n2 "$l2" | grep -c 'refused')
	restore_link n1
	wait_for "vip_only_on n1" $((MDI + M + 3000)) || fail "$label: VIP not on n1 alone after the storm and the restore (holders: $(vip_holders))"
	hold_for "vip_only_on n1" 1000 || fail "$label: not a single, stable master after the storm (holders: $(vip_holders))"
	figure "$label: n2 took the VIP $d ms after the cut; reloads applied n1 $r1 n2 $r2, refused n1 $e1 n2 $e2; transitions n1 $(transitions_since n1 "$l1" | wc -l) n2 $(transitions_since n2 "$l2" | wc -l)"
	[ "$mode" = same ] && check "$label: takeover within Master_Down_Interval + ${M} ms of the cut despite the storm ($d ms)" [ "$d" -le $((MDI + M)) ]
	[ "$mode" = broken ] && check "$label: broken files refused (n1 $e1, n2 $e2)" [ "$e1" -ge 1 ] && [ "$e2" -ge 1 ]
	check "$label: reloads were applied (n1 $r1, n2 $r2)" [ "$r1" -ge 1 ] && [ "$r2" -ge 1 ]
	sleep 0.3
}

storm "unchanged config" same
storm "config changing on every HUP" change
storm "broken config on every other HUP" broken
prober_stop
check "no sanitizer report" eval 'sanitizer_clean n1 && sanitizer_clean n2'
stop_fipd n2; stop_fipd n1
check "both exited 0 (${FIPD_RC[n1]} ${FIPD_RC[n2]})" [ "${FIPD_RC[n1]}${FIPD_RC[n2]}" = 00 ]
print_figures
finish
