# t/integration/lib.sh -- shared harness for fipd's namespace integration tests.
# Sourced by every test (and by contrib/demo/run-demo.sh); not executable.
#
# Topology (DESIGN.md §8), all in network namespaces named after a per-run
# prefix ($T_PREFIX, e.g. fipdt1234):
#
#   $T_PREFIX-n1  eth0 192.0.2.1/24  ──veth──┐
#   $T_PREFIX-n2  eth0 192.0.2.2/24  ──veth──┤ br0 in $T_PREFIX-br
#   $T_PREFIX-c   eth0 192.0.2.50/24 ──veth──┘ (ports named n1, n2, c)
#
# VIP 192.0.2.100.  nginx runs in n1 and n2 and answers "node=n1" / "node=n2".
# Nothing is created in the root namespace; every PID we start and every
# namespace we create is removed by the EXIT trap, also on failure.
#
# Environment:
#   FIPD_BUILDDIR  where the built ./fipd and plugins/*/.libs live (default: $PWD,
#                  which is the top build directory when run by `make check`)
#   FIPD_CI=1      a test that cannot run (not root, tool missing) fails
#                  instead of skipping
#   FIPD_DAEMON    fipd (default) or keepalived: run the same scenario with
#                  keepalived as a reference (configs are translated)
#   FIPD_MARGIN_MS timing margin added to the RFC figures (default 300)
#   FIPD_KEEP=1    keep the temporary directory (logs, configs) after the run
#   FIPD_DEBUG=0   do not pass -d to fipd
#
# Exit codes follow automake: 0 pass, 77 skip, 99 hard error, else fail.

T_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T_NAME=$(basename "$0" .sh)
FIPD_BUILDDIR=${FIPD_BUILDDIR:-$PWD}
FIPD_DAEMON=${FIPD_DAEMON:-fipd}
FIPD_MARGIN_MS=${FIPD_MARGIN_MS:-300}
FIPD=${FIPD:-$FIPD_BUILDDIR/fipd}

T_VIP=192.0.2.100
T_CLIENT_IP=192.0.2.50
declare -A T_NODE_IP=([n1]=192.0.2.1 [n2]=192.0.2.2)
declare -A T_PEER_IP=([n1]=192.0.2.2 [n2]=192.0.2.1)

T_DIR=
T_PREFIX=
T_NETNS=()          # namespaces we created
T_PIDS=()           # every background PID we started
declare -A FIPD_PID=() FIPD_RC=() FIPD_CONF=() MON_PID=()
T_PROBER_PID=
T_PROBE_LOG=
T_ADV_PID=
T_ADV_LOG=
T_WATCHDOG=
T_CLEANED=
T_FAILED=0
T_START_MS=

# ---------------------------------------------------------------- basics

now_ms() { local t=${EPOCHREALTIME//[!0-9]/}; echo $((t / 1000)); }
# Sets T_NOW without a subshell (for tight loops).
_now() { local t=${EPOCHREALTIME//[!0-9]/}; T_NOW=$((t / 1000)); }
T_START_MS=$(now_ms)

say() {
	local t; t=$(now_ms)
	t=$((t - T_START_MS))
	printf '[%3d.%03ds] %s\n' $((t / 1000)) $((t % 1000)) "$*"
}

# A test that cannot run here: skip (77), or fail under FIPD_CI=1.
skip() {
	if [ "${FIPD_CI:-0}" = 1 ]; then
		echo "FAIL (FIPD_CI=1, nothing may skip): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

# Record a failed assertion and go on (the test ends with `finish`).
fail() { echo "FAIL: $*"; T_FAILED=$((T_FAILED + 1)); }
ok() { echo "ok: $*"; }
# Stop the test at once.
die() { echo "FAIL: $*"; exit 1; }
check() { # check "description" cmd args...
	local d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

finish() {
	if [ "$T_FAILED" -gt 0 ]; then
		echo "$T_NAME: $T_FAILED assertion(s) failed"
		exit 1
	fi
	echo "$T_NAME: all assertions passed"
	exit 0
}

# A figure for humans, collected and repeated at the end of the run.
T_FIGURES=()
figure() { T_FIGURES+=("$*"); echo "FIGURE: $*"; }

need_root() {
	if [ "${FIPD_SKIP_INTEGRATION:-0}" = 1 ]; then
		echo "SKIP: FIPD_SKIP_INTEGRATION=1 (namespace tests switched off on purpose)"
		exit 77
	fi
	# =extra: only the scenarios of t/integration/ run (CI runs them once
	# more in distcheck's normal build); interop, reliability and the
	# other namespace tests already ran in the sanitizer build.
	if [ "${FIPD_SKIP_INTEGRATION:-0}" = extra ]; then
		case $0 in
		*/integration/*) ;;
		*)	echo "SKIP: FIPD_SKIP_INTEGRATION=extra (only t/integration/ runs)"
			exit 77 ;;
		esac
	fi
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces); run as root or: sudo make check"
}

need_tools() {
	local t missing=()
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] || skip "missing tool(s): ${missing[*]} (Debian: apt-get install iproute2 nginx-light curl python3)"
}

# The daemon under test and its plugins.
need_daemon() {
	case $FIPD_DAEMON in
	fipd)
		[ -x "$FIPD" ] || skip "no fipd binary at $FIPD (build first, or set FIPD_BUILDDIR)"
		;;
	keepalived)
		command -v keepalived >/dev/null 2>&1 || skip "FIPD_DAEMON=keepalived but keepalived is not installed"
		;;
	*) die "FIPD_DAEMON must be fipd or keepalived, not '$FIPD_DAEMON'" ;;
	esac
}

# ------------------------------------------------------------ processes

_alive() { # PID: running and not a zombie
	local st _a _b
	[ -r "/proc/$1/stat" ] || return 1
	read -r _a _b st _ < "/proc/$1/stat" 2>/dev/null || return 1
	[ "$st" != Z ]
}

# Wait (bounded) for PID to end and reap it; its exit status goes to T_RC.
# Returns 1 on timeout.  (Never call it in $(...): wait needs our own shell.)
_reap() { # PID TIMEOUT_MS
	local pid=$1 n=$(($2 / 10)) i
	T_RC=
	for ((i = 0; i < n; i++)); do
		_alive "$pid" || break
		sleep 0.01
	done
	_alive "$pid" && return 1
	{ wait "$pid"; } 2>/dev/null
	T_RC=$?
	return 0
}

# Stop a PID we started: TERM, bounded wait, then KILL.
_stop_pid() { # PID [TIMEOUT_MS]
	local pid=$1 t=${2:-2000}
	_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	if ! _reap "$pid" "$t"; then
		kill -KILL "$pid" 2>/dev/null
		_reap "$pid" 1000
	fi
	return 0
}

_track() { T_PIDS+=("$1"); }

# ---------------------------------------------------------------- cleanup

cleanup() {
	[ -n "$T_CLEANED" ] && return 0
	T_CLEANED=1
	local rc=${1:-0} i pid ns
	trap - EXIT INT TERM
	# Our PIDs, newest first.
	for ((i = ${#T_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${T_PIDS[$i]}
		[ "$pid" = "$T_WATCHDOG" ] && continue
		_stop_pid "$pid" 2000
	done
	# keepalived's VRRP child, whose PID file we named.
	if [ "$FIPD_DAEMON" = keepalived ] && [ -n "$T_DIR" ]; then
		for pid in $(cat "$T_DIR"/*.vrrp.pid 2>/dev/null); do
			_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		done
	fi
	# Safety net: anything still running inside our own namespaces was
	# started by this test (directly or as a child of what we started).
	local left=()
	for ns in "${T_NETNS[@]}"; do
		left+=($(ip netns pids "$ns" 2>/dev/null))
	done
	if [ ${#left[@]} -gt 0 ]; then
		echo "cleanup: stopping leftover processes in our namespaces: ${left[*]}"
		kill -TERM "${left[@]}" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			local any=0
			for pid in "${left[@]}"; do _alive "$pid" && any=1; done
			[ "$any" = 0 ] && break
			sleep 0.02
		done
		kill -KILL "${left[@]}" 2>/dev/null
	fi
	for ((i = ${#T_NETNS[@]} - 1; i >= 0; i--)); do
		ns=${T_NETNS[$i]}
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$T_WATCHDOG" ]; then
		kill -TERM "$T_WATCHDOG" 2>/dev/null
		wait "$T_WATCHDOG" 2>/dev/null
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "$T_DIR" ] && [ -d "$T_DIR" ]; then
		dump_logs
	fi
	if [ -n "$T_DIR" ] && [ -d "$T_DIR" ]; then
		if [ "${FIPD_KEEP:-0}" = 1 ]; then
			echo "kept $T_DIR"
		else
			rm -rf "$T_DIR"
		fi
	fi
	if [ -n "$T_PREFIX" ] && ip netns list 2>/dev/null | grep -q "^$T_PREFIX-"; then
		echo "WARNING: namespaces left behind: $(ip netns list | grep "^$T_PREFIX-" | tr '\n' ' ')"
	fi
}

dump_logs() {
	local f
	for f in "$T_DIR"/*.log "$T_DIR"/*.conf "$T_DIR"/*.err; do
		[ -f "$f" ] || continue
		case $f in *probe.log) continue ;; esac
		echo "----- $(basename "$f") (last 200 lines) -----"
		tail -n 200 "$f"
	done
	if [ -n "$T_PROBE_LOG" ] && [ -f "$T_PROBE_LOG" ]; then
		echo "----- client probe log: failures and node changes -----"
		awk '$3 != last || $3 == "-" { print; last = $3 }' "$T_PROBE_LOG" | tail -n 100
	fi
}

_on_exit() { local rc=$?; cleanup "$rc"; exit "$rc"; }
_on_signal() { echo "FAIL: interrupted (signal; watchdog or user)"; cleanup 1; exit "$1"; }

# Start: tmp dir, traps, watchdog (the whole test is bounded in time).
t_init() { # [MAX_SECONDS]
	local max=${1:-240}
	T_DIR=$(mktemp -d /tmp/fipdt.XXXXXX) || die "mktemp"
	chmod 755 "$T_DIR"
	trap _on_exit EXIT
	trap '_on_signal 130' INT
	trap '_on_signal 143' TERM
	local self=$$
	(
		trap 'kill "$sp" 2>/dev/null; exit 0' TERM
		sleep "$max" &
		sp=$!
		wait "$sp"
		echo "watchdog: $T_NAME exceeded ${max}s" >&2
		kill -TERM "$self" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	T_WATCHDOG=$!
	_track "$T_WATCHDOG"
	say "$T_NAME: daemon=$FIPD_DAEMON tmp=$T_DIR"
}

# ------------------------------------------------------------ topology

ns() { echo "$T_PREFIX-$1"; } # n1 n2 c br
nsx() { local n=$1; shift; ip netns exec "$T_PREFIX-$n" "$@"; }

_addns() {
	ip netns add "$1" || die "ip netns add $1 failed"
	T_NETNS+=("$1")
	ip -n "$1" link set lo up
}

setup_topology() {
	T_PREFIX=fipdt$$
	local br n
	br=$(ns br)
	_addns "$br" || return 1
	ip -n "$br" link add br0 type bridge stp_state 0 mcast_snooping 0 forward_delay 0 ||
		die "cannot create a bridge in a namespace"
	ip -n "$br" link set br0 up
	for n in n1 n2 c; do
		_addns "$(ns $n)"
		ip -n "$br" link add "$n" type veth peer name eth0 netns "$(ns $n)" ||
			die "cannot create veth pair for $n"
		ip -n "$br" link set "$n" master br0
		ip -n "$br" link set "$n" up
		ip -n "$(ns $n)" link set eth0 up
		# No IPv6 chatter on the test links.
		nsx "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
	done
	ip -n "$(ns n1)" addr add 192.0.2.1/24 dev eth0
	ip -n "$(ns n2)" addr add 192.0.2.2/24 dev eth0
	ip -n "$(ns c)" addr add "$T_CLIENT_IP/24" dev eth0
	say "topology up: prefix $T_PREFIX (namespaces $(ns br) $(ns n1) $(ns n2) $(ns c))"
}

# cut_link NODE: the switch port of NODE stops forwarding (bridge port state
# disabled).  This models a dead host or a network failure as the peers see it:
# frames in both directions are dropped, while the node's own eth0 keeps its
# carrier (so the daemon sees no link-down event and stays as it was).
cut_link() {
	_now; T_CUT_MS=$T_NOW
	bridge -n "$(ns br)" link set dev "$1" state 0 || die "cut_link $1"
	say "link of $1 cut (bridge port disabled)"
}
restore_link() {
	_now; T_RESTORE_MS=$T_NOW
	bridge -n "$(ns br)" link set dev "$1" state 3 || die "restore_link $1"
	say "link of $1 restored (bridge port forwarding)"
}

# ------------------------------------------------------------ nginx

start_nginx() { # NODE
	local n=$1 d="$T_DIR/nginx-$1"
	mkdir -p "$d/tmp"
	cat > "$d/nginx.conf" <<EOF
# test nginx for node $n (generated by $T_NAME)
worker_processes 1;
daemon off;
master_process on;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    keepalive_timeout ${T_NGINX_KEEPALIVE:-0};
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 0.0.0.0:80;
        default_type text/plain;
        location / { return 200 "node=$n\n"; }
    }
}
EOF
	ip netns exec "$(ns "$n")" nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" \
		</dev/null >"$d/stdout.log" 2>&1 &
	NGINX_PID[$n]=$!
	_track $!
	wait_for "nsx $n curl -s -m 1 http://127.0.0.1/ | grep -q node=$n" 5000 ||
		{ cat "$d/error.log" "$d/stdout.log" 2>/dev/null; die "nginx did not start in $n"; }
}

# stop_nginx NODE: graceful stop (SIGQUIT, as `nginx -s quit` / systemctl
# stop), bounded wait.  Sets T_NGINX_STOP_MS to when the signal was sent.
declare -A NGINX_PID=()
stop_nginx() {
	local n=$1
	_now; T_NGINX_STOP_MS=$T_NOW
	kill -QUIT "${NGINX_PID[$n]}" 2>/dev/null
	_reap "${NGINX_PID[$n]}" 5000 || { kill -KILL "${NGINX_PID[$n]}" 2>/dev/null; _reap "${NGINX_PID[$n]}" 2000; }
	say "nginx on $n stopped"
}

# ------------------------------------------------------------ configs

T_PLUGDIR=
setup_plugins() {
	T_PLUGDIR=$T_DIR/plugins
	mkdir -p "$T_PLUGDIR"
	[ "$FIPD_DAEMON" = fipd ] || return 0
	local so found=0
	for so in "$FIPD_BUILDDIR"/plugins/*/.libs/*.so; do
		[ -e "$so" ] || continue
		ln -sf "$(cd "$(dirname "$so")" && pwd)/$(basename "$so")" "$T_PLUGDIR/"
		found=1
	done
	[ "$found" = 1 ] || skip "no plugins built under $FIPD_BUILDDIR/plugins/*/.libs"
}

# The [global] section every node config starts with.
conf_global() { # NODE
	cat <<EOF
[global]
router_id = $1
plugin_dir = $T_PLUGDIR
control_socket = $T_DIR/$1.sock
EOF
}

# wiki_conf NODE [key=value ...]: the wiki's keepalived setup as a fipd config
# (VRRPv2, unicast, PASS auth, advert 1 s, VRID 50; n1 MASTER 100, n2 BACKUP 50),
# written to $T_DIR/NODE.conf.  key=value overrides or adds instance keys, in
# order; key= (empty) drops a key.
wiki_conf() {
	local n=$1; shift
	local -a keys=(interface state virtual_router_id priority version advert_int auth_pass
		virtual_ipaddress unicast_src_ip unicast_peer)
	local -A v=([interface]=eth0 [virtual_router_id]=50 [version]=2 [advert_int]=1
		[auth_pass]=EcbCp2b1 [virtual_ipaddress]=$T_VIP/32
		[unicast_src_ip]=${T_NODE_IP[$n]} [unicast_peer]=${T_PEER_IP[$n]})
	if [ "$n" = n1 ]; then v[state]=MASTER; v[priority]=100; else v[state]=BACKUP; v[priority]=50; fi
	local kv k
	for kv in "$@"; do
		k=${kv%%=*}
		[ -n "${v[$k]+x}" ] || keys+=("$k")
		v[$k]=${kv#*=}
	done
	{
		conf_global "$n"
		echo
		echo "[instance VI_1]"
		for k in "${keys[@]}"; do
			[ -n "${v[$k]}" ] && echo "$k = ${v[$k]}"
		done
	} > "$T_DIR/$n.conf"
	echo "$T_DIR/$n.conf"
}

# v3_conf NODE STATE PRIO [key=value ...]: the wiki setup as VRRPv3
# multicast at 100 ms (no auth, no unicast peers).
v3_conf() {
	local n=$1 st=$2 pr=$3; shift 3
	wiki_conf "$n" version=3 advert_int=0.1 auth_pass= unicast_src_ip= unicast_peer= \
		state="$st" priority="$pr" "$@"
}

# add_check CONF NAME key=value...: append a [check NAME] section.
add_check() {
	local conf=$1 name=$2 kv
	shift 2
	{
		echo
		echo "[check $name]"
		for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}"; done
	} >> "$conf"
}

# Translate the subset of fipd's INI used here into keepalived.conf (for
# FIPD_DAEMON=keepalived, the reference run).
ini_to_keepalived() { # IN OUT
	awk '
	function flush() {
		if (!inst) return
		out = out "vrrp_instance " inst " {\n"
		for (i = 1; i <= nk; i++) out = out "    " lines[i] "\n"
		if (pass != "") out = out "    authentication {\n        auth_type PASS\n        auth_pass " pass "\n    }\n"
		if (nv) { out = out "    virtual_ipaddress {\n"; for (i = 1; i <= nv; i++) out = out "        " vips[i] "\n"; out = out "    }\n" }
		if (np) { out = out "    unicast_peer {\n"; for (i = 1; i <= np; i++) out = out "        " peers[i] "\n"; out = out "    }\n" }
		if (nt) { out = out "    track_script {\n"; for (i = 1; i <= nt; i++) out = out "        " tracks[i] "\n"; out = out "    }\n" }
		out = out "}\n"
		nk = nv = np = nt = 0; pass = ""; inst = ""
	}
	/^[ \t]*[;#]/ || /^[ \t]*$/ { next }
	/^\[global\]/ { flush(); sect = "global"; next }
	/^\[instance / { flush(); sect = "instance"; inst = $2; sub(/\]$/, "", inst); next }
	/^\[check / { flush(); sect = "check"; chk = $2; sub(/\]$/, "", chk); nchk++; cname[nchk] = chk; next }
	{
		line = $0; sub(/[ \t]*[;#].*$/, "", line)
		k = line; sub(/[ \t]*=.*$/, "", k); gsub(/[ \t]/, "", k)
		val = line; sub(/^[^=]*=[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
		if (sect == "global") {
			if (k == "router_id") print "global_defs {\n    router_id " val "\n    vrrp_garp_master_delay 0\n    script_user root\n}"
			next
		}
		if (sect == "check") {
			# keepalived has no native HTTP check for VRRP: curl in a
			# vrrp_script, as operators do (intervals: whole seconds).
			if (k == "url") cscript[nchk] = "/usr/bin/curl -s -f -o /dev/null -m 1 " val
			else if (k == "interval" || k == "fall" || k == "rise" || k == "weight" || k == "timeout") copt[nchk] = copt[nchk] "    " k " " val "\n"
			else if (k == "command") cscript[nchk] = val
			if (cscript[nchk] != "" && !(nchk in printed_hdr)) printed_hdr[nchk] = 1
			next
		}
		if (k == "track_check") { tracks[++nt] = val; next }
		if (k == "auth_pass") pass = val
		else if (k == "virtual_ipaddress") vips[++nv] = val
		else if (k == "unicast_peer") peers[++np] = val
		else if (k == "preempt") { if (val == "no") lines[++nk] = "nopreempt" }
		else if (k == "garp_repeat") lines[++nk] = "garp_master_repeat " val
		else if (k == "garp_refresh") { if (val != "0") lines[++nk] = "garp_master_refresh " val }
		else lines[++nk] = k " " val
	}
	END {
		flush()
		for (i = 1; i <= nchk; i++)
			printf "vrrp_script %s {\n    script \"%s\"\n%s}\n", cname[i], cscript[i], copt[i]
		# Scripts must be defined before the instances that track them.
		printf "%s", out
	}
	' "$1" > "$2"
}

# ------------------------------------------------------------ the daemon

# start_fipd NODE CONF: run the daemon in NODE's namespace in the foreground;
# stdout+stderr go to $T_DIR/NODE.log (appended: restarts keep history).
start_fipd() {
	local n=$1 conf=$2 log="$T_DIR/$1.log"
	FIPD_CONF[$n]=$conf
	echo "=== $(date '+%H:%M:%S.%3N') start $FIPD_DAEMON ($conf)" >> "$log"
	case $FIPD_DAEMON in
	fipd)
		local dbg=-d
		[ "${FIPD_DEBUG:-1}" = 0 ] && dbg=
		ip netns exec "$(ns "$n")" "$FIPD" -n -f "$conf" -p "$T_DIR/$n.pid" -s "$T_DIR/$n.sock" $dbg \
			</dev/null >>"$log" 2>&1 &
		;;
	keepalived)
		ini_to_keepalived "$conf" "$conf.keepalived"
		ip netns exec "$(ns "$n")" keepalived -n -l -D -G -P -f "$conf.keepalived" \
			-p "$T_DIR/$n.pid" -r "$T_DIR/$n.vrrp.pid" -i "$T_PREFIX-$n" \
			</dev/null >>"$log" 2>&1 &
		;;
	esac
	FIPD_PID[$n]=$!
	_track "${FIPD_PID[$n]}"
	say "started $FIPD_DAEMON on $n (pid ${FIPD_PID[$n]})"
}

fipd_alive() { [ -n "${FIPD_PID[$1]:-}" ] && _alive "${FIPD_PID[$1]}"; }

# stop_fipd NODE [TIMEOUT_MS]: SIGTERM, bounded wait; FIPD_RC[NODE] = exit status.
# Returns 1 if it had to be killed.
stop_fipd() {
	local n=$1 t=${2:-5000} pid=${FIPD_PID[$1]}
	kill -TERM "$pid" 2>/dev/null
	if _reap "$pid" "$t"; then
		FIPD_RC[$n]=$T_RC
		say "$FIPD_DAEMON on $n exited with status $T_RC after SIGTERM"
		return 0
	fi
	kill -KILL "$pid" 2>/dev/null
	_reap "$pid" 1000
	FIPD_RC[$n]=$T_RC
	say "$FIPD_DAEMON on $n did not exit within ${t} ms of SIGTERM: killed"
	return 1
}

# kill_fipd NODE: SIGKILL (a crash: nothing is cleaned up, VIPs stay).
kill_fipd() {
	local n=$1 pid=${FIPD_PID[$1]} vp
	# bash reports a job killed by a signal ("Killed ...") on stderr,
	# whenever it notices: silence the shell's stderr meanwhile.
	exec 3>&2 2>/dev/null
	kill -KILL "$pid"
	if [ "$FIPD_DAEMON" = keepalived ] && [ -f "$T_DIR/$n.vrrp.pid" ]; then
		vp=$(cat "$T_DIR/$n.vrrp.pid")
		[ -n "$vp" ] && kill -KILL "$vp"
	fi
	_reap "$pid" 2000
	exec 2>&3 3>&-
	FIPD_RC[$n]=$T_RC
	say "$FIPD_DAEMON on $n killed (SIGKILL)"
}

hup_fipd() {
	local n=$1
	[ "$FIPD_DAEMON" = keepalived ] && ini_to_keepalived "${FIPD_CONF[$n]}" "${FIPD_CONF[$n]}.keepalived"
	kill -HUP "${FIPD_PID[$n]}"
	say "SIGHUP to $FIPD_DAEMON on $n"
}

# Transition lines in NODE's log (fipd: "VI_1: A -> B (reason)").
transition_re() {
	case $FIPD_DAEMON in
	fipd) echo '[A-Za-z0-9_.-]+: [A-Z]+ -> [A-Z]+ \(' ;;
	keepalived) echo '\) Entering [A-Z]+ STATE' ;;
	esac
}
transitions() { grep -cE "$(transition_re)" "$T_DIR/$1.log" 2>/dev/null; }
# became_master NODE: has the log a transition into MASTER?
became_master_count() {
	case $FIPD_DAEMON in
	fipd) grep -cE -- '-> MASTER \(' "$T_DIR/$1.log" ;;
	keepalived) grep -c 'Entering MASTER STATE' "$T_DIR/$1.log" ;;
	esac
}
log_lines() { wc -l < "$T_DIR/$1.log"; }
log_since() { tail -n +"$(($2 + 1))" "$T_DIR/$1.log"; } # NODE LINES_BEFORE

# ------------------------------------------------------------ VIP state

vip_on() { ip -n "$(ns "$1")" -o -4 addr show dev eth0 2>/dev/null | grep -q " inet $T_VIP/"; }
vip_only_on() { # NODE: on NODE and not on the other node
	local other=n1; [ "$1" = n1 ] && other=n2
	vip_on "$1" && ! vip_on "$other"
}
vip_holders() {
	local h=
	vip_on n1 && h="n1"
	vip_on n2 && h="$h${h:+ }n2"
	echo "${h:-none}"
}

# Address monitor per node: every VIP add/delete with a timestamp.
mon_start() { # NODE
	ip -n "$(ns "$1")" -ts monitor address </dev/null >"$T_DIR/$1.addrmon" 2>&1 &
	MON_PID[$1]=$!
	_track "${MON_PID[$1]}"
}
mon_mark() { wc -l < "$T_DIR/$1.addrmon"; }
# mon_events NODE [MARK]: "ms add|del" for VIP events after line MARK.
mon_events() {
	local n=$1 mark=${2:-0} ts rest
	tail -n +"$((mark + 1))" "$T_DIR/$n.addrmon" | grep " inet $T_VIP/" |
		while read -r ts rest; do
			ts=${ts#[}; ts=${ts%]}
			case $rest in
			Deleted*) echo "$(date -d "$ts" +%s%3N) del" ;;
			*) echo "$(date -d "$ts" +%s%3N) add" ;;
			esac
		done
}
# mon_first NODE add|del AFTER_MS [MARK]: time of the first such event.
mon_first() {
	mon_events "$1" "${4:-0}" | awk -v k="$2" -v a="$3" '$2 == k && $1 >= a { print $1; exit }'
}
mon_count() { # NODE add|del [MARK]
	mon_events "$1" "${3:-0}" | awk -v k="$2" '$2 == k { c++ } END { print c + 0 }'
}

# ------------------------------------------------------------ waiting

# wait_for "COND" TIMEOUT_MS: poll COND (eval'd) every 10 ms, bounded in
# count and in time.  Returns 0 as soon as COND holds, 1 on timeout.
wait_for() {
	local cond=$1 timeout=${2:-5000} i max end
	max=$((timeout / 10 + 1))
	_now; end=$((T_NOW + timeout))
	for ((i = 0; i < max; i++)); do
		eval "$cond" && return 0
		_now
		[ "$T_NOW" -ge "$end" ] && break
		sleep 0.01
	done
	eval "$cond"
}

# hold_for "COND" MS: COND must stay true for MS (polled every 10 ms).
hold_for() {
	local cond=$1 dur=$2 i max end
	max=$((dur / 10 + 1))
	_now; end=$((T_NOW + dur))
	for ((i = 0; i < max; i++)); do
		eval "$cond" || return 1
		_now
		[ "$T_NOW" -ge "$end" ] && return 0
		sleep 0.01
	done
	return 0
}

# ------------------------------------------------------------ client prober

# prober_start [MAX_SECONDS]: curl-like probe of http://VIP/ every 10 ms from
# the client namespace, 100 ms timeout per attempt, log in $T_PROBE_LOG.
prober_start() {
	T_PROBE_LOG=$T_DIR/probe.log
	: > "$T_PROBE_LOG"
	ip netns exec "$(ns c)" python3 "$T_LIB_DIR/prober.py" "$T_VIP" "$T_PROBE_LOG" "${1:-300}" 10 100 \
		</dev/null >"$T_DIR/prober.err" 2>&1 &
	T_PROBER_PID=$!
	_track "$T_PROBER_PID"
	wait_for '[ -s "$T_PROBE_LOG" ]' 3000 || die "prober did not start"
}
prober_stop() {
	[ -n "$T_PROBER_PID" ] && _stop_pid "$T_PROBER_PID" 2000
	T_PROBER_PID=
}
# Who answered the last attempt ("-" = no answer).
probe_last_who() { tail -n 1 "$T_PROBE_LOG" | awk '{ print $3 }'; }
# probe_first NODE AFTER_MS: end time of the first answer from NODE after AFTER_MS.
probe_first() { awk -v n="$1" -v a="$2" '$3 == n && $2 >= a { print $2; exit }' "$T_PROBE_LOG"; }
# probe_last NODE BEFORE_MS: the last answer from NODE before BEFORE_MS.
probe_last() { awk -v n="$1" -v b="$2" '$3 == n && $2 < b { t = $2 } END { if (t) print t }' "$T_PROBE_LOG"; }
# probe_gap FROM_MS TO_MS: largest interval between two successive successful
# answers with the second one in [FROM, TO] (the answer just before FROM
# counts as a start).  Prints "GAP_MS START_MS END_MS".
probe_gap() {
	awk -v f="$1" -v t="$2" '
	$3 == "-" { next }
	$2 < f { prev = $2; next }
	$2 > t { exit }
	{ if (prev && $2 - prev > g) { g = $2 - prev; gs = prev; ge = $2 } prev = $2 }
	END { printf "%.0f %.0f %.0f\n", g, gs, ge }' "$T_PROBE_LOG"
}
# probe_counts FROM TO: "n1=X n2=Y fail=Z"
probe_counts() {
	awk -v f="$1" -v t="$2" '$2 >= f && $2 <= t { c[$3]++ }
	END { printf "n1=%d n2=%d fail=%d\n", c["n1"], c["n2"], c["-"] }' "$T_PROBE_LOG"
}
# Wait until the client gets an answer from NODE after AFTER_MS.
wait_client() { # NODE AFTER_MS TIMEOUT_MS
	wait_for "[ -n \"\$(probe_first $1 $2)\" ]" "$3"
}
# After a partition heals: report when the client is served by n1 again
# (informational: see wiki_failover.sh).  T_RESTORE_MS is the heal time.
client_after_heal() { # TIMEOUT_MS
	local c_back rgap
	if wait_client n1 "$T_RESTORE_MS" "$1"; then
		c_back=$(probe_first n1 "$T_RESTORE_MS")
		read -r rgap _ _ <<< "$(probe_gap "$T_RESTORE_MS" "$c_back")"
		figure "after the heal: client served by n1 again $((c_back - T_RESTORE_MS)) ms after the link came back (largest gap $rgap ms)"
	else
		figure "after the heal: client NOT served by n1 within $1 ms ($(probe_counts "$T_RESTORE_MS" "$(now_ms)")): its ARP entry still points at n2, and n1, which never left MASTER, sent no GARP"
		echo "NOTE: client black-holed after the partition healed (not asserted; see the figure)"
	fi
}
client_sees() { # NODE: one direct request from the client namespace
	nsx c curl -s -m 1 "http://$T_VIP/" 2>/dev/null | grep -q "node=$1"
}

# ------------------------------------------------------------ advert capture

# adv_capture_start NODE: tcpdump VRRP (IP proto 112) on NODE's eth0 to learn
# when adverts arrived (optional: without tcpdump the figures use the cut time).
adv_capture_start() {
	T_ADV_LOG=$T_DIR/adverts-$1.txt
	: > "$T_ADV_LOG"
	command -v tcpdump >/dev/null 2>&1 || { say "tcpdump absent: advert times not captured"; return 0; }
	ip netns exec "$(ns "$1")" tcpdump -i eth0 -p -n -l -tt 'ip proto 112' \
		</dev/null >"$T_ADV_LOG" 2>"$T_DIR/tcpdump-$1.err" &
	T_ADV_PID=$!
	_track "$T_ADV_PID"
	# Wait for the first captured advert (the capture is live), bounded.
	wait_for '[ -s "$T_ADV_LOG" ]' 3000 || say "no advert captured yet on $1"
}
adv_capture_stop() { [ -n "$T_ADV_PID" ] && _stop_pid "$T_ADV_PID" 2000; T_ADV_PID=; }
# adv_last FROM_IP BEFORE_MS: arrival time (ms) of the last advert from FROM_IP.
adv_last() {
	[ -s "$T_ADV_LOG" ] || return 0
	awk -v s="$1" -v b="$2" '$3 == s {
		split($1, p, "."); ms = p[1] * 1000 + int(substr(p[2] "000", 1, 3))
		if (ms < b) t = ms } END { if (t) printf "%.0f\n", t }' "$T_ADV_LOG"
}
# Priorities seen from FROM_IP after AFTER_MS (e.g. the priority-0 advert).
adv_prios() {
	[ -s "$T_ADV_LOG" ] || return 0
	awk -v s="$1" -v a="$2" '$3 == s {
		split($1, p, "."); ms = p[1] * 1000 + int(substr(p[2] "000", 1, 3))
		if (ms >= a && match($0, /prio [0-9]+/)) printf "%.0f %s\n", ms, substr($0, RSTART + 5, RLENGTH - 5) }' "$T_ADV_LOG"
}

# ------------------------------------------------------------ common setup

# Root, tools, daemon, topology, nginx on both nodes.
setup_all() { # [MAX_SECONDS]
	need_root
	need_tools ip bridge nginx curl python3
	need_daemon
	t_init "${1:-240}"
	setup_topology
	setup_plugins
	start_nginx n1
	start_nginx n2
	wait_for "nsx c curl -s -m 1 http://192.0.2.1/ | grep -q node=n1 && nsx c curl -s -m 1 http://192.0.2.2/ | grep -q node=n2" 5000 ||
		die "topology: the client cannot reach nginx on the nodes"
	mon_start n1
	mon_start n2
}

# Start both nodes with the given configs and wait for the VIP on EXPECTED.
start_pair() { # CONF1 CONF2 EXPECTED TIMEOUT_MS
	start_fipd n1 "$1"
	start_fipd n2 "$2"
	if wait_for "vip_on $3" "$4"; then
		say "VIP on $3 ($(vip_holders))"
	else
		die "VIP did not appear on $3 within $4 ms (holders: $(vip_holders))"
	fi
}

# Stop both nodes (SIGTERM) and check that each fipd exited 0.
stop_pair_checked() {
	local n
	stop_fipd n1; stop_fipd n2
	for n in n1 n2; do
		check "$FIPD_DAEMON on $n exited 0" [ "${FIPD_RC[$n]}" = 0 ]
	done
}

print_figures() {
	local f
	[ ${#T_FIGURES[@]} -gt 0 ] || return 0
	echo "===== $T_NAME figures ($FIPD_DAEMON) ====="
	for f in "${T_FIGURES[@]}"; do echo "  $f"; done
}
