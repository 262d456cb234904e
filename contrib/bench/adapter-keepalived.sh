# contrib/bench/adapter-keepalived.sh -- how the benchmark runs keepalived
# (the reference).  The fipd INI file is translated by the harness's
# ini_to_keepalived (t/integration/lib.sh): same instances, VRIDs, priorities,
# advert interval, version, unicast peers, PASS auth, and a [check] becomes a
# vrrp_script running curl (keepalived has no native HTTP check for VRRP).
# keepalived's vrrp_script interval and timeout are whole seconds (1 s at
# least, it refuses 0.1): they are raised to 1 here, and the table says so.
# See adapter-fipd.sh for the adapter functions.

adp_keepalived_check() {
	command -v keepalived >/dev/null 2>&1 || skip "keepalived is not installed (apt-get install keepalived)"
}
adp_keepalived_version() { keepalived --version 2>&1 | head -n 1; }

adp_keepalived_start() { # NODE INI
	local n=$1 ini=$2 conf="$2.keepalived" log="$T_DIR/$1.log"
	ini_to_keepalived "$ini" "$conf.tmp"
	# Script intervals/timeouts below 1 s: keepalived's minimum.
	awk '/^vrrp_script / { s = 1 } /^}/ { s = 0 }
	s && ($1 == "interval" || $1 == "timeout") && $2 + 0 < 1 { print "    " $1 " 1"; next }
	{ print }' "$conf.tmp" > "$conf" && rm -f "$conf.tmp"
	FIPD_CONF[$n]=$ini
	echo "=== $(date '+%H:%M:%S.%3N') start keepalived ($conf)" >> "$log"
	ip netns exec "$(ns "$n")" keepalived -n -l -D -G -P -f "$conf" \
		-p "$T_DIR/$n.pid" -r "$T_DIR/$n.vrrp.pid" -i "$T_PREFIX-$n" \
		</dev/null >>"$log" 2>&1 &
	FIPD_PID[$n]=$!
	_track "${FIPD_PID[$n]}"
}

# keepalived's console log has one-second time stamps: nothing to the ms.
adp_keepalived_master_at() { :; }

adp_keepalived_to_master() { # NODE LOG_LINE
	tail -n +"$(($2 + 1))" "$T_DIR/$1.log" | grep -c 'Entering MASTER STATE'
}
