#!/bin/sh
# Namespace test of the action_netlink and action_arping plugins, run
# through t/plugin_driver (a fake host).  Needs root; skips (77) otherwise.
# The driver stands in for the daemon's kernel watcher: its addr_present()
# dumps the addresses, and its `watch` command raises FIPD_EV_RECONCILE
# and FIPD_EV_LINK as the daemon would.
#
# Topology: two namespaces of our own joined by a veth pair,
#   $NSA: veA 192.0.2.1/24  <-->  $NSB: veB 192.0.2.2/24
# VIP 192.0.2.100 (IPv6 part: 2001:db8::100).  Nothing outside the two
# namespaces is touched.
#
# Files are looked up relative to the current directory (make check runs
# tests from the top build directory); PLUGIN_DRIVER, ACTION_NETLINK_SO and
# ACTION_ARPING_SO override them.

set -u

skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null 2>&1 || skip "needs ip (iproute2)"
command -v timeout >/dev/null 2>&1 || skip "needs timeout (coreutils)"

DRIVER=${PLUGIN_DRIVER:-./t/plugin_driver}
NETLINK_SO=${ACTION_NETLINK_SO:-./plugins/action_netlink/.libs/action_netlink.so}
ARPING_SO=${ACTION_ARPING_SO:-./plugins/action_arping/.libs/action_arping.so}
for f in "$DRIVER" "$NETLINK_SO" "$ARPING_SO"; do
	if [ ! -f "$f" ]; then
		echo "ERROR: $f not found (run from the top build directory)"
		exit 99
	fi
done
# dlopen() needs a path with a slash to avoid the library search path.
case $NETLINK_SO in /*|./*|../*) ;; *) NETLINK_SO=./$NETLINK_SO ;; esac
case $ARPING_SO in /*|./*|../*) ;; *) ARPING_SO=./$ARPING_SO ;; esac

NSA=fipd-pa-$$-a
NSB=fipd-pa-$$-b
VIP=192.0.2.100
VIP6=2001:db8::100
. "$(dirname "$0")/lib-unit.sh"
unit_init pa
UNIT_NETNS="$NSA $NSB"

inA() { ip netns exec "$NSA" "$@"; }
inB() { ip netns exec "$NSB" "$@"; }

# has_addr DEV ADDR: ADDR is on DEV in $NSA (any prefix length).
has_addr() {
	ip -n "$NSA" -o addr show dev "$1" 2>/dev/null | grep -q " $2/"
}

not() { ! "$@"; }

# drv_bg NAME ARGS...: start the driver in $NSA in the background, output
# in $TMP/NAME.out and $TMP/NAME.err; the PID is in DRVPID.
drv_bg() {
	name=$1
	shift
	timeout 30 ip netns exec "$NSA" "$DRIVER" "$@" \
	    >"$TMP/$name.out" 2>"$TMP/$name.err" &
	DRVPID=$!
	BGPIDS="$BGPIDS $DRVPID"
}

# drv_wait NAME: wait for the background driver; fail on a bad exit.
drv_wait() {
	wait "$DRVPID"
	rc=$?
	BGPIDS=$(echo "$BGPIDS" | sed "s/ $DRVPID\$//; s/ $DRVPID / /")
	if [ "$rc" -ne 0 ]; then
		fail "$1: driver exited with $rc"
		sed 's/^/  | /' "$TMP/$1.err"
	fi
}

# count_lines FILE PATTERN: number of lines of FILE matching PATTERN.
count_lines() {
	grep -c -- "$2" "$1" 2>/dev/null
}

# capture_bg NAME SECONDS: capture ARP/NA frames on veB in $NSB.
capture_bg() {
	timeout 30 ip netns exec "$NSB" "$DRIVER" capture veB "$2" \
	    >"$TMP/$1.cap" 2>"$TMP/$1.caperr" &
	CAPPID=$!
	BGPIDS="$BGPIDS $CAPPID"
	wait_until 50 grep -q READY "$TMP/$1.cap" ||
	    fail "$1: capture did not start"
}

capture_wait() {
	wait "$CAPPID"
	BGPIDS=$(echo "$BGPIDS" | sed "s/ $CAPPID\$//; s/ $CAPPID / /")
	grep -q DONE "$TMP/$1.cap" || fail "$1: capture did not finish"
}

# ------------------------------------------------------------ topology
ip netns add "$NSA" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$NSB" || exit 99
HAVE6=0
if [ -d /proc/sys/net/ipv6 ]; then
	HAVE6=1
	# Link-locals usable at once, so that NAs have a source address.
	inA sysctl -qw net.ipv6.conf.default.accept_dad=0 || HAVE6=0
	inA sysctl -qw net.ipv6.conf.all.accept_dad=0 || HAVE6=0
fi
ip -n "$NSA" link add name veA type veth peer name veB netns "$NSB" ||
    skip "cannot create veth pairs"
ip -n "$NSA" link set lo up
ip -n "$NSB" link set lo up
ip -n "$NSA" addr add 192.0.2.1/24 dev veA
ip -n "$NSB" addr add 192.0.2.2/24 dev veB
ip -n "$NSA" link set veA up
ip -n "$NSB" link set veB up
MACA=$(inA cat /sys/class/net/veA/address) || exit 99
echo "# namespaces $NSA $NSB, veA $MACA"

# ------------------------------------------- 1. stale VIP removed on attach
# A crash left the VIP with another prefix length than configured now.
ip -n "$NSA" addr add "$VIP/24" dev veA
has_addr veA "$VIP" || fail "stale: could not plant the stale VIP"
drv_bg stale -i veA -v "$VIP/32" -p "$NETLINK_SO" sleep 0.2
drv_wait stale
if has_addr veA "$VIP"; then
	fail "stale: VIP still on veA after attach"
elif ! grep -q "VI_1: removed stale VIP $VIP/32 (prefix /24)" \
    "$TMP/stale.err"; then
	fail "stale: removal not logged"
	sed 's/^/  | /' "$TMP/stale.err"
else
	ok "stale VIP removed on attach and logged"
fi

# ---------------------------------------- 2. MASTER adds, BACKUP deletes
drv_bg mb -i veA -v "$VIP/32" -p "$NETLINK_SO" \
    master sleep 1.5 backup sleep 1.5 stop
if ! wait_until 15 has_addr veA "$VIP"; then
	fail "master: VIP did not appear"
elif ! ip -n "$NSA" -o addr show dev veA | grep -q "inet $VIP/32 scope global"; then
	fail "master: VIP has the wrong prefix or scope"
	ip -n "$NSA" -o addr show dev veA | sed 's/^/  | /'
elif ! wait_until 25 not has_addr veA "$VIP"; then
	fail "backup: VIP still present"
else
	ok "VIP added on MASTER, deleted on BACKUP"
fi
drv_wait mb
if [ "$(count_lines "$TMP/mb.out" vip_readded)" != 0 ]; then
	fail "master/backup: our own deletion was taken for a foreign one"
fi

# ------------------------------------------ 3. removal behind our back
# The host reports the deletion (FIPD_EV_RECONCILE); the plugin re-adds.
drv_bg readd -i veA -v "$VIP/32" -p "$NETLINK_SO" master watch 3 stop
if ! wait_until 20 has_addr veA "$VIP"; then
	fail "readd: VIP did not appear"
else
	ip -n "$NSA" addr del "$VIP/32" dev veA
	if wait_until 10 has_addr veA "$VIP"; then
		ok "VIP deleted behind our back is back within 1 s"
	else
		fail "readd: VIP not re-added within 1 s"
	fi
fi
drv_wait readd
if [ "$(count_lines "$TMP/readd.out" "^COUNT VI_1 vip_readded\$")" != 1 ]; then
	fail "readd: vip_readded not counted exactly once"
	sed 's/^/  | /' "$TMP/readd.out"
fi
grep -q "VI_1: VIP $VIP/32 was missing (reconcile), re-added" \
    "$TMP/readd.err" || fail "readd: re-add not logged"
[ "$(count_lines "$TMP/readd.out" "^EVENT reconcile\$")" = 1 ] ||
    fail "readd: not exactly one FIPD_EV_RECONCILE raised"
has_addr veA "$VIP" && fail "readd: VIP left on veA after stop"
# A RECONCILE with every VIP in place changes nothing.
drv_bg rec0 -i veA -v "$VIP/32" -p "$NETLINK_SO" master sleep 0.2 \
    reconcile sleep 0.2 stop
drv_wait rec0
if [ "$(count_lines "$TMP/rec0.out" vip_readded)" = 0 ] &&
    ! grep -q "was missing" "$TMP/rec0.err"; then
	ok "RECONCILE with the VIP in place re-adds nothing"
else
	fail "rec0: VIP re-added though present"
	sed 's/^/  | /' "$TMP/rec0.err"
fi

# RECONCILEs of one pass of the loop make one round of re-adds.  Someone
# who keeps deleting gets 10 rounds a second; then re-adds pause and one
# round at the end of the second puts back what is missing.
set -- master sleep 0.1
i=0
while [ $i -lt 14 ]; do
	set -- "$@" sh "ip addr del $VIP/32 dev veA" reconcile reconcile \
	    sleep 0.01
	i=$((i + 1))
done
t0=$(date +%s)
drv_bg flap -i veA -v "$VIP/32" -p "$NETLINK_SO" "$@" sleep 1.2 \
    sh "ip -o addr show dev veA >$TMP/flap.end" stop
drv_wait flap
n=$(count_lines "$TMP/flap.out" "^COUNT VI_1 vip_readded\$")
if ! grep -q "keep disappearing" "$TMP/flap.err"; then
	# 14 deletions took more than a second: no limit to see.
	echo "# rate limit not reached in $(($(date +%s) - t0)) s (slow machine?)"
	[ "$n" = 14 ] || fail "flap: $n re-adds of 14 deletions"
elif [ "$n" -ge 11 ] && [ "$n" -le 13 ] && grep -q "$VIP/32 was missing (after re-add rate limit)" \
    "$TMP/flap.err" && grep -q " $VIP/32 " "$TMP/flap.end"; then
	ok "re-adds: one round per pass, 10 a second, then one after the pause ($n)"
else
	fail "flap: $n re-adds; see below"
	sed 's/^/  | /' "$TMP/flap.out" "$TMP/flap.err"
fi

# ------------------------------- 4. requests: never waited for, never lost
# nvips N: how many of 192.0.2.10 to 192.0.2.(10+N-1) are on veA.
nvips() {
	ip -n "$NSA" -o addr show dev veA | awk -v n="$1" '
	    $3 == "inet" && split($4, a, "[./]") == 5 && a[5] == 32 &&
	    a[1] "." a[2] "." a[3] == "192.0.2" && a[4] >= 10 &&
	    a[4] < 10 + n { c++ } END { print c + 0 }'
}
# vips N: -v options for 192.0.2.10 to 192.0.2.(10+N-1).
vips() {
	i=10
	while [ $i -lt $((10 + $1)) ]; do
		printf ' -v 192.0.2.%d/32' $i
		i=$((i + 1))
	done
}

# 4a. The acknowledgements overrun the socket (the driver shrinks its
# buffer to a few of them): the plugin checks the VIPs through
# addr_present() instead of waiting for what was lost.
drv_bg ackrun -i veA $(vips 40) -B 4096 -p "$NETLINK_SO" master sleep 0.5 \
    sh "ip -o addr show dev veA >$TMP/ackrun.m" backup sleep 0.5 \
    sh "ip -o addr show dev veA >$TMP/ackrun.b" stop
drv_wait ackrun
m=$(grep -c 'inet 192.0.2.[1-4][0-9]/32' "$TMP/ackrun.m" 2>/dev/null)
b=$(grep -c 'inet 192.0.2.[1-4][0-9]/32' "$TMP/ackrun.b" 2>/dev/null)
lost=$(count_lines "$TMP/ackrun.err" "acknowledgements lost, checking")
if [ "$m" = 40 ] && [ "$b" = 0 ] && [ "$lost" -ge 2 ] &&
    ! grep -q "cannot\|giving up" "$TMP/ackrun.err"; then
	ok "acknowledgements lost to an overrun: VIPs checked, 40 added, 40 deleted"
else
	fail "ackrun: $m VIPs on MASTER, $b on BACKUP (want 40, 0), $lost overruns seen"
	sed 's/^/  | /' "$TMP/ackrun.err"
fi

# 4b. The kernel does not take every request (the driver fails every
# third sendmsg with EAGAIN, then every other with ENOBUFS): they wait
# in order and go out later; a STOP right after MASTER, with requests
# still queued at the last detach, leaves nothing behind.
for f in "3" "2 -E"; do
	drv_bg sendq -i veA $(vips 12) -F $f -p "$NETLINK_SO" master sleep 0.3 \
	    sh "ip -o addr show dev veA >$TMP/sendq.m" backup sleep 0.3 \
	    sh "ip -o addr show dev veA >$TMP/sendq.b" master stop
	drv_wait sendq
	m=$(grep -c 'inet 192.0.2.[1-4][0-9]/32' "$TMP/sendq.m" 2>/dev/null)
	b=$(grep -c 'inet 192.0.2.[1-4][0-9]/32' "$TMP/sendq.b" 2>/dev/null)
	failed=$(sed -n 's/^FAILED_SENDS \([0-9]*\) .*/\1/p' "$TMP/sendq.out")
	if [ "$m" = 12 ] && [ "$b" = 0 ] && [ "$(nvips 12)" = 0 ] &&
	    [ "${failed:-0}" -gt 0 ] && grep -q "did not take a request" \
	    "$TMP/sendq.err" && ! grep -q "cannot\|could not" "$TMP/sendq.err"
	then
		ok "sends refused (-F $f, $failed times): every request went out, in order"
	else
		fail "sendq -F $f: $m VIPs on MASTER, $b on BACKUP, $(nvips 12) after stop (want 12, 0, 0); ${failed:-no} sends failed"
		sed 's/^/  | /' "$TMP/sendq.out" "$TMP/sendq.err"
	fi
done

# 4c. STOP at once after MASTER (requests and acknowledgements in flight
# at the last detach): the deletions are done, nothing leaks (the
# sanitizers and the driver's own leak check judge the exit status).
drv_bg inflight -i veA $(vips 8) -p "$NETLINK_SO" master stop
drv_wait inflight
if [ "$(nvips 8)" = 0 ]; then
	ok "STOP with requests in flight: VIPs deleted"
else
	fail "inflight: $(nvips 8) VIPs left after stop"
fi

# 4d. A kernel error is retried once, 100 ms later (IPv6 disabled on veA
# refuses the add): given up when it persists, added when it clears.
if [ "$HAVE6" = 1 ]; then
	DIS="sysctl -qw net.ipv6.conf.veA.disable_ipv6"
	drv_bg retry1 -i veA -v 2001:db8::200/128 -p "$NETLINK_SO" \
	    sh "$DIS=1" master sleep 0.4 sh "$DIS=0" stop
	drv_wait retry1
	drv_bg retry2 -i veA -v 2001:db8::200/128 -p "$NETLINK_SO" \
	    sh "$DIS=1" master sh "$DIS=0" sleep 0.4 \
	    sh "ip -o addr show dev veA >$TMP/retry2.m" stop
	drv_wait retry2
	inA sysctl -qw net.ipv6.conf.veA.disable_ipv6=0
	c1=$(count_lines "$TMP/retry1.err" "cannot add VIP 2001:db8::200/128 on veA")
	g1=$(count_lines "$TMP/retry1.err" "VIP 2001:db8::200/128: giving up after retry")
	c2=$(count_lines "$TMP/retry2.err" "cannot add VIP 2001:db8::200/128 on veA")
	if [ "$c1" = 2 ] && [ "$g1" = 1 ] && [ "$c2" = 1 ] &&
	    grep -q "VI_1: VIP 2001:db8::200/128 added on retry" \
	    "$TMP/retry2.err" && grep -q "2001:db8::200/128" "$TMP/retry2.m"
	then
		ok "a refused add is retried once: given up, or added on retry"
	else
		fail "retry: $c1 failures and $g1 give-ups (want 2, 1); $c2 failures then added (want 1)"
		sed 's/^/  | /' "$TMP/retry1.err" "$TMP/retry2.err"
	fi
else
	echo "# no IPv6 in this kernel: retry check skipped"
fi

# --------------------------------- 5. interface missing, then appearing
# The host raises FIPD_EV_LINK with the new index; the plugin adds.
drv_bg late -i veC -v 192.0.2.101/32 -p "$NETLINK_SO" \
    master watch 2 stop
if wait_until 20 grep -q "giving up" "$TMP/late.err"; then
	ip -n "$NSA" link add name veC type veth peer name veD
	if wait_until 10 has_addr veC 192.0.2.101; then
		ok "VIP added when the missing interface appeared"
	else
		fail "late: VIP not added on the new interface"
	fi
else
	fail "late: failure to add was not retried once and given up"
fi
drv_wait late
if [ "$(count_lines "$TMP/late.err" "cannot add VIP")" != 2 ]; then
	fail "late: expected one failure and one retry"
	sed 's/^/  | /' "$TMP/late.err"
fi
has_addr veC 192.0.2.101 && fail "late: VIP left on veC after stop"

# The interface deleted and created again while MASTER: a new index
# (FIPD_EV_LINK once it is back, as the core raises it), the VIP re-added
# on it.
old=
new=
drv_bg relink -i veC -v 192.0.2.101/32 -p "$NETLINK_SO" master watch 3 stop
if wait_until 20 has_addr veC 192.0.2.101; then
	old=$(inA cat /sys/class/net/veC/ifindex)
	ip -n "$NSA" link del veC
	ip -n "$NSA" link add name veC type veth peer name veD
	new=$(inA cat /sys/class/net/veC/ifindex)
	if wait_until 10 has_addr veC 192.0.2.101; then
		ok "VIP back on veC re-created (index $old -> $new)"
	else
		fail "relink: VIP not re-added on the new veC"
	fi
else
	fail "relink: VIP did not appear"
fi
drv_wait relink
grep -q "VI_1: interface veC is now index $new" "$TMP/relink.err" &&
    grep -q "VI_1: VIP 192.0.2.101/32 was missing (interface reappeared), re-added" \
    "$TMP/relink.err" || {
	fail "relink: link change not logged"
	sed 's/^/  | /' "$TMP/relink.err"
}
[ "$(count_lines "$TMP/relink.out" "^COUNT VI_1 vip_readded\$")" = 1 ] ||
    fail "relink: vip_readded not counted exactly once"
grep -q "EVENT reconcile" "$TMP/relink.out" &&
    fail "relink: the link's addresses were taken for deletions"
has_addr veC 192.0.2.101 && fail "relink: VIP left on veC after stop"

# --------------------------------------------- 6. gratuitous ARP shape
# check_garps NAME EXPECTED: every ARP frame seen has the announcement
# shape, and there are EXPECTED of them.
check_garps() {
	want="ARP src=$MACA dst=ff:ff:ff:ff:ff:ff hrd=1 pro=0x0800 hln=6 pln=4 op=1 sha=$MACA spa=$VIP tha=00:00:00:00:00:00 tpa=$VIP"
	n=$(count_lines "$TMP/$1.cap" "spa=$VIP ")
	good=$(grep -cxF -- "$want" "$TMP/$1.cap")
	sent=$(count_lines "$TMP/$1.out" "^COUNT VI_1 garp_sent\$")
	if [ "$n" != "$2" ] || [ "$good" != "$2" ] || [ "$sent" != "$2" ]; then
		fail "$1: want $2 GARPs; seen $n, well-formed $good, counted $sent"
		sed 's/^/  | /' "$TMP/$1.cap"
		return 1
	fi
	return 0
}

capture_bg garp 2.0
drv_bg garp -i veA -v "$VIP/32" -r 3 -p "$NETLINK_SO" -p "$ARPING_SO" \
    master sleep 0.6 stop
drv_wait garp
capture_wait garp
check_garps garp 3 && ok "garp_repeat=3 gives 3 well-formed GARPs"

# Refresh every 0.4 s while MASTER (rounds at 0, .4, .8), none after
# BACKUP at 1.0 s.
capture_bg refresh 2.4
drv_bg refresh -i veA -v "$VIP/32" -r 1 -R 40 -p "$ARPING_SO" \
    master sleep 1.0 backup sleep 0.8 stop
drv_wait refresh
capture_wait refresh
check_garps refresh 3 && ok "garp_refresh repeats while MASTER only"

# Lower-priority advert heard: one round at once, one an advert interval
# (0.3 s) later.
capture_bg lower 2.0
drv_bg lower -i veA -v "$VIP/32" -r 1 -a 30 -p "$ARPING_SO" \
    master sleep 0.1 lowerprio sleep 0.6 backup
drv_wait lower
capture_wait lower
check_garps lower 3 && ok "lower-priority advert triggers two more rounds"

# ----------------------------------------- 7. unsolicited NA (IPv6 VIP)
if [ "$HAVE6" = 1 ]; then
	capture_bg na 2.0
	drv_bg na -i veA -v "$VIP6/128" -r 2 -p "$NETLINK_SO" \
	    -p "$ARPING_SO" master sleep 0.5 stop
	drv_wait na
	capture_wait na
	want="NA src=$MACA ipdst=ff02::1 hlim=255 R=1 S=0 O=1 target=$VIP6 tlla=$MACA"
	n=$(count_lines "$TMP/na.cap" "target=$VIP6 ")
	good=$(grep -cxF -- "$want" "$TMP/na.cap")
	sent=$(count_lines "$TMP/na.out" "^COUNT VI_1 na_sent\$")
	if [ "$n" = 2 ] && [ "$good" = 2 ] && [ "$sent" = 2 ]; then
		ok "unsolicited NAs well-formed"
	else
		fail "na: want 2 NAs; seen $n, well-formed $good, counted $sent"
		sed 's/^/  | /' "$TMP/na.cap" "$TMP/na.err"
	fi
	ip -n "$NSA" -o addr show dev veA | grep -q "$VIP6/" &&
	    fail "na: IPv6 VIP left on veA after stop"
else
	echo "# no IPv6 in this kernel: NA checks skipped"
fi

unit_finish
