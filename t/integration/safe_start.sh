#!/bin/bash
# A safe first run and paths that survive daemonizing (issue 13):
#   - the shipped fipd.conf is a commented example: `fipd -t` refuses it
#     with "nothing to run", and `fipd` started on it (in a namespace with
#     an eth0, as a fresh host has) exits 1 at once and adds no address.
#     Before, it was a live config (eth0, VIP 192.0.2.100): a bare `fipd`
#     daemonized with exit 0 and took the address;
#   - relative -f, -p and -s given to a daemonizing fipd: a reload reads
#     the right file (it read "/<path>" after the chdir to "/"), the control
#     socket is where it was asked to be, and the exit removes the right pid
#     file (it unlinked "/<path>" and left the real one behind).
. "$(dirname "$0")/lib.sh"

need_root
need_daemon
[ "$FIPD_DAEMON" = fipd ] || skip "fipd only"
FIPCTL=${FIPCTL:-$FIPD_BUILDDIR/fipctl}
[ -x "$FIPCTL" ] || skip "no fipctl at $FIPCTL"
t_init 60
setup_topology
setup_plugins
EXAMPLE=$T_LIB_DIR/../../etc/fipd.conf
[ -r "$EXAMPLE" ] || die "no $EXAMPLE"

# ------------------------------------------------------ the shipped file
"$FIPD" -t -f "$EXAMPLE" > "$T_DIR/t.out" 2>&1
rc=$?
check "fipd -t refuses the shipped example (exit $rc): $(tail -n 1 "$T_DIR/t.out")" \
	eval '[ $rc = 1 ] && grep -q "nothing to run" "$T_DIR/t.out"'
# The example with the build's plugins and a socket of our own.
sed "/^\[global\]\$/a plugin_dir = $T_PLUGDIR\\ncontrol_socket = $T_DIR/ex.sock" \
	"$EXAMPLE" > "$T_DIR/example.conf"
_now; t0=$T_NOW
timeout 5 ip netns exec "$(ns n1)" "$FIPD" -f "$T_DIR/example.conf" -p "$T_DIR/ex.pid" > "$T_DIR/ex.out" 2>&1
rc=$?
_now
check "fipd on the example exits 1 at once ($rc after $((T_NOW - t0)) ms): $(tail -n 1 "$T_DIR/ex.out")" \
	eval '[ $rc = 1 ] && [ $((T_NOW - t0)) -lt 4000 ]'
check "and adds no address to eth0" eval '! ip -n "$(ns n1)" -o addr show dev eth0 | grep -q " 192.0.2.100/"'
[ -e "$T_DIR/ex.pid" ] && kill "$(cat "$T_DIR/ex.pid")" 2>/dev/null

# ------------------------------------------- relative paths, daemonized
mkdir -p "$T_DIR/rel"
cat > "$T_DIR/rel/r.conf" <<CONF
[global]
plugin_dir = $T_PLUGDIR

[instance VI_1]
interface = eth0
virtual_router_id = 50
priority = 100
advert_int = 0.1
virtual_ipaddress = $T_VIP/32
CONF
(cd "$T_DIR/rel" && ip netns exec "$(ns n1)" "$FIPD" -f r.conf -p r.pid -s r.sock) > "$T_DIR/rel.out" 2>&1 ||
	fail "fipd did not start: $(cat "$T_DIR/rel.out")"
wait_for '[ -s "$T_DIR/rel/r.pid" ]' 3000 || die "no pid file $T_DIR/rel/r.pid"
dpid=$(cat "$T_DIR/rel/r.pid")
_track "$dpid"
check "the daemon (pid $dpid) runs from / with the pid file where asked" \
	eval '[ "$(readlink /proc/$dpid/cwd)" = / ]'
wait_for '[ -S "$T_DIR/rel/r.sock" ]' 3000
check "the control socket is where -s asked (relative to the start directory)" [ -S "$T_DIR/rel/r.sock" ]
sed -i 's/^priority = 100$/priority = 110/' "$T_DIR/rel/r.conf"
"$FIPCTL" -s "$T_DIR/rel/r.sock" reload > "$T_DIR/reload.out" 2>&1
check "a reload reads the relative -f file: $(head -c 300 "$T_DIR/reload.out")" \
	grep -q 'rel/r.conf applied' "$T_DIR/reload.out"
check "and applies it (priority 110 in status)" eval '"$FIPCTL" -s "$T_DIR/rel/r.sock" status --json | grep -q "\"priority\": *110"'
kill -TERM "$dpid"
wait_for "! kill -0 $dpid 2>/dev/null" 5000 || fail "fipd did not stop"
check "the exit removed the relative -p pid file" [ ! -e "$T_DIR/rel/r.pid" ]
finish
