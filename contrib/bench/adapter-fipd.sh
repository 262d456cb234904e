# contrib/bench/adapter-fipd.sh -- how the benchmark runs fipd.  Sourced by
# run.sh after t/integration/lib.sh.  An adapter gives, for daemon D:
#   adp_D_check            exits the bench (skip) when D cannot run here
#   adp_D_version          one line
#   adp_D_start NODE INI   start D in NODE's namespace from the fipd INI file
#                          (the harness's FIPD_PID/stop_fipd/kill_fipd then work)
#   adp_D_master_at NODE AFTER_MS
#                          when D on NODE decided to become MASTER (ms, from
#                          its own log), or nothing when its log cannot say
#                          to the millisecond (run.sh then uses the first
#                          advert on the wire)
#   adp_D_to_master NODE LOG_LINE   transitions to MASTER after a log line

adp_fipd_check() {
	[ -x "$FIPD" ] || skip "no fipd binary at $FIPD (build first; --builddir)"
	ls "$FIPD_BUILDDIR"/plugins/*/.libs/*.so >/dev/null 2>&1 || skip "no plugins built under $FIPD_BUILDDIR"
}
adp_fipd_version() { "$FIPD" -V 2>&1 | head -n 1; }

adp_fipd_start() { # NODE INI
	# No -d: debug logging is not what an operator runs (BENCH_FIPD_DEBUG=1
	# adds it, to find out why something is slow).
	FIPD_DAEMON=fipd FIPD_DEBUG=${BENCH_FIPD_DEBUG:-0} start_fipd "$1" "$2" >/dev/null
}

adp_fipd_master_at() { log_state_at "$1" "$2" MASTER; }

adp_fipd_to_master() { # NODE LOG_LINE
	tail -n +"$(($2 + 1))" "$T_DIR/$1.log" | grep -cE -- '-> MASTER \('
}
