#!/bin/sh
# Tests of the action_notify plugin through t/notify_driver (a fake host):
# configuration verdicts, argv and environment, order and collapse, the
# timeout (SIGTERM, SIGKILL, process group), output capture, spawn
# failures, the lower-priority hook, STOP at exit, a re-attached instance,
# child hygiene.  No namespaces; the script_user parts need root (scripts
# then run as nobody) and are skipped without.
#
# Files are looked up relative to the current directory (make check runs
# tests from the top build directory); NOTIFY_DRIVER, ACTION_NOTIFY_SO
# and FIPD override them.  NOTIFY_VALGRIND=1 runs the driver under
# valgrind (slow).

set -u

skip() { echo "SKIP: $*"; exit 77; }

command -v timeout >/dev/null 2>&1 || skip "needs timeout (coreutils)"

DRIVER=${NOTIFY_DRIVER:-./t/notify_driver}
SO=${ACTION_NOTIFY_SO:-./plugins/action_notify/.libs/action_notify.so}
FIPD=${FIPD:-./fipd}
for f in "$DRIVER" "$SO"; do
	if [ ! -f "$f" ]; then
		echo "ERROR: $f not found (run from the top build directory)"
		exit 99
	fi
done
case $SO in /*) ;; *) SO=$(pwd)/$SO ;; esac

. "$(dirname "$0")/lib-unit.sh"
unit_init np
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# alive PID: running and not a zombie (whoever reaps orphans may be slow).
alive() {
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}

show() {
	sed 's/^/  | /' "$@"
}

# Scripts run as nobody when we are root: it must reach them and write
# its records.
chmod 755 "$TMP"
BIN=$TMP/bin
OUT=$TMP/out
mkdir -p "$BIN" "$OUT"
chmod 755 "$BIN"
if [ $ROOT = 1 ]; then
	chown nobody "$OUT"
	SCRIPT_UID=$(id -u nobody)
else
	SCRIPT_UID=$(id -u)
fi

# rec.sh TAG SECONDS ...: a start and an end record around a sleep; the
# start record ends with the arguments the script was given, in brackets.
cat >"$BIN/rec.sh" <<'EOF'
#!/bin/sh
out=$(dirname "$0")/../out/rec
echo "start $1 $FIPD_SEQ $FIPD_STATE $(date +%s%N) [$*]" >>"$out"
sleep "$2"
echo "end $1 $FIPD_SEQ $FIPD_STATE $(date +%s%N)" >>"$out"
EOF
# hang.sh: sleeps in a child, records both pids.
cat >"$BIN/hang.sh" <<'EOF'
#!/bin/sh
out=$(dirname "$0")/../out
echo $$ >"$out/hang.pid"
sleep 100 &
echo $! >"$out/hang.child"
wait
EOF
# deaf.sh: ignores SIGTERM (and so does its sleep).
cat >"$BIN/deaf.sh" <<'EOF'
#!/bin/sh
trap '' TERM
echo $$ >"$(dirname "$0")/../out/deaf.pid"
sleep 100
EOF
# hyg.sh: what the child looks like.
cat >"$BIN/hyg.sh" <<'EOF'
#!/bin/sh
o=$(dirname "$0")/../out/hyg
ls /proc/self/fd >"$o.fd"
{
	echo "argv $*"
	echo "uid $(id -u) $(id -g) groups $(id -G)"
	# grep's own: a snapshot of the shell's could catch it mid-fork,
	# with every signal blocked for a moment.
	grep -E '^(CapEff|CapBnd|SigBlk|SigIgn):' /proc/self/status
	read -r _p _c _s _pp pgrp sid _rest </proc/$$/stat
	echo "pid $$ pgrp $pgrp sid $sid"
	echo "stdin $(readlink /proc/$$/fd/0)"
	echo "umask $(umask)"
	echo "cwd $(pwd)"
} >"$o"
env | sort >"$o.env"
echo "to stdout"
echo "to stderr" >&2
EOF
# out.sh: a lot of output, a control character, no final newline.
cat >"$BIN/out.sh" <<'EOF'
#!/bin/sh
printf 'bell\007here\n'
i=0
while [ $i -lt 2000 ]; do
	echo "line $i of output that is long enough to count"
	i=$((i + 1))
done
printf 'no newline at the end'
EOF
printf '#!/nonexistent/interpreter\n' >"$BIN/badinterp.sh"
chmod 755 "$BIN"/*.sh

# drv NAME ARGS...: run the driver (bounded); stdout NAME.out, stderr NAME.err.
drv() {
	name=$1
	shift
	: >"$OUT/rec"
	[ $ROOT = 1 ] && chown nobody "$OUT/rec"
	if [ "${NOTIFY_VALGRIND:-0}" = 1 ]; then
		timeout 120 valgrind -q --error-exitcode=9 --leak-check=full \
		    --errors-for-leak-kinds=definite "$DRIVER" -p "$SO" "$@" \
		    >"$TMP/$name.out" 2>"$TMP/$name.err"
	else
		FOO=leak timeout 60 "$DRIVER" -p "$SO" "$@" \
		    >"$TMP/$name.out" 2>"$TMP/$name.err"
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name: driver exited with $rc"
		show "$TMP/$name.err"
	fi
	grep -q "FINI DONE" "$TMP/$name.out" || fail "$name: no FINI DONE"
	if grep -qE "LEAK|ERROR: (Address|Leak)Sanitizer|runtime error" \
	    "$TMP/$name.err"; then
		fail "$name: sanitizer or leak report"
		show "$TMP/$name.err"
	fi
}

# runs: "TAG:SEQ:STATE" of each record pair, in order, after checking that
# records alternate start/end of the same run and never overlap.
runs() {
	awk '
	$1 == "start" {
		if (open) { print "OVERLAP " $0; bad = 1 }
		if ($5 < lastend) { print "BEFORE-END " $0; bad = 1 }
		open = 1; tag = $2; seq = $3; st = $4; next
	}
	$1 == "end" {
		if (!open || $2 != tag || $3 != seq) { print "UNPAIRED " $0; bad = 1 }
		open = 0; lastend = $5; printf "%s:%s:%s\n", tag, seq, st
	}
	END { if (open) print "UNFINISHED" }' "$OUT/rec" | tr '\n' ' ' |
	    sed 's/ $//'
}

# --------------------------------------------- 1. configuration verdicts
conf() { # NAME EXPECTED-SUBSTRING KEY=VALUE...
	name=$1 want=$2
	shift 2
	"$DRIVER" -p "$SO" -c "$@" >"$TMP/$name.conf" 2>&1
	if ! grep -qF -- "$want" "$TMP/$name.conf"; then
		fail "config $name: want '$want'"
		show "$TMP/$name.conf"
	fi
}
conf ok "CONF OK" -k notify="$BIN/rec.sh x 0" -k notify_timeout=2.5 \
    -k notify_master_rx_lower_pri="'$BIN/rec.sh' 'a b' 0"
conf relative "CONF ERROR notify_master: rec.sh: not an absolute path" \
    -k notify_master=rec.sh
conf missing "CONF ERROR notify_backup: $BIN/none.sh: No such file" \
    -k notify_backup="$BIN/none.sh"
cp "$BIN/rec.sh" "$BIN/gw.sh"
chmod 775 "$BIN/gw.sh"
conf groupw "CONF ERROR notify: $BIN/gw.sh: writable by group (mode 0775)" \
    -k notify="$BIN/gw.sh"
chmod 757 "$BIN/gw.sh"
conf otherw "writable by others (mode 0757)" -k notify="$BIN/gw.sh"
chmod 644 "$BIN/gw.sh"
conf noexec "$BIN/gw.sh: not executable by script_user nobody (mode 0644)" \
    -u nobody -k notify="$BIN/gw.sh"
mkdir "$TMP/wdir"
cp "$BIN/rec.sh" "$TMP/wdir/x.sh"
chmod 777 "$TMP/wdir"
conf dirw "$TMP/wdir/x.sh: directory $TMP/wdir is writable by group and others (mode 0777)" \
    -k notify="$TMP/wdir/x.sh"
chmod 755 "$TMP/wdir"
ln -s "$TMP/wdir/x.sh" "$BIN/link.sh"
chmod 777 "$TMP/wdir"
conf linkdir "directory $TMP/wdir is writable" -k notify="$BIN/link.sh"
chmod 755 "$TMP/wdir"
conf linkok "CONF OK" -k notify="$BIN/link.sh"
conf notreg "$TMP: not a regular file" -k notify="$TMP"
conf twice "CONF ERROR duplicate key 'notify_fault'" \
    -k notify_fault="$BIN/rec.sh" -k notify_fault="$BIN/rec.sh"
conf timeout "CONF ERROR notify_timeout: 0.05 s is out of range" \
    -k notify_timeout=0.05
conf timeout2 "CONF ERROR duplicate key 'notify_timeout'" \
    -k notify_timeout=1 -k notify_timeout=2
conf quote "CONF ERROR notify: unterminated ' quote" -k notify="$BIN/rec.sh 'x"
conf other "CONF ERROR priority: unknown key" -k priority=100
conf nouser "script_user no-such-user-here: no such user" \
    -u no-such-user-here -k notify="$BIN/rec.sh"
if [ $ROOT = 1 ]; then
	cp "$BIN/rec.sh" "$BIN/theirs.sh"
	chown 4242 "$BIN/theirs.sh"
	conf owner "$BIN/theirs.sh: owned by uid 4242, neither root nor script_user nobody" \
	    -k notify="$BIN/theirs.sh"
	chown nobody "$BIN/theirs.sh"
	conf owneruser "CONF OK" -k notify="$BIN/theirs.sh"
	chmod 700 "$BIN"
	conf search "directory $BIN is not searchable by script_user nobody (mode 0700)" \
	    -k notify="$BIN/rec.sh"
	chmod 755 "$BIN"
	conf rootuser "CONF OK" -u root -k notify="$BIN/rec.sh"
fi
# The core prints the plugin's message as FILE:LINE (fipd -t).
if [ -x "$FIPD" ]; then
	cat >"$TMP/t.conf" <<EOF
[global]
plugin_dir = $(dirname "$SO")
actions = notify

[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
notify_master = $BIN/gw.sh
notify_timeout = 9999
EOF
	chmod 775 "$BIN/gw.sh"
	"$FIPD" -t -f "$TMP/t.conf" >"$TMP/t.err" 2>&1
	rc=$?
	if [ $rc = 1 ] &&
	    grep -qxF "$TMP/t.conf:9: notify_master: $BIN/gw.sh: writable by group (mode 0775)" "$TMP/t.err" &&
	    grep -qxF "$TMP/t.conf:10: notify_timeout: 9999 s is out of range (0.1 to 3600 s)" "$TMP/t.err"; then
		ok "fipd -t names the refused script with FILE:LINE and why"
	else
		fail "fipd -t: exit $rc, expected FILE:LINE messages"
		show "$TMP/t.err"
	fi
fi
[ $FAILS = 0 ] && ok "configuration verdicts"

# ------------------------------------------------ 2. order, two per item
drv order -v 192.0.2.100 -v 192.0.2.101 \
    -k notify_master="$BIN/rec.sh m 0.3" -k notify_backup="$BIN/rec.sh b 0.3" \
    -k notify="$BIN/rec.sh any 0.1" \
    master backup master sleep 3
got=$(runs)
want="m:1:MASTER any:1:MASTER b:2:BACKUP any:2:BACKUP m:3:MASTER any:3:MASTER any:4:STOP"
if [ "$got" = "$want" ]; then
	ok "transitions in order, one script at a time, specific before generic"
else
	fail "order: got '$got', want '$want'"
	show "$OUT/rec" "$TMP/order.err"
fi
# keepalived's arguments: INSTANCE NAME STATE PRIORITY after `notify`'s
# own words only; notify_master and notify_backup get their words alone.
got=$(awk '$1 == "start" { sub(/^[^[]*/, ""); printf "%s ", $0 }' "$OUT/rec" |
    sed 's/ $//')
want="[m 0.3] [any 0.1 INSTANCE VI_1 MASTER 100] [b 0.3] [any 0.1 INSTANCE VI_1 BACKUP 100] [m 0.3] [any 0.1 INSTANCE VI_1 MASTER 100] [any 0.1 INSTANCE VI_1 STOP 100]"
if [ "$got" = "$want" ]; then
	ok "arguments as keepalived's: notify gets INSTANCE NAME STATE PRIORITY, notify_master and notify_backup their own words only"
else
	fail "arguments: got '$got', want '$want'"
fi

# --------------------------------------------------------- 3. collapse
drv collapse -k notify="$BIN/rec.sh any 0.4" \
    master backup master backup master backup master sleep 2.5
got=$(runs)
want="any:1:MASTER any:6:BACKUP any:7:MASTER any:8:STOP"
if [ "$got" = "$want" ] &&
    grep -q "VI_1: queue full (4 pending), newest transition seq 6 kept: dropped 4 pending notifications: seq 2 (BACKUP), 3 (MASTER), 4 (BACKUP), 5 (MASTER)" "$TMP/collapse.err" &&
    [ "$(grep -c "COUNT VI_1 notify_dropped" "$TMP/collapse.out")" = 4 ]; then
	ok "a full queue collapses to the newest transition, logged and counted"
else
	fail "collapse: got '$got', want '$want'"
	show "$OUT/rec" "$TMP/collapse.err"
fi

# ------------------------------------------------- 4. timeout, groups
drv timeout -k notify_master="$BIN/hang.sh" -k notify_backup="$BIN/rec.sh b 0" \
    -k notify_timeout=0.5 master backup sleep 2
t_term=$(awk '/timed out after 0.500 s: SIGTERM to its process group/ { print $1; exit }' "$TMP/timeout.err")
t_done=$(awk '/hang.sh: killed by signal 15 \(timeout\)/ { print $1; exit }' "$TMP/timeout.err")
child=$(cat "$OUT/hang.child" 2>/dev/null)
if [ -z "$t_term" ] || [ -z "$t_done" ]; then
	fail "timeout: no SIGTERM or no exit by SIGTERM logged"
	show "$TMP/timeout.err"
elif [ "$t_term" -lt 450 ] || [ "$t_term" -gt 1500 ]; then
	fail "timeout: SIGTERM at $t_term ms, want about 500"
elif [ -n "$child" ] && alive "$child"; then
	fail "timeout: the script's background child $child survived"
elif [ "$(runs)" != "b:2:BACKUP" ]; then
	fail "timeout: the next script did not run after the killed one: $(runs)"
elif [ "$(grep -c "COUNT VI_1 notify_timeout" "$TMP/timeout.out")" != 1 ]; then
	fail "timeout: notify_timeout not counted once"
else
	ok "hanging script: SIGTERM to its group at the timeout ($t_term ms), queue goes on"
fi

drv deaf -k notify_master="$BIN/deaf.sh" -k notify_timeout=0.3 master sleep 2
if grep -q "deaf.sh: still running 1 s after SIGTERM: SIGKILL" "$TMP/deaf.err" &&
    grep -q "deaf.sh: killed by signal 9 (timeout)" "$TMP/deaf.err"; then
	ok "a script that ignores SIGTERM is killed 1 s later"
else
	fail "deaf: no SIGKILL after the grace"
	show "$TMP/deaf.err"
fi

# -------------------------------------------------------- 5. output
drv output -k notify_fault="$BIN/out.sh" fault sleep 1
n=$(grep -c "VI_1: notify_fault\[[0-9]*\]: " "$TMP/output.err")
if grep -q "notify_fault\[[0-9]*\]: bell?here\$" "$TMP/output.err" &&
    grep -q "notify_fault\[[0-9]*\]: [0-9]* more bytes of output not logged" "$TMP/output.err" &&
    [ "$n" -gt 50 ] && [ "$n" -lt 120 ] &&
    grep -q "out.sh: exit 0 after" "$TMP/output.err"; then
	ok "output logged line by line, bounded ($n lines), control characters masked"
else
	fail "output: $n lines"
	head -n 5 "$TMP/output.err" | show
	tail -n 5 "$TMP/output.err" | show
fi

# ------------------------------------------------- 6. spawn failure
drv spawn -k notify_master="$BIN/badinterp.sh" -k notify="$BIN/rec.sh any 0" \
    master sleep 1
# valgrind cannot survive a failed execve: its child exits 101.
why="cannot run: execve: No such file or directory"
[ "${NOTIFY_VALGRIND:-0}" = 1 ] && why="exit 101"
if grep -q "VI_1: seq 1 MASTER: notify_master $BIN/badinterp.sh: $why" "$TMP/spawn.err" &&
    [ "$(runs)" = "any:1:MASTER any:2:STOP" ]; then
	ok "a script that cannot be executed is logged with its path; the next runs"
else
	fail "spawn failure: $(runs)"
	show "$TMP/spawn.err"
fi

# ------------------------------------------ 7. lower-priority hook
# Window: timeout 0.2 + 1 s grace + advert 0.1 s = 1.3 s.
drv rxlp -a 10 -k notify_master_rx_lower_pri="$BIN/rec.sh h 0" \
    -k notify_timeout=0.2 \
    master sleep 0.2 lowerprio sleep 0.1 lowerprio lowerprio sleep 2 \
    backup lowerprio sleep 0.5
got=$(runs)
t1=$(awk '$1 == "start" { print $5; exit }' "$OUT/rec")
t2=$(awk '$1 == "start" { t = $5 } END { print t }' "$OUT/rec")
gap=$(( (t2 - t1) / 1000000 ))
# keepalived runs notify_master_rx_lower_pri with its own words only.
if [ "$got" = "h:1:MASTER h:1:MASTER" ] && [ "$gap" -ge 1200 ] &&
    [ "$gap" -le 2000 ] &&
    [ "$(grep -c '^start .* \[h 0\]$' "$OUT/rec")" = 2 ]; then
	ok "lower-priority hook: at once and once more ${gap} ms later, never outside MASTER, no added arguments"
else
	fail "rxlp: got '$got' (gap $gap ms)"
	show "$OUT/rec" "$TMP/rxlp.err"
fi

# ------------------------------------------------ 8. STOP at exit
drv stop -k notify_master="$BIN/rec.sh m 1" -k notify_stop="$BIN/rec.sh s 0.5" \
    -k notify_backup="$BIN/rec.sh b 0" -k notify_fault="$BIN/rec.sh f 0" \
    master sleep 0.1 backup fault
got=$(runs)
if [ "$got" = "m:1:MASTER s:4:STOP" ] &&
    grep -q '^start s .* \[s 0\.5\]$' "$OUT/rec" &&
    grep -q "VI_1: stopping: dropped 2 pending notifications: seq 2 (BACKUP), 3 (FAULT)" "$TMP/stop.err"; then
	ok "detach keeps only the STOP item (its own words only, as keepalived); exit waits for it"
else
	fail "stop: got '$got'"
	show "$OUT/rec" "$TMP/stop.err"
fi

# --------------------------------------- 9. re-attached instance (reload)
drv reattach -k notify="$BIN/rec.sh any 0.4" \
    master sleep 0.1 stop attach master sleep 2
got=$(runs)
if [ "$got" = "any:1:MASTER any:2:STOP any:3:MASTER any:4:STOP" ]; then
	ok "a restarted instance's scripts wait for the old instance's STOP"
else
	fail "reattach: got '$got'"
	show "$OUT/rec" "$TMP/reattach.err"
fi

# ------------------------------------------------ 10. exit is bounded
# A STOP script that hangs with a long timeout: fipd's exit waits 10 s in
# all, then kills it.
rm -f "$OUT/hang.child"
t0=$(date +%s)
drv budget -k notify_stop="$BIN/hang.sh" -k notify_timeout=3600 stop
dur=$(($(date +%s) - t0))
child=$(cat "$OUT/hang.child" 2>/dev/null)
if grep -q "VI_1: seq 1 STOP: notify_stop $BIN/hang.sh: still running at exit: SIGKILL" "$TMP/budget.err" &&
    [ "$dur" -ge 9 ] && [ "$dur" -le 14 ] && [ -n "$child" ] && ! alive "$child"; then
	ok "exit waits for STOP scripts at most 10 s, then kills their group ($dur s)"
else
	fail "budget: ${dur} s, child ${child:-?}"
	show "$TMP/budget.err"
fi

# -------------------------------------------------- 11. child hygiene
drv hyg -v 192.0.2.100 -i veX -r 77 -P 120 -k notify_backup="$BIN/hyg.sh one 'two words'" \
    backup sleep 1
H=$OUT/hyg
f0=$FAILS
if [ ! -f "$H" ]; then
	fail "hygiene: the script left no record"
	show "$TMP/hyg.err"
else
	grep -qxF "argv one two words" "$H" ||
	    fail "hygiene: argv: $(grep argv "$H")"
	grep -q "^uid $SCRIPT_UID " "$H" || fail "hygiene: $(grep ^uid "$H")"
	if [ $ROOT = 1 ]; then
		grep -qx "uid $SCRIPT_UID $(id -g nobody) groups $(id -g nobody)" "$H" ||
		    fail "hygiene: groups: $(grep ^uid "$H")"
		grep -qxE "CapEff:[[:space:]]+0+" "$H" ||
		    fail "hygiene: capabilities left: $(grep CapEff "$H")"
	fi
	grep -qxE "SigBlk:[[:space:]]+0+" "$H" || fail "hygiene: $(grep SigBlk "$H")"
	grep -qxE "SigIgn:[[:space:]]+0+" "$H" || fail "hygiene: $(grep SigIgn "$H")"
	pid=$(awk '/^pid / { print $2 }' "$H")
	grep -qx "pid $pid pgrp $pid sid $pid" "$H" ||
	    fail "hygiene: not its own session: $(grep ^pid "$H")"
	grep -qx "stdin /dev/null" "$H" || fail "hygiene: $(grep ^stdin "$H")"
	grep -qx "umask 0022" "$H" || fail "hygiene: $(grep ^umask "$H")"
	grep -qx "cwd /" "$H" || fail "hygiene: $(grep ^cwd "$H")"
	# ls itself opened 3 for /proc/self/fd; anything else leaked.
	[ "$(tr '\n' ' ' <"$H.fd")" = "0 1 2 3 " ] ||
	    fail "hygiene: descriptors: $(tr '\n' ' ' <"$H.fd")"
	names=$(sed 's/=.*//' "$H.env" | tr '\n' ' ')
	want="FIPD_EVENT FIPD_INSTANCE FIPD_INTERFACE FIPD_PREV_STATE FIPD_PRIORITY FIPD_REASON FIPD_SEQ FIPD_STATE FIPD_VIPS FIPD_VRID PATH PWD "
	[ "$names" = "$want" ] || fail "hygiene: environment: $names"
	for v in FIPD_INSTANCE=VI_1 FIPD_STATE=BACKUP FIPD_PREV_STATE=INIT \
	    FIPD_VRID=77 FIPD_INTERFACE=veX FIPD_VIPS=192.0.2.100 FIPD_SEQ=1 \
	    FIPD_PRIORITY=120 FIPD_EVENT=TRANSITION FIPD_REASON=driver; do
		grep -qxF "$v" "$H.env" || fail "hygiene: no $v"
	done
	grep -q "notify_backup\[[0-9]*\]: to stdout" "$TMP/hyg.err" &&
	    grep -q "notify_backup\[[0-9]*\]: to stderr" "$TMP/hyg.err" ||
	    fail "hygiene: stdout/stderr not logged"
	[ $FAILS = "$f0" ] && ok "child: user, groups, capabilities, session, signals, descriptors, environment"
fi

unit_finish
