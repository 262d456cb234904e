#!/bin/bash
# `fipd -t -f CONF` (DESIGN.md §3, §4): every bad config exits 1 with a
# `FILE:LINE: message` on stderr naming the offending line; the shipped example
# configs validate (exit 0).  Needs no root and no namespaces.
. "$(dirname "$0")/lib.sh"

[ "$FIPD_DAEMON" = fipd ] || { echo "SKIP: config_errors tests fipd's -t only"; exit 77; }
need_daemon
t_init 120
setup_plugins
SRC=$(cd "$T_LIB_DIR/../.." && pwd)
n=0

# run_t FILE: fipd -t; sets RC and ERR (stderr).
run_t() {
	ERR=$("$FIPD" -t -f "$1" 2>&1 >/dev/null)
	RC=$?
}

# bad NAME PATTERN < CONF: the config (after a generated [global] header) must
# be rejected with exit 1 and a "FILE:LINE:" message for a line matching the
# extended regex PATTERN (any of them, for errors that involve two keys).
bad() {
	local name=$1 pat=$2 f lines l hit=
	n=$((n + 1))
	f=$T_DIR/bad$(printf %02d $n).conf
	{ printf '[global]\nplugin_dir = %s\n\n' "$T_PLUGDIR"; cat; } > "$f"
	lines=$(grep -nE -- "$pat" "$f" | cut -d: -f1 | tr '\n' ' ')
	[ -n "$lines" ] || { fail "$name: test bug, no line matches /$pat/"; return; }
	run_t "$f"
	for l in $lines; do
		if grep -qE "(^|[^0-9A-Za-z_])$(basename "$f"):$l:" <<< "$ERR"; then hit=$l; break; fi
	done
	if [ "$RC" = 1 ] && [ -n "$hit" ]; then
		ok "$name: exit 1, $(grep -E "$(basename "$f"):$hit:" <<< "$ERR" | head -n 1)"
	else
		fail "$name: expected exit 1 and '$(basename "$f"):{${lines% }}:' on stderr; got exit $RC, stderr:"
		sed 's/^/    | /' <<< "$ERR" | head -n 10
	fi
}

bad "unknown key in an instance" '^bogus_key' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
priority = 100
bogus_key = 1
virtual_ipaddress = 192.0.2.100/32
EOF

bad "unknown key in [global]" '^no_such_global' <<'EOF'
no_such_global = yes
[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
EOF

bad "unknown section" '^\[frobnicate\]' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32

[frobnicate]
x = 1
EOF

bad "non-numeric priority" '^priority' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
priority = high
virtual_ipaddress = 192.0.2.100/32
EOF

bad "priority 256" '^priority' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
priority = 256
virtual_ipaddress = 192.0.2.100/32
EOF

bad "priority 0" '^priority' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
priority = 0
virtual_ipaddress = 192.0.2.100/32
EOF

bad "VRID 0" '^virtual_router_id' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 0
virtual_ipaddress = 192.0.2.100/32
EOF

bad "VRID 256 (out of range)" '^virtual_router_id' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 256
virtual_ipaddress = 192.0.2.100/32
EOF

bad "state neither MASTER nor BACKUP" '^state' <<'EOF'
[instance VI_1]
interface = eth0
state = LEADER
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
EOF

bad "version 4" '^version' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
version = 4
virtual_ipaddress = 192.0.2.100/32
EOF

bad "preempt not yes/no" '^preempt' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
preempt = sometimes
virtual_ipaddress = 192.0.2.100/32
EOF

bad "bad VIP" '^virtual_ipaddress' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.300/32
EOF

bad "bad unicast_peer" '^unicast_peer' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
unicast_peer = peer-two
EOF

bad "duplicate VRID on one interface" '^\[instance VI_2\]|^virtual_router_id' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32

[instance VI_2]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.101/32
EOF

bad "VRRPv2 with advert_int 0.5" '^advert_int|^version' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
version = 2
advert_int = 0.5
virtual_ipaddress = 192.0.2.100/32
EOF

bad "advert_int 0" '^advert_int' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
version = 3
advert_int = 0
virtual_ipaddress = 192.0.2.100/32
EOF

bad "advert_int 41 s (> 4095 cs)" '^advert_int' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
version = 3
advert_int = 41
virtual_ipaddress = 192.0.2.100/32
EOF

bad "mixed-family VIPs" '^virtual_ipaddress' <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
virtual_ipaddress = 2001:db8::100/128
EOF

bad "line without '='" '^this line is not ini' <<'EOF'
[instance VI_1]
interface = eth0
this line is not ini
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
EOF

# Every error is reported, not just the first.
n=$((n + 1))
f=$T_DIR/bad$(printf %02d $n).conf
cat > "$f" <<EOF
[global]
plugin_dir = $T_PLUGDIR
[instance VI_1]
interface = eth0
virtual_router_id = 50
bogus_one = 1
priority = 999
virtual_ipaddress = 192.0.2.100/32
EOF
run_t "$f"
b=$(basename "$f")
if [ "$RC" = 1 ] && grep -q "$b:6:" <<< "$ERR" && grep -q "$b:7:" <<< "$ERR"; then
	ok "two errors: both $b:6: and $b:7: reported"
else
	fail "two errors: expected exit 1 with $b:6: and $b:7:; got exit $RC, stderr:"
	sed 's/^/    | /' <<< "$ERR" | head -n 10
fi

# A missing file is an error too.
run_t "$T_DIR/does-not-exist.conf"
check "missing config file: exit 1 naming the file (got $RC)" \
	eval '[ "$RC" = 1 ] && grep -q does-not-exist.conf <<< "$ERR"'

# The good configs: the test topology's own, and the shipped examples with
# plugin_dir pointed at the build tree.
good() { # NAME FILE
	run_t "$2"
	if [ "$RC" = 0 ]; then
		ok "$1 validates (exit 0)"
	else
		fail "$1: expected exit 0, got $RC; stderr:"
		sed 's/^/    | /' <<< "$ERR" | head -n 10
	fi
}
with_plugin_dir() { # IN OUT
	if grep -q '^\[global\]' "$1"; then
		sed -e '/^[[:space:]]*plugin_dir[[:space:]]*=/d' \
			-e "s|^\[global\]|[global]\nplugin_dir = $T_PLUGDIR|" "$1" > "$2"
	else
		{ printf '[global]\nplugin_dir = %s\n\n' "$T_PLUGDIR"; cat "$1"; } > "$2"
	fi
}
good "wiki config for n1 (test topology)" "$(wiki_conf n1)"
good "wiki config for n2 (test topology)" "$(wiki_conf n2)"
# The installed fipd.conf is an example without an instance (safe_start.sh
# runs it); its template, uncommented, is a valid configuration.
if [ -f "$SRC/etc/fipd.conf" ]; then
	sed 's/^#//' "$SRC/etc/fipd.conf" > "$T_DIR/template.conf"
	with_plugin_dir "$T_DIR/template.conf" "$T_DIR/template2.conf"
	good "etc/fipd.conf's template, uncommented" "$T_DIR/template2.conf"
else
	fail "etc/fipd.conf is missing from the source tree"
fi
for ex in etc/examples/web-srv-1.conf etc/examples/web-srv-2.conf; do
	if [ -f "$SRC/$ex" ]; then
		with_plugin_dir "$SRC/$ex" "$T_DIR/$(basename "$ex")"
		good "$ex" "$T_DIR/$(basename "$ex")"
	else
		fail "$ex is missing from the source tree"
	fi
done
finish
