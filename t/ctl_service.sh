#!/bin/bash
# contrib/fipd.service (issue 5): generated with the installed paths, and
# accepted by `systemd-analyze verify` when systemd-analyze is available
# (skipped otherwise).  The unit is verified in a copy whose paths point at
# the build tree, so that the programs it names exist.  No root needed.
. "$(dirname "$0")/integration/lib.sh"

need_daemon
t_init 60
unit=$FIPD_BUILDDIR/contrib/fipd.service
[ -f "$unit" ] || skip "no generated unit at $unit (build first)"

check "no placeholder left" eval '! grep -q "@[a-z_]*@" "$unit"'
check "Type=notify" grep -qx 'Type=notify' "$unit"
check "ExecStart runs fipd in the foreground" grep -qE '^ExecStart=/.*/fipd -n( |$)' "$unit"
check "ExecReload sends HUP" grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit"
check "Restart=on-failure" grep -qx 'Restart=on-failure' "$unit"
check "capability bounding set" grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SETUID CAP_SETGID CAP_KILL' "$unit"
for k in ProtectSystem=strict ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes; do
	check "$k" grep -qx "$k" "$unit"
done
check "ReadWritePaths covers the run directory" grep -qE '^ReadWritePaths=/' "$unit"

command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not installed (the unit's content was checked)"
sbin=$(sed -n 's|^ExecStart=\(.*\)/fipd -n.*|\1|p' "$unit")
mkdir -p "$T_DIR/etc/fipd"
cp "$T_LIB_DIR/../../etc/fipd.conf" "$T_DIR/etc/fipd/fipd.conf" 2>/dev/null || : > "$T_DIR/etc/fipd/fipd.conf"
sed -e "s|$sbin/fipd|$(cd "$FIPD_BUILDDIR" && pwd)/fipd|g" \
    -e "s|^ExecStartPre=.*|ExecStartPre=$(cd "$FIPD_BUILDDIR" && pwd)/fipd -t -f $T_DIR/etc/fipd/fipd.conf|" \
    "$unit" > "$T_DIR/fipd.service"
SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$T_DIR/fipd.service" > "$T_DIR/verify.out" 2>&1
rc=$?
# verify exits 0 even for unknown keys: any line about the unit is a failure.
if [ "$rc" = 0 ] && ! grep -q "fipd.service" "$T_DIR/verify.out"; then
	ok "systemd-analyze verify accepts the unit, without a warning"
elif grep -q "fipd.service" "$T_DIR/verify.out"; then
	fail "systemd-analyze verify (exit $rc):"
	sed 's/^/    | /' "$T_DIR/verify.out"
else
	# Some versions cannot load units at all without a running systemd.
	say "systemd-analyze could not run here (exit $rc), nothing about the unit:"
	sed 's/^/    | /' "$T_DIR/verify.out"
fi
finish
