#!/bin/bash
# A reload must not wait for DNS.  n1 (MASTER 100) and n2 (BACKUP 50) run
# VRRPv3 multicast at 100 ms (n2's Master_Down_Interval: 380 ms).  n1 runs
# with a resolver that never answers: a resolv.conf naming 192.0.2.53,
# bind-mounted over /etc/resolv.conf in a private mount namespace of n1's
# daemon only.  Nothing answers at 192.0.2.53 (its ARP requests stay on the
# test's bridge): no packet leaves the test's namespaces, and each lookup
# fails after the resolver's timeout (options timeout:3 attempts:1).
# SIGHUP gives n1 a new [check web] of type http on a host name (tracked by
# no instance, so the instance itself is unchanged).
#   1. the reload is logged as applied at once (< 1 s after SIGHUP);
#   2. n1 keeps sending adverts at 100 ms (largest gap on the wire below
#      RELOAD_DNS_GAP_MS, default 300: below n2's 380 ms) and n2 never
#      becomes MASTER, for 6 s;
#   3. the check is DOWN with "cannot resolve" once the lookup failed
#      (fipctl status; the first probes end at the check's timeout).
# Before names were resolved in the background, the reload resolved the
# name on the daemon's loop: no advert for ~3 s, n2 took over.
. "$(dirname "$0")/lib.sh"

GAPMAX=${RELOAD_DNS_GAP_MS:-300}

setup_all 120
need_tools tcpdump unshare mount
[ "$FIPD_DAEMON" = fipd ] || skip "fipd only (keepalived has no HTTP check of its own)"

RESOLV=$T_DIR/resolv.conf
printf 'nameserver 192.0.2.53\noptions timeout:3 attempts:1\n' > "$RESOLV"

v3() { wiki_conf "$1" version=3 advert_int=0.1 auth_pass= unicast_src_ip= unicast_peer= "${@:2}"; }
c1=$(v3 n1)
c2=$(v3 n2)

# start_fipd, with n1's own resolv.conf: unshare -m, bind mount, then the
# usual `ip netns exec` (which makes its own mount namespace as a copy of
# this one, so the bind mount is seen inside).
FIPD_CONF[n1]=$c1
echo "=== $(date '+%H:%M:%S.%3N') start fipd with $RESOLV ($c1)" >> "$T_DIR/n1.log"
unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$RESOLV" \
	ip netns exec "$(ns n1)" "$FIPD" -n -f "$c1" -p "$T_DIR/n1.pid" -s "$T_DIR/n1.sock" -d \
	</dev/null >>"$T_DIR/n1.log" 2>&1 &
FIPD_PID[n1]=$!
_track "${FIPD_PID[n1]}"
wait_for "vip_on n1" 3000 || die "n1 did not take the VIP"
start_fipd n2 "$c2"
hold_for "vip_only_on n1" 1500 || die "VIP not on n1 alone (holders: $(vip_holders))"
ok "steady state: n1 MASTER, n2 BACKUP"

# The resolver really hangs in n1's daemon: check it with the same setup.
_now; r0=$T_NOW
unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$RESOLV" \
	ip netns exec "$(ns n1)" getent ahosts web.fipd-test.invalid >/dev/null 2>&1
_now
say "a lookup with n1's resolver failed after $((T_NOW - r0)) ms"
[ $((T_NOW - r0)) -ge 2000 ] || skip "the resolver did not hang (lookup failed after $((T_NOW - r0)) ms: nsswitch without dns?)"

CAP=$T_DIR/n1-adverts.txt
ip netns exec "$(ns br)" tcpdump -i n1 -Q in -p -n -l -tt "ip proto 112 and src host 192.0.2.1" \
	</dev/null >"$CAP" 2>"$T_DIR/tcpdump.err" &
_track $!
wait_for '[ -s "$CAP" ]' 3000 || die "tcpdump captured no advert from n1 ($(cat "$T_DIR/tcpdump.err"))"

add_check "$c1" web type=http url=http://web.fipd-test.invalid/ interval=1
l1=$(log_lines n1); l2=$(log_lines n2)
_now; h0=$T_NOW
hup_fipd n1
if wait_for "log_since n1 $l1 | grep -q 'reload: .* applied'" 1000; then
	_now
	ok "reload applied $((T_NOW - h0)) ms after SIGHUP"
else
	fail "reload not applied within 1 s of SIGHUP (a blocking lookup?)"
fi
sleep 6
_now; h1=$T_NOW
# The last advert before SIGHUP starts the first gap.
gap=$(awk -v f="$h0" -v t="$h1" '/VRRP/ { ms = $1 * 1000; if (ms > t) next
	if (ms >= f && prev) { g = ms - prev; if (g > m) m = g } prev = ms }
	END { printf "%.0f\n", m }' "$CAP")
figure "largest gap between n1's adverts in the 6 s after SIGHUP: $gap ms (advert interval 100 ms)"
check "n1's adverts kept their interval (largest gap $gap ms < $GAPMAX ms)" [ "$gap" -lt "$GAPMAX" ]
check "n2 never became MASTER" [ "$(log_since n2 "$l2" | grep -c -- '-> MASTER')" = 0 ]
check "VIP on n1 alone" vip_only_on n1
st=$("$FIPD_BUILDDIR/fipctl" -s "$T_DIR/n1.sock" status --json 2>&1)
if echo "$st" | grep -q 'cannot resolve web\.fipd-test\.invalid'; then
	ok "the check is DOWN: $(echo "$st" | grep -o '"reason": *"cannot resolve[^"]*"' | head -n 1)"
else
	fail "fipctl status does not show the check DOWN with 'cannot resolve web.fipd-test.invalid': $st"
fi
finish
