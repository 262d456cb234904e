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
# usable NAME PATTERN [EXIT] < CONF: fipd -t's stderr (on the config after a
# generated [global] header) matches the extended regex PATTERN, with exit
# EXIT (default 1): messages an operator can act on (issue 15).
usable() {
	local name=$1 pat=$2 want=${3:-1} f
	n=$((n + 1))
	f=$T_DIR/use$(printf %02d $n).conf
	{ printf '[global]\nplugin_dir = %s\n\n' "$T_PLUGDIR"; cat; } > "$f"
	run_t "$f"
	if [ "$RC" = "$want" ] && grep -qE -- "$pat" <<< "$ERR"; then
		ok "$name: $(grep -E -- "$pat" <<< "$ERR" | head -n 1)"
	else
		fail "$name: expected exit $want and /$pat/; got exit $RC, stderr:"
		sed 's/^/    | /' <<< "$ERR" | head -n 10
	fi
}

usable "did you mean, for a misspelt key" "use[0-9]+.conf:7: unknown key 'prioirty' in \[instance VI_1\] \(did you mean 'priority'\?\)" <<'EOF'
[instance VI_1]
interface = eth0
virtual_router_id = 50
prioirty = 100
virtual_ipaddress = 192.0.2.100/32
EOF
usable "an unknown check type lists the available ones" "no plugin check_htpp.so in .*\(available: http, script, tcp\)" <<'EOF'
[check web]
type = htpp
[instance VI_1]
interface = eth0
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
EOF
usable "a '#' comment after a value" "configuration OK" 0 <<'EOF'
[instance VI_1]
interface = lo  # the test host's loopback
virtual_router_id = 50   # the group
priority = 100 # the master
virtual_ipaddress = 192.0.2.100/32
EOF
usable "an absent interface is a warning of -t, naming it" "use[0-9]+.conf:4: warning: \[instance VI_1\]: interface nosuch9 does not exist on this host" 0 <<'EOF'
[instance VI_1]
interface = nosuch9
virtual_router_id = 50
virtual_ipaddress = 192.0.2.100/32
EOF
printf 'global_defs {\n   router_id web1\n}\nvrrp_instance VI_1 {\n    state MASTER\n    interface eth0\n}\n' > "$T_DIR/keepalived.conf"
run_t "$T_DIR/keepalived.conf"
check "a keepalived.conf gets one line pointing to the importer (exit $RC): $ERR" \
	eval '[ "$RC" = 1 ] && [ "$(wc -l <<< "$ERR")" = 1 ] && grep -q "looks like a keepalived.conf .*fipd-import-keepalived" <<< "$ERR"'
printf '[global]\nrouter_id = a\033[2Jb\001\n' > "$T_DIR/binary.conf"
run_t "$T_DIR/binary.conf"
check "control bytes are shown escaped, never raw: $(grep -F 'router_id' <<< "$ERR" | tr -d '\033')" \
	eval '[ "$RC" = 1 ] && ! grep -q $'"'"'\033'"'"' <<< "$ERR" && grep -qF '"'"'\x1b[2Jb\x01'"'"' <<< "$ERR"'
mkdir -p "$T_DIR/confdir"
run_t "$T_DIR/confdir"
check "a directory is named as such: $ERR" eval '[ "$RC" = 1 ] && grep -q "is a directory, not a configuration file" <<< "$ERR"'
usable "errors come sorted by line (the VRID clash, found last, before line 12)" "use[0-9]+.conf:10: virtual_router_id 5 is already used" <<'EOF'
[instance A]
interface = eth0
virtual_router_id = 5
virtual_ipaddress = 192.0.2.1
[instance B]
interface = eth0
virtual_router_id = 5
virtual_ipaddress = 192.0.2.2
priority = 300
EOF
check "  and in order" eval 'grep -oE "use[0-9]+.conf:[0-9]+:" <<< "$ERR" | cut -d: -f2 | sort -c -n'

# include = PATTERN (issue 15): files matched relative to the including
# file, sorted; errors name the included file and its line; a loop is
# stopped at a depth limit; a pattern matching nothing is fine, a missing
# plain path is an error.
I=$T_DIR/inc
mkdir -p "$I/conf.d" "$I/empty.d"
printf '[global]\nplugin_dir = %s\ninclude = conf.d/*.conf\ninclude = empty.d/*.conf\n' "$T_PLUGDIR" > "$I/main.conf"
printf '[instance A]\ninterface = lo\nvirtual_router_id = 5\nvirtual_ipaddress = 192.0.2.1\n' > "$I/conf.d/10-a.conf"
printf '[instance B]\ninterface = lo\nvirtual_router_id = 6\nvirtual_ipaddress = 192.0.2.2\n' > "$I/conf.d/20-b.conf"
run_t "$I/main.conf"
check "include: conf.d/*.conf read, an empty pattern is fine (exit $RC)" [ "$RC" = 0 ]
printf '[instance C]\ninterface = lo\nvirtual_router_id = 5\nvirtual_ipaddress = 192.0.2.3\nprioirty = 1\n' > "$I/conf.d/30-c.conf"
run_t "$I/main.conf"
check "include: errors name the included file and line: $(head -n 1 <<< "$ERR")" \
	eval '[ "$RC" = 1 ] && grep -qF "$I/conf.d/30-c.conf:3: virtual_router_id 5 is already used on lo by [instance A] ($I/conf.d/10-a.conf:1)" <<< "$ERR" && grep -qF "$I/conf.d/30-c.conf:5: unknown key '"'"'prioirty'"'"'" <<< "$ERR"'
rm "$I/conf.d/30-c.conf"
printf 'include = ../main.conf\n' > "$I/conf.d/40-loop.conf"
run_t "$I/main.conf"
check "include: a loop stops at the depth limit: $(grep nested <<< "$ERR" | head -n 1)" \
	eval '[ "$RC" = 1 ] && grep -q "include: nested more than 8 deep" <<< "$ERR"'
printf 'include = nothere.conf\n' > "$I/conf.d/40-loop.conf"
run_t "$I/main.conf"
check "include: a missing plain path is an error: $ERR" \
	eval '[ "$RC" = 1 ] && grep -qF "$I/conf.d/40-loop.conf:1: include: $I/conf.d/nothere.conf: no such file" <<< "$ERR"'
rm "$I/conf.d/40-loop.conf"

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
