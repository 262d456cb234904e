# t/lib-unit.sh -- what the shell tests of the plugins share (sourced, not
# run): a temporary directory, clean-up on exit, the ok/fail tally.
#
#   unit_init NAME   TMP=a new temporary directory (fipd-NAME.XXXXXX);
#                    FAILS=0; on exit: the PIDs in BGPIDS are stopped and
#                    reaped, the namespaces in UNIT_NETNS deleted, TMP
#                    removed (kept with KEEP_TMP=1)
#   ok MSG / fail MSG
#   unit_finish      the verdict: exit 1 if a check failed, else 0
#   wait_until TENTHS COMMAND...  poll COMMAND every 0.1 s, at most TENTHS
#                    times (bounded in count and time)
#
# The scripts are POSIX sh (set -u); nothing here needs bash.

BGPIDS=
UNIT_NETNS=
FAILS=0

unit_cleanup() {
	for p in $BGPIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $BGPIDS; do
		wait "$p" 2>/dev/null
	done
	for ns in $UNIT_NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $TMP"
	else
		rm -rf "$TMP"
	fi
}

unit_init() {
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/fipd-$1.XXXXXX") || exit 99
	trap unit_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

ok() {
	echo "ok: $*"
}

wait_until() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

unit_finish() {
	if [ "$FAILS" -gt 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
