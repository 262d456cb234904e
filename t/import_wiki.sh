#!/bin/bash
# The importer's output is a valid fipd configuration (issue 5): the wiki's
# two configs (one line and several lines, with and without the wiki's
# '<--' notes) and the other corpus configs that use only what fipd has
# pass `fipd -t` (plugins from the build tree, [global] plugin_dir put in
# front).  Configs with notify scripts are checked once a notify action
# plugin provides those keys.  No root needed.
. "$(dirname "$0")/integration/lib.sh"
. "$(dirname "$0")/ctl_lib.sh"

need_importer
need_daemon
t_init 120
setup_plugins
DATA=$(cd "$T_LIB_DIR/../data/import" && pwd)

# validate NAME: convert DATA/NAME.conf, put plugin_dir in front, fipd -t.
validate() {
	local name=$1 f=$T_DIR/$1.conf
	(cd "$DATA" && "$IMPORTER" -q "$name.conf") > "$T_DIR/$name.ini" ||
		{ fail "$name: the importer failed"; return; }
	# Scripts the corpus names (/etc/keepalived/notify.sh, killall, ...)
	# need not exist on this machine: the mapping is under test, not the
	# files, so a missing program becomes /bin/true (said below).
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

for name in wiki-master wiki-master-oneline wiki-backup wiki-backup-oneline \
    wiki-backup-annotated v3-ipv6 include-main; do
	validate "$name"
done

# Notify keys come from an action plugin; check them when it is there.
probe=$T_DIR/probe.conf
{ printf '[global]\nplugin_dir = %s\n\n[instance P]\ninterface = eth0\n' "$T_PLUGDIR"
  printf 'virtual_router_id = 1\nvirtual_ipaddress = 192.0.2.1/32\nnotify_master = /bin/true\n'; } > "$probe"
if "$FIPD" -t -f "$probe" > /dev/null 2>&1; then
	validate scripts-tracking
else
	say "no plugin provides notify_* keys yet: scripts-tracking not run through fipd -t"
fi
finish
