#!/bin/bash
# The importer's output is a valid fipd configuration (issue 5): every
# config of t/data/import that the importer accepts (NAME.conf, with the
# options of NAME.args) passes `fipd -t` (plugins from the build tree,
# [global] plugin_dir put in front).  No root needed.
. "$(dirname "$0")/integration/lib.sh"
. "$(dirname "$0")/ctl_lib.sh"

need_importer
need_daemon
t_init 120
setup_plugins
DATA=$(cd "$T_LIB_DIR/../data/import" && pwd)

# Notify keys come from an action plugin: without it, configs that use
# them are not run through fipd -t (said below).
probe=$T_DIR/probe.conf
{ printf '[global]\nplugin_dir = %s\n\n[instance P]\ninterface = eth0\n' "$T_PLUGDIR"
  printf 'virtual_router_id = 1\nvirtual_ipaddress = 192.0.2.1/32\nnotify_master = /bin/true\n'; } > "$probe"
have_notify=0
"$FIPD" -t -f "$probe" > /dev/null 2>&1 && have_notify=1

# validate NAME: convert DATA/NAME.conf, put plugin_dir in front, fipd -t.
validate() {
	local name=$1 f=$T_DIR/$1.conf args=
	[ -f "$DATA/$name.args" ] && args=$(cat "$DATA/$name.args")
	# shellcheck disable=SC2086 # options, split on purpose
	(cd "$DATA" && "$IMPORTER" -q $args "$name.conf") > "$T_DIR/$name.ini" ||
		{ fail "$name: the importer failed"; return; }
	if [ "$have_notify" = 0 ] && grep -q '^notify' "$T_DIR/$name.ini"; then
		say "$name: no plugin provides notify_* keys: not run through fipd -t"
		return
	fi
	# Scripts the corpus names (/etc/keepalived/notify.sh, ...) and
	# script users (postgres) need not exist on this machine: the mapping
	# is under test, not the host, so a missing program becomes /bin/true
	# and a missing user nobody (said below).
	local line k v prog
	{
		printf '[global]\nplugin_dir = %s\n' "$T_PLUGDIR"
		while IFS= read -r line; do
			case $line in
			notify*=*|command\ =*)
				k=${line%%=*}; v=${line#*= }; prog=${v%% *}
				if [ "${prog#/}" != "$prog" ] && [ ! -x "$prog" ]; then
					echo "$k= /bin/true"
					echo "$name: $prog absent here, checked as /bin/true" >&2
					continue
				fi ;;
			script_user\ =*)
				v=${line#*= }
				if ! getent passwd "$v" > /dev/null; then
					echo "script_user = nobody"
					echo "$name: no user $v here, checked as nobody" >&2
					continue
				fi ;;
			esac
			[ "$line" = "[global]" ] || printf '%s\n' "$line"
		done < "$T_DIR/$name.ini"
	} > "$f"
	if "$FIPD" -t -f "$f" > "$T_DIR/$name.t" 2>&1; then
		ok "$name: fipd -t accepts the converted config"
	else
		fail "$name: fipd -t refused the converted config:"
		sed 's/^/    | /' "$T_DIR/$name.t"
	fi
}

n=0
for conf in "$DATA"/*.conf; do
	validate "$(basename "$conf" .conf)"
	n=$((n + 1))
done
check "every accepted corpus config checked ($n)" [ "$n" -ge 20 ]
finish
