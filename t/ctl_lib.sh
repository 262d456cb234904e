# t/ctl_lib.sh -- helpers for the fipctl / metrics / importer tests.
# Sourced after t/integration/lib.sh (which sets up namespaces, cleanup and
# the assertion helpers); not executable.

T_CTL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIPCTL=${FIPCTL:-$FIPD_BUILDDIR/fipctl}
IMPORTER=${IMPORTER:-$FIPD_BUILDDIR/contrib/import/fipd-import-keepalived}
T_METRICS_PORT=9650

need_fipctl() {
	[ -x "$FIPCTL" ] || skip "no fipctl at $FIPCTL (build first, or set FIPD_BUILDDIR)"
}

need_importer() {
	[ -x "$IMPORTER" ] || skip "no importer at $IMPORTER (build first)"
	command -v python3 >/dev/null 2>&1 || skip "python3 missing"
}

# fipctl against NODE's control socket (from the root namespace: the
# socket is a file).
ctl() { local n=$1; shift; "$FIPCTL" -s "$T_DIR/$n.sock" "$@"; }

# ctl_status NODE FILE: fipctl status --json into FILE; returns fipctl's status.
ctl_status() { ctl "$1" status --json > "$2"; }

# ctl_state NODE INSTANCE: the state fipctl status --json reports ("" if
# unknown).  A plain text match (cheap enough to poll): fipd writes "state"
# right after "name".
ctl_state() {
	ctl "$1" status --json 2>/dev/null |
		grep -o "\"name\":\"$2\",\"state\":\"[A-Z]*\"" |
		sed 's/.*"state":"\([A-Z]*\)"/\1/'
}

# scrape NODE FILE: GET /metrics inside NODE's namespace; headers in FILE.hdr.
scrape() {
	nsx "$1" curl -s -m 3 -D "$2.hdr" -o "$2" "http://127.0.0.1:$T_METRICS_PORT/metrics"
}

# promcheck FILE [options]: strict format check (t/ctl_promcheck.py).
promcheck() { python3 "$T_CTL_DIR/ctl_promcheck.py" "$@"; }

# metric FILE SERIES: the value of one series ("absent" if missing).
metric() { promcheck "$1" --get "$2"; }

# import_wiki NODE IFACE ONELINE: the wiki's keepalived.conf for NODE
# (n1 MASTER 100, n2 BACKUP 50; unicast to the other node), converted by the
# importer with the test's [global] keys in front.  Written to $T_DIR/NODE.conf.
import_wiki() {
	local n=$1 ifc=$2 oneline=$3 state=MASTER prio=100 ka="$T_DIR/$1.keepalived.conf"
	if [ "$n" = n2 ]; then state=BACKUP; prio=50; fi
	if [ "$oneline" = 1 ]; then
		echo "vrrp_instance VI_1 { state $state interface $ifc virtual_router_id 50 priority $prio advert_int 1 authentication { auth_type PASS auth_pass EcbCp2b1 } virtual_ipaddress { $T_VIP } unicast_peer { ${T_PEER_IP[$n]} } }" > "$ka"
	else
		cat > "$ka" <<EOF
vrrp_instance VI_1 {
    state $state
    interface $ifc
    virtual_router_id 50
    priority $prio
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass EcbCp2b1
    }
    virtual_ipaddress {
        $T_VIP
    }
    unicast_peer {
        ${T_PEER_IP[$n]}
    }
}
EOF
	fi
	"$IMPORTER" "$ka" > "$T_DIR/$n.imported" 2> "$T_DIR/$n.import.err" ||
		die "importer failed on the wiki config for $n: $(cat "$T_DIR/$n.import.err")"
	{
		conf_global "$n"
		echo "metrics_listen = 127.0.0.1:$T_METRICS_PORT"
		cat "$T_DIR/$n.imported"
	} > "$T_DIR/$n.conf"
	echo "$T_DIR/$n.conf"
}

# The topology without nginx and client probing (these tests watch the
# daemon, not HTTP service).
setup_light() { # MAX_SECONDS
	need_root
	need_tools ip bridge python3 curl
	need_daemon
	need_fipctl
	t_init "${1:-180}"
	setup_topology
	setup_plugins
	mon_start n1
	mon_start n2
}
