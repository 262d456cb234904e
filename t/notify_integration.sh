#!/bin/bash
# Notify scripts with two real daemons in namespaces (issue 4), on the
# harness of t/integration (lib.sh: topology, daemons, cleanup by trap).
# VRRPv3, unicast, advert_int 0.2 s; n1 priority 100, n2 priority 50.
#
#  1. n2 starts alone: INIT -> BACKUP, then MASTER after Master_Down; n1
#     starts as soon as n2 holds the VIP and takes it back at once, so n2
#     goes BACKUP -> MASTER -> BACKUP in quick succession while its
#     scripts (0.6 s each) run.  n2's records (start/end, FIPD_SEQ, uid)
#     show one script at a time, in transition order, the state-specific
#     script before the generic one, each run as nobody without
#     capabilities.
#  2. n1's notify_master hangs: it is killed at notify_timeout (1 s) with
#     its process group, the generic script runs after it, and meanwhile
#     n1 keeps advertising every 0.2 s (adverts seen on n2 with tcpdump;
#     n2 never takes over).
#  3. The running daemon kept only CAP_NET_ADMIN, CAP_NET_RAW, CAP_SETUID,
#     CAP_SETGID and CAP_KILL (effective, permitted, bounding).
#  4. SIGTERM: n2 runs notify_stop then notify with STOP, and exits 0
#     after they finished.
# Needs root (exit 77 otherwise; a failure under FIPD_CI=1).
. "$(dirname "$0")/integration/lib.sh"

[ "$FIPD_DAEMON" = fipd ] || { echo "SKIP: fipd-specific (notify ordering, privileges)"; exit 77; }
need_root
need_tools ip bridge
need_daemon
t_init 120
getent passwd nobody >/dev/null || skip "no user nobody"
setup_topology
setup_plugins
[ -e "$T_PLUGDIR/action_notify.so" ] || skip "action_notify.so not built under $FIPD_BUILDDIR/plugins"

M=$FIPD_MARGIN_MS
ADV=200			# advert_int, ms
NOBODY=$(id -u nobody)
# Scripts: root's, 0755, in a root directory; records in a directory the
# script user (nobody) may write.
ND=$T_DIR/notify
OUT=$T_DIR/out
mkdir -p "$ND" "$OUT"
chmod 755 "$ND"
chown nobody "$OUT"
cat >"$ND/rec.sh" <<'EOF'
#!/bin/sh
# rec.sh NODE TAG SECONDS [INSTANCE NAME STATE PRIORITY]: the four
# arguments come to `notify` only (as keepalived's); the state is read
# from FIPD_STATE.
out=$(dirname "$0")/../out/rec.$1
cap=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$$/status)
echo "start $2 $FIPD_SEQ $FIPD_STATE $(date +%s%N) uid=$(id -u) cap=$cap prev=$FIPD_PREV_STATE args=$#" >>"$out"
sleep "$3"
echo "end $2 $FIPD_SEQ $FIPD_STATE $(date +%s%N)" >>"$out"
EOF
cat >"$ND/hang.sh" <<'EOF'
#!/bin/sh
out=$(dirname "$0")/../out
sleep 600 &
echo $! >"$out/hang.child"
wait
EOF
chmod 755 "$ND/rec.sh" "$ND/hang.sh"

common=(version=3 advert_int=0.2 auth_pass= notify_timeout=1)
c2=$(wiki_conf n2 "${common[@]}" \
	"notify_master=$ND/rec.sh n2 m 0.6" \
	"notify_backup=$ND/rec.sh n2 b 0.6" \
	"notify_stop=$ND/rec.sh n2 s 0.3" \
	"notify=$ND/rec.sh n2 any 0.2")
c1=$(wiki_conf n1 "${common[@]}" \
	"notify_master=$ND/hang.sh" \
	"notify=$ND/rec.sh n1 any 0")
for n in n1 n2; do
	"$FIPD" -t -f "$T_DIR/$n.conf" >"$T_DIR/$n.t.err" 2>&1 ||
	    { cat "$T_DIR/$n.t.err"; die "fipd -t refused $n.conf"; }
done

# runs NODE: "TAG:SEQ:STATE" per run after checking the records pair up
# and never overlap.
runs() {
	awk '
	$1 == "start" {
		if (open) print "OVERLAP"
		if ($5 < lastend) print "BEFORE-END"
		open = 1; tag = $2; seq = $3; next
	}
	$1 == "end" {
		if (!open || $2 != tag || $3 != seq) print "UNPAIRED"
		open = 0; lastend = $5; printf "%s:%s:%s\n", tag, seq, $4
	}
	END { if (open) print "UNFINISHED" }' "$OUT/rec.$1" 2>/dev/null | tr '\n' ' ' |
	    sed 's/ $//'
}

# ------------------------------------------- 1. double transition on n2
start_fipd n2 "$c2"
wait_for "vip_on n2" 4000 || die "n2 alone did not become MASTER within 4 s"
adv_capture_start n2
_now; t_n1=$T_NOW
start_fipd n1 "$c1"
wait_for "vip_only_on n1" 3000 || die "n1 did not take the VIP back (holders: $(vip_holders))"
say "n1 took the VIP back $(( $(now_ms) - t_n1 )) ms after its start"
# n2's queue: b:1 any:1 m:2 any:2 b:3 any:3, 0.6 + 0.2 s each item.
want="b:1:BACKUP any:1:BACKUP m:2:MASTER any:2:MASTER b:3:BACKUP any:3:BACKUP"
wait_for "[ \"\$(runs n2)\" = \"$want\" ]" 8000
got=$(runs n2)
if [ "$got" = "$want" ]; then
	ok "n2: BACKUP, MASTER, BACKUP scripts in order, one at a time, specific before generic"
else
	fail "n2 notify runs: got '$got', want '$want'"
	cat "$OUT/rec.n2" 2>/dev/null
fi
# The seqs are the daemon's: its log has the same transitions.
grep -qE "VI_1: BACKUP -> MASTER" "$T_DIR/n2.log" &&
    grep -qE "VI_1: MASTER -> BACKUP" "$T_DIR/n2.log" ||
    fail "n2 log lacks the transitions"
m_end=$(awk '$1 == "end" && $2 == "any" && $3 == 2 { print $5 }' "$OUT/rec.n2")
b_start=$(awk '$1 == "start" && $2 == "b" && $3 == 3 { print $5 }' "$OUT/rec.n2")
if [ -n "$m_end" ] && [ -n "$b_start" ]; then
	figure "n2: BACKUP script of seq 3 started $(( (b_start - m_end) / 1000000 )) ms after the MASTER item of seq 2 ended (it was queued while it ran)"
fi
check "n2 scripts ran as nobody (uid $NOBODY)" \
    [ "$(awk '$1 == "start" && $6 != "uid='"$NOBODY"'"' "$OUT/rec.n2" | wc -l)" = 0 ]
check "n2 scripts ran without capabilities" \
    [ "$(awk '$1 == "start" && $7 != "cap=0000000000000000"' "$OUT/rec.n2" | wc -l)" = 0 ]
check "n2: notify got INSTANCE NAME STATE PRIORITY, notify_master and notify_backup their own words only (as keepalived)" \
    [ "$(awk '$1 == "start" && !(($2 == "any" && $9 == "args=7") || ($2 != "any" && $9 == "args=3"))' "$OUT/rec.n2" | wc -l)" = 0 ]

# ---------------------------------------- 2. hanging notify_master on n1
if wait_for "grep -q 'hang.sh: killed by signal 15 (timeout)' '$T_DIR/n1.log'" 4000; then
	ok "n1: hanging notify_master killed by SIGTERM to its group at the timeout"
else
	fail "n1: the hanging script was not killed"
fi
grep -q "VI_1: seq 1 MASTER: notify_master $ND/hang.sh: timed out after 1.000 s: SIGTERM to its process group" "$T_DIR/n1.log" ||
    fail "n1: timeout not logged with the script path"
wait_for "[ \"\$(runs n1)\" = any:1:MASTER ]" 2000 ||
    fail "n1: the generic script did not run after the killed one: '$(runs n1)'"
child=$(cat "$OUT/hang.child" 2>/dev/null)
if [ -n "$child" ] && _alive "$child"; then
	fail "n1: the hanging script's child $child survived"
fi
# Capture until 2.5 s after n1's start: its hang lasted 1 s from there.
wait_for "[ \$(now_ms) -ge $((t_n1 + 2500)) ]" 3000
adv_capture_stop
if [ -s "$T_ADV_LOG" ]; then
	# Largest gap between n1's adverts from 0.1 s after its start (its
	# script hung from then) to the end of the capture.
	gap=$(awk -v a=$((t_n1 + 100)) '$3 == "192.0.2.1" {
		split($1, p, "."); ms = p[1] * 1000 + int(substr(p[2] "000", 1, 3))
		if (ms < a) next
		if (last && ms - last > g) g = ms - last
		last = ms; n++ }
		END { printf "%d %d\n", g, n }' "$T_ADV_LOG")
	read -r g n <<<"$gap"
	figure "n1 adverts while its script hung and was killed: $n adverts, largest gap $g ms (advert_int $ADV ms)"
	on_time=no
	[ "$n" -ge 8 ] && [ "$g" -le $((ADV + M)) ] && on_time=yes
	check "n1 kept advertising on time (largest gap $g ms <= $ADV + $M ms, $n adverts)" \
	    [ $on_time = yes ]
else
	say "tcpdump absent: advert gaps not measured"
fi
check "n2 did not take over again while n1's script hung" \
    [ "$(grep -cE -- '-> MASTER \(' "$T_DIR/n2.log")" = 1 ]

# ------------------------------------------------------- 3. privileges
for n in n1 n2; do
	caps=$(grep -E '^Cap(Eff|Prm|Bnd|Inh|Amb):' "/proc/${FIPD_PID[$n]}/status" | tr -s '\t ' ' ' | tr '\n' ' ')
	check "$n: only NET_ADMIN, NET_RAW, SETUID, SETGID, KILL kept ($caps)" \
	    [ "$caps" = "CapInh: 0000000000000000 CapPrm: 00000000000030e0 CapEff: 00000000000030e0 CapBnd: 00000000000030e0 CapAmb: 0000000000000000 " ]
done
grep -q "privileges dropped: keeping CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_KILL (uid 0)" "$T_DIR/n1.log" ||
    fail "n1: privilege drop not logged"

# ------------------------------------------------------------ 4. stop
lines=$(wc -l <"$OUT/rec.n2")
stop_fipd n2 6000 || fail "n2 did not exit within 6 s of SIGTERM"
check "n2 exited 0 (got ${FIPD_RC[n2]})" [ "${FIPD_RC[n2]}" = 0 ]
stop_seq=$(grep -oE 'seq [0-9]+ STOP: notify_stop' "$T_DIR/n2.log" | awk '{ print $2; exit }')
got=$(tail -n +$((lines + 1)) "$OUT/rec.n2" | awk '$1 == "end" { printf "%s:%s:%s ", $2, $3, $4 }' | sed 's/ $//')
want="s:$stop_seq:STOP any:$stop_seq:STOP"
if [ -n "$stop_seq" ] && [ "$got" = "$want" ]; then
	ok "SIGTERM: notify_stop then notify ran (seq $stop_seq) before n2 exited"
else
	fail "stop: got '$got', want '$want'"
fi
stop_fipd n1 6000 || fail "n1 did not exit within 6 s of SIGTERM"
check "n1 exited 0" [ "${FIPD_RC[n1]}" = 0 ]
check "n1 ran its generic script for STOP" grep -q ":STOP" <(runs n1)
print_figures
finish
