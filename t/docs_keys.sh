#!/bin/bash
# The documentation follows the key tables (issue 12): every key that
# `fipd -K` lists (the core's tables and the build's plugins') is named in
# doc/fipd.conf.5, and every [instance] key of the core is named in its
# RELOAD section, which says which keys restart an instance and which are
# applied in place.  A key added to a table without its documentation, or
# moved between "restart" and "in place" without the RELOAD text knowing,
# fails here.  No root needed.
. "$(dirname "$0")/integration/lib.sh"

need_daemon
[ "$FIPD_DAEMON" = fipd ] || skip "fipd only"
t_init 60
setup_plugins
MAN=$T_LIB_DIR/../../doc/fipd.conf.5
[ -r "$MAN" ] || die "no $MAN"

cat > "$T_DIR/k.conf" <<CONF
[global]
plugin_dir = $T_PLUGDIR
[instance VI_1]
interface = eth0
virtual_router_id = 1
virtual_ipaddress = 192.0.2.100
CONF
"$FIPD" -K -f "$T_DIR/k.conf" > "$T_DIR/keys" 2> "$T_DIR/keys.err" ||
	die "fipd -K failed: $(cat "$T_DIR/keys.err")"
n=$(grep -vc '^#' "$T_DIR/keys")
check "fipd -K lists the keys ($n, plugins included)" \
	eval 'grep -q "^check type=http	url	" "$T_DIR/keys" && grep -q "^instance plugin=action_notify	notify_stop	" "$T_DIR/keys"'

# A key is named when it is a bold word of the page (.B/.BR/.RB lines or
# \fB...\fR).
named() { # KEY FILE
	grep -qE "^\.(B|BR|RB|BI|IB) (.* )?\"?$1\"?( |,|;|$)|\\\\fB$1\\\\f" "$2"
}
sed -n '/^\.SH RELOAD/,/^\.SH [^R]/p' "$MAN" > "$T_DIR/reload.5"
[ -s "$T_DIR/reload.5" ] || die "no RELOAD section in $MAN"
missing=() reload_missing=()
while IFS=$'\t' read -r sect key on _; do
	case $sect in \#*) continue ;; esac
	named "$key" "$MAN" || missing+=("[$sect] $key")
	if [ "$sect" = instance ]; then
		named "$key" "$T_DIR/reload.5" || reload_missing+=("$key ($on)")
	fi
done < "$T_DIR/keys"
check "fipd.conf(5) names every key${missing:+ (missing: ${missing[*]})}" [ ${#missing[@]} = 0 ]
check "its RELOAD section names every [instance] key${reload_missing:+ (missing: ${reload_missing[*]})}" [ ${#reload_missing[@]} = 0 ]
# The restart keys are said to restart: the sentence that lists them.
restart=$(awk -F'\t' '$1 == "instance" && $3 == "restart" { print $2 }' "$T_DIR/keys" | sort | tr '\n' ' ')
check "restart keys per the tables: $restart" [ "$restart" = "interface version virtual_router_id " ]
check "RELOAD says those keys restart an instance" \
	eval 'tr "\n" " " < "$T_DIR/reload.5" | grep -q "Only the keys that identify an instance restart it: .BR interface , .BR virtual_router_id , .B version and the address family of .B virtual_ipaddress"'
finish
