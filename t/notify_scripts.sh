#!/bin/sh
# Tests of the contrib/notify scripts with fake `openstack`, `aws`, `curl`
# and `logger` commands that record their arguments (and, for curl, what
# it reads on standard input) and answer from a small state directory.
# No cloud is ever called.  Needs no root.
#
# The scripts are looked up in $srcdir/contrib/notify (make check sets
# srcdir), or next to this test's directory.

set -u

S=${srcdir:-$(dirname "$0")/..}/contrib/notify
for f in openstack-fip aws-secondary-ip hetzner-cloud-fip log-transition; do
	if [ ! -f "$S/$f" ]; then
		echo "ERROR: $S/$f not found"
		exit 99
	fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fipd-ns.XXXXXX") || exit 99
FAILS=0
cleanup() {
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
show() { sed 's/^/  | /' "$@"; }

FAKE=$TMP/fake
BIN=$TMP/bin
mkdir -p "$FAKE" "$BIN"

# ------------------------------------------------------------ fakes
cat >"$BIN/openstack" <<'EOF'
#!/bin/sh
d=$FAKE_DIR
echo "$*" >>"$d/calls"
echo "env OS_CLOUD=${OS_CLOUD:-} OS_CLIENT_CONFIG_FILE=${OS_CLIENT_CONFIG_FILE:-}" >>"$d/env"
if [ -f "$d/fail" ]; then
	echo "Unable to establish connection to https://keystone.example:5000" >&2
	exit 1
fi
case "$*" in
"port show "*" -f value -c id") cat "$d/port_id" ;;
"floating ip show "*" -f value -c port_id") cat "$d/fip_port" ;;
"floating ip set --port "*) echo "$5" >"$d/fip_port" ;;
"floating ip unset --port "*) echo None >"$d/fip_port" ;;
*) echo "fake openstack: unexpected: $*" >&2; exit 2 ;;
esac
EOF
cat >"$BIN/aws" <<'EOF'
#!/bin/sh
d=$FAKE_DIR
echo "$*" >>"$d/calls"
echo "env AWS_PROFILE=${AWS_PROFILE:-} AWS_SHARED_CREDENTIALS_FILE=${AWS_SHARED_CREDENTIALS_FILE:-} AWS_PAGER=${AWS_PAGER-unset}" >>"$d/env"
if [ -f "$d/fail" ]; then
	echo "An error occurred (UnauthorizedOperation) when calling the AssignPrivateIpAddresses operation" >&2
	exit 254
fi
for a in "$@"; do
	case $a in
	describe-network-interfaces) grep -x "10.0.1.100" "$d/eni_ips" || echo ""; exit 0 ;;
	assign-private-ip-addresses) echo 10.0.1.100 >>"$d/eni_ips"; exit 0 ;;
	unassign-private-ip-addresses) : >"$d/eni_ips"; exit 0 ;;
	esac
done
echo "fake aws: unexpected: $*" >&2
exit 2
EOF
# curl: -sS --max-time T -K - -X METHOD [-H H --data D] -o FILE -w FMT URL
cat >"$BIN/curl" <<'EOF'
#!/bin/sh
d=$FAKE_DIR
echo "$*" >>"$d/calls"
cat >>"$d/stdin"
method=GET data= out=/dev/stdout url=
while [ $# -gt 0 ]; do
	case $1 in
	-X) method=$2; shift ;;
	--data) data=$2; shift ;;
	-o) out=$2; shift ;;
	-H | -K | -w | --max-time) shift ;;
	-*) ;;
	*) url=$1 ;;
	esac
	shift
done
if [ -f "$d/status" ]; then
	echo '{"error":{"code":"forbidden","message":"insufficient permissions for the token"}}' >"$out"
	printf '%s' "$(cat "$d/status")"
	exit 0
fi
case "$method $url" in
"GET "*/floating_ips/1234)
	printf '{\n  "floating_ip": {\n    "id": 1234,\n    "ip": "203.0.113.10",\n    "server": %s,\n    "home_location": {"name": "fsn1"}\n  }\n}\n' "$(cat "$d/server")" >"$out"
	printf 200 ;;
"POST "*/floating_ips/1234/actions/assign)
	echo "$data" | sed 's/.*"server":\([0-9]*\).*/\1/' >"$d/server"
	echo '{"action":{"id":1,"command":"assign_floating_ip","status":"running"}}' >"$out"
	printf 201 ;;
"POST "*/floating_ips/1234/actions/unassign)
	echo null >"$d/server"
	echo '{"action":{"id":2,"command":"unassign_floating_ip"}}' >"$out"
	printf 201 ;;
*)
	echo '{"error":{"code":"not_found","message":"not found"}}' >"$out"
	printf 404 ;;
esac
EOF
cat >"$BIN/logger" <<'EOF'
#!/bin/sh
echo "$*" >>"$FAKE_DIR/calls"
EOF
chmod 755 "$BIN"/*

FAKE_DIR=$FAKE
export FAKE_DIR
PATH=$BIN:$PATH
export PATH

# reset: empty state.
reset() {
	rm -rf "$FAKE"
	mkdir -p "$FAKE"
	: >"$FAKE/calls"
}

# run NAME SCRIPT ARGS...: run a script, exit status in RC, output in
# $TMP/NAME.out (stdout and stderr).
run() {
	name=$1 script=$2
	shift 2
	timeout 20 "$S/$script" "$@" >"$TMP/$name.out" 2>&1
	RC=$?
}

# expect NAME RC CALLS-FILE: exit status and the exact calls.
expect() {
	e_name=$1 e_rc=$2 e_calls=$3
	if [ "$RC" != "$e_rc" ]; then
		fail "$e_name: exit $RC, want $e_rc"
		show "$TMP/$e_name.out"
		return 1
	fi
	if ! diff -u "$e_calls" "$FAKE/calls" >"$TMP/$e_name.diff"; then
		fail "$e_name: calls differ"
		show "$TMP/$e_name.diff"
		return 1
	fi
	return 0
}

# ---------------------------------------------------- syntax, lint
for f in openstack-fip aws-secondary-ip hetzner-cloud-fip log-transition; do
	sh -n "$S/$f" || fail "$f: sh -n"
	head -n 1 "$S/$f" | grep -qx '#!/bin/sh' || fail "$f: not #!/bin/sh"
	grep -q '^set -eu$' "$S/$f" || fail "$f: no set -eu"
done
if command -v shellcheck >/dev/null 2>&1; then
	if shellcheck -s sh "$S/openstack-fip" "$S/aws-secondary-ip" \
	    "$S/hetzner-cloud-fip" "$S/log-transition" >"$TMP/sc.out" 2>&1; then
		ok "shellcheck is clean"
	else
		fail "shellcheck"
		show "$TMP/sc.out"
	fi
fi

# ------------------------------------------------------ openstack-fip
C=$TMP/os.conf
cat >"$C" <<EOF
# settings for the test
FIP = 203.0.113.10
PORT="web-1-port"
OS_CLOUD=testcloud
OS_CLIENT_CONFIG_FILE='/etc/fipd/clouds.yaml'
EOF
want=$TMP/want
f0=$FAILS

reset
echo p-1111 >"$FAKE/port_id"
echo p-2222 >"$FAKE/fip_port"
run os-master openstack-fip -c "$C" INSTANCE VI_1 MASTER 100
cat >"$want" <<EOF
port show web-1-port -f value -c id
floating ip show 203.0.113.10 -f value -c port_id
floating ip set --port p-1111 203.0.113.10
EOF
expect os-master 0 "$want" &&
    grep -q "VI_1: 203.0.113.10 now points at port p-1111 (was p-2222)" "$TMP/os-master.out" ||
    fail "os-master: message"
grep -qx "env OS_CLOUD=testcloud OS_CLIENT_CONFIG_FILE=/etc/fipd/clouds.yaml" "$FAKE/env" ||
    fail "os-master: cloud settings not passed: $(head -n 1 "$FAKE/env")"

# As notify_master: no arguments (fipd, like keepalived, passes none to
# the state keys); the state and the instance come from the environment.
reset
echo p-1111 >"$FAKE/port_id"
echo p-2222 >"$FAKE/fip_port"
FIPD_STATE=MASTER FIPD_INSTANCE=VI_1 run os-env openstack-fip -c "$C"
expect os-env 0 "$want" &&
    grep -q "VI_1: 203.0.113.10 now points at port p-1111 (was p-2222)" "$TMP/os-env.out" ||
    fail "os-env: notify_master without arguments"
for f in aws-secondary-ip hetzner-cloud-fip; do
	run "$f-noargs" "$f" -c "$TMP/none.conf"
	[ "$RC" = 2 ] || fail "$f: no arguments and no FIPD_STATE: exit $RC, want 2 (usage)"
	FIPD_STATE=BACKUP run "$f-envbackup" "$f" -c "$TMP/none.conf"
	[ "$RC" = 0 ] || fail "$f: FIPD_STATE=BACKUP without arguments: exit $RC, want 0"
done

# Again: already there, nothing is changed (idempotent).
: >"$FAKE/calls"
run os-again openstack-fip -c "$C" INSTANCE VI_1 MASTER 100
head -n 2 "$want" >"$want.2"
expect os-again 0 "$want.2" &&
    grep -q "already points at port p-1111" "$TMP/os-again.out" ||
    fail "os-again: message"

# Other states: nothing at all, not even a settings file.
reset
for st in BACKUP FAULT; do
	run os-$st openstack-fip -c /nonexistent INSTANCE VI_1 $st 100
	expect "os-$st" 0 /dev/null
done
run os-stop openstack-fip -c "$C" INSTANCE VI_1 STOP 0
expect os-stop 0 /dev/null

# status
reset
echo p-1111 >"$FAKE/port_id"
echo p-1111 >"$FAKE/fip_port"
run os-status openstack-fip -c "$C" status
[ $RC = 0 ] || fail "os-status: exit $RC"
echo None >"$FAKE/fip_port"
run os-status2 openstack-fip -c "$C" status
[ $RC = 3 ] || fail "os-status (not here): exit $RC"

# RELEASE_ON_STOP only releases what points at us.
reset
echo p-1111 >"$FAKE/port_id"
echo p-1111 >"$FAKE/fip_port"
cp "$C" "$C.rel"
echo "RELEASE_ON_STOP=yes" >>"$C.rel"
run os-rel openstack-fip -c "$C.rel" INSTANCE VI_1 STOP 0
{ head -n 2 "$want"; echo "floating ip unset --port 203.0.113.10"; } >"$want.3"
expect os-rel 0 "$want.3"
: >"$FAKE/calls"
echo p-2222 >"$FAKE/fip_port"
run os-rel2 openstack-fip -c "$C.rel" INSTANCE VI_1 STOP 0
expect os-rel2 0 "$want.2"

# Failures: CLI error, settings missing, unknown state.
reset
echo p-1111 >"$FAKE/port_id"
touch "$FAKE/fail"
run os-fail openstack-fip -c "$C" INSTANCE VI_1 MASTER 100
[ $RC = 1 ] && grep -q "Unable to establish connection" "$TMP/os-fail.out" &&
    grep -q "openstack-fip: 'openstack port show web-1-port -f value -c id' failed (exit 1)" "$TMP/os-fail.out" ||
    { fail "os-fail: exit $RC"; show "$TMP/os-fail.out"; }
rm -f "$FAKE/fail"
run os-noconf openstack-fip -c "$TMP/none.conf" INSTANCE VI_1 MASTER 100
[ $RC = 2 ] && grep -q "cannot read settings $TMP/none.conf" "$TMP/os-noconf.out" ||
    fail "os-noconf: exit $RC"
echo "FIP=203.0.113.10" >"$TMP/os-noport.conf"
export OPENSTACK_FIP_CONF="$TMP/os-noport.conf"
run os-noport openstack-fip INSTANCE VI_1 MASTER 100
unset OPENSTACK_FIP_CONF
[ $RC = 2 ] && grep -q "PORT is not set" "$TMP/os-noport.out" ||
    fail "os-noport (settings from \$OPENSTACK_FIP_CONF): exit $RC"
run os-badstate openstack-fip -c "$C" INSTANCE VI_1 SLEEPY 100
[ $RC = 2 ] || fail "os-badstate: exit $RC"
run os-usage openstack-fip
[ $RC = 2 ] || fail "os-usage: exit $RC"
[ $FAILS = "$f0" ] && ok "openstack-fip: MASTER points the FIP at our port, idempotent, other states untouched, failures reported"

# --------------------------------------------------- aws-secondary-ip
C=$TMP/aws.conf
cat >"$C" <<EOF
ENI=eni-0123456789abcdef0
IP=10.0.1.100
REGION=eu-west-1
AWS_PROFILE=fipd
AWS_SHARED_CREDENTIALS_FILE=/etc/fipd/aws-credentials
EOF
f0=$FAILS
Q="NetworkInterfaces[0].PrivateIpAddresses[?PrivateIpAddress=='10.0.1.100'].PrivateIpAddress"

reset
: >"$FAKE/eni_ips"
run aws-master aws-secondary-ip -c "$C" INSTANCE VI_1 MASTER 100
cat >"$want" <<EOF
--region eu-west-1 --output text ec2 describe-network-interfaces --network-interface-ids eni-0123456789abcdef0 --query $Q
--region eu-west-1 --output text ec2 assign-private-ip-addresses --network-interface-id eni-0123456789abcdef0 --private-ip-addresses 10.0.1.100 --allow-reassignment
EOF
expect aws-master 0 "$want" &&
    grep -q "VI_1: 10.0.1.100 assigned to eni-0123456789abcdef0" "$TMP/aws-master.out" ||
    fail "aws-master: message"
grep -qx "env AWS_PROFILE=fipd AWS_SHARED_CREDENTIALS_FILE=/etc/fipd/aws-credentials AWS_PAGER=" "$FAKE/env" ||
    fail "aws-master: settings not passed: $(head -n 1 "$FAKE/env")"
: >"$FAKE/calls"
run aws-again aws-secondary-ip -c "$C" INSTANCE VI_1 MASTER 100
head -n 1 "$want" >"$want.2"
expect aws-again 0 "$want.2"

reset
for st in BACKUP FAULT; do
	run aws-$st aws-secondary-ip -c /nonexistent INSTANCE VI_1 $st 100
	expect "aws-$st" 0 /dev/null
done
run aws-stop aws-secondary-ip -c "$C" INSTANCE VI_1 STOP 0
expect aws-stop 0 /dev/null

reset
echo 10.0.1.100 >"$FAKE/eni_ips"
cp "$C" "$C.rel"
echo "RELEASE_ON_STOP=yes" >>"$C.rel"
run aws-rel aws-secondary-ip -c "$C.rel" INSTANCE VI_1 STOP 0
{ head -n 1 "$want"; echo "--region eu-west-1 --output text ec2 unassign-private-ip-addresses --network-interface-id eni-0123456789abcdef0 --private-ip-addresses 10.0.1.100"; } >"$want.3"
expect aws-rel 0 "$want.3"
run aws-status aws-secondary-ip -c "$C" status
[ $RC = 3 ] || fail "aws-status after release: exit $RC"

reset
: >"$FAKE/eni_ips"
touch "$FAKE/fail"
run aws-fail aws-secondary-ip -c "$C" INSTANCE VI_1 MASTER 100
[ $RC = 1 ] && grep -q "UnauthorizedOperation" "$TMP/aws-fail.out" &&
    grep -q "aws-secondary-ip: 'aws ec2 describe-network-interfaces .*' failed (exit 254)" "$TMP/aws-fail.out" ||
    { fail "aws-fail: exit $RC"; show "$TMP/aws-fail.out"; }
echo "ENI=eni-1" >"$TMP/aws-noip.conf"
export AWS_SECONDARY_IP_CONF="$TMP/aws-noip.conf"
run aws-noip aws-secondary-ip INSTANCE VI_1 MASTER 100
unset AWS_SECONDARY_IP_CONF
[ $RC = 2 ] && grep -q "IP is not set" "$TMP/aws-noip.out" ||
    fail "aws-noip: exit $RC"
[ $FAILS = "$f0" ] && ok "aws-secondary-ip: MASTER assigns with --allow-reassignment, idempotent, failures reported"

# -------------------------------------------------- hetzner-cloud-fip
C=$TMP/hc.conf
TOK=$TMP/hc.token
printf 'S3cr3tT0ken0123456789abcdefABCDEF\n' >"$TOK"
chmod 600 "$TOK"
cat >"$C" <<EOF
FLOATING_IP_ID=1234
SERVER_ID=42
TOKEN_FILE=$TOK
API=https://api.example.invalid/v1
TIMEOUT=7
EOF
f0=$FAILS

reset
echo 77 >"$FAKE/server"
run hc-master hetzner-cloud-fip -c "$C" INSTANCE VI_1 MASTER 100
B=https://api.example.invalid/v1/floating_ips/1234
cat >"$want" <<EOF
-sS --max-time 7 -K - -X GET -o OUT -w %{http_code} $B
-sS --max-time 7 -K - -X POST -H Content-Type: application/json --data {"server":42} -o OUT -w %{http_code} $B/actions/assign
EOF
# The body file is a temporary name: normalise it.
sed -i 's/ -o [^ ]* / -o OUT /' "$FAKE/calls"
expect hc-master 0 "$want" &&
    grep -q "VI_1: floating IP 1234 assigned to server 42 (was 77)" "$TMP/hc-master.out" ||
    fail "hc-master: message"
[ "$(cat "$FAKE/server")" = 42 ] || fail "hc-master: not assigned"
if grep -q S3cr3t "$FAKE/calls"; then
	fail "hc-master: the token is on curl's command line"
elif [ "$(grep -c 'header = "Authorization: Bearer S3cr3tT0ken0123456789abcdefABCDEF"' "$FAKE/stdin")" != 2 ]; then
	fail "hc-master: the token did not reach curl on its standard input"
	show "$FAKE/stdin"
fi
ls "${TMPDIR:-/tmp}"/hetzner-cloud-fip.* >/dev/null 2>&1 &&
    fail "hc-master: temporary body file left behind"

: >"$FAKE/calls"
run hc-again hetzner-cloud-fip -c "$C" INSTANCE VI_1 MASTER 100
sed -i 's/ -o [^ ]* / -o OUT /' "$FAKE/calls"
head -n 1 "$want" >"$want.2"
expect hc-again 0 "$want.2" &&
    grep -q "already assigned to server 42" "$TMP/hc-again.out" ||
    fail "hc-again: message"

reset
for st in BACKUP FAULT; do
	run hc-$st hetzner-cloud-fip -c /nonexistent INSTANCE VI_1 $st 100
	expect "hc-$st" 0 /dev/null
done
run hc-stop hetzner-cloud-fip -c "$C" INSTANCE VI_1 STOP 0
expect hc-stop 0 /dev/null

reset
echo null >"$FAKE/server"
run hc-null hetzner-cloud-fip -c "$C" INSTANCE VI_1 MASTER 100
[ $RC = 0 ] && [ "$(cat "$FAKE/server")" = 42 ] ||
    fail "hc-null: an unassigned floating IP was not assigned (exit $RC)"
cp "$C" "$C.rel"
echo "RELEASE_ON_STOP=yes" >>"$C.rel"
run hc-rel hetzner-cloud-fip -c "$C.rel" INSTANCE VI_1 STOP 0
[ $RC = 0 ] && [ "$(cat "$FAKE/server")" = null ] ||
    fail "hc-rel: not unassigned (exit $RC)"
run hc-status hetzner-cloud-fip -c "$C" status
[ $RC = 3 ] || fail "hc-status: exit $RC"

reset
echo 77 >"$FAKE/server"
echo 403 >"$FAKE/status"
run hc-403 hetzner-cloud-fip -c "$C" INSTANCE VI_1 MASTER 100
[ $RC = 1 ] && grep -q "hetzner-cloud-fip: GET /floating_ips/1234: HTTP 403: insufficient permissions for the token" "$TMP/hc-403.out" ||
    { fail "hc-403: exit $RC"; show "$TMP/hc-403.out"; }
rm -f "$FAKE/status"
sed "s|^TOKEN_FILE=.*|TOKEN_FILE=$TMP/none.token|" "$C" >"$C.notok"
: >"$FAKE/calls"
run hc-notoken hetzner-cloud-fip -c "$C.notok" INSTANCE VI_1 MASTER 100
[ $RC = 1 ] && grep -q "cannot read the API token file $TMP/none.token" "$TMP/hc-notoken.out" ||
    fail "hc-notoken: exit $RC"
[ ! -s "$FAKE/calls" ] || fail "hc-notoken: curl was called"
echo 'bad"token' >"$TMP/bad.token"
sed "s|^TOKEN_FILE=.*|TOKEN_FILE=$TMP/bad.token|" "$C" >"$C.badtok"
run hc-badtoken hetzner-cloud-fip -c "$C.badtok" INSTANCE VI_1 MASTER 100
[ $RC = 1 ] && grep -q "unexpected characters" "$TMP/hc-badtoken.out" ||
    fail "hc-badtoken: exit $RC"
sed "s|^SERVER_ID=.*|SERVER_ID=4x2|" "$C" >"$C.badid"
export HETZNER_CLOUD_FIP_CONF="$C.badid"
run hc-badid hetzner-cloud-fip INSTANCE VI_1 MASTER 100
unset HETZNER_CLOUD_FIP_CONF
[ $RC = 2 ] && grep -q "SERVER_ID must be a number" "$TMP/hc-badid.out" ||
    fail "hc-badid: exit $RC"
[ $FAILS = "$f0" ] && ok "hetzner-cloud-fip: assign action on MASTER, token on stdin only, idempotent, API errors reported"

# ----------------------------------------------------- log-transition
f0=$FAILS
reset
export FIPD_PREV_STATE=BACKUP FIPD_SEQ=7 FIPD_INTERFACE=eth0 FIPD_VRID=50 \
    FIPD_VIPS="192.0.2.100 192.0.2.101" FIPD_EVENT=TRANSITION \
    FIPD_REASON="master down"
run log log-transition INSTANCE VI_1 MASTER 100
unset FIPD_PREV_STATE FIPD_SEQ FIPD_INTERFACE FIPD_VRID FIPD_VIPS \
    FIPD_EVENT FIPD_REASON
echo "-t fipd-notify -p daemon.notice -- VI_1: BACKUP -> MASTER (priority 100, seq 7, eth0, vrid 50, VIPs 192.0.2.100 192.0.2.101; master down)" >"$want"
expect log 0 "$want"
reset
run log-ka log-transition INSTANCE VI_1 FAULT 50
echo "-t fipd-notify -p daemon.notice -- VI_1: ? -> FAULT (priority 50)" >"$want"
expect log-ka 0 "$want"
run log-usage log-transition INSTANCE
[ $RC = 2 ] || fail "log-usage: exit $RC"
[ $FAILS = "$f0" ] && ok "log-transition: one line per transition through logger"

if [ "$FAILS" -gt 0 ]; then
	echo "$FAILS check(s) failed"
	exit 1
fi
echo "all checks passed"
exit 0
