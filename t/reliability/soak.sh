#!/bin/bash
# Soak: at least SOAK_TRANSITIONS (default 200) state transitions of one
# long-lived fipd (n1, priority 50, the BACKUP) while its peer and its
# environment are pushed around, in rounds of:
#   - n2's switch port disabled / enabled (n1 BACKUP -> MASTER -> BACKUP),
#     and meanwhile the VIP deleted behind n1's back (re-added);
#   - n2 stopped gracefully and started again (priority 0, then preemption);
#   - n2 SIGKILLed and started again (stale VIP cleanup, preemption);
#   - n1 reloaded with a changed priority (instance restarted) and unchanged;
#   - n1's eth0 flapped (FAULT and back);
#   - if the check_script plugin is built: n1's tracked script check fails
#     and recovers (FAULT and back);
# after each round the VIP must be on n2 alone.  n1 runs under valgrind
# (--leak-check=full; a non-sanitizer build) or, when FIPD_BUILDDIR is an
# ASan build, under ASan/LeakSanitizer.  Asserted at the end: zero leaks and
# memory errors, the same number of open fds as after the first round, RSS
# growth under 20 % (first/last printed; not asserted under ASan, whose
# quarantine grows by design), exit status 0.
#
# About 50 s for 200 transitions on a 2-core VM, under valgrind or ASan;
# FIPD_SOAK=0 switches it off (exit 77).  SOAK_MAX_SECONDS (default 900)
# bounds the run.  SOAK_MODE=plain runs n1 without valgrind (to watch
# RSS without valgrind's own memory in it).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib-extra.sh"

if [ "${FIPD_SOAK:-1}" = 0 ]; then
	echo "SKIP: FIPD_SOAK=0 (soak switched off on purpose)"
	exit 77
fi
WANT=${SOAK_TRANSITIONS:-200}
MAXS=${SOAK_MAX_SECONDS:-900}
MAXROUNDS=400

setup_all $((MAXS + 120))
need_tc_bpf
[ "$FIPD_DAEMON" = fipd ] || skip "soak runs fipd only"
if ldd "$FIPD" 2>/dev/null | grep -q libasan || nm -D "$FIPD" 2>/dev/null | grep -q __asan_init; then
	MODE=asan
else
	MODE=${SOAK_MODE:-valgrind}
	[ "$MODE" = valgrind ] && ! command -v valgrind >/dev/null 2>&1 &&
		skip "valgrind not installed (or use an ASan build: FIPD_BUILDDIR)"
fi
VGLOG=$T_DIR/n1.valgrind
say "soak mode: $MODE (fipd $FIPD)"

# n1 under valgrind (same PID: ip netns exec and valgrind both exec).
start_n1() {
	local conf=$1 log="$T_DIR/n1.log"
	FIPD_CONF[n1]=$conf
	echo "=== $(date '+%H:%M:%S.%3N') start fipd under $MODE ($conf)" >> "$log"
	if [ "$MODE" = valgrind ]; then
		ip netns exec "$(ns n1)" valgrind --leak-check=full \
			--show-leak-kinds=definite,indirect,possible \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
			--track-fds=yes --log-file="$VGLOG" \
			"$FIPD" -n -f "$conf" -p "$T_DIR/n1.pid" -s "$T_DIR/n1.sock" -d \
			</dev/null >>"$log" 2>&1 &
	elif [ "$MODE" = plain ]; then
		ip netns exec "$(ns n1)" \
			"$FIPD" -n -f "$conf" -p "$T_DIR/n1.pid" -s "$T_DIR/n1.sock" -d \
			</dev/null >>"$log" 2>&1 &
	else
		ASAN_OPTIONS=detect_leaks=1:exitcode=99 ip netns exec "$(ns n1)" \
			"$FIPD" -n -f "$conf" -p "$T_DIR/n1.pid" -s "$T_DIR/n1.sock" -d \
			</dev/null >>"$log" 2>&1 &
	fi
	FIPD_PID[n1]=$!
	_track "${FIPD_PID[n1]}"
}

HAVE_SCRIPT=0
[ -e "$T_PLUGDIR/check_script.so" ] && HAVE_SCRIPT=1
FAILFILE=$T_DIR/check-fails
n1conf() { # PRIO
	v3_conf n1 BACKUP "$1" >/dev/null
	if [ "$HAVE_SCRIPT" = 1 ]; then
		echo "track_check = alive" >> "$T_DIR/n1.conf"
		add_check "$T_DIR/n1.conf" alive type=script "command=$(type -P test) ! -e $FAILFILE" \
			interval=0.1 timeout=1 fall=1 rise=1 weight=0
	fi
	cp "$T_DIR/n1.conf" "$T_DIR/n1-$1.conf"
	echo "$T_DIR/n1-$1.conf"
}
c1a=$(n1conf 50); c1b=$(n1conf 51)
cp "$c1a" "$T_DIR/n1-run.conf"
c2=$(v3_conf n2 BACKUP 100)

start_n1 "$T_DIR/n1-run.conf"
wait_for "log_since n1 0 | grep -q 'VI_1: [A-Z]* -> BACKUP'" 30000 || die "fipd under $MODE did not start (log: $(tail -n 5 "$T_DIR/n1.log"))"
start_fipd n2 "$c2"
wait_for "vip_only_on n2" 5000 || die "VIP not on n2 alone at the start (holders: $(vip_holders))"
PID1=${FIPD_PID[n1]}

settle() { # LABEL: the VIP on n2 alone, stable
	if wait_for "vip_only_on n2" 8000 && hold_for "vip_only_on n2" 150; then
		return 0
	fi
	fail "round $round ($1): VIP not on n2 alone (holders: $(vip_holders))"
	BAD=$((BAD + 1))
	return 1
}
n1_trans() { grep -cE "$(transition_re)" "$T_DIR/n1.log"; }
# Open fds of a PID, the least of 10 samples 20 ms apart: a running check
# script holds a pipe for a moment, which is not growth.
fd_min() {
	local i c m=999999
	for ((i = 0; i < 10; i++)); do
		c=$(fd_count "$1"); [ "$c" -lt "$m" ] && m=$c
		sleep 0.02
	done
	echo "$m"
}

round_link() {
	cut_link n2 >/dev/null
	wait_for "vip_on n1" 5000 || fail "round $round: n1 did not take over with n2 cut off"
	ip -n "$(ns n1)" addr del "$T_VIP/32" dev eth0 2>/dev/null
	wait_for "vip_on n1" 3000 || fail "round $round: VIP not re-added on n1"
	restore_link n2 >/dev/null
	settle link
}
round_restart() {
	stop_fipd n2 >/dev/null
	wait_for "vip_on n1" 5000 || fail "round $round: n1 did not take over after n2's stop"
	start_fipd n2 "$c2" >/dev/null
	settle restart
}
round_kill() {
	kill_fipd n2 >/dev/null
	wait_for "vip_on n1" 5000 || fail "round $round: n1 did not take over after n2's SIGKILL"
	start_fipd n2 "$c2" >/dev/null
	settle kill
}
round_reload() {
	local l=$(log_lines n1)
	if [ $((round % 2)) = 0 ]; then cp "$c1b" "$T_DIR/n1-run.conf"; else cp "$c1a" "$T_DIR/n1-run.conf"; fi
	kill -HUP "$PID1"
	wait_for "log_since n1 $l | grep -q 'reload: .* applied'" 10000 || fail "round $round: reload (changed) not applied"
	l=$(log_lines n1)
	kill -HUP "$PID1"
	wait_for "log_since n1 $l | grep -q 'reload: .* applied'" 10000 || fail "round $round: reload (unchanged) not applied"
	settle reload
}
round_flap() {
	local l=$(log_lines n1)
	ip -n "$(ns n1)" link set eth0 down
	wait_for "log_since n1 $l | grep -q 'VI_1: BACKUP -> FAULT'" 5000 || fail "round $round: no FAULT on link down"
	ip -n "$(ns n1)" link set eth0 up
	wait_for "log_since n1 $l | grep -q 'VI_1: FAULT -> BACKUP'" 5000 || fail "round $round: no return from FAULT"
	settle flap
}
round_check() {
	local l=$(log_lines n1)
	: > "$FAILFILE"
	wait_for "log_since n1 $l | grep -q 'VI_1: BACKUP -> FAULT'" 5000 || fail "round $round: no FAULT on check failure"
	rm -f "$FAILFILE"
	wait_for "log_since n1 $l | grep -q 'VI_1: FAULT -> BACKUP'" 5000 || fail "round $round: no return from FAULT after check recovery"
	settle check
}

BAD=0
_now; t0=$T_NOW
round=0
KINDS=(link restart kill reload flap)
[ "$HAVE_SCRIPT" = 1 ] && KINDS+=(check)
declare -A DONE=()
fd0=; rss0=
for ((round = 1; round <= MAXROUNDS; round++)); do
	k=${KINDS[$(( (round - 1) % ${#KINDS[@]} ))]}
	"round_$k"
	DONE[$k]=$(( ${DONE[$k]:-0} + 1 ))
	fipd_alive n1 || die "round $round ($k): fipd on n1 died (log: $(tail -n 20 "$T_DIR/n1.log"))"
	if [ "$round" = "${#KINDS[@]}" ]; then
		fd0=$(fd_min "$PID1"); rss0=$(rss_kb "$PID1")
		say "after the first ${#KINDS[@]} rounds: fds $fd0, RSS $rss0 kB"
	fi
	tr=$(n1_trans)
	_now
	if [ $((round % 20)) = 0 ]; then
		say "round $round: $tr transitions, fds $(fd_count "$PID1"), RSS $(rss_kb "$PID1") kB, $(( (T_NOW - t0) / 1000 )) s"
	fi
	[ "$tr" -ge "$WANT" ] && [ $((round % ${#KINDS[@]})) = 0 ] && break
	[ $((T_NOW - t0)) -ge $((MAXS * 1000)) ] && { fail "soak: time limit ($MAXS s) reached after $round rounds, $tr transitions"; break; }
done
_now; dur=$(( (T_NOW - t0) / 1000 ))
tr=$(n1_trans)
fd1=$(fd_min "$PID1"); rss1=$(rss_kb "$PID1")
dump_status n1 && say "n1 status: $(grep -E ' state |vip_readded' "$T_DIR/n1.dump" | cut -d: -f2- | tr '\n' ';')"
stop_fipd n2
stop_fipd n1 60000 || fail "fipd under $MODE did not exit within 60 s of SIGTERM"
leaks="-"
if [ "$MODE" = valgrind ]; then
	lost=$(grep -E 'definitely lost:|indirectly lost:|possibly lost:' "$VGLOG" | sed 's/^==[0-9]*== *//' | tr '\n' ' ')
	errs=$(grep -E 'ERROR SUMMARY' "$VGLOG" | sed 's/^==[0-9]*== *//')
	vgfd=$(grep -E 'FILE DESCRIPTORS:' "$VGLOG" | sed 's/^==[0-9]*== *//')
	grep -q 'no leaks are possible' "$VGLOG" && lost="all heap blocks freed, no leaks are possible"
	leaks="valgrind: ${lost:-?}; ${errs:-?}; ${vgfd:-}"
fi
figure "soak ($MODE): $round rounds in $dur s ($(for k in "${KINDS[@]}"; do printf '%s %s ' "$k" "${DONE[$k]}"; done | sed 's/ $//; s/\([0-9]\) /\1, /g')), n1 transitions $tr; fds $fd0 -> $fd1; RSS $rss0 -> $rss1 kB; exit status ${FIPD_RC[n1]}; $leaks"
check "soak: at least $WANT transitions ($tr)" [ "$tr" -ge "$WANT" ]
check "soak: every round ended with the VIP on n2 alone ($BAD failures)" [ "$BAD" -eq 0 ]
check "soak: fd count unchanged ($fd0 -> $fd1)" [ "$fd0" = "$fd1" ]
if [ "$MODE" = asan ]; then
	# ASan keeps freed blocks in its quarantine (up to 256 MB): RSS grows by
	# design; leaks are LeakSanitizer's job here.  SOAK_MODE=plain or
	# valgrind (a non-sanitizer build) asserts RSS.
	say "RSS under ASan includes its quarantine: $rss0 -> $rss1 kB (not asserted)"
else
	check "soak: RSS growth under 20 % ($rss0 -> $rss1 kB)" [ "$rss1" -le $((rss0 * 120 / 100)) ]
fi
check "soak: exit status 0 under $MODE (${FIPD_RC[n1]}; 99 = memory errors or leaks)" [ "${FIPD_RC[n1]}" = 0 ]
if [ "$MODE" = valgrind ]; then
	check "soak: valgrind found no definite/indirect leak" eval "! grep -qE '(definitely|indirectly) lost: [1-9]' '$VGLOG'"
	check "soak: valgrind found no memory error" eval "! grep -qE 'ERROR SUMMARY: [1-9]' '$VGLOG'"
	grep -qE '(definitely|indirectly) lost: [1-9]|ERROR SUMMARY: [1-9]' "$VGLOG" &&
		{ echo "----- valgrind log (first 150 lines)"; head -n 150 "$VGLOG"; }
else
	check "soak: no sanitizer report" sanitizer_clean n1
fi
print_figures
finish
